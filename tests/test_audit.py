"""The audit replay: every planted violation found under its control, nothing on the clean part."""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from salesctl.audit import AuditReport, merge_reports, replay, replay_partitioned
from salesctl.cli import main
from salesctl.controls import CONTROLS
from salesctl.decision import Outcome
from salesctl.demo import DEMO_POLICY, INJECTORS, Demo, Manifest, generate
from salesctl.errors import InvalidInput
from salesctl.events import PublishPrice, event_to_dict
from salesctl.model import PriceEntry
from salesctl.policy import loads_policy
from tests import builders as b

POLICY = loads_policy(DEMO_POLICY)


@pytest.fixture(scope="module")
def year() -> Demo:
    return generate(seed=5, customers=30, orders=400)


@pytest.fixture(scope="module")
def report(year: Demo) -> AuditReport:
    return replay(list(year.lines()), POLICY, source="year.jsonl")


def _found(report: AuditReport) -> dict[str, set[str]]:
    out: dict[str, set[str]] = defaultdict(set)
    for e in report.exceptions:
        out[e.control_id].add(e.document_id)
    return dict(out)


class TestPlantedViolations:
    def test_every_planted_violation_is_reported_and_nothing_else(
        self, year: Demo, report: AuditReport
    ) -> None:
        """Per control, the documents with exceptions are exactly the ones planted."""
        expected = {k: set(v) for k, v in year.manifest.expected().items()}
        assert _found(report) == expected

    def test_every_control_that_can_fail_has_an_injector(self, year: Demo) -> None:
        """Every control with a check or a detective check has violations planted; the others
        (checked when the policy loads) are listed as uncovered."""
        for cid, c in CONTROLS.items():
            operates = c.check is not None or getattr(c, "detect", None) is not None
            assert (cid in INJECTORS) == operates, cid
        planted = {v.control_id for v in year.manifest.violations}
        assert planted == set(INJECTORS)
        assert set(year.manifest.uncovered) == set(CONTROLS) - set(INJECTORS)

    def test_the_clean_year_has_no_exception(self) -> None:
        """Without injectors, no control reports anything (approvals on hand are evidence)."""
        clean = generate(seed=8, customers=20, orders=250, injectors=())
        r = replay(list(clean.lines()), POLICY)
        assert clean.manifest.violations == ()
        assert r.exceptions == ()
        assert sum(t.approved for t in r.tallies.values()) > 0

    def test_rejected_lines_are_counted_and_listed(self, year: Demo, report: AuditReport) -> None:
        """The malformed lines the generator wrote are rejected with line and field; the
        replay reads on."""
        assert report.rejected_count == len(year.manifest.rejected_lines) == 2
        assert [r.line for r in report.rejected] == list(year.manifest.rejected_lines)
        assert report.rejected[0].path == "receipt.amount"
        assert report.lines == year.manifest.events
        assert report.population == year.manifest.events - 2

    def test_tallies(self, report: AuditReport) -> None:
        """The table per control adds up: tested = passed + held + blocked."""
        assert report.tallies["O2C-SO-02"].tested == report.events["PlaceOrder"]
        for cid, t in report.tallies.items():
            if CONTROLS[cid].check is not None and getattr(CONTROLS[cid], "detect", None) is None:
                assert t.tested == t.passed + t.held + t.blocked, cid
            assert t.approved <= t.passed
        assert report.periods["monthly"] == 12

    def test_detective_tallies_count_the_population_reviewed(self, report: AuditReport) -> None:
        """Issue 18: O2C-AR-01 counts every receivable aged at each month end and O2C-CR-03
        every credit file each monthly run reviewed, not only the one item held."""
        ar, cr = report.tallies["O2C-AR-01"], report.tallies["O2C-CR-03"]
        assert ar.held == cr.held == 1
        assert ar.tested > 100 * ar.held and ar.passed == ar.tested - 1
        assert 30 <= cr.tested <= 30 * report.periods["monthly"]  # 30 customers' files per run
        assert cr.passed == cr.tested - 1

    def test_the_same_seed_gives_the_same_year(self, year: Demo) -> None:
        """Generation is deterministic from the seed."""
        again = generate(seed=5, customers=30, orders=400)
        assert again.events == year.events
        assert again.manifest == year.manifest


class TestReport:
    def test_json_round_trip(self, report: AuditReport) -> None:
        """The JSON report reads back to the same report."""
        assert AuditReport.from_dict(json.loads(report.to_json())) == report

    def test_markdown_and_html(self, report: AuditReport) -> None:
        """Both renderings carry the population, fingerprint, table, exceptions and rejects."""
        md = report.to_markdown()
        for text in (report.policy_fingerprint, "## Controls", "## Exceptions", "## Rejected lines",
                     "### O2C-CR-04", "| `O2C-SO-02` |", "receipt.amount"):
            assert text in md
        html = report.to_html("zh")
        assert html.startswith("<!doctype html>") and report.source_sha256 in html
        assert "<script" not in html
        assert "客户" in html  # findings rendered in Chinese

    def test_summary(self, report: AuditReport) -> None:
        """One line: population, rejected lines, exceptions."""
        s = report.summary()
        assert f"{report.population} events" in s and "2 lines rejected" in s


