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

The package by job: :mod:`~salesctl.events.records` (the record classes),
:mod:`~salesctl.events.reader` (reading and writing events, line by line) and
:mod:`~salesctl.events.schema` (the JSON Schema and the format reference).
"""

from salesctl.events.reader import (
    MalformedEvent,
    event_to_dict,
    event_types,
    parse_event,
    read_events,
)
from salesctl.events.records import (
    RECORD_TYPES,
    AccrueCommission,
    AnalyseCollections,
    AnalyseSales,
    AssessPerformance,
    CloseOrder,
    CollectionStep,
    CountConsignment,
    CountShipments,
    CountStock,
    EvaluatePromotion,
    Event,
    GrantApproval,
    GrantRelease,
    IssuePickupOrder,
    IssueSalesInvoice,
    KeepContractLedger,
    KeepReceiptRecord,
    LoadICCard,
    PostGLRevenue,
    PostReceiptVoucher,
    PublishPrice,
    PublishSalesPolicy,
    ReadStorage,
    ReceiveDeliveryProof,
    ReceiveStock,
    Record,
    RecordBusinessApproval,
    RecordSettlement,
    RegisterStorageArea,
    ReportSalesActual,
    RunPromotion,
    SetExchangeRate,
    SetSalesTarget,
    SettleConsignment,
    TakeCollectionStep,
    register_record,
)
from salesctl.events.schema import event_schema, format_reference

__all__ = [
    "RECORD_TYPES",
    "AccrueCommission",
    "AnalyseCollections",
    "AnalyseSales",
    "AssessPerformance",
    "CloseOrder",
    "CollectionStep",
    "CountConsignment",
    "CountShipments",
    "CountStock",
    "EvaluatePromotion",
    "Event",
    "GrantApproval",
    "GrantRelease",
    "IssuePickupOrder",
    "IssueSalesInvoice",
    "KeepContractLedger",
    "KeepReceiptRecord",
    "LoadICCard",
    "MalformedEvent",
    "PostGLRevenue",
    "PostReceiptVoucher",
    "PublishPrice",
    "PublishSalesPolicy",
    "ReadStorage",
    "ReceiveDeliveryProof",
    "ReceiveStock",
    "Record",
    "RecordBusinessApproval",
    "RecordSettlement",
    "RegisterStorageArea",
    "ReportSalesActual",
    "RunPromotion",
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
