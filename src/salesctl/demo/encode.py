"""The demo's fast writer: each event's JSON line, byte for byte the line
``json.dumps(event_to_dict(event), ensure_ascii=False, separators=(",", ":"))`` gives, without
walking the generic :func:`~salesctl._convert.unstructure` for every value.

:func:`event_data` turns an event into the same JSON-ready dict as
:func:`~salesctl.events.event_to_dict`, through one converter per *runtime* type, made on first
use: the converter of an attrs class is generated (once, with ``exec``) to read its fields in
order, skip the ``OMIT_DEFAULT`` ones equal to their default and convert each value by its own
type — exactly the decisions :func:`~salesctl._convert.unstructure` takes, in the same order,
taken once per type instead of once per value. :func:`encode_line` encodes that dict with
msgspec (compact, UTF-8, non-ASCII written as is: the bytes of the ``json.dumps`` call above
encoded in UTF-8; ``tests/test_demo.py`` pins the hashes of a year written this way).
"""

from __future__ import annotations

import datetime as dt
import enum
import operator
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

import attrs
import msgspec

from salesctl._convert import OMIT_DEFAULT, unstructure
from salesctl.model import (
    Actor,
    CreditProfile,
    Customer,
    OrderLine,
    PaymentTerms,
    Product,
    SalesOrder,
)
from salesctl.money import Money

__all__ = ["encode_line", "encode_lines", "event_data", "iso_date", "iso_time", "to_data"]

_Conv = Callable[[Any], Any]
#: Converters by exact runtime type (``None`` for the types written as they are).
_BY_TYPE: dict[type, _Conv | None] = {type(None): None, bool: None, int: None, str: None}
_ENCODER = msgspec.json.Encoder()
_encode = _ENCODER.encode
_encode_lines = _ENCODER.encode_lines


_datetime = dt.datetime
_date = dt.date
_FIXED = dt.timezone
#: How many dates or zones :func:`iso_date` and :func:`iso_time` remember (then they start
#: again).
_ISO_MAX = 1024
#: ``"THH:MM:"`` of each minute of the day, ``"SS"`` of each second.
_HH_MM = tuple(f"T{h:02d}:{m:02d}:" for h in range(24) for m in range(60))
_SS = tuple(f"{s:02d}" for s in range(60))
#: The offset's text (``"+08:00"``) of each fixed-offset zone seen, by zone (zones of equal
#: offset are equal keys, and write one text).
_OFFSETS: dict[dt.tzinfo, str] = {}


def iso_time(x: dt.datetime) -> str:
    """``x.isoformat()``, put together for a time in a fixed-offset zone (exactly a
    ``datetime`` whose ``tzinfo`` is a ``datetime.timezone``): its date's text
    (:func:`iso_date`), its hour and minute and its second from tables, its microseconds when
    not zero, and its zone's offset as ``isoformat`` writes it (worked out once per zone).

    An aware ``isoformat`` formats the date, the time and the offset through ``sprintf`` and
    asks the zone its offset each time (about 10,000 instructions; a default year writes
    117,000 times). Any other time (naive, another kind of zone, a subclass) is formatted by
    its ``isoformat``. ``tests/test_demo_thirteenth.py`` compares it with ``isoformat``.
    """
    tz = x.tzinfo
    if type(tz) is not _FIXED or type(x) is not _datetime:
        return x.isoformat()
    offset = _OFFSETS.get(tz)
    if offset is None:
        naive = x.replace(tzinfo=None).isoformat()
        offset = x.isoformat()[len(naive) :]
        if len(_OFFSETS) >= _ISO_MAX:
            _OFFSETS.clear()
        _OFFSETS[tz] = offset
    d = x.date()
    day = _DAYS.get(d)
    if day is None:
        day = iso_date(d)
    us = x.microsecond
    if us:
        return f"{day}{_HH_MM[x.hour * 60 + x.minute]}{_SS[x.second]}.{us:06d}{offset}"
    return f"{day}{_HH_MM[x.hour * 60 + x.minute]}{_SS[x.second]}{offset}"


#: The text of the dates written, by value (a year names a few hundred days).
_DAYS: dict[dt.date, str] = {}


def iso_date(x: dt.date) -> str:
    """``x.isoformat()`` for a date (exactly a ``datetime.date``), remembered by value: equal
    dates have one text, and a year's 88,000 dates in the demo's lines are some 400 days
    (``isoformat`` formats three numbers through ``sprintf`` each time). Any other value
    (a ``datetime``, a subclass) is formatted by its ``isoformat``.
    ``tests/test_demo_thirteenth.py`` compares it with ``isoformat``."""
    if type(x) is not _date:
        return x.isoformat()
    text = _DAYS.get(x)
    if text is None:
        text = x.isoformat()
        if len(_DAYS) >= _ISO_MAX:
            _DAYS.clear()
        _DAYS[x] = text
    return text


