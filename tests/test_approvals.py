"""Approvals clearing HOLDs: the conditions as properties, and ordered multi-level approval.

An approval clears a requirement only if the approver holds the required role and authority
level, is neither the proposer nor the acting user, the approval is for this document, covers its
amount and has not expired (DESIGN, salesctl.approvals.approval_clears). Multi-level approval (S-K1 2 销售经理
审签,总经理签批; S-CP 3.2.4 特别重大的报企业办公会审定) clears level by level, in order, each level
by a different person.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import attrs
from hypothesis import given, settings
from hypothesis import strategies as st

import salesctl as sc
from salesctl import approvals as approvals_mod
from salesctl.approvals import clear_finding as _clear
from salesctl.decision import ApprovalRequirement
from tests import builders as b

ROLES = ("sales_manager", "general_manager", "office_meeting")
IDS = ("u-rep", "u-mgr", "u-gm", "u-om", "u-x")
times = st.integers(-3, 3).map(lambda h: b.AT + dt.timedelta(hours=h))


@st.composite
def approvals(draw: st.DrawFn, approver_ids: tuple[str, ...] = IDS) -> sc.Approval:
    who = sc.Actor(
        id=draw(st.sampled_from(approver_ids)),
        roles=frozenset(draw(st.sets(st.sampled_from(ROLES), max_size=3))),
        authority_level=draw(st.integers(0, 6)),
    )
    granted = draw(times)
    return sc.Approval(
        id=f"A-{draw(st.integers(0, 999))}",
        document_id=draw(st.sampled_from(["SO-1", "SO-2"])),
        role=draw(st.sampled_from(ROLES)),
        approver=who,
        granted_at=granted,
        expires_at=draw(st.one_of(st.none(), times)),
        max_amount=draw(
            st.one_of(
                st.none(),
                st.sampled_from([b.cny("999.99"), b.cny("1000"), sc.Money("1000", "USD")]),
            )
        ),
        control_id=draw(st.sampled_from([None, "O2C-PR-03", "O2C-PR-05"])),
    )


requirements = st.builds(
    ApprovalRequirement,
    control_id=st.sampled_from(["O2C-PR-03", "O2C-PR-05"]),
    role=st.sampled_from(ROLES),
    min_level=st.integers(0, 6),
    document_id=st.just("SO-1"),
    reason=st.just(""),
    amount=st.sampled_from(["", "1000.00 CNY"]),
    excluded=st.just(("u-rep",)),
    step=st.integers(0, 2),
)

ACTORS = st.sampled_from([b.REP, b.MANAGER, b.actor("u-clerk", "order_clerk")])


def reference(a: sc.Approval, req: ApprovalRequirement, txn: sc.Transaction) -> bool:
    """The clearing rule restated plainly."""
    who = a.approver
    amount_ok = True
    if req.amount and a.max_amount is not None:
        need = sc.Money.parse(req.amount)
        amount_ok = a.max_amount.currency == need.currency and a.max_amount.amount >= need.amount
    return (
        a.document_id == req.document_id
        and a.role == req.role
        and (a.control_id is None or a.control_id == req.control_id)
        and req.role in who.roles
        and who.authority_level >= req.min_level
        and who.id != txn.actor.id
        and who.id not in req.excluded
        and a.granted_at <= txn.at
        and (a.expires_at is None or a.expires_at > txn.at)
        and amount_ok
    )


@settings(max_examples=300)
@given(a=approvals(), req=requirements, actor=ACTORS)
def test_clearing_follows_the_rule(
    a: sc.Approval, req: ApprovalRequirement, actor: sc.Actor
) -> None:
    """approval_clears agrees with the plain statement of the rule on any approval."""
    txn = b.place(who=actor)
    assert sc.approval_clears(a, req, txn) is reference(a, req, txn)


@settings(max_examples=300)
@given(a=approvals(approver_ids=("u-rep",)), req=requirements, actor=ACTORS)
def test_never_for_its_own_proposer(
    a: sc.Approval, req: ApprovalRequirement, actor: sc.Actor
) -> None:
    """Whatever the proposer's roles, level, timing and scope, their approval clears nothing."""
    assert not sc.approval_clears(a, req, b.place(who=actor))
    f = sc.Finding(control_id=req.control_id, outcome=sc.Outcome.HOLD, message="x", required=(req,))
    assert _clear(f, (a,), b.place(who=actor)).outcome is sc.Outcome.HOLD


@settings(max_examples=100)
@given(
    st.lists(approvals(approver_ids=("u-rep",)), max_size=4), st.sampled_from(["930", "880", "969"])
)
def test_a_proposers_approvals_never_release_a_priced_order(
    found: list[sc.Approval], price: str
) -> None:
    """Through the gate: a price hold stays a hold (or worse) whatever the proposer signs."""
    order = b.order(lines=(b.line(price=price),))
    ctx = b.context(
        approvals=tuple(attrs.evolve(a, document_id=order.id) for a in found),
        prices=(b.price_entry(),),
    )
    d = sc.Gate(only=["O2C-PR-03", "O2C-PR-05"]).check(b.place(order), ctx)
    assert d.outcome is not sc.Outcome.ALLOW


