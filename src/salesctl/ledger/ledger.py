"""The :class:`Ledger`: the fold of an event stream into the state behind each transaction's
context, and the registry of folds (:func:`fold`, :data:`FOLDS`; the folds themselves are in
:mod:`salesctl.ledger.folds`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, TypeVar, cast

import attrs

from salesctl._validators import FrozenMap, person_key
from salesctl.context import Context
from salesctl.decision import Decision, Outcome, _assembly
from salesctl.ledger.books import Books
from salesctl.ledger.cold import ColdApprovals
from salesctl.ledger.cold_contracts import ColdContracts
from salesctl.ledger.context import (
    advance_view,
    business_date,
    centrally_sold,
    contract_fields,
    flow_fields,
    scope_contracts,
    trusted_context,
)
from salesctl.ledger.scope import Scope, scope_of
from salesctl.ledger.state import (
    DEFAULT_CREDIT_METHODS,
    ZERO,
    ContractState,
    CustomerState,
    OrderState,
    by_id,
)
from salesctl.model import (
    Approval,
    CreditExposure,
    CreditGroup,
    CreditLimitChange,
    CreditProfile,
    CreditRelease,
    ICCard,
    PaymentMethod,
    PickupOrder,
    PriceEntry,
    SalesOrder,
    StockLot,
    profile_on,
)
from salesctl.money import CURRENCIES, Money
from salesctl.policy import DEFAULT_TIMEZONE, parse_timezone

__all__ = ["APPROVALS_COLD_AFTER_DAYS", "FOLDS", "Fold", "Ledger", "fold"]

#: A fold: ``(ledger, event, decision or None) -> None``; changes the ledger in place.
Fold = Callable[["Ledger", Any, "Decision | None"], None]

#: The fold of each event type, by type name.
FOLDS: dict[str, Fold] = {}

_F = TypeVar("_F", bound=Fold)

_DEFAULT_ZONE = parse_timezone(DEFAULT_TIMEZONE)

#: Days after which the week's sweep holds a document's approvals, all granted before, frozen
#: (:class:`~salesctl.ledger.cold.ColdApprovals`; built again, equal, when read).
APPROVALS_COLD_AFTER_DAYS = 7
_EXPONENTS = {c: Decimal(1).scaleb(-k) for c, k in CURRENCIES.items()}


def _money(amount: Decimal, currency: str) -> Money:
    """``Money.rounded(amount, currency)`` for an exposure sum (half-up to the minor unit),
    built directly when the currency is known and the amount finite, by ``Money.rounded``
    (and its error) otherwise."""
    exp = _EXPONENTS.get(currency)
    if exp is not None and amount.is_finite():
        return Money._trusted(amount.quantize(exp, ROUND_HALF_UP), currency)
    return Money.rounded(amount, currency)


#: The fields of a :class:`CreditExposure` the ledger leaves at their defaults.
_EXPOSURE_DEFAULTS: tuple[tuple[str, Any], ...] = tuple(
    (a.name, a.default)
    for a in attrs.fields(CreditExposure)
    if a.default is not attrs.NOTHING and a.name != "oldest_overdue_due"
)
_EXPOSURE_DEFAULT_VALUES = tuple(d for _, d in _EXPOSURE_DEFAULTS)
_ExposureAssembly = _assembly(CreditExposure)


def _exposure_of(
    oo: Money, dn: Money, rc: Money, od: Money, oldest: dt.date | None
) -> CreditExposure:
    """``CreditExposure(oo, dn, rc, od, oldest)`` for amounts of one currency the ledger
    summed: set directly when they pass what its validators check (not negative, overdue
    within receivables, a date when overdue), by the validated constructor (and its error)
    otherwise."""
    if not (
        oo.amount >= 0
        and dn.amount >= 0
        and 0 <= od.amount <= rc.amount
        and (oldest is not None or not od.amount)
    ):
        return CreditExposure(oo, dn, rc, od, oldest)
    e: Any = _ExposureAssembly()  # plain slot stores, then the class (no setattr calls)
    e.open_orders, e.delivered_not_invoiced, e.open_receivables = oo, dn, rc
    e.overdue_receivables, e.oldest_overdue_due = od, oldest
    e.open_items, e.draft_invoices, e.other_receivables = _EXPOSURE_DEFAULT_VALUES
    e.__class__ = CreditExposure
    done: CreditExposure = e
    return done


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
        timezone: the policy's time zone (:attr:`Policy.zone <salesctl.policy.Policy.zone>`):
            a context's ``as_of`` is the business date of its transaction in it, as the gate
            requires; the default policy's zone when omitted.
        segment_of: the credit segment of a selling company (the credit policy's
            :meth:`~salesctl.controls.credit.CreditPolicy.segment_of`; by default each
            company is its own segment).
        approvals_store: how approvals older than a week are held (frozen into text by
            default, for bounded memory: :mod:`~salesctl.ledger.cold`; the demo keeps objects).
        contracts_store: how contracts not read for a week are held (likewise:
            :mod:`~salesctl.ledger.cold_contracts`).

    Customer groups: a customer naming a ``group_id`` is a member of that group; the ledger
    keeps the members of each group (learnt from the events, once) and builds the group's
    exposure from theirs. A partitioned ledger owns a group's members together: the partition
    key of a member is its group (:meth:`partition_key`).
    """

    hold_facts = False  # notices held as posted, line facts kept (the demo's host; _held)

    def __init__(
        self,
        *,
        credit_methods: Iterable[PaymentMethod] = DEFAULT_CREDIT_METHODS,
        owns: Callable[[str], bool] | None = None,
        closed_retention_days: int = 62,
        approval_retention_days: int = 120,
        index_retention_days: int = 400,
        books: Books | None = None,
        timezone: dt.tzinfo | None = None,
        segment_of: Callable[[str], str] | None = None,
        approvals_store: ColdApprovals | None = None,
        contracts_store: ColdContracts | None = None,
    ) -> None:
        #: The zone of the business dates of the contexts this ledger builds.
        self.zone: dt.tzinfo = timezone if timezone is not None else _DEFAULT_ZONE
        self.credit_methods = frozenset(credit_methods)
        self.segment_of: Callable[[str], str] = segment_of if segment_of is not None else str
        #: The group of each customer that names one, and the members of each group (global:
        #: every partition learns them, so a group's members share a partition).
        self._group_of: dict[str, str] = {}
        self._members: dict[str, dict[str, None]] = {}
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
        #: Contracts and the contract ledger by contract id (owned customers): the state, or,
        #: for a contract not read between two weekly sweeps, its frozen text (read through
        #: :meth:`contract_state`).
        self.contracts: dict[str, ContractState | str] = {}
        self._cold_contracts = contracts_store if contracts_store is not None else ColdContracts()
        #: The contract signed for an order, by order id, from the contract's ``order_id``
        #: (an order placed before its contract does not name it; O2C-BL-03, O2C-DL-01).
        self.order_contracts: dict[str, str] = {}
        #: Owner customer of orders and contracts, for events that name only those (global).
        self._owner: dict[str, tuple[str, dt.date]] = {}
        #: The oldest date of an entry the last full sweep of ``_owner`` kept (``None``:
        #: not swept yet, or nothing kept).
        self._owner_oldest: dt.date | None = None
        #: The index entry of each customer for the current day, shared by the documents
        #: indexed for it that day (one tuple, not one per document).
        self._owner_tags: dict[str, tuple[str, dt.date]] = {}
        self._customers: dict[str, CustomerState] = {}
        self._orders: dict[str, OrderState] = {}
        #: Approvals on hand by document (tuples: a document has a few; smaller than lists),
        #: or, once all are older than :data:`APPROVALS_COLD_AFTER_DAYS`, their frozen text
        #: (:attr:`_cold`; read through :meth:`approvals_of`).
        self._approvals: dict[str, tuple[Approval, ...] | str] = {}
        self._cold = approvals_store if approvals_store is not None else ColdApprovals()
        #: Documents whose approvals are held as objects since the last sweep froze them.
        self._warm: dict[str, None] = {}
        self._releases: dict[str, list[CreditRelease]] = {}
        self._consumed: set[str] = set()
        self._approved: dict[str, dt.date] = {}
        self._actors: dict[Any, Any] = {}
        #: The order of every goods issue folded (global, as the stock; kept for the stream, not
        #: dropped with its order: a repost is no first posting in any ledger; see the fold).
        self._gi_order: dict[str, str] = {}
        #: Pickup orders on hand and IC cards by the key of their id (owned customers), and
        #: the keys of the pickup orders goods issues used (a pickup order is good once).
        self.pickup_orders: dict[str, PickupOrder] = {}
        self.ic_cards: dict[str, ICCard] = {}
        self._used_pickups: set[str] = set()
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
        if customer_id is None or self._owns is None:
            return True
        return self._owns(self._group_of.get(customer_id, customer_id))

    def partition_key(self, customer_id: str) -> str:
        """What a partitioned replay splits on: the customer's group, else the customer."""
        return self._group_of.get(customer_id, customer_id)

    def note_customer(self, customer: Any) -> None:
        """Learn a customer's group (global, once per customer and group)."""
        gid = customer.group_id
        if gid is not None and self._group_of.get(customer.id) != gid:
            old = self._group_of.get(customer.id)
            if old is not None:
                self._members.get(old, {}).pop(customer.id, None)
            self._group_of[customer.id] = gid
            self._members.setdefault(gid, {})[customer.id] = None

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

    def customer(self, customer_id: str) -> CustomerState | None:
        """The state of an owned customer, created on first use; ``None`` when another
        partition owns it."""
        if not self.mine(customer_id):
            return None
        c = self._customers.get(customer_id)
        if c is None:
            c = self._customers[customer_id] = CustomerState(customer_id)
        return c

    def order(self, order_id: str) -> OrderState | None:
        """An open order this ledger holds, or ``None``."""
        return self._orders.get(order_id)

    def contract_state(self, contract_id: str) -> ContractState | None:
        """The state of a contract the ledger holds (built again when it was frozen), or
        ``None``."""
        return self._cold_contracts.state_of(self.contracts, contract_id)

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
        order = getattr(event, "order", None)
        cust = order.customer if isinstance(order, SalesOrder) else getattr(event, "customer", None)
        if cust is not None and getattr(cust, "group_id", None) is not None:
            self.note_customer(cust)
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
        tag = self._owner_tags.get(customer_id)
        if tag is None or tag[1] is not self.today:
            tag = self._owner_tags[customer_id] = (customer_id, self.today)
        self._owner[document_id] = tag

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
        d = approval.document_id
        self._approvals[d] = (*self.approvals_of(d), approval)
        self._warm[d] = None

    def approvals_of(self, document_id: str) -> tuple[Approval, ...]:
        """The approvals on hand for a document, in the order granted (``()``: none)."""
        got = self._approvals.get(document_id)
        if got is None:
            return ()
        if isinstance(got, str):
            return self._cold.thaw(got, document_id)
        return got

    def add_release(self, release: CreditRelease) -> None:
        """A one-time release on hand for its order."""
        self._releases.setdefault(release.order_id, []).append(release)

    def consume_release(self, release_id: str) -> None:
        """Mark a one-time release as used."""
        self._consumed.add(release_id)

    def consume_pickup_order(self, pickup_id: str) -> None:
        """Mark a pickup order as used (its id without regard to case, as O2C-DL-07 compares
        it): a goods issue in the stream cited it, so it was used, whatever the gate said."""
        self._used_pickups.add(person_key(pickup_id))

    # -- views for detective checks ------------------------------------------------------

    def customers(self) -> Iterator[CustomerState]:
        """The customers this ledger holds."""
        return iter(self._customers.values())

    def open_orders(self) -> Iterator[OrderState]:
        """The orders this ledger holds (open, or complete within the retention window)."""
        return iter(self._orders.values())

    def exposure(
        self, customer_id: str, currency: str, segment: str | None = None
    ) -> CreditExposure | None:
        """The customer's credit exposure by category in ``currency`` as of today, or
        ``None`` when an amount cannot be converted (no exchange rate).

        Kept incrementally: the order totals and the open items' running sums
        (:class:`~salesctl.ledger.exposure.OpenItems`) are maintained by the folds, and the
        result is cached per customer until its orders or items change (an item falling
        overdue included). When an item is in another currency, the items are converted one
        by one as :meth:`recomputed_exposure` does; the result always equals it.

        Args:
            customer_id: the customer.
            currency: the currency of the limit it is compared with.
            segment: only what the selling companies of this credit segment sold (``None``:
                everything).
        """
        c = self._customers.get(customer_id)
        if c is None:
            return CreditExposure.none(currency)
        today = self.today
        c.items.as_of(today)  # items due before today fall overdue (a change of version)
        stamp = (c.stamp, c.items.version)
        hit = c.exposures.get((currency, segment))
        if hit is not None and hit[0] == stamp:
            return cast(CreditExposure, hit[1])
        seg_of = self.segment_of
        if segment is None:
            totals: Iterable[tuple[str, list[Decimal]]] = c.totals.items()
            fast = c.items.receivables(today, currency)
        else:
            totals = [
                kv
                for company, per in c.company_totals.items()
                if seg_of(company) == segment
                for kv in per.items()
            ]
            fast = c.items.receivables(
                today, currency, lambda co: co is not None and seg_of(co) == segment
            )
        if fast is None:  # an item in another currency: converted one by one
            return self.recomputed_exposure(customer_id, currency, segment)
        open_orders = dni = ZERO
        converted = False
        try:
            for cur, (oo, dn) in totals:
                converted = converted or (cur != currency and bool(oo or dn))
                open_orders += self._conv(oo, cur, currency)
                dni += self._conv(dn, cur, currency)
        except LookupError:
            return None
        recv, overdue, oldest = fast
        e = _exposure_of(
            _money(open_orders, currency),
            _money(dni, currency),
            _money(recv, currency),
            _money(overdue, currency),
            oldest,
        )
        if not converted:  # nothing depended on a rate
            c.exposures[(currency, segment)] = (stamp, e)
        return e

    def recomputed_exposure(
        self, customer_id: str, currency: str, segment: str | None = None
    ) -> CreditExposure | None:
        """:meth:`exposure` summed again from every open item the ledger holds, each
        converted on its own (the reference the incremental sums are tested against, and
        what :meth:`exposure` does for items in another currency)."""
        c = self._customers.get(customer_id)
        if c is None:
            return CreditExposure.none(currency)
        open_orders = dni = recv = overdue = ZERO
        oldest: dt.date | None = None
        today = self.today
        if segment is None:
            totals: Iterable[tuple[str, list[Decimal]]] = c.totals.items()
            items: Iterable[Any] = c.items.values()
        else:
            seg_of = self.segment_of
            totals = [
                kv
                for company, per in c.company_totals.items()
                if seg_of(company) == segment
                for kv in per.items()
            ]
            items = [
                it
                for it in c.items.values()
                if it.company is not None and seg_of(it.company) == segment
            ]
        try:
            for cur, (oo, dn) in totals:
                open_orders += self._conv(oo, cur, currency)
                dni += self._conv(dn, cur, currency)
            for it in items:
                amt = self._conv(it.open, it.currency, currency)
                recv += amt
                if today is not None and it.due < today and amt > 0:
                    overdue += amt
                    if oldest is None or it.due < oldest:
                        oldest = it.due
        except LookupError:
            return None
        # Amounts converted from another currency carry the rate's decimals: each category is
        # rounded (half-up) to the minor unit of ``currency`` once, after the sum; overdue is a
        # part of receivables and rounds to no more than they do.
        return CreditExposure(
            open_orders=_money(open_orders, currency),
            delivered_not_invoiced=_money(dni, currency),
            open_receivables=_money(recv, currency),
            overdue_receivables=_money(overdue, currency),
            oldest_overdue_due=oldest,
        )

    def credit_group(
        self, group_id: str, currency: str, segment: str | None = None
    ) -> CreditGroup | None:
        """The customer group's standing: its parent's profile, the exposure of all its
        members together (in the currency of the parent's limit, else ``currency``) and, for
        ``segment``, the members' exposure in it; ``None`` when an amount cannot be converted.
        """
        parent = self._customers.get(group_id)
        profile = parent.profile if parent is not None else None
        doc = parent.customer if parent is not None else None
        seg_profiles = doc.segment_profiles if doc is not None else FrozenMap()
        cur = profile.limit.currency if profile is not None else currency
        members = dict.fromkeys((group_id, *self._members.get(group_id, ())))
        exposure = self._sum(members, cur, None)
        if exposure is None:
            return None
        seg_exp: dict[str, CreditExposure] = {}
        if segment is not None and segment in seg_profiles:
            e = self._sum(members, seg_profiles[segment].limit.currency, segment)
            if e is None:
                return None
            seg_exp[segment] = e
        return CreditGroup(
            id=group_id,
            profile=profile,
            exposure=exposure,
            segment_profiles=seg_profiles,
            segment_exposure=seg_exp,
            members=tuple(members),
        )

    def _sum(
        self, members: Iterable[str], currency: str, segment: str | None
    ) -> CreditExposure | None:
        """The members' exposures added up (each already rounded to ``currency``)."""
        z = Money.zero(currency)
        oo, dn, rc, od = z, z, z, z
        oldest: dt.date | None = None
        for m in members:
            e = self.exposure(m, currency, segment)
            if e is None:
                return None
            oo, dn = oo + e.open_orders, dn + e.delivered_not_invoiced
            rc, od = rc + e.open_receivables, od + e.overdue_receivables
            d = e.oldest_overdue_due
            if d is not None and (oldest is None or d < oldest):
                oldest = d
        return CreditExposure(oo, dn, rc, od, oldest)

    def limit_history(self, customer_id: str) -> tuple[CreditLimitChange, ...]:
        """Every credit profile set for the customer, in order (the credit-limit history)."""
        c = self._customers.get(customer_id)
        return tuple(c.history) if c is not None else ()

    def profile_on(self, customer_id: str, day: dt.date) -> CreditProfile | None:
        """The customer's credit profile in force on ``day`` (``None``: none yet)."""
        c = self._customers.get(customer_id)
        return profile_on(c.history, day) if c is not None else None

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

        Each part is gathered only when the scope names something for it (an event without
        orders skips the orders' documents, one without documents the approvals), the
        documents' approvals, forms and approved ids in one pass over their ids; the result
        equals the one gathered field by field (``tests/test_ledger_context.py``).

        Args:
            txn: the transaction about to be decided (not yet folded).
            scope: its :func:`scope_of`, if already computed.

        Returns:
            The context: business date, exposure of the customer, approvals and releases on
            hand for its documents, the number series, prices and stock of its products, the
            document flow of its orders, its contracts.
        """
        s = scope if scope is not None else scope_of(txn)
        today = business_date(txn.at, self.zone)  # the business date, as the gate has it
        cust_id = self.customer_of(txn, s)
        cust = self._customers.get(cust_id) if cust_id is not None else None
        kw: dict[str, Any] = {"as_of": today}
        # Exposure is in the currency of the customer's limit.
        currency = None
        got_order = getattr(txn, "order", None)
        order = got_order if isinstance(got_order, SalesOrder) else None
        prof = None
        if order is not None:
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
            if order is not None and (
                order.company is not None or order.customer.group_id is not None
            ):
                self._group_credit(kw, cust_id, order, currency)
        held = self._approved
        approved: list[str] = []
        forms: dict[str, Any] = {}
        if s.document_ids:  # approvals (as approvals_of), forms and approvals, in one pass
            approvals: list[Approval] = []
            on_hand, held_forms = self._approvals, self._forms
            for d in s.document_ids:
                got = on_hand.get(d)
                if got:
                    approvals.extend(self._cold.thaw(got, d) if isinstance(got, str) else got)
                form = held_forms.get(d)
                if form is not None:
                    forms[form.id] = form
                if d in held:
                    approved.append(d)
            if approvals:
                kw["approvals"] = tuple(approvals)
        oids = s.order_ids
        if oids:
            releases: list[CreditRelease] = []
            for oid in oids:
                rel = self._releases.get(oid)
                if rel:
                    releases.extend(rel)
            if releases:
                kw["releases"] = tuple(releases)
                used = frozenset(r.id for r in releases if r.id in self._consumed)
                if used:
                    kw["consumed_releases"] = used
        if order is not None and order.series in self.last_numbers:
            kw["last_numbers"] = {order.series: self.last_numbers[order.series]}
        if self.fx_rates:
            if self._fx_view is None:
                self._fx_view = FrozenMap(self.fx_rates)
            kw["fx_rates"] = self._fx_view
        if s.product_ids:
            prices: list[PriceEntry] = []
            lots: list[StockLot] = []
            for p in s.product_ids:
                entries = self.prices.get(p)
                if entries:
                    prices.extend(entries)
                held_lots = self.stock.get(p)
                if held_lots:
                    lots.extend(held_lots.values())
            if prices:
                kw["prices"] = tuple(prices)
            if lots:
                kw["stock_lots"] = tuple(lots)
        gi = getattr(txn, "goods_issue", None)
        if gi is not None:
            centrally_sold(gi, self.pickup_orders, self._used_pickups, self.ic_cards, kw)
        if self.sales_policies:
            if self._sales_policies_view is None:
                self._sales_policies_view = frozenset(self.sales_policies)
            kw["sales_policies"] = self._sales_policies_view
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
                kw["advance_receipts"] = advance_view(cust.id, cust.advance.get(cur, ZERO), cur)
        orders: dict[str, Any] = {}
        if oids or s.goods_issue_ids:
            self._flow(s, orders, approved, kw)
        elif approved:
            kw["approved_documents"] = frozenset(approved)
        # The contracts the event names, and those of its orders (an invoice that leaves out
        # its contract id is still on its order's contract: O2C-BL-03).
        if s.contract_ids or orders:
            named = scope_contracts(
                s.contract_ids, orders, self.order_contracts, self.contract_state
            )
            if named:
                contract_fields(named, kw)
        return trusted_context(kw)

    def _flow(self, s: Scope, orders: dict[str, Any], approved: list[str], kw: Any) -> None:
        """The document flow of the scope's orders and goods issues, for the context: their
        orders (into ``orders``), the approved documents (their notices added), notices, goods
        issues, invoices, settlements, proofs, revenue entries (:func:`flow_fields`)."""
        held = self._approved
        notices: list[Any] = []
        gis: list[Any] = []
        invoices: list[Any] = []
        settlements: list[Any] = []
        proofs: list[Any] = []
        for oid in s.order_ids:
            st = self._orders.get(oid)
            if st is None:
                continue
            orders[oid] = st.order
            if st.delivery_notices:
                notices.extend(st.delivery_notices)
                for n in st.delivery_notices:
                    if n.id in held:
                        approved.append(n.id)
            if st.goods_issues:
                gis.extend(st.goods_issues)
            if st.invoices:
                invoices.extend(st.invoices)
            if st.settlements:
                settlements.extend(st.settlements)
            if st.delivery_proofs:
                proofs.extend(st.delivery_proofs)
        entries: dict[str, Any] = {}
        if s.goods_issue_ids:
            have = {g.id for g in gis}
            for gid in s.goods_issue_ids:
                gid_order = self._gi_order.get(gid)
                gst = self._orders.get(gid_order) if gid_order else None
                if gst is None:
                    continue
                g = by_id(gst.goods_issues, gid)
                if g is not None and gid not in have:
                    gis.append(g)
                    have.add(gid)
                    proofs.extend(x for x in gst.delivery_proofs if x.goods_issue_id == gid)
                orders.setdefault(gst.order.id, gst.order)
                for e in gst.revenue_entries:
                    if gid in e.goods_issue_ids:
                        entries.setdefault(e.id, e)
        flow_fields(approved, orders, entries, (notices, gis, invoices, settlements, proofs), kw)

    def _group_credit(
        self, kw: dict[str, Any], cust_id: str, order: SalesOrder, currency: str
    ) -> None:
        """The order's credit segment and its customer group, for the context (issue 15)."""
        oc = order.customer
        seg = self.segment_of(order.company) if order.company is not None else None
        if seg is not None:
            p = oc.segment_profiles.get(seg)
            if p is not None:
                e = self.exposure(cust_id, p.limit.currency, seg)
                if e is not None:
                    kw["segment_exposure"] = {seg: e}
        if oc.group_id is not None:
            self.note_customer(oc)
            g = self.credit_group(oc.group_id, currency, seg)
            if g is not None:
                kw["credit_group"] = g

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
        # The index's entries are dated the ledger's day when written (never earlier than an
        # entry kept by the last sweep): none can be old enough while the oldest date the last
        # sweep kept is not (nothing to scan), else every entry is looked at.
        oldest = self._owner_oldest
        if oldest is None or today - oldest > self.index_retention:
            owner = self._owner
            for key in list(owner):
                if today - owner[key][1] > self.index_retention:
                    del owner[key]
            self._owner_oldest = min((t[1] for t in owner.values()), default=None)
        # Contract accounts are cached for the contexts of the days a contract is in use; a
        # week's sweep lets go of them (built again, equal, when the contract is named again),
        # and holds the contracts held as objects frozen (built again, equal, when named).
        self._cold_contracts.sweep(self.contracts)
        if (
            self._swept is None
            or today.month != self._swept.month
            or today.year != self._swept.year
        ):
            self._swept = today
            cutoff = dt.datetime.combine(today, dt.time(), tzinfo=dt.UTC) - horizon
            # the approvals granted before the cutoff let go, objects and frozen texts alike
            self._cold.sweep(self._approvals, cutoff)
            for doc in [
                d
                for d, on in self._approved.items()
                if today - on > horizon and d not in self._orders and d not in self.contracts
            ]:
                del self._approved[doc]
            # A pickup order long expired is dropped with its use: citing it again finds
            # no pickup order on hand, which O2C-DL-07 blocks as well.
            for key in [
                k for k, po in self.pickup_orders.items() if today - po.valid_until > horizon
            ]:
                del self.pickup_orders[key]
                self._used_pickups.discard(key)
            for doc in list(self._releases):
                keep_r = [r for r in self._releases[doc] if r.granted_at >= cutoff]
                if keep_r:
                    self._releases[doc] = keep_r
                else:
                    for r in self._releases.pop(doc):
                        self._consumed.discard(r.id)
        # The approvals of the documents granted none in the last days are held frozen.
        before = dt.datetime.combine(today, dt.time(), tzinfo=dt.UTC)
        before -= dt.timedelta(days=APPROVALS_COLD_AFTER_DAYS)
        self._cold.freeze_warm(self._approvals, self._warm, before)

    def _drop_order(self, oid: str) -> None:
        o = self._orders.pop(oid)
        c = self._customers.get(o.order.customer.id)
        if c is not None:
            c.orders.pop(oid, None)
            if o.counted is not None:
                t = c.totals[o.counted[0]]
                t[0] -= o.counted[1]
                t[1] -= o.counted[2]
                if o.counted_company is not None:
                    t = c.company_totals[o.counted_company][o.counted[0]]
                    t[0] -= o.counted[1]
                    t[1] -= o.counted[2]
                c.stamp += 1
        for doc in (
            oid,
            *(d.id for d in o.delivery_notices),
            *(d.id for d in o.goods_issues),
            *(d.id for d in o.invoices),
            *(d.id for d in o.settlements),
        ):
            self._approvals.pop(doc, None)
            self._warm.pop(doc, None)
            self._approved.pop(doc, None)
        for r in self._releases.pop(oid, ()):
            self._consumed.discard(r.id)
        self.order_contracts.pop(oid, None)  # (its goods issues stay in _gi_order)
        # The business approval form of the order goes with it (kept under its own id only
        # while its contract still names it).
        form: Any = self._forms.pop(oid, None)
        if form is not None:
            fid, cid = form.id, form.contract_id
            if self._forms.get(fid) is form and (cid is None or self._forms.get(cid) is not form):
                del self._forms[fid]

    def size(self) -> dict[str, int]:
        """How many documents the ledger holds, by kind (for memory reports and tests)."""
        return {
            "customers": len(self._customers),
            "orders": len(self._orders),
            "open_items": sum(len(c.items) for c in self._customers.values()),
            "approvals": sum(map(ColdApprovals.count, self._approvals.values())),
            "releases": sum(len(v) for v in self._releases.values()),
            "contracts": len(self.contracts),
            "stock_lots": sum(len(v) for v in self.stock.values()),
            "prices": sum(len(v) for v in self.prices.values()),
            "index": len(self._owner),
            "approved": len(self._approved),
            "pickup_orders": len(self.pickup_orders),
            "forms": len(self._forms),
            "ic_cards": len(self.ic_cards),
        }
