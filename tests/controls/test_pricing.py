"""The pricing family, control by control: each fires and each passes.

The cases follow the seed's wording, S-IC 3.1–3.4:

* 3.1 国家统配产品或股份公司内部配置产品的价格…营销部门按文件规定执行 (O2C-PR-01);
* 3.2 其他产品价格,由分(子)公司价格领导小组结合产品市场情况具体制定 and 3.4 财务部门根据…批准后
  的价格在ERP系统中维护价格主数据 (O2C-PR-02);
* 3.3 价格领导小组可…授予营销部门一定限度的价格浮动权,营销部门可…将价格浮动权向下实行逐级递减
  分配,同时明确权限执行人。价格浮动权限执行人,必须严格遵守规定的价格浮动范围,不得擅自突破
  (O2C-PR-03, O2C-PR-04);

and S-MK 5 (销售促进:通过各种促销活动,如折扣、赠品、会员优惠等) with S-K1 2 (销售经理审签,总经理
签批) for O2C-PR-05.

The default tree: price group (±15 % / +20 %, price_committee 5) > marketing (−8 % / +10 %,
marketing_head 3) > section (−5 % / +6 %, sales_manager 2) > rep (−2 % / +3 %, sales_rep 1),
around a master price of 1000.00 CNY for P-PE-01.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_CEILING, Decimal
from pathlib import Path
from typing import Any

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import salesctl as sc
from salesctl.controls import pricing
from salesctl.controls.credit import ApprovalStep
from salesctl.controls.pricing import ConcessionStep, PriceAuthority, PricingPolicy
from tests import builders as b

D = Decimal
MASTER = b.price_entry()  # P-PE-01 at 1000.00 CNY from PG-2026-007
NAPHTHA = sc.Product(
    id="P-NAP-01", name="石脑油 naphtha", price_class=sc.PriceClass.STATE_ALLOCATED, unit="t"
)
DOC_PRICE = b.price_entry(
    "P-NAP-01",
    "4200",
    source_document="石化股份财价[2026]12号",
    price_class=sc.PriceClass.STATE_ALLOCATED,
)


def only(*cids: str, policy: sc.Policy | None = None) -> sc.Gate:
    return sc.Gate(policy, only=cids)


def ctx(*entries: sc.PriceEntry, **kw: Any) -> sc.Context:
    kw.setdefault("approvals", ())
    return b.context(prices=entries or (MASTER,), **kw)


def at_price(
    price: str,
    *,
    list_price: str | None = None,
    qty: str = "10",
    product: sc.Product | None = None,
    who: sc.Actor = b.REP,
    no: int = 1,
) -> sc.PlaceOrder:
    ln = b.line(no, qty, price)
    if product is not None:
        ln = attrs.evolve(ln, product=product)
    if list_price is not None:
        ln = attrs.evolve(ln, list_price=b.cny(list_price))
    return b.place(b.order(lines=(ln,)), who=who)


def policy_with(**kw: Any) -> sc.Policy:
    return sc.Policy(families={"pricing": PricingPolicy(**kw)})


class TestPR01DocumentPrice:
    """S-IC 3.1: allocated and group-priced products sell at the pricing document's price."""

    def test_passes_at_the_document_price(self) -> None:
        """Naphtha at exactly the document's 4200.00 → nothing to say."""
        d = only("O2C-PR-01").check(at_price("4200", product=NAPHTHA), ctx(DOC_PRICE))
        assert d.outcome is sc.Outcome.ALLOW and not d.findings

    @pytest.mark.parametrize("price", ["4199.99", "4200.01", "3990"])
    def test_any_other_price_blocks(self, price: str) -> None:
        """One cent off the document price blocks; no approval can clear it."""
        approvals = tuple(
            b.approval(role=r, approver=b.actor(f"u-{r}", r, level=9), id=f"A-{r}")
            for r in ("sales_manager", "marketing_head", "price_committee", "general_manager")
        )
        d = only("O2C-PR-01").check(
            at_price(price, product=NAPHTHA), ctx(DOC_PRICE, approvals=approvals)
        )
        assert d.outcome is sc.Outcome.BLOCK
        f = d.findings[0]
        assert f.message == "pricing.not_document_price"
        assert dict(f.facts)["source_document"] == "石化股份财价[2026]12号"
        assert "定价文件" in f.text("zh")

    def test_a_line_discount_on_a_document_price_blocks(self) -> None:
        """List price at the document price but a discounted unit price: still not the document price."""
        d = only("O2C-PR-01").check(
            at_price("4100", list_price="4200", product=NAPHTHA), ctx(DOC_PRICE)
        )
        assert d.outcome is sc.Outcome.BLOCK

    def test_group_priced_products_too(self) -> None:
        """股份公司内部配置产品 follow their document as well."""
        lube = sc.Product(id="P-LUB-01", price_class=sc.PriceClass.GROUP_PRICED)
        doc = b.price_entry("P-LUB-01", "8800", price_class=sc.PriceClass.GROUP_PRICED)
        assert (
            only("O2C-PR-01").check(at_price("8800", product=lube), ctx(doc)).outcome
            is sc.Outcome.ALLOW
        )
        assert (
            only("O2C-PR-01").check(at_price("8700", product=lube), ctx(doc)).outcome
            is sc.Outcome.BLOCK
        )

    def test_a_market_price_is_not_a_document_price(self) -> None:
        """A price-group entry for an allocated product does not count: missing document price."""
        market = b.price_entry("P-NAP-01", "4200")
        d = only("O2C-PR-01").check(at_price("4200", product=NAPHTHA), ctx(market))
        assert d.outcome is sc.Outcome.BLOCK
        assert d.findings[0].message == "pricing.master_missing"

    def test_market_products_are_not_its_business(self) -> None:
        """PR-01 says nothing about market-priced lines (PR-02/03 judge them)."""
        assert not only("O2C-PR-01").check(at_price("777"), ctx()).findings


