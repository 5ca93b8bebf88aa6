"""Typed decoding of the event stream with msgspec: one Struct per event class, generated from
the attrs classes, and one trusted construction path.

:func:`structs` generates a msgspec ``Struct`` for every event type and every document inside
one, from the same field list the generic reader uses (:func:`salesctl._convert.fields_of`):
same names, same required fields, unknown fields refused, no floats. A line is decoded in one
call into a tagged union of those Structs (msgspec checks every type: strings, integers, lists,
enums), then turned into the salesctl event by a builder compiled once per class
(:mod:`salesctl.fastreplay.trusted`): it converts and sets the fields, runs the validators
that check values (text, identities, signs, cross-field rules, ``__attrs_post_init__``) and
leaves out those that only re-check the types msgspec has just checked. ``Decoder(trusted=
False)`` calls each class's own constructor instead (the reference the tests compare with). What msgspec cannot take as is —
a float, a ``{"amount": .., "currency": ..}`` amount, a field typed ``Any``, a duplicate key,
an escaped lone surrogate, an over-long line, invalid JSON — is read again by the generic
reader (:func:`salesctl.events.read_events`), which reports the error with its line number and
exact field path. So both readers give the same event or the same error for every line (a test
checks this on generated lines).

A duplicate key is the one thing a Struct decoder forgets silently (the last value wins); the
converter counts the keys it consumed and compares them with the keys in the text (every
``"...":`` of the line, whitespace before the colon allowed: an over-count only sends the
line to the generic reader).

Documents that recur from line to line — master data (customers, their credit profiles,
products, payment terms, actors), order, delivery and invoice lines, periods, and the sales
order that each of its follow-on events carries again (:data:`SHARED`) — are decoded as raw JSON first: the same text gives the same
document, built once (the document and the keys it consumed are kept by their text, a table of
at most :data:`SHARED_MAX` per class, emptied when full). Documents are immutable, so the
events that carry the same text share one instance.
"""

from __future__ import annotations

import datetime as dt
import enum
import re
import sys
import types
import typing
from collections.abc import Callable, Iterable, Iterator, Mapping
from decimal import Decimal
from functools import cache
from typing import Any, Union, cast

import attrs
import msgspec

from salesctl._convert import _DATETIME, MAX_LINE_LENGTH, fields_of, strict_date
from salesctl._validators import FrozenMap
from salesctl.errors import SalesctlError
from salesctl.events import MalformedEvent, event_types, read_events
from salesctl.events.records import Event
from salesctl.fastreplay.trusted import compile_builder
from salesctl.model import (
    Actor,
    Approval,
    CreditProfile,
    Customer,
    DeliveryLine,
    DeliveryProof,
    GoodsIssue,
    InvoiceLine,
    OrderLine,
    PaymentTerms,
    Product,
    RevenueEntry,
    SalesOrder,
    SealUse,
)
from salesctl.money import CURRENCIES, Money, to_decimal
from salesctl.periods import Period
from salesctl.records import GLRevenue, ReceiptRecord, SalesInvoice

__all__ = [
    "OWN_IDS",
    "SHARED",
    "SHARED_MAX",
    "Decoder",
    "LedgerLineReader",
    "document_reader",
    "structs",
]


_UNSET = msgspec.UNSET


class _Unsupported(Exception):
    """A type the Struct decoder leaves to the generic reader."""


class _Slow(Exception):
    """Raised by a converter for a value it does not take: the generic reader reads the line."""


_Conv = Callable[[Any, list[int]], Any]


