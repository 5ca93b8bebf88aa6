"""The orders family: numbering (O2C-SO-01, preventive side) and approval (O2C-SO-02).

S-CP 3.1.1: 订单应连续编号。 ★3.1.2: 所有订单均由被授权人员核准。
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

import salesctl as sc
from tests import builders as b


def only(cid: str) -> sc.Gate:
    return sc.Gate(only=[cid])


class TestSO01Numbering:
    def test_next_number_passes(self) -> None:
        """Last issued 41, this order 42 → ALLOW."""
        assert only("O2C-SO-01").check(b.place(), b.context()).outcome is sc.Outcome.ALLOW

    @pytest.mark.parametrize("last", [42, 50])
    def test_duplicate_blocks(self, last: int) -> None:
        """Number 42 when 42 (or later) was already issued → BLOCK."""
        d = only("O2C-SO-01").check(b.place(), b.context(last_numbers={"SO-2026": last}))
        assert d.outcome is sc.Outcome.BLOCK
        assert d.findings[0].message == "orders.duplicate_number"

    def test_gap_holds_for_sales_manager(self) -> None:
        """Last 39, this 42 → two numbers skipped → HOLD for the sales manager."""
        d = only("O2C-SO-01").check(b.place(), b.context(last_numbers={"SO-2026": 39}, approvals=()))
        assert d.outcome is sc.Outcome.HOLD
        assert dict(d.findings[0].facts)["skipped"] == "2"
        assert d.required_approvals[0].role == "sales_manager"

    def test_unknown_series(self) -> None:
        """A series the context does not know: 1 passes, anything else fails closed."""
        first = b.order(seq=1)
        assert only("O2C-SO-01").check(b.place(first), b.context(last_numbers={})).outcome is sc.Outcome.ALLOW
        d = only("O2C-SO-01").check(b.place(), b.context(last_numbers={}))
        assert d.outcome is sc.Outcome.BLOCK and d.findings[0].message == "orders.series_unknown"


class TestSO02Approval:
    def test_unapproved_order_holds_for_the_band(self) -> None:
        """10,000 CNY is in the sales manager's band; no approval → HOLD."""
        d = only("O2C-SO-02").check(b.place(), b.context(approvals=()))
        assert d.outcome is sc.Outcome.HOLD
        assert (d.required_approvals[0].role, d.required_approvals[0].min_level) == ("sales_manager", 2)

    def test_authorised_approval_passes_with_evidence(self) -> None:
        """The sales manager's approval clears it, and the finding records it."""
        d = only("O2C-SO-02").check(b.place(), b.context())
        assert d.outcome is sc.Outcome.ALLOW
        assert d.findings[0].cleared_by == ("APR-sales_manager",)

    def test_bands_escalate(self) -> None:
        """100,000.01 needs the sales director; above 1,000,000 the general manager."""
        mid = b.order(lines=(b.line(1, "1", "100000.01"),))
        top = b.order(lines=(b.line(1, "1", "1000000.01"),))
        assert only("O2C-SO-02").check(b.place(mid), b.context()).required_approvals[0].role == "sales_director"
        assert only("O2C-SO-02").check(b.place(top), b.context()).required_approvals[0].role == "general_manager"

    def test_creator_cannot_approve_own_order(self) -> None:
        """An order created by the sales manager is not cleared by the same manager."""
        o = b.order(created_by="u-mgr")
        d = only("O2C-SO-02").check(b.place(o, who=b.REP), b.context())
        assert d.outcome is sc.Outcome.HOLD

    def test_above_every_band_blocks(self) -> None:
        """With a bounded top band, an order above it cannot be approved by anyone → BLOCK."""
        p = sc.loads_policy('[[orders.approval_tiers]]\nrole = "sales_manager"\nlevel = 2\nmax_amount = "5000 CNY"\n')
        d = sc.Gate(p, only=["O2C-SO-02"]).check(b.place(), b.context())
        assert d.outcome is sc.Outcome.BLOCK


# -- issue 21: a band approved by standing authority (the seller places it within their own) --

