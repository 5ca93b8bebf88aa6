"""The book folds: what each event type adds to the :class:`~salesctl.ledger.books.Books`
(one function per type, registered with :func:`~salesctl.ledger.books.book_fold`)."""

from __future__ import annotations

import datetime as dt
import operator
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from salesctl.ledger.books import Books, OrderBook, ReceivableBook, book_fold
from salesctl.ledger.registers import file_under, filed_under
from salesctl.ledger.state import ZERO, plus
from salesctl.model import CreditLimitChange, CreditProfile, CreditTerms, SalesOrder, earliest_due
from salesctl.money import Money
from salesctl.records import BilledLine, DeliveryRecord, ReceiptVoucher, SystemInvoice

__all__: list[str] = []


#: A receivable's place in a settlement: due date, then issue date and id.
_SETTLED_FIRST = operator.itemgetter("due_on", "issued_on", "item_id")


def _book_settle(
    b: Books,
    customer_id: str,
    cur: str,
    amount: Decimal,
    day: dt.date,
    which: Callable[[ReceivableBook], bool] | None,
) -> Decimal:
    """Apply ``amount`` to the customer's oldest open receivables that ``which`` selects
    (``None``: all of them)."""
    todo = amount
    items = b._open_by_customer.get(customer_id)
    if not todo or not items:
        return todo
    if which is None:
        chosen = [i for i in items.values() if i["currency"] == cur]
    else:
        chosen = [i for i in items.values() if i["currency"] == cur and which(i)]
    chosen.sort(key=_SETTLED_FIRST)  # stable, as sorted() with the same key
    for it in chosen:
        take = min(todo, it["open"])
        it["open"] -= take
        todo -= take
        if not it["open"]:
            it["settled_on"] = day
            del items[it["item_id"]]
        if not todo:
            break
    return todo


def _line_at(lines: list[Any], line_no: int) -> int:
    """The index of ``line_no`` in an order's flat quantities (``Books._lines``: line number,
    ordered, delivered, invoiced, for each line in the order first placed), else -1."""
    for k in range(0, len(lines), 4):
        if lines[k] == line_no:
            return k
    return -1


def _approved(profile: CreditProfile) -> CreditTerms | int:
    """A credit profile's terms, or its day count (net N, read by ``earliest_due``)."""
    return profile.terms if profile.terms is not None else profile.term_days


def _book_complete(b: Books, oid: str, day: dt.date) -> None:
    e = b.orders.get(oid)
    lines = b._lines.get(oid)
    if e is None or lines is None:
        return
    done = all(
        lines[k + 2] >= lines[k + 1] and lines[k + 3] >= lines[k + 2]
        for k in range(0, len(lines), 4)
    )
    if done and e["completed_on"] is None:
        e["completed_on"] = day
    elif not done:
        e["completed_on"] = None


@book_fold("PlaceOrder", "ReleaseOrder")
def _book_order(b: Books, txn: Any) -> None:
    o: SalesOrder = txn.order
    e = b.orders.get(o.id)
    if e is None:
        if type(txn).__name__ != "PlaceOrder":
            return
        b.orders[o.id] = OrderBook(o.id, o.series, o.seq, o.customer.id, o.order_date)
        if o.seq > b.series_max.get(o.series, 0):
            b.series_max[o.series] = o.seq
    lines = b._lines.get(o.id)
    if lines is None:
        lines = b._lines[o.id] = []
    for ln in o.lines:
        k = _line_at(lines, ln.line_no)
        if k < 0:
            lines.extend((ln.line_no, ln.quantity, ZERO, ZERO))
        else:
            lines[k + 1] = ln.quantity
    # The order's lines as placed (the tuple the order holds: the prices by line are read
    # from it when a delivery is valued, not kept in a table of their own per order).
    b._prices[o.id] = o.lines
    profile = o.customer.credit_profile
    if profile is not None and o.customer.id not in b._profile_terms:
        b._profile_terms[o.customer.id] = _approved(profile)
    pay = o.payment
    if pay.method in b.credit_methods:
        stated = pay.terms if pay.terms is not None else (pay.days or None)
        b._credit_orders[o.id] = (o.created_by, stated)
    else:
        b._credit_orders.pop(o.id, None)
    _book_complete(b, o.id, b.day_of(txn.at))


