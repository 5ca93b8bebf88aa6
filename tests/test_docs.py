"""The generated control documentation: complete, parameterised by the policy, valid OSCAL."""

from __future__ import annotations

import csv
import datetime as dt
import doctest
import importlib.util
import io
import json
import re
import subprocess
import sys
import types
import uuid
from pathlib import Path
from typing import Any

import attrs
import pytest

import salesctl as sc
from salesctl import docs
from salesctl.cli import EXIT_ALLOW, EXIT_BAD_INPUT, main
from salesctl.control import Assertion, Automation, Control, Frequency, Kind
from salesctl.controls import CONTROLS, FAMILIES
from salesctl.docs.text import kind_text, table
from salesctl.errors import InvalidInput
from salesctl.policy import loads_policy

ROOT = Path(__file__).resolve().parents[1]
TS = dt.datetime(2026, 11, 27, 8, 0, tzinfo=dt.UTC)


@pytest.fixture(scope="module")
def pages() -> dict[str, str]:
    return docs.render(timestamp=TS)


def _new_control(**kw: Any) -> Control:
    base: dict[str, Any] = dict(
        id="O2C-ZZ-01",
        title_zh="测试控制",
        title_en="A control added later",
        objective_zh="目标",
        objective_en="objective",
        activity_zh="由 {limit_approval_role} 审批",
        activity_en="approved by {limit_approval_role}",
        risks=("R1.3",),
        kind=Kind.DETECTIVE,
        frequency=Frequency.MONTHLY,
        key=False,
        automation=Automation.MANUAL,
        assertions=(Assertion.COMPLETENESS,),
        seeds=("S-IC 9.1",),
        g9=(11,),
        stage="receivables",
        owner="finance",
        evidence="signed reconciliation",
        family="credit",
    )
    base.update(kw)
    return Control(**base)


def _broken(control: Control, name: str, value: Any) -> Control:
    """A copy of ``control`` with one field forced past its validator."""
    bad = attrs.evolve(control)
    object.__setattr__(bad, name, value)
    return bad


class TestCompleteness:
    def test_every_registered_control_is_in_the_rcm(self, pages: dict[str, str]) -> None:
        """Every control id of the registry appears in the RCM (Markdown, CSV, JSON) and has pages."""
        ids = set(CONTROLS)
        assert ids, "the registry is empty"
        assert {r["id"] for r in docs.rcm_rows()} == ids
        rows = list(csv.DictReader(io.StringIO(pages["controls/rcm.csv"].removeprefix("\ufeff"))))
        assert [r["id"] for r in rows] == sorted(ids)
        for lang_dir in ("controls", "zh/controls"):
            rcm = pages[f"{lang_dir}/rcm.md"]
            for cid in ids:
                assert f"[{cid}]({cid}.md)" in rcm
                assert f"{lang_dir}/{cid}.md" in pages
        data = json.loads(pages["controls/controls.json"])
        assert [c["id"] for c in data["controls"]] == sorted(ids)

    def test_every_registered_control_has_its_metadata(self) -> None:
        """No registered control lacks a required RCM field or names an unknown parameter."""
        problems = {cid: docs.missing_metadata(c) for cid, c in CONTROLS.items()}
        assert {k: v for k, v in problems.items() if v} == {}

    @pytest.mark.parametrize(
        ("name", "value"),
        [
            ("id", "CR-4"),
            ("title_zh", ""),
            ("title_en", ""),
            ("risks", ()),
            ("risks", ("R9.9",)),
            ("kind", None),
            ("frequency", None),
            ("automation", "automated"),
            ("assertions", frozenset()),
            ("seeds", ()),
            ("seeds", ("the manual",)),
            ("objective_en", ""),
            ("owner", ""),
            ("evidence", ""),
            ("g9", ()),
        ],
    )
    def test_a_control_missing_metadata_fails(self, name: str, value: Any) -> None:
        """A control lacking a required field is reported, and generation refuses it."""
        bad = _broken(CONTROLS["O2C-CR-04"], name, value)
        assert name in docs.missing_metadata(bad)
        with pytest.raises(InvalidInput, match="lacks required metadata"):
            docs.render(controls={**CONTROLS, "O2C-CR-04": bad}, timestamp=TS)

    def test_an_unknown_activity_parameter_fails(self) -> None:
        """An activity naming a key its family policy does not have is reported (it would print raw)."""
        bad = _new_control(activity_en="approved by {limit_aproval_role}")
        assert docs.missing_metadata(bad) == ("activity_en",)

    def test_a_control_added_later_is_documented_with_no_change(self) -> None:
        """A new control shows up on every output, with its parameter filled in."""
        new = _new_control()
        out = docs.render(controls={**CONTROLS, new.id: new}, timestamp=TS)
        assert "approved by credit manager" in out["controls/O2C-ZZ-01.md"]
        assert "由 信用经理 审批" in out["zh/controls/O2C-ZZ-01.md"]
        assert "[O2C-ZZ-01](O2C-ZZ-01.md)" in out["controls/rcm.md"]
        assert "O2C-ZZ-01" in out["controls/by-stage.md"]
        assert "O2C-ZZ-01" in out["controls/by-g9.md"]
        assert "O2C-ZZ-01" in out["controls/rcm.csv"]
        reqs = json.loads(out["controls/oscal-component-definition.json"])["component-definition"][
            "components"
        ][0]["control-implementations"][0]["implemented-requirements"]
        assert "O2C-ZZ-01" in {r["control-id"] for r in reqs}
        # A monthly manual control: sampled 2–4 months, listed as not run by the gate.
        assert docs.sample_size(new) == "2–4"
        assert "O2C-ZZ-01" in out["controls/gaps.md"].split("gate does not run")[1]


