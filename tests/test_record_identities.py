"""Person ids in detective records are canonical, as in documents and approvals (issue 13)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from salesctl.errors import InvalidInput
from salesctl.money import Money
from salesctl.records import (
    PerformanceAssessment,
    Period,
    ReceivableItem,
    SalesAnalysis,
)

MARCH = Period.month(2026, 3)


def _analysis(**kw: Any) -> SalesAnalysis:
    base: dict[str, Any] = dict(
        unit="east", period=MARCH, performed_on=dt.date(2026, 4, 8), performed_by="u-mkt"
    )
    return SalesAnalysis(**{**base, **kw})


def _assessment(**kw: Any) -> PerformanceAssessment:
    base: dict[str, Any] = dict(
        unit="east", period=MARCH, assessed_on=dt.date(2026, 4, 8), assessed_by="u-hr", result="ok"
    )
    return PerformanceAssessment(**{**base, **kw})


@pytest.mark.parametrize("bad", ["u-mkt ", " u-mkt", "u\u200bmkt", "u-mkt\n", ""])
@pytest.mark.parametrize(
    ("build", "name"),
    [
        (_analysis, "performed_by"),
        (_analysis, "reviewed_by"),
        (_assessment, "assessed_by"),
    ],
)
def test_person_fields_refuse_non_canonical_ids(build: Any, name: str, bad: str) -> None:
    """A padded or invisible-character id would pass as another person in a comparison."""
    with pytest.raises(InvalidInput) as err:
        build(**{name: bad})
    assert err.value.path.endswith(name)


def test_canonical_ids_are_kept_as_given() -> None:
    assert _analysis(reviewed_by="U-DGM").reviewed_by == "U-DGM"
    assert _assessment().assessed_by == "u-hr"


def test_receivable_salesperson_is_canonical() -> None:
    """The salesperson whose commission an overdue offset reduces is a canonical id too."""
    base: dict[str, Any] = dict(
        item_id="AR-1", customer_id="C1", due_on=dt.date(2026, 3, 1), amount=Money("100", "CNY")
    )
    assert ReceivableItem(**base, salesperson="u-rep").salesperson == "u-rep"
    with pytest.raises(InvalidInput) as err:
        ReceivableItem(**base, salesperson="u-rep ")
    assert err.value.path.endswith("salesperson")
