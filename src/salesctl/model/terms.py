"""Payment terms (账期): the day an invoice falls due.

Chinese B2B sales use three kinds of terms, each a :class:`CreditTerms` value:

* :func:`net` ``(n)``: *n* days after the invoice date (净 N 天; the old day count);
* :func:`end_of_month_plus` ``(n)``: *n* days after the last day of the invoice's month
  (月结 N 天); ``end_of_month_plus(0)`` is the last day of the invoice's month;
* :func:`day_of_next_month` ``(d)``: day *d* of the month after the invoice's (次月 d 日前 — the
  seed's consignment settlement is paid "by the 5th of next month", ``day_of_next_month(5)``).
  **Clamping**: a day the next month does not have is its last day: ``day_of_next_month(31)``
  from a January invoice falls on 28 February (29 in a leap year), ``day_of_next_month(30)``
  from January too; from a March invoice it falls on 30 April.

Due dates are computed with :class:`dateutil.relativedelta.relativedelta` (one offset per
value, built on its first use; net days are the plain :class:`datetime.timedelta` that
``relativedelta(days=n)`` amounts to). A due date is never before the invoice date. "By" a day means *on or
before* it: an item is overdue from the day after its due date.

In JSON and TOML (policy, context, events) a terms value is any of:

* an integer ``N``: ``net(N)`` (the old day-count form);
* an object: ``{"kind": "net", "days": 30}``, ``{"kind": "end_of_month_plus", "days": 30}``,
  ``{"kind": "day_of_next_month", "day": 5}``;
* a compact string (spaces and case ignored): ``"net 30"``, ``"eom+30"`` (``"eom"`` is
  ``eom+0``), ``"day 5 next month"``, or Chinese ``"30天"``, ``"月结30天"`` (``"月结"`` is
  月结 0 天), ``"次月5日"`` (``"次月5日前"``).

:meth:`CreditTerms.to_data` (and ``str()``) write the compact English form, ``.zh`` the Chinese.

>>> import datetime as dt
>>> end_of_month_plus(30).due_date(dt.date(2026, 1, 15))
datetime.date(2026, 3, 2)
>>> day_of_next_month(5).due_date(dt.date(2026, 1, 31))
datetime.date(2026, 2, 5)
>>> CreditTerms.from_data("月结30天") == end_of_month_plus(30)
True
"""

from __future__ import annotations

import datetime as dt
import enum
import re
from collections.abc import Mapping
from typing import Any

from attrs import field, frozen
from dateutil.relativedelta import relativedelta

from salesctl._validators import typed
from salesctl.errors import InvalidInput

__all__ = [
    "MAX_TERM_DAYS",
    "CreditTerms",
    "TermsKind",
    "day_of_next_month",
    "earliest_due",
    "end_of_month_plus",
    "net",
]

#: The longest day count a terms value may state (ten years).
MAX_TERM_DAYS = 3660


class TermsKind(enum.Enum):
    """The kind of a :class:`CreditTerms` value."""

    #: N days after the invoice date (净 N 天).
    NET = "net"
    #: N days after the last day of the invoice's month (月结 N 天).
    END_OF_MONTH_PLUS = "end_of_month_plus"
    #: Day D of the month after the invoice's (次月 D 日), clamped to that month's last day.
    DAY_OF_NEXT_MONTH = "day_of_next_month"


def _count(inst: Any, a: Any, value: Any) -> None:
    typed(int)(inst, a, value)
    if inst.kind is TermsKind.DAY_OF_NEXT_MONTH:
        if not 1 <= value <= 31:
            raise InvalidInput(
                "must be a day of the month between 1 and 31", path="CreditTerms.day", value=value
            )
    elif not 0 <= value <= MAX_TERM_DAYS:
        raise InvalidInput(
            f"must be between 0 and {MAX_TERM_DAYS} days", path="CreditTerms.days", value=value
        )


def _offset(kind: TermsKind, n: int) -> relativedelta | dt.timedelta:
    if kind is TermsKind.NET:
        # relativedelta(days=n) is exactly this timedelta; the plain one adds 40 times faster.
        return dt.timedelta(days=n)
    if kind is TermsKind.END_OF_MONTH_PLUS:
        # day=31 is "the month's last day" (relativedelta clamps it), then n days on.
        return relativedelta(day=31, days=n)
    return relativedelta(months=1, day=n)


