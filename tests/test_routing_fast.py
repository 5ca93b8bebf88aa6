"""The gate share's cheaper routing (issue 16, session 12): the runs of contract-ledger lines
passed over in one step (``Router.run``) and the router's customer shortcuts give exactly what
routing line by line, and reading every line in full, give — on attackers' lines too."""

from __future__ import annotations

import datetime as dt
import functools
import io
import json
from array import array
from typing import Any

import pytest
from hypothesis import given, reject, settings
from hypothesis import strategies as st

from salesctl.audit import AuditReport
from salesctl.audit.engine import ledger_for
from salesctl.demo import DEMO_POLICY, DemoError, generate
from salesctl.fastreplay import replay
from salesctl.fastreplay.route import Router
from salesctl.ledger import customer_partition
from salesctl.policy import loads_policy

POLICY = loads_policy(DEMO_POLICY)

_LEDGER = b'{"type":"KeepContractLedger","at":"'

#: What a merge takes from a share without books (the population is the books share's).
_MERGED = ("tallies", "exceptions", "periods", "source_sha256", "lines", "lateness")


@functools.lru_cache(maxsize=8)
def _generated(seed: int, customers: int, orders: int) -> tuple[bytes, ...] | None:
    try:
        demo = generate(seed=seed, customers=customers, orders=orders)
    except DemoError:
        return None
    return tuple(ln.encode("utf-8") if isinstance(ln, str) else ln for ln in demo.lines())


def _year(seed: int, customers: int, orders: int) -> list[bytes]:
    year = _generated(seed, customers, orders)
    if year is None:
        reject()
    return list(year)


def _runs(lines: list[bytes]) -> list[tuple[int, int]]:
    """``(first, end)`` of each run of two or more contract-ledger lines with one ``at``."""
    out: list[tuple[int, int]] = []
    i = 0
    while i < len(lines):
        b = lines[i]
        j = i + 1
        if b.startswith(_LEDGER):
            head = b[: b.find(b'"', len(_LEDGER)) + 1]
            while j < len(lines) and lines[j].startswith(head):
                j += 1
            if j - i >= 2:
                out.append((i, j))
        i = j
    return out


def _later(b: bytes, days: int) -> str:
    at = json.loads(b)["at"]
    return (dt.datetime.fromisoformat(at) + dt.timedelta(days=days)).isoformat()


