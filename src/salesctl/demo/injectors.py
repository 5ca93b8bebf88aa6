"""The planted violations: the injector table, one row per control.

Each row names the violations it plants (control id and note) and a small scenario of what
differs (the row type and the shared steps are in :mod:`salesctl.demo.injection`): first the rows that place one order the gate objects to, as ``(customer, order, time)``
builders, then the other scenarios, one function each. Importing this module fills
:data:`INJECTORS`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import attrs

from salesctl.demo.host import CENT, ZERO, HostCustomer, HostProduct, cny
from salesctl.demo.injection import (
    HOUR,
    INJECTORS,
    MINUTE,
    Injection,
    OrderBuilder,
    Planted,
    Scenario,
    cash_customer,
    clean_deal,
    credit_customer,
    expensive,
    finish,
    injector,
    new_contract_deal,
    new_credit_customer,
    one_line_order,
    order_row,
    pay_at_due,
    row,
    ship,
    skew,
    with_profile,
    worth,
)
from salesctl.demo.orders import Deal
from salesctl.demo.world import World
from salesctl.events import (
    GrantRelease,
    IssueSalesInvoice,
    ReceiveStock,
    RecordSettlement,
)
from salesctl.model import (
    CommissionClaim,
    ContractForm,
    CreditRelease,
    DeliveryLine,
    GoodsIssue,
    Invoice,
    InvoiceLine,
    PaymentMethod,
    PriceClass,
    Product,
    SalesOrder,
    Settlement,
    SettlementStatus,
    StockLot,
)
from salesctl.records import SalesInvoice
from salesctl.transactions import (
    IssueInvoice,
    PayCommission,
    PostGoodsIssue,
    VoidInvoice,
    VoidOrder,
)

__all__ = ["INJECTORS", "Injection", "injector"]

# -- one order the gate objects to ------------------------------------------------------------


def _unapproved(w: World, when: dt.datetime) -> tuple[HostCustomer, SalesOrder, dt.datetime]:
    cust = credit_customer(w)
    return cust, w.new_order(cust, when), when


def _credit_to_cash_customer(
    w: World, when: dt.datetime
) -> tuple[HostCustomer, SalesOrder, dt.datetime]:
    cust = cash_customer(w)
    order = attrs.evolve(
        w.new_order(cust, when, method=PaymentMethod.CREDIT),
        collection_letter_ref=f"HKHL-{cust.id}-X",
    )
    return cust, order, when


def _over_limit(limit: int, value: int) -> OrderBuilder:
    """A new customer with credit ``limit`` orders just over ``value`` of the dearest product."""

    def build(w: World, when: dt.datetime) -> tuple[HostCustomer, SalesOrder, dt.datetime]:
        cust = new_credit_customer(w, when, limit=limit)
        p = expensive(w)
        return cust, one_line_order(w, cust, when, p, qty=worth(p, value)), when + 10 * MINUTE

    return build


def _expired_release(w: World, when: dt.datetime) -> tuple[HostCustomer, SalesOrder, dt.datetime]:
    cust, order, at = _over_limit(100000, 150000)(w, when)
    granted = when - dt.timedelta(days=5)
    w.record(
        GrantRelease(
            at=when,
            customer_id=cust.id,
            release=CreditRelease(
                id=w.next_id("REL", 4),
                order_id=order.id,
                max_amount=cny(500000),
                granted_by=w.person("credit_master_maintainer", 2),
                granted_at=granted,
                expires_at=granted + dt.timedelta(days=2),
                reason="year-end stocking",
            ),
        )
    )
    return cust, order, at


def _profile_changed(
    method: PaymentMethod | None, changes: Callable[[HostCustomer], dict[str, Any]]
) -> OrderBuilder:
    """An order whose customer carries its credit profile with ``changes(customer)``."""

    def build(w: World, when: dt.datetime) -> tuple[HostCustomer, SalesOrder, dt.datetime]:
        cust = credit_customer(w)
        order = w.new_order(cust, when, method=method)
        return cust, attrs.evolve(order, customer=with_profile(cust, **changes(cust))), when

    return build


def _grade_c_on_da(w: World, when: dt.datetime) -> tuple[HostCustomer, SalesOrder, dt.datetime]:
    cust = new_credit_customer(w, when, grade="C", limit=300000)
    at = when + 10 * MINUTE
    return cust, w.new_order(cust, at, method=PaymentMethod.DOCUMENTS_AGAINST_ACCEPTANCE), at


def _priced(
    price_class: PriceClass | None, factor: str = "1", *, list_price: bool = False
) -> OrderBuilder:
    """A pack of the first product of ``price_class`` at ``factor`` × its master price (with
    the list price on the line if ``list_price``); no class: a product not in the master."""

    def build(w: World, when: dt.datetime) -> tuple[HostCustomer, SalesOrder, dt.datetime]:
        cust = credit_customer(w)
        if price_class is None:
            p = HostProduct(
                Product(id="P-900", name="special grade (not in the price master)"),
                Decimal("999.00"),
                "",
                False,
                5,
            )
        else:
            p = next(x for x in w.products if x.product.price_class is price_class)
        unit = (p.price * Decimal(factor)).quantize(CENT)
        lp = p.price if list_price else None
        return cust, one_line_order(w, cust, when, p, unit=unit, list_price=lp), when

    return build


order_row(
    "O2C-SO-02",
    ("O2C-SO-02", "order posted without the approval its amount band needs"),
    build=_unapproved,
)
order_row(
    "O2C-CR-01",
    ("O2C-CR-01", "credit sale to a customer with no credit profile"),
    ("O2C-CR-09", "a high-risk customer may not buy on credit"),
    build=_credit_to_cash_customer,
)
order_row(
    "O2C-CR-04",
    ("O2C-CR-04", "credit order over the limit, not re-approved"),
    build=_over_limit(200000, 260000),
)
order_row(
    "O2C-CR-06",
    ("O2C-CR-06", "over-limit order released with an expired release"),
    ("O2C-CR-04", "over the limit with no valid release or re-approval"),
    build=_expired_release,
)
order_row(
    "O2C-CR-07",
    ("O2C-CR-07", "credit sale without a collection-responsibility letter"),
    build=_profile_changed(PaymentMethod.CREDIT, lambda c: {"collection_letter_ref": None}),
)
order_row(
    "O2C-CR-08",
    ("O2C-CR-08", "major credit sale without VP and chief accountant"),
    build=_over_limit(3000000, 1100000),
)
order_row("O2C-CR-09", ("O2C-CR-09", "grade C customer paying by D/A"), build=_grade_c_on_da)
order_row(
    "O2C-PR-01",
    ("O2C-PR-01", "group-priced product sold below the document price"),
    build=_priced(PriceClass.GROUP_PRICED, "0.99"),
)
order_row(
    "O2C-PR-02",
    ("O2C-PR-02", "product without a price in the price master"),
    ("O2C-PR-03", "a price without a master price cannot be judged"),
    build=_priced(None),
)
order_row(
    "O2C-PR-03",
    ("O2C-PR-03", "price 9 % above the master, beyond the rep's range"),
    build=_priced(PriceClass.MARKET, "1.09"),
)
order_row(
    "O2C-PR-05",
    ("O2C-PR-05", "15 % line discount without the matrix's approvals"),
    build=_priced(PriceClass.MARKET, "0.85", list_price=True),
)
order_row(
    "O2C-SD-01",
    ("O2C-SD-01", "the seller maintained the customer's credit data"),
    build=_profile_changed(None, lambda c: {"maintained_by": c.rep.id}),
)


# -- the other scenarios, one function each ---------------------------------------------------


@row(
    "O2C-SO-01",
    ("O2C-SO-01", "order number reused"),
    ("O2C-SO-01", "duplicate number in the register"),
    ("O2C-SO-01", "order number skips one"),
    ("O2C-SO-01", "missing number in the register"),
)
def _numbering(w: World, when: dt.datetime, planted: Planted) -> None:
    # A duplicate number: an order reusing a number already issued.
    cust = credit_customer(w)
    series = f"SO-{w.year}"
    if w.last_order_seq() == 0:  # a small year may reach this row before its first order
        first = w.new_order(cust, when - MINUTE, seq=w.next_order_seq())
        w.place(first, cust, when - MINUTE, flow=False)
    used = max(w.last_order_seq() - 3, 1)
    dup = w.new_order(cust, when, seq=used, order_id=f"SO-{w.year}-{used:06d}-DUP")
    w.place(dup, cust, when, expect=planted.expect, flow=False)
    # A gap: a number skipped, the gap not approved.
    w.next_order_seq()
    seq = w.next_order_seq()
    gap = w.new_order(cust, when + 20 * MINUTE, seq=seq)
    w.place(gap, cust, when + 20 * MINUTE, expect=planted.expect, flow=False)
    planted(dup.id, f"{series}/{dup.seq}", gap.id, f"{series}/{seq - 1}")


@row("O2C-SO-03", ("O2C-SO-03", "completed order never closed"), latest_month=10)
def _unclosed(w: World, when: dt.datetime, planted: Planted) -> None:
    cust = credit_customer(w)
    deal = w.place(w.new_order(cust, when), cust, when)
    deal.no_close = True
    planted(deal.order.id)


@row("O2C-SO-04", ("O2C-SO-04", "order voided after its goods issue was posted"))
def _void_after_issue(w: World, when: dt.datetime, planted: Planted) -> None:
    deal = clean_deal(w, when)

    def voided(gi: GoodsIssue, t: dt.datetime) -> None:
        at = t + 2 * HOUR
        v = VoidOrder(order=deal.order, reason="customer cancelled", actor=deal.cust.rep, at=at)
        w.post(v, expect=planted.expect)
        planted(deal.order.id)

    deal.after_goods_issue = voided
    w.then(w.later(when, 1, 2), lambda t: w.notice(deal, t))


@row("O2C-SO-05", ("O2C-SO-05", "quotation without packaging"))
def _incomplete_quotation(w: World, when: dt.datetime, planted: Planted) -> None:
    cust = credit_customer(w)
    order = w.draft_order(cust, when)
    planted(w.quotation(cust, order, when, expect=planted.expect, complete=False))


@row("O2C-SO-06", ("O2C-SO-06", "production order without a business approval form"))
def _production_without_form(w: World, when: dt.datetime, planted: Planted) -> None:
    cid, deal = new_contract_deal(w, when)
    contract = w.contracts[cid]["contract"]
    planted(w.production(deal, contract, when + 3 * HOUR, expect=planted.expect, form=False))


@row(
    "O2C-CR-02",
    ("O2C-CR-02", "the proposer approved the credit profile"),
    ("O2C-SD-01", "credit proposer and approver are one person"),
)
def _self_approved_profile(w: World, when: dt.datetime, planted: Planted) -> None:
    cust = credit_customer(w)
    app = w.peek_id("CA", 5)
    kept = cust.profile
    w.set_profile(cust, when, approved_by=(cust.rep.id,), expect=planted.expect)
    cust.profile = kept  # the flawed profile is on record; the host keeps selling on the old one
    planted(app)


@row("O2C-CR-03", ("O2C-CR-03", "credit file not reviewed within a year"), latest_month=10)
def _review_overdue(w: World, when: dt.datetime, planted: Planted) -> None:
    # A customer taken over with its credit file as last reviewed 11 months ago (a migrated
    # file): the yearly review falls due within weeks and is never made.
    planted(new_credit_customer(w, when, reviewed=when.date() - dt.timedelta(days=335)).id)


def _pays_late(days: int, then: Callable[[World, Deal, Invoice, Planted], None]) -> Scenario:
    """A new customer's order, paid ``days`` after its due date; ``then`` runs when it is
    invoiced."""

    def scenario(w: World, when: dt.datetime, planted: Planted) -> None:
        cust = new_credit_customer(w, when)
        at = when + 10 * MINUTE
        deal = w.place(w.new_order(cust, at), cust, at)
        deal.pay_late = days
        deal.after_invoice = lambda inv, t: then(w, deal, inv, planted)

    return scenario


def _order_again_when_overdue(w: World, deal: Deal, inv: Invoice, planted: Planted) -> None:
    due = inv.issued_on + dt.timedelta(days=deal.order.payment.days)
    later = w.at(due + dt.timedelta(days=5), 11)
    while later.weekday() >= 5:
        later += dt.timedelta(days=1)

    def order_again(t: dt.datetime) -> None:
        again = w.new_order(deal.cust, t)
        w.place(again, deal.cust, t, expect=planted.expect, flow=False)
        planted(again.id)

    w.then(later, order_again)


row("O2C-CR-05", ("O2C-CR-05", "order for a customer with items overdue"), latest_month=9)(
    _pays_late(12, _order_again_when_overdue)
)
row("O2C-AR-01", ("O2C-AR-01", "overdue 30 days, no interest charged"), latest_month=8)(
    _pays_late(70, lambda w, deal, inv, planted: planted(inv.id))
)


@row("O2C-DL-01", ("O2C-DL-01", "delivery notice without a validity period"))
def _notice_without_validity(w: World, when: dt.datetime, planted: Planted) -> None:
    deal = clean_deal(w, when)
    at = when + 3 * HOUR
    planted(w.notice(deal, at, expect=planted.expect, flow=False, valid_days=None).id)


@row("O2C-DL-02", ("O2C-DL-02", "goods issued without a delivery notice"))
def _issue_without_notice(w: World, when: dt.datetime, planted: Planted) -> None:
    deal = clean_deal(w, when)
    o = deal.order
    lines = [
        DeliveryLine(order_line=ln.line_no, product_id=ln.product.id, quantity=q, lot_id=lot_id)
        for ln in o.lines
        for lot_id, q in w.pick(ln.product.id, ln.quantity, when.date(), when)
    ]
    gi = GoodsIssue(
        id=w.next_id("GI"),
        order_id=o.id,
        customer_id=deal.cust.id,
        notice_id=None,
        lines=tuple(lines),
        issued_on=when.date(),
        gate_pass="GP-X",
    )
    w.post(
        PostGoodsIssue(goods_issue=gi, order=o, actor=w.warehouse, at=when + 2 * HOUR),
        expect=planted.expect,
    )
    w.count_shipped(gi, when)
    planted(gi.id)


@row("O2C-DL-03", ("O2C-DL-03", "goods left without a gate pass"))
def _no_gate_pass(w: World, when: dt.datetime, planted: Planted) -> None:
    deal = clean_deal(w, when)
    n = w.notice(deal, when + HOUR, flow=False)
    at = when + 3 * HOUR
    planted(w.goods_issue(deal, n, at, expect=planted.expect, flow=False, gate_pass=False).id)


@row("O2C-DL-04", ("O2C-DL-04", "delivery notice over the credit limit, not re-approved"))
def _delivery_over_limit(w: World, when: dt.datetime, planted: Planted) -> None:
    cust = new_credit_customer(w, when, limit=100000)
    p = expensive(w)
    at = when + 5 * MINUTE
    order = one_line_order(w, cust, at, p, qty=worth(p, 150000))
    deal = w.place(order, cust, at, flow=False)  # re-approved at entry
    planted(w.notice(deal, when + 2 * HOUR, expect=planted.expect, flow=False).id)


@row("O2C-DL-05", ("O2C-DL-05", "expired lot shipped"))
def _expired_lot(w: World, when: dt.datetime, planted: Planted) -> None:
    p = next(x for x in w.products if x.perishable)
    cust = credit_customer(w)
    deal = w.place(one_line_order(w, cust, when, p), cust, when, flow=False)
    lot = StockLot(
        id=w.next_id(f"LOT-{p.product.id}-OLD", 3),
        product_id=p.product.id,
        quantity=Decimal(p.scale),
        expires_on=when.date() - dt.timedelta(days=3),
        qc_certificate="QC-OLD",
        received_on=when.date() - dt.timedelta(days=240),
    )
    w.record(ReceiveStock(at=when + 30 * MINUTE, lot=lot))
    n = w.notice(deal, when + HOUR, flow=False)
    line = DeliveryLine(
        order_line=1, product_id=p.product.id, quantity=Decimal(p.scale), lot_id=lot.id
    )
    gi = w.goods_issue(deal, n, when + 3 * HOUR, expect=planted.expect, flow=False, lines=(line,))
    planted(gi.id)


@row("O2C-DL-06", ("O2C-DL-06", "actual shipments above the system's"))
def _shipment_difference(w: World, when: dt.datetime, planted: Planted) -> None:
    p = w.products[0]
    skew(w, when, "shipment", p.product.id, Decimal(p.scale))
    # Make sure the product ships this month.
    cust = credit_customer(w)
    w.place(one_line_order(w, cust, when, p), cust, when)
    last = dt.date(when.year + (when.month == 12), when.month % 12 + 1, 1) - dt.timedelta(days=1)
    planted(f"{p.product.id}@{last.isoformat()}")


@row("O2C-IN-01", ("O2C-IN-01", "count signed without the sales department"))
def _stock_count(w: World, when: dt.datetime, planted: Planted) -> None:
    p = w.products[1]
    month = skew(w, when, "absent", p.product.id, frozenset({"sales"}))
    planted(f"SC-{month}/{p.product.id}")


@row(
    "O2C-BL-01",
    ("O2C-BL-01", "invoiced more than delivered"),
    ("O2C-BL-02", "invoice quantity above the delivery"),
    gate={"O2C-BL-01"},
)
def _over_invoiced(w: World, when: dt.datetime, planted: Planted) -> None:
    deal = clean_deal(w, when)
    gi = ship(w, deal, when + HOUR)
    at = when + 4 * HOUR
    inv = w.invoice(deal, gi, at, expect=planted.expect, extra=Decimal(1), flow=False)
    w.then(w.later(when, 2, 5), lambda t: w.close(deal, t))
    pay_at_due(w, deal, inv)
    planted(inv.id)


@row(
    "O2C-BL-02",
    ("O2C-BL-02", "invoice not generated from a delivery"),
    ("O2C-BL-01", "invoiced before anything was delivered"),
    gate={"O2C-BL-01"},
)
def _invoice_without_delivery(w: World, when: dt.datetime, planted: Planted) -> None:
    deal = clean_deal(w, when)
    o = deal.order
    inv = Invoice(
        id=w.next_id("INV"),
        order_id=o.id,
        customer_id=deal.cust.id,
        lines=tuple(
            InvoiceLine(
                order_line=ln.line_no,
                product_id=ln.product.id,
                quantity=ln.quantity,
                unit_price=ln.unit_price,
            )
            for ln in o.lines
        ),
        issued_by=w.biller.id,
        issued_on=when.date(),
    )
    t = when + 2 * HOUR
    w.post(IssueInvoice(invoice=inv, actor=w.biller, at=t), expect=planted.expect)
    w.finance_copies(deal, inv, t)
    pay_at_due(w, deal, inv)
    planted(inv.id)


@row("O2C-BL-03", ("O2C-BL-03", "contract invoiced before 60 % was collected"))
def _contract_invoice_too_early(w: World, when: dt.datetime, planted: Planted) -> None:
    cid, deal = new_contract_deal(w, when)

    def early(gi: GoodsIssue, t: dt.datetime) -> None:
        inv = w.invoice(deal, gi, t + 2 * HOUR, expect=planted.expect, flow=False)
        planted(inv.id)
        finish(w, deal, gi, inv, t)

    deal.after_goods_issue = early
    # Only 30 % is paid before delivery.
    w.contracts[cid]["first_ratio"] = Decimal("0.3")


@row("O2C-BL-04", ("O2C-BL-04", "invoice voided while its settlement stands"))
def _void_before_settlement(w: World, when: dt.datetime, planted: Planted) -> None:
    deal = clean_deal(w, when)
    gi = ship(w, deal, when + HOUR)
    inv = w.invoice(deal, gi, when + 3 * HOUR, flow=False)
    st = Settlement(
        id=w.next_id("ST"),
        order_id=deal.order.id,
        status=SettlementStatus.CONFIRMED,
        invoice_id=inv.id,
        voucher_posted=True,
    )
    w.record(
        RecordSettlement(at=when + 3 * HOUR + 5 * MINUTE, settlement=st, customer_id=deal.cust.id)
    )
    w.post(
        VoidInvoice(invoice=inv, reason="wrong price", actor=w.biller, at=when + 5 * HOUR),
        expect=planted.expect,
    )
    w.then(w.later(when, 2, 5), lambda t: w.close(deal, t))
    planted(inv.id)


@row(
    "O2C-RR-01",
    ("O2C-RR-01", "sales invoice without a system invoice"),
    ("O2C-RR-01", "month totals disagree"),
)
def _sales_invoice_difference(w: World, when: dt.datetime, planted: Planted) -> None:
    deal = clean_deal(w, when)
    gi = ship(w, deal, when + HOUR)

    def wrong(inv: Invoice, t: dt.datetime) -> None:
        # Finance stamps a second sales invoice for the same system invoice: an invoice
        # outside the system's totals.
        w.record(
            IssueSalesInvoice(
                at=t,
                invoice=SalesInvoice(
                    number=f"FP-{inv.id}-2",
                    customer_id=deal.cust.id,
                    issued_on=t.date(),
                    amount=cny(100),
                    system_invoice_id=None,
                ),
            )
        )
        planted(f"FP-{inv.id}-2", f"revenue@{t.strftime('%Y-%m')}/CNY")

    deal.after_invoice = wrong
    w.then(
        when + 4 * HOUR,
        lambda t: finish(w, deal, gi, w.invoice(deal, gi, t, flow=False), t),
    )


@row("O2C-RR-02", ("O2C-RR-02", "revenue booked before the delivery was signed for"))
def _revenue_before_proof(w: World, when: dt.datetime, planted: Planted) -> None:
    deal = clean_deal(w, when)
    gi = ship(w, deal, when + HOUR)
    inv = w.invoice(deal, gi, when + 3 * HOUR, flow=False)
    w.book_revenue(deal, gi, inv, when + 4 * HOUR, expect=planted.expect)
    planted(w.last_id("RV"))


@row("O2C-RR-03", ("O2C-RR-03", "revenue booked without offsetting the advance"))
def _advance_not_offset(w: World, when: dt.datetime, planted: Planted) -> None:
    cust = cash_customer(w)
    deal = clean_deal(w, when, cust, method=PaymentMethod.PREPAYMENT)
    w.receive(cust, deal.order.total.amount, when + HOUR, to_receivables=ZERO)
    gi = ship(w, deal, when + 2 * HOUR)
    w.record_proof(deal, gi, when + 5 * HOUR)
    inv = w.invoice(deal, gi, when + 6 * HOUR, flow=False)
    w.book_revenue(deal, gi, inv, when + 7 * HOUR, expect=planted.expect, offset=ZERO)
    planted(w.last_id("RV"))


def _contract(**changes: Any) -> Scenario:
    """A contract signed with ``changes`` to the clean one (no order follows)."""

    def scenario(w: World, when: dt.datetime, planted: Planted) -> None:
        cust = credit_customer(w)
        k = w.contract_of(cust, w.draft_order(cust, when, lines=1), when, **changes)
        w.sign_contract(cust, k, when, expect=planted.expect)
        planted(k.id)

    return scenario


row("O2C-CT-01", ("O2C-CT-01", "credit sale on an oral agreement"))(
    _contract(form=ContractForm.ORAL)
)
row("O2C-CT-02", ("O2C-CT-02", "contract on a template legal never approved"))(
    _contract(template_id="TPL-OLD-2019")
)
row("O2C-CT-03", ("O2C-CT-03", "contract with no contract application"))(
    _contract(application_id=None)
)


@row("O2C-CT-05", ("O2C-CT-05", "contract signed externally by a warehouse clerk, no authority"))
def _contract_signed_without_authority(w: World, when: dt.datetime, planted: Planted) -> None:
    cust = credit_customer(w)
    k = w.contract_of(cust, w.draft_order(cust, when, lines=1), when)
    clerk = w.person("warehouse_clerk", 0)
    w.sign_contract(cust, k, when, expect=planted.expect, signatory=clerk)
    planted(k.id)


@row("O2C-CT-04", ("O2C-CT-04", "sales department's ledger shows 5,000 more collected"))
def _contract_ledgers_differ(w: World, when: dt.datetime, planted: Planted) -> None:
    cid, _ = new_contract_deal(w, when)
    skew(w, when, "ledger", cid, Decimal(5000))
    planted(cid)


@row("O2C-CM-01", ("O2C-CM-01", "commission paid with no contract"))
def _commission_without_contract(w: World, when: dt.datetime, planted: Planted) -> None:
    rep = w.rng.choice(w.reps)
    claim = CommissionClaim(
        id=w.next_id("CM", 5),
        salesperson_id=rep.id,
        amount=cny(1800),
        rate=Decimal("0.02"),
        prepared_by=w.biller.id,
        prepared_on=when.date(),
        contract_id=None,
    )
    w.post(PayCommission(claim=claim, actor=w.biller, at=when), expect=planted.expect)
    planted(claim.id)


@row("O2C-SV-01", ("O2C-SV-01", "follow-up work scheduled before the first payment"))
def _work_before_payment(w: World, when: dt.datetime, planted: Planted) -> None:
    _, deal = new_contract_deal(w, when)
    planted(w.work_order(deal, when + 3 * HOUR, expect=planted.expect))


@row("O2C-PS-01", ("O2C-PS-01", "opportunity jumped from lead to proposal"))
def _stage_skipped(w: World, when: dt.datetime, planted: Planted) -> None:
    planted(w.pipeline(credit_customer(w), when, quote_id="QT-none", skip=True))


@row("O2C-AR-02", ("O2C-AR-02", "settlement is not opening − counted"))
def _consignment_mismatch(w: World, when: dt.datetime, planted: Planted) -> None:
    d = w.distributors[0]
    month = skew(w, when, "consignment", d.id, Decimal(1500))
    planted(f"CC-{d.id}-{month}")


@row("O2C-MN-01", ("O2C-MN-01", "no monthly analysis for the unit"))
def _no_analysis(w: World, when: dt.datetime, planted: Planted) -> None:
    month = when.strftime("%Y-%m")
    w.skews.setdefault(month, {})["no_analysis"] = "east-2"
    planted(f"east-2@{month}")


@row("O2C-MN-02", ("O2C-MN-02", "assessment not applied to rewards"), latest_month=9)
def _assessment_unlinked(w: World, when: dt.datetime, planted: Planted) -> None:
    label = f"{when.year}-Q{(when.month - 1) // 3 + 1}"
    w.skews.setdefault("unlinked", {})[label] = True
    planted(f"marketing@{label}")


@row(
    "O2C-PL-01",
    ("O2C-PL-01", "monthly plan in force without the marketing head's approval"),
    latest_month=10,
)
def _plan_unapproved(w: World, when: dt.datetime, planted: Planted) -> None:
    # The plan of the month after next (next month's may already be submitted).
    plan_id = f"PLAN-{dt.date(when.year, when.month + 2, 1).isoformat()[:7]}"
    w.skews.setdefault("plans", {})[plan_id] = set(planted.expect)
    planted(plan_id)


# The rows of the controls added later live beside this module; importing it registers them
# after the rows above (the table keeps its order).
from salesctl.demo import injectors_more  # noqa: E402, F401