class TestPolicyParameters:
    def test_changing_a_parameter_changes_the_activity_text(self) -> None:
        """The activity is written with the parameters as configured, not the defaults."""
        cr04 = CONTROLS["O2C-CR-04"]
        default = docs.render(timestamp=TS)
        custom = docs.render(
            loads_policy('[credit]\nlimit_approval_role = "chief_financial_officer"\n'),
            timestamp=TS,
        )
        assert "credit manager" in cr04.activity(sc.Policy.default().family("credit"), "en")
        for page in ("controls/O2C-CR-04.md", "zh/controls/O2C-CR-04.md"):
            assert "chief financial officer" not in default[page]
            assert "chief financial officer" in custom[page]
        row = next(
            r for r in csv.DictReader(io.StringIO(custom["controls/rcm.csv"].removeprefix("\ufeff"))) if r["id"] == cr04.id
        )
        assert "chief financial officer" in row["activity_en"]
        assert "chief financial officer" in row["activity_zh"]

    def test_gap_page_lists_deviations_and_switched_off_controls(self) -> None:
        """Re-parameterised keys (with the controls they affect) and disabled controls are listed."""
        policy = loads_policy(
            '[policy]\ndisabled = ["O2C-CR-07"]\n[credit]\nlimit_approval_level = 4\n'
        )
        out = docs.render(policy, timestamp=TS)
        gaps = out["controls/gaps.md"]
        assert re.search(r"\| `credit.limit_approval_level` \| 3 \| 4 \| .*O2C-CR-04", gaps)
        off = gaps.split("switched off by the policy")[1].split("##")[0]
        assert "O2C-CR-07" in off and "O2C-CR-04" not in off
        assert "switched off by the policy" in out["controls/O2C-CR-07.md"]
        assert "does not run under this policy" in out["controls/O2C-CR-07.md"]
        assert (
            "Every parameter is at its default."
            in docs.render(timestamp=TS)["controls/gaps.md"]
        )

    def test_cli_writes_the_documentation_for_the_policy_file(self, tmp_path: Path) -> None:
        """`salesctl docs --policy FILE --out DIR` writes pages, CSV (with BOM), JSON and OSCAL."""
        policy = tmp_path / "policy.toml"
        policy.write_text('[credit]\nlimit_approval_role = "group_cfo"\n', encoding="utf-8")
        out, err = io.StringIO(), io.StringIO()
        code = main(
            [
                "docs",
                "--policy",
                str(policy),
                "--out",
                str(tmp_path / "site"),
                "--timestamp",
                TS.isoformat(),
            ],
            out=out,
            err=err,
        )
        assert code == EXIT_ALLOW, err.getvalue()
        site = tmp_path / "site"
        assert "group cfo" in (site / "controls/O2C-CR-04.md").read_text(encoding="utf-8")
        assert (site / "controls/rcm.csv").read_bytes().startswith(b"\xef\xbb\xbf")
        assert (site / "zh/controls/O2C-CR-04.md").is_file()
        assert "limit_approval_role" in (site / "policy-reference.md").read_text(encoding="utf-8")
        for name in ("controls.json", "oscal-catalog.json", "oscal-component-definition.json"):
            json.loads((site / "controls" / name).read_text(encoding="utf-8"))
        stale = site / "controls" / "O2C-ZZ-99.md"
        stale.write_text("old", encoding="utf-8")
        assert main(["docs", "--out", str(site)], out=out, err=err) == EXIT_ALLOW
        assert not stale.exists()

    @pytest.mark.parametrize(
        "args",
        [
            ["docs", "--policy", "does-not-exist.toml", "--out", "x"],
            ["docs", "--out", "x", "--timestamp", "yesterday"],
        ],
    )
    def test_cli_bad_input_exits_3(self, args: list[str], tmp_path: Path) -> None:
        """A missing policy file or a bad timestamp is bad input (exit 3), with a message."""
        args = [a if a != "x" else str(tmp_path / "x") for a in args]
        err = io.StringIO()
        assert main(args, out=io.StringIO(), err=err) == EXIT_BAD_INPUT == 3
        assert err.getvalue().startswith("salesctl: ")

    def test_output_is_stable(self) -> None:
        """The same catalogue, policy and timestamp give byte-identical outputs (stable diffs)."""
        assert docs.render(timestamp=TS) == docs.render(timestamp=TS)