def _hostile(b: bytes, how: str, days: int, own: str) -> bytes:
    """An attacker's variant of a contract-ledger line ``b`` of a run."""
    body = b.rstrip(b"\n")
    at = json.loads(body)["at"]
    later = _later(body, days).encode()
    if how == "later at key":  # a second top-level "at", later: the header reads that one
        return body[:-1] + b',"at":"' + later + b'"}'
    if how == "second type":
        return body[:-1] + b',"type":"PlaceOrder"}'
    if how == "type opening alike":
        return body.replace(b'"KeepContractLedger"', b'"KeepContractLedgerX"', 1)
    if how == "nested at":  # an "at" that is not the top-level one
        return body.replace(b'"line":{', b'"line":{"at":"' + later + b'",', 1)
    if how == "escaped at":  # the same time, written with an escape
        return body.replace(at.encode(), at[:-1].encode() + b"\\u00" + b"%x" % ord(at[-1]), 1)
    if how == "escaped quote":
        return body.replace(b'","line"', b'\\",","line"', 1)
    if how == "cut short":
        return body[: len(body) // 2]
    if how == "later":  # a valid line dated later: moves the date in one process
        return body.replace(at.encode(), later, 1)
    if how == "own approval":  # a line the share decides, on the run's time
        return (
            b'{"type":"GrantApproval","at":"' + at.encode() + b'","approval":{"id":"A-X",'
            b'"document_id":"SO-X","role":"sales_manager","approver":{"id":"u","roles":'
            b'["sales_manager"]},"granted_at":"' + at.encode() + b'"},"customer_id":"'
            + own.encode()
            + b'"}'
        )
    raise AssertionError(how)


_HOW = [
    "later at key",
    "second type",
    "type opening alike",
    "nested at",
    "escaped at",
    "escaped quote",
    "cut short",
    "later",
    "own approval",
]


def _gate(lines: Any, share: tuple[int, ...], n: int, **kw: Any) -> AuditReport:
    return replay(
        lines,
        POLICY,
        source="s",
        partition=(share[0], n),
        buckets=share,
        role="gate",
        folded_from_header=array("q"),
        **kw,
    )


@settings(max_examples=25, deadline=None)
@given(
    seed=st.sampled_from([0, 11, 23, 42, 97]),
    picks=st.lists(
        st.tuples(st.integers(0, 10**6), st.integers(0, 10**6), st.sampled_from(_HOW)),
        max_size=4,
    ),
    days=st.integers(1, 40),
    block=st.integers(64, 1 << 15),
    share=st.sampled_from([(1, 2, 3), (0, 4), (5,)]),
)
def test_a_run_passed_in_one_step_is_its_lines_skipped_one_by_one(
    seed: int, picks: list[tuple[int, int, str]], days: int, block: int, share: tuple[int, ...]
) -> None:
    """A gate share reading a file (its buffer of any size) passes over runs of
    contract-ledger lines in one step: its whole report is the one it gives routing the same
    lines one by one (a list: no runs), and what a merge takes of it is what it gives reading
    every line in full — with attackers' lines planted in the runs (a second, later ``at``
    key; a second ``type``; a type that only opens like the run's; an ``at`` nested in the
    body; the time written with an escape; an escaped quote; a line cut short; a valid line
    dated later; the share's own customer's approval on the run's time)."""
    n = 6
    lines = _year(seed, 6, 40)
    runs = _runs(lines)
    assert runs
    own = next(f"C-{k:04d}" for k in range(10_000) if customer_partition(f"C-{k:04d}", n) == 0)
    own = next(
        (f"C-{k:04d}" for k in range(10_000) if customer_partition(f"C-{k:04d}", n) in share),
        own,
    )
    planted: dict[int, str] = {}
    for r, at, how in picks:
        first, end = runs[r % len(runs)]
        planted[first + at % (end - first)] = how
    for i, how in planted.items():
        lines[i] = _hostile(lines[i], how, days, own) + b"\n"
    data = b"".join(ln if ln.endswith(b"\n") else ln + b"\n" for ln in lines)
    by_line = _gate(data.splitlines(keepends=True), share, n)
    in_runs = _gate(io.BufferedReader(io.BytesIO(data), buffer_size=block), share, n)
    assert in_runs == by_line
    full = replay(
        data.splitlines(keepends=True),
        POLICY,
        source="s",
        partition=(share[0], n),
        buckets=share,
        role="gate",
        routing=False,
    )
    assert [getattr(in_runs, f) for f in _MERGED] == [getattr(full, f) for f in _MERGED]


def test_a_gate_share_reading_a_file_passes_the_runs_without_asking_line_by_line(
    tmp_path: Any,
) -> None:
    """Most of a generated year's contract-ledger lines never reach the router one by one
    when the share reads a file; the report is the line-by-line one."""
    from salesctl.fastreplay import engine

    lines = _year(11, 6, 40)
    path = tmp_path / "y.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")
    ledger_lines = sum(1 for b in lines if b.startswith(_LEDGER))
    asked: list[bytes] = []
    real = Router.skip

    def counting(self: Router, b: bytes) -> Any:
        asked.append(b)
        return real(self, b)

    kw: dict[str, Any] = {"partition": (1, 6), "buckets": (1, 2, 3), "role": "gate"}
    got = []
    for runs in (True, False):
        with pytest.MonkeyPatch.context() as mp:
            mp.setattr(Router, "skip", counting)
            mp.setattr(engine, "RUNS", runs)
            got.append(engine.replay_file(str(path), POLICY, folded_from_header=array("q"), **kw))
        asked_ledger = sum(1 for b in asked if b.startswith(_LEDGER))
        if runs:
            assert asked_ledger < ledger_lines // 3
        else:
            assert asked_ledger == ledger_lines
        asked.clear()
    assert got[0] == got[1]


