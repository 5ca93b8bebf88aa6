"""Plain data (JSON, TOML) <-> salesctl values, with field paths in every error.

One small, strict converter for all of salesctl's attrs classes, so that the JSON of a
transaction, a context, a decision and the tables of a policy file follow one set of rules:

* unknown keys are errors; missing required keys are errors;
* amounts are ``"1000.00 CNY"`` strings or ``{"amount": "1000.00", "currency": "CNY"}``;
  floats are refused everywhere;
* dates are ``YYYY-MM-DD``; datetimes are ISO 8601 with a UTC offset;
* enums by value; tuples and sets from lists; mappings from objects;
* a class with its own data forms reads them itself: an attrs class that defines
  ``from_data(data, path)`` (and ``to_data()``, ``json_schema()``) is read, written and
  described by those (e.g. :class:`salesctl.model.CreditTerms`: ``30``, ``"eom+30"``, an object).

**Reading JSON text.** :func:`json_loads` is the one JSON parser of salesctl's file boundaries
(check files, event lines). It refuses nothing itself: a duplicate key or an integer longer
than :data:`~salesctl.money.MAX_NUMBER_LENGTH` characters is left in the data as a mark that
:func:`structure` reports at its field path (as it reports a float), so every such error names
the field. :func:`too_deep` finds nesting deeper than :data:`MAX_DEPTH` before a parser recurses
into it, :func:`line_of` the line of a field path in the text.
"""

from __future__ import annotations

import datetime as dt
import enum
import json
import re
import sys
import types
import typing
from collections.abc import Mapping
from decimal import Decimal
from functools import cache
from typing import Any, Union

import attrs

from salesctl._validators import FrozenMap, is_unicode, unicode_error
from salesctl.errors import InvalidInput, SalesctlError
from salesctl.money import MAX_NUMBER_LENGTH, Money, to_decimal

__all__ = [
    "MAX_DEPTH",
    "MAX_LINE_LENGTH",
    "OMIT_DEFAULT",
    "fields_of",
    "json_loads",
    "line_of",
    "own_reader",
    "refuse_marked",
    "strict_date",
    "strict_datetime",
    "structure",
    "toml_too_deep",
    "too_deep",
    "unstructure",
]

#: The deepest nesting of arrays and objects (tables) read from JSON and TOML text. salesctl's
#: deepest document needs about 8; the limit keeps every reader far from Python's recursion
#: limit.
MAX_DEPTH = 64

#: attrs field metadata key: a field whose value equals its default is left out when written
#: (:func:`unstructure`) — for optional fields added after data was first written, so that
#: such data writes byte for byte as before (journal records, event lines).
OMIT_DEFAULT = "salesctl_omit_default"

#: The longest event line read (characters, or bytes before decoding): 1 MiB.
MAX_LINE_LENGTH = 1 << 20


# -- JSON text ----------------------------------------------------------------------------------


class _Refused:
    """A JSON value refused while parsing (an over-long integer), left in the data so that
    :func:`structure` reports it at its field path."""

    __slots__ = ("reason", "text")

    def __init__(self, reason: str, text: str) -> None:
        self.reason = reason
        self.text = text if len(text) <= 40 else f"{text[:20]}...({len(text)} characters)"

    def __repr__(self) -> str:
        return self.text


class _Duplicated(dict):  # type: ignore[type-arg]
    """A JSON object that had a key twice (``duplicate``; the last value was kept)."""

    __slots__ = ("duplicate",)
    duplicate: str


def _pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    d = dict(pairs)
    if len(d) == len(pairs):
        return d
    seen: set[str] = set()
    for key, _ in pairs:  # pragma: no branch - a duplicate is there
        if key in seen:
            break
        seen.add(key)
    out = _Duplicated(d)
    out.duplicate = key
    return out


def _int(text: str) -> Any:
    if len(text) > MAX_NUMBER_LENGTH:
        return _Refused(f"is a number longer than {MAX_NUMBER_LENGTH} characters", text)
    return int(text)


_DECODER = json.JSONDecoder(object_pairs_hook=_pairs, parse_int=_int)


