"""The replay holds its documents in a smaller form without changing a report (issue 16, the
bounded target): delivery notices and goods issues are held without the line facts derived
at construction (built again, equal, by :func:`~salesctl.model.line_facts` when a later
check reads them); the delivery register's values are shared between records of equal
value; a contract's commissions paid share the first claim's amount. Each is checked against
the plain way: document by document (hypothesis), and a demo year's report replayed both
ways."""

from __future__ import annotations

import copy
import datetime as dt
import operator
import pickle
from decimal import Decimal
from typing import Any

import attrs
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from salesctl._validators import ident_problem
from salesctl.audit.engine import ledger_for
from salesctl.demo import DEMO_POLICY, generate
from salesctl.errors import SalesctlError
from salesctl.events import GrantApproval, MalformedEvent
from salesctl.fastreplay import decode as decode_module
from salesctl.fastreplay import replay
from salesctl.ledger import Ledger
from salesctl.ledger import book_folds as book_folds_module
from salesctl.ledger import books as books_module
from salesctl.ledger import cold as cold_module
from salesctl.ledger import cold_contracts as cold_contracts_module
from salesctl.ledger import folds as folds_module
from salesctl.ledger import ledger as ledger_module
from salesctl.ledger import state as state_module
from salesctl.ledger.books import Books
from salesctl.ledger.cold import COLD_WIDTH, ColdApprovals, cold_floor, cold_granted, instant_of
from salesctl.ledger.cold_contracts import ColdContracts
from salesctl.ledger.registers import file_under, filed_under
from salesctl.ledger.state import ContractState
from salesctl.model import (
    Actor,
    Approval,
    Contract,
    ContractForm,
    ContractStatus,
    DeliveryLine,
    DeliveryNotice,
    GoodsIssue,
    LineFacts,
    PaymentMethod,
    PaymentTerms,
    TemplateDeviation,
    end_of_month_plus,
    line_facts,
)
from salesctl.money import Money
from salesctl.policy import loads_policy
from tests import builders as tb

POLICY = loads_policy(DEMO_POLICY)

_LINES = st.lists(
    st.builds(
        DeliveryLine,
        order_line=st.integers(1, 5),
        product_id=st.sampled_from(["P-1", "P-2", "P-3"]),
        quantity=st.decimals(Decimal("0.001"), Decimal("1000"), places=3),
        lot_id=st.one_of(st.none(), st.sampled_from(["L-1", "L-2", "L-3"])),
    ),
    min_size=1,
    max_size=5,
)


def _facts(f: LineFacts) -> tuple[Any, ...]:
    return tuple(getattr(f, n) for n in LineFacts.__slots__)


@given(_LINES, st.booleans())
def test_a_held_document_is_the_same_value_and_its_facts_are_built_again_equal(
    lines: list[DeliveryLine], posted: bool
) -> None:
    day = dt.date(2026, 3, 2)
    notice = DeliveryNotice(
        id="DN-1", order_id="SO-1", lines=lines, issued_by="u1", issued_on=day, contract_id="K-1"
    )
    gi = GoodsIssue(
        id="GI-1",
        order_id="SO-1",
        customer_id="C-1",
        notice_id="DN-1",
        lines=lines,
        issued_on=day,
        posted=posted,
        gate_pass="GP-1",
    )
    for doc in (notice, gi, folds_module._posted(gi)):
        held = folds_module._held(doc)
        assert held == doc and repr(held) == repr(doc) and type(held) is type(doc)
        assert held._facts is None
        assert _facts(line_facts(held)) == _facts(line_facts(doc)) == _facts(LineFacts(doc.lines))
        assert folds_module._held(held) is held
        # Copied, pickled, turned into a dict as before (the facts are not part of the value).
        for again in (copy.copy(held), copy.deepcopy(held), pickle.loads(pickle.dumps(held))):
            assert again == doc and again._facts is None
            assert _facts(line_facts(again)) == _facts(LineFacts(doc.lines))
        plain = attrs.asdict(doc, filter=lambda a, v: a.init)
        assert attrs.asdict(held, filter=lambda a, v: a.init) == plain
        assert attrs.asdict(held)["_facts"] is None
    assert folds_module._posted(gi).posted is True
    assert folds_module._posted(gi)._facts is None


#: Prices and quantities from small pools (so that equal values recur: 2 × 3 and 3 × 2, the
#: same amount in two currencies), and any others.
_PRICES = st.builds(
    Money,
    st.one_of(
        st.sampled_from([Decimal("1.00"), Decimal("2"), Decimal("3.0"), Decimal("1.50")]),
        st.decimals(Decimal("0.01"), Decimal("5000"), places=2),
    ),
    st.sampled_from(["CNY", "USD", "EUR"]),
)
_QUANTITIES = st.one_of(
    st.sampled_from([Decimal("1"), Decimal("2.000"), Decimal("3"), Decimal("0.5"), Decimal("4.0")]),
    st.decimals(Decimal("0.001"), Decimal("500"), places=3),
)


