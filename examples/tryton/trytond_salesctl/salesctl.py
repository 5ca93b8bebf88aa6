"""The module's own models: configuration, roles, credit profiles, approval requests."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from trytond.exceptions import UserError
from trytond.model import ModelSingleton, ModelSQL, ModelView, Workflow, fields
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval
from trytond.transaction import Transaction

import salesctl as sc
from salesctl import host as sch

from . import host

__all__ = [
    "Approval",
    "ApprovalRequest",
    "Configuration",
    "CreditApplication",
    "CreditRelease",
    "Party",
    "User",
]


class Configuration(ModelSingleton, ModelSQL, ModelView):
    "salesctl Configuration"

    __name__ = "salesctl.configuration"
    policy = fields.Text(
        "Policy",
        required=True,
        help="The path of a salesctl policy file, or the policy's TOML text.",
    )
    journal = fields.Char(
        "Journal",
        required=True,
        help="Where the salesctl journal is: a file path or a postgresql:// URL.",
    )
    price_list = fields.Many2One(
        "product.price_list",
        "Price Master",
        help="The price list whose prices are salesctl's price master (O2C-PR-02, O2C-PR-03); "
        "empty: the products' list prices.",
    )

    @classmethod
    def validate(cls, records: list[Any]) -> None:
        """A policy that does not load is refused on save (salesctl names key and line)."""
        super().validate(records)
        for record in records:
            try:
                host.gate_of(record.policy)
            except (sc.SalesctlError, OSError) as e:
                raise UserError(f"salesctl policy: {e}") from e


class User(metaclass=PoolMeta):
    __name__ = "res.user"
    salesctl_roles = fields.Char(
        "salesctl Roles", help='Roles separated by spaces, e.g. "sales_rep credit_manager".'
    )
    salesctl_level = fields.Integer("salesctl Authority Level")
    salesctl_org_unit = fields.Char("salesctl Organisation Unit")


class Party(metaclass=PoolMeta):
    __name__ = "party.party"
    # The approved credit profile: written only by an applied credit application.
    salesctl_grade = fields.Char("Credit Grade", readonly=True)
    salesctl_credit_limit = fields.Numeric("Credit Limit", digits=(16, 2), readonly=True)
    salesctl_term_days = fields.Integer("Credit Days", readonly=True)
    salesctl_reviewed_on = fields.Date("Credit Reviewed On", readonly=True)
    salesctl_proposed_by = fields.Many2One("res.user", "Credit Proposed By", readonly=True)
    salesctl_approved_by = fields.Char("Credit Approved By", readonly=True)
    salesctl_maintained_by = fields.Many2One("res.user", "Credit Maintained By", readonly=True)
    salesctl_collection_letter = fields.Char("Collection Letter", readonly=True)


class CreditApplication(Workflow, ModelSQL, ModelView):
    "Credit Application"

    __name__ = "salesctl.credit.application"
    party = fields.Many2One("party.party", "Party", required=True)
    currency = fields.Many2One("currency.currency", "Currency", required=True)
    grade = fields.Char("Grade", required=True)
    limit = fields.Numeric("Limit", digits=(16, 2), required=True)
    term_days = fields.Integer("Credit Days", required=True)
    proposed_by = fields.Many2One("res.user", "Proposed By", required=True)
    collection_letter = fields.Char(
        "Collection Letter", help="The signed collection-responsibility letter (收款责任书)."
    )
    state = fields.Selection([("draft", "Draft"), ("applied", "Applied")], "State", readonly=True)

    @classmethod
    def __setup__(cls) -> None:
        super().__setup__()
        cls._transitions |= {("draft", "applied")}
        cls._buttons.update({"apply": {"invisible": Eval("state") != "draft"}})

    @staticmethod
    def default_state() -> str:
        return "draft"

    @staticmethod
    def default_proposed_by() -> int:
        return Transaction().user

    @property
    def salesctl_id(self) -> str:
        return f"CA-{self.id}"

    @classmethod
    @ModelView.button
    def apply(cls, applications: list[Any]) -> None:
        """SetCreditProfile: the profile reaches the party only when the gate allows it."""
        cls._apply([a for a in applications if a.state == "draft" and cls._allowed(a)])

    @classmethod
    def _allowed(cls, app: Any) -> bool:
        return host.decide(app, *host.profile_txn(app))

    @classmethod
    @Workflow.transition("applied")
    def _apply(cls, applications: list[Any]) -> None:
        User = Pool().get("res.user")
        Approval = Pool().get("salesctl.approval")
        for app in applications:
            signed = Approval.search([("document_id", "=", app.salesctl_id)])
            party = app.party
            party.salesctl_grade = app.grade
            party.salesctl_credit_limit = app.limit
            party.salesctl_term_days = app.term_days
            party.salesctl_reviewed_on = host.business_date()
            party.salesctl_proposed_by = app.proposed_by
            party.salesctl_approved_by = " ".join(sorted({a.approver.login for a in signed}))
            party.salesctl_maintained_by = User(Transaction().user)
            party.salesctl_collection_letter = app.collection_letter
            party.save()


class CreditRelease(Workflow, ModelSQL, ModelView):
    "salesctl One-time Credit Release"

    __name__ = "salesctl.credit.release"
    sale = fields.Many2One(
        "sale.sale", "Sale", required=True, help="The one sale (already checked once) it releases."
    )
    max_amount = fields.Numeric("Maximum Amount", digits=(16, 2), required=True)
    hours = fields.Integer("Valid For (Hours)", required=True)
    reason = fields.Char("Reason")
    granted_by = fields.Many2One("res.user", "Granted By", readonly=True)
    granted_at = fields.Timestamp("Granted At", readonly=True)
    state = fields.Selection([("draft", "Draft"), ("granted", "Granted")], "State", readonly=True)
    consumed = fields.Function(fields.Boolean("Consumed"), "get_consumed")

    @classmethod
    def __setup__(cls) -> None:
        super().__setup__()
        cls._transitions |= {("draft", "granted")}
        cls._buttons.update({"grant": {"invisible": Eval("state") != "draft"}})

    @staticmethod
    def default_state() -> str:
        return "draft"

    @staticmethod
    def default_hours() -> int:
        return 48

    @property
    def salesctl_id(self) -> str:
        return f"REL-{self.id}"

    def get_consumed(self, name: str) -> bool:
        """Whether the journal holds the release's one use."""
        config = Pool().get("salesctl.configuration")(1)
        return host.journal_of(config.journal).consumption(self.salesctl_id) is not None

    @classmethod
    @ModelView.button
    @Workflow.transition("granted")
    def grant(cls, releases: list[Any]) -> None:
        """The current user grants; the journal records the release (the gate judges it)."""
        config = Pool().get("salesctl.configuration")(1)
        journal = host.journal_of(config.journal)
        me = host.actor()
        now = host.now().replace(microsecond=0)
        for rel in releases:
            if not rel.sale.salesctl_id:
                raise UserError("salesctl: a release is for a sale the gate has seen (quote it)")
            rel.granted_by = Transaction().user
            rel.granted_at = now.replace(tzinfo=None)
            rel.save()
            journal.add_release(
                sc.CreditRelease(
                    id=rel.salesctl_id,
                    order_id=rel.sale.salesctl_id,
                    max_amount=sc.Money(Decimal(rel.max_amount), rel.sale.currency.code),
                    granted_by=sc.Actor(
                        id=me["id"],
                        roles=frozenset(me["roles"]),
                        org_unit=me["org_unit"],
                        authority_level=me["authority_level"],
                        name=me["name"],
                    ),
                    granted_at=now,
                    expires_at=now + dt.timedelta(hours=rel.hours),
                    reason=rel.reason or "",
                )
            )


