"""Group credit, second part (issue 15): O2C-CR-06 (re-approval, one-time release consumed
once) and O2C-CR-08 (major credit sales) in the credit segments and the customer group.

- O2C-CR-08 measures an order in a segment as the segment's exposure plus the order, so a
  sale split across the companies of a segment or the members of a group reaches the band
  the whole would; the highest band wins and the finding names the segment.
- O2C-CR-06: one release releases the order in every segment (S-IC 5.1: 一次性释放冻结的
  订单) and is consumed once; one re-approval of the order clears every segment's hold.
"""

from __future__ import annotations

from decimal import Decimal

import attrs
from hypothesis import given, settings
from hypothesis import strategies as st

import salesctl as sc
from salesctl.controls import credit
from salesctl.events import GrantRelease
from salesctl.ledger import Ledger
from salesctl.model import CreditGroup
from tests import builders as b

#: Bands small enough for the builders' amounts: 100 000 (the VP and the chief accountant),
#: 500 000 (the office meeting).
TIERS = (
    credit.MajorSaleTier(
        b.cny("100000"),
        (credit.ApprovalStep("business_vp", 4), credit.ApprovalStep("chief_accountant", 4)),
    ),
    credit.MajorSaleTier(b.cny("500000"), (credit.ApprovalStep("office_meeting", 5),)),
)
POLICY = sc.Policy(
    families={
        "credit": credit.CreditPolicy(segments={"east": ["CO-SH", "CO-NJ"]}, major_sale_tiers=TIERS)
    }
)
GROUP = "customer group G-1 / 客户集团 G-1"
EAST = "credit segment east / 信用段 east"
WIDE = b.profile(limit=b.cny("999999999"))


def _gate(*cids: str) -> sc.Gate:
    return sc.Gate(POLICY, only=list(cids or ["O2C-CR-08"]))


def _order(amount: str = "10000", **kw: object) -> sc.SalesOrder:
    return b.order(lines=(b.line(1, "1", amount),), **kw)  # type: ignore[arg-type]


def _member(cid: str = "C-101", **kw: object) -> sc.Customer:
    return b.customer(cid, prof=WIDE, group_id="G-1", **kw)


def _group(open_orders: str = "0", **kw: object) -> CreditGroup:
    return CreditGroup(id="G-1", profile=WIDE, exposure=b.exposure(open_orders=open_orders), **kw)  # type: ignore[arg-type]


def _roles(d: sc.Decision) -> set[str]:
    return {r.role for r in d.required_approvals}


class TestMajorSaleInTheGroup:
    """S-CP 3.2.4★ 分管业务的领导和总会计师审批，特别重大的赊销方案报企业办公会审定 — measured
    in the group too: the members' exposure plus the order."""

    def test_the_group_exactly_at_the_band_holds_naming_the_group(self) -> None:
        d = _gate().check(b.place(_order(cust=_member())), b.context(credit_group=_group("90000")))
        assert d.outcome is sc.Outcome.HOLD
        f = d.findings[0]
        assert f.message == "credit.segment_major_sale"
        assert dict(f.facts)["segment"] == GROUP
        assert dict(f.facts)["exposure_after"] == "100000.00 CNY"
        assert _roles(d) == {"business_vp", "chief_accountant"}
        assert "客户集团 G-1" in d.explain("zh") and "customer group G-1" in d.explain("en")

    def test_the_group_one_cent_under_the_band_passes(self) -> None:
        ctx = b.context(credit_group=_group("89999.99"))
        assert _gate().check(b.place(_order(cust=_member())), ctx).outcome is sc.Outcome.ALLOW

    def test_one_cent_over_the_top_band_goes_to_the_office_meeting(self) -> None:
        """The order alone is in the first band; the group, one cent over the second, wins."""
        ctx = b.context(credit_group=_group("390000.01"))
        d = _gate().check(b.place(_order("110000", cust=_member())), ctx)
        assert [f.message for f in d.findings] == ["credit.segment_major_sale"]
        assert _roles(d) == {"office_meeting"}
        assert dict(d.findings[0].facts)["exposure_after"] == "500000.01 CNY"

    def test_the_same_band_as_the_order_itself_is_the_classic_finding(self) -> None:
        ctx = b.context(credit_group=_group("10000"))
        d = _gate().check(b.place(_order("100000", cust=_member())), ctx)
        assert [f.message for f in d.findings] == ["credit.major_sale"]

    def test_a_group_missing_from_the_context_fails_closed(self) -> None:
        for g in (None, attrs.evolve(_group(), id="G-2")):
            d = _gate().check(b.place(_order(cust=_member())), b.context(credit_group=g))
            assert d.outcome is sc.Outcome.BLOCK
            assert d.findings[0].message == "credit.no_segment_exposure"

    def test_the_group_is_measured_though_its_parent_has_no_profile(self) -> None:
        g = attrs.evolve(_group("95000"), profile=None)
        d = _gate().check(b.place(_order(cust=_member())), b.context(credit_group=g))
        assert d.outcome is sc.Outcome.HOLD

    def test_the_bands_approvals_clear_it(self) -> None:
        approvals = (
            b.approval(role="business_vp", approver=b.actor("u-vp", "business_vp", level=4)),
            b.approval(
                role="chief_accountant", approver=b.actor("u-ca", "chief_accountant", level=4)
            ),
        )
        ctx = b.context(credit_group=_group("95000"), approvals=approvals)
        assert _gate().check(b.place(_order(cust=_member())), ctx).outcome is sc.Outcome.ALLOW

    def test_an_order_in_another_currency_is_converted(self) -> None:
        usd = b.order(
            cust=_member(),
            lines=(sc.OrderLine(1, sc.Product("P-1"), Decimal(1), sc.Money("1408.46", "USD")),),
        )
        ctx = b.context(credit_group=_group("90000"), fx_rates={"USD/CNY": Decimal("7.10")})
        # 1408.46 × 7.10 = 10000.066 → 10000.07: 90000 + 10000.07 reaches the band
        assert _gate().check(b.place(usd), ctx).outcome is sc.Outcome.HOLD


