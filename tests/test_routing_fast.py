"""The gate share's cheaper routing (issue 16, session 12): the runs of contract-ledger lines
passed over in one step (``Router.run``) and the router's customer shortcuts give exactly what
routing line by line, and reading every line in full, give — on attackers' lines too."""

from __future__ import annotations

import datetime as dt
import functools
import io
import json
import re
from array import array
from typing import Any

import attrs
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
    full = _read_in_full(data, share, n)
    assert [getattr(in_runs, f) for f in _MERGED] == [getattr(full, f) for f in _MERGED]


def _read_in_full(data: bytes, share: tuple[int, ...], n: int) -> Any:
    """The gate share ``share`` of ``n`` partitions replayed with every line read in full (no
    routing): what its routed replays' merged fields must equal."""
    return replay(
        data.splitlines(keepends=True),
        POLICY,
        source="s",
        partition=(share[0], n),
        buckets=share,
        role="gate",
        routing=False,
    )


@settings(max_examples=20, deadline=None)
@given(
    seed=st.sampled_from([0, 11, 23, 42, 97]),
    share=st.sampled_from([(1, 2, 3), (0, 4), (5,), (1,), (0, 1, 2, 3, 4)]),
    block=st.sampled_from([None, 64, 1 << 16]),
)
def test_a_share_reading_no_customer_from_the_bytes_skips_and_folds_as_one_that_does(
    seed: int, share: tuple[int, ...], block: int | None
) -> None:
    """Session 14: a gate share holding few partitions reads no customer id from a line's
    bytes before its header (``Router`` ``guess``; default: when it holds half the partitions
    or more): its whole report is the one it gives reading them (the same lines skipped, folded
    from their header and read in full), and what a merge takes of it is what it gives reading
    every line in full — a list of lines or a file, in runs."""
    from salesctl.fastreplay import engine

    n = 6
    data = b"".join(ln + b"\n" for ln in _year(seed, 6, 40))

    def lines() -> Any:
        if block is None:
            return data.splitlines(keepends=True)
        return io.BufferedReader(io.BytesIO(data), buffer_size=block)

    got = []
    for guess in (True, False, None):
        with pytest.MonkeyPatch.context() as mp:
            mp.setattr(engine, "GUESS", guess)
            got.append(_gate(lines(), share, n))
    assert got[0] == got[1] == got[2]
    full = _read_in_full(data, share, n)
    assert [getattr(got[1], f) for f in _MERGED] == [getattr(full, f) for f in _MERGED]


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
    the same type and time (``prev``); it passes exactly the lines whose header equals the
    first's, ending at a line cut short."""
    led = ledger_for(POLICY, 0, 2)
    led.today = dt.date(2026, 3, 2)
    router = Router(led)
    at = "2026-03-01T21:45:00+08:00"
    a = ('{"type":"KeepContractLedger","at":"' + at + '","line":{"n":1}}\n').encode()
    called: list[int] = []

    def ahead() -> bytes:
        called.append(1)
        return a * 3 + a[:-10] + b"\n" + a

    other = a.replace(at.encode(), b"2026-03-01T21:46:00+08:00")
    assert router.run(other, a, ahead) == (0, 0) and not called  # the first of a run
    assert router.run(a, a, ahead) == (3 * len(a), 3) and called
    called.clear()
    assert router.run(a, other, ahead) == (0, 0) and not called  # another time: begins anew
    rec = b'{"type":"PlaceOrder","at":"' + at.encode() + b'"}'
    assert router.run(rec, rec, ahead) == (0, 0) and not called  # not a type without a fold


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
    # and as a router that reads no customer from the bytes (a share holding few partitions)
    assert got == Router(led, guess=False).skip(text.encode())


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
    # a router that reads no customer from the bytes leaves every such line to the header
    # fold, which reads the line of the share's customer in full all the same
    blind = Router(led, fold=True, guess=False)
    seen_blind = blind.skip(text.encode())
    got = router.skip(text.encode())
    if answer is None:
        assert got is None
        # (a header that does not read as fold_header reads it: read in full at once)
        assert seen_blind is None or blind.fold_header(text.encode(), day) is None
        return
    assert seen_blind is FOLD
    assert blind.fold_header(text.encode(), day) == router.fold_header(text.encode(), day)
    assert got is FOLD
    folded = router.fold_header(text.encode(), day)
    assert (folded is None) is (answer == "read")



# -- session 13: approval marks folded from the header, delivery proofs of the share's customers

_DAY = dt.date(2026, 3, 2)
_WHEN = "2026-03-02T09:00:00+08:00"
_ACTOR = '"actor":{"id":"u-rep","roles":["sales_rep"],"org_unit":"east-1","authority_level":1}'


