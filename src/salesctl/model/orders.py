"""From inquiry to order: quotations, the business approval form, sales orders, payment terms
and one-time credit releases (S-FT, S-CP 3.1, S-IC 1.1, S-IC 5.1)."""

from __future__ import annotations

import datetime as dt
import enum
from decimal import Decimal
from typing import Any

from attrs import field, frozen

from salesctl._convert import OMIT_DEFAULT
from salesctl._validators import (
    a_date,
    aware,
    decimal_conv,
    each,
    each_ident,
    ident,
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
from salesctl.model.parties import Actor, Customer
from salesctl.model.pricing import Concession, Product
from salesctl.model.terms import CreditTerms, net
from salesctl.money import Money

__all__ = [
    "BusinessApprovalForm",
    "CreditRelease",
    "OrderLine",
    "PaymentMethod",
    "PaymentTerms",
    "Quotation",
    "QuotationLine",
    "SalesOrder",
]


def _opt_positive(inst: Any, a: Any, value: Any) -> None:
    if value is not None:
        positive(inst, a, value)


@frozen
class QuotationLine:
    """One line of a quotation (报价单, S-FT 报价).

    The seed lists what an export quotation states: quality grade, spec/model, special
    packaging, quantity, delivery date, transport and material. A line may leave any of them
    unstated (``None``); O2C-SO-05 decides which must be stated before the quotation goes out.

    Attributes:
        line_no: line number, unique within the quotation.
        product: the product quoted.
        unit_price: price per unit quoted.
        quantity: quantity quoted (``None``: not stated).
        quality_grade: quality grade (质量等级).
        spec_model: specification or model (规格型号).
        packaging: packaging requirement (特殊包装要求); write ``"standard"`` when there is none.
        material: material (材质).
    """

    line_no: int = field(validator=[typed(int), positive])
    product: Product = field(validator=typed(Product))
    unit_price: Money = field(validator=[typed(Money), non_negative])
    quantity: Decimal | None = field(default=None, converter=decimal_conv, validator=_opt_positive)
    quality_grade: str | None = field(default=None, validator=opt_text)
    spec_model: str | None = field(default=None, validator=opt_text)
    packaging: str | None = field(default=None, validator=opt_text)
    material: str | None = field(default=None, validator=opt_text)


@frozen
class Quotation:
    """A quotation sent to a customer in answer to an inquiry (询盘 → 报价, S-FT).

    Attributes:
        id: document id.
        customer_id: the customer (or prospect) quoted.
        lines: the quoted lines (at least one; line numbers unique; one currency).
        created_by: id of the actor who prepared it.
        quoted_on: the quotation date.
        delivery_date: the delivery date offered (交货期; ``None``: not stated).
        transport: the transport mode offered (运输方式, e.g. ``"sea"``; ``None``: not stated).
        inquiry_ref: the customer's inquiry it answers (客户询盘), if recorded.
        valid_until: last day the quotation may be accepted, if stated.
    """

    id: str = field(validator=ident)
    customer_id: str = field(validator=ident)
    lines: tuple[QuotationLine, ...] = field(converter=tuple_conv, validator=each(QuotationLine))
    created_by: str = field(validator=ident)
    quoted_on: dt.date = field(validator=a_date)
    delivery_date: dt.date | None = field(default=None, validator=opt_date)
    transport: str | None = field(default=None, validator=opt_text)
    inquiry_ref: str | None = field(default=None, validator=opt_text)
    valid_until: dt.date | None = field(default=None, validator=opt_date)

    def __attrs_post_init__(self) -> None:
        if not self.lines:
            raise InvalidInput("a quotation needs at least one line", path="Quotation.lines")
        currency = self.lines[0].unit_price.currency
        seen: set[int] = set()
        for i, line in enumerate(self.lines):
            if line.line_no in seen:
                raise InvalidInput(
                    "duplicate line number",
                    path=f"Quotation.lines[{i}].line_no",
                    value=line.line_no,
                )
            seen.add(line.line_no)
            if line.unit_price.currency != currency:
                raise CurrencyMismatch(
                    f"all lines of a quotation must be in one currency ({currency})",
                    path=f"Quotation.lines[{i}].unit_price",
                    value=line.unit_price.currency,
                )
        for name in ("delivery_date", "valid_until"):
            d = getattr(self, name)
            if d is not None and d < self.quoted_on:
                raise InvalidInput(
                    "must not be before quoted_on", path=f"Quotation.{name}", value=d.isoformat()
                )


@frozen
class BusinessApprovalForm:
    """The business approval form (业务审核表) the sales office makes first on receiving an
    order (S-FT 业务审批).

    Attributes:
        id: document id.
        prepared_by: id of the actor who prepared it.
        prepared_on: the day it was prepared.
        contract_id: the contract it reviews, if any.
        order_id: the customer order it reviews, if any.
        approved_by: ids of the actors who approved it.
        approved_on: the day it was approved (``None``: not approved yet).
    """

    id: str = field(validator=ident)
    prepared_by: str = field(validator=ident)
    prepared_on: dt.date = field(validator=a_date)
    contract_id: str | None = field(default=None, validator=opt_ident)
    order_id: str | None = field(default=None, validator=opt_ident)
    approved_by: tuple[str, ...] = field(default=(), converter=tuple_conv, validator=each_ident)
    approved_on: dt.date | None = field(default=None, validator=opt_date)

    def __attrs_post_init__(self) -> None:
        if self.approved_on is not None and self.approved_on < self.prepared_on:
            raise InvalidInput(
                "must not be before prepared_on",
                path="BusinessApprovalForm.approved_on",
                value=self.approved_on.isoformat(),
            )

    @property
    def approved(self) -> bool:
        """True when someone approved it on a stated day."""
        return self.approved_on is not None and bool(self.approved_by)


def _list_price(inst: Any, a: Any, value: Any) -> None:
    if value is None:
        return
    typed(Money)(inst, a, value)
    non_negative(inst, a, value)
    if value.currency != inst.unit_price.currency:
        raise CurrencyMismatch(
            f"must be in the currency of unit_price ({inst.unit_price.currency})",
            path="OrderLine.list_price",
            value=str(value),
        )


@frozen
class OrderLine:
    """One line of a sales order.

    Attributes:
        line_no: line number, unique within the order.
        product: the product sold.
        quantity: quantity ordered, greater than zero.
        unit_price: agreed price per unit (net of line discount).
        list_price: the price per unit before the line's discount (折扣前单价), when the line
            carries a discount; ``None`` when ``unit_price`` is the undiscounted price. The
            price-float authority (O2C-PR-03) judges this price, the discount matrix
            (O2C-PR-05) the difference.
        amount: ``quantity × unit_price`` rounded half-up to the minor unit (computed).
    """

    line_no: int = field(validator=[typed(int), positive])
    product: Product = field(validator=typed(Product))
    quantity: Decimal = field(converter=decimal_conv, validator=positive)
    unit_price: Money = field(validator=[typed(Money), non_negative])
    list_price: Money | None = field(default=None, validator=_list_price)
    amount: Money = field(init=False, eq=False, repr=False)

    def __attrs_post_init__(self) -> None:
        object.__setattr__(self, "amount", self.unit_price.times(self.quantity))


class PaymentMethod(enum.Enum):
    """How the customer pays (S-FT 落实付款方式, S-PM)."""

    CASH = "cash"
    PREPAYMENT = "prepayment"
    LETTER_OF_CREDIT = "lc"
    TT_OPEN_ACCOUNT = "tt_open_account"
    DOCUMENTS_AGAINST_PAYMENT = "dp"
    DOCUMENTS_AGAINST_ACCEPTANCE = "da"
    CREDIT = "credit"


@frozen
class PaymentTerms:
    """Payment method and credit terms of an order or a contract.

    The terms are ``terms`` when given (e.g. 月结 30 天, ``end_of_month_plus(30)``), else the
    old day count ``days`` read as ``net(days)``; a document with neither states no terms
    (the customer's credit profile then applies; see :attr:`stated_terms`).

    Attributes:
        method: the payment method.
        days: days after invoice until payment is due (0 for cash and prepayment): the old
            day count, read as ``net(days)`` when ``terms`` is not given.
        terms: the payment terms (:class:`~salesctl.model.CreditTerms`), if the document states
            more than a day count.
    """

    method: PaymentMethod = field(validator=typed(PaymentMethod))
    days: int = field(default=0, validator=[typed(int), non_negative])
    terms: CreditTerms | None = field(
        default=None, validator=typed(CreditTerms, optional=True), metadata={OMIT_DEFAULT: True}
    )

    @property
    def stated_terms(self) -> CreditTerms | None:
        """The terms the document states: ``terms``, else ``net(days)`` when ``days`` is not
        0, else ``None`` (it states none)."""
        if self.terms is not None:
            return self.terms
        return net(self.days) if self.days else None

    @property
    def immediate(self) -> bool:
        """True when the document gives no credit period: no day count and no terms other
        than ``net(0)``."""
        return self.days == 0 and (self.terms is None or self.terms == net(0))


def _concessions(inst: Any, a: Any, value: Any) -> None:
    each(Concession)(inst, a, value)
    if not inst.lines or not isinstance(inst.lines, tuple):
        return  # the order's own checks report the missing lines
    currency = getattr(inst.lines[0].unit_price, "currency", None)
    numbers = {getattr(line, "line_no", None) for line in inst.lines}
    for i, c in enumerate(value):
        if c.value.currency != currency:
            raise CurrencyMismatch(
                f"must be in the order's currency ({currency})",
                path=f"SalesOrder.concessions[{i}].value",
                value=str(c.value),
            )
        if c.line_no is not None and c.line_no not in numbers:
            raise InvalidInput(
                "names no line of the order",
                path=f"SalesOrder.concessions[{i}].line_no",
                value=c.line_no,
            )


@frozen
class SalesOrder:
    """A customer's sales order (S-CP 3.1, S-IC 1.1).

    Attributes:
        id: document id in the host.
        series: number series, e.g. ``"SO-2026"`` (O2C-SO-01).
        seq: sequence number within the series (1, 2, 3, …).
        customer: the customer, with its credit profile as the host knows it.
        lines: the order lines (at least one; line numbers unique; one currency).
        payment: payment terms.
        created_by: id of the actor who entered (proposed) the order.
        order_date: the order date.
        contract_id: the contract the order executes, if any.
        collection_letter_ref: reference of the collection-responsibility letter signed for
            this credit sale (单笔《货款回笼责任书》), if any.
        concessions: promotions granted with the order beyond the line prices: order
            discounts, rebates, gifts, member offers (S-MK 5; O2C-PR-05).
        company: the selling company (分(子)公司) when the group sells through several; its
            credit segment (the policy's ``[credit] segments``) is checked beside the
            customer's whole exposure (``None``: the one default segment).
        total: sum of the line amounts (computed).
    """

    id: str = field(validator=ident)
    series: str = field(validator=text)
    seq: int = field(validator=[typed(int), positive])
    customer: Customer = field(validator=typed(Customer))
    lines: tuple[OrderLine, ...] = field(converter=tuple_conv, validator=each(OrderLine))
    payment: PaymentTerms = field(validator=typed(PaymentTerms))
    created_by: str = field(validator=ident)
    order_date: dt.date = field(validator=a_date)
    contract_id: str | None = field(default=None, validator=opt_ident)
    collection_letter_ref: str | None = field(default=None, validator=opt_text)
    concessions: tuple[Concession, ...] = field(
        default=(), converter=tuple_conv, validator=_concessions
    )
    company: str | None = field(
        default=None, validator=opt_text, kw_only=True, metadata={OMIT_DEFAULT: True}
    )
    total: Money = field(init=False, eq=False, repr=False)
    # The largest size (``Decimal.adjusted()``) of a unit price (O2C-DL-04's bound on the value
    # of a delivery, ``controls/delivery/value.py``); ``None`` when a price is not a finite
    # ``Decimal``. Derived once, at construction; not part of the value.
    _price_size: int | None = field(init=False, eq=False, repr=False, hash=False)

    def __attrs_post_init__(self) -> None:
        if not self.lines:
            raise InvalidInput("an order needs at least one line", path="SalesOrder.lines")
        currency = self.lines[0].unit_price.currency
        seen: set[int] = set()
        total = Decimal(0)
        prices = [line.unit_price.amount for line in self.lines]
        plain = all(type(a) is Decimal and a.is_finite() for a in prices)
        object.__setattr__(
            self, "_price_size", max([a.adjusted() for a in prices]) if plain else None
        )
        for i, line in enumerate(self.lines):
            if line.line_no in seen:
                raise InvalidInput(
                    "duplicate line number",
                    path=f"SalesOrder.lines[{i}].line_no",
                    value=line.line_no,
                )
            seen.add(line.line_no)
            if line.unit_price.currency != currency:
                raise CurrencyMismatch(
                    f"all lines of an order must be in one currency ({currency})",
                    path=f"SalesOrder.lines[{i}].unit_price",
                    value=line.unit_price.currency,
                )
            total += line.amount.amount
        object.__setattr__(self, "total", Money(total, currency))

    @property
    def currency(self) -> str:
        """The order's currency."""
        return self.total.currency


@frozen
class CreditRelease:
    """A one-time release of a credit-blocked order (一次性释放, S-IC 5.1).

    Granted by the credit master-data maintainer in finance, for one order, up to a maximum
    amount, until an expiry; it can be consumed exactly once.

    Attributes:
        id: release id.
        order_id: the one order it releases.
        max_amount: the largest order total it covers.
        granted_by: the actor who granted it.
        granted_at: when it was granted.
        expires_at: when it lapses.
        reason: the business reason given.
    """

    id: str = field(validator=ident)
    order_id: str = field(validator=ident)
    max_amount: Money = field(validator=[typed(Money), positive])
    granted_by: Actor = field(validator=typed(Actor))
    granted_at: dt.datetime = field(validator=aware)
    expires_at: dt.datetime = field(validator=aware)
    reason: str = field(default="", validator=typed(str))

    def __attrs_post_init__(self) -> None:
        if self.expires_at <= self.granted_at:
            raise InvalidInput(
                "must be after granted_at",
                path="CreditRelease.expires_at",
                value=self.expires_at.isoformat(),
            )
