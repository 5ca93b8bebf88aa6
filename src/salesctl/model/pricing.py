"""Products, the price master, changes to it, and the concessions granted with orders
(S-IC 3.1–3.4, S-MK 5; controls in :mod:`salesctl.controls.pricing`)."""

from __future__ import annotations

import datetime as dt
import enum

from attrs import field, frozen

from salesctl._validators import (
    a_date,
    ident,
    non_negative,
    opt_date,
    opt_ident,
    positive,
    text,
    typed,
)
from salesctl.errors import InvalidInput
from salesctl.money import Money

__all__ = [
    "Concession",
    "ConcessionKind",
    "ConcessionRecord",
    "PriceChange",
    "PriceClass",
    "PriceEntry",
    "Product",
]


class PriceClass(enum.Enum):
    """Where a product's price comes from (S-IC 3.1–3.2)."""

    #: State-allocated product (国家统配): price fixed by the group's pricing document.
    STATE_ALLOCATED = "state_allocated"
    #: Group-internal configured product (股份公司内部配置): document price as well.
    GROUP_PRICED = "group_priced"
    #: Any other product: priced by the subsidiary's price group, in the price master.
    MARKET = "market"


@frozen
class Product:
    """A product or service sold.

    Attributes:
        id: material number.
        name: description.
        price_class: where its price comes from.
        unit: unit of measure, e.g. ``"t"`` or ``"pcs"``.
    """

    id: str = field(validator=ident)
    name: str = field(default="", validator=typed(str))
    price_class: PriceClass = field(default=PriceClass.MARKET, validator=typed(PriceClass))
    unit: str = field(default="pcs", validator=text)


@frozen
class PriceEntry:
    """One price in the price master (价格主数据), as the host knows it (S-IC 3.1–3.4).

    Finance maintains the price master from the group's pricing documents (统配、内部配置产品的
    定价文件) or from prices the subsidiary's price group approved (价格领导小组批准的价格).
    Controls O2C-PR-01..03 look up the entry valid for a line's product, currency and order date.

    Attributes:
        product_id: the product (material number) the price is for.
        price: the price per unit of the product.
        valid_from: first day the price applies.
        source_document: the pricing document or price-group approval the price comes from,
            e.g. ``"石化股份财价[2026]12号"`` or ``"PG-2026-007"``.
        valid_to: last day the price applies (inclusive); ``None``: until replaced.
        price_class: the kind of price: a pricing-document price for state-allocated or
            group-priced products, or a market price set by the price group.
        maintained_by: id of the price master-data maintainer who entered it (for O2C-SD-01).
        id: the entry's id in the host (condition record number), for evidence.
    """

    product_id: str = field(validator=ident)
    price: Money = field(validator=[typed(Money), non_negative])
    valid_from: dt.date = field(validator=a_date)
    source_document: str = field(validator=text)
    valid_to: dt.date | None = field(default=None, validator=opt_date)
    price_class: PriceClass = field(default=PriceClass.MARKET, validator=typed(PriceClass))
    maintained_by: str | None = field(default=None, validator=opt_ident)
    id: str | None = field(default=None, validator=opt_ident)

    def __attrs_post_init__(self) -> None:
        if self.valid_to is not None and self.valid_to < self.valid_from:
            raise InvalidInput(
                "must not be before valid_from",
                path="PriceEntry.valid_to",
                value=self.valid_to.isoformat(),
            )

    def valid_on(self, day: dt.date) -> bool:
        """True when the price applies on ``day`` (both ends inclusive)."""
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)


@frozen
class PriceChange:
    """A request to publish or change a price in the price master (价格调整, S-IC 3.2, 3.4).

    The marketing department proposes the price (提出调整意见), the price group approves it at
    the authority its delegation tree requires (报价格领导小组审批), and finance enters it from
    the approved document (财务部门根据…批准后的价格在 ERP 系统中维护价格主数据; O2C-PR-06).

    Attributes:
        id: the change request's id: the document its approvals name.
        entry: the price-master entry as it would be saved; its ``source_document`` is the
            pricing document or price-group approval the price comes from.
        proposed_by: id of who proposed the price (may not approve it, nor enter it).
        reason: why the price is set or changed.
    """

    id: str = field(validator=ident)
    entry: PriceEntry = field(validator=typed(PriceEntry))
    proposed_by: str = field(validator=ident)
    reason: str = field(default="", validator=typed(str))


class ConcessionKind(enum.Enum):
    """Kinds of promotion granted with an order (S-MK 5 销售促进; S-IC 1.1)."""

    #: A discount on the whole order (订单折扣); line discounts are ``OrderLine.list_price``.
    DISCOUNT = "discount"
    #: A rebate paid or credited to the customer later (返利).
    REBATE = "rebate"
    #: Goods given free (赠品), valued at their price.
    GIFT = "gift"
    #: A member offer (会员优惠).
    MEMBER_OFFER = "member_offer"


@frozen
class Concession:
    """A promotion granted with an order, valued in the order's currency (O2C-PR-05).

    Attributes:
        kind: discount, rebate, gift or member offer.
        value: what it gives away, in the order's currency (greater than zero).
        line_no: the order line it belongs to; ``None`` for the whole order.
        reference: the promotion, rebate agreement or member programme it comes from.
    """

    kind: ConcessionKind = field(validator=typed(ConcessionKind))
    value: Money = field(validator=[typed(Money), positive])
    line_no: int | None = field(default=None, validator=typed(int, optional=True))
    reference: str = field(default="", validator=typed(str))


@frozen
class ConcessionRecord:
    """A concession already granted to a customer (the history O2C-PR-05 accumulates).

    Attributes:
        order_id: the order it was granted with.
        customer_id: the customer.
        on: the order date.
        value: the total concession of that order (line discounts plus concessions).
        gross: the order's value before concessions, if known (for accumulated percentages).
    """

    order_id: str = field(validator=ident)
    customer_id: str = field(validator=ident)
    on: dt.date = field(validator=a_date)
    value: Money = field(validator=[typed(Money), non_negative])
    gross: Money | None = field(default=None, validator=typed(Money, optional=True))
