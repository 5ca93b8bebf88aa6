"""The revenue family, control by control: each fires and each passes.

The cases follow the seed: S-K1 8 (发货单客户联须经客户方签收方可财务入帐) and S-YF 9–11 (客户
签收;物流送货附物流公司回单;核算会计确认收入,冲销预收账款;快递单或托运单与回执联匹配成套;
铺货月底盘点,期初金额−盘点金额=结算金额,双方财务核对无误).
"""

from __future__ import annotations

import string

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import salesctl as sc
from salesctl.controls import revenue
from salesctl.reconcile import GLRevenue, Period, Records, SalesInvoice
from tests import builders as b
from tests.controls._records import DAY5, MARCH, cny, d, outcomes, sys_invoice

SHIPPED = b.goods_issue(posted=True)
BY_TRUCK = b.goods_issue(posted=True, mode=sc.DeliveryMode.LOGISTICS, carrier_ref="SF-7781")
POLICY = revenue.RevenuePolicy()


def only(cid: str, policy: sc.Policy | None = None) -> sc.Gate:
    return sc.Gate(policy, only=[cid])


def keys(d: sc.Decision) -> set[str]:
    return {f.message for f in d.findings}


def book(entry: sc.RevenueEntry | None = None) -> sc.BookRevenue:
    return sc.BookRevenue(
        entry=entry if entry is not None else b.revenue_entry(), actor=b.ACCOUNTANT, at=b.AT
    )


def record(r: sc.Receipt) -> sc.RecordReceipt:
    return sc.RecordReceipt(receipt=r, actor=b.ACCOUNTANT, at=b.AT)


class TestRR02DeliveryProof:
    def test_passes_with_customer_signature(self) -> None:
        """S-K1 8: the customer signed the delivery copy → revenue may be booked."""
        ctx = b.context(goods_issues=(SHIPPED,), delivery_proofs=(b.signed(),))
        assert only("O2C-RR-02").check(book(), ctx).outcome is sc.Outcome.ALLOW

    def test_blocks_unsigned(self) -> None:
        """No signed copy, no revenue."""
        d = only("O2C-RR-02").check(book(), b.context(goods_issues=(SHIPPED,)))
        assert keys(d) == {"revenue.proof_unsigned"}
        assert "客户签收" in d.explain("zh")

    def test_matched_logistics_receipt(self) -> None:
        """S-YF 10: a logistics delivery is proved by the carrier's receipt matching the waybill noted on the goods issue."""
        ctx = b.context(goods_issues=(BY_TRUCK,), delivery_proofs=(b.logistics_receipt(),))
        assert only("O2C-RR-02").check(book(), ctx).outcome is sc.Outcome.ALLOW

    def test_unmatched_logistics_receipt(self) -> None:
        """A receipt with another number, or for a direct delivery, proves nothing."""
        wrong = b.context(
            goods_issues=(BY_TRUCK,), delivery_proofs=(b.logistics_receipt(carrier_ref="SF-0000"),)
        )
        assert keys(only("O2C-RR-02").check(book(), wrong)) == {"revenue.proof_unmatched"}
        direct = b.context(
            goods_issues=(b.goods_issue(posted=True, carrier_ref="SF-7781"),),
            delivery_proofs=(b.logistics_receipt(),),
        )
        assert keys(only("O2C-RR-02").check(book(), direct)) == {"revenue.proof_unmatched"}

    def test_customer_signature_proves_any_mode(self) -> None:
        """A signed copy proves a logistics delivery too."""
        ctx = b.context(goods_issues=(BY_TRUCK,), delivery_proofs=(b.signed(),))
        assert only("O2C-RR-02").check(book(), ctx).outcome is sc.Outcome.ALLOW

    def test_discrepancy_blocks(self) -> None:
        """S-YF 9: the customer noted a difference in kind or quantity → not a clean sign-off."""
        ctx = b.context(goods_issues=(SHIPPED,), delivery_proofs=(b.signed(discrepancy=True),))
        assert keys(only("O2C-RR-02").check(book(), ctx)) == {"revenue.proof_discrepancy"}

    def test_proof_after_business_date_does_not_count(self) -> None:
        """A proof received after the business date is not yet on hand."""
        later = b.signed(received_on=b.TODAY.replace(day=3))
        assert (
            only("O2C-RR-02")
            .check(book(), b.context(goods_issues=(SHIPPED,), delivery_proofs=(later,)))
            .outcome
            is sc.Outcome.BLOCK
        )

    def test_goods_issue_problems(self) -> None:
        """Unknown, unposted or another customer's goods issue → BLOCK each."""
        entry = b.revenue_entry(goods_issue_ids=("GI-0042-1", "GI-X", "GI-OTHER"))
        ctx = b.context(
            goods_issues=(
                b.goods_issue(posted=False),
                b.goods_issue("GI-OTHER", customer_id="C-200", posted=True),
            ),
            delivery_proofs=(b.signed(), b.signed("GI-OTHER")),
        )
        assert keys(only("O2C-RR-02").check(book(entry), ctx)) == {
            "revenue.not_posted",
            "revenue.goods_issue_unknown",
            "revenue.other_customer",
        }

    def test_proof_kinds_validate(self) -> None:
        """A signed copy names who signed; a logistics receipt carries its number."""
        with pytest.raises(sc.InvalidInput) as e:
            b.signed(signed_by=" ")
        assert e.value.path == "DeliveryProof.signed_by"
        with pytest.raises(sc.InvalidInput) as e:
            sc.DeliveryProof(
                id="X", goods_issue_id="G", kind=sc.ProofKind.LOGISTICS_RECEIPT, received_on=b.TODAY
            )
        assert e.value.path == "DeliveryProof.carrier_ref"

    def test_logistics_modes_parameter(self) -> None:
        """With logistics_modes = ["logistics"], a courier waybill alone no longer proves delivery."""
        courier = b.goods_issue(posted=True, mode=sc.DeliveryMode.COURIER, carrier_ref="SF-7781")
        ctx = b.context(goods_issues=(courier,), delivery_proofs=(b.logistics_receipt(),))
        assert only("O2C-RR-02").check(book(), ctx).outcome is sc.Outcome.ALLOW
        p = sc.loads_policy('[revenue]\nlogistics_modes = ["logistics"]\n')
        assert only("O2C-RR-02", p).check(book(), ctx).outcome is sc.Outcome.BLOCK


