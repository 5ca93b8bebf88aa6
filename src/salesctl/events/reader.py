"""Reading the event stream: JSON data to events, line by line, with typed errors per line.

:func:`read_events` reads a JSON Lines stream; a malformed line becomes a
:class:`MalformedEvent` naming the line and the field, and reading continues.
:func:`parse_event` reads one JSON object with the one strict converter of salesctl
(:func:`salesctl._convert.structure`), :func:`event_to_dict` writes one
(:func:`salesctl._convert.unstructure`).

**The fast path.** Reading a year of events is the replay's largest cost after the gate, so
:func:`read_events` first tries converters compiled once per type (:func:`_compile`) that
trust well-formed input and give up (:class:`_Slow`) on anything else: no error paths, no
messages. A line they give up on is read again by :func:`parse_event`, which reports the
error with its exact field path. Both build the same values through the same constructors
(validators included); the fast path roughly halves the reading time of a replay.
"""

from __future__ import annotations

import datetime as dt
import enum
import json
import re
import types
import typing
from collections.abc import Callable, Iterable, Iterator, Mapping
from decimal import Decimal
from functools import cache
from typing import Any, Union

import attrs

from salesctl._convert import (
    MAX_DEPTH,
    MAX_LINE_LENGTH,
    fields_of,
    json_loads,
    own_reader,
    refuse_marked,
    strict_date,
    strict_datetime,
    structure,
    too_deep,
    unstructure,
)
from salesctl._validators import FrozenMap, is_unicode
from salesctl.errors import InvalidInput, SalesctlError, UnknownTransaction
from salesctl.events.records import RECORD_TYPES, Event
from salesctl.money import Money, to_decimal
from salesctl.transactions import TRANSACTION_TYPES

__all__ = [
    "MalformedEvent",
    "event_to_dict",
    "event_types",
    "parse_event",
    "read_events",
]


class MalformedEvent(InvalidInput):
    """A line of an event stream that could not be read: bad JSON, an unknown ``type``, or
    a malformed field. ``line`` is the 1-based line number, ``path`` the field path."""


def event_types() -> dict[str, type]:
    """Every event type by name: transactions first, then records, each sorted by name."""
    out: dict[str, type] = {n: TRANSACTION_TYPES[n] for n in sorted(TRANSACTION_TYPES)}
    out.update({n: RECORD_TYPES[n] for n in sorted(RECORD_TYPES)})
    return out


def parse_event(data: Mapping[str, Any], *, path: str = "") -> Event:
    """Read one event (a transaction or a record) from JSON data with a ``"type"`` key.

    Args:
        data: the JSON object.
        path: where the object sits in a larger input, for errors.

    Returns:
        The transaction or record.

    Raises:
        UnknownTransaction: if ``type`` names no transaction and no record.
        InvalidInput: naming the path of any malformed field.
    """
    if not isinstance(data, Mapping):
        raise InvalidInput("must be a JSON object", path=path, value=_short(data))
    refuse_marked(data, path)  # a key given twice in the object itself
    kind = data.get("type")
    tp_path = f"{path}.type" if path else "type"
    if kind is None:
        raise InvalidInput("is required", path=tp_path)
    if not isinstance(kind, str):
        raise InvalidInput("must be a string", path=tp_path, value=kind)
    cls: type | None = TRANSACTION_TYPES.get(kind) or RECORD_TYPES.get(kind)
    if cls is None:
        raise UnknownTransaction(
            f"unknown event type (known: {', '.join(event_types())})", path=tp_path, value=kind
        )
    body = {k: v for k, v in data.items() if k != "type"}
    result: Event = structure(body, cls, path)
    return result


class _Slow(Exception):
    """Raised by the fast reader for anything it does not take as is: the generic reader
    then reads the value again and reports the error with its exact field path."""


_Conv = Callable[[Any], Any]


