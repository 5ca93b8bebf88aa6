"""The throughput replay: the audit replay with typed decoding, no full garbage collections,
and partitions replayed in parallel processes.

:func:`replay` gives the same :class:`~salesctl.audit.AuditReport` as
:func:`salesctl.audit.replay` (tests/test_fastreplay.py compares both on a demo year, line by
line of the report); it reuses the gate, the ledger, the books and the detective runner
through their public interfaces and changes how lines are read and how memory is managed:

* lines are decoded by :class:`~salesctl.fastreplay.decode.Decoder` (msgspec Structs), the
  generic reader taking only lines the Structs do not (malformed ones: same errors);
* the cyclic garbage collector is not run over the ledger every month: the ledger makes no
  reference cycles, so what a month leaves is frozen out of the collector's sight
  (``gc.freeze``) and only young objects are ever scanned, in sampled months
  (:class:`_YoungGC`) — the old engine's full ``gc.collect`` per month cost grew with the
  state held.

:func:`replay_jobs` replays a stream in ``jobs`` processes and merges their reports with
:func:`salesctl.audit.merge_reports`: the calling process keeps the books and runs the
detective controls (which read the whole population, every line decoded in full); worker
processes decide the customer partitions, without books, skipping from the header the lines
that are not theirs (``role``/``buckets`` of :func:`replay`, :mod:`salesctl.fastreplay.route`),
the partitions divided by their weight sampled from the file. The report equals the
one-process report; :mod:`salesctl.fastreplay.cluster` runs the same shares on a Dask
cluster.
"""

from __future__ import annotations

import datetime as dt
import functools
import gc
import hashlib
import io
import time
from array import array
from bisect import bisect_left
from collections.abc import Callable, Iterable, MutableSequence, Sequence
from concurrent.futures import BrokenExecutor, ProcessPoolExecutor
from typing import Any

from salesctl.audit import AuditReport, merge_reports

# The tallies, the exceptions and the detective runner are the old engine's own: both engines
# must report the same, so they share them (the old engine stays as the reference).
from salesctl.audit.clock import DEFAULT_LATENESS
from salesctl.audit.engine import (
    _Detective,
    _exception_of,
    _owner_test,
    _Tallies,
    ledger_for,
    period_clock,
    report_of,
)
from salesctl.audit.rows import MAX_REJECTED_LISTED, AuditException, RejectedLine
from salesctl.decision import Decision, Outcome
from salesctl.errors import InvalidInput
from salesctl.events import MalformedEvent, Record
from salesctl.fastreplay.books_head import BOOKS_BY_HEADER_OPENINGS, BooksHead
from salesctl.fastreplay.crossing import KEEPERS, Crossings, crossed
from salesctl.fastreplay.decode import Decoder, LedgerLineReader
from salesctl.fastreplay.route import (
    FOLD,
    ApprovalHead,
    Router,
)
from salesctl.fastreplay.split import BOOKS_SHARE, PARTITIONS_PER_JOB, JobTask, job_tasks
from salesctl.gate import Gate
from salesctl.ledger import FOLDS, Ledger, Scope, customer_partition, scope_customer, scope_of
from salesctl.policy import Policy, load_policy
from salesctl.transactions import Transaction

