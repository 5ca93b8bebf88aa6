"""Billing: invoices and their voids (开票与作废).

Source: the group manual S-IC 5.2 (营销部门依据系统发货凭证生成系统发票,财务部门根据系统发票
开具销售发票); the contract flow S-K1 11 (60%以上货款回收时方可开据发票,发票开据由财务副总
签批); the billing system's rules S-PM C (回退处理时传票取消记账后,销售结算单需要在系统中被
回退确定并作废;发票作废时需要确认销售结算单已经被作废). Guideline 9 art. 7, 10 and 12.

Controls: O2C-BL-01 (invoiced quantity never above delivered quantity, per order line),
O2C-BL-03 (a contract is invoiced only once the collected share of its price reaches the
policy's minimum, 60 % by default, and the finance VP signs; the contract is found through the
order when the invoice leaves it out, and a credit sale without one is blocked, S-K1 3), O2C-BL-04 (an invoice is voided
only after its settlement was voided; a settlement is rolled back only while its accounting
voucher is unposted); and, detective, O2C-BL-02 (daily, the quantities invoiced agree with
the system deliveries they bill, S-IC 7.1: 每日核对发票销售量与系统发货量是否一致), run by
:func:`salesctl.reconcile.run`.

The 60 % rule compares exactly, in Decimal: ``collected ≥ price × min_collected_ratio``.

>>> from salesctl.controls.billing import BillingPolicy
>>> BillingPolicy().min_collected_ratio
Decimal('0.60')
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from decimal import Decimal
from typing import Any, ClassVar

from attrs import field, frozen

from salesctl._validators import decimal_conv, non_negative, ratio, text, typed
from salesctl.context import Context
from salesctl.control import (
    FROM_FAMILY,
    Assertion,
    Automation,
    Control,
    Examination,
    Family,
    Frequency,
    Kind,
)
from salesctl.controls.billing_paths import _cleared, _clearing_approval, _invoiced_as_issued
from salesctl.controls.credit import CreditPolicy
from salesctl.controls.weakening import Weakening, at_proposer_level, weakenings
from salesctl.decision import (
    ApprovalRequirement,
    Finding,
    Outcome,
    _Deferred,
    _trusted_finding,
    _trusted_requirement,
    finding,
    make_finding,
)
from salesctl.model import ContractAccount, GoodsIssue, Invoice, Settlement, SettlementStatus
from salesctl.records import Period, Records
from salesctl.transactions import IssueInvoice, Transaction, VoidInvoice, VoidSettlement

__all__ = [
    "FAMILY",
    "BillingPolicy",
    "check_collected_share",
    "check_invoiced_within_delivered",
    "check_void_order",
    "detect_invoiced_quantity",
]

_NONE: tuple[Finding, ...] = ()


@frozen
class BillingPolicy:
    """Parameters of the billing family (``[billing]`` in the policy file).

    Attributes:
        min_collected_ratio: the share of the contract price that must be collected before
            the contract may be invoiced, as a fraction (S-K1 11: 60 % → ``0.60``; O2C-BL-03).
        invoice_approval_role: who signs an invoice (S-K1 11: 财务副总; O2C-BL-03).
        invoice_approval_level: the authority level that signature needs.
        billing_role: who investigates invoices that do not agree with deliveries (O2C-BL-02).
        follow_up_level: the authority level of the follow-up roles above.
        credit: the credit family's parameters in force (``[credit]``), filled in by
            :class:`~salesctl.policy.Policy` when it is built: its ``credit_methods`` tell a
            credit sale, which always has a contract (S-K1 3; O2C-BL-03); the default credit
            parameters in a billing policy built on its own. Not a key of ``[billing]``.
    """

    min_collected_ratio: Decimal = field(
        default=Decimal("0.60"), converter=decimal_conv, validator=ratio
    )
    invoice_approval_role: str = field(default="finance_vp", validator=text)
    invoice_approval_level: int = field(default=4, validator=[typed(int), non_negative])
    billing_role: str = field(default="finance_head", validator=text)
    follow_up_level: int = field(default=3, validator=[typed(int), non_negative])
    credit: CreditPolicy | None = field(
        init=False, default=None, eq=False, repr=False, metadata={FROM_FAMILY: "credit"}
    )

    #: The controls each field sets (see :mod:`salesctl.controls.weakening`).
    AFFECTS: ClassVar[Mapping[str, tuple[str, ...]]] = {
        "min_collected_ratio": ("O2C-BL-03",),
        "invoice_approval_role": ("O2C-BL-03",),
        "invoice_approval_level": ("O2C-BL-03",),
        "billing_role": ("O2C-BL-02",),
        "follow_up_level": ("O2C-BL-02",),
    }

    def weakened(self) -> tuple[Weakening, ...]:
        """What these values leave unable to fire (:mod:`salesctl.controls.weakening`)."""
        out: list[Weakening] = []
        if self.min_collected_ratio <= 0:
            out += weakenings(
                ("O2C-BL-03",),
                "min_collected_ratio",
                "a zero ratio lets an invoice out before any collection",
            )
        if at_proposer_level(self.invoice_approval_role, self.invoice_approval_level):
            key = (
                "invoice_approval_level"
                if self.invoice_approval_level <= 0
                else "invoice_approval_role"
            )
            out += weakenings(("O2C-BL-03",), key, "invoices are signed at the proposer's level")
        return tuple(out)


def _percent(fraction: Decimal) -> str:
    """``Decimal("0.5999")`` → ``"59.99 %"``; ``Decimal("0.60")`` → ``"60 %"`` (two places at most)."""
    return f"{(fraction * 100).quantize(Decimal('0.01')).normalize():f} %"


_ZERO = Decimal(0)


def _share_facts(
    contract_id: str, acct: ContractAccount, share: Decimal, ratio: Decimal
) -> dict[str, Any]:
    """The facts of an O2C-BL-03 finding (rendered when first read on the approval path)."""
    return {
        "contract": contract_id,
        "contract_price": acct.value,
        "collected": acct.collected,
        "collected_share": _percent(share),
        "required_share": _percent(ratio),
    }


# -- O2C-BL-01 --------------------------------------------------------------------------------


def check_invoiced_within_delivered(
    txn: Transaction, ctx: Context, policy: BillingPolicy
) -> tuple[Finding, ...]:
    """O2C-BL-01: per order line, quantity invoiced so far (voided invoices excluded) plus this
    invoice never exceeds the quantity delivered by posted goods issues of the order, and each
    line is invoiced as the product delivered; an invoice is issued once."""
    assert isinstance(txn, IssueInvoice)
    inv = txn.invoice
    cid = "O2C-BL-01"
    out: list[Finding] = []
    issued = inv.voided
    if not issued:
        iid = inv.id
        for i in ctx.invoices:  # a loop, not any() over a generator: on every invoice's path
            if i.id == iid and not i.voided:
                issued = True
                break
    if issued:
        out.append(
            finding(cid, Outcome.BLOCK, "billing.already_issued", params={"invoice": inv.id})
        )
    # One pass over the order's posted goods issues and one over its earlier invoices: the
    # quantities by order line (summed from zero, in order) and the
    # product last delivered on each line.
    order_id = inv.order_id
    issues: list[GoodsIssue] = []
    delivered: dict[int, Decimal] = {}
    products: dict[int, str] = {}
    for g in ctx.goods_issues:
        if g.posted and g.order_id == order_id:
            issues.append(g)
    if len(issues) == 1 and _invoiced_as_issued(inv, issues[0], ctx):
        return tuple(out)
    for g in issues:
        for ln in g.lines:
            no = ln.order_line
            delivered[no] = delivered.get(no, _ZERO) + ln.quantity
            products[no] = ln.product_id
    before: dict[int, Decimal] = {}
    for i in ctx.invoices:
        if i.order_id == order_id and i.id != inv.id and not i.voided:
            for il in i.lines:
                no = il.order_line
                before[no] = before.get(no, _ZERO) + il.quantity
    # One pass over the invoice's lines: the product check (its findings in line order) and
    # this invoice's quantities by order line (summed from zero, in order).
    this: dict[int, Decimal] = {}
    for line in inv.lines:
        no = line.order_line
        product = products.get(no)
        if product is not None and product != line.product_id:
            out.append(
                finding(
                    cid,
                    Outcome.BLOCK,
                    "billing.line_product",
                    params={
                        "line": no,
                        "product": line.product_id,
                        "delivered": product,
                    },
                )
            )
        this[no] = this.get(no, _ZERO) + line.quantity
    for no, qty in this.items():
        done = delivered.get(no, _ZERO)
        already = before.get(no, _ZERO)
        if already + qty > done:
            out.append(
                Finding(
                    control_id=cid,
                    outcome=Outcome.BLOCK,
                    message="billing.over_delivered",
                    params={
                        "invoice": inv.id,
                        "line": no,
                        "quantity": qty,
                        "open": max(done - already, Decimal(0)),
                    },
                    facts={
                        "order": inv.order_id,
                        "order_line": no,
                        "delivered": done,
                        "invoiced_before": already,
                        "this_invoice": qty,
                        "goods_issues": [g.id for g in issues] or "-",
                    },
                )
            )
    return tuple(out)


# -- O2C-BL-03 --------------------------------------------------------------------------------


def _linked_contracts(inv: Invoice, ctx: Context) -> tuple[str, ...]:
    """The contracts the context links the invoice's order to: the order's ``contract_id``
    and every contract document naming the order (sorted, no repeats). A set is made only
    for two different ids (tests/test_performance.py pins it to the set of every id)."""
    oid = inv.order_id
    first: str | None = None
    more: set[str] | None = None
    for order in ctx.orders:  # ctx.order(oid): the first order of that id
        if order.id == oid:
            first = order.contract_id
            break
    for c in ctx.contracts:
        if c.order_id == oid:
            k = c.id
            if first is None:
                first = k
            elif k != first:
                if more is None:
                    more = {first}
                more.add(k)
    if more is not None:
        return tuple(sorted(more))
    return () if first is None else (first,)


def check_collected_share(
    txn: Transaction, ctx: Context, policy: BillingPolicy
) -> tuple[Finding, ...]:
    """O2C-BL-03: a contract is invoiced only when at least ``min_collected_ratio`` of its
    price has been collected (exact comparison; below it, BLOCK), and then only with the
    finance VP's signature (a HOLD the VP's approval clears; the preparer's own does not).

    The contract is the one the invoice names or, when it names none, the one the context
    links its order to (the order's ``contract_id`` in ``ctx.orders``, or a contract in
    ``ctx.contracts`` naming the order); an invoice naming a contract its order is not linked
    to is blocked. A credit sale always has a contract (S-K1 3): an invoice on one with no
    contract found is blocked; so is an invoice whose order the context does not hold (it
    cannot tell a credit sale; fails closed). Only a sale not on credit, with no contract,
    is outside the rule. A contract the context's ledger does not hold fails closed."""
    return _check_collected_share(txn, ctx, policy, False)


