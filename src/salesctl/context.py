"""What the host knows at the moment it asks: the :class:`Context` of a check.

Controls never read a clock, a file or a database; everything they need beyond the
transaction and the policy arrives here. A host builds a context per check (or lets
:mod:`salesctl.ledger` / the journal build it).

>>> import datetime as dt
>>> from salesctl.context import Context
>>> Context(as_of=dt.date(2026, 3, 2)).approvals
()
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from attrs import field, frozen

from salesctl._types import (
    FrozenMap,
    a_date,
    each,
    frozenmap_conv,
    frozenset_conv,
    tuple_conv,
    typed,
)
from salesctl.errors import CurrencyMismatch, InvalidInput
from salesctl.model import (
    Approval,
    ConcessionRecord,
    CreditExposure,
    CreditRelease,
    PriceEntry,
)
from salesctl.money import Money

__all__ = ["Context"]


def _numbers(_i: Any, _a: Any, value: Mapping[str, int]) -> None:
    for k, v in value.items():
        if not isinstance(k, str) or isinstance(v, bool) or not isinstance(v, int) or v < 0:
            raise InvalidInput(
                "must map series names to non-negative integers",
                path=f"Context.last_numbers.{k}",
                value=v,
            )


def _rates(_i: Any, _a: Any, value: Mapping[str, Decimal]) -> None:
    for k, v in value.items():
        if not isinstance(k, str) or "/" not in k:
            raise InvalidInput('keys must look like "USD/CNY"', path=f"Context.fx_rates.{k}")
        if not isinstance(v, Decimal) or v <= 0:
            raise InvalidInput("must be a positive Decimal", path=f"Context.fx_rates.{k}", value=v)


@frozen
class Context:
    """The host's knowledge at the time of a check. Pure data.

    Attributes:
        as_of: the business date of the check (for ageing and reviews).
        exposure: the customer's current credit exposure by category (``None`` when the host
            has none to report; credit controls then fail closed on credit terms).
        approvals: approvals on hand for the document(s) of the transaction.
        releases: one-time credit releases on hand.
        consumed_releases: ids of releases already used (a release is good once).
        last_numbers: the last number issued per number series (O2C-SO-01).
        fx_rates: exchange rates ``"USD/CNY" -> Decimal("7.10")`` (CNY per USD), used where
            amounts in different currencies must be compared.
        prices: the price-master entries of the products concerned (O2C-PR-01..03); the
            pricing controls fail closed for a product with no valid entry.
        concession_history: concessions already granted to the customer, for the accumulated
            limit over a rolling window (O2C-PR-05).
    """

    as_of: dt.date = field(validator=a_date)
    exposure: CreditExposure | None = field(
        default=None, validator=typed(CreditExposure, optional=True)
    )
    approvals: tuple[Approval, ...] = field(
        default=(), converter=tuple_conv, validator=each(Approval)
    )
    releases: tuple[CreditRelease, ...] = field(
        default=(), converter=tuple_conv, validator=each(CreditRelease)
    )
    consumed_releases: frozenset[str] = field(
        default=frozenset(), converter=frozenset_conv, validator=each(str)
    )
    last_numbers: FrozenMap[str, int] = field(
        default=FrozenMap(), converter=frozenmap_conv, validator=_numbers
    )
    fx_rates: FrozenMap[str, Decimal] = field(
        default=FrozenMap(), converter=frozenmap_conv, validator=_rates
    )
    prices: tuple[PriceEntry, ...] = field(
        default=(), converter=tuple_conv, validator=each(PriceEntry)
    )
    concession_history: tuple[ConcessionRecord, ...] = field(
        default=(), converter=tuple_conv, validator=each(ConcessionRecord)
    )
    # Built on first use by prices_for(); not part of the value (eq, hash, JSON).
    _price_index: Any = field(init=False, default=None, eq=False, repr=False)

    def prices_for(self, product_id: str) -> tuple[PriceEntry, ...]:
        """The price-master entries of one product, in the order the host gave them."""
        index = self._price_index
        if index is None:
            built: dict[str, list[PriceEntry]] = {}
            for entry in self.prices:
                built.setdefault(entry.product_id, []).append(entry)
            index = {k: tuple(v) for k, v in built.items()}
            object.__setattr__(self, "_price_index", index)
        found: tuple[PriceEntry, ...] = index.get(product_id, ())
        return found

    def convert(self, money: Money, currency: str) -> Money:
        """Convert ``money`` into ``currency`` with the context's rates.

        Raises:
            CurrencyMismatch: when no rate (direct or inverse) is on hand.
        """
        if money.currency == currency:
            return money
        rate = self.fx_rates.get(f"{money.currency}/{currency}")
        if rate is not None:
            return money.convert(currency, rate)
        inverse = self.fx_rates.get(f"{currency}/{money.currency}")
        if inverse is not None:
            return money.convert(currency, Decimal(1) / inverse)
        raise CurrencyMismatch(
            f"no exchange rate {money.currency}/{currency} in the context",
            path="Context.fx_rates",
            value=str(money),
        )

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Context:
        """Read a context from JSON data (same field names).

        Raises:
            InvalidInput: naming the field path of anything malformed.
        """
        from salesctl._structure import structure

        result: Context = structure(data, cls, "context")
        return result

    def to_dict(self) -> dict[str, Any]:
        """The context as JSON-ready data."""
        from salesctl._structure import unstructure

        out: dict[str, Any] = unstructure(self)
        return out
