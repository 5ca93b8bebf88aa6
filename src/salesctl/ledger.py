"""The ledger: a fold of the event stream into what the controls need to know.

A host that calls :meth:`salesctl.Gate.check` live passes a :class:`~salesctl.context.Context`
built from its own database: the customer's credit exposure by category, the approvals and
one-time releases on hand, the last number of each series, the document flow of the order,
the contract ledger, the stock on hand. The audit replay has no database — only the exported
stream — so :class:`Ledger` rebuilds that knowledge by folding the events in order, and
:meth:`Ledger.context_for` produces the context the host would have passed for the next
transaction. Replaying a year through ``ledger → context → gate`` re-performs every decision.

How each event type changes the ledger is one small function per type, registered with
:func:`fold` (``PlaceOrder``, ``ReleaseOrder``, ``SetCreditProfile``, ``IssueDeliveryNotice``,
``PostGoodsIssue``, ``IssueInvoice``, ``RecordReceipt``, …, and the records of
:mod:`salesctl.events`). A type without a fold is still decided; it just teaches the ledger
nothing (:attr:`Ledger.unfolded` counts them).

What the ledger holds, and for how long (memory is bounded by **open** documents, not by the
number of events):

* per customer: the credit profile last seen, open sales orders (undelivered and
  delivered-not-invoiced quantities by line), open invoices (for exposure and ageing),
  unapplied advance receipts, recent concessions (the pricing window), consignment
  settlements;
* per open order: its delivery notices, goods issues, invoices, settlements and delivery
  proofs. An order leaves the ledger ``closed_retention_days`` after it is complete (voided,
  or delivered and invoiced in full) and nothing touched it;
* per document: approvals and one-time releases granted for it, until
  ``approval_retention_days`` after they were granted (or their expiry);
* globally: the last number of each series, exchange rates, the price master, stock lots on
  hand, contracts and the contract ledger (collections per contract).

The state is a deterministic function of the events folded so far (and, in an audit, of the
decisions on them): no clock, no files. It is mutable for speed — a year of a million events
is folded in place — but everything it hands out (contexts, documents) is immutable.

**Partitioning.** ``Ledger(owns=...)`` keeps customer state only for the customers it owns,
while the global part (number series, stock, prices, rates, contracts index) is folded from
every event. A replay split by customer over several ledgers therefore decides every
transaction exactly as one ledger would (see :func:`salesctl.audit.replay`).

>>> import salesctl as sc
>>> from salesctl.ledger import Ledger
>>> led = Ledger()
>>> led.last_numbers
{}
"""

from __future__ import annotations

import contextlib
import datetime as dt
import zlib
from collections.abc import Callable, Iterable, Iterator
from decimal import Decimal
from typing import Any, TypeVar

import attrs

from salesctl._validators import FrozenMap
from salesctl.context import Context
from salesctl.decision import Decision, Outcome
from salesctl.model import (
    Approval,
    ConcessionRecord,
    CreditExposure,
    CreditProfile,
    CreditRelease,
    PaymentMethod,
    PriceEntry,
    SalesOrder,
    StockLot,
)
from salesctl.money import Money
from salesctl.transactions import Transaction

__all__ = [
    "FOLDS",
    "Books",
    "Ledger",
    "OrderState",
    "Scope",
    "customer_partition",
    "fold",
    "scope_of",
]

_ZERO = Decimal(0)
_DEFAULT_CREDIT_METHODS = frozenset(
    {
        PaymentMethod.TT_OPEN_ACCOUNT,
        PaymentMethod.DOCUMENTS_AGAINST_PAYMENT,
        PaymentMethod.DOCUMENTS_AGAINST_ACCEPTANCE,
        PaymentMethod.CREDIT,
    }
)

#: A fold: ``(ledger, event, decision or None) -> None``; changes the ledger in place.
Fold = Callable[["Ledger", Any, "Decision | None"], None]

#: The fold of each event type, by type name.
FOLDS: dict[str, Fold] = {}

_F = TypeVar("_F", bound=Fold)


def fold(*type_names: str) -> Callable[[_F], _F]:
    """Decorator: register the function as the fold of the named event types.

    A fold receives the ledger, the event and the gate's decision on it (``None`` for
    records, and when the ledger is fed history without a gate). Customer state is changed
    only through :meth:`Ledger.customer` / :meth:`Ledger.order`, which honour the ledger's
    partition; global state (series, stock, prices) is changed directly.
    """

    def deco(fn: _F) -> _F:
        for name in type_names:
            FOLDS[name] = fn
        return fn

    return deco


def customer_partition(customer_id: str, partitions: int) -> int:
    """The partition (``0 .. partitions-1``) a customer belongs to; stable across runs and
    machines (CRC-32 of the id, not Python's salted ``hash``)."""
    return zlib.crc32(customer_id.encode("utf-8")) % partitions


# -- what an event is about ----------------------------------------------------------------


@attrs.define(slots=True)
class Scope:
    """What an event is about, found from its documents.

    Attributes:
        customer_id: the customer, when the event names one (directly or through its order
            or contract in the ledger's index).
        order_ids: sales orders the event concerns.
        contract_ids: contracts it concerns.
        document_ids: every document id it names (for approvals on hand).
        product_ids: products on its lines.
        goods_issue_ids: goods issues it names.
        currency: the currency of its first amount (order, invoice, receipt, entry).
    """

    customer_id: str | None = None
    order_ids: list[str] = attrs.Factory(list)
    contract_ids: list[str] = attrs.Factory(list)
    document_ids: list[str] = attrs.Factory(list)
    product_ids: list[str] = attrs.Factory(list)
    goods_issue_ids: list[str] = attrs.Factory(list)
    currency: str | None = None


def _add(xs: list[str], x: Any) -> None:
    if isinstance(x, str) and x and x not in xs:
        xs.append(x)


_SKIP = frozenset({"actor", "at", "reason", "to_stage"})


def scope_of(event: Any) -> Scope:
    """What ``event`` is about: its customer, orders, contracts, documents and products.

    Generic over the event types: it reads the usual field names of the documents an event
    carries (``customer``/``customer_id``, ``order``/``order_id``, ``contract_id``,
    ``goods_issue_id(s)``, ``lines[].product(_id)``, ``id``), so a new transaction type is
    scoped without code here.
    """
    s = Scope()
    if isinstance(event, Transaction):
        with contextlib.suppress(NotImplementedError):  # the abstract base has none
            _add(s.document_ids, event.document_id)
    for a in type(event).__attrs_attrs__:
        if a.name in _SKIP:
            continue
        doc = getattr(event, a.name)
        if doc is None or isinstance(doc, str | bool | int | Decimal | Money | dt.date):
            if a.name in ("release_id", "application_id") and isinstance(doc, str):
                _add(s.document_ids, doc)
            if a.name == "customer_id" and isinstance(doc, str) and s.customer_id is None:
                s.customer_id = doc
            continue
        _scan(doc, s)
    return s


def _scan(doc: Any, s: Scope) -> None:
    if isinstance(doc, SalesOrder):
        if s.currency is None:
            s.currency = doc.currency
        _add(s.order_ids, doc.id)
        _add(s.document_ids, doc.id)
        if s.customer_id is None:
            s.customer_id = doc.customer.id
        _add(s.contract_ids, doc.contract_id)
        for line in doc.lines:
            _add(s.product_ids, line.product.id)
        return
    if not attrs.has(type(doc)):
        return
    get = doc.__getattribute__
    names = type(doc).__attrs_attrs__
    fields = {a.name for a in names}
    if "id" in fields:
        _add(s.document_ids, get("id"))
    if s.currency is None:
        for name in ("amount", "total"):
            m = getattr(doc, name, None)
            if isinstance(m, Money):
                s.currency = m.currency
                break
    if "customer" in fields and s.customer_id is None:
        cust = get("customer")
        s.customer_id = getattr(cust, "id", None)
    if "customer_id" in fields and s.customer_id is None:
        s.customer_id = get("customer_id")
    if "order_id" in fields:
        _add(s.order_ids, get("order_id"))
        _add(s.document_ids, get("order_id"))
    if "contract_id" in fields:
        _add(s.contract_ids, get("contract_id"))
        _add(s.document_ids, get("contract_id"))
    if "goods_issue_id" in fields:
        _add(s.goods_issue_ids, get("goods_issue_id"))
    if "goods_issue_ids" in fields:
        for g in get("goods_issue_ids"):
            _add(s.goods_issue_ids, g)
    if "notice_id" in fields:
        _add(s.document_ids, get("notice_id"))
    if "application_id" in fields:
        _add(s.document_ids, get("application_id"))
    if "business_approval_id" in fields:
        _add(s.document_ids, get("business_approval_id"))
    if "product_id" in fields:
        _add(s.product_ids, get("product_id"))
    if "lines" in fields:
        for line in get("lines"):
            pid = getattr(line, "product_id", None)
            if pid is None:
                pid = getattr(getattr(line, "product", None), "id", None)
            _add(s.product_ids, pid)


