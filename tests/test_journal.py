"""The journal: hash chain, tamper evidence, exactly-once releases, number series, context_for,
schema versioning and bad input (salesctl.journal). Multi-process tests are in
test_journal_concurrency.py."""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import shutil
import sqlite3
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import salesctl as sc
from salesctl import journal as jmod
from salesctl.cli import main
from salesctl.journal import (
    GENESIS_HASH,
    Journal,
    canonical_json,
    chain_hash,
    verify_export,
)
from salesctl.journal import api as japi
from salesctl.journal import sqlite as jsqlite
from tests import builders as b
from tests.journal_backends import BACKENDS, tamperer, target_for

#: The controls these tests lean on (other families need context the journal does not keep).
GATE = sc.Gate(sc.Policy.default(), only=("O2C-CR-04", "O2C-CR-06", "O2C-SO-01", "O2C-SO-02"))


class Clock:
    """A deterministic clock: one second later at every call."""

    def __init__(self) -> None:
        self.now = dt.datetime(2026, 3, 2, 2, 0, tzinfo=dt.UTC)
        self.lock = threading.Lock()

    def __call__(self) -> dt.datetime:
        with self.lock:
            self.now += dt.timedelta(seconds=1)
            return self.now


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "journal.sqlite"


@pytest.fixture(params=BACKENDS)
def target(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A new journal's location on each backend: a SQLite file, a PostgreSQL schema."""
    return target_for(request.param, tmp_path)


@pytest.fixture
def journal(target: str) -> Iterator[Journal]:
    with Journal(target, clock=Clock()) as j:
        yield j


@pytest.fixture
def sqlite_journal(path: Path) -> Iterator[Journal]:
    with Journal(path, clock=Clock()) as j:
        yield j


@pytest.fixture
def tamper(target: str) -> Any:
    """Runs one raw SQL statement on the journal's tables (the attacker's tool)."""
    return tamperer(target)


def big_order(id: str = "SO-2026-0001", seq: int = 1) -> sc.SalesOrder:
    """An order of 600 000 CNY: over the default customer's 500 000 limit."""
    return b.order(id=id, seq=seq, lines=(b.line(qty="60", price="10000"),))


def release(
    order_id: str = "SO-2026-0001", id: str = "R1", max_amount: str = "700000"
) -> sc.CreditRelease:
    return sc.CreditRelease(
        id=id,
        order_id=order_id,
        max_amount=b.cny(max_amount),
        granted_by=b.MAINTAINER,
        granted_at=b.at(1),
        expires_at=b.at(5),
    )


def fill(j: Journal) -> None:
    """One record of every kind, and a few decisions."""
    n = j.next_number("SO-2026", document_id="SO-2026-0001")
    o = big_order(seq=n)
    j.add_approval(b.approval(o.id, "sales_director", b.DIRECTOR))
    j.add_release(release(o.id))
    txn = b.place(o)
    j.append(txn)
    j.record(GATE.check(txn, j.context_for(txn, exposure=b.exposure())), txn=txn)
    j.consume_release("R1", o, o.total)
    for i in range(2, 5):
        n = j.next_number("SO-2026")
        small = b.order(id=f"SO-2026-000{i}", seq=n)
        t = b.place(small)
        j.record(GATE.check(t, j.context_for(t, exposure=b.exposure())))


def raw(path: Path) -> sqlite3.Connection:
    """A plain sqlite3 connection (the tamperer's tool)."""
    return sqlite3.connect(path, isolation_level=None)


# -- the chain ----------------------------------------------------------------------------


class TestChain:
    def test_records_link_and_hash(self, journal: Journal) -> None:
        """Each record carries the previous hash and its own hash over seq, kind, prev and body."""
        fill(journal)
        prev = GENESIS_HASH
        entries = list(journal.entries())
        assert [e.seq for e in entries] == list(range(1, len(entries) + 1))
        for e in entries:
            assert e.prev_hash == prev
            assert e.hash == chain_hash(e.seq, e.kind, e.prev_hash, e.body.encode())
            prev = e.hash
        assert journal.head() == (entries[-1].seq, entries[-1].hash)

    def test_decision_record_holds_the_evidence(self, journal: Journal) -> None:
        """A decision record holds to_dict(), the policy fingerprint, control ids and the txn."""
        txn = b.place()
        d = GATE.check(txn, b.context())
        e = journal.record(d, txn=txn)
        rec = e.record
        assert rec["decision"] == d.to_dict()
        assert rec["policy_fingerprint"] == sc.Policy.default().fingerprint
        assert rec["controls"] == list(d.controls)
        assert rec["transaction"] == sc.transaction_to_dict(txn)
        assert e.decision() == d
        assert e.recorded_at == dt.datetime(2026, 3, 2, 2, 0, 1, tzinfo=dt.UTC)
        assert [x.seq for x in journal.decisions(d.document_id)] == [e.seq]
        assert list(journal.decisions("SO-other")) == []

    def test_record_refuses_a_foreign_transaction(self, journal: Journal) -> None:
        """The txn given with a decision must be the one it decided."""
        d = GATE.check(b.place(), b.context())
        other = b.place(b.order(id="SO-2026-0043", seq=43))
        with pytest.raises(sc.InvalidInput, match="not the transaction"):
            journal.record(d, txn=other)
        with pytest.raises(sc.InvalidInput):
            journal.record({"outcome": "ALLOW"})  # type: ignore[arg-type]
        assert journal.head() == (0, GENESIS_HASH)

    def test_empty_journal_verifies(self, journal: Journal) -> None:
        """A new journal verifies with no records."""
        v = journal.verify()
        assert (v.ok, v.records, v.head_seq, v.head_hash) == (True, 0, 0, GENESIS_HASH)
        v.raise_if_broken()

    def test_filled_journal_verifies(self, journal: Journal) -> None:
        """A journal written only through the API verifies."""
        fill(journal)
        v = journal.verify()
        assert v.ok, v.reason
        assert (v.head_seq, v.head_hash) == journal.head()
        assert journal.verify(anchor=journal.head()).ok

    def test_entries_filters(self, journal: Journal) -> None:
        """entries() filters by kind, key and position."""
        fill(journal)
        kinds = {e.kind for e in journal.entries()}
        # fill() writes every kind but "use" (pickup orders: tests/test_journal_pickup.py).
        assert kinds == set(jmod.KINDS) - {"use"}
        assert [e.kind for e in journal.entries(kind="release", key="SO-2026-0001")] == ["release"]
        assert all(e.seq > 5 for e in journal.entries(since=5))
        with pytest.raises(sc.InvalidInput):
            list(journal.entries(kind="bogus"))
        with pytest.raises(sc.InvalidInput):
            list(journal.entries(key="SO-2026-0001"))
        with pytest.raises(sc.InvalidInput, match="not a decision"):
            next(journal.entries(kind="number")).decision()

    def test_entries_pages_through_long_logs(
        self, journal: Journal, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """entries() yields every record of a log longer than one page of reads."""
        monkeypatch.setattr(japi, "_PAGE", 7)
        for _ in range(30):
            journal.next_number("S")
        assert [e.seq for e in journal.entries()] == list(range(1, 31))
        assert [e.seq for e in journal.entries(since=13)] == list(range(14, 31))
        monkeypatch.setattr(japi, "_PAGE", 10)
        assert [e.seq for e in journal.entries(since=10)] == list(range(11, 31))

    def test_rewritten_history_is_caught_by_an_anchor(self, journal: Journal, tamper: Any) -> None:
        """Re-hashing the whole chain after an edit fools the chain alone, not a published head."""
        fill(journal)
        anchor = journal.head()
        rows = tamper("SELECT seq, kind, body FROM entries ORDER BY seq")
        prev = GENESIS_HASH
        for seq, kind, body in rows:
            if seq == 3:  # the release: raise its maximum
                assert "700000.00 CNY" in body
                body = body.replace("700000.00 CNY", "900000.00 CNY")
            h = chain_hash(seq, kind, prev, body.encode())
            quoted = body.replace("'", "''")
            tamper(
                f"UPDATE entries SET body='{quoted}', prev_hash='{prev}', hash='{h}' "
                f"WHERE seq={seq}"
            )
            prev = h
        tamper(f"UPDATE head SET hash='{prev}'")
        assert journal.verify().ok  # the chain itself is consistent again ...
        v = journal.verify(anchor=anchor)
        assert not v.ok  # ... but not with the head published before
        assert v.broken_seq == anchor[0]
        assert not journal.verify(anchor=(999, anchor[1])).ok
        for bad in [(0, anchor[1]), (3, "abc"), ("3", anchor[1]), [3, anchor[1]]]:
            with pytest.raises(sc.InvalidInput, match=r"Journal\.head"):
                journal.verify(anchor=bad)  # type: ignore[arg-type]
            with pytest.raises(sc.InvalidInput):
                verify_export([], anchor=bad)  # type: ignore[arg-type]

    def test_verification_raises_on_request(self, journal: Journal, tamper: Any) -> None:
        """raise_if_broken raises ChainBroken naming the record."""
        fill(journal)
        tamper("DELETE FROM entries WHERE seq = 2")
        v = journal.verify()
        with pytest.raises(sc.ChainBroken) as err:
            v.raise_if_broken()
        assert err.value.seq == 2
        assert "record 2" in str(err.value)
        assert v.to_dict()["broken_seq"] == 2


class TestCanonicalJson:
    def test_stable_bytes(self) -> None:
        """Key order and spacing do not change the bytes; text stays UTF-8."""
        a = canonical_json({"b": 1, "a": ["x", {"d": None, "c": "中"}]})
        assert a == canonical_json({"a": ["x", {"c": "中", "d": None}], "b": 1})
        assert a == '{"a":["x",{"c":"中","d":null}],"b":1}'.encode()

    @pytest.mark.parametrize("bad", [{"x": 1.5}, [float("nan")], {"x": object()}, {"x": "\ud800"}])
    def test_refuses_inexact_data(self, bad: Any) -> None:
        """Floats, objects and lone surrogates are refused."""
        with pytest.raises(sc.InvalidInput):
            canonical_json(bad)


# -- export -------------------------------------------------------------------------------


class TestExport:
    def test_export_verifies_on_its_own(self, journal: Journal) -> None:
        """An unfiltered export is a chain an auditor can verify without the database."""
        fill(journal)
        buf = io.StringIO()
        n = journal.export(buf)
        lines = buf.getvalue().splitlines()
        assert n == len(lines) == journal.head()[0]
        first = json.loads(lines[0])
        assert set(first) == {"seq", "kind", "prev_hash", "hash", "record"}
        v = verify_export(lines)
        assert v.ok and (v.head_seq, v.head_hash) == journal.head()
        assert verify_export(lines, anchor=journal.head()).ok

    def test_export_by_kind(self, journal: Journal) -> None:
        """A filtered export holds one kind only, and no longer verifies as a chain."""
        fill(journal)
        buf = io.StringIO()
        n = journal.export(buf, kinds=["decision"])
        rows = [json.loads(x) for x in buf.getvalue().splitlines()]
        assert n == len(rows) == 4
        assert {r["kind"] for r in rows} == {"decision"}
        assert not verify_export(buf.getvalue().splitlines()).ok
        with pytest.raises(sc.InvalidInput):
            journal.export(io.StringIO(), kinds=["bogus"])

    @pytest.mark.parametrize(
        ("edit", "seq"),
        [
            (lambda rows: rows[2]["record"].update(recorded_at="2020-01-01T00:00:00+00:00"), 3),
            (lambda rows: rows.pop(4), 5),
            (lambda rows: rows[0].update(hash="0" * 64), 1),
            (lambda rows: rows[3].update(kind="bogus"), 4),
            (lambda rows: rows[6].pop("record"), 7),
        ],
    )
    def test_altered_export_fails_at_the_record(
        self, journal: Journal, edit: Any, seq: int
    ) -> None:
        """An edited, removed or malformed export line breaks the chain at that record."""
        fill(journal)
        buf = io.StringIO()
        journal.export(buf)
        rows = [json.loads(x) for x in buf.getvalue().splitlines()]
        edit(rows)
        v = verify_export(json.dumps(r) for r in rows)
        assert not v.ok
        assert v.broken_seq == seq

    def test_export_anchor(self, journal: Journal) -> None:
        """An anchor the export does not hold, or holds with another hash, fails."""
        fill(journal)
        buf = io.StringIO()
        journal.export(buf)
        lines = buf.getvalue().splitlines()
        assert not verify_export(lines, anchor=(3, "f" * 64)).ok
        assert verify_export(lines, anchor=(99, "f" * 64)).broken_seq == 99
        assert verify_export([*lines, "", "not json"]).broken_seq == len(lines) + 1


# -- tampering ----------------------------------------------------------------------------

_COLUMNS = ("kind", "key", "body", "prev_hash", "hash")


@pytest.fixture(scope="module")
def pristine() -> Iterator[tuple[bytes, list[tuple[int, str]]]]:
    """A closed journal file of every record kind, and its (seq, body) pairs."""
    with tempfile.TemporaryDirectory() as d:
        p = Path(d) / "j.sqlite"
        with Journal(p, clock=Clock()) as j:
            fill(j)
            bodies = [(e.seq, e.body) for e in j.entries()]
        assert not (Path(d) / "j.sqlite-wal").exists()
        yield p.read_bytes(), bodies


def _verify_bytes(data: bytes, tamper: Any) -> sc.Verification:
    with tempfile.TemporaryDirectory() as d:
        p = Path(d) / "j.sqlite"
        p.write_bytes(data)
        con = raw(p)
        tamper(con, p)
        con.close()
        with Journal(p, read_only=True) as j:
            return j.verify()


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_any_changed_byte_of_any_record_breaks_the_chain_there(
    pristine: tuple[bytes, list[tuple[int, str]]], data: st.DataObject
) -> None:
    """Changing one byte of any stored column of any record fails verify at that record."""
    db, bodies = pristine
    seq = data.draw(st.integers(1, len(bodies)), label="seq")
    column = data.draw(st.sampled_from(_COLUMNS), label="column")

    def tamper(con: sqlite3.Connection, _p: Path) -> None:
        (value,) = con.execute(
            f"SELECT CAST({column} AS BLOB) FROM entries WHERE seq=?", (seq,)
        ).fetchone()
        pos = data.draw(st.integers(0, len(value) - 1), label="position")
        byte = data.draw(st.integers(0, 255).filter(lambda x: x != value[pos]), label="byte")
        changed = value[:pos] + bytes([byte]) + value[pos + 1 :]
        # Store it as text when it still decodes (what an editor would do), else as a blob.
        try:
            new: Any = changed.decode("utf-8")
        except UnicodeDecodeError:
            new = changed
        con.execute(f"UPDATE entries SET {column}=? WHERE seq=?", (new, seq))

    v = _verify_bytes(db, tamper)
    assert not v.ok
    assert v.broken_seq == seq, v.reason


@settings(max_examples=40)
@given(data=st.data())
def test_any_changed_byte_in_the_file_breaks_the_chain_there(
    pristine: tuple[bytes, list[tuple[int, str]]], data: st.DataObject
) -> None:
    """Flipping a byte of a stored record inside the SQLite file fails verify at that record."""
    db, bodies = pristine
    seq, body = data.draw(st.sampled_from(bodies), label="record")
    encoded = body.encode()
    start = db.find(encoded)
    assert start >= 0 and db.find(encoded, start + 1) == -1
    pos = start + data.draw(st.integers(0, len(encoded) - 1), label="offset")
    flip = data.draw(st.integers(1, 255), label="xor")
    changed = db[:pos] + bytes([db[pos] ^ flip]) + db[pos + 1 :]
    v = _verify_bytes(changed, lambda con, p: None)
    assert not v.ok
    assert v.broken_seq == seq, v.reason


@settings(max_examples=30, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_any_deleted_record_breaks_the_chain_there(
    pristine: tuple[bytes, list[tuple[int, str]]], data: st.DataObject
) -> None:
    """Deleting any record (the last one too) fails verify at that record."""
    db, bodies = pristine
    seq = data.draw(st.integers(1, len(bodies)), label="seq")
    v = _verify_bytes(db, lambda con, p: con.execute("DELETE FROM entries WHERE seq=?", (seq,)))
    assert not v.ok
    assert v.broken_seq == seq, v.reason


@pytest.mark.parametrize(
    ("sql", "kind"),
    [
        ("DELETE FROM consumptions", "consumption"),
        ("UPDATE consumptions SET order_id = 'SO-X'", "consumption"),
        ("DELETE FROM numbers WHERE number = 2", "number"),
        ("UPDATE numbers SET document_id = 'SO-X' WHERE number = 1", "number"),
        ("DELETE FROM releases", "release"),
        ("DELETE FROM approvals", "approval"),
        ("UPDATE entries SET seq = 1000 WHERE kind = 'release'", "release"),
    ],
)
def test_tampered_index_or_order_fails_at_the_record(
    pristine: tuple[bytes, list[tuple[int, str]]], sql: str, kind: str
) -> None:
    """Index rows must agree with the chain; a moved record is a missing one."""
    db, _ = pristine
    with tempfile.TemporaryDirectory() as d:
        p = Path(d) / "j.sqlite"
        p.write_bytes(db)
        con = raw(p)
        targets = {
            r[0]
            for r in con.execute("SELECT seq, body FROM entries WHERE kind=?", (kind,))
            if kind != "number" or '"number":' + ("2" if "= 2" in sql else "1") in r[1]
        }
        con.execute(sql)
        con.close()
        with Journal(p, read_only=True) as j:
            v = j.verify()
    assert not v.ok
    assert v.broken_seq in targets, v.reason


def test_a_missing_head_fails_and_blocks_writing(journal: Journal, tamper: Any) -> None:
    """Without its head the journal fails verify and refuses to append."""
    fill(journal)
    last = journal.head()[0]
    tamper("DELETE FROM head")
    v = journal.verify()
    assert not v.ok and v.broken_seq == last
    with pytest.raises(sc.JournalCorrupt):
        journal.next_number("X")


def test_an_injected_index_row_fails(journal: Journal, tamper: Any) -> None:
    """An index row the chain does not hold is reported."""
    fill(journal)
    tamper("INSERT INTO releases (release_id, seq) VALUES ('R-FAKE', 9999)")
    v = journal.verify()
    assert not v.ok and "R-FAKE" in v.reason


# -- one-time releases ----------------------------------------------------------------------


class TestReleases:
    def test_consumed_once(self, journal: Journal) -> None:
        """The first use returns evidence; the second raises with the first's evidence."""
        o = big_order()
        first = journal.consume_release("R1", o, o.total)
        assert (first.release_id, first.order_id, first.amount) == ("R1", o.id, o.total)
        assert journal.consumption("R1") == first
        assert journal.consumption("R2") is None
        with pytest.raises(sc.ReleaseConsumed) as err:
            journal.consume_release("R1", "SO-other", b.cny("1"))
        assert err.value.first == first
        assert "already consumed by order SO-2026-0001" in str(err.value)
        assert isinstance(err.value, sc.JournalError)

    def test_recorded_release_must_fit(self, journal: Journal) -> None:
        """A recorded release is good only for its order, up to its amount, in its currency."""
        journal.add_release(release(max_amount="700000"))
        with pytest.raises(sc.InvalidInput, match="is for order"):
            journal.consume_release("R1", "SO-other", b.cny("10"))
        with pytest.raises(sc.InvalidInput, match="at most"):
            journal.consume_release("R1", "SO-2026-0001", b.cny("700000.01"))
        with pytest.raises(sc.InvalidInput, match="at most"):
            journal.consume_release("R1", "SO-2026-0001", sc.Money("10", "USD"))
        assert journal.consumption("R1") is None
        journal.consume_release("R1", "SO-2026-0001", b.cny("700000"))

    def test_deleted_index_row_does_not_free_a_release(
        self, journal: Journal, tamper: Any
    ) -> None:
        """The chain, not only the index, refuses the second use."""
        first = journal.consume_release("R1", "SO-1", b.cny("5"))
        tamper("DELETE FROM consumptions")
        with pytest.raises(sc.ReleaseConsumed) as err:
            journal.consume_release("R1", "SO-2", b.cny("5"))
        assert err.value.first.seq == first.seq

    @pytest.mark.parametrize(
        "kwargs",
        [
            {"release_id": "", "order": "SO-1", "amount": b.cny("1")},
            {"release_id": "R1", "order": " ", "amount": b.cny("1")},
            {"release_id": "R1", "order": 7, "amount": b.cny("1")},
            {"release_id": "R1", "order": "SO-1", "amount": "1 CNY"},
        ],
    )
    def test_bad_arguments(self, journal: Journal, kwargs: dict[str, Any]) -> None:
        """Malformed arguments raise InvalidInput and consume nothing."""
        with pytest.raises(sc.InvalidInput):
            journal.consume_release(**kwargs)
        assert journal.head()[0] == 0

    def test_threads_race_one_wins(self, target: str) -> None:
        """Of 8 threads consuming one release, exactly one succeeds."""
        with Journal(target) as j:
            barrier = threading.Barrier(8)
            results: list[Any] = []

            def use(i: int) -> None:
                barrier.wait()
                try:
                    results.append(j.consume_release("R1", f"SO-{i}", b.cny("1")))
                except sc.ReleaseConsumed as e:
                    results.append(e)

            threads = [threading.Thread(target=use, args=(i,)) for i in range(8)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            wins = [r for r in results if isinstance(r, sc.ReleaseConsumption)]
            losses = [r for r in results if isinstance(r, sc.ReleaseConsumed)]
            assert len(wins) == 1 and len(losses) == 7
            assert all(e.first == wins[0] for e in losses)
            assert j.verify().ok

    def test_add_release_and_approval_are_idempotent(self, journal: Journal) -> None:
        """The same document again is a no-op; another with the same id is refused."""
        r = release()
        e1 = journal.add_release(r)
        assert journal.add_release(r) == e1
        with pytest.raises(sc.InvalidInput, match="other content"):
            journal.add_release(release(max_amount="1"))
        a = b.approval()
        e2 = journal.add_approval(a)
        assert journal.add_approval(a) == e2
        with pytest.raises(sc.InvalidInput, match="other content"):
            journal.add_approval(b.approval(role="sales_director", id=a.id))
        with pytest.raises(sc.InvalidInput):
            journal.add_approval(r)  # type: ignore[arg-type]
        with pytest.raises(sc.InvalidInput):
            journal.add_release(a)  # type: ignore[arg-type]
        assert journal.head()[0] == 2


# -- number series ------------------------------------------------------------------------


class TestNumbers:
    def test_sequential_per_series(self, journal: Journal) -> None:
        """Each series counts 1, 2, 3 on its own."""
        assert [journal.next_number("A") for _ in range(3)] == [1, 2, 3]
        assert journal.next_number("B") == 1
        assert journal.last_numbers() == {"A": 3, "B": 1}
        reports = journal.number_report()
        assert [(r.series, r.first, r.last, r.count, r.ok) for r in reports] == [
            ("A", 1, 3, 3, True),
            ("B", 1, 1, 1, True),
        ]
        (empty,) = journal.number_report("C")
        assert (empty.count, empty.first, empty.ok) == (0, None, True)

    @pytest.mark.parametrize(("series", "doc"), [("", None), ("A", " "), (3, None)])
    def test_bad_series(self, journal: Journal, series: Any, doc: Any) -> None:
        """A blank series or document id is refused."""
        with pytest.raises(sc.InvalidInput):
            journal.next_number(series, document_id=doc)

    def test_threads_draw_without_gaps(self, target: str) -> None:
        """8 threads drawing 20 numbers each get 1..160, each once."""
        with Journal(target) as j:
            got: list[int] = []
            lock = threading.Lock()

            def draw() -> None:
                mine = [j.next_number("SO") for _ in range(20)]
                with lock:
                    got.extend(mine)

            threads = [threading.Thread(target=draw) for _ in range(8)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            assert sorted(got) == list(range(1, 161))
            assert j.number_report("SO")[0].ok

    def test_report_finds_gaps_and_duplicates(self, journal: Journal, tamper: Any) -> None:
        """Numbers missing from, or twice in, the chain are reported (the chain breaks too)."""
        for _ in range(8):
            journal.next_number("SO")
        tamper("DELETE FROM entries WHERE kind='number' AND body LIKE '%\"number\":3,%'")
        tamper(
            "UPDATE entries SET body = replace(body, '\"number\":6,', '\"number\":5,') "
            "WHERE body LIKE '%\"number\":6,%'"
        )
        tamper("DELETE FROM entries WHERE body LIKE '%\"number\":8,%'")
        (r,) = journal.number_report("SO")
        assert r.gaps == ((3, 3), (6, 6))
        assert r.duplicates == (5,)
        assert (r.count, r.last, r.ok) == (6, 7, False)
        assert not journal.verify().ok

    def test_index_that_disagrees_with_the_chain_stops_drawing(
        self, journal: Journal, tamper: Any
    ) -> None:
        """A deleted index row does not lead to a number being drawn twice."""
        for _ in range(3):
            journal.next_number("SO")
        tamper("DELETE FROM numbers WHERE number = 3")
        with pytest.raises(sc.JournalCorrupt, match="disagrees"):
            journal.next_number("SO")


# -- context_for -----------------------------------------------------------------------------


class TestContextFor:
    def test_fields_from_the_journal(self, journal: Journal) -> None:
        """as_of, approvals, releases, consumed ids and last numbers come from the journal."""
        n = journal.next_number("SO-2026", document_id="SO-2026-0001")
        journal.next_number("SO-2027")
        o = big_order(seq=n)
        appr = b.approval(o.id, "sales_director", b.DIRECTOR)
        journal.add_approval(appr)
        journal.add_approval(b.approval("SO-other", id="APR-other"))
        journal.add_release(release(o.id, "R1"))
        journal.add_release(release(o.id, "R2"))
        journal.add_release(release("SO-other", "R3"))
        journal.consume_release("R2", o, o.total)
        txn = b.place(
            o, when=dt.datetime(2026, 3, 2, 23, 30, tzinfo=dt.timezone(dt.timedelta(hours=-5)))
        )
        ctx = journal.context_for(txn)
        assert ctx.as_of == dt.date(2026, 3, 2)
        # in the policy's zone (+08:00) that moment is already the 3rd: the business date the
        # gate expects, so a host passes the policy's zone
        policy = sc.Policy.default()
        zoned = journal.context_for(txn, timezone=policy.zone)
        assert zoned.as_of == dt.date(2026, 3, 3) == policy.business_date(txn.at)
        assert ctx.approvals == (appr,)
        assert [r.id for r in ctx.releases] == ["R1", "R2"]
        assert ctx.consumed_releases == frozenset({"R2"})
        assert dict(ctx.last_numbers) == {"SO-2026": 0, "SO-2027": 1}
        assert ctx.exposure is None

    def test_release_named_by_the_transaction(self, journal: Journal) -> None:
        """A release the transaction names is in the context even if it is for another order."""
        journal.add_release(release("SO-other", "R3"))
        journal.consume_release("R3", "SO-other", b.cny("1"))
        txn = sc.ReleaseOrder(order=big_order(), release_id="R3", actor=b.REP, at=b.AT)
        ctx = journal.context_for(txn, exposure=b.exposure())
        assert [r.id for r in ctx.releases] == ["R3"]
        assert ctx.consumed_releases == frozenset({"R3"})
        d = GATE.check(txn, ctx)
        assert d.outcome is not sc.Outcome.ALLOW

    @pytest.mark.parametrize(
        ("drawn_for", "seq", "outcome"),
        [
            ("SO-2026-0001", 1, None),  # drawn for this order: the next number
            (None, 1, None),  # drawn unbound: usable
            ("SO-2026-0099", 1, sc.Outcome.BLOCK),  # drawn for another order: duplicate
            ("SO-2026-0001", 3, sc.Outcome.HOLD),  # skips number 2: a gap
        ],
    )
    def test_order_number_check(
        self, journal: Journal, drawn_for: str | None, seq: int, outcome: sc.Outcome | None
    ) -> None:
        """O2C-SO-01 passes for a number drawn for the order and fires otherwise."""
        journal.next_number("SO-2026", document_id=drawn_for)
        txn = b.place(b.order(id="SO-2026-0001", seq=seq))
        d = GATE.check(txn, journal.context_for(txn, exposure=b.exposure()))
        found = {f.outcome for f in d.findings_for("O2C-SO-01")}
        assert found == (set() if outcome is None else {outcome})

    def test_exposure_provider(self, journal: Journal) -> None:
        """A provider is called with the transaction; a wrong return is refused."""
        seen: list[sc.Transaction] = []

        def provider(txn: sc.Transaction) -> sc.CreditExposure:
            seen.append(txn)
            return b.exposure(receivables="100")

        txn = b.place()
        ctx = journal.context_for(txn, exposure=provider)
        assert seen == [txn]
        assert ctx.exposure == b.exposure(receivables="100")
        assert journal.context_for(txn, exposure=b.exposure()).exposure == b.exposure()
        with pytest.raises(sc.InvalidInput, match="CreditExposure"):
            journal.context_for(txn, exposure=lambda t: "lots")  # type: ignore[arg-type,return-value]
        with pytest.raises(sc.InvalidInput):
            journal.context_for("txn")  # type: ignore[arg-type]
        with pytest.raises(sc.InvalidInput):
            journal.context_for(txn, base={"as_of": "2026-03-02"})  # type: ignore[arg-type]

    def test_base_context_is_kept_and_merged(self, journal: Journal) -> None:
        """What the host passes in base stays; the journal's facts are added."""
        from decimal import Decimal

        journal.add_approval(b.approval("SO-2026-0042", "sales_director", b.DIRECTOR, id="APR-j"))
        journal.next_number("SO-2027")
        host_appr = b.approval()
        base = sc.Context(
            as_of=dt.date(2020, 1, 1),
            exposure=b.exposure(),
            approvals=(host_appr,),
            last_numbers={"SO-2026": 41, "SO-2027": 7},
            fx_rates={"USD/CNY": Decimal("7.10")},
            consumed_releases={"R-old"},
        )
        ctx = journal.context_for(b.place(), base=base)
        assert ctx.as_of == b.TODAY
        assert ctx.exposure == b.exposure()
        assert [a.id for a in ctx.approvals] == [host_appr.id, "APR-j"]
        assert dict(ctx.last_numbers) == {"SO-2026": 41, "SO-2027": 1}
        assert ctx.fx_rates == {"USD/CNY": Decimal("7.10")}
        assert ctx.consumed_releases == frozenset({"R-old"})

    def test_ledger_supplies_exposure(self, journal: Journal) -> None:
        """The ledger's fold gives exposure (as base or provider); the journal gives numbers."""
        from salesctl.ledger import Ledger

        ledger = Ledger()
        ledger.apply(b.place(b.order(id="SO-2026-0001", seq=1)))
        journal.next_number("SO-2026", document_id="SO-2026-0001")
        journal.next_number("SO-2026", document_id="SO-2026-0002")
        txn = b.place(b.order(id="SO-2026-0002", seq=2))
        ctx = journal.context_for(txn, base=ledger.context_for(txn))
        assert ctx.exposure is not None and ctx.exposure.open_orders == b.cny("10000")
        assert ctx.last_numbers["SO-2026"] == 1
        by_provider = journal.context_for(
            txn,
            exposure=lambda t: ledger.exposure(t.order.customer.id, "CNY"),  # type: ignore[attr-defined]
        )
        assert by_provider.exposure == ctx.exposure
        assert not GATE.check(txn, ctx).findings_for("O2C-SO-01")

    def test_release_used_exactly_once_end_to_end(self, journal: Journal) -> None:
        """S-IC 5.1: over limit → HOLD; with a release → ALLOW; once consumed → HOLD again."""
        n = journal.next_number("SO-2026", document_id="SO-2026-0001")
        o = big_order(seq=n)
        journal.add_approval(b.approval(o.id, "sales_director", b.DIRECTOR))
        place = b.place(o)
        d1 = GATE.check(place, journal.context_for(place, exposure=b.exposure()))
        journal.record(d1, txn=place)
        assert d1.outcome is sc.Outcome.HOLD
        assert b.ids(d1, sc.Outcome.HOLD) == {"O2C-CR-04"}

        journal.add_release(release(o.id))
        rel = sc.ReleaseOrder(order=o, release_id="R1", actor=b.REP, at=b.AT)
        d2 = GATE.check(rel, journal.context_for(rel, exposure=b.exposure()))
        assert d2.outcome is sc.Outcome.ALLOW
        assert d2.findings_for("O2C-CR-04")[0].cleared_by == ("R1",)
        journal.record(d2, txn=rel)
        journal.consume_release("R1", o, o.total)

        d3 = GATE.check(rel, journal.context_for(rel, exposure=b.exposure()))
        journal.record(d3, txn=rel)
        assert d3.outcome is sc.Outcome.HOLD
        assert "O2C-CR-06" in b.ids(d3, sc.Outcome.HOLD)
        assert [e.decision().outcome for e in journal.decisions(o.id)] == [
            sc.Outcome.HOLD,
            sc.Outcome.ALLOW,
            sc.Outcome.HOLD,
        ]
        assert journal.verify().ok


# -- schema versions and bad input ------------------------------------------------------------


class TestSchema:
    def test_new_journal_is_marked(self, sqlite_journal: Journal, path: Path) -> None:
        """A new journal carries the application id, the schema version and WAL mode."""
        con = raw(path)
        assert con.execute("PRAGMA application_id").fetchone()[0] == jmod.APPLICATION_ID
        assert con.execute("PRAGMA user_version").fetchone()[0] == jmod.SCHEMA_VERSION
        assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"

    def test_migration_path(self, path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        """An older journal is migrated step by step on open, and its chain still verifies."""
        with Journal(path) as j:
            fill(j)
            head = j.head()

        def v1_to_v2(conn: sqlite3.Connection) -> None:
            conn.execute("ALTER TABLE entries ADD COLUMN note TEXT")

        now = jsqlite.SCHEMA_VERSION
        monkeypatch.setattr(jsqlite, "SCHEMA_VERSION", now + 1)
        monkeypatch.setattr(jsqlite, "READABLE_FROM", now + 1)
        monkeypatch.setattr(jsqlite, "_MIGRATIONS", (*jsqlite._MIGRATIONS, v1_to_v2))
        with pytest.raises(sc.JournalError, match="migrate"):
            Journal(path, read_only=True)
        with Journal(path) as j:
            assert j.verify(anchor=head).ok
            j.next_number("X")
        con = raw(path)
        assert con.execute("PRAGMA user_version").fetchone()[0] == now + 1
        assert "note" in {r[1] for r in con.execute("PRAGMA table_info(entries)")}
        con.close()
        monkeypatch.setattr(jsqlite, "SCHEMA_VERSION", now)
        with pytest.raises(sc.JournalTooNew, match=f"version {now + 1}"):
            Journal(path)

    def test_failed_migration_changes_nothing(
        self, path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """A migration that fails rolls back: the journal stays at its version."""
        with Journal(path) as j:
            j.next_number("X")

        def broken(conn: sqlite3.Connection) -> None:
            conn.execute("ALTER TABLE entries ADD COLUMN note TEXT")
            raise RuntimeError("boom")

        now = jsqlite.SCHEMA_VERSION
        monkeypatch.setattr(jsqlite, "SCHEMA_VERSION", now + 1)
        monkeypatch.setattr(jsqlite, "_MIGRATIONS", (*jsqlite._MIGRATIONS, broken))
        with pytest.raises(RuntimeError):
            Journal(path)
        con = raw(path)
        assert con.execute("PRAGMA user_version").fetchone()[0] == now
        assert "note" not in {r[1] for r in con.execute("PRAGMA table_info(entries)")}


def _no_sqlite_traceback(err: BaseException) -> None:
    assert not isinstance(err, sqlite3.Error)
    shown = err.__cause__ or (None if err.__suppress_context__ else err.__context__)
    assert not isinstance(shown, sqlite3.Error)


class TestBadInput:
    @pytest.mark.parametrize("content", [b"hello, this is not a database" * 10, os.urandom(8192)])
    def test_not_sqlite(self, path: Path, content: bytes) -> None:
        """A file that is not SQLite is JournalCorrupt."""
        path.write_bytes(content)
        with pytest.raises(sc.JournalCorrupt, match="not a SQLite") as err:
            Journal(path)
        _no_sqlite_traceback(err.value)

    def test_damaged_journal(self, path: Path) -> None:
        """A journal whose schema page is overwritten is JournalCorrupt."""
        with Journal(path) as j:
            fill(j)
        data = bytearray(path.read_bytes())
        data[100:4096] = b"\xff" * (4096 - 100)
        path.write_bytes(bytes(data))
        with pytest.raises(sc.JournalCorrupt) as err:
            Journal(path)
        _no_sqlite_traceback(err.value)

    def test_foreign_sqlite(self, path: Path) -> None:
        """Another application's SQLite database is JournalForeign, and is left untouched."""
        con = raw(path)
        con.execute("CREATE TABLE invoices (id TEXT)")
        con.close()
        before = path.read_bytes()
        with pytest.raises(sc.JournalForeign, match="not a salesctl journal") as err:
            Journal(path)
        _no_sqlite_traceback(err.value)
        assert path.read_bytes() == before

    def test_empty_file_becomes_a_journal_but_not_when_read_only(self, path: Path) -> None:
        """An empty file is a new journal; read-only it is not a journal."""
        path.write_bytes(b"")
        with pytest.raises(sc.JournalForeign):
            Journal(path, read_only=True)
        with Journal(path) as j:
            assert j.next_number("X") == 1

    def test_newer_schema(self, path: Path) -> None:
        """A journal from a newer salesctl is JournalTooNew, for writing and for reading."""
        with Journal(path) as j:
            j.next_number("X")
        raw(path).execute(f"PRAGMA user_version = {jmod.SCHEMA_VERSION + 1}")
        for ro in (False, True):
            with pytest.raises(sc.JournalTooNew, match="upgrade salesctl") as err:
                Journal(path, read_only=ro)
            _no_sqlite_traceback(err.value)

    def test_negative_schema_version(self, path: Path) -> None:
        """A journal with an impossible schema version is JournalCorrupt."""
        with Journal(path) as j:
            j.next_number("X")
        raw(path).execute("PRAGMA user_version = -3")
        with pytest.raises(sc.JournalCorrupt, match="impossible"):
            Journal(path)

    def test_missing_table(self, path: Path) -> None:
        """A journal that lost a table is JournalCorrupt."""
        with Journal(path) as j:
            j.next_number("X")
        raw(path).execute("DROP TABLE approvals")
        with pytest.raises(sc.JournalCorrupt, match="lacks"):
            Journal(path)

    def test_read_only_open(self, path: Path) -> None:
        """A journal opened read-only reads but refuses every write."""
        with Journal(path) as j:
            fill(j)
        with Journal(path, read_only=True) as j:
            assert j.verify().ok
            for write in (
                lambda: j.next_number("X"),
                lambda: j.consume_release("R9", "SO-1", b.cny("1")),
                lambda: j.append(b.place()),
            ):
                with pytest.raises(sc.JournalReadOnly) as err:
                    write()
                _no_sqlite_traceback(err.value)

    def test_read_only_location(self) -> None:
        """A journal that cannot be created (read-only location) is JournalReadOnly."""
        target = Path("/sys/salesctl-journal.sqlite")
        if not Path("/sys").is_dir():  # pragma: no cover - not Linux
            pytest.skip("no /sys (a location no one may write) on this machine")
        with pytest.raises(sc.JournalReadOnly) as err:
            Journal(target)
        _no_sqlite_traceback(err.value)

    @pytest.mark.skipif(os.geteuid() == 0, reason="root writes read-only files anyway")
    def test_read_only_file(self, path: Path) -> None:  # pragma: no cover - runs as non-root
        """A read-only journal file is JournalReadOnly on write (or on open)."""
        with Journal(path) as j:
            j.next_number("X")
        path.chmod(0o444)
        try:
            with pytest.raises(sc.JournalReadOnly), Journal(path) as j:
                j.next_number("X")
        finally:
            path.chmod(0o644)

    def test_read_only_copy_in_read_only_directory(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """Read-only opening falls back to an immutable read when SQLite cannot open normally."""
        p = tmp_path / "j.sqlite"
        with Journal(p) as j:
            fill(j)
        real = sqlite3.connect

        def picky(database: str, *a: Any, **kw: Any) -> sqlite3.Connection:
            if "immutable=1" not in database:
                raise sqlite3.OperationalError("unable to open database file")
            return real(database, *a, **kw)

        monkeypatch.setattr(sqlite3, "connect", picky)
        with Journal(p, read_only=True) as j:
            assert j.verify().ok

    @pytest.mark.parametrize(
        ("make", "error", "match"),
        [
            (
                lambda p: p / "no" / "such" / "dir.sqlite",
                sc.JournalError,
                "directory does not exist",
            ),
            (lambda p: p, sc.JournalError, "directory"),
        ],
    )
    def test_unusable_paths(self, tmp_path: Path, make: Any, error: type, match: str) -> None:
        """A missing directory or a directory path is a JournalError."""
        with pytest.raises(error, match=match) as err:
            Journal(make(tmp_path))
        _no_sqlite_traceback(err.value)

    def test_read_only_missing_file(self, path: Path) -> None:
        """Read-only opening never creates a file."""
        with pytest.raises(sc.JournalError, match="no such journal"):
            Journal(path, read_only=True)
        assert not path.exists()

    @pytest.mark.parametrize(
        "kwargs", [{"path": ":memory:"}, {"path": ""}, {"path": 7}, {"path": "x", "timeout": -1}]
    )
    def test_bad_arguments(self, kwargs: dict[str, Any]) -> None:
        """A non-path or a negative timeout is InvalidInput."""
        with pytest.raises(sc.InvalidInput):
            Journal(**kwargs)

    def test_closed_journal(self, target: str) -> None:
        """A closed journal refuses to work."""
        j = Journal(target)
        j.close()
        with pytest.raises(sc.JournalError, match="closed"):
            j.next_number("X")

    def test_naive_clock(self, target: str) -> None:
        """A clock without a UTC offset is refused."""
        with (
            Journal(target, clock=lambda: dt.datetime(2026, 3, 2)) as j,
            pytest.raises(sc.InvalidInput),
        ):
            j.next_number("X")

    def test_busy_journal(self, path: Path) -> None:
        """A writer that cannot get the lock within the timeout gets JournalBusy."""
        with Journal(path, timeout=0.05) as j:
            j.next_number("X")
            holder = raw(path)
            holder.execute("BEGIN IMMEDIATE")
            try:
                with pytest.raises(sc.JournalBusy) as err:
                    j.next_number("X")
                _no_sqlite_traceback(err.value)
            finally:
                holder.execute("ROLLBACK")
                holder.close()
            assert j.next_number("X") == 2


class TestBackup:
    def test_backup_while_open(self, journal: Journal, tmp_path: Path) -> None:
        """A backup taken while the journal is in use verifies with the same head."""
        fill(journal)
        dest = journal.backup(tmp_path / "copy.sqlite")
        with Journal(dest, read_only=True) as copy:
            assert copy.verify().ok
            assert copy.head() == journal.head()
        with pytest.raises(sc.JournalError, match="exists"):
            journal.backup(dest)


# -- the CLI ------------------------------------------------------------------------------


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out=out, err=err)
    return code, out.getvalue(), err.getvalue()


class TestCli:
    def test_verify_ok(self, journal: Journal, target: str) -> None:
        """verify exits 0 and prints the head."""
        fill(journal)
        seq, h = journal.head()
        code, out, _ = run("journal", "verify", target)
        assert code == 0 and f"head {seq}:{h}" in out
        code, out, _ = run("journal", "verify", "--json", "--anchor", f"{seq}:{h}", target)
        assert code == 0 and json.loads(out)["ok"] is True

    def test_verify_broken(self, journal: Journal, target: str, tamper: Any) -> None:
        """verify exits 2 naming the first broken record."""
        fill(journal)
        tamper("UPDATE entries SET body = replace(body, 'SO-2026', 'SO-2025') WHERE seq = 4")
        code, out, _ = run("journal", "verify", target)
        assert code == 2
        assert "BROKEN" in out and "record 4" in out

    def test_verify_bad_files(self, tmp_path: Path) -> None:
        """A missing, non-SQLite or foreign file exits 3 with a message, no traceback."""
        junk = tmp_path / "junk.bin"
        junk.write_bytes(b"\x00" * 200)
        foreign = tmp_path / "other.sqlite"
        raw(foreign).execute("CREATE TABLE t (x)")
        for f in (tmp_path / "missing.sqlite", junk, foreign):
            code, _, err = run("journal", "verify", str(f))
            assert code == 3 and err.startswith("salesctl: ")
        code, _, err = run("journal", "verify", "--anchor", "x", str(foreign))
        assert code == 3 and "--anchor" in err

    def test_export_and_verify_the_export(
        self, journal: Journal, target: str, tmp_path: Path
    ) -> None:
        """export writes JSON Lines that verify reads back."""
        fill(journal)
        code, out, _ = run("journal", "export", target)
        assert code == 0
        assert [json.loads(x)["seq"] for x in out.splitlines()] == list(
            range(1, journal.head()[0] + 1)
        )
        dest = tmp_path / "log.jsonl"
        code, _, err = run("journal", "export", target, "-o", str(dest))
        assert code == 0 and "wrote" in err
        code, out, _ = run("journal", "verify", str(dest))
        assert code == 0 and out.startswith("ok:")
        lines = dest.read_text().splitlines()
        dest.write_text("\n".join(lines[:2] + lines[3:]) + "\n")
        code, out, _ = run("journal", "verify", str(dest))
        assert code == 2 and "record 3" in out
        code, out, _ = run("journal", "export", "--kind", "number", target)
        assert {json.loads(x)["kind"] for x in out.splitlines()} == {"number"}

    def test_export_errors(
        self, journal: Journal, target: str, tamper: Any, tmp_path: Path
    ) -> None:
        """export exits 3 on an unreadable journal or output, 2 on an unparsable record."""
        fill(journal)
        assert run("journal", "export", str(tmp_path / "none.sqlite"))[0] == 3
        assert run("journal", "export", target, "-o", str(tmp_path / "no" / "x.jsonl"))[0] == 3
        tamper("UPDATE entries SET body = 'garbage' WHERE seq = 2")
        code, _, err = run("journal", "export", target)
        assert code == 2 and "record 2" in err

    def test_numbers(self, journal: Journal, target: str, tamper: Any) -> None:
        """numbers exits 0 for clean series, 2 listing gaps and duplicates."""
        for _ in range(5):
            journal.next_number("SO")
        code, out, _ = run("journal", "numbers", target)
        assert code == 0 and "SO: ok: 5 drawn, 1..5" in out
        tamper("DELETE FROM entries WHERE body LIKE '%\"number\":2,%'")
        code, out, _ = run("journal", "numbers", target)
        assert code == 2 and "gap: 2" in out
        code, out, _ = run("journal", "numbers", "--json", "--series", "SO", target)
        assert json.loads(out)["gaps"] == [[2, 2]]
        assert run("journal", "numbers", target + "-missing")[0] == 3


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork (POSIX)")
def test_journal_is_shared_by_fork_safely(target: str) -> None:
    """A Journal object used in a forked child opens its own connection there."""
    with Journal(target) as j:
        j.next_number("X")
        pid = os.fork()
        if pid == 0:  # pragma: no cover - child
            code = 0
            try:
                j.next_number("X")
            except BaseException:
                code = 1
            os._exit(code)
        _, status = os.waitpid(pid, 0)
        assert os.waitstatus_to_exitcode(status) == 0
        assert j.next_number("X") == 3
        assert j.verify().ok


def test_module_doc_example() -> None:
    """The module docstring's example runs."""
    import doctest

    assert doctest.testmod(jmod).failed == 0


def test_shutil_copy_of_closed_journal_is_complete(
    sqlite_journal: Journal, path: Path, tmp_path: Path
) -> None:
    """After close, the journal is one self-contained file (no -wal left): a plain copy is a backup."""
    journal = sqlite_journal
    fill(journal)
    head = journal.head()
    journal.close()
    assert not Path(str(path) + "-wal").exists()
    copy = tmp_path / "plain-copy.sqlite"
    shutil.copyfile(path, copy)
    with Journal(copy, read_only=True) as j:
        assert j.verify().ok and j.head() == head
