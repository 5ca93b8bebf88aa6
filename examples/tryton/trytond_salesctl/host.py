"""The host side: Tryton records in, salesctl's decision out.

Everything here is plain mapping from Tryton's records to the JSON shape salesctl reads
(:func:`salesctl.parse_transaction`, :func:`salesctl.parse_context`), plus :func:`decide`, the
one place that asks the gate, writes the journal and acts on the outcome. The Tryton models
(``sale.py``, ``invoice.py``, ``stock.py``, ``party.py``) call :func:`decide` from their
workflow buttons with a transaction built by the ``*_txn`` functions below.
"""

from __future__ import annotations

import datetime as dt
import functools
from decimal import Decimal
from typing import Any

from trytond.exceptions import UserError
from trytond.pool import Pool
from trytond.transaction import Transaction

import salesctl as sc
from salesctl import host as sch

__all__ = [
    "actor",
    "customer",
    "decide",
    "exposure",
    "gate_of",
    "goods_issue_txn",
    "invoice_txn",
    "journal_of",
    "money",
    "notice_txn",
    "order",
    "place_order_txn",
    "prices",
    "profile_txn",
]

CENT = Decimal("0.01")


# -- configuration: the policy and the journal, built once per value ----------------------


@functools.lru_cache(maxsize=8)
def gate_of(policy: str) -> tuple[sc.Gate, sc.Policy]:
    """The gate of ``policy``: the path of a policy file, or the TOML text itself.

    Raises:
        salesctl.PolicyError: naming the key and line of what is wrong.
    """
    text = (policy or "").strip()
    if "\n" in text or "=" in text:
        pol = sc.loads_policy(text, origin="salesctl.configuration.policy")
    else:
        pol = sc.load_policy(text)
    return sc.Gate(pol), pol


@functools.lru_cache(maxsize=8)
def journal_of(where: str) -> Any:
    """The salesctl journal at ``where`` (a file path or a ``postgresql://`` URL)."""
    return sc.Journal(where)


# -- common values ------------------------------------------------------------------------


def money(amount: Decimal | int | None, currency: Any) -> str:
    """An amount as salesctl reads it: ``"1000.00 CNY"``."""
    return f"{Decimal(amount or 0).quantize(CENT)} {currency.code}"


def now() -> dt.datetime:
    """The time of the transaction (aware, UTC)."""
    return dt.datetime.now(dt.UTC)


def utc(value: dt.datetime) -> str:
    """A Tryton datetime (naive, UTC) as ISO 8601 with its offset."""
    return value.replace(tzinfo=dt.UTC).isoformat()


def actor(user: Any = None) -> dict[str, Any]:
    """The salesctl actor of a Tryton user (the current one by default)."""
    if user is None:
        user = Pool().get("res.user")(Transaction().user)
    return {
        "id": user.login,
        "roles": sorted(set((user.salesctl_roles or "").split())),
        "org_unit": user.salesctl_org_unit or "",
        "authority_level": user.salesctl_level or 0,
        "name": user.name or "",
    }


def customer(party: Any, currency: Any) -> dict[str, Any]:
    """The salesctl customer of a party, with its credit profile if it has one."""
    profile = None
    if party.salesctl_grade:
        profile = {
            "grade": party.salesctl_grade,
            "limit": money(party.salesctl_credit_limit, currency),
            "term_days": party.salesctl_term_days or 0,
            "reviewed_on": party.salesctl_reviewed_on.isoformat(),
            "proposed_by": party.salesctl_proposed_by.login,
            "approved_by": (party.salesctl_approved_by or "").split(),
            "maintained_by": party.salesctl_maintained_by.login
            if party.salesctl_maintained_by
            else None,
            "collection_letter_ref": party.salesctl_collection_letter or None,
        }
    return {"id": party.code or f"party-{party.id}", "name": party.name, "credit_profile": profile}


def product_id(product: Any) -> str:
    """The material number of a Tryton product."""
    return product.code or f"product-{product.id}"


