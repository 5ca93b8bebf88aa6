"""Weakening a key control is explicit (issue 13, finding 7).

Finding 7: "A policy can hollow out a key control and load with only a neutral 'deviation'
line". Each value of the issue's list is refused without an ``[acknowledged]`` entry (with the
key path and the line), accepted with one, and then shown by ``policy validate``, the RCM, the
gap page and the decision JSON. The map "policy key -> controls it affects" is the families'
``AFFECTS`` declarations, checked here against the code that reads each field.
"""

from __future__ import annotations

import ast
import csv
import datetime as dt
import importlib
import inspect
import io
import pkgutil
from pathlib import Path

import attrs
import pytest

import salesctl as sc
from salesctl import docs
from salesctl.cli import main
from salesctl.controls import CONTROLS, FAMILIES
from salesctl.controls.weakening import GENERAL
from salesctl.policy import affects, weakenings_of
from tests import builders as b

ROOT = Path(__file__).resolve().parent.parent
TS = dt.datetime(2026, 3, 2, 12, 0, tzinfo=dt.UTC)

#: ``(name, TOML body, controls weakened, key path, line of the key)``: the issue's list.
CASES = [
    (
        "credit_methods",
        "[credit]\ncredit_methods = []\n",
        {"O2C-CR-01", "O2C-CR-04", "O2C-CR-05", "O2C-CR-07", "O2C-CR-08", "O2C-DL-04"},
        "credit.credit_methods",
        2,
    ),
    (
        "exposure_categories",
        "[credit]\nexposure_categories = []\n",
        {"O2C-CR-04", "O2C-DL-04"},
        "credit.exposure_categories",
        2,
    ),
    (
        "overdue_grace_days",
        "[credit]\noverdue_grace_days = 100000\n",
        {"O2C-CR-05"},
        "credit.overdue_grace_days",
        2,
    ),
    (
        "min_collected_ratio",
        "[billing]\nmin_collected_ratio = 0\n",
        {"O2C-BL-03"},
        "billing.min_collected_ratio",
        2,
    ),
    (
        "root_max_cut_pct",
        '[pricing]\n\n[[pricing.authority]]\nid = "root"\nrole = "price_committee"\n'
        "level = 5\nmax_cut_pct = 1\n",
        {"O2C-PR-03"},
        "pricing.authority[0].max_cut_pct",
        7,
    ),
    ("rolling_days", "[pricing]\nrolling_days = 0\n", {"O2C-PR-05"}, "pricing.rolling_days", 2),
    (
        "release_role",
        '[credit]\nrelease_role = "sales_rep"\n',
        {"O2C-CR-04", "O2C-CR-06"},
        "credit.release_role",
        2,
    ),
    (
        "limit_approval_level",
        "[credit]\nlimit_approval_level = 0\n",
        {"O2C-CR-04", "O2C-CR-06"},
        "credit.limit_approval_level",
        2,
    ),
    ("conflicts", "[duties]\nconflicts = []\n", {"O2C-SD-01"}, "duties.conflicts", 2),
    (
        "one_tier_for_sales_rep",
        '[orders]\n\n[[orders.approval_tiers]]\nrole = "sales_rep"\nlevel = 0\n',
        {"O2C-SO-02"},
        "orders.approval_tiers[0]",
        3,
    ),
    # The seed's ordered chains given back in any order (step 0): the approval may then come
    # before the reviews it must follow (S-IC 2.2, S-K1 2 and 9, S-IC 1.2).
    (
        "profile_chain_unordered",
        "[credit]\nprofile_approvals = [\n"
        '  { role = "marketing_head", level = 3 },\n'
        '  { role = "finance_head", level = 3 },\n'
        '  { role = "general_manager", level = 4 },\n]\n',
        {"O2C-CR-02"},
        "credit.profile_approvals",
        2,
    ),
    (
        "application_chain_unordered",
        "[contracts]\napplication_approvals = [\n"
        '  { role = "sales_manager", level = 2, step = 1 },\n'
        '  { role = "general_manager", level = 4, step = 1 },\n]\n',
        {"O2C-CT-03"},
        "contracts.application_approvals",
        2,
    ),
    (
        "commission_chain_unordered",
        '[commission]\napprovals = [{ role = "finance_vp", level = 4 }, '
        '{ role = "general_manager", level = 4 }]\n',
        {"O2C-CM-01"},
        "commission.approvals",
        2,
    ),
    (
        "plan_chain_unordered",
        '[management]\nmonthly_plan_approvals = [{ role = "marketing_head", level = 3 }, '
        '{ role = "general_manager", level = 4 }]\n',
        {"O2C-PL-01"},
        "management.monthly_plan_approvals",
        2,
    ),
    (
        "key_control_disabled",
        '[policy]\ndisabled = ["O2C-CR-04"]\n',
        {"O2C-CR-04"},
        "policy.disabled",
        2,
    ),
    # issue 14: pickup orders and price master
    (
        "master_approval_node",
        '[pricing]\nmaster_approval_node = "rep"\n',
        {"O2C-PR-06"},
        "pricing.master_approval_node",
        2,
    ),
    (
        "master_maintainer_role",
        '[pricing]\nmaster_maintainer_role = "sales_rep"\n',
        {"O2C-PR-06"},
        "pricing.master_maintainer_role",
        2,
    ),
]