class TestDerivedColumns:
    @pytest.mark.parametrize(
        ("frequency", "expected"),
        [
            (Frequency.YEARLY, "1"),
            (Frequency.QUARTERLY, "2"),
            (Frequency.MONTHLY, "2–4"),
            (Frequency.WEEKLY, "5–15"),
            (Frequency.DAILY, "20–40"),
            (Frequency.PER_TRANSACTION, "25–60"),
        ],
    )
    def test_sample_size_by_frequency(self, frequency: Frequency, expected: str) -> None:
        """Manual and IT-dependent controls are sampled by frequency."""
        for automation in (Automation.MANUAL, Automation.IT_DEPENDENT):
            c = _new_control(frequency=frequency, automation=automation)
            assert docs.sample_size(c) == expected

    def test_automated_sample_is_one_per_configured_variant(self) -> None:
        """An automated control is tested once per finding it can raise and per band."""
        c = _new_control(
            automation=Automation.AUTOMATED,
            messages={"x.a": ("甲", "a"), "x.b": ("乙", "b")},
            activity_en="bands {major_sale_tiers}",
        )
        bands = len(sc.Policy.default().family("credit").major_sale_tiers)
        assert docs.sample_size(c) == f"1 per configured variant ({2 + bands})"
        assert docs.sample_size(c, lang="zh") == f"每个配置变体 1 个（共 {2 + bands} 个）"

    def test_coso_principles_are_derived(self) -> None:
        """P10 always, P8 for revenue risk R2.1, P11 only for change control (explicit or at
        policy load), plus explicit refs; each with its reason."""
        manual = _new_control()
        assert docs.coso_principles(manual) == ("P10",)
        auto = _new_control(
            automation=Automation.AUTOMATED, risks=("R2.1",), refs=("COSO P3", "BN 29")
        )
        assert docs.coso_principles(auto) == ("P3", "P8", "P10")
        assert "P11" in docs.coso_principles(CONTROLS["O2C-PR-04"])
        assert "P11" not in docs.coso_principles(CONTROLS["O2C-CR-04"])

    def test_tests_of_design_and_operating_effectiveness_follow_the_metadata(self) -> None:
        """Automated controls are benchmarked; manual ones sampled with their evidence."""
        cr04 = CONTROLS["O2C-CR-04"]
        assert "benchmarking" in docs.operating_effectiveness_test(cr04)
        assert "check_credit_limit" in docs.design_test(cr04)
        manual = _new_control()
        assert "signed reconciliation" in docs.operating_effectiveness_test(manual)
        assert "2–4 months" in docs.operating_effectiveness_test(manual)
        assert "个月" in docs.operating_effectiveness_test(manual, lang="zh")

    @pytest.mark.parametrize(
        ("seed", "covered", "not_covered"),
        [
            ("S-CP 3.1.3–3.1.4★", ["S-CP 3.1.3", "S-CP 3.1.4"], ["S-CP 3.1.2", "S-CP 3.2.1"]),
            ("S-YF 9–11", ["S-YF 9", "S-YF 10", "S-YF 11"], ["S-K1 9"]),
            ("S-IC 5", ["S-IC 5.1", "S-IC 5.3"], ["S-IC 6.1"]),
            ("S-K1 2,3", ["S-K1 2", "S-K1 3"], ["S-K1 1", "S-K1 12"]),
            ("S-PS", ["S-PS 产品销售标准流程 1"], ["S-PM A"]),
            ("S-FT 报价", ["S-FT 报价"], ["S-FT 付款方式"]),
        ],
    )
    def test_seed_citations_cover_control_points(
        self, seed: str, covered: list[str], not_covered: list[str]
    ) -> None:
        """Ranges, lists, sections and whole sources cover the right seed control points."""
        got = docs.seed_points_covered([_new_control(seeds=(seed,))])
        for tag in covered:
            assert got[tag] == ("O2C-ZZ-01",), tag
        for tag in not_covered:
            assert got[tag] == (), tag

    def test_gap_page_lists_uncovered_articles_and_points(self) -> None:
        """With only one control, every other G9 article and seed point is a gap."""
        only = {"O2C-ZZ-01": _new_control()}
        gaps = docs.render(controls=only, timestamp=TS)["controls/gaps.md"]
        g9 = gaps.split("Guideline 9 requirements with no control")[1].split("##")[0]
        assert "Art. 3 (3.1):" in g9 and "Art. 10 (10.1):" not in g9
        points = gaps.split("Seed control points with no control")[1].split("##")[0]
        assert "**S-IC 1.1**" in points and "**S-IC 9.1**" not in points

    def test_markdown_in_free_text_is_escaped(self) -> None:
        """Brackets in an activity never turn into a link."""
        c = _new_control(activity_en="stages [needs, proposal](in order)")
        page = docs.render(controls={c.id: c}, timestamp=TS)["controls/O2C-ZZ-01.md"]
        assert r"\[needs, proposal\](in order)" in page


