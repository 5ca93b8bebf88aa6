"""The host's way in: transactions and contexts from JSON-shaped dicts, fully validated, fast.

A host that holds its documents as JSON (or as the dicts ``json.loads`` makes) calls
:func:`parse_transaction` and :func:`parse_context` to get the values :meth:`Gate.check
<salesctl.gate.Gate.check>` takes:

>>> import salesctl as sc
>>> ctx = sc.parse_context({"as_of": "2026-03-02", "last_numbers": {"SO-2026": 41}})
>>> ctx.last_numbers["SO-2026"]
41

**The same rules and the same errors as** :func:`salesctl._convert.structure` (unknown keys,
missing keys, floats refused, amounts as ``"1000.00 CNY"``, ISO dates, enums by value, every
class's own validators). What differs is the cost: the reader of each type is worked out once
per type, the first time it is read (which field has which type, which reader), so reading a
value is a walk over its data with one type test per JSON value and one validated constructor
call per document — not the generic dispatch over the target type at every value that
``structure`` does (about five times the cost; ``bench/run.py`` measures both).

**Errors are the validated path's, exactly.** The fast readers accept only JSON values of
exactly the expected kind; on anything else — a malformed value, a float, a subclass, a value
a validator refuses — the input is read again by ``structure``, which raises the typed error
naming the field path (or, for an unusual but valid input, returns the same value).
``tests/test_performance.py`` compares both paths on valid and invalid inputs.
"""

from __future__ import annotations

import datetime as dt
import enum
import types
import typing
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any, Union

import attrs

from salesctl._convert import _date, _datetime, _money, fields_of, structure
from salesctl._validators import FrozenMap, is_unicode
from salesctl.context import Context
from salesctl.money import Money, to_decimal
from salesctl.transactions import TRANSACTION_TYPES, Transaction
from salesctl.transactions import parse_transaction as _slow_transaction

__all__ = ["parse_context", "parse_transaction", "read"]

Reader = Callable[[Any], Any]


class _Slow(Exception):
    """Raised by a fast reader on anything it does not read itself."""


def _str(data: Any) -> str:
    if type(data) is str and (data.isascii() or is_unicode(data)):
        return data
    raise _Slow


def _bool(data: Any) -> bool:
    if type(data) is bool:
        return data
    raise _Slow


def _int(data: Any) -> int:
    if type(data) is int:
        return data
    raise _Slow


def _decimal(data: Any) -> Decimal:
    if type(data) is str or type(data) is int:
        return to_decimal(data)
    raise _Slow


def _amount(data: Any) -> Money:
    if type(data) is str:
        return _money(data, "")
    raise _Slow


def _datetime_of(data: Any) -> dt.datetime:
    if type(data) is str:
        return _datetime(data, "")
    raise _Slow


def _date_of(data: Any) -> dt.date:
    if type(data) is str:
        return _date(data, "")
    raise _Slow


_READERS: dict[Any, Reader] = {}


def _reader(tp: Any) -> Reader:
    """The fast reader of type ``tp`` (made once per type)."""
    got = _READERS.get(tp)
    if got is None:
        got = _READERS[tp] = _make(tp)
    return got


def _make(tp: Any) -> Reader:
    if tp is str:
        return _str
    if tp is bool:
        return _bool
    if tp is int:
        return _int
    if tp is Decimal:
        return _decimal
    if tp is Money:
        return _amount
    if tp is dt.datetime:
        return _datetime_of
    if tp is dt.date:
        return _date_of
    origin = typing.get_origin(tp)
    if origin in (Union, types.UnionType):
        args = typing.get_args(tp)
        non_none = [a for a in args if a is not type(None)]
        if len(non_none) != 1 or type(None) not in args:
            return _slow_only
        inner = _reader(non_none[0])

        def optional(data: Any) -> Any:
            return None if data is None else inner(data)

        return optional
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        return _enum(tp)
    if origin is tuple:
        args = typing.get_args(tp)
        if len(args) == 2 and args[1] is Ellipsis:
            item = _reader(args[0])

            def items(data: Any) -> tuple[Any, ...]:
                if type(data) is list or type(data) is tuple:
                    return tuple([item(x) for x in data])
                raise _Slow

            return items
        return _slow_only
    if origin is frozenset:
        (arg,) = typing.get_args(tp)
        member = _reader(arg)

        def members(data: Any) -> frozenset[Any]:
            if type(data) is list or type(data) is tuple:
                return frozenset([member(x) for x in data])
            raise _Slow

        return members
    if origin in (FrozenMap, Mapping) or tp is FrozenMap:
        kt, vt = typing.get_args(tp) or (str, Any)
        if vt is Any:
            return _slow_only
        key, value = _reader(kt), _reader(vt)

        def mapping(data: Any) -> FrozenMap[Any, Any]:
            if type(data) is dict:
                return FrozenMap([(key(k), value(v)) for k, v in data.items()])
            raise _Slow

        return mapping
    if isinstance(tp, type) and attrs.has(tp):
        return _document(tp)
    return _slow_only


