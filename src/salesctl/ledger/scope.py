"""What an event is about (customer, orders, contracts, documents, products), and the customer
partition of a scaled-out replay."""

from __future__ import annotations

import datetime as dt
import typing
import zlib
from collections.abc import Callable
from decimal import Decimal
from typing import Any, cast

import attrs

from salesctl.model import SalesOrder
from salesctl.money import Money
from salesctl.transactions import Transaction

__all__ = ["Scope", "customer_partition", "plain_scope_of", "scope_customer", "scope_of"]


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
    (:func:`_event_plan`, :func:`_doc_plan`) and generated as that class's own reading
    (:func:`_compile_scoper`, :func:`_compile_scanner`): what :func:`plain_scope_of` reads,
    in the same order, without deciding it again for every event.
    """
    try:
        fn = _SCOPERS[type(event)]
    except KeyError:
        fn = _SCOPERS[type(event)] = _compile_scoper(type(event))
    return fn(event)


def plain_scope_of(event: Any) -> Scope:
    """:func:`scope_of` read from the classes' plans instead of generated code (the
    reference the generated readings are compared with)."""
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
        _plain_scan(doc, s)
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


def _plain_scan(doc: Any, s: Scope) -> None:
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


#: The generated reading of each event class (:func:`_compile_scoper`) and of each document
#: class an event carries (:func:`_compile_scanner`).
_SCOPERS: dict[type, Callable[[Any], Scope]] = {}
_SCANNERS: dict[type, Callable[[Any, Scope], None]] = {}


def _scan(doc: Any, s: Scope) -> None:
    """What :func:`_plain_scan` adds to ``s`` for ``doc``, by its class's generated reading."""
    try:
        fn = _SCANNERS[type(doc)]
    except KeyError:
        fn = _SCANNERS[type(doc)] = _compile_scanner(type(doc))
    fn(doc, s)


def _added(target: str, value: str, pad: str) -> list[str]:
    """Lines adding ``value`` to the list ``target`` as :func:`_add` does."""
    return [
        f"{pad}x = {value}",
        f"{pad}if isinstance(x, _str) and x and x not in {target}:",
        f"{pad}    {target}.append(x)",
    ]


def _generated(name: str, body: list[str], ns: dict[str, Any]) -> Any:
    ns.update(
        _str=str,
        _Money=Money,
        _SCALARS=_SCALARS,
        _Scope=Scope,
        _scan=_scan,
        _new=object.__new__,
        _LACKS=_LACKS,
        _lacks_product_id=_lacks_product_id,
    )
    exec(compile("\n".join(body), f"<salesctl scope of {name}>", "exec"), ns)
    return ns["fn"]


def _compile_scoper(cls: type) -> Callable[[Any], Scope]:
    """The reading of events of class ``cls``: :func:`plain_scope_of`'s steps for its plan."""
    is_txn, names = _event_plan(cls)
    # a new Scope() without attrs' __init__ and its factory calls: the same empty scope
    body = [
        "def fn(event):",
        "    s = _new(_Scope)",
        "    s.customer_id = None",
        "    s.order_ids = []",
        "    s.contract_ids = []",
        "    s.document_ids = docs = []",
        "    s.product_ids = []",
        "    s.goods_issue_ids = []",
        "    s.currency = None",
    ]
    if is_txn:
        body += [
            "    try:",
            "        first = event.document_id",
            "    except NotImplementedError:",  # the abstract base has none
            "        pass",
            "    else:",
            "        if isinstance(first, _str) and first:",
            "            docs.append(first)",
        ]
    for name in names:
        body.append(f"    doc = event.{name}")
        if name in ("release_id", "application_id", "customer_id"):
            body.append("    if doc is None or isinstance(doc, _SCALARS):")
            if name == "customer_id":
                body += [
                    "        if isinstance(doc, _str) and s.customer_id is None:",
                    "            s.customer_id = doc",
                ]
            else:
                body += [
                    "        if isinstance(doc, _str) and doc and doc not in docs:",
                    "            docs.append(doc)",
                ]
            body += ["    else:", "        _scan(doc, s)"]
        else:
            body += [
                "    if not (doc is None or isinstance(doc, _SCALARS)):",
                "        _scan(doc, s)",
            ]
    body.append("    return s")
    fn: Callable[[Any], Scope] = _generated(cls.__qualname__, body, {})
    return fn