ALL_OFF = "[policy]\ndisabled = [{}]\n".format(", ".join(f'"{c}"' for c in sorted(CONTROLS)))


def _ack(ids: set[str], reason: str = "credit handled by the group finance company") -> str:
    return "\n[acknowledged]\n" + "".join(f'"{cid}" = "{reason}"\n' for cid in sorted(ids))


@pytest.mark.parametrize(("name", "body", "ids", "path", "line"), CASES, ids=[c[0] for c in CASES])
class TestEachWeakening:
    def test_refused_without_acknowledgement(
        self, name: str, body: str, ids: set[str], path: str, line: int
    ) -> None:
        with pytest.raises(sc.PolicyError) as e:
            sc.loads_policy(body)
        assert e.value.path == path
        assert e.value.line == line
        assert "[acknowledged]" in str(e.value)

    def test_refused_with_one_acknowledgement_missing(
        self, name: str, body: str, ids: set[str], path: str, line: int
    ) -> None:
        if len(ids) < 2:
            pytest.skip("one control")
        with pytest.raises(sc.PolicyError) as e:
            sc.loads_policy(body + _ack(ids - {sorted(ids)[0]}))
        assert e.value.path == path

    def test_accepted_with_acknowledgement(
        self, name: str, body: str, ids: set[str], path: str, line: int
    ) -> None:
        p = sc.loads_policy(body + _ack(ids))
        assert {w.control_id for w in p.weakenings()} == ids
        assert {w.key for w in p.weakenings()} == {path}
        assert p.weakened() == tuple(sorted(ids))
        assert sc.loads_policy(p.to_toml()) == p

    def test_shown_by_validate_rcm_gaps_and_decision(
        self, name: str, body: str, ids: set[str], path: str, line: int, tmp_path: Path
    ) -> None:
        f = tmp_path / "policy.toml"
        f.write_text(body + _ack(ids), encoding="utf-8")
        out, err = io.StringIO(), io.StringIO()
        assert main(["policy", "validate", str(f)], out=out, err=err) == 0
        warnings = [ln for ln in out.getvalue().splitlines() if ln.startswith("warning:")]
        assert {ln.split()[1] for ln in warnings} == ids
        assert all(path in ln and "group finance company" in ln for ln in warnings)
        policy = sc.load_policy(f)
        pages = docs.render(policy, timestamp=TS)
        rows = {r["id"]: r for r in csv.DictReader(io.StringIO(pages["controls/rcm.csv"].removeprefix("\ufeff")))}
        assert {cid for cid, r in rows.items() if r["weakened"]} == ids
        assert all(path in rows[cid]["weakened"] for cid in ids)
        assert "⚠ weakened" in pages["controls/rcm.md"]
        gaps = pages["controls/gaps.md"]
        assert f"`{path}`" in gaps and "group finance company" in gaps
        d = sc.Gate(policy).check(b.place(), b.context(prices=b.prices_for(b.order())))
        assert d.to_dict()["weakened"] == sorted(ids)
        assert sc.Decision.from_dict(d.to_dict()) == d


