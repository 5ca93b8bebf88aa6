"""salesctl benchmark: the gate side by side with plain Python, GoRules ZEN and Cedar.

Run from the repository root (the anchors need the ``bench`` extra)::

    pip install -e '.[bench]'
    python bench/run.py                 # the table (n = 20 000 per row) and the growth tables
    python bench/run.py --markdown      # the same as Markdown (what docs/performance.md shows)

In ONE run it

1. checks that the four contenders (plain Python, ``Gate.check`` with a policy of just that
   control, ZEN, Cedar) agree on every fixed and random case of the two decisions (credit limit
   with one-time release, O2C-CR-04; price-float authority by seller level, O2C-PR-03), and
   that every full-pack scenario is an ALLOW — and stops if anything disagrees;
2. times every row over ``--n`` evaluations after ``--warmup``, interleaved in blocks of
   ``--block`` so that a change in machine load hits every row alike, each evaluation with a
   fresh copy of its context (nothing a check caches on a context survives to the next one),
   the cost of reading the clock subtracted;
3. prints median and p99 in microseconds and the ratio of each median to the plain-Python
   function's (the same case's for the two decisions, the credit "within limit" one for the
   full pack), then how the full pack grows with lines per order and with controls.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import os
import platform
import random
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import anchors as A
import attrs
import scenarios as S

import salesctl as sc
from salesctl.transactions import parse_transaction as parse_slowly

Call = Callable[[Any, sc.Context], Any]


@dataclass
class Row:
    """One timed row: a call on one transaction with fresh copies of one context."""

    name: str
    call: Call
    case: S.Case
    base: str = ""  # name of the row whose median is the 1× for this one
    samples: list[int] = field(default_factory=list)

    def median(self) -> float:
        return statistics.median(self.samples) / 1000

    def p99(self) -> float:
        s = sorted(self.samples)
        return s[min(len(s) - 1, int(len(s) * 0.99))] / 1000


# -- agreement ---------------------------------------------------------------------------------


def agree(policy: sc.Policy, seed: int, n_random: int) -> tuple[int, dict[str, int]]:
    """Every contender's answer on every case; raises SystemExit on any disagreement."""
    rng = random.Random(seed)
    cr, pr = A.CreditRule(policy), A.PriceRule(policy)
    credit = [
        ("plain", cr.decide),
        ("gate", _gate_outcome(sc.Gate(policy, only=["O2C-CR-04"]))),
        ("zen", A.CreditZen(cr).decide),
        ("cedar", A.CreditCedar(cr).decide),
    ]
    price = [
        ("plain", pr.decide),
        ("gate", _gate_outcome(sc.Gate(policy, only=["O2C-PR-03"]))),
        ("zen", A.PriceZen(pr).decide),
        ("cedar", A.PriceCedar(pr).decide),
    ]
    tally: dict[str, int] = {}
    checked = 0
    for label, cases, contenders in (
        ("credit", [*S.credit_fixed().items(), *_numbered(S.credit_random(rng, n_random))], credit),
        ("price", [*S.price_fixed().items(), *_numbered(S.price_random(rng, n_random))], price),
    ):
        for name, (txn, ctx) in cases:
            answers = {who: decide(txn, S.fresh(ctx)) for who, decide in contenders}
            if len(set(answers.values())) != 1:
                raise SystemExit(f"{label} case {name!r}: the contenders disagree: {answers}")
            key = f"{label} {answers['plain']}"
            tally[key] = tally.get(key, 0) + 1
            checked += 1
    g_credit = _gate_outcome(sc.Gate(policy, only=["O2C-CR-04"]))
    g_price = _gate_outcome(sc.Gate(policy, only=["O2C-PR-03"]))
    for name, (txn, ctx) in S.approved_fixed().items():
        credit_case = name.startswith("credit")
        plain = (cr if credit_case else pr).decide_approved(txn, S.fresh(ctx))
        gate_says = (g_credit if credit_case else g_price)(txn, S.fresh(ctx))
        if plain != gate_says:
            raise SystemExit(f"approved case {name!r}: plain {plain}, gate {gate_says}")
        key = f"approval {plain}"
        tally[key] = tally.get(key, 0) + 1
        checked += 1
    for name, case in _pack_cases().items():
        if sc.parse_transaction(S.as_json(case)[0]) != case[0]:
            raise SystemExit(f"{name!r}: parse_transaction does not give the transaction back")
        if sc.parse_context(S.as_json(case)[1]) != case[1]:
            raise SystemExit(f"{name!r}: parse_context does not give the context back")
    gate = sc.Gate(policy)
    for name, (txn, ctx) in _pack_cases().items():
        d = gate.check(txn, S.fresh(ctx))
        if d.outcome is not sc.Outcome.ALLOW:
            raise SystemExit(f"full pack {name!r}: expected ALLOW, got\n{d.explain()}")
    return checked, tally


