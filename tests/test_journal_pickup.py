"""Pickup orders (提货单) used exactly once in the journal (O2C-DL-07), on both backends.

An ALLOW decision of a goods issue that cites a pickup order records the use in the same
transaction as the decision; a second use is refused (``PickupOrderConsumed``, naming the first
use) and writes nothing; ``context_for`` shows the pickup order used, so the gate blocks the
second goods issue; ``verify`` re-derives the once-only rule from the chain alone. Also: the
schema migration from version 1, eight processes racing for the same pickup orders, and the
PostgreSQL backend's ``JournalUnavailable`` and ``JournalOutcomeUnknown``.
"""

from __future__ import annotations

import datetime as dt
import json
import multiprocessing as mp
import time
from collections import Counter
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import salesctl as sc
from salesctl.journal import Journal, canonical_json, chain_hash
from salesctl.journal import sqlite as jsqlite
from salesctl.model import PickupOrder
from tests import builders as b
from tests.journal_backends import BACKENDS, pg_cluster, tamperer, target_for
from tests.test_journal import Clock
from tests.test_journal_concurrency import PROCESSES
from tests.test_journal_concurrency import _run as run_processes

CID = "O2C-DL-07"
POLICY = sc.loads_policy('[delivery]\ncentrally_sold = ["P-PE-01"]\n')
GATE = sc.Gate(POLICY, only=[CID])
PO_ID = "TH-2026-0007"
WHEN = dt.datetime.combine(b.TODAY, dt.time(10, 15), tzinfo=b.TZ)


def pickup(id: str = PO_ID) -> PickupOrder:
    return PickupOrder(
        id=id,
        customer_id="C-100",
        product_id="P-PE-01",
        quantity=Decimal("10"),
        issued_on=b.TODAY - dt.timedelta(days=3),
        valid_until=b.TODAY,
    )


def issue(gi: str = "GI-1", po: str | None = PO_ID) -> sc.PostGoodsIssue:
    g = b.goods_issue(gi, lines=(b.dline(qty="10", lot="LOT-A"),), pickup_order_id=po)
    return b.post_issue(g, when=WHEN)


def base(*ids: str) -> sc.Context:
    return b.context(pickup_orders=tuple(pickup(i) for i in (ids or (PO_ID,))))


def check(j: Journal, txn: sc.PostGoodsIssue, ctx: sc.Context | None = None) -> sc.Decision:
    return GATE.check(txn, j.context_for(txn, base=ctx or base(), timezone=b.TZ))


