"""The credit family's preventive checks and helpers (O2C-CR-01, -02, -04 … -09), run by the
gate (the helpers also by the delivery family, O2C-DL-04).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from salesctl._validators import person_key, same_person
from salesctl.approvals import _sole_hit
from salesctl.context import Context
from salesctl.controls.credit.limit import (
    _cleared,
    _cleared_findings,
    _exposure_of,
    _limit_facts,
    _limit_params,
    _released,
    _released_findings,
)
from salesctl.controls.credit.policy import CreditPolicy, MajorSaleTier
from salesctl.controls.credit.releases import (
    _release_for,
    _usable_release,
    release_for,
    release_problem,
)
from salesctl.controls.credit.segments import (
    CATEGORY_LABELS,
    CUSTOMER,
    Breach,
    CreditSegment,
    breaches,
    exposure_in,
    exposure_segments,
    kind_label,
    segment_label,
    segments_for,
)
from salesctl.decision import (
    ApprovalRequirement,
    Finding,
    Outcome,
    _Deferred,
    _new_object,
    _trusted_finding,
    _trusted_requirement,
)
from salesctl.decision._lazy import _Later
from salesctl.errors import InvalidInput, SalesctlError
from salesctl.model import (
    CreditExposure,
    CreditProfile,
    CreditRelease,
    SalesOrder,
    earliest_due,
)
from salesctl.money import Money
from salesctl.transactions import SetCreditProfile, Transaction

__all__ = [
    "check_collection_letter",
    "check_credit_days",
    "check_credit_limit",
    "check_major_credit_sale",
    "check_new_customer",
    "check_payment_method",
    "check_profile_duties",
    "check_release",
    "consumes_credit",
    "exposure_total",
    "overdue_since",
    "release_for",
    "release_problem",
    "segment_limit_findings",
    "segment_overdue_findings",
]

_NONE: tuple[Finding, ...] = ()
_ALLOW = Outcome.ALLOW
_HOLD = Outcome.HOLD


# -- helpers (pure) ---------------------------------------------------------------------------


def consumes_credit(order: SalesOrder, policy: CreditPolicy) -> bool:
    """True when the order's payment method consumes credit under ``policy`` (O2C-CR-09)."""
    return order.payment.method in policy._methods


def _exposure_total(ctx: Context, policy: CreditPolicy) -> Money:
    exp = ctx.exposure
    assert exp is not None
    return _exposure_of(exp, policy)


def exposure_total(ctx: Context, policy: CreditPolicy) -> Money:
    """The sum of the exposure categories ``policy`` counts, in the exposure's currency.

    Raises:
        InvalidInput: when the context holds no exposure.
    """
    if ctx.exposure is None:
        raise InvalidInput("no credit exposure in the context", path="Context.exposure")
    return _exposure_total(ctx, policy)


def _no_exposure(cid: str, order: SalesOrder) -> tuple[Finding, ...]:
    return (
        Finding(
            control_id=cid,
            outcome=Outcome.BLOCK,
            message="credit.no_exposure",
            params={"customer": order.customer.id},
            facts={"order": order.id, "method": order.payment.method},
        ),
    )


# -- checks -----------------------------------------------------------------------------------


def check_new_customer(txn: Transaction, ctx: Context, policy: CreditPolicy) -> tuple[Finding, ...]:
    """O2C-CR-01: a customer with no credit profile is high risk with zero credit."""
    order: SalesOrder = txn.order  # type: ignore[attr-defined]
    if order.customer.credit_profile is not None or not consumes_credit(order, policy):
        return _NONE
    return (
        Finding(
            control_id="O2C-CR-01",
            outcome=Outcome.BLOCK,
            message="credit.no_profile",
            params={"customer": order.customer.id, "method": order.payment.method},
            facts={
                "customer": order.customer.id,
                "grade": policy.high_risk_grade,
                "limit": f"0 {order.currency}",
                "order_total": order.total,
            },
        ),
    )