class TestPR02PriceMaster:
    """S-IC 3.2, 3.4: other prices come from the approved price master, valid on the order date."""

    def test_passes_with_a_valid_entry(self) -> None:
        """An entry valid on the order date in the order's currency."""
        assert only("O2C-PR-02").check(at_price("1000"), ctx()).outcome is sc.Outcome.ALLOW

    def test_no_price_master_fails_closed(self) -> None:
        """A context without the product's price cannot verify the price: BLOCK."""
        d = only("O2C-PR-02").check(at_price("1000"), b.context(prices=()))
        assert d.outcome is sc.Outcome.BLOCK
        assert d.findings[0].message == "pricing.master_missing"
        assert "fails closed" in d.findings[0].text("en")

    @pytest.mark.parametrize(
        ("entry", "message"),
        [
            (
                b.price_entry(valid_from=dt.date(2026, 3, 3)),
                "pricing.master_missing",
            ),  # not yet valid
            (b.price_entry(valid_to=dt.date(2026, 3, 1)), "pricing.master_missing"),  # expired
            (b.price_entry(currency="USD", price="140"), "pricing.master_currency"),
            (b.price_entry("P-OTHER"), "pricing.master_missing"),
        ],
    )
    def test_an_unusable_entry_blocks(self, entry: sc.PriceEntry, message: str) -> None:
        """Not yet valid, expired, another currency, another product → BLOCK."""
        d = only("O2C-PR-02").check(at_price("1000"), ctx(entry))
        assert d.outcome is sc.Outcome.BLOCK
        assert d.findings[0].message == message

    def test_validity_ends_are_inclusive(self) -> None:
        """An entry valid from or to the order date applies."""
        for e in (b.price_entry(valid_from=b.TODAY), b.price_entry(valid_to=b.TODAY)):
            assert only("O2C-PR-02").check(at_price("1000"), ctx(e)).outcome is sc.Outcome.ALLOW

    def test_overlapping_entries_with_different_prices_block(self) -> None:
        """Two valid entries, two prices: the master is ambiguous → BLOCK; equal prices are fine."""
        other = b.price_entry(price="990", source_document="PG-2026-009")
        d = only("O2C-PR-02").check(at_price("1000"), ctx(MASTER, other))
        assert d.findings[0].message == "pricing.master_ambiguous"
        same = b.price_entry(source_document="PG-2026-009")
        assert (
            only("O2C-PR-02").check(at_price("1000"), ctx(MASTER, same)).outcome is sc.Outcome.ALLOW
        )

    def test_the_old_price_gives_way_to_the_new(self) -> None:
        """A price adjusted by the price group (3.2): the expired entry no longer counts."""
        old = b.price_entry(price="950", valid_to=dt.date(2026, 2, 28))
        new = b.price_entry(valid_from=dt.date(2026, 3, 1), source_document="PG-2026-011")
        got, problem = pricing.master_price(ctx(old, new), b.line().product, b.TODAY, "CNY")
        assert problem is None and got == new


