"""O2C-CR-06's one-time releases: which release a transaction presents, and why it cannot be
used (read by O2C-CR-04, O2C-CR-06 and the delivery family's credit re-check, O2C-DL-04).
"""

from __future__ import annotations

import datetime as dt

from salesctl._validators import same_person
from salesctl.context import Context
from salesctl.controls.credit.policy import CreditPolicy
from salesctl.model import CreditRelease, SalesOrder
from salesctl.transactions import Transaction

__all__ = ["release_for", "release_problem"]


def release_problem(
    release: CreditRelease, order: SalesOrder, ctx: Context, at: dt.datetime, policy: CreditPolicy
) -> str | None:
    """Why ``release`` cannot release ``order`` now, or ``None`` when it can (O2C-CR-06).

    Returns:
        one of ``"consumed"``, ``"expired"``, ``"not_yet_valid"``, ``"wrong_order"``,
        ``"granter_role"``, ``"granter_is_seller"``, ``"amount"``, or ``None``.
    """
    if release.order_id != order.id:
        return "wrong_order"
    if release.id in ctx.consumed_releases:
        return "consumed"
    if release.expires_at <= at:
        return "expired"
    if release.granted_at > at:
        return "not_yet_valid"
    granter = release.granted_by
    if policy.release_role not in granter.roles:  # granter.has_role(policy.release_role)
        return "granter_role"
    if same_person(granter.id, order.created_by):
        return "granter_is_seller"
    cap = release.max_amount
    total = order.total
    if total.currency == cap.currency:  # ctx.convert returns the total itself
        if total.amount > cap.amount:
            return "amount"
    elif ctx.convert(total, cap.currency) > cap:
        return "amount"
    return None


def _release_for(txn: Transaction, order: SalesOrder, ctx: Context) -> CreditRelease | None:
    wanted = getattr(txn, "release_id", None)
    for r in ctx.releases:
        if (wanted is not None and r.id == wanted) or (wanted is None and r.order_id == order.id):
            return r
    return None


def release_for(txn: Transaction, order: SalesOrder, ctx: Context) -> CreditRelease | None:
    """The one-time release presented with ``txn``: the one it names by ``release_id``, else
    one on hand granted for ``order`` (``None`` when there is none). Also used by the delivery
    family's credit re-check (O2C-DL-04)."""
    return _release_for(txn, order, ctx)
