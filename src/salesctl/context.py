"""What the host knows at the moment it asks: the :class:`Context` of a check.

Controls never read a clock, a file or a database; everything they need beyond the
transaction and the policy arrives here. A host builds a context per check (or lets
:mod:`salesctl.ledger` / the journal build it).

>>> import datetime as dt
>>> from salesctl.context import Context
>>> Context(as_of=dt.date(2026, 3, 2)).approvals
()
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from decimal import Decimal
from operator import attrgetter
from types import MappingProxyType
from typing import Any

from attrs import field, frozen

from salesctl._convert import OMIT_DEFAULT, structure, unstructure
from salesctl._validators import (
    FrozenMap,
    a_date,
    each,
    frozenmap_conv,
    frozenset_conv,
    person_key,
    tuple_conv,
    typed,
)
from salesctl.errors import CurrencyMismatch, InvalidInput
from salesctl.model import (
    Approval,
    BusinessApprovalForm,
    ConcessionRecord,
    ConsignmentSettlement,
    Contract,
    ContractAccount,
    CreditExposure,
    CreditGroup,
    CreditRelease,
    DeliveryNotice,
    DeliveryProof,
    GoodsIssue,
    ICCard,
    Invoice,
    PickupOrder,
    PriceEntry,
    RevenueEntry,
    SalesOrder,
    Settlement,
    StockLot,
)
from salesctl.money import Money

__all__ = ["Context", "StockIndex", "price_book", "price_maintainers", "stock_index"]


def _numbers(_i: Any, _a: Any, value: Mapping[str, int]) -> None:
    if not isinstance(value, Mapping):
        raise InvalidInput("must be a mapping", path="Context.last_numbers", value=value)
    for k, v in value.items():
        if not isinstance(k, str) or isinstance(v, bool) or not isinstance(v, int) or v < 0:
            raise InvalidInput(
                "must map series names to non-negative integers",
                path=f"Context.last_numbers.{k}",
                value=v,
            )


def _rates(_i: Any, _a: Any, value: Mapping[str, Decimal]) -> None:
    if not isinstance(value, Mapping):
        raise InvalidInput("must be a mapping", path="Context.fx_rates", value=value)
    for k, v in value.items():
        if not isinstance(k, str) or "/" not in k:
            raise InvalidInput('keys must look like "USD/CNY"', path=f"Context.fx_rates.{k}")
        if not isinstance(v, Decimal) or not v.is_finite() or v <= 0:
            raise InvalidInput("must be a positive Decimal", path=f"Context.fx_rates.{k}", value=v)


def _map_of(tp: type, name: str) -> Any:
    """Validator: a mapping of document ids to values of type ``tp`` (amounts not negative)."""

    def check(_i: Any, _a: Any, value: Any) -> None:
        if not isinstance(value, FrozenMap):
            raise InvalidInput("must be a mapping", path=f"Context.{name}", value=value)
        for k, v in value.items():
            if not isinstance(k, str) or not k.strip():
                raise InvalidInput("keys must be ids", path=f"Context.{name}", value=k)
            if not isinstance(v, tp):
                raise InvalidInput(
                    f"must be {tp.__name__}", path=f"Context.{name}.{k}", value=type(v).__name__
                )
            if isinstance(v, Money) and v.is_negative:
                raise InvalidInput("must not be negative", path=f"Context.{name}.{k}", value=str(v))

    return check


def _unique_ids(name: str) -> Any:
    """Validator: the documents of a tuple field have distinct ids."""

    def check(_i: Any, _a: Any, value: tuple[Any, ...]) -> None:
        seen: set[str] = set()
        for i, doc in enumerate(value):
            if doc.id in seen:
                raise InvalidInput("duplicate document id", path=f"Context.{name}[{i}].id", value=doc.id)
            seen.add(doc.id)

    return check


def _unique_keys(name: str) -> Any:
    """Validator: the documents of a tuple field have ids distinct even without regard to case
    (:func:`~salesctl._validators.person_key`), so that a lookup by id is never ambiguous."""

    def check(_i: Any, _a: Any, value: tuple[Any, ...]) -> None:
        seen: set[str] = set()
        for i, doc in enumerate(value):
            key = person_key(doc.id)
            if key in seen:
                raise InvalidInput(
                    "duplicate document id (ids are compared without regard to case)",
                    path=f"Context.{name}[{i}].id",
                    value=doc.id,
                )
            seen.add(key)

    return check


def _amounts_by_id(name: str) -> Any:
    """Validator: a mapping of document ids to amounts that are not negative."""

    def check(_i: Any, _a: Any, value: Any) -> None:
        if not isinstance(value, FrozenMap):
            raise InvalidInput("must be a mapping", path=f"Context.{name}", value=value)
        for k, v in value.items():
            if not isinstance(k, str) or not k.strip():
                raise InvalidInput("keys must be ids", path=f"Context.{name}", value=k)
            if not isinstance(v, Money) or v.is_negative:
                raise InvalidInput(
                    "must be an amount that is not negative", path=f"Context.{name}.{k}", value=v
                )

    return check


def _book(prices: tuple[PriceEntry, ...]) -> FrozenMap[str, tuple[PriceEntry, ...]]:
    """``prices`` by product id, each product's entries in the order given."""
    index: dict[str, tuple[PriceEntry, ...]] = {}
    several: dict[str, list[PriceEntry]] = {}
    for entry in prices:
        pid = entry.product_id
        if pid not in index:
            index[pid] = (entry,)
        else:
            several.setdefault(pid, list(index[pid][:1])).append(entry)
    for pid, entries in several.items():
        index[pid] = tuple(entries)
    return FrozenMap(index)


