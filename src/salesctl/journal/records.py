"""The journal's records and the hash chain that links them (every backend writes the same).

A record is plain JSON data; it is stored as its canonical JSON (:func:`canonical_json`) and
hashed with its sequence number, its kind and the previous record's hash (:func:`chain_hash`).
The values here (:class:`Entry`, :class:`ReleaseConsumption`, :class:`SeriesReport`,
:class:`Verification`) are what the :class:`~salesctl.journal.Journal` returns; they hold no
connection and know no backend.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable
from typing import Any, TypeAlias

from attrs import field, frozen

from salesctl._convert import structure
from salesctl._validators import person_key, typed
from salesctl.decision import Decision
from salesctl.errors import ChainBroken, InvalidInput, JournalCorrupt, SalesctlError
from salesctl.model import CreditExposure
from salesctl.money import Money
from salesctl.transactions import Transaction

__all__ = [
    "GENESIS_HASH",
    "KINDS",
    "DocumentUse",
    "Entry",
    "ExposureProvider",
    "ReleaseConsumption",
    "SeriesReport",
    "Verification",
    "canonical_json",
    "chain_hash",
    "consumption_of",
    "entry_of",
    "record_key",
    "series_report",
    "use_key",
    "use_of",
    "value_of",
]

#: The ``prev_hash`` of the first record.
GENESIS_HASH = "0" * 64

#: The kinds of record the log holds.
KINDS = ("decision", "transaction", "approval", "release", "consumption", "number", "use")

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


def record_key(kind: str, record: Any) -> str:
    """The lookup key a record of ``kind`` is indexed by.

    Document id for decisions, transactions and approvals; order id for releases; release id
    for consumptions; series for numbers; :func:`use_key` for uses.

    Raises:
        KeyError, TypeError, IndexError: for a malformed record.
    """
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
    elif kind == "use":
        _need_str(record["document_id"])
        seq = record["decision_seq"]
        if isinstance(seq, bool) or not isinstance(seq, int) or seq < 1:
            raise TypeError(seq)
        key = use_key(_need_str(record["thing"]), _need_str(record["id"]))
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


def use_key(thing: str, id_: str) -> str:
    """The key a use of one-time document ``id_`` of kind ``thing`` is indexed by:
    ``"pickup_order:th-2026-0007"`` (the id without regard to case, as O2C-DL-07 compares
    it, so that ``"th-2026-0007"`` is the used ``"TH-2026-0007"``)."""
    return f"{thing}:{person_key(id_)}"


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
        """The record as JSON data (a fresh copy).

        Raises:
            JournalCorrupt: if the stored body is not a JSON object (the record is damaged).
        """
        try:
            data = json.loads(self.body)
        except (ValueError, RecursionError):
            data = None
        if not isinstance(data, dict):
            raise JournalCorrupt(
                "the stored body is not a JSON object; run verify", path=f"record {self.seq}"
            )
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
class DocumentUse:
    """The evidence that a one-time document was used (a pickup order by a goods issue,
    O2C-DL-07): recorded with the decision that allowed the use, in the same transaction.

    Attributes:
        thing: what was used (``"pickup_order"``; see ``salesctl.control.CONSUMABLES``).
        id: its id, as the transaction cited it.
        document_id: the document that used it (the goods issue).
        decision_seq: the journal record of the decision that allowed the use.
        recorded_at: when the journal recorded the use (UTC).
        seq: the journal record holding the use.
        hash: that record's hash.
    """

    thing: str = field(validator=typed(str))
    id: str = field(validator=typed(str))
    document_id: str = field(validator=typed(str))
    decision_seq: int = field(validator=typed(int))
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


# -- from stored rows to values --------------------------------------------------------------


def entry_of(row: Any) -> Entry:
    """The :class:`Entry` of a stored row ``(seq, kind, body, prev_hash, hash)``.

    Raises:
        JournalCorrupt: if a column is not text (the record is damaged).
    """
    seq, kind, body, prev_hash, hash_ = row
    if (
        not isinstance(seq, int)
        or isinstance(seq, bool)
        or not all(isinstance(x, str) for x in (kind, body, prev_hash, hash_))
    ):
        raise JournalCorrupt("a stored record is damaged; run verify", path=f"record {seq}")
    return Entry(seq=int(seq), kind=kind, body=body, prev_hash=prev_hash, hash=hash_)


def value_of(entry: Entry, kind: str, cls: type[Any], where: str) -> Any:
    """The value (an Approval, a CreditRelease, …) an ``approval``/``release`` record holds.

    Raises:
        JournalCorrupt: if the record does not hold a valid ``cls`` (``where`` names the journal).
    """
    try:
        return structure(entry.record[kind], cls, kind)
    except (ValueError, KeyError, TypeError):
        raise JournalCorrupt(
            f"the {kind} in record {entry.seq} is malformed; run verify", path=where
        ) from None


def consumption_of(entry: Entry) -> ReleaseConsumption:
    """The :class:`ReleaseConsumption` a ``consumption`` record holds.

    Raises:
        JournalCorrupt: if the record does not hold one (it is damaged).
    """
    rec = entry.record
    try:
        return ReleaseConsumption(
            release_id=rec["release_id"],
            order_id=rec["order_id"],
            amount=Money.parse(rec["amount"]),
            recorded_at=dt.datetime.fromisoformat(rec["recorded_at"]),
            seq=entry.seq,
            hash=entry.hash,
        )
    except (KeyError, TypeError, ValueError, SalesctlError):
        raise JournalCorrupt(
            "the consumption record is malformed; run verify", path=f"record {entry.seq}"
        ) from None


def use_of(entry: Entry) -> DocumentUse:
    """The :class:`DocumentUse` a ``use`` record holds.

    Raises:
        JournalCorrupt: if the record does not hold one (it is damaged).
    """
    rec = entry.record
    try:
        return DocumentUse(
            thing=rec["thing"],
            id=rec["id"],
            document_id=rec["document_id"],
            decision_seq=rec["decision_seq"],
            recorded_at=dt.datetime.fromisoformat(rec["recorded_at"]),
            seq=entry.seq,
            hash=entry.hash,
        )
    except (KeyError, TypeError, ValueError, SalesctlError):
        raise JournalCorrupt(
            "the use record is malformed; run verify", path=f"record {entry.seq}"
        ) from None


def series_report(series: str, numbers: list[int]) -> SeriesReport:
    """The :class:`SeriesReport` of the numbers drawn in one series, in the order drawn."""
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