@given(st.lists(st.tuples(_PRICES, _QUANTITIES), max_size=30))
def test_a_shared_delivery_value_is_the_computed_one_to_the_last_digit(
    pairs: list[tuple[Money, Decimal]],
) -> None:
    b = Books()
    for price, qty in pairs:
        value = book_folds_module._value(price, qty)
        assert value is not None
        got = book_folds_module._shared(b, value)
        assert got == value
        assert got.currency == value.currency
        assert got.amount.as_tuple() == value.amount.as_tuple()


@pytest.fixture(scope="module")
def lines() -> list[bytes]:
    year = generate(seed=11, customers=16, orders=220)
    return [ln.encode("utf-8") if isinstance(ln, str) else ln for ln in year.lines()]


def test_the_report_equals_the_one_holding_every_document_in_full(
    lines: list[bytes], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The held notices and goods issues without their line facts, the shared delivery values,
    the commissions sharing their first amount: the same report as the plain way, field by
    field; and the held documents really have no facts."""
    led = ledger_for(POLICY)
    fast = replay(lines, POLICY, source="year.jsonl")
    held = replay(lines, POLICY, source="year.jsonl", ledger=led)
    assert held.to_json() == fast.to_json()
    docs = [
        d
        for c in led.customers()
        for o in c.orders.values()
        for d in (*o.delivery_notices, *o.goods_issues)
    ]
    assert docs and all(d._facts is None for d in docs)
    monkeypatch.setattr(folds_module, "_held", lambda doc: doc)
    monkeypatch.setattr(
        folds_module, "_copy_goods_issue", folds_module._copier(GoodsIssue, "posted")
    )
    monkeypatch.setattr(book_folds_module, "_shared", lambda b, value: value)
    monkeypatch.setattr(folds_module, "plus", lambda a, b: a + b)
    plain = replay(lines, POLICY, source="year.jsonl")
    assert fast.to_dict() == plain.to_dict()
    assert fast.to_json() == plain.to_json()


# -- approvals held frozen, books' indexes of one value, receivable amounts shared ----------

_ACTORS = st.sampled_from(
    [
        Actor("u-1", frozenset({"finance_head"}), "hq", 3, "finance head"),
        Actor("u-2", frozenset({"sales_manager", "general_manager"}), "hq", 4),
        Actor("u-3", frozenset({"legal_reviewer"}), "east-1", 2, "legal"),
    ]
)
#: Fixed offsets, a named one, UTC: equal offsets with another name must not be swapped.
_ZONES = st.sampled_from(
    [
        dt.UTC,
        dt.timezone(dt.timedelta(hours=8)),
        dt.timezone(dt.timedelta(hours=8), "CST"),
        dt.timezone(dt.timedelta(hours=-5, minutes=-30)),
    ]
)
_TIMES = st.builds(
    lambda d, z, fold: d.replace(tzinfo=z, fold=fold),
    st.datetimes(dt.datetime(2020, 1, 1), dt.datetime(2030, 12, 31)),
    _ZONES,
    st.integers(0, 1),
)
_APPROVALS = st.lists(
    st.builds(
        Approval,
        id=st.one_of(
            st.sampled_from(["APR-1", "APR-2", "APR-2026-0003194"]),
            # any canonical id, escapes and non-ASCII included
            st.text(min_size=1, max_size=12).filter(lambda t: ident_problem(t) is None),
        ),
        document_id=st.just("CT-1"),
        role=st.sampled_from(["finance_head", "sales_manager", "legal_reviewer"]),
        approver=_ACTORS,
        granted_at=_TIMES,
        expires_at=st.one_of(st.none(), st.none(), _TIMES),
        max_amount=st.one_of(st.none(), st.none(), _PRICES),
        control_id=st.one_of(st.none(), st.sampled_from(["O2C-CT-03", "O2C-CR-02"])),
    ),
    min_size=1,
    max_size=4,
)


@given(_APPROVALS)
def test_frozen_approvals_are_built_again_equal(approvals: list[Approval]) -> None:
    cold = ColdApprovals()
    held = tuple(approvals)
    text = cold.freeze(held)
    usual = all(
        a.expires_at is None and a.max_amount is None and "\x1e" not in a.id and "\x1f" not in a.id
        for a in held
    )
    if not usual:
        assert text is None  # kept as it is
        return
    assert text is not None
    again = cold.thaw(text, "CT-1")
    assert again == held
    assert repr(again) == repr(held)
    for a, b in zip(again, held, strict=True):
        assert type(a) is Approval
        for f in attrs.fields(Approval):
            x, y = getattr(a, f.name), getattr(b, f.name)
            assert x == y and type(x) is type(y) and repr(x) == repr(y)
        assert a.granted_at.fold == b.granted_at.fold
        assert a.granted_at.tzname() == b.granted_at.tzname()
        assert a.granted_at.isoformat() == b.granted_at.isoformat()
    assert ColdApprovals.count(text) == len(held)
    assert cold_granted(text) == (
        min(instant_of(a.granted_at) for a in held),
        max(instant_of(a.granted_at) for a in held),
    )


_DAY0 = dt.date(2026, 5, 1)


@given(
    st.lists(
        st.tuples(
            st.sampled_from(["SO-1", "CT-1", "CTA-1", "INV-1"]),
            st.integers(-200, 60),
            st.sampled_from([-1, 0, 1, 3_600_000_000]),
        ),
        min_size=1,
        max_size=12,
    ),
    st.lists(st.integers(0, 200), min_size=1, max_size=8),
)
@example(grants=[("CT-1", -1, 0)], sweeps=[0, 119])  # the latest just at the cutoff: kept
@example(grants=[("CT-1", -1, 0), ("CT-1", -1, -1)], sweeps=[0, 119])  # one kept of two
@example(grants=[("CT-1", -1, -1), ("CT-1", -1, 0)], sweeps=[0, 119])
@example(grants=[("CT-1", -1, -1)], sweeps=[0, 119])  # just outside: dropped
def test_a_ledger_holding_approvals_frozen_hands_out_the_same_ones(
    grants: list[tuple[str, int, int]], sweeps: list[int]
) -> None:
    """Approvals granted around the approval retention's cutoff (to the microsecond: just
    inside, at, just outside), swept week by week and month by month: a ledger freezing them
    at every sweep hands out the same approvals, in the same order, as one never freezing
    them."""
    ledgers = (Ledger(), Ledger())
    for i, (doc, days, micro) in enumerate(grants):
        at = dt.datetime.combine(_DAY0 + dt.timedelta(days=days), dt.time(), tzinfo=dt.UTC)
        at += dt.timedelta(microseconds=micro)
        a = Approval(f"APR-{i}", doc, "finance_head", Actor("u-1", frozenset({"x"})), at)
        for led in ledgers:
            led.add_approval(a)
    for d in sorted(sweeps):
        day = _DAY0 + dt.timedelta(days=d)
        for led, after in zip(ledgers, (0, 36_500), strict=True):
            led._evicted_on = None
            old = ledger_module.APPROVALS_COLD_AFTER_DAYS
            ledger_module.APPROVALS_COLD_AFTER_DAYS = after
            try:
                led._evict(day)
            finally:
                ledger_module.APPROVALS_COLD_AFTER_DAYS = old
        cold, plain = ledgers
        assert not any(isinstance(v, str) for v in plain._approvals.values())
        for doc in ("SO-1", "CT-1", "CTA-1", "INV-1"):
            assert cold.approvals_of(doc) == plain.approvals_of(doc)
        assert cold.size()["approvals"] == plain.size()["approvals"]
        assert cold._approvals.keys() == plain._approvals.keys()


def test_the_report_equals_the_one_holding_approvals_as_objects(
    lines: list[bytes], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A demo year with approvals frozen after a week (the default) and at every sweep (the
    day before): the same report as with none frozen; and frozen approvals were read. (In this
    year no decision turns on an approval read after its day: the approvals themselves are
    pinned by the properties above and by the context of an order placed after they froze.)"""
    base = replay(lines, POLICY, source="year.jsonl")
    thawed: list[int] = []
    real = ColdApprovals.thaw

    def thaw(self: ColdApprovals, text: str, document_id: str) -> tuple[Approval, ...]:
        thawed.append(1)
        return real(self, text, document_id)

    monkeypatch.setattr(ColdApprovals, "thaw", thaw)
    monkeypatch.setattr(ledger_module, "APPROVALS_COLD_AFTER_DAYS", 0)
    led = ledger_for(POLICY)
    eager = replay(lines, POLICY, source="year.jsonl", ledger=led)
    assert any(isinstance(v, str) for v in led._approvals.values())
    assert thawed  # events named documents whose approvals were frozen
    monkeypatch.setattr(ledger_module, "APPROVALS_COLD_AFTER_DAYS", 36_500)
    plain = replay(lines, POLICY, source="year.jsonl")
    assert base.to_json() == plain.to_json()
    assert eager.to_json() == plain.to_json()