def _maintainers(prices: tuple[PriceEntry, ...]) -> frozenset[str]:
    """The person keys (:func:`~salesctl._validators.person_key`) of every price entry's
    recorded maintainer (a blank or missing one counts for nobody)."""
    return frozenset(person_key(m) for m in {e.maintained_by for e in prices} if m)


def price_maintainers(ctx: Context) -> frozenset[str]:
    """Who maintains some price of the context's price master: the person key of every
    recorded ``maintained_by`` among :attr:`Context.prices`, whatever the entry's product,
    class, currency or validity.

    A superset of the maintainers of the prices an order's lines use: O2C-SD-01 asks it
    first, and walks the lines' prices only when a seller is among them. Built once, with
    the price book, when the context is built; a context assembled without its constructor
    gets it built here, on each call.
    """
    try:
        return ctx._price_maintainers
    except AttributeError:
        return _maintainers(ctx.prices)


def price_book(ctx: Context) -> FrozenMap[str, tuple[PriceEntry, ...]]:
    """The context's price-master entries by product id (each product's in the order given).

    Built once, when the context is built; a context assembled without its constructor (a
    trusted builder that sets the fields directly) gets it built here, on each call.
    """
    try:
        return ctx._price_book
    except AttributeError:
        return _book(ctx.prices)



#: The widest the smallest lot's quantity may be for :attr:`StockIndex.least`: a size
#: (``adjusted()``) within ±_PLAIN_SIZE and at most _PLAIN_DIGITS digits — representable exactly
#: in any decimal context of at least the default precision and exponent limits of at least ±99.
_PLAIN_DIGITS = 28
_PLAIN_SIZE = 50