@book_fold("VoidOrder")
def _book_void(b: Books, txn: Any) -> None:
    e = b.orders.get(txn.order.id)
    if e is not None:
        e["voided"] = True


@book_fold("CloseOrder")
def _book_close(b: Books, rec: Any) -> None:
    e = b.orders.get(rec.order_id)
    if e is not None and e["closed_on"] is None:
        e["closed_on"] = b.day_of(rec.at)


@book_fold("SetCreditProfile")
def _book_profile(b: Books, txn: Any) -> None:
    f = b.credit_files.get(txn.customer.id)
    if f is None:
        f = b.credit_files[txn.customer.id] = {
            "opened_on": txn.profile.reviewed_on,
            "reviewed_on": set(),
            "history": [],
        }
    f["reviewed_on"].add(txn.profile.reviewed_on)
    # The credit-limit history (issue 15): every profile set, who proposed, approved and
    # entered it (the books see no decision: a profile the host posted is taken as in force).
    f["history"].append(
        CreditLimitChange(
            at=txn.at,
            application_id=txn.application_id,
            profile=txn.profile,
            entered_by=txn.actor.id,
        )
    )
    b._profile_terms[txn.customer.id] = _approved(txn.profile)
    if txn.profile.reviewed_on < f["opened_on"]:
        f["opened_on"] = txn.profile.reviewed_on


@book_fold("PostGoodsIssue")
def _book_goods_issue(b: Books, txn: Any) -> None:
    gi = txn.goods_issue
    if gi.id in b.deliveries:
        return  # posted once; a second posting is O2C-DL-02's exception
    day = gi.issued_on
    prices = {ln.line_no: ln.unit_price for ln in b._prices.get(gi.order_id, ())}
    recs = [
        DeliveryRecord(
            goods_issue_id=gi.id,
            order_id=gi.order_id,
            customer_id=gi.customer_id,
            product_id=line.product_id,
            quantity=line.quantity,
            posted_on=day,
            value=_shared(b, _value(prices.get(line.order_line), line.quantity)),
        )
        for line in gi.lines
    ]
    b.deliveries[gi.id] = recs
    b._gi_order[gi.id] = gi.order_id
    b._deliveries_by_day.setdefault(day, []).append(gi.id)
    lines = b._lines.get(gi.order_id, [])
    for line in gi.lines:
        b._unbilled.setdefault(gi.order_id, {}).setdefault(line.order_line, []).append(
            [gi.id, line.quantity]
        )
        k = _line_at(lines, line.order_line)
        if k >= 0:
            lines[k + 2] = plus(lines[k + 2], line.quantity)
    _book_complete(b, gi.order_id, b.day_of(txn.at))


