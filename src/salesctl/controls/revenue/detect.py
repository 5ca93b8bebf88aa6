"""The revenue family's detective check O2C-RR-01, run by :func:`salesctl.reconcile.run`."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal

from salesctl.control import Examination, Frequency
from salesctl.controls.revenue.policy import RevenuePolicy
from salesctl.decision import Finding, Outcome, make_finding
from salesctl.money import Money
from salesctl.records import Period, Records

__all__ = ["detect_revenue_agreement"]

_HOLD, _BLOCK = Outcome.HOLD, Outcome.BLOCK


def _plus(day: dt.date, days: int) -> dt.date:
    return day + dt.timedelta(days=days)


# -- O2C-RR-01 --------------------------------------------------------------------------------


def detect_revenue_agreement(
    records: Records, period: Period, policy: RevenuePolicy
) -> Examination:
    """O2C-RR-01: sales invoices = system invoices = general-ledger revenue.

    Over a **day**, document by document: every sales invoice issued that day comes from a
    system invoice of the same customer and amount (BLOCK when it has none: an invoice outside
    the system; HOLD when it differs); every system invoice whose deadline falls that day has
    its sales invoice and its revenue posting for the same amount (HOLD); every revenue posting
    of the day books a known system invoice (HOLD for a manual entry, BLOCK for an unknown
    invoice). Over a **month** (or longer), the three totals for the period agree, per
    currency (HOLD).
    """
    if period.kind is Frequency.DAILY:
        return _revenue_documents(records, period, policy)
    return _revenue_totals(records, period, policy)


def _revenue_documents(records: Records, period: Period, policy: RevenuePolicy) -> Examination:
    cid = "O2C-RR-01"
    system = {i.invoice_id: i for i in records.system_invoices}
    tested = 0
    out: list[Finding] = []
    issued_for: dict[str, list[dt.date]] = defaultdict(list)
    for s in records.sales_invoices:
        if s.system_invoice_id is not None:
            issued_for[s.system_invoice_id].append(s.issued_on)
        if s.issued_on not in period:
            continue
        tested += 1
        src = system.get(s.system_invoice_id) if s.system_invoice_id is not None else None
        if src is None:
            out.append(
                make_finding(
                    cid,
                    _BLOCK,
                    "period_end.sales_invoice_outside_system",
                    s.number,
                    params={"invoice": s.number},
                    facts={
                        "customer": s.customer_id,
                        "amount": s.amount,
                        "system_invoice": s.system_invoice_id or "-",
                    },
                )
            )
        elif src.amount != s.amount or src.customer_id != s.customer_id:
            out.append(
                make_finding(
                    cid,
                    _HOLD,
                    "period_end.sales_invoice_differs",
                    s.number,
                    params={"invoice": s.number, "system_invoice": src.invoice_id},
                    facts={
                        "amount": s.amount,
                        "system_amount": src.amount,
                        "customer": s.customer_id,
                        "system_customer": src.customer_id,
                    },
                    role=policy.revenue_role,
                    level=policy.follow_up_level,
                )
            )
    posted: dict[str, list[tuple[dt.date, Money]]] = defaultdict(list)
    for g in records.gl_revenue:
        if g.invoice_id is not None:
            posted[g.invoice_id].append((g.posted_on, g.amount))
        if g.posted_on not in period:
            continue
        tested += 1
        if g.invoice_id is None or g.invoice_id not in system:
            manual = g.invoice_id is None
            out.append(
                make_finding(
                    cid,
                    _HOLD if manual else _BLOCK,
                    "period_end.manual_revenue" if manual else "period_end.revenue_unknown_invoice",
                    g.voucher_id,
                    params={"voucher": g.voucher_id, "invoice": g.invoice_id or "-"},
                    facts={"amount": g.amount, "posted_on": g.posted_on},
                    role=policy.revenue_role if manual else None,
                    level=policy.follow_up_level,
                )
            )
    for inv in records.system_invoices:
        issue_by = _plus(inv.issued_on, policy.sales_invoice_within_days)
        post_by = _plus(inv.issued_on, policy.posting_within_days)
        if issue_by in period or post_by in period:
            tested += 1
        if issue_by in period and not any(
            d <= issue_by for d in issued_for.get(inv.invoice_id, ())
        ):
            out.append(
                make_finding(
                    cid,
                    _HOLD,
                    "period_end.system_invoice_not_issued",
                    inv.invoice_id,
                    params={"invoice": inv.invoice_id, "deadline": issue_by},
                    facts={
                        "customer": inv.customer_id,
                        "amount": inv.amount,
                        "issued_on": inv.issued_on,
                    },
                    role=policy.revenue_role,
                    level=policy.follow_up_level,
                )
            )
        if post_by in period:
            amounts = [m for d, m in posted.get(inv.invoice_id, ()) if d <= post_by]
            total = sum(amounts[1:], amounts[0]) if amounts else Money.zero(inv.amount.currency)
            if total != inv.amount:
                out.append(
                    make_finding(
                        cid,
                        _HOLD,
                        "period_end.invoice_not_posted",
                        inv.invoice_id,
                        params={"invoice": inv.invoice_id, "amount": inv.amount, "posted": total},
                        facts={
                            "customer": inv.customer_id,
                            "deadline": post_by,
                            "postings": len(amounts),
                        },
                        role=policy.revenue_role,
                        level=policy.follow_up_level,
                    )
                )
    return Examination(tested, tuple(out))


def _revenue_totals(records: Records, period: Period, policy: RevenuePolicy) -> Examination:
    totals: dict[str, list[Decimal]] = defaultdict(lambda: [Decimal(0)] * 3)
    for s in records.sales_invoices:
        if s.issued_on in period:
            totals[s.amount.currency][0] += s.amount.amount
    for i in records.system_invoices:
        if i.issued_on in period:
            totals[i.amount.currency][1] += i.amount.amount
    for g in records.gl_revenue:
        if g.posted_on in period:
            totals[g.amount.currency][2] += g.amount.amount
    out: list[Finding] = []
    for cur in sorted(totals):
        sales, system, ledger = (Money(x, cur) for x in totals[cur])
        if sales == system == ledger:
            continue
        doc = f"revenue@{period.label}/{cur}"
        out.append(
            make_finding(
                "O2C-RR-01",
                _HOLD,
                "period_end.revenue_totals",
                doc,
                params={"period": period.label, "sales": sales, "system": system, "ledger": ledger},
                facts={
                    "sales_invoices": sales,
                    "system_invoices": system,
                    "gl_revenue": ledger,
                    "sales_minus_ledger": sales - ledger,
                },
                role=policy.revenue_role,
                level=policy.follow_up_level,
            )
        )
    return Examination(max(len(totals), 1), tuple(out))