def _slow_only(data: Any) -> Any:
    raise _Slow


def _enum(tp: type[enum.Enum]) -> Reader:
    by_value = {m.value: m for m in tp}
    by_name = {m.name: m for m in tp} if issubclass(tp, enum.IntEnum) else None

    def member(data: Any) -> Any:
        if by_name is not None and type(data) is str:
            return by_name[data]  # a KeyError: read again slowly, for the error
        if type(data) is str or type(data) is int:
            return by_value[data]
        raise _Slow

    return member


def _document(cls: type) -> Reader:
    """The reader of an attrs class: its fields' readers resolved on first use (a class may
    refer to itself, or to a class not yet read)."""
    plan: list[tuple[tuple[str, Reader, bool], ...]] = []
    known: list[frozenset[str]] = []

    def document(data: Any) -> Any:
        if type(data) is not dict:
            raise _Slow
        if not plan:
            spec = fields_of(cls)
            plan.append(tuple((name, _reader(tp), req) for name, tp, req in spec))
            known.append(frozenset(name for name, _, _ in spec))
        if not data.keys() <= known[0]:
            raise _Slow
        kwargs: dict[str, Any] = {}
        for name, read, required in plan[0]:
            if name in data:
                kwargs[name] = read(data[name])
            elif required:
                raise _Slow
        return cls(**kwargs)

    return document


def read(data: Any, tp: Any, path: str = "") -> Any:
    """``structure(data, tp, path)``: the same value, or the same error, at less cost.

    Args:
        data: JSON-shaped data.
        tp: the type to read (a document or transaction class, ``Context``, ``Money``, …).
        path: where ``data`` sits in the input, for errors.

    Raises:
        InvalidInput: naming the path of the first malformed value.
    """
    try:
        return _reader(tp)(data)
    except Exception:  # anything the fast readers do not take: the validated path says what
        return structure(data, tp, path)


def parse_transaction(data: Mapping[str, Any], *, path: str = "") -> Transaction:
    """Read a transaction from JSON-shaped data with a ``"type"`` key (fully validated).

    The value and the errors of :func:`salesctl.transactions.parse_transaction`, at a
    fraction of its cost.

    Args:
        data: the JSON object, e.g. ``{"type": "PlaceOrder", "order": {...}, "actor": {...},
            "at": "2026-03-02T10:15:00+08:00"}``.
        path: where the object sits in a larger input, for errors.

    Returns:
        The transaction.

    Raises:
        UnknownTransaction: if ``type`` names no registered transaction.
        InvalidInput: naming the path of any malformed field.
    """
    if type(data) is dict:
        kind = data.get("type")
        cls = TRANSACTION_TYPES.get(kind) if type(kind) is str else None
        if cls is not None:
            body = dict(data)
            del body["type"]
            try:
                result: Transaction = _reader(cls)(body)
                return result
            except Exception:
                pass
    return _slow_transaction(data, path=path)


def parse_context(data: Mapping[str, Any], *, path: str = "context") -> Context:
    """Read a :class:`~salesctl.context.Context` from JSON-shaped data (fully validated).

    The value and the errors of :meth:`Context.from_dict
    <salesctl.context.Context.from_dict>`, at a fraction of its cost.

    Args:
        data: the JSON object (the context's field names, e.g. ``{"as_of": "2026-03-02",
            "exposure": {...}, "prices": [...], "approvals": [...]}``).
        path: the name of the context in error paths.

    Returns:
        The context.

    Raises:
        InvalidInput: naming the path of any malformed field.
    """
    result: Context = read(data, Context, path)
    return result
