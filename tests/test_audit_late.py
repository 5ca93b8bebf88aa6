"""Issue 16: periods close at a watermark and late events are exceptions of their own; the
report is written piece by piece; the what-if comparison of a proposed policy; the progress
line on a terminal only."""

from __future__ import annotations

import datetime as dt
import io
import itertools
import json
import tracemalloc
from pathlib import Path

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from salesctl.audit import (
    LATE_EVENT,
    AuditException,
    AuditReport,
    compare_reports,
    parse_lateness,
    read_report_jsonl,
    write_report,
)
from salesctl.audit import replay as old_replay
from salesctl.cli import main
from salesctl.decision import Outcome
from salesctl.demo import DEMO_POLICY, generate
from salesctl.errors import InvalidInput
from salesctl.fastreplay import replay
from salesctl.periods import Frequency, Period
from salesctl.policy import loads_policy

POLICY = loads_policy(DEMO_POLICY)
#: The demo policy with the credit-limit re-approval raised from level 3 to level 4.
PROPOSED = DEMO_POLICY.replace('name = "demo seller"', 'name = "demo seller, proposed"').replace(
    "[credit]\n", "[credit]\nlimit_approval_level = 4\n", 1
)
assert PROPOSED.count("limit_approval_level = 4") == 1, "the demo policy has one [credit] table"


@pytest.fixture(scope="module")
def lines() -> list[bytes]:
    demo = generate(seed=3, customers=40, orders=200)
    return [(ln + "\n").encode("utf-8") for ln in demo.lines()]


def _at(raw: bytes) -> dt.datetime | None:
    try:
        return dt.datetime.fromisoformat(json.loads(raw)["at"])
    except (ValueError, KeyError, TypeError):
        return None


def _late(r: AuditReport) -> list[AuditException]:
    return [e for e in r.exceptions if e.control_id == LATE_EVENT]


def _key(e: AuditException) -> tuple[str, str, str]:
    return (e.control_id, e.document_id, e.period)


_KIND = {
    10: Frequency.DAILY,
    7: Frequency.MONTHLY,
    4: Frequency.YEARLY,
}


def _end_of(label: str) -> dt.date:
    """The last day of a period label (``2026-03-12``, ``2026-W10``, ``2026-03``, ``2026-Q1``,
    ``2026``)."""
    if "-W" in label:
        year, week = label.split("-W")
        return dt.date.fromisocalendar(int(year), int(week), 7)
    if "-Q" in label:
        year, q = label.split("-Q")
        return Period.quarter(int(year), int(q)).end
    kind = _KIND[len(label)]
    start = dt.date.fromisoformat(label + "-01-01"[len(label) - 4 :])
    return Period.containing(start, kind).end


class TestDemoInOrder:
    def test_the_demo_writes_its_stream_in_date_order(self, lines: list[bytes]) -> None:
        """No event is dated before a day already written: no out-of-order, no late event."""
        report = replay(lines, POLICY)
        assert report.out_of_order == 0
        assert _late(report) == []
        dates = [a.date() for a in map(_at, lines) if a is not None]
        assert dates == sorted(dates)


@pytest.fixture(scope="module")
def moved(lines: list[bytes]) -> tuple[list[bytes], set[int]]:
    """The stream with March's lines moved to its end, and their new line numbers."""

    def march(raw: bytes) -> bool:
        at = _at(raw)
        return at is not None and at.month == 3

    rest = [ln for ln in lines if not march(ln)]
    moved = [ln for ln in lines if march(ln)]
    return rest + moved, set(range(len(rest) + 1, len(rest) + len(moved) + 1))


