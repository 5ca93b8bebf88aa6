"""The index pages: the catalogue, and controls by stage, Guideline 9 article, assertion and COSO
principle (``controls/index.md``, ``by-stage.md``, ``by-g9.md``, ``by-assertion.md``,
``by-coso.md``), each in both languages.
"""

from __future__ import annotations

from collections.abc import Mapping

from salesctl.control import Assertion, Control, Kind
from salesctl.controls import FAMILIES
from salesctl.docs.derived import coso_principles
from salesctl.docs.references import COSO_PRINCIPLES, G9_ARTICLES
from salesctl.docs.text import (
    ASSERTION,
    FREQUENCY,
    cell,
    kind_text,
    label,
    link,
    md,
    page_head,
    pick,
    policy_line,
    stage_name,
    stage_order,
    table,
)
from salesctl.policy import Policy

__all__ = ["by_assertion", "by_coso", "by_g9", "by_stage", "index_page", "index_table"]


def index_table(items: list[Control], lang: str) -> list[str]:
    """Lines of a table of controls (id, key, title, kind, frequency), "(no control)" if none."""
    if not items:
        return [label("no_control", lang), ""]
    head = ("id", "★", "title", "kind", "frequency")
    rows = [
        (
            link(c),
            "★" if c.key else "",
            cell(md(c.title(lang))),
            kind_text(c, lang),
            pick(FREQUENCY[c.frequency], lang),
        )
        for c in items
    ]
    return [*table([h if h == "★" else label(h, lang) for h in head], rows), ""]


def by_stage(cs: Mapping[str, Control], policy: Policy, lang: str) -> str:
    """Controls by process stage, stages in order-to-cash order."""
    lines = page_head(label("by_stage", lang), "controls/by-stage.md", lang)
    lines += [policy_line(policy, lang), ""]
    for stage in sorted({c.stage for c in cs.values()}, key=stage_order):
        lines += [f"## {stage_name(stage, lang)}", ""]
        lines += index_table([c for c in cs.values() if c.stage == stage], lang)
    return "\n".join(lines)


def by_g9(cs: Mapping[str, Control], lang: str) -> str:
    """Controls by Guideline 9 article (every article, with or without a control)."""
    zh = lang == "zh"
    lines = page_head(label("by_g9", lang), "controls/by-g9.md", lang)
    lines += [
        (
            "《企业内部控制应用指引第9号——销售业务》第3–12条（概述；引用前请核对正式文本）。"
            if zh
            else "Guideline 9 《企业内部控制应用指引第9号——销售业务》, articles 3–12, paraphrased; check "
            "against the published text before quoting."
        ),
        "",
    ]
    arts = sorted(set(G9_ARTICLES) | {n for c in cs.values() for n in c.g9})
    for n in arts:
        title = pick(G9_ARTICLES[n], lang) if n in G9_ARTICLES else ""
        lines += [f"## {'第' + str(n) + '条' if zh else 'Art. ' + str(n)} {title}".rstrip(), ""]
        lines += index_table([c for c in cs.values() if n in c.g9], lang)
    return "\n".join(lines)


def by_assertion(cs: Mapping[str, Control], lang: str) -> str:
    """Controls by financial-statement assertion."""
    lines = page_head(label("by_assertion", lang), "controls/by-assertion.md", lang)
    for a in Assertion:
        lines += [f"## {pick(ASSERTION[a], lang)}", ""]
        lines += index_table([c for c in cs.values() if a in c.assertions], lang)
    return "\n".join(lines)


def by_coso(cs: Mapping[str, Control], lang: str) -> str:
    """Controls by COSO 2013 principle (principles with no control are left out)."""
    zh = lang == "zh"
    lines = page_head(label("by_coso", lang), "controls/by-coso.md", lang)
    lines += [
        (
            "每项控制都是控制活动（P10）；只有对自动控制所依赖的主数据或配置实施变更控制的才对应 P11；"
            "针对收入虚增或截留（R2.1）的对应 P8；其余按控制元数据的引用。各控制页逐条说明理由。"
            if zh
            else "Every control is a control activity (P10); only change control over the master data "
            "or configuration the automated controls rely on maps to P11; controls over inflated or "
            "withheld revenue (R2.1) to P8; the rest as the control's metadata cites. Each control "
            "page gives the reason, one line per principle."
        ),
        "",
    ]
    for p, pair in COSO_PRINCIPLES.items():
        items = [c for c in cs.values() if p in coso_principles(c)]
        if not items:
            continue
        lines += [f"## {p} {pick(pair, lang)}", ""]
        lines += index_table(items, lang)
    return "\n".join(lines)


def index_page(cs: Mapping[str, Control], policy: Policy, lang: str) -> str:
    """The catalogue: counts, links to the other pages, and the controls by family."""
    zh = lang == "zh"
    lines = page_head(label("catalogue", lang), "controls/index.md", lang)
    lines += [policy_line(policy, lang), ""]
    n_key = sum(1 for c in cs.values() if c.key)
    n_prev = sum(1 for c in cs.values() if Kind.PREVENTIVE in c.kinds)
    n_det = sum(1 for c in cs.values() if Kind.DETECTIVE in c.kinds)
    lines += [
        (
            f"共 {len(cs)} 项控制（关键控制 {n_key} 项，预防性 {n_prev} 项，检查性 {n_det} 项；"
            "兼具两者的控制分别计入）。"
            if zh
            else f"{len(cs)} controls ({n_key} key, {n_prev} preventive, {n_det} detective; a "
            "control with both sides counts in each)."
        ),
        "",
        f"- [{label('rcm', lang)}](rcm.md)",
        f"- [{label('by_stage', lang)}](by-stage.md)",
        f"- [{label('by_g9', lang)}](by-g9.md)",
        f"- [{label('by_assertion', lang)}](by-assertion.md)",
        f"- [{label('by_coso', lang)}](by-coso.md)",
        f"- [{label('gaps', lang)}](gaps.md)",
        "",
    ]
    for fam in FAMILIES.values():
        items = [c for c in cs.values() if c.family == fam.name]
        if not items:
            continue
        lines += [f"## {fam.title_zh if zh else fam.title_en}", ""]
        lines += index_table(items, lang)
    rest = [c for c in cs.values() if c.family not in FAMILIES]
    if rest:
        lines += ["## " + ("其他" if zh else "Other"), ""]
        lines += index_table(rest, lang)
    return "\n".join(lines)
