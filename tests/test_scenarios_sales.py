"""Scenario tests: the seed's sales flows walked document by document through the full gate.

Each scenario keeps a small set of books (what the host would know after each posting) and
walks the seed's steps in order. At every step it first tries the step too early, or with a
step before it skipped, and the control that guards it fires; then it does the step right and
the gate answers ALLOW, and the posting goes into the books for the next step.

* S-FT 外贸销售流程七步: 客户询盘 → 报价 → 订单/签约订货 → 业务审批 → 下生产订单.
* S-PS 产品销售标准流程 / 销售的八大流程: 潜在顾客 → 需求 → 方案 → 报价 → 合同 → 交付 → 售后 → 回访.
* S-K1 第一篇 items 1–3, 6, 9, 10: 销售政策 → 合同申报单 → 申报单审批 → 签订合同 → 生产通知单 →
  资金回收 → 业务提成 → 接续派工单.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import attrs

import salesctl as sc
from salesctl.model import SealUse
from tests import builders as b

GATE = sc.Gate()


@attrs.define
class Books:
    """What the host knows, growing as documents are posted."""

    approvals: list[sc.Approval] = attrs.Factory(list)
    approved: set[str] = attrs.Factory(set)
    contracts: dict[str, sc.Contract] = attrs.Factory(dict)
    forms: list[sc.BusinessApprovalForm] = attrs.Factory(list)
    accounts: dict[str, sc.ContractAccount] = attrs.Factory(dict)
    sales_policies: set[str] = attrs.Factory(set)
    extra: dict[str, Any] = attrs.Factory(dict)
    #: The business date of the checks (the day of the transactions being checked).
    today: dt.date = b.TODAY

    def context(self, **kw: Any) -> sc.Context:
        base: dict[str, Any] = dict(
            as_of=self.today,
            exposure=b.exposure(),
            approvals=tuple(self.approvals),
            approved_documents=frozenset(self.approved),
            contracts=tuple(self.contracts.values()),
            business_approval_forms=tuple(self.forms),
            contract_accounts=dict(self.accounts),
            sales_policies=frozenset(self.sales_policies),
            **self.extra,
        )
        base.update(kw)
        return sc.Context(**base)

    def approve(self, document_id: str, role: str, who: sc.Actor) -> None:
        self.approvals.append(b.approval(document_id, role, who, id=f"APR-{document_id}-{role}"))

    def sign(self, contract: sc.Contract) -> None:
        self.approved.add(contract.id)
        self.contracts[contract.id] = attrs.evolve(
            contract, status=sc.ContractStatus.SIGNED, signed_on=b.TODAY
        )


def check(txn: sc.Transaction, ctx: sc.Context) -> sc.Decision:
    return GATE.check(txn, ctx)


def fired(d: sc.Decision, control_id: str, outcome: sc.Outcome = sc.Outcome.BLOCK) -> set[str]:
    """Message keys of ``control_id``'s findings with ``outcome``."""
    return {f.message for f in d.findings if f.control_id == control_id and f.outcome is outcome}


def allowed(d: sc.Decision) -> bool:
    return d.outcome is sc.Outcome.ALLOW


#: The contract seal's custodian (S-K1 3: 合同章由销售业务科负责管理).
SEAL_CUSTODIAN = b.actor("u-seal", "seal_custodian", level=1, org_unit="sales-office")


def signing(contract: sc.Contract, at: dt.datetime) -> sc.SignContract:
    """The rep records the signing; the general manager signs externally (S-IC 4.1: 由合同签订
    人员按规定权限对外签订) and the custodian registered the contract seal's use (S-K1 3)."""
    return sc.SignContract(
        contract=contract,
        actor=b.REP,
        at=at,
        signatory=b.GENERAL_MANAGER,
        seal_use=SealUse(
            id=f"YY-{contract.id}",
            contract_id=contract.id,
            seal_id="SEAL-CT-01",
            custodian=SEAL_CUSTODIAN,
            used_at=at - dt.timedelta(hours=1),
        ),
    )