class TestPR03FloatAuthority:
    """S-IC 3.3: executors stay inside their delegated range; outside it the level up approves."""

    @pytest.mark.parametrize("price", ["1000", "980", "1030", "990.50"])
    def test_inside_the_reps_range_passes(self, price: str) -> None:
        """The rep may move −2 % / +3 % on their own."""
        assert not only("O2C-PR-03").check(at_price(price), ctx()).findings

    @pytest.mark.parametrize(
        ("price", "role", "level", "node"),
        [
            ("979.99", "sales_manager", 2, "section"),
            ("950", "sales_manager", 2, "section"),
            ("949.99", "marketing_head", 3, "marketing"),
            ("920", "marketing_head", 3, "marketing"),
            ("919.99", "price_committee", 5, "price-group"),
            ("850", "price_committee", 5, "price-group"),
            ("1030.01", "sales_manager", 2, "section"),
            ("1060.01", "marketing_head", 3, "marketing"),
            ("1200", "price_committee", 5, "price-group"),
        ],
    )
    def test_outside_it_holds_for_the_nearest_covering_level(
        self, price: str, role: str, level: int, node: str
    ) -> None:
        """HOLD naming the nearest node up the tree whose range covers the price."""
        d = only("O2C-PR-03").check(at_price(price), ctx())
        assert d.outcome is sc.Outcome.HOLD
        (req,) = d.required_approvals
        assert (req.role, req.min_level, req.document_id) == (role, level, "SO-2026-0042")
        assert req.excluded == ("u-rep",)
        facts = dict(d.findings[0].facts)
        assert facts["approver_node"].endswith(node)
        assert facts["seller_node"] == "price-group > marketing > section > rep"
        assert facts["master_price"] == "1000.00 CNY"

    @pytest.mark.parametrize("price", ["849.99", "1200.01", "0"])
    def test_outside_the_price_groups_range_blocks(self, price: str) -> None:
        """Beyond the root's range nobody may approve: BLOCK (a new price needs the price group)."""
        d = only("O2C-PR-03").check(at_price(price), ctx())
        assert d.outcome is sc.Outcome.BLOCK
        assert d.findings[0].message == "pricing.outside_root"
        assert "不得销售" in d.findings[0].text("zh")

    def test_the_named_approver_clears_the_hold(self) -> None:
        """An approval by a marketing head clears a −7 % price; the finding records who approved."""
        head = b.actor("u-mkt", "marketing_head", level=3, org_unit="marketing")
        d = only("O2C-PR-03").check(
            at_price("930"),
            ctx(approvals=(b.approval(role="marketing_head", approver=head, id="A-MKT"),)),
        )
        assert d.outcome is sc.Outcome.ALLOW
        f = d.findings[0]
        assert f.cleared_by == ("A-MKT",)
        assert dict(f.facts)["approval A-MKT"].startswith("u-mkt as marketing_head (level 3)")

    def test_a_lower_level_cannot_clear_a_higher_hold(self) -> None:
        """A sales manager's approval does not clear what needs marketing."""
        d = only("O2C-PR-03").check(at_price("930"), ctx(approvals=(b.approval(),)))
        assert d.outcome is sc.Outcome.HOLD

    def test_each_actor_uses_their_own_node(self) -> None:
        """A section head (sales_manager) may go to −5 % alone; beyond, marketing approves."""
        assert not only("O2C-PR-03").check(at_price("950", who=b.MANAGER), ctx()).findings
        d = only("O2C-PR-03").check(at_price("949.99", who=b.MANAGER), ctx())
        assert [r.role for r in d.required_approvals] == ["marketing_head"]

    def test_an_actor_without_a_node_has_no_float(self) -> None:
        """Someone who is not an executor of float authority (权限执行人) sells at the master price,
        and any move goes to the root unless the policy names a default node."""
        clerk = b.actor("u-clerk", "order_clerk", level=1)
        assert not only("O2C-PR-03").check(at_price("1000", who=clerk), ctx()).findings
        d = only("O2C-PR-03").check(at_price("999.99", who=clerk), ctx())
        assert [r.role for r in d.required_approvals] == ["price_committee"]
        d = only("O2C-PR-03", policy=policy_with(default_node="section")).check(
            at_price("999.99", who=clerk), ctx()
        )
        assert [r.role for r in d.required_approvals] == ["sales_manager"]

    def test_named_holders_and_org_units(self) -> None:
        """权限执行人: a node naming its holders applies to them alone; org units scope role nodes."""
        tree = (
            PriceAuthority(
                id="pg",
                role="price_committee",
                level=5,
                max_cut_pct=D("0.10"),
                max_rise_pct=D("0.10"),
            ),
            PriceAuthority(
                id="east",
                parent="pg",
                role="sales_manager",
                level=2,
                org_unit="east-1",
                max_cut_pct=D("0.06"),
                max_rise_pct=D("0.06"),
            ),
            PriceAuthority(
                id="west",
                parent="pg",
                role="sales_manager",
                level=2,
                org_unit="west-1",
                max_cut_pct=D("0.03"),
                max_rise_pct=D("0.03"),
            ),
            PriceAuthority(
                id="wang",
                parent="east",
                role="sales_rep",
                holders=frozenset({"u-wang"}),
                max_cut_pct=D("0.04"),
                max_rise_pct=D("0.01"),
            ),
        )
        p = policy_with(authority=tree)
        wang = b.actor("u-wang", "sales_rep", org_unit="east-1")
        other_rep = b.actor("u-li", "sales_rep", org_unit="east-1")
        west_mgr = b.actor("u-w", "sales_manager", level=2, org_unit="west-1")
        g = only("O2C-PR-03", policy=p)
        assert not g.check(at_price("960", who=wang), ctx()).findings
        assert [r.role for r in g.check(at_price("950", who=wang), ctx()).required_approvals] == [
            "sales_manager"
        ]
        assert [
            r.role for r in g.check(at_price("990", who=other_rep), ctx()).required_approvals
        ] == ["price_committee"]
        assert not g.check(at_price("970", who=west_mgr), ctx()).findings
        assert [
            r.role for r in g.check(at_price("960", who=west_mgr), ctx()).required_approvals
        ] == ["price_committee"]
        assert (
            p.family("pricing").node_for(b.actor("u-x", "sales_manager", org_unit="north")) is None
        )
        # The holder is the person, whatever case the host spells the id in (canonical ids).
        pricing = p.family("pricing")
        for spelling in ("U-WANG", "u-Wang"):
            assert pricing.node_for(b.actor(spelling, "sales_rep", org_unit="east-1")).id == "wang"

    def test_authority_for_some_products_only(self) -> None:
        """针对某些产品授予: a node limited to some products has no float on the others."""
        tree = (
            PriceAuthority(id="pg", role="price_committee", level=5, max_cut_pct=D("0.10")),
            PriceAuthority(
                id="mkt",
                parent="pg",
                role="marketing_head",
                level=3,
                max_cut_pct=D("0.05"),
                products=frozenset({"P-PE-01"}),
            ),
            PriceAuthority(id="rep", parent="mkt", role="sales_rep", max_cut_pct=D("0.02")),
        )
        g = only("O2C-PR-03", policy=policy_with(authority=tree))
        pp = sc.Product(id="P-PP-02")
        pp_master = b.price_entry("P-PP-02")
        assert not g.check(at_price("980"), ctx()).findings
        d = g.check(at_price("980", product=pp), ctx(pp_master))
        assert [r.role for r in d.required_approvals] == ["price_committee"]
        assert "product not delegated" in dict(d.findings[0].facts)["seller_range"]

    def test_amount_limits_and_the_tighter_of_both(self) -> None:
        """A range as an amount per unit; with both a fraction and an amount the tighter applies."""
        tree = (
            PriceAuthority(id="pg", role="price_committee", level=5, max_cut_pct=D("0.10")),
            PriceAuthority(
                id="rep", parent="pg", role="sales_rep", max_cut_pct=D("0.05"), max_cut=b.cny("30")
            ),
        )
        g = only("O2C-PR-03", policy=policy_with(authority=tree))
        assert not g.check(at_price("970"), ctx()).findings  # 30 < 5 % of 1000
        assert g.check(at_price("969.99"), ctx()).outcome is sc.Outcome.HOLD
        cheap = b.price_entry(price="400")
        assert not g.check(at_price("380"), ctx(cheap)).findings  # 5 % of 400 = 20 < 30
        assert g.check(at_price("379.99"), ctx(cheap)).outcome is sc.Outcome.HOLD

    def test_an_amount_limit_in_another_currency_fails_closed(self) -> None:
        """A CNY limit cannot judge a USD price: the gate turns the error into a BLOCK."""
        tree = (
            PriceAuthority(id="pg", role="price_committee", level=5, max_cut_pct=D("0.10")),
            PriceAuthority(
                id="rep", parent="pg", role="sales_rep", max_cut_pct=D("0.05"), max_cut=b.cny("30")
            ),
        )
        usd = sc.OrderLine(
            line_no=1,
            product=sc.Product(id="P-PE-01"),
            quantity=D(1),
            unit_price=sc.Money("139", "USD"),
        )
        d = only("O2C-PR-03", policy=policy_with(authority=tree)).check(
            b.place(b.order(lines=(usd,))), ctx(b.price_entry(price="140", currency="USD"))
        )
        assert d.outcome is sc.Outcome.BLOCK
        assert d.findings[0].message == "gate.evaluation_error"

    def test_the_price_before_the_line_discount_is_judged(self) -> None:
        """List 1000 with a 10 % line discount is within float authority (the discount is PR-05's)."""
        assert not only("O2C-PR-03").check(at_price("900", list_price="1000"), ctx()).findings

    def test_a_surcharge_above_the_list_price_is_a_price_rise(self) -> None:
        """R1.2: a unit price above the list price is judged at the unit price."""
        d = only("O2C-PR-03").check(at_price("1150", list_price="1000"), ctx())
        assert [r.role for r in d.required_approvals] == ["price_committee"]

    def test_document_priced_lines_are_pr01s(self) -> None:
        """No float authority over allocated products: PR-03 leaves them to PR-01."""
        assert (
            not only("O2C-PR-03").check(at_price("4000", product=NAPHTHA), ctx(DOC_PRICE)).findings
        )

    def test_a_line_without_master_price_blocks(self) -> None:
        """No master price, no range: fails closed (even if PR-02 is switched off)."""
        p = sc.Policy(disabled=frozenset({"O2C-PR-02"}), acknowledged={"O2C-PR-02": "PR-03 alone"})
        d = sc.Gate(p, only=["O2C-PR-03"]).check(at_price("1000"), b.context(prices=()))
        assert d.outcome is sc.Outcome.BLOCK

    def test_each_line_is_judged(self) -> None:
        """Two lines out of range, two findings, each naming its line."""
        lines = (b.line(1, price="960"), b.line(2, price="940"), b.line(3, price="1000"))
        d = only("O2C-PR-03").check(b.place(b.order(lines=lines)), ctx())
        assert [dict(f.params)["line"] for f in d.findings] == ["1", "2"]
        assert [r.role for r in d.required_approvals] == ["sales_manager", "marketing_head"]


