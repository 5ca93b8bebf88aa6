"""Pipeline: stage gates of the selling process (销售流程阶段).

Source: the selling-process texts of the seed, tagged S-PS: 产品销售标准流程 1 (潜在顾客必须具备
两个基本条件:一是愿意购买、二是有支付能力、如果只有一个条件满足、就不是潜在的顾客), 普通销售
标准流程 1–10, 销售的八大流程, tob销售, 销售业务流程SOP and 标准销售相关流程 (需求分析 → 销售方案 →
报价和谈判 → 签订合同 → 交付 → 售后服务 → 回访). Guideline 9 art. 5.

Control: O2C-PS-01 on :class:`~salesctl.transactions.AdvanceStage`. A move forward goes one
stage at a time (no skipping); any stage from ``qualified`` on needs a prospect that is both
willing to buy and able to pay (one of the two is not a prospect; an unassessed condition is
not met); and entering a stage needs the artefacts the policy names for it and for every stage
before it. Moving back (re-work) is allowed unless the policy forbids it.

>>> from salesctl.controls.pipeline import PipelinePolicy
>>> sorted(PipelinePolicy().required_artefacts["contract"])
['contract', 'quotation']
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from attrs import field, frozen

from salesctl._validators import FrozenMap, frozenmap_conv, typed
from salesctl.context import Context
from salesctl.control import Assertion, Automation, Control, Family, Frequency, Kind
from salesctl.decision import Finding, Outcome, finding
from salesctl.errors import InvalidInput
from salesctl.model import Opportunity, PipelineStage
from salesctl.transactions import AdvanceStage, Transaction

__all__ = [
    "FAMILY",
    "PipelinePolicy",
    "check_stage_gate",
    "missing_artefacts",
]

_NONE: tuple[Finding, ...] = ()
_STAGES = tuple(PipelineStage)


def _default_artefacts() -> FrozenMap[str, frozenset[str]]:
    return FrozenMap(
        {
            PipelineStage.PROPOSAL.value: frozenset({"needs_analysis"}),
            PipelineStage.QUOTE.value: frozenset({"proposal"}),
            PipelineStage.CONTRACT.value: frozenset({"quotation", "contract"}),
            PipelineStage.AFTER_SALES.value: frozenset({"delivery_receipt"}),
        }
    )


def _artefact_table(_i: Any, _a: Any, value: Any) -> None:
    if not isinstance(value, FrozenMap):
        raise InvalidInput("must be a table", path="required_artefacts", value=value)
    known = {s.value for s in _STAGES}
    for stage, kinds in value.items():
        if stage not in known:
            raise InvalidInput(
                f"unknown stage (known: {', '.join(s.value for s in _STAGES)})",
                path=f"required_artefacts.{stage}",
            )
        if not isinstance(kinds, frozenset) or not all(
            isinstance(k, str) and k.strip() for k in kinds
        ):
            raise InvalidInput(
                "must be a list of artefact kinds", path=f"required_artefacts.{stage}", value=kinds
            )


@frozen
class PipelinePolicy:
    """Parameters of the pipeline family (``[pipeline]`` in the policy file).

    Attributes:
        required_artefacts: artefact kinds needed to enter a stage, by stage name; entering a
            stage needs its own and those of every earlier stage (O2C-PS-01).
        allow_backward: an opportunity may move back to an earlier stage (re-work).
    """

    required_artefacts: FrozenMap[str, frozenset[str]] = field(
        factory=_default_artefacts, converter=frozenmap_conv, validator=_artefact_table
    )
    allow_backward: bool = field(default=True, validator=typed(bool))

    #: The controls each field sets (see :mod:`salesctl.controls.weakening`).
    AFFECTS: ClassVar[Mapping[str, tuple[str, ...]]] = {
        "required_artefacts": ("O2C-PS-01",),
        "allow_backward": ("O2C-PS-01",),
    }


def missing_artefacts(
    opp: Opportunity, to_stage: PipelineStage, policy: PipelinePolicy
) -> list[str]:
    """Artefact kinds needed up to ``to_stage`` that ``opp`` lacks, sorted."""
    need: set[str] = set()
    for stage in _STAGES[: to_stage.index + 1]:
        need |= policy.required_artefacts.get(stage.value, frozenset())
    return sorted(need - set(opp.artefacts))


def _stage_params(opp: Opportunity, to: PipelineStage) -> dict[str, Any]:
    return {"opportunity": opp.id, "stage": opp.stage, "to": to}


def _stage_facts(opp: Opportunity, to: PipelineStage) -> dict[str, Any]:
    return {"opportunity": opp.id, "prospect": opp.prospect, "from": opp.stage, "to": to}


def _condition(value: bool | None) -> str:
    return "not assessed" if value is None else ("yes" if value else "no")


def check_stage_gate(txn: Transaction, ctx: Context, policy: PipelinePolicy) -> tuple[Finding, ...]:
    """O2C-PS-01: stages advance one at a time, qualified prospects only, with their artefacts.

    Blocks a move to the same stage; a move back when ``allow_backward`` is off; a move that
    skips stages; a move to ``qualified`` or beyond for a prospect that is not both willing
    to buy and able to pay; and a move without the artefacts the policy requires up to the
    target stage.
    """
    opp: Opportunity = txn.opportunity  # type: ignore[attr-defined]
    to: PipelineStage = txn.to_stage  # type: ignore[attr-defined]
    here, there = opp.stage.index, to.index
    if there == here:
        return (
            finding(
                "O2C-PS-01",
                Outcome.BLOCK,
                "pipeline.same_stage",
                params=_stage_params(opp, to),
                facts=_stage_facts(opp, to),
            ),
        )
    if there < here:
        return (
            _NONE
            if policy.allow_backward
            else (
                finding(
                    "O2C-PS-01",
                    Outcome.BLOCK,
                    "pipeline.backward",
                    params=_stage_params(opp, to),
                    facts=_stage_facts(opp, to),
                ),
            )
        )
    out: list[Finding] = []
    if there > here + 1:
        skipped = [s.value for s in _STAGES[here + 1 : there]]
        out.append(
            finding(
                "O2C-PS-01",
                Outcome.BLOCK,
                "pipeline.skipped",
                params={**_stage_params(opp, to), "skipped": skipped},
                facts={**_stage_facts(opp, to), "skipped": skipped},
            )
        )
    if there >= PipelineStage.QUALIFIED.index and not (
        opp.willing_to_buy is True and opp.able_to_pay is True
    ):
        met = [opp.willing_to_buy is True, opp.able_to_pay is True].count(True)
        out.append(
            finding(
                "O2C-PS-01",
                Outcome.BLOCK,
                "pipeline.one_condition" if met == 1 else "pipeline.not_qualified",
                params={
                    **_stage_params(opp, to),
                    "willing_to_buy": _condition(opp.willing_to_buy),
                    "able_to_pay": _condition(opp.able_to_pay),
                },
                facts={
                    **_stage_facts(opp, to),
                    "willing_to_buy": _condition(opp.willing_to_buy),
                    "able_to_pay": _condition(opp.able_to_pay),
                },
            )
        )
    missing = missing_artefacts(opp, to, policy)
    if missing:
        out.append(
            finding(
                "O2C-PS-01",
                Outcome.BLOCK,
                "pipeline.missing_artefacts",
                params={**_stage_params(opp, to), "missing": missing},
                facts={**_stage_facts(opp, to), "missing": missing},
            )
        )
    return tuple(out)


_A = Assertion

CONTROLS: tuple[Control, ...] = (
    Control(
        id="O2C-PS-01",
        title_zh="潜在客户须同时具备购买意愿和支付能力；阶段按序推进",
        title_en="Pipeline stage gates: a prospect qualifies only if both willing and able to pay; stages advance in order with their artefacts",
        objective_zh="只有既愿意购买又有支付能力的才是潜在客户；销售阶段按序推进，每一阶段都有其成果文件。",
        objective_en="Only a prospect both willing to buy and able to pay is pursued; the pipeline advances stage by stage, each with its artefacts.",
        activity_zh="推进销售阶段时系统检查：不得跳阶段（允许退回：{allow_backward}）；进入 qualified 及以后阶段须同时具备购买意愿和支付能力；进入各阶段须具备成果文件 {required_artefacts}（含此前各阶段）。",
        activity_en="When an opportunity moves the system checks that no stage is skipped (moving back allowed: {allow_backward}); that from 'qualified' on the prospect is both willing to buy and able to pay; and that the artefacts {required_artefacts} of the target stage and every earlier stage are on file.",
        risks=("R1.3", "R3.1"),
        kind=Kind.PREVENTIVE,
        frequency=Frequency.PER_TRANSACTION,
        key=False,
        automation=Automation.AUTOMATED,
        assertions=(_A.OCCURRENCE,),
        seeds=("S-PS 产品销售标准流程 1", "S-PS 普通销售标准流程", "S-PS 销售的八大流程"),
        seed_quotes=(
            ("S-PS 产品销售标准流程 1", "销售人员必须能鉴别潜在的顾客、这些潜在顾客必须具备两个基本条件:一是愿意购买、二是有支付能力、如果只有一个条件满足、就不是潜在的顾客。", "Salespeople must be able to tell a prospect: a prospect must meet two basic conditions, being willing to buy and being able to pay; one condition alone does not make a prospect."),
            ("S-PS 普通销售标准流程", "当客户接受报价后,销售人员与客户签订销售合同,", "Once the customer accepts the quotation, the salesperson signs the sales contract with the customer."),
            ("S-PS 销售的八大流程", "根据客户的需求和问题,制定针对性的销售方案。", "A sales proposal is drawn up to answer the customer's needs and problems."),
        ),
        g9=(5,),
        stage="pipeline",
        owner="sales management / 销售管理",
        evidence="decision log: from/to stage, willingness and ability to pay, artefacts on file / 决策日志：起止阶段、购买意愿和支付能力、已存档的资料",
        applies_to=(AdvanceStage.__name__,),
        check=check_stage_gate,
        messages={
            "pipeline.same_stage": (
                "商机 {opportunity} 已处于 {stage} 阶段",
                "opportunity {opportunity} is already at stage {stage}",
            ),
            "pipeline.backward": (
                "商机 {opportunity} 不得从 {stage} 退回 {to}",
                "opportunity {opportunity} may not move back from {stage} to {to}",
            ),
            "pipeline.skipped": (
                "商机 {opportunity} 从 {stage} 到 {to} 跳过了阶段 {skipped}",
                "opportunity {opportunity} skips {skipped} moving from {stage} to {to}",
            ),
            "pipeline.one_condition": (
                "{opportunity} 只满足一个条件（购买意愿：{willing_to_buy}，支付能力：{able_to_pay}），不是潜在顾客",
                "{opportunity} meets only one condition (willing to buy: {willing_to_buy}, able to pay: {able_to_pay}): not a prospect",
            ),
            "pipeline.not_qualified": (
                "{opportunity} 不具备购买意愿和支付能力（购买意愿：{willing_to_buy}，支付能力：{able_to_pay}），不是潜在顾客",
                "{opportunity} is neither shown willing to buy nor able to pay (willing: {willing_to_buy}, able: {able_to_pay}): not a prospect",
            ),
            "pipeline.missing_artefacts": (
                "商机 {opportunity} 进入 {to} 阶段缺少成果文件：{missing}",
                "opportunity {opportunity} lacks {missing} to enter stage {to}",
            ),
        },
    ),
)

FAMILY = Family(
    name="pipeline",
    title_zh="销售流程",
    title_en="Pipeline",
    policy_type=PipelinePolicy,
    controls=CONTROLS,
)
