"""The ledger and the books hold the same state in smaller containers (issue 16, seventh pass):
an order's document flow in tuples instead of dicts by id, the books' order and receivable
registers in slotted entries instead of flat dicts, the dated registers in two parallel lists
instead of a list of ``(day, value)`` tuples, an order's record kept without a copy of the
values it was built from. Each is checked here against the container it replaces (hypothesis
where it fits); the reports are checked by ``tests/test_fastreplay.py``,
``tests/test_replay_shortcuts.py`` and the demo hashes."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from operator import is_
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from salesctl.ledger import books as books_module
from salesctl.ledger.books import Books, Dated, OrderBook, ReceivableBook
from salesctl.ledger.state import add_proof, by_id, put
from salesctl.records import OrderEntry, Period


@dataclass(frozen=True)
class _Doc:
    id: str
    n: int


@dataclass(frozen=True)
class _Proof:
    id: str
    goods_issue_id: str
    n: int


_IDS = st.sampled_from(["A", "B", "C", "D"])


@given(st.lists(st.tuples(_IDS, st.integers(0, 9)), max_size=12))
def test_put_keeps_what_a_dict_by_id_keeps_in_its_order(ops: list[tuple[str, int]]) -> None:
    held: tuple[Any, ...] = ()
    model: dict[str, _Doc] = {}
    for ident, n in ops:
        doc = _Doc(ident, n)
        held = put(held, doc)
        model[doc.id] = doc
        assert held == tuple(model.values())
        for i in ("A", "B", "C", "D", "E"):
            assert by_id(held, i) is model.get(i)


@given(st.lists(st.tuples(_IDS, st.sampled_from(["g1", "g2", "g3"]), st.integers(0, 9))))
def test_add_proof_keeps_what_a_dict_of_lists_by_goods_issue_keeps(
    ops: list[tuple[str, str, int]],
) -> None:
    """The fold it replaces: ``ps = proofs.setdefault(gid, []); ps[:] = [x for x in ps if
    x.id != p.id]; ps.append(p)``, flattened in the dict's order."""
    held: tuple[Any, ...] = ()
    model: dict[str, list[_Proof]] = {}
    for ident, gid, n in ops:
        p = _Proof(ident, gid, n)
        held = add_proof(held, p)
        ps = model.setdefault(gid, [])
        ps[:] = [x for x in ps if x.id != p.id]
        ps.append(p)
        assert held == tuple(x for xs in model.values() for x in xs)
        for g in ("g1", "g2", "g3"):
            assert tuple(x for x in held if x.goods_issue_id == g) == tuple(model.get(g, ()))


def _order_dict(e: OrderBook) -> dict[str, Any]:
    return {
        "order_id": e.order_id,
        "series": e.series,
        "seq": e.seq,
        "customer_id": e.customer_id,
        "created_on": e.created_on,
        "completed_on": e.completed_on,
        "valid_until": e.valid_until,
        "closed_on": e.closed_on,
        "voided": e.voided,
    }


def test_an_order_entry_reads_as_the_flat_dict_it_replaces() -> None:
    e = OrderBook("SO-1", "SO", 1, "C-1", dt.date(2026, 1, 2))
    e["completed_on"] = dt.date(2026, 1, 9)
    e["voided"] = True
    d = _order_dict(e)
    assert dict(zip(e.keys(), e.values(), strict=True)) == d
    assert sorted(e.keys()) == sorted(d)
    assert len(e) == len(d)
    assert e["completed_on"] == dt.date(2026, 1, 9)
    assert e.get("closed_on") is None
    assert e.get("nothing", 7) == 7
    assert OrderEntry(**e) == OrderEntry(**d)
    other = OrderBook("SO-1", "SO", 1, "C-1", dt.date(2026, 1, 2))
    assert e != other
    other["completed_on"] = dt.date(2026, 1, 9)
    other["voided"] = True
    assert e == other


