"""The event stream: JSON Lines, one transaction or record per line (the audit replay's input).

An exported year of order-to-cash activity is a file with one JSON object per line, in the
order the host posted them. Each object has a ``"type"`` key and the same field names as the
class it names:

* a **transaction** (:data:`salesctl.transactions.TRANSACTION_TYPES`: ``PlaceOrder``,
  ``IssueInvoice``, …) is something the host did and the gate decides;
* a **record** (:data:`RECORD_TYPES`: ``GrantApproval``, ``GrantRelease``, ``PublishPrice``,
  …) is a fact the host registered that later decisions rely on — an approval given, a
  one-time release granted, a price published, stock received. Records are folded into the
  :mod:`ledger <salesctl.ledger>` but not decided: no preventive control applies to them.

Amounts are strings (``"1000.00 CNY"``), times ISO 8601 with a UTC offset; floats are refused.

>>> from salesctl.events import parse_event
>>> ev = parse_event({"type": "SetExchangeRate", "at": "2026-01-01T00:00:00+08:00",
...                   "pair": "USD/CNY", "rate": "7.10"})
>>> ev.rate
Decimal('7.10')

:func:`read_events` reads a stream line by line; a malformed line becomes a
:class:`MalformedEvent` (an :class:`~salesctl.errors.InvalidInput` naming the line and the
field) and reading continues. :func:`event_schema` generates the JSON Schema of the format
from the classes (published as ``docs/events.schema.json``; regenerate with
``python -m salesctl.events --write docs``).
"""

from __future__ import annotations

import datetime as dt
import enum
import inspect
import json
import re
import types
import typing
from collections.abc import Callable, Iterable, Iterator, Mapping
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any, TypeAlias, TypeVar, Union

import attrs
from attrs import field, frozen

from salesctl._validators import FrozenMap, aware, decimal_conv, opt_text, text, typed
from salesctl.errors import InvalidInput, SalesctlError, UnknownTransaction
from salesctl.model import (
    Approval,
    BusinessApprovalForm,
    ConsignmentSettlement,
    CreditRelease,
    DeliveryProof,
    PriceEntry,
    Settlement,
    StockLot,
)
from salesctl.money import Money
from salesctl.records import (
    ConsignmentCount,
    ContractLedgerLine,
    GLRevenue,
    PerformanceAssessment,
    SalesActual,
    SalesAnalysis,
    SalesInvoice,
    SalesTarget,
    ShipmentCount,
    StockCount,
)
from salesctl.transactions import TRANSACTION_TYPES, Transaction

__all__ = [
    "RECORD_TYPES",
    "AnalyseSales",
    "AssessPerformance",
    "CloseOrder",
    "CollectionStep",
    "CountConsignment",
    "CountShipments",
    "CountStock",
    "Event",
    "GrantApproval",
    "GrantRelease",
    "IssueSalesInvoice",
    "KeepContractLedger",
    "MalformedEvent",
    "PostGLRevenue",
    "PublishPrice",
    "PublishSalesPolicy",
    "ReceiveDeliveryProof",
    "ReceiveStock",
    "Record",
    "RecordBusinessApproval",
    "RecordSettlement",
    "ReportSalesActual",
    "SetExchangeRate",
    "SetSalesTarget",
    "SettleConsignment",
    "TakeCollectionStep",
    "event_schema",
    "event_to_dict",
    "event_types",
    "format_reference",
    "parse_event",
    "read_events",
    "register_record",
]

#: Every record class by its ``type`` name.
RECORD_TYPES: dict[str, type[Record]] = {}

_R = TypeVar("_R", bound="type[Record]")


def register_record(cls: _R) -> _R:
    """Class decorator: make a record class known to :func:`parse_event`.

    Raises:
        InvalidInput: if the name is already taken by a transaction or another record.
    """
    name = cls.__name__
    if name in TRANSACTION_TYPES or RECORD_TYPES.get(name, cls) is not cls:
        raise InvalidInput("event type registered twice", path=name)
    RECORD_TYPES[name] = cls
    return cls