@given(st.lists(st.tuples(st.sampled_from(["INV-1", "INV-2", "INV-3"]), st.integers(0, 9))))
def test_an_index_of_one_value_files_and_reads_as_a_list_would(
    ops: list[tuple[str, int]],
) -> None:
    index: dict[str, Any] = {}
    plain: dict[str, list[Any]] = {}
    for key, n in ops:
        value = f"X-{n}"
        file_under(index, key, value)
        plain.setdefault(key, []).append(value)
        for k in ("INV-1", "INV-2", "INV-3"):
            assert filed_under(index, k) == tuple(plain.get(k, ()))
    assert all(type(v) is str for k, v in index.items() if len(plain[k]) == 1)


@given(
    st.one_of(
        st.decimals(allow_nan=False, allow_infinity=False, places=2),
        st.decimals(allow_nan=False, allow_infinity=False, places=0),
        st.decimals(allow_nan=False, allow_infinity=False),
        st.sampled_from([Decimal("-0.00"), Decimal("0"), Decimal("1E+3"), Decimal("12.3")]),
    ),
    st.sampled_from(["CNY", "JPY", "USD", "KWD"]),
)
def test_a_receivable_amount_shares_the_entry_amount_and_equals_money(
    amount: Decimal, currency: str
) -> None:
    try:
        want = Money(amount, currency)
    except SalesctlError:
        with pytest.raises(SalesctlError):
            books_module._money(amount, currency)
        return
    got = books_module._money(amount, currency)
    assert got == want and repr(got) == repr(want)
    assert got.amount.as_tuple() == want.amount.as_tuple()
    if amount.as_tuple().exponent == want.amount.as_tuple().exponent:
        assert got.amount is amount  # shared, not copied


