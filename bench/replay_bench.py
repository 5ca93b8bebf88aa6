"""Benchmark: audit replay throughput and peak memory at 10k, 100k and 1M events.

Run: ``python bench/replay_bench.py [--sizes 10000,100000,1000000] [--markdown]``.

For each size it generates a demo year of about that many events (``salesctl demo``,
orders scaled, customers scaled with them; cached in ``bench/.cache``), then replays it in a
fresh process (``salesctl.audit.replay_file``) and reports wall time, events per second,
microseconds per event, the peak resident memory of that process, and the documents the
ledger still holds at the end. A linear cost shows as a constant time per event and a memory
that follows open documents, not events. The same run replays the 100k year in two customer
partitions one after the other to show the split adds no work per partition.

In the same process, after each replay, the floors of its file: stdlib ``json.loads`` per
line (the target's unit), msgspec decoding into the Structs only, and the fast engine's whole
decoding (the Structs, then the salesctl events built and validated, nothing folded) — how
much of the replay's time per line the decoding alone takes.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / "bench" / ".cache"
#: Lines per order of the demo year (approvals, flow, records, contract-ledger entries, month
#: ends): 14.2 before issue 14's registers, 30.7 since (measured 2026-12-03).
EVENTS_PER_ORDER = 30.7

_CHILD = r"""
import json, resource, sys, time
engine = sys.argv[5] if len(sys.argv) > 5 else "old"
if engine == "fast":
    from salesctl.fastreplay import replay
else:
    from salesctl.audit import replay
from salesctl.audit.engine import books_for
from salesctl.ledger import Ledger
from salesctl.policy import load_policy
path, policy, k, n = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
pol = load_policy(policy)
t0, c0 = time.perf_counter(), time.process_time()
led = (
    Ledger(books=books_for(pol), segment_of=getattr(pol.families.get("credit"), "segment_of", None))
    if n == 1
    else None
)
months = []
if led is not None:
    import datetime as _dt
    from salesctl.ledger import Books

    _after = Books.after_close

    def _mark(self, day):
        _after(self, day)
        if (day + _dt.timedelta(days=1)).day == 1:
            months.append(sum(led.size().values()) + sum(self.size().values()))

    Books.after_close = _mark
with open(path, "rb") as f:
    r = replay(f, pol, source=path, partition=(k, n), ledger=led)
held = sum(led.size().values()) + sum(led.books.size().values()) if led is not None else 0
dt, cpu = time.perf_counter() - t0, time.process_time() - c0
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
# the floor, same file, same process, after the replay: stdlib json.loads per line
c1 = time.process_time()
with open(path, "rb") as f:
    for raw in f:
        try:
            json.loads(raw)
        except ValueError:
            pass
json_cpu = time.process_time() - c1
# what decoding alone costs, same file, same process: msgspec into the Structs only, and the
# fast engine's whole decoding (Structs, then the salesctl events built and validated)
from salesctl.fastreplay.decode import Decoder
structs = Decoder()._decode
c1 = time.process_time()
with open(path, "rb") as f:
    for raw in f:
        try:
            structs(raw)
        except Exception:
            pass
struct_cpu = time.process_time() - c1
c1 = time.process_time()
with open(path, "rb") as f:
    dec = Decoder().decode
    for i, raw in enumerate(f, 1):
        dec(raw, i)
decode_cpu = time.process_time() - c1
print(json.dumps({"seconds": dt, "cpu": cpu, "json_cpu": json_cpu, "struct_cpu": struct_cpu,
                  "decode_cpu": decode_cpu, "engine": engine, "lines": r.lines, "held": held, "months": months, "events": r.population,
                  "exceptions": len(r.exceptions), "rejected": r.rejected_count,
                  "peak_rss_kb": rss}))
