"""The journal: salesctl's embedded store, on SQLite (standard library, nothing to install)
or on PostgreSQL (``salesctl[postgres]``) for hosts that run on more than one server.

The controls are pure; a few things a host needs are state, and the journal keeps them:

* **evidence no one can quietly edit** — every decision (and, if the host wishes, every
  transaction, approval and release) is appended to one log whose records are chained by
  SHA-256: each record carries the hash of the one before it, its own sequence number, the
  policy fingerprint and the ids of the controls that ran. :meth:`Journal.verify` names the
  first record that was altered, removed or inserted;
* **one-time credit releases used exactly once** (S-IC 5.1, O2C-CR-06) —
  :meth:`Journal.consume_release` is atomic across threads and processes; a second use
  raises :class:`~salesctl.errors.ReleaseConsumed` carrying the first use's evidence;
* **pickup orders used exactly once** (S-IC 5.1, O2C-DL-07) — :meth:`Journal.record` of an
  allowed goods issue records the use of the pickup order it cites in the same transaction;
  a second use raises :class:`~salesctl.errors.PickupOrderConsumed`;
* **consecutive numbering that can be proven** (S-CP 3.1.1, O2C-SO-01) —
  :meth:`Journal.next_number` draws numbers without gaps or duplicates under concurrency,
  and :meth:`Journal.number_report` reports gaps and duplicates from the chain.

:meth:`Journal.context_for` builds the :class:`~salesctl.context.Context` of a check from what
the journal holds, for hosts that let salesctl keep the state. See ``docs/journal.md`` for the
schema, the hash definition, versioning, retention and backup.

The package, by job: :mod:`~salesctl.journal.records` (the record values, canonical JSON and
the SHA-256 chain), :mod:`~salesctl.journal.verify` (checking a chain, an export),
:mod:`~salesctl.journal.api` (the :class:`Journal`), :mod:`~salesctl.journal.backend` (what a
backend provides), :mod:`~salesctl.journal.sqlite` (the SQLite backend) and
:mod:`~salesctl.journal.postgres` (the PostgreSQL backend, imported only for a
``postgresql://`` journal URL).

>>> import tempfile, pathlib
>>> from salesctl.journal import Journal
>>> with tempfile.TemporaryDirectory() as d, Journal(pathlib.Path(d) / "j.sqlite") as j:
...     (j.next_number("SO-2026"), j.next_number("SO-2026"), j.verify().ok)
(1, 2, True)
"""

from __future__ import annotations

from salesctl.journal.api import Journal, is_url
from salesctl.journal.records import (
    GENESIS_HASH,
    KINDS,
    DocumentUse,
    Entry,
    ExposureProvider,
    ReleaseConsumption,
    SeriesReport,
    Verification,
    canonical_json,
    chain_hash,
)
from salesctl.journal.sqlite import APPLICATION_ID, SCHEMA_VERSION
from salesctl.journal.verify import verify_export

__all__ = [
    "APPLICATION_ID",
    "GENESIS_HASH",
    "KINDS",
    "SCHEMA_VERSION",
    "DocumentUse",
    "Entry",
    "ExposureProvider",
    "Journal",
    "ReleaseConsumption",
    "SeriesReport",
    "Verification",
    "canonical_json",
    "chain_hash",
    "is_url",
    "verify_export",
]
