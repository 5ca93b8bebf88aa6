"""What a line's type says to a share of a partitioned replay routing by header
(:mod:`salesctl.fastreplay.route`): the header Structs of every event type and what a share
that does not hold the line's customer may do with the line (:func:`_compile`), and what
deciding a line of each type costs the share that holds its customer, from which a stream's
partitions are weighed (:func:`partition_weights`).
"""

from __future__ import annotations

import os
import re
import types
import typing
from typing import Any, Union

import msgspec

from salesctl._convert import fields_of
from salesctl.events import event_types
from salesctl.ledger import FOLDS, customer_partition
from salesctl.model import Customer, SalesOrder
from salesctl.transactions import Transaction

__all__ = ["BY_GOODS_ISSUE", "LINE_COSTS", "LOCAL", "partition_weights"]

#: Event types whose ledger fold changes nothing for a customer the ledger does not own (it
#: reads the customer's own state, orders or contracts, which only the owner holds) and that
#: are decided only by the owner's share: another partition's may skip them.
LOCAL: frozenset[str] = frozenset(
    {
        "BookRevenue",
        "CloseOrder",
        "GrantApproval",
        "GrantRelease",
        "IssueInvoice",
        "PayCommission",
        "RecordBusinessApproval",
        "RecordReceipt",
        "RecordSettlement",
        "SettleConsignment",
        "VoidInvoice",
        "VoidOrder",
        "VoidSettlement",
    }
)

_REFS = ("customer_id", "order_id", "contract_id")


def _optional(tp: Any) -> Any:
    """``X`` for ``X | None`` (else ``tp``)."""
    if typing.get_origin(tp) in (Union, types.UnionType):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        if len(args) == 1:
            return args[0]
    return tp


# The header Structs hold text, numbers and other header Structs (lists of them at most): no
# reference cycle can run through one, so the collector does not track them (gc=False).
_CustomerHead = msgspec.defstruct(
    "CustomerHead", [("id", str), ("group_id", str | None, None)], kw_only=True, gc=False
)
_OrderHead = msgspec.defstruct(
    "OrderHead",
    [("id", str), ("customer", _CustomerHead), ("contract_id", str | None, None)],
    kw_only=True,
    gc=False,
)


def _doc_head(cls: type) -> Any | None:
    """The Struct of the routing fields of a document class (``None``: it has none)."""
    if cls is SalesOrder:
        return _OrderHead
    fields: list[Any] = []
    for name, tp, _req in fields_of(cls):
        t = _optional(tp)
        if name in _REFS and t is str:
            fields.append((name, str | None, None))
        elif name == "customer" and t is Customer:
            fields.append((name, _CustomerHead | None, None))
    if not fields:
        return None
    return msgspec.defstruct(f"{cls.__name__}Head", fields, kw_only=True, gc=False)


def _event_head(name: str, cls: type) -> tuple[Any, tuple[tuple[str, str], ...]]:
    """The header Struct of an event type and its routing fields: ``(field, kind)`` where kind
    is ``ref`` (an id at the top level), ``doc`` (a document) or ``order``."""
    fields: list[Any] = [("at", str)]
    spec: list[tuple[str, str]] = []
    if name in LOCAL:
        for fname, tp, _req in fields_of(cls):
            t = _optional(tp)
            if fname in _REFS and t is str:
                fields.append((fname, str | None, None))
                spec.append((fname, "ref"))
            elif isinstance(t, type) and hasattr(t, "__attrs_attrs__"):
                head = _doc_head(t)
                if head is not None:
                    fields.append((fname, head | None, None))
                    spec.append((fname, "order" if t is SalesOrder else "doc"))
    st = msgspec.defstruct(
        f"{name}Head", fields, kw_only=True, tag_field="type", tag=name, gc=False
    )
    return st, tuple(spec)


_Route = tuple[str, str, tuple[tuple[str, str], ...]]


#: Record types whose ledger fold reads only the state of the order of the goods issue
#: they name (``proof.goods_issue_id``, through the ledger's goods-issue index) and changes
#: nothing when the ledger holds no such order: another partition's order, or none.
BY_GOODS_ISSUE: frozenset[str] = frozenset({"ReceiveDeliveryProof"})

_ProofHead = msgspec.defstruct("ProofHead", [("goods_issue_id", str)], kw_only=True, gc=False)


