"""The replay engine: an event stream read, folded into a ledger and decided by the gate, the
detective controls run at every period end, and partial reports of a partitioned replay
merged."""

from __future__ import annotations

import datetime as dt
import gc
import hashlib
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import attrs

from salesctl.audit.clock import DEFAULT_LATENESS, PeriodClock
from salesctl.audit.report import AuditReport
from salesctl.audit.rows import MAX_REJECTED_LISTED, AuditException, ControlTally, RejectedLine
from salesctl.control import Frequency
from salesctl.controls import CONTROLS
from salesctl.decision import Decision, Finding, Outcome
from salesctl.errors import InvalidInput
from salesctl.events import MalformedEvent, Record, read_events
from salesctl.gate import Gate
from salesctl.ledger import Books, Ledger, customer_partition, scope_of
from salesctl.ledger.state import DEFAULT_CREDIT_METHODS
from salesctl.money import Money
from salesctl.policy import Policy
from salesctl.reconcile import run as run_detective
from salesctl.records import Period, ReceivableItem
from salesctl.transactions import Transaction

__all__ = [
    "AGING_BUCKETS",
    "books_for",
    "merge_reports",
    "period_clock",
    "replay",
    "replay_file",
    "replay_partitioned",
]


class _Tallies:
    """Per control: tested, passed, held, blocked, approved (mutable while replaying).

    A decision without findings (the common case: every control passed) is counted by the
    tuple of controls that ran, and added to each control's row when the rows are read.
    """

    __slots__ = ("_passed", "_rows")

    def __init__(self) -> None:
        self._rows: dict[str, list[int]] = {}
        self._passed: dict[tuple[str, ...], int] = {}

    @property
    def rows(self) -> dict[str, list[int]]:
        """The rows by control id, the decisions without findings counted in."""
        if self._passed:
            passed, self._passed = self._passed, {}
            for controls, times in passed.items():
                for cid in controls:
                    r = self.row(cid)
                    r[0] += times
                    r[1] += times
        return self._rows

    def row(self, cid: str) -> list[int]:
        r = self._rows.get(cid)
        if r is None:
            r = self._rows[cid] = [0, 0, 0, 0, 0]
        return r

    def decision(self, d: Decision) -> None:
        findings = d.findings
        if not findings:  # the common case: every control passed
            controls = d.controls
            if type(controls) is tuple:
                passed = self._passed
                passed[controls] = passed.get(controls, 0) + 1
                return
            for cid in controls:
                r = self.row(cid)
                r[0] += 1
                r[1] += 1
            return
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
        self.aging: dict[str, str] = {}
        self.aging_on = ""
        self.due: frozenset[Frequency] = frozenset(
            k
            for c in CONTROLS.values()
            if getattr(c, "detect", None) is not None and policy.is_enabled(c.id)
            for k in getattr(c, "detect_at", ())
        )

    def close(self, day: dt.date, tallies: _Tallies, out: list[AuditException]) -> None:
        books = self.ledger.books
        if books is None:
            return
        for kind in _period_ends(day):
            if kind not in self.due:
                continue
            period = Period.containing(day, kind)
            records = books.records_for(period)
            if records is None:
                continue
            report = run_detective(records, period, self.policy)
            self.runs[kind.value] = self.runs.get(kind.value, 0) + 1
            if kind is Frequency.MONTHLY:
                self.aging = _aging(records.receivables, period.end)
                self.aging_on = period.end.isoformat()
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


#: Receivables ageing buckets: ``(label, most days past due)`` (``None``: no upper bound).
AGING_BUCKETS: tuple[tuple[str, int | None], ...] = (
    ("current", 0),
    ("1-30", 30),
    ("31-90", 90),
    ("91-180", 180),
    ("181+", None),
)


def _aging(items: Iterable[ReceivableItem], on: dt.date) -> dict[str, str]:
    """Open receivables on ``on`` by days past due (:data:`AGING_BUCKETS`), as money text per
    bucket (one currency each; a bucket holding several lists them, ``"; "``-separated)."""
    sums: dict[str, dict[str, Money]] = {label: {} for label, _most in AGING_BUCKETS}
    for it in items:
        if it.settled_on is not None and it.settled_on <= on:
            continue
        amount = it.outstanding
        if not amount.amount:
            continue
        days = (on - it.due).days
        label = next(lb for lb, most in AGING_BUCKETS if most is None or days <= most)
        cur = sums[label]
        cur[amount.currency] = cur[amount.currency] + amount if amount.currency in cur else amount
    return {
        label: "; ".join(str(m) for _c, m in sorted(by.items())) or "0"
        for label, by in sums.items()
    }


