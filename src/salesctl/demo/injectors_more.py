"""The injector rows of the controls added in issues 14 and 15 (revenue once, receipts and
their vouchers, commission accrual, collections analysis, storage, promotions, pickup orders,
price-master changes, group credit): part of the table :mod:`salesctl.demo.injectors` holds,
imported by it after its own rows so the table keeps its order.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import attrs

from salesctl.demo.host import CENT, ZERO, cny
from salesctl.demo.injection import (
    HOUR,
    INJECTORS,
    MINUTE,
    Injection,
    Planted,
    cash_customer,
    clean_deal,
    credit_customer,
    expensive,
    injector,
    onboard,
    one_line_order,
    pay_at_due,
    row,
    ship,
    worth,
)
from salesctl.demo.orders import Deal
from salesctl.demo.world import World
from salesctl.events import (
    GrantApproval,
    IssuePickupOrder,
    PublishPrice,
    ReadStorage,
)
from salesctl.model import (
    Approval,
    GoodsIssue,
    PaymentMethod,
    PickupOrder,
    PriceChange,
    PriceEntry,
    RevenueEntry,
)
from salesctl.money import Money
from salesctl.records import StorageReading
from salesctl.transactions import (
    BookRevenue,
    ChangeMasterPrice,
    IssueDeliveryNotice,
)

__all__ = ["INJECTORS", "Injection", "injector"]


# issue 14: revenue


def _revenue_entry(
    w: World, deal: Deal, gi: GoodsIssue, amount: Decimal, when: dt.datetime
) -> RevenueEntry:
    """A revenue entry on ``gi``, offsetting the customer's advances first (O2C-RR-03)."""
    off = min(w.advance_of(deal.cust.id), amount)
    return RevenueEntry(
        id=w.next_id("RV"),
        customer_id=deal.cust.id,
        goods_issue_ids=(gi.id,),
        amount=cny(amount),
        booked_on=when.date(),
        advance_offset=cny(off) if off else None,
    )


@row(
    "O2C-RR-04",
    ("O2C-RR-04", "revenue booked twice for one goods issue"),
    ("O2C-RR-04", "revenue ten times the delivered value"),
    ("O2C-RR-04", "delivery notice posted twice"),
)
def _revenue_twice(w: World, when: dt.datetime, planted: Planted) -> None:
    deal = clean_deal(w, when)
    n = w.notice(deal, when, flow=False)
    # The same notice posted again: nothing at the gate objects (its approval is on hand);
    # the month-end register of documents shows the id twice.
    w.post(IssueDeliveryNotice(notice=n, order=deal.order, actor=w.clerk, at=when + 20 * MINUTE))
    gi = w.goods_issue(deal, n, when + 2 * HOUR, flow=False)
    w.record_proof(deal, gi, when + 3 * HOUR)
    inv = w.invoice(deal, gi, when + 4 * HOUR, flow=False)
    w.book_revenue(deal, gi, inv, when + 5 * HOUR)
    again = _revenue_entry(w, deal, gi, inv.total.amount, when + 6 * HOUR)
    w.post(BookRevenue(entry=again, actor=w.accountant, at=when + 6 * HOUR), expect=planted.expect)
    # A second sale: its revenue booked at ten times what was delivered.
    other = clean_deal(w, when + HOUR)
    gi2 = ship(w, other, when + 2 * HOUR)
    w.record_proof(other, gi2, when + 5 * HOUR)
    inv2 = w.invoice(other, gi2, when + 6 * HOUR, flow=False)
    inflated = _revenue_entry(w, other, gi2, inv2.total.amount * 10, when + 7 * HOUR)
    w.post(
        BookRevenue(entry=inflated, actor=w.accountant, at=when + 7 * HOUR),
        expect=planted.expect,
    )
    pay_at_due(w, other, inv2)
    w.then(w.later(when, 2, 5), lambda t: w.close(other, t))
    planted(again.id, inflated.id, n.id)


