"""Whether the customer partitions of a partitioned replay were independent.

A partitioned replay (:func:`~salesctl.fastreplay.engine.replay_jobs`, the Dask runner) is the
one-process replay only while no customer's transaction reads what the stream filed under a
customer of another partition. A consistent export never does, but nothing in a line stops
it: an approval whose routing ``customer_id`` names another customer than the document it
approves, a goods issue citing another customer's pickup order, an order naming another
customer's contract. One process reads such a line as it reads any other; a partitioned
share holds only its own customers' state, so it would decide without the approval, the
pickup order or the contract (found by trying it: an approval routed to ``C-0001`` for a
contract then signed for customer ``0`` held O2C-CT-02 and O2C-CT-03 under ``--jobs 2``,
where one process passed them).

Each share of a partitioned replay therefore notes (:class:`Crossings`) the documents its
decisions looked up (every document id of a decided transaction's scope, and the pickup
order or IC card a goods issue names) and the keys under which it kept a record filed by
customer (an approval, a credit release or a business approval form by its routing
``customer_id``, a pickup order or an IC card by its customer), and whether a decided
transaction named an order, a contract or a goods issue (by its order) the ledger's index
gives to a customer of another share. When one did, or one share kept a key that another
looked up (:func:`crossed`), the partitions were not independent and the runner replays the
stream in one process: the report is the one-process report whatever the stream, only
slower for one whose lines cross customers.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from salesctl._validators import person_key
from salesctl.ledger import Ledger, Scope

__all__ = ["KEEPERS", "Crossings", "crossed"]


def _approval(rec: Any) -> tuple[str | None, tuple[str, ...]]:
    return rec.customer_id, (rec.approval.document_id,)


def _release(rec: Any) -> tuple[str | None, tuple[str, ...]]:
    return rec.customer_id, (rec.release.order_id,)


def _form(rec: Any) -> tuple[str | None, tuple[str, ...]]:
    f = rec.form
    return rec.customer_id, tuple(x for x in (f.id, f.contract_id, f.order_id) if x is not None)


def _pickup(rec: Any) -> tuple[str | None, tuple[str, ...]]:
    po = rec.pickup_order
    return po.customer_id, (_PERSON + person_key(po.id),)


def _card(rec: Any) -> tuple[str | None, tuple[str, ...]]:
    card = rec.card
    return card.customer_id, (_PERSON + person_key(card.id),)


#: Per record type filed by customer (its ledger fold keeps it only in the share of that
#: customer): the customer and the keys it is looked up by (none of them ``None``).
KEEPERS: dict[str, Callable[[Any], tuple[str | None, tuple[str, ...]]]] = {
    "GrantApproval": _approval,
    "GrantRelease": _release,
    "RecordBusinessApproval": _form,
    "IssuePickupOrder": _pickup,
    "LoadICCard": _card,
}

#: Prefix of a pickup order's or IC card's key (compared as the ledger compares them, by
#: :func:`~salesctl._validators.person_key`), apart from the document ids.
_PERSON = "\x00"


class Crossings:
    """What one share of a partitioned replay looked up and kept by customer (see the
    module).

    Attributes:
        looked: the document ids (and pickup order and IC card keys) its decisions read.
        kept: the keys of the records it kept for a customer of its own.
        elsewhere: a decision named an order or a contract of another share's customer.
    """

    __slots__ = ("elsewhere", "kept", "looked")

    def __init__(self) -> None:
        self.looked: set[str] = set()
        self.kept: set[str] = set()
        self.elsewhere = False

    def decided(self, txn: Any, scope: Scope, ledger: Ledger, customer: str | None) -> None:
        """Note what deciding ``txn`` (of this share's ``customer``) read: its scope's
        documents, orders and contracts, and the pickup order or IC card of its goods issue;
        and whether it named an order, a contract or a goods issue (by its order) that
        ``ledger``'s index gives to another share's customer."""
        orders = scope.order_ids  # every one of them is among the document ids too
        contracts = scope.contract_ids  # not all of them (an order's contract)
        looked = self.looked
        looked.update(scope.document_ids, contracts)
        index = ledger._owner  # the global index (Ledger.owner_of), read in place
        for ids in (orders, contracts):
            for x in ids:
                hit = index.get(x)
                if hit is not None and hit[0] != customer and not ledger.mine(hit[0]):
                    self.elsewhere = True
        if scope.goods_issue_ids:
            by_issue = ledger._gi_order
            for g in scope.goods_issue_ids:
                hit = index.get(by_issue.get(g, ""))
                if hit is not None and hit[0] != customer and not ledger.mine(hit[0]):
                    self.elsewhere = True
        cls = type(txn)
        has = _HAS_GOODS_ISSUE.get(cls)
        if has is None:
            has = _HAS_GOODS_ISSUE[cls] = any(
                a.name == "goods_issue" for a in getattr(cls, "__attrs_attrs__", ())
            )
        if has:
            gi = txn.goods_issue
            for x in (gi.pickup_order_id, gi.ic_card_id):
                if x is not None:
                    looked.add(_PERSON + person_key(x))

    def folded(self, rec: Any, ledger: Ledger) -> None:
        """Note the keys of a record read in full and folded into ``ledger``, when its fold
        kept it for a customer of this share."""
        keeper = KEEPERS.get(type(rec).__name__)
        if keeper is None:
            return
        customer, keys = keeper(rec)
        if customer is None:
            return
        owns = ledger._owns  # Ledger.mine, in place
        if owns is None or owns(ledger._group_of.get(customer, customer)):
            self.kept.update(keys)


#: Per transaction class: whether it carries a ``goods_issue`` (its pickup order and IC card
#: are looked up).
_HAS_GOODS_ISSUE: dict[type, bool] = {}


def crossed(shares: Sequence[Crossings]) -> bool:
    """Whether a share's decision named another share's customer's order or contract, or
    a key one share kept was looked up by another: a transaction read what the stream filed
    under a customer of another partition."""
    if any(x.elsewhere for x in shares):
        return True
    for i, a in enumerate(shares):
        for b in shares[i + 1 :]:
            if not a.kept.isdisjoint(b.looked) or not a.looked.isdisjoint(b.kept):
                return True
    return False
