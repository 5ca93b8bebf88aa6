"""The delivery family, control by control: each fires and each passes.

The cases follow the seed: S-IC 5.1 (开具发货通知单,必须注明有效期限;超出规定信用额度的须重新
履行审批程序,或…一次性释放冻结的订单), S-IC 6.1 (清点装货数量与有效发货通知单一致后…开具
出门证…发货过账), S-K1 7 (质检科出具产品合格证办理入库), S-K1 8 (发货单由销售业务科填写,销售部
经理签批) and S-FD 二 (快到期的先卖).
"""

from __future__ import annotations

import datetime as dt
import string
from decimal import Decimal

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import salesctl as sc
from salesctl.controls import delivery
from salesctl.errors import InvalidInput
from salesctl.reconcile import Records, ShipmentCount
from tests import builders as b
from tests.controls._records import MARCH, d, delivery_record, outcomes

POLICY = delivery.DeliveryPolicy()
MGR_OK = b.approval("DN-0042-1", "sales_manager", b.MANAGER, id="A-DN")
APPROVED = frozenset({b.ORDER_ID})
#: The signed contract the credit order SO-2026-0042 rests on (S-IC 2.3, S-K1 3; O2C-DL-01).
SIGNED = b.sales_contract(
    status=sc.ContractStatus.SIGNED, signed_on=b.TODAY, order_id=b.ORDER_ID
)


def only(cid: str, policy: sc.Policy | None = None) -> sc.Gate:
    return sc.Gate(policy, only=[cid])


def notice_ctx(**kw: object) -> sc.Context:
    base: dict[str, object] = dict(
        approvals=(MGR_OK,), approved_documents=APPROVED, contracts=(SIGNED,)
    )
    base.update(kw)
    return b.context(**base)


def issue_ctx(**kw: object) -> sc.Context:
    base: dict[str, object] = dict(
        approvals=(),
        approved_documents=APPROVED | {"DN-0042-1"},
        delivery_notices=(b.notice(),),
        stock_lots=(b.lot(),),
        contracts=(SIGNED,),
    )
    base.update(kw)
    return b.context(**base)


def keys(d: sc.Decision, outcome: sc.Outcome | None = None) -> set[str]:
    return {f.message for f in d.findings if outcome is None or f.outcome is outcome}


class TestPolicy:
    def test_defaults_and_toml(self) -> None:
        """Every threshold is a parameter; the TOML table overrides it exactly."""
        p = sc.loads_policy(
            "[delivery]\nmax_validity_days = 7\nquantity_tolerance = 0.05\nnear_expiry_days = 10\n"
        )
        d = p.family("delivery")
        assert (d.max_validity_days, d.quantity_tolerance, d.near_expiry_days) == (
            7,
            Decimal("0.05"),
            10,
        )

    @pytest.mark.parametrize(
        "toml",
        [
            "[delivery]\nquantity_tolerance = 1.5\n",
            "[delivery]\nmax_validity_days = -1\n",
            "[delivery]\ncredit = {}\n",
        ],
    )
    def test_bad_values_refused(self, toml: str) -> None:
        """A tolerance above 100 %, a negative day count or a credit table under [delivery] is refused."""
        with pytest.raises(sc.PolicyError):
            sc.loads_policy(toml)

    def test_gate_binds_the_credit_table(self) -> None:
        """DL-04 reads [credit] as configured, not a private copy."""
        p = sc.loads_policy('[credit]\nlimit_approval_role = "cfo"\n')
        ctx = notice_ctx(exposure=b.exposure(open_orders="600000"))
        d = only("O2C-DL-04", p).check(b.issue_notice(), ctx)
        assert {r.role for r in d.required_approvals} == {"cfo"}

    def test_direct_call_uses_the_configured_credit_table(self) -> None:
        """Called directly with ``policy.family("delivery")``, DL-04 uses the [credit] of that
        policy (the Policy resolves it when built), not the default credit_manager."""
        p = sc.loads_policy('[credit]\nlimit_approval_role = "cfo"\n')
        fp = p.family("delivery")
        assert fp.credit is p.family("credit")
        ctx = notice_ctx(exposure=b.exposure(open_orders="600000"))
        got = delivery.check_delivery_credit(b.issue_notice(), ctx, fp)
        assert {r.role for f in got for r in f.required} == {"cfo"}
        assert sc.Policy().family("delivery").credit == sc.Policy().family("credit")

    def test_unbound_delivery_policy_is_refused(self) -> None:
        """A DeliveryPolicy built on its own has no credit parameters: DL-04 refuses it rather
        than silently using the defaults (and the gate's policy is never unbound)."""
        ctx = notice_ctx(exposure=b.exposure(open_orders="600000"))
        with pytest.raises(InvalidInput, match="not bound to a Policy"):
            delivery.check_delivery_credit(b.issue_notice(), ctx, POLICY)