__all__ = [
    "BOOKS_FROM_HEADER",
    "BOOKS_SHARE",
    "FAST_LEDGER_LINES",
    "GUESS",
    "PARTITIONS_PER_JOB",
    "RUNS",
    "JobTask",
    "approvals_unchecked",
    "job_tasks",
    "replay",
    "replay_file",
    "replay_jobs",
    "run_job",
]


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
    role: str = "all",
    buckets: tuple[int, ...] | None = None,
    routing: bool = True,
    approvals_read_elsewhere: MutableSequence[int] | None = None,
    folded_from_header: MutableSequence[int] | None = None,
    retain: list[object] | None = None,
    crossings: Crossings | None = None,
) -> AuditReport:
    """Replay an event stream through ledger, gate and detective controls (the arguments and
    the report of :func:`salesctl.audit.replay`).

    ``role`` splits the work of one replay between processes (:func:`replay_jobs`):
    ``"all"`` (the default) does everything its partition does; ``"books"`` keeps only the
    books and runs the detective controls (no ledger, no gate; it counts the population, the
    rejected lines and the unfolded types for the merged report); ``"gate"`` folds the
    ledger and decides its partition's transactions, without books. The reports of one
    ``"books"`` replay and of the ``"gate"`` replays of every partition merge (books first)
    into the one-process report. ``buckets`` (default ``(k,)`` for ``partition=(k, n)``):
    the customer partitions of ``n`` this replay decides, so that a process may take a larger
    or smaller share (the books and partition 0 go together).

    A ``"gate"`` replay of some of the partitions routes lines by their header
    (:mod:`salesctl.fastreplay.route`): lines of other partitions' customers and records the
    ledger does not fold are skipped before they are decoded in full (``routing=False``:
    every line is decoded, for comparison). Its report's tallies and exceptions are those of
    its partitions; the population (rejected lines, events dated out of order) is the books
    replay's.

    ``approvals_read_elsewhere`` (a books replay of some of the partitions, for
    :func:`replay_jobs`): an approval (``GrantApproval``) of a customer of another share,
    dated the day of the line before it, changes nothing in this replay's books or ledger
    when it reads (it only counts in the population), and the share deciding that customer
    reads the line in full anyway (:class:`~salesctl.fastreplay.route.Router`). Such a line is
    then read from its header only (:class:`ApprovalHead`) and its number appended here; the
    caller must check these numbers against the lines the other shares rejected and replay
    this share again without it if one of them was rejected (:func:`replay_jobs` does).
    Likewise (unless :data:`BOOKS_FROM_HEADER` is off) another share's customer's order
    placed, contract signing, delivery notice, goods issue, invoice, receipt, revenue entry
    or order closed: read from its header and what the books read of its one document
    (:class:`~salesctl.fastreplay.books_head.BooksHead`), the share deciding the customer
    reading it in full.

    ``folded_from_header`` (a routing ``"gate"`` replay, for :func:`replay_jobs`): a
    transaction of :data:`~salesctl.fastreplay.route.BY_HEADER` (an order placed, a delivery
    notice, a contract signed, a goods issue) of a customer this share does not decide, dated
    the day of the line before it, changes only the ledger's global state named in its header
    (the index, the number series, the approved documents, the stock lots); such a line is
    folded from its header only
    (:meth:`~salesctl.fastreplay.route.Router.fold_header`) and its number appended here. The
    caller must check these numbers against the lines the books share (which reads every line
    in full) rejected, and replay this share again without it if one of them was
    (:func:`replay_jobs` does).

    ``retain``: when given, the replay's state (the ledger and its books, the detective
    runner, the gate, the decoder's tables) is appended to it instead of being freed as the
    replay returns (a year's ledger takes a fifth of a second and more to free), and left
    out of the cyclic collector's sight (``gc.freeze``: a full collection would otherwise
    scan all of it while the caller goes on). The caller frees it when it chooses (after
    sending or writing the report: :func:`replay_jobs`, the command line): by clearing the
    list, then ``gc.unfreeze()``. What the caller froze before the replay stays frozen:
    ``gc.unfreeze`` cannot tell its objects from the replay's, so a replay called with
    anything frozen leaves what it froze frozen too (freed by reference counting all the
    same); called with nothing frozen and no ``retain``, it leaves nothing frozen.

    ``crossings`` (a share of a partitioned replay): what its decisions looked up and what it
    kept by customer, noted there (:mod:`~salesctl.fastreplay.crossing`); nothing when the
    replay holds every partition or decides none (``"books"``).

    Raises:
        InvalidInput: for a bad ``partition``, ``buckets``, ``policy``, ``role`` or
            ``lateness``.
    """
    pol = policy if policy is not None else Policy.default()
    if not isinstance(pol, Policy):
        raise InvalidInput("must be a salesctl.Policy", path="policy", value=type(pol).__name__)
    k, n = partition if partition is not None else (0, 1)
    if not (isinstance(n, int) and isinstance(k, int) and n >= 1 and 0 <= k < n):
        raise InvalidInput("must be (k, n) with 0 <= k < n", path="partition", value=partition)
    if role not in ("all", "books", "gate"):
        raise InvalidInput("must be all, books or gate", path="role", value=role)
    gate = Gate(pol)
    mine_of = frozenset(buckets) if buckets is not None else frozenset((k,))
    if not mine_of or not all(isinstance(b, int) and 0 <= b < n for b in mine_of):
        raise InvalidInput("must be partitions 0 <= b < n", path="buckets", value=buckets)
    every = len(mine_of) == n
    if every or role == "books":
        crossings = None  # every customer in one share, or none decided: nothing crosses
    k = 0 if 0 in mine_of else min(mine_of)
    keeps_books = k == 0 and role != "gate"
    led = (
        ledger
        if ledger is not None
        else ledger_for(pol, k, n, buckets=mine_of, books=keeps_books)
    )
    detective = _Detective(led, pol) if keeps_books else None
    books_only = role == "books"
    unfolded: dict[str, int] = {}
    if books_only:
        assert led.books is not None
        book = led.books.apply
        folded = frozenset(FOLDS)

        def apply(event: Any, decision: Decision | None = None) -> None:
            book(event)
            name = type(event).__name__
            if name not in folded:
                unfolded[name] = unfolded.get(name, 0) + 1
    else:
        apply = led.apply
    tallies = _Tallies()
    exceptions: list[AuditException] = []
    events: dict[str, int] = {}
    rejected: list[RejectedLine] = []
    rejected_count = 0
    digest = hashlib.sha256()
    update = digest.update
    nbytes = 0
    line = last_line = 0
    first_at: dt.datetime | None = None
    last_at: dt.datetime | None = None
    day: dt.date | None = None
    # closes the days at the watermark and reports late events (salesctl.audit.clock)
    clock = period_clock(lateness, detective, tallies, exceptions, _YoungGC())
    seen = clock.seen
    decode = Decoder().decode
    router = (
        Router(led, keep=(n, mine_of), fold=folded_from_header is not None, guess=GUESS)
        if routing and role == "gate"
        else None
    )
    route = router.skip if router is not None else None
    # a routing share reading a file: runs of lines it skips alike are passed over at once
    # (Router.run), from the bytes the file has buffered
    peek = read = pass_run = None
    run_types: frozenset[str] = frozenset()
    # a file's lines are bytes (any other iterable's are asked one by one)
    of_bytes = isinstance(lines, io.BufferedReader)
    # the last line skipped as a type of runs: its number, its type, its bytes
    run_line, run_name, run_b = -1, "", b""
    if router is not None and RUNS and isinstance(lines, io.BufferedReader):
        peek = functools.partial(lines.peek, _RUN_BYTES)
        read, pass_run, run_types = lines.read, router.run, router.runs
    fold_header = router.fold_header if router is not None else None
    # approvals read from their header only (see above): another share's customers, by the
    # partition of the id itself (the share holding that partition reads them in full) and
    # by this ledger's view (groups)
    elsewhere = approvals_read_elsewhere if keeps_books and not every else None
    approval_head = ApprovalHead.reader() if elsewhere is not None else None
    held_key = _owner_test(mine_of, n)
    # and orders, signings, notices, goods issues, invoices, receipts, revenue entries and
    # closings of another share's customer (BooksHead: the share deciding that customer
    # reads them in full)
    reader = BooksHead(led, held_key, books_only=books_only) if elsewhere is not None else None
    books_head = reader.fold if reader is not None and BOOKS_FROM_HEADER else None
    # whether another share decides a customer (remembered for a customer of no group)
    other_share = reader.elsewhere if reader is not None else None
    # Contract-ledger lines (a third of a year's lines; nothing but the books reads them) are
    # read into the books' register as plain values, without their event (see below).
    ledger_line = (
        LedgerLineReader()
        if FAST_LEDGER_LINES and led.books is not None and _LEDGER not in FOLDS
        else None
    )
    keep_ledger_line = (
        led.books.contract_ledgers.put
        if ledger_line is not None and led.books is not None
        else None
    )
    unfolded_ledger = unfolded if books_only else led.unfolded
    plans = led.books._plans if led.books is not None else frozenset()
    skipped_at: dt.datetime | None = None
    check = gate.check
    context_for = led.context_for
    customer_of = led.customer_of
    probe = Scope()  # a scope naming only the customer, for customer_of
    allow = Outcome.ALLOW
    # The ledger makes no reference cycles: rather than rescanning it in full every month
    # (the old engine's gc.collect), young objects are collected and the survivors frozen.
    gc_was_on = gc.isenabled()
    # what the caller froze stays frozen: the replay unfreezes only when nothing was frozen
    # before it (gc.unfreeze cannot tell the caller's objects from the replay's)
    caller_froze = gc.get_freeze_count() > 0
    gc.disable()
    incomplete = ""
    try:
        for raw in lines:
            line += 1
            b: bytes = (
                raw  # type: ignore[assignment]
                if of_bytes or isinstance(raw, bytes)
                else raw.encode("utf-8", "surrogatepass")
            )
            update(b)
            if progress is not None:
                nbytes += len(b)
                if line % 4096 == 0:
                    progress(nbytes)
            if route is not None:
                head = route(b)
                if head is FOLD:
                    # another share's customer's order, notice or contract: folded from its
                    # header when it can be (what reading it in full would do here: count
                    # it, fold its global state, decide nothing)
                    head = fold_header(b, day) if day is not None else None  # type: ignore[misc]
                    if head is not None:
                        name, last_at = head
                        events[name] = events.get(name, 0) + 1
                        last_line = line
                        skipped_at = None
                        folded_from_header.append(line)  # type: ignore[union-attr]
                        continue
                # a line that neither folds nor is decided here is skipped, unless it would
                # move the ledger's business date (and run its retention sweeps): that one is
                # read in full, so that the date moves only as one process moves it — never
                # for a line the full reader rejects, whatever date its header names
                elif head is not None and led.today is not None and head[1].date() <= led.today:
                    name, skipped_at = head
                    events[name] = events.get(name, 0) + 1
                    if first_at is None:
                        first_at = skipped_at
                    last_line = line
                    if peek is not None and name in run_types:
                        # the lines after it that the router skips as it skipped this one
                        # (a month-end block of contract-ledger lines: one type, one time),
                        # passed over in one step: hashed, counted, their date this one's —
                        # asked only when the line before was skipped as the same type
                        if run_line == line - 1 and name == run_name:
                            size, count = pass_run(run_b, b, peek)  # type: ignore[misc]
                            if size:
                                update(read(size))  # type: ignore[misc]
                                nbytes += size
                                line += count
                                last_line = line
                                events[name] += count
                                if progress is not None:
                                    progress(nbytes)
                        run_line, run_name, run_b = line, name, b
                    continue
                skipped_at = None
            elif (
                approval_head is not None
                and day is not None
                and b.startswith(b'{"type":"GrantApproval"')
            ):
                head_a = approval_head(b)
                if (
                    head_a is not None
                    and head_a[0].date() == day
                    and (books_only or (led.today is not None and day <= led.today))
                    and other_share(head_a[1])  # type: ignore[misc]
                    and head_a[2] not in plans
                ):
                    # what reading it in full would do here: count it (no new day, nothing
                    # in the books or the ledger for another share's customer)
                    events["GrantApproval"] = events.get("GrantApproval", 0) + 1
                    last_at = head_a[0]
                    last_line = line
                    elsewhere.append(line)  # type: ignore[union-attr]
                    continue
            elif (
                books_head is not None
                and day is not None
                and b.startswith(BOOKS_BY_HEADER_OPENINGS)
            ):
                head_b = books_head(b, day)
                if head_b is not None:
                    # what reading it in full would do here (BooksHead.fold): counted, its
                    # books' entry and the ledger's global state folded, nothing decided
                    events[head_b[0]] = events.get(head_b[0], 0) + 1
                    last_at = head_b[1]
                    last_line = line
                    elsewhere.append(line)  # type: ignore[union-attr]
                    continue
            if ledger_line is not None and day is not None and b.startswith(_LEDGER_LINE):
                values = ledger_line(b)
                if (
                    values is not None
                    and values[0].date() == day
                    and (books_only or led.today == day)
                ):
                    # what reading it in full would do here, on the day already read (no
                    # day to close, the ledger's date unchanged): count it, keep its line in
                    # the books' register; the ledger folds no contract-ledger line
                    events[_LEDGER] = events.get(_LEDGER, 0) + 1
                    last_at = values[0]
                    last_line = line
                    keep_ledger_line(values[1], values[2], values[3])  # type: ignore[misc]
                    unfolded_ledger[_LEDGER] = unfolded_ledger.get(_LEDGER, 0) + 1
                    continue
            item = decode(raw, line)
            if item is None:
                continue  # a blank line
            last_line = line
            if isinstance(item, MalformedEvent):
                rejected_count += 1
                if len(rejected) < MAX_REJECTED_LISTED:
                    rejected.append(RejectedLine.from_error(item))
                continue
            cls = type(item)
            name = cls.__name__
            events[name] = events.get(name, 0) + 1
            at = item.at
            if first_at is None:
                first_at = at
            last_at = at
            today = at.date()
            if today != day:  # a new day, an event dated earlier, or a lateness to watch
                day = seen(at, today, line, item)
            if isinstance(item, Record):
                apply(item)
                if crossings is not None and type(item).__name__ in KEEPERS:
                    crossings.folded(item, led)
                continue
            decision: Decision | None = None
            if isinstance(item, Transaction) and not books_only:
                # the customer first (scope_customer reads only that); the whole scope only
                # for a transaction of this replay's own customers
                probe.customer_id = scope_customer(item)
                if probe.customer_id is None:
                    scope: Scope | None = scope_of(item)
                    cust = customer_of(item, scope)
                else:
                    scope = None
                    cust = customer_of(item, probe)
                mine = (
                    every or customer_partition(led.partition_key(cust), n) in mine_of
                    if cust is not None
                    else k == 0
                )
                if mine:
                    if scope is None:
                        scope = scope_of(item)
                    if crossings is not None:
                        crossings.decided(item, scope, led, cust)
                    decision = check(item, context_for(item, scope))
                    tallies.decision(decision)
                    if decision.outcome is not allow:
                        for f in decision.findings:
                            if f.outcome is not allow:
                                exceptions.append(_exception_of(f, decision, line))
            apply(item, decision)
    except KeyboardInterrupt:
        if not interruptible:
            raise
        incomplete = "interrupted"
    finally:
        if not caller_froze:
            gc.unfreeze()
        if gc_was_on:
            gc.enable()
    if skipped_at is not None:
        last_at = skipped_at  # the last event was skipped
    if progress is not None:
        progress(nbytes)
    if not incomplete:
        # The last days' closes (the year's detective controls over the whole population) as
        # the months' closes ran: with the collector out of the way — enabled, it would scan
        # everything the ledger holds again and again while they allocate (4.8 s of the 1M
        # year's close against 0.25 s on the 100k year, before).
        gc.disable()
        gc.freeze()
        closed = False
        try:
            clock.finish(through)
            closed = True
        except KeyboardInterrupt:
            if not interruptible:
                raise
            incomplete = "interrupted"
        finally:
            if (retain is None or not closed) and not caller_froze:  # retained: left frozen
                gc.unfreeze()
            if gc_was_on:
                gc.enable()
    report = report_of(
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
        unfolded=unfolded if books_only else None,
        partitions=n,
        incomplete=incomplete,
    )
    if retain is not None:
        # freed by the caller, when it chooses (see above); frozen with the rest (the
        # closes' objects were: an interrupted replay's are frozen here)
        gc.freeze()
        retain.append((led, detective, clock, gate, decode, router))
    return report


