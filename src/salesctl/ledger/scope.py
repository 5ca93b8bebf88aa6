"""What an event is about (customer, orders, contracts, documents, products), and the customer
partition of a scaled-out replay."""

from __future__ import annotations

import datetime as dt
import typing
import zlib
from decimal import Decimal
from typing import Any

import attrs

from salesctl.model import SalesOrder
from salesctl.money import Money
from salesctl.transactions import Transaction

__all__ = ["Scope", "customer_partition", "scope_customer", "scope_of"]


def customer_partition(customer_id: str, partitions: int) -> int:
    """The partition (``0 .. partitions-1``) a customer belongs to; stable across runs and
    machines (CRC-32 of the id, not Python's salted ``hash``)."""
    return zlib.crc32(customer_id.encode("utf-8")) % partitions


@attrs.define(slots=True)
class Scope:
    """What an event is about, found from its documents.

    Attributes:
        customer_id: the customer, when the event names one (directly or through its order
            or contract in the ledger's index).
        order_ids: sales orders the event concerns.
        contract_ids: contracts it concerns.
        document_ids: every document id it names (for approvals on hand).
        product_ids: products on its lines.
        goods_issue_ids: goods issues it names.
        currency: the currency of its first amount (order, invoice, receipt, entry).
    """

    customer_id: str | None = None
    order_ids: list[str] = attrs.Factory(list)
    contract_ids: list[str] = attrs.Factory(list)
    document_ids: list[str] = attrs.Factory(list)
    product_ids: list[str] = attrs.Factory(list)
    goods_issue_ids: list[str] = attrs.Factory(list)
    currency: str | None = None


def _add(xs: list[str], x: Any) -> None:
    if isinstance(x, str) and x and x not in xs:
        xs.append(x)


_SKIP = frozenset({"actor", "at", "reason", "to_stage"})
_SCALARS = (str, bool, int, Decimal, Money, dt.date)
#: Per event class: whether it is a transaction, and the fields :func:`scope_of` reads.
_EVENT_PLANS: dict[type, tuple[bool, tuple[str, ...]]] = {}


def _event_plan(cls: type) -> tuple[bool, tuple[str, ...]]:
    plan = _EVENT_PLANS.get(cls)
    if plan is None:
        fields = cls.__attrs_attrs__  # type: ignore[attr-defined]
        names = tuple(a.name for a in fields if a.name not in _SKIP)
        plan = _EVENT_PLANS[cls] = (issubclass(cls, Transaction), names)
    return plan


def scope_of(event: Any) -> Scope:
    """What ``event`` is about: its customer, orders, contracts, documents and products.

    Generic over the event types: it reads the usual field names of the documents an event
    carries (``customer``/``customer_id``, ``order``/``order_id``, ``contract_id``,
    ``goods_issue_id(s)``, ``lines[].product(_id)``, ``id``), so a new transaction type is
    scoped without code here. What it reads of a class is worked out once per class
    (:func:`_event_plan`, :func:`_doc_plan`).
    """
    s = Scope()
    is_txn, names = _event_plan(type(event))
    if is_txn:
        try:
            first = event.document_id
        except NotImplementedError:  # the abstract base has none
            pass
        else:
            if isinstance(first, str) and first:  # the first id: none listed yet
                s.document_ids.append(first)
    for name in names:
        doc = getattr(event, name)
        if doc is None or isinstance(doc, _SCALARS):
            if name in ("release_id", "application_id") and isinstance(doc, str):
                _add(s.document_ids, doc)
            if name == "customer_id" and isinstance(doc, str) and s.customer_id is None:
                s.customer_id = doc
            continue
        _scan(doc, s)
    return s


def scope_customer(event: Any) -> str | None:
    """``scope_of(event).customer_id``, found without building the rest of the scope: the
    first customer the event's fields name, in the order :func:`scope_of` reads them (what a
    partitioned replay routes a transaction on before it knows the transaction is its own)."""
    for name in _event_plan(type(event))[1]:
        doc = getattr(event, name)
        if doc is None or isinstance(doc, _SCALARS):
            if name == "customer_id" and isinstance(doc, str):
                return doc
            continue
        if isinstance(doc, SalesOrder):
            cid: Any = doc.customer.id
            if cid is not None:
                return typing.cast("str", cid)
            continue
        plan = _doc_plan(type(doc))
        if plan is None:
            continue
        if plan[2]:  # customer
            cid = getattr(doc.__getattribute__("customer"), "id", None)
            if cid is not None:
                return typing.cast("str", cid)
        if plan[3]:  # customer_id
            cid = doc.__getattribute__("customer_id")
            if cid is not None:
                return typing.cast("str", cid)
    return None


