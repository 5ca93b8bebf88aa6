"""O2C-CR-06's one-time releases: which release a transaction presents, and why it cannot be
used (read by O2C-CR-04, O2C-CR-06 and the delivery family's credit re-check, O2C-DL-04).
"""

from __future__ import annotations

import datetime as dt

from salesctl._validators import person_key, same_person
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


def _usable_release(
    txn: Transaction, order: SalesOrder, ctx: Context, policy: CreditPolicy
) -> CreditRelease | None:
    """:func:`release_for` when :func:`release_problem` finds nothing wrong with it (at
    ``txn.at``), else ``None``: the one call O2C-CR-04 and the segment limits make, the two
    functions' tests in one pass, the person keys of the granter and the seller compared
    without the calls when both ids are ASCII (:func:`~salesctl._validators.person_key` is
    ``casefold`` then, which keeps the length: ASCII ids of different lengths are not folded).
    O2C-CR-04's check has its body inline. ``tests/test_performance.py`` compares both with the
    two functions."""
    releases = ctx.releases
    if not releases:
        return None
    wanted = getattr(txn, "release_id", None)
    oid = order.id
    for r in releases:
        if (r.id == wanted) if wanted is not None else (r.order_id == oid):
            break
    else:
        return None
    at = txn.at
    if (
        r.order_id != oid
        or r.id in ctx.consumed_releases
        or r.expires_at <= at
        or r.granted_at > at
    ):
        return None
    granter = r.granted_by
    if policy.release_role not in granter.roles:
        return None
    gid = granter.id
    seller = order.created_by
    if seller is not None and (
        gid == seller
        or (
            # ASCII ids: casefold maps A-Z to a-z one for one, so ids of different lengths are
            # different people without folding either
            (len(gid) == len(seller) and gid.casefold() == seller.casefold())
            if gid.isascii() and seller.isascii()
            else person_key(gid) == person_key(seller)
        )
    ):
        return None
    cap = r.max_amount
    total = order.total
    if total.currency == cap.currency:  # ctx.convert returns the total itself
        if total.amount > cap.amount:
            return None
    elif ctx.convert(total, cap.currency) > cap:
        return None
    return r
