"""Valid :class:`~salesctl.context.Context` s: explicit credit and approval fields, the
document flow drawn from its types."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from hypothesis import strategies as st
from hypothesis.strategies import SearchStrategy

from salesctl._convert import fields_of
from salesctl.context import Context
from salesctl.model import FrozenMap, PriceEntry
from salesctl.testing.core import approvals, credit_exposures, credit_releases
from salesctl.testing.values import (
    amounts,
    currencies,
    draw_fields,
    from_type,
    memo,
    register_strategy,
)

__all__ = ["contexts"]

#: Context fields with explicit strategies in :func:`contexts`; every other field is generic.
_CONTEXT_EXPLICIT = frozenset(
    {
        "as_of",
        "exposure",
        "approvals",
        "releases",
        "consumed_releases",
        "last_numbers",
        "fx_rates",
        "prices",
    }
)


def _fx_rates() -> SearchStrategy[FrozenMap[str, Decimal]]:
    pairs = ["USD/CNY", "EUR/CNY", "CNY/JPY", "KWD/CNY", "USD/EUR", "EUR/USD", "JPY/USD"]
    return st.dictionaries(
        st.sampled_from(pairs),
        amounts("KWD", min_value=Decimal("0.001"), max_value=200),
        max_size=4,
    ).map(FrozenMap)


@memo
def contexts(
    currency: str | None = None,
    *,
    document_ids: Sequence[str] = ("SO-2026-0042",),
    flow: bool = True,
    as_of: dt.date | None = None,
) -> SearchStrategy[Context]:
    """Valid :class:`~salesctl.context.Context` s.

    The credit and approval fields are explicit (exposure in ``currency``, approvals and
    releases for ``document_ids``); every other field — the document flow, which grows as
    families land — is drawn from its type.

    Args:
        currency: the exposure's currency (drawn when ``None``).
        document_ids: the documents approvals and releases are for.
        flow: also draw the document-flow fields (delivery notices, invoices, contracts, …);
            ``False`` leaves them empty (faster).
        as_of: the business date; drawn when ``None``. The gate refuses a context whose
            ``as_of`` is not its transaction's business date: to check a transaction, pass
            ``policy.business_date(txn.at)`` or use
            :func:`~salesctl.testing.checks.dated_checks`.
    """
    if currency is None:
        return currencies().flatmap(
            lambda c: contexts(c, document_ids=document_ids, flow=flow, as_of=as_of)
        )

    @st.composite
    def build(draw: st.DrawFn) -> Context:
        day = as_of if as_of is not None else draw(st.dates(dt.date(2025, 6, 1), dt.date(2027, 6, 1)))
        releases = draw(
            st.lists(
                credit_releases(order_ids=document_ids, currency=currency),
                max_size=2,
                unique_by=lambda r: r.id,
            )
        )
        kwargs: dict[str, Any] = {
            "as_of": day,
            "exposure": draw(st.one_of(st.none(), credit_exposures(currency))),
            "approvals": tuple(
                draw(st.lists(approvals(document_ids=document_ids, currency=currency), max_size=3))
            ),
            "releases": tuple(releases),
            "consumed_releases": frozenset(
                draw(st.lists(st.sampled_from([r.id for r in releases] or ["REL-0"]), max_size=2))
            ),
            "last_numbers": FrozenMap(
                draw(
                    st.dictionaries(
                        st.sampled_from(["SO-2026", "SO-2027"]), st.integers(0, 9999), max_size=2
                    )
                )
            ),
            "fx_rates": draw(_fx_rates()),
            "prices": tuple(draw(st.lists(from_type(PriceEntry, currency=currency), max_size=3))),
        }
        if flow:
            generic = [
                (name, ftype)
                for name, ftype, _required in fields_of(Context)
                if name not in _CONTEXT_EXPLICIT and not draw(st.integers(0, 2))
            ]
            kwargs.update(draw_fields(draw, Context, generic, currency, sizes=2))
        return Context(**kwargs)

    return build()


register_strategy(Context, lambda c: contexts(c, flow=False))