@cache
def _compile(tp: Any) -> _Conv:
    """A converter for values of type ``tp`` that trusts well-formed input and raises
    :class:`_Slow` (or an :class:`InvalidInput`) on anything else."""
    origin = typing.get_origin(tp)
    if origin in (Union, types.UnionType):
        args = typing.get_args(tp)
        non_none = [a for a in args if a is not type(None)]
        if len(non_none) != 1:
            raise _Slow
        inner = _compile(non_none[0])
        if type(None) in args:
            return lambda d: None if d is None else inner(d)
        return inner
    if tp is Any:
        raise _Slow  # the generic reader checks what an untyped field holds
    if tp is str:

        def string(d: Any) -> Any:
            if type(d) is not str or not (d.isascii() or is_unicode(d)):
                raise _Slow
            return d

        return string
    if tp in (bool, int):

        def exact(d: Any, tp: type = tp) -> Any:
            if type(d) is not tp:
                raise _Slow
            return d

        return exact
    if tp is Decimal:

        def dec(d: Any) -> Any:
            if type(d) is float or type(d) is bool:
                raise _Slow
            return to_decimal(d)

        return dec
    if tp is Money:

        def money(d: Any) -> Any:
            if type(d) is not str:
                raise _Slow
            return Money.parse(d)

        return money
    if tp is dt.datetime:

        def when(d: Any) -> Any:
            if type(d) is not str or not strict_datetime(d):
                raise _Slow
            v = dt.datetime.fromisoformat(d)
            if v.tzinfo is None:
                raise _Slow
            return v

        return when
    if tp is dt.date:

        def day(d: Any) -> Any:
            if type(d) is not str or not strict_date(d):
                raise _Slow
            return dt.date.fromisoformat(d)

        return day
    if isinstance(tp, type) and issubclass(tp, enum.IntEnum):
        return lambda d: tp[d] if type(d) is str else tp(d)
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        return lambda d: tp(d)
    if origin is tuple:
        args = typing.get_args(tp)
        if len(args) != 2 or args[1] is not Ellipsis:
            raise _Slow
        item = _compile(args[0])

        def many(d: Any) -> Any:
            if type(d) is not list:
                raise _Slow
            return tuple([item(x) for x in d])

        return many
    if origin is frozenset:
        (arg,) = typing.get_args(tp)
        item = _compile(arg)

        def aset(d: Any) -> Any:
            if type(d) is not list:
                raise _Slow
            return frozenset([item(x) for x in d])

        return aset
    if origin in (FrozenMap, Mapping) or tp is FrozenMap:
        kt, vt = typing.get_args(tp) or (str, Any)
        if kt is not str:
            raise _Slow
        value = _compile(vt)

        def amap(d: Any) -> Any:
            if type(d) is not dict or not all(k.isascii() or is_unicode(k) for k in d):
                raise _Slow
            return FrozenMap([(k, value(v)) for k, v in d.items()])

        return amap
    if isinstance(tp, type) and attrs.has(tp) and own_reader(tp) is not None:
        reader = own_reader(tp)
        return lambda d: reader(d, "")
    if isinstance(tp, type) and attrs.has(tp):
        spec = fields_of(tp)
        known = frozenset(name for name, _, _ in spec)
        # Converters are compiled on first use (recursive document types).
        convs: list[tuple[str, Any, bool]] = [(name, ftype, req) for name, ftype, req in spec]
        compiled: list[tuple[str, _Conv, bool]] = []

        def obj(d: Any, cls: type = tp) -> Any:
            if type(d) is not dict:
                raise _Slow
            if not compiled:
                compiled.extend((n, _compile(t), r) for n, t, r in convs)
            kwargs: dict[str, Any] = {}
            for name, conv, req in compiled:
                if name in d:
                    kwargs[name] = conv(d[name])
                elif req:
                    raise _Slow
            if len(kwargs) != len(d) and not known.issuperset(d):
                raise _Slow
            return cls(**kwargs)

        return obj
    raise _Slow


def _fast_parse(data: Any) -> Event | None:
    """The event read by the compiled converters, or ``None`` when the generic reader must
    read it (malformed input, or a type the fast reader does not handle)."""
    if type(data) is not dict:
        return None
    kind = data.get("type")
    cls: Any = TRANSACTION_TYPES.get(kind) or RECORD_TYPES.get(kind) if type(kind) is str else None
    if cls is None:
        return None
    body = dict(data)
    del body["type"]
    try:
        result: Event = _compile(cls)(body)
    except (_Slow, SalesctlError, ValueError, TypeError, KeyError):
        return None
    return result