def test_an_order_record_holds_its_entry_values_themselves() -> None:
    """The books keep an order's record alone because it holds the entry's values as they
    are (no converter copies them): compared by identity field by field, an unchanged entry
    finds its record and a changed one does not."""
    e = OrderBook("SO-1", "SO", 1, "C-1", dt.date(2026, 1, 2))
    same = books_module._SAME["orders"]
    record = OrderEntry(**e)
    assert all(map(is_, same(record), e.values()))
    e["completed_on"] = dt.date(2026, 2, 1)
    assert not all(map(is_, same(record), e.values()))


def test_a_receivable_entry_reads_as_the_flat_dict_it_replaces() -> None:
    from decimal import Decimal

    it = ReceivableBook(
        "INV-1",
        "C-1",
        "SO-1",
        dt.date(2026, 1, 2),
        dt.date(2026, 2, 1),
        Decimal("10.00"),
        "CNY",
        "u",
    )
    assert it["open"] is it["amount"]
    it["open"] -= Decimal("4.00")
    it["interest"] = dt.date(2026, 3, 1)
    assert dict(zip(it.keys(), it.values(), strict=True))["open"] == Decimal("6.00")
    assert dict(zip(it.keys(), it.values(), strict=True))["interest"] == dt.date(2026, 3, 1)
    assert len(it) == 13


def test_records_built_from_cache_are_the_same_objects_while_their_entries_stand() -> None:
    b = Books()
    b.orders["SO-1"] = OrderBook("SO-1", "SO", 1, "C-1", dt.date(2026, 1, 2))
    b.orders["SO-2"] = OrderBook("SO-2", "SO", 2, "C-1", dt.date(2026, 1, 3))
    one = b.records_for(Period.month(2026, 1))
    two = b.records_for(Period.month(2026, 1))
    assert one is not None and two is not None
    assert one.orders[0] is two.orders[0] and one.orders[1] is two.orders[1]
    b.orders["SO-2"]["closed_on"] = dt.date(2026, 1, 20)
    three = b.records_for(Period.month(2026, 1))
    assert three is not None
    assert three.orders[0] is one.orders[0]
    assert three.orders[1] is not one.orders[1]
    assert three.orders[1] == OrderEntry(**b.orders["SO-2"])


_DAYS = st.integers(0, 150).map(lambda n: dt.date(2026, 1, 1) + dt.timedelta(days=n))


@dataclass(frozen=True)
class _Count:
    count_id: str
    n: int


@given(
    st.lists(
        st.one_of(
            st.tuples(st.just("keep"), _DAYS, st.sampled_from(["k1", "k2", "k3", None])),
            st.tuples(st.just("close"), st.sampled_from([31, 59, 90, 120]), st.none()),
        ),
        max_size=30,
    )
)
def test_a_dated_register_keeps_what_the_list_of_pairs_kept(ops: list[Any]) -> None:
    """``Books.keep`` (an ident replaces the earlier entry), the period's records and the
    retention at a month's close, against the list of ``(day, value)`` tuples they replace."""
    b = Books(retention_days=45)
    model: list[tuple[dt.date, Any]] = []
    where: dict[str, int] = {}
    for n, (op, a, ident) in enumerate(ops):
        if op == "keep":
            value = _Count(ident, n) if ident is not None else _Count("-", n)
            b.keep("consignment_counts", a, value, ident)
            if ident is not None:
                at = where.get(ident)
                if at is not None and at < len(model) and model[at][1] is not None:
                    model[at] = (model[at][0], None)
                where[ident] = len(model)
            model.append((a, value))
        else:
            day = dt.date(2026, 1, 1) + dt.timedelta(days=a - 1)
            while (day + dt.timedelta(days=1)).day != 1:
                day += dt.timedelta(days=1)
            b.after_close(day)
            cutoff = day - b.retention
            if model and model[0][0] < cutoff:
                model = [(d, v) for d, v in model if d >= cutoff and v is not None]
                where = {v.count_id: pos for pos, (_, v) in enumerate(model) if v.count_id != "-"}
        held = b._dated.get("consignment_counts", Dated())
        assert list(held) == model
        assert len(held) == len(model)
        # what a period's records take from it (records_for)
        assert [v for v in held.values if v is not None] == [v for _, v in model if v is not None]


