"""Who acts and who buys: actors, customers and their credit data, approvals on hand.

(S-IC 2.2, S-PM B; the approval rule itself lives in the gate.)
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from attrs import field, frozen

from salesctl._convert import OMIT_DEFAULT
from salesctl._validators import (
    a_date,
    aware,
    each,
    each_ident,
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

__all__ = ["Actor", "Approval", "CreditExposure", "CreditProfile", "Customer", "OpenReceivable"]


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

    @property
    def credit_terms(self) -> CreditTerms:
        """The approved terms: ``terms``, else ``net(term_days)``."""
        return self.terms if self.terms is not None else net(self.term_days)


@frozen
class Customer:
    """A customer, with its credit master data if it has any.

    Attributes:
        id: customer number in the host.
        name: customer name.
        credit_profile: the approved credit profile, or ``None`` for a customer whose credit
            was never set up (treated as high risk with zero credit, O2C-CR-01).
        created_on: date the master record was created.
    """

    id: str = field(validator=text)
    name: str = field(default="", validator=typed(str))
    credit_profile: CreditProfile | None = field(
        default=None, validator=typed(CreditProfile, optional=True)
    )
    created_on: dt.date | None = field(default=None, validator=opt_date)


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

    invoice_id: str = field(validator=text)
    issued_on: dt.date = field(validator=a_date)
    open_amount: Money = field(validator=[typed(Money), non_negative])
    terms: CreditTerms | None = field(
        default=None, validator=typed(CreditTerms, optional=True), metadata={OMIT_DEFAULT: True}
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
    """

    open_orders: Money = field(validator=[typed(Money), non_negative])
    delivered_not_invoiced: Money = field(validator=[typed(Money), non_negative])
    open_receivables: Money = field(validator=[typed(Money), non_negative])
    overdue_receivables: Money = field(validator=[typed(Money), non_negative])
    oldest_overdue_due: dt.date | None = field(default=None, validator=opt_date)
    open_items: tuple[OpenReceivable, ...] = field(
        default=(), converter=tuple_conv, validator=_open_items, metadata={OMIT_DEFAULT: True}
    )

    def __attrs_post_init__(self) -> None:
        cur = self.open_orders.currency
        for name in ("delivered_not_invoiced", "open_receivables", "overdue_receivables"):
            if getattr(self, name).currency != cur:
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

    id: str = field(validator=text)
    document_id: str = field(validator=text)
    role: str = field(validator=ident)
    approver: Actor = field(validator=typed(Actor))
    granted_at: dt.datetime = field(validator=aware)
    expires_at: dt.datetime | None = field(default=None, validator=opt_aware)
    max_amount: Money | None = field(default=None, validator=typed(Money, optional=True))
    control_id: str | None = field(default=None, validator=opt_text)
