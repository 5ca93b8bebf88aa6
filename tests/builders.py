"""Readable builders for test data: one function per document, every field overridable."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import salesctl as sc

TZ = dt.timezone(dt.timedelta(hours=8))
AT = dt.datetime(2026, 3, 2, 10, 15, tzinfo=TZ)
TODAY = dt.date(2026, 3, 2)


def at(day: int = 2, hour: int = 10, month: int = 3) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, tzinfo=TZ)


def cny(amount: str | int) -> sc.Money:
    return sc.Money(str(amount), "CNY")


def actor(id: str = "u-rep", *roles: str, level: int = 1, org_unit: str = "east-1") -> sc.Actor:
    return sc.Actor(id=id, roles=frozenset(roles or ("sales_rep",)), org_unit=org_unit, authority_level=level)


REP = actor("u-rep", "sales_rep", level=1)
MANAGER = actor("u-mgr", "sales_manager", level=2)
DIRECTOR = actor("u-dir", "sales_director", level=3)
CREDIT_MANAGER = actor("u-cm", "credit_manager", level=3)
MAINTAINER = actor("u-fin", "credit_master_maintainer", level=2, org_unit="finance")


def profile(**kw: Any) -> sc.CreditProfile:
    base: dict[str, Any] = dict(
        grade="A",
        limit=cny("500000"),
        term_days=30,
        reviewed_on=dt.date(2026, 1, 5),
        proposed_by="u-prop",
        approved_by=("u-appr",),
        collection_letter_ref="HKHL-2026-001",
    )
    base.update(kw)
    return sc.CreditProfile(**base)


def customer(id: str = "C-100", prof: sc.CreditProfile | str | None = "default", **kw: Any) -> sc.Customer:
    p = profile() if prof == "default" else prof
    return sc.Customer(id=id, name=kw.pop("name", "Huadong Chemicals"), credit_profile=p, **kw)  # type: ignore[arg-type]


def line(no: int = 1, qty: str | int = "10", price: str | int = "1000", product: str = "P-PE-01", **kw: Any) -> sc.OrderLine:
    return sc.OrderLine(
        line_no=no,
        product=sc.Product(id=product, name="PE film", **kw),
        quantity=Decimal(str(qty)),
        unit_price=cny(price),
    )


def order(
    *,
    id: str = "SO-2026-0042",
    seq: int = 42,
    series: str = "SO-2026",
    cust: sc.Customer | None = None,
    lines: tuple[sc.OrderLine, ...] | None = None,
    method: sc.PaymentMethod = sc.PaymentMethod.CREDIT,
    days: int = 30,
    created_by: str = "u-rep",
    **kw: Any,
) -> sc.SalesOrder:
    return sc.SalesOrder(
        id=id,
        series=series,
        seq=seq,
        customer=cust if cust is not None else customer(),
        lines=lines if lines is not None else (line(),),
        payment=sc.PaymentTerms(method, days),
        created_by=created_by,
        order_date=TODAY,
        **kw,
    )


def exposure(
    open_orders: str = "0", delivered: str = "0", receivables: str = "0", overdue: str = "0",
    oldest: dt.date | None = None,
) -> sc.CreditExposure:
    return sc.CreditExposure(
        open_orders=cny(open_orders),
        delivered_not_invoiced=cny(delivered),
        open_receivables=cny(receivables),
        overdue_receivables=cny(overdue),
        oldest_overdue_due=oldest,
    )


def approval(
    document_id: str = "SO-2026-0042",
    role: str = "sales_manager",
    approver: sc.Actor = MANAGER,
    *,
    id: str | None = None,
    granted_at: dt.datetime | None = None,
    **kw: Any,
) -> sc.Approval:
    return sc.Approval(
        id=id or f"APR-{role}",
        document_id=document_id,
        role=role,
        approver=approver,
        granted_at=granted_at or at(1),
        **kw,
    )


def context(**kw: Any) -> sc.Context:
    base: dict[str, Any] = dict(
        as_of=TODAY,
        exposure=exposure(),
        last_numbers={"SO-2026": 41},
        approvals=(approval(),),
    )
    base.update(kw)
    return sc.Context(**base)


def place(o: sc.SalesOrder | None = None, who: sc.Actor = REP, when: dt.datetime = AT) -> sc.PlaceOrder:
    return sc.PlaceOrder(order=o if o is not None else order(), actor=who, at=when)


def ids(decision: sc.Decision, outcome: sc.Outcome | None = None) -> set[str]:
    """Control ids of the decision's findings (of one outcome, if given)."""
    return {f.control_id for f in decision.findings if outcome is None or f.outcome is outcome}