def _numbered(cases: list[S.Case]) -> list[tuple[str, S.Case]]:
    return [(f"random #{i}", c) for i, c in enumerate(cases)]


def _gate_outcome(gate: sc.Gate) -> Call:
    return lambda t, c: gate.check(t, c).outcome.name


def _pack_cases() -> dict[str, S.Case]:
    return {
        "PlaceOrder, 1 line": S.place_order(1),
        "PlaceOrder, 10 lines": S.place_order(10),
        "PlaceOrder, 100 lines": S.place_order(100),
        "IssueInvoice, 10 lines": S.issue_invoice(10),
        "PostGoodsIssue, 10 lines": S.post_goods_issue(10),
    }


# -- rows --------------------------------------------------------------------------------------


def main_rows(policy: sc.Policy) -> list[Row]:
    cr, pr = A.CreditRule(policy), A.PriceRule(policy)
    cz, cc, pz, pc = A.CreditZen(cr), A.CreditCedar(cr), A.PriceZen(pr), A.PriceCedar(pr)
    g_credit = sc.Gate(policy, only=["O2C-CR-04"])
    g_price = sc.Gate(policy, only=["O2C-PR-03"])
    credit, price = S.credit_fixed(), S.price_fixed()
    rows: list[Row] = []
    for case in ("within limit", "over limit, valid release"):
        plain = f"credit ({case}): plain Python"
        rows += [
            Row(plain, cr.decide, credit[case]),
            Row(
                f"credit ({case}): Gate.check, O2C-CR-04 only", g_credit.check, credit[case], plain
            ),
            Row(f"credit ({case}): ZEN by key", cz.decide, credit[case], plain),
            Row(f"credit ({case}): Cedar, parsed PolicySet", cc.decide, credit[case], plain),
        ]
    for case in ("rep 1 % below master", "rep 4 % below master"):
        plain = f"price ({case}): plain Python"
        rows += [
            Row(plain, pr.decide, price[case]),
            Row(f"price ({case}): Gate.check, O2C-PR-03 only", g_price.check, price[case], plain),
            Row(f"price ({case}): ZEN by key", pz.decide, price[case], plain),
            Row(f"price ({case}): Cedar, parsed PolicySet", pc.decide, price[case], plain),
        ]
    approved = S.approved_fixed()
    for name, rule, gate_ in (
        ("credit (over limit, credit approval on hand)", cr, g_credit),
        ("price (rep 4 % below master, approval on hand)", pr, g_price),
    ):
        plain = f"{name}: plain Python"
        control = "O2C-CR-04" if gate_ is g_credit else "O2C-PR-03"
        rows += [
            Row(plain, rule.decide_approved, approved[name]),
            Row(f"{name}: Gate.check, {control} only", gate_.check, approved[name], plain),
        ]
    gate = sc.Gate(policy)
    base = rows[0].name
    for name, case in _pack_cases().items():
        n = len(gate.controls_for(type(case[0])))
        rows.append(Row(f"full pack ({n} controls): {name}", gate.check, case, base))
    return rows