class TestPartitions:
    @settings(max_examples=3, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(
        seed=st.integers(0, 10_000),
        partitions=st.integers(2, 4),
        injectors=st.sets(st.sampled_from(sorted(INJECTORS)), max_size=8),
    )
    def test_partitioned_replay_equals_one_go(
        self, seed: int, partitions: int, injectors: set[str]
    ) -> None:
        """Replaying by customer partition and merging gives the one-go report."""
        demo = generate(seed=seed, customers=10, orders=90, injectors=injectors)
        lines = list(demo.lines())
        whole = replay(lines, POLICY)
        merged = replay_partitioned(lines, POLICY, partitions=partitions)
        assert merged.exceptions == whole.exceptions
        assert merged.tallies == whole.tallies
        assert (merged.population, merged.rejected, merged.periods) == (
            whole.population, whole.rejected, whole.periods)

    def test_merge_refuses_different_streams(self, year: Demo) -> None:
        """Reports of different streams cannot be merged."""
        a = replay(list(year.lines())[:500], POLICY)
        b_ = replay(list(year.lines())[:600], POLICY)
        with pytest.raises(InvalidInput):
            merge_reports([a, b_])
        with pytest.raises(InvalidInput):
            merge_reports([])

    def test_bad_partition(self) -> None:
        """A partition outside 0..n-1 is refused."""
        with pytest.raises(InvalidInput):
            replay([], partition=(2, 2))


class TestCommandLine:
    def test_demo_then_audit(self, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
        """``salesctl demo`` writes a year; ``salesctl audit`` reports it and says where."""
        d = tmp_path / "demo"
        assert main(["demo", str(d), "--customers", "12", "--orders", "90", "--seed", "3"]) == 0
        manifest = Manifest.from_dict(json.loads((d / "manifest.json").read_text()))
        assert manifest.violations
        capsys.readouterr()
        code = main(["audit", str(d / "events.jsonl"), "--policy", str(d / "policy.toml"),
                     "--report", str(d / "r.html"), "--report", str(d / "r.json"), "--progress",
                     "--allow-rejected"])
        out = capsys.readouterr()
        assert code == 2  # planted BLOCKs (the 2 planted malformed lines accepted)
        assert f"report: {d / 'r.html'}" in out.out
        assert "2 lines rejected" in out.out
        assert "[" in out.err and "%" in out.err  # the progress bar
        r = AuditReport.from_dict(json.loads((d / "r.json").read_text()))
        assert {e.control_id for e in r.exceptions} == {v.control_id for v in manifest.violations}
        # Without --allow-rejected the planted malformed lines fail the audit: exit 3.
        assert main(["audit", str(d / "events.jsonl"), "--policy", str(d / "policy.toml"),
                     "--report", str(d / "r2.json")]) == 3

    def test_default_report_next_to_the_stream(self, tmp_path: Path) -> None:
        """Without --report, the Markdown report goes next to the stream (an empty stream
        tested nothing: exit 3, unless --allow-rejected)."""
        ev = tmp_path / "x.jsonl"
        ev.write_text("")
        assert main(["audit", str(ev)]) == 3
        assert (tmp_path / "x.audit.md").exists()
        assert main(["audit", str(ev), "--allow-rejected"]) == 0

    @pytest.mark.parametrize(
        "args",
        [["missing.jsonl"], ["EV", "--policy", "nope.toml"], ["EV", "--report", "r.pdf"],
         ["EV", "--through", "March"], ["EV", "--partitions", "0"]],
    )
    def test_bad_input_exits_3(self, tmp_path: Path, args: list[str]) -> None:
        """An unreadable stream or policy, or a bad option value, is exit code 3."""
        ev = tmp_path / "ev.jsonl"
        ev.write_text("")
        argv = [str(ev) if a == "EV" else str(tmp_path / a) if a.endswith((".jsonl", ".toml")) else a
                for a in args]
        assert main(["audit", *argv]) == 3

    def test_hold_only_exits_1(self, tmp_path: Path) -> None:
        """An order posted without its approval (a HOLD, nothing blocked) exits 1."""
        entry = PriceEntry(product_id="P-PE-01", price=b.cny("1000"), valid_from=dt.date(2026, 1, 1),
                           source_document="PG-1")
        events = [PublishPrice(at=b.at(1), entry=entry), b.place(b.order(id="SO-1", seq=1))]
        ev = tmp_path / "ev.jsonl"
        ev.write_text("".join(json.dumps(event_to_dict(e)) + "\n" for e in events))
        assert main(["audit", str(ev), "--report", str(tmp_path / "r.json")]) == 1
        r = AuditReport.from_dict(json.loads((tmp_path / "r.json").read_text()))
        assert [(e.control_id, e.outcome, e.document_id, e.line) for e in r.exceptions] == [
            ("O2C-SO-02", Outcome.HOLD, "SO-1", 2)]
        # --exit-zero: the same exceptions are reported, the exit code is 0; bad input stays 3.
        assert main(["audit", str(ev), "--exit-zero", "--report", str(tmp_path / "z.json")]) == 0
        z = AuditReport.from_dict(json.loads((tmp_path / "z.json").read_text()))
        assert [e.control_id for e in z.exceptions] == ["O2C-SO-02"]
        assert main(["audit", str(tmp_path / "missing.jsonl"), "--exit-zero"]) == 3


def test_books_follow_the_policy_period_end_deadlines() -> None:
    """The replay's books take the deadlines from the families that own them now (orders,
    revenue), so a configured value is used, never silently replaced by the default."""
    from salesctl.audit.engine import books_for
    from salesctl.policy import loads_policy

    policy = loads_policy(
        "[revenue]\nsales_invoice_within_days = 2\nposting_within_days = 3\n"
        "[orders]\nclose_within_days = 10\n"
    )
    books = books_for(policy)
    assert books.lookback == dt.timedelta(days=3)
    assert books.close_within == dt.timedelta(days=10)
    old_style = loads_policy("[period_end]\nposting_within_days = 5\n")
    assert books_for(old_style).lookback == dt.timedelta(days=5)
