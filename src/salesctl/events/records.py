"""The record types of the event stream: facts the host registered that later decisions rely on.

A record (an approval given, a one-time release granted, a price published, stock received, a
month-end count, …) is folded into the :mod:`ledger <salesctl.ledger>` but not decided: no
preventive control applies to it. Every record class is an attrs class registered with
:func:`register_record`, so that :func:`salesctl.events.parse_event` reads it by its name.
"""

from __future__ import annotations

import datetime as dt
import enum
import re
from decimal import Decimal
from typing import Any, TypeAlias, TypeVar

import attrs
from attrs import field, frozen

from salesctl._validators import aware, decimal_conv, ident, opt_ident, text, typed
from salesctl.errors import InvalidInput
from salesctl.model import (
    Approval,
    BusinessApprovalForm,
    ConsignmentSettlement,
    CreditRelease,
    DeliveryProof,
    ICCard,
    PickupOrder,
    PriceEntry,
    Settlement,
    StockLot,
)
from salesctl.records import (
    ConsignmentCount,
    ContractLedgerLine,
    GLRevenue,
    PerformanceAssessment,
    SalesActual,
    SalesAnalysis,
    SalesInvoice,
    SalesTarget,
    ShipmentCount,
    StockCount,
)
from salesctl.records_extra import (
    CollectionsAnalysis,
    CommissionAccrual,
    Promotion,
    PromotionEvaluation,
    ReceiptRecord,
    ReceiptVoucher,
    StorageArea,
    StorageReading,
)
from salesctl.transactions import TRANSACTION_TYPES, Transaction

__all__ = [
    "RECORD_TYPES",
    "AccrueCommission",
    "AnalyseCollections",
    "AnalyseSales",
    "AssessPerformance",
    "CloseOrder",
    "CollectionStep",
    "CountConsignment",
    "CountShipments",
    "CountStock",
    "EvaluatePromotion",
    "Event",
    "GrantApproval",
    "GrantRelease",
    "IssuePickupOrder",
    "IssueSalesInvoice",
    "KeepContractLedger",
    "KeepReceiptRecord",
    "LoadICCard",
    "PostGLRevenue",
    "PostReceiptVoucher",
    "PublishPrice",
    "PublishSalesPolicy",
    "ReadStorage",
    "ReceiveDeliveryProof",
    "ReceiveStock",
    "Record",
    "RecordBusinessApproval",
    "RecordSettlement",
    "RegisterStorageArea",
    "ReportSalesActual",
    "RunPromotion",
    "SetExchangeRate",
    "SetSalesTarget",
    "SettleConsignment",
    "TakeCollectionStep",
    "register_record",
]

#: Every record class by its ``type`` name.
RECORD_TYPES: dict[str, type[Record]] = {}

_R = TypeVar("_R", bound="type[Record]")


def register_record(cls: _R) -> _R:
    """Class decorator: make a record class known to :func:`parse_event`.

    Raises:
        InvalidInput: if the name is already taken by a transaction or another record.
    """
    name = cls.__name__
    if name in TRANSACTION_TYPES or RECORD_TYPES.get(name, cls) is not cls:
        raise InvalidInput("event type registered twice", path=name)
    RECORD_TYPES[name] = cls
    return cls


@frozen
class Record:
    """Base of every record: a fact the host registered at a time.

    Attributes:
        at: when the host registered it (timezone-aware).
    """

    at: dt.datetime = field(validator=aware, kw_only=True)

    @property
    def routing_customer(self) -> str | None:
        """The customer the record belongs to, when known (a partitioned replay sends the
        record to that customer's partition only; ``None``: to every partition)."""
        return None


def _customer_id_last(cls: type, fields: list[attrs.Attribute[Any]]) -> list[attrs.Attribute[Any]]:
    """Field transformer of the records built on :class:`_ByCustomer`: the inherited
    ``customer_id`` goes after the record's own fields, where each record declared it before
    (the JSON key order, the JSON Schema and the format reference stay the same, and
    :func:`salesctl.ledger.scope_of` reads the fields in the same order)."""
    return [f for f in fields if f.name != "customer_id"] + [
        f for f in fields if f.name == "customer_id"
    ]


@frozen
class _ByCustomer(Record):
    """Base of the records that name their customer only for routing.

    Attributes:
        customer_id: the customer, if the export knows it (lets a partitioned replay route
            the record; otherwise every partition receives it).
    """

    customer_id: str | None = field(default=None, validator=opt_ident, kw_only=True)

    @property
    def routing_customer(self) -> str | None:
        """The customer id, if given."""
        return self.customer_id