def _check_collected_share_in_gate(
    txn: Transaction, ctx: Context, policy: BillingPolicy
) -> tuple[Finding, ...]:
    """:func:`check_collected_share` as the gate runs it (the control's ``gate_check``): the
    approval HOLD already cleared by the one approval on hand that clears it, as the gate's
    :func:`salesctl.approvals.clear_finding` clears it (:func:`_cleared`); in every other case
    the HOLD as built, which the gate then clears as before."""
    return _check_collected_share(txn, ctx, policy, True)


def _check_collected_share(
    txn: Transaction, ctx: Context, policy: BillingPolicy, clear: bool
) -> tuple[Finding, ...]:
    """:func:`check_collected_share`; with ``clear``, :func:`_check_collected_share_in_gate`."""
    assert isinstance(txn, IssueInvoice)
    inv = txn.invoice
    cid = "O2C-BL-03"
    linked = _linked_contracts(inv, ctx)
    if inv.contract_id is not None:
        if linked and inv.contract_id not in linked:
            return (
                finding(
                    cid,
                    Outcome.BLOCK,
                    "billing.contract_not_linked",
                    params={
                        "invoice": inv.id,
                        "contract": inv.contract_id,
                        "order": inv.order_id,
                        "linked": "/".join(linked),
                    },
                ),
            )
        contracts: tuple[str, ...] = (inv.contract_id,)
    else:
        contracts = linked
    if not contracts:
        order = ctx.order(inv.order_id)
        if order is None:
            return (
                finding(
                    cid,
                    Outcome.BLOCK,
                    "billing.order_unknown",
                    params={"invoice": inv.id, "order": inv.order_id},
                ),
            )
        credit = policy.credit if policy.credit is not None else CreditPolicy()
        if order.payment.method in credit.credit_methods:
            return (
                finding(
                    cid,
                    Outcome.BLOCK,
                    "billing.credit_sale_without_contract",
                    params={"invoice": inv.id, "order": order.id},
                    facts={"order": order.id, "method": order.payment.method},
                ),
            )
        return _NONE
    if len(contracts) == 1:
        return _collected_share(txn, contracts[0], ctx, policy, clear)
    out: list[Finding] = []
    for contract_id in contracts:
        out.extend(_collected_share(txn, contract_id, ctx, policy, False))
    return tuple(out)


