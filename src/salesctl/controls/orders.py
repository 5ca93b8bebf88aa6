"""Orders: numbering and approval of sales orders (接受订单).

Source: the product-sales flow S-CP 3.1.1 (订单应连续编号) and 3.1.2★ (所有订单均由被授权人员
核准), and the group manual S-IC 1.1 (所有订单须由相关责任人核准). Guideline 9 art. 4 and 8.

Controls: O2C-SO-01 (preventive side: the order's number is the next in its series) and
O2C-SO-02 (every order approved by an authorised person, by amount band). The detective side
of O2C-SO-01 (gaps and duplicates over a period) runs in :mod:`salesctl.reconcile`.

>>> from salesctl.controls.orders import OrdersPolicy
>>> [t.role for t in OrdersPolicy().approval_tiers]
['sales_manager', 'sales_director', 'general_manager']
"""

from __future__ import annotations

from typing import Any

from attrs import field, frozen

from salesctl._types import each, non_negative, text, tuple_conv, typed
from salesctl.context import Context
from salesctl.control import Assertion, Automation, Control, Family, Frequency, Kind
from salesctl.decision import ApprovalRequirement, Finding, Outcome
from salesctl.errors import InvalidInput
from salesctl.model import SalesOrder
from salesctl.money import Money
from salesctl.transactions import PlaceOrder, Transaction

__all__ = [
    "FAMILY",
    "OrderApprovalTier",
    "OrdersPolicy",
    "check_order_approval",
    "check_order_number",
]

_NONE: tuple[Finding, ...] = ()


@frozen
class OrderApprovalTier:
    """Who approves orders up to an amount (S-CP 3.1.2★).

    Attributes:
        role: the approving role.
        level: the lowest authority level that may approve.
        max_amount: the largest order total this tier covers (``None``: no upper bound).
    """

    role: str = field(validator=text)
    level: int = field(validator=[typed(int), non_negative])
    max_amount: Money | None = field(default=None, validator=typed(Money, optional=True))


@frozen
class OrdersPolicy:
    """Parameters of the orders family (``[orders]`` in the policy file).

    Attributes:
        approval_tiers: order approval bands, rising by ``max_amount``; the last may have no
            upper bound. An order above every bound is blocked (O2C-SO-02).
        gap_approval_role: who may approve an order whose number skips numbers (O2C-SO-01).
        gap_approval_level: the authority level that approval needs.
    """

    approval_tiers: tuple[OrderApprovalTier, ...] = field(
        default=(
            OrderApprovalTier("sales_manager", 2, Money("100000", "CNY")),
            OrderApprovalTier("sales_director", 3, Money("1000000", "CNY")),
            OrderApprovalTier("general_manager", 4),
        ),
        converter=tuple_conv,
        validator=each(OrderApprovalTier),
    )
    gap_approval_role: str = field(default="sales_manager", validator=text)
    gap_approval_level: int = field(default=2, validator=[typed(int), non_negative])

    def __attrs_post_init__(self) -> None:
        tiers = self.approval_tiers
        if not tiers:
            raise InvalidInput("at least one approval tier is needed", path="approval_tiers")
        for i, t in enumerate(tiers):
            if t.max_amount is None and i != len(tiers) - 1:
                raise InvalidInput(
                    "only the last tier may be unbounded", path=f"approval_tiers[{i}].max_amount"
                )
            if i and t.max_amount is not None:
                prev = tiers[i - 1].max_amount
                assert prev is not None
                if t.max_amount.currency != prev.currency or not t.max_amount > prev:
                    raise InvalidInput(
                        "tiers must be in one currency and in rising order",
                        path=f"approval_tiers[{i}].max_amount",
                        value=str(t.max_amount),
                    )


def check_order_number(txn: Transaction, ctx: Context, policy: OrdersPolicy) -> tuple[Finding, ...]:
    """O2C-SO-01 (preventive): the order's number must be the next in its series.

    A number at or below the last issued is a duplicate (BLOCK); a number that skips ahead
    leaves a gap (HOLD for the configured role). The first order of a series the context
    does not know must be number 1; any other number cannot be verified and fails closed.
    """
    order: SalesOrder = txn.order  # type: ignore[attr-defined]
    last = ctx.last_numbers.get(order.series)
    expected = 1 if last is None else last + 1
    if order.seq == expected:
        return _NONE
    facts: dict[str, Any] = {"series": order.series, "seq": order.seq, "expected": expected}
    if last is None:
        return (
            Finding(
                control_id="O2C-SO-01",
                outcome=Outcome.BLOCK,
                message="orders.series_unknown",
                params={"series": order.series, "seq": order.seq},
                facts=facts,
            ),
        )
    if order.seq < expected:
        return (
            Finding(
                control_id="O2C-SO-01",
                outcome=Outcome.BLOCK,
                message="orders.duplicate_number",
                params={"series": order.series, "seq": order.seq, "last": last},
                facts=facts,
            ),
        )
    return (
        Finding(
            control_id="O2C-SO-01",
            outcome=Outcome.HOLD,
            message="orders.number_gap",
            params={"series": order.series, "seq": order.seq, "expected": expected},
            facts={**facts, "skipped": order.seq - expected},
            required=(
                ApprovalRequirement(
                    control_id="O2C-SO-01",
                    role=policy.gap_approval_role,
                    min_level=policy.gap_approval_level,
                    document_id=order.id,
                    reason="orders.number_gap",
                    excluded=(order.created_by,),
                ),
            ),
        ),
    )