class TestPolicyRules:
    def test_every_control_disabled_needs_every_key_control_acknowledged(self) -> None:
        with pytest.raises(sc.PolicyError) as e:
            sc.loads_policy(ALL_OFF)
        assert e.value.path == "policy.disabled" and e.value.line == 2
        keys = {c.id for c in CONTROLS.values() if c.key}
        p = sc.loads_policy(ALL_OFF + _ack(keys, "a test of everything off"))
        assert set(p.weakened()) == keys

    def test_disabling_a_control_that_is_not_key_is_an_ordinary_deviation(self) -> None:
        p = sc.loads_policy('[policy]\ndisabled = ["O2C-CR-07"]\n')
        assert p.weakenings() == ()

    def test_an_acknowledgement_of_nothing_is_refused(self) -> None:
        with pytest.raises(sc.PolicyError) as e:
            sc.loads_policy('[acknowledged]\n"O2C-CR-04" = "just in case"\n')
        assert e.value.path == "acknowledged.O2C-CR-04" and e.value.line == 2

    @pytest.mark.parametrize(
        ("text", "path"),
        [
            ('[acknowledged]\n"O2C-ZZ-01" = "x"\n', "acknowledged.O2C-ZZ-01"),
            (
                '[duties]\nconflicts = []\n[acknowledged]\n"O2C-SD-01" = " "\n',
                "acknowledged.O2C-SD-01",
            ),
            (
                '[duties]\nconflicts = []\n[acknowledged]\n"O2C-SD-01" = 1\n',
                "acknowledged.O2C-SD-01",
            ),
            ("acknowledged = 1\n", "acknowledged"),
        ],
    )
    def test_malformed_acknowledgements(self, text: str, path: str) -> None:
        with pytest.raises(sc.PolicyError) as e:
            sc.loads_policy(text)
        assert e.value.path == path

    def test_python_construction_is_checked_too(self) -> None:
        duties = FAMILIES["duties"].policy_type(conflicts=())
        with pytest.raises(sc.PolicyError) as e:
            sc.Policy(families={"duties": duties})
        assert e.value.path == "duties.conflicts"
        p = sc.Policy(families={"duties": duties}, acknowledged={"O2C-SD-01": "one-person shop"})
        assert p.weakened() == ("O2C-SD-01",)

    def test_the_defaults_examples_and_demo_weaken_nothing(self) -> None:
        from salesctl.demo.host import DEMO_POLICY

        assert sc.Policy.default().weakenings() == ()
        assert weakenings_of({n: f.policy_type() for n, f in FAMILIES.items()}) == ()
        assert sc.load_policy(ROOT / "examples" / "policy.toml").weakenings() == ()
        assert sc.loads_policy(DEMO_POLICY).weakenings() == ()

    def test_the_pass_path_carries_no_weakened_list_by_default(self) -> None:
        d = sc.Gate().check(b.place(), b.context(prices=b.prices_for(b.order())))
        assert d.weakened == () and "weakened" not in d.to_dict()


# -- the map "policy key -> controls it affects" -------------------------------------------------