def _collected_share(
    txn: IssueInvoice, contract_id: str, ctx: Context, policy: BillingPolicy, clear: bool
) -> tuple[Finding, ...]:
    inv = txn.invoice
    cid = "O2C-BL-03"
    acct = ctx.contract_accounts.get(contract_id)
    if acct is None:
        return (
            finding(
                cid, Outcome.BLOCK, "billing.contract_unknown", params={"contract": contract_id}
            ),
        )
    ratio = policy.min_collected_ratio
    needed = acct.value.amount * ratio
    share = acct.collected.amount / acct.value.amount
    if acct.collected.amount >= needed and share.is_finite() and share.adjusted() < 20:
        # The path every invoice takes: held for the finance VP's signature, which the gate
        # then clears. The percentages are rendered when the facts are first read: both
        # render without error here (a finite share below 10**20; the ratio is within 0..1);
        # anything else is rendered now, where an error fails the check closed as before.
        facts_later = _Deferred(_share_facts, (contract_id, acct, share, ratio))
        if clear and ctx.approvals:
            hit = _clearing_approval(
                txn, ctx.approvals, policy.invoice_approval_role, policy.invoice_approval_level
            )
            if hit is not None:
                return (_cleared(inv.id, policy.invoice_approval_role, facts_later, hit),)
        return (
            _trusted_finding(
                cid,
                Outcome.HOLD,
                "billing.invoice_approval",
                (("invoice", inv.id), ("role", policy.invoice_approval_role)),
                facts_later,
                # built the trusted way too: every value is validated text or level (the
                # invoice's id and preparer, the policy's role and level)
                (
                    _trusted_requirement(
                        cid,
                        policy.invoice_approval_role,
                        policy.invoice_approval_level,
                        inv.id,
                        "billing.invoice_approval",
                        str(inv.total),
                        (inv.issued_by,),
                    ),
                ),
            ),
        )
    facts = _share_facts(contract_id, acct, share, ratio)
    if acct.collected.amount < needed:
        return (
            Finding(
                control_id=cid,
                outcome=Outcome.BLOCK,
                message="billing.collected_too_little",
                params={
                    "contract": contract_id,
                    "collected": acct.collected,
                    "price": acct.value,
                    "ratio": _percent(policy.min_collected_ratio),
                },
                facts=facts,
            ),
        )
    return (
        Finding(
            control_id=cid,
            outcome=Outcome.HOLD,
            message="billing.invoice_approval",
            params={"invoice": inv.id, "role": policy.invoice_approval_role},
            facts=facts,
            required=(
                ApprovalRequirement(
                    control_id=cid,
                    role=policy.invoice_approval_role,
                    min_level=policy.invoice_approval_level,
                    document_id=inv.id,
                    reason="billing.invoice_approval",
                    amount=str(inv.total),
                    excluded=(inv.issued_by,),
                ),
            ),
        ),
    )