@book_fold("IssueInvoice")
def _book_invoice(b: Books, txn: Any) -> None:
    inv = txn.invoice
    if inv.id in b.system_invoices:
        return
    billed: list[Any] = []
    lines = b._lines.get(inv.order_id, [])
    for line in inv.lines:
        todo = line.quantity
        fifo = b._unbilled.get(inv.order_id, {}).get(line.order_line, [])
        last: str | None = None
        while todo > 0 and fifo:
            gid, left = fifo[0]
            last = gid
            take = min(todo, left)
            billed.append(BilledLine(product_id=line.product_id, quantity=take, goods_issue_id=gid))
            todo -= take
            if take == left:
                fifo.pop(0)
            else:
                fifo[0][1] = left - take
        if todo > 0:
            # More than delivered: billed against the last delivery of the line, if any.
            billed.append(
                BilledLine(product_id=line.product_id, quantity=todo, goods_issue_id=last)
            )
        if not fifo:
            _billed_out(b, inv.order_id, line.order_line)
        k = _line_at(lines, line.order_line)
        if k >= 0:
            lines[k + 3] = plus(lines[k + 3], line.quantity)
    sinv = SystemInvoice(
        invoice_id=inv.id,
        customer_id=inv.customer_id,
        issued_on=inv.issued_on,
        amount=inv.total,
        lines=tuple(billed),
    )
    b.system_invoices[inv.id] = sinv
    credit = b._credit_orders.get(inv.order_id)
    # an invoice of nothing (zero prices, or quantities too small to bill a minor unit: the
    # invoice's lines allow both) leaves nothing to collect: no receivable, which would be
    # refused as not above zero when the books' records are built, ending the replay
    if credit is not None and not inv.voided and inv.total.amount > 0:
        item = ReceivableBook(
            inv.id,
            inv.customer_id,
            inv.order_id,
            inv.issued_on,
            # Computed once per invoice: the order's terms and the customer's credit-profile
            # terms, the earlier due date wins (as in the ledger's exposure, O2C-CR-05).
            earliest_due(inv.issued_on, credit[1], b._profile_terms.get(inv.customer_id)),
            inv.total.amount,
            inv.total.currency,
            credit[0],
        )
        b.receivables[inv.id] = item
        b._open_by_customer.setdefault(inv.customer_id, {})[inv.id] = item
    b._sys_by_day.setdefault(inv.issued_on, []).append(inv.id)
    for bl in billed:
        g = bl.goods_issue_id
        if g is not None and inv.id not in filed_under(b._gi_bills, g):
            file_under(b._gi_bills, g, inv.id)
    _book_complete(b, inv.order_id, b.day_of(txn.at))


def _billed_out(b: Books, order_id: str, order_line: int) -> None:
    """Forget a line's queue of unbilled deliveries once it is empty (and the order's, once
    every line's is): an empty queue and none bill the same (nothing), and a delivered and
    invoiced order would otherwise hold its empty queues until it leaves the books."""
    queues = b._unbilled.get(order_id)
    if queues is None or queues.get(order_line, True):
        return
    del queues[order_line]
    if not queues:
        del b._unbilled[order_id]


@book_fold("IssueSalesInvoice")
def _book_sales_invoice(b: Books, rec: Any) -> None:
    x = rec.invoice
    b._sales_by_day.setdefault(x.issued_on, []).append(x)
    if x.system_invoice_id is not None:
        file_under(b._sales_by_sys, x.system_invoice_id, x)


@book_fold("PostGLRevenue")
def _book_gl(b: Books, rec: Any) -> None:
    x = rec.posting
    b._gl_by_day.setdefault(x.posted_on, []).append(x)
    if x.invoice_id is not None:
        file_under(b._gl_by_sys, x.invoice_id, x)


@book_fold("KeepContractLedger")
def _book_contract_ledger(b: Books, rec: Any) -> None:
    b.contract_ledgers.line(rec.line)


@book_fold("CountShipments")
def _book_shipments(b: Books, rec: Any) -> None:
    b.keep("shipment_counts", rec.count.period_end, rec.count)


@book_fold("CountStock")
def _book_stock(b: Books, rec: Any) -> None:
    b.keep("stock_counts", rec.line.period_end, rec.line)


@book_fold("CountConsignment")
def _book_consignment(b: Books, rec: Any) -> None:
    b.keep("consignment_counts", rec.count.period_end, rec.count, rec.count.count_id)


@book_fold("SetSalesTarget")
def _book_target(b: Books, rec: Any) -> None:
    b.keep("targets", rec.target.period.end, rec.target)


@book_fold("ReportSalesActual")
def _book_actual(b: Books, rec: Any) -> None:
    b.keep("actuals", rec.actual.period.end, rec.actual)


@book_fold("AnalyseSales")
def _book_analysis(b: Books, rec: Any) -> None:
    b.keep("analyses", rec.analysis.performed_on, rec.analysis)


@book_fold("AssessPerformance")
def _book_assessment(b: Books, rec: Any) -> None:
    b.keep("assessments", rec.assessment.assessed_on, rec.assessment)


@book_fold("SubmitSalesPlan")
def _book_plan(b: Books, rec: Any) -> None:
    plan = rec.plan
    b._plans.add(plan.id)
    b.keep("sales_plans", plan.end, plan)
    # Approvals usually come before the plan takes effect: take them from the buffer.
    for a in [a for a in b._pending_approvals if a.document_id == plan.id]:
        b._pending_approvals.remove(a)
        b.keep("approvals", plan.end, a)


