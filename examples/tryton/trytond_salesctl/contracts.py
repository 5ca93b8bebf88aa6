"""The sales contract (销售合同) as salesctl reads it: signed or not, and what was collected.

Tryton has no sales-contract model; this one holds what O2C-DL-01 (a credit sale ships only
against a signed contract) and O2C-BL-03 (a contract is invoiced once 60 % of its price is
collected) need. Money collected on a contract is a posted receivable credit of the party
whose line description is the contract number (a receipt booked against the contract).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from trytond.model import ModelSQL, ModelView, Unique, Workflow, fields
from trytond.pool import Pool
from trytond.pyson import Eval

__all__ = ["Contract"]


class Contract(Workflow, ModelSQL, ModelView):
    "salesctl Sales Contract"

    __name__ = "salesctl.contract"
    number = fields.Char("Number", required=True, help="The contract number the sale names.")
    party = fields.Many2One("party.party", "Party", required=True)
    currency = fields.Many2One("currency.currency", "Currency", required=True)
    amount = fields.Numeric("Contract Price", digits=(16, 2), required=True)
    form = fields.Selection(
        [("written", "Written"), ("electronic", "Electronic"), ("oral", "Oral")], "Form"
    )
    template = fields.Char("Template", help="The legal-approved template it was drafted on.")
    signed_on = fields.Date("Signed On", readonly=True)
    state = fields.Selection([("draft", "Draft"), ("signed", "Signed")], "State", readonly=True)
    collected = fields.Function(fields.Numeric("Collected", digits=(16, 2)), "get_collected")

    @classmethod
    def __setup__(cls) -> None:
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints += [
            ("number_unique", Unique(t, t.number), "The contract number must be unique."),
        ]
        cls._transitions |= {("draft", "signed")}
        cls._buttons.update({"sign": {"invisible": Eval("state") != "draft"}})

    @staticmethod
    def default_state() -> str:
        return "draft"

    @staticmethod
    def default_form() -> str:
        return "written"

    def get_rec_name(self, name: str) -> str:
        return self.number

    def get_collected(self, name: str) -> Decimal:
        """Posted receivable credits of the party booked against this contract's number."""
        lines = (
            Pool()
            .get("account.move.line")
            .search(
                [
                    ("party", "=", self.party.id),
                    ("account.type.receivable", "=", True),
                    ("move.state", "=", "posted"),
                    ("description", "=", self.number),
                ]
            )
        )
        return sum((ln.credit - ln.debit for ln in lines), Decimal(0))

    @classmethod
    @ModelView.button
    @Workflow.transition("signed")
    def sign(cls, contracts: list[Any]) -> None:
        """Record the contract as signed today (the business date of the policy)."""
        from . import host

        for c in contracts:
            c.signed_on = host.business_date()
        cls.save(contracts)
