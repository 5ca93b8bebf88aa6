"""What a journal backend provides: a :class:`Store` that opens transactions, each a
:class:`Session` holding the few reads and writes the :class:`~salesctl.journal.Journal` needs.

The Journal keeps the rules (what a record holds, when a release is used up, how numbers are
drawn, what a context contains); a backend keeps the bytes. Every backend stores the records of
:mod:`salesctl.journal.records` with the same canonical JSON and the same hash chain, beside
index tables (:data:`~salesctl.journal.verify.INDEXES`) that the chain proves. The backends
are :mod:`salesctl.journal.sqlite` and :mod:`salesctl.journal.postgres`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any, Protocol, TypeVar

from salesctl.journal.records import Entry, Verification

__all__ = ["COPY_COLUMNS", "Row", "Session", "Store", "entries_query"]

T = TypeVar("T")

#: The stored rows of a journal as a copy carries them (:meth:`Store.rows`,
#: :meth:`Store.load`): table → its columns, in this order (entries first, by ``seq``).
COPY_COLUMNS = {
    "entries": ("seq", "kind", "key", "body", "prev_hash", "hash"),
    "head": ("one", "seq", "hash"),
    "consumptions": ("release_id", "order_id", "seq"),
    "numbers": ("series", "number", "document_id", "seq"),
    "releases": ("release_id", "seq"),
    "approvals": ("approval_id", "seq"),
    "uses": ("key", "thing", "document_id", "seq"),
}

#: One stored row: ``(table, values)`` in the order of :data:`COPY_COLUMNS`.
Row = tuple[str, tuple[Any, ...]]


class Session(Protocol):
    """One transaction of a backend: a consistent snapshot (read) or the write lock (write).

    Reads return :class:`~salesctl.journal.records.Entry` values (oldest first); writes are
    only called inside a write transaction. Damaged stored records raise
    :class:`~salesctl.errors.JournalCorrupt`.
    """

    def append(self, kind: str, key: str, record: dict[str, Any]) -> Entry:
        """Append one record to the chain after the current head, and move the head."""
        ...

    def head(self) -> tuple[int, str] | None:
        """``(seq, hash)`` of the chain head row (``None`` when it is missing)."""
        ...

    def entries(
        self,
        *,
        kind: str | None = None,
        key: str | None = None,
        since: int | None = None,
        limit: int | None = None,
        newest_first: bool = False,
    ) -> Iterator[Entry]:
        """The records of ``kind`` with ``key`` after ``since``, in sequence order (read lazily,
        within the transaction)."""
        ...

    def indexed(self, index: str, id_: str) -> Entry | None:
        """The record the ``approvals``, ``releases``, ``consumptions`` or ``uses`` index names
        for ``id_``."""
        ...

    def index(self, index: str, id_: str, seq: int) -> None:
        """Add ``id_ → seq`` to the ``approvals`` or ``releases`` index (``id_`` is new)."""
        ...

    def index_consumption(self, release_id: str, order_id: str, seq: int) -> None:
        """Add a use to the ``consumptions`` index; refuses a release used before."""
        ...

    def index_use(self, key: str, thing: str, document_id: str, seq: int) -> None:
        """Add a use of a one-time document to the ``uses`` index; refuses a key used before
        (the primary key: the database's own once-only guard)."""
        ...

    def consumed(self, release_id: str) -> bool:
        """Whether the ``consumptions`` index holds the release."""
        ...

    def last_number(self, series: str) -> Any:
        """The highest number of ``series`` in the ``numbers`` index (``None`` when none)."""
        ...

    def index_number(self, series: str, number: int, document_id: str | None, seq: int) -> None:
        """Add a draw to the ``numbers`` index; refuses a number drawn before."""
        ...

    def last_numbers(self) -> dict[str, int]:
        """The highest number of each series in the ``numbers`` index."""
        ...

    def number_document(self, series: str, number: int) -> tuple[bool, Any]:
        """``(drawn, document id)`` of a number in the ``numbers`` index."""
        ...


class Store(Protocol):
    """A journal backend: where the records live, and its transactions."""

    @property
    def path(self) -> Path | None:
        """The journal file (``None`` for a database server)."""
        ...

    @property
    def where(self) -> str:
        """Where the journal is, for messages (a path, or a URL without its password)."""
        ...

    @property
    def read_only(self) -> bool:
        """Whether writes are refused."""
        ...

    def read(self) -> AbstractContextManager[Session]:
        """One read transaction: a consistent snapshot while writers go on."""
        ...

    def transact(self, work: Callable[[Session], T]) -> T:
        """Run ``work`` in one write transaction, serialised with every other writer, and
        commit; a backend may run it again (bounded) after a conflict it can retry.

        Raises:
            JournalReadOnly: if the store was opened read-only.
            JournalBusy: another writer held the lock past the timeout, or the retries ran out.
        """
        ...

    def rows(self) -> Iterator[Row]:
        """Every stored row, in one snapshot (entries in order, then head and indexes)."""
        ...

    def load(self, rows: Iterable[Row]) -> int:
        """Store a copy's rows, as they are, into this journal, which must be empty; return the
        number of records.

        Raises:
            JournalError: if the journal holds records already.
        """
        ...

    def verify(self, anchor: tuple[int, str] | None) -> Verification:
        """Check the chain, the head, the indexes and the storage (never raises when broken)."""
        ...

    def close(self) -> None:
        """Release every connection."""
        ...


def entries_query(
    table: str,
    columns: str,
    mark: str,
    *,
    kind: str | None = None,
    key: str | None = None,
    since: int | None = None,
    limit: int | None = None,
    newest_first: bool = False,
) -> tuple[str, list[Any]]:
    """The SQL and parameters that list ``table``'s entries, filtered and ordered, with ``mark``
    as the driver's placeholder (``"?"`` for SQLite, ``"%s"`` for psycopg): one query for both
    backends.

    >>> entries_query("entries", "seq", "?", kind="decision", limit=5)
    ('SELECT seq FROM entries WHERE kind = ? ORDER BY seq LIMIT 5', ['decision'])
    """
    where: list[str] = []
    params: list[Any] = []
    for column, op, value in (("seq", ">", since), ("kind", "=", kind), ("key", "=", key)):
        if value is not None:
            where.append(f"{column} {op} {mark}")
            params.append(value)
    sql = f"SELECT {columns} FROM {table}"
    if where:
        sql += " WHERE " + " AND ".join(where)
    sql += " ORDER BY seq DESC" if newest_first else " ORDER BY seq"
    if limit is not None:
        sql += f" LIMIT {int(limit)}"
    return sql, params