class TestMarchAtTheEnd:
    def test_every_moved_event_is_a_late_event_with_line_time_and_closed_period(
        self, moved: tuple[list[bytes], set[int]]
    ) -> None:
        stream, march_lines = moved
        report = replay(stream, POLICY)
        late = _late(report)
        # every March event (the planted malformed line of 3 March is rejected, not an event)
        rejected = {r.line for r in report.rejected}
        assert len(rejected & march_lines) == 1
        assert {e.line for e in late} == march_lines - rejected
        assert report.late_events == len(march_lines) - 1
        for e in late:
            assert e.outcome is Outcome.HOLD and e.at is not None and e.at.month == 3
            assert e.period == "2026-Q1"  # the longest period containing it that had closed
            assert e.transaction and e.document_id
            en, zh = e.text("en"), e.text("zh")
            assert "late event" in en and "2026-Q1" in en and e.at.isoformat() in en
            assert "迟到事件" in zh and "2026-Q1" in zh
        assert "late events" in report.summary()
        assert "LATE-EVENT" in report.to_markdown() and "迟到事件" in report.to_markdown("zh")

    def test_no_exception_is_lost_silently(
        self, lines: list[bytes], moved: tuple[list[bytes], set[int]]
    ) -> None:
        """What the in-order replay found and the moved one does not is explained: a late
        event dated on or before it (its period-end run, or its context, lacked that event)."""
        stream, _ = moved
        before = replay(lines, POLICY)
        after = replay(stream, POLICY)
        late_dates = sorted(e.at.date() for e in _late(after) if e.at is not None)
        found = {_key(e) for e in after.exceptions}
        lost = [e for e in before.exceptions if _key(e) not in found]
        assert lost, "moving March changes the period-end results"
        for e in lost:
            when = e.at.date() if e.at is not None else _end_of(e.period)
            assert late_dates[0] <= when, (e.control_id, e.document_id, e.period)

    def test_both_engines_report_the_same_late_events(
        self, moved: tuple[list[bytes], set[int]]
    ) -> None:
        stream, _ = moved
        assert replay(stream, POLICY) == old_replay(stream, POLICY)

    def test_a_lateness_that_covers_the_delay_reports_nothing_late(
        self, lines: list[bytes]
    ) -> None:
        """A line moved a few hours back is late with no lateness, on time with 1 day."""
        dated = [i for i, ln in enumerate(lines) if _at(ln) is not None]
        one = dt.timedelta(days=1)
        # an event of day D, moved after the first event of day D + 1
        i, k = next(
            (i, k) for i, k in itertools.pairwise(dated) if _day(lines, k) == _day(lines, i) + one
        )
        stream = lines[:i] + lines[i + 1 : k + 1] + [lines[i]] + lines[k + 1 :]
        assert _late(replay(stream, POLICY))
        on_time = replay(stream, POLICY, lateness=dt.timedelta(days=1))
        assert _late(on_time) == [] and on_time.lateness == 86400
        assert on_time == old_replay(stream, POLICY, lateness=dt.timedelta(days=1))


def _day(lines: list[bytes], i: int) -> dt.date:
    at = _at(lines[i])
    return at.date() if at is not None else dt.date.min


