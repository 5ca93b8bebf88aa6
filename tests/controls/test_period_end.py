"""Period-end family: O2C-SO-01 (detective side), SO-03, CT-04, DL-06, BL-02, RR-01, IN-01."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

import salesctl as sc
from salesctl.controls.orders import OrdersPolicy
from salesctl.controls.period_end import (
    PeriodEndPolicy,
    detect_contract_ledger,
    detect_invoiced_quantity,
    detect_order_closing,
    detect_order_numbers,
    detect_revenue_agreement,
    detect_shipments,
    detect_stock_count,
)
from salesctl.errors import InvalidInput
from salesctl.reconcile import (
    BilledLine,
    ContractLedgerLine,
    DeliveryRecord,
    GLRevenue,
    LedgerBook,
    OrderEntry,
    Period,
    Records,
    SalesInvoice,
    ShipmentCount,
    StockCount,
    SystemInvoice,
)

MARCH = Period.month(2026, 3)
POLICY = PeriodEndPolicy()


def d(day: int, month: int = 3) -> dt.date:
    return dt.date(2026, month, day)


def cny(x: str | int) -> sc.Money:
    return sc.Money(str(x), "CNY")


def entry(seq: int, day: int = 2, series: str = "SO", **kw: object) -> OrderEntry:
    return OrderEntry(
        order_id=kw.pop("order_id", f"{series}-{seq}"),  # type: ignore[arg-type]
        series=series,
        seq=seq,
        customer_id="C-1",
        created_on=d(day),
        **kw,  # type: ignore[arg-type]
    )


def outcomes(result: object) -> list[tuple[str, str, str]]:
    return [
        (f.control_id, f.outcome.name, f.facts[0][1])
        for f in result.findings  # type: ignore[attr-defined]
    ]


class TestOrderNumbers:
    def test_consecutive_numbers_pass(self) -> None:
        """S-CP 3.1.1: orders numbered 1, 2, 3 in the month leave nothing to report."""
        r = detect_order_numbers(
            Records(orders=[entry(1), entry(2), entry(3)]), MARCH, OrdersPolicy()
        )
        assert r.tested == 3 and r.findings == ()

    def test_gap_is_held_for_the_gap_approver(self) -> None:
        """A missing number is a HOLD for the orders policy's gap-approval role."""
        r = detect_order_numbers(
            Records(orders=[entry(1), entry(2), entry(4)]), MARCH, OrdersPolicy()
        )
        assert outcomes(r) == [("O2C-SO-01", "HOLD", "SO/3")]
        assert r.findings[0].required[0].role == OrdersPolicy().gap_approval_role

    def test_a_run_of_missing_numbers_is_one_finding(self) -> None:
        """Numbers 3–6 missing are reported once, as a range."""
        r = detect_order_numbers(
            Records(orders=[entry(1), entry(2), entry(7)]), MARCH, OrdersPolicy()
        )
        assert outcomes(r) == [("O2C-SO-01", "HOLD", "SO/3-6")]
        assert "SO/3–6" in r.findings[0].text()

    def test_duplicate_is_blocked_once(self) -> None:
        """A number used twice is a BLOCK naming both orders."""
        orders = [entry(1), entry(2), entry(2, day=5, order_id="SO-2b")]
        r = detect_order_numbers(Records(orders=orders), MARCH, OrdersPolicy())
        assert outcomes(r) == [("O2C-SO-01", "BLOCK", "SO/2")]
        assert dict(r.findings[0].facts)["other"] == "SO-2"

    def test_number_reused_below_opening_is_blocked(self) -> None:
        """A number at or below the series' opening number duplicates a number issued before."""
        records = Records(orders=[entry(40), entry(42)], opening_numbers={"SO": 41})
        r = detect_order_numbers(records, MARCH, OrdersPolicy())
        assert ("O2C-SO-01", "BLOCK", "SO/40") in outcomes(r)

    def test_numbers_continue_from_earlier_months_and_opening(self) -> None:
        """The gap check starts after the last number before the period (or the opening)."""
        feb = entry(5, day=20, order_id="SO-5")
        feb = OrderEntry(
            order_id="SO-5", series="SO", seq=5, customer_id="C-1", created_on=d(20, 2)
        )
        records = Records(orders=[feb, entry(6), entry(7)], opening_numbers={"SO": 4})
        assert detect_order_numbers(records, MARCH, OrdersPolicy()).findings == ()
        # The same March orders without February: 5 is missing.
        r = detect_order_numbers(
            Records(orders=[entry(6), entry(7)], opening_numbers={"SO": 4}), MARCH, OrdersPolicy()
        )
        assert outcomes(r) == [("O2C-SO-01", "HOLD", "SO/5")]

    def test_voided_orders_keep_their_numbers(self) -> None:
        """A voided order's number is used, not a gap."""
        r = detect_order_numbers(
            Records(orders=[entry(1), entry(2, voided=True), entry(3)]), MARCH, OrdersPolicy()
        )
        assert r.findings == ()

    def test_series_are_independent(self) -> None:
        """Each series is numbered on its own."""
        orders = [entry(1), entry(2), entry(1, series="EX"), entry(2, series="EX")]
        assert detect_order_numbers(Records(orders=orders), MARCH, OrdersPolicy()).findings == ()


