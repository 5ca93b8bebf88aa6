"""Header-only routing: a share of a partitioned replay that keeps no books skips, after decoding
only a line's header, the lines that cannot change what it decides.

A ``"gate"`` share of :func:`~salesctl.fastreplay.engine.replay` decides the transactions of
its customers and folds the ledger's global state (number series, stock, prices, rates, the
order/contract index, customer groups) from every line. Most lines of a year do neither for
it: records nothing in the ledger folds (the books' registers: contract ledger, storage
readings, stock counts...), and the transactions and records of another partition's customers
whose fold changes only that customer's state. :class:`Router` decodes a line into a msgspec
Struct holding only ``type``, ``at`` and the fields naming customers, orders and contracts
(every other field is skipped by the parser, unread), and says whether the share may skip it:

* a record type without a ledger fold: always (nothing to decide, nothing to fold);
* a type of :data:`LOCAL` (its fold changes nothing for a customer the ledger does not own):
  when every customer it names — directly, or as the owner of an order or contract it names,
  found in the ledger's index — is known and belongs to another partition, and it names no
  customer group (a group learnt late moves its members to the group's partition);
* a type of :data:`BY_GOODS_ISSUE` (a delivery proof): when the ledger holds no order of the
  goods issue it names (its fold would change nothing) and the customer it names is not the
  share's (the books share reads such a proof of another share's customer from its header,
  relying on the share holding that customer's partition to read it in full);
* a type of :data:`BY_HEADER` (an order placed, a delivery notice, a contract signed, a goods
  issue) or of :data:`APPROVED_BY_HEADER` (a quotation sent, a production order, a work
  order, a pipeline stage advanced) of a customer the share does not decide: not skipped
  but, when the replay asks for it (``fold``), folded from its header
  (:meth:`Router.fold_header`: the index, the number series, the approval mark, the stock
  lots — what the full fold changes for another share's customer), the books share checking
  that the full reader takes the line;
* anything else (global events, lines the header does not read, unknown owners): never — the
  line is decoded in full and replayed as before.

A share deciding many of the lines (half the partitions or more: ``guess``) reads a line's
first customer id from its bytes before its header, and reads a line of its own customer in
full without decoding the header; one deciding few decodes every header first (the search
would cost every line, and spare few), a line to fold from its header then decoded once for
:meth:`Router.skip` and :meth:`Router.fold_header`. Either way a line is skipped or folded only
as its header says.

A skipped line is counted in the share's events; a run of lines skipped alike (one type
without a ledger fold, one time: a month-end block of contract-ledger lines) is passed over in
one step from a file's buffer (:meth:`Router.run`), each line's header checked as
:meth:`Router.skip` checks it. The header Structs and what each type allows come from
:mod:`salesctl.fastreplay.linetypes`. A line that would move the ledger's business
date (and run its retention sweeps) is never skipped: the replay reads it in full, so the date
moves only for a line one process folds too — a line whose header reads but whose body the
full decoder rejects moves nothing, whatever date it names (it used to move a share's date,
and a later date swept that share's ledger early). The books share (partition 0) reads every
line in full: the detective controls read the whole population (number-series gaps, segregation of
duties across the population, the period-end registers), so they run there, once; of the
lines of a customer another share decides, it reads some from their header and the one
document its books read (:class:`~salesctl.fastreplay.books_head.BooksHead`), that share
reading them in full (``keep``).
"""

from __future__ import annotations

import datetime as dt
import sys
import typing
from collections.abc import Callable
from decimal import Decimal
from typing import Any, Union, cast

import msgspec

from salesctl._convert import strict_datetime
from salesctl._validators import ident_problem
from salesctl.audit.engine import _owner_test
from salesctl.errors import InvalidInput
from salesctl.fastreplay.decode import _time_of
from salesctl.fastreplay.linetypes import (
    _OTHER_LINE_COST,  # noqa: F401 (the weights, read by tests from here too)
    BY_GOODS_ISSUE,
    LINE_COSTS,
    LOCAL,
    _compile,
    _Route,
    partition_weights,
)
from salesctl.ledger import Ledger
from salesctl.ledger.folds import (
    fold_contract_globals,
    fold_goods_issue_globals,
    fold_order_globals,
)
from salesctl.money import to_decimal

