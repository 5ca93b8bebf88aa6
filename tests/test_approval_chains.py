"""Sign-off chains from the seed's own words (issue 13, findings 1 and 6).

* O2C-CR-02, S-IC 2.2 "经营销及财务部门负责人审核后,报分(子)公司经理…审批": the two heads review
  (in parallel), then the general manager approves.
* O2C-CM-01, S-K1 9 "由财务部和财务副总审核,总经理签批兑现": finance and the finance VP review,
  the general manager signs last.
* O2C-CT-03, S-K1 2 "销售经理审签,总经理签批": the sales manager signs, then the general manager.
* O2C-PL-01, S-IC 1.2 "经营销部门负责人审核后按规定权限报批", S-CP 3.1.4★ "传/送给企业分管业务的领导
  审定": the marketing head's review is followed by the approval of the leader in charge.
* O2C-SO-02, "按规定权限": authority is a level in a line of authority.

In every chain a person counts once, and an approval on hand that did not count is reported on
the finding with its reason, in Chinese and English.
"""

from __future__ import annotations

import datetime as dt

import attrs
import pytest

import salesctl as sc
from salesctl.approvals import REASONS, Authority, clear_finding
from salesctl.decision import MESSAGES, ApprovalRequirement
from salesctl.policy import loads_policy
from tests import builders as b


def at(hour: int, day: int = 2) -> dt.datetime:
    return b.at(day, hour)


def reasons(f: sc.Finding) -> dict[str, str]:
    return {x.approval_id: x.reason for x in f.rejected}


def held(d: sc.Decision, cid: str) -> sc.Finding:
    (f,) = d.findings_for(cid)
    return f


# -- O2C-CR-02 ----------------------------------------------------------------------------------

APP = "CA-1"
MKT = b.actor("u-mkt", "marketing_head", level=3)
FH = b.actor("u-fh", "finance_head", level=3)
GM = b.actor("u-gm", "general_manager", level=4)
BOSS = b.actor("u-boss", "marketing_head", "finance_head", "general_manager", level=4)


def cr02(*approvals: sc.Approval) -> sc.Decision:
    txn = sc.SetCreditProfile(
        customer=b.customer(), profile=b.profile(), application_id=APP, actor=b.MAINTAINER, at=b.AT
    )
    return sc.Gate(only=["O2C-CR-02"]).check(txn, b.context(approvals=approvals))


class TestCR02:
    def test_heads_then_general_manager_clears(self) -> None:
        d = cr02(
            b.approval(APP, "marketing_head", MKT, id="A-MKT", granted_at=at(8)),
            b.approval(APP, "finance_head", FH, id="A-FH", granted_at=at(8)),
            b.approval(APP, "general_manager", GM, id="A-GM", granted_at=at(9)),
        )
        assert d.outcome is sc.Outcome.ALLOW

    def test_general_manager_before_the_heads_is_held(self) -> None:
        """The GM at 08:00, the heads at 09:00 → HOLD; the GM's signature is out of order."""
        d = cr02(
            b.approval(APP, "general_manager", GM, id="A-GM", granted_at=at(8)),
            b.approval(APP, "marketing_head", MKT, id="A-MKT", granted_at=at(9)),
            b.approval(APP, "finance_head", FH, id="A-FH", granted_at=at(9)),
        )
        assert d.outcome is sc.Outcome.HOLD
        f = held(d, "O2C-CR-02")
        assert [r.role for r in f.required] == ["general_manager"]
        assert reasons(f) == {"A-GM": "out_of_order"}

    def test_one_person_holding_all_three_roles_is_held(self) -> None:
        """One person as marketing head, finance head and GM → HOLD (same_person)."""
        d = cr02(
            b.approval(APP, "marketing_head", BOSS, id="A-1", granted_at=at(8)),
            b.approval(APP, "finance_head", BOSS, id="A-2", granted_at=at(8)),
            b.approval(APP, "general_manager", BOSS, id="A-3", granted_at=at(9)),
        )
        assert d.outcome is sc.Outcome.HOLD
        assert set(reasons(held(d, "O2C-CR-02")).values()) == {"same_person"}


