"""Property (c) of issue 13: moving ``as_of`` or a document date away from the business date
never turns HOLD/BLOCK into ALLOW.

* ``as_of`` moved off the business date of ``txn.at`` (any number of days, either way): the
  check is refused (``InvalidInput``, path ``ctx.as_of``) — never a decision, so never ALLOW.
* the order date moved away from the business date, out of the policy's allowance
  (``[pricing] order_date_days``, 0 by default: further back than the bound, or later): the
  decision is still HOLD or BLOCK. Within the bound the order date's price applies by policy;
  that is an allowance, not a move away. O2C-PR-02 (a key control) is kept on: it is the control
  that blocks a back-dated order.

Budgets: 150 examples per property in CI; 20,000 under ``HYPOTHESIS_PROFILE=thorough`` or with
``SALESCTL_BIZDATE_EXAMPLES=N`` (see ``docs/testing.md``).
"""

from __future__ import annotations

import datetime as dt
import os
from typing import Any

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import salesctl as sc
from salesctl import testing as sct
from salesctl.policy import weakenings_of

_THOROUGH = os.environ.get("HYPOTHESIS_PROFILE") == "thorough"
EXAMPLES = int(os.environ.get("SALESCTL_BIZDATE_EXAMPLES", "20000" if _THOROUGH else "150"))

_BUDGET = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.filter_too_much,
    ],
)

_GATES: dict[str, sc.Gate] = {}


def _gate(policy: sc.Policy) -> sc.Gate:
    gate = _GATES.get(policy.fingerprint)
    if gate is None:
        if len(_GATES) > 500:
            _GATES.clear()
        gate = _GATES[policy.fingerprint] = sc.Gate(policy)
    return gate


def _with_pr02(policy: sc.Policy) -> sc.Policy:
    # Switching O2C-PR-02 back on also drops its acknowledgement when nothing else weakens it
    # (an acknowledgement of nothing is refused).
    disabled = policy.disabled - {"O2C-PR-02"}
    weakened = {w.control_id for w in weakenings_of(dict(policy.families), disabled)}
    ack = {k: v for k, v in policy.acknowledged.items() if k in weakened}
    return attrs.evolve(policy, disabled=disabled, acknowledged=ack)


#: A policy (O2C-PR-02 on), a check drawn with it, and a number of days to move a date by.
cases = sct.policies(families=("credit", "pricing")).flatmap(
    lambda p: st.tuples(
        st.just(_with_pr02(p)),
        sct.order_checks(_with_pr02(p)),
        st.integers(1, 800),
        st.booleans(),
    )
)


@_BUDGET
@given(cases)
def test_moving_as_of_never_turns_a_refusal_into_allow(
    case: tuple[sc.Policy, tuple[Any, sc.Context], int, bool],
) -> None:
    policy, (txn, ctx), days, later = case
    gate = _gate(policy)
    assert ctx.as_of == policy.business_date(txn.at)
    moved = attrs.evolve(ctx, as_of=ctx.as_of + dt.timedelta(days=days if later else -days))
    with pytest.raises(sc.InvalidInput) as info:
        gate.check(txn, moved)
    assert info.value.path == "ctx.as_of"


@_BUDGET
@given(cases)
def test_moving_the_order_date_away_never_turns_hold_or_block_into_allow(
    case: tuple[sc.Policy, tuple[Any, sc.Context], int, bool],
) -> None:
    policy, (txn, ctx), days, later = case
    order = getattr(txn, "order", None)
    if order is None:
        return
    gate = _gate(policy)
    before = gate.check(txn, ctx).outcome
    biz = ctx.as_of
    bound = policy.family("pricing").order_date_days
    if order.order_date >= biz and later:
        new = order.order_date + dt.timedelta(days=days)
    else:  # back, beyond the allowance and further than it was
        new = min(order.order_date, biz - dt.timedelta(days=bound)) - dt.timedelta(days=days)
    moved = attrs.evolve(txn, order=attrs.evolve(order, order_date=new))
    after = gate.check(moved, ctx).outcome
    if before is not sc.Outcome.ALLOW:
        assert after is not sc.Outcome.ALLOW, (order.order_date, new, biz)
    if new < biz - dt.timedelta(days=bound) and isinstance(txn, sc.PlaceOrder):
        assert after is sc.Outcome.BLOCK  # O2C-PR-02: a back-dated order
