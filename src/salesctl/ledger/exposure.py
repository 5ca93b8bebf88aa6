"""A customer's open items with running sums: the receivables part of its credit exposure kept
up to date by the folds instead of summed per context (issue 16).

:class:`OpenItems` is the dictionary of a customer's open invoices (by invoice id) that also
keeps, per selling company and currency, the count of items, the sum of what is open, the sum
of what is open and overdue and the oldest overdue due date. An item becomes overdue when the
business date passes its due date: items not yet due wait in a heap by due date and move to
the overdue sums as the date advances (the date only advances in a replay; a date moved back
rebuilds the sums). Every sum is of exact Decimals (amounts in minor units), so the running
sum equals the sum recomputed item by item; :meth:`Ledger.exposure
<salesctl.ledger.Ledger.exposure>` uses it when every item it sums is already in the currency
asked for, and recomputes item by item (converting each) otherwise.
"""

from __future__ import annotations

import datetime as dt
import heapq
from collections.abc import Callable, Iterator
from decimal import Decimal

import attrs

__all__ = ["OpenItem", "OpenItems", "Receivables"]

ZERO = Decimal(0)

#: ``(open receivables, overdue receivables, oldest overdue due date)``.
Receivables = tuple[Decimal, Decimal, "dt.date | None"]


@attrs.define(slots=True, eq=False)
class OpenItem:
    """An open invoice: the receivable it created."""

    invoice_id: str
    order_id: str
    issued_on: dt.date
    due: dt.date
    open: Decimal
    currency: str
    #: The selling company of its order, if the order names one (credit segments).
    company: str | None = None


class _Group:
    """The running sums of one (selling company, currency): items, open, open and overdue,
    and the oldest overdue due date (recomputed from ``overdue`` when ``dirty``)."""

    __slots__ = ("count", "dirty", "oldest", "open", "overdue", "overdue_sum")

    def __init__(self) -> None:
        self.count = 0
        self.open = ZERO
        self.overdue: dict[str, OpenItem] = {}
        self.overdue_sum = ZERO
        self.oldest: dt.date | None = None
        self.dirty = False

    def oldest_due(self) -> dt.date | None:
        if self.dirty:
            self.dirty = False
            self.oldest = min((i.due for i in self.overdue.values() if i.open > 0), default=None)
        return self.oldest


def _pos(amount: Decimal) -> Decimal:
    return amount if amount > 0 else ZERO


class OpenItems:
    """A customer's open items by invoice id, with running sums (see the module).

    Reads like a dictionary (``values``, ``get``, ``in``, ``len``, iteration); changes go
    through :meth:`put`, :meth:`pop` and :meth:`settle`, which keep the sums in step.
    """

    __slots__ = ("_asof", "_groups", "_items", "_pending", "_seq", "version")

    def __init__(self) -> None:
        self._items: dict[str, OpenItem] = {}
        self._groups: dict[tuple[str | None, str], _Group] = {}
        self._pending: list[tuple[dt.date, int, OpenItem]] = []
        self._asof: dt.date | None = None
        self._seq = 0
        #: Bumped on every change, an item falling overdue included (for caches of what is
        #: computed from the items).
        self.version = 0

    # -- reading like a dict ------------------------------------------------------------

    def values(self) -> Iterator[OpenItem]:
        """The open items, in the order they were put."""
        return iter(self._items.values())

    def get(self, invoice_id: str) -> OpenItem | None:
        """The open item of an invoice, if any."""
        return self._items.get(invoice_id)

    def __contains__(self, invoice_id: object) -> bool:
        return invoice_id in self._items

    def __len__(self) -> int:
        return len(self._items)

    def __iter__(self) -> Iterator[str]:
        return iter(self._items)

    # -- changing -----------------------------------------------------------------------

    def put(self, item: OpenItem) -> None:
        """Add an open item (replacing one of the same invoice)."""
        self.pop(item.invoice_id)
        self._items[item.invoice_id] = item
        key = (item.company, item.currency)
        g = self._groups.get(key)
        if g is None:
            g = self._groups[key] = _Group()
        g.count += 1
        g.open += item.open
        if self._asof is not None and item.due < self._asof:
            self._overdue(g, item)
        else:
            self._seq += 1
            heapq.heappush(self._pending, (item.due, self._seq, item))
        self.version += 1

    def pop(self, invoice_id: str) -> OpenItem | None:
        """Remove and return the open item of an invoice (``None``: none)."""
        item = self._items.pop(invoice_id, None)
        if item is None:
            return None
        key = (item.company, item.currency)
        g = self._groups[key]
        g.count -= 1
        g.open -= item.open
        if g.overdue.pop(invoice_id, None) is not None:
            g.overdue_sum -= _pos(item.open)
            if item.due == g.oldest:
                g.dirty = True
        if not g.count:
            del self._groups[key]
        self.version += 1
        return item

    def settle(self, item: OpenItem, take: Decimal) -> None:
        """Reduce an open item by ``take`` (removed once nothing is open)."""
        g = self._groups[(item.company, item.currency)]
        before = item.open
        item.open = before - take
        g.open -= take
        if item.invoice_id in g.overdue:
            g.overdue_sum += _pos(item.open) - _pos(before)
            if item.open <= 0 < before and item.due == g.oldest:
                g.dirty = True
            elif before <= 0 < item.open and not g.dirty:
                g.oldest = item.due if g.oldest is None else min(g.oldest, item.due)
        self.version += 1
        if not item.open:
            self.pop(item.invoice_id)

    def _overdue(self, g: _Group, item: OpenItem) -> None:
        g.overdue[item.invoice_id] = item
        if item.open > 0:
            g.overdue_sum += item.open
            if not g.dirty:
                g.oldest = item.due if g.oldest is None else min(g.oldest, item.due)

    def as_of(self, today: dt.date | None) -> None:
        """Bring the overdue sums to ``today`` (items due before it are overdue)."""
        if today == self._asof:
            return
        if today is None or (self._asof is not None and today < self._asof):
            # The date moved back (never in a replay): start again from every item.
            self._asof = None
            self._pending = []
            for g in self._groups.values():
                g.overdue, g.overdue_sum, g.oldest, g.dirty = {}, ZERO, None, False
            for item in self._items.values():
                self._seq += 1
                self._pending.append((item.due, self._seq, item))
            heapq.heapify(self._pending)
            self.version += 1
            if today is None:
                return
        self._asof = today
        pending = self._pending
        items = self._items
        while pending and pending[0][0] < today:
            item = heapq.heappop(pending)[2]
            if items.get(item.invoice_id) is item:
                self._overdue(self._groups[(item.company, item.currency)], item)
                self.version += 1

    # -- sums ---------------------------------------------------------------------------

    def receivables(
        self,
        today: dt.date | None,
        currency: str,
        company: Callable[[str | None], bool] | None = None,
    ) -> Receivables | None:
        """What is open, overdue and the oldest overdue due date as of ``today``, over the
        items of the companies ``company`` selects (all when ``None``); ``None`` when an item
        selected is in another currency than ``currency`` (the caller converts item by item).
        """
        self.as_of(today)
        recv = overdue = ZERO
        oldest: dt.date | None = None
        for (co, cur), g in self._groups.items():
            if company is not None and not company(co):
                continue
            if cur != currency:
                return None
            recv += g.open
            overdue += g.overdue_sum
            d = g.oldest_due()
            if d is not None and (oldest is None or d < oldest):
                oldest = d
        return recv, overdue, oldest
