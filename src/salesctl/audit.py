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

>>> from salesctl.audit import replay
>>> report = replay([])
>>> report.population, report.rejected_count
(0, 0)
"""

from __future__ import annotations

import datetime as dt
import gc
import hashlib
import html
import json
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

import attrs
from attrs import field, frozen

from salesctl._validators import FrozenMap, each, frozenmap_conv, opt_text, text, tuple_conv, typed
from salesctl.control import Frequency
from salesctl.decision import Decision, Finding, Outcome, render
from salesctl.errors import InvalidInput
from salesctl.events import MalformedEvent, Record, read_events
from salesctl.gate import Gate
from salesctl.ledger import Books, Ledger, customer_partition, scope_of
from salesctl.policy import Policy
from salesctl.transactions import Transaction

__all__ = [
    "AuditException",
    "AuditReport",
    "ControlTally",
    "RejectedLine",
    "merge_reports",
    "replay",
    "replay_file",
    "replay_partitioned",
]

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

    @property
    def population(self) -> int:
        """Events read (transactions and records), rejected lines excluded."""
        return sum(self.events.values())

    @property
    def transactions(self) -> int:
        """Transactions read (the population the gate decided)."""
        from salesctl.transactions import TRANSACTION_TYPES

        return sum(n for k, n in self.events.items() if k in TRANSACTION_TYPES)

    def exceptions_for(self, control_id: str) -> tuple[AuditException, ...]:
        """The exceptions of one control."""
        return tuple(e for e in self.exceptions if e.control_id == control_id)

    def documents(self, control_id: str) -> frozenset[str]:
        """The documents with an exception of ``control_id``."""
        return frozenset(e.document_id for e in self.exceptions if e.control_id == control_id)

    def to_dict(self) -> dict[str, Any]:
        """The report as JSON-ready data."""
        from salesctl._convert import unstructure

        out: dict[str, Any] = unstructure(self)
        out["population"] = self.population
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> AuditReport:
        """Rebuild a report from :meth:`to_dict` output.

        Raises:
            InvalidInput: naming the field path of anything malformed.
        """
        from salesctl._convert import structure

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
        ctl = len({e.control_id for e in self.exceptions})
        return (
            f"{self.population} events ({self.transactions} transactions) from {self.lines} lines; "
            f"{self.rejected_count} lines rejected; {len(self.exceptions)} exceptions "
            f"({held} HOLD, {blocked} BLOCK) under {ctl} controls; "
            f"policy {self.policy_name!r} {self.policy_fingerprint[:12]}"
        )


# -- replay ------------------------------------------------------------------------------------


class _Tallies:
    """Mutable counters while replaying."""

    __slots__ = ("rows",)

    def __init__(self) -> None:
        self.rows: dict[str, list[int]] = {}

    def row(self, cid: str) -> list[int]:
        r = self.rows.get(cid)
        if r is None:
            r = self.rows[cid] = [0, 0, 0, 0, 0]
        return r

    def decision(self, d: Decision) -> None:
        worst: dict[str, Outcome] = {}
        approved: set[str] = set()
        for f in d.findings:
            if f.outcome > worst.get(f.control_id, Outcome.ALLOW):
                worst[f.control_id] = f.outcome
            if f.outcome is Outcome.ALLOW and f.cleared_by:
                approved.add(f.control_id)
        for cid in d.controls:
            r = self.row(cid)
            r[0] += 1
            o = worst.get(cid, Outcome.ALLOW)
            if o is Outcome.ALLOW:
                r[1] += 1
                if cid in approved:
                    r[4] += 1
            elif o is Outcome.HOLD:
                r[2] += 1
            else:
                r[3] += 1

    def frozen(self) -> dict[str, ControlTally]:
        return {k: ControlTally(*v) for k, v in sorted(self.rows.items())}


def _exception_of(f: Finding, d: Decision, line: int) -> AuditException:
    return AuditException(
        control_id=f.control_id,
        outcome=f.outcome,
        document_id=d.document_id,
        message=f.message,
        params=f.params,
        facts=f.facts,
        transaction=d.transaction,
        at=d.at,
        line=line,
        roles=tuple(r.role for r in f.required),
    )


def _detective_exception(f: Finding, period: str) -> AuditException:
    doc = f.facts[0][1] if f.facts and f.facts[0][0] == "document" else period
    return AuditException(
        control_id=f.control_id,
        outcome=f.outcome,
        document_id=doc,
        message=f.message,
        params=f.params,
        facts=f.facts,
        period=period,
        roles=tuple(r.role for r in f.required),
    )


_KINDS = (
    Frequency.DAILY,
    Frequency.WEEKLY,
    Frequency.MONTHLY,
    Frequency.QUARTERLY,
    Frequency.YEARLY,
)


def _period_ends(day: dt.date) -> Iterator[Frequency]:
    """The period kinds that end on ``day``."""
    nxt = day + dt.timedelta(days=1)
    yield Frequency.DAILY
    if day.weekday() == 6:
        yield Frequency.WEEKLY
    if nxt.day == 1:
        yield Frequency.MONTHLY
        if nxt.month in (1, 4, 7, 10):
            yield Frequency.QUARTERLY
        if nxt.month == 1:
            yield Frequency.YEARLY


class _Detective:
    """Runs the detective controls at period ends over the books the ledger keeps."""

    def __init__(self, ledger: Ledger, policy: Policy) -> None:
        self.ledger = ledger
        self.policy = policy
        self.runs: dict[str, int] = {}
        try:
            from salesctl import reconcile
        except ImportError:  # pragma: no cover - reconcile not installed
            self._reconcile: Any = None
        else:
            self._reconcile = reconcile if hasattr(reconcile, "run") else None
        from salesctl.controls import CONTROLS

        self.due: frozenset[Frequency] = frozenset(
            k
            for c in CONTROLS.values()
            if getattr(c, "detect", None) is not None and policy.is_enabled(c.id)
            for k in getattr(c, "detect_at", ())
        )

    def close(self, day: dt.date, tallies: _Tallies, out: list[AuditException]) -> None:
        rc = self._reconcile
        if rc is None:
            return
        books = getattr(self.ledger, "books", None)
        if books is None:
            return
        for kind in _period_ends(day):
            if kind not in self.due:
                continue
            period = rc.Period.containing(day, kind)
            records = books.records_for(period)
            if records is None:
                continue
            report = rc.run(records, period, self.policy)
            self.runs[kind.value] = self.runs.get(kind.value, 0) + 1
            for cid, t in report.tally().items():
                r = tallies.row(cid)
                r[0] += t.tested
                r[1] += t.passed
                r[2] += t.held
                r[3] += t.blocked
            for f in report.findings:
                if f.outcome is not Outcome.ALLOW:
                    out.append(_detective_exception(f, period.label))
        books.after_close(day)


def _hashing(
    lines: Iterable[bytes | str], digest: Any, counter: list[int]
) -> Iterator[bytes | str]:
    for raw in lines:
        b = raw if isinstance(raw, bytes) else raw.encode("utf-8")
        digest.update(b)
        counter[0] += len(b)
        yield raw


def replay(
    lines: Iterable[bytes | str],
    policy: Policy | None = None,
    *,
    source: str = "<stream>",
    partition: tuple[int, int] | None = None,
    progress: Callable[[int], None] | None = None,
    through: dt.date | None = None,
    ledger: Ledger | None = None,
) -> AuditReport:
    """Replay an event stream through ledger, gate and detective controls.

    Args:
        lines: the JSON Lines stream (an open binary or text file, or a list of lines).
        policy: the policy in force (the default policy when omitted).
        source: a name for the stream in the report.
        partition: ``(k, n)``: decide only the transactions of the customers in partition
            ``k`` of ``n`` (see the module docs); ``None``: everything.
        progress: called with the number of bytes read so far, every few thousand lines.
        through: close the detective periods ending on or before this date at the end
            (default: those ending on or before the last event's date).
        ledger: the ledger to fold into (a fresh one by default).

    Returns:
        The report.

    Raises:
        InvalidInput: for a bad ``partition`` or ``policy``.
    """
    pol = policy if policy is not None else Policy.default()
    if not isinstance(pol, Policy):
        raise InvalidInput("must be a salesctl.Policy", path="policy", value=type(pol).__name__)
    k, n = partition if partition is not None else (0, 1)
    if not (isinstance(n, int) and isinstance(k, int) and n >= 1 and 0 <= k < n):
        raise InvalidInput("must be (k, n) with 0 <= k < n", path="partition", value=partition)
    gate = Gate(pol)
    credit = pol.families.get("credit")
    owns = None if n == 1 else (lambda c: customer_partition(c, n) == k)
    led = (
        ledger
        if ledger is not None
        else Ledger(
            credit_methods=getattr(credit, "credit_methods", None) or _credit_methods(),
            owns=owns,
            books=_books(pol) if k == 0 else None,
        )
    )
    detective = _Detective(led, pol) if k == 0 else None
    tallies = _Tallies()
    exceptions: list[AuditException] = []
    events: dict[str, int] = {}
    rejected: list[RejectedLine] = []
    rejected_count = 0
    digest = hashlib.sha256()
    nbytes = [0]
    last_line = 0
    first_at: dt.datetime | None = None
    last_at: dt.datetime | None = None
    day: dt.date | None = None
    out_of_order = 0
    # The ledger holds many long-lived objects and makes no reference cycles: the cyclic
    # collector would rescan them all, again and again, for nothing. It is paused during the
    # replay and run once a month instead (restored afterwards).
    gc_was_on = gc.isenabled()
    gc.disable()
    try:
        for line, item in read_events(_hashing(lines, digest, nbytes)):
            last_line = line
            if progress is not None and line % 4096 == 0:
                progress(nbytes[0])
            if line % 262144 == 0:
                gc.collect()
            if isinstance(item, MalformedEvent):
                rejected_count += 1
                if len(rejected) < MAX_REJECTED_LISTED:
                    rejected.append(RejectedLine.from_error(item))
                continue
            name = type(item).__name__
            events[name] = events.get(name, 0) + 1
            at = item.at
            if first_at is None:
                first_at = at
            last_at = at
            today = at.date()
            if day is None:
                day = today
            elif today > day:
                while day < today:
                    if detective is not None:
                        detective.close(day, tallies, exceptions)
                    day += dt.timedelta(days=1)
                    if day.day == 1:
                        gc.collect()
            elif today < day:
                out_of_order += 1
            if isinstance(item, Record):
                led.apply(item)
                continue
            decision: Decision | None = None
            if isinstance(item, Transaction):
                scope = scope_of(item)
                cust = led.customer_of(item, scope)
                mine = customer_partition(cust, n) == k if cust is not None else k == 0
                if mine:
                    decision = gate.check(item, led.context_for(item, scope))
                    tallies.decision(decision)
                    if decision.outcome is not Outcome.ALLOW:
                        for f in decision.findings:
                            if f.outcome is not Outcome.ALLOW:
                                exceptions.append(_exception_of(f, decision, line))
            led.apply(item, decision)
    finally:
        if gc_was_on:
            gc.enable()
    if progress is not None:
        progress(nbytes[0])
    if detective is not None and day is not None:
        end = through if through is not None else day
        while day <= end:
            detective.close(day, tallies, exceptions)
            day += dt.timedelta(days=1)
    return AuditReport(
        source=source,
        source_sha256=digest.hexdigest(),
        policy_name=pol.name,
        policy_fingerprint=pol.fingerprint,
        catalogue_fingerprint=gate._catalogue_fp,
        lines=last_line,
        events=dict(sorted(events.items())),
        rejected_count=rejected_count,
        rejected=tuple(rejected),
        first_at=first_at,
        last_at=last_at,
        tallies=tallies.frozen(),
        exceptions=tuple(sorted(exceptions, key=lambda e: e.sort_key)),
        periods=dict(sorted(detective.runs.items())) if detective is not None else {},
        unfolded=dict(sorted(led.unfolded.items())),
        out_of_order=out_of_order,
        partitions=n,
    )


def _books(policy: Policy) -> Books:
    pe = policy.families.get("period_end")
    credit = policy.families.get("credit")
    mn = policy.families.get("management")
    roles = {
        step.role
        for name in ("monthly_plan_approvals", "annual_plan_approvals", "major_plan_approvals")
        for step in getattr(mn, name, ())
    }
    return Books(
        sales_invoice_within_days=getattr(pe, "sales_invoice_within_days", 0),
        posting_within_days=getattr(pe, "posting_within_days", 0),
        close_within_days=getattr(pe, "close_within_days", 31),
        credit_methods=getattr(credit, "credit_methods", None) or _credit_methods(),
        plan_roles=roles or ("marketing_head", "general_manager", "office_meeting"),
    )


def _credit_methods() -> Any:
    from salesctl.ledger import _DEFAULT_CREDIT_METHODS

    return _DEFAULT_CREDIT_METHODS


def replay_file(
    path: str,
    policy: Policy | None = None,
    *,
    partition: tuple[int, int] | None = None,
    progress: Callable[[int], None] | None = None,
    through: dt.date | None = None,
) -> AuditReport:
    """:func:`replay` over a JSON Lines file.

    Raises:
        InvalidInput: if the file cannot be read.
    """
    try:
        with open(path, "rb") as f:
            return replay(
                f, policy, source=str(path), partition=partition, progress=progress, through=through
            )
    except OSError as e:
        raise InvalidInput(f"cannot read event stream: {e.strerror}", path=str(path)) from None


def merge_reports(reports: Iterable[AuditReport]) -> AuditReport:
    """Join the reports of the partitions of one stream into the report of the whole.

    Every partition read the same lines, so population, rejected lines and fingerprints are
    taken from partition 0 (and must agree); tallies add up; exceptions are merged in stream
    order.

    Raises:
        InvalidInput: for no reports, or reports of different streams or policies.
    """
    parts = list(reports)
    if not parts:
        raise InvalidInput("no reports to merge", path="reports")
    base = parts[0]
    tallies: dict[str, ControlTally] = {}
    exceptions: list[AuditException] = []
    periods: dict[str, int] = {}
    for r in parts:
        same = (r.source_sha256, r.policy_fingerprint, r.catalogue_fingerprint, r.lines)
        if same != (
            base.source_sha256,
            base.policy_fingerprint,
            base.catalogue_fingerprint,
            base.lines,
        ):
            raise InvalidInput("reports of different streams or policies", path="reports")
        for cid, t in r.tallies.items():
            tallies[cid] = tallies.get(cid, ControlTally()) + t
        exceptions.extend(r.exceptions)
        for kind, c in r.periods.items():
            periods[kind] = max(periods.get(kind, 0), c)
    return attrs.evolve(
        base,
        tallies=dict(sorted(tallies.items())),
        exceptions=tuple(sorted(exceptions, key=lambda e: e.sort_key)),
        periods=dict(sorted(periods.items())),
        partitions=len(parts),
    )


def replay_partitioned(
    lines: Iterable[bytes | str],
    policy: Policy | None = None,
    *,
    partitions: int = 2,
    source: str = "<stream>",
) -> AuditReport:
    """Replay the stream in ``partitions`` customer partitions (one after the other here; a
    scale-out engine runs them in parallel) and merge the reports.

    Raises:
        InvalidInput: for fewer than one partition.
    """
    if not isinstance(partitions, int) or partitions < 1:
        raise InvalidInput("must be 1 or more", path="partitions", value=partitions)
    data = list(lines)
    return merge_reports(
        replay(data, policy, source=source, partition=(k, partitions)) for k in range(partitions)
    )


# -- rendering ---------------------------------------------------------------------------------


def _title(cid: str, lang: str) -> str:
    from salesctl.controls import CONTROLS

    c = CONTROLS.get(cid)
    return c.title(lang) if c is not None else cid


def _kind(cid: str) -> str:
    from salesctl.controls import CONTROLS

    c = CONTROLS.get(cid)
    if c is None:
        return "?"
    detective = getattr(c, "detect", None) is not None
    preventive = c.check is not None
    return "P+D" if detective and preventive else ("D" if detective else "P")


def _facts(e: AuditException) -> str:
    return "; ".join(f"{k}={v}" for k, v in e.facts)


def _md_cell(s: str) -> str:
    return s.replace("|", "\\|").replace("\n", " ")


def _markdown(r: AuditReport, lang: str) -> str:
    zh = lang == "zh"
    out: list[str] = []
    out.append("# 审计重演例外报告" if zh else "# Audit replay: exceptions report")
    out.append("")
    span = (
        f"{r.first_at.isoformat()} … {r.last_at.isoformat()}"
        if r.first_at is not None and r.last_at is not None
        else "-"
    )
    rows = [
        ("source" if not zh else "数据源", f"`{r.source}`"),
        ("SHA-256", f"`{r.source_sha256}`"),
        ("period" if not zh else "期间", span),
        ("lines read" if not zh else "读取行数", str(r.lines)),
        ("population (events)" if not zh else "总体(事件数)", str(r.population)),
        ("transactions decided" if not zh else "判定交易数", str(r.transactions)),
        ("rejected lines" if not zh else "拒收行数", str(r.rejected_count)),
        ("exceptions" if not zh else "例外数", str(len(r.exceptions))),
        ("policy" if not zh else "策略", f"{r.policy_name} — `{r.policy_fingerprint}`"),
        ("catalogue" if not zh else "控制目录", f"`{r.catalogue_fingerprint}`"),
    ]
    if r.partitions > 1:
        rows.append(("partitions", str(r.partitions)))
    if r.periods:
        rows.append(
            (
                "detective runs" if not zh else "检查性控制运行",
                ", ".join(f"{k} {v}" for k, v in r.periods.items()),
            )
        )
    out.append("| | |")
    out.append("|---|---|")
    out.extend(f"| {k} | {v} |" for k, v in rows)
    out.append("")
    out.append("## Population by event type" if not zh else "## 按事件类型的总体")
    out.append("")
    out.append("| type | events |")
    out.append("|---|---:|")
    out.extend(f"| {k} | {v} |" for k, v in r.events.items())
    if r.unfolded:
        out.append("")
        out.append(
            "Event types the ledger does not fold (decided, but they change no state): "
            + ", ".join(f"{k} ({v})" for k, v in r.unfolded.items())
        )
    if r.out_of_order:
        out.append("")
        out.append(f"Events dated before the business date already reached: {r.out_of_order}.")
    out.append("")
    out.append("## Controls" if not zh else "## 控制测试结果")
    out.append("")
    out.append(
        "| control | kind | title | tested | passed | of which approved | held | blocked |"
        if not zh
        else "| 控制 | 类型 | 名称 | 测试 | 通过 | 其中凭审批 | 挂起 | 阻止 |"
    )
    out.append("|---|---|---|---:|---:|---:|---:|---:|")
    for cid, t in r.tallies.items():
        out.append(
            f"| {cid} | {_kind(cid)} | {_md_cell(_title(cid, lang))} | {t.tested} | {t.passed} | "
            f"{t.approved} | {t.held} | {t.blocked} |"
        )
    out.append("")
    out.append("## Exceptions" if not zh else "## 例外")
    by_control: dict[str, list[AuditException]] = {}
    for e in r.exceptions:
        by_control.setdefault(e.control_id, []).append(e)
    if not by_control:
        out.append("")
        out.append("None." if not zh else "无。")
    for cid in sorted(by_control):
        es = by_control[cid]
        out.append("")
        out.append(f"### {cid} — {_md_cell(_title(cid, lang))} ({len(es)})")
        out.append("")
        out.append("| outcome | document | where | finding | facts |")
        out.append("|---|---|---|---|---|")
        for e in es:
            where = f"line {e.line} {e.transaction}" if e.line is not None else e.period
            out.append(
                f"| {e.outcome.name} | `{_md_cell(e.document_id)}` | {where} | "
                f"{_md_cell(e.text(lang))} | {_md_cell(_facts(e))} |"
            )
    out.append("")
    out.append("## Rejected lines" if not zh else "## 拒收行")
    out.append("")
    if not r.rejected_count:
        out.append("None." if not zh else "无。")
    else:
        out.append("| line | field | reason | value |")
        out.append("|---:|---|---|---|")
        for rl in r.rejected:
            out.append(
                f"| {rl.line} | `{_md_cell(rl.path)}` | {_md_cell(rl.reason)} | {_md_cell(rl.value or '')} |"
            )
        more = r.rejected_count - len(r.rejected)
        if more > 0:
            out.append("")
            out.append(f"… and {more} more rejected lines (counted above, not listed).")
    return "\n".join(out) + "\n"


_CSS = """
body{font:14px/1.45 system-ui,sans-serif;margin:2em;color:#222}
table{border-collapse:collapse;margin:.5em 0 1.5em}
td,th{border:1px solid #ccc;padding:.25em .5em;vertical-align:top;text-align:left}
td.n{text-align:right}
.HOLD{background:#fff4d6}.BLOCK{background:#fde0de}
code{font-size:12px}
"""


def _html(r: AuditReport, lang: str) -> str:
    e_ = html.escape
    zh = lang == "zh"
    parts: list[str] = [
        "<!doctype html>",
        f'<html lang="{"zh" if zh else "en"}"><head><meta charset="utf-8">',
        f"<title>{'审计重演例外报告' if zh else 'Audit replay: exceptions report'}</title>",
        f"<style>{_CSS}</style></head><body>",
        f"<h1>{'审计重演例外报告' if zh else 'Audit replay: exceptions report'}</h1>",
        "<table>",
    ]
    span = (
        f"{r.first_at.isoformat()} … {r.last_at.isoformat()}"
        if r.first_at is not None and r.last_at is not None
        else "-"
    )
    for k, v in (
        ("source", r.source),
        ("SHA-256", r.source_sha256),
        ("period", span),
        ("lines read", str(r.lines)),
        ("population (events)", str(r.population)),
        ("transactions decided", str(r.transactions)),
        ("rejected lines", str(r.rejected_count)),
        ("exceptions", str(len(r.exceptions))),
        ("policy", f"{r.policy_name} — {r.policy_fingerprint}"),
        ("catalogue", r.catalogue_fingerprint),
    ):
        parts.append(f"<tr><th>{e_(k)}</th><td><code>{e_(v)}</code></td></tr>")
    parts.append("</table><h2>Controls</h2><table>")
    parts.append(
        "<tr><th>control</th><th>kind</th><th>title</th><th>tested</th><th>passed</th>"
        "<th>of which approved</th><th>held</th><th>blocked</th></tr>"
    )
    for cid, t in r.tallies.items():
        parts.append(
            f"<tr><td>{e_(cid)}</td><td>{_kind(cid)}</td><td>{e_(_title(cid, lang))}</td>"
            f'<td class="n">{t.tested}</td><td class="n">{t.passed}</td>'
            f'<td class="n">{t.approved}</td><td class="n">{t.held}</td><td class="n">{t.blocked}</td></tr>'
        )
    parts.append("</table><h2>Exceptions</h2>")
    by_control: dict[str, list[AuditException]] = {}
    for ex in r.exceptions:
        by_control.setdefault(ex.control_id, []).append(ex)
    if not by_control:
        parts.append("<p>None.</p>")
    for cid in sorted(by_control):
        es = by_control[cid]
        parts.append(f"<h3>{e_(cid)} — {e_(_title(cid, lang))} ({len(es)})</h3><table>")
        parts.append(
            "<tr><th>outcome</th><th>document</th><th>where</th><th>finding</th><th>facts</th></tr>"
        )
        for ex in es:
            where = f"line {ex.line} {ex.transaction}" if ex.line is not None else ex.period
            parts.append(
                f'<tr class="{ex.outcome.name}"><td>{ex.outcome.name}</td><td><code>{e_(ex.document_id)}</code></td>'
                f"<td>{e_(where)}</td><td>{e_(ex.text(lang))}</td><td>{e_(_facts(ex))}</td></tr>"
            )
        parts.append("</table>")
    parts.append("<h2>Rejected lines</h2>")
    if not r.rejected_count:
        parts.append("<p>None.</p>")
    else:
        parts.append("<table><tr><th>line</th><th>field</th><th>reason</th><th>value</th></tr>")
        for rl in r.rejected:
            parts.append(
                f'<tr><td class="n">{rl.line}</td><td><code>{e_(rl.path)}</code></td>'
                f"<td>{e_(rl.reason)}</td><td>{e_(rl.value or '')}</td></tr>"
            )
        parts.append("</table>")
        more = r.rejected_count - len(r.rejected)
        if more > 0:
            parts.append(f"<p>… and {more} more rejected lines (counted, not listed).</p>")
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"
