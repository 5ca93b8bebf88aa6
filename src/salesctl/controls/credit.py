"""Credit: who may buy on credit, how much, and who decides (赊销与信用管理).

Source: the group manual's control points S-IC 2.1–2.3 and 5.1 (客户主数据维护和信用审核;
超出规定信用额度的须重新履行审批程序,或经批准后由财务部门信用主数据维护员在系统中一次性
释放冻结的订单), the product-sales flow S-CP 3.2.2–3.2.4 (赊销审核, ★ key controls), the
billing system's credit check S-PM B (系统在销售开票时检查客户的信誉额度、信誉天数), and the
payment methods of foreign trade S-FT (汇付、托收、信用证). Guideline 9 art. 5 and 10.

Controls: O2C-CR-01 (new customers are high risk, zero credit), O2C-CR-02 (credit profiles
proposed and approved by different people), O2C-CR-04 (credit limit), O2C-CR-05 (credit days),
O2C-CR-06 (one-time release), O2C-CR-07 (collection-responsibility letter), O2C-CR-08 (major
credit sales), O2C-CR-09 (payment-method risk).

Exposure is the sum of the categories the policy names (open orders, delivered not invoiced,
open receivables) plus the order being checked, in the currency of the customer's limit; the
order being checked is *not* part of the context's exposure.

>>> from salesctl.controls.credit import CreditPolicy
>>> CreditPolicy().limit_approval_role
'credit_manager'
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from attrs import field, frozen

from salesctl._validators import (
    FrozenMap,
    each,
    frozenmap_conv,
    frozenset_conv,
    mapping,
    non_negative,
    text,
    tuple_conv,
    typed,
)
from salesctl.context import Context
from salesctl.control import Assertion, Automation, Control, Family, Frequency, Kind
from salesctl.decision import ApprovalRequirement, Finding, Outcome
from salesctl.errors import InvalidInput
from salesctl.model import CreditRelease, PaymentMethod, SalesOrder
from salesctl.money import Money
from salesctl.transactions import PlaceOrder, ReleaseOrder, SetCreditProfile, Transaction

__all__ = [
    "FAMILY",
    "ApprovalStep",
    "CreditPolicy",
    "MajorSaleTier",
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
    "release_for",
    "release_problem",
]

_NONE: tuple[Finding, ...] = ()

# -- policy ---------------------------------------------------------------------------------

_CATEGORIES = ("open_orders", "delivered_not_invoiced", "open_receivables")


@frozen
class ApprovalStep:
    """One approval a rule asks for.

    Attributes:
        role: the approving role.
        level: the lowest authority level that may approve.
    """

    role: str = field(validator=text)
    level: int = field(validator=[typed(int), non_negative])


@frozen
class MajorSaleTier:
    """A band of major credit sales and the approvals it needs (S-CP 3.2.4★).

    Attributes:
        min_amount: orders on credit at or above this amount fall in the band.
        approvals: the approvals the band needs (all of them).
    """

    min_amount: Money = field(validator=typed(Money))
    approvals: tuple[ApprovalStep, ...] = field(converter=tuple_conv, validator=each(ApprovalStep))

    def __attrs_post_init__(self) -> None:
        if not self.approvals:
            raise InvalidInput("a band needs at least one approval", path="MajorSaleTier.approvals")


def _categories(_i: Any, _a: Any, value: frozenset[str]) -> None:
    if not isinstance(value, frozenset):
        raise InvalidInput("must be a list", path="exposure_categories", value=value)
    for c in value:
        if c not in _CATEGORIES:
            raise InvalidInput(
                f"unknown exposure category (known: {', '.join(_CATEGORIES)})",
                path="exposure_categories",
                value=c,
            )


def _default_methods() -> FrozenMap[str, frozenset[PaymentMethod]]:
    safe = frozenset({PaymentMethod.CASH, PaymentMethod.PREPAYMENT, PaymentMethod.LETTER_OF_CREDIT})
    collection = safe | {PaymentMethod.DOCUMENTS_AGAINST_PAYMENT}
    every = frozenset(PaymentMethod)
    return FrozenMap(
        {"AAA": every, "AA": every, "A": every, "B": every, "C": collection, "HIGH_RISK": safe}
    )


@frozen
class CreditPolicy:
    """Parameters of the credit family (``[credit]`` in the policy file).

    Attributes:
        credit_methods: payment methods that consume credit (O2C-CR-09); prepayment, cash and
            L/C do not by default.
        exposure_categories: exposure categories counted against the limit (O2C-CR-04).
        grades: the credit grades, best first.
        high_risk_grade: the grade of a customer with no credit profile (O2C-CR-01).
        allowed_methods: payment methods allowed per grade (O2C-CR-09).
        limit_approval_role: who re-approves an order over the limit (O2C-CR-04, -06).
        limit_approval_level: the authority level that re-approval needs.
        release_role: the role that may grant a one-time release (credit master-data
            maintainer in finance, O2C-CR-06).
        overdue_grace_days: days past the oldest due date tolerated before a hold (O2C-CR-05).
        overdue_approval_role: who may approve an order despite overdue items (O2C-CR-05).
        overdue_approval_level: the authority level that approval needs.
        major_sale_tiers: bands of major credit sales and their approvals (O2C-CR-08).
        profile_maintainer_role: who maintains credit master data (O2C-CR-02).
        profile_approvals: approvals a new or changed credit profile needs (O2C-CR-02).
    """

    credit_methods: frozenset[PaymentMethod] = field(
        default=frozenset(
            {
                PaymentMethod.TT_OPEN_ACCOUNT,
                PaymentMethod.DOCUMENTS_AGAINST_PAYMENT,
                PaymentMethod.DOCUMENTS_AGAINST_ACCEPTANCE,
                PaymentMethod.CREDIT,
            }
        ),
        converter=frozenset_conv,
        validator=each(PaymentMethod),
    )
    exposure_categories: frozenset[str] = field(
        default=frozenset(_CATEGORIES), converter=frozenset_conv, validator=_categories
    )
    grades: tuple[str, ...] = field(
        default=("AAA", "AA", "A", "B", "C", "HIGH_RISK"), converter=tuple_conv, validator=each(str)
    )
    high_risk_grade: str = field(default="HIGH_RISK", validator=text)
    allowed_methods: FrozenMap[str, frozenset[PaymentMethod]] = field(
        factory=_default_methods, converter=frozenmap_conv, validator=mapping
    )
    limit_approval_role: str = field(default="credit_manager", validator=text)
    limit_approval_level: int = field(default=3, validator=[typed(int), non_negative])
    release_role: str = field(default="credit_master_maintainer", validator=text)
    overdue_grace_days: int = field(default=0, validator=[typed(int), non_negative])
    overdue_approval_role: str = field(default="credit_manager", validator=text)
    overdue_approval_level: int = field(default=3, validator=[typed(int), non_negative])
    major_sale_tiers: tuple[MajorSaleTier, ...] = field(
        default=(
            MajorSaleTier(
                Money("1000000", "CNY"),
                (ApprovalStep("business_vp", 4), ApprovalStep("chief_accountant", 4)),
            ),
            MajorSaleTier(Money("5000000", "CNY"), (ApprovalStep("office_meeting", 5),)),
        ),
        converter=tuple_conv,
        validator=each(MajorSaleTier),
    )
    profile_maintainer_role: str = field(default="credit_master_maintainer", validator=text)
    profile_approvals: tuple[ApprovalStep, ...] = field(
        default=(
            ApprovalStep("marketing_head", 3),
            ApprovalStep("finance_head", 3),
            ApprovalStep("general_manager", 4),
        ),
        converter=tuple_conv,
        validator=each(ApprovalStep),
    )

    def __attrs_post_init__(self) -> None:
        if self.high_risk_grade not in self.grades:
            raise InvalidInput(
                "must be one of grades", path="high_risk_grade", value=self.high_risk_grade
            )
        for grade, methods in self.allowed_methods.items():
            if grade not in self.grades:
                raise InvalidInput("grade not listed in grades", path=f"allowed_methods.{grade}")
            if not isinstance(methods, frozenset) or not all(
                isinstance(m, PaymentMethod) for m in methods
            ):
                raise InvalidInput(
                    "must be a list of payment methods", path=f"allowed_methods.{grade}"
                )
        for grade in self.grades:
            if grade not in self.allowed_methods:
                raise InvalidInput(
                    "every grade needs its allowed methods", path=f"allowed_methods.{grade}"
                )
        amounts = [t.min_amount for t in self.major_sale_tiers]
        for i in range(1, len(amounts)):
            if amounts[i].currency != amounts[0].currency or not amounts[i] > amounts[i - 1]:
                raise InvalidInput(
                    "bands must be in one currency and in rising order",
                    path=f"major_sale_tiers[{i}].min_amount",
                    value=str(amounts[i]),
                )
        # Precomputed for the hot path: the categories as attribute names, in a fixed order.
        object.__setattr__(
            self, "_cats", tuple(c for c in _CATEGORIES if c in self.exposure_categories)
        )

    _cats: tuple[str, ...] = field(init=False, eq=False, repr=False, default=())


# -- helpers (pure) ---------------------------------------------------------------------------


def consumes_credit(order: SalesOrder, policy: CreditPolicy) -> bool:
    """True when the order's payment method consumes credit under ``policy`` (O2C-CR-09)."""
    return order.payment.method in policy.credit_methods


