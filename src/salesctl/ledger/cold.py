"""Approvals held in a compact form once they are old (issue 16, the bounded target).

The ledger keeps an approval on hand for its document for the approval retention (120 days),
because a later event naming the document reads it again; most are read only in the days
they are granted. An :class:`~salesctl.model.Approval` as decoded is an object, its id, its
time and the document's tuple of approvals: about 330 bytes an approval, some 60,000 of them
held at a time on a year of a million lines. :class:`ColdApprovals` writes the approvals of a
document as one text (:meth:`~ColdApprovals.freeze`) and builds them again, equal, of the same
type, with the same ``repr``, from it (:meth:`~ColdApprovals.thaw`). What repeats — the role,
the approver, the control and the time zone — is written as the index of a shared entry, and
the time of grant as its UTC instant (read back in the shared zone, with its fold).

Approvals of an unusual shape (an expiry or a largest amount, a time zone other than a fixed
offset, a time within a day of the calendar's ends, a subclass, a text holding the
separators) are not frozen: they stay as they are.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from salesctl.model import Actor, Approval

__all__ = ["COLD_WIDTH", "ColdApprovals", "cold_floor", "cold_granted", "instant_of"]

#: Between two approvals of a document, and between the fields of one.
_RECORD = "\x1e"
_FIELD = "\x1f"
#: The width of each of the two instants (UTC microseconds since year 1) that open a text.
_WIDTH = 18
_EPOCH = dt.datetime(1, 1, 1, tzinfo=dt.UTC)
_MICRO = dt.timedelta(microseconds=1)
#: The instants frozen: a day inside the first and the last year (read back in any fixed
#: offset, under a day, without leaving the calendar); others are not frozen.
_FIRST = 2 * 86_400_000_000
_LAST = (dt.datetime(9999, 12, 30, tzinfo=dt.UTC) - _EPOCH) // _MICRO

#: At most this many entries in a store's lookup by identity (:attr:`ColdApprovals._by_identity`).
_IDENTITIES = 1024

_new = object.__new__
_set = object.__setattr__


#: The offsets of the fixed-offset zones met, in microseconds, by zone (a ``timezone`` is
#: equal to another of the same offset, whatever its name); emptied when it holds
#: :data:`_OFFSETS_MAX`.
_OFFSETS: dict[dt.tzinfo, int] = {}
_OFFSETS_MAX = 64
#: Microseconds in a day, and the first day's (``date(1, 1, 1).toordinal()`` is 1).
_DAY = 86_400_000_000


def _offset(tz: dt.tzinfo) -> int:
    """The UTC offset of fixed-offset zone ``tz`` in microseconds (kept in :data:`_OFFSETS`)."""
    d = tz.utcoffset(None)
    assert d is not None
    us = (d.days * 86_400 + d.seconds) * 1_000_000 + d.microseconds
    if len(_OFFSETS) >= _OFFSETS_MAX:
        _OFFSETS.clear()
    _OFFSETS[tz] = us
    return us


def _instant(at: dt.datetime) -> int:
    """``at`` as whole UTC microseconds since year 1 (ordered as the aware times are).

    For a time in a fixed offset (a ``datetime.timezone``), from its wall time's fields and
    the offset: the same integer as ``(at - _EPOCH) // _MICRO`` (``tests/test_replay_memory.py``)
    without the aware subtraction (two ``utcoffset()`` calls, three ``timedelta`` objects and
    the division: about 7,000 instructions against 4,500).
    """
    tz = at.tzinfo
    if type(tz) is dt.timezone and type(at) is dt.datetime:
        off = _OFFSETS.get(tz)
        if off is None:
            off = _offset(tz)
        return (
            (at.toordinal() * 86_400 + at.hour * 3_600 + at.minute * 60 + at.second) * 1_000_000
            + at.microsecond
            - off
            - _DAY
        )
    return (at - _EPOCH) // _MICRO


def cold_granted(text: str) -> tuple[int, int]:
    """The earliest and the latest time of grant of a frozen text's approvals, as
    microseconds since year 1 UTC (compare with :func:`instant_of`)."""
    return int(text[:_WIDTH]), int(text[_WIDTH : 2 * _WIDTH])


#: The width of the earliest grant's digits that open a frozen text (:func:`cold_floor`).
COLD_WIDTH = _WIDTH


def cold_floor(cut: int) -> str:
    """``cut`` (an :func:`instant_of`) as text that a frozen text's first :data:`COLD_WIDTH`
    characters compare with as the earliest grant compares with ``cut``: frozen instants are
    positive and of at most ``COLD_WIDTH`` digits, written zero-padded (a negative ``cut``
    writes ``-`` first, below every digit)."""
    return f"{cut:0{_WIDTH}d}"


def instant_of(at: dt.datetime) -> int:
    """An aware time as :func:`cold_granted` gives the times of grant."""
    return _instant(at)


class ColdApprovals:
    """Freezes and thaws the approvals of documents (see the module docstring).

    The shared entries (role, approver, control, time zone, fold) are kept for the ledger's
    life; they are as many as the distinct approvers and their roles, which the ledger
    already keeps (:meth:`~salesctl.ledger.Ledger.intern`).
    """

    __slots__ = ("_by_identity", "_index", "_shared")

    def __init__(self) -> None:
        self._shared: list[tuple[str, Actor, str | None, dt.timezone, int]] = []
        self._index: dict[tuple[Any, ...], int] = {}
        #: The shared entry of a role, approver, control, zone and fold already looked up,
        #: by the approver's identity (hashing an ``Actor`` by value runs its generated
        #: ``__hash__`` over every field; the ledger interns its actors, so a few instances
        #: recur). Each value holds the actor, so that its ``id`` cannot be reused while the
        #: entry lives; emptied when it holds :data:`_IDENTITIES` entries.
        self._by_identity: dict[tuple[Any, ...], tuple[int, Actor]] = {}

    def freeze(self, approvals: tuple[Any, ...], instants: list[int] | None = None) -> str | None:
        """The text of ``approvals`` (one document's, in order), or ``None`` when one of them
        is not of the usual shape (it then stays as it is).

        ``instants``: the times of grant as :func:`instant_of` gives them, one per approval,
        when the caller has them (:meth:`freeze_warm`), else computed here."""
        if not approvals:
            return None
        parts: list[str] = []
        by_identity = self._by_identity
        low = high = -1
        for i, a in enumerate(approvals):
            if type(a) is not Approval or a.expires_at is not None or a.max_amount is not None:
                return None
            at = a.granted_at
            tz = at.tzinfo
            if type(at) is not dt.datetime or type(tz) is not dt.timezone:
                return None
            ident, role, control, actor = a.id, a.role, a.control_id, a.approver
            if type(ident) is not str or _RECORD in ident or _FIELD in ident:
                return None
            if type(actor) is not Actor or type(role) is not str:
                return None
            if control is not None and type(control) is not str:
                return None
            # A fixed offset's offset and name are all it is (its ``repr``).
            zone = tz.__getinitargs__()  # type: ignore[attr-defined]
            fold = at.fold
            same = (role, id(actor), control, zone, fold)
            got = by_identity.get(same)
            if got is not None:
                k = got[0]
            else:
                key = (role, actor, control, zone, fold)
                found = self._index.get(key)
                if found is None:
                    found = self._index[key] = len(self._shared)
                    self._shared.append((role, actor, control, tz, fold))
                k = found
                if len(by_identity) >= _IDENTITIES:
                    by_identity.clear()
                by_identity[same] = (k, actor)
            # The time as its UTC instant (read back in the shared zone, with its fold)
            t = instants[i] if instants is not None else _instant(at)
            if not _FIRST <= t <= _LAST:
                return None
            parts.append(f"{ident}{_FIELD}{k}{_FIELD}{t}")
            if low < 0:
                low = high = t
            elif t < low:
                low = t
            elif t > high:
                high = t
        return f"{low:0{_WIDTH}d}{high:0{_WIDTH}d}" + _RECORD.join(parts)

    def thaw(self, text: str, document_id: str) -> tuple[Approval, ...]:
        """The approvals of ``document_id`` frozen as ``text``, built again equal."""
        out: list[Approval] = []
        shared = self._shared
        for part in text[2 * _WIDTH :].split(_RECORD):
            ident, k, t = part.split(_FIELD)
            role, actor, control, tz, fold = shared[int(k)]
            a = _new(Approval)
            _set(a, "id", ident)
            _set(a, "document_id", document_id)
            _set(a, "role", role)
            _set(a, "approver", actor)
            at = (_EPOCH + _MICRO * int(t)).astimezone(tz)
            if fold:
                at = at.replace(fold=fold)
            _set(a, "granted_at", at)
            _set(a, "expires_at", None)
            _set(a, "max_amount", None)
            _set(a, "control_id", control)
            out.append(a)
        return tuple(out)

    def freeze_warm(self, held: dict[str, Any], warm: dict[str, None], before: dt.datetime) -> None:
        """Freeze in ``held`` (approvals by document) the approvals of each document of
        ``warm`` (those touched since the last sweep) all granted before ``before``, and
        forget it from ``warm`` (it stays as it is when :meth:`freeze` declines)."""
        freeze = self.freeze
        # a time of grant in a fixed offset compared as its instant (the same order as the
        # aware comparison, without its two utcoffset() calls), any other as it is
        cut = _instant(before) if before.tzinfo is not None else None
        for d in list(warm):
            on = held.get(d)
            if isinstance(on, tuple):
                ts: list[int] | None = []
                for a in on:
                    at = a.granted_at
                    if cut is not None and type(at.tzinfo) is dt.timezone:
                        t = _instant(at)
                        if t >= cut:
                            break
                        if ts is not None:
                            ts.append(t)
                    elif at >= before:
                        break
                    else:
                        ts = None  # not every instant at hand: freeze computes them
                else:
                    text = freeze(on, ts)
                    if text is not None:
                        held[d] = text
                    del warm[d]
            else:
                del warm[d]

    def sweep(self, held: dict[str, Any], cutoff: dt.datetime) -> None:
        """In ``held`` (approvals by document, tuples or frozen texts), keep those granted at
        or after ``cutoff``: a document is dropped when none is, its tuple shortened when some
        are; a frozen text whose earliest grant's digits are not below :func:`cold_floor` of
        the cutoff is kept whole without reading it, another through :meth:`keep_granted`."""
        cut = _instant(cutoff)
        whole = cold_floor(cut)
        keep_granted = self.keep_granted
        for doc, on_hand in list(held.items()):
            if isinstance(on_hand, str):
                if on_hand[:_WIDTH] < whole:
                    keep_granted(held, doc, on_hand, cutoff, cut)
                continue
            for a in on_hand:
                if a.granted_at < cutoff:
                    break
            else:
                continue  # every approval of the document is kept
            keep = tuple(a for a in on_hand if a.granted_at >= cutoff)
            if keep:
                if len(keep) < len(held[doc]):
                    held[doc] = keep
            else:
                del held[doc]

    def keep_granted(
        self, held: dict[str, Any], doc: str, text: str, cutoff: dt.datetime, cut: int
    ) -> None:
        """In ``held``, keep of the frozen approvals ``text`` of ``doc`` those granted at or
        after ``cutoff`` (``cut`` is :func:`instant_of` it): the earliest and latest grant are
        written first, so all are kept, or none (the document is dropped), or, some, they are
        built again, filtered and frozen again."""
        low, high = cold_granted(text)
        if low >= cut:
            return
        if high < cut:
            del held[doc]
            return
        keep = tuple(a for a in self.thaw(text, doc) if a.granted_at >= cutoff)
        held[doc] = self.freeze(keep) or keep

    @staticmethod
    def count(held: tuple[Any, ...] | str) -> int:
        """How many approvals a document has on hand (a tuple, or its frozen text)."""
        if isinstance(held, str):
            return held.count(_RECORD, 2 * _WIDTH) + 1
        return len(held)
