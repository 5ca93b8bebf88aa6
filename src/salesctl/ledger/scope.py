"""What an event is about (customer, orders, contracts, documents, products), and the customer
partition of a scaled-out replay."""

from __future__ import annotations

import contextlib
import datetime as dt
import zlib
from decimal import Decimal
from typing import Any

import attrs

from salesctl.model import SalesOrder
from salesctl.money import Money
from salesctl.transactions import Transaction

__all__ = ["Scope", "customer_partition", "scope_of"]


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


def scope_of(event: Any) -> Scope:
    """What ``event`` is about: its customer, orders, contracts, documents and products.

    Generic over the event types: it reads the usual field names of the documents an event
    carries (``customer``/``customer_id``, ``order``/``order_id``, ``contract_id``,
    ``goods_issue_id(s)``, ``lines[].product(_id)``, ``id``), so a new transaction type is
    scoped without code here.
    """
    s = Scope()
    if isinstance(event, Transaction):
        with contextlib.suppress(NotImplementedError):  # the abstract base has none
            _add(s.document_ids, event.document_id)
    for a in type(event).__attrs_attrs__:
        if a.name in _SKIP:
            continue
        doc = getattr(event, a.name)
        if doc is None or isinstance(doc, str | bool | int | Decimal | Money | dt.date):
            if a.name in ("release_id", "application_id") and isinstance(doc, str):
                _add(s.document_ids, doc)
            if a.name == "customer_id" and isinstance(doc, str) and s.customer_id is None:
                s.customer_id = doc
            continue
        _scan(doc, s)
    return s


def _scan(doc: Any, s: Scope) -> None:
    if isinstance(doc, SalesOrder):
        if s.currency is None:
            s.currency = doc.currency
        _add(s.order_ids, doc.id)
        _add(s.document_ids, doc.id)
        if s.customer_id is None:
            s.customer_id = doc.customer.id
        _add(s.contract_ids, doc.contract_id)
        for line in doc.lines:
            _add(s.product_ids, line.product.id)
        return
    if not attrs.has(type(doc)):
        return
    get = doc.__getattribute__
    names = type(doc).__attrs_attrs__
    fields = {a.name for a in names}
    if "id" in fields:
        _add(s.document_ids, get("id"))
    if s.currency is None:
        for name in ("amount", "total"):
            m = getattr(doc, name, None)
            if isinstance(m, Money):
                s.currency = m.currency
                break
    if "customer" in fields and s.customer_id is None:
        cust = get("customer")
        s.customer_id = getattr(cust, "id", None)
    if "customer_id" in fields and s.customer_id is None:
        s.customer_id = get("customer_id")
    if "order_id" in fields:
        _add(s.order_ids, get("order_id"))
        _add(s.document_ids, get("order_id"))
    if "contract_id" in fields:
        _add(s.contract_ids, get("contract_id"))
        _add(s.document_ids, get("contract_id"))
    if "goods_issue_id" in fields:
        _add(s.goods_issue_ids, get("goods_issue_id"))
    if "goods_issue_ids" in fields:
        for g in get("goods_issue_ids"):
            _add(s.goods_issue_ids, g)
    if "notice_id" in fields:
        _add(s.document_ids, get("notice_id"))
    if "application_id" in fields:
        _add(s.document_ids, get("application_id"))
    if "business_approval_id" in fields:
        _add(s.document_ids, get("business_approval_id"))
    if "product_id" in fields:
        _add(s.product_ids, get("product_id"))
    if "lines" in fields:
        for line in get("lines"):
            pid = getattr(line, "product_id", None)
            if pid is None:
                pid = getattr(getattr(line, "product", None), "id", None)
            _add(s.product_ids, pid)
