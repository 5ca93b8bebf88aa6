"""The catalogue's ids: released ids never change; this round adds O2C-CT-05 and issue 14's nine."""

from __future__ import annotations

import io
import json

from salesctl import docs
from salesctl.cli import main
from salesctl.controls import CONTROLS

#: Issue 13 (O2C-CT-05) and issue 14 (the seed rules still missing).
ADDED_THIS_ROUND = {
    "O2C-CT-05",
    "O2C-RR-04",
    "O2C-DL-07",
    "O2C-PR-06",
    "O2C-AR-03",
    "O2C-AR-04",
    "O2C-CM-02",
    "O2C-MN-03",
    "O2C-IN-02",
    "O2C-MN-04",
}


def test_the_catalogue_holds_57_controls_with_this_rounds_ids() -> None:
    assert len(CONTROLS) == 57
    assert set(CONTROLS) >= ADDED_THIS_ROUND


def test_salesctl_controls_lists_them_all() -> None:
    out, err = io.StringIO(), io.StringIO()
    assert main(["controls", "--json"], out=out, err=err) == 0
    data = json.loads(out.getvalue())
    rows = data if isinstance(data, list) else data["controls"]
    assert {r["id"] for r in rows} == set(CONTROLS)


def test_every_added_control_is_in_the_rcm_and_oscal() -> None:
    assert {r["id"] for r in docs.rcm_rows()} >= ADDED_THIS_ROUND
    comp = json.dumps(docs.oscal_component_definition())
    for cid in ADDED_THIS_ROUND:
        assert cid.lower() in comp.lower()