#: Whether a books share that reads other shares' approvals from their header
#: (``approvals_read_elsewhere``) reads their customers' orders, signings, notices, goods
#: issues, invoices, receipts, revenue entries and closings from their header too
#: (:class:`~salesctl.fastreplay.books_head.BooksHead`; ``False``: read in full, for
#: comparison).
BOOKS_FROM_HEADER = True

#: Whether a routing share of :func:`replay` reading a file passes over a run of lines it
#: skips alike in one step (:meth:`~salesctl.fastreplay.route.Router.run`; ``False``: line by
#: line, for comparison).
RUNS = True
#: Whether a routing share of :func:`replay` reads a line's customer from its bytes before its
#: header (``guess`` of :class:`~salesctl.fastreplay.route.Router`; ``None``: when the share
#: holds half the partitions or more; ``True``/``False``: always/never, for comparison).
GUESS: bool | None = None
#: How many of a file's next bytes a routing share looks at for a run (at most what the file
#: has buffered: :func:`replay_file` reads a routing share's file in blocks of this size).
_RUN_BYTES = 1 << 16

#: Whether :func:`replay` reads contract-ledger lines into the books' register without
#: building their events (:class:`~salesctl.fastreplay.decode.LedgerLineReader`; ``False``:
#: every line through :class:`~salesctl.fastreplay.decode.Decoder`, for comparison).
FAST_LEDGER_LINES = True
_LEDGER = "KeepContractLedger"
_LEDGER_LINE = b'{"type":"KeepContractLedger",'


