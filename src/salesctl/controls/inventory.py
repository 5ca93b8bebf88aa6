"""Inventory: the month-end stock count (盘点).

Source: the group manual S-IC 10.1 (月末生产、营销、仓储、财务等部门进行盘点核对). Guideline 9
art. 12.

Controls (detective, run by :func:`salesctl.reconcile.run`): O2C-IN-01 (month-end stock count,
attended and signed by every department, differences explained); O2C-IN-02 (every day, the
storage conditions of each area holding goods that need them are read and within the range of
its category: the food-trading flow S-FD 仓库的环境也很重要,得干净、干燥,温度也要合适……仓库管理员
得时不时地检查检查环境).

Differences are compared exactly (Decimal); ``max_stock_difference`` is the explicit threshold
above which a difference is an exception (0 by default: any difference).

>>> from salesctl.controls.inventory import InventoryPolicy
>>> sorted(InventoryPolicy().count_departments)
['finance', 'production', 'sales', 'warehouse']
>>> [r.category for r in InventoryPolicy().storage_ranges]
['chilled', 'frozen', 'dry']
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal
from typing import Any, ClassVar

from attrs import field, frozen

from salesctl._validators import (
    decimal_conv,
    each,
    frozenset_conv,
    non_negative,
    text,
    tuple_conv,
    typed,
)
from salesctl.control import Assertion, Automation, Control, Examination, Family, Frequency, Kind
from salesctl.decision import Finding, Outcome, make_finding
from salesctl.errors import InvalidInput
from salesctl.records import Period, Records, StorageArea, StorageReading

__all__ = ["FAMILY", "InventoryPolicy", "StorageRange", "detect_stock_count", "detect_storage"]

_HOLD, _BLOCK, _ALLOW = Outcome.HOLD, Outcome.BLOCK, Outcome.ALLOW


def _opt_number(inst: Any, a: Any, value: Any) -> None:
    if value is not None and (
        isinstance(value, bool) or not isinstance(value, Decimal) or not value.is_finite()
    ):
        raise InvalidInput(
            "must be a finite decimal number", path=f"StorageRange.{a.name}", value=str(value)
        )


@frozen
class StorageRange:
    """The conditions a storage category needs (食品分类储存, S-FD).

    Attributes:
        category: the category, e.g. ``"chilled"``.
        min_temperature: the lowest temperature allowed, °C (``None``: no floor).
        max_temperature: the highest temperature allowed, °C (``None``: no ceiling).
        max_humidity: the highest relative humidity allowed, % (``None``: not limited).
    """

    category: str = field(validator=text)
    min_temperature: Decimal | None = field(
        default=None, converter=decimal_conv, validator=_opt_number
    )
    max_temperature: Decimal | None = field(
        default=None, converter=decimal_conv, validator=_opt_number
    )
    max_humidity: Decimal | None = field(default=None, converter=decimal_conv, validator=_opt_number)

    def __attrs_post_init__(self) -> None:
        lo, hi = self.min_temperature, self.max_temperature
        if lo is not None and hi is not None and lo > hi:
            raise InvalidInput(
                "must not be above max_temperature", path="StorageRange.min_temperature", value=lo
            )

    def breach(self, r: StorageReading) -> str | None:
        """What of reading ``r`` is outside the range (``None``: nothing; the limits count as
        within)."""
        if self.min_temperature is not None and r.temperature < self.min_temperature:
            return "temperature below the minimum"
        if self.max_temperature is not None and r.temperature > self.max_temperature:
            return "temperature above the maximum"
        if self.max_humidity is not None and (r.humidity is None or r.humidity > self.max_humidity):
            return "humidity not read" if r.humidity is None else "humidity above the maximum"
        return None


_D = Decimal


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
        storage_ranges: each storage category's conditions (O2C-IN-02); an area of a category
            not listed cannot be checked (fails closed).
        storage_role: who resolves a reading out of range (O2C-IN-02).
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
    # issue 14: storage conditions
    storage_ranges: tuple[StorageRange, ...] = field(
        default=(
            StorageRange("chilled", _D(0), _D(4)),
            StorageRange("frozen", None, _D(-18)),
            StorageRange("dry", None, _D(25), _D(75)),
        ),
        converter=tuple_conv,
        validator=each(StorageRange),
    )
    storage_role: str = field(default="warehouse_head", validator=text)

    #: The controls each field sets (see :mod:`salesctl.controls.weakening`).
    AFFECTS: ClassVar[Mapping[str, tuple[str, ...]]] = {
        "count_departments": ("O2C-IN-01",),
        "max_stock_difference": ("O2C-IN-01",),
        "require_stock_count": ("O2C-IN-01",),
        "stock_role": ("O2C-IN-01",),
        "follow_up_level": ("O2C-IN-01", "O2C-IN-02"),
        "storage_ranges": ("O2C-IN-02",),
        "storage_role": ("O2C-IN-02",),
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
        seed_quotes=(
            ("S-IC 10.1", "月末,各分(子)公司生产、营销、仓储、财务等部门进行盘点核对,发现差异,查明原因,及时处理。", "At the month end, the production, marketing, warehouse, finance and other departments of each subsidiary count and reconcile stock; any difference found is investigated and dealt with promptly."),
        ),
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

# -- issue 14: O2C-IN-02 ------------------------------------------------------------------------


def _range_facts(rng: StorageRange) -> dict[str, Any]:
    return {
        "min_temperature": rng.min_temperature if rng.min_temperature is not None else "-",
        "max_temperature": rng.max_temperature if rng.max_temperature is not None else "-",
        "max_humidity": rng.max_humidity if rng.max_humidity is not None else "-",
    }


def detect_storage(records: Records, period: Period, policy: InventoryPolicy) -> Examination:
    """O2C-IN-02: every day, each area in use is read and its conditions are within range.

    For every day of the period and every storage area in use that day: no reading is a BLOCK
    (the control did not operate); an area of a category without a range, or a reading of an
    area not registered, cannot be checked (BLOCK, fails closed); a reading outside its
    category's range (the limits are within) is a HOLD for ``storage_role``. The document is
    ``<area>@<day>``.
    """
    ranges = {r.category: r for r in policy.storage_ranges}
    areas: dict[str, StorageArea] = {}
    for a in records.storage_areas:
        areas[a.area_id] = a
    readings: dict[tuple[str, dt.date], list[StorageReading]] = {}
    for r in records.storage_readings:
        if r.read_on in period:
            readings.setdefault((r.area_id, r.read_on), []).append(r)
    out: list[Finding] = []
    tested = 0
    day = period.start
    while day <= period.end:
        for area_id in sorted(set(areas) | {a for a, d in readings if d == day}):
            area = areas.get(area_id)
            got = readings.get((area_id, day), [])
            if area is not None and not area.in_use(day) and not got:
                continue
            tested += 1
            doc = f"{area_id}@{day.isoformat()}"
            rng = ranges.get(area.category) if area is not None else None
            if area is None or rng is None:
                out.append(
                    make_finding(
                        "O2C-IN-02",
                        _BLOCK,
                        "storage.unknown_area" if area is None else "storage.no_range",
                        doc,
                        params={
                            "area": area_id,
                            "category": area.category if area is not None else "-",
                        },
                        facts={"categories": sorted(ranges) or "none"},
                    )
                )
                continue
            if not got:
                out.append(
                    make_finding(
                        "O2C-IN-02",
                        _BLOCK,
                        "storage.no_reading",
                        doc,
                        params={"area": area_id, "day": day, "category": area.category},
                        facts=_range_facts(rng),
                    )
                )
                continue
            bad = [(r, why) for r in got if (why := rng.breach(r)) is not None]
            if not bad:
                continue
            r, why = bad[0]
            out.append(
                make_finding(
                    "O2C-IN-02",
                    _HOLD,
                    "storage.out_of_range",
                    doc,
                    params={
                        "area": area_id,
                        "day": day,
                        "temperature": r.temperature,
                        "category": area.category,
                    },
                    facts={
                        **_range_facts(rng),
                        "temperature": r.temperature,
                        "humidity": r.humidity if r.humidity is not None else "not read",
                        "breach": why,
                        "readings_out_of_range": len(bad),
                        "read_by": r.read_by,
                    },
                    role=policy.storage_role,
                    level=policy.follow_up_level,
                )
            )
        day += dt.timedelta(days=1)
    return Examination(tested, tuple(out))


CONTROLS += (
    Control(
        id="O2C-IN-02",
        title_zh="食品分类储存条件",
        title_en="Storage conditions recorded daily and within range for goods that need them",
        objective_zh="需要温湿度条件的商品按类别储存，条件每日记录且在规定范围内，防止变质。",
        objective_en="Goods that need controlled storage are kept by category, with their conditions read every day and within range, so they do not spoil.",
        activity_zh="仓库管理员每日记录各储存区的温湿度；范围按类别为 {storage_ranges}；未记录视为控制未执行，超出范围的由 {storage_role} 处理。",
        activity_en="Every day the warehouse keeper reads the temperature (and humidity) of each storage area; the ranges by category are {storage_ranges}; a day without a reading counts as not performed, a reading out of range is dealt with by {storage_role}.",
        risks=("R3.1", "R2.2"),
        kind=Kind.DETECTIVE,
        frequency=Frequency.DAILY,
        key=False,
        automation=Automation.MANUAL,
        assertions=(_A.VALUATION, _A.OCCURRENCE),
        seeds=("S-FD",),
        seed_quotes=(
            ("S-FD", "仓库的环境也很重要,得干净、干燥,温度也要合适。", "The warehouse's conditions matter too: it must be clean and dry, at the right temperature."),
        ),
        g9=(),
        refs=("G8",),
        stage="warehouse",
        owner="warehouse / 仓储部门",
        evidence="daily temperature and humidity log per storage area / 各储存区每日温湿度记录",
        detect=detect_storage,
        detect_at={Frequency.DAILY},
        messages={
            "storage.no_reading": (
                "储存区 {area}（{category}）{day} 无温湿度记录",
                "storage area {area} ({category}) has no reading for {day}",
            ),
            "storage.out_of_range": (
                "储存区 {area}（{category}）{day} 温度 {temperature} °C 等超出规定范围",
                "storage area {area} ({category}) was out of range on {day} ({temperature} °C)",
            ),
            "storage.no_range": (
                "储存区 {area} 的类别 {category} 未规定储存条件，无法核对（失败关闭）",
                "storage area {area}: category {category} has no range in the policy (fails closed)",
            ),
            "storage.unknown_area": (
                "储存区 {area} 未登记，无法核对其读数（失败关闭）",
                "storage area {area} is not registered: its readings cannot be checked (fails closed)",
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
