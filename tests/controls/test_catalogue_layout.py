"""The catalogue's layout: every control lives in the family its id prefix names, and no
module of the package is too long to read."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from salesctl.controls import CONTROLS, FAMILIES

SRC = Path(__file__).resolve().parents[2] / "src" / "salesctl"

#: Id prefix -> family.
PREFIX_FAMILY: dict[str, str] = {
    "SO": "orders",
    "CR": "credit",
    "PR": "pricing",
    "SD": "duties",
    "DL": "delivery",
    "BL": "billing",
    "RR": "revenue",
    "CT": "contracts",
    "CM": "commission",
    "SV": "service",
    "PS": "pipeline",
    "AR": "receivables",
    "PL": "management",
    "MN": "management",
    "IN": "inventory",
}

MAX_LINES = 900


def _prefix(control_id: str) -> str:
    return control_id.split("-")[1]


def test_every_control_is_in_the_family_its_prefix_names() -> None:
    """O2C-CR-03 is in credit, O2C-IN-01 in inventory, …; every family has its own controls."""
    for cid, c in CONTROLS.items():
        assert c.family == PREFIX_FAMILY[_prefix(cid)], cid
    for name, fam in FAMILIES.items():
        assert all(PREFIX_FAMILY[_prefix(c.id)] == name for c in fam.controls), name
    assert set(FAMILIES) == set(PREFIX_FAMILY.values())


def test_checks_are_defined_in_their_familys_module() -> None:
    """A control's preventive and detective checks come from its family's module or package."""
    for cid, c in CONTROLS.items():
        for fn in (c.check, c.detect):
            if fn is not None:
                module = fn.__module__
                assert module == f"salesctl.controls.{c.family}" or module.startswith(
                    f"salesctl.controls.{c.family}."
                ), (cid, module)


_CONTROL_ID = re.compile(r'^\s+id="O2C-([A-Z]{2})-\d{2}"', re.M)


@pytest.mark.parametrize(
    "path",
    sorted((SRC / "controls").rglob("*.py")),
    ids=lambda p: str(p.relative_to(SRC)),
)
def test_a_module_defines_only_controls_of_its_own_family(path: Path) -> None:
    """Control definitions (``id="O2C-XX-nn"``) in a family's files have that family's prefix."""
    rel = path.relative_to(SRC / "controls")
    family = rel.parts[0].removesuffix(".py")
    for prefix in _CONTROL_ID.findall(path.read_text(encoding="utf-8")):
        assert PREFIX_FAMILY[prefix] == family, (str(rel), prefix)


def _long_modules(root: Path) -> dict[str, int]:
    return {
        str(p.relative_to(SRC)): n
        for p in sorted(root.rglob("*.py"))
        if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }


def test_no_control_module_is_over_900_lines() -> None:
    """Every family module (or module of a family package) is at most 900 lines."""
    assert _long_modules(SRC / "controls") == {}


def test_no_module_is_over_900_lines() -> None:
    """Every module under src/salesctl stays readable: at most 900 lines."""
    assert _long_modules(SRC) == {}
