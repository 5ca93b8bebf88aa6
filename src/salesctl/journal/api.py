"""The :class:`Journal`: salesctl's embedded store, its public API.

The Journal holds the rules — what each record contains, when a release is used up, how a
number is drawn, what the context of a check holds — and leaves the bytes to a backend
(:mod:`salesctl.journal.backend`): SQLite (:mod:`salesctl.journal.sqlite`) for a file,
PostgreSQL (:mod:`salesctl.journal.postgres`) for a ``postgresql://`` URL.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import IO, Any
from urllib.parse import unquote, urlsplit

import attrs

from salesctl._convert import unstructure
from salesctl.context import Context
from salesctl.decision import Decision
from salesctl.errors import ChainBroken, InvalidInput, JournalCorrupt, JournalError, ReleaseConsumed
from salesctl.journal import uses as _uses
from salesctl.journal.backend import Session, Store
from salesctl.journal.records import (
    KINDS,
    DocumentUse,
    Entry,
    ExposureProvider,
    ReleaseConsumption,
    SeriesReport,
    Verification,
    consumption_of,
    series_report,
    value_of,
)
from salesctl.journal.sqlite import SQLiteStore
from salesctl.journal.verify import check_anchor
from salesctl.model import Approval, CreditExposure, CreditRelease, SalesOrder
from salesctl.money import Money
from salesctl.transactions import Transaction, transaction_to_dict

__all__ = ["Journal", "is_url"]

#: Records read per snapshot by :meth:`Journal.entries` (a bounded read transaction).
_PAGE = 500

#: The URL schemes of a PostgreSQL journal.
_PG_SCHEMES = ("postgresql://", "postgres://")
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://")


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Journal:
    """The embedded store: a hash-chained log on SQLite (one file) or PostgreSQL (one schema).

    Safe to share between threads (each thread gets its own connection) and to open from
    many processes — on PostgreSQL from many machines — at once. Writes serialise: on SQLite's
    write lock (``BEGIN IMMEDIATE``), on PostgreSQL on the row lock of the chain head. Every
    commit is durable. Use it as a context manager, or call :meth:`close`.

    Args:
        path: where the journal is: a file path, ``sqlite:///ABSOLUTE/PATH`` (or
            ``sqlite:RELATIVE/PATH``), or a ``postgresql://`` URL (libpq's; add
            ``?schema=NAME`` to choose the schema). A file is created (with its directory's
            permission) when missing, a schema and its tables likewise, unless ``read_only``.
        read_only: open for reading only (verify, export, reports); writes then raise
            :class:`~salesctl.errors.JournalReadOnly`.
        timeout: seconds to wait for another writer (or for the server to come back) before
            :class:`~salesctl.errors.JournalBusy`.
        clock: returns the current time (timezone-aware) for ``recorded_at``; the system
            clock in UTC when omitted.
        schema: PostgreSQL only: the schema of the journal's tables (default
            ``salesctl_journal``; overrides the URL's ``?schema=``).
        retries: PostgreSQL only: how often a write is retried after a serialization failure,
            a deadlock or a connection lost before ``COMMIT`` (default 8); then
            :class:`~salesctl.errors.JournalBusy`.

    Raises:
        JournalCorrupt: the file is not a SQLite database, or is damaged.
        JournalForeign: the file (or the schema) holds something else than a journal.
        JournalTooNew: the journal's schema is newer than this salesctl reads.
        JournalReadOnly: the journal cannot be created or written.
        JournalUnavailable: the PostgreSQL server cannot be reached within ``timeout``.
        JournalError: any other reason the journal cannot be opened (psycopg not installed,
            credentials refused, …).
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        read_only: bool = False,
        timeout: float = 30.0,
        clock: Callable[[], dt.datetime] | None = None,
        schema: str | None = None,
        retries: int | None = None,
    ) -> None:
        if not isinstance(path, str | os.PathLike) or str(path) in ("", ":memory:"):
            raise InvalidInput("must be the path of a journal file", path="path", value=path)
        if isinstance(timeout, bool) or not isinstance(timeout, int | float) or timeout < 0:
            raise InvalidInput(
                "must be a non-negative number of seconds", path="timeout", value=timeout
            )
        if retries is not None and (
            isinstance(retries, bool) or not isinstance(retries, int) or retries < 0
        ):
            raise InvalidInput("must be a non-negative integer", path="retries", value=retries)
        self.read_only = bool(read_only)
        self._clock = clock or _utc_now
        text = os.fspath(path) if isinstance(path, str) else None
        if text is not None and text.startswith(_PG_SCHEMES):
            self.path: Path | None = None
            self._store: Store = _postgres_store(
                text, self.read_only, float(timeout), schema, retries
            )
        else:
            if schema is not None:
                raise InvalidInput("is for a PostgreSQL journal only", path="schema", value=schema)
            self.path = _usable_path(_sqlite_path(path))
            self._store = SQLiteStore(self.path, read_only=self.read_only, timeout=float(timeout))
        #: Where the journal is, for messages: its file, or its URL (without password) and schema.
        self.where: str = self._store.where

    def __repr__(self) -> str:
        mode = "read-only" if self.read_only else "read-write"
        return f"Journal({self.where!r}, {mode})"

    def joined(self, connection: Any) -> Journal:
        """This journal, writing inside a host's open PostgreSQL transaction.

        The returned Journal runs every read and write on ``connection`` (a psycopg 3
        connection with a transaction open), in a savepoint, and never commits: the host's
        ``COMMIT`` keeps its own rows and the journal's records together, its ``ROLLBACK``
        drops both. Until then the host holds the journal's head lock, so keep the
        transaction short. No retry happens inside a host's transaction: a conflict raises
        :class:`~salesctl.errors.JournalBusy` and the host retries its whole transaction.
        :meth:`close` on it closes nothing of the host's.

        Args:
            connection: the host's ``psycopg.Connection``, in a transaction.

        Returns:
            A Journal sharing this one's schema and clock.

        Raises:
            InvalidInput: if this journal is not on PostgreSQL, or ``connection`` is not a
                psycopg connection.
        """
        joined = getattr(self._store, "joined", None)
        if joined is None:
            raise InvalidInput(
                "only a PostgreSQL journal joins a host's transaction",
                path="connection",
                value=self.where,
            )
        import psycopg

        if not isinstance(connection, psycopg.Connection):
            raise InvalidInput(
                "must be a psycopg 3 connection",
                path="connection",
                value=type(connection).__name__,
            )
        view = Journal.__new__(Journal)
        view.__dict__.update(self.__dict__)
        view._store = joined(connection)
        return view

    def __enter__(self) -> Journal:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close every connection (the last one to close checkpoints the WAL into the file)."""
        self._store.close()

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

        An ALLOW decision of a control that guards a one-time document
        (:attr:`~salesctl.control.Control.consumes`: a pickup order, O2C-DL-07) uses up the
        document the transaction cites, in the same transaction as the decision record: a
        ``use`` record follows it. Of any number of processes recording decisions that cite
        one pickup order, exactly one commits; every other raises
        :class:`~salesctl.errors.PickupOrderConsumed` naming the first use, and writes
        nothing (its decision included): check again with :meth:`context_for`, which now
        shows the pickup order used.

        Returns:
            The stored decision record.

        Raises:
            InvalidInput: if ``decision`` is not a Decision, or ``txn`` is not the transaction
                it decided, or is missing for an allowing decision that may use up a one-time
                document.
            PickupOrderConsumed: the pickup order the transaction cites was used before.
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
        uses = _uses.uses_of(decision, txn)
        now = self._now()
        record = {
            "decision": decision.to_dict(),
            "policy_fingerprint": decision.policy_fingerprint,
            "controls": list(decision.controls),
            "transaction": txn_data,
            "recorded_at": now,
        }
        doc = decision.document_id

        def work(s: Session) -> Entry:
            entry = s.append("decision", doc, record)
            _uses.record_uses(s, uses, doc, entry.seq, now)
            return entry

        return self._store.transact(work)

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
        return self._store.transact(lambda s: s.append("transaction", txn.document_id, record))

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
            "approval", "approvals", approval.id, approval, approval.document_id
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
        return self._add_unique("release", "releases", release.id, release, release.order_id)

    def _add_unique(self, kind: str, index: str, id_: str, value: Any, key: str) -> Entry:
        data = unstructure(value)
        now = self._now()

        def work(s: Session) -> Entry:
            old = s.indexed(index, id_)
            if old is not None:
                if old.record.get(kind) != data:
                    raise InvalidInput(
                        f"{kind} id already recorded with other content (record {old.seq})",
                        path=f"{type(value).__name__}.id",
                        value=id_,
                    )
                return old
            entry = s.append(kind, key, {kind: data, "recorded_at": now})
            s.index(index, id_, entry.seq)
            return entry

        return self._store.transact(work)

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
        now = self._now()

        def work(s: Session) -> Entry:
            # The chain is the evidence: look there first, so that even a deleted index row
            # cannot free a release for a second use; the index's primary key is the backstop.
            used = next(s.entries(kind="consumption", key=release_id, limit=1), None)
            if used is None:
                used = s.indexed("consumptions", release_id)
            if used is not None:
                raise ReleaseConsumed(consumption_of(used))
            release = self._release(s.indexed("releases", release_id))
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
                "recorded_at": now,
            }
            entry = s.append("consumption", release_id, record)
            s.index_consumption(release_id, order_id, entry.seq)
            return entry

        return consumption_of(self._store.transact(work))

    def consumption(self, release_id: str) -> ReleaseConsumption | None:
        """The evidence of a release's use, or ``None`` if it was not used."""
        with self._store.read() as s:
            used = s.indexed("consumptions", release_id)
            return None if used is None else consumption_of(used)

    def pickup_order_use(self, pickup_order_id: str) -> DocumentUse | None:
        """The evidence of a pickup order's use (O2C-DL-07), or ``None`` if it was not used.

        Ids are compared without regard to case, as O2C-DL-07 compares them.
        """
        if not isinstance(pickup_order_id, str) or not pickup_order_id.strip():
            raise InvalidInput(
                "must be a non-empty string", path="pickup_order_id", value=pickup_order_id
            )
        with self._store.read() as s:
            return _uses.use(s, "pickup_order", pickup_order_id)

    def _release(self, entry: Entry | None) -> CreditRelease | None:
        if entry is None:
            return None
        release: CreditRelease = value_of(entry, "release", CreditRelease, self.where)
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
        now = self._now()

        def work(s: Session) -> int:
            last = s.last_number(series)
            # Cross-check the index with the chain's last draw of the series: a deleted
            # index row must not lead to the same number being drawn twice.
            top = next(s.entries(kind="number", key=series, limit=1, newest_first=True), None)
            chained = top.record.get("number") if top is not None else None
            if chained != last or not isinstance(last, int | None) or isinstance(last, bool):
                raise JournalCorrupt(
                    f"the number index of series {series!r} disagrees with the chain "
                    f"({last} vs {chained}); run verify",
                    path=self.where,
                )
            number = int(last or 0) + 1
            record = {
                "series": series,
                "number": number,
                "document_id": document_id,
                "recorded_at": now,
            }
            entry = s.append("number", series, record)
            s.index_number(series, number, document_id, entry.seq)
            return number

        return self._store.transact(work)

    def last_numbers(self) -> dict[str, int]:
        """The last number drawn in each series."""
        with self._store.read() as s:
            return s.last_numbers()

    def number_report(self, series: str | None = None) -> tuple[SeriesReport, ...]:
        """Gaps and duplicates per series, from the chain's number records (the evidence).

        Args:
            series: one series, or every series when omitted.

        Returns:
            One report per series, sorted by name.
        """
        drawn: dict[str, list[int]] = {}
        with self._store.read() as s:
            for entry in s.entries(kind="number", key=series):
                rec = entry.record
                try:
                    drawn.setdefault(str(rec["series"]), []).append(int(rec["number"]))
                except (KeyError, TypeError, ValueError, JournalCorrupt):
                    raise JournalCorrupt(
                        "a number record is malformed; run verify", path=f"record {entry.seq}"
                    ) from None
        if series is not None:
            drawn.setdefault(series, [])
        return tuple(series_report(name, nums) for name, nums in sorted(drawn.items()))

    # -- reading -------------------------------------------------------------------------

    def head(self) -> tuple[int, str]:
        """``(seq, hash)`` of the last record (``(0, GENESIS_HASH)`` when empty).

        Publish it now and then outside the journal (a ticket, an e-mail to audit, a daily
        report): :meth:`verify` with ``anchor=`` then also detects a rewritten history.
        """
        with self._store.read() as s:
            head = s.head()
        if head is None:
            raise JournalCorrupt("the chain head is missing; run verify", path=self.where)
        return head

    def entries(
        self, *, kind: str | None = None, key: str | None = None, since: int = 0
    ) -> Iterator[Entry]:
        """The stored records in order.

        Args:
            kind: only records of this kind.
            key: only records with this key (document id for decisions, transactions and
                approvals; order id for releases; release id for consumptions; series for
                numbers; ``"pickup_order:"`` + the id in lower case for uses). Needs ``kind``.
            since: only records after this sequence number.

        Yields:
            Entries, oldest first.
        """
        if kind is not None and kind not in KINDS:
            raise InvalidInput(f"must be one of {', '.join(KINDS)}", path="kind", value=kind)
        if key is not None and kind is None:
            raise InvalidInput("needs kind", path="key", value=key)
        while True:
            with self._store.read() as s:
                batch = list(s.entries(kind=kind, key=key, since=since, limit=_PAGE))
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
            except JournalCorrupt:
                raise ChainBroken("its body is not JSON", seq=entry.seq) from None
            out.write(json.dumps(data, ensure_ascii=False, sort_keys=True) + "\n")
            n += 1
        return n

    def backup(self, dest: str | os.PathLike[str]) -> Path:
        """Copy the journal to the SQLite file ``dest`` consistently while it is in use.

        A SQLite journal is copied with SQLite's backup API; a PostgreSQL journal's rows are
        read in one snapshot and stored as they are in a new SQLite journal (same records,
        same hashes: it verifies as the original does). For a whole database, ``pg_dump``.

        Raises:
            JournalError: if ``dest`` exists or cannot be written.
        """
        if not isinstance(dest, str | os.PathLike) or str(dest) in ("", ":memory:"):
            raise InvalidInput("must be the path of a file", path="dest", value=dest)
        target = _usable_path(dest)
        try:
            exists = target.exists()
        except OSError as e:
            raise JournalError(
                f"cannot use the backup target ({e.strerror})", path=str(target)
            ) from None
        if exists:
            raise JournalError("the backup target exists already", path=str(target))
        if isinstance(self._store, SQLiteStore):
            return self._store.backup(target)
        self.copy_to(target)
        return target

    def copy_to(self, target: str | os.PathLike[str], *, schema: str | None = None) -> int:
        """Copy every stored row, as it is, into an empty journal at ``target`` (a file path,
        ``sqlite:`` or ``postgresql://`` URL): from SQLite to PostgreSQL when a host outgrows
        one machine, or back. The copy holds the same records with the same hashes.

        Args:
            target: where the copy goes; created when missing; must hold no records.
            schema: the PostgreSQL schema of the target.

        Returns:
            The number of records copied.

        Raises:
            JournalError: if the target holds records, or cannot be opened or written.
        """
        with Journal(target, schema=schema) as dest:
            return dest._store.load(self._store.rows())

    # -- the context of a check ------------------------------------------------------------

    def context_for(
        self,
        txn: Transaction,
        *,
        exposure: ExposureProvider | CreditExposure | None = None,
        base: Context | None = None,
        timezone: dt.tzinfo | None = None,
    ) -> Context:
        """The :class:`~salesctl.context.Context` of a check, from what the journal holds.

        * ``as_of``: the transaction's business date: ``txn.at`` in ``timezone`` (pass the
          policy's, ``policy.zone``, as the gate refuses any other date), or in the
          transaction's own UTC offset when ``timezone`` is left out;
        * ``approvals``: the approvals recorded for the transaction's document;
        * ``releases``: the releases recorded for that order (and the one the transaction
          names); ``consumed_releases``: which of the releases in the context were used;
        * ``consumed_pickup_orders``: the pickup order a goods issue cites, if the journal
          recorded its use (O2C-DL-07; added to ``base``'s);
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
        where = self.where
        with self._store.read() as s:
            for entry in s.entries(kind="approval", key=doc):
                a: Approval = value_of(entry, "approval", Approval, where)
                if all(x.id != a.id for x in approvals):
                    approvals.append(a)
            for entry in s.entries(kind="release", key=doc):
                rel: CreditRelease = value_of(entry, "release", CreditRelease, where)
                if all(x.id != rel.id for x in releases):
                    releases.append(rel)
            if isinstance(wanted_release, str) and all(r.id != wanted_release for r in releases):
                named = self._release(s.indexed("releases", wanted_release))
                if named is not None:
                    releases.append(named)
            ids = {r.id for r in releases}
            if isinstance(wanted_release, str):
                ids.add(wanted_release)
            consumed = set(base.consumed_releases) if base is not None else set()
            consumed.update(rid for rid in sorted(ids) if s.consumed(rid))
            used = _uses.used_in_context(s, txn)
            last = dict(base.last_numbers) if base is not None else {}
            last.update(s.last_numbers())
            if isinstance(order, SalesOrder):
                drawn, owner = s.number_document(order.series, order.seq)
                if drawn and owner in (None, order.id):
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
            "as_of": (txn.at if timezone is None else txn.at.astimezone(timezone)).date(),
            "exposure": exp,
            "approvals": tuple(approvals),
            "releases": tuple(releases),
            "consumed_releases": frozenset(consumed),
            "last_numbers": last,
        }
        for name, ids in used.items():
            facts[name] = frozenset(ids | set(getattr(base, name, ()) or ()))
        if base is None:
            return Context(**facts)
        return attrs.evolve(base, **facts)

    # -- verification ----------------------------------------------------------------------

    def anchor(self) -> tuple[int, str]:
        """An anchor to keep outside the journal: ``(seq, hash)`` of the last record, once the
        whole chain verified.

        The file alone cannot prove that no record was cut from its end: whoever can write it
        can delete the last records and point the head at the new last one. Keep anchors
        elsewhere (a ticket, an e-mail to audit, the period-end report);
        ``verify(anchor=...)`` then fails if the anchored record or any before it is missing
        or differs. ``salesctl journal anchor FILE`` prints one as JSON.

        Returns:
            ``(seq, hash)``; ``(0, GENESIS_HASH)`` for an empty journal.

        Raises:
            ChainBroken: if the chain does not verify (an anchor of a broken chain proves
                nothing).
            JournalError: if the journal cannot be read.
        """
        v = self._store.verify(None)
        if not v.ok:
            raise ChainBroken(
                f"no anchor of a broken chain: {v.reason}", seq=v.broken_seq, path=self.where
            )
        return v.head_seq, v.head_hash

    def verify(self, *, anchor: tuple[int, str] | None = None) -> Verification:
        """Check the whole chain, and that the indexes agree with it.

        Checks, record by record in sequence order: the sequence number is the next one (a
        deleted or inserted record breaks it), ``prev_hash`` is the previous record's hash,
        the hash matches the stored bytes, the record is well-formed and its index key
        matches, and the record keeps the rules the indexes enforce, re-derived from the
        chain alone (a release used once, numbers drawn 1, 2, 3, … per series without gap or
        duplicate, one record per release or approval id). Then: the ``anchor`` (if given)
        is in the chain with its hash, the chain head matches the last record, every
        consumption, number, release and approval index row points at the record it claims
        (so a deleted consumption row cannot free a release for a second use), and SQLite's
        full ``integrity_check`` passes (which compares every index with its table).

        Without an anchor, records cut from the end with the head moved back to the new last
        record cannot be told from a journal that never had them; see :meth:`anchor`.

        Args:
            anchor: ``(seq, hash)`` kept earlier (see :meth:`anchor`, :meth:`head`).

        Returns:
            The verification; never raises for a broken chain (see
            :meth:`Verification.raise_if_broken`).

        Raises:
            JournalError: if the journal cannot be read at all.
        """
        check_anchor(anchor)
        return self._store.verify(anchor)


def is_url(text: str) -> bool:
    """Whether ``text`` names a journal by URL (``sqlite:…``, ``postgresql://…``), not a path."""
    return isinstance(text, str) and text.startswith(("sqlite:", *_PG_SCHEMES))


def _postgres_store(
    url: str, read_only: bool, timeout: float, schema: str | None, retries: int | None
) -> Store:
    try:
        from salesctl.journal.postgres import DEFAULT_RETRIES, PostgresStore
    except ImportError as e:
        raise JournalError(
            f"a PostgreSQL journal needs psycopg 3: pip install 'salesctl[postgres]' ({e})",
            path=url.partition("@")[2] or url,
        ) from None
    return PostgresStore(
        url,
        read_only=read_only,
        timeout=timeout,
        schema=schema,
        retries=DEFAULT_RETRIES if retries is None else retries,
    )


def _sqlite_path(path: str | os.PathLike[str]) -> str | os.PathLike[str]:
    """The file path of a ``sqlite:`` URL (``sqlite:///abs/path``, ``sqlite:rel/path``);
    any other path as it is. Another ``scheme://`` is refused."""
    if not isinstance(path, str):
        return path
    if path.startswith("sqlite:"):
        parts = urlsplit(path)
        if parts.netloc not in ("", "localhost") or parts.query or parts.fragment:
            raise InvalidInput(
                "must be sqlite:///ABSOLUTE/PATH or sqlite:RELATIVE/PATH", path="path", value=path
            )
        return unquote(parts.path)
    if _SCHEME.match(path):
        raise InvalidInput(
            "unknown journal URL: use a file path, sqlite:///PATH or postgresql://…",
            path="path",
            value=path,
        )
    return path


def _usable_path(path: str | os.PathLike[str]) -> Path:
    """``path`` made absolute, or a :class:`JournalError` naming it if no file can have it.

    SQLite takes a path up to its first NUL character: ``"a\\x00b.sqlite"`` would open (and
    create) a file named ``a``. A name that the file system cannot encode is refused too.
    """
    try:
        text = os.fspath(path)
    except TypeError:
        raise InvalidInput("must be the path of a file", path="path", value=path) from None
    if not isinstance(text, str):
        raise InvalidInput("must be a text path, not bytes", path="path", value=text)
    if "\x00" in text:
        raise JournalError(
            "the path contains a NUL character: no file can have it", path=repr(text)
        )
    try:
        os.fsencode(text)
    except UnicodeError:
        raise JournalError(
            "the path cannot be encoded for this file system", path=repr(text)
        ) from None
    try:
        return Path(text).absolute()
    except (OSError, ValueError) as e:
        raise JournalError(f"the path cannot be used ({e})", path=repr(text)) from None


def _check_txn(txn: Any) -> None:
    if not isinstance(txn, Transaction):
        raise InvalidInput("must be a salesctl transaction", path="txn", value=type(txn).__name__)