def check_payment_method(
    txn: Transaction, ctx: Context, policy: CreditPolicy
) -> tuple[Finding, ...]:
    """O2C-CR-09: the payment method must be allowed for the customer's credit grade."""
    order: SalesOrder = txn.order  # type: ignore[attr-defined]
    profile = order.customer.credit_profile
    grade = profile.grade if profile is not None else policy.high_risk_grade
    method = order.payment.method
    if method in policy._allowed.get(grade, ()):  # allowed_methods' answer, prepared
        return _NONE
    allowed = policy.allowed_methods.get(grade)
    message = "credit.unknown_grade" if allowed is None else "credit.method_not_allowed"
    return (
        Finding(
            control_id="O2C-CR-09",
            outcome=Outcome.BLOCK,
            message=message,
            params={"customer": order.customer.id, "grade": grade, "method": method},
            facts={
                "grade": grade,
                "method": method,
                "allowed": sorted(m.value for m in allowed) if allowed else "-",
                "consumes_credit": method in policy.credit_methods,
            },
        ),
    )


def check_credit_limit(
    txn: Transaction, ctx: Context, policy: CreditPolicy, *, _clear: bool = False
) -> tuple[Finding, ...]:
    """O2C-CR-04: exposure + this order must stay within the approved limit.

    Over the limit, the order is held for re-approval by the credit role, unless a valid
    one-time release for this order is on hand (then the finding is ALLOW, citing it).

    The gate runs it with ``_clear=True`` (:func:`salesctl.control._clearing`): a HOLD that
    the one approval on hand concerning it clears, signed in the credit role itself, is
    returned cleared — what the gate's :func:`~salesctl.approvals.clear_finding` makes of the
    HOLD (``tests/test_performance.py``); anything else is left to the gate's clearing. On that
    path an ALLOW citing a release or an approval that nothing follows comes as findings built
    on first read (:class:`salesctl.decision._lazy._Later`, iterable as the tuple it builds).
    """
    order: SalesOrder = txn.order  # type: ignore[attr-defined]
    customer = order.customer
    profile = customer.credit_profile
    if profile is None or order.payment.method not in policy._methods:
        return _NONE
    exp = ctx.exposure
    if exp is None:
        return _no_exposure("O2C-CR-04", order)
    limit = profile.limit
    total = order.total
    # ctx.convert, without the call when the order is in the limit's currency
    amount = total if total.currency == limit.currency else ctx.convert(total, limit.currency)
    if exp.open_orders.currency == limit.currency:
        # The pass path in Decimals (one currency, the minor unit: the sum is exact, as the
        # Money sum below); anything else takes the Money path, which raises on a mismatch.
        if policy._three:  # the loop below on the three required categories, unrolled
            within = (
                amount.amount
                + exp.open_orders.amount
                + exp.delivered_not_invoiced.amount
                + exp.open_receivables.amount
            )
        else:
            within = amount.amount
            values = policy._cat_values
            for v in values(exp) if values is not None else [getattr(exp, c) for c in policy._cats]:
                if v is not None:
                    within += v.amount
        if within <= limit.amount:
            if (
                order.company is None
                and customer.group_id is None
                and not profile.category_limits._d
            ):
                # _more_limits has nothing to add (category_limits read as its dict: the
                # FrozenMap's own __len__ is Python code)
                return _NONE
            return _more_limits(txn, order, profile, ctx, policy, _NONE)
        # Over the limit: the figures are rendered when the finding is first read (built
        # below, once the finding is known: a cleared one renders them with its evidence).
        facts: Any = None
    else:
        exposure = _exposure_total(ctx, policy)
        if exposure + amount <= limit:
            return _more_limits(txn, order, profile, ctx, policy, _NONE)
        facts = _limit_facts(limit, exp, amount, policy)
    # _more_limits has something to add (category_limits read as its dict: the FrozenMap's
    # own __len__ is Python code)
    more = order.company is not None or customer.group_id is not None or profile.category_limits._d
    # _usable_release, inlined: the release presented (by release_id, else for the order)
    # when nothing is wrong with it
    release = None
    releases = ctx.releases
    if releases:
        wanted = getattr(txn, "release_id", None)
        oid = order.id
        for r in releases:
            if (r.id == wanted) if wanted is not None else (r.order_id == oid):
                at = txn.at
                granter = r.granted_by
                gid = granter.id
                seller = order.created_by
                cap = r.max_amount
                if (
                    r.order_id == oid
                    and r.id not in ctx.consumed_releases
                    and r.expires_at > at
                    and r.granted_at <= at
                    and policy.release_role in granter.roles
                    and (
                        seller is None
                        or not (
                            gid == seller
                            or (
                                (len(gid) == len(seller) and gid.casefold() == seller.casefold())
                                if gid.isascii() and seller.isascii()
                                else person_key(gid) == person_key(seller)
                            )
                        )
                    )
                    and (
                        total.amount <= cap.amount  # ctx.convert returns the total itself
                        if total.currency == cap.currency
                        else ctx.convert(total, cap.currency) <= cap
                    )
                ):
                    release = r
                break
    if release is not None:
        if _clear and not more:
            # the gate's path: the ALLOW citing the release is built when the decision's
            # findings are first read (_released_findings; decision._Later without __init__)
            later: Any = _Later()
            later.fn = _released_findings
            later.args = (release, limit, exp, amount, policy, facts)
            later.outcome = _ALLOW
            return later  # type: ignore[no-any-return]
        found = _released(release, limit, exp, amount, policy, facts)
    else:
        excluded = (order.created_by,)
        role = policy.limit_approval_role
        level = policy.limit_approval_level
        approvals = ctx.approvals
        hit = (
            _sole_hit(approvals, "O2C-CR-04", role, level, order.id, total, excluded, txn)
            if _clear and approvals and policy._limit_role_ok
            else None
        )
        if hit is not None:
            # what clear_finding makes of the HOLD below (_limit_cleared_by: its text and
            # the evidence rendered when first read), itself built when the decision's
            # findings are first read when nothing follows it
            if not more:
                later = _Later()  # decision._Later, made empty
                later.fn = _cleared_findings
                later.args = (customer.id, limit, exp, amount, policy, hit, facts)
                later.outcome = _ALLOW
                return later  # type: ignore[no-any-return]
            found = _cleared(customer.id, limit, exp, amount, policy, hit, facts)
        else:
            # _Deferred(_limit_params, ...), without the call to its __init__
            params = _new_object(_Deferred)
            params.fn = _limit_params
            params.args = (customer.id, limit, exp, amount, policy)
            found = _trusted_finding(
                "O2C-CR-04",
                _HOLD,
                "credit.over_limit",
                params,
                facts or _Deferred(_limit_facts, (limit, exp, amount, policy)),
                (
                    _trusted_requirement(
                        "O2C-CR-04",
                        role,
                        level,
                        order.id,
                        "credit.over_limit",
                        str(total),
                        excluded,
                    )
                    if policy._limit_role_ok
                    else ApprovalRequirement(
                        control_id="O2C-CR-04",
                        role=role,
                        min_level=level,
                        document_id=order.id,
                        reason="credit.over_limit",
                        amount=str(total),
                        excluded=excluded,
                    ),
                ),
            )
    if not more:
        return (found,)  # _more_limits has nothing to add
    return _more_limits(txn, order, profile, ctx, policy, (found,))


