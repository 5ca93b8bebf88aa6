"""No Python in the generated prose, natural Chinese punctuation, in every output and language.

Every string an auditor reads in the generated documentation (control pages, index pages, the
RCM in Markdown and CSV, ``controls.json``, both OSCAL files) is scanned, for every control of
the catalogue (a control added later is scanned the day it is registered), in Chinese and in
English: no ``None``/``True``/``False``, no ``{`` or ``=`` (a dict or a keyword argument), no
snake_case identifier, and in Chinese no half-width ``, ; : ( )``. Code the page shows as code
(inline code spans, link targets, OSCAL ``{{ insert: param, … }}`` markers) is not prose.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from salesctl.controls import CONTROLS, FAMILIES
from salesctl.docs import render
from salesctl.money import Money
from salesctl.wording import TERMS, value_text

_SNAKE = re.compile(r"\b[A-Za-z][A-Za-z0-9]*(?:_[A-Za-z0-9]+)+\b")
_WORD = re.compile(r"\b(None|True|False)\b")
_HALF = re.compile(r"[,;:()]")
_CJK = re.compile(r"[\u3400-\u9fff]")


def _prose(text: str) -> str:
    """Markdown text without code spans, link targets, OSCAL insert markers, rules and URLs."""
    text = re.sub(r"\{\{ insert: param, [\w.]+ \}\}", "", text)
    text = re.sub(r"`[^`]*`", "", text)
    text = re.sub(r"\]\([^)]*\)", "]", text)
    text = re.sub(r"https?://\S+", "", text)
    text = re.sub(r"^\|(---\|)+$", "", text, flags=re.M)
    return text


def leaks(text: str, lang: str) -> list[str]:
    """What in ``text`` (prose in ``lang``) reads as Python or as half-width Chinese punctuation."""
    text = _prose(text)
    out = [f"{m.group(0)!r}" for m in _WORD.finditer(text)]
    out += [f"snake_case {m.group(0)!r}" for m in _SNAKE.finditer(text)]
    out += [f"{ch!r}" for ch in "{=" if ch in text]
    if lang == "zh":
        for m in _HALF.finditer(text):
            i = m.start()
            before, after = text[i - 1 : i], text[i + 1 : i + 2]
            if m.group(0) in ",:" and before.isdigit() and after.isdigit():
                continue  # 50,000.00 and 12:00
            out.append(f"half-width {m.group(0)!r} in …{text[max(0, i - 12) : i + 12]}…")
    return out


#: The seed documents (a copy of the project's sources), whitespace left out: a quoted seed
#: passage is compared with them, and only whitespace is normalised.
_SEEDS_DIR = Path(__file__).parent / "data" / "seeds"
_SEED_TEXT = "".join(
    re.sub(r"\s+", "", p.read_text(encoding="utf-8")) for p in sorted(_SEEDS_DIR.glob("*.txt"))
)


def _verbatim(quote: str) -> bool:
    """Whether ``quote`` is in the seed documents word for word (whitespace aside)."""
    flat = re.sub(r"\s+", "", quote)
    return bool(flat) and flat in _SEED_TEXT


def _unquote(line: str) -> str:
    """A line without its 「…」 seed quotations: the seed's own words keep the seed's own
    punctuation and are not generated prose. A quotation not found in the seeds stays (and
    is scanned)."""
    return re.sub(r"「([^」]*)」", lambda m: "" if _verbatim(m.group(1)) else m.group(0), line)


def _md_strings(pages: dict[str, str]) -> Iterator[tuple[str, str, str]]:
    for path, text in pages.items():
        if path.endswith(".md"):
            lang = "zh" if path.startswith("zh/") else "en"
            for n, line in enumerate(text.splitlines(), 1):
                # a bilingual cell reads "english / 中文": each half in its own language
                yield f"{path}:{n}", lang, _unquote(line)


def _json_strings(
    data: Any, where: str, lang: str = "en", prose: bool = False
) -> Iterator[tuple[str, str, str]]:
    """The prose strings of a JSON document: under a key of :data:`_JSON_PROSE` or a
    ``zh``/``en`` key (ids, enum values, fingerprints and raw parameter values are not prose)."""
    if isinstance(data, dict):
        for k, v in data.items():
            if k in ("activity_template", "messages"):
                continue  # templates for programs: their {placeholders} are the point
            sub = "zh" if k == "zh" else "en" if k == "en" else lang
            inner = prose or k in _JSON_PROSE or k in ("zh", "en")
            if k in ("configured", "default"):
                inner = False  # the raw value; "configured_text" is its prose
            yield from _json_strings(v, f"{where}.{k}", sub, inner)
        if data.get("name") == "label-zh":
            yield where, "zh", str(data.get("value", ""))
    elif isinstance(data, list):
        for i, v in enumerate(data):
            yield from _json_strings(v, f"{where}[{i}]", lang, prose)
    elif isinstance(data, str) and prose:
        yield where, lang, data


#: The JSON keys whose values are prose (the rest are ids, enum values and fingerprints).
_JSON_PROSE = frozenset(
    {"title", "prose", "description", "remarks", "values", "label", "text", "configured_text"}
)


def _csv_strings(text: str) -> Iterator[tuple[str, str, str]]:
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    prose_en = {"title_en", "risk_text_en", "objective_en", "activity_en", "conflicts_en"}
    prose_en |= {"test_of_design_en", "test_of_operating_effectiveness_en", "evidence_en"}
    prose_en |= {"owner_en", "parameters_en", "sample_size_en"}
    for row in rows:
        for col, value in row.items():
            if col.startswith("parameters_"):
                # "policy_key: value; …": the keys are the policy file's, the values prose
                value = re.sub(r"(^|[；;] ?)[a-z_]+[：:] ?", r"\1", value)
            if col in prose_en:
                yield f"rcm.csv {row['id']} {col}", "en", value
            elif col in {c[:-3] + "_zh" for c in prose_en}:
                yield f"rcm.csv {row['id']} {col}", "zh", value


def _split_bilingual(lang: str, text: str) -> list[tuple[str, str]]:
    """An English line may quote Chinese (a seed tag, a zh title beside the en one): each table
    cell and each half of an ``"english / 中文"`` text is checked in the language most of its
    letters are written in."""
    if lang == "zh" and text.startswith("> *"):
        return [("en", text)]  # the English rendering of a quoted seed passage
    if lang == "zh" or not _CJK.search(text):
        return [(lang, text)]
    out = []
    for cell in text.split(" | "):
        for part in re.split(r" / |, ", cell):
            han = len(_CJK.findall(part))
            latin = len(re.findall(r"[A-Za-z]", part))
            out.append(("zh" if han > latin else "en", part))
    return out


def all_strings() -> Iterator[tuple[str, str, str]]:
    pages = render()
    yield from _md_strings(pages)
    yield from _csv_strings(pages["controls/rcm.csv"])
    for name in ("controls.json", "oscal-catalog.json", "oscal-component-definition.json"):
        yield from _json_strings(json.loads(pages[f"controls/{name}"]), name)


@pytest.fixture(scope="module")
def found() -> list[str]:
    out = []
    for where, lang, text in all_strings():
        for part_lang, part in _split_bilingual(lang, text):
            out += [f"{where} [{part_lang}]: {leak}" for leak in leaks(part, part_lang)]
    return out


def test_no_python_and_no_half_width_chinese_punctuation_in_generated_docs(
    found: list[str],
) -> None:
    assert not found, f"{len(found)} leaks, first 40:\n" + "\n".join(found[:40])


def test_every_control_is_scanned_in_both_languages() -> None:
    pages = render()
    for cid in CONTROLS:
        assert f"controls/{cid}.md" in pages and f"zh/controls/{cid}.md" in pages


def test_the_scanner_catches_what_the_issue_found() -> None:
    assert leaks("max_amount=None", "en")
    assert leaks("{id=price-group, parent=None}", "en")
    assert leaks("严格先到期先出:False", "zh")
    assert leaks("须 credit_manager(级别 ≥ 3)", "zh")
    assert leaks("销售,财务", "zh")
    assert not leaks("逾期 30 天计息，≥ 50,000.00 元（财务部门负责人）", "zh")
    assert not leaks("see `pricing.authority` in [the policy](policy.md)", "en")


@pytest.mark.parametrize(
    ("value", "key", "zh", "en"),
    [
        (None, "", "不限", "no limit"),
        (True, "", "是", "yes"),
        (False, "", "否", "no"),
        (Money("50000", "CNY"), "", "50,000.00 元", "CNY 50,000.00"),
        (Decimal("0.6"), "min_collected_ratio", "60%", "60%"),
        ("credit_manager", "review_role", "信用经理", "credit manager"),
        (("a", "b"), "", "a、b", "a, b"),
        ((), "", "无", "none"),
    ],
)
def test_value_text(value: Any, key: str, zh: str, en: str) -> None:
    assert value_text(value, "zh", key) == zh
    assert value_text(value, "en", key) == en


def test_every_role_of_the_default_policy_is_in_the_glossary() -> None:
    import attrs

    from salesctl.policy import Policy

    policy = Policy.default()
    missing = set()
    for fam in FAMILIES:
        fp = policy.family(fam)
        for a in attrs.fields(type(fp)):
            v = getattr(fp, a.name)
            if a.name.endswith("_role") and isinstance(v, str) and v not in TERMS:
                missing.add(v)
    assert not missing


def test_the_gap_page_reports_no_covered_source_and_lists_the_uncovered_g9_clauses() -> None:
    """A source a control cites is never a gap (S-PS 1 is O2C-PS-01's); the Guideline 9
    requirements the catalogue leaves open are listed, in both languages."""
    from salesctl.docs.references import G9_CLAUSES, SEED_POINTS

    pages = render()
    cited = {s for c in CONTROLS.values() for s in c.seeds}
    for lang, path in (("en", "controls/gaps.md"), ("zh", "zh/controls/gaps.md")):
        page = pages[path]
        seed_part = page.split("## ")[2]  # the seed points with no control
        for tag, _zh, _en in SEED_POINTS:
            if tag in cited:
                assert f"**{tag}**" not in seed_part, (lang, tag)
        assert "S-PS 产品销售标准流程 1" not in seed_part
        g9_part = page.split("## ")[1]
        texts = {k: (zh if lang == "zh" else en) for k, zh, en, _p in G9_CLAUSES}
        for clause in ("6.2", "7.2", "12.2", "12.3"):  # finance/legal staff, returns, …
            assert texts[clause] in g9_part, (lang, clause)
        for clause in ("7.1", "7.3", "5.3", "10.1"):  # sales notices, invoices, credit, …
            assert texts[clause] not in g9_part, (lang, clause)


def test_the_mapping_corrections_hold() -> None:
    from salesctl.docs.derived import basic_norm, coso_reasons

    assert CONTROLS["O2C-SV-01"].g9 == (10,)
    assert 5 in CONTROLS["O2C-CR-05"].g9
    assert CONTROLS["O2C-DL-05"].g9 == () and "G8" in CONTROLS["O2C-DL-05"].refs
    for cid in ("O2C-SO-02", "O2C-PR-03", "O2C-CR-04", "O2C-CT-03"):
        assert "BN 30" in basic_norm(CONTROLS[cid])
    for c in CONTROLS.values():
        reasons = coso_reasons(c, "en")
        assert "P10" in dict(reasons) and all(why for _p, why in reasons)
    automated_p11 = [c.id for c in CONTROLS.values() if "P11" in dict(coso_reasons(c, "en"))]
    assert len(automated_p11) < len(CONTROLS) // 4
    cr03 = render()["controls/O2C-CR-03.md"]
    assert "Select 1 year " in cr03 and "Select 1 years" not in cr03
    assert "| Frequency | yearly |" in cr03


def test_the_published_rcm_csv_has_a_bom_and_yes_no_and_the_workbook_freezes_and_filters() -> None:
    text = render()["controls/rcm.csv"]
    assert text.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    assert {r["key"] for r in rows} == {"yes", "no"}
    openpyxl = pytest.importorskip("openpyxl", reason="openpyxl (the docs extra) not installed")
    from salesctl.docs.site import rcm_workbook

    data = rcm_workbook()
    assert data is not None
    ws = openpyxl.load_workbook(io.BytesIO(data)).active
    assert ws.freeze_panes == "B2" and ws.auto_filter.ref.startswith("A1:")
    assert ws.max_row == len(CONTROLS) + 1


# -- the audit report of the demo year (issue 18) ------------------------------------------------

#: Report columns that show evidence as recorded (fact values, a rejected line's reason and
#: value): ids, lists of ids and ranges keep their own punctuation there, but a role id, a term
#: id or a Python literal still must not show.
_EVIDENCE = frozenset({"事实", "facts", "原因", "reason", "值", "value"})


def _raw_ids(text: str) -> list[str]:
    """Role ids, term ids and Python literals left in ``text`` (the evidence columns' rule)."""
    text = _prose(text)
    return [f"{m.group(0)!r}" for m in _WORD.finditer(text)] + [
        f"snake_case {m.group(0)!r}" for m in _SNAKE.finditer(text)
    ]


def _md_report_strings(text: str, lang: str) -> Iterator[tuple[str, str, str, bool]]:
    """``(where, lang, text, evidence)`` for each line or table cell of a Markdown report."""
    head: list[str] = []
    for n, line in enumerate(text.splitlines(), 1):
        if re.fullmatch(r"\|[-:|]+\|?", line):
            continue  # a table's alignment row
        if not line.startswith("|"):
            head = []
            yield f"md:{n}", lang, line, False
            continue
        cells = [c.strip() for c in re.split(r"(?<!\\) \| ", line.strip("| "))]
        if not head:
            head = cells
        for i, cell in enumerate(cells):
            evidence = i < len(head) and head[i] in _EVIDENCE
            yield f"md:{n}:{i}", lang, cell, evidence


class _HtmlText(HTMLParser):
    """The text nodes of an HTML report (not the style sheet, not ``<code>`` or id cells),
    each with whether it sits in an evidence column."""

    def __init__(self) -> None:
        super().__init__()
        self.out: list[tuple[str, bool]] = []
        self.skipping: list[str] = []  # the open tags whose text is not prose
        self.head: list[str] = []
        self.cell = -1
        self.in_th = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("style", "code") or (tag == "td" and ("class", "c") in attrs):
            self.skipping.append(tag)
        if tag == "table":
            self.head = []
        elif tag == "tr":
            self.cell = -1
        elif tag in ("td", "th"):
            self.cell += 1
            self.in_th = tag == "th"
            if self.in_th:
                self.head.append("")

    def handle_endtag(self, tag: str) -> None:
        if self.skipping and self.skipping[-1] == tag:
            self.skipping.pop()
        if tag == "th":
            self.in_th = False

    def handle_data(self, data: str) -> None:
        if self.in_th and self.head:
            self.head[-1] += data
        if self.skipping or not data.strip():
            return
        evidence = 0 <= self.cell < len(self.head) and self.head[self.cell] in _EVIDENCE
        self.out.append((data, evidence))


@pytest.fixture(scope="module")
def report_texts() -> dict[tuple[str, str], str]:
    """The demo year's report (a small year: every injector planted) in Markdown and HTML,
    in Chinese and in English."""
    from salesctl.audit import replay
    from salesctl.demo import DEMO_POLICY, generate
    from salesctl.policy import loads_policy

    year = generate(seed=3, customers=40, orders=200)
    report = replay(list(year.lines()), loads_policy(DEMO_POLICY), source="events.jsonl")
    assert {e.control_id for e in report.exceptions} >= set(year.manifest.expected())
    return {
        (fmt, lang): report.to_markdown(lang) if fmt == "md" else report.to_html(lang)
        for fmt in ("md", "html")
        for lang in ("zh", "en")
    }


def _report_leaks(texts: dict[tuple[str, str], str]) -> list[str]:
    found = []
    for (fmt, lang), text in texts.items():
        if fmt == "md":
            items = list(_md_report_strings(text, lang))
        else:
            parser = _HtmlText()
            parser.feed(text)
            items = [(f"html:{i}", lang, t, ev) for i, (t, ev) in enumerate(parser.out)]
        for where, lg, t, evidence in items:
            for part_lang, part in _split_bilingual(lg, t) if not evidence else [(lg, t)]:
                bad = _raw_ids(part) if evidence else leaks(part, part_lang)
                found += [f"{fmt} {lang} {where}: {leak} in {part[:80]!r}" for leak in bad]
    return found


def test_the_audit_report_reads_role_and_term_ids_in_words_in_both_languages(
    report_texts: dict[tuple[str, str], str],
) -> None:
    """No role id (``marketing_head``), term id or Python literal anywhere in the demo year's
    report, Markdown or HTML, zh or en; the Chinese findings and labels use full-width
    punctuation. The stored findings keep their ids (the JSON report is not prose)."""
    found = _report_leaks(report_texts)
    assert not found, f"{len(found)} leaks, first 40:\n" + "\n".join(found[:40])


def test_the_report_scan_catches_a_raw_role_id(report_texts: dict[tuple[str, str], str]) -> None:
    """The scan is not blind: a role id put back into a finding or a fact is found."""
    for fmt, lang in report_texts:
        text = report_texts[(fmt, lang)]
        cell = "事实" if lang == "zh" else "facts"
        assert cell in text
        spoiled = {(fmt, lang): text.replace("</h1>", " 须经 marketing_head 审批</h1>", 1)}
        if fmt == "md":
            spoiled = {(fmt, lang): text.replace("\n", "\n须经 marketing_head 审批\n", 1)}
        assert _report_leaks(spoiled), (fmt, lang)


# -- seed quotations (issue 18) ------------------------------------------------------------------

def test_every_control_quotes_its_seed() -> None:
    """Every control of the catalogue (key or not, a control added later included) quotes at
    least one passage of the seeds it cites, with an English rendering."""
    assert len(CONTROLS) >= 57
    missing = sorted(cid for cid, c in CONTROLS.items() if not c.seed_quotes)
    assert not missing
    for c in CONTROLS.values():
        for q in c.seed_quotes:
            assert q.zh.strip() and q.en.strip(), (c.id, q.seed)


def test_each_seed_quote_is_found_verbatim_in_the_seeds() -> None:
    """Word for word, the seed's own punctuation included; only whitespace is normalised."""
    assert len(_SEED_TEXT) > 10_000
    wrong = [
        (c.id, q.seed, q.zh)
        for c in CONTROLS.values()
        for q in c.seed_quotes
        if not _verbatim(q.zh)
    ]
    assert not wrong
    assert not _verbatim("所有订单均须由被授权人员核准。")  # one character added: not found


def test_the_control_page_shows_each_quote_and_its_rendering() -> None:
    pages = render()
    for c in CONTROLS.values():
        for q in c.seed_quotes:
            for path in (f"controls/{c.id}.md", f"zh/controls/{c.id}.md"):
                page = pages[path]
                assert f"「{q.zh}」" in page and q.en.replace("*", "\\*") in page, (path, q.seed)
