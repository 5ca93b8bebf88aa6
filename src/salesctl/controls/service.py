"""Service: follow-on work for a customer only after the first payment (客户接续).

Source: the five-part sales flow S-K1 10 (客户的接续由销售业务科下达派工单,销售部经理签批;首期
付款未到的客户不得安排接续). Guideline 9 art. 9.

Control: O2C-SV-01 on :class:`~salesctl.transactions.ScheduleWorkOrder`.

The first payment has arrived when something was collected on the contract
(``ctx.contract_accounts[contract].collected`` above zero) and the amount collected reaches the
first instalment: the contract's own ``first_payment`` when its document is in
``ctx.contracts``, else ``first_payment_ratio`` of the contract price.

>>> from salesctl.controls.service import ServicePolicy
>>> ServicePolicy().approval_role
'sales_manager'
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any, ClassVar

from attrs import field, frozen

from salesctl._validators import decimal_conv, non_negative, ratio, text, typed
from salesctl.context import Context
from salesctl.control import Assertion, Automation, Control, Family, Frequency, Kind
from salesctl.controls.weakening import Weakening, at_proposer_level, weakenings
from salesctl.decision import ApprovalRequirement, Finding, Outcome, finding
from salesctl.errors import InvalidInput
from salesctl.model import ContractAccount, WorkOrder
from salesctl.money import Money
from salesctl.transactions import ScheduleWorkOrder, Transaction

__all__ = [
    "FAMILY",
    "ServicePolicy",
    "check_work_order",
    "first_payment_due",
]


@frozen
class ServicePolicy:
    """Parameters of the service family (``[service]`` in the policy file).

    Attributes:
        first_payment_ratio: the share of the contract price that counts as the first
            instalment when the contract document states none (``0``: any payment counts).
        approval_role: who signs work orders (销售部经理签批, O2C-SV-01).
        approval_level: the authority level that signature needs.
    """

    first_payment_ratio: Decimal = field(
        default=Decimal("0"), converter=decimal_conv, validator=ratio
    )
    approval_role: str = field(default="sales_manager", validator=text)
    approval_level: int = field(default=2, validator=[typed(int), non_negative])

    #: The controls each field sets (see :mod:`salesctl.controls.weakening`).
    AFFECTS: ClassVar[Mapping[str, tuple[str, ...]]] = {
        "first_payment_ratio": ("O2C-SV-01",),
        "approval_role": ("O2C-SV-01",),
        "approval_level": ("O2C-SV-01",),
    }

    def weakened(self) -> tuple[Weakening, ...]:
        """What these values leave unable to fire (:mod:`salesctl.controls.weakening`)."""
        if at_proposer_level(self.approval_role, self.approval_level):
            key = "approval_level" if self.approval_level <= 0 else "approval_role"
            return weakenings(("O2C-SV-01",), key, "work orders are signed at the proposer's level")
        return ()


def first_payment_due(wo: WorkOrder, ctx: Context, policy: ServicePolicy) -> Money:
    """The first instalment that must have been collected before ``wo`` may be scheduled.

    Args:
        wo: the work order (its contract must have an account in ``ctx``).
        ctx: the context with ``contract_accounts`` and, optionally, ``contracts``.
        policy: the service policy.

    Returns:
        The contract's ``first_payment`` if its document states one, else
        ``first_payment_ratio`` of the contract price, in the account's currency.

    Raises:
        InvalidInput: when the contract has no account in the context.
        CurrencyMismatch: when the contract document is in another currency without a rate.
    """
    cid = wo.contract_id or ""
    account: ContractAccount | None = ctx.contract_accounts.get(cid)
    if account is None:
        raise InvalidInput("no contract account", path="Context.contract_accounts", value=cid)
    doc = ctx.contract(cid)
    if doc is not None and doc.first_payment is not None:
        return ctx.convert(doc.first_payment, account.value.currency)
    price: Money = account.value
    return price.times(policy.first_payment_ratio)


def _work_order_params(wo: WorkOrder) -> dict[str, Any]:
    return {"work_order": wo.id, "customer": wo.customer_id, "contract": wo.contract_id or "-"}


def _work_order_facts(wo: WorkOrder) -> dict[str, Any]:
    return {"work_order": wo.id, "contract": wo.contract_id or "-"}


def check_work_order(txn: Transaction, ctx: Context, policy: ServicePolicy) -> tuple[Finding, ...]:
    """O2C-SV-01: no follow-on work before the first payment; the sales manager signs.

    Blocks a work order that names no contract, a contract of another customer, a contract
    whose collections the context does not give (fails closed), or a contract on which the
    first instalment has not been collected. Otherwise holds for the sales manager's
    signature; the issuer of the work order cannot sign it.
    """
    wo: WorkOrder = txn.work_order  # type: ignore[attr-defined]
    cid = wo.contract_id
    if cid is None:
        return (
            finding(
                "O2C-SV-01",
                Outcome.BLOCK,
                "service.no_contract",
                params=_work_order_params(wo),
                facts=_work_order_facts(wo),
            ),
        )
    doc = ctx.contract(cid)
    if doc is not None and doc.customer_id != wo.customer_id:
        return (
            finding(
                "O2C-SV-01",
                Outcome.BLOCK,
                "service.other_customer",
                params=_work_order_params(wo),
                facts={**_work_order_facts(wo), "contract_customer": doc.customer_id},
            ),
        )
    account: ContractAccount | None = ctx.contract_accounts.get(cid)
    if account is None:
        return (
            finding(
                "O2C-SV-01",
                Outcome.BLOCK,
                "service.no_collection_data",
                params=_work_order_params(wo),
                facts=_work_order_facts(wo),
            ),
        )
    due = first_payment_due(wo, ctx, policy)
    if not account.collected or account.collected < due:
        return (
            finding(
                "O2C-SV-01",
                Outcome.BLOCK,
                "service.first_payment_missing",
                params=_work_order_params(wo),
                facts={
                    **_work_order_facts(wo),
                    "collected": account.collected,
                    "first_payment": due,
                },
            ),
        )
    return (
        Finding(
            control_id="O2C-SV-01",
            outcome=Outcome.HOLD,
            message="service.needs_approval",
            params={"work_order": wo.id, "role": policy.approval_role},
            facts={
                "work_order": wo.id,
                "contract": cid,
                "collected": account.collected,
                "first_payment": due,
                "issued_by": wo.issued_by,
            },
            required=(
                ApprovalRequirement(
                    control_id="O2C-SV-01",
                    role=policy.approval_role,
                    min_level=policy.approval_level,
                    document_id=wo.id,
                    reason="service.needs_approval",
                    excluded=(wo.issued_by,),
                ),
            ),
        ),
    )


_A = Assertion

CONTROLS: tuple[Control, ...] = (
    Control(
        id="O2C-SV-01",
        title_zh="首期款未到不安排接续",
        title_en="Follow-up service work orders only after the first payment; approved by the sales manager",
        objective_zh="首期付款未到的客户不安排接续服务；派工单经销售部经理签批。",
        objective_en="No follow-on service for a customer whose first payment has not arrived; work orders are signed by the sales manager.",
        activity_zh="下达派工单时系统检查合同已回款且达到首期款（合同未载明时为合同价的 {first_payment_ratio}）；否则阻止，达到则须 {approval_role}（级别 ≥ {approval_level}）签批，派工人不得签批。",
        activity_en="When a work order is issued the system checks the contract has collected its first instalment (where the contract states none: {first_payment_ratio} of the price); otherwise it is blocked, and if so it needs {approval_role} (level ≥ {approval_level}), not the issuer.",
        risks=("R1.3",),
        kind=Kind.PREVENTIVE,
        frequency=Frequency.PER_TRANSACTION,
        key=False,
        automation=Automation.AUTOMATED,
        assertions=(_A.VALUATION, _A.OCCURRENCE),
        seeds=("S-K1 10",),
        seed_quotes=(
            ("S-K1 10", "客户的接续由销售业务科下达派工单,销售部经理签批;首期付款未到的客户不得安排接续。", "Follow-up work for a customer is ordered by the sales section on a work order signed by the sales department manager; a customer whose first payment has not arrived is given no follow-up work."),
        ),
        seed_readings=(
            (
                "S-K1 10",
                "来源没有说明多少算“首期付款”。合同文件写明首期款时按其金额；未写明时按策略的 `service.first_payment_ratio` 乘以合同价，默认为 0，即收到任何一笔付款即视为首期款已到。",
                "The seed does not say how much counts as the first payment. Where the contract document states its first instalment, that amount is used; where it does not, the policy's `service.first_payment_ratio` of the contract price, 0 by default: any payment received counts as the first payment.",
            ),
        ),
        g9=(10,),
        refs=("BN 30",),
        stage="service",
        owner="sales department manager / 销售部经理",
        evidence="decision log: contract, collected, first instalment, signature (who, role, level, when) / 决策日志：合同、已回款、首期款、签批（签批人、角色、级别、时间）",
        applies_to=(ScheduleWorkOrder.__name__,),
        check=check_work_order,
        messages={
            "service.no_contract": (
                "派工单 {work_order} 未关联合同，无法确认首期款（失败关闭）",
                "work order {work_order} names no contract: the first payment cannot be verified (fails closed)",
            ),
            "service.other_customer": (
                "派工单 {work_order} 的合同 {contract} 不属于客户 {customer}",
                "work order {work_order}: contract {contract} is not a contract of customer {customer}",
            ),
            "service.no_collection_data": (
                "缺少合同 {contract} 的回款数据，无法确认首期款（失败关闭）",
                "no collection data for contract {contract}: the first payment cannot be verified (fails closed)",
            ),
            "service.first_payment_missing": (
                "客户 {customer} 合同 {contract} 的首期款未到，不得安排接续（派工单 {work_order}）",
                "the first payment on contract {contract} of customer {customer} has not arrived: no follow-on work ({work_order})",
            ),
            "service.needs_approval": (
                "派工单 {work_order} 须经 {role} 签批",
                "work order {work_order} needs the signature of {role}",
            ),
        },
    ),
)

FAMILY = Family(
    name="service",
    title_zh="接续服务",
    title_en="Service",
    policy_type=ServicePolicy,
    controls=CONTROLS,
)
