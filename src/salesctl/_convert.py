"""Plain data (JSON, TOML) <-> salesctl values, with field paths in every error.

One small, strict converter for all of salesctl's attrs classes, so that the JSON of a
transaction, a context, a decision and the tables of a policy file follow one set of rules:

* unknown keys are errors; missing required keys are errors;
* amounts are ``"1000.00 CNY"`` strings or ``{"amount": "1000.00", "currency": "CNY"}``;
  floats are refused everywhere;
* dates are ``YYYY-MM-DD``; datetimes are ISO 8601 with a UTC offset;
* enums by value; tuples and sets from lists; mappings from objects.
"""

from __future__ import annotations

import datetime as dt
import enum
import sys
import types
import typing
from collections.abc import Mapping
from decimal import Decimal
from functools import cache
from typing import Any, Union

import attrs

from salesctl._validators import FrozenMap
from salesctl.errors import InvalidInput, SalesctlError
from salesctl.money import Money, to_decimal

__all__ = ["fields_of", "structure", "unstructure"]


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
        return data
    if tp is str:
        if not isinstance(data, str):
            raise InvalidInput(f"must be a string, not {_jt(data)}", path=path, value=data)
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


def _attrs(data: Any, cls: type, path: str) -> Any:
    if isinstance(data, cls):
        return data
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
        out: dict[str, Any] = {}
        for a in attrs.fields(type(value)):
            if a.init:
                out[a.name] = unstructure(getattr(value, a.name))
        return out
    raise InvalidInput(f"cannot write values of type {type(value).__name__}", value=value)
