"""The risk-and-control matrix (RCM): ``controls/rcm.md`` (per language) and ``controls/rcm.csv``.

The CSV carries every column in both languages (:func:`rcm_rows`); the Markdown page shows
the columns an auditor reads first, with links to the per-control pages.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping

from salesctl.control import RISKS, Control, Kind
from salesctl.docs.derived import (
    activity,
    basic_norm,
    check_name,
    conflicts,
    controls_of,
    coso_principles,
    default_policy,
    design_test,
    operating_effectiveness_test,
    other_refs,
    param_rows,
    sample_size,
    show,
)
from salesctl.docs.text import (
    AUTOMATION,
    FREQUENCY,
    assertions_text,
    cell,
    kind_text,
    label,
    link,
    md,
    page_head,
    pick,
    policy_line,
    stage_name,
    table,
)
from salesctl.policy import Policy

__all__ = ["RCM_COLUMNS", "rcm_csv", "rcm_page", "rcm_rows"]

#: The columns of ``rcm.csv``, in order.
RCM_COLUMNS: tuple[str, ...] = (
    "id",
    "version",
    "family",
    "stage",
    "title_zh",
    "title_en",
    "risks",
    "risk_text_zh",
    "risk_text_en",
    "objective_zh",
    "objective_en",
    "activity_zh",
    "activity_en",
    "parameters",
    "key",
    "kind",
    "automation",
    "frequency",
    "owner",
    "conflicts_zh",
    "conflicts_en",
    "assertions",
    "g9",
    "basic_norm",
    "coso",
    "other_refs",
    "seeds",
    "evidence",
    "applies_to",
    "check",
    "enabled",
    "test_of_design_zh",
    "test_of_design_en",
    "test_of_operating_effectiveness_zh",
    "test_of_operating_effectiveness_en",
    "sample_size",
    "weakened",
)


def rcm_rows(
    policy: Policy | None = None, controls: Mapping[str, Control] | None = None
) -> list[dict[str, str]]:
    """The RCM as rows of text, one per control (the columns of ``rcm.csv``).

    Args:
        policy: the policy in force (the default policy when omitted).
        controls: the controls (the registry when omitted).
    """
    policy = policy if policy is not None else default_policy()
    cs = controls_of(controls)
    weak = _weakened(policy)
    rows = []
    for c in cs.values():
        params = "; ".join(f"{k} = {show(v)}" for k, v, _d in param_rows(c, policy))
        rows.append(
            {
                "id": c.id,
                "version": str(c.version),
                "family": c.family,
                "stage": c.stage,
                "title_zh": c.title_zh,
                "title_en": c.title_en,
                "risks": ", ".join(c.risks),
                "risk_text_zh": "; ".join(f"{r} {RISKS[r][0]}" for r in c.risks if r in RISKS),
                "risk_text_en": "; ".join(f"{r} {RISKS[r][1]}" for r in c.risks if r in RISKS),
                "objective_zh": c.objective_zh,
                "objective_en": c.objective_en,
                "activity_zh": activity(c, policy, "zh"),
                "activity_en": activity(c, policy, "en"),
                "parameters": params,
                "key": "★" if c.key else "",
                "kind": " + ".join(k.value for k in Kind if k in c.kinds),
                "automation": c.automation.value,
                "frequency": c.frequency.value,
                "owner": c.owner,
                "conflicts_zh": conflicts(c, "zh"),
                "conflicts_en": conflicts(c, "en"),
                "assertions": ", ".join(sorted(a.value for a in c.assertions)),
                "g9": ", ".join(str(n) for n in c.g9),
                "basic_norm": ", ".join(basic_norm(c)),
                "coso": ", ".join(coso_principles(c)),
                "other_refs": ", ".join(other_refs(c)),
                "seeds": ", ".join(c.seeds),
                "evidence": c.evidence,
                "applies_to": ", ".join(c.applies_to),
                "check": check_name(c) or "",
                "enabled": "yes" if policy.is_enabled(c.id) else "no",
                "test_of_design_zh": design_test(c, "zh"),
                "test_of_design_en": design_test(c, "en"),
                "test_of_operating_effectiveness_zh": operating_effectiveness_test(c, policy, "zh"),
                "test_of_operating_effectiveness_en": operating_effectiveness_test(c, policy, "en"),
                "sample_size": sample_size(c, policy, "en"),
                "weakened": weak.get(c.id, ""),
            }
        )
    return rows


def rcm_csv(rows: list[dict[str, str]]) -> str:
    """:func:`rcm_rows` as CSV text (CRLF line ends; the byte-order mark is added on writing)."""
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=list(RCM_COLUMNS), lineterminator="\r\n")
    w.writeheader()
    for r in rows:
        w.writerow(r)
    return buf.getvalue()


_HEAD: dict[str, tuple[str, ...]] = {
    "zh": (
        "编号",
        "★",
        "控制",
        "环节",
        "风险",
        "控制活动(按当前策略)",
        "类型",
        "方式",
        "频率",
        "责任人",
        "认定",
        "指引9",
        "COSO",
        "来源",
        "证据",
        "样本量",
        "状态",
    ),
    "en": (
        "Id",
        "★",
        "Control",
        "Stage",
        "Risks",
        "Control activity (as configured)",
        "P/D",
        "Automation",
        "Frequency",
        "Owner",
        "Assertions",
        "G9",
        "COSO",
        "Seed",
        "Evidence",
        "Sample",
        "Status",
    ),
}


def rcm_page(cs: Mapping[str, Control], policy: Policy, lang: str) -> str:
    """The RCM as one Markdown table, with links to the downloads."""
    zh = lang == "zh"
    lines = page_head(label("rcm", lang), "controls/rcm.md", lang)
    lines += [policy_line(policy, lang), ""]
    d = "../../controls/" if zh else ""  # the downloads sit beside the English pages
    lines += [
        (
            f"下载:[rcm.csv]({d}rcm.csv)(全部列,中英文)· [controls.json]({d}controls.json) · "
            f"[OSCAL 组件定义]({d}oscal-component-definition.json) · [OSCAL 目录]({d}oscal-catalog.json)"
        )
        if zh
        else (
            "Download: [rcm.csv](rcm.csv) (every column, both languages) · "
            "[controls.json](controls.json) · [OSCAL component definition](oscal-component-definition.json)"
            " · [OSCAL catalog](oscal-catalog.json)"
        ),
        "",
    ]
    weak = _weakened(policy)
    rows = [_page_row(c, policy, lang, weak) for c in cs.values()]
    lines += table(_HEAD["zh" if zh else "en"], rows)
    lines.append("")
    return "\n".join(lines)


def _weakened(policy: Policy) -> dict[str, str]:
    """``control id -> "key (what it does); acknowledged: reason"`` for the weakened controls."""
    out: dict[str, list[str]] = {}
    for w in policy.weakenings():
        out.setdefault(w.control_id, []).append(f"{w.key} ({w.why})")
    return {
        cid: "; ".join(keys) + f"; acknowledged: {policy.acknowledged[cid]}"
        for cid, keys in out.items()
    }


def _status(c: Control, policy: Policy, weak: Mapping[str, str], lang: str) -> str:
    status = label("enabled" if policy.is_enabled(c.id) else "disabled", lang)
    if c.id in weak:
        status += ("; ⚠ 已削弱:" if lang == "zh" else "; ⚠ weakened: ") + weak[c.id]
    return status


def _page_row(c: Control, policy: Policy, lang: str, weak: Mapping[str, str]) -> list[str]:
    texts = [
        c.title(lang),
        stage_name(c.stage, lang),
        ", ".join(c.risks),
        activity(c, policy, lang),
        kind_text(c, lang),
        pick(AUTOMATION[c.automation], lang),
        pick(FREQUENCY[c.frequency], lang),
        c.owner,
        assertions_text(c, lang),
        ", ".join(str(n) for n in c.g9),
        ", ".join(coso_principles(c)),
        ", ".join(c.seeds),
        c.evidence,
        sample_size(c, policy, lang),
        _status(c, policy, weak, lang),
    ]
    return [cell(link(c)), cell(md("★" if c.key else "")), *(cell(md(x)) for x in texts)]