# -- ordered multi-level approval -----------------------------------------------------------------

SM = b.actor("u-mgr", "sales_manager", level=2)
GM = b.actor("u-gm", "general_manager", level=4)
OM = b.actor("u-om", "office_meeting", level=5)


def _req(role: str, level: int, step: int) -> ApprovalRequirement:
    return ApprovalRequirement(
        control_id="O2C-PR-05",
        role=role,
        min_level=level,
        document_id="SO-2026-0042",
        excluded=("u-rep",),
        step=step,
    )


HOLD = sc.Finding(
    control_id="O2C-PR-05",
    outcome=sc.Outcome.HOLD,
    message="pricing.concession_line",
    required=(_req("sales_manager", 2, 1), _req("general_manager", 4, 2)),
)


def _appr(who: sc.Actor, role: str, hour: int, id: str | None = None) -> sc.Approval:
    return b.approval(
        role=role, approver=who, id=id or f"A-{who.id}-{role}", granted_at=b.at(1, hour)
    )


def _roles(f: sc.Finding) -> list[str]:
    return [r.role for r in f.required]


class TestOrderedApproval:
    def test_manager_then_general_manager_clears(self) -> None:
        """销售经理审签,总经理签批: both, in that order → ALLOW, evidence naming each step."""
        f = _clear(
            HOLD, (_appr(GM, "general_manager", 11), _appr(SM, "sales_manager", 9)), b.place()
        )
        assert f.outcome is sc.Outcome.ALLOW
        assert f.cleared_by == ("A-u-mgr-sales_manager", "A-u-gm-general_manager")
        ev = dict(f.facts)
        assert ev["approval A-u-gm-general_manager"].endswith("step 2")
        assert ev["approval A-u-mgr-sales_manager"].startswith("u-mgr as sales_manager (level 2)")

    def test_the_general_manager_cannot_sign_first(self) -> None:
        """A GM approval older than the manager's does not count: the GM step stays open."""
        f = _clear(
            HOLD, (_appr(GM, "general_manager", 8), _appr(SM, "sales_manager", 9)), b.place()
        )
        assert f.outcome is sc.Outcome.HOLD
        assert _roles(f) == ["general_manager"]
        assert f.cleared_by == ("A-u-mgr-sales_manager",)

    def test_a_later_step_waits_for_the_earlier(self) -> None:
        """The GM alone clears nothing: the manager has not signed."""
        f = _clear(HOLD, (_appr(GM, "general_manager", 11),), b.place())
        assert f.outcome is sc.Outcome.HOLD and f.required == HOLD.required and not f.cleared_by
        # ... and the GM's signature is reported: it came before the step below it was signed
        assert [(r.approval_id, r.reason) for r in f.rejected] == [
            ("A-u-gm-general_manager", "out_of_order")
        ]

    def test_same_time_is_in_order(self) -> None:
        """Signatures at the same instant are not out of order."""
        f = _clear(
            HOLD, (_appr(SM, "sales_manager", 9), _appr(GM, "general_manager", 9)), b.place()
        )
        assert f.outcome is sc.Outcome.ALLOW

    def test_one_person_cannot_sign_two_levels(self) -> None:
        """A manager who is also GM signing both levels clears only the first."""
        both = b.actor("u-boss", "sales_manager", "general_manager", level=4)
        f = _clear(
            HOLD, (_appr(both, "sales_manager", 9), _appr(both, "general_manager", 10)), b.place()
        )
        assert _roles(f) == ["general_manager"]

    def test_the_earliest_qualifying_signature_is_used(self) -> None:
        """Of two manager approvals, the earlier one lets a GM approval between them count."""
        late = _appr(b.actor("u-m2", "sales_manager", level=2), "sales_manager", 12, "A-late")
        early = _appr(SM, "sales_manager", 9, "A-early")
        f = _clear(HOLD, (late, early, _appr(GM, "general_manager", 10)), b.place())
        assert f.outcome is sc.Outcome.ALLOW
        assert f.cleared_by == ("A-early", "A-u-gm-general_manager")

    def test_unordered_requirements_are_unaffected(self) -> None:
        """Requirements without a step clear in any order, by anyone qualified, as before."""
        plain = attrs.evolve(HOLD, required=tuple(attrs.evolve(r, step=0) for r in HOLD.required))
        f = _clear(
            plain, (_appr(GM, "general_manager", 8), _appr(SM, "sales_manager", 9)), b.place()
        )
        assert f.outcome is sc.Outcome.ALLOW

    def test_mixed_ordered_and_unordered(self) -> None:
        """An unordered requirement beside an ordered chain clears on its own."""
        mixed = attrs.evolve(HOLD, required=(*HOLD.required, _req("office_meeting", 5, 0)))
        f = _clear(
            mixed, (_appr(OM, "office_meeting", 7), _appr(SM, "sales_manager", 9)), b.place()
        )
        assert _roles(f) == ["general_manager"]
        assert set(f.cleared_by) == {"A-u-om-office_meeting", "A-u-mgr-sales_manager"}

    def test_three_levels_to_the_office_meeting_through_the_gate(self) -> None:
        """A 2 % discount on a 60-million order: manager, GM, then the office meeting (S-CP 3.2.4)."""
        ln = attrs.evolve(b.line(1, "60000", "980"), list_price=b.cny("1000"))
        order = b.order(lines=(ln,))
        gate = sc.Gate(only=["O2C-PR-05"])
        steps = (
            _appr(SM, "sales_manager", 9),
            _appr(GM, "general_manager", 10),
            _appr(OM, "office_meeting", 11),
        )
        ctx = b.context(approvals=steps[:2], prices=b.prices_for(order))
        held = gate.check(b.place(order), ctx)
        assert held.outcome is sc.Outcome.HOLD
        assert {r.role for r in held.required_approvals} == {
            "office_meeting"
        }  # order and rolling total
        done = gate.check(b.place(order), attrs.evolve(ctx, approvals=steps))
        assert done.outcome is sc.Outcome.ALLOW
        assert all(f.cleared_by for f in done.findings)

    def test_decision_json_keeps_the_step(self) -> None:
        """A decision with ordered requirements round-trips through JSON."""
        ln = attrs.evolve(b.line(1, "10", "850"), list_price=b.cny("1000"))
        order = b.order(lines=(ln,))
        d = sc.Gate(only=["O2C-PR-05"]).check(
            b.place(order), b.context(approvals=(), prices=b.prices_for(order))
        )
        back = sc.Decision.from_dict(d.to_dict())
        assert back == d
        assert [r.step for r in back.required_approvals][:2] == [1, 2]