@pytest.mark.parametrize("after", [0, 7, 8, 36_500])
def test_an_order_placed_after_its_approvals_froze_gets_the_same_context(
    after: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Approvals granted on 1 March, the week's sweep on 9 March (frozen after 0 and 7 days,
    not after 8 or never): the context of an order placed on the 10th holds the same approvals,
    equal to the granted ones and in order, however they were held."""
    monkeypatch.setattr(ledger_module, "APPROVALS_COLD_AFTER_DAYS", after)
    led = Ledger()
    o = tb.order(id="SO-1", seq=1, lines=(tb.line(1, "10", "1000"),))
    granted = (
        tb.approval("SO-1", "sales_manager", granted_at=tb.at(1, 9, 3)),
        tb.approval("SO-1", "finance_head", tb.MAINTAINER, id="APR-2", granted_at=tb.at(1, 10, 3)),
    )
    for a in granted:
        led.apply(GrantApproval(at=a.granted_at, approval=a))
    other = tb.approval("SO-9", "sales_manager", granted_at=tb.at(9, 9, 3))
    led.apply(GrantApproval(at=other.granted_at, approval=other))  # the sweep of the 9th
    assert isinstance(led._approvals["SO-1"], str) is (after <= 7)
    ctx = led.context_for(tb.place(o, when=tb.at(10, 10, 3)))
    assert ctx.approvals == granted and repr(ctx.approvals) == repr(granted)


# -- own ids read as decoded, not interned -------------------------------------------------


def _own_ids(value: Any, out: list[tuple[type, str, str]]) -> None:
    """Each str value of an :data:`~salesctl.fastreplay.decode.OWN_IDS` field in ``value``
    (an event and the documents it carries), with its class and field."""
    if not attrs.has(type(value)):
        if isinstance(value, tuple | frozenset):
            for v in value:
                _own_ids(v, out)
        return
    for a in attrs.fields(type(value)):
        v = getattr(value, a.name)
        if (type(value), a.name) in decode_module.OWN_IDS and type(v) is str:
            out.append((type(value), a.name, v))
        else:
            _own_ids(v, out)


def test_own_ids_are_read_equal_and_not_shared_other_ids_shared(lines: list[bytes]) -> None:
    """A line read twice gives equal events; the fields of ``OWN_IDS`` (a document's own id no
    other line names) are two instances of the text, not the interned one, while the ids
    that recur (the document an approval is for) are one instance."""
    dec = decode_module.Decoder()
    seen: set[tuple[type, str]] = set()
    approvals = 0
    for i, raw in enumerate(lines):
        a, b = dec.decode(raw, i + 1), dec.decode(raw, i + 1)
        if isinstance(a, MalformedEvent) or a is None:
            continue  # a rejected line (the year's planted faults): no event
        assert a == b
        found: list[tuple[type, str, str]] = []
        _own_ids(a, found)
        for (cls, name, x), (_, _, y) in zip(found, _own_ids_of(b), strict=True):
            assert x == y and x is not y, (cls, name)
            seen.add((cls, name))
        if isinstance(a, GrantApproval):
            assert a.approval.document_id is b.approval.document_id
            approvals += 1
    assert approvals and len(seen) >= 5, seen


def _own_ids_of(value: Any) -> list[tuple[type, str, str]]:
    out: list[tuple[type, str, str]] = []
    _own_ids(value, out)
    return out


def test_the_report_equals_the_one_interning_every_id(lines: list[bytes]) -> None:
    """The replay reading own ids as decoded reports what it does with every id interned."""
    fast = replay(lines, POLICY, source="year.jsonl")
    own = decode_module.OWN_IDS
    decode_module._compiled.cache_clear()
    try:
        decode_module.OWN_IDS = frozenset()
        interned = replay(lines, POLICY, source="year.jsonl")
    finally:
        decode_module.OWN_IDS = own
        decode_module._compiled.cache_clear()
    assert fast.to_json() == interned.to_json()


class _NeverKept(dict[Any, Any]):
    """A lookup that keeps nothing: every approval looked up by value, as before."""

    def __setitem__(self, key: Any, value: Any) -> None:
        pass


#: Equal actors as distinct instances (the lookup by identity must give the value's entry).
_ACTOR_COPIES = st.sampled_from(
    [
        Actor("u-1", frozenset({"finance_head"}), "hq", 3, "finance head"),
        Actor("u-1", frozenset({"finance_head"}), "hq", 3, "finance head"),
        Actor("u-1", frozenset({"finance_head"}), "hq", 3),
        Actor("u-2", frozenset({"sales_manager", "general_manager"}), "hq", 4),
    ]
)


@given(
    st.lists(
        st.lists(
            st.builds(
                Approval,
                id=st.sampled_from(["APR-1", "APR-2", "APR-2026-0003194"]),
                document_id=st.just("CT-1"),
                role=st.sampled_from(["finance_head", "sales_manager"]),
                approver=_ACTOR_COPIES,
                granted_at=_TIMES,
                control_id=st.one_of(st.none(), st.sampled_from(["O2C-CT-03", "O2C-CR-02"])),
            ),
            min_size=1,
            max_size=4,
        ),
        min_size=1,
        max_size=8,
    ),
    st.booleans(),
)
def test_frozen_texts_by_identity_equal_the_ones_looked_up_by_value(
    documents: list[list[Approval]], small: bool
) -> None:
    """``freeze`` finds a shared entry by the approver's identity: document after document,
    the same texts (the same entries, in the same order) as a store looking every approval up
    by its value, and they thaw equal; also with the lookup emptied at every entry."""
    fast, plain = ColdApprovals(), ColdApprovals()
    plain._by_identity = _NeverKept()
    old = cold_module._IDENTITIES
    if small:
        cold_module._IDENTITIES = 1
    try:
        for approvals in documents:
            held = tuple(approvals)
            text = fast.freeze(held)
            assert text == plain.freeze(held)
            assert text is not None
            again = fast.thaw(text, "CT-1")
            assert again == held and repr(again) == repr(held)
    finally:
        cold_module._IDENTITIES = old
    assert fast._shared == plain._shared


@given(
    st.datetimes(dt.datetime(1, 1, 1), dt.datetime(9999, 12, 31, 23, 59, 59, 999999)),
    _ZONES,
    st.integers(0, 1),
)
@example(dt.datetime(1, 1, 3), dt.timezone(dt.timedelta(hours=-5, minutes=-30)), 1)
@example(dt.datetime(1, 1, 1, 2), dt.timezone(dt.timedelta(hours=8)), 0)  # UTC in year 0
@example(dt.datetime(9999, 12, 29, 23, 59), dt.timezone(dt.timedelta(hours=8)), 0)
def test_a_time_near_the_calendars_ends_stays_or_thaws_equal(
    local: dt.datetime, zone: dt.timezone, fold: int
) -> None:
    """A time of grant frozen as its UTC instant is read back equal (its local time, zone and
    fold); one the calendar could not read back in its zone is not frozen."""
    at = local.replace(tzinfo=zone, fold=fold)
    a = Approval("APR-1", "CT-1", "finance_head", Actor("u-1", frozenset({"x"})), at)
    cold = ColdApprovals()
    text = cold.freeze((a,))
    if text is None:
        assert not dt.datetime(1, 1, 2) < local < dt.datetime(9999, 12, 30)
        return
    (again,) = cold.thaw(text, "CT-1")
    assert again == a and repr(again) == repr(a)
    assert again.granted_at.isoformat() == at.isoformat() and again.granted_at.fold == fold


@given(
    st.integers(cold_module._FIRST, cold_module._LAST),
    st.one_of(st.integers(-(10**18), 10**18), st.integers(cold_module._FIRST - 2, 10**17)),
)
@example(cold_module._FIRST, cold_module._FIRST)
@example(cold_module._LAST, cold_module._LAST + 1)
def test_a_frozen_texts_digits_compare_with_the_floor_as_its_instant(low: int, cut: int) -> None:
    """The sweep keeps a frozen document whole by comparing its text's first digits with
    ``cold_floor(cut)``: as the earliest grant's instant compares with ``cut``."""
    text = f"{low:0{COLD_WIDTH}d}{low:0{COLD_WIDTH}d}APR-1"
    assert cold_granted(text)[0] == low
    assert (text[:COLD_WIDTH] >= cold_floor(cut)) == (low >= cut)