@frozen
class Record:
    """Base of every record: a fact the host registered at a time.

    Attributes:
        at: when the host registered it (timezone-aware).
    """

    at: dt.datetime = field(validator=aware, kw_only=True)

    @property
    def routing_customer(self) -> str | None:
        """The customer the record belongs to, when known (a partitioned replay sends the
        record to that customer's partition only; ``None``: to every partition)."""
        return None


@register_record
@frozen
class GrantApproval(Record):
    """An approval was given for a document (the evidence that clears a HOLD).

    Attributes:
        approval: the approval, as the host's workflow recorded it.
        customer_id: the customer of the approved document, if the export knows it (lets a
            partitioned replay route the record; otherwise every partition receives it).
    """

    approval: Approval = field(validator=typed(Approval), kw_only=True)
    customer_id: str | None = field(default=None, validator=opt_text, kw_only=True)

    @property
    def routing_customer(self) -> str | None:
        """The customer id, if given."""
        return self.customer_id


@register_record
@frozen
class GrantRelease(Record):
    """A one-time credit release was granted for an order (S-IC 5.1).

    Attributes:
        release: the release.
        customer_id: the customer of the released order, if the export knows it.
    """

    release: CreditRelease = field(validator=typed(CreditRelease), kw_only=True)
    customer_id: str | None = field(default=None, validator=opt_text, kw_only=True)

    @property
    def routing_customer(self) -> str | None:
        """The customer id, if given."""
        return self.customer_id


@register_record
@frozen
class PublishPrice(Record):
    """Finance entered a price in the price master (S-IC 3.1–3.4).

    Attributes:
        entry: the price-master entry.
    """

    entry: PriceEntry = field(validator=typed(PriceEntry), kw_only=True)


def _pair(_i: Any, _a: Any, value: Any) -> None:
    text(_i, _a, value)
    if not re.fullmatch(r"[A-Z]{3}/[A-Z]{3}", value):
        raise InvalidInput('must look like "USD/CNY"', path="SetExchangeRate.pair", value=value)


def _rate(_i: Any, _a: Any, value: Any) -> None:
    if not isinstance(value, Decimal) or not value.is_finite() or value <= 0:
        raise InvalidInput("must be a positive decimal", path="SetExchangeRate.rate", value=value)


@register_record
@frozen
class SetExchangeRate(Record):
    """An exchange rate in force from now on (``"USD/CNY"``: CNY per USD).

    Attributes:
        pair: the currency pair, ``"USD/CNY"``.
        rate: units of the second currency per unit of the first.
    """

    pair: str = field(validator=_pair, kw_only=True)
    rate: Decimal = field(converter=decimal_conv, validator=_rate, kw_only=True)


@register_record
@frozen
class ReceiveStock(Record):
    """A lot of finished goods entered stock (入库, S-K1 7).

    Attributes:
        lot: the lot as received (its quantity is the quantity received).
    """

    lot: StockLot = field(validator=typed(StockLot), kw_only=True)


@register_record
@frozen
class PublishSalesPolicy(Record):
    """The general manager issued a sales policy (销售政策, S-K1 1); contracts cite it (O2C-CT-03).

    Attributes:
        reference: the sales policy's id, e.g. ``"XSZC-2026-01"``.
        withdrawn: True when the policy is withdrawn from now on.
    """

    reference: str = field(validator=text, kw_only=True)
    withdrawn: bool = field(default=False, validator=typed(bool), kw_only=True)


@register_record
@frozen
class ReceiveDeliveryProof(Record):
    """Finance received proof that a goods issue was delivered (S-YF 9–10; O2C-RR-02).

    Attributes:
        proof: the customer-signed copy or logistics receipt.
        customer_id: the customer, if the export knows it (routing).
    """

    proof: DeliveryProof = field(validator=typed(DeliveryProof), kw_only=True)
    customer_id: str | None = field(default=None, validator=opt_text, kw_only=True)

    @property
    def routing_customer(self) -> str | None:
        """The customer id, if given."""
        return self.customer_id


