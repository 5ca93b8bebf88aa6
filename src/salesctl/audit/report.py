"""The exceptions report of an audit replay (:class:`AuditReport`) and its renderings: JSON,
Markdown and a standalone HTML page."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from typing import Any

from attrs import field, frozen

from salesctl._convert import structure, unstructure
from salesctl._validators import FrozenMap, each, frozenmap_conv, tuple_conv, typed
from salesctl.audit import view
from salesctl.audit.clock import LATE_EVENT
from salesctl.audit.rows import AuditException, ControlTally, RejectedLine
from salesctl.decision import Outcome
from salesctl.transactions import TRANSACTION_TYPES

__all__ = ["AuditReport"]


@frozen
class AuditReport:
    """The exceptions report of an audit replay.

    Attributes:
        source: the stream's name (file path).
        source_sha256: SHA-256 of the stream's bytes as read (evidence of what was tested).
        policy_name: the policy's name.
        policy_fingerprint: SHA-256 of the policy in force.
        catalogue_fingerprint: SHA-256 of the control catalogue.
        lines: lines read (blank ones included).
        events: events read, by type.
        rejected_count: lines that could not be read.
        rejected: the rejected lines (the first :data:`MAX_REJECTED_LISTED`).
        first_at: the time of the first event.
        last_at: the time of the last event.
        tallies: per control id: tested, passed, held, blocked.
        exceptions: every HOLD and BLOCK finding, in stream order, then detective ones.
        periods: detective runs, by period kind (``"monthly": 12``).
        unfolded: event types the ledger has no fold for, with counts (decided, but they
            teach the ledger nothing).
        out_of_order: events earlier than the business date already reached.
        partitions: how many partitions the replay was split into (1: one go).
        incomplete: why the report covers only part of the stream (``"interrupted"``: the
            replay was stopped, e.g. by Ctrl-C, after line :attr:`lines`); empty when the
            whole stream was replayed.
        aging: open receivables at the last month end replayed, by days past due
            (``"current"``, ``"1-30"``, …, ``"181+"``), as money text.
        aging_on: that month end (ISO date); empty when no month end was closed.
        lateness: the allowed lateness the replay closed its periods with, in seconds (see
            :mod:`salesctl.audit.clock`); events that came later than it are exceptions of
            the kind :data:`~salesctl.audit.clock.LATE_EVENT`.
    """

    source: str = field(validator=typed(str))
    source_sha256: str = field(validator=typed(str))
    policy_name: str = field(validator=typed(str))
    policy_fingerprint: str = field(validator=typed(str))
    catalogue_fingerprint: str = field(validator=typed(str))
    lines: int = field(validator=typed(int))
    events: FrozenMap[str, int] = field(converter=frozenmap_conv)
    rejected_count: int = field(validator=typed(int))
    rejected: tuple[RejectedLine, ...] = field(converter=tuple_conv, validator=each(RejectedLine))
    first_at: dt.datetime | None = field(validator=typed(dt.datetime, optional=True))
    last_at: dt.datetime | None = field(validator=typed(dt.datetime, optional=True))
    tallies: FrozenMap[str, ControlTally] = field(converter=frozenmap_conv)
    exceptions: tuple[AuditException, ...] = field(
        converter=tuple_conv, validator=each(AuditException)
    )
    periods: FrozenMap[str, int] = field(default=FrozenMap(), converter=frozenmap_conv)
    unfolded: FrozenMap[str, int] = field(default=FrozenMap(), converter=frozenmap_conv)
    out_of_order: int = field(default=0, validator=typed(int))
    partitions: int = field(default=1, validator=typed(int))
    incomplete: str = field(default="", validator=typed(str))
    aging: FrozenMap[str, str] = field(default=FrozenMap(), converter=frozenmap_conv)
    aging_on: str = field(default="", validator=typed(str))
    lateness: int = field(default=0, validator=typed(int))

    @property
    def population(self) -> int:
        """Events read (transactions and records), rejected lines excluded."""
        return sum(self.events.values())

    @property
    def late_events(self) -> int:
        """Events read after the period they belong to had closed (each is an exception)."""
        return sum(1 for e in self.exceptions if e.control_id == LATE_EVENT)

    @property
    def transactions(self) -> int:
        """Transactions read (the population the gate decided)."""
        return sum(n for k, n in self.events.items() if k in TRANSACTION_TYPES)

    def documents(self, control_id: str) -> frozenset[str]:
        """The documents with an exception of ``control_id``."""
        return frozenset(e.document_id for e in self.exceptions if e.control_id == control_id)

    def to_dict(self) -> dict[str, Any]:
        """The report as JSON-ready data."""
        out: dict[str, Any] = unstructure(self)
        out["population"] = self.population
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> AuditReport:
        """Rebuild a report from :meth:`to_dict` output.

        Raises:
            InvalidInput: naming the field path of anything malformed.
        """
        body = {k: v for k, v in data.items() if k != "population"}
        result: AuditReport = structure(body, cls, "report")
        return result

    def to_json(self) -> str:
        """The report as JSON text."""
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=2) + "\n"

    def to_markdown(self, lang: str = "en") -> str:
        """The report as Markdown (``lang``: the language of the findings' messages)."""
        return _markdown(self, lang)

    def to_html(self, lang: str = "en") -> str:
        """The report as a standalone HTML page."""
        return _html(self, lang)

    def summary(self) -> str:
        """One paragraph for the terminal: population, rejected lines, exceptions."""
        held = sum(1 for e in self.exceptions if e.outcome is Outcome.HOLD)
        blocked = len(self.exceptions) - held
        ctl = len({e.control_id for e in self.exceptions if e.control_id != LATE_EVENT})
        late = self.late_events
        head = f"INCOMPLETE ({self.incomplete}): " if self.incomplete else ""
        return head + (
            f"{self.population} events ({self.transactions} transactions) from {self.lines} lines; "
            f"{self.rejected_count} lines rejected; {len(self.exceptions)} exceptions "
            f"({held} HOLD, {blocked} BLOCK) under {ctl} controls; "
            + (f"{late} late events (read after their period closed); " if late else "")
            + f"policy {self.policy_name!r} {self.policy_fingerprint[:12]}"
        )


# -- rendering: one model (salesctl.audit.view.blocks), two layouts --------------------------


def _markdown(r: AuditReport, lang: str) -> str:
    return view.markdown(view.blocks(r, lang), lang)


def _html(r: AuditReport, lang: str) -> str:
    return view.html_page(view.blocks(r, lang), lang)
