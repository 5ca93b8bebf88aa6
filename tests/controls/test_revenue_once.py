"""O2C-RR-04: revenue recognised once per goods issue, for at most its delivered value;
documents posted twice flagged (issue 14; S-IC 二 2.1 虚增或截留收入, S-YF 11 核算会计根据会计联
确认收入).

The seed's example: a goods issue of 10 × 1,000.00 CNY (10,000.00 delivered); revenue of
100,000.00 booked on it, or a second entry on the same goods issue, must not pass.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import salesctl as sc
from salesctl.controls import CONTROLS, revenue
from salesctl.ledger import Ledger
from salesctl.reconcile import Records
from salesctl.records import DocumentEntry
from tests import builders as b
from tests.controls._records import MARCH, d, delivery_record

GI = b.goods_issue(posted=True)  # 10 of order line 1 (10 × 1,000.00 CNY)
ORDER = b.order()
POLICY = revenue.RevenuePolicy()


def only(cid: str = "O2C-RR-04") -> sc.Gate:
    return sc.Gate(only=[cid])


def book(amount: str = "10000.00", **kw: object) -> sc.BookRevenue:
    return sc.BookRevenue(entry=b.revenue_entry(amount=amount, **kw), actor=b.ACCOUNTANT, at=b.AT)


def ctx(**kw: object) -> sc.Context:
    base: dict[str, object] = dict(goods_issues=(GI,), orders=(ORDER,))
    base.update(kw)
    return b.context(**base)


def keys(dec: sc.Decision) -> set[str]:
    return {f.message for f in dec.findings}


class TestPreventive:
    def test_the_issue_example_above_the_delivered_value(self) -> None:
        """100,000.00 of revenue on a delivery of 10 × 1,000.00 → BLOCK, naming both amounts."""
        dec = only().check(book("100000.00"), ctx())
        assert dec.outcome is sc.Outcome.BLOCK
        assert keys(dec) == {"revenue.above_delivered"}
        assert "10000.00" in dec.explain("en") and "100000.00" in dec.explain("en")
        assert "超过发货价值" in dec.explain("zh")

    @pytest.mark.parametrize(
        ("amount", "outcome"),
        [
            ("10000.00", sc.Outcome.ALLOW),
            ("10000.01", sc.Outcome.BLOCK),
            ("9999.99", sc.Outcome.ALLOW),
        ],
        ids=["exactly", "one-cent-over", "one-cent-under"],
    )
    def test_boundary(self, amount: str, outcome: sc.Outcome) -> None:
        """Exactly the delivered value passes; one cent over is blocked."""
        assert only().check(book(amount), ctx()).outcome is outcome

    def test_second_booking_on_the_same_goods_issue(self) -> None:
        """A second BookRevenue for a goods issue already recognised → BLOCK."""
        first = b.revenue_entry("RV-0042-1", amount="10000")
        dec = only().check(book(id="RV-0042-2"), ctx(revenue_entries=(first,)))
        assert dec.outcome is sc.Outcome.BLOCK
        assert keys(dec) == {"revenue.already_recognised"}
        assert dict(dec.findings[0].facts)["earlier_entry"] == "RV-0042-1"

    def test_second_booking_for_one_cent(self) -> None:
        """Even a tiny second recognition is a second recognition."""
        first = b.revenue_entry("RV-0042-1", amount="9999.99")
        dec = only().check(book("0.01", id="RV-0042-2"), ctx(revenue_entries=(first,)))
        assert keys(dec) == {"revenue.already_recognised"}

    def test_the_same_entry_again(self) -> None:
        """The same voucher posted twice."""
        first = b.revenue_entry("RV-0042-1", amount="10000")
        dec = only().check(book(id="RV-0042-1"), ctx(revenue_entries=(first,)))
        assert keys(dec) == {"revenue.entry_duplicate"}

    def test_goods_issue_listed_twice_does_not_double_the_value(self) -> None:
        """Attack: listing the goods issue twice to double its value → BLOCK on both counts."""
        gis = ("GI-0042-1", "GI-0042-1")
        dec = only().check(book("20000.00", goods_issue_ids=gis), ctx())
        assert keys(dec) == {"revenue.goods_issue_listed_twice", "revenue.above_delivered"}

    def test_several_goods_issues_add_up(self) -> None:
        """Two deliveries of 10 each: 20,000.00 passes, 20,000.01 does not."""
        gi2 = attrs.evolve(GI, id="GI-0042-2")
        gis = ("GI-0042-1", "GI-0042-2")
        c = ctx(goods_issues=(GI, gi2))
        assert only().check(book("20000.00", goods_issue_ids=gis), c).outcome is sc.Outcome.ALLOW
        assert only().check(book("20000.01", goods_issue_ids=gis), c).outcome is sc.Outcome.BLOCK

    def test_unknown_goods_issue_or_order_fails_closed(self) -> None:
        """Without the goods issue or its order the delivered value cannot be known."""
        assert keys(only().check(book(), ctx(goods_issues=()))) == {"revenue.delivery_unknown"}
        assert keys(only().check(book(), ctx(orders=()))) == {"revenue.order_unknown"}

    def test_line_not_on_the_order_is_worth_nothing(self) -> None:
        """A goods-issue line naming no order line adds nothing to the cap."""
        gi = attrs.evolve(GI, lines=(b.dline(order_line=9),))
        assert only().check(book("0.01"), ctx(goods_issues=(gi,))).outcome is sc.Outcome.BLOCK

    def test_other_currency_converted(self) -> None:
        """Revenue in USD against a CNY delivery: compared at the context's rate."""
        rate = {"USD/CNY": Decimal("7.00")}
        usd = sc.BookRevenue(
            entry=attrs.evolve(b.revenue_entry(), amount=sc.Money("1428.57", "USD")),
            actor=b.ACCOUNTANT,
            at=b.AT,
        )
        assert only().check(usd, ctx(fx_rates=rate)).outcome is sc.Outcome.ALLOW
        over = attrs.evolve(usd, entry=attrs.evolve(usd.entry, amount=sc.Money("1428.58", "USD")))
        assert only().check(over, ctx(fx_rates=rate)).outcome is sc.Outcome.BLOCK

    def test_consignment_settled_month_by_month(self) -> None:
        """Consignment stock (30,000.00 placed) is recognised settlement by settlement, each
        once, and never beyond what was placed."""
        placed = attrs.evolve(GI, consignment=True, lines=(b.dline(qty="30"),))
        c = ctx(goods_issues=(placed,), orders=(b.order(lines=(b.line(qty="30"),)),))
        march = b.revenue_entry("RV-03", amount="12000", consignment_settlement_id="CS-03")
        april = book("18000.00", id="RV-04", consignment_settlement_id="CS-04")
        assert only().check(april, attrs.evolve(c, revenue_entries=(march,))).outcome is (
            sc.Outcome.ALLOW
        )
        over = book("18000.01", id="RV-04", consignment_settlement_id="CS-04")
        assert keys(only().check(over, attrs.evolve(c, revenue_entries=(march,)))) == {
            "revenue.above_delivered"
        }
        again = book("1.00", id="RV-04", consignment_settlement_id="CS-03")
        assert keys(only().check(again, attrs.evolve(c, revenue_entries=(march,)))) == {
            "revenue.settlement_already_recognised"
        }

    def test_context_refuses_repeated_entry_ids(self) -> None:
        """The context's revenue entries and orders have distinct ids (validated at the boundary)."""
        e = b.revenue_entry()
        with pytest.raises(sc.InvalidInput, match=r"revenue_entries\[1\]"):
            b.context(revenue_entries=(e, e))
        with pytest.raises(sc.InvalidInput, match=r"orders\[1\]"):
            b.context(orders=(ORDER, ORDER))

    @settings(max_examples=150)
    @given(
        cents=st.integers(1, 10**8),
        earlier=st.lists(st.integers(1, 10**7), max_size=3),
        listed=st.integers(1, 3),
    )
    def test_property_never_allows_twice_or_above(
        self, cents: int, earlier: list[int], listed: int
    ) -> None:
        """Attack: any amount, any earlier bookings, the goods issue listed any number of times:
        ALLOW only for a first booking within 10,000.00."""
        prior = tuple(
            b.revenue_entry(f"RV-OLD-{i}", amount=str(Decimal(c) / 100))
            for i, c in enumerate(earlier)
        )
        amount = str(Decimal(cents) / 100)
        txn = book(amount, goods_issue_ids=("GI-0042-1",) * listed)
        dec = only().check(txn, ctx(revenue_entries=prior))
        ok = not prior and listed == 1 and Decimal(amount) <= Decimal("10000.00")
        assert (dec.outcome is sc.Outcome.ALLOW) is ok

    @settings(max_examples=100)
    @given(
        form=st.sampled_from(
            [
                str.lower,
                str.swapcase,
                lambda s: s.replace("-", "_"),
                lambda s: s.replace("-", ""),
                lambda s: s.replace("-", " "),
            ]
        ),
        cents=st.integers(1, 10**6),
    )
    def test_property_the_goods_issue_in_another_form_never_books_it_again(
        self, form: object, cents: int
    ) -> None:
        """Attack: the goods issue already recognised, named again in another case or with
        another separator: never ALLOW (it is not the goods issue the context holds, so its
        delivered value is unknown: BLOCK)."""
        first = b.revenue_entry("RV-0042-1", amount="10000")
        other = form("GI-0042-1")  # type: ignore[operator]
        assert other != "GI-0042-1"
        txn = book(str(Decimal(cents) / 100), id="RV-0042-2", goods_issue_ids=(other,))
        dec = only().check(txn, ctx(revenue_entries=(first,)))
        assert dec.outcome is sc.Outcome.BLOCK
        assert "revenue.delivery_unknown" in keys(dec)

    @settings(max_examples=100)
    @given(
        pad=st.sampled_from([" ", "\t", "\u3000", "\u200b", "\u00a0", "\n", "\u202e"]),
        before=st.booleans(),
    )
    def test_property_the_goods_issue_padded_or_with_hidden_characters_is_refused(
        self, pad: str, before: bool
    ) -> None:
        """Attack: the goods issue already recognised, named again with whitespace around it
        or an invisible character in it: refused where it enters (the id is not canonical),
        naming the field, so the booking never reaches the control."""
        other = pad + "GI-0042-1" if before else "GI-0042" + pad + "-1"
        if pad in (" ", "\u3000", "\u00a0"):  # a space inside an id is allowed, not around it
            other = pad + "GI-0042-1" if before else "GI-0042-1" + pad
        with pytest.raises(sc.InvalidInput) as err:
            book("1.00", id="RV-0042-2", goods_issue_ids=(other,))
        assert err.value.path == "RevenueEntry.goods_issue_ids[0]"