# -- contracts held frozen ----------------------------------------------------------------------

_IDS = st.one_of(
    st.sampled_from(["CT-1", "CT-2026-00001", "SO-2026-000004", "CTA-7"]),
    # any canonical id, escapes, non-ASCII and the separator included
    st.text(min_size=1, max_size=10).filter(lambda t: ident_problem(t) is None),
    st.just("CT\x1f1"),
)
_OPTIONAL_IDS = st.one_of(st.none(), st.none(), _IDS)
_AMOUNTS = st.one_of(
    st.sampled_from([Decimal("153060.00"), Decimal("1"), Decimal("2.50"), Decimal("1E+3")]),
    st.decimals(Decimal("0.01"), Decimal("1000000"), places=2),
)
_HELD = st.one_of(
    st.sampled_from(
        [state_module.ZERO, Decimal(0), Decimal("0.00"), Decimal("-0"), Decimal("1E+2")]
    ),
    st.decimals(Decimal(0), Decimal("1000000"), places=2),
)


def _contract(
    id: str,
    amount: Decimal,
    currency: str,
    first: Decimal | None,
    first_currency: str,
    lines: bool,
    **kw: Any,
) -> Contract:
    """A contract assembled without its validators (as the trusted builders hold them; any
    id, any amount of the generated ones)."""
    k = object.__new__(Contract)
    values = {
        "id": id,
        "amount": Money._trusted(amount, currency),
        "first_payment": None if first is None else Money._trusted(first, first_currency),
        "lines": (tb.line(1, "100", "1000"),) if lines else (),
        **kw,
    }
    for a in attrs.fields(Contract):
        object.__setattr__(k, a.name, values[a.name])
    return k


