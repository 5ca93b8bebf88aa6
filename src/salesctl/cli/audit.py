"""``salesctl audit`` and ``salesctl demo``.

* ``salesctl audit EVENTS.jsonl [--policy FILE] [--report OUT.md|.html|.json|.jsonl ...]`` —
  replay an event stream through ledger, gate and detective controls (:mod:`salesctl.audit`),
  print a summary (``--json``: one JSON object) and where the report is (``--output`` is the
  same option; reports are written piece by piece). ``--lateness 6h`` lets periods close that
  much after their end (late events are exceptions of their own); ``--compare-policy
  PROPOSED.toml`` replays the stream again under a proposed policy and prints, per control,
  the transactions whose outcome would change and the approvals it would have required
  (``--compare-report OUT.md|.json`` writes every change). Exit codes: 0 no
  exception, 1 exceptions (HOLD only), 2 exceptions including a BLOCK; 3 when the stream, the
  policy or a report path is bad (report paths are checked before the replay), and when lines
  were rejected or no event was read, unless ``--allow-rejected``; ``--exit-zero`` turns 1 and
  2 into 0 and nothing else. Ctrl-C writes the report of what was read, marked
  ``incomplete: interrupted``, and exits 130. Reports are written atomically. On a terminal a
  progress line (share, rate, time left) is drawn on standard error.
* ``salesctl demo [DIR] [--seed N] [--customers N] [--orders N]`` — generate a year of
  events with planted violations (:mod:`salesctl.demo`): ``DIR/events.jsonl``,
  ``DIR/policy.toml`` and ``DIR/manifest.json`` (a progress line on a terminal).
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import json
import os
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from salesctl.cli._codes import (
    EXIT_ALLOW,
    EXIT_BAD_INPUT,
    EXIT_BLOCK,
    EXIT_HOLD,
    EXIT_INTERRUPTED,
)
from salesctl.cli._progress import Progress, wanted
from salesctl.decision import Outcome
from salesctl.errors import InvalidInput, SalesctlError
from salesctl.policy import Policy, load_policy

if TYPE_CHECKING:
    from salesctl.audit import AuditReport, PolicyComparison

__all__ = ["register_audit", "register_demo"]


def register_audit(subparsers: Any) -> None:
    """Add the ``audit`` command to the ``salesctl`` parser (see :mod:`salesctl.cli`)."""
    p = subparsers.add_parser(
        "audit", help="replay an event stream through the controls; write the exceptions report"
    )
    p.add_argument("events", metavar="EVENTS.jsonl", help="the event stream (JSON Lines)")
    p.add_argument("--policy", help="policy file (TOML); the default policy when omitted")
    p.add_argument(
        "--report",
        "--output",
        dest="report",
        action="append",
        metavar="OUT",
        help="write the report; the format follows the suffix: .md, .html, .json or .jsonl "
        "(JSON Lines: the report, then one exception a line); written piece by piece "
        "(repeatable; default: EVENTS.audit.md next to the stream)",
    )
    p.add_argument(
        "--lateness",
        default="0",
        metavar="DURATION",
        help="allowed lateness: a day's periods close once an event this long after the day "
        "has been read (0, 90m, 6h, 1d; default 0: when a later day's event arrives); an "
        "event for a closed period is reported as a late event",
    )
    p.add_argument(
        "--compare-policy",
        metavar="PROPOSED.toml",
        help="what-if: replay the stream again under this proposed policy and report, per "
        "control, the transactions whose outcome changes and the approvals it would require",
    )
    p.add_argument(
        "--compare-report",
        metavar="OUT",
        help="with --compare-policy: write every change there (.md or .json)",
    )
    p.add_argument("--lang", choices=("en", "zh"), default="en", help="language of the findings")
    p.add_argument(
        "--partitions",
        type=int,
        default=1,
        metavar="N",
        help="replay in N customer partitions and merge (same result; for testing scale-out)",
    )
    p.add_argument(
        "--jobs",
        type=int,
        default=None,
        metavar="N",
        help="replay the customer partitions in N processes and merge (the same report as one "
        "process; default 1, or one share per worker with --dask)",
    )
    p.add_argument(
        "--dask",
        metavar="ADDRESS",
        help="replay the customer partitions on the Dask cluster whose scheduler is at ADDRESS "
        "(tcp://host:8786; needs the dask extra: pip install 'salesctl[dask]'); every worker "
        "reads EVENTS.jsonl and --policy at the same path; --jobs N sets the shares (default: "
        "one per worker); the same report as one process",
    )
    p.add_argument(
        "--engine",
        choices=("fast", "old"),
        default="fast",
        help="the replay engine: fast (typed decoding, default) or old (the reference engine; "
        "both give the same report)",
    )
    p.add_argument(
        "--through",
        metavar="YYYY-MM-DD",
        help="close the detective periods ending on or before this date "
        "(default: those ending by the last event's date)",
    )
    p.add_argument(
        "--exit-zero",
        action="store_true",
        help="exit 0 once the audit has run, whatever exceptions it found (the report and the "
        "summary still show them); covers exceptions only: bad input, rejected lines and an "
        "empty stream still exit 3",
    )
    p.add_argument(
        "--allow-rejected",
        action="store_true",
        help="do not exit 3 for rejected lines or a stream with no events (they are still "
        "counted in the summary and listed in the report)",
    )
    p.add_argument(
        "--json", action="store_true", help="print the summary as one JSON object on stdout"
    )
    _progress_flags(p)
    p.set_defaults(func=_cmd_audit)


def _progress_flags(p: Any) -> None:
    """``--progress`` / ``--no-progress`` (default: the progress line only on a terminal)."""
    prog = p.add_mutually_exclusive_group()
    prog.add_argument(
        "--progress",
        dest="progress",
        action="store_true",
        default=None,
        help="always draw the progress line on standard error",
    )
    prog.add_argument(
        "--no-progress",
        dest="progress",
        action="store_false",
        help="never draw it (default: only on a terminal)",
    )


def register_demo(subparsers: Any) -> None:
    """Add the ``demo`` command to the ``salesctl`` parser (see :mod:`salesctl.cli`)."""
    p = subparsers.add_parser(
        "demo", help="generate a year of order-to-cash events with planted violations"
    )
    p.add_argument("directory", nargs="?", default="salesctl-demo", help="output directory")
    p.add_argument("--seed", type=int, default=2026, help="random seed (same seed, same data)")
    p.add_argument(
        "--customers", type=int, default=300, help="number of customers (4 or more)"
    )
    p.add_argument(
        "--orders",
        type=int,
        default=3000,
        help="regular orders over the year (20000 for a full-size mid-size seller)",
    )
    p.add_argument("--year", type=int, default=2026, help="calendar year")
    _progress_flags(p)
    p.set_defaults(func=_cmd_demo)


class _Progress:
    """The audit's progress line: bytes of the stream read, MB/s and the time left."""

    def __init__(self, total: int, err: TextIO) -> None:
        self.total = max(total, 1)
        self.line = Progress(err)

    def __call__(self, done: int) -> None:
        self.line.draw(
            done / self.total,
            f"{done / 1e6:.1f} of {self.total / 1e6:.1f} MB",
            done / 1e6,
            "MB",
            final=done >= self.total,
        )

    def close(self) -> None:
        self.line.close()


