"""Issue 16, twelfth pass: the demo's fixed costs and the host ledger's approvals.

The pins:

* A class's JSON converter (:mod:`salesctl.demo.encode`) converts its first values from the
  fields' spec (:func:`~salesctl.demo.encode._convert_fields`) and is generated only after
  :data:`~salesctl.demo.encode._COMPILE_AFTER` of them: every event of a year with every
  injector converts to the same data, key order included, both ways; a year written with the
  converters generated at once and one written with none generated are the same bytes.
* A context key set's builder (:mod:`salesctl.ledger.context`) is generated only after
  :data:`~salesctl.ledger.context._COMPILE_AFTER` contexts; before, the fields' spec builds
  them (:func:`~salesctl.ledger.context._build_from_spec`): every context of a year with every
  injector is, slot for slot (the derived ones included), what the generated builder gives,
  and what the validated constructor gives; a key set the constructor refuses goes to it.
* ``scope_of`` reads each event class and each document class through generated code
  (:func:`~salesctl.ledger.scope._compile_scoper`, ``_compile_scanner``): every event of a
  year with every injector, read back and as the host posts it, and any document with a
  ``__getattr__`` fallback or lines with and without ``product_id`` (hypothesis), is scoped
  as :func:`~salesctl.ledger.scope.plain_scope_of` (the plans' reading) scopes it.
* ``cny`` quantises a Decimal without copying it first: the same amount, exponent and sign
  (hypothesis over Decimals, integers and texts).
* The host's ledger never freezes its approvals (:class:`~salesctl.demo.host.WarmApprovals`):
  a year with every injector written with the audit ledger's freezing (frozen approvals read
  back by contexts) is the same bytes.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any
from unittest.mock import Mock

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import salesctl.demo.encode as encode_module
import salesctl.demo.host as host_module
import salesctl.ledger.context as context_module
import salesctl.ledger.ledger as ledger_module
from salesctl.context import Context
from salesctl.demo import generate
from salesctl.demo.encode import encode_line, event_data
from salesctl.demo.host import CENT, cny
from salesctl.errors import SalesctlError
from salesctl.events import parse_event
from salesctl.ledger.cold import ColdApprovals
from salesctl.ledger.cold_contracts import ColdContracts
from salesctl.ledger.scope import plain_scope_of, scope_of
from salesctl.money import Money

_YEAR = {"seed": 5, "customers": 12, "orders": 80}


@pytest.fixture(scope="module")
def year() -> list[dict[str, Any] | str]:
    return list(generate(**_YEAR).events)  # type: ignore[arg-type]


@pytest.fixture
def fresh_converters(monkeypatch: pytest.MonkeyPatch) -> Any:
    """The writer's converters forgotten (each made again on first use, generated after the
    number of values given), then restored."""
    by_type = encode_module._BY_TYPE
    saved = dict(by_type)

    def forget(after: int) -> None:
        monkeypatch.setattr(encode_module, "_COMPILE_AFTER", after)
        monkeypatch.setattr(encode_module, "_EVENTS", {})
        kept = {t: c for t, c in saved.items() if c is None}
        by_type.clear()
        by_type.update(kept)

    yield forget
    by_type.clear()
    by_type.update(saved)


class TestLazyConverters:
    def test_spec_and_generated_converters_agree_on_every_event(
        self, year: list[dict[str, Any] | str]
    ) -> None:
        """Each event of the year (read back) converts to the same data, key order included,
        from the fields' spec and through the generated converter."""
        kinds = set()
        for data in year:
            if isinstance(data, str):
                continue
            event = parse_event(data)
            t = type(event)
            spec = encode_module._fields_spec(t)
            by_spec = encode_module._convert_fields(event, spec, t.__name__)
            generated = encode_module._compile_converter(t, first=t.__name__)(event)
            assert by_spec == generated == data
            assert list(by_spec) == list(generated)
            assert encode_line(by_spec) == encode_line(generated)
            kinds.add(t)
        assert len(kinds) > 40

    @pytest.mark.parametrize("after", [0, 3, 10**9])
    def test_a_year_is_the_same_whenever_the_converters_are_generated(
        self, fresh_converters: Any, year: list[dict[str, Any] | str], after: int
    ) -> None:
        """Generated at once (the converters before this pass), after three values, or never:
        the same year, line for line."""
        fresh_converters(after)
        again = list(generate(**_YEAR).events)  # type: ignore[arg-type]
        assert [encode_line(d) for d in again] == [encode_line(d) for d in year]

    def test_the_generated_converter_takes_the_registry_place(
        self, fresh_converters: Any, year: list[dict[str, Any] | str]
    ) -> None:
        """Past the threshold the registry holds the generated converter itself (the lazy
        one, called again, goes to it)."""
        fresh_converters(2)
        event = next(
            parse_event(d) for d in year if not isinstance(d, str) and d["type"] == "PlaceOrder"
        )
        expected = event_data(event)
        lazy = encode_module._EVENTS[type(event)]
        for _ in range(3):
            assert event_data(event) == expected
        generated = encode_module._EVENTS[type(event)]
        assert generated is not lazy
        assert generated(event) == lazy(event) == expected