class TestRR02Consignment:
    CONSIGNED = b.goods_issue(posted=True, consignment=True)

    def settlement(self, **kw: object) -> sc.ConsignmentSettlement:
        base: dict[str, object] = dict(
            id="CS-2026-02",
            customer_id="C-100",
            period_end=b.TODAY.replace(day=1),
            opening=b.cny("30000"),
            counted=b.cny("18000"),
            confirmed=True,
        )
        base.update(kw)
        return sc.ConsignmentSettlement(**base)  # type: ignore[arg-type]

    def ctx(self, *settlements: sc.ConsignmentSettlement) -> sc.Context:
        return b.context(
            goods_issues=(self.CONSIGNED,),
            delivery_proofs=(b.signed(),),
            consignment_settlements=settlements,
        )

    def test_passes_on_confirmed_settlement(self) -> None:
        """S-YF 11: 30,000 placed, 18,000 counted → 12,000 settled and recognised."""
        entry = b.revenue_entry(amount="12000", consignment_settlement_id="CS-2026-02")
        assert (
            only("O2C-RR-02").check(book(entry), self.ctx(self.settlement())).outcome
            is sc.Outcome.ALLOW
        )

    def test_blocks_revenue_on_shipment(self) -> None:
        """Consignment stock shipped and signed for is not yet sold."""
        d = only("O2C-RR-02").check(book(b.revenue_entry(amount="12000")), self.ctx())
        assert keys(d) == {"revenue.consignment_unsettled"}

    def test_blocks_unconfirmed_unknown_foreign_or_excess(self) -> None:
        """Unconfirmed, unknown, another customer's, or more than settled → BLOCK."""
        entry = b.revenue_entry(amount="12000.01", consignment_settlement_id="CS-2026-02")
        bad = self.settlement(confirmed=False, customer_id="C-200")
        assert keys(only("O2C-RR-02").check(book(entry), self.ctx(bad))) == {
            "revenue.consignment_unconfirmed",
            "revenue.consignment_other_customer",
            "revenue.consignment_over_settled",
        }
        assert keys(only("O2C-RR-02").check(book(entry), self.ctx())) == {
            "revenue.consignment_settlement_unknown"
        }

    def test_settlement_validates(self) -> None:
        """The count cannot exceed the opening stock."""
        with pytest.raises(sc.InvalidInput) as e:
            self.settlement(counted=b.cny("30000.01"))
        assert e.value.path == "ConsignmentSettlement.counted"
        assert self.settlement().settled == b.cny("12000")

    def test_parameter_off(self) -> None:
        """consignment_needs_settlement = false recognises consignment like any delivery."""
        p = sc.loads_policy("[revenue]\nconsignment_needs_settlement = false\n")
        assert only("O2C-RR-02", p).check(book(), self.ctx()).outcome is sc.Outcome.ALLOW


