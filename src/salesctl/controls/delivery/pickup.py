"""The delivery family's check of centrally sold products (O2C-DL-07), run by the gate.

Centrally sold chemicals (集中销售化工产品, S-IC 1.1) are sold by the regional chemical sales
branch; the plant ships them against the pickup order (提货单) or IC card (IC 卡) that branch
provides (S-IC 5.1 对于集中销售的化工产品,分公司营销部门应及时确认相关化工销售区域分公司提供的
提货单(或IC卡); 6.1 清点装货数量与有效发货通知单(提货单)一致后…发货过账). Which products are
centrally sold is policy (``[delivery] centrally_sold``).

Ids of pickup orders and cards are compared without regard to case
(:func:`~salesctl._validators.person_key`; surrounding whitespace is refused where they enter),
so that ``"po-7"`` is the used pickup order ``"PO-7"``. Dates are the business date
``ctx.as_of`` (the transaction's date in the policy's time zone): a pickup order is good on its
``valid_until`` day and not the day after.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from salesctl._validators import person_key
from salesctl.context import Context
from salesctl.controls.delivery.policy import DeliveryPolicy
from salesctl.decision import Finding, Outcome, finding
from salesctl.errors import CurrencyMismatch
from salesctl.model import DeliveryLine, GoodsIssue, ICCard, PickupOrder
from salesctl.money import Money
from salesctl.transactions import PostGoodsIssue, Transaction

__all__ = ["check_pickup", "cited_pickup_order", "pickup_order_used"]

_CID = "O2C-DL-07"
_NONE: tuple[Finding, ...] = ()
_BLOCK = Outcome.BLOCK


def pickup_order_used(pickup_id: str, ctx: Context, *, exclude: str | None = None) -> str | None:
    """Whether the context shows pickup order ``pickup_id`` used already.

    Args:
        pickup_id: the pickup order's id (compared without regard to case).
        ctx: the context: its ``consumed_pickup_orders`` and its posted goods issues.
        exclude: a goods issue id not to count (the one being checked).

    Returns:
        The goods issue that used it (``"-"`` when only the consumed list says so), or
        ``None`` when it is unused.
    """
    key = person_key(pickup_id)
    for g in ctx.goods_issues:
        if (
            g.posted
            and g.id != exclude
            and g.pickup_order_id is not None
            and person_key(g.pickup_order_id) == key
        ):
            return g.id
    if any(person_key(x) == key for x in ctx.consumed_pickup_orders):
        return "-"
    return None


def cited_pickup_order(txn: Transaction) -> str | None:
    """The pickup order a transaction uses up when it is allowed: the one a goods issue cites
    (``None`` for any other transaction, or a goods issue citing none). What the journal
    records as used with the decision (``Control.consumes``: ``"pickup_order"``)."""
    if isinstance(txn, PostGoodsIssue):
        return txn.goods_issue.pickup_order_id
    return None


def _find(docs: Iterable[PickupOrder | ICCard], doc_id: str) -> PickupOrder | ICCard | None:
    key = person_key(doc_id)
    return next((x for x in docs if person_key(x.id) == key), None)


def check_pickup(txn: Transaction, ctx: Context, policy: DeliveryPolicy) -> tuple[Finding, ...]:
    """O2C-DL-07: a goods issue of centrally sold products leaves only against a valid pickup
    order — on hand, of the same customer and product, issued and not expired on the business
    date, never used before, covering the quantity — or against the customer's IC card whose
    prepaid balance covers the value shipped (at the order's prices). Naming neither, or
    both, blocks; so does anything that cannot be verified (fails closed)."""
    assert isinstance(txn, PostGoodsIssue)
    gi = txn.goods_issue
    central = policy.centrally_sold
    if not central:
        return _NONE
    lines = tuple(ln for ln in gi.lines if ln.product_id in central)
    if not lines:
        return _NONE
    products = sorted({ln.product_id for ln in lines})
    if gi.pickup_order_id is None and gi.ic_card_id is None:
        return (
            finding(
                _CID,
                _BLOCK,
                "delivery.pickup_missing",
                params={"goods_issue": gi.id, "products": ", ".join(products)},
                facts={"centrally_sold": products},
            ),
        )
    if gi.pickup_order_id is not None and gi.ic_card_id is not None:
        return (
            finding(
                _CID,
                _BLOCK,
                "delivery.pickup_and_card",
                params={
                    "goods_issue": gi.id,
                    "pickup": gi.pickup_order_id,
                    "card": gi.ic_card_id,
                },
            ),
        )
    if gi.pickup_order_id is not None:
        return _pickup(gi, gi.pickup_order_id, lines, ctx)
    assert gi.ic_card_id is not None
    return _card(txn, gi.ic_card_id, lines, ctx)


def _pickup(
    gi: GoodsIssue, pickup_id: str, lines: tuple[DeliveryLine, ...], ctx: Context
) -> tuple[Finding, ...]:
    po = _find(ctx.pickup_orders, pickup_id)
    if not isinstance(po, PickupOrder):
        return (
            finding(
                _CID,
                _BLOCK,
                "delivery.pickup_unknown",
                params={"goods_issue": gi.id, "pickup": pickup_id},
            ),
        )
    out: list[Finding] = []
    used_by = pickup_order_used(po.id, ctx, exclude=gi.id)
    if used_by is not None:
        out.append(
            finding(
                _CID,
                _BLOCK,
                "delivery.pickup_consumed" if used_by == "-" else "delivery.pickup_used",
                params={"pickup": po.id, "used_by": used_by},
                facts={"pickup": po.id, "cited_as": pickup_id, "used_by": used_by},
            )
        )
    if po.customer_id != gi.customer_id:
        out.append(
            finding(
                _CID,
                _BLOCK,
                "delivery.pickup_other_customer",
                params={"pickup": po.id, "holder": po.customer_id, "customer": gi.customer_id},
            )
        )
    if po.issued_on > ctx.as_of or po.valid_until < ctx.as_of:
        out.append(
            finding(
                _CID,
                _BLOCK,
                "delivery.pickup_expired",
                params={
                    "pickup": po.id,
                    "issued_on": po.issued_on,
                    "valid_until": po.valid_until,
                    "business_date": ctx.as_of,
                },
                facts={
                    "issued_on": po.issued_on,
                    "valid_until": po.valid_until,
                    "business_date": ctx.as_of,
                },
            )
        )
    qty = Decimal(0)
    for ln in lines:
        if ln.product_id != po.product_id:
            out.append(
                finding(
                    _CID,
                    _BLOCK,
                    "delivery.pickup_product",
                    params={
                        "pickup": po.id,
                        "line": ln.order_line,
                        "product": ln.product_id,
                        "expected": po.product_id,
                    },
                )
            )
        else:
            qty += ln.quantity
    if qty > po.quantity:
        out.append(
            finding(
                _CID,
                _BLOCK,
                "delivery.pickup_over",
                params={"pickup": po.id, "quantity": qty, "allowed": po.quantity},
                facts={"pickup_quantity": po.quantity, "this_issue": qty},
            )
        )
    return tuple(out)


def _card(
    txn: PostGoodsIssue, card_id: str, lines: tuple[DeliveryLine, ...], ctx: Context
) -> tuple[Finding, ...]:
    gi = txn.goods_issue
    card = _find(ctx.ic_cards, card_id)
    if not isinstance(card, ICCard):
        return (
            finding(
                _CID,
                _BLOCK,
                "delivery.card_unknown",
                params={"goods_issue": gi.id, "card": card_id},
            ),
        )
    out: list[Finding] = []
    if card.customer_id != gi.customer_id:
        out.append(
            finding(
                _CID,
                _BLOCK,
                "delivery.card_other_customer",
                params={"card": card.id, "holder": card.customer_id, "customer": gi.customer_id},
            )
        )
    prices = {ln.line_no: ln.unit_price for ln in txn.order.lines}
    value = Money.zero(txn.order.currency)
    for ln in lines:
        price = prices.get(ln.order_line)
        if price is None:
            out.append(
                finding(
                    _CID,
                    _BLOCK,
                    "delivery.card_no_price",
                    params={"card": card.id, "line": ln.order_line, "order": txn.order.id},
                )
            )
            continue
        value = value + price.times(ln.quantity)
    try:
        due = ctx.convert(value, card.balance.currency)
    except CurrencyMismatch:
        out.append(
            finding(
                _CID,
                _BLOCK,
                "delivery.card_currency",
                params={"card": card.id, "currency": card.balance.currency, "value": value},
            )
        )
        return tuple(out)
    if due > card.balance:
        out.append(
            finding(
                _CID,
                _BLOCK,
                "delivery.card_short",
                params={
                    "card": card.id,
                    "value": due,
                    "balance": card.balance,
                    "short": due - card.balance,
                },
                facts={"balance": card.balance, "value_shipped": due},
            )
        )
    return tuple(out)
