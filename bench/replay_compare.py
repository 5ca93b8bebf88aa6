"""Benchmark: the audit replay of two or more source trees on the same years, interleaved.

Run: ``python bench/replay_compare.py --trees main=/path/a/src,base=/path/b/src
--years DIR1,DIR2 [--rounds 2] [--engine fast]``.

Each (round, year, tree) replays the year (``events.jsonl`` and ``policy.toml`` in the
directory) in a fresh process importing ``salesctl`` from that tree, one after the other in
the order year × tree, round after round, so that a change in the machine's load touches every
tree alike. It prints CPU µs per line per run, the median per (year, tree), the ratio of each
tree to the first, the load average before and after, and the exceptions each found. A tree
that cannot read a year (it fails) is reported as such.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

_CHILD = r"""
import json, sys, time
engine = sys.argv[3]
if engine == "fast":
    from salesctl.fastreplay import replay
else:
    from salesctl.audit import replay
from salesctl.policy import load_policy
pol = load_policy(sys.argv[2])
c0 = time.process_time()
with open(sys.argv[1], "rb") as f:
    r = replay(f, pol, source=sys.argv[1])
cpu = time.process_time() - c0
print(json.dumps({"cpu": cpu, "lines": r.lines, "exceptions": len(r.exceptions)}))
"""


def _run(src: str, year: Path, engine: str) -> dict[str, float] | str:
    env = dict(os.environ, PYTHONPATH=src)
    out = subprocess.run(
        [
            sys.executable,
            "-c",
            _CHILD,
            str(year / "events.jsonl"),
            str(year / "policy.toml"),
            engine,
        ],
        capture_output=True,
        text=True,
        env=env,
    )
    if out.returncode:
        return (out.stderr.strip().splitlines() or ["failed"])[-1][:160]
    result: dict[str, float] = json.loads(out.stdout)
    return result


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--trees", required=True, help="name=src-dir,… (the first is the reference)")
    ap.add_argument("--years", required=True, help="comma-separated year directories")
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--engine", default="fast", help="fast (salesctl.fastreplay) or old")
    args = ap.parse_args()
    trees = [t.split("=", 1) for t in args.trees.split(",")]
    years = [Path(y) for y in args.years.split(",")]
    load0 = os.getloadavg()
    runs: dict[tuple[str, str], list[float]] = {}
    info: dict[tuple[str, str], str] = {}
    for rnd in range(args.rounds):
        for y in years:
            for name, src in trees:
                t0 = time.perf_counter()
                r = _run(src, y, args.engine)
                key = (str(y), name)
                if isinstance(r, str):
                    info[key] = f"fails: {r}"
                    print(f"  round {rnd + 1} {y.name} {name}: {r}", file=sys.stderr)
                    continue
                per = r["cpu"] / r["lines"] * 1e6
                runs.setdefault(key, []).append(per)
                info[key] = f"{int(r['lines']):,} lines, {int(r['exceptions']):,} exceptions"
                print(
                    f"  round {rnd + 1} {y.name} {name}: {per:.1f} µs/line CPU, {info[key]} "
                    f"({time.perf_counter() - t0:.0f} s wall, load {os.getloadavg()[0]:.2f})",
                    file=sys.stderr,
                )
    load1 = os.getloadavg()
    print("| year | tree | µs per line (CPU, median) | runs | ÷ first tree | lines, exceptions |")
    print("|---|---|---:|---|---:|---|")
    for y in years:
        ref = runs.get((str(y), trees[0][0]))
        for name, _src in trees:
            key = (str(y), name)
            got = runs.get(key)
            if not got:
                print(f"| {y} | {name} | – | – | – | {info.get(key, '')} |")
                continue
            med = statistics.median(got)
            ratio = f"{med / statistics.median(ref):.3f}" if ref else "–"
            each = ", ".join(f"{g:.1f}" for g in got)
            print(f"| {y} | {name} | {med:.1f} | {each} | {ratio} | {info[key]} |")
    print()
    print(
        f"load average (1, 5, 15 min) before {', '.join(f'{x:.2f}' for x in load0)}, "
        f"after {', '.join(f'{x:.2f}' for x in load1)}; {os.cpu_count()} CPUs."
    )


if __name__ == "__main__":
    main()
