"""The ledger: folding events into the context a live host would pass to the gate."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import attrs
import pytest
from attrs import frozen

import salesctl as sc
from salesctl.demo import generate
from salesctl.events import (
    GrantApproval,
    GrantRelease,
    PublishPrice,
    ReceiveStock,
    Record,
    SetExchangeRate,
    parse_event,
)
from salesctl.ledger import FOLDS, Books, Ledger, customer_partition, fold, scope_of
from salesctl.records import Period
from tests import builders as b


def _order(n: int = 1, *, method: sc.PaymentMethod = sc.PaymentMethod.CREDIT, qty: str = "10",
           cust: sc.Customer | None = None, price: str = "1000") -> sc.SalesOrder:
    return b.order(id=f"SO-{n}", seq=n, method=method, cust=cust,
                   lines=(b.line(1, qty, price),))


def _at(day: int, month: int = 3, hour: int = 10) -> dt.datetime:
    return b.at(day, hour, month)


def _notice(o: sc.SalesOrder, day: int) -> sc.IssueDeliveryNotice:
    n = sc.DeliveryNotice(id=f"DN-{o.id}", order_id=o.id,
                          lines=(sc.DeliveryLine(1, "P-PE-01", o.lines[0].quantity),),
                          issued_by="u-clerk", issued_on=dt.date(2026, 3, day),
                          valid_until=dt.date(2026, 3, day) + dt.timedelta(days=10))
    return sc.IssueDeliveryNotice(notice=n, order=o, actor=b.actor("u-clerk"), at=_at(day))


def _issue(o: sc.SalesOrder, day: int, qty: str | None = None, lot: str | None = None) -> sc.PostGoodsIssue:
    gi = sc.GoodsIssue(id=f"GI-{o.id}-{day}", order_id=o.id, customer_id=o.customer.id,
                       notice_id=f"DN-{o.id}",
                       lines=(sc.DeliveryLine(1, "P-PE-01", Decimal(qty or o.lines[0].quantity), lot),),
                       issued_on=dt.date(2026, 3, day), gate_pass="GP-1")
    return sc.PostGoodsIssue(goods_issue=gi, order=o, actor=b.actor("u-wh"), at=_at(day))


def _invoice(o: sc.SalesOrder, day: int, qty: str | None = None) -> sc.IssueInvoice:
    inv = sc.Invoice(id=f"INV-{o.id}-{day}", order_id=o.id, customer_id=o.customer.id,
                     lines=(sc.InvoiceLine(1, "P-PE-01", Decimal(qty or o.lines[0].quantity), b.cny("1000")),),
                     issued_by="u-bill", issued_on=dt.date(2026, 3, day))
    return sc.IssueInvoice(invoice=inv, actor=b.actor("u-bill"), at=_at(day))


def _receipt(cust: str, amount: str, day: int, to_receivables: str | None = None,
             contract: str | None = None, month: int = 3) -> sc.RecordReceipt:
    r = sc.Receipt(id=f"RC-{day}-{amount}", customer_id=cust, amount=b.cny(amount),
                   received_on=dt.date(2026, month, day),
                   to_receivables=b.cny(to_receivables if to_receivables is not None else amount),
                   contract_id=contract)
    return sc.RecordReceipt(receipt=r, actor=b.actor("u-cash"), at=_at(day, month))


def _exposure(led: Ledger, txn: Any) -> sc.CreditExposure:
    exp = led.context_for(txn).exposure
    assert exp is not None
    return exp


class TestExposure:
    def test_an_order_is_open_until_delivered_then_receivable_until_paid(self) -> None:
        """Open order → delivered not invoiced → receivable → paid, by category."""
        led = Ledger()
        o = _order()
        led.apply(b.place(o, when=_at(2)))
        probe = b.place(_order(2), when=_at(2, hour=11))
        assert _exposure(led, probe).open_orders == b.cny("10000")
        led.apply(_issue(o, 3, qty="4"))
        e = _exposure(led, probe)
        assert (e.open_orders, e.delivered_not_invoiced) == (b.cny("6000"), b.cny("4000"))
        led.apply(_invoice(o, 4, qty="4"))
        e = _exposure(led, probe)
        assert (e.delivered_not_invoiced, e.open_receivables) == (b.cny("0"), b.cny("4000"))
        led.apply(_receipt("C-100", "1500", 5))
        assert _exposure(led, probe).open_receivables == b.cny("2500")

    def test_overdue_after_the_term(self) -> None:
        """An item past its due date (invoice date + the order's days) is overdue."""
        led = Ledger()
        o = _order()
        led.apply(b.place(o, when=_at(1)))
        led.apply(_issue(o, 1))
        led.apply(_invoice(o, 2))
        late = b.place(_order(2), when=dt.datetime(2026, 4, 5, 9, tzinfo=b.TZ))
        led.apply(SetExchangeRate(at=late.at, pair="USD/CNY", rate=Decimal("7.1")))
        e = _exposure(led, late)
        assert e.overdue_receivables == b.cny("10000")
        assert e.oldest_overdue_due == dt.date(2026, 4, 1)

    def test_prepaid_orders_are_not_credit_exposure(self) -> None:
        """Orders paid by a method that consumes no credit are not exposure."""
        led = Ledger()
        led.apply(b.place(_order(method=sc.PaymentMethod.PREPAYMENT), when=_at(2)))
        assert _exposure(led, b.place(_order(2), when=_at(3))).open_orders == b.cny("0")

    def test_receipts_settle_the_oldest_items_first(self) -> None:
        """A receipt applies to the earliest due items; the rest is an advance receipt."""
        led = Ledger()
        for n, day in ((1, 2), (2, 3)):
            o = _order(n)
            led.apply(b.place(o, when=_at(day)))
            led.apply(_issue(o, day))
            led.apply(_invoice(o, day))
        led.apply(_receipt("C-100", "25000", 10, to_receivables="20000"))
        probe = b.place(_order(3), when=_at(11))
        ctx = led.context_for(probe)
        assert ctx.exposure is not None and ctx.exposure.open_receivables == b.cny("0")
        assert ctx.advance_receipts["C-100"] == b.cny("5000")

    def test_revenue_offsets_the_advance_and_the_sale_receivable(self) -> None:
        """Booking revenue against an advance reduces both (Dr advance, Cr receivable)."""
        led = Ledger()
        o = _order()
        led.apply(b.place(o, when=_at(2)))
        led.apply(_receipt("C-100", "6000", 2, to_receivables="0"))
        led.apply(_issue(o, 3))
        led.apply(_invoice(o, 3))
        entry = sc.RevenueEntry(id="RV-1", customer_id="C-100", goods_issue_ids=(f"GI-{o.id}-3",),
                                amount=b.cny("10000"), booked_on=dt.date(2026, 3, 4),
                                advance_offset=b.cny("6000"))
        led.apply(sc.BookRevenue(entry=entry, actor=b.actor("u-acc"), at=_at(4)))
        ctx = led.context_for(b.place(_order(2), when=_at(5)))
        assert ctx.advance_receipts["C-100"] == b.cny("0")
        assert ctx.exposure is not None and ctx.exposure.open_receivables == b.cny("4000")

    def test_no_rate_no_exposure(self) -> None:
        """An amount in another currency without a rate leaves exposure unknown (fails closed)."""
        led = Ledger()
        usd = b.order(id="SO-1", seq=1, lines=(sc.OrderLine(1, sc.Product("P-1"), Decimal(1), sc.Money("10", "USD")),))
        led.apply(b.place(usd, when=_at(2)))
        assert led.context_for(b.place(_order(2), when=_at(3))).exposure is None
        led.apply(SetExchangeRate(at=_at(3), pair="USD/CNY", rate=Decimal("7")))
        assert _exposure(led, b.place(_order(2), when=_at(3))).open_orders == b.cny("70")


class TestContext:
    def test_approvals_and_releases_granted_in_the_stream(self) -> None:
        """Approvals are on hand for their document; a release once used is consumed."""
        led = Ledger()
        o = _order()
        a = b.approval("SO-1", "sales_manager", granted_at=_at(1))
        led.apply(GrantApproval(at=_at(1), approval=a))
        rel = sc.CreditRelease(id="REL-1", order_id="SO-1", max_amount=b.cny("50000"),
                               granted_by=b.MAINTAINER, granted_at=_at(1), expires_at=_at(20))
        led.apply(GrantRelease(at=_at(1), release=rel, customer_id="C-100"))
        ctx = led.context_for(b.place(o, when=_at(2)))
        assert ctx.approvals == (a,) and ctx.releases == (rel,)
        assert ctx.consumed_releases == frozenset()
        led.apply(b.place(o, when=_at(2)))
        release = sc.ReleaseOrder(order=o, release_id="REL-1", actor=b.MAINTAINER, at=_at(3))
        led.apply(release)
        assert led.context_for(release).consumed_releases == frozenset({"REL-1"})
        other = led.context_for(b.place(_order(2), when=_at(3)))
        assert other.approvals == () and other.releases == ()

    def test_number_series_prices_and_stock(self) -> None:
        """The last number of the series, the products' prices and lots, as of now."""
        led = Ledger()
        entry = sc.PriceEntry(product_id="P-PE-01", price=b.cny("1000"), valid_from=dt.date(2026, 1, 1),
                              source_document="PG-1", id="PE-1")
        led.apply(PublishPrice(at=_at(1), entry=entry))
        lot = sc.StockLot(id="L-1", product_id="P-PE-01", quantity=Decimal(30), qc_certificate="QC")
        led.apply(ReceiveStock(at=_at(1), lot=lot))
        o = _order(7)
        led.apply(b.place(o, when=_at(2)))
        ctx = led.context_for(b.place(_order(8), when=_at(3)))
        assert ctx.last_numbers == {"SO-2026": 7}
        assert ctx.prices == (entry,)
        assert ctx.stock_lots == (lot,)
        led.apply(_issue(o, 3, lot="L-1"))
        assert led.context_for(b.place(_order(8), when=_at(3))).stock_lots[0].quantity == Decimal(20)
        # The same goods issue posted twice takes the goods out once.
        led.apply(_issue(o, 3, lot="L-1"))
        assert led.context_for(b.place(_order(8), when=_at(3))).stock_lots[0].quantity == Decimal(20)

    def test_document_flow_of_the_order(self) -> None:
        """Notices and goods issues of the order; approved documents are those decided ALLOW."""
        led = Ledger()
        o = _order()
        allow = sc.Decision(outcome=sc.Outcome.ALLOW, findings=(), transaction="PlaceOrder",
                            document_id="SO-1", at=_at(2))
        led.apply(b.place(o, when=_at(2)), allow)
        led.apply(_notice(o, 3))
        gi = _issue(o, 4)
        ctx = led.context_for(gi)
        assert [n.id for n in ctx.delivery_notices] == ["DN-SO-1"]
        assert {"SO-1", "DN-SO-1"} <= ctx.approved_documents
        led.apply(gi)
        inv = _invoice(o, 5)
        ctx = led.context_for(inv)
        assert [g.id for g in ctx.goods_issues] == ["GI-SO-1-4"] and ctx.goods_issues[0].posted
        held = sc.Decision(outcome=sc.Outcome.HOLD, findings=(sc.Finding(
            control_id="O2C-SO-02", outcome=sc.Outcome.HOLD, message="m"),),
            transaction="PlaceOrder", document_id="SO-2", at=_at(6))
        led.apply(b.place(_order(2), when=_at(6)), held)
        assert "SO-2" not in led.context_for(b.place(_order(2), when=_at(6))).approved_documents

    def test_contract_ledger_collections(self) -> None:
        """Receipts on a contract are its collections."""
        led = Ledger()
        k = sc.Contract(id="CT-1", customer_id="C-100", amount=b.cny("100000"),
                        payment=sc.PaymentTerms(sc.PaymentMethod.CREDIT, 30), created_by="u-rep",
                        status=sc.ContractStatus.SIGNED)
        led.apply(sc.SignContract(contract=k, actor=b.REP, at=_at(1)))
        led.apply(_receipt("C-100", "60000", 2, to_receivables="0", contract="CT-1"))
        o = attrs.evolve(_order(), contract_id="CT-1")
        ctx = led.context_for(b.place(o, when=_at(3)))
        assert ctx.contract_accounts["CT-1"].collected == b.cny("60000")
        assert ctx.contracts == (k,)


class TestMemory:
    def test_complete_orders_leave_the_ledger(self) -> None:
        """A delivered, invoiced order is dropped after the retention; open ones stay."""
        led = Ledger(closed_retention_days=5)
        done, open_ = _order(1), _order(2)
        led.apply(b.place(done, when=_at(1)))
        led.apply(b.place(open_, when=_at(1)))
        led.apply(_issue(done, 2))
        led.apply(_invoice(done, 2))
        assert led.size()["orders"] == 2
        led.apply(SetExchangeRate(at=_at(20), pair="USD/CNY", rate=Decimal("7")))
        assert led.size()["orders"] == 1
        assert led.order("SO-2") is not None and led.order("SO-1") is None

    def test_a_year_is_folded_in_bounded_memory(self) -> None:
        """Folding a generated year keeps far fewer orders than the year placed."""
        demo = generate(seed=3, customers=15, orders=300, injectors=())
        led = Ledger()
        peak = 0
        placed = 0
        for data in demo.events:
            if isinstance(data, str):
                continue
            e = parse_event(data)
            placed += type(e).__name__ == "PlaceOrder"
            led.apply(e)
            peak = max(peak, led.size()["orders"])
        assert placed > 250
        assert peak < placed / 3


class TestPartition:
    def test_owned_customers_only(self) -> None:
        """A partitioned ledger keeps customer state only for its customers, global state always."""
        mine = Ledger(owns=lambda c: c == "C-1")
        o1 = _order(1, cust=b.customer("C-1"))
        o2 = _order(2, cust=b.customer("C-2"))
        for o in (o1, o2):
            mine.apply(b.place(o, when=_at(2)))
        assert mine.order("SO-1") is not None and mine.order("SO-2") is None
        assert mine.last_numbers == {"SO-2026": 2}
        assert mine.owner_of("SO-2") == "C-2"

    def test_partition_is_stable(self) -> None:
        """The customer partition is a pure function of the id (not Python's salted hash)."""
        assert customer_partition("C-0001", 4) == customer_partition("C-0001", 4)
        assert {customer_partition(f"C-{i}", 3) for i in range(50)} == {0, 1, 2}


class TestFolds:
    def test_unknown_types_are_counted(self) -> None:
        """An event type without a fold changes nothing and is counted."""
        led = Ledger()

        @frozen
        class Memo(Record):
            pass

        led.apply(Memo(at=_at(1)))
        assert led.unfolded == {"Memo": 1}

    def test_a_fold_is_a_registered_function(self) -> None:
        """Registering a fold for a type makes the ledger apply it."""
        seen: list[str] = []

        @fold("TestOnlyEvent")
        def _f(led: Ledger, e: Any, d: Any) -> None:
            seen.append(type(e).__name__)

        @frozen
        class TestOnlyEvent(Record):
            pass

        try:
            Ledger().apply(TestOnlyEvent(at=_at(1)))
        finally:
            del FOLDS["TestOnlyEvent"]
        assert seen == ["TestOnlyEvent"]

    def test_scope_names_the_documents(self) -> None:
        """The scope of a goods issue: its customer, order, notice and products."""
        s = scope_of(_issue(_order(), 3))
        assert s.customer_id == "C-100"
        assert s.order_ids == ["SO-1"]
        assert {"GI-SO-1-3", "DN-SO-1", "SO-1"} <= set(s.document_ids)
        assert s.product_ids == ["P-PE-01"]


class TestBooks:
    def test_order_register_and_invoice_attribution(self) -> None:
        """The books attribute invoice lines to deliveries, first delivered first billed."""
        books = Books()
        led = Ledger(books=books)
        o = _order()
        led.apply(b.place(o, when=_at(2)))
        led.apply(_issue(o, 3, qty="6"))
        led.apply(_issue(o, 4, qty="4"))
        led.apply(_invoice(o, 5, qty="8"))
        rec = books.records_for(Period.month(2026, 3))
        (entry,) = rec.orders
        assert (entry.order_id, entry.seq, entry.completed_on) == ("SO-1", 1, None)
        (inv,) = rec.system_invoices
        assert [(x.goods_issue_id, x.quantity) for x in inv.lines] == [
            ("GI-SO-1-3", Decimal(6)), ("GI-SO-1-4", Decimal(2))]
        daily = books.records_for(Period.day(dt.date(2026, 3, 5)))
        assert {d.goods_issue_id for d in daily.deliveries} == {"GI-SO-1-3", "GI-SO-1-4"}
        assert books.records_for(Period.day(dt.date(2026, 3, 9))) is None

    @pytest.mark.parametrize("late", [False, True])
    def test_receivables_for_ageing(self, late: bool) -> None:
        """Credit invoices become receivable items; receipts settle them."""
        books = Books()
        led = Ledger(books=books)
        o = _order()
        led.apply(b.place(o, when=_at(2)))
        led.apply(_issue(o, 3))
        led.apply(_invoice(o, 3))
        if not late:
            led.apply(_receipt("C-100", "10000", 20))
        (item,) = books.records_for(Period.month(2026, 3)).receivables
        assert item.due_on == dt.date(2026, 4, 2)
        assert (item.settled_on is None) == late