def _more_limits(
    txn: Transaction,
    order: SalesOrder,
    profile: CreditProfile,
    ctx: Context,
    policy: CreditPolicy,
    found: tuple[Finding, ...],
) -> tuple[Finding, ...]:
    """O2C-CR-04 beyond the customer's total: its per-category limits, its company's credit
    segment and its group (nothing to do, and no cost, for data that uses none of them)."""
    if order.company is None and order.customer.group_id is None and not profile.category_limits:
        return found
    more = segment_limit_findings(
        "O2C-CR-04", "credit.", txn, order, ctx, policy, order.total, "open_orders"
    )
    return found + more if more else found


def _limit_segments(
    order: SalesOrder, ctx: Context, policy: CreditPolicy
) -> tuple[tuple[CreditSegment, bool], ...]:
    """The segments to check and whether their total is checked (the customer's own total
    is the classic check, done before)."""
    profile = order.customer.credit_profile
    own: tuple[tuple[CreditSegment, bool], ...] = ()
    if profile is not None and profile.category_limits:
        own = ((CreditSegment(CUSTOMER, order.customer.id, profile, ctx.exposure), False),)
    return own + tuple((seg, True) for seg in segments_for(order, ctx, policy))


def _breach_facts(br: Breach, order_total: Money, policy: CreditPolicy) -> dict[str, Any]:
    facts: dict[str, Any] = {
        "segment": segment_label(br.segment),
        "limit": br.limit,
        "exposure": br.exposure,
        "order_total": order_total,
        "exposure_after": br.total,
        "excess": br.excess,
    }
    if br.category is not None:
        facts["category"] = br.category
    else:
        facts["categories"] = ", ".join(sorted(policy._cats))
    return facts


