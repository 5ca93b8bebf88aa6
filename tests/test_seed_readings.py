"""How controls read their seeds (``Control.seed_readings``): validated like quotations, shown on
the control page and listed on the coverage-gap page, in both languages; and what a reading
tells the policy author to do does what it says.
"""

from __future__ import annotations

import attrs
import pytest

import salesctl as sc
from salesctl.control import SeedReading
from salesctl.controls import CONTROLS
from salesctl.docs.derived import default_policy
from salesctl.docs.gaps import gaps_page
from salesctl.docs.pages import control_page
from salesctl.errors import InvalidInput
from tests import builders as b
from tests.controls.test_contracts import ctx, only, sign

READ = [c for c in CONTROLS.values() if c.seed_readings]


def test_the_catalogue_states_its_readings() -> None:
    """The readings found while quoting the seeds are on the controls they concern."""
    assert {c.id for c in READ} == {
        "O2C-AR-02",
        "O2C-BL-02",
        "O2C-CR-07",
        "O2C-CT-01",
        "O2C-CT-04",
        "O2C-PR-04",
        "O2C-SO-05",
        "O2C-SV-01",
    }
    for c in READ:
        for r in c.seed_readings:
            assert isinstance(r, SeedReading)
            assert any(r.seed == s or r.seed.startswith(s + " ") for s in c.seeds), c.id


def test_a_reading_must_be_about_a_seed_the_control_cites() -> None:
    c = CONTROLS["O2C-CR-07"]
    with pytest.raises(InvalidInput) as e:
        attrs.evolve(c, seed_readings=(("S-K1 3", "别的来源。", "Another seed."),))
    assert e.value.path == "O2C-CR-07.seed_readings"


def test_triples_become_readings() -> None:
    c = attrs.evolve(CONTROLS["O2C-CR-07"], seed_readings=(("S-IC 2.3", "读法。", "A reading."),))
    assert c.seed_readings == (SeedReading("S-IC 2.3", "读法。", "A reading."),)


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("c", READ, ids=lambda c: c.id)
def test_the_control_page_shows_its_readings(c: sc.Control, lang: str) -> None:
    page = control_page(c, default_policy(), lang)
    head = "本控制对来源的解读" if lang == "zh" else "How this control reads its seed"
    assert head in page
    for r in c.seed_readings:
        assert (r.zh if lang == "zh" else r.en) in page


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_gap_page_lists_every_reading(lang: str) -> None:
    page = gaps_page(CONTROLS, default_policy(), lang)
    for c in READ:
        for r in c.seed_readings:
            assert f"[{c.id}]({c.id}.md)" in page
            assert (r.zh if lang == "zh" else r.en) in page


def test_a_control_without_readings_has_no_reading_heading() -> None:
    c = CONTROLS["O2C-CR-04"]
    assert not c.seed_readings
    assert "How this control reads its seed" not in control_page(c, default_policy(), "en")


def test_ct01_follows_s_ic_4_1_and_an_empty_method_list_follows_s_k1_3() -> None:
    """O2C-CT-01's reading: cash-and-carry goes without a written contract by default (S-IC 4.1);
    with ``cash_and_carry_methods`` empty every sale needs one (S-K1 3)."""
    oral_cash = b.sales_contract(
        form=sc.ContractForm.ORAL, payment=sc.PaymentTerms(sc.PaymentMethod.CASH, 0)
    )
    assert only("O2C-CT-01").check(sign(oral_cash), ctx()).allowed
    strict = sc.loads_policy("[contracts]\ncash_and_carry_methods = []\n")
    d = only("O2C-CT-01", strict).check(sign(oral_cash), ctx())
    assert d.outcome is sc.Outcome.BLOCK
