"""The delivery family's preventive checks (O2C-DL-01 … O2C-DL-05), run by the gate."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

import attrs

from salesctl.context import Context, stock_index
from salesctl.control import Scratch
from salesctl.controls.credit import (
    CreditPolicy,
    check_credit_days,
    consumes_credit,
    exposure_total,
    release_for,
    release_problem,
    segment_limit_findings,
)
from salesctl.controls.delivery.lots import (  # noqa: F401
    _Issue,
    _lot_index,
    _LotIndex,
    _lots,
    fresh_lots,
    lots_pass,
)
from salesctl.controls.delivery.policy import DeliveryPolicy
from salesctl.controls.delivery.secured import check_credit_delivery_secured
from salesctl.controls.delivery.value import (
    _delivery_value_money,  # noqa: F401  (read here by tests/test_performance.py)
    delivery_value,
    value_cannot_fail,
)
from salesctl.decision import ApprovalRequirement, Finding, Outcome, finding
from salesctl.errors import InvalidInput
from salesctl.model import (
    CreditExposure,
    DeliveryLine,
    GoodsIssue,
    LineFacts,
    StockLot,
    line_facts,
)
from salesctl.money import Money
from salesctl.transactions import IssueDeliveryNotice, PostGoodsIssue, Transaction

__all__ = [
    "check_delivery_credit",
    "check_expiry",
    "check_gate_pass_and_qc",
    "check_goods_issue_notice",
    "check_notice",
    "delivery_value",
]

_NONE: tuple[Finding, ...] = ()


# -- helpers (pure) ---------------------------------------------------------------------------


_ZERO = Decimal(0)


def _by_order_line(lines: Iterable[DeliveryLine]) -> dict[int, Decimal]:
    """The quantities by order line, each summed from zero in line order."""
    out: dict[int, Decimal] = {}
    for line in lines:
        no = line.order_line
        out[no] = out.get(no, _ZERO) + line.quantity
    return out


def _posted(ctx: Context, order_id: str, exclude: str | None = None) -> Iterable[GoodsIssue]:
    return (g for g in ctx.goods_issues if g.posted and g.order_id == order_id and g.id != exclude)


def _allowed(quantity: Decimal, policy: DeliveryPolicy) -> Decimal:
    return quantity * (1 + policy.quantity_tolerance)


# -- O2C-DL-01 --------------------------------------------------------------------------------


def check_notice(txn: Transaction, ctx: Context, policy: DeliveryPolicy) -> tuple[Finding, ...]:
    """O2C-DL-01: a delivery notice comes from an approved order or contract, states a
    validity period within the policy's maximum, stays within the order's quantities (plus
    tolerance, less what was delivered or is open on other valid notices), and is signed by
    the sales manager (a HOLD that the manager's approval clears; the writer's own does not).

    On credit, the notice — and each goods issue, to which O2C-DL-01 applies for this rule
    alone — needs a signed contract or the customer's money covering it
    (:func:`~salesctl.controls.delivery.secured.check_credit_delivery_secured`).
    """
    if isinstance(txn, PostGoodsIssue):
        return check_credit_delivery_secured(txn, ctx, policy)
    assert isinstance(txn, IssueDeliveryNotice)
    notice, order = txn.notice, txn.order
    out: list[Finding] = list(check_credit_delivery_secured(txn, ctx, policy))
    approved = ctx.approved_documents
    if order.id not in approved and (
        notice.contract_id is None or notice.contract_id not in approved
    ):
        out.append(
            finding(
                "O2C-DL-01",
                Outcome.BLOCK,
                "delivery.source_not_approved",
                params={"notice": notice.id, "order": order.id},
                facts={"order": order.id, "contract": notice.contract_id or "-"},
            )
        )
    if notice.valid_until is None:
        out.append(
            finding(
                "O2C-DL-01", Outcome.BLOCK, "delivery.no_validity", params={"notice": notice.id}
            )
        )
    else:
        # Counted from the business date when the notice is dated later: a post-dated notice
        # does not shorten its own validity period.
        start = notice.issued_on if notice.issued_on <= ctx.as_of else ctx.as_of
        days = (notice.valid_until - start).days
        if days > policy.max_validity_days:
            out.append(
                finding(
                    "O2C-DL-01",
                    Outcome.BLOCK,
                    "delivery.validity_too_long",
                    params={
                        "notice": notice.id,
                        "days": days,
                        "max_days": policy.max_validity_days,
                    },
                    facts={
                        "issued_on": notice.issued_on,
                        "business_date": ctx.as_of,
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
                finding(
                    "O2C-DL-01",
                    Outcome.BLOCK,
                    "delivery.line_not_on_order",
                    params={"order": order.id, "line": line.order_line},
                )
            )
        elif ol.product.id != line.product_id:
            out.append(
                finding(
                    "O2C-DL-01",
                    Outcome.BLOCK,
                    "delivery.line_product",
                    params={
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
                finding(
                    "O2C-DL-01",
                    Outcome.BLOCK,
                    "delivery.over_order",
                    params={
                        "notice": notice.id,
                        "line": no,
                        "quantity": qty,
                        "remaining": allowed - done - pending,
                    },
                    facts={
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
    already = gi.posted
    if not already:  # any(g.id == gi.id and g.posted ...), without a generator
        gid = gi.id
        for g in ctx.goods_issues:
            if g.id == gid and g.posted:
                already = True
                break
    out: list[Finding] = []
    if already:
        out.append(
            finding(cid, Outcome.BLOCK, "delivery.already_posted", params={"goods_issue": gi.id})
        )
    if gi.notice_id is None:
        out.append(finding(cid, Outcome.BLOCK, "delivery.no_notice", params={"goods_issue": gi.id}))
        return tuple(out)
    notice = None
    for n in ctx.delivery_notices:  # the first notice of that id
        if n.id == gi.notice_id:
            notice = n
            break
    if notice is None:
        out.append(
            finding(
                cid,
                Outcome.BLOCK,
                "delivery.notice_unknown",
                params={"goods_issue": gi.id, "notice": gi.notice_id},
            )
        )
        return tuple(out)
    if notice.order_id != gi.order_id:
        out.append(
            finding(
                cid,
                Outcome.BLOCK,
                "delivery.notice_other_order",
                params={"notice": notice.id, "order": gi.order_id, "notice_order": notice.order_id},
            )
        )
    if notice.id not in ctx.approved_documents:
        out.append(
            finding(
                cid, Outcome.BLOCK, "delivery.notice_not_approved", params={"notice": notice.id}
            )
        )
    if notice.valid_until is None or notice.valid_until < ctx.as_of:
        out.append(
            finding(
                cid,
                Outcome.BLOCK,
                "delivery.notice_expired",
                params={"notice": notice.id, "valid_until": notice.valid_until or "-"},
                facts={"valid_until": notice.valid_until or "-", "as_of": ctx.as_of},
            )
        )
    shipped: dict[int, Decimal] = {}
    for g in ctx.goods_issues:
        if g.posted and g.order_id == gi.order_id and g.id != gi.id and g.notice_id == notice.id:
            for ln in g.lines:
                no = ln.order_line
                shipped[no] = shipped.get(no, _ZERO) + ln.quantity
    factor = 1 + policy.quantity_tolerance  # _allowed's factor, worked out once
    if not shipped and (
        _within_noted(line_facts(gi), line_facts(notice), factor)
        or _within_notice(gi.lines, notice.lines, factor)
    ):
        return tuple(out)
    # The notice's lines indexed once: the product of each order line (the last line naming it,
    # as a dict built line by line keeps it) and the quantity noted on it.
    noted: dict[int, str] = {}
    notified: dict[int, Decimal] = {}
    for ln in notice.lines:
        no = ln.order_line
        noted[no] = ln.product_id
        notified[no] = notified.get(no, _ZERO) + ln.quantity
    for line in gi.lines:
        product = noted.get(line.order_line)
        if product is None:
            out.append(
                finding(
                    cid,
                    Outcome.BLOCK,
                    "delivery.line_not_on_notice",
                    params={"notice": notice.id, "line": line.order_line},
                )
            )
        elif product != line.product_id:
            out.append(
                finding(
                    cid,
                    Outcome.BLOCK,
                    "delivery.line_product",
                    params={
                        "line": line.order_line,
                        "product": line.product_id,
                        "expected": product,
                    },
                )
            )
    for no, qty in _by_order_line(gi.lines).items():
        noted_qty = notified.get(no)
        if noted_qty is None:
            continue
        allowed = noted_qty * factor
        before = shipped.get(no, _ZERO)
        if before + qty > allowed:
            out.append(
                finding(
                    cid,
                    Outcome.BLOCK,
                    "delivery.over_notice",
                    params={
                        "notice": notice.id,
                        "line": no,
                        "quantity": qty,
                        "remaining": allowed - before,
                    },
                    facts={
                        "notified": noted_qty,
                        "tolerance": policy.quantity_tolerance,
                        "shipped_before": before,
                        "this_issue": qty,
                    },
                )
            )
    return tuple(out)


def _within_noted(issued: LineFacts, noted: LineFacts, factor: Decimal) -> bool:
    """:func:`_within_notice`'s answer told from the facts built with both documents, when it
    is True without a walk: the same ``(order line, product)`` keys in the same, strictly
    increasing order, a factor of at least one, and the largest quantity issued no more than the
    smallest noted (so each line's quantity is no more than its noted one). ``False``: walk."""
    most, least = issued.qmax, noted.qmin
    return (
        most is not None
        and least is not None
        and issued.increasing
        and factor >= 1
        and most <= least
        and issued.keys == noted.keys
    )


def _within_notice(
    lines: tuple[DeliveryLine, ...], noted: tuple[DeliveryLine, ...], factor: Decimal
) -> bool:
    """O2C-DL-02's line checks passed in one walk, when nothing was shipped against the notice
    before: the goods issue's lines are the notice's, line for line (same order lines, strictly
    increasing, same products), each within its noted quantity times ``factor`` — the same sums
    from zero and the same comparison the full check makes. ``False``: take the full check."""
    if len(lines) != len(noted):
        return False
    # With factor >= 1, a quantity no more than the noted one passes the full comparison:
    # rounding to the context is monotone and the noted quantity times the factor is no less
    # than it. Otherwise the full check's own sums and comparison decide.
    at_most_noted_passes = factor >= 1
    last = 0
    for line, n in zip(lines, noted, strict=True):
        no = line.order_line
        if no <= last or n.order_line != no or n.product_id != line.product_id:
            return False
        q = line.quantity
        if not (at_most_noted_passes and q <= n.quantity) and (
            _ZERO + q > (_ZERO + n.quantity) * factor
        ):
            return False
        last = no
    return True


# -- O2C-DL-03 --------------------------------------------------------------------------------


def check_gate_pass_and_qc(
    txn: Transaction, ctx: Context, policy: DeliveryPolicy, scratch: Scratch | None = None
) -> tuple[Finding, ...]:
    """O2C-DL-03: goods leave on a gate pass, and only from lots on hand that entered stock
    with a QC certificate (when the policy requires it), for the line's product, in the
    quantity on hand."""
    assert isinstance(txn, PostGoodsIssue)
    gi = txn.goods_issue
    if gi.gate_pass is not None:  # the pass paths: the facts built with both, then the lines
        if lots_pass(line_facts(gi), stock_index(ctx)):
            return _NONE
        issue = _lot_index(ctx, scratch).of(gi)
        if issue.named and issue.sound and issue.stocked:
            return _NONE
    cid = "O2C-DL-03"
    out: list[Finding] = []
    if gi.gate_pass is None:
        out.append(
            finding(cid, Outcome.BLOCK, "delivery.no_gate_pass", params={"goods_issue": gi.id})
        )
    lots = _lots(ctx, scratch)
    picked: dict[str, Decimal] = {}
    for line in gi.lines:
        if line.lot_id is None:
            if policy.require_qc_certificate:
                out.append(
                    finding(
                        cid,
                        Outcome.BLOCK,
                        "delivery.no_lot",
                        params={"goods_issue": gi.id, "line": line.order_line},
                    )
                )
            continue
        lot = lots.get(line.lot_id)
        if lot is None:
            out.append(
                finding(cid, Outcome.BLOCK, "delivery.lot_unknown", params={"lot": line.lot_id})
            )
            continue
        picked[lot.id] = picked.get(lot.id, _ZERO) + line.quantity
        if lot.product_id != line.product_id:
            out.append(
                finding(
                    cid,
                    Outcome.BLOCK,
                    "delivery.lot_product",
                    params={
                        "lot": lot.id,
                        "product": line.product_id,
                        "lot_product": lot.product_id,
                    },
                )
            )
        if policy.require_qc_certificate and lot.qc_certificate is None:
            out.append(
                finding(cid, Outcome.BLOCK, "delivery.no_qc_certificate", params={"lot": lot.id})
            )
    for lot_id, qty in picked.items():
        on_hand = lots[lot_id].quantity
        if qty > on_hand:
            out.append(
                finding(
                    cid,
                    Outcome.BLOCK,
                    "delivery.lot_short",
                    params={"lot": lot_id, "quantity": qty, "on_hand": on_hand},
                )
            )
    return tuple(out)


# -- O2C-DL-04 --------------------------------------------------------------------------------


_DELIVERIES = (IssueDeliveryNotice, PostGoodsIssue)  # the union, built once


def check_delivery_credit(
    txn: Transaction, ctx: Context, policy: DeliveryPolicy
) -> tuple[Finding, ...]:
    """O2C-DL-04: credit is re-checked when a notice is issued and when goods are issued.

    The credit family's helpers and parameters decide (``policy.credit``, the ``[credit]`` in
    force, filled in when the :class:`~salesctl.policy.Policy` is built): only orders whose payment method consumes credit are re-checked; a credit
    order for a customer with no credit profile is blocked; the exposure the context reports
    is taken as it stands — it still counts the order being delivered as an open order — and
    where the policy counts deliveries-not-invoiced but not open orders, the delivery's value is
    added. Over the limit the delivery is held for the credit role's re-approval of this
    document, unless a valid one-time release for the order is on hand (S-IC 5.1). Items
    overdue beyond the credit days hold it too (the O2C-CR-05 rule, re-run here).

    Raises:
        InvalidInput: if ``policy`` was not built as part of a Policy (no credit parameters).
    """
    assert isinstance(txn, _DELIVERIES)
    cp = policy.credit
    if cp is None:  # a DeliveryPolicy built on its own: never the default credit parameters
        raise InvalidInput(
            "not bound to a Policy: use policy.family('delivery') of a salesctl.Policy",
            path="delivery.credit",
        )
    order = txn.order
    cid = "O2C-DL-04"
    if not consumes_credit(order, cp):
        return _NONE
    profile = order.customer.credit_profile
    if profile is None:
        return (
            finding(
                cid,
                Outcome.BLOCK,
                "delivery.credit_no_profile",
                params={"customer": order.customer.id, "method": order.payment.method},
            ),
        )
    if ctx.exposure is None:
        return (
            finding(
                cid,
                Outcome.BLOCK,
                "delivery.credit_no_exposure",
                params={"customer": order.customer.id},
            ),
        )
    doc = txn.notice if isinstance(txn, IssueDeliveryNotice) else txn.goods_issue
    lines = doc.lines
    limit = profile.limit
    value: Money | None = None  # made where it is read when computing it cannot fail
    if order.currency != limit.currency or not value_cannot_fail(lines, order, line_facts(doc)):
        value = ctx.convert(delivery_value(lines, order), limit.currency)  # fails closed here
    cats = cp.exposure_categories
    adds = "delivered_not_invoiced" in cats and "open_orders" not in cats
    out: list[Finding] = []
    if not adds and _within_limit(ctx.exposure, cp, limit):
        over = False
    else:
        if value is None:  # in the limit's currency: ctx.convert would return it as it is
            value = delivery_value(lines, order)
        exposure = exposure_total(ctx, cp)
        total = exposure + value if adds else exposure
        over = total > limit
    if over:
        facts: dict[str, object] = {
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
    if (
        order.company is not None
        or order.customer.group_id is not None
        or profile.category_limits
    ):
        out.extend(
            segment_limit_findings(
                cid,
                "delivery.credit_",
                txn,
                order,
                ctx,
                cp,
                delivery_value(lines, order),
                "delivered_not_invoiced",
                added_total=None if adds else Money.zero(order.currency),
                document_id=txn.document_id,
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


def _within_limit(exp: CreditExposure | None, cp: CreditPolicy, limit: Money) -> bool:
    """Not ``exposure_total > limit``, asked in Decimals (the same sum, zero first, in the
    policy's order, as ``Money.__gt__`` compares) when the policy counts the three default
    categories in the limit's currency; False otherwise (pinned by tests/test_performance.py)."""
    if exp is None or not cp._three or (oo := exp.open_orders).currency != limit.currency:
        return False
    dni, orr = exp.delivered_not_invoiced.amount, exp.open_receivables.amount
    return not Money.zero(oo.currency).amount + oo.amount + dni + orr > limit.amount


# -- O2C-DL-05 --------------------------------------------------------------------------------


def _remaining(lot: StockLot, ctx: Context) -> int | None:
    return None if lot.expires_on is None else (lot.expires_on - ctx.as_of).days


def check_expiry(
    txn: Transaction, ctx: Context, policy: DeliveryPolicy, scratch: Scratch | None = None
) -> tuple[Finding, ...]:
    """O2C-DL-05: expired lots (or lots with less shelf life left than the policy's minimum)
    never ship; a lot whose expiry cannot be verified blocks; and near-expiry lots ship first:
    picking a later-expiring lot while an earlier, shippable, near-expiry lot of the product
    stays on hand is held for the override role (every earlier lot, with ``strict_fefo``)."""
    assert isinstance(txn, PostGoodsIssue)
    gi = txn.goods_issue
    cid = "O2C-DL-05"
    if fresh_lots(line_facts(gi), stock_index(ctx), policy.min_remaining_days):
        return _NONE
    index = _lot_index(ctx, scratch)
    issue = index.of(gi)
    if issue.named and issue.sole:
        # The pass path: every line's lot is known and the only one of its product (no earlier
        # lot to prefer), and the earliest of them has the shelf life left.
        soonest = issue.earliest
        if soonest is None or (soonest - ctx.as_of).days >= policy.min_remaining_days:
            return _NONE
    lots = index.by_id
    out: list[Finding] = []
    picked: dict[str, Decimal] = {}
    for line in gi.lines:
        if line.lot_id is not None:
            picked[line.lot_id] = picked.get(line.lot_id, _ZERO) + line.quantity

    def shippable(lot: StockLot) -> bool:
        left = _remaining(lot, ctx)
        return (left is None or left >= policy.min_remaining_days) and (
            lot.qc_certificate is not None or not policy.require_qc_certificate
        )

    by_product = index.by_product  # the lots of each product, in context order

    for line in gi.lines:
        if line.lot_id is None:
            dated = [
                lot.id
                for lot in ctx.stock_lots
                if lot.product_id == line.product_id and lot.expires_on is not None
            ]
            if dated:
                out.append(
                    finding(
                        cid,
                        Outcome.BLOCK,
                        "delivery.lot_not_named",
                        params={"line": line.order_line, "product": line.product_id},
                        facts={"dated_lots": dated},
                    )
                )
            continue
        lot = lots.get(line.lot_id)
        if lot is None:
            out.append(
                finding(cid, Outcome.BLOCK, "delivery.expiry_unknown", params={"lot": line.lot_id})
            )
            continue
        left = _remaining(lot, ctx)
        if left is not None and left < policy.min_remaining_days:
            key = "delivery.lot_expired" if left < 0 else "delivery.lot_shelf_life"
            out.append(
                finding(
                    cid,
                    Outcome.BLOCK,
                    key,
                    params={"lot": lot.id, "expires_on": lot.expires_on, "days": left},
                    facts={
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
            for other in by_product.get(lot.product_id, ())
            if other.id != lot.id
            and other.expires_on is not None
            and (lot.expires_on is None or other.expires_on < lot.expires_on)
            and other.quantity - picked.get(other.id, _ZERO) > 0
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
                            f"{x.id} ({x.expires_on}, {x.quantity - picked.get(x.id, _ZERO)} left)"
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
