"""O2C-CR-04's figures over the limit: the exposure the policy counts, and the facts and message
parameters of its finding, rendered when the finding is first read (:class:`salesctl.decision.
Finding`; the check in :mod:`salesctl.controls.credit.checks` builds them as deferred values).
"""

from __future__ import annotations

from typing import Any

from salesctl.approvals import _cleared_facts
from salesctl.controls.credit.policy import CreditPolicy
from salesctl.model import Approval, CreditExposure
from salesctl.money import Money

__all__: list[str] = []


def _exposure_of(exp: CreditExposure, policy: CreditPolicy) -> Money:
    total = Money.zero(exp.currency)
    if not policy._cats:
        return total
    # One currency and the minor unit throughout (CreditExposure validates both), so the
    # amounts add exactly as Decimals; the sum is valid Money by construction.
    amount = total.amount
    for name in policy._cats:
        v = getattr(exp, name)
        if v is not None:
            amount += v.amount
    return Money._trusted(amount, total.currency)


def _limit_facts(
    limit: Money, exp: CreditExposure, amount: Money, policy: CreditPolicy
) -> tuple[tuple[str, str], ...]:
    """O2C-CR-04's facts over the limit, as ``(name, text)`` pairs (Money as
    ``"<amount> <currency>"``, the categories sorted and joined)."""
    exposure = _exposure_of(exp, policy)
    total = exposure + amount
    excess = total - limit
    return (
        ("limit", f"{limit.amount} {limit.currency}"),
        ("exposure", f"{exposure.amount} {exposure.currency}"),
        ("order_total", f"{amount.amount} {amount.currency}"),
        ("exposure_after", f"{total.amount} {total.currency}"),
        ("excess", f"{excess.amount} {excess.currency}"),
        ("categories", ", ".join(sorted(policy._cats))),
    )


def _limit_cleared(
    limit: Money, exp: CreditExposure, amount: Money, policy: CreditPolicy, hit: Approval
) -> tuple[tuple[str, str], ...]:
    """O2C-CR-04's facts over the limit cleared by ``hit`` (one deferred value for both)."""
    return _cleared_facts(_limit_facts(limit, exp, amount, policy), hit, 0)


def _limit_params(
    customer: str, limit: Money, exp: CreditExposure, amount: Money, policy: CreditPolicy
) -> dict[str, Any]:
    """O2C-CR-04's message parameters over the limit."""
    excess = _exposure_of(exp, policy) + amount - limit
    return {"customer": customer, "excess": excess, "limit": limit}
