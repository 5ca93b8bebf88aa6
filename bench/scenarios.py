"""The transactions and contexts the benchmark times (built with ``tests/builders.py``).

Two decisions are modelled by every contender (plain Python, the gate, ZEN, Cedar):

* **credit** — O2C-CR-04, the credit limit with a one-time release: exposure (open orders,
  delivered not invoiced, open receivables) plus the order within the limit: ALLOW; over it,
  a valid one-time release for the order: ALLOW; else HOLD; no exposure on a credit sale:
  BLOCK (fail closed); no credit profile or a method that consumes no credit: ALLOW.
* **price** — O2C-PR-03, the price-float authority by seller level on a one-line order: the
  line's price (before its discount) inside the seller's delegated range: ALLOW; inside the
  range of a node above: HOLD; outside the root's range, or no master price: BLOCK.

The full preventive pack runs on a credit ``PlaceOrder`` of 1, 10 and 100 lines priced at the
master price (approval for O2C-SO-02 on hand), a ten-line ``IssueInvoice`` on a contract with
60 % collected (finance VP approval on hand) and a ten-line ``PostGoodsIssue`` against an
approved delivery notice. Every one of them is an ALLOW.
"""

from __future__ import annotations

import datetime as dt
import random
import sys
from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests import builders as b

import salesctl as sc

Case = tuple[Any, sc.Context]

# -- fresh contexts ---------------------------------------------------------------------------

_CTX_FIELDS = tuple(a.name for a in attrs.fields(sc.Context))
_set = object.__setattr__


def fresh(ctx: sc.Context) -> sc.Context:
    """A copy of ``ctx``: every field, including what the constructor derives (the price book).

    The timed calls each get their own copy, as a host gives each check its own context; a
    context keeps nothing between checks, and what its constructor derives (the price book)
    is part of building it, measured in the construction rows, not in the check.
    """
    new = object.__new__(sc.Context)
    for name in _CTX_FIELDS:
        _set(new, name, getattr(ctx, name))
    return new


# -- the credit decision ------------------------------------------------------------------------

SELLER = "u-rep"


def release(
    *,
    order_id: str = b.ORDER_ID,
    max_amount: str = "1000000",
    granted_by: sc.Actor = b.MAINTAINER,
    granted_at: dt.datetime | None = None,
    expires_at: dt.datetime | None = None,
    id: str = "REL-1",
) -> sc.CreditRelease:
    """A one-time release for the order (valid by default)."""
    return sc.CreditRelease(
        id=id,
        order_id=order_id,
        max_amount=b.cny(max_amount),
        granted_by=granted_by,
        granted_at=granted_at or b.at(1),
        expires_at=expires_at or b.at(10),
        reason="year-end shipment",
    )


def credit_case(
    *,
    limit: str = "500000",
    open_orders: str = "100000",
    delivered: str = "50000",
    receivables: str = "200000",
    qty: str = "10",
    price: str = "1000",
    method: sc.PaymentMethod = sc.PaymentMethod.CREDIT,
    profile: bool = True,
    exposure: bool = True,
    rel: sc.CreditRelease | None = None,
    consumed: bool = False,
    approvals: tuple[sc.Approval, ...] = (),
) -> Case:
    """A one-line credit order and the context the credit decision reads."""
    cust = b.customer(prof=b.profile(limit=b.cny(limit)) if profile else None)
    order = b.order(cust=cust, lines=(b.line(1, qty, price),), method=method)
    txn = b.place(order)
    ctx = b.context(
        exposure=b.exposure(open_orders, delivered, receivables) if exposure else None,
        releases=(rel,) if rel is not None else (),
        consumed_releases=frozenset({rel.id}) if rel is not None and consumed else frozenset(),
        approvals=approvals,
    )
    return txn, ctx


def credit_fixed() -> dict[str, Case]:
    """The credit cases every contender must agree on, by name (the two timed ones first)."""
    big = "20000"  # 10 × 20000 = 200000: 350000 + 200000 > 500000
    return {
        "within limit": credit_case(),
        "over limit, valid release": credit_case(price=big, rel=release()),
        "exactly at limit": credit_case(price="15000"),
        "one cent over": credit_case(price="15000.01", qty="1", limit="365000.00"),
        "over limit, no release": credit_case(price=big),
        "release consumed": credit_case(price=big, rel=release(), consumed=True),
        "release expired": credit_case(price=big, rel=release(expires_at=b.AT)),
        "release not yet valid": credit_case(price=big, rel=release(granted_at=b.at(3))),
        "release for another order": credit_case(price=big, rel=release(order_id="SO-9")),
        "release too small": credit_case(price=big, rel=release(max_amount="199999.99")),
        "release by the seller": credit_case(
            price=big, rel=release(granted_by=b.actor(SELLER, "credit_master_maintainer"))
        ),
        "release by a non-maintainer": credit_case(price=big, rel=release(granted_by=b.MANAGER)),
        "no credit profile": credit_case(profile=False, price=big),
        "prepayment": credit_case(method=sc.PaymentMethod.PREPAYMENT, price=big),
        "no exposure": credit_case(exposure=False),
    }