class TestMajorSaleInTheSegment:
    def _cust(self) -> sc.Customer:
        return b.customer(prof=WIDE, segment_profiles={"east": WIDE})

    def test_the_segment_exactly_at_the_band_holds_naming_it(self) -> None:
        o = _order(cust=self._cust(), company="CO-NJ")
        ctx = b.context(segment_exposure={"east": b.exposure(open_orders="90000")})
        d = _gate().check(b.place(o), ctx)
        assert d.outcome is sc.Outcome.HOLD
        assert dict(d.findings[0].facts)["segment"] == EAST

    def test_one_cent_under_passes(self) -> None:
        o = _order(cust=self._cust(), company="CO-SH")
        ctx = b.context(segment_exposure={"east": b.exposure(receivables="89999.99")})
        assert _gate().check(b.place(o), ctx).outcome is sc.Outcome.ALLOW

    def test_only_the_categories_the_policy_counts(self) -> None:
        o = _order(cust=self._cust(), company="CO-SH")
        exp = attrs.evolve(b.exposure(), other_receivables=b.cny("5000000"))
        ctx = b.context(segment_exposure={"east": exp})
        assert _gate().check(b.place(o), ctx).outcome is sc.Outcome.ALLOW

    def test_data_without_segments_decides_as_before(self) -> None:
        """No company, no group: the order alone, whatever the customer owes."""
        ctx = b.context(exposure=b.exposure(open_orders="9000000"))
        o = _order(cust=b.customer(prof=WIDE))
        assert _gate().check(b.place(o), ctx).outcome is sc.Outcome.ALLOW

    def test_a_missing_segment_exposure_fails_closed(self) -> None:
        o = _order(cust=self._cust(), company="CO-SH")
        assert _gate().check(b.place(o), b.context()).outcome is sc.Outcome.BLOCK


# -- O2C-CR-06 -------------------------------------------------------------------------------------

ORDER = "SO-2026-0042"


def _release(max_amount: str = "10000", **kw: object) -> sc.CreditRelease:
    base: dict[str, object] = dict(
        id="REL-1",
        order_id=ORDER,
        max_amount=b.cny(max_amount),
        granted_by=b.MAINTAINER,
        granted_at=b.at(2, 9),
        expires_at=b.at(20, 18),
    )
    base.update(kw)
    return sc.CreditRelease(**base)  # type: ignore[arg-type]


def _over_everywhere() -> tuple[sc.SalesOrder, sc.Context]:
    """An order of 10 000 over the customer's own limit, its segment's and its group's."""
    cust = b.customer(
        "C-101",
        prof=b.profile(limit=b.cny("5000")),
        group_id="G-1",
        segment_profiles={"east": b.profile(limit=b.cny("5000"))},
    )
    o = _order(cust=cust, company="CO-NJ")
    ctx = b.context(
        segment_exposure={"east": b.exposure()},
        credit_group=CreditGroup(
            id="G-1", profile=b.profile(limit=b.cny("5000")), exposure=b.exposure()
        ),
    )
    return o, ctx