def _order_of(txn: Transaction) -> SalesOrder:
    return txn.order  # type: ignore[attr-defined, no-any-return]


def release_problem(
    release: CreditRelease, order: SalesOrder, ctx: Context, at: dt.datetime, policy: CreditPolicy
) -> str | None:
    """Why ``release`` cannot release ``order`` now, or ``None`` when it can (O2C-CR-06).

    Returns:
        one of ``"consumed"``, ``"expired"``, ``"not_yet_valid"``, ``"wrong_order"``,
        ``"granter_role"``, ``"granter_is_seller"``, ``"amount"``, or ``None``.
    """
    if release.order_id != order.id:
        return "wrong_order"
    if release.id in ctx.consumed_releases:
        return "consumed"
    if release.expires_at <= at:
        return "expired"
    if release.granted_at > at:
        return "not_yet_valid"
    if not release.granted_by.has_role(policy.release_role):
        return "granter_role"
    if release.granted_by.id == order.created_by:
        return "granter_is_seller"
    if ctx.convert(order.total, release.max_amount.currency) > release.max_amount:
        return "amount"
    return None


def _release_for(txn: Transaction, order: SalesOrder, ctx: Context) -> CreditRelease | None:
    wanted = getattr(txn, "release_id", None)
    for r in ctx.releases:
        if (wanted is not None and r.id == wanted) or (wanted is None and r.order_id == order.id):
            return r
    return None