def event_to_dict(event: Event) -> dict[str, Any]:
    """The JSON form of an event, with its ``"type"`` first (the inverse of
    :func:`parse_event`)."""
    return {"type": type(event).__name__, **unstructure(event)}


def _short(value: Any) -> Any:
    s = repr(value)
    return value if len(s) <= 80 else s[:77] + "..."


def read_events(
    lines: Iterable[str | bytes], *, first_line: int = 1
) -> Iterator[tuple[int, Event | MalformedEvent]]:
    """Read a JSON Lines event stream, one event per line; never stops at a bad line.

    Blank lines are skipped (they hold no event). Every other line yields either the event or
    a :class:`MalformedEvent` naming the line number and the field; the caller counts and
    reports them — nothing is dropped silently. A line longer than
    :data:`~salesctl._convert.MAX_LINE_LENGTH`, nested deeper than
    :data:`~salesctl._convert.MAX_DEPTH` or with a key given twice is such a line.

    Args:
        lines: the lines (``str`` or UTF-8 ``bytes``, with or without line ends), e.g. an
            open file.
        first_line: the number of the first line.

    Yields:
        ``(line number, event or error)``.
    """
    loads = json_loads
    for n, raw in enumerate(lines, start=first_line):
        if len(raw) > MAX_LINE_LENGTH:
            yield n, MalformedEvent(
                f"line longer than {MAX_LINE_LENGTH} characters (1 MiB)", line=n
            )
            continue
        if isinstance(raw, bytes):
            try:
                raw = raw.decode("utf-8")
            except UnicodeDecodeError as e:
                yield n, MalformedEvent(f"not UTF-8 text at byte {e.start}", line=n)
                continue
        if not raw.strip():
            continue
        if too_deep(raw) is not None:
            yield n, MalformedEvent(f"nested deeper than {MAX_DEPTH} levels", line=n)
            continue
        try:
            data = loads(raw)
        except json.JSONDecodeError as e:
            yield n, MalformedEvent(f"not valid JSON: {e.msg} (column {e.colno})", line=n)
            continue
        except RecursionError:
            yield n, MalformedEvent("not valid JSON: nested too deeply", line=n)
            continue
        except ValueError as e:  # e.g. an integer of more than 4,300 digits
            yield n, MalformedEvent(f"not readable: {_first_clause(e)}", line=n)
            continue
        if "\\u" in raw and _SURROGATE_ESCAPE.search(raw):
            try:
                where = _lone_surrogate(data, "")
            except RecursionError:
                where = ""
            if where is not None:
                yield n, MalformedEvent("not valid Unicode: a lone surrogate", path=where, line=n)
                continue
        fast = _fast_parse(data)
        if fast is not None:
            yield n, fast
            continue
        try:
            yield n, parse_event(data)
        except SalesctlError as e:
            yield n, MalformedEvent(e.reason, path=e.path, line=n, value=e.value)
        except RecursionError:  # pragma: no cover - absurdly nested objects
            yield n, MalformedEvent("nested too deeply", line=n)
        except (ValueError, TypeError, ArithmeticError) as e:
            # A value no converter turned into a typed error: still a rejected line, never
            # the end of the stream.
            yield n, MalformedEvent(f"not readable: {_first_clause(e)}", line=n)


#: A ``\uD800``-``\uDFFF`` escape: the line may hold a lone surrogate (checked exactly).
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")


def _first_clause(e: Exception) -> str:
    """The start of an exception's message (one line, at most 120 characters)."""
    text = str(e).splitlines()[0] if str(e) else type(e).__name__
    return text.split(";")[0][:120]


def _lone_surrogate(value: Any, path: str) -> str | None:
    """The field path of the first string (key or value) holding a lone surrogate, or
    ``None``."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return path
        return None
    if isinstance(value, dict):
        for k, v in value.items():
            sub = f"{path}.{k}" if path else str(k)
            if _lone_surrogate(k, path) is not None:
                return sub.encode("utf-8", "backslashreplace").decode("ascii")
            found = _lone_surrogate(v, sub)
            if found is not None:
                return found
    if isinstance(value, list):
        for i, v in enumerate(value):
            found = _lone_surrogate(v, f"{path}[{i}]")
            if found is not None:
                return found
    return None
