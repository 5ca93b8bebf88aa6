"""The audit replay: every transaction of a period re-performed through the controls.

Auditors no longer sample 25 transactions; they re-perform all of them. :func:`replay` reads
an exported event stream (:mod:`salesctl.events`), folds it into a
:class:`~salesctl.ledger.Ledger`, and for every transaction asks the gate exactly what a live
host would have asked — ``Gate.check(txn, ledger.context_for(txn))`` — before folding the
transaction in. In a replay the transactions *were* posted, so the ledger applies every event
whatever the decision; a decision other than ALLOW is recorded as an **exception**. At each
day, month, quarter and year end the detective controls (:mod:`salesctl.reconcile`) run over
the books the ledger kept, and their exceptions join the report.

The :class:`AuditReport` is what the auditor reads: the population (lines, events by type),
every rejected line with its line number and field, the policy and catalogue fingerprints,
one row per control (tested / passed / held / blocked) and every exception with its document
and facts. It renders as Markdown, HTML or JSON.

**Scale-out.** ``replay(..., partition=(k, n))`` decides only the transactions of the
customers of partition ``k`` (and, in partition 0, the transactions that belong to no
customer and the detective controls), folding the global state from every event;
:func:`merge_reports` joins the partial reports into the report of the whole stream
(:func:`replay_partitioned` does both). The result equals the one-go replay.

The package by job: :mod:`~salesctl.audit.engine` (the replay, partitions, detective runs),
:mod:`~salesctl.audit.report` (the report and its renderings),
:mod:`~salesctl.audit.output` (writing it to a file, atomically, streaming the exceptions),
:mod:`~salesctl.audit.rows` (its rows), :mod:`~salesctl.audit.clock` (when periods close; late
events) and :mod:`~salesctl.audit.compare` (the same stream under a proposed policy).

>>> from salesctl.audit import replay
>>> report = replay([])
>>> report.population, report.rejected_count
(0, 0)
"""

from salesctl.audit.clock import DEFAULT_LATENESS, LATE_EVENT, parse_lateness
from salesctl.audit.compare import OutcomeChange, PolicyComparison, compare_reports
from salesctl.audit.engine import merge_reports, replay, replay_file, replay_partitioned
from salesctl.audit.output import (
    REPORT_FORMATS,
    check_report_path,
    read_report_jsonl,
    report_chunks,
    report_format,
    write_report,
)
from salesctl.audit.report import AuditReport
from salesctl.audit.rows import MAX_REJECTED_LISTED, AuditException, ControlTally, RejectedLine

__all__ = [
    "DEFAULT_LATENESS",
    "LATE_EVENT",
    "MAX_REJECTED_LISTED",
    "REPORT_FORMATS",
    "AuditException",
    "AuditReport",
    "ControlTally",
    "OutcomeChange",
    "PolicyComparison",
    "RejectedLine",
    "check_report_path",
    "compare_reports",
    "merge_reports",
    "parse_lateness",
    "read_report_jsonl",
    "replay",
    "replay_file",
    "replay_partitioned",
    "report_chunks",
    "report_format",
    "write_report",
]
