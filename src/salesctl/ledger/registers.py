"""The registers of the issue-14 detective controls, kept by the :class:`~salesctl.ledger.Books`:
receipt records and vouchers (O2C-AR-03), commission accruals (O2C-CM-02), collections analyses
(O2C-MN-03), storage areas and readings (O2C-IN-02), promotions and their evaluations
(O2C-MN-04).

A daily run gets the day's receipt records (those whose voucher deadline is the day) and
vouchers, with what they refer to, the storage areas and the day's readings, and the
promotions that have ended; a monthly run gets the accruals, the analyses and the promotions.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from salesctl._assembly import assembly
from salesctl.money import Money
from salesctl.periods import Period
from salesctl.records import (
    CollectionsAnalysis,
    CommissionAccrual,
    ContractLedgerLine,
    LedgerBook,
    Promotion,
    PromotionEvaluation,
    ReceiptRecord,
    ReceiptVoucher,
    StorageArea,
    StorageReading,
)

__all__ = ["ContractLedgers", "Registers", "file_under", "filed_under"]


def file_under(index: dict[str, Any], key: str, value: Any) -> None:
    """Add ``value`` under ``key`` of ``index``: the value itself while it is the only one,
    a tuple of the values in the order filed once there are more. Most keys of these indexes
    (a system invoice's sales invoices and postings, a goods issue's invoices, a voucher's
    receipt records) have one value, and a list of one took 88 bytes; the value alone takes
    none. ``value`` is never a tuple or ``None`` (read back with :func:`filed_under`)."""
    have = index.get(key)
    if have is None:
        index[key] = value
    elif type(have) is tuple:
        index[key] = (*have, value)
    else:
        index[key] = (have, value)


def filed_under(index: dict[str, Any], key: str) -> tuple[Any, ...]:
    """The values filed under ``key`` by :func:`file_under`, in the order filed (``()``:
    none)."""
    have = index.get(key)
    if have is None:
        return ()
    return have if type(have) is tuple else (have,)


class Registers:
    """The issue-14 registers (see the module docstring).

    Args:
        voucher_within_days: days after a receipt's value date by which its voucher is due
            (the receivables policy's value): a daily run looks back this far.
    """

    def __init__(self, *, voucher_within_days: int = 0) -> None:
        self.lag = dt.timedelta(days=voucher_within_days)
        self.records_by_day: dict[dt.date, list[ReceiptRecord]] = {}
        #: The records of each voucher (:func:`file_under`: the record, or a tuple of them).
        self.records_by_voucher: dict[str, Any] = {}
        self.vouchers: dict[str, ReceiptVoucher] = {}
        self.vouchers_by_day: dict[dt.date, list[str]] = {}
        self.accruals: dict[str, CommissionAccrual] = {}
        self.analyses: list[CollectionsAnalysis] = []
        self.areas: dict[str, StorageArea] = {}
        self.readings: dict[dt.date, list[StorageReading]] = {}
        self.promotions: dict[str, Promotion] = {}
        self.evaluations: dict[str, list[PromotionEvaluation]] = {}

    # -- registering --------------------------------------------------------------------

    def receipt_record(self, r: ReceiptRecord) -> None:
        """Keep a cash or bank journal line."""
        self.records_by_day.setdefault(r.received_on, []).append(r)
        if r.voucher_id is not None:
            file_under(self.records_by_voucher, r.voucher_id, r)

    def voucher(self, v: ReceiptVoucher) -> None:
        """Keep a receipt voucher (the first of an id stands)."""
        if v.voucher_id in self.vouchers:
            return
        self.vouchers[v.voucher_id] = v
        self.vouchers_by_day.setdefault(v.posted_on, []).append(v.voucher_id)

    def accrual(self, a: CommissionAccrual) -> None:
        """Keep an accrual (a later one with the same id replaces it)."""
        self.accruals.pop(a.accrual_id, None)
        self.accruals[a.accrual_id] = a

    def analysis(self, a: CollectionsAnalysis) -> None:
        """Keep a collections analysis."""
        self.analyses.append(a)

    def area(self, a: StorageArea) -> None:
        """Keep a storage area as it now stands."""
        self.areas[a.area_id] = a

    def reading(self, r: StorageReading) -> None:
        """Keep a storage reading."""
        self.readings.setdefault(r.read_on, []).append(r)

    def promotion(self, p: Promotion) -> None:
        """Keep a promotion (a later one with the same id replaces it)."""
        self.promotions[p.promotion_id] = p

    def evaluation(self, e: PromotionEvaluation) -> None:
        """Keep a promotion's evaluation."""
        self.evaluations.setdefault(e.promotion_id, []).append(e)

    # -- handing out --------------------------------------------------------------------

    def _promotions(self, day: dt.date | None) -> dict[str, Any]:
        proms = [p for p in self.promotions.values() if day is None or p.ends_on < day]
        return {
            "promotions": tuple(proms),
            "promotion_evaluations": tuple(
                e for p in proms for e in self.evaluations.get(p.promotion_id, ())
            ),
        }

    def for_day(self, day: dt.date) -> dict[str, Any]:
        """The :class:`~salesctl.records.Records` fields of a daily run (empty: nothing)."""
        records = list(self.records_by_day.get(day - self.lag, ()))
        vids: dict[str, None] = dict.fromkeys(self.vouchers_by_day.get(day, ()))
        for r in records:
            if r.voucher_id is not None and r.voucher_id in self.vouchers:
                vids.setdefault(r.voucher_id, None)
        seen = {id(r) for r in records}
        for vid in vids:
            for r in filed_under(self.records_by_voucher, vid):
                if id(r) not in seen:
                    seen.add(id(r))
                    records.append(r)
        out: dict[str, Any] = {}
        if records or vids:
            out["receipt_records"] = tuple(records)
            out["receipt_vouchers"] = tuple(self.vouchers[v] for v in vids)
        if self.areas or day in self.readings:
            out["storage_areas"] = tuple(self.areas.values())
            out["storage_readings"] = tuple(self.readings.get(day, ()))
        proms = self._promotions(day)
        if proms["promotions"]:
            out.update(proms)
        return out

    def for_period(self) -> dict[str, Any]:
        """The :class:`~salesctl.records.Records` fields of a monthly (or longer) run."""
        return {
            "commission_accruals": tuple(self.accruals.values()),
            "collections_analyses": tuple(self.analyses),
            "storage_areas": tuple(self.areas.values()),
            **self._promotions(None),
        }

    # -- forgetting ---------------------------------------------------------------------

    def forget(self, cutoff: dt.date) -> None:
        """Forget what is dated before ``cutoff`` (areas stay until closed before it)."""
        for d in [d for d in self.records_by_day if d < cutoff]:
            for r in self.records_by_day.pop(d):
                if r.voucher_id is not None:
                    self.records_by_voucher.pop(r.voucher_id, None)
        for d in [d for d in self.vouchers_by_day if d < cutoff]:
            for vid in self.vouchers_by_day.pop(d):
                self.vouchers.pop(vid, None)
        for d in [d for d in self.readings if d < cutoff]:
            del self.readings[d]
        self.accruals = {k: a for k, a in self.accruals.items() if a.period_end >= cutoff}
        self.analyses = [a for a in self.analyses if a.period_end >= cutoff]
        self.areas = {
            k: a for k, a in self.areas.items() if a.closed_on is None or a.closed_on >= cutoff
        }
        for pid in [pid for pid, p in self.promotions.items() if p.ends_on < cutoff]:
            del self.promotions[pid]
            self.evaluations.pop(pid, None)

    def size(self) -> dict[str, int]:
        """How many entries the registers hold, by register."""
        return {
            "receipt_records": sum(len(v) for v in self.records_by_day.values()),
            "receipt_vouchers": len(self.vouchers),
            "commission_accruals": len(self.accruals),
            "collections_analyses": len(self.analyses),
            "storage_areas": len(self.areas),
            "storage_readings": sum(len(v) for v in self.readings.values()),
            "promotions": len(self.promotions),
        }


#: A contract-ledger line as the register holds it: ``(as_of, customer_id, value, delivered,
#: invoiced, collected)``, under its month, book and contract.
LedgerValues = tuple[dt.date, str, Money, Money, Money, Money]

_Line = assembly(ContractLedgerLine)


class ContractLedgers:
    """Both departments' contract ledgers as O2C-CT-04 reads them: per month, per contract
    and book, the latest line dated in that month (``as_of``), as plain values.

    The check reads, for a month, each book's latest line per contract dated in the month
    (the first of equal dates: a later line replaces a kept one only when dated later). The
    lines are registered as read (:meth:`keep`: from a validated
    :class:`~salesctl.records.ContractLedgerLine`, or from a line's decoded values that the
    fast replay has checked as its validators would), so the register holds that latest line
    per month and key instead of every line; :meth:`lines_in` hands out the records of a
    period, built only then. ``tests/test_fastreplay_ledger.py`` pins the check's result on
    the register to its result on every line's record.
    """

    __slots__ = ("_by_day", "months")

    def __init__(self) -> None:
        #: ``(year, month)`` → book → contract → the latest line's values (a dict per book
        #: rather than a ``(contract, book)`` key: no key tuple held per line).
        self.months: dict[tuple[int, int], dict[LedgerBook, dict[str, LedgerValues]]] = {}
        #: each ``as_of`` seen → its month's entries (a date is looked up, not taken apart)
        self._by_day: dict[dt.date, dict[LedgerBook, dict[str, LedgerValues]]] = {}

    def keep(
        self,
        contract_id: str,
        customer_id: str,
        book: LedgerBook,
        as_of: dt.date,
        value: Money,
        delivered: Money,
        invoiced: Money,
        collected: Money,
    ) -> None:
        """Register a line (values a :class:`~salesctl.records.ContractLedgerLine` accepts)."""
        self.put(contract_id, book, (as_of, customer_id, value, delivered, invoiced, collected))

    def put(self, contract_id: str, book: LedgerBook, held: LedgerValues) -> None:
        """:meth:`keep`, the line's values but the contract and the book given as held."""
        as_of = held[0]
        month = self._by_day.get(as_of)
        if month is None:
            month = self.months.setdefault((as_of.year, as_of.month), {})
            self._by_day[as_of] = month
        entries = month.get(book)
        if entries is None:
            entries = month[book] = {}
        old = entries.get(contract_id)
        if old is None or as_of > old[0]:
            # the other book's line of the contract, when it holds the same values, is held
            # once: the departments' ledgers mostly agree (the same date, customer and amount
            # instances), and a tuple each was about 100 bytes a contract and month
            for other in month.values():
                if other is not entries:
                    twin = other.get(contract_id)
                    if (
                        twin is not None
                        and twin[2] is held[2]
                        and twin[3] is held[3]
                        and twin[4] is held[4]
                        and twin[5] is held[5]
                        and twin[0] == as_of
                        and twin[1] == held[1]
                    ):
                        held = twin
            entries[contract_id] = held

    def line(self, line: ContractLedgerLine) -> None:
        """Register a validated line."""
        self.keep(
            line.contract_id,
            line.customer_id,
            line.book,
            line.as_of,
            line.value,
            line.delivered,
            line.invoiced,
            line.collected,
        )

    def lines_in(self, period: Period) -> tuple[ContractLedgerLine, ...]:
        """The records of the lines kept that are dated in ``period``: each book's latest per
        contract and month (the values were checked when kept: the records are assembled
        without running the validators again)."""
        out: list[ContractLedgerLine] = []
        start, end = period.start, period.end
        for month in self.months.values():
            for book, entries in month.items():
                for cid, held in entries.items():
                    as_of, cust, value, delivered, invoiced, collected = held
                    if not start <= as_of <= end:
                        continue
                    x = _Line()
                    x.contract_id = cid
                    x.customer_id = cust
                    x.book = book
                    x.as_of = as_of
                    x.value = value
                    x.delivered = delivered
                    x.invoiced = invoiced
                    x.collected = collected
                    x.__class__ = ContractLedgerLine
                    out.append(x)
        return tuple(out)

    def forget_through(self, day: dt.date) -> None:
        """Forget the lines dated ``day`` or earlier (after the month's check ran)."""
        self._by_day.clear()  # found again from the months on the next line kept
        for ym in [ym for ym in self.months if ym <= (day.year, day.month)]:
            # lines dated after ``day`` in its month stay (a close before the month's end)
            kept = {
                book: held
                for book, entries in self.months[ym].items()
                if (held := {c: v for c, v in entries.items() if v[0] > day})
            }
            if kept:
                self.months[ym] = kept
            else:
                del self.months[ym]

    def __len__(self) -> int:
        return sum(len(e) for m in self.months.values() for e in m.values())
