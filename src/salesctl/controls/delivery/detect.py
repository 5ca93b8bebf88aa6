"""The delivery family's detective check, run by :func:`salesctl.reconcile.run`: system
shipments agree with actual shipments (O2C-DL-06).
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from salesctl.control import Examination
from salesctl.controls.delivery.policy import DeliveryPolicy
from salesctl.decision import Finding, Outcome, make_finding
from salesctl.records import Period, Records

__all__ = ["detect_shipments"]

_HOLD, _BLOCK, _ALLOW = Outcome.HOLD, Outcome.BLOCK, Outcome.ALLOW


# -- O2C-DL-06 --------------------------------------------------------------------------------


def detect_shipments(records: Records, period: Period, policy: DeliveryPolicy) -> Examination:
    """O2C-DL-06: each product's actual shipments agree with the system's over the period.

    A difference above ``max_shipment_difference`` is a HOLD, or ALLOW evidence when the count
    records its cause and action. A product shipped in the system with no count is a BLOCK
    (the comparison was not made).
    """
    system: dict[str, Decimal] = defaultdict(Decimal)
    for d in records.deliveries:
        if d.posted_on in period:
            system[d.product_id] += d.quantity
    counts = [c for c in records.shipment_counts if c.period_end in period]
    counted = {c.product_id for c in counts}
    out: list[Finding] = []
    for c in sorted(counts, key=lambda c: (c.product_id, c.period_end)):
        sys_qty = (
            c.system_quantity
            if c.system_quantity is not None
            else system.get(c.product_id, Decimal(0))
        )
        diff = c.actual_quantity - sys_qty
        if abs(diff) <= policy.max_shipment_difference:
            continue
        doc = f"{c.product_id}@{c.period_end.isoformat()}"
        facts = {
            "product": c.product_id,
            "system_quantity": sys_qty,
            "actual_quantity": c.actual_quantity,
            "difference": diff,
            "threshold": policy.max_shipment_difference,
        }
        params = {"product": c.product_id, "system": sys_qty, "actual": c.actual_quantity}
        if c.explanation:
            out.append(
                make_finding(
                    "O2C-DL-06",
                    _ALLOW,
                    "period_end.shipment_explained",
                    doc,
                    params=params,
                    facts={**facts, "explanation": c.explanation},
                )
            )
        else:
            out.append(
                make_finding(
                    "O2C-DL-06",
                    _HOLD,
                    "period_end.shipment_difference",
                    doc,
                    params=params,
                    facts=facts,
                    role=policy.shipment_role,
                    level=policy.follow_up_level,
                )
            )
    missing = sorted(p for p in system if p not in counted)
    for p in missing:
        doc = f"{p}@{period.label}"
        out.append(
            make_finding(
                "O2C-DL-06",
                _BLOCK,
                "period_end.shipment_not_counted",
                doc,
                params={"product": p, "period": period.label},
                facts={"product": p, "system_quantity": system[p]},
            )
        )
    return Examination(len(counts) + len(missing), tuple(out))
