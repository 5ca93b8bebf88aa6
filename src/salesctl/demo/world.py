"""The simulated year: :class:`World` runs a host's regular business for one calendar year —
orders and contract deals spread over the working days, month-end registers, plans, targets,
analyses and assessments — and the injectors it is given, each on a day of its own.

Everything is deterministic from the seed (``random.Random(seed)``; no clock, no set order).
"""

from __future__ import annotations

import datetime as dt
import gc
import heapq
import itertools
from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Any

import attrs

from salesctl._validators import decimal_conv
from salesctl.demo.contracts import ContractFlow
from salesctl.demo.direct import cny_text, direct_ok, write_unfolded
from salesctl.demo.encode import iso_date, iso_time, to_data
from salesctl.demo.host import TZ, ZERO, HostCustomer, cny, randint
from salesctl.demo.orders import Deal
from salesctl.demo.trusted import trusted
from salesctl.events import (
    AccrueCommission,
    AnalyseCollections,
    AnalyseSales,
    AssessPerformance,
    CountConsignment,
    CountShipments,
    CountStock,
    EvaluatePromotion,
    KeepContractLedger,
    ReadStorage,
    RegisterStorageArea,
    ReportSalesActual,
    RunPromotion,
    SetSalesTarget,
)
from salesctl.model import Actor, PlanKind, SalesPlan
from salesctl.records import (
    CollectionsAnalysis,
    CommissionAccrual,
    ConsignmentCount,
    ContractLedgerLine,
    LedgerBook,
    PerformanceAssessment,
    Period,
    Promotion,
    PromotionEvaluation,
    SalesActual,
    SalesAnalysis,
    SalesTarget,
    ShipmentCount,
    StockCount,
    StorageArea,
    StorageReading,
)
from salesctl.transactions import SubmitSalesPlan

__all__ = ["Injector", "World"]

#: ``(world, when) -> None``: plants one violation scenario at ``when``.
Injector = Callable[["World", dt.datetime], None]


