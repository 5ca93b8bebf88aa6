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

O2C-CT-05 (S-IC 4.1 由合同签订人员按规定权限对外签订销售合同; S-K1 3 合同章由销售业务科负责管理):
the person who signs the contract externally holds a signing authority for its amount, form and
template, and the contract seal was put on it by a seal custodian who is not that person, as the
:class:`~salesctl.model.SealUse` entry carried by the signing shows.

Approvals for the application are given on the application's id; legal reviews and the
finance co-signature on the contract's id. The drafter of the contract cannot give any of them.

>>> from salesctl.controls.contracts import ContractsPolicy
>>> [s.role for s in ContractsPolicy().application_approvals]
['sales_manager', 'general_manager']
"""

from __future__ import annotations

from collections.abc import Mapping
from operator import attrgetter
from typing import Any, ClassVar

import attrs
from attrs import field, frozen

from salesctl._validators import (
    each,
    frozenset_conv,
    non_negative,
    person_key,
    text,
    tuple_conv,
    typed,
)
from salesctl.context import Context
from salesctl.control import Assertion, Automation, Control, Examination, Family, Frequency, Kind
from salesctl.controls.contracts_quotes import CT_01, CT_02, CT_03, CT_04, CT_05, READINGS
from salesctl.controls.credit import ApprovalStep
from salesctl.controls.weakening import (
    PROPOSER_ROLES,
    Weakening,
    at_proposer_level,
    order_lost,
    weakenings,
)
from salesctl.decision import ApprovalRequirement, Finding, Outcome, finding, make_finding
from salesctl.model import (
    Actor,
    Contract,
    ContractForm,
    PaymentMethod,
    SealKind,
    SealUse,
    SigningAuthority,
    TemplateDeviation,
)
from salesctl.money import Money
from salesctl.records import ContractLedgerLine, LedgerBook, Period, Records
from salesctl.transactions import SignContract, Transaction

__all__ = [
    "FAMILY",
    "ContractsPolicy",
    "check_contract_application",
    "check_contract_signatory",
    "check_contract_template",
    "check_written_contract",
    "detect_contract_ledger",
    "is_cash_and_carry",
]

_NONE: tuple[Finding, ...] = ()


# -- O2C-CT-05: who may sign externally ---------------------------------------------------------

#: The default signing authorities: the general manager signs any contract; the sales director
#: up to 1,000,000 CNY and the sales manager up to 100,000 CNY (the order-approval bands).
_SIGNING_AUTHORITIES = (
    SigningAuthority(role="general_manager", min_level=4),
    SigningAuthority(role="sales_director", min_level=3, max_amount=Money("1000000", "CNY")),
    SigningAuthority(role="sales_manager", min_level=2, max_amount=Money("100000", "CNY")),
)


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
        signing_authorities: who may sign contracts externally, up to what amount, in which
            forms and on which templates (O2C-CT-05; 按规定权限对外签订); a signer no line
            covers is blocked.
        seal_custodian_roles: the roles that keep the contract seal (O2C-CT-05; S-K1 3:
            合同章由销售业务科负责管理); a seal use by anyone else is blocked.
        seal_kinds: the seals a contract may be sealed with (O2C-CT-05; the contract seal,
            合同专用章, by default).
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
    signing_authorities: tuple[SigningAuthority, ...] = field(
        default=_SIGNING_AUTHORITIES, converter=tuple_conv, validator=each(SigningAuthority)
    )
    seal_custodian_roles: frozenset[str] = field(
        default=frozenset({"seal_custodian"}), converter=frozenset_conv, validator=each(str)
    )
    seal_kinds: frozenset[SealKind] = field(
        default=frozenset({SealKind.CONTRACT}), converter=frozenset_conv, validator=each(SealKind)
    )

    #: The controls each field sets (see :mod:`salesctl.controls.weakening`).
    AFFECTS: ClassVar[Mapping[str, tuple[str, ...]]] = {
        "written_forms": ("O2C-CT-01",),
        "cash_and_carry_methods": ("O2C-CT-01",),
        "approved_templates": ("O2C-CT-02",),
        "review_unmodified": ("O2C-CT-02",),
        "legal_role": ("O2C-CT-02",),
        "legal_level": ("O2C-CT-02",),
        "hq_legal_role": ("O2C-CT-02",),
        "hq_legal_level": ("O2C-CT-02",),
        "application_approvals": ("O2C-CT-03",),
        "finance_cosign": ("O2C-CT-03",),
        "require_sales_policy": ("O2C-CT-03",),
        "ledger_role": ("O2C-CT-04",),
        "follow_up_level": ("O2C-CT-04",),
        "signing_authorities": ("O2C-CT-05",),
        "seal_custodian_roles": ("O2C-CT-05",),
        "seal_kinds": ("O2C-CT-05",),
    }

    def weakened(self) -> tuple[Weakening, ...]:
        """What these values leave unable to fire (:mod:`salesctl.controls.weakening`)."""
        out: list[Weakening] = []
        if at_proposer_level(self.legal_role, self.legal_level):
            key = "legal_level" if self.legal_level <= 0 else "legal_role"
            out += weakenings(
                ("O2C-CT-02",), key, "contract changes are reviewed at the proposer's level"
            )
        if not self.application_approvals or any(
            at_proposer_level(s.role, s.level) for s in self.application_approvals
        ):
            out += weakenings(
                ("O2C-CT-03",),
                "application_approvals",
                "a contract application is approved at the proposer's level",
            )
        elif order_lost(
            self.application_approvals, attrs.fields(ContractsPolicy).application_approvals.default
        ):
            out += weakenings(
                ("O2C-CT-03",),
                "application_approvals",
                "the sign-offs may come in any order: the seed has the general manager sign last",
            )
        if any(
            a.role is not None and at_proposer_level(a.role, a.min_level) and a.max_amount is None
            for a in self.signing_authorities
        ):
            out += weakenings(
                ("O2C-CT-05",),
                "signing_authorities",
                "anyone at the proposer's level may sign contracts of any amount externally",
            )
        if any(r in PROPOSER_ROLES for r in self.seal_custodian_roles):
            out += weakenings(
                ("O2C-CT-05",),
                "seal_custodian_roles",
                "the proposer's role may keep and use the contract seal",
            )
        return tuple(out)


def _contract(txn: Transaction) -> Contract:
    return txn.contract  # type: ignore[attr-defined, no-any-return]


def is_cash_and_carry(contract: Contract, policy: ContractsPolicy) -> bool:
    """True when the contract is an immediate cash-and-carry sale under ``policy``.

    That is: a cash-and-carry payment method and no credit period (no credit days, and no
    payment terms other than net 0: ``PaymentTerms.immediate``).
    """
    return contract.payment.method in policy.cash_and_carry_methods and contract.payment.immediate


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
                "deviation": _DEVIATION_TEXT[dev],
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
_ledger_amounts = attrgetter(*_LEDGER_FIELDS)


def detect_contract_ledger(
    records: Records, period: Period, policy: ContractsPolicy
) -> Examination:
    """O2C-CT-04: the sales department's and finance's contract ledgers agree, contract by contract.

    Uses each book's latest line per contract read in the period. A contract in one book only,
    or with a different value, delivered, invoiced or collected amount, is a HOLD.
    """
    # a table per book, by contract id: no (contract, book) pair per line, no set of the ids
    books: dict[LedgerBook, dict[str, ContractLedgerLine]] = {b: {} for b in LedgerBook}
    for line in records.contract_ledger:
        if line.as_of not in period:
            continue
        old = (latest := books[line.book]).get(line.contract_id)
        if old is None or line.as_of > old.as_of:
            latest[line.contract_id] = line
    in_sales, in_finance = books[LedgerBook.SALES], books[LedgerBook.FINANCE]
    contracts = sorted([*in_sales, *(c for c in in_finance if c not in in_sales)])
    out: list[Finding] = []
    for cid in contracts:
        sales, fin = in_sales.get(cid), in_finance.get(cid)
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
        if _ledger_amounts(sales) == _ledger_amounts(fin):
            continue  # agreeing (equal amounts are mostly one instance: compared by identity)
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


# -- O2C-CT-05 --------------------------------------------------------------------------------


def _signing_authority(
    signer: Actor, contract: Contract, ctx: Context, policy: ContractsPolicy
) -> SigningAuthority | None:
    """The first line of the policy's table that covers ``signer`` for ``contract``."""
    for a in policy.signing_authorities:
        if a.role is not None and a.role not in signer.roles:
            continue
        if a.person is not None and a.person != signer.id:
            continue
        if signer.authority_level < a.min_level:
            continue
        if a.forms and contract.form not in a.forms:
            continue
        if a.templates and contract.template_id not in a.templates:
            continue
        if a.max_amount is not None and (
            ctx.convert(contract.amount, a.max_amount.currency) > a.max_amount
        ):
            continue
        return a
    return None


