"""The billing family, control by control: each fires and each passes.

The cases follow the seed: S-IC 5.2 (依据系统发货凭证生成系统发票), S-K1 11 (60%以上货款回收时方可
开据发票,发票开据由财务副总签批) and S-PM C (回退处理时传票取消记账后,销售结算单需要在系统中被
回退确定并作废;发票作废时需要确认销售结算单已经被作废).
"""

from __future__ import annotations

import string
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import salesctl as sc
from salesctl.controls import billing
from salesctl.reconcile import BilledLine, Period, Records
from tests import builders as b
from tests.controls._records import DAY5, d, delivery_record, outcomes, sys_invoice

VP_OK = b.approval("INV-0042-1", "finance_vp", b.FINANCE_VP, id="A-VP")
SHIPPED = b.goods_issue(posted=True)


def only(cid: str, policy: sc.Policy | None = None) -> sc.Gate:
    return sc.Gate(policy, only=[cid])


def keys(d: sc.Decision) -> set[str]:
    return {f.message for f in d.findings}


def invoice_txn(inv: sc.Invoice | None = None) -> sc.IssueInvoice:
    return sc.IssueInvoice(invoice=inv if inv is not None else b.invoice(), actor=b.CLERK, at=b.AT)


def account(collected: str, value: str = "100000.00") -> sc.ContractAccount:
    return sc.ContractAccount(value=b.cny(value), collected=b.cny(collected))


class TestPolicy:
    def test_ratio_is_a_parameter(self) -> None:
        """min_collected_ratio is read exactly from TOML and must be a fraction."""
        assert sc.loads_policy("[billing]\nmin_collected_ratio = 0.70\n").family(
            "billing"
        ).min_collected_ratio == Decimal("0.70")
        with pytest.raises(sc.PolicyError):
            sc.loads_policy("[billing]\nmin_collected_ratio = 60\n")


class TestBL01InvoicedWithinDelivered:
    def test_passes_for_delivered_quantity(self) -> None:
        """Invoice 10 of 10 delivered by a posted goods issue → ALLOW."""
        d = only("O2C-BL-01").check(invoice_txn(), b.context(goods_issues=(SHIPPED,)))
        assert d.outcome is sc.Outcome.ALLOW

    def test_blocks_before_delivery(self) -> None:
        """Nothing delivered (or only an unposted goods issue) → nothing to invoice."""
        for ctx in (b.context(), b.context(goods_issues=(b.goods_issue(posted=False),))):
            d = only("O2C-BL-01").check(invoice_txn(), ctx)
            assert keys(d) == {"billing.over_delivered"}
            assert dict(d.findings[0].facts)["delivered"] == "0"

    def test_counts_earlier_invoices_but_not_voided_ones(self) -> None:
        """Delivered 10, invoiced 6 before: 5 more → BLOCK, 4 → ALLOW; a voided invoice counts nothing."""
        ctx = b.context(
            goods_issues=(SHIPPED,), invoices=(b.invoice("INV-0", lines=(b.iline(qty=6),)),)
        )
        assert keys(
            only("O2C-BL-01").check(invoice_txn(b.invoice(lines=(b.iline(qty=5),))), ctx)
        ) == {"billing.over_delivered"}
        assert (
            only("O2C-BL-01").check(invoice_txn(b.invoice(lines=(b.iline(qty=4),))), ctx).outcome
            is sc.Outcome.ALLOW
        )
        voided = b.context(
            goods_issues=(SHIPPED,),
            invoices=(b.invoice("INV-0", lines=(b.iline(qty=6),), voided=True),),
        )
        assert only("O2C-BL-01").check(invoice_txn(), voided).outcome is sc.Outcome.ALLOW

    def test_split_lines_are_summed(self) -> None:
        """Two invoice lines on the same order line add up: 6 + 5 > 10."""
        inv = b.invoice(lines=(b.iline(qty=6), b.iline(qty=5)))
        assert (
            only("O2C-BL-01").check(invoice_txn(inv), b.context(goods_issues=(SHIPPED,))).outcome
            is sc.Outcome.BLOCK
        )

    def test_other_orders_do_not_count(self) -> None:
        """Goods issued on another order are not this order's delivery."""
        other = b.goods_issue("GI-X", order_id="SO-X", posted=True)
        assert (
            only("O2C-BL-01").check(invoice_txn(), b.context(goods_issues=(other,))).outcome
            is sc.Outcome.BLOCK
        )

    def test_product_must_match_delivery(self) -> None:
        """Invoicing another product on the delivered line is blocked."""
        inv = b.invoice(lines=(b.iline(product="P-OTHER"),))
        assert keys(
            only("O2C-BL-01").check(invoice_txn(inv), b.context(goods_issues=(SHIPPED,)))
        ) == {"billing.line_product"}

    def test_issued_once(self) -> None:
        """An invoice already issued is not issued again."""
        ctx = b.context(goods_issues=(SHIPPED,), invoices=(b.invoice(),))
        assert "billing.already_issued" in keys(only("O2C-BL-01").check(invoice_txn(), ctx))

    @settings(max_examples=80)
    @given(
        delivered=st.lists(st.integers(1, 50), max_size=3),
        before=st.lists(st.integers(1, 50), max_size=3),
        now=st.integers(1, 60),
    )
    def test_property_block_iff_over_delivered(
        self, delivered: list[int], before: list[int], now: int
    ) -> None:
        """BLOCK exactly when invoiced before + now > delivered (posted), per order line."""
        issues = tuple(
            b.goods_issue(f"GI-{i}", lines=(b.dline(qty=q),), posted=True)
            for i, q in enumerate(delivered)
        )
        invoices = tuple(
            b.invoice(f"INV-B{i}", lines=(b.iline(qty=q),)) for i, q in enumerate(before)
        )
        d = only("O2C-BL-01").check(
            invoice_txn(b.invoice(lines=(b.iline(qty=now),))),
            b.context(goods_issues=issues, invoices=invoices),
        )
        over = sum(before) + now > sum(delivered)
        assert d.outcome is (sc.Outcome.BLOCK if over else sc.Outcome.ALLOW)