# -- O2C-BL-04 --------------------------------------------------------------------------------


def _settlement_of(inv: Invoice, ctx: Context) -> Settlement | None:
    for s in ctx.settlements:
        if (inv.settlement_id is not None and s.id == inv.settlement_id) or (
            inv.settlement_id is None and s.invoice_id == inv.id
        ):
            return s
    return None


def check_void_order(txn: Transaction, ctx: Context, policy: BillingPolicy) -> tuple[Finding, ...]:
    """O2C-BL-04: voids follow the billing system's order (S-PM C).

    ``VoidInvoice``: the invoice's settlement (by ``settlement_id``, else the one naming the
    invoice) must already be voided; an unknown settlement fails closed; an invoice is voided
    once. ``VoidSettlement``: a settlement is rolled back only while its accounting voucher is
    unposted, and once.
    """
    cid = "O2C-BL-04"
    if isinstance(txn, VoidSettlement):
        s = txn.settlement
        if s.status is SettlementStatus.VOIDED:
            return (
                finding(
                    cid,
                    Outcome.BLOCK,
                    "billing.settlement_already_voided",
                    params={"settlement": s.id},
                ),
            )
        if s.voucher_posted:
            return (
                finding(cid, Outcome.BLOCK, "billing.voucher_posted", params={"settlement": s.id}),
            )
        return _NONE
    assert isinstance(txn, VoidInvoice)
    inv = txn.invoice
    if inv.voided or any(i.id == inv.id and i.voided for i in ctx.invoices):
        return (
            finding(
                cid, Outcome.BLOCK, "billing.invoice_already_voided", params={"invoice": inv.id}
            ),
        )
    settlement = _settlement_of(inv, ctx)
    if settlement is None:
        return (
            finding(
                cid,
                Outcome.BLOCK,
                "billing.settlement_unknown",
                params={"invoice": inv.id, "settlement": inv.settlement_id or "-"},
            ),
        )
    if settlement.status is not SettlementStatus.VOIDED:
        return (
            Finding(
                control_id=cid,
                outcome=Outcome.BLOCK,
                message="billing.settlement_not_voided",
                params={
                    "invoice": inv.id,
                    "settlement": settlement.id,
                    "status": settlement.status,
                },
                facts={
                    "settlement": settlement.id,
                    "status": settlement.status,
                    "voucher_posted": settlement.voucher_posted,
                },
            ),
        )
    return _NONE