class TestOrderClosing:
    def test_completed_order_closed_in_time_passes(self) -> None:
        """S-IC 5.1: an order completed 1 Feb and closed 20 Feb passes (deadline 4 Mar)."""
        e = entry(1, completed_on=d(1, 2), closed_on=d(20, 2))
        r = detect_order_closing(Records(orders=[e]), MARCH, POLICY)
        assert r.tested == 1 and r.findings == ()

    def test_completed_order_left_open_is_held(self) -> None:
        """An order completed 1 Feb and still open at its deadline is a HOLD."""
        e = entry(1, completed_on=d(1, 2))
        r = detect_order_closing(Records(orders=[e]), MARCH, POLICY)
        assert outcomes(r) == [("O2C-SO-03", "HOLD", "SO-1")]
        assert dict(r.findings[0].facts)["reason"] == "completed"

    def test_expired_order_closed_late_is_held(self) -> None:
        """An order valid until 31 Jan (expired 1 Feb) closed on 10 Mar is late."""
        e = entry(1, valid_until=d(31, 1), closed_on=d(10))
        r = detect_order_closing(Records(orders=[e]), MARCH, POLICY)
        assert outcomes(r) == [("O2C-SO-03", "HOLD", "SO-1")]
        assert dict(r.findings[0].facts)["reason"] == "expired"

    def test_deadline_outside_period_is_not_tested(self) -> None:
        """Completed 20 Mar: due 20 Apr, so March does not test it."""
        r = detect_order_closing(Records(orders=[entry(1, completed_on=d(20))]), MARCH, POLICY)
        assert r.tested == 0

    def test_voided_and_open_orders_are_not_tested(self) -> None:
        """Voiding closes an order; an open, unexpired order has nothing due."""
        orders = [entry(1, completed_on=d(1, 2), voided=True), entry(2)]
        assert detect_order_closing(Records(orders=orders), MARCH, POLICY).tested == 0


def ledger(book: LedgerBook, collected: str = "60000", **kw: object) -> ContractLedgerLine:
    values: dict[str, object] = {
        "contract_id": "HT-1",
        "customer_id": "C-1",
        "book": book,
        "as_of": d(31),
        "value": cny(100000),
        "delivered": cny(80000),
        "invoiced": cny(60000),
        "collected": cny(collected),
    }
    values.update(kw)
    return ContractLedgerLine(**values)  # type: ignore[arg-type]


class TestContractLedger:
    def test_agreeing_ledgers_pass(self) -> None:
        """S-K1 12: sales and finance ledgers agree on the contract."""
        records = Records(contract_ledger=[ledger(LedgerBook.SALES), ledger(LedgerBook.FINANCE)])
        r = detect_contract_ledger(records, MARCH, POLICY)
        assert r.tested == 1 and r.findings == ()

    def test_difference_is_held(self) -> None:
        """Collected 60,000 in sales' ledger but 50,000 in finance's: a HOLD naming the field."""
        records = Records(
            contract_ledger=[
                ledger(LedgerBook.SALES),
                ledger(LedgerBook.FINANCE, collected="50000"),
            ]
        )
        r = detect_contract_ledger(records, MARCH, POLICY)
        assert outcomes(r) == [("O2C-CT-04", "HOLD", "HT-1")]
        assert "collected" in dict(r.findings[0].facts)

    def test_contract_in_one_ledger_is_held(self) -> None:
        """A contract only sales recorded is missing from finance's ledger."""
        r = detect_contract_ledger(
            Records(contract_ledger=[ledger(LedgerBook.SALES)]), MARCH, POLICY
        )
        assert outcomes(r) == [("O2C-CT-04", "HOLD", "HT-1")]
        assert "finance" in r.findings[0].text()

    def test_latest_line_of_the_month_counts(self) -> None:
        """An earlier, differing reading is superseded by the month-end one."""
        records = Records(
            contract_ledger=[
                ledger(LedgerBook.SALES, collected="1", as_of=d(15)),
                ledger(LedgerBook.SALES),
                ledger(LedgerBook.FINANCE),
            ]
        )
        assert detect_contract_ledger(records, MARCH, POLICY).findings == ()


