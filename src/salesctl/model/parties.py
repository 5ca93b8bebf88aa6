"""Who acts and who buys: actors, customers and their credit data, approvals on hand.

(S-IC 2.2, S-PM B; the approval rule itself lives in the gate.)
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from attrs import field, frozen

from salesctl._convert import OMIT_DEFAULT
from salesctl._validators import (
    FrozenMap,
    a_date,
    aware,
    each,
    each_ident,
    frozenmap_conv,
    frozenset_conv,
    ident,
    non_negative,
    opt_aware,
    opt_date,
    opt_ident,
    opt_text,
    text,
    tuple_conv,
    typed,
)
from salesctl.errors import CurrencyMismatch, InvalidInput
from salesctl.model.terms import CreditTerms, net
from salesctl.money import Money

__all__ = [
    "EXPOSURE_CATEGORIES",
    "Actor",
    "Approval",
    "CreditExposure",
    "CreditGroup",
    "CreditLimitChange",
    "CreditProfile",
    "Customer",
    "OpenReceivable",
    "profile_on",
]

#: The exposure categories, in a fixed order (OCA ``account_financial_risk`` names in brackets):
#: open orders and delivered not invoiced [orders not invoiced], open receivables [open and
#: unpaid invoices], overdue receivables [unpaid: a part of open receivables], draft invoices,
#: other receivables. ``overdue_receivables`` may carry a limit but never counts in the total
#: (it is already in ``open_receivables``).
EXPOSURE_CATEGORIES = (
    "open_orders",
    "delivered_not_invoiced",
    "open_receivables",
    "overdue_receivables",
    "draft_invoices",
    "other_receivables",
)


def _category_limits(inst: Any, a: Any, value: Any) -> None:
    if not isinstance(value, FrozenMap):
        raise InvalidInput("must be a mapping", path="CreditProfile.category_limits", value=value)
    cur = inst.limit.currency if isinstance(inst.limit, Money) else None
    for k, v in value.items():
        path = f"CreditProfile.category_limits.{k}"
        if k not in EXPOSURE_CATEGORIES:
            raise InvalidInput(
                f"unknown exposure category (known: {', '.join(EXPOSURE_CATEGORIES)})",
                path=path,
                value=k,
            )
        if not isinstance(v, Money) or v.is_negative:
            raise InvalidInput("must be an amount that is not negative", path=path, value=v)
        if v.currency != cur:
            raise CurrencyMismatch(f"must be in the limit's currency {cur}", path=path, value=str(v))


def _segment_profiles(inst: Any, _a: Any, value: Any) -> None:
    path = f"{type(inst).__name__}.segment_profiles"
    if not isinstance(value, FrozenMap):
        raise InvalidInput("must be a mapping", path=path, value=value)
    for k, v in value.items():
        if not isinstance(k, str) or not k.strip():
            raise InvalidInput("keys must be segment ids", path=path, value=k)
        if not isinstance(v, CreditProfile):
            raise InvalidInput("must be a CreditProfile", path=f"{path}.{k}", value=type(v).__name__)


@frozen
class Actor:
    """A person (or a body such as the office meeting) acting in a transaction.

    Attributes:
        id: stable identifier in the host (user id, employee number).
        roles: the roles the actor holds, e.g. ``{"sales_rep"}`` or ``{"credit_manager"}``.
        org_unit: the organisation unit, e.g. ``"east-section-2"``.
        authority_level: delegated authority level; higher may approve more (0 = none).
        name: display name for reports.
    """

    id: str = field(validator=ident)
    roles: frozenset[str] = field(converter=frozenset_conv, validator=each_ident)
    org_unit: str = field(default="", validator=typed(str))
    authority_level: int = field(default=0, validator=[typed(int), non_negative])
    name: str = field(default="", validator=typed(str))

    def has_role(self, role: str) -> bool:
        """True when the actor holds ``role``."""
        return role in self.roles


@frozen
class CreditProfile:
    """A customer's approved credit master data (S-IC 2.2).

    Attributes:
        grade: credit grade, one of the policy's grades (e.g. ``"A"``, ``"HIGH_RISK"``).
        limit: the approved credit limit.
        term_days: credit days: how long after invoicing an item falls due.
        reviewed_on: date of the last review of the customer's credit file.
        proposed_by: id of the actor who proposed grade, limit and term.
        approved_by: ids of the actors who approved them.
        collection_letter_ref: reference of a summary collection-responsibility letter
            (汇总《货款回笼责任书》) covering all credit sales to this customer, if any.
        maintained_by: id of the credit master-data maintainer who entered the profile in the
            system (信用主数据维护员), if the host records it (O2C-SD-01).
        terms: the approved payment terms (e.g. 月结 30 天), if more than a day count; when
            not given the terms are ``net(term_days)`` (see :attr:`credit_terms`).
        category_limits: limits per exposure category (:data:`EXPOSURE_CATEGORIES`), in the
            limit's currency, beside the total ``limit`` (O2C-CR-04; OCA
            ``account_financial_risk``); a category over its limit holds an order even when
            the total is within. Empty: the total alone.
    """

    grade: str = field(validator=text)
    limit: Money = field(validator=[typed(Money), non_negative])
    term_days: int = field(validator=[typed(int), non_negative])
    reviewed_on: dt.date = field(validator=a_date)
    proposed_by: str = field(validator=ident)
    approved_by: tuple[str, ...] = field(default=(), converter=tuple_conv, validator=each_ident)
    collection_letter_ref: str | None = field(default=None, validator=opt_text)
    maintained_by: str | None = field(default=None, validator=opt_ident)
    terms: CreditTerms | None = field(
        default=None, validator=typed(CreditTerms, optional=True), metadata={OMIT_DEFAULT: True}
    )
    category_limits: FrozenMap[str, Money] = field(
        default=FrozenMap(),
        converter=frozenmap_conv,
        validator=_category_limits,
        metadata={OMIT_DEFAULT: True},
    )

    @property
    def credit_terms(self) -> CreditTerms:
        """The approved terms: ``terms``, else ``net(term_days)``."""
        return self.terms if self.terms is not None else net(self.term_days)


@frozen
class CreditLimitChange:
    """One credit profile set for a customer (a ``SetCreditProfile``): the credit-limit history
    the ledger and the books keep, so the limit in force on any date can be shown (O2C-CR-03).

    Attributes:
        at: when it was entered.
        application_id: the credit application.
        profile: the profile set (grade, limit, term; who proposed and approved it).
        entered_by: who entered it (the credit master-data maintainer).
        approved: whether the gate allowed it (or no gate decided: the host posted it); a
            change not approved is kept as evidence but never in force.
    """

    at: dt.datetime = field(validator=aware)
    application_id: str = field(validator=ident)
    profile: CreditProfile = field(validator=typed(CreditProfile))
    entered_by: str = field(validator=ident)
    approved: bool = field(default=True, validator=typed(bool))


def profile_on(history: tuple[CreditLimitChange, ...] | list[CreditLimitChange], day: dt.date) -> (
    CreditProfile | None
):
    """The profile in force on ``day``: the last approved change entered on or before it
    (``None``: none yet). ``history`` is in the order the changes were entered."""
    found: CreditProfile | None = None
    for ch in history:
        if ch.approved and ch.at.date() <= day:
            found = ch.profile
    return found


@frozen
class Customer:
    """A customer, with its credit master data if it has any.

    Attributes:
        id: customer number in the host.
        name: customer name.
        credit_profile: the approved credit profile, or ``None`` for a customer whose credit
            was never set up (treated as high risk with zero credit, O2C-CR-01).
        created_on: date the master record was created.
        group_id: the customer group (客户集团) it belongs to: the id of the group's parent
            customer, whose credit profile is the group's limit (a parent names itself). Every
            member's exposure counts against the group's limit, and the member's own limit
            applies too (O2C-CR-04, -05, O2C-DL-04). ``None``: no group.
        segment_profiles: the customer's credit profile per credit segment (the selling
            companies the policy's ``[credit] segments`` puts together, ERPNext's limit per
            company, SAP's credit segment), by segment id; ``credit_profile`` stays the
            profile across all companies. Empty: one segment, the customer's whole exposure.
    """

    id: str = field(validator=ident)
    name: str = field(default="", validator=typed(str))
    credit_profile: CreditProfile | None = field(
        default=None, validator=typed(CreditProfile, optional=True)
    )
    created_on: dt.date | None = field(default=None, validator=opt_date)
    group_id: str | None = field(
        default=None, validator=opt_ident, metadata={OMIT_DEFAULT: True}
    )
    segment_profiles: FrozenMap[str, CreditProfile] = field(
        default=FrozenMap(),
        converter=frozenmap_conv,
        validator=_segment_profiles,
        metadata={OMIT_DEFAULT: True},
    )


@frozen
class OpenReceivable:
    """One open invoice of the customer, for the credit-days check (O2C-CR-05).

    A host that gives its open invoices lets salesctl compute their due dates from the payment
    terms itself (one due date per invoice, per check): under the invoice's ``terms`` and the
    customer's approved credit-profile terms, the earlier due date wins (see
    :func:`~salesctl.model.earliest_due`).

    Attributes:
        invoice_id: the invoice.
        issued_on: the invoice date.
        open_amount: what is still open of it (in the exposure's currency).
        terms: the payment terms of its order or contract, if the document states any (the
            customer's credit-profile terms apply in any case).
    """

    invoice_id: str = field(validator=ident)
    issued_on: dt.date = field(validator=a_date)
    open_amount: Money = field(validator=[typed(Money), non_negative])
    terms: CreditTerms | None = field(
        default=None, validator=typed(CreditTerms, optional=True), metadata={OMIT_DEFAULT: True}
    )


def _opt_non_negative(inst: Any, a: Any, value: Any) -> None:
    if value is not None:
        non_negative(inst, a, value)


def _exposures(_i: Any, a: Any, value: Any) -> None:
    if not isinstance(value, FrozenMap):
        raise InvalidInput("must be a mapping", path=f"CreditGroup.{a.name}", value=value)
    for k, v in value.items():
        if not isinstance(v, CreditExposure):
            raise InvalidInput(
                "must be a CreditExposure", path=f"CreditGroup.{a.name}.{k}", value=type(v).__name__
            )


def _open_items(inst: Any, a: Any, value: Any) -> None:
    each(OpenReceivable)(inst, a, value)
    cur = inst.open_orders.currency if isinstance(inst.open_orders, Money) else None
    for i, it in enumerate(value):
        if it.open_amount.currency != cur:
            raise CurrencyMismatch(
                f"all exposure amounts must be in {cur}",
                path=f"CreditExposure.open_items[{i}].open_amount",
                value=str(it.open_amount),
            )


@frozen
class CreditExposure:
    """A customer's credit exposure by category, as the host knows it now (S-PM B).

    All amounts are in the currency of the customer's credit limit.

    Attributes:
        open_orders: value of orders confirmed but not yet delivered.
        delivered_not_invoiced: value delivered but not yet invoiced.
        open_receivables: invoiced and not yet paid (including overdue items).
        overdue_receivables: the part of ``open_receivables`` past its due date.
        oldest_overdue_due: due date of the oldest overdue item, if any, as the host computed
            it.
        open_items: the open invoices, each with its date and terms, when the host gives them:
            O2C-CR-05 then computes their due dates itself and holds on the oldest overdue of
            either (``()``: the host's ``oldest_overdue_due`` alone).
        draft_invoices: invoices drafted but not yet posted (``None``: none reported, zero).
        other_receivables: other amounts the customer owes (other receivables, notes),
            ``None``: none reported (zero).
    """

    open_orders: Money = field(validator=[typed(Money), non_negative])
    delivered_not_invoiced: Money = field(validator=[typed(Money), non_negative])
    open_receivables: Money = field(validator=[typed(Money), non_negative])
    overdue_receivables: Money = field(validator=[typed(Money), non_negative])
    oldest_overdue_due: dt.date | None = field(default=None, validator=opt_date)
    open_items: tuple[OpenReceivable, ...] = field(
        default=(), converter=tuple_conv, validator=_open_items, metadata={OMIT_DEFAULT: True}
    )
    draft_invoices: Money | None = field(
        default=None,
        validator=[typed(Money, optional=True), _opt_non_negative],
        metadata={OMIT_DEFAULT: True},
    )
    other_receivables: Money | None = field(
        default=None,
        validator=[typed(Money, optional=True), _opt_non_negative],
        metadata={OMIT_DEFAULT: True},
    )

    def __attrs_post_init__(self) -> None:
        cur = self.open_orders.currency
        for name in (
            "delivered_not_invoiced",
            "open_receivables",
            "overdue_receivables",
            "draft_invoices",
            "other_receivables",
        ):
            v = getattr(self, name)
            if v is not None and v.currency != cur:
                raise CurrencyMismatch(
                    f"all exposure amounts must be in {cur}", path=f"CreditExposure.{name}"
                )
        if self.overdue_receivables > self.open_receivables:
            raise InvalidInput(
                "cannot exceed open_receivables",
                path="CreditExposure.overdue_receivables",
                value=str(self.overdue_receivables),
            )
        if self.overdue_receivables.amount and self.oldest_overdue_due is None:
            raise InvalidInput(
                "is required when overdue_receivables is not zero",
                path="CreditExposure.oldest_overdue_due",
            )

    @classmethod
    def none(cls, currency: str) -> CreditExposure:
        """No exposure at all, in ``currency``."""
        z = Money.zero(currency)
        return cls(z, z, z, z, None)

    @property
    def currency(self) -> str:
        """The exposure's currency."""
        return self.open_orders.currency

    def category(self, name: str) -> Money:
        """The amount of one exposure category (:data:`EXPOSURE_CATEGORIES`; zero when not
        reported)."""
        v: Money | None = getattr(self, name)
        return v if v is not None else Money.zero(self.open_orders.currency)


@frozen
class CreditGroup:
    """A customer group's credit standing, as the host (or the ledger) knows it now.

    The group's limit is its parent's credit profile; its exposure is the sum of every
    member's (the parent's included), in the currency of the parent's limit.

    Attributes:
        id: the group: its parent customer's id (a member's ``Customer.group_id``).
        profile: the parent's credit profile (``None``: the group has none, its members' own
            limits alone apply).
        exposure: the exposure of all members together.
        segment_profiles: the parent's credit profile per credit segment.
        segment_exposure: the exposure of all members together per credit segment.
        members: the member customers' ids (for the evidence).
    """

    id: str = field(validator=ident)
    profile: CreditProfile | None = field(validator=typed(CreditProfile, optional=True))
    exposure: CreditExposure = field(validator=typed(CreditExposure))
    segment_profiles: FrozenMap[str, CreditProfile] = field(
        default=FrozenMap(), converter=frozenmap_conv, validator=_segment_profiles
    )
    segment_exposure: FrozenMap[str, CreditExposure] = field(
        default=FrozenMap(), converter=frozenmap_conv, validator=_exposures
    )
    members: tuple[str, ...] = field(default=(), converter=tuple_conv, validator=each(str))


@frozen
class Approval:
    """An approval on hand for a document (the evidence that clears a HOLD).

    An approval clears a required approval only if the approver holds the required role and
    authority level, is not the proposer of the document, the approval is for this document,
    covers its amount and has not expired (see :mod:`salesctl.gate`).

    Attributes:
        id: approval id (workflow item, signature record).
        document_id: the document approved.
        role: the role in which the approver signs, e.g. ``"credit_manager"``.
        approver: the approving actor, with roles and authority level.
        granted_at: when it was given.
        expires_at: when it lapses (``None``: valid until used).
        max_amount: the largest document amount it covers (``None``: any amount).
        control_id: restrict it to one control's requirement (``None``: any requirement of
            that role on the document).
    """

    id: str = field(validator=ident)
    document_id: str = field(validator=ident)
    role: str = field(validator=ident)
    approver: Actor = field(validator=typed(Actor))
    granted_at: dt.datetime = field(validator=aware)
    expires_at: dt.datetime | None = field(default=None, validator=opt_aware)
    max_amount: Money | None = field(default=None, validator=typed(Money, optional=True))
    control_id: str | None = field(default=None, validator=opt_ident)
