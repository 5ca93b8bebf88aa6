"""The revenue family's preventive checks O2C-RR-02 and O2C-RR-03, run by the gate."""

from __future__ import annotations

from salesctl.context import Context
from salesctl.controls.revenue.policy import RevenuePolicy
from salesctl.decision import Finding, Outcome, finding
from salesctl.model import DeliveryProof, GoodsIssue, ProofKind
from salesctl.money import Money
from salesctl.transactions import BookRevenue, RecordReceipt, Transaction

__all__ = ["check_advance_receipts", "check_delivery_proof", "proof_problem"]

_NONE: tuple[Finding, ...] = ()


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