def _load(tree_toml: str, extra: str = "") -> sc.Policy:
    return sc.loads_policy(extra + tree_toml)


TREE = """
[[pricing.authority]]
id = "price-group"
role = "price_committee"
level = 5
max_cut_pct = 0.15
max_rise_pct = 0.20

[[pricing.authority]]
id = "marketing"
parent = "price-group"
role = "marketing_head"
level = 3
max_cut_pct = 0.08
max_rise_pct = 0.10

[[pricing.authority]]
id = "section"
parent = "marketing"
role = "sales_manager"
level = 2
{section}
"""


class TestPR04DiminishingRanges:
    """S-IC 3.3 价格浮动权向下实行逐级递减分配: checked when the policy loads."""

    def test_a_narrower_child_loads(self) -> None:
        """Fractions and amounts within the parent's load."""
        p = _load(
            TREE.format(section='max_cut_pct = 0.05\nmax_rise_pct = 0.06\nmax_rise = "50 CNY"')
        )
        assert p.family("pricing").node("section").max_rise == b.cny("50")

    def test_a_wider_child_is_refused_naming_the_node_path_and_line(self) -> None:
        """A section allowed −9 % under a marketing department allowed −8 %: refused."""
        source = TREE.format(section="max_cut_pct = 0.09")
        with pytest.raises(sc.PolicyError) as e:
            _load(source)
        err = e.value
        assert err.path == "pricing.authority[2].max_cut_pct"
        assert err.line == source.splitlines().index("max_cut_pct = 0.09") + 1
        assert "price-group > marketing > section" in err.reason
        assert "0.09 > the parent's 0.08" in err.reason
        assert "O2C-PR-04" in str(err)

    @pytest.mark.parametrize(
        ("section", "key"),
        [
            ("max_rise_pct = 0.11", "max_rise_pct"),
            ('max_cut = "10 CNY"', "max_cut"),  # an amount alone is wider than 8 % at low prices
            ("max_cut_pct = 0.05\nmax_cut_pct_typo = 1", "max_cut_pct_typo"),
        ],
    )
    def test_other_ways_to_be_wider(self, section: str, key: str) -> None:
        """A wider rise; an amount under a fraction; and a typo is an unknown key."""
        with pytest.raises(sc.PolicyError) as e:
            _load(TREE.format(section=section))
        assert e.value.path == f"pricing.authority[2].{key}"

    def test_fraction_under_an_amount_and_currencies(self) -> None:
        """Under an amount limit a fraction alone is wider at high prices; currencies must match."""
        pg = PriceAuthority(id="pg", role="pc", max_cut=b.cny("100"))
        frac = PriceAuthority(id="c", parent="pg", role="r", max_cut_pct=D("0.01"))
        with pytest.raises(sc.PolicyError, match="high prices"):
            sc.Policy(families={"pricing": PricingPolicy(authority=(pg, frac))})
        for child in (
            PriceAuthority(id="c", parent="pg", role="r", max_cut=sc.Money("50", "USD")),
            PriceAuthority(id="c", parent="pg", role="r", max_cut=b.cny("100.01")),
        ):
            with pytest.raises(sc.PolicyError) as e:
                sc.Policy(families={"pricing": PricingPolicy(authority=(pg, child))})
            assert e.value.path == "pricing.authority[1].max_cut"
        ok = PriceAuthority(
            id="c", parent="pg", role="r", max_cut=b.cny("100"), max_cut_pct=D("0.5")
        )
        sc.Policy(families={"pricing": PricingPolicy(authority=(pg, ok))})

    def test_a_child_that_allows_nothing_is_always_narrower(self) -> None:
        """No limit on a side means no move: narrower than any parent."""
        zero = PriceAuthority(id="z", parent="pg", role="r", max_cut_pct=D(0))
        pg = PriceAuthority(id="pg", role="pc")
        sc.Policy(
            families={
                "pricing": PricingPolicy(
                    authority=(pg, zero, PriceAuthority(id="y", parent="pg", role="q"))
                )
            }
        )
        with pytest.raises(sc.PolicyError, match="allows no move"):
            sc.Policy(
                families={
                    "pricing": PricingPolicy(
                        authority=(
                            pg,
                            PriceAuthority(id="c", parent="pg", role="r", max_rise=b.cny(1)),
                        )
                    )
                }
            )

    def test_products_must_be_among_the_parents(self) -> None:
        """A child cannot be given float authority over products its parent was not given."""
        pg = PriceAuthority(id="pg", role="pc", max_cut_pct=D("0.1"), products=frozenset({"P-1"}))
        c = PriceAuthority(
            id="c", parent="pg", role="r", max_cut_pct=D("0.1"), products=frozenset({"P-1", "P-2"})
        )
        with pytest.raises(sc.PolicyError) as e:
            sc.Policy(families={"pricing": PricingPolicy(authority=(pg, c))})
        assert e.value.path == "pricing.authority[1].products"

    def test_switching_pr04_off_skips_the_check(self) -> None:
        """The policy file may switch O2C-PR-04 off (the documentation then shows it)."""
        p = _load(TREE.format(section="max_cut_pct = 0.09"), '[policy]\ndisabled = ["O2C-PR-04"]\n')
        assert "O2C-PR-04" in p.disabled

    @pytest.mark.parametrize(
        ("kw", "path"),
        [
            ({"authority": ()}, "pricing.authority"),
            (
                {"authority": (PriceAuthority(id="a", role="r"), PriceAuthority(id="b", role="r"))},
                "pricing.authority",
            ),
            (
                {
                    "authority": (
                        PriceAuthority(id="a", role="r"),
                        PriceAuthority(id="a", parent="a", role="r"),
                    )
                },
                "pricing.authority[1].id",
            ),
            (
                {
                    "authority": (
                        PriceAuthority(id="a", role="r"),
                        PriceAuthority(id="b", parent="x", role="r"),
                    )
                },
                "pricing.authority[1].parent",
            ),
            (
                {
                    "authority": (
                        PriceAuthority(id="a", role="r"),
                        PriceAuthority(id="b", parent="c", role="r"),
                        PriceAuthority(id="c", parent="b", role="r"),
                    )
                },
                "pricing.authority[1].parent",
            ),
            (
                {
                    "authority": (
                        PriceAuthority(id="a", role="r", holders=frozenset({"u"})),
                        PriceAuthority(id="b", parent="a", role="r", holders=frozenset({"u"})),
                    )
                },
                "pricing.authority[1].holders",
            ),
            ({"default_node": "nowhere"}, "pricing.default_node"),
        ],
    )
    def test_a_malformed_tree_is_refused(self, kw: dict[str, Any], path: str) -> None:
        """No root, two roots, duplicate ids, unknown parents, cycles, a holder twice, a bad default."""
        with pytest.raises(sc.PolicyError) as e:
            sc.Policy(families={"pricing": pricing_policy(**kw)})
        assert e.value.path == path

    def test_defaults_and_the_example_policy_load(self) -> None:
        """The default tree and examples/policy.toml satisfy PR-04."""
        PricingPolicy().check_policy(sc.Policy.default())
        example = Path(__file__).parents[2] / "examples" / "policy.toml"
        assert (
            sc.load_policy(example).family("pricing").path_of("rep")
            == "price-group > marketing > section > rep"
        )

    def test_bad_values_in_a_node(self) -> None:
        """A fraction above 1, a negative amount or a float are refused with their field."""
        with pytest.raises(sc.InvalidInput, match="max_cut_pct"):
            PriceAuthority(id="a", role="r", max_cut_pct=D("1.5"))
        with pytest.raises(sc.InvalidInput, match="max_rise"):
            PriceAuthority(id="a", role="r", max_rise=b.cny("-1"))
        with pytest.raises(sc.PolicyError, match="decimal"):
            sc.loads_policy('[[pricing.authority]]\nid = "a"\nrole = "r"\nmax_cut_pct = "x"\n')


