"""What the audit report shows, once, for every format: the report as a sequence of blocks.

:func:`blocks` turns an :class:`~salesctl.audit.AuditReport` into headings, key/value tables,
tables, paragraphs and charts, every label in ``"zh"`` or ``"en"``; :func:`markdown` and
:func:`html_page` only lay those blocks out. Markdown and HTML therefore carry the same
content (a chart is an inline SVG in HTML and the table of its numbers in Markdown, which the
HTML shows too), and a label or a section changes in one place.

The charts are inline SVG drawn here (no plotting dependency): exceptions by month (HOLD and
BLOCK stacked), exceptions by control, open receivables by days past due at the last month
end, and the population by event type. Exceptions are listed by severity (a control with a
BLOCK first), key controls first, each control's BLOCKs before its HOLDs.
"""

from __future__ import annotations

import contextlib
import html
import itertools
import re
from collections.abc import Iterable, Iterator, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from attrs import field, frozen

from salesctl._validators import tuple_conv
from salesctl.audit.clock import LATE_EVENT
from salesctl.controls import CONTROLS
from salesctl.decision import Outcome
from salesctl.wording import fact_label, param_text

__all__ = [
    "LABELS",
    "ROWS_PER_BLOCK",
    "Block",
    "blocks",
    "html_page",
    "iter_blocks",
    "iter_html",
    "iter_markdown",
    "markdown",
]

#: Every label of the report: ``key -> (zh, en)``.
LABELS: dict[str, tuple[str, str]] = {
    "title": ("审计重演例外报告", "Audit replay: exceptions report"),
    "source": ("数据源", "source"),
    "sha": ("SHA-256", "SHA-256"),
    "period": ("期间", "period"),
    "lines": ("读取行数", "lines read"),
    "population": ("总体（事件数）", "population (events)"),
    "transactions": ("判定交易数", "transactions decided"),
    "rejected_count": ("拒收行数", "rejected lines"),
    "exceptions_n": ("例外数", "exceptions"),
    "policy": ("策略", "policy"),
    "catalogue": ("控制目录", "catalogue"),
    "partitions": ("分区数", "partitions"),
    "runs": ("检查性控制运行次数", "detective runs"),
    "charts": ("图表", "Charts"),
    "by_month": ("按月份的例外", "Exceptions by month"),
    "by_control": ("按控制的例外", "Exceptions by control"),
    "aging": ("应收账款账龄", "Receivables ageing"),
    "by_type": ("按事件类型的总体", "Population by event type"),
    "month": ("月份", "month"),
    "control": ("控制", "control"),
    "bucket": ("逾期天数", "days past due"),
    "amount": ("未收金额", "open amount"),
    "type": ("事件类型", "event type"),
    "events": ("事件数", "events"),
    "unfolded": (
        "账簿不折叠的事件类型（已判定，但不改变状态）",
        "Event types the ledger does not fold (decided, but they change no state)",
    ),
    "out_of_order": (
        "早于已到达业务日期的事件",
        "Events dated before the business date already reached",
    ),
    "lateness": ("允许迟到时长", "allowed lateness"),
    "late_events": ("迟到事件", "late events"),
    "late_title": (
        "迟到事件（所属期间关闭后才读到，期末检查性控制未包含）",
        "Late events (read after their period had closed; its period-end controls ran without "
        "them)",
    ),
    "controls": ("控制测试结果", "Controls"),
    "kind": ("类型", "kind"),
    "name": ("名称", "title"),
    "key": ("关键", "key"),
    "tested": ("测试", "tested"),
    "passed": ("通过", "passed"),
    "approved": ("其中凭审批", "of which approved"),
    "held": ("挂起", "held"),
    "blocked": ("阻止", "blocked"),
    "tested_note": (
        "预防性控制按判定的交易计数；检查性控制按各期间运行检查的全部项目计数（如每月账龄分析中的"
        "每笔未收应收账款、每份客户信用档案），不只计需要处理的项目，同一项目每次运行各计一次。"
        "挂起和阻止按交易（或项目）计数，与下方各控制的标题一致。",
        "Preventive controls count the transactions decided; detective controls every item their "
        "periodic runs examined (each open receivable aged at a month end, each credit file "
        "reviewed), not only those due for action, an item once per run. Held and blocked count "
        "transactions (or items), as the headings of the exceptions below do.",
    ),
    "exceptions": ("例外", "Exceptions"),
    "order_note": (
        "按严重程度排列（有阻止的控制在前），关键控制在前；每个控制内阻止在前、挂起在后。",
        "By severity (controls with a BLOCK first), key controls first; within a control, BLOCKs "
        "before HOLDs.",
    ),
    "outcome": ("结论", "outcome"),
    "document": ("单据", "document"),
    "where": ("位置", "where"),
    "finding": ("发现", "finding"),
    "facts": ("事实", "facts"),
    "rejected": ("拒收行", "Rejected lines"),
    "line": ("行", "line"),
    "field": ("字段", "field"),
    "reason": ("原因", "reason"),
    "value": ("值", "value"),
    "none": ("无。", "None."),
    "incomplete": ("不完整", "incomplete"),
    "HOLD": ("挂起", "HOLD"),
    "BLOCK": ("阻止", "BLOCK"),
    "P": ("预防", "P"),
    "D": ("检查", "D"),
    "P+D": ("预防+检查", "P+D"),
    "yes": ("★", "★"),
}