@register_record
@frozen(field_transformer=_customer_id_last)
class GrantApproval(_ByCustomer):
    """An approval was given for a document (the evidence that clears a HOLD).

    Attributes:
        approval: the approval, as the host's workflow recorded it.
        customer_id: the customer of the approved document, if the export knows it (lets a
            partitioned replay route the record; otherwise every partition receives it).
    """

    approval: Approval = field(validator=typed(Approval), kw_only=True)


@register_record
@frozen(field_transformer=_customer_id_last)
class GrantRelease(_ByCustomer):
    """A one-time credit release was granted for an order (S-IC 5.1).

    Attributes:
        release: the release.
        customer_id: the customer of the released order, if the export knows it.
    """

    release: CreditRelease = field(validator=typed(CreditRelease), kw_only=True)


@register_record
@frozen
class PublishPrice(Record):
    """Finance entered a price in the price master (S-IC 3.1–3.4).

    Attributes:
        entry: the price-master entry.
    """

    entry: PriceEntry = field(validator=typed(PriceEntry), kw_only=True)


def _pair(_i: Any, _a: Any, value: Any) -> None:
    text(_i, _a, value)
    if not re.fullmatch(r"[A-Z]{3}/[A-Z]{3}", value):
        raise InvalidInput('must look like "USD/CNY"', path="SetExchangeRate.pair", value=value)


def _rate(_i: Any, _a: Any, value: Any) -> None:
    if not isinstance(value, Decimal) or not value.is_finite() or value <= 0:
        raise InvalidInput("must be a positive decimal", path="SetExchangeRate.rate", value=value)


@register_record
@frozen
class SetExchangeRate(Record):
    """An exchange rate in force from now on (``"USD/CNY"``: CNY per USD).

    Attributes:
        pair: the currency pair, ``"USD/CNY"``.
        rate: units of the second currency per unit of the first.
    """

    pair: str = field(validator=_pair, kw_only=True)
    rate: Decimal = field(converter=decimal_conv, validator=_rate, kw_only=True)


@register_record
@frozen
class ReceiveStock(Record):
    """A lot of finished goods entered stock (入库, S-K1 7).

    Attributes:
        lot: the lot as received (its quantity is the quantity received).
    """

    lot: StockLot = field(validator=typed(StockLot), kw_only=True)


@register_record
@frozen
class PublishSalesPolicy(Record):
    """The general manager issued a sales policy (销售政策, S-K1 1); contracts cite it (O2C-CT-03).

    Attributes:
        reference: the sales policy's id, e.g. ``"XSZC-2026-01"``.
        withdrawn: True when the policy is withdrawn from now on.
    """

    reference: str = field(validator=text, kw_only=True)
    withdrawn: bool = field(default=False, validator=typed(bool), kw_only=True)


@register_record
@frozen(field_transformer=_customer_id_last)
class ReceiveDeliveryProof(_ByCustomer):
    """Finance received proof that a goods issue was delivered (S-YF 9–10; O2C-RR-02).

    Attributes:
        proof: the customer-signed copy or logistics receipt.
        customer_id: the customer, if the export knows it (routing).
    """

    proof: DeliveryProof = field(validator=typed(DeliveryProof), kw_only=True)


@register_record
@frozen(field_transformer=_customer_id_last)
class RecordSettlement(_ByCustomer):
    """The billing system created or changed a sales settlement (销售结算单, S-PM B–C).

    Attributes:
        settlement: the settlement as it now stands.
        customer_id: the customer, if the export knows it (routing).
    """

    settlement: Settlement = field(validator=typed(Settlement), kw_only=True)


@register_record
@frozen
class SettleConsignment(Record):
    """A distributor's month-end consignment settlement was agreed (S-YF 11; O2C-RR-02).

    Attributes:
        settlement: the settlement.
    """

    settlement: ConsignmentSettlement = field(validator=typed(ConsignmentSettlement), kw_only=True)

    @property
    def routing_customer(self) -> str | None:
        """The distributor."""
        return self.settlement.customer_id


@register_record
@frozen(field_transformer=_customer_id_last)
class RecordBusinessApproval(_ByCustomer):
    """A business approval form (业务审核表) was prepared or approved (S-FT; O2C-SO-06).

    Attributes:
        form: the form as it now stands.
        customer_id: the customer, if the export knows it (routing).
    """

    form: BusinessApprovalForm = field(validator=typed(BusinessApprovalForm), kw_only=True)