@settings(max_examples=200)
@given(
    st.lists(
        st.tuples(
            st.sampled_from([SM, GM, b.actor("u-m2", "sales_manager", level=2)]),
            st.sampled_from(["sales_manager", "general_manager"]),
            st.integers(6, 12),
        ),
        max_size=4,
    )
)
def test_an_ordered_clearance_is_in_order_and_by_different_people(
    found: list[tuple[sc.Actor, str, int]],
) -> None:
    """Whenever the chain clears, the GM signed no earlier than the manager, and not the same person."""
    appr = tuple(_appr(who, role, hour, f"A{i}") for i, (who, role, hour) in enumerate(found))
    f = _clear(HOLD, appr, b.place())
    by_id = {a.id: a for a in appr}
    if f.outcome is sc.Outcome.ALLOW:
        sm, gm = (by_id[i] for i in f.cleared_by)
        assert sm.role == "sales_manager" and gm.role == "general_manager"
        assert sm.granted_at <= gm.granted_at
        assert sm.approver.id != gm.approver.id
    if not any(a.role == "sales_manager" for a in appr):
        # nothing clears without the first signature
        assert f.required == HOLD.required and not f.cleared_by


def test_amount_cover_is_exact() -> None:
    """An approval up to 999.99 does not cover 1000.00; one up to 1000.00 does."""
    req = _req("sales_manager", 2, 0)
    req = attrs.evolve(req, amount="1000.00 CNY")
    a = _appr(SM, "sales_manager", 9)
    assert not sc.approval_clears(attrs.evolve(a, max_amount=b.cny("999.99")), req, b.place())
    assert sc.approval_clears(attrs.evolve(a, max_amount=b.cny("1000")), req, b.place())
    assert Decimal("1000.00") == sc.Money.parse(req.amount).amount


def test_one_rule_under_every_public_name() -> None:
    """The rule lives in salesctl.approvals; the gate and the package re-export that one
    function (hosts and tests import it from either)."""
    import salesctl.gate

    assert sc.approval_clears is approvals_mod.approval_clears
    assert salesctl.gate.approval_clears is approvals_mod.approval_clears
    assert set(approvals_mod.__all__) == {
        "DEFAULT_LINES",
        "REASONS",
        "Authority",
        "approval_clears",
        "clear_finding",
        "clears",
        "evidence",
        "why_not",
    }


def test_clears_is_approval_clears_on_the_requirement_values() -> None:
    order = b.order()
    txn = b.place(order)
    req = ApprovalRequirement(
        "O2C-SO-02", "sales_manager", 2, order.id, "r", str(order.total), (order.created_by,)
    )
    for a in b.context().approvals:
        for r in (req, attrs.evolve(req, min_level=9), attrs.evolve(req, excluded=(a.approver.id,))):
            assert approvals_mod.clears(
                a, r.control_id, r.role, r.min_level, r.document_id, r.amount, r.excluded, txn
            ) is sc.approval_clears(a, r, txn)
