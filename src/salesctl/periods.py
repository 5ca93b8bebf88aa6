"""The periods detective controls examine: their kinds (:class:`Frequency`) and spans
(:class:`Period`). :mod:`salesctl.records` re-exports both.
"""

from __future__ import annotations

import calendar
import datetime as dt
import enum
from collections.abc import Iterator

from attrs import field, frozen

from salesctl._validators import a_date, typed
from salesctl.errors import InvalidInput

__all__ = ["Frequency", "Period"]


class Frequency(enum.Enum):
    """How often a control operates."""

    PER_TRANSACTION = "per_transaction"
    DAILY = "daily"
    WEEKLY = "weekly"
    MONTHLY = "monthly"
    QUARTERLY = "quarterly"
    YEARLY = "yearly"
    #: Checked when the policy loads.
    ON_POLICY_LOAD = "on_policy_load"


_ONE_DAY = dt.timedelta(days=1)


# -- periods ---------------------------------------------------------------------------------


def _last_day(year: int, month: int) -> dt.date:
    return dt.date(year, month, calendar.monthrange(year, month)[1])


@frozen
class Period:
    """A closed range of days a detective check covers: a day, week, month, quarter or year.

    Build one with :meth:`day`, :meth:`week`, :meth:`month`, :meth:`quarter`, :meth:`year` or
    :meth:`containing`; the constructor checks that ``start``/``end`` fit ``kind``.

    Attributes:
        start: the first day.
        end: the last day (inclusive).
        kind: ``DAILY``, ``WEEKLY`` (Monday to Sunday), ``MONTHLY``, ``QUARTERLY`` or ``YEARLY``.

    >>> Period.month(2026, 2).end
    datetime.date(2026, 2, 28)
    >>> Period.containing(dt.date(2026, 5, 7), Frequency.QUARTERLY).label
    '2026-Q2'
    """

    start: dt.date = field(validator=a_date)
    end: dt.date = field(validator=a_date)
    kind: Frequency = field(validator=typed(Frequency))

    def __attrs_post_init__(self) -> None:
        if self.kind not in _PERIOD_KINDS:
            raise InvalidInput(
                "must be daily, weekly, monthly, quarterly or yearly",
                path="Period.kind",
                value=self.kind.value,
            )
        expected = Period._span(self.start, self.kind)
        if (self.start, self.end) != expected:
            raise InvalidInput(
                f"a {self.kind.value} period starting {self.start.isoformat()} must be "
                f"{expected[0].isoformat()}..{expected[1].isoformat()}",
                path="Period.end",
                value=self.end.isoformat(),
            )

    @staticmethod
    def _span(day: dt.date, kind: Frequency) -> tuple[dt.date, dt.date]:
        if kind is Frequency.DAILY:
            return day, day
        if kind is Frequency.WEEKLY:
            start = day - dt.timedelta(days=day.weekday())
            return start, start + dt.timedelta(days=6)
        if kind is Frequency.MONTHLY:
            return day.replace(day=1), _last_day(day.year, day.month)
        if kind is Frequency.QUARTERLY:
            first = 3 * ((day.month - 1) // 3) + 1
            return dt.date(day.year, first, 1), _last_day(day.year, first + 2)
        return dt.date(day.year, 1, 1), dt.date(day.year, 12, 31)

    @classmethod
    def containing(cls, day: dt.date, kind: Frequency) -> Period:
        """The period of ``kind`` that contains ``day``.

        Raises:
            InvalidInput: for a kind that is not a period (per transaction, on policy load).
        """
        if kind not in _PERIOD_KINDS:
            raise InvalidInput(
                "must be daily, weekly, monthly, quarterly or yearly", path="kind", value=kind
            )
        start, end = cls._span(day, kind)
        return cls(start, end, kind)

    @classmethod
    def day(cls, day: dt.date) -> Period:
        """The single day ``day``."""
        return cls(day, day, Frequency.DAILY)

    @classmethod
    def week(cls, day: dt.date) -> Period:
        """The Monday-to-Sunday week containing ``day``."""
        return cls.containing(day, Frequency.WEEKLY)

    @classmethod
    def month(cls, year: int, month: int) -> Period:
        """Calendar month ``month`` (1–12) of ``year``."""
        return cls(dt.date(year, month, 1), _last_day(year, month), Frequency.MONTHLY)

    @classmethod
    def quarter(cls, year: int, quarter: int) -> Period:
        """Calendar quarter ``quarter`` (1–4) of ``year``.

        Raises:
            InvalidInput: for a quarter outside 1–4.
        """
        if quarter not in (1, 2, 3, 4):
            raise InvalidInput("must be 1, 2, 3 or 4", path="quarter", value=quarter)
        return cls.containing(dt.date(year, 3 * quarter - 2, 1), Frequency.QUARTERLY)

    @classmethod
    def year(cls, year: int) -> Period:
        """Calendar year ``year``."""
        return cls(dt.date(year, 1, 1), dt.date(year, 12, 31), Frequency.YEARLY)

    def __contains__(self, day: object) -> bool:
        return isinstance(day, dt.date) and self.start <= day <= self.end

    @property
    def label(self) -> str:
        """``2026-03-02``, ``2026-W10``, ``2026-03``, ``2026-Q1`` or ``2026``."""
        s = self.start
        if self.kind is Frequency.DAILY:
            return s.isoformat()
        if self.kind is Frequency.WEEKLY:
            year, week, _ = s.isocalendar()
            return f"{year}-W{week:02d}"
        if self.kind is Frequency.MONTHLY:
            return f"{s.year}-{s.month:02d}"
        if self.kind is Frequency.QUARTERLY:
            return f"{s.year}-Q{(s.month - 1) // 3 + 1}"
        return str(s.year)

    def next(self) -> Period:
        """The period of the same kind right after this one."""
        return Period.containing(self.end + _ONE_DAY, self.kind)

    def previous(self) -> Period:
        """The period of the same kind right before this one."""
        return Period.containing(self.start - _ONE_DAY, self.kind)

    def days(self) -> Iterator[Period]:
        """The days of the period, as daily periods."""
        d = self.start
        while d <= self.end:
            yield Period.day(d)
            d += _ONE_DAY


_PERIOD_KINDS = frozenset(
    {Frequency.DAILY, Frequency.WEEKLY, Frequency.MONTHLY, Frequency.QUARTERLY, Frequency.YEARLY}
)


# -- record types (the populations) -----------------------------------------------------------