@register_record
@frozen(field_transformer=_customer_id_last)
class CloseOrder(_ByCustomer):
    """A completed or expired sales order was closed in the system (关闭, S-IC 5.1; O2C-SO-03).

    Attributes:
        order_id: the order.
        customer_id: the customer, if the export knows it (routing).
    """

    order_id: str = field(validator=ident, kw_only=True)


# Registers kept outside the order-to-cash transactions (counts, the other department's
# books, the general ledger, targets and plans): the detective controls compare them with
# what the transactions say (salesctl.reconcile).


@register_record
@frozen
class KeepContractLedger(Record):
    """A department's contract-ledger line read at a month end (合同台帐, S-K1 4; O2C-CT-04).

    Attributes:
        line: the line, with the book (sales or finance) it comes from.
    """

    line: ContractLedgerLine = field(validator=typed(ContractLedgerLine), kw_only=True)

    @property
    def routing_customer(self) -> str | None:
        """The customer."""
        return self.line.customer_id


@register_record
@frozen
class CountShipments(Record):
    """The month-end count of actual shipments of a product (实际发货量, S-IC 7.1; O2C-DL-06).

    Attributes:
        count: the count.
    """

    count: ShipmentCount = field(validator=typed(ShipmentCount), kw_only=True)


@register_record
@frozen
class IssueSalesInvoice(Record):
    """Finance issued (stamped) a sales invoice from a system invoice (S-IC 8.1; O2C-RR-01).

    Attributes:
        invoice: the sales invoice.
    """

    invoice: SalesInvoice = field(validator=typed(SalesInvoice), kw_only=True)

    @property
    def routing_customer(self) -> str | None:
        """The customer."""
        return self.invoice.customer_id


@register_record
@frozen
class PostGLRevenue(Record):
    """A posting to the general ledger's revenue account (总账收入, S-IC 8.1; O2C-RR-01).

    Attributes:
        posting: the posting.
    """

    posting: GLRevenue = field(validator=typed(GLRevenue), kw_only=True)


@register_record
@frozen
class CountConsignment(Record):
    """A distributor's month-end consignment count and settlement (S-YF 11; O2C-AR-02).

    Attributes:
        count: the count.
    """

    count: ConsignmentCount = field(validator=typed(ConsignmentCount), kw_only=True)

    @property
    def routing_customer(self) -> str | None:
        """The distributor."""
        return self.count.customer_id


@register_record
@frozen
class CountStock(Record):
    """A line of the month-end stock count (月末盘点, S-IC 10.1; O2C-IN-01).

    Attributes:
        line: the count line.
    """

    line: StockCount = field(validator=typed(StockCount), kw_only=True)


@register_record
@frozen
class SetSalesTarget(Record):
    """A sales target set for a unit and period (O2C-MN-01).

    Attributes:
        target: the target.
    """

    target: SalesTarget = field(validator=typed(SalesTarget), kw_only=True)


@register_record
@frozen
class ReportSalesActual(Record):
    """What a unit sold in a period (O2C-MN-01).

    Attributes:
        actual: the figure.
    """

    actual: SalesActual = field(validator=typed(SalesActual), kw_only=True)


@register_record
@frozen
class AnalyseSales(Record):
    """The monthly sales analysis of a unit against its target (S-IC 11.1; O2C-MN-01).

    Attributes:
        analysis: the analysis.
    """

    analysis: SalesAnalysis = field(validator=typed(SalesAnalysis), kw_only=True)


@register_record
@frozen
class AssessPerformance(Record):
    """A periodic performance assessment of a unit (S-IC 11.1; O2C-MN-02).

    Attributes:
        assessment: the assessment.
    """

    assessment: PerformanceAssessment = field(validator=typed(PerformanceAssessment), kw_only=True)


class CollectionStep(enum.Enum):
    """An escalation step taken on an overdue receivable (S-K1 5; O2C-AR-01)."""

    #: Overdue interest charged (计息).
    INTEREST = "interest"
    #: Set against the salesperson's commission (抵扣提成).
    COMMISSION_OFFSET = "commission_offset"
    #: Legal action started (经济诉讼).
    LITIGATION = "litigation"


