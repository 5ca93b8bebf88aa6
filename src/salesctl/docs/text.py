"""Shared wording of the generated pages: zh/en labels, Markdown escaping and the one table builder.

Every page in both languages is built from these pieces, so a label or the way a cell is
escaped changes in one place.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from salesctl.control import Assertion, Automation, Control, Frequency, Kind
from salesctl.controls import CATALOGUE_FINGERPRINT
from salesctl.policy import Policy
from salesctl.wording import join

__all__ = [
    "ASSERTION",
    "AUTOMATION",
    "FREQUENCY",
    "INSTANCES",
    "KIND",
    "LABELS",
    "STAGES",
    "assertions_text",
    "cell",
    "kind_text",
    "label",
    "link",
    "md",
    "page_head",
    "pick",
    "policy_line",
    "stage_name",
    "stage_order",
    "table",
]

#: Labels of the pages: ``key -> (zh, en)``.
LABELS: dict[str, tuple[str, str]] = {
    "id": ("编号", "Id"),
    "version": ("版本", "Version"),
    "family": ("控制族", "Family"),
    "stage": ("流程环节", "Process stage"),
    "key": ("关键控制", "Key control"),
    "kind": ("控制类型", "Preventive / detective"),
    "automation": ("控制方式", "Automation"),
    "frequency": ("频率", "Frequency"),
    "owner": ("责任人", "Owner"),
    "applies": ("适用交易", "Runs on"),
    "check": ("检查函数", "Check"),
    "status": ("本策略下状态", "Status in this policy"),
    "assertions": ("认定", "Assertions"),
    "g9": ("应用指引第9号", "Guideline 9"),
    "bn": ("基本规范", "Basic Norm"),
    "coso": ("COSO 2013", "COSO 2013"),
    "coso_why": ("COSO 原则对应说明", "Why these COSO principles"),
    "sources": ("来源原文与指引条文", "What the seed and Guideline 9 say"),
    "readings": ("本控制对来源的解读", "How this control reads its seed"),
    "other_refs": ("其他依据", "Other references"),
    "seeds": ("来源段落", "Seed passage"),
    "risks": ("风险", "Risks"),
    "objective": ("控制目标", "Objective"),
    "activity": ("控制活动（按当前策略参数）", "Control activity (parameters as configured)"),
    "parameters": ("参数（当前配置）", "Parameters as configured"),
    "conflicts": ("不相容职务", "Segregation conflicts"),
    "evidence": ("控制证据", "Evidence produced"),
    "messages": ("可能产生的结论", "Findings it can raise"),
    "tod": ("设计有效性测试", "Test of design"),
    "toe": ("运行有效性测试", "Test of operating effectiveness"),
    "sample": ("建议样本量", "Suggested sample size"),
    "yes": ("是 ★", "yes ★"),
    "no": ("否", "no"),
    "enabled": ("启用", "enabled"),
    "disabled": ("已在策略中关闭", "switched off by the policy"),
    "none": ("无", "none"),
    "key_col": ("参数", "key"),
    "configured": ("当前值", "configured"),
    "default": ("默认值", "default"),
    "deviation": ("偏离默认", "differs from default"),
    "title": ("控制", "Control"),
    "rcm": ("风险控制矩阵（RCM）", "Risk and control matrix (RCM)"),
    "by_stage": ("按流程环节", "By process stage"),
    "by_g9": ("按应用指引第9号条款", "By Guideline 9 article"),
    "by_assertion": ("按认定", "By assertion"),
    "by_coso": ("按 COSO 原则", "By COSO principle"),
    "gaps": ("覆盖缺口与策略偏离", "Coverage gaps and policy deviations"),
    "catalogue": ("控制目录", "Control catalogue"),
    "no_control": ("（无控制）", "(no control)"),
    "other_lang": ("English", "中文"),
}


KIND: dict[Kind, tuple[str, str]] = {
    Kind.PREVENTIVE: ("预防性", "preventive"),
    Kind.DETECTIVE: ("检查性", "detective"),
}
AUTOMATION: dict[Automation, tuple[str, str]] = {
    Automation.AUTOMATED: ("自动控制", "automated"),
    Automation.IT_DEPENDENT: ("依赖信息系统的人工控制", "IT-dependent manual"),
    Automation.MANUAL: ("人工控制", "manual"),
}
FREQUENCY: dict[Frequency, tuple[str, str]] = {
    Frequency.PER_TRANSACTION: ("每笔交易", "per transaction"),
    Frequency.DAILY: ("每日", "daily"),
    Frequency.WEEKLY: ("每周", "weekly"),
    Frequency.MONTHLY: ("每月", "monthly"),
    Frequency.QUARTERLY: ("每季", "quarterly"),
    Frequency.YEARLY: ("每年", "yearly"),
    Frequency.ON_POLICY_LOAD: ("策略加载时", "when the policy loads"),
}
INSTANCES: dict[Frequency, tuple[str, str]] = {
    Frequency.PER_TRANSACTION: ("笔交易", "transactions"),
    Frequency.DAILY: ("天", "days"),
    Frequency.WEEKLY: ("周", "weeks"),
    Frequency.MONTHLY: ("个月", "months"),
    Frequency.QUARTERLY: ("个季度", "quarters"),
    Frequency.YEARLY: ("年", "years"),
    Frequency.ON_POLICY_LOAD: ("次策略变更", "policy changes"),
}
ASSERTION: dict[Assertion, tuple[str, str]] = {
    Assertion.OCCURRENCE: ("发生", "occurrence"),
    Assertion.COMPLETENESS: ("完整性", "completeness"),
    Assertion.ACCURACY: ("准确性", "accuracy"),
    Assertion.CUTOFF: ("截止", "cut-off"),
    Assertion.VALUATION: ("计价和分摊", "valuation"),
    Assertion.RIGHTS_AND_OBLIGATIONS: ("权利和义务", "rights and obligations"),
    Assertion.PRESENTATION: ("列报", "presentation"),
}
#: Known process stages in order-to-cash order; unknown stages follow, alphabetically.
STAGES: dict[str, tuple[str, str]] = {
    "all": ("全流程", "whole process"),
    "plan": ("销售计划", "sales plan"),
    "pipeline": ("销售机会", "pipeline"),
    "quotation": ("报价", "quotation"),
    "pricing": ("定价", "pricing"),
    "order": ("订单", "order"),
    "credit": ("信用", "credit"),
    "duties": ("职责分离", "segregation of duties"),
    "contract": ("合同", "contract"),
    "production": ("生产", "production"),
    "delivery": ("发货", "delivery"),
    "billing": ("开票", "billing"),
    "revenue": ("收入确认", "revenue"),
    "receivables": ("应收账款", "receivables"),
    "collection": ("收款", "collection"),
    "commission": ("提成", "commission"),
    "service": ("售后服务", "service"),
    "inventory": ("存货盘点", "inventory"),
    "management": ("分析与考核", "analysis and assessment"),
    "analysis": ("经营分析", "analysis"),
    "period_end": ("期末盘点", "period end"),
}


def label(key: str, lang: str) -> str:
    """The label ``key`` of :data:`LABELS` in ``"zh"`` or ``"en"``."""
    return pick(LABELS[key], lang)


def pick(pair: tuple[str, str], lang: str) -> str:
    """The Chinese (``lang == "zh"``) or the English half of a ``(zh, en)`` pair."""
    return pair[0] if lang == "zh" else pair[1]


def stage_name(stage: str, lang: str) -> str:
    """The name of a process stage (the stage id itself when the stage is not known)."""
    pair = STAGES.get(stage)
    return pick(pair, lang) if pair else stage


def stage_order(stage: str) -> tuple[int, str]:
    """Sort key: known stages in order-to-cash order, unknown ones after, alphabetically."""
    known = list(STAGES)
    return (known.index(stage), "") if stage in known else (len(known), stage)


def kind_text(c: Control, lang: str) -> str:
    """Every kind in ``c.kinds`` (``"preventive + detective"`` for O2C-SO-01), followed by the
    periods the detective side runs at when it has one."""
    text = " + ".join(pick(KIND[k], lang) for k in Kind if k in c.kinds)
    if c.detect is None:
        return text
    periods = join(
        (pick(FREQUENCY[f], lang) for f in sorted(c.detect_at, key=list(Frequency).index)), lang
    )
    if c.detect_at == {c.frequency}:
        return text
    if lang == "zh":
        return f"{text}（检查程序{periods}运行）"
    return f"{text} (its check runs {periods})"


def assertions_text(c: Control, lang: str) -> str:
    """The control's assertions, sorted by value, comma-separated."""
    return join((pick(ASSERTION[a], lang) for a in sorted(c.assertions, key=lambda a: a.value)), lang)