"""


def _year(target: int) -> tuple[Path, Path]:
    orders = max(int(target / EVENTS_PER_ORDER), 50)
    customers = max(orders // 23, 10)
    d = CACHE / f"year-{target}-{orders}"  # a new ratio never reuses an old year
    events, policy = d / "events.jsonl", d / "policy.toml"
    if not events.exists():
        # In a child process, so that this one stays small.
        t0 = time.perf_counter()
        code = (
            "import sys; from salesctl.demo import write_demo; write_demo(sys.argv[1], "
            "seed=2026, customers=int(sys.argv[2]), orders=int(sys.argv[3]))"
        )
        env = dict(os.environ, PYTHONPATH=str(ROOT / "src"))
        subprocess.run(
            [sys.executable, "-c", code, str(d), str(customers), str(orders)], check=True, env=env
        )
        print(
            f"  generated {target:,}-event year in {time.perf_counter() - t0:.0f} s",
            file=sys.stderr,
        )
    return events, policy


def _replay(
    events: Path, policy: Path, k: int = 0, n: int = 1, engine: str = "old"
) -> dict[str, float]:
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"))
    out = subprocess.run(
        [sys.executable, "-c", _CHILD, str(events), str(policy), str(k), str(n), engine],
        check=True,
        capture_output=True,
        text=True,
        env=env,
    )
    result: dict[str, float] = json.loads(out.stdout)
    return result


_JOBS_CHILD = r"""
import json, os, resource, sys, time
from salesctl.fastreplay import replay_jobs
phases = sys.argv[4] if len(sys.argv) > 4 else ""
if phases:
    exec(compile(open(phases).read(), phases, "exec"))  # the probes (--phases)
t0 = time.perf_counter()
timings = {}
held = []  # as the command line does: the state freed once the report is out
r = replay_jobs(sys.argv[1], policy_file=sys.argv[2], jobs=int(sys.argv[3]), timings=timings,
                retain=held)
wall = time.perf_counter() - t0
kids = resource.getrusage(resource.RUSAGE_CHILDREN)
c = time.process_time()
held.clear()
import gc
gc.unfreeze()
out = {"wall": wall, "exceptions": len(r.exceptions), "load": os.getloadavg()[0],
       "children_cpu": kids.ru_utime + kids.ru_stime, "freed_after": time.process_time() - c,
       **timings}
if phases:
    out["phases"] = _probe_marks(t0)
print(json.dumps(out))
"""

#: The probes of ``--phases`` (executed in the ``--jobs`` child before the run; the worker
#: processes are forked from it and keep them): each process's wall clock (``perf_counter``,
#: the same clock in every process) and CPU time at the phases of its share, written to a
#: file per process and read back by the child. Wrappers around the engine's module-level
#: names only: nothing in the library's code or output changes.
_PROBES = r"""
import concurrent.futures.process as _cfp
import pickle as _pickle
import tempfile as _tempfile
import salesctl.fastreplay.engine as _E
from salesctl.audit.clock import PeriodClock as _PC

_MARKS_DIR = _tempfile.mkdtemp(prefix="replay-phases-")

def _mark(name, **extra):
    with open(os.path.join(_MARKS_DIR, str(os.getpid())), "a") as f:
        f.write(json.dumps({"pid": os.getpid(), "name": name, "wall": time.perf_counter(),
                            "cpu": time.process_time(), **extra}) + "\n")