def _lines(sale: Any) -> list[Any]:
    return [ln for ln in sale.lines if ln.type == "line" and ln.product and ln.quantity]


def _payment(sale: Any) -> dict[str, Any]:
    """Payment terms: a Tryton payment term is credit for its longest delay; none is cash."""
    term = sale.payment_term
    if term is None:
        return {"method": "cash", "days": 0}
    days = [
        (d.days or 0) + 30 * (d.months or 0) + 7 * (d.weeks or 0)
        for line in term.lines
        for d in line.relativedeltas
    ]
    return {"method": "credit", "days": max(days, default=0)}


def order(sale: Any) -> dict[str, Any]:
    """The salesctl order of a sale (its id and number are drawn by :mod:`.sale`)."""
    cur = sale.currency
    return {
        "id": sale.salesctl_id,
        "series": "SO",
        "seq": sale.salesctl_seq,
        "customer": customer(sale.party, cur),
        "lines": [
            {
                "line_no": ln.id,
                "product": {
                    "id": product_id(ln.product),
                    "name": ln.product.name,
                    "unit": ln.unit.symbol if ln.unit else "pcs",
                },
                "quantity": str(ln.quantity),
                "unit_price": money(ln.unit_price, cur),
            }
            for ln in _lines(sale)
        ],
        "payment": _payment(sale),
        "created_by": sale.create_uid.login,
        "order_date": (sale.sale_date or business_date()).isoformat(),
    }


def business_date() -> dt.date:
    """Today in the policy's time zone."""
    config = Pool().get("salesctl.configuration")(1)
    return gate_of(config.policy)[1].business_date(now())


# -- context from Tryton's tables ---------------------------------------------------------


def exposure(party: Any, currency: Any, *, without: Any = None) -> dict[str, Any]:
    """The party's credit exposure by category, from Tryton's own tables.

    * open receivables: receivable move lines not reconciled; overdue: those past maturity;
    * delivered, not invoiced: customer invoices still in draft or validated (no receivable yet);
    * open orders: confirmed or processing sales, what is not yet invoiced (``without`` the sale
      being checked).
    """
    pool = Pool()
    lines = pool.get("account.move.line").search(
        [
            ("party", "=", party.id),
            ("account.type.receivable", "=", True),
            ("reconciliation", "=", None),
        ]
    )
    today = business_date()
    receivable = sum((ln.debit - ln.credit for ln in lines), Decimal(0))
    overdue = [ln for ln in lines if ln.maturity_date and ln.maturity_date < today]
    drafts = pool.get("account.invoice").search(
        [
            ("party", "=", party.id),
            ("type", "=", "out"),
            ("state", "in", ["draft", "validated"]),
        ]
    )
    sales = pool.get("sale.sale").search(
        [
            ("party", "=", party.id),
            ("state", "in", ["confirmed", "processing"]),
            ("id", "!=", getattr(without, "id", -1)),
        ]
    )
    open_orders = Decimal(0)
    for sale in sales:
        for ln in _lines(sale):
            invoiced = sum(
                (
                    il.quantity
                    for il in ln.invoice_lines
                    if il.invoice is None or il.invoice.state != "cancelled"
                ),
                0.0,
            )
            open_orders += Decimal(str(max(ln.quantity - invoiced, 0))) * ln.unit_price
    return {
        "open_orders": money(open_orders, currency),
        "delivered_not_invoiced": money(
            sum((i.total_amount for i in drafts), Decimal(0)), currency
        ),
        "open_receivables": money(max(receivable, Decimal(0)), currency),
        "overdue_receivables": money(
            sum((ln.debit - ln.credit for ln in overdue), Decimal(0)), currency
        ),
        "oldest_overdue_due": min((ln.maturity_date for ln in overdue), default=None),
    }