def _entry(id: str, amount: str, day: int, gi: str = "GI-1", **kw: object) -> sc.RevenueEntry:
    return sc.RevenueEntry(
        id=id,
        customer_id="C-1",
        goods_issue_ids=(gi,),
        amount=sc.Money(amount, "CNY"),
        booked_on=d(day),
        **kw,  # type: ignore[arg-type]
    )


def _valued(gi: str = "GI-1", value: str = "10000") -> object:
    return attrs.evolve(delivery_record(gi), value=sc.Money(value, "CNY"))


class TestDetective:
    def run(self, **kw: object) -> list[tuple[str, str]]:
        ex = revenue.detect_revenue_once(Records(**kw), MARCH, POLICY)  # type: ignore[arg-type]
        return [(f.message, f.facts[0][1]) for f in ex.findings]

    def test_clean_month(self) -> None:
        """One entry per goods issue, within its value: nothing to report."""
        assert (
            self.run(deliveries=(_valued(),), revenue_entries=(_entry("RV-1", "10000", 6),)) == []
        )

    def test_second_booking_found_at_month_end(self) -> None:
        """The later entry on the same goods issue is the exception."""
        found = self.run(
            deliveries=(_valued(),),
            revenue_entries=(_entry("RV-1", "10000", 6), _entry("RV-2", "10000", 9)),
        )
        assert found == [("revenue.recognised_twice", "RV-2")]

    def test_earlier_month_booking_counts(self) -> None:
        """Recognised in February, again in March: March's entry is reported."""
        february = attrs.evolve(_entry("RV-1", "10000", 20), booked_on=d(20, 2))
        found = self.run(
            deliveries=(_valued(),), revenue_entries=(february, _entry("RV-2", "5", 3))
        )
        assert found == [("revenue.recognised_twice", "RV-2")]

    @pytest.mark.parametrize(
        ("amount", "found"),
        [("10000.00", []), ("10000.01", [("revenue.recognised_above_delivered", "RV-1")])],
    )
    def test_above_the_delivery_register(self, amount: str, found: list[tuple[str, str]]) -> None:
        """Exactly the delivered value passes; one cent over is an exception."""
        assert (
            self.run(deliveries=(_valued(),), revenue_entries=(_entry("RV-1", amount, 6),)) == found
        )

    def test_unvalued_delivery_cannot_be_checked(self) -> None:
        """A delivery record without a value: the entry cannot be verified (fails closed)."""
        found = self.run(deliveries=(delivery_record(),), revenue_entries=(_entry("RV-1", "1", 6),))
        assert found == [("revenue.delivery_value_unknown", "RV-1")]

    def test_a_notice_posted_twice(self) -> None:
        """Any document posted twice under one kind: the repeat is an exception; the same id
        under another kind (an invoice and its void) is not."""
        docs = (
            DocumentEntry("IssueDeliveryNotice", "DN-7", d(2)),
            DocumentEntry("IssueDeliveryNotice", "DN-7", d(3)),
            DocumentEntry("IssueInvoice", "INV-9", d(4)),
            DocumentEntry("VoidInvoice", "INV-9", d(5)),
        )
        assert self.run(documents=docs) == [("revenue.document_duplicate", "DN-7")]

    def test_repeat_outside_the_period_is_not_reported_again(self) -> None:
        """A repeat in February was February's exception."""
        docs = (
            DocumentEntry("PlaceOrder", "SO-1", d(2, 2)),
            DocumentEntry("PlaceOrder", "SO-1", d(3, 2)),
        )
        assert self.run(documents=docs) == []