def test_run_asks_for_the_bytes_ahead_only_once_a_run_has_begun() -> None:
    """``Router.run`` looks at the stream's next bytes only for a line that follows a line of
    the same type and time it was asked about; it passes exactly the lines whose header
    equals the first's, ending at a line cut short."""
    led = ledger_for(POLICY, 0, 2)
    led.today = dt.date(2026, 3, 2)
    router = Router(led)
    at = "2026-03-01T21:45:00+08:00"
    a = ('{"type":"KeepContractLedger","at":"' + at + '","line":{"n":1}}\n').encode()
    called: list[int] = []

    def ahead() -> bytes:
        called.append(1)
        return a * 3 + a[:-10] + b"\n" + a

    assert router.run(a, 7, ahead) == 0 and not called  # the first of a run
    assert router.run(a, 9, ahead) == 0 and not called  # not the next line
    assert router.run(a, 10, ahead) == 3 * len(a) and called
    assert router._run_line == 13
    other = a.replace(at.encode(), b"2026-03-01T21:46:00+08:00")
    called.clear()
    assert router.run(other, 14, ahead) == 0 and not called  # another time: begins anew
    rec = b'{"type":"PlaceOrder","at":"' + at.encode() + b'"}'
    assert router.run(rec, 15, ahead) == 0 and not called  # not a type without a fold


# -- the customer shortcuts of Router.skip -----------------------------------------------------


def _two(n: int = 2) -> tuple[str, str]:
    ids = [f"C{i:04d}" for i in range(200)]
    return (
        next(c for c in ids if customer_partition(c, n) == 0),
        next(c for c in ids if customer_partition(c, n) != 0),
    )


_AT = '"at":"2026-03-02T09:00:00+08:00"'


def _escaped(cust: str, raw_in: int, n: int = 2) -> str:
    """``cust`` written with an escape whose raw text falls in partition ``raw_in``."""
    for k in range(len(cust)):
        raw = cust[:k] + "\\u00" + f"{ord(cust[k]):02x}" + cust[k + 1 :]
        if customer_partition(raw, n) == raw_in:
            return raw
    raise AssertionError(cust)


@pytest.mark.parametrize(
    ("line", "skipped"),
    [
        ('{"type":"GrantApproval",@AT,"customer_id":"{theirs}"}', True),
        # the first customer_id in the bytes is nested; the top-level one is mine
        (
            '{"type":"GrantApproval",@AT,"approval":{"customer_id":"{theirs}"},'
            '"customer_id":"{mine}"}',
            False,
        ),
        # a second top-level customer_id (the header reads the last): mine
        ('{"type":"GrantApproval",@AT,"customer_id":"{theirs}","customer_id":"{mine}"}', False),
        # mine, written with an escape whose raw text is another partition's
        ('{"type":"GrantApproval",@AT,"customer_id":"{mine_escaped}"}', False),
        ('{"type":"GrantApproval",@AT,"customer_id":"{theirs_escaped}"}', True),
        (
            '{"type":"IssueInvoice",@AT,"invoice":{"customer_id":"{theirs}","order_id":"SO-1"}}',
            False,
        ),
        (
            '{"type":"IssueInvoice",@AT,"invoice":{"order_id":"SO-2","customer_id":"{theirs}"}}',
            True,
        ),
        # an order's customer: the id read from the bytes is another field's
        (
            '{"type":"VoidOrder",@AT,"customer_id":"{theirs}","order":{"id":"SO-2",'
            '"customer":{"id":"{mine}"}}}',
            False,
        ),
        (
            '{"type":"VoidOrder",@AT,"customer_id":"{theirs}","order":{"id":"SO-2",'
            '"customer":{"id":"{theirs}"}}}',
            True,
        ),
        (
            '{"type":"VoidOrder",@AT,"order":{"id":"SO-2","customer":{"id":"{theirs}"},'
            '"contract_id":"CT-1"}}',
            False,  # the contract is mine
        ),
        ('{"type":"CloseOrder",@AT,"order_id":"SO-2","customer_id":"{theirs}"}', True),
        ('{"type":"CloseOrder",@AT,"customer_id":"{theirs}","order_id":"SO-1"}', False),
        (
            '{"type":"RecordReceipt",@AT,"receipt":{"customer_id":"{theirs}",'
            '"contract_id":"CT-1"}}',
            False,
        ),
        ('{"type":"RecordReceipt",@AT,"receipt":{"customer_id":"{theirs}"}}', True),
    ],
)
def test_the_customer_read_from_the_bytes_is_trusted_only_as_the_header_s(
    line: str, skipped: bool
) -> None:
    """The router reads a line's first ``customer_id`` from its bytes: when it is the share's,
    the line is read in full; when it is not, every customer the header names is still asked
    about unless it is that very text (a nested id, a second key, an escape: read in full)."""
    mine, theirs = _two()
    led = ledger_for(POLICY, 0, 2)
    led.today = dt.date(2026, 3, 1)
    led.index("SO-1", mine)
    led.index("SO-2", theirs)
    led.index("CT-1", mine)
    text = (
        line.replace("@AT", _AT)
        .replace("{mine_escaped}", _escaped(mine, 1))
        .replace("{theirs_escaped}", _escaped(theirs, 1))
        .replace("{mine}", mine)
        .replace("{theirs}", theirs)
    )
    got = Router(led).skip(text.encode())
    assert (got is not None) is skipped, text
    # the same answer as reading the header with no shortcut from the bytes
    slow = Router(led)
    slow._kinds = {}
    assert got == slow.skip(text.encode())


