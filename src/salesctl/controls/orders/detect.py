"""The orders family's detective checks, run by :func:`salesctl.reconcile.run`: the order
register's numbers (O2C-SO-01) and orders closed (O2C-SO-03).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from salesctl.control import Examination
from salesctl.controls.orders.policy import OrdersPolicy
from salesctl.decision import Finding, Outcome, make_finding
from salesctl.records import OrderEntry, Period, Records

__all__ = ["detect_order_closing", "detect_order_numbers"]

_HOLD, _BLOCK = Outcome.HOLD, Outcome.BLOCK


def _plus(day: dt.date, days: int) -> dt.date:
    return day + dt.timedelta(days=days)


# -- O2C-SO-01 (detective side) ---------------------------------------------------------------


def detect_order_numbers(records: Records, period: Period, policy: OrdersPolicy) -> Examination:
    """O2C-SO-01 (detective): no duplicate and no missing number in each order series.

    Looks at the orders entered in the period. A number used twice (or a number at or below
    the series' opening number) is a BLOCK, reported in the period of its later entry. A
    number missing between the last number before the period (or the opening number) and
    the highest number of the period is a HOLD for the gap-approval role, one finding per run
    of missing numbers. Voided orders keep their numbers.
    """
    by_series: dict[str, list[OrderEntry]] = defaultdict(list)
    for e in records.orders:
        if e.created_on <= period.end:
            by_series[e.series].append(e)
    tested = 0
    out: list[Finding] = []
    for series in sorted(by_series):
        entries = sorted(by_series[series], key=lambda e: (e.created_on, e.order_id))
        inside = [e for e in entries if e.created_on >= period.start]
        if not inside:
            continue
        tested += len(inside)
        opening = records.opening_numbers.get(series, 0)
        before = max((e.seq for e in entries if e.created_on < period.start), default=0)
        base = max(opening, before)
        first: dict[int, OrderEntry] = {}
        for e in entries:
            seen = first.get(e.seq)
            reused = e.seq <= opening
            if (seen is not None or reused) and e.created_on >= period.start:
                doc = f"{series}/{e.seq}"
                other = seen.order_id if seen is not None else f"(opening number {opening})"
                out.append(
                    make_finding(
                        "O2C-SO-01",
                        _BLOCK,
                        "period_end.duplicate_number",
                        doc,
                        params={"number": doc, "order": e.order_id, "other": other},
                        facts={"order": e.order_id, "other": other, "created_on": e.created_on},
                    )
                )
            first.setdefault(e.seq, e)
        top = max(e.seq for e in inside)
        used = sorted({s for s in first if base < s <= top})
        prev = base
        for s in [*used, top + 1]:
            if s > prev + 1:
                lo, hi = prev + 1, s - 1
                doc = f"{series}/{lo}" if lo == hi else f"{series}/{lo}-{hi}"
                out.append(
                    make_finding(
                        "O2C-SO-01",
                        _HOLD,
                        "period_end.number_gap" if lo == hi else "period_end.number_gaps",
                        doc,
                        params={
                            "series": series,
                            "first": lo,
                            "last": hi,
                            "before": prev,
                            "after": s,
                        },
                        facts={"missing": hi - lo + 1, "before": prev, "after": s},
                        role=policy.gap_approval_role,
                        level=policy.gap_approval_level,
                    )
                )
            prev = max(prev, s)
    return Examination(tested, tuple(out))


# -- O2C-SO-03 --------------------------------------------------------------------------------


def detect_order_closing(records: Records, period: Period, policy: OrdersPolicy) -> Examination:
    """O2C-SO-03: an order completed or expired is closed within ``close_within_days``.

    Tests the orders whose closing deadline (completion or expiry + the days) falls in the
    period; an order not closed by then is a HOLD. Voided orders are closed by voiding.
    """
    tested = 0
    out: list[Finding] = []
    for e in records.orders:
        done = e.done_on
        if e.voided or done is None:
            continue
        deadline = _plus(done, policy.close_within_days)
        if deadline not in period:
            continue
        tested += 1
        if e.closed_on is not None and e.closed_on <= deadline:
            continue
        reason = "completed" if e.completed_on == done else "expired"
        out.append(
            make_finding(
                "O2C-SO-03",
                _HOLD,
                "period_end.order_not_closed",
                e.order_id,
                params={"order": e.order_id, "reason": reason, "since": done, "deadline": deadline},
                facts={
                    "customer": e.customer_id,
                    "reason": reason,
                    "completed_on": e.completed_on or "-",
                    "valid_until": e.valid_until or "-",
                    "deadline": deadline,
                    "closed_on": e.closed_on or "not closed",
                },
                role=policy.order_closing_role,
                level=policy.follow_up_level,
            )
        )
    return Examination(tested, tuple(out))
