"""One page per control, in English (``controls/<ID>.md``) and Chinese (``zh/controls/<ID>.md``).

Each page carries every RCM column, the activity with the parameters as configured (and how
they differ from the defaults), the findings the control can raise, a test of design, a test
of operating effectiveness and a suggested sample size.
"""

from __future__ import annotations

from salesctl.control import RISKS, Control
from salesctl.docs.derived import (
    activity,
    basic_norm,
    check_name,
    conflicts,
    coso_principles,
    coso_reasons,
    design_test,
    evidence_text,
    family_of,
    operating_effectiveness_test,
    other_refs,
    owner_text,
    param_texts,
    sample_size,
)
from salesctl.docs.references import (
    BASIC_NORM,
    COSO_PRINCIPLES,
    G9_ARTICLES,
    OTHER_GUIDELINES,
    SEED_POINTS,
    covers,
)
from salesctl.docs.text import (
    AUTOMATION,
    FREQUENCY,
    assertions_text,
    cell,
    kind_text,
    label,
    md,
    page_head,
    pick,
    policy_line,
    stage_name,
    table,
)
from salesctl.policy import Policy
from salesctl.wording import fill, join

__all__ = ["control_page"]


def control_page(c: Control, policy: Policy, lang: str) -> str:
    """The page of control ``c`` under ``policy`` in ``"zh"`` or ``"en"``."""
    zh = lang == "zh"
    star = " ★" if c.key else ""
    lines = page_head(f"{c.id} {md(c.title(lang))}{star}", f"controls/{c.id}.md", lang)
    lines.append(policy_line(policy, lang))
    lines.append("")
    if not policy.is_enabled(c.id):
        lines += [
            "> **"
            + label("disabled", lang)
            + "**: "
            + (
                "本控制在当前策略中被关闭，不会运行。"
                if zh
                else "this control does not run under this policy."
            ),
            "",
        ]
    lines += table(("", ""), [(label(k, lang), cell(v)) for k, v in _facts(c, policy, lang)])
    lines += ["", f"## {label('risks', lang)}", ""]
    for r in c.risks:
        lines.append(f"- **{r}** {pick(RISKS[r], lang) if r in RISKS else ''}")
    lines += [
        "",
        f"## {label('objective', lang)}",
        "",
        md(c.objective_zh if zh else c.objective_en),
        "",
    ]
    lines += [f"## {label('activity', lang)}", "", md(activity(c, policy, lang)), ""]
    prow = param_texts(c, policy, lang)
    if prow:
        lines += [f"### {label('parameters', lang)}", ""]
        head = tuple(label(k, lang) for k in ("key_col", "configured", "default", "deviation"))
        deviates = "**" + label("yes", lang).replace(" ★", "") + "**"
        lines += table(
            head,
            [
                (
                    f"`{c.family}.{key}`",
                    cell(md(configured)),
                    cell(md(default)),
                    deviates if differs else "",
                )
                for key, configured, default, differs in prow
            ],
        )
        lines.append("")
    lines += _sources(c, lang)
    lines += [f"## {label('coso_why', lang)}", ""]
    lines += [
        f"- **{p}** {pick(COSO_PRINCIPLES[p], lang)}：{md(why)}"
        if zh
        else f"- **{p}** {pick(COSO_PRINCIPLES[p], lang)}: {md(why)}"
        for p, why in coso_reasons(c, lang)
    ]
    lines.append("")
    lines += [f"## {label('conflicts', lang)}", "", md(conflicts(c, lang)), ""]
    lines += [f"## {label('evidence', lang)}", "", md(evidence_text(c, lang)), ""]
    if c.messages:
        lines += [f"## {label('messages', lang)}", ""]
        lines += table(
            ("", ""),
            [
                (f"`{key}`", cell(md(fill(pick(pair, lang), lang))))
                for key, pair in c.messages.items()
            ],
        )
        lines.append("")
    lines += [f"## {label('tod', lang)}", "", design_test(c, lang), ""]
    lines += [f"## {label('toe', lang)}", "", operating_effectiveness_test(c, policy, lang), ""]
    lines += [f"## {label('sample', lang)}", "", sample_size(c, policy, lang), ""]
    return "\n".join(lines)