class TestBL03CollectedShare:
    INV = b.invoice(contract_id="CT-2026-007")

    def ctx(self, collected: str, **kw: object) -> sc.Context:
        base: dict[str, object] = dict(
            contract_accounts={"CT-2026-007": account(collected)}, approvals=(VP_OK,)
        )
        base.update(kw)
        return b.context(**base)

    @pytest.mark.parametrize(
        ("collected", "outcome"),
        [
            ("59990.00", sc.Outcome.BLOCK),
            ("60000.00", sc.Outcome.ALLOW),
            ("60010.00", sc.Outcome.ALLOW),
        ],
        ids=["59.99%", "60%", "60.01%"],
    )
    def test_sixty_percent_rule(self, collected: str, outcome: sc.Outcome) -> None:
        """S-K1 11 at 59.99 %, 60 % and 60.01 % of a 100,000 contract (finance VP approval on hand)."""
        d = only("O2C-BL-03").check(invoice_txn(self.INV), self.ctx(collected))
        assert d.outcome is outcome
        if outcome is sc.Outcome.BLOCK:
            assert keys(d) == {"billing.collected_too_little"}
            assert "59.99 %" in dict(d.findings[0].facts)["collected_share"]
            assert "below 60 %" in d.explain("en") and "未达 60 %" in d.explain("zh")
        else:
            assert d.findings[0].cleared_by == ("A-VP",)

    def test_one_cent_short_on_an_odd_price(self) -> None:
        """No rounding slack: 60 % of 33,333.33 is 19,999.998, so 19,999.99 is short and 20,000.00 is enough."""
        for collected, outcome in (("19999.99", sc.Outcome.BLOCK), ("20000.00", sc.Outcome.ALLOW)):
            ctx = self.ctx("0", contract_accounts={"CT-2026-007": account(collected, "33333.33")})
            assert only("O2C-BL-03").check(invoice_txn(self.INV), ctx).outcome is outcome

    def test_holds_for_finance_vp(self) -> None:
        """At 60 % and above the invoice still needs the finance VP's signature."""
        d = only("O2C-BL-03").check(invoice_txn(self.INV), self.ctx("80000.00", approvals=()))
        assert d.outcome is sc.Outcome.HOLD
        (req,) = d.required_approvals
        assert (req.role, req.min_level, req.document_id, req.excluded) == (
            "finance_vp",
            4,
            "INV-0042-1",
            ("u-clerk",),
        )

    def test_preparer_cannot_sign(self) -> None:
        """A finance VP who prepared the invoice cannot sign it."""
        inv = b.invoice(contract_id="CT-2026-007", issued_by="u-fvp")
        assert (
            only("O2C-BL-03").check(invoice_txn(inv), self.ctx("80000.00")).outcome
            is sc.Outcome.HOLD
        )

    def test_unknown_contract_fails_closed(self) -> None:
        """A contract the ledger does not hold cannot be verified."""
        d = only("O2C-BL-03").check(
            invoice_txn(self.INV), self.ctx("80000.00", contract_accounts={})
        )
        assert keys(d) == {"billing.contract_unknown"}

    def test_invoice_without_contract_is_outside_the_rule(self) -> None:
        """Cash-and-carry sales have no contract (O2C-CT-01): the 60 % rule does not apply."""
        cash = b.order(method=sc.PaymentMethod.CASH, days=0)
        d = only("O2C-BL-03").check(invoice_txn(), b.context(orders=(cash,)))
        assert d.outcome is sc.Outcome.ALLOW

    def test_ratio_parameter(self) -> None:
        """With min_collected_ratio = 0.80, 79,999.99 of 100,000 is short."""
        p = sc.loads_policy("[billing]\nmin_collected_ratio = 0.80\n")
        assert (
            only("O2C-BL-03", p).check(invoice_txn(self.INV), self.ctx("79999.99")).outcome
            is sc.Outcome.BLOCK
        )
        assert (
            only("O2C-BL-03", p).check(invoice_txn(self.INV), self.ctx("80000.00")).outcome
            is sc.Outcome.ALLOW
        )

    @settings(max_examples=100)
    @given(value=st.integers(1, 10**9), collected=st.integers(0, 10**9))
    def test_property_exact_threshold(self, value: int, collected: int) -> None:
        """BLOCK exactly when collected × 100 < value × 60 (amounts in cents, exact)."""
        v, c = Decimal(value) / 100, Decimal(collected) / 100
        ctx = self.ctx("0", contract_accounts={"CT-2026-007": account(str(c), str(v))})
        d = only("O2C-BL-03").check(invoice_txn(self.INV), ctx)
        assert (d.outcome is sc.Outcome.BLOCK) is (collected * 100 < value * 60)


