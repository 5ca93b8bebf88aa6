"""Detective controls: reconciliations, closings, reviews and analyses over records.

Half of the seed's controls are detective (S-IC 5.1, 7.1, 8.1, 9.1, 10.1, 11.1; S-K1 4, 5, 12;
S-YF 11). They look at *populations of records* over a *period* rather than at one
transaction: the order register, credit files, the two contract ledgers, shipment and stock
counts, invoices and the general ledger, receivables, consignment counts, targets and plans.
They report with the same :class:`~salesctl.decision.Finding` type as the gate, and their
metadata is in the same catalogue (:data:`salesctl.controls.CONTROLS`): a control with a
``detect`` check is detective (O2C-SO-01 has both a preventive ``check`` and a ``detect``).

The call (a replay at each day, month and quarter end, or a host on its own)::

    report = reconcile.run(records, Period.month(2026, 3), policy)

:func:`run` runs every enabled control whose ``detect_at`` contains the period's kind
(``due_only=False``: every detective control, whatever its cadence), and returns a
:class:`Report`: the findings, the population each control tested, and the fingerprints.

Outcomes of detective findings:

* **HOLD** — an exception the named role must investigate and resolve (a reconciling
  difference, a late closing or review, an escalation step not taken); the finding's
  ``required`` names that role with ``document_id`` = the document concerned.
* **BLOCK** — the control did not operate or the records cannot be reconciled: a duplicate
  number, an invoice outside the system, a count or analysis never made, or data the check
  needs is missing (fails closed).
* **ALLOW** — evidence: a difference that was found *and explained* (查明原因), reported so the
  auditor sees it.

Every detective finding's first fact is ``("document", <id>)``: the document, count or
period the exception is about (:meth:`Report.documents`).

**Which records a check needs.** Every check selects the items whose *test date* falls in the
period (the day an invoice was issued, the month-end of a count, the *deadline* of an
obligation such as closing an order or reviewing a credit file) and looks up what those items
refer to in the other records. Passing a superset (the whole year) is always correct; a replay
may pass only the period's items plus what they refer to. An obligation is checked in the
period its deadline falls in, so it is reported once, and a run at a period end sees
obligations due on or before that end.

>>> import datetime as dt
>>> from salesctl.reconcile import OrderEntry, Period, Records, run
>>> orders = tuple(
...     OrderEntry(order_id=f"SO-{n}", series="SO", seq=n, customer_id="C-1",
...                created_on=dt.date(2026, 3, n))
...     for n in (1, 2, 4)
... )
>>> report = run(Records(orders=orders), Period.month(2026, 3), only=["O2C-SO-01"])
>>> [(f.control_id, f.outcome.name, f.text()) for f in report.findings]
[('O2C-SO-01', 'HOLD', 'number SO/3 is missing from the order register (gap between 2 and 4)')]
"""

from __future__ import annotations

import calendar
import datetime as dt
import enum
from collections.abc import Iterable, Iterator, Mapping
from decimal import Decimal
from typing import Any

from attrs import evolve, field, frozen

from salesctl._types import (
    FrozenMap,
    a_date,
    decimal_conv,
    each,
    frozenmap_conv,
    frozenset_conv,
    mapping,
    non_negative,
    opt_date,
    opt_text,
    positive,
    text,
    tuple_conv,
    typed,
)
from salesctl.control import Frequency
from salesctl.decision import ApprovalRequirement, Finding, Outcome, render
from salesctl.errors import CurrencyMismatch, InvalidInput, SalesctlError
from salesctl.model import Approval, SalesPlan
from salesctl.money import Money

__all__ = [
    "CUSTOMER_PARTITIONABLE",
    "BilledLine",
    "ConsignmentCount",
    "ContractLedgerLine",
    "CreditFile",
    "DeliveryRecord",
    "Examination",
    "GLRevenue",
    "LedgerBook",
    "OrderEntry",
    "PerformanceAssessment",
    "Period",
    "ReceivableItem",
    "Records",
    "Report",
    "SalesActual",
    "SalesAnalysis",
    "SalesInvoice",
    "SalesTarget",
    "ShipmentCount",
    "StockCount",
    "SystemInvoice",
    "Tally",
    "make_finding",
    "run",
]

