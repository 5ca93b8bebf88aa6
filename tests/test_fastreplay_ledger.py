"""Issue 16, twelfth pass: contract-ledger lines read into the books' register as plain values.

The reference is the validated path: every line built and validated as its event (the generic
reader), every record handed to O2C-CT-04. The shortcut — a line read by
:class:`~salesctl.fastreplay.decode.LedgerLineReader` into plain values, the register
(:class:`~salesctl.ledger.registers.ContractLedgers`) keeping per month, contract and book the
latest line, the check reading the records the register hands out — must give the same values,
the same examination and the same report.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from salesctl.control import Frequency
from salesctl.controls.contracts import detect_contract_ledger
from salesctl.demo import DEMO_POLICY, generate
from salesctl.events import KeepContractLedger, MalformedEvent, read_events
from salesctl.fastreplay import engine, replay
from salesctl.fastreplay.decode import Decoder, LedgerLineReader
from salesctl.ledger.registers import ContractLedgers
from salesctl.money import Money
from salesctl.policy import loads_policy
from salesctl.records import ContractLedgerLine, DocumentEntry, LedgerBook, Period, Records

POLICY = loads_policy(DEMO_POLICY)
CONTRACTS = POLICY.family("contracts")

_BASE = {
    "type": "KeepContractLedger",
    "at": "2026-03-31T21:45:00+08:00",
    "line": {
        "contract_id": "CT-2026-00001",
        "customer_id": "C-0055",
        "book": "sales",
        "as_of": "2026-03-31",
        "value": "143195.00 CNY",
        "delivered": "143195.00 CNY",
        "invoiced": "100.00 CNY",
        "collected": "0.00 CNY",
    },
}

#: Values put into a line's fields: valid ones, and what each validator or the decoder refuses.
_VALUES: tuple[Any, ...] = (
    "CT-2026-00002", "C-0001", "", " ", " C-1", "C-1 ", "C\u200b1", "C\n1", "契约-1", "x",
    "C-1\u00a0", "\ufeffC-1", "C-1\t", "C\u30001", "c-0001",
    "sales", "finance", "other",
    "2026-03-30", "2026-04-01", "2026-02-30", "2026-3-1", "2026-03-31T00:00:00",
    "2026-03-31T21:45:00+08:00", "2026-03-31T21:45:00", "2026-03-31T21:45:00Z",
    "1.00 CNY", "0.00 CNY", "-1.00 CNY", "-0.00 CNY", "1.005 CNY", "1 CNY", "1.0 CNY",
    "1.00 USD", "5 JPY", "12.50 JPY", "1.00 XXX", "1.00  CNY", "NaN CNY", "1e3 CNY",
    "Infinity CNY", "1.00", "CNY", None, 0, 1, -1, 1.5, True, [], {},
)  # fmt: skip


@pytest.fixture(scope="module")
def lines() -> list[bytes]:
    year = generate(seed=11, customers=16, orders=220)
    return [ln.encode("utf-8") if isinstance(ln, str) else ln for ln in year.lines()]


def _validated(raw: bytes) -> Any:
    """The validated path: the generic reader's event or error."""
    return next(item for _n, item in read_events((raw,), first_line=1))


def _values(event: KeepContractLedger) -> tuple[Any, ...]:
    x = event.line
    return (
        event.at,
        x.contract_id,
        x.book,
        (x.as_of, x.customer_id, x.value, x.delivered, x.invoiced, x.collected),
    )


def _flat(values: Any) -> list[Any]:
    return [*values[:3], *values[3]]


def _check(reader: LedgerLineReader, raw: bytes) -> None:
    got = reader(raw)
    ref = _validated(raw)
    fast = Decoder().decode(raw, 1)
    if got is None:
        return  # read in full: the decoder's own event or error (tests/test_fastreplay.py)
    assert isinstance(ref, KeepContractLedger), (raw, ref)
    assert isinstance(fast, KeepContractLedger), (raw, fast)
    want = _values(ref)
    assert got == want
    assert _values(fast) == want
    # the same values to the letter: types, and each amount's text
    assert [type(v) for v in _flat(got)] == [type(v) for v in _flat(want)]
    assert [str(v) for v in _flat(got)] == [str(v) for v in _flat(want)]


