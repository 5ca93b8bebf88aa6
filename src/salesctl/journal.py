"""The journal: salesctl's embedded store on SQLite (standard library, nothing to install).

The controls are pure; three things a host needs are state, and the journal keeps them:

* **evidence no one can quietly edit** — every decision (and, if the host wishes, every
  transaction, approval and release) is appended to one log whose records are chained by
  SHA-256: each record carries the hash of the one before it, its own sequence number, the
  policy fingerprint and the ids of the controls that ran. :meth:`Journal.verify` names the
  first record that was altered, removed or inserted;
* **one-time credit releases used exactly once** (S-IC 5.1, O2C-CR-06) —
  :meth:`Journal.consume_release` is atomic across threads and processes; a second use
  raises :class:`~salesctl.errors.ReleaseConsumed` carrying the first use's evidence;
* **consecutive numbering that can be proven** (S-CP 3.1.1, O2C-SO-01) —
  :meth:`Journal.next_number` draws numbers without gaps or duplicates under concurrency,
  and :meth:`Journal.number_report` reports gaps and duplicates from the chain.

:meth:`Journal.context_for` builds the :class:`~salesctl.context.Context` of a check from what
the journal holds, for hosts that let salesctl keep the state. See ``docs/journal.md`` for the
schema, the hash definition, versioning, retention and backup.

>>> import tempfile, pathlib
>>> from salesctl.journal import Journal
>>> with tempfile.TemporaryDirectory() as d, Journal(pathlib.Path(d) / "j.sqlite") as j:
...     (j.next_number("SO-2026"), j.next_number("SO-2026"), j.verify().ok)
(1, 2, True)
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import hashlib
import json
import os
import random
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any, TypeAlias

import attrs
from attrs import field, frozen

from salesctl._validators import typed
from salesctl.context import Context
from salesctl.decision import Decision
from salesctl.errors import (
    ChainBroken,
    InvalidInput,
    JournalBusy,
    JournalCorrupt,
    JournalError,
    JournalForeign,
    JournalReadOnly,
    JournalTooNew,
    ReleaseConsumed,
    SalesctlError,
)
from salesctl.model import Approval, CreditExposure, CreditRelease, SalesOrder
from salesctl.money import Money
from salesctl.transactions import Transaction, transaction_to_dict

__all__ = [
    "APPLICATION_ID",
    "GENESIS_HASH",
    "KINDS",
    "SCHEMA_VERSION",
    "Entry",
    "ExposureProvider",
    "Journal",
    "ReleaseConsumption",
    "SeriesReport",
    "Verification",
    "canonical_json",
    "chain_hash",
    "verify_export",
]

#: The schema version this salesctl reads and writes (SQLite ``PRAGMA user_version``).
SCHEMA_VERSION = 1

#: SQLite ``PRAGMA application_id`` of a salesctl journal (ASCII ``"SCJ1"``): tells a
#: journal from any other SQLite database.
APPLICATION_ID = 0x53434A31

#: The ``prev_hash`` of the first record.
GENESIS_HASH = "0" * 64

#: The kinds of record the log holds.
KINDS = ("decision", "transaction", "approval", "release", "consumption", "number")

#: Supplies a customer's credit exposure for a transaction (e.g. a fold of the ledger);
#: ``None`` when it has none to report.
ExposureProvider: TypeAlias = Callable[[Transaction], CreditExposure | None]


# -- the chain -----------------------------------------------------------------------------


def canonical_json(data: Any) -> bytes:
    """The canonical JSON bytes of plain data: keys sorted, no spaces, UTF-8, no floats.

    Args:
        data: JSON-ready data (as produced by ``to_dict``).

    Returns:
        UTF-8 bytes; the same data always gives the same bytes.

    Raises:
        InvalidInput: for data JSON cannot hold exactly (floats, lone surrogates, objects).
    """
    _no_floats(data)
    try:
        text = json.dumps(
            data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
        )
        return text.encode("utf-8")
    except (TypeError, ValueError) as e:
        raise InvalidInput(f"cannot be written as canonical JSON: {e}") from None


def _no_floats(data: Any) -> None:
    if isinstance(data, float):
        raise InvalidInput("floats are refused in journal records", value=data)
    if isinstance(data, dict):
        for v in data.values():
            _no_floats(v)
    elif isinstance(data, list | tuple):
        for v in data:
            _no_floats(v)


def chain_hash(seq: int, kind: str, prev_hash: str, body: bytes) -> str:
    """The hash of a record: ``SHA-256("{seq}\\n{kind}\\n{prev_hash}\\n" + body)``, in hex.

    Args:
        seq: the record's sequence number (1, 2, 3, …).
        kind: the record kind (one of :data:`KINDS`).
        prev_hash: the hash of record ``seq - 1`` (:data:`GENESIS_HASH` for record 1).
        body: the canonical JSON of the record (:func:`canonical_json`).

    Returns:
        64 lowercase hex digits.
    """
    h = hashlib.sha256(f"{seq}\n{kind}\n{prev_hash}\n".encode())
    h.update(body)
    return h.hexdigest()


def _key_of(kind: str, record: Any) -> str:
    """The lookup key a record of ``kind`` is indexed by (raises on a malformed record)."""
    if kind == "decision":
        key = record["decision"]["document_id"]
    elif kind == "transaction":
        key = record["document_id"]
    elif kind == "approval":
        key = record["approval"]["document_id"]
        _need_str(record["approval"]["id"])
    elif kind == "release":
        key = record["release"]["order_id"]
        _need_str(record["release"]["id"])
    elif kind == "consumption":
        key = record["release_id"]
        _need_str(record["order_id"])
    elif kind == "number":
        key = record["series"]
        n = record["number"]
        if isinstance(n, bool) or not isinstance(n, int) or n < 1:
            raise TypeError(n)
        if record["document_id"] is not None:
            _need_str(record["document_id"])
    else:
        raise KeyError(kind)
    return _need_str(key)


def _need_str(value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError(value)
    return value


# -- values --------------------------------------------------------------------------------


@frozen
class Entry:
    """One record of the log, as stored.

    Attributes:
        seq: its sequence number (1, 2, 3, … without gaps).
        kind: one of :data:`KINDS`.
        body: the canonical JSON of the record (the hashed bytes, as text).
        prev_hash: the hash of the record before it.
        hash: its own hash (:func:`chain_hash`).
    """

    seq: int = field(validator=typed(int))
    kind: str = field(validator=typed(str))
    body: str = field(validator=typed(str))
    prev_hash: str = field(validator=typed(str))
    hash: str = field(validator=typed(str))

    @property
    def record(self) -> dict[str, Any]:
        """The record as JSON data (a fresh copy)."""
        data: dict[str, Any] = json.loads(self.body)
        return data

    @property
    def recorded_at(self) -> dt.datetime:
        """When the journal wrote the record (UTC)."""
        return dt.datetime.fromisoformat(self.record["recorded_at"])

    def decision(self) -> Decision:
        """The :class:`~salesctl.decision.Decision` of a ``"decision"`` record.

        Raises:
            InvalidInput: if the record is of another kind.
        """
        if self.kind != "decision":
            raise InvalidInput("is not a decision record", path="Entry.kind", value=self.kind)
        return Decision.from_dict(self.record["decision"])

    def to_dict(self) -> dict[str, Any]:
        """The record as one line of the JSON Lines export."""
        return {
            "seq": self.seq,
            "kind": self.kind,
            "prev_hash": self.prev_hash,
            "hash": self.hash,
            "record": self.record,
        }


@frozen
class ReleaseConsumption:
    """The evidence that a one-time release was used (S-IC 5.1).

    Attributes:
        release_id: the release.
        order_id: the order it released.
        amount: the order amount it covered.
        recorded_at: when the journal recorded the use (UTC).
        seq: the journal record holding the use.
        hash: that record's hash.
    """

    release_id: str = field(validator=typed(str))
    order_id: str = field(validator=typed(str))
    amount: Money = field(validator=typed(Money))
    recorded_at: dt.datetime = field(validator=typed(dt.datetime))
    seq: int = field(validator=typed(int))
    hash: str = field(validator=typed(str))


@frozen
class SeriesReport:
    """What the log shows about one number series (S-CP 3.1.1, O2C-SO-01).

    Attributes:
        series: the series name.
        first: the lowest number drawn (``None`` when none was).
        last: the highest number drawn.
        count: how many draws the log holds.
        gaps: runs of numbers between 1 and ``last`` that were never drawn, as inclusive
            ``(from, to)`` pairs.
        duplicates: numbers drawn more than once.
    """

    series: str = field(validator=typed(str))
    first: int | None = field(validator=typed(int, optional=True))
    last: int | None = field(validator=typed(int, optional=True))
    count: int = field(validator=typed(int))
    gaps: tuple[tuple[int, int], ...] = field(default=())
    duplicates: tuple[int, ...] = field(default=())

    @property
    def ok(self) -> bool:
        """True when the series has neither gaps nor duplicates."""
        return not self.gaps and not self.duplicates


@frozen
class Verification:
    """The result of checking a journal's chain.

    Attributes:
        ok: True when every record links and hashes correctly and the indexes agree.
        records: how many records were checked and found good.
        head_seq: the sequence number of the last good record (0 when none).
        head_hash: its hash (:data:`GENESIS_HASH` when none).
        broken_seq: the first broken record (``None`` when ``ok``, or when the damage is not
            in one record).
        reason: what is wrong (empty when ``ok``).
    """

    ok: bool = field(validator=typed(bool))
    records: int = field(validator=typed(int))
    head_seq: int = field(validator=typed(int))
    head_hash: str = field(validator=typed(str))
    broken_seq: int | None = field(default=None, validator=typed(int, optional=True))
    reason: str = field(default="", validator=typed(str))

    def raise_if_broken(self) -> None:
        """Raise unless the chain verified.

        Raises:
            ChainBroken: naming the first broken record.
        """
        if not self.ok:
            raise ChainBroken(self.reason, seq=self.broken_seq)

    def to_dict(self) -> dict[str, Any]:
        """The result as JSON data (for ``salesctl journal verify --json``)."""
        return {
            "ok": self.ok,
            "records": self.records,
            "head_seq": self.head_seq,
            "head_hash": self.head_hash,
            "broken_seq": self.broken_seq,
            "reason": self.reason,
        }


# -- the chain check, shared by the store and the export ------------------------------------


class _Broken(Exception):
    def __init__(self, seq: int | None, reason: str) -> None:
        self.seq = seq
        self.reason = reason


class _ChainChecker:
    """Feeds on records in order and stops at the first broken one."""

    def __init__(self) -> None:
        self.expected = 1
        self.prev = GENESIS_HASH.encode()
        self.count = 0

    def feed(
        self, seq: Any, kind: Any, body: Any, prev_hash: Any, hash_: Any, key: Any = None
    ) -> tuple[str, Any]:
        """Check one record; return ``(kind, parsed record)`` or raise ``_Broken``."""
        want = self.expected
        if not isinstance(seq, int) or isinstance(seq, bool) or seq != want:
            if isinstance(seq, int) and seq > want:
                raise _Broken(want, f"record {want} is missing (the next stored is {seq})")
            raise _Broken(want, f"record {want} is missing or out of order (found {seq!r})")
        if _b(prev_hash) != self.prev:
            raise _Broken(seq, "its prev_hash does not match the hash of the record before it")
        kind_b, body_b, hash_b = _b(kind), _b(body), _b(hash_)
        try:
            kind_s = kind_b.decode("ascii")
            prev_s = _b(prev_hash).decode("ascii")
        except UnicodeDecodeError:
            raise _Broken(seq, "its kind or prev_hash is not ASCII text") from None
        if chain_hash(seq, kind_s, prev_s, body_b).encode() != hash_b:
            raise _Broken(seq, "its hash does not match its content: the record was altered")
        if kind_s not in KINDS:
            raise _Broken(seq, f"unknown record kind {kind_s!r}")
        try:
            record = json.loads(body_b.decode("utf-8"), parse_float=_refuse_float)
            derived = _key_of(kind_s, record)
        except (ValueError, KeyError, TypeError, IndexError):
            raise _Broken(seq, f"its body is not a well-formed {kind_s} record") from None
        if key is not None and _b(key) != derived.encode("utf-8"):
            raise _Broken(seq, "its index key does not match its content")
        self.prev = hash_b
        self.expected += 1
        self.count += 1
        return kind_s, record

    def result(self, broken: _Broken | None = None) -> Verification:
        head_seq = self.expected - 1
        head_hash = self.prev.decode("ascii", "replace")
        if broken is None:
            return Verification(ok=True, records=self.count, head_seq=head_seq, head_hash=head_hash)
        return Verification(
            ok=False,
            records=self.count,
            head_seq=head_seq,
            head_hash=head_hash,
            broken_seq=broken.seq,
            reason=broken.reason,
        )


def _b(value: Any) -> bytes:
    if isinstance(value, bytes):
        return value
    if isinstance(value, str):
        return value.encode("utf-8", "surrogatepass")
    return repr(value).encode()


def _refuse_float(text: str) -> Any:
    raise ValueError(f"float {text} in a journal record")


def verify_export(
    lines: Iterable[str | bytes], *, anchor: tuple[int, str] | None = None
) -> Verification:
    """Verify the chain of a JSON Lines export (:meth:`Journal.export`) without the database.

    Every line must be ``{"seq", "kind", "prev_hash", "hash", "record"}``; the record's
    canonical JSON (:func:`canonical_json`) is what was hashed, so an auditor can check an
    export with nothing but this function (or the three-line recipe in ``docs/journal.md``).
    An export filtered by kind does not verify (its records do not link).

    Args:
        lines: the lines of the export.
        anchor: ``(seq, hash)`` published earlier (see :meth:`Journal.head`); the export must
            hold that record with that hash.

    Returns:
        The verification; ``broken_seq`` names the first broken record.
    """
    _check_anchor(anchor)
    checker = _ChainChecker()
    anchored = anchor is None
    try:
        for n, line in enumerate(lines, 1):
            raw = line.decode("utf-8", "replace") if isinstance(line, bytes) else line
            if not raw.strip():
                continue
            try:
                obj = json.loads(raw, parse_float=_refuse_float)
                seq, kind = obj["seq"], obj["kind"]
                body = canonical_json(obj["record"])
                prev_hash, hash_ = obj["prev_hash"], obj["hash"]
            except (ValueError, KeyError, TypeError, SalesctlError):
                raise _Broken(checker.expected, f"line {n} is not an export record") from None
            checker.feed(seq, kind, body, prev_hash, hash_)
            if anchor is not None and seq == anchor[0]:
                if hash_ != anchor[1]:
                    raise _Broken(seq, "its hash does not match the anchor: history was rewritten")
                anchored = True
        if not anchored:
            assert anchor is not None
            raise _Broken(anchor[0], "the anchored record is missing")
    except _Broken as b:
        return checker.result(b)
    return checker.result()


def _check_anchor(anchor: Any) -> None:
    if anchor is None:
        return
    ok = (
        isinstance(anchor, tuple)
        and len(anchor) == 2
        and isinstance(anchor[0], int)
        and not isinstance(anchor[0], bool)
        and anchor[0] > 0
        and isinstance(anchor[1], str)
        and len(anchor[1]) == 64
    )
    if not ok:
        raise InvalidInput(
            "must be (seq, hash) as returned by Journal.head()", path="anchor", value=anchor
        )


# -- errors from sqlite3 -------------------------------------------------------------------


def _translate(e: sqlite3.Error, path: Path) -> JournalError:
    """Turn a sqlite3 exception into the typed journal error it means."""
    name = str(getattr(e, "sqlite_errorname", "") or "")
    msg = str(e)
    where = str(path)
    if name == "SQLITE_NOTADB" or "file is not a database" in msg:
        return JournalCorrupt("not a SQLite database file", path=where)
    if name.startswith("SQLITE_CORRUPT") or "malformed" in msg or "Could not decode" in msg:
        return JournalCorrupt(f"the journal file is damaged ({msg}); run verify", path=where)
    if name.startswith("SQLITE_READONLY") or "readonly" in msg:
        return JournalReadOnly(f"the journal cannot be written ({msg})", path=where)
    if name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")) or "locked" in msg:
        return JournalBusy(f"the journal stayed locked past the timeout ({msg})", path=where)
    if name == "SQLITE_FULL":
        return JournalError("the disk is full", path=where)
    if isinstance(e, sqlite3.IntegrityError):
        return JournalCorrupt(f"the journal's tables disagree ({msg}); run verify", path=where)
    return JournalError(f"SQLite error: {msg}", path=where)


def _open_error(e: sqlite3.Error, path: Path, *, read_only: bool = False) -> JournalError:
    """Diagnose a failure to open (SQLITE_CANTOPEN says little)."""
    if not str(getattr(e, "sqlite_errorname", "")).startswith("SQLITE_CANTOPEN"):
        return _translate(e, path)
    if path.is_dir():
        return JournalError("is a directory, not a journal file", path=str(path))
    existed = path.exists()
    flags = (
        os.O_RDONLY if read_only else (os.O_RDWR if existed else os.O_RDWR | os.O_CREAT | os.O_EXCL)
    )
    try:
        fd = os.open(path, flags)
    except OSError as oe:
        if oe.errno in (errno.EACCES, errno.EPERM, errno.EROFS) and not read_only:
            return JournalReadOnly(
                f"cannot create or write the journal file ({oe.strerror})", path=str(path)
            )
        return JournalError(f"cannot open the journal file ({oe.strerror})", path=str(path))
    os.close(fd)
    if not existed and not read_only:
        with contextlib.suppress(OSError):
            path.unlink()  # only made to diagnose
    return JournalError(f"cannot open the journal file ({e})", path=str(path))


# -- schema and migrations -------------------------------------------------------------------

_SCHEMA_V1 = f"""
CREATE TABLE entries (
    seq       INTEGER PRIMARY KEY,
    kind      TEXT NOT NULL,
    key       TEXT NOT NULL,
    body      TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash      TEXT NOT NULL
);
CREATE INDEX entries_kind_key ON entries (kind, key);
CREATE TABLE head (
    one  INTEGER PRIMARY KEY CHECK (one = 1),
    seq  INTEGER NOT NULL,
    hash TEXT NOT NULL
);
INSERT INTO head (one, seq, hash) VALUES (1, 0, '{GENESIS_HASH}');
CREATE TABLE consumptions (
    release_id TEXT PRIMARY KEY,
    order_id   TEXT NOT NULL,
    seq        INTEGER NOT NULL UNIQUE
);
CREATE TABLE numbers (
    series      TEXT NOT NULL,
    number      INTEGER NOT NULL,
    document_id TEXT,
    seq         INTEGER NOT NULL UNIQUE,
    PRIMARY KEY (series, number)
);
CREATE TABLE releases (
    release_id TEXT PRIMARY KEY,
    seq        INTEGER NOT NULL UNIQUE
);
CREATE TABLE approvals (
    approval_id TEXT PRIMARY KEY,
    seq         INTEGER NOT NULL UNIQUE
);
"""

_TABLES = frozenset({"entries", "head", "consumptions", "numbers", "releases", "approvals"})


def _migrate_0_to_1(conn: sqlite3.Connection) -> None:
    for statement in _SCHEMA_V1.split(";"):
        if statement.strip():
            conn.execute(statement)


#: ``_MIGRATIONS[v]`` takes a journal from schema version ``v`` to ``v + 1``; each runs inside
#: the one ``BEGIN IMMEDIATE`` transaction that also sets ``user_version``.
_MIGRATIONS: tuple[Callable[[sqlite3.Connection], None], ...] = (_migrate_0_to_1,)


#: Records read per snapshot by :meth:`Journal.entries` (a bounded read transaction).
_PAGE = 500


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


# -- the store -----------------------------------------------------------------------------


class Journal:
    """The embedded store: a hash-chained log on SQLite (WAL mode).

    Safe to share between threads (each thread gets its own connection) and to open from
    many processes at once; writes serialise on SQLite's write lock (``BEGIN IMMEDIATE``).
    Every commit is durable (``synchronous=FULL``). Use it as a context manager, or call
    :meth:`close`.

    Args:
        path: the journal file; created (with its directory's permission) when missing,
            unless ``read_only``.
        read_only: open for reading only (verify, export, reports); writes then raise
            :class:`~salesctl.errors.JournalReadOnly`.
        timeout: seconds to wait for another writer before
            :class:`~salesctl.errors.JournalBusy`.
        clock: returns the current time (timezone-aware) for ``recorded_at``; the system
            clock in UTC when omitted.

    Raises:
        JournalCorrupt: the file is not a SQLite database, or is damaged.
        JournalForeign: the file is a SQLite database but not a journal.
        JournalTooNew: the journal's schema is newer than this salesctl reads.
        JournalReadOnly: the journal cannot be created or written.
        JournalError: any other reason the journal cannot be opened.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        read_only: bool = False,
        timeout: float = 30.0,
        clock: Callable[[], dt.datetime] | None = None,
    ) -> None:
        if not isinstance(path, str | os.PathLike) or str(path) in ("", ":memory:"):
            raise InvalidInput("must be the path of a journal file", path="path", value=path)
        if isinstance(timeout, bool) or not isinstance(timeout, int | float) or timeout < 0:
            raise InvalidInput(
                "must be a non-negative number of seconds", path="timeout", value=timeout
            )
        self.path = Path(path).absolute()
        self.read_only = bool(read_only)
        self._timeout = float(timeout)
        self._clock = clock or _utc_now
        self._lock = threading.Lock()
        self._local = threading.local()
        self._conns: list[sqlite3.Connection] = []
        self._pid = os.getpid()
        self._closed = False
        self._connection()  # open now, so a bad file fails here

    def __repr__(self) -> str:
        mode = "read-only" if self.read_only else "read-write"
        return f"Journal({str(self.path)!r}, {mode})"

    def __enter__(self) -> Journal:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close every connection (the last one to close checkpoints the WAL into the file)."""
        with self._lock:
            self._closed = True
            conns, self._conns = self._conns, []
            self._local = threading.local()
        if os.getpid() != self._pid:
            return  # connections inherited across fork belong to the parent
        for c in conns:
            with contextlib.suppress(sqlite3.Error):
                c.close()

    # -- connections ---------------------------------------------------------------------

    def _connection(self) -> sqlite3.Connection:
        if self._closed:
            raise JournalError("the journal is closed", path=str(self.path))
        if os.getpid() != self._pid:
            # A Journal carried across fork: never use the parent's connections.
            with self._lock:
                self._pid = os.getpid()
                self._conns = []
                self._local = threading.local()
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is not None:
            return conn
        conn = self._open()
        with self._lock:
            self._conns.append(conn)
        self._local.conn = conn
        return conn

    def _open(self) -> sqlite3.Connection:
        p = self.path
        if self.read_only:
            if not p.exists():
                raise JournalError("no such journal file", path=str(p))
            uri = p.as_uri() + "?mode=ro"
        else:
            if not p.parent.is_dir():
                raise JournalError("the directory does not exist", path=str(p))
            uri = p.as_uri() + "?mode=rwc"
        try:
            conn = sqlite3.connect(
                uri,
                uri=True,
                timeout=self._timeout,
                isolation_level=None,
                check_same_thread=False,
            )
        except sqlite3.Error as e:
            if self.read_only and not (p.parent / (p.name + "-wal")).exists():
                # A read-only copy in a read-only directory: SQLite cannot create the -shm
                # file WAL mode needs; without a -wal file the database file is complete.
                try:
                    conn = sqlite3.connect(
                        p.as_uri() + "?mode=ro&immutable=1",
                        uri=True,
                        isolation_level=None,
                        check_same_thread=False,
                    )
                except sqlite3.Error:
                    raise _open_error(e, p, read_only=self.read_only) from None
            else:
                raise _open_error(e, p, read_only=self.read_only) from None
        deadline = time.monotonic() + self._timeout
        while True:
            try:
                self._prepare(conn)
                return conn
            except sqlite3.Error as e:
                # While another process creates the journal or switches it to WAL, SQLite
                # may answer "locked" at once instead of waiting: try again until the timeout.
                busy = str(getattr(e, "sqlite_errorname", "")).startswith(
                    ("SQLITE_BUSY", "SQLITE_LOCKED")
                )
                _rollback(conn)
                if busy and time.monotonic() < deadline:
                    time.sleep(0.005 + random.random() * 0.02)
                    continue
                conn.close()
                raise _translate(e, p) from None
            except BaseException:
                conn.close()
                raise

    def _prepare(self, conn: sqlite3.Connection) -> None:
        where = str(self.path)
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        app = conn.execute("PRAGMA application_id").fetchone()[0]
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        _check_identity(app, version, tables, where)
        if app != APPLICATION_ID and self.read_only:
            raise JournalForeign("not a salesctl journal (an empty database)", path=where)
        if self.read_only:
            if version < SCHEMA_VERSION:
                raise JournalError(
                    f"the journal has schema version {version}; open it writable once to migrate",
                    path=where,
                )
        else:
            conn.execute("PRAGMA synchronous = FULL")
            mode = conn.execute("PRAGMA journal_mode").fetchone()[0]
            if str(mode).lower() != "wal":
                mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
                if str(mode).lower() != "wal":
                    raise JournalError(
                        f"SQLite refused WAL mode on this file system (mode {mode})", path=where
                    )
            if version < SCHEMA_VERSION:
                self._migrate(conn)
                tables = {
                    r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")
                }
        missing = _TABLES - tables
        if missing:
            raise JournalCorrupt(f"the journal lacks its tables {sorted(missing)}", path=where)

    def _migrate(self, conn: sqlite3.Connection) -> None:
        conn.execute("BEGIN IMMEDIATE")
        try:
            # Re-read inside the write lock: another process may have migrated meanwhile.
            tables = {
                r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")
            }
            app = conn.execute("PRAGMA application_id").fetchone()[0]
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            _check_identity(app, version, tables, str(self.path))
            while version < SCHEMA_VERSION:
                _MIGRATIONS[version](conn)
                version += 1
                conn.execute(f"PRAGMA user_version = {int(version)}")
            conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            conn.execute("COMMIT")
        except BaseException:
            _rollback(conn)
            raise

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction under SQLite's write lock (``BEGIN IMMEDIATE``)."""
        if self.read_only:
            raise JournalReadOnly("the journal was opened read-only", path=str(self.path))
        conn = self._connection()
        try:
            conn.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as e:
            raise _translate(e, self.path) from None
        try:
            yield conn
        except sqlite3.Error as e:
            _rollback(conn)
            raise _translate(e, self.path) from None
        except BaseException:
            _rollback(conn)
            raise
        try:
            conn.execute("COMMIT")
        except sqlite3.Error as e:
            _rollback(conn)
            raise _translate(e, self.path) from None

    @contextmanager
    def _read(self) -> Iterator[sqlite3.Connection]:
        """One read transaction: a consistent snapshot while writers go on."""
        conn = self._connection()
        try:
            conn.execute("BEGIN")
        except sqlite3.Error as e:
            raise _translate(e, self.path) from None
        try:
            yield conn
        except sqlite3.Error as e:
            _rollback(conn)
            raise _translate(e, self.path) from None
        except BaseException:
            _rollback(conn)
            raise
        _rollback(conn)

    def _append(
        self, conn: sqlite3.Connection, kind: str, key: str, record: dict[str, Any]
    ) -> Entry:
        """Append one record to the chain (inside a write transaction)."""
        row = conn.execute("SELECT seq, hash FROM head WHERE one = 1").fetchone()
        top = conn.execute("SELECT MAX(seq) FROM entries").fetchone()[0] or 0
        if row is None or row[0] != top:
            raise JournalCorrupt(
                "the chain head disagrees with the log; run verify", path=str(self.path)
            )
        seq = int(top) + 1
        prev = str(row[1])
        body = canonical_json(record)
        h = chain_hash(seq, kind, prev, body)
        text = body.decode("utf-8")
        conn.execute(
            "INSERT INTO entries (seq, kind, key, body, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?)",
            (seq, kind, key, text, prev, h),
        )
        conn.execute("UPDATE head SET seq = ?, hash = ? WHERE one = 1", (seq, h))
        return Entry(seq=seq, kind=kind, body=text, prev_hash=prev, hash=h)

    def _now(self) -> str:
        now = self._clock()
        if not isinstance(now, dt.datetime) or now.tzinfo is None:
            raise InvalidInput("the clock must return an aware datetime", path="clock", value=now)
        return now.astimezone(dt.UTC).isoformat()

    # -- appending -----------------------------------------------------------------------

    def record(self, decision: Decision, *, txn: Transaction | None = None) -> Entry:
        """Append a decision to the chain (with the transaction it decided, if given).

        The record holds ``Decision.to_dict()``, the policy fingerprint, the ids of the
        controls that ran and the time of recording; its hash covers those, its sequence
        number and the previous record's hash.

        Args:
            decision: the gate's decision.
            txn: the transaction decided (kept as evidence beside the decision).

        Returns:
            The stored record.

        Raises:
            InvalidInput: if ``decision`` is not a Decision, or ``txn`` is not the transaction
                it decided.
            JournalError: if the journal cannot be written.
        """
        if not isinstance(decision, Decision):
            raise InvalidInput(
                "must be a salesctl.Decision", path="decision", value=type(decision).__name__
            )
        txn_data: dict[str, Any] | None = None
        if txn is not None:
            _check_txn(txn)
            if (
                type(txn).__name__ != decision.transaction
                or txn.document_id != decision.document_id
            ):
                raise InvalidInput(
                    f"is not the transaction of the decision ({decision.transaction} {decision.document_id})",
                    path="txn",
                    value=f"{type(txn).__name__} {txn.document_id}",
                )
            txn_data = transaction_to_dict(txn)
        record = {
            "decision": decision.to_dict(),
            "policy_fingerprint": decision.policy_fingerprint,
            "controls": list(decision.controls),
            "transaction": txn_data,
            "recorded_at": self._now(),
        }
        with self._write() as conn:
            return self._append(conn, "decision", decision.document_id, record)

    def append(self, txn: Transaction) -> Entry:
        """Append a transaction to the chain (the event, without a decision).

        Raises:
            InvalidInput: if ``txn`` is not a salesctl transaction.
            JournalError: if the journal cannot be written.
        """
        _check_txn(txn)
        record = {
            "transaction": transaction_to_dict(txn),
            "document_id": txn.document_id,
            "recorded_at": self._now(),
        }
        with self._write() as conn:
            return self._append(conn, "transaction", txn.document_id, record)

    def add_approval(self, approval: Approval) -> Entry:
        """Record an approval on hand (it then appears in :meth:`context_for`).

        Recording the same approval again is a no-op returning the first record.

        Raises:
            InvalidInput: if it is not an Approval, or its id was recorded with other content.
            JournalError: if the journal cannot be written.
        """
        if not isinstance(approval, Approval):
            raise InvalidInput(
                "must be a salesctl.Approval", path="approval", value=type(approval).__name__
            )
        return self._add_unique(
            "approval", "approvals", "approval_id", approval.id, approval, approval.document_id
        )

    def add_release(self, release: CreditRelease) -> Entry:
        """Record a one-time credit release granted (it then appears in :meth:`context_for`).

        Recording the same release again is a no-op returning the first record.

        Raises:
            InvalidInput: if it is not a CreditRelease, or its id was recorded with other
                content.
            JournalError: if the journal cannot be written.
        """
        if not isinstance(release, CreditRelease):
            raise InvalidInput(
                "must be a salesctl.CreditRelease", path="release", value=type(release).__name__
            )
        return self._add_unique(
            "release", "releases", "release_id", release.id, release, release.order_id
        )

    def _add_unique(
        self, kind: str, table: str, column: str, id_: str, value: Any, key: str
    ) -> Entry:
        from salesctl._convert import unstructure

        data = unstructure(value)
        with self._write() as conn:
            row = conn.execute(
                f"SELECT e.seq, e.kind, e.body, e.prev_hash, e.hash FROM {table} t "
                f"JOIN entries e ON e.seq = t.seq WHERE t.{column} = ?",
                (id_,),
            ).fetchone()
            if row is not None:
                old = _entry(row, self.path)
                if old.record.get(kind) != data:
                    raise InvalidInput(
                        f"{kind} id already recorded with other content (record {old.seq})",
                        path=f"{type(value).__name__}.id",
                        value=id_,
                    )
                return old
            entry = self._append(conn, kind, key, {kind: data, "recorded_at": self._now()})
            conn.execute(f"INSERT INTO {table} ({column}, seq) VALUES (?, ?)", (id_, entry.seq))
            return entry

    # -- one-time releases ---------------------------------------------------------------

    def consume_release(
        self, release_id: str, order: SalesOrder | str, amount: Money
    ) -> ReleaseConsumption:
        """Use a one-time credit release, exactly once (S-IC 5.1, O2C-CR-06).

        Atomic across threads and processes: of any number of concurrent calls for one
        release, exactly one returns; every other raises :class:`ReleaseConsumed` carrying
        the first use's evidence. Call it when posting the release the gate allowed; a host
        retrying after a crash can compare ``err.first.order_id`` with its own order.

        If the release was recorded with :meth:`add_release`, the order must be the one it
        releases and the amount within its maximum; a release the journal never saw is
        consumed as given (the gate's O2C-CR-06 judges validity, the journal the once-only).

        Args:
            release_id: the release.
            order: the order it releases (or the order id).
            amount: the order amount it covers.

        Returns:
            The evidence of this use.

        Raises:
            ReleaseConsumed: the release was used before (``.first`` is that use).
            InvalidInput: malformed arguments, or a recorded release for another order or a
                smaller amount.
            JournalError: if the journal cannot be written.
        """
        if not isinstance(release_id, str) or not release_id.strip():
            raise InvalidInput("must be a non-empty string", path="release_id", value=release_id)
        order_id = order.id if isinstance(order, SalesOrder) else order
        if not isinstance(order_id, str) or not order_id.strip():
            raise InvalidInput("must be a SalesOrder or an order id", path="order", value=order)
        if not isinstance(amount, Money):
            raise InvalidInput("must be Money", path="amount", value=amount)
        with self._write() as conn:
            # The chain is the evidence: look there first, so that even a deleted index row
            # cannot free a release for a second use; the index's primary key is the backstop.
            row = conn.execute(
                "SELECT seq, kind, body, prev_hash, hash FROM entries "
                "WHERE kind = 'consumption' AND key = ? ORDER BY seq LIMIT 1",
                (release_id,),
            ).fetchone()
            if row is None:
                row = conn.execute(
                    "SELECT e.seq, e.kind, e.body, e.prev_hash, e.hash FROM consumptions c "
                    "JOIN entries e ON e.seq = c.seq WHERE c.release_id = ?",
                    (release_id,),
                ).fetchone()
            if row is not None:
                raise ReleaseConsumed(_consumption(_entry(row, self.path)))
            release = self._release(conn, release_id)
            if release is not None:
                if release.order_id != order_id:
                    raise InvalidInput(
                        f"release {release_id} is for order {release.order_id}",
                        path="order",
                        value=order_id,
                    )
                if amount.currency != release.max_amount.currency or amount > release.max_amount:
                    raise InvalidInput(
                        f"release {release_id} covers at most {release.max_amount}",
                        path="amount",
                        value=str(amount),
                    )
            record = {
                "release_id": release_id,
                "order_id": order_id,
                "amount": str(amount),
                "recorded_at": self._now(),
            }
            entry = self._append(conn, "consumption", release_id, record)
            conn.execute(
                "INSERT INTO consumptions (release_id, order_id, seq) VALUES (?, ?, ?)",
                (release_id, order_id, entry.seq),
            )
        return _consumption(entry)

    def consumption(self, release_id: str) -> ReleaseConsumption | None:
        """The evidence of a release's use, or ``None`` if it was not used."""
        with self._read() as conn:
            row = conn.execute(
                "SELECT e.seq, e.kind, e.body, e.prev_hash, e.hash FROM consumptions c "
                "JOIN entries e ON e.seq = c.seq WHERE c.release_id = ?",
                (release_id,),
            ).fetchone()
            return None if row is None else _consumption(_entry(row, self.path))

    def _release(self, conn: sqlite3.Connection, release_id: str) -> CreditRelease | None:
        row = conn.execute(
            "SELECT e.seq, e.kind, e.body, e.prev_hash, e.hash FROM releases r "
            "JOIN entries e ON e.seq = r.seq WHERE r.release_id = ?",
            (release_id,),
        ).fetchone()
        if row is None:
            return None
        release: CreditRelease = _from_record(
            _entry(row, self.path), "release", CreditRelease, self.path
        )
        return release

    # -- number series -------------------------------------------------------------------

    def next_number(self, series: str, *, document_id: str | None = None) -> int:
        """Draw the next number of a series: 1, 2, 3, … without gaps or duplicates, across
        threads and processes (S-CP 3.1.1, O2C-SO-01).

        Args:
            series: the series name, e.g. ``"SO-2026"``.
            document_id: the document the number is for. Binding it lets
                :meth:`context_for` tell this document's number from another's (a second
                document with the same number is then a duplicate).

        Returns:
            The number drawn (committed before it is returned).

        Raises:
            InvalidInput: if ``series`` or ``document_id`` is blank.
            JournalError: if the journal cannot be written.
        """
        if not isinstance(series, str) or not series.strip():
            raise InvalidInput("must be a non-empty string", path="series", value=series)
        if document_id is not None and (
            not isinstance(document_id, str) or not document_id.strip()
        ):
            raise InvalidInput("must be a non-empty string", path="document_id", value=document_id)
        with self._write() as conn:
            last = conn.execute(
                "SELECT MAX(number) FROM numbers WHERE series = ?", (series,)
            ).fetchone()[0]
            # Cross-check the index with the chain's last draw of the series: a deleted
            # index row must not lead to the same number being drawn twice.
            top = conn.execute(
                "SELECT seq, kind, body, prev_hash, hash FROM entries "
                "WHERE kind = 'number' AND key = ? ORDER BY seq DESC LIMIT 1",
                (series,),
            ).fetchone()
            chained = _entry(top, self.path).record.get("number") if top is not None else None
            if chained != last:
                raise JournalCorrupt(
                    f"the number index of series {series!r} disagrees with the chain "
                    f"({last} vs {chained}); run verify",
                    path=str(self.path),
                )
            number = int(last or 0) + 1
            record = {
                "series": series,
                "number": number,
                "document_id": document_id,
                "recorded_at": self._now(),
            }
            entry = self._append(conn, "number", series, record)
            conn.execute(
                "INSERT INTO numbers (series, number, document_id, seq) VALUES (?, ?, ?, ?)",
                (series, number, document_id, entry.seq),
            )
        return number

    def last_numbers(self) -> dict[str, int]:
        """The last number drawn in each series."""
        with self._read() as conn:
            return {
                str(s): int(n)
                for s, n in conn.execute("SELECT series, MAX(number) FROM numbers GROUP BY series")
            }

    def number_report(self, series: str | None = None) -> tuple[SeriesReport, ...]:
        """Gaps and duplicates per series, from the chain's number records (the evidence).

        Args:
            series: one series, or every series when omitted.

        Returns:
            One report per series, sorted by name.
        """
        drawn: dict[str, list[int]] = {}
        with self._read() as conn:
            if series is None:
                rows = conn.execute(
                    "SELECT seq, kind, body, prev_hash, hash FROM entries WHERE kind = 'number' ORDER BY seq"
                )
            else:
                rows = conn.execute(
                    "SELECT seq, kind, body, prev_hash, hash FROM entries "
                    "WHERE kind = 'number' AND key = ? ORDER BY seq",
                    (series,),
                )
            for row in rows:
                rec = _entry(row, self.path).record
                try:
                    drawn.setdefault(str(rec["series"]), []).append(int(rec["number"]))
                except (KeyError, TypeError, ValueError):
                    raise JournalCorrupt(
                        "a number record is malformed; run verify", path=f"record {row[0]}"
                    ) from None
        if series is not None:
            drawn.setdefault(series, [])
        return tuple(_series_report(name, nums) for name, nums in sorted(drawn.items()))

    # -- reading -------------------------------------------------------------------------

    def head(self) -> tuple[int, str]:
        """``(seq, hash)`` of the last record (``(0, GENESIS_HASH)`` when empty).

        Publish it now and then outside the journal (a ticket, an e-mail to audit, a daily
        report): :meth:`verify` with ``anchor=`` then also detects a rewritten history.
        """
        with self._read() as conn:
            row = conn.execute("SELECT seq, hash FROM head WHERE one = 1").fetchone()
        if row is None:
            raise JournalCorrupt("the chain head is missing; run verify", path=str(self.path))
        return int(row[0]), str(row[1])

    def entries(
        self, *, kind: str | None = None, key: str | None = None, since: int = 0
    ) -> Iterator[Entry]:
        """The stored records in order.

        Args:
            kind: only records of this kind.
            key: only records with this key (document id for decisions, transactions and
                approvals; order id for releases; release id for consumptions; series for
                numbers). Needs ``kind``.
            since: only records after this sequence number.

        Yields:
            Entries, oldest first.
        """
        if kind is not None and kind not in KINDS:
            raise InvalidInput(f"must be one of {', '.join(KINDS)}", path="kind", value=kind)
        if key is not None and kind is None:
            raise InvalidInput("needs kind", path="key", value=key)
        sql = "SELECT seq, kind, body, prev_hash, hash FROM entries WHERE seq > ?"
        params: list[Any] = [since]
        if kind is not None:
            sql += " AND kind = ?"
            params.append(kind)
        if key is not None:
            sql += " AND key = ?"
            params.append(key)
        sql += f" ORDER BY seq LIMIT {int(_PAGE)}"
        while True:
            params[0] = since
            with self._read() as conn:
                batch = [_entry(r, self.path) for r in conn.execute(sql, params)]
            yield from batch
            if len(batch) < _PAGE:
                return
            since = batch[-1].seq

    def decisions(self, document_id: str | None = None) -> Iterator[Entry]:
        """The decision records (of one document, if given), oldest first."""
        return self.entries(kind="decision", key=document_id)

    def export(self, out: IO[str], *, kinds: Iterable[str] | None = None) -> int:
        """Write the log as JSON Lines, one record per line (for auditors).

        Each line is ``{"hash", "kind", "prev_hash", "record", "seq"}``; an unfiltered
        export verifies on its own with :func:`verify_export`.

        Args:
            out: a text stream.
            kinds: only these kinds (the export then no longer verifies as a chain).

        Returns:
            The number of lines written.
        """
        wanted = None if kinds is None else frozenset(kinds)
        if wanted is not None and not wanted <= set(KINDS):
            raise InvalidInput(
                f"must be among {', '.join(KINDS)}", path="kinds", value=sorted(wanted)
            )
        n = 0
        for entry in self.entries():
            if wanted is not None and entry.kind not in wanted:
                continue
            try:
                data = entry.to_dict()
            except ValueError:
                raise ChainBroken("its body is not JSON", seq=entry.seq) from None
            out.write(json.dumps(data, ensure_ascii=False, sort_keys=True) + "\n")
            n += 1
        return n

    def backup(self, dest: str | os.PathLike[str]) -> Path:
        """Copy the journal to ``dest`` consistently while it is in use (SQLite backup API).

        Raises:
            JournalError: if ``dest`` exists or cannot be written.
        """
        target = Path(dest).absolute()
        if target.exists():
            raise JournalError("the backup target exists already", path=str(target))
        try:
            out = sqlite3.connect(target)
        except sqlite3.Error as e:
            raise _open_error(e, target) from None
        try:
            self._connection().backup(out)
        except sqlite3.Error as e:
            raise _translate(e, target) from None
        finally:
            out.close()
        return target

    # -- the context of a check ------------------------------------------------------------

    def context_for(
        self,
        txn: Transaction,
        *,
        exposure: ExposureProvider | CreditExposure | None = None,
        base: Context | None = None,
    ) -> Context:
        """The :class:`~salesctl.context.Context` of a check, from what the journal holds.

        * ``as_of``: the transaction's date (in its own UTC offset);
        * ``approvals``: the approvals recorded for the transaction's document;
        * ``releases``: the releases recorded for that order (and the one the transaction
          names); ``consumed_releases``: which of the releases in the context were used;
        * ``last_numbers``: the last number drawn per series; for the series of the
          transaction's order, a number the journal drew for this order (or drew unbound)
          counts as the next one, so the order passes O2C-SO-01; a number drawn for another
          document stays a duplicate, a number never drawn a gap;
        * ``exposure``: the journal keeps no ledger. Pass a :class:`CreditExposure`, or a
          provider ``txn -> CreditExposure | None`` (e.g. a fold of ``salesctl.ledger``);
          without one the credit controls fail closed as for any context without exposure.

        Everything else a check may need (prices, documents, rates, …) the host passes in
        ``base``; the journal's facts are added to it (approvals and releases by id, numbers
        per series override).

        Args:
            txn: the transaction about to be checked.
            exposure: the customer's exposure, or a provider of it (overrides
                ``base.exposure``).
            base: a context holding what the journal does not.

        Returns:
            The context; read in one snapshot of the journal.

        Raises:
            InvalidInput: if ``txn`` is not a transaction, ``base`` not a Context, or the
                provider returns something else than a CreditExposure or ``None``.
        """
        _check_txn(txn)
        if base is not None and not isinstance(base, Context):
            raise InvalidInput("must be a salesctl.Context", path="base", value=type(base).__name__)
        doc = txn.document_id
        order = getattr(txn, "order", None)
        wanted_release = getattr(txn, "release_id", None)
        approvals = list(base.approvals) if base is not None else []
        releases = list(base.releases) if base is not None else []
        with self._read() as conn:
            for r in conn.execute(
                "SELECT seq, kind, body, prev_hash, hash FROM entries "
                "WHERE kind = 'approval' AND key = ? ORDER BY seq",
                (doc,),
            ).fetchall():
                a: Approval = _from_record(_entry(r, self.path), "approval", Approval, self.path)
                if all(x.id != a.id for x in approvals):
                    approvals.append(a)
            for r in conn.execute(
                "SELECT seq, kind, body, prev_hash, hash FROM entries "
                "WHERE kind = 'release' AND key = ? ORDER BY seq",
                (doc,),
            ).fetchall():
                rel: CreditRelease = _from_record(
                    _entry(r, self.path), "release", CreditRelease, self.path
                )
                if all(x.id != rel.id for x in releases):
                    releases.append(rel)
            if isinstance(wanted_release, str) and all(r.id != wanted_release for r in releases):
                named = self._release(conn, wanted_release)
                if named is not None:
                    releases.append(named)
            ids = {r.id for r in releases}
            if isinstance(wanted_release, str):
                ids.add(wanted_release)
            consumed = set(base.consumed_releases) if base is not None else set()
            for rid in sorted(ids):
                hit = conn.execute(
                    "SELECT 1 FROM consumptions WHERE release_id = ?", (rid,)
                ).fetchone()
                if hit:
                    consumed.add(rid)
            last = dict(base.last_numbers) if base is not None else {}
            drawn = conn.execute("SELECT series, MAX(number) FROM numbers GROUP BY series")
            last.update({str(s): int(n) for s, n in drawn})
            if isinstance(order, SalesOrder):
                row = conn.execute(
                    "SELECT document_id FROM numbers WHERE series = ? AND number = ?",
                    (order.series, order.seq),
                ).fetchone()
                if row is not None and row[0] in (None, order.id):
                    last[order.series] = order.seq - 1
        if callable(exposure):
            exp = exposure(txn)
        elif exposure is None and base is not None:
            exp = base.exposure
        else:
            exp = exposure
        if exp is not None and not isinstance(exp, CreditExposure):
            raise InvalidInput(
                "must be a CreditExposure, or a provider returning one or None",
                path="exposure",
                value=type(exp).__name__,
            )
        facts: dict[str, Any] = {
            "as_of": txn.at.date(),
            "exposure": exp,
            "approvals": tuple(approvals),
            "releases": tuple(releases),
            "consumed_releases": frozenset(consumed),
            "last_numbers": last,
        }
        if base is None:
            return Context(**facts)
        return attrs.evolve(base, **facts)

    # -- verification ----------------------------------------------------------------------

    def verify(self, *, anchor: tuple[int, str] | None = None) -> Verification:
        """Check the whole chain, and that the indexes agree with it.

        Checks, record by record in sequence order: the sequence number is the next one (a
        deleted or inserted record breaks it), ``prev_hash`` is the previous record's hash,
        the hash matches the stored bytes, the record is well-formed and its index key
        matches. Then: the chain head matches the last record, every consumption, number,
        release and approval index row points at the record it claims (so a deleted
        consumption row cannot free a release for a second use), the ``anchor`` (if given)
        matches, and SQLite's own quick check passes.

        Args:
            anchor: ``(seq, hash)`` published earlier (see :meth:`head`).

        Returns:
            The verification; never raises for a broken chain (see
            :meth:`Verification.raise_if_broken`).

        Raises:
            JournalError: if the journal cannot be read at all.
        """
        _check_anchor(anchor)
        checker = _ChainChecker()
        conn = self._connection()
        try:
            conn.execute("BEGIN")
        except sqlite3.Error as e:
            raise _translate(e, self.path) from None
        try:
            return self._verify(conn, checker, anchor)
        except _Broken as b:
            return checker.result(b)
        except sqlite3.Error as e:
            # Damage SQLite itself notices while reading: the first record not read is broken.
            return checker.result(_Broken(checker.expected, f"SQLite cannot read it: {e}"))
        finally:
            _rollback(conn)

    def _verify(
        self, conn: sqlite3.Connection, checker: _ChainChecker, anchor: tuple[int, str] | None
    ) -> Verification:
        idx: dict[str, dict[Any, tuple[int, Any]]] = {
            "consumptions": {},
            "numbers": {},
            "releases": {},
            "approvals": {},
        }
        anchored = anchor is None
        rows = conn.execute(
            "SELECT seq, CAST(kind AS BLOB), CAST(key AS BLOB), CAST(body AS BLOB), "
            "CAST(prev_hash AS BLOB), CAST(hash AS BLOB) FROM entries ORDER BY seq"
        )
        for seq, kind, key, body, prev_hash, hash_ in rows:
            k, rec = checker.feed(seq, kind, body, prev_hash, hash_, key)
            if k == "consumption":
                idx["consumptions"][rec["release_id"]] = (seq, rec.get("order_id"))
            elif k == "number":
                idx["numbers"][(rec["series"], rec["number"])] = (seq, rec.get("document_id"))
            elif k == "release":
                idx["releases"][rec["release"]["id"]] = (seq, None)
            elif k == "approval":
                idx["approvals"][rec["approval"]["id"]] = (seq, None)
            if anchor is not None and seq == anchor[0]:
                if _b(hash_) != anchor[1].encode():
                    raise _Broken(seq, "its hash does not match the anchor: history was rewritten")
                anchored = True
        if not anchored:
            assert anchor is not None
            raise _Broken(anchor[0], "the anchored record is missing")
        head = conn.execute("SELECT seq, CAST(hash AS BLOB) FROM head").fetchall()
        last_seq = checker.expected - 1
        if len(head) != 1 or head[0][0] != last_seq or _b(head[0][1]) != checker.prev:
            found = head[0][0] if len(head) == 1 else None
            at = last_seq + 1 if isinstance(found, int) and found > last_seq else max(last_seq, 1)
            raise _Broken(
                at, f"the chain head (record {found}) does not match the last record {last_seq}"
            )
        stored: dict[str, dict[Any, tuple[int, Any]]] = {
            "consumptions": {
                r[0]: (r[2], r[1])
                for r in conn.execute("SELECT release_id, order_id, seq FROM consumptions")
            },
            "numbers": {
                (r[0], r[1]): (r[3], r[2])
                for r in conn.execute("SELECT series, number, document_id, seq FROM numbers")
            },
            "releases": {
                r[0]: (r[1], None) for r in conn.execute("SELECT release_id, seq FROM releases")
            },
            "approvals": {
                r[0]: (r[1], None) for r in conn.execute("SELECT approval_id, seq FROM approvals")
            },
        }
        bad: list[tuple[int, str]] = []
        for table, want in idx.items():
            have = stored[table]
            for key, (seq, extra) in want.items():
                got = have.get(key)
                if got != (seq, extra):
                    bad.append((seq, f"the {table} index does not match it ({key!r}: {got!r})"))
            for key, (seq, _extra) in have.items():
                if key not in want:
                    s = seq if isinstance(seq, int) and 0 < seq <= last_seq else last_seq
                    bad.append((s, f"the {table} index holds {key!r}, which the chain does not"))
        if bad:
            seq, reason = min(bad, key=lambda b: (b[0], b[1]))
            raise _Broken(seq, reason)
        check = conn.execute("PRAGMA quick_check").fetchall()
        if [tuple(r) for r in check] != [("ok",)]:
            raise _Broken(
                None, "SQLite integrity check failed: " + "; ".join(str(r[0]) for r in check[:3])
            )
        return checker.result()