_STANDING = (
    '[[orders.approval_tiers]]\nmax_amount = "20000 CNY"\nrole = "sales_rep"\nlevel = 1\n'
    "standing = true\n\n"
    '[[orders.approval_tiers]]\nmax_amount = "100000 CNY"\nrole = "sales_manager"\nlevel = 2\n\n'
    '[[orders.approval_tiers]]\nrole = "general_manager"\nlevel = 4\n\n'
    '[acknowledged]\n"O2C-SO-02" = "orders up to 20 000 CNY: the seller\'s standing authority"\n'
)


def standing_gate() -> sc.Gate:
    return sc.Gate(sc.loads_policy(_STANDING), only=["O2C-SO-02"])


class TestSO02StandingAuthority:
    def test_standing_band_needs_acknowledging(self) -> None:
        """A standing band is a weakening: without [acknowledged] the policy does not load."""
        with pytest.raises(sc.PolicyError, match=r"approval_tiers\[0\]"):
            sc.loads_policy(_STANDING.split("[acknowledged]")[0])

    def test_seller_within_standing_band_allows_with_evidence(self) -> None:
        """10,000 CNY placed by a sales rep (level 1) → ALLOW, no approval, saying why."""
        d = standing_gate().check(b.place(), b.context(approvals=()))
        assert d.outcome is sc.Outcome.ALLOW
        (f,) = d.findings
        assert f.message == "orders.standing_authority"
        assert dict(f.facts)["standing_authority"].startswith("u-rep (level 1")
        assert "standing authority" in f.text("en") and "常设权限" in f.text("zh")

    def test_above_the_standing_band_holds_even_for_the_seller(self) -> None:
        """20,000.01 CNY is in the sales manager's band: the rep's standing does not reach it."""
        o = b.order(lines=(b.line(1, "1", "20000.01"),))
        d = standing_gate().check(b.place(o), b.context(approvals=()))
        assert d.outcome is sc.Outcome.HOLD
        assert d.required_approvals[0].role == "sales_manager"

    @pytest.mark.parametrize(
        "who",
        [
            b.actor("u-x", "sales_rep", level=0),  # the role without the level
            b.actor("u-x", "invoice_clerk", level=3),  # the level without the role
            b.actor("u-x", "credit_master_maintainer", level=2),
        ],
    )
    def test_without_the_role_at_its_level_holds(self, who: sc.Actor) -> None:
        d = standing_gate().check(b.place(who=who), b.context(approvals=()))
        assert d.outcome is sc.Outcome.HOLD
        assert d.required_approvals[0].role == "sales_rep"

    def test_higher_role_of_the_line_has_the_standing_too(self) -> None:
        """The sales manager sits above the sales rep on the sales line (按规定权限)."""
        d = standing_gate().check(b.place(who=b.MANAGER), b.context(approvals=()))
        assert d.outcome is sc.Outcome.ALLOW

    def test_off_by_default(self) -> None:
        """The default policy has no standing band: the rep's 10,000 CNY order is held."""
        from salesctl.controls.orders import OrdersPolicy

        assert not any(t.standing for t in OrdersPolicy().approval_tiers)
        d = only("O2C-SO-02").check(b.place(), b.context(approvals=()))
        assert d.outcome is sc.Outcome.HOLD


@given(
    roles=st.frozensets(st.sampled_from(("sales_rep", "invoice_clerk", "credit_manager", "x")), min_size=1),
    level=st.integers(0, 5),
    cents=st.integers(1, 5_000_000),
)
def test_standing_never_allows_outside_its_band_or_without_authority(
    roles: frozenset[str], level: int, cents: int
) -> None:
    """Attacker: any roles, any level, any amount — the standing ALLOW comes only inside the band
    to an actor holding sales_rep (or a higher role of its line) at level ≥ 1."""
    amount = sc.Money(str(cents), "CNY")
    o = b.order(lines=(b.line(1, "1", str(amount.amount)),))
    who = b.actor("u-any", *roles, level=level)
    d = standing_gate().check(b.place(o, who=who), b.context(approvals=()))
    entitled = "sales_rep" in roles and level >= 1 and amount.amount <= 20000
    assert (d.outcome is sc.Outcome.ALLOW) is entitled
