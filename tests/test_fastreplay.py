"""The throughput replay (salesctl.fastreplay): the same events, errors and report as the
generic reader and the old engine, whichever way it runs."""

from __future__ import annotations

import copy
import datetime as dt
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import attrs
import msgspec
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from salesctl._convert import fields_of
from salesctl.audit import AuditReport, merge_reports
from salesctl.audit import replay as old_replay
from salesctl.audit.engine import ledger_for
from salesctl.demo import DEMO_POLICY, Demo, generate
from salesctl.demo.warm import WarmApprovals, WarmContracts
from salesctl.errors import InvalidInput
from salesctl.events import MalformedEvent, event_types, read_events
from salesctl.fastreplay import Decoder, replay, replay_jobs, structs
from salesctl.fastreplay.decode import _compiled
from salesctl.fastreplay.trusted import skipped_validators
from salesctl.ledger import Ledger
from salesctl.policy import loads_policy

POLICY = loads_policy(DEMO_POLICY)


@pytest.fixture(scope="module")
def year() -> Demo:
    return generate(seed=7, customers=20, orders=250)


@pytest.fixture(scope="module")
def lines(year: Demo) -> list[bytes]:
    return [ln.encode("utf-8") if isinstance(ln, str) else ln for ln in year.lines()]


def _same(a: object, b: object) -> bool:
    if isinstance(a, MalformedEvent) or isinstance(b, MalformedEvent):
        return (
            isinstance(a, MalformedEvent)
            and isinstance(b, MalformedEvent)
            and (a.line, a.path, a.reason, a.value) == (b.line, b.path, b.reason, b.value)
        )
    return a == b


def _generic(raw: bytes | str, line: int = 1) -> object:
    return next((item for _n, item in read_events((raw,), first_line=line)), None)


class TestStructs:
    def test_every_struct_has_the_fields_of_its_event_type(self) -> None:
        """Generated from the classes: same names, same required fields, the type as tag."""
        types_ = event_types()
        generated = structs()
        assert generated, "no event type decoded by Structs"
        for name, st_ in generated.items():
            spec = fields_of(types_[name])
            assert set(st_.__struct_fields__) == {n for n, _, _ in spec}, name
            required = {n for n, _, r in spec if r}
            defaults = st_.__struct_defaults__
            optional = set(st_.__struct_fields__[len(st_.__struct_fields__) - len(defaults) :])
            assert set(st_.__struct_fields__) - optional == required, name
            assert st_.__struct_config__.tag == name
            assert st_.__struct_config__.forbid_unknown_fields

    def test_most_event_types_take_the_typed_path(self) -> None:
        """The Structs cover the event types of a real stream (others fall back, correctly)."""
        assert len(structs()) >= len(event_types()) * 3 // 4


