"""The credit family, control by control: each fires and each passes.

The cases follow the seed: S-IC 2.1 (系统默认信用主数据应为高风险级别或零信用), 2.2 (不相容岗位
人员提出…经营销及财务部门负责人审核后,报分(子)公司经理…审批), 2.3 (在客户信用限额内…签订
《货款回笼责任书》), 5.1 (超出规定信用额度的须重新履行审批程序,或…一次性释放冻结的订单), S-PM B
(检查客户的信誉额度、信誉天数), S-CP 3.2.4★ (分管业务的领导和总会计师审批,特别重大的赊销方案报
企业办公会审定) and S-FT (汇付、托收、信用证).
"""

from __future__ import annotations

import datetime as dt

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import salesctl as sc
from salesctl.controls import credit
from salesctl.errors import InvalidInput
from salesctl.reconcile import CreditFile, Period, Records
from tests import builders as b

POLICY = credit.CreditPolicy()


def only(cid: str) -> sc.Gate:
    return sc.Gate(only=[cid])


def _release(**kw: object) -> sc.CreditRelease:
    base: dict[str, object] = dict(
        id="REL-1", order_id="SO-2026-0042", max_amount=b.cny("20000"), granted_by=b.MAINTAINER,
        granted_at=b.at(2, 9), expires_at=b.at(3, 18),
    )
    base.update(kw)
    return sc.CreditRelease(**base)  # type: ignore[arg-type]


class TestCR01NewCustomer:
    NEW = sc.Customer(id="C-NEW", credit_profile=None)

    def test_fires_on_credit_terms(self) -> None:
        """No profile + credit terms → BLOCK (high risk, zero credit by default)."""
        d = only("O2C-CR-01").check(b.place(b.order(cust=self.NEW)), b.context())
        assert d.outcome is sc.Outcome.BLOCK
        assert dict(d.findings[0].facts)["grade"] == "HIGH_RISK"
        assert "默认高风险、零信用" in d.explain("zh")

    @pytest.mark.parametrize("method", [sc.PaymentMethod.PREPAYMENT, sc.PaymentMethod.LETTER_OF_CREDIT, sc.PaymentMethod.CASH])
    def test_passes_without_credit(self, method: sc.PaymentMethod) -> None:
        """Prepayment, L/C or cash consume no credit → nothing to stop."""
        d = only("O2C-CR-01").check(b.place(b.order(cust=self.NEW, method=method, days=0)), b.context())
        assert d.outcome is sc.Outcome.ALLOW

    def test_passes_with_profile(self) -> None:
        """A customer with an approved profile is not a new customer."""
        assert only("O2C-CR-01").check(b.place(), b.context()).outcome is sc.Outcome.ALLOW


class TestCR02ProfileDuties:
    APP = "CA-1"
    APPROVALS = (
        b.approval(APP, "marketing_head", b.actor("u-mkt", "marketing_head", level=3), id="A-MKT"),
        b.approval(APP, "finance_head", b.actor("u-fh", "finance_head", level=3), id="A-FH"),
        b.approval(APP, "general_manager", b.actor("u-gm", "general_manager", level=4), id="A-GM"),
    )

    def _txn(self, actor: sc.Actor = b.MAINTAINER, **kw: object) -> sc.SetCreditProfile:
        return sc.SetCreditProfile(customer=b.customer(), profile=b.profile(**kw), application_id=self.APP,
                                   actor=actor, at=b.AT)

    def test_passes_with_separate_proposer_and_approvers(self) -> None:
        """Proposed by sales, approved by marketing, finance and the GM, entered by finance → ALLOW."""
        d = only("O2C-CR-02").check(self._txn(), b.context(approvals=self.APPROVALS))
        assert d.outcome is sc.Outcome.ALLOW
        assert set(d.findings[0].cleared_by) == {"A-MKT", "A-FH", "A-GM"}

    def test_holds_without_approvals(self) -> None:
        """No approvals yet → HOLD naming the three roles."""
        d = only("O2C-CR-02").check(self._txn(), b.context(approvals=()))
        assert d.outcome is sc.Outcome.HOLD
        assert {r.role for r in d.required_approvals} == {"marketing_head", "finance_head", "general_manager"}

    def test_proposer_approval_does_not_count(self) -> None:
        """不相容岗位: the proposer approving as marketing head leaves the hold in place."""
        self_appr = b.approval(self.APP, "marketing_head", b.actor("u-prop", "marketing_head", level=3), id="A-SELF")
        d = only("O2C-CR-02").check(self._txn(), b.context(approvals=(self_appr, *self.APPROVALS[1:])))
        assert d.outcome is sc.Outcome.HOLD
        # the marketing review is open, and the GM approves after both heads (S-IC 2.2)
        assert [r.role for r in d.required_approvals] == ["marketing_head", "general_manager"]
        assert ("A-SELF", "proposer") in {(x.approval_id, x.reason) for x in d.findings[0].rejected}

    def test_blocks_self_approval_and_wrong_maintainer(self) -> None:
        """Recorded self-approval, a maintainer without the role, or the proposer entering → BLOCK."""
        ctx = b.context(approvals=self.APPROVALS)
        assert only("O2C-CR-02").check(self._txn(approved_by=("u-prop",)), ctx).outcome is sc.Outcome.BLOCK
        assert only("O2C-CR-02").check(self._txn(actor=b.REP), ctx).outcome is sc.Outcome.BLOCK
        proposer = b.actor("u-prop", "credit_master_maintainer", level=2)
        assert only("O2C-CR-02").check(self._txn(actor=proposer), ctx).outcome is sc.Outcome.BLOCK
        assert only("O2C-CR-02").check(self._txn(grade="ZZZ"), ctx).outcome is sc.Outcome.BLOCK


