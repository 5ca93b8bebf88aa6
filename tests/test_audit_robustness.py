"""The audit never stops at a bad line, never destroys a report, and says when it is partial
(issue 19): rejected lines, atomic reports checked before the replay, SIGINT, exit codes."""

from __future__ import annotations

import errno
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from salesctl.audit import AuditReport, check_report_path, replay, write_report
from salesctl.cli import main
from salesctl.demo import generate
from salesctl.errors import InvalidInput
from salesctl.events import MalformedEvent, read_events

ROOT = Path(__file__).parent.parent
GOOD = (
    '{"type":"PublishSalesPolicy","at":"2026-01-01T08:00:00+08:00",'
    '"reference":"XSZC-1","withdrawn":false}'
)
BIG_INT = '{"type":"PublishSalesPolicy","at":"2026-01-01T08:00:00+08:00","reference":' + (
    "1" * 5000 + "}"
)
SURROGATE = GOOD.replace("XSZC-1", "X\\ud800")
SURROGATE_KEY = GOOD.replace('"reference"', '"r\\udfff"')
PAIR = GOOD.replace("XSZC-1", "X\\ud83d\\ude00")  # a valid pair: an emoji, accepted


@pytest.fixture(scope="module")
def small_year() -> list[str]:
    return list(generate(seed=11, customers=8, orders=40).lines())


def _stream(tmp_path: Path, *lines: str) -> Path:
    ev = tmp_path / "ev.jsonl"
    ev.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return ev


# -- rejected lines never stop the replay ----------------------------------------------------


def test_crashing_lines_become_rejected_lines() -> None:
    """A 5,000-digit integer (ValueError in json) and lone surrogates are rejected lines with
    their line number; the lines after them are still read."""
    got = list(read_events([GOOD, BIG_INT, SURROGATE, SURROGATE_KEY, PAIR, GOOD]))
    kinds = [(n, type(item).__name__) for n, item in got]
    assert kinds == [
        (1, "PublishSalesPolicy"),
        (2, "MalformedEvent"),
        (3, "MalformedEvent"),
        (4, "MalformedEvent"),
        (5, "PublishSalesPolicy"),
        (6, "PublishSalesPolicy"),
    ]
    errors = [item for _, item in got if isinstance(item, MalformedEvent)]
    # the reader refuses a number longer than MAX_NUMBER_LENGTH at its field, before int()
    assert "longer than" in errors[0].reason and errors[0].line == 2
    assert errors[0].path == "reference"
    assert errors[1].path == "reference" and "surrogate" in errors[1].reason
    assert "surrogate" in errors[2].reason and "\\udfff" in errors[2].path


def test_replay_goes_on_after_a_crashing_line(small_year: list[str]) -> None:
    """The replay reads the whole stream around the bad lines and reports them."""
    lines = [*small_year[:50], BIG_INT, SURROGATE, *small_year[50:]]
    report = replay(lines)
    whole = replay(small_year)
    assert report.rejected_count == whole.rejected_count + 2
    assert report.population == whole.population
    assert report.lines == whole.lines + 2
    assert {r.line for r in report.rejected} >= {51, 52}


def test_a_report_with_unencodable_text_is_written(tmp_path: Path) -> None:
    """Text that is not valid Unicode (a lone surrogate) never fails the write."""
    report = replay([SURROGATE], source="s\udcffx.jsonl")
    for suffix in (".md", ".html", ".json"):
        path = tmp_path / f"r{suffix}"
        write_report(report, path)
        assert path.stat().st_size > 0
    # the file name's undecodable byte is named, escaped: a report is valid text
    assert json.loads((tmp_path / "r.json").read_text())["source"] == "s\\udcffx.jsonl"


# -- atomic reports, checked before the replay -----------------------------------------------


