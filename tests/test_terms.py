"""Payment terms (salesctl.model.terms): net N, 月结 N 天, 次月 D 日; due dates and data forms."""

from __future__ import annotations

import calendar
import datetime as dt
import json

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

import salesctl as sc
from salesctl._convert import structure, unstructure
from salesctl.errors import InvalidInput
from salesctl.events import parse_event
from salesctl.model import (
    MAX_TERM_DAYS,
    CreditTerms,
    TermsKind,
    day_of_next_month,
    earliest_due,
    end_of_month_plus,
    net,
)
from salesctl.policy import loads_policy
from tests import builders as b

D = dt.date

#: Invoice dates far enough from the calendar's end for every term to land inside it.
invoice_dates = st.dates(min_value=D(1900, 1, 1), max_value=D(9980, 12, 31))
day_counts = st.integers(0, MAX_TERM_DAYS)
days_of_month = st.integers(1, 31)
terms = st.one_of(
    day_counts.map(net), day_counts.map(end_of_month_plus), days_of_month.map(day_of_next_month)
)


def _last_day(d: dt.date) -> dt.date:
    return d.replace(day=calendar.monthrange(d.year, d.month)[1])


def _next_month(d: dt.date) -> tuple[int, int]:
    return (d.year + 1, 1) if d.month == 12 else (d.year, d.month + 1)


class TestDueDates:
    @given(terms, invoice_dates)
    def test_due_date_is_never_before_the_invoice_date(self, t: CreditTerms, day: dt.date) -> None:
        """Every kind of terms: due ≥ invoiced."""
        assert t.due_date(day) >= day

    @given(invoice_dates)
    def test_end_of_month_plus_zero_is_the_months_last_day(self, day: dt.date) -> None:
        """月结 0 天 is the last day of the invoice's month, leap Februaries included."""
        due = end_of_month_plus(0).due_date(day)
        assert due == _last_day(day)
        assert (due + dt.timedelta(days=1)).day == 1

    @given(day_counts, invoice_dates)
    def test_end_of_month_plus_n_is_n_days_after_the_months_last_day(
        self, n: int, day: dt.date
    ) -> None:
        """月结 N 天 = the month's last day + N days."""
        assert end_of_month_plus(n).due_date(day) == _last_day(day) + dt.timedelta(days=n)

    @given(day_counts, invoice_dates)
    def test_net_is_a_plain_day_count(self, n: int, day: dt.date) -> None:
        """net N = invoice date + N days (the old day count)."""
        assert net(n).due_date(day) == day + dt.timedelta(days=n)

    @given(days_of_month, invoice_dates)
    def test_day_of_next_month_clamps_to_the_next_months_last_day(
        self, d: int, day: dt.date
    ) -> None:
        """次月 D 日 is day D of the next month, or its last day when the month is shorter."""
        due = day_of_next_month(d).due_date(day)
        y, m = _next_month(day)
        assert (due.year, due.month) == (y, m)
        assert due.day == min(d, calendar.monthrange(y, m)[1])

    @pytest.mark.parametrize(
        ("t", "invoiced", "due"),
        [
            (end_of_month_plus(0), D(2028, 2, 10), D(2028, 2, 29)),  # leap year
            (end_of_month_plus(0), D(2027, 2, 10), D(2027, 2, 28)),
            (end_of_month_plus(0), D(2100, 2, 1), D(2100, 2, 28)),  # not a leap year
            (end_of_month_plus(0), D(2000, 2, 1), D(2000, 2, 29)),  # a leap year
            (end_of_month_plus(30), D(2026, 1, 15), D(2026, 3, 2)),
            (end_of_month_plus(30), D(2028, 1, 31), D(2028, 3, 1)),
            (day_of_next_month(31), D(2027, 1, 15), D(2027, 2, 28)),
            (day_of_next_month(31), D(2028, 1, 31), D(2028, 2, 29)),
            (day_of_next_month(30), D(2028, 1, 1), D(2028, 2, 29)),
            (day_of_next_month(31), D(2026, 3, 31), D(2026, 4, 30)),
            (day_of_next_month(5), D(2026, 12, 31), D(2027, 1, 5)),
            (net(30), D(2026, 1, 31), D(2026, 3, 2)),
            (net(0), D(2026, 1, 31), D(2026, 1, 31)),
        ],
    )
    def test_worked_examples(self, t: CreditTerms, invoiced: dt.date, due: dt.date) -> None:
        """February, leap years, the year's turn, clamping."""
        assert t.due_date(invoiced) == due

    def test_seed_consignment_deadline(self) -> None:
        """S-YF 11: counted at the end of March, paid 在次月5日前 → due 5 April (on it: on time)."""
        t = CreditTerms.from_data("次月5日前")
        assert t == day_of_next_month(5)
        assert t.due_date(D(2026, 3, 31)) == D(2026, 4, 5)

    def test_past_the_calendar_is_never_due(self) -> None:
        """A due date past 9999-12-31 is date.max, not an OverflowError."""
        assert net(30).due_date(D(9999, 12, 20)) == dt.date.max
        assert day_of_next_month(5).due_date(D(9999, 12, 20)) == dt.date.max

    @given(terms, terms, invoice_dates)
    def test_the_earlier_due_date_wins(self, a: CreditTerms, c: CreditTerms, day: dt.date) -> None:
        """Document and credit-profile terms: the earlier due date, whatever the order."""
        due = earliest_due(day, a, c)
        assert due == min(a.due_date(day), c.due_date(day)) == earliest_due(day, c, a)
        assert earliest_due(day, None, a) == a.due_date(day)
        assert earliest_due(day) == earliest_due(day, None) == day