class TestBL03ContractThroughTheOrder:
    """Issue 14: the 60 % rule is not skipped when the invoice leaves out its contract id."""

    INV = b.invoice(contract_id=None)

    def ctx(
        self,
        collected: str = "0.00",
        *,
        link: str = "order",
        method: sc.PaymentMethod = sc.PaymentMethod.CREDIT,
        **kw: object,
    ) -> sc.Context:
        """Order SO-2026-0042 linked to contract HT-2026-007 (through the order's contract_id,
        or the contract naming the order, or not at all)."""
        o = b.order(method=method, contract_id=b.CONTRACT_ID if link == "order" else None)
        k = b.sales_contract(
            status=sc.ContractStatus.SIGNED,
            signed_on=b.TODAY,
            order_id=b.ORDER_ID if link == "contract" else None,
        )
        base: dict[str, object] = dict(
            orders=(o,),
            contracts=(k,) if link != "none" else (),
            contract_accounts={b.CONTRACT_ID: account(collected)},
        )
        base.update(kw)
        return b.context(**base)

    @pytest.mark.parametrize("link", ["order", "contract"])
    def test_the_issue_example_is_blocked(self, link: str) -> None:
        """SO-2026-0042 on HT-2026-007, 0.00 collected, no finance-VP approval, invoice with
        contract_id=None: BLOCK (it was ALLOW)."""
        d = only("O2C-BL-03").check(invoice_txn(self.INV), self.ctx(link=link))
        assert d.outcome is sc.Outcome.BLOCK
        assert keys(d) == {"billing.collected_too_little"}
        assert dict(d.findings[0].facts)["contract"] == b.CONTRACT_ID

    @pytest.mark.parametrize("link", ["order", "contract"])
    def test_passes_through_the_order_at_sixty_percent_with_the_vp(self, link: str) -> None:
        """The contract found through the order at 60 % collected, signed by the VP: ALLOW."""
        ctx = self.ctx("60000.00", link=link, approvals=(VP_OK,))
        d = only("O2C-BL-03").check(invoice_txn(self.INV), ctx)
        assert d.outcome is sc.Outcome.ALLOW
        assert d.findings[0].cleared_by == ("A-VP",)

    def test_one_cent_short_through_the_order(self) -> None:
        """59,999.99 of 100,000 on the order's contract: BLOCK even with the VP's signature."""
        ctx = self.ctx("59999.99", approvals=(VP_OK,))
        assert only("O2C-BL-03").check(invoice_txn(self.INV), ctx).outcome is sc.Outcome.BLOCK

    def test_credit_sale_without_a_contract_is_blocked(self) -> None:
        """S-K1 3: a credit sale has a contract; none found → BLOCK, not a pass."""
        d = only("O2C-BL-03").check(invoice_txn(self.INV), self.ctx(link="none"))
        assert d.outcome is sc.Outcome.BLOCK
        assert keys(d) == {"billing.credit_sale_without_contract"}

    def test_order_not_on_hand_fails_closed(self) -> None:
        """Without the order the control cannot tell a credit sale: BLOCK."""
        d = only("O2C-BL-03").check(invoice_txn(self.INV), b.context())
        assert keys(d) == {"billing.order_unknown"}

    def test_naming_another_contract_is_blocked(self) -> None:
        """An invoice naming a fully paid contract its order is not linked to: BLOCK."""
        inv = b.invoice(contract_id="HT-2026-999")
        ctx = self.ctx(
            contract_accounts={
                b.CONTRACT_ID: account("0.00"),
                "HT-2026-999": account("100000.00"),
            },
            approvals=(VP_OK,),
        )
        d = only("O2C-BL-03").check(invoice_txn(inv), ctx)
        assert keys(d) == {"billing.contract_not_linked"}

    def test_gate_resolves_the_credit_methods_of_the_policy(self) -> None:
        """The credit methods come from [credit]: with credit limited to 'credit', a TT
        open-account order with no contract is outside the rule."""
        p = sc.loads_policy('[credit]\ncredit_methods = ["credit"]\n')
        ctx = self.ctx(link="none", method=sc.PaymentMethod.TT_OPEN_ACCOUNT)
        assert only("O2C-BL-03", p).check(invoice_txn(self.INV), ctx).outcome is sc.Outcome.ALLOW
        assert only("O2C-BL-03").check(invoice_txn(self.INV), ctx).outcome is sc.Outcome.BLOCK

    @settings(max_examples=150)
    @given(
        link=st.sampled_from(["order", "contract", "none"]),
        named=st.booleans(),
        method=st.sampled_from(
            [
                sc.PaymentMethod.CREDIT,
                sc.PaymentMethod.TT_OPEN_ACCOUNT,
                sc.PaymentMethod.DOCUMENTS_AGAINST_ACCEPTANCE,
                sc.PaymentMethod.DOCUMENTS_AGAINST_PAYMENT,
            ]
        ),
        collected=st.integers(0, 10**7),
        vp=st.booleans(),
    )
    def test_property_no_credit_invoice_escapes(
        self, link: str, named: bool, method: sc.PaymentMethod, collected: int, vp: bool
    ) -> None:
        """Attack: however the contract is linked or left out, a credit invoice is ALLOWed only
        on a contract found, 60 % collected (of 100,000.00) and the VP's signature."""
        inv = b.invoice(contract_id=b.CONTRACT_ID if named else None)
        c = Decimal(collected) / 100
        ctx = self.ctx(str(c), link=link, method=method, approvals=(VP_OK,) if vp else ())
        d = only("O2C-BL-03").check(invoice_txn(inv), ctx)
        found = named or link != "none"
        if d.outcome is sc.Outcome.ALLOW:
            assert found and c >= Decimal("60000") and vp
        if not found:
            assert d.outcome is sc.Outcome.BLOCK


