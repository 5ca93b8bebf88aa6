"""Corruptions thrown at journals: bit flips, index edits, row edits, truncations, tail cuts.

Each case damages a copy of one closed journal (written by :func:`base_journal`) and then
reads it as a host would: :meth:`Journal.verify` on a read-only open, then every record and
the facts the indexes serve; and, on a second copy, the two writes the indexes guard (a
second use of a used release, the next number of a series) followed by ``verify``.

The contract:

* **no raw exception**: every outcome is a verification, a value, or a
  :class:`~salesctl.errors.SalesctlError` (the journal's are
  :class:`~salesctl.errors.JournalError`; a second use is
  :class:`~salesctl.errors.ReleaseConsumed`);
* **no undetected corruption**: a case is *undetected* when ``verify`` says OK and yet the
  records read back differ from those written (seq, kind, body, prev_hash, hash, in order),
  or the facts served differ (the use of each release, the last number of each series), or a
  write broke a rule the indexes keep (a release used a second time, a number other than the
  next) — and ``verify`` after that write still says OK.

One documented exception, counted apart: records cut from the end with the head moved back to
the new last record are, without an anchor, a shorter journal that verifies (``docs/journal.md``,
"What verify cannot see"); the records read back are then exactly the first ones written. The
same cut checked against an anchor must fail.

``bench/fuzz.py --journal N`` runs N cases (10 000 in ``docs/testing.md``); CI runs a few
hundred here.
"""

from __future__ import annotations

import os
import random
import shutil
import sqlite3
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import attrs
import pytest

from salesctl.errors import JournalError, ReleaseConsumed, SalesctlError
from salesctl.journal import Journal
from tests.test_journal import Clock, big_order, fill, release

#: The kinds of damage, in the order cases cycle through them.
MUTATIONS = (
    "bit flip",
    "index edit",
    "row edit",
    "truncation",
    "tail cut, head moved, no anchor",
    "tail cut, head moved, anchor",
    "tail cut, head left",
)

#: Outcomes that meet the contract (anything else raises :class:`Violation`).
DETECTED = "detected by verify"
TYPED = "typed error"
INTACT = "verify ok, data intact"
PREFIX = "verify ok, shorter chain (no anchor: documented limit)"
KEPT = "writes kept the rules, verify ok"


class Violation(AssertionError):
    """A raw exception, or a corruption verify did not see."""


@attrs.frozen
class Base:
    """A closed journal and what was written to it."""

    data: bytes
    entries: tuple[tuple[Any, ...], ...]
    facts: tuple[Any, ...]
    anchor: tuple[int, str]
    used: tuple[str, ...]


def base_journal(workdir: Path) -> Base:
    """A journal of 27 records: every kind, two series, three releases (two used)."""
    p = workdir / "base.sqlite"
    with Journal(p, clock=Clock()) as j:
        fill(j)
        for i in range(2, 4):
            oid = f"SO-2026-01{i:02d}"
            o = big_order(id=oid, seq=100 + i)
            j.add_release(release(oid, id=f"R{i}"))
            if i == 2:
                j.consume_release(f"R{i}", o, o.total)
        for _ in range(6):
            j.next_number("SO-2026")
            j.next_number("DN-2026", document_id="DN-X")
        anchor = j.anchor()
        entries, facts = _read(j)
    return Base(
        data=p.read_bytes(),
        entries=entries,
        facts=facts,
        anchor=anchor,
        used=("R1", "R2"),
    )


def _read(j: Journal) -> tuple[tuple[tuple[Any, ...], ...], tuple[Any, ...]]:
    entries = tuple((e.seq, e.kind, e.body, e.prev_hash, e.hash) for e in j.entries())
    uses = []
    for rid in ("R1", "R2", "R3"):
        c = j.consumption(rid)
        uses.append(None if c is None else (c.order_id, str(c.amount), c.seq, c.hash))
    reports = tuple((r.series, r.first, r.last, r.count, r.ok) for r in j.number_report())
    return entries, (tuple(sorted(j.last_numbers().items())), tuple(uses), reports)


# -- mutations --------------------------------------------------------------------------------