def check_order_approval(
    txn: Transaction, ctx: Context, policy: OrdersPolicy
) -> tuple[Finding, ...]:
    """O2C-SO-02: every order is approved by a person authorised for its amount.

    The finding is a HOLD naming the band's role and level; an approval on hand from an
    authorised approver other than the order's creator (and the acting user) clears it, and
    the cleared finding is the evidence of approval.
    """
    order: SalesOrder = txn.order  # type: ignore[attr-defined]
    tiers = policy.approval_tiers
    currency = (
        next(t.max_amount.currency for t in tiers if t.max_amount is not None)
        if any(t.max_amount is not None for t in tiers)
        else order.currency
    )
    amount = ctx.convert(order.total, currency)
    tier = next((t for t in tiers if t.max_amount is None or amount <= t.max_amount), None)
    if tier is None:
        return (
            Finding(
                control_id="O2C-SO-02",
                outcome=Outcome.BLOCK,
                message="orders.above_all_tiers",
                params={"order": order.id, "amount": amount},
                facts={"order_total": amount},
            ),
        )
    return (
        Finding(
            control_id="O2C-SO-02",
            outcome=Outcome.HOLD,
            message="orders.needs_approval",
            params={"order": order.id, "role": tier.role, "amount": amount},
            facts={
                "order_total": amount,
                "band": tier.max_amount or "unbounded",
                "created_by": order.created_by,
            },
            required=(
                ApprovalRequirement(
                    control_id="O2C-SO-02",
                    role=tier.role,
                    min_level=tier.level,
                    document_id=order.id,
                    reason="orders.needs_approval",
                    amount=str(order.total),
                    excluded=(order.created_by,),
                ),
            ),
        ),
    )


_A = Assertion

CONTROLS: tuple[Control, ...] = (
    Control(
        id="O2C-SO-01",
        title_zh="订单连续编号",
        title_en="Orders consecutively numbered; gaps and duplicates flagged",
        objective_zh="订单连续编号,不重号、不跳号,保证销售完整、真实。",
        objective_en="Orders are numbered consecutively with no duplicates or unexplained gaps, so that sales are complete and real.",
        activity_zh="下单时系统检查订单号是否为该号段的下一个号;重号阻止,跳号挂起须 {gap_approval_role}(级别 ≥ {gap_approval_level})说明并审批。",
        activity_en="At order entry the system checks that the number is the next in its series; a duplicate is blocked, a gap is held for {gap_approval_role} (level ≥ {gap_approval_level}).",
        risks=("R2.1",),
        kind=Kind.PREVENTIVE,
        frequency=Frequency.PER_TRANSACTION,
        key=False,
        automation=Automation.AUTOMATED,
        assertions=(_A.COMPLETENESS, _A.OCCURRENCE),
        seeds=("S-CP 3.1.1",),
        g9=(8,),
        stage="order",
        owner="sales department / 销售部门",
        evidence="decision log: series, number, expected number; journal number series",
        applies_to=(PlaceOrder.__name__,),
        check=check_order_number,
        messages={
            "orders.series_unknown": (
                "号段 {series} 无已发号记录,订单号 {seq} 无法核实(失败关闭)",
                "series {series} has no last number in the context: number {seq} cannot be verified (fails closed)",
            ),
            "orders.duplicate_number": (
                "订单号 {series}/{seq} 重号(已发至 {last})",
                "order number {series}/{seq} is a duplicate (last issued {last})",
            ),
            "orders.number_gap": (
                "订单号 {series}/{seq} 跳号(应为 {expected})",
                "order number {series}/{seq} skips numbers (expected {expected})",
            ),
        },
    ),
    Control(
        id="O2C-SO-02",
        title_zh="订单须经授权人核准",
        title_en="Every order approved by an authorised person",
        objective_zh="所有订单均由被授权人员按金额权限核准。",
        objective_en="Every order is approved by a person authorised for its amount.",
        activity_zh="下单时系统按金额分级要求审批:{approval_tiers};下单人及录入人的审批无效。",
        activity_en="At order entry the system requires approval by amount band: {approval_tiers}; the creator's and the entering user's own approvals do not count.",
        risks=("R1.1", "R3.1"),
        kind=Kind.PREVENTIVE,
        frequency=Frequency.PER_TRANSACTION,
        key=True,
        automation=Automation.AUTOMATED,
        assertions=(_A.OCCURRENCE, _A.ACCURACY),
        seeds=("S-CP 3.1.2", "S-IC 1.1"),
        g9=(4,),
        refs=("BN 29",),
        stage="order",
        owner="sales management / 销售管理",
        evidence="decision log: band, approval (who, role, level, when)",
        applies_to=(PlaceOrder.__name__,),
        check=check_order_approval,
        messages={
            "orders.needs_approval": (
                "订单 {order}(金额 {amount})须经 {role} 核准",
                "order {order} ({amount}) needs approval by {role}",
            ),
            "orders.above_all_tiers": (
                "订单 {order} 金额 {amount} 超出所有审批权限档次",
                "order {order} amount {amount} is above every approval band",
            ),
        },
    ),
)

FAMILY = Family(
    name="orders",
    title_zh="订单",
    title_en="Orders",
    policy_type=OrdersPolicy,
    controls=CONTROLS,
)
