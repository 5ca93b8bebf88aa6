"""Issue 16, nineteenth pass: records the host's ledger folds into nothing, written from data.

The pins:

* The month end's contract-ledger lines, the bank's receipt lines and finance's sales
  invoices and GL revenue postings are written from their data alone when the host's ledger
  has no fold for them, keeps no books and already stands on their date
  (:func:`~salesctl.demo.direct.direct_ok`): a year with every injector written so is the
  same events, and leaves the host's ledger in the same state (its count of unfolded records,
  its day, its approvals), as the year written with every record built and folded; each
  condition of ``direct_ok`` refuses on its own.
* The grants of approvals are folded by the ledger's own fold of grants from a view of their
  approval and customer (:meth:`~salesctl.demo.host.Host._grants_direct`): the same year and
  the same ledger as building each ``GrantApproval`` and folding it; each condition refuses
  on its own.
* An amount's text (:func:`~salesctl.demo.direct.cny_text`) is ``str(cny(x))`` for any
  Decimal, integer or text (hypothesis).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import salesctl.demo.direct as direct_module
import salesctl.demo.host as host_module
import salesctl.demo.world as world_module
from salesctl.demo import generate
from salesctl.demo.direct import cny_text, direct_ok
from salesctl.demo.host import TZ, Host, cny
from salesctl.ledger import FOLDS
from salesctl.ledger.books import Books

_ORDERS = 300


def _year(monkeypatch: pytest.MonkeyPatch, *, direct: bool) -> tuple[Any, dict[str, Any]]:
    """A year with every injector, and the state of its host's ledger at the end."""
    hosts: list[Host] = []
    original = Host.__init__

    def init(self: Host, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        hosts.append(self)

    with monkeypatch.context() as m:
        m.setattr(Host, "__init__", init)
        if not direct:  # every record built and folded, its data checked against its own
            m.setattr(host_module, "_VERIFY_DATA", True)
            m.setattr(direct_module, "direct_ok", lambda *_: False)
            m.setattr(world_module, "direct_ok", lambda *_: False)
            m.setattr(Host, "_grants_direct", lambda *_: False)
        demo = generate(seed=11, customers=24, orders=_ORDERS)
    (host,) = hosts
    led = host.ledger
    state = {
        "unfolded": dict(led.unfolded),
        "today": led.today,
        "approvals": {d: led.approvals_of(d) for d in led._approvals},
        "warm": list(led._warm),
        "written": host.written,
    }
    return demo.events, state


class TestRecordsFromData:
    def test_a_year_and_its_ledger_are_the_same(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """Written from data or built and folded (each record's data checked against its
        own, ``_VERIFY_DATA``): the same events and the same ledger."""
        counted: dict[str, int] = {}
        original = direct_module.direct_ok

        def counting(host: Host, type_name: str, at: dt.datetime) -> bool:
            ok = original(host, type_name, at)
            counted[type_name] = counted.get(type_name, 0) + ok
            return ok

        with monkeypatch.context() as m:
            m.setattr(direct_module, "direct_ok", counting)
            m.setattr(world_module, "direct_ok", counting)
            fast, fast_state = _year(monkeypatch, direct=True)
        assert set(counted) == {
            "KeepContractLedger",
            "KeepReceiptRecord",
            "IssueSalesInvoice",
            "PostGLRevenue",
            "CountShipments",
            "CountStock",
            "ReadStorage",
        }
        assert all(counted.values())  # each taken the short way at least once
        assert counted["ReadStorage"] < 365 * 2  # a reading opening its day is folded
        slow, slow_state = _year(monkeypatch, direct=False)
        assert fast == slow
        assert fast_state == slow_state
        assert fast_state["unfolded"]["KeepContractLedger"] > 100
        assert sum(len(a) for a in fast_state["approvals"].values()) > 100

    def test_direct_ok_refuses_each_condition(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """A fold for the type, books, a new day, no day yet, the data check: each refuses."""
        host = Host(seed=1, year=2026, customers=12, orders=10)
        today = host.ledger.today
        assert today is not None
        at = dt.datetime(today.year, today.month, today.day, 23, 59, tzinfo=TZ)
        assert "KeepContractLedger" not in FOLDS
        assert direct_ok(host, "KeepContractLedger", at)
        assert direct_ok(host, "KeepContractLedger", at - dt.timedelta(days=3))
        assert not direct_ok(host, "GrantApproval", at)  # folded
        assert not direct_ok(host, "KeepContractLedger", at + dt.timedelta(minutes=1))
        monkeypatch.setattr(host.ledger, "books", Books())
        assert not direct_ok(host, "KeepContractLedger", at)
        monkeypatch.setattr(host.ledger, "books", None)
        monkeypatch.setattr(host_module, "_VERIFY_DATA", True)
        assert not direct_ok(host, "KeepContractLedger", at)
        monkeypatch.setattr(host_module, "_VERIFY_DATA", False)
        monkeypatch.setattr(host.ledger, "today", None)
        assert not direct_ok(host, "KeepContractLedger", at)

    def test_grants_direct_refuses_each_condition(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """Another fold of grants, books, a new day, no day yet, the data check: each refuses."""
        host = Host(seed=1, year=2026, customers=12, orders=10)
        today = host.ledger.today
        assert today is not None
        at = dt.datetime(today.year, today.month, today.day, 23, 59, tzinfo=TZ)
        assert host._grants_direct(at)
        assert not host._grants_direct(at + dt.timedelta(minutes=1))
        monkeypatch.setitem(FOLDS, "GrantApproval", lambda *_: None)
        assert not host._grants_direct(at)
        monkeypatch.undo()
        assert host._grants_direct(at)
        monkeypatch.setattr(host.ledger, "books", Books())
        assert not host._grants_direct(at)
        monkeypatch.setattr(host.ledger, "books", None)
        monkeypatch.setattr(host_module, "_VERIFY_DATA", True)
        assert not host._grants_direct(at)
        monkeypatch.setattr(host_module, "_VERIFY_DATA", False)
        monkeypatch.setattr(host.ledger, "today", None)
        assert not host._grants_direct(at)


_DECIMALS = st.decimals(
    min_value=Decimal("-1e12"), max_value=Decimal("1e12"), allow_nan=False, places=None
) | st.decimals(allow_nan=False, allow_infinity=False, min_value=-10**6, max_value=10**6, places=4)


class TestAmountText:
    @settings(max_examples=400, deadline=None)
    @given(x=_DECIMALS | st.integers(-(10**15), 10**15))
    def test_cny_text_is_the_moneys_text(self, x: Decimal | int) -> None:
        """``cny_text`` is ``str(cny(x))``, or raises as ``cny`` does."""
        try:
            want = str(cny(x))
        except Exception as e:  # the same error type either way
            with pytest.raises(type(e)):
                cny_text(x)
            return
        assert cny_text(x) == want
        assert cny_text(str(x)) == str(cny(str(x)))

    @pytest.mark.parametrize("x", ["0", "-0", "0.005", "-0.005", "1E+3", "12.345", "7"])
    def test_edges(self, x: str) -> None:
        """Zeros, halves, exponents: the same text."""
        assert cny_text(Decimal(x)) == str(cny(Decimal(x)))
        assert cny_text(x) == str(cny(x))


_QUANTITIES = st.one_of(
    st.decimals(allow_nan=False, allow_infinity=False, places=3, min_value=0, max_value=10**6),
    st.integers(0, 10**6),
    st.integers(0, 10**6).map(str),
)
_DEPARTMENTS = st.lists(st.sampled_from(("finance", "sales", "warehouse", "production")))


class TestTrustedConverters:
    """The trusted builders call ``tuple_conv``, ``frozenset_conv`` and ``decimal_conv`` only
    for a value not already of exactly the type each returns as it is."""

    @settings(max_examples=300, deadline=None)
    @given(
        book=_QUANTITIES,
        counted=_QUANTITIES,
        departments=_DEPARTMENTS,
        kind=st.sampled_from((list, tuple, set, frozenset)),
        temperature=_QUANTITIES,
    )
    def test_builds_equal_the_constructors(
        self,
        book: Decimal | int | str,
        counted: Decimal | int | str,
        departments: list[str],
        kind: type,
        temperature: Decimal | int | str,
    ) -> None:
        """A stock count (quantities and a set of departments) and a storage reading built
        trusted equal the constructor's, field by field and type by type; a Decimal or a
        frozenset given is kept as it is (the same object)."""
        from salesctl.demo.trusted import trusted
        from salesctl.records import StockCount
        from salesctl.records_extra import StorageReading

        day = dt.date(2026, 3, 31)
        kw: dict[str, Any] = {
            "count_id": "SC-2026-03",
            "period_end": day,
            "product_id": "P-001",
            "book_quantity": book,
            "counted_quantity": counted,
            "departments": kind(departments),
        }
        built, want = trusted(StockCount)(**kw), StockCount(**kw)
        assert built == want and repr(built) == repr(want)
        for name in ("book_quantity", "counted_quantity", "departments"):
            assert type(getattr(built, name)) is type(getattr(want, name))
            if type(kw[name]) in (Decimal, frozenset):
                assert getattr(built, name) is kw[name]
        reading = {"area_id": "CHILL-01", "read_on": day, "temperature": temperature}
        got, expected = trusted(StorageReading)(**reading), StorageReading(**reading)
        assert got == expected and type(got.temperature) is type(expected.temperature)

    def test_a_decision_keeps_its_tuples(self) -> None:
        """The re-check's decisions: tuples kept as they are, a list made a tuple."""
        from salesctl.decision import Decision, Outcome
        from salesctl.demo.trusted import trusted

        at = dt.datetime(2026, 3, 2, 10, tzinfo=TZ)
        kw: dict[str, Any] = {
            "outcome": Outcome.ALLOW,
            "findings": (),
            "transaction": "PlaceOrder",
            "document_id": "SO-1",
            "at": at,
            "controls": ("O2C-CR-01",),
        }
        d = trusted(Decision)(**kw)
        assert d.controls is kw["controls"] and d == Decision(**kw)
        listed = trusted(Decision)(**{**kw, "controls": ["O2C-CR-01"]})
        assert type(listed.controls) is tuple and listed == d


def _ref_decimal_conv(value: Any) -> Any:
    from salesctl._validators import to_decimal
    from salesctl.errors import InvalidInput

    if isinstance(value, bool):
        return value
    if isinstance(value, int | str):
        try:
            return to_decimal(value)
        except InvalidInput:
            return value
    return value


def _ref_tuple_conv(value: Any) -> Any:
    from collections.abc import Iterable, Mapping

    if isinstance(value, tuple | str | bytes | Mapping) or not isinstance(value, Iterable):
        return value
    return tuple(value)


def _ref_frozenset_conv(value: Any) -> Any:
    from collections.abc import Iterable, Mapping

    if isinstance(value, frozenset | str | bytes | Mapping) or not isinstance(value, Iterable):
        return value
    return frozenset(value)


def _ref_frozenmap_conv(value: Any) -> Any:
    from collections.abc import Mapping

    from salesctl._validators import FrozenMap

    if isinstance(value, Mapping) and not isinstance(value, FrozenMap):
        return FrozenMap(value)
    return value


class _Dec(Decimal):
    pass


class _Tup(tuple):  # type: ignore[type-arg]
    pass


class _Set(frozenset):  # type: ignore[type-arg]
    pass


def _values() -> st.SearchStrategy[Any]:
    from salesctl._validators import FrozenMap

    small = st.integers(-5, 5)
    return st.one_of(
        st.decimals(allow_nan=True, allow_infinity=True, places=2).map(lambda d: d),
        st.decimals(allow_nan=False, allow_infinity=False, places=2).map(_Dec),
        st.integers(),
        st.booleans(),
        st.text(max_size=6),
        st.sampled_from(("12.5", "-0", "1e3", "x", "", " 7 ")),
        st.none(),
        st.binary(max_size=4),
        st.lists(small, max_size=4),
        st.lists(small, max_size=4).map(tuple),
        st.lists(small, max_size=4).map(_Tup),
        st.frozensets(small, max_size=4),
        st.frozensets(small, max_size=4).map(_Set),
        st.sets(small, max_size=4),
        st.dictionaries(st.text(max_size=2), small, max_size=3),
        st.dictionaries(st.text(max_size=2), small, max_size=3).map(FrozenMap),
    )


class TestConverterFastPaths:
    @settings(max_examples=600, deadline=None)
    @given(value=_values())
    def test_each_converter_gives_what_it_gave(self, value: Any) -> None:
        """``tuple_conv``, ``frozenset_conv``, ``decimal_conv`` and ``frozenmap_conv`` with
        their exact-type fast paths: the previous bodies' result for any value — the same
        object when that returned it as is, else an equal value of the same type."""
        from salesctl._validators import (
            decimal_conv,
            frozenmap_conv,
            frozenset_conv,
            tuple_conv,
        )

        pairs = (
            (tuple_conv, _ref_tuple_conv),
            (frozenset_conv, _ref_frozenset_conv),
            (decimal_conv, _ref_decimal_conv),
            (frozenmap_conv, _ref_frozenmap_conv),
        )
        for conv, ref in pairs:
            want, got = ref(value), conv(value)
            assert type(got) is type(want)
            if want is value:
                assert got is value
            elif isinstance(want, Decimal) and want.is_nan():
                assert got.is_nan()
            else:
                assert got == want
                if isinstance(want, Decimal):
                    assert str(got) == str(want)


class TestNoticesHeldWithFacts:
    def test_a_year_is_the_same_either_way(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """The host's ledger holds its delivery notices as posted (``Ledger.hold_facts``):
        the same year as holding them without their line facts (the audit's way), and every
        notice it holds carries the facts ``line_facts`` would build again."""
        from salesctl.model import DeliveryNotice, LineFacts, line_facts

        hosts: list[Host] = []
        original = Host.__init__

        def init(self: Host, *args: Any, **kwargs: Any) -> None:
            original(self, *args, **kwargs)
            hosts.append(self)

        monkeypatch.setattr(Host, "__init__", init)
        kept = generate(seed=11, customers=24, orders=_ORDERS)
        led = hosts[-1].ledger
        assert led.hold_facts
        notices = [n for st in led.open_orders() for n in st.delivery_notices]
        assert len(notices) > 20
        slots = LineFacts.__slots__
        for n in notices:
            assert type(n) is DeliveryNotice and n._facts is not None
            again = LineFacts(n.lines)
            assert [getattr(line_facts(n), s) for s in slots] == [getattr(again, s) for s in slots]

        def audit_way(self: Host, *args: Any, **kwargs: Any) -> None:
            original(self, *args, **kwargs)
            self.ledger.hold_facts = False
            hosts.append(self)

        monkeypatch.setattr(Host, "__init__", audit_way)
        dropped = generate(seed=11, customers=24, orders=_ORDERS)
        assert all(
            n._facts is None for st in hosts[-1].ledger.open_orders() for n in st.delivery_notices
        )
        assert kept.events == dropped.events


class TestRecheckedDecision:
    def test_every_rechecked_decision_of_a_year_is_the_constructors(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """Each re-check's decision assembled slot by slot (``chains.rechecked``) equals the
        validated constructor's on the same values (type, fields, repr, the highest outcome),
        over a year with every injector; and with ``_VERIFY_RECHECKS`` the whole gate's."""
        import salesctl.demo.chains as chains_module
        from salesctl.decision import Decision, Outcome

        seen: list[int] = []

        def checked(first: Any, findings: Any) -> Any:
            got = chains_module.rechecked(first, findings)
            want = Decision(
                outcome=max((f.outcome for f in findings), default=Outcome.ALLOW),
                findings=findings,
                transaction=first.transaction,
                document_id=first.document_id,
                at=first.at,
                controls=first.controls,
                policy_fingerprint=first.policy_fingerprint,
                catalogue_fingerprint=first.catalogue_fingerprint,
                note=first.note,
                weakened=first.weakened,
            )
            assert type(got) is Decision and got == want and repr(got) == repr(want)
            assert got.outcome is want.outcome and got.findings is findings
            seen.append(len(findings))
            return got

        monkeypatch.setattr(host_module, "rechecked", checked)
        monkeypatch.setattr(host_module, "_VERIFY_RECHECKS", True)
        generate(seed=11, customers=24, orders=_ORDERS)
        assert len(seen) > 100
        assert any(n > 1 for n in seen)


class TestChecksOnly:
    def test_the_listed_classes_derive_nothing(self) -> None:
        """Every class whose trusted builder leaves ``__attrs_post_init__`` out is slotted and
        has only init fields (its construction derives nothing), and is built so in a year."""
        import attrs

        from salesctl.demo import trusted as trusted_module
        from salesctl.demo.trusted import checks_only
        from salesctl.model import DeliveryNotice, DeliveryProof, GoodsIssue, Receipt, RevenueEntry
        from salesctl.transactions import IssueDeliveryNotice, PostGoodsIssue

        listed = (Receipt, RevenueEntry, DeliveryProof, IssueDeliveryNotice, PostGoodsIssue)
        for cls in listed:
            assert checks_only(cls), cls
            assert all(a.init for a in attrs.fields(cls))
            assert trusted_module._assembly_of(cls, attrs.fields(cls)) is not None
        for cls in (DeliveryNotice, GoodsIssue):  # derive their line facts: never left out
            assert not checks_only(cls)

    def test_a_check_left_out_is_still_run_under_verify(self) -> None:
        """A receipt whose amounts its check refuses: the trusted builder builds it (the
        check left out), and ``_VERIFY``'s constructor refuses it."""
        from salesctl.demo import trusted as trusted_module
        from salesctl.model import Receipt
        from salesctl.money import Money

        kw: dict[str, Any] = {
            "id": "RC-1",
            "customer_id": "C-1",
            "amount": Money("10.00", "CNY"),
            "received_on": dt.date(2026, 3, 2),
            "to_receivables": Money("20.00", "CNY"),  # above the amount: refused
        }
        build = trusted_module.trusted(Receipt)
        assert build(**kw).to_receivables == kw["to_receivables"]
        with pytest.raises(Exception, match="cannot exceed amount"):
            Receipt(**kw)
        trusted_module._VERIFY[0] = True
        try:
            with pytest.raises(Exception, match="cannot exceed amount"):
                build(**kw)
        finally:
            trusted_module._VERIFY[0] = False