@given(st.lists(st.tuples(_DAYS, st.integers()), max_size=10))
def test_a_dated_register_iterates_its_pairs(pairs: list[tuple[dt.date, int]]) -> None:
    assert list(Dated.of(pairs)) == pairs


@given(
    st.lists(
        st.tuples(st.sampled_from(["place", "deliver", "invoice"]), st.integers(1, 5)),
        max_size=20,
    )
)
def test_an_orders_flat_line_quantities_follow_the_dict_of_lists(ops: list[Any]) -> None:
    """``Books._lines`` holds an order's line quantities flat (line number, ordered,
    delivered, invoiced, ...); ``_line_at`` finds a line as the dict by line number did."""
    from decimal import Decimal

    from salesctl.ledger.book_folds import _line_at

    flat: list[Any] = []
    model: dict[int, list[Decimal]] = {}
    for n, (op, no) in enumerate(ops):
        q = Decimal(n + 1)
        k = _line_at(flat, no)
        assert (k >= 0) == (no in model)
        if op == "place":
            if k < 0:
                flat.extend((no, q, Decimal(0), Decimal(0)))
                model[no] = [q, Decimal(0), Decimal(0)]
            else:
                flat[k + 1] = q
                model[no][0] = q
        elif k >= 0:
            i = 1 if op == "deliver" else 2
            flat[k + 1 + i] += q
            model[no][i] += q
        assert {flat[j]: flat[j + 1 : j + 4] for j in range(0, len(flat), 4)} == model


_RECEIVABLE_CHANGES = st.lists(
    st.tuples(
        st.sampled_from(["INV-1", "INV-2"]),
        st.sampled_from(["settle", "interest", "offset", "litigation", "void", "none"]),
        st.sampled_from([Decimal("1.00"), Decimal("2.50"), Decimal("0.5"), Decimal("100.00")]),
    ),
    max_size=12,
)


@given(_RECEIVABLE_CHANGES, st.sampled_from([Decimal("10.00"), Decimal("10"), Decimal("7.5")]))
def test_a_receivable_record_is_kept_only_while_what_it_holds_is_the_entry_s(
    changes: list[tuple[str, str, Decimal]], amount: Decimal
) -> None:
    """Receivable records held alone, compared with their entry by identity (the amounts'
    ``Decimal`` shared when at the minor unit, built again otherwise): after every change and
    period run, each record equals a record built afresh from its entry."""
    b = Books()
    for n in (1, 2):
        b.receivables[f"INV-{n}"] = ReceivableBook(
            f"INV-{n}", "C-1", "SO-1", dt.date(2026, 1, 2), dt.date(2026, 2, 1), amount, "CNY", "u"
        )
    day = dt.date(2026, 1, 10)
    at_unit = amount.as_tuple().exponent == -2
    for ident, change, x in changes:
        it = b.receivables[ident]
        if change == "settle" and it["settled_on"] is None:
            it["open"] = max(it["open"] - x, Decimal("0.00"))
            if not it["open"]:
                it["settled_on"] = day
        elif change == "void" and it["settled_on"] is None:
            it["open"] = Decimal(0)
            it["settled_on"] = day
        elif change in ("interest", "offset", "litigation"):
            key = {"offset": "commission_offset"}.get(change, change)
            it[key] = day
        day += dt.timedelta(days=1)
        before = b._records.get("receivables", {})
        got = b.records_for(Period.month(2026, 1))
        assert got is not None
        for r in got.receivables:
            fresh = books_module._receivable(b.receivables[r.item_id])
            assert r == fresh and repr(r) == repr(fresh)
            assert r.amount.amount.as_tuple() == fresh.amount.amount.as_tuple()
            assert r.outstanding.amount.as_tuple() == fresh.outstanding.amount.as_tuple()
            kept = before.get(r.item_id)
            if change == "none" and ident == r.item_id and kept is not None:
                # Unchanged: kept itself while its amounts are at the minor unit (a void's
                # zero is not), built again while they are not.
                if at_unit and r.settled_on is None:
                    assert kept is r
                if not at_unit:
                    assert kept is not r
