"""The selling pipeline and sales plans (S-PS, S-IC 1.2, S-CP 3.1.3–3.1.4★)."""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from attrs import field, frozen

from salesctl._validators import (
    FrozenMap,
    a_date,
    frozenmap_conv,
    ident,
    mapping,
    positive,
    text,
    typed,
)
from salesctl.errors import InvalidInput
from salesctl.money import Money

__all__ = ["Opportunity", "PipelineStage", "PlanKind", "SalesPlan"]


class PipelineStage(enum.Enum):
    """The stages of the selling pipeline, in order (S-PS)."""

    #: A lead: someone who might buy (寻找潜在顾客).
    LEAD = "lead"
    #: A qualified prospect: both willing to buy and able to pay (潜在顾客).
    QUALIFIED = "qualified"
    #: Needs understood and recorded (了解客户需求, 需求分析).
    NEEDS = "needs"
    #: Proposal or solution presented (描述产品, 销售方案制定).
    PROPOSAL = "proposal"
    #: Quotation and negotiation (报价与谈判).
    QUOTE = "quote"
    #: Contract signed (签订合同).
    CONTRACT = "contract"
    #: Order fulfilled and delivered (订单执行, 交付).
    FULFIL = "fulfil"
    #: After-sales service (售后服务).
    AFTER_SALES = "after_sales"
    #: Follow-up visit and review (回访, 满意度调查).
    REVIEW = "review"

    @property
    def index(self) -> int:
        """The stage's position in the pipeline (0 for ``LEAD``)."""
        return _STAGE_ORDER.index(self)


_STAGE_ORDER: tuple[PipelineStage, ...] = tuple(PipelineStage)


def _artefacts(inst: Any, a: Any, value: Any) -> None:
    mapping(inst, a, value)
    for k, v in value.items():
        if not isinstance(k, str) or not k.strip() or not isinstance(v, str) or not v.strip():
            raise InvalidInput(
                "must map artefact kinds to non-empty document references",
                path=f"Opportunity.artefacts.{k}",
                value=v,
            )


@frozen
class Opportunity:
    """A sales opportunity moving through the pipeline (S-PS).

    Attributes:
        id: opportunity id.
        prospect: the prospect or customer (name or customer id).
        owner: id of the salesperson who owns it.
        stage: the stage it is in now.
        willing_to_buy: the prospect wants to buy (愿意购买); ``None``: not assessed.
        able_to_pay: the prospect can pay (有支付能力); ``None``: not assessed.
        artefacts: the documents produced so far, ``kind -> reference``, e.g.
            ``{"needs_analysis": "NA-7", "quotation": "QT-12"}``.
    """

    id: str = field(validator=ident)
    prospect: str = field(validator=text)
    owner: str = field(validator=text)
    stage: PipelineStage = field(validator=typed(PipelineStage))
    willing_to_buy: bool | None = field(default=None, validator=typed(bool, optional=True))
    able_to_pay: bool | None = field(default=None, validator=typed(bool, optional=True))
    artefacts: FrozenMap[str, str] = field(
        default=FrozenMap(), converter=frozenmap_conv, validator=_artefacts
    )


class PlanKind(enum.Enum):
    """The kinds of sales plan and who approves them (S-IC 1.2)."""

    #: Monthly plan: reviewed by the head of marketing (营销部门负责人), then approved.
    MONTHLY = "monthly"
    #: Annual plan: approved by the subsidiary's manager (分(子)公司经理).
    ANNUAL = "annual"


@frozen
class SalesPlan:
    """A sales plan (产品销售计划) prepared from orders, production plan and stock (S-CP 3.1.3).

    Attributes:
        id: plan id.
        kind: monthly or annual.
        start: first day the plan covers.
        end: last day the plan covers.
        amount: planned sales.
        prepared_by: id of the person who prepared it (may not approve it).
        major: the host flags it as particularly major (特别重大, S-CP 3.1.4★); plans at or
            above the policy's threshold are major as well.
    """

    id: str = field(validator=ident)
    kind: PlanKind = field(validator=typed(PlanKind))
    start: dt.date = field(validator=a_date)
    end: dt.date = field(validator=a_date)
    amount: Money = field(validator=[typed(Money), positive])
    prepared_by: str = field(validator=ident)
    major: bool = field(default=False, validator=typed(bool))

    def __attrs_post_init__(self) -> None:
        if self.end < self.start:
            raise InvalidInput(
                "must not be before start", path="SalesPlan.end", value=self.end.isoformat()
            )
