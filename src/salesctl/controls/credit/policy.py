"""The credit family's policy (``[credit]`` in the policy file)."""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping
from typing import Any, ClassVar

import attrs
from attrs import field, frozen

from salesctl._validators import (
    FrozenMap,
    each,
    frozenmap_conv,
    frozenset_conv,
    ident_problem,
    mapping,
    non_negative,
    text,
    tuple_conv,
    typed,
)
from salesctl.controls.weakening import (
    PROPOSER_ROLES,
    Weakening,
    at_proposer_level,
    order_lost,
    weakenings,
)
from salesctl.errors import InvalidInput
from salesctl.model import PaymentMethod
from salesctl.money import Money

__all__ = ["ApprovalStep", "CreditPolicy", "MajorSaleTier"]

# -- policy ---------------------------------------------------------------------------------

#: The categories that may count in the total (``overdue_receivables`` is a part of
#: ``open_receivables`` and may only carry a limit of its own, on the profile).
_CATEGORIES = (
    "open_orders",
    "delivered_not_invoiced",
    "open_receivables",
    "draft_invoices",
    "other_receivables",
)
_DEFAULT_CATEGORIES = frozenset(_CATEGORIES[:3])


def _segments(_i: Any, _a: Any, value: Any) -> None:
    if not isinstance(value, FrozenMap):
        raise InvalidInput("must be a table of segment = [companies]", path="segments", value=value)
    seen: dict[str, str] = {}
    for seg, companies in value.items():
        if not isinstance(seg, str) or not seg.strip():
            raise InvalidInput("segment ids must be text", path="segments", value=seg)
        if not isinstance(companies, tuple) or not companies:
            raise InvalidInput("must be a list of companies", path=f"segments.{seg}")
        for c in companies:
            if not isinstance(c, str) or not c.strip():
                raise InvalidInput("companies must be ids", path=f"segments.{seg}", value=c)
            if c in seen:
                raise InvalidInput(
                    f"company already in segment {seen[c]}", path=f"segments.{seg}", value=c
                )
            seen[c] = seg


def _segments_conv(value: Any) -> Any:
    if isinstance(value, Mapping):
        return FrozenMap(
            {k: tuple(v) if isinstance(v, list | tuple) else v for k, v in value.items()}
        )
    return value


@frozen
class ApprovalStep:
    """One approval a rule asks for.

    Attributes:
        role: the approving role (or, as the policy's ``[authority]`` allows, a higher role of
            the same line of authority).
        level: the lowest authority level that may approve.
        step: its place in the chain of sign-offs the rule asks for (:mod:`salesctl.approvals`):
            ``1``, ``2``, … in order (equal numbers: in parallel); ``0``: in any order.
    """

    role: str = field(validator=text)
    level: int = field(validator=[typed(int), non_negative])
    step: int = field(default=0, validator=[typed(int), non_negative])


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


