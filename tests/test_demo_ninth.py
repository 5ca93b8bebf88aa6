"""The demo generator's ninth-pass shortcuts give what the slow paths give (issue 16).

* The month end's contract-ledger lines (a third of the stream) are written from data the
  host makes (every field, in order): the bytes ``event_data`` gives (checked as encoded
  lines).
* The ledger's trusted contexts take their price book and price maintainers from
  :func:`salesctl.ledger.context.price_views`, made once per sequence of entries: what the
  constructor derives, for any entries (repeated, several of a product, blank maintainers),
  and for every context of a generated year.
* A context's ``advance_receipts`` is the ledger's one-entry map made once per amount held
  (:func:`salesctl.ledger.context.advance_view`): the map of that amount as ``Money``.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import salesctl.demo.host as host_module
import salesctl.ledger.context as ledger_context
from salesctl._validators import FrozenMap
from salesctl.context import Context, _book, _maintainers
from salesctl.demo import World, generate
from salesctl.demo.host import Host
from salesctl.events import KeepContractLedger
from salesctl.ledger import Ledger
from salesctl.money import Money
from tests import builders as b
from tests.test_demo_eighth import written_as_data


class TestContractLedgerData:
    def test_every_contract_ledger_line_is_written_as_its_own_data(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """A year with every injector (its contract-ledger skews included): each contract
        ledger line written from the data the host made has, key for key and in order, the
        data ``event_data`` gives (the host raises ``DemoError`` otherwise), and the year is
        the one written without the check."""
        lines, verified = written_as_data(monkeypatch, KeepContractLedger)
        assert len(lines) > 100
        assert {r.line.book.name for r in lines} == {"SALES", "FINANCE"}
        assert verified.events == generate(seed=5, customers=12, orders=80).events

    def test_a_wrong_line_is_refused(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """With the check on, a contract-ledger line whose data differs from the record's
        (here a collected amount left out of its skew) stops the generator."""
        world = World(seed=5, year=2026, customers=12, orders=80)
        monkeypatch.setattr(host_module, "_VERIFY_DATA", True)
        original = Host.record_data

        def wrong(self: Host, rec: Any, data: dict[str, Any]) -> None:
            if type(rec) is KeepContractLedger:
                data = {**data, "line": {**data["line"], "collected": "0.01 CNY"}}
            original(self, rec, data)

        monkeypatch.setattr(Host, "record_data", wrong)
        with pytest.raises(host_module.DemoError, match="KeepContractLedger"):
            world.run(())


#: A pool of entries: two products, several entries of one, blank and missing maintainers,
#: equal entries that are distinct objects.
_ENTRIES = (
    b.price_entry("P-1", "100"),
    b.price_entry("P-1", "100"),
    b.price_entry("P-1", "90", valid_from=dt.date(2026, 3, 1), maintained_by="U-Price"),
    b.price_entry("P-2", "7", maintained_by=None),
    b.price_entry("P-2", "8", maintained_by="u-other"),
    b.price_entry("P-3", "1", maintained_by="u-price"),
)


class TestPriceViews:
    @settings(max_examples=80, deadline=None)
    @given(st.lists(st.lists(st.sampled_from(_ENTRIES), max_size=6), max_size=6))
    def test_the_views_are_the_constructors(self, calls: list[list[Any]]) -> None:
        """For any entries, in any order, asked for again or not: the price book and the
        maintainers the constructor derives, with the views of each call's own entries."""
        ledger_context._PRICE_VIEWS.clear()
        for entries in calls:
            prices = tuple(entries)
            book, maintainers = ledger_context.price_views(prices)
            assert book == _book(prices)
            assert list(book) == list(_book(prices))
            assert maintainers == _maintainers(prices)
            for pid, listed in book.items():
                assert all(
                    x is y
                    for x, y in zip(listed, (e for e in prices if e.product_id == pid), strict=True)
                )

    def test_equal_entries_of_other_objects_are_not_taken_for_them(self) -> None:
        """The views are remembered by the entries' identities, and kept with them."""
        ledger_context._PRICE_VIEWS.clear()
        first = (_ENTRIES[0],)
        book, _ = ledger_context.price_views(first)
        other, _ = ledger_context.price_views((_ENTRIES[1],))
        assert other["P-1"][0] is _ENTRIES[1] and book["P-1"][0] is _ENTRIES[0]
        assert ledger_context.price_views(first)[0] is book
        assert all(v[2] is not None for v in ledger_context._PRICE_VIEWS.values())

    def test_every_context_of_a_year_has_the_constructors_views(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """A year with every injector: each context the ledger built for the gate has the
        price book and maintainers of its validated copy, and no stock index yet."""
        built: list[Context] = []
        original = Ledger.context_for

        def recording(self: Ledger, txn: Any, scope: Any = None) -> Context:
            ctx = original(self, txn, scope)
            assert ctx._stock_index is None
            built.append(ctx)
            return ctx

        monkeypatch.setattr(Ledger, "context_for", recording)
        generate(seed=5, customers=12, orders=80)
        assert len(built) > 500
        assert sum(bool(ctx.prices) for ctx in built) > 300
        for n, ctx in enumerate(built):
            checked = attrs.evolve(ctx)
            assert ctx._price_book == checked._price_book, n
            assert list(ctx._price_book) == list(checked._price_book), n
            assert ctx._price_maintainers == checked._price_maintainers, n


class TestAdvanceView:
    @settings(max_examples=60, deadline=None)
    @given(
        st.lists(
            st.tuples(
                st.sampled_from(["C-1", "C-2"]),
                st.sampled_from([Decimal(0), Decimal("0.00"), Decimal("12.5"), Decimal(7)]),
                st.sampled_from(["CNY", "USD"]),
            ),
            max_size=12,
        )
    )
    def test_the_view_is_the_map_of_the_amount(self, asks: list[tuple[str, Decimal, str]]) -> None:
        """For any customers, amounts (equal amounts of other objects included) and
        currencies, asked in any order: the one-entry map of the amount as ``Money``."""
        ledger_context._ADVANCE_VIEWS.clear()
        for cid, amount, cur in asks:
            view = ledger_context.advance_view(cid, amount, cur)
            expected = {cid: Money(amount, cur)}
            assert type(view) is FrozenMap
            assert view == FrozenMap(expected)
            assert str(view[cid]) == str(expected[cid])

    def test_another_amount_is_not_taken_for_the_last(self) -> None:
        """The amount is compared by identity: a new balance gives a new map."""
        ledger_context._ADVANCE_VIEWS.clear()
        first = ledger_context.advance_view("C-1", Decimal("5.00"), "CNY")
        assert ledger_context.advance_view("C-1", Decimal("6.00"), "CNY")["C-1"] == Money(
            "6.00", "CNY"
        )
        assert first["C-1"] == Money("5.00", "CNY")