class _YoungGC:
    """At each month close: freeze what the month left out of the collector's sight, after
    collecting the month's young objects in the months sampled (see the module).

    The ledger makes no reference cycles (a collection of a demo month finds none after the
    first), so scanning every month's objects costs time without freeing anything — and more
    per object on a larger year (0.016 s a month on the 100k year, 0.35 s on the 1M year). The
    months scanned are the first, then at doubling intervals (the 2nd, 4th, 8th…) while a scan
    finds no garbage, and every month again from one that finds some. Cycles a month that is
    not scanned leaves are kept until the replay ends (the engine unfreezes then).
    """

    __slots__ = ("months", "next", "step")

    def __init__(self) -> None:
        self.months = 0
        self.next = 1  # the next month scanned
        self.step = 1

    def __call__(self) -> None:
        self.months += 1
        if self.months >= self.next:
            self.step = 1 if gc.collect(1) else self.step * 2
            self.next = self.months + self.step
        gc.freeze()


def replay_file(
    path: str,
    policy: Policy | None = None,
    *,
    partition: tuple[int, int] | None = None,
    progress: Callable[[int], None] | None = None,
    through: dt.date | None = None,
    interruptible: bool = False,
    lateness: dt.timedelta = DEFAULT_LATENESS,
    role: str = "all",
    buckets: tuple[int, ...] | None = None,
    routing: bool = True,
    approvals_read_elsewhere: MutableSequence[int] | None = None,
    folded_from_header: MutableSequence[int] | None = None,
    retain: list[object] | None = None,
    crossings: Crossings | None = None,
) -> AuditReport:
    """:func:`replay` over a JSON Lines file.

    Raises:
        InvalidInput: if the file cannot be read.
    """
    try:
        # a routing share looks ahead in the file's buffer for runs of lines it skips
        block = _RUN_BYTES if role == "gate" and routing else -1
        with open(path, "rb", buffering=block) as f:
            return replay(
                f,
                policy,
                source=str(path),
                partition=partition,
                progress=progress,
                through=through,
                interruptible=interruptible,
                lateness=lateness,
                role=role,
                buckets=buckets,
                routing=routing,
                approvals_read_elsewhere=approvals_read_elsewhere,
                folded_from_header=folded_from_header,
                retain=retain,
                crossings=crossings,
            )
    except OSError as e:
        raise InvalidInput(f"cannot read event stream: {e.strerror}", path=str(path)) from None


