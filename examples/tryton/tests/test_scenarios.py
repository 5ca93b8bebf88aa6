# ruff: noqa: PT009, PT027  (Tryton's tests are unittest test cases: its assertions are the convention)
"""Scenarios: salesctl's gate in front of a Tryton database (SQLite in memory).

Run with ``DB_NAME=:memory: python -m pytest examples/tryton/tests`` in a virtual environment
where salesctl and this module are installed (see examples/tryton/README.md).
"""

from __future__ import annotations

import contextlib
import datetime
import os
import re
import tempfile
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

os.environ.setdefault("DB_NAME", ":memory:")

from trytond.exceptions import UserError
from trytond.exceptions import UserWarning as TrytonWarning
from trytond.modules.account.tests import create_chart, get_fiscalyear
from trytond.modules.account_invoice.tests import set_invoice_sequences
from trytond.modules.company.tests import create_company, set_company
from trytond.modules.currency.tests import add_currency_rate, create_currency
from trytond.pool import Pool
from trytond.tests.test_tryton import ModuleTestCase, with_transaction
from trytond.transaction import Transaction
from trytond_salesctl import host

import salesctl as sc

POLICY = Path(__file__).resolve().parents[3] / "examples" / "policy.toml"
HAN = re.compile(r"[\u4e00-\u9fff]")


def standing_policy() -> str:
    """The example policy with a first order band the seller approves by placing the order
    (standing authority up to 20 000 CNY), acknowledged as the weakening of O2C-SO-02 it is."""
    text = POLICY.read_text(encoding="utf-8")
    first = '[[orders.approval_tiers]]\nmax_amount = "100000 CNY"'
    assert first in text
    band = (
        '[[orders.approval_tiers]]\nmax_amount = "20000 CNY"\nrole = "sales_rep"\nlevel = 1\n'
        "standing = true\n\n"
    )
    return text.replace(first, band + first, 1) + (
        '\n[acknowledged]\n"O2C-SO-02" = "orders up to 20 000 CNY: the seller\'s standing authority"\n'
    )

# login -> (roles, authority level, language)
USERS = {
    "rep": ("sales_rep", 1, None),
    "repmgr": ("sales_rep sales_manager", 2, None),  # a seller who is also a sales manager
    "mgr": ("sales_manager", 2, None),
    "cm": ("credit_manager", 3, None),
    "mkt": ("marketing_head", 3, None),
    "fin": ("finance_head", 3, None),
    "gm": ("general_manager", 4, None),
    "fvp": ("finance_vp", 4, None),
    "clerk": ("invoice_clerk", 1, "zh_CN"),
    "cmm": ("credit_master_maintainer", 2, None),
    "wh": ("warehouse_clerk", 1, None),
}