def _own_other() -> tuple[str, str]:
    """A customer id of partition 1 of 2 (the share's own) and one of partition 0."""
    ids = [f"C-{i:04d}" for i in range(60)]
    return (
        next(c for c in ids if customer_partition(c, 2) == 1),
        next(c for c in ids if customer_partition(c, 2) == 0),
    )


def _approved_line(kind: str, doc: str, cust: str, order: str | None, extra: str = "") -> bytes:
    """A line of a type of APPROVED_BY_HEADER as the demo writes it (``doc`` its document's
    id, ``cust`` its customer's, ``order`` a production order's order id), ``extra`` added to
    the document's fields."""
    q = json.dumps
    if kind == "SendQuotation":
        body = (
            f'"quotation":{{"id":{q(doc)},"customer_id":{q(cust)},"lines":[{{"line_no":1,'
            '"product":{"id":"P-002","name":"PP resin 1","price_class":"market","unit":"t"},'
            '"unit_price":"556.00 CNY","quantity":"150"}],"created_by":"u-rep",'
            f'"quoted_on":"2026-03-02"{extra}}}'
        )
    elif kind == "ScheduleWorkOrder":
        body = (
            f'"work_order":{{"id":{q(doc)},"customer_id":{q(cust)},"issued_by":"u-clerk",'
            f'"scheduled_on":"2026-03-05","contract_id":null{extra}}}'
        )
    elif kind == "IssueProductionOrder":
        body = (
            f'"production_order":{{"id":{q(doc)},"lines":[{{"line_no":1,"product":{{"id":"P-002",'
            '"name":"PP resin 1","price_class":"market","unit":"t"},"quantity":"150"}],'
            f'"issued_by":"u-clerk","issued_on":"2026-03-02","contract_id":null,'
            f'"order_id":{q(order)}{extra}}}'
        )
    else:
        body = (
            f'"opportunity":{{"id":{q(doc)},"prospect":{q(cust)},"owner":"u-rep",'
            f'"stage":"lead"{extra}}},"to_stage":"qualified"'
        )
    return f'{{"type":"{kind}",{_ACTOR},"at":"{_WHEN}",{body}}}'.encode()


def _approval_share(held: frozenset[int] = frozenset({1})) -> tuple[Any, Router]:
    led = ledger_for(POLICY, min(held), 2, buckets=held, books=False)
    led.today = _DAY
    own, other = _own_other()
    led.index("SO-OWN", own)
    led.index("SO-OTHER", other)
    return led, Router(led, keep=(2, held), fold=True)


_KINDS = ("SendQuotation", "ScheduleWorkOrder", "IssueProductionOrder", "AdvanceStage")


@settings(max_examples=300, deadline=None)
@given(
    kind=st.sampled_from(_KINDS),
    doc=st.sampled_from(["QT-1", " QT-1", "QT-1 ", "", "QT\u200b1", "Q\\u0054-1", "QT\t1"])
    | st.text(max_size=6),
    whose=st.sampled_from(["own", "other", "unknown", "padded own", "escaped own", "text"]),
    order=st.sampled_from(["SO-OWN", "SO-OTHER", "SO-NEW", " SO-OWN", "", None]),
    extra=st.sampled_from(
        [
            "",
            ',"customer_id":"@own"',  # a second key: the full reader's rules decide
            ',"lines":5',  # a value the full reader refuses where the header does not look
            ',"issued_by":" u-clerk "',
            ',"contract_id":"SO-OWN"',
        ]
    ),
    text=st.text(max_size=6),
    held=st.sampled_from([frozenset({1}), frozenset({0})]),
)
def test_an_approval_mark_folded_from_the_header_is_the_full_reads(
    kind: str, doc: str, whose: str, order: str | None, extra: str, text: str, held: frozenset[int]
) -> None:
    """A quotation, work order, production order or stage advanced of a customer the share
    does not decide is folded from its header (:meth:`Router.fold_header`): only when the
    full reader takes the line, the transaction is not the share's (the customer it routes
    on — the document's ``customer_id``, the owner of the production order's order or
    contract, none for a stage — is another share's; a share holding partition 0 decides the
    lines naming none), and the folded ledger's approval marks are those of the full read's
    fold — or when the full reader refuses the line (the books share then rejects it and the
    share is replayed in full: not pinned here). Hostile ids (padded, empty, format
    characters, escaped), a second customer key and refused values where the header does not
    look included."""
    from salesctl.fastreplay import Decoder
    from salesctl.ledger import scope_of

    own, other = _own_other()
    if held == frozenset({0}):
        own, other = other, own
    cust = {
        "own": own,
        "other": other,
        "unknown": "C-NOBODY" if held == frozenset({1}) else own,
        "padded own": f" {own}",
        "escaped own": own.replace("C", "\\u0043"),
        "text": text,
    }[whose]
    b = _approved_line(kind, doc, cust, order, extra.replace("@own", own))
    if "\\u0043" in cust:  # an escape written into the line's bytes
        b = b.replace(json.dumps(cust).encode(), f'"{cust}"'.encode())
    led, router = _approval_share(held)
    full_led, _r = _approval_share(held)
    folded = router.fold_header(b, _DAY)
    event = Decoder().decode(b, 1)
    if event is None or type(event).__name__ == "MalformedEvent":
        return  # refused by the full reader: the books share rejects it (replay_jobs)
    # the full read's routing (salesctl.fastreplay.engine.replay)
    routed = full_led.customer_of(event, scope_of(event))
    decides = (
        customer_partition(full_led.partition_key(routed), 2) in held
        if routed is not None
        else 0 in held
    )
    if folded is None:
        assert dict(led._approved) == {}
        return
    assert folded == (kind, dt.datetime.fromisoformat(_WHEN))
    assert not decides, b
    full_led.apply(event, None)
    assert dict(led._approved) == dict(full_led._approved), b


