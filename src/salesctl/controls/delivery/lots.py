"""The context's stock lots indexed once per gate call for O2C-DL-03 and O2C-DL-05, and what
their pass paths need to know of a goods issue, from one walk over its lines (pinned to their
full checks by ``tests/test_performance.py``)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from itertools import repeat
from operator import attrgetter

from salesctl.context import Context
from salesctl.control import Scratch
from salesctl.model import DeliveryLine, DeliveryNotice, GoodsIssue, StockLot

_ZERO = Decimal(0)


class _LotIndex:
    """The context's stock lots indexed once per gate call (kept in the call's scratch) for
    O2C-DL-03 and O2C-DL-05: by id (the last lot of an id, as a dict built lot by lot keeps
    it) and by product (every lot of the product, in context order; made when first read).

    Attributes:
        distinct: no two lots are of one product (each lot is its product's only lot).
    """

    __slots__ = ("_by_product", "by_id", "ctx", "distinct", "gi", "issue")

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.gi: GoodsIssue | None = None
        self.issue: _Issue | None = None
        lots = ctx.stock_lots
        self.by_id: dict[str, StockLot] = {lot.id: lot for lot in lots}
        self.distinct = len(set(map(_PRODUCT_ID, lots))) == len(lots)
        self._by_product: dict[str, list[StockLot]] | None = None

    @property
    def by_product(self) -> dict[str, list[StockLot]]:
        """Every lot of each product, in context order."""
        by_product = self._by_product
        if by_product is None:
            by_product = self._by_product = {}
            for lot in self.ctx.stock_lots:
                same = by_product.get(lot.product_id)
                if same is None:
                    by_product[lot.product_id] = [lot]
                else:
                    same.append(lot)
        return by_product

    def of(self, gi: GoodsIssue) -> _Issue:
        """The goods issue's lines read once against these lots (kept for the call)."""
        issue = self.issue
        if issue is None or self.gi is not gi:
            issue = self.issue = _Issue(gi, self)
            self.gi = gi
        return issue


_PRODUCT_ID = attrgetter("product_id")


class _Issue:
    """One walk over a goods issue's lines, made once per gate call (kept in the call's scratch
    through its :class:`_LotIndex`), for the pass paths of O2C-DL-02, -03, -04 and -05; each
    control still decides by its full check whenever the walk does not vouch for its pass
    (pinned to the full checks by tests/test_performance.py).

    Attributes:
        named: every line names a lot the context holds.
        sound: every lot so named is of its line's product and has a QC certificate.
        stocked: no lot is picked beyond its quantity on hand.
        sole: every lot so named is the only lot (by id) of its product.
        earliest: the earliest expiry of the lots so named (``None``: none is dated).
        notice: the context's first delivery notice of the issue's notice id (``None``: none).
        within: the issue's lines are the notice's, line for line (the same order lines,
            strictly increasing, the same products), each quantity at most the noted one.
        most: the largest quantity's size (``adjusted()``); ``None`` when a quantity is not a
            finite ``Decimal`` (or the walk stopped).
        error: what the lots' part of the walk raised (re-raised by O2C-DL-03's and -05's pass
            paths, as before the walk was shared); the other answers are then all ``False``.
    """

    __slots__ = (
        "earliest",
        "error",
        "most",
        "named",
        "notice",
        "sole",
        "sound",
        "stocked",
        "within",
    )

    def __init__(self, gi: GoodsIssue, index: _LotIndex) -> None:
        nid = gi.notice_id
        notice = None
        if nid is not None:
            for n in index.ctx.delivery_notices:  # the first notice of that id (O2C-DL-02's)
                if n.id == nid:
                    notice = n
                    break
        self.notice = notice
        self.error: Exception | None = None
        try:
            done = self._walk(gi, index, notice)
        except Exception:  # noqa: BLE001  (the lots' part is walked again below, as it was)
            done = False
        if not done:  # the lots' part alone, as it was (its error kept for DL-03 and DL-05)
            self.within = False
            self.most = None
            try:
                self._lots_only(gi, index)
            except Exception as e:  # noqa: BLE001
                self.error = e
                self.named = self.sound = self.stocked = self.sole = False
                self.earliest = None

    def _lots_only(self, gi: GoodsIssue, index: _LotIndex) -> None:
        """The lots' part of the walk alone, as it was before the walk was shared: what it
        raises, O2C-DL-03's and -05's pass paths raise."""
        by_id = index.by_id
        picked: dict[str, Decimal] = {}
        named = sound = sole = stocked = True
        again = False
        check_sole = not index.distinct
        earliest: dt.date | None = None
        for line in gi.lines:
            lid = line.lot_id
            if lid is None or (lot := by_id.get(lid)) is None:
                named = False
                break
            before = picked.get(lid)
            if before is None:
                got = picked[lid] = _ZERO + line.quantity
                if stocked and not got <= lot.quantity:
                    stocked = False
            else:
                picked[lid] = before + line.quantity
                again = True
            if lot.product_id != line.product_id or lot.qc_certificate is None:
                sound = False
            if sole and check_sole:
                same = index.by_product[lot.product_id]
                if len(same) != 1 and any(o.id != lid for o in same):
                    sole = False
            exp = lot.expires_on
            if exp is not None and (earliest is None or exp < earliest):
                earliest = exp
        self.named = named
        self.sound = sound
        self.sole = sole
        self.earliest = earliest
        if not named:
            stocked = False
        elif again:
            stocked = True
            for k, q in picked.items():
                if not q <= by_id[k].quantity:
                    stocked = False
                    break
        self.stocked = stocked

    def _walk(self, gi: GoodsIssue, index: _LotIndex, notice: DeliveryNotice | None) -> bool:
        """The shared walk; False (nothing kept) when a quantity is not a finite Decimal."""
        lines = gi.lines
        by_id = index.by_id
        picked: dict[str, Decimal] = {}
        named = sound = sole = stocked = True
        again = False  # a lot picked on two lines: its sum is compared after the walk
        check_sole = not index.distinct  # else every lot is its product's only one
        earliest: dt.date | None = None
        noted: tuple[DeliveryLine | None, ...] | None = None
        if notice is not None and len(notice.lines) == len(lines):
            noted = notice.lines
        within = noted is not None
        most: int | None = -1_000_000_000
        last = 0
        for line, n in zip(lines, noted or repeat(None)):
            q = line.quantity
            if type(q) is not Decimal or not q.is_finite():
                return False
            size = q.adjusted()
            if size > most:  # type: ignore[operator]
                most = size
            if within:  # O2C-DL-02: the notice's line of the same place
                no = line.order_line
                if (
                    no <= last
                    or n.order_line != no  # type: ignore[union-attr]
                    or n.product_id != line.product_id  # type: ignore[union-attr]
                    or not q <= n.quantity  # type: ignore[union-attr]
                ):
                    within = False
                last = no
            if not named:
                continue
            lid = line.lot_id
            if lid is None or (lot := by_id.get(lid)) is None:
                named = False
                continue
            # The sums of the full check, from zero (the index is keyed by lot.id == lid); a
            # lot's first pick compared with its quantity on hand here (finite Decimals: the
            # comparison cannot raise; its answer is dropped when a later line is unnamed).
            before = picked.get(lid)
            if before is None:
                got = picked[lid] = _ZERO + q
                if stocked and not got <= lot.quantity:
                    stocked = False
            else:
                picked[lid] = before + q
                again = True
            if lot.product_id != line.product_id or lot.qc_certificate is None:
                sound = False
            if sole and check_sole:
                same = index.by_product[lot.product_id]
                if len(same) != 1 and any(o.id != lid for o in same):
                    sole = False
            exp = lot.expires_on
            if exp is not None and (earliest is None or exp < earliest):
                earliest = exp
        self.named = named
        self.sound = sound
        self.sole = sole
        self.earliest = earliest
        self.within = within
        self.most = most
        if not named:
            stocked = False
        elif again:  # the sums of lots picked more than once: every lot compared again
            stocked = True
            for k, v in picked.items():
                if not v <= by_id[k].quantity:
                    stocked = False
                    break
        self.stocked = stocked
        return True


_LOTS = object()  # the scratch key of the call's _LotIndex


def _lot_index(ctx: Context, scratch: Scratch | None) -> _LotIndex:
    if scratch is not None:
        memo: _LotIndex | None = scratch.get(_LOTS)
        if memo is not None and memo.ctx is ctx:
            return memo
    index = _LotIndex(ctx)
    if scratch is not None:
        scratch[_LOTS] = index
    return index


def _lots(ctx: Context, scratch: Scratch | None = None) -> dict[str, StockLot]:
    return _lot_index(ctx, scratch).by_id
