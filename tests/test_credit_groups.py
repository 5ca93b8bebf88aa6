"""Group credit (issue 15): credit segments per selling company, customer groups, per-category
limits, exposure in several currencies, and the credit-limit history."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import salesctl as sc
from salesctl.controls import credit
from salesctl.errors import InvalidInput
from salesctl.events import SetExchangeRate
from salesctl.ledger import Ledger
from salesctl.model import CreditGroup
from salesctl.policy import loads_policy
from tests import builders as b


def _usd(amount: str) -> sc.Money:
    return sc.Money(amount, "USD")


def _usd_order(n: int, price: str, **kw: object) -> sc.SalesOrder:
    return b.order(
        id=f"SO-U{n}",
        seq=n,
        lines=(sc.OrderLine(1, sc.Product("P-1"), Decimal(1), _usd(price)),),
        **kw,
    )  # type: ignore[arg-type]


class TestSeveralCurrencies:
    def test_exposure_in_two_currencies_is_rounded_to_the_limit_currency(self) -> None:
        """Orders in USD and CNY: the USD exposure converts to CNY and rounds to the fen
        (before issue 15 the ledger raised ``Money.amount has more decimals than CNY allows
        (got '7100.0710')``)."""
        led = Ledger()
        led.apply(SetExchangeRate(at=b.at(1), pair="USD/CNY", rate=Decimal("7.10")))
        led.apply(b.place(_usd_order(1, "1000.01"), when=b.at(2)))
        led.apply(b.place(b.order(id="SO-C1", seq=2), when=b.at(2)))
        ctx = led.context_for(b.place(b.order(id="SO-C2", seq=3), when=b.at(3)))
        assert ctx.exposure is not None
        assert ctx.exposure.open_orders == b.cny("17100.07")

    def test_the_audit_of_a_two_currency_customer_decides(self) -> None:
        """The gate decides on a context the ledger built from two currencies."""
        led = Ledger()
        led.apply(SetExchangeRate(at=b.at(1), pair="USD/CNY", rate=Decimal("7.10")))
        led.apply(b.place(_usd_order(1, "1000.01"), when=b.at(2)))
        txn = b.place(b.order(id="SO-C2", seq=3), when=b.at(3))
        decision = sc.Gate(sc.Policy.default()).check(txn, led.context_for(txn))
        assert "O2C-CR-04" not in b.ids(decision)


# -- the checks ---------------------------------------------------------------------------------


SEGMENTED = sc.Policy(
    families={"credit": credit.CreditPolicy(segments={"east": ["CO-SH", "CO-NJ"]})}
)
EAST = "credit segment east / 信用段 east"


def _gate(*cids: str, policy: sc.Policy = SEGMENTED) -> sc.Gate:
    return sc.Gate(policy, only=list(cids or ["O2C-CR-04"]))


def _segmented(limit: str = "100000", **kw: object) -> sc.Customer:
    return b.customer(segment_profiles={"east": b.profile(limit=b.cny(limit))}, **kw)


def _facts(d: sc.Decision, i: int = 0) -> dict[str, str]:
    return dict(d.findings[i].facts)


class TestCreditSegment:
    """S-IC 2.3: 分(子)公司相应责任人在客户信用限额内……签订赊销合同 — each selling company
    (or companies sharing a credit segment) has its own limit beside the customer's total."""

    def test_exactly_at_the_segment_limit_passes(self) -> None:
        o = b.order(cust=_segmented(), company="CO-NJ")
        ctx = b.context(segment_exposure={"east": b.exposure(open_orders="90000")})
        assert _gate().check(b.place(o), ctx).outcome is sc.Outcome.ALLOW

    def test_one_cent_over_the_segment_limit_holds_naming_it(self) -> None:
        o = b.order(cust=_segmented(), company="CO-SH")
        ctx = b.context(segment_exposure={"east": b.exposure(open_orders="90000.01")})
        d = _gate().check(b.place(o), ctx)
        assert d.outcome is sc.Outcome.HOLD
        assert d.findings[0].message == "credit.segment_over_limit"
        assert _facts(d)["segment"] == EAST and _facts(d)["excess"] == "0.01 CNY"
        assert "信用段 east" in d.explain("zh") and "credit segment east" in d.explain("en")
        assert d.required_approvals[0].role == "credit_manager"

    def test_one_cent_over_the_total_holds_though_the_segment_is_within(self) -> None:
        o = b.order(cust=_segmented(), company="CO-SH")
        ctx = b.context(
            exposure=b.exposure(open_orders="490000.01"), segment_exposure={"east": b.exposure()}
        )
        d = _gate().check(b.place(o), ctx)
        assert d.outcome is sc.Outcome.HOLD
        assert [f.message for f in d.findings] == ["credit.over_limit"]

    def test_a_missing_segment_exposure_fails_closed(self) -> None:
        o = b.order(cust=_segmented(), company="CO-SH")
        d = _gate("O2C-CR-04", "O2C-CR-05").check(b.place(o), b.context())
        assert d.outcome is sc.Outcome.BLOCK
        assert {f.message for f in d.findings} == {"credit.no_segment_exposure"}

    def test_a_company_in_no_segment_is_its_own(self) -> None:
        cust = b.customer(segment_profiles={"CO-BJ": b.profile(limit=b.cny("5000"))})
        o = b.order(cust=cust, company="CO-BJ")
        ctx = b.context(segment_exposure={"CO-BJ": b.exposure()})
        assert _gate().check(b.place(o), ctx).outcome is sc.Outcome.HOLD

    def test_an_order_without_company_decides_as_before(self) -> None:
        """No company: the one default segment (existing data decides exactly as before)."""
        o = b.order(cust=_segmented("1"))
        assert _gate().check(b.place(o), b.context()).outcome is sc.Outcome.ALLOW

    def test_a_valid_release_releases_the_segment_too(self) -> None:
        o = b.order(cust=_segmented(), company="CO-SH")
        rel = sc.CreditRelease(
            id="REL-1",
            order_id=o.id,
            max_amount=b.cny("20000"),
            granted_by=b.MAINTAINER,
            granted_at=b.at(2, 9),
            expires_at=b.at(3, 18),
        )
        ctx = b.context(segment_exposure={"east": b.exposure(open_orders="95000")}, releases=(rel,))
        d = _gate().check(b.place(o), ctx)
        assert d.outcome is sc.Outcome.ALLOW
        assert d.findings[0].message == "credit.released"

    def test_policy_segments_from_toml_and_refused_twice(self) -> None:
        p = loads_policy('[credit]\nsegments = { east = ["CO-SH", "CO-NJ"] }\n')
        assert p.family("credit").segment_of("CO-NJ") == "east"  # type: ignore[attr-defined]
        with pytest.raises(InvalidInput, match=r"segments\.b"):
            credit.CreditPolicy(segments={"a": ["CO-1"], "b": ["CO-1"]})


