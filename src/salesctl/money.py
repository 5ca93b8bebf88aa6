"""Exact money: a :class:`~decimal.Decimal` amount in one ISO 4217 currency.

Floats are refused (``0.1 + 0.2`` is not a price), amounts carry no more decimals than the
currency's minor unit, and arithmetic across currencies raises
:class:`~salesctl.errors.CurrencyMismatch`. There is no tolerance comparison anywhere: a price
one cent below a floor is below it.

>>> from salesctl.money import Money
>>> Money("1000.50", "CNY") + Money("0.50", "CNY")
Money('1001.00', 'CNY')
>>> Money.parse("12.3456 USD")
Traceback (most recent call last):
...
salesctl.errors.InvalidInput: Money.amount: has more decimals than USD allows (2) (got '12.3456')
>>> Money("3.00", "CNY").times("1.5")
Money('4.50', 'CNY')
"""

from __future__ import annotations

from decimal import (
    ROUND_HALF_UP,
    Clamped,
    Decimal,
    DecimalException,
    Inexact,
    InvalidOperation,
    Rounded,
    Subnormal,
    Underflow,
    getcontext,
)
from decimal import Context as DecimalContext
from typing import Any

from attrs import field, frozen

from salesctl._assembly import assembly
from salesctl.errors import CurrencyMismatch, InvalidInput

__all__ = ["CURRENCIES", "MAX_NUMBER_LENGTH", "Money", "to_decimal"]

#: The most characters of number text (a JSON number, a decimal string) salesctl reads. Longer
#: text is refused: no amount, rate or quantity needs it (exact arithmetic stops at 28 digits),
#: and Python refuses to turn an integer of more than 4,300 digits into text or back.
MAX_NUMBER_LENGTH = 100
_INT_LIMIT = 10**MAX_NUMBER_LENGTH

#: ISO 4217 codes salesctl knows, with the number of decimals of their minor unit.
CURRENCIES: dict[str, int] = {
    "AED": 2, "ARS": 2, "AUD": 2, "BHD": 3, "BRL": 2, "CAD": 2, "CHF": 2, "CLP": 0, "CNY": 2,
    "COP": 2, "CZK": 2, "DKK": 2, "EGP": 2, "EUR": 2, "GBP": 2, "HKD": 2, "HUF": 2, "IDR": 2,
    "ILS": 2, "INR": 2, "ISK": 0, "JOD": 3, "JPY": 0, "KES": 2, "KRW": 0, "KWD": 3, "KZT": 2,
    "MOP": 2, "MXN": 2, "MYR": 2, "NGN": 2, "NOK": 2, "NZD": 2, "OMR": 3, "PHP": 2, "PKR": 2,
    "PLN": 2, "QAR": 2, "RUB": 2, "SAR": 2, "SEK": 2, "SGD": 2, "THB": 2, "TND": 3, "TRY": 2,
    "TWD": 2, "UAH": 2, "USD": 2, "VND": 0, "ZAR": 2,
}  # fmt: skip

_EXPONENTS: dict[str, Decimal] = {c: Decimal(1).scaleb(-n) for c, n in CURRENCIES.items()}


def to_decimal(value: Any, *, path: str = "") -> Decimal:
    """Convert ``value`` to a finite :class:`~decimal.Decimal`, refusing floats.

    Args:
        value: a ``Decimal``, an ``int`` or a numeric string such as ``"12.50"``.
        path: field path for the error message.

    Returns:
        The exact decimal value.

    Raises:
        InvalidInput: for floats, booleans, non-numeric strings, NaN and infinities.
    """
    if isinstance(value, Decimal):
        d = value
    elif isinstance(value, bool):
        raise InvalidInput("must be a decimal number, not a boolean", path=path, value=value)
    elif isinstance(value, int):
        if not -_INT_LIMIT < value < _INT_LIMIT:
            raise InvalidInput(f"has more than {MAX_NUMBER_LENGTH} digits", path=path, value=value)
        d = Decimal(value)
    elif isinstance(value, float):
        raise InvalidInput(
            'floats are refused; write the amount as a string such as "12.50"',
            path=path,
            value=value,
        )
    elif isinstance(value, str):
        text = value.strip()
        if len(text) > MAX_NUMBER_LENGTH:
            raise InvalidInput(
                f"is longer than {MAX_NUMBER_LENGTH} characters", path=path, value=value
            )
        if not text.isascii() or "_" in text:
            # Decimal() also reads full-width digits ("１２３") and underscores ("1_000"): the
            # format is plain ASCII decimal text, as in JSON.
            raise InvalidInput(
                "is not a decimal number (ASCII digits, no underscores)", path=path, value=value
            )
        try:
            d = Decimal(text)
        except InvalidOperation:
            raise InvalidInput("is not a decimal number", path=path, value=value) from None
    else:
        raise InvalidInput(
            f"must be a decimal number, not {type(value).__name__}", path=path, value=value
        )
    if not d.is_finite():
        raise InvalidInput("must be a finite number", path=path, value=value)
    return d