# -- state -----------------------------------------------------------------------------------


@attrs.define(slots=True, eq=False)
class _Line:
    ordered: Decimal
    price: Decimal
    delivered: Decimal = _ZERO
    invoiced: Decimal = _ZERO


@attrs.define(slots=True, eq=False)
class OrderState:
    """An open sales order and its document flow, as the ledger holds it.

    Attributes:
        order: the order as last placed or released.
        credit: True when its payment method consumes credit.
        voided: True once voided.
        delivery_notices: notices by id.
        goods_issues: goods issues by id (posted ones with ``posted=True``).
        invoices: invoices by id (voided ones with ``voided=True``).
        settlements: sales settlements by id.
        delivery_proofs: delivery proofs by goods issue id.
        revenue_goods_issues: goods issues whose revenue was booked.
        last_touched: the date of the last event on the order.
        completed_on: the date it became complete (voided, or delivered and invoiced in
            full); ``None`` while open.
    """

    order: SalesOrder
    credit: bool
    lines: dict[int, _Line]
    last_touched: dt.date
    voided: bool = False
    delivery_notices: dict[str, Any] = attrs.Factory(dict)
    goods_issues: dict[str, Any] = attrs.Factory(dict)
    invoices: dict[str, Any] = attrs.Factory(dict)
    settlements: dict[str, Any] = attrs.Factory(dict)
    delivery_proofs: dict[str, list[Any]] = attrs.Factory(dict)
    revenue_goods_issues: set[str] = attrs.Factory(set)
    completed_on: dt.date | None = None
    #: What the order adds to its customer's exposure now: (currency, open, delivered not
    #: invoiced); kept in step with the customer's totals by ``_touch``.
    counted: tuple[str, Decimal, Decimal] | None = None

    @property
    def currency(self) -> str:
        """The order's currency."""
        return self.order.currency

    def open_value(self) -> Decimal:
        """Value ordered but not yet delivered (zero once voided)."""
        if self.voided:
            return _ZERO
        return sum(
            (
                (ln.ordered - ln.delivered) * ln.price
                for ln in self.lines.values()
                if ln.ordered > ln.delivered
            ),
            _ZERO,
        )

    def delivered_not_invoiced(self) -> Decimal:
        """Value delivered but not yet invoiced."""
        return sum(
            (
                (ln.delivered - ln.invoiced) * ln.price
                for ln in self.lines.values()
                if ln.delivered > ln.invoiced
            ),
            _ZERO,
        )

    def is_complete(self) -> bool:
        """Voided, or every line delivered and invoiced in full."""
        if self.voided:
            return True
        return all(
            ln.delivered >= ln.ordered and ln.invoiced >= ln.delivered for ln in self.lines.values()
        )


@attrs.define(slots=True, eq=False)
class _Item:
    """An open invoice: the receivable it created."""

    invoice_id: str
    order_id: str
    issued_on: dt.date
    due: dt.date
    open: Decimal
    currency: str


@attrs.define(slots=True, eq=False)
class _Customer:
    id: str
    profile: CreditProfile | None = None
    orders: dict[str, OrderState] = attrs.Factory(dict)
    items: dict[str, _Item] = attrs.Factory(dict)
    advance: dict[str, Decimal] = attrs.Factory(dict)
    concessions: list[ConcessionRecord] = attrs.Factory(list)
    consignment_settlements: list[Any] = attrs.Factory(list)
    profile_changed_on: dt.date | None = None
    #: Credit exposure of the customer's orders by currency: [open orders, delivered not
    #: invoiced] (maintained incrementally as orders change).
    totals: dict[str, list[Decimal]] = attrs.Factory(dict)


@attrs.define(slots=True, eq=False)
class _Contract:
    contract: Any
    collected: Decimal
    commissions_paid: Decimal
    last_touched: dt.date


