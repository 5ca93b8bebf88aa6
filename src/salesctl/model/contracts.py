"""Sales contracts, the contract seal's use register, the contract ledger and the commission
earned on contracts (S-IC 4.1, S-K1 2–4, 9, 11)."""

from __future__ import annotations

import datetime as dt
import enum
from decimal import Decimal
from typing import Any

from attrs import field, frozen

from salesctl._validators import (
    a_date,
    aware,
    decimal_conv,
    each,
    frozenset_conv,
    ident,
    non_negative,
    opt_date,
    opt_ident,
    opt_text,
    positive,
    ratio,
    tuple_conv,
    typed,
)
from salesctl.errors import CurrencyMismatch, InvalidInput
from salesctl.model._checks import same_currency
from salesctl.model.orders import OrderLine, PaymentTerms
from salesctl.model.parties import Actor
from salesctl.money import Money
from salesctl.wording import term

__all__ = [
    "CommissionClaim",
    "Contract",
    "ContractAccount",
    "ContractForm",
    "ContractStatus",
    "SealKind",
    "SealUse",
    "SigningAuthority",
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

    id: str = field(validator=ident)
    customer_id: str = field(validator=ident)
    amount: Money = field(validator=[typed(Money), positive])
    payment: PaymentTerms = field(validator=typed(PaymentTerms))
    created_by: str = field(validator=ident)
    status: ContractStatus = field(default=ContractStatus.DRAFT, validator=typed(ContractStatus))
    form: ContractForm = field(default=ContractForm.WRITTEN, validator=typed(ContractForm))
    template_id: str | None = field(default=None, validator=opt_ident)
    deviation: TemplateDeviation = field(
        default=TemplateDeviation.NONE, validator=typed(TemplateDeviation)
    )
    application_id: str | None = field(default=None, validator=opt_ident)
    sales_policy_ref: str | None = field(default=None, validator=opt_text)
    order_id: str | None = field(default=None, validator=opt_ident)
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


class SealKind(enum.Enum):
    """The kind of seal put on a contract (S-K1 3: 合同章由销售业务科负责管理)."""

    #: The contract seal (合同专用章), the seal a sales contract is sealed with.
    CONTRACT = "contract_seal"
    #: The company seal (公章); accepted on contracts only where the policy says so.
    COMPANY = "company_seal"


@frozen
class SealUse:
    """One entry of the seal-use register (用印登记): a seal put on a contract by its custodian.

    S-K1 3 puts the contract seal in a custodian's keeping (合同章由销售业务科负责管理); the
    host records each use when the custodian seals the contract, and passes the entry with the
    :class:`~salesctl.transactions.SignContract` that sends the contract out (O2C-CT-05).

    Attributes:
        id: the register entry's id (用印登记号).
        contract_id: the contract sealed.
        seal_id: the physical seal used, e.g. ``"SEAL-CT-01"``.
        custodian: the person who keeps the seal and used it, with roles and authority level.
        used_at: when the seal was put on the contract (timezone-aware).
        kind: the kind of seal (the contract seal, 合同专用章, by default).
        registered_by: id of who entered the use in the register, when not the custodian
            (``None``: the custodian did).
    """

    id: str = field(validator=ident)
    contract_id: str = field(validator=ident)
    seal_id: str = field(validator=ident)
    custodian: Actor = field(validator=typed(Actor))
    used_at: dt.datetime = field(validator=aware)
    kind: SealKind = field(default=SealKind.CONTRACT, validator=typed(SealKind))
    registered_by: str | None = field(default=None, validator=opt_ident)

    def bilingual(self) -> str:
        """The entry as an ``"english / 中文"`` message parameter (a finding's sentence shows
        the half of its language)."""
        at = self.used_at.isoformat()
        kind = self.kind.value
        return (
            f"{self.id}: {term(kind, 'en')} {self.seal_id} on {self.contract_id} by "
            f"{self.custodian.id} at {at} / {term(kind, 'zh')} {self.seal_id}（登记 {self.id}，"
            f"合同 {self.contract_id}，用印人 {self.custodian.id}，时间 {at}）"
        )


def _opt_limit(_i: Any, _a: Any, value: Any) -> None:
    if value is None:
        return
    if not isinstance(value, Money):
        raise InvalidInput("must be an amount", path="SigningAuthority.max_amount", value=value)
    if not value.amount > 0:
        raise InvalidInput(
            "must be above zero", path="SigningAuthority.max_amount", value=str(value)
        )


@frozen
class SigningAuthority:
    """One line of the signing-authority table (按规定权限对外签订, S-IC 4.1; O2C-CT-05).

    A line authorises the holders of a role, or one named person (by a written authorisation,
    授权委托书), to sign contracts externally up to an amount, in some forms and on some
    templates. The policy holds the table (``[contracts] signing_authorities``).

    Attributes:
        role: the role whose holders it authorises (``None`` when it names a person).
        person: the id of the one person it authorises (``None`` when it names a role).
        min_level: the lowest authority level the signer must hold.
        max_amount: the largest contract amount it covers (``None``: any amount); a contract
            in another currency is converted with the context's rates.
        forms: the contract forms it covers (empty: every form).
        templates: the contract templates (contract types) it covers (empty: every template).
        power_of_attorney: the reference of the written authorisation (授权委托书) behind
            it, if any; stated as evidence in the decision.
    """

    role: str | None = field(default=None, validator=opt_text)
    person: str | None = field(default=None, validator=opt_ident)
    min_level: int = field(default=0, validator=[typed(int), non_negative])
    max_amount: Money | None = field(default=None, validator=_opt_limit)
    forms: frozenset[ContractForm] = field(
        default=frozenset(), converter=frozenset_conv, validator=each(ContractForm)
    )
    templates: frozenset[str] = field(
        default=frozenset(), converter=frozenset_conv, validator=each(str)
    )
    power_of_attorney: str | None = field(default=None, validator=opt_text)

    def __attrs_post_init__(self) -> None:
        if (self.role is None) == (self.person is None):
            raise InvalidInput(
                "names either a role or a person, not both or neither",
                path="SigningAuthority.role",
                value=self.role,
            )

    def describe(self) -> str:
        """The line as evidence text, e.g. ``"role sales_manager (level ≥ 2) up to 100000.00
        CNY"``."""
        who = f"role {self.role}" if self.role is not None else f"person {self.person}"
        out = f"{who} (level ≥ {self.min_level}) "
        out += f"up to {self.max_amount}" if self.max_amount is not None else "any amount"
        if self.forms:
            out += ", forms " + "/".join(sorted(f.value for f in self.forms))
        if self.templates:
            out += ", templates " + "/".join(sorted(self.templates))
        if self.power_of_attorney is not None:
            out += f", power of attorney {self.power_of_attorney}"
        return out

    def bilingual(self) -> str:
        """The line as an ``"english / 中文"`` message parameter (a finding's sentence shows the
        half of its language), e.g. ``"role sales_manager (level ≥ 2) up to 100000.00 CNY /
        销售经理（权限级别 ≥ 2），金额上限 100000.00 CNY"``."""
        zh = term(self.role, "zh") if self.role is not None else f"{self.person}"
        zh += f"（权限级别 ≥ {self.min_level}）"
        zh += f"，金额上限 {self.max_amount}" if self.max_amount is not None else "，金额不限"
        if self.forms:
            zh += "，合同形式 " + "/".join(sorted(f.value for f in self.forms))
        if self.templates:
            zh += "，范本 " + "/".join(sorted(self.templates))
        if self.power_of_attorney is not None:
            zh += f"，授权委托书 {self.power_of_attorney}"
        return f"{self.describe()} / {zh}"


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

    id: str = field(validator=ident)
    salesperson_id: str = field(validator=ident)
    amount: Money = field(validator=[typed(Money), positive])
    rate: Decimal = field(converter=decimal_conv, validator=ratio)
    prepared_by: str = field(validator=ident)
    prepared_on: dt.date = field(validator=a_date)
    contract_id: str | None = field(default=None, validator=opt_ident)
