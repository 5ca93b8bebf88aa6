"""The journal across processes: exactly-once releases, gapless numbers, SIGKILL mid-write.

Each test runs real processes against one journal — a SQLite file, or a PostgreSQL schema of
the throw-away cluster of :mod:`tests.journal_backends` — a few seconds in all. On PostgreSQL:
16 processes of 4 connections each race for the same releases and number series, and the
server is restarted (``pg_ctl restart -m immediate``) under writers killed with SIGKILL.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

import salesctl as sc
from salesctl.journal import Journal
from tests.journal_backends import BACKENDS, pg_cluster, target_for

pytestmark = pytest.mark.skipif(
    "fork" not in mp.get_all_start_methods(), reason="needs fork (POSIX)"
)

PROCESSES = 8


@pytest.fixture(params=BACKENDS)
def target(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    return target_for(request.param, tmp_path)


def _consume(path: str, worker: int, barrier: Any, results: Any) -> None:
    try:
        with Journal(path) as j:
            barrier.wait()
            try:
                got = j.consume_release("R-ONCE", f"SO-{worker}", sc.Money("100", "CNY"))
                results.put(("won", worker, got.seq))
            except sc.ReleaseConsumed as e:
                results.put(("refused", worker, e.first.seq))
    except BaseException as e:  # pragma: no cover - reported to the parent
        results.put(("error", worker, repr(e)))
    finally:
        results.put(("done", worker, None))


def _draw(path: str, worker: int, barrier: Any, results: Any, count: int) -> None:
    try:
        barrier.wait()
        # Every process opens (and so creates) the journal at the same moment.
        with Journal(path) as j:
            for _ in range(count):
                results.put(("number", worker, j.next_number("SO-2026", document_id=f"D-{worker}")))
    except BaseException as e:  # pragma: no cover - reported to the parent
        results.put(("error", worker, repr(e)))
    finally:
        results.put(("done", worker, None))


def _run(target: Any, *args: Any) -> list[tuple[str, int, Any]]:
    ctx = mp.get_context("fork")
    barrier = ctx.Barrier(PROCESSES)
    results = ctx.Queue()
    procs = [
        ctx.Process(target=target, args=(args[0], i, barrier, results, *args[1:]))
        for i in range(PROCESSES)
    ]
    for p in procs:
        p.start()
    out: list[tuple[str, int, Any]] = []
    done = 0
    while done < PROCESSES:
        item = results.get(timeout=60)
        if item[0] == "done":
            done += 1
        else:
            out.append(item)
    for p in procs:
        p.join(timeout=60)
        assert p.exitcode == 0
    return out


def test_eight_processes_race_for_one_release(target: str) -> None:
    """Of 8 processes consuming one release at once, exactly one succeeds; 7 see its evidence."""
    path = target
    Journal(path).close()
    results = _run(_consume, path)
    assert not [r for r in results if r[0] == "error"], results
    won = [r for r in results if r[0] == "won"]
    refused = [r for r in results if r[0] == "refused"]
    assert len(won) == 1 and len(refused) == PROCESSES - 1
    assert {r[2] for r in refused} == {won[0][2]}
    with Journal(path) as j:
        first = j.consumption("R-ONCE")
        assert first is not None and first.order_id == f"SO-{won[0][1]}"
        assert [e.kind for e in j.entries()] == ["consumption"]
        assert j.verify().ok


def test_eight_processes_draw_numbers_without_gap_or_duplicate(target: str) -> None:
    """8 processes creating one journal and drawing 25 numbers each get 1..200, each once."""
    path = target
    results = _run(_draw, path, 25)
    assert not [r for r in results if r[0] == "error"], results
    numbers = sorted(r[2] for r in results)
    assert numbers == list(range(1, PROCESSES * 25 + 1))
    with Journal(path) as j:
        (report,) = j.number_report()
        assert report.ok and report.count == PROCESSES * 25
        assert j.verify().ok
        # Each number's record names the process that drew it.
        mine = {(r[2], f"D-{r[1]}") for r in results}
        chained = {(e.record["number"], e.record["document_id"]) for e in j.entries(kind="number")}
        assert chained == mine


_WRITER = textwrap.dedent(
    """
    import sys
    import salesctl as sc
    from tests import builders as b
    from salesctl.journal import Journal

    gate = sc.Gate(sc.Policy.default(), only=("O2C-CR-04", "O2C-SO-02"))
    with Journal(sys.argv[1]) as j:
        i = 0
        while True:
            i += 1
            o = b.order(id=f"SO-{sys.argv[2]}-{i}", seq=i)
            txn = b.place(o)
            entry = j.record(gate.check(txn, b.context()), txn=txn)
            print(entry.seq, entry.hash, flush=True)
            j.next_number(sys.argv[2])
    """
)


def test_sigkill_mid_write_loses_no_committed_decision(target: str) -> None:
    """Writers killed with SIGKILL while writing leave every committed record and a valid chain."""
    path = target
    Journal(path).close()
    root = Path(__file__).resolve().parent.parent
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(root), os.environ.get("PYTHONPATH", "")]),
    }
    writers = [
        subprocess.Popen(
            [sys.executable, "-c", _WRITER, str(path), f"W{n}"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=root,
            env=env,
        )
        for n in range(2)
    ]
    committed: dict[int, str] = {}
    deadline = time.monotonic() + 30
    try:
        # Wait until each writer has committed a good number of decisions, then kill both
        # in the middle of whatever they are writing.
        for w in writers:
            assert w.stdout is not None
            for _ in range(40):
                line = w.stdout.readline()
                assert line, w.stderr.read() if w.stderr else "writer died"
                seq, h = line.split()
                committed[int(seq)] = h
                assert time.monotonic() < deadline
    finally:
        for w in writers:
            w.send_signal(signal.SIGKILL)
        for w in writers:
            w.wait(timeout=10)
    for w in writers:
        assert w.returncode == -signal.SIGKILL
        assert w.stdout is not None
        for line in w.stdout:  # lines printed after our last read: also committed
            seq, h = line.split()
            committed[int(seq)] = h
    assert len(committed) >= 80
    with Journal(path) as j:
        v = j.verify()
        assert v.ok, v.reason
        stored = {e.seq: e.hash for e in j.entries()}
        for seq, h in committed.items():
            assert stored.get(seq) == h
        assert v.head_seq >= max(committed)
        # The journal keeps working after the crash.
        j.next_number("after")
        assert j.verify().ok


# -- PostgreSQL: many machines' worth of connections, a server crash ---------------------------

#: 16 processes of 4 connections each (one Journal, so one connection, per thread).
PG_PROCESSES, PG_CONNECTIONS, PG_RELEASES = 16, 4, 8


def _race_pg(url: str, worker: int, barrier: Any, results: Any) -> None:
    def connection(k: int) -> None:
        me = f"{worker}.{k}"
        try:
            with Journal(url) as j:
                barrier.wait()
                for i in range(PG_RELEASES):
                    rid = f"R-{(i + worker + k) % PG_RELEASES}"  # each starts elsewhere
                    try:
                        got = j.consume_release(rid, f"SO-{me}", sc.Money("100", "CNY"))
                        results.put(("won", rid, me, got.seq))
                    except sc.ReleaseConsumed as e:
                        results.put(("refused", rid, me, (e.first.seq, e.first.order_id)))
                    n = j.next_number("INV-2026", document_id=f"D-{me}-{i}")
                    results.put(("number", n, me, f"D-{me}-{i}"))
        except BaseException as e:  # pragma: no cover - reported to the parent
            results.put(("error", repr(e), me, None))

    threads = [threading.Thread(target=connection, args=(k,)) for k in range(PG_CONNECTIONS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    results.put(("done", worker, None, None))


def test_sixteen_processes_of_four_connections_race_on_postgresql() -> None:
    """64 connections consume the same 8 releases and draw from one series: each release is
    used exactly once and every refusal names that use; the numbers are 1..512, each once."""
    url = pg_cluster().schema_url()
    Journal(url).close()
    ctx = mp.get_context("fork")
    barrier = ctx.Barrier(PG_PROCESSES * PG_CONNECTIONS)
    results = ctx.Queue()
    procs = [
        ctx.Process(target=_race_pg, args=(url, i, barrier, results)) for i in range(PG_PROCESSES)
    ]
    for p in procs:
        p.start()
    out: list[tuple[str, Any, str, Any]] = []
    done = 0
    while done < PG_PROCESSES:
        item = results.get(timeout=120)
        if item[0] == "done":
            done += 1
        else:
            out.append(item)
    for p in procs:
        p.join(timeout=60)
        assert p.exitcode == 0
    assert not [r for r in out if r[0] == "error"], [r for r in out if r[0] == "error"][:3]
    attempts = PG_PROCESSES * PG_CONNECTIONS * PG_RELEASES
    won = {r[1]: (r[3], f"SO-{r[2]}") for r in out if r[0] == "won"}
    assert Counter(r[1] for r in out if r[0] == "won") == {f"R-{i}": 1 for i in range(PG_RELEASES)}
    refused = [r for r in out if r[0] == "refused"]
    assert len(refused) == attempts - PG_RELEASES
    assert all(r[3] == won[r[1]] for r in refused)  # the refusal names the first use
    numbers = sorted(r[1] for r in out if r[0] == "number")
    assert numbers == list(range(1, attempts + 1))
    with Journal(url, read_only=True) as j:
        v = j.verify()
        assert v.ok, v.reason
        assert v.records == attempts + PG_RELEASES
        (report,) = j.number_report()
        assert report.ok and report.count == attempts
        chained = {(e.record["number"], e.record["document_id"]) for e in j.entries(kind="number")}
        assert chained == {(r[1], r[3]) for r in out if r[0] == "number"}
        for rid, (seq, order) in won.items():
            first = j.consumption(rid)
            assert first is not None and (first.seq, first.order_id) == (seq, order)


_PG_WRITER = textwrap.dedent(
    """
    import sys
    import salesctl as sc
    from tests import builders as b
    from salesctl.journal import Journal

    gate = sc.Gate(sc.Policy.default(), only=("O2C-CR-04", "O2C-SO-02"))
    with Journal(sys.argv[1], timeout=60) as j:
        i = 0
        while True:
            i += 1
            try:
                o = b.order(id=f"SO-{sys.argv[2]}-{i}", seq=i)
                txn = b.place(o)
                entry = j.record(gate.check(txn, b.context()), txn=txn)
                print("D", entry.seq, entry.hash, flush=True)
                print("N", j.next_number(sys.argv[2]), flush=True)
            except sc.JournalError as e:  # the commit's outcome unknown: go on
                print("E", str(e).replace(chr(10), " "), flush=True)
    """
)


def test_sigkill_and_server_crash_on_postgresql() -> None:
    """Writers killed with SIGKILL, and the server restarted without a checkpoint
    (``pg_ctl restart -m immediate``) in the middle of writes: every committed decision and
    number is there, the chain verifies, no series has a gap; the writers went on."""
    cluster = pg_cluster()
    url = cluster.schema_url()
    Journal(url).close()
    root = Path(__file__).resolve().parent.parent
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(root), os.environ.get("PYTHONPATH", "")]),
    }
    writers = [
        subprocess.Popen(
            [sys.executable, "-c", _PG_WRITER, url, f"W{n}"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=root,
            env=env,
        )
        for n in range(4)
    ]
    decisions: dict[int, str] = {}
    numbers: dict[str, set[int]] = {f"W{n}": set() for n in range(4)}
    unknown = 0

    def take(n: int, count: int) -> None:
        nonlocal unknown
        w = writers[n]
        assert w.stdout is not None
        for _ in range(count):
            line = w.stdout.readline()
            assert line, w.stderr.read() if w.stderr else "writer died"
            tag, *rest = line.split()
            if tag == "D":
                decisions[int(rest[0])] = rest[1]
            elif tag == "N":
                numbers[f"W{n}"].add(int(rest[0]))
            else:
                unknown += 1

    try:
        for n in range(4):
            take(n, 20)
        writers[0].send_signal(signal.SIGKILL)  # killed in the middle of a write
        take(1, 6)
        cluster.restart()  # the server crashes under the three others
        for n in (1, 2, 3):
            take(n, 16)  # ... and they go on writing after it is back
    finally:
        for w in writers:
            w.send_signal(signal.SIGKILL)
        for w in writers:
            w.wait(timeout=10)
    for n, w in enumerate(writers):
        assert w.stdout is not None
        for line in w.stdout:
            tag, *rest = line.split()
            if tag == "D":
                decisions[int(rest[0])] = rest[1]
            elif tag == "N":
                numbers[f"W{n}"].add(int(rest[0]))
    assert len(decisions) >= 40
    with Journal(url) as j:
        v = j.verify()
        assert v.ok, v.reason
        stored = {e.seq: e.hash for e in j.entries()}
        assert all(stored.get(seq) == h for seq, h in decisions.items())
        reports = {r.series: r for r in j.number_report()}
        for series, drawn in numbers.items():
            assert reports[series].ok, reports[series]
            assert drawn <= set(range(1, reports[series].last + 1))
        j.next_number("after")
        assert j.verify().ok
