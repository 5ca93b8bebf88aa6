"""The SQLite backend of the journal (standard library, nothing to install).

One file in WAL mode, every commit durable (``synchronous=FULL``); writes serialise on SQLite's
write lock (``BEGIN IMMEDIATE``), so releases are consumed exactly once and numbers drawn
without gaps across threads and processes. The file carries ``PRAGMA application_id``
(:data:`APPLICATION_ID`) and ``PRAGMA user_version`` (:data:`SCHEMA_VERSION`); an older
schema is migrated on open (:data:`_MIGRATIONS`). sqlite3 errors become the typed
:class:`~salesctl.errors.JournalError` they mean.
"""

from __future__ import annotations

import contextlib
import errno
import os
import random
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from salesctl.errors import (
    JournalBusy,
    JournalCorrupt,
    JournalError,
    JournalForeign,
    JournalReadOnly,
    JournalTooNew,
)
from salesctl.journal.backend import COPY_COLUMNS, Row, entries_query
from salesctl.journal.records import (
    GENESIS_HASH,
    Entry,
    Verification,
    canonical_json,
    chain_hash,
    entry_of,
)
from salesctl.journal.verify import (
    INDEXES,
    Broken,
    ChainChecker,
    as_bytes,
    check_head,
    check_indexes,
    index_row,
)

__all__ = ["APPLICATION_ID", "READABLE_FROM", "SCHEMA_VERSION", "SQLiteSession", "SQLiteStore"]

#: The schema version this salesctl reads and writes (SQLite ``PRAGMA user_version``).
SCHEMA_VERSION = 2

#: The oldest schema version a read-only open reads as it is, without migrating: version 1
#: lacks only the ``uses`` table, which a version-1 chain (no ``use`` records) cannot need.
#: A write-once archive of an older journal stays verifiable.
READABLE_FROM = 1

#: SQLite ``PRAGMA application_id`` of a salesctl journal (ASCII ``"SCJ1"``): tells a
#: journal from any other SQLite database.
APPLICATION_ID = 0x53434A31

T = TypeVar("T")


# -- errors from sqlite3 -------------------------------------------------------------------


#: What reading a damaged file can raise: SQLite's errors, and text that is not UTF-8 (which
#: the sqlite3 module raises as it is while decoding a row).
_DB_ERRORS = (sqlite3.Error, UnicodeDecodeError)


def _translate(e: Exception, path: Path) -> JournalError:
    """Turn a sqlite3 exception into the typed journal error it means."""
    if isinstance(e, UnicodeDecodeError):
        return JournalCorrupt(
            "the journal file is damaged (stored text is not UTF-8); run verify", path=str(path)
        )
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


def _cannot_open(e: Exception) -> bool:
    """Whether SQLite failed to open or to write beside the file (not damage in it)."""
    name = str(getattr(e, "sqlite_errorname", ""))
    return name.startswith(("SQLITE_CANTOPEN", "SQLITE_READONLY")) or "readonly" in str(e)


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

_SCHEMA_V2 = """
CREATE TABLE uses (
    key         TEXT PRIMARY KEY,
    thing       TEXT NOT NULL,
    document_id TEXT NOT NULL,
    seq         INTEGER NOT NULL UNIQUE
)
"""

#: The tables of each schema version.
_TABLES_V1 = frozenset({"entries", "head", "consumptions", "numbers", "releases", "approvals"})
_TABLES = _TABLES_V1 | {"uses"}

#: The id column of each index table keyed by one id.
_ID_COLUMNS = {
    "consumptions": "release_id",
    "releases": "release_id",
    "approvals": "approval_id",
    "uses": "key",
}

#: The columns of a stored record, as :func:`~salesctl.journal.records.entry_of` reads them.
_ENTRY = "seq, kind, body, prev_hash, hash"


def _migrate_0_to_1(conn: sqlite3.Connection) -> None:
    for statement in _SCHEMA_V1.split(";"):
        if statement.strip():
            conn.execute(statement)