class _Builder:
    """Generates the Structs and the converters of the attrs classes it is asked for."""

    def __init__(self, trusted: bool = True) -> None:
        self.trusted = trusted
        self.structs: dict[Any, Any] = {}
        self.convs: dict[type, _Conv] = {}
        self.busy: set[type] = set()

    def annotation(self, tp: Any) -> tuple[Any, _Conv]:
        """The msgspec annotation of ``tp`` and the converter of its decoded values."""
        origin = typing.get_origin(tp)
        if origin in (Union, types.UnionType):
            args = typing.get_args(tp)
            non_none = [a for a in args if a is not type(None)]
            if len(non_none) != 1:
                raise _Unsupported(tp)
            ann, inner = self.annotation(non_none[0])
            if type(None) not in args:
                return ann, inner
            if ann is msgspec.Raw:  # raw JSON holds null as its text
                return ann, lambda d, n: None if bytes(d) == b"null" else inner(d, n)
            if inner is _str:
                return ann | None, _opt_str
            opt = _OPTIONAL.get(inner)
            if opt is not None:
                return ann | None, opt
            return ann | None, lambda d, n: None if d is None else inner(d, n)
        if tp is str:
            return str, _str if self.trusted else _same
        if tp is bool:
            return bool, _same
        if tp is int:
            return int, _same
        if tp is Decimal:
            return str | int, _decimal_shared if self.trusted else _decimal
        if tp is Money:
            return str, _money_trusted if self.trusted else _money
        if tp is dt.datetime:
            return str, _datetime
        if tp is dt.date:
            return str, _date
        if isinstance(tp, type) and issubclass(tp, enum.IntEnum):
            return str | int, lambda d, n, tp=tp: tp[d] if type(d) is str else tp(d)
        if isinstance(tp, type) and issubclass(tp, enum.Enum):
            return tp, _same
        if origin is tuple:
            args = typing.get_args(tp)
            if len(args) != 2 or args[1] is not Ellipsis:
                raise _Unsupported(tp)
            ann, item = self.annotation(args[0])
            if item is _same:
                return list[ann], lambda d, n: tuple(d)  # type: ignore[valid-type]
            if item is _str:
                return list[ann], lambda d, n: tuple(map(_intern, d))  # type: ignore[valid-type]
            return list[ann], lambda d, n: tuple([item(x, n) for x in d])  # type: ignore[valid-type]
        if origin is frozenset:
            (arg,) = typing.get_args(tp)
            ann, item = self.annotation(arg)
            if item is _str:
                return list[ann], lambda d, n: frozenset(map(_intern, d))  # type: ignore[valid-type]
            return list[ann], lambda d, n: frozenset([item(x, n) for x in d])  # type: ignore[valid-type]
        if origin in (FrozenMap, Mapping) or tp is FrozenMap:
            kt, vt = typing.get_args(tp) or (str, Any)
            if kt is not str:
                raise _Unsupported(tp)
            ann, value = self.annotation(vt)

            def amap(d: Any, n: list[int]) -> Any:
                n[0] += len(d)
                return FrozenMap([(k, value(v, n)) for k, v in d.items()])

            return dict[str, ann], amap  # type: ignore[valid-type]
        if isinstance(tp, type) and attrs.has(tp):
            st, conv = self.struct(tp), self.converter(tp)
            if tp in SHARED:
                return msgspec.Raw, self.shared(tp, st, conv)
            return st, conv
        raise _Unsupported(tp)

    def shared(self, cls: type, st: Any, conv: _Conv) -> _Conv:
        """The converter of a :data:`SHARED` class's raw JSON: decoded and built once per
        distinct text on the trusted path (every time on the reference path)."""
        key = ("raw", cls)
        hit = self.convs.get(key)  # type: ignore[call-overload]
        if hit is not None:
            return hit  # type: ignore[no-any-return]
        decode = msgspec.json.Decoder(st).decode
        if not self.trusted:

            def plain(d: Any, n: list[int]) -> Any:
                return conv(decode(d), n)

            self.convs[key] = plain  # type: ignore[index]
            return plain
        table: dict[bytes, tuple[Any, int]] = {}
        get = table.get

        def shared(d: Any, n: list[int]) -> Any:
            text = bytes(d)
            hit = get(text)
            if hit is None:
                count = [0]
                doc = conv(decode(text), count)
                if len(table) >= SHARED_MAX:
                    table.clear()
                hit = table[text] = (doc, count[0])
            n[0] += hit[1]
            return hit[0]

        self.convs[key] = shared  # type: ignore[index]
        return shared

    def struct(self, cls: type, tag: str | None = None) -> Any:
        """The Struct of attrs class ``cls`` (``tag``: the event type name, for events)."""
        key = cls if tag is None else (cls, tag)
        hit = self.structs.get(key)
        if hit is not None:
            return hit
        if cls in self.busy:
            raise _Unsupported(cls)  # a recursive document: left to the generic reader
        self.busy.add(cls)
        try:
            fields: list[Any] = []
            spec: list[tuple[str, _Conv, bool]] = []
            for name, ftype, required in fields_of(cls):
                ann, conv = self.annotation(ftype)
                if (cls, name) in OWN_IDS and conv in (_str, _opt_str):
                    conv = _same  # read as decoded, not interned (see OWN_IDS)
                if required:
                    fields.append((name, ann))
                else:
                    fields.append((name, ann | msgspec.UnsetType, _UNSET))
                spec.append((name, conv, required))
        finally:
            self.busy.discard(cls)
        fields.sort(key=lambda f: len(f) == 3)  # required fields first
        st = msgspec.defstruct(
            f"{cls.__name__}Struct" if tag is None else f"{tag}Event",
            fields,
            forbid_unknown_fields=True,
            tag_field="type" if tag is not None else None,
            tag=tag if tag is not None else None,
            kw_only=True,
        )
        self.structs[key] = st
        if cls not in self.convs:
            built = (
                compile_builder(
                    cls, tuple(spec), _same, _UNSET, inline=_INLINE, interned=_INTERNING
                )
                if self.trusted
                else None
            )
            conv = built if built is not None else _object_converter(cls, tuple(spec))
            self.convs[cls] = conv
        return st

    def converter(self, cls: type) -> _Conv:
        conv = self.convs.get(cls)
        if conv is None:
            self.struct(cls)
            conv = self.convs[cls]
        return conv


