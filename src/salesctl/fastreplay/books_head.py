"""What the books share of a partitioned replay reads of the lines of the customers another
share decides: their header, and of the documents the books' folds read only the fields they
read (:class:`BooksHead`).

The books share of :func:`~salesctl.fastreplay.engine.replay_jobs` keeps the books and runs the
detective controls over every line; the lines of a customer another share decides are read in
full by that share (:class:`~salesctl.fastreplay.route.Router`, ``keep``), which reports them
if the full reader rejects them, and the books share is then replayed again in full. Of such a
line the books share needs only what its books keep: an order's lines, prices and credit terms,
a goods issue's deliveries, an invoice's billing, a receipt's settlement, a document's register
entry. Those are read here, as plain values in msgspec Structs converted as the full reader
converts them (the same tables of amounts, quantities and dates), and handed to the books' own
folds (:data:`~salesctl.ledger.books.BOOK_FOLDS`); the ledger's part is its global state
(:mod:`salesctl.ledger.folds`), as the gate share's header folds.
"""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Callable
from decimal import Decimal
from typing import Any, Union, cast

import msgspec

from salesctl.errors import InvalidInput, SalesctlError
from salesctl.fastreplay.decode import (
    _SEEN_TIMES,
    _date,
    _decimal_shared,
    _money_trusted,
    _Slow,
    _time_of,
    document_reader,
)
from salesctl.fastreplay.route import _canonical, _OrderOf, _SignHead
from salesctl.ledger import Ledger
from salesctl.ledger.books import BOOK_FOLDS
from salesctl.ledger.folds import (
    fold_contract_globals,
    fold_goods_issue_globals,
    fold_order_globals,
)
from salesctl.model import PaymentMethod, RevenueEntry
from salesctl.money import Money

__all__ = ["BOOKS_BY_HEADER", "BOOKS_BY_HEADER_OPENINGS", "BooksHead"]

_intern = sys.intern


#: Types the books share of :func:`~salesctl.fastreplay.engine.replay_jobs` reads from their
#: header when another share decides their customer (:class:`BooksHead`): what the books keep
#: of them is the document's register entry (a contract signing, a delivery notice), what the
#: books' fold reads of the one document (an order's lines, prices and credit terms, a goods
#: issue's deliveries, an invoice's billing and receivable, a receipt's settlement and
#: voucher, a revenue entry) or the order an order's closing names; the ledger's fold changes
#: only global state named in the header (as
#: :data:`~salesctl.fastreplay.route.BY_HEADER`'s) or nothing (an invoice, a receipt, a
#: revenue entry, an order closed of a customer the ledger does not own). A delivery proof:
#: the books keep nothing of it, the ledger's fold changes only an order it holds (then read
#: in full). The share holding the customer's partition reads each of them in full
#: (:class:`~salesctl.fastreplay.route.Router`, ``keep``).
BOOKS_BY_HEADER: frozenset[str] = frozenset(
    {
        "BookRevenue",
        "CloseOrder",
        "IssueDeliveryNotice",
        "IssueInvoice",
        "PlaceOrder",
        "PostGoodsIssue",
        "ReceiveDeliveryProof",
        "RecordReceipt",
        "SignContract",
    }
)

#: Their lines' opening bytes.
BOOKS_BY_HEADER_OPENINGS: tuple[bytes, ...] = tuple(
    sorted(b'{"type":"' + name.encode() + b'"' for name in BOOKS_BY_HEADER)
)


class _NoticeId(msgspec.Struct, kw_only=True):
    id: str


class _BooksNoticeHead(msgspec.Struct, kw_only=True, tag_field="type", tag="IssueDeliveryNotice"):
    at: str
    notice: _NoticeId
    order: _OrderOf


class _PlainDelivered(msgspec.Struct, kw_only=True):
    """A goods issue's line as the books' fold and the ledger's global fold read it
    (``quantity`` converted in place by :meth:`BooksHead._issue`)."""

    order_line: int
    product_id: str
    quantity: str | int
    lot_id: str | None = None