@book_fold("GrantApproval")
def _book_plan_approval(b: Books, rec: Any) -> None:
    a = rec.approval
    if a.document_id in b._plans:
        b.keep("approvals", b.day_of(a.granted_at), a)
    elif a.role in b.plan_roles and rec.customer_id is None:
        b._pending_approvals.append(a)


@book_fold("VoidInvoice")
def _book_void_invoice(b: Books, txn: Any) -> None:
    it = b.receivables.get(txn.invoice.id)
    if it is not None and it["settled_on"] is None:
        it["open"] = ZERO
        it["settled_on"] = b.day_of(txn.at)
        b._open_by_customer.get(it["customer_id"], {}).pop(it["item_id"], None)


@book_fold("RecordReceipt")
def _book_receipt(b: Books, txn: Any) -> None:
    r = txn.receipt
    _book_settle(b, r.customer_id, r.amount.currency, r.to_receivables.amount, r.received_on, None)
    b.registers.voucher(
        ReceiptVoucher(
            voucher_id=r.id,
            posted_on=r.received_on,
            amount=r.amount,
            customer_id=r.customer_id,
            account=r.account,
        )
    )


def _value(price: Money | None, quantity: Decimal) -> Money | None:
    return price.times(quantity) if price is not None else None


#: The most delivery values :func:`_shared` keeps (the table is emptied when full).
SHARED_VALUES_MAX = 1 << 13


def _shared(b: Books, value: Money | None) -> Money | None:
    """``value`` (a price times a quantity, rounded to its currency's minor unit by
    :meth:`Money.times`), or the instance equal to it computed before: the delivery register
    holds a value per delivered line for 120 days, and the same product delivered in the same
    quantity recurs. Equal non-zero amounts rounded to the same minor unit have the same
    digits and exponent, so the shared instance is the same value to the last digit (a zero,
    whose sign could differ, is never shared)."""
    if value is None or type(value) is not Money or not value.amount:
        return value
    table = b._values
    hit = table.get(value)
    if hit is not None:
        return hit
    if len(table) >= SHARED_VALUES_MAX:
        table.clear()
    table[value] = value
    return value


@book_fold("BookRevenue")
def _book_revenue(b: Books, txn: Any) -> None:
    e = txn.entry
    b.keep("revenue_entries", e.booked_on, e)
    if e.advance_offset is None or not e.advance_offset.amount:
        return
    orders = {b._gi_order.get(g) for g in e.goods_issue_ids}
    _book_settle(
        b,
        e.customer_id,
        e.advance_offset.currency,
        e.advance_offset.amount,
        e.booked_on,
        lambda i: i["order_id"] in orders,
    )


@book_fold("TakeCollectionStep")
def _book_collection(b: Books, rec: Any) -> None:
    it = b.receivables.get(rec.item_id)
    if it is not None and it[rec.step.value] is None:
        it[rec.step.value] = b.day_of(rec.at)


# issue 14: receipts, commission accrual, analysis, storage, promotions


#: Record type -> (its field, the register's method): each of these records is only filed.
_REGISTERED: dict[str, tuple[str, str]] = {
    "KeepReceiptRecord": ("entry", "receipt_record"),
    "PostReceiptVoucher": ("voucher", "voucher"),
    "AccrueCommission": ("accrual", "accrual"),
    "AnalyseCollections": ("analysis", "analysis"),
    "RegisterStorageArea": ("area", "area"),
    "ReadStorage": ("reading", "reading"),
    "RunPromotion": ("promotion", "promotion"),
    "EvaluatePromotion": ("evaluation", "evaluation"),
}


def _filer(field: str, method: str) -> Callable[[Books, Any], None]:
    def file(b: Books, rec: Any) -> None:
        getattr(b.registers, method)(getattr(rec, field))

    return file


for _name, (_field, _method) in _REGISTERED.items():
    book_fold(_name)(_filer(_field, _method))
