"""O2C-DL-07: centrally sold products leave only against a pickup order or an IC card.

The seed: S-IC 1.1 (对于集中销售的化工产品,须衔接相关化工销售区域分公司提出的采购订单), 5.1 (对于
集中销售的化工产品,分公司营销部门应及时确认相关化工销售区域分公司提供的提货单(或IC卡)) and 6.1
(清点装货数量与有效发货通知单(提货单)一致后…发货过账). The example: customer C-100 collects 10 t of
P-PE-01 (a centrally sold chemical here) at 1,000.00 a tonne against pickup order TH-2026-0007,
valid until the business date 2026-03-02, or against its IC card.
"""

from __future__ import annotations

import datetime as dt
import io
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import salesctl as sc
from salesctl.audit import replay
from salesctl.events import IssuePickupOrder, LoadICCard, event_to_dict
from salesctl.model import ICCard, PickupOrder
from tests import builders as b

CID = "O2C-DL-07"
POLICY = sc.loads_policy('[delivery]\ncentrally_sold = ["P-PE-01"]\n')
GATE = sc.Gate(POLICY, only=[CID])
PO_ID = "TH-2026-0007"


def pickup(**kw: Any) -> PickupOrder:
    base: dict[str, Any] = dict(
        id=PO_ID,
        customer_id="C-100",
        product_id="P-PE-01",
        quantity=Decimal("10"),
        valid_until=b.TODAY,
        issued_on=b.TODAY - dt.timedelta(days=3),
    )
    base.update(kw)
    return PickupOrder(**base)


def card(balance: str = "10000.00", **kw: Any) -> ICCard:
    base: dict[str, Any] = dict(id="IC-88001", customer_id="C-100", balance=b.cny(balance))
    base.update(kw)
    return ICCard(**base)


def ship(qty: str = "10", as_of: dt.date = b.TODAY, ctx_kw: Any = None, **gi: Any) -> sc.Decision:
    g = b.goods_issue(lines=(b.dline(qty=qty, lot="LOT-A"),), **gi)
    when = dt.datetime.combine(as_of, dt.time(10, 15), tzinfo=b.TZ)
    ctx = b.context(as_of=as_of, **(ctx_kw or {}))
    return GATE.check(b.post_issue(g, when=when), ctx)


def keys(d: sc.Decision) -> set[str]:
    return {
        f.message for f in d.findings if f.control_id == CID and f.outcome is not sc.Outcome.ALLOW
    }


class TestSeedExample:
    def test_passes_against_the_pickup_order(self) -> None:
        """10 t against pickup order TH-2026-0007 for 10 t, valid today: allowed."""
        d = ship(pickup_order_id=PO_ID, ctx_kw={"pickup_orders": (pickup(),)})
        assert d.outcome is sc.Outcome.ALLOW

    def test_fires_without_pickup_order_or_card(self) -> None:
        """A centrally sold product leaving against neither is blocked."""
        d = ship(ctx_kw={"pickup_orders": (pickup(),)})
        assert d.outcome is sc.Outcome.BLOCK and keys(d) == {"delivery.pickup_missing"}

    def test_passes_against_the_ic_card(self) -> None:
        """The card's balance covers the 10,000.00 shipped."""
        d = ship(ic_card_id="IC-88001", ctx_kw={"ic_cards": (card(),)})
        assert d.outcome is sc.Outcome.ALLOW

    def test_other_products_are_not_concerned(self) -> None:
        """A product the policy does not list is not checked; nor is anything by default."""
        d = ship(ctx_kw={})
        assert d.outcome is sc.Outcome.BLOCK  # P-PE-01 is centrally sold here
        plain = sc.Gate(None, only=[CID]).check(b.post_issue(), b.context())
        assert plain.outcome is sc.Outcome.ALLOW and not plain.findings


