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
    "contract_of",
    "contracts",
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
    "refusal",
    "stock_lots",
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
        "contract_id": sale.salesctl_contract or None,
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


def prices(lines: list[Any], currency: Any) -> list[dict[str, Any]]:
    """The price master for the products of sale ``lines``.

    With a price list configured (``salesctl.configuration.price_list``, module
    ``product_price_list``) the master is that list: each product's price is what the list
    computes for the quantity the sale orders of it, maintained by whoever last wrote the list
    or its lines. A product the list prices at nothing has no entry: salesctl then fails closed
    (O2C-PR-02). Without a price list, each product's list price, maintained by whoever last
    wrote the product.
    """
    price_list = Pool().get("salesctl.configuration")(1).price_list
    quantities: dict[int, tuple[Any, float]] = {}
    for ln in lines:
        product, qty = quantities.get(ln.product.id, (ln.product, 0.0))
        quantities[ln.product.id] = (product, qty + ln.quantity)
    if price_list is None:
        return [
            {
                "product_id": product_id(p),
                "price": money(p.list_price, currency),
                "valid_from": p.template.create_date.date().isoformat(),
                "source_document": f"product.template/{p.template.id}",
                "maintained_by": (p.template.write_uid or p.template.create_uid).login,
            }
            for p, _ in quantities.values()
        ]
    written = [price_list, *price_list.lines]
    last = max(written, key=lambda r: r.write_date or r.create_date)
    valid_from = (last.write_date or last.create_date).date().isoformat()
    entries = []
    for p, qty in quantities.values():
        price = price_list.compute(p, qty, p.default_uom)
        if price is None:
            continue
        entries.append(
            {
                "product_id": product_id(p),
                "price": money(price, currency),
                "valid_from": valid_from,
                "source_document": f"product.price_list/{price_list.id}",
                "maintained_by": (last.write_uid or last.create_uid).login,
            }
        )
    return entries


def contract_of(sale: Any) -> Any:
    """The ``salesctl.contract`` the sale names (``None``: it names none, or one not recorded)."""
    number = sale.salesctl_contract
    if not number:
        return None
    found = Pool().get("salesctl.contract").search([("number", "=", number)], limit=1)
    return found[0] if found else None


def contracts(sale: Any) -> dict[str, Any]:
    """The context's contract documents and contract ledger for a sale (O2C-DL-01, O2C-BL-03).

    A sale naming no recorded contract maps to none: salesctl then blocks what needs one
    (fail closed), and :func:`decide` says in both languages what the host is missing.
    """
    c = contract_of(sale)
    if c is None:
        return {"contracts": [], "contract_accounts": {}}
    cur = c.currency
    doc = {
        "id": c.number,
        "customer_id": customer(c.party, cur)["id"],
        "amount": money(c.amount, cur),
        "payment": _payment(sale),
        "created_by": c.create_uid.login,
        "status": "signed" if c.state == "signed" else "draft",
        "form": c.form or "written",
        "template_id": c.template or None,
        "order_id": sale.salesctl_id,
        "signed_on": c.signed_on.isoformat() if c.signed_on else None,
    }
    account = {"value": money(c.amount, cur), "collected": money(max(c.collected, 0), cur)}
    return {"contracts": [doc], "contract_accounts": {c.number: account}}


def _iso(data: dict[str, Any]) -> dict[str, Any]:
    return {k: v.isoformat() if isinstance(v, dt.date) else v for k, v in data.items()}


# -- one function per transaction type: (transaction, context) as JSON-shaped dicts -------