_BUCKETS: dict[str, tuple[str, str]] = {
    "current": ("未到期", "not yet due"),
    "1-30": ("1–30 天", "1–30 days"),
    "31-90": ("31–90 天", "31–90 days"),
    "91-180": ("91–180 天", "91–180 days"),
    "181+": ("180 天以上", "over 180 days"),
}


def _l(key: str, lang: str) -> str:
    pair = LABELS[key]
    return pair[0] if lang == "zh" else pair[1]


@frozen
class Block:
    """One block of the report.

    Attributes:
        kind: ``"h1"``, ``"h2"``, ``"h3"``, ``"note"``, ``"p"``, ``"kv"``, ``"table"`` or
            ``"chart"``.
        text: the heading or paragraph text (the chart's title).
        head: table header cells.
        rows: table rows (text cells).
        numeric: the indexes of right-aligned (number) columns.
        code: the indexes of columns shown as code (ids, hashes) that never wrap.
        row_class: a CSS class per row (``"HOLD"``, ``"BLOCK"``), or empty.
        svg: the chart (HTML only).
        anchor: the HTML id of a heading.
        cont: the rows continue the table of the block before (no header is laid out).
        more: the table goes on in the next block (it is not closed).
    """

    kind: str
    text: str = ""
    head: tuple[str, ...] = field(default=(), converter=tuple_conv)
    rows: tuple[tuple[str, ...], ...] = field(default=(), converter=tuple_conv)
    numeric: frozenset[int] = frozenset()
    code: frozenset[int] = frozenset()
    row_class: tuple[str, ...] = field(default=(), converter=tuple_conv)
    svg: str = ""
    anchor: str = ""
    cont: bool = False
    more: bool = False


#: The most exception rows one block holds (a long table comes as several blocks).
ROWS_PER_BLOCK = 256


def _lateness(seconds: int, lang: str) -> str:
    """``6 h``, ``90 min``, ``0``: the allowed lateness for the reader."""
    for unit, zh, en in ((86400, "天", "d"), (3600, "小时", "h"), (60, "分钟", "min")):
        if seconds and seconds % unit == 0:
            n = seconds // unit
            return f"{n} {zh}" if lang == "zh" else f"{n} {en}"
    if not seconds:
        return "0"
    return f"{seconds} 秒" if lang == "zh" else f"{seconds} s"