def _exposure_total(ctx: Context, policy: CreditPolicy) -> Money:
    exp = ctx.exposure
    assert exp is not None
    total = Money.zero(exp.currency)
    if not policy._cats:
        return total
    # One currency and the minor unit throughout (CreditExposure validates both), so the
    # amounts add exactly as Decimals; the sum is valid Money by construction.
    amount = total.amount
    for name in policy._cats:
        amount += getattr(exp, name).amount
    return Money._trusted(amount, total.currency)


def release_for(txn: Transaction, order: SalesOrder, ctx: Context) -> CreditRelease | None:
    """The one-time release presented with ``txn``: the one it names by ``release_id``, else
    one on hand granted for ``order`` (``None`` when there is none). Also used by the delivery
    family's credit re-check (O2C-DL-04)."""
    return _release_for(txn, order, ctx)


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
    order = _order_of(txn)
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
    order = _order_of(txn)
    profile = order.customer.credit_profile
    grade = profile.grade if profile is not None else policy.high_risk_grade
    allowed = policy.allowed_methods.get(grade)
    method = order.payment.method
    if allowed is not None and method in allowed:
        return _NONE
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


def check_credit_limit(txn: Transaction, ctx: Context, policy: CreditPolicy) -> tuple[Finding, ...]:
    """O2C-CR-04: exposure + this order must stay within the approved limit.

    Over the limit, the order is held for re-approval by the credit role, unless a valid
    one-time release for this order is on hand (then the finding is ALLOW, citing it).
    """
    order = _order_of(txn)
    profile = order.customer.credit_profile
    if profile is None or order.payment.method not in policy.credit_methods:
        return _NONE
    if ctx.exposure is None:
        return _no_exposure("O2C-CR-04", order)
    limit = profile.limit
    amount = ctx.convert(order.total, limit.currency)
    exp = ctx.exposure
    if exp.open_orders.currency == limit.currency:
        # The pass path in Decimals (one currency, the minor unit: the sum is exact, as the
        # Money sum below); anything else takes the Money path, which raises on a mismatch.
        within = amount.amount
        for name in policy._cats:
            within += getattr(exp, name).amount
        if within <= limit.amount:
            return _NONE
    exposure = _exposure_total(ctx, policy)
    total = exposure + amount
    if total <= limit:
        return _NONE
    facts = {
        "limit": limit,
        "exposure": exposure,
        "order_total": amount,
        "exposure_after": total,
        "excess": total - limit,
        "categories": sorted(policy._cats),
    }
    release = _release_for(txn, order, ctx)
    if release is not None and release_problem(release, order, ctx, txn.at, policy) is None:
        return (
            Finding(
                control_id="O2C-CR-04",
                outcome=Outcome.ALLOW,
                message="credit.released",
                params={"release": release.id, "granted_by": release.granted_by.id},
                facts=facts,
                cleared_by=(release.id,),
            ),
        )
    return (
        Finding(
            control_id="O2C-CR-04",
            outcome=Outcome.HOLD,
            message="credit.over_limit",
            params={"customer": order.customer.id, "excess": total - limit, "limit": limit},
            facts=facts,
            required=(
                ApprovalRequirement(
                    control_id="O2C-CR-04",
                    role=policy.limit_approval_role,
                    min_level=policy.limit_approval_level,
                    document_id=order.id,
                    reason="credit.over_limit",
                    amount=str(order.total),
                    excluded=(order.created_by,),
                ),
            ),
        ),
    )