# -- helpers -------------------------------------------------------------------------------


def _check_identity(app: int, version: int, tables: set[str], where: str) -> None:
    if app == APPLICATION_ID and version < 0:
        raise JournalCorrupt(f"impossible schema version {version}", path=where)
    if app != APPLICATION_ID and (tables or version):
        raise JournalForeign(
            "a SQLite database, but not a salesctl journal"
            + (f" (tables: {', '.join(sorted(tables)[:5])})" if tables else ""),
            path=where,
        )
    if version > SCHEMA_VERSION:
        raise JournalTooNew(
            f"written with journal schema version {version}; this salesctl reads up to "
            f"{SCHEMA_VERSION}: upgrade salesctl",
            path=where,
        )


def _rollback(conn: sqlite3.Connection) -> None:
    try:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
    except sqlite3.Error:  # pragma: no cover - the connection is already unusable
        pass


def _check_txn(txn: Any) -> None:
    if not isinstance(txn, Transaction):
        raise InvalidInput("must be a salesctl transaction", path="txn", value=type(txn).__name__)


def _entry(row: Any, path: Path) -> Entry:
    seq, kind, body, prev_hash, hash_ = row
    if not all(isinstance(x, str) for x in (kind, body, prev_hash, hash_)):
        raise JournalCorrupt("a stored record is damaged; run verify", path=f"record {seq}")
    return Entry(seq=int(seq), kind=kind, body=body, prev_hash=prev_hash, hash=hash_)


