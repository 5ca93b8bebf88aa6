"""Payment terms where overdue ages are computed: O2C-CR-05, O2C-AR-01, O2C-AR-02, the ledger.

For each kind of terms (net N, 月结 N 天, 次月 D 日) the due date itself is not overdue and the day
after it is. Of a document's terms and the customer's approved credit-profile terms, the earlier
due date wins: a document cannot lengthen the approved credit period (the attacker's try, kept as
a property).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

import salesctl as sc
from salesctl.controls.credit import CreditPolicy
from salesctl.controls.receivables import (
    ReceivablesPolicy,
    detect_consignment,
    detect_overdue_receivables,
    payment_deadline,
)
from salesctl.events import SetExchangeRate
from salesctl.ledger import Books, Ledger
from salesctl.model import (
    CreditTerms,
    OpenReceivable,
    day_of_next_month,
    end_of_month_plus,
    net,
)
from salesctl.reconcile import ConsignmentCount, Period, ReceivableItem, Records
from tests import builders as b

D = dt.date
ALLOW, HOLD = sc.Outcome.ALLOW, sc.Outcome.HOLD

#: (terms, invoice date, due date) — one case per kind, each across a month end.
CASES = [
    pytest.param(net(30), D(2026, 1, 31), D(2026, 3, 2), id="net30"),
    pytest.param(end_of_month_plus(30), D(2026, 1, 15), D(2026, 3, 2), id="eom+30"),
    pytest.param(end_of_month_plus(0), D(2028, 2, 10), D(2028, 2, 29), id="eom+0-leap"),
    pytest.param(day_of_next_month(5), D(2026, 1, 20), D(2026, 2, 5), id="day5-next"),
    pytest.param(day_of_next_month(31), D(2027, 1, 9), D(2027, 2, 28), id="day31-clamped"),
]


def _profile(terms: CreditTerms) -> sc.CreditProfile:
    return b.profile(term_days=365, terms=terms)


def _exposure(*items: OpenReceivable) -> sc.CreditExposure:
    total = sum((i.open_amount.amount for i in items), Decimal(0))
    return attrs.evolve(b.exposure(receivables=str(total)), open_items=items)


def _when(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(10), b.TZ)


def _cr05(as_of: dt.date, prof: sc.CreditProfile, *items: OpenReceivable) -> sc.Decision:
    o = b.order(cust=b.customer(prof=prof))
    ctx = b.context(as_of=as_of, exposure=_exposure(*items))
    return sc.Gate(only=["O2C-CR-05"]).check(b.place(o, when=_when(as_of)), ctx)


def _open(
    invoiced: dt.date, terms: CreditTerms | None = None, amount: str = "20000"
) -> OpenReceivable:
    return OpenReceivable(
        invoice_id="INV-1", issued_on=invoiced, open_amount=b.cny(amount), terms=terms
    )


class TestCR05:
    @pytest.mark.parametrize(("terms", "invoiced", "due"), CASES)
    def test_profile_terms_due_date_passes_the_day_after_holds(
        self, terms: CreditTerms, invoiced: dt.date, due: dt.date
    ) -> None:
        """The customer's approved terms set the due date of an open invoice."""
        prof = _profile(terms)
        assert _cr05(due, prof, _open(invoiced)).outcome is ALLOW
        d = _cr05(due + dt.timedelta(days=1), prof, _open(invoiced))
        assert d.outcome is HOLD
        facts = dict(d.findings[0].facts)
        assert (facts["oldest_due"], facts["days_overdue"]) == (due.isoformat(), "1")
        assert facts["terms"] == str(terms) and facts["oldest_invoice"] == "INV-1"

    @pytest.mark.parametrize(("terms", "invoiced", "due"), CASES)
    def test_invoice_terms_due_date_passes_the_day_after_holds(
        self, terms: CreditTerms, invoiced: dt.date, due: dt.date
    ) -> None:
        """The invoice's own (shorter) terms set its due date under a generous profile."""
        prof = _profile(net(3000))
        assert _cr05(due, prof, _open(invoiced, terms)).outcome is ALLOW
        assert _cr05(due + dt.timedelta(days=1), prof, _open(invoiced, terms)).outcome is HOLD

    def test_the_hosts_figure_still_counts(self) -> None:
        """Open items not overdue do not hide the host's own oldest overdue due date."""
        exp = attrs.evolve(
            b.exposure(receivables="50000", overdue="20000", oldest=D(2026, 1, 31)),
            open_items=(_open(D(2026, 2, 27)),),
        )
        ctx = b.context(exposure=exp)
        d = sc.Gate(only=["O2C-CR-05"]).check(b.place(), ctx)
        assert d.outcome is HOLD
        assert dict(d.findings[0].facts)["oldest_due"] == "2026-01-31"

    def test_settled_items_are_not_overdue(self) -> None:
        """An open item with nothing left open is not overdue."""
        assert (
            _cr05(D(2026, 6, 1), _profile(net(30)), _open(D(2026, 1, 1), amount="0")).outcome
            is ALLOW
        )

    def test_grace_days_count_from_the_computed_due_date(self) -> None:
        """[credit] overdue_grace_days = 3: day 3 after eom+30 passes, day 4 holds."""
        p = sc.Policy(families={"credit": CreditPolicy(overdue_grace_days=3)})
        prof = _profile(end_of_month_plus(30))
        o = b.order(cust=b.customer(prof=prof))
        gate = sc.Gate(p, only=["O2C-CR-05"])
        for day, want in ((D(2026, 3, 5), ALLOW), (D(2026, 3, 6), HOLD)):
            ctx = b.context(as_of=day, exposure=_exposure(_open(D(2026, 1, 15))))
            assert gate.check(b.place(o, when=_when(day)), ctx).outcome is want

    @given(
        st.integers(0, 90),
        st.sampled_from([net(3000), end_of_month_plus(3000), day_of_next_month(31)]),
        st.integers(1, 60),
    )
    def test_attacker_longer_document_terms_do_not_hide_overdue_items(
        self, approved: int, stated: CreditTerms, late: int
    ) -> None:
        """An invoice stating terms longer than the approved net N is still overdue after N."""
        invoiced = D(2026, 1, 10)
        as_of = invoiced + dt.timedelta(days=approved + late)
        d = _cr05(as_of, b.profile(term_days=approved), _open(invoiced, stated))
        assert d.outcome is HOLD