# -- S-FT ------------------------------------------------------------------------------------


def test_foreign_trade_inquiry_to_production_order() -> None:
    """S-FT: inquiry → quotation → order → contract → business approval → production order."""
    books = Books()
    books.extra = {"last_numbers": {"SO-2026": 41}}

    # 报价: the quotation answering the inquiry must state all seven elements.
    sketchy = b.quotation(
        transport=None, lines=(b.quotation_line(packaging=None, quality_grade=None),)
    )
    d = check(sc.SendQuotation(quotation=sketchy, actor=b.REP, at=b.at(2, 9)), books.context())
    assert fired(d, "O2C-SO-05") == {"orders.quotation_incomplete"}
    assert "transport; line 1: quality grade, packaging" in d.explain("en")
    assert "运输方式；第 1 行：质量等级、包装" in d.explain("zh")
    quote = b.quotation()
    assert allowed(
        check(sc.SendQuotation(quotation=quote, actor=b.REP, at=b.at(2, 9)), books.context())
    )

    # 订单: the customer's order at the quoted price, by L/C, approved by the sales manager.
    order = b.order(
        lines=(b.line(1, "100", "1000"),),
        method=sc.PaymentMethod.LETTER_OF_CREDIT,
        days=0,
        contract_id=b.CONTRACT_ID,
    )
    ctx = books.context(prices=b.prices_for(order))
    assert check(b.place(order), ctx).outcome is sc.Outcome.HOLD  # SO-02: not yet approved
    books.approve(order.id, "sales_manager", b.MANAGER)
    assert allowed(check(b.place(order), books.context(prices=b.prices_for(order))))

    # 签约订货 (the contract), then the production order. Production before the contract is
    # approved is blocked, as is production before the business approval form (业务审核表).
    contract = b.sales_contract(
        payment=sc.PaymentTerms(sc.PaymentMethod.LETTER_OF_CREDIT, 0), order_id=order.id
    )
    po = b.production_order()
    issue = sc.IssueProductionOrder(production_order=po, actor=b.PLANNER, at=b.at(2, 15))
    books.approve(po.id, "sales_vp", b.SALES_VP)  # even the VP's signature cannot skip steps
    d = check(issue, books.context())
    assert fired(d, "O2C-SO-06") == {
        "orders.production_contract_not_approved",
        "orders.business_approval_missing",
    }

    books.sales_policies.add(b.SALES_POLICY)
    for doc, role, who in (
        (b.APPLICATION_ID, "sales_manager", b.MANAGER),
        (b.APPLICATION_ID, "general_manager", b.GENERAL_MANAGER),
        (contract.id, "finance_head", b.FINANCE_HEAD),
        (contract.id, "legal_reviewer", b.LEGAL_REVIEWER),
    ):
        books.approve(doc, role, who)
    assert allowed(check(signing(contract, b.at(2, 11)), books.context()))
    books.sign(contract)

    # 业务审批 out of order: a form approved only after the production order's date.
    late = b.business_form(approved_on=b.TODAY + dt.timedelta(days=3), prepared_on=b.TODAY)
    d = check(issue, books.context(business_approval_forms=(late,)))
    assert fired(d, "O2C-SO-06") == {"orders.business_approval_after_production"}

    # Done right: form approved first, then the production order signed by the sales VP.
    books.forms.append(b.business_form())
    d = check(issue, books.context())
    assert allowed(d), d.explain()
    assert d.findings_for("O2C-SO-06")[0].cleared_by == ("APR-SC-2026-007-sales_vp",)


# -- S-PS ------------------------------------------------------------------------------------