def _amount(rng: random.Random, hi: int) -> str:
    return (
        f"{rng.randrange(0, hi * 100) / 100:.2f}"
        if rng.random() < 0.9
        else str(rng.randrange(0, hi))
    )


def credit_random(rng: random.Random, n: int) -> list[Case]:
    """``n`` random credit cases (limits, exposures, order sizes, releases of every kind)."""
    out = []
    methods = list(sc.PaymentMethod)
    for _ in range(n):
        limit = _amount(rng, 1_000_000)
        kind = rng.choice(
            [
                "none",
                "valid",
                "valid",
                "consumed",
                "expired",
                "early",
                "other",
                "small",
                "seller",
                "role",
            ]
        )
        qty = str(rng.randrange(1, 50))
        price = _amount(rng, 20_000)
        rel = None
        if kind != "none":
            granted_by = {
                "seller": b.actor(SELLER, "credit_master_maintainer"),
                "role": b.MANAGER,
            }.get(kind, b.MAINTAINER)
            rel = release(
                order_id="SO-9" if kind == "other" else b.ORDER_ID,
                max_amount=_amount(rng, 1_000_000) if kind == "small" else "1000000",
                granted_by=granted_by,
                granted_at=b.at(3) if kind == "early" else b.at(1),
                expires_at=b.AT if kind == "expired" else b.at(10),
            )
        out.append(
            credit_case(
                limit=limit,
                open_orders=_amount(rng, 400_000),
                delivered=_amount(rng, 100_000),
                receivables=_amount(rng, 400_000),
                qty=qty,
                price=price,
                method=rng.choice(methods) if rng.random() < 0.2 else sc.PaymentMethod.CREDIT,
                profile=rng.random() > 0.05,
                exposure=rng.random() > 0.03,
                rel=rel,
                consumed=kind == "consumed",
            )
        )
    return out


# -- the price decision -------------------------------------------------------------------------

SELLERS = {
    "rep": b.REP,
    "manager": b.MANAGER,
    "marketing": b.actor("u-mkt", "marketing_head", level=3),
    "committee": b.actor("u-pc", "price_committee", level=5),
    "clerk": b.WAREHOUSE,  # holds no node of the tree
}


def price_case(
    price: str,
    *,
    master: str | None = "1000",
    seller: str = "rep",
    list_price: str | None = None,
    approvals: tuple[sc.Approval, ...] = (),
) -> Case:
    """A one-line market-priced order at ``price`` (before a discount from ``list_price``)."""
    ln = sc.OrderLine(
        line_no=1,
        product=sc.Product(id="P-PE-01", name="PE film"),
        quantity=Decimal("10"),
        unit_price=b.cny(price),
        list_price=b.cny(list_price) if list_price is not None else None,
    )
    order = b.order(lines=(ln,))
    txn = b.place(order, who=SELLERS[seller])
    prices = (b.price_entry("P-PE-01", master),) if master is not None else ()
    return txn, b.context(prices=prices, approvals=approvals)


def price_fixed() -> dict[str, Case]:
    """The price cases every contender must agree on (the two timed ones first)."""
    return {
        "rep 1 % below master": price_case("990"),
        "rep 4 % below master": price_case("960"),
        "at master": price_case("1000"),
        "rep at own floor": price_case("980"),
        "rep one cent below own floor": price_case("979.99"),
        "rep at own ceiling": price_case("1030"),
        "rep one cent above own ceiling": price_case("1030.01"),
        "rep at root floor": price_case("850"),
        "rep below root floor": price_case("849.99"),
        "rep above root ceiling": price_case("1200.01"),
        "manager 5 % below": price_case("950", seller="manager"),
        "marketing 9 % below": price_case("910", seller="marketing"),
        "committee 15 % below": price_case("850", seller="committee"),
        "committee beyond root": price_case("849.99", seller="committee"),
        "clerk 1 % below": price_case("990", seller="clerk"),
        "clerk beyond root": price_case("700", seller="clerk"),
        "no master price": price_case("990", master=None),
        "list price judged": price_case("900", list_price="1000"),
        "surcharge judged": price_case("1050", list_price="1000"),
    }