class TestDL01Notice:
    def test_passes_when_approved_source_validity_and_manager(self) -> None:
        """S-K1 8: written by sales, signed by the sales manager, from an approved order → ALLOW."""
        d = only("O2C-DL-01").check(b.issue_notice(), notice_ctx())
        assert d.outcome is sc.Outcome.ALLOW
        assert d.findings[0].cleared_by == ("A-DN",)

    def test_holds_for_the_sales_manager(self) -> None:
        """Without the manager's signature → HOLD naming sales_manager for the notice."""
        d = only("O2C-DL-01").check(b.issue_notice(), notice_ctx(approvals=()))
        assert d.outcome is sc.Outcome.HOLD
        (req,) = d.required_approvals
        assert (req.role, req.document_id, req.excluded) == (
            "sales_manager",
            "DN-0042-1",
            ("u-rep",),
        )

    def test_writer_cannot_sign_own_notice(self) -> None:
        """A manager who wrote the notice cannot approve it."""
        n = b.notice(issued_by="u-mgr")
        d = only("O2C-DL-01").check(b.issue_notice(n, who=b.REP), notice_ctx())
        assert d.outcome is sc.Outcome.HOLD

    def test_blocks_unapproved_source(self) -> None:
        """An order nobody approved cannot be delivered."""
        d = only("O2C-DL-01").check(b.issue_notice(), notice_ctx(approved_documents=frozenset()))
        assert d.outcome is sc.Outcome.BLOCK
        assert "delivery.source_not_approved" in keys(d)

    def test_approved_contract_is_a_source(self) -> None:
        """S-K1: the approved contract is the source of the notice."""
        n = b.notice(contract_id="CT-7")
        d = only("O2C-DL-01").check(
            b.issue_notice(n), notice_ctx(approved_documents=frozenset({"CT-7"}))
        )
        assert d.outcome is sc.Outcome.ALLOW

    def test_blocks_without_validity(self) -> None:
        """S-IC 5.1: 必须注明有效期限."""
        d = only("O2C-DL-01").check(b.issue_notice(b.notice(valid_days=None)), notice_ctx())
        assert keys(d, sc.Outcome.BLOCK) == {"delivery.no_validity"}
        assert "有效期限" in d.explain("zh")

    @pytest.mark.parametrize(
        ("days", "outcome"), [(30, sc.Outcome.ALLOW), (31, sc.Outcome.BLOCK), (0, sc.Outcome.ALLOW)]
    )
    def test_validity_limit(self, days: int, outcome: sc.Outcome) -> None:
        """The validity period may be at most max_validity_days (30 by default)."""
        d = only("O2C-DL-01").check(b.issue_notice(b.notice(valid_days=days)), notice_ctx())
        assert d.outcome is outcome

    def test_invalid_validity_is_bad_input(self) -> None:
        """valid_until before issued_on is malformed, not a finding."""
        with pytest.raises(sc.InvalidInput) as e:
            b.notice(valid_days=-1)
        assert e.value.path == "DeliveryNotice.valid_until"

    def test_line_not_on_order_or_other_product(self) -> None:
        """Lines must be lines of the order, for the same product."""
        n = b.notice(lines=(b.dline(2), b.dline(1, product="P-OTHER")))
        d = only("O2C-DL-01").check(b.issue_notice(n), notice_ctx())
        assert {"delivery.line_not_on_order", "delivery.line_product"} <= keys(d)

    @pytest.mark.parametrize(
        ("qty", "outcome"), [("10.3", sc.Outcome.ALLOW), ("10.31", sc.Outcome.BLOCK)]
    )
    def test_quantity_within_order_and_tolerance(self, qty: str, outcome: sc.Outcome) -> None:
        """Ordered 10, tolerance 3 %: 10.3 passes, 10.31 does not."""
        d = only("O2C-DL-01").check(
            b.issue_notice(b.notice(lines=(b.dline(qty=qty),))), notice_ctx()
        )
        assert d.outcome is outcome

    def test_counts_delivered_and_open_notices(self) -> None:
        """Delivered 4 (posted) + 5 open on another valid notice + 2 here > 10.3 → BLOCK."""
        other = b.notice("DN-0042-0", lines=(b.dline(qty=9),))
        shipped = b.goods_issue("GI-0", notice_id="DN-0042-0", lines=(b.dline(qty=4),), posted=True)
        ctx = notice_ctx(delivery_notices=(other,), goods_issues=(shipped,))
        d = only("O2C-DL-01").check(b.issue_notice(b.notice(lines=(b.dline(qty=2),))), ctx)
        assert "delivery.over_order" in keys(d)
        facts = dict(next(f for f in d.findings if f.message == "delivery.over_order").facts)
        assert (facts["delivered"], facts["open_on_other_notices"]) == ("4", "5")
        # The same notice for 1 fits: 4 + 5 + 1 = 10.
        d = only("O2C-DL-01").check(b.issue_notice(b.notice(lines=(b.dline(qty=1),))), ctx)
        assert d.outcome is sc.Outcome.ALLOW

    def test_expired_other_notice_no_longer_reserves(self) -> None:
        """An expired notice reserves nothing; unposted issues deliver nothing."""
        old = b.notice(
            "DN-OLD",
            lines=(b.dline(qty=9),),
            issued_on=dt.date(2026, 2, 1),
            valid_until=dt.date(2026, 2, 10),
        )
        draft = b.goods_issue("GI-DRAFT", lines=(b.dline(qty=9),), posted=False)
        ctx = notice_ctx(delivery_notices=(old,), goods_issues=(draft,))
        assert only("O2C-DL-01").check(b.issue_notice(), ctx).outcome is sc.Outcome.ALLOW

    def test_notice_for_another_order_is_bad_input(self) -> None:
        """The notice must be for the order given with it."""
        with pytest.raises(sc.InvalidInput) as e:
            b.issue_notice(b.notice(order_id="SO-X"))
        assert e.value.path == "IssueDeliveryNotice.notice.order_id"


