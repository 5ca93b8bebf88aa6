"""Planning and performance management: sales plans, monthly analysis, quarterly assessment.

Source: the group manual S-IC 1.2 (计划部门依据订单情况和生产计划,编制月度产品销售计划,经营销
部门负责人审核后按规定权限报批。年度产品销售计划由分(子)公司经理审批) and 11.1 (营销部门每月进行
经营活动分析,分管副经理针对销售任务完成情况,督促营销部门根据既定销售目标,调整后续工作部署;
绩效考核部门依据考核办法,至少每季对营销部门进行考核,考核结果与奖惩挂钩); the product-sales flow
S-CP 3.1.3 (产品销售计划……经部门领导审核签字) and 3.1.4★ (传/送给企业分管业务的领导审定,特别重大的
产品销售计划报企业办公会审定); the selling pipeline's review step (S-PS). Guideline 9 art. 3, 4
and 10.

Controls: O2C-PL-01 (sales plans approved at the right level before they take effect:
preventive on :class:`~salesctl.transactions.SubmitSalesPlan`, detective over the plans of a
period), O2C-MN-01 (monthly analysis against targets), O2C-MN-02 (quarterly assessment of the
marketing department), O2C-MN-03 (the monthly collections analysis per salesperson and
customer: S-K1 5 销售、财务部门每月进行货款回收分析), O2C-MN-04 (each promotion's effect evaluated
after it ends: S-MK 7 定期评估营销活动的效果).

>>> from salesctl.controls.management import ManagementPolicy
>>> [(s.role, s.step) for s in ManagementPolicy().monthly_plan_approvals]
[('marketing_head', 1), ('general_manager', 2)]
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping
from decimal import Decimal
from typing import Any, ClassVar

import attrs
from attrs import field, frozen

from salesctl._validators import (
    decimal_conv,
    each,
    non_negative,
    ratio,
    same_person,
    text,
    tuple_conv,
    typed,
)
from salesctl.context import Context
from salesctl.control import Assertion, Automation, Control, Examination, Family, Frequency, Kind
from salesctl.controls.credit import ApprovalStep
from salesctl.controls.weakening import Weakening, at_proposer_level, order_lost, weakenings
from salesctl.decision import ApprovalRequirement, Finding, Outcome, make_finding
from salesctl.errors import InvalidInput
from salesctl.model import Approval, PlanKind, SalesPlan
from salesctl.money import Money
from salesctl.records import (
    CollectionsAnalysis,
    PerformanceAssessment,
    Period,
    PromotionEvaluation,
    Records,
    SalesActual,
    SalesAnalysis,
)
from salesctl.transactions import SubmitSalesPlan, Transaction

__all__ = [
    "FAMILY",
    "ManagementPolicy",
    "check_plan_approval",
    "detect_collections_analysis",
    "detect_monthly_analysis",
    "detect_plan_approvals",
    "detect_promotion_evaluation",
    "detect_quarterly_assessment",
    "plan_approvals_needed",
]

_HOLD, _BLOCK = Outcome.HOLD, Outcome.BLOCK


def _days(inst: Any, a: Any, value: Any) -> None:
    typed(int)(inst, a, value)
    non_negative(inst, a, value)


def _at_least_one(inst: Any, a: Any, value: Any) -> None:
    if value < 1:
        raise InvalidInput("must be 1 or more", path=f"ManagementPolicy.{a.name}", value=value)


def _opt_money(inst: Any, a: Any, value: Any) -> None:
    if value is not None:
        typed(Money)(inst, a, value)
        non_negative(inst, a, value)


@frozen
class ManagementPolicy:
    """Parameters of the management family (``[management]`` in the policy file).

    Attributes:
        monthly_plan_approvals: the chain a monthly sales plan needs (O2C-PL-01): the marketing
            head reviews (step 1), then the leader in charge approves (step 2; by default the
            ``general_manager``, S-CP 3.1.4★ 分管业务的领导审定).
        annual_plan_approvals: approvals an annual sales plan needs (O2C-PL-01).
        major_plan_amount: a plan at or above this amount is major (``None``: only plans the
            host flags ``major``).
        major_plan_approvals: the further approvals a major plan needs (the office meeting).
        require_monthly_plan: a month without an approved monthly plan is an exception.
        require_annual_plan: a year without an annual plan is an exception.
        analysis_within_days: days after a month end by which its analysis is made (O2C-MN-01).
        min_achievement: achievement (actual ÷ target, as a fraction) below which the analysis
            must record follow-up actions reviewed by the deputy manager (O2C-MN-01).
        require_targets: a month without sales targets cannot be analysed: an exception.
        analysis_role: who follows up missing or incomplete analyses (分管副经理).
        assessed_units: the units assessed every quarter (O2C-MN-02).
        assessment_within_days: days after a quarter end by which its assessment is made.
        assessment_role: who follows up assessments (绩效考核部门).
        follow_up_level: the authority level of the follow-up roles above.
        collections_within_days: days after a month end by which its collections analysis is
            made (O2C-MN-03).
        collections_role: who follows up a missing or incomplete collections analysis.
        promotion_evaluation_days: days after a promotion's last day by which its effect is
            evaluated (O2C-MN-04; at least 1: an evaluation counts only after the end).
    """

    monthly_plan_approvals: tuple[ApprovalStep, ...] = field(
        # S-IC 1.2 经营销部门负责人审核后按规定权限报批; S-CP 3.1.4★ 传/送给企业分管业务的领导审定
        default=(ApprovalStep("marketing_head", 3, 1), ApprovalStep("general_manager", 4, 2)),
        converter=tuple_conv,
        validator=each(ApprovalStep),
    )
    annual_plan_approvals: tuple[ApprovalStep, ...] = field(
        default=(ApprovalStep("general_manager", 4, 2),),
        converter=tuple_conv,
        validator=each(ApprovalStep),
    )
    major_plan_amount: Money | None = field(default=Money("50000000", "CNY"), validator=_opt_money)
    major_plan_approvals: tuple[ApprovalStep, ...] = field(
        default=(ApprovalStep("office_meeting", 5, 3),),
        converter=tuple_conv,
        validator=each(ApprovalStep),
    )
    require_monthly_plan: bool = field(default=True, validator=typed(bool))
    require_annual_plan: bool = field(default=True, validator=typed(bool))
    analysis_within_days: int = field(default=10, validator=_days)
    min_achievement: Decimal = field(default=Decimal("1"), converter=decimal_conv, validator=ratio)
    require_targets: bool = field(default=True, validator=typed(bool))
    analysis_role: str = field(default="deputy_manager", validator=text)
    assessed_units: tuple[str, ...] = field(
        default=("marketing",), converter=tuple_conv, validator=each(str)
    )
    assessment_within_days: int = field(default=30, validator=_days)
    assessment_role: str = field(default="performance_office", validator=text)
    follow_up_level: int = field(default=3, validator=_days)
    # issue 14: collections analysis, promotions
    collections_within_days: int = field(default=10, validator=_days)
    collections_role: str = field(default="finance_head", validator=text)
    promotion_evaluation_days: int = field(default=30, validator=[_days, _at_least_one])

    #: The controls each field sets (see :mod:`salesctl.controls.weakening`).
    AFFECTS: ClassVar[Mapping[str, tuple[str, ...]]] = {
        "monthly_plan_approvals": ("O2C-PL-01",),
        "annual_plan_approvals": ("O2C-PL-01",),
        "major_plan_amount": ("O2C-PL-01",),
        "major_plan_approvals": ("O2C-PL-01",),
        "require_monthly_plan": ("O2C-PL-01",),
        "require_annual_plan": ("O2C-PL-01",),
        "analysis_within_days": ("O2C-MN-01",),
        "min_achievement": ("O2C-MN-01",),
        "require_targets": ("O2C-MN-01",),
        "analysis_role": ("O2C-MN-01",),
        "assessed_units": ("O2C-MN-02",),
        "assessment_within_days": ("O2C-MN-02",),
        "assessment_role": ("O2C-MN-02",),
        "follow_up_level": ("O2C-MN-01", "O2C-MN-02", "O2C-MN-03"),
        "collections_within_days": ("O2C-MN-03",),
        "collections_role": ("O2C-MN-03",),
        "promotion_evaluation_days": ("O2C-MN-04",),
    }

    def weakened(self) -> tuple[Weakening, ...]:
        """What these values leave unable to fire (:mod:`salesctl.controls.weakening`)."""
        if not self.monthly_plan_approvals or any(
            at_proposer_level(s.role, s.level) for s in self.monthly_plan_approvals
        ):
            return weakenings(
                ("O2C-PL-01",),
                "monthly_plan_approvals",
                "a monthly plan is approved at the proposer's level",
            )
        seeded = attrs.fields(ManagementPolicy).monthly_plan_approvals.default
        if order_lost(self.monthly_plan_approvals, seeded):
            return weakenings(
                ("O2C-PL-01",),
                "monthly_plan_approvals",
                "the approval may precede the review: the seed has the review first",
            )
        return ()


# -- O2C-PL-01 --------------------------------------------------------------------------------


def plan_approvals_needed(plan: SalesPlan, policy: ManagementPolicy) -> tuple[ApprovalStep, ...]:
    """The approvals ``plan`` needs: by kind, plus the major-plan approvals when it is major.

    A plan is major when the host flags it or its amount reaches ``major_plan_amount`` (in the
    same currency; a plan in another currency counts as major, failing safe).
    """
    steps = (
        policy.monthly_plan_approvals
        if plan.kind is PlanKind.MONTHLY
        else policy.annual_plan_approvals
    )
    floor = policy.major_plan_amount
    major = plan.major or (
        floor is not None and (plan.amount.currency != floor.currency or plan.amount >= floor)
    )
    if major:
        steps = steps + tuple(s for s in policy.major_plan_approvals if s not in steps)
    return steps


def check_plan_approval(
    txn: Transaction, ctx: Context, policy: ManagementPolicy
) -> tuple[Finding, ...]:
    """O2C-PL-01 (preventive): a plan takes effect only with every approval it needs.

    A HOLD naming each approval (the preparer's own does not count); the gate clears it with
    the approvals on hand.
    """
    assert isinstance(txn, SubmitSalesPlan)
    plan = txn.plan
    steps = plan_approvals_needed(plan, policy)
    return (
        Finding(
            control_id="O2C-PL-01",
            outcome=Outcome.HOLD,
            message="management.plan_needs_approval",
            params={"plan": plan.id, "kind": plan.kind, "roles": [s.role for s in steps]},
            facts={
                "kind": plan.kind,
                "amount": plan.amount,
                "start": plan.start,
                "end": plan.end,
                "prepared_by": plan.prepared_by,
                "major": len(steps)
                > len(
                    policy.monthly_plan_approvals
                    if plan.kind is PlanKind.MONTHLY
                    else policy.annual_plan_approvals
                ),
            },
            required=tuple(
                ApprovalRequirement(
                    control_id="O2C-PL-01",
                    role=s.role,
                    min_level=s.level,
                    document_id=plan.id,
                    reason="management.plan_needs_approval",
                    excluded=(plan.prepared_by,),
                    step=s.step,
                )
                for s in steps
            ),
        ),
    )


def _valid_approval(a: Approval, plan: SalesPlan, step: ApprovalStep) -> bool:
    # The detective side keeps its own, date-based rule rather than salesctl.approvals: a
    # plan's records carry no transaction (no keyer, no instant in a time zone), and the test
    # is "approved on or before the plan's first day" in the approval's own calendar date;
    # the engine compares instants. The preventive side (check_plan_approval) uses the engine.
    who = a.approver
    return (
        a.document_id == plan.id
        and a.role == step.role
        and (a.control_id is None or a.control_id == "O2C-PL-01")
        and step.role in who.roles
        and who.authority_level >= step.level
        and not same_person(who.id, plan.prepared_by)
        and a.granted_at.date() <= plan.start
    )


def detect_plan_approvals(
    records: Records, period: Period, policy: ManagementPolicy
) -> Examination:
    """O2C-PL-01 (detective): the plans taking effect in the period were approved in time.

    Tests each plan starting in the period: every approval it needs (by kind, and for a major
    plan) must be on record from a person holding the role and level, not the preparer, given
    on or before the plan's first day; otherwise a HOLD naming the missing roles. A month (a
    year) starting in the period without a monthly (annual) plan is a BLOCK when required.
    """
    by_doc: dict[str, list[Approval]] = defaultdict(list)
    for a in records.approvals:
        by_doc[a.document_id].append(a)
    tested = 0
    out: list[Finding] = []
    starts: set[tuple[PlanKind, dt.date]] = set()
    for plan in sorted(records.sales_plans, key=lambda p: (p.start, p.id)):
        starts.add((plan.kind, plan.start))
        if plan.start not in period:
            continue
        tested += 1
        steps = plan_approvals_needed(plan, policy)
        missing = [
            s
            for s in steps
            if not any(_valid_approval(a, plan, s) for a in by_doc.get(plan.id, ()))
        ]
        if missing:
            on_file = [
                f"{a.role}:{a.approver.id}@{a.granted_at.date().isoformat()}"
                for a in by_doc.get(plan.id, ())
            ]
            out.append(
                make_finding(
                    "O2C-PL-01",
                    _HOLD,
                    "management.plan_not_approved",
                    plan.id,
                    params={"plan": plan.id, "kind": plan.kind, "roles": [s.role for s in missing]},
                    facts={
                        "kind": plan.kind,
                        "amount": plan.amount,
                        "start": plan.start,
                        "prepared_by": plan.prepared_by,
                        "needed": [s.role for s in steps],
                        "approvals_on_file": on_file or "none",
                    },
                    role=missing[0].role,
                    level=missing[0].level,
                )
            )
    wanted: list[tuple[PlanKind, Period]] = []
    if policy.require_monthly_plan:
        month = Period.containing(period.start, Frequency.MONTHLY)
        while month.start <= period.end:
            if month.start >= period.start:
                wanted.append((PlanKind.MONTHLY, month))
            month = month.next()
    if policy.require_annual_plan:
        year = Period.containing(period.start, Frequency.YEARLY)
        if year.start >= period.start:
            wanted.append((PlanKind.ANNUAL, year))
    for kind, p in wanted:
        tested += (kind, p.start) not in starts
        if (kind, p.start) not in starts:
            doc = f"{kind.value}-plan@{p.label}"
            out.append(
                make_finding(
                    "O2C-PL-01",
                    _BLOCK,
                    "management.no_plan",
                    doc,
                    params={"kind": kind, "period": p.label},
                    facts={"kind": kind, "start": p.start},
                )
            )
    return Examination(tested, tuple(out))


# -- O2C-MN-01 --------------------------------------------------------------------------------


def _due_periods(period: Period, kind: Frequency, days: int) -> list[Period]:
    """The periods of ``kind`` whose end + ``days`` falls in ``period``."""
    lag = dt.timedelta(days=days)
    out: list[Period] = []
    p = Period.containing(period.start - lag, kind)
    while p.end + lag <= period.end:
        if p.end + lag >= period.start:
            out.append(p)
        p = p.next()
    return out


def detect_monthly_analysis(
    records: Records, period: Period, policy: ManagementPolicy
) -> Examination:
    """O2C-MN-01: each month's business is analysed against its targets, shortfalls followed up.

    Tests the months whose analysis deadline (month end + ``analysis_within_days``) falls in the
    period, unit by unit (the units with a monthly target). A month without targets, a unit
    with no analysis made by the deadline, or no actual sales figure, is a BLOCK; a unit below
    ``min_achievement`` whose analysis records no follow-up action or no deputy manager's review
    is a HOLD.
    """
    out: list[Finding] = []
    tested = 0
    for month in _due_periods(period, Frequency.MONTHLY, policy.analysis_within_days):
        deadline = month.end + dt.timedelta(days=policy.analysis_within_days)
        targets = {t.unit: t for t in records.targets if t.period == month}
        actuals: dict[str, SalesActual] = {a.unit: a for a in records.actuals if a.period == month}
        analyses: dict[str, SalesAnalysis] = {}
        for an in records.analyses:
            if an.period == month and an.performed_on <= deadline:
                old = analyses.get(an.unit)
                if old is None or an.performed_on > old.performed_on:
                    analyses[an.unit] = an
        if not targets:
            if policy.require_targets:
                tested += 1
                out.append(
                    make_finding(
                        "O2C-MN-01",
                        _BLOCK,
                        "management.no_targets",
                        f"targets@{month.label}",
                        params={"period": month.label},
                        facts={"units_with_actuals": sorted(actuals) or "none"},
                    )
                )
            continue
        for unit in sorted(targets):
            tested += 1
            doc = f"{unit}@{month.label}"
            target = targets[unit].amount
            actual = actuals.get(unit)
            analysis = analyses.get(unit)
            if actual is None or analysis is None:
                out.append(
                    make_finding(
                        "O2C-MN-01",
                        _BLOCK,
                        "management.no_actual" if actual is None else "management.no_analysis",
                        doc,
                        params={"unit": unit, "period": month.label, "deadline": deadline},
                        facts={
                            "target": target,
                            "actual": actual.amount if actual else "none",
                            "deadline": deadline,
                        },
                    )
                )
                continue
            if actual.amount.currency != target.currency:
                out.append(
                    make_finding(
                        "O2C-MN-01",
                        _BLOCK,
                        "management.currency",
                        doc,
                        params={"unit": unit, "period": month.label},
                        facts={"target": target, "actual": actual.amount},
                    )
                )
                continue
            achievement = actual.amount.ratio(target)
            if achievement >= policy.min_achievement:
                continue
            if analysis.actions and analysis.reviewed_by:
                continue
            out.append(
                make_finding(
                    "O2C-MN-01",
                    _HOLD,
                    "management.shortfall_unaddressed",
                    doc,
                    params={
                        "unit": unit,
                        "period": month.label,
                        "actual": actual.amount,
                        "target": target,
                    },
                    facts={
                        "target": target,
                        "actual": actual.amount,
                        "achievement": achievement,
                        "min_achievement": policy.min_achievement,
                        "analysis_on": analysis.performed_on,
                        "actions": analysis.actions or "none",
                        "reviewed_by": analysis.reviewed_by or "none",
                    },
                    role=policy.analysis_role,
                    level=policy.follow_up_level,
                )
            )
    return Examination(tested, tuple(out))


# -- O2C-MN-02 --------------------------------------------------------------------------------


def detect_quarterly_assessment(
    records: Records, period: Period, policy: ManagementPolicy
) -> Examination:
    """O2C-MN-02: each assessed unit is assessed every quarter, the result tied to rewards.

    Tests the quarters whose deadline (quarter end + ``assessment_within_days``) falls in the
    period, for each of ``assessed_units``: no assessment by the deadline is a BLOCK; one not
    applied to rewards and penalties is a HOLD.
    """
    out: list[Finding] = []
    tested = 0
    for quarter in _due_periods(period, Frequency.QUARTERLY, policy.assessment_within_days):
        deadline = quarter.end + dt.timedelta(days=policy.assessment_within_days)
        found: dict[str, PerformanceAssessment] = {}
        for a in records.assessments:
            if a.period == quarter and a.assessed_on <= deadline:
                old = found.get(a.unit)
                if old is None or a.linked_to_rewards > old.linked_to_rewards:
                    found[a.unit] = a
        for unit in policy.assessed_units:
            tested += 1
            doc = f"{unit}@{quarter.label}"
            got = found.get(unit)
            if got is None:
                out.append(
                    make_finding(
                        "O2C-MN-02",
                        _BLOCK,
                        "management.no_assessment",
                        doc,
                        params={"unit": unit, "period": quarter.label, "deadline": deadline},
                        facts={"deadline": deadline},
                    )
                )
            elif not got.linked_to_rewards:
                out.append(
                    make_finding(
                        "O2C-MN-02",
                        _HOLD,
                        "management.assessment_not_linked",
                        doc,
                        params={"unit": unit, "period": quarter.label},
                        facts={
                            "assessed_on": got.assessed_on,
                            "assessed_by": got.assessed_by,
                            "result": got.result,
                        },
                        role=policy.assessment_role,
                        level=policy.follow_up_level,
                    )
                )
    return Examination(tested, tuple(out))


# -- issue 14: O2C-MN-03, O2C-MN-04 -------------------------------------------------------------


def detect_collections_analysis(
    records: Records, period: Period, policy: ManagementPolicy
) -> Examination:
    """O2C-MN-03: each month's collections are analysed by salesperson and by customer.

    Tests the months whose deadline (month end + ``collections_within_days``) falls in the
    period. The month's population is the receivables collected in it or due by its end and
    still open: no analysis made by the deadline is a BLOCK (document ``collections@month``);
    a salesperson or customer of the population that the analyses of the month do not cover
    is a HOLD (document ``<salesperson or customer>@month``).
    """
    out: list[Finding] = []
    tested = 0
    for month in _due_periods(period, Frequency.MONTHLY, policy.collections_within_days):
        deadline = month.end + dt.timedelta(days=policy.collections_within_days)
        done: list[CollectionsAnalysis] = [
            a
            for a in records.collections_analyses
            if a.period_end == month.end and a.performed_on <= deadline
        ]
        people: set[str] = set()
        customers: set[str] = set()
        for it in records.receivables:
            collected = it.settled_on is not None and it.settled_on in month
            open_due = it.due <= month.end and (
                it.settled_on is None or it.settled_on > month.end
            )
            if collected or open_due:
                customers.add(it.customer_id)
                if it.salesperson is not None:
                    people.add(it.salesperson)
        tested += 1
        if not done:
            out.append(
                make_finding(
                    "O2C-MN-03",
                    _BLOCK,
                    "management.no_collections_analysis",
                    f"collections@{month.label}",
                    params={"period": month.label, "deadline": deadline},
                    facts={
                        "salespeople": sorted(people) or "none",
                        "customers": len(customers),
                        "deadline": deadline,
                    },
                )
            )
            continue
        covered_people = frozenset().union(*(a.salespeople for a in done))
        covered_customers = frozenset().union(*(a.customers for a in done))
        gaps = [("salesperson", p) for p in sorted(people - covered_people)]
        gaps += [("customer", c) for c in sorted(customers - covered_customers)]
        tested += len(people) + len(customers)
        for what, who in gaps:
            out.append(
                make_finding(
                    "O2C-MN-03",
                    _HOLD,
                    f"management.collections_{what}_missing",
                    f"{who}@{month.label}",
                    params={"who": who, "period": month.label},
                    facts={
                        "analyses": ", ".join(sorted(a.analysis_id for a in done)),
                        "performed_on": max(a.performed_on for a in done),
                        what: who,
                    },
                    role=policy.collections_role,
                    level=policy.follow_up_level,
                )
            )
    return Examination(tested, tuple(out))


def detect_promotion_evaluation(
    records: Records, period: Period, policy: ManagementPolicy
) -> Examination:
    """O2C-MN-04: each promotion's effect is evaluated after it ends.

    Tests the promotions whose deadline (last day + ``promotion_evaluation_days``) falls in
    the period: no evaluation made after the last day and by the deadline is a BLOCK (an
    evaluation made while the promotion still ran does not count).
    """
    evaluations: dict[str, list[PromotionEvaluation]] = {}
    for e in records.promotion_evaluations:
        evaluations.setdefault(e.promotion_id, []).append(e)
    lag = dt.timedelta(days=policy.promotion_evaluation_days)
    out: list[Finding] = []
    tested: set[str] = set()
    for p in sorted(records.promotions, key=lambda p: (p.ends_on, p.promotion_id)):
        deadline = p.ends_on + lag
        if deadline not in period or p.promotion_id in tested:
            continue
        tested.add(p.promotion_id)
        found = evaluations.get(p.promotion_id, [])
        if any(p.ends_on < e.evaluated_on <= deadline for e in found):
            continue
        early = [e for e in found if e.evaluated_on <= p.ends_on]
        out.append(
            make_finding(
                "O2C-MN-04",
                _BLOCK,
                "management.promotion_not_evaluated",
                p.promotion_id,
                params={"promotion": p.promotion_id, "name": p.name, "deadline": deadline},
                facts={
                    "starts_on": p.starts_on,
                    "ends_on": p.ends_on,
                    "deadline": deadline,
                    "evaluated_on": ", ".join(str(e.evaluated_on) for e in found) or "never",
                    "before_the_end": len(early),
                },
            )
        )
    return Examination(len(tested), tuple(out))


# -- the family -------------------------------------------------------------------------------

_A = Assertion
_M = Frequency.MONTHLY

CONTROLS: tuple[Control, ...] = (
    Control(
        id="O2C-PL-01",
        version=2,
        title_zh="销售计划审核后分级审批",
        title_en="Sales plans reviewed by the marketing head, then approved by the leader in charge (monthly), the manager (annual), the office meeting (major plans)",
        objective_zh="销售计划经规定层级审定后方可执行。",
        objective_en="Sales plans take effect only once approved at the required level.",
        activity_zh="月度销售计划经营销部门负责人审核后，按规定权限报分管业务的领导审定，审批链为 {monthly_plan_approvals}；年度计划须经 {annual_plan_approvals} 审批；金额 ≥ {major_plan_amount} 或特别重大的另须 {major_plan_approvals} 审定。审批按步骤先后进行，同一人在一条审批链中只计一次，编制人的审批无效，审批须在计划开始前。系统在计划生效时检查，每月复查当月开始的计划。",
        activity_en="A monthly plan is reviewed by the marketing head and then approved by the leader in charge, as the chain {monthly_plan_approvals}; annual plans need {annual_plan_approvals}; plans of {major_plan_amount} or more, or flagged major, also {major_plan_approvals}. Steps are signed in order, a person counts once per chain, the preparer's own approval does not count and approvals must precede the plan's start. Checked when a plan is put into force and reviewed monthly for the plans starting that month.",
        risks=("R1.1", "R3.1"),
        kind=Kind.PREVENTIVE,
        frequency=_M,
        key=True,
        automation=Automation.AUTOMATED,
        assertions=(_A.OCCURRENCE,),
        seeds=("S-IC 1.2", "S-CP 3.1.3", "S-CP 3.1.4"),
        seed_quotes=(
            ("S-IC 1.2", "编制月度产品销售计划,经营销部门负责人审核后按规定权限报批。", "The monthly sales plan is drawn up, reviewed by the head of marketing and submitted for approval within the set authority."),
            ("S-CP 3.1.4", "产品销售计划传/送给企业分管业务的领导审定,特别重大的产品销售计划报企业办公会审定。", "The sales plan goes to the leader in charge of the business for approval; a particularly major plan goes to the office meeting."),
        ),
        g9=(3, 4),
        refs=("BN 30",),
        stage="plan",
        owner="planning and marketing / 计划、营销部门",
        evidence="decision log and plan approvals (who, role, level, when) before the plan's start / 决策日志和计划开始前的审批（审批人、角色、级别、时间）",
        applies_to=(SubmitSalesPlan.__name__,),
        check=check_plan_approval,
        detect=detect_plan_approvals,
        detect_at={_M},
        messages={
            "management.plan_needs_approval": (
                "销售计划 {plan}（{kind}）须经 {roles} 审批",
                "sales plan {plan} ({kind}) needs approval by {roles}",
            ),
            "management.plan_not_approved": (
                "销售计划 {plan}（{kind}）开始前缺少 {roles} 的审批",
                "sales plan {plan} ({kind}) took effect without approval by {roles}",
            ),
            "management.no_plan": (
                "{period} 没有 {kind} 销售计划",
                "no {kind} sales plan for {period}",
            ),
        },
    ),
    Control(
        id="O2C-MN-01",
        title_zh="月度经营活动分析",
        title_en="Monthly sales analysis against targets",
        objective_zh="按既定销售目标跟踪完成情况，及时调整工作部署。",
        objective_en="Performance is tracked against targets every month and the plan of work adjusted in time.",
        activity_zh="营销部门每月结束后 {analysis_within_days} 天内按目标分析完成情况；完成率低于 {min_achievement} 的须记录调整措施并经 {analysis_role} 审阅。",
        activity_en="Within {analysis_within_days} days of each month end the marketing department analyses results against targets; a unit below {min_achievement} of target needs recorded follow-up actions reviewed by {analysis_role}.",
        risks=("R1.1", "R1.2"),
        kind=Kind.DETECTIVE,
        frequency=_M,
        key=False,
        automation=Automation.MANUAL,
        assertions=(_A.PRESENTATION,),
        seeds=("S-IC 11.1", "S-PS 10"),
        seed_quotes=(
            ("S-IC 11.1", "营销部门每月进行经营活动分析,分(子)公司分管副经理针对销售任务完成情况,督促营销部门根据既定销售目标,调整后续工作部署;", "Marketing analyses its business activity every month; in the light of how far the sales targets are met, the subsidiary's deputy manager in charge has marketing adjust its further work to the set sales targets."),
            ("S-PS 10", "销售人员的销售绩效需要根据销售目标的完成情况进行评估,包括销售额、销售数量、客户满意度等指标,并定期进行反馈和总结,以促进销售人员的成长和提高。", "Salespeople's performance is assessed on how far the sales targets are met, by measures such as sales value, quantity sold and customer satisfaction, with regular feedback and review, to help salespeople grow and improve."),
        ),
        g9=(4,),
        stage="analysis",
        owner="marketing department, deputy manager / 营销部门、分管副经理",
        evidence="monthly analysis with targets, actuals, actions and review / 每月分析：目标、实际、措施和复核",
        detect=detect_monthly_analysis,
        detect_at={_M},
        messages={
            "management.no_targets": (
                "{period} 没有销售目标，无法进行分析",
                "no sales targets for {period}: nothing to analyse against",
            ),
            "management.no_actual": (
                "{unit} {period} 缺少实际销售数据",
                "{unit} has no actual sales figure for {period}",
            ),
            "management.no_analysis": (
                "{unit} {period} 的经营活动分析未在 {deadline} 前完成",
                "{unit}: no analysis of {period} by {deadline}",
            ),
            "management.shortfall_unaddressed": (
                "{unit} {period} 完成 {actual}/目标 {target}，未记录调整措施或未经审阅",
                "{unit} {period}: {actual} against a target of {target}, with no recorded follow-up or review",
            ),
            "management.currency": (
                "{unit} {period} 目标与实际币种不同，无法比较（失败关闭）",
                "{unit} {period}: target and actual are in different currencies (fails closed)",
            ),
        },
    ),
    Control(
        id="O2C-MN-02",
        title_zh="每季考核",
        title_en="Quarterly performance assessment of the marketing department",
        objective_zh="营销部门的业绩至少每季考核一次，结果与奖惩挂钩。",
        objective_en="The marketing department's performance is assessed at least quarterly, with the result tied to rewards.",
        activity_zh="绩效考核部门在每季结束后 {assessment_within_days} 天内考核 {assessed_units}，考核结果与奖惩挂钩；由 {assessment_role} 跟进。",
        activity_en="Within {assessment_within_days} days of each quarter end the assessment department assesses {assessed_units} and applies the result to rewards and penalties; followed up by {assessment_role}.",
        risks=("R1.1", "R3.1"),
        kind=Kind.DETECTIVE,
        frequency=Frequency.QUARTERLY,
        key=False,
        automation=Automation.MANUAL,
        assertions=(_A.PRESENTATION,),
        seeds=("S-IC 11.1",),
        seed_quotes=(
            ("S-IC 11.1", "绩效考核部门依据考核办法,至少每季对营销部门进行考核,考核结果与奖惩挂钩。", "The performance-assessment department assesses marketing under the assessment rules at least every quarter, and the result is tied to rewards and penalties."),
        ),
        g9=(10,),
        stage="analysis",
        owner="performance assessment department / 绩效考核部门",
        evidence="quarterly assessment record and its link to pay / 季度考核记录及其与薪酬的挂钩",
        detect=detect_quarterly_assessment,
        detect_at={Frequency.QUARTERLY},
        messages={
            "management.no_assessment": (
                "{unit} {period} 未在 {deadline} 前完成考核",
                "{unit} was not assessed for {period} by {deadline}",
            ),
            "management.assessment_not_linked": (
                "{unit} {period} 的考核结果未与奖惩挂钩",
                "{unit}: the assessment of {period} was not applied to rewards and penalties",
            ),
        },
    ),
)

CONTROLS += (
    Control(
        id="O2C-MN-03",
        title_zh="月度回款分析",
        title_en="Monthly collections analysis per salesperson and customer",
        objective_zh="每月掌握各业务员、各客户的回款情况，及早清欠。",
        objective_en="Collections are reviewed every month by salesperson and by customer, so arrears are pursued early.",
        activity_zh="每月结束后 {collections_within_days} 天内，销售、财务部门对当月回款及到期未收货款按业务员、按客户进行分析；未分析或遗漏业务员、客户的由 {collections_role} 跟进。",
        activity_en="Within {collections_within_days} days of each month end, sales and finance analyse the month's collections and the receivables due and unpaid by salesperson and by customer; a missing analysis or one leaving out a salesperson or customer is followed up by {collections_role}.",
        risks=("R1.3",),
        kind=Kind.DETECTIVE,
        frequency=_M,
        key=False,
        automation=Automation.MANUAL,
        assertions=(_A.VALUATION, _A.COMPLETENESS),
        seeds=("S-K1 5", "S-K1 4"),
        seed_quotes=(
            ("S-K1 5", "销售、财务部门每月进行货款回收分析,建立客户信用管理;", "Sales and finance analyse collections every month and build customer credit management."),
        ),
        g9=(10,),
        stage="collection",
        owner="sales department and finance / 销售、财务部门",
        evidence="monthly collections analysis listing each salesperson and customer / 列明各业务员、各客户的月度回款分析",
        detect=detect_collections_analysis,
        detect_at={_M},
        messages={
            "management.no_collections_analysis": (
                "{period} 的货款回收分析未在 {deadline} 前完成",
                "no collections analysis of {period} by {deadline}",
            ),
            "management.collections_salesperson_missing": (
                "{period} 的货款回收分析未包括业务员 {who}",
                "the collections analysis of {period} leaves out salesperson {who}",
            ),
            "management.collections_customer_missing": (
                "{period} 的货款回收分析未包括客户 {who}",
                "the collections analysis of {period} leaves out customer {who}",
            ),
        },
    ),
    Control(
        id="O2C-MN-04",
        title_zh="促销效果评估",
        title_en="Each promotion's effect evaluated after it ends",
        objective_zh="促销活动结束后评估效果，据以调整营销策略。",
        objective_en="Every promotion is evaluated once it ends and the marketing strategy adjusted on the result.",
        activity_zh="每项促销活动结束后 {promotion_evaluation_days} 天内评估其效果（活动结束前的评估不算），未评估视为控制未执行。每日检查当日到期的促销。",
        activity_en="Each promotion is evaluated within {promotion_evaluation_days} days after its last day (an evaluation made while it ran does not count); a promotion not evaluated means the control did not operate. Checked daily for the promotions whose deadline is that day.",
        risks=("R1.1",),
        kind=Kind.DETECTIVE,
        frequency=Frequency.DAILY,
        key=False,
        automation=Automation.MANUAL,
        assertions=(_A.PRESENTATION,),
        seeds=("S-MK 7",),
        seed_quotes=(
            ("S-MK 7", "定期评估营销活动的效果,根据评估结果调整营销策略和传播方式,以提升营销效果。", "Evaluate the effect of marketing activities regularly and adjust the marketing strategy and channels on the result, to improve their effect."),
        ),
        g9=(4,),
        stage="analysis",
        owner="marketing department / 营销部门",
        evidence="promotion evaluation (sales effect, cost, changes decided), dated after the promotion / 促销结束后所作的效果评估（销售效果、费用、决定的调整）",
        detect=detect_promotion_evaluation,
        detect_at={Frequency.DAILY},
        messages={
            "management.promotion_not_evaluated": (
                "促销 {promotion}（{name}）结束后未在 {deadline} 前评估效果",
                "promotion {promotion} ({name}) was not evaluated after it ended, by {deadline}",
            ),
        },
    ),
)

FAMILY = Family(
    name="management",
    title_zh="计划与经营分析",
    title_en="Planning and performance management",
    policy_type=ManagementPolicy,
    controls=CONTROLS,
)
