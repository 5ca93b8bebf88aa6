"""The immutable documents of order-to-cash.

Every class here is a frozen, slotted attrs class, validated on construction: a negative
quantity, a float amount or a naive timestamp raises :class:`~salesctl.errors.InvalidInput`
naming the field. Use :func:`attrs.evolve` to change a value; it validates again.

>>> from decimal import Decimal
>>> from salesctl.model import OrderLine, Product
>>> from salesctl.money import Money
>>> line = OrderLine(line_no=1, product=Product(id="P-1", name="PE film"),
...                  quantity=Decimal("2"), unit_price=Money("150.00", "CNY"))
>>> line.amount
Money('300.00', 'CNY')
"""

from __future__ import annotations

import datetime as dt
import enum
from decimal import Decimal
from typing import Any

from attrs import field, frozen

from salesctl._types import (
    FrozenMap,
    a_date,
    aware,
    decimal_conv,
    each,
    frozenset_conv,
    non_negative,
    opt_aware,
    opt_date,
    opt_text,
    positive,
    text,
    tuple_conv,
    typed,
)
from salesctl.errors import CurrencyMismatch, InvalidInput
from salesctl.money import Money

__all__ = [
    "Actor",
    "Approval",
    "Concession",
    "ConcessionKind",
    "ConcessionRecord",
    "CreditExposure",
    "CreditProfile",
    "CreditRelease",
    "Customer",
    "FrozenMap",
    "OrderLine",
    "PaymentMethod",
    "PaymentTerms",
    "PriceClass",
    "PriceEntry",
    "Product",
    "SalesOrder",
]


@frozen
class Actor:
    """A person (or a body such as the office meeting) acting in a transaction.

    Attributes:
        id: stable identifier in the host (user id, employee number).
        roles: the roles the actor holds, e.g. ``{"sales_rep"}`` or ``{"credit_manager"}``.
        org_unit: the organisation unit, e.g. ``"east-section-2"``.
        authority_level: delegated authority level; higher may approve more (0 = none).
        name: display name for reports.
    """

    id: str = field(validator=text)
    roles: frozenset[str] = field(converter=frozenset_conv, validator=each(str))
    org_unit: str = field(default="", validator=typed(str))
    authority_level: int = field(default=0, validator=[typed(int), non_negative])
    name: str = field(default="", validator=typed(str))

    def has_role(self, role: str) -> bool:
        """True when the actor holds ``role``."""
        return role in self.roles


@frozen
class CreditProfile:
    """A customer's approved credit master data (S-IC 2.2).

    Attributes:
        grade: credit grade, one of the policy's grades (e.g. ``"A"``, ``"HIGH_RISK"``).
        limit: the approved credit limit.
        term_days: credit days: how long after invoicing an item falls due.
        reviewed_on: date of the last review of the customer's credit file.
        proposed_by: id of the actor who proposed grade, limit and term.
        approved_by: ids of the actors who approved them.
        collection_letter_ref: reference of a summary collection-responsibility letter
            (汇总《货款回笼责任书》) covering all credit sales to this customer, if any.
        maintained_by: id of the credit master-data maintainer who entered the profile in the
            system (信用主数据维护员), if the host records it (O2C-SD-01).
    """

    grade: str = field(validator=text)
    limit: Money = field(validator=[typed(Money), non_negative])
    term_days: int = field(validator=[typed(int), non_negative])
    reviewed_on: dt.date = field(validator=a_date)
    proposed_by: str = field(validator=text)
    approved_by: tuple[str, ...] = field(default=(), converter=tuple_conv, validator=each(str))
    collection_letter_ref: str | None = field(default=None, validator=opt_text)
    maintained_by: str | None = field(default=None, validator=opt_text)


@frozen
class Customer:
    """A customer, with its credit master data if it has any.

    Attributes:
        id: customer number in the host.
        name: customer name.
        credit_profile: the approved credit profile, or ``None`` for a customer whose credit
            was never set up (treated as high risk with zero credit, O2C-CR-01).
        created_on: date the master record was created.
    """

    id: str = field(validator=text)
    name: str = field(default="", validator=typed(str))
    credit_profile: CreditProfile | None = field(
        default=None, validator=typed(CreditProfile, optional=True)
    )
    created_on: dt.date | None = field(default=None, validator=opt_date)