def delivery(
    gi: str = "GI-1", qty: str = "10", product: str = "P-1", day: int = 5
) -> DeliveryRecord:
    return DeliveryRecord(
        goods_issue_id=gi,
        order_id="SO-1",
        customer_id="C-1",
        product_id=product,
        quantity=Decimal(qty),
        posted_on=d(day),
    )


class TestShipments:
    def test_actual_equals_system_passes(self) -> None:
        """S-IC 7.1: system 10 + 5 and actual 15 agree."""
        records = Records(
            deliveries=[delivery(), delivery("GI-2", "5")],
            shipment_counts=[
                ShipmentCount(product_id="P-1", period_end=d(31), actual_quantity=Decimal("15"))
            ],
        )
        r = detect_shipments(records, MARCH, POLICY)
        assert r.tested == 1 and r.findings == ()

    def test_unexplained_difference_is_held(self) -> None:
        """System 15, actual 14, no cause found: a HOLD for the shipment role."""
        records = Records(
            deliveries=[delivery(), delivery("GI-2", "5")],
            shipment_counts=[
                ShipmentCount(product_id="P-1", period_end=d(31), actual_quantity=Decimal("14"))
            ],
        )
        r = detect_shipments(records, MARCH, POLICY)
        assert outcomes(r) == [("O2C-DL-06", "HOLD", "P-1@2026-03-31")]
        assert dict(r.findings[0].facts)["difference"] == "-1"

    def test_explained_difference_is_evidence(self) -> None:
        """A difference with its cause recorded is ALLOW evidence, not an exception."""
        count = ShipmentCount(
            product_id="P-1",
            period_end=d(31),
            actual_quantity=Decimal("14"),
            system_quantity=Decimal("15"),
            explanation="1 t returned at the gate, GI reversed 1 Apr",
        )
        r = detect_shipments(Records(shipment_counts=[count]), MARCH, POLICY)
        assert outcomes(r) == [("O2C-DL-06", "ALLOW", "P-1@2026-03-31")]

    def test_threshold_is_a_policy_parameter(self) -> None:
        """With max_shipment_difference 1, a difference of 1 passes."""
        count = ShipmentCount(
            product_id="P-1",
            period_end=d(31),
            actual_quantity=Decimal("14"),
            system_quantity=Decimal("15"),
        )
        policy = PeriodEndPolicy(max_shipment_difference=Decimal("1"))
        assert detect_shipments(Records(shipment_counts=[count]), MARCH, policy).findings == ()

    def test_product_shipped_but_not_compared_is_blocked(self) -> None:
        """A product the system shipped with no month-end comparison: the control did not operate."""
        r = detect_shipments(Records(deliveries=[delivery(product="P-9")]), MARCH, POLICY)
        assert outcomes(r) == [("O2C-DL-06", "BLOCK", "P-9@2026-03")]


def sys_invoice(
    id: str = "SI-1",
    amount: str = "10000",
    day: int = 5,
    lines: tuple[BilledLine, ...] | None = None,
) -> SystemInvoice:
    return SystemInvoice(
        invoice_id=id,
        customer_id="C-1",
        issued_on=d(day),
        amount=cny(amount),
        lines=lines
        if lines is not None
        else (BilledLine(product_id="P-1", quantity=Decimal("10"), goods_issue_id="GI-1"),),
    )


DAY5 = Period.day(d(5))


