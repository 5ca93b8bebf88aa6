"""Period end: the daily and monthly reconciliations of sales (日报核对、月末对账、盘点).

Source: the group manual S-IC 5.1 (对已完结的销售订单或过期的销售订单至少每月进行一次关闭清理),
S-IC 7.1 (每日核对发票销售量与系统发货量是否一致;月末核对系统发货量和实际发货量是否一致,如有差异,
查明原因,并及时处理), S-IC 8.1 (每日复核已开具的销售发票……与系统生成的会计凭证核对;月末核对销售
发票、系统发票、财务总帐收入科目金额是否一致), S-IC 10.1 (月末生产、营销、仓储、财务等部门进行盘点
核对), the contract ledgers of S-K1 4 and 12 (销售部业务科、财务部须建立合同台帐;每月盘点销售与
财务部对合同台帐进行对帐), and the order numbering of S-CP 3.1.1. Guideline 9 art. 8 and 12.

Controls (all detective, run by :func:`salesctl.reconcile.run`): O2C-SO-03 (orders closed),
O2C-CT-04 (contract ledgers agree), O2C-DL-06 (system vs actual shipments), O2C-BL-02
(invoiced vs delivered quantity), O2C-RR-01 (sales invoices = system invoices = GL revenue),
O2C-IN-01 (month-end stock count); and the detective side of O2C-SO-01 (gaps and duplicates
in the order register), attached to the orders family's control.

Differences are compared exactly (Decimal); the ``max_*_difference`` parameters are the
explicit thresholds above which a difference is an exception (0 by default: any difference).

>>> from salesctl.controls.period_end import PeriodEndPolicy
>>> sorted(PeriodEndPolicy().count_departments)
['finance', 'production', 'sales', 'warehouse']
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal
from typing import Any

from attrs import field, frozen

from salesctl._validators import decimal_conv, each, frozenset_conv, non_negative, text, typed
from salesctl.control import (
    Assertion,
    Automation,
    Control,
    Detection,
    Examination,
    Family,
    Frequency,
    Kind,
)
from salesctl.controls.orders import OrdersPolicy
from salesctl.decision import Finding, Outcome, make_finding
from salesctl.money import Money
from salesctl.records import (
    ContractLedgerLine,
    LedgerBook,
    OrderEntry,
    Period,
    Records,
)

__all__ = [
    "DETECTIONS",
    "FAMILY",
    "PeriodEndPolicy",
    "detect_contract_ledger",
    "detect_invoiced_quantity",
    "detect_order_closing",
    "detect_order_numbers",
    "detect_revenue_agreement",
    "detect_shipments",
    "detect_stock_count",
]

_HOLD, _BLOCK, _ALLOW = Outcome.HOLD, Outcome.BLOCK, Outcome.ALLOW


def _days(inst: Any, a: Any, value: Any) -> None:
    typed(int)(inst, a, value)
    non_negative(inst, a, value)


def _qty(inst: Any, a: Any, value: Any) -> None:
    typed(Decimal)(inst, a, value)
    non_negative(inst, a, value)


@frozen
class PeriodEndPolicy:
    """Parameters of the period-end family (``[period_end]`` in the policy file).

    Attributes:
        close_within_days: days after an order is completed or expires by which it must be
            closed (O2C-SO-03; "at least monthly").
        order_closing_role: who follows up orders left open (O2C-SO-03).
        ledger_role: who resolves differences between the contract ledgers (O2C-CT-04).
        max_shipment_difference: largest |actual − system| shipped quantity of a product in
            a month that is not an exception (O2C-DL-06).
        shipment_role: who investigates shipment differences (O2C-DL-06).
        billing_role: who investigates invoices that do not agree with deliveries (O2C-BL-02).
        sales_invoice_within_days: days after a system invoice by which finance issues its
            sales invoice (O2C-RR-01).
        posting_within_days: days after a system invoice by which its revenue is in the
            general ledger (O2C-RR-01).
        revenue_role: who resolves invoice/ledger differences (O2C-RR-01).
        count_departments: departments that take part in and sign the month-end stock count
            (O2C-IN-01).
        max_stock_difference: largest |counted − book| quantity of a count line that is not an
            exception (O2C-IN-01).
        require_stock_count: a month without any stock count is an exception (O2C-IN-01).
        stock_role: who resolves stock count differences (O2C-IN-01).
        follow_up_level: the authority level of the follow-up roles above.
    """

    close_within_days: int = field(default=31, validator=_days)
    order_closing_role: str = field(default="marketing_head", validator=text)
    ledger_role: str = field(default="finance_head", validator=text)
    max_shipment_difference: Decimal = field(
        default=Decimal("0"), converter=decimal_conv, validator=_qty
    )
    shipment_role: str = field(default="marketing_head", validator=text)
    billing_role: str = field(default="finance_head", validator=text)
    sales_invoice_within_days: int = field(default=0, validator=_days)
    posting_within_days: int = field(default=0, validator=_days)
    revenue_role: str = field(default="finance_head", validator=text)
    count_departments: frozenset[str] = field(
        default=frozenset({"production", "sales", "warehouse", "finance"}),
        converter=frozenset_conv,
        validator=each(str),
    )
    max_stock_difference: Decimal = field(
        default=Decimal("0"), converter=decimal_conv, validator=_qty
    )
    require_stock_count: bool = field(default=True, validator=typed(bool))
    stock_role: str = field(default="finance_head", validator=text)
    follow_up_level: int = field(default=3, validator=_days)


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


def detect_order_closing(records: Records, period: Period, policy: PeriodEndPolicy) -> Examination:
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


# -- O2C-CT-04 --------------------------------------------------------------------------------

_LEDGER_FIELDS = ("value", "delivered", "invoiced", "collected")


def detect_contract_ledger(
    records: Records, period: Period, policy: PeriodEndPolicy
) -> Examination:
    """O2C-CT-04: the sales department's and finance's contract ledgers agree, contract by contract.

    Uses each book's latest line per contract read in the period. A contract in one book only,
    or with a different value, delivered, invoiced or collected amount, is a HOLD.
    """
    latest: dict[tuple[str, LedgerBook], ContractLedgerLine] = {}
    for line in records.contract_ledger:
        if line.as_of not in period:
            continue
        key = (line.contract_id, line.book)
        old = latest.get(key)
        if old is None or line.as_of > old.as_of:
            latest[key] = line
    contracts = sorted({c for c, _ in latest})
    out: list[Finding] = []
    for cid in contracts:
        sales = latest.get((cid, LedgerBook.SALES))
        fin = latest.get((cid, LedgerBook.FINANCE))
        if sales is None or fin is None:
            have = sales or fin
            assert have is not None
            missing = LedgerBook.SALES if sales is None else LedgerBook.FINANCE
            out.append(
                make_finding(
                    "O2C-CT-04",
                    _HOLD,
                    "period_end.ledger_missing",
                    cid,
                    params={"contract": cid, "book": missing.value},
                    facts={
                        "customer": have.customer_id,
                        "in_book": have.book.value,
                        "as_of": have.as_of,
                    },
                    role=policy.ledger_role,
                    level=policy.follow_up_level,
                )
            )
            continue
        diffs: dict[str, Any] = {}
        for name in _LEDGER_FIELDS:
            a: Money = getattr(sales, name)
            b: Money = getattr(fin, name)
            if a != b:
                diffs[name] = f"sales {a} / finance {b}"
        if diffs:
            out.append(
                make_finding(
                    "O2C-CT-04",
                    _HOLD,
                    "period_end.ledger_difference",
                    cid,
                    params={"contract": cid, "fields": sorted(diffs)},
                    facts={"customer": sales.customer_id, **diffs},
                    role=policy.ledger_role,
                    level=policy.follow_up_level,
                )
            )
    return Examination(len(contracts), tuple(out))


# -- O2C-DL-06 --------------------------------------------------------------------------------


def detect_shipments(records: Records, period: Period, policy: PeriodEndPolicy) -> Examination:
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


# -- O2C-BL-02 --------------------------------------------------------------------------------


def detect_invoiced_quantity(
    records: Records, period: Period, policy: PeriodEndPolicy
) -> Examination:
    """O2C-BL-02: quantities invoiced agree with the system deliveries they bill.

    Tests the system invoices issued in the period. A line not generated from a delivery, or
    naming a delivery/product the system did not post, is a BLOCK; a line that takes the
    quantity invoiced on a delivery (all invoices up to it, in date order) above the quantity
    delivered is a HOLD.
    """
    delivered: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for d in records.deliveries:
        if d.posted_on <= period.end:
            delivered[(d.goods_issue_id, d.product_id)] += d.quantity
    invoices = sorted(
        (i for i in records.system_invoices if i.issued_on <= period.end),
        key=lambda i: (i.issued_on, i.invoice_id),
    )
    running: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    tested = 0
    out: list[Finding] = []
    for inv in invoices:
        inside = inv.issued_on in period
        tested += inside
        for n, line in enumerate(inv.lines, start=1):
            if line.goods_issue_id is None:
                if inside:
                    out.append(
                        make_finding(
                            "O2C-BL-02",
                            _BLOCK,
                            "period_end.invoice_without_delivery",
                            inv.invoice_id,
                            params={
                                "invoice": inv.invoice_id,
                                "line": n,
                                "product": line.product_id,
                            },
                            facts={
                                "line": n,
                                "product": line.product_id,
                                "quantity": line.quantity,
                            },
                        )
                    )
                continue
            key = (line.goods_issue_id, line.product_id)
            if key not in delivered:
                if inside:
                    out.append(
                        make_finding(
                            "O2C-BL-02",
                            _BLOCK,
                            "period_end.invoice_unknown_delivery",
                            inv.invoice_id,
                            params={
                                "invoice": inv.invoice_id,
                                "goods_issue": line.goods_issue_id,
                                "product": line.product_id,
                            },
                            facts={"line": n, "quantity": line.quantity},
                        )
                    )
                continue
            before = running[key]
            running[key] = before + line.quantity
            if inside and running[key] > delivered[key]:
                out.append(
                    make_finding(
                        "O2C-BL-02",
                        _HOLD,
                        "period_end.invoice_over_delivery",
                        inv.invoice_id,
                        params={
                            "invoice": inv.invoice_id,
                            "goods_issue": line.goods_issue_id,
                            "product": line.product_id,
                            "invoiced": running[key],
                            "delivered": delivered[key],
                        },
                        facts={
                            "line": n,
                            "quantity": line.quantity,
                            "invoiced_before": before,
                            "invoiced_total": running[key],
                            "delivered": delivered[key],
                        },
                        role=policy.billing_role,
                        level=policy.follow_up_level,
                    )
                )
    return Examination(tested, tuple(out))


# -- O2C-RR-01 --------------------------------------------------------------------------------


def detect_revenue_agreement(
    records: Records, period: Period, policy: PeriodEndPolicy
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


def _revenue_documents(records: Records, period: Period, policy: PeriodEndPolicy) -> Examination:
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


def _revenue_totals(records: Records, period: Period, policy: PeriodEndPolicy) -> Examination:
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


# -- O2C-IN-01 --------------------------------------------------------------------------------


def detect_stock_count(records: Records, period: Period, policy: PeriodEndPolicy) -> Examination:
    """O2C-IN-01: a month-end stock count, attended by every department, differences explained.

    No count in the period is a BLOCK (when ``require_stock_count``); a count line missing a
    required department, or with an unexplained difference above ``max_stock_difference``, is
    a HOLD; an explained difference is ALLOW evidence.
    """
    lines = sorted(
        (c for c in records.stock_counts if c.period_end in period),
        key=lambda c: (c.count_id, c.product_id),
    )
    out: list[Finding] = []
    if not lines:
        if policy.require_stock_count:
            doc = f"stock@{period.label}"
            out.append(
                make_finding(
                    "O2C-IN-01",
                    _BLOCK,
                    "period_end.no_stock_count",
                    doc,
                    params={"period": period.label},
                    facts={"departments": sorted(policy.count_departments)},
                )
            )
        return Examination(1 if policy.require_stock_count else 0, tuple(out))
    for c in lines:
        doc = f"{c.count_id}/{c.product_id}"
        absent = policy.count_departments - c.departments
        if absent:
            out.append(
                make_finding(
                    "O2C-IN-01",
                    _HOLD,
                    "period_end.count_departments",
                    doc,
                    params={"count": c.count_id, "missing": sorted(absent)},
                    facts={"signed": sorted(c.departments) or "-", "missing": sorted(absent)},
                    role=policy.stock_role,
                    level=policy.follow_up_level,
                )
            )
        diff = c.counted_quantity - c.book_quantity
        if abs(diff) <= policy.max_stock_difference:
            continue
        facts = {
            "product": c.product_id,
            "book_quantity": c.book_quantity,
            "counted_quantity": c.counted_quantity,
            "difference": diff,
            "threshold": policy.max_stock_difference,
        }
        params = {
            "count": c.count_id,
            "product": c.product_id,
            "book": c.book_quantity,
            "counted": c.counted_quantity,
        }
        if c.explanation:
            out.append(
                make_finding(
                    "O2C-IN-01",
                    _ALLOW,
                    "period_end.stock_explained",
                    doc,
                    params=params,
                    facts={**facts, "explanation": c.explanation},
                )
            )
        else:
            out.append(
                make_finding(
                    "O2C-IN-01",
                    _HOLD,
                    "period_end.stock_difference",
                    doc,
                    params=params,
                    facts=facts,
                    role=policy.stock_role,
                    level=policy.follow_up_level,
                )
            )
    return Examination(len(lines), tuple(out))


# -- the family -------------------------------------------------------------------------------

_A = Assertion
_D = Kind.DETECTIVE
_M = Frequency.MONTHLY

#: The detective side of O2C-SO-01, attached to the orders family's control by the registry.
DETECTIONS: tuple[Detection, ...] = (
    Detection(
        control_id="O2C-SO-01",
        detect=detect_order_numbers,
        detect_at={_M},
        activity_zh="每月检查订单登记簿:重号阻止;缺号挂起,由 {gap_approval_role} 查明并签字。",
        activity_en="Monthly, the order register is checked for duplicate numbers (blocked) and missing numbers (held for {gap_approval_role} to explain and sign off).",
        messages={
            "period_end.duplicate_number": (
                "订单号 {number} 重号:{order} 与 {other}",
                "order number {number} is used twice: {order} and {other}",
            ),
            "period_end.number_gap": (
                "订单登记簿缺号 {series}/{first}({before} 与 {after} 之间)",
                "number {series}/{first} is missing from the order register (gap between {before} and {after})",
            ),
            "period_end.number_gaps": (
                "订单登记簿缺号 {series}/{first}–{last}({before} 与 {after} 之间)",
                "numbers {series}/{first}–{last} are missing from the order register (gap between {before} and {after})",
            ),
        },
    ),
)

CONTROLS: tuple[Control, ...] = (
    Control(
        id="O2C-SO-03",
        customer_partitionable=True,
        title_zh="完结、过期订单每月关闭",
        title_en="Completed or expired orders closed at least monthly",
        objective_zh="已完结或过期的订单及时关闭,不再占用信用、不被误执行。",
        objective_en="Completed and expired orders are closed promptly so they neither tie up credit nor get executed by mistake.",
        activity_zh="每月检查:订单完结或过期后 {close_within_days} 天内须在系统中关闭;逾期未关闭的由 {order_closing_role} 清理。",
        activity_en="Monthly: an order must be closed in the system within {close_within_days} days of completion or expiry; orders left open are followed up by {order_closing_role}.",
        risks=("R1.3", "R2.1"),
        kind=_D,
        frequency=_M,
        key=False,
        automation=Automation.IT_DEPENDENT,
        assertions=(_A.COMPLETENESS, _A.CUTOFF),
        seeds=("S-IC 5.1",),
        g9=(8,),
        stage="order",
        owner="sales department / 营销部门",
        evidence="reconciliation report: orders past their closing deadline, with completion/expiry and closing dates",
        detect=detect_order_closing,
        detect_at={_M},
        messages={
            "period_end.order_not_closed": (
                "订单 {order} 已于 {since} {reason},至 {deadline} 仍未关闭",
                "order {order} {reason} on {since} and was not closed by {deadline}",
            ),
        },
    ),
    Control(
        id="O2C-CT-04",
        customer_partitionable=True,
        title_zh="合同台帐月度对帐",
        title_en="Contract ledgers kept by sales and finance, reconciled monthly",
        objective_zh="销售部与财务部的合同台帐逐份合同一致,履约和回款情况真实。",
        objective_en="The sales department's and finance's contract ledgers agree contract by contract, so performance and collection are stated truly.",
        activity_zh="每月末按合同核对两本台帐的合同金额、已发货、已开票、已回款;单边记录或不一致的由 {ledger_role} 查明处理。",
        activity_en="At each month end, both ledgers are compared contract by contract (value, delivered, invoiced, collected); a contract in one book only or differing is resolved by {ledger_role}.",
        risks=("R2.1", "R1.3"),
        kind=_D,
        frequency=_M,
        key=False,
        automation=Automation.IT_DEPENDENT,
        assertions=(_A.COMPLETENESS, _A.ACCURACY, _A.VALUATION),
        seeds=("S-K1 4", "S-K1 12"),
        g9=(8,),
        stage="contract",
        owner="sales department and finance / 销售部业务科、财务部",
        evidence="monthly ledger reconciliation: contracts compared, differences by field",
        detect=detect_contract_ledger,
        detect_at={_M},
        messages={
            "period_end.ledger_missing": (
                "合同 {contract} 未记入{book}合同台帐",
                "contract {contract} is missing from the {book} contract ledger",
            ),
            "period_end.ledger_difference": (
                "合同 {contract} 两本台帐不一致:{fields}",
                "contract {contract}: the sales and finance ledgers differ in {fields}",
            ),
        },
    ),
    Control(
        id="O2C-DL-06",
        title_zh="月末系统发货量与实际发货量核对",
        title_en="Monthly: system shipments agree with actual shipments",
        objective_zh="系统发货记录完整、准确,与实际出库一致。",
        objective_en="System shipments are complete and accurate: they agree with what actually left.",
        activity_zh="月末营销部门按产品核对系统发货量与实际发货量;差异超过 {max_shipment_difference} 的须查明原因并处理,由 {shipment_role} 跟进;已发货未核对的产品视为未执行。",
        activity_en="At month end the marketing department compares system and actual shipped quantities per product; differences above {max_shipment_difference} are investigated and resolved, followed up by {shipment_role}; a product shipped but not compared counts as not performed.",
        risks=("R2.1",),
        kind=_D,
        frequency=_M,
        key=False,
        automation=Automation.IT_DEPENDENT,
        assertions=(_A.OCCURRENCE, _A.COMPLETENESS),
        seeds=("S-IC 7.1",),
        g9=(12,),
        stage="delivery",
        owner="marketing department / 营销部门",
        evidence="monthly shipment comparison per product, with the cause of each difference",
        detect=detect_shipments,
        detect_at={_M},
        messages={
            "period_end.shipment_difference": (
                "产品 {product} 系统发货量 {system} 与实际发货量 {actual} 不一致,未查明原因",
                "product {product}: system shipments {system} differ from actual shipments {actual}, unexplained",
            ),
            "period_end.shipment_explained": (
                "产品 {product} 系统发货量 {system} 与实际 {actual} 的差异已查明",
                "product {product}: the difference between system {system} and actual {actual} was explained",
            ),
            "period_end.shipment_not_counted": (
                "产品 {product} 在 {period} 有系统发货,但未与实际发货量核对",
                "product {product} was shipped in {period} but system and actual shipments were not compared",
            ),
        },
    ),
    Control(
        id="O2C-BL-02",
        title_zh="每日核对发票销量与系统发货量",
        title_en="Daily: invoiced quantity agrees with delivered quantity",
        objective_zh="发票依系统发货凭证开具,开票数量不超过发货数量。",
        objective_en="Invoices are generated from system deliveries and never bill more than was delivered.",
        activity_zh="营销部门每日运行销售日报表,逐张系统发票核对所开数量与所依据的发货凭证;无发货依据的阻止,超发货数量的由 {billing_role} 查明。",
        activity_en="Daily, the marketing department runs the sales daily report and checks each system invoice against the deliveries it bills; lines without a delivery are blocked, quantities above the delivery are investigated by {billing_role}.",
        risks=("R2.1",),
        kind=_D,
        frequency=Frequency.DAILY,
        key=False,
        automation=Automation.AUTOMATED,
        assertions=(_A.OCCURRENCE, _A.ACCURACY),
        seeds=("S-IC 7.1", "S-IC 5.2"),
        g9=(12,),
        stage="billing",
        owner="marketing department / 营销部门",
        evidence="daily sales report: invoice lines against goods issues",
        detect=detect_invoiced_quantity,
        detect_at={Frequency.DAILY},
        messages={
            "period_end.invoice_without_delivery": (
                "系统发票 {invoice} 第 {line} 行({product})没有发货依据",
                "system invoice {invoice} line {line} ({product}) was not generated from a delivery",
            ),
            "period_end.invoice_unknown_delivery": (
                "系统发票 {invoice} 依据的发货 {goods_issue}(产品 {product})在系统中不存在",
                "system invoice {invoice} bills delivery {goods_issue} (product {product}) that the system never posted",
            ),
            "period_end.invoice_over_delivery": (
                "系统发票 {invoice}:发货 {goods_issue} 的产品 {product} 累计开票 {invoiced},超过发货 {delivered}",
                "system invoice {invoice}: {invoiced} of {product} invoiced on delivery {goods_issue}, more than the {delivered} delivered",
            ),
        },
    ),
    Control(
        id="O2C-RR-01",
        title_zh="发票、系统发票、总账收入一致",
        title_en="Daily and month-end: sales invoices = system invoices = GL revenue",
        objective_zh="收入不虚增、不截留:开出的发票、系统发票与总账收入一致。",
        objective_en="Revenue is neither inflated nor withheld: invoices issued, system invoices and general-ledger revenue agree.",
        activity_zh="财务每日逐张复核已开销售发票与系统发票及系统生成的会计凭证(销售发票须在系统发票后 {sales_invoice_within_days} 天内开具,收入在 {posting_within_days} 天内入账);月末核对三者合计,差异由 {revenue_role} 查明。",
        activity_en="Daily, finance matches each sales invoice issued to its system invoice and system-generated voucher (sales invoice within {sales_invoice_within_days} days of the system invoice, revenue posted within {posting_within_days} days); at month end the three totals are compared; differences are resolved by {revenue_role}.",
        risks=("R2.1", "R2.2"),
        kind=_D,
        frequency=Frequency.DAILY,
        key=True,
        automation=Automation.IT_DEPENDENT,
        assertions=(_A.OCCURRENCE, _A.COMPLETENESS, _A.ACCURACY, _A.CUTOFF),
        seeds=("S-IC 8.1",),
        g9=(12,),
        stage="revenue",
        owner="finance / 财务部门",
        evidence="daily invoice-to-voucher matching; month-end three-way totals",
        detect=detect_revenue_agreement,
        detect_at={Frequency.DAILY, _M},
        messages={
            "period_end.sales_invoice_outside_system": (
                "销售发票 {invoice} 没有对应的系统发票(系统外开票)",
                "sales invoice {invoice} has no system invoice (issued outside the system)",
            ),
            "period_end.sales_invoice_differs": (
                "销售发票 {invoice} 与系统发票 {system_invoice} 的客户或金额不一致",
                "sales invoice {invoice} differs from system invoice {system_invoice} in customer or amount",
            ),
            "period_end.system_invoice_not_issued": (
                "系统发票 {invoice} 至 {deadline} 未开具销售发票",
                "system invoice {invoice} had no sales invoice by {deadline}",
            ),
            "period_end.invoice_not_posted": (
                "系统发票 {invoice} 金额 {amount},总账收入入账 {posted}",
                "system invoice {invoice} of {amount} has {posted} posted to revenue in the general ledger",
            ),
            "period_end.manual_revenue": (
                "总账收入凭证 {voucher} 无发票依据(手工收入)",
                "revenue voucher {voucher} books no invoice (manual revenue entry)",
            ),
            "period_end.revenue_unknown_invoice": (
                "总账收入凭证 {voucher} 引用的发票 {invoice} 在系统中不存在",
                "revenue voucher {voucher} books invoice {invoice} that the system does not have",
            ),
            "period_end.revenue_totals": (
                "{period} 销售发票 {sales}、系统发票 {system}、总账收入 {ledger} 不一致",
                "{period}: sales invoices {sales}, system invoices {system} and GL revenue {ledger} do not agree",
            ),
        },
    ),
    Control(
        id="O2C-IN-01",
        title_zh="月末盘点",
        title_en="Month-end stock count reconciled by production, sales, warehouse and finance",
        objective_zh="账实相符:月末盘点由各部门共同参与,差异查明处理。",
        objective_en="Books agree with stock: the month-end count is made jointly by the departments and every difference is explained.",
        activity_zh="月末由 {count_departments} 共同盘点签字;差异超过 {max_stock_difference} 的须查明原因,由 {stock_role} 跟进;当月无盘点视为未执行。",
        activity_en="At month end {count_departments} count stock together and sign; differences above {max_stock_difference} are investigated, followed up by {stock_role}; a month without a count counts as not performed.",
        risks=("R2.1", "R2.2"),
        kind=_D,
        frequency=_M,
        key=False,
        automation=Automation.MANUAL,
        assertions=(_A.OCCURRENCE, _A.COMPLETENESS, _A.VALUATION),
        seeds=("S-IC 10.1",),
        g9=(12,),
        stage="period_end",
        owner="production, marketing, warehouse and finance / 生产、营销、仓储、财务部门",
        evidence="signed count sheets with book and counted quantities and explanations",
        detect=detect_stock_count,
        detect_at={_M},
        messages={
            "period_end.no_stock_count": (
                "{period} 未进行月末盘点",
                "no month-end stock count for {period}",
            ),
            "period_end.count_departments": (
                "盘点 {count} 缺少部门参与签字:{missing}",
                "stock count {count} was not signed by {missing}",
            ),
            "period_end.stock_difference": (
                "盘点 {count} 产品 {product} 账面 {book}、实盘 {counted},差异未查明",
                "stock count {count}: {product} book {book}, counted {counted}, difference unexplained",
            ),
            "period_end.stock_explained": (
                "盘点 {count} 产品 {product} 账面 {book}、实盘 {counted},差异已查明",
                "stock count {count}: {product} book {book}, counted {counted}, difference explained",
            ),
        },
    ),
)

FAMILY = Family(
    name="period_end",
    title_zh="期末核对",
    title_en="Period-end reconciliations",
    policy_type=PeriodEndPolicy,
    controls=CONTROLS,
)