def _bit_flip(p: Path, rng: random.Random) -> str:
    data = bytearray(p.read_bytes())
    for _ in range(rng.randint(1, 3)):
        at = rng.randrange(len(data))
        data[at] ^= 1 << rng.randrange(8)
    p.write_bytes(bytes(data))
    return "bit flip"


def _index_edit(p: Path, rng: random.Random) -> str:
    """Change bytes of index entries (not table rows): a key, or a pointer to a row."""
    con = sqlite3.connect(p)
    try:
        pages = con.execute(
            "SELECT name, rootpage FROM sqlite_master WHERE type = 'index'"
        ).fetchall()
        (size,) = con.execute("PRAGMA page_size").fetchone()
    finally:
        con.close()
    data = bytearray(p.read_bytes())
    name, root = rng.choice(pages)
    start = (root - 1) * size
    # The cell content sits at the end of the page, after the offset its header gives.
    content = int.from_bytes(data[start + 5 : start + 7], "big") or size
    lo, hi = start + min(content, size - 1), start + size
    for _ in range(rng.randint(1, 2)):
        at = rng.randrange(lo, hi)
        old = data[at]
        if 0x30 <= old <= 0x7A and rng.random() < 0.7:  # a character of a key
            data[at] = rng.choice(b"0123456789ABCDRSOXabc-")
        else:
            data[at] = rng.randrange(256)
    p.write_bytes(bytes(data))
    return f"index edit ({name})"


_COLUMNS = {
    "entries": ("seq", "kind", "key", "body", "prev_hash", "hash"),
    "head": ("seq", "hash"),
    "consumptions": ("release_id", "order_id", "seq"),
    "numbers": ("series", "number", "document_id", "seq"),
    "releases": ("release_id", "seq"),
    "approvals": ("approval_id", "seq"),
}


def _changed(value: Any, rng: random.Random) -> Any:
    r = rng.random()
    if r < 0.1:
        return None
    if isinstance(value, int):
        return value + rng.choice((-1, 1, 2, 1000))
    if isinstance(value, str) and value:
        i = rng.randrange(len(value))
        if r < 0.2:
            return value.encode()  # same text, stored as a blob
        return value[:i] + rng.choice('0123456789abcdefR"{}') + value[i + 1 :]
    return rng.choice((0, "", b"\x00"))


def _row_edit(p: Path, rng: random.Random) -> str:
    """One SQL edit that changes a row: a changed value, a deleted row, or a copied row (tried
    again until one takes: the unique keys and NOT NULL refuse some)."""
    con = sqlite3.connect(p, isolation_level=None)
    try:
        for _ in range(50):
            before = con.total_changes
            what = _one_row_edit(con, rng)
            if con.total_changes > before:
                return what
        raise AssertionError("no row edit took")  # pragma: no cover
    finally:
        con.close()


def _one_row_edit(con: sqlite3.Connection, rng: random.Random) -> str:
    table = rng.choice(sorted(_COLUMNS))
    rows = con.execute(f"SELECT rowid, * FROM {table}").fetchall()
    if not rows:
        return f"{table}: empty"
    rowid, *values = rng.choice(rows)
    what = rng.random()
    cols = _COLUMNS[table]
    try:
        if what < 0.15 and table != "head":
            con.execute(f"DELETE FROM {table} WHERE rowid = ?", (rowid,))
            return f"{table}: delete"
        if what < 0.25 and table not in ("head", "entries"):
            # A second row for a key: only where the unique keys let it in.
            i = rng.randrange(len(cols))
            vals = list(values)
            vals[i] = _changed(vals[i], rng)
            marks = ", ".join("?" * len(cols))
            con.execute(f"INSERT OR IGNORE INTO {table} VALUES ({marks})", vals)
            return f"{table}: insert"
        col = rng.choice(cols)
        old = values[cols.index(col)]
        new = _changed(old, rng)
        if new == old and type(new) is type(old):
            return f"{table}.{col}: unchanged"
        con.execute(f"UPDATE OR IGNORE {table} SET {col} = ? WHERE rowid = ?", (new, rowid))
        return f"{table}.{col}"
    except sqlite3.IntegrityError:
        return f"{table}: refused"