def _hashing(
    lines: Iterable[bytes | str], digest: Any, counter: list[int]
) -> Iterator[bytes | str]:
    for raw in lines:
        # a text line holding a lone surrogate is hashed as the fast engine hashes it (its
        # reader rejects the line; strict UTF-8 would end the replay with an untyped error)
        b = raw if isinstance(raw, bytes) else raw.encode("utf-8", "surrogatepass")
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
    interruptible: bool = False,
    lateness: dt.timedelta = DEFAULT_LATENESS,
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
        interruptible: when true, a :exc:`KeyboardInterrupt` (Ctrl-C, SIGINT) during the
            replay ends it and the report of the lines read so far is returned, marked
            ``incomplete="interrupted"``; when false (the default) it propagates.
        lateness: the allowed lateness: a day closes once an event ``lateness`` past its
            end has been read; an event for a day already closed is reported as a late
            event (see :mod:`salesctl.audit.clock`; default zero).

    Returns:
        The report.

    Raises:
        InvalidInput: for a bad ``partition``, ``policy`` or ``lateness``.
    """
    pol = policy if policy is not None else Policy.default()
    if not isinstance(pol, Policy):
        raise InvalidInput("must be a salesctl.Policy", path="policy", value=type(pol).__name__)
    k, n = partition if partition is not None else (0, 1)
    if not (isinstance(n, int) and isinstance(k, int) and n >= 1 and 0 <= k < n):
        raise InvalidInput("must be (k, n) with 0 <= k < n", path="partition", value=partition)
    gate = Gate(pol)
    led = ledger if ledger is not None else ledger_for(pol, k, n)
    detective = _Detective(led, pol) if k == 0 else None
    tallies = _Tallies()
    exceptions: list[AuditException] = []
    clock = period_clock(lateness, detective, tallies, exceptions, gc.collect)
    seen = clock.seen
    events: dict[str, int] = {}
    rejected: list[RejectedLine] = []
    rejected_count = 0
    digest = hashlib.sha256()
    nbytes = [0]
    last_line = 0
    first_at: dt.datetime | None = None
    last_at: dt.datetime | None = None
    day: dt.date | None = None
    # The ledger holds many long-lived objects and makes no reference cycles: the cyclic
    # collector would rescan them all, again and again, for nothing. It is paused during the
    # replay and run once a month instead (restored afterwards).
    gc_was_on = gc.isenabled()
    gc.disable()
    incomplete = ""
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
            if today != day:  # a new day, an event dated earlier, or a lateness to watch
                day = seen(at, today, line, item)
            if isinstance(item, Record):
                led.apply(item)
                continue
            decision: Decision | None = None
            if isinstance(item, Transaction):
                scope = scope_of(item)
                cust = led.customer_of(item, scope)
                mine = (
                    customer_partition(led.partition_key(cust), n) == k
                    if cust is not None
                    else k == 0
                )
                if mine:
                    decision = gate.check(item, led.context_for(item, scope))
                    tallies.decision(decision)
                    if decision.outcome is not Outcome.ALLOW:
                        for f in decision.findings:
                            if f.outcome is not Outcome.ALLOW:
                                exceptions.append(_exception_of(f, decision, line))
            led.apply(item, decision)
    except KeyboardInterrupt:
        if not interruptible:
            raise
        incomplete = "interrupted"
    finally:
        if gc_was_on:
            gc.enable()
    if progress is not None:
        progress(nbytes[0])
    if not incomplete:
        try:
            clock.finish(through)
        except KeyboardInterrupt:
            if not interruptible:
                raise
            incomplete = "interrupted"
    return report_of(
        source=source,
        digest=digest.hexdigest(),
        policy=pol,
        gate=gate,
        lines=last_line,
        events=events,
        rejected=(rejected_count, rejected),
        span=(first_at, last_at),
        tallies=tallies,
        exceptions=exceptions,
        detective=detective,
        ledger=led,
        clock=clock,
        partitions=n,
        incomplete=incomplete,
    )


def report_of(
    *,
    source: str,
    digest: str,
    policy: Policy,
    gate: Gate,
    lines: int,
    events: dict[str, int],
    rejected: tuple[int, list[RejectedLine]],
    span: tuple[Any, Any],
    tallies: _Tallies,
    exceptions: list[AuditException],
    detective: _Detective | None,
    ledger: Ledger,
    clock: Any,
    partitions: int,
    incomplete: str,
    unfolded: dict[str, int] | None = None,
) -> AuditReport:
    """The report of a replay from what its loop gathered: both replay engines end here, so
    they cannot drift apart (the receivables ageing was once missing from one). ``unfolded``
    replaces the ledger's count of event types nothing folds (a books-only replay)."""
    return AuditReport(
        # a file name need not be valid Unicode (bytes a file system keeps as lone surrogates):
        # the report names it with those characters escaped, since a report is valid text
        source=source.encode("utf-8", "backslashreplace").decode("utf-8"),
        source_sha256=digest,
        policy_name=policy.name,
        policy_fingerprint=policy.fingerprint,
        catalogue_fingerprint=gate._catalogue_fp,
        lines=lines,
        events=dict(sorted(events.items())),
        rejected_count=rejected[0],
        rejected=tuple(rejected[1]),
        first_at=span[0],
        last_at=span[1],
        tallies=tallies.frozen(),
        exceptions=tuple(sorted(exceptions, key=lambda e: e.sort_key)),
        periods=dict(sorted(detective.runs.items())) if detective is not None else {},
        aging=detective.aging if detective is not None else {},
        aging_on=detective.aging_on if detective is not None else "",
        unfolded=dict(sorted((ledger.unfolded if unfolded is None else unfolded).items())),
        out_of_order=clock.out_of_order,
        partitions=partitions,
        incomplete=incomplete,
        lateness=int(clock.lateness.total_seconds()),
    )


