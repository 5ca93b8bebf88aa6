"""The exceptions report of an audit replay (:class:`AuditReport`) and its renderings: JSON,
Markdown and a standalone HTML page."""

from __future__ import annotations

import datetime as dt
import html
import json
from collections.abc import Mapping
from typing import Any

from attrs import field, frozen

from salesctl._convert import structure, unstructure
from salesctl._validators import FrozenMap, each, frozenmap_conv, tuple_conv, typed
from salesctl.audit.rows import AuditException, ControlTally, RejectedLine
from salesctl.controls import CONTROLS
from salesctl.decision import Outcome
from salesctl.transactions import TRANSACTION_TYPES

__all__ = ["AuditReport"]


@frozen
class AuditReport:
    """The exceptions report of an audit replay.

    Attributes:
        source: the stream's name (file path).
        source_sha256: SHA-256 of the stream's bytes as read (evidence of what was tested).
        policy_name: the policy's name.
        policy_fingerprint: SHA-256 of the policy in force.
        catalogue_fingerprint: SHA-256 of the control catalogue.
        lines: lines read (blank ones included).
        events: events read, by type.
        rejected_count: lines that could not be read.
        rejected: the rejected lines (the first :data:`MAX_REJECTED_LISTED`).
        first_at: the time of the first event.
        last_at: the time of the last event.
        tallies: per control id: tested, passed, held, blocked.
        exceptions: every HOLD and BLOCK finding, in stream order, then detective ones.
        periods: detective runs, by period kind (``"monthly": 12``).
        unfolded: event types the ledger has no fold for, with counts (decided, but they
            teach the ledger nothing).
        out_of_order: events earlier than the business date already reached.
        partitions: how many partitions the replay was split into (1: one go).
        incomplete: why the report covers only part of the stream (``"interrupted"``: the
            replay was stopped, e.g. by Ctrl-C, after line :attr:`lines`); empty when the
            whole stream was replayed.
    """

    source: str = field(validator=typed(str))
    source_sha256: str = field(validator=typed(str))
    policy_name: str = field(validator=typed(str))
    policy_fingerprint: str = field(validator=typed(str))
    catalogue_fingerprint: str = field(validator=typed(str))
    lines: int = field(validator=typed(int))
    events: FrozenMap[str, int] = field(converter=frozenmap_conv)
    rejected_count: int = field(validator=typed(int))
    rejected: tuple[RejectedLine, ...] = field(converter=tuple_conv, validator=each(RejectedLine))
    first_at: dt.datetime | None = field(validator=typed(dt.datetime, optional=True))
    last_at: dt.datetime | None = field(validator=typed(dt.datetime, optional=True))
    tallies: FrozenMap[str, ControlTally] = field(converter=frozenmap_conv)
    exceptions: tuple[AuditException, ...] = field(
        converter=tuple_conv, validator=each(AuditException)
    )
    periods: FrozenMap[str, int] = field(default=FrozenMap(), converter=frozenmap_conv)
    unfolded: FrozenMap[str, int] = field(default=FrozenMap(), converter=frozenmap_conv)
    out_of_order: int = field(default=0, validator=typed(int))
    partitions: int = field(default=1, validator=typed(int))
    incomplete: str = field(default="", validator=typed(str))

    @property
    def population(self) -> int:
        """Events read (transactions and records), rejected lines excluded."""
        return sum(self.events.values())

    @property
    def transactions(self) -> int:
        """Transactions read (the population the gate decided)."""
        return sum(n for k, n in self.events.items() if k in TRANSACTION_TYPES)

    def documents(self, control_id: str) -> frozenset[str]:
        """The documents with an exception of ``control_id``."""
        return frozenset(e.document_id for e in self.exceptions if e.control_id == control_id)

    def to_dict(self) -> dict[str, Any]:
        """The report as JSON-ready data."""
        out: dict[str, Any] = unstructure(self)
        out["population"] = self.population
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> AuditReport:
        """Rebuild a report from :meth:`to_dict` output.

        Raises:
            InvalidInput: naming the field path of anything malformed.
        """
        body = {k: v for k, v in data.items() if k != "population"}
        result: AuditReport = structure(body, cls, "report")
        return result

    def to_json(self) -> str:
        """The report as JSON text."""
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=2) + "\n"

    def to_markdown(self, lang: str = "en") -> str:
        """The report as Markdown (``lang``: the language of the findings' messages)."""
        return _markdown(self, lang)

    def to_html(self, lang: str = "en") -> str:
        """The report as a standalone HTML page."""
        return _html(self, lang)

    def summary(self) -> str:
        """One paragraph for the terminal: population, rejected lines, exceptions."""
        held = sum(1 for e in self.exceptions if e.outcome is Outcome.HOLD)
        blocked = len(self.exceptions) - held
        ctl = len({e.control_id for e in self.exceptions})
        head = f"INCOMPLETE ({self.incomplete}): " if self.incomplete else ""
        return head + (
            f"{self.population} events ({self.transactions} transactions) from {self.lines} lines; "
            f"{self.rejected_count} lines rejected; {len(self.exceptions)} exceptions "
            f"({held} HOLD, {blocked} BLOCK) under {ctl} controls; "
            f"policy {self.policy_name!r} {self.policy_fingerprint[:12]}"
        )


