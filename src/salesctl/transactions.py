"""The things a host is about to do: one frozen class per transaction type.

Every transaction carries the document it is about, the acting :class:`~salesctl.model.Actor`
and the time (timezone-aware). The host builds one and passes it to
:meth:`salesctl.Gate.check` *before* posting.

In JSON (the CLI, the event stream) a transaction is an object with a ``"type"`` key naming
the class and the same field names as the class::

    {"type": "PlaceOrder", "at": "2026-03-02T10:15:00+08:00",
     "actor": {"id": "u-7", "roles": ["sales_rep"]}, "order": {...}}

Use :func:`parse_transaction` to read one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import field, frozen

from salesctl._types import aware, text, typed
from salesctl.errors import InvalidInput, UnknownTransaction
from salesctl.model import Actor, CreditProfile, Customer, SalesOrder

__all__ = [
    "TRANSACTION_TYPES",
    "PlaceOrder",
    "ReleaseOrder",
    "SetCreditProfile",
    "Transaction",
    "parse_transaction",
    "transaction_to_dict",
]

#: Every transaction class by its ``type`` name.
TRANSACTION_TYPES: dict[str, type[Transaction]] = {}

T = TypeVar("T", bound="type[Transaction]")


def register_transaction(cls: T) -> T:
    """Class decorator: make a transaction class known to :func:`parse_transaction`."""
    TRANSACTION_TYPES[cls.__name__] = cls
    return cls


@frozen
class Transaction:
    """Base of every transaction: who acts, and when.

    Attributes:
        actor: the acting user.
        at: when the host is about to act (timezone-aware).
    """

    actor: Actor = field(validator=typed(Actor), kw_only=True)
    at: dt.datetime = field(validator=aware, kw_only=True)

    @property
    def document_id(self) -> str:
        """The id of the document the transaction is about."""
        raise NotImplementedError  # pragma: no cover


@register_transaction
@frozen
class PlaceOrder(Transaction):
    """Confirm (save) a sales order.

    Attributes:
        order: the order as it would be confirmed.
    """

    order: SalesOrder = field(validator=typed(SalesOrder), kw_only=True)

    @property
    def document_id(self) -> str:
        """The order id."""
        return self.order.id


@register_transaction
@frozen
class ReleaseOrder(Transaction):
    """Release an order that credit management had held (S-IC 5.1: re-approval or a one-time
    release by the credit master-data maintainer).

    Attributes:
        order: the held order, as it stands.
        release_id: the one-time release being used, if the release is by a release rather
            than by re-approval.
    """

    order: SalesOrder = field(validator=typed(SalesOrder), kw_only=True)
    release_id: str | None = field(default=None, kw_only=True)

    @property
    def document_id(self) -> str:
        """The order id."""
        return self.order.id


@register_transaction
@frozen
class SetCreditProfile(Transaction):
    """Maintain a customer's credit grade, limit and term in the master data (S-IC 2.2).

    Attributes:
        customer: the customer as it stands (its current profile, if any).
        profile: the new profile to be saved.
        application_id: the id of the credit application (the document approvals refer to).
    """

    customer: Customer = field(validator=typed(Customer), kw_only=True)
    profile: CreditProfile = field(validator=typed(CreditProfile), kw_only=True)
    application_id: str = field(validator=text, kw_only=True)

    @property
    def document_id(self) -> str:
        """The credit application id."""
        return self.application_id


def parse_transaction(data: Mapping[str, Any], *, path: str = "") -> Transaction:
    """Read a transaction from JSON data with a ``"type"`` key.

    Args:
        data: the JSON object.
        path: where the object sits in a larger input, for errors.

    Returns:
        The transaction.

    Raises:
        UnknownTransaction: if ``type`` names no registered transaction.
        InvalidInput: naming the path of any malformed field.
    """
    from salesctl._structure import structure

    if not isinstance(data, Mapping):
        raise InvalidInput("must be an object", path=path, value=data)
    kind = data.get("type")
    tp_path = f"{path}.type" if path else "type"
    if kind is None:
        raise InvalidInput("is required", path=tp_path)
    cls = TRANSACTION_TYPES.get(kind) if isinstance(kind, str) else None
    if cls is None:
        raise UnknownTransaction(
            f"unknown transaction type (known: {', '.join(sorted(TRANSACTION_TYPES))})",
            path=tp_path,
            value=kind,
        )
    body = {k: v for k, v in data.items() if k != "type"}
    result: Transaction = structure(body, cls, path)
    return result


def transaction_to_dict(txn: Transaction) -> dict[str, Any]:
    """The JSON form of a transaction, with its ``"type"`` first."""
    from salesctl._structure import unstructure

    return {"type": type(txn).__name__, **unstructure(txn)}