class TestLedgerAndBooks:
    """The ledger hands the gate what O2C-RR-04 needs; the books register documents and values."""

    def stream(self) -> list[sc.Transaction]:
        o = ORDER
        n = b.notice()
        gi = b.goods_issue(lines=(b.dline(),))
        at = b.AT
        return [
            sc.PlaceOrder(order=o, actor=b.REP, at=at),
            sc.IssueDeliveryNotice(notice=n, order=o, actor=b.REP, at=at),
            sc.IssueDeliveryNotice(notice=n, order=o, actor=b.REP, at=at),
            sc.PostGoodsIssue(goods_issue=gi, order=o, actor=b.WAREHOUSE, at=at),
            book(),
        ]

    def test_context_of_a_second_booking(self) -> None:
        """The context of a second BookRevenue holds the first entry and the order."""
        led = Ledger().fold_all(self.stream())
        c = led.context_for(book(id="RV-0042-2"))
        assert [e.id for e in c.revenue_entries] == ["RV-0042-1"]
        assert [o.id for o in c.orders] == [b.ORDER_ID]
        dec = only().check(book(id="RV-0042-2"), c)
        assert keys(dec) == {"revenue.already_recognised"}

    def test_books_register_documents_and_values(self) -> None:
        """Every document is registered (the notice twice); deliveries carry their value."""
        from salesctl.ledger import Books

        books = Books()
        Ledger(books=books).fold_all(self.stream())
        recs = books.records_for(MARCH)
        assert recs is not None
        kinds = [(x.kind, x.document_id) for x in recs.documents]
        assert kinds.count(("IssueDeliveryNotice", "DN-0042-1")) == 2
        assert [r.value for r in recs.deliveries] == [sc.Money("10000.00", "CNY")]
        found = revenue.detect_revenue_once(recs, MARCH, POLICY)
        assert [(f.message, f.facts[0][1]) for f in found.findings] == [
            ("revenue.document_duplicate", "DN-0042-1")
        ]