class TestDecoder:
    def test_every_line_of_a_year_decodes_as_the_generic_reader_reads_it(
        self, lines: list[bytes]
    ) -> None:
        d = Decoder()
        for n, raw in enumerate(lines, start=1):
            assert _same(d.decode(raw, n), _generic(raw, n)), n
        assert d.fallbacks <= len(lines) // 50  # the planted malformed lines, blank lines

    def test_a_duplicate_key_is_refused_with_its_path(self, lines: list[bytes]) -> None:
        raw = lines[0].rstrip(b"\n")
        dup = raw[:-1] + b', "at": "2026-01-01T00:00:00+08:00"}'
        got = Decoder().decode(dup, 3)
        assert isinstance(got, MalformedEvent)
        assert got.line == 3 and "duplicate" in got.reason
        assert _same(got, _generic(dup, 3))

    def test_a_float_is_refused_with_its_path(self) -> None:
        raw = (
            b'{"type": "SetExchangeRate", "at": "2026-01-01T00:00:00+08:00", '
            b'"pair": "USD/CNY", "rate": 7.1}'
        )
        got = Decoder().decode(raw, 9)
        assert isinstance(got, MalformedEvent) and got.path == "rate" and got.line == 9

    @settings(max_examples=150, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(data=st.data())
    def test_mutated_lines_give_the_generic_readers_event_or_error(
        self, lines: list[bytes], data: st.DataObject
    ) -> None:
        """A hostile line: the same event or the same error (line, path, reason) either way."""
        raw = data.draw(st.sampled_from(lines[:400]))
        kind = data.draw(st.integers(0, 4))
        if kind == 0:  # a byte changed
            i = data.draw(st.integers(0, len(raw) - 1))
            raw = raw[:i] + bytes([data.draw(st.integers(0, 255))]) + raw[i + 1 :]
        elif kind == 1:  # cut short
            raw = raw[: data.draw(st.integers(0, len(raw)))]
        elif kind == 2:  # a key given twice, or an unknown one
            key = data.draw(st.sampled_from([b"at", b"type", b"id", b"zz", b"actor"]))
            raw = raw.rstrip(b"\n")[:-1] + b', "' + key + b'": "x"}'
        elif kind == 3:  # a number, a float, null or a surrogate somewhere
            i = raw.find(b'": "')
            if i >= 0:
                j = raw.find(b'"', i + 4)
                val = data.draw(st.sampled_from([b"1", b"1.5", b"null", b'"\\ud800"', b"true"]))
                raw = raw[: i + 3] + val + raw[j + 1 :]
        else:  # whitespace around the colons
            raw = raw.replace(b'":', b'" :', data.draw(st.integers(1, 3)))
        assert _same(Decoder().decode(raw, 5), _generic(raw, 5))


def _built(raw: bytes, trusted: bool) -> tuple[Any, ...] | None:
    """The document the trusted (or the validated) path builds from the line's Struct, or its
    error; ``None`` when msgspec itself refuses the line."""
    union, by_tag, _slow = _compiled(trusted)
    try:
        s = msgspec.json.decode(raw, type=union)
    except (msgspec.MsgspecError, ValueError):
        return None
    _cls, conv = by_tag[type(s).__struct_config__.tag]
    count = [1]
    try:
        return ("ok", conv(s, count), count[0])
    except Exception as e:  # the same error, whatever it is
        return ("error", type(e), str(e))


_HOSTILE: tuple[Any, ...] = (
    "", " ", "x", "-1", "0", "1", "-0.01", "1.001", "1e400", "NaN", "2026-13-01", "2026-02-30",
    "2026-01-01", "2027-01-01", "2026-01-01T00:00:00", "2026-01-01T00:00:00+08:00",
    "1.00 CNY", "-1.00 CNY", "1.005 CNY", "1.00 XXX", "1.00  CNY", "u rep", " u-rep", "u\u200bx",
    0, -1, 1, 10**30, None, [], ["", "x"], {}, True,
)  # fmt: skip


def _leaves(doc: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    if isinstance(doc, dict):
        return [p for k, v in doc.items() if k != "type" for p in _leaves(v, (*path, k))]
    if isinstance(doc, list):
        return [path] + [p for i, v in enumerate(doc) for p in _leaves(v, (*path, i))]
    return [path]


def _put(doc: Any, path: tuple[Any, ...], value: Any) -> None:
    for k in path[:-1]:
        doc = doc[k]
    doc[path[-1]] = value


class TestTrustedPath:
    """Values msgspec type-checked are built without re-running those type checks: the same
    document or the same error as the class's own constructor."""

    def test_every_line_of_a_year_builds_the_same_document(self, lines: list[bytes]) -> None:
        built = 0
        for raw in lines:
            trusted, checked = _built(raw, True), _built(raw, False)
            assert trusted == checked, raw
            built += trusted is not None and trusted[0] == "ok"
        assert built >= len(lines) * 9 // 10

    def test_the_trusted_path_skips_only_type_checks(self) -> None:
        from salesctl.model import SalesOrder

        skipped = skipped_validators(SalesOrder)
        assert "customer" in skipped and "lines" in skipped
        # non-blank text, identities, signs and cross-field rules still run
        assert "id" not in skipped and "created_by" not in skipped

    @settings(max_examples=300, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(data=st.data())
    def test_mutated_lines_build_the_same_document_or_error(
        self, lines: list[bytes], data: st.DataObject
    ) -> None:
        raw = data.draw(st.sampled_from(lines[:600]))
        doc = json.loads(raw)
        for _ in range(data.draw(st.integers(1, 3))):
            leaves = _leaves(doc)
            if not leaves:
                break
            value = copy.deepcopy(data.draw(st.sampled_from(_HOSTILE)))
            _put(doc, data.draw(st.sampled_from(leaves)), value)
        mutated = json.dumps(doc, ensure_ascii=False).encode("utf-8")
        assert _built(mutated, True) == _built(mutated, False)
        assert _same(Decoder().decode(mutated, 4), _generic(mutated, 4))

    @settings(max_examples=200, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(data=st.data())
    def test_contract_ledger_lines_and_approvals_build_the_same_document_or_error(
        self, lines: list[bytes], data: st.DataObject
    ) -> None:
        """The two commonest lines of a year (contract-ledger lines, approvals), whose builders
        look amounts, dates and times up in the decoder's tables and skip the ledger line's
        currency check when its four amounts share one (``POST_PASSES``): the same document
        or error as the validated path, with the tables empty or already holding the values
        (each line built twice), for amounts in other currencies, signs and forms."""
        kind = data.draw(st.sampled_from([b"KeepContractLedger", b"GrantApproval"]))
        pool = [r for r in lines if r.startswith(b'{"type":"' + kind + b'"')]
        assert pool
        doc = json.loads(data.draw(st.sampled_from(pool)))
        inner = doc["line"] if kind == b"KeepContractLedger" else doc["approval"]
        keys = sorted(k for k in inner if k not in ("approver", "book"))
        for _ in range(data.draw(st.integers(0, 3))):
            value = data.draw(
                st.sampled_from(
                    (*_HOSTILE, "1.00 USD", "0.00 USD", "12.50 JPY", "5 JPY", "2026-03-31")
                )
            )
            inner[data.draw(st.sampled_from(keys))] = copy.deepcopy(value)
        mutated = json.dumps(doc, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
        checked = _built(mutated, False)
        assert _built(mutated, True) == checked
        assert _built(mutated, True) == checked  # the tables' values this time
        assert _same(Decoder().decode(mutated, 6), _generic(mutated, 6))


class TestEngine:
    def test_the_report_equals_the_old_engines_on_a_demo_year(self, lines: list[bytes]) -> None:
        """The regression test behind the switch: every field of the report, both engines."""
        new = replay(lines, POLICY, source="year.jsonl")
        old = old_replay(lines, POLICY, source="year.jsonl")
        assert new.to_dict() == old.to_dict()
        assert new == old

    def test_partitions_merge_into_the_one_process_report(self, lines: list[bytes]) -> None:
        whole = replay(lines, POLICY, source="s")
        parts = [replay(lines, POLICY, source="s", partition=(k, 3)) for k in range(3)]
        assert attrs.evolve(merge_reports(parts), partitions=1) == whole

    @pytest.mark.parametrize("gates", [1, 2, 3])
    def test_books_and_gate_shares_merge_into_the_one_process_report(
        self, lines: list[bytes], gates: int
    ) -> None:
        """What ``replay_jobs`` runs in its processes: one books share, ``gates`` gate shares."""
        whole = replay(lines, POLICY, source="s")
        parts = [replay(lines, POLICY, source="s", role="books")] + [
            replay(lines, POLICY, source="s", partition=(k, gates), role="gate")
            for k in range(gates)
        ]
        assert attrs.evolve(merge_reports(parts), partitions=1) == whole

    def test_an_unknown_role_or_bad_buckets_are_typed_errors(self, lines: list[bytes]) -> None:
        with pytest.raises(InvalidInput):
            replay(lines[:5], POLICY, role="both")
        for bad in ((), (3,), (-1,)):
            with pytest.raises(InvalidInput):
                replay(lines[:5], POLICY, partition=(0, 3), buckets=bad)

    def test_str_lines_and_blank_lines_as_the_old_engine(self, lines: list[bytes]) -> None:
        text = [ln.decode("utf-8") for ln in lines[:300]] + ["\n", "  \n"]
        assert replay(text, POLICY) == old_replay(text, POLICY)

    def test_str_lines_with_a_lone_surrogate_as_the_old_engine(self, lines: list[bytes]) -> None:
        """A text line holding a lone surrogate (in a value, after the object) is a rejected
        line either way, hashed alike; the old engine once ended on a UnicodeEncodeError."""
        text = [ln.decode("utf-8") for ln in lines[:60]]
        text[10] = text[10].replace('"at":"', '"at":"\udc80', 1)
        text[11] += "\udc80"
        new = replay(text, POLICY)
        assert new == old_replay(text, POLICY)
        assert [r.line for r in new.rejected if r.line in (11, 12)] == [11, 12]

    def test_jobs_in_processes_equal_one_process(self, lines: list[bytes], tmp_path: Path) -> None:
        path = tmp_path / "events.jsonl"
        path.write_bytes(b"\n".join(lines) + b"\n")
        pol = tmp_path / "policy.toml"
        pol.write_text(DEMO_POLICY, encoding="utf-8")
        whole = replay_jobs(str(path), policy_file=str(pol), jobs=1)
        two = replay_jobs(str(path), policy_file=str(pol), jobs=2)
        assert isinstance(two, AuditReport)
        assert whole.lines == len(lines) and whole.exceptions  # a stream of many lines
        assert attrs.evolve(two, partitions=1) == whole
        three = replay_jobs(str(path), policy_file=str(pol), jobs=3)
        assert attrs.evolve(three, partitions=1) == whole

    def test_bad_jobs_and_missing_file_are_typed_errors(self, tmp_path: Path) -> None:
        with pytest.raises(InvalidInput):
            replay_jobs(str(tmp_path / "none.jsonl"), jobs=2)
        with pytest.raises(InvalidInput):
            replay_jobs(str(tmp_path / "none.jsonl"), jobs=0)


@pytest.fixture(scope="module")
def small_year() -> tuple[list[bytes], list[str]]:
    """A small generated year (every month of it, without its storage readings: a fifth of
    its lines, which nothing else reads) and the ids its lines name."""
    return year_and_ids(11, 4, 16)


def year_and_ids(seed: int, customers: int, orders: int) -> tuple[list[bytes], list[str]]:
    """A generated year without its storage readings, and the ids its lines name (what the
    hostile mutations draw from)."""
    demo = generate(seed=seed, customers=customers, orders=orders)
    data = [ln.encode("utf-8") if isinstance(ln, str) else ln for ln in demo.lines()]
    data = [ln for ln in data if not ln.startswith(b'{"type":"ReadStorage"')]
    ids: set[str] = set()
    for raw in data[::7]:
        try:
            doc = json.loads(raw)
        except ValueError:
            continue
        ids.update(v for p in _leaves(doc) if _is_id(p) and isinstance(v := _get(doc, p), str))
    return data, sorted(ids)


def _is_id(path: tuple[Any, ...]) -> bool:
    return bool(path) and isinstance(path[-1], str) and (path[-1] == "id" or path[-1].endswith("_id"))


def _get(doc: Any, path: tuple[Any, ...]) -> Any:
    for k in path:
        doc = doc[k]
    return doc


def _shifted(text: str, days: int) -> str:
    """A date or an ISO date-time moved by ``days`` (other text as it is)."""
    try:
        if len(text) == 10:
            return (dt.date.fromisoformat(text) + dt.timedelta(days=days)).isoformat()
        if len(text) > 10 and text[10] == "T":
            return (dt.datetime.fromisoformat(text) + dt.timedelta(days=days)).isoformat()
    except (ValueError, OverflowError):
        pass
    return text


#: Where a hostile stream's amounts go: zero, negative, huge, more decimals than the currency.
_AMOUNTS = ("-1.00", "0.00", "-0.00", "-0.01", "99999999999999999999999.00", "1E+30", "1.2345678")
#: The mutations (a contract-ledger line or an approval, what the fast engine reads by its own
#: paths, drawn twice as often as the others).
_KINDS = ("common", "common", "id", "case", "amount", "date", "line", "late")
#: The openings of the commonest lines (contract-ledger lines, approvals).
_COMMON = (b'{"type":"KeepContractLedger",', b'{"type":"GrantApproval",')


def _late(raw: bytes) -> bool:
    """An approval, or a line naming a contract (what a ``late`` mutation copies later)."""
    return raw.startswith(b'{"type":"GrantApproval",') or b'"contract_id":"CT-' in raw


def _warm_ledger() -> Ledger:
    """The ledger of a one-process replay (``ledger_for``) that holds its approvals and
    contracts as objects, never frozen (the demo's stores): the report must be the same."""
    led = ledger_for(POLICY)
    led._cold, led._cold_contracts = WarmApprovals(), WarmContracts()
    return led


def _hostile_stream(data: st.DataObject, lines: list[bytes], ids: list[str]) -> list[bytes]:
    """``lines`` with one to 24 hostile mutations: an id of another document or customer,
    or in another case or with a space; an amount zero, negative, huge or with many
    decimals; a line's dates moved far back or forward (past the approvals' retention, after
    the contracts' cold sweeps); a line duplicated, dropped or moved; an approval or a line
    naming a contract copied months later, dated there (:data:`_KINDS`)."""
    out = list(lines)
    for _ in range(data.draw(st.integers(1, 24))):
        i = data.draw(st.integers(1, len(out) - 2))
        kind = data.draw(st.sampled_from(_KINDS))
        if kind == "common":  # a contract-ledger line or an approval: the fast paths' lines
            i = data.draw(st.sampled_from([j for j, raw in enumerate(out) if raw.startswith(_COMMON)]))
            kind = data.draw(st.sampled_from(["id", "case", "amount", "date"]))
        if kind == "line":
            how = data.draw(st.sampled_from(["dup", "drop", "move"]))
            raw = out.pop(i) if how != "dup" else out[i]
            if how != "drop":
                out.insert(data.draw(st.integers(1, len(out) - 1)), raw)
            continue
        try:
            doc = json.loads(out[i])
        except ValueError:
            continue
        if kind == "late":  # an approval, or a line naming a contract, months later
            i = data.draw(st.sampled_from([j for j, raw in enumerate(out) if _late(raw)]))
            doc = json.loads(out[i])
            later = data.draw(st.integers(min(i + 1, len(out) - 1), len(out) - 1))
            try:
                at = json.loads(out[later])["at"]
            except (ValueError, KeyError):
                continue
            for p in _leaves(doc):
                v = _get(doc, p)
                if isinstance(v, str) and len(v) > 10 and v[10] == "T":
                    _put(doc, p, at)
            out.insert(later + 1, json.dumps(doc, separators=(",", ":")).encode("utf-8"))
            continue
        paths = [p for p in _leaves(doc) if p and isinstance(_get(doc, p), str)]
        if kind in ("id", "case"):
            paths = [p for p in paths if _is_id(p)]
        elif kind == "amount":
            paths = [p for p in paths if _get(doc, p)[:1].isdigit() and " " in _get(doc, p)]
        if not paths:
            continue
        path = data.draw(st.sampled_from(paths))
        value = _get(doc, path)
        if kind == "id":
            value = data.draw(st.sampled_from(ids))
        elif kind == "case":
            value = data.draw(st.sampled_from([value.upper(), value.lower(), f" {value}", f"{value} "]))
        elif kind == "amount":
            cur = data.draw(st.sampled_from([value.split()[-1], "USD"]))
            value = f"{data.draw(st.sampled_from(_AMOUNTS))} {cur}"
        else:
            days = data.draw(st.sampled_from([-400, -130, -8, 8, 130, 400]))
            for p in paths if data.draw(st.booleans()) else [path]:
                _put(doc, p, _shifted(_get(doc, p), days))
            value = _get(doc, path)
        _put(doc, path, value)
        out[i] = json.dumps(doc, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    return out


@settings(max_examples=5, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_hostile_streams_give_the_old_engines_report(
    small_year: tuple[list[bytes], list[str]], data: st.DataObject
) -> None:
    """Whole streams with hostile lines (the kinds of the fuzzing of session 14: ids of
    others, in another case; amounts zero, negative, huge; dates moved past the retention
    and the cold sweeps; lines duplicated, dropped, moved; approvals and contract lines
    months late): the fast engine's report is the old engine's, and that of a ledger that
    never freezes its approvals and contracts; or all raise alike."""
    stream = _hostile_stream(data, *small_year)
    got: list[Any] = []
    for engine, ledger in ((replay, None), (old_replay, None), (replay, _warm_ledger())):
        try:
            got.append(engine(stream, POLICY, source="h", ledger=ledger))
        except Exception as e:  # the same error either way
            got.append((type(e), str(e)))
    assert got[0] == got[1] == got[2]
    if isinstance(got[0], AuditReport):
        assert got[0].to_dict() == got[1].to_dict()


def test_an_invoice_of_nothing_on_credit_is_no_receivable(
    small_year: tuple[list[bytes], list[str]],
) -> None:
    """An invoice of a credit order at zero prices (its lines allow them) leaves nothing to
    collect: both engines give the same report. The books once opened a receivable of zero,
    which its record refused at the month's close: both replays ended on ``InvalidInput``
    (found by the hostile streams above)."""
    data = list(small_year[0])
    j = next(i for i, raw in enumerate(data) if raw.startswith(b'{"type":"IssueInvoice",'))
    doc = json.loads(data[j])
    for line in doc["invoice"]["lines"]:
        line["unit_price"] = "0.00 " + line["unit_price"].split()[-1]
    data[j] = json.dumps(doc, separators=(",", ":")).encode("utf-8")
    new = replay(data, POLICY, source="z")
    assert new == old_replay(data, POLICY, source="z")
    assert new.rejected_count == replay(small_year[0], POLICY).rejected_count


@settings(max_examples=4, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    customers=st.integers(4, 12),
    orders=st.integers(20, 80),
    gates=st.integers(1, 3),
)
def test_generated_streams_give_one_report_however_the_work_is_split(
    seed: int, customers: int, orders: int, gates: int
) -> None:
    """One process == the shares ``replay_jobs`` runs (books + ``gates`` customer
    partitions) == the old partitioned replay, on generated years."""
    demo = generate(seed=seed, customers=customers, orders=orders)
    data = [ln.encode("utf-8") if isinstance(ln, str) else ln for ln in demo.lines()]
    whole = replay(data, POLICY, source="g")
    shares = [replay(data, POLICY, source="g", role="books")] + [
        replay(data, POLICY, source="g", partition=(k, gates), role="gate") for k in range(gates)
    ]
    assert attrs.evolve(merge_reports(shares), partitions=1) == whole
    parts = [replay(data, POLICY, source="g", partition=(k, gates)) for k in range(gates)]
    assert attrs.evolve(merge_reports(parts), partitions=1) == whole
    # what replay_jobs(jobs=gates + 1) runs: books + one partition, then two per process
    n = 2 * gates + 1
    jobs = [replay(data, POLICY, source="g", partition=(0, n), buckets=(0,))] + [
        replay(
            data,
            POLICY,
            source="g",
            partition=(2 * i - 1, n),
            buckets=(2 * i - 1, 2 * i),
            role="gate",
        )
        for i in range(1, gates + 1)
    ]
    assert attrs.evolve(merge_reports(jobs), partitions=1) == whole


def test_the_gate_loads_neither_msgspec_nor_the_fast_replay() -> None:
    script = (
        "import sys, salesctl as sc\nsc.Gate(sc.Policy.default())\n"
        "import json; print(json.dumps(sorted(m for m in sys.modules "
        "if m.startswith(('msgspec', 'salesctl.fastreplay')))))"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert json.loads(out.stdout) == []


def test_msgspec_is_a_runtime_dependency() -> None:
    text = (Path(__file__).resolve().parent.parent / "pyproject.toml").read_text("utf-8")
    head = text.split("[project.optional-dependencies]")[0]
    assert '"msgspec' in head
    assert msgspec.__version__


def test_the_cli_gives_one_report_whatever_the_engine_or_jobs(
    lines: list[bytes], tmp_path: Path
) -> None:
    """``salesctl audit`` (fast engine), ``--engine old`` and ``--jobs 2``: the same report."""
    from salesctl.cli import main

    path = tmp_path / "events.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")
    pol = tmp_path / "policy.toml"
    pol.write_text(DEMO_POLICY, encoding="utf-8")
    got = {}
    for name, extra in (("fast", []), ("old", ["--engine", "old"]), ("j2", ["--jobs", "2"])):
        out = tmp_path / f"{name}.json"
        code = main(
            [
                "audit",
                str(path),
                "--policy",
                str(pol),
                "--allow-rejected",
                "--report",
                str(out),
                *extra,
            ]
        )
        assert code in (0, 1, 2)
        got[name] = json.loads(out.read_text("utf-8"))
    assert got["fast"] == got["old"]
    assert {k: v for k, v in got["j2"].items() if k != "partitions"} == {
        k: v for k, v in got["fast"].items() if k != "partitions"
    }
    assert main(["audit", str(path), "--jobs", "0"]) == 3
    assert main(["audit", str(path), "--jobs", "2", "--engine", "old"]) == 3


def test_young_collections_in_sampled_months(monkeypatch: pytest.MonkeyPatch) -> None:
    """The fast engine's month close collects the young objects in the first month, then at
    doubling intervals while nothing is found, and every month again from one that finds
    garbage; it freezes what each month leaves either way."""
    from salesctl.fastreplay import engine

    found = iter([5, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0, 0])
    scanned: list[int] = []
    frozen: list[int] = []
    young = engine._YoungGC()
    monkeypatch.setattr(engine.gc, "collect", lambda gen: (scanned.append(young.months), next(found))[1])
    monkeypatch.setattr(engine.gc, "freeze", lambda: frozen.append(young.months))
    for _ in range(12):
        young()
    # 1 finds 5 (next month again), 2 finds 0 (then 2 months), 4 finds 0 (then 4), 8 finds 3
    # (every month again), 9 finds 0 (then 2), 11 finds 0 (then 4).
    assert scanned == [1, 2, 4, 8, 9, 11]
    assert frozen == list(range(1, 13))


def test_what_the_caller_froze_stays_frozen(lines: list[bytes]) -> None:
    """The replay freezes what each month leaves out of the collector's sight and unfreezes
    it as it returns, but not what its caller froze before it (a host that froze its own
    objects: ``gc.unfreeze`` cannot tell them apart, so the replay then leaves its own frozen
    too); a caller that froze nothing finds nothing frozen after."""
    import gc

    gc.unfreeze()  # whatever an earlier test in this process left frozen
    alone = replay(lines, POLICY, source="s")
    assert gc.get_freeze_count() == 0
    hosts = [[object()] for _ in range(100)]  # the host's own objects, frozen before
    gc.freeze()
    try:
        before = gc.get_freeze_count()
        assert before >= len(hosts)
        assert replay(lines, POLICY, source="s") == alone
        # the host's objects are still frozen (out of the collector's lists); the count
        # alone may fall, as tables other tests left full are emptied and freed
        held = {id(h) for h in hosts}
        assert not any(id(o) in held for o in gc.get_objects())
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 5), zeros=st.lists(st.booleans(), min_size=1, max_size=8))
@example(seed=0, zeros=[True])  # every price zero: no receivable
@example(seed=0, zeros=[False])  # every price kept: the receivable
@example(seed=1, zeros=[True, False])
def test_a_credit_invoice_opens_a_receivable_exactly_when_it_bills_something(
    seed: int, zeros: list[bool]
) -> None:
    """The attack on the zero-invoice fix: any mix of zero and kept unit prices on an
    invoice of a credit order. The books open its receivable exactly when its total is above
    zero: a zero price never hides an amount still to collect."""
    from salesctl.ledger import Books

    lines = generate(seed=seed, customers=4, orders=16).lines()
    dec = Decoder().decode
    books = Books()
    for n, raw in enumerate(lines, 1):
        ev = dec(raw, n)
        name = type(ev).__name__
        if name == "PlaceOrder":
            books.apply(ev)
        elif name == "IssueInvoice" and ev.invoice.order_id in books._credit_orders:  # type: ignore[union-attr]
            doc = json.loads(raw)
            for k, line in enumerate(doc["invoice"]["lines"]):
                if zeros[k % len(zeros)]:
                    line["unit_price"] = "0.00 " + line["unit_price"].split()[-1]
            inv = dec(json.dumps(doc, separators=(",", ":")), n)
            assert not isinstance(inv, MalformedEvent), inv
            books.apply(inv)
            billed = inv.invoice.total.amount > 0  # type: ignore[union-attr]
            assert (inv.invoice.id in books.receivables) is billed  # type: ignore[union-attr]
            return
    raise AssertionError("no invoice of a credit order in the year")
