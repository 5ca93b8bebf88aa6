"""The PostgreSQL backend of the journal (psycopg 3: ``pip install 'salesctl[postgres]'``).

For hosts that run several application servers against one database: the exactly-once and
gapless promises hold across connections from any number of machines, because they rest on
the database, not on a lock in this process.

* Every write transaction runs at ``READ COMMITTED`` and takes, as its first statement, the
  row lock of the chain head (``SELECT … FROM head … FOR UPDATE``). Writers queue on that one
  row, exactly as SQLite writers queue on ``BEGIN IMMEDIATE``; every statement after the lock
  sees every transaction committed before it, so a release is consumed once and a number drawn
  once. The primary keys of ``consumptions`` and ``numbers`` are the backstop.
* Reads run at ``REPEATABLE READ READ ONLY``: one consistent snapshot while writers go on.
* A write that fails with a serialization failure (40001) or a deadlock (40P01), or whose
  connection broke before ``COMMIT`` was sent, is retried on a fresh transaction, at most
  ``retries`` times, then :class:`~salesctl.errors.JournalBusy` is raised. A connection lost
  *during* ``COMMIT`` is never retried (the outcome is unknown):
  :class:`~salesctl.errors.JournalOutcomeUnknown` says so. A server that cannot be reached
  within the timeout is :class:`~salesctl.errors.JournalUnavailable`. ``lock_timeout`` is the journal's
  ``timeout``: waiting longer for the head raises :class:`~salesctl.errors.JournalBusy`.
* The tables live in one schema (``salesctl_journal`` unless the host names another); the
  ``meta`` table holds :data:`APPLICATION_ID` and the schema version, and an older schema is
  migrated on open (:data:`_MIGRATIONS`, under a transaction-scoped advisory lock).
* :class:`PostgresStore` with ``connection=`` joins the host's open transaction: the
  journal's writes then commit or roll back with the host's own rows.
"""

from __future__ import annotations

import contextlib
import os
import random
import re
import threading
import time
import weakref
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import psycopg
from psycopg import errors as pge
from psycopg.pq import TransactionStatus

