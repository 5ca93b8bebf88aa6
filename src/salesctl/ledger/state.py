"""The state the ledger keeps per customer, order and contract (mutable, for speed; the ledger
hands out only immutable documents and contexts built from it)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, getcontext
from typing import Any

import attrs

from salesctl.ledger.exposure import OpenItem, OpenItems
from salesctl.model import ConcessionRecord, CreditProfile, PaymentMethod, SalesOrder

__all__ = [
    "DEFAULT_CREDIT_METHODS",
    "ZERO",
    "ContractState",
    "CustomerState",
    "LineState",
    "OpenItem",
    "OrderState",
    "add_proof",
    "by_id",
    "plus",
    "put",
]

ZERO = Decimal(0)


def plus(a: Decimal, b: Decimal) -> Decimal:
    """``a + b``, sharing ``b`` itself when ``a`` is :data:`ZERO` and the sum is ``b`` digit
    for digit (``b`` not zero, its exponent not above zero, within the context's precision:
    ``0 + b`` then has ``b``'s sign, digits and exponent). A first delivery or invoice of a
    line, a first collection on a contract, then holds the decoded quantity or amount rather
    than a copy of it."""
    if a is ZERO and b:
        t = b.as_tuple()
        if isinstance(t.exponent, int) and t.exponent <= 0 and len(t.digits) <= getcontext().prec:
            return b
    return a + b

def by_id(docs: tuple[Any, ...], ident: str) -> Any:
    """The document of ``docs`` whose ``id`` is ``ident``, else ``None``."""
    for d in docs:
        if d.id == ident:
            return d
    return None


def put(docs: tuple[Any, ...], doc: Any) -> tuple[Any, ...]:
    """``docs`` with ``doc`` in the place of the one of the same ``id``, else after the last
    (what ``dict[doc.id] = doc`` does to a dict's order)."""
    ident = doc.id
    for i, d in enumerate(docs):
        if d.id == ident:
            return (*docs[:i], doc, *docs[i + 1 :])
    return (*docs, doc)


def add_proof(proofs: tuple[Any, ...], proof: Any) -> tuple[Any, ...]:
    """``proofs`` (grouped by goods issue, the groups in the order their goods issues were
    first proved) with ``proof`` last in its goods issue's group, in the place of an earlier
    proof of the same ``id`` in that group (the order a dict of lists by goods issue gave)."""
    g = proof.goods_issue_id
    last = -1
    for i, x in enumerate(proofs):
        if x.goods_issue_id == g:
            last = i
    if last < 0:
        return (*proofs, proof)
    out: list[Any] = []
    for i, x in enumerate(proofs):
        if not (x.goods_issue_id == g and x.id == proof.id):
            out.append(x)
        if i == last:
            out.append(proof)
    return tuple(out)


#: The payment methods that consume credit when the credit policy names none.
DEFAULT_CREDIT_METHODS = frozenset(
    {
        PaymentMethod.TT_OPEN_ACCOUNT,
        PaymentMethod.DOCUMENTS_AGAINST_PAYMENT,
        PaymentMethod.DOCUMENTS_AGAINST_ACCEPTANCE,
        PaymentMethod.CREDIT,
    }
)


@attrs.define(slots=True, eq=False)
class LineState:
    """A line of an open order: quantities ordered, delivered and invoiced, and its price."""

    ordered: Decimal
    price: Decimal
    delivered: Decimal = ZERO
    invoiced: Decimal = ZERO


@attrs.define(slots=True, eq=False)
class OrderState:
    """An open sales order and its document flow, as the ledger holds it.

    Attributes:
        order: the order as last placed or released.
        credit: True when its payment method consumes credit.
        voided: True once voided.
        delivery_notices: its notices, in the order first seen (one per id: :func:`put`).
        goods_issues: its goods issues (posted ones with ``posted=True``), the same.
        invoices: its invoices (voided ones with ``voided=True``), the same.
        settlements: its sales settlements, the same.
        delivery_proofs: its delivery proofs, grouped by goods issue (:func:`add_proof`).
        revenue_goods_issues: goods issues whose revenue was booked.
        revenue_entries: the revenue entries booked on its goods issues, one per id
            (O2C-RR-04).

    The document flow is held in tuples, not dicts by id: an order has one or a few of each,
    and a dict of one took 224 bytes where a tuple of one takes 48 (the empty tuple is
    shared); a lookup by id walks the few (:func:`by_id`).
        last_touched: the date of the last event on the order.
        completed_on: the date it became complete (voided, or delivered and invoiced in
            full); ``None`` while open.
    """

    order: SalesOrder
    credit: bool
    lines: dict[int, LineState]
    last_touched: dt.date
    voided: bool = False
    delivery_notices: tuple[Any, ...] = ()
    goods_issues: tuple[Any, ...] = ()
    invoices: tuple[Any, ...] = ()
    settlements: tuple[Any, ...] = ()
    delivery_proofs: tuple[Any, ...] = ()
    #: A tuple, not a set: a set took 216 bytes per order, most orders have one or two.
    revenue_goods_issues: tuple[str, ...] = ()
    revenue_entries: tuple[Any, ...] = ()
    completed_on: dt.date | None = None
    #: What the order adds to its customer's exposure now: (currency, open, delivered not
    #: invoiced); kept in step with the customer's totals by ``_touch``.
    counted: tuple[str, Decimal, Decimal] | None = None
    #: The selling company ``counted`` is also counted under in the customer's
    #: ``company_totals`` (``None``: none; issue 15's credit segments).
    counted_company: str | None = None

    @property
    def currency(self) -> str:
        """The order's currency."""
        return self.order.currency

    def open_value(self) -> Decimal:
        """Value ordered but not yet delivered (zero once voided)."""
        if self.voided:
            return ZERO
        return sum(
            (
                (ln.ordered - ln.delivered) * ln.price
                for ln in self.lines.values()
                if ln.ordered > ln.delivered
            ),
            ZERO,
        )

    def delivered_not_invoiced(self) -> Decimal:
        """Value delivered but not yet invoiced."""
        return sum(
            (
                (ln.delivered - ln.invoiced) * ln.price
                for ln in self.lines.values()
                if ln.delivered > ln.invoiced
            ),
            ZERO,
        )

    def is_complete(self) -> bool:
        """Voided, or every line delivered and invoiced in full."""
        if self.voided:
            return True
        return all(
            ln.delivered >= ln.ordered and ln.invoiced >= ln.delivered for ln in self.lines.values()
        )


@attrs.define(slots=True, eq=False)
class CustomerState:
    """What the ledger holds of one customer: the credit profile last seen, open orders, open
    items, advances by currency, recent concessions and consignment settlements."""

    id: str
    profile: CreditProfile | None = None
    orders: dict[str, OrderState] = attrs.Factory(dict)
    items: OpenItems = attrs.Factory(OpenItems)
    advance: dict[str, Decimal] = attrs.Factory(dict)
    concessions: list[ConcessionRecord] = attrs.Factory(list)
    consignment_settlements: list[Any] = attrs.Factory(list)
    #: Credit exposure of the customer's orders by currency: [open orders, delivered not
    #: invoiced] (maintained incrementally as orders change).
    totals: dict[str, list[Decimal]] = attrs.Factory(dict)
    #: The same per selling company (orders that name one): company → currency → totals.
    company_totals: dict[str, dict[str, list[Decimal]]] = attrs.Factory(dict)
    #: The customer document last seen on an order or credit profile (its group and its
    #: profiles per credit segment), when it names a group or segment profiles.
    customer: Any = None
    #: Every credit profile set for the customer, in order (the credit-limit history).
    history: list[Any] = attrs.Factory(list)
    #: Bumped whenever ``totals`` change (with ``items.version``: what the cached exposures
    #: were computed from).
    stamp: int = 0
    #: Exposures computed: (currency, segment) → ((stamp, items version), exposure).
    exposures: dict[Any, Any] = attrs.Factory(dict)


@attrs.define(slots=True, eq=False)
class ContractState:
    """A contract and its contract-ledger account: collected and commissions paid."""

    contract: Any
    collected: Decimal
    commissions_paid: Decimal
    last_touched: dt.date
    #: The account last handed out and the contract and amount collected it was built from
    #: (:func:`~salesctl.ledger.context.contract_account`).
    account: Any = None