# -- rendering ---------------------------------------------------------------------------------


def _title(cid: str, lang: str) -> str:
    c = CONTROLS.get(cid)
    return c.title(lang) if c is not None else cid


def _kind(cid: str) -> str:
    c = CONTROLS.get(cid)
    if c is None:
        return "?"
    detective = getattr(c, "detect", None) is not None
    preventive = c.check is not None
    return "P+D" if detective and preventive else ("D" if detective else "P")


def _facts(e: AuditException) -> str:
    return "; ".join(f"{k}={v}" for k, v in e.facts)


def _incomplete_note(r: AuditReport, lang: str) -> str:
    if lang == "zh":
        return f"重演在第 {r.lines} 行后中止;以下数字只覆盖第 1 至 {r.lines} 行,期末检查性控制未全部运行。"
    return (
        f"the replay stopped after line {r.lines}; the figures below cover lines 1 to "
        f"{r.lines} only, and the period-end detective controls did not all run."
    )


def _md_cell(s: str) -> str:
    return s.replace("|", "\\|").replace("\n", " ")


def _markdown(r: AuditReport, lang: str) -> str:
    zh = lang == "zh"
    out: list[str] = []
    out.append("# 审计重演例外报告" if zh else "# Audit replay: exceptions report")
    out.append("")
    if r.incomplete:
        out.append(f"**incomplete: {r.incomplete}** — {_incomplete_note(r, lang)}")
        out.append("")
    span = (
        f"{r.first_at.isoformat()} … {r.last_at.isoformat()}"
        if r.first_at is not None and r.last_at is not None
        else "-"
    )
    rows = [
        ("source" if not zh else "数据源", f"`{r.source}`"),
        ("SHA-256", f"`{r.source_sha256}`"),
        ("period" if not zh else "期间", span),
        ("lines read" if not zh else "读取行数", str(r.lines)),
        ("population (events)" if not zh else "总体(事件数)", str(r.population)),
        ("transactions decided" if not zh else "判定交易数", str(r.transactions)),
        ("rejected lines" if not zh else "拒收行数", str(r.rejected_count)),
        ("exceptions" if not zh else "例外数", str(len(r.exceptions))),
        ("policy" if not zh else "策略", f"{r.policy_name} — `{r.policy_fingerprint}`"),
        ("catalogue" if not zh else "控制目录", f"`{r.catalogue_fingerprint}`"),
    ]
    if r.partitions > 1:
        rows.append(("partitions", str(r.partitions)))
    if r.periods:
        rows.append(
            (
                "detective runs" if not zh else "检查性控制运行",
                ", ".join(f"{k} {v}" for k, v in r.periods.items()),
            )
        )
    out.append("| | |")
    out.append("|---|---|")
    out.extend(f"| {k} | {v} |" for k, v in rows)
    out.append("")
    out.append("## Population by event type" if not zh else "## 按事件类型的总体")
    out.append("")
    out.append("| type | events |")
    out.append("|---|---:|")
    out.extend(f"| {k} | {v} |" for k, v in r.events.items())
    if r.unfolded:
        out.append("")
        out.append(
            "Event types the ledger does not fold (decided, but they change no state): "
            + ", ".join(f"{k} ({v})" for k, v in r.unfolded.items())
        )
    if r.out_of_order:
        out.append("")
        out.append(f"Events dated before the business date already reached: {r.out_of_order}.")
    out.append("")
    out.append("## Controls" if not zh else "## 控制测试结果")
    out.append("")
    out.append(
        "| control | kind | title | tested | passed | of which approved | held | blocked |"
        if not zh
        else "| 控制 | 类型 | 名称 | 测试 | 通过 | 其中凭审批 | 挂起 | 阻止 |"
    )
    out.append("|---|---|---|---:|---:|---:|---:|---:|")
    for cid, t in r.tallies.items():
        out.append(
            f"| {cid} | {_kind(cid)} | {_md_cell(_title(cid, lang))} | {t.tested} | {t.passed} | "
            f"{t.approved} | {t.held} | {t.blocked} |"
        )
    out.append("")
    out.append("## Exceptions" if not zh else "## 例外")
    by_control: dict[str, list[AuditException]] = {}
    for e in r.exceptions:
        by_control.setdefault(e.control_id, []).append(e)
    if not by_control:
        out.append("")
        out.append("None." if not zh else "无。")
    for cid in sorted(by_control):
        es = by_control[cid]
        out.append("")
        out.append(f"### {cid} — {_md_cell(_title(cid, lang))} ({len(es)})")
        out.append("")
        out.append("| outcome | document | where | finding | facts |")
        out.append("|---|---|---|---|---|")
        for e in es:
            where = f"line {e.line} {e.transaction}" if e.line is not None else e.period
            out.append(
                f"| {e.outcome.name} | `{_md_cell(e.document_id)}` | {where} | "
                f"{_md_cell(e.text(lang))} | {_md_cell(_facts(e))} |"
            )
    out.append("")
    out.append("## Rejected lines" if not zh else "## 拒收行")
    out.append("")
    if not r.rejected_count:
        out.append("None." if not zh else "无。")
    else:
        out.append("| line | field | reason | value |")
        out.append("|---:|---|---|---|")
        for rl in r.rejected:
            out.append(
                f"| {rl.line} | `{_md_cell(rl.path)}` | {_md_cell(rl.reason)} | {_md_cell(rl.value or '')} |"
            )
        more = r.rejected_count - len(r.rejected)
        if more > 0:
            out.append("")
            out.append(f"… and {more} more rejected lines (counted above, not listed).")
    return "\n".join(out) + "\n"