@register_record
@frozen
class RecordSettlement(Record):
    """The billing system created or changed a sales settlement (销售结算单, S-PM B–C).

    Attributes:
        settlement: the settlement as it now stands.
        customer_id: the customer, if the export knows it (routing).
    """

    settlement: Settlement = field(validator=typed(Settlement), kw_only=True)
    customer_id: str | None = field(default=None, validator=opt_text, kw_only=True)

    @property
    def routing_customer(self) -> str | None:
        """The customer id, if given."""
        return self.customer_id


@register_record
@frozen
class SettleConsignment(Record):
    """A distributor's month-end consignment settlement was agreed (S-YF 11; O2C-RR-02).

    Attributes:
        settlement: the settlement.
    """

    settlement: ConsignmentSettlement = field(validator=typed(ConsignmentSettlement), kw_only=True)

    @property
    def routing_customer(self) -> str | None:
        """The distributor."""
        return self.settlement.customer_id


@register_record
@frozen
class RecordBusinessApproval(Record):
    """A business approval form (业务审核表) was prepared or approved (S-FT; O2C-SO-06).

    Attributes:
        form: the form as it now stands.
        customer_id: the customer, if the export knows it (routing).
    """

    form: BusinessApprovalForm = field(validator=typed(BusinessApprovalForm), kw_only=True)
    customer_id: str | None = field(default=None, validator=opt_text, kw_only=True)

    @property
    def routing_customer(self) -> str | None:
        """The customer id, if given."""
        return self.customer_id


@register_record
@frozen
class CloseOrder(Record):
    """A completed or expired sales order was closed in the system (关闭, S-IC 5.1; O2C-SO-03).

    Attributes:
        order_id: the order.
        customer_id: the customer, if the export knows it (routing).
    """

    order_id: str = field(validator=text, kw_only=True)
    customer_id: str | None = field(default=None, validator=opt_text, kw_only=True)

    @property
    def routing_customer(self) -> str | None:
        """The customer id, if given."""
        return self.customer_id


# Registers kept outside the order-to-cash transactions (counts, the other department's
# books, the general ledger, targets and plans): the detective controls compare them with
# what the transactions say (salesctl.reconcile).


@register_record
@frozen
class KeepContractLedger(Record):
    """A department's contract-ledger line read at a month end (合同台帐, S-K1 4; O2C-CT-04).

    Attributes:
        line: the line, with the book (sales or finance) it comes from.
    """

    line: ContractLedgerLine = field(validator=typed(ContractLedgerLine), kw_only=True)

    @property
    def routing_customer(self) -> str | None:
        """The customer."""
        return self.line.customer_id


@register_record
@frozen
class CountShipments(Record):
    """The month-end count of actual shipments of a product (实际发货量, S-IC 7.1; O2C-DL-06).

    Attributes:
        count: the count.
    """

    count: ShipmentCount = field(validator=typed(ShipmentCount), kw_only=True)


@register_record
@frozen
class IssueSalesInvoice(Record):
    """Finance issued (stamped) a sales invoice from a system invoice (S-IC 8.1; O2C-RR-01).

    Attributes:
        invoice: the sales invoice.
    """

    invoice: SalesInvoice = field(validator=typed(SalesInvoice), kw_only=True)

    @property
    def routing_customer(self) -> str | None:
        """The customer."""
        return self.invoice.customer_id


@register_record
@frozen
class PostGLRevenue(Record):
    """A posting to the general ledger's revenue account (总账收入, S-IC 8.1; O2C-RR-01).

    Attributes:
        posting: the posting.
    """

    posting: GLRevenue = field(validator=typed(GLRevenue), kw_only=True)


@register_record
@frozen
class CountConsignment(Record):
    """A distributor's month-end consignment count and settlement (S-YF 11; O2C-AR-02).

    Attributes:
        count: the count.
    """

    count: ConsignmentCount = field(validator=typed(ConsignmentCount), kw_only=True)

    @property
    def routing_customer(self) -> str | None:
        """The distributor."""
        return self.count.customer_id


@register_record
@frozen
class CountStock(Record):
    """A line of the month-end stock count (月末盘点, S-IC 10.1; O2C-IN-01).

    Attributes:
        line: the count line.
    """

    line: StockCount = field(validator=typed(StockCount), kw_only=True)