class TestBoundaries:
    @pytest.mark.parametrize(
        ("qty", "ok"), [("10", True), ("9", True), ("11", False), ("10.001", False)]
    )
    def test_quantity_exactly_at_the_pickup_order_and_one_unit_over(
        self, qty: str, ok: bool
    ) -> None:
        """Exactly the pickup order's 10 passes; 11 (or 10.001) is blocked."""
        d = ship(qty, pickup_order_id=PO_ID, ctx_kw={"pickup_orders": (pickup(),)})
        assert (d.outcome is sc.Outcome.ALLOW) is ok
        if not ok:
            assert keys(d) == {"delivery.pickup_over"}

    def test_expiry_day_itself_and_one_day_after(self) -> None:
        """Valid until 2026-03-02: shipping that day passes, on 2026-03-03 it is blocked."""
        ctx_kw = {"pickup_orders": (pickup(),)}
        assert ship(pickup_order_id=PO_ID, ctx_kw=ctx_kw).outcome is sc.Outcome.ALLOW
        late = ship(pickup_order_id=PO_ID, as_of=b.TODAY + dt.timedelta(days=1), ctx_kw=ctx_kw)
        assert keys(late) == {"delivery.pickup_expired"}

    def test_not_yet_issued_on_the_business_date(self) -> None:
        """A pickup order dated after the business date is not valid yet."""
        po = pickup(
            issued_on=b.TODAY + dt.timedelta(days=1), valid_until=b.TODAY + dt.timedelta(days=9)
        )
        d = ship(pickup_order_id=PO_ID, ctx_kw={"pickup_orders": (po,)})
        assert keys(d) == {"delivery.pickup_expired"}

    @pytest.mark.parametrize(("balance", "ok"), [("10000.00", True), ("9999.99", False)])
    def test_card_balance_exactly_enough_and_one_cent_short(self, balance: str, ok: bool) -> None:
        """10,000.00 on the card covers 10 × 1,000.00; 9,999.99 does not."""
        d = ship(ic_card_id="IC-88001", ctx_kw={"ic_cards": (card(balance),)})
        assert (d.outcome is sc.Outcome.ALLOW) is ok
        if not ok:
            (f,) = [f for f in d.findings if f.control_id == CID]
            assert f.message == "delivery.card_short" and dict(f.params)["short"] == "0.01 CNY"


class TestFailsClosed:
    def test_pickup_order_used_before(self) -> None:
        """A pickup order another posted goods issue cited, or listed as consumed, blocks."""
        earlier = b.goods_issue(id="GI-0040-1", posted=True, pickup_order_id=PO_ID)
        d = ship(
            pickup_order_id=PO_ID, ctx_kw={"pickup_orders": (pickup(),), "goods_issues": (earlier,)}
        )
        assert keys(d) == {"delivery.pickup_used"}
        d = ship(
            pickup_order_id=PO_ID,
            ctx_kw={"pickup_orders": (pickup(),), "consumed_pickup_orders": {"th-2026-0007"}},
        )
        assert keys(d) == {"delivery.pickup_consumed"}

    @pytest.mark.parametrize(
        ("gi", "ctx_kw", "key"),
        [
            (
                {"pickup_order_id": "TH-NONE"},
                {"pickup_orders": (pickup(),)},
                "delivery.pickup_unknown",
            ),
            (
                {"pickup_order_id": PO_ID},
                {"pickup_orders": (pickup(customer_id="C-200"),)},
                "delivery.pickup_other_customer",
            ),
            (
                {"pickup_order_id": PO_ID},
                {"pickup_orders": (pickup(product_id="P-PP-02"),)},
                "delivery.pickup_product",
            ),
            (
                {"pickup_order_id": PO_ID, "ic_card_id": "IC-88001"},
                {"pickup_orders": (pickup(),), "ic_cards": (card(),)},
                "delivery.pickup_and_card",
            ),
            ({"ic_card_id": "IC-NONE"}, {"ic_cards": (card(),)}, "delivery.card_unknown"),
            (
                {"ic_card_id": "IC-88001"},
                {"ic_cards": (card(customer_id="C-200"),)},
                "delivery.card_other_customer",
            ),
            (
                {"ic_card_id": "IC-88001"},
                {
                    "ic_cards": (
                        ICCard(id="IC-88001", customer_id="C-100", balance=sc.Money("9999", "USD")),
                    )
                },
                "delivery.card_currency",
            ),
        ],
    )
    def test_what_cannot_be_verified_blocks(
        self, gi: dict[str, Any], ctx_kw: dict[str, Any], key: str
    ) -> None:
        """Unknown documents, another customer's, another product, both at once, no rate."""
        d = ship(ctx_kw=ctx_kw, **gi)
        assert d.outcome is sc.Outcome.BLOCK and key in keys(d)


