"""Orders family, detective side: O2C-SO-01 (gaps and duplicates in the order register) and
O2C-SO-03 (completed or expired orders closed at least monthly)."""

from __future__ import annotations

import pytest

from salesctl.controls.orders import OrdersPolicy, detect_order_closing, detect_order_numbers
from salesctl.errors import InvalidInput
from salesctl.reconcile import OrderEntry, Records
from tests.controls._records import MARCH, d, outcomes

POLICY = OrdersPolicy()


def entry(seq: int, day: int = 2, series: str = "SO", **kw: object) -> OrderEntry:
    return OrderEntry(
        order_id=kw.pop("order_id", f"{series}-{seq}"),  # type: ignore[arg-type]
        series=series,
        seq=seq,
        customer_id="C-1",
        created_on=d(day),
        **kw,  # type: ignore[arg-type]
    )


class TestOrderNumbers:
    def test_consecutive_numbers_pass(self) -> None:
        """S-CP 3.1.1: orders numbered 1, 2, 3 in the month leave nothing to report."""
        r = detect_order_numbers(Records(orders=[entry(1), entry(2), entry(3)]), MARCH, POLICY)
        assert r.tested == 3 and r.findings == ()

    def test_gap_is_held_for_the_gap_approver(self) -> None:
        """A missing number is a HOLD for the orders policy's gap-approval role."""
        r = detect_order_numbers(Records(orders=[entry(1), entry(2), entry(4)]), MARCH, POLICY)
        assert outcomes(r) == [("O2C-SO-01", "HOLD", "SO/3")]
        assert r.findings[0].required[0].role == POLICY.gap_approval_role

    def test_a_run_of_missing_numbers_is_one_finding(self) -> None:
        """Numbers 3–6 missing are reported once, as a range."""
        r = detect_order_numbers(Records(orders=[entry(1), entry(2), entry(7)]), MARCH, POLICY)
        assert outcomes(r) == [("O2C-SO-01", "HOLD", "SO/3-6")]
        assert "SO/3–6" in r.findings[0].text()

    def test_duplicate_is_blocked_once(self) -> None:
        """A number used twice is a BLOCK naming both orders."""
        orders = [entry(1), entry(2), entry(2, day=5, order_id="SO-2b")]
        r = detect_order_numbers(Records(orders=orders), MARCH, POLICY)
        assert outcomes(r) == [("O2C-SO-01", "BLOCK", "SO/2")]
        assert dict(r.findings[0].facts)["other"] == "SO-2"

    def test_number_reused_below_opening_is_blocked(self) -> None:
        """A number at or below the series' opening number duplicates a number issued before."""
        records = Records(orders=[entry(40), entry(42)], opening_numbers={"SO": 41})
        r = detect_order_numbers(records, MARCH, POLICY)
        assert ("O2C-SO-01", "BLOCK", "SO/40") in outcomes(r)

    def test_numbers_continue_from_earlier_months_and_opening(self) -> None:
        """The gap check starts after the last number before the period (or the opening)."""
        feb = entry(5, day=20, order_id="SO-5")
        feb = OrderEntry(
            order_id="SO-5", series="SO", seq=5, customer_id="C-1", created_on=d(20, 2)
        )
        records = Records(orders=[feb, entry(6), entry(7)], opening_numbers={"SO": 4})
        assert detect_order_numbers(records, MARCH, POLICY).findings == ()
        # The same March orders without February: 5 is missing.
        r = detect_order_numbers(
            Records(orders=[entry(6), entry(7)], opening_numbers={"SO": 4}), MARCH, POLICY
        )
        assert outcomes(r) == [("O2C-SO-01", "HOLD", "SO/5")]

    def test_voided_orders_keep_their_numbers(self) -> None:
        """A voided order's number is used, not a gap."""
        r = detect_order_numbers(
            Records(orders=[entry(1), entry(2, voided=True), entry(3)]), MARCH, POLICY
        )
        assert r.findings == ()

    def test_series_are_independent(self) -> None:
        """Each series is numbered on its own."""
        orders = [entry(1), entry(2), entry(1, series="EX"), entry(2, series="EX")]
        assert detect_order_numbers(Records(orders=orders), MARCH, POLICY).findings == ()


class TestOrderClosing:
    def test_completed_order_closed_in_time_passes(self) -> None:
        """S-IC 5.1: an order completed 1 Feb and closed 20 Feb passes (deadline 4 Mar)."""
        e = entry(1, completed_on=d(1, 2), closed_on=d(20, 2))
        r = detect_order_closing(Records(orders=[e]), MARCH, POLICY)
        assert r.tested == 1 and r.findings == ()

    def test_completed_order_left_open_is_held(self) -> None:
        """An order completed 1 Feb and still open at its deadline is a HOLD."""
        e = entry(1, completed_on=d(1, 2))
        r = detect_order_closing(Records(orders=[e]), MARCH, POLICY)
        assert outcomes(r) == [("O2C-SO-03", "HOLD", "SO-1")]
        assert dict(r.findings[0].facts)["reason"] == "completed"

    def test_expired_order_closed_late_is_held(self) -> None:
        """An order valid until 31 Jan (expired 1 Feb) closed on 10 Mar is late."""
        e = entry(1, valid_until=d(31, 1), closed_on=d(10))
        r = detect_order_closing(Records(orders=[e]), MARCH, POLICY)
        assert outcomes(r) == [("O2C-SO-03", "HOLD", "SO-1")]
        assert dict(r.findings[0].facts)["reason"] == "expired"

    def test_deadline_outside_period_is_not_tested(self) -> None:
        """Completed 20 Mar: due 20 Apr, so March does not test it."""
        r = detect_order_closing(Records(orders=[entry(1, completed_on=d(20))]), MARCH, POLICY)
        assert r.tested == 0

    def test_voided_and_open_orders_are_not_tested(self) -> None:
        """Voiding closes an order; an open, unexpired order has nothing due."""
        orders = [entry(1, completed_on=d(1, 2), voided=True), entry(2)]
        assert detect_order_closing(Records(orders=orders), MARCH, POLICY).tested == 0


def test_close_within_days_must_not_be_negative() -> None:
    """Impossible parameters raise InvalidInput."""
    with pytest.raises(InvalidInput):
        OrdersPolicy(close_within_days=-1)