@register_record
@frozen
class SetSalesTarget(Record):
    """A sales target set for a unit and period (O2C-MN-01).

    Attributes:
        target: the target.
    """

    target: SalesTarget = field(validator=typed(SalesTarget), kw_only=True)


@register_record
@frozen
class ReportSalesActual(Record):
    """What a unit sold in a period (O2C-MN-01).

    Attributes:
        actual: the figure.
    """

    actual: SalesActual = field(validator=typed(SalesActual), kw_only=True)


@register_record
@frozen
class AnalyseSales(Record):
    """The monthly sales analysis of a unit against its target (S-IC 11.1; O2C-MN-01).

    Attributes:
        analysis: the analysis.
    """

    analysis: SalesAnalysis = field(validator=typed(SalesAnalysis), kw_only=True)


@register_record
@frozen
class AssessPerformance(Record):
    """A periodic performance assessment of a unit (S-IC 11.1; O2C-MN-02).

    Attributes:
        assessment: the assessment.
    """

    assessment: PerformanceAssessment = field(validator=typed(PerformanceAssessment), kw_only=True)


class CollectionStep(enum.Enum):
    """An escalation step taken on an overdue receivable (S-K1 5; O2C-AR-01)."""

    #: Overdue interest charged (计息).
    INTEREST = "interest"
    #: Set against the salesperson's commission (抵扣提成).
    COMMISSION_OFFSET = "commission_offset"
    #: Legal action started (经济诉讼).
    LITIGATION = "litigation"


@register_record
@frozen
class TakeCollectionStep(Record):
    """Finance took an escalation step on an overdue receivable (S-K1 5; O2C-AR-01).

    Attributes:
        item_id: the receivable (the invoice id).
        customer_id: the customer.
        step: interest, commission offset or litigation.
    """

    item_id: str = field(validator=text, kw_only=True)
    customer_id: str = field(validator=text, kw_only=True)
    step: CollectionStep = field(validator=typed(CollectionStep), kw_only=True)

    @property
    def routing_customer(self) -> str | None:
        """The customer."""
        return self.customer_id


