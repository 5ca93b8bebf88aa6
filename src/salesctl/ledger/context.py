"""The ledger's trusted :class:`~salesctl.context.Context` builder.

:meth:`Ledger.context_for <salesctl.ledger.Ledger.context_for>` gathers, for one transaction,
values that are already of their fields' types; :func:`trusted_context` sets them on a
``Context`` without running the validators again (a replay builds one context per
transaction). It must yield exactly what the validated constructor yields
(``tests/test_ledger_context.py`` checks that for every context of a generated year). The
builder's helpers gather parts of the context (:func:`scope_contracts`,
:func:`contract_fields`, :func:`flow_fields`, :func:`centrally_sold`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any, cast

import attrs

from salesctl._validators import FrozenMap, person_key
from salesctl.context import Context, _book, _maintainers
from salesctl.decision import _assembly
from salesctl.ledger.state import ContractState
from salesctl.model import ContractAccount, ICCard, PickupOrder, PriceEntry
from salesctl.money import CURRENCIES, Money

__all__ = [
    "advance_money",
    "advance_view",
    "business_date",
    "centrally_sold",
    "contract_account",
    "contract_fields",
    "flow_fields",
    "price_views",
    "scope_contracts",
    "trusted_context",
]


def business_date(at: dt.datetime, zone: dt.tzinfo) -> dt.date:
    """``at.astimezone(zone).date()``: ``at``'s own date when it is given in ``zone`` (the zone
    itself, or a fixed offset equal to it: the same wall time), as the gate's check of a
    context's date tests it, without the conversion (its ``utcoffset()`` calls and the new
    time) otherwise (``tests/test_fastreplay_cpu.py``)."""
    tz = at.tzinfo
    if tz is zone or (type(tz) is dt.timezone and tz == zone):
        return at.date()
    return at.astimezone(zone).date()


def contract_account(c: ContractState) -> ContractAccount:
    """The contract's account in the contract ledger: its value and what was collected (built
    again only when the contract or the amount collected changed)."""
    hit = c.account
    if hit is not None and hit[0] is c.contract and hit[1] is c.collected:
        return cast(ContractAccount, hit[2])
    amount = c.contract.amount
    account = _trusted_account(amount, c.collected)
    if account is None:
        account = ContractAccount(value=amount, collected=Money(c.collected, amount.currency))
    c.account = (c.contract, c.collected, account)
    return account


def scope_contracts(
    contract_ids: list[str],
    orders: dict[str, Any],
    order_contracts: dict[str, str],
    state_of: Callable[[str], ContractState | None],
) -> list[ContractState]:
    """The states (``state_of``) of the contracts ``contract_ids`` names and of those of the
    ``orders`` (their own contract id, then the one ``order_contracts`` holds for them), each
    once, in that order, leaving out those not held."""
    if not orders and len(contract_ids) == 1:  # the usual case: one contract named
        one = state_of(contract_ids[0])
        return [one] if one is not None else []
    cids = dict.fromkeys(contract_ids)
    for o in orders.values():
        for c in (o.contract_id, order_contracts.get(o.id)):
            if c is not None:
                cids.setdefault(c, None)
    held: list[ContractState] = []
    for c in cids:
        k = state_of(c)
        if k is not None:
            held.append(k)
    return held


#: The contract fields of contexts naming one contract, by its id: the contract, the amounts
#: collected and paid they were made from (kept beside them, so their identities stay theirs)
#: and the fields (shared between contexts: immutable).
_CONTRACT_VIEWS: dict[str, tuple[Any, ...]] = {}


def contract_fields(contracts: list[ContractState], kw: dict[str, Any]) -> None:
    """The context's ``contracts``, ``contract_accounts`` and (when any was paid)
    ``commissions_paid`` for the contracts in scope, set in ``kw`` (one pass over them). For
    one contract (most contexts), made once per contract, amount collected and amount paid
    (their identities: each is replaced, never changed, when it changes)."""
    if len(contracts) == 1:
        c = contracts[0]
        k = c.contract
        hit = _CONTRACT_VIEWS.get(k.id)
        if (
            hit is None
            or hit[0] is not k
            or hit[1] is not c.collected
            or hit[2] is not c.commissions_paid
        ):
            one: dict[str, Any] = {}
            _contract_fields(contracts, one)
            paid = one.get("commissions_paid")
            hit = (
                k,
                c.collected,
                c.commissions_paid,
                one["contracts"],
                FrozenMap(one["contract_accounts"]),
                None if paid is None else FrozenMap(paid),
            )
            if len(_CONTRACT_VIEWS) >= 4096:
                _CONTRACT_VIEWS.clear()
            _CONTRACT_VIEWS[k.id] = hit
        kw["contracts"] = hit[3]
        kw["contract_accounts"] = hit[4]
        if hit[5] is not None:
            kw["commissions_paid"] = hit[5]
        return
    _contract_fields(contracts, kw)


def _contract_fields(contracts: list[ContractState], kw: dict[str, Any]) -> None:
    kw["contracts"] = tuple(c.contract for c in contracts)
    accounts: dict[str, ContractAccount] = {}
    paid: dict[str, Money] = {}
    for c in contracts:
        k = c.contract
        accounts[k.id] = contract_account(c)
        if c.commissions_paid:
            paid[k.id] = Money(c.commissions_paid, k.amount.currency)
    kw["contract_accounts"] = accounts
    if paid:
        kw["commissions_paid"] = paid


def flow_fields(
    approved: list[str],
    orders: dict[str, Any],
    entries: dict[str, Any],
    flow: tuple[list[Any], list[Any], list[Any], list[Any], list[Any]],
    kw: dict[str, Any],
) -> None:
    """The context's approved documents, orders, revenue entries and document flow (notices,
    goods issues, invoices, settlements, proofs), each set in ``kw`` when not empty."""
    if approved:
        kw["approved_documents"] = frozenset(approved)
    if orders:
        kw["orders"] = tuple(orders.values())
    if entries:
        kw["revenue_entries"] = tuple(entries.values())
    for name, docs in zip(_FLOW_FIELDS, flow, strict=True):
        if docs:
            kw[name] = tuple(docs)


_FLOW_FIELDS = ("delivery_notices", "goods_issues", "invoices", "settlements", "delivery_proofs")


def centrally_sold(
    gi: Any,
    pickup_orders: dict[str, PickupOrder],
    used_pickups: set[str],
    ic_cards: dict[str, ICCard],
    kw: dict[str, Any],
) -> None:
    """The pickup order or IC card a goods issue names, as the ledger holds them (by
    :func:`person_key`), and whether the pickup order was used (O2C-DL-07), set in ``kw``."""
    pid = gi.pickup_order_id
    if pid is not None:
        key = person_key(pid)
        po = pickup_orders.get(key)
        if po is not None:
            kw["pickup_orders"] = (po,)
        if key in used_pickups:
            kw["consumed_pickup_orders"] = frozenset({po.id if po is not None else pid})
    cid = gi.ic_card_id
    if cid is not None:
        card = ic_cards.get(person_key(cid))
        if card is not None:
            kw["ic_cards"] = (card,)


#: The exponent of each currency's minor unit (what ``Money`` quantises to).
_EXPONENTS = {c: Decimal(1).scaleb(-k) for c, k in CURRENCIES.items()}
_ContractAccountAssembly = _assembly(ContractAccount)


def _trusted_account(value: Money, collected: Decimal) -> ContractAccount | None:
    """``ContractAccount(value=value, collected=Money(collected, value.currency))`` set
    directly when it passes what the constructors check — a finite ``Decimal`` not negative
    that the currency's minor unit holds exactly, a positive value (its currency is one
    ``Money`` accepted) — and ``None`` otherwise (the caller builds it, or raises, the
    validated way)."""
    exp = _EXPONENTS.get(value.currency)
    if exp is None or type(collected) is not Decimal or not collected.is_finite():
        return None
    try:
        q = collected.quantize(exp)
    except ArithmeticError:
        return None
    if q != collected or not q >= 0 or not value.amount > 0:
        return None
    account = _ContractAccountAssembly()
    account.value = value
    account.collected = Money._trusted(q, value.currency)
    account.__class__ = ContractAccount
    return cast(ContractAccount, account)


#: ``Money`` of the advance balances last stated, by the identity of the amount (kept beside
#: it, so the identity stays its own) and the currency.
_ADVANCES: dict[tuple[int, str], tuple[Decimal, Money]] = {}


def advance_money(amount: Decimal, currency: str) -> Money:
    """``Money(amount, currency)``, built once per amount held (a customer's advance balance
    changes only with a receipt or an offset: most contexts state the same one again)."""
    key = (id(amount), currency)
    hit = _ADVANCES.get(key)
    if hit is not None and hit[0] is amount:
        return hit[1]
    money = Money(amount, currency)
    if len(_ADVANCES) >= 4096:
        _ADVANCES.clear()
    _ADVANCES[key] = (amount, money)
    return money


#: The advance balance stated in contexts, by customer and currency: the amount last stated
#: (kept, so its identity stays its own) and its one-entry map.
_ADVANCE_VIEWS: dict[tuple[str, str], tuple[Decimal, FrozenMap[str, Money]]] = {}


def advance_view(customer_id: str, amount: Decimal, currency: str) -> FrozenMap[str, Money]:
    """``FrozenMap({customer_id: advance_money(amount, currency)})``, the context's
    ``advance_receipts``, made once per amount held (shared between contexts: immutable)."""
    key = (customer_id, currency)
    hit = _ADVANCE_VIEWS.get(key)
    if hit is not None and hit[0] is amount:
        return hit[1]
    view = FrozenMap({customer_id: advance_money(amount, currency)})
    if len(_ADVANCE_VIEWS) >= 4096:
        _ADVANCE_VIEWS.clear()
    _ADVANCE_VIEWS[key] = (amount, view)
    return view


#: The price book and maintainers of the price entries of recent contexts, by the entries'
#: identities (the entries kept beside them, so that each identity stays theirs).
_PRICE_VIEWS: dict[tuple[int, ...], tuple[Any, ...]] = {}
#: How many sets of entries :func:`price_views` remembers (then it starts again).
_PRICE_VIEWS_MAX = 4096


def price_views(
    prices: tuple[PriceEntry, ...],
) -> tuple[FrozenMap[str, tuple[PriceEntry, ...]], frozenset[str]]:
    """The price book and the price maintainers the constructor derives from ``prices``
    (:func:`salesctl.context._book`, :func:`~salesctl.context._maintainers`), made once per
    sequence of entries (by identity: the ledger names the same few entries again and again;
    each is immutable, so are the views, shared between contexts)."""
    if not prices:
        return _NO_PRICES
    key = tuple(map(id, prices))
    hit = _PRICE_VIEWS.get(key)
    if hit is None:
        if len(_PRICE_VIEWS) >= _PRICE_VIEWS_MAX:
            _PRICE_VIEWS.clear()
        # the entries kept: no other object takes their identities while remembered
        hit = _PRICE_VIEWS[key] = (_book(prices), _maintainers(prices), prices)
    return hit[0], hit[1]


#: The views of no prices (those of every context without prices: immutable).
_NO_PRICES = (_book(()), _maintainers(()))
#: Contexts are filled by plain slot stores (:func:`salesctl.decision._assembly`).
_ContextAssembly = _assembly(Context)
#: The builders of :func:`trusted_context`, by the keys the ledger gives (in their order).
_BUILDERS: dict[tuple[str, ...], Any] = {}
#: The most key sets kept (a ledger gives a few dozen).
_BUILDERS_MAX = 1024


def _compile(keys: tuple[str, ...]) -> Any:
    """The builder of a context from a ``kw`` with exactly these keys, in this order,
    generated from :class:`Context`'s fields as attrs generates ``__init__``: each field the
    ledger gives is set from its value (a ``dict`` becomes a ``FrozenMap``), every other
    field to its default (a shared immutable value: no field of ``Context`` has a factory)."""
    fields: tuple[attrs.Attribute[Any], ...] = attrs.fields(Context)
    init = {a.name: a for a in fields if a.init}
    ns: dict[str, Any] = {
        "_Assembly": _ContextAssembly,
        "_Context": Context,
        "_FM": FrozenMap,
        "_views": price_views,
    }
    given = [f"v{i}" for i in range(len(keys))]
    body = ["def build(kw):"]
    if set(keys) - init.keys() or any(
        isinstance(a.default, attrs.Factory)  # type: ignore[arg-type]
        or (a.default is attrs.NOTHING and a.name not in keys)
        for a in init.values()
    ):
        body.append("    return _Context(**kw)")  # let the constructor say what is wrong
    else:
        if keys:
            body.append(f"    {', '.join(given)}{',' if len(keys) == 1 else ''} = kw.values()")
        # stored straight into the slots (an assembly of the class, then its class set)
        body.append("    ctx = _Assembly()")
        for i, a in enumerate(init.values()):
            if a.name in keys:
                v = given[keys.index(a.name)]
                body.append(f"    if type({v}) is dict:")
                body.append(f"        {v} = _FM({v})")
                body.append(f"    ctx.{a.name} = {v}")
            else:
                ns[f"_d{i}"] = a.default
                body.append(f"    ctx.{a.name} = _d{i}")
        # what the constructor derives from the fields (the price book and its maintainers
        # now, the stock index when a control first asks for it), stored the same way
        prices = given[keys.index("prices")] if "prices" in keys else "_d_prices"
        ns["_d_prices"] = init["prices"].default
        body.append(f"    ctx._price_book, ctx._price_maintainers = _views({prices})")
        body.append("    ctx._stock_index = None")
        body.append("    ctx.__class__ = _Context")
        body.append("    return ctx")
    exec(compile("\n".join(body), "<salesctl trusted context>", "exec"), ns)
    return ns["build"]


#: How many contexts of one key set :func:`trusted_context` builds from the fields' spec
#: (:func:`_build_from_spec`) before it generates the key set's builder (:func:`_compile`):
#: about half the key sets of a demo year occur a few dozen times or fewer, where generating
#: and compiling a builder costs more than it saves. Measured on the default demo year (the
#: whole command's instructions): 0 (always generated) +18 M, 12 −61 M, 32 −59 M against 128.
_COMPILE_AFTER = 32
#: How many contexts of each key set not yet compiled were built (bounded as ``_BUILDERS``).
_USES: dict[tuple[str, ...], int] = {}


def _init_spec() -> tuple[tuple[tuple[str, Any], ...], frozenset[str], bool]:
    """:class:`Context`'s init fields in order with their defaults, their names, and whether
    :func:`_compile` would leave every key set to the constructor (a field with a factory)."""
    fields: tuple[attrs.Attribute[Any], ...] = attrs.fields(Context)
    init = [a for a in fields if a.init]
    factory = any(isinstance(a.default, attrs.Factory) for a in init)  # type: ignore[arg-type]
    return tuple((a.name, a.default) for a in init), frozenset(a.name for a in init), factory


_SPEC, _INIT_NAMES, _ANY_FACTORY = _init_spec()


def _build_from_spec(kw: dict[str, Any]) -> Context:
    """What :func:`_compile`'s builder for ``kw``'s keys gives, the same decisions read from
    :class:`Context`'s fields instead of generated code: the constructor when a key is not
    an init field or a field without a default is not given (or a field has a factory);
    otherwise each field set from ``kw`` (a ``dict`` becomes a ``FrozenMap``) or to its
    default, then the price views and the stock index derived as the builder does."""
    if _ANY_FACTORY or not kw.keys() <= _INIT_NAMES:
        return Context(**kw)
    ctx = _ContextAssembly()
    missing = attrs.NOTHING
    for name, default in _SPEC:
        v = kw.get(name, missing)
        if v is missing:
            if default is missing:
                return Context(**kw)  # let the constructor say what is wrong
            v = default
        elif type(v) is dict:
            v = FrozenMap(v)
        setattr(ctx, name, v)
    ctx._price_book, ctx._price_maintainers = price_views(ctx.prices)
    ctx._stock_index = None
    ctx.__class__ = Context
    return cast(Context, ctx)


def trusted_context(kw: dict[str, Any]) -> Context:
    """Build the context from values the ledger holds, without validating them again.

    Every value is already of its field's type (documents validated when their events were
    read; tuples, frozensets and FrozenMaps built here; ids unique, amounts not negative), so
    the ledger sets the fields directly, like the gate builds its decisions: a function
    generated once per set of keys the ledger gives (:func:`_compile`) sets each field in
    turn, once :data:`_COMPILE_AFTER` contexts of that key set were built from the fields'
    spec (:func:`_build_from_spec`, the same context). A field the ledger does not give
    takes its default.
    """
    keys = tuple(kw)
    build = _BUILDERS.get(keys)
    if build is None:
        n = _USES.get(keys, 0) + 1
        if n <= _COMPILE_AFTER:
            if len(_USES) >= _BUILDERS_MAX:
                _USES.clear()
            _USES[keys] = n
            return _build_from_spec(kw)
        if len(_BUILDERS) >= _BUILDERS_MAX:
            _BUILDERS.clear()
        build = _BUILDERS[keys] = _compile(keys)
        _USES.pop(keys, None)
    return cast(Context, build(kw))
