"""The control catalogue: every family and every control, by id.

Each family module (or package, for the larger families) exposes ``FAMILY`` (a
:class:`~salesctl.control.Family`); a family holds exactly the controls of its id prefix
(``O2C-CR-…`` in ``credit``, …). This module
collects them into :data:`FAMILIES` and :data:`CONTROLS`, registers their message templates,
and computes :data:`CATALOGUE_FINGERPRINT`, recorded in every decision so an auditor can tell
which catalogue decided it.

To add a family: write its module (or package) and add it to ``_MODULES`` below.
"""

from __future__ import annotations

import hashlib
import importlib
import json

import attrs

from salesctl._convert import unstructure
from salesctl.control import Control, Family
from salesctl.decision import register_messages
from salesctl.errors import InvalidInput

__all__ = ["CATALOGUE_FINGERPRINT", "CONTROLS", "FAMILIES", "control"]

#: Family modules, in catalogue order.
_MODULES: tuple[str, ...] = (
    "salesctl.controls.orders",
    "salesctl.controls.credit",
    "salesctl.controls.pricing",
    "salesctl.controls.duties",
    "salesctl.controls.delivery",
    "salesctl.controls.billing",
    "salesctl.controls.revenue",
    "salesctl.controls.contracts",
    "salesctl.controls.commission",
    "salesctl.controls.service",
    "salesctl.controls.pipeline",
    "salesctl.controls.receivables",
    "salesctl.controls.inventory",
    "salesctl.controls.management",
)


def _load() -> tuple[dict[str, Family], dict[str, Control]]:
    families: dict[str, Family] = {}
    controls: dict[str, Control] = {}
    for name in _MODULES:
        module = importlib.import_module(name)
        fam: Family = module.FAMILY
        if fam.name in families:
            raise InvalidInput("family registered twice", path=fam.name)
        stamped = []
        for c in fam.controls:
            if c.id in controls:
                raise InvalidInput("control id registered twice", path=c.id)
            c = attrs.evolve(c, family=fam.name)
            register_messages(c.messages)
            controls[c.id] = c
            stamped.append(c)
        families[fam.name] = attrs.evolve(fam, controls=tuple(stamped))
    return families, dict(sorted(controls.items()))


FAMILIES, CONTROLS = _load()


#: Control fields that hold code or how the gate runs it, not metadata an auditor reads: left
#: out of the fingerprint.
_CODE_FIELDS = ("check", "gate_check", "detect", "scratch")


def _fingerprint() -> str:
    rows = []
    for c in CONTROLS.values():
        d = unstructure(attrs.evolve(c, check=None, gate_check=None, detect=None))
        for name in _CODE_FIELDS:
            d.pop(name, None)
        rows.append(d)
    canonical = json.dumps(rows, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


#: SHA-256 over every control's metadata and version.
CATALOGUE_FINGERPRINT: str = _fingerprint()


def control(control_id: str) -> Control:
    """The control with id ``control_id``.

    Raises:
        InvalidInput: for an unknown id.
    """
    try:
        return CONTROLS[control_id]
    except KeyError:
        raise InvalidInput("unknown control id", path="control_id", value=control_id) from None
