"""Detective record values whose validity a field-by-field draw rarely hits.

Every record class of :mod:`salesctl.records` is drawn by the generic builder
(:func:`~salesctl.testing.from_type`); a :class:`~salesctl.records.Period` is drawn here as
the period of a kind that contains a day, so its bounds always fit its kind.
"""

from __future__ import annotations

import datetime as dt

from hypothesis import strategies as st

from salesctl.errors import InvalidInput
from salesctl.records import Frequency, Period
from salesctl.testing.values import register_strategy

__all__: list[str] = []

_SOME_DAY = dt.date(2026, 3, 2)


def _is_period_kind(kind: Frequency) -> bool:
    try:
        Period.containing(_SOME_DAY, kind)
    except InvalidInput:
        return False
    return True


#: The frequencies a period can have (daily to yearly): those ``Period.containing`` accepts.
_KINDS: tuple[Frequency, ...] = tuple(
    sorted((k for k in Frequency if _is_period_kind(k)), key=lambda k: k.value)
)

register_strategy(
    Period,
    lambda c: st.builds(
        Period.containing,
        st.dates(dt.date(2025, 1, 1), dt.date(2027, 12, 31)),
        st.sampled_from(_KINDS),
    ),
)
