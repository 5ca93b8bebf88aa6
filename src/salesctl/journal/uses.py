"""One-time documents used up with the decision that allows them: pickup orders (O2C-DL-07).

A control names what it guards in its metadata (:attr:`salesctl.control.Control.consumes`).
For the documents here, the journal records the use *in the transaction that records the
decision*: when :meth:`~salesctl.journal.Journal.record` is given an ALLOW decision of a control
that consumes a pickup order, and the transaction cites one, a ``use`` record follows the
decision record, and the ``uses`` index's primary key (``"pickup_order:" + the id without
regard to case``) is the database's own once-only guard. A second use raises
:class:`~salesctl.errors.PickupOrderConsumed` and nothing of the second decision is written.

One-time credit releases are consumed by the host's own call,
:meth:`~salesctl.journal.Journal.consume_release`, after the decision (as before): which
release a decision used is in its findings' clearings, and hosts already make that call.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping

from attrs import frozen

from salesctl.decision import Decision
from salesctl.errors import InvalidInput, JournalError, PickupOrderConsumed
from salesctl.journal.backend import Session
from salesctl.journal.records import DocumentUse, Entry, use_key, use_of
from salesctl.transactions import Transaction

__all__ = ["Consumable", "consumables", "record_uses", "use", "used_in_context", "uses_of"]


@frozen
class Consumable:
    """A one-time document the journal uses up with the decision that allows it.

    Attributes:
        thing: its name in :data:`salesctl.control.CONSUMABLES` (``"pickup_order"``).
        cited: the id a transaction cites (``None`` when it cites none).
        context_field: the :class:`~salesctl.context.Context` field listing used ones.
        error: the error a second use raises, given the first use.
    """

    thing: str
    cited: Callable[[Transaction], str | None]
    context_field: str
    error: Callable[[DocumentUse], JournalError]


@functools.cache
def consumables() -> Mapping[str, Consumable]:
    """The documents used up with the decision, by thing (imported on first use: the journal
    reads the control catalogue only when it records or builds a context)."""
    from salesctl.controls.delivery import cited_pickup_order

    return {
        "pickup_order": Consumable(
            thing="pickup_order",
            cited=cited_pickup_order,
            context_field="consumed_pickup_orders",
            error=PickupOrderConsumed,
        )
    }


@functools.cache
def _consumers() -> Mapping[str, frozenset[str]]:
    """Control id → the things it consumes with the decision."""
    from salesctl.controls import CONTROLS

    wanted = set(consumables())
    return {
        cid: frozenset(c.consumes & wanted) for cid, c in CONTROLS.items() if c.consumes & wanted
    }


def uses_of(decision: Decision, txn: Transaction | None) -> tuple[tuple[str, str], ...]:
    """``(thing, id)`` of every one-time document ``decision`` uses up: none unless it
    allows; then those its controls consume (:attr:`~salesctl.control.Control.consumes`) and
    the transaction cites.

    Raises:
        InvalidInput: an allowing decision of such a control without its transaction (the
            journal could not tell what it uses up: fail closed).
    """
    if not decision.allowed:
        return ()
    consumers = _consumers()
    things = sorted({t for cid in decision.controls for t in consumers.get(cid, ())})
    if not things:
        return ()
    if txn is None:
        raise InvalidInput(
            f"an allowed {decision.transaction} may use up a one-time document "
            f"({', '.join(things)}): pass the transaction, txn=…, so the journal records its use",
            path="txn",
            value=decision.document_id,
        )
    out: list[tuple[str, str]] = []
    for thing in things:
        id_ = consumables()[thing].cited(txn)
        if id_ is not None:
            out.append((thing, id_))
    return tuple(out)


def _first_use(s: Session, key: str, *, write: bool) -> Entry | None:
    # The chain is the evidence: look there first, so that even a deleted index row cannot
    # free a document for a second use; the index's primary key is the backstop.
    found = next(s.entries(kind="use", key=key, limit=1), None)
    if found is None and write:
        found = s.indexed("uses", key)
    return found


def record_uses(
    s: Session,
    uses: tuple[tuple[str, str], ...],
    document_id: str,
    decision_seq: int,
    now: str,
) -> None:
    """Append the use of each document after the decision record ``decision_seq`` (inside
    the decision's write transaction).

    Raises:
        PickupOrderConsumed: (or the thing's error) a document was used before; the caller's
            transaction then rolls back, decision included.
    """
    for thing, id_ in uses:
        key = use_key(thing, id_)
        first = _first_use(s, key, write=True)
        if first is not None:
            raise consumables()[thing].error(use_of(first))
        record = {
            "thing": thing,
            "id": id_,
            "document_id": document_id,
            "decision_seq": decision_seq,
            "recorded_at": now,
        }
        entry = s.append("use", key, record)
        s.index_use(key, thing, document_id, entry.seq)


def used_in_context(s: Session, txn: Transaction) -> dict[str, set[str]]:
    """Per context field, the documents ``txn`` cites that the chain shows used."""
    out: dict[str, set[str]] = {}
    for c in consumables().values():
        id_ = c.cited(txn)
        if id_ is None:
            continue
        first = _first_use(s, use_key(c.thing, id_), write=False)
        if first is not None:
            out.setdefault(c.context_field, set()).update({id_, use_of(first).id})
    return out


def use(s: Session, thing: str, id_: str) -> DocumentUse | None:
    """The first use of document ``id_`` (of kind ``thing``) the chain holds."""
    first = _first_use(s, use_key(thing, id_), write=False)
    return None if first is None else use_of(first)
