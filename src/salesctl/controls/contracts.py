"""Contracts: written form, the legal-approved template, and the contract application (签订销售合同).

Source: the group manual S-IC 4.1 (对于即时清结的现款现货部分,分(子)公司可根据实际情况,决定
是否签订销售合同。对需要签订销售合同的,应由业务经办人员按照经法律事务部审定的产品销售合同示范
文本拟订合同,并经同级法律事务部门(岗位)审核…对示范合同文本条款进行文字性修改的,经同级法律
事务部门(岗位)审核;进行实质性修改的,报法律事务部审核) and the five-part sales flow S-K1 1–3
(销售政策由公司经营联席会确定,总经理签发;合同申报单以公司销售政策为依据…销售经理审签,总经理
签批;销售产品必须签订文本合同,合同以合同申报单为依据,销售部主管,财务部会签). Guideline 9 art. 4
and 6.

Controls, all on :class:`~salesctl.transactions.SignContract`: O2C-CT-01 (a written contract
unless the sale is immediate cash-and-carry), O2C-CT-02 (drafted on the legal-approved
template; every contract reviewed by same-level legal, substantive changes also by HQ legal),
O2C-CT-03 (the contract rests on a contract application that cites a sales policy in force,
signed by the sales manager and approved by the general manager, and finance co-signs the
contract); and, detective, O2C-CT-04 (the sales department's and finance's contract ledgers
reconciled monthly, S-K1 4, 12: 每月盘点销售与财务部对合同台帐进行对帐), run by
:func:`salesctl.reconcile.run`.

Approvals for the application are given on the application's id; legal reviews and the
finance co-signature on the contract's id. The drafter of the contract cannot give any of them.

>>> from salesctl.controls.contracts import ContractsPolicy
>>> [s.role for s in ContractsPolicy().application_approvals]
['sales_manager', 'general_manager']
"""

from __future__ import annotations

from typing import Any

from attrs import field, frozen

from salesctl._validators import each, frozenset_conv, non_negative, text, tuple_conv, typed
from salesctl.context import Context
from salesctl.control import Assertion, Automation, Control, Examination, Family, Frequency, Kind
from salesctl.controls.credit import ApprovalStep
from salesctl.decision import ApprovalRequirement, Finding, Outcome, finding, make_finding
from salesctl.model import Contract, ContractForm, PaymentMethod, TemplateDeviation
from salesctl.money import Money
from salesctl.records import ContractLedgerLine, LedgerBook, Period, Records
from salesctl.transactions import SignContract, Transaction

__all__ = [
    "FAMILY",
    "ContractsPolicy",
    "check_contract_application",
    "check_contract_template",
    "check_written_contract",
    "detect_contract_ledger",
    "is_cash_and_carry",
]

_NONE: tuple[Finding, ...] = ()


@frozen
class ContractsPolicy:
    """Parameters of the contracts family (``[contracts]`` in the policy file).

    Attributes:
        written_forms: contract forms that count as a written contract (O2C-CT-01); the seed's
            文本合同 is ``written``; add ``electronic`` where e-contracts are accepted.
        cash_and_carry_methods: payment methods of an immediate cash-and-carry sale
            (即时清结的现款现货), which may go without a written contract (O2C-CT-01).
        approved_templates: ids of the legal-approved contract templates (O2C-CT-02); empty:
            any named template is accepted as approved (the host vouches for it).
        review_unmodified: same-level legal reviews contracts on the unmodified template too
            (S-IC 4.1: 并经同级法律事务部门(岗位)审核), not only modified ones (O2C-CT-02).
        legal_role: the same-level legal reviewer's role (同级法律事务部门(岗位)).
        legal_level: the authority level that review needs.
        hq_legal_role: headquarters legal's role (法律事务部), for substantive changes.
        hq_legal_level: the authority level that review needs.
        application_approvals: who signs and approves the contract application (O2C-CT-03;
            销售经理审签,总经理签批); given on the application's id, covering the contract amount.
        finance_cosign: who co-signs the contract for finance (财务部会签, O2C-CT-03).
        require_sales_policy: the contract must cite a sales policy in force (S-K1 1–2).
        ledger_role: who resolves differences between the contract ledgers (O2C-CT-04).
        follow_up_level: the authority level of the follow-up roles above.
    """

    written_forms: frozenset[ContractForm] = field(
        default=frozenset({ContractForm.WRITTEN}),
        converter=frozenset_conv,
        validator=each(ContractForm),
    )
    cash_and_carry_methods: frozenset[PaymentMethod] = field(
        default=frozenset({PaymentMethod.CASH}),
        converter=frozenset_conv,
        validator=each(PaymentMethod),
    )
    approved_templates: frozenset[str] = field(
        default=frozenset(), converter=frozenset_conv, validator=each(str)
    )
    review_unmodified: bool = field(default=True, validator=typed(bool))
    legal_role: str = field(default="legal_reviewer", validator=text)
    legal_level: int = field(default=2, validator=[typed(int), non_negative])
    hq_legal_role: str = field(default="hq_legal", validator=text)
    hq_legal_level: int = field(default=4, validator=[typed(int), non_negative])
    application_approvals: tuple[ApprovalStep, ...] = field(
        # S-K1 2: 销售经理审签,总经理签批
        default=(ApprovalStep("sales_manager", 2, 1), ApprovalStep("general_manager", 4, 2)),
        converter=tuple_conv,
        validator=each(ApprovalStep),
    )
    finance_cosign: tuple[ApprovalStep, ...] = field(
        default=(ApprovalStep("finance_head", 3),),
        converter=tuple_conv,
        validator=each(ApprovalStep),
    )
    require_sales_policy: bool = field(default=True, validator=typed(bool))
    ledger_role: str = field(default="finance_head", validator=text)
    follow_up_level: int = field(default=3, validator=[typed(int), non_negative])