def _slots(ctx: Context) -> dict[str, Any]:
    names = [n for c in type(ctx).__mro__ for n in getattr(c, "__slots__", ())]
    return {n: getattr(ctx, n) for n in names if n != "__weakref__"}


def _types(ctx: Context) -> dict[str, type]:
    return {n: type(v) for n, v in _slots(ctx).items()}


class TestLazyContextBuilders:
    def test_every_context_of_a_year_by_spec_is_the_generated_builders(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """Every context the ledger asks for in a year with every injector: the spec's build
        equals the generated builder's slot for slot (the price views, the stock index) and
        the validated constructor's."""
        seen: dict[tuple[str, ...], int] = {}
        real = context_module.trusted_context

        def both(kw: dict[str, Any]) -> Context:
            keys = tuple(kw)
            by_spec = context_module._build_from_spec(dict(kw))
            generated = context_module._compile(keys)(dict(kw))
            assert type(by_spec) is type(generated) is Context
            assert _slots(by_spec) == _slots(generated)
            assert _types(by_spec) == _types(generated)
            assert list(_slots(by_spec)["_price_book"]) == list(_slots(generated)["_price_book"])
            assert by_spec == Context(**kw)
            seen[keys] = seen.get(keys, 0) + 1
            return real(kw)

        monkeypatch.setattr(ledger_module, "trusted_context", both)
        monkeypatch.setattr(context_module, "_COMPILE_AFTER", 2)
        generate(**_YEAR)  # type: ignore[arg-type]
        assert len(seen) > 15
        assert sum(seen.values()) > 900

    def test_a_key_set_the_constructor_refuses_goes_to_it(self) -> None:
        """An unknown key, or a required field left out: the constructor's error."""
        with pytest.raises(TypeError):
            context_module._build_from_spec({"as_of": dt.date(2026, 3, 2), "nonsense": 1})
        with pytest.raises((TypeError, SalesctlError)):
            context_module._build_from_spec({"approvals": ()})
        required = [a.name for a in attrs.fields(Context) if a.default is attrs.NOTHING]
        assert required  # as_of

    def test_rare_key_sets_are_not_compiled(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """A key set is compiled on its (threshold + 1)-th context, not before."""
        monkeypatch.setattr(context_module, "_BUILDERS", {})
        monkeypatch.setattr(context_module, "_USES", {})
        monkeypatch.setattr(context_module, "_COMPILE_AFTER", 3)
        kw = {"as_of": dt.date(2026, 3, 2), "fx_rates": {}}
        built = [context_module.trusted_context(dict(kw)) for _ in range(3)]
        assert not context_module._BUILDERS
        built.append(context_module.trusted_context(dict(kw)))
        assert tuple(kw) in context_module._BUILDERS
        assert all(_slots(b) == _slots(built[0]) for b in built)


class TestWarmApprovals:
    def test_a_year_with_frozen_approvals_is_the_same(
        self, monkeypatch: pytest.MonkeyPatch, year: list[dict[str, Any] | str]
    ) -> None:
        """The host's ledger freezing its old approvals as the audit's does (and its contexts
        thawing them) writes the same year, and gives the gate equal contexts, approvals on
        hand included, in the same order."""
        thawed = [0, 0]
        thaw = ColdApprovals.thaw

        def counted(self: ColdApprovals, text: str, document_id: str) -> Any:
            thawed[0] += 1
            return thaw(self, text, document_id)

        contexts: list[Context] = []
        real = context_module.trusted_context

        def kept(kw: dict[str, Any]) -> Context:
            ctx = real(kw)
            contexts.append(ctx)
            return ctx

        monkeypatch.setattr(ledger_module, "trusted_context", kept)
        monkeypatch.setattr(ColdApprovals, "thaw", counted)
        thaw_contract = ColdContracts.thaw

        def counted_contract(self: ColdContracts, contract_id: str, text: str) -> Any:
            thawed[1] += 1
            return thaw_contract(self, contract_id, text)

        monkeypatch.setattr(ColdContracts, "thaw", counted_contract)
        monkeypatch.setattr(host_module, "_FREEZE_APPROVALS", True)
        frozen = list(generate(**_YEAR).events)  # type: ignore[arg-type]
        assert thawed[0] > 10  # contexts read frozen approvals back
        assert thawed[1] > 10  # and frozen contracts
        assert frozen == year
        with_frozen, contexts[:] = list(contexts), []
        monkeypatch.setattr(host_module, "_FREEZE_APPROVALS", False)
        thawed[:] = [0, 0]
        assert list(generate(**_YEAR).events) == year  # type: ignore[arg-type]
        assert thawed == [0, 0]
        assert len(contexts) == len(with_frozen) > 900
        for warm, cold in zip(contexts, with_frozen, strict=True):
            assert warm == cold
            assert [repr(a) for a in warm.approvals] == [repr(a) for a in cold.approvals]

    def test_the_host_ledger_freezes_no_contract(self) -> None:
        """The week's sweep of the host's contracts lets go of their accounts, freezes none;
        a contract frozen by another store is still read back."""
        warm = host_module.WarmContracts()
        state = Mock(account="acct")
        contracts: dict[str, Any] = {"CT-1": state}
        warm.sweep(contracts)
        assert contracts == {"CT-1": state} and state.account is None
        assert warm.state_of(contracts, "CT-1") is state
        assert warm.state_of(contracts, "CT-2") is None

    def test_the_host_ledger_freezes_nothing(self) -> None:
        """The week's sweep of the host's ledger forgets the touched documents, keeps the
        approvals as they are."""
        warm = host_module.WarmApprovals()
        held: dict[str, Any] = {"D-1": ("a", "b")}
        touched: dict[str, None] = {"D-1": None}
        warm.freeze_warm(held, touched, dt.datetime(2030, 1, 1, tzinfo=dt.UTC))
        assert held == {"D-1": ("a", "b")} and not touched


@attrs.define(frozen=True)
class _Line:
    product: Any = None

    def __getattr__(self, name: str) -> Any:
        if name == "product_id":
            return "P-FALLBACK"
        raise AttributeError(name)


@attrs.define(frozen=True)
class _Doc:
    id: Any = None
    customer_id: Any = None
    order_id: Any = None
    lines: tuple[Any, ...] = ()

    def __getattr__(self, name: str) -> Any:
        if name == "amount":
            return Money(Decimal("1.00"), "USD")
        raise AttributeError(name)


@attrs.define(frozen=True)
class _PlainLine:
    product_id: Any = None


@attrs.define(frozen=True)
class _Event:
    doc: Any = None
    customer_id: Any = None
    release_id: Any = None
    other: Any = None


_texts = st.one_of(st.none(), st.sampled_from(["", "A-1", "A-2", "C-9"]), st.integers(0, 2))


class TestGeneratedScopes:
    def test_every_event_of_a_year_is_scoped_as_the_plans_read_it(
        self, monkeypatch: pytest.MonkeyPatch, year: list[dict[str, Any] | str]
    ) -> None:
        """Every event of a year with every injector, read back, and every transaction as the
        host posts it (built trusted): the generated reading equals the plans' reading."""
        kinds = set()
        for data in year:
            if isinstance(data, str):
                continue
            event = parse_event(data)
            assert scope_of(event) == plain_scope_of(event), data["type"]
            kinds.add(type(event))
        assert len(kinds) > 40
        posted = [0]

        def both(txn: Any) -> Any:
            got = scope_of(txn)
            assert got == plain_scope_of(txn), type(txn).__name__
            posted[0] += 1
            return got

        monkeypatch.setattr(host_module, "scope_of", both)
        assert list(generate(**_YEAR).events) == year  # type: ignore[arg-type]
        assert posted[0] > 900

    @settings(max_examples=200, deadline=None)
    @given(
        ids=st.lists(_texts, min_size=4, max_size=4),
        scalars=st.lists(_texts, min_size=3, max_size=3),
        lines=st.lists(
            st.one_of(
                st.builds(_Line, product=st.none()),
                st.builds(_PlainLine, product_id=_texts),
            ),
            max_size=4,
        ),
        inner=st.booleans(),
    )
    def test_any_document_is_scoped_as_the_plans_read_it(
        self, ids: list[Any], scalars: list[Any], lines: list[Any], inner: bool
    ) -> None:
        """Documents with a ``__getattr__`` (read through ``__getattribute__``; a line's
        ``product_id`` and a money amount found only by the fallback), lines with and
        without ``product_id``, ids of any type or empty, repeated or not."""
        doc = _Doc(id=ids[0], customer_id=ids[1], order_id=ids[2], lines=tuple(lines))
        event = _Event(
            doc=doc if inner else ids[3],
            customer_id=scalars[0],
            release_id=scalars[1],
            other=_Doc(id=scalars[2], order_id=ids[2]),
        )
        assert scope_of(event) == plain_scope_of(event)


    @settings(max_examples=60, deadline=None)
    @given(first=_texts, before=st.booleans(), scalar=_texts)
    def test_a_sales_order_after_a_customer_found_is_scoped_as_the_plans_read_it(
        self, year: list[dict[str, Any] | str], first: Any, before: bool, scalar: Any
    ) -> None:
        """A sales order read after another document or field already named a customer
        (another customer, or none) does not take its place; read first, its customer is the
        event's: no year's event names two customers, so only this pins the order."""
        order = next(
            parse_event(d).order  # type: ignore[attr-defined]
            for d in year
            if not isinstance(d, str) and d["type"] == "PlaceOrder"
        )
        named = _Doc(id="D-1", customer_id=first)
        if before:
            event = _Event(doc=named, customer_id=scalar, other=order)
        else:
            event = _Event(doc=order, customer_id=scalar, other=named)
        assert scope_of(event) == plain_scope_of(event)


class TestHostShortcuts:
    @settings(max_examples=300, deadline=None)
    @given(
        x=st.one_of(
            st.decimals(-(10**9), 10**9, allow_nan=False, allow_infinity=False, places=4),
            st.decimals(-(10**6), 10**6, allow_nan=False, allow_infinity=False),
            st.integers(-(10**9), 10**9),
        ),
        as_text=st.booleans(),
    )
    def test_cny_is_the_quantised_money(self, x: Decimal | int, as_text: bool) -> None:
        """A Decimal is quantised as it is (``Decimal(x)`` of a Decimal is an equal copy):
        the same amount, exponent and sign as ``Decimal(x).quantize(CENT)``, for Decimals,
        integers and texts."""
        arg: Decimal | int | str = str(x) if as_text else x
        want = Decimal(arg).quantize(CENT)
        got = cny(arg)
        assert type(got) is Money and got.currency == "CNY"
        assert got.amount == want and str(got.amount) == str(want)
        assert got.amount.as_tuple() == want.as_tuple()
        assert got == Money(want, "CNY")