class TestCR04Limit:
    def test_within_limit_passes(self) -> None:
        """Exposure 490,000 + order 10,000 = limit 500,000 exactly → ALLOW."""
        ctx = b.context(exposure=b.exposure(open_orders="200000", delivered="90000", receivables="200000"))
        assert only("O2C-CR-04").check(b.place(), ctx).outcome is sc.Outcome.ALLOW

    def test_one_cent_over_holds_for_credit_role(self) -> None:
        """One cent over the limit → HOLD for the credit manager, with the excess as a fact."""
        ctx = b.context(exposure=b.exposure(open_orders="200000", delivered="90000", receivables="200000.01"))
        d = only("O2C-CR-04").check(b.place(), ctx)
        assert d.outcome is sc.Outcome.HOLD
        assert d.required_approvals[0].role == "credit_manager"
        assert dict(d.findings[0].facts)["excess"] == "0.01 CNY"

    def test_categories_follow_the_policy(self) -> None:
        """Exposure categories not named in the policy are not counted."""
        ctx = b.context(exposure=b.exposure(open_orders="495000"))
        p = sc.Policy(families={"credit": credit.CreditPolicy(exposure_categories=frozenset({"open_receivables"}))})
        assert sc.Gate(p, only=["O2C-CR-04"]).check(b.place(), ctx).outcome is sc.Outcome.ALLOW
        assert only("O2C-CR-04").check(b.place(), ctx).outcome is sc.Outcome.HOLD

    def test_valid_release_allows_with_evidence(self) -> None:
        """Over the limit with a valid one-time release → ALLOW citing the release."""
        ctx = b.context(exposure=b.exposure(receivables="495000"), releases=(_release(),))
        d = only("O2C-CR-04").check(b.place(), ctx)
        assert d.outcome is sc.Outcome.ALLOW
        assert d.findings[0].cleared_by == ("REL-1",)

    def test_reapproval_clears(self) -> None:
        """Over the limit, re-approved by the credit manager → ALLOW."""
        appr = b.approval(role="credit_manager", approver=b.CREDIT_MANAGER, id="A-CM")
        d = only("O2C-CR-04").check(b.place(), b.context(exposure=b.exposure(receivables="495000"), approvals=(appr,)))
        assert d.outcome is sc.Outcome.ALLOW

    def test_missing_exposure_fails_closed(self) -> None:
        """No exposure in the context on credit terms → BLOCK."""
        d = only("O2C-CR-04").check(b.place(), b.context(exposure=None))
        assert d.outcome is sc.Outcome.BLOCK

    def test_prepayment_never_checks_the_limit(self) -> None:
        """Prepayment consumes no credit, so the limit does not apply."""
        o = b.order(method=sc.PaymentMethod.PREPAYMENT, days=0)
        assert only("O2C-CR-04").check(b.place(o), b.context(exposure=None)).outcome is sc.Outcome.ALLOW


