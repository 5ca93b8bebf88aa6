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
    evidence_text,
    operating_effectiveness_test,
    other_refs,
    owner_text,
    param_texts,
    sample_size,
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
from salesctl.wording import join

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
    "parameters_zh",
    "parameters_en",
    "key",
    "kind",
    "automation",
    "frequency",
    "owner_zh",
    "owner_en",
    "conflicts_zh",
    "conflicts_en",
    "assertions",
    "g9",
    "basic_norm",
    "coso",
    "other_refs",
    "seeds",
    "evidence_zh",
    "evidence_en",
    "applies_to",
    "check",
    "enabled",
    "test_of_design_zh",
    "test_of_design_en",
    "test_of_operating_effectiveness_zh",
    "test_of_operating_effectiveness_en",
    "sample_size_zh",
    "sample_size_en",
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
        params = {
            lang: join(
                (
                    f"{key}：{configured}" if lang == "zh" else f"{key}: {configured}"
                    for key, configured, _d, _x in param_texts(c, policy, lang)
                ),
                lang,
                "；" if lang == "zh" else "; ",
            )
            for lang in ("zh", "en")
        }
        rows.append(
            {
                "id": c.id,
                "version": str(c.version),
                "family": c.family,
                "stage": c.stage,
                "title_zh": c.title_zh,
                "title_en": c.title_en,
                "risks": ", ".join(c.risks),
                "risk_text_zh": "；".join(f"{r} {RISKS[r][0]}" for r in c.risks if r in RISKS),
                "risk_text_en": "; ".join(f"{r} {RISKS[r][1]}" for r in c.risks if r in RISKS),
                "objective_zh": c.objective_zh,
                "objective_en": c.objective_en,
                "activity_zh": activity(c, policy, "zh"),
                "activity_en": activity(c, policy, "en"),
                "parameters_zh": params["zh"],
                "parameters_en": params["en"],
                "key": "yes" if c.key else "no",
                "kind": " + ".join(k.value for k in Kind if k in c.kinds),
                "automation": c.automation.value,
                "frequency": c.frequency.value,
                "owner_zh": owner_text(c, "zh"),
                "owner_en": owner_text(c, "en"),
                "conflicts_zh": conflicts(c, "zh"),
                "conflicts_en": conflicts(c, "en"),
                "assertions": ", ".join(sorted(a.value for a in c.assertions)),
                "g9": ", ".join(str(n) for n in c.g9),
                "basic_norm": ", ".join(basic_norm(c)),
                "coso": ", ".join(coso_principles(c)),
                "other_refs": ", ".join(other_refs(c)),
                "seeds": ", ".join(c.seeds),
                "evidence_zh": evidence_text(c, "zh"),
                "evidence_en": evidence_text(c, "en"),
                "applies_to": ", ".join(c.applies_to),
                "check": check_name(c) or "",
                "enabled": "yes" if policy.is_enabled(c.id) else "no",
                "test_of_design_zh": design_test(c, "zh"),
                "test_of_design_en": design_test(c, "en"),
                "test_of_operating_effectiveness_zh": operating_effectiveness_test(c, policy, "zh"),
                "test_of_operating_effectiveness_en": operating_effectiveness_test(c, policy, "en"),
                "sample_size_zh": sample_size(c, policy, "zh"),
                "sample_size_en": sample_size(c, policy, "en"),
                "weakened": weak.get(c.id, ""),
            }
        )
    return rows


def rcm_csv(rows: list[dict[str, str]]) -> str:
    """:func:`rcm_rows` as CSV text: a UTF-8 byte-order mark first (spreadsheet programs then
    read the Chinese as UTF-8, wherever the file is published), CRLF line ends."""
    buf = io.StringIO()
    buf.write("\ufeff")
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
        "控制目标",
        "控制活动（按当前策略）",
        "类型",
        "方式",
        "频率",
        "责任人",
        "认定",
        "指引9",
        "COSO",
        "来源",
        "证据",
        "测试程序（运行有效性）",
        "样本量",
        "状态",
    ),
    "en": (
        "Id",
        "★",
        "Control",
        "Stage",
        "Risks",
        "Objective",
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
        "Test procedure (operating effectiveness)",
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
            f"下载：[rcm.csv]({d}rcm.csv)（全部列，中英文） · [rcm.xlsx]({d}rcm.xlsx) · [controls.json]({d}controls.json) · "
            f"[OSCAL 组件定义]({d}oscal-component-definition.json) · [OSCAL 目录]({d}oscal-catalog.json)"
        )
        if zh
        else (
            "Download: [rcm.csv](rcm.csv) (every column, both languages) · [rcm.xlsx](rcm.xlsx) · "
            "[controls.json](controls.json) · [OSCAL component definition](oscal-component-definition.json)"
            " · [OSCAL catalog](oscal-catalog.json)"
        ),
        "",
    ]
    lines += [
        (
            "★ 表示关键控制（来源文件标注 ★ 的控制点）。下载的 rcm.xlsx 冻结表头并可筛选。"
            if zh
            else "★ marks a key control (marked ★ in the seed). The rcm.xlsx download has a frozen "
            "header and filters."
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
        status += ("；⚠ 已削弱：" if lang == "zh" else "; ⚠ weakened: ") + weak[c.id]
    return status


def _page_row(c: Control, policy: Policy, lang: str, weak: Mapping[str, str]) -> list[str]:
    zh = lang == "zh"
    sep = "；" if zh else "; "
    texts = [
        c.title(lang),
        stage_name(c.stage, lang),
        join((f"{r} {pick(RISKS[r], lang)}" for r in c.risks if r in RISKS), lang, sep),
        c.objective_zh if zh else c.objective_en,
        activity(c, policy, lang),
        kind_text(c, lang),
        pick(AUTOMATION[c.automation], lang),
        pick(FREQUENCY[c.frequency], lang),
        owner_text(c, lang),
        assertions_text(c, lang),
        join((str(n) for n in c.g9), lang) if c.g9 else "—",
        join(coso_principles(c), lang),
        join(c.seeds, lang),
        evidence_text(c, lang),
    ]
    tail = [sample_size(c, policy, lang), _status(c, policy, weak, lang)]
    return [
        cell(link(c)),
        cell(md("★" if c.key else "")),
        *(cell(md(x)) for x in texts),
        # the test procedure carries code spans (fingerprints, commands): not escaped
        cell(operating_effectiveness_test(c, policy, lang)),
        *(cell(md(x)) for x in tail),
    ]
