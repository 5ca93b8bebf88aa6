"""Issue 14, monthly and per-promotion reviews: O2C-CM-02 (commission accrued monthly from
collections and reconciled with finance, S-K1 12), O2C-MN-03 (monthly collections analysis per
salesperson and customer, S-K1 4–5), O2C-MN-04 (each promotion evaluated after it ends, S-MK 7).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from salesctl.controls.commission import CommissionPolicy, detect_commission_accrual
from salesctl.controls.management import (
    ManagementPolicy,
    detect_collections_analysis,
    detect_promotion_evaluation,
)
from salesctl.errors import InvalidInput
from salesctl.records import (
    CollectionsAnalysis,
    CommissionAccrual,
    Period,
    Promotion,
    PromotionEvaluation,
    ReceivableItem,
    Records,
)
from tests.controls._records import cny, d, outcomes

FEB_END = dt.date(2026, 2, 28)
MARCH = Period.month(2026, 3)  # February's deadline (28 Feb + 10 days) falls in March
COMMISSION = CommissionPolicy()
MANAGEMENT = ManagementPolicy()


def accrual(
    collected: str = "500000", rate: str = "0.02", accrued: str = "10000", **kw: object
) -> CommissionAccrual:
    values: dict[str, object] = {
        "accrual_id": "ACR-2026-02",
        "unit": "sales",
        "period_end": FEB_END,
        "collected": cny(collected),
        "rate": Decimal(rate),
        "accrued": cny(accrued),
        "finance_collected": cny(collected),
        "reconciled_on": d(5),
        "reconciled_by": "u-finance",
    }
    values.update(kw)
    return CommissionAccrual(**values)  # type: ignore[arg-type]


def cm(*accruals: CommissionAccrual, period: Period = MARCH) -> object:
    return detect_commission_accrual(Records(commission_accruals=accruals), period, COMMISSION)


class TestCM02CommissionAccrual:
    def test_seed_example_accrued_from_collections_and_reconciled(self) -> None:
        """S-K1 12: February's 500,000.00 collected × 2 % = 10,000.00, agreed with finance."""
        r = cm(accrual())
        assert r.tested == 1 and r.findings == ()  # type: ignore[attr-defined]

    def test_no_accrual_is_blocked(self) -> None:
        assert outcomes(cm()) == [("O2C-CM-02", "BLOCK", "sales@2026-02")]

    def test_one_cent_off_is_held(self) -> None:
        assert outcomes(cm(accrual(accrued="10000.01"))) == [("O2C-CM-02", "HOLD", "sales@2026-02")]

    def test_rounding_half_up_to_the_cent(self) -> None:
        """1,234.25 × 2 % = 24.685 → 24.69."""
        assert cm(accrual(collected="1234.25", accrued="24.69")).findings == ()  # type: ignore[attr-defined]
        assert outcomes(cm(accrual(collected="1234.25", accrued="24.68")))[0][1] == "HOLD"

    def test_finance_figure_differs_by_a_cent(self) -> None:
        a = accrual(finance_collected=cny("499999.99"))
        (f,) = cm(a).findings  # type: ignore[attr-defined]
        assert f.message == "commission.accrual_differs"

    def test_reconciled_on_the_deadline_passes_a_day_late_is_held(self) -> None:
        """Deadline: 28 Feb + 10 days = 10 March."""
        assert cm(accrual(reconciled_on=d(10))).findings == ()  # type: ignore[attr-defined]
        (f,) = cm(accrual(reconciled_on=d(11))).findings  # type: ignore[attr-defined]
        assert f.message == "commission.accrual_unreconciled"
        (f,) = cm(accrual(finance_collected=None)).findings  # type: ignore[attr-defined]
        assert f.message == "commission.accrual_unreconciled"

    def test_rate_cap(self) -> None:
        capped = CommissionPolicy(max_rate=Decimal("0.01"))
        r = detect_commission_accrual(Records(commission_accruals=[accrual()]), MARCH, capped)
        assert [f.message for f in r.findings] == ["commission.accrual_rate"]

    def test_month_end_only(self) -> None:
        with pytest.raises(InvalidInput, match=r"CommissionAccrual\.period_end"):
            accrual(period_end=dt.date(2026, 2, 27))

    def test_no_unit_is_a_weakening(self) -> None:
        assert [w.control_id for w in CommissionPolicy(accrual_units=()).weakened()] == [
            "O2C-CM-02"
        ]

    @given(
        collected=st.integers(0, 10**10),
        rate=st.integers(0, 1000),
        off=st.integers(-(10**6), 10**6).filter(bool),
    )
    def test_property_any_other_amount_is_held(self, collected: int, rate: int, off: int) -> None:
        """Attacker: any accrual other than collected × rate (to the cent) is an exception."""
        base = cny(str(Decimal(collected) / 100))
        r_ = Decimal(rate) / 10000
        right = base.times(r_)
        wrong = right.amount + Decimal(off) / 100
        if wrong < 0:
            return
        a = accrual(collected=str(base.amount), rate=str(r_), accrued=str(wrong))
        assert outcomes(cm(a)) == [("O2C-CM-02", "HOLD", "sales@2026-02")]
        assert (
            cm(
                accrual(collected=str(base.amount), rate=str(r_), accrued=str(right.amount))
            ).findings
            == ()
        )  # type: ignore[attr-defined]


