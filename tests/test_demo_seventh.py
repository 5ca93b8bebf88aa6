"""The demo generator's seventh-pass shortcuts give what the slow paths give (issue 16).

* Enum members are written by their ``_value_`` (or an ``IntEnum``'s ``_name_``), read
  directly: what :func:`~salesctl._convert.unstructure` writes, for every enum of the model,
  the records, the events and the transactions.
* An order, its lines and terms and a credit profile are converted once per instance (their
  data reused by the later events carrying the same instance): the data of a new conversion.
* The month-end contract ledgers: the finance book's line is written from the sales book's
  data with its book and collected amount replaced (:meth:`Host.record_data`); over a year
  with every injector (the ledger skew included) each such line's data is the line's own.
* The regular products and the products by id are kept once (the same draws, the same lots).
"""

from __future__ import annotations

import datetime as dt
import enum
import gc
import inspect

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import salesctl.demo.host as host_module
import salesctl.events as events_module
import salesctl.model as model_module
import salesctl.records as records_module
import salesctl.transactions as transactions_module
from salesctl._convert import unstructure
from salesctl.demo import World, generate
from salesctl.demo.encode import event_data, to_data
from salesctl.demo.host import TZ, DemoError, month_of
from salesctl.events import KeepContractLedger, event_to_dict


def _enums() -> list[type[enum.Enum]]:
    found: dict[type[enum.Enum], None] = {}
    for module in (model_module, records_module, events_module, transactions_module):
        for _, value in inspect.getmembers(module, inspect.isclass):
            if issubclass(value, enum.Enum) and value.__module__.startswith("salesctl"):
                found[value] = None
    return list(found)


class TestEnums:
    def test_every_member_converts_as_unstructure(self) -> None:
        """Each member of each enum the documents carry: the data ``unstructure`` writes."""
        kinds = _enums()
        assert len(kinds) > 15
        for kind in kinds:
            for member in kind:
                assert to_data(member) == unstructure(member), member
                assert type(to_data(member)) is type(unstructure(member)), member

    def test_an_int_enum_is_written_by_name(self) -> None:
        """An ``IntEnum`` (not in the model today) is written by its member's name."""

        class Level(enum.IntEnum):
            LOW = 1
            HIGH = 2

        assert [to_data(m) for m in Level] == ["LOW", "HIGH"] == [unstructure(m) for m in Level]


@pytest.fixture(scope="module")
def world() -> World:
    w = World(seed=7, year=2026, customers=8, orders=60)
    w.run(())
    return w


class TestSharedInstances:
    @settings(max_examples=40, deadline=None)
    @given(st.integers(min_value=0, max_value=10**6), st.integers(min_value=0, max_value=7))
    def test_an_order_converts_once_as_unstructure(self, n: int, c: int) -> None:
        """Any order the host draws up, converted the first time and again (and an equal
        order built apart, and one differing in a field): ``unstructure``'s data each time."""
        w = World(seed=n, year=2026, customers=8, orders=20)
        cust = w.customers[c]
        order = w.new_order(cust, w.at(w._now.date(), 11))
        first = to_data(order)
        assert first == unstructure(order)
        assert to_data(order) == first
        twin = attrs.evolve(order)
        assert to_data(twin) == first
        other = attrs.evolve(order, contract_id="CT-2026-99999")
        assert to_data(other) == unstructure(other) != first
        for line in order.lines:
            assert to_data(line) == unstructure(line)
        assert to_data(order.payment) == unstructure(order.payment)

    def test_the_events_of_a_year_convert_as_event_to_dict(self) -> None:
        """A year's events converted again through the generic path give the data written
        (each order carried by several events, each contract's lines by its contract)."""
        from salesctl.events import parse_event

        demo = generate(seed=8, customers=10, orders=120)
        orders = 0
        for data in demo.events:
            if isinstance(data, str):
                continue
            event = parse_event(data)
            assert event_to_dict(event) == data
            orders += "order" in data
        assert orders > 200