class Ledger:
    """The fold of an event stream: the state behind each transaction's context.

    Args:
        credit_methods: payment methods that consume credit (orders paid otherwise are not
            credit exposure); the credit policy's ``credit_methods`` by default.
        owns: predicate on customer ids: the customers whose state this ledger keeps
            (``None``: all). Used to partition a replay by customer.
        closed_retention_days: days a complete order stays after its last event.
        approval_retention_days: days an approval or release stays after it was granted (and
            a document other than an open order or a contract stays approved).
        index_retention_days: days the order/contract → customer index keeps an entry after
            the last event naming it.
        books: also keep the books the detective controls read (a :class:`Books`); a
            partitioned replay keeps them in one partition only.
    """

    def __init__(
        self,
        *,
        credit_methods: Iterable[PaymentMethod] = _DEFAULT_CREDIT_METHODS,
        owns: Callable[[str], bool] | None = None,
        closed_retention_days: int = 62,
        approval_retention_days: int = 120,
        index_retention_days: int = 400,
        books: Books | None = None,
    ) -> None:
        self.credit_methods = frozenset(credit_methods)
        self._owns = owns
        self.closed_retention = dt.timedelta(days=closed_retention_days)
        self.approval_retention = dt.timedelta(days=approval_retention_days)
        self.index_retention = dt.timedelta(days=index_retention_days)
        #: Last number issued per series (global).
        self.last_numbers: dict[str, int] = {}
        #: Exchange rates ``"USD/CNY" -> rate`` (global).
        self.fx_rates: dict[str, Decimal] = {}
        #: Price-master entries by product id (global).
        self.prices: dict[str, list[PriceEntry]] = {}
        #: Stock lots on hand by product id, then lot id (global).
        self.stock: dict[str, dict[str, StockLot]] = {}
        #: Contracts and the contract ledger by contract id (owned customers).
        self.contracts: dict[str, _Contract] = {}
        #: Owner customer of orders and contracts, for events that name only those (global).
        self._owner: dict[str, tuple[str, dt.date]] = {}
        self._customers: dict[str, _Customer] = {}
        self._orders: dict[str, OrderState] = {}
        self._approvals: dict[str, list[Approval]] = {}
        self._releases: dict[str, list[CreditRelease]] = {}
        self._consumed: set[str] = set()
        self._approved: dict[str, dt.date] = {}
        self._records: dict[str, list[Any]] = {}
        self._actors: dict[Any, Any] = {}
        self._gi_order: dict[str, str] = {}
        #: Sales policies in force (global).
        self.sales_policies: set[str] = set()
        self._sales_policies_view: frozenset[str] | None = None
        self._forms: dict[str, Any] = {}
        self._fx_view: Any = None
        self._swept: dt.date | None = None
        self._evicted_on: dt.date | None = None
        #: The business date of the last event folded.
        self.today: dt.date | None = None
        #: Events folded, by type name, that had no registered fold.
        self.unfolded: dict[str, int] = {}
        #: The registers the detective controls read (``None`` unless ``books`` is given).
        self.books: Books | None = books

    # -- partition --------------------------------------------------------------------

    def mine(self, customer_id: str | None) -> bool:
        """True when this ledger keeps the state of ``customer_id`` (``None``: global
        documents, kept by every ledger)."""
        return customer_id is None or self._owns is None or self._owns(customer_id)

    # -- folding ----------------------------------------------------------------------

    def apply(self, event: Any, decision: Decision | None = None) -> None:
        """Fold one event into the ledger.

        Args:
            event: a transaction or a record.
            decision: the gate's decision on it, if it was decided (documents decided ALLOW
                count as approved; releases a decision used count as consumed).
        """
        day = event.at.date()
        if self.today is None or day > self.today:
            if self.today is not None:
                self._evict(day)
            self.today = day
        name = type(event).__name__
        if self.books is not None:
            self.books.apply(event)
        fn = FOLDS.get(name)
        if fn is None:
            self.unfolded[name] = self.unfolded.get(name, 0) + 1
            return
        fn(self, event, decision)

    def fold_all(self, events: Iterable[Any]) -> Ledger:
        """Fold every event (without decisions); returns the ledger itself."""
        for e in events:
            self.apply(e)
        return self

    def customer(self, customer_id: str) -> _Customer | None:
        """The state of an owned customer, created on first use; ``None`` when another
        partition owns it."""
        if not self.mine(customer_id):
            return None
        c = self._customers.get(customer_id)
        if c is None:
            c = self._customers[customer_id] = _Customer(customer_id)
        return c

    def order(self, order_id: str) -> OrderState | None:
        """An open order this ledger holds, or ``None``."""
        return self._orders.get(order_id)

    def owner_of(self, document_id: str | None) -> str | None:
        """The customer of an order or contract the ledger has seen (global index)."""
        if document_id is None:
            return None
        hit = self._owner.get(document_id)
        return hit[0] if hit else None

    def customer_of(self, event: Any, scope: Scope | None = None) -> str | None:
        """The customer an event belongs to (from its documents or the index), if any."""
        route = getattr(event, "routing_customer", None)
        if route is not None:
            return str(route)
        s = scope if scope is not None else scope_of(event)
        if s.customer_id is not None:
            return s.customer_id
        for d in (*s.order_ids, *s.contract_ids):
            c = self.owner_of(d)
            if c is not None:
                return c
        return None

    def index(self, document_id: str, customer_id: str) -> None:
        """Remember which customer an order or contract belongs to (global)."""
        assert self.today is not None
        self._owner[document_id] = (customer_id, self.today)

    def intern(self, value: Any) -> Any:
        """One shared instance per distinct immutable value (actors repeat millions of times
        in a year's stream)."""
        return self._actors.setdefault(value, value)

    def mark_approved(self, document_id: str, decision: Decision | None) -> None:
        """Record ``document_id`` as approved when the decision allowed it (or there was
        no decision: the host posted it)."""
        if decision is None or decision.outcome is Outcome.ALLOW:
            assert self.today is not None
            self._approved[document_id] = self.today

    def add_approval(self, approval: Approval) -> None:
        """An approval on hand for its document."""
        self._approvals.setdefault(approval.document_id, []).append(approval)

    def add_release(self, release: CreditRelease) -> None:
        """A one-time release on hand for its order."""
        self._releases.setdefault(release.order_id, []).append(release)

    def consume_release(self, release_id: str) -> None:
        """Mark a one-time release as used."""
        self._consumed.add(release_id)

    def add_record(self, key: str, value: Any) -> None:
        """Keep a record a detective check reads (``key``: e.g. ``"stock_counts"``)."""
        self._records.setdefault(key, []).append(value)

    def records(self, key: str) -> list[Any]:
        """Records kept under ``key`` since they were last taken."""
        return self._records.get(key, [])

    def take_records(self, key: str) -> list[Any]:
        """Records kept under ``key``, removing them from the ledger."""
        return self._records.pop(key, [])

    # -- views for detective checks ------------------------------------------------------

    def customers(self) -> Iterator[_Customer]:
        """The customers this ledger holds."""
        return iter(self._customers.values())

    def open_orders(self) -> Iterator[OrderState]:
        """The orders this ledger holds (open, or complete within the retention window)."""
        return iter(self._orders.values())

    def exposure(self, customer_id: str, currency: str) -> CreditExposure | None:
        """The customer's credit exposure by category in ``currency`` as of today, or
        ``None`` when an amount cannot be converted (no exchange rate)."""
        c = self._customers.get(customer_id)
        if c is None:
            return CreditExposure.none(currency)
        open_orders = dni = recv = overdue = _ZERO
        oldest: dt.date | None = None
        today = self.today
        try:
            for cur, (oo, dn) in c.totals.items():
                open_orders += self._conv(oo, cur, currency)
                dni += self._conv(dn, cur, currency)
            for it in c.items.values():
                amt = self._conv(it.open, it.currency, currency)
                recv += amt
                if today is not None and it.due < today and amt > 0:
                    overdue += amt
                    if oldest is None or it.due < oldest:
                        oldest = it.due
        except LookupError:
            return None
        return CreditExposure(
            open_orders=Money(open_orders, currency),
            delivered_not_invoiced=Money(dni, currency),
            open_receivables=Money(recv, currency),
            overdue_receivables=Money(overdue, currency),
            oldest_overdue_due=oldest,
        )

    def _conv(self, amount: Decimal, cur: str, to: str) -> Decimal:
        if cur == to or not amount:
            return amount
        rate = self.fx_rates.get(f"{cur}/{to}")
        if rate is not None:
            return amount * rate
        inverse = self.fx_rates.get(f"{to}/{cur}")
        if inverse is not None:
            return amount / inverse
        raise LookupError(f"{cur}/{to}")

    # -- context ------------------------------------------------------------------------

    def context_for(self, txn: Any, scope: Scope | None = None) -> Context:
        """The context a live host would pass to :meth:`Gate.check` for ``txn`` now.

        Args:
            txn: the transaction about to be decided (not yet folded).
            scope: its :func:`scope_of`, if already computed.

        Returns:
            The context: business date, exposure of the customer, approvals and releases on
            hand for its documents, the number series, prices and stock of its products, the
            document flow of its orders, its contracts.
        """
        s = scope if scope is not None else scope_of(txn)
        today = txn.at.date()
        cust_id = self.customer_of(txn, s)
        cust = self._customers.get(cust_id) if cust_id is not None else None
        kw: dict[str, Any] = {"as_of": today}
        # Exposure is in the currency of the customer's limit.
        currency = None
        order = getattr(txn, "order", None)
        prof = None
        if isinstance(order, SalesOrder):
            prof = order.customer.credit_profile
            currency = order.currency
        if prof is None and cust is not None:
            prof = cust.profile
        if prof is not None:
            currency = prof.limit.currency
        if currency is None:
            currency = s.currency
        if cust_id is not None and currency is not None:
            kw["exposure"] = self.exposure(cust_id, currency)
        approvals: list[Approval] = []
        for d in s.document_ids:
            approvals.extend(self._approvals.get(d, ()))
        if approvals:
            kw["approvals"] = tuple(approvals)
        releases: list[CreditRelease] = []
        for oid in s.order_ids:
            releases.extend(self._releases.get(oid, ()))
        if releases:
            kw["releases"] = tuple(releases)
            used = frozenset(r.id for r in releases if r.id in self._consumed)
            if used:
                kw["consumed_releases"] = used
        if isinstance(order, SalesOrder) and order.series in self.last_numbers:
            kw["last_numbers"] = {order.series: self.last_numbers[order.series]}
        if self.fx_rates:
            if self._fx_view is None:
                self._fx_view = FrozenMap(self.fx_rates)
            kw["fx_rates"] = self._fx_view
        prices: list[PriceEntry] = []
        lots: list[StockLot] = []
        for p in s.product_ids:
            prices.extend(self.prices.get(p, ()))
            lots.extend(self.stock.get(p, {}).values())
        if prices:
            kw["prices"] = tuple(prices)
        if lots:
            kw["stock_lots"] = tuple(lots)
        if self.sales_policies:
            if self._sales_policies_view is None:
                self._sales_policies_view = frozenset(self.sales_policies)
            kw["sales_policies"] = self._sales_policies_view
        forms = {self._forms[d].id: self._forms[d] for d in s.document_ids if d in self._forms}
        if forms:
            kw["business_approval_forms"] = tuple(forms.values())
        if cust is not None:
            if cust.concessions:
                kw["concession_history"] = tuple(cust.concessions)
            if cust.consignment_settlements:
                kw["consignment_settlements"] = tuple(cust.consignment_settlements)
            # The advance balance is always stated (zero included) in the currency of the
            # transaction's amounts.
            cur = s.currency or currency
            if cur is not None:
                kw["advance_receipts"] = {cust.id: Money(cust.advance.get(cur, _ZERO), cur)}
        approved = [d for d in s.document_ids if d in self._approved]
        notices: list[Any] = []
        gis: list[Any] = []
        invoices: list[Any] = []
        settlements: list[Any] = []
        proofs: list[Any] = []
        for oid in s.order_ids:
            st = self._orders.get(oid)
            if st is None:
                continue
            notices.extend(st.delivery_notices.values())
            gis.extend(st.goods_issues.values())
            invoices.extend(st.invoices.values())
            settlements.extend(st.settlements.values())
            for ps in st.delivery_proofs.values():
                proofs.extend(ps)
            approved.extend(n for n in st.delivery_notices if n in self._approved)
        if s.goods_issue_ids:
            have = {g.id for g in gis}
            for gid in s.goods_issue_ids:
                gid_order = self._gi_order.get(gid)
                gst = self._orders.get(gid_order) if gid_order else None
                if gst is None:
                    continue
                g = gst.goods_issues.get(gid)
                if g is not None and gid not in have:
                    gis.append(g)
                    have.add(gid)
                    proofs.extend(gst.delivery_proofs.get(gid, ()))
        if approved:
            kw["approved_documents"] = frozenset(approved)
        for key, docs in (
            ("delivery_notices", notices),
            ("goods_issues", gis),
            ("invoices", invoices),
            ("settlements", settlements),
            ("delivery_proofs", proofs),
        ):
            if docs:
                kw[key] = tuple(docs)
        contracts = [self.contracts[c] for c in s.contract_ids if c in self.contracts]
        if contracts:
            kw["contracts"] = tuple(c.contract for c in contracts)
            kw["contract_accounts"] = {
                c.contract.id: _account(c) for c in contracts if _account(c) is not None
            }
            paid = {
                c.contract.id: Money(c.commissions_paid, c.contract.amount.currency)
                for c in contracts
                if c.commissions_paid
            }
            if paid:
                kw["commissions_paid"] = paid
        return _context(kw)

    # -- eviction -------------------------------------------------------------------------

    def _evict(self, today: dt.date) -> None:
        """Drop what no longer matters on ``today`` (called once per new business date; sweeps
        weekly, so a document may stay up to a week beyond its retention)."""
        if self._evicted_on is not None and (today - self._evicted_on).days < 7:
            return
        self._evicted_on = today
        for oid in [
            oid
            for oid, o in self._orders.items()
            if o.completed_on is not None and today - o.last_touched > self.closed_retention
        ]:
            self._drop_order(oid)
        horizon = self.approval_retention
        for key in list(self._owner):
            if today - self._owner[key][1] > self.index_retention:
                del self._owner[key]
        if (
            self._swept is None
            or today.month != self._swept.month
            or today.year != self._swept.year
        ):
            self._swept = today
            cutoff = dt.datetime.combine(today, dt.time(), tzinfo=dt.UTC) - horizon
            for doc in list(self._approvals):
                keep = [a for a in self._approvals[doc] if a.granted_at >= cutoff]
                if keep:
                    self._approvals[doc] = keep
                else:
                    del self._approvals[doc]
            for doc in [
                d
                for d, on in self._approved.items()
                if today - on > horizon and d not in self._orders and d not in self.contracts
            ]:
                del self._approved[doc]
            for doc in list(self._releases):
                keep_r = [r for r in self._releases[doc] if r.granted_at >= cutoff]
                if keep_r:
                    self._releases[doc] = keep_r
                else:
                    for r in self._releases.pop(doc):
                        self._consumed.discard(r.id)

    def _drop_order(self, oid: str) -> None:
        o = self._orders.pop(oid)
        c = self._customers.get(o.order.customer.id)
        if c is not None:
            c.orders.pop(oid, None)
            if o.counted is not None:
                t = c.totals[o.counted[0]]
                t[0] -= o.counted[1]
                t[1] -= o.counted[2]
        for doc in (oid, *o.delivery_notices, *o.goods_issues, *o.invoices, *o.settlements):
            self._approvals.pop(doc, None)
            self._approved.pop(doc, None)
        for r in self._releases.pop(oid, ()):
            self._consumed.discard(r.id)
        for gid in o.goods_issues:
            self._gi_order.pop(gid, None)

    def size(self) -> dict[str, int]:
        """How many documents the ledger holds, by kind (for memory reports and tests)."""
        return {
            "customers": len(self._customers),
            "orders": len(self._orders),
            "open_items": sum(len(c.items) for c in self._customers.values()),
            "approvals": sum(len(v) for v in self._approvals.values()),
            "releases": sum(len(v) for v in self._releases.values()),
            "contracts": len(self.contracts),
            "stock_lots": sum(len(v) for v in self.stock.values()),
            "prices": sum(len(v) for v in self.prices.values()),
            "index": len(self._owner),
            "approved": len(self._approved),
        }