def _object_converter(cls: type, spec: tuple[tuple[str, _Conv, bool], ...]) -> _Conv:
    plain = tuple(name for name, conv, req in spec if conv is _same and req)
    other = tuple((name, conv) for name, conv, req in spec if not (conv is _same and req))

    def obj(s: Any, n: list[int]) -> Any:
        kwargs = {name: getattr(s, name) for name in plain}
        for name, conv in other:
            v = getattr(s, name)
            if v is not _UNSET:
                kwargs[name] = conv(v, n)
        n[0] += len(kwargs)
        return cls(**kwargs)

    return obj


def _same(d: Any, n: list[int]) -> Any:
    return d


def _decimal(d: Any, n: list[int]) -> Any:
    return to_decimal(d)


_intern = sys.intern


def _str(d: str, n: list[int]) -> str:
    """A decoded text, interned: ids, codes, roles and names recur on many lines (an order
    id on its notices, goods issues, invoices and approvals; a customer id on everything),
    and the documents the ledger holds then share one instance of each (the trusted
    builders inline it, :data:`_INLINE`)."""
    return _intern(d)


def _opt_str(d: str | None, n: list[int]) -> str | None:
    return d if d is None else _intern(d)


#: Fields read as decoded, not interned (:func:`_str`): a document's own id or number that no
#: other line names (an approval's id, a receipt record's, a sales invoice's number, a GL
#: posting's voucher, a revenue entry's, a delivery proof's, a seal use's, a goods issue's
#: gate pass). Interning one shares nothing, yet the interpreter's table of interned texts
#: keeps a slot for each while it lives: at the 1M demo year these were 441,000 of the
#: 691,000 texts interned, and holding them out of the table lowered the replay's peak by
#: about 8 MiB. A value named again elsewhere is still equal (``==``, hashing); only the
#: instance is not shared (``tests/test_replay_memory.py``).
OWN_IDS: frozenset[tuple[type, str]] = frozenset(
    {
        (Approval, "id"),
        (ReceiptRecord, "record_id"),
        (SalesInvoice, "number"),
        (GLRevenue, "voucher_id"),
        (RevenueEntry, "id"),
        (DeliveryProof, "id"),
        (SealUse, "id"),
        (GoodsIssue, "gate_pass"),
    }
)