def test_period_is_the_month() -> None:
    """The detective side runs at month end."""
    c = CONTROLS["O2C-RR-04"]
    assert c.detect_at == frozenset({sc.Frequency.MONTHLY})
    assert c.kinds == frozenset({sc.Kind.PREVENTIVE, sc.Kind.DETECTIVE})
    assert dt.date(2026, 3, 31) in MARCH


def _duplicates_sorting_all(records: Records, period: sc.Period) -> list[sc.Finding]:
    """O2C-RR-04's duplicate postings as first written: the whole register sorted by date."""
    from salesctl.decision import make_finding

    seen: dict[tuple[str, str], int] = {}
    out = []
    for doc in sorted(records.documents, key=lambda x: x.posted_on):
        key = (doc.kind, doc.document_id)
        n = seen[key] = seen.get(key, 0) + 1
        if n > 1 and doc.posted_on in period:
            out.append(
                make_finding(
                    "O2C-RR-04",
                    sc.Outcome.BLOCK,
                    "revenue.document_duplicate",
                    doc.document_id,
                    params={"kind": doc.kind, "document": doc.document_id, "times": n},
                    facts={"posted_on": doc.posted_on, "customer": doc.customer_id or "-"},
                )
            )
    return out


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["PlaceOrder", "IssueInvoice", "VoidInvoice"]),
            st.sampled_from(["D-1", "D-2", "D-3", "D-4"]),
            st.integers(1, 3),  # month
            st.integers(1, 3),  # day: ties in the date
            st.sampled_from([None, "C-1", "C-2"]),
        ),
        max_size=12,
    )
)
def test_duplicates_only_sorting_repeated_keys_is_sorting_the_register(rows: list) -> None:
    """The duplicate postings found by sorting only the postings of repeated keys are those
    (and in the order, with the counts and facts) found by sorting the whole register: repeated
    and unique keys, ties in the date, repeats inside and outside the period."""
    from salesctl.controls.revenue.once import _duplicates

    docs = tuple(DocumentEntry(k, i, d(day, month), customer_id=c) for k, i, month, day, c in rows)
    records = Records(documents=docs)
    for period in (MARCH, sc.Period.month(2026, 2)):
        assert _duplicates(records, period) == _duplicates_sorting_all(records, period)