def _title(cid: str, lang: str) -> str:
    if cid == LATE_EVENT:
        return _l("late_title", lang)
    c = CONTROLS.get(cid)
    return c.title(lang) if c is not None else cid


def _kind(cid: str) -> str:
    c = CONTROLS.get(cid)
    if c is None:
        return "?"
    detective = getattr(c, "detect", None) is not None
    preventive = c.check is not None
    return "P+D" if detective and preventive else ("D" if detective else "P")


def _key(cid: str) -> bool:
    c = CONTROLS.get(cid)
    return bool(c is not None and c.key)


def _facts(e: Any, lang: str) -> str:
    """The facts as the reader's language reads them (role and term ids in words, through
    :func:`~salesctl.wording.param_text`); the stored facts are not changed."""
    sep, colon = ("；", "：") if lang == "zh" else ("; ", ": ")
    return sep.join(f"{fact_label(k, lang)}{colon}{param_text(v, lang)}" for k, v in e.facts)


def _where(e: Any, lang: str) -> str:
    if e.line is not None:
        return (
            f"第 {e.line} 行 {e.transaction}" if lang == "zh" else f"line {e.line} {e.transaction}"
        )
    return str(e.period)


def _month(e: Any) -> str:
    if e.at is not None:
        return str(e.at.date().isoformat()[:7])
    m = re.match(r"^(\d{4}-\d{2})", e.period or "")
    return m.group(1) if m else ""


# -- charts -------------------------------------------------------------------------------------

_HOLD_COLOUR = "#e0a800"
_BLOCK_COLOUR = "#c0392b"
_BAR_COLOUR = "#2c6fbb"


def _esc(s: str) -> str:
    return html.escape(s, quote=True)


def _hbars(items: Sequence[tuple[str, float, str]], title: str, lang: str = "en") -> str:
    """Horizontal bars: ``(label, value, shown value)``; the SVG scales to its container."""
    colon = "：" if lang == "zh" else ": "
    if not items:
        return ""
    width, label_w, row_h = 720, 250, 22
    top = 8
    height = top + row_h * len(items) + 8
    most = max(v for _l, v, _s in items) or 1.0
    span = width - label_w - 110
    out = [
        f'<svg class="chart" role="img" aria-label="{_esc(title)}" viewBox="0 0 {width} {height}" '
        f'width="100%" style="max-width:{width}px" xmlns="http://www.w3.org/2000/svg">'
    ]
    for i, (label, value, shown) in enumerate(items):
        y = top + i * row_h
        w = max(1.0, span * value / most) if value else 0.0
        out.append(
            f'<text x="{label_w - 6}" y="{y + 15}" text-anchor="end" font-size="12">{_esc(label)}</text>'
            f'<rect class="bar" x="{label_w}" y="{y + 3}" width="{w:.1f}" height="{row_h - 6}" '
            f'fill="{_BAR_COLOUR}"><title>{_esc(label)}{colon}{_esc(shown)}</title></rect>'
            f'<text x="{label_w + w + 6:.1f}" y="{y + 15}" font-size="12">{_esc(shown)}</text>'
        )
    out.append("</svg>")
    return "".join(out)


