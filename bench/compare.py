"""Compare the gate's rows of two salesctl trees, alternated in one run.

Each round runs, in a fresh process per tree (alternating which goes first), that tree's own
``bench/run.py`` rows (``main_rows``: its own scenarios, its own ``fresh`` context copy) with
the ZEN and Cedar rows left out, and records each row's median. After ``--rounds`` rounds it
prints, per row present in both trees, the minimum and the median of the per-round medians
and the change of the medians::

    git worktree add --detach /tmp/old c721c5d
    python bench/compare.py /tmp/old .            # old tree first, this tree second

Only rows whose names both trees share are compared (a full pack's control count is left out
of its name: it may differ between the trees). Read the changes within one run: the
two trees see the same machine load, alternately.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

_CHILD = r"""
import gc, json, re, sys
tree = sys.argv[1]
sys.path[:0] = [tree + "/bench", tree + "/src"]
import run as R
import salesctl as sc
rows = [
    r for r in R.main_rows(sc.Policy.default())
    if "ZEN" not in r.name and "Cedar" not in r.name
]
n, warmup, block = int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
gc.collect()
R.run(rows, n, warmup, block, R.clock_overhead())
# "full pack (14 controls): ..." -> "full pack: ...": the count may differ between trees.
print(json.dumps({re.sub(r" \(\d+ controls\)", "", r.name): r.median() for r in rows}))
"""


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("old", help="the tree to compare against (e.g. a worktree of c721c5d)")
    ap.add_argument("new", help="this tree")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--n", type=int, default=6000, help="timed evaluations per row per round")
    ap.add_argument("--warmup", type=int, default=1000)
    ap.add_argument("--block", type=int, default=500)
    args = ap.parse_args(argv)
    trees = {"old": str(Path(args.old).resolve()), "new": str(Path(args.new).resolve())}
    got: dict[str, dict[str, list[float]]] = {"old": {}, "new": {}}
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    for r in range(args.rounds):
        order = ("old", "new") if r % 2 == 0 else ("new", "old")
        for who in order:
            out = subprocess.run(
                [
                    sys.executable,
                    "-c",
                    _CHILD,
                    trees[who],
                    str(args.n),
                    str(args.warmup),
                    str(args.block),
                ],
                capture_output=True,
                text=True,
                check=True,
                env={**env, "PYTHONPATH": trees[who] + "/src"},
                cwd=trees[who],
            )
            for name, median in json.loads(out.stdout.strip().splitlines()[-1]).items():
                got[who].setdefault(name, []).append(median)
        print(f"round {r + 1}/{args.rounds} done (load {os.getloadavg()[0]:.2f})", file=sys.stderr)
    print("| row | old min | old median | new min | new median | change (medians) |")
    print("|---|---:|---:|---:|---:|---:|")
    for name, old in got["old"].items():
        new = got["new"].get(name)
        if new is None:
            continue
        om, nm = statistics.median(old), statistics.median(new)
        print(
            f"| {name} | {min(old):.2f} | {om:.2f} | {min(new):.2f} | {nm:.2f} | "
            f"{(nm / om - 1) * 100:+.0f} % |"
        )


if __name__ == "__main__":
    main()
