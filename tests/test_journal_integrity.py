"""The journal holds against the attacks of issue 19: edited indexes, a cut tail with its head
moved back, a write-once archive read by a user who cannot write it, and unusable paths.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import salesctl
import salesctl as sc
from salesctl.journal import GENESIS_HASH, Journal, canonical_json, chain_hash
from salesctl.journal.records import record_key
from tests.test_journal import Clock, big_order, fill, raw, run

NOBODY = 65534


@pytest.fixture
def filled(tmp_path: Path) -> Path:
    """A closed journal (no -wal file) holding every kind of record; release R1 is used."""
    p = tmp_path / "j.sqlite"
    with Journal(p, clock=Clock()) as j:
        fill(j)
    assert not Path(str(p) + "-wal").exists()
    return p


# -- tamper tools ---------------------------------------------------------------------------


def edit_index_page(path: Path, index: str, old: bytes, new: bytes) -> None:
    """Replace ``old`` by ``new`` (same length) in the one page of ``index``: an edit of index
    entries that leaves the table rows alone (what a bit flip in an index page does)."""
    assert len(old) == len(new)
    con = raw(path)
    try:
        (root,) = con.execute(
            "SELECT rootpage FROM sqlite_master WHERE name = ?", (index,)
        ).fetchone()
        (size,) = con.execute("PRAGMA page_size").fetchone()
    finally:
        con.close()
    data = bytearray(path.read_bytes())
    start = (root - 1) * size
    page = bytes(data[start : start + size])
    assert page.count(old) == 1, f"{old!r} is not once in the page of {index}"
    at = start + page.index(old)
    data[at : at + len(old)] = new
    path.write_bytes(bytes(data))


def append_rehashed(path: Path, kind: str, record: dict[str, Any]) -> int:
    """Append a record with a correct hash and move the head: what someone who knows the chain
    (this repository is public) writes with sqlite3 alone. Returns its seq."""
    con = raw(path)
    try:
        seq, prev = con.execute("SELECT seq, hash FROM head").fetchone()
        seq += 1
        body = canonical_json(record)
        h = chain_hash(seq, kind, prev, body)
        con.execute(
            "INSERT INTO entries (seq, kind, key, body, prev_hash, hash) VALUES (?,?,?,?,?,?)",
            (seq, kind, record_key(kind, record), body.decode(), prev, h),
        )
        con.execute("UPDATE head SET seq = ?, hash = ?", (seq, h))
        if kind == "number":  # its index row too (where the unique key lets it in)
            con.execute(
                "INSERT OR IGNORE INTO numbers VALUES (?, ?, ?, ?)",
                (record["series"], record["number"], record["document_id"], seq),
            )
        return int(seq)
    finally:
        con.close()


def cut_tail(path: Path, n: int, *, move_head: bool) -> None:
    """Delete the last ``n`` records and the index rows they made; move the head back to the
    new last record if ``move_head`` (the careful tamperer)."""
    con = raw(path)
    try:
        (top,) = con.execute("SELECT MAX(seq) FROM entries").fetchone()
        keep = top - n
        con.execute("DELETE FROM entries WHERE seq > ?", (keep,))
        for table in ("consumptions", "numbers", "releases", "approvals"):
            con.execute(f"DELETE FROM {table} WHERE seq > ?", (keep,))
        if move_head:
            row = con.execute("SELECT seq, hash FROM entries WHERE seq = ?", (keep,)).fetchone()
            con.execute("UPDATE head SET seq = ?, hash = ?", row or (0, GENESIS_HASH))
    finally:
        con.close()


# -- indexes: the chain itself holds the rules ------------------------------------------------


def test_edited_index_entries_let_a_second_use_through_and_verify_names_the_release(
    filled: Path,
) -> None:
    """Issue 19: two index entries edited, a used release is used again; quick_check still
    says ok, verify does not, and names the release."""
    edit_index_page(filled, "entries_kind_key", b"consumptionR1", b"consumptionR9")
    edit_index_page(filled, "sqlite_autoindex_consumptions_1", b"R1", b"R9")
    o = big_order()
    with Journal(filled, clock=Clock()) as j:
        second = j.consume_release("R1", o, o.total)  # the damaged indexes let it through
        con = raw(filled)
        assert con.execute("PRAGMA quick_check").fetchall() == [("ok",)]
        con.close()
        v = j.verify()
    assert not v.ok
    assert v.broken_seq == second.seq
    assert "'R1'" in v.reason and "consumed a second time" in v.reason
    code, out, _ = run("journal", "verify", str(filled))
    assert code == 2 and "'R1'" in out


def test_an_edited_index_entry_alone_fails_the_integrity_check(filled: Path) -> None:
    """An index entry that no longer matches its row is found by integrity_check."""
    edit_index_page(filled, "sqlite_autoindex_consumptions_1", b"R1", b"R9")
    with Journal(filled, read_only=True) as j:
        v = j.verify()
    assert not v.ok and "integrity check" in v.reason


@pytest.mark.parametrize(
    ("kind", "record", "reason"),
    [
        (
            "number",
            {"series": "SO-2026", "number": 4, "document_id": None, "recorded_at": "x"},
            "number 4 of series 'SO-2026' is drawn a second time",
        ),
        (
            "number",
            {"series": "SO-2026", "number": 7, "document_id": None, "recorded_at": "x"},
            "numbers 5..6 of series 'SO-2026' were never drawn",
        ),
        (
            "number",
            {"series": "NEW", "number": 2, "document_id": None, "recorded_at": "x"},
            "numbers 1..1 of series 'NEW' were never drawn",
        ),
        (
            "consumption",
            {"release_id": "R1", "order_id": "SO-X", "amount": "1.00 CNY", "recorded_at": "x"},
            "release 'R1' is consumed a second time (first use in record 6)",
        ),
    ],
)
def test_a_rehashed_record_breaking_a_rule_fails_verify(
    filled: Path, kind: str, record: dict[str, Any], reason: str
) -> None:
    """A record with a good hash that breaks a rule of the indexes is named: numbers without
    gap or duplicate per series, one use per release (index rows or not)."""
    seq = append_rehashed(filled, kind, record)
    with Journal(filled, read_only=True) as j:
        v = j.verify()
    assert (v.ok, v.broken_seq) == (False, seq)
    assert reason in v.reason


def test_a_release_or_approval_recorded_twice_fails_verify(filled: Path) -> None:
    """One record per release id and per approval id, as the indexes' primary keys say."""
    with Journal(filled, read_only=True) as j:
        rel = next(j.entries(kind="release")).record
    seq = append_rehashed(filled, "release", rel)
    with Journal(filled, read_only=True) as j:
        v = j.verify()
    assert (v.ok, v.broken_seq) == (False, seq)
    assert "release 'R1' is recorded a second time" in v.reason


