"""Fuzz every salesctl boundary with 100 000+ inputs, reproducibly, in one command.

Run from the repository root::

    python bench/fuzz.py                       # 120 000 inputs with hypothesis, all cores
    python bench/fuzz.py --inputs 20000        # a shorter run
    python bench/fuzz.py --engine atheris      # coverage-guided bytes (pip install atheris)
    python bench/fuzz.py --journal 10000       # 10 000 corruptions thrown at journals

**Journal mode** (``--journal N``): N cases of ``tests/test_journal_fuzz.py`` — bit flips, index
edits, row edits, truncations, tail cuts with and without an anchor — each on a fresh copy of one
journal, cases split over ``--jobs`` processes, reproducible from ``--seed``. The contract: no
raw exception, and no corruption that ``verify`` passes while the data read back (or a guarded
write) differs; see that module for the exact definition.

    python bench/fuzz.py --engine malformed    # 100 000 damaged check files, event lines and
                                               # policy files (issue 19), all cores
    python bench/fuzz.py --engine jobs --inputs 1000   # 1 000 hostile streams: --jobs 2 and
                                               # --jobs 3 against one process (issue 16)

The ``jobs`` engine writes hostile whole streams (``tests/test_jobs_hostile.py``: session 14's
mutations and byte-level ones aimed at the shares' header readers) and compares
``replay_jobs`` with two and three jobs against one job, the whole report; a stream whose
reports differ is kept in ``bench/.cache/fuzz-jobs/`` with what differed. ``--seed`` picks
the streams; ``--jobs`` is not used (each replay runs its own processes).

The ``malformed`` engine damages the text of valid files with the attacks of issue 19 (deep
nesting, integers of thousands of digits, duplicate keys, lone surrogates, week dates,
full-width digits, underscores, floats, lines over 1 MiB) and plain damage, seeded (``--seed``;
job ``i`` uses ``seed + i``), see ``tests/test_fuzz.py::run_malformed``.

The boundaries, the inputs and the contract are those of ``tests/test_fuzz.py`` (CI runs the
same code with a small budget): every input either works — returning a value with no float in
it — or raises a :class:`salesctl.errors.SalesctlError` naming a field path or a line; the CLI
exits 0–3 (64 for usage). Anything else stops the run with the failing input.

**Reproducible.** The hypothesis engine runs each boundary with ``derandomize=True`` and no
example database: the same salesctl and hypothesis versions generate the same inputs in the same
order, on any machine, whatever ``--jobs`` says (a job runs whole boundaries). The atheris engine
starts from the example files as its corpus and takes ``--seed``.

The report lists, per boundary, the inputs run and how they ended (``ok`` or the error class),
the total, and the time; exit code 0 when nothing undocumented happened.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import warnings
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "src"))

#: Share of the inputs per boundary (the rest of the budget is spread evenly). The readers of
#: whole documents get more: they have the most code behind them.
WEIGHTS = {
    "parse_transaction": 3.0,
    "Context.from_dict": 2.0,
    "read_events": 2.0,
    "documents": 2.0,
    "transaction_constructors": 1.5,
    "parse_event": 1.5,
    "cli check": 1.0,
    "loads_policy": 1.5,
    "load_policy": 0.5,
    "cli policy validate": 0.5,
    "Decision.from_dict": 1.0,
    "Money.parse": 0.5,
    "cli argv": 0.3,
}


def _quotas(total: int, names: list[str]) -> dict[str, int]:
    weight = sum(WEIGHTS.get(n, 1.0) for n in names)
    return {n: max(1, round(total * WEIGHTS.get(n, 1.0) / weight)) for n in names}


def _run_boundary(name: str, quota: int) -> tuple[str, int, dict[str, int], float, str | None]:
    """Run one boundary with hypothesis; return (name, inputs, tally, seconds, failure)."""
    import contextlib
    import io

    from hypothesis import HealthCheck, Phase, given, settings
    from tests import test_fuzz as fz

    inputs, target, whole_ok = fz.BOUNDARIES[name]
    count = [0]

    @settings(
        max_examples=quota,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.generate, Phase.shrink],
        suppress_health_check=list(HealthCheck),
    )
    @given(inputs)
    def run(data: Any) -> None:
        count[0] += 1
        fz.documented(name, target, data, whole_ok=whole_ok)

    failure = None
    start = time.perf_counter()
    with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
        warnings.simplefilter("ignore")
        try:
            run()
        except Exception as e:  # the failing input, shrunk, is in the message
            failure = f"{type(e).__name__}: {e}"
    seconds = time.perf_counter() - start
    tally = {k[1]: v for k, v in fz.TALLY.items() if k[0] == name}
    return name, count[0], tally, seconds, failure


def run_hypothesis(total: int, jobs: int, only: list[str] | None) -> int:
    from tests import test_fuzz as fz

    names = only or sorted(fz.BOUNDARIES)
    quotas = _quotas(total, names)
    start = time.perf_counter()
    results = []
    order = sorted(names, key=lambda n: -quotas[n])  # longest first: better packing
    if jobs > 1:
        with ProcessPoolExecutor(max_workers=jobs) as pool:
            results = list(pool.map(_run_boundary, order, [quotas[n] for n in order]))
    else:
        results = [_run_boundary(n, quotas[n]) for n in order]
    elapsed = time.perf_counter() - start
    grand = 0
    failed = False
    print(f"{'boundary':28s} {'inputs':>8s} {'s':>7s}  outcomes")
    for name, n, tally, seconds, failure in sorted(results):
        grand += n
        outcomes = ", ".join(f"{k} {v}" for k, v in sorted(tally.items(), key=lambda kv: -kv[1]))
        print(f"{name:28s} {n:8d} {seconds:7.1f}  {outcomes}")
        if failure:
            failed = True
            print(f"  FAILED: {failure}")
    print(
        f"{'total':28s} {grand:8d} {elapsed:7.1f}  (engine hypothesis, {jobs} jobs, derandomized)"
    )
    print(
        "result:",
        "UNDOCUMENTED ERRORS" if failed else "every input worked or raised a documented error",
    )
    return 1 if failed else 0


# -- malformed text at the file boundaries (issue 19) -----------------------------------------


def _run_malformed_job(total: int, seed: int) -> tuple[Any, Any, list[tuple[str, str, str]], float]:
    from tests import test_fuzz as fz

    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        run = fz.run_malformed(total, seed)
    return dict(run.inputs), dict(run.outcomes), run.failures, time.perf_counter() - start


def run_malformed(total: int, jobs: int, seed: int) -> int:
    """Throw ``total`` malformed inputs at check files, event lines and policy files."""
    shares = [total // jobs + (1 if i < total % jobs else 0) for i in range(jobs)]
    start = time.perf_counter()
    if jobs > 1:
        with ProcessPoolExecutor(max_workers=jobs) as pool:
            results = list(pool.map(_run_malformed_job, shares, [seed + i for i in range(jobs)]))
    else:
        results = [_run_malformed_job(total, seed)]
    elapsed = time.perf_counter() - start
    inputs: Counter[str] = Counter()
    outcomes: Counter[tuple[str, str]] = Counter()
    failures: list[tuple[str, str, str]] = []
    for ins, outs, fails, _seconds in results:
        inputs.update(ins)
        outcomes.update(outs)
        failures += fails
    print(f"{'boundary':14s} {'inputs':>8s}  outcomes")
    for name in sorted(inputs):
        mine = {k[1]: v for k, v in outcomes.items() if k[0] == name}
        shown = ", ".join(f"{k} {v}" for k, v in sorted(mine.items(), key=lambda kv: -kv[1]))
        print(f"{name:14s} {inputs[name]:8d}  {shown}")
    files = sum(inputs[b] for b in ("check file", "event line", "policy file"))
    print(
        f"{'total':14s} {files:8d}  malformed inputs in {elapsed:.1f} s "
        f"(engine malformed, {jobs} jobs, seed {seed}); raw exceptions: {len(failures)}"
    )
    for boundary, error, text in failures[:20]:
        print(f"  RAW {boundary}: {error}\n      input: {text!r}")
    print(
        "result:", "RAW EXCEPTIONS" if failures else "every input ended as a value or a typed error"
    )
    return 1 if failures else 0


# -- atheris --------------------------------------------------------------------------------


def run_atheris(total: int, seed: int) -> int:
    import atheris

    with atheris.instrument_imports(include=["salesctl"]):
        import salesctl as sc
        from salesctl.cli import read_check_file
        from salesctl.errors import SalesctlError
        from salesctl.events import read_events

    import tempfile

    tmp = Path(tempfile.mkdtemp(prefix="salesctl-atheris-")) / "input"
    gate = sc.Gate(sc.load_policy(ROOT / "examples" / "policy.toml"))
    tally: Counter[str] = Counter()

    def located(e: SalesctlError, whole: bool) -> None:
        if not (e.path or e.line is not None or whole):
            raise AssertionError(f"error names no path or line: {e!r}")

    calls = [0]

    def one_input(raw: bytes) -> None:
        calls[0] += 1
        try:
            check_one(raw)
        finally:
            if calls[0] == total:  # libFuzzer ends the process itself after the last run
                report()

    def check_one(raw: bytes) -> None:
        if not raw:
            tally["0 empty"] += 1
            return
        kind, body = raw[0] % 5, raw[1:]
        text = body.decode("utf-8", "replace")
        try:
            if kind == 0:
                sc.loads_policy(text)
            elif kind == 1:
                for _n, item in read_events(body.splitlines()):
                    if isinstance(item, SalesctlError) and item.line is None:
                        raise AssertionError(f"event error without a line: {item!r}")
            elif kind == 2:
                tmp.write_bytes(body)
                txn, ctx = read_check_file(tmp)
                gate.check(txn, ctx)
            elif kind == 3:
                sc.Money.parse(text)
            else:
                import json

                try:
                    data = json.loads(text)
                except (ValueError, RecursionError):
                    tally["4 not JSON"] += 1
                    return
                sc.parse_transaction(data) if isinstance(data, dict) and "type" in data else (
                    sc.Context.from_dict(data)
                )
            tally[f"{kind} ok"] += 1
        except SalesctlError as e:
            located(e, whole=True)
            tally[f"{kind} {type(e).__name__}"] += 1

    corpus = Path(tempfile.mkdtemp(prefix="salesctl-corpus-"))
    seeds = [b"\x00" + (ROOT / "examples" / "policy.toml").read_bytes()]
    for i, p in enumerate(sorted((ROOT / "examples" / "transactions").glob("*.json"))):
        seeds.append(b"\x02" + p.read_bytes())
        seeds.append(b"\x04" + p.read_bytes())
        if i < 5:
            seeds.append(b"\x01" + p.read_bytes().replace(b"\n", b" "))
    seeds.append(b"\x03" + b"1000.00 CNY")
    for i, s in enumerate(seeds):
        (corpus / f"seed{i}").write_bytes(s)
    start = time.perf_counter()
    crashes = Path(tempfile.mkdtemp(prefix="salesctl-crashes-"))
    argv = [
        sys.argv[0],
        f"-runs={total}",
        f"-seed={seed}",
        "-max_len=20000",
        "-print_final_stats=1",
        f"-artifact_prefix={crashes}/",
        str(corpus),
    ]
    print(f"atheris: corpus {corpus}, crashing inputs (if any) go to {crashes}")
    kinds = [
        "loads_policy",
        "read_events",
        "check file + gate",
        "Money.parse",
        "transaction/context",
    ]

    def report() -> None:
        elapsed = time.perf_counter() - start
        print(f"\natheris: {sum(tally.values())} inputs in {elapsed:.1f} s (seed {seed})")
        for key, n in sorted(tally.items()):
            k, outcome = key.split(" ", 1)
            print(f"  {kinds[int(k)]:22s} {outcome:20s} {n}")
        print("result: every input worked or raised a documented error")

    atheris.Setup(argv, one_input)
    atheris.Fuzz()
    return 0


# -- journal corruptions ---------------------------------------------------------------------


def _journal_cases(
    count: int, seed: int, start: int
) -> tuple[dict[tuple[str, str, str], int], str]:
    from tests import test_journal_fuzz as jf

    try:
        tally, _ = jf.run_cases(count, seed=seed, start=start)
    except jf.Violation as e:
        return {}, str(e)
    return dict(tally), ""


def run_journal(total: int, jobs: int, seed: int) -> int:
    """Throw ``total`` corruptions at journals; print the outcomes per kind of damage."""
    jobs = max(1, min(jobs, total))
    sizes = [total // jobs + (1 if i < total % jobs else 0) for i in range(jobs)]
    starts = [sum(sizes[:i]) for i in range(jobs)]
    start = time.perf_counter()
    if jobs > 1:
        with ProcessPoolExecutor(max_workers=jobs) as pool:
            results = list(pool.map(_journal_cases, sizes, [seed] * jobs, starts))
    else:
        results = [_journal_cases(total, seed, 0)]
    elapsed = time.perf_counter() - start
    tally: Counter[tuple[str, str, str]] = Counter()
    failures = [f for _t, f in results if f]
    for t, _f in results:
        tally.update(t)
    print(f"{'damage':34s} {'read: verify / read back':56s} {'guarded writes':34s} {'cases':>6s}")
    for (mutation, read, write), n in sorted(tally.items()):
        print(f"{mutation:34s} {read:56s} {write:34s} {n:6d}")
    print(f"{'total':34s} {'':56s} {'':34s} {sum(tally.values()):6d}")
    print(f"{elapsed:.1f} s, {jobs} jobs, seed {seed}")
    for f in failures:
        print(f"  FAILED: {f}")
    print(
        "result:",
        "VIOLATIONS" if failures else "no raw exception, no undetected corruption",
    )
    return 1 if failures else 0


def run_jobs(total: int, seed: int) -> int:
    """Replay ``total`` hostile streams with ``--jobs`` 1, 2 and 3; print what differed."""
    import tempfile

    from hypothesis import HealthCheck, Phase, given, settings
    from hypothesis import seed as seeded
    from hypothesis import strategies as st
    from tests import test_jobs_hostile as jh

    years = [*jh.YEARS, (seed, 20, 60), (seed + 100, 6, 30)]
    keep = ROOT / "bench" / ".cache" / "fuzz-jobs"
    count = [0]
    found: list[str] = []
    where = Path(tempfile.mkdtemp(prefix="fuzz-jobs-"))

    @seeded(seed)
    @settings(
        max_examples=total,
        database=None,
        deadline=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(data=st.data())
    def run(data: Any) -> None:
        stream = jh.hostile_jobs_stream(data, years)
        if not stream:
            return
        count[0] += 1
        diff = jh.jobs_difference(stream, where)
        if diff is not None:
            keep.mkdir(parents=True, exist_ok=True)
            name = keep / f"seed{seed}-{count[0]}.jsonl"
            name.write_bytes(b"\n".join(stream) + b"\n")
            name.with_suffix(".txt").write_text(diff + "\n", encoding="utf-8")
            found.append(f"{name}: {diff}")

    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        run()
    print(f"{count[0]} streams, {len(found)} with a difference, seed {seed}, "
          f"{time.perf_counter() - start:.0f} s")  # fmt: skip
    for f in found:
        print(f"  DIFFERS: {f}")
    print("result:", "DIFFERENCES" if found else "every report the one-process report")
    return 1 if found else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--inputs", type=int, default=120_000, help="total inputs (default 120 000)"
    )
    parser.add_argument(
        "--engine", choices=("hypothesis", "atheris", "malformed", "jobs"), default="hypothesis"
    )
    parser.add_argument(
        "--jobs", type=int, default=os.cpu_count() or 1, help="processes (hypothesis)"
    )
    parser.add_argument("--seed", type=int, default=1, help="atheris, malformed and jobs seed")
    parser.add_argument("--only", nargs="*", help="boundaries to run (hypothesis)")
    parser.add_argument(
        "--journal", type=int, metavar="N", help="throw N corruptions at journals instead"
    )
    args = parser.parse_args(argv)
    if args.journal is not None:
        return run_journal(args.journal, args.jobs, args.seed if args.seed != 1 else 19)
    if args.engine == "atheris":
        return run_atheris(args.inputs, args.seed)
    if args.engine == "malformed":
        return run_malformed(args.inputs, args.jobs, args.seed)
    if args.engine == "jobs":
        return run_jobs(args.inputs, args.seed)
    return run_hypothesis(args.inputs, args.jobs, args.only)


if __name__ == "__main__":
    raise SystemExit(main())