from salesctl.errors import (
    InvalidInput,
    JournalBusy,
    JournalCorrupt,
    JournalError,
    JournalForeign,
    JournalOutcomeUnknown,
    JournalReadOnly,
    JournalTooNew,
    JournalUnavailable,
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
from salesctl.journal.sqlite import APPLICATION_ID
from salesctl.journal.verify import (
    INDEXES,
    Broken,
    ChainChecker,
    check_head,
    check_indexes,
    index_row,
)

__all__ = [
    "DEFAULT_SCHEMA",
    "READABLE_FROM",
    "SCHEMA_VERSION",
    "PostgresSession",
    "PostgresStore",
    "split_url",
]

#: The schema version this salesctl reads and writes (``meta.schema_version``).
SCHEMA_VERSION = 2

#: The oldest schema version a read-only open reads as it is, without migrating (version 1
#: lacks only the ``uses`` table, which a version-1 chain cannot need).
READABLE_FROM = 1

#: The schema the journal's tables live in unless the host names another.
DEFAULT_SCHEMA = "salesctl_journal"

#: Retries of a write after a serialization failure, a deadlock or a lost connection.
DEFAULT_RETRIES = 8

_SCHEMA_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")
_TABLES_V1 = frozenset(
    {"meta", "entries", "head", "consumptions", "numbers", "releases", "approvals"}
)
_TABLES = _TABLES_V1 | {"uses"}
_ID_COLUMNS = {
    "consumptions": "release_id",
    "releases": "release_id",
    "approvals": "approval_id",
    "uses": "key",
}
_ENTRY = "seq, kind, body, prev_hash, hash"
_RETRYABLE = (pge.SerializationFailure, pge.DeadlockDetected)

T = TypeVar("T")


def split_url(url: str, schema: str | None) -> tuple[str, str, str]:
    """``(conninfo, schema, where)`` of a ``postgresql://`` URL.

    The URL may carry ``?schema=NAME`` (taken out before it reaches libpq); ``schema`` given
    as an argument wins. ``where`` is the URL without its password, for messages.

    Raises:
        InvalidInput: if the schema name is not a plain lower-case SQL identifier.
    """
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    named = [v for k, v in query if k == "schema"]
    rest = [(k, v) for k, v in query if k != "schema"]
    chosen = schema if schema is not None else (named[-1] if named else DEFAULT_SCHEMA)
    if not isinstance(chosen, str) or not _SCHEMA_NAME.fullmatch(chosen):
        raise InvalidInput(
            "must be a lower-case SQL identifier (letters, digits, _; at most 63)",
            path="schema",
            value=chosen,
        )
    conninfo = urlunsplit(parts._replace(query=urlencode(rest)))
    netloc = parts.netloc.rpartition("@")
    user = netloc[0].partition(":")[0]
    place = urlencode([(k, v) for k, v in rest if k in ("host", "port", "dbname")], safe="/")
    shown = parts._replace(netloc=(user + "@" if user else "") + netloc[2], query=place)
    return conninfo, chosen, f"{urlunsplit(shown)}#{chosen}"


# -- errors from psycopg ---------------------------------------------------------------------


def _translate(e: Exception, where: str) -> JournalError:
    """Turn a psycopg exception into the typed journal error it means."""
    msg = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
    if isinstance(e, pge.LockNotAvailable | pge.QueryCanceled):
        return JournalBusy(f"the journal stayed locked past the timeout ({msg})", path=where)
    if isinstance(e, _RETRYABLE):
        return JournalBusy(f"the write kept conflicting with others ({msg})", path=where)
    if isinstance(e, pge.ReadOnlySqlTransaction | pge.InsufficientPrivilege):
        return JournalReadOnly(f"the journal cannot be written ({msg})", path=where)
    if isinstance(e, pge.UndefinedTable | pge.UndefinedColumn | pge.InvalidSchemaName):
        return JournalCorrupt(f"the journal lacks its tables ({msg}); run verify", path=where)
    if isinstance(e, psycopg.IntegrityError):
        return JournalCorrupt(f"the journal's tables disagree ({msg}); run verify", path=where)
    if isinstance(e, pge.DiskFull):
        return JournalError("the database's disk is full", path=where)
    if isinstance(e, psycopg.OperationalError):
        return JournalUnavailable(f"the database is unavailable ({msg})", path=where)
    return JournalError(f"PostgreSQL error: {msg}", path=where)


# -- connections across fork -------------------------------------------------------------------

_STORES: weakref.WeakSet[PostgresStore] = weakref.WeakSet()
#: Connections inherited across fork: kept (never finished) so that the child cannot end the
#: parent's session; their sockets point at /dev/null.
_ORPHANS: list[Any] = []


def _after_fork_in_child() -> None:
    for store in list(_STORES):
        store._orphan()


if hasattr(os, "register_at_fork"):  # pragma: no branch - POSIX
    os.register_at_fork(after_in_child=_after_fork_in_child)


# -- schema and migrations -------------------------------------------------------------------


def _schema_v1(s: str) -> tuple[str, ...]:
    return (
        f'CREATE SCHEMA IF NOT EXISTS "{s}"',
        f'CREATE TABLE "{s}".meta (one integer PRIMARY KEY CHECK (one = 1), '
        "application_id bigint NOT NULL, schema_version integer NOT NULL)",
        f'CREATE TABLE "{s}".entries (seq bigint PRIMARY KEY, kind text NOT NULL, '
        "key text NOT NULL, body text NOT NULL, prev_hash text NOT NULL, hash text NOT NULL)",
        f'CREATE INDEX entries_kind_key ON "{s}".entries (kind, key, seq)',
        f'CREATE TABLE "{s}".head (one integer PRIMARY KEY CHECK (one = 1), '
        "seq bigint NOT NULL, hash text NOT NULL)",
        f"INSERT INTO \"{s}\".head (one, seq, hash) VALUES (1, 0, '{GENESIS_HASH}')",
        f'CREATE TABLE "{s}".consumptions (release_id text PRIMARY KEY, '
        "order_id text NOT NULL, seq bigint NOT NULL UNIQUE)",
        f'CREATE TABLE "{s}".numbers (series text NOT NULL, number bigint NOT NULL, '
        "document_id text, seq bigint NOT NULL UNIQUE, PRIMARY KEY (series, number))",
        f'CREATE TABLE "{s}".releases (release_id text PRIMARY KEY, seq bigint NOT NULL UNIQUE)',
        f'CREATE TABLE "{s}".approvals (approval_id text PRIMARY KEY, seq bigint NOT NULL UNIQUE)',
        f'INSERT INTO "{s}".meta (one, application_id, schema_version) '
        f"VALUES (1, {APPLICATION_ID}, 0)",
    )


def _migrate_0_to_1(conn: psycopg.Connection[Any], schema: str) -> None:
    for statement in _schema_v1(schema):
        conn.execute(statement.encode())


def _migrate_1_to_2(conn: psycopg.Connection[Any], schema: str) -> None:
    """Version 2: the ``uses`` index of one-time documents (pickup orders) used once."""
    conn.execute(
        f'CREATE TABLE "{schema}".uses (key text PRIMARY KEY, thing text NOT NULL, '
        "document_id text NOT NULL, seq bigint NOT NULL UNIQUE)".encode()
    )


#: ``_MIGRATIONS[v]`` takes a journal from schema version ``v`` to ``v + 1``; each runs inside
#: the one transaction that also sets ``meta.schema_version``.
_MIGRATIONS: tuple[Callable[[psycopg.Connection[Any], str], None], ...] = (
    _migrate_0_to_1,
    _migrate_1_to_2,
)


def _identity(conn: psycopg.Connection[Any], schema: str) -> tuple[set[str], Any, Any]:
    """The journal tables present in ``schema``, and ``meta``'s application id and version."""
    tables = {
        str(r[0])
        for r in conn.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = %s", (schema,)
        )
    }
    if "meta" not in tables:
        return tables, None, 0
    row = conn.execute(
        f'SELECT application_id, schema_version FROM "{schema}".meta'.encode()
    ).fetchone()
    if row is None:
        return tables, None, None
    return tables, row[0], row[1]


