"""Inventory family: O2C-IN-01 (month-end stock count, jointly made, differences explained)."""

from __future__ import annotations

from decimal import Decimal

import pytest

import salesctl as sc
from salesctl.controls.inventory import InventoryPolicy, detect_stock_count
from salesctl.errors import InvalidInput
from salesctl.reconcile import Records, StockCount
from tests.controls._records import MARCH, d, outcomes

POLICY = InventoryPolicy()


def count(
    product: str = "P-1", book: str = "100", counted: str = "100", **kw: object
) -> StockCount:
    values: dict[str, object] = {
        "count_id": "PD-03",
        "period_end": d(31),
        "product_id": product,
        "book_quantity": Decimal(book),
        "counted_quantity": Decimal(counted),
        "departments": frozenset({"production", "sales", "warehouse", "finance"}),
    }
    values.update(kw)
    return StockCount(**values)  # type: ignore[arg-type]


class TestStockCount:
    def test_joint_count_agreeing_with_books_passes(self) -> None:
        """S-IC 10.1: all four departments counted and the books agree."""
        r = detect_stock_count(Records(stock_counts=[count()]), MARCH, POLICY)
        assert r.tested == 1 and r.findings == ()

    def test_missing_department_is_held(self) -> None:
        """Finance did not take part."""
        c = count(departments=frozenset({"production", "sales", "warehouse"}))
        r = detect_stock_count(Records(stock_counts=[c]), MARCH, POLICY)
        assert outcomes(r) == [("O2C-IN-01", "HOLD", "PD-03/P-1")]
        assert "finance" in r.findings[0].text()

    def test_unexplained_difference_is_held_and_explained_is_evidence(self) -> None:
        """Counted 98 against 100 on the books: HOLD, or ALLOW once the cause is recorded."""
        r = detect_stock_count(Records(stock_counts=[count(counted="98")]), MARCH, POLICY)
        assert outcomes(r) == [("O2C-IN-01", "HOLD", "PD-03/P-1")]
        r = detect_stock_count(
            Records(stock_counts=[count(counted="98", explanation="2 bags damaged, written off")]),
            MARCH,
            POLICY,
        )
        assert outcomes(r) == [("O2C-IN-01", "ALLOW", "PD-03/P-1")]

    def test_month_without_count_is_blocked_unless_not_required(self) -> None:
        """No count at all: the control did not operate."""
        assert outcomes(detect_stock_count(Records(), MARCH, POLICY)) == [
            ("O2C-IN-01", "BLOCK", "stock@2026-03")
        ]
        assert (
            detect_stock_count(
                Records(), MARCH, InventoryPolicy(require_stock_count=False)
            ).findings
            == ()
        )


class TestPolicy:
    @pytest.mark.parametrize(
        "kwargs", [{"max_stock_difference": 1.5}, {"count_departments": ["sales", ""]}]
    )
    def test_bad_parameters_are_refused(self, kwargs: dict[str, object]) -> None:
        """Impossible parameters raise InvalidInput."""
        with pytest.raises(InvalidInput):
            InventoryPolicy(**kwargs)  # type: ignore[arg-type]

    def test_policy_file_table(self) -> None:
        """The family is configured in the [inventory] table of the policy file."""
        p = sc.loads_policy('[inventory]\nmax_stock_difference = "0.5"\n')
        assert p.family("inventory").max_stock_difference == Decimal("0.5")
