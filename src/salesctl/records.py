"""The populations detective controls examine, and the periods they examine them over.

A detective control (see :mod:`salesctl.reconcile`) looks at *records* over a :class:`Period`
rather than at one transaction: the order register, credit files, the two contract ledgers,
shipment and stock counts, invoices and the general ledger, receivables, consignment counts,
targets and plans. This module holds those record values and :class:`Records`, the bundle a
run receives. They are pure data: immutable, validated at construction, free of any control
logic, so the ledger, a host or a test can build them without loading the controls.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from attrs import field, frozen

from salesctl._convert import OMIT_DEFAULT
from salesctl._validators import (
    FrozenMap,
    a_date,
    decimal_conv,
    each,
    frozenmap_conv,
    frozenset_conv,
    ident,
    mapping,
    non_negative,
    opt_date,
    opt_ident,
    opt_text,
    positive,
    text,
    tuple_conv,
    typed,
)
from salesctl.errors import CurrencyMismatch, InvalidInput
from salesctl.model import Approval, CreditTerms, RevenueEntry, SalesPlan
from salesctl.money import Money
from salesctl.periods import Frequency, Period
from salesctl.records_extra import (
    CollectionsAnalysis,
    CommissionAccrual,
    CreditFile,
    Promotion,
    PromotionEvaluation,
    ReceiptChannel,
    ReceiptRecord,
    ReceiptVoucher,
    StorageArea,
    StorageReading,
)

__all__ = [
    "BilledLine",
    "CollectionsAnalysis",
    "CommissionAccrual",
    "ConsignmentCount",
    "ContractLedgerLine",
    "CreditFile",
    "DeliveryRecord",
    "DocumentEntry",
    "Frequency",
    "GLRevenue",
    "LedgerBook",
    "OrderEntry",
    "PerformanceAssessment",
    "Period",
    "Promotion",
    "PromotionEvaluation",
    "ReceiptChannel",
    "ReceiptRecord",
    "ReceiptVoucher",
    "ReceivableItem",
    "Records",
    "SalesActual",
    "SalesAnalysis",
    "SalesInvoice",
    "SalesTarget",
    "ShipmentCount",
    "StockCount",
    "StorageArea",
    "StorageReading",
    "SystemInvoice",
]

_ONE_DAY = dt.timedelta(days=1)


def _seq(inst: Any, a: Any, value: Any) -> None:
    typed(int)(inst, a, value)
    if value < 1:
        raise InvalidInput("must be 1 or more", path=f"{type(inst).__name__}.{a.name}", value=value)


def _same_currency(cls: str, *pairs: tuple[str, Money | None]) -> None:
    base = next((m for _, m in pairs if m is not None), None)
    if base is None:
        return
    for name, m in pairs:
        if m is not None and m.currency != base.currency:
            raise CurrencyMismatch(
                f"must be in {base.currency} like the other amounts",
                path=f"{cls}.{name}",
                value=m.currency,
            )


def _opt_money(inst: Any, a: Any, value: Any) -> None:
    if value is not None:
        typed(Money)(inst, a, value)
        non_negative(inst, a, value)


def _opt_decimal(inst: Any, a: Any, value: Any) -> None:
    if value is not None:
        typed(Decimal)(inst, a, value)
        non_negative(inst, a, value)


def _money_nn(inst: Any, a: Any, value: Any) -> None:
    typed(Money)(inst, a, value)
    non_negative(inst, a, value)


def _money_pos(inst: Any, a: Any, value: Any) -> None:
    typed(Money)(inst, a, value)
    positive(inst, a, value)


def _qty_nn(inst: Any, a: Any, value: Any) -> None:
    typed(Decimal)(inst, a, value)
    non_negative(inst, a, value)


def _qty_pos(inst: Any, a: Any, value: Any) -> None:
    typed(Decimal)(inst, a, value)
    positive(inst, a, value)


@frozen
class OrderEntry:
    """A line of the order register: one numbered sales order and its life (O2C-SO-01, -03).

    Attributes:
        order_id: the order's id.
        series: its number series, e.g. ``"SO"``.
        seq: its number in the series (1, 2, …).
        customer_id: the customer.
        created_on: the day it was entered.
        completed_on: the day it was completed (fully delivered and invoiced), if it was.
        valid_until: the last day it may be executed; it is expired from the day after.
        closed_on: the day it was closed in the system (关闭), if it was.
        voided: it was voided; its number still counts as used.
    """

    order_id: str = field(validator=ident)
    series: str = field(validator=text)
    seq: int = field(validator=_seq)
    customer_id: str = field(validator=ident)
    created_on: dt.date = field(validator=a_date)
    completed_on: dt.date | None = field(default=None, validator=opt_date)
    valid_until: dt.date | None = field(default=None, validator=opt_date)
    closed_on: dt.date | None = field(default=None, validator=opt_date)
    voided: bool = field(default=False, validator=typed(bool))

    @property
    def done_on(self) -> dt.date | None:
        """The day the order became due for closing: completed or expired, whichever first."""
        expired = self.valid_until + _ONE_DAY if self.valid_until is not None else None
        days = [d for d in (self.completed_on, expired) if d is not None]
        return min(days) if days else None


class LedgerBook(enum.Enum):
    """Which department keeps a contract ledger (S-K1 4: 销售部业务科、财务部须建立合同台帐)."""

    SALES = "sales"
    FINANCE = "finance"


@frozen
class ContractLedgerLine:
    """One contract's line in one department's contract ledger at a month end (O2C-CT-04).

    Attributes:
        contract_id: the contract.
        customer_id: the customer.
        book: the sales department's or finance's ledger.
        as_of: the day the ledger was read (the month end reconciled).
        value: contract price.
        delivered: value delivered so far.
        invoiced: value invoiced so far.
        collected: amount collected so far.
    """

    contract_id: str = field(validator=ident)
    customer_id: str = field(validator=ident)
    book: LedgerBook = field(validator=typed(LedgerBook))
    as_of: dt.date = field(validator=a_date)
    value: Money = field(validator=_money_nn)
    delivered: Money = field(validator=_money_nn)
    invoiced: Money = field(validator=_money_nn)
    collected: Money = field(validator=_money_nn)

    def __attrs_post_init__(self) -> None:
        _same_currency(
            "ContractLedgerLine",
            ("value", self.value),
            ("delivered", self.delivered),
            ("invoiced", self.invoiced),
            ("collected", self.collected),
        )


@frozen
class DeliveryRecord:
    """A posted goods issue line: the system's shipment (系统发货量; O2C-DL-06, O2C-BL-02).

    A goods issue with several products is several records with the same ``goods_issue_id``.

    Attributes:
        goods_issue_id: the goods issue.
        order_id: the order delivered.
        customer_id: the customer.
        product_id: the product.
        quantity: the quantity posted.
        posted_on: the posting day.
        value: the line's value at the order's price (O2C-RR-04 caps the revenue recognised
            on the goods issue at the sum over its lines); ``None`` when not known.
    """

    goods_issue_id: str = field(validator=ident)
    order_id: str = field(validator=ident)
    customer_id: str = field(validator=ident)
    product_id: str = field(validator=ident)
    quantity: Decimal = field(converter=decimal_conv, validator=_qty_pos)
    posted_on: dt.date = field(validator=a_date)
    value: Money | None = field(default=None, validator=typed(Money, optional=True))

    def __attrs_post_init__(self) -> None:
        if self.value is not None and self.value.is_negative:
            raise InvalidInput(
                "must not be negative", path="DeliveryRecord.value", value=str(self.value)
            )


@frozen
class DocumentEntry:
    """A document the host posted: its kind and id (O2C-RR-04 flags an id posted twice).

    Attributes:
        kind: the kind of document, the name of the transaction that posted it (for example
            ``"IssueDeliveryNotice"``).
        document_id: the document's id.
        posted_on: the day it was posted.
        customer_id: the customer it concerns, if any.
    """

    kind: str = field(validator=text)
    document_id: str = field(validator=ident)
    posted_on: dt.date = field(validator=a_date)
    customer_id: str | None = field(default=None, validator=opt_ident)


@frozen
class ShipmentCount:
    """The month-end comparison of system and actual shipments of one product (O2C-DL-06).

    Attributes:
        product_id: the product (or product and site, as the host keys its counts).
        period_end: the month end counted.
        actual_quantity: quantity actually shipped in the month (gate passes, weighbridge,
            carrier records: 实际发货量).
        system_quantity: quantity the system posted in the month; ``None``: take it from the
            delivery records of that product and month.
        explanation: the cause found and the action taken for a difference (查明原因,及时处理).
    """

    product_id: str = field(validator=ident)
    period_end: dt.date = field(validator=a_date)
    actual_quantity: Decimal = field(converter=decimal_conv, validator=_qty_nn)
    system_quantity: Decimal | None = field(
        default=None, converter=decimal_conv, validator=_opt_decimal
    )
    explanation: str | None = field(default=None, validator=opt_text)


@frozen
class BilledLine:
    """A line of a system invoice: what it bills and from which delivery (S-IC 5.2).

    Attributes:
        product_id: the product.
        quantity: the quantity invoiced.
        goods_issue_id: the goods issue it bills (``None``: not generated from a delivery).
    """

    product_id: str = field(validator=ident)
    quantity: Decimal = field(converter=decimal_conv, validator=_qty_pos)
    goods_issue_id: str | None = field(default=None, validator=opt_ident)


@frozen
class SystemInvoice:
    """A system invoice (系统发票) generated from the system delivery (O2C-BL-02, O2C-RR-01).

    Attributes:
        invoice_id: the system invoice.
        customer_id: the customer.
        issued_on: the day it was generated.
        amount: the revenue amount (net of VAT).
        lines: what it bills.
    """

    invoice_id: str = field(validator=ident)
    customer_id: str = field(validator=ident)
    issued_on: dt.date = field(validator=a_date)
    amount: Money = field(validator=_money_nn)
    lines: tuple[BilledLine, ...] = field(
        default=(), converter=tuple_conv, validator=each(BilledLine)
    )


@frozen
class SalesInvoice:
    """A sales invoice (销售发票) issued and stamped by finance from a system invoice (O2C-RR-01).

    Attributes:
        number: the invoice number.
        customer_id: the customer.
        issued_on: the day it was issued.
        amount: the revenue amount (net of VAT).
        system_invoice_id: the system invoice it was issued from (``None``: none).
    """

    number: str = field(validator=text)
    customer_id: str = field(validator=ident)
    issued_on: dt.date = field(validator=a_date)
    amount: Money = field(validator=_money_nn)
    system_invoice_id: str | None = field(default=None, validator=opt_ident)


@frozen
class GLRevenue:
    """A posting to the general ledger's revenue account (总账收入科目, O2C-RR-01).

    Attributes:
        voucher_id: the accounting voucher.
        posted_on: the posting day.
        amount: the amount credited to revenue (negative for a reversal).
        invoice_id: the system invoice it books (``None``: a manual entry).
    """

    voucher_id: str = field(validator=ident)
    posted_on: dt.date = field(validator=a_date)
    amount: Money = field(validator=typed(Money))
    invoice_id: str | None = field(default=None, validator=opt_ident)


@frozen
class ReceivableItem:
    """An invoiced receivable and the collection steps taken on it (O2C-AR-01, S-K1 5).

    The due date is ``due_on``, or computed from ``issued_on`` and ``terms`` (net N, 月结 N
    天, 次月 D 日); with both, the earlier wins (:attr:`due`). One of the two is required.

    Attributes:
        item_id: the receivable (usually the invoice id).
        customer_id: the customer.
        due_on: the due date, if the host states it.
        amount: the amount invoiced.
        open_amount: what is still open (``None``: all of ``amount`` until ``settled_on``).
        settled_on: the day it was fully collected, if it was.
        salesperson: the salesperson whose commission an offset would reduce.
        interest_charged_on: the day overdue interest was charged (计息), if it was.
        commission_offset_on: the day it was set against the salesperson's commission
            (抵扣提成), if it was.
        litigation_on: the day legal action (经济诉讼) started, if it did.
        issued_on: the invoice date (needed with ``terms``).
        terms: the payment terms the item is due under (:class:`~salesctl.model.CreditTerms`).
        due: the due date the controls use (computed: the earlier of ``due_on`` and the terms'
            due date).
    """

    item_id: str = field(validator=ident)
    customer_id: str = field(validator=ident)
    due_on: dt.date | None = field(default=None, kw_only=True, validator=opt_date)
    amount: Money = field(validator=_money_pos)
    open_amount: Money | None = field(default=None, validator=_opt_money)
    settled_on: dt.date | None = field(default=None, validator=opt_date)
    salesperson: str | None = field(default=None, validator=opt_ident)
    interest_charged_on: dt.date | None = field(default=None, validator=opt_date)
    commission_offset_on: dt.date | None = field(default=None, validator=opt_date)
    litigation_on: dt.date | None = field(default=None, validator=opt_date)
    issued_on: dt.date | None = field(
        default=None, validator=opt_date, metadata={OMIT_DEFAULT: True}
    )
    terms: CreditTerms | None = field(
        default=None, validator=typed(CreditTerms, optional=True), metadata={OMIT_DEFAULT: True}
    )
    due: dt.date = field(init=False, eq=False, repr=False)

    def __attrs_post_init__(self) -> None:
        if self.terms is not None:
            if self.issued_on is None:
                raise InvalidInput(
                    "is required with terms", path="ReceivableItem.issued_on", value=None
                )
            due = self.terms.due_date(self.issued_on)
            if self.due_on is not None and self.due_on < due:
                due = self.due_on
        elif self.due_on is not None:
            due = self.due_on
        else:
            raise InvalidInput(
                "is required (or issued_on and terms)", path="ReceivableItem.due_on", value=None
            )
        object.__setattr__(self, "due", due)
        _same_currency("ReceivableItem", ("amount", self.amount), ("open_amount", self.open_amount))
        if self.open_amount is not None and self.open_amount > self.amount:
            raise InvalidInput(
                "cannot exceed amount",
                path="ReceivableItem.open_amount",
                value=str(self.open_amount),
            )

    @property
    def outstanding(self) -> Money:
        """The amount still open (``open_amount``, or ``amount`` when not given)."""
        return self.open_amount if self.open_amount is not None else self.amount


@frozen
class ConsignmentCount:
    """A distributor's month-end consignment count and its settlement (铺货盘点结算, S-YF 11).

    The seed's example: 30,000 placed (at settlement price); counted at month end; opening −
    counted = settlement; both finance departments agree; paid before the 5th of next month.

    Attributes:
        count_id: the count sheet (盘点表).
        customer_id: the distributor.
        period_end: the month end counted.
        opening: consignment stock at the start of the month, at settlement price (期初金额).
        counted: stock counted at the month end, at settlement price (盘点金额).
        settlement: the settlement amount stated (结算金额).
        confirmed: both finance departments agreed the count (双方财务核对无误).
        paid: the amount paid for the settlement (``None``: nothing yet).
        paid_on: the day it was paid.
    """

    count_id: str = field(validator=ident)
    customer_id: str = field(validator=ident)
    period_end: dt.date = field(validator=a_date)
    opening: Money = field(validator=_money_nn)
    counted: Money = field(validator=_money_nn)
    settlement: Money = field(validator=_money_nn)
    confirmed: bool = field(default=False, validator=typed(bool))
    paid: Money | None = field(default=None, validator=_opt_money)
    paid_on: dt.date | None = field(default=None, validator=opt_date)

    def __attrs_post_init__(self) -> None:
        _same_currency(
            "ConsignmentCount",
            ("opening", self.opening),
            ("counted", self.counted),
            ("settlement", self.settlement),
            ("paid", self.paid),
        )
        if (self.paid is None) != (self.paid_on is None):
            raise InvalidInput(
                "paid and paid_on go together", path="ConsignmentCount.paid_on", value=self.paid_on
            )


@frozen
class StockCount:
    """A month-end stock count line and who took part (月末盘点, O2C-IN-01).

    Attributes:
        count_id: the count sheet.
        period_end: the month end counted.
        product_id: the product (or product and location).
        book_quantity: quantity on the books.
        counted_quantity: quantity counted.
        departments: the departments that took part and signed (生产、营销、仓储、财务).
        explanation: the cause found and the action taken for a difference.
    """

    count_id: str = field(validator=ident)
    period_end: dt.date = field(validator=a_date)
    product_id: str = field(validator=ident)
    book_quantity: Decimal = field(converter=decimal_conv, validator=_qty_nn)
    counted_quantity: Decimal = field(converter=decimal_conv, validator=_qty_nn)
    departments: frozenset[str] = field(
        default=frozenset(), converter=frozenset_conv, validator=each(str)
    )
    explanation: str | None = field(default=None, validator=opt_text)


@frozen
class SalesTarget:
    """A sales target of a unit for a period (销售目标, O2C-MN-01).

    Attributes:
        unit: the department, region or team.
        period: the month (or quarter, year) the target is for.
        amount: the target.
    """

    unit: str = field(validator=text)
    period: Period = field(validator=typed(Period))
    amount: Money = field(validator=_money_pos)


@frozen
class SalesActual:
    """What a unit sold in a period (销售任务完成情况, O2C-MN-01).

    Attributes:
        unit: the department, region or team.
        period: the period.
        amount: sales achieved.
    """

    unit: str = field(validator=text)
    period: Period = field(validator=typed(Period))
    amount: Money = field(validator=_money_nn)


@frozen
class SalesAnalysis:
    """The monthly analysis of a unit's business against its target (经营活动分析, S-IC 11.1).

    Attributes:
        unit: the unit analysed.
        period: the month analysed.
        performed_on: the day the analysis was made.
        performed_by: who made it (the marketing department).
        reviewed_by: the deputy manager who reviewed it (分管副经理), if any.
        actions: the follow-up decided for a shortfall (调整后续工作部署), if any.
    """

    unit: str = field(validator=text)
    period: Period = field(validator=typed(Period))
    performed_on: dt.date = field(validator=a_date)
    performed_by: str = field(validator=ident)
    reviewed_by: str | None = field(default=None, validator=opt_ident)
    actions: str | None = field(default=None, validator=opt_text)


@frozen
class PerformanceAssessment:
    """A periodic performance assessment of a unit (考核, S-IC 11.1; O2C-MN-02).

    Attributes:
        unit: the unit assessed, e.g. ``"marketing"``.
        period: the quarter assessed.
        assessed_on: the day of the assessment.
        assessed_by: the performance-assessment department or person.
        result: the result (score, grade).
        linked_to_rewards: the result was applied to rewards and penalties (与奖惩挂钩).
    """

    unit: str = field(validator=text)
    period: Period = field(validator=typed(Period))
    assessed_on: dt.date = field(validator=a_date)
    assessed_by: str = field(validator=ident)
    result: str = field(validator=text)
    linked_to_rewards: bool = field(default=False, validator=typed(bool))


def _numbers(_i: Any, _a: Any, value: Mapping[str, int]) -> None:
    mapping(_i, _a, value)
    for k, v in value.items():
        if not isinstance(k, str) or isinstance(v, bool) or not isinstance(v, int) or v < 0:
            raise InvalidInput(
                "must map series names to non-negative integers",
                path=f"Records.opening_numbers.{k}",
                value=v,
            )


@frozen
class Records:
    """The populations detective checks examine. Every field defaults to empty.

    Attributes:
        orders: the order register (O2C-SO-01, -03).
        opening_numbers: the last number issued per series before the register starts
            (O2C-SO-01); a series not named starts at 1.
        credit_files: customers' credit files (O2C-CR-03).
        contract_ledger: both departments' contract ledger lines (O2C-CT-04).
        deliveries: posted goods issue lines (O2C-DL-06, O2C-BL-02).
        shipment_counts: month-end system-vs-actual shipment comparisons (O2C-DL-06).
        system_invoices: system invoices (O2C-BL-02, O2C-RR-01).
        sales_invoices: sales invoices issued by finance (O2C-RR-01).
        gl_revenue: revenue postings in the general ledger (O2C-RR-01).
        receivables: receivable items (O2C-AR-01).
        consignment_counts: consignment counts and settlements (O2C-AR-02).
        stock_counts: month-end stock count lines (O2C-IN-01).
        targets: sales targets (O2C-MN-01).
        actuals: sales achieved (O2C-MN-01).
        analyses: monthly analyses (O2C-MN-01).
        assessments: performance assessments (O2C-MN-02).
        sales_plans: sales plans (O2C-PL-01).
        approvals: approvals on hand for plans (O2C-PL-01).
        revenue_entries: revenue recognised, entry by entry (O2C-RR-04).
        documents: the documents posted, by kind and id (O2C-RR-04).

        receipt_records: cash and bank journal lines (O2C-AR-03).
        receipt_vouchers: the accounting vouchers of receipts (O2C-AR-03).
        commission_accruals: monthly commission accruals (O2C-CM-02).
        collections_analyses: monthly collections analyses (O2C-MN-03).
        storage_areas: storage areas and their categories (O2C-IN-02).
        storage_readings: storage condition readings (O2C-IN-02).
        promotions: promotions run (O2C-MN-04).
        promotion_evaluations: evaluations of promotions (O2C-MN-04).
    """

    orders: tuple[OrderEntry, ...] = field(
        default=(), converter=tuple_conv, validator=each(OrderEntry)
    )
    opening_numbers: FrozenMap[str, int] = field(
        default=FrozenMap(), converter=frozenmap_conv, validator=_numbers
    )
    credit_files: tuple[CreditFile, ...] = field(
        default=(), converter=tuple_conv, validator=each(CreditFile)
    )
    contract_ledger: tuple[ContractLedgerLine, ...] = field(
        default=(), converter=tuple_conv, validator=each(ContractLedgerLine)
    )
    deliveries: tuple[DeliveryRecord, ...] = field(
        default=(), converter=tuple_conv, validator=each(DeliveryRecord)
    )
    shipment_counts: tuple[ShipmentCount, ...] = field(
        default=(), converter=tuple_conv, validator=each(ShipmentCount)
    )
    system_invoices: tuple[SystemInvoice, ...] = field(
        default=(), converter=tuple_conv, validator=each(SystemInvoice)
    )
    sales_invoices: tuple[SalesInvoice, ...] = field(
        default=(), converter=tuple_conv, validator=each(SalesInvoice)
    )
    gl_revenue: tuple[GLRevenue, ...] = field(
        default=(), converter=tuple_conv, validator=each(GLRevenue)
    )
    receivables: tuple[ReceivableItem, ...] = field(
        default=(), converter=tuple_conv, validator=each(ReceivableItem)
    )
    consignment_counts: tuple[ConsignmentCount, ...] = field(
        default=(), converter=tuple_conv, validator=each(ConsignmentCount)
    )
    stock_counts: tuple[StockCount, ...] = field(
        default=(), converter=tuple_conv, validator=each(StockCount)
    )
    targets: tuple[SalesTarget, ...] = field(
        default=(), converter=tuple_conv, validator=each(SalesTarget)
    )
    actuals: tuple[SalesActual, ...] = field(
        default=(), converter=tuple_conv, validator=each(SalesActual)
    )
    analyses: tuple[SalesAnalysis, ...] = field(
        default=(), converter=tuple_conv, validator=each(SalesAnalysis)
    )
    assessments: tuple[PerformanceAssessment, ...] = field(
        default=(), converter=tuple_conv, validator=each(PerformanceAssessment)
    )
    sales_plans: tuple[SalesPlan, ...] = field(
        default=(), converter=tuple_conv, validator=each(SalesPlan)
    )
    approvals: tuple[Approval, ...] = field(
        default=(), converter=tuple_conv, validator=each(Approval)
    )
    revenue_entries: tuple[RevenueEntry, ...] = field(
        default=(), converter=tuple_conv, validator=each(RevenueEntry)
    )
    documents: tuple[DocumentEntry, ...] = field(
        default=(), converter=tuple_conv, validator=each(DocumentEntry)
    )
    # issue 14: receipts, commission accrual, analysis, storage, promotions
    receipt_records: tuple[ReceiptRecord, ...] = field(
        default=(), converter=tuple_conv, validator=each(ReceiptRecord)
    )
    receipt_vouchers: tuple[ReceiptVoucher, ...] = field(
        default=(), converter=tuple_conv, validator=each(ReceiptVoucher)
    )
    commission_accruals: tuple[CommissionAccrual, ...] = field(
        default=(), converter=tuple_conv, validator=each(CommissionAccrual)
    )
    collections_analyses: tuple[CollectionsAnalysis, ...] = field(
        default=(), converter=tuple_conv, validator=each(CollectionsAnalysis)
    )
    storage_areas: tuple[StorageArea, ...] = field(
        default=(), converter=tuple_conv, validator=each(StorageArea)
    )
    storage_readings: tuple[StorageReading, ...] = field(
        default=(), converter=tuple_conv, validator=each(StorageReading)
    )
    promotions: tuple[Promotion, ...] = field(
        default=(), converter=tuple_conv, validator=each(Promotion)
    )
    promotion_evaluations: tuple[PromotionEvaluation, ...] = field(
        default=(), converter=tuple_conv, validator=each(PromotionEvaluation)
    )

    def to_dict(self) -> dict[str, Any]:
        """The records as JSON-ready data."""
        from salesctl._convert import unstructure

        out: dict[str, Any] = unstructure(self)
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Records:
        """Read records from JSON data (same field names; amounts as strings).

        Raises:
            InvalidInput: naming the field path of anything malformed.
        """
        from salesctl._convert import structure

        result: Records = structure(data, cls, "records")
        return result