class TestValues:
    def test_frozen_and_equal_by_kind_and_number(self) -> None:
        """A value: equal when kind and number are, hashable, immutable."""
        assert net(30) == CreditTerms(TermsKind.NET, 30) != end_of_month_plus(30)
        assert len({net(30), net(30), end_of_month_plus(30)}) == 2
        with pytest.raises(attrs.exceptions.FrozenInstanceError):
            net(30).n = 31  # type: ignore[misc]

    @pytest.mark.parametrize(
        ("make", "value", "path"),
        [
            (net, -1, "CreditTerms.days"),
            (net, MAX_TERM_DAYS + 1, "CreditTerms.days"),
            (end_of_month_plus, -1, "CreditTerms.days"),
            (day_of_next_month, 0, "CreditTerms.day"),
            (day_of_next_month, 32, "CreditTerms.day"),
        ],
    )
    def test_out_of_range_numbers_are_refused(self, make: object, value: int, path: str) -> None:
        with pytest.raises(InvalidInput) as e:
            make(value)  # type: ignore[operator]
        assert e.value.path == path

    def test_text_forms(self) -> None:
        """str() is the compact English form, .zh the Chinese; both read back."""
        for t, en, zh in [
            (net(30), "net 30", "30天"),
            (end_of_month_plus(30), "eom+30", "月结30天"),
            (day_of_next_month(5), "day 5 next month", "次月5日"),
        ]:
            assert (str(t), t.zh) == (en, zh)
            assert CreditTerms.from_data(en) == CreditTerms.from_data(zh) == t


class TestDataForms:
    @pytest.mark.parametrize(
        ("data", "want"),
        [
            (30, net(30)),
            (0, net(0)),
            ({"kind": "net", "days": 45}, net(45)),
            ({"kind": "end_of_month_plus", "days": 30}, end_of_month_plus(30)),
            ({"kind": "day_of_next_month", "day": 5}, day_of_next_month(5)),
            ("net 30", net(30)),
            ("NET30", net(30)),
            ("eom", end_of_month_plus(0)),
            ("EOM + 60", end_of_month_plus(60)),
            ("day 31 of next month", day_of_next_month(31)),
            ("月结", end_of_month_plus(0)),
            ("月结 60 天", end_of_month_plus(60)),
            ("次月10号", day_of_next_month(10)),
            ("45天", net(45)),
        ],
    )
    def test_reads(self, data: object, want: CreditTerms) -> None:
        assert structure(data, CreditTerms, "x") == want
        assert structure(unstructure(want), CreditTerms) == want

    @pytest.mark.parametrize(
        ("data", "path"),
        [
            (True, "p.terms"),
            (1.5, "p.terms"),
            (-3, "p.terms"),
            ("net thirty", "p.terms"),
            ("eom-5", "p.terms"),
            ("次月0日", "p.terms"),
            ("次月32日", "p.terms"),
            ({"days": 30}, "p.terms.kind"),
            ({"kind": "monthly", "days": 30}, "p.terms.kind"),
            ({"kind": "net"}, "p.terms.days"),
            ({"kind": "net", "days": "30"}, "p.terms.days"),
            ({"kind": "net", "days": 30, "day": 5}, "p.terms.day"),
            ({"kind": "day_of_next_month", "days": 5}, "p.terms.days"),
            ({"kind": "day_of_next_month", "day": 40}, "p.terms.day"),
            ({"kind": "end_of_month_plus", "days": -1}, "p.terms.days"),
            ([30], "p.terms"),
        ],
    )
    def test_errors_name_the_field_path(self, data: object, path: str) -> None:
        with pytest.raises(InvalidInput) as e:
            structure(data, CreditTerms | None, "p.terms")  # type: ignore[arg-type]
        assert e.value.path == path

    @given(terms)
    def test_every_value_round_trips_through_its_data_form(self, t: CreditTerms) -> None:
        assert CreditTerms.from_data(json.loads(json.dumps(unstructure(t)))) == t