def item(
    id: str, customer: str, rep: str | None, due: dt.date, settled: dt.date | None = None
) -> ReceivableItem:
    return ReceivableItem(
        item_id=id,
        customer_id=customer,
        due_on=due,
        amount=cny(1000),
        settled_on=settled,
        salesperson=rep,
    )


ITEMS = (
    item("INV-1", "C-1", "u-rep-1", dt.date(2026, 2, 10), dt.date(2026, 2, 12)),  # collected
    item("INV-2", "C-2", "u-rep-2", dt.date(2026, 2, 20)),  # due and open
    item("INV-3", "C-3", "u-rep-3", dt.date(2026, 4, 30)),  # not due yet: not in February's
)


def analysis(**kw: object) -> CollectionsAnalysis:
    values: dict[str, object] = {
        "analysis_id": "CA-2026-02",
        "period_end": FEB_END,
        "performed_on": d(6),
        "performed_by": "u-sales-finance",
        "salespeople": {"u-rep-1", "u-rep-2"},
        "customers": {"C-1", "C-2"},
    }
    values.update(kw)
    return CollectionsAnalysis(**values)  # type: ignore[arg-type]


def mn3(*analyses: CollectionsAnalysis, items: tuple[ReceivableItem, ...] = ITEMS) -> object:
    return detect_collections_analysis(
        Records(receivables=items, collections_analyses=analyses), MARCH, MANAGEMENT
    )


class TestMN03CollectionsAnalysis:
    def test_seed_example_every_salesperson_and_customer_analysed(self) -> None:
        """S-K1 5: sales and finance analyse February's collections by salesperson and customer."""
        assert mn3(analysis()).findings == ()  # type: ignore[attr-defined]

    def test_no_analysis_is_blocked(self) -> None:
        assert outcomes(mn3()) == [("O2C-MN-03", "BLOCK", "collections@2026-02")]

    def test_analysis_made_after_the_deadline_does_not_count(self) -> None:
        """Deadline 10 March: made on the 10th counts, on the 11th not."""
        assert mn3(analysis(performed_on=d(10))).findings == ()  # type: ignore[attr-defined]
        assert outcomes(mn3(analysis(performed_on=d(11))))[0][1] == "BLOCK"

    def test_left_out_salesperson_and_customer_are_held(self) -> None:
        r = mn3(analysis(salespeople={"u-rep-1"}, customers={"C-2"}))
        assert outcomes(r) == [
            ("O2C-MN-03", "HOLD", "u-rep-2@2026-02"),
            ("O2C-MN-03", "HOLD", "C-1@2026-02"),
        ]

    def test_two_analyses_cover_together(self) -> None:
        a = analysis(salespeople={"u-rep-1"}, customers={"C-1"})
        b2 = analysis(analysis_id="CA-2026-02b", salespeople={"u-rep-2"}, customers={"C-2"})
        assert mn3(a, b2).findings == ()  # type: ignore[attr-defined]

    @given(
        st.sets(st.sampled_from(["u-rep-1", "u-rep-2"])), st.sets(st.sampled_from(["C-1", "C-2"]))
    )
    def test_property_coverage_gaps_are_found(self, people: set[str], customers: set[str]) -> None:
        """Attacker: an analysis leaving out anyone in the month's population never passes."""
        r = mn3(analysis(salespeople=people, customers=customers))
        missing = ({"u-rep-1", "u-rep-2"} - people) | ({"C-1", "C-2"} - customers)
        assert {doc.split("@")[0] for *_, doc in outcomes(r)} == missing


