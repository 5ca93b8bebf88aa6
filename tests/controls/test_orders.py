"""The orders family: numbering (O2C-SO-01, preventive side) and approval (O2C-SO-02).

S-CP 3.1.1: 订单应连续编号。 ★3.1.2: 所有订单均由被授权人员核准。
"""

from __future__ import annotations

import pytest

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