#: The converters that intern the text they read (their ids are tested against
#: :data:`~salesctl.fastreplay.trusted.IDENTS` first).
_INTERNING: frozenset[_Conv] = frozenset({_str, _opt_str})

#: What the trusted builders write instead of calling these converters: an expression of
#: ``{x}`` (the decoded value) and ``{call}`` (the converter's own call), and the names it
#: uses (:func:`~salesctl.fastreplay.trusted.compile_builder`). Filled below with the
#: converters that keep a table of the values read: the builder looks the text up itself
#: and calls the converter only on a miss (:data:`_TABLES`).
_INLINE: dict[Any, tuple[str, dict[str, Any]]] = {
    _str: ("_si({x})", {"_si": _intern}),
    _opt_str: ("{x} if {x} is None else _si({x})", {"_si": _intern}),
}


def _decimal_shared(d: str | int, n: list[int]) -> Any:
    """``to_decimal(d)``, one shared instance per text read (a quantity recurs on every line
    ordering, delivering or invoicing it; a table like the amounts', emptied when full)."""
    v = _SEEN_DECIMALS.get(d)
    if v is None:
        v = to_decimal(d)
        if len(_SEEN_DECIMALS) >= _SEEN_MAX:
            _SEEN_DECIMALS.clear()
        _SEEN_DECIMALS[d] = v
    return v


#: Documents that recur as they are, part of many events (an actor, a product, an order line
#: on the order's every event and its contract, payment terms, the customer and its credit
#: profile on every order, the sales order each of its follow-on events carries again): each
#: is read once per distinct text and shared (:meth:`_Builder.shared`).
SHARED: frozenset[type] = frozenset(
    {
        Actor,
        Product,
        OrderLine,
        PaymentTerms,
        DeliveryLine,
        InvoiceLine,
        Customer,
        CreditProfile,
        Period,
        SalesOrder,
    }
)
#: The most documents of one class kept by their text (the table is emptied when full).
SHARED_MAX = 1 << 12


def _money(d: Any, n: list[int]) -> Any:
    return Money.parse(d)


_EXPONENTS = {c: Decimal(1).scaleb(-k) for c, k in CURRENCIES.items()}
_new = object.__new__
_set = object.__setattr__


#: Amounts and dates already read, by their text: the same amount recurs across a stream (a
#: contract's value on every month's ledger lines, list prices, round sums), and one shared
#: immutable instance is both faster to hand out and smaller to hold. Emptied when full (at
#: 16,384 entries: a 1M-line year reads about 36,000 distinct amounts, most of them once, and
#: a fuller table holds more than it shares).
_SEEN_MONEY: dict[str, Money] = {}
_SEEN_DATES: dict[str, dt.date] = {}
_SEEN_DECIMALS: dict[str | int, Decimal] = {}
_SEEN_MAX = 1 << 14
#: Date-times too: the events of one batch share their time (two in three recur in a demo
#: year), close together in the stream: a smaller table.
_SEEN_TIMES: dict[str, dt.datetime] = {}
_SEEN_TIMES_MAX = 1 << 12