def run_job(
    args: JobTask,
    progress: Callable[[int], None] | None = None,
    *,
    approvals_read_elsewhere: MutableSequence[int] | None = None,
    folded_from_header: MutableSequence[int] | None = None,
    retain: list[object] | None = None,
    crossings: Crossings | None = None,
) -> AuditReport:
    """One share of the work, in a worker process or on a cluster's worker (the policy
    travels as its file or as the policy); ``progress``, ``approvals_read_elsewhere`` (for
    the books share), ``folded_from_header`` (for a gate share; see
    :func:`approvals_unchecked` for both), ``retain`` and ``crossings`` as for :func:`replay`."""
    path, policy_file, policy, n, buckets, through, role, lateness = args
    pol = load_policy(policy_file) if policy_file is not None else policy
    return replay_file(
        path,
        pol,
        partition=(buckets[0], n),
        progress=progress,
        through=through,
        role=role,
        buckets=buckets,
        lateness=lateness,
        approvals_read_elsewhere=approvals_read_elsewhere,
        folded_from_header=folded_from_header if role == "gate" else None,
        retain=retain,
        crossings=crossings,
    )


def approvals_unchecked(read_elsewhere: Sequence[int], others: Iterable[AuditReport]) -> bool:
    """Whether a share must be replayed again without reading lines from their header: one
    of the lines it read so (``read_elsewhere``, in stream order: the books share's approvals,
    a gate share's lines folded from their header) is among the lines another share rejected
    (the gate shares, the books share), or another share rejected more lines than its report
    lists (so that it cannot tell)."""
    if not read_elsewhere:
        return False
    for r in others:
        if r.rejected_count > len(r.rejected):
            return True
        for row in r.rejected:
            i = bisect_left(read_elsewhere, row.line)
            if i < len(read_elsewhere) and read_elsewhere[i] == row.line:
                return True
    return False