def pricing_policy(**kw: Any) -> PricingPolicy:
    """Build a PricingPolicy, turning its construction error into the Policy's (for the table)."""
    try:
        return PricingPolicy(**kw)
    except sc.InvalidInput as e:
        raise sc.PolicyError(e.reason, path=f"pricing.{e.path}", value=e.value) from None


# -- O2C-PR-05 ---------------------------------------------------------------------------------


def discounted(
    pct_price: str,
    *,
    concessions: tuple[sc.Concession, ...] = (),
    qty: str = "10",
    order_id: str = "SO-2026-0042",
) -> sc.PlaceOrder:
    ln = attrs.evolve(b.line(1, qty, pct_price), list_price=b.cny("1000"))
    return b.place(b.order(id=order_id, lines=(ln,), concessions=concessions))


class TestPR05Concessions:
    """S-MK 5 折扣、赠品、会员优惠, within the discount delegation matrix (defaults: line ≤ 3 % own,
    ≤ 10 % sales manager, ≤ 20 % sales manager then general manager; order ≤ 3 % and 20 000 own …)."""

    def test_a_small_discount_is_the_sellers_own(self) -> None:
        """3 % off on 10 000: within the seller's own authority."""
        assert not only("O2C-PR-05").check(discounted("970"), ctx()).findings

    def test_a_larger_discount_needs_the_sales_manager(self) -> None:
        """3.01 % off: the line and the order each need the sales manager."""
        d = only("O2C-PR-05").check(discounted("969.90"), ctx())
        assert d.outcome is sc.Outcome.HOLD
        assert {f.message for f in d.findings} == {
            "pricing.concession_line",
            "pricing.concession_order",
        }
        assert {r.role for r in d.required_approvals} == {"sales_manager"}
        ok = only("O2C-PR-05").check(discounted("969.90"), ctx(approvals=(b.approval(),)))
        assert ok.outcome is sc.Outcome.ALLOW

    def test_multi_level_in_order(self) -> None:
        """S-K1 2 销售经理审签,总经理签批: 15 % needs the sales manager, then the general manager."""
        d = only("O2C-PR-05").check(discounted("850"), ctx())
        line = d.findings_for("O2C-PR-05")[0]
        assert [(r.role, r.step) for r in line.required] == [
            ("sales_manager", 1),
            ("general_manager", 2),
        ]
        assert "sales manager → general manager" in line.text("en")
        assert "销售经理 → 总经理" in line.text("zh")

    def test_above_the_matrix_blocks(self) -> None:
        """A 20.01 % line discount is above every band: BLOCK."""
        d = only("O2C-PR-05").check(discounted("799.90"), ctx())
        assert d.outcome is sc.Outcome.BLOCK
        assert "pricing.concession_line_above_matrix" in {f.message for f in d.findings}

    def test_exactly_on_a_band_is_inside_it(self) -> None:
        """10 % exactly is the sales manager's band, not the next (no epsilon)."""
        d = only("O2C-PR-05").check(discounted("900"), ctx())
        assert {r.role for r in d.required_approvals} == {"sales_manager"}

    def test_rebates_gifts_and_member_offers_count(self) -> None:
        """Order concessions add up with line discounts: 2 % line + 2 000 rebate on 10 000 = 4 %."""
        rebate = sc.Concession(
            kind=sc.ConcessionKind.REBATE, value=b.cny("2000"), reference="返利协议 R-7"
        )
        d = only("O2C-PR-05").check(discounted("980", concessions=(rebate,)), ctx())
        (f,) = d.findings
        assert f.message == "pricing.concession_order"
        assert dict(f.params)["pct"] == "22.00%"  # (200 + 2000) / 10000
        gift = sc.Concession(kind=sc.ConcessionKind.GIFT, value=b.cny("100"), line_no=1)
        member = sc.Concession(kind=sc.ConcessionKind.MEMBER_OFFER, value=b.cny("150"))
        d = only("O2C-PR-05").check(discounted("1000", concessions=(gift, member)), ctx())
        assert not d.findings  # 250 on 10 000 = 2.5 %

    def test_a_gift_on_a_line_is_that_lines_concession(self) -> None:
        """A gift attached to line 1 worth 5 % of it needs the sales manager."""
        gift = sc.Concession(kind=sc.ConcessionKind.GIFT, value=b.cny("500"), line_no=1)
        d = only("O2C-PR-05").check(discounted("1000", concessions=(gift,)), ctx())
        assert "pricing.concession_line" in {f.message for f in d.findings}

    def test_a_kind_the_policy_does_not_allow_blocks(self) -> None:
        """A subsidiary that allows no gifts blocks a gift."""
        p = policy_with(concession_kinds=frozenset({sc.ConcessionKind.DISCOUNT}))
        gift = sc.Concession(kind=sc.ConcessionKind.GIFT, value=b.cny("1"))
        d = only("O2C-PR-05", policy=p).check(discounted("1000", concessions=(gift,)), ctx())
        assert d.outcome is sc.Outcome.BLOCK

    def test_big_orders_escalate_to_the_office_meeting(self) -> None:
        """S-CP 3.2.4 特别重大的…报企业办公会审定: 2 % of 60 million exceeds 1 million."""
        d = only("O2C-PR-05").check(discounted("980", qty="60000"), ctx())
        order = next(f for f in d.findings if f.message == "pricing.concession_order")
        assert [r.role for r in order.required] == [
            "sales_manager",
            "general_manager",
            "office_meeting",
        ]

    def test_splitting_a_discount_over_small_orders_is_caught(self) -> None:
        """iDempiere's accumulated limit: four earlier orders' concessions plus this one exceed
        the seller's 50 000 over 90 days, though each order alone is within the seller's own."""
        history = tuple(
            sc.ConcessionRecord(
                order_id=f"SO-2026-00{30 + i}",
                customer_id="C-100",
                on=dt.date(2026, 2, 1 + i),
                value=b.cny("14000"),
                gross=b.cny("700000"),
            )
            for i in range(4)
        )
        small = discounted("980", qty="100")  # 2 000 off 100 000: 2 %, the seller's own
        assert not only("O2C-PR-05").check(small, ctx()).findings
        d = only("O2C-PR-05").check(small, ctx(concession_history=history))
        (f,) = d.findings
        assert f.message == "pricing.concession_rolling"
        assert dict(f.facts)["orders_in_window"] == "5"
        assert dict(f.params)["amount"] == "58000.00 CNY"

    def test_the_window_and_the_customer_are_respected(self) -> None:
        """Records older than the window, of other customers, or of this very order do not count."""

        def rec(order_id: str, cust: str, on: dt.date) -> sc.ConcessionRecord:
            return sc.ConcessionRecord(
                order_id=order_id, customer_id=cust, on=on, value=b.cny("60000")
            )

        history = (
            rec("SO-1", "C-100", dt.date(2025, 12, 2)),
            rec("SO-2", "C-999", dt.date(2026, 3, 1)),
            rec("SO-2026-0042", "C-100", dt.date(2026, 3, 1)),
        )
        assert (
            not only("O2C-PR-05")
            .check(discounted("980", qty="100"), ctx(concession_history=history))
            .findings
        )
        inside = (rec("SO-3", "C-100", dt.date(2025, 12, 3)),)  # 89 days before 2 March
        d = only("O2C-PR-05").check(discounted("980", qty="100"), ctx(concession_history=inside))
        assert d.outcome is sc.Outcome.HOLD

    def test_no_concession_no_rolling_check(self) -> None:
        """A customer's history alone does not hold an order that concedes nothing."""
        history = (
            sc.ConcessionRecord(
                order_id="SO-9", customer_id="C-100", on=b.TODAY, value=b.cny("9000000")
            ),
        )
        assert (
            not only("O2C-PR-05")
            .check(discounted("1000"), ctx(concession_history=history))
            .findings
        )

    def test_matrix_validation(self) -> None:
        """Bands must rise, in one currency; a bound left open cannot be closed later."""
        with pytest.raises(sc.InvalidInput, match="rise"):
            PricingPolicy(
                line_discount_steps=(
                    ConcessionStep(max_pct=D("0.1")),
                    ConcessionStep(max_pct=D("0.05")),
                )
            )
        with pytest.raises(sc.InvalidInput, match="one currency"):
            PricingPolicy(
                rolling_steps=(
                    ConcessionStep(max_amount=b.cny(1)),
                    ConcessionStep(max_amount=sc.Money(2, "USD")),
                )
            )
        with pytest.raises(sc.InvalidInput, match="left unbounded"):
            PricingPolicy(rolling_steps=(ConcessionStep(), ConcessionStep(max_amount=b.cny(1))))

    def test_unordered_band_approvals(self) -> None:
        """A band may take its approvals in any order (in_order = false)."""
        steps = (
            ConcessionStep(
                max_pct=D("0.5"),
                approvals=(ApprovalStep("a", 1), ApprovalStep("b", 1)),
                in_order=False,
            ),
        )
        p = policy_with(line_discount_steps=steps)
        d = only("O2C-PR-05", policy=p).check(discounted("900"), ctx())
        line = next(f for f in d.findings if f.message == "pricing.concession_line")
        assert [r.step for r in line.required] == [0, 0]

    def test_amount_bands_in_another_currency_convert(self) -> None:
        """A USD order against CNY bands converts with the context's rate."""
        ln = sc.OrderLine(
            line_no=1,
            product=sc.Product(id="P-PE-01"),
            quantity=D(100),
            unit_price=sc.Money("97", "USD"),
            list_price=sc.Money("100", "USD"),
        )
        txn = b.place(b.order(lines=(ln,)))
        c = ctx(b.price_entry(price="100", currency="USD"), fx_rates={"USD/CNY": D("7.10")})
        d = only("O2C-PR-05").check(txn, c)  # 300 USD = 2 130 CNY: own authority
        assert not d.findings