_CONTRACTS = st.builds(
    _contract,
    id=_IDS,
    amount=_AMOUNTS,
    currency=st.sampled_from(["CNY", "USD", "JPY"]),
    first=st.one_of(st.none(), _AMOUNTS),
    first_currency=st.sampled_from(["CNY", "CNY", "USD"]),
    lines=st.sampled_from([False, False, False, True]),
    customer_id=_IDS,
    payment=st.sampled_from(
        [
            PaymentTerms(PaymentMethod.CREDIT, 30),
            PaymentTerms(PaymentMethod.CREDIT, 30),
            PaymentTerms(PaymentMethod.PREPAYMENT, 0),
            PaymentTerms(PaymentMethod.CREDIT, 60, end_of_month_plus(30)),
        ]
    ),
    created_by=_IDS,
    status=st.sampled_from(list(ContractStatus)),
    form=st.sampled_from(list(ContractForm)),
    template_id=st.one_of(_OPTIONAL_IDS, st.just("")),
    deviation=st.sampled_from(list(TemplateDeviation)),
    application_id=_OPTIONAL_IDS,
    sales_policy_ref=st.one_of(_OPTIONAL_IDS, st.just("")),
    order_id=_OPTIONAL_IDS,
    signed_on=st.one_of(st.none(), st.dates(), st.just(dt.datetime(2026, 3, 1, 12))),
)


def _exactly(x: Any) -> tuple[type, str]:
    return type(x), repr(x)


@given(
    st.lists(
        st.tuples(
            _CONTRACTS, _HELD, _HELD, st.one_of(st.dates(), st.just(dt.datetime(2026, 3, 1)))
        ),
        min_size=1,
        max_size=4,
    ),
    st.booleans(),
)
def test_a_frozen_contract_is_built_again_equal(rows: list[Any], under_another_id: bool) -> None:
    """A contract's state frozen and built again: the contract equal, of its type, with the
    same ``repr`` (every amount of the same digits and exponent, every field's type the
    same), the amounts collected and commissions paid the same digits (the ledger's shared
    zero kept as it, any other zero built as it was written), the date of its last change;
    several contracts through one store (the payment terms' table shared). Frozen only when
    every value reads back exactly: the id its key, no separator in a text, no empty
    optional text, a first payment in the contract's currency, dates that are dates; its
    payment terms and lines the very instances it held."""
    cold = ColdContracts()
    for k, collected, commissions, touched in rows:
        key = "CT-other" if under_another_id else k.id
        state = ContractState(k, collected, commissions, touched)
        text = cold.freeze(key, state)
        texts = (  # the id is the key, not in the text
            k.customer_id,
            k.created_by,
            k.template_id,
            k.application_id,
            k.sales_policy_ref,
            k.order_id,
        )
        exact = (
            key == k.id
            and not any(t is not None and "\x1f" in t for t in texts)
            and "" not in (k.template_id, k.sales_policy_ref)
            and (k.first_payment is None or k.first_payment.currency == k.amount.currency)
            and type(k.signed_on) is not dt.datetime
            and type(touched) is not dt.datetime
        )
        assert (text is not None) == exact
        if text is None:
            continue
        again = cold.thaw(key, text)
        assert again.contract == k
        assert _exactly(again.contract) == _exactly(k)
        for name in ("amount", "first_payment", "signed_on", "payment", "status"):
            assert _exactly(getattr(again.contract, name)) == _exactly(getattr(k, name))
        assert again.contract.payment is k.payment
        assert len(again.contract.lines) == len(k.lines)
        assert all(map(operator.is_, again.contract.lines, k.lines))
        assert _exactly(again.collected) == _exactly(collected)
        assert _exactly(again.commissions_paid) == _exactly(commissions)
        assert (again.collected is state_module.ZERO) == (collected is state_module.ZERO)
        assert (again.commissions_paid is state_module.ZERO) == (commissions is state_module.ZERO)
        assert again.last_touched == touched and type(again.last_touched) is dt.date
        assert again.account is None