def _migrate_1_to_2(conn: sqlite3.Connection) -> None:
    """Version 2: the ``uses`` index of one-time documents (pickup orders) used once."""
    conn.execute(_SCHEMA_V2)


#: ``_MIGRATIONS[v]`` takes a journal from schema version ``v`` to ``v + 1``; each runs inside
#: the one ``BEGIN IMMEDIATE`` transaction that also sets ``user_version``.
_MIGRATIONS: tuple[Callable[[sqlite3.Connection], None], ...] = (
    _migrate_0_to_1,
    _migrate_1_to_2,
)


# -- one transaction -------------------------------------------------------------------------


class SQLiteSession:
    """The reads and writes of one SQLite transaction (see :class:`~.backend.Session`)."""

    def __init__(self, conn: sqlite3.Connection, path: Path) -> None:
        self._conn = conn
        self._path = path

    def append(self, kind: str, key: str, record: dict[str, Any]) -> Entry:
        """Append one record to the chain (inside a write transaction)."""
        conn = self._conn
        row = conn.execute("SELECT seq, hash FROM head WHERE one = 1").fetchone()
        top = conn.execute("SELECT MAX(seq) FROM entries").fetchone()[0] or 0
        if row is None or row[0] != top:
            raise JournalCorrupt(
                "the chain head disagrees with the log; run verify", path=str(self._path)
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

    def head(self) -> tuple[int, str] | None:
        row = self._conn.execute("SELECT seq, hash FROM head WHERE one = 1").fetchone()
        return None if row is None else (int(row[0]), str(row[1]))

    def entries(
        self,
        *,
        kind: str | None = None,
        key: str | None = None,
        since: int | None = None,
        limit: int | None = None,
        newest_first: bool = False,
    ) -> Iterator[Entry]:
        sql, params = entries_query(
            "entries",
            _ENTRY,
            "?",
            kind=kind,
            key=key,
            since=since,
            limit=limit,
            newest_first=newest_first,
        )
        return (entry_of(r) for r in self._conn.execute(sql, params))

    def indexed(self, index: str, id_: str) -> Entry | None:
        column = _ID_COLUMNS[index]
        row = self._conn.execute(
            f"SELECT e.seq, e.kind, e.body, e.prev_hash, e.hash FROM {index} t "
            f"JOIN entries e ON e.seq = t.seq WHERE t.{column} = ?",
            (id_,),
        ).fetchone()
        return None if row is None else entry_of(row)

    def index(self, index: str, id_: str, seq: int) -> None:
        if index not in ("approvals", "releases"):
            raise KeyError(index)
        column = _ID_COLUMNS[index]
        self._conn.execute(f"INSERT INTO {index} ({column}, seq) VALUES (?, ?)", (id_, seq))

    def index_consumption(self, release_id: str, order_id: str, seq: int) -> None:
        self._conn.execute(
            "INSERT INTO consumptions (release_id, order_id, seq) VALUES (?, ?, ?)",
            (release_id, order_id, seq),
        )

    def index_use(self, key: str, thing: str, document_id: str, seq: int) -> None:
        self._conn.execute(
            "INSERT INTO uses (key, thing, document_id, seq) VALUES (?, ?, ?, ?)",
            (key, thing, document_id, seq),
        )

    def consumed(self, release_id: str) -> bool:
        hit = self._conn.execute(
            "SELECT 1 FROM consumptions WHERE release_id = ?", (release_id,)
        ).fetchone()
        return bool(hit)

    def last_number(self, series: str) -> Any:
        return self._conn.execute(
            "SELECT MAX(number) FROM numbers WHERE series = ?", (series,)
        ).fetchone()[0]

    def index_number(self, series: str, number: int, document_id: str | None, seq: int) -> None:
        self._conn.execute(
            "INSERT INTO numbers (series, number, document_id, seq) VALUES (?, ?, ?, ?)",
            (series, number, document_id, seq),
        )

    def last_numbers(self) -> dict[str, int]:
        drawn = self._conn.execute("SELECT series, MAX(number) FROM numbers GROUP BY series")
        last: dict[str, int] = {}
        for s, n in drawn:
            if not isinstance(s, str) or not isinstance(n, int):
                raise JournalCorrupt(
                    "the numbers index is damaged; run verify", path=str(self._path)
                )
            last[s] = n
        return last

    def number_document(self, series: str, number: int) -> tuple[bool, Any]:
        row = self._conn.execute(
            "SELECT document_id FROM numbers WHERE series = ? AND number = ?", (series, number)
        ).fetchone()
        return (False, None) if row is None else (True, row[0])


# -- the store -------------------------------------------------------------------------------


class SQLiteStore:
    """A journal file: its connections (one per thread), transactions, verification and backup.

    Args:
        path: the journal file (absolute); created when missing, unless ``read_only``.
        read_only: open for reading only.
        timeout: seconds to wait for another writer before
            :class:`~salesctl.errors.JournalBusy`.

    Raises:
        JournalError: as :class:`~salesctl.journal.Journal` documents, if it cannot be opened.
    """

    def __init__(self, path: Path, *, read_only: bool, timeout: float) -> None:
        self.path = path
        self.where = str(path)
        self.read_only = read_only
        self._timeout = timeout
        self._lock = threading.Lock()
        self._local = threading.local()
        self._conns: list[sqlite3.Connection] = []
        self._pid = os.getpid()
        self._closed = False
        self._connection()  # open now, so a bad file fails here

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
        try:
            return self._try_open()
        except OSError as e:  # probing the path: a name too long, a loop of links, …
            raise JournalError(
                f"cannot open the journal file ({e.strerror or e})", path=str(self.path)
            ) from None

    def _try_open(self) -> sqlite3.Connection:
        p = self.path
        for n, uri in enumerate(uris := self._uris()):
            last = n == len(uris) - 1
            try:
                conn = sqlite3.connect(
                    uri,
                    uri=True,
                    timeout=self._timeout,
                    isolation_level=None,
                    check_same_thread=False,
                )
            except sqlite3.Error as e:
                if not last:
                    continue
                raise _open_error(e, p, read_only=self.read_only) from None
            try:
                self._ready(conn)
                return conn
            except _DB_ERRORS as e:
                conn.close()
                if not last and _cannot_open(e):
                    continue  # read-only: try the next way of reading the file
                if self.read_only and _cannot_open(e):
                    raise self._unreadable(e) from None
                raise _translate(e, p) from None
            except BaseException:
                conn.close()
                raise
        raise AssertionError("unreachable")  # pragma: no cover - _uris() is never empty

    def _uris(self) -> list[str]:
        """The URIs to open the file by, in the order to try them."""
        p = self.path
        if not self.read_only:
            if not p.parent.is_dir():
                raise JournalError("the directory does not exist", path=str(p))
            return [p.as_uri() + "?mode=rwc"]
        if not p.exists():
            raise JournalError("no such journal file", path=str(p))
        uris = [p.as_uri() + "?mode=ro"]
        if not (p.parent / (p.name + "-wal")).exists():
            # Without a -wal file beside it the database file holds every committed record, and
            # nobody is writing (a writer keeps the -wal): it can be read as immutable. That is
            # the way into a write-once archive, where SQLite cannot create the -shm file a
            # WAL-mode read needs; try it first when the directory is not writable.
            immutable = p.as_uri() + "?mode=ro&immutable=1"
            if os.access(p.parent, os.W_OK):
                uris.append(immutable)
            else:
                uris.insert(0, immutable)
        return uris

    def _unreadable(self, e: Exception) -> JournalError:
        p = self.path
        if (p.parent / (p.name + "-wal")).exists() and not os.access(p.parent, os.W_OK):
            return JournalError(
                "cannot read the journal: its -wal file (committed records not yet in the "
                "file) lies in a directory this user cannot write; copy the journal with its "
                "-wal file to a writable directory, or open it writable once to fold them in",
                path=str(p),
            )
        return JournalError(f"cannot open the journal for reading ({e})", path=str(p))

    def _ready(self, conn: sqlite3.Connection) -> None:
        deadline = time.monotonic() + self._timeout
        while True:
            try:
                self._prepare(conn)
                return
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
                raise

    def _prepare(self, conn: sqlite3.Connection) -> None:
        where = str(self.path)
        # One read transaction: read one by one, another process creating the journal could
        # commit between the reads (no tables and no application id yet, but its version),
        # which looks like a foreign database.
        conn.execute("BEGIN")
        try:
            tables = {
                r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")
            }
            app = conn.execute("PRAGMA application_id").fetchone()[0]
            version = conn.execute("PRAGMA user_version").fetchone()[0]
        finally:
            _rollback(conn)
        _check_identity(app, version, tables, where)
        if app != APPLICATION_ID and self.read_only:
            raise JournalForeign("not a salesctl journal (an empty database)", path=where)
        if self.read_only:
            if version < READABLE_FROM:
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
        missing = _tables_of(conn) - tables
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

    # -- transactions --------------------------------------------------------------------

    @contextmanager
    def write(self) -> Iterator[SQLiteSession]:
        """One write transaction under SQLite's write lock (``BEGIN IMMEDIATE``)."""
        if self.read_only:
            raise JournalReadOnly("the journal was opened read-only", path=str(self.path))
        conn = self._connection()
        try:
            conn.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as e:
            raise _translate(e, self.path) from None
        try:
            yield SQLiteSession(conn, self.path)
        except _DB_ERRORS as e:
            _rollback(conn)
            raise _translate(e, self.path) from None
        except BaseException:
            _rollback(conn)
            raise
        try:
            conn.execute("COMMIT")
        except _DB_ERRORS as e:
            _rollback(conn)
            raise _translate(e, self.path) from None

    def transact(self, work: Callable[[SQLiteSession], T]) -> T:
        """Run ``work`` in one write transaction (:meth:`write`) and commit.

        SQLite serialises writers on its write lock, so there is no conflict to retry: a writer
        waits up to the timeout, then :class:`~salesctl.errors.JournalBusy`.
        """
        with self.write() as s:
            return work(s)

    def rows(self) -> Iterator[Row]:
        """Every stored row, in one snapshot (entries in order, then head and indexes)."""
        with self.read() as s:
            present = _tables_of(s._conn)
            for table, cols in COPY_COLUMNS.items():
                if table not in present:
                    continue  # a table an older schema read as it is lacks
                order = " ORDER BY seq" if table == "entries" else ""
                for r in s._conn.execute(f"SELECT {', '.join(cols)} FROM {table}{order}"):
                    yield table, tuple(r)

    def load(self, rows: Iterable[Row]) -> int:
        """Store a copy's rows as they are into this journal, which must be empty."""
        with self.write() as s:
            conn = s._conn
            if conn.execute("SELECT COUNT(*) FROM entries").fetchone()[0]:
                raise JournalError("the target journal holds records already", path=self.where)
            conn.execute("DELETE FROM head")
            n = 0
            for table, values in rows:
                cols = COPY_COLUMNS[table]
                conn.execute(
                    f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})",
                    values,
                )
                n += table == "entries"
            return n

    @contextmanager
    def read(self) -> Iterator[SQLiteSession]:
        """One read transaction: a consistent snapshot while writers go on."""
        conn = self._connection()
        try:
            conn.execute("BEGIN")
        except sqlite3.Error as e:
            raise _translate(e, self.path) from None
        try:
            yield SQLiteSession(conn, self.path)
        except _DB_ERRORS as e:
            _rollback(conn)
            raise _translate(e, self.path) from None
        except BaseException:
            _rollback(conn)
            raise
        _rollback(conn)

    # -- backup and verification ---------------------------------------------------------

    def backup(self, dest: Path) -> Path:
        """Copy the journal to ``dest`` (which must not exist) with SQLite's backup API."""
        try:
            out = sqlite3.connect(dest)
        except sqlite3.Error as e:
            raise _open_error(e, dest) from None
        try:
            self._connection().backup(out)
        except _DB_ERRORS as e:
            raise _translate(e, dest) from None
        finally:
            out.close()
        return dest

    def verify(self, anchor: tuple[int, str] | None) -> Verification:
        """The chain, the head, the indexes and SQLite's integrity check, in one snapshot."""
        checker = ChainChecker()
        conn = self._connection()
        try:
            conn.execute("BEGIN")
        except _DB_ERRORS as e:
            raise _translate(e, self.path) from None
        try:
            return _verify(conn, checker, anchor)
        except Broken as b:
            return checker.result(b)
        except _DB_ERRORS as e:
            # Damage SQLite itself notices while reading: the first record not read is broken.
            return checker.result(Broken(checker.expected, f"SQLite cannot read it: {e}"))
        finally:
            _rollback(conn)