class Books:
    """The registers the detective controls read (:class:`salesctl.reconcile.Records`).

    Kept from every event of the stream, whatever partition the ledger is: the order register
    (numbers, completion, closing), credit files, system deliveries and invoices (each invoice
    line attributed to the deliveries it bills, first delivered first billed), and the
    registers the host exports as records — sales invoices, general-ledger revenue, shipment
    and stock counts, both departments' contract ledgers, consignment counts, targets,
    analyses, assessments, sales plans and their approvals.

    A daily run gets the day's documents and what they refer to; a monthly (or longer) run
    gets everything still kept. Documents are kept ``retention_days`` after their date (an
    order until its closing deadline has passed), so memory follows open documents.

    Args:
        retention_days: how long dated registers are kept.
        sales_invoice_within_days: days after a system invoice its sales invoice is due (a
            daily run looks back this far; the period-end policy's value).
        posting_within_days: the same for the revenue posting.
        close_within_days: days after completion by which an order is closed (kept so long).
        credit_methods: payment methods whose invoices are receivables to age.
        plan_roles: roles that approve sales plans (approvals in these roles are kept a
            month, for the plans they approve).
    """

    def __init__(
        self,
        *,
        retention_days: int = 120,
        sales_invoice_within_days: int = 0,
        posting_within_days: int = 0,
        close_within_days: int = 31,
        credit_methods: Iterable[PaymentMethod] = _DEFAULT_CREDIT_METHODS,
        plan_roles: Iterable[str] = ("marketing_head", "general_manager", "office_meeting"),
    ) -> None:
        self.retention = dt.timedelta(days=retention_days)
        self.lookback = dt.timedelta(days=max(sales_invoice_within_days, posting_within_days))
        self.close_within = dt.timedelta(days=close_within_days)
        self.orders: dict[str, dict[str, Any]] = {}
        self._lines: dict[str, dict[int, list[Any]]] = {}
        self.series_max: dict[str, int] = {}
        self.opening: dict[str, int] = {}
        self.credit_files: dict[str, dict[str, Any]] = {}
        self.deliveries: dict[str, list[Any]] = {}
        self._deliveries_by_day: dict[dt.date, list[str]] = {}
        self.system_invoices: dict[str, Any] = {}
        self._sys_by_day: dict[dt.date, list[str]] = {}
        self._gi_bills: dict[str, list[str]] = {}
        self._unbilled: dict[str, dict[int, list[list[Any]]]] = {}
        self._sales_by_day: dict[dt.date, list[Any]] = {}
        self._sales_by_sys: dict[str, list[Any]] = {}
        self._gl_by_day: dict[dt.date, list[Any]] = {}
        self._gl_by_sys: dict[str, list[Any]] = {}
        self._dated: dict[str, list[tuple[dt.date, Any]]] = {}
        self._plans: set[str] = set()
        self._term: dict[str, int] = {}
        self._idents: dict[str, dict[str, int]] = {}
        self.credit_methods = frozenset(credit_methods)
        self._credit_orders: dict[str, tuple[str, int]] = {}
        self.receivables: dict[str, dict[str, Any]] = {}
        self._open_by_customer: dict[str, dict[str, dict[str, Any]]] = {}
        self._gi_order: dict[str, str] = {}
        self._pending_approvals: list[Any] = []
        self.plan_roles: frozenset[str] = frozenset(plan_roles)

    # -- registering --------------------------------------------------------------------

    def apply(self, event: Any) -> None:
        """Register what ``event`` adds to the books."""
        fn = _BOOK_FOLDS.get(type(event).__name__)
        if fn is not None:
            fn(self, event)

    def keep(self, key: str, day: dt.date, value: Any, ident: str | None = None) -> None:
        """Keep a dated register entry under ``key`` (a :class:`~salesctl.reconcile.Records`
        field name); an entry with the ``ident`` of an earlier one replaces it (an update)."""
        items = self._dated.setdefault(key, [])
        if ident is not None:
            where = self._idents.setdefault(key, {})
            at = where.get(ident)
            if at is not None and at < len(items) and items[at][1] is not None:
                items[at] = (items[at][0], None)
            where[ident] = len(items)
        items.append((day, value))

    # -- handing out --------------------------------------------------------------------

    def records_for(self, period: Any) -> Any:
        """The :class:`~salesctl.reconcile.Records` for a detective run over ``period``."""
        from salesctl.control import Frequency
        from salesctl.records import OrderEntry, Records

        if period.kind is Frequency.DAILY:
            return self._daily(period.start)
        orders = tuple(OrderEntry(**e) for e in self.orders.values())
        files = tuple(_credit_file(cid, f) for cid, f in sorted(self.credit_files.items()))
        kw: dict[str, Any] = {
            "orders": orders,
            "opening_numbers": dict(self.opening),
            "credit_files": files,
            "deliveries": tuple(d for ds in self.deliveries.values() for d in ds),
            "system_invoices": tuple(self.system_invoices.values()),
            "sales_invoices": tuple(x for xs in self._sales_by_day.values() for x in xs),
            "gl_revenue": tuple(x for xs in self._gl_by_day.values() for x in xs),
        }
        kw["receivables"] = tuple(_receivable(i) for i in self.receivables.values())
        for key, items in self._dated.items():
            kw[key] = tuple(v for _, v in items if v is not None)
        return Records(**kw)

    def _daily(self, day: dt.date) -> Any:
        from salesctl.records import Records

        sys_ids: dict[str, None] = {}
        d = day - self.lookback
        while d <= day:
            for i in self._sys_by_day.get(d, ()):
                sys_ids[i] = None
            d += dt.timedelta(days=1)
        sales = list(self._sales_by_day.get(day, ()))
        gl = list(self._gl_by_day.get(day, ()))
        for x in sales:
            if x.system_invoice_id in self.system_invoices:
                sys_ids[x.system_invoice_id] = None
        for x in gl:
            if x.invoice_id in self.system_invoices:
                sys_ids[x.invoice_id] = None
        have_sales = {id(x) for x in sales}
        have_gl = {id(x) for x in gl}
        gis: dict[str, None] = {}
        for i in list(sys_ids):
            for x in self._sales_by_sys.get(i, ()):
                if id(x) not in have_sales:
                    sales.append(x)
                    have_sales.add(id(x))
            for x in self._gl_by_sys.get(i, ()):
                if id(x) not in have_gl:
                    gl.append(x)
                    have_gl.add(id(x))
            for line in self.system_invoices[i].lines:
                if line.goods_issue_id is not None:
                    gis[line.goods_issue_id] = None
        # Earlier invoices billing the same deliveries (the cumulative quantity test).
        for g in gis:
            for i in self._gi_bills.get(g, ()):
                sys_ids.setdefault(i, None)
        if not sys_ids and not sales and not gl:
            return None
        return Records(
            deliveries=tuple(r for g in gis for r in self.deliveries.get(g, ())),
            system_invoices=tuple(self.system_invoices[i] for i in sys_ids),
            sales_invoices=tuple(sales),
            gl_revenue=tuple(gl),
        )

    # -- forgetting ---------------------------------------------------------------------

    def after_close(self, day: dt.date) -> None:
        """Forget what no later period needs, after the periods ending on ``day`` ran."""
        nxt = day + dt.timedelta(days=1)
        if nxt.day != 1:
            return
        self.opening = dict(self.series_max)
        cutoff = day - self.retention
        for oid in [
            oid
            for oid, e in self.orders.items()
            if _order_done(e) is not None
            and _order_done(e) + self.close_within < cutoff  # type: ignore[operator]
            and e["created_on"] < cutoff
        ]:
            del self.orders[oid]
            self._unbilled.pop(oid, None)
            self._lines.pop(oid, None)
        for d in [d for d in self._deliveries_by_day if d < cutoff]:
            for g in self._deliveries_by_day.pop(d):
                self.deliveries.pop(g, None)
                self._gi_bills.pop(g, None)
        for d in [d for d in self._sys_by_day if d < cutoff]:
            for i in self._sys_by_day.pop(d):
                self.system_invoices.pop(i, None)
                self._sales_by_sys.pop(i, None)
                self._gl_by_sys.pop(i, None)
        for reg in (self._sales_by_day, self._gl_by_day):
            for d in [d for d in reg if d < cutoff]:
                del reg[d]
        for key, items in self._dated.items():
            if items and items[0][0] < cutoff:
                kept = [(d, v) for d, v in items if d >= cutoff and v is not None]
                self._dated[key] = kept
                if key in self._idents:
                    where: dict[str, int] = {}
                    for pos, (_, v) in enumerate(kept):
                        ident = _ident(v)
                        if ident is not None:
                            where[ident] = pos
                    self._idents[key] = where
        for iid in [
            iid
            for iid, it in self.receivables.items()
            if it["settled_on"] is not None and it["settled_on"] < cutoff
        ]:
            del self.receivables[iid]
        horizon = dt.datetime.combine(cutoff, dt.time(), tzinfo=dt.UTC)
        self._pending_approvals = [a for a in self._pending_approvals if a.granted_at >= horizon]

    def size(self) -> dict[str, int]:
        """How many entries the books hold, by register."""
        out = {
            "orders": len(self.orders),
            "deliveries": len(self.deliveries),
            "system_invoices": len(self.system_invoices),
            "sales_invoices": sum(len(v) for v in self._sales_by_day.values()),
            "gl_revenue": sum(len(v) for v in self._gl_by_day.values()),
        }
        out.update({k: len(v) for k, v in self._dated.items()})
        return out