# -- pricing and segregation of duties (issue 3) ---------------------------------------------

PRICE_MAINTAINER = actor("u-price", "price_master_maintainer", level=2, org_unit="finance")


def price_entry(
    product: str = "P-PE-01",
    price: str | int = "1000",
    *,
    currency: str = "CNY",
    valid_from: dt.date = dt.date(2026, 1, 1),
    source_document: str = "PG-2026-007",
    price_class: sc.PriceClass = sc.PriceClass.MARKET,
    maintained_by: str | None = "u-price",
    **kw: Any,
) -> sc.PriceEntry:
    """A price-master entry (by default the price group's 1000 CNY for P-PE-01 since 1 Jan)."""
    return sc.PriceEntry(
        product_id=product,
        price=sc.Money(str(price), currency),
        valid_from=valid_from,
        source_document=source_document,
        price_class=price_class,
        maintained_by=maintained_by,
        **kw,
    )


def prices_for(*orders: sc.SalesOrder) -> tuple[sc.PriceEntry, ...]:
    """A price master in which every line of ``orders`` sits exactly at its master price."""
    out: dict[tuple[str, str], sc.PriceEntry] = {}
    for o in orders:
        for ln in o.lines:
            p = ln.list_price if ln.list_price is not None else ln.unit_price
            out.setdefault(
                (ln.product.id, p.currency),
                price_entry(ln.product.id, str(p.amount), currency=p.currency,
                            price_class=ln.product.price_class),
            )
    return tuple(out.values())


# -- fulfilment: delivery notices, goods issues, invoices, settlements, revenue, receipts ------

WAREHOUSE = actor("u-wh", "warehouse_clerk", level=1, org_unit="warehouse")
WH_MANAGER = actor("u-whm", "warehouse_manager", level=2, org_unit="warehouse")
FINANCE_VP = actor("u-fvp", "finance_vp", level=4, org_unit="finance")
CLERK = actor("u-clerk", "invoice_clerk", level=1, org_unit="finance")
ACCOUNTANT = actor("u-acc", "accountant", level=1, org_unit="finance")
ORDER_ID = "SO-2026-0042"


def dline(order_line: int = 1, qty: str | int = "10", product: str = "P-PE-01", lot: str | None = None) -> sc.DeliveryLine:
    return sc.DeliveryLine(order_line=order_line, product_id=product, quantity=Decimal(str(qty)), lot_id=lot)


def notice(id: str = "DN-0042-1", *, lines: tuple[sc.DeliveryLine, ...] | None = None, valid_days: int | None = 14, **kw: Any) -> sc.DeliveryNotice:
    base: dict[str, Any] = dict(
        order_id=ORDER_ID,
        issued_by="u-rep",
        issued_on=TODAY,
        valid_until=None if valid_days is None else TODAY + dt.timedelta(days=valid_days),
    )
    base.update(kw)
    return sc.DeliveryNotice(id=id, lines=lines if lines is not None else (dline(),), **base)


def lot(id: str = "LOT-A", product: str = "P-PE-01", qty: str | int = "100", expires: dt.date | None = None, qc: str | None = "QC-CERT", **kw: Any) -> sc.StockLot:
    return sc.StockLot(id=id, product_id=product, quantity=Decimal(str(qty)), expires_on=expires, qc_certificate=qc, **kw)


def goods_issue(id: str = "GI-0042-1", *, notice_id: str | None = "DN-0042-1", lines: tuple[sc.DeliveryLine, ...] | None = None, **kw: Any) -> sc.GoodsIssue:
    base: dict[str, Any] = dict(order_id=ORDER_ID, customer_id="C-100", issued_on=TODAY, gate_pass="GP-0042-1")
    base.update(kw)
    return sc.GoodsIssue(id=id, notice_id=notice_id, lines=lines if lines is not None else (dline(lot="LOT-A"),), **base)


