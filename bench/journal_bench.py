"""Decisions journaled per second, with 1, 4 and 16 concurrent writers, on each backend.

    PYTHONPATH=src python bench/journal_bench.py [--seconds 3] [--url postgresql://…]

Each writer is a process of its own with its own connection, appending gate decisions (with
the transaction decided) for ``--seconds``; the figure is the total committed in that time.
Both backends commit durably: SQLite with ``synchronous=FULL``, PostgreSQL with ``fsync`` on
and ``synchronous_commit`` on. Without ``--url`` a throw-away PostgreSQL cluster is started
(``initdb`` + ``pg_ctl``, as the tests do; fsync on). The decision is computed once: what is
measured is the journal, not the gate.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]

from tests import builders as b  # noqa: E402

import salesctl as sc  # noqa: E402
from salesctl.journal import Journal  # noqa: E402

WRITERS = (1, 4, 16)


def _writer(target: str, seconds: float, barrier: Any, results: Any) -> None:
    txn = b.place()
    decision = sc.Gate(sc.Policy.default()).check(txn, b.context())
    with Journal(target, timeout=120) as j:
        barrier.wait()
        end = time.monotonic() + seconds
        n = 0
        while time.monotonic() < end:
            j.record(decision, txn=txn)
            n += 1
    results.put(n)


def measure(target: str, writers: int, seconds: float) -> float:
    """Decisions per second committed by ``writers`` processes in ``seconds``."""
    Journal(target).close()
    ctx = mp.get_context("fork")
    barrier, results = ctx.Barrier(writers + 1), ctx.Queue()
    procs = [
        ctx.Process(target=_writer, args=(target, seconds, barrier, results))
        for _ in range(writers)
    ]
    for p in procs:
        p.start()
    barrier.wait()
    start = time.monotonic()
    total = sum(results.get(timeout=seconds + 120) for _ in procs)
    elapsed = time.monotonic() - start
    for p in procs:
        p.join()
    with Journal(target, read_only=True) as j:
        assert j.verify().ok
    return total / elapsed


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=3.0)
    ap.add_argument("--url", help="a PostgreSQL URL (default: a throw-away cluster)")
    args = ap.parse_args()
    cluster = None
    if args.url is None:
        from tests.journal_backends import PgCluster

        cluster = PgCluster(durable=True)
    try:
        print("| backend | 1 writer | 4 writers | 16 writers |")
        print("|---|---:|---:|---:|")
        with tempfile.TemporaryDirectory() as d:
            row = []
            for n in WRITERS:
                row.append(measure(str(Path(d) / f"bench-{n}.sqlite"), n, args.seconds))
            print("| SQLite | " + " | ".join(f"{x:,.0f}/s" for x in row) + " |")
        row = []
        for n in WRITERS:
            if cluster is not None:
                url = cluster.schema_url(f"bench_{n}")
            else:
                url = f"{args.url}{'&' if '?' in args.url else '?'}schema=salesctl_bench_{n}"
            row.append(measure(url, n, args.seconds))
        print("| PostgreSQL | " + " | ".join(f"{x:,.0f}/s" for x in row) + " |")
    finally:
        if cluster is not None:
            cluster.stop()


if __name__ == "__main__":
    main()