def _group(limit: str = "300000", open_orders: str = "0", **kw: object) -> sc.CreditGroup:
    return CreditGroup(
        id="G-1",
        profile=b.profile(limit=b.cny(limit)),
        exposure=b.exposure(open_orders=open_orders),
        **kw,
    )  # type: ignore[arg-type]


class TestCustomerGroup:
    """A parent and its children share the parent's limit; each member's own limit applies."""

    CHILD = b.customer("C-101", group_id="G-1")

    def test_the_group_exactly_at_its_limit_passes(self) -> None:
        ctx = b.context(credit_group=_group(open_orders="290000"))
        assert _gate().check(b.place(b.order(cust=self.CHILD)), ctx).outcome is sc.Outcome.ALLOW

    def test_a_child_within_its_own_limit_but_the_group_one_cent_over_holds(self) -> None:
        ctx = b.context(credit_group=_group(open_orders="290000.01"))
        d = _gate().check(b.place(b.order(cust=self.CHILD)), ctx)
        assert d.outcome is sc.Outcome.HOLD
        assert d.findings[0].message == "credit.segment_over_limit"
        assert _facts(d)["segment"] == "customer group G-1 / 客户集团 G-1"
        assert _facts(d)["excess"] == "0.01 CNY"

    def test_the_child_over_its_own_limit_holds_though_the_group_is_within(self) -> None:
        child = b.customer("C-101", prof=b.profile(limit=b.cny("5000")), group_id="G-1")
        d = _gate().check(b.place(b.order(cust=child)), b.context(credit_group=_group()))
        assert [f.message for f in d.findings] == ["credit.over_limit"]

    @pytest.mark.parametrize("group", [None, "other"])
    def test_a_group_missing_from_the_context_fails_closed(self, group: str | None) -> None:
        g = None if group is None else attrs.evolve(_group(), id="G-2")
        d = _gate("O2C-CR-04", "O2C-CR-05").check(
            b.place(b.order(cust=self.CHILD)), b.context(credit_group=g)
        )
        assert d.outcome is sc.Outcome.BLOCK

    def test_an_overdue_sibling_holds_the_order(self) -> None:
        """O2C-CR-05 over the group: another member's item overdue holds this member's order."""
        g = CreditGroup(
            id="G-1",
            profile=b.profile(limit=b.cny("900000")),
            exposure=b.exposure(receivables="100", overdue="100", oldest=dt.date(2026, 1, 10)),
        )
        d = _gate("O2C-CR-05").check(b.place(b.order(cust=self.CHILD)), b.context(credit_group=g))
        assert d.outcome is sc.Outcome.HOLD
        assert d.findings[0].message == "credit.segment_overdue"

    def test_the_group_segment_applies(self) -> None:
        g = _group(
            segment_profiles={"east": b.profile(limit=b.cny("50000"))},
            segment_exposure={"east": b.exposure(open_orders="40000.01")},
        )
        o = b.order(cust=self.CHILD, company="CO-SH")
        d = _gate().check(b.place(o), b.context(credit_group=g))
        assert d.outcome is sc.Outcome.HOLD
        assert (
            _facts(d)["segment"]
            == "customer group's credit segment G-1/east / 客户集团信用段 G-1/east"
        )

    def test_the_delivery_recheck_sees_the_group(self) -> None:
        """O2C-DL-04 re-checks the group limit at the delivery notice."""
        o = b.order(cust=self.CHILD)
        ctx = b.context(credit_group=_group(open_orders="300000.01"))
        d = _gate("O2C-DL-04").check(b.issue_notice(o=o), ctx)
        assert d.outcome is sc.Outcome.HOLD
        assert d.findings[0].message == "delivery.credit_segment_over_limit"


