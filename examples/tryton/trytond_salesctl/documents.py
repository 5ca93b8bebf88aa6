"""Tryton's documents with the gate in front of their workflow buttons.

Each gated button keeps the documents the gate allows and passes only those on to Tryton's own
transition: a held document stays where it is (its approval requests say what it waits for),
a blocked one raises a :class:`~trytond.exceptions.UserError` in the user's language.
"""

from __future__ import annotations

from typing import Any

from trytond.model import fields
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval

from . import host

__all__ = ["Invoice", "Lot", "Sale", "ShipmentOut"]


class Sale(metaclass=PoolMeta):
    __name__ = "sale.sale"
    salesctl_id = fields.Char("salesctl Order", readonly=True)
    salesctl_seq = fields.Integer("salesctl Number", readonly=True)
    salesctl_contract = fields.Char("Contract", help="The signed contract the sale is made under.")

    def salesctl_allows(self, *, confirm: bool = False) -> bool:
        """PlaceOrder: number the order in the journal on its first check, then ask.

        A one-time release the decision relies on is consumed at confirmation, not at quote.
        """
        if not self.salesctl_id:
            config = Pool().get("salesctl.configuration")(1)
            self.salesctl_seq = host.journal_of(config.journal).next_number("SO")
            self.salesctl_id = f"SO-{self.salesctl_seq:05d}"
            self.save()
        return host.decide(self, *host.place_order_txn(self), consume=confirm)

    @classmethod
    def quote(cls, sales: list[Any]) -> None:
        for sale in sales:  # Tryton's own checks first: the gate decides on a complete sale
            if sale.state == "draft":
                sale.check_for_quotation()
        super().quote([s for s in sales if s.state != "draft" or s.salesctl_allows()])

    @classmethod
    def confirm(cls, sales: list[Any]) -> None:
        super().confirm(
            [s for s in sales if s.state != "quotation" or s.salesctl_allows(confirm=True)]
        )

    @classmethod
    def copy(cls, sales: list[Any], default: dict[str, Any] | None = None) -> list[Any]:
        default = dict(default or {})
        default.setdefault("salesctl_id", None)
        default.setdefault("salesctl_seq", None)
        return super().copy(sales, default=default)


class Invoice(metaclass=PoolMeta):
    __name__ = "account.invoice"

    @classmethod
    def post(cls, invoices: list[Any]) -> None:
        """IssueInvoice for customer invoices that come from a sale."""
        super().post(
            [
                i
                for i in invoices
                if i.type != "out"
                or i.state == "posted"
                or not _from_sale(i.lines)
                or host.decide(i, *host.invoice_txn(i))
            ]
        )


class Lot(metaclass=PoolMeta):
    """Tryton's lot (module ``stock_lot``) with what salesctl checks at goods issue (O2C-DL-03,
    O2C-DL-05): the QC certificate it entered stock with and the last day it may be sold.

    ``stock_lot`` has no expiry date of its own (``stock_lot_sled`` has a shelf life, not a
    sell-by date): the module keeps one here.
    """

    __name__ = "stock.lot"
    salesctl_qc_certificate = fields.Char(
        "QC Certificate", help="The product certificate QC issued when the lot entered stock."
    )
    salesctl_expires_on = fields.Date("Sell By", help="The last day the lot may be sold.")


class ShipmentOut(metaclass=PoolMeta):
    __name__ = "stock.shipment.out"
    salesctl_gate_pass = fields.Char(
        "Gate Pass",
        help="The gate pass (出门证) the goods leave on.",
        states={"readonly": Eval("state").in_(["done", "cancelled"])},
    )

    @classmethod
    def pick(cls, shipments: list[Any]) -> None:
        """IssueDeliveryNotice: the warehouse picks only against an allowed notice (from
        waiting or assigned: Tryton lets a shipment be picked without assignment)."""
        super().pick(
            [
                s
                for s in shipments
                if s.state not in ("waiting", "assigned")
                or not _from_sale(s.outgoing_moves)
                or host.decide(s, *host.notice_txn(s))
            ]
        )

    @classmethod
    def done(cls, shipments: list[Any]) -> None:
        """PostGoodsIssue: the goods leave only against an allowed goods issue."""
        super().done(
            [
                s
                for s in shipments
                if s.state != "packed"
                or not _from_sale(s.outgoing_moves)
                or host.decide(s, *host.goods_issue_txn(s))
            ]
        )


def _from_sale(lines: Any) -> bool:
    return any(
        getattr(ln, "origin", None) is not None and ln.origin.__name__ == "sale.line"
        for ln in lines
    )
