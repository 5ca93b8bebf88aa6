"""Benchmark: Gate.check(PlaceOrder) on a 10-line credit order against plain Python.

Run: ``python bench/gate_bench.py [--n 20000]``. Prints median and p99 per decision and the
ratio against a plain-Python function making the same credit-limit decision, in one run.
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests import builders as b

import salesctl as sc


def plain_credit_decision(order_total: Decimal, exposure: tuple[Decimal, Decimal, Decimal], limit: Decimal,
                          release_ok: bool) -> str:
    """The same credit-limit decision in plain Python: exposure + order ≤ limit, else release."""
    if exposure[0] + exposure[1] + exposure[2] + order_total <= limit:
        return "ALLOW"
    return "ALLOW" if release_ok else "HOLD"


def timeit(fn: Callable[[], Any], n: int) -> tuple[float, float]:
    for _ in range(min(2000, n)):
        fn()
    samples = []
    clock = time.perf_counter_ns
    for _ in range(n):
        t0 = clock()
        fn()
        samples.append(clock() - t0)
    samples.sort()
    return statistics.median(samples) / 1000, samples[int(len(samples) * 0.99)] / 1000


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=20000)
    args = ap.parse_args()

    lines = tuple(b.line(i + 1, "10", "1000", product=f"P-{i}") for i in range(10))
    order = b.order(lines=lines)
    txn = b.place(order)
    ctx = b.context(exposure=b.exposure(open_orders="100000", delivered="50000", receivables="200000"))
    limit_gate = sc.Gate(only=["O2C-CR-04"])
    full_gate = sc.Gate()
    exp = ctx.exposure
    assert exp is not None
    prof = order.customer.credit_profile
    assert prof is not None
    args_plain = (order.total.amount, (exp.open_orders.amount, exp.delivered_not_invoiced.amount,
                                       exp.open_receivables.amount), prof.limit.amount, False)
    # Agree before timing.
    assert plain_credit_decision(*args_plain) == limit_gate.check(txn, ctx).outcome.name == "ALLOW"

    rows = [
        ("plain Python credit limit", lambda: plain_credit_decision(*args_plain)),
        ("Gate.check, O2C-CR-04 only", lambda: limit_gate.check(txn, ctx)),
        ("Gate.check, full pack (9 controls)", lambda: full_gate.check(txn, ctx)),
    ]
    results = [(name, *timeit(fn, args.n)) for name, fn in rows]
    base = results[0][1]
    print(f"salesctl gate benchmark — {dt.date.today()} — Python {sys.version.split()[0]} — n={args.n}")
    print(f"{'decision':<40} {'median µs':>10} {'p99 µs':>10} {'× plain':>8}")
    for name, med, p99 in results:
        print(f"{name:<40} {med:>10.2f} {p99:>10.2f} {med / base:>8.1f}")


if __name__ == "__main__":
    main()
