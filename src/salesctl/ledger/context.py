"""The ledger's trusted :class:`~salesctl.context.Context` builder.

:meth:`Ledger.context_for <salesctl.ledger.Ledger.context_for>` gathers, for one transaction,
values that are already of their fields' types; :func:`trusted_context` sets them on a
``Context`` without running the validators again (a replay builds one context per
transaction). It must yield exactly what the validated constructor yields
(``tests/test_ledger_context.py`` checks that for every context of a generated year).
"""

from __future__ import annotations

from typing import Any, cast

import attrs

from salesctl._validators import FrozenMap
from salesctl.context import Context
from salesctl.ledger.state import ContractState
from salesctl.model import ContractAccount
from salesctl.money import Money

__all__ = ["contract_account", "trusted_context"]


def contract_account(c: ContractState) -> ContractAccount:
    """The contract's account in the contract ledger: its value and what was collected (built
    again only when the contract or the amount collected changed)."""
    hit = c.account
    if hit is not None and hit[0] is c.contract and hit[1] is c.collected:
        return cast(ContractAccount, hit[2])
    amount = c.contract.amount
    account = ContractAccount(value=amount, collected=Money(c.collected, amount.currency))
    c.account = (c.contract, c.collected, account)
    return account


_CONTEXT_FIELDS: tuple[tuple[str, Any, bool], ...] | None = None
_ABSENT = object()


def trusted_context(kw: dict[str, Any]) -> Context:
    """Build the context from values the ledger holds, without validating them again.

    Every value is already of its field's type (documents validated when their events were
    read; tuples, frozensets and FrozenMaps built here; ids unique, amounts not negative), so
    the ledger sets the fields directly, like the gate builds its decisions. A field the
    ledger does not give takes its default.
    """
    global _CONTEXT_FIELDS
    fields = _CONTEXT_FIELDS
    if fields is None:
        fields = _CONTEXT_FIELDS = tuple(
            (a.name, a.default, isinstance(a.default, attrs.Factory))  # type: ignore[arg-type]
            for a in attrs.fields(Context)
            if a.init
        )
    ctx = object.__new__(Context)
    put = object.__setattr__
    get = kw.get
    for name, default, factory in fields:
        value = get(name, _ABSENT)
        if value is _ABSENT:
            if factory:
                value = default.factory()
            elif default is attrs.NOTHING:
                return Context(**kw)  # a required field the ledger lacks: let Context say so
            else:
                value = default
        elif type(value) is dict:
            value = FrozenMap(value)
        put(ctx, name, value)
    ctx.__attrs_post_init__()  # what the constructor derives from the fields (the price book)
    return ctx