def _check_identity(tables: set[str], app: Any, version: Any, where: str) -> int:
    if "meta" not in tables:
        if tables:
            raise JournalForeign(
                "the schema holds tables, but not a salesctl journal "
                f"(tables: {', '.join(sorted(tables)[:5])})",
                path=where,
            )
        return 0
    if app != APPLICATION_ID:
        raise JournalForeign("the schema's meta table is not a salesctl journal's", path=where)
    if not isinstance(version, int) or version < 0:
        raise JournalCorrupt(f"impossible schema version {version!r}", path=where)
    if version > SCHEMA_VERSION:
        raise JournalTooNew(
            f"written with journal schema version {version}; this salesctl reads up to "
            f"{SCHEMA_VERSION}: upgrade salesctl",
            path=where,
        )
    return version


# -- one transaction -------------------------------------------------------------------------


class PostgresSession:
    """The reads and writes of one PostgreSQL transaction (see :class:`~.backend.Session`)."""

    def __init__(self, conn: psycopg.Connection[Any], schema: str, where: str) -> None:
        self._conn = conn
        self._where = where
        self._t = {name: f'"{schema}".{name}' for name in _TABLES}

    def _one(self, sql: str, params: tuple[Any, ...] = ()) -> Any:
        return self._conn.execute(sql.encode(), params).fetchone()

    def lock_head(self) -> None:
        """Take the row lock of the chain head: the one point every writer queues on."""
        self._one(f"SELECT seq FROM {self._t['head']} WHERE one = 1 FOR UPDATE")

    def append(self, kind: str, key: str, record: dict[str, Any]) -> Entry:
        """Append one record to the chain (inside a write transaction)."""
        row = self._one(f"SELECT seq, hash FROM {self._t['head']} WHERE one = 1 FOR UPDATE")
        top = self._one(f"SELECT MAX(seq) FROM {self._t['entries']}")[0] or 0
        if row is None or row[0] != top:
            raise JournalCorrupt(
                "the chain head disagrees with the log; run verify", path=self._where
            )
        seq = int(top) + 1
        prev = str(row[1])
        body = canonical_json(record)
        h = chain_hash(seq, kind, prev, body)
        text = body.decode("utf-8")
        self._conn.execute(
            f"INSERT INTO {self._t['entries']} (seq, kind, key, body, prev_hash, hash) "
            "VALUES (%s, %s, %s, %s, %s, %s)".encode(),
            (seq, kind, key, text, prev, h),
        )
        self._conn.execute(
            f"UPDATE {self._t['head']} SET seq = %s, hash = %s WHERE one = 1".encode(), (seq, h)
        )
        return Entry(seq=seq, kind=kind, body=text, prev_hash=prev, hash=h)

    def head(self) -> tuple[int, str] | None:
        row = self._one(f"SELECT seq, hash FROM {self._t['head']} WHERE one = 1")
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
            self._t['entries'],
            _ENTRY,
            "%s",
            kind=kind,
            key=key,
            since=since,
            limit=limit,
            newest_first=newest_first,
        )
        return (entry_of(r) for r in self._conn.execute(sql.encode(), params))

    def indexed(self, index: str, id_: str) -> Entry | None:
        column = _ID_COLUMNS[index]
        row = self._one(
            f"SELECT e.seq, e.kind, e.body, e.prev_hash, e.hash FROM {self._t[index]} t "
            f"JOIN {self._t['entries']} e ON e.seq = t.seq WHERE t.{column} = %s",
            (id_,),
        )
        return None if row is None else entry_of(row)

    def index(self, index: str, id_: str, seq: int) -> None:
        if index not in ("approvals", "releases"):
            raise KeyError(index)
        column = _ID_COLUMNS[index]
        self._conn.execute(
            f"INSERT INTO {self._t[index]} ({column}, seq) VALUES (%s, %s)".encode(), (id_, seq)
        )

    def index_consumption(self, release_id: str, order_id: str, seq: int) -> None:
        self._conn.execute(
            f"INSERT INTO {self._t['consumptions']} (release_id, order_id, seq) "
            "VALUES (%s, %s, %s)".encode(),
            (release_id, order_id, seq),
        )

    def index_use(self, key: str, thing: str, document_id: str, seq: int) -> None:
        self._conn.execute(
            f"INSERT INTO {self._t['uses']} (key, thing, document_id, seq) "
            "VALUES (%s, %s, %s, %s)".encode(),
            (key, thing, document_id, seq),
        )

    def consumed(self, release_id: str) -> bool:
        hit = self._one(
            f"SELECT 1 FROM {self._t['consumptions']} WHERE release_id = %s", (release_id,)
        )
        return bool(hit)

    def last_number(self, series: str) -> Any:
        return self._one(
            f"SELECT MAX(number) FROM {self._t['numbers']} WHERE series = %s", (series,)
        )[0]

    def index_number(self, series: str, number: int, document_id: str | None, seq: int) -> None:
        self._conn.execute(
            f"INSERT INTO {self._t['numbers']} (series, number, document_id, seq) "
            "VALUES (%s, %s, %s, %s)".encode(),
            (series, number, document_id, seq),
        )

    def last_numbers(self) -> dict[str, int]:
        drawn = self._conn.execute(
            f"SELECT series, MAX(number) FROM {self._t['numbers']} GROUP BY series".encode()
        )
        return {str(s): int(n) for s, n in drawn}

    def number_document(self, series: str, number: int) -> tuple[bool, Any]:
        row = self._one(
            f"SELECT document_id FROM {self._t['numbers']} WHERE series = %s AND number = %s",
            (series, number),
        )
        return (False, None) if row is None else (True, row[0])


