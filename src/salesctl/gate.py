"""The gate a host calls before each transaction.

``Gate(policy)`` selects, once, the enabled preventive controls that apply to each
transaction type. ``gate.check(txn, ctx)`` runs them and returns a
:class:`~salesctl.decision.Decision`: the maximum of the findings.

Approvals in the context clear HOLD findings: an :class:`~salesctl.model.Approval` clears a
required approval only if it is for this document, in the required role, the approver holds
that role and at least the required authority level, is neither the acting user nor an
excluded proposer, covers the amount, and is valid at the transaction's time. A cleared
finding becomes ALLOW and lists the approvals that cleared it.

Requirements with a ``step`` (multi-level approval, S-K1 2) are cleared in order: a step only
after every lower step of the same finding, by an approval granted no earlier than theirs, and
by a person who signed no other step. Requirements without a step clear independently.

A control that raises while evaluating fails **closed**: its finding is a BLOCK naming the
error. A gate is immutable and safe to share between threads.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Iterable
from typing import Any

import attrs

from salesctl.context import Context
from salesctl.control import Control, Kind
from salesctl.decision import (
    ApprovalRequirement,
    Decision,
    Finding,
    Outcome,
    _trusted_finding,
)
from salesctl.errors import InvalidInput, SalesctlError, UnknownTransaction
from salesctl.model import Approval
from salesctl.money import Money
from salesctl.policy import Policy
from salesctl.transactions import TRANSACTION_TYPES, Transaction

__all__ = ["Gate", "approval_clears"]

_EMPTY: tuple[Finding, ...] = ()
_ALLOW = Outcome.ALLOW
_HOLD = Outcome.HOLD


def approval_clears(approval: Approval, req: ApprovalRequirement, txn: Transaction) -> bool:
    """True when ``approval`` satisfies ``req`` for ``txn`` (see the module docs)."""
    return _clears(
        approval,
        req.control_id,
        req.role,
        req.min_level,
        req.document_id,
        req.amount,
        req.excluded,
        txn,
    )


def _clears(
    approval: Approval,
    control_id: str,
    role: str,
    min_level: int,
    document_id: str,
    amount: str,
    excluded: tuple[str, ...],
    txn: Transaction,
) -> bool:
    """:func:`approval_clears` on the requirement's values (the one statement of the rule; a
    control that clears its own finding, O2C-SO-02, asks before building the requirement)."""
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


# Decisions the gate builds are valid by construction (the outcome is the maximum of the
# findings, every value comes from the gate or a validated finding): they are stored straight
# into the slots, without the attrs validators.
_DECISION_SETTERS: tuple[Callable[[Any, Any], None], ...] = tuple(
    Decision.__dict__[a.name].__set__ for a in attrs.fields(Decision)
)
(
    _set_outcome,
    _set_findings,
    _set_transaction,
    _set_document_id,
    _set_at,
    _set_controls,
    _set_policy_fp,
    _set_catalogue_fp,
    _set_note,
) = _DECISION_SETTERS
_new_object = object.__new__


def _decision(
    outcome: Outcome,
    findings: tuple[Finding, ...],
    head: tuple[str, tuple[str, ...], str, str],
    txn: Transaction,
) -> Decision:
    d: Decision = _new_object(Decision)
    _set_outcome(d, outcome)
    _set_findings(d, findings)
    _set_transaction(d, head[0])
    _set_document_id(d, txn.document_id)
    _set_at(d, txn.at)
    _set_controls(d, head[1])
    _set_policy_fp(d, head[2])
    _set_catalogue_fp(d, head[3])
    _set_note(d, None)
    return d


class Gate:
    """Runs the preventive controls a policy enables.

    Args:
        policy: the policy in force (``Policy.default()`` when omitted).
        only: restrict the gate to these control ids (benchmarks, focused checks).

    Raises:
        PolicyError: if ``only`` names an unknown control.
    """

    __slots__ = ("_catalogue_fp", "_ids", "_plan", "_policy_fp", "policy")

    def __init__(self, policy: Policy | None = None, *, only: Iterable[str] | None = None) -> None:
        from salesctl.controls import CATALOGUE_FINGERPRINT, CONTROLS

        self.policy = policy if policy is not None else Policy.default()
        if not isinstance(self.policy, Policy):
            raise InvalidInput(
                "must be a salesctl.Policy", path="policy", value=type(policy).__name__
            )
        wanted: set[str] | None = None
        if only is not None:
            wanted = set(only)
            unknown = wanted - set(CONTROLS)
            if unknown:
                from salesctl.errors import PolicyError

                raise PolicyError("unknown control id", path="only", value=sorted(unknown))
        from salesctl.controls.orders import _check_order_approval_in_gate, check_order_approval

        # Checks the gate runs in a variant that returns what the gate's clearing would make of
        # their finding (same finding, built once): O2C-SO-02's HOLD, on every order.
        in_gate: dict[Any, Any] = {check_order_approval: _check_order_approval_in_gate}
        self._policy_fp = self.policy.fingerprint
        self._catalogue_fp = CATALOGUE_FINGERPRINT
        # Everything a check needs that depends only on the transaction type is worked out
        # here, once: the steps (control id, check, bound family policy) and the constant
        # part of the decision (type name, control ids, fingerprints).
        plan: dict[
            type, tuple[tuple[tuple[str, Any, Any], ...], tuple[str, tuple[str, ...], str, str]]
        ] = {}
        ids: dict[type, tuple[str, ...]] = {}
        for name, cls in TRANSACTION_TYPES.items():
            steps: list[tuple[str, Any, Any]] = []
            for control in CONTROLS.values():
                if not self._selected(control, name, wanted):
                    continue
                check = in_gate.get(control.check, control.check)
                steps.append((control.id, check, self._family_policy(control.family)))
            ids[cls] = tuple(s[0] for s in steps)
            plan[cls] = (
                tuple(steps),
                (cls.__name__, ids[cls], self._policy_fp, self._catalogue_fp),
            )
        self._plan = plan
        self._ids = ids

    def _family_policy(self, family: str) -> Any:
        """The policy object a family's checks receive.

        A family policy that defines ``bind(policy)`` (delivery re-checks credit with the credit
        family's parameters) is bound to the whole policy here, once, at construction.
        """
        fpolicy = self.policy.family(family)
        bind = getattr(fpolicy, "bind", None)
        return fpolicy if bind is None else bind(self.policy)

    def _selected(self, control: Control, txn_type: str, wanted: set[str] | None) -> bool:
        return (
            control.kind is Kind.PREVENTIVE
            and control.check is not None
            and txn_type in control.applies_to
            and self.policy.is_enabled(control.id)
            and (wanted is None or control.id in wanted)
        )

    def controls_for(self, txn_type: type[Transaction] | str) -> tuple[str, ...]:
        """Ids of the controls the gate runs for a transaction type, in order."""
        cls = TRANSACTION_TYPES.get(txn_type) if isinstance(txn_type, str) else txn_type
        if cls is None or cls not in self._ids:
            raise UnknownTransaction("unknown transaction type", path="txn_type", value=txn_type)
        return self._ids[cls]

    def check(self, txn: Transaction, ctx: Context) -> Decision:
        """Decide whether ``txn`` may go ahead.

        Args:
            txn: the transaction the host is about to post.
            ctx: what the host knows now.

        Returns:
            The decision: ALLOW, HOLD (with the approvals needed) or BLOCK, with findings.

        Raises:
            UnknownTransaction: if ``txn`` is not a registered transaction type.
            InvalidInput: if ``ctx`` is not a :class:`~salesctl.context.Context`.
        """
        entry = self._plan.get(type(txn))
        if entry is None:
            raise UnknownTransaction(
                "not a salesctl transaction", path="txn", value=type(txn).__name__
            )
        if type(ctx) is not Context:
            raise InvalidInput("must be a salesctl.Context", path="ctx", value=type(ctx).__name__)
        steps, head = entry
        findings: list[Finding] | None = None
        for cid, check, fpolicy in steps:
            try:
                got = check(txn, ctx, fpolicy)
            except Exception as e:  # fail closed on any evaluation problem
                got = (_evaluation_error(cid, e),)
            if got:
                if findings is None:
                    findings = list(got)
                else:
                    findings.extend(got)
        if findings is None:  # the pass path: nothing found, nothing allocated but the answer
            d: Decision = _new_object(Decision)
            _set_outcome(d, _ALLOW)
            _set_findings(d, _EMPTY)
            _set_transaction(d, head[0])
            _set_document_id(d, txn.document_id)
            _set_at(d, txn.at)
            _set_controls(d, head[1])
            _set_policy_fp(d, head[2])
            _set_catalogue_fp(d, head[3])
            _set_note(d, None)
            return d
        approvals = ctx.approvals
        outcome = _ALLOW
        for i, f in enumerate(findings):
            o = f.outcome
            if o is _HOLD and approvals:
                f = _clear(f, approvals, txn)
                findings[i] = f
                o = f.outcome
            if o > outcome:
                outcome = o
        return _decision(outcome, tuple(findings), head, txn)


def _evaluation_error(cid: str, e: BaseException) -> Finding:
    error = str(e) if isinstance(e, SalesctlError) else f"{type(e).__name__}: {e}"
    return Finding(
        control_id=cid,
        outcome=Outcome.BLOCK,
        message="gate.evaluation_error",
        params=(("control", cid), ("error", error)),
        facts=(("error_type", type(e).__name__),),
    )


def _evidence(hit: Approval, step: int) -> tuple[str, str]:
    """The fact a cleared finding records for the approval ``hit`` (of ``step``, 0: none).

    The one place this text is formatted: the gate's clearing and O2C-SO-02's direct clearing
    (:func:`salesctl.controls.orders.check_order_approval`) both call it.
    """
    who = hit.approver
    suffix = f", step {step}" if step else ""
    return (
        f"approval {hit.id}",
        f"{who.id} as {hit.role} (level {who.authority_level}) at {hit.granted_at.isoformat()}{suffix}",
    )


def _clear(f: Finding, approvals: tuple[Approval, ...], txn: Transaction) -> Finding:
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
                    (*f.facts, _evidence(a, 0)),
                    (),
                    (*f.cleared_by, a.id),
                )
        return f
    hits: dict[int, Approval] = {}
    for i, req in enumerate(f.required):
        if not req.step:
            hit = next((a for a in approvals if approval_clears(a, req, txn)), None)
            if hit is not None:
                hits[i] = hit
    if any(r.step for r in f.required):
        _clear_in_order(f.required, approvals, txn, hits)
    if not hits:
        return f
    used: list[str] = []
    evidence: list[tuple[str, str]] = []
    remaining: list[ApprovalRequirement] = []
    for i, req in enumerate(f.required):
        hit = hits.get(i)
        if hit is None:
            remaining.append(req)
            continue
        used.append(hit.id)
        evidence.append(_evidence(hit, req.step))
    # Everything below is already validated (the finding's own values, the approvals' ids,
    # text built here): build the cleared finding without re-running converters/validators.
    return _trusted_finding(
        f.control_id,
        _HOLD if remaining else _ALLOW,
        f.message,
        f.params,
        f.facts + tuple(evidence),
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