def to_data(value: Any) -> Any:
    """``value`` as JSON-ready data: equal to :func:`~salesctl._convert.unstructure`."""
    t = type(value)
    try:
        conv = _BY_TYPE[t]
    except KeyError:
        conv = _converter(t)
    return value if conv is None else conv(value)


def event_data(event: Any) -> dict[str, Any]:
    """The JSON form of an event, with its ``"type"`` first: equal to
    :func:`~salesctl.events.event_to_dict`."""
    t = type(event)
    try:
        conv = _EVENTS[t]
    except KeyError:
        conv = _EVENTS[t] = _event_converter(t)
    out: dict[str, Any] = conv(event)
    return out


def encode_line(data: dict[str, Any] | str) -> bytes:
    """One line of ``events.jsonl`` (without its line end): a JSON-ready dict encoded compactly
    in UTF-8, or a malformed line written as it is."""
    if isinstance(data, str):
        return data.encode("utf-8")
    out: bytes = _encode(data)
    return out


def encode_lines(batch: list[dict[str, Any]]) -> bytes:
    """Lines of ``events.jsonl`` for a batch of JSON-ready dicts, each with its line end: the
    bytes of :func:`encode_line` and ``b"\\n"`` for each, in one call."""
    out: bytes = _encode_lines(batch)
    return out


_EVENTS: dict[type, _Conv] = {}


def _event_converter(t: type) -> _Conv:
    name = t.__name__
    if attrs.has(t) and getattr(t, "to_data", None) is None:
        return _attrs_converter(t, first=name, registry=_EVENTS)

    def conv(event: Any) -> dict[str, Any]:
        return {"type": name, **to_data(event)}

    return conv


def _converter(t: type) -> _Conv | None:
    """The converter of values of exact type ``t``: the branch of ``unstructure`` they take."""
    conv: _Conv | None
    if issubclass(t, enum.IntEnum):
        # A member's ``name`` is its ``_name_`` (read directly: neither the ``name`` property
        # nor a table lookup, which would call the enum's Python-level ``__hash__``).
        conv = _NAME
    elif issubclass(t, bool | int | str) or t is type(None):
        # A subclass (not an enum): unstructure returns it as is and json writes its value.
        conv = None if t in (bool, int, str) else unstructure
    elif issubclass(t, Money | Decimal):
        conv = str
    elif t is dt.datetime:
        conv = iso_time
    elif t is dt.date:
        conv = iso_date
    elif issubclass(t, dt.datetime | dt.date):
        conv = _isoformat
    elif issubclass(t, enum.Enum):
        # Values of str and int written as they are (``value`` is ``_value_``).
        plain = all(type(m.value) in (str, int) for m in t.__members__.values())
        conv = _VALUE if plain else _enum_value
    elif issubclass(t, tuple | list):
        conv = _sequence
    elif issubclass(t, frozenset | set):
        conv = _set
    elif issubclass(t, Mapping):
        conv = _mapping
    elif attrs.has(t):
        if getattr(t, "to_data", None) is not None:
            conv = unstructure
        elif t in _SHARED:
            conv = _by_identity(_attrs_converter(t))
        else:
            conv = _attrs_converter(t, registry=_BY_TYPE)
    else:
        conv = unstructure  # raises the generic error
    _BY_TYPE[t] = conv
    return conv


_NAME = operator.attrgetter("_name_")
_VALUE = operator.attrgetter("_value_")

#: Immutable values the host passes around as shared instances (its people, its products, a
#: customer as its documents carry it; an order, its lines and terms, carried by the order's
#: placing, its notice and its contract; a credit profile): each instance is converted once and
#: its data reused (the dicts are then shared between events: read-only, as all event data is).
_SHARED: frozenset[type] = frozenset(
    {Actor, Customer, Product, SalesOrder, OrderLine, PaymentTerms, CreditProfile}
)
#: How many instances a shared type's converter remembers (then it starts again).
_SHARED_MAX = 4096


def _by_identity(conv: _Conv) -> _Conv:
    """``conv`` remembering its result per instance (the instance is kept, so its id is not
    reused while remembered)."""
    seen: dict[int, tuple[Any, Any]] = {}

    def cached(v: Any) -> Any:
        hit = seen.get(id(v))
        if hit is not None and hit[0] is v:
            return hit[1]
        if len(seen) >= _SHARED_MAX:
            seen.clear()
        data = conv(v)
        seen[id(v)] = (v, data)
        return data

    return cached


def _isoformat(v: Any) -> Any:
    return v.isoformat()


def _enum_value(v: Any) -> Any:
    return to_data(v.value)


def _sequence(v: Any) -> Any:
    out = []
    for x in v:
        t = type(x)
        try:
            conv = _BY_TYPE[t]
        except KeyError:
            conv = _converter(t)
        out.append(x if conv is None else conv(x))
    return out


def _set(v: Any) -> Any:
    return sorted((to_data(x) for x in v), key=repr)


