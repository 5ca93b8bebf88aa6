"""Receivables family: O2C-CR-03 (credit reviews), O2C-AR-01 (overdue escalation), O2C-AR-02."""

from __future__ import annotations

import datetime as dt

import pytest

import salesctl as sc
from salesctl.controls.receivables import (
    ReceivablesPolicy,
    detect_consignment,
    detect_overdue_receivables,
    payment_deadline,
)
from salesctl.errors import InvalidInput
from salesctl.model import end_of_month_plus
from salesctl.reconcile import ConsignmentCount, Period, ReceivableItem, Records

POLICY = ReceivablesPolicy()


def d(day: int, month: int = 3, year: int = 2026) -> dt.date:
    return dt.date(year, month, day)


def cny(x: str | int) -> sc.Money:
    return sc.Money(str(x), "CNY")


def findings(result: object) -> list[tuple[str, str, str, str]]:
    return [
        (f.control_id, f.outcome.name, f.facts[0][1], f.message)
        for f in result.findings  # type: ignore[attr-defined]
    ]


def item(due: dt.date, amount: str = "80000", **kw: object) -> ReceivableItem:
    return ReceivableItem(
        item_id=kw.pop("item_id", "INV-1"),  # type: ignore[arg-type]
        customer_id="C-1",
        due_on=due,
        amount=cny(amount),
        salesperson="u-rep",
        **kw,  # type: ignore[arg-type]
    )


class TestOverdueReceivables:
    def test_interest_charged_in_time_passes(self) -> None:
        """S-K1 5: due 1 Feb, 30 days overdue on 3 Mar, interest charged 5 Mar."""
        r = detect_overdue_receivables(
            Records(receivables=[item(d(1, 2), interest_charged_on=d(5))]),
            Period.month(2026, 3),
            POLICY,
        )
        assert r.tested == 1 and r.findings == ()

    def test_interest_not_charged_is_held(self) -> None:
        """Due 1 Feb, still open at the end of March, no interest: a HOLD."""
        r = detect_overdue_receivables(
            Records(receivables=[item(d(1, 2))]), Period.month(2026, 3), POLICY
        )
        assert findings(r) == [("O2C-AR-01", "HOLD", "INV-1", "receivables.interest_not_taken")]

    def test_paid_before_the_month_end_needs_no_step(self) -> None:
        """Settled on 20 Mar: no longer open at the review."""
        r = detect_overdue_receivables(
            Records(receivables=[item(d(1, 2), settled_on=d(20))]), Period.month(2026, 3), POLICY
        )
        assert r.findings == ()

    def test_commission_offset_step(self) -> None:
        """Due 1 Dec 2025: 90 days on 1 Mar 2026; not set against commission: HOLD."""
        it = item(d(1, 12, 2025), interest_charged_on=d(5, 1))
        r = detect_overdue_receivables(Records(receivables=[it]), Period.month(2026, 3), POLICY)
        assert findings(r) == [
            ("O2C-AR-01", "HOLD", "INV-1", "receivables.commission_offset_not_taken")
        ]

    def test_litigation_only_from_the_threshold(self) -> None:
        """Due 2 Sep 2025 (180 days on 1 Mar): 80,000 open needs litigation; 30,000 does not."""
        big = item(d(2, 9, 2025))
        small = item(d(2, 9, 2025), amount="30000", item_id="INV-2")
        r = detect_overdue_receivables(
            Records(receivables=[big, small]), Period.month(2026, 3), POLICY
        )
        assert findings(r) == [("O2C-AR-01", "HOLD", "INV-1", "receivables.litigation_not_taken")]
        assert r.findings[0].required[0].role == "general_manager"
        started = item(d(2, 9, 2025), litigation_on=d(10))
        assert (
            detect_overdue_receivables(
                Records(receivables=[started]), Period.month(2026, 3), POLICY
            ).findings
            == ()
        )

    def test_open_amount_decides_litigation(self) -> None:
        """80,000 invoiced but only 10,000 still open: below the threshold."""
        it = item(d(2, 9, 2025), open_amount=cny(10000))
        assert (
            detect_overdue_receivables(
                Records(receivables=[it]), Period.month(2026, 3), POLICY
            ).findings
            == ()
        )

    def test_steps_can_be_switched_off(self) -> None:
        """interest_after_days = None: no interest step (the item is still aged)."""
        policy = ReceivablesPolicy(interest_after_days=None)
        r = detect_overdue_receivables(
            Records(receivables=[item(d(1, 2))]), Period.month(2026, 3), policy
        )
        assert r.tested == 1 and r.findings == ()

    def test_other_currency_fails_closed_at_litigation(self) -> None:
        """A USD receivable cannot be compared with a CNY threshold."""
        it = ReceivableItem(
            item_id="INV-U", customer_id="C-1", due_on=d(2, 9, 2025), amount=sc.Money("9000", "USD")
        )
        r = detect_overdue_receivables(Records(receivables=[it]), Period.month(2026, 3), POLICY)
        assert findings(r) == [("O2C-AR-01", "BLOCK", "INV-U", "receivables.currency")]