class TestRR03AdvanceReceipts:
    def ctx(self, advance: str | None, **kw: object) -> sc.Context:
        base: dict[str, object] = dict(
            advance_receipts={} if advance is None else {"C-100": b.cny(advance)}
        )
        base.update(kw)
        return b.context(**base)

    @pytest.mark.parametrize(
        ("advance", "offset", "outcome"),
        [
            ("0", None, sc.Outcome.ALLOW),
            ("3000", "3000", sc.Outcome.ALLOW),
            ("30000", "10000", sc.Outcome.ALLOW),
            ("3000", None, sc.Outcome.BLOCK),
            ("3000", "2999.99", sc.Outcome.BLOCK),
            ("30000", "9000", sc.Outcome.BLOCK),
            ("3000", "3000.01", sc.Outcome.BLOCK),
        ],
    )
    def test_offset_is_min_of_advance_and_revenue(
        self, advance: str, offset: str | None, outcome: sc.Outcome
    ) -> None:
        """S-YF 11 确认收入,冲销预收账款: revenue 10,000 must offset min(advance, 10,000)."""
        d = only("O2C-RR-03").check(book(b.revenue_entry(advance_offset=offset)), self.ctx(advance))
        assert d.outcome is outcome

    def test_messages(self) -> None:
        """Too little and too much offset are told apart."""
        assert keys(only("O2C-RR-03").check(book(), self.ctx("3000"))) == {
            "revenue.advance_not_offset"
        }
        too_much = book(b.revenue_entry(advance_offset="5000"))
        assert keys(only("O2C-RR-03").check(too_much, self.ctx("3000"))) == {
            "revenue.offset_exceeds_advance"
        }

    def test_unknown_balance_fails_closed(self) -> None:
        """The customer's advance balance must be stated, zero included."""
        assert keys(only("O2C-RR-03").check(book(), self.ctx(None))) == {"revenue.advance_unknown"}

    def test_offset_cannot_exceed_revenue(self) -> None:
        """An entry offsetting more than its own amount is malformed."""
        with pytest.raises(sc.InvalidInput) as e:
            b.revenue_entry(amount="100", advance_offset="100.01")
        assert e.value.path == "RevenueEntry.advance_offset"

    def test_receipt_within_open_receivables(self) -> None:
        """A receipt applied to receivables up to what is open passes; the rest is an advance."""
        ctx = b.context(exposure=b.exposure(receivables="40000"))
        r = b.receipt(amount="60000", to_receivables="40000")
        assert only("O2C-RR-03").check(record(r), ctx).outcome is sc.Outcome.ALLOW
        assert r.to_advance == b.cny("20000")

    def test_receipt_over_open_receivables(self) -> None:
        """Applying 60,000 against 40,000 open would hide a 20,000 advance → BLOCK."""
        d = only("O2C-RR-03").check(
            record(b.receipt(amount="60000", to_receivables="60000")),
            b.context(exposure=b.exposure(receivables="40000")),
        )
        assert keys(d) == {"revenue.receipt_over_receivables"}
        assert "20000.00 CNY" in d.explain("en")

    def test_receipt_without_receivables_fails_closed(self) -> None:
        """Without the customer's receivables the application cannot be checked."""
        d = only("O2C-RR-03").check(record(b.receipt()), b.context(exposure=None))
        assert keys(d) == {"revenue.receivables_unknown"}

    @settings(max_examples=100)
    @given(
        advance=st.integers(0, 50_000), amount=st.integers(1, 50_000), offset=st.integers(0, 50_000)
    )
    def test_property_exact_offset(self, advance: int, amount: int, offset: int) -> None:
        """ALLOW exactly when offset == min(advance, amount)."""
        if offset > amount:
            offset = amount
        d = only("O2C-RR-03").check(
            book(b.revenue_entry(amount=amount, advance_offset=offset)), self.ctx(str(advance))
        )
        assert (d.outcome is sc.Outcome.ALLOW) is (offset == min(advance, amount))


