"""Contracts held frozen (issue 16, the bounded target): a contract and its contract-ledger
account, not read for a week (between two weekly sweeps), held as one text instead of the
objects.

The ledger keeps every contract of its customers for the whole stream (a later receipt,
claim, invoice or goods issue may name any of them; see :class:`~salesctl.ledger.Ledger`),
so the contracts are what grows with a year once the retention windows have filled: a
:class:`~salesctl.ledger.state.ContractState`, its :class:`~salesctl.model.Contract`, the
contract's amounts as :class:`~salesctl.money.Money` and ``Decimal``, the amount collected and
the commissions paid took about 700 bytes a contract. Frozen, the contract's values but its id
(the key it is held under) are one text of about 100 characters: its customer, amounts, dates,
application and order, and indexes into a table of what contracts share — its lines, and one
for its currency, payment terms, drafter, status, form, template, deviation and sales policy
together (each built again as the very instance it was). The amounts are mostly shared with
the documents of the day (the decoder's table of amounts): what a frozen contract lets go of
is its objects, and its amounts once nothing else holds them.

:meth:`ColdContracts.thaw` builds the state again: the same types, equal, the same ``repr``;
the amounts of the same digits and exponent (``Decimal`` text round-trips exactly), the
ledger's shared zero (what a new contract's amount collected and commissions paid start from)
as it (the empty text), any other zero as written. A contract whose values the text cannot hold exactly is not frozen (held as
objects, as before): one whose id is not the key, a text holding the
separator, an optional text that is empty (it would read back as none), an amount not finite
or not a ``Decimal``, a first payment in another currency, a date that is a ``datetime``, a
value of another type than the model's.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from salesctl.ledger.state import ZERO, ContractState
from salesctl.model import (
    Contract,
    ContractForm,
    ContractStatus,
    PaymentTerms,
    TemplateDeviation,
)
from salesctl.money import Money

__all__ = ["CONTRACTS_COLD", "ColdContracts"]

#: Whether the week's sweep holds the contracts held as objects frozen (``False``: every
#: contract held as objects, for comparison).
CONTRACTS_COLD = True

#: The separator of a frozen contract's fields (the unit separator: no id holds it).
SEP = "\x1f"

#: Contract's attributes set when a frozen one is built again (all of them, in order).
_FIELDS = tuple(a.name for a in Contract.__attrs_attrs__)
assert _FIELDS == (
    "id",
    "customer_id",
    "amount",
    "payment",
    "created_by",
    "status",
    "form",
    "template_id",
    "deviation",
    "application_id",
    "sales_policy_ref",
    "order_id",
    "signed_on",
    "first_payment",
    "lines",
), _FIELDS


def _plain(value: Any) -> bool:
    """A required text the frozen form holds as it is."""
    return type(value) is str and SEP not in value


def _optional(value: Any) -> bool:
    """An optional text the frozen form holds as it is (``None`` as the empty text)."""
    return value is None or (type(value) is str and value != "" and SEP not in value)


def _amount(value: Any) -> bool:
    """A ``Decimal`` whose text builds it again digit for digit."""
    return type(value) is Decimal and value.is_finite()


def _money(value: Any) -> bool:
    return type(value) is Money and _amount(value.amount) and _plain(value.currency)


class ColdContracts:
    """Freezes a contract's state into text and builds it again (see the module).

    One per ledger: it holds the table of payment terms and lines its texts index.
    """

    __slots__ = ("_at", "_held", "_shapes", "read", "warm")

    def __init__(self) -> None:
        #: The payment terms and contract lines the texts name, by their index (held here,
        #: so that each is built again as the same instance), and the index of each by its
        #: ``id`` (they are shared: a demo year's first 100,000 lines name 426 contract lines
        #: in 6,839 places).
        self._held: list[Any] = []
        self._at: dict[int, int] = {}
        self._shapes: dict[tuple[Any, ...], str] = {}
        #: The contracts held as objects (new, or built again since they were frozen), and
        #: those read since the last sweep (kept as objects by it).
        self.warm: dict[str, None] = {}
        self.read: dict[str, None] = {}

    def state_of(
        self, contracts: dict[str, ContractState | str], contract_id: str
    ) -> ContractState | None:
        """The state held under ``contract_id`` in ``contracts`` (built again and held as
        objects when it was frozen), or ``None``; read (not frozen by the next sweep)."""
        got = contracts.get(contract_id)
        if got is None:
            return None
        self.read[contract_id] = None
        if type(got) is str:
            got = contracts[contract_id] = self.thaw(contract_id, got)
            self.warm[contract_id] = None
        return got  # type: ignore[return-value]

    def hold(self, contracts: dict[str, ContractState | str], state: ContractState) -> None:
        """Hold a new contract's state in ``contracts`` (under its id, as objects; read)."""
        contracts[state.contract.id] = state
        self.warm[state.contract.id] = None
        self.read[state.contract.id] = None

    def sweep(self, contracts: dict[str, ContractState | str]) -> None:
        """The week's sweep: the contracts held as objects and not read since the last sweep
        frozen, and the accounts of the others let go (a contract's account is cached for the
        days it is in use, and built again, equal, when it is named again)."""
        if not CONTRACTS_COLD:
            for k in contracts.values():
                if not isinstance(k, str):
                    k.account = None
            self.warm.clear()
            self.read.clear()
            return
        warm: dict[str, None] = {}
        read = self.read
        for cid in self.warm:
            held = contracts.get(cid)
            if held is None or isinstance(held, str):
                continue
            text = None if cid in read else self.freeze(cid, held)
            if text is None:
                held.account = None
                warm[cid] = None  # kept as objects: its account let go each week
            else:
                contracts[cid] = text
        self.warm = warm
        self.read = {}

    def _index(self, value: Any) -> str:
        at = self._at.get(id(value))
        if at is None:
            at = self._at[id(value)] = len(self._held)
            self._held.append(value)
        return str(at)

    def freeze(self, contract_id: str, state: ContractState) -> str | None:
        """The text of ``state`` (held under ``contract_id``), or ``None`` when it cannot be
        built again exactly from one (then it stays as it is)."""
        k = state.contract
        if (
            type(k) is not Contract
            or k.id != contract_id
            or type(k.lines) is not tuple
            or not (
                _plain(k.customer_id)
                and _plain(k.created_by)
                and _optional(k.template_id)
                and _optional(k.application_id)
                and _optional(k.sales_policy_ref)
                and _optional(k.order_id)
                and _money(k.amount)
                and (
                    k.first_payment is None
                    or (_money(k.first_payment) and k.first_payment.currency == k.amount.currency)
                )
                and type(k.status) is ContractStatus
                and type(k.form) is ContractForm
                and type(k.deviation) is TemplateDeviation
                and type(k.payment) is PaymentTerms
                and (k.signed_on is None or type(k.signed_on) is dt.date)
                and type(state.last_touched) is dt.date
                and _amount(state.collected)
                and _amount(state.commissions_paid)
            )
        ):
            return None
        index = self._index
        fp = k.first_payment
        cur = k.amount.currency
        # what contracts share (the currency, terms, drafter, status, form, template, deviation
        # and sales policy): one index of the table
        shared = (k.created_by, k.status, k.form, k.template_id, k.deviation, k.sales_policy_ref)
        key = (cur, id(k.payment), *shared)
        shape = self._shapes.get(key)
        if shape is None:
            shape = self._shapes[key] = index((cur, k.payment, *shared))
        return SEP.join(
            (
                k.customer_id,
                str(k.amount.amount),
                shape,
                k.application_id or "",
                k.order_id or "",
                k.signed_on.isoformat() if k.signed_on is not None else "",
                str(fp.amount) if fp is not None else "",
                "" if state.collected is ZERO else str(state.collected),
                "" if state.commissions_paid is ZERO else str(state.commissions_paid),
                state.last_touched.isoformat(),
                ",".join(map(index, k.lines)),
            )
        )

    def thaw(self, contract_id: str, text: str) -> ContractState:
        """The state frozen into ``text`` under ``contract_id``, built again."""
        (
            customer_id,
            amount,
            shape,
            application_id,
            order_id,
            signed_on,
            first_payment,
            collected,
            commissions,
            last_touched,
            lines,
        ) = text.split(SEP)
        held = self._held
        cur, payment, created_by, status, form, template_id, deviation, policy_ref = held[
            int(shape)
        ]
        values = (
            contract_id,
            customer_id,
            Money._trusted(Decimal(amount), cur),
            payment,
            created_by,
            status,
            form,
            template_id,
            deviation,
            application_id or None,
            policy_ref,
            order_id or None,
            dt.date.fromisoformat(signed_on) if signed_on else None,
            Money._trusted(Decimal(first_payment), cur) if first_payment else None,
            tuple([held[int(i)] for i in lines.split(",")]) if lines else (),
        )
        k = object.__new__(Contract)
        put = object.__setattr__
        for name, value in zip(_FIELDS, values, strict=True):
            put(k, name, value)
        return ContractState(
            k,
            Decimal(collected) if collected else ZERO,
            Decimal(commissions) if commissions else ZERO,
            dt.date.fromisoformat(last_touched),
        )
