"""The contracts family: written form (O2C-CT-01), template and legal review (O2C-CT-02),
application and finance co-signature (O2C-CT-03).

S-IC 4.1: 对于即时清结的现款现货部分,分(子)公司可根据实际情况,决定是否签订销售合同……按照经法律
事务部审定的产品销售合同示范文本拟订合同,并经同级法律事务部门(岗位)审核……文字性修改的,经同级
法律事务部门(岗位)审核;进行实质性修改的,报法律事务部审核。
S-K1 1–3: 销售政策由公司经营联席会确定,总经理签发;合同申报单…销售经理审签,总经理签批;销售产品
必须签订文本合同,合同以合同申报单为依据,销售部主管,财务部会签。
"""

from __future__ import annotations

import pytest

import salesctl as sc
from salesctl.controls import contracts
from salesctl.reconcile import ContractLedgerLine, LedgerBook, Records
from tests import builders as b
from tests.controls._records import MARCH, cny, d, outcomes

APPLICATION = (
    b.approval(b.APPLICATION_ID, "sales_manager", b.MANAGER, id="APR-SM"),
    b.approval(b.APPLICATION_ID, "general_manager", b.GENERAL_MANAGER, id="APR-GM"),
)
COSIGN = b.approval(b.CONTRACT_ID, "finance_head", b.FINANCE_HEAD, id="APR-FIN")
LEGAL = b.approval(b.CONTRACT_ID, "legal_reviewer", b.LEGAL_REVIEWER, id="APR-LEGAL")
HQ = b.approval(b.CONTRACT_ID, "hq_legal", b.HQ_LEGAL, id="APR-HQ")
ALL = (*APPLICATION, COSIGN, LEGAL)


def only(cid: str, policy: sc.Policy | None = None) -> sc.Gate:
    return sc.Gate(policy, only=[cid])


def sign(c: sc.Contract | None = None) -> sc.SignContract:
    return sc.SignContract(contract=c or b.sales_contract(), actor=b.REP, at=b.AT)


def ctx(approvals: tuple[sc.Approval, ...] = ALL, **kw: object) -> sc.Context:
    return b.context(approvals=approvals, sales_policies={b.SALES_POLICY}, **kw)


def messages(d: sc.Decision) -> set[str]:
    return {f.message for f in d.findings if f.outcome is sc.Outcome.BLOCK}


class TestCT01WrittenContract:
    def test_written_contract_passes(self) -> None:
        """A 文本合同 on credit terms → ALLOW."""
        assert only("O2C-CT-01").check(sign(), ctx()).outcome is sc.Outcome.ALLOW

    def test_oral_credit_sale_blocks(self) -> None:
        """An oral agreement for a sale on 30 days' credit → BLOCK."""
        d = only("O2C-CT-01").check(sign(b.sales_contract(form=sc.ContractForm.ORAL)), ctx())
        assert d.outcome is sc.Outcome.BLOCK
        assert "须签订文本合同" in d.explain("zh")

    def test_cash_and_carry_needs_no_written_contract(self) -> None:
        """即时清结的现款现货: cash, zero days → ALLOW without a written contract."""
        c = b.sales_contract(
            form=sc.ContractForm.ORAL, payment=sc.PaymentTerms(sc.PaymentMethod.CASH, 0)
        )
        assert only("O2C-CT-01").check(sign(c), ctx()).outcome is sc.Outcome.ALLOW

    def test_cash_with_credit_days_is_not_cash_and_carry(self) -> None:
        """Cash due in 30 days is not immediate settlement → BLOCK."""
        c = b.sales_contract(
            form=sc.ContractForm.ORAL, payment=sc.PaymentTerms(sc.PaymentMethod.CASH, 30)
        )
        assert only("O2C-CT-01").check(sign(c), ctx()).outcome is sc.Outcome.BLOCK

    def test_electronic_counts_only_when_the_policy_says_so(self) -> None:
        """An e-contract is blocked by default and accepted once listed in written_forms."""
        c = b.sales_contract(form=sc.ContractForm.ELECTRONIC)
        assert only("O2C-CT-01").check(sign(c), ctx()).outcome is sc.Outcome.BLOCK
        p = sc.loads_policy('[contracts]\nwritten_forms = ["written", "electronic"]\n')
        assert only("O2C-CT-01", p).check(sign(c), ctx()).allowed

    def test_cash_and_carry_methods_are_a_parameter(self) -> None:
        """Prepayment is not cash-and-carry by default; a policy may make it so."""
        c = b.sales_contract(
            form=sc.ContractForm.ORAL, payment=sc.PaymentTerms(sc.PaymentMethod.PREPAYMENT, 0)
        )
        assert only("O2C-CT-01").check(sign(c), ctx()).outcome is sc.Outcome.BLOCK
        p = sc.loads_policy('[contracts]\ncash_and_carry_methods = ["cash", "prepayment"]\n')
        assert only("O2C-CT-01", p).check(sign(c), ctx()).allowed


