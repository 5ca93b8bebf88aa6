"""The commission family: O2C-CM-01 (no contract, no commission; only on collected amounts, in
proportion; overdue receivables offset it; reviewed by finance and the finance VP, approved by
the general manager).

S-K1 9: 货款回收后由销售业务科填报业务员个人提成单,由财务部和财务副总审核,总经理签批兑现。没有
合同的不预提成。 S-K1 5: 逾期货款采取计息、抵扣提成直至经济诉讼。
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import salesctl as sc
from salesctl.controls import commission
from tests import builders as b

CLAIM = "TC-2026-007"
APPROVALS = (
    b.approval(CLAIM, "finance_head", b.FINANCE_HEAD, id="APR-FIN"),
    b.approval(CLAIM, "finance_vp", b.FINANCE_VP, id="APR-FVP"),
    b.approval(CLAIM, "general_manager", b.GENERAL_MANAGER, id="APR-GM"),
)


def only(policy: sc.Policy | None = None) -> sc.Gate:
    return sc.Gate(policy, only=["O2C-CM-01"])


def pay(claim: sc.CommissionClaim | None = None) -> sc.PayCommission:
    return sc.PayCommission(claim=claim or b.commission_claim(), actor=b.ACCOUNTANT, at=b.AT)


def ctx(
    collected: str = "60000", overdue: str = "0", paid: str | None = None, **kw: object
) -> sc.Context:
    base: dict[str, object] = dict(
        approvals=APPROVALS,
        approved_documents={b.CONTRACT_ID},
        contract_accounts={b.CONTRACT_ID: b.ledger_line("100000", collected)},
        exposure=b.exposure(
            receivables=overdue,
            overdue=overdue,
            oldest=dt.date(2026, 1, 15) if overdue != "0" else None,
        ),
        commissions_paid={} if paid is None else {b.CONTRACT_ID: b.cny(paid)},
    )
    base.update(kw)
    return b.context(**base)


def blocks(d: sc.Decision) -> set[str]:
    return {f.message for f in d.findings if f.outcome is sc.Outcome.BLOCK}


class TestCM01Commission:
    def test_collected_and_approved_passes(self) -> None:
        """3 % of the 60,000 collected = 1,800; reviewed and approved → ALLOW with the evidence."""
        d = only().check(pay(), ctx())
        assert d.outcome is sc.Outcome.ALLOW
        assert set(d.findings[0].cleared_by) == {"APR-FIN", "APR-FVP", "APR-GM"}
        assert dict(d.findings[0].facts)["payable"] == "1800.00 CNY"

    def test_holds_for_finance_finance_vp_and_gm(self) -> None:
        """Not yet reviewed → HOLD for the three roles of S-K1 9."""
        d = only().check(pay(), ctx(approvals=()))
        assert d.outcome is sc.Outcome.HOLD
        assert [r.role for r in d.required_approvals] == [
            "finance_head",
            "finance_vp",
            "general_manager",
        ]

    def test_salesperson_cannot_review_own_commission(self) -> None:
        """A salesperson who is also the finance head cannot review their own slip."""
        d = only().check(pay(b.commission_claim(salesperson_id="u-fh")), ctx())
        assert d.outcome is sc.Outcome.HOLD
        # the finance review is missing, and the GM signs last (S-K1 9): both stay open
        assert [r.role for r in d.required_approvals] == ["finance_head", "general_manager"]
        assert ("APR-FIN", "proposer") in {
            (x.approval_id, x.reason) for x in d.findings[0].rejected
        }

    @pytest.mark.parametrize(
        ("claim_kw", "ctx_kw", "message"),
        [
            ({"contract_id": None}, {}, "commission.no_contract"),
            ({}, {"approved_documents": frozenset()}, "commission.contract_not_approved"),
            ({}, {"contracts": (b.sales_contract(),)}, "commission.contract_not_in_force"),
            ({}, {"contract_accounts": {}}, "commission.no_collection_data"),
            (
                {},
                {"contract_accounts": {b.CONTRACT_ID: b.ledger_line("100000", "0")}},
                "commission.nothing_collected",
            ),
        ],
    )
    def test_no_contract_no_commission(
        self, claim_kw: dict[str, object], ctx_kw: dict[str, object], message: str
    ) -> None:
        """No (approved, signed) contract, or nothing collected on it → BLOCK, approvals or not."""
        d = only().check(pay(b.commission_claim(**claim_kw)), ctx(**ctx_kw))  # type: ignore[arg-type]
        assert d.outcome is sc.Outcome.BLOCK
        assert blocks(d) == {message}

    @pytest.mark.parametrize(("amount", "allowed"), [("1800.00", True), ("1800.01", False)])
    def test_claim_at_and_above_the_payable(self, amount: str, allowed: bool) -> None:
        """Exactly the payable passes; one cent more is blocked."""
        d = only().check(pay(b.commission_claim(amount=amount)), ctx())
        assert d.allowed is allowed
        assert ("commission.exceeds_payable" in blocks(d)) is not allowed

    def test_commission_in_proportion_to_collection(self) -> None:
        """Half as much collected, half as much commission: 30,000 → 900."""
        assert only().check(pay(b.commission_claim(amount="900")), ctx(collected="30000")).allowed
        assert (
            not only()
            .check(pay(b.commission_claim(amount="900.01")), ctx(collected="30000"))
            .allowed
        )

    def test_overdue_receivables_offset_the_commission(self) -> None:
        """20,000 overdue: base 40,000 → 1,200 payable; the full 1,800 is blocked."""
        d = only().check(pay(), ctx(overdue="20000"))
        assert blocks(d) == {"commission.exceeds_payable"}
        assert dict(d.findings[0].facts)["payable"] == "1200.00 CNY"
        assert only().check(pay(b.commission_claim(amount="1200")), ctx(overdue="20000")).allowed

    def test_offset_ratio_is_a_parameter(self) -> None:
        """overdue_offset_ratio = 0.5: half the overdue offsets → base 50,000 → 1,500."""
        p = sc.loads_policy("[commission]\noverdue_offset_ratio = 0.5\n")
        assert only(p).check(pay(b.commission_claim(amount="1500")), ctx(overdue="20000")).allowed
        assert (
            not only(p)
            .check(pay(b.commission_claim(amount="1500.01")), ctx(overdue="20000"))
            .allowed
        )

    def test_commission_already_paid_is_deducted(self) -> None:
        """1,000 paid before on the contract → 800 left."""
        assert only().check(pay(b.commission_claim(amount="800")), ctx(paid="1000")).allowed
        assert not only().check(pay(b.commission_claim(amount="801")), ctx(paid="1000")).allowed

    def test_no_exposure_fails_closed(self) -> None:
        """Without the customer's overdue receivables the offset cannot be applied → BLOCK."""
        d = only().check(pay(), ctx(exposure=None))
        assert blocks(d) == {"commission.no_exposure"}
        p = sc.loads_policy("[commission]\noverdue_offset_ratio = 0\n")
        assert only(p).check(pay(), ctx(exposure=None)).allowed

    def test_rate_cap(self) -> None:
        """max_rate = 0.02 blocks a 3 % slip."""
        p = sc.loads_policy("[commission]\nmax_rate = 0.02\n")
        assert "commission.rate_too_high" in blocks(only(p).check(pay(), ctx()))

    def test_foreign_currency_account_without_rate_fails_closed(self) -> None:
        """A USD contract ledger and a CNY slip, no rate on hand → BLOCK (evaluation error)."""
        usd = sc.ContractAccount(value=sc.Money("20000", "USD"), collected=sc.Money("10000", "USD"))
        d = only().check(pay(), ctx(contract_accounts={b.CONTRACT_ID: usd}))
        assert d.outcome is sc.Outcome.BLOCK
        assert {f.message for f in d.findings} == {"gate.evaluation_error"}

    @settings(max_examples=80)
    @given(
        collected=st.integers(1, 100_000),
        overdue=st.integers(0, 100_000),
        paid=st.integers(0, 5_000),
        amount=st.integers(1, 5_000),
        ratio=st.sampled_from(["0", "0.25", "0.5", "1"]),
    )
    def test_blocks_exactly_above_the_payable(
        self, collected: int, overdue: int, paid: int, amount: int, ratio: str
    ) -> None:
        """Property: BLOCK iff amount > max(0, (collected − overdue × r) × rate − paid)."""
        policy = commission.CommissionPolicy(overdue_offset_ratio=Decimal(ratio))
        c = ctx(collected=str(collected), overdue=str(overdue), paid=str(paid))
        claim = b.commission_claim(amount=str(amount))
        base = max(Decimal(0), collected - overdue * Decimal(ratio))
        payable = max(Decimal(0), sc.Money.rounded(base * Decimal("0.03"), "CNY").amount - paid)
        found = commission.check_commission(pay(claim), c, policy)
        blocked = any(f.outcome is sc.Outcome.BLOCK for f in found)
        assert blocked == (amount > payable)
        assert commission.commission_payable(claim, c, policy)["payable"].amount == payable
