"""The value of delivery lines at the order's prices (O2C-DL-01, O2C-DL-04), and the test that
computing it cannot fail, so that O2C-DL-04 computes it only where it reads it.

O2C-DL-04 computes the value of a notice or a goods issue *eagerly*: a value that cannot be
computed (an amount too large to round exactly, a decimal context that traps a rounding) makes
the check raise, and the gate fails closed. On its pass path — the exposure within the limit,
the policy not adding deliveries, no segment limits — the value itself is never read; only
whether computing it raises matters. :func:`value_cannot_fail` answers that question without
the ten multiplications, roundings and additions: a bound on the size of every product from the
sizes (:meth:`~decimal.Decimal.adjusted`) of the quantities and prices, and a decimal context
at least as wide as the default that traps no signal a bounded product or rounding can raise.
When it says True, :func:`delivery_value` returns (it does not raise) under the same context;
pinned by ``tests/test_performance.py`` against the eager value under narrow, trapping and
default contexts, with sizes to beyond exact arithmetic.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import (
    ROUND_HALF_UP,
    Decimal,
    DecimalException,
)

from salesctl.model import DeliveryLine, LineFacts, SalesOrder
from salesctl.money import _EXPONENTS, Money, _quantize, _wide_context

__all__ = ["delivery_value", "value_cannot_fail"]


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
        if price.currency != currency or type(q) is not Decimal or not q.is_finite():
            return _delivery_value_money(lines, prices, zero)  # the general path, its errors
        # Money.times and Money.__add__ in Decimals: each line rounded half-up to the minor
        # unit, then added (the same amounts, without a Money per line).
        try:
            total += (price.amount * q).quantize(exp, ROUND_HALF_UP)  # positional: cheaper
        except DecimalException:
            try:
                product = price.amount * q
            except DecimalException:
                product = Decimal("Infinity")  # reported by _quantize, as Money.times does
            total += _quantize(product, currency, ROUND_HALF_UP)  # raises what it raised
    return Money._trusted(total, currency)


def _delivery_value_money(
    lines: Iterable[DeliveryLine], prices: dict[int, Money], zero: Money
) -> Money:
    total = zero
    for line in lines:
        price = prices.get(line.order_line)
        if price is not None:
            total = total + price.times(line.quantity)
    return total


#: Products bounded below 10**(_SIZES + 2): each rounded line, and their sum over at most
#: _MAX_LINES lines, stays below 10**23, whose multiples of 0.001 have at most 26 digits — within
#: the 28 of the default precision, so no rounding to the minor unit or addition can overflow it.
_SIZES = 17
_MAX_LINES = 1000


def value_cannot_fail(
    lines: tuple[DeliveryLine, ...], order: SalesOrder, facts: LineFacts | None = None
) -> bool:
    """Whether :func:`delivery_value` (``lines``, ``order``) returns under the current decimal
    context — ``False`` when it might raise, or when this cannot tell.

    True when: every price of the order is in the order's currency and every quantity is a
    finite ``Decimal`` (the value's Decimal path throughout); the largest quantity's and the
    largest price's sizes (``adjusted()``, the power of ten of the leading digit) add up to at
    most ``_SIZES``, so every product is below ``10**(_SIZES + 2)``; there are at most
    ``_MAX_LINES`` lines; and the context has a precision of at least 28 digits, exponent
    limits at least ±99, and traps none of the signals a product, its rounding to the minor
    unit or the sum can then raise (``Inexact``, ``Rounded``, ``Subnormal``, ``Underflow``,
    ``Clamped``) — ``InvalidOperation`` and ``Overflow`` cannot arise below the bound.

    ``facts``, the :class:`~salesctl.model.LineFacts` of the document whose lines these are,
    gives the largest quantity's size without a walk over the lines.
    """
    if len(lines) > _MAX_LINES:
        return False
    currency = order.currency
    top = -1_000_000_000
    # A constructed order has all its prices in its currency (checked when it was built) and
    # the largest price's size worked out; an order assembled without its constructor is
    # walked here.
    known = getattr(order, "_price_size", None)
    if known is not None:
        top = known
    else:
        for ol in order.lines:
            price = ol.unit_price
            if price.currency != currency:
                return False
            size = price.amount.adjusted()
            if size > top:
                top = size
    most = -1_000_000_000
    known = None if facts is None else facts.qsize
    if known is not None:
        most = known
    else:
        for line in lines:
            q = line.quantity
            if type(q) is not Decimal or not q.is_finite():
                return False
            size = q.adjusted()
            if size > most:
                most = size
    if top + most > _SIZES:
        return False
    return _wide_context()