__all__ = [
    "APPROVED_BY_HEADER",
    "BY_GOODS_ISSUE",
    "BY_HEADER",
    "FOLD",
    "LINE_COSTS",
    "LOCAL",
    "ApprovalHead",
    "Router",
    "partition_weights",
]

#: Transaction types whose ledger fold, for a customer another share decides, changes only
#: global state named in the line's header (the order/contract index, the order number
#: series, the approved documents, the order ↔ contract map, the stock lots a goods issue
#: takes from and its index): a share without books folds those from the header
#: (:meth:`Router.fold_header`) instead of decoding the line in full.
BY_HEADER: frozenset[str] = frozenset(
    {"IssueDeliveryNotice", "PlaceOrder", "PostGoodsIssue", "SignContract"}
)

#: Transaction types whose ledger fold only marks their document approved
#: (``Ledger.mark_approved``: the quotation, the production order, the work order, the
#: opportunity), which for a transaction this share does not decide is all its full read
#: does here: a share without books folds the mark from the header
#: (:meth:`Router.fold_header`) instead of decoding the line in full. The transaction's
#: customer is the one the full read routes it on (``Ledger.customer_of``): the quotation's
#: or work order's ``customer_id``, the owner of the production order's order or contract in
#: the ledger's index, none for a stage advanced (decided by the share holding partition 0).
APPROVED_BY_HEADER: frozenset[str] = frozenset(
    {"AdvanceStage", "IssueProductionOrder", "ScheduleWorkOrder", "SendQuotation"}
)


# (gc=False: no reference cycle runs through a header Struct, as in linetypes)
class _CustomerRef(msgspec.Struct, kw_only=True, gc=False):
    id: str
    group_id: str | None = None


class _OrderRef(msgspec.Struct, kw_only=True, gc=False):
    id: str
    series: str
    seq: int
    customer: _CustomerRef


class _ContractRef(msgspec.Struct, kw_only=True, gc=False):
    id: str
    customer_id: str
    order_id: str | None = None


class _PlaceOrderHead(msgspec.Struct, kw_only=True, gc=False, tag_field="type", tag="PlaceOrder"):
    at: str
    order: _OrderRef


class _NoticeHead(msgspec.Struct, kw_only=True, gc=False, tag_field="type", tag="IssueDeliveryNotice"):
    at: str
    order: _OrderRef


class _SignHead(msgspec.Struct, kw_only=True, gc=False, tag_field="type", tag="SignContract"):
    at: str
    contract: _ContractRef


class _OrderOf(msgspec.Struct, kw_only=True, gc=False):
    id: str
    customer: _CustomerRef


class _IssueLineRef(msgspec.Struct, kw_only=True, gc=False):
    product_id: str
    quantity: str | int  # as text: converted as the full reader converts it (to_decimal)
    lot_id: str | None = None


class _IssueRef(msgspec.Struct, kw_only=True, gc=False):
    id: str
    customer_id: str | None = None
    lines: list[_IssueLineRef]
    pickup_order_id: str | None = None
    ic_card_id: str | None = None


class _IssueHead(msgspec.Struct, kw_only=True, gc=False, tag_field="type", tag="PostGoodsIssue"):
    at: str
    goods_issue: _IssueRef
    order: _OrderOf


class _Taken(msgspec.Struct):
    """A goods issue's line as :func:`~salesctl.ledger.folds.fold_goods_issue_globals`
    reads it: the quantity converted."""

    product_id: str
    lot_id: str | None
    quantity: Decimal


class _DocOf(msgspec.Struct, kw_only=True, gc=False):
    id: str
    customer_id: str


class _QuoteHead(msgspec.Struct, kw_only=True, gc=False, tag_field="type", tag="SendQuotation"):
    at: str
    quotation: _DocOf


class _WorkHead(msgspec.Struct, kw_only=True, gc=False, tag_field="type", tag="ScheduleWorkOrder"):
    at: str
    work_order: _DocOf