# -- O2C-CM-01 ----------------------------------------------------------------------------------

CLAIM = "TC-2026-007"
FVP = b.actor("u-fvp", "finance_vp", level=4)
FIN_BOSS = b.actor("u-boss", "finance_head", "finance_vp", "general_manager", level=4)


def cm01(*approvals: sc.Approval) -> sc.Decision:
    txn = sc.PayCommission(claim=b.commission_claim(), actor=b.ACCOUNTANT, at=b.AT)
    ctx = b.context(
        approvals=approvals,
        approved_documents={b.CONTRACT_ID},
        contract_accounts={b.CONTRACT_ID: b.ledger_line("100000", "60000")},
        exposure=b.exposure(receivables="0", overdue="0", oldest=None),
        commissions_paid={},
    )
    return sc.Gate(only=["O2C-CM-01"]).check(txn, ctx)


class TestCM01:
    def test_reviews_then_general_manager_clears(self) -> None:
        d = cm01(
            b.approval(CLAIM, "finance_head", FH, id="A-FH", granted_at=at(8)),
            b.approval(CLAIM, "finance_vp", FVP, id="A-FVP", granted_at=at(8)),
            b.approval(CLAIM, "general_manager", GM, id="A-GM", granted_at=at(9)),
        )
        assert d.outcome is sc.Outcome.ALLOW

    def test_general_manager_before_the_reviews_is_held(self) -> None:
        d = cm01(
            b.approval(CLAIM, "general_manager", GM, id="A-GM", granted_at=at(8)),
            b.approval(CLAIM, "finance_head", FH, id="A-FH", granted_at=at(9)),
            b.approval(CLAIM, "finance_vp", FVP, id="A-FVP", granted_at=at(9)),
        )
        assert d.outcome is sc.Outcome.HOLD
        assert reasons(held(d, "O2C-CM-01")) == {"A-GM": "out_of_order"}

    def test_one_person_for_all_three_is_held(self) -> None:
        d = cm01(
            b.approval(CLAIM, "finance_head", FIN_BOSS, id="A-1", granted_at=at(8)),
            b.approval(CLAIM, "finance_vp", FIN_BOSS, id="A-2", granted_at=at(8)),
            b.approval(CLAIM, "general_manager", FIN_BOSS, id="A-3", granted_at=at(9)),
        )
        assert d.outcome is sc.Outcome.HOLD
        assert set(reasons(held(d, "O2C-CM-01")).values()) == {"same_person"}


# -- O2C-CT-03 ----------------------------------------------------------------------------------

SM = b.actor("u-mgr", "sales_manager", level=2)
SALES_BOSS = b.actor("u-boss", "sales_manager", "general_manager", level=4)
COSIGN = b.approval(b.CONTRACT_ID, "finance_head", FH, id="A-FIN", granted_at=at(7))


def ct03(*approvals: sc.Approval) -> sc.Decision:
    txn = sc.SignContract(contract=b.sales_contract(), actor=b.REP, at=b.AT)
    ctx = b.context(approvals=(*approvals, COSIGN), sales_policies={b.SALES_POLICY})
    return sc.Gate(only=["O2C-CT-03"]).check(txn, ctx)


