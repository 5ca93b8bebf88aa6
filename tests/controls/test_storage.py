"""Issue 14: O2C-IN-02, storage conditions recorded every day and within range for goods that
need them (the food-trading flow S-FD)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

import salesctl as sc
from salesctl.controls.inventory import InventoryPolicy, StorageRange, detect_storage
from salesctl.errors import InvalidInput
from salesctl.records import Period, Records, StorageArea, StorageReading
from tests.controls._records import d, outcomes

POLICY = InventoryPolicy()
DAY = Period.day(d(2))
CHILL = StorageArea("CHILL-01", "chilled", d(1))
FROZEN = StorageArea("FRZ-01", "frozen", d(1))


def reading(area: str = "CHILL-01", temp: str = "3", day: int = 2, **kw: object) -> StorageReading:
    return StorageReading(area, d(day), Decimal(temp), **kw)  # type: ignore[arg-type]


def run(
    *readings: StorageReading, areas: tuple[StorageArea, ...] = (CHILL,), period: Period = DAY
) -> object:
    return detect_storage(Records(storage_areas=areas, storage_readings=readings), period, POLICY)


class TestIN02Storage:
    def test_seed_example_cold_store_read_within_range(self) -> None:
        """S-FD: the keeper checks the store; chilled goods at 3 °C (0–4 °C)."""
        r = run(reading())
        assert r.tested == 1 and r.findings == ()  # type: ignore[attr-defined]

    def test_exactly_at_the_limits_passes_one_degree_over_is_held(self) -> None:
        assert run(reading(temp="4")).findings == ()  # type: ignore[attr-defined]
        assert run(reading(temp="0")).findings == ()  # type: ignore[attr-defined]
        assert outcomes(run(reading(temp="5"))) == [("O2C-IN-02", "HOLD", "CHILL-01@2026-03-02")]
        assert outcomes(run(reading(temp="-1")))[0][1] == "HOLD"
        assert outcomes(run(reading(temp="4.01")))[0][1] == "HOLD"

    def test_frozen_ceiling(self) -> None:
        assert run(reading("FRZ-01", "-18"), areas=(FROZEN,)).findings == ()  # type: ignore[attr-defined]
        assert outcomes(run(reading("FRZ-01", "-17"), areas=(FROZEN,)))[0][1] == "HOLD"

    def test_humidity_limit(self) -> None:
        dry = StorageArea("DRY-01", "dry", d(1))
        assert run(reading("DRY-01", "20", humidity=Decimal(75)), areas=(dry,)).findings == ()  # type: ignore[attr-defined]
        assert (
            outcomes(run(reading("DRY-01", "20", humidity=Decimal(76)), areas=(dry,)))[0][1]
            == "HOLD"
        )
        assert outcomes(run(reading("DRY-01", "20"), areas=(dry,)))[0][1] == "HOLD"

    def test_no_reading_is_blocked(self) -> None:
        assert outcomes(run()) == [("O2C-IN-02", "BLOCK", "CHILL-01@2026-03-02")]

    def test_one_bad_reading_among_good_ones_is_held(self) -> None:
        assert outcomes(run(reading(temp="2"), reading(temp="6")))[0][1] == "HOLD"

    def test_areas_not_in_use_need_no_reading(self) -> None:
        later = StorageArea("CHILL-02", "chilled", d(3))
        closed = StorageArea("CHILL-03", "chilled", d(1), closed_on=d(2))
        assert run(areas=(later, closed)).findings == ()  # type: ignore[attr-defined]

    def test_unknown_category_and_unregistered_area_fail_closed(self) -> None:
        odd = StorageArea("X-1", "pharma", d(1))
        assert outcomes(run(reading("X-1"), areas=(odd,)))[0][1] == "BLOCK"
        assert outcomes(run(reading("NOPE"), areas=()))[0][1] == "BLOCK"

    def test_every_day_of_a_longer_period(self) -> None:
        week = Period.week(d(2))
        r = run(*(reading(day=n) for n in range(2, 8)), period=week)
        assert [doc for *_, doc in outcomes(r)] == ["CHILL-01@2026-03-08"]

    def test_policy_file(self) -> None:
        p = sc.loads_policy(
            '[inventory]\nstorage_ranges = [{category = "chilled", min_temperature = 0, '
            "max_temperature = 8}]\n"
        )
        pol = p.family("inventory")
        r = detect_storage(
            Records(storage_areas=[CHILL], storage_readings=[reading(temp="7")]), DAY, pol
        )
        assert r.findings == ()

    def test_range_validates(self) -> None:
        with pytest.raises(InvalidInput, match="min_temperature"):
            StorageRange("chilled", Decimal(5), Decimal(4))

    @given(st.decimals(min_value=-50, max_value=50, places=2, allow_nan=False))
    def test_property_out_of_range_never_passes(self, temp: Decimal) -> None:
        """Attacker: any chilled reading passes only within 0–4 °C inclusive."""
        r = run(reading(temp=str(temp)))
        assert (r.findings == ()) == (0 <= temp <= 4)  # type: ignore[attr-defined]


def test_area_in_use() -> None:
    assert CHILL.in_use(d(1)) and not CHILL.in_use(dt.date(2026, 2, 28))