def _ident(v: Any) -> str | None:
    ident = getattr(v, "count_id", None)
    return ident if isinstance(ident, str) else None


def _receivable(it: dict[str, Any]) -> Any:
    from salesctl.records import ReceivableItem

    cur = it["currency"]
    return ReceivableItem(
        item_id=it["item_id"],
        customer_id=it["customer_id"],
        due_on=it["due_on"],
        amount=Money(it["amount"], cur),
        open_amount=Money(it["open"], cur),
        settled_on=it["settled_on"],
        salesperson=it["salesperson"],
        interest_charged_on=it["interest"],
        commission_offset_on=it["commission_offset"],
        litigation_on=it["litigation"],
    )


def _book_settle(
    b: Books,
    customer_id: str,
    cur: str,
    amount: Decimal,
    day: dt.date,
    which: Callable[[dict[str, Any]], bool],
) -> Decimal:
    """Apply ``amount`` to the customer's oldest open receivables that ``which`` selects."""
    todo = amount
    items = b._open_by_customer.get(customer_id)
    if not todo or not items:
        return todo
    for it in sorted(
        (i for i in items.values() if i["currency"] == cur and which(i)),
        key=lambda i: (i["due_on"], i["issued_on"], i["item_id"]),
    ):
        take = min(todo, it["open"])
        it["open"] -= take
        todo -= take
        if not it["open"]:
            it["settled_on"] = day
            del items[it["item_id"]]
        if not todo:
            break
    return todo


def _order_done(e: dict[str, Any]) -> dt.date | None:
    day: dt.date | None
    if e["voided"]:
        day = e["closed_on"] or e["created_on"]
    else:
        day = e["completed_on"] if e["closed_on"] is None else e["closed_on"]
    return day


def _credit_file(cid: str, f: dict[str, Any]) -> Any:
    from salesctl.records import CreditFile

    return CreditFile(
        customer_id=cid,
        opened_on=f["opened_on"],
        reviewed_on=tuple(sorted(f["reviewed_on"])),
        closed_on=f.get("closed_on"),
    )


_BookFold = Callable[[Books, Any], None]
_BOOK_FOLDS: dict[str, _BookFold] = {}


def _book(*names: str) -> Callable[[_BookFold], _BookFold]:
    def deco(fn: _BookFold) -> _BookFold:
        for n in names:
            _BOOK_FOLDS[n] = fn
        return fn

    return deco


def _book_complete(b: Books, oid: str, day: dt.date) -> None:
    e = b.orders.get(oid)
    lines = b._lines.get(oid)
    if e is None or lines is None:
        return
    done = all(ln[1] >= ln[0] and ln[2] >= ln[1] for ln in lines.values())
    if done and e["completed_on"] is None:
        e["completed_on"] = day
    elif not done:
        e["completed_on"] = None


@_book("PlaceOrder", "ReleaseOrder")
def _book_order(b: Books, txn: Any) -> None:
    o: SalesOrder = txn.order
    e = b.orders.get(o.id)
    if e is None:
        if type(txn).__name__ != "PlaceOrder":
            return
        b.orders[o.id] = {
            "order_id": o.id,
            "series": o.series,
            "seq": o.seq,
            "customer_id": o.customer.id,
            "created_on": o.order_date,
            "completed_on": None,
            "valid_until": None,
            "closed_on": None,
            "voided": False,
        }
        if o.seq > b.series_max.get(o.series, 0):
            b.series_max[o.series] = o.seq
    lines = b._lines.setdefault(o.id, {})
    for ln in o.lines:
        have = lines.get(ln.line_no)
        if have is None:
            lines[ln.line_no] = [ln.quantity, _ZERO, _ZERO]
        else:
            have[0] = ln.quantity
    b._term[o.id] = o.payment.days
    if o.payment.method in b.credit_methods:
        b._credit_orders[o.id] = (o.created_by, o.payment.days)
    else:
        b._credit_orders.pop(o.id, None)
    _book_complete(b, o.id, txn.at.date())