class TestCT03:
    def test_manager_then_general_manager_clears(self) -> None:
        d = ct03(
            b.approval(b.APPLICATION_ID, "sales_manager", SM, id="A-SM", granted_at=at(8)),
            b.approval(b.APPLICATION_ID, "general_manager", GM, id="A-GM", granted_at=at(9)),
        )
        assert d.outcome is sc.Outcome.ALLOW

    def test_general_manager_before_the_manager_is_held(self) -> None:
        d = ct03(
            b.approval(b.APPLICATION_ID, "general_manager", GM, id="A-GM", granted_at=at(8)),
            b.approval(b.APPLICATION_ID, "sales_manager", SM, id="A-SM", granted_at=at(9)),
        )
        assert d.outcome is sc.Outcome.HOLD
        assert reasons(held(d, "O2C-CT-03")) == {"A-GM": "out_of_order"}

    def test_one_person_signing_both_is_held(self) -> None:
        d = ct03(
            b.approval(b.APPLICATION_ID, "sales_manager", SALES_BOSS, id="A-1", granted_at=at(8)),
            b.approval(b.APPLICATION_ID, "general_manager", SALES_BOSS, id="A-2", granted_at=at(9)),
        )
        assert d.outcome is sc.Outcome.HOLD
        assert reasons(held(d, "O2C-CT-03")) == {"A-2": "same_person"}


# -- O2C-PL-01 ----------------------------------------------------------------------------------


def pl01(*approvals: sc.Approval) -> sc.Decision:
    plan = sc.SalesPlan(
        id="PLAN-2026-04",
        kind=sc.PlanKind.MONTHLY,
        start=dt.date(2026, 4, 1),
        end=dt.date(2026, 4, 30),
        amount=b.cny("8000000"),
        prepared_by="u-plan",
    )
    txn = sc.SubmitSalesPlan(plan=plan, actor=b.actor("u-plan", "planner"), at=b.AT)
    return sc.Gate(only=["O2C-PL-01"]).check(txn, b.context(approvals=approvals))


class TestPL01:
    def test_the_review_alone_is_held(self) -> None:
        """经营销部门负责人审核后按规定权限报批: the review alone → HOLD for the leader in charge."""
        d = pl01(b.approval("PLAN-2026-04", "marketing_head", MKT, granted_at=at(8)))
        assert d.outcome is sc.Outcome.HOLD
        assert [r.role for r in d.required_approvals] == ["general_manager"]

    def test_review_then_leader_clears(self) -> None:
        d = pl01(
            b.approval("PLAN-2026-04", "marketing_head", MKT, id="A-MKT", granted_at=at(8)),
            b.approval("PLAN-2026-04", "general_manager", GM, id="A-GM", granted_at=at(9)),
        )
        assert d.outcome is sc.Outcome.ALLOW

    def test_the_leader_in_charge_is_configurable(self) -> None:
        policy = loads_policy(
            "[management]\nmonthly_plan_approvals = ["
            '{role = "marketing_head", level = 3, step = 1}, '
            '{role = "sales_vp", level = 4, step = 2}]\n'
        )
        plan = sc.SalesPlan(
            id="P",
            kind=sc.PlanKind.MONTHLY,
            start=dt.date(2026, 4, 1),
            end=dt.date(2026, 4, 30),
            amount=b.cny("1"),
            prepared_by="u-plan",
        )
        txn = sc.SubmitSalesPlan(plan=plan, actor=b.actor("u-plan", "planner"), at=b.AT)
        d = sc.Gate(policy, only=["O2C-PL-01"]).check(txn, b.context(approvals=()))
        assert [(r.role, r.step) for r in d.required_approvals] == [
            ("marketing_head", 1),
            ("sales_vp", 2),
        ]


# -- O2C-SO-02 ----------------------------------------------------------------------------------


def so02(policy: sc.Policy | None = None) -> sc.Decision:
    order = b.order()  # within the sales manager's band
    gm = b.approval(order.id, "general_manager", GM, id="A-GM")
    return sc.Gate(policy, only=["O2C-SO-02"]).check(b.place(order), b.context(approvals=(gm,)))


