"""Inventory: the month-end stock count (盘点).

Source: the group manual S-IC 10.1 (月末生产、营销、仓储、财务等部门进行盘点核对). Guideline 9
art. 12.

Control (detective, run by :func:`salesctl.reconcile.run`): O2C-IN-01 (month-end stock count,
attended and signed by every department, differences explained).

Differences are compared exactly (Decimal); ``max_stock_difference`` is the explicit threshold
above which a difference is an exception (0 by default: any difference).

>>> from salesctl.controls.inventory import InventoryPolicy
>>> sorted(InventoryPolicy().count_departments)
['finance', 'production', 'sales', 'warehouse']
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import ClassVar

from attrs import field, frozen

from salesctl._validators import decimal_conv, each, frozenset_conv, non_negative, text, typed
from salesctl.control import Assertion, Automation, Control, Examination, Family, Frequency, Kind
from salesctl.decision import Finding, Outcome, make_finding
from salesctl.records import Period, Records

__all__ = ["FAMILY", "InventoryPolicy", "detect_stock_count"]

_HOLD, _BLOCK, _ALLOW = Outcome.HOLD, Outcome.BLOCK, Outcome.ALLOW


@frozen
class InventoryPolicy:
    """Parameters of the inventory family (``[inventory]`` in the policy file).

    Attributes:
        count_departments: departments that take part in and sign the month-end stock count
            (O2C-IN-01).
        max_stock_difference: largest |counted − book| quantity of a count line that is not an
            exception (O2C-IN-01).
        require_stock_count: a month without any stock count is an exception (O2C-IN-01).
        stock_role: who resolves stock count differences (O2C-IN-01).
        follow_up_level: the authority level of the follow-up roles above.
    """

    count_departments: frozenset[str] = field(
        default=frozenset({"production", "sales", "warehouse", "finance"}),
        converter=frozenset_conv,
        validator=each(str),
    )
    max_stock_difference: Decimal = field(
        default=Decimal("0"), converter=decimal_conv, validator=[typed(Decimal), non_negative]
    )
    require_stock_count: bool = field(default=True, validator=typed(bool))
    stock_role: str = field(default="finance_head", validator=text)
    follow_up_level: int = field(default=3, validator=[typed(int), non_negative])

    #: The controls each field sets (see :mod:`salesctl.controls.weakening`).
    AFFECTS: ClassVar[Mapping[str, tuple[str, ...]]] = {
        "count_departments": ("O2C-IN-01",),
        "max_stock_difference": ("O2C-IN-01",),
        "require_stock_count": ("O2C-IN-01",),
        "stock_role": ("O2C-IN-01",),
        "follow_up_level": ("O2C-IN-01",),
    }


# -- O2C-IN-01 --------------------------------------------------------------------------------


def detect_stock_count(records: Records, period: Period, policy: InventoryPolicy) -> Examination:
    """O2C-IN-01: a month-end stock count, attended by every department, differences explained.

    No count in the period is a BLOCK (when ``require_stock_count``); a count line missing a
    required department, or with an unexplained difference above ``max_stock_difference``, is
    a HOLD; an explained difference is ALLOW evidence.
    """
    lines = sorted(
        (c for c in records.stock_counts if c.period_end in period),
        key=lambda c: (c.count_id, c.product_id),
    )
    out: list[Finding] = []
    if not lines:
        if policy.require_stock_count:
            doc = f"stock@{period.label}"
            out.append(
                make_finding(
                    "O2C-IN-01",
                    _BLOCK,
                    "period_end.no_stock_count",
                    doc,
                    params={"period": period.label},
                    facts={"departments": sorted(policy.count_departments)},
                )
            )
        return Examination(1 if policy.require_stock_count else 0, tuple(out))
    for c in lines:
        doc = f"{c.count_id}/{c.product_id}"
        absent = policy.count_departments - c.departments
        if absent:
            out.append(
                make_finding(
                    "O2C-IN-01",
                    _HOLD,
                    "period_end.count_departments",
                    doc,
                    params={"count": c.count_id, "missing": sorted(absent)},
                    facts={"signed": sorted(c.departments) or "-", "missing": sorted(absent)},
                    role=policy.stock_role,
                    level=policy.follow_up_level,
                )
            )
        diff = c.counted_quantity - c.book_quantity
        if abs(diff) <= policy.max_stock_difference:
            continue
        facts = {
            "product": c.product_id,
            "book_quantity": c.book_quantity,
            "counted_quantity": c.counted_quantity,
            "difference": diff,
            "threshold": policy.max_stock_difference,
        }
        params = {
            "count": c.count_id,
            "product": c.product_id,
            "book": c.book_quantity,
            "counted": c.counted_quantity,
        }
        if c.explanation:
            out.append(
                make_finding(
                    "O2C-IN-01",
                    _ALLOW,
                    "period_end.stock_explained",
                    doc,
                    params=params,
                    facts={**facts, "explanation": c.explanation},
                )
            )
        else:
            out.append(
                make_finding(
                    "O2C-IN-01",
                    _HOLD,
                    "period_end.stock_difference",
                    doc,
                    params=params,
                    facts=facts,
                    role=policy.stock_role,
                    level=policy.follow_up_level,
                )
            )
    return Examination(len(lines), tuple(out))


# -- the family -------------------------------------------------------------------------------

_A = Assertion

CONTROLS: tuple[Control, ...] = (
    Control(
        id="O2C-IN-01",
        title_zh="月末盘点",
        title_en="Month-end stock count reconciled by production, sales, warehouse and finance",
        objective_zh="账实相符：月末盘点由各部门共同参与，差异查明处理。",
        objective_en="Books agree with stock: the month-end count is made jointly by the departments and every difference is explained.",
        activity_zh="月末由 {count_departments} 共同盘点签字；差异超过 {max_stock_difference} 的须查明原因，由 {stock_role} 跟进；当月无盘点视为未执行。",
        activity_en="At month end {count_departments} count stock together and sign; differences above {max_stock_difference} are investigated, followed up by {stock_role}; a month without a count counts as not performed.",
        risks=("R2.1", "R2.2"),
        kind=Kind.DETECTIVE,
        frequency=Frequency.MONTHLY,
        key=False,
        automation=Automation.MANUAL,
        assertions=(_A.OCCURRENCE, _A.COMPLETENESS, _A.VALUATION),
        seeds=("S-IC 10.1",),
        g9=(12,),
        stage="period_end",
        owner="production, marketing, warehouse and finance / 生产、营销、仓储、财务部门",
        evidence="signed count sheets with book and counted quantities and explanations / 签字的盘点表，列示账面数量、实盘数量及差异说明",
        detect=detect_stock_count,
        detect_at={Frequency.MONTHLY},
        messages={
            "period_end.no_stock_count": (
                "{period} 未进行月末盘点",
                "no month-end stock count for {period}",
            ),
            "period_end.count_departments": (
                "盘点 {count} 缺少部门参与签字：{missing}",
                "stock count {count} was not signed by {missing}",
            ),
            "period_end.stock_difference": (
                "盘点 {count} 产品 {product} 账面 {book}、实盘 {counted}，差异未查明",
                "stock count {count}: {product} book {book}, counted {counted}, difference unexplained",
            ),
            "period_end.stock_explained": (
                "盘点 {count} 产品 {product} 账面 {book}、实盘 {counted}，差异已查明",
                "stock count {count}: {product} book {book}, counted {counted}, difference explained",
            ),
        },
    ),
)

FAMILY = Family(
    name="inventory",
    title_zh="存货盘点",
    title_en="Inventory counts",
    policy_type=InventoryPolicy,
    controls=CONTROLS,
)
