"""The orders family's policy: order approval bands, numbering, quotations, production
orders and order closing (``[orders]`` in the policy file).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from attrs import field, frozen

from salesctl._validators import each, frozenset_conv, non_negative, text, tuple_conv, typed
from salesctl.approvals import Authority
from salesctl.control import FROM_FAMILY
from salesctl.controls.weakening import Weakening, at_proposer_level, weakenings
from salesctl.errors import InvalidInput
from salesctl.money import Money

__all__ = ["QUOTATION_FIELDS", "OrderApprovalTier", "OrdersPolicy"]

#: What a quotation must be able to state (S-FT 报价): quality grade, spec/model, special
#: packaging, quantity, delivery date, transport mode and material. The first five of the
#: line fields sit on each :class:`~salesctl.model.QuotationLine`; ``delivery_date`` and
#: ``transport`` on the :class:`~salesctl.model.Quotation`.
QUOTATION_FIELDS: tuple[str, ...] = (
    "quality_grade",
    "spec_model",
    "packaging",
    "quantity",
    "delivery_date",
    "transport",
    "material",
)
_HEADER_FIELDS = frozenset({"delivery_date", "transport"})


def _quotation_fields(_i: Any, _a: Any, value: Any) -> None:
    if not isinstance(value, frozenset):
        raise InvalidInput("must be a list", path="quotation_required_fields", value=value)
    for f in value:
        if f not in QUOTATION_FIELDS:
            raise InvalidInput(
                f"unknown quotation field (known: {', '.join(QUOTATION_FIELDS)})",
                path="quotation_required_fields",
                value=f,
            )


@frozen
class OrderApprovalTier:
    """Who approves orders up to an amount (S-CP 3.1.2★).

    Attributes:
        role: the approving role.
        level: the lowest authority level that may approve.
        max_amount: the largest order total this tier covers (``None``: no upper bound).
        standing: the band is approved by standing authority: an actor who holds ``role`` at
            ``level`` (or a higher role of its line) approves an order in it by placing it,
            with no approval of another person. Off by default; on, it is a weakening of
            O2C-SO-02 (the placer approves their own order) that loads only acknowledged.
    """

    role: str = field(validator=text)
    level: int = field(validator=[typed(int), non_negative])
    max_amount: Money | None = field(default=None, validator=typed(Money, optional=True))
    standing: bool = field(default=False, validator=typed(bool))


@frozen
class OrdersPolicy:
    """Parameters of the orders family (``[orders]`` in the policy file).

    Attributes:
        approval_tiers: order approval bands, rising by ``max_amount``; the last may have no
            upper bound. An order above every bound is blocked (O2C-SO-02).
        gap_approval_role: who may approve an order whose number skips numbers (O2C-SO-01).
        gap_approval_level: the authority level that approval needs.
        quotation_required_fields: what every quotation must state (O2C-SO-05); a subset of
            :data:`QUOTATION_FIELDS`, all of them by default.
        production_signer_role: who signs production orders (O2C-SO-06; 分管销售的副总经理).
        production_signer_level: the authority level that signature needs.
        production_needs_business_approval: a production order must follow an approved
            business approval form (业务审核表, O2C-SO-06).
        void_needs_temporary_settlement: an order may be voided only while its sales
            settlement is temporary (O2C-SO-04).
        close_within_days: days after an order is completed or expires by which it must be
            closed (O2C-SO-03; "at least monthly").
        order_closing_role: who follows up orders left open (O2C-SO-03).
        follow_up_level: the authority level of the follow-up roles above.
        authority: the lines of authority in force (``[authority]``, filled by the Policy):
            a higher role of the tier's line may approve an order (O2C-SO-02, "按规定权限").
    """

    approval_tiers: tuple[OrderApprovalTier, ...] = field(
        default=(
            OrderApprovalTier("sales_manager", 2, Money("100000", "CNY")),
            OrderApprovalTier("sales_director", 3, Money("1000000", "CNY")),
            OrderApprovalTier("general_manager", 4),
        ),
        converter=tuple_conv,
        validator=each(OrderApprovalTier),
    )
    gap_approval_role: str = field(default="sales_manager", validator=text)
    gap_approval_level: int = field(default=2, validator=[typed(int), non_negative])
    quotation_required_fields: frozenset[str] = field(
        default=frozenset(QUOTATION_FIELDS), converter=frozenset_conv, validator=_quotation_fields
    )
    production_signer_role: str = field(default="sales_vp", validator=text)
    production_signer_level: int = field(default=4, validator=[typed(int), non_negative])
    production_needs_business_approval: bool = field(default=True, validator=typed(bool))
    void_needs_temporary_settlement: bool = field(default=True, validator=typed(bool))
    close_within_days: int = field(default=31, validator=[typed(int), non_negative])
    order_closing_role: str = field(default="marketing_head", validator=text)
    follow_up_level: int = field(default=3, validator=[typed(int), non_negative])

    def __attrs_post_init__(self) -> None:
        tiers = self.approval_tiers
        if not tiers:
            raise InvalidInput("at least one approval tier is needed", path="approval_tiers")
        for i, t in enumerate(tiers):
            if t.max_amount is None and i != len(tiers) - 1:
                raise InvalidInput(
                    "only the last tier may be unbounded", path=f"approval_tiers[{i}].max_amount"
                )
            if i and t.max_amount is not None:
                prev = tiers[i - 1].max_amount
                assert prev is not None
                if t.max_amount.currency != prev.currency or not t.max_amount > prev:
                    raise InvalidInput(
                        "tiers must be in one currency and in rising order",
                        path=f"approval_tiers[{i}].max_amount",
                        value=str(t.max_amount),
                    )
        # O2C-SO-02 states the band of every order: its text, formatted once here.
        object.__setattr__(
            self,
            "_bands",
            tuple((t, str(t.max_amount) if t.max_amount else "unbounded") for t in tiers),
        )

    _bands: tuple[tuple[OrderApprovalTier, str], ...] = field(
        init=False, default=(), eq=False, repr=False
    )

    authority: Authority | None = field(
        init=False, default=None, eq=False, repr=False, metadata={FROM_FAMILY: "authority"}
    )

    #: The controls each field sets (see :mod:`salesctl.controls.weakening`).
    AFFECTS: ClassVar[Mapping[str, tuple[str, ...]]] = {
        "approval_tiers": ("O2C-SO-02",),
        "gap_approval_role": ("O2C-SO-01",),
        "gap_approval_level": ("O2C-SO-01",),
        "quotation_required_fields": ("O2C-SO-05",),
        "production_signer_role": ("O2C-SO-06",),
        "production_signer_level": ("O2C-SO-06",),
        "production_needs_business_approval": ("O2C-SO-06",),
        "void_needs_temporary_settlement": ("O2C-SO-04",),
        "close_within_days": ("O2C-SO-03",),
        "order_closing_role": ("O2C-SO-03",),
        "follow_up_level": ("O2C-SO-03",),
    }

    def weakened(self) -> tuple[Weakening, ...]:
        """What these values leave unable to fire (:mod:`salesctl.controls.weakening`)."""
        out: list[Weakening] = []
        low = [i for i, t in enumerate(self.approval_tiers) if at_proposer_level(t.role, t.level)]
        if low:
            out += weakenings(
                ("O2C-SO-02",),
                f"approval_tiers[{low[0]}]",
                "an order approval tier sits at the proposer's level",
            )
        standing = [i for i, t in enumerate(self.approval_tiers) if t.standing]
        if standing:
            out += weakenings(
                ("O2C-SO-02",),
                f"approval_tiers[{standing[0]}].standing",
                "an order approval band is approved by the placer's standing authority",
            )
        if at_proposer_level(self.production_signer_role, self.production_signer_level):
            key = (
                "production_signer_level"
                if self.production_signer_level <= 0
                else "production_signer_role"
            )
            out += weakenings(
                ("O2C-SO-06",), key, "production orders are signed at the proposer's level"
            )
        return tuple(out)