class TestInvoicedQuantity:
    def test_invoice_for_the_delivered_quantity_passes(self) -> None:
        """S-IC 7.1: 10 delivered, 10 invoiced from that delivery."""
        r = detect_invoiced_quantity(
            Records(deliveries=[delivery()], system_invoices=[sys_invoice()]), DAY5, POLICY
        )
        assert r.tested == 1 and r.findings == ()

    def test_partial_invoices_add_up(self) -> None:
        """6 then 4 on a delivery of 10 pass; a further 1 is over the delivery."""
        six = sys_invoice(
            "SI-1",
            lines=(BilledLine(product_id="P-1", quantity=Decimal("6"), goods_issue_id="GI-1"),),
            day=5,
        )
        four = sys_invoice(
            "SI-2",
            lines=(BilledLine(product_id="P-1", quantity=Decimal("4"), goods_issue_id="GI-1"),),
            day=6,
        )
        one = sys_invoice(
            "SI-3",
            lines=(BilledLine(product_id="P-1", quantity=Decimal("1"), goods_issue_id="GI-1"),),
            day=7,
        )
        records = Records(deliveries=[delivery()], system_invoices=[six, four, one])
        assert detect_invoiced_quantity(records, Period.day(d(6)), POLICY).findings == ()
        r = detect_invoiced_quantity(records, Period.day(d(7)), POLICY)
        assert outcomes(r) == [("O2C-BL-02", "HOLD", "SI-3")]

    def test_invoice_over_the_delivery_is_held(self) -> None:
        """12 invoiced on a delivery of 10: a HOLD."""
        inv = sys_invoice(
            lines=(BilledLine(product_id="P-1", quantity=Decimal("12"), goods_issue_id="GI-1"),)
        )
        r = detect_invoiced_quantity(
            Records(deliveries=[delivery()], system_invoices=[inv]), DAY5, POLICY
        )
        assert outcomes(r) == [("O2C-BL-02", "HOLD", "SI-1")]

    @pytest.mark.parametrize(
        "line",
        [
            BilledLine(product_id="P-1", quantity=Decimal("1")),
            BilledLine(product_id="P-1", quantity=Decimal("1"), goods_issue_id="GI-X"),
            BilledLine(product_id="P-2", quantity=Decimal("1"), goods_issue_id="GI-1"),
        ],
        ids=["no-delivery", "unknown-delivery", "product-not-delivered"],
    )
    def test_invoice_without_a_system_delivery_is_blocked(self, line: BilledLine) -> None:
        """S-IC 5.2: an invoice line not generated from a posted delivery is a BLOCK."""
        r = detect_invoiced_quantity(
            Records(deliveries=[delivery()], system_invoices=[sys_invoice(lines=(line,))]),
            DAY5,
            POLICY,
        )
        assert outcomes(r) == [("O2C-BL-02", "BLOCK", "SI-1")]


def sales_invoice(
    no: str = "FP-1", sys_id: str | None = "SI-1", amount: str = "10000", day: int = 5
) -> SalesInvoice:
    return SalesInvoice(
        number=no, customer_id="C-1", issued_on=d(day), amount=cny(amount), system_invoice_id=sys_id
    )


def gl(v: str = "V-1", inv: str | None = "SI-1", amount: str = "10000", day: int = 5) -> GLRevenue:
    return GLRevenue(voucher_id=v, posted_on=d(day), amount=cny(amount), invoice_id=inv)


class TestRevenueAgreement:
    def test_matching_documents_pass_daily(self) -> None:
        """S-IC 8.1: sales invoice, system invoice and voucher agree."""
        records = Records(
            system_invoices=[sys_invoice()], sales_invoices=[sales_invoice()], gl_revenue=[gl()]
        )
        r = detect_revenue_agreement(records, DAY5, POLICY)
        assert r.tested == 3 and r.findings == ()

    def test_matching_totals_pass_monthly(self) -> None:
        """Month end: the three totals agree."""
        records = Records(
            system_invoices=[sys_invoice()], sales_invoices=[sales_invoice()], gl_revenue=[gl()]
        )
        assert detect_revenue_agreement(records, MARCH, POLICY).findings == ()

    def test_invoice_outside_the_system_is_blocked(self) -> None:
        """A sales invoice with no system invoice behind it."""
        records = Records(sales_invoices=[sales_invoice(sys_id=None)])
        r = detect_revenue_agreement(records, DAY5, POLICY)
        assert outcomes(r) == [("O2C-RR-01", "BLOCK", "FP-1")]

    def test_sales_invoice_differing_from_its_system_invoice_is_held(self) -> None:
        """Sales invoice 9,000 against system invoice 10,000."""
        records = Records(
            system_invoices=[sys_invoice()],
            sales_invoices=[sales_invoice(amount="9000")],
            gl_revenue=[gl()],
        )
        r = detect_revenue_agreement(records, DAY5, POLICY)
        assert outcomes(r) == [("O2C-RR-01", "HOLD", "FP-1")]

    def test_system_invoice_not_issued_or_not_posted_is_held(self) -> None:
        """A system invoice with no sales invoice and no revenue voucher by its deadline."""
        r = detect_revenue_agreement(Records(system_invoices=[sys_invoice()]), DAY5, POLICY)
        assert sorted(f.message for f in r.findings) == [
            "period_end.invoice_not_posted",
            "period_end.system_invoice_not_issued",
        ]

    def test_deadlines_are_policy_parameters(self) -> None:
        """With 2 days to issue and post, day 5 has nothing due; day 7 does."""
        policy = PeriodEndPolicy(sales_invoice_within_days=2, posting_within_days=2)
        records = Records(system_invoices=[sys_invoice()])
        assert detect_revenue_agreement(records, DAY5, policy).findings == ()
        assert len(detect_revenue_agreement(records, Period.day(d(7)), policy).findings) == 2

    def test_manual_and_unknown_revenue_entries(self) -> None:
        """A revenue voucher with no invoice is held; one booking an unknown invoice is blocked."""
        records = Records(gl_revenue=[gl("V-1", None), gl("V-2", "SI-404")])
        assert outcomes(detect_revenue_agreement(records, DAY5, POLICY)) == [
            ("O2C-RR-01", "HOLD", "V-1"),
            ("O2C-RR-01", "BLOCK", "V-2"),
        ]

    def test_month_totals_that_differ_are_held(self) -> None:
        """GL revenue 12,000 against invoices of 10,000 at month end."""
        records = Records(
            system_invoices=[sys_invoice()],
            sales_invoices=[sales_invoice()],
            gl_revenue=[gl(), gl("V-2", None, "2000")],
        )
        r = detect_revenue_agreement(records, MARCH, POLICY)
        assert outcomes(r) == [("O2C-RR-01", "HOLD", "revenue@2026-03/CNY")]
        assert dict(r.findings[0].facts)["gl_revenue"] == "12000.00 CNY"