def test_the_report_equals_the_one_holding_contracts_as_objects(
    lines: list[bytes], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A demo year with the contracts not read for a week held frozen (the default): the same
    report as with every contract held as objects; contracts were frozen and built again; at
    the end, every contract the ledger holds built again equals the one held as objects."""
    thawed: list[int] = []
    real = ColdContracts.thaw

    def thaw(self: ColdContracts, contract_id: str, text: str) -> ContractState:
        thawed.append(1)
        return real(self, contract_id, text)

    monkeypatch.setattr(ColdContracts, "thaw", thaw)
    cold_led = ledger_for(POLICY)
    cold = replay(lines, POLICY, source="year.jsonl", ledger=cold_led)
    assert any(isinstance(v, str) for v in cold_led.contracts.values())
    assert thawed
    monkeypatch.setattr(cold_contracts_module, "CONTRACTS_COLD", False)
    plain_led = ledger_for(POLICY)
    plain = replay(lines, POLICY, source="year.jsonl", ledger=plain_led)
    assert not any(isinstance(v, str) for v in plain_led.contracts.values())
    assert cold.to_json() == plain.to_json()
    assert cold_led.contracts.keys() == plain_led.contracts.keys()
    for cid in plain_led.contracts:
        a, b = cold_led.contract_state(cid), plain_led.contract_state(cid)
        assert a is not None and b is not None
        assert (a.contract, a.collected, a.commissions_paid, a.last_touched) == (
            b.contract,
            b.collected,
            b.commissions_paid,
            b.last_touched,
        )
        assert repr(a.contract) == repr(b.contract)


# -- the instants computed from a time's fields (issue 16, thirteenth pass) --------------------

#: Fixed offsets of every kind a ``timezone`` takes (seconds and microseconds, either sign,
#: named or not), and one zone that is not a fixed offset.
_ANY_OFFSET = st.one_of(
    _ZONES,
    st.builds(
        dt.timezone,
        st.timedeltas(dt.timedelta(hours=-23, minutes=-59), dt.timedelta(hours=23, minutes=59)),
    ),
    st.builds(
        lambda d, name: dt.timezone(d, name),
        st.timedeltas(dt.timedelta(hours=-23), dt.timedelta(hours=23)),
        st.sampled_from(["CST", "X"]),
    ),
)


def _aware_instant(at: dt.datetime) -> int:
    """The instant as the aware subtraction gives it (what ``_instant`` replaces)."""
    return (at - cold_module._EPOCH) // cold_module._MICRO


@given(
    st.datetimes(dt.datetime(1, 1, 2), dt.datetime(9999, 12, 30, 23, 59, 59, 999999)),
    _ANY_OFFSET,
    st.integers(0, 1),
    st.booleans(),
)
@example(dt.datetime(1, 1, 2), dt.timezone(dt.timedelta(hours=23, minutes=59)), 0, False)
@example(
    dt.datetime(9999, 12, 30, 23, 59, 59, 999999),
    dt.timezone(-dt.timedelta(hours=23, minutes=59, microseconds=1)),
    1,
    True,
)
@example(dt.datetime(2026, 3, 1, 0, 0), dt.timezone(dt.timedelta(hours=8)), 0, True)
def test_an_instant_from_a_times_fields_is_the_aware_subtractions(
    local: dt.datetime, zone: dt.timezone, fold: int, small: bool
) -> None:
    """``_instant`` (and ``instant_of``) computes a fixed offset's instant from the wall time's
    fields and the offset kept by zone: the aware subtraction's integer, for any offset (a
    zone's name does not matter), either fold, also with the offsets' table emptied at every
    zone; a time in another kind of zone goes the aware way."""
    at = local.replace(tzinfo=zone, fold=fold)
    old = cold_module._OFFSETS_MAX
    if small:
        cold_module._OFFSETS_MAX = 1
    try:
        assert cold_module._instant(at) == _aware_instant(at)
        assert instant_of(at) == _aware_instant(at)
        assert cold_module._instant(at.astimezone(dt.UTC)) == _aware_instant(at)
    finally:
        cold_module._OFFSETS_MAX = old
    assert len(cold_module._OFFSETS) <= max(old, 1)


class _OtherZone(dt.tzinfo):
    """A zone that is not a ``datetime.timezone`` (its offset by the hour of the time)."""

    def utcoffset(self, d: dt.datetime | None) -> dt.timedelta:
        return dt.timedelta(hours=(d.hour % 3) if d is not None else 0)

    def dst(self, d: dt.datetime | None) -> dt.timedelta:
        return dt.timedelta(0)


@given(st.datetimes(dt.datetime(2020, 1, 1), dt.datetime(2030, 12, 31)))
def test_an_instant_in_another_zone_is_the_aware_subtractions(local: dt.datetime) -> None:
    at = local.replace(tzinfo=_OtherZone())
    assert cold_module._instant(at) == _aware_instant(at)


def _freeze_warm_plain(
    cold: ColdApprovals, held: dict[str, Any], warm: dict[str, None], before: dt.datetime
) -> None:
    """``freeze_warm`` as it was: each time of grant compared with ``before`` as aware times,
    and ``freeze`` computing every instant itself."""
    for d in list(warm):
        on = held.get(d)
        if isinstance(on, tuple):
            for a in on:
                if a.granted_at >= before:
                    break
            else:
                text = cold.freeze(on)
                if text is not None:
                    held[d] = text
                del warm[d]
        else:
            del warm[d]


_WARM_ZONES = st.one_of(_ZONES, st.just(_OtherZone()))


@given(
    st.lists(
        st.tuples(
            st.sampled_from(["SO-1", "CT-1", "CTA-1", "INV-1"]),
            st.datetimes(dt.datetime(2026, 4, 20), dt.datetime(2026, 5, 10)),
            _WARM_ZONES,
            st.integers(0, 1),
            st.booleans(),
        ),
        min_size=1,
        max_size=10,
    ),
    st.datetimes(dt.datetime(2026, 4, 25), dt.datetime(2026, 5, 5)),
    st.one_of(st.just(dt.UTC), _ZONES),
    st.sampled_from([0, 1, -1]),
)
@example(
    grants=[("CT-1", dt.datetime(2026, 5, 1, 8), dt.timezone(dt.timedelta(hours=8)), 0, False)],
    before=dt.datetime(2026, 5, 1),
    zone=dt.UTC,
    nudge=0,
)  # granted exactly at the cutoff: not frozen
@example(
    grants=[("CT-1", dt.datetime(2026, 5, 1, 8), dt.timezone(dt.timedelta(hours=8)), 0, False)],
    before=dt.datetime(2026, 5, 1),
    zone=dt.UTC,
    nudge=1,
)  # a microsecond before it: frozen
def test_freezing_the_warm_documents_by_instants_equals_comparing_times(
    grants: list[tuple[str, dt.datetime, dt.tzinfo, int, bool]],
    before: dt.datetime,
    zone: dt.tzinfo,
    nudge: int,
) -> None:
    """``freeze_warm`` compares a fixed offset's time of grant with the cutoff as instants and
    hands them to ``freeze``: the same documents frozen into the same texts, the same left
    warm or as they were, as comparing the aware times and freezing from the approvals
    alone — times at, just before and just after the cutoff, in fixed offsets, in UTC and in
    a zone that is not one, an unusual approval (an expiry) among them."""
    cut = before.replace(tzinfo=zone) + dt.timedelta(microseconds=nudge)
    actor = Actor("u-1", frozenset({"x"}))
    docs: dict[str, tuple[Approval, ...]] = {}
    for i, (doc, local, z, fold, expiring) in enumerate(grants):
        at = local.replace(tzinfo=z, fold=fold)
        a = Approval(
            f"APR-{i}", doc, "finance_head", actor, at, expires_at=at if expiring else None
        )
        docs[doc] = (*docs.get(doc, ()), a)
    fast, plain = ColdApprovals(), ColdApprovals()
    held_fast: dict[str, Any] = dict(docs)
    held_plain: dict[str, Any] = dict(docs)
    warm_fast = dict.fromkeys(docs)
    warm_plain = dict.fromkeys(docs)
    fast.freeze_warm(held_fast, warm_fast, cut)
    _freeze_warm_plain(plain, held_plain, warm_plain, cut)
    assert held_fast == held_plain
    assert warm_fast == warm_plain
    assert fast._shared == plain._shared
    for doc, on in held_fast.items():
        if isinstance(on, str):
            assert fast.thaw(on, doc) == docs[doc]