_ONE_DAY = dt.timedelta(days=1)


# -- periods ---------------------------------------------------------------------------------


def _last_day(year: int, month: int) -> dt.date:
    return dt.date(year, month, calendar.monthrange(year, month)[1])


@frozen
class Period:
    """A closed range of days a detective check covers: a day, week, month, quarter or year.

    Build one with :meth:`day`, :meth:`week`, :meth:`month`, :meth:`quarter`, :meth:`year` or
    :meth:`containing`; the constructor checks that ``start``/``end`` fit ``kind``.

    Attributes:
        start: the first day.
        end: the last day (inclusive).
        kind: ``DAILY``, ``WEEKLY`` (Monday to Sunday), ``MONTHLY``, ``QUARTERLY`` or ``YEARLY``.

    >>> Period.month(2026, 2).end
    datetime.date(2026, 2, 28)
    >>> Period.containing(dt.date(2026, 5, 7), Frequency.QUARTERLY).label
    '2026-Q2'
    """

    start: dt.date = field(validator=a_date)
    end: dt.date = field(validator=a_date)
    kind: Frequency = field(validator=typed(Frequency))

    def __attrs_post_init__(self) -> None:
        if self.kind not in _PERIOD_KINDS:
            raise InvalidInput(
                "must be daily, weekly, monthly, quarterly or yearly",
                path="Period.kind",
                value=self.kind.value,
            )
        expected = Period._span(self.start, self.kind)
        if (self.start, self.end) != expected:
            raise InvalidInput(
                f"a {self.kind.value} period starting {self.start.isoformat()} must be "
                f"{expected[0].isoformat()}..{expected[1].isoformat()}",
                path="Period.end",
                value=self.end.isoformat(),
            )

    @staticmethod
    def _span(day: dt.date, kind: Frequency) -> tuple[dt.date, dt.date]:
        if kind is Frequency.DAILY:
            return day, day
        if kind is Frequency.WEEKLY:
            start = day - dt.timedelta(days=day.weekday())
            return start, start + dt.timedelta(days=6)
        if kind is Frequency.MONTHLY:
            return day.replace(day=1), _last_day(day.year, day.month)
        if kind is Frequency.QUARTERLY:
            first = 3 * ((day.month - 1) // 3) + 1
            return dt.date(day.year, first, 1), _last_day(day.year, first + 2)
        return dt.date(day.year, 1, 1), dt.date(day.year, 12, 31)

    @classmethod
    def containing(cls, day: dt.date, kind: Frequency) -> Period:
        """The period of ``kind`` that contains ``day``.

        Raises:
            InvalidInput: for a kind that is not a period (per transaction, on policy load).
        """
        if kind not in _PERIOD_KINDS:
            raise InvalidInput(
                "must be daily, weekly, monthly, quarterly or yearly", path="kind", value=kind
            )
        start, end = cls._span(day, kind)
        return cls(start, end, kind)

    @classmethod
    def day(cls, day: dt.date) -> Period:
        """The single day ``day``."""
        return cls(day, day, Frequency.DAILY)

    @classmethod
    def week(cls, day: dt.date) -> Period:
        """The Monday-to-Sunday week containing ``day``."""
        return cls.containing(day, Frequency.WEEKLY)

    @classmethod
    def month(cls, year: int, month: int) -> Period:
        """Calendar month ``month`` (1–12) of ``year``."""
        return cls(dt.date(year, month, 1), _last_day(year, month), Frequency.MONTHLY)

    @classmethod
    def quarter(cls, year: int, quarter: int) -> Period:
        """Calendar quarter ``quarter`` (1–4) of ``year``.

        Raises:
            InvalidInput: for a quarter outside 1–4.
        """
        if quarter not in (1, 2, 3, 4):
            raise InvalidInput("must be 1, 2, 3 or 4", path="quarter", value=quarter)
        return cls.containing(dt.date(year, 3 * quarter - 2, 1), Frequency.QUARTERLY)

    @classmethod
    def year(cls, year: int) -> Period:
        """Calendar year ``year``."""
        return cls(dt.date(year, 1, 1), dt.date(year, 12, 31), Frequency.YEARLY)

    def __contains__(self, day: object) -> bool:
        return isinstance(day, dt.date) and self.start <= day <= self.end

    @property
    def label(self) -> str:
        """``2026-03-02``, ``2026-W10``, ``2026-03``, ``2026-Q1`` or ``2026``."""
        s = self.start
        if self.kind is Frequency.DAILY:
            return s.isoformat()
        if self.kind is Frequency.WEEKLY:
            year, week, _ = s.isocalendar()
            return f"{year}-W{week:02d}"
        if self.kind is Frequency.MONTHLY:
            return f"{s.year}-{s.month:02d}"
        if self.kind is Frequency.QUARTERLY:
            return f"{s.year}-Q{(s.month - 1) // 3 + 1}"
        return str(s.year)

    def next(self) -> Period:
        """The period of the same kind right after this one."""
        return Period.containing(self.end + _ONE_DAY, self.kind)

    def previous(self) -> Period:
        """The period of the same kind right before this one."""
        return Period.containing(self.start - _ONE_DAY, self.kind)

    def days(self) -> Iterator[Period]:
        """The days of the period, as daily periods."""
        d = self.start
        while d <= self.end:
            yield Period.day(d)
            d += _ONE_DAY


_PERIOD_KINDS = frozenset(
    {Frequency.DAILY, Frequency.WEEKLY, Frequency.MONTHLY, Frequency.QUARTERLY, Frequency.YEARLY}
)


# -- record types (the populations) -----------------------------------------------------------


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

    order_id: str = field(validator=text)
    series: str = field(validator=text)
    seq: int = field(validator=_seq)
    customer_id: str = field(validator=text)
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


@frozen
class CreditFile:
    """A customer's credit file (客户信用动态档案) and the days it was reviewed (O2C-CR-03).

    Attributes:
        customer_id: the customer.
        opened_on: the day the file (the first approved credit profile) was opened.
        reviewed_on: the days the file was reviewed and updated (grade, limit, term), any order.
        closed_on: the day the customer's credit was withdrawn, if it was (no review due after).
    """

    customer_id: str = field(validator=text)
    opened_on: dt.date = field(validator=a_date)
    reviewed_on: tuple[dt.date, ...] = field(
        default=(), converter=tuple_conv, validator=each(dt.date)
    )
    closed_on: dt.date | None = field(default=None, validator=opt_date)


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

    contract_id: str = field(validator=text)
    customer_id: str = field(validator=text)
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
    """

    goods_issue_id: str = field(validator=text)
    order_id: str = field(validator=text)
    customer_id: str = field(validator=text)
    product_id: str = field(validator=text)
    quantity: Decimal = field(converter=decimal_conv, validator=_qty_pos)
    posted_on: dt.date = field(validator=a_date)


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

    product_id: str = field(validator=text)
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

    product_id: str = field(validator=text)
    quantity: Decimal = field(converter=decimal_conv, validator=_qty_pos)
    goods_issue_id: str | None = field(default=None, validator=opt_text)


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

    invoice_id: str = field(validator=text)
    customer_id: str = field(validator=text)
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
    customer_id: str = field(validator=text)
    issued_on: dt.date = field(validator=a_date)
    amount: Money = field(validator=_money_nn)
    system_invoice_id: str | None = field(default=None, validator=opt_text)


@frozen
class GLRevenue:
    """A posting to the general ledger's revenue account (总账收入科目, O2C-RR-01).

    Attributes:
        voucher_id: the accounting voucher.
        posted_on: the posting day.
        amount: the amount credited to revenue (negative for a reversal).
        invoice_id: the system invoice it books (``None``: a manual entry).
    """

    voucher_id: str = field(validator=text)
    posted_on: dt.date = field(validator=a_date)
    amount: Money = field(validator=typed(Money))
    invoice_id: str | None = field(default=None, validator=opt_text)


@frozen
class ReceivableItem:
    """An invoiced receivable and the collection steps taken on it (O2C-AR-01, S-K1 5).

    Attributes:
        item_id: the receivable (usually the invoice id).
        customer_id: the customer.
        due_on: the due date.
        amount: the amount invoiced.
        open_amount: what is still open (``None``: all of ``amount`` until ``settled_on``).
        settled_on: the day it was fully collected, if it was.
        salesperson: the salesperson whose commission an offset would reduce.
        interest_charged_on: the day overdue interest was charged (计息), if it was.
        commission_offset_on: the day it was set against the salesperson's commission
            (抵扣提成), if it was.
        litigation_on: the day legal action (经济诉讼) started, if it did.
    """

    item_id: str = field(validator=text)
    customer_id: str = field(validator=text)
    due_on: dt.date = field(validator=a_date)
    amount: Money = field(validator=_money_pos)
    open_amount: Money | None = field(default=None, validator=_opt_money)
    settled_on: dt.date | None = field(default=None, validator=opt_date)
    salesperson: str | None = field(default=None, validator=opt_text)
    interest_charged_on: dt.date | None = field(default=None, validator=opt_date)
    commission_offset_on: dt.date | None = field(default=None, validator=opt_date)
    litigation_on: dt.date | None = field(default=None, validator=opt_date)

    def __attrs_post_init__(self) -> None:
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

    count_id: str = field(validator=text)
    customer_id: str = field(validator=text)
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

    count_id: str = field(validator=text)
    period_end: dt.date = field(validator=a_date)
    product_id: str = field(validator=text)
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
    performed_by: str = field(validator=text)
    reviewed_by: str | None = field(default=None, validator=opt_text)
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
    assessed_by: str = field(validator=text)
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

    def to_dict(self) -> dict[str, Any]:
        """The records as JSON-ready data."""
        from salesctl._structure import unstructure

        out: dict[str, Any] = unstructure(self)
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Records:
        """Read records from JSON data (same field names; amounts as strings).

        Raises:
            InvalidInput: naming the field path of anything malformed.
        """
        from salesctl._structure import structure

        result: Records = structure(data, cls, "records")
        return result


# -- results ---------------------------------------------------------------------------------


@frozen
class Examination:
    """What one detective check did: how many items it tested and what it found.

    Attributes:
        tested: the population size (items whose test date fell in the period).
        findings: exceptions (HOLD, BLOCK) and explained differences (ALLOW).
    """

    tested: int = field(validator=typed(int))
    findings: tuple[Finding, ...] = field(default=(), converter=tuple_conv, validator=each(Finding))


def make_finding(
    control_id: str,
    outcome: Outcome,
    message: str,
    document: str,
    *,
    params: Mapping[str, Any] | None = None,
    facts: Mapping[str, Any] | None = None,
    role: str | None = None,
    level: int = 0,
) -> Finding:
    """A detective finding about ``document`` (its first fact), with the follow-up role.

    Args:
        control_id: the control.
        outcome: HOLD (follow up), BLOCK (did not operate / irreconcilable) or ALLOW (evidence).
        message: message key.
        document: what the finding is about (document id, count id, ``series/number``, unit
            and period …).
        params: message parameters.
        facts: the facts used (evidence).
        role: for a HOLD, the role that must investigate and sign off.
        level: that role's minimum authority level.
    """
    required: tuple[ApprovalRequirement, ...] = ()
    if outcome is Outcome.HOLD and role is not None:
        required = (
            ApprovalRequirement(
                control_id=control_id,
                role=role,
                min_level=level,
                document_id=document,
                reason=message,
            ),
        )
    return Finding(
        control_id=control_id,
        outcome=outcome,
        message=message,
        params=dict(params or {}),
        facts={"document": document, **dict(facts or {})},
        required=required,
    )


def _document(f: Finding) -> str:
    return f.facts[0][1] if f.facts and f.facts[0][0] == "document" else ""


def _key(f: Finding) -> tuple[Any, ...]:
    return (f.control_id, _document(f), f.message, int(f.outcome), f.params, f.facts)


@frozen
class Tally:
    """One control's line in the auditor's table.

    Attributes:
        tested: items tested.
        passed: items with no HOLD or BLOCK finding.
        held: HOLD findings.
        blocked: BLOCK findings.
        explained: ALLOW findings (differences found and explained).
    """

    tested: int = 0
    passed: int = 0
    held: int = 0
    blocked: int = 0
    explained: int = 0

    def __add__(self, other: Tally) -> Tally:
        return Tally(
            self.tested + other.tested,
            self.passed + other.passed,
            self.held + other.held,
            self.blocked + other.blocked,
            self.explained + other.explained,
        )


@frozen
class Report:
    """The result of a detective run over one period.

    Attributes:
        period: the period examined.
        findings: every finding, in a canonical order (control, document, message).
        tested: population size per control id that ran.
        controls: ids of the controls that ran.
        policy_fingerprint: SHA-256 of the policy in force.
        catalogue_fingerprint: SHA-256 of the control catalogue.
    """

    period: Period = field(validator=typed(Period))
    findings: tuple[Finding, ...] = field(converter=tuple_conv, validator=each(Finding))
    tested: FrozenMap[str, int] = field(
        default=FrozenMap(), converter=frozenmap_conv, validator=mapping
    )
    controls: tuple[str, ...] = field(default=(), converter=tuple_conv, validator=each(str))
    policy_fingerprint: str = field(default="", validator=typed(str))
    catalogue_fingerprint: str = field(default="", validator=typed(str))

    @property
    def outcome(self) -> Outcome:
        """The worst outcome of the findings (ALLOW when there are none)."""
        return max((f.outcome for f in self.findings), default=Outcome.ALLOW)

    @property
    def exceptions(self) -> tuple[Finding, ...]:
        """The HOLD and BLOCK findings."""
        return tuple(f for f in self.findings if f.outcome is not Outcome.ALLOW)

    def findings_for(self, control_id: str) -> tuple[Finding, ...]:
        """The findings of one control."""
        return tuple(f for f in self.findings if f.control_id == control_id)

    def documents(self, control_id: str) -> tuple[str, ...]:
        """The documents with a HOLD or BLOCK finding of ``control_id`` (sorted, unique)."""
        return tuple(
            sorted(
                {
                    _document(f)
                    for f in self.findings_for(control_id)
                    if f.outcome is not Outcome.ALLOW
                }
            )
        )

    def tally(self) -> dict[str, Tally]:
        """Per control that ran: tested, passed, held, blocked, explained."""
        out: dict[str, Tally] = {}
        for cid in self.controls:
            mine = self.findings_for(cid)
            failed = {_document(f) for f in mine if f.outcome is not Outcome.ALLOW}
            tested = self.tested.get(cid, 0)
            out[cid] = Tally(
                tested=tested,
                passed=max(tested - len(failed), 0),
                held=sum(f.outcome is Outcome.HOLD for f in mine),
                blocked=sum(f.outcome is Outcome.BLOCK for f in mine),
                explained=sum(f.outcome is Outcome.ALLOW for f in mine),
            )
        return out

    def merge(self, other: Report) -> Report:
        """Combine two reports of the same period (e.g. two customer partitions).

        Populations add up, findings are merged in canonical order.

        Raises:
            InvalidInput: if periods or fingerprints differ.
        """
        if other.period != self.period:
            raise InvalidInput(
                "reports of different periods", path="other.period", value=other.period.label
            )
        if (other.policy_fingerprint, other.catalogue_fingerprint) != (
            self.policy_fingerprint,
            self.catalogue_fingerprint,
        ):
            raise InvalidInput("reports under different policies or catalogues", path="other")
        tested = dict(self.tested)
        for k, v in other.tested.items():
            tested[k] = tested.get(k, 0) + v
        return evolve(
            self,
            findings=tuple(sorted(self.findings + other.findings, key=_key)),
            tested=FrozenMap(sorted(tested.items())),
            controls=tuple(sorted(set(self.controls) | set(other.controls))),
        )

    def explain(self, lang: str = "en") -> str:
        """The report as text in ``"zh"`` or ``"en"``: one line per control, then findings."""
        zh = lang == "zh"
        render("gate.disabled", (), lang)  # validates lang
        lines = [
            f"期间 {self.period.label}:例外 {len(self.exceptions)} 项"
            if zh
            else f"period {self.period.label}: {len(self.exceptions)} exceptions"
        ]
        for cid, t in self.tally().items():
            lines.append(
                f"  {cid}: 测试 {t.tested},通过 {t.passed},挂起 {t.held},阻止 {t.blocked},已说明 {t.explained}"
                if zh
                else f"  {cid}: tested {t.tested}, passed {t.passed}, held {t.held}, "
                f"blocked {t.blocked}, explained {t.explained}"
            )
        for f in self.findings:
            lines.append(f"  [{f.control_id}] {f.outcome.name} {_document(f)}: {f.text(lang)}")
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        """The report as JSON-ready data."""
        from salesctl._structure import unstructure

        out: dict[str, Any] = unstructure(self)
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Report:
        """Rebuild a report from :meth:`to_dict` output.

        Raises:
            InvalidInput: naming the field path of anything malformed.
        """
        from salesctl._structure import structure

        result: Report = structure(data, cls, "report")
        return result


#: Detective controls whose findings over records split by customer and merged
#: (:meth:`Report.merge`) equal those over all records at once: every item they test belongs
#: to one customer (for O2C-CT-04: both books name the contract's customer). The others
#: (number series, product counts, invoice-to-delivery links, general-ledger totals, plans,
#: targets) need the whole population in one run.
CUSTOMER_PARTITIONABLE: frozenset[str] = frozenset(
    {"O2C-SO-03", "O2C-CR-03", "O2C-CT-04", "O2C-AR-01", "O2C-AR-02"}
)


# -- running ---------------------------------------------------------------------------------


def run(
    records: Records,
    period: Period,
    policy: Any = None,
    *,
    only: Iterable[str] | None = None,
    due_only: bool = True,
) -> Report:
    """Run the detective controls over ``records`` for ``period``.

    Args:
        records: the populations (see :class:`Records` and the module docs for what each
            check needs).
        period: the period examined.
        policy: the :class:`~salesctl.policy.Policy` in force (the default policy when
            omitted); disabled controls do not run.
        only: run only these control ids.
        due_only: run only the controls whose ``detect_at`` includes ``period.kind`` (what a
            replay does at each boundary); ``False`` runs every selected detective control
            over the period, whatever its cadence.

    Returns:
        The report. A check that raises fails closed: a BLOCK finding naming the error.

    Raises:
        InvalidInput: for records or period of the wrong type, or an unknown id in ``only``.
    """
    from salesctl.controls import CATALOGUE_FINGERPRINT, CONTROLS
    from salesctl.policy import Policy

    if not isinstance(records, Records):
        raise InvalidInput(
            "must be salesctl.reconcile.Records", path="records", value=type(records).__name__
        )
    if not isinstance(period, Period):
        raise InvalidInput(
            "must be salesctl.reconcile.Period", path="period", value=type(period).__name__
        )
    pol = policy if policy is not None else Policy.default()
    if not isinstance(pol, Policy):
        raise InvalidInput("must be a salesctl.Policy", path="policy", value=type(pol).__name__)
    wanted = None if only is None else frozenset(only)
    if wanted is not None:
        unknown = sorted(wanted - {c.id for c in CONTROLS.values() if c.detect is not None})
        if unknown:
            raise InvalidInput("not a detective control id", path="only", value=unknown)
    findings: list[Finding] = []
    tested: dict[str, int] = {}
    ran: list[str] = []
    for control in CONTROLS.values():
        if control.detect is None or not pol.is_enabled(control.id):
            continue
        if wanted is not None and control.id not in wanted:
            continue
        if due_only and period.kind not in control.detect_at:
            continue
        ran.append(control.id)
        try:
            result = control.detect(records, period, pol.family(control.family))
            if not isinstance(result, Examination):
                raise TypeError(f"check returned {type(result).__name__}, not Examination")
            tested[control.id] = result.tested
            findings.extend(result.findings)
        except Exception as e:  # fail closed on any evaluation problem
            error = str(e) if isinstance(e, SalesctlError) else f"{type(e).__name__}: {e}"
            tested[control.id] = tested.get(control.id, 0)
            findings.append(
                make_finding(
                    control.id,
                    Outcome.BLOCK,
                    "gate.evaluation_error",
                    period.label,
                    params={"control": control.id, "error": error},
                    facts={"error_type": type(e).__name__},
                )
            )
    return Report(
        period=period,
        findings=tuple(sorted(findings, key=_key)),
        tested=FrozenMap(sorted(tested.items())),
        controls=tuple(ran),
        policy_fingerprint=pol.fingerprint,
        catalogue_fingerprint=CATALOGUE_FINGERPRINT,
    )
