"""The CPU shortcuts of the replay (issue 16, fifth pass), each pinned to the slow path it
replaces: the validators' passing cases tested inline by the trusted builders, the converters
skipped on values of their type, documents shared by their text, keys counted without a
regex, ``scope_of``'s per-class plans and the generated context builder."""

from __future__ import annotations

import contextlib
import datetime as dt
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import attrs
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from salesctl import _validators as v
from salesctl._convert import strict_datetime
from salesctl.audit.engine import _Tallies
from salesctl.audit.rows import ControlTally
from salesctl.decision import Outcome
from salesctl.demo import generate
from salesctl.errors import SalesctlError
from salesctl.events import MalformedEvent, read_events
from salesctl.fastreplay import Decoder
from salesctl.fastreplay import decode as decode_mod
from salesctl.fastreplay import trusted as trusted_mod
from salesctl.fastreplay.trusted import (
    _SIGN_PASSES,
    CONVERTED,
    IDENTS,
    PASSES,
    POST_PASSES,
    SEEN_PASSES,
)
from salesctl.ledger import Scope, scope_of
from salesctl.ledger.context import advance_money, business_date
from salesctl.model import SalesOrder
from salesctl.money import Money
from salesctl.records import ContractLedgerLine, LedgerBook
from salesctl.transactions import Transaction


@pytest.fixture(scope="module")
def lines() -> list[bytes]:
    year = generate(seed=11, customers=12, orders=120)
    return [ln.encode("utf-8") if isinstance(ln, str) else ln for ln in year.lines()]


def _generic(raw: bytes, line: int = 1) -> object:
    return next((item for _n, item in read_events((raw,), first_line=line)), None)


def _same(a: object, b: object) -> bool:
    if isinstance(a, MalformedEvent) or isinstance(b, MalformedEvent):
        return (
            isinstance(a, MalformedEvent)
            and isinstance(b, MalformedEvent)
            and (a.line, a.path, a.reason, a.value) == (b.line, b.path, b.reason, b.value)
        )
    return a == b


# -- inline passing conditions ----------------------------------------------------------------

_TEXTS = st.one_of(
    st.text(max_size=6),
    st.sampled_from(["", " ", "\u3000", "\u00a0x", "x\u200b", "u-rep", " u", "u ", "张三", "\x00"]),
)
_DECIMALS = st.one_of(
    st.decimals(allow_nan=True, allow_infinity=True, places=2),
    st.sampled_from(
        [Decimal("0"), Decimal("-0"), Decimal("0.00"), Decimal("NaN"), Decimal("sNaN")]
    ),
)
_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-3, 3),
    st.floats(allow_nan=True),
    _TEXTS,
    _DECIMALS,
    st.builds(Money, st.decimals(-5, 5, places=2), st.sampled_from(["CNY", "USD"])),
    st.just(dt.date(2026, 1, 1)),
    st.just(()),
)


@attrs.frozen
class _Holder:
    f: Any


_ATTR = attrs.fields(_Holder).f


def _holds(cond: str, value: Any) -> bool | None:
    """The inline condition on ``value`` (``None``: it raised, which sends a decoded line to
    the generic reader)."""
    ns = {"_Dec": Decimal, "_Money": Money, "_ZERO": Decimal(0), "x": value}
    try:
        return bool(eval(cond.format(x="x"), ns))
    except ArithmeticError:
        return None


def _passes(check: Any, value: Any) -> bool:
    try:
        check(_Holder(None), _ATTR, value)
    except SalesctlError:
        return False
    return True


_CONDITIONS = [(getattr(c, "__qualname__", str(c)), c, cond) for c, cond in PASSES.items()] + [
    (f"{c.__qualname__}[{t.__name__}]", c, cond) for (c, t), cond in _SIGN_PASSES.items()
]


@pytest.mark.parametrize(("name", "check", "cond"), _CONDITIONS, ids=[c[0] for c in _CONDITIONS])
@settings(max_examples=300, deadline=None)
@given(value=_VALUES)
def test_an_inline_condition_holds_only_where_its_validator_passes(
    name: str, check: Any, cond: str, value: Any
) -> None:
    """Whenever the builder's inline condition holds, the validator it skips would pass."""
    if _holds(cond, value):
        assert _passes(check, value), (name, value)


