"""Orders: numbering and approval of sales orders (接受订单).

Source: the product-sales flow S-CP 3.1.1 (订单应连续编号) and 3.1.2★ (所有订单均由被授权人员
核准), and the group manual S-IC 1.1 (所有订单须由相关责任人核准). Guideline 9 art. 4 and 8.

Controls: O2C-SO-01 (preventive side: the order's number is the next in its series) and
O2C-SO-02 (every order approved by an authorised person, by amount band). The detective side
of O2C-SO-01 (gaps and duplicates over a period) runs in :mod:`salesctl.reconcile`.

The rest of the order's life: O2C-SO-04 (an order may be voided only while its goods issue is
unposted and its settlement temporary, S-PM B: 销售单作废时需要确认库房未将销售单对应的出库单
出库记账,销售单对应的销售结算单是临时状态), O2C-SO-05 (a quotation states quality grade,
spec/model, packaging, quantity, delivery date, transport and material, S-FT 报价) and
O2C-SO-06 (a production order only from an approved contract, after the business approval form,
signed by the sales VP; S-FT 业务审批, S-K1 6: 生产通知单由计划科依据合同编制,分管销售的副总经理
签发).

>>> from salesctl.controls.orders import OrdersPolicy
>>> [t.role for t in OrdersPolicy().approval_tiers]
['sales_manager', 'sales_director', 'general_manager']
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from attrs import field, frozen

from salesctl._validators import each, frozenset_conv, non_negative, text, tuple_conv, typed
from salesctl.context import Context
from salesctl.control import Assertion, Automation, Control, Family, Frequency, Kind
from salesctl.decision import (
    ApprovalRequirement,
    Finding,
    Outcome,
    _trusted_finding,
    _trusted_requirement,
)
from salesctl.errors import InvalidInput
from salesctl.gate import _clears, _evidence
from salesctl.model import (
    ContractStatus,
    ProductionOrder,
    Quotation,
    SalesOrder,
    SettlementStatus,
)
from salesctl.money import Money
from salesctl.transactions import (
    IssueProductionOrder,
    PlaceOrder,
    SendQuotation,
    Transaction,
    VoidOrder,
)

__all__ = [
    "FAMILY",
    "QUOTATION_FIELDS",
    "OrderApprovalTier",
    "OrdersPolicy",
    "check_order_approval",
    "check_order_number",
    "check_order_void",
    "check_production_order",
    "check_quotation",
]

_NONE: tuple[Finding, ...] = ()

#: What a quotation must be able to state (S-FT 报价): quality grade, spec/model, special
#: packaging, quantity, delivery date, transport mode and material. The first five of the
#: line fields sit on each :class:`~salesctl.model.QuotationLine`; ``delivery_date`` and
#: ``transport`` on the :class:`~salesctl.model.Quotation`.
QUOTATION_FIELDS: tuple[str, ...] = (
    "quality_grade",
    "spec_model",
    "packaging",
    "quantity",
    "delivery_date",
    "transport",
    "material",
)
_HEADER_FIELDS = frozenset({"delivery_date", "transport"})


def _quotation_fields(_i: Any, _a: Any, value: Any) -> None:
    if not isinstance(value, frozenset):
        raise InvalidInput("must be a list", path="quotation_required_fields", value=value)
    for f in value:
        if f not in QUOTATION_FIELDS:
            raise InvalidInput(
                f"unknown quotation field (known: {', '.join(QUOTATION_FIELDS)})",
                path="quotation_required_fields",
                value=f,
            )


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
        quotation_required_fields: what every quotation must state (O2C-SO-05); a subset of
            :data:`QUOTATION_FIELDS`, all of them by default.
        production_signer_role: who signs production orders (O2C-SO-06; 分管销售的副总经理).
        production_signer_level: the authority level that signature needs.
        production_needs_business_approval: a production order must follow an approved
            business approval form (业务审核表, O2C-SO-06).
        void_needs_temporary_settlement: an order may be voided only while its sales
            settlement is temporary (O2C-SO-04).
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
    quotation_required_fields: frozenset[str] = field(
        default=frozenset(QUOTATION_FIELDS), converter=frozenset_conv, validator=_quotation_fields
    )
    production_signer_role: str = field(default="sales_vp", validator=text)
    production_signer_level: int = field(default=4, validator=[typed(int), non_negative])
    production_needs_business_approval: bool = field(default=True, validator=typed(bool))
    void_needs_temporary_settlement: bool = field(default=True, validator=typed(bool))

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
        # O2C-SO-02 states the band of every order: its text, formatted once here.
        object.__setattr__(
            self,
            "_bands",
            tuple((t, str(t.max_amount) if t.max_amount else "unbounded") for t in tiers),
        )

    _bands: tuple[tuple[OrderApprovalTier, str], ...] = field(
        init=False, default=(), eq=False, repr=False
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
    return _order_approval(txn, ctx, policy, False)


def _check_order_approval_in_gate(
    txn: Transaction, ctx: Context, policy: OrdersPolicy
) -> tuple[Finding, ...]:
    """:func:`check_order_approval` as the gate runs it: the HOLD already cleared.

    The gate clears a HOLD with one requirement and no step by the first approval on hand that
    clears it (``gate._clear``); this does the same here, from the same values, and returns the
    finding the gate would have produced — the ALLOW with the same evidence, formatted by the
    same helper — without building the HOLD first. Nothing clears it: the HOLD, as before.
    ``tests/test_performance.py`` compares it with ``_clear(check_order_approval(...))``.
    """
    return _order_approval(txn, ctx, policy, True)


def _order_approval(
    txn: Transaction, ctx: Context, policy: OrdersPolicy, clear: bool
) -> tuple[Finding, ...]:
    order: SalesOrder = txn.order  # type: ignore[attr-defined]
    tiers = policy.approval_tiers
    # The bands are in one currency and only the last may be unbounded (OrdersPolicy
    # validates both): the first band's bound names the currency, unless it is the only one.
    first = tiers[0].max_amount
    currency = first.currency if first is not None else order.currency
    amount = ctx.convert(order.total, currency)
    tier = band = None
    for t, shown_band in policy._bands:
        if t.max_amount is None or amount <= t.max_amount:
            tier, band = t, shown_band
            break
    if tier is None or band is None:
        return (
            Finding(
                control_id="O2C-SO-02",
                outcome=Outcome.BLOCK,
                message="orders.above_all_tiers",
                params={"order": order.id, "amount": amount},
                facts={"order_total": amount},
            ),
        )
    # Every order passes here (the HOLD an approval then clears), so the finding is built
    # the trusted way: every value is text from the validated order and policy, rendered as
    # Finding would render it (tests/test_performance.py checks it equals Finding(...)).
    shown = str(amount)
    params = (("order", order.id), ("role", tier.role), ("amount", shown))
    facts = (("order_total", shown), ("band", band), ("created_by", order.created_by))
    need = shown if amount is order.total else str(order.total)
    excluded = (order.created_by,)
    if clear:
        role, level, oid = tier.role, tier.level, order.id
        for a in ctx.approvals:
            # approval_clears(a, requirement, txn) on the requirement's values
            if not _clears(a, "O2C-SO-02", role, level, oid, need, excluded, txn):
                continue
            return (
                _trusted_finding(
                    "O2C-SO-02",
                    Outcome.ALLOW,
                    "orders.needs_approval",
                    params,
                    (*facts, _evidence(a, 0)),
                    (),
                    (a.id,),
                ),
            )
    req = _trusted_requirement(
        "O2C-SO-02", tier.role, tier.level, order.id, "orders.needs_approval", need, excluded
    )
    return (
        _trusted_finding("O2C-SO-02", Outcome.HOLD, "orders.needs_approval", params, facts, (req,)),
    )


def check_order_void(txn: Transaction, ctx: Context, policy: OrdersPolicy) -> tuple[Finding, ...]:
    """O2C-SO-04: an order may be voided only while its goods issue is unposted.

    The host passes every goods issue and sales settlement of the order in
    ``ctx.goods_issues`` and ``ctx.settlements``. A posted goods issue blocks the void (the
    stock has left the books: reverse the issue first); so does, by default, a settlement that
    is no longer temporary (confirmed: roll it back first).
    """
    order: SalesOrder = txn.order  # type: ignore[attr-defined]
    out: list[Finding] = []
    posted = sorted(g.id for g in ctx.goods_issues if g.order_id == order.id and g.posted)
    if posted:
        out.append(
            Finding(
                control_id="O2C-SO-04",
                outcome=Outcome.BLOCK,
                message="orders.void_goods_issue_posted",
                params={"order": order.id, "goods_issues": posted},
                facts={"order": order.id, "posted_goods_issues": posted},
            )
        )
    if policy.void_needs_temporary_settlement:
        confirmed = sorted(
            s.id
            for s in ctx.settlements
            if s.order_id == order.id and s.status is SettlementStatus.CONFIRMED
        )
        if confirmed:
            out.append(
                Finding(
                    control_id="O2C-SO-04",
                    outcome=Outcome.BLOCK,
                    message="orders.void_settlement_confirmed",
                    params={"order": order.id, "settlements": confirmed},
                    facts={"order": order.id, "confirmed_settlements": confirmed},
                )
            )
    return tuple(out)


def _missing_fields(q: Quotation, required: frozenset[str]) -> list[str]:
    """``"field"`` for header gaps and ``"line N: field"`` for line gaps, in catalogue order."""
    missing: list[str] = []
    for name in QUOTATION_FIELDS:
        if name in required and name in _HEADER_FIELDS and getattr(q, name) is None:
            missing.append(name)
    for line in q.lines:
        gaps = [
            n
            for n in QUOTATION_FIELDS
            if n in required and n not in _HEADER_FIELDS and getattr(line, n) is None
        ]
        if gaps:
            missing.append(f"line {line.line_no}: {', '.join(gaps)}")
    return missing


def check_quotation(txn: Transaction, ctx: Context, policy: OrdersPolicy) -> tuple[Finding, ...]:
    """O2C-SO-05: a quotation states every element the policy requires before it goes out.

    By default all seven elements of S-FT 报价: quality grade, spec/model, packaging,
    quantity and material on every line; delivery date and transport on the quotation.
    """
    q: Quotation = txn.quotation  # type: ignore[attr-defined]
    missing = _missing_fields(q, policy.quotation_required_fields)
    if not missing:
        return _NONE
    return (
        Finding(
            control_id="O2C-SO-05",
            outcome=Outcome.BLOCK,
            message="orders.quotation_incomplete",
            params={"quotation": q.id, "missing": "; ".join(missing)},
            facts={
                "quotation": q.id,
                "missing": missing,
                "required": sorted(policy.quotation_required_fields),
            },
        ),
    )


def _block(key: str, po: ProductionOrder, **params: Any) -> Finding:
    return Finding(
        control_id="O2C-SO-06",
        outcome=Outcome.BLOCK,
        message=key,
        params={"production_order": po.id, **params},
        facts={"production_order": po.id, "contract": po.contract_id or "-", **params},
    )


def _production_blocks(po: ProductionOrder, ctx: Context, policy: OrdersPolicy) -> list[Finding]:
    out: list[Finding] = []
    cid = po.contract_id
    if cid is None:
        out.append(_block("orders.production_no_contract", po))
    elif cid not in ctx.approved_documents:
        out.append(_block("orders.production_contract_not_approved", po, contract=cid))
    else:
        contract = ctx.contract(cid)
        if contract is not None and contract.status is not ContractStatus.SIGNED:
            out.append(
                _block(
                    "orders.production_contract_not_in_force",
                    po,
                    contract=cid,
                    status=contract.status.value,
                )
            )
        elif contract is not None and contract.lines:
            allowed: dict[str, Decimal] = {}
            for cl in contract.lines:
                allowed[cl.product.id] = allowed.get(cl.product.id, Decimal(0)) + cl.quantity
            wanted: dict[str, Decimal] = {}
            for pl in po.lines:
                wanted[pl.product.id] = wanted.get(pl.product.id, Decimal(0)) + pl.quantity
            for product, qty in wanted.items():
                if qty > allowed.get(product, Decimal(0)):
                    out.append(
                        _block(
                            "orders.production_exceeds_contract",
                            po,
                            contract=cid,
                            product=product,
                            quantity=qty,
                            contracted=allowed.get(product, Decimal(0)),
                        )
                    )
    if policy.production_needs_business_approval:
        out.extend(_business_approval_blocks(po, ctx))
    return out


def _business_approval_blocks(po: ProductionOrder, ctx: Context) -> list[Finding]:
    fid = po.business_approval_id
    if fid is None:
        return [_block("orders.production_no_business_approval", po)]
    form = ctx.business_approval_form(fid)
    if form is None:
        return [_block("orders.business_approval_missing", po, form=fid)]
    if form.contract_id is not None and form.contract_id != po.contract_id:
        return [
            _block(
                "orders.business_approval_other_contract",
                po,
                form=fid,
                form_contract=form.contract_id,
            )
        ]
    approvers = [a for a in form.approved_by if a != form.prepared_by]
    if form.approved_on is None or not approvers:
        return [_block("orders.business_approval_not_approved", po, form=fid)]
    if form.approved_on > po.issued_on:
        return [
            _block(
                "orders.business_approval_after_production",
                po,
                form=fid,
                approved_on=form.approved_on,
                issued_on=po.issued_on,
            )
        ]
    return []


def check_production_order(
    txn: Transaction, ctx: Context, policy: OrdersPolicy
) -> tuple[Finding, ...]:
    """O2C-SO-06: a production order only from an approved contract, after the business
    approval form, signed by the sales VP.

    Blocks when the production order names no contract, the contract is not among
    ``ctx.approved_documents`` (or its document in ``ctx.contracts`` is no longer signed),
    the quantities exceed the contract's lines, or the business approval form is missing,
    for another contract, unapproved (its preparer's own approval does not count) or approved
    after the production order's date. Otherwise it holds for the sales VP's signature; the
    compiler of the production order cannot sign it.
    """
    po: ProductionOrder = txn.production_order  # type: ignore[attr-defined]
    out = _production_blocks(po, ctx, policy)
    out.append(
        Finding(
            control_id="O2C-SO-06",
            outcome=Outcome.HOLD,
            message="orders.production_needs_signature",
            params={"production_order": po.id, "role": policy.production_signer_role},
            facts={
                "production_order": po.id,
                "contract": po.contract_id or "-",
                "business_approval": po.business_approval_id or "-",
                "issued_by": po.issued_by,
            },
            required=(
                ApprovalRequirement(
                    control_id="O2C-SO-06",
                    role=policy.production_signer_role,
                    min_level=policy.production_signer_level,
                    document_id=po.id,
                    reason="orders.production_needs_signature",
                    excluded=(po.issued_by,),
                ),
            ),
        )
    )
    return tuple(out)


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
    Control(
        id="O2C-SO-04",
        title_zh="已出库记账的订单不得作废",
        title_en="An order may be voided only while its goods issue is unposted",
        objective_zh="已出库记账的销售单不得作废,防止账实不符、收入与存货失真。",
        objective_en="No order whose goods issue is posted can be voided, so that stock, revenue and receivables stay true.",
        activity_zh="作废销售单时系统检查该单的出库单均未出库记账;启用结算检查时({void_needs_temporary_settlement}),销售结算单须为临时状态,否则阻止。",
        activity_en="When an order is voided the system checks that none of its goods issues is posted and, when the settlement check is on ({void_needs_temporary_settlement}), that its sales settlement is still temporary; otherwise the void is blocked.",
        risks=("R2.1", "R2.2"),
        kind=Kind.PREVENTIVE,
        frequency=Frequency.PER_TRANSACTION,
        key=False,
        automation=Automation.AUTOMATED,
        assertions=(_A.OCCURRENCE, _A.COMPLETENESS),
        seeds=("S-PM B",),
        g9=(8, 12),
        stage="order",
        owner="sales department / 销售部门",
        evidence="decision log: order, posted goods issues, settlement states",
        applies_to=(VoidOrder.__name__,),
        check=check_order_void,
        messages={
            "orders.void_goods_issue_posted": (
                "订单 {order} 的出库单 {goods_issues} 已出库记账,不得作废",
                "order {order} cannot be voided: goods issue {goods_issues} is posted",
            ),
            "orders.void_settlement_confirmed": (
                "订单 {order} 的销售结算单 {settlements} 已确定(非临时状态),不得作废",
                "order {order} cannot be voided: settlement {settlements} is confirmed, not temporary",
            ),
        },
    ),
    Control(
        id="O2C-SO-05",
        title_zh="报价要素齐全",
        title_en="Quotation carries quality grade, spec/model, packaging, quantity, delivery date, transport, material",
        objective_zh="报价单写明质量等级、规格型号、包装要求、数量、交货期、运输方式和材质,避免按不完整条件成交。",
        objective_en="A quotation states quality grade, spec/model, packaging, quantity, delivery date, transport and material, so that no sale is agreed on incomplete terms.",
        activity_zh="发出报价前系统检查报价单载明 {quotation_required_fields};缺项即阻止。",
        activity_en="Before a quotation goes out the system checks that it states {quotation_required_fields}; any gap blocks it.",
        risks=("R3.2", "R3.1"),
        kind=Kind.PREVENTIVE,
        frequency=Frequency.PER_TRANSACTION,
        key=False,
        automation=Automation.AUTOMATED,
        assertions=(_A.ACCURACY, _A.RIGHTS_AND_OBLIGATIONS),
        seeds=("S-FT 报价",),
        g9=(6,),
        stage="quotation",
        owner="sales department (foreign trade) / 业务部",
        evidence="decision log: quotation id, missing elements by line",
        applies_to=(SendQuotation.__name__,),
        check=check_quotation,
        messages={
            "orders.quotation_incomplete": (
                "报价单 {quotation} 要素不全:{missing}",
                "quotation {quotation} is incomplete: {missing}",
            ),
        },
    ),
    Control(
        id="O2C-SO-06",
        title_zh="业务审批后方可下生产单",
        title_en="Production order only after the business approval form, from an approved contract, signed by the sales VP",
        objective_zh="生产通知单只依据已审批的合同编制,在业务审核表审批之后下达,并经分管销售副总签发。",
        objective_en="Production orders rest on an approved contract, follow an approved business approval form and are signed by the sales VP.",
        activity_zh="下达生产单时系统检查:合同已审批生效、数量不超合同;业务审核表(须审批:{production_needs_business_approval})已于生产单日前审批;并要求 {production_signer_role}(级别 ≥ {production_signer_level})签发,编制人不得签发。",
        activity_en="When a production order is issued the system checks that its contract is approved and in force and the quantities are within it; that the business approval form (required: {production_needs_business_approval}) was approved on or before the order's date; and requires the signature of {production_signer_role} (level ≥ {production_signer_level}), not the compiler.",
        risks=("R3.1", "R3.2"),
        kind=Kind.PREVENTIVE,
        frequency=Frequency.PER_TRANSACTION,
        key=True,
        automation=Automation.AUTOMATED,
        assertions=(_A.OCCURRENCE, _A.RIGHTS_AND_OBLIGATIONS),
        seeds=("S-FT 下生产订单", "S-FT 业务审批", "S-K1 6"),
        g9=(7,),
        refs=("BN 29",),
        stage="production",
        owner="sales VP / 分管销售的副总经理",
        evidence="decision log: contract, business approval form, signature (who, role, level, when)",
        applies_to=(IssueProductionOrder.__name__,),
        check=check_production_order,
        messages={
            "orders.production_no_contract": (
                "生产单 {production_order} 未依据合同编制",
                "production order {production_order} names no contract",
            ),
            "orders.production_contract_not_approved": (
                "生产单 {production_order} 依据的合同 {contract} 未经审批",
                "production order {production_order} rests on contract {contract}, which is not approved",
            ),
            "orders.production_contract_not_in_force": (
                "生产单 {production_order} 依据的合同 {contract} 状态为 {status},不再有效",
                "production order {production_order}: contract {contract} is {status}, not in force",
            ),
            "orders.production_exceeds_contract": (
                "生产单 {production_order} 的 {product} 数量 {quantity} 超出合同 {contract} 的 {contracted}",
                "production order {production_order}: {quantity} of {product} exceeds the {contracted} of contract {contract}",
            ),
            "orders.production_no_business_approval": (
                "生产单 {production_order} 未附业务审核表",
                "production order {production_order} follows no business approval form",
            ),
            "orders.business_approval_missing": (
                "生产单 {production_order} 引用的业务审核表 {form} 不存在",
                "business approval form {form} named by production order {production_order} is not on hand",
            ),
            "orders.business_approval_other_contract": (
                "业务审核表 {form} 属于合同 {form_contract},与生产单 {production_order} 不符",
                "business approval form {form} is for contract {form_contract}, not for production order {production_order}",
            ),
            "orders.business_approval_not_approved": (
                "生产单 {production_order} 的业务审核表 {form} 尚未经(编制人以外的人)审批",
                "business approval form {form} of production order {production_order} is not approved (by anyone but its preparer)",
            ),
            "orders.business_approval_after_production": (
                "业务审核表 {form} 于 {approved_on} 审批,晚于生产单 {production_order} 的日期 {issued_on}",
                "business approval form {form} was approved on {approved_on}, after production order {production_order} of {issued_on}",
            ),
            "orders.production_needs_signature": (
                "生产单 {production_order} 须经 {role} 签发",
                "production order {production_order} needs the signature of {role}",
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
