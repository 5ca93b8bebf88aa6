"""How a violation is planted: the injector table's row type, its registry, and the steps
the rows share.

Each row (:class:`Injection`) names the violations it plants — control id and note, written
once — and a scenario: a small function posting a few self-contained transactions that break
those controls and nothing else, and that lead nowhere (no later document inherits the
problem). The scenario reports the documents concerned through ``planted(...)``, which records
them in the manifest; the controls that must object at the gate are the row's own
(``planted.expect``) unless the row says otherwise (``gate=``). :func:`row` registers a
scenario function as the row of a control; :func:`order_row` builds the most common row, one
order the gate objects to, from a function returning the customer, the order and the time.
The rows themselves are the table in :mod:`salesctl.demo.injectors`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Any, TypeVar

import attrs
from attrs import field, frozen

from salesctl._validators import text, typed
from salesctl.demo.host import DemoError, HostCustomer, HostProduct, cny
from salesctl.demo.orders import Deal
from salesctl.demo.world import Injector, World
from salesctl.model import (
    Customer,
    GoodsIssue,
    Invoice,
    OrderLine,
    PaymentMethod,
    PaymentTerms,
    SalesOrder,
)

__all__ = [
    "HOUR",
    "INJECTORS",
    "MINUTE",
    "Injection",
    "OrderBuilder",
    "Planted",
    "Scenario",
    "cash_customer",
    "clean_deal",
    "credit_customer",
    "expensive",
    "finish",
    "injector",
    "new_contract_deal",
    "new_credit_customer",
    "onboard",
    "one_line_order",
    "order_row",
    "pay_at_due",
    "row",
    "ship",
    "skew",
    "with_profile",
    "worth",
]

MINUTE = dt.timedelta(minutes=1)
HOUR = dt.timedelta(hours=1)


@frozen
class Planted:
    """What a running scenario reports its documents to (one per run of a row).

    Attributes:
        world: the world it runs in.
        row: the injection.
    """

    world: World
    row: Injection

    @property
    def expect(self) -> frozenset[str]:
        """The controls that must object at the gate."""
        return self.row.gate if self.row.gate is not None else self.row.controls

    def __call__(self, *documents: str) -> None:
        """Record the planted violations: one document for all of the row's violations, or one
        per violation, in the row's order."""
        docs = documents * len(self.row.plants) if len(documents) == 1 else documents
        if len(docs) != len(self.row.plants):
            raise DemoError(f"{self.row.control_id}: {len(documents)} documents", path="planted")
        for (control_id, note), doc in zip(self.row.plants, docs, strict=True):
            self.world.seed_violation(control_id, doc, note)


#: ``(world, when, planted) -> None``: posts the scenario's documents at ``when`` (and later)
#: and reports the documents concerned to ``planted``.
Scenario = Callable[[World, dt.datetime, Planted], None]


def _pair(value: Any) -> tuple[tuple[str, str], ...]:
    return tuple((str(c), str(n)) for c, n in value)


@frozen
class Injection:
    """One injector: the violations it plants and the scenario that plants them.

    Attributes:
        control_id: the control it covers (its key in :data:`INJECTORS`).
        plants: ``(control id, note)`` of every violation it plants; ``note`` says what was
            done wrong, in English.
        scenario: the scenario.
        latest_month: the last month it may be scheduled in (a violation found only at a later
            deadline must still fall within the year).
        gate: the controls that must object at the gate, when not exactly those of ``plants``.
    """

    control_id: str = field(validator=text)
    plants: tuple[tuple[str, str], ...] = field(converter=_pair)
    scenario: Scenario = field(repr=False)
    latest_month: int = field(default=11, validator=typed(int))
    gate: frozenset[str] | None = field(default=None)

    @property
    def controls(self) -> frozenset[str]:
        """The controls it plants violations of."""
        return frozenset(c for c, _ in self.plants)

    def __call__(self, w: World, when: dt.datetime) -> None:
        """Run the scenario at ``when``."""
        self.scenario(w, when, Planted(w, self))


#: The table: every registered injector by control id.
INJECTORS: dict[str, Injection] = {}

_I = TypeVar("_I", bound=Injector)


def injector(control_id: str, *, latest_month: int = 11) -> Callable[[_I], _I]:
    """Decorator: register a plain violation injector for ``control_id``.

    The injector gets the :class:`~salesctl.demo.world.World` and a time; it posts its
    transactions through :meth:`~salesctl.demo.host.Host.post` with ``expect=`` naming the
    controls that must object, and records each planted violation with
    :meth:`~salesctl.demo.host.Host.seed_violation`.

    Args:
        control_id: the control whose violation it plants.
        latest_month: the last month it may be scheduled in (a violation found only at a
            later deadline must still fall within the year).
    """

    def deco(fn: _I) -> _I:
        def scenario(w: World, when: dt.datetime, planted: Planted) -> None:
            fn(w, when)

        _register(Injection(control_id, (), scenario, latest_month))
        return fn

    return deco


def _register(row: Injection) -> Injection:
    INJECTORS[row.control_id] = row
    return row


def row(
    control_id: str, *plants: tuple[str, str], latest_month: int = 11, gate: Iterable[str] = ()
) -> Callable[[Scenario], Injection]:
    """Decorator: register the row of ``control_id``, with the scenario it decorates."""

    def deco(fn: Scenario) -> Injection:
        return _register(Injection(control_id, plants, fn, latest_month, frozenset(gate) or None))

    return deco


# -- shared steps -----------------------------------------------------------------------------


def credit_customer(w: World) -> HostCustomer:
    return w.rng.choice(
        [c for c in w.customers if c.credit and c.profile is not None and c.weight > 0]
    )


