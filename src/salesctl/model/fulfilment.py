"""Making and delivering: production orders, delivery notices, stock lots, goods issues,
delivery proofs, follow-on service work orders, and the pickup orders and IC cards centrally sold
products leave against (S-IC 1.1, 2.3, 5.1–6.1, S-K1 6–8, 10, S-YF 9–11, S-FD; controls in
:mod:`salesctl.controls.delivery` and :mod:`salesctl.controls.revenue`)."""

from __future__ import annotations

import datetime as dt
import enum
from decimal import Decimal

from attrs import field, frozen

from salesctl._validators import (
    a_date,
    decimal_conv,
    each,
    ident,
    non_negative,
    opt_date,
    opt_ident,
    opt_text,
    positive,
    tuple_conv,
    typed,
)
from salesctl.errors import InvalidInput
from salesctl.model._checks import lines_present
from salesctl.model.pricing import Product
from salesctl.money import Money

__all__ = [
    "DeliveryLine",
    "DeliveryMode",
    "DeliveryNotice",
    "DeliveryProof",
    "GoodsIssue",
    "ICCard",
    "LineFacts",
    "PickupOrder",
    "ProductionLine",
    "ProductionOrder",
    "ProofKind",
    "StockLot",
    "WorkOrder",
    "line_facts",
]


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

    id: str = field(validator=ident)
    lines: tuple[ProductionLine, ...] = field(converter=tuple_conv, validator=each(ProductionLine))
    issued_by: str = field(validator=ident)
    issued_on: dt.date = field(validator=a_date)
    contract_id: str | None = field(default=None, validator=opt_ident)
    order_id: str | None = field(default=None, validator=opt_ident)
    business_approval_id: str | None = field(default=None, validator=opt_ident)

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
    product_id: str = field(validator=ident)
    quantity: Decimal = field(converter=decimal_conv, validator=positive)
    lot_id: str | None = field(default=None, validator=opt_ident)


class LineFacts:
    """What the delivery controls' pass paths ask of a notice's or a goods issue's lines,
    worked out once, when the document is built (O2C-DL-02 … -05; ``tests/test_performance.py``
    pins every answer they give to the full checks).

    Each fact is ``None`` (or empty) when the lines are not all well-formed
    :class:`DeliveryLine` values of the expected types — a document assembled with its
    validators disabled — so that no shortcut is taken on them.

    Attributes:
        keys: ``(order_line, product_id)`` of every line, in order.
        increasing: the order lines are strictly increasing.
        lot_ids: the lots picked (``None`` among them when a line names none).
        pairs: ``(lot_id, product_id)`` of every line.
        once: no lot is picked on two lines (and every line names one).
        qmax: the largest quantity, when every quantity is a finite ``Decimal``.
        qmin: the smallest quantity, likewise.
        qsize: the largest size (``Decimal.adjusted()``) of a quantity, likewise.
    """

    __slots__ = ("increasing", "keys", "lot_ids", "once", "pairs", "qmax", "qmin", "qsize")

    def __init__(self, lines: tuple[DeliveryLine, ...]) -> None:
        self.keys: tuple[tuple[int, str], ...] = ()
        self.increasing = False
        self.lot_ids: frozenset[str | None] = frozenset()
        self.pairs: frozenset[tuple[str | None, str]] = frozenset()
        self.once = False
        self.qmax: Decimal | None = None
        self.qmin: Decimal | None = None
        self.qsize: int | None = None
        if type(lines) is not tuple or not lines:
            return
        for ln in lines:
            if type(ln) is not DeliveryLine or type(ln.order_line) is not int:
                return
        self.keys = tuple([(ln.order_line, ln.product_id) for ln in lines])
        last = 0
        for no, _p in self.keys:
            if no <= last:
                break
            last = no
        else:
            self.increasing = True
        self.lot_ids = frozenset([ln.lot_id for ln in lines])
        self.pairs = frozenset([(ln.lot_id, ln.product_id) for ln in lines])
        self.once = None not in self.lot_ids and len(self.lot_ids) == len(lines)
        qs = [ln.quantity for ln in lines]
        for q in qs:
            if type(q) is not Decimal or not q.is_finite():
                return
        self.qmax = max(qs)
        self.qmin = min(qs)
        self.qsize = max([q.adjusted() for q in qs])