def _money_trusted(d: str, n: list[int]) -> Any:
    """``Money.parse(d)`` for the common form (an amount already at its currency's minor unit,
    a known currency); anything else goes through ``Money.parse`` (and its error)."""
    m = _SEEN_MONEY.get(d)
    if m is not None:
        return m
    parts = d.split()
    if len(parts) == 2:
        exp = _EXPONENTS.get(parts[1])
        if exp is not None:
            try:
                amount = to_decimal(parts[0])
                q = amount.quantize(exp)
            except (SalesctlError, ArithmeticError):
                return Money.parse(d)
            if q == amount:
                m = _new(Money)
                _set(m, "amount", q)
                _set(m, "currency", _intern(parts[1]))
                if len(_SEEN_MONEY) >= _SEEN_MAX:
                    _SEEN_MONEY.clear()
                _SEEN_MONEY[d] = m
                return m
    return Money.parse(d)


#: ``strict_datetime`` without its call (the pattern's own ``fullmatch``).
_DATETIME_FORM = _DATETIME.fullmatch


_fromisoformat = dt.datetime.fromisoformat


def _datetime(d: str, n: list[int]) -> Any:
    """``strict_datetime`` then ``datetime.fromisoformat`` (:class:`_Slow` for a text the
    pattern refuses or a time without an offset).

    The stream's own form, ``YYYY-MM-DDTHH:MM:SS+HH:MM``, is recognised by its length and
    separators instead of the pattern (about 1,200 instructions against 5,900):
    ``fromisoformat`` then reads each of its other characters as an ASCII digit or raises
    ``ValueError`` (a refusal too), so what it accepts there is what the pattern accepts
    (``tests/test_fastreplay_cpu.py``)."""
    v = _SEEN_TIMES.get(d)
    if v is not None:
        return v
    if (
        not (
            len(d) == 25
            and d[10] == "T"
            and d[4] == "-"
            and d[7] == "-"
            and d[13] == ":"
            and d[16] == ":"
            and d[22] == ":"
            and (d[19] == "+" or d[19] == "-")
        )
        and _DATETIME_FORM(d) is None
    ):
        raise _Slow
    v = _fromisoformat(d)
    if v.tzinfo is None:
        raise _Slow
    if len(_SEEN_TIMES) >= _SEEN_TIMES_MAX:
        _SEEN_TIMES.clear()
    _SEEN_TIMES[d] = v
    return v


def _time_of(at: str) -> dt.datetime | None:
    """The time of an event's ``at`` text as the full reader takes it (:func:`_datetime`:
    ``strict_datetime``, then ``fromisoformat`` with an offset), ``None`` when it would not:
    for the header reads of a ``--jobs`` books share (another share's customer's lines), from
    the table the full reads fill (:data:`_SEEN_TIMES`: the lines of one time are read some
    in full, some from their header) rather than parsed again into a table of their own."""
    when = _SEEN_TIMES.get(at)
    if when is not None:
        return when
    try:
        return cast("dt.datetime", _datetime(at, [0]))
    except (_Slow, ValueError):
        return None


def _date(d: str, n: list[int]) -> Any:
    v = _SEEN_DATES.get(d)
    if v is not None:
        return v
    if not strict_date(d):
        raise _Slow
    v = dt.date.fromisoformat(d)
    if len(_SEEN_DATES) >= _SEEN_MAX:
        _SEEN_DATES.clear()
    _SEEN_DATES[d] = v
    return v


def _optional(inner: _Conv) -> _Conv:
    def opt(d: Any, n: list[int]) -> Any:
        return None if d is None else inner(d, n)

    return opt


#: The converters that keep their values in a table by the text read (the amounts, dates,
#: times and quantities above), with that table: a hit returns the table's value, which is
#: what the converter returns for that text (the table holds nothing else).
_TABLES: dict[_Conv, dict[Any, Any]] = {
    _money_trusted: _SEEN_MONEY,
    _date: _SEEN_DATES,
    _datetime: _SEEN_TIMES,
    _decimal_shared: _SEEN_DECIMALS,
}
#: Their optional forms (``None`` for null), one function each so that the builders know them.
_OPTIONAL: dict[_Conv, _Conv] = {conv: _optional(conv) for conv in _TABLES}
for _i, (_conv, _table) in enumerate(_TABLES.items()):
    _hit = f"(_y if (_y := _g{_i}({{x}})) is not None else {{call}})"
    _INLINE[_conv] = (_hit, {f"_g{_i}": _table.get})
    _INLINE[_OPTIONAL[_conv]] = (f"(None if {{x}} is None else {_hit})", {f"_g{_i}": _table.get})