@pytest.mark.parametrize(
    ("check", "value"),
    [
        (v.text, "SO-1"),
        (v.opt_text, None),
        (v.ident, "u-rep"),
        (v.opt_ident, None),
        (v.non_negative, Decimal("0.00")),
        (v.positive, Money(Decimal("1.00"), "CNY")),
    ],
)
def test_the_inline_conditions_hold_for_ordinary_values(check: Any, value: Any) -> None:
    """Not vacuous: the common values take the inline path."""
    conds = [c for (chk, _t), c in _SIGN_PASSES.items() if chk is check] or [PASSES[check]]
    assert any(_holds(c, value) for c in conds)


@given(value=st.one_of(_VALUES, st.lists(_TEXTS, max_size=3).map(tuple), st.frozensets(_TEXTS)))
def test_a_skipped_converter_returns_a_value_of_its_type_unchanged(value: Any) -> None:
    for conv, kept in CONVERTED.items():
        if type(value) is kept:
            assert conv(value) is value


# -- post-init checks skipped when they certainly pass ----------------------------------------

_MONEYS = st.builds(Money, st.decimals(0, 10**6, places=0), st.sampled_from(["CNY", "USD", "JPY"]))


def _post_holds(cls: type, values: dict[str, Any]) -> bool:
    names = {a.name: f"v[{a.name!r}]" for a in attrs.fields(cls)}
    return bool(eval(POST_PASSES[cls].format(**names), {"v": values}))


def _bare(cls: type, values: dict[str, Any]) -> Any:
    """An instance with these fields, no validator or post-init run."""
    obj = object.__new__(cls)
    for name, value in values.items():
        object.__setattr__(obj, name, value)
    return obj


@settings(max_examples=300, deadline=None)
@given(
    amounts=st.lists(_MONEYS, min_size=4, max_size=4),
    book=st.sampled_from(list(LedgerBook)),
)
def test_a_ledger_lines_post_init_passes_and_sets_nothing_where_its_condition_holds(
    amounts: list[Money], book: LedgerBook
) -> None:
    """``POST_PASSES``: whenever the builder's condition holds, the ``__attrs_post_init__``
    it skips raises nothing and changes nothing; where it does not, the post-init raises
    (the condition is no weaker than the check), so both paths give the same error."""
    assert set(POST_PASSES) == {ContractLedgerLine}
    values: dict[str, Any] = {
        "contract_id": "CT-1",
        "customer_id": "C-1",
        "book": book,
        "as_of": dt.date(2026, 1, 31),
        **dict(zip(("value", "delivered", "invoiced", "collected"), amounts, strict=True)),
    }
    line = _bare(ContractLedgerLine, values)
    if _post_holds(ContractLedgerLine, values):
        line.__attrs_post_init__()
        assert {a.name: getattr(line, a.name) for a in attrs.fields(ContractLedgerLine)} == values
    else:
        with pytest.raises(SalesctlError):
            line.__attrs_post_init__()


def test_the_post_init_condition_holds_for_a_ledger_line_in_one_currency() -> None:
    """Not vacuous: the common line takes the inline path."""
    one = Money(Decimal("1.00"), "CNY")
    values = {"value": one, "delivered": one, "invoiced": one, "collected": one}
    assert _post_holds(ContractLedgerLine, values)


# -- converters' tables looked up by the builders ---------------------------------------------


@settings(max_examples=300, deadline=None)
@given(
    text=st.one_of(
        st.sampled_from(
            [
                "1.00 CNY", "1 JPY", "1.005 CNY", "-3.00 USD", "1.00 XXX", "2026-01-31",
                "2026-02-30", "2026-01-01T08:00:00+08:00", "2026-01-01T08:00:00", "12",
                "0.00", "1e3", "NaN",
            ]
        ),
        st.text(max_size=12),
        st.integers(-5, 5),
    )
)  # fmt: skip
def test_a_table_hit_is_what_the_converter_returns(text: Any) -> None:
    """The trusted builders look a decoded text up in its converter's table (``_TABLES``)
    and call the converter only on a miss: whatever a table holds for a text is what the
    converter returns for it (an equal value of the same type, or it would have raised);
    the optional forms give ``None`` for null and the converter's value otherwise."""
    for conv, table in decode_mod._TABLES.items():
        if type(text) is int and conv is not decode_mod._decimal_shared:
            continue  # msgspec decodes only text for the others
        try:
            got = conv(text, [0])
        except (SalesctlError, ValueError, TypeError, ArithmeticError, decode_mod._Slow):
            assert text not in table
            continue
        hit = table.get(text)
        if hit is not None:
            assert type(hit) is type(got) and hit == got
            assert conv(text, [0]) is hit
        opt = decode_mod._OPTIONAL[conv]
        assert opt(None, [0]) is None
        assert opt(text, [0]) == got


