"""Revenue: recognising revenue and recording receipts (收入确认与收款).

Source: the contract flow S-K1 8 (发货单客户联须经客户方签收方可财务入帐); the direct and
consignment sales flow S-YF 9–11 (客户签收;通过物流公司送货的司机在出库单上注明"物流送货"
字样并附上物流公司回单交财务部,公司直接送货的需客户在回执联签收;核算会计根据会计联确认收入,
冲销预收账款,快递单或托运单与回执联匹配成套;铺货月底盘点,期初金额-盘点金额=结算金额,双方
财务核对无误). Guideline 9 art. 7 and 12.

Controls: O2C-RR-02 (revenue only for posted deliveries the customer signed for, or whose
logistics receipt matches the waybill noted on the goods issue; consignment stock only on a
confirmed month-end settlement), O2C-RR-03 (revenue offsets the customer's advance receipts
first; a receipt is applied to receivables only up to what is open, the rest is an advance);
and, detective, O2C-RR-01 (daily and at month end, sales invoices = system invoices = revenue in
the general ledger, S-IC 8.1), run by :func:`salesctl.reconcile.run`.

>>> from salesctl.controls.revenue import RevenuePolicy
>>> sorted(m.value for m in RevenuePolicy().logistics_modes)
['courier', 'logistics']
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping
from decimal import Decimal
from typing import ClassVar

from attrs import field, frozen

from salesctl._validators import each, frozenset_conv, non_negative, text, typed
from salesctl.context import Context
from salesctl.control import Assertion, Automation, Control, Examination, Family, Frequency, Kind
from salesctl.decision import Finding, Outcome, finding, make_finding
from salesctl.model import DeliveryMode, DeliveryProof, GoodsIssue, ProofKind
from salesctl.money import Money
from salesctl.records import Period, Records
from salesctl.transactions import BookRevenue, RecordReceipt, Transaction

__all__ = [
    "FAMILY",
    "RevenuePolicy",
    "check_advance_receipts",
    "check_delivery_proof",
    "detect_revenue_agreement",
    "proof_problem",
]

_NONE: tuple[Finding, ...] = ()


@frozen
class RevenuePolicy:
    """Parameters of the revenue family (``[revenue]`` in the policy file).

    Attributes:
        logistics_modes: delivery modes for which a logistics receipt matched to the waybill
            on the goods issue proves delivery, as well as a customer-signed copy (S-YF 10–11;
            O2C-RR-02). For the other modes only the customer's signature does.
        consignment_needs_settlement: revenue on consignment stock (铺货) only on a confirmed
            month-end settlement (S-YF 11; O2C-RR-02).
        sales_invoice_within_days: days after a system invoice by which finance issues its
            sales invoice (O2C-RR-01).
        posting_within_days: days after a system invoice by which its revenue is in the
            general ledger (O2C-RR-01).
        revenue_role: who resolves invoice/ledger differences (O2C-RR-01).
        follow_up_level: the authority level of the follow-up roles above.
    """

    logistics_modes: frozenset[DeliveryMode] = field(
        default=frozenset({DeliveryMode.LOGISTICS, DeliveryMode.COURIER}),
        converter=frozenset_conv,
        validator=each(DeliveryMode),
    )
    consignment_needs_settlement: bool = field(default=True, validator=typed(bool))
    sales_invoice_within_days: int = field(default=0, validator=[typed(int), non_negative])
    posting_within_days: int = field(default=0, validator=[typed(int), non_negative])
    revenue_role: str = field(default="finance_head", validator=text)
    follow_up_level: int = field(default=3, validator=[typed(int), non_negative])

    #: The controls each field sets (see :mod:`salesctl.controls.weakening`).
    AFFECTS: ClassVar[Mapping[str, tuple[str, ...]]] = {
        "logistics_modes": ("O2C-RR-02",),
        "consignment_needs_settlement": ("O2C-RR-02",),
        "sales_invoice_within_days": ("O2C-RR-01",),
        "posting_within_days": ("O2C-RR-01",),
        "revenue_role": ("O2C-RR-01",),
        "follow_up_level": ("O2C-RR-01",),
    }


def proof_problem(
    issue: GoodsIssue, proofs: tuple[DeliveryProof, ...], policy: RevenuePolicy
) -> str | None:
    """Why ``proofs`` do not prove ``issue`` delivered, or ``None`` when they do (O2C-RR-02).

    A clean (no discrepancy) customer-signed copy proves any delivery; for a delivery mode in
    ``policy.logistics_modes``, so does a clean logistics receipt whose number matches the
    ``carrier_ref`` noted on the goods issue.

    Returns:
        ``None``, or one of ``"discrepancy"`` (only proofs noting a discrepancy),
        ``"unmatched"`` (a logistics receipt that does not match, or for a mode it cannot
        prove), ``"unsigned"`` (no proof at all).
    """
    mine = [p for p in proofs if p.goods_issue_id == issue.id]
    clean = [p for p in mine if not p.discrepancy]
    for p in clean:
        if p.kind is ProofKind.CUSTOMER_SIGNED:
            return None
        if (
            issue.mode in policy.logistics_modes
            and issue.carrier_ref is not None
            and p.carrier_ref == issue.carrier_ref
        ):
            return None
    if mine and not clean:
        return "discrepancy"
    if clean:
        return "unmatched"
    return "unsigned"


# -- O2C-RR-02 --------------------------------------------------------------------------------


def check_delivery_proof(
    txn: Transaction, ctx: Context, policy: RevenuePolicy
) -> tuple[Finding, ...]:
    """O2C-RR-02: revenue is booked only for goods issues of the customer that are posted and
    proved delivered (see :func:`proof_problem`; proofs received after the business date do not
    count); an unknown goods issue fails closed. Consignment stock is recognised on a confirmed
    month-end settlement of the customer, for no more than the settled amount."""
    assert isinstance(txn, BookRevenue)
    entry = txn.entry
    cid = "O2C-RR-02"
    issues = {g.id: g for g in ctx.goods_issues}
    proofs = tuple(p for p in ctx.delivery_proofs if p.received_on <= ctx.as_of)
    out: list[Finding] = []
    consignment = False
    for gid in entry.goods_issue_ids:
        g = issues.get(gid)
        if g is None:
            out.append(
                finding(
                    cid, Outcome.BLOCK, "revenue.goods_issue_unknown", params={"goods_issue": gid}
                )
            )
            continue
        if not g.posted:
            out.append(
                finding(cid, Outcome.BLOCK, "revenue.not_posted", params={"goods_issue": gid})
            )
        if g.customer_id != entry.customer_id:
            out.append(
                finding(
                    cid,
                    Outcome.BLOCK,
                    "revenue.other_customer",
                    params={
                        "goods_issue": gid,
                        "customer": g.customer_id,
                        "entry_customer": entry.customer_id,
                    },
                )
            )
        problem = proof_problem(g, proofs, policy)
        if problem is not None:
            out.append(
                Finding(
                    control_id=cid,
                    outcome=Outcome.BLOCK,
                    message=f"revenue.proof_{problem}",
                    params={"goods_issue": gid, "mode": g.mode},
                    facts={
                        "goods_issue": gid,
                        "mode": g.mode,
                        "carrier_ref": g.carrier_ref or "-",
                        "proofs": [
                            f"{p.id} ({p.kind.value}, {p.carrier_ref or p.signed_by}"
                            f"{', discrepancy' if p.discrepancy else ''})"
                            for p in proofs
                            if p.goods_issue_id == gid
                        ]
                        or "-",
                    },
                )
            )
        consignment = consignment or g.consignment
    if consignment and policy.consignment_needs_settlement:
        out.extend(_consignment(txn, ctx))
    return tuple(out)


def _consignment(txn: BookRevenue, ctx: Context) -> list[Finding]:
    entry = txn.entry
    cid = "O2C-RR-02"
    sid = entry.consignment_settlement_id
    if sid is None:
        return [
            finding(cid, Outcome.BLOCK, "revenue.consignment_unsettled", params={"entry": entry.id})
        ]
    s = next((c for c in ctx.consignment_settlements if c.id == sid), None)
    if s is None:
        return [
            finding(
                cid,
                Outcome.BLOCK,
                "revenue.consignment_settlement_unknown",
                params={"settlement": sid},
            )
        ]
    out: list[Finding] = []
    if s.customer_id != entry.customer_id:
        out.append(
            finding(
                cid,
                Outcome.BLOCK,
                "revenue.consignment_other_customer",
                params={"settlement": sid, "customer": s.customer_id},
            )
        )
    if not s.confirmed:
        out.append(
            finding(
                cid, Outcome.BLOCK, "revenue.consignment_unconfirmed", params={"settlement": sid}
            )
        )
    settled = ctx.convert(s.settled, entry.amount.currency)
    if entry.amount > settled:
        out.append(
            Finding(
                control_id=cid,
                outcome=Outcome.BLOCK,
                message="revenue.consignment_over_settled",
                params={"entry": entry.id, "amount": entry.amount, "settled": settled},
                facts={
                    "opening": s.opening,
                    "counted": s.counted,
                    "settled": s.settled,
                    "revenue": entry.amount,
                },
            )
        )
    return out


# -- O2C-RR-03 --------------------------------------------------------------------------------


def check_advance_receipts(
    txn: Transaction, ctx: Context, policy: RevenuePolicy
) -> tuple[Finding, ...]:
    """O2C-RR-03: advance receipts (预收账款) are offset first.

    ``BookRevenue``: the entry offsets exactly ``min(advance balance, revenue)`` — less leaves
    a receivable standing beside an unapplied advance (both overstated), more offsets money the
    customer never paid in advance. The customer's advance balance must be in the context
    (``advance_receipts``; zero must be stated), or the check fails closed.

    ``RecordReceipt``: the part applied to receivables cannot exceed the customer's open
    receivables (``ctx.exposure``); the rest is an advance receipt. Without exposure the
    check fails closed.
    """
    cid = "O2C-RR-03"
    if isinstance(txn, RecordReceipt):
        r = txn.receipt
        if ctx.exposure is None:
            return (
                finding(
                    cid,
                    Outcome.BLOCK,
                    "revenue.receivables_unknown",
                    params={"customer": r.customer_id},
                ),
            )
        open_ar = ctx.convert(ctx.exposure.open_receivables, r.amount.currency)
        if r.to_receivables > open_ar:
            return (
                finding(
                    cid,
                    Outcome.BLOCK,
                    "revenue.receipt_over_receivables",
                    params={
                        "receipt": r.id,
                        "applied": r.to_receivables,
                        "open": open_ar,
                        "advance": r.amount - open_ar,
                    },
                ),
            )
        return _NONE
    assert isinstance(txn, BookRevenue)
    entry = txn.entry
    balance = ctx.advance_receipts.get(entry.customer_id)
    if balance is None:
        return (
            finding(
                cid,
                Outcome.BLOCK,
                "revenue.advance_unknown",
                params={"customer": entry.customer_id},
            ),
        )
    cur = entry.amount.currency
    bal: Money = ctx.convert(balance, cur)
    offset = entry.advance_offset if entry.advance_offset is not None else Money.zero(cur)
    required = bal if bal < entry.amount else entry.amount
    if offset > bal:
        return (
            finding(
                cid,
                Outcome.BLOCK,
                "revenue.offset_exceeds_advance",
                params={"entry": entry.id, "offset": offset, "balance": bal},
            ),
        )
    if offset < required:
        return (
            Finding(
                control_id=cid,
                outcome=Outcome.BLOCK,
                message="revenue.advance_not_offset",
                params={"entry": entry.id, "offset": offset, "required": required},
                facts={
                    "customer": entry.customer_id,
                    "advance_balance": bal,
                    "revenue": entry.amount,
                    "offset": offset,
                    "required_offset": required,
                },
            ),
        )
    return _NONE


_HOLD, _BLOCK = Outcome.HOLD, Outcome.BLOCK


def _plus(day: dt.date, days: int) -> dt.date:
    return day + dt.timedelta(days=days)


# -- O2C-RR-01 --------------------------------------------------------------------------------


def detect_revenue_agreement(
    records: Records, period: Period, policy: RevenuePolicy
) -> Examination:
    """O2C-RR-01: sales invoices = system invoices = general-ledger revenue.

    Over a **day**, document by document: every sales invoice issued that day comes from a
    system invoice of the same customer and amount (BLOCK when it has none: an invoice outside
    the system; HOLD when it differs); every system invoice whose deadline falls that day has
    its sales invoice and its revenue posting for the same amount (HOLD); every revenue posting
    of the day books a known system invoice (HOLD for a manual entry, BLOCK for an unknown
    invoice). Over a **month** (or longer), the three totals for the period agree, per
    currency (HOLD).
    """
    if period.kind is Frequency.DAILY:
        return _revenue_documents(records, period, policy)
    return _revenue_totals(records, period, policy)


def _revenue_documents(records: Records, period: Period, policy: RevenuePolicy) -> Examination:
    cid = "O2C-RR-01"
    system = {i.invoice_id: i for i in records.system_invoices}
    tested = 0
    out: list[Finding] = []
    issued_for: dict[str, list[dt.date]] = defaultdict(list)
    for s in records.sales_invoices:
        if s.system_invoice_id is not None:
            issued_for[s.system_invoice_id].append(s.issued_on)
        if s.issued_on not in period:
            continue
        tested += 1
        src = system.get(s.system_invoice_id) if s.system_invoice_id is not None else None
        if src is None:
            out.append(
                make_finding(
                    cid,
                    _BLOCK,
                    "period_end.sales_invoice_outside_system",
                    s.number,
                    params={"invoice": s.number},
                    facts={
                        "customer": s.customer_id,
                        "amount": s.amount,
                        "system_invoice": s.system_invoice_id or "-",
                    },
                )
            )
        elif src.amount != s.amount or src.customer_id != s.customer_id:
            out.append(
                make_finding(
                    cid,
                    _HOLD,
                    "period_end.sales_invoice_differs",
                    s.number,
                    params={"invoice": s.number, "system_invoice": src.invoice_id},
                    facts={
                        "amount": s.amount,
                        "system_amount": src.amount,
                        "customer": s.customer_id,
                        "system_customer": src.customer_id,
                    },
                    role=policy.revenue_role,
                    level=policy.follow_up_level,
                )
            )
    posted: dict[str, list[tuple[dt.date, Money]]] = defaultdict(list)
    for g in records.gl_revenue:
        if g.invoice_id is not None:
            posted[g.invoice_id].append((g.posted_on, g.amount))
        if g.posted_on not in period:
            continue
        tested += 1
        if g.invoice_id is None or g.invoice_id not in system:
            manual = g.invoice_id is None
            out.append(
                make_finding(
                    cid,
                    _HOLD if manual else _BLOCK,
                    "period_end.manual_revenue" if manual else "period_end.revenue_unknown_invoice",
                    g.voucher_id,
                    params={"voucher": g.voucher_id, "invoice": g.invoice_id or "-"},
                    facts={"amount": g.amount, "posted_on": g.posted_on},
                    role=policy.revenue_role if manual else None,
                    level=policy.follow_up_level,
                )
            )
    for inv in records.system_invoices:
        issue_by = _plus(inv.issued_on, policy.sales_invoice_within_days)
        post_by = _plus(inv.issued_on, policy.posting_within_days)
        if issue_by in period or post_by in period:
            tested += 1
        if issue_by in period and not any(
            d <= issue_by for d in issued_for.get(inv.invoice_id, ())
        ):
            out.append(
                make_finding(
                    cid,
                    _HOLD,
                    "period_end.system_invoice_not_issued",
                    inv.invoice_id,
                    params={"invoice": inv.invoice_id, "deadline": issue_by},
                    facts={
                        "customer": inv.customer_id,
                        "amount": inv.amount,
                        "issued_on": inv.issued_on,
                    },
                    role=policy.revenue_role,
                    level=policy.follow_up_level,
                )
            )
        if post_by in period:
            amounts = [m for d, m in posted.get(inv.invoice_id, ()) if d <= post_by]
            total = sum(amounts[1:], amounts[0]) if amounts else Money.zero(inv.amount.currency)
            if total != inv.amount:
                out.append(
                    make_finding(
                        cid,
                        _HOLD,
                        "period_end.invoice_not_posted",
                        inv.invoice_id,
                        params={"invoice": inv.invoice_id, "amount": inv.amount, "posted": total},
                        facts={
                            "customer": inv.customer_id,
                            "deadline": post_by,
                            "postings": len(amounts),
                        },
                        role=policy.revenue_role,
                        level=policy.follow_up_level,
                    )
                )
    return Examination(tested, tuple(out))


def _revenue_totals(records: Records, period: Period, policy: RevenuePolicy) -> Examination:
    totals: dict[str, list[Decimal]] = defaultdict(lambda: [Decimal(0)] * 3)
    for s in records.sales_invoices:
        if s.issued_on in period:
            totals[s.amount.currency][0] += s.amount.amount
    for i in records.system_invoices:
        if i.issued_on in period:
            totals[i.amount.currency][1] += i.amount.amount
    for g in records.gl_revenue:
        if g.posted_on in period:
            totals[g.amount.currency][2] += g.amount.amount
    out: list[Finding] = []
    for cur in sorted(totals):
        sales, system, ledger = (Money(x, cur) for x in totals[cur])
        if sales == system == ledger:
            continue
        doc = f"revenue@{period.label}/{cur}"
        out.append(
            make_finding(
                "O2C-RR-01",
                _HOLD,
                "period_end.revenue_totals",
                doc,
                params={"period": period.label, "sales": sales, "system": system, "ledger": ledger},
                facts={
                    "sales_invoices": sales,
                    "system_invoices": system,
                    "gl_revenue": ledger,
                    "sales_minus_ledger": sales - ledger,
                },
                role=policy.revenue_role,
                level=policy.follow_up_level,
            )
        )
    return Examination(max(len(totals), 1), tuple(out))


# -- the family -------------------------------------------------------------------------------

_A = Assertion

CONTROLS: tuple[Control, ...] = (
    Control(
        id="O2C-RR-01",
        title_zh="发票、系统发票、总账收入一致",
        title_en="Daily and month-end: sales invoices agree with system invoices and with revenue in the general ledger",
        objective_zh="收入不虚增、不截留：开出的发票、系统发票与总账收入一致。",
        objective_en="Revenue is neither inflated nor withheld: invoices issued, system invoices and general-ledger revenue agree.",
        activity_zh="财务每日逐张复核已开销售发票与系统发票及系统生成的会计凭证（销售发票须在系统发票后 {sales_invoice_within_days} 天内开具，收入在 {posting_within_days} 天内入账）；月末核对三者合计，差异由 {revenue_role} 查明。",
        activity_en="Daily, finance matches each sales invoice issued to its system invoice and system-generated voucher (sales invoice within {sales_invoice_within_days} days of the system invoice, revenue posted within {posting_within_days} days); at month end the three totals are compared; differences are resolved by {revenue_role}.",
        risks=("R2.1", "R2.2"),
        kind=Kind.DETECTIVE,
        frequency=Frequency.DAILY,
        key=True,
        automation=Automation.IT_DEPENDENT,
        assertions=(_A.OCCURRENCE, _A.COMPLETENESS, _A.ACCURACY, _A.CUTOFF),
        seeds=("S-IC 8.1",),
        g9=(12,),
        stage="revenue",
        owner="finance / 财务部门",
        evidence="daily invoice-to-voucher matching; month-end three-way totals / 每日发票与凭证核对；月末三方合计核对",
        detect=detect_revenue_agreement,
        detect_at={Frequency.DAILY, Frequency.MONTHLY},
        messages={
            "period_end.sales_invoice_outside_system": (
                "销售发票 {invoice} 没有对应的系统发票（系统外开票）",
                "sales invoice {invoice} has no system invoice (issued outside the system)",
            ),
            "period_end.sales_invoice_differs": (
                "销售发票 {invoice} 与系统发票 {system_invoice} 的客户或金额不一致",
                "sales invoice {invoice} differs from system invoice {system_invoice} in customer or amount",
            ),
            "period_end.system_invoice_not_issued": (
                "系统发票 {invoice} 至 {deadline} 未开具销售发票",
                "system invoice {invoice} had no sales invoice by {deadline}",
            ),
            "period_end.invoice_not_posted": (
                "系统发票 {invoice} 金额 {amount}，总账收入入账 {posted}",
                "system invoice {invoice} of {amount} has {posted} posted to revenue in the general ledger",
            ),
            "period_end.manual_revenue": (
                "总账收入凭证 {voucher} 无发票依据（手工收入）",
                "revenue voucher {voucher} books no invoice (manual revenue entry)",
            ),
            "period_end.revenue_unknown_invoice": (
                "总账收入凭证 {voucher} 引用的发票 {invoice} 在系统中不存在",
                "revenue voucher {voucher} books invoice {invoice} that the system does not have",
            ),
            "period_end.revenue_totals": (
                "{period} 销售发票 {sales}、系统发票 {system}、总账收入 {ledger} 不一致",
                "{period}: sales invoices {sales}, system invoices {system} and GL revenue {ledger} do not agree",
            ),
        },
    ),
    Control(
        id="O2C-RR-02",
        title_zh="客户签收后方可入帐",
        title_en="Revenue booked only after the customer signed the delivery copy (or a logistics receipt is matched)",
        objective_zh="收入只确认已过账并经客户签收（或物流回单与出库单匹配）的发货；铺货按月末双方确认的盘点结算确认。",
        objective_en="Revenue is recognised only for posted deliveries that the customer signed for, or whose logistics receipt matches the outbound note; consignment stock only on the confirmed month-end settlement.",
        activity_zh="确认收入时系统检查每张出库单已过账、属本客户，且有无异议的客户签收联；运输方式为 {logistics_modes} 时，物流回单号与出库单所注一致亦可。铺货（需结算：{consignment_needs_settlement}）须有已经双方确认的月末结算，收入不超过结算金额（期初 − 盘点）。",
        activity_en="When revenue is booked the system checks that each goods issue is posted, of this customer, and proved delivered by a clean customer-signed copy — or, for {logistics_modes} deliveries, a logistics receipt whose number matches the one noted on the goods issue. Consignment stock (settlement required: {consignment_needs_settlement}) needs a month-end settlement confirmed by both finance departments, and revenue no larger than it (opening − counted).",
        risks=("R2.1",),
        kind=Kind.PREVENTIVE,
        frequency=Frequency.PER_TRANSACTION,
        key=True,
        automation=Automation.IT_DEPENDENT,
        assertions=(_A.OCCURRENCE, _A.CUTOFF),
        seeds=("S-K1 8", "S-YF 9", "S-YF 10", "S-YF 11"),
        g9=(7, 12),
        stage="revenue",
        owner="accounting / 核算会计",
        evidence="decision log: goods issues, proofs (signed copy or matched logistics receipt), consignment settlement / 决策日志：出库单、签收证明（客户签收联或相符的物流回单）、铺货结算",
        applies_to=(BookRevenue.__name__,),
        check=check_delivery_proof,
        messages={
            "revenue.goods_issue_unknown": (
                "出库单 {goods_issue} 不存在（失败关闭）",
                "goods issue {goods_issue} is not on hand (fails closed)",
            ),
            "revenue.not_posted": (
                "出库单 {goods_issue} 尚未过账，不得确认收入",
                "goods issue {goods_issue} is not posted: no revenue yet",
            ),
            "revenue.other_customer": (
                "出库单 {goods_issue} 属于客户 {customer}，不是 {entry_customer}",
                "goods issue {goods_issue} is for customer {customer}, not {entry_customer}",
            ),
            "revenue.proof_unsigned": (
                "出库单 {goods_issue}（{mode}）无客户签收联或物流回单，不得确认收入",
                "goods issue {goods_issue} ({mode}) has no customer-signed copy or logistics receipt: no revenue yet",
            ),
            "revenue.proof_unmatched": (
                "出库单 {goods_issue}（{mode}）的物流回单与出库单不匹配，且无客户签收",
                "goods issue {goods_issue} ({mode}): the logistics receipt does not match the goods issue, and the customer has not signed",
            ),
            "revenue.proof_discrepancy": (
                "出库单 {goods_issue} 客户签收有异议（品种或数量不符），须先处理",
                "goods issue {goods_issue}: the customer noted a discrepancy; resolve it before booking revenue",
            ),
            "revenue.consignment_unsettled": (
                "铺货收入 {entry} 未依据月末盘点结算",
                "consignment revenue {entry} rests on no month-end settlement",
            ),
            "revenue.consignment_settlement_unknown": (
                "铺货结算 {settlement} 不存在（失败关闭）",
                "consignment settlement {settlement} is not on hand (fails closed)",
            ),
            "revenue.consignment_other_customer": (
                "铺货结算 {settlement} 属于客户 {customer}",
                "consignment settlement {settlement} belongs to customer {customer}",
            ),
            "revenue.consignment_unconfirmed": (
                "铺货结算 {settlement} 尚未经双方财务核对确认",
                "consignment settlement {settlement} is not yet confirmed by both finance departments",
            ),
            "revenue.consignment_over_settled": (
                "铺货收入 {entry} 金额 {amount} 超过结算金额 {settled}",
                "consignment revenue {entry} of {amount} exceeds the settled {settled}",
            ),
        },
    ),
    Control(
        id="O2C-RR-03",
        title_zh="确认收入冲销预收账款",
        title_en="Revenue recognition offsets advance receipts first",
        objective_zh="确认收入时先冲销客户预收账款，收款超出应收部分记为预收，应收、预收不虚列。",
        objective_en="Revenue first offsets the customer's advance receipts, and money received beyond what is owed is an advance, so receivables and advances are never both overstated.",
        activity_zh="确认收入时系统要求冲销预收金额为客户预收余额与收入金额中的较小者；录入收款时系统检查冲应收部分不超过客户未结应收，其余记预收。",
        activity_en="When revenue is booked the system requires the advance offset to equal min(customer's advance balance, revenue); when a receipt is recorded it checks that the part applied to receivables does not exceed the customer's open receivables, the rest being an advance.",
        risks=("R2.1", "R2.2"),
        kind=Kind.PREVENTIVE,
        frequency=Frequency.PER_TRANSACTION,
        key=False,
        automation=Automation.AUTOMATED,
        assertions=(_A.ACCURACY, _A.PRESENTATION, _A.VALUATION),
        seeds=("S-YF 11",),
        g9=(12,),
        stage="revenue",
        owner="accounting / 核算会计",
        evidence="decision log: advance balance, revenue, offset; receipt application and open receivables / 决策日志：预收余额、收入、冲销；收款核销和未收应收账款",
        applies_to=(BookRevenue.__name__, RecordReceipt.__name__),
        check=check_advance_receipts,
        messages={
            "revenue.receivables_unknown": (
                "缺少客户 {customer} 的应收数据，无法核对收款（失败关闭）",
                "no receivables for customer {customer} in the context: cannot check the receipt (fails closed)",
            ),
            "revenue.receipt_over_receivables": (
                "收款 {receipt} 冲应收 {applied}，超过未结应收 {open}；超出部分 {advance} 应记预收",
                "receipt {receipt} applies {applied} to receivables but only {open} is open; the excess {advance} is an advance receipt",
            ),
            "revenue.advance_unknown": (
                "缺少客户 {customer} 的预收账款余额（为零亦须列明），无法核对（失败关闭）",
                "no advance-receipt balance for customer {customer} in the context (state zero explicitly): fails closed",
            ),
            "revenue.offset_exceeds_advance": (
                "收入 {entry} 冲销预收 {offset}，超过预收余额 {balance}",
                "revenue {entry} offsets {offset} of advances, more than the balance {balance}",
            ),
            "revenue.advance_not_offset": (
                "收入 {entry} 仅冲销预收 {offset}，应先冲销 {required}",
                "revenue {entry} offsets only {offset} of advance receipts; {required} must be offset first",
            ),
        },
    ),
)

FAMILY = Family(
    name="revenue",
    title_zh="收入确认",
    title_en="Revenue",
    policy_type=RevenuePolicy,
    controls=CONTROLS,
)