# issue 14: receipts, commission accrual, analysis, storage, promotions


@row("O2C-AR-03", ("O2C-AR-03", "bank line one cent short of the receipt voucher"))
def _bank_line_differs(w: World, when: dt.datetime, planted: Planted) -> None:
    cust = cash_customer(w)
    deal = clean_deal(w, when, cust, method=PaymentMethod.PREPAYMENT)
    rid = w.peek_id("RC")
    w.skews.setdefault("bank", {})[rid] = -CENT
    w.prepay(deal, when + HOUR)
    planted(rid)


@row("O2C-AR-04", ("O2C-AR-04", "customer paid into an account outside the settlement centre"))
def _receipt_outside_settlement(w: World, when: dt.datetime, planted: Planted) -> None:
    cust = onboard(w, credit=False, grade="HIGH_RISK", limit=0, term=0)
    r = w.receive(
        cust,
        Decimal(12000),
        when,
        to_receivables=ZERO,
        account="ICBC-6222-0200-1234",
        expect=planted.expect,
    )
    planted(r.id)


@row("O2C-CM-02", ("O2C-CM-02", "commission accrual not collections × rate"))
def _accrual_wrong(w: World, when: dt.datetime, planted: Planted) -> None:
    month = when.strftime("%Y-%m")
    w.skews.setdefault(month, {})["accrual"] = Decimal(150)
    planted(f"sales@{month}")


@row("O2C-MN-03", ("O2C-MN-03", "no collections analysis for the month"))
def _no_collections_analysis(w: World, when: dt.datetime, planted: Planted) -> None:
    month = when.strftime("%Y-%m")
    w.skews.setdefault(month, {})["no_collections"] = True
    planted(f"collections@{month}")


@row("O2C-IN-02", ("O2C-IN-02", "chilled store read one degree above its range"))
def _cold_store_warm(w: World, when: dt.datetime, planted: Planted) -> None:
    area, _ = w.AREAS[0]
    reading = StorageReading(area, when.date(), Decimal("5.0"), None, "u-warehouse")
    w.record(ReadStorage(at=when, reading=reading))
    planted(f"{area}@{when.date().isoformat()}")


@row("O2C-MN-04", ("O2C-MN-04", "promotion never evaluated"), latest_month=10)
def _promotion_not_evaluated(w: World, when: dt.datetime, planted: Planted) -> None:
    p = w.promotion(when.date(), 7, when, evaluate=False)
    planted(p.promotion_id)


# issue 14: pickup orders and price master


@row("O2C-DL-07", ("O2C-DL-07", "pickup order used a second time (its id in lower case)"))
def _pickup_order_reused(w: World, when: dt.datetime, planted: Planted) -> None:
    p = next(x for x in w.products if x.central)
    cust = credit_customer(w)
    first = one_line_order(w, cust, when, p)
    po = PickupOrder(
        id=w.next_id("TH", 4),
        customer_id=cust.id,
        product_id=p.product.id,
        quantity=first.lines[0].quantity,
        valid_until=when.date() + dt.timedelta(days=20),
        issued_on=when.date(),
        issued_by="u-chem-branch",
    )
    w.record(IssuePickupOrder(at=when, pickup_order=po))
    deal = w.place(first, cust, when + 5 * MINUTE, flow=False)
    deal.pickup_order_id = po.id
    w.notice(deal, when + HOUR)  # the clean flow: goods issue against the pickup order, …

    def again(t: dt.datetime) -> None:
        again_deal = w.place(one_line_order(w, cust, t, p), cust, t, flow=False)
        again_deal.pickup_order_id = po.id.lower()
        n = w.notice(again_deal, t + HOUR, flow=False)
        gi = w.goods_issue(again_deal, n, t + 3 * HOUR, expect=planted.expect, flow=False)
        planted(gi.id)

    w.then(w.later(when, 5, 6, hour=10), again)