@frozen
class CreditTerms:
    """Payment terms: how an invoice's due date follows from its date.

    Build one with :func:`net`, :func:`end_of_month_plus` or :func:`day_of_next_month`, or
    from data with :meth:`from_data`.

    Attributes:
        kind: the kind of terms.
        n: the days (``NET``, ``END_OF_MONTH_PLUS``: 0 to :data:`MAX_TERM_DAYS`) or the day of
            the month (``DAY_OF_NEXT_MONTH``: 1 to 31, clamped to the month's last day).
    """

    kind: TermsKind = field(validator=typed(TermsKind))
    n: int = field(validator=_count)
    _delta: relativedelta | dt.timedelta | None = field(
        init=False, default=None, eq=False, repr=False, hash=False
    )

    def due_date(self, invoiced_on: dt.date) -> dt.date:
        """The day an invoice dated ``invoiced_on`` falls due (never before ``invoiced_on``).

        A due date past the calendar's last day (year 9999) is ``datetime.date.max``: never
        overdue.
        """
        delta = self._delta
        if delta is None:  # built on first use, kept with the value (not shared)
            delta = _offset(self.kind, self.n)
            object.__setattr__(self, "_delta", delta)
        try:
            due: dt.date = invoiced_on + delta
        except (OverflowError, ValueError):
            return dt.date.max
        return due

    def describe(self, lang: str) -> str:
        """The terms as they read in a ``"zh"`` or ``"en"`` sentence.

        >>> end_of_month_plus(30).describe("zh"), day_of_next_month(5).describe("en")
        ('月结 30 天', 'by day 5 of the next month')
        """
        zh = lang == "zh"
        if self.kind is TermsKind.NET:
            return f"{self.n} 天" if zh else f"net {self.n} days"
        if self.kind is TermsKind.END_OF_MONTH_PLUS:
            return f"月结 {self.n} 天" if zh else f"end of month + {self.n} days"
        return f"次月 {self.n} 日前" if zh else f"by day {self.n} of the next month"

    def __str__(self) -> str:
        if self.kind is TermsKind.NET:
            return f"net {self.n}"
        if self.kind is TermsKind.END_OF_MONTH_PLUS:
            return f"eom+{self.n}"
        return f"day {self.n} next month"

    @property
    def zh(self) -> str:
        """The terms in Chinese: ``30天``, ``月结30天``, ``次月5日``."""
        if self.kind is TermsKind.NET:
            return f"{self.n}天"
        if self.kind is TermsKind.END_OF_MONTH_PLUS:
            return f"月结{self.n}天"
        return f"次月{self.n}日"

    def to_data(self) -> str:
        """The compact form written to JSON and TOML: ``"net 30"``, ``"eom+30"``,
        ``"day 5 next month"`` (``str()``; :meth:`from_data` reads it back)."""
        return str(self)

    @classmethod
    def from_data(cls, data: Any, path: str = "") -> CreditTerms:
        """Read terms from JSON/TOML data: an integer (net days), an object or a compact
        string (see the module documentation).

        Args:
            data: the value read.
            path: its field path in the input, for errors.

        Raises:
            InvalidInput: naming ``path`` (or the object's key at fault).
        """
        if isinstance(data, CreditTerms):
            return data
        if isinstance(data, bool) or data is None or isinstance(data, float):
            raise InvalidInput(
                'must be payment terms: a day count, an object or a string such as "eom+30"',
                path=path,
                value=data,
            )
        if isinstance(data, int):
            return _make(TermsKind.NET, data, _join(path, ""))
        if isinstance(data, str):
            return _parse_text(data, path)
        if isinstance(data, Mapping):
            return _parse_object(data, path)
        raise InvalidInput(
            f"must be payment terms (an integer, an object or a string), not {type(data).__name__}",
            path=path,
        )

    @classmethod
    def json_schema(cls) -> dict[str, Any]:
        """The JSON Schema of the data forms :meth:`from_data` reads."""
        days = {"type": "integer", "minimum": 0, "maximum": MAX_TERM_DAYS}
        return {
            "description": "Payment terms: net days (integer), an object, or a compact string "
            '("net 30", "eom+30", "day 5 next month", "月结30天", "次月5日").',
            "anyOf": [
                days,
                {"type": "string"},
                {
                    "type": "object",
                    "properties": {
                        "kind": {"enum": ["net", "end_of_month_plus"]},
                        "days": days,
                    },
                    "required": ["kind", "days"],
                    "additionalProperties": False,
                },
                {
                    "type": "object",
                    "properties": {
                        "kind": {"const": "day_of_next_month"},
                        "day": {"type": "integer", "minimum": 1, "maximum": 31},
                    },
                    "required": ["kind", "day"],
                    "additionalProperties": False,
                },
            ],
        }


