"""The one approval engine: whether the approvals on hand satisfy a finding's sign-off chain.

A HOLD finding names the approvals it needs (:class:`~salesctl.decision.ApprovalRequirement`).
They form **one chain**: each requirement is a step — a role (or a higher role in the same line
of authority, "按规定权限"), a minimum authority level, optionally an amount to cover, and a
``step`` number (``1``, ``2``, …: a step's approvals are granted no earlier than every approval
of the lower steps; equal numbers are parallel; ``0`` = any order).

An :class:`~salesctl.model.Approval` on hand counts for a step only if it is for the step's
document (and names no other control), is signed in the step's role — or, when the
:class:`Authority` allows it, a higher role of the same line —, the approver holds that role
and at least the step's authority level, is neither the acting user (the keyer) nor an
excluded person (the proposer), covers the amount, was granted no later than the transaction
and has not expired by then (:func:`approval_clears`). A person counts **once per chain**,
whatever roles they hold. Identities are compared case-insensitively, in the one canonical
form every segregation check uses (:func:`salesctl._validators.person_key`).

:func:`clear_finding` applies the rule to a whole finding: the met steps are removed and the
approvals that met them recorded as evidence; a finding whose steps are all met becomes ALLOW.
Every approval on hand that concerns the finding but did not count is reported on it
(``Finding.rejected``) with its reason (:data:`REASONS`).

The gate clears every HOLD with :func:`clear_finding`, passing the policy's :class:`Authority`
(prepared once, when the gate is built); a control that clears its own finding (O2C-SO-02, on
the path every order takes) asks :func:`clears` and records :func:`evidence`, so the rule and
the evidence text exist once.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from attrs import field, frozen

from salesctl._validators import FrozenMap, frozenmap_conv, mapping, person_key, typed
from salesctl.decision import (
    ApprovalRequirement,
    Finding,
    Outcome,
    RejectedApproval,
    _Deferred,
    _raw_facts,
    _raw_params,
    _rendered,
    _trusted_finding,
)
from salesctl.errors import InvalidInput
from salesctl.model import Approval
from salesctl.money import Money
from salesctl.transactions import Transaction

__all__ = [
    "DEFAULT_LINES",
    "REASONS",
    "Authority",
    "approval_clears",
    "clear_finding",
    "clears",
    "evidence",
    "why_not",
]

_ALLOW = Outcome.ALLOW
_HOLD = Outcome.HOLD

#: The lines of authority of the seed's organisation, lowest to highest (the role names the
#: control families use). A role may sit in several lines (the general manager heads both).
DEFAULT_LINES: Mapping[str, tuple[str, ...]] = FrozenMap(
    {
        "sales": (
            "sales_rep",
            "sales_manager",
            "sales_director",
            "marketing_head",
            "sales_vp",
            "general_manager",
        ),
        "finance": ("accountant", "finance_manager", "finance_head", "finance_vp", "general_manager"),
    }
)

# Reasons an approval did not count, in the order the rule tests them (a later one is closer
# to counting: the one reported when an approval fails several steps differently).
_OTHER_CONTROL = "other_control"  # names another control: does not concern the finding
OTHER_DOCUMENT = "other_document"
WRONG_ROLE = "wrong_role"
ROLE_NOT_HELD = "role_not_held"
LEVEL_TOO_LOW = "level_too_low"
KEYER = "keyer"
PROPOSER = "proposer"
GRANTED_AFTER = "granted_after_transaction"
EXPIRED = "expired"
AMOUNT_TOO_SMALL = "amount_too_small"
# Reasons of the chain (the approval passes the rule for a step but was not used).
SAME_PERSON = "same_person"
OUT_OF_ORDER = "out_of_order"
ALREADY_MET = "already_met"

#: Every reason a :class:`~salesctl.decision.RejectedApproval` may give.
REASONS: tuple[str, ...] = (
    OTHER_DOCUMENT,
    WRONG_ROLE,
    ROLE_NOT_HELD,
    LEVEL_TOO_LOW,
    KEYER,
    PROPOSER,
    GRANTED_AFTER,
    EXPIRED,
    AMOUNT_TOO_SMALL,
    SAME_PERSON,
    OUT_OF_ORDER,
    ALREADY_MET,
)
_RANK = {r: i for i, r in enumerate((_OTHER_CONTROL, *REASONS[:9]))}


def _lines(_i: Any, _a: Any, value: Any) -> None:
    mapping(_i, _a, value)
    for name, line in value.items():
        path = f"lines.{name}"
        if not isinstance(line, tuple) or not line:
            raise InvalidInput("must be a non-empty list of roles", path=path, value=line)
        for role in line:
            if not isinstance(role, str) or not role.strip():
                raise InvalidInput("must be a role name", path=path, value=role)
        if len(set(line)) != len(line):
            raise InvalidInput("names a role twice", path=path, value=list(line))


def _overrides(_i: Any, _a: Any, value: Any) -> None:
    mapping(_i, _a, value)
    for cid, flag in value.items():
        if not isinstance(flag, bool):
            raise InvalidInput("must be true or false", path=f"controls.{cid}", value=flag)


def _line_conv(value: Any) -> Any:
    value = frozenmap_conv(value)
    if isinstance(value, FrozenMap):
        return FrozenMap({k: tuple(v) if isinstance(v, list) else v for k, v in value.items()})
    return value


@frozen
class Authority:
    """Lines of authority ("按规定权限"): who may sign for whom (``[authority]`` in a policy).

    Attributes:
        lines: named lines of roles, lowest to highest (:data:`DEFAULT_LINES`).
        higher_may_sign: whether a higher role of a line may sign a step asking for a lower
            one (the default: yes).
        controls: per control id, ``higher_may_sign`` for that control's chains.
    """

    lines: FrozenMap[str, tuple[str, ...]] = field(
        default=DEFAULT_LINES, converter=_line_conv, validator=_lines
    )
    higher_may_sign: bool = field(default=True, validator=typed(bool))
    controls: FrozenMap[str, bool] = field(
        default=FrozenMap(), converter=frozenmap_conv, validator=_overrides
    )
    #: role -> the roles above it in any line (prepared once).
    _above: FrozenMap[str, frozenset[str]] = field(
        init=False, default=FrozenMap(), eq=False, repr=False
    )

    def __attrs_post_init__(self) -> None:
        above: dict[str, set[str]] = {}
        for line in self.lines.values():
            for k, role in enumerate(line):
                above.setdefault(role, set()).update(line[k + 1 :])
        object.__setattr__(self, "_above", FrozenMap({r: frozenset(s) for r, s in above.items()}))

    def may_sign(self, signing_role: str, required_role: str, control_id: str) -> bool:
        """Whether an approval signed as ``signing_role`` may meet a step asking for
        ``required_role`` in a chain of ``control_id``."""
        if signing_role == required_role:
            return True
        if not self.controls.get(control_id, self.higher_may_sign):
            return False
        above = self._above.get(required_role)
        return above is not None and signing_role in above


_NO_ABOVE: Mapping[str, frozenset[str]] = FrozenMap()


def _above_of(authority: Authority | None, control_id: str) -> Mapping[str, frozenset[str]]:
    """:meth:`Authority.may_sign` for the chains of ``control_id``, as a table: role -> the
    roles that may sign a step asking for it besides the role itself (empty: only the role)."""
    if authority is None or not authority.controls.get(control_id, authority.higher_may_sign):
        return _NO_ABOVE
    return authority._above


class _Plan:
    """What the approval chains of a gate's controls read from the lines of authority, prepared
    once when the gate is built: per control id, the higher-may-sign flag resolved and the
    role -> higher-roles table it selects (:func:`_above_of`). Immutable once built (safe to
    share between threads); a control id not prepared is resolved on the call, the same way.

    Attributes:
        authority: the lines of authority in force (``None``: roles must match exactly).
    """

    __slots__ = ("_above", "authority")

    def __init__(self, authority: Authority | None, control_ids: Iterable[str] = ()) -> None:
        self.authority = authority
        self._above = {cid: _above_of(authority, cid) for cid in control_ids}

    def above(self, control_id: str) -> Mapping[str, frozenset[str]]:
        """The role -> higher-roles table for the chains of ``control_id``."""
        got = self._above.get(control_id)
        return got if got is not None else _above_of(self.authority, control_id)


def approval_clears(
    approval: Approval,
    req: ApprovalRequirement,
    txn: Transaction,
    authority: Authority | None = None,
) -> bool:
    """Whether ``approval`` satisfies ``req`` for ``txn`` (the rule of the module docs).

    Args:
        approval: an approval on hand.
        req: the requirement of a HOLD finding.
        txn: the transaction being checked (its actor and time).
        authority: the lines of authority in force (``None``: the role must match exactly).

    Returns:
        True when the approval satisfies the requirement.
    """
    return not why_not(approval, req, txn, authority)


def why_not(
    approval: Approval,
    req: ApprovalRequirement,
    txn: Transaction,
    authority: Authority | None = None,
) -> str:
    """Why ``approval`` does not satisfy ``req`` for ``txn``: a reason of :data:`REASONS`
    (or ``"other_control"``: it names another control), ``""`` when it does."""
    return _rule(
        approval,
        person_key(txn.actor.id),
        txn.at,
        req.control_id,
        req.role,
        req.min_level,
        req.document_id,
        req.amount,
        req.excluded,
        authority,
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
    authority: Authority | None = None,
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
        authority: the lines of authority in force (``None``: the role must match exactly).

    Returns:
        True when the approval satisfies the requirement these values describe.
    """
    return not _rule(
        approval,
        person_key(txn.actor.id),
        txn.at,
        control_id,
        role,
        min_level,
        document_id,
        amount,
        excluded,
        authority,
    )