class StockIndex:
    """The context's stock lots indexed once, when the context is built: what the pass paths
    of O2C-DL-03 and O2C-DL-05 ask of every goods issue, answered by set lookups and one
    comparison (``tests/test_performance.py`` pins their answers to the full checks).

    A lot id that occurs twice names its *last* lot, as a dict built lot by lot keeps it.

    Attributes:
        by_id: the lot of each id (a read-only mapping).
        distinct: no two lots are of one product.
        sole: the ids whose lot is its product's only lot (every lot of that product has this id).
        sound: ``(id, product)`` of every lot (by id) with a QC certificate.
        least: the smallest quantity on hand of a lot (by id), when every such quantity is a
            finite ``Decimal`` (exactly that type) and the smallest is *plain* — at most 28
            digits and a size within ±50, so exactly representable in any decimal context of at
            least the default precision and exponent limits of at least ±99; ``None``
            otherwise, or no lots.
        dated: every lot's (by id) expiry is a date or ``None``.
        earliest: the earliest expiry of a lot (by id); ``None``: none is dated.
        shelf: the days from ``as_of`` to :attr:`earliest` (``None``: none is dated).
    """

    __slots__ = ("by_id", "dated", "distinct", "earliest", "least", "shelf", "sole", "sound")

    def __init__(self, lots: tuple[StockLot, ...], as_of: dt.date) -> None:
        ids = list(map(_ID, lots))
        by_id: dict[str, StockLot] = dict(zip(ids, lots, strict=True))
        self.by_id: Mapping[str, StockLot] = MappingProxyType(by_id)  # read-only
        self.distinct = len(set(map(_PRODUCT, lots))) == len(lots)
        held = by_id.values() if len(by_id) != len(lots) else lots  # the last lot of each id
        if self.distinct:  # every lot its product's only one
            self.sole = frozenset(by_id)
        else:
            first: dict[str, str] = {}  # the first lot id of each product
            mixed: set[str] = set()  # the products with lots of two ids
            for lot in lots:
                if first.setdefault(lot.product_id, lot.id) != lot.id:
                    mixed.add(lot.product_id)
            self.sole = frozenset(lot.id for lot in held if lot.product_id not in mixed)
        certified = list(map(_QC, held))
        pairs: Iterable[tuple[str, str]] = zip(map(_ID, held), map(_PRODUCT, held), strict=True)
        if None in certified:  # the lots with a QC certificate only
            pairs = (p for p, c in zip(pairs, certified, strict=True) if c is not None)
        self.sound = frozenset(pairs)
        quantities = list(map(_QUANTITY, held))
        least = None
        if quantities and set(map(type, quantities)) == {Decimal} and all(
            map(Decimal.is_finite, quantities)
        ):
            least = min(quantities)
        self.least: Decimal | None = least if least is not None and _plain(least) else None
        dates = [d for d in map(_EXPIRES, held) if d is not None]
        self.dated = not dates or set(map(type, dates)) == {dt.date}
        self.earliest: dt.date | None = min(dates) if dates and self.dated else None
        self.shelf = None if self.earliest is None else (self.earliest - as_of).days


_ID = attrgetter("id")
_PRODUCT = attrgetter("product_id")
_QC = attrgetter("qc_certificate")
_QUANTITY = attrgetter("quantity")
_EXPIRES = attrgetter("expires_on")


def _plain(q: object) -> bool:
    if type(q) is not Decimal or not q.is_finite():
        return False
    return len(q.as_tuple().digits) <= _PLAIN_DIGITS and -_PLAIN_SIZE <= q.adjusted() <= _PLAIN_SIZE


#: The index of no lots (shared: nothing in it depends on the business date).
_NO_STOCK = StockIndex((), dt.date(2000, 1, 1))


def stock_index(ctx: Context) -> StockIndex:
    """The context's :class:`StockIndex` of :attr:`Context.stock_lots` (on :attr:`Context.as_of`).

    Built once, when the context is built by its constructor; a context the ledger builds
    (``salesctl.ledger``), or one assembled without its constructor, gets it built here when
    first asked, and keeps it.
    """
    try:
        index: StockIndex | None = ctx._stock_index
    except AttributeError:  # assembled without the constructor or the ledger's builder
        index = None
    if index is None:
        lots = ctx.stock_lots
        index = StockIndex(lots, ctx.as_of) if lots else _NO_STOCK
        # Kept: derived from fields that never change (as the constructor keeps it).
        object.__setattr__(ctx, "_stock_index", index)
    return index