class TestBoundaryValidation:
    def test_ids_with_whitespace_are_refused_naming_the_field(self) -> None:
        """An id padded with spaces cannot slip past the once-only check: it is refused."""
        with pytest.raises(sc.InvalidInput) as e:
            b.goods_issue(pickup_order_id=" TH-2026-0007")
        assert e.value.path == "GoodsIssue.pickup_order_id"
        with pytest.raises(sc.InvalidInput) as e:
            pickup(id="TH-2026-0007 ")
        assert e.value.path == "PickupOrder.id"

    def test_quantity_and_dates_checked(self) -> None:
        """A zero quantity or a validity ending before the issue date is refused."""
        with pytest.raises(sc.InvalidInput) as e:
            pickup(quantity=Decimal(0))
        assert e.value.path == "PickupOrder.quantity"
        with pytest.raises(sc.InvalidInput) as e:
            pickup(valid_until=b.TODAY - dt.timedelta(days=9))
        assert e.value.path == "PickupOrder.valid_until"
        with pytest.raises(sc.InvalidInput) as e:
            card("-1.00")
        assert e.value.path == "ICCard.balance"

    def test_context_refuses_ids_equal_but_for_case(self) -> None:
        """Two pickup orders "TH-1" and "th-1" would make the lookup ambiguous."""
        with pytest.raises(sc.InvalidInput) as e:
            b.context(pickup_orders=(pickup(), pickup(id=PO_ID.lower())))
        assert e.value.path == "Context.pickup_orders[1].id"

    def test_context_from_json_names_the_path(self) -> None:
        """A malformed pickup order in JSON names its path."""
        data = b.context().to_dict()
        data["pickup_orders"] = [
            {"id": "TH-1", "customer_id": "C-100", "product_id": "P", "quantity": 1.5}
        ]
        with pytest.raises(sc.InvalidInput) as e:
            sc.Context.from_dict(data)
        assert "pickup_orders[0]" in (e.value.path or "")


def _line(e: Any) -> str:
    return json.dumps(event_to_dict(e), ensure_ascii=False)


class TestReplayRemembersAUsedPickupOrder:
    def test_second_use_in_the_stream_is_an_exception(self) -> None:
        """The ledger consumes the pickup order at the first goods issue; the second (its id
        in another case) is blocked in the audit replay."""
        o = b.order()
        g1 = b.goods_issue(id="GI-0042-1", pickup_order_id=PO_ID)
        g2 = b.goods_issue(id="GI-0042-2", pickup_order_id="th-2026-0007")
        wh = b.WAREHOUSE
        lines = [
            _line(
                IssuePickupOrder(
                    pickup_order=pickup(valid_until=b.TODAY + dt.timedelta(days=9)), at=b.at(1)
                )
            ),
            _line(sc.PostGoodsIssue(goods_issue=g1, order=o, actor=wh, at=b.at(2))),
            _line(sc.PostGoodsIssue(goods_issue=g2, order=o, actor=wh, at=b.at(3))),
        ]
        report = replay(lines, POLICY)
        found = {
            (x.control_id, x.document_id, x.message)
            for x in report.exceptions
            if x.control_id == CID
        }
        assert found == {(CID, "GI-0042-2", "delivery.pickup_used")}

    def test_card_balance_drawn_down_by_the_stream(self) -> None:
        """A card loaded with 15,000.00 pays for one 10,000.00 shipment, not for a second."""
        o = b.order()
        lines = [
            _line(LoadICCard(card=card("15000.00"), at=b.at(1))),
            _line(
                sc.PostGoodsIssue(
                    goods_issue=b.goods_issue(id="GI-0042-1", ic_card_id="IC-88001"),
                    order=o,
                    actor=b.WAREHOUSE,
                    at=b.at(2),
                )
            ),
            _line(
                sc.PostGoodsIssue(
                    goods_issue=b.goods_issue(id="GI-0042-2", ic_card_id="IC-88001"),
                    order=o,
                    actor=b.WAREHOUSE,
                    at=b.at(3),
                )
            ),
        ]
        report = replay(lines, POLICY)
        found = {(x.document_id, x.message) for x in report.exceptions if x.control_id == CID}
        assert found == {("GI-0042-2", "delivery.card_short")}


