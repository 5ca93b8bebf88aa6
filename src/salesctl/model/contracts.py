"""Sales contracts, the contract ledger and the commission earned on contracts (S-IC 4.1,
S-K1 2–4, 9, 11)."""

from __future__ import annotations

import datetime as dt
import enum
from decimal import Decimal

from attrs import field, frozen

from salesctl._validators import (
    a_date,
    decimal_conv,
    each,
    ident,
    non_negative,
    opt_date,
    opt_text,
    positive,
    ratio,
    text,
    tuple_conv,
    typed,
)
from salesctl.errors import CurrencyMismatch, InvalidInput
from salesctl.model._checks import same_currency
from salesctl.model.orders import OrderLine, PaymentTerms
from salesctl.money import Money

__all__ = [
    "CommissionClaim",
    "Contract",
    "ContractAccount",
    "ContractForm",
    "ContractStatus",
    "TemplateDeviation",
]


class ContractForm(enum.Enum):
    """The form a sales contract takes (S-IC 4.1, S-K1 3)."""

    #: A written contract text (文本合同), signed and sealed.
    WRITTEN = "written"
    #: An electronic contract (data message); counts as written only if the policy says so.
    ELECTRONIC = "electronic"
    #: An oral agreement, or none beyond the order itself.
    ORAL = "oral"


class TemplateDeviation(enum.Enum):
    """How a contract departs from the legal-approved template (S-IC 4.1)."""

    #: The template as approved.
    NONE = "none"
    #: Textual changes (文字性修改): reviewed by the same-level legal function.
    TEXTUAL = "textual"
    #: Substantive changes (实质性修改) to rights and obligations: reviewed by HQ legal.
    SUBSTANTIVE = "substantive"


class ContractStatus(enum.Enum):
    """Where a sales contract stands."""

    #: Drafted, not yet signed (the state a contract is in when :class:`SignContract` asks).
    DRAFT = "draft"
    #: Approved and signed (合同签批): production, delivery and commission may rest on it.
    SIGNED = "signed"
    #: Performed and closed.
    CLOSED = "closed"
    #: Cancelled or terminated.
    CANCELLED = "cancelled"


@frozen
class Contract:
    """A sales contract (销售合同, S-IC 4.1, S-K1 2–3).

    Drafted from the contract application (合同申报单) by the sales office on the
    legal-approved template, approved, co-signed by finance and then signed.

    Attributes:
        id: document id.
        customer_id: the customer.
        amount: the contract price.
        payment: payment method and credit days agreed.
        created_by: id of the actor who drafted it (the proposer; may not approve it).
        status: draft, signed, closed or cancelled.
        form: written, electronic or oral (O2C-CT-01).
        template_id: the legal-approved template it was drafted on (``None``: no template).
        deviation: how it departs from the template (O2C-CT-02).
        application_id: the contract application (合同申报单) it rests on (O2C-CT-03).
        sales_policy_ref: the sales policy (销售政策) the application relies on (S-K1 1–2).
        order_id: the customer order it confirms, if any.
        signed_on: the day it was signed (``None`` for a draft).
        first_payment: the first instalment (首期款) agreed, if any (O2C-SV-01).
        lines: what is sold (optional; production orders are checked against it when given).
    """

    id: str = field(validator=text)
    customer_id: str = field(validator=text)
    amount: Money = field(validator=[typed(Money), positive])
    payment: PaymentTerms = field(validator=typed(PaymentTerms))
    created_by: str = field(validator=ident)
    status: ContractStatus = field(default=ContractStatus.DRAFT, validator=typed(ContractStatus))
    form: ContractForm = field(default=ContractForm.WRITTEN, validator=typed(ContractForm))
    template_id: str | None = field(default=None, validator=opt_text)
    deviation: TemplateDeviation = field(
        default=TemplateDeviation.NONE, validator=typed(TemplateDeviation)
    )
    application_id: str | None = field(default=None, validator=opt_text)
    sales_policy_ref: str | None = field(default=None, validator=opt_text)
    order_id: str | None = field(default=None, validator=opt_text)
    signed_on: dt.date | None = field(default=None, validator=opt_date)
    first_payment: Money | None = field(default=None, validator=typed(Money, optional=True))
    lines: tuple[OrderLine, ...] = field(
        default=(), converter=tuple_conv, validator=each(OrderLine)
    )

    def __attrs_post_init__(self) -> None:
        cur = self.amount.currency
        if self.first_payment is not None:
            if self.first_payment.currency != cur:
                raise CurrencyMismatch(
                    f"must be in {cur}",
                    path="Contract.first_payment",
                    value=str(self.first_payment),
                )
            if not self.first_payment.amount > 0 or self.first_payment > self.amount:
                raise InvalidInput(
                    "must be above zero and not above amount",
                    path="Contract.first_payment",
                    value=str(self.first_payment),
                )
        seen: set[int] = set()
        for i, line in enumerate(self.lines):
            if line.unit_price.currency != cur:
                raise CurrencyMismatch(
                    f"must be in {cur}",
                    path=f"Contract.lines[{i}].unit_price",
                    value=line.unit_price.currency,
                )
            if line.line_no in seen:
                raise InvalidInput(
                    "duplicate line number", path=f"Contract.lines[{i}].line_no", value=line.line_no
                )
            seen.add(line.line_no)

    @property
    def is_signed(self) -> bool:
        """True when the contract is approved and signed (and not cancelled or closed)."""
        return self.status is ContractStatus.SIGNED


@frozen
class ContractAccount:
    """A contract's line in the contract ledger (合同台帐, S-K1 4, 11): its price and what the
    customer has paid on it so far.

    Attributes:
        value: the contract price.
        collected: the amount collected on the contract (货款回收), in the same currency.
    """

    value: Money = field(validator=[typed(Money), positive])
    collected: Money = field(validator=[typed(Money), non_negative])

    def __attrs_post_init__(self) -> None:
        same_currency("ContractAccount", self.value, ("collected", self.collected))


@frozen
class CommissionClaim:
    """A salesperson's commission slip (业务员个人提成单, S-K1 9).

    Attributes:
        id: document id.
        salesperson_id: the salesperson to be paid.
        amount: the commission claimed now.
        rate: the commission rate on amounts collected (a fraction: 3 % is ``0.03``).
        prepared_by: id of the actor who filled it in (the sales office).
        prepared_on: the day it was filled in.
        contract_id: the contract the commission is earned on (``None``: none; O2C-CM-01
            blocks it — no contract, no commission).
    """

    id: str = field(validator=text)
    salesperson_id: str = field(validator=ident)
    amount: Money = field(validator=[typed(Money), positive])
    rate: Decimal = field(converter=decimal_conv, validator=ratio)
    prepared_by: str = field(validator=ident)
    prepared_on: dt.date = field(validator=a_date)
    contract_id: str | None = field(default=None, validator=opt_text)
