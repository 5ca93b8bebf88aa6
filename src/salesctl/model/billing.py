"""Invoicing to cash: invoices, sales settlements, consignment settlements, revenue entries
and receipts (S-IC 5.2, S-K1 8, 11, S-PM B–C, S-YF 11; controls in
:mod:`salesctl.controls.billing` and :mod:`salesctl.controls.revenue`)."""

from __future__ import annotations

import datetime as dt
import enum
from decimal import Decimal

from attrs import field, frozen

from salesctl._validators import (
    a_date,
    decimal_conv,
    each,
    each_ident,
    ident,
    non_negative,
    opt_ident,
    opt_text,
    positive,
    tuple_conv,
    typed,
)
from salesctl.errors import CurrencyMismatch, InvalidInput
from salesctl.model._checks import lines_present, opt_non_negative_money, same_currency
from salesctl.money import Money

__all__ = [
    "ConsignmentSettlement",
    "Invoice",
    "InvoiceLine",
    "Receipt",
    "RevenueEntry",
    "Settlement",
    "SettlementStatus",
]


@frozen
class InvoiceLine:
    """One line of a sales invoice.

    Attributes:
        order_line: the sales-order line invoiced (its ``line_no``).
        product_id: the product invoiced.
        quantity: the quantity invoiced, greater than zero.
        unit_price: price per unit.
        amount: ``quantity × unit_price`` rounded half-up to the minor unit (computed).
    """

    order_line: int = field(validator=[typed(int), positive])
    product_id: str = field(validator=ident)
    quantity: Decimal = field(converter=decimal_conv, validator=positive)
    unit_price: Money = field(validator=[typed(Money), non_negative])
    amount: Money = field(init=False, eq=False, repr=False)

    def __attrs_post_init__(self) -> None:
        object.__setattr__(self, "amount", self.unit_price.times(self.quantity))


@frozen
class Invoice:
    """A sales invoice (销售发票, S-IC 5.2, S-K1 11, S-PM C).

    Attributes:
        id: document id (invoice number).
        order_id: the sales order invoiced.
        customer_id: the customer.
        lines: the invoice lines (at least one; one currency).
        issued_by: id of the actor who prepared it.
        issued_on: the invoice date.
        contract_id: the contract invoiced against, if any (O2C-BL-03 applies to it).
        settlement_id: the sales settlement (销售结算单) it belongs to, if any.
        voided: True once voided.
        total: sum of the line amounts (computed).
    """

    id: str = field(validator=ident)
    order_id: str = field(validator=ident)
    customer_id: str = field(validator=ident)
    lines: tuple[InvoiceLine, ...] = field(converter=tuple_conv, validator=each(InvoiceLine))
    issued_by: str = field(validator=ident)
    issued_on: dt.date = field(validator=a_date)
    contract_id: str | None = field(default=None, validator=opt_ident)
    settlement_id: str | None = field(default=None, validator=opt_ident)
    voided: bool = field(default=False, validator=typed(bool))
    total: Money = field(init=False, eq=False, repr=False)

    def __attrs_post_init__(self) -> None:
        lines_present("Invoice.lines", self.lines)
        currency = self.lines[0].unit_price.currency
        total = Decimal(0)
        for i, line in enumerate(self.lines):
            if line.unit_price.currency != currency:
                raise CurrencyMismatch(
                    f"all lines of an invoice must be in one currency ({currency})",
                    path=f"Invoice.lines[{i}].unit_price",
                    value=line.unit_price.currency,
                )
            total += line.amount.amount
        object.__setattr__(self, "total", Money(total, currency))


class SettlementStatus(enum.Enum):
    """State of a sales settlement (销售结算单) in the billing system (S-PM B–C)."""

    #: Created with the sales document, not yet confirmed (临时状态).
    TEMPORARY = "temporary"
    #: Confirmed by the invoice clerk (确定).
    CONFIRMED = "confirmed"
    #: Rolled back and voided (回退确定并作废).
    VOIDED = "voided"


@frozen
class Settlement:
    """A sales settlement (销售结算单) and the state of its accounting voucher (S-PM B–C).

    Attributes:
        id: document id.
        order_id: the sales order settled.
        status: temporary, confirmed or voided.
        invoice_id: the invoice issued on it, if any.
        voucher_posted: True while its accounting voucher (传票) is posted (记账); the voucher
            must be unposted (取消记账) before the settlement can be rolled back.
    """

    id: str = field(validator=ident)
    order_id: str = field(validator=ident)
    status: SettlementStatus = field(validator=typed(SettlementStatus))
    invoice_id: str | None = field(default=None, validator=opt_ident)
    voucher_posted: bool = field(default=False, validator=typed(bool))

    def __attrs_post_init__(self) -> None:
        if self.voucher_posted and self.status is not SettlementStatus.CONFIRMED:
            raise InvalidInput(
                "only a confirmed settlement has a posted voucher",
                path="Settlement.voucher_posted",
                value=self.status.value,
            )


