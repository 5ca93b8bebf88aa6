"""Policy files: strict TOML, errors with key path and line, defaults."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

import salesctl as sc
from salesctl.controls.credit import CreditPolicy

EXAMPLE = Path(__file__).parent.parent / "examples" / "policy.toml"


def test_example_policy_loads_and_equals_defaults_for_its_families() -> None:
    """examples/policy.toml shows the defaults: its credit and orders tables equal them."""
    p = sc.load_policy(EXAMPLE)
    d = sc.Policy.default()
    assert p.family("credit") == d.family("credit")
    assert p.family("orders") == d.family("orders")
    assert p.deviations() == {}


def test_default_policy_is_valid_and_stable() -> None:
    """Two defaults have the same fingerprint; changing a value changes it."""
    assert sc.Policy.default().fingerprint == sc.Policy().fingerprint
    changed = sc.loads_policy("[credit]\noverdue_grace_days = 5\n")
    assert changed.fingerprint != sc.Policy.default().fingerprint
    assert changed.deviations() == {"credit": {"overdue_grace_days": (0, 5)}}


@pytest.mark.parametrize(
    ("toml", "path", "line"),
    [
        ('[credit]\nlimit_aproval_role = "x"\n', "credit.limit_aproval_role", 2),
        ('[credit]\nlimit_approval_level = "3"\n', "credit.limit_approval_level", 2),
        ("[credit]\n\noverdue_grace_days = -1\n", "credit.overdue_grace_days", 3),
        ('[creditt]\nx = 1\n', "creditt", 1),
        ('[policy]\nnme = "x"\n', "policy.nme", 2),
        ('[policy]\ndisabled = ["O2C-ZZ-01"]\n', "policy.disabled", 2),
        ('[policy]\nbase_currency = "ABC"\n', "policy.base_currency", 2),
        ('[credit]\ncredit_methods = ["cash", "barter"]\n', "credit.credit_methods[1]", 2),
        ('[credit]\nhigh_risk_grade = "Z"\n', "credit.high_risk_grade", 2),
        (
            '[orders]\n[[orders.approval_tiers]]\nrole = "a"\nlevel = 1\nmax_amount = "10 CNY"\n'
            '[[orders.approval_tiers]]\nrole = "b"\nlevel = 2\nmax_amount = "5 CNY"\n',
            "orders.approval_tiers[1].max_amount",
            9,
        ),
        (
            '[[credit.major_sale_tiers]]\nmin_amount = 100.5\napprovals = []\n',
            "credit.major_sale_tiers[0].min_amount",
            2,
        ),
    ],
)
def test_policy_errors_name_key_path_and_line(toml: str, path: str, line: int) -> None:
    """Unknown keys, wrong types and impossible values → PolicyError with path and line."""
    with pytest.raises(sc.PolicyError) as e:
        sc.loads_policy(toml)
    assert e.value.path == path
    assert e.value.line == line


def test_toml_syntax_error_has_a_line() -> None:
    """A TOML syntax error is a PolicyError with its line."""
    with pytest.raises(sc.PolicyError) as e:
        sc.loads_policy("[credit]\nx = = 1\n")
    assert e.value.line == 2


def test_decimals_are_exact() -> None:
    """TOML decimals are read as Decimal, never float."""
    p = sc.loads_policy('[[credit.major_sale_tiers]]\nmin_amount = "2000000 CNY"\napprovals = [{role = "x", level = 1}]\n')
    assert p.family("credit").major_sale_tiers[0].min_amount.amount == Decimal("2000000")


def test_missing_file_and_policy_objects() -> None:
    """A missing file is a PolicyError; a wrong family object is refused."""
    with pytest.raises(sc.PolicyError):
        sc.load_policy("/nonexistent/policy.toml")
    with pytest.raises(sc.PolicyError):
        sc.Policy(families={"credit": object()})
    assert isinstance(sc.Policy(families={"credit": CreditPolicy(overdue_grace_days=3)}).family("credit"), CreditPolicy)


def test_disabled_control_is_not_run() -> None:
    """A control switched off in the policy is not selected by the gate."""
    gate = sc.Gate(sc.loads_policy('[policy]\ndisabled = ["O2C-CR-07"]\n'))
    assert "O2C-CR-07" not in gate.controls_for("PlaceOrder")
    assert "O2C-CR-07" in sc.Gate().controls_for("PlaceOrder")


# -- tables of older policy files -------------------------------------------------------------

OLD_STYLE = """\
[policy]
disabled = ["O2C-IN-01"]