def _join(path: str, key: str) -> str:
    if not key:
        return path
    return f"{path}.{key}" if path else key


def _make(kind: TermsKind, n: int, path: str) -> CreditTerms:
    try:
        return CreditTerms(kind, n)
    except InvalidInput as e:
        raise InvalidInput(e.reason, path=path, value=e.value) from None


_TEXT = (
    (re.compile(r"net\+?([0-9]{1,6})"), TermsKind.NET),
    (re.compile(r"净?([0-9]{1,6})天"), TermsKind.NET),
    (re.compile(r"eom(?:\+([0-9]{1,6}))?"), TermsKind.END_OF_MONTH_PLUS),
    (re.compile(r"月结(?:([0-9]{1,6})天)?"), TermsKind.END_OF_MONTH_PLUS),
    (re.compile(r"day([0-9]{1,6})(?:of)?nextmonth"), TermsKind.DAY_OF_NEXT_MONTH),
    (re.compile(r"次月([0-9]{1,6})[日号]前?"), TermsKind.DAY_OF_NEXT_MONTH),
)


def _parse_text(text: str, path: str) -> CreditTerms:
    compact = "".join(text.split()).lower()
    for pattern, kind in _TEXT:
        m = pattern.fullmatch(compact)
        if m is not None:
            return _make(kind, int(m.group(1) or 0), path)
    raise InvalidInput(
        'is not payment terms: write e.g. "net 30", "eom+30", "day 5 next month", '
        '"月结30天" or "次月5日"',
        path=path,
        value=text,
    )


_KINDS = {k.value: k for k in TermsKind}


def _parse_object(data: Mapping[str, Any], path: str) -> CreditTerms:
    kind_data = data.get("kind")
    if "kind" not in data:
        raise InvalidInput("is required", path=_join(path, "kind"))
    if not isinstance(kind_data, str) or kind_data not in _KINDS:
        allowed = ", ".join(repr(k) for k in _KINDS)
        raise InvalidInput(f"must be one of {allowed}", path=_join(path, "kind"), value=kind_data)
    kind = _KINDS[kind_data]
    key = "day" if kind is TermsKind.DAY_OF_NEXT_MONTH else "days"
    for k in data:
        if k not in ("kind", key):
            raise InvalidInput(
                f"unknown field (known for {kind.value}: kind, {key})", path=_join(path, str(k))
            )
    if key not in data:
        raise InvalidInput("is required", path=_join(path, key))
    n = data[key]
    if isinstance(n, bool) or not isinstance(n, int):
        raise InvalidInput("must be an integer", path=_join(path, key), value=n)
    return _make(kind, n, _join(path, key))


def earliest_due(invoiced_on: dt.date, *terms: CreditTerms | int | None) -> dt.date:
    """The due date of an invoice dated ``invoiced_on`` under the earliest-falling of
    ``terms`` (an ``int`` is a day count, ``net(n)``, read without building a value; ``None``
    entries are skipped; none at all: the invoice date itself, net 0).

    This is the precedence rule of salesctl: a document's terms (order, contract, invoice)
    and the customer's approved credit-profile terms both bind, and **the earlier due date
    wins** — a document can shorten the approved credit period, never lengthen it.

    >>> import datetime as dt
    >>> earliest_due(dt.date(2026, 1, 15), end_of_month_plus(30), net(30))
    datetime.date(2026, 2, 14)
    >>> earliest_due(dt.date(2026, 1, 15), 45, end_of_month_plus(0))
    datetime.date(2026, 1, 31)
    """
    due: dt.date | None = None
    for t in terms:
        if t is None:
            continue
        if type(t) is int:
            try:
                d = invoiced_on + dt.timedelta(days=t)
            except OverflowError:
                d = dt.date.max
        else:
            d = t.due_date(invoiced_on)  # type: ignore[union-attr]
        if due is None or d < due:
            due = d
    return invoiced_on if due is None else due


def net(days: int) -> CreditTerms:
    """Due ``days`` days after the invoice date (净 N 天)."""
    return CreditTerms(TermsKind.NET, days)


def end_of_month_plus(days: int) -> CreditTerms:
    """Due ``days`` days after the last day of the invoice's month (月结 N 天)."""
    return CreditTerms(TermsKind.END_OF_MONTH_PLUS, days)


def day_of_next_month(day: int) -> CreditTerms:
    """Due on day ``day`` of the month after the invoice's (次月 D 日), or that month's last
    day when it is shorter."""
    return CreditTerms(TermsKind.DAY_OF_NEXT_MONTH, day)