def check_credit_days(txn: Transaction, ctx: Context, policy: CreditPolicy) -> tuple[Finding, ...]:
    """O2C-CR-05: a customer with items overdue beyond the grace days is held."""
    order = _order_of(txn)
    if order.customer.credit_profile is None or order.payment.method not in policy.credit_methods:
        return _NONE
    exp = ctx.exposure
    if exp is None:
        return _no_exposure("O2C-CR-05", order)
    if exp.oldest_overdue_due is None or not exp.overdue_receivables:
        return _NONE
    days = (ctx.as_of - exp.oldest_overdue_due).days
    if days <= policy.overdue_grace_days:
        return _NONE
    return (
        Finding(
            control_id="O2C-CR-05",
            outcome=Outcome.HOLD,
            message="credit.overdue",
            params={"customer": order.customer.id, "days": days, "amount": exp.overdue_receivables},
            facts={
                "overdue": exp.overdue_receivables,
                "oldest_due": exp.oldest_overdue_due,
                "as_of": ctx.as_of,
                "days_overdue": days,
                "grace_days": policy.overdue_grace_days,
                "term_days": order.customer.credit_profile.term_days,
            },
            required=(
                ApprovalRequirement(
                    control_id="O2C-CR-05",
                    role=policy.overdue_approval_role,
                    min_level=policy.overdue_approval_level,
                    document_id=order.id,
                    reason="credit.overdue",
                    excluded=(order.created_by,),
                ),
            ),
        ),
    )


def check_release(txn: Transaction, ctx: Context, policy: CreditPolicy) -> tuple[Finding, ...]:
    """O2C-CR-06: a one-time release presented for an order must be valid to be used.

    A release that is consumed, expired, not yet valid, granted by someone without the
    release role or by the seller, or too small, holds the order for re-approval. A
    ``ReleaseOrder`` naming a release the context does not hold is blocked.
    """
    order = _order_of(txn)
    wanted = getattr(txn, "release_id", None)
    release = _release_for(txn, order, ctx)
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


