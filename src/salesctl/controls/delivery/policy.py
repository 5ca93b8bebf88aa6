"""The delivery family's policy (``[delivery]`` in the policy file)."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import ClassVar

from attrs import field, frozen

from salesctl._validators import (
    decimal_conv,
    each,
    frozenset_conv,
    non_negative,
    ratio,
    text,
    typed,
)
from salesctl.control import FROM_FAMILY
from salesctl.controls.credit import CreditPolicy
from salesctl.controls.weakening import Weakening, at_proposer_level, weakenings

__all__ = ["DeliveryPolicy"]

# -- policy ---------------------------------------------------------------------------------


@frozen
class DeliveryPolicy:
    """Parameters of the delivery family (``[delivery]`` in the policy file).

    Attributes:
        approval_role: who signs a delivery notice (S-K1 8: 销售部经理签批; O2C-DL-01).
        approval_level: the authority level that signature needs.
        max_validity_days: the longest validity period a notice may state, in days from its
            issue date (O2C-DL-01).
        quantity_tolerance: how far, as a fraction, a notice may exceed the order line and a
            goods issue the notice line (销量容差; O2C-DL-01, -02). ``0`` means exactly.
        require_qc_certificate: goods may leave only from lots that entered stock with a QC
            certificate (O2C-DL-03).
        min_remaining_days: a lot with fewer days of shelf life left is treated as expired and
            never shipped; ``0`` allows shipping on the expiry day itself (O2C-DL-05).
        near_expiry_days: a lot within this many days of its expiry date is near expiry and
            must ship before later-expiring lots of the product (O2C-DL-05).
        strict_fefo: when true, every earlier-expiring lot must ship first, near expiry or
            not (first-expired, first-out).
        fefo_override_role: who may approve shipping a later lot first (O2C-DL-05).
        fefo_override_level: the authority level that approval needs.
        credit: the credit family's parameters in force (``[credit]``), filled in by
            :class:`~salesctl.policy.Policy` when it is built (``None`` in a delivery policy
            built on its own, which O2C-DL-04 refuses); not a key of ``[delivery]``.
        max_shipment_difference: largest |actual − system| shipped quantity of a product in
            a month that is not an exception (O2C-DL-06).
        shipment_role: who investigates shipment differences (O2C-DL-06).
        follow_up_level: the authority level of the follow-up roles above.
        centrally_sold: ids of the centrally sold products (集中销售化工产品, S-IC 1.1, 5.1): the
            regional chemical sales branch sells them, and they leave only against a valid
            pickup order or an IC card with enough prepaid balance (O2C-DL-07). Empty: none.
    """

    approval_role: str = field(default="sales_manager", validator=text)
    approval_level: int = field(default=2, validator=[typed(int), non_negative])
    max_validity_days: int = field(default=30, validator=[typed(int), non_negative])
    quantity_tolerance: Decimal = field(
        default=Decimal("0.03"), converter=decimal_conv, validator=ratio
    )
    require_qc_certificate: bool = field(default=True, validator=typed(bool))
    min_remaining_days: int = field(default=0, validator=[typed(int), non_negative])
    near_expiry_days: int = field(default=30, validator=[typed(int), non_negative])
    strict_fefo: bool = field(default=False, validator=typed(bool))
    fefo_override_role: str = field(default="warehouse_manager", validator=text)
    fefo_override_level: int = field(default=2, validator=[typed(int), non_negative])
    max_shipment_difference: Decimal = field(
        default=Decimal("0"), converter=decimal_conv, validator=[typed(Decimal), non_negative]
    )
    shipment_role: str = field(default="marketing_head", validator=text)
    follow_up_level: int = field(default=3, validator=[typed(int), non_negative])
    centrally_sold: frozenset[str] = field(
        default=frozenset(), converter=frozenset_conv, validator=each(str)
    )
    credit: CreditPolicy | None = field(
        init=False, default=None, eq=False, repr=False, metadata={FROM_FAMILY: "credit"}
    )

    #: The controls each field sets (see :mod:`salesctl.controls.weakening`).
    AFFECTS: ClassVar[Mapping[str, tuple[str, ...]]] = {
        "approval_role": ("O2C-DL-01",),
        "approval_level": ("O2C-DL-01",),
        "max_validity_days": ("O2C-DL-01",),
        "quantity_tolerance": ("O2C-DL-01", "O2C-DL-02"),
        "require_qc_certificate": ("O2C-DL-03", "O2C-DL-05"),
        "min_remaining_days": ("O2C-DL-05",),
        "near_expiry_days": ("O2C-DL-05",),
        "strict_fefo": ("O2C-DL-05",),
        "fefo_override_role": ("O2C-DL-05",),
        "fefo_override_level": ("O2C-DL-05",),
        "max_shipment_difference": ("O2C-DL-06",),
        "shipment_role": ("O2C-DL-06",),
        "follow_up_level": ("O2C-DL-06",),
        "centrally_sold": ("O2C-DL-07",),
    }

    def weakened(self) -> tuple[Weakening, ...]:
        """What these values leave unable to fire (:mod:`salesctl.controls.weakening`)."""
        if at_proposer_level(self.approval_role, self.approval_level):
            key = "approval_level" if self.approval_level <= 0 else "approval_role"
            return weakenings(
                ("O2C-DL-01",), key, "delivery notices are signed at the proposer's level"
            )
        return ()