# -- documents shared by their text -----------------------------------------------------------


def test_a_shared_document_is_one_instance_and_equals_the_generic_readers(
    lines: list[bytes],
) -> None:
    d = Decoder()
    orders: dict[str, list[SalesOrder]] = {}
    for n, raw in enumerate(lines, start=1):
        got = d.decode(raw, n)
        assert _same(got, _generic(raw, n)), n
        order = getattr(got, "order", None)
        if isinstance(order, SalesOrder):
            orders.setdefault(order.id, []).append(order)
    repeated = [os for os in orders.values() if len(os) > 1]
    assert repeated, "no order carried by several events"
    for os in repeated:
        if all(o == os[0] for o in os):
            assert all(o is os[0] for o in os)  # one document, built once


def test_the_shared_tables_and_times_empty_when_full_and_still_decode_the_same(
    lines: list[bytes], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(decode_mod, "SHARED_MAX", 2)
    monkeypatch.setattr(decode_mod, "_SEEN_TIMES_MAX", 3)
    d = Decoder()
    for n, raw in enumerate(lines[:800], start=1):
        assert _same(d.decode(raw, n), _generic(raw, n)), n


def test_null_for_a_shared_document(lines: list[bytes]) -> None:
    """``null`` where a shared document may be absent reads as ``None``; where it is required,
    the line is refused with the generic reader's error."""
    raw = next(r for r in lines if b'"credit_profile":{' in r and b'"PlaceOrder"' in r)
    i = raw.index(b'"credit_profile":{') + len(b'"credit_profile":')
    depth, j = 0, i
    while True:
        depth += {ord("{"): 1, ord("}"): -1}.get(raw[j], 0)
        j += 1
        if depth == 0:
            break
    optional = raw[:i] + b"null" + raw[j:]
    got = Decoder().decode(optional, 2)
    assert _same(got, _generic(optional, 2))
    assert getattr(got, "order").customer.credit_profile is None  # noqa: B009
    k = raw.index(b'"customer":{') + len(b'"customer":')
    required = raw[:k] + b'null, "x_": ' + raw[k:]
    assert isinstance(Decoder().decode(required, 3), MalformedEvent)
    assert _same(Decoder().decode(required, 3), _generic(required, 3))


# -- keys counted without a regex -------------------------------------------------------------


@settings(max_examples=100, deadline=None)
@given(data=st.data())
def test_a_duplicate_key_is_found_with_or_without_spaces_before_colons(
    lines: list[bytes], data: st.DataObject
) -> None:
    raw = data.draw(st.sampled_from(lines[:300])).rstrip(b"\n")
    key = data.draw(st.sampled_from([b"at", b"type", b"id", b"customer_id"]))
    gap = data.draw(st.sampled_from([b"", b" ", b"\t", b"\r\n", b"  "]))
    dup = raw[:-1] + b', "' + key + b'"' + gap + b': "2026-01-01T00:00:00+08:00"}'
    if data.draw(st.booleans()):
        dup = dup.replace(b'":', b'"' + gap + b":", data.draw(st.integers(0, 3)))
    assert _same(Decoder().decode(dup, 7), _generic(dup, 7))


# -- scope_of's plans -------------------------------------------------------------------------


def _reference_scope(event: Any) -> Scope:
    """``scope_of`` as it was before its per-class plans (the field sets built per call)."""
    from salesctl.ledger.scope import _SKIP, _add

    s = Scope()
    if isinstance(event, Transaction):
        with contextlib.suppress(NotImplementedError):
            _add(s.document_ids, event.document_id)
    for a in type(event).__attrs_attrs__:
        if a.name in _SKIP:
            continue
        doc = getattr(event, a.name)
        if doc is None or isinstance(doc, str | bool | int | Decimal | Money | dt.date):
            if a.name in ("release_id", "application_id") and isinstance(doc, str):
                _add(s.document_ids, doc)
            if a.name == "customer_id" and isinstance(doc, str) and s.customer_id is None:
                s.customer_id = doc
            continue
        _reference_scan(doc, s)
    return s


def _reference_scan(doc: Any, s: Scope) -> None:
    from salesctl.ledger.scope import _add

    if isinstance(doc, SalesOrder):
        if s.currency is None:
            s.currency = doc.currency
        _add(s.order_ids, doc.id)
        _add(s.document_ids, doc.id)
        if s.customer_id is None:
            s.customer_id = doc.customer.id
        _add(s.contract_ids, doc.contract_id)
        for line in doc.lines:
            _add(s.product_ids, line.product.id)
        return
    if not attrs.has(type(doc)):
        return
    fields = {a.name for a in type(doc).__attrs_attrs__}
    get = doc.__getattribute__
    if "id" in fields:
        _add(s.document_ids, get("id"))
    if s.currency is None:
        for name in ("amount", "total"):
            m = getattr(doc, name, None)
            if isinstance(m, Money):
                s.currency = m.currency
                break
    if "customer" in fields and s.customer_id is None:
        s.customer_id = getattr(get("customer"), "id", None)
    if "customer_id" in fields and s.customer_id is None:
        s.customer_id = get("customer_id")
    for key, lists in (
        ("order_id", ("order_ids", "document_ids")),
        ("contract_id", ("contract_ids", "document_ids")),
        ("goods_issue_id", ("goods_issue_ids",)),
    ):
        if key in fields:
            for name in lists:
                _add(getattr(s, name), get(key))
    if "goods_issue_ids" in fields:
        for g in get("goods_issue_ids"):
            _add(s.goods_issue_ids, g)
    for key in ("notice_id", "application_id", "business_approval_id"):
        if key in fields:
            _add(s.document_ids, get(key))
    if "product_id" in fields:
        _add(s.product_ids, get("product_id"))
    if "lines" in fields:
        for line in get("lines"):
            pid = getattr(line, "product_id", None)
            if pid is None:
                pid = getattr(getattr(line, "product", None), "id", None)
            _add(s.product_ids, pid)


def test_scope_of_equals_the_field_by_field_reading_for_every_event(
    lines: list[bytes],
) -> None:
    d = Decoder()
    seen: set[str] = set()
    for n, raw in enumerate(lines, start=1):
        ev = d.decode(raw, n)
        if ev is None or isinstance(ev, MalformedEvent):
            continue
        seen.add(type(ev).__name__)
        assert scope_of(ev) == _reference_scope(ev), (n, type(ev).__name__)
    assert len(seen) >= 20


# -- the context's shortcuts ------------------------------------------------------------------


@given(amount=st.decimals(0, 10**6, places=2), currency=st.sampled_from(["CNY", "USD", "JPY"]))
def test_advance_money_is_the_validated_money_once_per_amount(
    amount: Decimal, currency: str
) -> None:
    try:
        want: Money | None = Money(amount, currency)
    except SalesctlError:
        want = None
    if want is None:
        with pytest.raises(SalesctlError):
            advance_money(amount, currency)
        return
    got = advance_money(amount, currency)
    assert got == want and str(got) == str(want)
    assert advance_money(amount, currency) is got
    other = Decimal(str(amount))  # an equal amount, another object: built anew
    assert advance_money(other, currency) == want


@given(text=st.one_of(st.text(max_size=30), st.sampled_from(["2026-01-01T08:00:00+08:00"])))
def test_the_datetime_form_is_strict_datetime(text: str) -> None:
    assert (decode_mod._DATETIME_FORM(text) is not None) is strict_datetime(text)


# -- tallies counted by the tuple of controls -------------------------------------------------


def _reference_tally(rows: dict[str, list[int]], d: Any) -> None:
    """``_Tallies.decision`` as it was: every control's row counted at once."""
    worst: dict[str, Outcome] = {}
    approved: set[str] = set()
    for f in d.findings:
        if f.outcome > worst.get(f.control_id, Outcome.ALLOW):
            worst[f.control_id] = f.outcome
        if f.outcome is Outcome.ALLOW and f.cleared_by:
            approved.add(f.control_id)
    for cid in d.controls:
        r = rows.setdefault(cid, [0, 0, 0, 0, 0])
        r[0] += 1
        o = worst.get(cid, Outcome.ALLOW)
        if o is Outcome.ALLOW:
            r[1] += 1
            r[4] += cid in approved
        elif o is Outcome.HOLD:
            r[2] += 1
        else:
            r[3] += 1


_CIDS = ["A", "B", "C", "D"]
_FINDING = st.builds(
    SimpleNamespace,
    control_id=st.sampled_from(_CIDS),
    outcome=st.sampled_from(list(Outcome)),
    cleared_by=st.sampled_from([(), ("x",)]),
)
_DECISION = st.builds(
    SimpleNamespace,
    controls=st.one_of(
        st.lists(st.sampled_from(_CIDS), max_size=4, unique=True).map(tuple),
        st.lists(st.sampled_from(_CIDS), max_size=4, unique=True),
    ),
    findings=st.one_of(st.just(()), st.lists(_FINDING, max_size=3).map(tuple)),
)


@given(
    steps=st.lists(
        st.one_of(_DECISION, st.tuples(st.sampled_from(_CIDS), st.integers(0, 3))), max_size=30
    )
)
def test_tallies_counted_by_controls_tuple_equal_the_row_by_row_count(steps: list[Any]) -> None:
    t = _Tallies()
    want: dict[str, list[int]] = {}
    for step in steps:
        if isinstance(step, tuple):  # a detective run adding to a row between decisions
            cid, n = step
            t.row(cid)[0] += n
            want.setdefault(cid, [0, 0, 0, 0, 0])[0] += n
        else:
            t.decision(step)
            _reference_tally(want, step)
    assert t.rows == want
    assert t.frozen() == {k: ControlTally(*v) for k, v in sorted(want.items())}


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    pad=st.sampled_from([" ", "\\u00a0", "\\u200b", "\\u3000", "\\t"]),
    before=st.booleans(),
    upper=st.booleans(),
    k=st.integers(0, 10_000),
)
def test_a_padded_approver_id_is_refused_by_the_trusted_decoder_too(
    lines: list[bytes], pad: str, before: bool, upper: bool, k: int
) -> None:
    """Attacker: an approval whose approver id carries a space or an invisible character (a
    second "person" who is the seller) is refused line for line as the generic reader refuses
    it, shared documents and inline passing conditions notwithstanding — and the same line
    read a second time (from the shared table) is refused again."""
    grants = [ln for ln in lines if b'"GrantApproval"' in ln and b'"approver":{"id":"' in ln]
    raw = grants[k % len(grants)]
    i = raw.index(b'"approver":{"id":"') + len(b'"approver":{"id":"')
    j = raw.index(b'"', i)
    who = raw[i:j].upper() if upper else raw[i:j]
    p = pad.encode()
    bad = raw[:i] + (p + who if before else who + p) + raw[j:]
    d = Decoder()
    for n in (1, 2):
        got = d.decode(bad, n)
        assert isinstance(got, MalformedEvent), got
        assert _same(got, _generic(bad, n))
        assert got.path == "approval.approver.id"