class ApprovalRequest(ModelSQL, ModelView):
    "salesctl Approval Request"

    __name__ = "salesctl.approval.request"
    document = fields.Reference("Document", selection="get_documents", readonly=True)
    document_id = fields.Char("Document ID", readonly=True, required=True)
    key = fields.Char("Key", readonly=True, help="ApprovalRequirement.key of what it asks.")
    transaction = fields.Char("Transaction", readonly=True)
    control = fields.Char("Control", readonly=True)
    role = fields.Char("Role", readonly=True, required=True)
    min_level = fields.Integer("Minimum Level", readonly=True)
    amount = fields.Char("Amount", readonly=True)
    excluded = fields.Char("May Not Sign", readonly=True)
    step = fields.Integer("Step", readonly=True)
    reason = fields.Text("Reason", readonly=True)
    state = fields.Selection(
        [("pending", "Pending"), ("cleared", "Cleared")], "State", readonly=True
    )
    approvals = fields.One2Many("salesctl.approval", "request", "Signatures", readonly=True)

    @classmethod
    def __setup__(cls) -> None:
        super().__setup__()
        cls._buttons.update({"sign": {"invisible": Eval("state") != "pending"}})

    @classmethod
    def get_documents(cls) -> list[tuple[str, str]]:
        return [
            ("sale.sale", "Sale"),
            ("account.invoice", "Invoice"),
            ("stock.shipment.out", "Customer Shipment"),
            ("salesctl.credit.application", "Credit Application"),
            ("salesctl.credit.release", "Credit Release"),
        ]

    @classmethod
    @ModelView.button
    def sign(cls, requests: list[Any]) -> None:
        """The current user signs: the next check decides whether the signature counts."""
        Approval = Pool().get("salesctl.approval")
        me = host.actor()
        for r in requests:  # the gate would not count it, and would block the document
            if me["id"] in (r.excluded or "").split():
                raise UserError(
                    f"salesctl: {me['id']} may not sign {r.document_id} ({r.control}, {r.role})"
                )
        Approval.create(
            [
                {
                    "request": r.id,
                    "document_id": r.document_id,
                    "role": r.role,
                    "control": r.control,
                    "approver": Transaction().user,
                    "approver_roles": " ".join(me["roles"]),
                    "approver_level": me["authority_level"],
                    "granted_at": host.now().replace(tzinfo=None),
                }
                for r in requests
            ]
        )

    @classmethod
    def follow(cls, document: Any, decision: sc.Decision, lang: str) -> None:
        """Bring the document's requests in line with what ``decision`` still needs."""
        pending = cls.search(
            [("document_id", "=", decision.document_id), ("state", "=", "pending")]
        )
        plan = sch.plan_requests(decision, [p.key for p in pending])
        cls.write([p for p in pending if p.key in plan.close] or [], {"state": "cleared"})
        reasons = {f.control_id: f.text(lang) for f in decision.findings}
        cls.create(
            [
                {
                    "document": f"{document.__name__},{document.id}",
                    "document_id": r.document_id,
                    "key": r.key,
                    "transaction": decision.transaction,
                    "control": r.control_id,
                    "role": r.role,
                    "min_level": r.min_level,
                    "amount": r.amount,
                    "excluded": " ".join(r.excluded),
                    "step": r.step,
                    "reason": reasons.get(r.control_id, ""),
                    "state": "pending",
                }
                for r in plan.open
            ]
        )

    @classmethod
    def cleared_documents(cls, ids: list[str]) -> list[str]:
        """The ids among ``ids`` whose approvals were all cleared (none pending, some asked)."""
        out = []
        for doc in ids:
            requests = cls.search([("document_id", "=", doc)])
            if requests and all(r.state == "cleared" for r in requests):
                out.append(doc)
        return out


