"""The sales-flow documents and transactions: validated on construction, strict JSON round trip."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import attrs
import pytest

import salesctl as sc
from tests import builders as b

TXNS: list[sc.Transaction] = [
    sc.SendQuotation(quotation=b.quotation(), actor=b.REP, at=b.AT),
    sc.SignContract(contract=b.sales_contract(first_payment=b.cny("30000")), actor=b.REP, at=b.AT),
    sc.IssueProductionOrder(production_order=b.production_order(), actor=b.PLANNER, at=b.AT),
    sc.VoidOrder(order=b.order(), reason="withdrawn", actor=b.REP, at=b.AT),
    sc.PayCommission(claim=b.commission_claim(), actor=b.ACCOUNTANT, at=b.AT),
    sc.ScheduleWorkOrder(work_order=b.work_order(), actor=b.REP, at=b.AT),
    sc.AdvanceStage(
        opportunity=b.opportunity(sc.PipelineStage.NEEDS, artefacts={"needs_analysis": "XQ-15"}),
        to_stage=sc.PipelineStage.PROPOSAL,
        actor=b.REP,
        at=b.AT,
    ),
]


@pytest.mark.parametrize("txn", TXNS, ids=lambda t: type(t).__name__)
def test_json_round_trip(txn: sc.Transaction) -> None:
    """transaction_to_dict → JSON → parse_transaction gives the same transaction back."""
    data = json.loads(json.dumps(sc.transaction_to_dict(txn), ensure_ascii=False))
    assert sc.parse_transaction(data) == txn


def test_context_round_trip_with_sales_fields() -> None:
    """The new context fields survive Context.to_dict → from_dict."""
    ctx = b.context(
        contracts=(b.sales_contract(status=sc.ContractStatus.SIGNED),),
        business_approval_forms=(b.business_form(),),
        sales_policies={b.SALES_POLICY},
        commissions_paid={b.CONTRACT_ID: b.cny("100")},
    )
    again = sc.Context.from_dict(json.loads(json.dumps(ctx.to_dict())))
    assert again == ctx
    assert again.contract(b.CONTRACT_ID) == ctx.contracts[0]
    assert again.business_approval_form("YW-2026-007") == ctx.business_approval_forms[0]
    assert again.contract("HT-NONE") is None


BAD: list[tuple[Callable[..., Any], dict[str, Any], str]] = [
    (b.quotation, {"lines": ()}, "Quotation.lines"),
    (
        b.quotation,
        {"lines": (b.quotation_line(1), b.quotation_line(1))},
        "Quotation.lines[1].line_no",
    ),
    (b.quotation, {"delivery_date": b.TODAY - dt.timedelta(days=1)}, "Quotation.delivery_date"),
    (b.quotation, {"transport": "  "}, "Quotation.transport"),
    (b.quotation_line, {"quantity": Decimal("0")}, "QuotationLine.quantity"),
    (b.quotation_line, {"quantity": 1.5}, "QuotationLine.quantity"),
    (b.sales_contract, {"first_payment": b.cny("100000.01")}, "Contract.first_payment"),
    (b.sales_contract, {"first_payment": sc.Money("10", "USD")}, "Contract.first_payment"),
    (b.sales_contract, {"lines": (b.line(1), b.line(1))}, "Contract.lines[1].line_no"),
    (b.sales_contract, {"form": "paper"}, "Contract.form"),
    (b.sales_contract, {"amount": "0"}, "Contract.amount"),
    (
        b.business_form,
        {"approved_on": b.TODAY - dt.timedelta(days=5)},
        "BusinessApprovalForm.approved_on",
    ),
    (b.production_order, {"lines": ()}, "ProductionOrder.lines"),
    (b.commission_claim, {"rate": "1.5"}, "CommissionClaim.rate"),
    (b.commission_claim, {"amount": "0"}, "CommissionClaim.amount"),
    (b.work_order, {"customer_id": ""}, "WorkOrder.customer_id"),
    (b.opportunity, {"artefacts": {"needs_analysis": " "}}, "Opportunity.artefacts.needs_analysis"),
    (b.opportunity, {"willing_to_buy": "yes"}, "Opportunity.willing_to_buy"),
]


@pytest.mark.parametrize(("build", "kwargs", "path"), BAD, ids=[p for _, _, p in BAD])
def test_bad_documents_raise_invalid_input_with_path(
    build: Callable[..., Any], kwargs: dict[str, Any], path: str
) -> None:
    """Each malformed field raises InvalidInput (or CurrencyMismatch) naming Class.field."""
    with pytest.raises(sc.InvalidInput) as e:
        build(**kwargs)
    assert e.value.path == path


@pytest.mark.parametrize(
    ("kwargs", "path"),
    [
        ({"contracts": (b.sales_contract(), b.sales_contract())}, "Context.contracts[1].id"),
        (
            {"business_approval_forms": (b.business_form(), b.business_form())},
            "Context.business_approval_forms[1].id",
        ),
        (
            {"commissions_paid": {b.CONTRACT_ID: b.cny("-1")}},
            f"Context.commissions_paid.{b.CONTRACT_ID}",
        ),
        ({"commissions_paid": {b.CONTRACT_ID: "100"}}, f"Context.commissions_paid.{b.CONTRACT_ID}"),
    ],
)
def test_bad_context_fields(kwargs: dict[str, Any], path: str) -> None:
    """Duplicate document ids and negative amounts in the context are refused with their path."""
    with pytest.raises(sc.InvalidInput) as e:
        b.context(**kwargs)
    assert e.value.path == path


def test_json_paths_for_a_bad_quotation() -> None:
    """A float quantity in a quotation read from JSON names quotation.lines[0].quantity."""
    data = sc.transaction_to_dict(TXNS[0])
    data["quotation"]["lines"][0]["quantity"] = 2.5
    with pytest.raises(sc.InvalidInput) as e:
        sc.parse_transaction(data)
    assert e.value.path == "quotation.lines[0].quantity"


def test_stage_order_and_evolve() -> None:
    """Stages are ordered as the seed lists them; evolve re-validates documents."""
    assert [s.index for s in sc.PipelineStage] == list(range(len(sc.PipelineStage)))
    assert sc.PipelineStage.QUALIFIED.index == sc.PipelineStage.LEAD.index + 1
    c = b.sales_contract()
    assert attrs.evolve(c) == c
    with pytest.raises(sc.InvalidInput):
        attrs.evolve(c, first_payment=b.cny("200000"))