def _compile_scanner(cls: type) -> Callable[[Any, Scope], None]:
    """The reading of a document of class ``cls``: :func:`_plain_scan`'s steps for it (a
    sales order's, or those its plan names, in the same order)."""
    if issubclass(cls, SalesOrder):
        body = [
            "def fn(doc, s):",
            "    if s.currency is None:",
            "        s.currency = doc.currency",
            *_added("s.order_ids", "doc.id", "    "),
            *_added("s.document_ids", "doc.id", "    "),
            "    if s.customer_id is None:",
            "        s.customer_id = doc.customer.id",
            *_added("s.contract_ids", "doc.contract_id", "    "),
            "    pids = s.product_ids",
            "    for line in doc.lines:",
            "        pid = line.product.id",
            "        if isinstance(pid, _str) and pid and pid not in pids:",
            "            pids.append(pid)",
        ]
        return cast("Callable[[Any, Scope], None]", _generated(cls.__qualname__, body, {}))
    plan = _doc_plan(cls)
    if plan is None:
        return _scan_nothing
    (money, f_id, f_cust, f_cust_id, f_order, f_contract, f_gi, f_gis, f_notice, f_app, f_ba,
     f_pid, f_lines) = plan  # fmt: skip
    body = ["def fn(doc, s):", "    docs = s.document_ids"]
    if getattr(cls, "__getattr__", None) is None:
        # no fallback: ``doc.name`` is ``doc.__getattribute__("name")``
        def get(name: str) -> str:
            return f"doc.{name}"
    else:
        body.append("    get = doc.__getattribute__")

        def get(name: str) -> str:
            return f"get({name!r})"

    if f_id:
        body += _added("docs", get("id"), "    ")
    if money:
        body.append("    if s.currency is None:")
        pad = "        "
        for name in money:
            body += [
                f"{pad}m = getattr(doc, {name!r}, None)",
                f"{pad}if isinstance(m, _Money):",
                f"{pad}    s.currency = m.currency",
                f"{pad}else:",
            ]
            pad += "    "
        body.append(f"{pad}pass")
    if f_cust:
        body += [
            "    if s.customer_id is None:",
            f'        s.customer_id = getattr({get("customer")}, "id", None)',
        ]
    if f_cust_id:
        body += ["    if s.customer_id is None:", f"        s.customer_id = {get('customer_id')}"]
    if f_order:
        body += _added("s.order_ids", get("order_id"), "    ")
        body += _added("docs", "x", "    ")[1:]
    if f_contract:
        body += _added("s.contract_ids", get("contract_id"), "    ")
        body += _added("docs", "x", "    ")[1:]
    if f_gi:
        body += _added("s.goods_issue_ids", get("goods_issue_id"), "    ")
    if f_gis:
        body += [
            f"    for g in {get('goods_issue_ids')}:",
            *_added("s.goods_issue_ids", "g", "        "),
        ]
    for flag, key in ((f_notice, "notice_id"), (f_app, "application_id"),
                      (f_ba, "business_approval_id")):  # fmt: skip
        if flag:
            body += _added("docs", get(key), "    ")
    if f_pid:
        body += _added("s.product_ids", get("product_id"), "    ")
    if f_lines:
        body += [
            "    pids = s.product_ids",
            f"    for line in {get('lines')}:",
            "        lt = type(line)",
            "        lacks = _LACKS.get(lt)",
            "        if lacks is None:",
            "            lacks = _lacks_product_id(lt)",
            # never there: not looked up (a failed lookup raises and drops an AttributeError)
            '        named = None if lacks else getattr(line, "product_id", None)',
            "        if named is None:",
            '            named = getattr(getattr(line, "product", None), "id", None)',
            "        if isinstance(named, _str) and named and named not in pids:",
            "            pids.append(named)",
        ]
    return cast("Callable[[Any, Scope], None]", _generated(cls.__qualname__, body, {}))


#: Per class of a document's lines: whether its instances never have a ``product_id``.
_LACKS: dict[type, bool] = {}


def _lacks_product_id(cls: type) -> bool:
    """Whether no instance of ``cls`` has a ``product_id`` (the class has no such attribute,
    no instance dict, no ``__getattr__``: ``getattr(line, "product_id", None)`` is then
    ``None``), remembered."""
    lacks = _LACKS[cls] = (
        not hasattr(cls, "product_id")
        and getattr(cls, "__dictoffset__", 1) == 0
        and getattr(cls, "__getattr__", None) is None
    )
    return lacks


def _scan_nothing(doc: Any, s: Scope) -> None:
    """The reading of a document that is not an attrs class: nothing."""