_CSS = """
body{font:14px/1.45 system-ui,sans-serif;margin:2em;color:#222}
table{border-collapse:collapse;margin:.5em 0 1.5em}
td,th{border:1px solid #ccc;padding:.25em .5em;vertical-align:top;text-align:left}
td.n{text-align:right}
.incomplete{background:#fde0de;padding:.5em}
.HOLD{background:#fff4d6}.BLOCK{background:#fde0de}
code{font-size:12px}
"""


def _html(r: AuditReport, lang: str) -> str:
    e_ = html.escape
    zh = lang == "zh"
    parts: list[str] = [
        "<!doctype html>",
        f'<html lang="{"zh" if zh else "en"}"><head><meta charset="utf-8">',
        f"<title>{'审计重演例外报告' if zh else 'Audit replay: exceptions report'}</title>",
        f"<style>{_CSS}</style></head><body>",
        f"<h1>{'审计重演例外报告' if zh else 'Audit replay: exceptions report'}</h1>",
    ]
    if r.incomplete:
        parts.append(
            f'<p class="incomplete"><strong>incomplete: {e_(r.incomplete)}</strong> — '
            f"{e_(_incomplete_note(r, lang))}</p>"
        )
    parts.append("<table>")
    span = (
        f"{r.first_at.isoformat()} … {r.last_at.isoformat()}"
        if r.first_at is not None and r.last_at is not None
        else "-"
    )
    for k, v in (
        ("source", r.source),
        ("SHA-256", r.source_sha256),
        ("period", span),
        ("lines read", str(r.lines)),
        ("population (events)", str(r.population)),
        ("transactions decided", str(r.transactions)),
        ("rejected lines", str(r.rejected_count)),
        ("exceptions", str(len(r.exceptions))),
        ("policy", f"{r.policy_name} — {r.policy_fingerprint}"),
        ("catalogue", r.catalogue_fingerprint),
    ):
        parts.append(f"<tr><th>{e_(k)}</th><td><code>{e_(v)}</code></td></tr>")
    parts.append("</table><h2>Controls</h2><table>")
    parts.append(
        "<tr><th>control</th><th>kind</th><th>title</th><th>tested</th><th>passed</th>"
        "<th>of which approved</th><th>held</th><th>blocked</th></tr>"
    )
    for cid, t in r.tallies.items():
        parts.append(
            f"<tr><td>{e_(cid)}</td><td>{_kind(cid)}</td><td>{e_(_title(cid, lang))}</td>"
            f'<td class="n">{t.tested}</td><td class="n">{t.passed}</td>'
            f'<td class="n">{t.approved}</td><td class="n">{t.held}</td><td class="n">{t.blocked}</td></tr>'
        )
    parts.append("</table><h2>Exceptions</h2>")
    by_control: dict[str, list[AuditException]] = {}
    for ex in r.exceptions:
        by_control.setdefault(ex.control_id, []).append(ex)
    if not by_control:
        parts.append("<p>None.</p>")
    for cid in sorted(by_control):
        es = by_control[cid]
        parts.append(f"<h3>{e_(cid)} — {e_(_title(cid, lang))} ({len(es)})</h3><table>")
        parts.append(
            "<tr><th>outcome</th><th>document</th><th>where</th><th>finding</th><th>facts</th></tr>"
        )
        for ex in es:
            where = f"line {ex.line} {ex.transaction}" if ex.line is not None else ex.period
            parts.append(
                f'<tr class="{ex.outcome.name}"><td>{ex.outcome.name}</td><td><code>{e_(ex.document_id)}</code></td>'
                f"<td>{e_(where)}</td><td>{e_(ex.text(lang))}</td><td>{e_(_facts(ex))}</td></tr>"
            )
        parts.append("</table>")
    parts.append("<h2>Rejected lines</h2>")
    if not r.rejected_count:
        parts.append("<p>None.</p>")
    else:
        parts.append("<table><tr><th>line</th><th>field</th><th>reason</th><th>value</th></tr>")
        for rl in r.rejected:
            parts.append(
                f'<tr><td class="n">{rl.line}</td><td><code>{e_(rl.path)}</code></td>'
                f"<td>{e_(rl.reason)}</td><td>{e_(rl.value or '')}</td></tr>"
            )
        parts.append("</table>")
        more = r.rejected_count - len(r.rejected)
        if more > 0:
            parts.append(f"<p>… and {more} more rejected lines (counted, not listed).</p>")
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"