@_book("VoidOrder")
def _book_void(b: Books, txn: Any) -> None:
    e = b.orders.get(txn.order.id)
    if e is not None:
        e["voided"] = True


@_book("CloseOrder")
def _book_close(b: Books, rec: Any) -> None:
    e = b.orders.get(rec.order_id)
    if e is not None and e["closed_on"] is None:
        e["closed_on"] = rec.at.date()


@_book("SetCreditProfile")
def _book_profile(b: Books, txn: Any) -> None:
    f = b.credit_files.get(txn.customer.id)
    if f is None:
        f = b.credit_files[txn.customer.id] = {
            "opened_on": txn.profile.reviewed_on,
            "reviewed_on": set(),
        }
    f["reviewed_on"].add(txn.profile.reviewed_on)
    if txn.profile.reviewed_on < f["opened_on"]:
        f["opened_on"] = txn.profile.reviewed_on


@_book("PostGoodsIssue")
def _book_goods_issue(b: Books, txn: Any) -> None:
    from salesctl.records import DeliveryRecord

    gi = txn.goods_issue
    if gi.id in b.deliveries:
        return  # posted once; a second posting is O2C-DL-02's exception
    day = gi.issued_on
    recs = [
        DeliveryRecord(
            goods_issue_id=gi.id,
            order_id=gi.order_id,
            customer_id=gi.customer_id,
            product_id=line.product_id,
            quantity=line.quantity,
            posted_on=day,
        )
        for line in gi.lines
    ]
    b.deliveries[gi.id] = recs
    b._gi_order[gi.id] = gi.order_id
    b._deliveries_by_day.setdefault(day, []).append(gi.id)
    lines = b._lines.get(gi.order_id, {})
    for line in gi.lines:
        b._unbilled.setdefault(gi.order_id, {}).setdefault(line.order_line, []).append(
            [gi.id, line.quantity]
        )
        ln = lines.get(line.order_line)
        if ln is not None:
            ln[1] += line.quantity
    _book_complete(b, gi.order_id, txn.at.date())


@_book("IssueInvoice")
def _book_invoice(b: Books, txn: Any) -> None:
    from salesctl.records import BilledLine, SystemInvoice

    inv = txn.invoice
    if inv.id in b.system_invoices:
        return
    billed: list[Any] = []
    lines = b._lines.get(inv.order_id, {})
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
        ln = lines.get(line.order_line)
        if ln is not None:
            ln[2] += line.quantity
    sinv = SystemInvoice(
        invoice_id=inv.id,
        customer_id=inv.customer_id,
        issued_on=inv.issued_on,
        amount=inv.total,
        lines=tuple(billed),
    )
    b.system_invoices[inv.id] = sinv
    credit = b._credit_orders.get(inv.order_id)
    if credit is not None and not inv.voided:
        item = {
            "item_id": inv.id,
            "customer_id": inv.customer_id,
            "order_id": inv.order_id,
            "issued_on": inv.issued_on,
            "due_on": inv.issued_on + dt.timedelta(days=credit[1]),
            "amount": inv.total.amount,
            "open": inv.total.amount,
            "currency": inv.total.currency,
            "settled_on": None,
            "salesperson": credit[0],
            "interest": None,
            "commission_offset": None,
            "litigation": None,
        }
        b.receivables[inv.id] = item
        b._open_by_customer.setdefault(inv.customer_id, {})[inv.id] = item
    b._sys_by_day.setdefault(inv.issued_on, []).append(inv.id)
    for bl in billed:
        if bl.goods_issue_id is not None:
            ids = b._gi_bills.setdefault(bl.goods_issue_id, [])
            if inv.id not in ids:
                ids.append(inv.id)
    _book_complete(b, inv.order_id, txn.at.date())


@_book("IssueSalesInvoice")
def _book_sales_invoice(b: Books, rec: Any) -> None:
    x = rec.invoice
    b._sales_by_day.setdefault(x.issued_on, []).append(x)
    if x.system_invoice_id is not None:
        b._sales_by_sys.setdefault(x.system_invoice_id, []).append(x)


@_book("PostGLRevenue")
def _book_gl(b: Books, rec: Any) -> None:
    x = rec.posting
    b._gl_by_day.setdefault(x.posted_on, []).append(x)
    if x.invoice_id is not None:
        b._gl_by_sys.setdefault(x.invoice_id, []).append(x)


@_book("KeepContractLedger")
def _book_contract_ledger(b: Books, rec: Any) -> None:
    b.keep("contract_ledger", rec.line.as_of, rec.line)


@_book("CountShipments")
def _book_shipments(b: Books, rec: Any) -> None:
    b.keep("shipment_counts", rec.count.period_end, rec.count)


@_book("CountStock")
def _book_stock(b: Books, rec: Any) -> None:
    b.keep("stock_counts", rec.line.period_end, rec.line)


@_book("CountConsignment")
def _book_consignment(b: Books, rec: Any) -> None:
    b.keep("consignment_counts", rec.count.period_end, rec.count, rec.count.count_id)


@_book("SetSalesTarget")
def _book_target(b: Books, rec: Any) -> None:
    b.keep("targets", rec.target.period.end, rec.target)


@_book("ReportSalesActual")
def _book_actual(b: Books, rec: Any) -> None:
    b.keep("actuals", rec.actual.period.end, rec.actual)


@_book("AnalyseSales")
def _book_analysis(b: Books, rec: Any) -> None:
    b.keep("analyses", rec.analysis.performed_on, rec.analysis)


@_book("AssessPerformance")
def _book_assessment(b: Books, rec: Any) -> None:
    b.keep("assessments", rec.assessment.assessed_on, rec.assessment)


@_book("SubmitSalesPlan")
def _book_plan(b: Books, rec: Any) -> None:
    plan = rec.plan
    b._plans.add(plan.id)
    b.keep("sales_plans", plan.end, plan)
    # Approvals usually come before the plan takes effect: take them from the buffer.
    for a in [a for a in b._pending_approvals if a.document_id == plan.id]:
        b._pending_approvals.remove(a)
        b.keep("approvals", plan.end, a)


@_book("GrantApproval")
def _book_plan_approval(b: Books, rec: Any) -> None:
    a = rec.approval
    if a.document_id in b._plans:
        b.keep("approvals", a.granted_at.date(), a)
    elif a.role in b.plan_roles and rec.customer_id is None:
        b._pending_approvals.append(a)


@_book("VoidInvoice")
def _book_void_invoice(b: Books, txn: Any) -> None:
    it = b.receivables.get(txn.invoice.id)
    if it is not None and it["settled_on"] is None:
        it["open"] = _ZERO
        it["settled_on"] = txn.at.date()
        b._open_by_customer.get(it["customer_id"], {}).pop(it["item_id"], None)


@_book("RecordReceipt")
def _book_receipt(b: Books, txn: Any) -> None:
    r = txn.receipt
    _book_settle(
        b, r.customer_id, r.amount.currency, r.to_receivables.amount, r.received_on, lambda i: True
    )


@_book("BookRevenue")
def _book_revenue(b: Books, txn: Any) -> None:
    e = txn.entry
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


@_book("TakeCollectionStep")
def _book_collection(b: Books, rec: Any) -> None:
    it = b.receivables.get(rec.item_id)
    if it is not None and it[rec.step.value] is None:
        it[rec.step.value] = rec.at.date()


def _account(c: _Contract) -> Any:
    from salesctl.model import ContractAccount

    amount = c.contract.amount
    return ContractAccount(value=amount, collected=Money(c.collected, amount.currency))


_CONTEXT_FIELDS: tuple[tuple[str, Any, bool], ...] | None = None


def _context(kw: dict[str, Any]) -> Context:
    """Build the context from values the ledger holds, without validating them again.

    Every value is already of its field's type (documents validated when their events were
    read; tuples, frozensets and FrozenMaps built here; ids unique, amounts not negative), so
    the ledger sets the fields directly, like the gate builds its decisions. A field the
    ledger does not give takes its default.
    """
    global _CONTEXT_FIELDS
    fields = _CONTEXT_FIELDS
    if fields is None:
        fields = _CONTEXT_FIELDS = tuple((a.name, a.default, a.init) for a in attrs.fields(Context))
    ctx = object.__new__(Context)
    for name, default, init in fields:
        if init and name in kw:
            value = kw[name]
            if type(value) is dict:
                value = FrozenMap(value)
        elif isinstance(default, attrs.Factory):  # type: ignore[arg-type]
            value = default.factory()
        elif default is attrs.NOTHING:
            return Context(**kw)  # a required field the ledger lacks: let Context say so
        else:
            value = default
        object.__setattr__(ctx, name, value)
    return ctx