def test_approval_marks_folded_from_the_header_of_other_shares_only() -> None:
    """The header fold marks another share's quotation, work order, production order (of
    another share's order, or of an order or contract nobody is known to own) and any stage
    advanced approved; the share's own customer's, a production order of its order, and
    (for a share holding partition 0) the lines that name no customer are read in full, as
    are ids the full reader refuses, a later day, a header that does not read."""
    own, other = _own_other()
    when = dt.datetime.fromisoformat(_WHEN)
    for kind in _KINDS:
        led, router = _approval_share()
        b = _approved_line(kind, "D-1", other, "SO-OTHER")
        assert router.fold_header(b, _DAY) == (kind, when), kind
        assert led._approved == {"D-1": _DAY}
        assert router.fold_header(_approved_line(kind, "D-2", other, "SO-NEW"), _DAY) is not None
        assert router.fold_header(b, dt.date(2026, 3, 3)) is None  # a later day
        for bad in ("D-1 ", "", "D\u200b1"):
            assert router.fold_header(_approved_line(kind, bad, other, "SO-OTHER"), _DAY) is None
        assert router.fold_header(b.replace(b'"at":', b'"at":5,"x":'), _DAY) is None
        # partition 0's share decides the lines that name no customer
        _led0, router0 = _approval_share(frozenset({0}))
        got = router0.fold_header(_approved_line(kind, "D-1", own, "SO-NEW"), _DAY)
        assert (got is None) is (kind in ("IssueProductionOrder", "AdvanceStage")), kind
    led, router = _approval_share()
    for kind in ("SendQuotation", "ScheduleWorkOrder"):
        line = _approved_line(kind, "D-3", own, None)
        assert router.fold_header(line, _DAY) is None
        assert router.skip(line) is None  # the customer read from the bytes: read in full
        assert router.skip(_approved_line(kind, "D-3", other, None)) is not None
        assert router.fold_header(_approved_line(kind, "D-3", f"{other} ", None), _DAY) is None
    po = _approved_line("IssueProductionOrder", "PO-1", other, "SO-OWN")
    assert router.fold_header(po, _DAY) is None  # its order is the share's customer's
    by_contract = _approved_line(
        "IssueProductionOrder", "PO-2", other, None, ',"contract_id":"SO-OWN"'
    ).replace(b'"contract_id":null,', b"")
    assert router.fold_header(by_contract, _DAY) is None  # its contract's owner: the share's
    assert "PO-1" not in led._approved and "D-3" not in led._approved
    # without fold, read in full (never FOLD)
    plain = Router(led, keep=(2, frozenset({1})))
    assert plain.skip(_approved_line("AdvanceStage", "OPP-1", other, None)) is None


def _proof(gi: str, cust: str | None, nested: str = "") -> bytes:
    c = "" if cust is None else f',"customer_id":"{cust}"'
    return (
        f'{{"type":"ReceiveDeliveryProof","at":"{_WHEN}","proof":{{"id":"PF-1",'
        f'"goods_issue_id":"{gi}","kind":"customer_signed","received_on":"2026-03-02",'
        f'"signed_by":"r"{nested}}}{c}}}'
    ).encode()


def test_a_delivery_proof_of_the_share_s_customer_is_read_in_full() -> None:
    """A gate share reads in full a delivery proof naming its customer (the books share reads
    it from its header, relying on this share to reject it) even when it holds no order of
    its goods issue; another share's proof, or one naming no customer, is skipped. The
    customer is the header's: a ``customer_id`` nested in the proof first in the bytes
    changes nothing."""
    own, other = _own_other()
    led = ledger_for(POLICY, 1, 2, buckets=frozenset({1}), books=False)
    led.today = dt.date(2026, 3, 1)
    router = Router(led, keep=(2, frozenset({1})), fold=True)
    assert router.skip(_proof("GI-9", own)) is None
    assert router.skip(_proof("GI-9", other)) is not None
    assert router.skip(_proof("GI-9", None)) is not None
    assert router.skip(_proof("GI-9", own, f',"customer_id":"{other}"')) is None
    assert router.skip(_proof("GI-9", other, f',"customer_id":"{own}"')) is None  # a guess
    escaped = _proof("GI-9", own.replace("C", "\\u0043"))
    assert router.skip(escaped) is None



