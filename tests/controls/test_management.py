"""Management family: O2C-PL-01 (plans, preventive and detective), O2C-MN-01, O2C-MN-02."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import attrs
import pytest

import salesctl as sc
from salesctl.controls.management import (
    ManagementPolicy,
    check_plan_approval,
    detect_monthly_analysis,
    detect_plan_approvals,
    detect_quarterly_assessment,
    plan_approvals_needed,
)
from salesctl.errors import InvalidInput
from salesctl.reconcile import (
    PerformanceAssessment,
    Period,
    Records,
    SalesActual,
    SalesAnalysis,
    SalesTarget,
)
from tests.builders import actor, approval, at, context

POLICY = ManagementPolicy()
MARCH = Period.month(2026, 3)
APRIL = Period.month(2026, 4)
PLANNER = actor("u-plan", "planner", level=1)
MARKETING_HEAD = actor("u-mkt", "marketing_head", level=3)
GM = actor("u-gm", "general_manager", level=4)
OFFICE = actor("office-meeting", "office_meeting", level=5)


def cny(x: str | int) -> sc.Money:
    return sc.Money(str(x), "CNY")


def plan(
    id: str = "PLAN-2026-03",
    kind: sc.PlanKind = sc.PlanKind.MONTHLY,
    amount: str = "8000000",
    **kw: object,
) -> sc.SalesPlan:
    values: dict[str, object] = {
        "id": id,
        "kind": kind,
        "start": dt.date(2026, 3, 1) if kind is sc.PlanKind.MONTHLY else dt.date(2026, 1, 1),
        "end": dt.date(2026, 3, 31) if kind is sc.PlanKind.MONTHLY else dt.date(2026, 12, 31),
        "amount": cny(amount),
        "prepared_by": PLANNER.id,
    }
    values.update(kw)
    return sc.SalesPlan(**values)  # type: ignore[arg-type]


def head_ok(
    doc: str = "PLAN-2026-03",
    who: sc.Actor = MARKETING_HEAD,
    role: str = "marketing_head",
    day: int = 27,
) -> sc.Approval:
    return approval(doc, role, who, granted_at=at(day, month=2))


def leader_ok(doc: str = "PLAN-2026-03", day: int = 27) -> sc.Approval:
    """The leader in charge approves after the review (S-CP 3.1.4★ 分管业务的领导审定)."""
    return approval(doc, "general_manager", GM, id=f"APR-gm-{doc}", granted_at=at(day, month=2))


def annual() -> tuple[sc.SalesPlan, sc.Approval]:
    return plan("PLAN-2026", sc.PlanKind.ANNUAL, "40000000"), approval(
        "PLAN-2026",
        "general_manager",
        GM,
        id="APR-gm-y",
        granted_at=dt.datetime(2025, 12, 20, tzinfo=dt.UTC),
    )


def outcomes(result: object) -> list[tuple[str, str, str]]:
    return [
        (f.control_id, f.outcome.name, f.facts[0][1])
        for f in result.findings  # type: ignore[attr-defined]
    ]


class TestPlanApprovalsNeeded:
    def test_monthly_annual_and_major(self) -> None:
        """S-IC 1.2 / S-CP 3.1.4★: monthly → marketing head then the leader in charge, annual →
        manager, major → + office meeting."""
        assert [s.role for s in plan_approvals_needed(plan(), POLICY)] == [
            "marketing_head",
            "general_manager",
        ]
        assert [
            s.role
            for s in plan_approvals_needed(plan(kind=sc.PlanKind.ANNUAL, amount="1000"), POLICY)
        ] == ["general_manager"]
        assert [s.role for s in plan_approvals_needed(plan(amount="50000000"), POLICY)] == [
            "marketing_head",
            "general_manager",
            "office_meeting",
        ]
        assert [s.role for s in plan_approvals_needed(plan(major=True), POLICY)][
            -1
        ] == "office_meeting"


#: The day the plans below are submitted (their business date).
PLAN_DAY = dt.date(2026, 2, 28)


class TestPlanGate:
    def submit(self, p: sc.SalesPlan) -> sc.SubmitSalesPlan:
        return sc.SubmitSalesPlan(plan=p, actor=PLANNER, at=at(28, month=2))

    def test_unapproved_plan_is_held(self) -> None:
        """Submitting a monthly plan without the marketing head's approval: HOLD."""
        d = sc.Gate().check(self.submit(plan()), context(as_of=PLAN_DAY))
        assert d.outcome is sc.Outcome.HOLD
        assert [r.role for r in d.required_approvals] == ["marketing_head", "general_manager"]

    def test_review_alone_is_held(self) -> None:
        """S-IC 1.2 经营销部门负责人审核后按规定权限报批: the review alone → HOLD for the leader."""
        d = sc.Gate().check(self.submit(plan()), context(as_of=PLAN_DAY, approvals=(head_ok(),)))
        assert d.outcome is sc.Outcome.HOLD
        assert [r.role for r in d.required_approvals] == ["general_manager"]

    def test_approved_plan_is_allowed(self) -> None:
        """The marketing head's review and then the leader's approval clear it."""
        d = sc.Gate().check(
            self.submit(plan()), context(as_of=PLAN_DAY, approvals=(head_ok(), leader_ok()))
        )
        assert d.outcome is sc.Outcome.ALLOW
        assert d.findings_for("O2C-PL-01")[0].cleared_by

    def test_preparer_cannot_approve_own_plan(self) -> None:
        """A planner who is also marketing head cannot approve their own plan."""
        both = actor("u-plan", "planner", "marketing_head", level=3)
        d = sc.Gate().check(
            sc.SubmitSalesPlan(plan=plan(), actor=MARKETING_HEAD, at=at(28, month=2)),
            context(as_of=PLAN_DAY, approvals=(head_ok(who=both),)),
        )
        assert d.outcome is sc.Outcome.HOLD

    def test_major_plan_needs_the_office_meeting_too(self) -> None:
        """A 60 M plan with only the marketing head's approval stays on hold."""
        big = plan(amount="60000000")
        d = sc.Gate().check(
            self.submit(big), context(as_of=PLAN_DAY, approvals=(head_ok(), leader_ok()))
        )
        assert [r.role for r in d.required_approvals] == ["office_meeting"]
        both = (
            head_ok(),
            leader_ok(),
            approval(big.id, "office_meeting", OFFICE, granted_at=at(27, month=2)),
        )
        assert (
            sc.Gate().check(self.submit(big), context(as_of=PLAN_DAY, approvals=both)).outcome
            is sc.Outcome.ALLOW
        )

    def test_check_function_directly(self) -> None:
        """The pure check names every approval needed with the preparer excluded."""
        (f,) = check_plan_approval(self.submit(plan()), context(as_of=PLAN_DAY), POLICY)
        assert f.required[0].excluded == (PLANNER.id,)