def _positive_days(inst: Any, a: Any, value: Any) -> None:
    typed(int)(inst, a, value)
    if value < 1:
        raise InvalidInput("must be at least 1", path=f"CreditPolicy.{a.name}", value=value)


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
        max_review_interval_days: longest interval between credit-file reviews (O2C-CR-03).
        review_role: who reviews overdue credit files (O2C-CR-03).
        follow_up_level: the authority level of the review role (O2C-CR-03).
        segments: the credit segments: which selling companies share one (segment id → the
            companies, SAP's credit segments). A company in none is a segment of its own,
            named by its id. An order naming its ``company`` is also checked against the
            customer's profile for that segment (``Customer.segment_profiles``), if it has
            one (O2C-CR-04, -05, -06, -08, O2C-DL-04).
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
        default=_DEFAULT_CATEGORIES, converter=frozenset_conv, validator=_categories
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
            # S-IC 2.2: 经营销及财务部门负责人审核后,报分(子)公司经理审批
            ApprovalStep("marketing_head", 3, 1),
            ApprovalStep("finance_head", 3, 1),
            ApprovalStep("general_manager", 4, 2),
        ),
        converter=tuple_conv,
        validator=each(ApprovalStep),
    )
    max_review_interval_days: int = field(default=365, validator=_positive_days)
    review_role: str = field(default="credit_manager", validator=text)
    follow_up_level: int = field(default=3, validator=[typed(int), non_negative])
    segments: FrozenMap[str, tuple[str, ...]] = field(
        default=FrozenMap(), converter=_segments_conv, validator=_segments
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
        # The credit methods as a tuple: membership by identity (PaymentMethod members are
        # singletons compared by identity) without the Python-level Enum.__hash__ a frozenset
        # lookup calls; the same answer as ``in credit_methods``.
        object.__setattr__(
            self, "_methods", tuple(sorted(self.credit_methods, key=lambda m: m.value))
        )
        # The allowed methods per grade as tuples in a plain dict (O2C-CR-09): membership by
        # identity, without FrozenMap.get's and Enum.__hash__'s Python frames; the same
        # answers as ``allowed_methods.get(grade)`` and ``in``.
        object.__setattr__(
            self,
            "_allowed",
            {
                g: tuple(sorted(ms, key=lambda m: m.value))
                for g, ms in self.allowed_methods.items()
            },
        )
        # With two categories or more, one attrgetter reads them all (a tuple, in _cats order).
        object.__setattr__(
            self, "_cat_values", operator.attrgetter(*self._cats) if len(self._cats) > 1 else None
        )

        # The segment of each company named in ``segments``, prepared once at policy load.
        object.__setattr__(
            self,
            "_segment_of",
            FrozenMap({c: seg for seg, cs in self.segments.items() for c in cs}),
        )
        # Whether O2C-CR-04's approval requirement may be built the trusted way: its role is
        # a canonical role id, as ``ApprovalRequirement`` requires (a role the requirement
        # would refuse makes the check fail closed, so the check must build it validated).
        object.__setattr__(
            self, "_limit_role_ok", ident_problem(self.limit_approval_role) is None
        )
        # Whether the limit counts exactly the three default categories (each a required
        # field of CreditExposure): O2C-CR-04 then adds them without a loop.
        object.__setattr__(self, "_three", self._cats == _CATEGORIES[:3])

    _cats: tuple[str, ...] = field(init=False, eq=False, repr=False, default=())
    _methods: tuple[PaymentMethod, ...] = field(init=False, eq=False, repr=False, default=())
    _cat_values: Callable[[Any], tuple[Any, ...]] | None = field(
        init=False, eq=False, repr=False, default=None
    )
    _segment_of: FrozenMap[str, str] = field(
        init=False, eq=False, repr=False, factory=FrozenMap
    )
    _limit_role_ok: bool = field(init=False, eq=False, repr=False, default=False)
    _three: bool = field(init=False, eq=False, repr=False, default=False)
    _allowed: dict[str, tuple[PaymentMethod, ...]] = field(
        init=False, eq=False, repr=False, factory=dict
    )

    def segment_of(self, company: str) -> str:
        """The credit segment of a selling company (the company's own id when no segment of
        ``segments`` lists it)."""
        seg: str = self._segment_of.get(company, company)
        return seg

    #: The controls each field sets (see :mod:`salesctl.controls.weakening`).
    AFFECTS: ClassVar[Mapping[str, tuple[str, ...]]] = {
        "credit_methods": (
            "O2C-CR-01",
            "O2C-CR-04",
            "O2C-CR-05",
            "O2C-CR-06",
            "O2C-CR-07",
            "O2C-CR-08",
            "O2C-CR-09",
            "O2C-DL-04",
        ),
        "exposure_categories": ("O2C-CR-04", "O2C-CR-06", "O2C-CR-08", "O2C-DL-04"),
        "grades": ("O2C-CR-02",),
        "high_risk_grade": ("O2C-CR-01", "O2C-CR-09"),
        "allowed_methods": ("O2C-CR-09",),
        "limit_approval_role": ("O2C-CR-04", "O2C-CR-06", "O2C-DL-04"),
        "limit_approval_level": ("O2C-CR-04", "O2C-CR-06", "O2C-DL-04"),
        "release_role": ("O2C-CR-04", "O2C-CR-06"),
        "overdue_grace_days": ("O2C-CR-05",),
        "overdue_approval_role": ("O2C-CR-05",),
        "overdue_approval_level": ("O2C-CR-05",),
        "major_sale_tiers": ("O2C-CR-08",),
        "profile_maintainer_role": ("O2C-CR-02",),
        "profile_approvals": ("O2C-CR-02",),
        "max_review_interval_days": ("O2C-CR-03",),
        "review_role": ("O2C-CR-03",),
        "follow_up_level": ("O2C-CR-03",),
        "segments": ("O2C-CR-04", "O2C-CR-05", "O2C-CR-06", "O2C-CR-08", "O2C-DL-04"),
    }

    def weakened(self) -> tuple[Weakening, ...]:
        """What these values leave unable to fire (:mod:`salesctl.controls.weakening`)."""
        out: list[Weakening] = []
        if not self.credit_methods:
            out += weakenings(
                ("O2C-CR-01", "O2C-CR-04", "O2C-CR-05", "O2C-CR-07", "O2C-CR-08", "O2C-DL-04"),
                "credit_methods",
                "no payment method consumes credit: no order is ever a credit sale",
            )
        if not self.exposure_categories:
            out += weakenings(
                ("O2C-CR-04", "O2C-DL-04"),
                "exposure_categories",
                "no exposure counts against the limit: only the order itself is compared",
            )
        if self.overdue_grace_days > 365:
            out += weakenings(
                ("O2C-CR-05",), "overdue_grace_days", "a grace of more than a year holds no order"
            )
        if at_proposer_level(self.limit_approval_role, self.limit_approval_level):
            key = (
                "limit_approval_level" if self.limit_approval_level <= 0 else "limit_approval_role"
            )
            out += weakenings(
                ("O2C-CR-04", "O2C-CR-06"),
                key,
                "an over-limit order is re-approved at the proposer's level",
            )
        if self.release_role in PROPOSER_ROLES:
            out += weakenings(
                ("O2C-CR-04", "O2C-CR-06"),
                "release_role",
                "the proposer's peers grant one-time releases",
            )
        if at_proposer_level(self.overdue_approval_role, self.overdue_approval_level):
            key = (
                "overdue_approval_level"
                if self.overdue_approval_level <= 0
                else "overdue_approval_role"
            )
            out += weakenings(
                ("O2C-CR-05",), key, "overdue orders are approved at the proposer's level"
            )
        if not self.major_sale_tiers or any(
            at_proposer_level(s.role, s.level) for t in self.major_sale_tiers for s in t.approvals
        ):
            out += weakenings(
                ("O2C-CR-08",),
                "major_sale_tiers",
                "major credit sales need no approval above the proposer's level",
            )
        if not self.profile_approvals or any(
            at_proposer_level(s.role, s.level) for s in self.profile_approvals
        ):
            out += weakenings(
                ("O2C-CR-02",),
                "profile_approvals",
                "a credit profile is approved at the proposer's level",
            )
        elif order_lost(
            self.profile_approvals, attrs.fields(CreditPolicy).profile_approvals.default
        ):
            out += weakenings(
                ("O2C-CR-02",),
                "profile_approvals",
                "the sign-offs may come in any order: the seed has the general manager sign last",
            )
        return tuple(out)