def _compile() -> tuple[Any, dict[str, _Route]]:
    heads: list[Any] = []
    by_tag: dict[str, _Route] = {}
    for name, cls in event_types().items():
        if name in BY_GOODS_ISSUE:
            st = msgspec.defstruct(
                f"{name}Head",
                [("at", str), ("proof", _ProofHead), ("customer_id", str | None, None)],
                kw_only=True,
                tag_field="type",
                tag=name,
                gc=False,
            )
            heads.append(st)
            by_tag[name] = (name, "gi", (("proof", "gi"),))
            continue
        st, spec = _event_head(name, cls)
        heads.append(st)
        if name not in FOLDS and not issubclass(cls, Transaction):
            kind = "skip"
        elif name in LOCAL and spec:
            kind = "local"
        else:
            kind = "keep"
        by_tag[name] = (name, kind, spec)
    return Union[tuple(heads)], by_tag  # noqa: UP007


_TYPE = re.compile(rb'"type":"(\w+)"')
_CUSTOMER = re.compile(rb'"(?:customer_id|customer)":(?:\{"id":)?"([^"\\]+)"')


#: What deciding and folding a customer's line costs the share that holds the customer, beyond
#: what the other shares pay for the same line (reading its header, or decoding it in full
#: for the books and the ledger's global state), by event type: the CPU time of each share of
#: ``--jobs 2`` on the 1M demo year split by line type and by whose customer the line names
#: (own minus other, microseconds, rounded; issue 16, ninth pass). A contract signing weighs
#: twenty approvals: a partition's weight is the cost of its lines, not their number.
LINE_COSTS: dict[str, float] = {
    "BookRevenue": 125.0,
    "CloseOrder": 10.0,
    "GrantApproval": 12.0,
    "IssueDeliveryNotice": 115.0,
    "IssueInvoice": 145.0,
    "IssueProductionOrder": 100.0,
    "PayCommission": 265.0,
    "PlaceOrder": 110.0,
    "PostGoodsIssue": 150.0,
    "ReceiveDeliveryProof": 20.0,
    "RecordBusinessApproval": 25.0,
    "RecordReceipt": 95.0,
    "ScheduleWorkOrder": 95.0,
    "SendQuotation": 60.0,
    "SignContract": 260.0,
}

#: The cost of a line of a type :data:`LINE_COSTS` does not name (rare in the demo years).
_OTHER_LINE_COST = 100.0


def partition_weights(
    path: str, partitions: int, *, samples: int = 128, sample_bytes: int = 1 << 18
) -> tuple[float, ...]:
    """The share of a stream's customer work in each of ``partitions`` customer partitions,
    estimated from ``samples`` slices of ``sample_bytes`` spread over the file (the whole
    file when it is smaller): per partition, the cost (:data:`LINE_COSTS`) of the sampled
    lines that a share routing by header decodes in full and that name one of its customers.

    A guide for dividing the partitions between processes (a customer with a tenth of the
    orders makes a partition heavy); it changes nothing in what is replayed or reported.
    Customer groups are not followed. Every partition weighs 1 when the file cannot be read
    or the sample names no customer.
    """
    even = (1.0,) * partitions
    by_tag = _compile()[1]
    counts = [0.0] * partitions
    cost_of = LINE_COSTS.get
    try:
        with open(path, "rb") as f:
            size = os.fstat(f.fileno()).st_size
            whole = size <= samples * sample_bytes
            step = size // samples
            slices: list[bytes] = []
            for i in range(1 if whole else samples):
                f.seek(i * step)
                chunk = f.read() if whole else f.read(sample_bytes)
                if not whole:  # whole lines only
                    chunk = chunk[chunk.find(b"\n") + 1 if i else 0 : chunk.rfind(b"\n")]
                slices.append(chunk)
    except OSError:
        return even
    for chunk in slices:
        for line in chunk.split(b"\n"):
            t = _TYPE.search(line)
            name = t.group(1).decode("ascii") if t is not None else ""
            route = by_tag.get(name)
            if route is None or route[1] == "skip":
                continue
            c = _CUSTOMER.search(line)
            if c is not None:
                cust = c.group(1).decode("utf-8", "replace")
                counts[customer_partition(cust, partitions)] += cost_of(name, _OTHER_LINE_COST)
    total = sum(counts)
    if not total:
        return even
    return tuple(c / total * partitions for c in counts)