def test_a_customer_asked_before_a_group_names_it_is_asked_again() -> None:
    """The router remembers whose a customer of no group is; once a group names the customer
    (a group of this share's), its lines are read in full."""
    _mine, theirs = _two()
    led = ledger_for(POLICY, 0, 2)
    led.today = dt.date(2026, 3, 1)
    group = next(f"G{i}" for i in range(100) if customer_partition(f"G{i}", 2) == 0)
    router = Router(led)
    grant = ('{"type":"GrantApproval",' + _AT + ',"customer_id":"' + theirs + '"}').encode()
    assert router.skip(grant) is not None
    assert router.skip(grant) is not None
    led.note_customer(type("C", (), {"id": theirs, "group_id": group})())
    assert router.skip(grant) is None


@pytest.mark.parametrize(
    ("line", "answer"),
    [
        ('{"type":"PlaceOrder",@AT,"order":{"id":"SO-7","customer":{"id":"{mine}"}}}', None),
        (
            '{"type":"PlaceOrder",@AT,"order":{"id":"SO-7","series":"SO","seq":7,'
            '"customer":{"id":"{theirs}"}}}',
            "fold",
        ),
        (
            '{"type":"PostGoodsIssue",@AT,"goods_issue":{"customer_id":"{theirs}"},'
            '"order":{"id":"SO-7","customer":{"id":"{mine}"}}}',
            None,
        ),
        ('{"type":"SignContract",@AT,"contract":{"id":"CT-7","customer_id":"{mine}"}}', None),
        (
            '{"type":"SignContract",@AT,"contract":{"id":"CT-7","customer_id":"{theirs}"}}',
            "fold",
        ),
        # the first id in the bytes is another field's: folded from the header, which finds
        # the contract's customer to be this share's and folds nothing (read in full)
        (
            '{"type":"SignContract",@AT,"x":{"customer_id":"{theirs}"},'
            '"contract":{"id":"CT-7","customer_id":"{mine}"}}',
            "read",
        ),
        (
            '{"type":"IssueDeliveryNotice",@AT,"x":{"customer":{"id":"{theirs}"}},'
            '"order":{"id":"SO-7","series":"SO","seq":7,"customer":{"id":"{mine}"}}}',
            "read",
        ),
    ],
)
def test_a_line_to_fold_of_the_share_s_customer_is_read_in_full_without_its_header(
    line: str, answer: str | None
) -> None:
    """An order, a notice, a goods issue or a signing whose first customer id in the bytes (the
    order's customer, the contract's ``customer_id``) is the share's is read in full without
    decoding its header; another's is left to the header fold, which reads the header's own
    customer (``read``: folds nothing, read in full)."""
    from salesctl.fastreplay.route import FOLD

    mine, theirs = _two()
    day = dt.date(2026, 3, 2)
    led = ledger_for(POLICY, 0, 2)
    led.today = day
    router = Router(led, fold=True)
    text = line.replace("@AT", _AT).replace("{mine}", mine).replace("{theirs}", theirs)
    got = router.skip(text.encode())
    if answer is None:
        assert got is None
        return
    assert got is FOLD
    folded = router.fold_header(text.encode(), day)
    assert (folded is None) is (answer == "read")