class TestBL04Voids:
    def void_invoice(self, inv: sc.Invoice | None = None) -> sc.VoidInvoice:
        return sc.VoidInvoice(
            invoice=inv if inv is not None else b.invoice(settlement_id="ST-0042-1"),
            actor=b.CLERK,
            at=b.AT,
        )

    def void_settlement(self, s: sc.Settlement) -> sc.VoidSettlement:
        return sc.VoidSettlement(settlement=s, actor=b.CLERK, at=b.AT)

    def test_invoice_void_after_settlement_void(self) -> None:
        """S-PM C: the settlement is voided, so the invoice may be voided."""
        ctx = b.context(settlements=(b.settlement(status=sc.SettlementStatus.VOIDED),))
        assert only("O2C-BL-04").check(self.void_invoice(), ctx).outcome is sc.Outcome.ALLOW

    @pytest.mark.parametrize(
        "status", [sc.SettlementStatus.CONFIRMED, sc.SettlementStatus.TEMPORARY]
    )
    def test_invoice_void_blocked_while_settlement_stands(
        self, status: sc.SettlementStatus
    ) -> None:
        """发票作废时需要确认销售结算单已经被作废: otherwise BLOCK."""
        d = only("O2C-BL-04").check(
            self.void_invoice(), b.context(settlements=(b.settlement(status=status),))
        )
        assert keys(d) == {"billing.settlement_not_voided"}
        assert "须先作废结算单" in d.explain("zh")

    def test_settlement_found_by_invoice_id(self) -> None:
        """Without settlement_id on the invoice, the settlement naming the invoice is used."""
        ctx = b.context(settlements=(b.settlement(status=sc.SettlementStatus.CONFIRMED),))
        assert (
            only("O2C-BL-04").check(self.void_invoice(b.invoice()), ctx).outcome is sc.Outcome.BLOCK
        )
        ctx = b.context(settlements=(b.settlement(status=sc.SettlementStatus.VOIDED),))
        assert (
            only("O2C-BL-04").check(self.void_invoice(b.invoice()), ctx).outcome is sc.Outcome.ALLOW
        )

    def test_unknown_settlement_fails_closed(self) -> None:
        """No settlement on hand → cannot confirm → BLOCK."""
        assert keys(only("O2C-BL-04").check(self.void_invoice(), b.context())) == {
            "billing.settlement_unknown"
        }

    def test_invoice_voided_once(self) -> None:
        """An invoice already voided is not voided again."""
        ctx = b.context(settlements=(b.settlement(status=sc.SettlementStatus.VOIDED),))
        d = only("O2C-BL-04").check(self.void_invoice(b.invoice(voided=True)), ctx)
        assert keys(d) == {"billing.invoice_already_voided"}

    def test_settlement_void_only_while_voucher_unposted(self) -> None:
        """回退处理时传票取消记账后…: posted voucher → BLOCK; unposted → ALLOW."""
        posted = b.settlement(voucher_posted=True)
        assert keys(only("O2C-BL-04").check(self.void_settlement(posted), b.context())) == {
            "billing.voucher_posted"
        }
        unposted = b.settlement(voucher_posted=False)
        assert (
            only("O2C-BL-04").check(self.void_settlement(unposted), b.context()).outcome
            is sc.Outcome.ALLOW
        )

    def test_settlement_voided_once(self) -> None:
        """A voided settlement is not voided again."""
        d = only("O2C-BL-04").check(
            self.void_settlement(b.settlement(status=sc.SettlementStatus.VOIDED)), b.context()
        )
        assert keys(d) == {"billing.settlement_already_voided"}

    def test_posted_voucher_needs_confirmed_settlement(self) -> None:
        """A posted voucher on a temporary or voided settlement is malformed input."""
        with pytest.raises(sc.InvalidInput) as e:
            b.settlement(status=sc.SettlementStatus.VOIDED, voucher_posted=True)
        assert e.value.path == "Settlement.voucher_posted"