class TestDL02GoodsIssue:
    def test_passes_against_valid_notice(self) -> None:
        """S-IC 6.1: quantities agree with a valid notice → ALLOW."""
        assert only("O2C-DL-02").check(b.post_issue(), issue_ctx()).outcome is sc.Outcome.ALLOW

    def test_blocks_without_notice(self) -> None:
        """No notice, no goods issue."""
        d = only("O2C-DL-02").check(b.post_issue(b.goods_issue(notice_id=None)), issue_ctx())
        assert keys(d) == {"delivery.no_notice"}

    def test_unknown_notice_fails_closed(self) -> None:
        """A notice the context does not hold cannot be verified."""
        d = only("O2C-DL-02").check(b.post_issue(), issue_ctx(delivery_notices=()))
        assert keys(d) == {"delivery.notice_unknown"}

    def test_blocks_expired_notice(self) -> None:
        """The day after valid_until the notice is dead; on that day it still works."""
        n = b.notice(valid_days=3)
        ctx = issue_ctx(delivery_notices=(n,))
        # The check on a later day: the transaction's time and the business date move together.
        def on(days: int) -> tuple[sc.Transaction, sc.Context]:
            later = dt.timedelta(days=days)
            return attrs.evolve(b.post_issue(), at=b.AT + later), attrs.evolve(
                ctx, as_of=b.TODAY + later
            )

        assert only("O2C-DL-02").check(*on(3)).outcome is sc.Outcome.ALLOW
        d = only("O2C-DL-02").check(*on(4))
        assert keys(d) == {"delivery.notice_expired"}

    def test_blocks_notice_without_validity_or_approval(self) -> None:
        """A notice with no validity period or not approved is not valid."""
        ctx = issue_ctx(delivery_notices=(b.notice(valid_days=None),), approved_documents=APPROVED)
        assert keys(only("O2C-DL-02").check(b.post_issue(), ctx)) == {
            "delivery.notice_expired",
            "delivery.notice_not_approved",
        }

    def test_blocks_notice_of_another_order(self) -> None:
        """A notice of another order does not cover this one."""
        ctx = issue_ctx(delivery_notices=(b.notice(order_id="SO-OTHER"),))
        assert "delivery.notice_other_order" in keys(only("O2C-DL-02").check(b.post_issue(), ctx))

    @pytest.mark.parametrize(
        ("qty", "outcome"), [("10.3", sc.Outcome.ALLOW), ("10.31", sc.Outcome.BLOCK)]
    )
    def test_tolerance(self, qty: str, outcome: sc.Outcome) -> None:
        """Notified 10, tolerance 3 %: 10.3 ships, 10.31 does not."""
        g = b.goods_issue(lines=(b.dline(qty=qty, lot="LOT-A"),))
        assert only("O2C-DL-02").check(b.post_issue(g), issue_ctx()).outcome is outcome

    def test_zero_tolerance_policy(self) -> None:
        """With quantity_tolerance = 0 the issue must not exceed the notice at all."""
        p = sc.loads_policy("[delivery]\nquantity_tolerance = 0\n")
        g = b.goods_issue(lines=(b.dline(qty="10.01", lot="LOT-A"),))
        assert only("O2C-DL-02", p).check(b.post_issue(g), issue_ctx()).outcome is sc.Outcome.BLOCK

    def test_partial_issues_add_up(self) -> None:
        """6 already shipped against the notice + 6 now > 10.3 → BLOCK; + 4 → ALLOW."""
        before = b.goods_issue("GI-0", lines=(b.dline(qty=6),), posted=True)
        ctx = issue_ctx(goods_issues=(before,))
        big = b.goods_issue(lines=(b.dline(qty=6, lot="LOT-A"),))
        assert keys(only("O2C-DL-02").check(b.post_issue(big), ctx)) == {"delivery.over_notice"}
        small = b.goods_issue(lines=(b.dline(qty=4, lot="LOT-A"),))
        assert only("O2C-DL-02").check(b.post_issue(small), ctx).outcome is sc.Outcome.ALLOW

    def test_line_checks(self) -> None:
        """A line not on the notice, or another product, is blocked."""
        g = b.goods_issue(lines=(b.dline(2, lot="LOT-A"), b.dline(1, product="P-X", lot="LOT-A")))
        assert {"delivery.line_not_on_notice", "delivery.line_product"} <= keys(
            only("O2C-DL-02").check(b.post_issue(g), issue_ctx())
        )

    def test_posted_once(self) -> None:
        """A goods issue already posted is not posted again."""
        ctx = issue_ctx(goods_issues=(b.goods_issue(posted=True),))
        assert "delivery.already_posted" in keys(only("O2C-DL-02").check(b.post_issue(), ctx))
        assert "delivery.already_posted" in keys(
            only("O2C-DL-02").check(b.post_issue(b.goods_issue(posted=True)), issue_ctx())
        )