def _detect_as_first_written(records: Records, period: sc.Period) -> sc.Examination:
    """O2C-RR-04's detective side before its month-end tables were cut down: every goods
    issue of the delivery register valued, every entry's first recognition keyed by a
    ``(goods issue, settlement)`` pair, the whole register's ids counted."""
    from salesctl.controls.revenue.once import _over_value

    out: list[sc.Finding] = []
    value: dict[str, sc.Money | None] = {}
    for dl in records.deliveries:
        gid = dl.goods_issue_id
        have = value.get(gid, dl.value and sc.Money.zero(dl.value.currency))
        if have is None or dl.value is None or dl.value.currency != have.currency:
            value[gid] = None
        else:
            value[gid] = have + dl.value
    first: dict[tuple[str, str | None], sc.RevenueEntry] = {}
    booked: set[str] = set()
    tested = 0
    from salesctl.decision import make_finding

    for e in sorted(records.revenue_entries, key=lambda x: x.booked_on):
        again = e.id in booked
        booked.add(e.id)
        mine = e.booked_on in period
        tested += mine
        for gid in e.goods_issue_ids:
            key = (gid, e.consignment_settlement_id)
            prior = first.get(key)
            if prior is None:
                first[key] = e
            elif mine and not again and prior.id != e.id:
                out.append(
                    make_finding(
                        "O2C-RR-04",
                        sc.Outcome.BLOCK,
                        "revenue.recognised_twice",
                        e.id,
                        params={"entry": e.id, "goods_issue": gid, "earlier": prior.id},
                        facts={
                            "earlier_booked_on": prior.booked_on,
                            "earlier_amount": prior.amount,
                            "booked_on": e.booked_on,
                            "amount": e.amount,
                        },
                    )
                )
        if mine and not again and e.consignment_settlement_id is None:
            out.extend(_over_value(e, value))
    out.extend(_duplicates_sorting_all(records, period))
    tested += sum(1 for x in records.documents if x.posted_on in period)
    return sc.Examination(tested, tuple(out))