class TestSO02:
    def test_a_general_manager_may_approve_a_sales_manager_tier(self) -> None:
        d = so02()
        assert d.outcome is sc.Outcome.ALLOW
        assert held(d, "O2C-SO-02").cleared_by == ("A-GM",)

    def test_exact_roles_when_higher_may_not_sign(self) -> None:
        d = so02(loads_policy("[authority]\nhigher_may_sign = false\n"))
        assert d.outcome is sc.Outcome.HOLD
        assert reasons(held(d, "O2C-SO-02")) == {"A-GM": "wrong_role"}

    def test_per_control_override(self) -> None:
        d = so02(loads_policy('[authority.controls]\n"O2C-SO-02" = false\n'))
        assert d.outcome is sc.Outcome.HOLD
        ok = so02(
            loads_policy(
                '[authority]\nhigher_may_sign = false\n[authority.controls]\n"O2C-SO-02" = true\n'
            )
        )
        assert ok.outcome is sc.Outcome.ALLOW

    def test_the_gate_check_and_the_engine_agree_on_a_rejection(self) -> None:
        """An approval on the order that does not count: O2C-SO-02 reports it like the gate."""
        order = b.order()
        weak = b.approval(
            order.id, "sales_manager", b.actor("u-m", "sales_manager", level=1), id="A-W"
        )
        d = sc.Gate(only=["O2C-SO-02"]).check(b.place(order), b.context(approvals=(weak,)))
        assert reasons(held(d, "O2C-SO-02")) == {"A-W": "level_too_low"}
        good = b.approval(order.id, "sales_manager", SM, id="A-OK")
        d = sc.Gate(only=["O2C-SO-02"]).check(b.place(order), b.context(approvals=(weak, good)))
        f = held(d, "O2C-SO-02")
        assert f.outcome is sc.Outcome.ALLOW and reasons(f) == {"A-W": "level_too_low"}


# -- every reason, zh and en --------------------------------------------------------------------

DOC = "SO-9"
TXN = b.place()  # keyed by u-rep at b.AT


def req(
    role: str = "sales_manager", level: int = 2, step: int = 0, **kw: object
) -> ApprovalRequirement:
    values: dict[str, object] = dict(
        control_id="O2C-PR-05",
        role=role,
        min_level=level,
        document_id=DOC,
        amount="1000.00 CNY",
        excluded=("u-prop",),
        step=step,
    )
    values.update(kw)
    return ApprovalRequirement(**values)  # type: ignore[arg-type]


def hold(*required: ApprovalRequirement) -> sc.Finding:
    return sc.Finding(
        control_id="O2C-PR-05", outcome=sc.Outcome.HOLD, message="x", required=required
    )


def appr(id: str, who: sc.Actor = SM, role: str = "sales_manager", **kw: object) -> sc.Approval:
    values: dict[str, object] = dict(
        id=id, document_id=DOC, role=role, approver=who, granted_at=at(8), control_id="O2C-PR-05"
    )
    values.update(kw)
    return sc.Approval(**values)  # type: ignore[arg-type]