# -- properties ---------------------------------------------------------------------------------

cents = st.integers(min_value=1, max_value=10_000_000)  # 0.01 .. 100 000.00


@settings(max_examples=200)
@given(units=st.integers(1, 100_000), pct=st.integers(0, 30))
def test_exactly_on_the_floor_passes_one_cent_below_does_not(units: int, pct: int) -> None:
    """Whole-cent floors: the floor itself is inside the range, one cent below is outside."""
    master = D(units)
    floor = master - master * D(pct) / 100
    rep = PriceAuthority(id="rep", parent="pg", role="sales_rep", max_cut_pct=D(pct) / 100)
    pol = PricingPolicy(authority=(PriceAuthority(id="pg", role="pc", max_cut_pct=D("0.5")), rep))
    assert pol.covers(rep, "P", master, floor, "CNY")
    assert not pol.covers(rep, "P", master, floor - D("0.01"), "CNY")


@settings(max_examples=200)
@given(master_cents=cents, pct=st.decimals(min_value=0, max_value=D("0.3"), places=4))
def test_no_epsilon_for_any_floor(master_cents: int, pct: Decimal) -> None:
    """Any fraction: the lowest whole-cent price at or above the exact floor passes, the cent
    below fails, through the whole gate."""
    master = D(master_cents) / 100
    exact = master - master * pct
    lowest = exact.quantize(D("0.01"), rounding=ROUND_CEILING)
    pol = sc.Policy(
        families={
            "pricing": PricingPolicy(
                authority=(PriceAuthority(id="pg", role="pc", level=5, max_cut_pct=pct),)
            )
        }
    )
    gate = sc.Gate(pol, only=["O2C-PR-03"])
    boss = b.actor("u-boss", "pc", level=5)
    entry = b.price_entry(price=str(master))
    for price, allowed in ((lowest, True), (lowest - D("0.01"), False)):
        if price < 0:
            continue
        d = gate.check(at_price(str(price), qty="1", who=boss), ctx(entry))
        assert (d.outcome is sc.Outcome.ALLOW) is allowed, (price, exact)