class TestReader:
    def test_every_ledger_line_of_a_year_reads_as_its_event(self, lines: list[bytes]) -> None:
        reader = LedgerLineReader()
        pool = [r for r in lines if r.startswith(b'{"type":"KeepContractLedger"')]
        assert len(pool) > 100
        for raw in pool:
            assert reader(raw) is not None
            _check(reader, raw)

    def test_each_value_in_each_field_reads_as_its_event_or_is_left(self) -> None:
        """Every value of ``_VALUES`` in every field, one at a time."""
        reader = LedgerLineReader()
        for where in ("at", *sorted(_BASE["line"])):  # type: ignore[arg-type]
            for value in _VALUES:
                doc: dict[str, Any] = json.loads(json.dumps(_BASE))
                if where == "at":
                    doc["at"] = value
                else:
                    doc["line"][where] = value
                raw = json.dumps(doc, separators=(",", ":"), ensure_ascii=False).encode()
                _check(reader, raw)

    @settings(max_examples=400, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(data=st.data())
    def test_a_line_reads_as_its_event_or_is_left_to_the_decoder(self, data: st.DataObject) -> None:
        """Mutated lines (values every validator refuses, other currencies and forms, repeated
        and unknown keys, other spacing, escapes): the reader gives the validated event's
        values, or nothing — never values for a line the validated path rejects."""
        doc: dict[str, Any] = json.loads(json.dumps(_BASE))
        keys = sorted(doc["line"])
        for _ in range(data.draw(st.integers(0, 3))):
            where = data.draw(st.sampled_from(["at", *keys]))
            value = data.draw(st.sampled_from(_VALUES))
            if where == "at":
                doc["at"] = value
            else:
                doc["line"][where] = value
        raw = json.dumps(doc, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
        form = data.draw(st.sampled_from(["plain", "repeat", "extra", "spaced", "escaped"]))
        if form == "repeat":  # a key twice: the Struct decoder keeps the last silently
            key = data.draw(st.sampled_from(keys))
            again = data.draw(st.sampled_from(['"1.00 CNY"', '"C-9"', "1", "null", '"sales"']))
            raw = raw.replace(
                b'"line":{', b'"line":{"' + key.encode() + b'":' + again.encode() + b","
            )
        elif form == "extra":
            raw = raw[:-1] + b',"note":"x"}'
        elif form == "spaced":
            raw = raw.replace(b'":', b'" :', 1)
        elif form == "escaped":
            raw = raw.replace(b"C-0055", b"C-\\u0030055")
        reader = LedgerLineReader()
        _check(reader, raw)
        _check(reader, raw)  # with the tables now holding the values

    def test_a_repeated_key_is_never_read(self) -> None:
        raw = json.dumps(_BASE, separators=(",", ":")).encode()
        reader = LedgerLineReader()
        assert reader(raw) is not None
        twice = raw.replace(b'"book":"sales"', b'"book":"finance","book":"sales"')
        assert reader(twice) is None
        assert isinstance(_validated(twice), MalformedEvent)


# -- the register against every record -------------------------------------------------------

_MONTH_ENDS = (dt.date(2026, 2, 28), dt.date(2026, 3, 31), dt.date(2026, 4, 30))
_AMOUNTS = tuple(Money(Decimal(a), "CNY") for a in ("0.00", "10.00", "10.50", "99.00"))


@st.composite
def _ledger_lines(draw: st.DrawFn) -> list[tuple[int, ContractLedgerLine]]:
    """Lines, each with the month (index into ``_MONTH_ENDS``) it is read in: dated in that
    month mostly, sometimes in an earlier one (late) or the next (early); a few contracts,
    both books, equal dates, amounts that agree or differ."""
    out: list[tuple[int, ContractLedgerLine]] = []
    for _ in range(draw(st.integers(0, 40))):
        read_in = draw(st.integers(0, len(_MONTH_ENDS) - 1))
        month = max(0, min(len(_MONTH_ENDS) - 1, read_in + draw(st.sampled_from([0, 0, 0, -1, 1]))))
        end = _MONTH_ENDS[month]
        as_of = end - dt.timedelta(days=draw(st.sampled_from([0, 0, 1, 5, 27])))
        line = ContractLedgerLine(
            contract_id=draw(st.sampled_from(["CT-1", "CT-2", "CT-3", "CT-4"])),
            customer_id=draw(st.sampled_from(["C-1", "C-2"])),
            book=draw(st.sampled_from(list(LedgerBook))),
            as_of=as_of,
            value=draw(st.sampled_from(_AMOUNTS)),
            delivered=draw(st.sampled_from(_AMOUNTS)),
            invoiced=draw(st.sampled_from(_AMOUNTS)),
            collected=draw(st.sampled_from(_AMOUNTS)),
        )
        out.append((read_in, line))
    out.sort(key=lambda p: p[0])  # read month by month, in the drawn order within a month
    return out


@settings(max_examples=300)
@given(stream=_ledger_lines())
def test_the_check_on_the_register_equals_the_check_on_every_record(
    stream: list[tuple[int, ContractLedgerLine]],
) -> None:
    """Month by month, as a replay closes them: O2C-CT-04 over the register's records (the
    latest line per contract and book, the month's lines forgotten at its close) examines
    and finds exactly what it does over every line read so far."""
    register = ContractLedgers()
    read: list[ContractLedgerLine] = []
    i = 0
    for k, end in enumerate(_MONTH_ENDS):
        while i < len(stream) and stream[i][0] == k:
            register.line(stream[i][1])
            read.append(stream[i][1])
            i += 1
        period = Period.containing(end, Frequency.MONTHLY)
        held = register.lines_in(period)
        assert all(type(x) is ContractLedgerLine for x in held)
        assert all(x in read for x in held)
        want = detect_contract_ledger(Records(contract_ledger=read), period, CONTRACTS)
        got = detect_contract_ledger(Records(contract_ledger=held), period, CONTRACTS)
        assert got == want
        register.forget_through(end)
        assert all(
            v[0] > end for m in register.months.values() for e in m.values() for v in e.values()
        )


@settings(max_examples=300)
@given(stream=_ledger_lines())
def test_the_register_holds_each_books_latest_line_and_agreeing_books_once(
    stream: list[tuple[int, ContractLedgerLine]],
) -> None:
    """The register's values per month, book and contract are those of the latest line read
    (the first of equal dates), each book's own; where the two books hold the same values
    (the same amount instances) they are one tuple (the memory shortcut), and only then."""
    register = ContractLedgers()
    want: dict[tuple[tuple[int, int], LedgerBook, str], tuple[Any, ...]] = {}
    for _, x in stream:
        register.line(x)
        key = ((x.as_of.year, x.as_of.month), x.book, x.contract_id)
        held = (x.as_of, x.customer_id, x.value, x.delivered, x.invoiced, x.collected)
        if key not in want or x.as_of > want[key][0]:
            want[key] = held
    got = {
        (ym, book, cid): v
        for ym, m in register.months.items()
        for book, e in m.items()
        for cid, v in e.items()
    }
    assert got.keys() == want.keys()
    for key, v in got.items():
        w = want[key]
        assert v[:2] == w[:2] and all(a is b for a, b in zip(v[2:], w[2:], strict=True))
    for (ym, book, cid), v in got.items():
        for (ym2, book2, cid2), v2 in got.items():
            if ym2 == ym and cid2 == cid and book2 is not book:
                assert (v is v2) == (v == v2)


# -- the replay ------------------------------------------------------------------------------


def _mutated(lines: list[bytes]) -> list[bytes]:
    """The year with contract-ledger lines changed: refused values, a repeated key, a line
    read late (dated in a closed month), one early, one re-read with other amounts."""
    out: list[bytes] = []
    k = 0
    for raw in lines:
        out.append(raw)
        if not raw.startswith(b'{"type":"KeepContractLedger"'):
            continue
        k += 1
        doc = json.loads(raw)
        if k % 7 == 0:
            doc["line"]["collected"] = "-1.00 CNY"
        elif k % 7 == 1:
            doc["line"]["invoiced"] = "7.00 USD"
        elif k % 7 == 2:
            doc["line"]["delivered"] = "1.00 CNY"  # a difference between the books
        elif k % 7 == 3:
            doc["line"]["customer_id"] = " C-1"
        elif k % 7 == 4:
            doc["line"]["as_of"] = "2026-01-31"  # late for every month after January
        elif k % 7 == 5:
            out.append(raw.replace(b'"book":', b'"book":"sales","book":', 1))
            continue
        else:
            continue
        out.append(json.dumps(doc, separators=(",", ":")).encode())
    return out


@pytest.mark.parametrize("mutate", [False, True])
def test_the_report_equals_the_one_built_from_every_event(
    lines: list[bytes], mutate: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    stream = _mutated(lines) if mutate else lines
    fast = replay(stream, POLICY, source="year.jsonl")
    books = replay(stream, POLICY, source="year.jsonl", partition=(0, 2), role="books")
    monkeypatch.setattr(engine, "FAST_LEDGER_LINES", False)
    plain = replay(stream, POLICY, source="year.jsonl")
    plain_books = replay(stream, POLICY, source="year.jsonl", partition=(0, 2), role="books")
    assert fast.to_json() == plain.to_json()
    assert books.to_json() == plain_books.to_json()
    if mutate:
        assert plain.rejected_count > 0
        assert any(e.control_id == "O2C-CT-04" for e in plain.exceptions)


# -- the books' records and document entries, built by slot stores ----------------------------


def test_records_and_document_entries_equal_the_constructors_on_a_year(
    lines: list[bytes], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every ``Records`` the books hand to a period's run (daily and longer) and every
    document entry they keep, built by slot stores, equals the class's own constructor's
    (every validator run), with the same type and repr; the report is the same."""
    from salesctl.ledger import books as books_module

    made = {"records": 0, "documents": 0}
    trusted_records, trusted_entry = books_module.records_of, books_module.document_entry

    def records_of(kw: Any) -> Records:
        got = trusted_records(kw)
        want = Records(**kw)
        assert type(got) is Records and got == want and repr(got) == repr(want)
        made["records"] += 1
        return got

    def document_entry(*args: Any) -> Any:
        got = trusted_entry(*args)
        want = DocumentEntry(
            kind=args[0], document_id=args[1], posted_on=args[2], customer_id=args[3]
        )
        assert type(got) is DocumentEntry and got == want and repr(got) == repr(want)
        made["documents"] += 1
        return got

    plain = replay(lines, POLICY, source="year.jsonl")
    monkeypatch.setattr(books_module, "records_of", records_of)
    monkeypatch.setattr(books_module, "document_entry", document_entry)
    checked = replay(lines, POLICY, source="year.jsonl")
    assert checked.to_json() == plain.to_json()
    assert made["records"] > 300 and made["documents"] > 1000
    assert not hasattr(Records, "__attrs_post_init__")


_IDS = ("SO-1", "C-1", "", " ", " SO-1", "SO-1 ", "SO\u200b1", "SO\n1", "订单-1", None, 1, b"x")


@settings(max_examples=300)
@given(
    kind=st.sampled_from(["PlaceOrder", "IssueInvoice", "", " ", "订单", "x\u200b", None, 3]),
    document_id=st.sampled_from(_IDS),
    posted_on=st.sampled_from(
        [dt.date(2026, 3, 1), dt.datetime(2026, 3, 1, tzinfo=dt.UTC), "2026-03-01", None]
    ),
    customer_id=st.sampled_from(_IDS),
)
def test_a_document_entry_is_the_constructors_or_its_error(
    kind: Any, document_id: Any, posted_on: Any, customer_id: Any
) -> None:
    from salesctl.ledger.books import document_entry

    def build(f: Any) -> Any:
        try:
            return ("ok", f(), None)
        except Exception as e:  # the same error, whatever it is
            return ("error", type(e), str(e))

    want = build(
        lambda: DocumentEntry(
            kind=kind, document_id=document_id, posted_on=posted_on, customer_id=customer_id
        )
    )
    for _ in range(2):  # the second time with the kind known, if it was accepted
        got = build(lambda: document_entry(kind, document_id, posted_on, customer_id))
        assert got == want
        if got[0] == "ok":
            assert type(got[1]) is DocumentEntry and repr(got[1]) == repr(want[1])


def test_records_of_refuses_what_the_constructor_refuses() -> None:
    from salesctl.errors import InvalidInput
    from salesctl.ledger.books import records_of

    with pytest.raises(TypeError):
        records_of({"no_such_field": ()})
    with pytest.raises(TypeError):
        Records(no_such_field=())  # type: ignore[call-arg]
    with pytest.raises(InvalidInput):
        records_of({"opening_numbers": {"SO": -1}})
    with pytest.raises(InvalidInput):
        records_of({"contract_ledger": ["not a line"]})
    assert records_of({}) == Records()