class TestPlanDetective:
    def records(self, *extra_approvals: sc.Approval, p: sc.SalesPlan | None = None) -> Records:
        yearly, gm = annual()
        return Records(sales_plans=(p or plan(), yearly), approvals=(gm, *extra_approvals))

    def test_plan_approved_before_its_start_passes(self) -> None:
        """March plan approved on 27 Feb by the marketing head."""
        r = detect_plan_approvals(self.records(head_ok(), leader_ok()), MARCH, POLICY)
        assert r.tested == 1 and r.findings == ()

    def test_plan_without_approval_is_held(self) -> None:
        """March plan with no approval on file."""
        r = detect_plan_approvals(self.records(), MARCH, POLICY)
        assert outcomes(r) == [("O2C-PL-01", "HOLD", "PLAN-2026-03")]
        assert r.findings[0].required[0].role == "marketing_head"

    @pytest.mark.parametrize(
        "bad",
        [
            approval("PLAN-2026-03", "marketing_head", MARKETING_HEAD, granted_at=at(2)),
            approval(
                "PLAN-2026-03",
                "marketing_head",
                actor("u-x", "sales_rep", level=3),
                granted_at=at(1),
            ),
            approval(
                "PLAN-2026-03",
                "marketing_head",
                actor("u-plan", "marketing_head", level=3),
                granted_at=at(1),
            ),
            approval(
                "PLAN-2026-03",
                "marketing_head",
                actor("u-y", "marketing_head", level=2),
                granted_at=at(1),
            ),
        ],
        ids=["after-start", "without-role", "preparer", "level-too-low"],
    )
    def test_invalid_approvals_do_not_count(self, bad: sc.Approval) -> None:
        """Approvals after the start, without the role or level, or by the preparer."""
        r = detect_plan_approvals(self.records(bad, leader_ok()), MARCH, POLICY)
        assert outcomes(r) == [("O2C-PL-01", "HOLD", "PLAN-2026-03")]

    def test_month_without_plan_is_blocked(self) -> None:
        """April has no monthly plan."""
        r = detect_plan_approvals(self.records(head_ok()), APRIL, POLICY)
        assert outcomes(r) == [("O2C-PL-01", "BLOCK", "monthly-plan@2026-04")]
        assert (
            detect_plan_approvals(
                self.records(), APRIL, ManagementPolicy(require_monthly_plan=False)
            ).findings
            == ()
        )

    def test_year_without_annual_plan_is_blocked(self) -> None:
        """January 2027 without a 2027 plan (and without a January plan)."""
        r = detect_plan_approvals(Records(), Period.month(2027, 1), POLICY)
        assert sorted(outcomes(r)) == [
            ("O2C-PL-01", "BLOCK", "annual-plan@2027"),
            ("O2C-PL-01", "BLOCK", "monthly-plan@2027-01"),
        ]