def _facts(c: Control, policy: Policy, lang: str) -> list[tuple[str, str]]:
    """``(label key, value)`` for the page's first table (values not yet made cell-safe)."""
    zh = lang == "zh"
    fam = family_of(c)
    fam_text = (fam.title_zh if zh else fam.title_en) if fam else c.family
    bn = join(
        (f"{r} {pick(BASIC_NORM[r], lang)}" if r in BASIC_NORM else r for r in basic_norm(c)),
        lang,
    )
    coso = join((f"{p} {pick(COSO_PRINCIPLES[p], lang)}" for p in coso_principles(c)), lang)
    g9 = join(((f"第{n}条" if zh else f"art. {n}") for n in c.g9), lang)
    check = check_name(c)
    return [
        ("id", c.id),
        ("version", str(c.version)),
        ("family", fam_text),
        ("stage", stage_name(c.stage, lang)),
        ("key", label("yes" if c.key else "no", lang)),
        ("kind", kind_text(c, lang)),
        ("automation", pick(AUTOMATION[c.automation], lang)),
        ("frequency", pick(FREQUENCY[c.frequency], lang)),
        ("owner", md(owner_text(c, lang))),
        ("applies", join((f"`{a}`" for a in c.applies_to), lang) if c.applies_to else "—"),
        ("check", f"`{check}`" if check else "—"),
        ("status", label("enabled" if policy.is_enabled(c.id) else "disabled", lang)),
        ("assertions", assertions_text(c, lang)),
        ("g9", g9 or "—"),
        ("bn", bn or "—"),
        ("coso", coso),
        ("other_refs", md(join(_other(c, lang), lang)) if other_refs(c) else "—"),
        ("seeds", md(join(c.seeds, lang))),
        ("sample", sample_size(c, policy, lang)),
    ]


def _other(c: Control, lang: str) -> list[str]:
    """The other references, another guideline named in words (``G8``)."""
    return [
        f"{r} {pick(OTHER_GUIDELINES[r], lang)}" if r in OTHER_GUIDELINES else r
        for r in other_refs(c)
    ]


def _sources(c: Control, lang: str) -> list[str]:
    """The seed passages the control implements, quoted (Chinese original, English rendering),
    how the control reads them where it reads them in a particular way, and the Guideline 9
    articles it implements with their text."""
    zh = lang == "zh"
    lines = [f"## {label('sources', lang)}", ""]
    for seed in c.seeds:
        quotes = [q for q in c.seed_quotes if q.seed == seed or covers(seed, q.seed)]
        for q in quotes:  # the seed's own words, then an English rendering
            lines += [f"> **{md(q.seed)}** 「{q.zh}」", ">", f"> *{md(q.en)}*", ""]
        if quotes:
            continue
        points = [(t, z, e) for t, z, e in SEED_POINTS if covers(seed, t)]
        if not points:
            lines += [f"- **{md(seed)}**" + ("（整节引用）" if zh else " (the whole section)"), ""]
            continue
        for tag, z, e in points:
            lines += [f"> **{md(tag)}** {md(z)}", ">", f"> *{md(e)}*", ""]
    if c.seed_readings:  # authored Markdown: policy keys in code spans
        lines += [f"**{label('readings', lang)}**", ""]
        lines += [f"- **{md(r.seed)}** {r.zh if zh else r.en}" for r in c.seed_readings]
        lines.append("")
    if c.g9:
        lines += [
            f"**{label('g9', lang)}**"
            + ("（[全部条款](by-g9.md)）" if zh else " ([all articles](by-g9.md))"),
            "",
        ]
        for n in c.g9:
            text = pick(G9_ARTICLES[n], lang) if n in G9_ARTICLES else ""
            lines.append(f"- 第{n}条：{md(text)}" if zh else f"- Art. {n}: {md(text)}")
        lines.append("")
    return lines