@row(
    "O2C-PR-06",
    ("O2C-PR-06", "price change approved by the marketing head, not the price group"),
)
def _price_change_not_approved(w: World, when: dt.datetime, planted: Planted) -> None:
    p = w.products[3]
    head = w.person("marketing_head", 3)
    change = PriceChange(
        id=w.next_id("PC", 4),
        # Next year's price: this year's orders keep theirs.
        entry=PriceEntry(
            product_id=p.product.id,
            price=cny(p.price + 20),
            valid_from=dt.date(w.year + 1, 1, 1),
            source_document=f"PG-{w.year}-0{when.month:02d}",
            price_class=p.product.price_class,
            maintained_by=w.price_maintainer.id,
            id=f"PE-{p.product.id}-{w.year + 1}",
        ),
        proposed_by=w.rng.choice(w.reps).id,
        reason="raw material prices up",
    )
    w.record(
        GrantApproval(
            at=when,
            approval=Approval(
                id=w.next_id("APR", 7),
                document_id=change.id,
                role="marketing_head",
                approver=head,
                granted_at=when,
            ),
        )
    )
    txn = ChangeMasterPrice(change=change, actor=w.price_maintainer, at=when + 10 * MINUTE)
    w.post(txn, expect=planted.expect)
    planted(change.id)


# issue 15: group credit

_LIMIT_ROW = INJECTORS["O2C-CR-04"]


@row(
    "O2C-CR-04",
    *_LIMIT_ROW.plants,
    ("O2C-CR-04", "customer group over the group's limit, the member within its own"),
    latest_month=_LIMIT_ROW.latest_month,
)
def _group_over_limit(w: World, when: dt.datetime, planted: Planted) -> None:
    """The classic over-limit order (the row this one extends), then a customer group: a parent
    (limit 300 000 for the whole group) buying in CNY and in USD, and a subsidiary customer
    buying through CO-NJ (credit segment east) within its own limit of 800 000, whose order
    takes the group over its limit."""
    _LIMIT_ROW.scenario(w, when, Planted(w, _LIMIT_ROW))
    parent = onboard(w, credit=True, grade="A", limit=300000, term=30)
    parent.group_id = parent.id
    child = onboard(w, credit=True, grade="A", limit=800000, term=30)
    child.group_id = parent.id
    at = when + 20 * MINUTE
    w.set_profile(parent, at)
    w.set_profile(child, at + MINUTE)
    assert child.profile is not None
    child.segment_profiles = {"east": attrs.evolve(child.profile, limit=cny(600000))}
    p = expensive(w)
    # the parent's orders: one in CNY, one in USD (exposure converted and rounded to CNY)
    cny_order = one_line_order(w, parent, at + 5 * MINUTE, p, qty=worth(p, 120000))
    w.place(cny_order, parent, at + 5 * MINUTE, flow=False)
    usd_price = Money.rounded(p.price / Decimal("7.10") + CENT, "USD")
    w.record(
        PublishPrice(
            at=at + 5 * MINUTE,
            entry=PriceEntry(
                product_id=p.product.id,
                price=usd_price,
                valid_from=at.date(),
                source_document=f"PG-{w.year}-USD",
                price_class=p.product.price_class,
                maintained_by=w.price_maintainer.id,
                id=f"PE-{p.product.id}-USD",
            ),
        )
    )
    usd = one_line_order(w, parent, at + 6 * MINUTE, p, qty=worth(p, 80000))
    usd_line = attrs.evolve(usd.lines[0], unit_price=usd_price)
    w.place(attrs.evolve(usd, lines=(usd_line,)), parent, at + 6 * MINUTE, flow=False)
    over = attrs.evolve(
        one_line_order(w, child, at + 10 * MINUTE, p, qty=worth(p, 110000)), company="CO-NJ"
    )
    w.place(over, child, at + 10 * MINUTE, expect={"O2C-CR-04"}, flow=False)
    w.seed_violation(
        "O2C-CR-04", over.id, "customer group over the group's limit, the member within its own"
    )