class TestWhereTermsAreRead:
    def test_old_day_counts_read_as_net(self) -> None:
        """Streams and contexts written before terms: term_days / days are net N."""
        p = b.profile(term_days=45)
        assert p.terms is None and p.credit_terms == net(45)
        assert sc.PaymentTerms(sc.PaymentMethod.CREDIT, 30).stated_terms == net(30)
        assert sc.PaymentTerms(sc.PaymentMethod.CREDIT).stated_terms is None

    def test_an_event_carries_terms_in_any_form(self) -> None:
        """A PlaceOrder event with 月结 30 天 on the order and eom+60 on the profile."""
        txn = b.place()
        data = json.loads(json.dumps({"type": "PlaceOrder", **unstructure(txn)}))
        data["order"]["payment"]["terms"] = "月结30天"
        data["order"]["customer"]["credit_profile"]["terms"] = {
            "kind": "end_of_month_plus",
            "days": 60,
        }
        ev = parse_event(data)
        assert ev.order.payment.terms == end_of_month_plus(30)  # type: ignore[attr-defined]
        assert ev.order.customer.credit_profile.credit_terms == end_of_month_plus(60)  # type: ignore[attr-defined]
        data["order"]["payment"]["terms"] = {"kind": "day_of_next_month", "day": 0}
        with pytest.raises(InvalidInput) as e:
            parse_event(data)
        assert e.value.path == "order.payment.terms.day"

    def test_a_context_carries_open_invoices_with_terms(self) -> None:
        """CreditExposure.open_items: terms per invoice, one currency."""
        exp = structure(
            {
                "open_orders": "0 CNY",
                "delivered_not_invoiced": "0 CNY",
                "open_receivables": "5000 CNY",
                "overdue_receivables": "0 CNY",
                "open_items": [
                    {
                        "invoice_id": "INV-1",
                        "issued_on": "2026-01-10",
                        "open_amount": "5000 CNY",
                        "terms": "eom+30",
                    },
                ],
            },
            sc.CreditExposure,
        )
        assert exp.open_items[0].terms == end_of_month_plus(30)
        with pytest.raises(InvalidInput) as e:
            structure(
                {
                    **unstructure(exp),
                    "open_items": [{**unstructure(exp.open_items[0]), "open_amount": "5000 USD"}],
                },
                sc.CreditExposure,
                "ctx.exposure",
            )
        assert e.value.path == "ctx.exposure.open_items[0].open_amount"

    def test_the_policy_reads_consignment_terms_and_the_old_pay_by_day(self) -> None:
        """[receivables] consignment_terms in any form; pay_by_day = D is day_of_next_month(D)."""
        new = loads_policy('[receivables]\nconsignment_terms = "eom+10"\n')
        assert new.family("receivables").consignment_terms == end_of_month_plus(10)
        assert loads_policy(new.to_toml()) == new
        old = loads_policy("[receivables]\npay_by_day = 10\n")
        assert old.family("receivables").consignment_terms == day_of_next_month(10)
        assert loads_policy(old.to_toml()) == old
        table = '[receivables]\nconsignment_terms = {kind = "day_of_next_month", day = 0}\n'
        with pytest.raises(sc.PolicyError) as e:
            loads_policy(table)
        assert "receivables.consignment_terms.day" in str(e.value)

    def test_a_receivable_item_is_due_under_its_terms(self) -> None:
        """ReceivableItem: due_on, or issued_on + terms; with both the earlier."""
        from salesctl.reconcile import ReceivableItem

        base = dict(item_id="INV-1", customer_id="C-1", amount=b.cny(100))
        eom = ReceivableItem(**base, issued_on=D(2026, 2, 10), terms=end_of_month_plus(0))  # type: ignore[arg-type]
        assert eom.due == D(2026, 2, 28)
        both = ReceivableItem(
            **base,
            due_on=D(2026, 2, 20),
            issued_on=D(2026, 2, 10),  # type: ignore[arg-type]
            terms=end_of_month_plus(0),
        )
        assert both.due == D(2026, 2, 20)
        with pytest.raises(InvalidInput) as e:
            ReceivableItem(**base)  # type: ignore[arg-type]
        assert e.value.path == "ReceivableItem.due_on"
        with pytest.raises(InvalidInput) as e:
            ReceivableItem(**base, terms=net(30))  # type: ignore[arg-type]
        assert e.value.path == "ReceivableItem.issued_on"
