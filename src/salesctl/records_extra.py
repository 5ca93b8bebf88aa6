"""The records of the second round of detective controls: receipts and their vouchers, the
monthly commission accrual, the monthly collections analysis, food storage readings and
promotions (issue 14).

They are pure data like those of :mod:`salesctl.records` (which re-exports them and holds them
in :class:`~salesctl.records.Records`): immutable, validated at construction, free of control
logic. A month is named by its last day (``period_end``), as the month-end counts are.

>>> import datetime as dt
>>> from salesctl.money import Money
>>> ReceiptRecord(record_id="BK-1", channel=ReceiptChannel.BANK, account="FC-001",
...               received_on=dt.date(2026, 3, 2), amount=Money("100", "CNY"),
...               voucher_id="RC-1").channel.value
'bank'
"""

from __future__ import annotations

import calendar
import datetime as dt
import enum
from decimal import Decimal
from typing import Any

from attrs import field, frozen

from salesctl._convert import OMIT_DEFAULT
from salesctl._validators import (
    a_date,
    decimal_conv,
    each,
    frozenset_conv,
    ident,
    non_negative,
    opt_date,
    opt_ident,
    opt_text,
    positive,
    ratio,
    text,
    tuple_conv,
    typed,
)
from salesctl.errors import CurrencyMismatch, InvalidInput
from salesctl.model import CreditLimitChange, CreditProfile, profile_on
from salesctl.money import Money

__all__ = [
    "CollectionsAnalysis",
    "CommissionAccrual",
    "CreditFile",
    "Promotion",
    "PromotionEvaluation",
    "ReceiptChannel",
    "ReceiptRecord",
    "ReceiptVoucher",
    "StorageArea",
    "StorageReading",
]


def _money_pos(inst: Any, a: Any, value: Any) -> None:
    typed(Money)(inst, a, value)
    positive(inst, a, value)


def _money_nn(inst: Any, a: Any, value: Any) -> None:
    typed(Money)(inst, a, value)
    non_negative(inst, a, value)


def _opt_money(inst: Any, a: Any, value: Any) -> None:
    if value is not None:
        _money_nn(inst, a, value)


def _month_end(inst: Any, a: Any, value: Any) -> None:
    a_date(inst, a, value)
    if value.day != calendar.monthrange(value.year, value.month)[1]:
        raise InvalidInput(
            "must be the last day of the month",
            path=f"{type(inst).__name__}.{a.name}",
            value=value.isoformat(),
        )


def _finite(inst: Any, a: Any, value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, Decimal) or not value.is_finite():
        raise InvalidInput(
            "must be a finite decimal number",
            path=f"{type(inst).__name__}.{a.name}",
            value=str(value),
        )


def _opt_finite(inst: Any, a: Any, value: Any) -> None:
    if value is not None:
        _finite(inst, a, value)


def _currency(cls: str, base: Money, *others: tuple[str, Money | None]) -> None:
    for name, m in others:
        if m is not None and m.currency != base.currency:
            raise CurrencyMismatch(
                f"must be in {base.currency} like the other amounts",
                path=f"{cls}.{name}",
                value=m.currency,
            )


# -- receipts (O2C-AR-03) ---------------------------------------------------------------------


class ReceiptChannel(enum.Enum):
    """Where money was received: the cash journal or a bank (settlement) account."""

    CASH = "cash"
    BANK = "bank"


@frozen
class ReceiptRecord:
    """A line of the cash or bank journal: money received (收款记录, S-IC 8.1; O2C-AR-03).

    Attributes:
        record_id: the journal line (bank statement line, cash receipt slip).
        channel: cash or bank.
        account: the cash box or bank / settlement account credited.
        received_on: the value date.
        amount: the amount received.
        customer_id: the payer, if known.
        voucher_id: the accounting voucher the receipt was booked under (``None``: not
            booked).
    """

    record_id: str = field(validator=ident)
    channel: ReceiptChannel = field(validator=typed(ReceiptChannel))
    account: str = field(validator=text)
    received_on: dt.date = field(validator=a_date)
    amount: Money = field(validator=_money_pos)
    customer_id: str | None = field(default=None, validator=opt_ident)
    voucher_id: str | None = field(default=None, validator=opt_ident)


@frozen
class ReceiptVoucher:
    """An accounting voucher the system generated for a receipt (收款凭证; O2C-AR-03).

    A :class:`~salesctl.transactions.RecordReceipt` posts one (its receipt id is the voucher
    id); a host may also export them.

    Attributes:
        voucher_id: the voucher.
        posted_on: the posting day.
        amount: the amount debited to cash or bank.
        customer_id: the customer credited, if known.
        account: the cash or bank account debited, if known.
    """

    voucher_id: str = field(validator=ident)
    posted_on: dt.date = field(validator=a_date)
    amount: Money = field(validator=_money_pos)
    customer_id: str | None = field(default=None, validator=opt_ident)
    account: str | None = field(default=None, validator=opt_text)


# -- commission accrual (O2C-CM-02) -----------------------------------------------------------


