"""Hypothesis strategies for salesctl values: property-test a host integration.

A host ERP never shows us its integration code, so salesctl ships the generators a host needs
to fuzz it: valid money, documents, transactions, contexts, policies (with valid
price-authority trees) and event streams, and *invalid* variants of each that must be refused
with a :class:`~salesctl.errors.SalesctlError` naming the field path.

Hypothesis is not a runtime dependency of salesctl; it is imported here only. Install the
test extra to use this module::

    pip install "salesctl[test]"

Valid values are built from the attrs field types of the classes
(:func:`salesctl._convert.fields_of`), so a document or transaction added later is covered
with no change here; the core values whose validity spans several fields (money, actors,
credit profiles, customers, orders, exposures, approvals, releases, contexts, policies,
decisions) have explicit, readable strategies.

>>> from hypothesis import given, settings
>>> import salesctl as sc
>>> from salesctl import testing as sct
>>> @settings(max_examples=10, deadline=None)
... @given(sct.order_checks())
... def test_the_outcome_is_the_strictest_finding(check):
...     txn, ctx = check
...     d = sc.Gate().check(txn, ctx)
...     assert d.outcome == max((f.outcome for f in d.findings), default=sc.Outcome.ALLOW)
>>> test_the_outcome_is_the_strictest_finding()

Invalid inputs come as :class:`Invalid` cases: the bad data, the path the error must name and
the error class; :meth:`Invalid.assert_rejected_by` checks a boundary against one.

Generation rules of the generic builder (documented because a host's own classes follow them):

* every object of one draw uses one currency (mixing is what the explicit strategies test);
* within one object, dates and times never go backwards in field order (``valid_from`` before
  ``valid_to``, ``granted_at`` before ``expires_at``), and amounts after the first never exceed
  the first (``to_receivables`` within ``amount``);
* numbers are above zero (quantities up to 10 000, other decimals fractions up to 1);
* in a list of documents, line numbers run 1, 2, 3 and ids are distinct;
* a document next to a sales order in a transaction carries that order's id.
"""

from __future__ import annotations

import datetime as dt
import enum
import functools
import json
import types
import typing
from collections.abc import Callable, Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any, ParamSpec, TypeVar, Union

import attrs

try:
    from hypothesis import strategies as st
    from hypothesis.strategies import SearchStrategy
except ImportError as e:  # pragma: no cover - depends on the environment
    raise ImportError('salesctl.testing needs hypothesis: pip install "salesctl[test]"') from e

from salesctl._convert import fields_of, unstructure
from salesctl._validators import FrozenMap
from salesctl.context import Context
from salesctl.decision import MESSAGES, ApprovalRequirement, Decision, Finding, Outcome
from salesctl.errors import InvalidInput, PolicyError, SalesctlError, UnknownTransaction
from salesctl.model import (
    Actor,
    Approval,
    ConcessionKind,
    CreditExposure,
    CreditProfile,
    CreditRelease,
    Customer,
    OrderLine,
    PaymentMethod,
    PaymentTerms,
    PriceClass,
    PriceEntry,
    Product,
    SalesOrder,
)
from salesctl.money import CURRENCIES, Money
from salesctl.policy import Policy
from salesctl.transactions import (
    TRANSACTION_TYPES,
    PlaceOrder,
    ReleaseOrder,
    SetCreditProfile,
    Transaction,
    transaction_to_dict,
)

__all__ = [
    "DEFAULT_CURRENCIES",
    "Invalid",
    "actors",
    "amounts",
    "approvals",
    "concession_steps",
    "contexts",
    "credit_exposures",
    "credit_policies",
    "credit_profiles",
    "credit_releases",
    "currencies",
    "customers",
    "datetimes",
    "decisions",
    "documents",
    "event_streams",
    "findings",
    "from_type",
    "identifiers",
    "invalid_context_data",
    "invalid_data",
    "invalid_decision_data",
    "invalid_event_lines",
    "invalid_kwargs",
    "invalid_policy_toml",
    "invalid_transaction_data",
    "junk_json",
    "money",
    "mutate",
    "mutated_json",
    "order_checks",
    "order_lines",
    "policies",
    "price_authority_trees",
    "pricing_policies",
    "products",
    "register_strategy",
    "sales_orders",
    "texts",
    "transactions",
]

#: The currencies drawn by default: two-, zero- and three-decimal minor units.
DEFAULT_CURRENCIES: tuple[str, ...] = ("CNY", "USD", "EUR", "JPY", "KWD")

_TZS = tuple(
    dt.timezone(dt.timedelta(hours=h, minutes=m))
    for h, m in ((8, 0), (0, 0), (-5, 0), (5, 30), (9, 0), (-3, -30), (14, 0))
)
_DAY0 = dt.date(2026, 3, 2)
_HUMAN = st.characters(codec="utf-8", exclude_categories=("Cs", "Cc", "Zl", "Zp"))


# -- primitives -----------------------------------------------------------------------------

_P = ParamSpec("_P")
_R = TypeVar("_R")


