"""The pipeline family: O2C-PS-01 (a prospect must be both willing and able to pay; stages
advance in order, each with its artefacts).

S-PS 产品销售标准流程 1: 这些潜在顾客必须具备两个基本条件:一是愿意购买、二是有支付能力、如果只有
一个条件满足、就不是潜在的顾客。 销售的八大流程: 客户调研 → 潜在客户开发 → 需求分析 → 销售方案
制定 → 谈判和沟通 → 签订合同 → 交付和实施 → 售后服务。
"""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import salesctl as sc
from salesctl.controls import pipeline
from tests import builders as b

S = sc.PipelineStage
STAGES = tuple(S)
ALL_ARTEFACTS = {
    "needs_analysis": "XQ-15",
    "proposal": "FA-15",
    "quotation": "BJ-2026-031",
    "contract": b.CONTRACT_ID,
    "delivery_receipt": "HZ-15",
}


def only(policy: sc.Policy | None = None) -> sc.Gate:
    return sc.Gate(policy, only=["O2C-PS-01"])


def move(opp: sc.Opportunity, to: sc.PipelineStage) -> sc.AdvanceStage:
    return sc.AdvanceStage(opportunity=opp, to_stage=to, actor=b.REP, at=b.AT)


def blocks(d: sc.Decision) -> set[str]:
    return {f.message for f in d.findings if f.outcome is sc.Outcome.BLOCK}


class TestPS01StageGates:
    def test_the_whole_pipeline_in_order_passes(self) -> None:
        """Lead → … → review, one stage at a time, with every artefact on file → ALLOW each step."""
        for here, there in itertools.pairwise(STAGES):
            d = only().check(move(b.opportunity(here, artefacts=ALL_ARTEFACTS), there), b.context())
            assert d.outcome is sc.Outcome.ALLOW, (here, there, d.explain())

    @pytest.mark.parametrize(
        ("willing", "able"), [(True, False), (False, True), (True, None), (None, True)]
    )
    def test_one_condition_is_not_a_prospect(self, willing: bool | None, able: bool | None) -> None:
        """Willing but unable to pay (or the reverse, or unassessed) → BLOCK: not a prospect."""
        d = only().check(
            move(b.opportunity(willing_to_buy=willing, able_to_pay=able), S.QUALIFIED), b.context()
        )
        assert blocks(d) == {"pipeline.one_condition"}
        assert "不是潜在顾客" in d.explain("zh")

    def test_neither_condition(self) -> None:
        """Neither willing nor able → BLOCK."""
        d = only().check(
            move(b.opportunity(willing_to_buy=False, able_to_pay=None), S.QUALIFIED), b.context()
        )
        assert blocks(d) == {"pipeline.not_qualified"}

    def test_both_conditions_qualify(self) -> None:
        """Willing AND able → the lead becomes a prospect."""
        assert only().check(move(b.opportunity(), S.QUALIFIED), b.context()).allowed

    def test_lost_ability_to_pay_stops_later_stages(self) -> None:
        """A prospect found unable to pay at the proposal stage cannot move to quote."""
        opp = b.opportunity(S.PROPOSAL, able_to_pay=False, artefacts=ALL_ARTEFACTS)
        assert blocks(only().check(move(opp, S.QUOTE), b.context())) == {"pipeline.one_condition"}

    def test_skipping_a_stage_blocks(self) -> None:
        """Needs → quote skips the proposal → BLOCK naming it."""
        d = only().check(
            move(b.opportunity(S.NEEDS, artefacts=ALL_ARTEFACTS), S.QUOTE), b.context()
        )
        assert blocks(d) == {"pipeline.skipped"}
        assert dict(d.findings[0].facts)["skipped"] == "proposal"

    def test_missing_artefact_blocks(self) -> None:
        """Proposal → quote with no proposal on file → BLOCK."""
        opp = b.opportunity(S.PROPOSAL, artefacts={"needs_analysis": "XQ-15"})
        d = only().check(move(opp, S.QUOTE), b.context())
        assert blocks(d) == {"pipeline.missing_artefacts"}
        assert dict(d.findings[0].facts)["missing"] == "proposal"

    def test_artefacts_accumulate(self) -> None:
        """Entering contract needs the needs analysis and proposal too, not only the quotation."""
        opp = b.opportunity(S.QUOTE, artefacts={"quotation": "BJ-1", "contract": "HT-1"})
        d = only().check(move(opp, S.CONTRACT), b.context())
        assert dict(d.findings[0].facts)["missing"] == "needs_analysis, proposal"

    def test_same_stage_blocks(self) -> None:
        """Moving to the stage it is in is not an advance."""
        assert blocks(only().check(move(b.opportunity(S.NEEDS), S.NEEDS), b.context())) == {
            "pipeline.same_stage"
        }

    def test_moving_back_is_a_parameter(self) -> None:
        """Back to needs for re-work: allowed by default, blocked with allow_backward = false."""
        opp = b.opportunity(S.QUOTE, artefacts=ALL_ARTEFACTS)
        assert only().check(move(opp, S.NEEDS), b.context()).allowed
        p = sc.loads_policy("[pipeline]\nallow_backward = false\n")
        assert blocks(only(p).check(move(opp, S.NEEDS), b.context())) == {"pipeline.backward"}

    def test_artefact_table_is_a_parameter(self) -> None:
        """A policy may ask for a qualification record; an unknown stage is refused."""
        p = sc.loads_policy('[pipeline.required_artefacts]\nqualified = ["credit_check"]\n')
        assert not only(p).check(move(b.opportunity(), S.QUALIFIED), b.context()).allowed
        with pytest.raises(sc.PolicyError, match=r"required_artefacts\.closing"):
            sc.loads_policy('[pipeline.required_artefacts]\nclosing = ["x"]\n')

    @settings(max_examples=80)
    @given(
        here=st.sampled_from(STAGES),
        there=st.sampled_from(STAGES),
        willing=st.sampled_from([True, False, None]),
        able=st.sampled_from([True, False, None]),
    )
    def test_forward_moves_pass_only_one_step_at_a_time_and_qualified(
        self,
        here: sc.PipelineStage,
        there: sc.PipelineStage,
        willing: bool | None,
        able: bool | None,
    ) -> None:
        """Property: with every artefact on file, a forward move passes iff it is one step and
        (below qualified, or willing and able); backward moves always pass by default."""
        opp = b.opportunity(here, willing_to_buy=willing, able_to_pay=able, artefacts=ALL_ARTEFACTS)
        found = pipeline.check_stage_gate(move(opp, there), b.context(), pipeline.PipelinePolicy())
        if there.index < here.index:
            assert found == ()
        else:
            ok = there.index == here.index + 1 and (
                there.index < S.QUALIFIED.index or (willing is True and able is True)
            )
            assert (found == ()) == ok