# -- folds -----------------------------------------------------------------------------------
# One function per event type. Each changes customer state only for customers this ledger
# owns (Ledger.customer returns None otherwise) and global state always.


def _order_state(led: Ledger, order: SalesOrder) -> OrderState | None:
    """The ledger's state of ``order``, created from the document if the ledger has none
    (an order placed before the stream began, or evicted)."""
    st = led._orders.get(order.id)
    if st is not None:
        return st
    c = led.customer(order.customer.id)
    if c is None:
        return None
    assert led.today is not None
    st = OrderState(
        order=order,
        credit=order.payment.method in led.credit_methods,
        lines={ln.line_no: _Line(ln.quantity, ln.unit_price.amount) for ln in order.lines},
        last_touched=led.today,
    )
    led._orders[order.id] = st
    c.orders[order.id] = st
    if c.profile is None and order.customer.credit_profile is not None:
        c.profile = order.customer.credit_profile
    return st


def _recount(led: Ledger, st: OrderState) -> None:
    """Bring the customer's exposure totals in step with the order's current state."""
    c = led._customers.get(st.order.customer.id)
    if c is None:
        return
    if st.credit and not st.voided:
        new: tuple[str, Decimal, Decimal] | None = (
            st.currency,
            st.open_value(),
            st.delivered_not_invoiced(),
        )
    else:
        new = None
    old = st.counted
    if old == new:
        return
    if old is not None:
        t = c.totals[old[0]]
        t[0] -= old[1]
        t[1] -= old[2]
    if new is not None:
        t = c.totals.setdefault(new[0], [_ZERO, _ZERO])
        t[0] += new[1]
        t[1] += new[2]
    st.counted = new


def _touch(led: Ledger, st: OrderState) -> None:
    assert led.today is not None
    _recount(led, st)
    st.last_touched = led.today
    if st.is_complete():
        if st.completed_on is None:
            st.completed_on = led.today
    else:
        st.completed_on = None


def _update_order(led: Ledger, st: OrderState, order: SalesOrder) -> None:
    """The order as placed again or released: new quantities and prices, deliveries kept."""
    st.order = order
    st.credit = order.payment.method in led.credit_methods
    for ln in order.lines:
        have = st.lines.get(ln.line_no)
        if have is None:
            st.lines[ln.line_no] = _Line(ln.quantity, ln.unit_price.amount)
        else:
            have.ordered = ln.quantity
            have.price = ln.unit_price.amount


def _concession(order: SalesOrder) -> ConcessionRecord | None:
    value = _ZERO
    gross = _ZERO
    for ln in order.lines:
        lp = ln.list_price
        if lp is not None and lp.amount > ln.unit_price.amount:
            value += (lp.amount - ln.unit_price.amount) * ln.quantity
            gross += lp.amount * ln.quantity
        else:
            gross += ln.unit_price.amount * ln.quantity
    for c in order.concessions:
        value += c.value.amount
    if not value:
        return None
    cur = order.currency
    return ConcessionRecord(
        order_id=order.id,
        customer_id=order.customer.id,
        on=order.order_date,
        value=Money(value, cur),
        gross=Money(gross, cur),
    )


def _release_controls() -> frozenset[str]:
    from salesctl.controls import CONTROLS

    return frozenset(c.id for c in CONTROLS.values() if c.consumes_release)


_RELEASE_CONTROLS: frozenset[str] = _release_controls()


def _cleared_releases(decision: Decision | None) -> Iterator[str]:
    if decision is None:
        return
    for f in decision.findings:
        if f.control_id in _RELEASE_CONTROLS and f.outcome is Outcome.ALLOW:
            yield from f.cleared_by


@fold("PlaceOrder", "ReleaseOrder")
def _fold_order(led: Ledger, txn: Any, decision: Decision | None) -> None:
    order: SalesOrder = txn.order
    if type(txn).__name__ == "PlaceOrder":
        last = led.last_numbers.get(order.series)
        if last is None or order.seq > last:
            led.last_numbers[order.series] = order.seq
    led.index(order.id, order.customer.id)
    known = {r.id for r in led._releases.get(order.id, ())}
    release_id = getattr(txn, "release_id", None)
    if release_id is not None:
        led.consume_release(release_id)
    for rid in _cleared_releases(decision):
        if rid in known:
            led.consume_release(rid)
    existed = order.id in led._orders
    st = _order_state(led, order)
    if st is None:
        return
    if existed:
        _update_order(led, st, order)
    led.mark_approved(order.id, decision)
    if type(txn).__name__ == "PlaceOrder":
        rec = _concession(order)
        c = led._customers[order.customer.id]
        if rec is not None:
            c.concessions.append(rec)
        horizon = order.order_date - dt.timedelta(days=366)
        if c.concessions and c.concessions[0].on < horizon:
            c.concessions = [r for r in c.concessions if r.on >= horizon]
    _touch(led, st)


@fold("VoidOrder")
def _fold_void_order(led: Ledger, txn: Any, decision: Decision | None) -> None:
    st = _order_state(led, txn.order)
    if st is not None:
        st.voided = True
        _touch(led, st)


@fold("SetCreditProfile")
def _fold_profile(led: Ledger, txn: Any, decision: Decision | None) -> None:
    c = led.customer(txn.customer.id)
    led.mark_approved(txn.application_id, decision)
    if c is not None:
        c.profile = txn.profile
        c.profile_changed_on = led.today


@fold("IssueDeliveryNotice")
def _fold_notice(led: Ledger, txn: Any, decision: Decision | None) -> None:
    led.index(txn.order.id, txn.order.customer.id)
    st = _order_state(led, txn.order)
    if st is None:
        return
    st.delivery_notices[txn.notice.id] = txn.notice
    led.mark_approved(txn.notice.id, decision)
    _touch(led, st)


@fold("PostGoodsIssue")
def _fold_goods_issue(led: Ledger, txn: Any, decision: Decision | None) -> None:
    gi = txn.goods_issue
    first_posting = True
    # Stock is global: every ledger takes the goods out of the lots they were picked from.
    st = _order_state(led, txn.order)
    if st is not None:
        prev = st.goods_issues.get(gi.id)
        first_posting = prev is None or not prev.posted
    else:
        first_posting = gi.id not in led._gi_order
    if first_posting:
        for line in gi.lines:
            if line.lot_id is None:
                continue
            lots = led.stock.get(line.product_id)
            lot = lots.get(line.lot_id) if lots else None
            if lot is None or lots is None:
                continue
            left = lot.quantity - line.quantity
            if left > 0:
                lots[line.lot_id] = attrs.evolve(lot, quantity=left)
            else:
                del lots[line.lot_id]
    led._gi_order[gi.id] = txn.order.id
    led.index(txn.order.id, txn.order.customer.id)
    if st is None:
        return
    if not gi.posted:
        gi = attrs.evolve(gi, posted=True)
    st.goods_issues[gi.id] = gi
    if first_posting:
        for line in gi.lines:
            ln = st.lines.get(line.order_line)
            if ln is not None:
                ln.delivered += line.quantity
    _touch(led, st)


def _term_days(led: Ledger, st: OrderState | None, customer_id: str) -> int:
    if st is not None and st.order.payment.days:
        return st.order.payment.days
    c = led._customers.get(customer_id)
    if c is not None and c.profile is not None:
        return c.profile.term_days
    return 0


@fold("IssueInvoice")
def _fold_invoice(led: Ledger, txn: Any, decision: Decision | None) -> None:
    inv = txn.invoice
    c = led.customer(inv.customer_id)
    if c is None:
        return
    st = led._orders.get(inv.order_id)
    if st is not None:
        if inv.id not in st.invoices:
            for line in inv.lines:
                ln = st.lines.get(line.order_line)
                if ln is not None:
                    ln.invoiced += line.quantity
        st.invoices[inv.id] = inv
        _touch(led, st)
    # Receivables from credit sales are exposure; an invoice of an order the ledger does not
    # hold is counted too (the conservative choice: exposure is never understated).
    if (st is None or st.credit) and not inv.voided:
        days = _term_days(led, st, inv.customer_id)
        c.items[inv.id] = _Item(
            invoice_id=inv.id,
            order_id=inv.order_id,
            issued_on=inv.issued_on,
            due=inv.issued_on + dt.timedelta(days=days),
            open=inv.total.amount,
            currency=inv.total.currency,
        )
    led.mark_approved(inv.id, decision)