def issue_notice(n: sc.DeliveryNotice | None = None, o: sc.SalesOrder | None = None, who: sc.Actor = REP, when: dt.datetime = AT, **kw: Any) -> sc.IssueDeliveryNotice:
    return sc.IssueDeliveryNotice(notice=n if n is not None else notice(), order=o if o is not None else order(), actor=who, at=when, **kw)


def post_issue(g: sc.GoodsIssue | None = None, o: sc.SalesOrder | None = None, who: sc.Actor = WAREHOUSE, when: dt.datetime = AT, **kw: Any) -> sc.PostGoodsIssue:
    return sc.PostGoodsIssue(goods_issue=g if g is not None else goods_issue(), order=o if o is not None else order(), actor=who, at=when, **kw)


def iline(order_line: int = 1, qty: str | int = "10", price: str | int = "1000", product: str = "P-PE-01") -> sc.InvoiceLine:
    return sc.InvoiceLine(order_line=order_line, product_id=product, quantity=Decimal(str(qty)), unit_price=cny(price))


def invoice(id: str = "INV-0042-1", *, lines: tuple[sc.InvoiceLine, ...] | None = None, **kw: Any) -> sc.Invoice:
    base: dict[str, Any] = dict(order_id=ORDER_ID, customer_id="C-100", issued_by="u-clerk", issued_on=TODAY)
    base.update(kw)
    return sc.Invoice(id=id, lines=lines if lines is not None else (iline(),), **base)


def settlement(id: str = "ST-0042-1", status: sc.SettlementStatus = sc.SettlementStatus.CONFIRMED, **kw: Any) -> sc.Settlement:
    base: dict[str, Any] = dict(order_id=ORDER_ID, invoice_id="INV-0042-1")
    base.update(kw)
    return sc.Settlement(id=id, status=status, **base)


def signed(gi: str = "GI-0042-1", id: str | None = None, **kw: Any) -> sc.DeliveryProof:
    base: dict[str, Any] = dict(kind=sc.ProofKind.CUSTOMER_SIGNED, received_on=TODAY, signed_by="Wang Li (receiver)")
    base.update(kw)
    return sc.DeliveryProof(id=id or f"PR-{gi}", goods_issue_id=gi, **base)


def logistics_receipt(gi: str = "GI-0042-1", carrier_ref: str = "SF-7781", id: str | None = None, **kw: Any) -> sc.DeliveryProof:
    base: dict[str, Any] = dict(kind=sc.ProofKind.LOGISTICS_RECEIPT, received_on=TODAY)
    base.update(kw)
    return sc.DeliveryProof(id=id or f"LR-{gi}", goods_issue_id=gi, carrier_ref=carrier_ref, **base)


def revenue_entry(id: str = "RV-0042-1", amount: str | int = "10000", advance_offset: str | int | None = None, **kw: Any) -> sc.RevenueEntry:
    base: dict[str, Any] = dict(customer_id="C-100", goods_issue_ids=("GI-0042-1",), booked_on=TODAY)
    base.update(kw)
    return sc.RevenueEntry(
        id=id, amount=cny(amount), advance_offset=None if advance_offset is None else cny(advance_offset), **base
    )


def receipt(id: str = "RC-0042-1", amount: str | int = "60000", to_receivables: str | int = "0", **kw: Any) -> sc.Receipt:
    base: dict[str, Any] = dict(customer_id="C-100", received_on=TODAY)
    base.update(kw)
    return sc.Receipt(id=id, amount=cny(amount), to_receivables=cny(to_receivables), **base)


# -- the sales flow: quotations, contracts, production orders, commission, service, pipeline ---

SALES_VP = actor("u-svp", "sales_vp", level=4)
GENERAL_MANAGER = actor("u-gm", "general_manager", level=4)
FINANCE_HEAD = actor("u-fh", "finance_head", level=3, org_unit="finance")
LEGAL_REVIEWER = actor("u-legal", "legal_reviewer", level=2, org_unit="legal")
HQ_LEGAL = actor("u-hqlegal", "hq_legal", level=4, org_unit="hq-legal")
PLANNER = actor("u-plan", "planner", level=1, org_unit="planning")
CONTRACT_ID = "HT-2026-007"
APPLICATION_ID = "SB-2026-007"
SALES_POLICY = "XSZC-2026-01"