@cache
def _compiled(trusted: bool = True) -> tuple[Any, dict[str, tuple[type, _Conv]], frozenset[str]]:
    b = _Builder(trusted)
    tagged: list[Any] = []
    by_tag: dict[str, tuple[type, _Conv]] = {}
    slow: set[str] = set()
    for name, cls in event_types().items():
        try:
            st = b.struct(cls, tag=name)
        except _Unsupported:
            slow.add(name)
            continue
        tagged.append(st)
        by_tag[name] = (cls, b.convs[cls])
    union = Union[tuple(tagged)] if len(tagged) > 1 else tagged[0]  # noqa: UP007
    return union, by_tag, frozenset(slow)


def document_reader(cls: type) -> Callable[[bytes], Any]:
    """A function from the JSON text of one document of attrs class ``cls`` (a part of a
    line, e.g. a ``msgspec.Raw``) to the document the trusted path builds of it (the same
    Struct and builder as :class:`Decoder`'s); it raises what they raise for a value they do
    not take (``msgspec.MsgspecError``, ``SalesctlError``, ``ValueError``...). Keys are not
    counted: the caller must have the line read in full elsewhere (a ``--jobs`` books
    share's goods issue of another share's customer:
    :class:`~salesctl.fastreplay.books_head.BooksHead`)."""
    b = _Builder(True)
    decode = msgspec.json.Decoder(b.struct(cls)).decode
    conv = b.converter(cls)

    def read(text: bytes) -> Any:
        return conv(decode(text), [0])

    return read


def structs() -> dict[str, Any]:
    """The msgspec Struct of every event type the typed decoder reads, by type name (the
    others are read by the generic reader)."""
    union, _by_tag, _slow = _compiled()
    return {st.__struct_config__.tag: st for st in typing.get_args(union) or (union,)}


#: A ``\uD800``-``\uDFFF`` escape: the line may hold a lone surrogate (the generic reader
#: checks exactly).
_SURROGATE = re.compile(rb"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")
#: JSON's whitespace: taken out of a line before its keys are counted (every ``"`` then ``:``
#: with only whitespace between — each key, and any string value followed by a colon — is a
#: ``":`` once the whitespace is out; taking it out never removes one, so the count is never
#: below the keys in the text: an over-count only sends the line to the generic reader).
_BLANKS = b" \t\r\n"