class PriceClass(enum.Enum):
    """Where a product's price comes from (S-IC 3.1–3.2)."""

    #: State-allocated product (国家统配): price fixed by the group's pricing document.
    STATE_ALLOCATED = "state_allocated"
    #: Group-internal configured product (股份公司内部配置): document price as well.
    GROUP_PRICED = "group_priced"
    #: Any other product: priced by the subsidiary's price group, in the price master.
    MARKET = "market"


@frozen
class Product:
    """A product or service sold.

    Attributes:
        id: material number.
        name: description.
        price_class: where its price comes from.
        unit: unit of measure, e.g. ``"t"`` or ``"pcs"``.
    """

    id: str = field(validator=text)
    name: str = field(default="", validator=typed(str))
    price_class: PriceClass = field(default=PriceClass.MARKET, validator=typed(PriceClass))
    unit: str = field(default="pcs", validator=text)


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
    """Payment method and credit days of an order.

    Attributes:
        method: the payment method.
        days: days after invoice until payment is due (0 for cash and prepayment).
    """

    method: PaymentMethod = field(validator=typed(PaymentMethod))
    days: int = field(default=0, validator=[typed(int), non_negative])


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
                "names no line of the order", path=f"SalesOrder.concessions[{i}].line_no",
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
        total: sum of the line amounts (computed).
    """

    id: str = field(validator=text)
    series: str = field(validator=text)
    seq: int = field(validator=[typed(int), positive])
    customer: Customer = field(validator=typed(Customer))
    lines: tuple[OrderLine, ...] = field(converter=tuple_conv, validator=each(OrderLine))
    payment: PaymentTerms = field(validator=typed(PaymentTerms))
    created_by: str = field(validator=text)
    order_date: dt.date = field(validator=a_date)
    contract_id: str | None = field(default=None, validator=opt_text)
    collection_letter_ref: str | None = field(default=None, validator=opt_text)
    concessions: tuple[Concession, ...] = field(
        default=(), converter=tuple_conv, validator=_concessions
    )
    total: Money = field(init=False, eq=False, repr=False)

    def __attrs_post_init__(self) -> None:
        if not self.lines:
            raise InvalidInput("an order needs at least one line", path="SalesOrder.lines")
        currency = self.lines[0].unit_price.currency
        seen: set[int] = set()
        total = Decimal(0)
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

    id: str = field(validator=text)
    order_id: str = field(validator=text)
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


@frozen
class Approval:
    """An approval on hand for a document (the evidence that clears a HOLD).

    An approval clears a required approval only if the approver holds the required role and
    authority level, is not the proposer of the document, the approval is for this document,
    covers its amount and has not expired (see :mod:`salesctl.gate`).

    Attributes:
        id: approval id (workflow item, signature record).
        document_id: the document approved.
        role: the role in which the approver signs, e.g. ``"credit_manager"``.
        approver: the approving actor, with roles and authority level.
        granted_at: when it was given.
        expires_at: when it lapses (``None``: valid until used).
        max_amount: the largest document amount it covers (``None``: any amount).
        control_id: restrict it to one control's requirement (``None``: any requirement of
            that role on the document).
    """

    id: str = field(validator=text)
    document_id: str = field(validator=text)
    role: str = field(validator=text)
    approver: Actor = field(validator=typed(Actor))
    granted_at: dt.datetime = field(validator=aware)
    expires_at: dt.datetime | None = field(default=None, validator=opt_aware)
    max_amount: Money | None = field(default=None, validator=typed(Money, optional=True))
    control_id: str | None = field(default=None, validator=opt_text)


@frozen
class CreditExposure:
    """A customer's credit exposure by category, as the host knows it now (S-PM B).

    All amounts are in the currency of the customer's credit limit.

    Attributes:
        open_orders: value of orders confirmed but not yet delivered.
        delivered_not_invoiced: value delivered but not yet invoiced.
        open_receivables: invoiced and not yet paid (including overdue items).
        overdue_receivables: the part of ``open_receivables`` past its due date.
        oldest_overdue_due: due date of the oldest overdue item, if any.
    """

    open_orders: Money = field(validator=[typed(Money), non_negative])
    delivered_not_invoiced: Money = field(validator=[typed(Money), non_negative])
    open_receivables: Money = field(validator=[typed(Money), non_negative])
    overdue_receivables: Money = field(validator=[typed(Money), non_negative])
    oldest_overdue_due: dt.date | None = field(default=None, validator=opt_date)

    def __attrs_post_init__(self) -> None:
        cur = self.open_orders.currency
        for name in ("delivered_not_invoiced", "open_receivables", "overdue_receivables"):
            if getattr(self, name).currency != cur:
                raise CurrencyMismatch(
                    f"all exposure amounts must be in {cur}", path=f"CreditExposure.{name}"
                )
        if self.overdue_receivables > self.open_receivables:
            raise InvalidInput(
                "cannot exceed open_receivables",
                path="CreditExposure.overdue_receivables",
                value=str(self.overdue_receivables),
            )
        if self.overdue_receivables.amount and self.oldest_overdue_due is None:
            raise InvalidInput(
                "is required when overdue_receivables is not zero",
                path="CreditExposure.oldest_overdue_due",
            )

    @classmethod
    def none(cls, currency: str) -> CreditExposure:
        """No exposure at all, in ``currency``."""
        z = Money.zero(currency)
        return cls(z, z, z, z, None)

    @property
    def currency(self) -> str:
        """The exposure's currency."""
        return self.open_orders.currency