@frozen
class CommissionAccrual:
    """A month's accrual of a sales unit's commission (业务提成计提, S-K1 12; O2C-CM-02).

    Attributes:
        accrual_id: the accrual voucher.
        unit: the sales department (or team) the commission is accrued for.
        period_end: the last day of the month accrued.
        collected: the amount collected on contracts in the month, as the sales department
            states it (the base).
        rate: the commission rate applied.
        accrued: the commission accrued.
        finance_collected: the same month's collections in finance's contract ledger
            (``None``: not reconciled).
        reconciled_on: the day finance agreed the accrual (``None``: not yet).
        reconciled_by: who in finance agreed it.
    """

    accrual_id: str = field(validator=ident)
    unit: str = field(validator=text)
    period_end: dt.date = field(validator=_month_end)
    collected: Money = field(validator=_money_nn)
    rate: Decimal = field(converter=decimal_conv, validator=ratio)
    accrued: Money = field(validator=_money_nn)
    finance_collected: Money | None = field(default=None, validator=_opt_money)
    reconciled_on: dt.date | None = field(default=None, validator=opt_date)
    reconciled_by: str | None = field(default=None, validator=opt_text)

    def __attrs_post_init__(self) -> None:
        _currency(
            "CommissionAccrual",
            self.collected,
            ("accrued", self.accrued),
            ("finance_collected", self.finance_collected),
        )


# -- collections analysis (O2C-MN-03) ---------------------------------------------------------


@frozen
class CollectionsAnalysis:
    """The monthly analysis of collections by salesperson and customer (货款回收分析, S-K1 5).

    Attributes:
        analysis_id: the analysis.
        period_end: the last day of the month analysed.
        performed_on: the day it was made.
        performed_by: who made it (sales and finance).
        salespeople: the salespeople it covers.
        customers: the customers it covers.
    """

    analysis_id: str = field(validator=ident)
    period_end: dt.date = field(validator=_month_end)
    performed_on: dt.date = field(validator=a_date)
    performed_by: str = field(validator=text)
    salespeople: frozenset[str] = field(
        default=frozenset(), converter=frozenset_conv, validator=each(str)
    )
    customers: frozenset[str] = field(
        default=frozenset(), converter=frozenset_conv, validator=each(str)
    )


# -- food storage (O2C-IN-02) -----------------------------------------------------------------


@frozen
class StorageArea:
    """A storage area (cold room, freezer, dry store) and the category it holds (S-FD).

    Attributes:
        area_id: the area.
        category: its storage category, e.g. ``"chilled"``; the policy gives each category's
            range (``[inventory] storage_ranges``).
        opened_on: the first day goods were stored in it.
        closed_on: the day it was emptied and taken out of use, if it was.
    """

    area_id: str = field(validator=ident)
    category: str = field(validator=text)
    opened_on: dt.date = field(validator=a_date)
    closed_on: dt.date | None = field(default=None, validator=opt_date)

    def in_use(self, day: dt.date) -> bool:
        """True when goods may be stored in the area on ``day``."""
        return self.opened_on <= day and (self.closed_on is None or day < self.closed_on)


@frozen
class StorageReading:
    """A reading of a storage area's conditions (温湿度记录, S-FD; O2C-IN-02).

    Attributes:
        area_id: the area.
        read_on: the day.
        temperature: degrees Celsius.
        humidity: relative humidity in percent (``None``: not measured).
        read_by: the warehouse keeper who read it.
    """

    area_id: str = field(validator=ident)
    read_on: dt.date = field(validator=a_date)
    temperature: Decimal = field(converter=decimal_conv, validator=_finite)
    humidity: Decimal | None = field(default=None, converter=decimal_conv, validator=_opt_finite)
    read_by: str = field(default="warehouse", validator=text)


# -- promotions (O2C-MN-04) -------------------------------------------------------------------


@frozen
class Promotion:
    """A promotion run for a time (discounts, gifts, member offers: 促销活动, S-MK 5).

    Attributes:
        promotion_id: the promotion.
        name: what it was.
        starts_on: its first day.
        ends_on: its last day.
        owner: who ran it (the marketing department).
    """

    promotion_id: str = field(validator=ident)
    name: str = field(validator=text)
    starts_on: dt.date = field(validator=a_date)
    ends_on: dt.date = field(validator=a_date)
    owner: str = field(default="marketing", validator=text)

    def __attrs_post_init__(self) -> None:
        if self.ends_on < self.starts_on:
            raise InvalidInput(
                "cannot be before starts_on", path="Promotion.ends_on", value=self.ends_on
            )


@frozen
class PromotionEvaluation:
    """The evaluation of a promotion's effect after it ended (效果评估, S-MK 7; O2C-MN-04).

    Attributes:
        promotion_id: the promotion evaluated.
        evaluated_on: the day of the evaluation.
        evaluated_by: who evaluated it.
        result: what it found (sales lift, cost, what to change).
    """

    promotion_id: str = field(validator=ident)
    evaluated_on: dt.date = field(validator=a_date)
    evaluated_by: str = field(validator=text)
    result: str = field(validator=text)


@frozen
class CreditFile:
    """A customer's credit file (客户信用动态档案) and the days it was reviewed (O2C-CR-03).

    Attributes:
        customer_id: the customer.
        opened_on: the day the file (the first approved credit profile) was opened.
        reviewed_on: the days the file was reviewed and updated (grade, limit, term), any order.
        closed_on: the day the customer's credit was withdrawn, if it was (no review due after).
        history: every credit profile set for the customer, in order, with who proposed,
            approved and entered it (the credit-limit history; issue 15), when the books
            keep it.
    """

    customer_id: str = field(validator=ident)
    opened_on: dt.date = field(validator=a_date)
    reviewed_on: tuple[dt.date, ...] = field(
        default=(), converter=tuple_conv, validator=each(dt.date)
    )
    closed_on: dt.date | None = field(default=None, validator=opt_date)
    history: tuple[CreditLimitChange, ...] = field(
        default=(),
        converter=tuple_conv,
        validator=each(CreditLimitChange),
        metadata={OMIT_DEFAULT: True},
    )

    def profile_on(self, day: dt.date) -> CreditProfile | None:
        """The credit profile in force on ``day`` by :attr:`history` (``None``: none yet)."""
        return profile_on(self.history, day)