def test_every_document_built_by_slot_stores_is_its_class_and_equals_the_validated(
    lines: list[bytes],
) -> None:
    """Issue 16, twelfth pass: the trusted builders fill a slotted class's assembly by slot
    stores (``salesctl._assembly``) and make it the class before the validators run. Every
    event of a year decoded so is of its own class — its documents too — equal to the
    validated path's, with the same repr; the commonest documents are built so."""
    from salesctl.fastreplay.trusted import _assembly_of

    for cls in (ContractLedgerLine, SalesOrder, Money):
        assert _assembly_of(cls) is not None, cls
    trusted, plain = Decoder(), Decoder(trusted=False)
    seen: set[type] = set()

    def walk(x: Any) -> None:
        if attrs.has(type(x)):
            assert "Assembly" not in type(x).__name__, type(x)
            seen.add(type(x))
            for a in attrs.fields(type(x)):
                walk(getattr(x, a.name))
        elif isinstance(x, tuple | frozenset):
            for y in x:
                walk(y)

    for n, raw in enumerate(lines, 1):
        a, b = trusted.decode(raw, n), plain.decode(raw, n)
        if isinstance(b, MalformedEvent):
            continue
        assert type(a) is type(b)
        assert a == b
        assert repr(a) == repr(b)
        walk(a)
    assert ContractLedgerLine in seen and SalesOrder in seen


