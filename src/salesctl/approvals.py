"""The one rule that decides whether approvals on hand satisfy a requirement.

A HOLD finding names the approvals it needs (:class:`~salesctl.decision.ApprovalRequirement`).
An :class:`~salesctl.model.Approval` on hand satisfies a requirement only if it is for this
document, in the required role, the approver holds that role and at least the required
authority level, is neither the acting user nor an excluded proposer, covers the amount, was
granted no later than the transaction and has not expired by then (:func:`approval_clears`).

:func:`clear_finding` applies the rule to a whole finding: a requirement met is removed and the
approval that met it recorded as evidence; a finding whose requirements are all met becomes
ALLOW. Requirements with a ``step`` (multi-level approval, S-K1 2: the sales manager signs, then
the general manager approves) are met in order: a step only after every lower step of the same
finding, by an approval granted no earlier than theirs, and by a person who signed no other
step. Requirements without a step are met independently.

The gate clears every HOLD with :func:`clear_finding`; a control that clears its own finding
(O2C-SO-02, on the path every order takes) asks :func:`clears` and records :func:`evidence`, so
the rule and the evidence text exist once.
"""

from __future__ import annotations

import datetime as dt
import functools

from salesctl.decision import ApprovalRequirement, Finding, Outcome, _trusted_finding
from salesctl.model import Approval
from salesctl.money import Money
from salesctl.transactions import Transaction

__all__ = ["approval_clears", "clear_finding", "clears", "evidence"]

_ALLOW = Outcome.ALLOW
_HOLD = Outcome.HOLD


def approval_clears(approval: Approval, req: ApprovalRequirement, txn: Transaction) -> bool:
    """Whether ``approval`` satisfies ``req`` for ``txn`` (the rule of the module docs).

    Args:
        approval: an approval on hand.
        req: the requirement of a HOLD finding.
        txn: the transaction being checked (its actor and time).

    Returns:
        True when the approval satisfies the requirement.
    """
    return clears(
        approval,
        req.control_id,
        req.role,
        req.min_level,
        req.document_id,
        req.amount,
        req.excluded,
        txn,
    )


def clears(
    approval: Approval,
    control_id: str,
    role: str,
    min_level: int,
    document_id: str,
    amount: str,
    excluded: tuple[str, ...],
    txn: Transaction,
) -> bool:
    """:func:`approval_clears` on a requirement's values, before the requirement is built.

    The one statement of the rule: a control that clears its own finding (O2C-SO-02) asks it
    without building the requirement first.

    Args:
        approval: an approval on hand.
        control_id: the control asking (an approval naming another control does not count).
        role: the approving role.
        min_level: the lowest authority level that may approve.
        document_id: the document to approve.
        amount: the amount the approval must cover (``"1000.00 CNY"``; empty: any).
        excluded: ids of people who may not approve (the proposer).
        txn: the transaction being checked.

    Returns:
        True when the approval satisfies the requirement these values describe.
    """
    if approval.document_id != document_id or approval.role != role:
        return False
    if approval.control_id is not None and approval.control_id != control_id:
        return False
    who = approval.approver
    if role not in who.roles or who.authority_level < min_level:
        return False
    if who.id == txn.actor.id or who.id in excluded:
        return False
    if approval.granted_at > txn.at:
        return False
    if approval.expires_at is not None and approval.expires_at <= txn.at:
        return False
    if amount and approval.max_amount is not None:
        need = _amount(amount)
        if approval.max_amount.currency != need.currency or approval.max_amount < need:
            return False
    return True


@functools.lru_cache(maxsize=4096)
def _amount(text: str) -> Money:
    """``Money.parse`` of a requirement's amount, parsed and quantised once per distinct text
    (Money is immutable, so sharing the parsed value is safe)."""
    return Money.parse(text)


def evidence(hit: Approval, step: int) -> tuple[str, str]:
    """The fact a cleared finding records for the approval ``hit``.

    The one place this text is formatted: :func:`clear_finding` and a control that clears its
    own finding both call it.

    Args:
        hit: the approval that met a requirement.
        step: the requirement's step (``0``: not part of a multi-level approval).

    Returns:
        ``("approval <id>", "<who> as <role> (level <n>) at <time>[, step <k>]")``.
    """
    who = hit.approver
    suffix = f", step {step}" if step else ""
    return (
        f"approval {hit.id}",
        f"{who.id} as {hit.role} (level {who.authority_level}) at {hit.granted_at.isoformat()}{suffix}",
    )