class Decoder:
    """Reads event lines into salesctl events through the Structs; the generic reader takes
    every line they do not.

    >>> d = Decoder()
    >>> ev = d.decode(b'{"type": "SetExchangeRate", "at": "2026-01-01T00:00:00+08:00", '
    ...               b'"pair": "USD/CNY", "rate": "7.10"}', 1)
    >>> ev.rate
    Decimal('7.10')
    """

    __slots__ = ("_by_tag", "_by_type", "_decode", "fallbacks")

    def __init__(self, *, trusted: bool = True) -> None:
        union, self._by_tag, _slow = _compiled(trusted)
        self._decode = msgspec.json.Decoder(union).decode
        #: the converter of each Struct (its config is built anew on every access)
        self._by_type: dict[type, _Conv] = {
            st: self._by_tag[st.__struct_config__.tag][1]
            for st in typing.get_args(union) or (union,)
        }
        #: Lines read by the generic reader (malformed, or a form the Structs do not take).
        self.fallbacks = 0

    def decode(self, raw: bytes | str, line: int) -> Event | MalformedEvent | None:
        """The event on one line, the error naming its line and field, or ``None`` for a
        blank line."""
        b = raw if isinstance(raw, bytes) else raw.encode("utf-8", "surrogatepass")
        if len(b) <= MAX_LINE_LENGTH and (b.find(b"\\") < 0 or not _SURROGATE.search(b)):
            try:
                s = self._decode(b)
                conv = self._by_type[type(s)]
                count = [1]
                event: Event = conv(s, count)
                if count[0] == b.translate(None, _BLANKS).count(b'":'):
                    return event
            except (
                msgspec.MsgspecError,
                _Slow,
                SalesctlError,
                ValueError,
                TypeError,
                KeyError,
                ArithmeticError,
            ):
                pass
        self.fallbacks += 1
        for _n, item in read_events((raw,), first_line=line):
            return item
        return None

    def read(
        self, lines: Iterable[bytes | str], *, first_line: int = 1
    ) -> Iterator[tuple[int, Event | MalformedEvent]]:
        """Like :func:`salesctl.events.read_events`: ``(line number, event or error)`` for
        every line that is not blank."""
        dec = self.decode
        for n, raw in enumerate(lines, start=first_line):
            item = dec(raw, n)
            if item is not None:
                yield n, item


def _quotes(st: Any) -> int | None:
    """The ``"`` a line decoded into Struct ``st`` holds when it is exactly the Struct's
    fields, each once (its keys, and its values when they are strings), or ``None`` when that
    is not one number (an optional field, a value of another kind)."""
    total = 0
    for f in msgspec.structs.fields(st):
        if f.default is not msgspec.NODEFAULT or f.default_factory is not msgspec.NODEFAULT:
            return None
        tp = f.type
        if tp is str or (
            isinstance(tp, type)
            and issubclass(tp, enum.Enum)
            and all(type(m.value) is str for m in tp)
        ):
            total += 4
        elif isinstance(tp, type) and issubclass(tp, msgspec.Struct):
            inner = _quotes(tp)
            if inner is None:
                return None
            total += 2 + inner
        else:
            return None
    return total


#: What a contract-ledger line's reader (:class:`LedgerLineReader`) gives: ``(at,
#: contract_id, book, (as_of, customer_id, value, delivered, invoiced, collected))`` (the last
#: as the books' register holds it, :meth:`~salesctl.ledger.registers.ContractLedgers.put`).
LedgerLineValues = tuple[dt.datetime, str, Any, tuple[dt.date, str, Money, Money, Money, Money]]

_LEDGER_TAG = "KeepContractLedger"
_LEDGER_PREFIX = b'{"type":"KeepContractLedger",'
#: Ids and non-negative amounts a contract-ledger line has already held, by their text (the
#: same contract and customer on every month's lines, the same value and amounts while the
#: contract stands still): each a value its field's validator accepts.
_LEDGER_IDS: dict[str, str] = {}
_LEDGER_AMOUNTS: dict[str, Money] = {}
#: The most entries of each (emptied when full).
_LEDGER_MAX = 1 << 12
_ZERO = Decimal(0)