def line_facts(doc: DeliveryNotice | GoodsIssue) -> LineFacts:
    """The :class:`LineFacts` of a notice's or goods issue's lines: built once with the
    document; a document assembled without its constructor, or held without them (``None``:
    the replay's ledger keeps its documents so), gets them built here, each call."""
    try:
        facts = doc._facts
    except AttributeError:
        return LineFacts(doc.lines)
    return facts if facts is not None else LineFacts(doc.lines)


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

    id: str = field(validator=ident)
    order_id: str = field(validator=ident)
    lines: tuple[DeliveryLine, ...] = field(converter=tuple_conv, validator=each(DeliveryLine))
    issued_by: str = field(validator=ident)
    issued_on: dt.date = field(validator=a_date)
    valid_until: dt.date | None = field(default=None, validator=opt_date)
    contract_id: str | None = field(default=None, validator=opt_ident)
    # -- derived once, at construction (not part of the value: equality, hash, repr, JSON) --
    _facts: LineFacts | None = field(init=False, eq=False, repr=False, hash=False)

    def __attrs_post_init__(self) -> None:
        lines_present("DeliveryNotice.lines", self.lines)
        object.__setattr__(self, "_facts", LineFacts(self.lines))
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

    id: str = field(validator=ident)
    product_id: str = field(validator=ident)
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
        pickup_order_id: the pickup order (提货单) the goods leave against, for centrally sold
            products (S-IC 5.1, 6.1; O2C-DL-07); used once.
        ic_card_id: the customer's prepaid IC card the goods leave against instead of a pickup
            order (O2C-DL-07).
    """

    id: str = field(validator=ident)
    order_id: str = field(validator=ident)
    customer_id: str = field(validator=ident)
    notice_id: str | None = field(validator=opt_ident)
    lines: tuple[DeliveryLine, ...] = field(converter=tuple_conv, validator=each(DeliveryLine))
    issued_on: dt.date = field(validator=a_date)
    posted: bool = field(default=False, validator=typed(bool))
    gate_pass: str | None = field(default=None, validator=opt_text)
    mode: DeliveryMode = field(default=DeliveryMode.DIRECT, validator=typed(DeliveryMode))
    carrier_ref: str | None = field(default=None, validator=opt_text)
    consignment: bool = field(default=False, validator=typed(bool))
    pickup_order_id: str | None = field(default=None, validator=opt_ident)
    ic_card_id: str | None = field(default=None, validator=opt_ident)
    # -- derived once, at construction (not part of the value: equality, hash, repr, JSON) --
    _facts: LineFacts | None = field(init=False, eq=False, repr=False, hash=False)

    def __attrs_post_init__(self) -> None:
        lines_present("GoodsIssue.lines", self.lines)
        object.__setattr__(self, "_facts", LineFacts(self.lines))


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

    id: str = field(validator=ident)
    goods_issue_id: str = field(validator=ident)
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

    id: str = field(validator=ident)
    customer_id: str = field(validator=ident)
    issued_by: str = field(validator=ident)
    scheduled_on: dt.date = field(validator=a_date)
    contract_id: str | None = field(default=None, validator=opt_ident)
    description: str = field(default="", validator=typed(str))


@frozen
class PickupOrder:
    """A pickup order (提货单) for a centrally sold product (集中销售化工产品, S-IC 1.1, 5.1, 6.1).

    The regional chemical sales branch (化工销售区域分公司) sells the product and gives the
    customer a pickup order; the plant's marketing department confirms it and the warehouse
    loads against it. It is good for one pickup, of at most its quantity, until its expiry
    (O2C-DL-07).

    Attributes:
        id: the pickup order number (compared without regard to case).
        customer_id: the customer entitled to collect.
        product_id: the product it releases.
        quantity: the most it releases, greater than zero.
        issued_on: the day it was issued (goods may leave against it from that day).
        valid_until: the last day goods may leave against it (inclusive).
        issued_by: who issued it (the regional branch or its resident staff), if recorded.
    """

    id: str = field(validator=ident)
    customer_id: str = field(validator=ident)
    product_id: str = field(validator=ident)
    quantity: Decimal = field(converter=decimal_conv, validator=positive)
    issued_on: dt.date = field(validator=a_date)
    valid_until: dt.date = field(validator=a_date)
    issued_by: str | None = field(default=None, validator=opt_ident)

    def __attrs_post_init__(self) -> None:
        if self.valid_until < self.issued_on:
            raise InvalidInput(
                "must not be before issued_on",
                path="PickupOrder.valid_until",
                value=self.valid_until.isoformat(),
            )


@frozen
class ICCard:
    """A customer's prepaid IC card for centrally sold products (IC 卡, S-IC 5.1; O2C-DL-07).

    Attributes:
        id: the card number (compared without regard to case).
        customer_id: the customer holding it.
        balance: the prepaid balance before the transaction being checked (not negative).
    """

    id: str = field(validator=ident)
    customer_id: str = field(validator=ident)
    balance: Money = field(validator=[typed(Money), non_negative])
