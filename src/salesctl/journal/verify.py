"""Checking a journal's chain: record by record, the index tables against it, and exports.

The checks here know no database. A backend reads its records in sequence order and feeds them
to a :class:`ChainChecker` (which also re-derives, from the chain alone, every rule the index
tables enforce: one use per release and per pickup order, numbers drawn without gap or
duplicate, one record per release or approval id), collects what its index tables hold and compares them with
:func:`check_indexes`; :func:`verify_export` checks a JSON Lines export with nothing else.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from salesctl.errors import InvalidInput, SalesctlError
from salesctl.journal.records import (
    GENESIS_HASH,
    KINDS,
    Verification,
    canonical_json,
    chain_hash,
    record_key,
    use_key,
)

__all__ = [
    "INDEXES",
    "Broken",
    "ChainChecker",
    "as_bytes",
    "check_anchor",
    "check_head",
    "check_indexes",
    "index_row",
    "verify_export",
]

#: The index tables every backend keeps beside the chain, each mapping a key to
#: ``(seq, extra)``: ``consumptions`` release id → (seq, order id); ``numbers``
#: (series, number) → (seq, document id); ``releases`` and ``approvals`` id → (seq, None);
#: ``uses`` (:func:`~salesctl.journal.records.use_key`) → (seq, the document that used it).
INDEXES = ("consumptions", "numbers", "releases", "approvals", "uses")


class Broken(Exception):
    """The first broken record (``seq``, or ``None`` when the damage is not in one record)."""

    def __init__(self, seq: int | None, reason: str) -> None:
        self.seq = seq
        self.reason = reason


class ChainChecker:
    """Feeds on records in order and stops at the first broken one.

    Besides the links and hashes, it holds every record to the rules the index tables enforce
    — so that a damaged or edited index (which lets a write slip past its unique key) is
    caught from the chain itself: a release or a pickup order used twice, a number drawn
    twice or skipped, a release or approval id recorded twice.
    """

    def __init__(self) -> None:
        self.expected = 1
        self.prev = GENESIS_HASH.encode()
        self.count = 0
        self._used: dict[str, int] = {}
        self._uses: dict[str, int] = {}
        self._ids: dict[tuple[str, str], int] = {}
        self._last: dict[str, tuple[int, int]] = {}

    def feed(
        self, seq: Any, kind: Any, body: Any, prev_hash: Any, hash_: Any, key: Any = None
    ) -> tuple[str, Any]:
        """Check one record; return ``(kind, parsed record)`` or raise :class:`Broken`."""
        want = self.expected
        if not isinstance(seq, int) or isinstance(seq, bool) or seq != want:
            if isinstance(seq, int) and seq > want:
                raise Broken(want, f"record {want} is missing (the next stored is {seq})")
            raise Broken(want, f"record {want} is missing or out of order (found {seq!r})")
        if as_bytes(prev_hash) != self.prev:
            raise Broken(seq, "its prev_hash does not match the hash of the record before it")
        kind_b, body_b, hash_b = as_bytes(kind), as_bytes(body), as_bytes(hash_)
        try:
            kind_s = kind_b.decode("ascii")
            prev_s = as_bytes(prev_hash).decode("ascii")
        except UnicodeDecodeError:
            raise Broken(seq, "its kind or prev_hash is not ASCII text") from None
        if chain_hash(seq, kind_s, prev_s, body_b).encode() != hash_b:
            raise Broken(seq, "its hash does not match its content: the record was altered")
        if kind_s not in KINDS:
            raise Broken(seq, f"unknown record kind {kind_s!r}")
        try:
            record = json.loads(body_b.decode("utf-8"), parse_float=_refuse_float)
            derived = record_key(kind_s, record)
        except (ValueError, KeyError, TypeError, IndexError, RecursionError):
            raise Broken(seq, f"its body is not a well-formed {kind_s} record") from None
        if key is not None and as_bytes(key) != derived.encode("utf-8"):
            raise Broken(seq, "its index key does not match its content")
        self._hold_rules(seq, kind_s, record)
        self.prev = hash_b
        self.expected += 1
        self.count += 1
        return kind_s, record

    def _hold_rules(self, seq: int, kind: str, record: Any) -> None:
        """Raise :class:`Broken` if this good record breaks a rule of the indexes."""
        if kind == "consumption":
            rid = record["release_id"]
            first = self._used.get(rid)
            if first is not None:
                raise Broken(
                    seq,
                    f"release {rid!r} is consumed a second time (first use in record {first})",
                )
            self._used[rid] = seq
        elif kind == "use":
            key = use_key(record["thing"], record["id"])
            first = self._uses.get(key)
            if first is not None:
                thing = str(record["thing"]).replace("_", " ")
                raise Broken(
                    seq,
                    f"{thing} {record['id']!r} is used a second time "
                    f"(first use in record {first})",
                )
            self._uses[key] = seq
        elif kind in ("release", "approval"):
            id_ = record[kind]["id"]
            first = self._ids.get((kind, id_))
            if first is not None:
                raise Broken(
                    seq, f"{kind} {id_!r} is recorded a second time (first in record {first})"
                )
            self._ids[kind, id_] = seq
        elif kind == "number":
            series, number = record["series"], record["number"]
            last, at = self._last.get(series, (0, 0))
            if number <= last:
                raise Broken(
                    seq,
                    f"number {number} of series {series!r} is drawn a second time "
                    f"(the last draw, in record {at}, was {last})",
                )
            if number != last + 1:
                raise Broken(
                    seq,
                    f"numbers {last + 1}..{number - 1} of series {series!r} were never drawn "
                    f"(gap before {number})",
                )
            self._last[series] = (number, seq)

    def result(self, broken: Broken | None = None) -> Verification:
        """The verification so far: good up to the last record fed, else broken at ``broken``."""
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


def as_bytes(value: Any) -> bytes:
    """A stored column as bytes (text as UTF-8, anything else by its repr), for comparing."""
    if isinstance(value, bytes):
        return value
    if isinstance(value, str):
        return value.encode("utf-8", "surrogatepass")
    return repr(value).encode()


def _refuse_float(text: str) -> Any:
    raise ValueError(f"float {text} in a journal record")


def index_row(kind: str, record: Any) -> tuple[str, Any, Any] | None:
    """``(index, key, extra)`` a good record of ``kind`` must have in the index tables."""
    if kind == "consumption":
        return "consumptions", record["release_id"], record.get("order_id")
    if kind == "number":
        return "numbers", (record["series"], record["number"]), record.get("document_id")
    if kind == "release":
        return "releases", record["release"]["id"], None
    if kind == "approval":
        return "approvals", record["approval"]["id"], None
    if kind == "use":
        return "uses", use_key(record["thing"], record["id"]), record.get("document_id")
    return None


def check_head(head: list[Any], checker: ChainChecker) -> None:
    """Check the stored chain head (its rows ``(seq, hash)``) against the last record fed.

    Raises:
        Broken: unless there is one head row naming the last record and its hash.
    """
    last_seq = checker.expected - 1
    if len(head) != 1 or head[0][0] != last_seq or as_bytes(head[0][1]) != checker.prev:
        found = head[0][0] if len(head) == 1 else None
        at = last_seq + 1 if isinstance(found, int) and found > last_seq else max(last_seq, 1)
        raise Broken(
            at, f"the chain head (record {found}) does not match the last record {last_seq}"
        )


def check_indexes(
    want: dict[str, dict[Any, tuple[int, Any]]],
    have: dict[str, list[tuple[Any, tuple[Any, Any]]]],
    last_seq: int,
) -> None:
    """Compare the index tables with what the chain says they hold.

    Args:
        want: per index (:data:`INDEXES`), key → ``(seq, extra)`` from the chain.
        have: per index, the stored rows as ``(key, (seq, extra))``, read from the table
            itself (not through an index); a key stored twice is an error.
        last_seq: the last good record.

    Raises:
        Broken: at the first record whose index row is wrong, missing, extra or repeated.
    """
    bad: list[tuple[int, str]] = []
    for table, wanted in want.items():
        stored: dict[Any, tuple[Any, Any]] = {}
        for key, row in have[table]:
            if key in stored:
                s = row[0] if isinstance(row[0], int) and 0 < row[0] <= last_seq else last_seq
                bad.append((max(s, 1), f"the {table} index holds {key!r} twice"))
            stored[key] = row
        for key, (seq, extra) in wanted.items():
            got = stored.get(key)
            if got != (seq, extra):
                bad.append((seq, f"the {table} index does not match it ({key!r}: {got!r})"))
        for key, (seq, _extra) in stored.items():
            if key not in wanted:
                s = seq if isinstance(seq, int) and 0 < seq <= last_seq else last_seq
                bad.append((s, f"the {table} index holds {key!r}, which the chain does not"))
    if bad:
        seq, reason = min(bad, key=lambda b: (b[0], b[1]))
        raise Broken(seq, reason)


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
    check_anchor(anchor)
    checker = ChainChecker()
    anchored = anchor is None or anchor[0] == 0
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
            except (ValueError, KeyError, TypeError, RecursionError, SalesctlError):
                raise Broken(checker.expected, f"line {n} is not an export record") from None
            checker.feed(seq, kind, body, prev_hash, hash_)
            if anchor is not None and seq == anchor[0]:
                if hash_ != anchor[1]:
                    raise Broken(seq, "its hash does not match the anchor: history was rewritten")
                anchored = True
        if not anchored:
            assert anchor is not None
            raise Broken(anchor[0], "the anchored record is missing")
    except Broken as b:
        return checker.result(b)
    return checker.result()


def check_anchor(anchor: Any) -> None:
    """Check that ``anchor`` is ``None`` or ``(seq, hash)`` as :meth:`Journal.anchor` returns.

    ``(0, GENESIS_HASH)`` is the anchor of an empty journal (it holds for any chain).

    Raises:
        InvalidInput: if it is not.
    """
    if anchor is None:
        return
    ok = (
        isinstance(anchor, tuple)
        and len(anchor) == 2
        and isinstance(anchor[0], int)
        and not isinstance(anchor[0], bool)
        and isinstance(anchor[1], str)
        and len(anchor[1]) == 64
        and all(c in "0123456789abcdef" for c in anchor[1])
        and (anchor[0] > 0 or (anchor[0] == 0 and anchor[1] == GENESIS_HASH))
    )
    if not ok:
        raise InvalidInput(
            "must be (seq, hash) as returned by Journal.head() or Journal.anchor()",
            path="anchor",
            value=anchor,
        )