def _derive_when_read(ctx: Context) -> None:
    """What the constructor derives, for the ledger's trusted builder: the price book and its
    maintainers now, the stock index when first read (most of the ledger's contexts are for
    transactions no control asks the lots of)."""
    object.__setattr__(ctx, "_price_book", _book(ctx.prices))
    object.__setattr__(ctx, "_price_maintainers", _maintainers(ctx.prices))
    object.__setattr__(ctx, "_stock_index", None)

@frozen
class Context:
    """The host's knowledge at the time of a check. Pure data.

    Attributes:
        as_of: the business date of the check (for ageing and reviews).
        exposure: the customer's current credit exposure by category (``None`` when the host
            has none to report; credit controls then fail closed on credit terms).
        approvals: approvals on hand for the document(s) of the transaction.
        releases: one-time credit releases on hand.
        consumed_releases: ids of releases already used (a release is good once).
        last_numbers: the last number issued per number series (O2C-SO-01).
        fx_rates: exchange rates ``"USD/CNY" -> Decimal("7.10")`` (CNY per USD), used where
            amounts in different currencies must be compared.
        prices: the price-master entries of the products concerned (O2C-PR-01..03); the
            pricing controls fail closed for a product with no valid entry.
        concession_history: concessions already granted to the customer, for the accumulated
            limit over a rolling window (O2C-PR-05).
        approved_documents: ids of the documents (orders, contracts, delivery notices) the host
            holds as approved (O2C-DL-01, -02).
        delivery_notices: delivery notices issued for the order(s) concerned (O2C-DL-02).
        goods_issues: goods issues of the order(s) concerned, posted or not (O2C-DL-01, -02,
            O2C-BL-01, O2C-RR-02).
        stock_lots: the lots on hand of the products concerned, before the transaction
            (O2C-DL-03, -05).
        invoices: invoices already issued on the order(s) concerned (O2C-BL-01).
        settlements: sales settlements (销售结算单) of the order(s) concerned (O2C-BL-04).
        contract_accounts: the contract ledger by contract id: price and amount collected
            (O2C-BL-03).
        delivery_proofs: customer-signed delivery copies and logistics receipts handed back to
            finance (O2C-RR-02).
        consignment_settlements: month-end consignment settlements (O2C-RR-02).
        advance_receipts: unapplied advance receipts (预收账款) by customer id (O2C-RR-03).
        orders: the sales orders of the documents concerned (ids unique): their prices value
            a goods issue (O2C-RR-04), their payment terms and contract tell whether an
            invoice needs a contract (O2C-BL-03).
        revenue_entries: revenue already recognised on the goods issues concerned (ids
            unique; O2C-RR-04: a goods issue is recognised once).
        contracts: contract documents the host holds (their lines, first instalment, status);
            whether a contract is approved is :attr:`approved_documents` (O2C-SO-06,
            O2C-CM-01, O2C-SV-01).
        business_approval_forms: business approval forms (业务审核表) on hand (O2C-SO-06).
        sales_policies: ids of the sales policies (销售政策) in force, issued by the general
            manager (S-K1 1; O2C-CT-03).
        commissions_paid: commission already paid, by contract id (O2C-CM-01).
        pickup_orders: pickup orders (提货单) on hand for centrally sold products (O2C-DL-07).
        consumed_pickup_orders: ids of pickup orders already used by a goods issue (a pickup
            order is good once; compared without regard to case).
        ic_cards: customers' prepaid IC cards with their balances before the transaction
            (O2C-DL-07).
        segment_exposure: the customer's exposure per credit segment (the selling companies
            the policy's ``[credit] segments`` puts together), by segment id, in the currency
            of the customer's profile for that segment: needed when the order names a company
            whose segment the customer has a profile for (O2C-CR-04, -05, O2C-DL-04; missing,
            they fail closed).
        credit_group: the customer group's limit and exposure, when the customer belongs to a
            group (``Customer.group_id``; missing, the credit checks fail closed).
    """

    as_of: dt.date = field(validator=a_date)
    exposure: CreditExposure | None = field(
        default=None, validator=typed(CreditExposure, optional=True)
    )
    approvals: tuple[Approval, ...] = field(
        default=(), converter=tuple_conv, validator=each(Approval)
    )
    releases: tuple[CreditRelease, ...] = field(
        default=(), converter=tuple_conv, validator=each(CreditRelease)
    )
    consumed_releases: frozenset[str] = field(
        default=frozenset(), converter=frozenset_conv, validator=each(str)
    )
    last_numbers: FrozenMap[str, int] = field(
        default=FrozenMap(), converter=frozenmap_conv, validator=_numbers
    )
    fx_rates: FrozenMap[str, Decimal] = field(
        default=FrozenMap(), converter=frozenmap_conv, validator=_rates
    )
    prices: tuple[PriceEntry, ...] = field(
        default=(), converter=tuple_conv, validator=each(PriceEntry)
    )
    concession_history: tuple[ConcessionRecord, ...] = field(
        default=(), converter=tuple_conv, validator=each(ConcessionRecord)
    )
    # -- document flow (fulfilment: salesctl.controls.delivery, .billing, .revenue) --
    approved_documents: frozenset[str] = field(
        default=frozenset(), converter=frozenset_conv, validator=each(str)
    )
    delivery_notices: tuple[DeliveryNotice, ...] = field(
        default=(), converter=tuple_conv, validator=each(DeliveryNotice)
    )
    goods_issues: tuple[GoodsIssue, ...] = field(
        default=(), converter=tuple_conv, validator=each(GoodsIssue)
    )
    stock_lots: tuple[StockLot, ...] = field(
        default=(), converter=tuple_conv, validator=each(StockLot)
    )
    invoices: tuple[Invoice, ...] = field(default=(), converter=tuple_conv, validator=each(Invoice))
    settlements: tuple[Settlement, ...] = field(
        default=(), converter=tuple_conv, validator=each(Settlement)
    )
    contract_accounts: FrozenMap[str, ContractAccount] = field(
        default=FrozenMap(),
        converter=frozenmap_conv,
        validator=_map_of(ContractAccount, "contract_accounts"),
    )
    delivery_proofs: tuple[DeliveryProof, ...] = field(
        default=(), converter=tuple_conv, validator=each(DeliveryProof)
    )
    consignment_settlements: tuple[ConsignmentSettlement, ...] = field(
        default=(), converter=tuple_conv, validator=each(ConsignmentSettlement)
    )
    advance_receipts: FrozenMap[str, Money] = field(
        default=FrozenMap(), converter=frozenmap_conv, validator=_map_of(Money, "advance_receipts")
    )
    orders: tuple[SalesOrder, ...] = field(
        default=(), converter=tuple_conv, validator=[each(SalesOrder), _unique_ids("orders")]
    )
    revenue_entries: tuple[RevenueEntry, ...] = field(
        default=(),
        converter=tuple_conv,
        validator=[each(RevenueEntry), _unique_ids("revenue_entries")],
    )
    # -- document flow (sales: salesctl.controls.orders, .contracts, .commission, .service) --
    contracts: tuple[Contract, ...] = field(
        default=(), converter=tuple_conv, validator=[each(Contract), _unique_ids("contracts")]
    )
    business_approval_forms: tuple[BusinessApprovalForm, ...] = field(
        default=(),
        converter=tuple_conv,
        validator=[each(BusinessApprovalForm), _unique_ids("business_approval_forms")],
    )
    sales_policies: frozenset[str] = field(
        default=frozenset(), converter=frozenset_conv, validator=each(str)
    )
    commissions_paid: FrozenMap[str, Money] = field(
        default=FrozenMap(), converter=frozenmap_conv, validator=_amounts_by_id("commissions_paid")
    )
    # -- centrally sold products (salesctl.controls.delivery, O2C-DL-07) --
    pickup_orders: tuple[PickupOrder, ...] = field(
        default=(),
        converter=tuple_conv,
        validator=[each(PickupOrder), _unique_keys("pickup_orders")],
    )
    consumed_pickup_orders: frozenset[str] = field(
        default=frozenset(), converter=frozenset_conv, validator=each(str)
    )
    ic_cards: tuple[ICCard, ...] = field(
        default=(), converter=tuple_conv, validator=[each(ICCard), _unique_keys("ic_cards")]
    )

    # -- group credit (salesctl.controls.credit: segments and customer groups) --
    segment_exposure: FrozenMap[str, CreditExposure] = field(
        default=FrozenMap(),
        converter=frozenmap_conv,
        validator=_map_of(CreditExposure, "segment_exposure"),
        metadata={OMIT_DEFAULT: True},
    )
    credit_group: CreditGroup | None = field(
        default=None, validator=typed(CreditGroup, optional=True), metadata={OMIT_DEFAULT: True}
    )
    # -- derived once, at construction (not part of the value: equality, hash, repr, JSON) --
    _price_book: FrozenMap[str, tuple[PriceEntry, ...]] = field(
        init=False, eq=False, repr=False, hash=False
    )
    _price_maintainers: frozenset[str] = field(init=False, eq=False, repr=False, hash=False)
    _stock_index: StockIndex | None = field(init=False, eq=False, repr=False, hash=False)

    def __attrs_post_init__(self) -> None:
        # The price book: :attr:`prices` by product id, built once per context (the pricing
        # controls and O2C-SD-01 look every order line up in it). Derived from ``prices`` only.
        object.__setattr__(self, "_price_book", _book(self.prices))
        # Who maintains some price (person keys): O2C-SD-01 walks the lines' prices only
        # when a seller is among them. Derived from ``prices`` only.
        object.__setattr__(self, "_price_maintainers", _maintainers(self.prices))
        # The stock lots indexed (O2C-DL-03, -05). Derived from ``stock_lots`` and ``as_of``
        # (no lots: one shared empty index, which does not depend on ``as_of``).
        lots = self.stock_lots
        object.__setattr__(
            self, "_stock_index", StockIndex(lots, self.as_of) if lots else _NO_STOCK
        )

    def contract(self, contract_id: str) -> Contract | None:
        """The contract document with id ``contract_id`` in :attr:`contracts`, if given."""
        return next((c for c in self.contracts if c.id == contract_id), None)

    def order(self, order_id: str) -> SalesOrder | None:
        """The sales order with id ``order_id`` in :attr:`orders`, if given."""
        return next((o for o in self.orders if o.id == order_id), None)

    def business_approval_form(self, form_id: str) -> BusinessApprovalForm | None:
        """The business approval form with id ``form_id``, if given."""
        return next((f for f in self.business_approval_forms if f.id == form_id), None)

    def prices_for(self, product_id: str) -> tuple[PriceEntry, ...]:
        """The price-master entries of one product, in the order the host gave them."""
        entries: tuple[PriceEntry, ...] = price_book(self).get(product_id, ())
        return entries

    def convert(self, money: Money, currency: str) -> Money:
        """Convert ``money`` into ``currency`` with the context's rates.

        Raises:
            CurrencyMismatch: when no rate (direct or inverse) is on hand.
        """
        if money.currency == currency:
            return money
        rate = self.fx_rates.get(f"{money.currency}/{currency}")
        if rate is not None:
            return money.convert(currency, rate)
        inverse = self.fx_rates.get(f"{currency}/{money.currency}")
        if inverse is not None:
            return money.convert(currency, Decimal(1) / inverse)
        raise CurrencyMismatch(
            f"no exchange rate {money.currency}/{currency} in the context",
            path="Context.fx_rates",
            value=str(money),
        )

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Context:
        """Read a context from JSON data (same field names).

        Raises:
            InvalidInput: naming the field path of anything malformed.
        """
        result: Context = structure(data, cls, "context")
        return result

    def to_dict(self) -> dict[str, Any]:
        """The context as JSON-ready data."""
        out: dict[str, Any] = unstructure(self)
        return out