def _tail_cut(p: Path, rng: random.Random, *, move_head: bool) -> int:
    con = sqlite3.connect(p, isolation_level=None)
    try:
        (top,) = con.execute("SELECT MAX(seq) FROM entries").fetchone()
        keep = top - rng.randint(1, min(8, top))
        con.execute("DELETE FROM entries WHERE seq > ?", (keep,))
        for table in ("consumptions", "numbers", "releases", "approvals"):
            con.execute(f"DELETE FROM {table} WHERE seq > ?", (keep,))
        if move_head:
            row = con.execute("SELECT seq, hash FROM entries WHERE seq = ?", (keep,)).fetchone()
            con.execute("UPDATE head SET seq = ?, hash = ?", row or (0, "0" * 64))
        return int(keep)
    finally:
        con.close()


def _truncate(p: Path, rng: random.Random) -> str:
    size = p.stat().st_size
    with p.open("r+b") as f:
        f.truncate(rng.randrange(size))
    return "truncation"


# -- one case ---------------------------------------------------------------------------------


def _fresh(workdir: Path, name: str, data: bytes) -> Path:
    p = workdir / name
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(str(p) + suffix).unlink(missing_ok=True)
    p.write_bytes(data)
    return p


def _guarded(step: Callable[[], Any]) -> tuple[str, Any]:
    """Run a step: ``("ok", value)`` or ``("typed", error)``; anything else is a violation."""
    try:
        return "ok", step()
    except SalesctlError as e:
        return "typed", e
    except Violation:
        raise
    except Exception as e:
        raise Violation(f"raw exception {type(e).__name__}: {e}") from e


def _read_check(p: Path, base: Base, mutation: str) -> str:
    anchor = base.anchor if mutation == "tail cut, head moved, anchor" else None

    def look() -> tuple[bool, Any]:
        with Journal(p, read_only=True) as j:
            v = j.verify(anchor=anchor)
            if not v.ok:
                return False, v
            return True, _read(j)

    status, value = _guarded(look)
    if status == "typed":
        if not isinstance(value, JournalError):
            raise Violation(f"reading raised {type(value).__name__}, not a JournalError: {value}")
        return TYPED
    verified, got = value
    if not verified:
        return DETECTED
    entries, facts = got
    if entries == base.entries and facts == base.facts:
        return INTACT
    if (
        mutation == "tail cut, head moved, no anchor"
        and entries == base.entries[: len(entries)]
        and all(r[-1] for r in facts[2])  # the shorter chain keeps every rule
    ):
        return PREFIX
    raise Violation(f"verify said ok, but the data read back differs ({mutation})")


def _write_check(p: Path, base: Base) -> str:
    """The guarded writes on a damaged copy: a second use, the next number; then verify."""
    last = dict(base.facts[0])
    broke: list[str] = []

    def attempt() -> bool:
        with Journal(p, clock=Clock()) as j:
            rid = base.used[0]
            o = big_order()
            status, value = _guarded(lambda: j.consume_release(rid, o, o.total))
            if status == "ok":
                broke.append(f"release {rid} used a second time")
            elif not isinstance(value, ReleaseConsumed | JournalError):
                raise Violation(f"consume_release raised {type(value).__name__}: {value}")
            status, value = _guarded(lambda: j.next_number("SO-2026"))
            if status == "ok" and value != last["SO-2026"] + 1:
                broke.append(f"number {value} drawn after {last['SO-2026']}")
            elif status == "typed" and not isinstance(value, JournalError):
                raise Violation(f"next_number raised {type(value).__name__}: {value}")
            return j.verify().ok

    status, value = _guarded(attempt)
    if status == "typed":
        if not isinstance(value, JournalError):
            raise Violation(f"writing raised {type(value).__name__}: {value}")
        return TYPED
    if broke and value:
        raise Violation(f"verify said ok after: {'; '.join(broke)}")
    return DETECTED if broke or not value else KEPT


