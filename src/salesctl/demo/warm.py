"""The host ledger's approvals, held as granted (:class:`WarmApprovals`), and the host's zone.

Kept apart from :mod:`salesctl.demo.host`, which uses both.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from salesctl.ledger.cold import ColdApprovals

__all__ = ["TZ", "WarmApprovals"]

#: The host's time zone (+08:00): every time it makes is given in it.
TZ = dt.timezone(dt.timedelta(hours=8))


class WarmApprovals(ColdApprovals):
    """The host ledger's approvals, never frozen: the week's sweep only forgets which
    documents were touched (:meth:`ColdApprovals.freeze_warm` would write the approvals of
    those granted none for a week as one text, and every later context naming the document
    would build them again, equal). The audit's ledger freezes them to bound its memory on
    long streams; the generator holds its approvals on hand as granted (under 1 MB more peak
    memory for a default year, 6 MB for 20,000 orders) and reads them as they are.
    ``tests/test_demo_twelfth.py`` pins that a year is written the same either way, from equal
    contexts.
    """

    __slots__ = ()

    def freeze_warm(self, held: dict[str, Any], warm: dict[str, None], before: dt.datetime) -> None:
        """Forget the documents touched since the last sweep (nothing is frozen)."""
        warm.clear()

    def sweep(self, held: dict[str, Any], cutoff: dt.datetime) -> None:
        """:meth:`ColdApprovals.sweep` with ``cutoff`` read in the host's zone (:data:`TZ`):
        the same instant, so every comparison gives what it gives against the UTC cutoff,
        but an approval granted in the host's zone (nearly all are) is compared with it field
        by field (one ``tzinfo``) instead of through both offsets. The month's sweep compares
        every approval the host holds (a default year: 12 sweeps of up to 30,000 documents).
        ``tests/test_demo_thirteenth.py`` compares it with the sweep against the UTC cutoff.
        """
        try:
            local = cutoff.astimezone(TZ)
        except OverflowError:  # within hours of the calendar's end: compared as it is
            local = cutoff
        super().sweep(held, local)