class TestCR05CreditDays:
    def test_overdue_beyond_grace_holds(self) -> None:
        """An item due 2026-01-31 is 30 days overdue on 2026-03-02 → HOLD."""
        ctx = b.context(exposure=b.exposure(receivables="50000", overdue="20000", oldest=dt.date(2026, 1, 31)))
        d = only("O2C-CR-05").check(b.place(), ctx)
        assert d.outcome is sc.Outcome.HOLD
        assert dict(d.findings[0].facts)["days_overdue"] == "30"

    def test_within_grace_passes(self) -> None:
        """With 30 grace days, 30 days overdue passes and 31 would not."""
        p = sc.Policy(families={"credit": credit.CreditPolicy(overdue_grace_days=30)})
        ctx = b.context(exposure=b.exposure(receivables="50000", overdue="20000", oldest=dt.date(2026, 1, 31)))
        assert sc.Gate(p, only=["O2C-CR-05"]).check(b.place(), ctx).outcome is sc.Outcome.ALLOW
        ctx31 = b.context(exposure=b.exposure(receivables="50000", overdue="20000", oldest=dt.date(2026, 1, 30)))
        assert sc.Gate(p, only=["O2C-CR-05"]).check(b.place(), ctx31).outcome is sc.Outcome.HOLD

    def test_nothing_overdue_passes(self) -> None:
        """Open but not overdue receivables → ALLOW."""
        assert only("O2C-CR-05").check(b.place(), b.context(exposure=b.exposure(receivables="1"))).outcome is sc.Outcome.ALLOW


class TestCR06Release:
    CTX = b.context(exposure=b.exposure(receivables="495000"))

    @pytest.mark.parametrize(
        ("release", "consumed", "problem"),
        [
            (_release(), {"REL-1"}, "consumed"),
            (_release(granted_at=b.at(1), expires_at=b.at(2, 9)), set(), "expired"),
            (_release(granted_at=b.at(2, 11), expires_at=b.at(3)), set(), "not_yet_valid"),
            (_release(granted_by=b.REP), set(), "granter_role"),
            (_release(granted_by=b.actor("u-rep", "credit_master_maintainer")), set(), "granter_is_seller"),
            (_release(max_amount=b.cny("9999.99")), set(), "amount"),
        ],
    )
    def test_unusable_release_holds(self, release: sc.CreditRelease, consumed: set[str], problem: str) -> None:
        """Consumed, expired, early, wrong granter, seller-granted or too small → HOLD, and CR-04 holds too."""
        ctx = attrs.evolve(self.CTX, releases=(release,), consumed_releases=consumed)
        d = sc.Gate(only=["O2C-CR-04", "O2C-CR-06"]).check(b.place(), ctx)
        assert d.outcome is sc.Outcome.HOLD
        cr06 = d.findings_for("O2C-CR-06")[0]
        assert dict(cr06.facts)["problem"] == problem
        assert d.findings_for("O2C-CR-04")[0].outcome is sc.Outcome.HOLD

    def test_a_limit_that_cannot_be_evaluated_leaves_the_release_problem_standing(self) -> None:
        """A USD limit, a CNY order and no rate: O2C-CR-04 fails closed (BLOCK), and O2C-CR-06
        still holds for the seller-granted release, its ``over_limit_in`` fact saying the limit
        could not be evaluated (found by the reference-model property: CR-06 used to fail
        closed too, hiding the release's own problem)."""
        usd = b.customer(prof=attrs.evolve(b.profile(), limit=sc.Money("500000", "USD")))
        release = _release(granted_by=b.actor("u-rep", "credit_master_maintainer"))
        ctx = attrs.evolve(self.CTX, releases=(release,))
        d = sc.Gate(only=["O2C-CR-04", "O2C-CR-06"]).check(b.place(b.order(cust=usd)), ctx)
        assert d.outcome is sc.Outcome.BLOCK
        assert d.findings_for("O2C-CR-04")[0].message == "gate.evaluation_error"
        cr06 = d.findings_for("O2C-CR-06")[0]
        assert (cr06.outcome, dict(cr06.facts)["problem"]) == (sc.Outcome.HOLD, "granter_is_seller")
        assert dict(cr06.facts)["over_limit_in"].startswith("not evaluated")

    def test_valid_release_passes(self) -> None:
        """A valid release raises no CR-06 finding."""
        ctx = attrs.evolve(self.CTX, releases=(_release(),))
        assert only("O2C-CR-06").check(b.place(), ctx).findings == ()

    def test_release_order_naming_a_missing_release_blocks(self) -> None:
        """ReleaseOrder naming a release the context does not hold → BLOCK."""
        txn = sc.ReleaseOrder(order=b.order(), release_id="REL-404", actor=b.MAINTAINER, at=b.AT)
        assert only("O2C-CR-06").check(txn, self.CTX).outcome is sc.Outcome.BLOCK

    def test_release_for_another_order_is_not_picked(self) -> None:
        """A release for another order does not release this one."""
        ctx = attrs.evolve(self.CTX, releases=(_release(order_id="SO-OTHER"),))
        assert only("O2C-CR-04").check(b.place(), ctx).outcome is sc.Outcome.HOLD


