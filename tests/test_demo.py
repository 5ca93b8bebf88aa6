"""The demo generator: same seed, same bytes; the injector table and its registry."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path

import pytest

from salesctl.demo import (
    DEMO_POLICY,
    INJECTORS,
    DemoError,
    Injection,
    World,
    generate,
    injector,
    write_demo,
)
from salesctl.demo.injection import Planted
from salesctl.errors import InvalidInput

#: SHA-256 of ``events.jsonl`` and of the manifest (without the policy fingerprint, which
#: follows the policy text) written by ``salesctl demo DIR --seed 3 --customers 40 --orders
#: 200``. They change only when the generated year changes on purpose (last: issue 14 — each plain
#: credit sale signed on its contract with 60 % paid before delivery, O2C-RR-04 planted; receipts
#: into the settlement account with their bank lines, monthly commission accruals and collections
#: analyses, daily storage readings, promotions; O2C-AR-03/-04, CM-02, MN-03/-04, IN-02 planted;
#: a centrally sold chemical shipped against pickup orders, O2C-DL-07 and O2C-PR-06 planted;
#: issue 15 — the O2C-CR-04 row also plants a customer group over its limit, with a USD order;
#: issue 16 — a contract deal's quotation and pipeline stages are written the same morning, not 6
#: and 12 days back, so the stream is in date order).
_EVENTS_SHA256 = "9cc88040ff56cc2dbac70c52dbc020bb9535ce5ba300439a26c20e5bcb7b88aa"
_MANIFEST_SHA256 = "e6d447e2423f0f1a8c2fd9f9a9c10b50c979cc91ae862f9ec9c804c0c2dd0f13"


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class TestSameSeedSameBytes:
    def test_a_small_year_is_byte_for_byte_the_recorded_one(self, tmp_path: Path) -> None:
        """A small year's events and manifest are exactly the ones recorded for its seed."""
        events, policy, manifest = write_demo(tmp_path, seed=3, customers=40, orders=200)
        assert _sha256(events.read_bytes()) == _EVENTS_SHA256
        data = json.loads(manifest.read_text(encoding="utf-8"))
        data.pop("policy_fingerprint")
        assert _sha256(json.dumps(data, sort_keys=True).encode()) == _MANIFEST_SHA256
        assert policy.read_text(encoding="utf-8") == DEMO_POLICY

    def test_written_and_returned_years_agree(self, tmp_path: Path) -> None:
        """``write_demo`` streams the lines ``generate`` returns."""
        events, _, _ = write_demo(tmp_path, seed=4, customers=8, orders=60, injectors=())
        demo = generate(seed=4, customers=8, orders=60, injectors=())
        assert events.read_text(encoding="utf-8").splitlines() == list(demo.lines())


class TestInjectorTable:
    def test_every_row_is_an_injection_keyed_by_its_control(self) -> None:
        """The table holds one row per control, each planting its own control among others."""
        assert len(INJECTORS) == 56
        for cid, row in INJECTORS.items():
            assert isinstance(row, Injection)
            assert row.control_id == cid
            assert cid in row.controls
            assert 2 <= row.latest_month <= 11

    def test_each_row_plants_what_it_declares(self) -> None:
        """A year with one injector records exactly that row's (control, note) pairs."""
        for cid in ("O2C-CR-06", "O2C-SO-01", "O2C-BL-02", "O2C-CT-02"):
            demo = generate(seed=2, customers=10, orders=60, injectors=[cid])
            planted = sorted((v.control_id, v.note) for v in demo.manifest.violations)
            assert planted == sorted(INJECTORS[cid].plants), cid

    def test_the_gate_set_defaults_to_the_planted_controls(self) -> None:
        """``planted.expect`` is the row's controls unless the row names its gate set."""
        world = World(seed=1, year=2026, customers=4, orders=10)
        assert Planted(world, INJECTORS["O2C-CR-01"]).expect == {"O2C-CR-01", "O2C-CR-09"}
        assert Planted(world, INJECTORS["O2C-BL-02"]).expect == {"O2C-BL-01"}

    def test_documents_must_match_the_plants(self) -> None:
        """One document for all of a row's violations, or one each; anything else is a bug."""
        world = World(seed=1, year=2026, customers=4, orders=10)
        planted = Planted(world, INJECTORS["O2C-SO-01"])
        with pytest.raises(DemoError):
            planted("a", "b")
        planted("SO-X")
        assert [v.document_id for v in world.violations] == ["SO-X"] * 4

    def test_a_plain_function_can_be_registered(self) -> None:
        """``@injector`` registers a plain ``(world, when)`` function as a row."""
        calls: list[dt.datetime] = []

        @injector("O2C-XX-99", latest_month=5)
        def plant(w: World, when: dt.datetime) -> None:
            calls.append(when)
            w.seed_violation("O2C-XX-99", "DOC-1", "planted by hand")

        try:
            row = INJECTORS["O2C-XX-99"]
            assert row.latest_month == 5 and row.plants == ()
            demo = generate(seed=3, customers=6, orders=30, injectors=["O2C-XX-99"])
            assert len(calls) == 1 and calls[0].month <= 5
            assert [
                (v.control_id, v.document_id, v.injector) for v in demo.manifest.violations
            ] == [("O2C-XX-99", "DOC-1", "O2C-XX-99")]
        finally:
            del INJECTORS["O2C-XX-99"]

    def test_an_unknown_injector_is_refused(self) -> None:
        """Asking for an injector no row registers is an input error."""
        with pytest.raises(InvalidInput, match="no injector registered"):
            generate(seed=1, customers=4, orders=10, injectors=["O2C-SO-02", "O2C-ZZ-01"])


def test_a_small_year_plants_the_reused_order_number_even_before_its_first_order() -> None:
    """Seed 2992 with 4 customers reaches the numbering row before any order was placed: the
    row places one first, so that the reused number is one already issued (the generator used
    to stop with a DemoError: the "duplicate" was number 1, the next in the series)."""
    demo = generate(seed=2992, customers=4, orders=20)
    assert "SO-2026-000001-DUP" in demo.manifest.expected()["O2C-SO-01"]
