"""The books: the registers the detective controls read, kept from every event of the stream
(:class:`Books`), and the registry of book folds (the folds are in
:mod:`salesctl.ledger.book_folds`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator, Mapping
from decimal import Decimal, getcontext
from operator import attrgetter, is_
from typing import Any, cast

import attrs

from salesctl._assembly import assembly
from salesctl._validators import tuple_conv
from salesctl.control import Frequency
from salesctl.ledger.registers import ContractLedgers, Registers, filed_under
from salesctl.ledger.state import DEFAULT_CREDIT_METHODS
from salesctl.model import CreditTerms, PaymentMethod
from salesctl.money import CURRENCIES, Money
from salesctl.records import (
    CreditFile,
    DocumentEntry,
    OrderEntry,
    Period,
    ReceivableItem,
    Records,
)
from salesctl.transactions import Transaction

__all__ = [
    "BOOK_FOLDS",
    "MONTH_ONLY",
    "REPEATABLE",
    "BookFold",
    "Books",
    "Dated",
    "Entry",
    "OrderBook",
    "ReceivableBook",
    "book_fold",
    "document_entry",
    "records_of",
]

#: Transaction types that legitimately present the same document again (an order released
#: after a credit block, an opportunity moved from stage to stage). Every other transaction
#: posts a new document, and its id posted twice is an O2C-RR-04 exception.
REPEATABLE: frozenset[str] = frozenset({"ReleaseOrder", "AdvanceStage"})


#: Dated registers read only by monthly detective controls that examine the entries dated in
#: their month (O2C-CT-04 reads the contract-ledger lines ``as_of`` in the period): once the
#: month is closed nothing reads them again, so they are dropped then rather than after the
#: retention (tests/test_replay_memory.py checks that no other control reads them). The
#: contract-ledger lines are held by :attr:`Books.contract_ledgers` (the latest line per
#: contract, book and month, as plain values), dropped at the month's close while named here.
MONTH_ONLY: frozenset[str] = frozenset({"contract_ledger"})


class Books:
    """The registers the detective controls read (:class:`salesctl.reconcile.Records`).

    Kept from every event of the stream, whatever partition the ledger is: the order register
    (numbers, completion, closing), credit files, system deliveries and invoices (each invoice
    line attributed to the deliveries it bills, first delivered first billed), and the
    registers the host exports as records — sales invoices, general-ledger revenue, shipment
    and stock counts, both departments' contract ledgers, consignment counts, targets,
    analyses, assessments, sales plans and their approvals; the revenue entries and the
    register of every document a transaction posted (kind and id, O2C-RR-04).

    A daily run gets the day's documents and what they refer to; a monthly (or longer) run
    gets everything still kept. Documents are kept ``retention_days`` after their date (an
    order until its closing deadline has passed), so memory follows open documents.

    Args:
        retention_days: how long dated registers are kept.
        sales_invoice_within_days: days after a system invoice its sales invoice is due (a
            daily run looks back this far; the period-end policy's value).
        posting_within_days: the same for the revenue posting.
        close_within_days: days after completion by which an order is closed (kept so long).
        credit_methods: payment methods whose invoices are receivables to age.
        plan_roles: roles that approve sales plans (approvals in these roles are kept a
            month, for the plans they approve).
        voucher_within_days: days after a receipt by which its voucher is due (O2C-AR-03; the
            issue-14 registers are in :attr:`registers`).
    """

    def __init__(
        self,
        *,
        retention_days: int = 120,
        sales_invoice_within_days: int = 0,
        posting_within_days: int = 0,
        close_within_days: int = 31,
        credit_methods: Iterable[PaymentMethod] = DEFAULT_CREDIT_METHODS,
        plan_roles: Iterable[str] = ("marketing_head", "general_manager", "office_meeting"),
        voucher_within_days: int = 0,
    ) -> None:
        self.retention = dt.timedelta(days=retention_days)
        self.lookback = dt.timedelta(days=max(sales_invoice_within_days, posting_within_days))
        self.close_within = dt.timedelta(days=close_within_days)
        self.orders: dict[str, OrderBook] = {}
        #: The quantities of each order's lines, flat: line number, ordered, delivered,
        #: invoiced, then the next line's (``book_folds._line_at``; a dict of lists per order
        #: took about 400 bytes for two lines, this list 120).
        self._lines: dict[str, list[Any]] = {}
        self.series_max: dict[str, int] = {}
        self.opening: dict[str, int] = {}
        self.credit_files: dict[str, dict[str, Any]] = {}
        self.deliveries: dict[str, list[Any]] = {}
        self._deliveries_by_day: dict[dt.date, list[str]] = {}
        self.system_invoices: dict[str, Any] = {}
        self._sys_by_day: dict[dt.date, list[str]] = {}
        #: The system invoices billing each goods issue, the sales invoices and revenue
        #: postings of each system invoice (:func:`~salesctl.ledger.registers.file_under`:
        #: the one value, or a tuple of them, in the order filed).
        self._gi_bills: dict[str, Any] = {}
        self._unbilled: dict[str, dict[int, list[list[Any]]]] = {}
        self._sales_by_day: dict[dt.date, list[Any]] = {}
        self._sales_by_sys: dict[str, Any] = {}
        self._gl_by_day: dict[dt.date, list[Any]] = {}
        self._gl_by_sys: dict[str, Any] = {}
        self._dated: dict[str, Dated] = {}
        self._plans: set[str] = set()
        self._profile_terms: dict[str, CreditTerms | int] = {}
        self._idents: dict[str, dict[str, int]] = {}
        self.credit_methods = frozenset(credit_methods)
        self._credit_orders: dict[str, tuple[str, CreditTerms | int | None]] = {}
        self.receivables: dict[str, ReceivableBook] = {}
        self._open_by_customer: dict[str, dict[str, ReceivableBook]] = {}
        self._gi_order: dict[str, str] = {}
        #: Delivery values computed, each shared by the records of equal value
        #: (:func:`~salesctl.ledger.book_folds._shared`).
        self._values: dict[Money, Money] = {}
        self._pending_approvals: list[Any] = []
        self.plan_roles: frozenset[str] = frozenset(plan_roles)
        #: The lines of each order as last placed or released (their unit prices value its
        #: deliveries).
        self._prices: dict[str, tuple[Any, ...]] = {}
        self.registers = Registers(voucher_within_days=voucher_within_days)
        #: Both departments' contract ledgers (O2C-CT-04): per month, contract and book, the
        #: latest line as plain values (not a record per line read).
        self.contract_ledgers = ContractLedgers()
        #: The order and receivable records built for the last period run, with the entry
        #: values they were built from (:meth:`_built`; an order record alone: its fields
        #: are those values).
        self._records: dict[str, dict[str, Any]] = {}
        #: One date instance per calendar day seen (the registers hold the day of every
        #: entry; a ``datetime.date()`` is a new object each time).
        self._days: dict[dt.date, dt.date] = {}

    # -- registering --------------------------------------------------------------------

    def apply(self, event: Any) -> None:
        """Register what ``event`` adds to the books."""
        name = type(event).__name__
        fn = BOOK_FOLDS.get(name)
        if fn is not None:
            fn(self, event)
        if isinstance(event, Transaction) and name not in REPEATABLE:
            self.file_document(name, event.document_id, event.at, _customer_of(event))

    def file_document(
        self, kind: str, document_id: str, at: dt.datetime, customer_id: str | None
    ) -> None:
        """Register the document a transaction of type ``kind`` posted (O2C-RR-04's register;
        what :meth:`apply` does for every transaction but the :data:`REPEATABLE`): also
        called by a ``--jobs`` books share for a line it reads from its header only
        (:class:`~salesctl.fastreplay.books_head.BooksHead`)."""
        day = self.day_of(at)
        self.keep("documents", day, document_entry(kind, document_id, day, customer_id))

    def day_of(self, at: dt.datetime) -> dt.date:
        """``at.date()``, shared with every other entry of that day."""
        d = at.date()
        day = self._days.get(d)
        if day is None:
            day = self._days[d] = d
        return day

    def keep(self, key: str, day: dt.date, value: Any, ident: str | None = None) -> None:
        """Keep a dated register entry under ``key`` (a :class:`~salesctl.reconcile.Records`
        field name); an entry with the ``ident`` of an earlier one replaces it (an update)."""
        items = self._dated.get(key)
        if items is None:
            items = self._dated[key] = Dated()
        values = items.values
        if ident is not None:
            where = self._idents.setdefault(key, {})
            at = where.get(ident)
            if at is not None and at < len(values) and values[at] is not None:
                values[at] = None
            where[ident] = len(values)
        items.days.append(day)
        values.append(value)

    # -- handing out --------------------------------------------------------------------

    def records_for(self, period: Period) -> Records | None:
        """The :class:`~salesctl.records.Records` for a detective run over ``period`` (``None``
        for a day with nothing to examine)."""
        if period.kind is Frequency.DAILY:
            return self._daily(period.start)
        orders = self._built("orders", self.orders, _order_entry)
        files = tuple(_credit_file(cid, f) for cid, f in sorted(self.credit_files.items()))
        kw: dict[str, Any] = {
            "orders": orders,
            "opening_numbers": dict(self.opening),
            "credit_files": files,
            "deliveries": tuple(d for ds in self.deliveries.values() for d in ds),
            "system_invoices": tuple(self.system_invoices.values()),
            "sales_invoices": tuple(x for xs in self._sales_by_day.values() for x in xs),
            "gl_revenue": tuple(x for xs in self._gl_by_day.values() for x in xs),
        }
        kw["receivables"] = self._built("receivables", self.receivables, _receivable)
        for key, items in self._dated.items():
            kw[key] = tuple(v for v in items.values if v is not None)
        # read by monthly controls only (MONTH_ONLY): a quarter's or a year's run gets none
        kw["contract_ledger"] = (
            self.contract_ledgers.lines_in(period) if period.kind is Frequency.MONTHLY else ()
        )
        kw.update(self.registers.for_period())
        return records_of(kw)

    def _built(
        self, key: str, entries: Mapping[str, Entry], build: Callable[[Any], Any]
    ) -> tuple[Any, ...]:
        """The records of ``entries`` (order or receivable entries, flat dicts of immutable
        values), each built again only when its entry changed since the last period run
        (the values the entries held then are kept beside the record and compared by
        identity, so an equal value of another exponent still builds anew; entries gone are
        forgotten)."""
        before = self._records.get(key, {})
        now: dict[str, Any] = {}
        out: list[Any] = []
        same = _SAME.get(key)
        if same is not None:
            # The record holds the entry's values it is built from themselves: compared with
            # them, it is kept alone (not beside a tuple of the values).
            inputs = _INPUTS[key]
            for ident, e in entries.items():
                hit = before.get(ident)
                if hit is None or not all(map(is_, same(hit), inputs(e))):
                    hit = build(e)
                now[ident] = hit
                out.append(hit)
            self._records[key] = now
            return tuple(out)
        for ident, e in entries.items():
            hit = before.get(ident)
            if hit is not None and len(hit[0]) == len(e) and all(map(is_, hit[0], e.values())):
                now[ident] = hit  # unchanged: nothing new allocated at the period end
                out.append(hit[1])
                continue
            record = build(e)
            now[ident] = (tuple(e.values()), record)
            out.append(record)
        self._records[key] = now
        return tuple(out)

    def _daily(self, day: dt.date) -> Records | None:
        sys_ids: dict[str, None] = {}
        d = day - self.lookback
        while d <= day:
            for i in self._sys_by_day.get(d, ()):
                sys_ids[i] = None
            d += dt.timedelta(days=1)
        sales = list(self._sales_by_day.get(day, ()))
        gl = list(self._gl_by_day.get(day, ()))
        for x in sales:
            if x.system_invoice_id in self.system_invoices:
                sys_ids[x.system_invoice_id] = None
        for x in gl:
            if x.invoice_id in self.system_invoices:
                sys_ids[x.invoice_id] = None
        have_sales = {id(x) for x in sales}
        have_gl = {id(x) for x in gl}
        gis: dict[str, None] = {}
        for i in list(sys_ids):
            for x in filed_under(self._sales_by_sys, i):
                if id(x) not in have_sales:
                    sales.append(x)
                    have_sales.add(id(x))
            for x in filed_under(self._gl_by_sys, i):
                if id(x) not in have_gl:
                    gl.append(x)
                    have_gl.add(id(x))
            for line in self.system_invoices[i].lines:
                if line.goods_issue_id is not None:
                    gis[line.goods_issue_id] = None
        # Earlier invoices billing the same deliveries (the cumulative quantity test).
        for g in gis:
            for i in filed_under(self._gi_bills, g):
                sys_ids.setdefault(i, None)
        extra = self.registers.for_day(day)
        if not sys_ids and not sales and not gl and not extra:
            return None
        return records_of(
            {
                "deliveries": tuple(r for g in gis for r in self.deliveries.get(g, ())),
                "system_invoices": tuple(self.system_invoices[i] for i in sys_ids),
                "sales_invoices": tuple(sales),
                "gl_revenue": tuple(gl),
                **extra,
            }
        )

    # -- forgetting ---------------------------------------------------------------------

    def after_close(self, day: dt.date) -> None:
        """Forget what no later period needs, after the periods ending on ``day`` ran."""
        nxt = day + dt.timedelta(days=1)
        if nxt.day != 1:
            return
        self.opening = dict(self.series_max)
        if "contract_ledger" in MONTH_ONLY:
            self.contract_ledgers.forget_through(day)
        for key in MONTH_ONLY:
            if self._dated.get(key):
                kept = Dated.of((d, v) for d, v in self._dated[key] if d > day and v is not None)
                self._dated[key] = kept
                if key in self._idents:
                    self._idents[key] = {
                        i: pos for pos, v in enumerate(kept.values) if (i := _ident(v)) is not None
                    }
        cutoff = day - self.retention
        for oid in [
            oid
            for oid, e in self.orders.items()
            if _order_done(e) is not None
            and _order_done(e) + self.close_within < cutoff  # type: ignore[operator]
            and e["created_on"] < cutoff
        ]:
            del self.orders[oid]
            self._unbilled.pop(oid, None)
            self._lines.pop(oid, None)
            self._prices.pop(oid, None)
            self._credit_orders.pop(oid, None)
        for d in [d for d in self._deliveries_by_day if d < cutoff]:
            for g in self._deliveries_by_day.pop(d):
                self.deliveries.pop(g, None)
                self._gi_bills.pop(g, None)
                self._gi_order.pop(g, None)
        for d in [d for d in self._sys_by_day if d < cutoff]:
            for i in self._sys_by_day.pop(d):
                self.system_invoices.pop(i, None)
                self._sales_by_sys.pop(i, None)
                self._gl_by_sys.pop(i, None)
        for reg in (self._sales_by_day, self._gl_by_day):
            for d in [d for d in reg if d < cutoff]:
                del reg[d]
        for key, items in self._dated.items():
            if items and items.days[0] < cutoff:
                kept = Dated.of((d, v) for d, v in items if d >= cutoff and v is not None)
                self._dated[key] = kept
                if key in self._idents:
                    where: dict[str, int] = {}
                    for pos, v in enumerate(kept.values):
                        ident = _ident(v)
                        if ident is not None:
                            where[ident] = pos
                    self._idents[key] = where
        for iid in [
            iid
            for iid, it in self.receivables.items()
            if it["settled_on"] is not None and it["settled_on"] < cutoff
        ]:
            del self.receivables[iid]
        self.registers.forget(cutoff)
        self.contract_ledgers.forget_through(cutoff - dt.timedelta(days=1))
        horizon = dt.datetime.combine(cutoff, dt.time(), tzinfo=dt.UTC)
        self._pending_approvals = [a for a in self._pending_approvals if a.granted_at >= horizon]

    def size(self) -> dict[str, int]:
        """How many entries the books hold, by register."""
        out = {
            "orders": len(self.orders),
            "deliveries": len(self.deliveries),
            "system_invoices": len(self.system_invoices),
            "sales_invoices": sum(len(v) for v in self._sales_by_day.values()),
            "gl_revenue": sum(len(v) for v in self._gl_by_day.values()),
        }
        out.update({k: len(v) for k, v in self._dated.items()})
        out["contract_ledger"] = len(self.contract_ledgers)
        out.update(self.registers.size())
        return out


class Entry:
    """An entry of the books' order or receivable register: its fields in slots, read and
    written like a dict's items (``e["open"]``, ``e.get``, ``keys``, ``values``, ``len``,
    and ``**e``), as the flat dicts it replaces were. A nine-key dict took 272 bytes and a
    thirteen-key one about 600; the slots take 104 and 136. The values come in the order of
    the slots."""

    __slots__ = ()
    #: ``e[name]`` is the field ``name`` (an unknown name raises ``AttributeError``).
    __getitem__ = object.__getattribute__
    #: ``e[name] = value`` sets the field ``name``.
    __setitem__ = object.__setattr__
    _values: Callable[[Any], tuple[Any, ...]]

    def __init_subclass__(cls) -> None:
        names: tuple[str, ...] = tuple(cls.__slots__)
        cls._values = attrgetter(names[0], *names[1:])

    def keys(self) -> tuple[str, ...]:
        """The field names, in order."""
        return self.__slots__

    def values(self) -> tuple[Any, ...]:
        """The field values, in the order of :meth:`keys`."""
        return self._values(self)

    def get(self, key: str, default: Any = None) -> Any:
        """The field ``key``, else ``default``."""
        return getattr(self, key, default)

    def __len__(self) -> int:
        return len(self.__slots__)

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return self.values() == other.values()

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        fields = ", ".join(f"{k}={v!r}" for k, v in zip(self.keys(), self.values(), strict=True))
        return f"{type(self).__name__}({fields})"


class OrderBook(Entry):
    """An order in the books' order register (the fields of
    :class:`~salesctl.records.OrderEntry`)."""

    __slots__ = (
        "closed_on",
        "completed_on",
        "created_on",
        "customer_id",
        "order_id",
        "seq",
        "series",
        "valid_until",
        "voided",
    )

    def __init__(
        self, order_id: str, series: str, seq: int, customer_id: str, created_on: dt.date
    ) -> None:
        self.order_id = order_id
        self.series = series
        self.seq = seq
        self.customer_id = customer_id
        self.created_on = created_on
        self.completed_on: dt.date | None = None
        self.valid_until: dt.date | None = None
        self.closed_on: dt.date | None = None
        self.voided = False


class ReceivableBook(Entry):
    """A credit invoice in the books' receivables (read into a
    :class:`~salesctl.records.ReceivableItem`): the amount and the amount still open in
    ``currency``, the day it was settled, the collection steps taken."""

    __slots__ = (
        "amount",
        "commission_offset",
        "currency",
        "customer_id",
        "due_on",
        "interest",
        "issued_on",
        "item_id",
        "litigation",
        "open",
        "order_id",
        "salesperson",
        "settled_on",
    )

    def __init__(
        self,
        item_id: str,
        customer_id: str,
        order_id: str,
        issued_on: dt.date,
        due_on: dt.date,
        amount: Decimal,
        currency: str,
        salesperson: Any,
    ) -> None:
        self.item_id = item_id
        self.customer_id = customer_id
        self.order_id = order_id
        self.issued_on = issued_on
        self.due_on = due_on
        self.amount = amount
        self.open = amount
        self.currency = currency
        self.settled_on: dt.date | None = None
        self.salesperson = salesperson
        self.interest: dt.date | None = None
        self.commission_offset: dt.date | None = None
        self.litigation: dt.date | None = None


class Dated:
    """A dated register of the books: the day and the value of each entry, in two parallel
    lists (a ``(day, value)`` tuple per entry took 56 bytes more; the O2C-RR-04 register
    alone holds some 75,000 entries at a time on a year of a million lines). An entry
    replaced by a later one of the same ident has the value ``None``. Iterating gives the
    ``(day, value)`` pairs in the order kept."""

    __slots__ = ("days", "values")

    def __init__(self) -> None:
        self.days: list[dt.date] = []
        self.values: list[Any] = []

    @classmethod
    def of(cls, pairs: Iterable[tuple[dt.date, Any]]) -> Dated:
        """A register holding ``pairs`` in order."""
        out = cls()
        days, values = out.days, out.values
        for d, v in pairs:
            days.append(d)
            values.append(v)
        return out

    def __len__(self) -> int:
        return len(self.values)

    def __iter__(self) -> Iterator[tuple[dt.date, Any]]:
        return zip(self.days, self.values, strict=True)


_RecordsAssembly = assembly(Records)
#: Each field of :class:`~salesctl.records.Records`: its name, default, converter, whether it
#: is a tuple of records, and the field.
_RECORDS_FIELDS: tuple[tuple[str, Any, Any, bool, Any], ...] = tuple(
    (
        a.name,
        a.default,
        a.converter,
        # a tuple of records, converted by tuple_conv and checked by each(T)
        a.converter is cast(Any, tuple_conv)
        and getattr(a.validator, "__qualname__", "") == "each.<locals>.check",
        a,
    )
    for a in attrs.fields(Records)
)


def records_of(kw: Mapping[str, Any]) -> Records:
    """``Records(**kw)`` for the books' own populations: a tuple for a field of records is
    taken as it is, its members not checked again one by one (``each``: the books hold only
    records of the field's class, built or kept from typed events); any other value goes
    through its converter and its validator, as in the constructor.
    ``tests/test_fastreplay_ledger.py`` pins it to the constructor on every period of a year.

    Raises:
        TypeError: for a name that is not a field of :class:`~salesctl.records.Records` (as
            the constructor).
    """
    unknown = set(kw) - {f[0] for f in _RECORDS_FIELDS}
    if unknown:
        raise TypeError(f"Records() got unexpected keyword arguments {sorted(unknown)}")
    x: Any = _RecordsAssembly()
    checks: list[tuple[Any, Any, Any]] = []
    for name, default, conv, of_records, a in _RECORDS_FIELDS:
        value = kw.get(name, default)
        if not (of_records and type(value) is tuple):
            if conv is not None:
                value = conv(value)
            if a.validator is not None:
                checks.append((a.validator, a, value))
        setattr(x, name, value)
    x.__class__ = Records
    for check, a, value in checks:
        check(x, a, value)
    out: Records = x
    return out


_DocumentAssembly = assembly(DocumentEntry)
#: Kinds (transaction names) ``text`` accepts, seen so far.
_KINDS: set[str] = set()


def document_entry(
    kind: str, document_id: str, posted_on: dt.date, customer_id: str | None
) -> DocumentEntry:
    """``DocumentEntry(kind=kind, document_id=document_id, posted_on=posted_on,
    customer_id=customer_id)``, filled by slot stores when each validator certainly passes
    (the inline conditions of the replay's trusted builders: a known kind, ids printable
    without surrounding whitespace, a plain date); else the constructor (and its error).
    ``tests/test_fastreplay_ledger.py`` pins it to the constructor."""
    if (
        kind in _KINDS
        and type(document_id) is str
        and document_id
        and document_id.isprintable()
        and document_id.strip() == document_id
        and type(posted_on) is dt.date
        and (
            customer_id is None
            or (
                type(customer_id) is str
                and customer_id
                and customer_id.isprintable()
                and customer_id.strip() == customer_id
            )
        )
    ):
        x: Any = _DocumentAssembly()
        x.kind = kind
        x.document_id = document_id
        x.posted_on = posted_on
        x.customer_id = customer_id
        x.__class__ = DocumentEntry
        made: DocumentEntry = x
        return made
    entry = DocumentEntry(
        kind=kind, document_id=document_id, posted_on=posted_on, customer_id=customer_id
    )
    if type(kind) is str and kind.isascii() and kind.strip():
        _KINDS.add(kind)  # accepted by ``text``: non-blank, and ASCII is valid Unicode
    return entry


def _customer_of(event: Any) -> str | None:
    for name in ("order", "goods_issue", "invoice", "entry", "receipt", "contract", "notice"):
        doc = getattr(event, name, None)
        if doc is None:
            continue
        cid = getattr(doc, "customer_id", None)
        if cid is None:
            cid = getattr(getattr(doc, "customer", None), "id", None)
        if isinstance(cid, str):
            return cid
    return None


def _ident(v: Any) -> str | None:
    ident = getattr(v, "count_id", None)
    return ident if isinstance(ident, str) else None


def _order_entry(e: OrderBook) -> OrderEntry:
    return OrderEntry(**e)


def _receivable_held(r: ReceivableItem) -> tuple[Any, ...]:
    """What a receivable record holds of the entry it was built from (:func:`_receivable`),
    in the order of :data:`_INPUTS`: the amounts' ``Decimal`` are the entry's own when they
    are at the currency's minor unit (:func:`_money`), else copies (never the same: the
    record is then built again at each period run, as before)."""
    amount, open_amount = r.amount, r.open_amount
    return (
        r.item_id,
        r.customer_id,
        r.due_on,
        amount.amount,
        amount.currency,
        open_amount.amount if open_amount is not None else None,
        r.settled_on,
        r.salesperson,
        r.interest_charged_on,
        r.commission_offset_on,
        r.litigation_on,
    )


#: The registers whose records hold the entry's values they are built from as they are (no
#: converter): the record's values (``_SAME``) and the entry's (``_INPUTS``), in one order;
#: a record whose values are all the entry's (by identity) is what building it again gives
#: (tests/test_books_compact.py pins it). An order record holds every field of its entry; a
#: receivable record all but the issue date and the order (:func:`_receivable` reads
#: neither).
_SAME: dict[str, Callable[[Any], tuple[Any, ...]]] = {
    "orders": attrgetter(*OrderBook.__slots__),
    "receivables": _receivable_held,
}
_INPUTS: dict[str, Callable[[Any], tuple[Any, ...]]] = {
    "orders": attrgetter(*OrderBook.__slots__),
    "receivables": attrgetter(
        "item_id",
        "customer_id",
        "due_on",
        "amount",
        "currency",
        "open",
        "settled_on",
        "salesperson",
        "interest",
        "commission_offset",
        "litigation",
    ),
}


def _money(amount: Decimal, currency: str) -> Money:
    """``Money(amount, currency)``, holding ``amount`` itself when it is already at the
    currency's minor unit (the entry's amounts are: an invoice's total, less amounts settled
    at the same unit). ``Money`` quantises its amount to a new ``Decimal`` of the same digits,
    sign and exponent; a receivable record holds two, rebuilt whenever the entry changes, so
    some 16,000 copies at a time on a year of a million lines. Anything else goes through the
    constructor (and its error)."""
    exp = _EXPONENTS.get(currency)
    if exp is not None and type(amount) is Decimal and amount.is_finite():
        t = amount.as_tuple()
        if t.exponent == exp and len(t.digits) <= getcontext().prec:
            return Money._trusted(amount, currency)
    return Money(amount, currency)


#: The exponent of each currency's minor unit.
_EXPONENTS: dict[str, int] = {c: -k for c, k in CURRENCIES.items()}


def _receivable(it: ReceivableBook) -> ReceivableItem:
    cur = it["currency"]
    return ReceivableItem(
        item_id=it["item_id"],
        customer_id=it["customer_id"],
        due_on=it["due_on"],
        amount=_money(it["amount"], cur),
        open_amount=_money(it["open"], cur),
        settled_on=it["settled_on"],
        salesperson=it["salesperson"],
        interest_charged_on=it["interest"],
        commission_offset_on=it["commission_offset"],
        litigation_on=it["litigation"],
    )


def _order_done(e: OrderBook) -> dt.date | None:
    day: dt.date | None
    if e["voided"]:
        day = e["closed_on"] or e["created_on"]
    else:
        day = e["completed_on"] if e["closed_on"] is None else e["closed_on"]
    return day


def _credit_file(cid: str, f: dict[str, Any]) -> CreditFile:
    return CreditFile(
        customer_id=cid,
        opened_on=f["opened_on"],
        reviewed_on=tuple(sorted(f["reviewed_on"])),
        closed_on=f.get("closed_on"),
        history=tuple(f.get("history", ())),
    )


#: A book fold: ``(books, event) -> None``; registers what the event adds to the books.
BookFold = Callable[[Books, Any], None]

#: The book fold of each event type, by type name (the folds are in
#: :mod:`salesctl.ledger.book_folds`).
BOOK_FOLDS: dict[str, BookFold] = {}


def book_fold(*names: str) -> Callable[[BookFold], BookFold]:
    """Decorator: register the function as the book fold of the named event types."""

    def deco(fn: BookFold) -> BookFold:
        for n in names:
            BOOK_FOLDS[n] = fn
        return fn

    return deco
