"""Delivery: delivery notices and goods issues (发货通知与出库).

Source: the group manual S-IC 5.1 (营销部门根据已经签订的购销合同或客户到款情况在ERP系统维护
销售订单和销量容差,开具发货通知单,必须注明有效期限;超出规定信用额度的须重新履行审批程序,
或经批准后由财务部门信用主数据维护员在系统中一次性释放冻结的订单) and 6.1 (验货人员清点装货
数量与有效发货通知单一致后,由发货人员核准发货、开具出门证,并依据发货通知单在ERP系统中发货
过账); the contract flow S-K1 7 (产成品由质检科出具产品合格证办理入库) and 8 (发货单由销售业务科
填写,销售部经理签批;仓库依据发货单办理出库、保卫依据出门证登记出厂); the food-trading flow
S-FD 二 (按种类、保质期分类存放;快到期的先卖). Guideline 9 art. 7 (and art. 5 for credit).

Controls: O2C-DL-01 (delivery notice from an approved order or contract, approved by the
sales manager, with a validity period, within the order's quantities and tolerance),
O2C-DL-02 (goods issue against a valid, unexpired, approved notice, within the tolerance),
O2C-DL-03 (gate pass; lots entered stock with a QC certificate), O2C-DL-04 (credit re-checked
at notice and goods issue, with the credit family's own helpers and parameters), O2C-DL-05
(expired lots never shipped; near-expiry lots first, FEFO).

Dates are the context's business date ``ctx.as_of``. Quantities are compared per sales-order
line; the tolerance is a fraction (``0.03`` allows 3 % over the ordered or notified quantity).

>>> from salesctl.controls.delivery import DeliveryPolicy
>>> DeliveryPolicy().approval_role, DeliveryPolicy().max_validity_days
('sales_manager', 30)
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

import attrs
from attrs import field, frozen

from salesctl._validators import decimal_conv, non_negative, ratio, text, typed
from salesctl.context import Context
from salesctl.control import Assertion, Automation, Control, Family, Frequency, Kind
from salesctl.controls.credit import (
    CreditPolicy,
    check_credit_days,
    consumes_credit,
    exposure_total,
    release_for,
    release_problem,
)
from salesctl.decision import ApprovalRequirement, Finding, Outcome
from salesctl.model import DeliveryLine, GoodsIssue, SalesOrder, StockLot
from salesctl.money import Money
from salesctl.transactions import IssueDeliveryNotice, PostGoodsIssue, Transaction

__all__ = [
    "FAMILY",
    "DeliveryPolicy",
    "check_delivery_credit",
    "check_expiry",
    "check_gate_pass_and_qc",
    "check_goods_issue_notice",
    "check_notice",
    "delivery_value",
]

_NONE: tuple[Finding, ...] = ()


# -- policy ---------------------------------------------------------------------------------


@frozen
class DeliveryPolicy:
    """Parameters of the delivery family (``[delivery]`` in the policy file).

    Attributes:
        approval_role: who signs a delivery notice (S-K1 8: 销售部经理签批; O2C-DL-01).
        approval_level: the authority level that signature needs.
        max_validity_days: the longest validity period a notice may state, in days from its
            issue date (O2C-DL-01).
        quantity_tolerance: how far, as a fraction, a notice may exceed the order line and a
            goods issue the notice line (销量容差; O2C-DL-01, -02). ``0`` means exactly.
        require_qc_certificate: goods may leave only from lots that entered stock with a QC
            certificate (O2C-DL-03).
        min_remaining_days: a lot with fewer days of shelf life left is treated as expired and
            never shipped; ``0`` allows shipping on the expiry day itself (O2C-DL-05).
        near_expiry_days: a lot within this many days of its expiry date is near expiry and
            must ship before later-expiring lots of the product (O2C-DL-05).
        strict_fefo: when true, every earlier-expiring lot must ship first, near expiry or
            not (first-expired, first-out).
        fefo_override_role: who may approve shipping a later lot first (O2C-DL-05).
        fefo_override_level: the authority level that approval needs.
        credit: the credit family's parameters, bound by the gate from the policy in force
            (``[credit]``); not a key of ``[delivery]`` (O2C-DL-04).
    """

    approval_role: str = field(default="sales_manager", validator=text)
    approval_level: int = field(default=2, validator=[typed(int), non_negative])
    max_validity_days: int = field(default=30, validator=[typed(int), non_negative])
    quantity_tolerance: Decimal = field(
        default=Decimal("0.03"), converter=decimal_conv, validator=ratio
    )
    require_qc_certificate: bool = field(default=True, validator=typed(bool))
    min_remaining_days: int = field(default=0, validator=[typed(int), non_negative])
    near_expiry_days: int = field(default=30, validator=[typed(int), non_negative])
    strict_fefo: bool = field(default=False, validator=typed(bool))
    fefo_override_role: str = field(default="warehouse_manager", validator=text)
    fefo_override_level: int = field(default=2, validator=[typed(int), non_negative])
    credit: CreditPolicy = field(init=False, factory=CreditPolicy, eq=False, repr=False)

    def bind(self, policy: Any) -> DeliveryPolicy:
        """This policy with the credit parameters of ``policy`` (called by the gate).

        Args:
            policy: the :class:`~salesctl.policy.Policy` in force.
        """
        bound = attrs.evolve(self)
        object.__setattr__(bound, "credit", policy.family("credit"))
        return bound


# -- helpers (pure) ---------------------------------------------------------------------------


def delivery_value(lines: Iterable[DeliveryLine], order: SalesOrder) -> Money:
    """The value of delivery lines at the order's prices (lines not on the order count zero).

    Args:
        lines: notice or goods-issue lines.
        order: the sales order delivered.

    Returns:
        The value in the order's currency.
    """
    prices = {ln.line_no: ln.unit_price for ln in order.lines}
    total = Money.zero(order.currency)
    for line in lines:
        price = prices.get(line.order_line)
        if price is not None:
            total = total + price.times(line.quantity)
    return total


def _by_order_line(lines: Iterable[DeliveryLine]) -> dict[int, Decimal]:
    out: dict[int, Decimal] = {}
    for line in lines:
        out[line.order_line] = out.get(line.order_line, Decimal(0)) + line.quantity
    return out


def _posted(ctx: Context, order_id: str, exclude: str | None = None) -> Iterable[GoodsIssue]:
    return (g for g in ctx.goods_issues if g.posted and g.order_id == order_id and g.id != exclude)


def _allowed(quantity: Decimal, policy: DeliveryPolicy) -> Decimal:
    return quantity * (1 + policy.quantity_tolerance)


def _block(
    cid: str, key: str, params: dict[str, Any], facts: dict[str, Any] | None = None
) -> Finding:
    return Finding(
        control_id=cid, outcome=Outcome.BLOCK, message=key, params=params, facts=facts or params
    )


# -- O2C-DL-01 --------------------------------------------------------------------------------


def check_notice(txn: Transaction, ctx: Context, policy: DeliveryPolicy) -> tuple[Finding, ...]:
    """O2C-DL-01: a delivery notice comes from an approved order or contract, states a
    validity period within the policy's maximum, stays within the order's quantities (plus
    tolerance, less what was delivered or is open on other valid notices), and is signed by
    the sales manager (a HOLD that the manager's approval clears; the writer's own does not).
    """
    assert isinstance(txn, IssueDeliveryNotice)
    notice, order = txn.notice, txn.order
    out: list[Finding] = []
    approved = ctx.approved_documents
    if order.id not in approved and (
        notice.contract_id is None or notice.contract_id not in approved
    ):
        out.append(
            _block(
                "O2C-DL-01",
                "delivery.source_not_approved",
                {"notice": notice.id, "order": order.id},
                {"order": order.id, "contract": notice.contract_id or "-"},
            )
        )
    if notice.valid_until is None:
        out.append(_block("O2C-DL-01", "delivery.no_validity", {"notice": notice.id}))
    else:
        days = (notice.valid_until - notice.issued_on).days
        if days > policy.max_validity_days:
            out.append(
                _block(
                    "O2C-DL-01",
                    "delivery.validity_too_long",
                    {"notice": notice.id, "days": days, "max_days": policy.max_validity_days},
                    {
                        "issued_on": notice.issued_on,
                        "valid_until": notice.valid_until,
                        "days": days,
                        "max_days": policy.max_validity_days,
                    },
                )
            )
    out.extend(_notice_quantities(txn, ctx, policy))
    out.append(
        Finding(
            control_id="O2C-DL-01",
            outcome=Outcome.HOLD,
            message="delivery.notice_approval",
            params={"notice": notice.id, "role": policy.approval_role},
            facts={"notice": notice.id, "order": order.id, "issued_by": notice.issued_by},
            required=(
                ApprovalRequirement(
                    control_id="O2C-DL-01",
                    role=policy.approval_role,
                    min_level=policy.approval_level,
                    document_id=notice.id,
                    reason="delivery.notice_approval",
                    excluded=(notice.issued_by,),
                ),
            ),
        )
    )
    return tuple(out)


def _notice_quantities(
    txn: IssueDeliveryNotice, ctx: Context, policy: DeliveryPolicy
) -> list[Finding]:
    notice, order = txn.notice, txn.order
    order_lines = {ln.line_no: ln for ln in order.lines}
    out: list[Finding] = []
    for line in notice.lines:
        ol = order_lines.get(line.order_line)
        if ol is None:
            out.append(
                _block(
                    "O2C-DL-01",
                    "delivery.line_not_on_order",
                    {"order": order.id, "line": line.order_line},
                )
            )
        elif ol.product.id != line.product_id:
            out.append(
                _block(
                    "O2C-DL-01",
                    "delivery.line_product",
                    {
                        "line": line.order_line,
                        "product": line.product_id,
                        "expected": ol.product.id,
                    },
                )
            )
    wanted = _by_order_line(notice.lines)
    delivered: dict[int, Decimal] = _by_order_line(
        ln for g in _posted(ctx, order.id) for ln in g.lines
    )
    open_on_notices: dict[int, Decimal] = {}
    for other in ctx.delivery_notices:
        if other.id == notice.id or other.order_id != order.id:
            continue
        if other.valid_until is None or other.valid_until < ctx.as_of:
            continue
        issued = _by_order_line(
            ln for g in _posted(ctx, order.id) if g.notice_id == other.id for ln in g.lines
        )
        for no, qty in _by_order_line(other.lines).items():
            rest = qty - issued.get(no, Decimal(0))
            if rest > 0:
                open_on_notices[no] = open_on_notices.get(no, Decimal(0)) + rest
    for no, qty in wanted.items():
        ol = order_lines.get(no)
        if ol is None:
            continue
        allowed = _allowed(ol.quantity, policy)
        done = delivered.get(no, Decimal(0))
        pending = open_on_notices.get(no, Decimal(0))
        if done + pending + qty > allowed:
            out.append(
                _block(
                    "O2C-DL-01",
                    "delivery.over_order",
                    {
                        "notice": notice.id,
                        "line": no,
                        "quantity": qty,
                        "remaining": allowed - done - pending,
                    },
                    {
                        "ordered": ol.quantity,
                        "tolerance": policy.quantity_tolerance,
                        "delivered": done,
                        "open_on_other_notices": pending,
                        "this_notice": qty,
                    },
                )
            )
    return out


# -- O2C-DL-02 --------------------------------------------------------------------------------


def check_goods_issue_notice(
    txn: Transaction, ctx: Context, policy: DeliveryPolicy
) -> tuple[Finding, ...]:
    """O2C-DL-02: a goods issue executes a delivery notice of the same order that is approved
    and unexpired on the business date, line by line within the notice's quantities plus the
    tolerance (less what earlier goods issues against it already shipped); it is posted once."""
    assert isinstance(txn, PostGoodsIssue)
    gi = txn.goods_issue
    cid = "O2C-DL-02"
    already = gi.posted or any(g.id == gi.id and g.posted for g in ctx.goods_issues)
    out: list[Finding] = []
    if already:
        out.append(_block(cid, "delivery.already_posted", {"goods_issue": gi.id}))
    if gi.notice_id is None:
        out.append(_block(cid, "delivery.no_notice", {"goods_issue": gi.id}))
        return tuple(out)
    notice = next((n for n in ctx.delivery_notices if n.id == gi.notice_id), None)
    if notice is None:
        out.append(
            _block(cid, "delivery.notice_unknown", {"goods_issue": gi.id, "notice": gi.notice_id})
        )
        return tuple(out)
    if notice.order_id != gi.order_id:
        out.append(
            _block(
                cid,
                "delivery.notice_other_order",
                {"notice": notice.id, "order": gi.order_id, "notice_order": notice.order_id},
            )
        )
    if notice.id not in ctx.approved_documents:
        out.append(_block(cid, "delivery.notice_not_approved", {"notice": notice.id}))
    if notice.valid_until is None or notice.valid_until < ctx.as_of:
        out.append(
            _block(
                cid,
                "delivery.notice_expired",
                {"notice": notice.id, "valid_until": notice.valid_until or "-"},
                {"valid_until": notice.valid_until or "-", "as_of": ctx.as_of},
            )
        )
    noted = {ln.order_line: ln.product_id for ln in notice.lines}
    for line in gi.lines:
        product = noted.get(line.order_line)
        if product is None:
            out.append(
                _block(
                    cid,
                    "delivery.line_not_on_notice",
                    {"notice": notice.id, "line": line.order_line},
                )
            )
        elif product != line.product_id:
            out.append(
                _block(
                    cid,
                    "delivery.line_product",
                    {"line": line.order_line, "product": line.product_id, "expected": product},
                )
            )
    notified = _by_order_line(notice.lines)
    shipped = _by_order_line(
        ln
        for g in _posted(ctx, gi.order_id, exclude=gi.id)
        if g.notice_id == notice.id
        for ln in g.lines
    )
    for no, qty in _by_order_line(gi.lines).items():
        if no not in notified:
            continue
        allowed = _allowed(notified[no], policy)
        before = shipped.get(no, Decimal(0))
        if before + qty > allowed:
            out.append(
                _block(
                    cid,
                    "delivery.over_notice",
                    {
                        "notice": notice.id,
                        "line": no,
                        "quantity": qty,
                        "remaining": allowed - before,
                    },
                    {
                        "notified": notified[no],
                        "tolerance": policy.quantity_tolerance,
                        "shipped_before": before,
                        "this_issue": qty,
                    },
                )
            )
    return tuple(out)


# -- O2C-DL-03 --------------------------------------------------------------------------------


def _lots(ctx: Context) -> dict[str, StockLot]:
    return {lot.id: lot for lot in ctx.stock_lots}


def check_gate_pass_and_qc(
    txn: Transaction, ctx: Context, policy: DeliveryPolicy
) -> tuple[Finding, ...]:
    """O2C-DL-03: goods leave on a gate pass, and only from lots on hand that entered stock
    with a QC certificate (when the policy requires it), for the line's product, in the
    quantity on hand."""
    assert isinstance(txn, PostGoodsIssue)
    gi = txn.goods_issue
    cid = "O2C-DL-03"
    out: list[Finding] = []
    if gi.gate_pass is None:
        out.append(_block(cid, "delivery.no_gate_pass", {"goods_issue": gi.id}))
    lots = _lots(ctx)
    picked: dict[str, Decimal] = {}
    for line in gi.lines:
        if line.lot_id is None:
            if policy.require_qc_certificate:
                out.append(
                    _block(cid, "delivery.no_lot", {"goods_issue": gi.id, "line": line.order_line})
                )
            continue
        lot = lots.get(line.lot_id)
        if lot is None:
            out.append(_block(cid, "delivery.lot_unknown", {"lot": line.lot_id}))
            continue
        picked[lot.id] = picked.get(lot.id, Decimal(0)) + line.quantity
        if lot.product_id != line.product_id:
            out.append(
                _block(
                    cid,
                    "delivery.lot_product",
                    {"lot": lot.id, "product": line.product_id, "lot_product": lot.product_id},
                )
            )
        if policy.require_qc_certificate and lot.qc_certificate is None:
            out.append(_block(cid, "delivery.no_qc_certificate", {"lot": lot.id}))
    for lot_id, qty in picked.items():
        on_hand = lots[lot_id].quantity
        if qty > on_hand:
            out.append(
                _block(
                    cid, "delivery.lot_short", {"lot": lot_id, "quantity": qty, "on_hand": on_hand}
                )
            )
    return tuple(out)


# -- O2C-DL-04 --------------------------------------------------------------------------------


def check_delivery_credit(
    txn: Transaction, ctx: Context, policy: DeliveryPolicy
) -> tuple[Finding, ...]:
    """O2C-DL-04: credit is re-checked when a notice is issued and when goods are issued.

    The credit family's helpers and parameters decide (``policy.credit``, bound from
    ``[credit]``): only orders whose payment method consumes credit are re-checked; a credit
    order for a customer with no credit profile is blocked; the exposure the context reports
    is taken as it stands — it still counts the order being delivered as an open order — and
    where the policy counts deliveries-not-invoiced but not open orders, the delivery's value is
    added. Over the limit the delivery is held for the credit role's re-approval of this
    document, unless a valid one-time release for the order is on hand (S-IC 5.1). Items
    overdue beyond the credit days hold it too (the O2C-CR-05 rule, re-run here).
    """
    assert isinstance(txn, IssueDeliveryNotice | PostGoodsIssue)
    cp = policy.credit
    order = txn.order
    cid = "O2C-DL-04"
    if not consumes_credit(order, cp):
        return _NONE
    profile = order.customer.credit_profile
    if profile is None:
        return (
            _block(
                cid,
                "delivery.credit_no_profile",
                {"customer": order.customer.id, "method": order.payment.method},
            ),
        )
    if ctx.exposure is None:
        return (_block(cid, "delivery.credit_no_exposure", {"customer": order.customer.id}),)
    lines = txn.notice.lines if isinstance(txn, IssueDeliveryNotice) else txn.goods_issue.lines
    limit = profile.limit
    value = ctx.convert(delivery_value(lines, order), limit.currency)
    cats = cp.exposure_categories
    adds = "delivered_not_invoiced" in cats and "open_orders" not in cats
    exposure = exposure_total(ctx, cp)
    total = exposure + value if adds else exposure
    out: list[Finding] = []
    if total > limit:
        facts = {
            "limit": limit,
            "exposure": exposure,
            "delivery_value": value,
            "delivery_added": adds,
            "exposure_after": total,
            "excess": total - limit,
            "categories": sorted(cats),
        }
        release = release_for(txn, order, ctx)
        problem = None if release is None else release_problem(release, order, ctx, txn.at, cp)
        if release is not None and problem is None:
            out.append(
                Finding(
                    control_id=cid,
                    outcome=Outcome.ALLOW,
                    message="delivery.credit_released",
                    params={"release": release.id, "granted_by": release.granted_by.id},
                    facts=facts,
                    cleared_by=(release.id,),
                )
            )
        else:
            if release is not None:
                facts = {**facts, "release": release.id, "release_problem": problem}
            out.append(
                Finding(
                    control_id=cid,
                    outcome=Outcome.HOLD,
                    message="delivery.credit_over_limit",
                    params={
                        "document": txn.document_id,
                        "customer": order.customer.id,
                        "excess": total - limit,
                    },
                    facts=facts,
                    required=(
                        ApprovalRequirement(
                            control_id=cid,
                            role=cp.limit_approval_role,
                            min_level=cp.limit_approval_level,
                            document_id=txn.document_id,
                            reason="delivery.credit_over_limit",
                            excluded=(order.created_by,),
                        ),
                    ),
                )
            )
    for f in check_credit_days(txn, ctx, cp):
        out.append(
            attrs.evolve(
                f,
                control_id=cid,
                required=tuple(
                    attrs.evolve(r, control_id=cid, document_id=txn.document_id) for r in f.required
                ),
            )
        )
    return tuple(out)


# -- O2C-DL-05 --------------------------------------------------------------------------------


def _remaining(lot: StockLot, ctx: Context) -> int | None:
    return None if lot.expires_on is None else (lot.expires_on - ctx.as_of).days


def check_expiry(txn: Transaction, ctx: Context, policy: DeliveryPolicy) -> tuple[Finding, ...]:
    """O2C-DL-05: expired lots (or lots with less shelf life left than the policy's minimum)
    never ship; a lot whose expiry cannot be verified blocks; and near-expiry lots ship first:
    picking a later-expiring lot while an earlier, shippable, near-expiry lot of the product
    stays on hand is held for the override role (every earlier lot, with ``strict_fefo``)."""
    assert isinstance(txn, PostGoodsIssue)
    gi = txn.goods_issue
    cid = "O2C-DL-05"
    lots = _lots(ctx)
    out: list[Finding] = []
    picked: dict[str, Decimal] = {}
    for line in gi.lines:
        if line.lot_id is not None:
            picked[line.lot_id] = picked.get(line.lot_id, Decimal(0)) + line.quantity

    def shippable(lot: StockLot) -> bool:
        left = _remaining(lot, ctx)
        return (left is None or left >= policy.min_remaining_days) and (
            lot.qc_certificate is not None or not policy.require_qc_certificate
        )

    for line in gi.lines:
        if line.lot_id is None:
            dated = [
                lot.id
                for lot in ctx.stock_lots
                if lot.product_id == line.product_id and lot.expires_on is not None
            ]
            if dated:
                out.append(
                    _block(
                        cid,
                        "delivery.lot_not_named",
                        {"line": line.order_line, "product": line.product_id},
                        {"dated_lots": dated},
                    )
                )
            continue
        lot = lots.get(line.lot_id)
        if lot is None:
            out.append(_block(cid, "delivery.expiry_unknown", {"lot": line.lot_id}))
            continue
        left = _remaining(lot, ctx)
        if left is not None and left < policy.min_remaining_days:
            key = "delivery.lot_expired" if left < 0 else "delivery.lot_shelf_life"
            out.append(
                _block(
                    cid,
                    key,
                    {"lot": lot.id, "expires_on": lot.expires_on, "days": left},
                    {
                        "expires_on": lot.expires_on,
                        "as_of": ctx.as_of,
                        "days_left": left,
                        "min_remaining_days": policy.min_remaining_days,
                    },
                )
            )
            continue
        earlier = [
            other
            for other in ctx.stock_lots
            if other.product_id == lot.product_id
            and other.id != lot.id
            and other.expires_on is not None
            and (lot.expires_on is None or other.expires_on < lot.expires_on)
            and other.quantity - picked.get(other.id, Decimal(0)) > 0
            and shippable(other)
            and (policy.strict_fefo or (_remaining(other, ctx) or 0) <= policy.near_expiry_days)
        ]
        if earlier:
            earlier.sort(key=lambda x: (x.expires_on, x.id))
            first = earlier[0]
            out.append(
                Finding(
                    control_id=cid,
                    outcome=Outcome.HOLD,
                    message="delivery.fefo",
                    params={"lot": lot.id, "earlier": first.id, "expires_on": first.expires_on},
                    facts={
                        "picked_lot": lot.id,
                        "picked_expires_on": lot.expires_on or "-",
                        "earlier_lots": [
                            f"{x.id} ({x.expires_on}, {x.quantity - picked.get(x.id, Decimal(0))} left)"
                            for x in earlier
                        ],
                        "near_expiry_days": policy.near_expiry_days,
                        "strict_fefo": policy.strict_fefo,
                    },
                    required=(
                        ApprovalRequirement(
                            control_id=cid,
                            role=policy.fefo_override_role,
                            min_level=policy.fefo_override_level,
                            document_id=gi.id,
                            reason="delivery.fefo",
                            excluded=(txn.actor.id,),
                        ),
                    ),
                )
            )
    return tuple(out)


# -- the family -------------------------------------------------------------------------------

_A = Assertion
_STAGE = "delivery"
_WAREHOUSE = "warehouse / 仓储部门"

CONTROLS: tuple[Control, ...] = (
    Control(
        id="O2C-DL-01",
        title_zh="发货通知须审批并注明有效期",
        title_en="Delivery notice from an approved order/contract, approved by the sales manager, with a validity period",
        objective_zh="发货只能依据已批准的订单或合同,发货通知单经销售部经理签批并注明有效期限,数量不超出订单及容差。",
        objective_en="Deliveries rest only on an approved order or contract; the notice is signed by the sales manager, states a validity period, and stays within the order's quantities and tolerance.",
        activity_zh="开具发货通知单时系统检查:订单或合同已批准;注明有效期且不超过 {max_validity_days} 天;各行数量(含已发货及其他有效通知未发数量)不超过订单数量 ×(1 + {quantity_tolerance});须 {approval_role}(级别 ≥ {approval_level})签批,填单人本人签批无效。",
        activity_en="When a delivery notice is issued the system checks that the order or contract is approved; that the notice states a validity period of at most {max_validity_days} days; that per order line, delivered plus open on other valid notices plus this notice stays within ordered × (1 + {quantity_tolerance}); and holds it for signature by {approval_role} (level ≥ {approval_level}), never the writer's own.",
        risks=("R2.1", "R1.3", "R3.1"),
        kind=Kind.PREVENTIVE,
        frequency=Frequency.PER_TRANSACTION,
        key=True,
        automation=Automation.AUTOMATED,
        assertions=(_A.OCCURRENCE, _A.ACCURACY),
        seeds=("S-IC 5.1", "S-K1 8"),
        g9=(7,),
        refs=("BN 29",),
        stage=_STAGE,
        owner="sales department / 销售部(销售业务科填写,销售部经理签批)",
        evidence="decision log: source document and its approval, validity dates, quantities per order line, the manager's approval",
        applies_to=(IssueDeliveryNotice.__name__,),
        check=check_notice,
        messages={
            "delivery.source_not_approved": (
                "发货通知 {notice} 的订单 {order} 及其合同均未批准,不得开具",
                "delivery notice {notice}: neither order {order} nor its contract is approved",
            ),
            "delivery.no_validity": (
                "发货通知 {notice} 未注明有效期限",
                "delivery notice {notice} states no validity period",
            ),
            "delivery.validity_too_long": (
                "发货通知 {notice} 有效期 {days} 天,超过上限 {max_days} 天",
                "delivery notice {notice} is valid for {days} days, more than the {max_days} allowed",
            ),
            "delivery.line_not_on_order": (
                "订单 {order} 无第 {line} 行",
                "order {order} has no line {line}",
            ),
            "delivery.line_product": (
                "第 {line} 行产品 {product} 与应为的 {expected} 不符",
                "line {line}: product {product} is not the expected {expected}",
            ),
            "delivery.over_order": (
                "发货通知 {notice} 第 {line} 行数量 {quantity} 超出订单可发数量 {remaining}(含容差)",
                "delivery notice {notice} line {line}: {quantity} exceeds what the order has left to deliver ({remaining}, tolerance included)",
            ),
            "delivery.notice_approval": (
                "发货通知 {notice} 须经 {role} 签批",
                "delivery notice {notice} needs the signature of {role}",
            ),
        },
    ),
    Control(
        id="O2C-DL-02",
        title_zh="出库与有效发货通知一致",
        title_en="Goods issue matches a valid (unexpired) delivery notice, within tolerance",
        objective_zh="仓库只凭已批准且在有效期内的发货通知出库,出库数量与通知一致(容差内),同一出库单只过账一次。",
        objective_en="The warehouse ships only against an approved delivery notice that has not expired, in the notified quantities within tolerance, and posts each goods issue once.",
        activity_zh="发货过账时系统检查:出库单引用同一订单的发货通知;通知已批准且业务日期不晚于有效期;各行累计出库不超过通知数量 ×(1 + {quantity_tolerance});出库单未曾过账。",
        activity_en="At goods-issue posting the system checks that the issue cites a delivery notice of the same order, approved and not expired on the business date; that per order line, shipped against the notice so far plus this issue stays within notified × (1 + {quantity_tolerance}); and that the issue was not posted before.",
        risks=("R2.1", "R3.1"),
        kind=Kind.PREVENTIVE,
        frequency=Frequency.PER_TRANSACTION,
        key=True,
        automation=Automation.AUTOMATED,
        assertions=(_A.OCCURRENCE, _A.ACCURACY, _A.CUTOFF),
        seeds=("S-IC 6.1", "S-IC 5.1"),
        g9=(7,),
        stage=_STAGE,
        owner=_WAREHOUSE,
        evidence="decision log: notice id, validity, approval, notified and shipped quantities per line",
        applies_to=(PostGoodsIssue.__name__,),
        check=check_goods_issue_notice,
        messages={
            "delivery.already_posted": (
                "出库单 {goods_issue} 已过账,不得重复过账",
                "goods issue {goods_issue} is already posted",
            ),
            "delivery.no_notice": (
                "出库单 {goods_issue} 无发货通知,不得出库",
                "goods issue {goods_issue} cites no delivery notice",
            ),
            "delivery.notice_unknown": (
                "出库单 {goods_issue} 引用的发货通知 {notice} 不存在(失败关闭)",
                "goods issue {goods_issue} cites delivery notice {notice}, which is not on hand (fails closed)",
            ),
            "delivery.notice_other_order": (
                "发货通知 {notice} 属于订单 {notice_order},不是 {order}",
                "delivery notice {notice} belongs to order {notice_order}, not {order}",
            ),
            "delivery.notice_not_approved": (
                "发货通知 {notice} 未经批准",
                "delivery notice {notice} is not approved",
            ),
            "delivery.notice_expired": (
                "发货通知 {notice} 已过有效期({valid_until})",
                "delivery notice {notice} is no longer valid (valid until {valid_until})",
            ),
            "delivery.line_not_on_notice": (
                "发货通知 {notice} 无订单第 {line} 行",
                "delivery notice {notice} has no order line {line}",
            ),
            "delivery.line_product": (
                "第 {line} 行产品 {product} 与应为的 {expected} 不符",
                "line {line}: product {product} is not the expected {expected}",
            ),
            "delivery.over_notice": (
                "发货通知 {notice} 第 {line} 行本次出库 {quantity} 超出剩余可发 {remaining}(含容差)",
                "delivery notice {notice} line {line}: {quantity} exceeds what the notice has left ({remaining}, tolerance included)",
            ),
        },
    ),
    Control(
        id="O2C-DL-03",
        title_zh="出门证、入库合格证",
        title_en="Gate pass for goods leaving; finished goods entered stock with a QC certificate",
        objective_zh="货物凭出门证出厂;只发运经质检出具合格证入库的批次。",
        objective_en="Goods leave on a gate pass, and only from lots that entered stock with a QC certificate.",
        activity_zh="发货过账时系统检查出门证;要求合格证时({require_qc_certificate}),各行须注明批次,批次在库、属于该产品、有质检合格证,且出库数量不超过库存。",
        activity_en="At goods-issue posting the system requires a gate pass; with QC certificates required ({require_qc_certificate}) every line names a lot on hand, of the line's product, carrying a QC certificate, and no lot ships more than it holds.",
        risks=("R2.1", "R3.1"),
        kind=Kind.PREVENTIVE,
        frequency=Frequency.PER_TRANSACTION,
        key=False,
        automation=Automation.IT_DEPENDENT,
        assertions=(_A.OCCURRENCE, _A.VALUATION),
        seeds=("S-IC 6.1", "S-K1 7", "S-K1 8"),
        g9=(7,),
        stage=_STAGE,
        owner="warehouse and security / 仓库、保卫、质检科",
        evidence="gate-pass number and lot QC certificates in the decision log",
        applies_to=(PostGoodsIssue.__name__,),
        check=check_gate_pass_and_qc,
        messages={
            "delivery.no_gate_pass": (
                "出库单 {goods_issue} 无出门证",
                "goods issue {goods_issue} has no gate pass",
            ),
            "delivery.no_lot": (
                "出库单 {goods_issue} 第 {line} 行未注明批次,无法核实合格证",
                "goods issue {goods_issue} line {line} names no lot: its QC certificate cannot be verified",
            ),
            "delivery.lot_unknown": (
                "批次 {lot} 不在库存中(失败关闭)",
                "lot {lot} is not on hand (fails closed)",
            ),
            "delivery.lot_product": (
                "批次 {lot} 属于产品 {lot_product},不是 {product}",
                "lot {lot} is of product {lot_product}, not {product}",
            ),
            "delivery.no_qc_certificate": (
                "批次 {lot} 入库时无质检合格证",
                "lot {lot} entered stock without a QC certificate",
            ),
            "delivery.lot_short": (
                "批次 {lot} 出库 {quantity} 超过库存 {on_hand}",
                "lot {lot}: {quantity} picked but only {on_hand} on hand",
            ),
        },
    ),
    Control(
        id="O2C-DL-04",
        consumes_release=True,
        title_zh="发货环节信用复核",
        title_en="Credit re-checked at delivery notice and goods issue",
        objective_zh="订单批准后客户信用变化的,发货前重新检查额度与信用天数,超额须重新审批或一次性释放。",
        objective_en="Credit that changed after the order was approved is caught before goods leave: limit and credit days are checked again, and an over-limit delivery needs re-approval or a one-time release.",
        activity_zh="开具发货通知和发货过账时,系统按信用策略([credit])复核:占用信用的结算方式下,占用额度超过信用额度即挂起,须信用审批角色重新审批本单或使用有效的一次性释放;超期欠款超出宽限天数亦挂起。",
        activity_en="At delivery notice and goods issue the system re-runs the credit check with the credit policy ([credit]): for payment methods that consume credit, exposure over the limit holds the document for re-approval by the credit role or a valid one-time release; items overdue beyond the grace days hold it too.",
        risks=("R1.3",),
        kind=Kind.PREVENTIVE,
        frequency=Frequency.PER_TRANSACTION,
        key=True,
        automation=Automation.AUTOMATED,
        assertions=(_A.VALUATION,),
        seeds=("S-IC 5.1", "S-PM B"),
        g9=(5, 10),
        stage=_STAGE,
        owner="credit management (finance) / 信用管理部门(财务)",
        evidence="decision log: limit, exposure, delivery value, release or re-approval",
        applies_to=(IssueDeliveryNotice.__name__, PostGoodsIssue.__name__),
        check=check_delivery_credit,
        messages={
            "delivery.credit_no_profile": (
                "客户 {customer} 无信用档案,不得以 {method} 方式赊销发货",
                "customer {customer} has no credit profile: no delivery on credit terms ({method})",
            ),
            "delivery.credit_no_exposure": (
                "缺少客户 {customer} 的信用占用数据,无法复核(失败关闭)",
                "no credit exposure for customer {customer} in the context: cannot re-check credit (fails closed)",
            ),
            "delivery.credit_over_limit": (
                "{document}:客户 {customer} 超出信用额度 {excess},须重新审批或一次性释放",
                "{document}: customer {customer} is over the credit limit by {excess}; re-approval or a one-time release is needed",
            ),
            "delivery.credit_released": (
                "超额已由 {granted_by} 的一次性释放 {release} 放行",
                "over-limit released by one-time release {release} granted by {granted_by}",
            ),
        },
    ),
    Control(
        id="O2C-DL-05",
        title_zh="过期不得出库、近效期先出",
        title_en="Expired stock never shipped; near-expiry stock shipped first (FEFO)",
        objective_zh="过期或剩余保质期不足的批次不得出库;临近到期的批次优先发出,减少过期损失。",
        objective_en="Expired lots, or lots with too little shelf life left, never ship; lots near expiry ship first, so stock does not expire on the shelf.",
        activity_zh="发货过账时系统检查各批次剩余保质期(至少 {min_remaining_days} 天);同一产品尚有更早到期且在 {near_expiry_days} 天内到期的可发批次时(严格先到期先出:{strict_fefo}),挂起须 {fefo_override_role}(级别 ≥ {fefo_override_level})批准。",
        activity_en="At goods-issue posting the system checks each lot's remaining shelf life (at least {min_remaining_days} days); picking a lot while an earlier-expiring, shippable lot of the product within {near_expiry_days} days of expiry stays on hand (every earlier lot with strict FEFO: {strict_fefo}) is held for {fefo_override_role} (level ≥ {fefo_override_level}).",
        risks=("R3.1", "R2.2"),
        kind=Kind.PREVENTIVE,
        frequency=Frequency.PER_TRANSACTION,
        key=False,
        automation=Automation.AUTOMATED,
        assertions=(_A.VALUATION, _A.OCCURRENCE),
        seeds=("S-FD 二",),
        g9=(7,),
        stage=_STAGE,
        owner=_WAREHOUSE,
        evidence="decision log: lots picked with expiry dates, earlier lots left on hand, override approval",
        applies_to=(PostGoodsIssue.__name__,),
        check=check_expiry,
        messages={
            "delivery.lot_not_named": (
                "第 {line} 行产品 {product} 有保质期管理的批次,但未注明批次",
                "line {line}: product {product} has dated lots, but no lot is named",
            ),
            "delivery.expiry_unknown": (
                "批次 {lot} 不在库存中,无法核实有效期(失败关闭)",
                "lot {lot} is not on hand: its expiry cannot be verified (fails closed)",
            ),
            "delivery.lot_expired": (
                "批次 {lot} 已于 {expires_on} 过期,不得出库",
                "lot {lot} expired on {expires_on} and may not ship",
            ),
            "delivery.lot_shelf_life": (
                "批次 {lot} 仅剩 {days} 天保质期({expires_on}),低于出库下限",
                "lot {lot} has only {days} days of shelf life left ({expires_on}), below the minimum",
            ),
            "delivery.fefo": (
                "批次 {lot} 出库,但更早到期的批次 {earlier}({expires_on})仍在库,须先出",
                "lot {lot} picked while the earlier-expiring lot {earlier} ({expires_on}) stays on hand",
            ),
        },
    ),
)

FAMILY = Family(
    name="delivery",
    title_zh="发货",
    title_en="Delivery",
    policy_type=DeliveryPolicy,
    controls=CONTROLS,
)
