"""Commission: no contract, no commission; commission only on what was collected (业务提成).

Source: the five-part sales flow S-K1 9 (货款回收后由销售业务科填报业务员个人提成单,由财务部和
财务副总审核,总经理签批兑现。没有合同的不预提成) and S-K1 5 (逾期货款采取计息、抵扣提成直至
经济诉讼). Guideline 9 art. 10.

Control: O2C-CM-01 on :class:`~salesctl.transactions.PayCommission`.

How much may be paid. The commission earned on a contract is the claim's rate times the
amount collected on it (``ctx.contract_accounts[contract].collected``) — commission in
proportion to collection — after the customer's overdue receivables
(``ctx.exposure.overdue_receivables``) have offset the base at ``overdue_offset_ratio``::

    base    = max(0, collected − overdue × overdue_offset_ratio)
    earned  = base × rate                      (rounded half-up to the minor unit)
    payable = max(0, earned − commissions_paid[contract])

A claim above ``payable`` is blocked; a claim within it is held for the reviews and approval
of S-K1 9. The salesperson and the preparer of the slip cannot approve it.

>>> from salesctl.controls.commission import CommissionPolicy
>>> [s.role for s in CommissionPolicy().approvals]
['finance_head', 'finance_vp', 'general_manager']
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any, ClassVar

from attrs import field, frozen

from salesctl._validators import decimal_conv, each, ratio, tuple_conv
from salesctl.context import Context
from salesctl.control import Assertion, Automation, Control, Family, Frequency, Kind
from salesctl.controls.credit import ApprovalStep
from salesctl.controls.weakening import Weakening, at_proposer_level, weakenings
from salesctl.decision import ApprovalRequirement, Finding, Outcome, finding
from salesctl.errors import InvalidInput
from salesctl.model import CommissionClaim, ContractAccount, ContractStatus
from salesctl.money import Money
from salesctl.transactions import PayCommission, Transaction

__all__ = [
    "FAMILY",
    "CommissionPolicy",
    "check_commission",
    "commission_payable",
]


def _opt_ratio(inst: Any, a: Any, value: Any) -> None:
    if value is not None:
        ratio(inst, a, value)


@frozen
class CommissionPolicy:
    """Parameters of the commission family (``[commission]`` in the policy file).

    Attributes:
        overdue_offset_ratio: the share of the customer's overdue receivables that offsets the
            commission base (S-K1 5: 抵扣提成); ``1.00`` offsets all of it, ``0`` none.
        max_rate: the highest commission rate a slip may carry (``None``: not capped here;
            the reviewers judge it).
        approvals: the reviews and approval a commission slip needs, all of them (S-K1 9:
            财务部和财务副总审核,总经理签批).
    """

    overdue_offset_ratio: Decimal = field(
        default=Decimal("1.00"), converter=decimal_conv, validator=ratio
    )
    max_rate: Decimal | None = field(default=None, converter=decimal_conv, validator=_opt_ratio)
    approvals: tuple[ApprovalStep, ...] = field(
        default=(
            # S-K1 9: 由财务部和财务副总审核,总经理签批兑现
            ApprovalStep("finance_head", 3, 1),
            ApprovalStep("finance_vp", 4, 1),
            ApprovalStep("general_manager", 4, 2),
        ),
        converter=tuple_conv,
        validator=each(ApprovalStep),
    )

    #: The controls each field sets (see :mod:`salesctl.controls.weakening`).
    AFFECTS: ClassVar[Mapping[str, tuple[str, ...]]] = {
        "overdue_offset_ratio": ("O2C-CM-01",),
        "max_rate": ("O2C-CM-01",),
        "approvals": ("O2C-CM-01",),
    }

    def weakened(self) -> tuple[Weakening, ...]:
        """What these values leave unable to fire (:mod:`salesctl.controls.weakening`)."""
        if not self.approvals or any(at_proposer_level(s.role, s.level) for s in self.approvals):
            return weakenings(
                ("O2C-CM-01",), "approvals", "a commission slip is approved at the proposer's level"
            )
        return ()


def _claim_params(claim: CommissionClaim) -> dict[str, Any]:
    return {"claim": claim.id, "contract": claim.contract_id or "-"}


def _claim_facts(claim: CommissionClaim) -> dict[str, Any]:
    return {
        "claim": claim.id,
        "salesperson": claim.salesperson_id,
        "contract": claim.contract_id or "-",
        "amount": claim.amount,
    }


def commission_payable(
    claim: CommissionClaim, ctx: Context, policy: CommissionPolicy
) -> dict[str, Money]:
    """The arithmetic of the module docstring, in the claim's currency.

    Args:
        claim: the commission slip (its contract must have an account in ``ctx``).
        ctx: the context with ``contract_accounts``, ``exposure`` and ``commissions_paid``.
        policy: the commission policy.

    Returns:
        ``collected``, ``overdue``, ``base``, ``earned``, ``paid`` and ``payable``.

    Raises:
        CurrencyMismatch: when an amount is in another currency and no rate is on hand.
        InvalidInput: when the contract has no account in the context.
    """
    cur = claim.amount.currency
    cid = claim.contract_id or ""
    account: ContractAccount | None = ctx.contract_accounts.get(cid)
    if account is None:
        raise InvalidInput("no contract account", path="Context.contract_accounts", value=cid)
    zero = Money.zero(cur)
    collected = ctx.convert(account.collected, cur)
    overdue = (
        ctx.convert(ctx.exposure.overdue_receivables, cur) if ctx.exposure is not None else zero
    )
    offset = overdue.times(policy.overdue_offset_ratio)
    base = collected - offset if collected > offset else zero
    earned = base.times(claim.rate)
    paid_raw = ctx.commissions_paid.get(cid)
    paid = ctx.convert(paid_raw, cur) if paid_raw is not None else zero
    payable = earned - paid if earned > paid else zero
    return {
        "collected": collected,
        "overdue": overdue,
        "base": base,
        "earned": earned,
        "paid": paid,
        "payable": payable,
    }


def check_commission(
    txn: Transaction, ctx: Context, policy: CommissionPolicy
) -> tuple[Finding, ...]:
    """O2C-CM-01: no contract, no commission; only on collected amounts; reviewed and approved.

    Blocks a slip that names no contract, or a contract not among ``ctx.approved_documents``
    (or whose document in ``ctx.contracts`` is a draft or cancelled); a contract whose
    collections the context does not give (fails closed); nothing collected yet; a rate above
    ``max_rate``; no exposure to offset overdue items against (fails closed, unless the offset
    ratio is zero); and an amount above what is payable. Otherwise holds for ``approvals``.
    """
    claim: CommissionClaim = txn.claim  # type: ignore[attr-defined]
    cid = claim.contract_id
    if cid is None:
        return (
            finding(
                "O2C-CM-01",
                Outcome.BLOCK,
                "commission.no_contract",
                params=_claim_params(claim),
                facts=_claim_facts(claim),
            ),
        )
    if cid not in ctx.approved_documents:
        return (
            finding(
                "O2C-CM-01",
                Outcome.BLOCK,
                "commission.contract_not_approved",
                params=_claim_params(claim),
                facts=_claim_facts(claim),
            ),
        )
    doc = ctx.contract(cid)
    if doc is not None and doc.status in (ContractStatus.DRAFT, ContractStatus.CANCELLED):
        return (
            finding(
                "O2C-CM-01",
                Outcome.BLOCK,
                "commission.contract_not_in_force",
                params={**_claim_params(claim), "status": doc.status.value},
                facts={**_claim_facts(claim), "status": doc.status.value},
            ),
        )
    account: ContractAccount | None = ctx.contract_accounts.get(cid)
    if account is None:
        return (
            finding(
                "O2C-CM-01",
                Outcome.BLOCK,
                "commission.no_collection_data",
                params=_claim_params(claim),
                facts=_claim_facts(claim),
            ),
        )
    if not account.collected:
        return (
            finding(
                "O2C-CM-01",
                Outcome.BLOCK,
                "commission.nothing_collected",
                params={**_claim_params(claim), "value": account.value},
                facts={**_claim_facts(claim), "value": account.value},
            ),
        )
    out: list[Finding] = []
    if policy.max_rate is not None and claim.rate > policy.max_rate:
        out.append(
            finding(
                "O2C-CM-01",
                Outcome.BLOCK,
                "commission.rate_too_high",
                params={**_claim_params(claim), "rate": claim.rate, "max_rate": policy.max_rate},
                facts={**_claim_facts(claim), "rate": claim.rate, "max_rate": policy.max_rate},
            )
        )
    if ctx.exposure is None and policy.overdue_offset_ratio:
        out.append(
            finding(
                "O2C-CM-01",
                Outcome.BLOCK,
                "commission.no_exposure",
                params=_claim_params(claim),
                facts=_claim_facts(claim),
            )
        )
        return tuple(out)
    figures = commission_payable(claim, ctx, policy)
    if claim.amount > figures["payable"]:
        out.append(
            finding(
                "O2C-CM-01",
                Outcome.BLOCK,
                "commission.exceeds_payable",
                params={
                    **_claim_params(claim),
                    "rate": claim.rate,
                    "offset_ratio": policy.overdue_offset_ratio,
                    **figures,
                },
                facts={
                    **_claim_facts(claim),
                    "rate": claim.rate,
                    "offset_ratio": policy.overdue_offset_ratio,
                    **figures,
                },
            )
        )
    if policy.approvals:
        out.append(
            Finding(
                control_id="O2C-CM-01",
                outcome=Outcome.HOLD,
                message="commission.needs_approval",
                params={"claim": claim.id, "amount": claim.amount, "contract": cid},
                facts={
                    "claim": claim.id,
                    "salesperson": claim.salesperson_id,
                    "amount": claim.amount,
                    "rate": claim.rate,
                    **figures,
                },
                required=tuple(
                    ApprovalRequirement(
                        control_id="O2C-CM-01",
                        role=s.role,
                        min_level=s.level,
                        document_id=claim.id,
                        reason="commission.needs_approval",
                        amount=str(claim.amount),
                        excluded=tuple(dict.fromkeys((claim.salesperson_id, claim.prepared_by))),
                        step=s.step,
                    )
                    for s in policy.approvals
                ),
            )
        )
    return tuple(out)


_A = Assertion

CONTROLS: tuple[Control, ...] = (
    Control(
        id="O2C-CM-01",
        version=2,
        title_zh="无合同不提成、回款后兑现",
        title_en="No commission without a contract; commission only on collected amounts, reviewed by finance and the finance VP, approved by the GM",
        objective_zh="业务提成只在有已审批合同、且按已回收货款比例计提，逾期货款抵扣提成，经财务部、财务副总审核和总经理签批后兑现。",
        objective_en="Commission is paid only on an approved contract and in proportion to what was collected, with overdue receivables offset, after review by finance and the finance VP and approval by the general manager.",
        activity_zh="兑现提成时系统检查合同已审批、回款已到；可兑现额为（已回款 − 逾期应收 × {overdue_offset_ratio}）× 提成比例 − 已兑现额（比例上限：{max_rate}）；超出即阻止，否则须经 {approvals} 审批，业务员本人和填单人不得审批。",
        activity_en="When commission is paid the system checks the contract is approved and money was collected; the payable amount is (collected − overdue × {overdue_offset_ratio}) × rate − commission already paid (rate cap: {max_rate}); a claim above it is blocked, otherwise it needs {approvals}, not the salesperson or the preparer.",
        risks=("R1.3", "R2.1"),
        kind=Kind.PREVENTIVE,
        frequency=Frequency.PER_TRANSACTION,
        key=True,
        automation=Automation.AUTOMATED,
        assertions=(_A.OCCURRENCE, _A.ACCURACY, _A.VALUATION),
        seeds=("S-K1 9", "S-K1 5"),
        g9=(10,),
        refs=("BN 29", "BN 30"),
        stage="commission",
        owner="finance / 财务部",
        evidence="decision log: contract, collected, overdue offset, earned, paid before, payable; approvals (who, role, level, when) / 决策日志：合同、已回款、逾期抵扣、应得、已兑现、可兑现；审批（审批人、角色、级别、时间）",
        applies_to=(PayCommission.__name__,),
        check=check_commission,
        messages={
            "commission.no_contract": (
                "提成单 {claim} 无合同：没有合同的不提成",
                "commission slip {claim} names no contract: no contract, no commission",
            ),
            "commission.contract_not_approved": (
                "提成单 {claim} 的合同 {contract} 未经审批：没有合同的不提成",
                "commission slip {claim}: contract {contract} is not approved — no contract, no commission",
            ),
            "commission.contract_not_in_force": (
                "提成单 {claim} 的合同 {contract} 状态为 {status}",
                "commission slip {claim}: contract {contract} is {status}",
            ),
            "commission.no_collection_data": (
                "缺少合同 {contract} 的回款数据，无法核定提成（失败关闭）",
                "no collection data for contract {contract}: commission cannot be checked (fails closed)",
            ),
            "commission.nothing_collected": (
                "合同 {contract} 尚无回款，提成单 {claim} 不得兑现",
                "nothing has been collected on contract {contract}: commission slip {claim} cannot be paid",
            ),
            "commission.rate_too_high": (
                "提成单 {claim} 的提成比例 {rate} 超过上限 {max_rate}",
                "commission slip {claim}: rate {rate} is above the cap {max_rate}",
            ),
            "commission.no_exposure": (
                "缺少客户逾期应收数据，无法抵扣提成（失败关闭）",
                "no overdue-receivables data for the customer: the commission offset cannot be applied (fails closed)",
            ),
            "commission.exceeds_payable": (
                "提成单 {claim} 金额超出可兑现额 {payable}（已回款 {collected}，逾期抵扣后基数 {base}，已兑现 {paid}）",
                "commission slip {claim} exceeds the payable {payable} (collected {collected}, base after overdue offset {base}, paid before {paid})",
            ),
            "commission.needs_approval": (
                "提成单 {claim}（金额 {amount}，合同 {contract}）须经财务部、财务副总审核和总经理签批",
                "commission slip {claim} ({amount}, contract {contract}) needs review by finance and the finance VP and approval by the general manager",
            ),
        },
    ),
)

FAMILY = Family(
    name="commission",
    title_zh="业务提成",
    title_en="Commission",
    policy_type=CommissionPolicy,
    controls=CONTROLS,
)