def json_loads(text: str) -> Any:
    """Parse JSON text, leaving what salesctl refuses as marks :func:`structure` reports.

    Duplicate keys and integers longer than :data:`~salesctl.money.MAX_NUMBER_LENGTH`
    characters do not raise here: the field that holds one raises
    :class:`~salesctl.errors.InvalidInput` at its path when the data is read with
    :func:`structure` (or :func:`refuse_marked`). Floats (and ``NaN``, ``Infinity``) are
    floats, which :func:`structure` refuses at their path like any other. Call
    :func:`too_deep` first on text that may be nested deeply.

    Raises:
        json.JSONDecodeError: for text that is not JSON.
    """
    return _DECODER.decode(text)


def refuse_marked(data: Any, path: str = "") -> None:
    """Raise for a mark :func:`json_loads` left at ``data`` itself (not inside it).

    Raises:
        InvalidInput: a duplicate key (at the key's path) or a refused number.
    """
    kind = type(data)
    if kind is _Duplicated:
        key = data.duplicate
        raise InvalidInput(
            "duplicate key (each key may appear once)", path=_join(path, key or '""'), value=key
        )
    if kind is _Refused:
        raise InvalidInput(data.reason, path=path, value=data)


def _refuse_marked_within(data: Any, path: str) -> None:
    """:func:`refuse_marked` for ``data`` and everything inside it, floats included (depth is
    bounded by :data:`MAX_DEPTH` for parsed text)."""
    refuse_marked(data, path)
    if isinstance(data, float):
        raise InvalidInput(
            'floats are refused; write the number as a string such as "12.50"',
            path=path,
            value=data,
        )
    if isinstance(data, dict):
        for k, v in data.items():
            _refuse_marked_within(v, _join(path, str(k)))
    elif isinstance(data, list):
        for i, v in enumerate(data):
            _refuse_marked_within(v, f"{path}[{i}]")


_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKET = re.compile(r"[\[\]{}]")


def _deeper_than_max(text: str) -> int | None:
    depth = 0
    for m in _BRACKET.finditer(text):
        if m.group() in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                return m.start()
        else:
            depth -= 1
    return None


def _blank(m: re.Match[str]) -> str:
    return re.sub(r"[^\n]", " ", m.group())


def too_deep(text: str) -> int | None:
    """The offset in JSON ``text`` where arrays and objects nest deeper than :data:`MAX_DEPTH`,
    or ``None`` (cheap for text with few brackets: it counts them first)."""
    if text.count("[") + text.count("{") <= MAX_DEPTH:
        return None
    return _deeper_than_max(_JSON_STRING.sub(_blank, text))


_TOML_SKIP = re.compile(
    r'''"""[\s\S]*?"""|\'\'\'[\s\S]*?\'\'\'|"(?:[^"\\\n]|\\.)*"|'[^'\n]*'|#[^\n]*'''
)
_TOML_LONG_NUMBER = re.compile(f"[0-9_]{{{MAX_NUMBER_LENGTH + 1},}}")


def toml_too_deep(source: str) -> tuple[int, str] | None:
    """``(line, reason)`` of the first thing in TOML ``source`` that salesctl does not read:
    arrays and inline tables nested deeper than :data:`MAX_DEPTH` (the TOML parser would
    recurse into them) or a number longer than :data:`~salesctl.money.MAX_NUMBER_LENGTH`
    characters; ``None`` when there is none. Strings and comments are skipped."""
    bare = _TOML_SKIP.sub(_blank, source)
    long_number = _TOML_LONG_NUMBER.search(bare)
    if long_number is not None:
        return (
            bare.count("\n", 0, long_number.start()) + 1,
            f"a number longer than {MAX_NUMBER_LENGTH} characters",
        )
    if bare.count("[") + bare.count("{") <= MAX_DEPTH:
        return None
    pos = _deeper_than_max(bare)
    if pos is None:
        return None
    return bare.count("\n", 0, pos) + 1, f"nested deeper than {MAX_DEPTH} levels"


_WS = re.compile(r"[ \t\n\r]*")
_JSON_SCALAR = re.compile(r'-?[0-9][0-9.eE+-]*|true|false|null|NaN|-?Infinity')