class TestContractLedgerLines:
    def test_every_line_written_from_data_is_the_lines_own(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """A year with every injector (the O2C-CT ledger skew among them): each record
        written with data the caller made has that data as its own (the host raises
        ``DemoError`` otherwise), and the year is the one written without the check."""
        written: list[object] = []
        original = host_module.Host.record_data

        def counted(self: host_module.Host, rec: object, data: dict[str, object]) -> None:
            written.append(rec)
            original(self, rec, data)

        monkeypatch.setattr(host_module, "_VERIFY_DATA", True)
        monkeypatch.setattr(host_module.Host, "record_data", counted)
        verified = generate(seed=5, customers=12, orders=80)
        monkeypatch.setattr(host_module, "_VERIFY_DATA", False)
        monkeypatch.setattr(host_module.Host, "record_data", original)
        ledgers = [r for r in written if type(r) is KeepContractLedger]
        assert len(ledgers) > 100
        # (the eighth pass writes the host's grants of approvals this way too, the
        # nineteenth the bank's receipt lines, finance's copies, proofs and closings)
        assert {type(r).__name__ for r in written} == {
            "KeepContractLedger",
            "GrantApproval",
            "KeepReceiptRecord",
            "IssueSalesInvoice",
            "PostGLRevenue",
            "ReceiveDeliveryProof",
            "CloseOrder",
            "CountShipments",
            "CountStock",
            "ReadStorage",
        }
        books = {r.line.book for r in ledgers}  # type: ignore[attr-defined]
        assert len(books) == 2
        assert verified.events == generate(seed=5, customers=12, orders=80).events

    def test_wrong_data_is_refused(self, monkeypatch: pytest.MonkeyPatch, world: World) -> None:
        """The check catches data that is not the record's own."""
        line = next(
            e
            for e in generate(seed=5, customers=12, orders=40).events
            if isinstance(e, dict) and e["type"] == "KeepContractLedger"
        )
        from salesctl.events import parse_event

        rec = parse_event(line)
        monkeypatch.setattr(host_module, "_VERIFY_DATA", True)
        wrong = {**line, "line": {**line["line"], "collected": "0.01 CNY"}}
        with pytest.raises(DemoError):
            world.record_data(rec, wrong)
        world.record_data(rec, event_data(rec))


class TestProducts:
    def test_kept_products_are_the_catalogues(self, world: World) -> None:
        """The products by id and the regular ones are those of the catalogue, in order."""
        assert world.regular_products == [p for p in world.products if not p.central]
        assert list(world.product_by_id.values()) == world.products
        for p in world.products:
            assert world.product_by_id[p.product.id] is p


class TestCollector:
    def test_the_collector_is_as_it_was_after_a_year(self) -> None:
        """Automatic collection back on and nothing left frozen by the run."""
        enabled, frozen = gc.isenabled(), gc.get_freeze_count()
        generate(seed=3, customers=6, orders=30)
        assert gc.isenabled() == enabled
        assert gc.get_freeze_count() == frozen


class TestMonth:
    @given(st.dates())
    def test_month_of_is_strftime(self, day: dt.date) -> None:
        """``month_of`` writes what ``strftime("%Y-%m")`` writes, for a date and a time."""
        assert month_of(day) == day.strftime("%Y-%m")
        at = dt.datetime.combine(day, dt.time(23, 59), tzinfo=TZ)
        assert month_of(at) == at.strftime("%Y-%m")


class _Forgetful(dict):  # type: ignore[type-arg]
    """Remembers nothing: the approver drawn afresh for every requirement."""

    def __setitem__(self, key: object, value: object) -> None:
        pass


class TestApprovers:
    def test_the_year_is_the_one_drawing_every_approver_afresh(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """A year with every injector (proposers excluded, multi-step chains): the same
        events when the host draws each approver afresh instead of remembering it."""
        remembered = generate(seed=5, customers=12, orders=80)
        original = host_module.Host._approval_for
        calls: list[int] = []

        def afresh(self: host_module.Host, req: object, txn: object) -> object:
            if not isinstance(self._approvers, _Forgetful):
                self._approvers = _Forgetful()
            calls.append(1)
            return original(self, req, txn)

        monkeypatch.setattr(host_module.Host, "_approval_for", afresh)
        drawn = generate(seed=5, customers=12, orders=80)
        assert len(calls) > 100
        assert drawn.events == remembered.events

    def test_every_key_part_chooses_the_approver(self) -> None:
        """Requirements differing only in excluded ids, proposer or step, asked one after the
        other of one host: each the approver a host remembering nothing draws."""
        import itertools

        from salesctl.decision import ApprovalRequirement
        from salesctl.model import Actor

        kept = World(seed=7, year=2026, customers=8, orders=60)
        first = kept.person("credit_manager", 2).id
        seen = set()
        for excluded, proposer, step in itertools.product(
            ((), (first,)), ("u-rep-01", first), (0, 1, 2)
        ):
            req = ApprovalRequirement(
                role="credit_manager",
                min_level=2,
                document_id="SO-1",
                control_id="O2C-CR-01",
                step=step,
                excluded=excluded,
            )
            txn = attrs.make_class("Txn", ["actor", "at"])(
                Actor(id=proposer, roles=frozenset({"sales_rep"})), kept._now
            )
            fresh = World(seed=7, year=2026, customers=8, orders=60)
            who = kept._approval_for(req, txn).approver
            assert who == fresh._approval_for(req, txn).approver
            seen.add(who.id)
        assert len(seen) >= 4