def test_every_message_has_the_same_fields_in_both_languages() -> None:
    """Every message of the family names the same parameters in Chinese and in English."""
    fmt = string.Formatter()
    for c in billing.CONTROLS:
        for key, (zh, en) in c.messages.items():
            fields = [{f for _, f, _, _ in fmt.parse(t) if f} for t in (zh, en)]
            assert fields[0] == fields[1], key


# -- O2C-BL-02 (detective, run by salesctl.reconcile.run) -----------------------------------------

POLICY = billing.BillingPolicy()


class TestInvoicedQuantity:
    def test_invoice_for_the_delivered_quantity_passes(self) -> None:
        """S-IC 7.1: 10 delivered, 10 invoiced from that delivery."""
        r = billing.detect_invoiced_quantity(
            Records(deliveries=[delivery_record()], system_invoices=[sys_invoice()]), DAY5, POLICY
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
        records = Records(deliveries=[delivery_record()], system_invoices=[six, four, one])
        assert billing.detect_invoiced_quantity(records, Period.day(d(6)), POLICY).findings == ()
        r = billing.detect_invoiced_quantity(records, Period.day(d(7)), POLICY)
        assert outcomes(r) == [("O2C-BL-02", "HOLD", "SI-3")]

    def test_invoice_over_the_delivery_is_held(self) -> None:
        """12 invoiced on a delivery of 10: a HOLD."""
        inv = sys_invoice(
            lines=(BilledLine(product_id="P-1", quantity=Decimal("12"), goods_issue_id="GI-1"),)
        )
        r = billing.detect_invoiced_quantity(
            Records(deliveries=[delivery_record()], system_invoices=[inv]), DAY5, POLICY
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
        r = billing.detect_invoiced_quantity(
            Records(deliveries=[delivery_record()], system_invoices=[sys_invoice(lines=(line,))]),
            DAY5,
            POLICY,
        )
        assert outcomes(r) == [("O2C-BL-02", "BLOCK", "SI-1")]
