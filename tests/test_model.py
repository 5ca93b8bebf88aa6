"""Documents validate on construction and name the offending field."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import attrs
import pytest

import salesctl as sc
from tests import builders as b


def _line(**kw: Any) -> sc.OrderLine:
    base: dict[str, Any] = dict(line_no=1, product=sc.Product(id="P"), quantity=Decimal(1), unit_price=b.cny(1))
    base.update(kw)
    return sc.OrderLine(**base)


BAD: list[tuple[Any, dict[str, Any], str]] = [
    (_line, {"quantity": Decimal("-1")}, "OrderLine.quantity"),
    (_line, {"quantity": 0}, "OrderLine.quantity"),
    (_line, {"quantity": 1.5}, "OrderLine.quantity"),
    (_line, {"line_no": 0}, "OrderLine.line_no"),
    (_line, {"line_no": True}, "OrderLine.line_no"),
    (_line, {"unit_price": "12.00"}, "OrderLine.unit_price"),
    (_line, {"product": None}, "OrderLine.product"),
    (lambda **kw: b.order(**kw), {"lines": ()}, "SalesOrder.lines"),
    (lambda **kw: b.order(**kw), {"seq": -3}, "SalesOrder.seq"),
    (lambda **kw: b.order(**kw), {"id": ""}, "SalesOrder.id"),
    (lambda **kw: b.order(**kw), {"lines": (b.line(1), b.line(1))}, "SalesOrder.lines[1].line_no"),
    (lambda **kw: b.profile(**kw), {"limit": sc.Money("-1", "CNY")}, "CreditProfile.limit"),
    (lambda **kw: b.profile(**kw), {"term_days": -1}, "CreditProfile.term_days"),
    (lambda **kw: b.profile(**kw), {"reviewed_on": b.AT}, "CreditProfile.reviewed_on"),
    (lambda **kw: b.actor(**kw), {"level": -1}, "Actor.authority_level"),
    (lambda **kw: b.approval(**kw), {"granted_at": dt.datetime(2026, 3, 1)}, "Approval.granted_at"),
    (lambda **kw: b.exposure(**kw), {"overdue": "10"}, "CreditExposure.overdue_receivables"),
    (lambda **kw: b.exposure(**kw), {"receivables": "10", "overdue": "10"}, "CreditExposure.oldest_overdue_due"),
    (lambda **kw: b.context(**kw), {"last_numbers": {"SO": -1}}, "Context.last_numbers.SO"),
    (lambda **kw: b.context(**kw), {"approvals": ("x",)}, "Context.approvals[0]"),
]


@pytest.mark.parametrize(("build", "kwargs", "path"), BAD)
def test_bad_input_raises_invalid_input_with_path(build: Any, kwargs: dict[str, Any], path: str) -> None:
    """Each malformed field raises InvalidInput naming exactly that field."""
    with pytest.raises(sc.InvalidInput) as e:
        build(**kwargs)
    assert e.value.path == path


def test_mixed_currency_lines_are_refused() -> None:
    """All lines of an order are in one currency."""
    usd = sc.OrderLine(line_no=2, product=sc.Product(id="P"), quantity=Decimal(1), unit_price=sc.Money("1", "USD"))
    with pytest.raises(sc.CurrencyMismatch) as e:
        b.order(lines=(b.line(1), usd))
    assert e.value.path == "SalesOrder.lines[1].unit_price"


def test_order_total_is_computed() -> None:
    """The total is the sum of rounded line amounts."""
    o = b.order(lines=(b.line(1, "3", "0.33"), b.line(2, "1", "10")))
    assert o.total == b.cny("10.99")


def test_values_are_frozen_and_evolve_revalidates() -> None:
    """Mutation raises; evolve runs the validators again."""
    o = b.order()
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        o.seq = 7  # type: ignore[misc]
    assert attrs.evolve(o) == o
    with pytest.raises(sc.InvalidInput):
        attrs.evolve(o, seq=0)


def test_release_must_expire_after_grant() -> None:
    """A release that expires before it is granted is refused."""
    with pytest.raises(sc.InvalidInput) as e:
        sc.CreditRelease(
            id="R", order_id="O", max_amount=b.cny(1), granted_by=b.MAINTAINER,
            granted_at=b.at(3), expires_at=b.at(2),
        )
    assert e.value.path == "CreditRelease.expires_at"


def test_context_converts_with_rates() -> None:
    """Context.convert uses direct or inverse rates and refuses a missing one."""
    ctx = b.context(fx_rates={"USD/CNY": Decimal("7.10")})
    assert ctx.convert(sc.Money("10", "USD"), "CNY") == b.cny("71")
    assert ctx.convert(b.cny("71"), "USD") == sc.Money("10", "USD")
    with pytest.raises(sc.CurrencyMismatch):
        ctx.convert(sc.Money("1", "EUR"), "CNY")
