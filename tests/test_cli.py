"""The CLI: every example answers as its file name says; exit codes are distinct."""

from __future__ import annotations

import argparse
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from salesctl import cli

ROOT = Path(__file__).parent.parent
EXAMPLES = sorted((ROOT / "examples" / "transactions").glob("*.json"))
POLICY = str(ROOT / "examples" / "policy.toml")
EXPECTED = {"allow": cli.EXIT_ALLOW, "hold": cli.EXIT_HOLD, "block": cli.EXIT_BLOCK}
#: A PlaceOrder example the bad-input tests mutate (named, so new examples cannot shift it).
ORDER_EXAMPLE = ROOT / "examples" / "transactions" / "allow-credit-within-limit.json"


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = cli.main(list(argv), out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def test_there_are_examples_of_each_outcome() -> None:
    """The examples cover allow, hold and block."""
    prefixes = {p.name.split("-", 1)[0] for p in EXAMPLES}
    assert {"allow", "hold", "block"} <= prefixes


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_example_answers_as_its_name_says(path: Path) -> None:
    """`salesctl check` on examples/transactions/<outcome>-*.json exits with that outcome."""
    expected = EXPECTED[path.name.split("-", 1)[0]]
    code, out, err = run("check", "--policy", POLICY, str(path))
    assert code == expected, out + err
    code_zh, out_zh, _ = run("check", "--policy", POLICY, "--lang", "zh", str(path))
    assert code_zh == expected and out_zh.split("：", 1)[0] in {"允许", "挂起待批", "阻止"}


def test_json_output_round_trips() -> None:
    """--json prints one decision per file that Decision.from_dict reads back."""
    from salesctl import Decision

    _, out, _ = run("check", "--json", str(ORDER_EXAMPLE), str(EXAMPLES[-1]))
    rows = [json.loads(line) for line in out.splitlines()]
    assert len(rows) == 2
    assert all(Decision.from_dict(r["decision"]).transaction for r in rows)


@pytest.mark.parametrize(
    ("content", "needle"),
    [
        ("{not json", "not valid JSON"),
        ('{"transaction": {"type": "PlaceOrder"}}', "context: is required"),
        ('{"transaction": {"type": "Teleport"}, "context": {"as_of": "2026-03-02"}}', "unknown transaction type"),
        ('{"transaction": {}, "context": {}, "extra": 1}', "unknown key"),
    ],
)
def test_bad_input_exits_3_with_a_message(tmp_path: Path, content: str, needle: str) -> None:
    """Malformed check files exit 3 and say what is wrong."""
    f = tmp_path / "bad.json"
    f.write_text(content)
    code, _, err = run("check", str(f))
    assert code == cli.EXIT_BAD_INPUT
    assert needle in err


def test_float_amount_in_file_is_refused(tmp_path: Path) -> None:
    """A float anywhere in a check file is bad input, with the field path."""
    data = json.loads(ORDER_EXAMPLE.read_text())
    data["transaction"]["order"]["lines"][0]["quantity"] = 1.5
    f = tmp_path / "float.json"
    f.write_text(json.dumps(data))
    code, _, err = run("check", str(f))
    assert code == cli.EXIT_BAD_INPUT and "floats are refused" in err


def test_bad_field_path_is_reported(tmp_path: Path) -> None:
    """A negative quantity names transaction.order.lines[0].quantity."""
    data = json.loads(ORDER_EXAMPLE.read_text())
    data["transaction"]["order"]["lines"][0]["quantity"] = "-2"
    f = tmp_path / "neg.json"
    f.write_text(json.dumps(data))
    code, _, err = run("check", str(f))
    assert code == cli.EXIT_BAD_INPUT
    assert "transaction.order.lines[0].quantity" in err


def test_bad_policy_exits_3(tmp_path: Path) -> None:
    """An invalid policy is bad input with its line."""
    p = tmp_path / "p.toml"
    p.write_text('[credit]\nlimit_aproval_role = "x"\n')
    code, _, err = run("check", "--policy", str(p), str(ORDER_EXAMPLE))
    assert code == cli.EXIT_BAD_INPUT and "line 2" in err
    code, _, err = run("policy", "validate", str(p))
    assert code == cli.EXIT_BAD_INPUT and "credit.limit_aproval_role" in err
    code, out, _ = run("policy", "validate", POLICY)
    assert code == 0 and out.startswith("ok:")


def test_usage_error_exits_64() -> None:
    """An unknown option is a usage error, distinct from every decision code."""
    with pytest.raises(SystemExit) as e:
        run("check", "--bogus")
    assert e.value.code == cli.EXIT_USAGE


def test_controls_lists_the_catalogue() -> None:
    """`salesctl controls` lists every registered control, in both languages and as JSON."""
    from salesctl import CONTROLS

    code, out, _ = run("controls")
    assert code == 0 and all(cid in out for cid in CONTROLS)
    _, out_zh, _ = run("controls", "--lang", "zh")
    assert "赊销不得超出信用额度" in out_zh
    _, out_json, _ = run("controls", "--json")
    assert {r["id"] for r in json.loads(out_json)} == set(CONTROLS)


def _python(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, *args], capture_output=True, text=True, check=False)


