"""O2C-RR-04: revenue is recognised once per goods issue, for at most its delivered value; a
document posted twice is an exception.

Source: the group manual S-IC 二 2.1 (the risk of 虚增或截留收入: revenue inflated or withheld)
and the direct-sales flow S-YF 11 (核算会计根据会计联确认收入: the accountant recognises revenue
from the accounting copy of the goods issue, once, for what was delivered).

Preventive, on :class:`~salesctl.transactions.BookRevenue` (:func:`check_revenue_once`): the
entry's goods issues are each recognised for the first time (the context's
``revenue_entries`` are those already booked on them), none is listed twice, and the amount
is no more than their delivered value — each goods-issue line at the price of its sales-order
line (the context's ``orders``). Consignment stock (铺货) is recognised settlement by
settlement (O2C-RR-02): there, each settlement once, and all entries together no more than the
value placed. A goods issue or an order the context does not hold cannot be valued: it fails
closed.

Detective, each month (:func:`detect_revenue_once`, run by :func:`salesctl.reconcile.run` and
at every month end of the audit replay): over the revenue register, an entry recognising a
goods issue recognised before, or above the goods issue's value on the delivery register;
over the register of posted documents, any document id posted twice under the same kind
(order, delivery notice, goods issue, invoice, revenue entry, receipt, contract …).

>>> import datetime as dt
>>> from salesctl.controls.revenue import RevenuePolicy, detect_revenue_once
>>> from salesctl.records import DocumentEntry, Period, Records
>>> day = dt.date(2026, 3, 2)
>>> twice = tuple(DocumentEntry("IssueDeliveryNotice", "DN-7", day) for _ in range(2))
>>> ex = detect_revenue_once(Records(documents=twice), Period.month(2026, 3), RevenuePolicy())
>>> [f.message for f in ex.findings]
['revenue.document_duplicate']
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from operator import attrgetter

from salesctl.context import Context
from salesctl.control import Examination
from salesctl.controls.revenue.policy import RevenuePolicy
from salesctl.decision import Finding, Outcome, finding, make_finding
from salesctl.model import DeliveryLine, RevenueEntry, SalesOrder
from salesctl.money import Money
from salesctl.records import Period, Records
from salesctl.transactions import BookRevenue, Transaction

__all__ = ["check_revenue_once", "delivered_value", "detect_revenue_once"]

_CID = "O2C-RR-04"
_BLOCK = Outcome.BLOCK


def delivered_value(lines: Iterable[DeliveryLine], order: SalesOrder) -> Money:
    """The value of goods-issue lines at the prices of their sales-order lines.

    A line that names no line of the order adds nothing (the cap on revenue only gets lower).

    Returns:
        The value, in the order's currency.
    """
    prices = {ln.line_no: ln.unit_price for ln in order.lines}
    total = Money.zero(order.currency)
    for line in lines:
        price = prices.get(line.order_line)
        if price is not None:
            total = total + price.times(line.quantity)
    return total


# -- preventive -------------------------------------------------------------------------------


def check_revenue_once(
    txn: Transaction, ctx: Context, policy: RevenuePolicy
) -> tuple[Finding, ...]:
    """O2C-RR-04: a goods issue's revenue is recognised once, for at most its delivered value.

    BLOCK when the entry's id was booked before; when it lists a goods issue twice; when a
    goods issue (not consignment stock) was already recognised by an entry in the context's
    ``revenue_entries``; when a consignment settlement was already recognised; when the amount
    exceeds the delivered value (for consignment stock: less what earlier entries recognised);
    and, failing closed, when a goods issue or its order is not in the context.
    """
    assert isinstance(txn, BookRevenue)
    entry = txn.entry
    cur = entry.amount.currency
    out: list[Finding] = []
    if any(e.id == entry.id for e in ctx.revenue_entries):
        out.append(finding(_CID, _BLOCK, "revenue.entry_duplicate", params={"entry": entry.id}))
    issues = {g.id: g for g in ctx.goods_issues}
    value = Money.zero(cur)
    valued = True
    earlier = Money.zero(cur)
    counted: set[str] = set()
    listed: set[str] = set()
    for gid in entry.goods_issue_ids:
        if gid in listed:
            out.append(
                finding(
                    _CID,
                    _BLOCK,
                    "revenue.goods_issue_listed_twice",
                    params={"entry": entry.id, "goods_issue": gid},
                )
            )
            continue
        listed.add(gid)
        before = [e for e in ctx.revenue_entries if e.id != entry.id and gid in e.goods_issue_ids]
        g = issues.get(gid)
        if g is not None and g.consignment:
            for e in before:
                if e.id not in counted:
                    counted.add(e.id)
                    earlier = earlier + ctx.convert(e.amount, cur)
                sid = entry.consignment_settlement_id
                if sid is not None and e.consignment_settlement_id == sid:
                    out.append(
                        finding(
                            _CID,
                            _BLOCK,
                            "revenue.settlement_already_recognised",
                            params={"settlement": sid, "earlier": e.id},
                        )
                    )
        else:
            for e in before:
                out.append(
                    finding(
                        _CID,
                        _BLOCK,
                        "revenue.already_recognised",
                        params={"goods_issue": gid, "earlier": e.id},
                        facts={
                            "goods_issue": gid,
                            "earlier_entry": e.id,
                            "earlier_booked_on": e.booked_on,
                            "earlier_amount": e.amount,
                            "entry": entry.id,
                            "amount": entry.amount,
                        },
                    )
                )
        if g is None:
            valued = False
            out.append(
                finding(_CID, _BLOCK, "revenue.delivery_unknown", params={"goods_issue": gid})
            )
            continue
        order = ctx.order(g.order_id)
        if order is None:
            valued = False
            out.append(
                finding(
                    _CID,
                    _BLOCK,
                    "revenue.order_unknown",
                    params={"goods_issue": gid, "order": g.order_id},
                )
            )
            continue
        value = value + ctx.convert(delivered_value(g.lines, order), cur)
    if valued:
        cap = value - earlier
        if entry.amount > cap:
            out.append(
                Finding(
                    control_id=_CID,
                    outcome=_BLOCK,
                    message="revenue.above_delivered",
                    params={"entry": entry.id, "amount": entry.amount, "delivered": cap},
                    facts={
                        "goods_issues": list(listed),
                        "delivered_value": value,
                        "recognised_before": earlier,
                        "amount": entry.amount,
                        "excess": entry.amount - cap,
                    },
                )
            )
    return tuple(out)


# -- detective --------------------------------------------------------------------------------


def detect_revenue_once(records: Records, period: Period, policy: RevenuePolicy) -> Examination:
    """O2C-RR-04 (detective): over the period, revenue entries and posted documents.

    An entry booked in the period that recognises a goods issue an earlier entry recognised
    (consignment entries: the same goods issue and settlement), or whose amount exceeds the
    value of its goods issues on the delivery register (BLOCK; a goods issue with no valued
    delivery record cannot be checked and is a BLOCK too); a document posted in the period
    under a kind and id posted before (BLOCK, naming the document).
    """
    out: list[Finding] = []
    # The entries' part first, in its own frame: its tables are let go before the register's
    # count (the month-end peak of the replay is the largest of the two, not their sum).
    tested = _entries(records, period, out)
    posted = [d.document_id for d in records.documents if d.posted_on in period]
    out.extend(_duplicates(records, period, posted))
    tested += len(posted)
    return Examination(tested, tuple(out))


def _entries(records: Records, period: Period, out: list[Finding]) -> int:
    """The revenue entries' findings (appended to ``out``) and how many were booked in
    ``period``.

    Only the goods issues of entries booked in the period are valued (no other value is
    read), and an entry's first recognition of a goods issue is keyed by the goods issue's id
    alone when it names no consignment settlement (no pair per entry and goods issue).
    """
    entries = records.revenue_entries
    wanted = {
        gid
        for e in entries
        if e.consignment_settlement_id is None and e.booked_on in period
        for gid in e.goods_issue_ids
    }
    value: dict[str, Money | None] = {}
    for d in records.deliveries:
        gid = d.goods_issue_id
        if gid not in wanted:
            continue
        have = value.get(gid, d.value and Money.zero(d.value.currency))
        if have is None or d.value is None or d.value.currency != have.currency:
            value[gid] = None  # a line without a value (or in another currency): unknown
        else:
            value[gid] = have + d.value
    del wanted
    first: dict[str | tuple[str, str], RevenueEntry] = {}
    booked: set[str] = set()
    tested = 0
    for e in sorted(entries, key=_BOOKED_ON):
        again = e.id in booked  # the same entry posted twice: a duplicate document
        booked.add(e.id)
        mine = e.booked_on in period
        tested += mine
        sid = e.consignment_settlement_id
        for gid in e.goods_issue_ids:
            key: str | tuple[str, str] = gid if sid is None else (gid, sid)
            prior = first.get(key)
            if prior is None:
                first[key] = e
            elif mine and not again and prior.id != e.id:
                out.append(
                    make_finding(
                        _CID,
                        _BLOCK,
                        "revenue.recognised_twice",
                        e.id,
                        params={"entry": e.id, "goods_issue": gid, "earlier": prior.id},
                        facts={
                            "earlier_booked_on": prior.booked_on,
                            "earlier_amount": prior.amount,
                            "booked_on": e.booked_on,
                            "amount": e.amount,
                        },
                    )
                )
        if mine and not again and sid is None:
            out.extend(_over_value(e, value))
    return tested


def _over_value(e: RevenueEntry, value: dict[str, Money | None]) -> list[Finding]:
    total = Money.zero(e.amount.currency)
    for gid in dict.fromkeys(e.goods_issue_ids):
        v = value.get(gid)
        if v is None or v.currency != e.amount.currency:
            return [
                make_finding(
                    _CID,
                    _BLOCK,
                    "revenue.delivery_value_unknown",
                    e.id,
                    params={"entry": e.id, "goods_issue": gid},
                )
            ]
        total = total + v
    if e.amount <= total:
        return []
    return [
        make_finding(
            _CID,
            _BLOCK,
            "revenue.recognised_above_delivered",
            e.id,
            params={"entry": e.id, "amount": e.amount, "delivered": total},
            facts={"goods_issues": list(e.goods_issue_ids), "excess": e.amount - total},
        )
    ]


_KEY = attrgetter("kind", "document_id")
_ID = attrgetter("document_id")
_POSTED_ON = attrgetter("posted_on")
_BOOKED_ON = attrgetter("booked_on")


def _duplicates(records: Records, period: Period, posted: list[str] | None = None) -> list[Finding]:
    """Every posting of a (kind, document) after its first, posted in ``period``: the postings
    in date order (ties in register order), counted per key.

    Only keys posted more than once can give a finding, so only their postings are sorted: a
    register with no key twice (the usual case) is answered by one count of its keys, whatever
    its length (the month-end cost no longer grows with a sort of the whole register).

    The keys are counted by document id first (a key repeats only where its id does), and only
    the ids posted in the period (``posted``: the ids of the postings in ``period``, in any
    order, found here when not given): a key none of whose postings is in the period finds
    nothing. The count is a table of the month's ids, not of the register's (the month-end
    peak of the replay: a table of a 107,000-posting register took 5.5 MiB at its largest, of
    its 21,000 ids posted in the month about 1.5 MiB), and pairs are built for the postings of
    repeated ids alone.
    """
    documents = records.documents
    if posted is None:
        posted = [d.document_id for d in documents if d.posted_on in period]
    ids: Counter[str] = Counter(dict.fromkeys(posted, 0))
    ids.update(filter(ids.__contains__, map(_ID, documents)))
    if max(ids.values(), default=0) <= 1:
        return []
    twice = {i for i, n in ids.items() if n > 1}
    del ids
    counts = Counter([_KEY(d) for d in documents if d.document_id in twice])
    again = {k for k, n in counts.items() if n > 1}
    seen: dict[tuple[str, str], int] = {}
    out: list[Finding] = []
    # A stable sort of the postings of repeated keys, in register order, orders them as the
    # stable sort of the whole register does; the other postings neither count nor find.
    for d in sorted([d for d in documents if _KEY(d) in again], key=_POSTED_ON):
        key = (d.kind, d.document_id)
        n = seen[key] = seen.get(key, 0) + 1
        if n > 1 and d.posted_on in period:
            out.append(
                make_finding(
                    _CID,
                    _BLOCK,
                    "revenue.document_duplicate",
                    d.document_id,
                    params={"kind": d.kind, "document": d.document_id, "times": n},
                    facts={"posted_on": d.posted_on, "customer": d.customer_id or "-"},
                )
            )
    return out