@frozen
class PriceEntry:
    """One price in the price master (价格主数据), as the host knows it (S-IC 3.1–3.4).

    Finance maintains the price master from the group's pricing documents (统配、内部配置产品的
    定价文件) or from prices the subsidiary's price group approved (价格领导小组批准的价格).
    Controls O2C-PR-01..03 look up the entry valid for a line's product, currency and order date.

    Attributes:
        product_id: the product (material number) the price is for.
        price: the price per unit of the product.
        valid_from: first day the price applies.
        source_document: the pricing document or price-group approval the price comes from,
            e.g. ``"石化股份财价[2026]12号"`` or ``"PG-2026-007"``.
        valid_to: last day the price applies (inclusive); ``None``: until replaced.
        price_class: the kind of price: a pricing-document price for state-allocated or
            group-priced products, or a market price set by the price group.
        maintained_by: id of the price master-data maintainer who entered it (for O2C-SD-01).
        id: the entry's id in the host (condition record number), for evidence.
    """

    product_id: str = field(validator=text)
    price: Money = field(validator=[typed(Money), non_negative])
    valid_from: dt.date = field(validator=a_date)
    source_document: str = field(validator=text)
    valid_to: dt.date | None = field(default=None, validator=opt_date)
    price_class: PriceClass = field(default=PriceClass.MARKET, validator=typed(PriceClass))
    maintained_by: str | None = field(default=None, validator=opt_text)
    id: str | None = field(default=None, validator=opt_text)

    def __attrs_post_init__(self) -> None:
        if self.valid_to is not None and self.valid_to < self.valid_from:
            raise InvalidInput(
                "must not be before valid_from",
                path="PriceEntry.valid_to",
                value=self.valid_to.isoformat(),
            )

    def valid_on(self, day: dt.date) -> bool:
        """True when the price applies on ``day`` (both ends inclusive)."""
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)


class ConcessionKind(enum.Enum):
    """Kinds of promotion granted with an order (S-MK 5 销售促进; S-IC 1.1)."""

    #: A discount on the whole order (订单折扣); line discounts are ``OrderLine.list_price``.
    DISCOUNT = "discount"
    #: A rebate paid or credited to the customer later (返利).
    REBATE = "rebate"
    #: Goods given free (赠品), valued at their price.
    GIFT = "gift"
    #: A member offer (会员优惠).
    MEMBER_OFFER = "member_offer"


@frozen
class Concession:
    """A promotion granted with an order, valued in the order's currency (O2C-PR-05).

    Attributes:
        kind: discount, rebate, gift or member offer.
        value: what it gives away, in the order's currency (greater than zero).
        line_no: the order line it belongs to; ``None`` for the whole order.
        reference: the promotion, rebate agreement or member programme it comes from.
    """

    kind: ConcessionKind = field(validator=typed(ConcessionKind))
    value: Money = field(validator=[typed(Money), positive])
    line_no: int | None = field(default=None, validator=typed(int, optional=True))
    reference: str = field(default="", validator=typed(str))


@frozen
class ConcessionRecord:
    """A concession already granted to a customer (the history O2C-PR-05 accumulates).

    Attributes:
        order_id: the order it was granted with.
        customer_id: the customer.
        on: the order date.
        value: the total concession of that order (line discounts plus concessions).
        gross: the order's value before concessions, if known (for accumulated percentages).
    """

    order_id: str = field(validator=text)
    customer_id: str = field(validator=text)
    on: dt.date = field(validator=a_date)
    value: Money = field(validator=[typed(Money), non_negative])
    gross: Money | None = field(default=None, validator=typed(Money, optional=True))