class World:
    """A company selling one product on 30 days' credit, its users, and a customer."""

    def __init__(self, journal: str, policy: str = str(POLICY)) -> None:
        pool = Pool()
        self.policy = policy
        self.pool = pool
        cny = create_currency("CNY")
        add_currency_rate(cny, 1)
        self.company = create_company(currency=cny)
        self.journal = journal
        self.cny = cny

    def setup(self) -> None:
        pool = self.pool
        pool.get("salesctl.configuration")(1, policy=self.policy, journal=self.journal).save()
        create_chart(self.company)
        fiscalyear = set_invoice_sequences(get_fiscalyear(self.company))
        fiscalyear.save()
        fiscalyear.create_period([fiscalyear])
        Account = pool.get("account.account")
        (revenue,) = Account.search([("type.revenue", "=", True)])
        (expense,) = Account.search([("type.expense", "=", True)])
        category = pool.get("product.category")(
            name="Goods", accounting=True, account_revenue=revenue, account_expense=expense
        )
        category.save()
        (unit,) = pool.get("product.uom").search([("name", "=", "Unit")])
        template = pool.get("product.template")(
            name="PE film",
            type="goods",
            salable=True,
            list_price=Decimal(1000),
            default_uom=unit,
            sale_uom=unit,
            account_category=category,
            products=[{"code": "P-PE-01"}],
        )
        template.save()
        (self.product,) = template.products
        term = pool.get("account.invoice.payment_term")(
            name="30 days", lines=[{"type": "remainder", "relativedeltas": [{"days": 30}]}]
        )
        term.save()
        self.term = term
        Lang = pool.get("ir.lang")
        (zh,) = Lang.search([("code", "=", "zh_CN")])
        Lang.write([zh], {"translatable": True})
        self.users = {}
        for login, (roles, level, lang) in USERS.items():
            user = pool.get("res.user")(
                login=login,
                name=login,
                salesctl_roles=roles,
                salesctl_level=level,
                companies=[self.company],
                company=self.company,
                language=zh if lang else None,
            )
            user.save()
            self.users[login] = user
        self.customer = pool.get("party.party")(name="Huadong Chemicals", addresses=[{}])
        self.customer.save()

    def give_profile(self, limit: int) -> None:
        """Set the customer's approved credit profile directly (as data migrated in)."""
        party = self.customer
        party.salesctl_grade = "A"
        party.salesctl_credit_limit = Decimal(limit)
        party.salesctl_term_days = 30
        party.salesctl_reviewed_on = self.pool.get("ir.date").today()
        party.salesctl_proposed_by = self.users["cmm"]
        party.salesctl_approved_by = "mkt fin gm"
        party.salesctl_collection_letter = "HKHL-2026-001"
        party.save()

    def as_(self, login: str) -> Any:
        return Transaction().set_user(self.users[login].id)

    def sale(self, login: str, quantity: int, price: int = 1000, **values: Any) -> Any:
        with self.as_(login):
            sale = self.pool.get("sale.sale")(
                party=self.customer,
                invoice_address=self.customer.addresses[0],
                shipment_address=self.customer.addresses[0],
                payment_term=self.term,
                invoice_method="order",
                shipment_method="order",
                lines=[
                    {
                        "product": self.product,
                        "quantity": quantity,
                        "unit": self.product.sale_uom,
                        "unit_price": Decimal(price),
                    }
                ],
                **values,
            )
            sale.save()
            return sale

    def confirmed(self, quantity: int, **values: Any) -> Any:
        """A sale by the rep, signed by the sales manager, quoted, confirmed and processed."""
        Sale = self.pool.get("sale.sale")
        sale = self.sale("rep", quantity, **values)
        with self.as_("rep"):
            Sale.quote([sale])
        if sale.state == "draft":  # not within the rep's standing band
            self.sign("mgr", sale.salesctl_id, "sales_manager")
            with self.as_("rep"):
                Sale.quote([sale])
        with self.as_("rep"):
            Sale.confirm([sale])
        Sale.process([sale])
        return sale

    def contract(self, number: str, amount: int) -> Any:
        """A written contract of the customer, drafted by the rep and signed."""
        Contract = self.pool.get("salesctl.contract")
        with self.as_("rep"):
            (c,) = Contract.create(
                [
                    {
                        "number": number,
                        "party": self.customer.id,
                        "currency": self.cny.id,
                        "amount": Decimal(amount),
                    }
                ]
            )
            Contract.sign([c])
        return c

    def receive(self, amount: int, contract: str) -> None:
        """A posted receipt from the customer, booked against ``contract``."""
        pool = self.pool
        Account = pool.get("account.account")
        (cash,) = Account.search([("name", "=", "Main Cash")])
        (receivable,) = Account.search([("type.receivable", "=", True)])
        (journal,) = pool.get("account.journal").search([("code", "=", "CASH")])
        today = pool.get("ir.date").today()
        Move = pool.get("account.move")
        move = Move(
            journal=journal,
            period=pool.get("account.period").find(self.company, date=today),
            date=today,
            description=contract,
            lines=[
                {"account": cash, "debit": Decimal(amount), "credit": 0},
                {
                    "account": receivable,
                    "party": self.customer,
                    "debit": 0,
                    "credit": Decimal(amount),
                    "description": contract,
                },
            ],
        )
        move.save()
        Move.post([move])

    def stock_lot(self, number: str, quantity: int, expires_in: int | None = None) -> Any:
        """A lot of the product received into storage from a supplier, with its QC certificate
        and, ``expires_in`` days from today, its sell-by date."""
        pool = self.pool
        today = pool.get("ir.date").today()
        lot = pool.get("stock.lot")(
            number=number,
            product=self.product,
            salesctl_qc_certificate=f"QC-{number}",
            salesctl_expires_on=today + datetime.timedelta(days=expires_in)
            if expires_in is not None
            else None,
        )
        lot.save()
        Location = pool.get("stock.location")
        (supplier,) = Location.search([("code", "=", "SUP")])
        (storage,) = Location.search([("code", "=", "STO")])
        Move = pool.get("stock.move")
        move = Move(
            product=self.product,
            unit=self.product.default_uom,
            quantity=quantity,
            from_location=supplier,
            to_location=storage,
            lot=lot,
            company=self.company,
            unit_price=Decimal(500),
            currency=self.cny,
            effective_date=today,
        )
        move.save()
        Move.do([move])
        return lot

    def valid_until(self) -> datetime.date:
        """A notice's last valid day a week ahead: Tryton's today (UTC here) may be a day
        behind the policy's business date (+08:00)."""
        return self.pool.get("ir.date").today() + datetime.timedelta(days=7)

    def ship(self, sale: Any, lot: Any, gate_pass: str | None = "MP-0001") -> Any:
        """The sale's shipment picked from ``lot`` (the notice signed by the sales manager),
        packed, and asked to be done by the warehouse clerk."""
        pool = self.pool
        Shipment = pool.get("stock.shipment.out")
        (shipment,) = sale.shipments
        for move in shipment.inventory_moves:
            move.lot = lot
            move.save()
        Shipment.assign_force([shipment])
        shipment.planned_date = self.valid_until()
        shipment.salesctl_gate_pass = gate_pass
        shipment.save()
        with self.as_("wh"):
            Shipment.pick([shipment])  # held: the notice waits for the sales manager
        self.sign("mgr", f"DN-{shipment.id}", "sales_manager")
        with self.as_("wh"):
            Shipment.pick([shipment])
        Shipment.pack([shipment])
        with self.as_("wh"):
            Shipment.done([shipment])
        return shipment

    def requests(self, document_id: str) -> list[Any]:
        return self.pool.get("salesctl.approval.request").search(
            [("document_id", "=", document_id), ("state", "=", "pending")]
        )

    def sign(self, login: str, document_id: str, role: str) -> None:
        (request,) = [r for r in self.requests(document_id) if r.role == role]
        with self.as_(login):
            self.pool.get("salesctl.approval.request").sign([request])

    def decisions(self) -> list[dict[str, Any]]:
        with sc.Journal(self.journal, read_only=True) as journal:
            return [e.record["decision"] for e in journal.decisions()]


