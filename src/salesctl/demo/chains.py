"""The host's re-check of a chain of approvals it has just granted (issue 16).

:func:`clear_own_chain` clears a HOLD's chain the host's own grants meet, one approval per
step, without :func:`~salesctl.approvals.clear_finding`'s walk (what the walk gives then);
:meth:`Host._recheck <salesctl.demo.host.Host._recheck>` uses it and falls back on
``clear_finding`` for every other finding.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from salesctl._validators import person_key, tuple_conv
from salesctl.approvals import _order, _rule, evidence
from salesctl.context import Context
from salesctl.decision import (
    Decision,
    Finding,
    Outcome,
    _assembly,
    _Deferred,
    _raw_facts,
    _raw_params,
    _rendered,
    _trusted_finding,
)
from salesctl.ledger.folds import _copier
from salesctl.model import Approval

__all__ = [
    "approvals_with",
    "clear_own_chain",
    "copy_context",
    "rechecked",
    "unclaimed",
    "with_approvals",
]

#: A context with other approvals, every other slot shared (the ledger's generated copier).
_copy_context: Callable[[Context, tuple[Approval, ...]], Context] = _copier(Context, "approvals")


def unclaimed(first: Decision, again: frozenset[str], before: Context) -> bool:
    """Whether no approval on hand in ``before`` names a control of the requirements of the
    findings of the controls ``again``: the gate's clearing then returned each such HOLD as
    the control found it (an approval of another control never clears or is reported on a
    requirement), so the HOLD can be cleared again with more approvals
    (:meth:`Host._recheck`).

    Args:
        first: the gate's decision in ``before``.
        again: the controls whose HOLDs the host obtained approvals for.
        before: the context ``first`` was decided in.

    Returns:
        ``True`` when no approval in ``before`` names such a control (an approval naming no
        control counts as naming one).
    """
    controls = {r.control_id for f in first.findings if f.control_id in again for r in f.required}
    return not any(a.control_id is None or a.control_id in controls for a in before.approvals)


def with_approvals(ctx: Context, document_ids: list[str], granted: list[Approval]) -> Context:
    """``ctx`` with ``granted`` added to its approvals on hand, as
    :meth:`Ledger.context_for <salesctl.ledger.Ledger.context_for>` would list them once the
    grants are folded: by document in ``document_ids``' order (ids unique), each document's
    approvals in the order granted; a grant for another document is not on hand.

    The re-check of a HOLD the host has just obtained the approvals for asks the gate with this
    context instead of gathering a new one: granting approvals changes nothing else the ledger
    holds (the caller gathers a new context when the grants moved the ledger to a new day).
    Every other value is shared with ``ctx`` (immutable), so no validation runs again.
    """
    return _copy_context(ctx, approvals_with(ctx.approvals, document_ids, granted))


def approvals_with(
    approvals: tuple[Approval, ...], document_ids: list[str], granted: list[Approval]
) -> tuple[Approval, ...]:
    """The approvals on hand of :func:`with_approvals`'s context: ``approvals`` (a context's)
    and ``granted``, by document in ``document_ids``' order, each document's in the order
    granted, a grant for another document left out. :meth:`Host.post
    <salesctl.demo.host.Host.post>` keeps them and copies the context with them
    (:func:`copy_context`) only when the whole gate is asked."""
    by_doc: dict[str, list[Approval]] = {d: [] for d in document_ids}
    for a in (*approvals, *granted):
        on_hand = by_doc.get(a.document_id)
        if on_hand is not None:
            on_hand.append(a)
    return tuple(a for d in document_ids for a in by_doc[d])


def copy_context(ctx: Context, approvals: tuple[Approval, ...]) -> Context:
    """``ctx`` with ``approvals`` on hand instead of its own, every other slot shared (the
    ledger's generated copier: no validation runs again)."""
    return _copy_context(ctx, approvals)


#: Decisions are filled by plain slot stores, then made decisions (as the gate builds them).
_DecisionAssembly = _assembly(Decision)


def rechecked(first: Decision, findings: tuple[Finding, ...]) -> Decision:
    """``first`` with ``findings`` (a re-check's, in the same order) instead of its own and
    their highest outcome: what ``Decision(...)`` builds from these values (its one check,
    that the outcome is the findings' highest, holds by construction; ``first``'s sequences
    are the gate's tuples, converted as its converter would otherwise), stored slot by slot.
    ``_VERIFY_RECHECKS`` compares it with the whole gate's decision."""
    outcome = Outcome.ALLOW
    for f in findings:
        if f.outcome > outcome:
            outcome = f.outcome
    controls, weakened = first.controls, first.weakened
    d: Any = _DecisionAssembly()
    d.outcome, d.findings = outcome, findings
    d.transaction, d.document_id, d.at = first.transaction, first.document_id, first.at
    d.controls = controls if type(controls) is tuple else tuple_conv(controls)
    d.policy_fingerprint = first.policy_fingerprint
    d.catalogue_fingerprint = first.catalogue_fingerprint
    d.note = first.note
    d.weakened = weakened if type(weakened) is tuple else tuple_conv(weakened)
    d.__class__ = Decision
    decision: Decision = d
    return decision


def _chain_facts(facts: Any, hits: tuple[tuple[Approval, int], ...]) -> tuple[tuple[str, str], ...]:
    """The facts of a chain cleared by ``hits`` (each approval and its step, in the chain's
    order): the finding's own facts, then each approval's :func:`~salesctl.approvals.evidence`
    (what :func:`~salesctl.approvals.clear_finding` gives, rendered when first read)."""
    return (*_rendered(facts), *(evidence(a, step) for a, step in hits))


def clear_own_chain(
    f: Finding, approvals: tuple[Approval, ...], mine: list[Approval], txn: Any
) -> Finding | None:
    """``f`` (a HOLD with a chain of several requirements, or one ordered step) cleared by the
    approvals ``mine`` the host has just granted for it, one per requirement in the order of
    ``sorted(f.required, key=step)``, when ``approvals`` (the approvals on hand) are ``mine``
    and approvals that name a control other than the chain's; ``None`` when that is not so,
    or when any of them does not meet its own step as the gate's rule has it.

    What :func:`~salesctl.approvals.clear_finding` returns then, without its walk: every
    other approval fails every step as another control's (it is never a candidate nor
    reported); the chain's roles are distinct, so each of ``mine`` signs only its own step (a
    role the chain asks for at a step of its own signs that step only); its signers are
    distinct people and its grants not earlier than those of the steps before, so the search
    takes each for its step (the ordered steps' grants in step order); nothing is left or rejected: the finding is ALLOW, with the
    approvals in ``cleared_by`` and their evidence in ``facts``, in the chain's order.
    ``tests/test_demo_tenth.py`` compares it with ``clear_finding`` (and a year's re-checks
    are compared with the whole gate under ``_VERIFY_RECHECKS``).
    """
    required = f.required
    n = len(required)
    if not n or n != len(mine) or (n == 1 and not required[0].step):
        return None
    ids = {r.control_id for r in required}
    roles = {r.role for r in required}
    if len(roles) != n:
        return None
    own = {id(a) for a in mine}
    if len(own) != n:
        return None
    for a in approvals:
        if id(a) in own:
            continue
        c = a.control_id
        if c is None or c in ids:
            return None
    if len(approvals) - n != sum(1 for a in approvals if id(a) not in own):
        return None  # one of ``mine`` on hand twice, or not on hand
    steps = sorted(range(n), key=lambda i: required[i].step)
    by_req = list(mine)  # the approval of each requirement, in the chain's order
    for k, i in enumerate(steps):
        by_req[i] = mine[k]
    actor_key = person_key(txn.actor.id)
    at = txn.at
    signers: set[str] = set()
    for i, r in enumerate(required):
        got = by_req[i]
        if got.role != r.role or _rule(
            got,
            actor_key,
            at,
            r.control_id,
            r.role,
            r.min_level,
            r.document_id,
            r.amount,
            r.excluded,
            None,
        ):
            return None
        signers.add(person_key(got.approver.id))
    if len(signers) != n:
        return None
    latest: dt.datetime | None = None
    for i in _order(required):
        if not required[i].step:
            break  # the any-order steps, after the ordered ones: no floor
        g = by_req[i].granted_at
        if latest is not None and g < latest:
            return None
        latest = g
    hits = tuple((by_req[i], r.step) for i, r in enumerate(required))
    return _trusted_finding(
        f.control_id,
        Outcome.ALLOW,
        f.message,
        _raw_params(f),
        _Deferred(_chain_facts, (_raw_facts(f), hits)),
        (),
        (*f.cleared_by, *(a.id for a in by_req)),
    )