def _contract(txn: Transaction) -> Contract:
    return txn.contract  # type: ignore[attr-defined, no-any-return]


def is_cash_and_carry(contract: Contract, policy: ContractsPolicy) -> bool:
    """True when the contract is an immediate cash-and-carry sale under ``policy``.

    That is: a cash-and-carry payment method and no credit days.
    """
    return contract.payment.method in policy.cash_and_carry_methods and contract.payment.days == 0


def _contract_facts(contract: Contract) -> dict[str, Any]:
    return {"contract": contract.id, "customer": contract.customer_id}


# -- checks -----------------------------------------------------------------------------------


def check_written_contract(
    txn: Transaction, ctx: Context, policy: ContractsPolicy
) -> tuple[Finding, ...]:
    """O2C-CT-01: a sale is made on a written contract unless it is immediate cash-and-carry.

    A contract in a form the policy does not count as written (an oral agreement, or an
    e-contract where those are not accepted) is blocked unless its payment terms are
    cash-and-carry (a cash-and-carry method and zero credit days).
    """
    contract = _contract(txn)
    if contract.form in policy.written_forms or is_cash_and_carry(contract, policy):
        return _NONE
    return (
        finding(
            "O2C-CT-01",
            Outcome.BLOCK,
            "contracts.not_written",
            params={
                "contract": contract.id,
                "form": contract.form,
                "method": contract.payment.method,
                "days": contract.payment.days,
            },
            facts={
                **_contract_facts(contract),
                "form": contract.form,
                "method": contract.payment.method,
                "days": contract.payment.days,
            },
        ),
    )


def check_contract_template(
    txn: Transaction, ctx: Context, policy: ContractsPolicy
) -> tuple[Finding, ...]:
    """O2C-CT-02: drafted on the legal-approved template; changes reviewed at the right level.

    A contract with no template, or one the policy does not list as approved, is blocked.
    Otherwise the contract is held for same-level legal review (for every contract when
    ``review_unmodified``, else for textual and substantive changes), and for substantive
    changes also for HQ legal review.
    """
    contract = _contract(txn)
    if contract.template_id is None:
        return (
            finding(
                "O2C-CT-02",
                Outcome.BLOCK,
                "contracts.no_template",
                params={"contract": contract.id},
                facts=_contract_facts(contract),
            ),
        )
    if policy.approved_templates and contract.template_id not in policy.approved_templates:
        return (
            finding(
                "O2C-CT-02",
                Outcome.BLOCK,
                "contracts.template_not_approved",
                params={"contract": contract.id, "template": contract.template_id},
                facts={**_contract_facts(contract), "template": contract.template_id},
            ),
        )
    dev = contract.deviation
    steps: list[tuple[str, int]] = []
    if dev is not TemplateDeviation.NONE or policy.review_unmodified:
        steps.append((policy.legal_role, policy.legal_level))
    if dev is TemplateDeviation.SUBSTANTIVE:
        steps.append((policy.hq_legal_role, policy.hq_legal_level))
    if not steps:
        return _NONE
    return (
        Finding(
            control_id="O2C-CT-02",
            outcome=Outcome.HOLD,
            message="contracts.legal_review",
            params={
                "contract": contract.id,
                "deviation": dev,
                "roles": [r for r, _ in steps],
            },
            facts={
                "contract": contract.id,
                "template": contract.template_id,
                "deviation": dev,
                "drafted_by": contract.created_by,
            },
            required=tuple(
                ApprovalRequirement(
                    control_id="O2C-CT-02",
                    role=role,
                    min_level=level,
                    document_id=contract.id,
                    reason="contracts.legal_review",
                    excluded=(contract.created_by,),
                )
                for role, level in steps
            ),
        ),
    )