class TestCR07CollectionLetter:
    def test_fires_without_any_letter(self) -> None:
        """Credit sale, no letter on the order or profile → BLOCK."""
        o = b.order(cust=b.customer(prof=b.profile(collection_letter_ref=None)))
        assert only("O2C-CR-07").check(b.place(o), b.context()).outcome is sc.Outcome.BLOCK

    def test_passes_with_order_or_summary_letter(self) -> None:
        """单笔或汇总: a letter on the order or a summary letter on the profile satisfies it."""
        o = b.order(cust=b.customer(prof=b.profile(collection_letter_ref=None)), collection_letter_ref="L-9")
        assert only("O2C-CR-07").check(b.place(o), b.context()).outcome is sc.Outcome.ALLOW
        assert only("O2C-CR-07").check(b.place(), b.context()).outcome is sc.Outcome.ALLOW


class TestCR08MajorSale:
    def _big(self, amount: str) -> sc.SalesOrder:
        return b.order(lines=(b.line(1, "1", amount),), cust=b.customer(prof=b.profile(limit=b.cny("99999999"))))

    def test_below_band_passes(self) -> None:
        """999,999.99 is below the first band → no finding."""
        assert only("O2C-CR-08").check(b.place(self._big("999999.99")), b.context()).outcome is sc.Outcome.ALLOW

    def test_major_band_needs_vp_and_chief_accountant(self) -> None:
        """1,000,000 → HOLD for the business VP and the chief accountant."""
        d = only("O2C-CR-08").check(b.place(self._big("1000000")), b.context())
        assert {r.role for r in d.required_approvals} == {"business_vp", "chief_accountant"}

    def test_very_large_band_needs_office_meeting(self) -> None:
        """5,000,000 → the office meeting (特别重大的赊销方案报企业办公会审定)."""
        d = only("O2C-CR-08").check(b.place(self._big("5000000")), b.context())
        assert [r.role for r in d.required_approvals] == ["office_meeting"]

    def test_cash_sale_is_not_a_credit_sale(self) -> None:
        """A large cash sale is not a major *credit* sale."""
        o = attrs.evolve(self._big("6000000"), payment=sc.PaymentTerms(sc.PaymentMethod.CASH))
        assert only("O2C-CR-08").check(b.place(o), b.context()).outcome is sc.Outcome.ALLOW


class TestCR09PaymentMethod:
    def test_high_risk_customer_on_open_account_blocks(self) -> None:
        """A HIGH_RISK customer may not buy on T/T open account."""
        o = b.order(cust=b.customer(prof=b.profile(grade="HIGH_RISK")), method=sc.PaymentMethod.TT_OPEN_ACCOUNT)
        d = only("O2C-CR-09").check(b.place(o), b.context())
        assert d.outcome is sc.Outcome.BLOCK
        assert dict(d.findings[0].facts)["consumes_credit"] == "True"

    def test_grade_c_may_use_collection_but_not_acceptance(self) -> None:
        """Grade C: D/P allowed, D/A not."""
        c = b.customer(prof=b.profile(grade="C"))
        ok = b.order(cust=c, method=sc.PaymentMethod.DOCUMENTS_AGAINST_PAYMENT)
        no = b.order(cust=c, method=sc.PaymentMethod.DOCUMENTS_AGAINST_ACCEPTANCE)
        assert only("O2C-CR-09").check(b.place(ok), b.context()).outcome is sc.Outcome.ALLOW
        assert only("O2C-CR-09").check(b.place(no), b.context()).outcome is sc.Outcome.BLOCK

    def test_unknown_grade_fails_closed(self) -> None:
        """A grade the policy does not configure → BLOCK."""
        o = b.order(cust=b.customer(prof=b.profile(grade="Z")))
        assert only("O2C-CR-09").check(b.place(o), b.context()).findings[0].message == "credit.unknown_grade"

    def test_consumes_credit_classification(self) -> None:
        """Prepayment, cash and L/C consume no credit; the others do."""
        free = {sc.PaymentMethod.CASH, sc.PaymentMethod.PREPAYMENT, sc.PaymentMethod.LETTER_OF_CREDIT}
        for m in sc.PaymentMethod:
            assert credit.consumes_credit(b.order(method=m), POLICY) is (m not in free)


