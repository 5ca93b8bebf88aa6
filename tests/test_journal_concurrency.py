"""The journal across processes: exactly-once releases, gapless numbers, SIGKILL mid-write.

Each test runs a few real processes against one journal file (a few seconds in all).
"""

from __future__ import annotations

import multiprocessing as mp
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Any

import pytest

import salesctl as sc
from salesctl.journal import Journal

pytestmark = pytest.mark.skipif(
    "fork" not in mp.get_all_start_methods(), reason="needs fork (POSIX)"
)

PROCESSES = 8


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


def test_eight_processes_race_for_one_release(tmp_path: Path) -> None:
    """Of 8 processes consuming one release at once, exactly one succeeds; 7 see its evidence."""
    path = str(tmp_path / "j.sqlite")
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


def test_eight_processes_draw_numbers_without_gap_or_duplicate(tmp_path: Path) -> None:
    """8 processes creating one journal and drawing 25 numbers each get 1..200, each once."""
    path = str(tmp_path / "j.sqlite")
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


def test_sigkill_mid_write_loses_no_committed_decision(tmp_path: Path) -> None:
    """Writers killed with SIGKILL while writing leave every committed record and a valid chain."""
    path = tmp_path / "j.sqlite"
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
