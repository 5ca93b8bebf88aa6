"""The contracts family: written form (O2C-CT-01), template and legal review (O2C-CT-02),
application and finance co-signature (O2C-CT-03), signing authority and the contract seal
(O2C-CT-05).

S-IC 4.1: 对于即时清结的现款现货部分,分(子)公司可根据实际情况,决定是否签订销售合同……按照经法律
事务部审定的产品销售合同示范文本拟订合同,并经同级法律事务部门(岗位)审核……文字性修改的,经同级
法律事务部门(岗位)审核;进行实质性修改的,报法律事务部审核。
S-K1 1–3: 销售政策由公司经营联席会确定,总经理签发;合同申报单…销售经理审签,总经理签批;销售产品
必须签订文本合同,合同以合同申报单为依据,销售部主管,财务部会签;合同章由销售业务科负责管理。
S-IC 4.1 (signing): …后,由合同签订人员按规定权限对外签订销售合同。
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import salesctl as sc
from salesctl.controls import CONTROLS, contracts
from salesctl.errors import InvalidInput
from salesctl.model import SealKind, SealUse, SigningAuthority
from salesctl.reconcile import ContractLedgerLine, LedgerBook, Records
from salesctl.transactions import parse_transaction, transaction_to_dict
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


#: The contract seal's custodian in the sales office (S-K1 3: 合同章由销售业务科负责管理).
CUSTODIAN = b.actor("u-seal", "seal_custodian", level=1, org_unit="sales-office")


def seal(contract_id: str = b.CONTRACT_ID, **kw: object) -> SealUse:
    """The seal-use entry of the contract seal put on ``contract_id`` by its custodian."""
    values: dict[str, object] = {
        "id": "YY-2026-031",
        "contract_id": contract_id,
        "seal_id": "SEAL-CT-01",
        "custodian": CUSTODIAN,
        "used_at": b.at(2, 9),
    }
    values.update(kw)
    return SealUse(**values)  # type: ignore[arg-type]


def sign(
    c: sc.Contract | None = None,
    *,
    signatory: sc.Actor | None = b.GENERAL_MANAGER,
    seal_use: SealUse | str | None = "default",
    actor: sc.Actor = b.REP,
) -> sc.SignContract:
    """The rep records the signing; by default the general manager signs externally and the
    custodian's seal-use entry for the contract comes with it."""
    k = c or b.sales_contract()
    return sc.SignContract(
        contract=k,
        actor=actor,
        at=b.AT,
        signatory=signatory,
        seal_use=seal(k.id) if seal_use == "default" else seal_use,  # type: ignore[arg-type]
    )


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
    """The whole gate on a SignContract: the four contract controls run and it is ALLOW."""
    gate = sc.Gate()
    assert {"O2C-CT-01", "O2C-CT-02", "O2C-CT-03", "O2C-CT-05"} <= set(
        gate.controls_for("SignContract")
    )
    assert gate.check(sign(), ctx()).outcome is sc.Outcome.ALLOW


def test_policy_defaults_round_trip_through_toml_data() -> None:
    """The default policy's [contracts] table reads back to the same policy."""
    from salesctl._convert import structure, unstructure

    default = contracts.ContractsPolicy()
    assert structure(unstructure(default), contracts.ContractsPolicy, "contracts") == default


# -- O2C-CT-05: 由合同签订人员按规定权限对外签订销售合同 (S-IC 4.1); 合同章 (S-K1 3) ------------

CLERK = b.actor("u-wh", "warehouse_clerk", level=0, org_unit="warehouse")


def ct05(txn: sc.SignContract, policy: sc.Policy | None = None, **kw: object) -> sc.Decision:
    return only("O2C-CT-05", policy).check(txn, ctx(**kw))


def blocks(d: sc.Decision) -> list[str]:
    return sorted(f.message for f in d.findings if f.outcome is sc.Outcome.BLOCK)


def facts(d: sc.Decision) -> dict[str, str]:
    return dict(d.findings[0].facts)