def _wrap(owner, attr, before, after, **kw):
    fn = getattr(owner, attr)
    def probe(*a, **k):
        _mark(before)
        try:
            return fn(*a, **k)
        finally:
            _mark(after, rss_kb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
    setattr(owner, attr, probe)

_wrap(_E, "job_tasks", "split:start", "split:end")
_wrap(_E, "replay_file", "share:start", "share:returned")
_wrap(_E, "report_of", "report:start", "report:end")
_wrap(_PC, "finish", "close:start", "close:end")
_wrap(_E, "merge_reports", "merge:start", "merge:end")
_send = _cfp._sendback_result
def _sendback(result_queue, work_id, result=None, exception=None, exit_pid=None):
    if result is not None:
        c0, w0 = time.process_time(), time.perf_counter()
        size = len(_pickle.dumps(result))
        _mark("send:start", pickle_bytes=size, pickle_wall=time.perf_counter() - w0,
              pickle_cpu=time.process_time() - c0)
    try:
        return _send(result_queue, work_id, result=result, exception=exception,
                     exit_pid=exit_pid)
    finally:
        _mark("send:end")
_cfp._sendback_result = _sendback

def _probe_marks(t0):
    marks = []
    for name in os.listdir(_MARKS_DIR):
        with open(os.path.join(_MARKS_DIR, name)) as f:
            marks += [json.loads(x) for x in f]
    main = os.getpid()
    for m in marks:
        m["wall"] -= t0
        m["role"] = "books" if m["pid"] == main else "gate"
    import shutil as _shutil
    _shutil.rmtree(_MARKS_DIR, ignore_errors=True)
    return sorted(marks, key=lambda m: m["wall"])
"""


def _jobs_wall(events: Path, policy: Path, jobs: int, phases: bool = False) -> dict[str, Any]:
    """``replay_jobs(jobs=...)`` in a fresh process (workers included): its wall time, the
    CPU time of each share in its own process, of dividing the partitions and of the merge
    (``replay_jobs(timings=)``), the workers' CPU as the OS counts it and the load average;
    with ``phases``, each process's marks (:data:`_PROBES`)."""
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"))
    extra: list[str] = []
    if phases:
        probes = Path(tempfile.mkdtemp(prefix="replay-probes-")) / "probes.py"
        probes.write_text(_PROBES)
        extra = [str(probes)]
    try:
        out = subprocess.run(
            [sys.executable, "-c", _JOBS_CHILD, str(events), str(policy), str(jobs), *extra],
            check=True,
            capture_output=True,
            text=True,
            env=env,
        )
    finally:
        if extra:
            shutil.rmtree(Path(extra[0]).parent, ignore_errors=True)
    result: dict[str, Any] = json.loads(out.stdout)
    return result


_SHARES_CHILD = r"""
import json, sys, time
from salesctl.audit import merge_reports
from array import array
from salesctl.fastreplay.engine import approvals_unchecked, job_tasks, replay_file, run_job
from salesctl.policy import load_policy
events, policy, jobs = sys.argv[1], sys.argv[2], int(sys.argv[3])
c = time.process_time()
whole = replay_file(events, load_policy(policy))
one = time.process_time() - c
shares, parts = [], []
read = array("q")  # what replay_jobs gives the books share (its first)
for i, t in enumerate(job_tasks(events, jobs=jobs, policy_file=policy)):
    c = time.process_time()
    parts.append(run_job(t, approvals_read_elsewhere=read if i == 0 else None))
    shares.append((t[6], len(t[4]), t[3], time.process_time() - c))
assert not approvals_unchecked(read, parts[1:])
merged = merge_reports(parts)
same = merged.to_dict() | {"partitions": 1} == whole.to_dict()
print(json.dumps({"one": one, "shares": shares, "same": same}))
"""


def _shares_cpu(events: Path, policy: Path, jobs: int) -> dict[str, object]:
    """CPU time of one process and of each share of ``replay_jobs(jobs=...)``, replayed one
    after the other in a fresh process: the critical path of the split on an idle machine,
    measurable when the machine is not."""
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"))
    out = subprocess.run(
        [sys.executable, "-c", _SHARES_CHILD, str(events), str(policy), str(jobs)],
        check=True,
        capture_output=True,
        text=True,
        env=env,
    )
    result: dict[str, object] = json.loads(out.stdout)
    return result


def _critical(w: dict[str, Any]) -> float:
    """Split + the slowest share + merge, CPU seconds."""
    return float(w["split"]) + max(float(c) for c in w["shares"]) + float(w["merge"])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="10000,100000,1000000")
    ap.add_argument("--markdown", action="store_true", help="print the table as Markdown")
    ap.add_argument(
        "--engines", default="old,fast", help="replay engines to measure (old: salesctl.audit, "
        "fast: salesctl.fastreplay), each in its own process on the same files"
    )
    ap.add_argument("--no-split", action="store_true", help="skip the 2-partition run")
    ap.add_argument(
        "--years",
        default="",
        help="comma-separated directories of years already generated (events.jsonl and "
        "policy.toml each) to replay instead of --sizes",
    )
    ap.add_argument(
        "--jobs",
        default="",
        help="also run `replay_jobs` on the last year with these job counts (e.g. 1,2,1,2), a "
        "fresh process each: wall time, the CPU of each share and the critical path",
    )
    ap.add_argument(
        "--prefixes",
        default="",
        help="also replay the first N lines of the last year (e.g. 100000,300000), written to a "
        "temporary directory with its policy: the same business on a shorter stream, for the "
        "peak memory of a longer stream against a shorter one",
    )
    ap.add_argument(
        "--shares",
        default="",
        help="also replay each share of `replay_jobs(jobs=N)` on the last year one after the "
        "other (these N, e.g. 2,3) and report their CPU times: the critical path of the split",
    )
    ap.add_argument(
        "--phases",
        action="store_true",
        help="with --jobs: each process's wall and CPU time by phase of its share (the split, "
        "the replay, the closes, the report, what is left once it returns, sending the "
        "report, the merge; probes wrapped around the engine's names in the bench's child "
        "only) and its peak memory",
    )
    args = ap.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    years: list[tuple[int, Path, Path]] = []
    if args.years:
        for d in args.years.split(","):
            p = Path(d)
            missing = [f.name for f in (p / "events.jsonl", p / "policy.toml") if not f.is_file()]
            if missing:
                ap.error(f"--years: {d} has no {' or '.join(missing)} (a year `salesctl demo` "
                         "wrote; without --years the bench writes its own, by --sizes)")
            years.append((0, p / "events.jsonl", p / "policy.toml"))
    else:
        years = [(t, *_year(t)) for t in sizes]
    tmp = Path(tempfile.mkdtemp(prefix="replay-prefix-"))
    for n in [int(p) for p in args.prefixes.split(",") if p]:
        _t, ev, pol = years[-1]
        d = tmp / f"prefix-{n}"
        d.mkdir()
        with open(ev, "rb") as src, open(d / "events.jsonl", "wb") as dst:
            for i, raw in enumerate(src):
                if i >= n:
                    break
                dst.write(raw)
        shutil.copy(pol, d / "policy.toml")
        years.insert(len(years) - 1, (n, d / "events.jsonl", d / "policy.toml"))
    rows = []
    for target, events, policy in years:
        for engine in [e for e in args.engines.split(",") if e]:
            r = _replay(events, policy, engine=engine)
            rows.append((target, r))
            print(
                f"  {target:>9,} {engine}: {r['lines']:,} lines in {r['cpu']:.1f} s CPU",
                file=sys.stderr,
            )
    shutil.rmtree(tmp, ignore_errors=True)
    last = years[-1]
    jobs_walls = [
        (int(j), _jobs_wall(last[1], last[2], int(j), args.phases))
        for j in args.jobs.split(",")
        if j
    ]
    split = None
    if 100000 in sizes and not args.no_split and not args.years:
        events, policy = _year(100000)
        split = [_replay(events, policy, k, 2) for k in range(2)]
    head = (
        "| engine | events (lines) | CPU time | events/s (CPU) | µs per line (CPU) "
        "| json.loads µs per line | replay ÷ json.loads | decoding alone ÷ json.loads "
        "| peak memory | documents held at the end | exceptions |\n"
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
    )
    lines = [head]
    for _target, r in rows:
        per = r["cpu"] / r["lines"] * 1e6
        floor = r["json_cpu"] / r["lines"] * 1e6
        lines.append(
            f"| {r['engine']} | {int(r['lines']):,} | {r['cpu']:.1f} s | "
            f"{r['lines'] / r['cpu']:,.0f} | {per:.0f} | {floor:.1f} | {per / floor:.1f}× | "
            f"{r['decode_cpu'] / r['json_cpu']:.2f}× (Structs only "
            f"{r['struct_cpu'] / r['json_cpu']:.2f}×) | "
            f"{r['peak_rss_kb'] / 1024:.0f} MiB | {int(r['held']):,} | {int(r['exceptions'])} |"
        )
    table = "\n".join(lines)
    info = (
        f"Python {platform.python_version()} on {platform.machine()}, {os.cpu_count()} CPUs; "
        f"one process per size (peak memory is that process's maximum resident set)."
    )
    if split is not None:
        info += (
            " The 100k year in 2 customer partitions, one after the other: "
            + ", ".join(f"{p['cpu']:.1f} s CPU / {p['peak_rss_kb'] / 1024:.0f} MiB" for p in split)
            + " (each partition reads every line and folds the global state; it decides only "
            "its customers' transactions)."
        )
    big = rows[-1][1] if rows else {}
    if len(rows) > 1:
        # bounded (issue 16): the peak of the last stream against each shorter one
        info += " Peak memory of the last stream against each other: " + "; ".join(
            f"{int(r['lines']):,} lines {r['peak_rss_kb'] / 1024:.0f} MiB → "
            f"{big['peak_rss_kb'] / r['peak_rss_kb']:.2f}×"
            for _t, r in rows[:-1]
        ) + "."
    if big.get("months"):
        info += (
            f" Documents the ledger and its books hold at each month end of the "
            f"{int(big['lines']):,}-line year: "
            + ", ".join(f"{int(m):,}" for m in big["months"])
            + " (a plateau once the retention windows are full: memory follows open documents, "
            "not events read)."
        )
    if jobs_walls:
        # the critical path: on as many idle cores as jobs, the run takes the split, the
        # slowest share and the merge; against the CPU of --jobs 1 in the same bench run
        ones = [float(w["shares"][0]) for j, w in jobs_walls if j == 1]
        info += (
            " `replay_jobs` on the last year: "
            + "; ".join(
                f"--jobs {j}: wall {w['wall']:.1f} s (load {w['load']:.1f}), CPU of each share "
                + " / ".join(f"{float(c):.1f}" for c in w["shares"])
                + f" s, split {w['split']:.2f} s, merge {w['merge']:.3f} s, critical path "
                f"{_critical(w):.1f} s"
                + (
                    f" = {_critical(w) / min(ones):.2f}× the best --jobs 1"
                    if ones and j > 1
                    else ""
                )
                for j, w in jobs_walls
            )
            + "."
        )
    for j in [int(j) for j in args.shares.split(",") if j]:
        got = _shares_cpu(last[1], last[2], j)
        one = float(got["one"])  # type: ignore[arg-type]
        shares = got["shares"]
        assert isinstance(shares, list)
        worst = max(float(s[3]) for s in shares)
        info += (
            f" The {j} shares of `replay_jobs(jobs={j})` one after the other, CPU: one process "
            f"{one:.1f} s; "
            + ", ".join(f"{s[0]} ({s[1]}/{s[2]} partitions) {float(s[3]):.1f} s" for s in shares)
            + f"; critical path {worst / one:.2f}× one process, total "
            f"{sum(float(s[3]) for s in shares) / one:.2f}×; merged report identical: "
            f"{got['same']}."
        )
    if rows:
        print(table)
        print()
    print(info)
    if args.phases:
        for j, w in jobs_walls:
            print()
            print(_phases_table(j, w))