def target(unit: str = "east", amount: str = "1000000", month: int = 3) -> SalesTarget:
    return SalesTarget(unit=unit, period=Period.month(2026, month), amount=cny(amount))


def actual(unit: str = "east", amount: str = "1000000", month: int = 3) -> SalesActual:
    return SalesActual(unit=unit, period=Period.month(2026, month), amount=cny(amount))


def analysis(unit: str = "east", day: int = 8, **kw: object) -> SalesAnalysis:
    return SalesAnalysis(
        unit=unit,
        period=MARCH,
        performed_on=dt.date(2026, 4, day),
        performed_by="u-mkt",
        **kw,  # type: ignore[arg-type]
    )


class TestMonthlyAnalysis:
    def test_target_met_and_analysed_in_time_passes(self) -> None:
        """S-IC 11.1: March analysed on 8 Apr (deadline 10 Apr); target met."""
        r = detect_monthly_analysis(
            Records(targets=[target()], actuals=[actual()], analyses=[analysis()]), APRIL, POLICY
        )
        assert r.tested == 1 and r.findings == ()

    def test_march_is_tested_in_april_not_in_march(self) -> None:
        """The analysis of a month falls due after it ends: a March run tests February."""
        r = detect_monthly_analysis(Records(targets=[target()]), MARCH, POLICY)
        assert outcomes(r) == [("O2C-MN-01", "BLOCK", "targets@2026-02")]

    def test_shortfall_with_actions_and_review_passes(self) -> None:
        """80 % of target, with actions reviewed by the deputy manager."""
        a = analysis(actions="two more visits a week in Wenzhou", reviewed_by="u-dgm")
        r = detect_monthly_analysis(
            Records(targets=[target()], actuals=[actual(amount="800000")], analyses=[a]),
            APRIL,
            POLICY,
        )
        assert r.findings == ()

    def test_shortfall_without_follow_up_is_held(self) -> None:
        """80 % of target and no recorded follow-up: HOLD for the deputy manager."""
        r = detect_monthly_analysis(
            Records(targets=[target()], actuals=[actual(amount="800000")], analyses=[analysis()]),
            APRIL,
            POLICY,
        )
        assert outcomes(r) == [("O2C-MN-01", "HOLD", "east@2026-03")]
        assert dict(r.findings[0].facts)["achievement"] == "0.8"

    def test_min_achievement_is_a_policy_parameter(self) -> None:
        """With min_achievement 0.75, 80 % needs no follow-up."""
        records = Records(
            targets=[target()], actuals=[actual(amount="800000")], analyses=[analysis()]
        )
        assert (
            detect_monthly_analysis(
                records, APRIL, ManagementPolicy(min_achievement=Decimal("0.75"))
            ).findings
            == ()
        )

    def test_missing_or_late_analysis_is_blocked(self) -> None:
        """No analysis by 10 Apr (one made on 15 Apr does not count)."""
        for analyses in ([], [analysis(day=15)]):
            r = detect_monthly_analysis(
                Records(targets=[target()], actuals=[actual()], analyses=analyses), APRIL, POLICY
            )
            assert outcomes(r) == [("O2C-MN-01", "BLOCK", "east@2026-03")]

    def test_no_targets_or_no_actuals_is_blocked(self) -> None:
        """Nothing to analyse against, or nothing to analyse."""
        assert outcomes(detect_monthly_analysis(Records(), APRIL, POLICY)) == [
            ("O2C-MN-01", "BLOCK", "targets@2026-03")
        ]
        r = detect_monthly_analysis(
            Records(targets=[target()], analyses=[analysis()]), APRIL, POLICY
        )
        assert [f.message for f in r.findings] == ["management.no_actual"]