#: An event of the stream: a transaction (decided) or a record (folded only).
Event: TypeAlias = Transaction | Record


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
    from salesctl._convert import structure

    if not isinstance(data, Mapping):
        raise InvalidInput("must be a JSON object", path=path, value=_short(data))
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
    from salesctl._convert import fields_of
    from salesctl.money import to_decimal

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
        return lambda d: d
    if tp in (str, bool, int):

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
            if type(d) is not str:
                raise _Slow
            v = dt.datetime.fromisoformat(d)
            if v.tzinfo is None:
                raise _Slow
            return v

        return when
    if tp is dt.date:

        def day(d: Any) -> Any:
            if type(d) is not str:
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
            if type(d) is not dict:
                raise _Slow
            return FrozenMap([(k, value(v)) for k, v in d.items()])

        return amap
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
    from salesctl._convert import unstructure

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
    reports them — nothing is dropped silently.

    Args:
        lines: the lines (``str`` or UTF-8 ``bytes``, with or without line ends), e.g. an
            open file.
        first_line: the number of the first line.

    Yields:
        ``(line number, event or error)``.
    """
    loads = json.loads
    for n, raw in enumerate(lines, start=first_line):
        if isinstance(raw, bytes):
            try:
                raw = raw.decode("utf-8")
            except UnicodeDecodeError as e:
                yield n, MalformedEvent(f"not UTF-8 text at byte {e.start}", line=n)
                continue
        if not raw.strip():
            continue
        try:
            data = loads(raw)
        except json.JSONDecodeError as e:
            yield n, MalformedEvent(f"not valid JSON: {e.msg} (column {e.colno})", line=n)
            continue
        except RecursionError:
            yield n, MalformedEvent("not valid JSON: nested too deeply", line=n)
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


# -- JSON Schema ---------------------------------------------------------------------------

_SCHEMA_ID = "https://salesctl.dev/schema/events.schema.json"
_DECIMAL = r"^-?[0-9]+(\.[0-9]+)?$"
_MONEY = r"^-?[0-9]+(\.[0-9]+)? [A-Z]{3}$"


def _attribute_docs(cls: type) -> dict[str, str]:
    """Field descriptions from the ``Attributes:`` sections of a class and its bases."""
    out: dict[str, str] = {}
    for klass in reversed(cls.__mro__):
        doc = inspect.getdoc(klass) if klass.__dict__.get("__doc__") else None
        if not doc:
            continue
        lines = doc.splitlines()
        try:
            start = lines.index("Attributes:") + 1
        except ValueError:
            continue
        name: str | None = None
        for raw in lines[start:]:
            if raw and not raw.startswith(" "):
                break
            m = re.match(r"^ {4}(\w+): (.*)$", raw)
            if m:
                name = m.group(1)
                out[name] = m.group(2).strip()
            elif name and raw.strip():
                out[name] += " " + raw.strip()
    return out


def _summary(cls: type) -> str:
    doc = inspect.getdoc(cls) or ""
    para = doc.split("\n\n", 1)[0]
    return " ".join(para.split())


class _SchemaBuilder:
    def __init__(self) -> None:
        self.defs: dict[str, Any] = {}

    def type_schema(self, tp: Any) -> dict[str, Any]:
        from salesctl._convert import fields_of

        origin = typing.get_origin(tp)
        if origin in (Union, types.UnionType):
            args = typing.get_args(tp)
            non_none = [a for a in args if a is not type(None)]
            parts = [self.type_schema(a) for a in non_none]
            if type(None) in args:
                parts.append({"type": "null"})
            return parts[0] if len(parts) == 1 else {"anyOf": parts}
        if tp is Any:
            return {}
        if tp is str:
            return {"type": "string"}
        if tp is bool:
            return {"type": "boolean"}
        if tp is int:
            return {"type": "integer"}
        if tp is Decimal:
            return {"anyOf": [{"type": "string", "pattern": _DECIMAL}, {"type": "integer"}]}
        if tp is Money:
            return {"$ref": "#/$defs/Money"}
        if tp is dt.datetime:
            return {"type": "string", "format": "date-time"}
        if tp is dt.date:
            return {"type": "string", "format": "date"}
        if isinstance(tp, type) and issubclass(tp, enum.IntEnum):
            return {"enum": [m.name for m in tp]}
        if isinstance(tp, type) and issubclass(tp, enum.Enum):
            return {"enum": [m.value for m in tp]}
        if origin is tuple:
            args = typing.get_args(tp)
            if len(args) == 2 and args[1] is Ellipsis:
                return {"type": "array", "items": self.type_schema(args[0])}
            return {
                "type": "array",
                "prefixItems": [self.type_schema(a) for a in args],
                "minItems": len(args),
                "maxItems": len(args),
            }
        if origin is frozenset:
            (arg,) = typing.get_args(tp)
            return {"type": "array", "items": self.type_schema(arg)}
        if origin in (FrozenMap, Mapping) or tp is FrozenMap:
            _kt, vt = typing.get_args(tp) or (str, Any)
            return {"type": "object", "additionalProperties": self.type_schema(vt)}
        if isinstance(tp, type) and attrs.has(tp):
            name = tp.__name__
            if name not in self.defs:
                self.defs[name] = {}  # placeholder against recursion
                self.defs[name] = self.object_schema(tp, fields_of(tp))
            return {"$ref": f"#/$defs/{name}"}
        raise InvalidInput(f"no JSON Schema for type {tp!r}")  # pragma: no cover

    def object_schema(
        self, cls: type, spec: tuple[tuple[str, Any, bool], ...], *, type_name: str | None = None
    ) -> dict[str, Any]:
        docs = _attribute_docs(cls)
        props: dict[str, Any] = {}
        required: list[str] = []
        if type_name is not None:
            props["type"] = {"const": type_name}
            required.append("type")
        for name, ftype, req in spec:
            schema = dict(self.type_schema(ftype))
            if name in docs:
                schema = {"description": docs[name], **schema}
            props[name] = schema
            if req:
                required.append(name)
        out: dict[str, Any] = {"type": "object", "description": _summary(cls)}
        out["properties"] = props
        out["required"] = required
        out["additionalProperties"] = False
        return out


def event_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of one line of an event stream, generated from the
    transaction and record classes.

    Returns:
        The schema as JSON-ready data; ``oneOf`` the event types, each told apart by its
        ``"type"`` constant.
    """
    from salesctl._convert import fields_of

    b = _SchemaBuilder()
    b.defs["Money"] = {
        "description": 'An amount and its ISO 4217 currency: "1000.00 CNY" (or an object).',
        "anyOf": [
            {"type": "string", "pattern": _MONEY},
            {
                "type": "object",
                "properties": {
                    "amount": {"type": "string", "pattern": _DECIMAL},
                    "currency": {"type": "string", "pattern": "^[A-Z]{3}$"},
                },
                "required": ["amount", "currency"],
                "additionalProperties": False,
            },
        ],
    }
    events: dict[str, Any] = {}
    for name, cls in event_types().items():
        events[name] = b.object_schema(cls, fields_of(cls), type_name=name)
    kinds = {n: ("transaction" if n in TRANSACTION_TYPES else "record") for n in events}
    defs = {f"event.{n}": {"x-salesctl-kind": kinds[n], **s} for n, s in events.items()}
    defs.update(dict(sorted(b.defs.items())))
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": _SCHEMA_ID,
        "title": "salesctl event (one line of a JSON Lines event stream)",
        "description": (
            "A transaction (decided by the gate) or a record (folded into the ledger). "
            "Amounts are strings, times ISO 8601 with a UTC offset; floats are refused."
        ),
        "oneOf": [{"$ref": f"#/$defs/event.{n}"} for n in events],
        "$defs": defs,
    }