def _sole_hit(
    approvals: tuple[Approval, ...],
    control_id: str,
    role: str,
    min_level: int,
    document_id: str,
    need: Money,
    excluded: tuple[str, ...],
    txn: Transaction,
) -> Approval | None:
    """The approval that clears a one-step requirement with these values (its amount
    ``str(need)``), when it is the only approval on hand that concerns it; ``None`` when the
    engine must decide.

    What :func:`clear_finding` finds on its one-approval path, before the requirement is built
    — for a control that clears its own HOLD in the gate (O2C-CR-04, O2C-PR-03): an approval
    is returned only when it is the one approval on hand that names this control or (naming
    none) this document, it is signed in ``role`` itself (the lines of authority, which only the
    gate holds, are not read) and :func:`_rule` counts it; the rule's last clause, the amount,
    is applied to ``need`` itself rather than to its text parsed back (the same Money). An
    approval of another control, or of another document naming no control, is neither counted
    nor reported by the engine either. Anything else (none counts, two concern the finding,
    one is signed in another role) returns ``None``: the caller builds the HOLD and the gate's
    :func:`clear_finding` decides and reports.
    """
    hit: Approval | None = None
    actor = txn.actor.id
    for a in approvals:
        named = a.control_id
        if named is None:
            if a.document_id != document_id:
                continue
        elif named != control_id:
            continue
        if hit is not None or a.role != role:
            return None
        if _rule(
            a,
            actor.casefold() if actor.isascii() else person_key(actor),  # person_key, inlined
            txn.at,
            control_id,
            role,
            min_level,
            document_id,
            "",
            excluded,
            None,
        ):
            return None
        cap = a.max_amount
        if cap is not None and (cap.currency != need.currency or cap.amount < need.amount):
            return None  # AMOUNT_TOO_SMALL
        hit = a
    return hit