def price_random(rng: random.Random, n: int) -> list[Case]:
    """``n`` random price cases around the range bounds of every node."""
    out = []
    pcts = [
        Decimal(x) for x in ("0", "0.02", "0.03", "0.05", "0.06", "0.08", "0.10", "0.15", "0.20")
    ]
    for _ in range(n):
        master = Decimal(rng.randrange(100, 500_000)) / 100
        pct = rng.choice(pcts) * rng.choice((-1, 1))
        price = (master * (1 + pct)).quantize(Decimal("0.01")) + Decimal(
            rng.choice((-1, 0, 0, 1))
        ) / 100
        if rng.random() < 0.3:
            price = (master * (1 + Decimal(rng.randrange(-2500, 2500)) / 10000)).quantize(
                Decimal("0.01")
            )
        price = max(price, Decimal("0.01"))
        list_price = None
        if rng.random() < 0.15:
            list_price = str(max(price, master) + Decimal(rng.randrange(0, 2000)) / 100)
        out.append(
            price_case(
                str(price),
                master=str(master) if rng.random() > 0.03 else None,
                seller=rng.choice(list(SELLERS)),
                list_price=list_price,
            )
        )
    return out


# -- HOLDs cleared by an approval on hand -------------------------------------------------------

BIG = "20000"  # 10 × 20000 = 200000: 350000 + 200000 > 500000


def credit_approval(**kw: Any) -> sc.Approval:
    """The credit manager's approval of the order (clears O2C-CR-04's HOLD by default)."""
    base: dict[str, Any] = dict(role="credit_manager", approver=b.CREDIT_MANAGER, id="APR-CR")
    base.update(kw)
    return b.approval(**base)


def price_approval(**kw: Any) -> sc.Approval:
    """The sales manager's approval of the order (clears O2C-PR-03's HOLD 4 % below)."""
    base: dict[str, Any] = dict(role="sales_manager", approver=b.MANAGER, id="APR-PR")
    base.update(kw)
    return b.approval(**base)


def approved_fixed() -> dict[str, Case]:
    """HOLD paths with an approval on hand, and approvals that must not clear them (the two
    timed ones first); the plain functions and the gate must agree on each."""
    rep_approval = b.approval(role="sales_rep", approver=b.REP, id="APR-REP")
    return {
        "credit (over limit, credit approval on hand)": credit_case(
            price=BIG, approvals=(credit_approval(),)
        ),
        "price (rep 4 % below master, approval on hand)": price_case(
            "960", approvals=(price_approval(),)
        ),
        "credit: approval by the seller": credit_case(
            price=BIG,
            approvals=(credit_approval(approver=b.actor("u-rep", "credit_manager", level=3)),),
        ),
        "credit: approval of another order": credit_case(
            price=BIG, approvals=(credit_approval(document_id="SO-OTHER"),)
        ),
        "credit: approval granted later": credit_case(
            price=BIG, approvals=(credit_approval(granted_at=b.at(3)),)
        ),
        "credit: approval expired": credit_case(
            price=BIG, approvals=(credit_approval(expires_at=b.at(1, 11)),)
        ),
        "credit: approval too small": credit_case(
            price=BIG, approvals=(credit_approval(max_amount=b.cny("1000")),)
        ),
        "credit: wrong role": credit_case(price=BIG, approvals=(price_approval(),)),
        "credit: level too low": credit_case(
            price=BIG,
            approvals=(credit_approval(approver=b.actor("u-cm2", "credit_manager", level=1)),),
        ),
        "price: approval by a rep": price_case("960", approvals=(rep_approval,)),
        "price: approval of another order": price_case(
            "960", approvals=(price_approval(document_id="SO-OTHER"),)
        ),
        "price: beyond the manager, manager's approval": price_case(
            "900", approvals=(price_approval(),)
        ),
        "price: within own range, approval on hand": price_case(
            "990", approvals=(price_approval(),)
        ),
    }


# -- the full preventive pack ---------------------------------------------------------------------