def construction_rows() -> list[Row]:
    """What a host pays to build a 10-line ``PlaceOrder`` and its ``Context``: from JSON-shaped
    dicts (``parse_transaction``/``parse_context``, and the generic ``structure`` path they
    replace), and from typed values through the constructors, validated and with the attrs
    validators disabled (the 1×)."""
    case = S.place_order(10)
    td, cd = S.as_json(case)
    base = "construction: constructors, validators disabled"
    return [
        Row(base, _Unvalidated().build, case),
        Row("construction: constructors, validated", _build, case, base),
        Row("construction: parse_transaction + parse_context", _parse, (td, cd), base),
        Row("construction: generic structure (from_dict)", _structure, (td, cd), base),
    ]


def _build(txn: Any, ctx: Any) -> Any:
    return S.rebuild(txn), S.rebuild(ctx)


class _Unvalidated:
    def build(self, txn: Any, ctx: Any) -> Any:
        attrs.validators.set_disabled(True)
        try:
            return S.rebuild(txn), S.rebuild(ctx)
        finally:
            attrs.validators.set_disabled(False)


def _parse(td: Any, cd: Any) -> Any:
    return sc.parse_transaction(td), sc.parse_context(cd)


def _structure(td: Any, cd: Any) -> Any:
    return parse_slowly(td), sc.Context.from_dict(cd)


def line_rows(policy: sc.Policy, counts: list[int]) -> list[Row]:
    gate = sc.Gate(policy)
    return [Row(f"{k} lines", gate.check, S.place_order(k)) for k in counts]


def control_rows(
    policy: sc.Policy, lines: int, make: Callable[[int], S.Case] = S.place_order
) -> list[Row]:
    """The pack on one ``lines``-line case (``make``: a scenario), growing by one control at a
    time in the gate's order: the first row the gate with none, the last the full pack."""
    case = make(lines)
    ids = sc.Gate(policy).controls_for(type(case[0]))
    out = []
    for k in range(len(ids) + 1):
        gate = sc.Gate(policy, only=ids[:k])
        out.append(Row(f"{k} controls" + (f" (+{ids[k - 1]})" if k else ""), gate.check, case))
    return out


# -- timing ------------------------------------------------------------------------------------


def clock_overhead(samples: int = 20000) -> int:
    clock = time.perf_counter_ns
    got = []
    for _ in range(samples):
        t0 = clock()
        t1 = clock()
        got.append(t1 - t0)
    return int(statistics.median(got))


