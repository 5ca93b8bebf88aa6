"""The service family: O2C-SV-01 (no follow-on work before the first payment; the sales
manager signs the work order).

S-K1 10: 客户的接续由销售业务科下达派工单,销售部经理签批;首期付款未到的客户不得安排接续。
"""

from __future__ import annotations

import pytest

import salesctl as sc
from tests import builders as b

SIGNED = b.approval("PG-2026-007", "sales_manager", b.MANAGER, id="APR-SM")


def only(policy: sc.Policy | None = None) -> sc.Gate:
    return sc.Gate(policy, only=["O2C-SV-01"])


def schedule(wo: sc.WorkOrder | None = None) -> sc.ScheduleWorkOrder:
    return sc.ScheduleWorkOrder(work_order=wo or b.work_order(), actor=b.REP, at=b.AT)


def ctx(collected: str = "30000", first_payment: str | None = "30000", **kw: object) -> sc.Context:
    docs = (
        ()
        if first_payment is None
        else (
            b.sales_contract(status=sc.ContractStatus.SIGNED, first_payment=b.cny(first_payment)),
        )
    )
    base: dict[str, object] = dict(
        approvals=(SIGNED,),
        contract_accounts={b.CONTRACT_ID: b.ledger_line("100000", collected)},
        contracts=docs,
    )
    base.update(kw)
    return b.context(**base)


def blocks(d: sc.Decision) -> set[str]:
    return {f.message for f in d.findings if f.outcome is sc.Outcome.BLOCK}


class TestSV01FirstPayment:
    def test_first_payment_received_and_signed_passes(self) -> None:
        """First instalment of 30,000 received, the sales manager signed → ALLOW."""
        d = only().check(schedule(), ctx())
        assert d.outcome is sc.Outcome.ALLOW
        assert d.findings[0].cleared_by == ("APR-SM",)

    def test_holds_for_the_sales_manager(self) -> None:
        """Paid but not signed → HOLD for sales_manager."""
        d = only().check(schedule(), ctx(approvals=()))
        assert d.outcome is sc.Outcome.HOLD
        assert [r.role for r in d.required_approvals] == ["sales_manager"]

    def test_issuer_cannot_sign(self) -> None:
        """A sales manager who issued the work order cannot also sign it."""
        d = only().check(schedule(b.work_order(issued_by="u-mgr")), ctx())
        assert d.outcome is sc.Outcome.HOLD

    @pytest.mark.parametrize("collected", ["0", "29999.99"])
    def test_first_payment_not_arrived_blocks(self, collected: str) -> None:
        """首期付款未到: nothing, or a cent short of the first instalment → BLOCK."""
        d = only().check(schedule(), ctx(collected=collected))
        assert blocks(d) == {"service.first_payment_missing"}
        assert "首期款未到" in d.explain("zh")

    def test_without_a_stated_instalment_any_payment_counts(self) -> None:
        """No first instalment on the contract, ratio 0: one payment of any size is enough."""
        assert only().check(schedule(), ctx(collected="0.01", first_payment=None)).allowed
        assert not only().check(schedule(), ctx(collected="0", first_payment=None)).allowed

    @pytest.mark.parametrize(("collected", "allowed"), [("29999.99", False), ("30000", True)])
    def test_first_payment_ratio_is_a_parameter(self, collected: str, allowed: bool) -> None:
        """first_payment_ratio = 0.30 of a 100,000 contract: 30,000 is the first instalment."""
        p = sc.loads_policy("[service]\nfirst_payment_ratio = 0.30\n")
        assert (
            only(p).check(schedule(), ctx(collected=collected, first_payment=None)).allowed
            is allowed
        )

    @pytest.mark.parametrize(
        ("wo_kw", "ctx_kw", "message"),
        [
            ({"contract_id": None}, {}, "service.no_contract"),
            ({}, {"contract_accounts": {}}, "service.no_collection_data"),
            ({"customer_id": "C-999"}, {}, "service.other_customer"),
        ],
    )
    def test_unverifiable_first_payment_fails_closed(
        self, wo_kw: dict[str, object], ctx_kw: dict[str, object], message: str
    ) -> None:
        """No contract, no collection data, or someone else's contract → BLOCK."""
        d = only().check(schedule(b.work_order(**wo_kw)), ctx(**ctx_kw))  # type: ignore[arg-type]
        assert blocks(d) == {message}