def _positions(text: str) -> dict[str, int]:
    """The offset of the value at every field path of JSON ``text`` (paths as
    :func:`structure` writes them; a duplicate key's path points at its last value)."""
    out: dict[str, int] = {}
    scan = json.decoder.scanstring  # type: ignore[attr-defined]

    def value(i: int, path: str) -> int:
        i = _WS.match(text, i).end()  # type: ignore[union-attr]
        out[path] = i
        c = text[i]
        if c in "{[":
            close = "}" if c == "{" else "]"
            i = _WS.match(text, i + 1).end()  # type: ignore[union-attr]
            k = 0
            while text[i] != close:
                if c == "{":
                    key, i = scan(text, i + 1)
                    i = _WS.match(text, i).end() + 1  # type: ignore[union-attr] # the colon
                    i = value(i, _join(path, key or '""'))
                else:
                    i = value(i, f"{path}[{k}]")
                k += 1
                i = _WS.match(text, i).end()  # type: ignore[union-attr]
                if text[i] == ",":
                    i = _WS.match(text, i + 1).end()  # type: ignore[union-attr]
            return i + 1
        if c == '"':
            return int(scan(text, i + 1)[1])
        return _JSON_SCALAR.match(text, i).end()  # type: ignore[union-attr]

    value(0, "")
    return out


def line_of(text: str, path: str) -> int | None:
    """The 1-based line of the value at ``path`` in JSON ``text`` (or of its nearest enclosing
    value that is there); ``None`` when the text cannot be read."""
    try:
        where = _positions(text)
    except (ValueError, IndexError, AttributeError, RecursionError):
        return None
    p = path
    while p and p not in where:
        cut = max(p.rfind("."), p.rfind("[") if p.endswith("]") else -1)
        p = p[: max(cut, 0)]
    pos = where.get(p)
    return None if pos is None else text.count("\n", 0, pos) + 1


# -- dates ------------------------------------------------------------------------------------

_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_DATETIME = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]{1,6})?)?"
    r"(?:[Zz]|[+-][0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]{1,6})?)?)?"
)


def strict_date(text: str) -> bool:
    """True when ``text`` is a calendar date ``YYYY-MM-DD`` in ASCII digits (Python's
    ``date.fromisoformat`` also reads week dates such as ``2026-W10-1`` and ``20260302``)."""
    return _DATE.fullmatch(text) is not None


def strict_datetime(text: str) -> bool:
    """True when ``text`` has the form of an ISO 8601 / RFC 3339 date-time
    ``YYYY-MM-DDTHH:MM[:SS[.ffffff]][offset]`` in ASCII digits (no week dates, no basic
    format)."""
    return _DATETIME.fullmatch(text) is not None


@cache
def fields_of(cls: type) -> tuple[tuple[str, Any, bool], ...]:
    """``(name, resolved type, required)`` of every ``init`` field of an attrs class."""
    module = sys.modules[cls.__module__]
    hints = typing.get_type_hints(cls, vars(module))
    out = []
    for a in attrs.fields(cls):
        if not a.init:
            continue
        out.append((a.name, hints[a.name], a.default is attrs.NOTHING))
    return tuple(out)


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _retag(err: SalesctlError, cls: type, path: str) -> SalesctlError:
    """Turn ``Class.field`` paths raised by validators into the document's path."""
    p = err.path
    name = cls.__name__ + "."
    if p == cls.__name__:
        p = ""
    elif p.startswith(name):
        p = p[len(name) :]
    elif p and "." in p and p.split(".", 1)[0][:1].isupper():
        # A nested class's own validator (e.g. Money.amount raised while building a line):
        # keep its field name, drop the class name.
        p = p.split(".", 1)[1]
    new = type(err).__new__(type(err))
    SalesctlError.__init__(new, err.reason, path="", line=err.line, value=err.value)
    return new.at(_join(path, p) if p else path)