def prices(products: list[Any], currency: Any) -> list[dict[str, Any]]:
    """The price master: each product's list price, maintained by whoever last wrote it."""
    return [
        {
            "product_id": product_id(p),
            "price": money(p.list_price, currency),
            "valid_from": p.template.create_date.date().isoformat(),
            "source_document": f"product.template/{p.template.id}",
            "maintained_by": (p.template.write_uid or p.template.create_uid).login,
        }
        for p in {p.id: p for p in products}.values()
    ]


def _iso(data: dict[str, Any]) -> dict[str, Any]:
    return {k: v.isoformat() if isinstance(v, dt.date) else v for k, v in data.items()}


# -- one function per transaction type: (transaction, context) as JSON-shaped dicts -------


def place_order_txn(sale: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """PlaceOrder for a sale being quoted or confirmed."""
    cur = sale.currency
    txn = {"type": "PlaceOrder", "actor": actor(), "at": now().isoformat(), "order": order(sale)}
    ctx = {
        "exposure": _iso(exposure(sale.party, cur, without=sale)),
        "prices": prices([ln.product for ln in _lines(sale)], cur),
    }
    return txn, ctx


def profile_txn(application: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """SetCreditProfile for a credit application (the proposed grade, limit and term)."""
    cur = application.currency
    signed = Pool().get("salesctl.approval").search([("document_id", "=", application.salesctl_id)])
    txn = {
        "type": "SetCreditProfile",
        "actor": actor(),
        "at": now().isoformat(),
        "customer": customer(application.party, cur),
        "profile": {
            "grade": application.grade,
            "limit": money(application.limit, cur),
            "term_days": application.term_days,
            "reviewed_on": business_date().isoformat(),
            "proposed_by": application.proposed_by.login,
            "approved_by": sorted({a.approver.login for a in signed}),
            "maintained_by": actor()["id"],
            "collection_letter_ref": application.collection_letter or None,
        },
        "application_id": application.salesctl_id,
    }
    return txn, {}


def _sale_of(lines: list[Any]) -> Any:
    """The sale a set of invoice lines or moves comes from (their origin's sale)."""
    for ln in lines:
        origin = getattr(ln, "origin", None)
        if origin is not None and origin.__name__ == "sale.line":
            return origin.sale
    raise UserError("salesctl: the document does not come from a sale")


def invoice_txn(invoice: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """IssueInvoice for a customer invoice being posted."""
    sale = _sale_of(list(invoice.lines))
    cur = invoice.currency
    txn = {
        "type": "IssueInvoice",
        "actor": actor(),
        "at": now().isoformat(),
        "invoice": {
            "id": f"INV-{invoice.id}",
            "order_id": sale.salesctl_id,
            "customer_id": customer(invoice.party, cur)["id"],
            "lines": [
                {
                    "order_line": ln.origin.id,
                    "product_id": product_id(ln.product),
                    "quantity": str(ln.quantity),
                    "unit_price": money(ln.unit_price, cur),
                }
                for ln in invoice.lines
                if ln.type == "line" and ln.product
            ],
            "issued_by": actor()["id"],
            "issued_on": (invoice.invoice_date or business_date()).isoformat(),
            "contract_id": sale.salesctl_contract or None,
        },
    }
    return txn, {"orders": [order(sale)], "goods_issues": goods_issues(sale)}


def _delivery_lines(shipment: Any) -> list[dict[str, Any]]:
    return [
        {
            "order_line": m.origin.id,
            "product_id": product_id(m.product),
            "quantity": str(m.quantity),
        }
        for m in shipment.outgoing_moves
        if m.origin and m.origin.__name__ == "sale.line"
    ]


def goods_issues(sale: Any) -> list[dict[str, Any]]:
    """The goods issues of a sale: its customer shipments, posted when done."""
    return [
        {
            "id": f"GI-{s.id}",
            "order_id": sale.salesctl_id,
            "customer_id": customer(sale.party, sale.currency)["id"],
            "notice_id": f"DN-{s.id}",
            "lines": _delivery_lines(s),
            "issued_on": (s.effective_date or business_date()).isoformat(),
            "posted": s.state == "done",
        }
        for s in sale.shipments
        if s.state != "cancelled" and _delivery_lines(s)
    ]


def notice_txn(shipment: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """IssueDeliveryNotice for a customer shipment being picked (the warehouse's order to ship)."""
    sale = _sale_of(list(shipment.outgoing_moves))
    txn = {
        "type": "IssueDeliveryNotice",
        "actor": actor(),
        "at": now().isoformat(),
        "notice": _notice(shipment, sale),
        "order": order(sale),
    }
    ctx = {
        "exposure": _iso(exposure(sale.party, sale.currency, without=sale)),
        "approved_documents": _cleared([sale.salesctl_id]),
    }
    return txn, ctx


def _cleared(ids: list[str]) -> list[str]:
    return Pool().get("salesctl.approval.request").cleared_documents(ids)


def _notice(shipment: Any, sale: Any) -> dict[str, Any]:
    return {
        "id": f"DN-{shipment.id}",
        "order_id": sale.salesctl_id,
        "lines": _delivery_lines(shipment),
        "issued_by": shipment.create_uid.login,
        "issued_on": shipment.create_date.date().isoformat(),
        # Tryton's planned date is the last day the warehouse is told to ship on.
        "valid_until": shipment.planned_date.isoformat() if shipment.planned_date else None,
    }


def goods_issue_txn(shipment: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """PostGoodsIssue for a customer shipment being done."""
    sale = _sale_of(list(shipment.outgoing_moves))
    issue = next(g for g in goods_issues(sale) if g["id"] == f"GI-{shipment.id}")
    txn = {
        "type": "PostGoodsIssue",
        "actor": actor(),
        "at": now().isoformat(),
        "goods_issue": {**issue, "posted": False},
        "order": order(sale),
    }
    approved = _cleared([f"DN-{shipment.id}", sale.salesctl_id])
    ctx = {
        "exposure": _iso(exposure(sale.party, sale.currency, without=sale)),
        "delivery_notices": [_notice(shipment, sale)],
        "approved_documents": approved,
    }
    return txn, ctx


# -- the one place that asks ----------------------------------------------------------------


def language() -> str:
    """``"zh"`` for a user working in Chinese, ``"en"`` otherwise."""
    user = Pool().get("res.user")(Transaction().user)
    code = (user.language.code if user.language else None) or Transaction().language or "en"
    return "zh" if code.lower().startswith("zh") else "en"


def decide(
    document: Any,
    txn_data: dict[str, Any],
    ctx_data: dict[str, Any],
    *,
    consume: bool = True,
) -> bool:
    """Ask the gate about ``document``; ``True`` when its transition may go ahead.

    :func:`salesctl.host.ask` parses, completes the context from the journal, checks, writes
    the decision to the journal whatever it is, and (``consume``) uses a one-time release the
    decision relied on. ALLOW: ``True``. HOLD: the document's approval requests follow the
    decision, and ``False`` (the caller leaves the document where it is). BLOCK:
    :class:`UserError` with the explanation in the user's language. A document salesctl cannot
    read fails closed (:class:`UserError` naming the field).
    """
    pool = Pool()
    config = pool.get("salesctl.configuration")(1)
    try:
        txn = sc.parse_transaction(txn_data)
        ctx_data = {**ctx_data, "approvals": pool.get("salesctl.approval").on(txn.document_id)}
        asked = sch.ask(
            gate_of(config.policy)[0],
            journal_of(config.journal),
            txn,
            ctx_data,
            consume_releases=consume,
        )
    except sc.SalesctlError as e:
        raise UserError(f"salesctl: {e}") from e
    pool.get("salesctl.approval.request").follow(document, asked.decision, language())
    if asked.route is sch.Route.REFUSE:
        raise UserError(asked.explain(language()))
    return asked.route is sch.Route.PROCEED