class TestCategoryLimits:
    """OCA account_financial_risk: a limit per exposure category beside the total."""

    def _cust(self, **limits: str) -> sc.Customer:
        return b.customer(prof=b.profile(category_limits={k: b.cny(v) for k, v in limits.items()}))

    def test_open_orders_exactly_at_the_category_limit_pass(self) -> None:
        o = b.order(cust=self._cust(open_orders="50000"))
        ctx = b.context(exposure=b.exposure(open_orders="40000"))
        assert _gate().check(b.place(o), ctx).outcome is sc.Outcome.ALLOW

    def test_a_category_one_cent_over_holds_while_the_total_is_within(self) -> None:
        o = b.order(cust=self._cust(open_orders="50000"))
        ctx = b.context(exposure=b.exposure(open_orders="40000.01"))
        d = _gate().check(b.place(o), ctx)
        assert d.outcome is sc.Outcome.HOLD
        assert d.findings[0].message == "credit.category_over_limit"
        assert _facts(d)["category"] == "open_orders" and _facts(d)["excess"] == "0.01 CNY"

    def test_draft_invoices_over_their_limit_hold_any_order(self) -> None:
        o = b.order(cust=self._cust(draft_invoices="1000"))
        exp = attrs.evolve(b.exposure(), draft_invoices=b.cny("1000.01"))
        assert _gate().check(b.place(o), b.context(exposure=exp)).outcome is sc.Outcome.HOLD

    def test_include_flags_count_a_category_in_the_total(self) -> None:
        exp = attrs.evolve(b.exposure(open_orders="450000"), other_receivables=b.cny("40000.01"))
        ctx = b.context(exposure=exp)
        assert _gate(policy=sc.Policy.default()).check(b.place(), ctx).outcome is sc.Outcome.ALLOW
        cats = {"open_orders", "delivered_not_invoiced", "open_receivables", "other_receivables"}
        p = sc.Policy(families={"credit": credit.CreditPolicy(exposure_categories=frozenset(cats))})
        assert _gate(policy=p).check(b.place(), ctx).outcome is sc.Outcome.HOLD

    def test_a_category_limit_in_another_currency_is_refused(self) -> None:
        with pytest.raises(sc.CurrencyMismatch):
            b.profile(category_limits={"open_orders": _usd("1")})
        with pytest.raises(InvalidInput, match=r"category_limits\.bogus"):
            b.profile(category_limits={"bogus": b.cny("1")})