CASES: dict[str, tuple[tuple[ApprovalRequirement, ...], tuple[sc.Approval, ...], str, str]] = {
    "wrong_role": (
        (req(),),
        (appr("A", role="finance_head", who=FH),),
        "不是所需角色",
        "not the role required",
    ),
    "role_not_held": (
        (req(),),
        (appr("A", who=b.actor("u-x", "sales_rep", level=2)),),
        "并不担任",
        "does not hold",
    ),
    "level_too_low": (
        (req(),),
        (appr("A", who=b.actor("u-x", "sales_manager", level=1)),),
        "低于所需",
        "below the 2",
    ),
    "proposer": (
        (req(),),
        (appr("A", who=b.actor("U-PROP", "sales_manager", level=2)),),
        "提议人",
        "proposed",
    ),
    "keyer": (
        (req(),),
        (appr("A", who=b.actor("u-rep ".strip().upper(), "sales_manager", level=2)),),
        "经办人",
        "keys this",
    ),
    "same_person": (
        (req(step=1), req("general_manager", 4, step=2)),
        (
            appr("A", who=SALES_BOSS),
            appr("B", who=SALES_BOSS, role="general_manager", granted_at=at(9)),
        ),
        "同一人只计一次",
        "a person counts once",
    ),
    "out_of_order": (
        (req(step=1), req("general_manager", 4, step=2)),
        (appr("A", granted_at=at(9)), appr("B", who=GM, role="general_manager", granted_at=at(8))),
        "早于前一步骤",
        "before the steps below",
    ),
    "other_document": (
        (req(),),
        (appr("A", document_id="SO-10"),),
        "针对单据 SO-10",
        "for document SO-10",
    ),
    "granted_after_transaction": (
        (req(),),
        (appr("A", granted_at=at(11)),),
        "晚于业务时间",
        "after the transaction",
    ),
    "expired": ((req(),), (appr("A", expires_at=at(9)),), "已于", "expired at"),
    "amount_too_small": (
        (req(),),
        (appr("A", max_amount=b.cny("999.99")),),
        "不足以覆盖",
        "covers up to 999.99 CNY",
    ),
    "already_met": (
        (req(),),
        (appr("A"), appr("B", who=b.actor("u-m2", "sales_manager", level=2))),
        "已由其他审批满足",
        "already met",
    ),
}


@pytest.mark.parametrize("reason", sorted(CASES))
def test_every_reason_is_reported_in_both_languages(reason: str) -> None:
    required, approvals, zh, en = CASES[reason]
    f = clear_finding(hold(*required), approvals, TXN, Authority())
    (x,) = [x for x in f.rejected if x.reason == reason]
    assert zh in x.text("zh") and x.approval_id in x.text("zh")
    assert en in x.text("en") and x.approval_id in x.text("en")
    d = sc.Decision(
        outcome=f.outcome, findings=(f,), transaction="PlaceOrder", document_id=DOC, at=b.AT
    )
    assert x.text("zh") in d.explain("zh") and x.text("en") in d.explain("en")
    assert sc.Decision.from_dict(d.to_dict()) == d


def test_every_reason_has_a_case_and_a_message() -> None:
    assert set(CASES) == set(REASONS)
    for r in REASONS:
        assert f"approval.rejected.{r}" in MESSAGES


def test_another_currency_is_too_small() -> None:
    f = clear_finding(hold(req()), (appr("A", max_amount=sc.Money("5000", "USD")),), TXN)
    assert reasons(f) == {"A": "amount_too_small"}


def test_an_approval_for_another_control_or_document_is_not_reported() -> None:
    other = appr("A", control_id="O2C-PR-03")
    elsewhere = appr("B", document_id="SO-10", control_id=None)
    f = clear_finding(hold(req()), (other, elsewhere), TXN)
    assert f.rejected == () and f.outcome is sc.Outcome.HOLD


def test_identities_are_compared_casefolded() -> None:
    """An approver id differing only in case from the proposer's is the proposer."""
    f = clear_finding(
        hold(req()), (appr("A", who=b.actor("U-Prop", "sales_manager", level=2)),), TXN
    )
    assert f.outcome is sc.Outcome.HOLD and reasons(f) == {"A": "proposer"}


@pytest.mark.parametrize(("proposer", "approver"), [("u-prop", "U-PROP"), ("ID-1", "ıd-1")])
def test_identities_are_compared_in_the_validators_canonical_form(
    proposer: str, approver: str
) -> None:
    """The engine compares ids as :func:`salesctl._validators.person_key` does, so no case
    variant of the proposer's id gets past it — the dotless ı included (``"ıd".casefold()`` is
    not ``"ID".casefold()``, but both name one person)."""
    f = clear_finding(
        hold(req(excluded=(proposer,))),
        (appr("A", who=b.actor(approver, "sales_manager", level=2)),),
        TXN,
    )
    assert f.outcome is sc.Outcome.HOLD and reasons(f) == {"A": "proposer"}
    both = b.actor(approver, "sales_manager", "finance_head", level=3)
    twin = b.actor(proposer.upper(), "sales_manager", "finance_head", level=3)
    chain = clear_finding(
        hold(req(excluded=()), req("finance_head", 3, excluded=())),
        (appr("A", who=both), appr("B", who=twin, role="finance_head")),
        TXN,
    )
    assert chain.outcome is sc.Outcome.HOLD and "same_person" in reasons(chain).values()


