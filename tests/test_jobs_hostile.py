"""The partitioned replay (``--jobs``) against one process on hostile streams (issue 16,
session 15): whole streams with session 14's mutations and with byte-level ones aimed at where
a share's header readers and the full reader could read a line apart give the one-process
report from ``replay_jobs`` with two and three jobs, or the same error.

The property runs a few streams; ``python bench/fuzz.py --engine jobs --inputs N`` runs the
same code on N streams (session 15 ran 5,300 streams of these mutations and found the goods issue
posted twice: ``tests/test_scaleout.py``).
"""

from __future__ import annotations

import functools
import json
import re
from pathlib import Path
from typing import Any

import attrs
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from salesctl.demo import DEMO_POLICY, DemoError
from salesctl.fastreplay import replay_jobs
from tests.test_fastreplay import _hostile_stream, year_and_ids

#: The byte-level mutations: a key written again with an id of the year (a customer's or a
#: document's key: ``dupid``; any key: ``dupkey``), the copy before or after the original; a
#: character of a string value written as a ``\\u`` escape; the keys of a line reordered (its
#: ``type`` no longer first, or another key first); a blank before a value.
BYTE_KINDS = ("dupkey", "dupid", "escape", "reorder", "space")

_PAIR = re.compile(rb'"([a-z_]+)":("([^"\\]*)"|null|true|false|-?[0-9.]+)')


@functools.lru_cache(maxsize=8)
def hostile_year(seed: int, customers: int, orders: int) -> tuple[tuple[bytes, ...], tuple[str, ...]]:
    """A generated year without its storage readings, and the ids its lines name (what the
    mutations draw from); empty when the generator cannot plant its violations in so small
    a world."""
    try:
        lines, ids = year_and_ids(seed, customers, orders)
    except DemoError:
        return (), ()
    return tuple(lines), tuple(ids)


def byte_mutations(
    data: st.DataObject, lines: list[bytes], ids: tuple[str, ...], most: int = 8
) -> list[bytes]:
    """``lines`` with one to ``most`` of :data:`BYTE_KINDS`, each on a line drawn at random."""
    out = list(lines)
    for _ in range(data.draw(st.integers(1, most))):
        i = data.draw(st.integers(1, len(out) - 2))
        raw = out[i]
        kind = data.draw(st.sampled_from(BYTE_KINDS))
        pairs = list(_PAIR.finditer(raw))
        if kind == "dupid":
            pairs = [m for m in pairs if m.group(1) == b"id" or m.group(1).endswith(b"_id")]
        elif kind == "escape":
            pairs = [m for m in pairs if m.group(3) and len(m.group(3)) > 1]
        if not pairs:
            continue
        m = data.draw(st.sampled_from(pairs))
        if kind in ("dupkey", "dupid"):
            copy = b'"' + m.group(1) + b'":"' + data.draw(st.sampled_from(ids)).encode() + b'"'
            if data.draw(st.booleans()):
                raw = raw[: m.start()] + copy + b"," + raw[m.start() :]
            else:
                raw = raw[: m.end()] + b"," + copy + raw[m.end() :]
        elif kind == "escape":
            text = m.group(3).decode("utf-8", "replace")
            k = data.draw(st.integers(0, len(text) - 1))
            escaped = text[:k] + f"\\u{ord(text[k]):04x}" + text[k + 1 :]
            raw = raw[: m.start(3)] + escaped.encode("utf-8") + raw[m.end(3) :]
        elif kind == "reorder":
            try:
                items = list(json.loads(raw).items())
            except ValueError:
                continue
            k = data.draw(st.integers(0, len(items) - 1))
            if k == 0:
                items.append(items.pop(0))
            else:
                items.insert(0, items.pop(k))
            raw = json.dumps(dict(items), separators=(",", ":"), ensure_ascii=False).encode()
        else:
            raw = raw[: m.start(2)] + b" " + raw[m.start(2) :]
        out[i] = raw
    return out


def hostile_jobs_stream(data: st.DataObject, years: list[tuple[int, int, int]]) -> list[bytes]:
    """A stream for the property and the fuzzer: one of ``years`` (seed, customers, orders)
    with session 14's mutations, the byte-level ones, or both."""
    lines, ids = hostile_year(*data.draw(st.sampled_from(years)))
    if not lines:
        return []
    how = data.draw(st.sampled_from(["session 14", "bytes", "both"]))
    stream = list(lines)
    if how != "bytes":
        stream = _hostile_stream(data, stream, list(ids))
    if how != "session 14":
        stream = byte_mutations(data, stream, ids)
    return stream


def jobs_difference(stream: list[bytes], where: Path) -> str | None:
    """Where ``replay_jobs`` with two and three jobs differs from one job on ``stream``
    (written to ``where``): ``None`` when every report is the one-process report (but for
    ``partitions``) or every run raised the same error."""
    path = where / "events.jsonl"
    path.write_bytes(b"\n".join(stream) + b"\n")
    pol = where / "policy.toml"
    pol.write_text(DEMO_POLICY, encoding="utf-8")

    def run(jobs: int) -> Any:
        try:
            return attrs.evolve(
                replay_jobs(str(path), policy_file=str(pol), jobs=jobs), partitions=1
            )
        except Exception as e:  # the same error either way
            return (type(e).__name__, str(e))

    one = run(1)
    for jobs in (2, 3):
        got = run(jobs)
        if got != one:
            if isinstance(one, tuple) or isinstance(got, tuple):
                return f"--jobs {jobs}: {got!r:.300} against {one!r:.300}"
            a, b = one.to_dict(), got.to_dict()
            keys = [k for k in a if a[k] != b.get(k)]
            return f"--jobs {jobs}: {', '.join(keys)} differ"
    return None


#: The years the property draws from (the fuzzer's, with more seeds).
YEARS = [(11, 4, 16), (5, 12, 40)]


@settings(
    max_examples=3,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_hostile_streams_give_one_report_whatever_the_jobs(
    data: st.DataObject, tmp_path: Path
) -> None:
    """``--jobs 2`` and ``--jobs 3`` give the one-process report on hostile streams."""
    stream = hostile_jobs_stream(data, YEARS)
    assert stream
    assert jobs_difference(stream, tmp_path) is None


def test_byte_mutations_change_lines_as_documented() -> None:
    """Each byte-level kind, drawn once, changes the line as its name says (the fuzzer's
    mutations are what the docs describe)."""
    line = b'{"type":"GrantApproval","at":"2026-01-02T09:00:00+08:00","customer_id":"C-0001"}'

    @settings(max_examples=40, database=None)
    @given(data=st.data())
    def check(data: st.DataObject) -> None:
        out = byte_mutations(data, [b"{}", line, b"{}"], ("C-0002",), most=1)
        got = out[1]
        if got == line:
            return
        if got.count(b'"customer_id"') == 2 or got.count(b'"type"') == 2 or got.count(b'"at"') == 2:
            assert b"C-0002" in got  # a key written again, with an id of the year
        elif b"\\u" in got:
            assert json.loads(got) == json.loads(line)  # an escape reads as the same text
        else:  # reordered, or a blank before a value: the same object
            assert json.loads(got) == json.loads(line)

    check()