def test_an_index_row_stored_twice_fails_verify(filled: Path) -> None:
    """A key stored twice in an index table (its unique index dropped) is found."""
    con = raw(filled)
    con.execute("CREATE TABLE c2 AS SELECT * FROM consumptions")
    con.execute("DROP TABLE consumptions")
    con.execute("CREATE TABLE consumptions (release_id TEXT, order_id TEXT, seq INTEGER)")
    con.execute("INSERT INTO consumptions SELECT * FROM c2")
    con.execute("INSERT INTO consumptions SELECT release_id, order_id, 1 FROM c2")
    con.execute("DROP TABLE c2")
    con.close()
    with Journal(filled, read_only=True) as j:
        v = j.verify()
    assert not v.ok and "the consumptions index holds 'R1' twice" in v.reason


# -- the tail and anchors ---------------------------------------------------------------------


def test_a_cut_tail_is_caught_unless_the_head_moved_and_always_with_an_anchor(
    filled: Path, tmp_path: Path
) -> None:
    """Cutting the last records: caught by the head check when the head was left; not
    detectable from the file alone when the head was moved back too (documented); always caught
    against an anchor kept elsewhere."""
    copy = tmp_path / "copy.sqlite"
    shutil.copy(filled, copy)
    with Journal(filled, read_only=True) as j:
        anchor = j.anchor()
    assert anchor[0] == 12
    cut_tail(filled, 2, move_head=False)
    with Journal(filled, read_only=True) as j:
        v = j.verify()
    assert not v.ok and "chain head" in v.reason

    cut_tail(copy, 2, move_head=True)
    with Journal(copy, read_only=True) as j:
        assert j.verify().ok  # the limit docs/journal.md states
        v = j.verify(anchor=anchor)
    assert (v.ok, v.broken_seq) == (False, 12)
    assert "anchored record 12 is missing" in v.reason and "ends at record 10" in v.reason

    anchor_file = tmp_path / "anchor.json"
    code, out, _ = run("journal", "anchor", str(filled.parent / "j.sqlite"))
    assert code == 2  # no anchor of a broken chain
    code, out, _ = run("journal", "anchor", str(tmp_path / "copy.sqlite"))
    assert code == 0
    printed = json.loads(out)
    assert (printed["seq"], len(printed["hash"])) == (10, 64)
    anchor_file.write_text(json.dumps({"seq": anchor[0], "hash": anchor[1]}), encoding="utf-8")
    for given in (str(anchor_file), anchor_file.read_text(), f"{anchor[0]}:{anchor[1]}"):
        code, out, _ = run("journal", "verify", str(copy), "--anchor", given)
        assert code == 2 and "record 12" in out
    code, _, err = run("journal", "verify", str(copy), "--anchor", str(tmp_path / "none"))
    assert code == 3 and "--anchor" in err