class LedgerLineReader:
    """Reads a contract-ledger line (``KeepContractLedger``) into plain values, for the books'
    register (:class:`~salesctl.ledger.registers.ContractLedgers`), without building the event
    or its :class:`~salesctl.records.ContractLedgerLine`.

    A line is read so only when it certainly is one the decoder turns into an event: written
    as the stream writes it (``{"type":"KeepContractLedger",`` first, no escape), decoded by
    the event's Struct, holding exactly the Struct's keys once (every ``"`` of a line without
    escapes opens or closes a key or a string value: the count is that of the Struct's keys
    and string values, so a repeated key, which the Struct decoder would take silently, is
    more), and its values those the line's validators accept — ids non-blank and printable
    without surrounding spaces, amounts finite and not negative, the four amounts in one
    currency, the date and time those the trusted builders read (the same tables and
    converters). Any other line gives ``None``: the caller reads it with
    :meth:`Decoder.decode` (its error, if it has one, is that reader's). The values are those
    of the event the decoder builds from the line (``tests/test_fastreplay_ledger.py``).
    """

    __slots__ = ("_decode", "_quotes")

    def __init__(self) -> None:
        union, _by_tag, _slow = _compiled(True)  # the decoder's (the same cache entry)
        st = next(x for x in typing.get_args(union) if x.__struct_config__.tag == _LEDGER_TAG)
        self._decode = msgspec.json.Decoder(st).decode
        inner = _quotes(st)
        #: the quotes of the line's keys and values (the tag's key and value, then the rest)
        self._quotes = 4 + inner if inner is not None else -1

    def __call__(self, b: bytes) -> LedgerLineValues | None:
        """The line's values, or ``None`` when it must be read by :meth:`Decoder.decode`."""
        if (
            not b.startswith(_LEDGER_PREFIX)
            or len(b) > MAX_LINE_LENGTH
            or b.find(b"\\") >= 0
            or b.count(b'"') != self._quotes
        ):
            return None
        try:
            s = self._decode(b)
            t = s.at
            at = _SEEN_TIMES.get(t)
            if at is None:
                at = _datetime(t, [0])
            x = s.line
            t = x.as_of
            as_of = _SEEN_DATES.get(t)
            if as_of is None:
                as_of = _date(t, [0])
        except (msgspec.MsgspecError, _Slow, ValueError):
            return None
        # each value looked up among those already accepted (the table hit inline), checked
        # as its validator would on a miss (None: refused)
        ids = _LEDGER_IDS
        amounts = _LEDGER_AMOUNTS
        t = x.contract_id
        if (contract_id := ids.get(t)) is None and (contract_id := _ledger_id(t)) is None:
            return None
        t = x.customer_id
        if (customer_id := ids.get(t)) is None and (customer_id := _ledger_id(t)) is None:
            return None
        t = x.value
        if (value := amounts.get(t)) is None and (value := _ledger_amount(t)) is None:
            return None
        t = x.delivered
        if (delivered := amounts.get(t)) is None and (delivered := _ledger_amount(t)) is None:
            return None
        t = x.invoiced
        if (invoiced := amounts.get(t)) is None and (invoiced := _ledger_amount(t)) is None:
            return None
        t = x.collected
        if (collected := amounts.get(t)) is None and (collected := _ledger_amount(t)) is None:
            return None
        cur = value.currency
        if not (cur == delivered.currency == invoiced.currency == collected.currency):
            return None
        return (
            at,
            contract_id,
            x.book,
            (as_of, customer_id, value, delivered, invoiced, collected),
        )


def _ledger_id(t: str) -> str | None:
    """``t`` interned when ``ident`` accepts it (else ``None``)."""
    v = _LEDGER_IDS.get(t)
    if v is not None:
        return v
    if not (t and t.isprintable() and t.strip() == t):
        return None
    if len(_LEDGER_IDS) >= _LEDGER_MAX:
        _LEDGER_IDS.clear()
    v = _LEDGER_IDS[t] = _intern(t)
    return v


def _ledger_amount(t: str) -> Money | None:
    """The amount the trusted builder reads from ``t`` when it is finite and not negative
    (else ``None``)."""
    m = _LEDGER_AMOUNTS.get(t)
    if m is not None:
        return m
    m = _SEEN_MONEY.get(t)
    if m is None:
        try:
            m = _money_trusted(t, [0])
        except (SalesctlError, ArithmeticError, ValueError, TypeError):
            return None
    if not (
        type(m) is Money
        and type(m.amount) is Decimal
        and m.amount.is_finite()
        and m.amount >= _ZERO
    ):
        return None
    if len(_LEDGER_AMOUNTS) >= _LEDGER_MAX:
        _LEDGER_AMOUNTS.clear()
    _LEDGER_AMOUNTS[t] = m
    return m