class World(ContractFlow):
    """The simulated host and its year: its ledger, its gate, its people, the stream it
    writes, and the business it runs.

    Injectors drive it through :meth:`~salesctl.demo.host.Host.post`,
    :meth:`~salesctl.demo.host.Host.record`, :meth:`~salesctl.demo.orders.OrderFlow.new_order`
    and the document helpers.

    Args:
        seed: the random seed.
        year: the calendar year simulated.
        customers: how many customers.
        orders: how many regular orders over the year.
        policy: the policy the host runs (the demo policy by default).
        sink: where events go (kept in :attr:`out` by default).
    """

    # -- month ends ----------------------------------------------------------------------

    def month_end(self, day: dt.date) -> None:
        """The month-end registers: shipment counts, stock count, both contract ledgers."""

        when = self.at(day, 21)
        month = day.strftime("%Y-%m")
        skew = self.skews.get(month, {})
        count_shipments, shipment_count = trusted(CountShipments), trusted(ShipmentCount)
        count_stock, stock_count = trusted(CountStock), trusted(StockCount)
        # The counts are records the host's ledger has no fold for: written from their data
        # (built and folded when ``direct_ok`` says no; ``write_unfolded``).
        when_text, day_text = iso_time(when), iso_date(day)
        for p in self.products:
            q = p.shipped.get(month)
            if q:
                actual = decimal_conv(q + skew.get("shipment", {}).get(p.product.id, ZERO))
                write_unfolded(
                    self,
                    when,
                    {
                        "type": "CountShipments",
                        "at": when_text,
                        "count": {
                            "product_id": p.product.id,
                            "period_end": day_text,
                            "actual_quantity": str(actual),
                            "system_quantity": None,
                            "explanation": None,
                        },
                    },
                    # (called at once, in this turn of the loop, or not at all)
                    lambda: count_shipments(
                        at=when,
                        count=shipment_count(
                            product_id=p.product.id,  # noqa: B023
                            period_end=day,
                            actual_quantity=actual,  # noqa: B023
                        ),
                    ),
                )
        counted_at = when + dt.timedelta(minutes=30)
        counted_text = iso_time(counted_at)
        for p in self.products:
            on_hand = decimal_conv(
                sum(
                    (lot.quantity for lot in self.ledger.stock.get(p.product.id, {}).values()),
                    ZERO,
                )
            )
            departments = frozenset({"finance", "production", "sales", "warehouse"}) - skew.get(
                "absent", {}
            ).get(p.product.id, frozenset())
            write_unfolded(
                self,
                counted_at,
                {
                    "type": "CountStock",
                    "at": counted_text,
                    "line": {
                        "count_id": f"SC-{month}",
                        "period_end": day_text,
                        "product_id": p.product.id,
                        "book_quantity": str(on_hand),
                        "counted_quantity": str(on_hand),
                        "departments": sorted(departments, key=repr),  # as the writer's sets
                        "explanation": None,
                    },
                },
                lambda: count_stock(  # (called at once, or not at all)
                    at=counted_at,
                    line=stock_count(
                        count_id=f"SC-{month}",
                        period_end=day,
                        product_id=p.product.id,  # noqa: B023
                        book_quantity=on_hand,  # noqa: B023
                        counted_quantity=on_hand,  # noqa: B023
                        departments=departments,  # noqa: B023
                    ),
                ),
            )
        # Two lines a month for every open contract (a third of the stream): built trusted;
        # the finance book's line is the sales book's but for its book and collected amount,
        # and so is its JSON data (:meth:`~salesctl.demo.host.Host.record_data`).
        keep_ledger, ledger_line = trusted(KeepContractLedger), trusted(ContractLedgerLine)
        at = when + dt.timedelta(minutes=45)
        skew_ledger = skew.get("ledger", {})
        sales_book = to_data(LedgerBook.SALES)
        finance_book = to_data(LedgerBook.FINANCE)
        at_text = at.isoformat()
        day_text = day.isoformat()
        # The host's ledger has no fold for these lines: written from their data alone when
        # folding them would change nothing but its count of them (``direct_ok``; the same
        # for every line here, all at ``at``), built and folded otherwise.
        direct = direct_ok(self, "KeepContractLedger", at)
        sink, unfolded = self.sink, self.ledger.unfolded
        for cid, info in sorted(self.contracts.items()):
            deal: Deal | None = info["deal"]
            if info.get("done") or deal is None:
                continue
            k = info["contract"]
            # The lines' JSON data, every field in order (``event_data``'s, checked as the
            # encoded line when a test sets ``_VERIFY_DATA``): the sales book's, the finance
            # book's (its own collected amount).
            line = {
                "contract_id": cid,
                "customer_id": k.customer_id,
                "book": sales_book,
                "as_of": day_text,
                "value": str(k.amount),
                "delivered": cny_text(deal.delivered_value),
                "invoiced": cny_text(deal.invoiced),
                "collected": cny_text(info["collected"] + skew_ledger.get(cid, ZERO)),
            }
            data = {"type": "KeepContractLedger", "at": at_text, "line": line}
            finance_line = {**line, "book": finance_book, "collected": cny_text(info["collected"])}
            finance_data = {**data, "line": finance_line}
            if direct:
                sink(data)
                sink(finance_data)
                self.written += 2
                unfolded["KeepContractLedger"] = unfolded.get("KeepContractLedger", 0) + 2
                continue
            delivered = cny(deal.delivered_value)
            invoiced = cny(deal.invoiced)
            for book, collected, written in (
                (LedgerBook.SALES, cny(info["collected"] + skew_ledger.get(cid, ZERO)), data),
                (LedgerBook.FINANCE, cny(info["collected"]), finance_data),
            ):
                record = keep_ledger(
                    at=at,
                    line=ledger_line(
                        contract_id=cid,
                        customer_id=k.customer_id,
                        book=book,
                        as_of=day,
                        value=k.amount,
                        delivered=delivered,
                        invoiced=invoiced,
                        collected=collected,
                    ),
                )
                self.record_data(record, written)
        for cust in self.distributors:
            self.consignment_count(
                cust, day, when + dt.timedelta(minutes=50), skew.get("consignment", {}).get(cust.id)
            )
        self.accrue_and_analyse(day, when + dt.timedelta(minutes=55))

    # -- issue 14: receipts, commission accrual, analysis, storage, promotions -----------

    COMMISSION_RATE = Decimal("0.02")
    #: The storage areas of the demo warehouse and their categories (O2C-IN-02).
    AREAS = (("CHILL-01", "chilled"), ("FRZ-01", "frozen"))

    def accrue_and_analyse(self, day: dt.date, when: dt.datetime) -> None:
        """The month's commission accrual agreed with finance (O2C-CM-02) and the collections
        analysis by salesperson and customer (O2C-MN-03)."""

        month = day.isoformat()[:7]
        skew = self.skews.get(month, {})
        collected = cny(self.collected_by_month.get(month, ZERO))
        accrued = collected.times(self.COMMISSION_RATE) + cny(skew.get("accrual", ZERO))
        self.record(
            AccrueCommission(
                at=when,
                accrual=CommissionAccrual(
                    accrual_id=f"ACR-{month}",
                    unit="sales",
                    period_end=day,
                    collected=collected,
                    rate=self.COMMISSION_RATE,
                    accrued=accrued,
                    finance_collected=collected,
                    reconciled_on=day,
                    reconciled_by="u-finance-head",
                ),
            )
        )
        if skew.get("no_collections"):
            return
        self.record(
            AnalyseCollections(
                at=when + dt.timedelta(minutes=2),
                analysis=CollectionsAnalysis(
                    analysis_id=f"CA-{month}",
                    period_end=day,
                    performed_on=day,
                    performed_by="u-sales-finance",
                    salespeople=frozenset(self.order_creators),
                    customers=frozenset(c.id for c in self.customers),
                ),
            )
        )

    def storage_year(self) -> None:
        """The storage areas, registered on 1 January, and one reading each a day (O2C-IN-02)."""

        jan1 = dt.date(self.year, 1, 1)
        start = self.at(jan1, 0, 2)
        for area_id, category in self.AREAS:
            self.schedule(
                start,
                lambda t, a=area_id, c=category: self.record(
                    RegisterStorageArea(at=t, area=StorageArea(a, c, jan1))
                ),
            )
        base = {"chilled": Decimal("2.0"), "frozen": Decimal("-20.0")}
        read, keep = trusted(StorageReading), trusted(ReadStorage)
        day = jan1
        while day.year == self.year:
            step = Decimal(day.toordinal() % 5) / 5
            for area_id, category in self.AREAS:
                reading = read(
                    area_id=area_id,
                    read_on=day,
                    temperature=base[category] + step,
                    humidity=None,
                    read_by="u-warehouse",
                )
                self.schedule(
                    self.at(day, 7, 30),
                    lambda t, r=reading: write_unfolded(  # from its data (``direct_ok``)
                        self,
                        t,
                        {
                            "type": "ReadStorage",
                            "at": iso_time(t),
                            "reading": {
                                "area_id": r.area_id,
                                "read_on": iso_date(r.read_on),
                                "temperature": str(r.temperature),
                                "humidity": None if r.humidity is None else str(r.humidity),
                                "read_by": r.read_by,
                            },
                        },
                        lambda: keep(at=t, reading=r),
                    ),
                )
            day += dt.timedelta(days=1)

    def promotion(
        self, start: dt.date, days: int, when: dt.datetime, *, evaluate: bool = True
    ) -> Promotion:
        """A promotion of ``days`` days from ``start``, evaluated a week after it ends."""

        p = Promotion(
            promotion_id=f"PROMO-{start.isoformat()}",
            name=f"member offer {start.isoformat()[:7]}",
            starts_on=start,
            ends_on=start + dt.timedelta(days=days - 1),
        )
        self.record(RunPromotion(at=when, promotion=p))
        if evaluate:
            done = self.at(p.ends_on + dt.timedelta(days=7), 15)
            self.schedule(
                done,
                lambda t: self.record(
                    EvaluatePromotion(
                        at=t,
                        evaluation=PromotionEvaluation(
                            promotion_id=p.promotion_id,
                            evaluated_on=t.date(),
                            evaluated_by="u-marketing-analyst",
                            result="sales up on the offer lines; gift cost within budget",
                        ),
                    )
                ),
            )
        return p

    def consignment_count(
        self, cust: HostCustomer, day: dt.date, when: dt.datetime, wrong: Decimal | None
    ) -> None:
        """A distributor's month-end consignment count, settled and paid by the 3rd (O2C-AR-02)."""

        opening = Decimal(self.rng.randrange(18000, 29000))
        counted = (opening * Decimal(self.rng.randint(20, 70)) / 100).quantize(Decimal(1))
        settle = opening - counted + (wrong or ZERO)
        count = ConsignmentCount(
            count_id=f"CC-{cust.id}-{day.isoformat()[:7]}",
            customer_id=cust.id,
            period_end=day,
            opening=cny(opening),
            counted=cny(counted),
            settlement=cny(settle),
            confirmed=True,
        )
        self.record(CountConsignment(at=when, count=count))
        pay_day = day + dt.timedelta(days=3)
        self.schedule(
            self.at(pay_day, 10),
            lambda t: self.record(
                CountConsignment(
                    at=t, count=attrs.evolve(count, paid=count.settlement, paid_on=t.date())
                )
            ),
        )

    # -- plans, targets, analyses, assessments (O2C-PL-01, O2C-MN-01, O2C-MN-02) ------------

    UNITS = ("east-1", "east-2", "east-3")

    def submit_plan(
        self,
        kind: str,
        start: dt.date,
        end: dt.date,
        when: dt.datetime,
        *,
        expect: Iterable[str] = (),
    ) -> Any:
        """Submit a sales plan; its approvals are obtained before it takes effect."""

        months = (end.year - start.year) * 12 + end.month - start.month + 1
        amount = Decimal(self.n_orders * 9000 * months // 12 + 100000)
        plan = SalesPlan(
            id=f"PLAN-{start.isoformat()[:7] if kind == 'monthly' else start.year}",
            kind=PlanKind.MONTHLY if kind == "monthly" else PlanKind.ANNUAL,
            start=start,
            end=end,
            amount=cny(amount),
            prepared_by="u-planner",
        )
        planner = Actor(
            id="u-planner", roles=frozenset({"marketing_planner"}), org_unit="marketing"
        )
        if not expect and plan.id in self.skews.get("plans", {}):
            expect = self.skews["plans"][plan.id]
        self.post(SubmitSalesPlan(plan=plan, actor=planner, at=when), expect=expect)
        return plan

    def month_targets(self, year: int, month: int, when: dt.datetime) -> None:

        for unit in self.UNITS:
            amount = Decimal(self.n_orders * 3000 // 12 + 10000)
            self.record(
                SetSalesTarget(
                    at=when,
                    target=SalesTarget(
                        unit=unit, period=Period.month(year, month), amount=cny(amount)
                    ),
                )
            )

    def month_review(
        self, year: int, month: int, when: dt.datetime, *, skip: str | None = None
    ) -> None:
        """Actual sales of the month by unit, then each unit's analysis a few days later."""

        key = f"{year}-{month:02d}"
        for unit in self.UNITS:
            amount = self._sold.get((unit, key), ZERO)
            self.record(
                ReportSalesActual(
                    at=when,
                    actual=SalesActual(
                        unit=unit, period=Period.month(year, month), amount=cny(amount)
                    ),
                )
            )
        later = self.later(when, 2, 6)
        self.schedule(later, lambda t: self.analyse(year, month, t, skip=skip))

    def analyse(self, year: int, month: int, when: dt.datetime, *, skip: str | None = None) -> None:

        skip = skip or self.skews.get(f"{year}-{month:02d}", {}).get("no_analysis")
        for unit in self.UNITS:
            if unit == skip:
                continue
            self.record(
                AnalyseSales(
                    at=when,
                    analysis=SalesAnalysis(
                        unit=unit,
                        period=Period.month(year, month),
                        performed_on=when.date(),
                        performed_by="u-marketing-analyst",
                        reviewed_by="u-deputy-manager",
                        actions="targets, pricing and visits adjusted for the shortfall lines",
                    ),
                )
            )

    def assess(self, year: int, quarter: int, when: dt.datetime, *, linked: bool = True) -> None:
        linked = linked and f"{year}-Q{quarter}" not in self.skews.get("unlinked", {})

        self.record(
            AssessPerformance(
                at=when,
                assessment=PerformanceAssessment(
                    unit="marketing",
                    period=Period.quarter(year, quarter),
                    assessed_on=when.date(),
                    assessed_by="u-performance-office",
                    result="B+",
                    linked_to_rewards=linked,
                ),
            )
        )

    def _management(self) -> None:
        """Schedule the year's plans, targets, actuals, analyses and assessments (and the
        previous year's that fall due in this one)."""
        y = self.year
        jan1 = self.at(dt.date(y, 1, 1), 0, 5)
        self.schedule(
            jan1, lambda t: self.submit_plan("annual", dt.date(y, 1, 1), dt.date(y, 12, 31), t)
        )
        self.schedule(
            jan1 + dt.timedelta(minutes=5),
            lambda t: self.submit_plan("monthly", dt.date(y, 1, 1), dt.date(y, 1, 31), t),
        )
        self.schedule(jan1 + dt.timedelta(minutes=10), lambda t: self.month_targets(y - 1, 12, t))
        self.schedule(jan1 + dt.timedelta(minutes=15), lambda t: self.month_review(y - 1, 12, t))
        self.schedule(self.at(dt.date(y, 1, 20), 15), lambda t: self.assess(y - 1, 4, t))
        dec = dt.date(y - 1, 12, 31)
        self.schedule(jan1 + dt.timedelta(minutes=16), lambda t: self.accrue_and_analyse(dec, t))
        self.storage_year()
        for m in (2, 5, 8, 11):
            start = dt.date(y, m, 1)
            self.schedule(self.at(start, 8), lambda t, s=start: self.promotion(s, 10, t))
        for m in range(1, 13):
            first = dt.date(y, m, 1)
            nxt = dt.date(y + (m == 12), m % 12 + 1, 1)
            self.schedule(self.at(first, 0, 20), lambda t, m=m: self.month_targets(y, m, t))
            if m < 12:
                submit = self.at(dt.date(y, m, 25), 16)
                end = dt.date(y + (m + 1 == 13), (m % 12) + 1, 1)
                last = dt.date(end.year + (end.month == 12), end.month % 12 + 1, 1) - dt.timedelta(
                    days=1
                )
                self.schedule(submit, lambda t, s=end, e=last: self.submit_plan("monthly", s, e, t))
            self.schedule(
                self.at(nxt - dt.timedelta(days=1), 22), lambda t, m=m: self.month_review(y, m, t)
            )
            if m in (3, 6, 9):
                self.schedule(
                    self.at(nxt + dt.timedelta(days=14), 15),
                    lambda t, q=m // 3: self.assess(y, q, t),
                )

    # -- running -------------------------------------------------------------------------

    def run(
        self,
        injectors: Iterable[tuple[str, Injector, int]],
        progress: Callable[[float, int], None] | None = None,
    ) -> None:
        """Schedule the year's regular business and the injectors, then run it.

        Args:
            injectors: ``(control id, injector, latest month)``; each runs once, on a working
                day from February to its latest month (drawn in control-id order).
            progress: called now and then with the share of the year simulated (0 to 1) and
                the events written so far.
        """
        rng = self.rng
        year = self.year
        days = [dt.date(year, 1, 5) + dt.timedelta(days=i) for i in range(360)]
        days = [
            d for d in days if d.year == year and d.weekday() < 5 and d <= dt.date(year, 12, 10)
        ]
        # Cumulated once (what rng.choices does with ``weights`` on every call: same draws).
        weights = list(itertools.accumulate(c.weight for c in self.customers))
        per_day = self.n_orders / max(len(days), 1)
        for d in days:
            n = int(per_day) + (1 if rng.random() < per_day - int(per_day) else 0)
            for _ in range(n):
                cust = rng.choices(self.customers, cum_weights=weights)[0]
                when = self.at(d, randint(rng, 9, 17), randint(rng, 0, 59))
                if rng.random() < 0.06:
                    self.schedule(when, lambda t, c=cust: self.contract_deal(c, t))
                else:
                    self.schedule(when, lambda t, c=cust: self.place(self.new_order(c, t), c, t))
        for m in range(1, 13):
            nxt = dt.date(year + (m == 12), m % 12 + 1, 1)
            last = nxt - dt.timedelta(days=1)
            self.schedule(self.at(last, 21), lambda t: self.month_end(t.date()))
            if m > 1:
                for p in self.products:
                    self.schedule(
                        self.at(dt.date(year, m, 1), 7), lambda t, p=p: self.restock(p, t, 30)
                    )
        self._management()
        self.schedule(self.at(dt.date(year, 3, 3), 12, 30), self._bad_lines)
        for cid, fn, latest in sorted(injectors, key=lambda i: i[0]):
            choice = [d for d in days[10:] if d.month <= latest and d.month >= 2] or days
            d = rng.choice(choice)
            when = self.at(d, 13, rng.randint(0, 59))

            def go(t: dt.datetime, fn: Injector = fn, cid: str = cid) -> None:
                self._injector = cid
                try:
                    fn(self, t)
                finally:
                    self._injector = ""

            self.schedule(when, go)
        end = dt.datetime(year + 1, 1, 1, tzinfo=TZ)
        begin = dt.datetime(year, 1, 1, tzinfo=TZ)
        span = end - begin
        steps = 0
        # The cyclic garbage collector is not left to scan the growing state every few
        # thousand allocations (a fifth of the run's time): what each month leaves is frozen
        # out of its sight (as in the audit replay), and it runs once a quarter, in February,
        # May, August and November (the year's set-up leaves some cycles; the simulation
        # itself none: a monthly collection found nothing after January).
        collecting = gc.isenabled()
        frozen = gc.get_freeze_count()
        gc.disable()
        month = begin.month
        try:
            while self._queue:
                when, _, action = heapq.heappop(self._queue)
                if when >= end:
                    break
                if when.month != month:
                    month = when.month
                    if month % 3 == 2:
                        gc.collect()
                    gc.freeze()
                self._now = when
                action(when)
                steps += 1
                if progress is not None and not steps & 511:
                    progress(max((when - begin) / span, 0.0), self.written)
        finally:
            if not frozen:
                gc.unfreeze()
            if collecting:
                gc.enable()
        if progress is not None:
            progress(1.0, self.written)