# -- the business date without a conversion (issue 16, thirteenth pass) ------------------------


class _HourlyZone(dt.tzinfo):
    """A zone that is not a ``datetime.timezone``: its offset changes with the hour."""

    def utcoffset(self, d: dt.datetime | None) -> dt.timedelta:
        return dt.timedelta(hours=(d.hour % 3) if d is not None else 0)

    def dst(self, d: dt.datetime | None) -> dt.timedelta:
        return dt.timedelta(0)


_EIGHT = dt.timezone(dt.timedelta(hours=8))
_HOURLY = _HourlyZone()
_SOME_ZONES = [
    dt.UTC,
    _EIGHT,
    dt.timezone(dt.timedelta(hours=8)),  # equal to _EIGHT, another instance
    dt.timezone(dt.timedelta(hours=8), "CST"),  # equal to _EIGHT, named
    dt.timezone(dt.timedelta(hours=8, microseconds=1)),
    dt.timezone(dt.timedelta(hours=-5, minutes=-30)),
    dt.timezone(dt.timedelta(hours=23, minutes=59)),
    _HOURLY,
]
with contextlib.suppress(Exception):  # a machine without time-zone data: fixed offsets only
    from zoneinfo import ZoneInfo

    _SOME_ZONES += [ZoneInfo("Asia/Shanghai"), ZoneInfo("America/New_York")]


