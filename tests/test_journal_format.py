"""The journal's on-disk format is stable: a journal written by an earlier salesctl verifies and
reads, and this salesctl writes the same schema, the same record bytes and the same hash chain.

``tests/data/journal-v1.sqlite.gz`` was written (and closed) by salesctl before the journal was
split into a package (issue 12): ``fill`` of ``test_journal.py`` with its deterministic ``Clock``.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import pytest

from salesctl.journal import Journal, canonical_json, chain_hash, verify_export
from tests.test_journal import Clock, fill, raw

FIXTURE = Path(__file__).parent / "data" / "journal-v1.sqlite.gz"

#: ``Journal.head()`` of the fixture when it was written.
HEAD = (12, "ea945260d0597e6dc0fd7cb7c4a996c58154c57cb5ace16565b0f75a08335055")


@pytest.fixture
def old(tmp_path: Path) -> Path:
    p = tmp_path / "old.sqlite"
    p.write_bytes(gzip.decompress(FIXTURE.read_bytes()))
    return p


def _rows(path: Path) -> list[tuple[Any, ...]]:
    con = raw(path)
    try:
        return con.execute(
            "SELECT seq, kind, key, body, prev_hash, hash FROM entries ORDER BY seq"
        ).fetchall()
    finally:
        con.close()


def _schema(path: Path) -> tuple[Any, ...]:
    con = raw(path)
    try:
        return (
            con.execute("PRAGMA application_id").fetchone()[0],
            con.execute("PRAGMA user_version").fetchone()[0],
            sorted(con.execute("SELECT type, name, sql FROM sqlite_master").fetchall()),
        )
    finally:
        con.close()


def test_old_journal_verifies_and_reads(old: Path) -> None:
    """The old file verifies (read-only too), with its head as published, and reads as before."""
    with Journal(old, read_only=True) as j:
        assert j.verify(anchor=HEAD).ok
        assert j.head() == HEAD
    with Journal(old) as j:
        v = j.verify(anchor=HEAD)
        assert (v.ok, v.records, v.head_seq, v.head_hash) == (True, 12, *HEAD)
        assert j.last_numbers() == {"SO-2026": 4}
        (report,) = j.number_report()
        assert (report.first, report.last, report.count, report.ok) == (1, 4, 4, True)
        used = j.consumption("R1")
        assert used is not None
        assert (used.order_id, str(used.amount), used.seq) == ("SO-2026-0001", "600000.00 CNY", 6)
        assert [e.decision().document_id for e in j.decisions()] == [
            f"SO-2026-000{i}" for i in range(1, 5)
        ]
        # It takes new records, and the chain goes on from the old head.
        assert j.next_number("SO-2026") == 5
        assert j.verify(anchor=HEAD).ok


def test_old_export_verifies(old: Path, tmp_path: Path) -> None:
    """The JSON Lines export of the old file verifies on its own."""
    out = tmp_path / "export.jsonl"
    with Journal(old, read_only=True) as j, out.open("w", encoding="utf-8") as f:
        assert j.export(f) == 12
    assert verify_export(out.read_text(encoding="utf-8").splitlines(), anchor=HEAD).ok


def test_old_records_rehash_to_their_stored_bytes(old: Path) -> None:
    """Each stored body is the canonical JSON of its record, each hash the chain hash of it."""
    prev = "0" * 64
    for seq, kind, _key, body, prev_hash, hash_ in _rows(old):
        assert prev_hash == prev
        assert canonical_json(json.loads(body)).decode("utf-8") == body
        assert chain_hash(seq, kind, prev_hash, body.encode("utf-8")) == hash_
        prev = hash_


def test_same_schema_and_same_records_as_before(old: Path, tmp_path: Path) -> None:
    """Written again, the journal has the old schema and the old records, byte for byte.

    Decision records are compared on their framing only: their bodies hold the policy and
    catalogue fingerprints, which change with the controls, not with the journal.
    """
    new = tmp_path / "new.sqlite"
    with Journal(new, clock=Clock()) as j:
        fill(j)
    before = _rows(old)
    v1 = _schema(old)
    Journal(old).close()  # migrated to this salesctl's schema version on open
    assert _schema(new) == _schema(old)
    # The migration added the uses table (version 2) and changed nothing else.
    migrated = _schema(old)
    assert (v1[1], migrated[1]) == (1, 2)
    assert set(v1[2]) <= set(migrated[2])
    assert {t[1] for t in migrated[2] if t not in v1[2]} == {
        "uses",
        "sqlite_autoindex_uses_1",
        "sqlite_autoindex_uses_2",
    }
    assert _rows(old) == before
    after = _rows(new)
    assert [r[:3] for r in after] == [r[:3] for r in before]
    for b, a in zip(before, after, strict=True):
        if b[1] != "decision":
            assert a[3] == b[3], f"record {b[0]} ({b[1]}) changed"
    if all(b[3] == a[3] for b, a in zip(before, after, strict=True)):
        assert after == before