def run_case(base: Base, workdir: Path, n: int, seed: int) -> tuple[str, str, str]:
    """Case ``n``: ``(mutation, read outcome, write outcome)``; raises :class:`Violation`."""
    rng = random.Random(f"{seed}:{n}")
    mutation = MUTATIONS[n % len(MUTATIONS)]
    p = _fresh(workdir, "case.sqlite", base.data)
    if mutation == "bit flip":
        _bit_flip(p, rng)
    elif mutation == "index edit":
        _index_edit(p, rng)
    elif mutation == "row edit":
        _row_edit(p, rng)
    elif mutation == "truncation":
        _truncate(p, rng)
    else:
        _tail_cut(p, rng, move_head=mutation != "tail cut, head left")
    damaged = p.read_bytes()
    try:
        read = _read_check(p, base, mutation)
        write = "-"
        if mutation in ("bit flip", "index edit", "row edit"):
            write = _write_check(_fresh(workdir, "write.sqlite", damaged), base)
    except Violation as e:
        keep = workdir / f"violation-{n}.sqlite"
        keep.write_bytes(damaged)
        raise Violation(f"case {n} (seed {seed}, {mutation}; file {keep}): {e}") from e
    if mutation == "tail cut, head moved, anchor" and read != DETECTED:
        raise Violation(f"case {n}: a tail cut passed its anchor")
    return mutation, read, write


def run_cases(
    count: int, *, seed: int = 19, start: int = 0, workdir: Path | None = None
) -> tuple[Counter[tuple[str, str, str]], float]:
    """Run cases ``start .. start + count``; the tally of outcomes and the seconds taken."""
    own = workdir is None
    where = Path(tempfile.mkdtemp(prefix="salesctl-jfuzz-")) if workdir is None else workdir
    try:
        base = base_journal(where)
        tally: Counter[tuple[str, str, str]] = Counter()
        t0 = time.perf_counter()
        for n in range(start, start + count):
            tally[run_case(base, where, n, seed)] += 1
        return tally, time.perf_counter() - t0
    finally:
        if own:
            shutil.rmtree(where, ignore_errors=True)


# -- CI-sized -------------------------------------------------------------------------------


def test_base_journal_verifies(tmp_path: Path) -> None:
    base = base_journal(tmp_path)
    assert len(base.entries) == base.anchor[0] == 27
    assert base.facts[1][0] is not None and base.facts[1][2] is None


def test_journal_corruptions_are_detected_or_harmless(tmp_path: Path) -> None:
    """CI-sized: 350 cases (50 of each kind of damage); the bench runs 10 000."""
    tally, seconds = run_cases(350, workdir=tmp_path)
    assert sum(tally.values()) == 350
    by_mutation = Counter(m for m, _r, _w in tally.elements())
    assert set(by_mutation) == set(MUTATIONS)
    # Every anchored tail cut was detected; every unanchored one is the documented prefix.
    for m, r, _w in tally:
        if m == "tail cut, head moved, anchor":
            assert r == DETECTED
        if m == "tail cut, head moved, no anchor":
            assert r == PREFIX
        if m == "tail cut, head left":
            assert r == DETECTED
    assert seconds < 60, f"{seconds:.1f} s"


def test_the_harness_reports_a_violation_and_keeps_the_file(tmp_path: Path) -> None:
    """The harness itself: data read back that differs from what was written (here: what it
    believes was written) is a violation naming its case, and the damaged file is kept."""
    base = base_journal(tmp_path)
    bad = attrs.evolve(base, entries=((1, "decision", "{}", "0" * 64, "f" * 64), *base.entries[1:]))
    assert run_case(base, tmp_path, 4, 19)[1] == PREFIX  # a tail cut, no anchor
    with pytest.raises(Violation, match=r"case 4 .*differs"):
        run_case(bad, tmp_path, 4, 19)
    assert (tmp_path / "violation-4.sqlite").exists()


if os.environ.get("SALESCTL_JOURNAL_FUZZ"):  # pragma: no cover - a longer local run

    def test_journal_corruptions_long() -> None:
        tally, _ = run_cases(int(os.environ["SALESCTL_JOURNAL_FUZZ"]))
        assert sum(tally.values()) > 0