def _why_not(
    approval: Approval,
    control_id: str,
    role: str,
    min_level: int,
    document_id: str,
    amount: str,
    excluded: tuple[str, ...],
    actor_id: str,
    at: dt.datetime,
    authority: Authority | None,
) -> str:
    """The rule, with the first condition that fails (``""``: the approval counts)."""
    return _rule(
        approval,
        person_key(actor_id),
        at,
        control_id,
        role,
        min_level,
        document_id,
        amount,
        excluded,
        authority,
    )


def _rule(
    approval: Approval,
    actor_key: str,
    at: dt.datetime,
    control_id: str,
    role: str,
    min_level: int,
    document_id: str,
    amount: str,
    excluded: tuple[str, ...],
    plan: _Plan | Authority | None,
) -> str:
    """The rule (:func:`_why_not`) with the acting user's person key worked out by the caller
    (once per chain) and the lines of authority read through the gate's prepared plan (or the
    :class:`Authority` itself), only for an approval signed in another role than the step's."""
    if approval.control_id is not None and approval.control_id != control_id:
        return _OTHER_CONTROL
    if approval.document_id != document_id:
        return OTHER_DOCUMENT
    signed = approval.role
    if signed != role:
        if type(plan) is _Plan:  # the gate's: the control's table prepared when it was built
            table = plan._above.get(control_id)
            if table is None:
                table = _above_of(plan.authority, control_id)
        else:
            table = _above_of(plan, control_id)  # type: ignore[arg-type]
        higher = table.get(role)
        if higher is None or signed not in higher:
            return WRONG_ROLE
    who = approval.approver
    if signed not in who.roles:
        return ROLE_NOT_HELD
    if who.authority_level < min_level:
        return LEVEL_TOO_LOW
    wid = who.id
    # person_key, inlined (an ASCII id's key is its casefold): the rule runs on every cleared
    # finding of the gate's hot paths
    wid = wid.casefold() if wid.isascii() else person_key(wid)
    if wid == actor_key:
        return KEYER
    for x in excluded:
        if (x.casefold() if x.isascii() else person_key(x)) == wid:
            return PROPOSER
    if approval.granted_at > at:
        return GRANTED_AFTER
    if approval.expires_at is not None and approval.expires_at <= at:
        return EXPIRED
    if amount and approval.max_amount is not None:
        need = _amount(amount)
        if approval.max_amount.currency != need.currency or approval.max_amount < need:
            return AMOUNT_TOO_SMALL
    return ""


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