class TestKinds:
    def test_a_control_with_both_sides_shows_both_everywhere(self, pages: dict[str, str]) -> None:
        """Every control whose `kinds` holds both shows "preventive + detective" on its page, in
        the RCM and in the indexes, in both languages; the others show their one kind."""
        both = {cid for cid, c in CONTROLS.items() if c.kinds == frozenset(Kind)}
        assert {"O2C-SO-01", "O2C-PL-01"} <= both
        for cid in CONTROLS:
            en = re.search(
                r"^\| Preventive / detective \| (.*) \|$", pages[f"controls/{cid}.md"], re.M
            )
            zh = re.search(r"^\| 控制类型 \| (.*) \|$", pages[f"zh/controls/{cid}.md"], re.M)
            assert en is not None and zh is not None
            assert en.group(1).startswith("preventive + detective") == (cid in both), cid
            assert zh.group(1).startswith("预防性 + 检查性") == (cid in both), cid
            if cid in both:
                rcm_row = next(x for x in pages["controls/rcm.md"].splitlines() if f"[{cid}]" in x)
                assert "preventive + detective" in rcm_row
                index_row = next(
                    x for x in pages["controls/index.md"].splitlines() if f"[{cid}]" in x
                )
                assert "preventive + detective" in index_row

    def test_the_kind_shown_is_every_kind_in_kinds(self) -> None:
        """A detective-only control shows one kind (with its periods); given a preventive check
        too, the same control shows both."""
        detective = _new_control(
            detect=lambda *_: None, detect_at=frozenset({Frequency.MONTHLY, Frequency.DAILY})
        )
        assert kind_text(detective, "en") == "detective (its check runs daily, monthly)"
        assert kind_text(detective, "zh") == "检查性（检查程序每日、每月运行）"
        both = attrs.evolve(detective, check=lambda *_: (), applies_to=("order",))
        assert both.kinds == frozenset(Kind)
        assert kind_text(both, "en") == "preventive + detective (its check runs daily, monthly)"
        assert kind_text(_new_control(), "en") == "detective"


class TestPackage:
    def test_public_names_resolve(self) -> None:
        """Every name of `salesctl.docs.__all__` exists, `register` (used by the CLI) among them."""
        assert "register" in docs.__all__
        for name in docs.__all__:
            assert getattr(docs, name) is not None, name

    def test_module_doctest_runs(self) -> None:
        """The example in the package docstring works as written."""
        assert doctest.testmod(docs).failed == 0

    def test_one_table_builder(self) -> None:
        """Every table is written by `text.table`: blank headers as `| | |`, cells as given."""
        assert table(("", ""), [("a", "b")]) == ["| | |", "|---|---|", "| a | b |"]
        assert table(("key", "★"), [("x", "")]) == ["| key | ★ |", "|---|---|", "| x |  |"]
        assert table(("a",), []) == ["| a |", "|---|"]

    def test_modules_stay_small(self) -> None:
        """The package is split by job; no module grows past 600 lines."""
        root = Path(docs.__file__).parent
        sizes = {p.name: len(p.read_text(encoding="utf-8").splitlines()) for p in root.glob("*.py")}
        assert len(sizes) > 10
        assert max(sizes.values()) <= 600, sizes


