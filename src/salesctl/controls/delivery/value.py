"""The value of delivery lines at the order's prices (O2C-DL-04's delivery value)."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal, DecimalException

from salesctl.model import DeliveryLine, SalesOrder
from salesctl.money import _EXPONENTS, Money, _quantize

__all__ = ["delivery_value"]


def delivery_value(lines: Iterable[DeliveryLine], order: SalesOrder) -> Money:
    """The value of delivery lines at the order's prices (lines not on the order count zero).

    Args:
        lines: notice or goods-issue lines.
        order: the sales order delivered.

    Returns:
        The value in the order's currency.
    """
    currency = order.currency
    if type(lines) is not tuple:
        lines = tuple(lines)  # read twice when a line needs the general path
    prices = {ln.line_no: ln.unit_price for ln in order.lines}
    zero = Money.zero(currency)
    total = zero.amount
    exp = _EXPONENTS[currency]  # _quantize's exponent, looked up once
    for line in lines:
        price = prices.get(line.order_line)
        if price is None:
            continue
        q = line.quantity
        if price.currency != currency or type(q) is not Decimal:
            return _delivery_value_money(lines, prices, zero)  # the general path, its errors
        # Money.times and Money.__add__ in Decimals: each line rounded half-up to the minor
        # unit, then added (the same amounts, without a Money per line). A quantity that is not
        # finite (the general path's, as before) is asked about only when the sum is NaN or a
        # step raises: such a quantity always makes one or the other happen.
        try:
            total += (price.amount * q).quantize(exp, ROUND_HALF_UP)  # positional: cheaper
        except DecimalException:
            if _not_finite(lines, prices, line):
                return _delivery_value_money(lines, prices, zero)
            try:
                product = price.amount * q
            except DecimalException:
                product = Decimal("Infinity")  # reported by _quantize, as Money.times does
            total += _quantize(product, currency, ROUND_HALF_UP)  # raises what it raised
    if total.is_nan() and _not_finite(lines, prices, None):
        return _delivery_value_money(lines, prices, zero)
    return Money._trusted(total, currency)


def _not_finite(lines: Iterable[DeliveryLine], prices: dict[int, Money], upto: object) -> bool:
    """A priced line up to the first ``upto`` (all: ``None``) has a quantity that is not
    finite. The first occurrence of a line repeated is enough: a quantity that is not finite
    makes the sum NaN or a step raise, and a NaN sum never raises again on a line already
    summed once."""
    for line in lines:
        if line.order_line in prices and not line.quantity.is_finite():
            return True
        if line is upto:
            break
    return False


def _delivery_value_money(
    lines: Iterable[DeliveryLine], prices: dict[int, Money], zero: Money
) -> Money:
    total = zero
    for line in lines:
        price = prices.get(line.order_line)
        if price is not None:
            total = total + price.times(line.quantity)
    return total