def _item(**kw: object) -> ReceivableItem:
    base: dict[str, object] = dict(
        item_id="INV-1", customer_id="C-1", amount=b.cny(80000), salesperson="u-rep"
    )
    base.update(kw)
    return ReceivableItem(**base)  # type: ignore[arg-type]


#: Interest from the first day overdue; no other step.
FIRST_DAY = ReceivablesPolicy(
    interest_after_days=1, commission_offset_after_days=None, litigation_after_days=None
)


class TestAR01:
    @pytest.mark.parametrize(("terms", "invoiced", "due"), CASES)
    def test_the_first_overdue_day_comes_from_the_terms(
        self, terms: CreditTerms, invoiced: dt.date, due: dt.date
    ) -> None:
        """On the due date nothing is overdue; the day after, interest is owed (HOLD if not charged)."""
        recs = Records(receivables=[_item(issued_on=invoiced, terms=terms)])
        on_due = detect_overdue_receivables(recs, Period.day(due), FIRST_DAY)
        assert (on_due.tested, on_due.findings) == (1, ())  # aged, not yet overdue
        after = detect_overdue_receivables(recs, Period.day(due + dt.timedelta(days=1)), FIRST_DAY)
        assert [f.message for f in after.findings] == ["receivables.interest_not_taken"]
        facts = dict(after.findings[0].facts)
        assert (facts["due_on"], facts["days_overdue"]) == (due.isoformat(), "1")

    def test_interest_charged_on_the_first_overdue_day_passes(self) -> None:
        """月结 30 天 from 15 Jan: due 2 Mar; interest charged 3 Mar passes."""
        it = _item(
            issued_on=D(2026, 1, 15), terms=end_of_month_plus(30), interest_charged_on=D(2026, 3, 3)
        )
        r = detect_overdue_receivables(Records(receivables=[it]), Period.month(2026, 3), FIRST_DAY)
        assert (r.tested, r.findings) == (1, ())

    def test_the_default_thirty_day_step_counts_from_the_terms(self) -> None:
        """Default policy: interest 30 days after an eom+30 due date (2 Mar → 1 Apr)."""
        it = _item(issued_on=D(2026, 1, 15), terms=end_of_month_plus(30))
        march = detect_overdue_receivables(
            Records(receivables=[it]), Period.month(2026, 3), ReceivablesPolicy()
        )
        assert (march.tested, march.findings) == (1, ())  # aged in March, no step due yet
        r = detect_overdue_receivables(
            Records(receivables=[it]), Period.month(2026, 4), ReceivablesPolicy()
        )
        assert dict(r.findings[0].facts)["step_deadline"] == "2026-04-01"


def _count(**kw: object) -> ConsignmentCount:
    """S-YF 11: 30,000 placed, 12,000 counted at the end of March, 18,000 settled."""
    base: dict[str, object] = dict(
        count_id="PD-YF-03",
        customer_id="D-YF",
        period_end=D(2026, 3, 31),
        opening=b.cny(30000),
        counted=b.cny(12000),
        settlement=b.cny(18000),
        confirmed=True,
        paid=b.cny(18000),
        paid_on=D(2026, 4, 5),
    )
    base.update(kw)
    return ConsignmentCount(**base)  # type: ignore[arg-type]