@st.composite
def trees(draw: st.DrawFn) -> tuple[PriceAuthority, ...]:
    """A chain of 1–4 nodes with diminishing fraction limits (valid under PR-04)."""
    depth = draw(st.integers(1, 4))
    cut, rise = D("0.30"), D("0.30")
    nodes = []
    for i in range(depth):
        cut = draw(st.decimals(min_value=0, max_value=cut, places=3))
        rise = draw(st.decimals(min_value=0, max_value=rise, places=3))
        nodes.append(
            PriceAuthority(
                id=f"n{i}",
                parent=f"n{i - 1}" if i else None,
                role=f"role{i}",
                level=5 - i,
                max_cut_pct=cut,
                max_rise_pct=rise,
            )
        )
    return tuple(nodes)


def _narrow(
    tree: tuple[PriceAuthority, ...], k: int, f_cut: Decimal, f_rise: Decimal
) -> tuple[PriceAuthority, ...]:
    """Narrow node ``k`` by the factors, and its descendants so they stay inside it."""
    out = list(tree)
    cap_cut = (tree[k].max_cut_pct or D(0)) * f_cut
    cap_rise = (tree[k].max_rise_pct or D(0)) * f_rise
    for i in range(k, len(out)):
        n = out[i]
        out[i] = attrs.evolve(
            n,
            max_cut_pct=min(n.max_cut_pct or D(0), cap_cut),
            max_rise_pct=min(n.max_rise_pct or D(0), cap_rise),
        )
    return tuple(out)