class _ProductionRef(msgspec.Struct, kw_only=True, gc=False):
    id: str
    order_id: str | None = None
    contract_id: str | None = None


class _ProductionHead(msgspec.Struct, kw_only=True, gc=False, tag_field="type", tag="IssueProductionOrder"):
    at: str
    production_order: _ProductionRef


class _DocId(msgspec.Struct, kw_only=True, gc=False):
    id: str


class _StageHead(msgspec.Struct, kw_only=True, gc=False, tag_field="type", tag="AdvanceStage"):
    at: str
    opportunity: _DocId


_GlobalHead = Union[  # noqa: UP007
    _PlaceOrderHead,
    _NoticeHead,
    _SignHead,
    _IssueHead,
    _QuoteHead,
    _WorkHead,
    _ProductionHead,
    _StageHead,
]


class Router:
    """Decides from a line's header whether a share without books may skip it (see the
    module).

    Args:
        ledger: the share's ledger (its index, its groups, the customers it owns).
        keep: ``(n, partitions)``: an approval (``GrantApproval``) whose ``customer_id``
            itself falls in one of these partitions of ``n`` is always read in full, whatever
            the ledger's groups say: the books share reads such a line from its header only
            and relies on the share holding the partition to reject it if its body is bad
            (:class:`ApprovalHead`).
        fold: whether :meth:`skip` answers :data:`FOLD` for a line of a type of
            :data:`BY_HEADER` or :data:`APPROVED_BY_HEADER` (the caller then tries
            :meth:`fold_header`); without it such a line is read in full.
        guess: whether :meth:`skip` reads a line's first customer id from its bytes before
            decoding its header, to read a line of this share's customer in full without
            decoding the header (a guess: the header decides every line it does not send
            to be read in full). Worth it for a share deciding many of the lines (it spares
            their header), not for one deciding few (it costs every line a search of its
            bytes). Default: with ``keep``, when it holds half the partitions or more;
            without, always. Either way :meth:`skip` and :meth:`fold_header` decide every
            line as the header alone decides it, or read it in full.
    """

    __slots__ = (
        "_at",
        "_by_type",
        "_decode",
        "_global",
        "_groups",
        "_guess",
        "_head",
        "_is_mine",
        "_keep",
        "_kinds",
        "_known",
        "_led",
        "_mine",
        "_no_customer",
        "_opening_at",
        "runs",
    )

    def __init__(
        self,
        ledger: Ledger,
        keep: tuple[int, frozenset[int]] | None = None,
        *,
        fold: bool = False,
        guess: bool | None = None,
    ) -> None:
        union, by_tag = _compile()
        if guess is None:
            guess = keep is None or 2 * len(keep[1]) >= keep[0]
        self._guess = guess
        # without ``guess`` (with ``fold``), the types folded from their header are decoded
        # as fold_header decodes them, once for both (the line's header kept for it)
        folding: dict[str, Any] = (
            {st.__struct_config__.tag: st for st in typing.get_args(_GlobalHead)}
            if fold and not guess
            else {}
        )
        heads = tuple(folding.get(st.__struct_config__.tag, st) for st in typing.get_args(union))
        self._decode = msgspec.json.Decoder(Union[heads]).decode  # noqa: UP007
        self._head: tuple[bytes, Any] = (b"", None)
        self._led = ledger
        self._keep: Any = None
        # whether this share decides a transaction that names no customer (the share holding
        # partition 0: the replay's rule), asked only with ``keep`` (else: assumed)
        self._no_customer = True
        if keep is not None:
            parts, held = keep
            self._keep = _owner_test(held, parts)
            self._no_customer = 0 in held
        # whether a customer a line names makes it this share's to read in full: the
        # ledger's (its groups), or one whose own id falls in ``keep``'s partitions, whatever
        # the groups say (the books share reads other shares' invoices, receipts and revenue
        # entries from their header only, relying on this share: BooksHead)
        owns, kept = ledger.mine, self._keep
        self._mine: Callable[[str], bool] = (
            owns if kept is None else (lambda c: owns(c) or kept(c))
        )
        # the same, remembered for a customer of no group (a group learnt later moves its
        # members: a customer of a group is asked every time)
        mine, groups = self._mine, ledger._group_of
        memo: dict[str, bool] = {}

        def is_mine(c: str) -> bool:
            if c in groups:
                return mine(c)
            hit = memo.get(c)
            if hit is None:
                hit = memo[c] = mine(c)
            return hit

        self._is_mine = is_mine
        self._groups = groups
        self._known = memo
        # a type whose one routing field is its top-level customer_id (an approval): "local
        # id", read without walking its fields
        self._by_type: dict[type, _Route] = {
            st: (name, "local id" if spec == _ONLY_CUSTOMER_ID else kind, spec)
            for st in heads
            for name, kind, spec in (by_tag[st.__struct_config__.tag],)
        }
        for st in folding.values():
            self._by_type[st] = (st.__struct_config__.tag, "fold", ())
        # the kind of a line known from its opening bytes, {"type":"PlaceOrder" (a line that
        # opens otherwise is looked up from its decoded header), and the key of the customer id
        # read from its bytes (None: none read)
        # (asked with ``guess`` only: without, every line's header is decoded first)
        self._kinds: dict[bytes, tuple[str, bytes | None]] = {}
        for name, kind, _ in by_tag.values():
            k = _FOLD_KINDS.get(name, kind) if fold else kind
            self._kinds[b'{"type":"' + name.encode() + b'"'] = (k, _KEY_OF.get(k))
        # the event times read so far (a demo year repeats each about four times), None for
        # one that does not read: the checks and the parse once per distinct text
        self._at: dict[str, dt.datetime | None] = {}
        self._global = msgspec.json.Decoder(_GlobalHead).decode
        #: the types of the records :meth:`run` passes over (no ledger fold, no decision)
        self.runs: frozenset[str] = frozenset(
            name for name, kind, _ in by_tag.values() if kind == "skip"
        )
        # their lines' opening bytes, {"type":"KeepContractLedger" -> up to their "at" text
        self._opening_at: dict[bytes, bytes] = {
            b'{"type":"' + name.encode() + b'"': b'{"type":"' + name.encode() + b'","at":"'
            for name in self.runs
        }

    def fold_header(self, b: bytes, day: dt.date) -> tuple[str, dt.datetime] | None:
        """Fold into the ledger, from the header only, a line :meth:`skip` answered
        :data:`FOLD` for, a transaction of :data:`BY_HEADER` or :data:`APPROVED_BY_HEADER`
        of a customer this share does not decide, dated ``day`` (the day of the line read before
        it, not later than the ledger's date: no new day, no retention sweep, no late
        event): what its full fold does here — the order/contract index, the order number
        series, the contract approved (no decision) and its order, the stock lots a goods
        issue takes from (its quantities converted as the full reader converts them), its
        index and the pickup order it used, the approval mark of a quotation, production
        order, work order or opportunity (:meth:`_fold_approved`). Returns ``(type, event
        time)`` of a line so folded, ``None`` (nothing done) for any other: another type, a
        header that does not read, a customer of this share or of a group, an order the
        ledger holds, a goods issue drawing on an IC card.

        The caller must check that the full reader takes the line (the books share reads
        every line in full and reports those it rejects: :func:`~salesctl.fastreplay.engine.
        replay_jobs` replays this share again without the shortcut when it rejected one).
        """
        led = self._led
        if led.today is None or day > led.today:
            return None
        last, h = self._head
        if b is not last:
            try:
                h = self._global(b)
            except (msgspec.MsgspecError, ValueError):
                return None
        at = h.at
        when = self._at.get(at, _UNSEEN)
        if when is _UNSEEN:
            when = _time_in(self._at, at)
        if when is None or when.date() != day:
            return None
        # a customer of this share (its ledger's, by its groups) or whose own id falls in
        # this share's partitions: read in full, whatever the ledger's groups say (the books
        # share reads such a line from its header only, relying on this share to reject it:
        # BooksHead). The ids as the full reader keeps them (interned: one per text).
        is_mine = self._is_mine
        if isinstance(h, (_QuoteHead, _WorkHead, _ProductionHead, _StageHead)):
            return self._fold_approved(h, when)
        if isinstance(h, _SignHead):
            k = h.contract
            if is_mine(k.customer_id):
                return None
            # the contract's fold with no decision, for a customer the ledger does not own
            oid = None if k.order_id is None else _intern(k.order_id)
            fold_contract_globals(led, _intern(k.id), _intern(k.customer_id), oid, None)
            return "SignContract", when
        o = h.order
        c = o.customer
        if c.group_id is not None or is_mine(c.id) or led.order(o.id) is not None:
            return None
        if isinstance(h, _IssueHead):
            return self._fold_goods_issue(h, when)
        if isinstance(h, _PlaceOrderHead):
            # the order's fold with no decision, for an order the ledger does not hold
            p = h.order
            fold_order_globals(led, _intern(p.id), _intern(c.id), _intern(p.series), p.seq)
            return "PlaceOrder", when
        fold_order_globals(led, _intern(o.id), _intern(c.id), None, 0)  # a notice's, likewise
        return "IssueDeliveryNotice", when

    def _fold_approved(self, h: Any, when: dt.datetime) -> tuple[str, dt.datetime] | None:
        """:meth:`fold_header` of a transaction of :data:`APPROVED_BY_HEADER`: its document
        marked approved (``Ledger.mark_approved`` with no decision, what its full fold does
        for a transaction this share does not decide), when the customer the full read routes
        it on is not this share's — a quotation's or work order's ``customer_id``, the owner
        of a production order's order (else its contract) in the index, none for a stage
        advanced; ``None`` (read in full) for one this share decides or whose ids the full
        reader would refuse (``ident``'s rule)."""
        led = self._led
        if isinstance(h, _StageHead):
            doc = h.opportunity.id
            cust: str | None = None
            ids: tuple[str | None, ...] = (doc,)
        elif isinstance(h, _ProductionHead):
            p = h.production_order
            doc = p.id
            ids = (doc, p.order_id, p.contract_id)
            cust = None  # Ledger.customer_of: the first of its order, its contract known
            for x in (p.order_id, p.contract_id):
                if x:
                    cust = led.owner_of(x)
                    if cust is not None:
                        break
        else:
            d = h.quotation if isinstance(h, _QuoteHead) else h.work_order
            doc = d.id
            cust = d.customer_id
            ids = (doc, cust)
        if (self._no_customer if cust is None else self._is_mine(cust)) or not _canonical(*ids):
            return None
        led.mark_approved(_intern(doc), None)
        return _APPROVED_NAMES[type(h)], when

    def _fold_goods_issue(self, h: _IssueHead, when: dt.datetime) -> tuple[str, dt.datetime] | None:
        """:meth:`fold_header` of a goods issue of an order of another share's customer the
        ledger does not hold: the stock lots (its first posting), the indexes and the pickup
        order it used; ``None`` (nothing done) for one that names this share's customer,
        draws on an IC card (its value needs the order's prices: read in full) or whose
        quantities do not read as the full reader reads them."""
        led = self._led
        gi = h.goods_issue
        if gi.ic_card_id is not None or (
            gi.customer_id is not None and self._is_mine(gi.customer_id)
        ):
            return None
        try:
            taken = [_Taken(x.product_id, x.lot_id, to_decimal(x.quantity)) for x in gi.lines]
        except InvalidInput:
            return None
        gid = _intern(gi.id)
        first = gid not in led._gi_order
        o = h.order
        fold_goods_issue_globals(led, gid, _intern(o.id), _intern(o.customer.id), taken, first)
        if first and gi.pickup_order_id is not None:
            led.consume_pickup_order(gi.pickup_order_id)
        return "PostGoodsIssue", when

    def run(self, prev: bytes, b: bytes, ahead: Callable[[], bytes]) -> tuple[int, int]:
        """How many bytes at the start of ``ahead()`` (the stream's next bytes, after ``b``),
        and how many lines, are whole lines :meth:`skip` skips exactly as it skipped ``b``, a
        record of a type
        without a ledger fold (:attr:`runs`): the same type and the same event time. A year's
        contract-ledger lines (a third of its lines) come in a few month-end runs of one type
        and one ``at`` text: the replay passes over such a run in one step, hashing and
        counting its bytes and lines (:func:`~salesctl.fastreplay.engine.replay`).

        Each line of the run opens with the bytes of ``b`` up to and including its ``at``
        (a filter only) and its header, decoded as :meth:`skip` decodes it, equals ``b``'s
        (the same header type, hence the same route; the same ``at`` text, hence the same
        time): :meth:`skip` would answer the same for it. The run ends at the first line
        that does not (read then line by line), or at the last whole line of ``ahead()``.
        ``prev`` is the line before ``b``, which the caller skipped as the same type: ``ahead``
        is called only when it opened with the same bytes (a run has begun), ``(0, 0)``
        returned without calling it otherwise — the caller asks only then, so that a line of
        such a type amid others costs no call here.
        """
        head = self._opening_at.get(b[: b.find(b'"', 9) + 1])
        if head is None or not b.startswith(head):
            return _NO_RUN
        end = b.find(b'"', len(head))
        if end < 0 or b[end + 1 : end + 2] != b",":
            return _NO_RUN
        prefix = b[: end + 2]
        if not prev.startswith(prefix):
            return _NO_RUN
        decode = self._decode
        try:
            first = decode(b)
        except (msgspec.MsgspecError, ValueError):
            return _NO_RUN
        buf = ahead()
        pos = lines = 0
        find = buf.find
        starts = buf.startswith
        while starts(prefix, pos):
            nl = find(b"\n", pos)
            if nl < 0:
                break
            try:
                if decode(buf[pos:nl]) != first:
                    break
            except (msgspec.MsgspecError, ValueError):
                break
            pos = nl + 1
            lines += 1
        return pos, lines

    def skip(self, b: bytes) -> tuple[str, dt.datetime] | None:
        """``(type, event time)`` of a line the share may skip; ``None`` when it must
        be read in full."""
        seen: str | None = None  # the customer id read from the bytes, when not this share's
        if self._guess:
            # A line that opens with the type of an event read in full is never skipped,
            # whatever follows: its header need not be decoded (any other line is). A line
            # with no quote after its opening slices to b"", which opens no known type.
            opening, key = self._kinds.get(b[: b.find(b'"', 9) + 1], _UNKNOWN)
            # Reading a line in full is always safe (it is then replayed as in one process):
            # a line whose first customer id in the bytes (``key``: a ``customer_id``, an
            # order's customer's id) is one of this share's is read in full without decoding
            # its header (fold_header would decode the header to find it so), and a delivery
            # proof whose goods issue the ledger knows to be of an order it holds.
            if key is None:
                if opening == "keep":
                    return None
                if opening == "fold any":
                    return FOLD  # a production order, a stage advanced: no customer in the bytes
            else:
                if opening == "gi":
                    led = self._led
                    i = b.find(_GOODS_ISSUE_ID)
                    if i >= 0:
                        i += len(_GOODS_ISSUE_ID)
                        j = b.find(b'"', i)
                        gi = b[i:j].decode("utf-8", "replace") if j > i else None
                        oid = led._gi_order.get(gi) if gi is not None else None
                        if oid is not None and led.order(oid) is not None:
                            return None
                # the text of the first such key, up to the next quote (a guess, used only to
                # read a line in full); is_mine's answer for a customer of no group, asked
                # without calling it
                i = b.find(key)
                if i >= 0:
                    i += len(key)
                    j = b.find(b'"', i)
                    if j > i:
                        seen = b[i:j].decode("utf-8", "replace")
                        hit = None if seen in self._groups else self._known.get(seen)
                        if hit or (hit is None and self._is_mine(seen)):
                            return None
                if opening in _FOLDING:
                    return FOLD  # an order, notice, goods issue, signing, quotation, work order
        # without ``guess``: the header first (a type folded from its header decoded as
        # fold_header decodes it, its header kept for it: one decoding for both)
        try:
            h = self._decode(b)
        except (msgspec.MsgspecError, ValueError):
            return None
        name, kind, spec = self._by_type[type(h)]
        if kind == "keep":
            return None
        if kind == "fold":
            self._head = (b, h)  # (without guess) for fold_header
            return FOLD
        at = h.at
        when = self._at.get(at, _UNSEEN)
        if when is _UNSEEN:
            when = _time_in(self._at, at)
        if when is None:
            return None
        if kind == "skip":
            return name, when
        is_mine = self._is_mine
        if kind == "local id":
            # a type whose one routing field is its top-level customer_id (an approval); is_mine
            # asked as above
            v = h.customer_id
            if v is None:
                return None
            if v != seen:
                hit = None if v in self._groups else self._known.get(v)
                if hit or (hit is None and is_mine(v)):
                    return None
            return name, when
        led = self._led
        if kind == "gi":
            # the fold changes the order of the goods issue, if the ledger holds it: when it
            # does not, the line changes nothing here (whoever the customer); a proof naming
            # this share's customer is read in full all the same (the books share reads it
            # from its header, relying on this share to reject it: BooksHead)
            oid = led._gi_order.get(h.proof.goods_issue_id)
            if oid is not None and led.order(oid) is not None:
                return None
            c = h.customer_id
            return None if c is not None and c != seen and is_mine(c) else (name, when)
        # every customer the line names (an approval's customer_id included: an id of the
        # partitions ``keep`` names is this share's, _is_mine) must be another share's; the
        # id read from the bytes above is known to be
        owner = led.owner_of
        named = False
        for fname, how in spec:
            v = getattr(h, fname)
            if v is None:
                continue
            if how == "ref":
                if fname == "customer_id":
                    if v != seen and is_mine(v):
                        return None
                else:
                    cust = owner(v)
                    if cust is None or is_mine(cust):
                        return None
                named = True
                continue
            if how == "order":
                c = v.customer
                if c.group_id is not None or (c.id != seen and is_mine(c.id)):
                    return None
                for x in (v.id, v.contract_id):
                    if x is not None:
                        cust = owner(x)
                        if cust is None or is_mine(cust):
                            return None
                named = True
                continue
            for f in v.__struct_fields__:
                x = getattr(v, f)
                if x is None:
                    continue
                if f == "customer":
                    if x.group_id is not None:
                        return None
                    cust = x.id
                elif f == "customer_id":
                    if x == seen:
                        named = True
                        continue
                    cust = x
                else:
                    cust = owner(x)
                if cust is None or is_mine(cust):
                    return None
                named = True
        return (name, when) if named else None