def segment_limit_findings(
    cid: str,
    prefix: str,
    txn: Transaction,
    order: SalesOrder,
    ctx: Context,
    policy: CreditPolicy,
    added: Money,
    added_to: str,
    *,
    added_total: Money | None = None,
    document_id: str | None = None,
) -> tuple[Finding, ...]:
    """The findings of the credit segments, the group and the per-category limits of an order
    (O2C-CR-04 at order entry, O2C-DL-04 at delivery): one per limit exceeded, naming its
    segment; a segment whose exposure the context lacks fails closed.

    Args:
        cid: the control.
        prefix: its message prefix (``"credit."`` or ``"delivery.credit_"``).
        txn: the transaction.
        order: its order.
        ctx: the context.
        policy: the credit policy.
        added: what the transaction adds to category ``added_to`` (the order's currency).
        added_to: that category.
        added_total: what it adds to the total, when not ``added``.
        document_id: the document a re-approval is for (the order's id by default).
    """
    segs = _limit_segments(order, ctx, policy)
    if not segs:
        return _NONE
    doc = document_id if document_id is not None else order.id
    out: list[Finding] = []
    release: CreditRelease | bool | None = False
    for seg, with_total in segs:
        if seg.exposure is None:
            out.append(
                Finding(
                    control_id=cid,
                    outcome=Outcome.BLOCK,
                    message=f"{prefix}no_segment_exposure",
                    params={
                        "customer": order.customer.id,
                        "segment": segment_label(seg),
                    },
                    facts={"order": order.id, "segment": segment_label(seg)},
                )
            )
            continue
        for br in breaches(
            seg, added, added_to, ctx, policy, total=with_total, added_total=added_total
        ):
            if release is False:
                release = _usable_release(txn, order, ctx, policy)
            facts = _breach_facts(br, ctx.convert(added, br.limit.currency), policy)
            if isinstance(release, CreditRelease):
                out.append(
                    Finding(
                        control_id=cid,
                        outcome=Outcome.ALLOW,
                        message=f"{prefix}released",
                        params={"release": release.id, "granted_by": release.granted_by.id},
                        facts=facts,
                        cleared_by=(release.id,),
                    )
                )
                continue
            key = "segment_over_limit" if br.category is None else "category_over_limit"
            params: dict[str, Any] = {
                "customer": order.customer.id,
                "segment": segment_label(seg),
                "limit": br.limit,
                "excess": br.excess,
            }
            if br.category is not None:
                zh, en = CATEGORY_LABELS[br.category]
                params["category"] = f"{en} / {zh}"
            out.append(
                Finding(
                    control_id=cid,
                    outcome=Outcome.HOLD,
                    message=f"{prefix}{key}",
                    params=params,
                    facts=facts,
                    required=(
                        ApprovalRequirement(
                            control_id=cid,
                            role=policy.limit_approval_role,
                            min_level=policy.limit_approval_level,
                            document_id=doc,
                            reason=f"{prefix}{key}",
                            amount=str(order.total),
                            excluded=(order.created_by,),
                        ),
                    ),
                )
            )
    return tuple(out)


