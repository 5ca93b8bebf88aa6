"""The simulated host's order-to-cash flow: order, notice, goods issue, proof, invoice,
revenue, payment, closing.

Each step posts its document through the gate and, in the clean flow, schedules the next one;
injectors call the steps with ``flow=False`` and ``expect=`` to break one control, or hook the
flow through a :class:`Deal`'s ``after_invoice`` / ``after_goods_issue``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Any

import attrs

from salesctl.demo.direct import cny_text, write_unfolded
from salesctl.demo.encode import iso_date, iso_time, to_data
from salesctl.demo.host import (
    CNY,
    SETTLEMENT_ACCOUNT,
    ZERO,
    Host,
    HostCustomer,
    cny,
    month_of,
    randint,
)
from salesctl.demo.trusted import trusted
from salesctl.events import (
    CloseOrder,
    IssueSalesInvoice,
    KeepReceiptRecord,
    PostGLRevenue,
    ReceiveDeliveryProof,
)
from salesctl.model import (
    Actor,
    DeliveryLine,
    DeliveryNotice,
    DeliveryProof,
    GoodsIssue,
    Invoice,
    InvoiceLine,
    OrderLine,
    PaymentMethod,
    PaymentTerms,
    ProofKind,
    Receipt,
    RevenueEntry,
    SalesOrder,
)
from salesctl.records import GLRevenue, ReceiptChannel, ReceiptRecord, SalesInvoice
from salesctl.transactions import (
    BookRevenue,
    IssueDeliveryNotice,
    IssueInvoice,
    PlaceOrder,
    PostGoodsIssue,
    RecordReceipt,
)

__all__ = ["Deal", "OrderFlow"]


#: The documents of the regular flow, built from values the host computed: without re-running
#: their field validators (:mod:`salesctl.demo.trusted`).
_order_line = trusted(OrderLine)
_sales_order = trusted(SalesOrder)
_delivery_line = trusted(DeliveryLine)
_invoice_line = trusted(InvoiceLine)
_invoice = trusted(Invoice)
_receipt = trusted(Receipt)
_revenue_entry = trusted(RevenueEntry)
_payment_terms = trusted(PaymentTerms)
_delivery_notice = trusted(DeliveryNotice)
_goods_issue = trusted(GoodsIssue)
_delivery_proof = trusted(DeliveryProof)
_receipt_record = trusted(ReceiptRecord)
_sales_invoice = trusted(SalesInvoice)
_gl_revenue = trusted(GLRevenue)
#: ... and the events that carry them (the transactions posted through the gate included).
_place_order = trusted(PlaceOrder)
_issue_notice = trusted(IssueDeliveryNotice)
_post_goods_issue = trusted(PostGoodsIssue)
_issue_invoice = trusted(IssueInvoice)
_book_revenue = trusted(BookRevenue)
_record_receipt = trusted(RecordReceipt)
_keep_receipt_record = trusted(KeepReceiptRecord)
_receive_proof = trusted(ReceiveDeliveryProof)
_issue_sales_invoice = trusted(IssueSalesInvoice)
_post_gl_revenue = trusted(PostGLRevenue)
_close_order = trusted(CloseOrder)
#: The bank channel as the stream writes it.
_BANK = to_data(ReceiptChannel.BANK)
#: A customer-signed proof's kind as the stream writes it.
_SIGNED = to_data(ProofKind.CUSTOMER_SIGNED)


@attrs.define(eq=False)
class Deal:
    """An order in flight (the host's own view of what it still has to do)."""

    order: SalesOrder
    cust: HostCustomer
    contract_id: str | None = None
    invoiced: Decimal = ZERO
    delivered_value: Decimal = ZERO
    #: Days after the due date the customer pays (0: on time).
    pay_late: int = 0
    #: Leave the order open after completion (O2C-SO-03's injector).
    no_close: bool = False
    #: Called with the invoice when one is issued (injectors hook the flow here).
    after_invoice: Callable[[Invoice, dt.datetime], None] | None = None
    #: Called with the goods issue instead of the normal proof/invoice flow.
    after_goods_issue: Callable[[GoodsIssue, dt.datetime], None] | None = None
    #: The pickup order its goods issue leaves against (centrally sold products, O2C-DL-07).
    pickup_order_id: str | None = None


class OrderFlow(Host):
    """The host with its order-to-cash flow (see the module)."""

    # -- the order-to-cash flow ---------------------------------------------------------

    def next_order_seq(self) -> int:
        """Draw the next number of the year's order series."""
        series = f"SO-{self.year}"
        seq = self._counters.get(series, 0) + 1
        self._counters[series] = seq
        return seq

    def last_order_seq(self) -> int:
        """The last number drawn in the year's order series (0 before the first)."""
        return self._counters.get(f"SO-{self.year}", 0)

    def draft_order(self, cust: HostCustomer, when: dt.datetime, **kw: Any) -> SalesOrder:
        """An order drawn up only to quote or contract from: its number goes back to the
        series (no order is posted under it)."""
        order = self.new_order(cust, when, **kw)
        self._counters[f"SO-{self.year}"] -= 1
        return order

    def new_order(
        self,
        cust: HostCustomer,
        when: dt.datetime,
        *,
        lines: int | None = None,
        method: PaymentMethod | None = None,
        contract_id: str | None = None,
        seq: int | None = None,
        scale: int = 1,
        order_id: str | None = None,
    ) -> SalesOrder:
        """Build (not post) a sales order for ``cust`` at list prices."""
        rng = self.rng
        k = lines or rng.choice((1, 1, 1, 2, 2, 3))
        picks = rng.sample(self.regular_products, k)
        order_lines = tuple(
            _order_line(
                line_no=i + 1,
                product=p.product,
                quantity=Decimal(randint(rng, 1, 4) * p.scale * scale),
                unit_price=cny(p.price),
            )
            for i, p in enumerate(picks)
        )
        if method is None:
            if cust.credit:
                method = (
                    PaymentMethod.CREDIT if rng.random() < 0.8 else PaymentMethod.TT_OPEN_ACCOUNT
                )
            else:
                method = PaymentMethod.PREPAYMENT if rng.random() < 0.7 else PaymentMethod.CASH
        days = cust.term if method in self.credit_methods else 0
        if seq is None:
            seq = self.next_order_seq()
        return _sales_order(
            id=order_id or f"SO-{self.year}-{seq:06d}",
            series=f"SO-{self.year}",
            seq=seq,
            customer=cust.customer(),
            lines=order_lines,
            payment=_payment_terms(method=method, days=days),
            created_by=cust.rep.id,
            order_date=when.date(),
            contract_id=contract_id,
        )

    def place(
        self,
        order: SalesOrder,
        cust: HostCustomer,
        when: dt.datetime,
        *,
        expect: Iterable[str] = (),
        actor: Actor | None = None,
        flow: bool = True,
    ) -> Deal:
        """Post the order and (with ``flow``) schedule the rest of its life."""

        self.post(_place_order(order=order, actor=actor or cust.rep, at=when), expect=expect)
        key = (cust.rep.org_unit, month_of(when))
        self._sold[key] = self._sold.get(key, ZERO) + order.total.amount
        deal = Deal(order=order, cust=cust, contract_id=order.contract_id)
        if flow:
            if order.payment.method is PaymentMethod.PREPAYMENT:
                self.schedule(
                    when + dt.timedelta(hours=randint(self.rng, 2, 40)),
                    lambda t: self.prepay(deal, t),
                )
            else:
                self.schedule(self.later(when, 1, 3), lambda t: self.notice(deal, t))
        return deal

    def later(self, when: dt.datetime, lo: int, hi: int, hour: int | None = None) -> dt.datetime:
        """A working-day time ``lo``–``hi`` days after ``when`` (at ``hour``, or a random one)."""
        rng = self.rng
        day = when.date() + dt.timedelta(days=randint(rng, lo, hi))
        while day.weekday() >= 5:
            day += dt.timedelta(days=1)
        return self.at(day, hour if hour is not None else randint(rng, 9, 16), randint(rng, 0, 59))

    def prepay(self, deal: Deal, when: dt.datetime) -> None:
        """The customer pays a prepayment order in advance; then the notice follows."""
        self.receive(deal.cust, deal.order.total.amount, when, to_receivables=ZERO)
        self.schedule(self.later(when, 0, 2), lambda t: self.notice(deal, t))

    def receive(
        self,
        cust: HostCustomer,
        amount: Decimal,
        when: dt.datetime,
        *,
        to_receivables: Decimal,
        contract_id: str | None = None,
        expect: Iterable[str] = (),
        account: str = SETTLEMENT_ACCOUNT,
    ) -> Receipt:
        """Record a customer payment into ``account``, and the bank's line for it (O2C-AR-03:
        the amount an injector skews under ``skews["bank"][receipt id]``)."""

        r = _receipt(
            id=self.next_id("RC"),
            customer_id=cust.id,
            amount=cny(amount),
            received_on=when.date(),
            to_receivables=cny(to_receivables),
            contract_id=contract_id,
            account=account,
        )
        self.post(_record_receipt(receipt=r, actor=self.cashier, at=when), expect=expect)
        month = r.received_on.isoformat()[:7]
        self.collected_by_month[month] = self.collected_by_month.get(month, ZERO) + amount
        bank = amount + self.skews.get("bank", {}).get(r.id, ZERO)
        # The bank's line, from its data (the host's ledger has no fold for it; built and
        # folded when ``direct_ok`` says no: :func:`~salesctl.demo.direct.write_unfolded`).
        write_unfolded(
            self,
            when,
            {
                "type": "KeepReceiptRecord",
                "at": iso_time(when),
                "entry": {
                    "record_id": f"BK-{r.id}",
                    "channel": _BANK,
                    "account": account,
                    "received_on": iso_date(r.received_on),
                    "amount": cny_text(bank),
                    "customer_id": cust.id,
                    "voucher_id": r.id,
                },
            },
            lambda: _keep_receipt_record(
                at=when,
                entry=_receipt_record(
                    record_id=f"BK-{r.id}",
                    channel=ReceiptChannel.BANK,
                    account=account,
                    received_on=r.received_on,
                    amount=cny(bank),
                    customer_id=cust.id,
                    voucher_id=r.id,
                ),
            ),
        )
        if contract_id is not None and contract_id in self.contracts:
            self.contracts[contract_id]["collected"] += amount
        return r

    def notice(
        self,
        deal: Deal,
        when: dt.datetime,
        *,
        expect: Iterable[str] = (),
        flow: bool = True,
        valid_days: int | None = 14,
        qty: Decimal | None = None,
    ) -> DeliveryNotice:
        """Issue the delivery notice for the whole order (then the goods issue); a credit sale
        is first secured by its contract (:meth:`secure_credit`)."""

        when = self.secure_credit(deal, when)
        o = deal.order
        n = _delivery_notice(
            id=self.next_id("DN"),
            order_id=o.id,
            lines=tuple(
                _delivery_line(
                    order_line=ln.line_no,
                    product_id=ln.product.id,
                    quantity=qty if qty is not None else ln.quantity,
                )
                for ln in o.lines
            ),
            issued_by=self.clerk.id,
            issued_on=when.date(),
            valid_until=when.date() + dt.timedelta(days=valid_days)
            if valid_days is not None
            else None,
            contract_id=o.contract_id,
        )
        self.post(_issue_notice(notice=n, order=o, actor=self.clerk, at=when), expect=expect)
        if flow:
            self.schedule(self.later(when, 1, 2), lambda t: self.goods_issue(deal, n, t))
        return n

    def secure_credit(self, deal: Deal, when: dt.datetime) -> dt.datetime:
        """Before a credit sale is delivered: what secures it (nothing here; the contract side
        signs its contract). Returns the time the notice may follow."""
        return when

    def pick(
        self, product_id: str, qty: Decimal, day: dt.date, when: dt.datetime
    ) -> list[tuple[str, Decimal]]:
        """Lots to ship ``qty`` of a product from, first-expiry-first (receiving stock when
        there is not enough)."""
        p = self.product_by_id[product_id]
        lots = [
            lot
            for lot in self.ledger.stock.get(product_id, {}).values()
            if lot.expires_on is None or lot.expires_on > day
        ]
        if sum((lot.quantity for lot in lots), ZERO) < qty:
            self.restock(p, when - dt.timedelta(minutes=30), 30)
            lots = [
                lot
                for lot in self.ledger.stock.get(product_id, {}).values()
                if lot.expires_on is None or lot.expires_on > day
            ]
        lots.sort(
            key=lambda lot: (lot.expires_on or dt.date.max, lot.received_on or dt.date.min, lot.id)
        )
        out: list[tuple[str, Decimal]] = []
        todo = qty
        for lot in lots:
            take = min(todo, lot.quantity)
            if take > 0:
                out.append((lot.id, take))
                todo -= take
            if not todo:
                break
        return out

    def goods_issue(
        self,
        deal: Deal,
        notice: DeliveryNotice,
        when: dt.datetime,
        *,
        expect: Iterable[str] = (),
        flow: bool = True,
        gate_pass: bool = True,
        lines: tuple[DeliveryLine, ...] | None = None,
    ) -> GoodsIssue:
        """Ship the notice's goods (lots picked FEFO) and schedule proof and invoice."""

        o = deal.order
        if lines is None:
            picked: list[DeliveryLine] = []
            for ln in notice.lines:
                for lot_id, q in self.pick(ln.product_id, ln.quantity, when.date(), when):
                    picked.append(
                        _delivery_line(
                            order_line=ln.order_line,
                            product_id=ln.product_id,
                            quantity=q,
                            lot_id=lot_id,
                        )
                    )
            lines = tuple(picked)
        gid = self.next_id("GI")
        gi = _goods_issue(
            id=gid,
            order_id=o.id,
            customer_id=deal.cust.id,
            notice_id=notice.id,
            lines=lines,
            issued_on=when.date(),
            gate_pass=f"GP-{gid}" if gate_pass else None,
            pickup_order_id=deal.pickup_order_id,
        )
        self.post(
            _post_goods_issue(goods_issue=gi, order=o, actor=self.warehouse, at=when), expect=expect
        )
        self.count_shipped(gi, when)
        price = {ln.line_no: ln.unit_price.amount for ln in o.lines}
        deal.delivered_value += sum((ln.quantity * price[ln.order_line] for ln in lines), ZERO)
        if deal.after_goods_issue is not None:
            hook, deal.after_goods_issue = deal.after_goods_issue, None
            hook(gi, when)
        elif flow:
            self.schedule(self.later(when, 1, 4), lambda t: self.proof(deal, gi, t))
        return gi

    def count_shipped(self, gi: GoodsIssue, when: dt.datetime) -> None:
        """Add ``gi``'s quantities to the month's shipments (the warehouse's count)."""
        month = month_of(when)
        by_id = self.product_by_id
        for ln in gi.lines:
            p = by_id[ln.product_id]
            p.shipped[month] = p.shipped.get(month, ZERO) + ln.quantity

    def proof(self, deal: Deal, gi: GoodsIssue, when: dt.datetime) -> None:
        """The signed delivery copy reaches finance; invoice and revenue follow."""

        self.record_proof(deal, gi, when, signed_by=f"receiver of {deal.cust.id}")
        if deal.contract_id is not None:
            # Invoicing a contract waits for 60 % of its price (O2C-BL-03).
            self.schedule(self.later(when, 0, 2), lambda t: self.invoice(deal, gi, t))
        else:
            self.schedule(self.later(when, 0, 3), lambda t: self.invoice(deal, gi, t))

    def record_proof(
        self, deal: Deal, gi: GoodsIssue, when: dt.datetime, *, signed_by: str = "receiver"
    ) -> None:
        """Record the customer-signed copy of ``gi`` reaching finance at ``when`` (its data
        made here, every field in order: checked when a test sets ``_VERIFY_DATA``)."""
        proof = _delivery_proof(
            id=self.next_id("PF"),
            goods_issue_id=gi.id,
            kind=ProofKind.CUSTOMER_SIGNED,
            received_on=when.date(),
            signed_by=signed_by,
        )
        self.record_data(
            _receive_proof(at=when, proof=proof, customer_id=deal.cust.id),
            {
                "type": "ReceiveDeliveryProof",
                "at": iso_time(when),
                "proof": {
                    "id": proof.id,
                    "goods_issue_id": gi.id,
                    "kind": _SIGNED,
                    "received_on": iso_date(proof.received_on),
                    "signed_by": signed_by,
                    "carrier_ref": None,
                    "discrepancy": False,
                },
                "customer_id": deal.cust.id,
            },
        )

    def finance_copies(self, deal: Deal, inv: Invoice, when: dt.datetime) -> None:
        """Finance's side of a system invoice, the same day: the sales invoice it stamps and the
        GL revenue posting (from their data: the host's ledger has no fold for them; built
        and folded when ``direct_ok`` says no)."""
        at, on, total = iso_time(when), iso_date(when.date()), inv.total
        amount = f"{total.amount} {total.currency}"  # ``str(total)``
        write_unfolded(
            self,
            when,
            {
                "type": "IssueSalesInvoice",
                "at": at,
                "invoice": {
                    "number": f"FP-{inv.id}",
                    "customer_id": deal.cust.id,
                    "issued_on": on,
                    "amount": amount,
                    "system_invoice_id": inv.id,
                },
            },
            lambda: _issue_sales_invoice(
                at=when,
                invoice=_sales_invoice(
                    number=f"FP-{inv.id}",
                    customer_id=deal.cust.id,
                    issued_on=when.date(),
                    amount=inv.total,
                    system_invoice_id=inv.id,
                ),
            ),
        )
        write_unfolded(
            self,
            when,
            {
                "type": "PostGLRevenue",
                "at": at,
                "posting": {
                    "voucher_id": f"GL-{inv.id}",
                    "posted_on": on,
                    "amount": amount,
                    "invoice_id": inv.id,
                },
            },
            lambda: _post_gl_revenue(
                at=when,
                posting=_gl_revenue(
                    voucher_id=f"GL-{inv.id}",
                    posted_on=when.date(),
                    amount=inv.total,
                    invoice_id=inv.id,
                ),
            ),
        )

    def invoice(
        self,
        deal: Deal,
        gi: GoodsIssue,
        when: dt.datetime,
        *,
        expect: Iterable[str] = (),
        extra: Decimal = ZERO,
        flow: bool = True,
    ) -> Invoice:
        """Invoice a goods issue (plus the same-day sales invoice and revenue posting)."""

        o = deal.order
        price = {ln.line_no: ln for ln in o.lines}
        qty: dict[int, Decimal] = {}
        for ln in gi.lines:
            qty[ln.order_line] = qty.get(ln.order_line, ZERO) + ln.quantity
        lines = tuple(
            _invoice_line(
                order_line=k,
                product_id=price[k].product.id,
                quantity=q + (extra if i == 0 else 0),
                unit_price=price[k].unit_price,
            )
            for i, (k, q) in enumerate(sorted(qty.items()))
        )
        inv = _invoice(
            id=self.next_id("INV"),
            order_id=o.id,
            customer_id=deal.cust.id,
            lines=lines,
            issued_by=self.biller.id,
            issued_on=when.date(),
            contract_id=deal.contract_id,
        )
        self.post(_issue_invoice(invoice=inv, actor=self.biller, at=when), expect=expect)
        self.finance_copies(deal, inv, when)
        deal.invoiced += inv.total.amount
        if deal.after_invoice is not None:
            hook, deal.after_invoice = deal.after_invoice, None
            hook(inv, when)
        if flow:
            self.schedule(self.later(when, 0, 2), lambda t: self.book_revenue(deal, gi, inv, t))
        return inv

    def advance_of(self, cust_id: str) -> Decimal:
        c = self.ledger._customers.get(cust_id)
        return c.advance.get(CNY, ZERO) if c is not None else ZERO

    def book_revenue(
        self,
        deal: Deal,
        gi: GoodsIssue,
        inv: Invoice,
        when: dt.datetime,
        *,
        expect: Iterable[str] = (),
        offset: Decimal | None = None,
    ) -> None:
        """Recognise the revenue of a delivered goods issue, offsetting advances first."""

        amount = inv.total.amount
        adv = self.advance_of(deal.cust.id)
        off = min(adv, amount) if offset is None else offset
        entry = _revenue_entry(
            id=self.next_id("RV"),
            customer_id=deal.cust.id,
            goods_issue_ids=(gi.id,),
            amount=cny(amount),
            booked_on=when.date(),
            advance_offset=cny(off) if off else None,
        )
        self.post(_book_revenue(entry=entry, actor=self.accountant, at=when), expect=expect)
        o = deal.order
        rest = amount - off
        if o.payment.method in self.credit_methods and rest > 0:
            due = inv.issued_on + dt.timedelta(days=o.payment.days)
            if deal.pay_late:
                pay = due + dt.timedelta(days=deal.pay_late)
            else:
                pay = due - dt.timedelta(days=randint(self.rng, 0, min(10, o.payment.days)))
            pay_at = max(self.at(pay, 11, randint(self.rng, 0, 59)), when + dt.timedelta(minutes=5))
            self.schedule(pay_at, lambda t: self.pay_invoice(deal, rest, t))
        # The order is complete (delivered and invoiced): closed within the month (O2C-SO-03).
        self.schedule(self.later(when, 1, 20), lambda t: self.close(deal, t))

    def pay_invoice(self, deal: Deal, amount: Decimal, when: dt.datetime) -> None:
        c = self.ledger._customers.get(deal.cust.id)
        open_ = sum((i.open for i in c.items.values()), ZERO) if c is not None else ZERO
        self.receive(
            deal.cust, amount, when, to_receivables=min(amount, open_), contract_id=deal.contract_id
        )
        self.paid(deal, when)

    def paid(self, deal: Deal, when: dt.datetime) -> None:
        """What follows a customer's payment of an invoice (nothing, for a plain order)."""

    def close(self, deal: Deal, when: dt.datetime) -> None:
        """Close the completed order in the system (O2C-SO-03)."""

        if deal.no_close:
            return
        order_id, customer_id = deal.order.id, deal.cust.id
        self.record_data(  # its data made here (checked when a test sets ``_VERIFY_DATA``)
            _close_order(at=when, order_id=order_id, customer_id=customer_id),
            {"type": "CloseOrder", "at": iso_time(when), "order_id": order_id, "customer_id": customer_id},
        )