class _PlainIssue(msgspec.Struct, kw_only=True):
    """What the books' fold of a goods issue reads of it (the fields are converted in place
    by :meth:`BooksHead._issue`, as the full reader converts them); every other field of the
    document (its notice, mode, gate pass...) is skipped by the parser."""

    id: str
    order_id: str
    customer_id: str
    lines: list[_PlainDelivered]
    issued_on: str
    pickup_order_id: str | None = None
    ic_card_id: str | None = None


class _PlainBilled(msgspec.Struct, kw_only=True):
    """An invoice's line as the books' fold reads it (converted in place by
    :meth:`BooksHead._invoice`)."""

    order_line: int
    product_id: str
    quantity: str | int
    unit_price: str


class _PlainInvoice(msgspec.Struct, kw_only=True):
    """What the books' fold of an invoice reads of it (converted in place by
    :meth:`BooksHead._invoice`, which sets ``total`` as the invoice computes it)."""

    id: str
    order_id: str
    customer_id: str
    lines: list[_PlainBilled]
    issued_on: str
    voided: bool = False
    total: Any = None


class _PlainProfile(msgspec.Struct, kw_only=True):
    term_days: int
    terms: Any = None


class _PlainCustomer(msgspec.Struct, kw_only=True):
    id: str
    group_id: str | None = None
    credit_profile: _PlainProfile | None = None


class _PlainOrderLine(msgspec.Struct, kw_only=True):
    """An order's line as the books read it (their quantities; its unit price values the
    order's deliveries): converted in place by :meth:`BooksHead._order`."""

    line_no: int
    quantity: str | int
    unit_price: str


class _PlainPayment(msgspec.Struct, kw_only=True):
    method: str
    days: int = 0
    terms: Any = None


class _PlainOrder(msgspec.Struct, kw_only=True):
    """What the books' fold of an order placed reads of it (converted in place by
    :meth:`BooksHead._order`); its products, prices lists, contract, concessions... are
    skipped by the parser."""

    id: str
    series: str
    seq: int
    customer: _PlainCustomer
    lines: list[_PlainOrderLine]
    payment: _PlainPayment
    created_by: str
    order_date: str


class _PlainReceipt(msgspec.Struct, kw_only=True):
    """What the books' fold of a receipt reads of it (converted in place by
    :meth:`BooksHead._receipt`)."""

    id: str
    customer_id: str
    amount: str
    received_on: str
    to_receivables: str
    account: str | None = None


class _BooksIssueHead(msgspec.Struct, kw_only=True, tag_field="type", tag="PostGoodsIssue"):
    at: str
    goods_issue: _PlainIssue
    order: _OrderOf


class _BooksInvoiceHead(msgspec.Struct, kw_only=True, tag_field="type", tag="IssueInvoice"):
    at: str
    invoice: _PlainInvoice


class _BooksReceiptHead(msgspec.Struct, kw_only=True, tag_field="type", tag="RecordReceipt"):
    at: str
    receipt: _PlainReceipt


class _BooksOrderHead(msgspec.Struct, kw_only=True, tag_field="type", tag="PlaceOrder"):
    at: str
    order: _PlainOrder


class _BooksCloseHead(msgspec.Struct, kw_only=True, tag_field="type", tag="CloseOrder"):
    at: str
    order_id: str
    customer_id: str | None = None


class _BooksRevenueHead(msgspec.Struct, kw_only=True, tag_field="type", tag="BookRevenue"):
    at: str
    entry: msgspec.Raw


class _ProofRef(msgspec.Struct, kw_only=True):
    id: str
    goods_issue_id: str


class _BooksProofHead(
    msgspec.Struct, kw_only=True, tag_field="type", tag="ReceiveDeliveryProof"
):
    at: str
    proof: _ProofRef
    customer_id: str | None = None


_BooksHead = Union[  # noqa: UP007
    _BooksProofHead,
    _SignHead,
    _BooksNoticeHead,
    _BooksIssueHead,
    _BooksInvoiceHead,
    _BooksReceiptHead,
    _BooksRevenueHead,
    _BooksCloseHead,
    _BooksOrderHead,
]