@pytest.mark.parametrize("module", ["salesctl", "salesctl.cli"])
def test_python_dash_m_runs_the_cli(module: str) -> None:
    """`python -m salesctl` and `python -m salesctl.cli` run the same CLI, with its exit codes."""
    done = _python("-m", module, "check", "--policy", POLICY, str(ORDER_EXAMPLE))
    assert done.returncode == cli.EXIT_ALLOW, done.stderr
    assert done.stdout.startswith("ALLOW:")
    done = _python("-m", module, "check", "--bogus")
    assert done.returncode == cli.EXIT_USAGE


def test_every_command_is_registered_once() -> None:
    """The parser offers every command, in the order --help lists them."""
    parser = cli.build_parser()
    (sub,) = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    assert list(sub.choices) == ["check", "controls", "policy", "journal", "docs", "audit", "demo"]


def test_check_does_not_load_the_replay_or_demo_stack() -> None:
    """Building the parser (every command does) leaves audit, ledger and demo unloaded: only
    `salesctl audit` and `salesctl demo` pay for them (start-up time of `salesctl check`)."""
    code = (
        "import json, sys\nfrom salesctl.cli import build_parser\nbuild_parser()\n"
        "print(json.dumps(sorted(m for m in sys.modules if m.startswith('salesctl'))))"
    )
    done = _python("-c", code)
    assert done.returncode == 0, done.stderr
    loaded = set(json.loads(done.stdout))
    assert {"salesctl.cli.audit", "salesctl.cli.check", "salesctl.cli.journal"} <= loaded
    assert not loaded & {"salesctl.audit", "salesctl.ledger", "salesctl.reconcile", "salesctl.demo"}


def test_a_context_not_dated_on_the_business_date_names_its_line(tmp_path: Path) -> None:
    """The gate's refusal of a wrongly dated context points at ``as_of`` in the file, as a
    parse error does (found by the malformed-input fuzz: ``as_of`` 8026-03-02)."""
    src = ROOT / "examples" / "transactions" / "allow-credit-within-limit.json"
    text = src.read_text(encoding="utf-8")
    assert '"as_of": "2026-03-02"' in text
    bad = tmp_path / "bad.json"
    bad.write_text(text.replace('"as_of": "2026-03-02"', '"as_of": "8026-03-02"'), "utf-8")
    line = next(i for i, ln in enumerate(text.splitlines(), 1) if '"as_of"' in ln)
    out, err = io.StringIO(), io.StringIO()
    assert cli.main(["check", "--json", str(bad)], out=out, err=err) == 3
    row = json.loads(out.getvalue())
    assert row["path"] == "ctx.as_of" and row["line"] == line