def _tables_of(conn: sqlite3.Connection) -> frozenset[str]:
    """The tables the journal's schema version has (an older one read as it is has fewer)."""
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    return _TABLES if version >= 2 else _TABLES_V1


def _verify(
    conn: sqlite3.Connection, checker: ChainChecker, anchor: tuple[int, str] | None
) -> Verification:
    idx: dict[str, dict[Any, tuple[int, Any]]] = {name: {} for name in INDEXES}
    anchored = anchor is None or anchor[0] == 0
    # Every table is read by a scan of the table itself (NOT INDEXED): a damaged index must
    # not hide a row from verification.
    rows = conn.execute(
        "SELECT seq, CAST(kind AS BLOB), CAST(key AS BLOB), CAST(body AS BLOB), "
        "CAST(prev_hash AS BLOB), CAST(hash AS BLOB), "
        "typeof(kind) || typeof(key) || typeof(body) || typeof(prev_hash) || typeof(hash) "
        "FROM entries NOT INDEXED ORDER BY seq"
    )
    for seq, kind, key, body, prev_hash, hash_, types in rows:
        if seq == checker.expected and types != "text" * 5:
            raise Broken(seq, "a column of it is not stored as text: the record was altered")
        k, rec = checker.feed(seq, kind, body, prev_hash, hash_, key)
        indexed = index_row(k, rec)
        if indexed is not None:
            table, id_, extra = indexed
            idx[table][id_] = (seq, extra)
        if anchor is not None and seq == anchor[0]:
            if as_bytes(hash_) != anchor[1].encode():
                raise Broken(seq, "its hash does not match the anchor: history was rewritten")
            anchored = True
    if not anchored:
        assert anchor is not None
        raise Broken(
            anchor[0],
            f"the anchored record {anchor[0]} is missing: the chain ends at record "
            f"{checker.expected - 1} (records were cut from its end)",
        )
    check_head(
        conn.execute("SELECT seq, CAST(hash AS BLOB) FROM head NOT INDEXED").fetchall(), checker
    )
    stored: dict[str, list[tuple[Any, tuple[Any, Any]]]] = {
        "consumptions": [
            (r[0], (r[2], r[1]))
            for r in conn.execute("SELECT release_id, order_id, seq FROM consumptions NOT INDEXED")
        ],
        "numbers": [
            ((r[0], r[1]), (r[3], r[2]))
            for r in conn.execute(
                "SELECT series, number, document_id, seq FROM numbers NOT INDEXED"
            )
        ],
        "releases": [
            (r[0], (r[1], None))
            for r in conn.execute("SELECT release_id, seq FROM releases NOT INDEXED")
        ],
        "approvals": [
            (r[0], (r[1], None))
            for r in conn.execute("SELECT approval_id, seq FROM approvals NOT INDEXED")
        ],
        "uses": [
            (r[0], (r[2], r[1]))
            for r in conn.execute("SELECT key, document_id, seq FROM uses NOT INDEXED")
        ]
        if "uses" in _tables_of(conn)
        else [],
    }
    check_indexes(idx, stored, checker.expected - 1)
    # The full check (not quick_check): it also compares every index with its table, so an
    # edited index entry — which lets a write slip past a unique key — is found.
    check = conn.execute("PRAGMA integrity_check").fetchall()
    if [tuple(r) for r in check] != [("ok",)]:
        raise Broken(
            None, "SQLite integrity check failed: " + "; ".join(str(r[0]) for r in check[:3])
        )
    return checker.result()
