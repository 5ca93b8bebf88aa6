"""The orders family beyond order entry: voids (O2C-SO-04), quotations (O2C-SO-05) and
production orders (O2C-SO-06).

S-PM B: 销售单作废时需要确认库房未将销售单对应的出库单出库记账,销售单对应的销售结算单是临时状态。
S-FT 报价: 产品的质量等级、规格型号、是否有特殊包装要求、数量、交货期、运输方式、材质。
S-FT: 下生产订单 / 业务审批: 业务部收到订单后,首先做出业务审核表。
S-K1 6: 生产通知单由计划科依据合同编制,分管销售的副总经理签发。
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import salesctl as sc
from salesctl.controls import orders
from salesctl.wording import term
from tests import builders as b


def only(cid: str, policy: sc.Policy | None = None) -> sc.Gate:
    return sc.Gate(policy, only=[cid])


# -- O2C-SO-04 ---------------------------------------------------------------------------------


class TestSO04VoidOrder:
    def _void(self) -> sc.VoidOrder:
        return sc.VoidOrder(order=b.order(), reason="customer withdrew", actor=b.REP, at=b.AT)

    def test_void_before_goods_issue_passes(self) -> None:
        """No goods issue posted, settlement temporary (S-PM B's own case) → ALLOW."""
        ctx = b.context(
            goods_issues=(b.goods_issue(posted=False),),
            settlements=(b.settlement(status=sc.SettlementStatus.TEMPORARY, invoice_id=None),),
        )
        assert only("O2C-SO-04").check(self._void(), ctx).outcome is sc.Outcome.ALLOW

    def test_void_with_nothing_downstream_passes(self) -> None:
        """An order with no goods issue or settlement at all may be voided."""
        assert only("O2C-SO-04").check(self._void(), b.context()).outcome is sc.Outcome.ALLOW

    def test_posted_goods_issue_blocks(self) -> None:
        """The warehouse posted the goods issue (出库记账) → BLOCK naming it."""
        d = only("O2C-SO-04").check(
            self._void(), b.context(goods_issues=(b.goods_issue(posted=True),))
        )
        assert d.outcome is sc.Outcome.BLOCK
        assert d.findings[0].message == "orders.void_goods_issue_posted"
        assert "GI-0042-1" in d.explain("zh") and "已出库记账" in d.explain("zh")

    def test_posted_issue_of_another_order_is_irrelevant(self) -> None:
        """A posted goods issue of some other order does not stop this void."""
        other = b.goods_issue(id="GI-9", order_id="SO-2026-0099", posted=True)
        assert (
            only("O2C-SO-04").check(self._void(), b.context(goods_issues=(other,))).outcome
            is sc.Outcome.ALLOW
        )

    def test_confirmed_settlement_blocks(self) -> None:
        """The settlement is no longer temporary → BLOCK."""
        d = only("O2C-SO-04").check(self._void(), b.context(settlements=(b.settlement(),)))
        assert d.outcome is sc.Outcome.BLOCK
        assert d.findings[0].message == "orders.void_settlement_confirmed"

    def test_voided_settlement_does_not_block(self) -> None:
        """A settlement already rolled back and voided is no obstacle."""
        ctx = b.context(settlements=(b.settlement(status=sc.SettlementStatus.VOIDED),))
        assert only("O2C-SO-04").check(self._void(), ctx).outcome is sc.Outcome.ALLOW

    def test_settlement_check_can_be_switched_off(self) -> None:
        """void_needs_temporary_settlement = false leaves only the goods-issue rule."""
        p = sc.loads_policy("[orders]\nvoid_needs_temporary_settlement = false\n")
        assert (
            only("O2C-SO-04", p)
            .check(self._void(), b.context(settlements=(b.settlement(),)))
            .allowed
        )


# -- O2C-SO-05 ---------------------------------------------------------------------------------


def _send(q: sc.Quotation) -> sc.SendQuotation:
    return sc.SendQuotation(quotation=q, actor=b.REP, at=b.AT)


def _without(field_name: str, q: sc.Quotation | None = None) -> sc.Quotation:
    q = q or b.quotation()
    if field_name in ("delivery_date", "transport"):
        return attrs.evolve(q, **{field_name: None})
    return attrs.evolve(q, lines=tuple(attrs.evolve(ln, **{field_name: None}) for ln in q.lines))


class TestSO05Quotation:
    def test_complete_quotation_passes(self) -> None:
        """All seven elements stated → ALLOW."""
        assert (
            only("O2C-SO-05").check(_send(b.quotation()), b.context()).outcome is sc.Outcome.ALLOW
        )

    @pytest.mark.parametrize("name", orders.QUOTATION_FIELDS)
    def test_each_missing_element_blocks(self, name: str) -> None:
        """Leave out any one element of S-FT 报价 → BLOCK naming it."""
        d = only("O2C-SO-05").check(_send(_without(name)), b.context())
        assert d.outcome is sc.Outcome.BLOCK
        assert name in dict(d.findings[0].params)["missing"]  # the stored parameter
        assert term(name, "en") in d.findings[0].text("en")  # the sentence reads it in words

    def test_missing_elements_are_reported_by_line(self) -> None:
        """Line 2 lacks its material; the finding says which line."""
        q = b.quotation(lines=(b.quotation_line(1), b.quotation_line(2, material=None)))
        d = only("O2C-SO-05").check(_send(q), b.context())
        assert dict(d.findings[0].facts)["missing"] == "line 2: material"
        assert "报价单 BJ-2026-031 要素不全" in d.explain("zh")

    def test_policy_narrows_the_required_elements(self) -> None:
        """With only quantity and delivery date required, missing packaging passes."""
        p = sc.loads_policy('[orders]\nquotation_required_fields = ["quantity", "delivery_date"]\n')
        assert only("O2C-SO-05", p).check(_send(_without("packaging")), b.context()).allowed
        assert not only("O2C-SO-05", p).check(_send(_without("quantity")), b.context()).allowed

    def test_unknown_field_in_policy_is_refused(self) -> None:
        """A typo in the required fields is a policy error with its path."""
        with pytest.raises(sc.PolicyError, match="quotation_required_fields"):
            sc.loads_policy('[orders]\nquotation_required_fields = ["colour"]\n')

    @settings(max_examples=60)
    @given(
        dropped=st.frozensets(st.sampled_from(orders.QUOTATION_FIELDS)),
        required=st.frozensets(st.sampled_from(orders.QUOTATION_FIELDS)),
    )
    def test_blocks_exactly_when_a_required_element_is_missing(
        self, dropped: frozenset[str], required: frozenset[str]
    ) -> None:
        """Property: BLOCK iff some dropped element is required; ALLOW otherwise."""
        q = b.quotation()
        for name in dropped:
            q = _without(name, q)
        policy = orders.OrdersPolicy(quotation_required_fields=required)
        found = orders.check_quotation(_send(q), b.context(), policy)
        assert bool(found) == bool(dropped & required)


# -- O2C-SO-06 ---------------------------------------------------------------------------------

VP_SIGNS = b.approval("SC-2026-007", "sales_vp", b.SALES_VP, id="APR-VP")


def _issue(po: sc.ProductionOrder | None = None) -> sc.IssueProductionOrder:
    return sc.IssueProductionOrder(
        production_order=po or b.production_order(), actor=b.PLANNER, at=b.AT
    )


def _ctx(**kw: object) -> sc.Context:
    base: dict[str, object] = dict(
        approved_documents={b.CONTRACT_ID},
        contracts=(b.sales_contract(status=sc.ContractStatus.SIGNED, signed_on=b.TODAY),),
        business_approval_forms=(b.business_form(),),
        approvals=(VP_SIGNS,),
    )
    base.update(kw)
    return b.context(**base)


def _messages(d: sc.Decision) -> set[str]:
    return {f.message for f in d.findings if f.outcome is sc.Outcome.BLOCK}


class TestSO06ProductionOrder:
    def test_done_right_passes_with_the_vp_signature(self) -> None:
        """Approved contract, approved business form, signed by the sales VP → ALLOW."""
        d = only("O2C-SO-06").check(_issue(), _ctx())
        assert d.outcome is sc.Outcome.ALLOW
        assert d.findings[0].cleared_by == ("APR-VP",)

    def test_holds_for_the_sales_vp(self) -> None:
        """Everything in order but not yet signed → HOLD for sales_vp, level 4."""
        d = only("O2C-SO-06").check(_issue(), _ctx(approvals=()))
        assert d.outcome is sc.Outcome.HOLD
        assert [(r.role, r.min_level) for r in d.required_approvals] == [("sales_vp", 4)]

    def test_compiler_cannot_sign(self) -> None:
        """A VP who compiled the production order cannot sign it too."""
        po = b.production_order(issued_by="u-svp")
        assert only("O2C-SO-06").check(_issue(po), _ctx()).outcome is sc.Outcome.HOLD

    @pytest.mark.parametrize(
        ("po_kw", "ctx_kw", "message"),
        [
            ({"contract_id": None}, {}, "orders.production_no_contract"),
            ({}, {"approved_documents": frozenset()}, "orders.production_contract_not_approved"),
            (
                {},
                {"contracts": (b.sales_contract(status=sc.ContractStatus.CANCELLED),)},
                "orders.production_contract_not_in_force",
            ),
            ({"qty": "101"}, {}, "orders.production_exceeds_contract"),
            ({"business_approval_id": None}, {}, "orders.production_no_business_approval"),
            ({}, {"business_approval_forms": ()}, "orders.business_approval_missing"),
            (
                {},
                {"business_approval_forms": (b.business_form(approved_by=(), approved_on=None),)},
                "orders.business_approval_not_approved",
            ),
            (
                {},
                {"business_approval_forms": (b.business_form(approved_by=("u-rep",)),)},
                "orders.business_approval_not_approved",
            ),
            (
                {},
                {
                    "business_approval_forms": (
                        b.business_form(approved_on=b.TODAY + dt.timedelta(days=1)),
                    )
                },
                "orders.business_approval_after_production",
            ),
            (
                {},
                {"business_approval_forms": (b.business_form(contract_id="HT-OTHER"),)},
                "orders.business_approval_other_contract",
            ),
        ],
    )
    def test_each_missing_step_blocks(
        self, po_kw: dict[str, object], ctx_kw: dict[str, object], message: str
    ) -> None:
        """Skip a step (or take it out of order) → BLOCK saying which, even with the VP's signature."""
        d = only("O2C-SO-06").check(_issue(b.production_order(**po_kw)), _ctx(**ctx_kw))  # type: ignore[arg-type]
        assert d.outcome is sc.Outcome.BLOCK
        assert message in _messages(d)

    def test_product_not_on_the_contract_blocks(self) -> None:
        """Making a product the contract does not sell is beyond the contract."""
        other = sc.ProductionLine(2, sc.Product(id="P-PP-09"), Decimal("1"))
        po = attrs.evolve(b.production_order(), lines=(*b.production_order().lines, other))
        d = only("O2C-SO-06").check(_issue(po), _ctx())
        assert "orders.production_exceeds_contract" in _messages(d)

    def test_contract_without_lines_is_not_checked_for_quantities(self) -> None:
        """A contract document stating only a price leaves quantities to the VP."""
        ctx = _ctx(contracts=(b.sales_contract(status=sc.ContractStatus.SIGNED, lines=()),))
        assert only("O2C-SO-06").check(_issue(b.production_order(qty="500")), ctx).allowed

    def test_business_form_rule_can_be_switched_off(self) -> None:
        """production_needs_business_approval = false: no form needed, the VP still signs."""
        p = sc.loads_policy("[orders]\nproduction_needs_business_approval = false\n")
        po = b.production_order(business_approval_id=None)
        assert only("O2C-SO-06", p).check(_issue(po), _ctx()).allowed
        assert only("O2C-SO-06", p).check(_issue(po), _ctx(approvals=())).outcome is sc.Outcome.HOLD
