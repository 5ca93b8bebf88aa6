"""The one error tree of salesctl.

Bad input at any public boundary raises a subclass of :class:`SalesctlError`. Every error names
the *field path* of the offending value (``order.lines[2].quantity``) and, for files, the *line*.
Each error also subclasses the builtin a caller would catch anyway (``ValueError``), so a host
that already catches ``ValueError`` keeps working.

Controls themselves never raise for a business reason: a rule outcome is a
:class:`~salesctl.decision.Finding`. If a control cannot be evaluated (for example a currency
without an exchange rate), the gate turns the error into a BLOCK finding: salesctl fails closed.

>>> from salesctl.errors import InvalidInput
>>> err = InvalidInput("must not be negative", path="order.lines[0].quantity", value=-1)
>>> str(err)
'order.lines[0].quantity: must not be negative (got -1)'
>>> isinstance(err, ValueError)
True
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Protocol

__all__ = [
    "ChainBroken",
    "CurrencyMismatch",
    "InvalidInput",
    "JournalBusy",
    "JournalCorrupt",
    "JournalError",
    "JournalForeign",
    "JournalOutcomeUnknown",
    "JournalReadOnly",
    "JournalTooNew",
    "JournalUnavailable",
    "PickupOrderConsumed",
    "PolicyError",
    "ReleaseConsumed",
    "SalesctlError",
    "UnknownTransaction",
]

_NO_VALUE: Any = object()

#: The longest ``repr`` of an offending value an error message quotes (the rest is cut).
_MAX_VALUE_REPR = 200


def _safe_text(text: str) -> str:
    """``text`` with what UTF-8 cannot encode (a lone surrogate) written as ``\\udXXX``: a
    message must print anywhere, whatever the input held."""
    if text.isascii():
        return text
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-8", "backslashreplace").decode("utf-8")
    return text


def _safe_repr(value: Any) -> str:
    """``repr(value)`` that never raises (an int of more than 4,300 digits has no ``repr`` in
    Python 3.11) and never runs long: cut to :data:`_MAX_VALUE_REPR` characters."""
    if type(value) is int and value.bit_length() > 3 * _MAX_VALUE_REPR:
        return f"<an integer of about {int(value.bit_length() * 0.30103) + 1} digits>"
    try:
        text = repr(value)
    except Exception:  # a repr that fails must not hide the error being reported
        text = f"<{type(value).__name__}>"
    if len(text) > _MAX_VALUE_REPR:
        text = text[: _MAX_VALUE_REPR - 3] + "..."
    return _safe_text(text)


class SalesctlError(Exception):
    """Root of every error salesctl raises on purpose.

    Attributes:
        reason: what is wrong, in English.
        path: dotted field path of the offending value, e.g. ``order.lines[2].quantity``
            (empty when the whole input is at fault).
        line: 1-based line in the input file, when the input came from a file.
        value: the offending value, when there is one.
    """

    def __init__(
        self,
        reason: str,
        *,
        path: str = "",
        line: int | None = None,
        value: Any = _NO_VALUE,
    ) -> None:
        self.reason = _safe_text(reason)
        self.path = _safe_text(path)
        self.line = line
        self.value = value
        super().__init__(self._render())

    def _render(self) -> str:
        where = ""
        if self.line is not None:
            where = f"line {self.line}: "
        if self.path:
            where += f"{self.path}: "
        got = "" if self.value is _NO_VALUE else f" (got {_safe_repr(self.value)})"
        return f"{where}{self.reason}{got}"

    def at(self, prefix: str | None = None, *, line: int | None = None) -> SalesctlError:
        """Return the same error with ``prefix`` put in front of its path (and a line set).

        Parsers use this to turn ``quantity`` into ``order.lines[2].quantity`` as the error
        travels up through nested documents.

        Args:
            prefix: the path of the enclosing value; joined with a dot, or directly when the
                inner path starts with ``[``.
            line: the line of the input file, if known.

        Returns:
            A new error of the same class.
        """
        path = self.path
        if prefix:
            if not path:
                path = prefix
            elif path.startswith("["):
                path = prefix + path
            else:
                path = f"{prefix}.{path}"
        new = type(self).__new__(type(self))
        SalesctlError.__init__(
            new,
            self.reason,
            path=path,
            line=self.line if line is None else line,
            value=self.value,
        )
        return new

    def to_dict(self) -> dict[str, Any]:
        """The error as plain JSON data (for ``--json`` output and reports)."""
        out: dict[str, Any] = {
            "error": type(self).__name__,
            "reason": self.reason,
            "path": self.path,
        }
        if self.line is not None:
            out["line"] = self.line
        if self.value is not _NO_VALUE:
            out["value"] = _safe_repr(self.value)
        return out


class InvalidInput(SalesctlError, ValueError):
    """A document, transaction, context or event line is malformed (wrong type, missing
    field, impossible value)."""


class CurrencyMismatch(InvalidInput):
    """Two amounts in different currencies were combined, and no exchange rate was given."""


class UnknownTransaction(InvalidInput):
    """A transaction type no control family knows (a typo in ``"type"``, or a class that was
    never registered)."""


class PolicyError(SalesctlError, ValueError):
    """A policy (file or object) is invalid: unknown key, wrong type, impossible value, or an
    inconsistency such as a delegated range wider than its parent's."""


class JournalError(SalesctlError, RuntimeError):
    """The journal store is unusable: corrupt, foreign, from a newer schema, or read-only."""


class JournalCorrupt(JournalError):
    """The journal file is not a SQLite database, or SQLite reports it damaged."""


class JournalForeign(JournalError):
    """The file is a SQLite database, but not a salesctl journal."""


class JournalTooNew(JournalError):
    """The journal was written by a newer salesctl (its schema version is higher than this
    version reads); upgrade salesctl rather than let an old version write to it."""


class JournalReadOnly(JournalError):
    """The journal cannot be written: read-only file, directory or filesystem, or a journal
    opened with ``read_only=True``."""


class JournalBusy(JournalError):
    """Another connection held the journal's write lock longer than the timeout."""


class JournalUnavailable(JournalError):
    """The journal's database server cannot be reached (down, restarting past the timeout,
    refusing connections, or the network is gone): nothing was written. Safe to try again
    later."""


class JournalOutcomeUnknown(JournalError):
    """The connection was lost while ``COMMIT`` was under way: the write may or may not be in
    the journal. Do not simply write again — look first (a second ``consume_release`` or
    ``record`` of the same use then raises :class:`ReleaseConsumed` or
    :class:`PickupOrderConsumed` naming the first use, if it did commit)."""


class ChainBroken(JournalError):
    """The hash chain of a journal (or of its export) is broken: a record was altered,
    removed or inserted.

    Attributes:
        seq: the sequence number of the first broken record (``None`` when the damage is not
            in one record, e.g. SQLite's own integrity check failed).
    """

    def __init__(self, reason: str, *, seq: int | None, path: str = "") -> None:
        self.seq = seq
        super().__init__(reason, path=path or (f"record {seq}" if seq is not None else ""))


class _Consumption(Protocol):
    """What :class:`ReleaseConsumed` keeps of the first use of a release: a
    :class:`salesctl.journal.ReleaseConsumption` (described here by its fields, so that this
    module, below every other, imports none of them)."""

    @property
    def release_id(self) -> str: ...
    @property
    def order_id(self) -> str: ...
    @property
    def amount(self) -> object: ...  # a salesctl.money.Money
    @property
    def recorded_at(self) -> dt.datetime: ...
    @property
    def seq(self) -> int: ...
    @property
    def hash(self) -> str: ...


class ReleaseConsumed(JournalError):
    """A one-time credit release was already consumed (S-IC 5.1); the second use is refused.

    Attributes:
        first: the evidence of the first (and only) use: order, amount, time, journal record.
    """

    def __init__(self, first: _Consumption) -> None:
        self.first = first
        super().__init__(
            f"already consumed by order {first.order_id} for {first.amount} at "
            f"{first.recorded_at.isoformat()} (journal record {first.seq})",
            path=f"release {first.release_id}",
        )


class _Use(Protocol):
    """What :class:`PickupOrderConsumed` keeps of the first use of a one-time document: a
    :class:`salesctl.journal.DocumentUse` (described here by its fields)."""

    @property
    def thing(self) -> str: ...
    @property
    def id(self) -> str: ...
    @property
    def document_id(self) -> str: ...
    @property
    def recorded_at(self) -> dt.datetime: ...
    @property
    def seq(self) -> int: ...


class PickupOrderConsumed(JournalError):
    """A pickup order (提货单) was already used by a goods issue (O2C-DL-07, S-IC 5.1); the
    second use is refused, and the decision that would have used it is not recorded.

    Attributes:
        first: the evidence of the first (and only) use: the goods issue, the time, the
            journal record (a :class:`salesctl.journal.DocumentUse`).
    """

    def __init__(self, first: _Use) -> None:
        self.first = first
        super().__init__(
            f"already used by goods issue {first.document_id} at "
            f"{first.recorded_at.isoformat()} (journal record {first.seq})",
            path=f"pickup order {first.id}",
        )