def test_selling_pipeline_stage_by_stage() -> None:
    """S-PS: a lead becomes a prospect only if willing AND able; each stage with its artefact."""
    S = sc.PipelineStage
    ctx = Books().context()

    def advance(opp: sc.Opportunity, to: sc.PipelineStage) -> sc.Decision:
        return check(sc.AdvanceStage(opportunity=opp, to_stage=to, actor=b.REP, at=b.AT), ctx)

    lead = b.opportunity(S.LEAD, willing_to_buy=True, able_to_pay=None)
    d = advance(lead, S.QUALIFIED)
    assert fired(d, "O2C-PS-01") == {"pipeline.one_condition"}  # 只有一个条件满足、就不是潜在的顾客
    opp = attrs.evolve(lead, able_to_pay=True)
    assert allowed(advance(opp, S.QUALIFIED))
    opp = attrs.evolve(opp, stage=S.QUALIFIED)
    assert allowed(advance(opp, S.NEEDS))
    opp = attrs.evolve(opp, stage=S.NEEDS)

    # Jumping from needs straight to a quote skips the proposal; moving on without the needs
    # analysis on file lacks its artefact.
    assert fired(advance(opp, S.QUOTE), "O2C-PS-01") >= {"pipeline.skipped"}
    assert fired(advance(opp, S.PROPOSAL), "O2C-PS-01") == {"pipeline.missing_artefacts"}

    files: dict[str, str] = {}
    steps = [
        (S.PROPOSAL, "needs_analysis", "XQ-15"),
        (S.QUOTE, "proposal", "FA-15"),
        (S.CONTRACT, "quotation", "BJ-2026-031"),
        (S.FULFIL, "contract", b.CONTRACT_ID),
        (S.AFTER_SALES, "delivery_receipt", "HZ-15"),
        (S.REVIEW, None, None),
    ]
    for to, kind, ref in steps:
        if kind is not None and ref is not None:
            files[kind] = ref
        opp = attrs.evolve(opp, artefacts=files)
        d = advance(opp, to)
        if to is S.CONTRACT and "contract" not in files:
            # The quotation alone does not make a contract stage: the signed contract is filed.
            assert fired(d, "O2C-PS-01") == {"pipeline.missing_artefacts"}
            files["contract"] = b.CONTRACT_ID
            opp = attrs.evolve(opp, artefacts=files)
            d = advance(opp, to)
        assert allowed(d), (to, d.explain())
        opp = attrs.evolve(opp, stage=to)
    assert opp.stage is S.REVIEW


# -- S-K1 ------------------------------------------------------------------------------------