class TestShuffledStreams:
    @settings(
        max_examples=25,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(data=st.data())
    def test_late_events_are_exactly_those_after_their_day_closed(
        self, lines: list[bytes], data: st.DataObject
    ) -> None:
        """A window of the stream in a shuffled order, with a lateness: every event whose day
        had closed when it was read is reported, once, with its line; nothing else is; both
        engines agree."""
        start = data.draw(st.integers(0, len(lines) - 80))
        window = lines[start : start + data.draw(st.integers(20, 80))]
        stream = data.draw(st.permutations(window))
        hours = data.draw(st.sampled_from([0, 0, 3, 30]))
        lateness = dt.timedelta(hours=hours)
        report = replay(stream, POLICY, lateness=lateness)
        # the reference: a day closes once an event at or past its end plus the lateness is
        # read; a line the replay rejects (the demo plants malformed lines: a float amount, a
        # cut line) is no event, however readable its "at"
        rejected = {r.line for r in report.rejected}
        assert len(rejected) == report.rejected_count
        expected: set[int] = set()
        first: dt.date | None = None
        frontier: dt.date | None = None
        for n, raw in enumerate(stream, start=1):
            at = _at(raw)
            if at is None or n in rejected:
                continue
            if first is None:
                first = at.date()
            if frontier is not None and frontier > first and at.date() < frontier:
                expected.add(n)
            f = (at - lateness).date()
            frontier = f if frontier is None else max(frontier, f)
        late = _late(report)
        assert sorted(e.line for e in late) == sorted(expected)
        for e in late:
            assert e.at is not None and e.at.date() <= _end_of(e.period)
        assert report == old_replay(stream, POLICY, lateness=lateness)


def test_parse_lateness() -> None:
    assert parse_lateness("0") == dt.timedelta(0)
    assert parse_lateness("90m") == dt.timedelta(minutes=90)
    assert parse_lateness("6h") == dt.timedelta(hours=6)
    assert parse_lateness("1d") == dt.timedelta(days=1)
    assert parse_lateness("45") == dt.timedelta(seconds=45)
    for bad in ("", "-1h", "1.5h", "h", "1w"):
        with pytest.raises(InvalidInput):
            parse_lateness(bad)


# -- bounded report writing -------------------------------------------------------------------


@pytest.fixture(scope="module")
def big(lines: list[bytes]) -> AuditReport:
    """A report with 20,000 exceptions (the year's, many times over, on other lines)."""
    report = replay(lines, POLICY)
    base = report.exceptions
    many = tuple(
        attrs.evolve(e, line=(e.line or 0) + 10**6 * k, document_id=f"{e.document_id}/{k}")
        for k in range(20000 // len(base) + 1)
        for e in base
    )[:20000]
    return attrs.evolve(report, exceptions=many)


@pytest.mark.parametrize("suffix", ["json", "md", "html"])
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_streamed_report_equals_the_whole_text(
    big: AuditReport, tmp_path: Path, suffix: str, lang: str
) -> None:
    whole = {"json": big.to_json, "md": big.to_markdown, "html": big.to_html}[suffix]
    text = whole() if suffix == "json" else whole(lang)  # type: ignore[call-arg]
    path = tmp_path / f"r.{suffix}"
    tracemalloc.start()
    try:
        write_report(big, path, lang)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert path.read_text(encoding="utf-8") == text
    # written piece by piece: far less memory than the text of every exception
    assert peak < len(text.encode("utf-8")) / 4, (peak, len(text))


def test_json_lines_report_reads_back(big: AuditReport, tmp_path: Path) -> None:
    path = tmp_path / "r.jsonl"
    write_report(big, path)
    text = path.read_text(encoding="utf-8").splitlines()
    assert len(text) == 1 + len(big.exceptions)
    assert json.loads(text[0])["exception_count"] == len(big.exceptions)
    assert read_report_jsonl(text) == big
    with pytest.raises(InvalidInput):
        read_report_jsonl(text[:-1])


# -- what-if ----------------------------------------------------------------------------------


class TestComparePolicy:
    def test_a_tighter_credit_limit_approval_level_holds_the_approved_orders(
        self, lines: list[bytes]
    ) -> None:
        current = replay(lines, POLICY)
        proposed = replay(lines, loads_policy(PROPOSED))
        c = compare_reports(current, proposed)
        cr04 = c.by_control()["O2C-CR-04"]
        assert cr04 and all(x.change == "ALLOW → HOLD" for x in cr04)
        assert all(x.roles == ("credit_manager",) and x.line for x in cr04)
        assert c.required_approvals()["O2C-CR-04"] == {"credit_manager": len(cr04)}
        # each is an order the policy in force let through with a level-3 approval
        approved = current.tallies["O2C-CR-04"].approved
        assert len(cr04) <= approved
        assert c.current_name == "demo seller" and c.proposed_name == "demo seller, proposed"
        assert "O2C-CR-04" in c.to_markdown() and "信用" in c.to_markdown("zh")
        assert json.loads(c.to_json())["summary"]["O2C-CR-04"] == {"ALLOW → HOLD": len(cr04)}

    def test_the_same_policy_changes_nothing(self, lines: list[bytes]) -> None:
        r = replay(lines, POLICY)
        assert compare_reports(r, r).changes == ()

    def test_the_command(self, lines: list[bytes], tmp_path: Path) -> None:
        events = tmp_path / "events.jsonl"
        events.write_bytes(b"".join(lines))
        pol, prop = tmp_path / "policy.toml", tmp_path / "proposed.toml"
        pol.write_text(DEMO_POLICY, encoding="utf-8")
        prop.write_text(PROPOSED, encoding="utf-8")
        out = io.StringIO()
        base = ["audit", str(events), "--policy", str(pol), "--allow-rejected"]
        code = main(
            [
                *base,
                "--output",
                str(tmp_path / "r.jsonl"),
                "--compare-policy",
                str(prop),
                "--compare-report",
                str(tmp_path / "cmp.json"),
                "--json",
            ],
            out=out,
            err=io.StringIO(),
        )
        assert code == 2
        summary = json.loads(out.getvalue())
        assert summary["comparison"]["by_control"]["O2C-CR-04"]["ALLOW → HOLD"] >= 1
        assert "credit_manager" in summary["comparison"]["required_approvals"]["O2C-CR-04"]
        saved = json.loads((tmp_path / "cmp.json").read_text(encoding="utf-8"))
        assert saved["changes"] and saved["proposed_name"] == "demo seller, proposed"
        assert read_report_jsonl((tmp_path / "r.jsonl").read_text("utf-8").splitlines())
        out = io.StringIO()
        main([*base, "--report", str(tmp_path / "r.md"), "--compare-policy", str(prop)], out=out)
        assert "what-if:" in out.getvalue() and "O2C-CR-04: ALLOW → HOLD" in out.getvalue()
        err = io.StringIO()
        assert main([*base, "--compare-policy", str(tmp_path / "none.toml")], err=err) == 3
        assert main([*base, "--compare-report", str(tmp_path / "c.md")], err=err) == 3
        assert main([*base, "--lateness", "soon"], err=err) == 3

    def test_the_command_in_two_jobs_compares_the_same(
        self, lines: list[bytes], tmp_path: Path
    ) -> None:
        """--compare-policy replays the proposal the way the audit ran (here --jobs 2): the
        comparison equals the one-process comparison."""
        events = tmp_path / "events.jsonl"
        events.write_bytes(b"".join(lines))
        pol, prop = tmp_path / "policy.toml", tmp_path / "proposed.toml"
        pol.write_text(DEMO_POLICY, encoding="utf-8")
        prop.write_text(PROPOSED, encoding="utf-8")
        base = ["audit", str(events), "--policy", str(pol), "--allow-rejected"]
        saved = []
        for jobs in ("1", "2"):
            cmp = tmp_path / f"cmp-{jobs}.json"
            args = [*base, "--jobs", jobs, "--compare-policy", str(prop), "--compare-report"]
            assert main([*args, str(cmp)], out=io.StringIO(), err=io.StringIO()) == 2
            saved.append(json.loads(cmp.read_text(encoding="utf-8")))
        assert saved[0]["changes"] and saved[0] == saved[1]


# -- progress ---------------------------------------------------------------------------------


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_lines_only_on_a_terminal(tmp_path: Path) -> None:
    """``audit`` and ``demo`` draw a progress line with rate and ETA on a terminal, and
    nothing on a pipe or file."""
    for err, drawn in ((_Terminal(), True), (io.StringIO(), False)):
        d = tmp_path / f"demo-{drawn}"
        args = ["demo", str(d), "--customers", "6", "--orders", "30", "--seed", "2"]
        assert main(args, out=io.StringIO(), err=err) == 0
        text = err.getvalue()
        assert (("ETA" in text) and ("events/s" in text) and ("\r" in text)) is drawn
        err2 = _Terminal() if drawn else io.StringIO()
        code = main(
            [
                "audit",
                str(d / "events.jsonl"),
                "--policy",
                str(d / "policy.toml"),
                "--allow-rejected",
                "--report",
                str(d / "r.json"),
            ],
            out=io.StringIO(),
            err=err2,
        )
        assert code in (0, 1, 2)
        text = err2.getvalue()
        assert (("ETA" in text) and ("MB/s" in text) and ("100%" in text)) is drawn