# -- properties -----------------------------------------------------------------------------------

_cents = st.integers(min_value=0, max_value=60_000_000).map(lambda c: Decimal(c) / 100)


def _outcome_rank(d: sc.Decision) -> int:
    return {sc.Outcome.ALLOW: 0, sc.Outcome.HOLD: 1, sc.Outcome.BLOCK: 2}[d.outcome]


@settings(max_examples=150, deadline=None)
@given(
    own=_cents,
    seg=_cents,
    grp=_cents,
    seg_limit=_cents,
    grp_limit=_cents,
    company=st.booleans(),
    group=st.booleans(),
)
def test_adding_a_segment_or_a_group_never_turns_hold_into_allow(
    own: Decimal,
    seg: Decimal,
    grp: Decimal,
    seg_limit: Decimal,
    grp_limit: Decimal,
    company: bool,
    group: bool,
) -> None:
    """The customer's own check decides as before; more segments only add findings."""
    plain = b.order(cust=b.customer())
    ctx0 = b.context(exposure=b.exposure(open_orders=str(own)))
    gate = _gate("O2C-CR-04", "O2C-CR-05")
    before = gate.check(b.place(plain), ctx0)
    cust = b.customer(
        segment_profiles={"east": b.profile(limit=b.cny(str(seg_limit)))},
        group_id="G-1" if group else None,
    )
    o = b.order(cust=cust, company="CO-SH" if company else None)
    ctx = attrs.evolve(
        ctx0,
        segment_exposure={"east": b.exposure(open_orders=str(seg))},
        credit_group=CreditGroup(
            id="G-1",
            profile=b.profile(limit=b.cny(str(grp_limit))),
            exposure=b.exposure(open_orders=str(grp)),
        ),
    )
    after = gate.check(b.place(o), ctx)
    assert _outcome_rank(after) >= _outcome_rank(before)
    # and the group check is the plain reference computation
    if group:
        over = grp + Decimal(10000) > grp_limit
        assert (
            any(
                f.message == "credit.segment_over_limit" and "G-1" in dict(f.facts)["segment"]
                for f in after.findings
            )
            == over
        )


# -- the ledger -----------------------------------------------------------------------------------


def _seg_ledger() -> Ledger:
    return Ledger(segment_of=SEGMENTED.family("credit").segment_of)


