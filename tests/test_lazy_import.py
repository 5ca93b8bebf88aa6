"""`import salesctl` loads only what the gate needs; the rest of the public API loads on use."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

import salesctl

#: Stacks a gate-only host must not pay for at start-up (matched against every part of the
#: module's dotted name, so packages and their submodules count).
LAZY_STACKS = ("audit", "fastreplay", "ledger", "events", "journal", "demo", "docs", "testing", "reconcile")


def _modules_after(code: str) -> list[str]:
    """The salesctl modules loaded by a fresh interpreter after running ``code``."""
    script = (
        f"{code}\nimport json, sys\n"
        "print(json.dumps(sorted(m for m in sys.modules if m.startswith('salesctl'))))"
    )
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    ).stdout
    loaded: list[str] = json.loads(out)
    return loaded


def test_import_salesctl_loads_no_replay_journal_docs_demo_or_testing_module() -> None:
    """A fresh `import salesctl` (and a gate built from it) leaves the lazy stacks unloaded."""
    loaded = _modules_after(
        "import salesctl as sc\nsc.Gate(sc.Policy.default())\nsc.Period\nsc.CONTROLS"
    )
    assert "salesctl.gate" in loaded
    unwanted = [m for m in loaded if set(m.split(".")[1:]) & set(LAZY_STACKS)]
    assert unwanted == []


def test_a_lazy_name_loads_its_module_on_first_use() -> None:
    """Touching `salesctl.replay` imports the audit stack, and only then."""
    loaded = _modules_after("import salesctl\nsalesctl.replay")
    assert "salesctl.audit" in loaded


def test_every_public_name_resolves() -> None:
    """Every name of __all__ resolves, lazy or not, to the object its module defines."""
    for name in salesctl.__all__:
        value = getattr(salesctl, name)
        assert value is not None, name
    assert salesctl.replay is sys.modules["salesctl.audit"].replay
    assert salesctl.Journal is sys.modules["salesctl.journal"].Journal


def test_dir_lists_every_public_name() -> None:
    """`dir(salesctl)` shows the lazy names before they are loaded."""
    assert set(salesctl.__all__) <= set(dir(salesctl))


def test_lazy_submodules_are_attributes() -> None:
    """`salesctl.audit` etc. work as attributes after a bare `import salesctl`, as before."""
    loaded = _modules_after("import salesctl\nsalesctl.ledger.Ledger\nsalesctl.reconcile.Report")
    assert {"salesctl.ledger", "salesctl.reconcile"} <= set(loaded)


def test_unknown_attribute_raises_attribute_error() -> None:
    """A misspelt name is an AttributeError naming it, not a lazy import."""
    with pytest.raises(AttributeError, match="Gatee"):
        salesctl.Gatee  # type: ignore[attr-defined]  # noqa: B018
