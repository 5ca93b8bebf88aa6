"""The coverage-gap page (``controls/gaps.md``, both languages).

Guideline 9 articles and seed control points that no control covers, the controls the policy
switches off, the parameters that differ from the defaults, and the controls the gate does
not run.
"""

from __future__ import annotations

from collections.abc import Mapping

from salesctl.control import Control
from salesctl.docs.derived import default_policy, show
from salesctl.docs.indexes import index_table
from salesctl.docs.references import G9_ARTICLES, SEED_POINTS, seed_points_covered
from salesctl.docs.text import cell, label, link, md, page_head, pick, policy_line, table
from salesctl.policy import Policy, affects

__all__ = ["gaps_page"]


def gaps_page(cs: Mapping[str, Control], policy: Policy, lang: str) -> str:
    """Coverage gaps and policy deviations for the controls ``cs`` under ``policy``."""
    zh = lang == "zh"
    none = "无。" if zh else "Nothing to report."
    lines = page_head(label("gaps", lang), "controls/gaps.md", lang)
    lines += [policy_line(policy, lang), ""]
    covered = {n for c in cs.values() for n in c.g9}
    missing_g9 = [n for n in sorted(G9_ARTICLES) if n not in covered]
    lines += [
        "## " + ("没有控制的应用指引第9号条款" if zh else "Guideline 9 articles with no control"),
        "",
    ]
    for n in missing_g9:
        lines.append(
            f"- 第{n}条：{pick(G9_ARTICLES[n], lang)}" if zh else f"- Art. {n}: {pick(G9_ARTICLES[n], lang)}"
        )
    if not missing_g9:
        lines.append(none)
    lines.append("")
    points = seed_points_covered(cs.values())
    lines += ["## " + ("没有控制的来源控制点" if zh else "Seed control points with no control"), ""]
    gaps = [(tag, z, e) for tag, z, e in SEED_POINTS if not points[tag]]
    lines += [f"- **{tag}** {z if zh else e}" for tag, z, e in gaps] or [none]
    lines.append("")
    lines += ["## " + ("策略关闭的控制" if zh else "Controls switched off by the policy"), ""]
    off = [c for c in cs.values() if not policy.is_enabled(c.id)]
    lines += index_table(off, lang) if off else [none, ""]
    lines += [
        "## " + ("策略削弱的控制（已确认）" if zh else "Controls the policy weakens (acknowledged)"),
        "",
    ]
    lines += _weakenings(cs, policy, lang)
    lines.append("")
    lines += [
        "## " + ("与默认值不同的参数" if zh else "Parameters that differ from the defaults"),
        "",
    ]
    lines += _deviations(cs, policy, lang)
    lines.append("")
    default = default_policy()
    if policy.base_currency != default.base_currency:
        lines += [
            (
                f"策略基准币种：{policy.base_currency}（默认 {default.base_currency}）。"
                if zh
                else f"Policy base currency: {policy.base_currency} (default {default.base_currency})."
            ),
            "",
        ]
    lines += [
        "## "
        + (
            "本版本中不由闸门自动执行的控制"
            if zh
            else "Controls the gate does not run in this version"
        ),
        "",
    ]
    lines += [
        (
            "以下控制没有检查函数：在策略加载时、由检查性对账或人工执行。"
            if zh
            else "These controls have no check function: they operate at policy load, in detective "
            "reconciliations, or manually."
        ),
        "",
    ]
    lines += index_table([c for c in cs.values() if c.check is None], lang)
    return "\n".join(lines)


def _deviations(cs: Mapping[str, Control], policy: Policy, lang: str) -> list[str]:
    """The parameters that differ from the defaults, with the controls they affect (the families'
    ``AFFECTS`` declarations, :func:`salesctl.policy.affects`)."""
    zh = lang == "zh"
    dev = policy.deviations()
    if not dev:
        return ["无：所有参数均为默认值。" if zh else "Every parameter is at its default."]
    head = (
        ("参数", "默认值", "当前值", "受影响的控制")
        if zh
        else ("key", "default", "configured", "controls affected")
    )
    rows = []
    affected = affects()
    for fam, keys in sorted(dev.items()):
        for key, (default, configured) in sorted(keys.items()):
            users = [cs[cid] for cid in affected.get(f"{fam}.{key}", ()) if cid in cs]
            rows.append(
                (
                    f"`{fam}.{key}`",
                    cell(md(show(default))),
                    cell(md(show(configured))),
                    ", ".join(link(c) for c in users) or "—",
                )
            )
    return table(head, rows)


def _weakenings(cs: Mapping[str, Control], policy: Policy, lang: str) -> list[str]:
    """The acknowledged weakenings: control, the key that weakens it, what it does, the reason."""
    zh = lang == "zh"
    found = [w for w in policy.weakenings() if w.control_id in cs]
    if not found:
        return ["无。" if zh else "Nothing to report."]
    head = ("控制", "参数", "效果", "确认理由") if zh else ("control", "key", "effect", "reason")
    rows = [
        (
            link(cs[w.control_id]),
            f"`{w.key}`",
            cell(md(w.why)),
            cell(md(policy.acknowledged[w.control_id])),
        )
        for w in found
    ]
    return table(head, rows)
