"""Validation helpers shared by the document modules of :mod:`salesctl.model`."""

from __future__ import annotations

from typing import Any

from salesctl._validators import non_negative, typed
from salesctl.errors import CurrencyMismatch, InvalidInput
from salesctl.money import Money

__all__ = ["lines_present", "opt_non_negative_money", "same_currency"]


def same_currency(path: str, base: Money, *others: tuple[str, Money | None]) -> None:
    """Raise :class:`CurrencyMismatch` unless every given amount is in ``base``'s currency."""
    for name, m in others:
        if m is not None and m.currency != base.currency:
            raise CurrencyMismatch(
                f"must be in {base.currency}", path=f"{path}.{name}", value=str(m)
            )


def lines_present(path: str, lines: tuple[object, ...]) -> None:
    """Raise :class:`InvalidInput` at ``path`` when ``lines`` is empty."""
    if not lines:
        raise InvalidInput("needs at least one line", path=path)


def opt_non_negative_money(inst: Any, a: Any, value: Any) -> None:
    """attrs validator: ``None`` or a non-negative :class:`Money`."""
    typed(Money, optional=True)(inst, a, value)
    if value is not None:
        non_negative(inst, a, value)
