"""The replay's memory sharing (issue 16, fifth pass) gives exactly what it replaces.

* :func:`salesctl.ledger.state.plus` returns ``a + b`` digit for digit (sign, coefficient and
  exponent), sharing ``b`` only where the sum is ``b`` itself;
* the typed decoder's shared documents and quantities are keyed by their exact text: a line
  read after an equal-valued line of another exponent (``"5"`` / ``"5.0"``) gets its own
  value, and every document equals, field by field and in its repr, what the class's own
  constructor builds (``Decoder(trusted=False)``).
"""

from __future__ import annotations

import json
from decimal import Decimal

import attrs
from hypothesis import given
from hypothesis import strategies as st

from salesctl.fastreplay.decode import SHARED, Decoder
from salesctl.ledger.state import ZERO, plus

_decimals = st.decimals(allow_nan=False, allow_infinity=False) | st.sampled_from(
    [Decimal("-0"), Decimal("0.0"), Decimal("1E+2"), Decimal("-5.00"), Decimal("1" * 30)]
)


@given(a=st.one_of(st.just(ZERO), _decimals), b=_decimals)
def test_plus_is_the_sum_digit_for_digit(a: Decimal, b: Decimal) -> None:
    got = plus(a, b)
    want = a + b
    assert got.as_tuple() == want.as_tuple()
    assert str(got) == str(want)


def test_plus_shares_the_addend_on_a_first_sum() -> None:
    q = Decimal("12.5")
    assert plus(ZERO, q) is q
    assert plus(Decimal(0), q) is not q  # only the shared zero: another zero adds


def _order_line(quantity: str, price: str) -> dict[str, object]:
    return {
        "line_no": 1,
        "product": {"id": "P-1", "name": "yarn", "price_class": "market", "unit": "t"},
        "quantity": quantity,
        "unit_price": price,
        "list_price": None,
    }


def _contract_line(n: int, quantity: str, price: str) -> bytes:
    doc = {
        "type": "SignContract",
        "actor": {
            "id": "u-1",
            "roles": ["sales_rep"],
            "org_unit": "east",
            "authority_level": 1,
            "name": "rep",
        },
        "at": "2026-01-06T09:23:00+08:00",
        "contract": {
            "id": f"CT-{n}",
            "customer_id": "C-1",
            "amount": "100.00 CNY",
            "payment": {"method": "credit", "days": 45},
            "created_by": "u-1",
            "lines": [_order_line(quantity, price)],
        },
        "signatory": {
            "id": "u-2",
            "roles": ["general_manager"],
            "org_unit": "hq",
            "authority_level": 4,
            "name": "gm",
        },
    }
    return json.dumps(doc).encode()


@given(
    texts=st.lists(
        st.tuples(
            st.sampled_from(["5", "5.0", "5.00", "50", "5E+1", "0.5"]),
            st.sampled_from(["2.00 CNY", "2.0 CNY", "20.00 CNY"]),
        ),
        min_size=1,
        max_size=8,
    )
)
def test_shared_documents_are_exact(texts: list[tuple[str, str]]) -> None:
    fast, slow = Decoder(), Decoder(trusted=False)
    for n, (q, p) in enumerate(texts):
        line = _contract_line(n, q, p)
        a, b = fast.decode(line, n + 1), slow.decode(line, n + 1)
        assert repr(a) == repr(b)
        assert a == b
        ours = a.contract.lines[0]  # type: ignore[union-attr]
        assert str(ours.quantity) == str(b.contract.lines[0].quantity)  # type: ignore[union-attr]
    assert fast.fallbacks == 0  # every line went through the typed, shared path


def test_equal_lines_share_their_documents() -> None:
    d = Decoder()
    a = d.decode(_contract_line(1, "5", "2.00 CNY"), 1)
    b = d.decode(_contract_line(2, "5", "2.00 CNY"), 2)
    c = d.decode(_contract_line(3, "5.0", "2.00 CNY"), 3)
    la, lb, lc = (x.contract.lines[0] for x in (a, b, c))  # type: ignore[union-attr]
    assert la is lb and la.product is lb.product
    assert lc is not la and str(lc.quantity) == "5.0"
    assert a.actor is b.actor  # type: ignore[union-attr]
    assert a.contract.id is not b.contract.id  # type: ignore[union-attr]


def test_shared_classes_are_frozen_values() -> None:
    """A shared document must never change: every shared class is a frozen attrs class."""
    for cls in SHARED:
        assert attrs.has(cls)
        assert "frozen" in cls.__setattr__.__qualname__, cls