def _seal_problem(
    seal: SealUse | None, signer: Actor, contract: Contract, at: Any, policy: ContractsPolicy
) -> tuple[str, dict[str, Any]] | None:
    """What is wrong with the seal-use entry, as ``(message key, extra params)``; ``None``: nothing."""
    if seal is None:
        return "contracts.no_seal_record", {}
    if seal.contract_id != contract.id:
        return "contracts.seal_other_contract", {"sealed": seal.contract_id}
    if seal.kind not in policy.seal_kinds:
        return "contracts.seal_wrong_kind", {"kind": seal.kind}
    if seal.used_at > at:
        return "contracts.seal_after_signing", {"used_at": seal.used_at.isoformat()}
    if not seal.custodian.roles & policy.seal_custodian_roles:
        return "contracts.seal_not_by_custodian", {
            "custodian": seal.custodian.id,
            "custodian_roles": sorted(seal.custodian.roles),
            "roles": sorted(policy.seal_custodian_roles),
        }
    me = person_key(signer.id)
    if person_key(seal.custodian.id) == me or (
        seal.registered_by is not None and person_key(seal.registered_by) == me
    ):
        return "contracts.seal_custodian_is_signatory", {"custodian": seal.custodian.id}
    return None


def check_contract_signatory(
    txn: Transaction, ctx: Context, policy: ContractsPolicy
) -> tuple[Finding, ...]:
    """O2C-CT-05: signed externally within authority, sealed under the custodian's record.

    The signer is :attr:`SignContract.signatory <salesctl.transactions.SignContract.signatory>`,
    or else the actor. Blocks a signer whom no line of ``signing_authorities`` covers for the
    contract's amount, form and template; blocks a signing with no seal-use entry, or one for
    another contract, with a seal kind not in ``seal_kinds``, dated after the signing, made by
    someone who holds none of ``seal_custodian_roles``, or made or registered by the signer
    (segregation of duties). Otherwise an ALLOW finding records the authority and the entry.
    """
    assert isinstance(txn, SignContract)
    contract = txn.contract
    signer = txn.signer
    seal = txn.seal_use
    authority = _signing_authority(signer, contract, ctx, policy)
    facts: dict[str, Any] = {
        "contract": contract.id,
        "signatory": signer.id,
        "roles": sorted(signer.roles),
        "level": signer.authority_level,
        "amount": contract.amount,
        "form": contract.form,
        "template": contract.template_id or "-",
        "authority": authority.describe() if authority is not None else "none",
        "seal_use": (
            f"{seal.id}: {seal.kind.value} {seal.seal_id} on {seal.contract_id} by "
            f"{seal.custodian.id} at {seal.used_at.isoformat()}"
            if seal is not None
            else "none"
        ),
    }
    out: list[Finding] = []
    if authority is None:
        out.append(
            finding(
                "O2C-CT-05",
                Outcome.BLOCK,
                "contracts.signatory_not_authorised",
                params={
                    "contract": contract.id,
                    "signatory": signer.id,
                    "roles": sorted(signer.roles),
                    "level": signer.authority_level,
                    "amount": contract.amount,
                    "form": contract.form,
                },
                facts=facts,
            )
        )
    problem = _seal_problem(seal, signer, contract, txn.at, policy)
    if problem is not None:
        key, extra = problem
        out.append(
            finding(
                "O2C-CT-05",
                Outcome.BLOCK,
                key,
                params={
                    "contract": contract.id,
                    "signatory": signer.id,
                    "seal_use": seal.id if seal is not None else "-",
                    **extra,
                },
                facts=facts,
            )
        )
    if out:
        return tuple(out)
    return (
        finding(
            "O2C-CT-05",
            Outcome.ALLOW,
            "contracts.signed_within_authority",
            params={
                "contract": contract.id,
                "signatory": signer.id,
                "authority": authority.bilingual() if authority is not None else "-",
                "seal_use": seal.bilingual() if seal is not None else "-",
            },
            facts=facts,
        ),
    )