def run(rows: list[Row], n: int, warmup: int, block: int, overhead: int) -> None:
    """Time ``rows`` interleaved: round after round, ``block`` evaluations of each row."""
    clock = time.perf_counter_ns
    rounds = -(-n // block)
    for r in range(-(-warmup // block) + rounds):
        record = r >= -(-warmup // block)
        for row in rows:
            txn, base = row.case
            call = row.call
            out = row.samples
            fresh = S.fresh if type(base) is sc.Context else _same
            for _ in range(block):
                # As a host does: a new context, one check, the context dropped.
                c = fresh(base)
                t0 = clock()
                call(txn, c)
                t1 = clock()
                if record:
                    out.append(max(0, t1 - t0 - overhead))
    for row in rows:
        del row.samples[n:]


def _same(x: Any) -> Any:
    return x


# -- reporting ---------------------------------------------------------------------------------


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    with contextlib.suppress(OSError):
        for ln in Path("/proc/cpuinfo").read_text().splitlines():
            if ln.startswith("model name"):
                cpu = ln.split(":", 1)[1].strip()
                break
    load = ""
    with contextlib.suppress(OSError):
        load = " — load average " + " ".join(f"{x:.2f}" for x in os.getloadavg())
    return f"{cpu}, {os.cpu_count()} cores, {platform.system()} {platform.release()}{load}"


def versions() -> str:
    out = [f"Python {platform.python_version()}"]
    for pkg in ("attrs", "zen-engine", "cedarpy"):
        try:
            out.append(f"{pkg} {metadata.version(pkg)}")
        except metadata.PackageNotFoundError:
            out.append(f"{pkg} (not installed)")
    try:
        rev = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
            cwd=Path(__file__).resolve().parent.parent,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--", "src"],
            capture_output=True,
            text=True,
            check=True,
            cwd=Path(__file__).resolve().parent.parent,
        ).stdout.strip()
        out.append(f"salesctl {rev}{' + uncommitted changes' if dirty else ''}")
    except (OSError, subprocess.CalledProcessError):
        pass
    return ", ".join(out)


def table(rows: list[Row], markdown: bool, ratio: bool = True) -> str:
    medians = {r.name: r.median() for r in rows}
    lines = []
    width = max(len(r.name) for r in rows)
    if markdown:
        head = "| decision | median µs | p99 µs |" + (" × plain |" if ratio else "")
        lines += [head, "|---|---:|---:|" + ("---:|" if ratio else "")]
    else:
        lines.append(
            f"{'decision':<{width}}  {'median µs':>10}  {'p99 µs':>9}"
            + ("  × plain" if ratio else "")
        )
    for r in rows:
        base = medians.get(r.base or r.name, 0.0)
        x = f"{medians[r.name] / base:.1f}" if base else "-"
        if markdown:
            lines.append(
                f"| {r.name} | {r.median():.2f} | {r.p99():.2f} |" + (f" {x} |" if ratio else "")
            )
        else:
            lines.append(
                f"{r.name:<{width}}  {r.median():>10.2f}  {r.p99():>9.2f}"
                + (f"  {x:>7}" if ratio else "")
            )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=20000, help="timed evaluations per row (20000)")
    ap.add_argument("--warmup", type=int, default=2000, help="untimed evaluations first (2000)")
    ap.add_argument("--block", type=int, default=1000, help="evaluations per row per round (1000)")
    ap.add_argument("--cases", type=int, default=300, help="random cases per decision (300)")
    ap.add_argument("--seed", type=int, default=20260302)
    ap.add_argument("--sweep-n", type=int, default=5000, help="evaluations per growth row (5000)")
    ap.add_argument("--no-sweep", action="store_true", help="skip the growth tables")
    ap.add_argument("--markdown", action="store_true", help="print Markdown tables")
    args = ap.parse_args(argv)

    policy = sc.Policy.default()
    checked, tally = agree(policy, args.seed, args.cases)
    overhead = clock_overhead()
    print(f"salesctl benchmark — {time.strftime('%Y-%m-%d %H:%M %Z')}")
    print(f"machine: {machine()}")
    print(f"software: {versions()}")
    print(
        f"agreement: {checked} cases, every contender the same answer "
        f"({', '.join(f'{k}: {v}' for k, v in sorted(tally.items()))})"
    )
    print(
        f"timing: n={args.n} per row after {args.warmup} warm-up, interleaved blocks of "
        f"{args.block}, fresh context per evaluation, clock overhead {overhead} ns subtracted, "
        f"GC on"
    )
    print()
    rows = main_rows(policy)
    gc.collect()
    run(rows, args.n, args.warmup, args.block, overhead)
    print(table(rows, args.markdown))
    print()
    print("What a host pays before the check (10-line PlaceOrder and its Context):")
    print()
    cons = construction_rows()
    n_cons = max(1, args.n // 10)
    run(cons, n_cons, min(args.warmup, n_cons), min(args.block, n_cons), overhead)
    print(table(cons, args.markdown))
    if args.no_sweep:
        return
    n, warm, blk = args.sweep_n, min(args.warmup, args.sweep_n), min(args.block, args.sweep_n)
    print()
    print(f"Full pack on PlaceOrder by lines per order (n={n} each):")
    print()
    lr = line_rows(policy, [1, 2, 5, 10, 20, 50, 100, 200])
    run(lr, n, warm, blk, overhead)
    print(table(lr, args.markdown, ratio=False))
    print()
    print(f"PlaceOrder, 10 lines, by number of controls (in catalogue order; n={n} each):")
    print()
    cr = control_rows(policy, 10)
    run(cr, n, warm, blk, overhead)
    print(table(cr, args.markdown, ratio=False))
    for what, make in (("PostGoodsIssue", S.post_goods_issue), ("IssueInvoice", S.issue_invoice)):
        print()
        print(f"{what}, 10 lines, by number of controls (in the gate's order; n={n} each):")
        print()
        gr = control_rows(policy, 10, make)
        run(gr, n, warm, blk, overhead)
        print(table(gr, args.markdown, ratio=False))


if __name__ == "__main__":
    main()