class TestDL03GatePassAndQC:
    def test_passes(self) -> None:
        """Gate pass, lot on hand with a QC certificate → ALLOW."""
        assert only("O2C-DL-03").check(b.post_issue(), issue_ctx()).outcome is sc.Outcome.ALLOW

    def test_blocks_without_gate_pass(self) -> None:
        """S-K1 8: 保卫依据出门证登记出厂."""
        d = only("O2C-DL-03").check(b.post_issue(b.goods_issue(gate_pass=None)), issue_ctx())
        assert keys(d) == {"delivery.no_gate_pass"}

    def test_blocks_lot_without_qc_certificate(self) -> None:
        """S-K1 7: 质检科出具产品合格证办理入库."""
        d = only("O2C-DL-03").check(b.post_issue(), issue_ctx(stock_lots=(b.lot(qc=None),)))
        assert keys(d) == {"delivery.no_qc_certificate"}

    def test_lot_problems(self) -> None:
        """No lot named, unknown lot, lot of another product, more than on hand → BLOCK each."""
        g = b.goods_issue(
            lines=(
                b.dline(qty=1),
                b.dline(qty=1, lot="LOT-Z"),
                b.dline(qty=9, lot="LOT-B"),
                b.dline(qty=2, lot="LOT-A"),
            )
        )
        ctx = issue_ctx(stock_lots=(b.lot(qty=1), b.lot("LOT-B", product="P-X")))
        assert keys(only("O2C-DL-03").check(b.post_issue(g), ctx)) == {
            "delivery.no_lot",
            "delivery.lot_unknown",
            "delivery.lot_product",
            "delivery.lot_short",
        }

    def test_certificates_not_required(self) -> None:
        """With require_qc_certificate = false, lots need no certificate and lines no lot."""
        p = sc.loads_policy("[delivery]\nrequire_qc_certificate = false\n")
        g = b.goods_issue(lines=(b.dline(qty=1), b.dline(qty=1, lot="LOT-A")))
        assert (
            only("O2C-DL-03", p)
            .check(b.post_issue(g), issue_ctx(stock_lots=(b.lot(qc=None),)))
            .outcome
            is sc.Outcome.ALLOW
        )