def test_an_earlier_report_survives_a_failing_write(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A write that fails half-way (disk full) leaves the earlier report as it was, and no
    temporary file behind; the command exits 3 naming the path."""
    ev = _stream(tmp_path, GOOD)
    out = tmp_path / "report.md"
    out.write_text("earlier report\n")

    def disk_full(fd: int) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr("salesctl.audit.output.os.fsync", disk_full)
    assert main(["audit", str(ev), "--report", str(out)]) == 3
    assert out.read_text() == "earlier report\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ev.jsonl", "report.md"]
    monkeypatch.undo()
    assert main(["audit", str(ev), "--report", str(out)]) == 0
    assert out.read_text().startswith("# Audit replay")


def test_a_replaced_report_keeps_its_permissions(tmp_path: Path) -> None:
    """The rename keeps the mode of the report it replaces."""
    out = tmp_path / "r.json"
    out.write_text("{}")
    out.chmod(0o640)
    write_report(replay([GOOD]), out)
    assert out.stat().st_mode & 0o777 == 0o640
    assert json.loads(out.read_text())["population"] == 1


@pytest.mark.parametrize("where", ["missing-dir", "parent-is-a-file", "path-is-a-dir", "pdf"])
def test_a_bad_report_path_exits_3_before_the_replay(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, where: str
) -> None:
    """A missing directory (never created), a parent that is a file, a path that is a
    directory, an unknown suffix: exit 3 before a single line is replayed."""
    ev = _stream(tmp_path, GOOD)
    (tmp_path / "file").write_text("")
    (tmp_path / "adir.md").mkdir()
    path = {
        "missing-dir": tmp_path / "no" / "such" / "r.md",
        "parent-is-a-file": tmp_path / "file" / "r.md",
        "path-is-a-dir": tmp_path / "adir.md",
        "pdf": tmp_path / "r.pdf",
    }[where]

    def never(*_: object, **__: object) -> None:
        raise AssertionError("the replay started")

    monkeypatch.setattr("salesctl.audit.replay", never)
    assert main(["audit", str(ev), "--report", str(path)]) == 3
    assert not (tmp_path / "no").exists()
    with pytest.raises(InvalidInput):
        check_report_path(path)


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into a read-only directory")
def test_an_unwritable_directory_exits_3_before_the_replay(tmp_path: Path) -> None:
    """A directory the user cannot write into is refused up front."""
    ev = _stream(tmp_path, GOOD)
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o555)
    try:
        with pytest.raises(InvalidInput, match="cannot write report"):
            check_report_path(ro / "r.md")
        assert main(["audit", str(ev), "--report", str(ro / "r.md")]) == 3
    finally:
        ro.chmod(0o755)


def test_check_report_path_leaves_nothing_behind(tmp_path: Path) -> None:
    """The writability probe removes its file."""
    check_report_path(tmp_path / "r.html")
    assert list(tmp_path.iterdir()) == []


# -- exit codes ------------------------------------------------------------------------------


def test_rejected_lines_and_empty_streams_exit_3_unless_allowed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A stream with rejected lines, or with no event at all, did not test the whole stream:
    exit 3 unless --allow-rejected; --exit-zero covers exceptions only."""
    rep = ["--report", str(tmp_path / "r.json")]
    mixed = _stream(tmp_path, GOOD, BIG_INT)
    assert main(["audit", str(mixed), *rep]) == 3
    assert "1 lines rejected" in capsys.readouterr().err
    assert main(["audit", str(mixed), *rep, "--exit-zero"]) == 3
    assert main(["audit", str(mixed), *rep, "--allow-rejected"]) == 0
    assert main(["audit", str(mixed), *rep, "--allow-rejected", "--exit-zero"]) == 0
    all_bad = _stream(tmp_path, BIG_INT, SURROGATE, "{")
    assert main(["audit", str(all_bad), *rep]) == 3
    assert main(["audit", str(all_bad), *rep, "--exit-zero"]) == 3
    empty = _stream(tmp_path)
    assert main(["audit", str(empty), *rep]) == 3
    assert "no events read" in capsys.readouterr().err
    assert main(["audit", str(empty), *rep, "--allow-rejected"]) == 0


def test_audit_json_summary(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """--json: the summary as one JSON object on stdout, with the exit code it returns."""
    ev = _stream(tmp_path, GOOD, SURROGATE)
    capsys.readouterr()
    code = main(["audit", str(ev), "--report", str(tmp_path / "r.md"), "--json"])
    row = json.loads(capsys.readouterr().out)
    assert code == 3 == row["exit_code"]
    assert (row["population"], row["rejected"], row["exceptions"], row["incomplete"]) == (
        1,
        1,
        0,
        "",
    )
    assert row["reports"] == [str(tmp_path / "r.md")]


# -- interruption ----------------------------------------------------------------------------


def _interrupt_after(lines: list[str], n: int) -> Iterator[str]:
    for k, line in enumerate(lines):
        if k == n:
            raise KeyboardInterrupt
        yield line


def test_an_interrupted_replay_returns_a_report_marked_incomplete(
    small_year: list[str], tmp_path: Path
) -> None:
    """interruptible=True: the report of the lines read, marked incomplete in every format;
    without it the interrupt propagates."""
    report = replay(_interrupt_after(small_year, 300), interruptible=True)
    assert report.incomplete == "interrupted"
    assert report.lines == 300
    assert report.summary().startswith("INCOMPLETE (interrupted): ")
    assert "**incomplete: interrupted**" in report.to_markdown()
    assert "**不完整：interrupted**" in report.to_markdown("zh")
    assert "<strong>incomplete: interrupted</strong>" in report.to_html()
    assert json.loads(report.to_json())["incomplete"] == "interrupted"
    assert AuditReport.from_dict(report.to_dict()) == report
    assert replay(small_year).incomplete == ""
    with pytest.raises(KeyboardInterrupt):
        replay(_interrupt_after(small_year, 300))


def test_sigint_on_a_real_audit_writes_a_partial_report_and_exits_130(
    small_year: list[str], tmp_path: Path
) -> None:
    """Ctrl-C (SIGINT) on a running `salesctl audit`: exit 130, the report written and marked
    `incomplete: interrupted` in Markdown, HTML and JSON, no traceback."""
    ev = tmp_path / "big.jsonl"
    body = "".join(line + "\n" for line in small_year)
    with ev.open("w", encoding="utf-8") as f:
        for _ in range(max(1, 200_000 // len(small_year))):  # ~200,000 lines: many seconds
            f.write(body)
    reports = [tmp_path / "r.md", tmp_path / "r.html", tmp_path / "r.json"]
    args = [sys.executable, "-m", "salesctl", "audit", str(ev), "--progress"]
    for r in reports:
        args += ["--report", str(r)]
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    assert proc.stderr is not None
    seen = b""
    deadline = time.monotonic() + 120
    while b"%" not in seen and time.monotonic() < deadline:  # the progress bar: it runs
        chunk = os.read(proc.stderr.fileno(), 256)
        if not chunk:
            break
        seen += chunk
    assert b"%" in seen, seen
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, (out, err)
    assert b"Traceback" not in err
    assert b"interrupted" in err
    assert out.startswith(b"INCOMPLETE (interrupted): ")
    assert "incomplete: interrupted" in reports[0].read_text()
    assert "incomplete: interrupted" in reports[1].read_text()
    data = json.loads(reports[2].read_text())
    assert data["incomplete"] == "interrupted"
    assert 0 < data["lines"] < len(body.splitlines()) * (200_000 // len(small_year))