class TestCT02Template:
    def test_unmodified_template_needs_same_level_legal(self) -> None:
        """Every contract is reviewed by same-level legal: HOLD without, ALLOW with it."""
        d = only("O2C-CT-02").check(sign(), ctx(approvals=()))
        assert d.outcome is sc.Outcome.HOLD
        assert [r.role for r in d.required_approvals] == ["legal_reviewer"]
        assert only("O2C-CT-02").check(sign(), ctx(approvals=(LEGAL,))).allowed

    def test_unmodified_review_can_be_switched_off(self) -> None:
        """review_unmodified = false: the unmodified template needs no review."""
        p = sc.loads_policy("[contracts]\nreview_unmodified = false\n")
        assert only("O2C-CT-02", p).check(sign(), ctx(approvals=())).allowed
        textual = b.sales_contract(deviation=sc.TemplateDeviation.TEXTUAL)
        assert (
            only("O2C-CT-02", p).check(sign(textual), ctx(approvals=())).outcome is sc.Outcome.HOLD
        )

    def test_textual_change_same_level_legal(self) -> None:
        """文字性修改: same-level legal review clears it."""
        c = b.sales_contract(deviation=sc.TemplateDeviation.TEXTUAL)
        assert only("O2C-CT-02").check(sign(c), ctx(approvals=(LEGAL,))).allowed

    def test_substantive_change_needs_hq_legal(self) -> None:
        """实质性修改: same-level legal alone leaves it on HOLD for HQ legal."""
        c = b.sales_contract(deviation=sc.TemplateDeviation.SUBSTANTIVE)
        d = only("O2C-CT-02").check(sign(c), ctx(approvals=(LEGAL,)))
        assert d.outcome is sc.Outcome.HOLD
        assert [r.role for r in d.required_approvals] == ["hq_legal"]
        assert only("O2C-CT-02").check(sign(c), ctx(approvals=(LEGAL, HQ))).allowed

    def test_no_template_blocks(self) -> None:
        """A contract not drafted on the legal-approved template → BLOCK."""
        d = only("O2C-CT-02").check(sign(b.sales_contract(template_id=None)), ctx())
        assert messages(d) == {"contracts.no_template"}

    def test_unapproved_template_blocks(self) -> None:
        """With a list of approved templates, any other template → BLOCK."""
        p = sc.loads_policy('[contracts]\napproved_templates = ["TPL-SALES-2025"]\n')
        d = only("O2C-CT-02", p).check(sign(), ctx())
        assert messages(d) == {"contracts.template_not_approved"}

    def test_drafter_cannot_review(self) -> None:
        """A legal reviewer who drafted the contract cannot review it."""
        c = b.sales_contract(created_by="u-legal")
        assert only("O2C-CT-02").check(sign(c), ctx(approvals=(LEGAL,))).outcome is sc.Outcome.HOLD