# -- the store -------------------------------------------------------------------------------


class PostgresStore:
    """A journal in a PostgreSQL schema: connections (one per thread), transactions with
    bounded retries, migrations, verification and copies.

    Args:
        url: a ``postgresql://`` URL (libpq's; ``?schema=NAME`` is taken out of it).
        read_only: open for reading only.
        timeout: seconds to wait for the head lock (``lock_timeout``) or for the server to come
            back after a lost connection, before :class:`~salesctl.errors.JournalBusy` or
            :class:`~salesctl.errors.JournalError`.
        schema: the schema of the tables (overrides the URL's ``?schema=``).
        retries: how many times a write is retried after a serialization failure, a deadlock
            or a connection lost before ``COMMIT``.
        connection: a host's psycopg connection: every read and write then runs inside the
            host's open transaction (no commit, no retry; see :meth:`write`).

    Raises:
        JournalError: as :class:`~salesctl.journal.Journal` documents, if it cannot be opened.
    """

    path: None = None

    def __init__(
        self,
        url: str,
        *,
        read_only: bool,
        timeout: float,
        schema: str | None = None,
        retries: int = DEFAULT_RETRIES,
        connection: psycopg.Connection[Any] | None = None,
    ) -> None:
        self._conninfo, self.schema, self.where = split_url(url, schema)
        self.url = url
        self.read_only = read_only
        self._timeout = timeout
        self._retries = retries
        self._host = connection
        self._lock = threading.Lock()
        self._local = threading.local()
        self._conns: list[psycopg.Connection[Any]] = []
        self._pid = os.getpid()
        self._closed = False
        #: The tables of the journal's schema version (fewer for an older one read as it is).
        self._present = _TABLES
        if connection is None:
            _STORES.add(self)
            self._connection()  # open (and migrate) now, so a bad URL fails here

    def joined(self, connection: psycopg.Connection[Any]) -> PostgresStore:
        """This journal seen through a host's connection (its open transaction)."""
        store = PostgresStore.__new__(PostgresStore)
        store.__dict__.update(self.__dict__)
        store._host = connection
        store._lock = threading.Lock()
        store._local = threading.local()
        store._conns = []
        return store

    def close(self) -> None:
        """Close every connection this store opened (never the host's)."""
        with self._lock:
            self._closed = True
            conns, self._conns = self._conns, []
            self._local = threading.local()
        if os.getpid() != self._pid:
            return
        for c in conns:
            with contextlib.suppress(psycopg.Error):
                c.close()

    def _orphan(self) -> None:
        """In a forked child: never use, nor finish, the parent's connections."""
        devnull = os.open(os.devnull, os.O_RDWR)
        try:
            for c in self._conns:
                with contextlib.suppress(Exception):
                    os.dup2(devnull, c.pgconn.socket)
                _ORPHANS.append(c)
        finally:
            os.close(devnull)
        self._conns = []
        self._local = threading.local()
        self._lock = threading.Lock()
        self._pid = os.getpid()

    # -- connections ---------------------------------------------------------------------

    def _drop(self, conn: psycopg.Connection[Any]) -> None:
        with self._lock:
            if conn in self._conns:
                self._conns.remove(conn)
        if getattr(self._local, "conn", None) is conn:
            self._local.conn = None
        with contextlib.suppress(Exception):
            conn.close()

    def _connection(self) -> psycopg.Connection[Any]:
        if self._host is not None:
            return self._host
        if self._closed:
            raise JournalError("the journal is closed", path=self.where)
        if os.getpid() != self._pid:  # pragma: no cover - the at-fork hook does it first
            self._orphan()
        conn: psycopg.Connection[Any] | None = getattr(self._local, "conn", None)
        if conn is not None and not conn.closed and not conn.broken:
            return conn
        if conn is not None:
            self._drop(conn)
        conn = self._open()
        with self._lock:
            self._conns.append(conn)
        self._local.conn = conn
        return conn

    def _open(self) -> psycopg.Connection[Any]:
        deadline = time.monotonic() + self._timeout
        while True:
            try:
                conn = psycopg.connect(
                    self._conninfo,
                    autocommit=True,
                    connect_timeout=max(2, int(self._timeout)),
                    application_name="salesctl-journal",
                )
                break
            except psycopg.OperationalError as e:
                # The server may be restarting: try again until the timeout.
                if "password" in str(e):
                    raise JournalError(
                        f"PostgreSQL refused the credentials ({e})", path=self.where
                    ) from None
                if time.monotonic() >= deadline:
                    raise JournalUnavailable(
                        f"cannot connect to PostgreSQL ({e})", path=self.where
                    ) from None
                time.sleep(0.05 + random.random() * 0.1)
            except psycopg.Error as e:
                raise JournalError(f"cannot connect to PostgreSQL ({e})", path=self.where) from None
        try:
            self._prepare(conn)
        except psycopg.Error as e:
            conn.close()
            raise _translate(e, self.where) from None
        except BaseException:
            conn.close()
            raise
        return conn

    def _prepare(self, conn: psycopg.Connection[Any]) -> None:
        tables, app, version = _identity(conn, self.schema)
        version = _check_identity(tables, app, version, self.where)
        if version < SCHEMA_VERSION:
            if self.read_only:
                if version == 0:
                    raise JournalError("no journal in this schema", path=self.where)
                if version < READABLE_FROM:
                    raise JournalError(
                        f"the journal has schema version {version}; open it writable once to "
                        "migrate",
                        path=self.where,
                    )
            else:
                self._migrate(conn)
                tables, _, version = _identity(conn, self.schema)
        # An older schema read as it is has fewer tables: its chain needs none it lacks.
        self._present = _TABLES if version >= 2 else _TABLES_V1
        missing = self._present - tables
        if missing:
            raise JournalCorrupt(f"the journal lacks its tables {sorted(missing)}", path=self.where)

    def _migrate(self, conn: psycopg.Connection[Any]) -> None:
        encoding = conn.execute("SHOW server_encoding").fetchone()
        if encoding is None or str(encoding[0]).upper() not in ("UTF8", "UTF-8"):
            raise JournalError(
                f"the database must use UTF8 (it uses {encoding and encoding[0]})", path=self.where
            )
        conn.execute("BEGIN")
        try:
            # One migrator at a time per schema; re-read inside the lock.
            conn.execute(
                "SELECT pg_advisory_xact_lock(hashtext(%s))", ("salesctl-journal:" + self.schema,)
            )
            tables, app, version = _identity(conn, self.schema)
            version = _check_identity(tables, app, version, self.where)
            while version < SCHEMA_VERSION:
                _MIGRATIONS[version](conn, self.schema)
                version += 1
                conn.execute(
                    f'UPDATE "{self.schema}".meta SET schema_version = %s'.encode(), (version,)
                )
            conn.execute("COMMIT")
        except BaseException:
            with contextlib.suppress(psycopg.Error):
                conn.execute("ROLLBACK")
            raise

    # -- transactions --------------------------------------------------------------------

    def transact(self, work: Callable[[PostgresSession], T]) -> T:
        """Run ``work`` in one write transaction holding the head lock; retry it (bounded)
        after a serialization failure, a deadlock or a connection lost before ``COMMIT``.

        In a host's transaction (``connection=``) it runs once, in a savepoint: an error rolls
        back the journal's part only; a serialization failure there is
        :class:`~salesctl.errors.JournalBusy` (the host retries its own transaction).

        Raises:
            JournalReadOnly: if the store was opened read-only.
            JournalBusy: past the lock timeout, or after ``retries`` conflicts.
            JournalOutcomeUnknown: the connection was lost during ``COMMIT``.
            JournalUnavailable: the database cannot be reached (the retries ran out).
        """
        if self.read_only:
            raise JournalReadOnly("the journal was opened read-only", path=self.where)
        if self._host is not None:
            return self._transact_joined(work)
        failures = 0
        while True:
            try:
                return self._attempt(work)
            except _Retry as r:
                failures += 1
                if failures > self._retries:
                    raise _translate(r.cause, self.where) from None
                time.sleep(min(0.2, 0.002 * 2**failures) * (0.5 + random.random()))

    def _attempt(self, work: Callable[[PostgresSession], T]) -> T:
        conn = self._connection()
        committing = False
        try:
            conn.execute("BEGIN ISOLATION LEVEL READ COMMITTED")
            # Wait for the head at most ``timeout``; commit durably even where the server's
            # default says otherwise (a returned write survives a crash of the server).
            conn.execute(
                "SELECT set_config('lock_timeout', %s, true), "
                "set_config('synchronous_commit', 'on', true)",
                (f"{max(1, int(self._timeout * 1000))}ms",),
            )
            session = PostgresSession(conn, self.schema, self.where)
            session.lock_head()
            result = work(session)
            committing = True
            conn.execute("COMMIT")
            return result
        except _RETRYABLE as e:
            _rollback(conn)
            raise _Retry(e) from None
        except psycopg.OperationalError as e:
            if conn.broken or conn.closed:
                self._drop(conn)  # the next attempt reconnects
                if committing:
                    raise JournalOutcomeUnknown(
                        "the connection was lost while committing: the write may or may not "
                        "be in the journal; look before writing again",
                        path=self.where,
                    ) from None
                raise _Retry(e) from None
            _rollback(conn)
            raise _translate(e, self.where) from None
        except psycopg.Error as e:
            _rollback(conn)
            raise _translate(e, self.where) from None
        except BaseException:
            _rollback(conn)
            raise

    def _transact_joined(self, work: Callable[[PostgresSession], T]) -> T:
        conn = self._connection()
        if conn.info.transaction_status != TransactionStatus.INTRANS:
            raise InvalidInput(
                "joining the host's transaction needs one open on the connection "
                "(with conn.transaction(): …, or a statement run without autocommit)",
                path="connection",
                value=conn.info.transaction_status.name,
            )
        try:
            with conn.transaction():  # a savepoint inside the host's transaction
                session = PostgresSession(conn, self.schema, self.where)
                session.lock_head()
                return work(session)
        except psycopg.Error as e:
            raise _translate(e, self.where) from None

    @contextmanager
    def read(self) -> Iterator[PostgresSession]:
        """One read transaction: a consistent snapshot (``REPEATABLE READ READ ONLY``)."""
        if self._host is not None:
            try:
                yield PostgresSession(self._host, self.schema, self.where)
            except psycopg.Error as e:
                raise _translate(e, self.where) from None
            return
        conn = self._begin_read()
        try:
            yield PostgresSession(conn, self.schema, self.where)
        except psycopg.Error as e:
            _rollback(conn)
            raise _translate(e, self.where) from None
        except BaseException:
            _rollback(conn)
            raise
        _rollback(conn)

    def _begin_read(self) -> psycopg.Connection[Any]:
        for attempt in range(2):
            conn = self._connection()
            try:
                conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
                return conn
            except psycopg.OperationalError as e:
                if attempt == 0 and (conn.broken or conn.closed):
                    self._drop(conn)
                    continue  # a connection the server dropped: one fresh try
                raise _translate(e, self.where) from None
            except psycopg.Error as e:
                raise _translate(e, self.where) from None
        raise AssertionError("unreachable")  # pragma: no cover

    # -- copies and verification -----------------------------------------------------------

    def rows(self) -> Iterator[Row]:
        """Every stored row as ``(table, row)``, in one snapshot: entries in order, then the
        head and the index tables (what a copy of the journal holds)."""
        with self.read() as s:
            yield from _rows(s._conn, s._t, self._present)

    def load(self, rows: Iterable[Row]) -> int:
        """Store a copy's rows as they are into this journal, which must be empty."""

        def work(s: PostgresSession) -> int:
            if s._one(f"SELECT COUNT(*) FROM {s._t['entries']}")[0]:
                raise JournalError("the target journal holds records already", path=self.where)
            s._conn.execute(f"DELETE FROM {s._t['head']}".encode())
            n = 0
            with s._conn.cursor() as cur:
                batch: list[tuple[Any, ...]] = []
                table = ""
                for t, values in [*rows, ("", ())]:
                    if (t != table or len(batch) >= 1000) and batch:
                        cols = COPY_COLUMNS[table]
                        cur.executemany(
                            f"INSERT INTO {s._t[table]} ({', '.join(cols)}) "
                            f"VALUES ({', '.join(['%s'] * len(cols))})".encode(),
                            batch,
                        )
                        batch = []
                    table = t
                    if t:
                        batch.append(values)
                        n += t == "entries"
            return n

        return self.transact(work)

    def verify(self, anchor: tuple[int, str] | None) -> Verification:
        """The chain, the head and the indexes, read by sequential scans in one snapshot."""
        checker = ChainChecker()
        try:
            with self.read() as s:
                if self._host is None:
                    for knob in ("enable_indexscan", "enable_bitmapscan", "enable_indexonlyscan"):
                        s._conn.execute(f"SET LOCAL {knob} = off".encode())
                return _verify(s._conn, s._t, checker, anchor, self._present)
        except Broken as b:
            return checker.result(b)


