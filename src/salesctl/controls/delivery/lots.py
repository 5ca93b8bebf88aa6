"""The context's stock lots indexed once per gate call for O2C-DL-03 and O2C-DL-05, and what
their pass paths need to know of a goods issue, from one walk over its lines (pinned to their
full checks by ``tests/test_performance.py``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal

from salesctl.context import Context, StockIndex, stock_index
from salesctl.control import Scratch
from salesctl.model import GoodsIssue, LineFacts, StockLot
from salesctl.money import _wide_context

_ZERO = Decimal(0)


class _LotIndex:
    """The context's stock lots for O2C-DL-03 and O2C-DL-05 in one gate call (kept in the call's
    scratch): by id (the last lot of an id, as a dict built lot by lot keeps it; from the
    context's :class:`~salesctl.context.StockIndex`) and by product (every lot of the product,
    in context order; made when first read).

    Attributes:
        distinct: no two lots are of one product (each lot is its product's only lot).
    """

    __slots__ = ("_by_product", "by_id", "ctx", "distinct", "gi", "issue")

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.gi: GoodsIssue | None = None
        self.issue: _Issue | None = None
        stock = stock_index(ctx)  # built with the context
        self.by_id: Mapping[str, StockLot] = stock.by_id
        self.distinct = stock.distinct
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




class _Issue:
    """What O2C-DL-03 and O2C-DL-05 need to know to return early on a goods issue that passes
    them, from one pass over its lines (pinned to their full checks by tests/test_performance.py).

    Attributes:
        named: every line names a lot the context holds.
        sound: every lot so named is of its line's product and has a QC certificate.
        stocked: no lot is picked beyond its quantity on hand.
        sole: every lot so named is the only lot (by id) of its product.
        earliest: the earliest expiry of the lots so named (``None``: none is dated).
    """

    __slots__ = ("earliest", "named", "sole", "sound", "stocked")

    def __init__(self, gi: GoodsIssue, index: _LotIndex) -> None:
        by_id = index.by_id
        picked: dict[str, Decimal] = {}
        named = sound = sole = stocked = True
        again = False  # a lot picked on two lines: its sum is compared after the walk
        check_sole = not index.distinct  # else every lot is its product's only one
        earliest: dt.date | None = None
        for line in gi.lines:
            lid = line.lot_id
            if lid is None or (lot := by_id.get(lid)) is None:
                named = False
                break
            # The sums of the full check, from zero (the index is keyed by lot.id == lid); a
            # lot's first pick compared with its quantity on hand here (finite Decimals: the
            # comparison cannot raise; its answer is dropped when a later line is unnamed).
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
        elif again:  # the sums of lots picked more than once: every lot compared again
            stocked = True
            for k, q in picked.items():
                if not q <= by_id[k].quantity:
                    stocked = False
                    break
        self.stocked = stocked


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


def _lots(ctx: Context, scratch: Scratch | None = None) -> Mapping[str, StockLot]:
    return _lot_index(ctx, scratch).by_id


# -- the pass paths answered from what the context and the goods issue worked out when built ---


#: The largest size (``Decimal.adjusted()``) of a goods issue's quantity for the shortcuts: the
#: sums of up to 10**40 such quantities stay below 10**92, within a wide context's exponents.
_SIZE = 50


def lots_pass(facts: LineFacts, stock: StockIndex) -> bool:
    """O2C-DL-03's lot checks pass, told without walking the lines (``False``: walk them).

    True when every line names a lot on hand of its own product with a QC certificate (the
    goods issue's ``(lot, product)`` pairs among the stock's sound ones), no lot is picked on
    two lines, and the largest pick is no more than the smallest lot on hand: each lot's pick,
    summed from zero in the current context as the full check sums it, is then no more than its
    lot's quantity: rounding is monotone, so the pick rounds to no more than the smallest lot's
    quantity rounds to — itself, a plain quantity in a wide context — which is no more than its
    lot's; and a wide context raises nothing on the sum of quantities whose sizes are at most
    ``_SIZE``.
    """
    least, most, size = stock.least, facts.qmax, facts.qsize
    return (
        facts.once
        and least is not None
        and most is not None
        and size is not None
        and size <= _SIZE
        and stock.sound >= facts.pairs
        and most <= least
        and _wide_context()
    )


def fresh_lots(facts: LineFacts, stock: StockIndex, days: int) -> bool:
    """O2C-DL-05 passes, told without walking the lines (``False``: walk them).

    True when every line names a lot on hand that is its product's only lot (no earlier lot
    to prefer) and the earliest expiry of *any* lot on hand leaves at least ``days`` days after
    the business date (so the earliest of the lots picked does too) — and the sums of the picks the
    full check makes cannot raise: quantities of sizes at most ``_SIZE`` in a wide context.
    """
    ids, size = facts.lot_ids, facts.qsize
    if not ids or not stock.dated or size is None or size > _SIZE or not stock.sole >= ids:
        return False
    shelf = stock.shelf
    return (shelf is None or shelf >= days) and _wide_context()