class TestDL04CreditRecheck:
    def test_passes_within_limit(self) -> None:
        """Exposure (order included) within the limit → ALLOW at notice and at issue."""
        ctx = notice_ctx(exposure=b.exposure(open_orders="10000"))
        assert only("O2C-DL-04").check(b.issue_notice(), ctx).outcome is sc.Outcome.ALLOW
        assert only("O2C-DL-04").check(b.post_issue(), ctx).outcome is sc.Outcome.ALLOW

    def test_holds_when_credit_worsened_since_the_order(self) -> None:
        """Receivables grew after the order: exposure now above the 500,000 limit → HOLD."""
        ctx = notice_ctx(exposure=b.exposure(open_orders="10000", receivables="495000"))
        for txn in (b.issue_notice(), b.post_issue()):
            d = only("O2C-DL-04").check(txn, ctx)
            assert d.outcome is sc.Outcome.HOLD
            (req,) = d.required_approvals
            assert (req.role, req.document_id) == ("credit_manager", txn.document_id)
            assert dict(d.findings[0].facts)["excess"] == "5000.00 CNY"

    def test_credit_manager_re_approves(self) -> None:
        """Re-approval of the notice by the credit manager clears it."""
        ctx = notice_ctx(
            exposure=b.exposure(open_orders="10000", receivables="495000"),
            approvals=(b.approval("DN-0042-1", "credit_manager", b.CREDIT_MANAGER, id="A-CM"),),
        )
        d = only("O2C-DL-04").check(b.issue_notice(), ctx)
        assert d.outcome is sc.Outcome.ALLOW and d.findings[0].cleared_by == ("A-CM",)

    def _release(self, **kw: object) -> sc.CreditRelease:
        base: dict[str, object] = dict(
            id="REL-9",
            order_id=b.ORDER_ID,
            max_amount=b.cny("20000"),
            granted_by=b.MAINTAINER,
            granted_at=b.at(2, 9),
            expires_at=b.at(3, 18),
        )
        base.update(kw)
        return sc.CreditRelease(**base)  # type: ignore[arg-type]

    def test_one_time_release(self) -> None:
        """S-IC 5.1: a valid one-time release for the order lets it through, citing the release."""
        ctx = notice_ctx(
            exposure=b.exposure(open_orders="10000", receivables="495000"),
            releases=(self._release(),),
        )
        d = only("O2C-DL-04").check(b.post_issue(), ctx)
        assert d.outcome is sc.Outcome.ALLOW and d.findings[0].cleared_by == ("REL-9",)

    def test_consumed_release_holds(self) -> None:
        """A release used at order time is spent: HOLD, naming the problem."""
        ctx = notice_ctx(
            exposure=b.exposure(open_orders="10000", receivables="495000"),
            releases=(self._release(),),
            consumed_releases=frozenset({"REL-9"}),
        )
        d = only("O2C-DL-04").check(b.post_issue(), ctx)
        assert d.outcome is sc.Outcome.HOLD
        assert dict(d.findings[0].facts)["release_problem"] == "consumed"

    def test_delivery_value_added_when_open_orders_not_counted(self) -> None:
        """Counting deliveries-not-invoiced but not open orders, the delivery's 10,000 is added."""
        p = sc.loads_policy(
            '[credit]\nexposure_categories = ["delivered_not_invoiced", "open_receivables"]\n'
        )
        ctx = notice_ctx(exposure=b.exposure(receivables="495000"))
        d = only("O2C-DL-04", p).check(b.post_issue(), ctx)
        assert d.outcome is sc.Outcome.HOLD
        assert dict(d.findings[0].facts)["delivery_value"] == "10000.00 CNY"
        ctx = notice_ctx(exposure=b.exposure(receivables="490000"))
        assert only("O2C-DL-04", p).check(b.post_issue(), ctx).outcome is sc.Outcome.ALLOW

    def test_overdue_items_hold(self) -> None:
        """S-PM B: items overdue beyond the credit days hold the delivery too."""
        ctx = notice_ctx(
            exposure=b.exposure(receivables="1000", overdue="1000", oldest=dt.date(2026, 2, 1))
        )
        d = only("O2C-DL-04").check(b.post_issue(), ctx)
        assert d.outcome is sc.Outcome.HOLD
        (req,) = d.required_approvals
        assert (req.control_id, req.document_id) == ("O2C-DL-04", "GI-0042-1")

    def test_no_exposure_fails_closed(self) -> None:
        """Without exposure data the re-check cannot run: BLOCK."""
        d = only("O2C-DL-04").check(b.issue_notice(), notice_ctx(exposure=None))
        assert keys(d) == {"delivery.credit_no_exposure"}

    def test_no_profile_on_credit_blocks(self) -> None:
        """A credit order for a customer without a profile cannot ship."""
        o = b.order(cust=b.customer(prof=None))
        assert keys(only("O2C-DL-04").check(b.issue_notice(o=o), notice_ctx())) == {
            "delivery.credit_no_profile"
        }

    def test_prepaid_orders_are_not_rechecked(self) -> None:
        """S-FT: prepayment consumes no credit; nothing to re-check."""
        o = b.order(method=sc.PaymentMethod.PREPAYMENT, days=0)
        assert (
            only("O2C-DL-04").check(b.issue_notice(o=o), notice_ctx(exposure=None)).outcome
            is sc.Outcome.ALLOW
        )

    @settings(max_examples=60)
    @given(
        receivables=st.integers(min_value=0, max_value=600_000),
        limit=st.integers(min_value=0, max_value=600_000),
    )
    def test_property_hold_iff_over_limit(self, receivables: int, limit: int) -> None:
        """Default categories: HOLD exactly when open orders + receivables exceed the limit."""
        o = b.order(cust=b.customer(prof=b.profile(limit=b.cny(limit))))
        ctx = notice_ctx(exposure=b.exposure(open_orders="10000", receivables=str(receivables)))
        d = only("O2C-DL-04").check(b.issue_notice(o=o), ctx)
        over = 10000 + receivables > limit
        assert d.outcome is (sc.Outcome.HOLD if over else sc.Outcome.ALLOW)