def _from_record(entry: Entry, kind: str, cls: type[Any], path: Path) -> Any:
    from salesctl._convert import structure

    try:
        return structure(entry.record[kind], cls, kind)
    except (ValueError, KeyError, TypeError):
        raise JournalCorrupt(
            f"the {kind} in record {entry.seq} is malformed; run verify", path=str(path)
        ) from None


def _consumption(entry: Entry) -> ReleaseConsumption:
    rec = entry.record
    return ReleaseConsumption(
        release_id=rec["release_id"],
        order_id=rec["order_id"],
        amount=Money.parse(rec["amount"]),
        recorded_at=dt.datetime.fromisoformat(rec["recorded_at"]),
        seq=entry.seq,
        hash=entry.hash,
    )


def _series_report(series: str, numbers: list[int]) -> SeriesReport:
    if not numbers:
        return SeriesReport(series=series, first=None, last=None, count=0)
    seen: set[int] = set()
    dups: set[int] = set()
    for n in numbers:
        (dups if n in seen else seen).add(n)
    gaps: list[tuple[int, int]] = []
    expected = 1
    for n in sorted(seen):
        if n > expected:
            gaps.append((expected, n - 1))
        expected = n + 1
    return SeriesReport(
        series=series,
        first=min(seen),
        last=max(seen),
        count=len(numbers),
        gaps=tuple(gaps),
        duplicates=tuple(sorted(dups)),
    )