def _months_chart(months: Sequence[tuple[str, int, int]], title: str, lang: str) -> str:
    """Vertical bars per month, HOLD and BLOCK stacked, with a legend."""
    if not months:
        return ""
    colon = "：" if lang == "zh" else ": "
    width, height, left, bottom, top = 720, 240, 40, 40, 30
    span_w = width - left - 10
    bw = span_w / len(months)
    most = max(h + b for _m, h, b in months) or 1
    plot_h = height - top - bottom
    out = [
        f'<svg class="chart" role="img" aria-label="{_esc(title)}" viewBox="0 0 {width} {height}" '
        f'width="100%" style="max-width:{width}px" xmlns="http://www.w3.org/2000/svg">',
        f'<rect x="{left}" y="6" width="12" height="12" fill="{_BLOCK_COLOUR}"/>'
        f'<text x="{left + 16}" y="16" font-size="12">{_esc(_l("BLOCK", lang))}</text>'
        f'<rect x="{left + 90}" y="6" width="12" height="12" fill="{_HOLD_COLOUR}"/>'
        f'<text x="{left + 106}" y="16" font-size="12">{_esc(_l("HOLD", lang))}</text>',
        f'<line x1="{left}" y1="{height - bottom}" x2="{width - 10}" y2="{height - bottom}" '
        'stroke="#888"/>',
    ]
    for i, (month, hold, block) in enumerate(months):
        x = left + i * bw + bw * 0.15
        w = bw * 0.7
        hb = plot_h * block / most
        hh = plot_h * hold / most
        y0 = height - bottom
        out.append(
            f'<rect class="bar" x="{x:.1f}" y="{y0 - hb:.1f}" width="{w:.1f}" height="{hb:.1f}" '
            f'fill="{_BLOCK_COLOUR}"><title>{month}{colon}{block}</title></rect>'
            f'<rect class="bar" x="{x:.1f}" y="{y0 - hb - hh:.1f}" width="{w:.1f}" '
            f'height="{hh:.1f}" fill="{_HOLD_COLOUR}"><title>{month}{colon}{hold}</title></rect>'
            f'<text x="{x + w / 2:.1f}" y="{y0 - hb - hh - 4:.1f}" text-anchor="middle" '
            f'font-size="11">{hold + block}</text>'
            f'<text x="{x + w / 2:.1f}" y="{y0 + 14}" text-anchor="middle" font-size="11">'
            f"{_esc(month[5:] if len(months) > 1 else month)}</text>"
        )
    out.append("</svg>")
    return "".join(out)


def _amount(text: str) -> float:
    """The number of a money text (the first currency's, ``"0"`` for none), for bar lengths."""
    try:
        return float(Decimal(text.split(";")[0].split()[0]))
    except (InvalidOperation, IndexError, ValueError):
        return 0.0


def _grouped(text: str) -> str:
    """``"3797583.00 CNY"`` -> ``"3,797,583.00 CNY"`` (each part of a ``"; "`` list)."""
    parts = []
    for part in text.split("; "):
        bits = part.split()
        with contextlib.suppress(InvalidOperation, IndexError):
            bits[0] = f"{Decimal(bits[0]):,}"
        parts.append(" ".join(bits))
    return "; ".join(parts)


# -- the blocks -------------------------------------------------------------------------------


def _severity(es: Sequence[Any]) -> int:
    return 2 if any(e.outcome is Outcome.BLOCK for e in es) else 1


def blocks(r: Any, lang: str) -> tuple[Block, ...]:
    """The report ``r`` (an :class:`~salesctl.audit.AuditReport`) as blocks in ``lang``."""
    return tuple(iter_blocks(r, lang))