class TestDL05Expiry:
    D = b.TODAY

    def lots(self, *specs: tuple[str, int | None, str]) -> tuple[sc.StockLot, ...]:
        return tuple(
            b.lot(id, expires=None if days is None else self.D + dt.timedelta(days=days), qty=qty)
            for id, days, qty in specs
        )

    def issue(self, lot: str, qty: str = "10") -> sc.PostGoodsIssue:
        return b.post_issue(b.goods_issue(lines=(b.dline(qty=qty, lot=lot),)))

    def test_passes_with_earliest_lot(self) -> None:
        """Shipping the earliest-expiring lot → ALLOW."""
        ctx = issue_ctx(stock_lots=self.lots(("LOT-A", 10, "50"), ("LOT-B", 90, "50")))
        assert only("O2C-DL-05").check(self.issue("LOT-A"), ctx).outcome is sc.Outcome.ALLOW

    @pytest.mark.parametrize(("days", "outcome"), [(-1, sc.Outcome.BLOCK), (0, sc.Outcome.ALLOW)])
    def test_never_ships_expired(self, days: int, outcome: sc.Outcome) -> None:
        """Expired yesterday → BLOCK; expiring today is still sellable (min_remaining_days = 0)."""
        ctx = issue_ctx(stock_lots=self.lots(("LOT-A", days, "50")))
        d = only("O2C-DL-05").check(self.issue("LOT-A"), ctx)
        assert d.outcome is outcome
        if outcome is sc.Outcome.BLOCK:
            assert keys(d) == {"delivery.lot_expired"}
            assert "过期" in d.explain("zh")

    def test_min_remaining_days(self) -> None:
        """With min_remaining_days = 5, a lot with 4 days left does not ship."""
        p = sc.loads_policy("[delivery]\nmin_remaining_days = 5\n")
        ctx = issue_ctx(stock_lots=self.lots(("LOT-A", 4, "50")))
        assert keys(only("O2C-DL-05", p).check(self.issue("LOT-A"), ctx)) == {
            "delivery.lot_shelf_life"
        }

    def test_near_expiry_first(self) -> None:
        """S-FD: LOT-A expires in 10 days, LOT-B in 90: picking LOT-B first → HOLD for the warehouse manager."""
        ctx = issue_ctx(stock_lots=self.lots(("LOT-A", 10, "50"), ("LOT-B", 90, "50")))
        d = only("O2C-DL-05").check(self.issue("LOT-B"), ctx)
        assert d.outcome is sc.Outcome.HOLD
        assert d.required_approvals[0].role == "warehouse_manager"
        approved = attrs.evolve(
            ctx, approvals=(b.approval("GI-0042-1", "warehouse_manager", b.WH_MANAGER, id="A-WH"),)
        )
        assert only("O2C-DL-05").check(self.issue("LOT-B"), approved).outcome is sc.Outcome.ALLOW

    def test_not_near_expiry_unless_strict(self) -> None:
        """LOT-A has 60 days left (not near expiry): allowed, unless strict FEFO."""
        ctx = issue_ctx(stock_lots=self.lots(("LOT-A", 60, "50"), ("LOT-B", 90, "50")))
        assert only("O2C-DL-05").check(self.issue("LOT-B"), ctx).outcome is sc.Outcome.ALLOW
        p = sc.loads_policy("[delivery]\nstrict_fefo = true\n")
        assert only("O2C-DL-05", p).check(self.issue("LOT-B"), ctx).outcome is sc.Outcome.HOLD

    def test_earlier_lot_used_up_in_same_issue(self) -> None:
        """Taking all of near-expiry LOT-A and the rest from LOT-B is FEFO."""
        ctx = issue_ctx(stock_lots=self.lots(("LOT-A", 10, "4"), ("LOT-B", 90, "50")))
        g = b.goods_issue(lines=(b.dline(qty=4, lot="LOT-A"), b.dline(qty=6, lot="LOT-B")))
        assert only("O2C-DL-05").check(b.post_issue(g), ctx).outcome is sc.Outcome.ALLOW

    def test_expired_or_uncertified_earlier_lots_do_not_count(self) -> None:
        """An earlier lot that cannot ship (expired, no QC certificate) does not hold the issue."""
        lots = (
            *self.lots(("LOT-X", -2, "5"), ("LOT-B", 90, "50")),
            b.lot("LOT-Q", expires=self.D + dt.timedelta(days=3), qc=None),
        )
        assert (
            only("O2C-DL-05").check(self.issue("LOT-B"), issue_ctx(stock_lots=lots)).outcome
            is sc.Outcome.ALLOW
        )

    def test_undated_lot_picked_over_near_expiry(self) -> None:
        """A lot without shelf life picked while a near-expiry lot waits → HOLD."""
        ctx = issue_ctx(stock_lots=self.lots(("LOT-A", 5, "50"), ("LOT-N", None, "50")))
        assert only("O2C-DL-05").check(self.issue("LOT-N"), ctx).outcome is sc.Outcome.HOLD

    def test_expiry_unverifiable(self) -> None:
        """No lot named for a product with dated lots, or an unknown lot → BLOCK (fails closed)."""
        ctx = issue_ctx(stock_lots=self.lots(("LOT-A", 10, "50")))
        g = b.goods_issue(lines=(b.dline(qty=1), b.dline(qty=1, lot="LOT-Z")))
        assert keys(only("O2C-DL-05").check(b.post_issue(g), ctx)) == {
            "delivery.lot_not_named",
            "delivery.expiry_unknown",
        }

    def test_undated_products_need_no_lot(self) -> None:
        """A product without dated lots needs no lot for DL-05."""
        g = b.goods_issue(lines=(b.dline(qty=1),))
        assert (
            only("O2C-DL-05").check(b.post_issue(g), issue_ctx(stock_lots=())).outcome
            is sc.Outcome.ALLOW
        )

    @settings(max_examples=80)
    @given(
        st.lists(st.tuples(st.integers(-5, 60), st.integers(0, 20)), min_size=1, max_size=5),
        st.integers(0, 4),
    )
    def test_property_fefo(self, specs: list[tuple[int, int]], pick: int) -> None:
        """Picking lot i: BLOCK iff expired; else HOLD iff a shippable lot with stock expires earlier and is near expiry."""
        lots = tuple(
            b.lot(f"L{i}", expires=self.D + dt.timedelta(days=d), qty=q)
            for i, (d, q) in enumerate(specs)
        )
        i = pick % len(lots)
        d = only("O2C-DL-05").check(self.issue(f"L{i}", "1"), issue_ctx(stock_lots=lots))
        mine = specs[i][0]
        if mine < 0:
            assert d.outcome is sc.Outcome.BLOCK
            return
        earlier = any(
            j != i and 0 <= dj < mine and qj > 0 and dj <= POLICY.near_expiry_days
            for j, (dj, qj) in enumerate(specs)
        )
        assert d.outcome is (sc.Outcome.HOLD if earlier else sc.Outcome.ALLOW)


