"""Commission: no contract, no commission; commission only on what was collected (业务提成).

Source: the five-part sales flow S-K1 9 (货款回收后由销售业务科填报业务员个人提成单,由财务部和
财务副总审核,总经理签批兑现。没有合同的不预提成) and S-K1 5 (逾期货款采取计息、抵扣提成直至
经济诉讼). Guideline 9 art. 10.

Controls: O2C-CM-01 on :class:`~salesctl.transactions.PayCommission`; O2C-CM-02 (detective,
monthly: S-K1 12 每月盘点销售与财务部对合同台帐进行对帐,并根据累计完成情况计提销售部的业务提成 —
each sales unit's commission is accrued every month from what was collected, ``accrued =
collected × rate`` to the cent, and agreed with finance's figure by the deadline).

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

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal
from typing import Any, ClassVar

import attrs
from attrs import field, frozen

from salesctl._validators import decimal_conv, each, non_negative, ratio, text, tuple_conv, typed
from salesctl.context import Context
from salesctl.control import Assertion, Automation, Control, Examination, Family, Frequency, Kind
from salesctl.controls.credit import ApprovalStep
from salesctl.controls.weakening import Weakening, at_proposer_level, order_lost, weakenings
from salesctl.decision import ApprovalRequirement, Finding, Outcome, finding, make_finding
from salesctl.errors import InvalidInput
from salesctl.model import CommissionClaim, ContractAccount, ContractStatus
from salesctl.money import Money
from salesctl.records import CommissionAccrual, Period, Records
from salesctl.transactions import PayCommission, Transaction

__all__ = [
    "FAMILY",
    "CommissionPolicy",
    "check_commission",
    "commission_payable",
    "detect_commission_accrual",
]


def _days(inst: Any, a: Any, value: Any) -> None:
    typed(int)(inst, a, value)
    non_negative(inst, a, value)


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
        accrual_units: the sales units whose commission is accrued every month (O2C-CM-02).
        accrual_within_days: days after a month end by which its accrual is made and agreed
            with finance (O2C-CM-02).
        accrual_role: who follows up a missing, wrong or unreconciled accrual (O2C-CM-02).
        accrual_level: that role's authority level.
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
    # issue 14: commission accrual
    accrual_units: tuple[str, ...] = field(
        default=("sales",), converter=tuple_conv, validator=each(str)
    )
    accrual_within_days: int = field(default=10, validator=_days)
    accrual_role: str = field(default="finance_head", validator=text)
    accrual_level: int = field(default=3, validator=_days)

    #: The controls each field sets (see :mod:`salesctl.controls.weakening`).
    AFFECTS: ClassVar[Mapping[str, tuple[str, ...]]] = {
        "overdue_offset_ratio": ("O2C-CM-01",),
        "max_rate": ("O2C-CM-01", "O2C-CM-02"),
        "approvals": ("O2C-CM-01",),
        "accrual_units": ("O2C-CM-02",),
        "accrual_within_days": ("O2C-CM-02",),
        "accrual_role": ("O2C-CM-02",),
        "accrual_level": ("O2C-CM-02",),
    }

    def weakened(self) -> tuple[Weakening, ...]:
        """What these values leave unable to fire (:mod:`salesctl.controls.weakening`)."""
        out: list[Weakening] = []
        if not self.approvals or any(at_proposer_level(s.role, s.level) for s in self.approvals):
            out += weakenings(
                ("O2C-CM-01",), "approvals", "a commission slip is approved at the proposer's level"
            )
        elif order_lost(self.approvals, attrs.fields(CommissionPolicy).approvals.default):
            out += weakenings(
                ("O2C-CM-01",),
                "approvals",
                "the sign-offs may come in any order: the seed has the general manager sign last",
            )
        if not self.accrual_units:
            out += weakenings(
                ("O2C-CM-02",), "accrual_units", "no unit's commission accrual is ever expected"
            )
        return tuple(out)


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
_HOLD, _BLOCK = Outcome.HOLD, Outcome.BLOCK

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
        seed_quotes=(
            ("S-K1 9", "货款回收后由销售业务科填报业务员个人提成单,由财务部和财务副总审核,总经理签批兑现。没有合同的不预提成。", "After collection, the sales section fills in the salesperson's commission form; finance and the finance vice-president review it and the general manager approves the payment. No commission is accrued without a contract."),
        ),
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

# -- issue 14: O2C-CM-02 ------------------------------------------------------------------------


def _months_due(period: Period, days: int) -> list[Period]:
    """The months whose end + ``days`` falls in ``period``."""
    lag = dt.timedelta(days=days)
    out: list[Period] = []
    m = Period.containing(period.start - lag, Frequency.MONTHLY)
    while m.end + lag <= period.end:
        if m.end + lag >= period.start:
            out.append(m)
        m = m.next()
    return out


def _accrual_problem(
    a: CommissionAccrual, deadline: dt.date, policy: CommissionPolicy
) -> tuple[str, dict[str, Any]] | None:
    expected = a.collected.times(a.rate)
    if a.accrued != expected:
        return "commission.accrual_wrong", {"expected": expected}
    if policy.max_rate is not None and a.rate > policy.max_rate:
        return "commission.accrual_rate", {"max_rate": policy.max_rate}
    if a.finance_collected is None or a.reconciled_on is None or a.reconciled_on > deadline:
        return "commission.accrual_unreconciled", {}
    if a.finance_collected != a.collected:
        return "commission.accrual_differs", {"finance": a.finance_collected}
    return None


def detect_commission_accrual(
    records: Records, period: Period, policy: CommissionPolicy
) -> Examination:
    """O2C-CM-02: each month, each unit's commission accrued from collections, agreed with finance.

    Tests the months whose deadline (month end + ``accrual_within_days``) falls in the period,
    for each of ``accrual_units``: no accrual made by the deadline is a BLOCK (the control did
    not operate); an accrual that is not ``collected × rate`` (rounded half-up to the cent),
    whose rate is above ``max_rate``, that finance did not agree by the deadline, or whose
    collections differ from finance's (to the cent) is a HOLD.
    """
    out: list[Finding] = []
    tested = 0
    for month in _months_due(period, policy.accrual_within_days):
        deadline = month.end + dt.timedelta(days=policy.accrual_within_days)
        made: dict[str, list[CommissionAccrual]] = {}
        for a in sorted(records.commission_accruals, key=lambda a: a.accrual_id):
            if a.period_end == month.end:
                made.setdefault(a.unit, []).append(a)
        for unit in sorted(set(policy.accrual_units)):
            tested += 1
            doc = f"{unit}@{month.label}"
            accruals = made.get(unit, [])
            if not accruals:
                out.append(
                    make_finding(
                        "O2C-CM-02",
                        _BLOCK,
                        "commission.no_accrual",
                        doc,
                        params={"unit": unit, "period": month.label, "deadline": deadline},
                        facts={"deadline": deadline},
                    )
                )
                continue
            for a in accruals:
                problem = _accrual_problem(a, deadline, policy)
                if problem is None:
                    continue
                key, extra = problem
                out.append(
                    make_finding(
                        "O2C-CM-02",
                        _HOLD,
                        key,
                        doc,
                        params={
                            "unit": unit,
                            "period": month.label,
                            "accrual": a.accrual_id,
                            "accrued": a.accrued,
                            "collected": a.collected,
                            "rate": a.rate,
                            "deadline": deadline,
                            **extra,
                        },
                        facts={
                            "accrual": a.accrual_id,
                            "collected": a.collected,
                            "rate": a.rate,
                            "accrued": a.accrued,
                            "finance_collected": a.finance_collected or "none",
                            "reconciled_on": a.reconciled_on or "not reconciled",
                            "reconciled_by": a.reconciled_by or "-",
                            "deadline": deadline,
                            **extra,
                        },
                        role=policy.accrual_role,
                        level=policy.accrual_level,
                    )
                )
    return Examination(tested, tuple(out))


CONTROLS += (
    Control(
        id="O2C-CM-02",
        title_zh="提成按月计提、与财务核对",
        title_en="Monthly: the sales department's commission accrued from collected amounts and reconciled with finance",
        objective_zh="业务提成按回款逐月计提，与财务核对一致，费用不漏记、不多记。",
        objective_en="Commission is accrued every month in proportion to what was collected and agrees with finance, so the expense is neither missed nor overstated.",
        activity_zh="每月结束后 {accrual_within_days} 天内，销售部与财务部对合同台帐对帐，按当月回款 × 提成比例为 {accrual_units} 计提业务提成（精确到分），财务确认回款数一致；未计提、计算不符或未经核对的由 {accrual_role} 跟进。",
        activity_en="Within {accrual_within_days} days of each month end, sales and finance reconcile the contract ledger and accrue the commission of {accrual_units} as the month's collections × rate (to the cent), finance agreeing the collections; a missing, wrong or unreconciled accrual is followed up by {accrual_role}.",
        risks=("R2.1", "R2.2"),
        kind=Kind.DETECTIVE,
        frequency=Frequency.MONTHLY,
        key=False,
        automation=Automation.MANUAL,
        assertions=(_A.COMPLETENESS, _A.ACCURACY, _A.CUTOFF),
        seeds=("S-K1 12",),
        seed_quotes=(
            ("S-K1 12", "每月盘点销售与财务部对合同台帐进行对帐,并根据累计完成情况计提销售部的业务提成。", "Each month sales and finance reconcile the contract ledgers and accrue the sales department's commission from what has been completed to date."),
        ),
        g9=(12,),
        stage="commission",
        owner="sales department and finance / 销售部、财务部",
        evidence="monthly accrual voucher with the collections base, rate and finance's agreement / 月度计提凭证，附回款基数、提成比例及财务核对确认",
        detect=detect_commission_accrual,
        detect_at={Frequency.MONTHLY},
        messages={
            "commission.no_accrual": (
                "{unit} {period} 的业务提成未在 {deadline} 前计提",
                "{unit}: no commission accrued for {period} by {deadline}",
            ),
            "commission.accrual_wrong": (
                "{unit} {period} 计提 {accrual} 为 {accrued}，按回款 {collected} × {rate} 应为 {expected}",
                "{unit} {period}: accrual {accrual} is {accrued}, but collections {collected} × {rate} make {expected}",
            ),
            "commission.accrual_rate": (
                "{unit} {period} 计提 {accrual} 的比例 {rate} 超过上限 {max_rate}",
                "{unit} {period}: accrual {accrual} uses a rate of {rate}, above the cap {max_rate}",
            ),
            "commission.accrual_unreconciled": (
                "{unit} {period} 计提 {accrual} 未在 {deadline} 前与财务核对",
                "{unit} {period}: accrual {accrual} was not reconciled with finance by {deadline}",
            ),
            "commission.accrual_differs": (
                "{unit} {period} 计提 {accrual} 的回款 {collected} 与财务 {finance} 不符",
                "{unit} {period}: accrual {accrual} is based on {collected} collected, finance shows {finance}",
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