#: Per header of a line whose one document the books' fold reads: the type, the field and
#: the document's class.
_ONE_DOCUMENT: dict[type, tuple[str, str, type]] = {
    _BooksRevenueHead: ("BookRevenue", "entry", RevenueEntry),
}


class _Posted:
    """What the books' folds read of a line read from its header
    (:data:`~salesctl.ledger.books.BOOK_FOLDS`' ``PostGoodsIssue``, ``IssueInvoice``,
    ``RecordReceipt``, ``BookRevenue``, ``CloseOrder``): its time and its one document (or
    the order closed)."""

    __slots__ = ("at", "entry", "goods_issue", "invoice", "order_id", "receipt")

    def __init__(self, at: dt.datetime, field: str, document: Any) -> None:
        self.at = at
        setattr(self, field, document)


class _Placed:
    """What the books' fold of an order placed reads of the line (its time and the order);
    its type is named as the event's (``PlaceOrder``: the fold tells an order placed from
    one released by the type's name)."""

    __slots__ = ("at", "order")

    def __init__(self, at: dt.datetime, order: _PlainOrder) -> None:
        self.at = at
        self.order = order


_Placed.__name__ = "PlaceOrder"


class BooksHead:
    """What the books share of a partitioned replay (the books and some customers' decisions,
    every other line read in full) reads of a line of :data:`BOOKS_BY_HEADER` whose customer
    another share decides: the header; of an order placed, a goods issue, an invoice or a
    receipt only the fields the books' fold reads (plain values in a Struct, converted as the
    full reader converts them: an order's lines, prices, payment and credit terms, a goods
    issue's lines and date, an invoice's lines and total, a receipt's amounts, date and
    account); of a revenue entry the entry, built as the full reader builds it (the books
    keep it whole: :func:`~salesctl.fastreplay.decode.document_reader`); not the order a goods
    issue carries, nor the contract's, the notice's or the actors' bodies; of an order's
    closing, its header (the order and the customer); of a delivery proof, its header (the
    proof's id and goods issue, the customer).

    :meth:`fold` does what reading the line in full does there: the books' entries (the
    document's register; a goods issue's deliveries, an invoice's billing and receivable, a
    receipt's settlement and voucher, a revenue entry, an order's book, an order's closing,
    by the books' own folds) and, when the share folds a ledger, the ledger's global state (as
    :meth:`~salesctl.fastreplay.route.Router.fold_header`: the index, the number series, the
    contract's approval mark and its order, the stock lots, the goods-issue index and the
    pickup order used; an invoice's, a receipt's, a revenue entry's or a closing's fold
    changes nothing for a customer the ledger does not own).

    Args:
        ledger: the books share's ledger (with its books).
        held: whether a customer id itself falls in the share's own partitions (their lines
            are always read in full here).
        books_only: the share keeps the books alone (no ledger folds).

    The share that holds the customer's partition reads every such line in full
    (:class:`~salesctl.fastreplay.route.Router`, ``keep``: whatever the ledger's groups say)
    and reports it if the full reader rejects it;
    :func:`~salesctl.fastreplay.engine.replay_jobs` then replays the books share again, every
    line in full (the lines read here are appended to its ``approvals_read_elsewhere``).
    """

    __slots__ = ("_books_only", "_decode", "_groups", "_held", "_known", "_led", "_one")

    def __init__(self, ledger: Ledger, held: Callable[[str], bool], *, books_only: bool) -> None:
        if ledger.books is None:
            raise InvalidInput("must keep the books", path="ledger")
        self._led = ledger
        self._held = held
        # elsewhere's answers for customers of no group (a group learnt later moves its
        # members: a customer of a group is asked every time), as Router remembers them
        self._groups = ledger._group_of
        self._known: dict[str, bool] = {}
        self._books_only = books_only
        self._decode = msgspec.json.Decoder(_BooksHead).decode
        self._one = {
            st: (name, field, document_reader(cls), BOOK_FOLDS[name])
            for st, (name, field, cls) in _ONE_DOCUMENT.items()
        }

    def elsewhere(self, customer_id: str) -> bool:
        """Whether another share decides ``customer_id`` and reads its lines in full
        (remembered for a customer of no group: its partition is its own id's)."""
        if customer_id in self._groups:
            return not self._held(customer_id) and not self._led.mine(customer_id)
        hit = self._known.get(customer_id)
        if hit is None:
            hit = not self._held(customer_id) and not self._led.mine(customer_id)
            self._known[customer_id] = hit
        return hit

    def fold(self, b: bytes, day: dt.date) -> tuple[str, dt.datetime] | None:
        """Fold a line of :data:`BOOKS_BY_HEADER` dated ``day`` (the day of the line read
        before it: no new day, no retention sweep, no late event) from its header, as reading
        it in full does here; ``(type, event time)`` of a line so folded, ``None`` (nothing
        done: the caller reads it in full) for any other: a header that does not read, a
        customer of this share, of a group or held by no other share, an order the ledger
        holds, a goods issue that names an IC card (its value needs the order's prices) or
        another order than the one it carries, a document that does not build, a delivery
        proof naming no customer."""
        led = self._led
        books_only = self._books_only
        if not books_only and (led.today is None or day > led.today):
            return None
        try:
            h = self._decode(b)
        except (msgspec.MsgspecError, ValueError):
            return None
        # the table of times the share's full reads fill (inline: most lines hit it)
        when = _SEEN_TIMES.get(h.at) or _time_of(h.at)
        if when is None or when.date() != day:
            return None
        if isinstance(h, _BooksProofHead):
            # a delivery proof: the books keep nothing of it; the ledger's fold changes the
            # order of its goods issue when the ledger holds it (then read in full), nothing
            # otherwise. The share holding the customer's partition reads it in full (Router)
            p = h.proof
            cust = h.customer_id
            if (
                cust is None
                or not self.elsewhere(cust)
                or not _canonical(p.id, p.goods_issue_id, cust)
            ):
                return None
            oid = led._gi_order.get(p.goods_issue_id)
            if oid is not None and led.order(oid) is not None:
                return None
            return "ReceiveDeliveryProof", when
        books = led.books
        assert books is not None
        if isinstance(h, _BooksOrderHead):
            # an order placed: the books' order book, its lines and prices, its credit terms;
            # the ledger's fold for a customer it does not own, from the header (as
            # Router.fold_header)
            po = h.order
            pc = po.customer
            if (
                pc.group_id is not None
                or not self.elsewhere(pc.id)
                or led.order(po.id) is not None
                or not self._order(po)
            ):
                return None
            BOOK_FOLDS["PlaceOrder"](books, _Placed(when, po))
            books.file_document("PlaceOrder", po.id, when, pc.id)
            if not books_only:
                fold_order_globals(led, po.id, pc.id, po.series, po.seq)
            return "PlaceOrder", when
        if isinstance(h, _BooksInvoiceHead):
            # an invoice: the ledger's fold changes nothing for a customer it does not own;
            # the books' fold reads the invoice's lines, its total, its date
            inv = h.invoice
            if not self.elsewhere(inv.customer_id) or not self._invoice(inv):
                return None
            BOOK_FOLDS["IssueInvoice"](books, _Posted(when, "invoice", inv))
            books.file_document("IssueInvoice", inv.id, when, inv.customer_id)
            return "IssueInvoice", when
        if isinstance(h, _BooksReceiptHead):
            # a receipt: the ledger's fold changes nothing for a customer it does not own;
            # the books' fold reads the receipt's amounts, its date, its account
            r = h.receipt
            if not self.elsewhere(r.customer_id) or not self._receipt(r):
                return None
            BOOK_FOLDS["RecordReceipt"](books, _Posted(when, "receipt", r))
            books.file_document("RecordReceipt", r.id, when, r.customer_id)
            return "RecordReceipt", when
        if isinstance(h, _BooksCloseHead):
            # an order closed: the books mark it closed; the ledger's fold touches the order
            # if it holds it (then read in full), nothing otherwise
            cust = h.customer_id
            if cust is None or not self.elsewhere(cust) or led.order(h.order_id) is not None:
                return None
            BOOK_FOLDS["CloseOrder"](books, _Posted(when, "order_id", h.order_id))
            return "CloseOrder", when
        one = self._one.get(type(h))
        if one is not None:
            # an invoice, a receipt, a revenue entry: the ledger's fold changes nothing for a
            # customer it does not own; the books' fold reads the document
            name, field, read, fold_books = one
            try:
                doc = read(getattr(h, field))
            except _UNREAD:
                return None
            cust = doc.customer_id
            if not self.elsewhere(cust):
                return None
            fold_books(books, _Posted(when, field, doc))
            books.file_document(name, doc.id, when, cust)
            return name, when
        if isinstance(h, _SignHead):
            k = h.contract
            cust = _intern(k.customer_id)
            if not self.elsewhere(cust):
                return None
            kid = _intern(k.id)
            if not books_only:
                oid = None if k.order_id is None else _intern(k.order_id)
                fold_contract_globals(led, kid, cust, oid, None)
            books.file_document("SignContract", kid, when, cust)
            return "SignContract", when
        if not isinstance(h, (_BooksNoticeHead, _BooksIssueHead)):
            return None  # pragma: no cover (every other header is read above)
        o = h.order
        c = o.customer
        if c.group_id is not None or not self.elsewhere(c.id) or led.order(o.id) is not None:
            return None
        cust = _intern(c.id)
        oid = _intern(o.id)
        if isinstance(h, _BooksNoticeHead):
            if not books_only:
                fold_order_globals(led, oid, cust, None, 0)
            books.file_document("IssueDeliveryNotice", _intern(h.notice.id), when, cust)
            return "IssueDeliveryNotice", when
        gi = h.goods_issue
        if (
            gi.ic_card_id is not None
            or gi.order_id != o.id
            or not self.elsewhere(gi.customer_id)
            or not self._issue(gi)
        ):
            return None
        # the books first, then the ledger (Ledger.apply's order)
        fold_goods_issue = BOOK_FOLDS["PostGoodsIssue"]
        fold_goods_issue(books, _Posted(when, "goods_issue", gi))
        books.file_document("PostGoodsIssue", gi.id, when, cust)
        if not books_only:
            first = gi.id not in led._gi_order
            fold_goods_issue_globals(led, gi.id, oid, cust, gi.lines, first)
            if first and gi.pickup_order_id is not None:
                led.consume_pickup_order(gi.pickup_order_id)
        return "PostGoodsIssue", when

    @staticmethod
    def _issue(gi: _PlainIssue) -> bool:
        """Convert a goods issue's fields the books read in place, as the full reader
        converts them (ids interned, the date and the quantities from the same tables);
        ``False`` (the line is then read in full) for one the full reader would not take:
        no lines, a quantity or an order line not above zero, a value that does not
        convert."""
        if not gi.lines:
            return False
        n = [0]
        try:
            for x in gi.lines:
                q = _decimal_shared(x.quantity, n)
                if not q > 0 or x.order_line <= 0:
                    return False
                setattr(x, "quantity", q)  # noqa: B010 (a Decimal now, not its text)
                x.product_id = _intern(x.product_id)
                if x.lot_id is not None:
                    x.lot_id = _intern(x.lot_id)
            setattr(gi, "issued_on", _date(gi.issued_on, n))  # noqa: B010
        except _UNREAD:
            return False
        if not _canonical(
            gi.id, gi.order_id, gi.customer_id, gi.pickup_order_id, gi.ic_card_id,
            *(x.product_id for x in gi.lines), *(x.lot_id for x in gi.lines),
        ):
            return False
        gi.id = _intern(gi.id)
        gi.order_id = _intern(gi.order_id)
        gi.customer_id = _intern(gi.customer_id)
        return True

    @staticmethod
    def _order(o: _PlainOrder) -> bool:
        """Convert an order's fields the books read in place, as the full reader converts
        them (the lines a tuple, as the order holds them); ``False`` (the line is then read
        in full) for one the full reader would not take (no lines, a sequence number, a
        quantity or a line number not above zero, a unit price or a day count below zero, an unknown payment
        method, a value that does not convert) or whose credit terms are a document of
        their own (the payment's or the customer's credit profile's: read in full)."""
        pay = o.payment
        profile = o.customer.credit_profile
        if (
            not o.lines
            or o.seq <= 0
            or pay.terms is not None
            or pay.days < 0
            or (profile is not None and (profile.terms is not None or profile.term_days < 0))
        ):
            return False
        n = [0]
        try:
            for x in o.lines:
                q = _decimal_shared(x.quantity, n)
                price = _money_trusted(x.unit_price, n)
                if not q > 0 or x.line_no <= 0 or price.amount < 0:
                    return False
                setattr(x, "quantity", q)  # noqa: B010 (a Decimal now, not its text)
                setattr(x, "unit_price", price)  # noqa: B010 (Money now)
            setattr(o, "order_date", _date(o.order_date, n))  # noqa: B010
            setattr(pay, "method", PaymentMethod(pay.method))  # noqa: B010 (the enum)
        except _UNREAD:
            return False
        if not _canonical(o.id, o.series, o.created_by, o.customer.id, o.customer.group_id):
            return False
        setattr(o, "lines", tuple(o.lines))  # noqa: B010 (as the order holds them)
        o.id = _intern(o.id)
        o.series = _intern(o.series)
        o.created_by = _intern(o.created_by)
        o.customer.id = _intern(o.customer.id)
        return True

    @staticmethod
    def _invoice(inv: _PlainInvoice) -> bool:
        """Convert an invoice's fields the books read in place, as the full reader converts
        them, and set its total as the invoice computes it (each line's quantity times its
        unit price, rounded, summed); ``False`` (the line is then read in full) for one the
        full reader would not take: no lines, a quantity or an order line not above zero, a
        unit price below zero, lines in two currencies, a value that does not convert."""
        if not inv.lines:
            return False
        n = [0]
        total = Decimal(0)
        currency: str | None = None
        try:
            for x in inv.lines:
                q = _decimal_shared(x.quantity, n)
                price = _money_trusted(x.unit_price, n)
                if not q > 0 or x.order_line <= 0 or price.amount < 0:
                    return False
                if currency is None:
                    currency = price.currency
                elif price.currency != currency:
                    return False
                total += price.times(q).amount
                setattr(x, "quantity", q)  # noqa: B010 (a Decimal now, not its text)
                x.product_id = _intern(x.product_id)
            setattr(inv, "issued_on", _date(inv.issued_on, n))  # noqa: B010
            inv.total = Money(total, cast(str, currency))
        except _UNREAD:
            return False
        if not _canonical(
            inv.id, inv.order_id, inv.customer_id, *(x.product_id for x in inv.lines)
        ):
            return False
        inv.id = _intern(inv.id)
        inv.order_id = _intern(inv.order_id)
        inv.customer_id = _intern(inv.customer_id)
        return True

    @staticmethod
    def _receipt(r: _PlainReceipt) -> bool:
        """Convert a receipt's fields the books read in place, as the full reader converts
        them; ``False`` (the line is then read in full) for one it would not take: an amount
        not above zero, a part applied to receivables below zero, above the amount or in
        another currency, a value that does not convert."""
        n = [0]
        try:
            amount = _money_trusted(r.amount, n)
            applied = _money_trusted(r.to_receivables, n)
            on = _date(r.received_on, n)
        except _UNREAD:
            return False
        if (
            amount.currency != applied.currency
            or not amount.amount > 0
            or not 0 <= applied.amount <= amount.amount
            or not _canonical(r.id, r.customer_id, r.account)
        ):
            return False
        setattr(r, "amount", amount)  # noqa: B010 (Money now, not its text)
        setattr(r, "to_receivables", applied)  # noqa: B010
        setattr(r, "received_on", on)  # noqa: B010
        r.id = _intern(r.id)
        r.customer_id = _intern(r.customer_id)
        if r.account is not None:
            r.account = _intern(r.account)
        return True


#: What a document the full reader's builder does not take raises
#: (:func:`~salesctl.fastreplay.decode.document_reader`): the line is then read in full.
_UNREAD = (
    msgspec.MsgspecError,
    SalesctlError,
    _Slow,
    ValueError,
    TypeError,
    KeyError,
    ArithmeticError,
)