@given(
    st.datetimes(dt.datetime(2, 1, 1), dt.datetime(9998, 12, 31)),
    st.sampled_from(_SOME_ZONES),
    st.sampled_from(_SOME_ZONES),
    st.integers(0, 1),
)
def test_the_business_date_is_the_converted_times_date(
    local: dt.datetime, tz: dt.tzinfo, zone: dt.tzinfo, fold: int
) -> None:
    """``business_date`` (the ledger's contexts' ``as_of``) takes a time's own date when it is
    given in the zone or an equal fixed offset: always the date of the time converted to the
    zone — in the zone itself, in an equal offset named or not, in a nearly equal one, in
    zones that are not fixed offsets, either fold."""
    at = local.replace(tzinfo=tz, fold=fold)
    assert business_date(at, zone) == at.astimezone(zone).date()
    assert business_date(at, tz) == at.astimezone(tz).date()


# -- settlements sorted by a C key (issue 16, thirteenth pass) --------------------------------


def _settle_plain(c: Any, cur: str, amount: Decimal, which: Any) -> Decimal:
    """The ledger's settlement as it was: ``sorted`` of a generator, a ``lambda`` key."""
    todo = amount
    if not todo:
        return todo
    for it in sorted(
        (i for i in c.items.values() if i.currency == cur and which(i)),
        key=lambda i: (i.due, i.issued_on, i.invoice_id),
    ):
        take = min(todo, it.open)
        c.items.settle(it, take)
        todo -= take
        if not todo:
            break
    return todo


def _book_settle_plain(
    b: Any, customer_id: str, cur: str, amount: Decimal, day: Any, which: Any
) -> Decimal:
    """The books' settlement as it was."""
    todo = amount
    items = b._open_by_customer.get(customer_id)
    if not todo or not items:
        return todo
    for it in sorted(
        (i for i in items.values() if i["currency"] == cur and which(i)),
        key=lambda i: (i["due_on"], i["issued_on"], i["item_id"]),
    ):
        take = min(todo, it["open"])
        it["open"] -= take
        todo -= take
        if not it["open"]:
            it["settled_on"] = day
            del items[it["item_id"]]
        if not todo:
            break
    return todo


_SETTLE_ITEMS = st.lists(
    st.tuples(
        st.sampled_from(["INV-1", "INV-2", "INV-3", "INV-10", "INV-4", "INV-5"]),
        st.sampled_from(["SO-1", "SO-2"]),
        st.integers(0, 3),  # issued, days after the first of March
        st.integers(0, 3),  # due, days after issue
        st.decimals(Decimal("0.01"), Decimal("500"), places=2),
        st.sampled_from(["CNY", "USD"]),
    ),
    max_size=8,
    unique_by=lambda t: t[0],
)