def _cleared_facts(facts: Any, hit: Approval, step: int) -> tuple[tuple[str, str], ...]:
    """The facts of a finding cleared by ``hit``: its own facts (pairs, or not yet rendered)
    followed by :func:`evidence`. Rendered on first read (:class:`salesctl.decision.Finding`)."""
    return (*_rendered(facts), evidence(hit, step))


def _concerns(why: str, a: Approval, control_id: str, held: bool) -> bool:
    """Whether an approval that failed with ``why`` is reported on a finding of
    ``control_id``: it names the control, or it is on the finding's document and — on a finding
    that stays HOLD — in any role, otherwise in a role that could have signed."""
    if why == _OTHER_CONTROL:
        return False
    if a.control_id == control_id:
        return True
    if why == OTHER_DOCUMENT:
        return False
    return held or why != WRONG_ROLE


def clear_finding(
    f: Finding,
    approvals: tuple[Approval, ...],
    txn: Transaction,
    authority: Authority | _Plan | None = None,
) -> Finding:
    """``f`` with the steps of its chain that ``approvals`` meet removed, and their evidence.

    Args:
        f: a finding (only its ``required`` matter: a finding without any is returned as is).
        approvals: the approvals on hand.
        txn: the transaction being checked.
        authority: the lines of authority in force (``None``: roles must match exactly), or
            the gate's plan prepared from them when it was built.

    Returns:
        ``f`` itself when nothing is met and no approval concerns it; otherwise a finding with
        the met steps' approvals in ``cleared_by`` and their :func:`evidence` in ``facts``,
        ALLOW when every step is met and HOLD (with the rest) otherwise, and the approvals that
        concern it but did not count in ``rejected``.
    """
    required = f.required
    if not required:
        return f
    actor_key = person_key(txn.actor.id)
    at = txn.at
    cid = f.control_id
    if len(required) == 1 and not required[0].step:  # the common case: one approval needed
        req = required[0]
        hit: Approval | None = None
        doubt = False  # an approval reported even when the finding clears
        concern = False  # an approval reported when it stays HOLD (a wrong role)
        for a in approvals:
            why = _rule(
                a,
                actor_key,
                at,
                req.control_id,
                req.role,
                req.min_level,
                req.document_id,
                req.amount,
                req.excluded,
                authority,
            )
            if not why:
                if hit is None:
                    hit = a
                else:
                    doubt = True
            elif why != _OTHER_CONTROL:
                if a.control_id == cid or (why != OTHER_DOCUMENT and why != WRONG_ROLE):
                    doubt = True
                elif why == WRONG_ROLE:
                    concern = True
        if not doubt:
            if hit is not None:
                # The finding's own text and the evidence are rendered when first read.
                return _trusted_finding(
                    f.control_id,
                    _ALLOW,
                    f.message,
                    _raw_params(f),
                    _Deferred(_cleared_facts, (_raw_facts(f), hit, 0)),
                    (),
                    (*f.cleared_by, hit.id),
                )
            if not concern:
                return f
    return _clear_chain(f, approvals, actor_key, at, authority)