def _reads(fam: object) -> dict[str, set[str]]:
    """Field -> controls whose check or detect functions (and the family functions they call)
    read an attribute of that name: what the code says, as a lower bound for ``AFFECTS``."""
    ptype = fam.policy_type  # type: ignore[attr-defined]
    mod = ptype.__module__
    pkg = mod.rsplit(".", 1)[0] if mod.endswith(".policy") else mod
    mods = [importlib.import_module(pkg)]
    if hasattr(mods[0], "__path__"):
        mods += [
            importlib.import_module(f"{pkg}.{m.name}")
            for m in pkgutil.iter_modules(mods[0].__path__)
        ]
    calls: dict[str, set[str]] = {}
    attrs_read: dict[str, set[str]] = {}
    for m in mods:
        for node in ast.walk(ast.parse(inspect.getsource(m))):
            if isinstance(node, ast.FunctionDef):
                calls.setdefault(node.name, set()).update(
                    n.id for n in ast.walk(node) if isinstance(n, ast.Name)
                )
                attrs_read.setdefault(node.name, set()).update(
                    n.attr for n in ast.walk(node) if isinstance(n, ast.Attribute)
                )
    fields = {a.name for a in attrs.fields(ptype) if a.init}
    out: dict[str, set[str]] = {}
    for c in fam.controls:  # type: ignore[attr-defined]
        seen: set[str] = set()
        todo = [f.__name__ for f in (c.check, c.detect) if f is not None]
        while todo:
            f = todo.pop()
            if f in seen or f not in calls:
                continue
            seen.add(f)
            todo += calls[f] & set(calls)
        used = set().union(*(attrs_read[f] for f in seen)) if seen else set()
        for k in fields:
            if k in used or "{" + k + "}" in c.activity_en:
                out.setdefault(k, set()).add(c.id)
    return out


class TestAffectsMap:
    def test_every_field_of_every_family_names_a_control_or_is_general(self) -> None:
        for name, fam in FAMILIES.items():
            declared = getattr(fam.policy_type, "AFFECTS", None)
            assert declared is not None, f"{fam.policy_type.__name__} declares no AFFECTS"
            fields = [a.name for a in attrs.fields(fam.policy_type) if a.init]
            assert set(declared) == set(fields), name
            for key, ids in declared.items():
                assert ids == GENERAL or (ids and all(i in CONTROLS for i in ids)), (name, key)

    def test_the_declared_map_covers_what_the_code_reads(self) -> None:
        for name, fam in FAMILIES.items():
            for key, ids in _reads(fam).items():
                missing = ids - set(fam.policy_type.AFFECTS[key])
                assert not missing, f"{name}.{key} is read by {sorted(missing)}"

    def test_credit_methods_switches_off_key_controls_too(self) -> None:
        """The gap page's old misstatement: CR-04 and CR-08 (key) depend on credit_methods."""
        assert {"O2C-CR-01", "O2C-CR-04", "O2C-CR-05", "O2C-CR-08"} <= set(
            affects()["credit.credit_methods"]
        )

    def test_the_gap_page_uses_the_map(self) -> None:
        p = sc.loads_policy('[credit]\ncredit_methods = ["credit"]\n')
        gaps = docs.render(p, timestamp=TS)["controls/gaps.md"]
        row = next(ln for ln in gaps.splitlines() if "`credit.credit_methods`" in ln)
        for cid in affects()["credit.credit_methods"]:
            assert cid in row

    def test_declared_weakenings_name_controls_the_key_affects(self) -> None:
        amap = affects()
        for name, _body, ids, path, _line in CASES:
            if path.startswith("policy."):
                continue
            assert ids <= set(amap[path.split("[")[0]]), name


def test_contract_signing_open_to_the_proposer_is_a_weakening() -> None:
    """O2C-CT-05: a signing-authority line letting a sales rep sign any amount, or the sales rep
    keeping the seal, hollows the control out and must be acknowledged."""
    from salesctl.errors import PolicyError
    from salesctl.policy import loads_policy

    open_line = '[[contracts.signing_authorities]]\nrole = "sales_rep"\n'
    with pytest.raises(PolicyError) as e:
        loads_policy(open_line)
    assert "O2C-CT-05" in str(e.value) and e.value.line is not None
    ok = loads_policy(open_line + '[acknowledged]\n"O2C-CT-05" = "test"\n')
    assert "O2C-CT-05" in {w.control_id for w in ok.weakenings()}
    with pytest.raises(PolicyError):
        loads_policy('[contracts]\nseal_custodian_roles = ["sales_rep"]\n')