_DEVIATION_TEXT = {
    TemplateDeviation.NONE: "unchanged / 未修改",
    TemplateDeviation.TEXTUAL: "textual changes / 文字性修改",
    TemplateDeviation.SUBSTANTIVE: "substantive changes / 实质性修改",
}


# -- the family -------------------------------------------------------------------------------

_A = Assertion
_STAGE = "contract"
_SIGN = (SignContract.__name__,)

CONTROLS: tuple[Control, ...] = (
    Control(
        id="O2C-CT-01",
        title_zh="除现款现货外须签书面合同",
        title_en="A written contract is required except for immediate cash-and-carry",
        objective_zh="除即时清结的现款现货外，销售均以文本合同为依据，权利义务有据可查。",
        objective_en="Every sale other than immediate cash-and-carry rests on a written contract, so that rights and obligations are on record.",
        activity_zh="签订合同时系统检查合同形式属于 {written_forms}；否则仅当结算方式为 {cash_and_carry_methods} 且信用天数为 0 时放行。",
        activity_en="When a contract is signed the system checks that its form is one of {written_forms}; any other form passes only for payment by {cash_and_carry_methods} with zero credit days.",
        risks=("R3.2", "R1.3"),
        kind=Kind.PREVENTIVE,
        frequency=Frequency.PER_TRANSACTION,
        key=False,
        automation=Automation.AUTOMATED,
        assertions=(_A.RIGHTS_AND_OBLIGATIONS, _A.OCCURRENCE),
        seeds=("S-IC 4.1", "S-K1 3"),
        seed_quotes=CT_01,
        seed_readings=READINGS["O2C-CT-01"],
        g9=(6,),
        stage=_STAGE,
        owner="sales department / 销售部",
        evidence="decision log: contract form, payment method and credit days / 决策日志：合同形式、结算方式和信用天数",
        applies_to=_SIGN,
        check=check_written_contract,
        messages={
            "contracts.not_written": (
                "合同 {contract} 为 {form} 形式，且非现款现货（结算方式 {method}，信用天数 {days}），须签订文本合同",
                "contract {contract} is {form} and the sale is not cash-and-carry ({method}, {days} credit days): a written contract is required",
            ),
        },
    ),
    Control(
        id="O2C-CT-02",
        title_zh="合同范本修改分级法审",
        title_en="Contract from the legal-approved template; changes reviewed by same-level or HQ legal",
        objective_zh="合同按法律事务部审定的示范文本拟订；文字性修改经同级法律部门审核，实质性修改报法律事务部审核。",
        objective_en="Contracts are drafted on the legal-approved template; textual changes are reviewed by same-level legal, substantive changes by HQ legal.",
        activity_zh="签订合同时系统检查范本已审定（审定范本：{approved_templates}）；须经 {legal_role}（级别 ≥ {legal_level}）审核（未修改的合同亦审核：{review_unmodified}），实质性修改另须 {hq_legal_role}（级别 ≥ {hq_legal_level}）审核；拟稿人不得审核。",
        activity_en="When a contract is signed the system checks its template is approved (approved templates: {approved_templates}); it requires review by {legal_role} (level ≥ {legal_level}) (unmodified contracts too: {review_unmodified}) and, for substantive changes, by {hq_legal_role} (level ≥ {hq_legal_level}); the drafter cannot review.",
        risks=("R1.4", "R3.2"),
        kind=Kind.PREVENTIVE,
        frequency=Frequency.PER_TRANSACTION,
        key=True,
        automation=Automation.AUTOMATED,
        assertions=(_A.RIGHTS_AND_OBLIGATIONS, _A.PRESENTATION),
        seeds=("S-IC 4.1",),
        seed_quotes=CT_02,
        g9=(6,),
        refs=("BN 29", "BN 30"),
        stage=_STAGE,
        owner="legal affairs / 法律事务部门",
        evidence="decision log: template, deviation class, legal reviews (who, role, level, when) / 决策日志：合同范本、修改类别、法律审核（审核人、角色、级别、时间）",
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
                "合同 {contract}（范本修改：{deviation}）须经 {roles} 审核",
                "contract {contract} (template deviation: {deviation}) needs review by {roles}",
            ),
        },
    ),
    Control(
        id="O2C-CT-03",
        version=2,
        title_zh="合同申报单审批、财务会签",
        title_en="Contract application approved (sales manager signs, general manager approves) and co-signed by finance",
        objective_zh="合同以依据销售政策填报、经销售经理审签和总经理签批的合同申报单为依据，并经财务部会签。",
        objective_en="A contract rests on a contract application based on the sales policy, signed by the sales manager and approved by the general manager, and is co-signed by finance.",
        activity_zh="签订合同时系统检查合同引用合同申报单及有效的销售政策（须引用：{require_sales_policy}）；申报单须经 {application_approvals} 审批且审批金额覆盖合同金额，合同须经 {finance_cosign} 会签；拟稿人的审批无效。",
        activity_en="When a contract is signed the system checks it cites a contract application and a sales policy in force (required: {require_sales_policy}); the application needs {application_approvals}, covering the contract amount, and the contract the finance co-signature of {finance_cosign}; the drafter's own approvals do not count.",
        risks=("R3.2", "R1.1"),
        kind=Kind.PREVENTIVE,
        frequency=Frequency.PER_TRANSACTION,
        key=True,
        automation=Automation.AUTOMATED,
        assertions=(_A.OCCURRENCE, _A.RIGHTS_AND_OBLIGATIONS, _A.ACCURACY),
        seeds=("S-K1 1", "S-K1 2", "S-K1 3"),
        seed_quotes=CT_03,
        g9=(4, 6),
        refs=("BN 29", "BN 30"),
        stage=_STAGE,
        owner="sales manager, general manager, finance / 销售经理、总经理、财务部",
        evidence="decision log: application, sales policy, approvals and co-signature (who, role, level, when) / 决策日志：合同申报单、销售政策、审批和会签（签署人、角色、级别、时间）",
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
                "合同 {contract}（申报单 {application}，金额 {amount}）须经申报单审批和财务会签",
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
        objective_zh="销售部与财务部的合同台帐逐份合同一致，履约和回款情况真实。",
        objective_en="The sales department's and finance's contract ledgers agree contract by contract, so performance and collection are stated truly.",
        activity_zh="每月末按合同核对两本台帐的合同金额、已发货、已开票、已回款；单边记录或不一致的由 {ledger_role} 查明处理。",
        activity_en="At each month end, both ledgers are compared contract by contract (value, delivered, invoiced, collected); a contract in one book only or differing is resolved by {ledger_role}.",
        risks=("R2.1", "R1.3"),
        kind=Kind.DETECTIVE,
        frequency=Frequency.MONTHLY,
        key=False,
        automation=Automation.IT_DEPENDENT,
        assertions=(_A.COMPLETENESS, _A.ACCURACY, _A.VALUATION),
        seeds=("S-K1 4", "S-K1 12"),
        seed_quotes=CT_04,
        seed_readings=READINGS["O2C-CT-04"],
        g9=(8,),
        stage="contract",
        owner="sales department and finance / 销售部业务科、财务部",
        evidence="monthly ledger reconciliation: contracts compared, differences by field / 每月台帐核对：核对的合同、按字段列示的差异",
        detect=detect_contract_ledger,
        detect_at={Frequency.MONTHLY},
        messages={
            "period_end.ledger_missing": (
                "合同 {contract} 未记入{book}合同台帐",
                "contract {contract} is missing from the {book} contract ledger",
            ),
            "period_end.ledger_difference": (
                "合同 {contract} 两本台帐不一致：{fields}",
                "contract {contract}: the sales and finance ledgers differ in {fields}",
            ),
        },
    ),
    Control(
        id="O2C-CT-05",
        title_zh="按规定权限对外签订合同，合同章由保管人用印登记",
        title_en="Contract signed externally only within the signatory's authority, sealed under the seal custodian's record",
        objective_zh="销售合同只由获授权、金额和合同类型在其权限内的合同签订人员对外签订，合同专用章由保管人用印并登记，签约人与印章保管人职务分离。",
        objective_en="A sales contract is signed externally only by a signatory authorised for its amount and type, and the contract seal is used and registered by its custodian, who is not the signatory.",
        activity_zh="签订合同时系统按签约授权表 {signing_authorities} 检查签约人（未另行指定时为经办人）的角色、级别、合同金额、形式和范本；并检查合同附有本合同的用印登记，印章种类为 {seal_kinds}，用印时间不晚于签订时间，用印人持有 {seal_custodian_roles} 角色且不是签约人；任一不符即阻止。",
        activity_en="When a contract is signed the system checks the signatory (the acting user unless another is named) against the signing-authority table {signing_authorities}: role, level, contract amount, form and template; and that the signing carries this contract's seal-use entry, with a seal of kind {seal_kinds}, used no later than the signing, by a holder of {seal_custodian_roles} who is not the signatory; anything else is blocked.",
        risks=("R3.2", "R1.3"),
        kind=Kind.PREVENTIVE,
        frequency=Frequency.PER_TRANSACTION,
        key=True,
        automation=Automation.AUTOMATED,
        assertions=(_A.OCCURRENCE, _A.RIGHTS_AND_OBLIGATIONS),
        seeds=("S-IC 4.1", "S-K1 3"),
        seed_quotes=CT_05,
        g9=(4, 6),
        refs=("BN 29", "BN 30"),
        stage=_STAGE,
        owner="contract signatories and the seal custodian / 合同签订人员、合同章保管人（销售业务科）",
        evidence="decision log: signatory (id, roles, level), the authority line used, contract amount, form and template, the seal-use entry (seal, custodian, time) / 决策日志：签约人（编号、角色、级别）、所用授权、合同金额、形式和范本、用印登记（印章、保管人、时间）",
        applies_to=_SIGN,
        check=check_contract_signatory,
        conflicts=("signatory ≠ seal custodian / 签约人 ≠ 印章保管人",),
        messages={
            "contracts.signatory_not_authorised": (
                "合同 {contract}（金额 {amount}，形式 {form}）由 {signatory}（角色 {roles}，级别 {level}）对外签订，其无此金额和类型的签约授权",
                "contract {contract} ({amount}, {form}) is signed by {signatory} (roles {roles}, level {level}), who holds no signing authority for that amount and type",
            ),
            "contracts.no_seal_record": (
                "合同 {contract} 无合同专用章的用印登记，不得对外签订",
                "contract {contract} has no seal-use entry for the contract seal: it may not be signed externally",
            ),
            "contracts.seal_other_contract": (
                "合同 {contract} 所附用印登记 {seal_use} 登记的是合同 {sealed}",
                "contract {contract}: seal-use entry {seal_use} is for contract {sealed}",
            ),
            "contracts.seal_wrong_kind": (
                "合同 {contract} 的用印登记 {seal_use} 所用印章为 {kind}，非合同专用章",
                "contract {contract}: seal-use entry {seal_use} records a {kind}, not the contract seal",
            ),
            "contracts.seal_after_signing": (
                "合同 {contract} 的用印登记 {seal_use} 用印时间 {used_at} 晚于签订时间",
                "contract {contract}: seal-use entry {seal_use} is dated {used_at}, after the signing",
            ),
            "contracts.seal_not_by_custodian": (
                "合同 {contract} 的用印登记 {seal_use} 由 {custodian}（角色 {custodian_roles}）用印，其非印章保管人（{roles}）",
                "contract {contract}: seal-use entry {seal_use} was made by {custodian} (roles {custodian_roles}), who is not a seal custodian ({roles})",
            ),
            "contracts.seal_custodian_is_signatory": (
                "合同 {contract} 的签约人 {signatory} 同时用印或登记用印（{seal_use}），签约与印章保管职务未分离",
                "contract {contract}: the signatory {signatory} also used or registered the seal ({seal_use}); signing and seal custody are not segregated",
            ),
            "contracts.signed_within_authority": (
                "合同 {contract} 由 {signatory} 按授权（{authority}）签订；用印登记：{seal_use}",
                "contract {contract} is signed by {signatory} within authority ({authority}); seal use: {seal_use}",
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