def test_an_anchor_catches_a_rewritten_record_before_it(filled: Path) -> None:
    """Records before the anchor rewritten with the chain recomputed: the anchor's hash
    differs."""
    with Journal(filled, read_only=True) as j:
        anchor = j.anchor()
    cut_tail(filled, 3, move_head=True)
    append_rehashed(
        filled,
        "number",
        {"series": "SO-2026", "number": 4, "document_id": None, "recorded_at": "x"},
    )
    for kind in ("transaction", "transaction"):
        append_rehashed(filled, kind, {"transaction": {}, "document_id": "D", "recorded_at": "x"})
    with Journal(filled, read_only=True) as j:
        assert j.verify().ok
        v = j.verify(anchor=anchor)
    assert (v.ok, v.broken_seq) == (False, 12) and "anchor" in v.reason


def test_anchor_of_an_empty_and_of_a_growing_journal(tmp_path: Path) -> None:
    """An empty journal's anchor is (0, GENESIS_HASH) and holds; an old anchor holds while
    the journal grows."""
    with Journal(tmp_path / "e.sqlite") as j:
        assert j.anchor() == (0, GENESIS_HASH)
        assert j.verify(anchor=(0, GENESIS_HASH)).ok
        j.next_number("A")
        old = j.anchor()
        j.next_number("A")
        assert j.verify(anchor=old).ok and j.anchor()[0] == 2
        with pytest.raises(sc.InvalidInput):
            j.verify(anchor=(0, "f" * 64))
        with pytest.raises(sc.InvalidInput):
            j.verify(anchor=(1, "G" * 64))


# -- reading a write-once archive as another user ----------------------------------------------


def _as_nobody() -> None:  # pragma: no cover - runs in the child
    os.setgroups([])
    os.setgid(NOBODY)
    os.setuid(NOBODY)


def _can_become_nobody() -> bool:
    return os.geteuid() == 0 or os.geteuid() == NOBODY


def _src_dir() -> Path:
    return Path(salesctl.__file__).resolve().parent.parent


def _reachable(path: Path, *, executable: bool = False) -> bool:
    """Whether everyone may traverse to ``path`` (and read it, or run it)."""
    path = path.resolve()
    for parent in path.parents:
        if not parent.stat().st_mode & 0o001:
            return False
    need = 0o005 if executable or path.is_dir() else 0o004
    return path.stat().st_mode & need == need


@pytest.fixture
def archive() -> Iterator[Path]:
    """A directory under /tmp that everyone may traverse; removed afterwards."""
    top = Path(tempfile.mkdtemp(dir="/tmp", prefix="salesctl-archive-"))
    top.chmod(0o755)
    try:
        yield top
    finally:
        for p in (top, *top.rglob("*")):
            if p.is_dir():
                p.chmod(0o755)
        shutil.rmtree(top)