def check_contract_application(
    txn: Transaction, ctx: Context, policy: ContractsPolicy
) -> tuple[Finding, ...]:
    """O2C-CT-03: the contract rests on an approved application and finance co-signs it.

    Blocks a contract that names no contract application, or (when ``require_sales_policy``)
    cites no sales policy or one not among ``ctx.sales_policies``. Otherwise holds for the
    application's approvals (on the application id, covering the contract amount) and the
    finance co-signature (on the contract id); the drafter cannot give either.
    """
    contract = _contract(txn)
    out: list[Finding] = []
    if contract.application_id is None:
        out.append(
            finding(
                "O2C-CT-03",
                Outcome.BLOCK,
                "contracts.no_application",
                params={"contract": contract.id},
                facts=_contract_facts(contract),
            )
        )
    if policy.require_sales_policy:
        ref = contract.sales_policy_ref
        if ref is None:
            out.append(
                finding(
                    "O2C-CT-03",
                    Outcome.BLOCK,
                    "contracts.no_sales_policy",
                    params={"contract": contract.id},
                    facts=_contract_facts(contract),
                )
            )
        elif ref not in ctx.sales_policies:
            out.append(
                finding(
                    "O2C-CT-03",
                    Outcome.BLOCK,
                    "contracts.sales_policy_not_in_force",
                    params={"contract": contract.id, "policy": ref},
                    facts={**_contract_facts(contract), "policy": ref},
                )
            )
    required: list[ApprovalRequirement] = []
    if contract.application_id is not None:
        required.extend(
            ApprovalRequirement(
                control_id="O2C-CT-03",
                role=s.role,
                min_level=s.level,
                document_id=contract.application_id,
                reason="contracts.application_approval",
                amount=str(contract.amount),
                excluded=(contract.created_by,),
                step=s.step,
            )
            for s in policy.application_approvals
        )
    required.extend(
        ApprovalRequirement(
            control_id="O2C-CT-03",
            role=s.role,
            min_level=s.level,
            document_id=contract.id,
            reason="contracts.finance_cosign",
            excluded=(contract.created_by,),
            step=s.step,
        )
        for s in policy.finance_cosign
    )
    if required:
        out.append(
            Finding(
                control_id="O2C-CT-03",
                outcome=Outcome.HOLD,
                message="contracts.application_approval",
                params={
                    "contract": contract.id,
                    "application": contract.application_id or "-",
                    "amount": contract.amount,
                },
                facts={
                    "contract": contract.id,
                    "application": contract.application_id or "-",
                    "sales_policy": contract.sales_policy_ref or "-",
                    "amount": contract.amount,
                    "drafted_by": contract.created_by,
                },
                required=tuple(required),
            )
        )
    return tuple(out)


_HOLD = Outcome.HOLD


# -- O2C-CT-04 --------------------------------------------------------------------------------

_LEDGER_FIELDS = ("value", "delivered", "invoiced", "collected")


def detect_contract_ledger(
    records: Records, period: Period, policy: ContractsPolicy
) -> Examination:
    """O2C-CT-04: the sales department's and finance's contract ledgers agree, contract by contract.

    Uses each book's latest line per contract read in the period. A contract in one book only,
    or with a different value, delivered, invoiced or collected amount, is a HOLD.
    """
    latest: dict[tuple[str, LedgerBook], ContractLedgerLine] = {}
    for line in records.contract_ledger:
        if line.as_of not in period:
            continue
        key = (line.contract_id, line.book)
        old = latest.get(key)
        if old is None or line.as_of > old.as_of:
            latest[key] = line
    contracts = sorted({c for c, _ in latest})
    out: list[Finding] = []
    for cid in contracts:
        sales = latest.get((cid, LedgerBook.SALES))
        fin = latest.get((cid, LedgerBook.FINANCE))
        if sales is None or fin is None:
            have = sales or fin
            assert have is not None
            missing = LedgerBook.SALES if sales is None else LedgerBook.FINANCE
            out.append(
                make_finding(
                    "O2C-CT-04",
                    _HOLD,
                    "period_end.ledger_missing",
                    cid,
                    params={"contract": cid, "book": missing.value},
                    facts={
                        "customer": have.customer_id,
                        "in_book": have.book.value,
                        "as_of": have.as_of,
                    },
                    role=policy.ledger_role,
                    level=policy.follow_up_level,
                )
            )
            continue
        diffs: dict[str, Any] = {}
        for name in _LEDGER_FIELDS:
            a: Money = getattr(sales, name)
            b: Money = getattr(fin, name)
            if a != b:
                diffs[name] = f"sales {a} / finance {b}"
        if diffs:
            out.append(
                make_finding(
                    "O2C-CT-04",
                    _HOLD,
                    "period_end.ledger_difference",
                    cid,
                    params={"contract": cid, "fields": sorted(diffs)},
                    facts={"customer": sales.customer_id, **diffs},
                    role=policy.ledger_role,
                    level=policy.follow_up_level,
                )
            )
    return Examination(len(contracts), tuple(out))


