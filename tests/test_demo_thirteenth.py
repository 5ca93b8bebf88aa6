"""Issue 16, thirteenth pass: the demo's sweep, its ids, its writing and its contexts' dates.

The pins:

* The host ledger's month's sweep of its approvals (:meth:`~salesctl.demo.host.WarmApprovals.sweep`)
  compares them with the cutoff read in the host's zone: it keeps and drops what the sweep
  against the UTC cutoff keeps and drops, the same instances in the same order (hypothesis
  over times of grant in several zones, a microsecond either side of the cutoff).
* The writer's aware times (:func:`~salesctl.demo.encode.iso_time`) are put together for a
  zone of fixed offset: the text ``isoformat`` gives, for any time in any zone (equal
  instants in zones of equal offset, other offsets, other names, ``fold``, microseconds,
  naive times, ``zoneinfo`` zones, a subclass, any time in any fixed zone), asked in any
  order, with the tables full or not (hypothesis); its dates (:func:`~salesctl.demo.encode.iso_date`) by value: the text
  ``isoformat`` gives for any date, a ``datetime`` or a date subclass (hypothesis).
* The ledger's contexts read the business date of a time given in the policy's zone (or a
  fixed offset equal to it) as its own date (:func:`salesctl.ledger.context.business_date`):
  the date converting it gives, for any time and zone (hypothesis).
* The host's document ids (:meth:`~salesctl.demo.host.Host.next_id`) from a series head made
  once: the id the format ``f"{prefix}-{year}-{n:0{width}d}"`` gives, series after series,
  any width (hypothesis).
* The ledger's exposures (:func:`salesctl.ledger.ledger._exposure_of`) are filled by slot
  stores: what the validated constructor builds (fields, type, repr, hash), or its error
  (hypothesis over amounts, negative, overdue beyond receivables, with and without a date).
* The writer's converters write an amount as ``Money.__str__`` does, without calling it:
  generated and from the fields' spec, for any amount (hypothesis).
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import Any

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import salesctl.demo.encode as encode_module
import salesctl.ledger.context as ledger_context
import salesctl.ledger.ledger as ledger_module
from salesctl.demo.host import TZ, Host, WarmApprovals
from salesctl.errors import SalesctlError
from salesctl.ledger.cold import ColdApprovals
from salesctl.model import Actor, Approval, CreditExposure
from salesctl.money import Money

_ACTOR = Actor(id="u-approver", roles=frozenset({"sales_manager"}), org_unit="hq")
_ZONES = (
    TZ,
    dt.timezone(dt.timedelta(hours=8)),  # equal to the host's zone, another instance
    dt.UTC,
    dt.timezone(dt.timedelta(hours=-5)),
    dt.timezone(dt.timedelta(hours=5, minutes=45)),
)
_CUTOFF = dt.datetime(2026, 3, 1, tzinfo=dt.UTC) - dt.timedelta(days=120)


def _approval(n: int, doc: str, at: dt.datetime) -> Approval:
    return Approval(
        id=f"APR-{n}", document_id=doc, role="sales_manager", approver=_ACTOR, granted_at=at
    )


_grants = st.lists(
    st.lists(
        st.tuples(
            st.sampled_from(_ZONES),
            st.one_of(
                st.integers(-3, 3),  # microseconds around the cutoff
                st.integers(-86_400_000_000, 86_400_000_000),  # within a day of it
            ),
        ),
        min_size=1,
        max_size=5,
    ),
    max_size=8,
)


class TestWarmSweep:
    @settings(max_examples=300, deadline=None)
    @given(grants=_grants, zone=st.sampled_from(_ZONES))
    def test_the_sweep_in_the_hosts_zone_keeps_what_the_utc_sweep_keeps(
        self, grants: list[list[tuple[dt.tzinfo, int]]], zone: dt.tzinfo
    ) -> None:
        cutoff = _CUTOFF.astimezone(zone)
        held: dict[str, Any] = {}
        n = 0
        for i, doc_grants in enumerate(grants):
            doc = f"D-{i}"
            on_hand = []
            for tz, micros in doc_grants:
                n += 1
                at = (cutoff + dt.timedelta(microseconds=micros)).astimezone(tz)
                on_hand.append(_approval(n, doc, at))
            held[doc] = tuple(on_hand)
        reference, warm = dict(held), dict(held)
        ColdApprovals().sweep(reference, cutoff)
        WarmApprovals().sweep(warm, cutoff)
        assert list(warm) == list(reference)
        for doc, on_hand in reference.items():
            assert [id(a) for a in warm[doc]] == [id(a) for a in on_hand]
            assert (warm[doc] is held[doc]) == (on_hand is held[doc])

    def test_a_cutoff_at_the_calendars_end_is_compared_as_it_is(self) -> None:
        cutoff = dt.datetime.max.replace(tzinfo=dt.UTC)
        at = dt.datetime(9999, 12, 31, 23, tzinfo=dt.UTC)
        held: dict[str, Any] = {"D-1": (_approval(1, "D-1", at),)}
        WarmApprovals().sweep(held, cutoff)
        assert held == {}


class _Stamp(dt.datetime):
    def isoformat(self, sep: str = "T", timespec: str = "auto") -> str:
        return "stamp " + super().isoformat(sep, timespec)


_TIME_ZONES = (
    None,
    TZ,
    dt.timezone(dt.timedelta(hours=8)),
    dt.timezone(dt.timedelta(hours=8), "CST"),
    dt.UTC,
    dt.timezone(dt.timedelta(hours=-5)),
    dt.timezone(dt.timedelta(hours=5, minutes=45)),
    dt.timezone(dt.timedelta(seconds=-3601, microseconds=5)),
    zoneinfo.ZoneInfo("Asia/Shanghai"),
    zoneinfo.ZoneInfo("America/New_York"),
)
_BASE = dt.datetime(2026, 3, 8, 6, 30, tzinfo=dt.UTC)

_times = st.lists(
    st.tuples(
        st.integers(0, 3),  # a few instants, so that equal ones recur
        st.sampled_from([0, 1, 999_999, 3_600_000_000, 86_400_000_000]),
        st.sampled_from(range(len(_TIME_ZONES))),
        st.integers(0, 1),  # fold
        st.booleans(),  # a subclass
    ),
    min_size=1,
    max_size=30,
)


class TestIsoTime:
    @settings(max_examples=400, deadline=None)
    @given(times=_times, size=st.sampled_from([1, 2, 1024]))
    def test_the_text_is_isoformats(
        self, times: list[tuple[int, int, int, int, bool]], size: int
    ) -> None:
        kept = encode_module._ISO_MAX
        encode_module._OFFSETS.clear()
        encode_module._DAYS.clear()
        encode_module._ISO_MAX = size
        try:
            self._check(times)
        finally:
            encode_module._ISO_MAX = kept
            encode_module._OFFSETS.clear()
            encode_module._DAYS.clear()

    @settings(max_examples=400, deadline=None)
    @given(
        at=st.datetimes(),
        offset=st.timedeltas(
            min_value=dt.timedelta(hours=-23, minutes=-59), max_value=dt.timedelta(hours=23)
        ),
    )
    def test_any_time_in_any_fixed_zone(self, at: dt.datetime, offset: dt.timedelta) -> None:
        x = at.replace(tzinfo=dt.timezone(offset))
        assert encode_module.iso_time(x) == x.isoformat()
        assert encode_module.iso_time(x) == x.isoformat()

    @staticmethod
    def _check(times: list[tuple[int, int, int, int, bool]]) -> None:
        for k, micros, zone, fold, sub in times:
            utc = _BASE + dt.timedelta(microseconds=k * micros)
            tz = _TIME_ZONES[zone]
            x = utc.astimezone(tz) if tz is not None else utc.replace(tzinfo=None)
            x = x.replace(fold=fold)
            if sub:
                x = _Stamp.fromisoformat(x.isoformat())
            assert encode_module.iso_time(x) == x.isoformat()
            # and again, the same instance and an equal copy
            assert encode_module.iso_time(x) == x.isoformat()
            assert encode_module.iso_time(x.replace()) == x.isoformat()


class _Day(dt.date):
    def isoformat(self) -> str:
        return "day " + super().isoformat()


class TestIsoDate:
    @settings(max_examples=300, deadline=None)
    @given(
        days=st.lists(
            st.tuples(st.dates(), st.sampled_from(["date", "datetime", "subclass"])),
            min_size=1,
            max_size=30,
        ),
        size=st.sampled_from([1, 2, 1024]),
    )
    def test_the_text_is_isoformats(self, days: list[tuple[dt.date, str]], size: int) -> None:
        kept = encode_module._ISO_MAX
        encode_module._DAYS.clear()
        encode_module._ISO_MAX = size
        try:
            for day, kind in days:
                x: dt.date = day
                if kind == "datetime":
                    x = dt.datetime(day.year, day.month, day.day, 1, 2)
                elif kind == "subclass":
                    x = _Day(day.year, day.month, day.day)
                assert encode_module.iso_date(x) == x.isoformat()
                assert encode_module.iso_date(x) == x.isoformat()
                assert encode_module.iso_date(dt.date(day.year, day.month, day.day)) == (
                    day.isoformat()
                )
        finally:
            encode_module._ISO_MAX = kept
            encode_module._DAYS.clear()


class TestBusinessDate:
    @settings(max_examples=400, deadline=None)
    @given(
        at=st.datetimes(min_value=dt.datetime(1, 1, 2), max_value=dt.datetime(9999, 12, 30)),
        zone=st.sampled_from(range(1, len(_TIME_ZONES))),
        policy=st.sampled_from(range(1, len(_TIME_ZONES))),
        fold=st.integers(0, 1),
    )
    def test_the_date_is_the_converted_times(
        self, at: dt.datetime, zone: int, policy: int, fold: int
    ) -> None:
        tz, pz = _TIME_ZONES[zone], _TIME_ZONES[policy]
        assert tz is not None and pz is not None
        x = at.replace(tzinfo=tz, fold=fold)
        assert ledger_context.business_date(x, pz) == x.astimezone(pz).date()


class TestNextId:
    @settings(max_examples=100, deadline=None)
    @given(
        calls=st.lists(
            st.tuples(st.sampled_from(["DN", "RC", "APR", "LOT-P-001", "CA"]), st.integers(0, 9)),
            min_size=1,
            max_size=40,
        ),
        year=st.sampled_from([2026, 999, 12345]),
    )
    def test_the_ids_are_the_formats(self, calls: list[tuple[str, int]], year: int) -> None:
        host = _HOST
        host.year, host._counters, host._heads = year, {}, {}
        counts: dict[str, int] = {}
        for prefix, width in calls:
            counts[prefix] = n = counts.get(prefix, 0) + 1
            assert host.next_id(prefix, width) == f"{prefix}-{year}-{n:0{width}d}"
            assert host.last_id(prefix, width) == f"{prefix}-{year}-{n:0{width}d}"


_HOST = Host(seed=1, year=2026, customers=4, orders=10)


_amounts = st.decimals(min_value=-5, max_value=10_000, places=2, allow_nan=False)


class TestExposureOf:
    @settings(max_examples=300, deadline=None)
    @given(
        amounts=st.tuples(_amounts, _amounts, _amounts, _amounts),
        oldest=st.one_of(st.none(), st.dates()),
    )
    def test_the_exposure_is_the_constructors(
        self, amounts: tuple[Any, Any, Any, Any], oldest: dt.date | None
    ) -> None:
        oo, dn, rc, od = (Money(a, "CNY") if a >= 0 else Money._trusted(a, "CNY") for a in amounts)
        try:
            expected = CreditExposure(oo, dn, rc, od, oldest)
        except SalesctlError as e:
            refused = e
        else:
            refused = None
        if refused is not None:
            with pytest.raises(type(refused)) as raised:
                ledger_module._exposure_of(oo, dn, rc, od, oldest)
            assert str(raised.value) == str(refused)
            return
        got = ledger_module._exposure_of(oo, dn, rc, od, oldest)
        assert type(got) is CreditExposure
        assert got == expected and repr(got) == repr(expected) and hash(got) == hash(expected)
        for a in attrs.fields(CreditExposure):
            assert getattr(got, a.name) is getattr(expected, a.name)


@attrs.frozen
class _Priced:
    price: Money
    note: str = ""


class TestMoneyText:
    @settings(max_examples=200, deadline=None)
    @given(
        amount=st.decimals(allow_nan=False, allow_infinity=False, places=4),
        currency=st.sampled_from(["CNY", "USD", "JPY"]),
    )
    def test_an_amount_is_written_as_its_str(self, amount: Any, currency: str) -> None:
        m = Money._trusted(amount, currency)
        value = _Priced(m)
        spec = encode_module._fields_spec(_Priced)
        assert encode_module._convert_fields(value, spec, None) == {"price": str(m), "note": ""}
        assert _PRICED(value) == {"price": str(m), "note": ""}


_PRICED = encode_module._compile_converter(_Priced)