class TestCT03Application:
    def test_approved_application_and_cosign_pass(self) -> None:
        """Sales manager signed, GM approved the application; finance co-signed → ALLOW."""
        d = only("O2C-CT-03").check(sign(), ctx())
        assert d.outcome is sc.Outcome.ALLOW
        assert set(d.findings[0].cleared_by) == {"APR-SM", "APR-GM", "APR-FIN"}

    def test_holds_for_three_signatures(self) -> None:
        """Nothing signed → HOLD: two on the application, one on the contract."""
        d = only("O2C-CT-03").check(sign(), ctx(approvals=()))
        assert d.outcome is sc.Outcome.HOLD
        got = {(r.role, r.document_id) for r in d.required_approvals}
        assert got == {
            ("sales_manager", b.APPLICATION_ID),
            ("general_manager", b.APPLICATION_ID),
            ("finance_head", b.CONTRACT_ID),
        }

    def test_gm_approval_on_the_wrong_document_does_not_count(self) -> None:
        """The GM approved the contract, not the application → still HOLD."""
        wrong = b.approval(b.CONTRACT_ID, "general_manager", b.GENERAL_MANAGER, id="APR-GM")
        d = only("O2C-CT-03").check(sign(), ctx(approvals=(APPLICATION[0], wrong, COSIGN)))
        assert d.outcome is sc.Outcome.HOLD
        assert [r.role for r in d.required_approvals] == ["general_manager"]

    def test_application_approval_must_cover_the_contract_amount(self) -> None:
        """An application approved up to 80,000 does not cover a 100,000 contract."""
        small = b.approval(
            b.APPLICATION_ID,
            "general_manager",
            b.GENERAL_MANAGER,
            id="APR-GM",
            max_amount=b.cny("80000"),
        )
        d = only("O2C-CT-03").check(sign(), ctx(approvals=(APPLICATION[0], small, COSIGN)))
        assert d.outcome is sc.Outcome.HOLD

    def test_drafter_cannot_sign_the_application(self) -> None:
        """A sales manager who drafted the contract cannot sign its application."""
        d = only("O2C-CT-03").check(sign(b.sales_contract(created_by="u-mgr")), ctx())
        assert d.outcome is sc.Outcome.HOLD
        # the manager's step is open, and the GM signs after it (S-K1 2): both stay open
        assert [r.role for r in d.required_approvals] == ["sales_manager", "general_manager"]
        assert "proposer" in {x.reason for x in d.findings[0].rejected}

    @pytest.mark.parametrize(
        ("kw", "sales_policies", "message"),
        [
            ({"application_id": None}, {b.SALES_POLICY}, "contracts.no_application"),
            ({"sales_policy_ref": None}, {b.SALES_POLICY}, "contracts.no_sales_policy"),
            ({}, set(), "contracts.sales_policy_not_in_force"),
            (
                {"sales_policy_ref": "XSZC-2019-03"},
                {b.SALES_POLICY},
                "contracts.sales_policy_not_in_force",
            ),
        ],
    )
    def test_missing_basis_blocks(
        self, kw: dict[str, object], sales_policies: set[str], message: str
    ) -> None:
        """No application, or no sales policy in force behind it → BLOCK."""
        c = b.sales_contract(**kw)  # type: ignore[arg-type]
        d = only("O2C-CT-03").check(
            sign(c), b.context(approvals=ALL, sales_policies=sales_policies)
        )
        assert d.outcome is sc.Outcome.BLOCK
        assert messages(d) == {message}

    def test_sales_policy_requirement_is_a_parameter(self) -> None:
        """require_sales_policy = false: a contract citing none passes."""
        p = sc.loads_policy("[contracts]\nrequire_sales_policy = false\n")
        assert (
            only("O2C-CT-03", p).check(sign(b.sales_contract(sales_policy_ref=None)), ctx()).allowed
        )


def test_sign_contract_done_right_passes_every_contract_control() -> None:
    """The whole gate on a SignContract: the three contract controls run and it is ALLOW."""
    gate = sc.Gate()
    assert {"O2C-CT-01", "O2C-CT-02", "O2C-CT-03"} <= set(gate.controls_for("SignContract"))
    assert gate.check(sign(), ctx()).outcome is sc.Outcome.ALLOW


def test_policy_defaults_round_trip_through_toml_data() -> None:
    """The default policy's [contracts] table reads back to the same policy."""
    from salesctl._convert import structure, unstructure

    default = contracts.ContractsPolicy()
    assert structure(unstructure(default), contracts.ContractsPolicy, "contracts") == default


# -- O2C-CT-04 (detective, run by salesctl.reconcile.run) -----------------------------------------

POLICY = contracts.ContractsPolicy()


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
        r = contracts.detect_contract_ledger(records, MARCH, POLICY)
        assert r.tested == 1 and r.findings == ()

    def test_difference_is_held(self) -> None:
        """Collected 60,000 in sales' ledger but 50,000 in finance's: a HOLD naming the field."""
        records = Records(
            contract_ledger=[
                ledger(LedgerBook.SALES),
                ledger(LedgerBook.FINANCE, collected="50000"),
            ]
        )
        r = contracts.detect_contract_ledger(records, MARCH, POLICY)
        assert outcomes(r) == [("O2C-CT-04", "HOLD", "HT-1")]
        assert "collected" in dict(r.findings[0].facts)

    def test_contract_in_one_ledger_is_held(self) -> None:
        """A contract only sales recorded is missing from finance's ledger."""
        r = contracts.detect_contract_ledger(
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
        assert contracts.detect_contract_ledger(records, MARCH, POLICY).findings == ()