class TestPolicyReference:
    def test_every_key_of_every_family_is_documented(self) -> None:
        """Every field of every family policy class (and nested table) has a docstring entry."""
        assert docs.undocumented_policy_keys() == ()

    def test_reference_lists_every_key_with_its_default(self) -> None:
        """The generated reference has a row for every key of every family table."""
        ref = docs.policy_reference()
        for name, fam in FAMILIES.items():
            section = ref.split(f"## `[{name}]`")[1].split("\n## `[")[0]
            for a in attrs.fields(fam.policy_type):
                if a.init:
                    assert f"| `{a.name}` |" in section, f"{name}.{a.name}"
        role = sc.Policy.default().family("credit").limit_approval_role
        assert f'| `limit_approval_role` | string | `"{role}"` |' in ref
        assert "| `disabled` |" in ref


class TestOscal:
    def test_component_definition_validates_against_the_oscal_schema(self) -> None:
        """The component definition and the catalog load into compliance-trestle's OSCAL models."""
        from trestle.oscal import OSCAL_VERSION_REGEX
        from trestle.oscal.catalog import Catalog
        from trestle.oscal.component import ComponentDefinition

        assert re.match(OSCAL_VERSION_REGEX, docs.OSCAL_VERSION)
        comp = docs.oscal_component_definition(timestamp=TS)["component-definition"]
        model = ComponentDefinition.model_validate(comp)
        impl = model.components[0].control_implementations[0]  # type: ignore[index]
        assert {r.control_id for r in impl.implemented_requirements} == set(CONTROLS)
        catalog = Catalog.model_validate(docs.oscal_catalog(timestamp=TS)["catalog"])
        params = {p.id for g in catalog.groups or [] for p in g.params or []}
        assert {s.param_id for s in impl.set_parameters or []} <= params
        controls = {c.id for g in catalog.groups or [] for c in g.controls or []}
        assert controls == set(CONTROLS)

    @pytest.mark.parametrize(
        ("path", "value"),
        [
            (("uuid",), "not-a-uuid"),
            (("metadata", "last-modified"), "2026-11-27"),
            (("components", 0, "type"), ""),
            (
                (
                    "components",
                    0,
                    "control-implementations",
                    0,
                    "implemented-requirements",
                    0,
                    "control-id",
                ),
                "O2C CR 04",
            ),
        ],
    )
    def test_the_schema_check_can_fail(self, path: tuple[Any, ...], value: Any) -> None:
        """A malformed document is refused by the same validation (the test is not vacuous)."""
        from pydantic import ValidationError
        from trestle.oscal.component import ComponentDefinition

        comp = docs.oscal_component_definition(timestamp=TS)["component-definition"]
        target = comp
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value
        with pytest.raises(ValidationError):
            ComponentDefinition.model_validate(comp)

    def test_uuids_derive_from_control_ids(self) -> None:
        """Requirement UUIDs are uuid5 of the control id: unchanged by time or parameters."""

        def reqs(policy: sc.Policy, ts: dt.datetime) -> dict[str, dict[str, Any]]:
            comp = docs.oscal_component_definition(policy, timestamp=ts)["component-definition"]
            impl = comp["components"][0]["control-implementations"][0]
            return {r["control-id"]: r for r in impl["implemented-requirements"]}

        a = reqs(sc.Policy.default(), TS)
        b = reqs(loads_policy("[credit]\nlimit_approval_level = 5\n"), TS + dt.timedelta(days=1))
        ns = uuid.uuid5(uuid.NAMESPACE_URL, "urn:salesctl")
        for cid in CONTROLS:
            assert (
                a[cid]["uuid"]
                == b[cid]["uuid"]
                == str(uuid.uuid5(ns, f"implemented-requirement:{cid}"))
            )
        assert a["O2C-CR-04"]["description"] != b["O2C-CR-04"]["description"]

    def test_parameters_are_set_parameters(self) -> None:
        """The policy's parameters appear as set-parameters with the configured values."""
        comp = docs.oscal_component_definition(
            loads_policy('[credit]\nrelease_role = "treasury"\n'), timestamp=TS
        )["component-definition"]
        sp = {
            s["param-id"]: s["values"]
            for s in comp["components"][0]["control-implementations"][0]["set-parameters"]
        }
        assert sp["credit.release_role"] == ["treasury"]
        assert sp["credit.limit_approval_level"] == ["3"]