def place_order_txn(sale: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """PlaceOrder for a sale being quoted or confirmed."""
    cur = sale.currency
    txn = {"type": "PlaceOrder", "actor": actor(), "at": now().isoformat(), "order": order(sale)}
    ctx = {
        "exposure": _iso(exposure(sale.party, cur, without=sale)),
        "prices": prices(_lines(sale), cur),
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
    return txn, {"orders": [order(sale)], "goods_issues": goods_issues(sale), **contracts(sale)}


def _delivery_lines(shipment: Any) -> list[dict[str, Any]]:
    return [
        {
            "order_line": m.origin.id,
            "product_id": product_id(m.product),
            "quantity": str(m.quantity),
            "lot_id": m.lot.number if m.lot else None,
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
            "gate_pass": s.salesctl_gate_pass or None,
        }
        for s in sale.shipments
        if s.state != "cancelled" and _delivery_lines(s)
    ]


def stock_lots(shipment: Any) -> list[dict[str, Any]]:
    """The lots on hand in the shipment's warehouse of the products it ships (``stock_lot``),
    before the goods issue: the warehouse's quantity counts what was packed into its output
    location and has not left yet."""
    pool = Pool()
    products = sorted({m.product.id for m in shipment.outgoing_moves})
    today = pool.get("ir.date").today()
    with Transaction().set_context(
        locations=[shipment.warehouse.id], with_childs=True, stock_date_end=today
    ):
        lots = pool.get("stock.lot").search([("product", "in", products)])
        return [
            {
                "id": lot.number,
                "product_id": product_id(lot.product),
                "quantity": str(Decimal(str(lot.quantity))),
                "expires_on": lot.salesctl_expires_on,
                "qc_certificate": lot.salesctl_qc_certificate or None,
                "received_on": lot.create_date.date(),
            }
            for lot in lots
            if lot.quantity > 0
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
        "approved_documents": _approved(sale, []),
        "contracts": contracts(sale)["contracts"],
    }
    return txn, ctx


def _cleared(ids: list[str]) -> list[str]:
    return Pool().get("salesctl.approval.request").cleared_documents(ids)


def _approved(sale: Any, others: list[str]) -> list[str]:
    """The approved documents: the sale once confirmed (Tryton confirms a sale only on the
    gate's ALLOW, which an order approved by standing authority reaches with no request to
    clear), and those of ``others`` whose requests are all cleared."""
    confirmed = sale.state in ("confirmed", "processing", "done")
    return sorted(set(_cleared(others)) | ({sale.salesctl_id} if confirmed else set()))


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
    approved = _approved(sale, [f"DN-{shipment.id}"])
    ctx = {
        "exposure": _iso(exposure(sale.party, sale.currency, without=sale)),
        "delivery_notices": [_notice(shipment, sale)],
        "stock_lots": [_iso(lot) for lot in stock_lots(shipment)],
        "approved_documents": approved,
        "contracts": contracts(sale)["contracts"],
    }
    return txn, ctx


# -- the one place that asks ----------------------------------------------------------------


#: What this host does not map, said in both languages when a refusal rests on it: the
#: finding's message key -> (zh, en). The flow fails closed; the note says why it must.
HOST_NOTES: dict[str, tuple[str, str]] = {
    "delivery.no_lot": (
        "发货行未指定 Tryton 批次（stock_lot）：无批次即无质检合格证和效期可核，按失败关闭处理；"
        "请在发货单的库存移动上选择批次。",
        "a shipment move names no Tryton lot (stock_lot): without a lot there is no QC "
        "certificate or sell-by date to check, so it fails closed; pick the lot on the "
        "shipment's moves.",
    ),
    "delivery.no_gate_pass": (
        "发货单未填写出门证（Gate Pass）：出库按失败关闭处理。",
        "the shipment names no gate pass (its Gate Pass field): the goods issue fails closed.",
    ),
}


def _unmapped_contract(txn: sc.Transaction) -> tuple[str, str] | None:
    order = getattr(txn, "order", None)
    number = getattr(order, "contract_id", None) or getattr(
        getattr(txn, "invoice", None), "contract_id", None
    )
    if not number or Pool().get("salesctl.contract").search([("number", "=", number)]):
        return None
    return (
        f"销售合同 {number} 未在 Tryton 中登记（salesctl 销售合同）：无法核对签署与回款，按失败关闭处理。",
        f"sales contract {number} is not recorded in Tryton (salesctl Sales Contract): its "
        "signature and collections cannot be checked, so this fails closed.",
    )


def refusal(asked: Any, txn: sc.Transaction, lang: str) -> str:
    """The gate's explanation in ``lang``, then, in both languages, what the host does not map
    that the refusal rests on."""
    notes = [
        HOST_NOTES[m]
        for m in sorted({f.message for f in asked.decision.findings})
        if m in HOST_NOTES
    ]
    unmapped = _unmapped_contract(txn)
    if unmapped is not None:
        notes.append(unmapped)
    lines = [asked.explain(lang)] + [f"{zh}\n{en}" for zh, en in notes]
    return "\n".join(lines)


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
        raise UserError(refusal(asked, txn, language()))
    return asked.route is sch.Route.PROCEED
