"""The Tryton host (``examples/tryton``): its scenarios, when Tryton is installed.

The main virtual environment holds salesctl only; Tryton and the module live in a second one
(``.ci/run`` builds it, see ``examples/tryton/README.md``). Where ``trytond`` or the module is
missing this test skips, printing why; where both are there it runs the module's scenario tests
on an in-memory SQLite database in a child process (Tryton keeps global state per process).
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "examples" / "tryton" / "tests"


def missing() -> str | None:
    """Why the Tryton scenarios cannot run here, or ``None`` when they can."""
    if importlib.util.find_spec("trytond") is None:
        return "trytond is not installed (pip install -e examples/tryton; see its README)"
    modules = importlib.metadata.entry_points(group="trytond.modules")
    if not any(ep.name == "salesctl" for ep in modules):
        return "the Tryton module is not installed (pip install -e examples/tryton)"
    needed = {"stock_lot", "product_price_list"} - {ep.name for ep in modules}
    if needed:  # an environment installed before the module depended on them
        return f"Tryton modules {', '.join(sorted(needed))} are missing (pip install -e examples/tryton)"
    return None


def test_tryton_scenarios_pass() -> None:
    reason = missing()
    if reason is not None:
        print(f"Tryton host scenarios skipped: {reason}")
        pytest.skip(reason)
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "-W",
            "ignore",
            "-o",
            "addopts=",  # one process: the project's -n auto would nest workers in a worker
            str(SCENARIOS),
        ],
        env={**os.environ, "DB_NAME": ":memory:"},
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert run.returncode == 0, run.stdout[-6000:] + run.stderr[-3000:]