def _amount(value: Any) -> Decimal:
    return to_decimal(value, path="Money.amount")


def _check_currency(_inst: Any, _attr: Any, value: Any) -> None:
    if not isinstance(value, str) or value not in CURRENCIES:
        raise InvalidInput(
            "is not a known ISO 4217 currency code", path="Money.currency", value=value
        )


def _rounds_quietly(c: DecimalContext) -> bool:
    """``c`` traps none of the signals a rounding, or a sum or product of finite numbers below
    its exponent limits, can raise: ``Inexact``, ``Rounded``, ``Subnormal``, ``Underflow``,
    ``Clamped`` (the controls' shortcuts that skip a sum ask this first)."""
    traps = c.traps
    return not (
        traps[Inexact] or traps[Rounded] or traps[Subnormal] or traps[Underflow] or traps[Clamped]
    )


def _wide_context() -> bool:
    """The current decimal context is at least as wide as the default — a precision of at least
    28 digits, exponent limits of at least ±99 — and rounds quietly (:func:`_rounds_quietly`):
    a number of at most 28 digits and a size within ±50 rounds to itself, and sums and products
    of such sizes neither raise nor overflow."""
    c = getcontext()
    return c.prec >= 28 and c.Emax >= 99 and c.Emin <= -99 and _rounds_quietly(c)


def _quantize(d: Decimal, currency: str, rounding: str | None = None) -> Decimal:
    """``d`` to the currency's minor unit; an amount too large for exact decimal arithmetic
    (more than 28 digits in all) is bad input, not a ``decimal.InvalidOperation``."""
    try:
        return d.quantize(_EXPONENTS[currency], rounding=rounding)
    except DecimalException:
        raise InvalidInput(
            "is too large to compute with exactly", path="Money.amount", value=str(d)[:40]
        ) from None