def replay_jobs(
    path: str,
    policy: Policy | None = None,
    *,
    jobs: int = 2,
    policy_file: str | None = None,
    through: dt.date | None = None,
    lateness: dt.timedelta = DEFAULT_LATENESS,
    progress: Callable[[int], None] | None = None,
    timings: dict[str, Any] | None = None,
    retain: list[object] | None = None,
) -> AuditReport:
    """Replay the file in ``jobs`` processes and merge the reports (the same report as one
    process; ``jobs=1`` replays in this process).

    This process runs the books share (the books and the detective controls, which read the
    whole population, every line decoded in full, and with two jobs some of the customers);
    ``jobs - 1`` worker processes run the others, which decide the rest of the customers and
    read only the headers of the lines they skip (see :func:`job_tasks` for the split and
    :mod:`salesctl.fastreplay.route`).

    Args:
        path: the event stream.
        policy: the policy in force (ignored when ``policy_file`` is given).
        jobs: processes (and partitions).
        policy_file: the policy's file, loaded by each worker (cheaper than sending the
            policy).
        through: see :func:`replay`.
        lateness: see :func:`replay`.
        progress: called with the bytes read so far by this process's share (which reads
            the whole file), as for :func:`replay`.
        timings: when given, filled with the CPU seconds of the run's parts (for the
            benchmark): ``split`` (dividing the partitions, this process), ``shares`` (each
            share in its own process, the books share first) and ``merge``. The critical
            path on as many idle cores as jobs is ``split + max(shares) + merge``.
        retain: when given, this process's state (the books share's ledger and books) is
            kept in it, not freed before the report is returned, as for :func:`replay`
            (the caller clears it, then ``gc.unfreeze()``). Whatever ``retain``, a worker
            process keeps its share's state and sends its report without freeing it first:
            the process ends without freeing its heap.

    A share that took a shortcut on a line another share rejects, or that raises (a value a
    shortcut let through that a record refuses), is replayed again with every line it keeps
    read in full: the report is the one-process report, and an error one process meets is
    raised.

    Raises:
        InvalidInput: for fewer than one job, or a file that cannot be read.
    """
    if not isinstance(jobs, int) or isinstance(jobs, bool) or jobs < 1:
        raise InvalidInput("must be 1 or more", path="jobs", value=jobs)
    clock = time.process_time
    if jobs == 1:
        c = clock()
        pol = load_policy(policy_file) if policy_file is not None else policy
        whole = replay_file(
            path, pol, progress=progress, through=through, lateness=lateness, retain=retain
        )
        if timings is not None:
            timings.update(split=0.0, shares=[clock() - c], merge=0.0)
        return whole
    try:
        with open(path, "rb"):
            pass  # fail early, in this process, on a file that cannot be read
    except OSError as e:
        raise InvalidInput(f"cannot read event stream: {e.strerror}", path=str(path)) from None
    c = clock()
    tasks = job_tasks(
        path, policy, jobs=jobs, policy_file=policy_file, through=through, lateness=lateness
    )
    split = clock() - c
    # the other shares in worker processes, the books share here (one process less to
    # start, and the largest report is not sent between processes)
    pool = ProcessPoolExecutor(max_workers=jobs - 1)
    read_elsewhere: array[int] = array("q")
    try:
        futures = [pool.submit(_worker_job, t) for t in tasks[1:]]
        try:
            done = [_timed_job(tasks[0], progress, read_elsewhere, retain=retain)]
        except Exception:
            if not read_elsewhere:
                raise
            # a line read as plain values that the books' records refuse (an attacker's
            # line, which the full reader rejects): the books share again, every line in
            # full, as when such a line is rejected elsewhere; an error one process meets
            # is met again and raised
            done = [_timed_job(tasks[0], retain=retain)]
        for t, f in zip(tasks[1:], futures, strict=True):
            try:
                done.append(f.result())
            except BrokenExecutor:
                raise
            except Exception:
                # a gate share that raised (a line folded from its header that the full
                # reader rejects): that share again, here, every line it keeps in full
                done.append(_timed_job(t))
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
    if approvals_unchecked(read_elsewhere, (d[0] for d in done[1:])):
        # an approval read from its header was rejected by the share that read it in full
        # (an attacker's line, a corrupt one): the books share again, every line in full
        again, cpu, _f, x = _timed_job(tasks[0])
        done[0] = (again, done[0][1] + cpu, None, x)
    books = done[0][0]
    for i in range(1, len(done)):
        folded = done[i][2]
        if folded is not None and approvals_unchecked(folded, (books,)):
            # a line a gate share folded from its header was rejected by the books share
            # (which reads every line in full): that share again, here, without the shortcut
            again, cpu, _f, x = _timed_job(tasks[i])
            done[i] = (again, done[i][1] + cpu, None, x)
    if crossed([x for _r, _cpu, _f, x in done]):
        # a transaction read what the stream filed under a customer of another share: the
        # partitions were not independent, the stream is replayed in one process
        return replay_jobs(path, policy, jobs=1, policy_file=policy_file, through=through,
                           lateness=lateness, timings=timings, retain=retain)  # fmt: skip
    c = clock()
    merged = merge_reports(r for r, _cpu, _f, _x in done)
    if timings is not None:
        timings.update(split=split, shares=[d[1] for d in done], merge=clock() - c)
    return merged