LIMITS = ("O2C-CR-04", "O2C-CR-06")


class TestOneReleaseForEverySegment:
    """S-IC 5.1: 经批准后由财务部门信用主数据维护员在系统中一次性释放冻结的订单 — the order is
    released, in every segment at once; the release is used once."""

    def test_one_release_releases_every_segment(self) -> None:
        o, ctx = _over_everywhere()
        d = _gate(*LIMITS).check(b.place(o), attrs.evolve(ctx, releases=(_release(),)))
        assert d.outcome is sc.Outcome.ALLOW
        assert [f.message for f in d.findings] == ["credit.released"] * 3
        assert {dict(f.facts).get("segment") for f in d.findings} == {None, EAST, GROUP}

    def test_a_used_release_holds_and_names_every_segment_over(self) -> None:
        o, ctx = _over_everywhere()
        ctx = attrs.evolve(ctx, releases=(_release(),), consumed_releases=frozenset({"REL-1"}))
        d = _gate(*LIMITS).check(b.place(o), ctx)
        assert d.outcome is sc.Outcome.HOLD
        cr06 = [f for f in d.findings if f.control_id == "O2C-CR-06"]
        assert [f.message for f in cr06] == ["credit.release_consumed"]
        where = dict(cr06[0].facts)["over_limit_in"]
        assert where == f"customer C-101 / 客户 C-101; {EAST}; {GROUP}"
        # every segment is held again: nothing escapes
        assert (
            sum(f.outcome is sc.Outcome.HOLD for f in d.findings if f.control_id == LIMITS[0]) == 3
        )

    def test_the_release_exactly_at_the_order_covers_it_one_cent_under_does_not(self) -> None:
        o, ctx = _over_everywhere()
        d = _gate(*LIMITS).check(b.place(o), attrs.evolve(ctx, releases=(_release("10000"),)))
        assert d.outcome is sc.Outcome.ALLOW
        d = _gate(*LIMITS).check(b.place(o), attrs.evolve(ctx, releases=(_release("9999.99"),)))
        assert d.outcome is sc.Outcome.HOLD
        assert "credit.release_amount" in {f.message for f in d.findings}
        assert not any(f.message == "credit.released" for f in d.findings)

    def test_one_re_approval_of_the_order_clears_every_segment(self) -> None:
        o, ctx = _over_everywhere()
        ok = b.approval(role="credit_manager", approver=b.CREDIT_MANAGER)
        assert _gate(*LIMITS).check(b.place(o), attrs.evolve(ctx, approvals=(ok,))).allowed
        low = b.approval(
            role="credit_manager", approver=b.actor("u-cm2", "credit_manager", level=2)
        )
        d = _gate(*LIMITS).check(b.place(o), attrs.evolve(ctx, approvals=(low,)))
        assert d.outcome is sc.Outcome.HOLD

    def test_the_ledger_consumes_the_release_once(self) -> None:
        """Released in three segments at once: used once; the next use is held everywhere."""
        o, _ = _over_everywhere()
        parent = b.customer("G-1", prof=b.profile(limit=b.cny("5000")), group_id="G-1")
        led = Ledger(segment_of=POLICY.family("credit").segment_of)  # type: ignore[attr-defined]
        led.apply(
            sc.SetCreditProfile(
                customer=parent,
                profile=parent.credit_profile,  # type: ignore[arg-type]
                application_id="CA-1",
                actor=b.MAINTAINER,
                at=b.at(1),
            )
        )
        led.apply(GrantRelease(at=b.at(2, 9), release=_release()))
        gate = _gate(*LIMITS)
        first = b.place(o, when=b.at(2, 10))
        d1 = gate.check(first, led.context_for(first))
        assert d1.allowed and len(d1.findings) == 3
        led.apply(first, d1)
        again = sc.ReleaseOrder(order=o, actor=b.REP, at=b.at(3), release_id="REL-1")
        ctx = led.context_for(again)
        assert ctx.consumed_releases == frozenset({"REL-1"})
        d2 = gate.check(again, ctx)
        assert d2.outcome is sc.Outcome.HOLD
        assert "credit.release_consumed" in {f.message for f in d2.findings}

    def test_a_release_is_not_used_up_by_an_order_held_for_something_else(self) -> None:
        """The release clears the limit but the sale is major and waits for its approvals:
        the order was not released, so the release stays for when it is (as the journal
        consumes only with an allowing decision)."""
        o, _ = _over_everywhere()
        o = attrs.evolve(o, lines=(b.line(1, "1", "200000"),))
        led = Ledger(segment_of=POLICY.family("credit").segment_of)  # type: ignore[attr-defined]
        led.apply(GrantRelease(at=b.at(2, 9), release=_release("200000")))
        gate = _gate("O2C-CR-04", "O2C-CR-06", "O2C-CR-08")
        first = b.place(o, when=b.at(2, 10))
        d1 = gate.check(first, led.context_for(first))
        assert d1.outcome is sc.Outcome.HOLD and sc.Outcome.ALLOW in {
            f.outcome for f in d1.findings
        }
        led.apply(first, d1)
        again = sc.ReleaseOrder(order=o, actor=b.REP, at=b.at(3))
        assert led.context_for(again).consumed_releases == frozenset()