_HOLD, _BLOCK = Outcome.HOLD, Outcome.BLOCK


# -- O2C-BL-02 --------------------------------------------------------------------------------


def detect_invoiced_quantity(
    records: Records, period: Period, policy: BillingPolicy
) -> Examination:
    """O2C-BL-02: quantities invoiced agree with the system deliveries they bill.

    Tests the system invoices issued in the period. A line not generated from a delivery, or
    naming a delivery/product the system did not post, is a BLOCK; a line that takes the
    quantity invoiced on a delivery (all invoices up to it, in date order) above the quantity
    delivered is a HOLD.
    """
    delivered: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for d in records.deliveries:
        if d.posted_on <= period.end:
            delivered[(d.goods_issue_id, d.product_id)] += d.quantity
    invoices = sorted(
        (i for i in records.system_invoices if i.issued_on <= period.end),
        key=lambda i: (i.issued_on, i.invoice_id),
    )
    running: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    tested = 0
    out: list[Finding] = []
    for inv in invoices:
        inside = inv.issued_on in period
        tested += inside
        for n, line in enumerate(inv.lines, start=1):
            if line.goods_issue_id is None:
                if inside:
                    out.append(
                        make_finding(
                            "O2C-BL-02",
                            _BLOCK,
                            "period_end.invoice_without_delivery",
                            inv.invoice_id,
                            params={
                                "invoice": inv.invoice_id,
                                "line": n,
                                "product": line.product_id,
                            },
                            facts={
                                "line": n,
                                "product": line.product_id,
                                "quantity": line.quantity,
                            },
                        )
                    )
                continue
            key = (line.goods_issue_id, line.product_id)
            if key not in delivered:
                if inside:
                    out.append(
                        make_finding(
                            "O2C-BL-02",
                            _BLOCK,
                            "period_end.invoice_unknown_delivery",
                            inv.invoice_id,
                            params={
                                "invoice": inv.invoice_id,
                                "goods_issue": line.goods_issue_id,
                                "product": line.product_id,
                            },
                            facts={"line": n, "quantity": line.quantity},
                        )
                    )
                continue
            before = running[key]
            running[key] = before + line.quantity
            if inside and running[key] > delivered[key]:
                out.append(
                    make_finding(
                        "O2C-BL-02",
                        _HOLD,
                        "period_end.invoice_over_delivery",
                        inv.invoice_id,
                        params={
                            "invoice": inv.invoice_id,
                            "goods_issue": line.goods_issue_id,
                            "product": line.product_id,
                            "invoiced": running[key],
                            "delivered": delivered[key],
                        },
                        facts={
                            "line": n,
                            "quantity": line.quantity,
                            "invoiced_before": before,
                            "invoiced_total": running[key],
                            "delivered": delivered[key],
                        },
                        role=policy.billing_role,
                        level=policy.follow_up_level,
                    )
                )
    return Examination(tested, tuple(out))