def _type_label(tp: Any) -> str:
    origin = typing.get_origin(tp)
    if origin in (Union, types.UnionType):
        args = typing.get_args(tp)
        inner = " | ".join(_type_label(a) for a in args if a is not type(None))
        return inner + (" or null" if type(None) in args else "")
    if tp is Decimal:
        return 'decimal string ("12.50")'
    if tp is Money:
        return 'amount ("1000.00 CNY")'
    if tp is dt.datetime:
        return "date-time with offset"
    if tp is dt.date:
        return "date (YYYY-MM-DD)"
    if tp in (str, int, bool):
        return {str: "string", int: "integer", bool: "true/false"}[tp]
    if isinstance(tp, type) and issubclass(tp, enum.IntEnum):
        return "one of " + ", ".join(f"`{m.name}`" for m in tp)
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        return "one of " + ", ".join(f"`{m.value}`" for m in tp)
    if origin in (tuple, frozenset):
        return f"list of {_type_label(typing.get_args(tp)[0])}"
    if origin in (FrozenMap, Mapping):
        return f"object of {_type_label(typing.get_args(tp)[1])}"
    if isinstance(tp, type) and attrs.has(tp):
        return f"[{tp.__name__}](#{tp.__name__.lower()})"
    return str(tp)  # pragma: no cover