class TestLedger:
    def test_a_segment_sums_its_companies_and_leaves_others_out(self) -> None:
        led = _seg_ledger()
        cust = _segmented()
        led.apply(b.place(b.order(id="SO-1", seq=1, cust=cust, company="CO-SH"), when=b.at(2)))
        led.apply(b.place(b.order(id="SO-2", seq=2, cust=cust, company="CO-BJ"), when=b.at(2)))
        probe = b.place(b.order(id="SO-3", seq=3, cust=cust, company="CO-NJ"), when=b.at(3))
        ctx = led.context_for(probe)
        assert ctx.exposure is not None and ctx.exposure.open_orders == b.cny("20000")
        assert ctx.segment_exposure["east"].open_orders == b.cny("10000")

    def test_the_group_sums_every_member(self) -> None:
        led = Ledger()
        parent = b.customer("G-1", prof=b.profile(limit=b.cny("25000")), group_id="G-1")
        child = b.customer("C-101", group_id="G-1")
        led.apply(b.place(b.order(id="SO-1", seq=1, cust=parent), when=b.at(2)))
        led.apply(b.place(b.order(id="SO-2", seq=2, cust=child), when=b.at(2)))
        probe = b.place(b.order(id="SO-3", seq=3, cust=child), when=b.at(3))
        ctx = led.context_for(probe)
        assert ctx.credit_group is not None
        assert ctx.credit_group.exposure.open_orders == b.cny("20000")
        assert ctx.credit_group.profile is not None
        assert ctx.credit_group.profile.limit == b.cny("25000")
        d = _gate(policy=sc.Policy.default()).check(probe, ctx)
        assert d.outcome is sc.Outcome.HOLD  # 20000 + 10000 > 25000, though the child is within

    def test_the_group_in_two_currencies_rounds(self) -> None:
        led = Ledger()
        led.apply(SetExchangeRate(at=b.at(1), pair="USD/CNY", rate=Decimal("7.10")))
        parent = b.customer("G-1", group_id="G-1")
        led.apply(b.place(_usd_order(1, "1000.01", cust=parent), when=b.at(2)))
        child = b.customer("C-101", group_id="G-1")
        ctx = led.context_for(b.place(b.order(id="SO-3", seq=3, cust=child), when=b.at(3)))
        assert ctx.credit_group is not None
        assert ctx.credit_group.exposure.open_orders == b.cny("7100.07")

    def test_the_limit_in_force_at_any_date(self) -> None:
        """Every SetCreditProfile is kept with who proposed, approved and entered it."""
        led = Ledger()
        for day, limit in ((2, "100000"), (10, "300000")):
            txn = sc.SetCreditProfile(customer=b.customer(), application_id=f"CA-{day}",
                                      profile=b.profile(limit=b.cny(limit)),
                                      actor=b.MAINTAINER, at=b.at(day))
            led.apply(txn)
        hist = led.limit_history("C-100")
        assert [h.profile.limit for h in hist] == [b.cny("100000"), b.cny("300000")]
        assert hist[0].entered_by == "u-fin" and hist[0].profile.approved_by == ("u-appr",)
        assert led.profile_on("C-100", dt.date(2026, 3, 1)) is None
        p = led.profile_on("C-100", dt.date(2026, 3, 9))
        assert p is not None and p.limit == b.cny("100000")
        p = led.profile_on("C-100", dt.date(2026, 3, 10))
        assert p is not None and p.limit == b.cny("300000")

    def test_a_partition_owns_the_whole_group(self) -> None:
        """Partitioned by group: every member's state is in its group's partition."""
        from salesctl.ledger import customer_partition

        n = 7
        ids = [f"C-{i}" for i in range(40)]
        k = customer_partition("G-1", n)
        led = Ledger(owns=lambda c: customer_partition(c, n) == k)
        for i, cid in enumerate(ids):
            txn = b.place(b.order(id=f"SO-{i}", seq=i + 1, cust=b.customer(cid, group_id="G-1")),
                          when=b.at(2))
            led.apply(txn)
        assert {c.id for c in led.customers()} == set(ids)


@settings(max_examples=60, deadline=None)
@given(parts=st.lists(st.integers(min_value=1, max_value=80_000), min_size=2, max_size=5),
       limit=st.integers(min_value=0, max_value=200_000))