def structure(data: Any, tp: Any, path: str = "") -> Any:
    """Build a value of type ``tp`` from plain data.

    Args:
        data: JSON/TOML data.
        tp: the target type (an attrs class, ``Money``, ``Decimal``, ``tuple[X, ...]``, …).
        path: field path of ``data`` in the input, for errors.

    Raises:
        InvalidInput: naming the path of the first malformed value.
    """
    kind = type(data)
    if kind is _Refused or kind is _Duplicated:
        refuse_marked(data, path)
    origin = typing.get_origin(tp)
    if origin in (Union, types.UnionType):
        args = typing.get_args(tp)
        if data is None:
            if type(None) in args:
                return None
            raise InvalidInput("must not be null", path=path)
        non_none = [a for a in args if a is not type(None)]
        if len(non_none) == 1:
            return structure(data, non_none[0], path)
        raise InvalidInput("ambiguous type", path=path, value=data)  # pragma: no cover
    if data is None:
        raise InvalidInput("must not be null", path=path)
    if tp is Any:
        _refuse_marked_within(data, path)
        return data
    if tp is str:
        if not isinstance(data, str):
            raise InvalidInput(f"must be a string, not {_jt(data)}", path=path, value=data)
        if not data.isascii() and not is_unicode(data):
            raise unicode_error(data, path)
        return data
    if tp is bool:
        if not isinstance(data, bool):
            raise InvalidInput(f"must be true or false, not {_jt(data)}", path=path, value=data)
        return data
    if tp is int:
        if isinstance(data, bool) or not isinstance(data, int):
            raise InvalidInput(f"must be an integer, not {_jt(data)}", path=path, value=data)
        return data
    if tp is Decimal:
        return to_decimal(data, path=path)
    if tp is Money:
        return _money(data, path)
    if tp is dt.datetime:
        return _datetime(data, path)
    if tp is dt.date:
        return _date(data, path)
    if isinstance(tp, type) and issubclass(tp, enum.IntEnum) and isinstance(data, str):
        try:
            return tp[data]
        except KeyError:
            allowed = ", ".join(m.name for m in tp)
            raise InvalidInput(f"must be one of {allowed}", path=path, value=data) from None
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        if isinstance(data, bool):  # true is not 1 here: an IntEnum would read it as a member
            allowed = ", ".join(repr(m.value) for m in tp)
            raise InvalidInput(f"must be one of {allowed}", path=path, value=data)
        try:
            return tp(data)
        except ValueError:
            allowed = ", ".join(repr(m.value) for m in tp)
            raise InvalidInput(f"must be one of {allowed}", path=path, value=data) from None
    if origin is tuple:
        args = typing.get_args(tp)
        if not isinstance(data, list | tuple):
            raise InvalidInput(f"must be a list, not {_jt(data)}", path=path, value=data)
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(structure(x, args[0], f"{path}[{i}]") for i, x in enumerate(data))
        if len(args) != len(data):
            raise InvalidInput(f"must have {len(args)} items", path=path, value=data)
        return tuple(
            structure(x, t, f"{path}[{i}]") for i, (x, t) in enumerate(zip(data, args, strict=True))
        )
    if origin is frozenset:
        (arg,) = typing.get_args(tp)
        if not isinstance(data, list | tuple | set | frozenset):
            raise InvalidInput(f"must be a list, not {_jt(data)}", path=path, value=data)
        return frozenset(structure(x, arg, f"{path}[{i}]") for i, x in enumerate(data))
    if origin in (FrozenMap, Mapping) or tp is FrozenMap:
        kt, vt = typing.get_args(tp) or (str, Any)
        if not isinstance(data, Mapping):
            raise InvalidInput(f"must be an object, not {_jt(data)}", path=path, value=data)
        return FrozenMap(
            (structure(k, kt, path), structure(v, vt, _join(path, str(k)))) for k, v in data.items()
        )
    if isinstance(tp, type) and attrs.has(tp):
        return _attrs(data, tp, path)
    raise InvalidInput(f"cannot read values of type {tp!r}", path=path)  # pragma: no cover


def _jt(data: Any) -> str:
    return {
        dict: "an object",
        list: "a list",
        str: "a string",
        int: "an integer",
        float: "a float",
        bool: "a boolean",
    }.get(type(data), type(data).__name__)


@cache
def own_reader(cls: type) -> Any:
    """The class's own ``from_data(data, path)`` reader, or ``None`` (read by its fields)."""
    return getattr(cls, "from_data", None)