# -- the family -------------------------------------------------------------------------------

_A = Assertion
_FINANCE = "finance department / 财务部门"

CONTROLS: tuple[Control, ...] = (
    Control(
        id="O2C-BL-01",
        title_zh="依系统发货凭证开票",
        title_en="Invoice generated from the system delivery: invoiced qty ≤ delivered qty",
        objective_zh="发票只依据已过账的发货开具，开票数量不超过发货数量。",
        objective_en="Invoices rest on posted deliveries: no quantity is invoiced before it was delivered.",
        activity_zh="开票时系统按订单行汇总已过账出库数量与已开票数量（不含作废发票），本次开票后不得超过发货数量，且产品须与发货一致。",
        activity_en="At invoicing the system totals, per order line, the quantity delivered by posted goods issues and the quantity already invoiced (voided invoices excluded); the invoice may not take the invoiced quantity above the delivered one, and must name the product delivered.",
        risks=("R2.1", "R2.2"),
        kind=Kind.PREVENTIVE,
        frequency=Frequency.PER_TRANSACTION,
        key=True,
        automation=Automation.AUTOMATED,
        assertions=(_A.OCCURRENCE, _A.ACCURACY, _A.CUTOFF),
        seeds=("S-IC 5.2",),
        seed_quotes=(
            ("S-IC 5.2", "营销部门依据系统发货凭证生成系统发票,财务部门根据系统发票开具销售发票,并加盖印章。", "Marketing generates the system invoice from the system's delivery document; finance issues the sales invoice from the system invoice and stamps it."),
        ),
        g9=(7,),
        stage="billing",
        owner="sales department and finance / 营销部门、财务部门",
        evidence="decision log: delivered, invoiced-before and invoiced quantities per order line / 决策日志：各订单行已发货、此前已开票和本次开票数量",
        applies_to=(IssueInvoice.__name__,),
        check=check_invoiced_within_delivered,
        messages={
            "billing.already_issued": (
                "发票 {invoice} 已开具，不得重复开具",
                "invoice {invoice} was already issued",
            ),
            "billing.line_product": (
                "订单第 {line} 行开票产品 {product} 与发货产品 {delivered} 不符",
                "order line {line}: invoiced product {product} is not the delivered {delivered}",
            ),
            "billing.over_delivered": (
                "发票 {invoice} 订单第 {line} 行开票 {quantity}，超过已发货未开票数量 {open}",
                "invoice {invoice} order line {line}: {quantity} invoiced but only {open} delivered and not yet invoiced",
            ),
        },
    ),
    Control(
        id="O2C-BL-02",
        title_zh="每日核对发票销量与系统发货量",
        title_en="Daily: invoiced quantity agrees with delivered quantity",
        objective_zh="发票依系统发货凭证开具，开票数量不超过发货数量。",
        objective_en="Invoices are generated from system deliveries and never bill more than was delivered.",
        activity_zh="营销部门每日运行销售日报表，逐张系统发票核对所开数量与所依据的发货凭证；无发货依据的阻止，超发货数量的由 {billing_role} 查明。",
        activity_en="Daily, the marketing department runs the sales daily report and checks each system invoice against the deliveries it bills; lines without a delivery are blocked, quantities above the delivery are investigated by {billing_role}.",
        risks=("R2.1",),
        kind=Kind.DETECTIVE,
        frequency=Frequency.DAILY,
        key=False,
        automation=Automation.AUTOMATED,
        assertions=(_A.OCCURRENCE, _A.ACCURACY),
        seeds=("S-IC 7.1", "S-IC 5.2"),
        seed_quotes=(
            ("S-IC 7.1", "营销部门每日运行ERP系统销售日报表,核对发票销售量与系统发货量是否一致。", "Marketing runs the ERP system's daily sales report every day and checks that the quantity sold on invoices agrees with the quantity the system shipped."),
            ("S-IC 5.2", "营销部门依据系统发货凭证生成系统发票,", "Marketing generates the system invoice from the system's delivery document."),
        ),
        seed_readings=(
            (
                "S-IC 7.1",
                "来源要求核对发票销售量与系统发货量是否一致。本控制核对一个方向：每张系统发票的每一行须对应一笔已过账的发货，且按开票日期累计的开票数量不超过发货数量。已发货但尚未开票的数量不由本控制（也不由其他控制）报告：按 S-IC 5.2，发票在发货之后依发货凭证开具；这部分金额作为已发未开票计入信用占用（O2C-CR-04）。",
                "The seed asks that the quantity invoiced agree with the quantity the system shipped. The control tests one direction: every system invoice line names a posted delivery, and the quantity invoiced on it, cumulated in date order, never exceeds the quantity delivered. A quantity shipped and not yet invoiced is not reported, by this control or any other: invoices follow deliveries (S-IC 5.2), and the amount counts in the credit exposure as delivered not invoiced (O2C-CR-04).",
            ),
        ),
        g9=(12,),
        stage="billing",
        owner="marketing department / 营销部门",
        evidence="daily sales report: invoice lines against goods issues / 每日销售报表：发票行与出库单核对",
        detect=detect_invoiced_quantity,
        detect_at={Frequency.DAILY},
        messages={
            "period_end.invoice_without_delivery": (
                "系统发票 {invoice} 第 {line} 行（{product}）没有发货依据",
                "system invoice {invoice} line {line} ({product}) was not generated from a delivery",
            ),
            "period_end.invoice_unknown_delivery": (
                "系统发票 {invoice} 依据的发货 {goods_issue}（产品 {product}）在系统中不存在",
                "system invoice {invoice} bills delivery {goods_issue} (product {product}) that the system never posted",
            ),
            "period_end.invoice_over_delivery": (
                "系统发票 {invoice}：发货 {goods_issue} 的产品 {product} 累计开票 {invoiced}，超过发货 {delivered}",
                "system invoice {invoice}: {invoiced} of {product} invoiced on delivery {goods_issue}, more than the {delivered} delivered",
            ),
        },
    ),
    Control(
        id="O2C-BL-03",
        title_zh="回款60%以上方可开票",
        title_en="Invoice only when ≥ 60 % of the contract price is collected, approved by the finance VP",
        objective_zh="合同货款回收达到规定比例后方可开票，发票由财务副总签批。",
        objective_en="A contract is invoiced only once the required share of its price is collected, and the invoice is signed by the finance VP.",
        activity_zh="开票时系统确定合同（发票所注合同；未注明的，按订单关联的合同查找；所注合同与订单关联的不符即阻止），按合同台帐计算已回款占合同价款的比例，低于 {min_collected_ratio} 即阻止；达到后须 {invoice_approval_role}（级别 ≥ {invoice_approval_level}）签批，开票人本人签批无效。赊销必有合同：赊销订单找不到合同、或订单不明的，阻止开票。",
        activity_en="At invoicing the system finds the contract (the one the invoice names or, when it names none, the one its order is linked to; an invoice naming a contract its order is not linked to is blocked) and computes collected ÷ contract price from the contract ledger; below {min_collected_ratio} the invoice is blocked; at or above it the invoice is held for signature by {invoice_approval_role} (level ≥ {invoice_approval_level}), never the preparer's own. A credit sale always has a contract: an invoice on a credit sale with no contract found, or on an order the system cannot see, is blocked.",
        risks=("R1.3", "R2.1"),
        kind=Kind.PREVENTIVE,
        frequency=Frequency.PER_TRANSACTION,
        key=True,
        automation=Automation.AUTOMATED,
        assertions=(_A.OCCURRENCE, _A.VALUATION),
        seeds=("S-K1 11", "S-K1 3"),
        seed_quotes=(
            ("S-K1 11", "60%以上货款回收时方可开据发票,发票开据由财务副总签批。", "An invoice may be issued only once 60% or more of the price has been collected; issuing it is approved by the finance vice-president."),
        ),
        g9=(10,),
        refs=("BN 29", "BN 30"),
        stage="billing",
        owner="finance VP / 财务副总",
        evidence="decision log: contract price, collected amount and share, the VP's approval / 决策日志：合同价款、已回款金额及比例、财务副总的签批",
        applies_to=(IssueInvoice.__name__,),
        check=check_collected_share,
        gate_check=_check_collected_share_in_gate,
        version=2,
        messages={
            "billing.contract_not_linked": (
                "发票 {invoice} 所注合同 {contract} 与订单 {order} 关联的合同 {linked} 不符",
                "invoice {invoice} names contract {contract}, but its order {order} is linked to {linked}",
            ),
            "billing.order_unknown": (
                "发票 {invoice} 的订单 {order} 不明，无法判断是否赊销及其合同（失败关闭）",
                "the order {order} of invoice {invoice} is not on hand: whether it is a credit sale, and its contract, cannot be told (fails closed)",
            ),
            "billing.credit_sale_without_contract": (
                "发票 {invoice}：赊销订单 {order} 无合同（赊销须签订合同），不得开票",
                "invoice {invoice}: credit sale {order} has no contract (a credit sale is made on a contract): no invoice",
            ),
            "billing.contract_unknown": (
                "合同台帐中无合同 {contract}，无法核实回款比例（失败关闭）",
                "contract {contract} is not in the contract ledger: the collected share cannot be verified (fails closed)",
            ),
            "billing.collected_too_little": (
                "合同 {contract} 仅回款 {collected}（合同价款 {price}），未达 {ratio}，不得开票",
                "contract {contract}: only {collected} of {price} collected, below {ratio}: no invoice yet",
            ),
            "billing.invoice_approval": (
                "发票 {invoice} 须经 {role} 签批",
                "invoice {invoice} needs the signature of {role}",
            ),
        },
    ),
    Control(
        id="O2C-BL-04",
        title_zh="先作废结算单再作废发票",
        title_en="An invoice may be voided only after its settlement is voided; settlement reversal only while unposted",
        objective_zh="作废按系统顺序进行：传票取消记账后方可回退作废结算单，结算单作废后方可作废发票，账实一致。",
        objective_en="Voids follow the system's order: the voucher is unposted before the settlement is rolled back and voided, and the settlement is voided before the invoice, so the books never hold half a reversal.",
        activity_zh="作废结算单时系统检查其传票未记账且结算单未作废；作废发票时系统检查对应结算单已作废，找不到结算单即阻止。",
        activity_en="When a settlement is voided the system checks that its voucher is not posted and that it is not already voided; when an invoice is voided the system checks that its settlement is already voided, and blocks if the settlement cannot be found.",
        risks=("R2.1", "R2.2"),
        kind=Kind.PREVENTIVE,
        frequency=Frequency.PER_TRANSACTION,
        key=False,
        automation=Automation.AUTOMATED,
        assertions=(_A.OCCURRENCE, _A.COMPLETENESS),
        seeds=("S-PM C",),
        seed_quotes=(
            ("S-PM C", "回退处理时传票取消记账后,销售结算单需要在系统中被回退确定并作废;发票作废时需要确认销售结算单已经被作废;", "On a rollback, once the voucher has been unposted, the sales settlement must be rolled back from confirmed and voided in the system; an invoice may be voided only once its sales settlement is confirmed voided."),
        ),
        g9=(12,),
        stage="billing",
        owner=_FINANCE,
        evidence="decision log: settlement status and voucher state at the time of the void / 决策日志：作废时结算单状态和传票状态",
        applies_to=(VoidInvoice.__name__, VoidSettlement.__name__),
        check=check_void_order,
        messages={
            "billing.settlement_already_voided": (
                "结算单 {settlement} 已作废",
                "settlement {settlement} is already voided",
            ),
            "billing.voucher_posted": (
                "结算单 {settlement} 的传票已记账，须先取消记账方可回退作废",
                "settlement {settlement}: its voucher is posted; unpost it before rolling the settlement back",
            ),
            "billing.invoice_already_voided": (
                "发票 {invoice} 已作废",
                "invoice {invoice} is already voided",
            ),
            "billing.settlement_unknown": (
                "找不到发票 {invoice} 的结算单 {settlement}，无法确认已作废（失败关闭）",
                "settlement {settlement} of invoice {invoice} is not on hand: cannot confirm it was voided (fails closed)",
            ),
            "billing.settlement_not_voided": (
                "发票 {invoice} 的结算单 {settlement} 尚未作废（状态 {status}），须先作废结算单",
                "invoice {invoice}: settlement {settlement} is not voided (status {status}); void the settlement first",
            ),
        },
    ),
)

FAMILY = Family(
    name="billing",
    title_zh="开票",
    title_en="Billing",
    policy_type=BillingPolicy,
    controls=CONTROLS,
)