def promo(ends: int = 10, **kw: object) -> Promotion:
    values: dict[str, object] = {
        "promotion_id": "PROMO-03",
        "name": "member offer",
        "starts_on": d(1),
        "ends_on": d(ends),
    }
    values.update(kw)
    return Promotion(**values)  # type: ignore[arg-type]


def evaluated(day: dt.date) -> PromotionEvaluation:
    return PromotionEvaluation(
        promotion_id="PROMO-03", evaluated_on=day, evaluated_by="u-analyst", result="sales +12 %"
    )


def mn4(
    *evaluations: PromotionEvaluation, period: Period, policy: ManagementPolicy = MANAGEMENT
) -> object:
    return detect_promotion_evaluation(
        Records(promotions=[promo()], promotion_evaluations=evaluations), period, policy
    )


DEADLINE = Period.day(dt.date(2026, 4, 9))  # 10 March + 30 days


class TestMN04PromotionEvaluation:
    def test_seed_example_evaluated_after_it_ended(self) -> None:
        """S-MK 7: the promotion ended on 10 March and was evaluated on the 17th."""
        r = mn4(evaluated(d(17)), period=DEADLINE)
        assert r.tested == 1 and r.findings == ()  # type: ignore[attr-defined]

    def test_never_evaluated_is_blocked_on_the_deadline_only(self) -> None:
        assert outcomes(mn4(period=DEADLINE)) == [("O2C-MN-04", "BLOCK", "PROMO-03")]
        assert mn4(period=Period.day(dt.date(2026, 4, 8))).tested == 0  # type: ignore[attr-defined]

    def test_evaluation_before_the_end_does_not_count(self) -> None:
        """An evaluation on the last day, while it still ran, is not an evaluation of its effect."""
        assert outcomes(mn4(evaluated(d(10)), period=DEADLINE))[0][1] == "BLOCK"

    def test_due_the_day_after_it_ends(self) -> None:
        """With one day allowed: evaluated on the 11th passes, on the 12th (late) not."""
        one = ManagementPolicy(promotion_evaluation_days=1)
        day_after = Period.day(d(11))
        assert mn4(evaluated(d(11)), period=day_after, policy=one).findings == ()  # type: ignore[attr-defined]
        assert outcomes(mn4(evaluated(d(12)), period=day_after, policy=one))[0][1] == "BLOCK"

    def test_zero_days_refused(self) -> None:
        with pytest.raises(InvalidInput, match="promotion_evaluation_days"):
            ManagementPolicy(promotion_evaluation_days=0)

    def test_end_before_start_refused(self) -> None:
        with pytest.raises(InvalidInput, match=r"Promotion\.ends_on"):
            promo(ends=1, starts_on=d(5))

    @given(st.integers(-40, 60))
    def test_property_only_an_evaluation_after_the_end_and_by_the_deadline(
        self, offset: int
    ) -> None:
        """Attacker: an evaluation dated any day passes only within (end, end + 30 days]."""
        day = d(10) + dt.timedelta(days=offset)
        r = mn4(evaluated(day), period=DEADLINE)
        assert (r.findings == ()) == (1 <= offset <= 30)  # type: ignore[attr-defined]