def segment_overdue_findings(
    order: SalesOrder, ctx: Context, policy: CreditPolicy
) -> tuple[Finding, ...]:
    """O2C-CR-05 in the order's credit segment and its group: items of the segment (of any
    member of the group) overdue beyond the grace days hold the order; a segment whose
    exposure the context lacks fails closed."""
    out: list[Finding] = []
    for seg in segments_for(order, ctx, policy):
        label = segment_label(seg)
        if seg.exposure is None:
            out.append(
                Finding(
                    control_id="O2C-CR-05",
                    outcome=Outcome.BLOCK,
                    message="credit.no_segment_exposure",
                    params={
                        "customer": order.customer.id,
                        "segment": segment_label(seg),
                    },
                    facts={"order": order.id, "segment": label},
                )
            )
            continue
        f = _overdue_finding(order, seg.exposure, seg.profile, ctx, policy, seg)
        if f is not None:
            out.append(f)
    return tuple(out)


def overdue_since(
    exp: CreditExposure, profile: CreditProfile, as_of: dt.date
) -> tuple[dt.date | None, Money, str | None]:
    """The oldest overdue due date of a customer, the amount overdue and the open invoice it
    comes from (``None``: the host's figure).

    Both sources count: the host's ``oldest_overdue_due`` and, for each of the exposure's
    ``open_items``, its due date computed once from its terms and the profile's (the earlier
    wins, :func:`~salesctl.model.earliest_due`). An item is overdue from the day after its
    due date.
    """
    oldest = exp.oldest_overdue_due if exp.overdue_receivables.amount else None
    amount = exp.overdue_receivables
    source: str | None = None
    if exp.open_items:
        approved = profile.terms if profile.terms is not None else profile.term_days
        total = Decimal(0)
        for it in exp.open_items:
            if not it.open_amount.amount:
                continue
            due = earliest_due(it.issued_on, it.terms, approved)
            if due < as_of:
                total += it.open_amount.amount
                if oldest is None or due < oldest:
                    oldest, source = due, it.invoice_id
        if total > amount.amount:
            amount = Money(total, amount.currency)
    return oldest, amount, source


def check_credit_days(txn: Transaction, ctx: Context, policy: CreditPolicy) -> tuple[Finding, ...]:
    """O2C-CR-05: a customer with items overdue beyond the grace days is held.

    The overdue age is counted from the oldest due date of :func:`overdue_since`: the host's,
    or one computed from an open invoice's payment terms (net N, 月结 N 天, 次月 D 日).
    """
    order: SalesOrder = txn.order  # type: ignore[attr-defined]
    profile = order.customer.credit_profile
    if profile is None or order.payment.method not in policy._methods:
        return _NONE
    exp = ctx.exposure
    if exp is None:
        return _no_exposure("O2C-CR-05", order)
    # _overdue_finding's first test without the call (nothing overdue: None)
    f = (
        None
        if not exp.open_items and (exp.oldest_overdue_due is None or not exp.overdue_receivables)
        else _overdue_finding(order, exp, profile, ctx, policy, None)
    )
    found = _NONE if f is None else (f,)
    if order.company is None and order.customer.group_id is None:
        return found
    return found + segment_overdue_findings(order, ctx, policy)