@settings(max_examples=200)
@given(
    tree=trees(),
    seat=st.integers(0, 3),
    k=st.integers(0, 3),
    f_cut=st.decimals(min_value=0, max_value=1, places=2),
    f_rise=st.decimals(min_value=0, max_value=1, places=2),
    price=st.integers(50_000, 150_000),
)
def test_narrowing_a_range_never_loosens_a_decision(
    tree: tuple[PriceAuthority, ...], seat: int, k: int, f_cut: Decimal, f_rise: Decimal, price: int
) -> None:
    """Narrowing any node's range (its descendants narrowed to stay inside) never turns a HOLD or
    BLOCK into ALLOW, and never turns a BLOCK into a HOLD."""
    seat, k = min(seat, len(tree) - 1), min(k, len(tree) - 1)
    seller = b.actor("u-seller", f"role{seat}")
    txn = at_price(str(D(price) / 100), qty="1", who=seller)
    c = ctx()
    before = sc.Gate(policy_with(authority=tree), only=["O2C-PR-03"]).check(txn, c).outcome
    after = (
        sc.Gate(policy_with(authority=_narrow(tree, k, f_cut, f_rise)), only=["O2C-PR-03"])
        .check(txn, c)
        .outcome
    )
    assert after >= before


@settings(max_examples=100)
@given(tree=trees(), seat=st.integers(0, 3), price=st.integers(50_000, 150_000))
def test_the_hold_names_a_node_that_covers_the_price(
    tree: tuple[PriceAuthority, ...], seat: int, price: int
) -> None:
    """Whenever PR-03 holds, the node it names covers the price and the seller's does not."""
    seat = min(seat, len(tree) - 1)
    pol = policy_with(authority=tree)
    fam: PricingPolicy = pol.family("pricing")
    p = D(price) / 100
    d = sc.Gate(pol, only=["O2C-PR-03"]).check(
        at_price(str(p), qty="1", who=b.actor("u-s", f"role{seat}")), ctx()
    )
    if d.outcome is sc.Outcome.HOLD:
        (req,) = d.required_approvals
        node = next(n for n in tree if n.role == req.role)
        assert fam.covers(node, "P-PE-01", D(1000), p, "CNY")
        assert not fam.covers(tree[seat], "P-PE-01", D(1000), p, "CNY")
        assert tree.index(node) < seat
    elif d.outcome is sc.Outcome.ALLOW:
        assert fam.covers(tree[seat], "P-PE-01", D(1000), p, "CNY")
    else:
        assert not fam.covers(tree[0], "P-PE-01", D(1000), p, "CNY")


def test_policy_round_trips_through_toml_data() -> None:
    """The family policy unstructures and structures back to an equal value."""
    from salesctl._convert import structure, unstructure

    p = PricingPolicy()
    assert structure(unstructure(p), PricingPolicy, "pricing") == p


class TestNewDocuments:
    """PriceEntry, Concession, ConcessionRecord and OrderLine.list_price validate on construction."""

    def test_price_entry(self) -> None:
        """Validity ends in order; inclusive validity; JSON round trip."""
        with pytest.raises(sc.InvalidInput) as e:
            b.price_entry(valid_from=dt.date(2026, 3, 2), valid_to=dt.date(2026, 3, 1))
        assert e.value.path == "PriceEntry.valid_to"
        entry = b.price_entry(valid_from=dt.date(2026, 3, 1), valid_to=dt.date(2026, 3, 2))
        assert entry.valid_on(dt.date(2026, 3, 2)) and not entry.valid_on(dt.date(2026, 3, 3))
        c = sc.Context.from_dict(b.context(prices=(entry,)).to_dict())
        assert c.prices == (entry,) and c.prices_for("P-PE-01") == (entry,)

    @pytest.mark.parametrize(
        ("change", "path"),
        [
            ({"list_price": sc.Money("1000", "USD")}, "OrderLine.list_price"),
            ({"list_price": b.cny("-1")}, "OrderLine.list_price"),
        ],
    )
    def test_list_price(self, change: dict[str, Any], path: str) -> None:
        """A list price in another currency than the unit price, or negative, is refused."""
        with pytest.raises(sc.InvalidInput) as e:
            attrs.evolve(b.line(), **change)
        assert e.value.path == path

    def test_concessions(self) -> None:
        """Concessions: positive, in the order's currency, naming an existing line."""
        with pytest.raises(sc.InvalidInput):
            sc.Concession(kind=sc.ConcessionKind.GIFT, value=b.cny("0"))
        bad = (
            (
                sc.Concession(kind=sc.ConcessionKind.REBATE, value=sc.Money("1", "USD")),
                "SalesOrder.concessions[0].value",
            ),
            (
                sc.Concession(kind=sc.ConcessionKind.GIFT, value=b.cny("1"), line_no=9),
                "SalesOrder.concessions[0].line_no",
            ),
        )
        for c, path in bad:
            with pytest.raises(sc.InvalidInput) as e:
                b.order(concessions=(c,))
            assert e.value.path == path
        with pytest.raises(sc.InvalidInput) as e:
            b.order(concessions=("gift",))
        assert e.value.path == "SalesOrder.concessions[0]"

    def test_from_json_with_paths(self) -> None:
        """A malformed concession in a check file names its path in the document."""
        data = sc.transaction_to_dict(discounted("950"))
        data["order"]["concessions"] = [{"kind": "bribe", "value": "1 CNY"}]
        with pytest.raises(sc.InvalidInput) as e:
            sc.parse_transaction(data, path="transaction")
        assert e.value.path == "transaction.order.concessions[0].kind"
        with pytest.raises(sc.InvalidInput) as e:
            sc.Context.from_dict(
                {"as_of": "2026-03-02", "concession_history": [{"order_id": "SO-1"}]}
            )
        assert e.value.path.startswith("context.concession_history[0]")