@register_record
@frozen
class TakeCollectionStep(Record):
    """Finance took an escalation step on an overdue receivable (S-K1 5; O2C-AR-01).

    Attributes:
        item_id: the receivable (the invoice id).
        customer_id: the customer.
        step: interest, commission offset or litigation.
    """

    item_id: str = field(validator=ident, kw_only=True)
    customer_id: str = field(validator=ident, kw_only=True)
    step: CollectionStep = field(validator=typed(CollectionStep), kw_only=True)

    @property
    def routing_customer(self) -> str | None:
        """The customer."""
        return self.customer_id


# issue 14: receipts, commission accrual, analysis, storage, promotions
# Centrally sold products (O2C-DL-07): the pickup orders and IC cards they leave against.


@register_record
@frozen
class KeepReceiptRecord(Record):
    """A cash or bank journal line: money received (收款记录, S-IC 8.1; O2C-AR-03).

    Attributes:
        entry: the journal line, naming the voucher it was booked under.
    """

    entry: ReceiptRecord = field(validator=typed(ReceiptRecord), kw_only=True)

    @property
    def routing_customer(self) -> str | None:
        """The payer, if known."""
        return self.entry.customer_id


@register_record
@frozen
class IssuePickupOrder(Record):
    """The regional chemical sales branch issued a pickup order for a centrally sold product,
    and the plant's marketing department confirmed it (提货单, S-IC 5.1; O2C-DL-07).

    Attributes:
        pickup_order: the pickup order.
    """

    pickup_order: PickupOrder = field(validator=typed(PickupOrder), kw_only=True)

    @property
    def routing_customer(self) -> str | None:
        """The customer entitled to collect."""
        return self.pickup_order.customer_id


@register_record
@frozen
class PostReceiptVoucher(Record):
    """An accounting voucher of a receipt, as the host exports it (O2C-AR-03); a
    ``RecordReceipt`` posts one by itself (its receipt id is the voucher id).

    Attributes:
        voucher: the voucher.
    """

    voucher: ReceiptVoucher = field(validator=typed(ReceiptVoucher), kw_only=True)

    @property
    def routing_customer(self) -> str | None:
        """The customer, if known."""
        return self.voucher.customer_id


@register_record
@frozen
class AccrueCommission(Record):
    """A month's commission accrual of a sales unit, as agreed with finance (S-K1 12; O2C-CM-02).

    Attributes:
        accrual: the accrual (a later one with the same id replaces it).
    """

    accrual: CommissionAccrual = field(validator=typed(CommissionAccrual), kw_only=True)


@register_record
@frozen
class AnalyseCollections(Record):
    """The monthly collections analysis by salesperson and customer (S-K1 5; O2C-MN-03).

    Attributes:
        analysis: the analysis.
    """

    analysis: CollectionsAnalysis = field(validator=typed(CollectionsAnalysis), kw_only=True)


@register_record
@frozen
class RegisterStorageArea(Record):
    """A storage area and its category were registered, changed or closed (S-FD; O2C-IN-02).

    Attributes:
        area: the area as it now stands.
    """

    area: StorageArea = field(validator=typed(StorageArea), kw_only=True)


@register_record
@frozen
class ReadStorage(Record):
    """A storage area's temperature (and humidity) was read (S-FD; O2C-IN-02).

    Attributes:
        reading: the reading.
    """

    reading: StorageReading = field(validator=typed(StorageReading), kw_only=True)


@register_record
@frozen
class RunPromotion(Record):
    """A promotion was launched for a time (S-MK 5; O2C-MN-04).

    Attributes:
        promotion: the promotion (a later one with the same id replaces it).
    """

    promotion: Promotion = field(validator=typed(Promotion), kw_only=True)


@register_record
@frozen
class EvaluatePromotion(Record):
    """A promotion's effect was evaluated (S-MK 7; O2C-MN-04).

    Attributes:
        evaluation: the evaluation.
    """

    evaluation: PromotionEvaluation = field(validator=typed(PromotionEvaluation), kw_only=True)


@register_record
@frozen
class LoadICCard(Record):
    """A customer's prepaid IC card as it stands after a top-up (IC 卡, S-IC 5.1; O2C-DL-07).

    Goods issues against the card then draw its balance down (in the replay, at the order's
    prices); a later record states the balance afresh.

    Attributes:
        card: the card with its balance.
    """

    card: ICCard = field(validator=typed(ICCard), kw_only=True)

    @property
    def routing_customer(self) -> str | None:
        """The card holder."""
        return self.card.customer_id


#: An event of the stream: a transaction (decided) or a record (folded only).
Event: TypeAlias = Transaction | Record
