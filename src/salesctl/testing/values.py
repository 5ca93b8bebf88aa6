"""Valid values from types: the primitives and the generic builder.

The generic builder (:func:`from_type`) draws any attrs class salesctl reads from its field
types (the rules are in the :mod:`salesctl.testing` docs); :func:`register_strategy` puts an
explicit strategy in its place for one class. The primitives (currencies, amounts, money,
identifiers, texts, datetimes) are the leaves every other strategy of the kit draws.
"""

from __future__ import annotations

import datetime as dt
import enum
import functools
import types
import typing
from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal
from typing import Any, ParamSpec, TypeVar, Union

import attrs
from hypothesis import reject
from hypothesis import strategies as st
from hypothesis.strategies import SearchStrategy

from salesctl._convert import fields_of
from salesctl.controls import CONTROLS
from salesctl.decision import MESSAGES, ApprovalRequirement
from salesctl.errors import InvalidInput, SalesctlError
from salesctl.model import FrozenMap, SalesOrder
from salesctl.money import CURRENCIES, Money

__all__ = [
    "DEFAULT_CURRENCIES",
    "ROLES",
    "Factory",
    "amounts",
    "currencies",
    "datetimes",
    "draw_fields",
    "from_type",
    "identifiers",
    "memo",
    "money",
    "register_strategy",
    "texts",
    "unwrap_optional",
]

#: The currencies drawn by default: two-, zero- and three-decimal minor units.
DEFAULT_CURRENCIES: tuple[str, ...] = ("CNY", "USD", "EUR", "JPY", "KWD")

_TZS = tuple(
    dt.timezone(dt.timedelta(hours=h, minutes=m))
    for h, m in ((8, 0), (0, 0), (-5, 0), (5, 30), (9, 0), (-3, -30), (14, 0))
)
_HUMAN = st.characters(codec="utf-8", exclude_categories=("Cs", "Cc", "Zl", "Zp"))


# -- primitives -----------------------------------------------------------------------------

_P = ParamSpec("_P")
_R = TypeVar("_R")


def memo(fn: Callable[_P, _R]) -> Callable[_P, _R]:
    """Return the same strategy object for the same (hashable) arguments.

    Hypothesis validates every new strategy object on its first draw; the kit's builders are
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


@memo
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


@memo
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


@memo
def identifiers(prefix: str = "ID") -> SearchStrategy[str]:
    """Document and actor ids such as ``"SO-17"`` (no blanks, no dots)."""
    return st.builds(
        lambda n, tail: f"{prefix}-{n}{tail}", st.integers(1, 999), st.sampled_from(["", "", "甲"])
    )


@memo
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

#: What :func:`register_strategy` takes: the currency of the draw -> a strategy.
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


def unwrap_optional(tp: Any) -> tuple[Any, bool]:
    """``(X, True)`` for ``X | None`` (``Optional[X]``), else ``(tp, False)``."""
    if typing.get_origin(tp) in (Union, types.UnionType):
        args = typing.get_args(tp)
        if type(None) in args:
            rest = [a for a in args if a is not type(None)]
            return (rest[0] if len(rest) == 1 else Union[tuple(rest)]), True  # noqa: UP007
    return tp, False


_NAMED_TEXT = frozenset(
    {"name", "title", "reason", "description", "signed_by", "note", "title_zh", "title_en"}
)
#: The roles the default policy names (drawn wherever a role is wanted).
ROLES = (
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
        return st.sampled_from(ROLES)
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
        return st.sampled_from(sorted(CONTROLS))
    if name == "message":
        return st.sampled_from(sorted(MESSAGES))
    if owner is ApprovalRequirement and name == "amount":
        return st.one_of(st.just(""), money().map(str))
    prefix = "".join(p[:1] for p in name.split("_")).upper() or "X"
    return identifiers(prefix)


def _draw(draw: st.DrawFn, tp: Any, env: _Env, cur: _Cursor, name: str, owner: type | None) -> Any:
    """One valid value of type ``tp`` for field ``name`` of ``owner``."""
    base, optional = unwrap_optional(tp)
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
    reject()
    raise last  # pragma: no cover - reject() raises


@memo
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


def draw_fields(
    draw: st.DrawFn,
    owner: type,
    fields: Iterable[tuple[str, Any]],
    currency: str,
    *,
    sizes: int = 3,
) -> dict[str, Any]:
    """Draw a value for each ``(name, type)`` of ``owner`` as the generic builder does.

    For explicit strategies that draw some fields themselves and leave the rest generic
    (:func:`~salesctl.testing.contexts`, the family policies). One currency and anchor for the
    whole draw; each field starts its own run of dates and amounts.

    Args:
        draw: the ``draw`` of an ``@st.composite`` function.
        owner: the class the fields belong to (some field names pick their text, e.g. roles).
        fields: the field names and resolved types (see :func:`salesctl._convert.fields_of`).
        currency: the currency of every amount.
        sizes: the most items per collection.
    """
    env = draw(_envs(currency, sizes))
    return {n: _draw(draw, t, env, _cursor(env), n, owner) for n, t in fields}