# -- O2C-CR-03 (detective, run by salesctl.reconcile.run) -----------------------------------------


def day(day: int, month: int = 3, year: int = 2026) -> dt.date:
    return dt.date(year, month, day)


def findings(result: object) -> list[tuple[str, str, str, str]]:
    return [
        (f.control_id, f.outcome.name, f.facts[0][1], f.message)
        for f in result.findings  # type: ignore[attr-defined]
    ]


class TestCreditReviews:
    def test_file_reviewed_within_a_year_passes(self) -> None:
        """S-IC 2.2: opened 10 Mar 2025, reviewed 1 Mar 2026: nothing overdue in March 2026."""
        f = CreditFile(customer_id="C-1", opened_on=day(10, 3, 2025), reviewed_on=(day(1),))
        r = credit.detect_credit_reviews(Records(credit_files=[f]), Period.month(2026, 3), POLICY)
        assert r.tested == 1 and r.findings == ()

    def test_file_not_reviewed_within_a_year_is_held(self) -> None:
        """Opened 10 Mar 2025, never reviewed: due 10 Mar 2026, flagged in March."""
        f = CreditFile(customer_id="C-1", opened_on=day(10, 3, 2025))
        r = credit.detect_credit_reviews(Records(credit_files=[f]), Period.month(2026, 3), POLICY)
        assert findings(r) == [("O2C-CR-03", "HOLD", "C-1", "receivables.review_overdue")]
        assert r.findings[0].required[0].role == "credit_manager"

    def test_overdue_review_is_reported_once_not_every_month(self) -> None:
        """April does not repeat March's lapse; the next year's lapse comes a year later."""
        f = CreditFile(customer_id="C-1", opened_on=day(10, 3, 2025))
        records = Records(credit_files=[f])
        april = credit.detect_credit_reviews(records, Period.month(2026, 4), POLICY)
        assert april.findings == () and april.tested == 1  # the file is reviewed, none due
        later = credit.detect_credit_reviews(records, Period.year(2027), POLICY)
        assert [dict(x.facts)["due"] for x in later.findings] == ["2027-03-10"]

    def test_late_review_does_not_cure_the_lapse(self) -> None:
        """Reviewed on 20 Mar 2026, after the 10 Mar due date: still an exception."""
        f = CreditFile(customer_id="C-1", opened_on=day(10, 3, 2025), reviewed_on=(day(20),))
        r = credit.detect_credit_reviews(Records(credit_files=[f]), Period.month(2026, 3), POLICY)
        assert len(r.findings) == 1

    def test_closed_file_falls_due_no_more(self) -> None:
        """Credit withdrawn before the due date."""
        f = CreditFile(customer_id="C-1", opened_on=day(10, 3, 2025), closed_on=day(1, 1))
        assert (
            credit.detect_credit_reviews(
                Records(credit_files=[f]), Period.month(2026, 3), POLICY
            ).tested
            == 0
        )

    def test_interval_is_a_policy_parameter(self) -> None:
        """With 180 days, a file opened 1 Sep 2025 is due 28 Feb 2026."""
        f = CreditFile(customer_id="C-1", opened_on=day(1, 9, 2025))
        r = credit.detect_credit_reviews(
            Records(credit_files=[f]),
            Period.month(2026, 2),
            credit.CreditPolicy(max_review_interval_days=180),
        )
        assert len(r.findings) == 1


def test_review_interval_must_be_at_least_a_day() -> None:
    """Impossible parameters raise InvalidInput."""
    with pytest.raises(InvalidInput):
        credit.CreditPolicy(max_review_interval_days=0)


@settings(max_examples=200, deadline=None)
@given(flips=st.lists(st.booleans(), min_size=5, max_size=5))
def test_a_release_granted_by_the_seller_in_any_case_never_clears_the_order(flips: list[bool]) -> None:
    """Attacker: the seller (``u-rep``) grants the release under their own id in another case
    (``U-rep``, ``u-REP``…); the granter is still the seller, so CR-06 holds and CR-04 too."""
    granter = "".join(c.upper() if up else c for c, up in zip("u-rep", flips, strict=True))
    rel = _release(granted_by=b.actor(granter, "credit_master_maintainer"))
    ctx = attrs.evolve(TestCR06Release.CTX, releases=(rel,))
    d = sc.Gate(only=["O2C-CR-04", "O2C-CR-06"]).check(b.place(), ctx)
    assert d.outcome is sc.Outcome.HOLD
    assert dict(d.findings_for("O2C-CR-06")[0].facts)["problem"] == "granter_is_seller"