def _overdue_finding(
    order: SalesOrder,
    exp: CreditExposure,
    profile: CreditProfile,
    ctx: Context,
    policy: CreditPolicy,
    segment: CreditSegment | None,
) -> Finding | None:
    if exp.open_items:
        oldest, overdue, source = overdue_since(exp, profile, ctx.as_of)
    else:
        oldest, overdue, source = exp.oldest_overdue_due, exp.overdue_receivables, None
    if oldest is None or not overdue:
        return None
    days = (ctx.as_of - oldest).days
    if days <= policy.overdue_grace_days:
        return None
    facts: dict[str, Any] = {
        "overdue": overdue,
        "oldest_due": oldest,
        "as_of": ctx.as_of,
        "days_overdue": days,
        "grace_days": policy.overdue_grace_days,
        "term_days": profile.term_days,
    }
    if profile.terms is not None:
        facts["terms"] = str(profile.terms)
    if source is not None:
        facts["oldest_invoice"] = source
    params: dict[str, Any] = {"customer": order.customer.id, "days": days, "amount": overdue}
    key = "credit.overdue"
    if segment is not None:
        facts["segment"] = segment_label(segment)
        params["segment"] = segment_label(segment)
        key = "credit.segment_overdue"
    return Finding(
        control_id="O2C-CR-05",
        outcome=Outcome.HOLD,
        message=key,
        params=params,
        facts=facts,
        required=(
            ApprovalRequirement(
                control_id="O2C-CR-05",
                role=policy.overdue_approval_role,
                min_level=policy.overdue_approval_level,
                document_id=order.id,
                reason=key,
                excluded=(order.created_by,),
            ),
        ),
    )


def check_release(txn: Transaction, ctx: Context, policy: CreditPolicy) -> tuple[Finding, ...]:
    """O2C-CR-06: a one-time release presented for an order must be valid to be used.

    A release that is consumed, expired, not yet valid, granted by someone without the
    release role or by the seller, or too small, holds the order for re-approval. A
    ``ReleaseOrder`` naming a release the context does not hold is blocked.
    """
    order: SalesOrder = txn.order  # type: ignore[attr-defined]
    wanted = getattr(txn, "release_id", None)
    release = _release_for(txn, order, ctx) if ctx.releases else None  # none: not called
    if release is None:
        if wanted is None:
            return _NONE
        return (
            Finding(
                control_id="O2C-CR-06",
                outcome=Outcome.BLOCK,
                message="credit.release_missing",
                params={"release": wanted, "order": order.id},
                facts={"releases_on_hand": [r.id for r in ctx.releases] or "-"},
            ),
        )
    problem = release_problem(release, order, ctx, txn.at, policy)
    if problem is None:
        return _NONE
    return (
        Finding(
            control_id="O2C-CR-06",
            outcome=Outcome.HOLD,
            message=f"credit.release_{problem}",
            params={"release": release.id, "problem": problem},
            facts={
                "release": release.id,
                "release_order": release.order_id,
                "granted_by": release.granted_by.id,
                "expires_at": release.expires_at,
                "max_amount": release.max_amount,
                "consumed": release.id in ctx.consumed_releases,
                "problem": problem,
                "over_limit_in": _over_limit_in(txn, ctx, policy),
            },
            required=(
                ApprovalRequirement(
                    control_id="O2C-CR-06",
                    role=policy.limit_approval_role,
                    min_level=policy.limit_approval_level,
                    document_id=order.id,
                    reason=f"credit.release_{problem}",
                    amount=str(order.total),
                    excluded=(order.created_by,),
                ),
            ),
        ),
    )