class Approval(ModelSQL, ModelView):
    "salesctl Approval"

    __name__ = "salesctl.approval"
    request = fields.Many2One("salesctl.approval.request", "Request", ondelete="CASCADE")
    document_id = fields.Char("Document ID", required=True, readonly=True)
    role = fields.Char("Role", required=True, readonly=True)
    control = fields.Char("Control", readonly=True)
    approver = fields.Many2One("res.user", "Approver", required=True, readonly=True)
    approver_roles = fields.Char("Approver's Roles", readonly=True)
    approver_level = fields.Integer("Approver's Level", readonly=True)
    granted_at = fields.Timestamp("Granted At", required=True, readonly=True)

    @classmethod
    def on(cls, document_id: str) -> list[dict[str, Any]]:
        """The signatures on a document, as salesctl approvals (roles as when signed)."""
        return [
            {
                "id": f"APR-{a.id}",
                "document_id": a.document_id,
                "role": a.role,
                "approver": {
                    "id": a.approver.login,
                    "roles": (a.approver_roles or "").split(),
                    "authority_level": a.approver_level or 0,
                    "name": a.approver.name or "",
                },
                "granted_at": host.utc(a.granted_at),
                "control_id": a.control or None,
            }
            for a in cls.search([("document_id", "=", document_id)], order=[("id", "ASC")])
        ]