def _mapping(v: Any) -> Any:
    return {str(k): to_data(x) for k, x in v.items()}


#: How many values of a class :func:`_attrs_converter`'s converter converts by the fields'
#: spec (:func:`_convert_fields`) before it generates the class's own converter
#: (:func:`_compile_converter`): about half the classes a year writes are written a few dozen
#: times or fewer, where generating and compiling the converter costs more than it saves.
_COMPILE_AFTER = 256


def _fields_spec(t: type) -> tuple[tuple[str, bool, Any], ...]:
    """The init fields of attrs class ``t`` in order: name, whether it is left out when equal
    to its default (``OMIT_DEFAULT``), that default."""
    return tuple(
        (a.name, bool(a.metadata.get(OMIT_DEFAULT)), a.default) for a in attrs.fields(t) if a.init
    )


def _convert_fields(
    v: Any, spec: tuple[tuple[str, bool, Any], ...], first: str | None
) -> dict[str, Any]:
    """What :func:`_compile_converter`'s converter of the class of ``spec`` gives for ``v``,
    the same decisions in the same order, read from the spec instead of generated code."""
    out: dict[str, Any] = {} if first is None else {"type": first}
    for name, omit, default in spec:
        x = getattr(v, name)
        if omit and x == default:
            continue
        t = type(x)
        if t is str or x is None:
            out[name] = x
        elif t is Money:
            out[name] = f"{x.amount} {x.currency}"  # Money.__str__, without its call
        elif t is dt.datetime:
            out[name] = iso_time(x)
        elif t is dt.date:
            out[name] = iso_date(x)
        else:
            try:
                c = _BY_TYPE[t]
            except KeyError:
                c = _converter(t)
            out[name] = x if c is None else c(x)
    return out


def _attrs_converter(
    t: type, first: str | None = None, registry: dict[type, Any] | None = None
) -> _Conv:
    """The converter of an attrs class: its init fields in order, each converted by its
    runtime type (``first``: an event's ``"type"``, written before them).

    The first :data:`_COMPILE_AFTER` values are converted from the fields' spec
    (:func:`_convert_fields`); then the class's converter is generated
    (:func:`_compile_converter`, the same data) and converts the rest, put in ``registry``
    in this converter's place when given (so later calls go to it directly).
    """
    spec = _fields_spec(t)
    uses = 0
    compiled: _Conv | None = None

    def conv(v: Any) -> Any:
        nonlocal uses, compiled
        if compiled is not None:
            return compiled(v)
        uses += 1
        if uses <= _COMPILE_AFTER:
            return _convert_fields(v, spec, first)
        compiled = _compile_converter(t, first)
        if registry is not None and registry.get(t) is conv:
            registry[t] = compiled
        return compiled(v)

    return conv


def _compile_converter(t: type, first: str | None = None) -> _Conv:
    """Generate the converter of an attrs class: its init fields in order, each converted by
    its runtime type (``first``: an event's ``"type"``, written before them)."""
    ns: dict[str, Any] = {
        "_BY_TYPE": _BY_TYPE,
        "_converter": _converter,
        "_str": str,
        "_Money": Money,
        "_datetime": dt.datetime,
        "_date": dt.date,
        "_iso": iso_time,
        "_iso_date": iso_date,
        "_DAYS": _DAYS,
    }
    head = "{}" if first is None else f"{{'type': {first!r}}}"
    body = ["def conv(v):", f"    out = {head}"]
    for i, a in enumerate(attrs.fields(t)):
        if not a.init:
            continue
        body.append(f"    x = v.{a.name}")
        pad = "    "
        if a.metadata.get(OMIT_DEFAULT):
            ns[f"_d{i}"] = a.default
            body.append(f"    if not (x == _d{i}):")
            pad = "        "
        key = repr(a.name)
        # The commonest leaves inline, by exact type (the branch _converter gives them).
        body += [
            f"{pad}t = type(x)",
            f"{pad}if t is _str or x is None:",
            f"{pad}    out[{key}] = x",
            f"{pad}elif t is _Money:",
            f'{pad}    out[{key}] = f"{{x.amount}} {{x.currency}}"',
            f"{pad}elif t is _datetime:",
            f"{pad}    out[{key}] = _iso(x)",
            f"{pad}elif t is _date:",
            f"{pad}    s = _DAYS.get(x)",
            f"{pad}    out[{key}] = s if s is not None else _iso_date(x)",
            f"{pad}else:",
            f"{pad}    try:",
            f"{pad}        c = _BY_TYPE[t]",
            f"{pad}    except KeyError:",
            f"{pad}        c = _converter(t)",
            f"{pad}    out[{key}] = x if c is None else c(x)",
        ]
    body.append("    return out")
    exec(compile("\n".join(body), f"<salesctl demo writer {t.__qualname__}>", "exec"), ns)
    conv: _Conv = ns["conv"]
    return conv