class SalesctlTestCase(ModuleTestCase):
    "salesctl in front of Tryton"

    module = "salesctl"
    extras = ("account_credit_limit",)  # Tryton's own credit check, side by side

    @contextlib.contextmanager
    def world(self, policy: str = str(POLICY)) -> Iterator[World]:
        with tempfile.TemporaryDirectory(prefix="salesctl-tryton-") as tmp:
            world = World(os.path.join(tmp, "journal.db"), policy)
            with set_company(world.company):
                world.setup()
                yield world

    @with_transaction()
    def test_sale_over_limit_is_held_then_confirms_once_signed(self) -> None:
        "A sale over the credit limit is held, then quoted and confirmed once signed"
        with self.world() as w:
            w.give_profile(50_000)
            Sale = w.pool.get("sale.sale")
            sale = w.sale("rep", 60)  # 60 000 CNY > 50 000 CNY
            with w.as_("rep"):
                Sale.quote([sale])
            self.assertEqual(sale.state, "draft")
            doc = sale.salesctl_id
            self.assertEqual(
                sorted((r.control, r.role) for r in w.requests(doc)),
                [("O2C-CR-04", "credit_manager"), ("O2C-SO-02", "sales_manager")],
            )
            w.sign("mgr", doc, "sales_manager")
            with w.as_("rep"):
                Sale.quote([sale])
            self.assertEqual(sale.state, "draft")  # the credit manager has not signed yet
            self.assertEqual([r.role for r in w.requests(doc)], ["credit_manager"])
            w.sign("cm", doc, "credit_manager")
            with w.as_("rep"):
                Sale.quote([sale])
                self.assertEqual(sale.state, "quotation")
                Sale.confirm([sale])
            self.assertEqual(sale.state, "confirmed")
            self.assertEqual(w.requests(doc), [])
            outcomes = [(d["document_id"], d["outcome"]) for d in w.decisions()]
            self.assertEqual(
                outcomes, [(doc, "HOLD"), (doc, "HOLD"), (doc, "ALLOW"), (doc, "ALLOW")]
            )

    @with_transaction()
    def test_self_approval_does_not_count(self) -> None:
        "The proposer cannot sign their own hold"
        with self.world() as w:
            w.give_profile(500_000)
            Sale = w.pool.get("sale.sale")
            sale = w.sale("repmgr", 10)
            with w.as_("repmgr"):
                Sale.quote([sale])
            doc = sale.salesctl_id
            (request,) = w.requests(doc)
            self.assertEqual((request.role, request.excluded), ("sales_manager", "repmgr"))
            with self.assertRaises(UserError):  # Tryton refuses the signature outright
                w.sign("repmgr", doc, "sales_manager")
            # Slipped in around the button (an import, a script), the gate still refuses it:
            Approval = w.pool.get("salesctl.approval")
            (own,) = Approval.create(
                [
                    {
                        "request": request.id,
                        "document_id": doc,
                        "role": "sales_manager",
                        "control": "O2C-SO-02",
                        "approver": w.users["repmgr"].id,
                        "approver_roles": "sales_rep sales_manager",
                        "approver_level": 2,
                        "granted_at": datetime.datetime.now(),
                    }
                ]
            )
            with w.as_("repmgr"), self.assertRaises(UserError) as raised:
                Sale.quote([sale])
            self.assertIn("O2C-SD-01", str(raised.exception.message))
            self.assertEqual(sale.state, "draft")
            last = w.decisions()[-1]
            self.assertEqual(last["outcome"], "BLOCK")
            self.assertIn("repmgr", str(last))
            Approval.delete([own])
            w.sign("mgr", doc, "sales_manager")
            with w.as_("repmgr"):
                Sale.quote([sale])
            self.assertEqual(sale.state, "quotation")

    @with_transaction()
    def test_credit_profile_chain_is_signed_in_order(self) -> None:
        "A credit profile needs both heads first, then the general manager"
        with self.world() as w:
            Application = w.pool.get("salesctl.credit.application")
            with w.as_("rep"):
                app = Application(
                    party=w.customer,
                    currency=w.cny,
                    grade="A",
                    limit=Decimal(200_000),
                    term_days=30,
                )
                app.save()
            with w.as_("cmm"):
                Application.apply([app])
            self.assertEqual(app.state, "draft")
            doc = app.salesctl_id
            self.assertEqual(
                sorted((r.role, r.step) for r in w.requests(doc)),
                [("finance_head", 1), ("general_manager", 2), ("marketing_head", 1)],
            )
            w.sign("gm", doc, "general_manager")  # too early: step 2 before step 1
            w.sign("mkt", doc, "marketing_head")
            w.sign("fin", doc, "finance_head")
            with w.as_("cmm"):
                Application.apply([app])
            self.assertEqual(app.state, "draft")
            self.assertEqual([r.role for r in w.requests(doc)], ["general_manager"])
            w.sign("gm", doc, "general_manager")
            with w.as_("cmm"):
                Application.apply([app])
            self.assertEqual(app.state, "applied")
            self.assertEqual(w.customer.salesctl_credit_limit, Decimal(200_000))
            self.assertEqual(w.customer.salesctl_approved_by, "fin gm mkt")

    @with_transaction()
    def test_invoice_without_contract_is_blocked_in_chinese(self) -> None:
        "A credit sale invoiced without a contract is blocked; a Chinese user reads why in Chinese"
        with self.world() as w:
            w.give_profile(500_000)
            sale = w.confirmed(10)
            (invoice,) = sale.invoices
            invoice.invoice_date = w.pool.get("ir.date").today()
            invoice.save()
            with w.as_("clerk"), self.assertRaises(UserError) as raised:
                w.pool.get("account.invoice").post([invoice])
            message = str(raised.exception.message)
            self.assertRegex(message, HAN)
            self.assertIn("O2C-BL-03", message)
            last = w.decisions()[-1]
            self.assertEqual((last["transaction"], last["outcome"]), ("IssueInvoice", "BLOCK"))
            # Tryton rolls back on the UserError; the journal (its own SQLite file) keeps the
            # decision: it cannot join Tryton's transaction (see docs/tryton.md).
            with sc.Journal(w.journal) as journal, self.assertRaises(sc.InvalidInput):
                journal.joined(Transaction().connection)

    @with_transaction()
    def test_policy_is_validated_on_save(self) -> None:
        "A configuration whose policy does not load is refused"
        with self.world() as w:
            config = w.pool.get("salesctl.configuration")(1)
            config.policy = "[credit]\nlimit_approval_levle = 3\n"
            with self.assertRaises(UserError) as raised:
                config.save()
            self.assertIn("limit_approval_levle", str(raised.exception.message))

    @with_transaction()
    def test_one_time_release_is_consumed_once(self) -> None:
        "A one-time release clears the credit hold once; the delivery's credit re-check is held"
        with self.world() as w:
            w.give_profile(50_000)
            Sale = w.pool.get("sale.sale")
            Release = w.pool.get("salesctl.credit.release")
            sale = w.sale("rep", 60)
            with w.as_("rep"):
                Sale.quote([sale])
            doc = sale.salesctl_id
            with w.as_("cmm"):  # the credit master-data maintainer grants it, in Tryton
                (release,) = Release.create(
                    [{"sale": sale.id, "max_amount": Decimal(70_000), "reason": "year-end"}]
                )
                Release.grant([release])
            self.assertFalse(release.consumed)
            w.sign("mgr", doc, "sales_manager")
            with w.as_("rep"):
                Sale.quote([sale])  # the release clears O2C-CR-04: not consumed at quote
                self.assertEqual(sale.state, "quotation")
                self.assertFalse(Release(release.id).consumed)
                Sale.confirm([sale])
            self.assertEqual(sale.state, "confirmed")
            self.assertTrue(Release(release.id).consumed)  # the journal holds its one use
            self.assertEqual(w.requests(doc), [])
            # Used once: at the shipment, the credit re-check (O2C-DL-04) does not count it again.
            Sale.process([sale])
            (shipment,) = sale.shipments
            Shipment = w.pool.get("stock.shipment.out")
            Shipment.assign_force([shipment])
            with w.as_("wh"), self.assertRaises(UserError):  # no contract: O2C-DL-01 blocks
                Shipment.pick([shipment])
            last = w.decisions()[-1]
            (recheck,) = [f for f in last["findings"] if f["control_id"] == "O2C-DL-04"]
            self.assertEqual(recheck["outcome"], "HOLD")
            self.assertEqual([r["role"] for r in recheck["required"]], ["credit_manager"])
            with sc.Journal(w.journal, read_only=True) as journal:
                used = journal.consumption(release.salesctl_id)
            self.assertEqual(used.order_id, doc)
            # A second sale with it is held again, even with the Tryton row re-pointed at it
            # (a script): the journal holds the release for the first order, used once.
            second = w.sale("rep", 1)
            Release.write([release], {"sale": second.id})
            with w.as_("rep"):
                Sale.quote([second])
            self.assertEqual(second.state, "draft")
            self.assertIn("credit_manager", [r.role for r in w.requests(second.salesctl_id)])

    @with_transaction()
    def test_shipment_pick_and_done_are_gated(self) -> None:
        "Pick asks IssueDeliveryNotice, done asks PostGoodsIssue; without lots it fails closed"
        with self.world() as w:
            w.give_profile(500_000)
            sale = w.confirmed(10, salesctl_contract="HT-2026-001")
            (shipment,) = sale.shipments
            Shipment = w.pool.get("stock.shipment.out")
            Shipment.assign_force([shipment])
            shipment.planned_date = w.valid_until()  # the notice's validity
            shipment.save()
            notice = f"DN-{shipment.id}"
            with w.as_("wh"), self.assertRaises(UserError) as raised:
                Shipment.pick([shipment])
            # The contract the sale names is not recorded (no salesctl.contract): O2C-DL-01
            # blocks a credit sale's delivery, and the notice waits for the manager.
            self.assertIn("O2C-DL-01", str(raised.exception.message))
            self.assertEqual(shipment.state, "assigned")
            self.assertEqual([r.role for r in w.requests(notice)], ["sales_manager"])
            w.sign("mgr", notice, "sales_manager")
            with w.as_("wh"), self.assertRaises(UserError):
                Shipment.pick([shipment])
            last = w.decisions()[-1]
            self.assertEqual((last["document_id"], last["outcome"]), (notice, "BLOCK"))
            messages = {f["message"]: f["outcome"] for f in last["findings"]}
            self.assertEqual(messages["delivery.notice_approval"], "ALLOW")  # signed
            self.assertEqual(messages["delivery.credit_unsecured"], "BLOCK")
            # Slipped past pick (a script writing the state), done still asks the gate:
            Shipment.write([shipment], {"state": "packed"})
            with w.as_("wh"), self.assertRaises(UserError) as raised:
                Shipment.done([shipment])
            self.assertIn("O2C-DL-03", str(raised.exception.message))
            self.assertEqual(shipment.state, "packed")
            self.assertTrue(all(m.state != "done" for m in shipment.outgoing_moves))
            last = w.decisions()[-1]
            self.assertEqual((last["transaction"], last["outcome"]), ("PostGoodsIssue", "BLOCK"))
            found = {(f["control_id"], f["message"]) for f in last["findings"]}
            self.assertIn(("O2C-DL-03", "delivery.no_lot"), found)  # lots are not mapped
            self.assertIn(("O2C-DL-03", "delivery.no_gate_pass"), found)

    @with_transaction()
    def test_sale_within_limit_confirms(self) -> None:
        "A sale within the credit limit and the seller's standing authority confirms, unasked"
        with self.world(standing_policy()) as w:
            w.give_profile(500_000)
            Sale = w.pool.get("sale.sale")
            sale = w.sale("rep", 10)  # 10 000 CNY: within the limit and the rep's band
            with w.as_("rep"):
                Sale.quote([sale])
                self.assertEqual(sale.state, "quotation")
                Sale.confirm([sale])
            self.assertEqual(sale.state, "confirmed")
            doc = sale.salesctl_id
            self.assertEqual(w.pool.get("salesctl.approval.request").search([]), [])
            decisions = w.decisions()
            self.assertEqual(
                [(d["document_id"], d["outcome"]) for d in decisions], [(doc, "ALLOW")] * 2
            )
            # Nothing was switched off: the band says who approved, and the credit check ran.
            found = {f["control_id"]: f for f in decisions[-1]["findings"]}
            self.assertEqual(found["O2C-SO-02"]["message"], "orders.standing_authority")
            self.assertIn("O2C-CR-04", decisions[-1]["controls"])
            self.assertNotIn("O2C-CR-04", found)  # ran and passed silently
            self.assertIn("O2C-SO-02", str(decisions[-1]["weakened"]))  # acknowledged, on record
            # Above the band the same seller's sale waits for the sales manager:
            big = w.sale("rep", 30)
            with w.as_("rep"):
                Sale.quote([big])
            self.assertEqual(big.state, "draft")
            self.assertEqual(
                [(r.control, r.role) for r in w.requests(big.salesctl_id)],
                [("O2C-SO-02", "sales_manager")],
            )

    @with_transaction()
    def test_price_below_float_is_held_for_next_level(self) -> None:
        "A price cut beyond the seller's float is held for the next level, who signs in Tryton"
        with self.world(standing_policy()) as w:
            w.give_profile(500_000)
            Sale = w.pool.get("sale.sale")
            sale = w.sale("rep", 10, price=970)  # 3 % below the list price; the rep may cut 2 %
            with w.as_("rep"):
                Sale.quote([sale])
            self.assertEqual(sale.state, "draft")
            doc = sale.salesctl_id
            self.assertEqual(
                [(r.control, r.role, r.min_level) for r in w.requests(doc)],
                [("O2C-PR-03", "sales_manager", 2)],
            )
            with self.assertRaises(UserError):  # the seller cannot sign their own price
                w.sign("rep", doc, "sales_manager")
            w.sign("mgr", doc, "sales_manager")  # the sales section: the next node up
            with w.as_("rep"):
                Sale.quote([sale])
                self.assertEqual(sale.state, "quotation")
                Sale.confirm([sale])
            self.assertEqual(sale.state, "confirmed")
            self.assertEqual(w.requests(doc), [])
            (pr03,) = [
                f for f in w.decisions()[-1]["findings"] if f["control_id"] == "O2C-PR-03"
            ]
            self.assertEqual(pr03["outcome"], "ALLOW")

    @with_transaction()
    def test_invoice_below_60_percent_collected_is_blocked(self) -> None:
        "An invoice on a contract below 60 % collected is blocked; at 60 % the finance VP signs"
        with self.world(standing_policy()) as w:
            w.give_profile(500_000)
            contract = w.contract("HT-2026-001", 10_000)
            self.assertEqual(contract.state, "signed")
            sale = w.confirmed(10, salesctl_contract="HT-2026-001")
            (invoice,) = sale.invoices
            invoice.invoice_date = w.pool.get("ir.date").today()
            invoice.save()
            Invoice = w.pool.get("account.invoice")
            w.receive(5_999, "HT-2026-001")  # 59.99 %: short
            with w.as_("clerk"), self.assertRaises(UserError) as raised:
                Invoice.post([invoice])
            self.assertIn("O2C-BL-03", str(raised.exception.message))
            last = w.decisions()[-1]
            self.assertEqual((last["transaction"], last["outcome"]), ("IssueInvoice", "BLOCK"))
            (bl03,) = [f for f in last["findings"] if f["control_id"] == "O2C-BL-03"]
            self.assertEqual((bl03["message"], bl03["outcome"]), ("billing.collected_too_little", "BLOCK"))
            self.assertIn(["collected_share", "59.99 %"], bl03["facts"])
            w.receive(1, "HT-2026-001")  # 60.00 %: the rule is met; the finance VP signs
            with w.as_("clerk"), self.assertRaises(UserError) as raised:
                Invoice.post([invoice])
            last = w.decisions()[-1]
            (bl03,) = [f for f in last["findings"] if f["control_id"] == "O2C-BL-03"]
            self.assertEqual(bl03["outcome"], "HOLD")
            self.assertEqual([r["role"] for r in bl03["required"]], ["finance_vp"])
            # Still refused: nothing has been delivered yet (O2C-BL-01 bills only what left,
            # see test_delivered_sale_invoices_through for the invoice after the goods left).
            (bl01,) = [f for f in last["findings"] if f["control_id"] == "O2C-BL-01"]
            self.assertEqual((bl01["message"], bl01["outcome"]), ("billing.over_delivered", "BLOCK"))
            self.assertEqual(invoice.state, "draft")

    @with_transaction()
    def test_unrecorded_contract_fails_closed_in_both_languages(self) -> None:
        "A sale naming a contract Tryton does not hold: refused, saying so in Chinese and English"
        with self.world(standing_policy()) as w:
            w.give_profile(500_000)
            sale = w.confirmed(10, salesctl_contract="HT-404")
            (invoice,) = sale.invoices
            invoice.invoice_date = w.pool.get("ir.date").today()
            invoice.save()
            with w.as_("clerk"), self.assertRaises(UserError) as raised:
                w.pool.get("account.invoice").post([invoice])
            message = str(raised.exception.message)
            self.assertIn("销售合同 HT-404 未在 Tryton 中登记", message)
            self.assertIn("sales contract HT-404 is not recorded in Tryton", message)
            last = w.decisions()[-1]
            (bl03,) = [f for f in last["findings"] if f["control_id"] == "O2C-BL-03"]
            self.assertEqual((bl03["message"], bl03["outcome"]), ("billing.contract_unknown", "BLOCK"))

    @with_transaction()
    def test_signed_contract_ships_notice_lots_fail_closed(self) -> None:
        "With a signed contract the notice passes; goods issue fails closed on unmapped lots"
        with self.world(standing_policy()) as w:
            w.give_profile(500_000)
            w.contract("HT-2026-002", 10_000)
            sale = w.confirmed(10, salesctl_contract="HT-2026-002")
            (shipment,) = sale.shipments
            Shipment = w.pool.get("stock.shipment.out")
            Shipment.assign_force([shipment])
            shipment.planned_date = w.valid_until()
            shipment.save()
            notice = f"DN-{shipment.id}"
            with w.as_("wh"):
                Shipment.pick([shipment])  # held: the notice waits for the sales manager
            self.assertEqual(shipment.state, "assigned")
            self.assertEqual([r.role for r in w.requests(notice)], ["sales_manager"])
            w.sign("mgr", notice, "sales_manager")
            with w.as_("wh"):
                Shipment.pick([shipment])
            self.assertEqual(shipment.state, "picked")
            Shipment.pack([shipment])
            with w.as_("wh"), self.assertRaises(UserError) as raised:
                Shipment.done([shipment])
            message = str(raised.exception.message)
            self.assertIn("O2C-DL-03", message)
            self.assertIn("stock_lot", message)
            self.assertRegex(message, HAN)  # the host's note in both languages
            self.assertIn("fails closed", message)
            self.assertEqual(shipment.state, "packed")


    @with_transaction()
    def test_side_by_side_with_account_credit_limit(self) -> None:
        "Tryton's account_credit_limit and salesctl on the same party, limit and sales"
        with self.world(standing_policy()) as w:
            pool = w.pool
            w.give_profile(50_000)  # salesctl's limit
            party = w.customer
            party.credit_limit_amount = Decimal(50_000)  # Tryton's limit, the same
            party.save()
            Sale = pool.get("sale.sale")

            def tryton_check(sale: Any, login: str) -> str:
                """What Tryton does when the sale is confirmed (sale_credit_limit's call)."""
                with w.as_(login):
                    try:
                        party.check_credit_limit(sale.untaxed_amount, origin=str(sale))
                    except TrytonWarning:
                        return "warning"
                    except UserError:
                        return "error"
                return "pass"

            def salesctl_credit(sale: Any) -> str:
                with w.as_("rep"):
                    Sale.quote([sale])
                found = [f for f in w.decisions()[-1]["findings"] if f["control_id"] == "O2C-CR-04"]
                return found[0]["outcome"] if found else "pass"

            # At the limit: 50 000 of 50 000. Both let it through.
            first = w.sale("rep", 50)
            self.assertEqual((tryton_check(first, "rep"), salesctl_credit(first)), ("pass", "pass"))
            w.sign("mgr", first.salesctl_id, "sales_manager")  # its amount band, not credit
            with w.as_("rep"):
                Sale.quote([first])
                Sale.confirm([first])
            self.assertEqual(first.state, "confirmed")

            # Over it by an open order: Tryton counts posted receivables only (0 here), so a
            # further 1 000 passes; salesctl counts the confirmed, uninvoiced 50 000 and holds.
            second = w.sale("rep", 1)
            self.assertEqual((tryton_check(second, "rep"), salesctl_credit(second)), ("pass", "HOLD"))

            # Over it on its own: 60 000. Tryton refuses a user outside its credit group; salesctl
            # holds for the credit manager (level 3), whoever places it.
            third = w.sale("rep", 60)
            self.assertEqual((tryton_check(third, "rep"), salesctl_credit(third)), ("error", "HOLD"))
            self.assertEqual(
                sorted(r.role for r in w.requests(third.salesctl_id)),
                ["credit_manager", "sales_manager"],
            )

            # The override: a user in Tryton's credit group gets a warning and may skip it
            # himself; the skip is one line in res.user.warning, no level, no reason, no second
            # person. In salesctl the hold stays until the credit manager signs.
            Group = pool.get("res.group")
            group = Group(pool.get("ir.model.data").get_id("account_credit_limit", "group_credit_limit"))
            pool.get("res.user").write([w.users["rep"]], {"groups": [("add", [group.id])]})
            self.assertEqual(tryton_check(third, "rep"), "warning")
            with w.as_("rep"):
                pool.get("res.user.warning").create(
                    [{"user": w.users["rep"].id, "name": f"credit_limit_amount_{third}", "always": False}]
                )
            self.assertEqual(tryton_check(third, "rep"), "pass")  # skipped by the seller
            self.assertEqual(salesctl_credit(third), "HOLD")  # salesctl: still held
            self.assertEqual(third.state, "draft")
            w.sign("mgr", third.salesctl_id, "sales_manager")
            w.sign("cm", third.salesctl_id, "credit_manager")
            self.assertEqual(salesctl_credit(third), "ALLOW")  # cleared by the signature
            self.assertEqual(third.state, "quotation")

    @with_transaction()
    def test_delivered_sale_invoices_through(self) -> None:
        "Sale, shipment done from a mapped lot, invoice posted once 60 % is collected and signed"
        with self.world(standing_policy()) as w:
            w.give_profile(500_000)
            w.contract("HT-2026-003", 10_000)
            lot = w.stock_lot("L-2026-001", 10, expires_in=90)
            sale = w.confirmed(10, salesctl_contract="HT-2026-003")
            shipment = w.ship(sale, lot)
            self.assertEqual(shipment.state, "done")
            last = w.decisions()[-1]
            self.assertEqual((last["transaction"], last["outcome"]), ("PostGoodsIssue", "ALLOW"))
            self.assertIn("O2C-DL-03", last["controls"])
            self.assertIn("O2C-DL-05", last["controls"])
            self.assertEqual([m.lot.number for m in shipment.outgoing_moves], ["L-2026-001"])
            (invoice,) = sale.invoices
            invoice.invoice_date = w.pool.get("ir.date").today()
            invoice.save()
            Invoice = w.pool.get("account.invoice")
            w.receive(6_000, "HT-2026-003")  # 60 %: the finance VP signs the invoice
            with w.as_("clerk"):
                Invoice.post([invoice])
            self.assertEqual(invoice.state, "draft")
            doc = f"INV-{invoice.id}"
            self.assertEqual([r.role for r in w.requests(doc)], ["finance_vp"])
            last = w.decisions()[-1]
            self.assertEqual((last["transaction"], last["outcome"]), ("IssueInvoice", "HOLD"))
            self.assertNotIn("O2C-BL-01", {f["control_id"] for f in last["findings"]})
            w.sign("fvp", doc, "finance_vp")
            with w.as_("clerk"):
                Invoice.post([invoice])
            self.assertEqual(invoice.state, "posted")
            last = w.decisions()[-1]
            self.assertEqual((last["document_id"], last["outcome"]), (doc, "ALLOW"))

    @with_transaction()
    def test_goods_issue_checks_the_mapped_lot(self) -> None:
        "An expired lot, a lot without QC certificate, or no gate pass: the goods stay"
        with self.world(standing_policy()) as w:
            w.give_profile(500_000)
            w.contract("HT-2026-004", 30_000)
            expired = w.stock_lot("L-OLD", 10, expires_in=-1)
            sale = w.confirmed(10, salesctl_contract="HT-2026-004")
            with self.assertRaises(UserError) as raised:
                w.ship(sale, expired, gate_pass=None)
            message = str(raised.exception.message)
            self.assertIn("O2C-DL-05", message)
            self.assertIn("Gate Pass", message)  # the host says which field is missing
            found = {(f["control_id"], f["message"]) for f in w.decisions()[-1]["findings"]}
            self.assertIn(("O2C-DL-03", "delivery.no_gate_pass"), found)
            (shipment,) = sale.shipments
            self.assertEqual(shipment.state, "packed")

    @with_transaction()
    def test_price_list_is_the_price_master(self) -> None:
        "With a Tryton price list configured, its price is the master the seller's float runs from"
        with self.world(standing_policy()) as w:
            w.give_profile(500_000)
            pool = w.pool
            Sale = pool.get("sale.sale")
            at_list = w.sale("rep", 10, price=900)  # 10 % below the product's list price
            with w.as_("rep"):
                Sale.quote([at_list])
            self.assertEqual(at_list.state, "draft")  # held: the list price is the master
            price_list = pool.get("product.price_list")(
                name="2026 contract prices",
                price="list_price",
                lines=[{"product": w.product, "formula": "unit_price * Decimal('0.9')"}],
            )
            price_list.save()
            config = pool.get("salesctl.configuration")(1)
            config.price_list = price_list
            config.save()
            with w.as_("rep"):
                Sale.quote([at_list])  # 900 is the price list's price: within the float
            self.assertEqual(at_list.state, "quotation")
            last = w.decisions()[-1]
            self.assertEqual(last["outcome"], "ALLOW")
            (entry,) = host.prices(list(at_list.lines), w.cny)
            self.assertEqual(
                (entry["price"], entry["source_document"]),
                ("900.00 CNY", f"product.price_list/{price_list.id}"),
            )
            below = w.sale("rep", 10, price=880)  # 2.2 % below the price list: past the float
            with w.as_("rep"):
                Sale.quote([below])
            self.assertEqual(below.state, "draft")
            self.assertEqual(
                [(r.control, r.role) for r in w.requests(below.salesctl_id)],
                [("O2C-PR-03", "sales_manager")],
            )
            # A quantity the list does not price has no master price: salesctl fails closed.
            Line = pool.get("product.price_list.line")
            Line.write(list(price_list.lines), {"quantity": 100})
            small = w.sale("rep", 10, price=900)
            with w.as_("rep"), self.assertRaises(UserError) as raised:
                Sale.quote([small])
            self.assertIn("O2C-PR-02", str(raised.exception.message))
            self.assertEqual(small.state, "draft")


del ModuleTestCase