def _over_limit_in(txn: Transaction, ctx: Context, policy: CreditPolicy) -> str:
    """Where the order is over a limit, for O2C-CR-06's finding on a release it cannot use
    (the customer's own limit, a credit segment, the group; ``"-"``: nowhere)."""
    order: SalesOrder = txn.order  # type: ignore[attr-defined]
    if ctx.exposure is None:
        return "-"
    where: list[str] = []
    try:
        limit_findings = check_credit_limit(txn, ctx, policy)
    except SalesctlError:
        # O2C-CR-04 itself fails closed on what cannot be evaluated (a missing rate…): this
        # fact only describes, and the release's own problem still stands
        return "not evaluated (see O2C-CR-04) / 无法评估（见 O2C-CR-04）"
    for f in limit_findings:
        if f.outcome is Outcome.HOLD:
            seg = dict(f.facts).get("segment")
            label = seg if seg is not None else kind_label(CUSTOMER, order.customer.id)
            if label not in where:
                where.append(label)
    return "; ".join(where) or "-"


def check_collection_letter(
    txn: Transaction, ctx: Context, policy: CreditPolicy
) -> tuple[Finding, ...]:
    """O2C-CR-07: a credit sale needs a signed collection-responsibility letter (单笔或汇总)."""
    order: SalesOrder = txn.order  # type: ignore[attr-defined]
    if order.payment.method not in policy._methods or order.collection_letter_ref:
        return _NONE
    profile = order.customer.credit_profile
    if profile is not None and profile.collection_letter_ref:
        return _NONE
    return (
        Finding(
            control_id="O2C-CR-07",
            outcome=Outcome.BLOCK,
            message="credit.no_collection_letter",
            params={"order": order.id},
            facts={"method": order.payment.method, "customer": order.customer.id},
        ),
    )


def check_major_credit_sale(
    txn: Transaction, ctx: Context, policy: CreditPolicy
) -> tuple[Finding, ...]:
    """O2C-CR-08: major credit sales need the business VP and chief accountant; very large
    ones the office meeting (the highest band reached applies).

    The order's amount is measured against the bands, as always; an order in a credit
    segment (its company's, with a segment profile) or of a customer group is also measured
    there: the segment's exposure (the categories the policy counts) plus the order, so that
    a sale split across the companies of a segment or the members of a group reaches the band
    the whole would. The highest band of all wins; a band a segment reaches above the order's
    own names the segment. A segment whose exposure the context lacks fails closed.
    """
    order: SalesOrder = txn.order  # type: ignore[attr-defined]
    if order.payment.method not in policy._methods or not policy.major_sale_tiers:
        return _NONE
    tiers = policy.major_sale_tiers
    low = tiers[0].min_amount  # the lowest band (the bands rise, in one currency)
    cur, total = low.currency, order.total
    amount = total if total.currency == cur else ctx.convert(total, cur)  # no call if same
    band = None if amount.amount < low.amount else _band(tiers, amount)  # below every band
    if order.company is None and order.customer.group_id is None:
        return _NONE if band is None else (_major_finding(order, amount, band, None),)
    out: list[Finding] = []
    top: tuple[MajorSaleTier, str, Money, Money] | None = None
    for kind, ident, exp in exposure_segments(order, ctx, policy):
        label = kind_label(kind, ident)
        if exp is None:
            out.append(
                Finding(
                    control_id="O2C-CR-08",
                    outcome=Outcome.BLOCK,
                    message="credit.no_segment_exposure",
                    params={"customer": order.customer.id, "segment": label},
                    facts={"order": order.id, "segment": label},
                )
            )
            continue
        before = exposure_in(exp, cur, ctx, policy)
        b = _band(tiers, before + amount)
        best = band if top is None else top[0]
        if b is not None and (best is None or b.min_amount > best.min_amount):
            top = (b, label, before, before + amount)
    if top is None:
        if band is not None:
            out.append(_major_finding(order, amount, band, None))
    else:
        out.append(_major_finding(order, amount, top[0], top[1:]))
    return tuple(out)