# -- attacker properties ---------------------------------------------------------------------------

_BANDS = {"100000.00 CNY": 1, "500000.00 CNY": 2}


def _band(d: sc.Decision) -> int:
    return max(
        (_BANDS[dict(f.facts)["band"]] for f in d.findings if f.control_id == "O2C-CR-08"),
        default=0,
    )


def _group_ledger() -> Ledger:
    led = Ledger(segment_of=POLICY.family("credit").segment_of)  # type: ignore[attr-defined]
    parent = b.customer("G-1", prof=WIDE, group_id="G-1")
    led.apply(
        sc.SetCreditProfile(
            customer=parent, profile=WIDE, application_id="CA-1", actor=b.MAINTAINER, at=b.at(1)
        )
    )
    return led


def _buyer(i: int) -> sc.Customer:
    return b.customer(f"C-{i % 3}", prof=WIDE, group_id="G-1", segment_profiles={"east": WIDE})


@settings(max_examples=80, deadline=None)
@given(
    parts=st.lists(st.integers(min_value=1, max_value=300_000), min_size=2, max_size=6),
    before=st.integers(min_value=0, max_value=400_000),
    companies=st.lists(st.sampled_from(["CO-SH", "CO-NJ", None]), min_size=6, max_size=6),
)
def test_splitting_a_sale_across_members_and_companies_never_lowers_its_band(
    parts: list[int], before: int, companies: list[str | None]
) -> None:
    """The attacker sells one sale as several orders, through the members of the group and
    the companies of a segment, to keep each order under the bands. Some part reaches the
    band the whole sale, as one order by one member, reaches."""
    gate = _gate()

    def run(amounts: list[int]) -> int:
        led = _group_ledger()
        if before:
            prior = b.order(id="SO-P", seq=1, cust=_buyer(2), lines=(b.line(1, "1", str(before)),))
            led.apply(b.place(prior, when=b.at(2, 9)))
        top = 0
        for i, amount in enumerate(amounts):
            o = b.order(
                id=f"SO-{i}",
                seq=i + 2,
                cust=_buyer(i),
                company=companies[i],
                lines=(b.line(1, "1", str(amount)),),
            )
            txn = b.place(o, when=b.at(2, 10))
            d = gate.check(txn, led.context_for(txn))
            top = max(top, _band(d))
            led.apply(txn, d)
        return top

    assert run(parts) >= run([sum(parts)])


@settings(max_examples=80, deadline=None)
@given(
    own=st.integers(0, 20_000),
    seg=st.integers(0, 20_000),
    grp=st.integers(0, 20_000),
    cap=st.integers(1, 20_000),
    used=st.booleans(),
)
def test_a_release_clears_every_segment_or_none(
    own: int, seg: int, grp: int, cap: int, used: bool
) -> None:
    """A release is never good for some segments and not others, and a used one never
    releases anything: with it on hand, the order is either allowed in every segment or
    held in every segment it is over."""
    o, ctx = _over_everywhere()
    ctx = attrs.evolve(
        ctx,
        exposure=b.exposure(open_orders=str(own)),
        segment_exposure={"east": b.exposure(open_orders=str(seg))},
        credit_group=attrs.evolve(ctx.credit_group, exposure=b.exposure(open_orders=str(grp))),  # type: ignore[arg-type]
        releases=(_release(str(cap)),),
        consumed_releases=frozenset({"REL-1"}) if used else frozenset(),
        approvals=(),
    )
    d = _gate(*LIMITS).check(b.place(o), ctx)
    cr04 = [f for f in d.findings if f.control_id == "O2C-CR-04"]
    assert len(cr04) == 3  # 10 000 is over each limit of 5 000 whatever the exposure
    usable = not used and cap >= 10_000
    assert all((f.outcome is sc.Outcome.ALLOW) == usable for f in cr04)
    assert d.allowed == usable