class TestCT05SignatoryAndSeal:
    def test_the_issues_attack_a_warehouse_clerk_signs_with_every_approval_on_file(self) -> None:
        """Issue 13, finding 2: a warehouse clerk at level 0 signs externally, every approval on
        file and the seal registered → BLOCK (it was ALLOW), for the whole gate too."""
        txn = sign(signatory=CLERK)
        d = ct05(txn)
        assert blocks(d) == ["contracts.signatory_not_authorised"]
        f = facts(d)
        assert (f["signatory"], f["roles"], f["level"]) == ("u-wh", "warehouse_clerk", "0")
        assert (f["amount"], f["form"], f["authority"]) == ("100000.00 CNY", "written", "none")
        assert "YY-2026-031" in f["seal_use"]
        assert "无此金额和类型的签约授权" in d.explain("zh")
        assert "holds no signing authority" in d.explain("en")
        assert sc.Gate().check(txn, ctx()).outcome is sc.Outcome.BLOCK

    def test_the_actor_signs_when_no_signatory_is_named(self) -> None:
        """No separate signatory: the acting clerk is the signer and is blocked; a general
        manager acting alone signs within authority."""
        assert blocks(ct05(sign(signatory=None, actor=CLERK))) == [
            "contracts.signatory_not_authorised"
        ]
        d = ct05(sign(signatory=None, actor=b.GENERAL_MANAGER))
        assert d.outcome is sc.Outcome.ALLOW

    def test_general_manager_signs_any_amount_with_evidence(self) -> None:
        """The general manager's authority has no upper bound; the ALLOW finding records the
        authority line and the seal-use entry as evidence."""
        d = ct05(sign(b.sales_contract(amount="50000000")))
        assert d.outcome is sc.Outcome.ALLOW
        (f,) = d.findings
        assert f.message == "contracts.signed_within_authority"
        assert dict(f.facts)["authority"] == "role general_manager (level ≥ 4) any amount"
        assert "SEAL-CT-01" in dict(f.facts)["seal_use"] and "u-seal" in dict(f.facts)["seal_use"]

    @pytest.mark.parametrize(
        ("amount", "outcome"),
        [("100000.00", sc.Outcome.ALLOW), ("100000.01", sc.Outcome.BLOCK)],
    )
    def test_sales_manager_up_to_the_limit(self, amount: str, outcome: sc.Outcome) -> None:
        """The sales manager signs up to 100,000.00 CNY: exactly at the limit → ALLOW, one cent
        over → BLOCK."""
        c = b.sales_contract(amount=amount, lines=())
        assert ct05(sign(c, signatory=b.MANAGER)).outcome is outcome

    def test_the_role_needs_its_authority_level(self) -> None:
        """A sales manager below level 2 holds the role but not the authority."""
        junior = b.actor("u-mgr2", "sales_manager", level=1)
        assert blocks(ct05(sign(signatory=junior))) == ["contracts.signatory_not_authorised"]

    def test_sales_director_band(self) -> None:
        """The sales director signs up to 1,000,000 CNY."""
        c = b.sales_contract(amount="1000000", lines=())
        assert ct05(sign(c, signatory=b.DIRECTOR)).allowed
        over = b.sales_contract(amount="1000000.01", lines=())
        assert ct05(sign(over, signatory=b.DIRECTOR)).outcome is sc.Outcome.BLOCK

    def test_a_named_person_under_a_power_of_attorney(self) -> None:
        """按规定权限: the table may authorise one person by a written authorisation (授权委托书),
        which the evidence names; the same person over the amount is blocked."""
        p = sc.loads_policy(
            "[contracts]\nsigning_authorities = [\n"
            '  { person = "u-rep", max_amount = "200000 CNY", power_of_attorney = "WT-2026-003" },\n'
            "]\n"
        )
        d = ct05(sign(signatory=b.REP), p)
        assert d.allowed
        assert "power of attorney WT-2026-003" in facts(d)["authority"]
        big = b.sales_contract(amount="200000.01", lines=())
        assert ct05(sign(big, signatory=b.REP), p).outcome is sc.Outcome.BLOCK
        assert ct05(sign(signatory=b.GENERAL_MANAGER), p).outcome is sc.Outcome.BLOCK

    def test_authority_by_contract_form_and_template(self) -> None:
        """An authority limited to written contracts on one template does not cover an
        e-contract, nor another template (contract type)."""
        p = sc.loads_policy(
            "[contracts]\nsigning_authorities = [\n"
            '  { role = "sales_manager", min_level = 2, forms = ["written"],'
            ' templates = ["TPL-SALES-2026"] },\n'
            "]\n"
        )
        assert ct05(sign(signatory=b.MANAGER), p).allowed
        e = b.sales_contract(form=sc.ContractForm.ELECTRONIC)
        assert ct05(sign(e, signatory=b.MANAGER), p).outcome is sc.Outcome.BLOCK
        other = b.sales_contract(template_id="TPL-SERVICE-2026")
        assert ct05(sign(other, signatory=b.MANAGER), p).outcome is sc.Outcome.BLOCK

    def test_a_contract_in_another_currency_is_converted(self) -> None:
        """A USD contract is measured against the CNY limit at the context's rate; with no
        rate the gate fails closed."""
        usd = sc.Contract(
            id=b.CONTRACT_ID,
            customer_id="C-100",
            amount=sc.Money("14000", "USD"),
            payment=sc.PaymentTerms(sc.PaymentMethod.CREDIT, 30),
            created_by="u-rep",
            template_id="TPL-SALES-2026",
        )
        rates = {"USD/CNY": Decimal("7.10")}
        assert ct05(sign(usd, signatory=b.MANAGER), fx_rates=rates).allowed  # 99,400 CNY
        more = attrs.evolve(usd, amount=sc.Money("14100", "USD"))  # 100,110 CNY
        assert ct05(sign(more, signatory=b.MANAGER), fx_rates=rates).outcome is sc.Outcome.BLOCK
        assert ct05(sign(usd, signatory=b.MANAGER)).outcome is sc.Outcome.BLOCK

    def test_no_seal_use_entry_blocks(self) -> None:
        """合同章由销售业务科负责管理: a contract going out with no entry of the contract seal's use
        is blocked, whoever signs."""
        d = ct05(sign(seal_use=None))
        assert blocks(d) == ["contracts.no_seal_record"]
        assert facts(d)["seal_use"] == "none"
        assert "无合同专用章的用印登记" in d.explain("zh")

    @pytest.mark.parametrize(
        ("entry", "message"),
        [
            (seal("HT-2026-099"), "contracts.seal_other_contract"),
            (seal(kind=SealKind.COMPANY), "contracts.seal_wrong_kind"),
            (seal(used_at=b.at(2, 11)), "contracts.seal_after_signing"),
            (seal(custodian=b.REP), "contracts.seal_not_by_custodian"),
        ],
    )
    def test_a_seal_use_entry_that_does_not_count_blocks(
        self, entry: SealUse, message: str
    ) -> None:
        """The entry must be for this contract, of the contract seal, made before the signing
        and by a custodian."""
        d = ct05(sign(seal_use=entry))
        assert blocks(d) == [message]
        assert d.explain("zh") and d.explain("en")

    def test_the_company_seal_counts_where_the_policy_accepts_it(self) -> None:
        """seal_kinds = ["contract_seal", "company_seal"]: a contract sealed with the company
        seal passes."""
        p = sc.loads_policy('[contracts]\nseal_kinds = ["contract_seal", "company_seal"]\n')
        assert ct05(sign(seal_use=seal(kind=SealKind.COMPANY)), p).allowed

    def test_the_signatory_cannot_keep_the_seal(self) -> None:
        """Segregation: a general manager who also holds the seal and seals his own signing, or
        registers its use, is blocked (ids compared without regard to case)."""
        both = b.actor("u-gm", "general_manager", "seal_custodian", level=4)
        d = ct05(sign(signatory=both, seal_use=seal(custodian=both)))
        assert blocks(d) == ["contracts.seal_custodian_is_signatory"]
        assert "签约与印章保管职务未分离" in d.explain("zh")
        d = ct05(sign(seal_use=seal(registered_by="U-GM")))
        assert blocks(d) == ["contracts.seal_custodian_is_signatory"]

    def test_custodian_roles_are_a_parameter(self) -> None:
        """seal_custodian_roles names who keeps the seal: the sales office here."""
        office = b.actor("u-so", "sales_office", level=1)
        p = sc.loads_policy('[contracts]\nseal_custodian_roles = ["sales_office"]\n')
        assert ct05(sign(seal_use=seal(custodian=office)), p).allowed
        assert blocks(ct05(sign(), p)) == ["contracts.seal_not_by_custodian"]

    def test_both_defects_are_reported(self) -> None:
        """An unauthorised signer and no seal entry: two BLOCK findings."""
        d = ct05(sign(signatory=CLERK, seal_use=None))
        assert blocks(d) == ["contracts.no_seal_record", "contracts.signatory_not_authorised"]

    @pytest.mark.parametrize(
        "kw",
        [
            {"role": "general_manager", "person": "u-gm"},
            {},
            {"role": "sales_manager", "max_amount": sc.Money("0", "CNY")},
            {"role": " "},
        ],
    )
    def test_an_authority_line_is_validated(self, kw: dict[str, object]) -> None:
        """A line names a role or a person (not both), with a positive limit."""
        with pytest.raises(InvalidInput):
            SigningAuthority(**kw)  # type: ignore[arg-type]

    def test_a_seal_use_entry_is_validated(self) -> None:
        """A naive time or a blank seal id is refused."""
        with pytest.raises(InvalidInput):
            seal(used_at=dt.datetime(2026, 3, 2, 9))
        with pytest.raises(InvalidInput):
            seal(seal_id=" ")

    def test_the_signing_round_trips_through_json(self) -> None:
        """SignContract with its signatory and seal-use entry reads back the same."""
        txn = sign()
        assert parse_transaction(transaction_to_dict(txn)) == txn
        assert txn.signer == b.GENERAL_MANAGER
        assert sign(signatory=None).signer == b.REP

    def test_the_control_is_key_and_documented(self) -> None:
        """O2C-CT-05 is a key preventive control on SignContract, citing S-IC 4.1 and S-K1 3."""
        assert "O2C-CT-05" in sc.Gate().controls_for("SignContract")
        ctl = CONTROLS["O2C-CT-05"]
        assert ctl.key and ctl.seeds == ("S-IC 4.1", "S-K1 3") and ctl.version == 1
        assert ctl.conflicts == ("signatory ≠ seal custodian / 签约人 ≠ 印章保管人",)


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


