"""Every output at once: :func:`render` (``relative path -> text``, what the mkdocs hook adds to
the site) and :func:`write` (the same under a folder, plus ``policy-reference.md``).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from salesctl.control import Control
from salesctl.docs.catalogue_json import controls_json
from salesctl.docs.derived import check_catalogue, controls_of, default_policy
from salesctl.docs.gaps import gaps_page
from salesctl.docs.indexes import by_assertion, by_coso, by_g9, by_stage, index_page
from salesctl.docs.oscal import oscal_catalog, oscal_component_definition
from salesctl.docs.pages import control_page
from salesctl.docs.policy_reference import policy_reference
from salesctl.docs.rcm import RCM_COLUMNS, rcm_csv, rcm_page, rcm_rows
from salesctl.docs.rcm_xlsx import rcm_xlsx
from salesctl.errors import InvalidInput
from salesctl.policy import Policy

__all__ = ["rcm_workbook", "render", "write"]


def _json(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def render(
    policy: Policy | None = None,
    *,
    controls: Mapping[str, Control] | None = None,
    timestamp: dt.datetime | None = None,
) -> dict[str, str]:
    """Every generated output as ``relative path -> text``.

    Args:
        policy: the policy in force (the default policy when omitted).
        controls: the controls to document (the registry when omitted).
        timestamp: ``last-modified`` of the OSCAL files (``SOURCE_DATE_EPOCH`` or now).

    Returns:
        Paths such as ``controls/O2C-CR-04.md``, ``zh/controls/O2C-CR-04.md``,
        ``controls/rcm.md``, ``controls/rcm.csv``, ``controls/controls.json``.

    Raises:
        InvalidInput: if a control lacks required metadata (see :func:`missing_metadata`).
    """
    policy = policy if policy is not None else default_policy()
    cs = controls_of(controls)
    check_catalogue(cs.values())
    out: dict[str, str] = {}
    for lang, prefix in (("en", "controls/"), ("zh", "zh/controls/")):
        out[prefix + "index.md"] = index_page(cs, policy, lang)
        out[prefix + "rcm.md"] = rcm_page(cs, policy, lang)
        out[prefix + "by-stage.md"] = by_stage(cs, policy, lang)
        out[prefix + "by-g9.md"] = by_g9(cs, lang)
        out[prefix + "by-assertion.md"] = by_assertion(cs, lang)
        out[prefix + "by-coso.md"] = by_coso(cs, lang)
        out[prefix + "gaps.md"] = gaps_page(cs, policy, lang)
        for c in cs.values():
            out[f"{prefix}{c.id}.md"] = control_page(c, policy, lang)
    out["controls/rcm.csv"] = rcm_csv(rcm_rows(policy, cs))
    out["controls/controls.json"] = _json(controls_json(policy, cs))
    out["controls/oscal-catalog.json"] = _json(oscal_catalog(cs, timestamp=timestamp))
    out["controls/oscal-component-definition.json"] = _json(
        oscal_component_definition(policy, cs, timestamp=timestamp)
    )
    return out


def rcm_workbook(
    policy: Policy | None = None, *, controls: Mapping[str, Control] | None = None
) -> bytes | None:
    """``controls/rcm.xlsx``: the RCM workbook (``None`` without openpyxl, the ``docs`` extra)."""
    return rcm_xlsx(rcm_rows(policy, controls), RCM_COLUMNS)


def write(
    out_dir: str | Path,
    policy: Policy | None = None,
    *,
    controls: Mapping[str, Control] | None = None,
    timestamp: dt.datetime | None = None,
) -> tuple[Path, ...]:
    """Write :func:`render`'s outputs, plus ``policy-reference.md``, under ``out_dir``.

    ``rcm.csv`` carries a UTF-8 byte-order mark so spreadsheet programs show the Chinese text;
    ``controls/rcm.xlsx`` is written too when openpyxl is installed. Control pages left over from an earlier run for a control that no longer
    exists are removed.

    Returns:
        The files written.

    Raises:
        InvalidInput: if a control lacks required metadata, or ``out_dir`` cannot be written.
    """
    root = Path(out_dir)
    pages = render(policy, controls=controls, timestamp=timestamp)
    pages["policy-reference.md"] = "# Policy file reference\n\n" + policy_reference(controls) + "\n"
    written = []
    try:
        for rel, content in sorted(pages.items()):
            path = root / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(content, encoding="utf-8", newline="")
            written.append(path)
        workbook = rcm_workbook(policy, controls=controls)
        if workbook is not None:
            (root / "controls").mkdir(parents=True, exist_ok=True)
            (root / "controls" / "rcm.xlsx").write_bytes(workbook)
            written.append(root / "controls" / "rcm.xlsx")
        for sub in ("controls", "zh/controls"):
            for old in (root / sub).glob("O2C-*.md"):
                if f"{sub}/{old.name}" not in pages:
                    old.unlink()
    except OSError as e:
        raise InvalidInput(
            f"cannot write the documentation: {e.strerror}", path=str(root)
        ) from None
    return tuple(written)
