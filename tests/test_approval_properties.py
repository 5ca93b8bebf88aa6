"""Properties of the approval engine (issue 13, properties (a) and (b)).

(a) Removing an approval never turns a HOLD into an ALLOW.
(b) Giving one person more roles never satisfies a chain of two or more steps: one person
    alone, whatever roles they hold and however their id is spelt (case), signs at most one
    step of a chain.

Both run over generated chains (roles of the default lines of authority, ordered, parallel and
any-order steps), generated approvals (salesctl.testing) and both settings of
``higher_may_sign``, and through the gate over the seed's chains (O2C-CR-02, O2C-CM-01,
O2C-CT-03). The number of examples: ``APPROVAL_PROPERTY_EXAMPLES`` when set, else 20,000 under
``HYPOTHESIS_PROFILE=thorough`` and 200 otherwise (docs/testing.md).
"""

from __future__ import annotations

import datetime as dt
import os

import attrs
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

import salesctl as sc
from salesctl import testing as sct
from salesctl.approvals import Authority, clear_finding
from salesctl.decision import ApprovalRequirement
from tests import builders as b

THOROUGH = os.environ.get("HYPOTHESIS_PROFILE") == "thorough"
EXAMPLES = int(os.environ.get("APPROVAL_PROPERTY_EXAMPLES", 20_000 if THOROUGH else 200))
PROPERTY = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)

DOC = "SO-2026-0042"
ROLES = ("sales_manager", "marketing_head", "general_manager", "finance_head", "finance_vp")
PEOPLE = ("u-a", "u-b", "u-c", "u-rep", "U-A")
TXN = b.place()  # keyed by u-rep at 2026-03-02 10:15

authorities = st.sampled_from([Authority(), Authority(higher_may_sign=False), None])


@st.composite
def chains(draw: st.DrawFn, min_size: int = 1) -> sc.Finding:
    n = draw(st.integers(min_size, 4))
    required = tuple(
        ApprovalRequirement(
            control_id="O2C-PR-05",
            role=draw(st.sampled_from(ROLES)),
            min_level=draw(st.integers(0, 4)),
            document_id=DOC,
            amount=draw(st.sampled_from(["", "1000.00 CNY"])),
            excluded=("u-prop",),
            step=draw(st.integers(0, 2)),
        )
        for _ in range(n)
    )
    return sc.Finding(
        control_id="O2C-PR-05", outcome=sc.Outcome.HOLD, message="x", required=required
    )


def approval_sets(
    approvers: st.SearchStrategy[sc.Actor] | None = None,
) -> st.SearchStrategy[tuple[sc.Approval, ...]]:
    one = sct.approvals(
        document_ids=(DOC, "SO-OTHER"),
        roles=ROLES,
        approvers=approvers
        if approvers is not None
        else sct.actors(ids=PEOPLE, roles=ROLES, max_level=5),
        currency="CNY",
    )
    return st.lists(one, max_size=6, unique_by=lambda a: a.id).map(tuple)


@PROPERTY
@given(f=chains(), found=approval_sets(), authority=authorities, k=st.integers(0, 5))
def test_a_removing_an_approval_never_turns_hold_into_allow(
    f: sc.Finding, found: tuple[sc.Approval, ...], authority: Authority | None, k: int
) -> None:
    """(a) on the engine: with one approval fewer the chain is never cleared if it was not."""
    before = clear_finding(f, found, TXN, authority)
    event(f"engine: {before.outcome.name}")
    if before.outcome is sc.Outcome.HOLD and found:
        fewer = found[: k % len(found)] + found[k % len(found) + 1 :]
        assert clear_finding(f, fewer, TXN, authority).outcome is sc.Outcome.HOLD


def _one_person(ids: tuple[str, ...]) -> st.SearchStrategy[sc.Actor]:
    """One person (the same id up to case) holding any roles, at any level."""
    return st.builds(
        lambda i, r, lv: sc.Actor(id=i, roles=r, authority_level=lv),
        st.sampled_from(ids),
        st.frozensets(st.sampled_from(ROLES), min_size=1),
        st.integers(0, 5),
    )


@PROPERTY
@given(
    f=chains(min_size=2),
    found=approval_sets(_one_person(("u-p", "U-P", "u-P"))),
    more=st.frozensets(st.sampled_from(ROLES)),
    authority=authorities,
)
def test_b_one_person_never_satisfies_a_chain_of_two_steps(
    f: sc.Finding,
    found: tuple[sc.Approval, ...],
    more: frozenset[str],
    authority: Authority | None,
) -> None:
    """(b) on the engine: however many roles the one person is given, at most one step is met."""
    richer = tuple(
        attrs.evolve(a, approver=attrs.evolve(a.approver, roles=a.approver.roles | more))
        for a in found
    )
    for approvals in (found, richer):
        got = clear_finding(f, approvals, TXN, authority)
        assert got.outcome is sc.Outcome.HOLD
        assert len(got.cleared_by) <= 1


# -- through the gate, over the seed's chains ---------------------------------------------------

APP = "CA-1"
CLAIM = "TC-2026-007"