@fold("VoidInvoice")
def _fold_void_invoice(led: Ledger, txn: Any, decision: Decision | None) -> None:
    inv = txn.invoice
    c = led.customer(inv.customer_id)
    if c is None:
        return
    c.items.pop(inv.id, None)
    st = led._orders.get(inv.order_id)
    if st is not None:
        had = st.invoices.get(inv.id)
        if had is not None and not had.voided:
            for line in had.lines:
                ln = st.lines.get(line.order_line)
                if ln is not None:
                    ln.invoiced -= line.quantity
        st.invoices[inv.id] = attrs.evolve(had or inv, voided=True)
        _touch(led, st)


@fold("VoidSettlement")
def _fold_void_settlement(led: Ledger, txn: Any, decision: Decision | None) -> None:
    from salesctl.model import SettlementStatus

    s = txn.settlement
    st = led._orders.get(s.order_id)
    if st is None:
        return
    st.settlements[s.id] = attrs.evolve(s, status=SettlementStatus.VOIDED, voucher_posted=False)
    _touch(led, st)


@fold("BookRevenue")
def _fold_revenue(led: Ledger, txn: Any, decision: Decision | None) -> None:
    e = txn.entry
    c = led.customer(e.customer_id)
    if c is None:
        return
    orders: list[str] = []
    for gid in e.goods_issue_ids:
        oid = led._gi_order.get(gid)
        st = led._orders.get(oid) if oid else None
        if oid is not None and oid not in orders:
            orders.append(oid)
        if st is not None:
            st.revenue_goods_issues.add(gid)
            _touch(led, st)
    if e.advance_offset is not None and e.advance_offset.amount:
        cur = e.advance_offset.currency
        left = c.advance.get(cur, _ZERO) - e.advance_offset.amount
        c.advance[cur] = left if left > 0 else _ZERO
        # Offsetting the advance settles the receivable of the same sale (Dr advance, Cr AR):
        # the oldest open items of the orders delivered.
        _settle(c, cur, e.advance_offset.amount, lambda i: i.order_id in orders)


def _settle(c: _Customer, cur: str, amount: Decimal, which: Callable[[_Item], bool]) -> Decimal:
    """Apply ``amount`` to the customer's oldest open items (by due date, then invoice date
    and id) that ``which`` selects; returns what is left over."""
    todo = amount
    if not todo:
        return todo
    for it in sorted(
        (i for i in c.items.values() if i.currency == cur and which(i)),
        key=lambda i: (i.due, i.issued_on, i.invoice_id),
    ):
        take = min(todo, it.open)
        it.open -= take
        todo -= take
        if not it.open:
            del c.items[it.invoice_id]
        if not todo:
            break
    return todo


@fold("RecordReceipt")
def _fold_receipt(led: Ledger, txn: Any, decision: Decision | None) -> None:
    r = txn.receipt
    c = led.customer(r.customer_id)
    if c is None:
        return
    cur = r.amount.currency
    todo = _settle(c, cur, r.to_receivables.amount, lambda i: True)
    adv = r.amount.amount - r.to_receivables.amount + todo
    if adv:
        c.advance[cur] = c.advance.get(cur, _ZERO) + adv
    if r.contract_id is not None:
        k = led.contracts.get(r.contract_id)
        if k is not None and k.contract.amount.currency == cur:
            k.collected += r.amount.amount
            k.last_touched = r.received_on


@fold("SignContract")
def _fold_contract(led: Ledger, txn: Any, decision: Decision | None) -> None:
    k = txn.contract
    led.index(k.id, k.customer_id)
    led.mark_approved(k.id, decision)
    if led.customer(k.customer_id) is None:
        return
    have = led.contracts.get(k.id)
    assert led.today is not None
    if have is None:
        led.contracts[k.id] = _Contract(k, _ZERO, _ZERO, led.today)
    else:
        have.contract = k
        have.last_touched = led.today


@fold("PayCommission")
def _fold_commission(led: Ledger, txn: Any, decision: Decision | None) -> None:
    claim = txn.claim
    if claim.contract_id is None:
        return
    k = led.contracts.get(claim.contract_id)
    if k is not None and k.contract.amount.currency == claim.amount.currency:
        k.commissions_paid += claim.amount.amount


@fold("SendQuotation", "IssueProductionOrder", "ScheduleWorkOrder", "AdvanceStage")
def _fold_approved_only(led: Ledger, txn: Any, decision: Decision | None) -> None:
    led.mark_approved(txn.document_id, decision)


# -- records ----------------------------------------------------------------------------------


@fold("GrantApproval")
def _fold_grant_approval(led: Ledger, rec: Any, decision: Decision | None) -> None:
    if led.mine(rec.customer_id):
        a = rec.approval
        actor = led.intern(a.approver)
        if actor is not a.approver:
            # Share one instance of an equal actor: the approval was just parsed and nobody
            # else holds it, and the value does not change (memory over a year of approvals).
            object.__setattr__(a, "approver", actor)
        led.add_approval(a)


@fold("GrantRelease")
def _fold_grant_release(led: Ledger, rec: Any, decision: Decision | None) -> None:
    if led.mine(rec.customer_id):
        led.add_release(rec.release)


@fold("PublishPrice")
def _fold_price(led: Ledger, rec: Any, decision: Decision | None) -> None:
    e: PriceEntry = rec.entry
    entries = led.prices.setdefault(e.product_id, [])
    if e.id is not None:
        entries[:] = [x for x in entries if x.id != e.id]
    entries.append(e)


@fold("SetExchangeRate")
def _fold_rate(led: Ledger, rec: Any, decision: Decision | None) -> None:
    led.fx_rates[rec.pair] = rec.rate
    led._fx_view = None


@fold("ReceiveStock")
def _fold_stock(led: Ledger, rec: Any, decision: Decision | None) -> None:
    lot: StockLot = rec.lot
    lots = led.stock.setdefault(lot.product_id, {})
    have = lots.get(lot.id)
    lots[lot.id] = (
        lot if have is None else attrs.evolve(have, quantity=have.quantity + lot.quantity)
    )


@fold("PublishSalesPolicy")
def _fold_sales_policy(led: Ledger, rec: Any, decision: Decision | None) -> None:
    if rec.withdrawn:
        led.sales_policies.discard(rec.reference)
    else:
        led.sales_policies.add(rec.reference)
    led._sales_policies_view = None


def _order_of_doc(led: Ledger, order_id: str | None) -> OrderState | None:
    return led._orders.get(order_id) if order_id is not None else None


@fold("ReceiveDeliveryProof")
def _fold_proof(led: Ledger, rec: Any, decision: Decision | None) -> None:
    p = rec.proof
    st = _order_of_doc(led, led._gi_order.get(p.goods_issue_id))
    if st is not None:
        proofs = st.delivery_proofs.setdefault(p.goods_issue_id, [])
        proofs[:] = [x for x in proofs if x.id != p.id]
        proofs.append(p)
        _touch(led, st)


@fold("RecordSettlement")
def _fold_settlement(led: Ledger, rec: Any, decision: Decision | None) -> None:
    st = _order_of_doc(led, rec.settlement.order_id)
    if st is not None:
        st.settlements[rec.settlement.id] = rec.settlement
        _touch(led, st)


@fold("SettleConsignment")
def _fold_consignment(led: Ledger, rec: Any, decision: Decision | None) -> None:
    c = led.customer(rec.settlement.customer_id)
    if c is not None:
        kept = [x for x in c.consignment_settlements if x.id != rec.settlement.id]
        horizon = rec.settlement.period_end - dt.timedelta(days=400)
        c.consignment_settlements = [x for x in kept if x.period_end >= horizon] + [rec.settlement]


@fold("RecordBusinessApproval")
def _fold_business_approval(led: Ledger, rec: Any, decision: Decision | None) -> None:
    if led.mine(rec.customer_id):
        f = rec.form
        led._forms[f.id] = f
        for d in (f.contract_id, f.order_id):
            if d is not None:
                led._forms[d] = f


@fold("CloseOrder")
def _fold_close(led: Ledger, rec: Any, decision: Decision | None) -> None:
    st = led._orders.get(rec.order_id)
    if st is not None:
        _touch(led, st)


@fold("SubmitSalesPlan")
def _fold_plan(led: Ledger, txn: Any, decision: Decision | None) -> None:
    led.mark_approved(txn.document_id, decision)