class TestAR02:
    def test_seed_deadline_is_the_fifth_of_next_month(self) -> None:
        """在次月5日前将货款打到颐福公司指定账户: due 5 Apr; paid on the 5th passes, the 6th holds."""
        policy = ReceivablesPolicy()
        assert policy.consignment_terms == day_of_next_month(5)
        assert payment_deadline(_count(), policy) == D(2026, 4, 5)
        april = Period.month(2026, 4)
        assert (
            detect_consignment(Records(consignment_counts=[_count()]), april, policy).findings == ()
        )
        late = detect_consignment(
            Records(consignment_counts=[_count(paid_on=D(2026, 4, 6))]), april, policy
        )
        assert [f.message for f in late.findings] == ["receivables.settlement_unpaid"]

    @pytest.mark.parametrize(
        ("terms", "period_end", "due"),
        [
            (net(10), D(2026, 1, 31), D(2026, 2, 10)),
            (end_of_month_plus(5), D(2026, 1, 31), D(2026, 2, 5)),
            (day_of_next_month(31), D(2028, 1, 31), D(2028, 2, 29)),
            (day_of_next_month(5), D(2026, 12, 31), D(2027, 1, 5)),
        ],
    )
    def test_each_kind_of_settlement_terms(
        self, terms: CreditTerms, period_end: dt.date, due: dt.date
    ) -> None:
        """Paid on the due date passes; paid the day after holds."""
        policy = ReceivablesPolicy(consignment_terms=terms)
        period = Period.containing(due, sc.Frequency.MONTHLY)
        on_time = _count(period_end=period_end, paid_on=due)
        late = _count(period_end=period_end, paid_on=due + dt.timedelta(days=1))
        assert payment_deadline(on_time, policy) == due
        assert (
            detect_consignment(Records(consignment_counts=[on_time]), period, policy).findings == ()
        )
        r = detect_consignment(Records(consignment_counts=[late]), period, policy)
        assert [f.message for f in r.findings] == ["receivables.settlement_unpaid"]

    def test_old_pay_by_day_is_day_of_next_month_and_clamps(self) -> None:
        """pay_by_day = 31 (allowed now): the next month's last day."""
        p = ReceivablesPolicy(pay_by_day=31)
        assert p.consignment_terms == day_of_next_month(31) and p.pay_by_day is None
        assert payment_deadline(_count(period_end=D(2026, 1, 31)), p) == D(2026, 2, 28)
        assert ReceivablesPolicy(pay_by_day=5) == ReceivablesPolicy()


class TestLedger:
    def _run(
        self, prof_terms: CreditTerms | None, order_terms: CreditTerms | None, days: int = 0
    ) -> tuple[sc.CreditExposure, dt.date]:
        books = Books()
        led = Ledger(books=books)
        prof = b.profile(term_days=30, terms=prof_terms)
        o = attrs.evolve(
            b.order(id="SO-1", seq=1, cust=b.customer(prof=prof)),
            payment=sc.PaymentTerms(sc.PaymentMethod.CREDIT, days, order_terms),
        )
        led.apply(b.place(o, when=b.at(2)))
        gi = sc.GoodsIssue(
            id="GI-1",
            order_id=o.id,
            customer_id=o.customer.id,
            notice_id=None,
            lines=(sc.DeliveryLine(1, "P-PE-01", Decimal(10)),),
            issued_on=D(2026, 3, 3),
            gate_pass="GP-1",
        )
        led.apply(sc.PostGoodsIssue(goods_issue=gi, order=o, actor=b.actor("u-wh"), at=b.at(3)))
        inv = sc.Invoice(
            id="INV-1",
            order_id=o.id,
            customer_id=o.customer.id,
            lines=(sc.InvoiceLine(1, "P-PE-01", Decimal(10), b.cny("1000")),),
            issued_by="u-bill",
            issued_on=D(2026, 3, 3),
        )
        led.apply(sc.IssueInvoice(invoice=inv, actor=b.actor("u-bill"), at=b.at(3)))
        probe = b.place(
            b.order(id="SO-2", seq=2, cust=b.customer(prof=prof)),
            when=dt.datetime(2026, 6, 1, 9, tzinfo=b.TZ),
        )
        led.apply(SetExchangeRate(at=probe.at, pair="USD/CNY", rate=Decimal("7.1")))
        exp = led.context_for(probe).exposure
        assert exp is not None
        (item,) = books.records_for(Period.month(2026, 3)).receivables  # type: ignore[union-attr]
        return exp, item.due

    @pytest.mark.parametrize(
        ("prof_terms", "order_terms", "days", "due"),
        [
            (None, None, 0, D(2026, 4, 2)),  # profile term_days 30: net 30
            (end_of_month_plus(30), None, 0, D(2026, 4, 30)),  # 月结 30 天 on the profile
            (None, day_of_next_month(5), 0, D(2026, 4, 2)),  # longer on the order: profile's wins
            (None, day_of_next_month(5), 60, D(2026, 4, 2)),
            (end_of_month_plus(60), day_of_next_month(5), 0, D(2026, 4, 5)),  # order's earlier
            (end_of_month_plus(60), None, 10, D(2026, 3, 13)),  # old day count on the order
        ],
    )
    def test_exposure_and_books_agree_on_the_due_date(
        self,
        prof_terms: CreditTerms | None,
        order_terms: CreditTerms | None,
        days: int,
        due: dt.date,
    ) -> None:
        """The ledger's oldest overdue due date (CR-05) and the books' item (AR-01) agree."""
        exp, item_due = self._run(prof_terms, order_terms, days)
        assert exp.oldest_overdue_due == item_due == due