def test_delivery_value_ignores_unknown_lines() -> None:
    """delivery_value prices lines at the order's prices; lines not on the order count zero."""
    v = delivery.delivery_value((b.dline(qty="2.5"), b.dline(9)), b.order())
    assert v == b.cny("2500")


def test_every_message_has_the_same_fields_in_both_languages() -> None:
    """Every message of the family names the same parameters in Chinese and in English."""
    fmt = string.Formatter()
    for c in delivery.CONTROLS:
        for key, (zh, en) in c.messages.items():
            fields = [{f for _, f, _, _ in fmt.parse(t) if f} for t in (zh, en)]
            assert fields[0] == fields[1], key


# -- O2C-DL-06 (detective, run by salesctl.reconcile.run) -----------------------------------------


class TestShipments:
    def test_actual_equals_system_passes(self) -> None:
        """S-IC 7.1: system 10 + 5 and actual 15 agree."""
        records = Records(
            deliveries=[delivery_record(), delivery_record("GI-2", "5")],
            shipment_counts=[
                ShipmentCount(product_id="P-1", period_end=d(31), actual_quantity=Decimal("15"))
            ],
        )
        r = delivery.detect_shipments(records, MARCH, POLICY)
        assert r.tested == 1 and r.findings == ()

    def test_unexplained_difference_is_held(self) -> None:
        """System 15, actual 14, no cause found: a HOLD for the shipment role."""
        records = Records(
            deliveries=[delivery_record(), delivery_record("GI-2", "5")],
            shipment_counts=[
                ShipmentCount(product_id="P-1", period_end=d(31), actual_quantity=Decimal("14"))
            ],
        )
        r = delivery.detect_shipments(records, MARCH, POLICY)
        assert outcomes(r) == [("O2C-DL-06", "HOLD", "P-1@2026-03-31")]
        assert dict(r.findings[0].facts)["difference"] == "-1"

    def test_explained_difference_is_evidence(self) -> None:
        """A difference with its cause recorded is ALLOW evidence, not an exception."""
        count = ShipmentCount(
            product_id="P-1",
            period_end=d(31),
            actual_quantity=Decimal("14"),
            system_quantity=Decimal("15"),
            explanation="1 t returned at the gate, GI reversed 1 Apr",
        )
        r = delivery.detect_shipments(Records(shipment_counts=[count]), MARCH, POLICY)
        assert outcomes(r) == [("O2C-DL-06", "ALLOW", "P-1@2026-03-31")]

    def test_threshold_is_a_policy_parameter(self) -> None:
        """With max_shipment_difference 1, a difference of 1 passes."""
        count = ShipmentCount(
            product_id="P-1",
            period_end=d(31),
            actual_quantity=Decimal("14"),
            system_quantity=Decimal("15"),
        )
        policy = delivery.DeliveryPolicy(max_shipment_difference=Decimal("1"))
        assert (
            delivery.detect_shipments(Records(shipment_counts=[count]), MARCH, policy).findings
            == ()
        )

    def test_product_shipped_but_not_compared_is_blocked(self) -> None:
        """A product the system shipped with no month-end comparison: the control did not operate."""
        r = delivery.detect_shipments(
            Records(deliveries=[delivery_record(product="P-9")]), MARCH, POLICY
        )
        assert outcomes(r) == [("O2C-DL-06", "BLOCK", "P-9@2026-03")]


@pytest.mark.parametrize(
    "kwargs", [{"max_shipment_difference": Decimal("-1")}, {"shipment_role": ""}]
)
def test_bad_shipment_parameters_are_refused(kwargs: dict[str, object]) -> None:
    """Impossible parameters raise InvalidInput."""
    with pytest.raises(InvalidInput):
        delivery.DeliveryPolicy(**kwargs)  # type: ignore[arg-type]


