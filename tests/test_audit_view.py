"""The audit report's one model: Markdown and HTML carry the same content, every label in the
language asked for, charts drawn as inline SVG, exceptions by severity with key controls first,
and per-control counts that agree with the section headings."""

from __future__ import annotations

import html as htmllib
import json
import re

import pytest

from salesctl.audit import AuditReport, replay
from salesctl.audit.view import LABELS, blocks
from salesctl.controls import CONTROLS
from salesctl.demo import INJECTORS, generate
from salesctl.policy import loads_policy


@pytest.fixture(scope="module")
def report() -> AuditReport:
    demo = generate(seed=11, customers=6, orders=60, injectors=tuple(sorted(INJECTORS)))
    lines = [e if isinstance(e, str) else json.dumps(e, ensure_ascii=False) for e in demo.events]
    return replay(lines, loads_policy(demo.policy_toml))


def _text_of_html(page: str) -> str:
    page = re.sub(r"<svg.*?</svg>", " ", page, flags=re.S)
    page = re.sub(r"<style.*?</style>", " ", page, flags=re.S)
    return htmllib.unescape(re.sub(r"<[^>]+>", " ", page))


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_markdown_and_html_carry_the_same_content(report: AuditReport, lang: str) -> None:
    md = report.to_markdown(lang)
    page_text = _text_of_html(report.to_html(lang))
    for b in blocks(report, lang):
        for text in (b.text, *b.head, *(c for row in b.rows for c in row)):
            if text:
                assert text in md.replace("\\|", "|"), text
                assert text in page_text, text


def test_every_label_is_chinese_with_lang_zh(report: AuditReport) -> None:
    md = report.to_markdown("zh")
    for zh, en in LABELS.values():
        if zh != en and len(en) > 3 and en[0].isupper():
            assert f"## {en}" not in md and f"# {en}" not in md
    assert "## 控制测试结果" in md and "## 例外" in md and "## 图表" in md
    assert "| outcome |" not in md and "| control |" not in md


def test_charts_are_inline_svg_with_bars(report: AuditReport) -> None:
    page = report.to_html("zh")
    assert page.count("<svg") >= 3 and '<rect class="bar"' in page
    assert "<script" not in page and "http" not in page.split("<body>")[1].replace(
        "http://www.w3.org/2000/svg", ""
    )


def test_exceptions_by_severity_key_controls_first_and_counts_agree(report: AuditReport) -> None:
    bs = blocks(report, "en")
    heads = [b.text for b in bs if b.kind == "h3" and b.text.startswith("O2C-")]
    assert heads
    ids = [h.split()[0] for h in heads]
    by = {cid: [e for e in report.exceptions if e.control_id == cid] for cid in ids}
    sev = [2 if any(e.outcome.name == "BLOCK" for e in by[c]) else 1 for c in ids]
    assert sev == sorted(sev, reverse=True)
    for s in (1, 2):
        group = [c for c, v in zip(ids, sev, strict=True) if v == s]
        keys = [CONTROLS[c].key for c in group if c in CONTROLS]
        assert keys == sorted(keys, reverse=True)
    for h in heads:
        cid = h.split()[0]
        t = report.tallies[cid]
        m = re.search(r"\((\d+) (transactions|items), (\d+) findings\)$", h)
        assert m, h
        assert int(m.group(1)) == t.held + t.blocked
        assert int(m.group(3)) == len(by[cid])