def _timed_job(
    args: JobTask,
    progress: Callable[[int], None] | None = None,
    read_elsewhere: MutableSequence[int] | None = None,
    from_header: bool = False,
    retain: list[object] | None = None,
) -> _Timed:
    """:func:`run_job`, the CPU time it took in its process, with ``from_header`` (a gate
    share) the lines it folded from their header (``folded_from_header``), and what it
    looked up and kept by customer (``crossings``)."""
    c = time.process_time()
    folded: array[int] | None = array("q") if from_header else None
    crossings = Crossings()
    report = run_job(
        args,
        progress,
        approvals_read_elsewhere=read_elsewhere,
        folded_from_header=folded,
        retain=retain,
        crossings=crossings,
    )
    return report, time.process_time() - c, folded, crossings


_Timed = tuple[AuditReport, float, "array[int] | None", Crossings]


#: The state of the share a worker process of :func:`replay_jobs` ran last
#: (:func:`_worker_job`), kept so that its report is sent without waiting on freeing it.
_worker_state: list[object] = []


def _worker_job(args: JobTask) -> _Timed:
    """A gate share in a worker process of :func:`replay_jobs` (:func:`_timed_job`): its
    state is kept, not freed as the share returns, so that its report is sent first; the
    process ends without freeing it (a forked worker leaves without tearing its heap down).
    A worker that runs another share frees the state of the one before then."""
    held: list[object] = []
    done = _timed_job(args, None, None, True, held)
    _worker_state[:] = held
    return done