def count(
    product: str = "P-1", book: str = "100", counted: str = "100", **kw: object
) -> StockCount:
    values: dict[str, object] = {
        "count_id": "PD-03",
        "period_end": d(31),
        "product_id": product,
        "book_quantity": Decimal(book),
        "counted_quantity": Decimal(counted),
        "departments": frozenset({"production", "sales", "warehouse", "finance"}),
    }
    values.update(kw)
    return StockCount(**values)  # type: ignore[arg-type]


class TestStockCount:
    def test_joint_count_agreeing_with_books_passes(self) -> None:
        """S-IC 10.1: all four departments counted and the books agree."""
        r = detect_stock_count(Records(stock_counts=[count()]), MARCH, POLICY)
        assert r.tested == 1 and r.findings == ()

    def test_missing_department_is_held(self) -> None:
        """Finance did not take part."""
        c = count(departments=frozenset({"production", "sales", "warehouse"}))
        r = detect_stock_count(Records(stock_counts=[c]), MARCH, POLICY)
        assert outcomes(r) == [("O2C-IN-01", "HOLD", "PD-03/P-1")]
        assert "finance" in r.findings[0].text()

    def test_unexplained_difference_is_held_and_explained_is_evidence(self) -> None:
        """Counted 98 against 100 on the books: HOLD, or ALLOW once the cause is recorded."""
        r = detect_stock_count(Records(stock_counts=[count(counted="98")]), MARCH, POLICY)
        assert outcomes(r) == [("O2C-IN-01", "HOLD", "PD-03/P-1")]
        r = detect_stock_count(
            Records(stock_counts=[count(counted="98", explanation="2 bags damaged, written off")]),
            MARCH,
            POLICY,
        )
        assert outcomes(r) == [("O2C-IN-01", "ALLOW", "PD-03/P-1")]

    def test_month_without_count_is_blocked_unless_not_required(self) -> None:
        """No count at all: the control did not operate."""
        assert outcomes(detect_stock_count(Records(), MARCH, POLICY)) == [
            ("O2C-IN-01", "BLOCK", "stock@2026-03")
        ]
        assert (
            detect_stock_count(
                Records(), MARCH, PeriodEndPolicy(require_stock_count=False)
            ).findings
            == ()
        )


class TestPolicy:
    @pytest.mark.parametrize(
        "kwargs",
        [
            {"close_within_days": -1},
            {"max_shipment_difference": Decimal("-1")},
            {"max_stock_difference": 1.5},
            {"shipment_role": ""},
            {"count_departments": ["sales", ""]},
        ],
    )
    def test_bad_parameters_are_refused(self, kwargs: dict[str, object]) -> None:
        """Impossible parameters raise InvalidInput."""
        with pytest.raises(InvalidInput):
            PeriodEndPolicy(**kwargs)  # type: ignore[arg-type]

    def test_policy_file_table(self) -> None:
        """The family is configured in the [period_end] table of the policy file."""
        p = sc.loads_policy('[period_end]\nclose_within_days = 45\nmax_stock_difference = "0.5"\n')
        fam = p.family("period_end")
        assert fam.close_within_days == 45 and fam.max_stock_difference == Decimal("0.5")