def clear_finding(f: Finding, approvals: tuple[Approval, ...], txn: Transaction) -> Finding:
    """``f`` with the requirements that ``approvals`` meet removed, and their evidence added.

    Args:
        f: a finding (only its ``required`` matter: a finding without any is returned as is).
        approvals: the approvals on hand.
        txn: the transaction being checked.

    Returns:
        ``f`` itself when nothing is met; otherwise a finding with the met requirements'
        approvals in ``cleared_by`` and their :func:`evidence` in ``facts``, ALLOW when every
        requirement is met and HOLD (with the rest) otherwise.
    """
    required = f.required
    if not required:
        return f
    if len(required) == 1 and not required[0].step:  # the common case: one approval needed
        req = required[0]
        for a in approvals:
            if approval_clears(a, req, txn):
                return _trusted_finding(
                    f.control_id,
                    _ALLOW,
                    f.message,
                    f.params,
                    (*f.facts, evidence(a, 0)),
                    (),
                    (*f.cleared_by, a.id),
                )
        return f
    hits: dict[int, Approval] = {}
    for i, req in enumerate(required):
        if not req.step:
            hit = next((a for a in approvals if approval_clears(a, req, txn)), None)
            if hit is not None:
                hits[i] = hit
    if any(r.step for r in required):
        _clear_in_order(required, approvals, txn, hits)
    if not hits:
        return f
    used: list[str] = []
    facts: list[tuple[str, str]] = []
    remaining: list[ApprovalRequirement] = []
    for i, req in enumerate(required):
        hit = hits.get(i)
        if hit is None:
            remaining.append(req)
            continue
        used.append(hit.id)
        facts.append(evidence(hit, req.step))
    # Everything below is already validated (the finding's own values, the approvals' ids,
    # text built here): build the cleared finding without re-running converters/validators.
    return _trusted_finding(
        f.control_id,
        _HOLD if remaining else _ALLOW,
        f.message,
        f.params,
        f.facts + tuple(facts),
        tuple(remaining),
        f.cleared_by + tuple(used),
    )


def _clear_in_order(
    required: tuple[ApprovalRequirement, ...],
    approvals: tuple[Approval, ...],
    txn: Transaction,
    hits: dict[int, Approval],
) -> None:
    """Clear the ordered requirements (``step`` ≥ 1) of one finding into ``hits``.

    Multi-level approval (S-K1 2: the sales manager signs, then the general manager approves):
    a step clears only once every lower step has cleared, by an approval granted no earlier
    than the lower steps' approvals, from a person who signed no other step of the finding.
    """
    order = sorted((i for i, r in enumerate(required) if r.step), key=lambda i: required[i].step)
    assignment = _complete_in_order(required, order, approvals, txn)
    if assignment is not None:
        hits.update(assignment)
        return
    # No assignment clears every step: clear the lowest steps as far as they go.
    floor: dt.datetime | None = None
    signers: set[str] = set()
    k = 0
    while k < len(order):
        step = required[order[k]].step
        latest = floor
        complete = True
        while k < len(order) and required[order[k]].step == step:
            i = order[k]
            k += 1
            # The earliest qualifying approval leaves the most room for the steps above it.
            hit = min(
                (
                    a
                    for a in approvals
                    if a.approver.id not in signers
                    and (floor is None or a.granted_at >= floor)
                    and approval_clears(a, required[i], txn)
                ),
                key=lambda a: a.granted_at,
                default=None,
            )
            if hit is None:
                complete = False
                continue
            hits[i] = hit
            signers.add(hit.approver.id)
            if latest is None or hit.granted_at > latest:
                latest = hit.granted_at
        if not complete:
            return
        floor = latest


def _complete_in_order(
    required: tuple[ApprovalRequirement, ...],
    order: list[int],
    approvals: tuple[Approval, ...],
    txn: Transaction,
) -> dict[int, Approval] | None:
    """An assignment of approvals that clears *every* ordered requirement, or ``None``.

    A search, not a greedy pick: a person who signed both as sales manager and as general
    manager must not use up step 1 when another sales manager's signature leaves them free for
    step 2 (taking the earliest approval per step made an extra approval on hand turn an ALLOW
    into a HOLD). Earliest approvals are tried first, so when the greedy choice works it is the
    one found, at the same cost; the search gives up (``None``) after a bounded effort.
    """
    budget = [2000]
    chosen: dict[int, Approval] = {}
    signers: set[str] = set()

    def search(k: int, floor: dt.datetime | None, latest: dt.datetime | None) -> bool:
        if k == len(order):
            return True
        i = order[k]
        if k > 0 and required[order[k - 1]].step != required[i].step:
            floor = latest  # a new step: no earlier than every approval of the steps below
        candidates = sorted(
            (
                a
                for a in approvals
                if a.approver.id not in signers
                and (floor is None or a.granted_at >= floor)
                and approval_clears(a, required[i], txn)
            ),
            key=lambda a: a.granted_at,
        )
        for a in candidates:
            budget[0] -= 1
            if budget[0] < 0:
                return False
            chosen[i] = a
            signers.add(a.approver.id)
            top = a.granted_at if latest is None or a.granted_at > latest else latest
            if search(k + 1, floor, top):
                return True
            del chosen[i]
            signers.discard(a.approver.id)
        return False

    return dict(chosen) if search(0, None, None) else None