def test_splitting_orders_across_companies_of_one_segment_never_escapes_its_limit(
    parts: list[int], limit: int
) -> None:
    """The same amount sold as one order or as several through companies of one segment:
    while the whole exceeds the segment's limit some order is held (orders are folded as
    placed, held or not: exposure is never understated)."""
    cust = b.customer(prof=b.profile(limit=b.cny("999999999")),
                      segment_profiles={"east": b.profile(limit=b.cny(str(limit)))})
    led = _seg_ledger()
    gate = _gate("O2C-CR-04")
    held = False
    for i, amount in enumerate(parts):
        o = b.order(id=f"SO-{i}", seq=i + 1, cust=cust, company=("CO-SH", "CO-NJ")[i % 2],
                    lines=(b.line(1, "1", str(amount)),))
        txn = b.place(o, when=b.at(2))
        d = gate.check(txn, led.context_for(txn))
        held = held or d.outcome is not sc.Outcome.ALLOW
        led.apply(txn, d)
    assert held == (sum(parts) > limit)


@settings(max_examples=60, deadline=None)
@given(members=st.lists(st.integers(min_value=0, max_value=50_000), min_size=1, max_size=6),
       limit=st.integers(min_value=0, max_value=150_000), order=st.integers(1, 50_000))
def test_the_ledgers_group_check_is_the_reference_sum(
    members: list[int], limit: int, order: int
) -> None:
    """Over generated groups: held on the group limit exactly when the members' open orders
    plus the order exceed it."""
    led = Ledger()
    parent = b.customer("G-1", prof=b.profile(limit=b.cny(str(limit))), group_id="G-1")
    led.apply(sc.SetCreditProfile(customer=parent, profile=parent.credit_profile,  # type: ignore[arg-type]
                                  application_id="CA-1", actor=b.MAINTAINER, at=b.at(1)))
    for i, amount in enumerate(members):
        cust = b.customer(f"C-{i}", group_id="G-1")
        if amount:
            led.apply(b.place(b.order(id=f"SO-{i}", seq=i + 1, cust=cust,
                                      lines=(b.line(1, "1", str(amount)),)), when=b.at(2)))
    probe = b.place(b.order(id="SO-X", seq=99, cust=b.customer("C-0", group_id="G-1"),
                            lines=(b.line(1, "1", str(order)),)), when=b.at(3))
    d = _gate(policy=sc.Policy.default()).check(probe, led.context_for(probe))
    group_held = any("G-1" in dict(f.facts).get("segment", "") for f in d.findings)
    assert group_held == (sum(members) + order > limit)


@settings(max_examples=60, deadline=None)
@given(parts=st.lists(st.integers(min_value=1, max_value=80_000), min_size=2, max_size=5),
       limit=st.integers(min_value=0, max_value=200_000))
def test_splitting_orders_across_the_members_of_a_group_never_escapes_its_limit(
    parts: list[int], limit: int
) -> None:
    """The same amount sold as one order or as several through the members of one customer
    group: while the whole exceeds the parent's limit some order is held, whichever member
    buys (the members' own profiles are wide; only the group's limit can hold)."""
    led = Ledger()
    parent = b.customer("G-1", prof=b.profile(limit=b.cny(str(limit))), group_id="G-1")
    led.apply(sc.SetCreditProfile(customer=parent, profile=parent.credit_profile,  # type: ignore[arg-type]
                                  application_id="CA-1", actor=b.MAINTAINER, at=b.at(1)))
    gate = _gate(policy=sc.Policy.default())
    held = False
    for i, amount in enumerate(parts):
        member = b.customer(f"C-{i % 3}", prof=b.profile(limit=b.cny("999999999")),
                            group_id="G-1")
        o = b.order(id=f"SO-{i}", seq=i + 1, cust=member, lines=(b.line(1, "1", str(amount)),))
        txn = b.place(o, when=b.at(2))
        d = gate.check(txn, led.context_for(txn))
        held = held or any("G-1" in dict(f.facts).get("segment", "") for f in d.findings)
        led.apply(txn, d)
    assert held == (sum(parts) > limit)