@pytest.mark.skipif(not _can_become_nobody(), reason="needs root (or to be nobody) to setuid")
def test_verify_a_journal_in_a_read_only_directory_as_another_user(
    filled: Path, archive: Path
) -> None:
    """Issue 19: `journal verify` on a journal in a read-only directory, run by a user who
    cannot write there (nobody), verifies — it used to exit 3 "cannot be written"."""
    src, python = _src_dir(), Path(sys.executable)
    env_paths = [str(src)]
    if not _reachable(src):
        shutil.copytree(src / "salesctl", archive / "src" / "salesctl")
        env_paths = [str(archive / "src")]
    if not _reachable(python, executable=True):
        # The running interpreter lies where nobody may go (e.g. under /root): use the
        # system's, with this interpreter's site-packages (attrs) if everyone may read them.
        system = shutil.which("python3", path="/usr/local/bin:/usr/bin:/bin")
        site = [p for p in sys.path if p.endswith("site-packages") and _reachable(Path(p))]
        if system is None or not site:
            pytest.skip("no Python interpreter and packages that nobody may run")
        python = Path(system)
        env_paths += site
    for p in (archive / "src").rglob("*"):
        p.chmod(0o755 if p.is_dir() else 0o644)
    ro = archive / "ro"
    ro.mkdir()
    journal = ro / "j.sqlite"
    shutil.copy(filled, journal)
    journal.chmod(0o444)
    ro.chmod(0o555)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(env_paths), "PYTHONDONTWRITEBYTECODE": "1"}
    for argv in (
        ["verify", str(journal)],
        ["verify", "--json", str(journal)],
        ["anchor", str(journal)],
    ):
        done = subprocess.run(
            [str(python), "-m", "salesctl", "journal", *argv],
            env=env,
            cwd="/",
            capture_output=True,
            text=True,
            preexec_fn=_as_nobody,
            timeout=120,
            check=False,
        )
        assert done.returncode == 0, (argv, done.stdout, done.stderr)
    assert json.loads(done.stdout)["seq"] == 12
    assert sorted(p.name for p in ro.iterdir()) == ["j.sqlite"]  # nothing written beside it


def test_immutable_only_without_a_wal_file(filled: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """In a directory this user cannot write, a closed journal is read as immutable first; a
    journal with a -wal file beside it (records not yet in the file) never is."""
    from salesctl.journal import sqlite as jsqlite

    monkeypatch.setattr(jsqlite.os, "access", lambda *_a, **_k: False)
    seen: list[str] = []
    real = sqlite3.connect

    def spy(database: str, *a: Any, **kw: Any) -> sqlite3.Connection:
        seen.append(database)
        return real(database, *a, **kw)

    monkeypatch.setattr(sqlite3, "connect", spy)
    with Journal(filled, read_only=True) as r:
        assert r.verify().ok
    assert seen and "immutable=1" in seen[0]
    seen.clear()
    with Journal(filled) as w:
        w.next_number("LATE")
        assert Path(str(filled) + "-wal").exists()
        with Journal(filled, read_only=True) as r:
            assert r.last_numbers()["LATE"] == 1 and r.verify().ok
    assert not any("immutable=1" in u for u in seen), seen


# -- paths no file can have ---------------------------------------------------------------


@pytest.mark.parametrize("name", ["a\x00b.sqlite", "a\ud800b.sqlite", "x" * 5000 + ".sqlite"])
@pytest.mark.parametrize("read_only", [False, True])
def test_unusable_paths_are_journal_errors_naming_the_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str, read_only: bool
) -> None:
    """Issue 19: `Journal("a\\x00b.sqlite")` created a file named `a`; now a JournalError."""
    monkeypatch.chdir(tmp_path)
    with pytest.raises(sc.JournalError) as err:
        Journal(name, read_only=read_only)
    assert name[:1] in err.value.path and not isinstance(err.value, sqlite3.Error)
    assert list(tmp_path.iterdir()) == []


def test_backup_to_an_unusable_path(filled: Path, tmp_path: Path) -> None:
    with Journal(filled, read_only=True) as j:
        for dest in (tmp_path / "a\x00b", tmp_path / ("x" * 5000)):
            with pytest.raises(sc.JournalError):
                j.backup(dest)
    assert all(p.name.startswith("j.sqlite") for p in tmp_path.iterdir())