_GIS = ["GI-1", "GI-2", "GI-3"]


@settings(max_examples=300, deadline=None)
@given(
    deliveries=st.lists(
        st.tuples(
            st.sampled_from(_GIS),
            st.sampled_from([None, "10.00", "2500.00"]),
            st.sampled_from(["CNY", "USD"]),
        ),
        max_size=8,
    ),
    entries=st.lists(
        st.tuples(
            st.sampled_from(["RV-1", "RV-2", "RV-3", "RV-4"]),
            st.lists(st.sampled_from(_GIS), min_size=1, max_size=3),
            st.sampled_from(["5.00", "2500.00", "9999.00"]),
            st.sampled_from(["CNY", "USD"]),
            st.integers(2, 4),  # month: before, in and after the period
            st.integers(1, 3),  # day: ties in the date
            st.sampled_from([None, None, "CS-1", "CS-2"]),
        ),
        max_size=8,
    ),
    documents=st.lists(
        st.tuples(
            st.sampled_from(["PlaceOrder", "IssueInvoice"]),
            st.sampled_from(["D-1", "D-2", "D-3"]),
            st.integers(2, 4),
            st.integers(1, 3),
        ),
        max_size=8,
    ),
)
def test_the_detective_side_equals_it_as_first_written(
    deliveries: list, entries: list, documents: list
) -> None:
    """O2C-RR-04 over a month's register, with only the month's goods issues valued, a goods
    issue's first entry keyed by its id alone when no settlement is named, the entries' tables
    let go before the register's count and only the month's ids counted (the month-end peak
    of the replay), finds what it found valuing and counting everything — the same findings in
    the same order, the same count tested: entries repeated and booked in other months,
    consignment settlements, goods issues unvalued or valued in two currencies, documents
    repeated inside and outside the month."""
    recs = Records(
        deliveries=tuple(
            attrs.evolve(delivery_record(g), value=None if v is None else sc.Money(v, c))
            for g, v, c in deliveries
        ),
        revenue_entries=tuple(
            sc.RevenueEntry(
                id=i,
                customer_id="C-1",
                goods_issue_ids=tuple(gis),
                amount=sc.Money(a, c),
                booked_on=d(day, month),
                consignment_settlement_id=s,
            )
            for i, gis, a, c, month, day, s in entries
        ),
        documents=tuple(DocumentEntry(k, i, d(day, month)) for k, i, month, day in documents),
    )
    assert revenue.detect_revenue_once(recs, MARCH, POLICY) == _detect_as_first_written(recs, MARCH)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["PlaceOrder", "IssueInvoice"]),
            st.sampled_from(["D-1", "D-2", "D-3", "D-4"]),
            st.integers(2, 4),
            st.integers(1, 3),
        ),
        max_size=12,
    )
)
def test_duplicates_counting_the_months_ids_given_or_found(rows: list) -> None:
    """The register's repeats counted over the ids posted in the period, handed in by the
    control (in any order, repeated) or found by ``_duplicates`` itself, are those found by
    sorting the whole register."""
    from salesctl.controls.revenue.once import _duplicates

    records = Records(documents=tuple(DocumentEntry(k, i, d(day, m)) for k, i, m, day in rows))
    want = _duplicates_sorting_all(records, MARCH)
    posted = [x.document_id for x in records.documents if x.posted_on in MARCH]
    assert _duplicates(records, MARCH) == want
    assert _duplicates(records, MARCH, posted[::-1] + posted) == want