def _cr02() -> tuple[sc.Transaction, str]:
    return (
        sc.SetCreditProfile(
            customer=b.customer(),
            profile=b.profile(),
            application_id=APP,
            actor=b.MAINTAINER,
            at=b.AT,
        ),
        APP,
    )


def _cm01() -> tuple[sc.Transaction, str]:
    return sc.PayCommission(claim=b.commission_claim(), actor=b.ACCOUNTANT, at=b.AT), CLAIM


def _ct03() -> tuple[sc.Transaction, str]:
    return sc.SignContract(contract=b.sales_contract(), actor=b.REP, at=b.AT), b.APPLICATION_ID


SEED = {"O2C-CR-02": _cr02, "O2C-CM-01": _cm01, "O2C-CT-03": _ct03}


def _signed(doc: str, role: str, who: str, level: int, hour: int) -> sc.Approval:
    return b.approval(
        doc,
        role,
        b.actor(who, role, level=level),
        id=f"OK-{doc}-{role}",
        granted_at=b.at(2, hour),
    )


#: Each seed chain signed in its order by different people (the gate clears it).
PROPER = {
    "O2C-CR-02": (
        _signed(APP, "marketing_head", "u-mkt", 3, 7),
        _signed(APP, "finance_head", "u-fh", 3, 7),
        _signed(APP, "general_manager", "u-gm", 4, 8),
    ),
    "O2C-CM-01": (
        _signed(CLAIM, "finance_head", "u-fh", 3, 7),
        _signed(CLAIM, "finance_vp", "u-fvp", 4, 7),
        _signed(CLAIM, "general_manager", "u-gm", 4, 8),
    ),
    "O2C-CT-03": (
        _signed(b.APPLICATION_ID, "sales_manager", "u-mgr", 2, 7),
        _signed(b.APPLICATION_ID, "general_manager", "u-gm", 4, 8),
        _signed(b.CONTRACT_ID, "finance_head", "u-fh", 3, 7),
    ),
}
GATES = {cid: sc.Gate(only=[cid]) for cid in SEED}


def _context(approvals: tuple[sc.Approval, ...]) -> sc.Context:
    return b.context(
        approvals=approvals,
        approved_documents={b.CONTRACT_ID},
        contract_accounts={b.CONTRACT_ID: b.ledger_line("100000", "60000")},
        exposure=b.exposure(receivables="0", overdue="0", oldest=None),
        commissions_paid={},
        sales_policies={b.SALES_POLICY},
    )


def _seed_approvals(
    doc: str, approvers: st.SearchStrategy[sc.Actor] | None = None
) -> st.SearchStrategy[tuple[sc.Approval, ...]]:
    one = sct.approvals(
        document_ids=(doc, b.CONTRACT_ID),
        roles=ROLES,
        approvers=approvers
        if approvers is not None
        else sct.actors(ids=PEOPLE, roles=ROLES, max_level=5),
        at=b.AT,
        currency="CNY",
    )
    return st.lists(one, max_size=6, unique_by=lambda a: a.id).map(tuple)


@st.composite
def seed_cases(
    draw: st.DrawFn, approvers: st.SearchStrategy[sc.Actor] | None = None
) -> tuple[str, sc.Transaction, tuple[sc.Approval, ...]]:
    cid = draw(st.sampled_from(sorted(SEED)))
    txn, doc = SEED[cid]()
    found = draw(_seed_approvals(doc, approvers))
    if approvers is None and draw(st.booleans()):  # the chain signed properly, plus the rest
        found = (*PROPER[cid], *found)
    # shift some approvals into the window before the transaction, so chains do clear
    found = tuple(
        attrs.evolve(a, granted_at=b.AT - dt.timedelta(hours=draw(st.integers(1, 48))))
        if draw(st.booleans())
        else a
        for a in found
    )
    return cid, txn, found


@PROPERTY
@given(case=seed_cases(), k=st.integers(0, 5))
def test_a_through_the_gate(
    case: tuple[str, sc.Transaction, tuple[sc.Approval, ...]], k: int
) -> None:
    """(a) through the gate, on the seed's chains."""
    cid, txn, found = case
    gate = GATES[cid]
    before = gate.check(txn, _context(found)).findings_for(cid)
    event(f"{cid}: {'HOLD' if any(f.outcome is sc.Outcome.HOLD for f in before) else 'cleared'}")
    if found and any(f.outcome is sc.Outcome.HOLD for f in before):
        fewer = found[: k % len(found)] + found[k % len(found) + 1 :]
        after = gate.check(txn, _context(fewer)).findings_for(cid)
        assert any(f.outcome is sc.Outcome.HOLD for f in after)


@PROPERTY
@given(case=seed_cases(_one_person(("u-p", "U-P"))))
def test_b_through_the_gate(case: tuple[str, sc.Transaction, tuple[sc.Approval, ...]]) -> None:
    """(b) through the gate: one person, with every role, never clears a seed chain."""
    cid, txn, found = case
    every = frozenset(ROLES)
    richer = tuple(attrs.evolve(a, approver=attrs.evolve(a.approver, roles=every)) for a in found)
    for approvals in (found, richer):
        got = GATES[cid].check(txn, _context(approvals)).findings_for(cid)
        assert any(f.outcome is sc.Outcome.HOLD for f in got)
