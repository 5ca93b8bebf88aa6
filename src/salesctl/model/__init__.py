"""The immutable documents of order-to-cash.

Every class here is a frozen, slotted attrs class, validated on construction: a negative
quantity, a float amount or a naive timestamp raises :class:`~salesctl.errors.InvalidInput`
naming the field. Use :func:`attrs.evolve` to change a value; it validates again.

The documents are grouped by process stage, one module each; import them from here
(``salesctl.model``), which re-exports every public name:

* :mod:`salesctl.model.parties`: actors, customers, credit profiles and exposure, approvals;
* :mod:`salesctl.model.pricing`: products, the price master, concessions;
* :mod:`salesctl.model.orders`: quotations, business approval forms, sales orders, credit
  releases;
* :mod:`salesctl.model.contracts`: contracts, signing authorities, the seal-use register, the
  contract ledger, commission claims;
* :mod:`salesctl.model.fulfilment`: production orders, delivery notices, stock lots, goods
  issues, delivery proofs, service work orders;
* :mod:`salesctl.model.billing`: invoices, settlements, revenue entries, receipts;
* :mod:`salesctl.model.planning`: the pipeline and sales plans;
* :mod:`salesctl.model.terms`: payment terms (net N days, 月结 N 天, 次月 D 日) and due dates.

>>> from decimal import Decimal
>>> from salesctl.model import OrderLine, Product
>>> from salesctl.money import Money
>>> line = OrderLine(line_no=1, product=Product(id="P-1", name="PE film"),
...                  quantity=Decimal("2"), unit_price=Money("150.00", "CNY"))
>>> line.amount
Money('300.00', 'CNY')
"""

from salesctl._validators import FrozenMap
from salesctl.model.billing import (
    ConsignmentSettlement,
    Invoice,
    InvoiceLine,
    Receipt,
    RevenueEntry,
    Settlement,
    SettlementStatus,
)
from salesctl.model.contracts import (
    CommissionClaim,
    Contract,
    ContractAccount,
    ContractForm,
    ContractStatus,
    SealKind,
    SealUse,
    SigningAuthority,
    TemplateDeviation,
)
from salesctl.model.fulfilment import (
    DeliveryLine,
    DeliveryMode,
    DeliveryNotice,
    DeliveryProof,
    GoodsIssue,
    ICCard,
    LineFacts,
    PickupOrder,
    ProductionLine,
    ProductionOrder,
    ProofKind,
    StockLot,
    WorkOrder,
    line_facts,
)
from salesctl.model.orders import (
    BusinessApprovalForm,
    CreditRelease,
    OrderLine,
    PaymentMethod,
    PaymentTerms,
    Quotation,
    QuotationLine,
    SalesOrder,
)
from salesctl.model.parties import (
    EXPOSURE_CATEGORIES,
    Actor,
    Approval,
    CreditExposure,
    CreditGroup,
    CreditLimitChange,
    CreditProfile,
    Customer,
    OpenReceivable,
    profile_on,
)
from salesctl.model.planning import (
    Opportunity,
    PipelineStage,
    PlanKind,
    SalesPlan,
)
from salesctl.model.pricing import (
    Concession,
    ConcessionKind,
    ConcessionRecord,
    PriceChange,
    PriceClass,
    PriceEntry,
    Product,
)
from salesctl.model.terms import (
    MAX_TERM_DAYS,
    CreditTerms,
    TermsKind,
    day_of_next_month,
    earliest_due,
    end_of_month_plus,
    net,
)

__all__ = [
    "EXPOSURE_CATEGORIES",
    "MAX_TERM_DAYS",
    "Actor",
    "Approval",
    "BusinessApprovalForm",
    "CommissionClaim",
    "Concession",
    "ConcessionKind",
    "ConcessionRecord",
    "ConsignmentSettlement",
    "Contract",
    "ContractAccount",
    "ContractForm",
    "ContractStatus",
    "CreditExposure",
    "CreditGroup",
    "CreditLimitChange",
    "CreditProfile",
    "CreditRelease",
    "CreditTerms",
    "Customer",
    "DeliveryLine",
    "DeliveryMode",
    "DeliveryNotice",
    "DeliveryProof",
    "FrozenMap",
    "GoodsIssue",
    "ICCard",
    "Invoice",
    "InvoiceLine",
    "LineFacts",
    "OpenReceivable",
    "Opportunity",
    "OrderLine",
    "PaymentMethod",
    "PaymentTerms",
    "PickupOrder",
    "PipelineStage",
    "PlanKind",
    "PriceChange",
    "PriceClass",
    "PriceEntry",
    "Product",
    "ProductionLine",
    "ProductionOrder",
    "ProofKind",
    "Quotation",
    "QuotationLine",
    "Receipt",
    "RevenueEntry",
    "SalesOrder",
    "SalesPlan",
    "SealKind",
    "SealUse",
    "Settlement",
    "SettlementStatus",
    "SigningAuthority",
    "StockLot",
    "TemplateDeviation",
    "TermsKind",
    "WorkOrder",
    "day_of_next_month",
    "earliest_due",
    "end_of_month_plus",
    "line_facts",
    "net",
    "profile_on",
]