def onboard(w: World, *, credit: bool, grade: str, limit: int, term: int) -> HostCustomer:
    """A customer taken on now, outside the regular business (weight 0)."""
    n = len(w.customers) + 1
    cust = HostCustomer(
        id=f"C-{n:04d}",
        name=f"Customer {n}",
        rep=w.rng.choice(w.reps),
        credit=credit,
        grade=grade,
        limit=Decimal(limit),
        term=term,
        weight=0.0,
    )
    w.customers.append(cust)
    return cust


def cash_customer(w: World) -> HostCustomer:
    pool = [c for c in w.customers if not c.credit and c not in w.distributors and c.weight > 0]
    if pool:
        return w.rng.choice(pool)
    return onboard(w, credit=False, grade="HIGH_RISK", limit=0, term=0)


def new_credit_customer(
    w: World,
    when: dt.datetime,
    *,
    grade: str = "A",
    limit: int = 800000,
    reviewed: dt.date | None = None,
) -> HostCustomer:
    """A customer onboarded now, with an approved credit profile."""
    cust = onboard(w, credit=True, grade=grade, limit=limit, term=30)
    w.set_profile(cust, when, reviewed_on=reviewed)
    return cust


def with_profile(cust: HostCustomer, **changes: Any) -> Customer:
    """``cust`` as documents carry it, its credit profile changed."""
    assert cust.profile is not None
    return Customer(
        id=cust.id, name=cust.name, credit_profile=attrs.evolve(cust.profile, **changes)
    )


def expensive(w: World) -> HostProduct:
    return max((p for p in w.products if not p.central), key=lambda p: p.price)


def worth(p: HostProduct, amount: int) -> Decimal:
    """The quantity of ``p`` just above ``amount`` yuan at list price."""
    return Decimal(int(Decimal(amount) / p.price) + 1)


def one_line_order(
    w: World,
    cust: HostCustomer,
    when: dt.datetime,
    p: HostProduct,
    *,
    unit: Decimal | None = None,
    qty: Decimal | None = None,
    list_price: Decimal | None = None,
) -> SalesOrder:
    """A credit order of one line of ``p`` (a pack at list price unless told otherwise)."""
    seq = w.next_order_seq()
    return SalesOrder(
        id=f"SO-{w.year}-{seq:06d}",
        series=f"SO-{w.year}",
        seq=seq,
        customer=cust.customer(),
        lines=(
            OrderLine(
                line_no=1,
                product=p.product,
                quantity=qty if qty is not None else Decimal(p.scale),
                unit_price=cny(unit if unit is not None else p.price),
                list_price=cny(list_price) if list_price is not None else None,
            ),
        ),
        payment=PaymentTerms(PaymentMethod.CREDIT, cust.term),
        created_by=cust.rep.id,
        order_date=when.date(),
    )


def clean_deal(w: World, when: dt.datetime, cust: HostCustomer | None = None, **kw: Any) -> Deal:
    """A clean order, placed now, whose flow the injector drives (a credit sale signed on its
    contract, 60 % paid, at once: O2C-DL-01, O2C-BL-03)."""
    cust = cust or credit_customer(w)
    deal = w.place(w.new_order(cust, when, **kw), cust, when, flow=False)
    w.secure_credit(deal, when)
    return deal


def ship(w: World, deal: Deal, when: dt.datetime, **kw: Any) -> GoodsIssue:
    """Notice and goods issue of the whole order, clean."""
    n = w.notice(deal, when, flow=False)
    return w.goods_issue(deal, n, when + 2 * HOUR, flow=False, **kw)


def pay_at_due(w: World, deal: Deal, inv: Invoice) -> None:
    """The customer pays an injector's invoice on its due date (nothing else goes wrong)."""
    due = inv.issued_on + dt.timedelta(days=deal.order.payment.days)
    w.then(w.at(due, 11, 30), lambda t: w.pay_invoice(deal, inv.total.amount, t))


def finish(w: World, deal: Deal, gi: GoodsIssue, inv: Invoice, when: dt.datetime) -> None:
    """The rest of a clean flow after an injector's invoice: proof, revenue, payment, closing."""

    def go(t: dt.datetime) -> None:
        w.record_proof(deal, gi, t)
        w.then(t + HOUR, lambda tt: w.book_revenue(deal, gi, inv, tt))

    w.then(w.later(when, 1, 2), go)


def new_contract_deal(w: World, when: dt.datetime) -> tuple[str, Deal]:
    """A clean contract deal signed now: the contract id and its order."""
    cid = w.contract_deal(credit_customer(w), when)
    deal: Deal = w.contracts[cid]["deal"]
    return cid, deal


def skew(w: World, when: dt.datetime, kind: str, key: str, value: Any) -> str:
    """Have ``when``'s month-end register of ``kind`` differ on ``key``; returns the month."""
    month = when.strftime("%Y-%m")
    w.skews.setdefault(month, {}).setdefault(kind, {})[key] = value
    return month


# -- the most common row: one order the gate objects to ----------------------------------------

#: ``(world, when) -> (customer, order, time to place it)``.
OrderBuilder = Callable[[World, dt.datetime], tuple[HostCustomer, SalesOrder, dt.datetime]]


def order_row(control_id: str, *plants: tuple[str, str], build: OrderBuilder) -> Injection:
    """The row of an injector that places one order the row's controls object to."""

    def scenario(w: World, when: dt.datetime, planted: Planted) -> None:
        cust, order, at = build(w, when)
        w.place(order, cust, at, expect=planted.expect, flow=False)
        planted(order.id)

    return _register(Injection(control_id, plants, scenario))
