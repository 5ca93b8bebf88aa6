"""The credit family's detective check, run by :func:`salesctl.reconcile.run`: credit files
reviewed in time (O2C-CR-03).
"""

from __future__ import annotations

import datetime as dt

from salesctl.control import Examination
from salesctl.controls.credit.policy import CreditPolicy
from salesctl.decision import Finding, Outcome, make_finding
from salesctl.records import Period, Records

__all__ = ["detect_credit_reviews"]

_HOLD = Outcome.HOLD


# -- O2C-CR-03 --------------------------------------------------------------------------------


def detect_credit_reviews(records: Records, period: Period, policy: CreditPolicy) -> Examination:
    """O2C-CR-03: every credit file is reviewed within ``max_review_interval_days`` of the last.

    A review falls due ``max_review_interval_days`` after the file was opened or last reviewed
    (and again every interval while none is made). Tests each due date in the period; a due
    date with no review made on or before it is a HOLD for the review role, reported once, in
    the period of the due date. A closed file falls due no more. When the file carries its
    credit-limit history, the finding states the limit and grade still in force on the due
    date (the profile nobody reviewed).

    ``tested`` counts the credit files reviewed: every file open at some time in the period
    (opened by its end, not closed before its start), whether or not a review fell due in it.
    """
    step = dt.timedelta(days=policy.max_review_interval_days)
    tested: set[str] = set()
    out: list[Finding] = []
    for f in sorted(records.credit_files, key=lambda f: f.customer_id):
        if f.opened_on <= period.end and (f.closed_on is None or f.closed_on >= period.start):
            tested.add(f.customer_id)
        anchors = sorted({f.opened_on, *(d for d in f.reviewed_on if d >= f.opened_on)})
        for i, last in enumerate(anchors):
            nxt = anchors[i + 1] if i + 1 < len(anchors) else None
            due = last + step
            while due <= period.end:
                if f.closed_on is not None and f.closed_on <= due:
                    break
                reviewed = nxt is not None and nxt <= due
                if due >= period.start:
                    tested.add(f.customer_id)
                    if not reviewed:
                        facts: dict[str, object] = {
                            "opened_on": f.opened_on,
                            "last_review": last,
                            "due": due,
                            "next_review": nxt or "none",
                            "interval_days": policy.max_review_interval_days,
                        }
                        in_force = f.profile_on(due) if f.history else None
                        if in_force is not None:
                            # the credit-limit history: the limit still in force, unreviewed
                            facts["limit_in_force"] = in_force.limit
                            facts["grade_in_force"] = in_force.grade
                        out.append(
                            make_finding(
                                "O2C-CR-03",
                                _HOLD,
                                "receivables.review_overdue",
                                f.customer_id,
                                params={"customer": f.customer_id, "due": due, "last": last},
                                facts=facts,
                                role=policy.review_role,
                                level=policy.follow_up_level,
                            )
                        )
                if reviewed:
                    break
                due += step
    return Examination(len(tested), tuple(out))