def check_collection_letter(
    txn: Transaction, ctx: Context, policy: CreditPolicy
) -> tuple[Finding, ...]:
    """O2C-CR-07: a credit sale needs a signed collection-responsibility letter (单笔或汇总)."""
    order = _order_of(txn)
    if order.payment.method not in policy.credit_methods or order.collection_letter_ref:
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
    ones the office meeting (the highest band reached applies)."""
    order = _order_of(txn)
    if order.payment.method not in policy.credit_methods or not policy.major_sale_tiers:
        return _NONE
    tiers = policy.major_sale_tiers
    amount = ctx.convert(order.total, tiers[0].min_amount.currency)
    band = None
    for tier in tiers:
        if amount >= tier.min_amount:
            band = tier
    if band is None:
        return _NONE
    return (
        Finding(
            control_id="O2C-CR-08",
            outcome=Outcome.HOLD,
            message="credit.major_sale",
            params={"order": order.id, "amount": amount, "threshold": band.min_amount},
            facts={
                "order_total": amount,
                "band": band.min_amount,
                "roles": [s.role for s in band.approvals],
            },
            required=tuple(
                ApprovalRequirement(
                    control_id="O2C-CR-08",
                    role=s.role,
                    min_level=s.level,
                    document_id=order.id,
                    reason="credit.major_sale",
                    amount=str(order.total),
                    excluded=(order.created_by,),
                )
                for s in band.approvals
            ),
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
    if profile.proposed_by == txn.actor.id:
        blocks.append(("credit.profile_self_entered", {"actor": txn.actor.id}))
    if profile.proposed_by in profile.approved_by:
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
                    )
                    for s in policy.profile_approvals
                ),
            )
        )
    return tuple(out)


# -- the family -------------------------------------------------------------------------------

_ORDER_TXNS = (PlaceOrder.__name__, ReleaseOrder.__name__)
_CREDIT = "credit"
_OWNER = "credit management (finance) / 信用管理部门(财务)"
_A = Assertion

CONTROLS: tuple[Control, ...] = (
    Control(
        id="O2C-CR-01",
        title_zh="新客户默认高风险、零信用",
        title_en="New customer master data defaults to high risk / zero credit",
        objective_zh="未经信用审批的客户不得赊销。",
        objective_en="No credit sale to a customer whose credit was never approved.",
        activity_zh="下单时系统检查客户信用主数据;无信用档案的客户视为 {high_risk_grade} 级、零额度,赊销方式({credit_methods})一律阻止。",
        activity_en="At order entry the system reads the customer's credit master data; a customer without a profile is grade {high_risk_grade} with zero limit, and any credit method ({credit_methods}) is blocked.",
        risks=("R1.3",),
        kind=Kind.PREVENTIVE,
        frequency=Frequency.PER_TRANSACTION,
        key=False,
        automation=Automation.AUTOMATED,
        assertions=(_A.VALUATION, _A.OCCURRENCE),
        seeds=("S-IC 2.1",),
        g9=(5,),
        stage=_CREDIT,
        owner=_OWNER,
        evidence="decision log: BLOCK finding with customer, method and default grade",
        applies_to=_ORDER_TXNS,
        check=check_new_customer,
        messages={
            "credit.no_profile": (
                "客户 {customer} 无信用档案(默认高风险、零信用),不得以 {method} 方式赊销",
                "customer {customer} has no credit profile (high risk, zero credit by default): no credit sale by {method}",
            ),
        },
    ),
    Control(
        id="O2C-CR-02",
        title_zh="信用等级由不相容岗位提出与审批",
        title_en="Credit grade, limit and term proposed and approved by different people",
        objective_zh="信用等级、额度和期限的提出与审批相互分离,并经规定层级审批后由财务维护。",
        objective_en="Proposing and approving credit grade, limit and term are separate duties; approved at the required levels and entered by finance.",
        activity_zh="维护信用主数据时,系统要求维护人具有 {profile_maintainer_role} 角色、且不是提出人;须取得审批:{profile_approvals},提出人的审批无效。",
        activity_en="When credit master data is saved the system requires the maintainer to hold {profile_maintainer_role} and not be the proposer, and approvals from {profile_approvals}; the proposer's own approval does not count.",
        risks=("R1.3", "R2.1"),
        kind=Kind.PREVENTIVE,
        frequency=Frequency.PER_TRANSACTION,
        key=True,
        automation=Automation.AUTOMATED,
        assertions=(_A.VALUATION, _A.RIGHTS_AND_OBLIGATIONS),
        seeds=("S-IC 2.2", "S-CP 3.2.3"),
        g9=(4, 5),
        refs=("BN 29", "COSO P10", "COSO P12"),
        stage=_CREDIT,
        owner="credit management group / 信用管理领导小组",
        evidence="decision log: approvals (who, role, level, when) attached to the credit application",
        applies_to=(SetCreditProfile.__name__,),
        check=check_profile_duties,
        messages={
            "credit.profile_unknown_grade": (
                "信用等级 {grade} 不在策略等级表中",
                "credit grade {grade} is not one of the policy's grades",
            ),
            "credit.profile_maintainer": (
                "{actor} 不具备 {role} 角色,不得维护信用主数据",
                "{actor} does not hold {role} and may not maintain credit master data",
            ),
            "credit.profile_self_entered": (
                "提出人 {actor} 不得自行录入信用主数据(不相容职务)",
                "proposer {actor} may not enter the credit master data (incompatible duties)",
            ),
            "credit.profile_self_approved": (
                "提出人 {actor} 不得审批自己的信用方案(不相容职务)",
                "proposer {actor} may not approve their own credit proposal (incompatible duties)",
            ),
            "credit.profile_approval": (
                "客户 {customer} 的信用方案(等级 {grade},额度 {limit})须经审批",
                "credit proposal for {customer} (grade {grade}, limit {limit}) needs approval",
            ),
        },
    ),
    Control(
        id="O2C-CR-04",
        consumes_release=True,
        title_zh="赊销不得超出信用额度",
        title_en="Credit sale only within the approved limit",
        objective_zh="占用额度(在途订单、已发未开票、应收账款)加本单不超过批准的信用额度。",
        objective_en="Exposure (open orders, delivered not invoiced, open receivables) plus this order stays within the approved limit.",
        activity_zh="下单和释放时系统计算 {exposure_categories} 加本单金额,超出额度即冻结,须 {limit_approval_role}(级别 ≥ {limit_approval_level})重新审批或使用有效的一次性释放。",
        activity_en="At order entry and release the system adds {exposure_categories} and the order; over the limit the order is held for re-approval by {limit_approval_role} (level ≥ {limit_approval_level}) or a valid one-time release.",
        risks=("R1.3",),
        kind=Kind.PREVENTIVE,
        frequency=Frequency.PER_TRANSACTION,
        key=True,
        automation=Automation.AUTOMATED,
        assertions=(_A.VALUATION, _A.OCCURRENCE),
        seeds=("S-IC 2.3", "S-IC 5.1", "S-PM B"),
        g9=(5, 10),
        stage=_CREDIT,
        owner=_OWNER,
        evidence="decision log: limit, exposure by category, order amount, excess; approval or release that cleared it",
        applies_to=_ORDER_TXNS,
        check=check_credit_limit,
        messages={
            "credit.over_limit": (
                "客户 {customer} 超出信用额度 {limit},超额 {excess}",
                "customer {customer} would exceed the credit limit {limit} by {excess}",
            ),
            "credit.released": (
                "超额已由 {granted_by} 的一次性释放 {release} 放行",
                "over-limit released by one-time release {release} granted by {granted_by}",
            ),
            "credit.no_exposure": (
                "缺少客户 {customer} 的信用占用数据,无法检查额度(失败关闭)",
                "no credit exposure for customer {customer} in the context: cannot check the limit (fails closed)",
            ),
        },
    ),
    Control(
        id="O2C-CR-05",
        title_zh="信用天数检查",
        title_en="Credit days: customers with items overdue beyond the term are held",
        objective_zh="存在超期欠款的客户不得继续赊销,除非经批准。",
        objective_en="No further credit sale to a customer with overdue items, unless approved.",
        activity_zh="开单时系统检查最早逾期应收的到期日;逾期超过 {overdue_grace_days} 天即挂起,须 {overdue_approval_role}(级别 ≥ {overdue_approval_level})审批。",
        activity_en="At order entry the system reads the oldest overdue due date; more than {overdue_grace_days} days overdue holds the order for {overdue_approval_role} (level ≥ {overdue_approval_level}).",
        risks=("R1.3",),
        kind=Kind.PREVENTIVE,
        frequency=Frequency.PER_TRANSACTION,
        key=False,
        automation=Automation.AUTOMATED,
        assertions=(_A.VALUATION,),
        seeds=("S-PM B",),
        g9=(10,),
        stage=_CREDIT,
        owner=_OWNER,
        evidence="decision log: overdue amount, oldest due date, days overdue, approval",
        applies_to=_ORDER_TXNS,
        check=check_credit_days,
        messages={
            "credit.overdue": (
                "客户 {customer} 有逾期 {days} 天的欠款 {amount}",
                "customer {customer} has {amount} overdue by {days} days",
            ),
        },
    ),
    Control(
        id="O2C-CR-06",
        consumes_release=True,
        title_zh="超额须重新审批或一次性释放",
        title_en="Over-limit: re-approval, or a one-time release consumed once",
        objective_zh="超额订单只能经重新审批或财务信用主数据维护员的一次性释放放行,释放只能使用一次。",
        objective_en="An over-limit order goes ahead only after re-approval or a one-time release by the credit master-data maintainer, usable once.",
        activity_zh="释放须由 {release_role} 授予、限定订单、金额上限与有效期,且未被使用;否则挂起,须 {limit_approval_role} 重新审批。",
        activity_en="A release must be granted by {release_role} for that one order, within its maximum amount and before expiry, and unused; otherwise the order is held for re-approval by {limit_approval_role}.",
        risks=("R1.3",),
        kind=Kind.PREVENTIVE,
        frequency=Frequency.PER_TRANSACTION,
        key=True,
        automation=Automation.AUTOMATED,
        assertions=(_A.VALUATION, _A.OCCURRENCE),
        seeds=("S-IC 5.1",),
        g9=(4, 5),
        stage=_CREDIT,
        owner=_OWNER,
        evidence="decision log: release id, granter, expiry, consumed flag; journal consumption record",
        applies_to=_ORDER_TXNS,
        check=check_release,
        messages={
            "credit.release_consumed": (
                "一次性释放 {release} 已被使用过,不得再次使用",
                "one-time release {release} was already used and cannot be used again",
            ),
            "credit.release_expired": ("一次性释放 {release} 已过期", "one-time release {release} has expired"),
            "credit.release_not_yet_valid": (
                "一次性释放 {release} 尚未生效",
                "one-time release {release} is not yet valid",
            ),
            "credit.release_wrong_order": (
                "一次性释放 {release} 不是为本订单授予的",
                "one-time release {release} was granted for another order",
            ),
            "credit.release_granter_role": (
                "一次性释放 {release} 的授予人不是信用主数据维护员",
                "one-time release {release} was not granted by the credit master-data maintainer",
            ),
            "credit.release_granter_is_seller": (
                "一次性释放 {release} 由订单的销售人员本人授予(不相容职务)",
                "one-time release {release} was granted by the order's own seller (incompatible duties)",
            ),
            "credit.release_amount": (
                "一次性释放 {release} 的金额上限不足以覆盖本订单",
                "one-time release {release} does not cover the order's amount",
            ),
            "credit.release_missing": (
                "订单 {order} 引用的释放 {release} 不存在",
                "release {release} named for order {order} is not on hand",
            ),
        },
    ),
    Control(
        id="O2C-CR-07",
        title_zh="赊销签订货款回笼责任书",
        title_en="Credit sale requires a signed collection-responsibility letter",
        objective_zh="每笔赊销都有明确的货款回笼责任人。",
        objective_en="Every credit sale has a named person responsible for collection.",
        activity_zh="以赊销方式({credit_methods})下单时,系统要求订单或客户档案载明已签订的《货款回笼责任书》(单笔或汇总)。",
        activity_en="An order on credit terms ({credit_methods}) must cite a signed collection-responsibility letter, for the order or a summary letter on the customer's profile.",
        risks=("R1.3",),
        kind=Kind.PREVENTIVE,
        frequency=Frequency.PER_TRANSACTION,
        key=False,
        automation=Automation.IT_DEPENDENT,
        assertions=(_A.VALUATION, _A.RIGHTS_AND_OBLIGATIONS),
        seeds=("S-IC 2.3",),
        g9=(10,),
        stage=_CREDIT,
        owner="sales department / 营销部门",
        evidence="letter reference on the order or profile",
        applies_to=(PlaceOrder.__name__,),
        check=check_collection_letter,
        messages={
            "credit.no_collection_letter": (
                "赊销订单 {order} 未签订《货款回笼责任书》",
                "credit order {order} has no signed collection-responsibility letter",
            ),
        },
    ),
    Control(
        id="O2C-CR-08",
        title_zh="重大赊销分级审批",
        title_en="Major credit sales approved by the business VP and chief accountant; very large ones by the office meeting",
        objective_zh="重大赊销方案经分管领导和总会计师审批,特别重大的报办公会审定。",
        objective_en="Major credit sales are approved by the business VP and the chief accountant; very large ones by the office meeting.",
        activity_zh="赊销金额达到分级标准时系统挂起订单,须取得相应审批:{major_sale_tiers}。",
        activity_en="A credit order reaching a band is held for that band's approvals: {major_sale_tiers}.",
        risks=("R1.3",),
        kind=Kind.PREVENTIVE,
        frequency=Frequency.PER_TRANSACTION,
        key=True,
        automation=Automation.AUTOMATED,
        assertions=(_A.VALUATION, _A.OCCURRENCE),
        seeds=("S-CP 3.2.4",),
        g9=(4, 6),
        stage=_CREDIT,
        owner="business VP and chief accountant / 分管领导和总会计师",
        evidence="decision log: band, amount, approvals",
        applies_to=(PlaceOrder.__name__,),
        check=check_major_credit_sale,
        messages={
            "credit.major_sale": (
                "重大赊销 {order}:金额 {amount} 达到 {threshold} 档,须分级审批",
                "major credit sale {order}: {amount} reaches the {threshold} band and needs its approvals",
            ),
        },
    ),
    Control(
        id="O2C-CR-09",
        title_zh="结算方式信用占用",
        title_en="Payment-method risk: only methods allowed for the customer's grade",
        objective_zh="预收款、现款和信用证不占用信用;承兑交单、赊账、托收占用信用,只对相应等级的客户开放。",
        objective_en="Prepayment, cash and L/C consume no credit; D/A, open account and collection do, and are open only to customers of sufficient grade.",
        activity_zh="下单时系统按客户等级检查结算方式:{allowed_methods};占用信用的方式为 {credit_methods}。",
        activity_en="At order entry the system checks the payment method against the customer's grade: {allowed_methods}; methods consuming credit: {credit_methods}.",
        risks=("R1.3",),
        kind=Kind.PREVENTIVE,
        frequency=Frequency.PER_TRANSACTION,
        key=False,
        automation=Automation.AUTOMATED,
        assertions=(_A.VALUATION,),
        seeds=("S-FT 付款方式", "S-PM B"),
        g9=(5,),
        stage=_CREDIT,
        owner=_OWNER,
        evidence="decision log: grade, method, allowed methods",
        applies_to=(PlaceOrder.__name__,),
        check=check_payment_method,
        messages={
            "credit.method_not_allowed": (
                "客户 {customer}(等级 {grade})不得使用结算方式 {method}",
                "customer {customer} (grade {grade}) may not pay by {method}",
            ),
            "credit.unknown_grade": (
                "客户 {customer} 的信用等级 {grade} 未在策略中配置(失败关闭)",
                "credit grade {grade} of customer {customer} is not configured in the policy (fails closed)",
            ),
        },
    ),
)

FAMILY = Family(
    name="credit",
    title_zh="信用管理",
    title_en="Credit",
    policy_type=CreditPolicy,
    controls=CONTROLS,
)