class _Retry(Exception):
    def __init__(self, cause: Exception) -> None:
        self.cause = cause


def _rollback(conn: psycopg.Connection[Any]) -> None:
    if conn.closed or conn.broken:
        return
    with contextlib.suppress(psycopg.Error):
        if conn.info.transaction_status != TransactionStatus.IDLE:
            conn.execute("ROLLBACK")


def _rows(
    conn: psycopg.Connection[Any], t: dict[str, str], present: frozenset[str]
) -> Iterator[Row]:
    for table, cols in COPY_COLUMNS.items():
        if table not in present:
            continue  # a table an older schema read as it is lacks
        order = " ORDER BY seq" if table == "entries" else ""
        with conn.cursor(name=f"salesctl_rows_{table}") as cur:
            cur.itersize = 2000
            cur.execute(f"SELECT {', '.join(cols)} FROM {t[table]}{order}".encode())
            for r in cur:
                yield table, tuple(r)


def _verify(
    conn: psycopg.Connection[Any],
    t: dict[str, str],
    checker: ChainChecker,
    anchor: tuple[int, str] | None,
    present: frozenset[str],
) -> Verification:
    idx: dict[str, dict[Any, tuple[int, Any]]] = {name: {} for name in INDEXES}
    anchored = anchor is None or anchor[0] == 0
    with conn.cursor(name="salesctl_verify") as cur:
        cur.itersize = 2000
        cur.execute(
            f"SELECT seq, kind, key, body, prev_hash, hash FROM {t['entries']} ORDER BY seq".encode()
        )
        for seq, kind, key, body, prev_hash, hash_ in cur:
            k, rec = checker.feed(int(seq), kind, body, prev_hash, hash_, key)
            indexed = index_row(k, rec)
            if indexed is not None:
                table, id_, extra = indexed
                idx[table][id_] = (int(seq), extra)
            if anchor is not None and seq == anchor[0]:
                if hash_ != anchor[1]:
                    raise Broken(seq, "its hash does not match the anchor: history was rewritten")
                anchored = True
    if not anchored:
        assert anchor is not None
        raise Broken(
            anchor[0],
            f"the anchored record {anchor[0]} is missing: the chain ends at record "
            f"{checker.expected - 1} (records were cut from its end)",
        )
    head = [(int(r[0]), r[1]) for r in conn.execute(f"SELECT seq, hash FROM {t['head']}".encode())]
    check_head(head, checker)
    stored: dict[str, list[tuple[Any, tuple[Any, Any]]]] = {
        "consumptions": [
            (r[0], (int(r[2]), r[1]))
            for r in conn.execute(
                f"SELECT release_id, order_id, seq FROM {t['consumptions']}".encode()
            )
        ],
        "numbers": [
            ((r[0], int(r[1])), (int(r[3]), r[2]))
            for r in conn.execute(
                f"SELECT series, number, document_id, seq FROM {t['numbers']}".encode()
            )
        ],
        "releases": [
            (r[0], (int(r[1]), None))
            for r in conn.execute(f"SELECT release_id, seq FROM {t['releases']}".encode())
        ],
        "approvals": [
            (r[0], (int(r[1]), None))
            for r in conn.execute(f"SELECT approval_id, seq FROM {t['approvals']}".encode())
        ],
        "uses": [
            (r[0], (int(r[2]), r[1]))
            for r in conn.execute(f"SELECT key, document_id, seq FROM {t['uses']}".encode())
        ]
        if "uses" in present
        else [],
    }
    check_indexes(idx, stored, checker.expected - 1)
    return checker.result()