def _detect_ledger_as_first_written(records: Records, period: sc.Period) -> sc.Examination:
    """O2C-CT-04 before its month-end tables were cut down: the latest line per
    ``(contract, book)`` pair, the contracts a sorted set of the pairs' ids."""
    from salesctl.decision import make_finding

    latest: dict[tuple[str, LedgerBook], ContractLedgerLine] = {}
    for line in records.contract_ledger:
        if line.as_of not in period:
            continue
        key = (line.contract_id, line.book)
        old = latest.get(key)
        if old is None or line.as_of > old.as_of:
            latest[key] = line
    ids = sorted({c for c, _ in latest})
    out: list[sc.Finding] = []
    for cid in ids:
        sales = latest.get((cid, LedgerBook.SALES))
        fin = latest.get((cid, LedgerBook.FINANCE))
        if sales is None or fin is None:
            have = sales or fin
            assert have is not None
            missing = LedgerBook.SALES if sales is None else LedgerBook.FINANCE
            out.append(
                make_finding(
                    "O2C-CT-04",
                    sc.Outcome.HOLD,
                    "period_end.ledger_missing",
                    cid,
                    params={"contract": cid, "book": missing.value},
                    facts={
                        "customer": have.customer_id,
                        "in_book": have.book.value,
                        "as_of": have.as_of,
                    },
                    role=POLICY.ledger_role,
                    level=POLICY.follow_up_level,
                )
            )
            continue
        diffs: dict[str, object] = {}
        for name in ("value", "delivered", "invoiced", "collected"):
            a, b_ = getattr(sales, name), getattr(fin, name)
            if a != b_:
                diffs[name] = f"sales {a} / finance {b_}"
        if diffs:
            out.append(
                make_finding(
                    "O2C-CT-04",
                    sc.Outcome.HOLD,
                    "period_end.ledger_difference",
                    cid,
                    params={"contract": cid, "fields": sorted(diffs)},
                    facts={"customer": sales.customer_id, **diffs},
                    role=POLICY.ledger_role,
                    level=POLICY.follow_up_level,
                )
            )
    return sc.Examination(len(ids), tuple(out))


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["HT-3", "HT-1", "HT-2", "HT-10"]),
            st.sampled_from([LedgerBook.FINANCE, LedgerBook.SALES]),
            st.sampled_from(["C-1", "C-2"]),
            st.integers(2, 4),  # month: before, in and after the period
            st.sampled_from([15, 28]),  # day: ties in the date
            st.sampled_from(["60000", "50000"]),
        ),
        max_size=12,
    )
)
def test_the_ledger_check_equals_it_as_first_written(rows: list) -> None:
    """O2C-CT-04 with a table per book keyed by the contract id and the contracts listed
    without a set of them all (the month-end peak of the replay) finds what it found keyed by
    ``(contract, book)`` pairs: the same findings in the same order, the same count tested —
    contracts in one book, in both, differing, read several times in the month (ties in the
    date: the first kept), read in other months, finance's line first."""
    records = Records(
        contract_ledger=[
            ledger(bk, collected=c, contract_id=cid, customer_id=cust, as_of=d(day, month))
            for cid, bk, cust, month, day, c in rows
        ]
    )
    assert contracts.detect_contract_ledger(
        records, MARCH, POLICY
    ) == _detect_ledger_as_first_written(records, MARCH)


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
