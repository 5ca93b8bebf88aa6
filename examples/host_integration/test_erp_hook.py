"""Property tests of the ERP hook (``erp_hook.py``) with salesctl's test kit.

Run them with ``pytest examples/host_integration`` (needs ``pip install "salesctl[test]"``);
salesctl's own suite runs them too (tests/test_host_integration_example.py).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import attrs
import pytest
from erp_hook import ERP, ERPError
from hypothesis import given, settings
from hypothesis import strategies as st

import salesctl as sc
from salesctl import testing as sct

GATE = sc.Gate()
#: A confirmation and the context the ERP would pass, from the kit: amounts on and next to the
#: credit limit, approvals right and wrong, prices on and off the price master.
orders = sct.order_checks(kinds=("PlaceOrder",))


def as_rows(
    txn: sc.PlaceOrder, ctx: sc.Context
) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """The ERP's own rows for a transaction and context (the JSON salesctl reads)."""
    data = sc.transaction_to_dict(txn)
    return data["order"], data["actor"], ctx.to_dict()


@settings(max_examples=40, deadline=None)
@given(orders)
def test_the_hook_posts_exactly_what_the_gate_allows(check: tuple[Any, sc.Context]) -> None:
    """ALLOW is posted, HOLD routed with its approvals, BLOCK refused with a reason; never a crash."""
    txn, ctx = check
    erp = ERP(GATE)
    row, user, context = as_rows(txn, ctx)
    out = erp.confirm(row, user, context, txn.at)
    decision = GATE.check(txn, ctx)
    assert out.decision == decision
    assert out.posted == (decision.outcome is sc.Outcome.ALLOW)
    assert erp.posted == ([txn.order.id] if out.posted else [])
    held = decision.outcome is sc.Outcome.HOLD
    assert out.routed == (list(decision.required_approvals) if held else [])
    assert erp.queue == out.routed
    assert bool(out.refused) == (decision.outcome is sc.Outcome.BLOCK)


@settings(max_examples=40, deadline=None)
@given(sct.invalid_data(sc.SalesOrder, root="order"), orders)
def test_a_malformed_row_is_refused_with_its_path(
    case: sct.Invalid, check: tuple[Any, sc.Context]
) -> None:
    """A broken row never reaches the gate: the ERP error names salesctl's field path."""
    txn, ctx = check
    _row, user, context = as_rows(txn, ctx)
    erp = ERP(GATE)
    with pytest.raises(ERPError) as refused:
        erp.confirm(case.data, user, context, txn.at)
    assert refused.value.path == case.path, (case.defect, refused.value)
    assert erp.posted == [] and erp.queue == []


@settings(max_examples=40, deadline=None)
@given(orders)
def test_signing_what_was_routed_clears_the_hold(check: tuple[Any, sc.Context]) -> None:
    """The approval round trip: sign every requirement the decision names (right role and
    level, not the proposer, steps in order) and ask again: nothing is held any more — the
    order is allowed, unless something blocks it, which no approval can clear."""
    txn, ctx = check
    first = GATE.check(txn, ctx)
    signed = tuple(
        sc.Approval(
            id=f"SIG-{k}",
            document_id=r.document_id,
            role=r.role,
            approver=sc.Actor(id=f"signer-{k}", roles={r.role}, authority_level=r.min_level),
            granted_at=txn.at - dt.timedelta(minutes=60 - r.step),
        )
        for k, r in enumerate(first.required_approvals)
    )
    again = GATE.check(txn, attrs.evolve(ctx, approvals=(*ctx.approvals, *signed)))
    blocked = any(f.outcome is sc.Outcome.BLOCK for f in first.findings)
    assert again.outcome is (sc.Outcome.BLOCK if blocked else sc.Outcome.ALLOW), again.explain()
    assert not [f for f in again.findings if f.outcome is sc.Outcome.HOLD]


@settings(max_examples=20, deadline=None)
@given(orders, st.sampled_from(["zh", "en"]))
def test_every_refusal_explains_itself(check: tuple[Any, sc.Context], lang: str) -> None:
    """A refused order carries a reason in the user's language, one line per finding."""
    txn, ctx = check
    decision = GATE.check(txn, ctx)
    text = decision.explain(lang)
    assert len(text.splitlines()) >= 1 + len(decision.findings)


@settings(max_examples=20, deadline=None)
@given(orders, st.integers(1, 400))
def test_a_context_dated_on_another_day_is_refused(check: tuple[Any, sc.Context], days: int) -> None:
    """The business date is the day of `now` in the policy's zone: the ERP cannot choose
    another one; nothing is posted or routed."""
    txn, ctx = check
    erp = ERP(GATE)
    row, user, context = as_rows(txn, ctx)
    context["as_of"] = (ctx.as_of - dt.timedelta(days=days)).isoformat()
    with pytest.raises(ERPError) as info:
        erp.confirm(row, user, context, txn.at)
    assert info.value.path == "ctx.as_of"
    assert erp.posted == [] and erp.queue == []