@frozen(repr=False, order=False)
class Money:
    """An exact amount in one currency.

    Attributes:
        amount: the amount, a ``Decimal`` with no more decimals than the currency's minor
            unit (2 for CNY, 0 for JPY). Strings and ints are converted; floats are refused.
        currency: ISO 4217 code, e.g. ``"CNY"``.
    """

    amount: Decimal = field(converter=_amount)
    currency: str = field(validator=_check_currency)

    def __attrs_post_init__(self) -> None:
        q = _quantize(self.amount, self.currency)
        if q != self.amount:
            raise InvalidInput(
                f"has more decimals than {self.currency} allows ({CURRENCIES[self.currency]})",
                path="Money.amount",
                value=str(self.amount),
            )
        # Normalise the exponent so that Money("1", "CNY") == Money("1.00", "CNY") and both
        # print as 1.00.
        object.__setattr__(self, "amount", q)

    # -- construction ---------------------------------------------------------------------

    @classmethod
    def zero(cls, currency: str) -> Money:
        """Zero in ``currency``."""
        if cls is Money:
            z = _ZEROS.get(currency)  # immutable, so one zero per currency is shared
            if z is not None:
                return z
        return cls(Decimal(0), currency)

    @classmethod
    def rounded(cls, amount: Any, currency: str) -> Money:
        """Build a ``Money`` rounding ``amount`` half-up to the currency's minor unit.

        Use this where rounding is intended (a quantity times a unit price), never to hide
        bad input.
        """
        _check_currency(None, None, currency)
        d = to_decimal(amount, path="Money.amount")
        q = _quantize(d, currency, ROUND_HALF_UP)
        if cls is Money:
            return Money._trusted(q, currency)  # quantised above: valid by construction
        return cls(q, currency)

    @classmethod
    def parse(cls, text: str, *, path: str = "") -> Money:
        """Parse ``"1000.00 CNY"`` (amount, one space, currency code).

        Raises:
            InvalidInput: if the text is not of that form.
        """
        if not isinstance(text, str):
            raise InvalidInput('must be a string such as "1000.00 CNY"', path=path, value=text)
        parts = text.split()
        if len(parts) != 2:
            raise InvalidInput('must look like "1000.00 CNY"', path=path, value=text)
        try:
            return cls(parts[0], parts[1])
        except InvalidInput as e:
            raise InvalidInput(e.reason, path=path, value=text) from None

    # -- arithmetic -----------------------------------------------------------------------

    def _same(self, other: object, op: str) -> Money:
        if not isinstance(other, Money):
            raise InvalidInput(f"cannot {op} Money and {type(other).__name__}", value=other)
        if other.currency != self.currency:
            raise CurrencyMismatch(
                f"cannot {op} {self.currency} and {other.currency} without an exchange rate",
                value=f"{self} / {other}",
            )
        return other

    @classmethod
    def _trusted(cls, amount: Decimal, currency: str) -> Money:
        # Results of same-currency addition and subtraction of valid amounts are valid by
        # construction (no new decimals, known currency): skip re-validation on the hot path.
        # Filled by plain slot stores on an instance of the assembly (below), then made a
        # Money: what two ``object.__setattr__`` calls on a new Money give, at less cost.
        if cls is Money:
            new: Money = _MoneyAssembly()
            new.amount = amount  # type: ignore[misc]
            new.currency = currency  # type: ignore[misc]
            new.__class__ = Money
            return new
        obj = object.__new__(cls)
        object.__setattr__(obj, "amount", amount)
        object.__setattr__(obj, "currency", currency)
        return obj

    def __add__(self, other: Money) -> Money:
        if type(other) is not Money or other.currency != self.currency:
            self._same(other, "add")
        return Money._trusted(self.amount + other.amount, self.currency)

    def __sub__(self, other: Money) -> Money:
        if type(other) is not Money or other.currency != self.currency:
            self._same(other, "subtract")
        return Money._trusted(self.amount - other.amount, self.currency)

    def __neg__(self) -> Money:
        return Money._trusted(-self.amount, self.currency)

    def times(self, factor: Any) -> Money:
        """Multiply by a quantity or ratio, rounding half-up to the minor unit."""
        if type(factor) is Decimal and factor.is_finite():
            f = factor  # what to_decimal would return, without the call
        else:
            f = to_decimal(factor, path="factor")
        # Money.rounded without re-checking what is known: the currency is ours, the product
        # of two finite decimals is a finite decimal.
        try:
            product = self.amount * f
        except DecimalException:
            product = Decimal("Infinity")  # reported by _quantize below, with the path
        return Money._trusted(_quantize(product, self.currency, ROUND_HALF_UP), self.currency)

    def ratio(self, other: Money) -> Decimal:
        """``self / other`` as an exact Decimal (same currency; ``other`` non-zero)."""
        o = self._same(other, "divide")
        if not o.amount:
            raise InvalidInput("cannot divide by a zero amount", value=str(o))
        return self.amount / o.amount

    def convert(self, currency: str, rate: Decimal) -> Money:
        """Convert to ``currency`` at ``rate`` (units of ``currency`` per unit of ours)."""
        if currency == self.currency:
            return self
        return Money.rounded(self.amount * to_decimal(rate, path="rate"), currency)

    def __lt__(self, other: Money) -> bool:
        if type(other) is not Money or other.currency != self.currency:
            self._same(other, "compare")
        return self.amount < other.amount

    def __le__(self, other: Money) -> bool:
        if type(other) is not Money or other.currency != self.currency:
            self._same(other, "compare")
        return self.amount <= other.amount

    def __gt__(self, other: Money) -> bool:
        if type(other) is not Money or other.currency != self.currency:
            self._same(other, "compare")
        return self.amount > other.amount

    def __ge__(self, other: Money) -> bool:
        if type(other) is not Money or other.currency != self.currency:
            self._same(other, "compare")
        return self.amount >= other.amount

    def __bool__(self) -> bool:
        return bool(self.amount)

    @property
    def is_negative(self) -> bool:
        """True when the amount is below zero."""
        return self.amount < 0

    def __str__(self) -> str:
        return f"{self.amount} {self.currency}"

    def __repr__(self) -> str:
        return f"Money('{self.amount}', '{self.currency}')"


#: The assembly of :class:`Money` for :meth:`Money._trusted`: a subclass adding no slot (the
#: same layout), whose plain attribute stores go straight into Money's slots; an instance is
#: made a ``Money`` (``__class__``) as soon as both are set and never leaves ``_trusted``
#: (:mod:`salesctl._assembly`).
_MoneyAssembly = assembly(Money)


#: One zero per known currency, quantised to its minor unit (``Money.zero`` hands these out).
_ZEROS: dict[str, Money] = {
    c: Money._trusted(Decimal(0).quantize(e), c) for c, e in _EXPONENTS.items()
}