@given(
    _SETTLE_ITEMS,
    st.sampled_from(["CNY", "USD"]),
    st.decimals(Decimal("0"), Decimal("1200"), places=2),
    st.sampled_from([None, "SO-1"]),
)
@example(  # due the same day: the one issued first is settled first
    rows=[
        ("INV-1", "SO-1", 2, 0, Decimal("100.00"), "CNY"),
        ("INV-2", "SO-1", 0, 2, Decimal("100.00"), "CNY"),
    ],
    cur="CNY",
    amount=Decimal("50.00"),
    order=None,
)
@example(  # due and issued the same day: by id, as text
    rows=[
        ("INV-2", "SO-1", 1, 1, Decimal("100.00"), "CNY"),
        ("INV-10", "SO-1", 1, 1, Decimal("100.00"), "CNY"),
    ],
    cur="CNY",
    amount=Decimal("150.00"),
    order="SO-1",
)
def test_a_settlement_takes_the_same_items_in_the_same_order(
    rows: list[tuple[str, str, int, int, Decimal, str]],
    cur: str,
    amount: Decimal,
    order: str | None,
) -> None:
    """The ledger's and the books' settlements (a receipt: every item, ``which=None``; an
    advance offset: its orders' items) sort the items chosen in place by a C key: the same
    items reduced, in the same order (equal due and issue dates ordered by id), the same left
    over, as ``sorted`` of a generator by a ``lambda`` key."""
    from salesctl.ledger import book_folds, folds
    from salesctl.ledger.exposure import OpenItem
    from salesctl.ledger.state import CustomerState

    first = dt.date(2026, 3, 1)
    states = (CustomerState("C-1"), CustomerState("C-1"))
    books = tuple(SimpleNamespace(_open_by_customer={"C-1": {}}) for _ in range(2))
    for inv, so, issued, due, open_, currency in rows:
        on = first + dt.timedelta(days=issued)
        for c in states:
            c.items.put(OpenItem(inv, so, on, on + dt.timedelta(days=due), open_, currency))
        for b in books:
            b._open_by_customer["C-1"][inv] = {
                "item_id": inv,
                "order_id": so,
                "issued_on": on,
                "due_on": on + dt.timedelta(days=due),
                "open": open_,
                "currency": currency,
                "settled_on": None,
            }
    which = None if order is None else (lambda i: i.order_id == order)
    plain_which = (lambda i: True) if order is None else which
    fast, plain = states
    assert folds._settle(fast, cur, amount, which) == _settle_plain(plain, cur, amount, plain_which)
    assert [(i.invoice_id, i.open) for i in fast.items.values()] == [
        (i.invoice_id, i.open) for i in plain.items.values()
    ]
    book_which = None if order is None else (lambda i: i["order_id"] == order)
    book_plain = (lambda i: True) if order is None else book_which
    day = dt.date(2026, 3, 9)
    fast_b, plain_b = books
    assert book_folds._book_settle(fast_b, "C-1", cur, amount, day, book_which) == (
        _book_settle_plain(plain_b, "C-1", cur, amount, day, book_plain)
    )
    assert fast_b._open_by_customer == plain_b._open_by_customer


# -- the stream's own form of a time without the pattern (issue 16, thirteenth pass) -----------


def _datetime_plain(d: str) -> dt.datetime | None:
    """A time as the decoder read it before: the strict pattern, then ``fromisoformat`` and an
    offset (``None``: refused)."""
    if not strict_datetime(d):
        return None
    try:
        v = dt.datetime.fromisoformat(d)
    except ValueError:
        return None
    return v if v.tzinfo is not None else None


def _datetime_fast(d: str) -> dt.datetime | None:
    decode_mod._SEEN_TIMES.clear()
    try:
        return decode_mod._datetime(d, [0])  # type: ignore[no-any-return]
    except (decode_mod._Slow, ValueError):
        return None


#: One character of each kind a position of ``YYYY-MM-DDTHH:MM:SS+HH:MM`` might hold instead.
_ODD = ["0", "9", "-", "+", ":", "T", "t", " ", "Z", ".", ",", "W", "\u0663", "\uff11", "a"]


