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
import pickle
from decimal import Decimal
from typing import Any

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from salesctl.audit.engine import ledger_for
from salesctl.demo import DEMO_POLICY, generate
from salesctl.fastreplay import replay
from salesctl.ledger import book_folds as book_folds_module
from salesctl.ledger import folds as folds_module
from salesctl.ledger.books import Books
from salesctl.model import DeliveryLine, DeliveryNotice, GoodsIssue, LineFacts, line_facts
from salesctl.money import Money
from salesctl.policy import loads_policy

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