def iter_blocks(r: Any, lang: str) -> Iterator[Block]:
    """The blocks of :func:`blocks`, one at a time: each control's exceptions come as tables of
    at most :data:`ROWS_PER_BLOCK` rows (``more``: the table goes on in the next block), so a
    writer that lays them out as they come holds one such block of text at a time."""
    zh = lang == "zh"
    out: list[Block] = [Block("h1", _l("title", lang))]
    if r.incomplete:
        note = (
            f"重演在第 {r.lines} 行后中止；以下数字只覆盖第 1 至 {r.lines} 行，期末检查性控制未全部运行。"
            if zh
            else f"the replay stopped after line {r.lines}; the figures below cover lines 1 to "
            f"{r.lines} only, and the period-end detective controls did not all run."
        )
        colon = "：" if zh else ": "
        out.append(Block("note", f"{_l('incomplete', lang)}{colon}{r.incomplete}", head=(note,)))
    span = (
        f"{r.first_at.isoformat()} … {r.last_at.isoformat()}"
        if r.first_at is not None and r.last_at is not None
        else "-"
    )
    kv = [
        (_l("source", lang), r.source),
        (_l("sha", lang), r.source_sha256),
        (_l("period", lang), span),
        (_l("lines", lang), str(r.lines)),
        (_l("population", lang), str(r.population)),
        (_l("transactions", lang), str(r.transactions)),
        (_l("rejected_count", lang), str(r.rejected_count)),
        (_l("exceptions_n", lang), str(len(r.exceptions))),
        (_l("policy", lang), f"{r.policy_name} — {r.policy_fingerprint}"),
        (_l("catalogue", lang), r.catalogue_fingerprint),
        (_l("lateness", lang), _lateness(r.lateness, lang)),
    ]
    late = sum(1 for e in r.exceptions if e.control_id == LATE_EVENT)
    if late:
        kv.append((_l("late_events", lang), str(late)))
    if r.partitions > 1:
        kv.append((_l("partitions", lang), str(r.partitions)))
    if r.periods:
        runs = "、" if zh else ", "
        kv.append(
            (
                _l("runs", lang),
                runs.join(f"{_freq(k, lang)} {v}" for k, v in r.periods.items()),
            )
        )
    out.append(Block("kv", rows=kv, code=frozenset({1})))

    # charts
    out.append(Block("h2", _l("charts", lang), anchor="charts"))
    by_control: dict[str, list[Any]] = {}
    for e in r.exceptions:
        by_control.setdefault(e.control_id, []).append(e)
    months: dict[str, list[int]] = {}
    for e in r.exceptions:
        m = _month(e)
        if m:
            row = months.setdefault(m, [0, 0])
            row[0 if e.outcome is Outcome.HOLD else 1] += 1
    month_rows = sorted((m, h, b) for m, (h, b) in months.items())
    out.append(
        Block(
            "chart",
            _l("by_month", lang),
            head=(_l("month", lang), _l("HOLD", lang), _l("BLOCK", lang)),
            rows=[(m, str(h), str(b)) for m, h, b in month_rows],
            numeric=frozenset({1, 2}),
            svg=_months_chart(month_rows, _l("by_month", lang), lang),
            anchor="chart-month",
        )
    )
    ctl_rows = sorted(
        ((cid, len(es)) for cid, es in by_control.items()), key=lambda x: (-x[1], x[0])
    )
    out.append(
        Block(
            "chart",
            _l("by_control", lang),
            head=(_l("control", lang), _l("exceptions_n", lang)),
            rows=[(cid, str(n)) for cid, n in ctl_rows],
            numeric=frozenset({1}),
            code=frozenset({0}),
            svg=_hbars(
                [(cid, float(n), str(n)) for cid, n in ctl_rows], _l("by_control", lang), lang
            ),
            anchor="chart-control",
        )
    )
    if r.aging:
        head_text = _l("aging", lang) + (f"（{r.aging_on}）" if zh else f" ({r.aging_on})")
        aging_rows = [
            (pick2(_BUCKETS.get(k, (k, k)), lang), _grouped(v)) for k, v in r.aging.items()
        ]
        out.append(
            Block(
                "chart",
                head_text,
                head=(_l("bucket", lang), _l("amount", lang)),
                rows=aging_rows,
                numeric=frozenset({1}),
                svg=_hbars(
                    [
                        (pick2(_BUCKETS.get(k, (k, k)), lang), _amount(v), _grouped(v))
                        for k, v in r.aging.items()
                    ],
                    head_text,
                    lang,
                ),
                anchor="chart-aging",
            )
        )
    type_rows = sorted(r.events.items(), key=lambda kv: (-kv[1], kv[0]))
    out.append(
        Block(
            "chart",
            _l("by_type", lang),
            head=(_l("type", lang), _l("events", lang)),
            rows=[(k, str(v)) for k, v in type_rows],
            numeric=frozenset({1}),
            code=frozenset({0}),
            svg=_hbars([(k, float(v), str(v)) for k, v in type_rows], _l("by_type", lang), lang),
            anchor="chart-types",
        )
    )
    if r.unfolded:
        sep = "、" if zh else ", "
        colon = "：" if zh else ": "
        out.append(
            Block(
                "p",
                _l("unfolded", lang)
                + colon
                + sep.join(
                    f"{k} ({v})" if not zh else f"{k}（{v}）" for k, v in r.unfolded.items()
                ),
            )
        )
    if r.out_of_order:
        out.append(
            Block("p", _l("out_of_order", lang) + ("：" if zh else ": ") + str(r.out_of_order))
        )

    # the controls table
    out.append(Block("h2", _l("controls", lang), anchor="controls"))
    out.append(Block("p", _l("tested_note", lang)))
    out.append(
        Block(
            "table",
            head=tuple(
                _l(k, lang)
                for k in (
                    "control",
                    "key",
                    "kind",
                    "name",
                    "tested",
                    "passed",
                    "approved",
                    "held",
                    "blocked",
                )
            ),
            rows=[
                (
                    cid,
                    "★" if _key(cid) else "",
                    _l(_kind(cid), lang) if _kind(cid) in LABELS else _kind(cid),
                    _title(cid, lang),
                    str(t.tested),
                    str(t.passed),
                    str(t.approved),
                    str(t.held),
                    str(t.blocked),
                )
                for cid, t in r.tallies.items()
            ],
            numeric=frozenset({4, 5, 6, 7, 8}),
            code=frozenset({0}),
        )
    )

    # exceptions, by severity, key controls first
    out.append(Block("h2", _l("exceptions", lang), anchor="exceptions"))
    if not by_control:
        out.append(Block("p", _l("none", lang)))
    else:
        out.append(Block("p", _l("order_note", lang)))
    yield from out
    out.clear()
    order = sorted(by_control, key=lambda c: (-_severity(by_control[c]), not _key(c), c))
    for cid in order:
        es = sorted(by_control[cid], key=lambda e: (e.outcome is not Outcome.BLOCK, e.sort_key))
        t = r.tallies.get(cid)
        items = (t.held + t.blocked) if t is not None else len({e.document_id for e in es})
        unit_zh = "个项目" if _kind(cid) == "D" else "笔交易"
        unit_en = "items" if _kind(cid) == "D" else "transactions"
        if cid == LATE_EVENT:
            unit_zh, unit_en = "个事件", "events"
            items = len(es)
        count = (
            f"{items} {unit_zh}，{len(es)} 项发现"
            if zh
            else f"{items} {unit_en}, {len(es)} findings"
        )
        star = " ★" if _key(cid) else ""
        yield Block(
            "h3",
            f"{cid}{star} — {_title(cid, lang)}" + (f"（{count}）" if zh else f" ({count})"),
            anchor=cid,
        )
        head = tuple(_l(k, lang) for k in ("outcome", "document", "where", "finding", "facts"))
        for i in range(0, len(es), ROWS_PER_BLOCK):
            part = es[i : i + ROWS_PER_BLOCK]
            yield Block(
                "table",
                head=head,
                rows=[
                    (
                        _l(e.outcome.name, lang),
                        e.document_id,
                        _where(e, lang),
                        e.text(lang),
                        _facts(e, lang),
                    )
                    for e in part
                ],
                code=frozenset({1}),
                row_class=[e.outcome.name for e in part],
                cont=i > 0,
                more=i + ROWS_PER_BLOCK < len(es),
            )

    # rejected lines
    out.append(Block("h2", _l("rejected", lang), anchor="rejected"))
    if not r.rejected_count:
        out.append(Block("p", _l("none", lang)))
    else:
        out.append(
            Block(
                "table",
                head=tuple(_l(k, lang) for k in ("line", "field", "reason", "value")),
                rows=[(str(x.line), x.path, x.reason, x.value or "") for x in r.rejected],
                numeric=frozenset({0}),
                code=frozenset({1}),
            )
        )
        more = r.rejected_count - len(r.rejected)
        if more > 0:
            out.append(
                Block(
                    "p",
                    f"另有 {more} 个拒收行（已计入上方数字，未逐一列出）。"
                    if zh
                    else f"… and {more} more rejected lines (counted above, not listed).",
                )
            )
    yield from out