@given(
    st.datetimes(dt.datetime(1, 1, 1), dt.datetime(9999, 12, 31, 23, 59, 59)),
    st.timedeltas(dt.timedelta(hours=-23, minutes=-59), dt.timedelta(hours=23, minutes=59)),
    st.lists(st.tuples(st.integers(0, 24), st.sampled_from(_ODD)), max_size=3),
)
@example(dt.datetime(2026, 3, 1, 8), dt.timedelta(hours=8), [])
@example(dt.datetime(2026, 3, 1, 8), dt.timedelta(hours=8), [(5, "\u0663")])  # Arabic-Indic 3
@example(dt.datetime(2026, 3, 1, 8), dt.timedelta(hours=8), [(12, "-")])
@example(dt.datetime(2026, 3, 1, 8), dt.timedelta(hours=8), [(10, " ")])  # space: the pattern's
@example(dt.datetime(2026, 2, 28, 8), dt.timedelta(hours=8), [(9, "9")])  # 29 February 2026
@example(  # an ISO week date, 2026-W09-7: fromisoformat reads it, the pattern does not
    dt.datetime(2026, 3, 1, 8), dt.timedelta(hours=8), [(5, "W"), (7, "9"), (8, "-")]
)
def test_a_time_of_the_streams_form_is_read_as_the_pattern_reads_it(
    local: dt.datetime, offset: dt.timedelta, changes: list[tuple[int, str]]
) -> None:
    """A time written ``YYYY-MM-DDTHH:MM:SS+HH:MM`` (whole minutes of offset, either sign),
    with up to three characters replaced by a digit, a separator, a letter or a non-ASCII
    digit: read (to the same value, offset and ``repr``) exactly when the pattern and
    ``fromisoformat`` read it, refused otherwise."""
    minutes = round(offset.total_seconds() / 60)
    sign = "-" if minutes < 0 else "+"
    text = local.strftime("%Y-%m-%dT%H:%M:%S").rjust(19, "0")
    text = f"{text}{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"
    chars = list(text)
    for i, c in changes:
        chars[i] = c
    d = "".join(chars)
    want, got = _datetime_plain(d), _datetime_fast(d)
    assert (got is None) == (want is None), d
    if want is not None:
        assert got == want and repr(got) == repr(want) and got.utcoffset() == want.utcoffset()


# -- ids already found valid (issue 16, thirteenth pass) ----------------------------------------


def _holds_seen(cond: str, value: Any) -> bool:
    ns = {"_ids": IDENTS, "_seen": trusted_mod._ident_seen, "x": value}
    return bool(eval(cond.format(x="x"), ns))


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.one_of(_VALUES, st.sampled_from(["u-rep", "SO-1", "CT-1"])), max_size=12),
    st.booleans(),
)
def test_an_id_found_valid_before_is_one_its_validator_accepts(
    values: list[Any], small: bool
) -> None:
    """``SEEN_PASSES`` (``ident``, ``opt_ident`` of an interned text): whenever the condition
    holds the validator passes, whatever the table holds — hostile texts (blank, padded with
    any space, control characters, non-ASCII), other types, the same texts again — and the
    table only ever holds texts the validator accepts; also with it emptied at every entry.
    The plain condition and the one with the table agree on every value."""
    old = trusted_mod.IDENTS_MAX
    if small:
        trusted_mod.IDENTS_MAX = 1
    IDENTS.clear()
    try:
        for value in values * 2:
            for check, cond in SEEN_PASSES.items():
                held = _holds_seen(cond, value)
                if held:
                    assert _passes(check, value), (check, value)
                assert held == _holds(PASSES[check], value), (check, value)
        for x in IDENTS:
            assert type(x) is str and _passes(v.ident, x), x
        assert len(IDENTS) <= trusted_mod.IDENTS_MAX
    finally:
        trusted_mod.IDENTS_MAX = old
        IDENTS.clear()


def test_the_builders_test_interned_ids_against_the_table() -> None:
    """Not vacuous: a decoded line's interned ids go into the table (and an own id, read as
    decoded, does not)."""
    IDENTS.clear()
    ev = Decoder().decode(
        b'{"type":"GrantApproval","at":"2026-01-01T08:00:00+08:00","approval":{"id":"APR-9",'
        b'"document_id":"SO-9","role":"sales_manager","approver":{"id":"u-9","roles":["x"]},'
        b'"granted_at":"2026-01-01T07:00:00+08:00","control_id":"O2C-CR-02"},'
        b'"customer_id":"C-9"}',
        1,
    )
    assert not isinstance(ev, MalformedEvent) and ev is not None
    assert {"SO-9", "sales_manager", "O2C-CR-02", "C-9"} <= IDENTS
    assert "APR-9" not in IDENTS