@frozen
class ConsignmentSettlement:
    """A distributor's month-end consignment settlement (铺货月底盘点结算, S-YF 11).

    The amount sold is the opening consignment stock less the stock counted at month end, at
    settlement prices; both finance departments confirm it.

    Attributes:
        id: document id.
        customer_id: the distributor.
        period_end: the count date (month end).
        opening: consignment stock at the start of the period, at settlement prices.
        counted: consignment stock counted at month end, at settlement prices.
        confirmed: True once both finance departments agreed the count (双方财务核对无误).
        settled: ``opening − counted`` (computed).
    """

    id: str = field(validator=ident)
    customer_id: str = field(validator=ident)
    period_end: dt.date = field(validator=a_date)
    opening: Money = field(validator=[typed(Money), non_negative])
    counted: Money = field(validator=[typed(Money), non_negative])
    confirmed: bool = field(default=False, validator=typed(bool))
    settled: Money = field(init=False, eq=False, repr=False)

    def __attrs_post_init__(self) -> None:
        same_currency("ConsignmentSettlement", self.opening, ("counted", self.counted))
        if self.counted > self.opening:
            raise InvalidInput(
                "cannot exceed opening",
                path="ConsignmentSettlement.counted",
                value=str(self.counted),
            )
        object.__setattr__(self, "settled", self.opening - self.counted)


@frozen
class RevenueEntry:
    """A revenue recognition entry (确认收入, S-K1 8, S-YF 11).

    Attributes:
        id: voucher id.
        customer_id: the customer.
        goods_issue_ids: the deliveries whose revenue is recognised (at least one).
        amount: the revenue recognised.
        booked_on: the posting date.
        advance_offset: advance receipts (预收账款) the entry offsets (``None``: none).
        consignment_settlement_id: the month-end consignment settlement the revenue rests on,
            for consignment stock.
    """

    id: str = field(validator=ident)
    customer_id: str = field(validator=ident)
    goods_issue_ids: tuple[str, ...] = field(converter=tuple_conv, validator=each_ident)
    amount: Money = field(validator=[typed(Money), positive])
    booked_on: dt.date = field(validator=a_date)
    advance_offset: Money | None = field(default=None, validator=opt_non_negative_money)
    consignment_settlement_id: str | None = field(default=None, validator=opt_ident)

    def __attrs_post_init__(self) -> None:
        if not self.goods_issue_ids:
            raise InvalidInput(
                "needs at least one goods issue", path="RevenueEntry.goods_issue_ids"
            )
        same_currency("RevenueEntry", self.amount, ("advance_offset", self.advance_offset))
        if self.advance_offset is not None and self.advance_offset > self.amount:
            raise InvalidInput(
                "cannot exceed amount",
                path="RevenueEntry.advance_offset",
                value=str(self.advance_offset),
            )


@frozen
class Receipt:
    """A customer payment received (收款凭证, S-IC 5.1).

    Attributes:
        id: voucher id.
        customer_id: the payer.
        amount: the amount received.
        received_on: the value date.
        to_receivables: the part applied to the customer's open (invoiced) receivables; the
            rest is an advance receipt (预收账款).
        contract_id: the contract paid on, if any.
        account: the bank or settlement account the money was received into (O2C-AR-04:
            only the group's approved settlement accounts; ``None``: not stated).
    """

    id: str = field(validator=ident)
    customer_id: str = field(validator=ident)
    amount: Money = field(validator=[typed(Money), positive])
    received_on: dt.date = field(validator=a_date)
    to_receivables: Money = field(validator=[typed(Money), non_negative])
    contract_id: str | None = field(default=None, validator=opt_ident)
    account: str | None = field(default=None, validator=opt_text)

    def __attrs_post_init__(self) -> None:
        same_currency("Receipt", self.amount, ("to_receivables", self.to_receivables))
        if self.to_receivables > self.amount:
            raise InvalidInput(
                "cannot exceed amount",
                path="Receipt.to_receivables",
                value=str(self.to_receivables),
            )

    @property
    def to_advance(self) -> Money:
        """The part recorded as an advance receipt (``amount − to_receivables``)."""
        return self.amount - self.to_receivables
