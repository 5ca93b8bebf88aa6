"""The CLI's contract (issue 19): exit codes, the catch-all, Ctrl-C, a closed pipe, --version,
help with examples, `check -`, `check --exit-zero`, `policy validate --json`, Outcome's name."""

from __future__ import annotations

import argparse
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from salesctl import cli
from salesctl._version import __version__
from salesctl.cli._help import HELP
from salesctl.decision import Outcome

ROOT = Path(__file__).parent.parent
SRC = ROOT / "src"
POLICY = str(ROOT / "examples" / "policy.toml")
EXAMPLES = ROOT / "examples" / "transactions"
ALLOW = EXAMPLES / "allow-credit-within-limit.json"
BLOCK = EXAMPLES / "block-credit-new-customer-on-credit.json"
HOLD = sorted(EXAMPLES.glob("hold-*.json"))[0]


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = cli.main(list(argv), out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(SRC)}


def _salesctl(*args: str, **kw: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "salesctl", *args],
        capture_output=True,
        text=True,
        check=False,
        env=_env(),
        **kw,  # type: ignore[arg-type]
    )


def _subcommands(
    parser: argparse.ArgumentParser, path: tuple[str, ...] = ()
) -> list[tuple[tuple[str, ...], argparse.ArgumentParser]]:
    found = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                found.append(((*path, name), sub))
                found.extend(_subcommands(sub, (*path, name)))
    return found


# -- exit codes ------------------------------------------------------------------------------


def test_exit_codes_are_distinct_and_documented_in_help() -> None:
    """0/1/2/3/64/70/130/141, all distinct, and the top-level --help lists them."""
    codes = [
        cli.EXIT_ALLOW,
        cli.EXIT_HOLD,
        cli.EXIT_BLOCK,
        cli.EXIT_BAD_INPUT,
        cli.EXIT_USAGE,
        cli.EXIT_INTERNAL,
        cli.EXIT_INTERRUPTED,
        cli.EXIT_BROKEN_PIPE,
    ]
    assert codes == [0, 1, 2, 3, 64, 70, 130, 141]
    text = cli.build_parser().format_help()
    assert "exit codes:" in text
    for code in codes:
        assert f"\n  {code} " in text, code


def test_internal_error_exits_70_with_one_line_and_the_traceback_file(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A bug is not a HOLD: exit 70, one line naming it and where the traceback went."""

    def boom(*_: object) -> None:
        raise RuntimeError("something broke\nacross lines")

    monkeypatch.setattr("salesctl.cli.check.Gate.check", boom)
    code, out, err = run("check", "--policy", POLICY, str(ALLOW))
    assert code == cli.EXIT_INTERNAL == 70
    assert out == ""
    assert err.count("\n") == 1, err
    assert "salesctl check: internal error: RuntimeError: something broke across lines" in err
    assert "Traceback" not in err
    path = Path(err.rsplit("traceback in ", 1)[1].strip())
    try:
        assert path.parent == Path(__import__("tempfile").gettempdir())
        assert "Traceback" in path.read_text() and "RuntimeError" in path.read_text()
    finally:
        path.unlink()


def test_internal_error_in_a_real_process_prints_no_traceback(tmp_path: Path) -> None:
    """The same through the console entry point: exit 70, stderr one line."""
    code = (
        "import sys\nimport salesctl.cli.check as c\n"
        "def boom(*a): raise ZeroDivisionError('x')\n"
        "c.Gate.check = boom\nfrom salesctl.cli import main\n"
        f"raise SystemExit(main(['check', {str(ALLOW)!r}]))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=_env(), check=False
    )
    assert done.returncode == 70
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr, done.stderr
    assert "ZeroDivisionError" in done.stderr
    Path(done.stderr.rsplit("traceback in ", 1)[1].strip()).unlink()


def test_keyboard_interrupt_exits_130(monkeypatch: pytest.MonkeyPatch) -> None:
    """Ctrl-C outside the audit: one line, exit 130, no traceback."""

    def interrupted(*_: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr("salesctl.cli.check.Gate.check", interrupted)
    code, _, err = run("check", str(ALLOW))
    assert code == cli.EXIT_INTERRUPTED == 130
    assert err == "salesctl check: interrupted\n"


def test_closed_stdout_is_quiet_in_a_real_pipe() -> None:
    """`salesctl controls --json` into a pipe whose reader has gone: no traceback, 141."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "salesctl", "controls", "--json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=_env(),
    )
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()  # the reader goes away before anything is written
    err = proc.stderr.read()
    proc.stderr.close()
    assert proc.wait() == cli.EXIT_BROKEN_PIPE
    assert err == b""


def test_controls_json_piped_into_head_prints_no_traceback() -> None:
    """The issue's own command line, through a shell: one line out, nothing on stderr."""
    cmd = f"{sys.executable} -m salesctl controls --json | head -1"
    done = subprocess.run(
        ["bash", "-c", cmd], capture_output=True, text=True, env=_env(), check=False
    )
    assert done.stdout == "[\n"
    assert done.stderr == ""


