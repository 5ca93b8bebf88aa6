"""The ledger: a fold of the event stream into what the controls need to know.

A host that calls :meth:`salesctl.Gate.check` live passes a :class:`~salesctl.context.Context`
built from its own database: the customer's credit exposure by category, the approvals and
one-time releases on hand, the last number of each series, the document flow of the order,
the contract ledger, the stock on hand. The audit replay has no database — only the exported
stream — so :class:`Ledger` rebuilds that knowledge by folding the events in order, and
:meth:`Ledger.context_for` produces the context the host would have passed for the next
transaction. Replaying a year through ``ledger → context → gate`` re-performs every decision.

How each event type changes the ledger is one small function per type, registered with
:func:`fold` (``PlaceOrder``, ``ReleaseOrder``, ``SetCreditProfile``, ``IssueDeliveryNotice``,
``PostGoodsIssue``, ``IssueInvoice``, ``RecordReceipt``, …, and the records of
:mod:`salesctl.events`). A type without a fold is still decided; it just teaches the ledger
nothing (:attr:`Ledger.unfolded` counts them).

What the ledger holds, and for how long (memory is bounded by **open** documents, not by the
number of events):

* per customer: the credit profile last seen, open sales orders (undelivered and
  delivered-not-invoiced quantities by line), open invoices (for exposure and ageing),
  unapplied advance receipts, recent concessions (the pricing window), consignment
  settlements;
* per open order: its delivery notices, goods issues, invoices, settlements and delivery
  proofs. An order leaves the ledger ``closed_retention_days`` after it is complete (voided,
  or delivered and invoiced in full) and nothing touched it;
* per document: approvals and one-time releases granted for it, until
  ``approval_retention_days`` after they were granted (or their expiry);
* globally: the last number of each series, exchange rates, the price master, stock lots on
  hand, contracts and the contract ledger (collections per contract).

The state is a deterministic function of the events folded so far (and, in an audit, of the
decisions on them): no clock, no files. It is mutable for speed — a year of a million events
is folded in place — but everything it hands out (contexts, documents) is immutable.

**Partitioning.** ``Ledger(owns=...)`` keeps customer state only for the customers it owns,
while the global part (number series, stock, prices, rates, contracts index) is folded from
every event. A replay split by customer over several ledgers therefore decides every
transaction exactly as one ledger would (see :func:`salesctl.audit.replay`).

The package by job: :mod:`~salesctl.ledger.ledger` (the :class:`Ledger` and the registry of
its folds), :mod:`~salesctl.ledger.folds` (one fold per event type),
:mod:`~salesctl.ledger.state` (what it holds per customer, order and contract),
:mod:`~salesctl.ledger.scope` (what an event is about), :mod:`~salesctl.ledger.context` (the
trusted context builder), :mod:`~salesctl.ledger.books` and
:mod:`~salesctl.ledger.book_folds` (the registers the detective controls read).

>>> import salesctl as sc
>>> from salesctl.ledger import Ledger
>>> led = Ledger()
>>> led.last_numbers
{}
"""

from salesctl.ledger import book_folds, folds  # noqa: F401  (importing them registers the folds)
from salesctl.ledger.books import Books
from salesctl.ledger.ledger import FOLDS, Ledger, fold
from salesctl.ledger.scope import Scope, customer_partition, scope_customer, scope_of
from salesctl.ledger.state import OrderState

__all__ = [
    "FOLDS",
    "Books",
    "Ledger",
    "OrderState",
    "Scope",
    "customer_partition",
    "fold",
    "scope_customer",
    "scope_of",
]
