"""When a replay closes a business day, and what it does with an event that comes too late.

A replay reads the stream in the order it was written; the detective controls run at each
period end over the books as they stand then. :class:`PeriodClock` decides when a day (and
every period ending on it: week, month, quarter, year) is *closed*, at a **watermark**: the
latest event time read so far minus the **allowed lateness**. Day ``D`` closes once an event
at or after ``D + 1 day + lateness`` (00:00 of the next day, in the event's own offset) has
been read. With the default lateness of zero a day closes as soon as an event of a later day
arrives, which is what a stream written in time order needs; a stream whose exporter
interleaves a little (a second system's entries a few hours behind) can be given more
(``salesctl audit --lateness 6h``), at the price of the period-end runs seeing a little of the
next day's events.

An event dated on or before the last closed day is **late**: it is still decided by the gate
and folded into the ledger, but the period-end controls of the period it belongs to have
already run without it. It is never dropped silently: it becomes an exception of its own
(control id :data:`LATE_EVENT`, HOLD) listing its line, its event time and the closed period
(the longest period containing its date that had closed: a day, week, month, quarter or
year).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from salesctl.audit.rows import AuditException
from salesctl.decision import Outcome, register_messages
from salesctl.errors import InvalidInput
from salesctl.periods import Frequency, Period

__all__ = ["DEFAULT_LATENESS", "LATE_EVENT", "PeriodClock", "parse_lateness"]

#: The exception kind of an event that arrived after its period had closed.
LATE_EVENT = "LATE-EVENT"

#: The allowed lateness when none is given: a day closes when a later day's event arrives.
DEFAULT_LATENESS = dt.timedelta(0)

register_messages(
    {
        "audit.late_event": (
            "迟到事件：{type}（事件时间 {at}）在期间 {period} 关闭后才读到；该期间的期末检查性控制未包含此事件",
            "late event: {type} at {at} was read after period {period} had closed; that "
            "period's period-end detective controls ran without it",
        ),
    }
)

_DAY = dt.timedelta(days=1)
#: The period kinds, longest first: a late event names the longest closed one.
_KINDS = (
    Frequency.YEARLY,
    Frequency.QUARTERLY,
    Frequency.MONTHLY,
    Frequency.WEEKLY,
    Frequency.DAILY,
)
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_lateness(text: str) -> dt.timedelta:
    """An allowed lateness from text: a number of seconds, or a number followed by ``s``,
    ``m``, ``h`` or ``d`` (``"90m"``, ``"6h"``, ``"1d"``).

    Raises:
        InvalidInput: for anything else, or a negative duration.
    """
    t = text.strip().lower()
    unit = _UNITS.get(t[-1:], 0) if t else 0
    number = t[:-1] if unit else t
    if not number.isdigit():
        raise InvalidInput(
            "must be a duration such as 0, 90m, 6h or 1d", path="lateness", value=text
        )
    return dt.timedelta(seconds=int(number) * (unit or 1))


def document_of(item: Any) -> str:
    """The document an event is about: a transaction's document id, or the id of the record
    it carries (its type name when it has none)."""
    doc = getattr(item, "document_id", None)
    if isinstance(doc, str):
        return doc
    for a in getattr(type(item), "__attrs_attrs__", ()):
        if a.name == "at":
            continue
        value = getattr(item, a.name, None)
        for key in ("id", "count_id", "accrual_id", "analysis_id", "promotion_id", "area_id"):
            got = getattr(value, key, None)
            if isinstance(got, str):
                return got
    return type(item).__name__


class PeriodClock:
    """The business days of a replay: closes them at the watermark, counts events dated
    before the latest day read, and turns events for closed days into exceptions.

    Args:
        lateness: the allowed lateness (zero or more).
        close: runs the period-end work of one day (the detective controls); ``None``: this
            replay runs none (a partition other than 0).
        out: where late-event exceptions go (``None``: they are not reported here, as in
            partitions other than 0, so that a merge counts each once).
        on_month: called when the first day of a month is reached (memory housekeeping).
    """

    __slots__ = (
        "_close",
        "_lag",
        "_on_month",
        "_out",
        "closed_through",
        "high",
        "lateness",
        "open_day",
        "out_of_order",
    )

    def __init__(
        self,
        lateness: dt.timedelta = DEFAULT_LATENESS,
        *,
        close: Callable[[dt.date], None] | None = None,
        out: list[AuditException] | None = None,
        on_month: Callable[[], None] | None = None,
    ) -> None:
        if not isinstance(lateness, dt.timedelta) or lateness < dt.timedelta(0):
            raise InvalidInput("must be zero or more", path="lateness", value=str(lateness))
        self.lateness = lateness
        self._lag = bool(lateness)
        self._close = close
        self._out = out
        self._on_month = on_month
        #: The first day not yet closed (``None`` before the first event).
        self.open_day: dt.date | None = None
        #: The last day closed (``None`` before the first close).
        self.closed_through: dt.date | None = None
        #: The latest event date read.
        self.high: dt.date | None = None
        #: Events dated before the latest date already read.
        self.out_of_order = 0

    def seen(self, at: dt.datetime, today: dt.date, line: int, item: Any) -> dt.date | None:
        """Note an event at ``at`` (its date ``today``, read on ``line``): close the days the
        watermark has passed, and report the event if its day is already closed.

        Returns:
            The date of events that need not be shown to the clock again (the latest date
            read, with no lateness); ``None`` when every event must be (a lateness is set).
        """
        high = self.high
        if high is None:
            self.high = high = self.open_day = today
        elif today > high:
            self.high = high = today
        elif today < high:
            self.out_of_order += 1
        closed = self.closed_through
        if closed is not None and today <= closed:
            self._late(at, today, line, item, closed)
        frontier = (at - self.lateness).date() if self._lag else today
        day = self.open_day
        if day is not None and frontier > day:
            close = self._close
            on_month = self._on_month
            while day < frontier:
                if close is not None:
                    close(day)
                self.closed_through = day
                day += _DAY
                if day.day == 1 and on_month is not None:
                    on_month()
            self.open_day = day
        return None if self._lag else high

    def finish(self, through: dt.date | None) -> None:
        """Close the days left open at the end of the stream, through ``through`` (by default
        the latest event date read)."""
        day = self.open_day
        if day is None:
            return
        end = through if through is not None else self.high
        assert end is not None
        close = self._close
        while day <= end:
            if close is not None:
                close(day)
            self.closed_through = day
            day += _DAY
        self.open_day = day

    def _late(self, at: dt.datetime, today: dt.date, line: int, item: Any, closed: dt.date) -> None:
        out = self._out
        if out is None:
            return
        period = next(p for p in (Period.containing(today, k) for k in _KINDS) if p.end <= closed)
        name = type(item).__name__
        out.append(
            AuditException(
                control_id=LATE_EVENT,
                outcome=Outcome.HOLD,
                document_id=document_of(item),
                message="audit.late_event",
                params=(("type", name), ("at", at.isoformat()), ("period", period.label)),
                transaction=name,
                at=at,
                line=line,
                period=period.label,
            )
        )