_UNSEEN: Any = object()

#: What :meth:`Router.run` answers for no run: no bytes, no lines.
_NO_RUN = (0, 0)

_CUSTOMER_ID = b'"customer_id":"'
_ORDER_CUSTOMER = b'"customer":{"id":"'
_GOODS_ISSUE_ID = b'"goods_issue_id":"'

#: The routing fields of a type :meth:`Router.skip` reads as "local id".
_ONLY_CUSTOMER_ID = (("customer_id", "ref"),)

#: What :meth:`Router.skip` takes a line of an unknown opening for: no kind, no key.
_UNKNOWN: tuple[str, bytes | None] = ("", None)

#: The key of the customer id :meth:`Router.skip` reads from a line's bytes, by the kind of
#: its opening: a ``customer_id`` (a customer-local line, a delivery proof, a signing, a
#: quotation, a work order), an order's customer's id (an order, a notice, a goods issue).
_KEY_OF: dict[str, bytes] = {
    "local": _CUSTOMER_ID,
    "gi": _CUSTOMER_ID,
    "fold": _ORDER_CUSTOMER,
    "fold id": _CUSTOMER_ID,
}

#: What :meth:`Router.skip` answers, with ``fold``, for a line of a type of
#: :data:`BY_HEADER`: not to be skipped; :meth:`Router.fold_header` may fold it.
FOLD: tuple[str, dt.datetime] = ("", dt.datetime.min)

