"""Cross-cutting invariants of the gate, as hypothesis properties."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any

import attrs
from hypothesis import given
from hypothesis import strategies as st

import salesctl as sc
from tests import builders as b

amounts = st.decimals(min_value=0, max_value=Decimal("2000000"), places=2, allow_nan=False, allow_infinity=False)
positive = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("300000"), places=2)
methods = st.sampled_from(list(sc.PaymentMethod))
grades = st.sampled_from(["AAA", "A", "B", "C", "HIGH_RISK"])

APPROVERS = [
    b.approval(role="sales_manager", approver=b.MANAGER, id="A-SM"),
    b.approval(role="sales_director", approver=b.DIRECTOR, id="A-SD"),
    b.approval(role="credit_manager", approver=b.CREDIT_MANAGER, id="A-CM"),
    b.approval(role="business_vp", approver=b.actor("u-vp", "business_vp", level=4), id="A-VP"),
    b.approval(role="chief_accountant", approver=b.actor("u-ca", "chief_accountant", level=4), id="A-CA"),
]


@st.composite
def cases(draw: st.DrawFn) -> tuple[sc.PlaceOrder, sc.Context]:
    n = draw(st.integers(1, 4))
    lines = tuple(
        b.line(i + 1, str(draw(st.integers(1, 50))), str(draw(positive))) for i in range(n)
    )
    has_profile = draw(st.booleans())
    prof = (
        b.profile(grade=draw(grades), limit=sc.Money(draw(amounts), "CNY"),
                  collection_letter_ref=draw(st.sampled_from([None, "L-1"])))
        if has_profile else None
    )
    order = b.order(cust=b.customer(prof=prof), lines=lines, method=draw(methods),
                    seq=draw(st.sampled_from([41, 42, 43, 45])))
    receivables = draw(amounts)
    overdue = draw(st.decimals(min_value=0, max_value=receivables, places=2))
    exposure = sc.CreditExposure(
        open_orders=sc.Money(draw(amounts), "CNY"),
        delivered_not_invoiced=sc.Money(draw(amounts), "CNY"),
        open_receivables=sc.Money(receivables, "CNY"),
        overdue_receivables=sc.Money(overdue, "CNY"),
        oldest_overdue_due=dt.date(2026, 2, draw(st.integers(1, 28))) if overdue else None,
    )
    approvals = tuple(draw(st.lists(st.sampled_from(APPROVERS), unique_by=lambda a: a.id, max_size=5)))
    ctx = b.context(exposure=exposure, approvals=approvals)
    return b.place(order), ctx


GATE = sc.Gate()


@given(cases())
def test_outcome_is_max_of_findings(case: tuple[sc.PlaceOrder, sc.Context]) -> None:
    """The decision's outcome is the maximum of its findings (ALLOW when none)."""
    d = GATE.check(*case)
    assert d.outcome == max((f.outcome for f in d.findings), default=sc.Outcome.ALLOW)
    assert {f.control_id for f in d.findings} <= set(d.controls)


@given(cases())
def test_deterministic_and_json_round_trip(case: tuple[sc.PlaceOrder, sc.Context]) -> None:
    """Same input, same decision; the decision survives JSON."""
    d = GATE.check(*case)
    assert GATE.check(*case) == d
    assert sc.Decision.from_dict(json.loads(json.dumps(d.to_dict()))) == d
    txn, ctx = case
    assert sc.parse_transaction(json.loads(json.dumps(sc.transaction_to_dict(txn)))) == txn
    assert sc.Context.from_dict(json.loads(json.dumps(ctx.to_dict()))) == ctx


@given(cases(), amounts)
def test_raising_the_limit_never_makes_it_stricter(case: tuple[sc.PlaceOrder, sc.Context], extra: Decimal) -> None:
    """Raising a credit limit never turns ALLOW into HOLD/BLOCK (or HOLD into BLOCK)."""
    txn, ctx = case
    prof = txn.order.customer.credit_profile
    if prof is None:
        return
    raised = attrs.evolve(prof, limit=sc.Money(prof.limit.amount + extra, "CNY"))
    order = attrs.evolve(txn.order, customer=attrs.evolve(txn.order.customer, credit_profile=raised))
    assert GATE.check(attrs.evolve(txn, order=order), ctx).outcome <= GATE.check(txn, ctx).outcome


@given(cases(), st.sampled_from(APPROVERS))
def test_adding_an_approval_never_makes_it_stricter(case: tuple[sc.PlaceOrder, sc.Context], extra: Any) -> None:
    """One more approval on hand never makes the outcome stricter."""
    txn, ctx = case
    more = attrs.evolve(ctx, approvals=(*ctx.approvals, extra))
    assert GATE.check(txn, more).outcome <= GATE.check(txn, ctx).outcome


@given(cases())
def test_exposure_within_limit_gives_no_limit_finding(case: tuple[sc.PlaceOrder, sc.Context]) -> None:
    """Exposure + order ≤ limit ⇒ no O2C-CR-04 finding; over ⇒ a HOLD (or a release ALLOW)."""
    txn, ctx = case
    prof = txn.order.customer.credit_profile
    d = sc.Gate(only=["O2C-CR-04"]).check(txn, attrs.evolve(ctx, approvals=()))
    if prof is None or txn.order.payment.method not in sc.Policy.default().family("credit").credit_methods:
        assert d.findings == ()
        return
    e = ctx.exposure
    assert e is not None
    total = e.open_orders.amount + e.delivered_not_invoiced.amount + e.open_receivables.amount + txn.order.total.amount
    if total <= prof.limit.amount:
        assert d.findings == ()
    else:
        assert d.outcome is sc.Outcome.HOLD
