"""The revenue family's policy (``[revenue]`` in the policy file)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from attrs import field, frozen

from salesctl._validators import each, frozenset_conv, non_negative, text, typed
from salesctl.model import DeliveryMode

__all__ = ["RevenuePolicy"]


@frozen
class RevenuePolicy:
    """Parameters of the revenue family (``[revenue]`` in the policy file).

    Attributes:
        logistics_modes: delivery modes for which a logistics receipt matched to the waybill
            on the goods issue proves delivery, as well as a customer-signed copy (S-YF 10–11;
            O2C-RR-02). For the other modes only the customer's signature does.
        consignment_needs_settlement: revenue on consignment stock (铺货) only on a confirmed
            month-end settlement (S-YF 11; O2C-RR-02).
        sales_invoice_within_days: days after a system invoice by which finance issues its
            sales invoice (O2C-RR-01).
        posting_within_days: days after a system invoice by which its revenue is in the
            general ledger (O2C-RR-01).
        revenue_role: who resolves invoice/ledger differences (O2C-RR-01).
        follow_up_level: the authority level of the follow-up roles above.
    """

    logistics_modes: frozenset[DeliveryMode] = field(
        default=frozenset({DeliveryMode.LOGISTICS, DeliveryMode.COURIER}),
        converter=frozenset_conv,
        validator=each(DeliveryMode),
    )
    consignment_needs_settlement: bool = field(default=True, validator=typed(bool))
    sales_invoice_within_days: int = field(default=0, validator=[typed(int), non_negative])
    posting_within_days: int = field(default=0, validator=[typed(int), non_negative])
    revenue_role: str = field(default="finance_head", validator=text)
    follow_up_level: int = field(default=3, validator=[typed(int), non_negative])

    #: The controls each field sets (see :mod:`salesctl.controls.weakening`).
    AFFECTS: ClassVar[Mapping[str, tuple[str, ...]]] = {
        "logistics_modes": ("O2C-RR-02",),
        "consignment_needs_settlement": ("O2C-RR-02",),
        "sales_invoice_within_days": ("O2C-RR-01",),
        "posting_within_days": ("O2C-RR-01",),
        "revenue_role": ("O2C-RR-01",),
        "follow_up_level": ("O2C-RR-01",),
    }