class TestDL01CreditSecured:
    """Issue 14 (S-IC 2.3 签订赊销合同, S-K1 3, S-IC 5.1 根据已经签订的购销合同或客户到款情况…
    开具发货通知单): nothing leaves on credit without a signed contract or the customer's money.
    The order itself may precede the contract."""

    def check(self, txn: sc.Transaction, **kw: object) -> sc.Decision:
        base: dict[str, object] = dict(contracts=())
        base.update(kw)
        c = issue_ctx(**base) if isinstance(txn, sc.PostGoodsIssue) else notice_ctx(**base)
        return only("O2C-DL-01").check(txn, c)

    @pytest.mark.parametrize("txn", [b.issue_notice(), b.post_issue()], ids=["notice", "issue"])
    def test_blocks_a_credit_sale_with_neither(self, txn: sc.Transaction) -> None:
        """A credit order, no contract, no money: the notice and the goods issue are blocked."""
        d = self.check(txn)
        assert d.outcome is sc.Outcome.BLOCK
        assert "delivery.credit_unsecured" in keys(d, sc.Outcome.BLOCK)
        assert "既无已签订的合同" in d.explain("zh")

    @pytest.mark.parametrize("txn", [b.issue_notice(), b.post_issue()], ids=["notice", "issue"])
    def test_a_signed_contract_secures_it(self, txn: sc.Transaction) -> None:
        """The contract signed for the order (it names the order) → passes."""
        assert self.check(txn, contracts=(SIGNED,)).outcome is sc.Outcome.ALLOW

    def test_contract_named_by_the_order_or_the_notice(self) -> None:
        """The order's or the notice's contract id links it too."""
        k = attrs.evolve(SIGNED, order_id=None)
        o = b.order(contract_id=k.id)
        assert self.check(b.issue_notice(o=o), contracts=(k,)).outcome is sc.Outcome.ALLOW
        n = b.notice(contract_id=k.id)
        assert self.check(b.issue_notice(n), contracts=(k,)).outcome is sc.Outcome.ALLOW

    @pytest.mark.parametrize(
        "change",
        [
            {"status": sc.ContractStatus.DRAFT, "signed_on": None},
            {"status": sc.ContractStatus.CANCELLED},
            {"customer_id": "C-999"},
            {"signed_on": b.TODAY + dt.timedelta(days=1)},
        ],
        ids=["draft", "cancelled", "other-customer", "signed-tomorrow"],
    )
    def test_contracts_that_do_not_secure(self, change: dict[str, object]) -> None:
        """A draft, a cancelled contract, another customer's, or one signed after today."""
        k = attrs.evolve(SIGNED, **change)
        assert self.check(b.issue_notice(), contracts=(k,)).outcome is sc.Outcome.BLOCK

    @pytest.mark.parametrize(
        ("advance", "outcome"),
        [("10000.00", sc.Outcome.ALLOW), ("9999.99", sc.Outcome.BLOCK)],
        ids=["exactly-the-delivery", "one-cent-short"],
    )
    def test_money_received_secures_it(self, advance: str, outcome: sc.Outcome) -> None:
        """S-IC 5.1 客户到款: advances covering the 10 × 1,000.00 delivered pass; a cent short does not."""
        got = self.check(b.issue_notice(), advance_receipts={"C-100": b.cny(advance)})
        assert got.outcome is outcome

    def test_not_a_credit_sale(self) -> None:
        """Cash and prepayment orders are outside this rule."""
        for method in (sc.PaymentMethod.CASH, sc.PaymentMethod.PREPAYMENT):
            o = b.order(method=method, days=0)
            assert self.check(b.issue_notice(o=o)).outcome is sc.Outcome.ALLOW

    def test_the_order_may_precede_the_contract(self) -> None:
        """Placing a credit order with no contract yet is not a delivery: O2C-DL-01 does not run."""
        d = sc.Gate(only=["O2C-DL-01", "O2C-CT-01"]).check(b.place(), b.context())
        assert not d.findings_for("O2C-DL-01") and not d.findings_for("O2C-CT-01")

    @settings(max_examples=150)
    @given(
        status=st.sampled_from(list(sc.ContractStatus)),
        same_customer=st.booleans(),
        signed_days=st.integers(-3, 3),
        advance=st.integers(0, 2_000_000),
        link=st.sampled_from(["order", "contract", "notice", "none"]),
        goods_issue=st.booleans(),
    )
    def test_property_nothing_leaves_unsecured(
        self,
        status: sc.ContractStatus,
        same_customer: bool,
        signed_days: int,
        advance: int,
        link: str,
        goods_issue: bool,
    ) -> None:
        """Attack: any contract state, link and advance: ALLOW only with a signed contract of the
        customer, linked, signed by today, or advances of at least 10,000.00."""
        k = attrs.evolve(
            SIGNED,
            status=status,
            customer_id="C-100" if same_customer else "C-7",
            signed_on=b.TODAY + dt.timedelta(days=signed_days),
            order_id=b.ORDER_ID if link == "contract" else None,
        )
        o = b.order(contract_id=k.id if link == "order" else None)
        if goods_issue:
            txn: sc.Transaction = b.post_issue(o=o)
        else:
            n = b.notice(contract_id=k.id if link == "notice" else None)
            txn = b.issue_notice(n, o=o)
        paid = Decimal(advance) / 100
        d = self.check(txn, contracts=(k,), advance_receipts={"C-100": b.cny(str(paid))})
        secured = (
            link != "none" and status is sc.ContractStatus.SIGNED and same_customer and signed_days <= 0
        ) or paid >= Decimal("10000")
        if goods_issue and link == "notice":
            secured = paid >= Decimal("10000")  # a goods issue names no contract of its own
        assert ("delivery.credit_unsecured" not in keys(d)) is secured