def _attrs(data: Any, cls: type, path: str) -> Any:
    if isinstance(data, cls):
        return data
    reader = own_reader(cls)
    if reader is not None:
        return reader(data, path)
    if not isinstance(data, Mapping):
        raise InvalidInput(f"must be an object, not {_jt(data)}", path=path, value=data)
    spec = fields_of(cls)
    known = {name for name, _, _ in spec}
    for key in data:
        if key not in known:
            raise InvalidInput(
                f"unknown field (known: {', '.join(sorted(known))})",
                path=_join(path, str(key) or '""'),  # an empty key still gets a visible path
            )
    kwargs: dict[str, Any] = {}
    for name, ftype, required in spec:
        if name in data:
            kwargs[name] = structure(data[name], ftype, _join(path, name))
        elif required:
            raise InvalidInput("is required", path=_join(path, name))
    try:
        return cls(**kwargs)
    except SalesctlError as e:
        raise _retag(e, cls, path) from None


def _money(data: Any, path: str) -> Money:
    if isinstance(data, Money):
        return data
    if isinstance(data, str):
        return Money.parse(data, path=path)
    if isinstance(data, Mapping):
        if set(data) != {"amount", "currency"}:
            raise InvalidInput('must have exactly "amount" and "currency"', path=path, value=data)
        amount = to_decimal(data["amount"], path=_join(path, "amount"))
        try:
            return Money(amount, data["currency"])
        except InvalidInput as e:
            raise InvalidInput(
                e.reason, path=_join(path, e.path.split(".")[-1]), value=e.value
            ) from None
    raise InvalidInput(
        f'must be an amount such as "1000.00 CNY", not {_jt(data)}', path=path, value=data
    )


def _datetime(data: Any, path: str) -> dt.datetime:
    if isinstance(data, dt.datetime):
        value = data
    elif isinstance(data, str):
        try:
            if not strict_datetime(data):
                raise ValueError(data)
            value = dt.datetime.fromisoformat(data)
        except ValueError:
            raise InvalidInput("is not an ISO 8601 date-time", path=path, value=data) from None
    else:
        raise InvalidInput(
            f"must be an ISO 8601 date-time string, not {_jt(data)}", path=path, value=data
        )
    if value.tzinfo is None:
        raise InvalidInput(
            "must carry a UTC offset, e.g. 2026-03-02T10:15:00+08:00", path=path, value=data
        )
    return value


def _date(data: Any, path: str) -> dt.date:
    if isinstance(data, dt.datetime):
        raise InvalidInput("must be a date, not a date-time", path=path, value=str(data))
    if isinstance(data, dt.date):
        return data
    if isinstance(data, str):
        try:
            if not strict_date(data):
                raise ValueError(data)
            return dt.date.fromisoformat(data)
        except ValueError:
            raise InvalidInput("is not a date (YYYY-MM-DD)", path=path, value=data) from None
    raise InvalidInput(f"must be a date string YYYY-MM-DD, not {_jt(data)}", path=path, value=data)


def unstructure(value: Any) -> Any:
    """Turn a salesctl value into JSON-ready data (the inverse of :func:`structure`)."""
    if isinstance(value, enum.IntEnum):
        return value.name
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, Money):
        return str(value)
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return unstructure(value.value)
    if isinstance(value, tuple | list):
        return [unstructure(v) for v in value]
    if isinstance(value, frozenset | set):
        return sorted((unstructure(v) for v in value), key=repr)
    if isinstance(value, Mapping):
        return {str(k): unstructure(v) for k, v in value.items()}
    if attrs.has(type(value)):
        writer = getattr(value, "to_data", None)
        if writer is not None:
            return writer()
        out: dict[str, Any] = {}
        for a in attrs.fields(type(value)):
            if a.init:
                v = getattr(value, a.name)
                if a.metadata.get(OMIT_DEFAULT) and v == a.default:
                    continue  # a field added later: data without it writes as it always did
                out[a.name] = unstructure(v)
        return out
    raise InvalidInput(f"cannot write values of type {type(value).__name__}", value=value)