#: Per document class: ``None`` (not an attrs class: nothing to read) or what it has of
#: ``id``, ``amount``/``total``, ``customer``, ``customer_id``, ``order_id``, ``contract_id``,
#: ``goods_issue_id``, ``goods_issue_ids``, ``notice_id``, ``application_id``,
#: ``business_approval_id``, ``product_id``, ``lines`` (see :func:`_scan`).
_DOC_PLANS: dict[type, tuple[Any, ...] | None] = {}
_FLAGS = (
    "id",
    "customer",
    "customer_id",
    "order_id",
    "contract_id",
    "goods_issue_id",
    "goods_issue_ids",
    "notice_id",
    "application_id",
    "business_approval_id",
    "product_id",
    "lines",
)


def _doc_plan(cls: type) -> tuple[Any, ...] | None:
    if cls in _DOC_PLANS:
        return _DOC_PLANS[cls]
    if not attrs.has(cls):
        _DOC_PLANS[cls] = None
        return None
    fields = {a.name for a in cls.__attrs_attrs__}
    money: tuple[str, ...] = ("amount", "total")
    if getattr(cls, "__dictoffset__", 1) == 0 and getattr(cls, "__getattr__", None) is None:
        # no instance dict, no __getattr__: an attribute the class lacks is never there
        money = tuple(n for n in money if hasattr(cls, n))
    plan = (money, *(f in fields for f in _FLAGS))
    _DOC_PLANS[cls] = plan
    return plan


def _scan(doc: Any, s: Scope) -> None:
    if isinstance(doc, SalesOrder):
        if s.currency is None:
            s.currency = doc.currency
        _add(s.order_ids, doc.id)
        _add(s.document_ids, doc.id)
        if s.customer_id is None:
            s.customer_id = doc.customer.id
        _add(s.contract_ids, doc.contract_id)
        pids = s.product_ids
        for line in doc.lines:
            pid = line.product.id
            if isinstance(pid, str) and pid and pid not in pids:  # _add, inline
                pids.append(pid)
        return
    plan = _doc_plan(type(doc))
    if plan is None:
        return
    (money, f_id, f_cust, f_cust_id, f_order, f_contract, f_gi, f_gis, f_notice, f_app, f_ba,
     f_pid, f_lines) = plan  # fmt: skip
    get = doc.__getattribute__
    if f_id:
        _add(s.document_ids, get("id"))
    if s.currency is None:
        for name in money:
            m = getattr(doc, name, None)
            if isinstance(m, Money):
                s.currency = m.currency
                break
    if f_cust and s.customer_id is None:
        cust = get("customer")
        s.customer_id = getattr(cust, "id", None)
    if f_cust_id and s.customer_id is None:
        s.customer_id = get("customer_id")
    if f_order:
        _add(s.order_ids, get("order_id"))
        _add(s.document_ids, get("order_id"))
    if f_contract:
        _add(s.contract_ids, get("contract_id"))
        _add(s.document_ids, get("contract_id"))
    if f_gi:
        _add(s.goods_issue_ids, get("goods_issue_id"))
    if f_gis:
        for g in get("goods_issue_ids"):
            _add(s.goods_issue_ids, g)
    if f_notice:
        _add(s.document_ids, get("notice_id"))
    if f_app:
        _add(s.document_ids, get("application_id"))
    if f_ba:
        _add(s.document_ids, get("business_approval_id"))
    if f_pid:
        _add(s.product_ids, get("product_id"))
    if f_lines:
        pids = s.product_ids
        for line in get("lines"):
            named: Any = getattr(line, "product_id", None)
            if named is None:
                named = getattr(getattr(line, "product", None), "id", None)
            if isinstance(named, str) and named and named not in pids:  # _add, inline
                pids.append(named)
