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


_ABSENT = object()
_BUILD: Any = None


def _compile() -> Any:
    """The builder of :func:`trusted_context`, generated once from :class:`Context`'s fields
    (one statement per field, as attrs generates ``__init__``)."""
    ns: dict[str, Any] = {
        "_new": object.__new__,
        "_set": object.__setattr__,
        "_Context": Context,
        "_A": _ABSENT,
        "_FM": FrozenMap,
    }
    body = ["def build(kw):", "    get = kw.get", "    ctx = _new(_Context)"]
    fields: tuple[attrs.Attribute[Any], ...] = attrs.fields(Context)
    for i, a in enumerate(fields):
        if not a.init:
            continue
        body.append(f"    v = get({a.name!r}, _A)")
        body.append("    if v is _A:")
        default: Any = a.default
        if isinstance(default, attrs.Factory):  # type: ignore[arg-type]
            ns[f"_f{i}"] = default.factory
            body.append(f"        v = _f{i}()")
        elif default is attrs.NOTHING:
            # a required field the ledger lacks: let Context say so
            body.append("        return _Context(**kw)")
        else:
            ns[f"_d{i}"] = default
            body.append(f"        v = _d{i}")
        body.append("    elif type(v) is dict:")
        body.append("        v = _FM(v)")
        body.append(f"    _set(ctx, {a.name!r}, v)")
    # what the constructor derives from the fields (the price book)
    body.append("    ctx.__attrs_post_init__()")
    body.append("    return ctx")
    exec(compile("\n".join(body), "<salesctl trusted context>", "exec"), ns)
    return ns["build"]


def trusted_context(kw: dict[str, Any]) -> Context:
    """Build the context from values the ledger holds, without validating them again.

    Every value is already of its field's type (documents validated when their events were
    read; tuples, frozensets and FrozenMaps built here; ids unique, amounts not negative), so
    the ledger sets the fields directly, like the gate builds its decisions: a function
    generated once from the fields sets each in turn (a ``dict`` becomes a ``FrozenMap``). A
    field the ledger does not give takes its default.
    """
    global _BUILD
    build = _BUILD
    if build is None:
        build = _BUILD = _compile()
    return cast(Context, build(kw))