def quotation_line(no: int = 1, **kw: Any) -> sc.QuotationLine:
    """A complete quotation line: every S-FT 报价 element stated."""
    base: dict[str, Any] = dict(
        product=sc.Product(id="P-PE-01", name="PE film"),
        unit_price=cny("1000"),
        quantity=Decimal("10"),
        quality_grade="GB/T 4456 grade A",
        spec_model="0.05 mm x 1200 mm",
        packaging="standard export cartons",
        material="LDPE",
    )
    base.update(kw)
    return sc.QuotationLine(line_no=no, **base)


def quotation(id: str = "BJ-2026-031", **kw: Any) -> sc.Quotation:
    """A complete quotation answering inquiry XP-2026-031."""
    base: dict[str, Any] = dict(
        customer_id="C-100",
        lines=(quotation_line(),),
        created_by="u-rep",
        quoted_on=TODAY,
        delivery_date=TODAY + dt.timedelta(days=45),
        transport="sea, FOB Shanghai",
        inquiry_ref="XP-2026-031",
    )
    base.update(kw)
    return sc.Quotation(id=id, **base)


def sales_contract(id: str = CONTRACT_ID, amount: str | int = "100000", **kw: Any) -> sc.Contract:
    """A draft written contract on the approved template, from application SB-2026-007."""
    base: dict[str, Any] = dict(
        customer_id="C-100",
        payment=sc.PaymentTerms(sc.PaymentMethod.CREDIT, 30),
        created_by="u-rep",
        template_id="TPL-SALES-2026",
        application_id=APPLICATION_ID,
        sales_policy_ref=SALES_POLICY,
        lines=(line(1, "100", "1000"),),
    )
    base.update(kw)
    return sc.Contract(id=id, amount=cny(amount), **base)


def business_form(id: str = "YW-2026-007", **kw: Any) -> sc.BusinessApprovalForm:
    """A business approval form for the contract, prepared by the rep, approved by the manager."""
    base: dict[str, Any] = dict(
        prepared_by="u-rep",
        prepared_on=TODAY - dt.timedelta(days=2),
        contract_id=CONTRACT_ID,
        approved_by=("u-mgr",),
        approved_on=TODAY - dt.timedelta(days=1),
    )
    base.update(kw)
    return sc.BusinessApprovalForm(id=id, **base)


def production_order(id: str = "SC-2026-007", qty: str | int = "100", **kw: Any) -> sc.ProductionOrder:
    """A production order for the contract's 100 units, compiled by planning."""
    base: dict[str, Any] = dict(
        lines=(sc.ProductionLine(1, sc.Product(id="P-PE-01", name="PE film"), Decimal(str(qty))),),
        issued_by="u-plan",
        issued_on=TODAY,
        contract_id=CONTRACT_ID,
        business_approval_id="YW-2026-007",
    )
    base.update(kw)
    return sc.ProductionOrder(id=id, **base)


def ledger_line(value: str | int = "100000", collected: str | int = "60000") -> sc.ContractAccount:
    """The contract ledger line: price and amount collected."""
    return sc.ContractAccount(value=cny(value), collected=cny(collected))


def commission_claim(id: str = "TC-2026-007", amount: str | int = "1800", rate: str = "0.03", **kw: Any) -> sc.CommissionClaim:
    """A commission slip for the rep on the contract, filled in by the sales office."""
    base: dict[str, Any] = dict(
        salesperson_id="u-rep", prepared_by="u-office", prepared_on=TODAY, contract_id=CONTRACT_ID
    )
    base.update(kw)
    return sc.CommissionClaim(id=id, amount=cny(amount), rate=Decimal(rate), **base)


def work_order(id: str = "PG-2026-007", **kw: Any) -> sc.WorkOrder:
    """A follow-on work order for the contract's customer, issued by the rep."""
    base: dict[str, Any] = dict(
        customer_id="C-100", issued_by="u-rep", scheduled_on=TODAY, contract_id=CONTRACT_ID
    )
    base.update(kw)
    return sc.WorkOrder(id=id, **base)


def opportunity(stage: sc.PipelineStage = sc.PipelineStage.LEAD, **kw: Any) -> sc.Opportunity:
    """An opportunity at ``stage``; willing and able unless told otherwise."""
    base: dict[str, Any] = dict(
        id="SJ-2026-015", prospect="Huadong Chemicals", owner="u-rep", willing_to_buy=True, able_to_pay=True
    )
    base.update(kw)
    return sc.Opportunity(stage=stage, **base)