_INTRO = """\
# Event format (audit replay input)

<!-- Generated by `python -m salesctl.events --write docs` from the transaction and record
classes; do not edit by hand. tests/test_events.py fails when it is out of date. -->

`salesctl audit EVENTS.jsonl` reads an exported order-to-cash stream in **JSON Lines**: one
JSON object per line, in the order the host posted them. Every object has a `"type"` naming
the event and the same field names as the salesctl class of that name.

```json
{{"type": "GrantApproval", "at": "2026-03-02T09:00:00+08:00", "approval": {{"id": "APR-1", "document_id": "SO-2026-000042", "role": "sales_manager", "approver": {{"id": "u-mgr", "roles": ["sales_manager"], "authority_level": 2}}, "granted_at": "2026-03-02T09:00:00+08:00"}}}}
{{"type": "PlaceOrder", "at": "2026-03-02T10:15:00+08:00", "actor": {{"id": "u-rep", "roles": ["sales_rep"]}}, "order": {{"id": "SO-2026-000042", "series": "SO-2026", "seq": 42, "...": "..."}}}}
```

Rules (the same reader as `salesctl check`):

* **amounts** are strings: `"1000.00 CNY"` (or `{{"amount": "1000.00", "currency": "CNY"}}`);
  quantities and rates are decimal strings (`"12.5"`) or integers; a JSON **float is refused**;
* **times** are ISO 8601 with a UTC offset (`2026-03-02T10:15:00+08:00`), dates `YYYY-MM-DD`;
* unknown fields and missing required fields are errors; `null` only where a field is optional;
* a malformed line is reported with its **line number and field path** and counted; the replay
  continues with the next line (the report lists every rejected line, nothing is dropped
  silently). Blank lines are skipped.

There are two kinds of event:

* **transactions** ({n_txn} types) — what the host did; the replay decides each one with the
  gate exactly as a live host would have, from the ledger's view of the history so far;
* **records** ({n_rec} types) — facts later decisions rely on (approvals given, one-time
  releases granted, prices published, stock received, exchange rates). They are folded into
  the ledger and never decided. A record type is an ordinary attrs class registered with
  `salesctl.events.register_record`; its schema is generated like any other.

The machine-readable schema (JSON Schema draft 2020-12) is
[`events.schema.json`](events.schema.json).

"""


def format_reference() -> str:
    """``docs/event-format.md``: the format rules and one table per event type."""
    from salesctl._convert import fields_of

    n_txn = len(TRANSACTION_TYPES)
    out = [_INTRO.format(n_txn=n_txn, n_rec=len(RECORD_TYPES))]
    nested: dict[str, type] = {}

    def table(cls: type, type_name: str | None) -> list[str]:
        docs = _attribute_docs(cls)
        rows = ["| field | type | required | meaning |", "|---|---|---|---|"]
        if type_name:
            rows.append(f'| `type` | `"{type_name}"` | yes | the event type |')
        for name, ftype, req in fields_of(cls):
            _collect(ftype, nested)
            meaning = docs.get(name, "").replace("|", "\\|")
            label = _type_label(ftype).replace("|", "\\|")
            rows.append(f"| `{name}` | {label} | {'yes' if req else 'no'} | {meaning} |")
        return rows

    for heading, names in (
        ("Transactions", sorted(TRANSACTION_TYPES)),
        ("Records", sorted(RECORD_TYPES)),
    ):
        out.append(f"## {heading}\n")
        for name in names:
            cls = TRANSACTION_TYPES.get(name) or RECORD_TYPES[name]
            out.append(f"### {name}\n\n{_summary(cls)}\n")
            out.extend(table(cls, name))
            out.append("")
    out.append("## Documents\n")
    done: set[str] = set()
    while True:
        todo = sorted(n for n in nested if n not in done)
        if not todo:
            break
        for name in todo:
            done.add(name)
            cls = nested[name]
            out.append(f"### {name}\n\n{_summary(cls)}\n")
            out.extend(table(cls, None))
            out.append("")
    return "\n".join(out).rstrip() + "\n"


def _collect(tp: Any, into: dict[str, type]) -> None:
    origin = typing.get_origin(tp)
    if origin is not None:
        for a in typing.get_args(tp):
            if a is not Ellipsis:
                _collect(a, into)
        return
    if isinstance(tp, type) and attrs.has(tp) and tp is not Money:
        into.setdefault(tp.__name__, tp)


def _write(directory: Path) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    schema = json.dumps(event_schema(), indent=2, ensure_ascii=False) + "\n"
    (directory / "events.schema.json").write_text(schema, encoding="utf-8")
    (directory / "event-format.md").write_text(format_reference(), encoding="utf-8")


if __name__ == "__main__":  # pragma: no cover
    import sys

    if len(sys.argv) == 3 and sys.argv[1] == "--write":
        _write(Path(sys.argv[2]))
    else:
        print(json.dumps(event_schema(), indent=2, ensure_ascii=False))
