"""Detective record values whose validity a field-by-field draw rarely hits.

Every record class of :mod:`salesctl.records` is drawn by the generic builder
(:func:`~salesctl.testing.from_type`); a :class:`~salesctl.records.Period` is drawn here as
the period of a kind that contains a day, so its bounds always fit its kind.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from hypothesis import strategies as st

from salesctl.errors import InvalidInput
from salesctl.records import CollectionsAnalysis, CommissionAccrual, Frequency, Period, Promotion
from salesctl.testing.values import identifiers, money, register_strategy, texts

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


# -- issue 14: records whose month-end or ordering rule a field-by-field draw rarely hits -----

_DATES = st.dates(dt.date(2025, 1, 1), dt.date(2027, 12, 31))
_MONTH_ENDS = _DATES.map(lambda d: Period.containing(d, Frequency.MONTHLY).end)
_OPT_DATES = st.none() | _DATES


register_strategy(
    CommissionAccrual,
    lambda c: st.builds(
        CommissionAccrual,
        accrual_id=identifiers("ACR"),
        unit=texts(),
        period_end=_MONTH_ENDS,
        collected=money(c),
        rate=st.integers(0, 100).map(lambda n: Decimal(n) / 100),
        accrued=money(c),
        finance_collected=st.none() | money(c),
        reconciled_on=_OPT_DATES,
        reconciled_by=st.none() | identifiers("u"),
    ),
)

register_strategy(
    CollectionsAnalysis,
    lambda c: st.builds(
        CollectionsAnalysis,
        analysis_id=identifiers("CA"),
        period_end=_MONTH_ENDS,
        performed_on=_DATES,
        performed_by=identifiers("u"),
        salespeople=st.frozensets(identifiers("u"), max_size=3),
        customers=st.frozensets(identifiers("C"), max_size=3),
    ),
)

register_strategy(
    Promotion,
    lambda c: st.builds(
        lambda pid, name, start, days: Promotion(
            promotion_id=pid,
            name=name,
            starts_on=start,
            ends_on=start + dt.timedelta(days=days),
        ),
        identifiers("PROMO"),
        texts(),
        _DATES,
        st.integers(0, 60),
    ),
)