def period_clock(
    lateness: dt.timedelta,
    detective: _Detective | None,
    tallies: _Tallies,
    exceptions: list[AuditException],
    on_month: Callable[[], Any] | None,
) -> PeriodClock:
    """The :class:`~salesctl.audit.clock.PeriodClock` of a replay: it runs ``detective`` at
    each day it closes and reports late events into ``exceptions`` (only where the detective
    runs, partition 0, so that a merge counts each once)."""

    def close(day: dt.date) -> None:
        assert detective is not None
        detective.close(day, tallies, exceptions)

    return PeriodClock(
        lateness,
        close=close if detective is not None else None,
        out=exceptions if detective is not None else None,
        on_month=on_month,
    )


def ledger_for(
    policy: Policy,
    k: int = 0,
    n: int = 1,
    *,
    buckets: frozenset[int] | None = None,
    books: bool | None = None,
) -> Ledger:
    """The ledger a replay of partition ``k`` of ``n`` folds into, as ``policy`` configures it
    (its credit methods and segments, its time zone; the books on partition 0). Both replay
    engines build theirs here, so they cannot drift apart.

    ``buckets`` (default ``{k}``): the partitions whose customers this ledger keeps;
    ``books`` (default: partition 0 is among them) whether it keeps the books."""
    credit = policy.families.get("credit")
    mine = buckets if buckets is not None else frozenset((k,))
    keep_books = (0 in mine) if books is None else books
    return Ledger(
        credit_methods=getattr(credit, "credit_methods", None) or DEFAULT_CREDIT_METHODS,
        owns=None if len(mine) >= n else _owner_test(mine, n),
        books=books_for(policy) if keep_books else None,
        timezone=policy.zone,
        segment_of=getattr(credit, "segment_of", None),
    )


def _owner_test(mine: frozenset[int], n: int) -> Callable[[str], bool]:
    """Whether a partition key (a customer or group) is among ``mine`` of ``n`` partitions,
    remembered per key (a share asks it for most lines of the stream)."""
    memo: dict[str, bool] = {}

    def owns(key: str) -> bool:
        hit = memo.get(key)
        if hit is None:
            hit = memo[key] = customer_partition(key, n) in mine
        return hit

    return owns


def books_for(policy: Policy) -> Books:
    """The :class:`~salesctl.ledger.Books` a replay under ``policy`` keeps (the period-end
    deadlines, the credit methods and the plan approvers it needs)."""
    revenue = policy.family("revenue")
    orders = policy.family("orders")
    credit = policy.family("credit")
    mn = policy.family("management")
    roles = {
        step.role
        for name in ("monthly_plan_approvals", "annual_plan_approvals", "major_plan_approvals")
        for step in getattr(mn, name)
    }
    return Books(
        sales_invoice_within_days=revenue.sales_invoice_within_days,
        posting_within_days=revenue.posting_within_days,
        close_within_days=orders.close_within_days,
        credit_methods=credit.credit_methods or DEFAULT_CREDIT_METHODS,
        plan_roles=roles or ("marketing_head", "general_manager", "office_meeting"),
        voucher_within_days=policy.family("receivables").voucher_within_days,
    )


def replay_file(
    path: str,
    policy: Policy | None = None,
    *,
    partition: tuple[int, int] | None = None,
    progress: Callable[[int], None] | None = None,
    through: dt.date | None = None,
    lateness: dt.timedelta = DEFAULT_LATENESS,
) -> AuditReport:
    """:func:`replay` over a JSON Lines file.

    Raises:
        InvalidInput: if the file cannot be read.
    """
    try:
        with open(path, "rb") as f:
            return replay(
                f,
                policy,
                source=str(path),
                partition=partition,
                progress=progress,
                through=through,
                lateness=lateness,
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
        same = (
            r.source_sha256,
            r.policy_fingerprint,
            r.catalogue_fingerprint,
            r.lines,
            r.lateness,
        )
        if same != (
            base.source_sha256,
            base.policy_fingerprint,
            base.catalogue_fingerprint,
            base.lines,
            base.lateness,
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
        incomplete=next((r.incomplete for r in parts if r.incomplete), ""),
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