def _phases_table(jobs: int, w: dict[str, Any]) -> str:
    """One ``--jobs`` run's phases (``--phases``): per process, each phase's wall and CPU
    seconds (from the marks of :data:`_PROBES`), and the process's peak memory."""
    marks = w["phases"]
    out = [
        f"--jobs {jobs}: wall {w['wall']:.2f} s, load {w['load']:.1f}; this process's state "
        f"freed after the report: {w.get('freed_after', 0.0):.2f} s CPU",
        "",
        "| process | phase | from (s) | wall (s) | CPU (s) | note |",
        "|---|---|---:|---:|---:|---|",
    ]
    spans = [
        ("split", "split:start", "split:end"),
        ("replay (lines)", "share:start", "close:start"),
        ("closes", "close:start", "close:end"),
        ("report", "report:start", "report:end"),
        ("teardown", "report:end", "share:returned"),
        ("send", "send:start", "send:end"),
        ("merge", "merge:start", "merge:end"),
    ]
    for pid in sorted({m["pid"] for m in marks}, key=lambda p: min(
        m["wall"] for m in marks if m["pid"] == p
    )):
        mine = [m for m in marks if m["pid"] == pid]
        role = mine[0]["role"]
        first = {m["name"]: m for m in reversed(mine)}
        for label, a, b in spans:
            if a in first and b in first:
                x, y = first[a], first[b]
                note = ""
                if "rss_kb" in y and label in ("teardown", "merge"):
                    note = f"peak {y['rss_kb'] / 1024:.0f} MiB"
                if "pickle_bytes" in x:
                    note = (
                        f"report pickled {x['pickle_bytes'] / 1e6:.1f} MB in "
                        f"{x['pickle_cpu']:.2f} s CPU"
                    )
                out.append(
                    f"| {role} {pid} | {label} | {x['wall']:.2f} | {y['wall'] - x['wall']:.2f} "
                    f"| {y['cpu'] - x['cpu']:.2f} | {note} |"
                )
    return "\n".join(out)


if __name__ == "__main__":
    main()