#: Lines a share may read from their header (the gate share's router and header folds, the
#: books share's header reads), for the duplicate-key attack below.
_HEADER_READ = (
    b'{"type":"GrantApproval",',
    b'{"type":"PlaceOrder",',
    b'{"type":"SignContract",',
    b'{"type":"IssueInvoice",',
    b'{"type":"RecordReceipt",',
    b'{"type":"PostGoodsIssue",',
)


def _duplicate_customer(raw: bytes, other: str, after: bool) -> bytes | None:
    """``raw`` with its first customer key written twice in one object, the copy naming
    ``other``: before the original (a reader taking the first value reads ``other``) or after
    it (one taking the last does). ``None`` when the line names no customer."""
    for key, skip in ((b'"customer_id":"', 0), (b'"customer":{"id":"', len(b'"customer":{'))):
        i = raw.find(key)
        if i < 0:
            continue
        start = i + skip  # the pair: "customer_id":"..." or, in the customer, "id":"..."
        end = raw.find(b'"', i + len(key)) + 1
        pair = raw[start:end]
        copy = pair[: pair.index(b':"') + 2] + other.encode() + b'"'
        if after:
            return raw[:end] + b"," + copy + raw[end:]
        return raw[:start] + copy + b"," + raw[start:]
    return None


def _stream_of(lines: list[bytes], tmp_path: Any, name: str) -> tuple[str, str]:
    path = tmp_path / f"{name}.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")
    pol = tmp_path / "policy.toml"
    pol.write_text(DEMO_POLICY, encoding="utf-8")
    return str(path), str(pol)


@pytest.mark.parametrize("after", [False, True], ids=["copy first", "copy last"])
def test_a_customer_key_written_twice_gives_the_one_process_report_whatever_the_jobs(
    after: bool, tmp_path: Any
) -> None:
    """An attacker's line naming two customers under one key (JSON leaves duplicate keys
    to the reader: msgspec's header Structs take the last value, a search of the bytes the
    first): approvals, orders, invoices, receipts and goods issues, then contract signings,
    each with its customer's key written again naming another customer, first or last. The
    full reader rejects every such line; ``--jobs 2`` and ``--jobs 3``, whose shares route,
    fold and read the books from headers and bytes, give the one-process report. The
    signings make a share look up a contract the other share's header fold filed under
    another customer: the runner replays that stream in one process (``crossed``), as it
    must. (Session 15's differential fuzzing of ``--jobs`` against one process, these
    mutations among its byte-level ones, found no difference from them; kept as the
    attack.)"""
    from salesctl.fastreplay import replay_jobs

    year = _year(11, 8, 40)
    planted = replay(year, POLICY).rejected_count  # the demo's own malformed lines
    customers = sorted(
        {m.group(1).decode() for raw in year if raw.startswith(b'{"type":"PlaceOrder",')
         for m in [re.search(rb'"customer":\{"id":"([^"\\]+)"', raw)] if m}
    )  # fmt: skip
    assert len(customers) >= 4
    signing = b'{"type":"SignContract",'
    for openings in ([o for o in _HEADER_READ if o != signing], [signing]):
        lines = list(year)
        hit: dict[bytes, int] = {}
        for n, raw in enumerate(lines):
            opening = next((o for o in openings if raw.startswith(o)), None)
            if opening is None or hit.get(opening, 0) >= 2:
                continue
            mine = next((c for c in customers if c.encode() in raw), None)
            if mine is None:
                continue
            # two lines of each type: the copy names the first other customer, then the last
            other = [c for c in customers if c != mine][-1 if hit.get(opening) else 0]
            changed = _duplicate_customer(raw, other, after)
            if changed is not None:
                lines[n] = changed
                hit[opening] = hit.get(opening, 0) + 1
        assert set(hit) == set(openings)
        path, pol = _stream_of(lines, tmp_path, openings[0][9:-2].decode())
        one = replay_jobs(path, policy_file=pol, jobs=1)
        assert one.rejected_count == planted + sum(hit.values())  # each line rejected
        for jobs in (2, 3) if signing not in openings else (2,):
            got = replay_jobs(path, policy_file=pol, jobs=jobs)
            # the shares' report (their shortcuts ran), or the stream again in one process
            assert got.partitions == (jobs if signing not in openings else 1)
            assert attrs.evolve(got, partitions=1) == one