@pytest.fixture(params=BACKENDS)
def target(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    return target_for(request.param, tmp_path)


@pytest.fixture
def journal(target: str) -> Iterator[Journal]:
    with Journal(target, clock=Clock()) as j:
        yield j


def messages(d: sc.Decision) -> set[str]:
    return {f.message for f in d.findings if f.control_id == CID}


# -- once, with the decision --------------------------------------------------------------------


def test_an_allowed_goods_issue_uses_its_pickup_order(journal: Journal) -> None:
    """The ALLOW decision and the use commit together; the next goods issue citing the pickup
    order (in another case) sees it used and is blocked; that BLOCK is recorded, using nothing."""
    txn = issue("GI-1")
    d = check(journal, txn)
    assert d.allowed
    entry = journal.record(d, txn=txn)
    assert [e.kind for e in journal.entries()] == ["decision", "use"]
    used = journal.pickup_order_use("th-2026-0007")
    assert used is not None
    assert (used.thing, used.id, used.document_id) == ("pickup_order", PO_ID, "GI-1")
    assert (used.decision_seq, used.seq) == (entry.seq, entry.seq + 1)
    assert journal.pickup_order_use("TH-OTHER") is None

    again = issue("GI-2", po="th-2026-0007")
    ctx = journal.context_for(again, base=base(), timezone=b.TZ)
    assert {"th-2026-0007", PO_ID} <= ctx.consumed_pickup_orders
    second = GATE.check(again, ctx)
    assert second.outcome is sc.Outcome.BLOCK
    assert "delivery.pickup_consumed" in messages(second)
    journal.record(second, txn=again)
    assert [e.kind for e in journal.entries()] == ["decision", "use", "decision"]
    assert journal.verify().ok


def test_a_second_use_is_refused_and_writes_nothing(journal: Journal) -> None:
    """Two servers each checked a goods issue before either recorded: the second record raises
    PickupOrderConsumed naming the first use, and neither its decision nor a use is written."""
    one, two = issue("GI-1"), issue("GI-2", po="th-2026-0007")
    d1, d2 = check(journal, one), check(journal, two)
    assert d1.allowed and d2.allowed
    journal.record(d1, txn=one)
    head = journal.head()
    with pytest.raises(sc.PickupOrderConsumed, match="GI-1") as err:
        journal.record(d2, txn=two)
    assert isinstance(err.value, sc.JournalError)
    assert err.value.first.document_id == "GI-1" and err.value.first.seq == 2
    assert f"pickup order {PO_ID}" in str(err.value)  # as the first use cited it
    assert journal.head() == head
    assert journal.verify().ok


def test_what_uses_nothing(journal: Journal) -> None:
    """A BLOCK, a goods issue citing no pickup order, and a decision in which O2C-DL-07 did not
    run use nothing."""
    blocked = issue("GI-1")
    d = GATE.check(blocked, journal.context_for(blocked, base=b.context(), timezone=b.TZ))
    assert d.outcome is sc.Outcome.BLOCK  # the pickup order is not on hand
    journal.record(d, txn=blocked)
    plain = issue("GI-2", po=None)
    unconcerned = sc.Gate(None, only=[CID]).check(plain, b.context())
    assert unconcerned.allowed
    journal.record(unconcerned, txn=plain)
    other = issue("GI-3")
    without = sc.Gate(POLICY, only=["O2C-SD-01"]).check(other, base())
    assert without.allowed and CID not in without.controls
    journal.record(without)
    assert [e.kind for e in journal.entries()] == ["decision"] * 3
    assert journal.pickup_order_use(PO_ID) is None


def test_an_allowed_decision_needs_its_transaction(journal: Journal) -> None:
    """Without the transaction the journal cannot tell what an allowed goods issue uses up:
    refused (fail closed), nothing written."""
    txn = issue()
    with pytest.raises(sc.InvalidInput, match="txn"):
        journal.record(check(journal, txn))
    assert journal.head()[0] == 0


def test_context_for_adds_to_the_base(journal: Journal) -> None:
    """The journal's used pickup orders are added to those the base context lists."""
    journal.record(check(journal, issue("GI-1")), txn=issue("GI-1"))
    ctx = journal.context_for(
        issue("GI-2"), base=attrs_evolve(base(), consumed_pickup_orders={"TH-X"}), timezone=b.TZ
    )
    assert ctx.consumed_pickup_orders == {"TH-X", PO_ID}
    fresh = journal.context_for(issue("GI-3", po="TH-NEW"), base=base("TH-NEW"), timezone=b.TZ)
    assert fresh.consumed_pickup_orders == frozenset()


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(flips=st.lists(st.booleans(), min_size=len(PO_ID), max_size=len(PO_ID)))
def test_no_spelling_of_a_used_pickup_order_gets_a_second_use(
    tmp_path: Path, flips: list[bool]
) -> None:
    """The attacker's try: cite the used pickup order in another case, with a context that does
    not show it used (a second server's stale check). Every spelling is refused."""
    path = tmp_path / "attack.sqlite"
    with Journal(path) as j:
        if j.head()[0] == 0:
            j.record(GATE.check(issue("GI-1"), base()), txn=issue("GI-1"))
        spelled = "".join(c.swapcase() if f else c for c, f in zip(PO_ID, flips, strict=True))
        txn = issue("GI-2", po=spelled)
        d = GATE.check(txn, base(spelled))
        assert d.allowed
        with pytest.raises(sc.PickupOrderConsumed):
            j.record(d, txn=txn)
        assert [e.kind for e in j.entries()] == ["decision", "use"]


def attrs_evolve(ctx: sc.Context, **kw: Any) -> sc.Context:
    import attrs

    return attrs.evolve(ctx, **kw)


# -- tampering ---------------------------------------------------------------------------------


def _forge(target: str, kind: str, record: dict[str, Any], key: str) -> int:
    """Append a well-hashed record after the head and move the head (a rewrite a DBA could
    make); return its seq."""
    tamper = tamperer(target)
    ((seq, prev),) = tamper("SELECT seq, hash FROM head")
    seq = int(seq) + 1
    body = canonical_json(record)
    h = chain_hash(seq, kind, prev, body)
    text = body.decode().replace("'", "''")
    tamper(
        "INSERT INTO entries (seq, kind, key, body, prev_hash, hash) "
        f"VALUES ({seq}, '{kind}', '{key}', '{text}', '{prev}', '{h}')"
    )
    tamper(f"UPDATE head SET seq = {seq}, hash = '{h}'")
    return seq


def test_a_forged_second_use_fails_verify_naming_the_pickup_order(
    journal: Journal, target: str
) -> None:
    """A second use record, correctly hashed and chained, with its index row under another key
    (the primary key then lets it in): verify names the pickup order and the first use."""
    txn = issue("GI-1")
    journal.record(check(journal, txn), txn=txn)
    assert journal.verify().ok
    record = {
        "thing": "pickup_order",
        "id": "th-2026-0007",
        "document_id": "GI-9",
        "decision_seq": 1,
        "recorded_at": "2026-03-02T02:30:00+00:00",
    }
    seq = _forge(target, "use", record, "pickup_order:th-2026-0007")
    tamperer(target)(
        f"INSERT INTO uses (key, thing, document_id, seq) "
        f"VALUES ('pickup_order:forged', 'pickup_order', 'GI-9', {seq})"
    )
    v = journal.verify()
    assert not v.ok and v.broken_seq == seq
    assert v.reason == "pickup order 'th-2026-0007' is used a second time (first use in record 2)"


def test_a_deleted_use_row_fails_verify_and_frees_nothing(journal: Journal, target: str) -> None:
    """Deleting the index row: verify names the record; the chain still refuses a second use."""
    txn = issue("GI-1")
    journal.record(check(journal, txn), txn=txn)
    tamperer(target)("DELETE FROM uses")
    v = journal.verify()
    assert not v.ok and v.broken_seq == 2 and "uses index" in v.reason
    stale = GATE.check(issue("GI-2"), base())  # checked without the journal's context
    with pytest.raises(sc.PickupOrderConsumed):
        journal.record(stale, txn=issue("GI-2"))
    ctx = journal.context_for(issue("GI-2"), base=base(), timezone=b.TZ)
    assert PO_ID in ctx.consumed_pickup_orders


def test_an_edited_use_record_breaks_the_chain_there(journal: Journal, target: str) -> None:
    """Changing the goods issue a use names breaks its hash."""
    txn = issue("GI-1")
    journal.record(check(journal, txn), txn=txn)
    tamperer(target)("UPDATE entries SET body = replace(body, 'GI-1', 'GI-8') WHERE kind = 'use'")
    v = journal.verify()
    assert not v.ok and v.broken_seq == 2 and "altered" in v.reason


# -- migration from schema version 1 --------------------------------------------------------------


def _old_journal(target: str, monkeypatch: pytest.MonkeyPatch) -> tuple[int, str]:
    """A version-1 journal at ``target`` (the schema before pickup orders), with a release used."""
    mod: Any = jsqlite
    if target.startswith("postgresql://"):
        from salesctl.journal import postgres as mod
    with monkeypatch.context() as m:
        m.setattr(mod, "SCHEMA_VERSION", 1)
        m.setattr(mod, "_MIGRATIONS", mod._MIGRATIONS[:1])
        with Journal(target, clock=Clock()) as j:
            j.consume_release("R1", "SO-1", b.cny("100"))
            return j.head()


def test_a_version_1_journal_reads_as_it_is_and_migrates_on_write(
    target: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Read-only, a version-1 journal verifies as it is (an archive stays verifiable); opened
    writable, it migrates to version 2 and takes pickup-order uses; its chain goes on."""
    head = _old_journal(target, monkeypatch)
    tamper = tamperer(target)
    pg = target.startswith("postgresql://")
    version = "SELECT schema_version FROM meta" if pg else "PRAGMA user_version"
    assert tamper(version) == [(1,)]
    with Journal(target, read_only=True) as ro:
        assert ro.verify(anchor=head).ok
        assert ro.pickup_order_use(PO_ID) is None
        assert ro.context_for(issue(), base=base()).consumed_pickup_orders == frozenset()
        copy = tmp_path / "copy.sqlite"
        assert ro.copy_to(copy) == 1
    with Journal(target, clock=Clock()) as j:
        assert tamper(version) == [(2,)]
        txn = issue()
        j.record(check(j, txn), txn=txn)
        assert j.verify(anchor=head).ok
        assert j.pickup_order_use(PO_ID) is not None
    with Journal(copy) as c:
        assert c.verify(anchor=head).ok


# -- eight processes race for the same pickup orders ----------------------------------------------

PICKUPS = ("PO-A", "PO-B", "PO-C")


def _race(path: str, worker: int, barrier: Any, results: Any, decisions: Any) -> None:
    try:
        with Journal(path) as j:
            barrier.wait()
            for po in PICKUPS:
                txn, decision = decisions[worker, po]
                try:
                    entry = j.record(decision, txn=txn)
                    results.put(("won", worker, (po, entry.seq)))
                except sc.PickupOrderConsumed as e:
                    results.put(("refused", worker, (po, e.first.document_id, e.first.seq)))
    except BaseException as e:  # pragma: no cover - reported to the parent
        results.put(("error", worker, repr(e)))
    finally:
        results.put(("done", worker, None))


@pytest.mark.skipif("fork" not in mp.get_all_start_methods(), reason="needs fork (POSIX)")
def test_eight_processes_race_for_the_same_pickup_orders(target: str) -> None:
    """8 processes each record an allowed goods issue against each of 3 pickup orders at once:
    each pickup order is used exactly once; the 7 others are refused naming that use, and
    leave no record."""
    Journal(target).close()
    ctx = base(*PICKUPS)
    decisions = {}
    for w in range(PROCESSES):
        for po in PICKUPS:
            txn = issue(f"GI-{w}-{po}", po=po)
            d = GATE.check(txn, ctx)
            assert d.allowed
            decisions[w, po] = (txn, d)
    started = time.monotonic()
    out = run_processes(_race, target, decisions)  # PROCESSES workers, forked, joined
    assert time.monotonic() - started < 60
    assert not [r for r in out if r[0] == "error"], out
    won = {r[2][0]: (r[1], r[2][1]) for r in out if r[0] == "won"}
    assert sorted(won) == sorted(PICKUPS)
    assert Counter(r[0] for r in out) == {"won": 3, "refused": 3 * (PROCESSES - 1)}
    for kind, _w, detail in out:
        if kind == "refused":
            po, first_doc, first_seq = detail
            winner, decision_seq = won[po]
            assert (first_doc, first_seq) == (f"GI-{winner}-{po}", decision_seq + 1)
    with Journal(target) as j:
        assert Counter(e.kind for e in j.entries()) == {"decision": 3, "use": 3}
        for po, (winner, _) in won.items():
            use = j.pickup_order_use(po)
            assert use is not None and use.document_id == f"GI-{winner}-{po}"
        assert j.verify().ok


# -- typed errors of the PostgreSQL backend --------------------------------------------------------


def test_the_new_errors_are_journal_errors() -> None:
    """Both are JournalErrors (a host catching JournalError keeps working), exported."""
    for cls in (sc.JournalUnavailable, sc.JournalOutcomeUnknown, sc.PickupOrderConsumed):
        assert issubclass(cls, sc.JournalError) and cls.__name__ in sc.__all__
        assert cls is getattr(sc.errors, cls.__name__)


def test_an_unreachable_server_is_journal_unavailable(tmp_path: Path) -> None:
    """No server at the URL: JournalUnavailable after the timeout."""
    pytest.importorskip("psycopg", reason="psycopg 3 is not installed")
    with pytest.raises(sc.JournalUnavailable, match="cannot connect"):
        Journal(f"postgresql://x@/postgres?host={tmp_path}", timeout=0.2)


def test_a_connection_lost_during_commit_is_journal_outcome_unknown() -> None:
    """The server ends the session before COMMIT is answered: JournalOutcomeUnknown (never
    retried); the journal reconnects for the next write."""
    cluster = pg_cluster()
    with Journal(cluster.schema_url(), clock=Clock()) as j:
        j.next_number("S")

        def work(s: Any) -> None:
            record = {
                "series": "S",
                "number": 2,
                "document_id": None,
                "recorded_at": "2026-03-02T02:00:00+00:00",
            }
            s.append("number", "S", record)
            pid = s._conn.info.backend_pid
            with cluster.connect() as killer:
                killer.execute("SELECT pg_terminate_backend(%s, 5000)", (pid,))

        with pytest.raises(sc.JournalOutcomeUnknown, match="may or may not"):
            j._store.transact(work)
        assert j.next_number("S") == 2  # it did not commit; the next write reconnects
        assert j.verify().ok


def test_a_server_gone_mid_write_is_journal_unavailable_after_the_retries() -> None:
    """A lost connection before COMMIT is retried; when the server stays away past the
    timeout, JournalUnavailable (nothing was written)."""
    cluster = pg_cluster()
    url = cluster.schema_url()
    with Journal(url, clock=Clock(), timeout=0.3, retries=1) as j:
        j.next_number("S")
        j._store._conninfo = "postgresql://salesctl@/postgres?host=/nonexistent-salesctl"

        def work(s: Any) -> None:
            pid = s._conn.info.backend_pid
            with cluster.connect() as killer:
                killer.execute("SELECT pg_terminate_backend(%s, 5000)", (pid,))
            s._one("SELECT 1")

        with pytest.raises(sc.JournalUnavailable):
            j._store.transact(work)
    with Journal(url) as j:
        assert j.last_numbers() == {"S": 1}
        assert json.loads(j.entries().__next__().body)["number"] == 1