def pick2(pair: tuple[str, str], lang: str) -> str:
    """The zh or en half of a pair."""
    return pair[0] if lang == "zh" else pair[1]


_FREQ: dict[str, tuple[str, str]] = {
    "daily": ("每日", "daily"),
    "weekly": ("每周", "weekly"),
    "monthly": ("每月", "monthly"),
    "quarterly": ("每季", "quarterly"),
    "yearly": ("每年", "yearly"),
}


def _freq(kind: str, lang: str) -> str:
    return pick2(_FREQ.get(kind, (kind, kind)), lang)


# -- layouts -------------------------------------------------------------------------------------


def _md_cell(s: str) -> str:
    return s.replace("|", "\\|").replace("\n", " ")


def _md_table(head: Sequence[str], rows: Sequence[Sequence[str]], b: Block) -> list[str]:
    out = []
    if not b.cont:
        out.append("| " + " | ".join(_md_cell(h) for h in head) + " |")
        out.append("|" + "".join("---:|" if i in b.numeric else "---|" for i in range(len(head))))
    for row in rows:
        cells = [
            f"`{_md_cell(c)}`" if (i in b.code and c) else _md_cell(c) for i, c in enumerate(row)
        ]
        out.append("| " + " | ".join(cells) + " |")
    return out


def markdown(bs: Iterable[Block], lang: str = "en") -> str:
    """The blocks as Markdown."""
    return "".join(iter_markdown(bs, lang))