def _concerns_none(
    required: tuple[ApprovalRequirement, ...], approvals: tuple[Approval, ...]
) -> bool:
    """Every approval names a control and none of the chain's: each fails every step as
    another control's (:func:`_rule`), so none clears a step or is reported, and
    :func:`_clear_chain` returns the finding as it is (``tests/test_demo_eighth.py`` compares
    it with the full walk)."""
    ids = [r.control_id for r in required]
    for a in approvals:
        c = a.control_id
        if c is None or c in ids:
            return False
    return True


def _clear_chain(
    f: Finding,
    approvals: tuple[Approval, ...],
    actor_key: str,
    at: dt.datetime,
    authority: Authority | _Plan | None,
) -> Finding:
    required = f.required
    if _concerns_none(required, approvals):
        return f
    n = len(required)
    reasons = [
        [
            _rule(
                a,
                actor_key,
                at,
                r.control_id,
                r.role,
                r.min_level,
                r.document_id,
                r.amount,
                r.excluded,
                authority,
            )
            for r in required
        ]
        for a in approvals
    ]
    # A role the chain asks for at a step of its own signs that step only: the general
    # manager's signature is the final approval, not a stand-in for the review below it.
    own = {r.role for r in required}
    for j, a in enumerate(approvals):
        if a.role in own:
            mine = reasons[j]
            for i, r in enumerate(required):
                if not mine[i] and a.role != r.role:
                    mine[i] = WRONG_ROLE
    cands = [[a for j, a in enumerate(approvals) if not reasons[j][i]] for i in range(n)]
    hits = _complete(required, cands)
    if hits is None:
        hits = _partial(required, cands)
    used: list[str] = []
    facts: list[tuple[str, str]] = []
    remaining: list[ApprovalRequirement] = []
    for i, req in enumerate(required):
        got = hits.get(i)
        if got is None:
            remaining.append(req)
            continue
        used.append(got.id)
        facts.append(evidence(got, req.step))
    rejected = _rejections(f.control_id, required, approvals, reasons, hits, bool(remaining), at)
    if not hits and not rejected:
        return f
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
        rejected,
    )


def _order(required: tuple[ApprovalRequirement, ...]) -> list[int]:
    """The steps in the order they are filled: ordered steps by number, then any-order ones."""
    ordered = sorted((i for i, r in enumerate(required) if r.step), key=lambda i: required[i].step)
    return ordered + [i for i, r in enumerate(required) if not r.step]


def _complete(
    required: tuple[ApprovalRequirement, ...], cands: list[list[Approval]]
) -> dict[int, Approval] | None:
    """An assignment of approvals meeting *every* step of the chain, or ``None``.

    A search, not a greedy pick: a person who signed both as sales manager and as general
    manager must not use up step 1 when another sales manager's signature leaves them free for
    step 2. Earliest approvals are tried first, so when the greedy choice works it is the one
    found; the search gives up (``None``) after a bounded effort.
    """
    if any(not c for c in cands):
        return None
    order = _order(required)
    budget = [2000]
    chosen: dict[int, Approval] = {}
    signers: set[str] = set()
    ranked = [sorted(c, key=lambda a: a.granted_at) for c in cands]

    found = _search(0, None, None, required, order, ranked, chosen, signers, budget)
    return dict(chosen) if found else None


def _search(
    k: int,
    floor: dt.datetime | None,
    latest: dt.datetime | None,
    required: tuple[ApprovalRequirement, ...],
    order: Sequence[int],
    ranked: list[list[Approval]],
    chosen: dict[int, Approval],
    signers: set[str],
    budget: list[int],
) -> bool:
    """:func:`_complete`'s search from the ``k``-th requirement in ``order`` on (a function of
    the module, not a closure that refers to itself: a call leaves no garbage cycle for the
    cyclic collector, in a host's posting path or at the replay's month end)."""
    if k == len(order):
        return True
    i = order[k]
    step = required[i].step
    if k > 0 and required[order[k - 1]].step != step:
        floor = latest  # a new step: no earlier than every approval of the steps below
    for a in ranked[i]:
        who = person_key(a.approver.id)
        if who in signers or (step and floor is not None and a.granted_at < floor):
            continue
        budget[0] -= 1
        if budget[0] < 0:
            return False
        chosen[i] = a
        signers.add(who)
        top = a.granted_at if latest is None or a.granted_at > latest else latest
        nxt = top if step else latest
        if _search(k + 1, floor, nxt, required, order, ranked, chosen, signers, budget):
            return True
        del chosen[i]
        signers.discard(who)
    return False


