"""The coverage-gap page (``controls/gaps.md``, both languages).

Guideline 9 requirements (clause by clause) and seed control points that no control covers,
the citations that name no listed seed point (the other direction), where a control reads its
seed in a particular way (seeds that disagree, stricter or narrower than the passage, an unclear
word read one way: :attr:`salesctl.control.Control.seed_readings`), the controls the policy
switches off, the parameters that differ from the defaults, and the controls the gate does
not run.
"""

from __future__ import annotations

from collections.abc import Mapping

from salesctl.control import Control
from salesctl.docs.derived import default_policy, show
from salesctl.docs.indexes import index_table
from salesctl.docs.references import (
    G9_CLAUSES,
    SEED_POINTS,
    clauses_covered,
    dangling_citations,
    seed_points_covered,
)
from salesctl.docs.text import cell, label, link, md, page_head, policy_line, table
from salesctl.policy import Policy, affects
from salesctl.wording import join

__all__ = ["gaps_page"]


def gaps_page(cs: Mapping[str, Control], policy: Policy, lang: str) -> str:
    """Coverage gaps and policy deviations for the controls ``cs`` under ``policy``."""
    zh = lang == "zh"
    none = "无。" if zh else "Nothing to report."
    lines = page_head(label("gaps", lang), "controls/gaps.md", lang)
    lines += [policy_line(policy, lang), ""]
    lines += [
        "## " + ("没有控制的应用指引第9号要求" if zh else "Guideline 9 requirements with no control"),
        "",
        (
            "按条款逐项列出：某项要求在有控制引用其对应的来源控制点（或在其他依据中写明该款）时视为已覆盖。"
            if zh
            else "Clause by clause: a requirement is covered when a control cites one of its seed "
            "points (or names the clause in its refs)."
        ),
        "",
    ]
    clauses = clauses_covered(cs.values())
    missing = [(k, z, e) for k, z, e, _p in G9_CLAUSES if not clauses[k]]
    for k, z, e in missing:
        art = k.split(".")[0]
        lines.append(f"- 第{art}条（{k}）：{z}" if zh else f"- Art. {art} ({k}): {e}")
    if not missing:
        lines.append(none)
    lines.append("")
    points = seed_points_covered(cs.values())
    lines += ["## " + ("没有控制的来源控制点" if zh else "Seed control points with no control"), ""]
    gaps = [(tag, z, e) for tag, z, e in SEED_POINTS if not points[tag]]
    lines += [f"- **{tag}** {z if zh else e}" for tag, z, e in gaps] or [none]
    lines.append("")
    lines += [
        "## "
        + ("未列入来源控制点清单的引用" if zh else "Citations that name no listed seed point"),
        "",
        (
            "反方向核对：控制引用的来源段落不在来源控制点清单中（引用整节或清单未收录），请核对。"
            if zh
            else "The other direction: seed passages a control cites that the list of seed points "
            "does not hold (a whole section, or a point not listed yet); check them."
        ),
        "",
    ]
    dangling = dangling_citations(cs.values())
    lines += [
        f"- {link(cs[cid])}：{join(refs, lang)}" if zh else f"- {link(cs[cid])}: {join(refs, lang)}"
        for cid, refs in sorted(dangling.items())
    ] or [none]
    lines.append("")
    lines += _readings(cs, lang)
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


def _readings(cs: Mapping[str, Control], lang: str) -> list[str]:
    """Every control's :attr:`~salesctl.control.Control.seed_readings`, in catalogue order."""
    zh = lang == "zh"
    lines = [
        "## " + ("控制对来源的解读与偏离" if zh else "Where a control reads its seed its own way"),
        "",
        (
            "来源之间不一致、控制比来源更严或更窄、或来源措辞不明确时，控制采用的读法；"
            "审计时请逐项确认是否接受。"
            if zh
            else "Where the seeds disagree, where a control is stricter or narrower than the "
            "passage it cites, or where the seed's words are unclear, the reading the control "
            "takes; an auditor confirms each one is acceptable."
        ),
        "",
    ]
    found = [(c, r) for c in cs.values() for r in c.seed_readings]
    lines += [
        f"- {link(c)}（{md(r.seed)}）：{r.zh}" if zh else f"- {link(c)} ({md(r.seed)}): {r.en}"
        for c, r in found
    ] or ["无。" if zh else "Nothing to report."]
    lines.append("")
    return lines