def iter_markdown(bs: Iterable[Block], lang: str = "en") -> Iterator[str]:
    """The Markdown of :func:`markdown`, in pieces as the blocks come (one block's text at a
    time; the blank lines at the end are left out, as :func:`markdown` strips them)."""
    blank = 0
    started = False
    for b in bs:
        for ln in _md_lines(b, lang):
            if not ln:
                blank += 1
                continue
            if blank:
                yield "\n" * blank
            blank = 0
            started = True
            yield ln + "\n"
    if not started:
        yield "\n"


def _md_lines(b: Block, lang: str) -> list[str]:
    """The Markdown lines of one block."""
    out: list[str] = []
    if b.kind == "h1":
        out += [f"# {b.text}", ""]
    elif b.kind == "h2":
        out += [f"## {b.text}", ""]
    elif b.kind == "h3":
        out += [f"### {b.text}", ""]
    elif b.kind == "note":
        out += [f"**{b.text}** — {b.head[0]}", ""]
    elif b.kind == "p":
        out += [b.text, ""]
    elif b.kind == "kv":
        out += ["| | |", "|---|---|"]
        out += [
            f"| {_md_cell(k)} | " + (f"`{_md_cell(v)}`" if 1 in b.code else _md_cell(v)) + " |"
            for k, v in b.rows
        ]
        out.append("")
    elif b.kind in ("table", "chart"):
        if b.kind == "chart":
            out += [f"### {b.text}", ""]
        if b.rows:
            out += _md_table(b.head, b.rows, b)
        else:
            out.append(_l("none", lang))
        if not b.more:
            out.append("")
    return out