def consignment(**kw: object) -> ConsignmentCount:
    """S-YF 11's example: 30,000 placed, 12,000 counted at month end, 18,000 settled."""
    values: dict[str, object] = {
        "count_id": "PD-YF-03",
        "customer_id": "D-YF",
        "period_end": d(31),
        "opening": cny(30000),
        "counted": cny(12000),
        "settlement": cny(18000),
        "confirmed": True,
        "paid": cny(18000),
        "paid_on": d(4, 4),
    }
    values.update(kw)
    return ConsignmentCount(**values)  # type: ignore[arg-type]


class TestConsignment:
    def test_seed_example_passes(self) -> None:
        """期初 30,000 − 盘点 12,000 = 结算 18,000, confirmed, paid on 4 Apr (before the 5th)."""
        records = Records(consignment_counts=[consignment()])
        assert detect_consignment(records, Period.month(2026, 3), POLICY).findings == ()
        assert detect_consignment(records, Period.month(2026, 4), POLICY).findings == ()

    def test_paid_after_the_fifth_is_held(self) -> None:
        """Paid on 8 Apr: late, reported in April."""
        r = detect_consignment(
            Records(consignment_counts=[consignment(paid_on=d(8, 4))]),
            Period.month(2026, 4),
            POLICY,
        )
        assert findings(r) == [("O2C-AR-02", "HOLD", "PD-YF-03", "receivables.settlement_unpaid")]

    def test_paid_on_the_fifth_counts_as_on_time(self) -> None:
        """次月5日前 read as on or before the 5th (pay_by_day = 5)."""
        records = Records(consignment_counts=[consignment(paid_on=d(5, 4))])
        assert detect_consignment(records, Period.month(2026, 4), POLICY).findings == ()
        strict = ReceivablesPolicy(pay_by_day=4)
        assert len(detect_consignment(records, Period.month(2026, 4), strict).findings) == 1

    def test_unpaid_and_underpaid_are_held(self) -> None:
        """Nothing paid, or 15,000 of 18,000."""
        for c in (consignment(paid=None, paid_on=None), consignment(paid=cny(15000))):
            r = detect_consignment(Records(consignment_counts=[c]), Period.month(2026, 4), POLICY)
            assert [x.message for x in r.findings] == ["receivables.settlement_unpaid"]

    def test_settlement_not_opening_minus_counted_is_held(self) -> None:
        """Settlement 16,000 where 30,000 − 12,000 = 18,000."""
        r = detect_consignment(
            Records(consignment_counts=[consignment(settlement=cny(16000))]),
            Period.month(2026, 3),
            POLICY,
        )
        assert findings(r) == [("O2C-AR-02", "HOLD", "PD-YF-03", "receivables.settlement_mismatch")]
        assert dict(r.findings[0].facts)["expected"] == "18000.00 CNY"

    def test_unconfirmed_count_and_over_limit_stock_are_held(self) -> None:
        """Not confirmed by both finance departments; 35,000 placed over the 30,000 limit."""
        c = consignment(confirmed=False, opening=cny(35000), settlement=cny(23000), paid=cny(23000))
        r = detect_consignment(Records(consignment_counts=[c]), Period.month(2026, 3), POLICY)
        assert sorted(x.message for x in r.findings) == [
            "receivables.consignment_over_limit",
            "receivables.settlement_unconfirmed",
        ]

    def test_deadline_rolls_over_the_year(self) -> None:
        """December's count is paid by 5 January."""
        c = consignment(period_end=d(31, 12))
        assert payment_deadline(c, POLICY) == dt.date(2027, 1, 5)


class TestPolicy:
    @pytest.mark.parametrize(
        "kwargs",
        [
            {"interest_after_days": -1},
            {"interest_after_days": 100, "commission_offset_after_days": 90},
            {"pay_by_day": 32},
            {"pay_by_day": 0},
            {"pay_by_day": 10, "consignment_terms": end_of_month_plus(3)},
            {"consignment_limit": 30000},
            {"litigation_min_amount": sc.Money("-1", "CNY")},
        ],
    )
    def test_bad_parameters_are_refused(self, kwargs: dict[str, object]) -> None:
        """Impossible parameters raise InvalidInput."""
        with pytest.raises(InvalidInput):
            ReceivablesPolicy(**kwargs)  # type: ignore[arg-type]

    def test_policy_file_table(self) -> None:
        """The family is configured in the [receivables] table of the policy file."""
        p = sc.loads_policy(
            '[receivables]\nlitigation_after_days = 365\nconsignment_limit = "50000 CNY"\n'
        )
        assert p.family("receivables").litigation_after_days == 365
        assert p.family("receivables").consignment_limit == cny(50000)