def test_proof_problem_helper() -> None:
    """proof_problem names the reason, or None."""
    assert revenue.proof_problem(SHIPPED, (b.signed(),), POLICY) is None
    assert revenue.proof_problem(SHIPPED, (), POLICY) == "unsigned"
    assert revenue.proof_problem(SHIPPED, (b.signed("GI-OTHER"),), POLICY) == "unsigned"


def test_every_message_has_the_same_fields_in_both_languages() -> None:
    """Every message of the family names the same parameters in Chinese and in English."""
    fmt = string.Formatter()
    for c in revenue.CONTROLS:
        for key, (zh, en) in c.messages.items():
            fields = [{f for _, f, _, _ in fmt.parse(t) if f} for t in (zh, en)]
            assert fields[0] == fields[1], key


# -- O2C-RR-01 (detective, run by salesctl.reconcile.run) -----------------------------------------


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
        r = revenue.detect_revenue_agreement(records, DAY5, POLICY)
        assert r.tested == 3 and r.findings == ()

    def test_matching_totals_pass_monthly(self) -> None:
        """Month end: the three totals agree."""
        records = Records(
            system_invoices=[sys_invoice()], sales_invoices=[sales_invoice()], gl_revenue=[gl()]
        )
        assert revenue.detect_revenue_agreement(records, MARCH, POLICY).findings == ()

    def test_invoice_outside_the_system_is_blocked(self) -> None:
        """A sales invoice with no system invoice behind it."""
        records = Records(sales_invoices=[sales_invoice(sys_id=None)])
        r = revenue.detect_revenue_agreement(records, DAY5, POLICY)
        assert outcomes(r) == [("O2C-RR-01", "BLOCK", "FP-1")]

    def test_sales_invoice_differing_from_its_system_invoice_is_held(self) -> None:
        """Sales invoice 9,000 against system invoice 10,000."""
        records = Records(
            system_invoices=[sys_invoice()],
            sales_invoices=[sales_invoice(amount="9000")],
            gl_revenue=[gl()],
        )
        r = revenue.detect_revenue_agreement(records, DAY5, POLICY)
        assert outcomes(r) == [("O2C-RR-01", "HOLD", "FP-1")]

    def test_system_invoice_not_issued_or_not_posted_is_held(self) -> None:
        """A system invoice with no sales invoice and no revenue voucher by its deadline."""
        r = revenue.detect_revenue_agreement(Records(system_invoices=[sys_invoice()]), DAY5, POLICY)
        assert sorted(f.message for f in r.findings) == [
            "period_end.invoice_not_posted",
            "period_end.system_invoice_not_issued",
        ]

    def test_deadlines_are_policy_parameters(self) -> None:
        """With 2 days to issue and post, day 5 has nothing due; day 7 does."""
        policy = revenue.RevenuePolicy(sales_invoice_within_days=2, posting_within_days=2)
        records = Records(system_invoices=[sys_invoice()])
        assert revenue.detect_revenue_agreement(records, DAY5, policy).findings == ()
        assert (
            len(revenue.detect_revenue_agreement(records, Period.day(d(7)), policy).findings) == 2
        )

    def test_manual_and_unknown_revenue_entries(self) -> None:
        """A revenue voucher with no invoice is held; one booking an unknown invoice is blocked."""
        records = Records(gl_revenue=[gl("V-1", None), gl("V-2", "SI-404")])
        assert outcomes(revenue.detect_revenue_agreement(records, DAY5, POLICY)) == [
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
        r = revenue.detect_revenue_agreement(records, MARCH, POLICY)
        assert outcomes(r) == [("O2C-RR-01", "HOLD", "revenue@2026-03/CNY")]
        assert dict(r.findings[0].facts)["gl_revenue"] == "12000.00 CNY"
