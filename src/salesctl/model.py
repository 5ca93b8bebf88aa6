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

from salesctl._validators import (
    FrozenMap,
    a_date,
    aware,
    decimal_conv,
    each,
    frozenmap_conv,
    frozenset_conv,
    mapping,
    non_negative,
    opt_aware,
    opt_date,
    opt_text,
    positive,
    ratio,
    text,
    tuple_conv,
    typed,
)
from salesctl.errors import CurrencyMismatch, InvalidInput
from salesctl.money import Money

__all__ = [
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
    "CreditProfile",
    "CreditRelease",
    "Customer",
    "DeliveryLine",
    "DeliveryMode",
    "DeliveryNotice",
    "DeliveryProof",
    "FrozenMap",
    "GoodsIssue",
    "Invoice",
    "InvoiceLine",
    "Opportunity",
    "OrderLine",
    "PaymentMethod",
    "PaymentTerms",
    "PipelineStage",
    "PlanKind",
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
    "Settlement",
    "SettlementStatus",
    "StockLot",
    "TemplateDeviation",
    "WorkOrder",
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


# -- fulfilment: delivery, goods issue, invoicing, settlement, revenue, receipts -----------
# (S-IC 5.1–6.1, S-K1 7–8 and 11, S-PM B–C, S-YF 9–11, S-FD; controls in
# salesctl.controls.delivery, .billing and .revenue)


def _same_currency(path: str, base: Money, *others: tuple[str, Money | None]) -> None:
    for name, m in others:
        if m is not None and m.currency != base.currency:
            raise CurrencyMismatch(f"must be in {base.currency}", path=f"{path}.{name}", value=str(m))


class DeliveryMode(enum.Enum):
    """How goods reach the customer; it decides what proves delivery (S-YF 9–11)."""

    #: The company's own driver: the customer signs the receipt copy (回执联).
    DIRECT = "direct"
    #: A logistics company: the outbound note is marked "物流送货" and the carrier's receipt
    #: (物流公司回单) is handed to finance.
    LOGISTICS = "logistics"
    #: Express or consignment freight (快递、托运): the waybill is matched with the receipt copy.
    COURIER = "courier"
    #: The customer collects (客户自提) and signs the customer copy.
    PICKUP = "pickup"


@frozen
class DeliveryLine:
    """One line of a delivery notice or a goods issue.

    Attributes:
        order_line: the sales-order line delivered (its ``line_no``).
        product_id: the product delivered.
        quantity: the quantity, greater than zero.
        lot_id: the stock lot picked (goods issues of lot-managed stock, O2C-DL-03, -05).
    """

    order_line: int = field(validator=[typed(int), positive])
    product_id: str = field(validator=text)
    quantity: Decimal = field(converter=decimal_conv, validator=positive)
    lot_id: str | None = field(default=None, validator=opt_text)


def _opt_non_negative_money(inst: Any, a: Any, value: Any) -> None:
    typed(Money, optional=True)(inst, a, value)
    if value is not None:
        non_negative(inst, a, value)


def _lines_present(path: str, lines: tuple[object, ...]) -> None:
    if not lines:
        raise InvalidInput("needs at least one line", path=path)


@frozen
class DeliveryNotice:
    """A delivery notice (发货通知单 / 发货单, S-IC 5.1, S-K1 8).

    Written by the sales office from an approved order or contract, signed by the sales
    manager, and valid until a stated date; the warehouse ships only against a valid notice.

    Attributes:
        id: document id.
        order_id: the sales order it delivers.
        lines: what to deliver (at least one line).
        issued_by: id of the actor who wrote it (the proposer; may not approve it).
        issued_on: the date it was written.
        valid_until: last day the warehouse may ship against it (有效期限); ``None`` when the
            notice states no validity period (O2C-DL-01 blocks it).
        contract_id: the contract the order executes, if any.
    """

    id: str = field(validator=text)
    order_id: str = field(validator=text)
    lines: tuple[DeliveryLine, ...] = field(converter=tuple_conv, validator=each(DeliveryLine))
    issued_by: str = field(validator=text)
    issued_on: dt.date = field(validator=a_date)
    valid_until: dt.date | None = field(default=None, validator=opt_date)
    contract_id: str | None = field(default=None, validator=opt_text)

    def __attrs_post_init__(self) -> None:
        _lines_present("DeliveryNotice.lines", self.lines)
        if self.valid_until is not None and self.valid_until < self.issued_on:
            raise InvalidInput(
                "must not be before issued_on",
                path="DeliveryNotice.valid_until",
                value=self.valid_until.isoformat(),
            )


@frozen
class StockLot:
    """A lot of finished goods on hand (S-K1 7, S-FD 二).

    Attributes:
        id: lot (batch) number.
        product_id: the product.
        quantity: quantity on hand before the transaction being checked.
        expires_on: last day the lot may be sold (``None``: no shelf life).
        qc_certificate: reference of the product certificate (产品合格证) the QC department
            issued when the lot entered stock; ``None`` when it entered without one.
        received_on: the day it entered stock.
    """

    id: str = field(validator=text)
    product_id: str = field(validator=text)
    quantity: Decimal = field(converter=decimal_conv, validator=non_negative)
    expires_on: dt.date | None = field(default=None, validator=opt_date)
    qc_certificate: str | None = field(default=None, validator=opt_text)
    received_on: dt.date | None = field(default=None, validator=opt_date)


@frozen
class GoodsIssue:
    """A goods issue (出库单; 发货过账 when posted, S-IC 6.1, S-K1 8, S-YF 9–10).

    Attributes:
        id: document id.
        order_id: the sales order delivered.
        customer_id: the customer delivered to.
        notice_id: the delivery notice it executes (``None``: none; O2C-DL-02 blocks it).
        lines: what leaves the warehouse, with the lots picked.
        issued_on: the date of the issue.
        posted: True once posted in the stock ledger (出库记账).
        gate_pass: reference of the gate pass (出门证) the goods leave on.
        mode: how the goods travel (direct, logistics, courier, pickup).
        carrier_ref: waybill or logistics-receipt number noted on the outbound note
            ("物流送货"), for logistics and courier deliveries.
        consignment: True for consignment stock (铺货) placed with a distributor: revenue
            follows the monthly settlement, not the shipment (S-YF 11).
    """

    id: str = field(validator=text)
    order_id: str = field(validator=text)
    customer_id: str = field(validator=text)
    notice_id: str | None = field(validator=opt_text)
    lines: tuple[DeliveryLine, ...] = field(converter=tuple_conv, validator=each(DeliveryLine))
    issued_on: dt.date = field(validator=a_date)
    posted: bool = field(default=False, validator=typed(bool))
    gate_pass: str | None = field(default=None, validator=opt_text)
    mode: DeliveryMode = field(default=DeliveryMode.DIRECT, validator=typed(DeliveryMode))
    carrier_ref: str | None = field(default=None, validator=opt_text)
    consignment: bool = field(default=False, validator=typed(bool))

    def __attrs_post_init__(self) -> None:
        _lines_present("GoodsIssue.lines", self.lines)


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
    product_id: str = field(validator=text)
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

    id: str = field(validator=text)
    order_id: str = field(validator=text)
    customer_id: str = field(validator=text)
    lines: tuple[InvoiceLine, ...] = field(converter=tuple_conv, validator=each(InvoiceLine))
    issued_by: str = field(validator=text)
    issued_on: dt.date = field(validator=a_date)
    contract_id: str | None = field(default=None, validator=opt_text)
    settlement_id: str | None = field(default=None, validator=opt_text)
    voided: bool = field(default=False, validator=typed(bool))
    total: Money = field(init=False, eq=False, repr=False)

    def __attrs_post_init__(self) -> None:
        _lines_present("Invoice.lines", self.lines)
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

    id: str = field(validator=text)
    order_id: str = field(validator=text)
    status: SettlementStatus = field(validator=typed(SettlementStatus))
    invoice_id: str | None = field(default=None, validator=opt_text)
    voucher_posted: bool = field(default=False, validator=typed(bool))

    def __attrs_post_init__(self) -> None:
        if self.voucher_posted and self.status is not SettlementStatus.CONFIRMED:
            raise InvalidInput(
                "only a confirmed settlement has a posted voucher",
                path="Settlement.voucher_posted",
                value=self.status.value,
            )


@frozen
class ContractAccount:
    """A contract's line in the contract ledger (合同台帐, S-K1 4, 11): its price and what the
    customer has paid on it so far.

    Attributes:
        value: the contract price.
        collected: the amount collected on the contract (货款回收), in the same currency.
    """

    value: Money = field(validator=[typed(Money), positive])
    collected: Money = field(validator=[typed(Money), non_negative])

    def __attrs_post_init__(self) -> None:
        _same_currency("ContractAccount", self.value, ("collected", self.collected))


class ProofKind(enum.Enum):
    """What proves that a delivery reached the customer (S-K1 8, S-YF 9–11)."""

    #: The customer signed the delivery (receipt) copy (客户联 / 回执联签收).
    CUSTOMER_SIGNED = "customer_signed"
    #: The logistics company's receipt (物流公司回单), or the express/freight waybill.
    LOGISTICS_RECEIPT = "logistics_receipt"


@frozen
class DeliveryProof:
    """Evidence that a goods issue was delivered, as handed back to finance (S-YF 9–10).

    Attributes:
        id: document id.
        goods_issue_id: the goods issue it proves.
        kind: a customer-signed copy or a logistics receipt.
        received_on: the day finance received it.
        signed_by: the customer's receiver who signed (customer-signed copies).
        carrier_ref: the waybill or receipt number (logistics receipts); it must match the
            number noted on the goods issue.
        discrepancy: True when the customer noted a difference in kind or quantity, or
            refused the goods (S-YF 9): not a clean sign-off.
    """

    id: str = field(validator=text)
    goods_issue_id: str = field(validator=text)
    kind: ProofKind = field(validator=typed(ProofKind))
    received_on: dt.date = field(validator=a_date)
    signed_by: str = field(default="", validator=typed(str))
    carrier_ref: str | None = field(default=None, validator=opt_text)
    discrepancy: bool = field(default=False, validator=typed(bool))

    def __attrs_post_init__(self) -> None:
        if self.kind is ProofKind.CUSTOMER_SIGNED and not self.signed_by.strip():
            raise InvalidInput(
                "a customer-signed copy names who signed", path="DeliveryProof.signed_by"
            )
        if self.kind is ProofKind.LOGISTICS_RECEIPT and self.carrier_ref is None:
            raise InvalidInput(
                "a logistics receipt carries its number", path="DeliveryProof.carrier_ref"
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

    id: str = field(validator=text)
    customer_id: str = field(validator=text)
    period_end: dt.date = field(validator=a_date)
    opening: Money = field(validator=[typed(Money), non_negative])
    counted: Money = field(validator=[typed(Money), non_negative])
    confirmed: bool = field(default=False, validator=typed(bool))
    settled: Money = field(init=False, eq=False, repr=False)

    def __attrs_post_init__(self) -> None:
        _same_currency("ConsignmentSettlement", self.opening, ("counted", self.counted))
        if self.counted > self.opening:
            raise InvalidInput(
                "cannot exceed opening", path="ConsignmentSettlement.counted", value=str(self.counted)
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

    id: str = field(validator=text)
    customer_id: str = field(validator=text)
    goods_issue_ids: tuple[str, ...] = field(converter=tuple_conv, validator=each(str))
    amount: Money = field(validator=[typed(Money), positive])
    booked_on: dt.date = field(validator=a_date)
    advance_offset: Money | None = field(default=None, validator=_opt_non_negative_money)
    consignment_settlement_id: str | None = field(default=None, validator=opt_text)

    def __attrs_post_init__(self) -> None:
        if not self.goods_issue_ids:
            raise InvalidInput("needs at least one goods issue", path="RevenueEntry.goods_issue_ids")
        _same_currency("RevenueEntry", self.amount, ("advance_offset", self.advance_offset))
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
    """

    id: str = field(validator=text)
    customer_id: str = field(validator=text)
    amount: Money = field(validator=[typed(Money), positive])
    received_on: dt.date = field(validator=a_date)
    to_receivables: Money = field(validator=[typed(Money), non_negative])
    contract_id: str | None = field(default=None, validator=opt_text)

    def __attrs_post_init__(self) -> None:
        _same_currency("Receipt", self.amount, ("to_receivables", self.to_receivables))
        if self.to_receivables > self.amount:
            raise InvalidInput(
                "cannot exceed amount", path="Receipt.to_receivables", value=str(self.to_receivables)
            )

    @property
    def to_advance(self) -> Money:
        """The part recorded as an advance receipt (``amount − to_receivables``)."""
        return self.amount - self.to_receivables


# -- the sales flow: quotation, contract, production, commission, service, pipeline ----------


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

    id: str = field(validator=text)
    customer_id: str = field(validator=text)
    lines: tuple[QuotationLine, ...] = field(converter=tuple_conv, validator=each(QuotationLine))
    created_by: str = field(validator=text)
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
                    "duplicate line number", path=f"Quotation.lines[{i}].line_no", value=line.line_no
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


class ContractForm(enum.Enum):
    """The form a sales contract takes (S-IC 4.1, S-K1 3)."""

    #: A written contract text (文本合同), signed and sealed.
    WRITTEN = "written"
    #: An electronic contract (data message); counts as written only if the policy says so.
    ELECTRONIC = "electronic"
    #: An oral agreement, or none beyond the order itself.
    ORAL = "oral"


class TemplateDeviation(enum.Enum):
    """How a contract departs from the legal-approved template (S-IC 4.1)."""

    #: The template as approved.
    NONE = "none"
    #: Textual changes (文字性修改): reviewed by the same-level legal function.
    TEXTUAL = "textual"
    #: Substantive changes (实质性修改) to rights and obligations: reviewed by HQ legal.
    SUBSTANTIVE = "substantive"


class ContractStatus(enum.Enum):
    """Where a sales contract stands."""

    #: Drafted, not yet signed (the state a contract is in when :class:`SignContract` asks).
    DRAFT = "draft"
    #: Approved and signed (合同签批): production, delivery and commission may rest on it.
    SIGNED = "signed"
    #: Performed and closed.
    CLOSED = "closed"
    #: Cancelled or terminated.
    CANCELLED = "cancelled"


@frozen
class Contract:
    """A sales contract (销售合同, S-IC 4.1, S-K1 2–3).

    Drafted from the contract application (合同申报单) by the sales office on the
    legal-approved template, approved, co-signed by finance and then signed.

    Attributes:
        id: document id.
        customer_id: the customer.
        amount: the contract price.
        payment: payment method and credit days agreed.
        created_by: id of the actor who drafted it (the proposer; may not approve it).
        status: draft, signed, closed or cancelled.
        form: written, electronic or oral (O2C-CT-01).
        template_id: the legal-approved template it was drafted on (``None``: no template).
        deviation: how it departs from the template (O2C-CT-02).
        application_id: the contract application (合同申报单) it rests on (O2C-CT-03).
        sales_policy_ref: the sales policy (销售政策) the application relies on (S-K1 1–2).
        order_id: the customer order it confirms, if any.
        signed_on: the day it was signed (``None`` for a draft).
        first_payment: the first instalment (首期款) agreed, if any (O2C-SV-01).
        lines: what is sold (optional; production orders are checked against it when given).
    """

    id: str = field(validator=text)
    customer_id: str = field(validator=text)
    amount: Money = field(validator=[typed(Money), positive])
    payment: PaymentTerms = field(validator=typed(PaymentTerms))
    created_by: str = field(validator=text)
    status: ContractStatus = field(default=ContractStatus.DRAFT, validator=typed(ContractStatus))
    form: ContractForm = field(default=ContractForm.WRITTEN, validator=typed(ContractForm))
    template_id: str | None = field(default=None, validator=opt_text)
    deviation: TemplateDeviation = field(
        default=TemplateDeviation.NONE, validator=typed(TemplateDeviation)
    )
    application_id: str | None = field(default=None, validator=opt_text)
    sales_policy_ref: str | None = field(default=None, validator=opt_text)
    order_id: str | None = field(default=None, validator=opt_text)
    signed_on: dt.date | None = field(default=None, validator=opt_date)
    first_payment: Money | None = field(default=None, validator=typed(Money, optional=True))
    lines: tuple[OrderLine, ...] = field(default=(), converter=tuple_conv, validator=each(OrderLine))

    def __attrs_post_init__(self) -> None:
        cur = self.amount.currency
        if self.first_payment is not None:
            if self.first_payment.currency != cur:
                raise CurrencyMismatch(
                    f"must be in {cur}", path="Contract.first_payment", value=str(self.first_payment)
                )
            if not self.first_payment.amount > 0 or self.first_payment > self.amount:
                raise InvalidInput(
                    "must be above zero and not above amount",
                    path="Contract.first_payment",
                    value=str(self.first_payment),
                )
        seen: set[int] = set()
        for i, line in enumerate(self.lines):
            if line.unit_price.currency != cur:
                raise CurrencyMismatch(
                    f"must be in {cur}", path=f"Contract.lines[{i}].unit_price",
                    value=line.unit_price.currency,
                )
            if line.line_no in seen:
                raise InvalidInput(
                    "duplicate line number", path=f"Contract.lines[{i}].line_no", value=line.line_no
                )
            seen.add(line.line_no)

    @property
    def is_signed(self) -> bool:
        """True when the contract is approved and signed (and not cancelled or closed)."""
        return self.status is ContractStatus.SIGNED


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

    id: str = field(validator=text)
    prepared_by: str = field(validator=text)
    prepared_on: dt.date = field(validator=a_date)
    contract_id: str | None = field(default=None, validator=opt_text)
    order_id: str | None = field(default=None, validator=opt_text)
    approved_by: tuple[str, ...] = field(default=(), converter=tuple_conv, validator=each(str))
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


@frozen
class ProductionLine:
    """One line of a production order.

    Attributes:
        line_no: line number, unique within the production order.
        product: the product to make.
        quantity: the quantity to make, greater than zero.
    """

    line_no: int = field(validator=[typed(int), positive])
    product: Product = field(validator=typed(Product))
    quantity: Decimal = field(converter=decimal_conv, validator=positive)


@frozen
class ProductionOrder:
    """A production order / production notice (下生产订单, 生产通知单; S-FT, S-K1 6).

    Compiled by the planning section from the contract and signed by the sales VP.

    Attributes:
        id: document id.
        lines: what to make (at least one line).
        issued_by: id of the actor who compiled it (the proposer; may not sign it).
        issued_on: the day it is issued.
        contract_id: the contract it rests on (``None``: none; O2C-SO-06 blocks it).
        order_id: the customer order it fulfils, if any.
        business_approval_id: the business approval form (业务审核表) it follows.
    """

    id: str = field(validator=text)
    lines: tuple[ProductionLine, ...] = field(converter=tuple_conv, validator=each(ProductionLine))
    issued_by: str = field(validator=text)
    issued_on: dt.date = field(validator=a_date)
    contract_id: str | None = field(default=None, validator=opt_text)
    order_id: str | None = field(default=None, validator=opt_text)
    business_approval_id: str | None = field(default=None, validator=opt_text)

    def __attrs_post_init__(self) -> None:
        if not self.lines:
            raise InvalidInput("needs at least one line", path="ProductionOrder.lines")
        seen: set[int] = set()
        for i, line in enumerate(self.lines):
            if line.line_no in seen:
                raise InvalidInput(
                    "duplicate line number",
                    path=f"ProductionOrder.lines[{i}].line_no",
                    value=line.line_no,
                )
            seen.add(line.line_no)


@frozen
class CommissionClaim:
    """A salesperson's commission slip (业务员个人提成单, S-K1 9).

    Attributes:
        id: document id.
        salesperson_id: the salesperson to be paid.
        amount: the commission claimed now.
        rate: the commission rate on amounts collected (a fraction: 3 % is ``0.03``).
        prepared_by: id of the actor who filled it in (the sales office).
        prepared_on: the day it was filled in.
        contract_id: the contract the commission is earned on (``None``: none; O2C-CM-01
            blocks it — no contract, no commission).
    """

    id: str = field(validator=text)
    salesperson_id: str = field(validator=text)
    amount: Money = field(validator=[typed(Money), positive])
    rate: Decimal = field(converter=decimal_conv, validator=ratio)
    prepared_by: str = field(validator=text)
    prepared_on: dt.date = field(validator=a_date)
    contract_id: str | None = field(default=None, validator=opt_text)


@frozen
class WorkOrder:
    """A work order for follow-on service to a customer (接续派工单, S-K1 10).

    Attributes:
        id: document id.
        customer_id: the customer served.
        issued_by: id of the actor who issued it (the sales office; may not approve it).
        scheduled_on: the day the work is scheduled.
        contract_id: the contract the service belongs to (``None``: none; O2C-SV-01 then
            cannot see the first payment and blocks).
        description: what is to be done.
    """

    id: str = field(validator=text)
    customer_id: str = field(validator=text)
    issued_by: str = field(validator=text)
    scheduled_on: dt.date = field(validator=a_date)
    contract_id: str | None = field(default=None, validator=opt_text)
    description: str = field(default="", validator=typed(str))


class PipelineStage(enum.Enum):
    """The stages of the selling pipeline, in order (S-PS)."""

    #: A lead: someone who might buy (寻找潜在顾客).
    LEAD = "lead"
    #: A qualified prospect: both willing to buy and able to pay (潜在顾客).
    QUALIFIED = "qualified"
    #: Needs understood and recorded (了解客户需求, 需求分析).
    NEEDS = "needs"
    #: Proposal or solution presented (描述产品, 销售方案制定).
    PROPOSAL = "proposal"
    #: Quotation and negotiation (报价与谈判).
    QUOTE = "quote"
    #: Contract signed (签订合同).
    CONTRACT = "contract"
    #: Order fulfilled and delivered (订单执行, 交付).
    FULFIL = "fulfil"
    #: After-sales service (售后服务).
    AFTER_SALES = "after_sales"
    #: Follow-up visit and review (回访, 满意度调查).
    REVIEW = "review"

    @property
    def index(self) -> int:
        """The stage's position in the pipeline (0 for ``LEAD``)."""
        return _STAGE_ORDER.index(self)


_STAGE_ORDER: tuple[PipelineStage, ...] = tuple(PipelineStage)


def _artefacts(inst: Any, a: Any, value: Any) -> None:
    mapping(inst, a, value)
    for k, v in value.items():
        if not isinstance(k, str) or not k.strip() or not isinstance(v, str) or not v.strip():
            raise InvalidInput(
                "must map artefact kinds to non-empty document references",
                path=f"Opportunity.artefacts.{k}",
                value=v,
            )


@frozen
class Opportunity:
    """A sales opportunity moving through the pipeline (S-PS).

    Attributes:
        id: opportunity id.
        prospect: the prospect or customer (name or customer id).
        owner: id of the salesperson who owns it.
        stage: the stage it is in now.
        willing_to_buy: the prospect wants to buy (愿意购买); ``None``: not assessed.
        able_to_pay: the prospect can pay (有支付能力); ``None``: not assessed.
        artefacts: the documents produced so far, ``kind -> reference``, e.g.
            ``{"needs_analysis": "NA-7", "quotation": "QT-12"}``.
    """

    id: str = field(validator=text)
    prospect: str = field(validator=text)
    owner: str = field(validator=text)
    stage: PipelineStage = field(validator=typed(PipelineStage))
    willing_to_buy: bool | None = field(default=None, validator=typed(bool, optional=True))
    able_to_pay: bool | None = field(default=None, validator=typed(bool, optional=True))
    artefacts: FrozenMap[str, str] = field(
        default=FrozenMap(), converter=frozenmap_conv, validator=_artefacts
    )


# -- planning (S-IC 1.2, S-CP 3.1.3–3.1.4★) ------------------------------------------------


class PlanKind(enum.Enum):
    """The kinds of sales plan and who approves them (S-IC 1.2)."""

    #: Monthly plan: reviewed by the head of marketing (营销部门负责人), then approved.
    MONTHLY = "monthly"
    #: Annual plan: approved by the subsidiary's manager (分(子)公司经理).
    ANNUAL = "annual"


@frozen
class SalesPlan:
    """A sales plan (产品销售计划) prepared from orders, production plan and stock (S-CP 3.1.3).

    Attributes:
        id: plan id.
        kind: monthly or annual.
        start: first day the plan covers.
        end: last day the plan covers.
        amount: planned sales.
        prepared_by: id of the person who prepared it (may not approve it).
        major: the host flags it as particularly major (特别重大, S-CP 3.1.4★); plans at or
            above the policy's threshold are major as well.
    """

    id: str = field(validator=text)
    kind: PlanKind = field(validator=typed(PlanKind))
    start: dt.date = field(validator=a_date)
    end: dt.date = field(validator=a_date)
    amount: Money = field(validator=[typed(Money), positive])
    prepared_by: str = field(validator=text)
    major: bool = field(default=False, validator=typed(bool))

    def __attrs_post_init__(self) -> None:
        if self.end < self.start:
            raise InvalidInput(
                "must not be before start", path="SalesPlan.end", value=self.end.isoformat()
            )