def md(text: str) -> str:
    """Escape free text (titles, activities, parameter values) for Markdown."""
    for a, b in (
        ("\\", "\\\\"),
        ("`", "\\`"),
        ("*", "\\*"),
        ("[", "\\["),
        ("]", "\\]"),
        ("<", "&lt;"),
    ):
        text = text.replace(a, b)
    return text


def cell(text: str) -> str:
    """Make text safe inside a Markdown table cell (Markdown in it is kept)."""
    return " ".join(text.replace("|", "\\|").split())


def _row(cells: Sequence[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def table(head: Sequence[str], rows: Iterable[Sequence[str]]) -> list[str]:
    """A Markdown table as lines: the header, the rule, one line per row.

    Cells are written as given (escape them with :func:`cell` and :func:`md` first). A header
    of blank labels is written ``| | |`` (a two-column key/value table).
    """
    header = _row(head) if any(head) else "|" + " |" * len(head)
    return [header, "|" + "---|" * len(head), *(_row(r) for r in rows)]


def _other_lang_link(path_en: str, lang: str) -> str:
    """Link from a page to the same page in the other language (pages live in ``controls/``)."""
    name = path_en.rsplit("/", 1)[-1]
    return f"../../controls/{name}" if lang == "zh" else f"../zh/controls/{name}"


def page_head(title: str, page: str, lang: str) -> list[str]:
    """The first lines of a page: its title and the link to the other language."""
    return [
        f"# {title}",
        "",
        f"[{label('other_lang', lang)}]({_other_lang_link(page, lang)})",
        "",
    ]


def policy_line(policy: Policy, lang: str) -> str:
    """The policy and catalogue fingerprints, and the "generated, do not edit" notice."""
    if lang == "zh":
        return (
            f"策略 **{policy.name}**（指纹 `{policy.fingerprint[:16]}`），"
            f"控制目录指纹 `{CATALOGUE_FINGERPRINT[:16]}`。本页由 salesctl 根据代码和策略生成，请勿手工修改。"
        )
    return (
        f"Policy **{policy.name}** (fingerprint `{policy.fingerprint[:16]}`), catalogue fingerprint "
        f"`{CATALOGUE_FINGERPRINT[:16]}`. Generated by salesctl from the code and the policy: do not "
        "edit by hand."
    )


def link(c: Control) -> str:
    """A link to the control's page from a page beside it."""
    return f"[{c.id}]({c.id}.md)"