def test_five_part_flow_items_1_to_3_6_9_10() -> None:
    """S-K1 第一篇: policy → application → approval → contract → production → collection →
    commission → follow-on work, each step refused until the one before it is done."""
    books = Books()
    contract = b.sales_contract(first_payment=b.cny("30000"))
    sign = signing(contract, b.at(2, 11))

    # 1. 销售政策由公司经营联席会确定,总经理签发: a contract on a policy not yet issued is refused.
    d = check(sign, books.context())
    assert fired(d, "O2C-CT-03") == {"contracts.sales_policy_not_in_force"}
    books.sales_policies.add(b.SALES_POLICY)

    # 2. 合同申报单…销售经理审签,总经理签批: until both sign, the contract waits.
    d = check(sign, books.context())
    assert d.outcome is sc.Outcome.HOLD
    assert {(r.role, r.document_id) for r in d.required_approvals} >= {
        ("sales_manager", b.APPLICATION_ID),
        ("general_manager", b.APPLICATION_ID),
    }
    books.approve(b.APPLICATION_ID, "sales_manager", b.MANAGER)
    books.approve(b.APPLICATION_ID, "general_manager", b.GENERAL_MANAGER)

    # 3. 销售产品必须签订文本合同…财务部会签: an oral agreement is refused; the written contract
    #    waits for finance's co-signature (and legal review, S-IC 4.1).
    oral = attrs.evolve(contract, form=sc.ContractForm.ORAL)
    d = check(sc.SignContract(contract=oral, actor=b.REP, at=b.at(2, 11)), books.context())
    assert fired(d, "O2C-CT-01") == {"contracts.not_written"}
    d = check(sign, books.context())
    assert {r.role for r in d.required_approvals} == {"finance_head", "legal_reviewer"}
    books.approve(contract.id, "finance_head", b.FINANCE_HEAD)
    books.approve(contract.id, "legal_reviewer", b.LEGAL_REVIEWER)
    #    由合同签订人员按规定权限对外签订 (S-IC 4.1), 合同章 (S-K1 3): the rep may not sign it
    #    himself, nor may it go out without the custodian's seal-use entry.
    d = check(attrs.evolve(sign, signatory=None), books.context())
    assert fired(d, "O2C-CT-05") == {"contracts.signatory_not_authorised"}
    d = check(attrs.evolve(sign, seal_use=None), books.context())
    assert fired(d, "O2C-CT-05") == {"contracts.no_seal_record"}
    assert allowed(check(sign, books.context()))
    books.sign(contract)

    # 6. 生产通知单由计划科依据合同编制,分管销售的副总经理签发.
    books.forms.append(b.business_form())
    issue = sc.IssueProductionOrder(
        production_order=b.production_order(), actor=b.PLANNER, at=b.at(2, 15)
    )
    d = check(issue, books.context())
    assert d.outcome is sc.Outcome.HOLD and [r.role for r in d.required_approvals] == ["sales_vp"]
    books.approve("SC-2026-007", "sales_vp", b.SALES_VP)
    assert allowed(check(issue, books.context()))

    # 10. 首期付款未到的客户不得安排接续 — tried before any money came in (the next day).
    books.today = dt.date(2026, 3, 3)
    wo = sc.ScheduleWorkOrder(work_order=b.work_order(), actor=b.REP, at=b.at(3, 9))
    books.accounts[contract.id] = b.ledger_line("100000", "0")
    assert fired(check(wo, books.context()), "O2C-SV-01") == {"service.first_payment_missing"}

    # 9. 货款回收后…提成单: no commission before collection, nor on a contract not signed.
    claim = b.commission_claim(amount="1800")
    pay = sc.PayCommission(claim=claim, actor=b.ACCOUNTANT, at=b.at(3, 16))
    assert fired(check(pay, books.context()), "O2C-CM-01") == {"commission.nothing_collected"}
    unsigned = b.commission_claim(contract_id="HT-2026-999")
    d = check(sc.PayCommission(claim=unsigned, actor=b.ACCOUNTANT, at=b.at(3, 16)), books.context())
    assert fired(d, "O2C-CM-01") == {"commission.contract_not_approved"}  # 没有合同的不预提成

    # The customer pays 60 % (the first instalment of 30,000 and more).
    books.accounts[contract.id] = b.ledger_line("100000", "60000")

    # 10, done right: the first payment is in; the sales manager signs the work order.
    books.approve("PG-2026-007", "sales_manager", b.MANAGER)
    assert allowed(check(wo, books.context()))

    # 9, done right: 3 % of 60,000 = 1,800, reviewed by finance and the finance VP, signed by
    # the GM. With 20,000 overdue, S-K1 5 offsets it: only 1,200 may be paid.
    d = check(pay, books.context())
    assert d.outcome is sc.Outcome.HOLD
    assert [r.role for r in d.required_approvals] == [
        "finance_head",
        "finance_vp",
        "general_manager",
    ]
    books.approve(claim.id, "finance_head", b.FINANCE_HEAD)
    books.approve(claim.id, "finance_vp", b.FINANCE_VP)
    books.approve(claim.id, "general_manager", b.GENERAL_MANAGER)
    assert allowed(check(pay, books.context()))
    overdue = b.exposure(receivables="20000", overdue="20000", oldest=dt.date(2026, 1, 31))
    d = check(pay, books.context(exposure=overdue))
    assert fired(d, "O2C-CM-01") == {"commission.exceeds_payable"}
    assert dict(d.findings_for("O2C-CM-01")[0].facts)["payable"] == "1200.00 CNY"
    smaller = sc.PayCommission(
        claim=attrs.evolve(claim, amount=b.cny("1200")), actor=b.ACCOUNTANT, at=b.at(3, 16)
    )
    assert allowed(check(smaller, books.context(exposure=overdue)))