[period_end]
close_within_days = 45
order_closing_role = "sales_director"
ledger_role = "chief_accountant"
max_shipment_difference = "0.5"
shipment_role = "warehouse_manager"
billing_role = "chief_accountant"
sales_invoice_within_days = 2
posting_within_days = 3
revenue_role = "chief_accountant"
count_departments = ["finance", "warehouse"]
max_stock_difference = "1.5"
require_stock_count = false
stock_role = "warehouse_manager"
follow_up_level = 4

[receivables]
max_review_interval_days = 180
review_role = "finance_head"
pay_by_day = 4
"""

NEW_STYLE = """\
[policy]
disabled = ["O2C-IN-01"]

[orders]
close_within_days = 45
order_closing_role = "sales_director"
follow_up_level = 4

[contracts]
ledger_role = "chief_accountant"
follow_up_level = 4

[delivery]
max_shipment_difference = "0.5"
shipment_role = "warehouse_manager"
follow_up_level = 4

[billing]
billing_role = "chief_accountant"
follow_up_level = 4

[revenue]
sales_invoice_within_days = 2
posting_within_days = 3
revenue_role = "chief_accountant"
follow_up_level = 4

[inventory]
count_departments = ["finance", "warehouse"]
max_stock_difference = "1.5"
require_stock_count = false
stock_role = "warehouse_manager"
follow_up_level = 4

[credit]
max_review_interval_days = 180
review_role = "finance_head"

[receivables]
pay_by_day = 4
"""


def test_old_period_end_table_loads_as_the_families_that_own_its_keys() -> None:
    """An older file's [period_end] table (and the O2C-CR-03 keys of [receivables]) reads as
    the same keys in the families that now hold those controls."""
    old, new = sc.loads_policy(OLD_STYLE), sc.loads_policy(NEW_STYLE)
    assert old == new and old.fingerprint == new.fingerprint
    assert old.family("orders").close_within_days == 45
    assert old.family("inventory").max_stock_difference == Decimal("1.5")
    assert {old.family(f).follow_up_level for f in ("orders", "revenue", "inventory")} == {4}
    assert old.family("receivables").follow_up_level == 3  # [receivables] keeps its own
    assert "period_end" not in old.to_dict()
    assert sc.loads_policy(old.to_toml()) == old


@pytest.mark.parametrize(
    ("source", "paths"),
    [
        (
            "[orders]\nclose_within_days = 40\n\n[period_end]\nclose_within_days = 45\n",
            ("period_end.close_within_days", "orders.close_within_days"),
        ),
        (
            "[period_end]\nfollow_up_level = 4\n\n[billing]\nfollow_up_level = 2\n",
            ("period_end.follow_up_level", "billing.follow_up_level"),
        ),
        (
            '[credit]\nreview_role = "a"\n\n[receivables]\nreview_role = "b"\n',
            ("receivables.review_role", "credit.review_role"),
        ),
    ],
)
def test_key_given_in_the_old_and_the_new_table_is_refused(
    source: str, paths: tuple[str, str]
) -> None:
    """The same parameter in [period_end] and in its new table: an error naming both."""
    with pytest.raises(sc.PolicyError) as e:
        sc.loads_policy(source)
    assert all(p in str(e.value) for p in paths)
    assert e.value.line is not None


def test_unknown_key_of_the_old_table_is_refused() -> None:
    """A key no family has is still an error, with its path in the old table."""
    with pytest.raises(sc.PolicyError, match=r"period_end\.close_within_dayz"):
        sc.loads_policy("[period_end]\nclose_within_dayz = 45\n")