def _partial(
    required: tuple[ApprovalRequirement, ...], cands: list[list[Approval]]
) -> dict[int, Approval]:
    """The steps met when the whole chain cannot be: the ordered steps as far as they go, in
    order, then the any-order steps, each by a person not yet counted (earliest first)."""
    hits: dict[int, Approval] = {}
    signers: set[str] = set()
    ordered = [i for i in _order(required) if required[i].step]
    floor: dt.datetime | None = None
    k = 0
    while k < len(ordered):
        step = required[ordered[k]].step
        latest = floor
        complete = True
        while k < len(ordered) and required[ordered[k]].step == step:
            i = ordered[k]
            k += 1
            hit = min(
                (
                    a
                    for a in cands[i]
                    if person_key(a.approver.id) not in signers
                    and (floor is None or a.granted_at >= floor)
                ),
                key=lambda a: a.granted_at,
                default=None,
            )
            if hit is None:
                complete = False
                continue
            hits[i] = hit
            signers.add(person_key(hit.approver.id))
            if latest is None or hit.granted_at > latest:
                latest = hit.granted_at
        if not complete:
            break
        floor = latest
    for i, r in enumerate(required):
        if r.step:
            continue
        hit = min(
            (a for a in cands[i] if person_key(a.approver.id) not in signers),
            key=lambda a: a.granted_at,
            default=None,
        )
        if hit is not None:
            hits[i] = hit
            signers.add(person_key(hit.approver.id))
    return hits


def _rejections(
    control_id: str,
    required: tuple[ApprovalRequirement, ...],
    approvals: tuple[Approval, ...],
    reasons: list[list[str]],
    hits: dict[int, Approval],
    held: bool,
    at: dt.datetime,
) -> tuple[RejectedApproval, ...]:
    """The approvals on hand that concern the chain but did not count, with their reasons."""
    used = {id(a) for a in hits.values()}
    signers = {person_key(a.approver.id) for a in hits.values()}
    out: list[RejectedApproval] = []
    for j, a in enumerate(approvals):
        if id(a) in used:
            continue
        mine = reasons[j]
        passing = [i for i, why in enumerate(mine) if not why]
        if passing:
            open_steps = [i for i in passing if i not in hits]
            if not open_steps:
                why, i = ALREADY_MET, passing[0]
            elif person_key(a.approver.id) in signers:
                why, i = SAME_PERSON, open_steps[0]
            else:
                why, i = OUT_OF_ORDER, open_steps[0]
        else:
            i = max(range(len(mine)), key=lambda k: _RANK[mine[k]])
            why = mine[i]
            if not _concerns(why, a, control_id, held):
                continue
        out.append(RejectedApproval(a.id, why, _reason_params(why, a, required[i], at)))
    return tuple(out)


def _reason_params(
    why: str, a: Approval, req: ApprovalRequirement, at: dt.datetime
) -> tuple[tuple[str, str], ...]:
    who = a.approver
    p: list[tuple[str, str]] = [("approver", who.id), ("role", a.role), ("step", str(req.step))]
    if why in (WRONG_ROLE, ROLE_NOT_HELD):
        p.append(("required", req.role))
    elif why == LEVEL_TOO_LOW:
        p += [("level", str(who.authority_level)), ("min_level", str(req.min_level))]
    elif why == OTHER_DOCUMENT:
        p += [("document", a.document_id), ("required_document", req.document_id)]
    elif why in (GRANTED_AFTER, OUT_OF_ORDER):
        p += [("granted_at", a.granted_at.isoformat()), ("at", at.isoformat())]
    elif why == EXPIRED:
        expires = a.expires_at.isoformat() if a.expires_at is not None else "-"
        p += [("expires_at", expires), ("at", at.isoformat())]
    elif why == AMOUNT_TOO_SMALL:
        cover = str(a.max_amount) if a.max_amount is not None else "-"
        p += [("max_amount", cover), ("amount", req.amount)]
    return tuple(p)