def _load_hook(name: str) -> types.ModuleType:
    spec = importlib.util.spec_from_file_location(
        f"_hook_{name}", ROOT / "docs" / "hooks" / f"{name}.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class TestSite:
    def test_nav_takes_pages_written_later(self, tmp_path: Path) -> None:
        """A page the nav does not list yet lands under "More"; control pages under their sections."""
        pytest.importorskip("mkdocs")
        hook = _load_hook("controls")
        (tmp_path / "later.md").write_text("# Written later\n", encoding="utf-8")
        (tmp_path / "index.md").write_text("# Home\n", encoding="utf-8")
        config = types.SimpleNamespace(
            nav=[
                {"Home": "index.md"},
                {"Controls": [{"RCM": "controls/rcm.md"}]},
                {"中文": []},
                {"API reference": [{"salesctl.gate": "reference/gate.md"}]},
            ],
            docs_dir=str(tmp_path),
        )
        nav = hook.on_config(config).nav
        assert {"More": [{"Written later": "later.md"}]} in nav
        assert {"O2C-CR-04": "controls/O2C-CR-04.md"} in nav[1]["Controls"][-1]["All controls"]
        assert {"O2C-CR-04": "zh/controls/O2C-CR-04.md"} in nav[2]["中文"][-1]["全部控制"]
        assert {"salesctl.controls.credit": "reference/families/credit.md"} in nav[3][
            "API reference"
        ]

    def test_doctests_are_fenced_for_mkdocstrings(self) -> None:
        """`>>>` runs become pycon blocks; fenced ones are left alone."""
        hook = _load_hook("griffe_doctest")
        text = "Intro.\n\n>>> f()\n['a', 'b']\n\nMore.\n\n```\n>>> g()\n```"
        assert hook.fence_doctests(text) == (
            "Intro.\n\n```pycon\n>>> f()\n['a', 'b']\n```\n\nMore.\n\n```\n>>> g()\n```"
        )

    def test_mkdocs_build_renders_the_rcm_and_control_pages(self, tmp_path: Path) -> None:
        """`mkdocs build --strict` passes; the RCM and a control page exist with their ids."""
        site = tmp_path / "site"
        run = subprocess.run(
            [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site)],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert run.returncode == 0, run.stderr[-3000:]
        rcm = (site / "controls" / "rcm" / "index.html").read_text(encoding="utf-8")
        for cid in CONTROLS:
            assert cid in rcm
        page = (site / "controls" / "O2C-CR-04" / "index.html").read_text(encoding="utf-8")
        assert "O2C-CR-04" in page and "credit manager" in page
        zh = (site / "zh" / "controls" / "O2C-CR-04" / "index.html").read_text(encoding="utf-8")
        assert "控制活动" in zh
        policy = (site / "policy" / "index.html").read_text(encoding="utf-8")
        assert "limit_approval_role" in policy and "salesctl:policy-reference" not in policy
        assert (site / "controls" / "oscal-component-definition.json").is_file()


def _runnable_blocks(page: str) -> list[str]:
    text = (ROOT / "docs" / page).read_text(encoding="utf-8")
    return re.findall(r"<!-- test: run -->\n```python\n(.*?)```", text, flags=re.S)


def test_host_integration_examples_run(monkeypatch: pytest.MonkeyPatch) -> None:
    """The runnable examples of the host-integration guide work as written."""
    blocks = _runnable_blocks("host-integration.md")
    assert len(blocks) == 4
    monkeypatch.chdir(ROOT)
    namespace: dict[str, Any] = {}
    for block in blocks:
        exec(compile(block, "host-integration.md", "exec"), namespace)


def test_rcm_and_controls_json_show_both_sides_of_a_control() -> None:
    """O2C-SO-01 is preventive (the next number at entry) and detective (gaps over a period):
    the RCM row and controls.json say both."""
    from salesctl.docs import controls_json, rcm_rows
    from salesctl.policy import Policy

    rows = {r["id"]: r for r in rcm_rows(Policy.default())}
    assert rows["O2C-SO-01"]["kind"] == "preventive + detective"
    assert rows["O2C-CR-04"]["kind"] == "preventive"
    data = controls_json(Policy.default())
    by_id = {c["id"]: c for c in data["controls"]}
    assert by_id["O2C-SO-01"]["kinds"] == ["preventive", "detective"]