def place_order(lines: int) -> Case:
    """A credit order of ``lines`` lines at their master prices, within the credit limit, with
    the sales manager's approval on hand (O2C-SO-02)."""
    # 9 × 1000 a line: 100 lines stay below the major-credit-sale band (O2C-CR-08, 1 000 000).
    ls = tuple(b.line(i + 1, "9", "1000", product=f"P-{i:03}") for i in range(lines))
    order = b.order(lines=ls, cust=b.customer(prof=b.profile(limit=b.cny("50000000"))))
    approver = (
        b.GENERAL_MANAGER
        if order.total > b.cny("1000000")
        else (b.DIRECTOR if order.total > b.cny("100000") else b.MANAGER)
    )
    role = next(iter(approver.roles))
    ctx = b.context(
        exposure=b.exposure(open_orders="100000", delivered="50000", receivables="200000"),
        prices=b.prices_for(order),
        approvals=(b.approval(role=role, approver=approver),),
    )
    return b.place(order), ctx


def issue_invoice(lines: int = 10) -> Case:
    """An invoice of ``lines`` lines on a posted goods issue, on a contract with 60 % collected
    and the finance VP's approval on hand (O2C-BL-01, -03)."""
    dls = tuple(b.dline(i + 1, "10", product=f"P-{i:03}", lot=f"LOT-{i:03}") for i in range(lines))
    gi = b.goods_issue(lines=dls, posted=True)
    inv = b.invoice(
        lines=tuple(b.iline(i + 1, "10", "1000", product=f"P-{i:03}") for i in range(lines)),
        contract_id=b.CONTRACT_ID,
    )
    approval = b.approval("INV-0042-1", "finance_vp", b.FINANCE_VP, id="APR-INV-VP")
    ctx = b.context(
        approvals=(approval,),
        goods_issues=(gi,),
        contract_accounts={b.CONTRACT_ID: b.ledger_line("100000", "60000")},
    )
    return sc.IssueInvoice(invoice=inv, actor=b.CLERK, at=b.AT), ctx


def post_goods_issue(lines: int = 10) -> Case:
    """A goods issue of ``lines`` lines against an approved delivery notice, from lots with
    QC certificates far from expiry, within the credit limit, on the order's signed contract
    (O2C-DL-01..05)."""
    ls = tuple(b.line(i + 1, "10", "1000", product=f"P-{i:03}") for i in range(lines))
    order = b.order(lines=ls)
    notice = b.notice(lines=tuple(b.dline(i + 1, "10", product=f"P-{i:03}") for i in range(lines)))
    gi = b.goods_issue(
        lines=tuple(
            b.dline(i + 1, "10", product=f"P-{i:03}", lot=f"LOT-{i:03}") for i in range(lines)
        )
    )
    lots = tuple(
        b.lot(f"LOT-{i:03}", f"P-{i:03}", "100", expires=dt.date(2026, 12, 31))
        for i in range(lines)
    )
    ctx = b.context(
        approvals=(),
        approved_documents=frozenset({notice.id, order.id}),
        delivery_notices=(notice,),
        stock_lots=lots,
        exposure=b.exposure(open_orders="100000"),
        contracts=(
            b.sales_contract(status=sc.ContractStatus.SIGNED, signed_on=b.TODAY, order_id=order.id),
        ),
    )
    return b.post_issue(gi, order), ctx


# -- construction: what a host pays before it can call the gate -------------------------------


def as_json(case: Case) -> tuple[dict[str, Any], dict[str, Any]]:
    """The transaction and context of ``case`` as the host's JSON-shaped dicts."""
    import json

    txn, ctx = case
    return (
        json.loads(json.dumps(sc.transaction_to_dict(txn))),
        json.loads(json.dumps(ctx.to_dict())),
    )


def _rebuilder(tp: type) -> Any:
    fields = tuple(a.name for a in attrs.fields(tp) if a.init)
    return lambda v: tp(**{n: rebuild(getattr(v, n)) for n in fields})


_REBUILD: dict[type, Any] = {}


def rebuild(value: Any) -> Any:
    """``value`` built again through its classes' constructors, from its typed field values
    (what a host that holds Python values, not JSON, does to make the objects)."""
    tp = type(value)
    if tp is tuple:
        return tuple([rebuild(v) for v in value])
    if tp is frozenset:
        return frozenset([rebuild(v) for v in value])
    if tp is sc.Money:
        return sc.Money(value.amount, value.currency)
    if isinstance(value, Mapping):
        return type(value)({k: rebuild(v) for k, v in value.items()})
    if attrs.has(tp):
        f = _REBUILD.get(tp)
        if f is None:
            f = _REBUILD[tp] = _rebuilder(tp)
        return f(value)
    return value
