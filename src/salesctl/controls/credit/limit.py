"""O2C-CR-04's figures over the limit: the exposure the policy counts, and the facts and message
parameters of its finding, rendered when the finding is first read (:class:`salesctl.decision.
Finding`; the check in :mod:`salesctl.controls.credit.checks` builds them as deferred values).
"""

from __future__ import annotations

from typing import Any

from salesctl.approvals import _cleared_facts
from salesctl.controls.credit.policy import CreditPolicy
from salesctl.decision import Finding, Outcome, _Deferred, _FindingAssembly, _new_object
from salesctl.model import Approval, CreditExposure, CreditRelease
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


def _released(
    release: CreditRelease,
    limit: Money,
    exp: CreditExposure,
    amount: Money,
    policy: CreditPolicy,
    facts: tuple[tuple[str, str], ...] | None,
) -> Finding:
    """O2C-CR-04's ALLOW citing the one-time release ``release`` over the limit: its facts the
    figures over the limit (``facts`` when the check has them already, else rendered when first
    read). :func:`salesctl.decision._trusted_finding`, inlined."""
    found: Any = _FindingAssembly()
    found.control_id = "O2C-CR-04"
    found.outcome = Outcome.ALLOW
    found.message = "credit.released"
    found.params = (("release", release.id), ("granted_by", release.granted_by.id))
    if facts is None:  # _Deferred(_limit_facts, ...), without the call to its __init__
        d = _new_object(_Deferred)
        d.fn = _limit_facts
        d.args = (limit, exp, amount, policy)
        found.facts = d
    else:
        found.facts = facts
    found.required = found.rejected = ()
    found.cleared_by = (release.id,)
    found.__class__ = Finding
    return found  # type: ignore[no-any-return]


def _released_findings(
    release: CreditRelease,
    limit: Money,
    exp: CreditExposure,
    amount: Money,
    policy: CreditPolicy,
    facts: tuple[tuple[str, str], ...] | None,
) -> tuple[Finding, ...]:
    """The findings of O2C-CR-04 when the release is all it found (:func:`_released`): what a
    decision's findings built on first read build (:class:`salesctl.decision._Later`)."""
    return (_released(release, limit, exp, amount, policy, facts),)


def _cleared(
    customer: str,
    limit: Money,
    exp: CreditExposure,
    amount: Money,
    policy: CreditPolicy,
    hit: Approval,
    facts: tuple[tuple[str, str], ...] | None,
) -> Finding:
    """O2C-CR-04's HOLD over the limit cleared by the approval ``hit``, as the gate's
    :func:`~salesctl.approvals.clear_finding` makes it: the HOLD's message and parameters, its
    facts (``facts`` when the check has them already) followed by the approval's evidence,
    rendered when first read. :func:`salesctl.decision._trusted_finding`, inlined."""
    found: Any = _FindingAssembly()
    found.control_id = "O2C-CR-04"
    found.outcome = Outcome.ALLOW
    found.message = "credit.over_limit"
    params = _new_object(_Deferred)  # _Deferred(_limit_params, ...), without its __init__
    params.fn = _limit_params
    params.args = (customer, limit, exp, amount, policy)
    found.params = params
    d = _new_object(_Deferred)
    if facts is None:  # one deferred value for the figures and the evidence
        d.fn = _limit_cleared
        d.args = (limit, exp, amount, policy, hit)
    else:
        d.fn = _cleared_facts
        d.args = (facts, hit, 0)
    found.facts = d
    found.required = found.rejected = ()
    found.cleared_by = (hit.id,)
    found.__class__ = Finding
    return found  # type: ignore[no-any-return]


def _cleared_findings(
    customer: str,
    limit: Money,
    exp: CreditExposure,
    amount: Money,
    policy: CreditPolicy,
    hit: Approval,
    facts: tuple[tuple[str, str], ...] | None,
) -> tuple[Finding, ...]:
    """The findings of O2C-CR-04 when the cleared finding (:func:`_cleared`) is all it found:
    what a decision's findings built on first read build (:class:`salesctl.decision._Later`)."""
    return (_cleared(customer, limit, exp, amount, policy, hit, facts),)