# -- the family -------------------------------------------------------------------------------

_A = Assertion
_STAGE = "contract"
_SIGN = (SignContract.__name__,)

CONTROLS: tuple[Control, ...] = (
    Control(
        id="O2C-CT-01",
        title_zh="除现款现货外须签书面合同",
        title_en="A written contract is required except for immediate cash-and-carry",
        objective_zh="除即时清结的现款现货外,销售均以文本合同为依据,权利义务有据可查。",
        objective_en="Every sale other than immediate cash-and-carry rests on a written contract, so that rights and obligations are on record.",
        activity_zh="签订合同时系统检查合同形式属于 {written_forms};否则仅当结算方式为 {cash_and_carry_methods} 且信用天数为 0 时放行。",
        activity_en="When a contract is signed the system checks that its form is one of {written_forms}; any other form passes only for payment by {cash_and_carry_methods} with zero credit days.",
        risks=("R3.2", "R1.3"),
        kind=Kind.PREVENTIVE,
        frequency=Frequency.PER_TRANSACTION,
        key=False,
        automation=Automation.AUTOMATED,
        assertions=(_A.RIGHTS_AND_OBLIGATIONS, _A.OCCURRENCE),
        seeds=("S-IC 4.1", "S-K1 3"),
        g9=(6,),
        stage=_STAGE,
        owner="sales department / 销售部",
        evidence="decision log: contract form, payment method and credit days",
        applies_to=_SIGN,
        check=check_written_contract,
        messages={
            "contracts.not_written": (
                "合同 {contract} 为 {form} 形式,且非现款现货(结算方式 {method},信用天数 {days}),须签订文本合同",
                "contract {contract} is {form} and the sale is not cash-and-carry ({method}, {days} credit days): a written contract is required",
            ),
        },
    ),
    Control(
        id="O2C-CT-02",
        title_zh="合同范本修改分级法审",
        title_en="Contract from the legal-approved template; changes reviewed by same-level or HQ legal",
        objective_zh="合同按法律事务部审定的示范文本拟订;文字性修改经同级法律部门审核,实质性修改报法律事务部审核。",
        objective_en="Contracts are drafted on the legal-approved template; textual changes are reviewed by same-level legal, substantive changes by HQ legal.",
        activity_zh="签订合同时系统检查范本已审定(审定范本:{approved_templates});须经 {legal_role}(级别 ≥ {legal_level})审核(未修改的合同亦审核:{review_unmodified}),实质性修改另须 {hq_legal_role}(级别 ≥ {hq_legal_level})审核;拟稿人不得审核。",
        activity_en="When a contract is signed the system checks its template is approved (approved templates: {approved_templates}); it requires review by {legal_role} (level ≥ {legal_level}) (unmodified contracts too: {review_unmodified}) and, for substantive changes, by {hq_legal_role} (level ≥ {hq_legal_level}); the drafter cannot review.",
        risks=("R1.4", "R3.2"),
        kind=Kind.PREVENTIVE,
        frequency=Frequency.PER_TRANSACTION,
        key=True,
        automation=Automation.AUTOMATED,
        assertions=(_A.RIGHTS_AND_OBLIGATIONS, _A.PRESENTATION),
        seeds=("S-IC 4.1",),
        g9=(6,),
        refs=("BN 29",),
        stage=_STAGE,
        owner="legal affairs / 法律事务部门",
        evidence="decision log: template, deviation class, legal reviews (who, role, level, when)",
        applies_to=_SIGN,
        check=check_contract_template,
        messages={
            "contracts.no_template": (
                "合同 {contract} 未采用经法律事务部审定的示范文本",
                "contract {contract} is not drafted on a legal-approved template",
            ),
            "contracts.template_not_approved": (
                "合同 {contract} 采用的范本 {template} 未经法律事务部审定",
                "contract {contract} uses template {template}, which legal has not approved",
            ),
            "contracts.legal_review": (
                "合同 {contract}(范本修改:{deviation})须经 {roles} 审核",
                "contract {contract} (template deviation: {deviation}) needs review by {roles}",
            ),
        },
    ),
    Control(
        id="O2C-CT-03",
        version=2,
        title_zh="合同申报单审批、财务会签",
        title_en="Contract application approved (sales manager signs, general manager approves) and co-signed by finance",
        objective_zh="合同以依据销售政策填报、经销售经理审签和总经理签批的合同申报单为依据,并经财务部会签。",
        objective_en="A contract rests on a contract application based on the sales policy, signed by the sales manager and approved by the general manager, and is co-signed by finance.",
        activity_zh="签订合同时系统检查合同引用合同申报单及有效的销售政策(须引用:{require_sales_policy});申报单须经 {application_approvals} 审批且审批金额覆盖合同金额,合同须经 {finance_cosign} 会签;拟稿人的审批无效。",
        activity_en="When a contract is signed the system checks it cites a contract application and a sales policy in force (required: {require_sales_policy}); the application needs {application_approvals}, covering the contract amount, and the contract the finance co-signature of {finance_cosign}; the drafter's own approvals do not count.",
        risks=("R3.2", "R1.1"),
        kind=Kind.PREVENTIVE,
        frequency=Frequency.PER_TRANSACTION,
        key=True,
        automation=Automation.AUTOMATED,
        assertions=(_A.OCCURRENCE, _A.RIGHTS_AND_OBLIGATIONS, _A.ACCURACY),
        seeds=("S-K1 1", "S-K1 2", "S-K1 3"),
        g9=(4, 6),
        refs=("BN 29",),
        stage=_STAGE,
        owner="sales manager, general manager, finance / 销售经理、总经理、财务部",
        evidence="decision log: application, sales policy, approvals and co-signature (who, role, level, when)",
        applies_to=_SIGN,
        check=check_contract_application,
        messages={
            "contracts.no_application": (
                "合同 {contract} 无合同申报单",
                "contract {contract} rests on no contract application",
            ),
            "contracts.no_sales_policy": (
                "合同 {contract} 未引用销售政策",
                "contract {contract} cites no sales policy",
            ),
            "contracts.sales_policy_not_in_force": (
                "合同 {contract} 引用的销售政策 {policy} 未经总经理签发或已失效",
                "contract {contract} cites sales policy {policy}, which is not in force",
            ),
            "contracts.application_approval": (
                "合同 {contract}(申报单 {application},金额 {amount})须经申报单审批和财务会签",
                "contract {contract} (application {application}, {amount}) needs the application's approvals and the finance co-signature",
            ),
            "contracts.finance_cosign": (
                "合同须经财务部会签",
                "the contract needs finance's co-signature",
            ),
        },
    ),
    Control(
        id="O2C-CT-04",
        customer_partitionable=True,
        title_zh="合同台帐月度对帐",
        title_en="Contract ledgers kept by sales and finance, reconciled monthly",
        objective_zh="销售部与财务部的合同台帐逐份合同一致,履约和回款情况真实。",
        objective_en="The sales department's and finance's contract ledgers agree contract by contract, so performance and collection are stated truly.",
        activity_zh="每月末按合同核对两本台帐的合同金额、已发货、已开票、已回款;单边记录或不一致的由 {ledger_role} 查明处理。",
        activity_en="At each month end, both ledgers are compared contract by contract (value, delivered, invoiced, collected); a contract in one book only or differing is resolved by {ledger_role}.",
        risks=("R2.1", "R1.3"),
        kind=Kind.DETECTIVE,
        frequency=Frequency.MONTHLY,
        key=False,
        automation=Automation.IT_DEPENDENT,
        assertions=(_A.COMPLETENESS, _A.ACCURACY, _A.VALUATION),
        seeds=("S-K1 4", "S-K1 12"),
        g9=(8,),
        stage="contract",
        owner="sales department and finance / 销售部业务科、财务部",
        evidence="monthly ledger reconciliation: contracts compared, differences by field",
        detect=detect_contract_ledger,
        detect_at={Frequency.MONTHLY},
        messages={
            "period_end.ledger_missing": (
                "合同 {contract} 未记入{book}合同台帐",
                "contract {contract} is missing from the {book} contract ledger",
            ),
            "period_end.ledger_difference": (
                "合同 {contract} 两本台帐不一致:{fields}",
                "contract {contract}: the sales and finance ledgers differ in {fields}",
            ),
        },
    ),
)

FAMILY = Family(
    name="contracts",
    title_zh="合同",
    title_en="Contracts",
    policy_type=ContractsPolicy,
    controls=CONTROLS,
)
