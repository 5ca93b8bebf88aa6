"""The rows of the audit report: a rejected line, an exception, a control's tally."""

from __future__ import annotations

import datetime as dt
from typing import Any

from attrs import field, frozen

from salesctl._validators import each, opt_text, text, tuple_conv, typed
from salesctl.decision import Outcome, render
from salesctl.events import MalformedEvent

__all__ = ["MAX_REJECTED_LISTED", "AuditException", "ControlTally", "RejectedLine"]

#: How many rejected lines the report lists one by one (all are counted).
MAX_REJECTED_LISTED = 1000


@frozen
class RejectedLine:
    """A line of the stream that could not be read (it is counted and listed, never
    silently dropped).

    Attributes:
        line: the 1-based line number.
        path: the field path at fault (empty when the whole line is).
        reason: what is wrong.
        value: the offending value, when there is one.
    """

    line: int = field(validator=typed(int))
    path: str = field(validator=typed(str))
    reason: str = field(validator=text)
    value: str | None = field(default=None, validator=opt_text)

    @classmethod
    def from_error(cls, err: MalformedEvent) -> RejectedLine:
        """The rejected line an error describes."""
        d = err.to_dict()
        return cls(line=err.line or 0, path=err.path, reason=err.reason, value=d.get("value"))


@frozen
class AuditException:
    """One exception: a HOLD or BLOCK finding of a control on a document.

    Attributes:
        control_id: the control.
        outcome: HOLD or BLOCK.
        document_id: the document (or count, series number, unit and period) concerned.
        message: the message key (rendered with :meth:`text`).
        params: the message parameters.
        facts: the facts the control used (the evidence).
        transaction: the transaction type, for an exception of a preventive control;
            empty for a detective one.
        at: the transaction's time (preventive).
        line: the line of the stream (preventive).
        period: the period label, for a detective control (``2026-03``).
        roles: the roles whose approval or follow-up the finding asks for.
    """

    control_id: str = field(validator=text)
    outcome: Outcome = field(validator=typed(Outcome))
    document_id: str = field(validator=typed(str))
    message: str = field(validator=text)
    params: tuple[tuple[str, str], ...] = field(default=(), converter=tuple_conv)
    facts: tuple[tuple[str, str], ...] = field(default=(), converter=tuple_conv)
    transaction: str = field(default="", validator=typed(str))
    at: dt.datetime | None = field(default=None, validator=typed(dt.datetime, optional=True))
    line: int | None = field(default=None, validator=typed(int, optional=True))
    period: str = field(default="", validator=typed(str))
    roles: tuple[str, ...] = field(default=(), converter=tuple_conv, validator=each(str))

    def text(self, lang: str = "en") -> str:
        """The finding's message in ``"zh"`` or ``"en"``."""
        return render(self.message, self.params, lang)

    @property
    def sort_key(self) -> tuple[Any, ...]:
        """Stream order for preventive exceptions, then detective ones by period."""
        return (
            self.line is None,
            self.line or 0,
            self.period,
            self.control_id,
            self.document_id,
            self.message,
            self.params,
            self.facts,
        )


@frozen
class ControlTally:
    """One control's row in the auditor's table.

    Attributes:
        tested: transactions decided (preventive) or items examined (detective).
        passed: tested with no HOLD or BLOCK (approvals on hand included).
        held: tested with a HOLD (and no BLOCK) from this control.
        blocked: tested with a BLOCK from this control.
        approved: passed only thanks to approvals or releases on hand (the evidence an
            auditor samples).
    """

    tested: int = 0
    passed: int = 0
    held: int = 0
    blocked: int = 0
    approved: int = 0

    def __add__(self, other: ControlTally) -> ControlTally:
        return ControlTally(
            self.tested + other.tested,
            self.passed + other.passed,
            self.held + other.held,
            self.blocked + other.blocked,
            self.approved + other.approved,
        )