def _band(tiers: tuple[MajorSaleTier, ...], amount: Money) -> MajorSaleTier | None:
    """The highest band ``amount`` reaches (``None``: below every band)."""
    band = None
    cur, value = amount.currency, amount.amount
    for tier in tiers:
        low = tier.min_amount
        # Money.__ge__ in Decimals when the currencies match (it raises otherwise)
        if (value >= low.amount) if low.currency == cur else (amount >= low):
            band = tier
    return band


def _major_finding(
    order: SalesOrder,
    amount: Money,
    band: MajorSaleTier,
    where: tuple[str, Money, Money] | None,
) -> Finding:
    """O2C-CR-08's HOLD for ``band``: reached by the order itself (``where`` is ``None``) or
    by a segment's exposure plus the order (``where``: its label, exposure, and the sum)."""
    facts: dict[str, Any] = {
        "order_total": amount,
        "band": band.min_amount,
        "roles": [s.role for s in band.approvals],
    }
    key = "credit.major_sale"
    params: dict[str, Any] = {"order": order.id, "amount": amount, "threshold": band.min_amount}
    if where is not None:
        label, before, after = where
        key = "credit.segment_major_sale"
        facts.update(segment=label, exposure=before, exposure_after=after)
        params.update(segment=label, amount=after)
    return Finding(
        control_id="O2C-CR-08",
        outcome=Outcome.HOLD,
        message=key,
        params=params,
        facts=facts,
        required=tuple(
            ApprovalRequirement(
                control_id="O2C-CR-08",
                role=s.role,
                min_level=s.level,
                document_id=order.id,
                reason=key,
                amount=str(order.total),
                excluded=(order.created_by,),
                step=s.step,
            )
            for s in band.approvals
        ),
    )


def check_profile_duties(
    txn: Transaction, ctx: Context, policy: CreditPolicy
) -> tuple[Finding, ...]:
    """O2C-CR-02: grade, limit and term are proposed and approved by different people,
    approved by the configured heads, and entered by the credit master-data maintainer."""
    assert isinstance(txn, SetCreditProfile)
    profile = txn.profile
    out: list[Finding] = []
    blocks: list[tuple[str, dict[str, Any]]] = []
    if profile.grade not in policy.grades:
        blocks.append(("credit.profile_unknown_grade", {"grade": profile.grade}))
    if not txn.actor.has_role(policy.profile_maintainer_role):
        blocks.append(
            (
                "credit.profile_maintainer",
                {"actor": txn.actor.id, "role": policy.profile_maintainer_role},
            )
        )
    if same_person(profile.proposed_by, txn.actor.id):
        blocks.append(("credit.profile_self_entered", {"actor": txn.actor.id}))
    if any(same_person(profile.proposed_by, a) for a in profile.approved_by):
        blocks.append(("credit.profile_self_approved", {"actor": profile.proposed_by}))
    for key, params in blocks:
        out.append(
            Finding(
                control_id="O2C-CR-02",
                outcome=Outcome.BLOCK,
                message=key,
                params=params,
                facts={"proposed_by": profile.proposed_by, "entered_by": txn.actor.id},
            )
        )
    if policy.profile_approvals:
        out.append(
            Finding(
                control_id="O2C-CR-02",
                outcome=Outcome.HOLD,
                message="credit.profile_approval",
                params={
                    "customer": txn.customer.id,
                    "grade": profile.grade,
                    "limit": profile.limit,
                },
                facts={
                    "grade": profile.grade,
                    "limit": profile.limit,
                    "term_days": profile.term_days,
                    "proposed_by": profile.proposed_by,
                },
                required=tuple(
                    ApprovalRequirement(
                        control_id="O2C-CR-02",
                        role=s.role,
                        min_level=s.level,
                        document_id=txn.application_id,
                        reason="credit.profile_approval",
                        excluded=(profile.proposed_by,),
                        step=s.step,
                    )
                    for s in policy.profile_approvals
                ),
            )
        )
    return tuple(out)
