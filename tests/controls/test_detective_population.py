"""Detective tallies count the population reviewed, not only the items due for action (issue 18).

An auditor reads ``tested`` as the size of the population the control looked at: every
receivable item aged at the month end (O2C-AR-01), every credit file reviewed in the year
(O2C-CR-03). A run that finds one overdue item among a thousand reports tested = 1000, held = 1.
"""

from __future__ import annotations

import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

import salesctl as sc
from salesctl.controls.credit import CreditPolicy, detect_credit_reviews
from salesctl.controls.receivables import ReceivablesPolicy, detect_overdue_receivables
from salesctl.reconcile import CreditFile, Period, ReceivableItem, Records, run

MARCH = Period.month(2026, 3)


def _item(n: int, due: dt.date, **kw: object) -> ReceivableItem:
    return ReceivableItem(
        item_id=f"INV-{n:04d}",
        customer_id=f"C-{n % 7}",
        due_on=due,
        amount=sc.Money("1000", "CNY"),
        salesperson="u-rep",
        **kw,  # type: ignore[arg-type]
    )


class TestOverdueReceivablesPopulation:
    def test_tested_is_every_item_open_at_the_month_end(self) -> None:
        """40 items current, 9 paid in March, 1 overdue without interest: tested 41, held 1."""
        current = [_item(i, dt.date(2026, 4, 15)) for i in range(40)]
        paid = [
            _item(100 + i, dt.date(2026, 3, 1), settled_on=dt.date(2026, 3, 20)) for i in range(9)
        ]
        overdue = [_item(999, dt.date(2026, 2, 1))]
        r = detect_overdue_receivables(
            Records(receivables=[*current, *paid, *overdue]), MARCH, ReceivablesPolicy()
        )
        assert r.tested == 41
        assert [f.facts[0][1] for f in r.findings] == ["INV-0999"]

    def test_an_item_invoiced_after_the_period_is_not_aged(self) -> None:
        """An item issued in April is not part of March's aged list."""
        later = _item(1, dt.date(2026, 5, 30), issued_on=dt.date(2026, 4, 2))
        r = detect_overdue_receivables(Records(receivables=[later]), MARCH, ReceivablesPolicy())
        assert r.tested == 0

    def test_the_run_reports_the_population_in_its_tally(self) -> None:
        """``reconcile.run`` carries the population into the tally: passed = tested − failed."""
        items = [_item(i, dt.date(2026, 4, 15)) for i in range(12)] + [
            _item(99, dt.date(2026, 2, 1))
        ]
        t = run(Records(receivables=items), MARCH, only=["O2C-AR-01"], due_only=False).tally()
        assert (t["O2C-AR-01"].tested, t["O2C-AR-01"].passed, t["O2C-AR-01"].held) == (13, 12, 1)


class TestCreditReviewPopulation:
    def test_tested_is_every_credit_file_open_in_the_year(self) -> None:
        """30 files reviewed in time, 1 lapsed, 2 closed the year before: tested 31, held 1."""
        ok = [
            CreditFile(
                customer_id=f"C-{i:03d}",
                opened_on=dt.date(2025, 6, 1),
                reviewed_on=(dt.date(2026, 5, 1),),
            )
            for i in range(30)
        ]
        lapsed = [CreditFile(customer_id="C-LAPSED", opened_on=dt.date(2025, 2, 1))]
        closed = [
            CreditFile(
                customer_id=f"C-X{i}",
                opened_on=dt.date(2024, 1, 1),
                closed_on=dt.date(2025, 12, 1),
            )
            for i in range(2)
        ]
        r = detect_credit_reviews(
            Records(credit_files=[*ok, *lapsed, *closed]), Period.year(2026), CreditPolicy()
        )
        assert r.tested == 31
        assert [f.facts[0][1] for f in r.findings] == ["C-LAPSED"]

    def test_a_file_opened_after_the_period_is_not_reviewed_in_it(self) -> None:
        """A file opened in 2027 is not in 2026's population."""
        f = CreditFile(customer_id="C-1", opened_on=dt.date(2027, 1, 5))
        r = detect_credit_reviews(Records(credit_files=[f]), Period.year(2026), CreditPolicy())
        assert r.tested == 0


@settings(max_examples=50, deadline=None)
@given(st.lists(st.integers(min_value=-400, max_value=400), max_size=30))
def test_failed_items_never_exceed_the_population(offsets: list[int]) -> None:
    """Whatever the due dates, every item with a finding is counted in the population, so
    passed = tested − failed is never negative."""
    items = [_item(i, dt.date(2026, 3, 31) + dt.timedelta(days=o)) for i, o in enumerate(offsets)]
    r = detect_overdue_receivables(Records(receivables=items), MARCH, ReceivablesPolicy())
    failed = {f.facts[0][1] for f in r.findings}
    assert len(failed) <= r.tested == len(items)