def _cmd_audit(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    # The fast engine's state (a year's ledger and books) is kept until the report is written
    # and the summary printed, then freed: freeing it takes a fifth of a second and more on a
    # large year, which the report need not wait on (fastreplay.replay's ``retain``).
    held: list[object] = []
    try:
        return _audit(args, out, err, held)
    finally:
        _release(held)


def _release(held: list[object]) -> None:
    """Free the replay state kept in ``held`` (and let the collector see what is left)."""
    if held:
        held.clear()
        gc.unfreeze()


def _audit(args: argparse.Namespace, out: TextIO, err: TextIO, held: list[object]) -> int:
    # Lazy: the replay stack (audit, events, ledger, reconcile) is ~40 % of `salesctl check`'s
    # start-up; every command builds the whole parser, so only the audit command pays for it.
    from salesctl.audit import (
        check_report_path,
        compare_reports,
        merge_reports,
        parse_lateness,
        write_report,
    )

    if args.engine == "old":
        from salesctl.audit import replay
    else:
        from salesctl.fastreplay import replay, replay_dask, replay_jobs

    try:
        policy = load_policy(args.policy) if args.policy else Policy.default()
    except SalesctlError as e:
        print(f"salesctl: policy: {e}", file=err)
        return EXIT_BAD_INPUT
    proposed: Policy | None = None
    if args.compare_policy:
        try:
            proposed = load_policy(args.compare_policy)
        except SalesctlError as e:
            print(f"salesctl: --compare-policy: {e}", file=err)
            return EXIT_BAD_INPUT
    elif args.compare_report:
        print("salesctl: --compare-report: needs --compare-policy", file=err)
        return EXIT_BAD_INPUT
    try:
        lateness = parse_lateness(args.lateness)
    except SalesctlError as e:
        print(f"salesctl: --lateness: {e}", file=err)
        return EXIT_BAD_INPUT
    through = None
    if args.through:
        try:
            through = dt.date.fromisoformat(args.through)
        except ValueError:
            print(f"salesctl: --through: not a date (YYYY-MM-DD): {args.through!r}", file=err)
            return EXIT_BAD_INPUT
    if args.partitions < 1:
        print("salesctl: --partitions: must be 1 or more", file=err)
        return EXIT_BAD_INPUT
    dask_jobs: int | None = args.jobs
    if args.jobs is None:
        args.jobs = 1
    if args.jobs < 1:
        print("salesctl: --jobs: must be 1 or more", file=err)
        return EXIT_BAD_INPUT
    if args.jobs > 1 and (args.partitions > 1 or args.engine == "old"):
        print("salesctl: --jobs: not with --partitions or --engine old", file=err)
        return EXIT_BAD_INPUT
    if args.dask and (args.partitions > 1 or args.engine == "old"):
        print("salesctl: --dask: not with --partitions or --engine old", file=err)
        return EXIT_BAD_INPUT
    events = Path(args.events)
    reports = (
        [Path(r) for r in args.report]
        if args.report
        else [events.with_name(events.name.removesuffix(".jsonl") + ".audit.md")]
    )
    # Every report path is checked before the replay: a year's replay must not end in
    # "cannot write report".
    try:
        for r in reports:
            check_report_path(r)
    except SalesctlError as e:
        print(f"salesctl: --report: {e}", file=err)
        return EXIT_BAD_INPUT
    if args.compare_report:
        try:
            if Path(args.compare_report).suffix.lower() not in (".md", ".json"):
                raise InvalidInput("must end in .md or .json", path=args.compare_report)
            check_report_path(args.compare_report)
        except SalesctlError as e:
            print(f"salesctl: --compare-report: {e}", file=err)
            return EXIT_BAD_INPUT
    try:
        size = os.path.getsize(events)
    except OSError as e:
        print(f"salesctl: {events}: cannot read event stream: {e.strerror}", file=err)
        return EXIT_BAD_INPUT
    show = wanted(err, args.progress)

    def run(
        pol: Policy,
        pol_file: str | None,
        partition: tuple[int, int] | None = None,
        interruptible: bool = False,
        retain: list[object] | None = None,
    ) -> AuditReport:
        """One replay of the stream under ``pol``: on Dask, in ``--jobs`` processes (the
        progress of the share that reads every line, in this process), or here; the fast
        engine's state kept in ``retain`` (when given) rather than freed."""
        if args.dask:
            return replay_dask(
                str(events),
                pol,
                address=args.dask,
                jobs=dask_jobs,
                policy_file=pol_file,
                through=through,
                lateness=lateness,
            )
        bar = _Progress(size, err) if show else None
        try:
            if args.jobs > 1:
                return replay_jobs(
                    str(events),
                    pol,
                    jobs=args.jobs,
                    policy_file=pol_file,
                    through=through,
                    lateness=lateness,
                    progress=bar,
                    retain=retain,
                )
            kept: dict[str, Any] = (
                {} if retain is None or args.engine == "old" else {"retain": retain}
            )
            with events.open("rb") as f:
                return replay(
                    f,
                    pol,
                    source=str(events),
                    partition=partition,
                    progress=bar,
                    through=through,
                    interruptible=interruptible,
                    lateness=lateness,
                    **kept,
                )
        finally:
            if bar is not None:
                bar.close()

    parts: list[AuditReport] = []
    try:
        if args.dask or args.jobs > 1:
            parts.append(run(policy, args.policy, retain=held))
        elif args.partitions == 1:
            parts.append(run(policy, args.policy, (0, 1), interruptible=True, retain=held))
        else:
            for k in range(args.partitions):
                part = run(policy, args.policy, (k, args.partitions), interruptible=True)
                parts.append(part)
                if part.incomplete:
                    break
    except OSError as e:
        print(f"salesctl: {events}: cannot read event stream: {e.strerror}", file=err)
        return EXIT_BAD_INPUT
    except SalesctlError as e:
        print(f"salesctl: {e}", file=err)
        return EXIT_BAD_INPUT
    if parts[-1].incomplete:
        report = parts[-1]  # the partitions before it read more lines: they cannot merge
    else:
        report = parts[0] if len(parts) == 1 else merge_reports(parts)
    shares = args.jobs if not args.dask else dask_jobs or 0
    if shares > 1 and report.partitions == 1 and not report.incomplete:
        print(
            "salesctl: audit: a transaction reads what the stream files under a customer of "
            "another share (salesctl.fastreplay.crossing): replayed in one process",
            file=err,
        )
    try:
        for r in reports:
            write_report(report, r, args.lang)
    except SalesctlError as e:
        print(f"salesctl: {e}", file=err)
        return EXIT_BAD_INPUT
    comparison: PolicyComparison | None = None
    if proposed is not None and not report.incomplete:
        _release(held)  # one year's state at a time
        try:
            other = run(proposed, args.compare_policy)
        except OSError as e:
            print(f"salesctl: {events}: cannot read event stream: {e.strerror}", file=err)
            return EXIT_BAD_INPUT
        comparison = compare_reports(report, other)
        if args.compare_report:
            _write_comparison(comparison, Path(args.compare_report), args.lang)
    code, problem = _audit_exit(report, args)
    if args.json:
        summary = _summary(report, reports, code)
        if comparison is not None:
            summary["comparison"] = _comparison_summary(comparison, args.compare_report)
        print(json.dumps(summary, ensure_ascii=False), file=out)
    else:
        print(report.summary(), file=out)
        for r in reports:
            print(f"report: {r}", file=out)
        if comparison is not None:
            _print_comparison(comparison, out, args.compare_report)
    if problem:
        print(f"salesctl: audit: {problem}", file=err)
    return code


def _write_comparison(c: PolicyComparison, path: Path, lang: str) -> None:
    """Write the comparison (``.json`` or Markdown) atomically."""
    from salesctl.audit.output import write_text

    write_text(c.to_json() if path.suffix.lower() == ".json" else c.to_markdown(lang), path)


def _comparison_summary(c: PolicyComparison, path: str | None) -> dict[str, Any]:
    """The comparison in the ``--json`` summary."""
    return {
        "proposed": {"name": c.proposed_name, "fingerprint": c.proposed_fingerprint},
        "changes": len(c.changes),
        "transactions": len({x.line for x in c.changes if x.line is not None}),
        "by_control": c.summary(),
        "required_approvals": c.required_approvals(),
        "report": path,
    }


def _print_comparison(c: PolicyComparison, out: TextIO, path: str | None) -> None:
    """The comparison on the terminal: one line per control."""
    txns = len({x.line for x in c.changes if x.line is not None})
    print(
        f"what-if: policy {c.proposed_name!r} {c.proposed_fingerprint[:12]}: "
        f"{len(c.changes)} outcome changes ({txns} transactions) under "
        f"{len(c.summary())} controls",
        file=out,
    )
    needs = c.required_approvals()
    for cid, row in c.summary().items():
        kinds = ", ".join(f"{k} {n}" for k, n in row.items())
        roles = ", ".join(f"{r} x{n}" for r, n in needs.get(cid, {}).items())
        print(f"  {cid}: {kinds}" + (f"; approvals required: {roles}" if roles else ""), file=out)
    if path:
        print(f"what-if report: {path}", file=out)


def _audit_exit(report: AuditReport, args: argparse.Namespace) -> tuple[int, str]:
    """The exit code of an audit and, when it is not a finding, why."""
    if report.incomplete:
        return (
            EXIT_INTERRUPTED,
            f"{report.incomplete} after line {report.lines}: the report covers only the lines "
            "read so far and is marked incomplete",
        )
    if not args.allow_rejected:
        problems = []
        if report.rejected_count:
            problems.append(f"{report.rejected_count} lines rejected")
        if not report.population:
            problems.append("no events read")
        if problems:
            return (
                EXIT_BAD_INPUT,
                "; ".join(problems) + ": the audit did not test the whole stream (see the "
                "report); --allow-rejected accepts this",
            )
    if args.exit_zero:
        return EXIT_ALLOW, ""
    worst = max((e.outcome for e in report.exceptions), default=Outcome.ALLOW)
    code = {Outcome.ALLOW: EXIT_ALLOW, Outcome.HOLD: EXIT_HOLD, Outcome.BLOCK: EXIT_BLOCK}[worst]
    return code, ""


def _summary(report: AuditReport, paths: list[Path], code: int) -> dict[str, Any]:
    """The audit summary as JSON data (``salesctl audit --json``)."""
    held = sum(1 for e in report.exceptions if e.outcome is Outcome.HOLD)
    return {
        "source": report.source,
        "source_sha256": report.source_sha256,
        "incomplete": report.incomplete,
        "lines": report.lines,
        "population": report.population,
        "transactions": report.transactions,
        "events": dict(report.events),
        "rejected": report.rejected_count,
        "exceptions": len(report.exceptions),
        "hold": held,
        "block": len(report.exceptions) - held,
        "controls": sorted({e.control_id for e in report.exceptions}),
        "policy": {"name": report.policy_name, "fingerprint": report.policy_fingerprint},
        "catalogue_fingerprint": report.catalogue_fingerprint,
        "reports": [str(p) for p in paths],
        "exit_code": code,
    }


def _cmd_demo(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    # Lazy: the demo generator loads the replay stack too (start-up time, as in _cmd_audit).
    from salesctl.demo import write_demo

    started = time.monotonic()
    line = Progress(err) if wanted(err, args.progress) else None

    def progress(frac: float, written: int) -> None:
        assert line is not None
        day = f"{args.year}-{min(int(frac * 12) + 1, 12):02d}"
        line.draw(frac, f"{day}  {written:,} events", written, "events", final=frac >= 1.0)

    try:
        events, policy, manifest = write_demo(
            args.directory,
            seed=args.seed,
            customers=args.customers,
            orders=args.orders,
            year=args.year,
            progress=progress if line is not None else None,
        )
    except SalesctlError as e:
        print(f"salesctl: {e}", file=err)
        return EXIT_BAD_INPUT
    finally:
        if line is not None:
            line.close()
    lines = sum(1 for _ in events.open("rb"))
    print(
        f"wrote {lines} events ({args.customers} customers, {args.orders} orders, seed {args.seed}) "
        f"in {time.monotonic() - started:.1f} s",
        file=out,
    )
    print(f"events:   {events}", file=out)
    print(f"policy:   {policy}", file=out)
    print(f"manifest: {manifest} (the planted violations)", file=out)
    # the demo plants malformed lines on purpose: without --allow-rejected the audit exits 3
    print(f"next:     salesctl audit {events} --policy {policy} --allow-rejected", file=out)
    return EXIT_ALLOW