def test_unencodable_text_never_crashes_the_output(tmp_path: Path) -> None:
    """A lone surrogate in a check file: a typed error or a decision, never a traceback."""
    data = json.loads(ALLOW.read_text(encoding="utf-8"))
    data["transaction"]["order"]["id"] = "\ud800"
    f = tmp_path / "bad.json"
    f.write_text(json.dumps(data), encoding="ascii")  # the surrogate as a \ud800 escape
    for extra in ([], ["--json"]):
        done = _salesctl("check", "--policy", POLICY, *extra, str(f))
        assert done.returncode in (0, 1, 2, 3), done.stderr
        assert "Traceback" not in done.stderr


# -- --version, help -------------------------------------------------------------------------


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    """`salesctl --version` prints the package version and exits 0."""
    with pytest.raises(SystemExit) as e:
        cli.main(["--version"])
    assert e.value.code == 0
    assert capsys.readouterr().out == f"salesctl {__version__}\n"


def test_every_command_has_a_description_and_examples() -> None:
    """Every command and subcommand describes itself; the documented ones show examples."""
    commands = _subcommands(cli.build_parser())
    assert {path for path, _ in commands} >= {
        ("check",),
        ("controls",),
        ("policy",),
        ("policy", "validate"),
        ("journal",),
        ("journal", "verify"),
        ("journal", "export"),
        ("journal", "numbers"),
        ("docs",),
        ("audit",),
        ("demo",),
    }
    for path, parser in commands:
        assert parser.description, path
        if path in HELP:
            text = parser.format_help()
            assert "examples:\n  salesctl " + path[0] in text, path
            assert parser.formatter_class is argparse.RawDescriptionHelpFormatter


# -- check -----------------------------------------------------------------------------------


def test_check_dash_reads_standard_input(monkeypatch: pytest.MonkeyPatch) -> None:
    """`check -` decides the check file given on standard input (in process and for real)."""
    monkeypatch.setattr(sys, "stdin", io.StringIO(BLOCK.read_text(encoding="utf-8")))
    code, out, _ = run("check", "--policy", POLICY, "-")
    assert code == cli.EXIT_BLOCK and out.startswith("BLOCK:")
    done = _salesctl("check", "--policy", POLICY, "--json", "-", input=ALLOW.read_text())
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["file"] == "-"


def test_check_dash_twice_is_bad_input(monkeypatch: pytest.MonkeyPatch) -> None:
    """Standard input holds one check file: a second `-` is bad input."""
    monkeypatch.setattr(sys, "stdin", io.StringIO(ALLOW.read_text(encoding="utf-8")))
    code, _, err = run("check", "--policy", POLICY, "-", "-")
    assert code == cli.EXIT_BAD_INPUT and "read only once" in err


def test_check_exit_zero_covers_decisions_not_bad_input(tmp_path: Path) -> None:
    """--exit-zero: 0 on ALLOW, HOLD and BLOCK; a bad file still exits 3."""
    for path, plain in ((ALLOW, 0), (HOLD, 1), (BLOCK, 2)):
        assert run("check", "--policy", POLICY, str(path))[0] == plain
        assert run("check", "--policy", POLICY, "--exit-zero", str(path))[0] == 0
    bad = tmp_path / "bad.json"
    bad.write_text("{")
    assert run("check", "--exit-zero", str(BLOCK), str(bad))[0] == cli.EXIT_BAD_INPUT


# -- policy validate --json ------------------------------------------------------------------


def test_policy_validate_json(tmp_path: Path) -> None:
    """--json: the deviations as data when valid; the error with path and line when not."""
    code, out, _ = run("policy", "validate", "--json", POLICY)
    assert code == 0
    row = json.loads(out)
    assert row["ok"] is True and row["file"] == POLICY and len(row["fingerprint"]) == 64
    custom = tmp_path / "custom.toml"
    custom.write_text("[revenue]\nposting_within_days = 2\n")
    code, out, _ = run("policy", "validate", "--json", str(custom))
    assert code == 0
    assert {"family": "revenue", "key": "posting_within_days", "configured": 2}.items() <= (
        json.loads(out)["deviations"][0].items()
    )
    bad = tmp_path / "bad.toml"
    bad.write_text("[credit]\nlimit_aproval_role = 'x'\n")
    code, out, err = run("policy", "validate", "--json", str(bad))
    assert code == cli.EXIT_BAD_INPUT and err == ""
    row = json.loads(out)
    assert row["ok"] is False and "limit_aproval_role" in row["error"]["path"]


# -- Outcome, demo ---------------------------------------------------------------------------


def test_outcome_prints_its_name() -> None:
    """str(), f-strings and %s give the name; the value is still the number."""
    assert str(Outcome.BLOCK) == "BLOCK"
    assert f"{Outcome.HOLD}" == "HOLD" and "%s" % Outcome.ALLOW == "ALLOW"  # noqa: UP031
    assert f"{Outcome.BLOCK:d}" == "2" and int(Outcome.BLOCK) == 2
    assert Outcome.HOLD < Outcome.BLOCK and max(Outcome) is Outcome.BLOCK


def test_demo_with_too_few_customers_is_bad_input(tmp_path: Path) -> None:
    """`salesctl demo DIR --customers 3`: exit 3 naming the minimum (no IndexError)."""
    code, _, err = run("demo", str(tmp_path / "d"), "--customers", "3", "--orders", "20")
    assert code == cli.EXIT_BAD_INPUT
    assert "customers: must be at least 4" in err
    code, _, _ = run("demo", str(tmp_path / "d4"), "--customers", "4", "--orders", "20")
    assert code == 0
