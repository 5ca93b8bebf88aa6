"""Group credit (issue 15): credit segments per selling company, customer groups, per-category
limits, exposure in several currencies, and the credit-limit history."""

from __future__ import annotations

from decimal import Decimal

import salesctl as sc
from salesctl.events import SetExchangeRate
from salesctl.ledger import Ledger
from tests import builders as b


def _usd(amount: str) -> sc.Money:
    return sc.Money(amount, "USD")


def _usd_order(n: int, price: str, **kw: object) -> sc.SalesOrder:
    return b.order(id=f"SO-U{n}", seq=n,
                   lines=(sc.OrderLine(1, sc.Product("P-1"), Decimal(1), _usd(price)),), **kw)  # type: ignore[arg-type]


class TestSeveralCurrencies:
    def test_exposure_in_two_currencies_is_rounded_to_the_limit_currency(self) -> None:
        """Orders in USD and CNY: the USD exposure converts to CNY and rounds to the fen
        (before issue 15 the ledger raised ``Money.amount has more decimals than CNY allows
        (got '7100.0710')``)."""
        led = Ledger()
        led.apply(SetExchangeRate(at=b.at(1), pair="USD/CNY", rate=Decimal("7.10")))
        led.apply(b.place(_usd_order(1, "1000.01"), when=b.at(2)))
        led.apply(b.place(b.order(id="SO-C1", seq=2), when=b.at(2)))
        ctx = led.context_for(b.place(b.order(id="SO-C2", seq=3), when=b.at(3)))
        assert ctx.exposure is not None
        assert ctx.exposure.open_orders == b.cny("17100.07")

    def test_the_audit_of_a_two_currency_customer_decides(self) -> None:
        """The gate decides on a context the ledger built from two currencies."""
        led = Ledger()
        led.apply(SetExchangeRate(at=b.at(1), pair="USD/CNY", rate=Decimal("7.10")))
        led.apply(b.place(_usd_order(1, "1000.01"), when=b.at(2)))
        txn = b.place(b.order(id="SO-C2", seq=3), when=b.at(3))
        decision = sc.Gate(sc.Policy.default()).check(txn, led.context_for(txn))
        assert "O2C-CR-04" not in b.ids(decision)