_intern = sys.intern

#: What :class:`Router` takes a line of a type folded from its header for, from its opening
#: bytes (with ``fold``): ``fold`` (the customer read from the bytes as an order's customer's
#: id), ``fold id`` (as a ``customer_id``), ``fold any`` (no customer read from the bytes).
_FOLD_KINDS: dict[str, str] = {
    **dict.fromkeys(BY_HEADER, "fold"),
    "SignContract": "fold id",
    "SendQuotation": "fold id",
    "ScheduleWorkOrder": "fold id",
    "IssueProductionOrder": "fold any",
    "AdvanceStage": "fold any",
}

_FOLDING = frozenset(_FOLD_KINDS.values())

_APPROVED_NAMES: dict[type, str] = {
    _QuoteHead: "SendQuotation",
    _WorkHead: "ScheduleWorkOrder",
    _ProductionHead: "IssueProductionOrder",
    _StageHead: "AdvanceStage",
}


class _ApprovalDoc(msgspec.Struct, kw_only=True, gc=False):
    document_id: str


class ApprovalHead(msgspec.Struct, kw_only=True, gc=False, tag_field="type", tag="GrantApproval"):
    """What the books share reads of an approval of another share's customer: its time, its
    customer and the document it approves (every other field is skipped by the parser).

    The full reader would fold such an approval into nothing the books share keeps (the books
    keep the approvals of sales plans only, the ledger those of its own customers); the share
    that holds the customer's partition reads the line in full and reports it if it is
    malformed (:class:`Router` with ``keep``), and
    :func:`~salesctl.fastreplay.engine.replay_jobs` replays the books share again when one
    of the lines it read from their header was.
    """

    at: str
    customer_id: str | None = None
    approval: _ApprovalDoc

    @staticmethod
    def reader() -> Callable[[bytes], tuple[dt.datetime, str, str] | None]:
        """A function from a line to ``(time, customer id, document id)`` of an approval
        naming a customer, ``None`` for any other line or one the header does not read."""
        decode = msgspec.json.Decoder(ApprovalHead).decode

        def read(b: bytes) -> tuple[dt.datetime, str, str] | None:
            try:
                h = decode(b)
            except (msgspec.MsgspecError, ValueError):
                return None
            cust = h.customer_id
            if cust is None:
                return None
            # from the table of times the share's full reads fill (the books share reads
            # most of a time's other lines in full)
            when = _time_of(h.at)
            if when is None:
                return None
            return when, cust, h.approval.document_id

        return read