def test_a_person_counts_once_across_any_order_steps() -> None:
    """Distinct persons across the whole chain, not only among ordered steps."""
    both = b.actor("u-both", "sales_manager", "finance_head", level=3)
    f = clear_finding(
        hold(req(), req("finance_head", 3)),
        (appr("A", who=both), appr("B", who=both, role="finance_head")),
        TXN,
    )
    assert f.outcome is sc.Outcome.HOLD and "same_person" in reasons(f).values()


# -- the [authority] table ---------------------------------------------------------------------


def test_an_older_policy_file_keeps_its_fingerprint() -> None:
    p = loads_policy("")
    assert "authority" not in p.to_dict()
    assert p.fingerprint == sc.Policy.default().fingerprint
    assert p.authority == Authority()


def test_authority_table_round_trips() -> None:
    p = loads_policy(
        '[authority]\nhigher_may_sign = false\n[authority.lines]\nsales = ["a", "b"]\n'
        '[authority.controls]\n"O2C-SO-02" = true\n'
    )
    assert p.authority.lines == {"sales": ("a", "b")}
    assert loads_policy(p.to_toml()) == p
    assert "authority" in p.deviations()


@pytest.mark.parametrize(
    ("text", "path"),
    [
        ('[authority.lines]\nsales = ["a", "a"]\n', "authority.lines.sales"),
        ("[authority.lines]\nsales = []\n", "authority.lines.sales"),
        ('[authority.controls]\n"O2C-SO-02" = 1\n', "authority.controls.O2C-SO-02"),
        ("[authority]\nhigher_may_sign = 1\n", "authority.higher_may_sign"),
        ("[authority]\nbogus = 1\n", "authority.bogus"),
    ],
)
def test_a_bad_authority_table_is_refused_with_its_path(text: str, path: str) -> None:
    with pytest.raises(sc.PolicyError) as e:
        loads_policy(text)
    assert e.value.path == path


def test_the_gate_takes_the_authority_once() -> None:
    g = sc.Gate()
    with pytest.raises(AttributeError):
        g._authority = Authority()  # type: ignore[misc]
    assert (
        attrs.evolve(Authority(), higher_may_sign=False).may_sign(
            "general_manager", "sales_manager", "X"
        )
        is False
    )


def test_clearing_a_chain_leaves_no_cyclic_garbage() -> None:
    """The chain search (``approvals._complete``) refers to itself; it breaks that cycle when
    done, so a check that clears a chain leaves nothing for the cyclic garbage collector (a
    host's posting path runs with it on; the replay collects young objects every month)."""
    import gc

    grants = (
        b.approval(APP, "marketing_head", MKT, id="A-MKT", granted_at=at(8)),
        b.approval(APP, "finance_head", FH, id="A-FH", granted_at=at(8)),
        b.approval(APP, "general_manager", GM, id="A-GM", granted_at=at(9)),
    )
    txn = sc.SetCreditProfile(
        customer=b.customer(), profile=b.profile(), application_id=APP, actor=b.MAINTAINER, at=b.AT
    )
    ctx = b.context(approvals=grants)
    gate = sc.Gate(only=["O2C-CR-02"])  # built once: a gate's compiled packs are cyclic
    assert gate.check(txn, ctx).outcome is sc.Outcome.ALLOW
    gc.collect()
    was = gc.isenabled()
    gc.disable()
    try:
        for _ in range(20):
            assert gate.check(txn, ctx).outcome is sc.Outcome.ALLOW
        assert gc.collect() == 0
    finally:
        if was:
            gc.enable()
