"""Money: exact, currency-bound, floats refused."""

from __future__ import annotations

from decimal import Decimal

import pytest

from salesctl import CurrencyMismatch, InvalidInput, Money


class TestConstruction:
    def test_normalises_to_minor_unit(self) -> None:
        """1 CNY and 1.00 CNY are the same amount and print with two decimals."""
        assert Money("1", "CNY") == Money("1.00", "CNY")
        assert str(Money(1, "CNY")) == "1.00 CNY"
        assert str(Money("5", "JPY")) == "5 JPY"

    @pytest.mark.parametrize(
        ("amount", "currency", "path"),
        [
            (1.5, "CNY", "Money.amount"),
            ("abc", "CNY", "Money.amount"),
            ("NaN", "CNY", "Money.amount"),
            ("Infinity", "CNY", "Money.amount"),
            (True, "CNY", "Money.amount"),
            ("1.005", "CNY", "Money.amount"),
            ("1.5", "JPY", "Money.amount"),
            ("1.00", "XXX", "Money.currency"),
            ("1.00", "cny", "Money.currency"),
        ],
    )
    def test_bad_input_names_the_field(self, amount: object, currency: str, path: str) -> None:
        """Floats, junk, excess decimals and unknown currencies raise InvalidInput with a path."""
        with pytest.raises(InvalidInput) as e:
            Money(amount, currency)  # type: ignore[arg-type]
        assert e.value.path == path

    def test_float_message_tells_the_fix(self) -> None:
        """The float error says how to write the amount instead."""
        with pytest.raises(InvalidInput, match="floats are refused"):
            Money(0.1, "CNY")  # type: ignore[arg-type]

    def test_parse(self) -> None:
        """'1000.00 CNY' parses; malformed text names the path given."""
        assert Money.parse("1000.00 CNY") == Money("1000", "CNY")
        with pytest.raises(InvalidInput) as e:
            Money.parse("1000.00", path="order.total")
        assert e.value.path == "order.total"

    def test_rounded_is_explicit_half_up(self) -> None:
        """Money.rounded rounds half-up; the constructor never rounds silently."""
        assert Money.rounded("2.345", "CNY") == Money("2.35", "CNY")
        assert Money.rounded("2.344", "CNY") == Money("2.34", "CNY")


class TestArithmetic:
    def test_same_currency(self) -> None:
        """Addition, subtraction, negation and comparison within one currency."""
        a, b = Money("10.50", "CNY"), Money("0.50", "CNY")
        assert a + b == Money("11", "CNY")
        assert a - b == Money("10", "CNY")
        assert -b == Money("-0.50", "CNY")
        assert b < a and a >= b and not a <= b

    def test_mixing_currencies_is_an_error(self) -> None:
        """No implicit exchange rate: CNY + USD raises CurrencyMismatch."""
        with pytest.raises(CurrencyMismatch):
            _ = Money("1", "CNY") + Money("1", "USD")
        with pytest.raises(CurrencyMismatch):
            _ = Money("1", "CNY") < Money("1", "USD")

    def test_times_rounds_half_up(self) -> None:
        """Quantity × price rounds half-up to the minor unit."""
        assert Money("0.05", "CNY").times(Decimal("0.5")) == Money("0.03", "CNY")
        assert Money("3.00", "CNY").times("1.5") == Money("4.50", "CNY")
        with pytest.raises(InvalidInput):
            Money("3.00", "CNY").times(1.5)

    def test_ratio_and_convert(self) -> None:
        """Exact ratios; conversion at a given rate."""
        assert Money("60", "CNY").ratio(Money("100", "CNY")) == Decimal("0.6")
        assert Money("10", "USD").convert("CNY", Decimal("7.1")) == Money("71", "CNY")
        with pytest.raises(InvalidInput):
            Money("1", "CNY").ratio(Money("0", "CNY"))

    def test_one_cent_matters(self) -> None:
        """No tolerance: one cent below is below."""
        assert Money("99.99", "CNY") < Money("100.00", "CNY")
        assert not Money("100.00", "CNY") < Money("100.00", "CNY")