def assessment(linked: bool = True, day: int = 20) -> PerformanceAssessment:
    return PerformanceAssessment(
        unit="marketing",
        period=Period.quarter(2026, 1),
        assessed_on=dt.date(2026, 4, day),
        assessed_by="perf-office",
        result="B+",
        linked_to_rewards=linked,
    )


class TestQuarterlyAssessment:
    Q2 = Period.quarter(2026, 2)

    def test_assessed_and_linked_passes(self) -> None:
        """S-IC 11.1: Q1 assessed on 20 Apr, result tied to bonuses."""
        r = detect_quarterly_assessment(Records(assessments=[assessment()]), self.Q2, POLICY)
        assert r.tested == 1 and r.findings == ()

    def test_not_linked_to_rewards_is_held(self) -> None:
        """考核结果与奖惩挂钩 missing."""
        r = detect_quarterly_assessment(
            Records(assessments=[assessment(linked=False)]), self.Q2, POLICY
        )
        assert outcomes(r) == [("O2C-MN-02", "HOLD", "marketing@2026-Q1")]

    def test_no_assessment_is_blocked(self) -> None:
        """No assessment of Q1 by 30 Apr (one made on 2 May does not count)."""
        late = attrs.evolve(assessment(), assessed_on=dt.date(2026, 5, 2))
        for records in (Records(), Records(assessments=[late])):
            r = detect_quarterly_assessment(records, self.Q2, POLICY)
            assert outcomes(r) == [("O2C-MN-02", "BLOCK", "marketing@2026-Q1")]

    def test_monthly_period_finds_the_quarter_due_in_it(self) -> None:
        """Run over April (due_only=False), the Q1 assessment is due in it."""
        assert detect_quarterly_assessment(Records(), APRIL, POLICY).tested == 1
        assert detect_quarterly_assessment(Records(), MARCH, POLICY).tested == 0


class TestPolicy:
    @pytest.mark.parametrize(
        "kwargs",
        [
            {"min_achievement": Decimal("1.5")},
            {"analysis_within_days": -1},
            {"assessed_units": ["marketing", ""]},
            {"major_plan_amount": cny(-1)},
        ],
    )
    def test_bad_parameters_are_refused(self, kwargs: dict[str, object]) -> None:
        """Impossible parameters raise InvalidInput."""
        with pytest.raises(InvalidInput):
            ManagementPolicy(**kwargs)  # type: ignore[arg-type]

    def test_policy_file_table(self) -> None:
        """[management] in the policy file; approval steps as arrays of tables."""
        p = sc.loads_policy(
            '[management]\nmin_achievement = "0.9"\n'
            '[[management.monthly_plan_approvals]]\nrole = "sales_vp"\nlevel = 4\n'
        )
        fam = p.family("management")
        assert fam.min_achievement == Decimal("0.9")
        assert [s.role for s in fam.monthly_plan_approvals] == ["sales_vp"]

    def test_sales_plan_validates(self) -> None:
        """A plan ending before it starts is refused."""
        with pytest.raises(InvalidInput):
            plan(end=dt.date(2026, 2, 1))