_CASES = st.sampled_from([str.lower, str.upper, str.swapcase, lambda s: s])


class TestAttacker:
    @settings(max_examples=60, deadline=None)
    @given(variant=_CASES, posted=st.booleans())
    def test_a_used_pickup_order_never_ships_again(self, variant: Any, posted: bool) -> None:
        """Whatever the case of its id, and whether the earlier use shows as a posted goods
        issue or in the consumed list, a used pickup order never lets goods leave again."""
        if posted:
            earlier = b.goods_issue(id="GI-0040-1", posted=True, pickup_order_id=variant(PO_ID))
            ctx_kw: dict[str, Any] = {"pickup_orders": (pickup(),), "goods_issues": (earlier,)}
        else:
            ctx_kw = {"pickup_orders": (pickup(),), "consumed_pickup_orders": {variant(PO_ID)}}
        d = ship(pickup_order_id=variant(PO_ID), ctx_kw=ctx_kw)
        assert d.outcome is sc.Outcome.BLOCK

    @settings(max_examples=80, deadline=None)
    @given(
        qty=st.decimals(min_value=Decimal("0.001"), max_value=Decimal("100"), places=3),
        days=st.integers(min_value=-5, max_value=5),
        balance=st.decimals(min_value=Decimal("0"), max_value=Decimal("200000"), places=2),
        use_card=st.booleans(),
    )
    def test_never_allows_beyond_quantity_validity_or_balance(
        self, qty: Decimal, days: int, balance: Decimal, use_card: bool
    ) -> None:
        """ALLOW only when the quantity fits the pickup order and the day lies in its validity,
        or when the balance covers the value: never otherwise."""
        as_of = b.TODAY + dt.timedelta(days=days)
        po = pickup(issued_on=b.TODAY - dt.timedelta(days=2), valid_until=b.TODAY)
        if use_card:
            d = ship(
                str(qty),
                as_of=as_of,
                ic_card_id="IC-88001",
                ctx_kw={"ic_cards": (card(str(balance)),)},
            )
            assert (d.outcome is sc.Outcome.ALLOW) == (qty * 1000 <= balance)
        else:
            d = ship(str(qty), as_of=as_of, pickup_order_id=PO_ID, ctx_kw={"pickup_orders": (po,)})
            valid = po.issued_on <= as_of <= po.valid_until
            assert (d.outcome is sc.Outcome.ALLOW) == (qty <= po.quantity and valid)

    def test_evolve_is_identity(self) -> None:
        """The values are plain frozen data."""
        assert attrs.evolve(pickup()) == pickup() and attrs.evolve(card()) == card()


DATA = Path(__file__).resolve().parent.parent / "data" / "pickup"


@pytest.mark.parametrize("path", sorted(DATA.glob("*.json")), ids=lambda p: p.name)
def test_check_files_answer_as_named(path: Path, tmp_path: Path) -> None:
    """`salesctl check` with P-PX-01 centrally sold answers as each file's name says
    (examples/policy.toml keeps the default, no centrally sold product)."""
    from salesctl import cli

    policy = tmp_path / "policy.toml"
    policy.write_text('[delivery]\ncentrally_sold = ["P-PX-01"]\n', encoding="utf-8")
    out, err = io.StringIO(), io.StringIO()
    code = cli.main(["check", "--policy", str(policy), str(path)], out=out, err=err)
    expected = {"allow": 0, "hold": cli.EXIT_HOLD, "block": cli.EXIT_BLOCK}[
        path.name.split("-", 1)[0]
    ]
    assert code == expected, out.getvalue() + err.getvalue()
    if expected == cli.EXIT_BLOCK:  # blocked by this control, and by no other
        blocked = {ln.split("]")[0].strip(" [") for ln in out.getvalue().splitlines()[1:]}
        assert blocked == {CID}, out.getvalue()