_CSS = """
*{box-sizing:border-box}
body{font:14px/1.5 system-ui,"Noto Sans CJK SC","Noto Sans SC","PingFang SC","Microsoft YaHei",sans-serif;
margin:0;color:#222;background:#fff}
main{max-width:1200px;margin:0 auto;padding:1.5em 2em}
.scroll{overflow-x:auto;max-width:100%}
table{border-collapse:collapse;margin:.5em 0 1.5em}
td,th{border:1px solid #ccc;padding:.25em .5em;vertical-align:top;text-align:left;overflow-wrap:anywhere}
th{background:#f4f6f8}
td.n,th.n{text-align:right;white-space:nowrap}
td.c{white-space:nowrap;font-family:ui-monospace,monospace;font-size:12px}
td.kv{font-family:ui-monospace,monospace;font-size:12px;overflow-wrap:anywhere}
.incomplete{background:#fde0de;padding:.5em}
tr.HOLD td{background:#fff4d6}tr.BLOCK td{background:#fde0de}
figure{margin:0 0 1.5em}figcaption{font-weight:600;margin:.3em 0}
svg.chart{display:block;height:auto}
details{margin:.3em 0 1em}
"""


def _html_table(b: Block) -> str:
    e_ = html.escape
    parts = [] if b.cont else ['<div class="scroll"><table>']
    if b.head and not b.cont:
        parts.append(
            "<tr>"
            + "".join(
                f'<th class="n">{e_(h)}</th>' if i in b.numeric else f"<th>{e_(h)}</th>"
                for i, h in enumerate(b.head)
            )
            + "</tr>"
        )
    for j, row in enumerate(b.rows):
        cls = b.row_class[j] if j < len(b.row_class) else ""
        cells = []
        for i, c in enumerate(row):
            klass = "n" if i in b.numeric else ("c" if i in b.code else "")
            cells.append(f'<td class="{klass}">{e_(c)}</td>' if klass else f"<td>{e_(c)}</td>")
        parts.append((f'<tr class="{cls}">' if cls else "<tr>") + "".join(cells) + "</tr>")
    if not b.more:
        parts.append("</table></div>")
    return "".join(parts)


def html_page(bs: Iterable[Block], lang: str) -> str:
    """The blocks as a standalone HTML page (inline CSS and SVG, nothing fetched)."""
    return "".join(iter_html(bs, lang))


def iter_html(bs: Iterable[Block], lang: str) -> Iterator[str]:
    """The page of :func:`html_page`, in pieces as the blocks come (the title is the first
    block's when it is a heading ``h1``, as the report's is)."""
    e_ = html.escape
    it = iter(bs)
    first = next(it, None)
    title = first.text if first is not None and first.kind == "h1" else ""
    head = [
        "<!doctype html>",
        f'<html lang="{"zh-CN" if lang == "zh" else "en"}"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{e_(title)}</title><style>{_CSS}</style></head><body><main>",
    ]
    yield "\n".join(head) + "\n"
    for b in itertools.chain((first,) if first is not None else (), it):
        parts: list[str] = []
        anchor = f' id="{e_(b.anchor)}"' if b.anchor else ""
        if b.kind in ("h1", "h2", "h3"):
            parts.append(f"<{b.kind}{anchor}>{e_(b.text)}</{b.kind}>")
        elif b.kind == "note":
            parts.append(
                f'<p class="incomplete"><strong>{e_(b.text)}</strong> — {e_(b.head[0])}</p>'
            )
        elif b.kind == "p":
            parts.append(f"<p>{e_(b.text)}</p>")
        elif b.kind == "kv":
            parts.append('<div class="scroll"><table>')
            parts += [f'<tr><th>{e_(k)}</th><td class="kv">{e_(v)}</td></tr>' for k, v in b.rows]
            parts.append("</table></div>")
        elif b.kind == "table":
            parts.append(_html_table(b))
        elif b.kind == "chart":
            parts.append(f"<figure{anchor}><figcaption>{e_(b.text)}</figcaption>")
            parts.append(b.svg or f"<p>{e_(LABELS['none'][0 if lang == 'zh' else 1])}</p>")
            if b.rows:
                parts.append(f"<details><summary>{e_(b.text)}</summary>{_html_table(b)}</details>")
            parts.append("</figure>")
        if parts:
            yield "\n".join(parts) + "\n"
    yield "</main></body></html>\n"