def _memo(fn: Callable[_P, _R]) -> Callable[_P, _R]:
    """Return the same strategy object for the same (hashable) arguments.

    Hypothesis validates every new strategy object on its first draw; the builders below are
    called for every nested value, so reusing the objects keeps generation fast.
    """
    cache: dict[Any, _R] = {}

    @functools.wraps(fn)
    def wrapper(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        key = (args, tuple(sorted(kwargs.items())))
        try:
            hash(key)
        except TypeError:
            return fn(*args, **kwargs)
        if key not in cache:
            cache[key] = fn(*args, **kwargs)
        return cache[key]

    return wrapper


def currencies(*, codes: Iterable[str] | None = None) -> SearchStrategy[str]:
    """ISO 4217 codes salesctl knows.

    Args:
        codes: draw from these (default: CNY, USD, EUR, JPY and KWD, which cover the two-,
            zero- and three-decimal minor units).

    Raises:
        InvalidInput: if a code is not one of :data:`salesctl.money.CURRENCIES`.
    """
    pool = tuple(codes) if codes is not None else DEFAULT_CURRENCIES
    for c in pool:
        if c not in CURRENCIES:
            raise InvalidInput("is not a known ISO 4217 currency code", path="codes", value=c)
    return st.sampled_from(pool)


@_memo
def amounts(
    currency: str, *, min_value: Decimal | int = 0, max_value: Decimal | int = 10_000_000
) -> SearchStrategy[Decimal]:
    """Exact decimal amounts with the currency's minor unit (``12.34`` for CNY, ``12`` for JPY).

    Args:
        currency: the ISO 4217 code.
        min_value: the smallest amount (rounded up to the minor unit).
        max_value: the largest amount (rounded down to the minor unit).
    """
    places = CURRENCIES[currency]
    scale = Decimal(10) ** places
    lo = int((Decimal(min_value) * scale).to_integral_value(rounding="ROUND_CEILING"))
    hi = int((Decimal(max_value) * scale).to_integral_value(rounding="ROUND_FLOOR"))
    return st.integers(lo, hi).map(lambda n: Decimal(n).scaleb(-places))


@_memo
def money(
    currency: str | None = None,
    *,
    min_value: Decimal | int = 0,
    max_value: Decimal | int = 10_000_000,
) -> SearchStrategy[Money]:
    """Valid :class:`~salesctl.money.Money`.

    Args:
        currency: the currency; drawn from :func:`currencies` when ``None``.
        min_value: the smallest amount.
        max_value: the largest amount.
    """
    if currency is None:
        return currencies().flatmap(lambda c: money(c, min_value=min_value, max_value=max_value))
    return amounts(currency, min_value=min_value, max_value=max_value).map(
        lambda a: Money(a, currency)
    )


@_memo
def identifiers(prefix: str = "ID") -> SearchStrategy[str]:
    """Document and actor ids such as ``"SO-17"`` (no blanks, no dots)."""
    return st.builds(
        lambda n, tail: f"{prefix}-{n}{tail}", st.integers(1, 999), st.sampled_from(["", "", "甲"])
    )


@_memo
def texts(*, max_size: int = 16) -> SearchStrategy[str]:
    """Non-blank human text, Chinese and other scripts included (names, reasons, titles)."""
    return st.text(_HUMAN, min_size=1, max_size=max_size).map(lambda s: s if s.strip() else "x" + s)


def datetimes(
    *, min_value: dt.datetime | None = None, max_value: dt.datetime | None = None
) -> SearchStrategy[dt.datetime]:
    """Timezone-aware datetimes (offsets from UTC-5 to UTC+14) around 2026."""
    return st.datetimes(
        min_value=(min_value or dt.datetime(2025, 1, 1)).replace(tzinfo=None),
        max_value=(max_value or dt.datetime(2027, 12, 31)).replace(tzinfo=None),
        timezones=st.sampled_from(_TZS),
    )


# -- the generic builder ----------------------------------------------------------------------

Factory = Callable[[str], SearchStrategy[Any]]

#: Explicit strategies by class: ``cls -> factory(currency) -> strategy``.
_REGISTRY: dict[type, Factory] = {}


_BOOLS = st.booleans()


@functools.cache
def _ints(lo: int, hi: int) -> SearchStrategy[int]:
    # Strategies are cached: hypothesis validates each new strategy object on first use, which
    # would otherwise dominate the cost of the many small draws of the generic builder.
    return st.integers(lo, hi)


@functools.cache
def _members(tp: type[enum.Enum]) -> SearchStrategy[Any]:
    return st.sampled_from(list(tp))


_BUILT: dict[tuple[type, str], SearchStrategy[Any]] = {}


def _registered(cls: type, currency: str) -> SearchStrategy[Any]:
    key = (cls, currency)
    found = _BUILT.get(key)
    if found is None:
        found = _BUILT[key] = _REGISTRY[cls](currency)
    return found


def register_strategy(cls: type, factory: Factory) -> None:
    """Use ``factory(currency)`` for ``cls`` wherever the generic builder meets it.

    A host registers strategies for its own classes (or to narrow salesctl's) this way; the
    factory receives the currency of the draw so that amounts stay consistent.

    Raises:
        InvalidInput: if ``cls`` is not a class.
    """
    if not isinstance(cls, type):
        raise InvalidInput("must be a class", path="cls", value=cls)
    _REGISTRY[cls] = factory
    _BUILT.clear()


@attrs.define
class _Env:
    """One draw's shared facts: the currency and the anchor date and time."""

    currency: str
    day: dt.date
    now: dt.datetime
    sizes: int = 3


@attrs.define
class _Cursor:
    """Per-object monotone dates/times and the cap on later amounts (see the module docs)."""

    day: dt.date
    now: dt.datetime
    cap: Decimal | None = None


def _envs(currency: str | None = None, sizes: int = 3) -> SearchStrategy[_Env]:
    cur = st.just(currency) if currency is not None else currencies()
    return st.builds(
        lambda c, day, now: _Env(c, day, now, sizes),
        cur,
        st.dates(dt.date(2025, 6, 1), dt.date(2027, 6, 1)),
        datetimes(),
    )


def _optional(tp: Any) -> tuple[Any, bool]:
    if typing.get_origin(tp) in (Union, types.UnionType):
        args = typing.get_args(tp)
        if type(None) in args:
            rest = [a for a in args if a is not type(None)]
            return (rest[0] if len(rest) == 1 else Union[tuple(rest)]), True  # noqa: UP007
    return tp, False


_NAMED_TEXT = frozenset(
    {"name", "title", "reason", "description", "signed_by", "note", "title_zh", "title_en"}
)
_ROLES = (
    "sales_rep",
    "sales_manager",
    "sales_director",
    "credit_manager",
    "credit_master_maintainer",
    "marketing_head",
    "finance_head",
    "general_manager",
    "business_vp",
    "chief_accountant",
    "office_meeting",
    "price_committee",
)


@functools.cache
def _text_for(name: str, owner: type | None) -> SearchStrategy[str]:
    if name in _NAMED_TEXT:
        return texts()
    if name in ("role", "approval_role") or name.endswith("_role"):
        return st.sampled_from(_ROLES)
    if name in ("currency", "base_currency"):
        return currencies()
    if name == "series":
        return st.sampled_from(["SO-2026", "SO-2027", "QT-2026"])
    if name == "unit":
        return st.sampled_from(["pcs", "t", "kg", "箱"])
    if name == "org_unit":
        return st.sampled_from(["", "east-1", "east-2", "finance"])
    if name == "pair":
        return st.sampled_from(["USD/CNY", "EUR/CNY", "CNY/JPY"])
    if name == "control_id":
        from salesctl.controls import CONTROLS

        return st.sampled_from(sorted(CONTROLS))
    if name == "message":
        return st.sampled_from(sorted(MESSAGES))
    if owner is ApprovalRequirement and name == "amount":
        return st.one_of(st.just(""), money().map(str))
    prefix = "".join(p[:1] for p in name.split("_")).upper() or "X"
    return identifiers(prefix)


def _draw(draw: st.DrawFn, tp: Any, env: _Env, cur: _Cursor, name: str, owner: type | None) -> Any:
    """One valid value of type ``tp`` for field ``name`` of ``owner``."""
    base, optional = _optional(tp)
    if optional and draw(_ints(0, 2)) == 0:
        return None
    tp = base
    if isinstance(tp, type) and tp in _REGISTRY:
        return draw(_registered(tp, env.currency))
    origin = typing.get_origin(tp)
    if tp is str:
        return draw(_text_for(name, owner))
    if tp is bool:
        return draw(_BOOLS)
    if tp is int:
        return draw(_ints(1, 30))
    if tp is Decimal:
        if "quantity" in name:
            return draw(amounts("KWD", min_value=Decimal("0.001"), max_value=10_000))
        return draw(amounts("CNY", min_value=Decimal("0.01"), max_value=1))
    if tp is Money:
        ceiling = cur.cap if cur.cap is not None else Decimal(10_000_000)
        unit = Decimal(1).scaleb(-CURRENCIES[env.currency])
        value = draw(money(env.currency, min_value=unit, max_value=max(ceiling, unit)))
        if cur.cap is None:
            cur.cap = value.amount
        return value
    if tp is dt.datetime:
        cur.now = cur.now + dt.timedelta(seconds=draw(_ints(1, 40 * 86400)))
        return cur.now
    if tp is dt.date:
        cur.day = cur.day + dt.timedelta(days=draw(_ints(0, 40)))
        return cur.day
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        return draw(_members(tp))
    if origin is tuple:
        args = typing.get_args(tp)
        if len(args) == 2 and args[1] is Ellipsis:
            n = draw(_ints(1 if name in _NON_EMPTY else 0, env.sizes))
            values = [_draw(draw, args[0], env, _cursor(env), name, owner) for _ in range(n)]
            return tuple(_distinct(values, args[0]))
        return tuple(_draw(draw, a, env, _cursor(env), name, owner) for a in args)
    if origin is frozenset:
        (arg,) = typing.get_args(tp)
        n = draw(_ints(0, env.sizes))
        return frozenset(_draw(draw, arg, env, _cursor(env), name, owner) for _ in range(n))
    if origin in (FrozenMap, Mapping) or tp is FrozenMap:
        _kt, vt = typing.get_args(tp) or (str, Any)
        n = draw(_ints(0, env.sizes))
        keys = {draw(_text_for(name + "_key", owner)) for _ in range(n)}
        return FrozenMap({k: _draw(draw, vt, env, _cursor(env), name, owner) for k in sorted(keys)})
    if isinstance(tp, type) and attrs.has(tp):
        return _draw_attrs(draw, tp, env)
    if tp is Any:
        return draw(st.none())
    raise InvalidInput(f"no strategy for type {tp!r}", path=name)  # pragma: no cover


#: Tuple fields that validators require to be non-empty.
_NON_EMPTY = frozenset({"lines", "goods_issue_ids", "approvals"})


def _cursor(env: _Env) -> _Cursor:
    return _Cursor(env.day - dt.timedelta(days=60), env.now - dt.timedelta(days=60))


def _distinct(values: list[Any], tp: Any) -> list[Any]:
    """Line numbers 1, 2, 3…; documents with distinct ids (see the module docs)."""
    if not (isinstance(tp, type) and attrs.has(tp)):
        return values
    names = {a.name for a in attrs.fields(tp)}
    if "line_no" in names:
        values = [attrs.evolve(v, line_no=i + 1) for i, v in enumerate(values)]
    if "id" in names:
        seen: set[Any] = set()
        kept = []
        for v in values:
            if v.id not in seen:
                seen.add(v.id)
                kept.append(v)
        values = kept
    return values


def _link(kwargs: dict[str, Any]) -> None:
    """A document next to a sales order carries the order's id (IssueDeliveryNotice, …)."""
    order = kwargs.get("order")
    if not isinstance(order, SalesOrder):
        return
    for k, v in kwargs.items():
        if k != "order" and attrs.has(type(v)) and hasattr(v, "order_id"):
            names = {a.name for a in attrs.fields(type(v)) if a.init}
            if "order_id" in names:
                kwargs[k] = attrs.evolve(v, order_id=order.id)


def _draw_attrs(draw: st.DrawFn, cls: type, env: _Env) -> Any:
    if cls in _REGISTRY:
        return draw(_registered(cls, env.currency))
    last: SalesctlError | None = None
    for _attempt in range(4):
        cur = _cursor(env)
        kwargs: dict[str, Any] = {}
        for name, ftype, required in fields_of(cls):
            if not required and draw(_ints(0, 3)) == 0:
                continue  # leave the default
            kwargs[name] = _draw(draw, ftype, env, cur, name, cls)
        _link(kwargs)
        try:
            return cls(**kwargs)
        except SalesctlError as e:
            last = e
    from hypothesis import reject

    reject()
    raise last  # pragma: no cover - reject() raises


@_memo
def from_type(tp: Any, *, currency: str | None = None) -> SearchStrategy[Any]:
    """Valid values of any type salesctl reads: an attrs class (document, transaction,
    record, policy), ``Money``, ``Decimal``, ``tuple[X, ...]``, ``X | None``, …

    Built from the field types (see the module docs for the rules); classes with an explicit
    strategy (:func:`register_strategy`) use it.

    Args:
        tp: the type.
        currency: the currency of every amount in the value (drawn when ``None``).
    """

    @st.composite
    def build(draw: st.DrawFn) -> Any:
        env = draw(_envs(currency))
        return _draw(draw, tp, env, _cursor(env), "value", None)

    return build()


# -- the core values, explicitly --------------------------------------------------------------


@_memo
def actors(
    *,
    ids: Sequence[str] | None = None,
    roles: Sequence[str] | None = None,
    org_units: Sequence[str] = ("", "east-1", "east-2", "finance"),
    max_level: int = 6,
) -> SearchStrategy[Actor]:
    """Valid :class:`~salesctl.model.Actor` s.

    Args:
        ids: draw the id from these (default: ``"u-1"`` … ``"u-999"``).
        roles: draw up to three roles from these (default: the roles the default policy uses).
        org_units: draw the organisation unit from these.
        max_level: the highest authority level.
    """
    id_s = st.sampled_from(list(ids)) if ids else identifiers("u")
    role_s = st.sampled_from(list(roles) if roles else list(_ROLES))
    return st.builds(
        lambda i, r, o, lv, n: Actor(id=i, roles=r, org_unit=o, authority_level=lv, name=n),
        id_s,
        st.frozensets(role_s, max_size=3),
        st.sampled_from(list(org_units)),
        st.integers(0, max_level),
        st.one_of(st.just(""), texts()),
    )


@_memo
def credit_profiles(
    currency: str | None = None,
    *,
    grades: Sequence[str] = ("AAA", "AA", "A", "B", "C", "HIGH_RISK"),
    max_limit: Decimal | int = 5_000_000,
    people: Sequence[str] = ("u-prop", "u-appr", "u-fin", "u-rep"),
) -> SearchStrategy[CreditProfile]:
    """Valid :class:`~salesctl.model.CreditProfile` s (limit in ``currency``).

    Args:
        currency: the limit's currency (drawn when ``None``).
        grades: draw the grade from these.
        max_limit: the largest limit.
        people: ids of proposers, approvers and maintainers.
    """
    if currency is None:
        return currencies().flatmap(
            lambda c: credit_profiles(c, grades=grades, max_limit=max_limit, people=people)
        )
    person = st.sampled_from(list(people))
    return st.builds(
        lambda g, lim, term, rev, prop, appr, letter, maint: CreditProfile(
            grade=g,
            limit=lim,
            term_days=term,
            reviewed_on=rev,
            proposed_by=prop,
            approved_by=appr,
            collection_letter_ref=letter,
            maintained_by=maint,
        ),
        st.sampled_from(list(grades)),
        money(currency, max_value=max_limit),
        st.integers(0, 180),
        st.dates(dt.date(2024, 1, 1), dt.date(2026, 12, 31)),
        person,
        st.lists(person, max_size=3, unique=True).map(tuple),
        st.one_of(st.none(), identifiers("HKHL")),
        st.one_of(st.none(), person),
    )


@_memo
def customers(
    currency: str | None = None, *, profile: SearchStrategy[CreditProfile | None] | None = None
) -> SearchStrategy[Customer]:
    """Valid :class:`~salesctl.model.Customer` s, with or without a credit profile.

    Args:
        currency: the currency of the credit limit.
        profile: the profile strategy (default: :func:`credit_profiles` or ``None``).
    """
    prof = profile if profile is not None else st.one_of(st.none(), credit_profiles(currency))
    return st.builds(
        lambda i, n, p, c: Customer(id=i, name=n, credit_profile=p, created_on=c),
        identifiers("C"),
        st.one_of(st.just(""), texts()),
        prof,
        st.one_of(st.none(), st.dates(dt.date(2020, 1, 1), dt.date(2026, 12, 31))),
    )


@_memo
def products(
    *, ids: Sequence[str] | None = None, price_classes: Sequence[PriceClass] | None = None
) -> SearchStrategy[Product]:
    """Valid :class:`~salesctl.model.Product` s.

    Args:
        ids: draw the material number from these.
        price_classes: draw the price class from these (default: every class).
    """
    return st.builds(
        lambda i, n, pc, u: Product(id=i, name=n, price_class=pc, unit=u),
        st.sampled_from(list(ids)) if ids else identifiers("P"),
        st.one_of(st.just(""), texts()),
        st.sampled_from(list(price_classes) if price_classes else list(PriceClass)),
        st.sampled_from(["pcs", "t", "kg"]),
    )


@_memo
def order_lines(
    currency: str,
    *,
    line_no: int = 1,
    product: SearchStrategy[Product] | None = None,
    unit_price: SearchStrategy[Decimal] | None = None,
) -> SearchStrategy[OrderLine]:
    """Valid :class:`~salesctl.model.OrderLine` s in ``currency``.

    Args:
        currency: the line's currency.
        line_no: the line number.
        product: the product strategy.
        unit_price: the unit-price amount strategy (default: up to 100 000).
    """
    price = unit_price if unit_price is not None else amounts(currency, max_value=100_000)

    @st.composite
    def build(draw: st.DrawFn) -> OrderLine:
        up = Money(draw(price), currency)
        list_price = None
        if draw(st.integers(0, 2)) == 0:
            list_price = Money(
                up.amount + draw(amounts(currency, max_value=max(up.amount, Decimal(1)))),
                currency,
            )
        return OrderLine(
            line_no=line_no,
            product=draw(product if product is not None else products()),
            quantity=draw(amounts("KWD", min_value=Decimal("0.001"), max_value=1000)),
            unit_price=up,
            list_price=list_price,
        )

    return build()


@_memo
def sales_orders(
    currency: str | None = None,
    *,
    customer: SearchStrategy[Customer] | None = None,
    methods: Sequence[PaymentMethod] | None = None,
    max_lines: int = 3,
    line: Callable[[int], SearchStrategy[OrderLine]] | None = None,
    created_by: SearchStrategy[str] | None = None,
    ids: SearchStrategy[str] | None = None,
) -> SearchStrategy[SalesOrder]:
    """Valid :class:`~salesctl.model.SalesOrder` s: lines numbered 1…n in one currency,
    concessions in that currency naming existing lines.

    Args:
        currency: the order's currency (drawn when ``None``).
        customer: the customer strategy (default: :func:`customers`).
        methods: draw the payment method from these (default: every method).
        max_lines: the most lines.
        line: ``line(line_no)`` -> strategy of lines (default: :func:`order_lines`).
        created_by: the proposer's id strategy.
        ids: the order id strategy.
    """
    if currency is None:
        return currencies().flatmap(
            lambda c: sales_orders(
                c,
                customer=customer,
                methods=methods,
                max_lines=max_lines,
                line=line,
                created_by=created_by,
                ids=ids,
            )
        )
    make_line = line if line is not None else (lambda n: order_lines(currency, line_no=n))

    @st.composite
    def build(draw: st.DrawFn) -> SalesOrder:
        n = draw(st.integers(1, max_lines))
        lines = tuple(draw(make_line(i + 1)) for i in range(n))
        concessions = []
        for _ in range(draw(st.integers(0, 2))):
            from salesctl.model import Concession

            concessions.append(
                Concession(
                    kind=draw(st.sampled_from(list(ConcessionKind))),
                    value=draw(money(currency, min_value=1, max_value=50_000)),
                    line_no=draw(st.one_of(st.none(), st.integers(1, n))),
                    reference=draw(st.one_of(st.just(""), identifiers("PROMO"))),
                )
            )
        method = draw(st.sampled_from(list(methods) if methods else list(PaymentMethod)))
        seq = draw(st.integers(1, 9999))
        return SalesOrder(
            id=draw(ids) if ids is not None else f"SO-2026-{seq:04d}",
            series="SO-2026",
            seq=seq,
            customer=draw(customer if customer is not None else customers(currency)),
            lines=lines,
            payment=PaymentTerms(method, draw(st.integers(0, 120))),
            created_by=draw(created_by) if created_by is not None else draw(identifiers("u")),
            order_date=draw(st.dates(dt.date(2025, 6, 1), dt.date(2027, 6, 1))),
            contract_id=draw(st.one_of(st.none(), identifiers("CT"))),
            collection_letter_ref=draw(st.one_of(st.none(), identifiers("HKHL"))),
            concessions=tuple(concessions),
        )

    return build()


@_memo
def credit_exposures(
    currency: str | None = None,
    *,
    max_value: Decimal | int = 3_000_000,
    overdue_since: SearchStrategy[dt.date] | None = None,
) -> SearchStrategy[CreditExposure]:
    """Valid :class:`~salesctl.model.CreditExposure` s: one currency, overdue within open
    receivables, an oldest due date whenever something is overdue.

    Args:
        currency: the exposure's currency (drawn when ``None``).
        max_value: the largest amount per category.
        overdue_since: the strategy of the oldest overdue due date.
    """
    if currency is None:
        return currencies().flatmap(
            lambda c: credit_exposures(c, max_value=max_value, overdue_since=overdue_since)
        )
    since = overdue_since or st.dates(dt.date(2025, 6, 1), dt.date(2027, 6, 1))

    @st.composite
    def build(draw: st.DrawFn) -> CreditExposure:
        amt = amounts(currency, max_value=max_value)
        receivables = draw(amt)
        overdue = draw(st.one_of(st.just(Decimal(0)), amounts(currency, max_value=receivables)))
        oldest = draw(since) if overdue else draw(st.one_of(st.none(), since))
        return CreditExposure(
            open_orders=Money(draw(amt), currency),
            delivered_not_invoiced=Money(draw(amt), currency),
            open_receivables=Money(receivables, currency),
            overdue_receivables=Money(overdue, currency),
            oldest_overdue_due=oldest,
        )

    return build()


@_memo
def approvals(
    *,
    document_ids: Sequence[str] = ("SO-2026-0042",),
    roles: Sequence[str] | None = None,
    approvers: SearchStrategy[Actor] | None = None,
    at: dt.datetime | None = None,
    currency: str | None = None,
) -> SearchStrategy[Approval]:
    """Valid :class:`~salesctl.model.Approval` s for the given documents.

    The approver usually holds the role it signs in, not always (an approval in a role the
    approver lacks must not clear anything).

    Args:
        document_ids: draw the approved document from these.
        roles: draw the role from these (default: the roles the default policy uses).
        approvers: the approver strategy (default: :func:`actors` with the role).
        at: times are drawn around this moment (default: 2026-03-02 10:15 +08:00).
        currency: the currency of ``max_amount`` (drawn when ``None``).
    """
    role_list = list(roles) if roles else list(_ROLES)
    moment = at or dt.datetime(2026, 3, 2, 10, 15, tzinfo=_TZS[0])

    @st.composite
    def build(draw: st.DrawFn) -> Approval:
        role = draw(st.sampled_from(role_list))
        who = draw(approvers if approvers is not None else actors(roles=role_list))
        if draw(st.integers(0, 4)):
            who = attrs.evolve(who, roles=who.roles | {role})
        granted = moment + dt.timedelta(hours=draw(st.integers(-24 * 30, 6)))
        expires = draw(
            st.one_of(
                st.none(),
                st.none(),
                st.integers(-24 * 3, 24 * 60).map(lambda h: moment + dt.timedelta(hours=h)),
            )
        )
        cur = currency or draw(currencies())
        return Approval(
            id=draw(identifiers("APR")),
            document_id=draw(st.sampled_from(list(document_ids))),
            role=role,
            approver=who,
            granted_at=granted,
            expires_at=expires,
            max_amount=draw(st.one_of(st.none(), st.none(), money(cur, max_value=5_000_000))),
            control_id=draw(
                st.one_of(st.none(), st.none(), st.none(), st.sampled_from(_control_ids()))
            ),
        )

    return build()


def _control_ids() -> list[str]:
    from salesctl.controls import CONTROLS

    return sorted(CONTROLS)


@_memo
def credit_releases(
    *,
    order_ids: Sequence[str] = ("SO-2026-0042",),
    granters: SearchStrategy[Actor] | None = None,
    at: dt.datetime | None = None,
    currency: str | None = None,
    max_amount: Decimal | int = 5_000_000,
    min_amount: Decimal | int = 1,
) -> SearchStrategy[CreditRelease]:
    """Valid one-time :class:`~salesctl.model.CreditRelease` s (expiry after grant).

    Args:
        order_ids: draw the released order from these.
        granters: the granter strategy (default: :func:`actors`).
        at: times are drawn around this moment.
        currency: the currency of the maximum amount (drawn when ``None``).
        max_amount: the largest maximum amount.
        min_amount: the smallest maximum amount.
    """
    moment = at or dt.datetime(2026, 3, 2, 10, 15, tzinfo=_TZS[0])

    @st.composite
    def build(draw: st.DrawFn) -> CreditRelease:
        granted = moment + dt.timedelta(hours=draw(st.integers(-24 * 7, 2)))
        expires = granted + dt.timedelta(hours=draw(st.integers(1, 24 * 14)))
        cur = currency or draw(currencies())
        return CreditRelease(
            id=draw(identifiers("REL")),
            order_id=draw(st.sampled_from(list(order_ids))),
            max_amount=draw(money(cur, min_value=min_amount, max_value=max_amount)),
            granted_by=draw(granters if granters is not None else actors()),
            granted_at=granted,
            expires_at=expires,
            reason=draw(st.one_of(st.just(""), texts())),
        )

    return build()


#: Context fields with explicit strategies in :func:`contexts`; every other field is generic.
_CONTEXT_EXPLICIT = frozenset(
    {
        "as_of",
        "exposure",
        "approvals",
        "releases",
        "consumed_releases",
        "last_numbers",
        "fx_rates",
        "prices",
    }
)


def _fx_rates() -> SearchStrategy[FrozenMap[str, Decimal]]:
    pairs = ["USD/CNY", "EUR/CNY", "CNY/JPY", "KWD/CNY", "USD/EUR", "EUR/USD", "JPY/USD"]
    return st.dictionaries(
        st.sampled_from(pairs),
        amounts("KWD", min_value=Decimal("0.001"), max_value=200),
        max_size=4,
    ).map(FrozenMap)


@_memo
def contexts(
    currency: str | None = None,
    *,
    document_ids: Sequence[str] = ("SO-2026-0042",),
    flow: bool = True,
) -> SearchStrategy[Context]:
    """Valid :class:`~salesctl.context.Context` s.

    The credit and approval fields are explicit (exposure in ``currency``, approvals and
    releases for ``document_ids``); every other field — the document flow, which grows as
    families land — is drawn from its type.

    Args:
        currency: the exposure's currency (drawn when ``None``).
        document_ids: the documents approvals and releases are for.
        flow: also draw the document-flow fields (delivery notices, invoices, contracts, …);
            ``False`` leaves them empty (faster).
    """
    if currency is None:
        return currencies().flatmap(lambda c: contexts(c, document_ids=document_ids, flow=flow))

    @st.composite
    def build(draw: st.DrawFn) -> Context:
        as_of = draw(st.dates(dt.date(2025, 6, 1), dt.date(2027, 6, 1)))
        releases = draw(
            st.lists(
                credit_releases(order_ids=document_ids, currency=currency),
                max_size=2,
                unique_by=lambda r: r.id,
            )
        )
        kwargs: dict[str, Any] = {
            "as_of": as_of,
            "exposure": draw(st.one_of(st.none(), credit_exposures(currency))),
            "approvals": tuple(
                draw(st.lists(approvals(document_ids=document_ids, currency=currency), max_size=3))
            ),
            "releases": tuple(releases),
            "consumed_releases": frozenset(
                draw(st.lists(st.sampled_from([r.id for r in releases] or ["REL-0"]), max_size=2))
            ),
            "last_numbers": FrozenMap(
                draw(
                    st.dictionaries(
                        st.sampled_from(["SO-2026", "SO-2027"]), st.integers(0, 9999), max_size=2
                    )
                )
            ),
            "fx_rates": draw(_fx_rates()),
            "prices": tuple(draw(st.lists(from_type(PriceEntry, currency=currency), max_size=3))),
        }
        if flow:
            env = draw(_envs(currency, sizes=2))
            for name, ftype, _required in fields_of(Context):
                if name in _CONTEXT_EXPLICIT or draw(st.integers(0, 2)):
                    continue
                kwargs[name] = _draw(draw, ftype, env, _cursor(env), name, Context)
        return Context(**kwargs)

    return build()


# -- policies ---------------------------------------------------------------------------------


@_memo
def credit_policies(currency: str = "CNY") -> SearchStrategy[Any]:
    """Valid :class:`~salesctl.controls.credit.CreditPolicy` s: grades with their allowed
    methods, a high-risk grade among them, major-sale bands rising in ``currency``.

    Args:
        currency: the currency of the major-sale bands.
    """
    from salesctl.controls.credit import ApprovalStep, CreditPolicy, MajorSaleTier

    grade_pool = ["AAA", "AA", "A", "B", "C", "D", "HIGH_RISK", "新客户"]
    step = st.builds(ApprovalStep, st.sampled_from(_ROLES), st.integers(0, 6))

    @st.composite
    def build(draw: st.DrawFn) -> CreditPolicy:
        grades = draw(st.lists(st.sampled_from(grade_pool), min_size=1, max_size=6, unique=True))
        methods = st.frozensets(st.sampled_from(list(PaymentMethod)))
        bands = sorted(
            draw(
                st.lists(
                    amounts(currency, min_value=1, max_value=10_000_000), max_size=3, unique=True
                )
            )
        )
        tiers = tuple(
            MajorSaleTier(Money(b, currency), tuple(draw(st.lists(step, min_size=1, max_size=3))))
            for b in bands
        )
        return CreditPolicy(
            credit_methods=draw(methods),
            exposure_categories=draw(
                st.frozensets(
                    st.sampled_from(["open_orders", "delivered_not_invoiced", "open_receivables"])
                )
            ),
            grades=tuple(grades),
            high_risk_grade=draw(st.sampled_from(grades)),
            allowed_methods=FrozenMap({g: draw(methods) for g in grades}),
            limit_approval_role=draw(st.sampled_from(_ROLES)),
            limit_approval_level=draw(st.integers(0, 6)),
            release_role=draw(st.sampled_from(["credit_master_maintainer", "finance_head"])),
            overdue_grace_days=draw(st.integers(0, 60)),
            overdue_approval_role=draw(st.sampled_from(_ROLES)),
            overdue_approval_level=draw(st.integers(0, 6)),
            major_sale_tiers=tiers,
            profile_maintainer_role=draw(
                st.sampled_from(["credit_master_maintainer", "finance_head"])
            ),
            profile_approvals=tuple(draw(st.lists(step, max_size=3))),
        )

    return build()


_PCTS = tuple(
    Decimal(x)
    for x in (
        "0",
        "0.01",
        "0.02",
        "0.03",
        "0.05",
        "0.08",
        "0.10",
        "0.15",
        "0.20",
        "0.25",
        "0.5",
        "1",
    )
)
_PCT = st.sampled_from(_PCTS)


@_memo
def price_authority_trees(
    currency: str = "CNY",
    *,
    max_nodes: int = 6,
    products: Sequence[str] = ("P-1", "P-2", "P-3"),
    holders: Sequence[str] = ("u-rep", "u-mgr", "u-mkt", "u-x"),
) -> SearchStrategy[tuple[Any, ...]]:
    """Valid price-float delegation trees (O2C-PR-03, -04): one root, every child's ranges
    and products within its parent's, holders named at most once, nodes in any order.

    Args:
        currency: the currency of amount limits.
        max_nodes: the most nodes.
        products: the product ids nodes may be restricted to.
        holders: actor ids nodes may name as executors.
    """
    from salesctl.controls.pricing import PriceAuthority

    roles = ("price_committee", "marketing_head", "sales_manager", "sales_rep")

    def side(
        draw: st.DrawFn, p_pct: Decimal | None, p_amt: Money | None, root: bool
    ) -> tuple[Decimal | None, Money | None]:
        if root:
            pct = draw(st.one_of(st.none(), _PCT))
            amt = draw(st.one_of(st.none(), money(currency, max_value=5_000)))
            return pct, amt
        if p_pct is None and p_amt is None:
            return None, None  # the parent allows nothing: so does the child
        pct = amt = None
        if p_pct is not None:
            pct = draw(st.sampled_from([x for x in _PCTS if x <= p_pct]))
        elif draw(st.booleans()):
            pct = draw(_PCT)  # a fraction under an amount bound is fine if the amount is kept
        if p_amt is not None:
            amt = draw(money(currency, max_value=p_amt.amount))
        elif p_pct is not None and draw(st.booleans()):
            amt = draw(money(currency, max_value=5_000))
        if p_amt is not None and amt is None:
            amt = p_amt
        return pct, amt

    @st.composite
    def build(draw: st.DrawFn) -> tuple[PriceAuthority, ...]:
        n = draw(st.integers(1, max_nodes))
        nodes: list[PriceAuthority] = []
        cover: list[frozenset[str] | None] = []
        free_holders = list(holders)
        for i in range(n):
            parent = None if i == 0 else nodes[draw(st.integers(0, i - 1))]
            pi = nodes.index(parent) if parent is not None else -1
            cut = side(
                draw,
                parent.max_cut_pct if parent else None,
                parent.max_cut if parent else None,
                parent is None,
            )
            rise = side(
                draw,
                parent.max_rise_pct if parent else None,
                parent.max_rise if parent else None,
                parent is None,
            )
            inherited = cover[pi] if parent is not None else None
            pool = sorted(inherited) if inherited is not None else list(products)
            mine: frozenset[str] = frozenset()
            restrict: bool = bool(pool) and draw(st.booleans())
            if restrict:
                mine = frozenset(draw(st.lists(st.sampled_from(pool), unique=True)))
            cover.append(mine or inherited)
            held: frozenset[str] = frozenset()
            if free_holders and draw(st.integers(0, 3)) == 0:
                h = draw(st.sampled_from(free_holders))
                free_holders.remove(h)
                held = frozenset({h})
            nodes.append(
                PriceAuthority(
                    id=f"n{i}",
                    role=draw(st.sampled_from(roles)),
                    level=draw(st.integers(0, 6)),
                    parent=None if parent is None else parent.id,
                    title=draw(st.one_of(st.just(""), texts())),
                    org_unit=draw(st.sampled_from(["", "", "east-1"])),
                    holders=held,
                    products=mine,
                    max_cut_pct=cut[0],
                    max_cut=cut[1],
                    max_rise_pct=rise[0],
                    max_rise=rise[1],
                )
            )
        return tuple(draw(st.permutations(nodes)))

    return build()


@_memo
def concession_steps(
    currency: str = "CNY", *, max_bands: int = 4
) -> SearchStrategy[tuple[Any, ...]]:
    """Valid discount-matrix bands (O2C-PR-05): rising bounds in one currency; a bound left
    open stays open in later bands.

    Args:
        currency: the currency of amount bounds.
        max_bands: the most bands.
    """
    from salesctl.controls.credit import ApprovalStep
    from salesctl.controls.pricing import ConcessionStep

    step = st.builds(ApprovalStep, st.sampled_from(_ROLES), st.integers(0, 6))

    @st.composite
    def build(draw: st.DrawFn) -> tuple[ConcessionStep, ...]:
        n = draw(st.integers(0, max_bands))
        pcts = sorted(draw(st.lists(_PCT, min_size=n, max_size=n)))
        amts = sorted(
            draw(st.lists(amounts(currency, max_value=2_000_000), min_size=n, max_size=n))
        )
        open_pct = draw(st.integers(0, n))
        open_amt = draw(st.integers(0, n))
        return tuple(
            ConcessionStep(
                max_pct=pcts[i] if i < open_pct else None,
                max_amount=Money(amts[i], currency) if i < open_amt else None,
                approvals=tuple(draw(st.lists(step, max_size=3))),
                in_order=draw(st.booleans()),
            )
            for i in range(n)
        )

    return build()


@_memo
def pricing_policies(currency: str = "CNY") -> SearchStrategy[Any]:
    """Valid :class:`~salesctl.controls.pricing.PricingPolicy` s (tree and matrices).

    Args:
        currency: the currency of amount limits and bounds.
    """
    from salesctl.controls.pricing import PricingPolicy

    @st.composite
    def build(draw: st.DrawFn) -> PricingPolicy:
        tree = draw(price_authority_trees(currency))
        return PricingPolicy(
            authority=tree,
            default_node=draw(st.one_of(st.none(), st.sampled_from([n.id for n in tree]))),
            line_discount_steps=draw(concession_steps(currency)),
            order_concession_steps=draw(concession_steps(currency)),
            rolling_steps=draw(concession_steps(currency)),
            rolling_days=draw(st.integers(0, 365)),
            concession_kinds=draw(st.frozensets(st.sampled_from(list(ConcessionKind)))),
        )

    return build()


def _family_policy(fam: Any, currency: str) -> SearchStrategy[Any]:
    """A family's policy: its explicit strategy, else the defaults with a few fields drawn
    from their types (falling back to the defaults where the draw is invalid)."""
    explicit = {"credit": credit_policies, "pricing": pricing_policies}.get(fam.name)
    if explicit is not None:
        return st.one_of(st.just(fam.policy_type()), explicit(currency))

    @st.composite
    def build(draw: st.DrawFn) -> Any:
        spec = fields_of(fam.policy_type)
        chosen = draw(st.lists(st.sampled_from([n for n, _, _ in spec]), max_size=3, unique=True))
        env = draw(_envs(currency))
        kwargs = {
            n: _draw(draw, t, env, _cursor(env), n, fam.policy_type)
            for n, t, _ in spec
            if n in chosen
        }
        try:
            return fam.policy_type(**kwargs)
        except SalesctlError:
            return fam.policy_type()

    return build()


def policies(
    *,
    families: Iterable[str] | None = None,
    disable: bool = True,
    currency: str = "CNY",
) -> SearchStrategy[Policy]:
    """Valid :class:`~salesctl.policy.Policy` objects.

    Args:
        families: draw non-default parameters for these families only (default: all); the
            others keep their defaults.
        disable: also switch a few controls off.
        currency: the base currency and the currency of the policy's amounts.
    """
    from salesctl.controls import FAMILIES

    wanted = set(families) if families is not None else set(FAMILIES)

    @st.composite
    def build(draw: st.DrawFn) -> Policy:
        fams = {
            name: draw(_REGISTRY[fam.policy_type](currency))
            for name, fam in FAMILIES.items()
            if name in wanted
        }
        disabled = (
            frozenset(draw(st.lists(st.sampled_from(_control_ids()), max_size=2)))
            if disable and draw(st.integers(0, 3)) == 0
            else frozenset()
        )
        try:
            return Policy(
                name=draw(st.one_of(st.just("fuzz"), texts())),
                base_currency=currency,
                disabled=disabled,
                families=fams,
            )
        except SalesctlError:
            from hypothesis import reject

            reject()
            raise  # pragma: no cover

    return build()


# -- decisions --------------------------------------------------------------------------------


@_memo
def findings() -> SearchStrategy[Finding]:
    """Valid :class:`~salesctl.decision.Finding` s with known control ids and message keys."""
    return from_type(Finding)


@_memo
def decisions() -> SearchStrategy[Decision]:
    """Valid :class:`~salesctl.decision.Decision` s (the outcome is the max of the findings)."""

    @st.composite
    def build(draw: st.DrawFn) -> Decision:
        fs = tuple(draw(st.lists(findings(), max_size=4)))
        return Decision(
            outcome=max((f.outcome for f in fs), default=Outcome.ALLOW),
            findings=fs,
            transaction=draw(st.sampled_from(sorted(TRANSACTION_TYPES))),
            document_id=draw(identifiers("DOC")),
            at=draw(datetimes()),
            controls=tuple(draw(st.lists(st.sampled_from(_control_ids()), max_size=5))),
            policy_fingerprint=draw(
                st.one_of(st.just(""), st.text("0123456789abcdef", min_size=64, max_size=64))
            ),
            catalogue_fingerprint=draw(st.text("0123456789abcdef", max_size=64)),
            note=draw(st.one_of(st.none(), texts())),
        )

    return build()


# -- documents and transactions -------------------------------------------------------------


@_memo
def documents() -> SearchStrategy[Any]:
    """Any document of :mod:`salesctl.model` (every attrs class it exports)."""
    from salesctl import model

    classes = [getattr(model, n) for n in model.__all__]
    return st.one_of([from_type(c) for c in classes if isinstance(c, type) and attrs.has(c)])


@_memo
def transactions(
    *, types: Iterable[type[Transaction] | str] | None = None
) -> SearchStrategy[Transaction]:
    """Any registered transaction (those registered later included), built from its fields.

    Args:
        types: only these transaction classes (or their names).
    """
    if types is None:
        chosen = list(TRANSACTION_TYPES.values())
    else:
        chosen = [TRANSACTION_TYPES[t] if isinstance(t, str) else t for t in types]
    return st.one_of([from_type(c) for c in chosen])


# -- coherent checks: a transaction with the context it is checked in --------------------------


def _policy_roles(policy: Policy) -> list[str]:
    """Every role the credit and pricing parameters of ``policy`` name."""
    roles: set[str] = {"sales_rep"}
    credit = policy.families.get("credit")
    if credit is not None:
        roles |= {
            credit.limit_approval_role,
            credit.overdue_approval_role,
            credit.release_role,
            credit.profile_maintainer_role,
        }
        roles |= {s.role for t in credit.major_sale_tiers for s in t.approvals}
        roles |= {s.role for s in credit.profile_approvals}
    pricing = policy.families.get("pricing")
    if pricing is not None:
        roles |= {n.role for n in pricing.authority}
        for steps in (
            pricing.line_discount_steps,
            pricing.order_concession_steps,
            pricing.rolling_steps,
        ):
            roles |= {a.role for s in steps for a in s.approvals}
    return sorted(roles)


_PRODUCT_IDS = ("P-1", "P-2", "P-3")
_PEOPLE = ("u-rep", "u-mgr", "u-mkt", "u-x", "u-fin", "u-prop")


def order_checks(
    policy: Policy | None = None,
    *,
    currencies_: Sequence[str] = ("CNY", "CNY", "CNY", "USD"),
    kinds: Sequence[str] = ("PlaceOrder", "PlaceOrder", "ReleaseOrder", "SetCreditProfile"),
) -> SearchStrategy[tuple[Transaction, Context]]:
    """``(transaction, context)`` pairs that exercise the credit and pricing controls.

    The transaction is a ``PlaceOrder``, ``ReleaseOrder`` or ``SetCreditProfile``; the context
    is the one a host would pass with it: exposure near the customer's limit, approvals by
    people in the roles ``policy`` names (some for this document, some not, some expired, some
    by the proposer), one-time releases with each kind of problem, price-master entries near,
    at and off the line prices, exchange rates present or missing. Amounts sit on and next to
    the boundaries the controls compare exactly.

    Args:
        policy: the policy whose roles and grades to use (default policy when ``None``).
        currencies_: draw the order currency from these.
        kinds: draw the transaction type from these names.
    """
    pol = policy if policy is not None else Policy.default()
    roles = _policy_roles(pol)
    credit = pol.families.get("credit")
    grades = list(credit.grades) if credit is not None else ["A"]

    @st.composite
    def build(draw: st.DrawFn) -> tuple[Transaction, Context]:
        cur = draw(st.sampled_from(list(currencies_)))
        lim_cur = cur if draw(st.integers(0, 5)) else draw(currencies(codes=("CNY", "USD")))
        at = draw(datetimes(min_value=dt.datetime(2026, 1, 1), max_value=dt.datetime(2026, 12, 31)))
        day = at.date()
        person = st.sampled_from(_PEOPLE)
        actor = draw(actors(ids=_PEOPLE, roles=roles, org_units=("", "east-1")))
        order_id = draw(st.sampled_from(["SO-2026-0042", "SO-2026-0043"]))
        kind = draw(st.sampled_from(list(kinds)))

        # Products with master prices; lines near (and exactly at) the master and its bounds.
        masters = {p: draw(amounts(cur, min_value=1, max_value=5_000)) for p in _PRODUCT_IDS}
        classes = {
            p: draw(
                st.sampled_from(
                    [
                        PriceClass.MARKET,
                        PriceClass.MARKET,
                        PriceClass.STATE_ALLOCATED,
                        PriceClass.GROUP_PRICED,
                    ]
                )
            )
            for p in _PRODUCT_IDS
        }

        def near(master: Decimal) -> Decimal:
            unit = Decimal(1).scaleb(-CURRENCIES[cur])
            how = draw(st.integers(0, 4))
            if how == 0:
                return master
            if how == 1:
                return master + unit * draw(st.integers(-3, 3))
            pct = draw(_PCT) * draw(st.sampled_from([-1, 1]))
            edge = (master * (1 + pct)).quantize(unit)
            return max(Decimal(0), edge + unit * draw(st.integers(-1, 1)))

        def line(n: int) -> SearchStrategy[OrderLine]:
            @st.composite
            def one(d: st.DrawFn) -> OrderLine:
                pid = d(st.sampled_from(_PRODUCT_IDS))
                unit_price = near(masters[pid])
                list_price = None
                if d(st.integers(0, 3)) == 0:
                    list_price = Money(max(unit_price, near(masters[pid])), cur)
                return OrderLine(
                    line_no=n,
                    product=Product(id=pid, price_class=classes[pid]),
                    quantity=d(
                        st.sampled_from(
                            [Decimal(1), Decimal(2), Decimal("0.5"), Decimal(10), Decimal("3.333")]
                        )
                    ),
                    unit_price=Money(unit_price, cur),
                    list_price=list_price,
                )

            return one()

        grade = draw(st.sampled_from([*grades * 3, "UNKNOWN-GRADE"])) if grades else "A"
        total_guess = sum(masters.values()) * 4
        limit_amount = draw(amounts(lim_cur, max_value=max(total_guess * 3, Decimal(1))))
        profile = CreditProfile(
            grade=grade,
            limit=Money(limit_amount, lim_cur),
            term_days=draw(st.integers(0, 90)),
            reviewed_on=day - dt.timedelta(days=draw(st.integers(0, 500))),
            proposed_by=draw(person),
            approved_by=tuple(draw(st.lists(person, max_size=3, unique=True))),
            collection_letter_ref=draw(st.one_of(st.none(), st.just("HKHL-1"))),
            maintained_by=draw(st.one_of(st.none(), person)),
        )
        customer = Customer(
            id="C-100", name="华东化工", credit_profile=profile if draw(st.integers(0, 5)) else None
        )
        order = draw(
            sales_orders(
                cur,
                customer=st.just(customer),
                line=line,
                created_by=st.sampled_from([actor.id, actor.id, *_PEOPLE]),
                ids=st.just(order_id),
            )
        )
        order = attrs.evolve(order, order_date=day - dt.timedelta(days=draw(st.integers(0, 3))))

        # Exposure around the limit: sometimes exactly at it with this order.
        exp_cur = lim_cur if draw(st.integers(0, 7)) else cur
        exposure = None
        if draw(st.integers(0, 9)):
            head = max(Decimal(0), limit_amount - (order.total.amount if exp_cur == cur else 0))
            base = draw(
                st.one_of(st.just(head), amounts(exp_cur, max_value=max(head * 2, Decimal(1))))
            )
            base = base.quantize(Decimal(1).scaleb(-CURRENCIES[exp_cur]))
            split = draw(st.integers(0, 2))
            parts = [Decimal(0), Decimal(0), Decimal(0)]
            parts[split] = base
            overdue = draw(st.one_of(st.just(Decimal(0)), amounts(exp_cur, max_value=parts[2])))
            grace = credit.overdue_grace_days if credit is not None else 0
            oldest = day - dt.timedelta(days=grace + draw(st.integers(-2, 2)))
            exposure = CreditExposure(
                open_orders=Money(parts[0], exp_cur),
                delivered_not_invoiced=Money(parts[1], exp_cur),
                open_receivables=Money(parts[2], exp_cur),
                overdue_receivables=Money(overdue, exp_cur),
                oldest_overdue_due=oldest if overdue or draw(st.booleans()) else None,
            )

        # Price master: entries valid (or not) on the order date, in (or not in) the currency.
        prices: list[PriceEntry] = []
        for pid in _PRODUCT_IDS:
            for _ in range(draw(st.sampled_from([1, 1, 1, 1, 1, 0, 2]))):
                valid_from = order.order_date - dt.timedelta(days=draw(st.integers(-2, 60)))
                prices.append(
                    PriceEntry(
                        product_id=pid,
                        price=Money(
                            masters[pid] if draw(st.integers(0, 5)) else near(masters[pid]),
                            cur if draw(st.integers(0, 19)) else ("USD" if cur != "USD" else "CNY"),
                        ),
                        valid_from=valid_from,
                        source_document=draw(st.sampled_from(["PG-2026-007", "财价[2026]12号"])),
                        valid_to=draw(
                            st.one_of(
                                st.none(),
                                st.none(),
                                st.just(valid_from + dt.timedelta(days=draw(st.integers(0, 120)))),
                            )
                        ),
                        price_class=classes[pid] if draw(st.integers(0, 7)) else PriceClass.MARKET,
                    )
                )

        doc_ids = [order_id, "SO-OTHER"]
        application_id = "CA-7"
        if kind == "SetCreditProfile":
            doc_ids = [application_id, "CA-OTHER"]
        # Approvals mostly in the roles that clear this policy's HOLDs (the limit and the price
        # tree), by approvers mostly senior enough: the interesting question is who, not whether.
        focus: list[str] = []
        if credit is not None:
            focus.append(credit.limit_approval_role)
        pricing = pol.families.get("pricing")
        if pricing is not None:
            focus += [n.role for n in pricing.authority]
        approval_roles = list(roles) + focus * max(1, len(roles) // max(1, len(focus)))
        approver = st.builds(
            lambda i, r, lv: Actor(id=i, roles=r, authority_level=lv),
            st.sampled_from(_PEOPLE),
            st.frozensets(st.sampled_from(roles), max_size=3),
            st.sampled_from([0, 1, 2, 3, 4, 5, 5, 6, 6]),
        )
        appr = draw(
            st.lists(
                approvals(
                    document_ids=doc_ids[:1] * 4 + doc_ids[1:],
                    roles=approval_roles,
                    approvers=approver,
                    at=at,
                    currency=draw(st.sampled_from([cur, lim_cur])),
                ),
                max_size=6,
            )
        )
        release_role = credit.release_role if credit is not None else "credit_master_maintainer"
        granter = st.builds(
            lambda i, r, own: Actor(id=i, roles=r | ({release_role} if own else set())),
            st.sampled_from(_PEOPLE),
            st.frozensets(st.sampled_from(roles), max_size=2),
            st.sampled_from([True, True, False]),
        )
        releases = draw(
            st.lists(
                credit_releases(
                    order_ids=[order_id, order_id, order_id, "SO-OTHER"],
                    granters=granter,
                    at=at,
                    currency=draw(st.sampled_from([cur, lim_cur])),
                    max_amount=max(order.total.amount * 2, Decimal(2)),
                    min_amount=max(order.total.amount / 2, Decimal(1)),
                ),
                min_size=draw(st.sampled_from([0, 1, 1, 2])),
                max_size=2,
                unique_by=lambda r: r.id,
            )
        )
        rel_ids = [r.id for r in releases]
        ctx = Context(
            as_of=day,
            exposure=exposure,
            approvals=tuple(appr),
            releases=tuple(releases),
            consumed_releases=frozenset(
                draw(st.sampled_from([[], [], rel_ids[:1]])) if rel_ids else []
            ),
            fx_rates=FrozenMap({"USD/CNY": Decimal("7.10")} if draw(st.booleans()) else {}),
            prices=tuple(prices),
            last_numbers=FrozenMap({"SO-2026": max(0, order.seq - draw(st.integers(0, 2)))}),
        )
        txn: Transaction
        if kind == "ReleaseOrder":
            rid = draw(st.sampled_from([None, None, *rel_ids, "REL-MISSING"]))
            txn = ReleaseOrder(order=order, release_id=rid, actor=actor, at=at)
        elif kind == "SetCreditProfile":
            txn = SetCreditProfile(
                customer=customer,
                profile=profile,
                application_id=application_id,
                actor=actor,
                at=at,
            )
        else:
            txn = PlaceOrder(order=order, actor=actor, at=at)
        return txn, ctx

    return build()


# -- event streams ----------------------------------------------------------------------------


def event_streams(*, max_orders: int = 3, currency: str = "CNY") -> SearchStrategy[list[Any]]:
    """Valid event streams: documents in a legal order with consistent numbers and amounts.

    Per customer a credit profile; per order, in time order: the approvals, the order (numbers
    of its series consecutive), a delivery notice, the goods issue against it (quantities within
    the order), the invoice of what was delivered (at the order's prices) and a receipt of at
    most the invoice total. Prices are published before the orders that use them. The events
    are the objects; :func:`salesctl.events.event_to_dict` writes one JSON line each.

    Args:
        max_orders: the most orders in the stream.
        currency: the currency of every amount.
    """
    from salesctl import events as ev
    from salesctl import model as m
    from salesctl import transactions as tx

    @st.composite
    def build(draw: st.DrawFn) -> list[Any]:
        t = draw(datetimes(min_value=dt.datetime(2026, 1, 1), max_value=dt.datetime(2026, 6, 30)))
        out: list[Any] = []

        def tick() -> dt.datetime:
            nonlocal t
            t = t + dt.timedelta(minutes=draw(st.integers(1, 3000)))
            return t

        rep = Actor(
            id="u-rep", roles=frozenset({"sales_rep"}), org_unit="east-1", authority_level=1
        )
        maintainer = Actor(
            id="u-fin",
            roles=frozenset({"credit_master_maintainer"}),
            org_unit="finance",
            authority_level=2,
        )
        manager = Actor(
            id="u-mgr", roles=frozenset({"sales_manager", "credit_manager"}), authority_level=3
        )
        masters = {p: draw(amounts(currency, min_value=1, max_value=2_000)) for p in _PRODUCT_IDS}
        for pid, price in masters.items():
            out.append(
                ev.PublishPrice(
                    at=tick(),
                    entry=PriceEntry(
                        product_id=pid,
                        price=Money(price, currency),
                        valid_from=t.date() - dt.timedelta(days=1),
                        source_document="PG-2026-007",
                    ),
                )
            )
        customers_: dict[str, Customer] = {}
        for cid in ("C-1", "C-2"):
            profile = CreditProfile(
                grade="A",
                limit=Money(draw(amounts(currency, max_value=2_000_000)), currency),
                term_days=30,
                reviewed_on=t.date(),
                proposed_by="u-prop",
                approved_by=("u-appr",),
                collection_letter_ref="HKHL-1",
            )
            before = Customer(id=cid, name=f"客户 {cid}")
            out.append(
                tx.SetCreditProfile(
                    customer=before,
                    profile=profile,
                    application_id=f"CA-{cid}",
                    actor=maintainer,
                    at=tick(),
                )
            )
            customers_[cid] = Customer(id=cid, name=f"客户 {cid}", credit_profile=profile)
        seq = 0
        for _k in range(draw(st.integers(1, max_orders))):
            seq += 1
            cust = customers_[draw(st.sampled_from(sorted(customers_)))]
            order_id = f"SO-2026-{seq:04d}"
            lines = tuple(
                OrderLine(
                    line_no=i + 1,
                    product=Product(id=pid),
                    quantity=Decimal(draw(st.integers(1, 20))),
                    unit_price=Money(masters[pid], currency),
                )
                for i, pid in enumerate(
                    draw(
                        st.lists(st.sampled_from(_PRODUCT_IDS), min_size=1, max_size=3, unique=True)
                    )
                )
            )
            order = SalesOrder(
                id=order_id,
                series="SO-2026",
                seq=seq,
                customer=cust,
                lines=lines,
                payment=PaymentTerms(
                    draw(st.sampled_from([PaymentMethod.CREDIT, PaymentMethod.CASH])), 30
                ),
                created_by=rep.id,
                order_date=t.date(),
                collection_letter_ref="HKHL-1",
            )
            for role in ("sales_manager", "credit_manager"):
                out.append(
                    ev.GrantApproval(
                        at=tick(),
                        approval=Approval(
                            id=f"A-{order_id}-{role}",
                            document_id=order_id,
                            role=role,
                            approver=manager,
                            granted_at=t,
                        ),
                        customer_id=cust.id,
                    )
                )
            out.append(tx.PlaceOrder(order=order, actor=rep, at=tick()))
            if not draw(st.integers(0, 3)):
                continue
            delivered = tuple(
                m.DeliveryLine(
                    order_line=ln.line_no,
                    product_id=ln.product.id,
                    quantity=Decimal(draw(st.integers(1, int(ln.quantity)))),
                )
                for ln in lines
            )
            notice = m.DeliveryNotice(
                id=f"DN-{seq}",
                order_id=order_id,
                lines=delivered,
                issued_by=rep.id,
                issued_on=t.date(),
                valid_until=t.date() + dt.timedelta(days=30),
            )
            out.append(
                ev.GrantApproval(
                    at=tick(),
                    approval=Approval(
                        id=f"A-{notice.id}",
                        document_id=notice.id,
                        role="sales_manager",
                        approver=manager,
                        granted_at=t,
                    ),
                    customer_id=cust.id,
                )
            )
            out.append(tx.IssueDeliveryNotice(notice=notice, order=order, actor=rep, at=tick()))
            issue = m.GoodsIssue(
                id=f"GI-{seq}",
                order_id=order_id,
                customer_id=cust.id,
                notice_id=notice.id,
                lines=delivered,
                issued_on=t.date(),
                posted=True,
                gate_pass=f"GP-{seq}",
            )
            out.append(tx.PostGoodsIssue(goods_issue=issue, order=order, actor=rep, at=tick()))
            if not draw(st.integers(0, 3)):
                continue
            prices_by_line = {ln.line_no: ln.unit_price for ln in lines}
            invoice = m.Invoice(
                id=f"INV-{seq}",
                order_id=order_id,
                customer_id=cust.id,
                lines=tuple(
                    m.InvoiceLine(
                        order_line=d.order_line,
                        product_id=d.product_id,
                        quantity=d.quantity,
                        unit_price=prices_by_line[d.order_line],
                    )
                    for d in delivered
                ),
                issued_by="u-fin",
                issued_on=tick().date(),
            )
            out.append(tx.IssueInvoice(invoice=invoice, actor=maintainer, at=t))
            paid = (
                draw(
                    amounts(
                        currency,
                        min_value=Decimal(1).scaleb(-CURRENCIES[currency]),
                        max_value=invoice.total.amount,
                    )
                )
                if invoice.total.amount
                else None
            )
            if paid:
                out.append(
                    tx.RecordReceipt(
                        receipt=m.Receipt(
                            id=f"RC-{seq}",
                            customer_id=cust.id,
                            amount=Money(paid, currency),
                            received_on=tick().date(),
                            to_receivables=Money(paid, currency),
                        ),
                        actor=maintainer,
                        at=t,
                    )
                )
        return out

    return build()


# -- invalid inputs -----------------------------------------------------------------------------


@attrs.frozen
class Invalid:
    """A deliberately invalid input and the error it must raise.

    Attributes:
        data: the input: JSON data, constructor keyword arguments, TOML text or an event line.
        path: the field path the error must name (the error's path equals it or lies under it).
        error: the :class:`~salesctl.errors.SalesctlError` subclass expected.
        defect: what was broken, for the test report (e.g. ``"float"``, ``"unknown key"``).
        owner: for constructor arguments, the class whose ``"Class."`` path prefix may be left out.
    """

    data: Any
    path: str
    error: type[SalesctlError] = InvalidInput
    defect: str = ""
    owner: str = ""

    def matches(self, err: BaseException) -> bool:
        """True when ``err`` is the expected error naming the expected path."""
        if not isinstance(err, self.error):
            return False
        want, got = self.path, err.path
        if self.owner:
            # Constructors name "Class.field"; a few name the field alone, and Policy names
            # the file's table ("policy.base_currency").
            for prefix in (self.owner + ".", self.owner.lower() + "."):
                want = want.removeprefix(prefix)
                got = got.removeprefix(prefix)
        return got == want or got.startswith((want + ".", want + "["))

    def assert_rejected_by(self, fn: Callable[[Any], Any]) -> SalesctlError:
        """Call ``fn(data)`` and check it raises the expected error at the expected path.

        Returns:
            The error raised.

        Raises:
            AssertionError: if ``fn`` accepts the input, raises another error, or names
                another path.
        """
        try:
            fn(self.data)
        except SalesctlError as e:
            if not self.matches(e):
                raise AssertionError(
                    f"{self.defect}: expected {self.error.__name__} at {self.path!r}, got "
                    f"{type(e).__name__} at {e.path!r}: {e}"
                ) from e
            return e
        raise AssertionError(
            f"{self.defect}: accepted, expected {self.error.__name__} at {self.path!r}"
        )


_NOPE = "__not_a_value__"


def _wrong_json(tp: Any, optional: bool) -> list[tuple[str, Any]]:
    """JSON values that are not a valid ``tp`` (``None`` only when ``tp`` is required)."""
    out: list[tuple[str, Any]] = [("float", 1.5)]
    if not optional:
        out.append(("null", None))
    origin = typing.get_origin(tp)
    if tp is str:
        out += [("integer for text", 7), ("list for text", ["x"])]
    elif tp is bool:
        out += [("text for boolean", "true"), ("integer for boolean", 1)]
    elif tp is int:
        out += [("text for integer", "7"), ("boolean for integer", True)]
    elif tp is Decimal:
        out += [
            ("not a number", "twelve"),
            ("NaN", "NaN"),
            ("infinity", "-Infinity"),
            ("boolean for number", True),
        ]
    elif tp is Money:
        out += [
            ("bare number for money", "12.00"),
            ("unknown currency", "12.00 XXX"),
            ("too many decimals", "1.0001 CNY"),
            ("integer for money", 12),
            ("incomplete money", {"amount": "1"}),
        ]
    elif tp is dt.date:
        out += [
            ("impossible date", "2026-02-30"),
            ("not a date", "yesterday"),
            ("integer for date", 20260302),
            ("date-time for date", "2026-03-02T10:00:00+08:00"),
        ]
    elif tp is dt.datetime:
        out += [
            ("naive time", "2026-03-02T10:15:00"),
            ("not a time", "soon"),
            ("integer for time", 5),
        ]
    elif isinstance(tp, type) and issubclass(tp, enum.Enum):
        out += [("unknown enum value", _NOPE), ("boolean for enum", True)]
    elif origin in (tuple, frozenset):
        out += [("text for list", "abc"), ("object for list", {"a": 1})]
    elif origin in (FrozenMap, Mapping) or tp is FrozenMap:
        out += [("list for object", ["a"]), ("text for object", "abc")]
    elif isinstance(tp, type) and attrs.has(tp):
        out += [("list for object", []), ("text for object", "abc")]
    return out


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


@attrs.frozen
class _Site:
    where: tuple[Any, ...]  # keys/indices from the root
    path: str
    tp: Any
    optional: bool


def _sites(
    tp: Any, data: Any, path: str, where: tuple[Any, ...], optional: bool = False
) -> list[_Site]:
    base, opt = _optional(tp)
    optional = optional or opt
    if base is Any:
        return []
    out = [_Site(where, path, base, optional)]
    if data is None:
        return out
    origin = typing.get_origin(base)
    if isinstance(base, type) and attrs.has(base) and base is not Money and isinstance(data, dict):
        for name, ftype, _req in fields_of(base):
            if name in data:
                out += _sites(ftype, data[name], _join(path, name), (*where, name))
    elif origin is tuple and isinstance(data, list):
        args = typing.get_args(base)
        for i, x in enumerate(data):
            t = args[0] if len(args) == 2 and args[1] is Ellipsis else args[i]
            out += _sites(t, x, f"{path}[{i}]", (*where, i))
    elif origin is frozenset and isinstance(data, list):
        (arg,) = typing.get_args(base)
        for i, x in enumerate(data):
            out += _sites(arg, x, f"{path}[{i}]", (*where, i))
    elif (origin in (FrozenMap, Mapping) or base is FrozenMap) and isinstance(data, dict):
        _kt, vt = typing.get_args(base) or (str, Any)
        for k, x in data.items():
            out += _sites(vt, x, _join(path, str(k)), (*where, k))
    return out


def _replace(data: Any, where: tuple[Any, ...], value: Any) -> Any:
    if not where:
        return value
    head, rest = where[0], where[1:]
    if isinstance(data, dict):
        return {k: (_replace(v, rest, value) if k == head else v) for k, v in data.items()}
    return [(_replace(v, rest, value) if i == head else v) for i, v in enumerate(data)]


def _get(data: Any, where: tuple[Any, ...]) -> Any:
    for k in where:
        data = data[k]
    return data


def _defects(
    draw: st.DrawFn, tp: Any, data: Any, root: str, toml: bool = False
) -> tuple[Any, str, str]:
    """One defect in ``data`` (a valid ``tp`` as JSON): ``(bad data, path, defect)``."""
    sites = _sites(tp, data, root, ())
    site = draw(st.sampled_from(sites))
    value = _get(data, site.where)
    choices: list[tuple[str, Any]] = []
    is_obj = isinstance(site.tp, type) and attrs.has(site.tp) and site.tp is not Money
    if is_obj and isinstance(value, dict):
        choices.append(("unknown key", ("add", "zz_unknown_key")))
        spec = fields_of(site.tp)
        required = [n for n, _t, req in spec if req and n in value]
        for n in required:
            choices.append(("missing required key", ("del", n)))
    wrong = _wrong_json(site.tp, site.optional)
    if toml:
        wrong = [(d, v) for d, v in wrong if _toml_wrong_ok(site.tp, v)]
    choices += [(d, ("set", v)) for d, v in wrong]
    defect, (op, arg) = draw(st.sampled_from(choices))
    if op == "add":
        bad = dict(value)
        bad[arg] = 1
        return _replace(data, site.where, bad), _join(site.path, arg), defect
    if op == "del":
        bad = {k: v for k, v in value.items() if k != arg}
        return _replace(data, site.where, bad), _join(site.path, arg), defect
    return _replace(data, site.where, arg), site.path, defect


def _toml_wrong_ok(tp: Any, v: Any) -> bool:
    """Whether ``v`` can be written in TOML and is still wrong for ``tp`` once read back
    (TOML has no null; ``1.5`` reads as a Decimal; an incomplete table is not one defect)."""
    if v is None or isinstance(v, dict):
        return False
    if isinstance(v, float):
        return tp is not Decimal
    return True


def invalid_data(tp: Any, *, root: str = "") -> SearchStrategy[Invalid]:
    """JSON data for ``tp`` with exactly one defect, and the path the error must name.

    The defects: a float anywhere, a null for a required value, a value of the wrong JSON
    type, an impossible date, a naive time, an unknown currency or enum value, too many
    decimals, an unknown key, a missing required key. :func:`salesctl._convert.structure`
    (and every boundary built on it) must raise :class:`~salesctl.errors.InvalidInput` at
    exactly that path.

    Args:
        tp: the type the data is read as.
        root: the path prefix of the data (``"context"`` for :meth:`Context.from_dict`).
    """

    @st.composite
    def build(draw: st.DrawFn) -> Invalid:
        value = draw(from_type(tp))
        data = json.loads(json.dumps(unstructure(value)))
        bad, path, defect = _defects(draw, tp, data, root)
        return Invalid(data=bad, path=path, error=InvalidInput, defect=defect)

    return build()


def invalid_transaction_data(
    *, types: Iterable[type[Transaction] | str] | None = None
) -> SearchStrategy[Invalid]:
    """JSON transactions (with ``"type"``) with one defect, for
    :func:`salesctl.transactions.parse_transaction` and the CLI's check files.

    Besides the defects of :func:`invalid_data`: a missing, unknown or non-text ``"type"``.

    Args:
        types: only these transaction classes (or names).
    """

    @st.composite
    def build(draw: st.DrawFn) -> Invalid:
        txn = draw(transactions(types=types))
        data = json.loads(json.dumps(transaction_to_dict(txn)))
        how = draw(st.integers(0, 9))
        if how == 0:
            del data["type"]
            return Invalid(data=data, path="type", defect="missing type")
        if how == 1:
            data["type"] = draw(st.sampled_from(["placeOrder", "Nope", "", "PlaceOrder "]))
            return Invalid(data=data, path="type", error=UnknownTransaction, defect="unknown type")
        if how == 2:
            data["type"] = draw(st.sampled_from([1, 1.5, ["PlaceOrder"], True]))
            return Invalid(data=data, path="type", defect="type not text")
        body = {k: v for k, v in data.items() if k != "type"}
        bad, path, defect = _defects(draw, type(txn), body, "")
        if not isinstance(bad, dict):
            return Invalid(data=bad, path="", defect="not an object")
        return Invalid(data={"type": data["type"], **bad}, path=path, defect=defect)

    return build()


def invalid_context_data() -> SearchStrategy[Invalid]:
    """JSON contexts with one defect, for :meth:`salesctl.Context.from_dict` (paths start
    with ``"context"``)."""

    @st.composite
    def build(draw: st.DrawFn) -> Invalid:
        ctx = draw(contexts())
        bad, path, defect = _defects(
            draw, Context, json.loads(json.dumps(ctx.to_dict())), "context"
        )
        return Invalid(data=bad, path=path, defect=defect)

    return build()


def invalid_decision_data() -> SearchStrategy[Invalid]:
    """JSON decisions with one defect, for :meth:`salesctl.Decision.from_dict` (paths start
    with ``"decision"``); also an outcome that is not the max of the findings."""

    @st.composite
    def build(draw: st.DrawFn) -> Invalid:
        d = draw(decisions())
        data = json.loads(json.dumps(d.to_dict()))
        if draw(st.integers(0, 5)) == 0:
            wrong = [o for o in Outcome if o is not d.outcome]
            data["outcome"] = draw(st.sampled_from(wrong)).name
            return Invalid(data=data, path="decision.outcome", defect="outcome not the max")
        bad, path, defect = _defects(draw, Decision, data, "decision")
        return Invalid(data=bad, path=path, defect=defect)

    return build()


def _wrong_py(tp: Any, optional: bool) -> list[tuple[str, Any]]:
    """Python values that are not a valid ``tp`` for a constructor."""
    out: list[tuple[str, Any]] = [("float", 1.5), ("object", object())]
    if not optional:
        out.append(("None", None))
    origin = typing.get_origin(tp)
    if tp is str:
        out += [("integer for text", 7), ("bytes for text", b"x"), ("list for text", ["x"])]
    elif tp is int:
        out += [
            ("text for integer", "7"),
            ("boolean for integer", True),
            ("decimal for integer", Decimal(2)),
        ]
    elif tp is bool:
        out += [("integer for boolean", 1), ("text for boolean", "yes")]
    elif tp is Decimal:
        out += [("NaN", Decimal("NaN")), ("text", "twelve"), ("boolean", True)]
    elif tp is Money:
        out += [("text for money", "12.00 CNY"), ("decimal for money", Decimal("12"))]
    elif tp is dt.date:
        out += [
            ("date-time for date", dt.datetime(2026, 3, 2, tzinfo=dt.UTC)),
            ("text for date", "2026-03-02"),
        ]
    elif tp is dt.datetime:
        out += [
            ("naive time", dt.datetime(2026, 3, 2, 10, 15)),
            ("date for time", dt.date(2026, 3, 2)),
        ]
    elif isinstance(tp, type) and issubclass(tp, enum.Enum):
        first = next(iter(tp))
        out += [
            ("enum value instead of member", first.value if not isinstance(first, int) else "x")
        ]
    elif origin in (tuple, frozenset):
        out += [("integer for collection", 5)]
    elif origin in (FrozenMap, Mapping) or tp is FrozenMap:
        out += [("integer for mapping", 5), ("list for mapping", [1])]
    elif isinstance(tp, type) and attrs.has(tp):
        out += [("dict for object", {"x": 1})]
    return out


def invalid_kwargs(cls: type) -> SearchStrategy[Invalid]:
    """Constructor keyword arguments for ``cls`` with one field of a wrong Python type.

    ``cls(**data)`` must raise :class:`~salesctl.errors.InvalidInput` (or
    :class:`~salesctl.errors.PolicyError` for :class:`~salesctl.policy.Policy`) whose path names
    the field: ``"Class.field"`` (the class prefix may be left out) or a path below it.

    Args:
        cls: an attrs class of salesctl (document, transaction, record, policy, …).
    """
    error: type[SalesctlError] = SalesctlError if cls is Policy else InvalidInput

    @st.composite
    def build(draw: st.DrawFn) -> Invalid:
        value = draw(from_type(cls))
        spec = fields_of(cls)
        kwargs = {a.alias: getattr(value, a.name) for a in attrs.fields(cls) if a.init}
        name, ftype, _req = draw(st.sampled_from(spec))
        base, optional = _optional(ftype)
        defect, wrong = draw(st.sampled_from(_wrong_py(base, optional)))
        kwargs[name] = wrong
        return Invalid(
            data=kwargs,
            path=f"{cls.__name__}.{name}",
            error=error,
            defect=f"{name}: {defect}",
            owner=cls.__name__,
        )

    return build()


def invalid_policy_toml() -> SearchStrategy[Invalid]:
    """Policy files (TOML text) with one defect, for :func:`salesctl.loads_policy`: an
    unknown table or key, a value of the wrong type, an unknown currency or control id, a
    syntax error. The error is a :class:`~salesctl.errors.PolicyError` at the path (key
    defects also name the line)."""
    from salesctl.controls import FAMILIES

    @st.composite
    def build(draw: st.DrawFn) -> Invalid:
        policy = draw(policies(families=draw(_FAMILY_SUBSETS)))
        data = json.loads(json.dumps(policy.to_dict()))
        how = draw(st.integers(0, 9))
        if how == 0:
            data["zz_unknown_table"] = {"a": 1}
            return Invalid(_toml(data), "zz_unknown_table", PolicyError, "unknown table")
        if how == 1:
            data["policy"]["base_currency"] = "XXX"
            return Invalid(_toml(data), "policy.base_currency", PolicyError, "unknown currency")
        if how == 2:
            data["policy"]["disabled"] = [*data["policy"]["disabled"], "O2C-ZZ-99"]
            return Invalid(_toml(data), "policy.disabled", PolicyError, "unknown control id")
        if how == 3:
            data["policy"]["zz_key"] = "x"
            return Invalid(_toml(data), "policy.zz_key", PolicyError, "unknown policy key")
        if how == 4:
            text = _toml(data)
            lines = text.splitlines()
            k = draw(st.integers(0, len(lines)))
            lines.insert(k, draw(st.sampled_from(["[credit", "a = ", "= 1", 'x = "open', "[[]]"])))
            return Invalid("\n".join(lines) + "\n", "", PolicyError, "syntax error")
        name = draw(st.sampled_from(sorted(FAMILIES)))
        table = data[name]
        bad, path, defect = _defects(draw, FAMILIES[name].policy_type, table, name, toml=True)
        if not isinstance(bad, dict):
            bad, path, defect = (
                {**table, "zz_unknown_key": 1},
                f"{name}.zz_unknown_key",
                "unknown key",
            )
        data[name] = bad
        return Invalid(_toml(data), path, PolicyError, defect)

    return build()


def _family_subsets() -> SearchStrategy[tuple[str, ...]]:
    from salesctl.controls import FAMILIES

    return st.lists(st.sampled_from(sorted(FAMILIES)), max_size=3, unique=True).map(
        lambda xs: tuple(sorted(xs))
    )


_FAMILY_SUBSETS = _family_subsets()


def _toml(data: Mapping[str, Any]) -> str:
    from salesctl.policy import _toml_text

    return _toml_text(data)


def invalid_event_lines() -> SearchStrategy[Invalid]:
    """JSON Lines event lines with one defect, for :func:`salesctl.events.read_events`:
    the line's error is a :class:`~salesctl.events.MalformedEvent` with the path (line 1)."""
    from salesctl import events as ev

    event_classes = sorted(ev.event_types().items())

    @st.composite
    def build(draw: st.DrawFn) -> Invalid:
        _name, cls = draw(st.sampled_from(event_classes))
        event = draw(from_type(cls))
        data = json.loads(json.dumps(ev.event_to_dict(event)))
        if draw(st.integers(0, 7)) == 0:
            data["type"] = "NoSuchEvent"
            return Invalid(json.dumps(data), "type", ev.MalformedEvent, "unknown event type")
        body = {k: v for k, v in data.items() if k != "type"}
        bad, path, defect = _defects(draw, cls, body, "")
        if not isinstance(bad, dict):
            return Invalid(json.dumps(bad), "", ev.MalformedEvent, "not an object")
        return Invalid(
            json.dumps({"type": data["type"], **bad}, ensure_ascii=False),
            path,
            ev.MalformedEvent,
            defect,
        )

    return build()


# -- fuzz material ----------------------------------------------------------------------------


def junk_json(*, max_leaves: int = 12) -> SearchStrategy[Any]:
    """Arbitrary JSON values (floats, huge and odd numbers, unicode, nesting) for fuzzing."""
    scalars = st.one_of(
        st.none(),
        st.booleans(),
        st.integers(),
        st.floats(allow_nan=True, allow_infinity=True),
        st.text(max_size=12),
        st.sampled_from(
            [
                "1000.00 CNY",
                "2026-03-02",
                "2026-03-02T10:15:00+08:00",
                "PlaceOrder",
                "NaN",
                "1e999",
                "-0",
                "CNY",
                "",
                " ",
            ]
        ),
    )
    return st.recursive(
        scalars,
        lambda inner: st.one_of(
            st.lists(inner, max_size=4),
            st.dictionaries(st.text(max_size=8), inner, max_size=4),
        ),
        max_leaves=max_leaves,
    )


def mutated_json(data: Any, *, max_mutations: int = 3) -> SearchStrategy[Any]:
    """``data`` (JSON) with a few random mutations anywhere: a node replaced by junk, a key
    dropped or added, a list emptied or duplicated, a text changed by a character. For fuzzing
    a boundary with inputs close to valid ones.

    Args:
        data: the valid JSON value to start from.
        max_mutations: the most mutations applied.
    """

    @st.composite
    def build(draw: st.DrawFn) -> Any:
        return mutate(draw, data, max_mutations=max_mutations)

    return build()


def _json_paths(x: Any, where: tuple[Any, ...]) -> list[tuple[Any, ...]]:
    out = [where]
    if isinstance(x, dict):
        for k, v in x.items():
            out += _json_paths(v, (*where, k))
    elif isinstance(x, list):
        for i, v in enumerate(x):
            out += _json_paths(v, (*where, i))
    return out


def mutate(draw: st.DrawFn, data: Any, *, max_mutations: int = 3) -> Any:
    """Apply :func:`mutated_json`'s mutations to ``data`` inside a composite strategy.

    Args:
        draw: the ``draw`` of an ``@st.composite`` function.
        data: the valid JSON value to start from.
        max_mutations: the most mutations applied.

    Returns:
        The mutated copy (``data`` itself is not changed).
    """
    x = data
    for _ in range(draw(_ints(1, max_mutations))):
        paths = _json_paths(x, ())
        where = paths[draw(_ints(0, len(paths) - 1))]
        node = _get(x, where)
        op = draw(_ints(0, 5))
        if op <= 1:
            x = _replace(x, where, draw(_junk(4)))
        elif op == 2 and isinstance(node, dict) and node:
            keys = sorted(node, key=str)
            k = keys[draw(_ints(0, len(keys) - 1))]
            x = _replace(x, where, {a: b for a, b in node.items() if a != k})
        elif op == 3 and isinstance(node, dict):
            x = _replace(x, where, {**node, draw(_SHORT_TEXT): draw(_junk(2))})
        elif op == 4 and isinstance(node, list):
            x = _replace(x, where, node + node if node else [])
        elif op == 5 and isinstance(node, str):
            changed = (node + "x", node[:-1], node.upper(), " " + node)
            x = _replace(x, where, changed[draw(_ints(0, 3))])
    return x


_SHORT_TEXT = st.text(max_size=6)


@functools.cache
def _junk(max_leaves: int) -> SearchStrategy[Any]:
    return junk_json(max_leaves=max_leaves)


def _register_core() -> None:
    _REGISTRY.update(
        {
            Actor: lambda c: actors(),
            CreditProfile: lambda c: credit_profiles(c),
            Customer: lambda c: customers(c),
            Product: lambda c: products(),
            SalesOrder: lambda c: sales_orders(c),
            CreditExposure: lambda c: credit_exposures(c),
            Approval: lambda c: approvals(currency=c),
            CreditRelease: lambda c: credit_releases(currency=c),
            Context: lambda c: contexts(c, flow=False),
            Policy: lambda c: policies(),
            Decision: lambda c: decisions(),
        }
    )
    from salesctl.controls import FAMILIES

    def family_factory(fam: Any) -> Factory:
        return lambda c: _family_policy(fam, c)

    for fam in FAMILIES.values():
        _REGISTRY[fam.policy_type] = family_factory(fam)
    _register_flow()


def _register_flow() -> None:
    """Values whose validity a field-by-field draw rarely hits: periods that fit their kind,
    duty pairs from the known duties."""
    from salesctl.controls.duties import DUTIES, DutyConflict
    from salesctl.records import _PERIOD_KINDS, Period

    kinds = sorted(_PERIOD_KINDS, key=lambda k: k.value)
    _REGISTRY[Period] = lambda c: st.builds(
        Period.containing,
        st.dates(dt.date(2025, 1, 1), dt.date(2027, 12, 31)),
        st.sampled_from(kinds),
    )
    _REGISTRY[DutyConflict] = lambda c: st.builds(
        lambda pair, src: DutyConflict(first=pair[0], second=pair[1], source=src),
        st.permutations(DUTIES).map(lambda d: (d[0], d[1])),
        st.sampled_from(["", "S-IC 2.2", "S-IC 5.1"]),
    )


_register_core()
