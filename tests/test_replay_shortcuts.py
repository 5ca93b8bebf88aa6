"""The replay's third pass (issue 16) changes no report: incremental and cached exposure, order
and receivable records built again only when their entry changed, contract-ledger lines dropped
when their month closes. Each is checked against the plain way on a demo year, and the
retention of a register against the controls that read it."""

from __future__ import annotations

import datetime as dt
import inspect
from typing import Any

import pytest

from salesctl.audit.engine import books_for
from salesctl.control import Frequency
from salesctl.controls import CONTROLS
from salesctl.demo import DEMO_POLICY, generate
from salesctl.events import MalformedEvent, read_events
from salesctl.fastreplay import replay
from salesctl.ledger import Books, Ledger
from salesctl.ledger import books as books_module
from salesctl.policy import loads_policy
from salesctl.records import Period

POLICY = loads_policy(DEMO_POLICY)


@pytest.fixture(scope="module")
def lines() -> list[bytes]:
    year = generate(seed=11, customers=16, orders=220)
    return [ln.encode("utf-8") if isinstance(ln, str) else ln for ln in year.lines()]


def _rebuild_every_time(
    self: Books, key: str, entries: dict[str, dict[str, Any]], build: Any
) -> tuple[Any, ...]:
    return tuple(build(e) for e in entries.values())


def test_the_report_equals_the_one_without_the_shortcuts(
    lines: list[bytes], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Exposure recomputed from every item, records rebuilt every period and the contract
    ledger kept for the whole retention: the same report, field by field."""
    fast = replay(lines, POLICY, source="year.jsonl")
    monkeypatch.setattr(Ledger, "exposure", Ledger.recomputed_exposure)
    monkeypatch.setattr(Books, "_built", _rebuild_every_time)
    monkeypatch.setattr(books_module, "MONTH_ONLY", frozenset())
    plain = replay(lines, POLICY, source="year.jsonl")
    assert fast.to_dict() == plain.to_dict()
    assert fast.to_json() == plain.to_json()


def test_records_built_from_cache_equal_records_built_anew(lines: list[bytes]) -> None:
    """At every month end of a year: the records of the period, with the records kept from
    the last run, equal those built from nothing; the month's contract-ledger lines are gone
    after the close."""
    books = books_for(POLICY)
    led = Ledger(books=books)
    last: dt.date | None = None
    closes = 0
    for _n, event in read_events(lines):
        if isinstance(event, MalformedEvent):
            continue
        day = event.at.date()
        if last is not None and day.month != last.month and day > last:
            end = dt.date(day.year, day.month, 1) - dt.timedelta(days=1)
            period = Period.containing(end, Frequency.MONTHLY)
            cached = books.records_for(period)
            books._records.clear()
            assert cached == books.records_for(period)
            books.after_close(end)
            assert all(d > end for d, _ in books._dated.get("contract_ledger", ()))
            assert all(
                v[0] > end
                for m in books.contract_ledgers.months.values()
                for e in m.values()
                for v in e.values()
            )
            closes += 1
        last = day if last is None or day > last else last
        led.apply(event)
    assert closes >= 10


@pytest.mark.parametrize("key", sorted(books_module.MONTH_ONLY))
def test_a_month_only_register_is_read_only_within_its_month(key: str) -> None:
    """Dropping a register's entries when their month closes is safe only while every control
    that reads it runs monthly and looks at the entries of its month alone."""
    readers = [
        c
        for c in CONTROLS.values()
        if getattr(c, "detect", None) is not None
        and f"records.{key}" in inspect.getsource(c.detect)
    ]
    assert readers, key
    for c in readers:
        assert frozenset(c.detect_at) == {Frequency.MONTHLY}, c.id
        assert "not in period" in inspect.getsource(c.detect), c.id