def _time_in(seen: dict[str, dt.datetime | None], at: str) -> dt.datetime | None:
    """:func:`_event_time` of ``at``, remembered in ``seen`` (at most 4,096 texts, emptied
    when full): the lines of a stream share few distinct times."""
    when = seen.get(at, _UNSEEN)
    if when is not _UNSEEN:
        return cast("dt.datetime | None", when)
    fresh = _event_time(at)
    if len(seen) >= 4096:
        seen.clear()
    seen[at] = fresh
    return fresh


def _event_time(at: str) -> dt.datetime | None:
    """The time of an event's ``at`` text as the full reader takes it (strict ISO 8601 with
    an offset), ``None`` when it would not take it."""
    if not strict_datetime(at):
        return None
    try:
        when = dt.datetime.fromisoformat(at)
    except ValueError:
        return None
    return when if when.tzinfo is not None else None


def _canonical(*ids: str | None) -> bool:
    """Whether every id given (``None`` passes) is one the full reader takes (``ident``'s
    rule: non-empty, printable, not padded): a share reading a line from its header or as
    plain values declines a line holding another id and reads it in full — the records it
    would fold the id into would refuse it, raising in the middle of a fold
    (:meth:`Router.fold_header`, :class:`~salesctl.fastreplay.books_head.BooksHead`)."""
    for x in ids:
        # ident's own fast path inline (a non-empty printable text with nothing to strip is
        # canonical); the rule itself asked only for another value
        if x is None or (type(x) is str and x and x.isprintable() and x.strip() == x):
            continue
        if ident_problem(x) is not None:
            return False
    return True
