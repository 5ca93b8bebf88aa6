"""Valid event streams: documents in a legal order with consistent numbers and amounts."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from hypothesis import strategies as st
from hypothesis.strategies import SearchStrategy

from salesctl import events as ev
from salesctl import model as m
from salesctl import transactions as tx
from salesctl.model import (
    Actor,
    Approval,
    CreditProfile,
    Customer,
    OrderLine,
    PaymentMethod,
    PaymentTerms,
    PriceEntry,
    Product,
    SalesOrder,
)
from salesctl.money import CURRENCIES, Money
from salesctl.testing.values import amounts, datetimes

__all__ = ["event_streams"]

_PRODUCT_IDS = ("P-1", "P-2", "P-3")


def event_streams(*, max_orders: int = 3, currency: str = "CNY") -> SearchStrategy[list[Any]]:
    """Valid event streams: documents in a legal order with consistent numbers and amounts.

    Per customer a credit profile; per order, in time order: the approvals, the order (numbers
    of its series consecutive), a delivery notice, the goods issue against it (quantities within
    the order), the invoice of what was delivered (at the order's prices) and a receipt of at
    most the invoice total. Prices are published before the orders that use them. The events
    are the objects; :func:`salesctl.events.event_to_dict` writes one JSON line each.

    Args:
        max_orders: the most orders in the stream.
        currency: the currency of every amount.
    """

    @st.composite
    def build(draw: st.DrawFn) -> list[Any]:
        t = draw(datetimes(min_value=dt.datetime(2026, 1, 1), max_value=dt.datetime(2026, 6, 30)))
        out: list[Any] = []

        def tick() -> dt.datetime:
            nonlocal t
            t = t + dt.timedelta(minutes=draw(st.integers(1, 3000)))
            return t

        rep = Actor(
            id="u-rep", roles=frozenset({"sales_rep"}), org_unit="east-1", authority_level=1
        )
        maintainer = Actor(
            id="u-fin",
            roles=frozenset({"credit_master_maintainer"}),
            org_unit="finance",
            authority_level=2,
        )
        manager = Actor(
            id="u-mgr", roles=frozenset({"sales_manager", "credit_manager"}), authority_level=3
        )
        masters = {p: draw(amounts(currency, min_value=1, max_value=2_000)) for p in _PRODUCT_IDS}
        for pid, price in masters.items():
            out.append(
                ev.PublishPrice(
                    at=tick(),
                    entry=PriceEntry(
                        product_id=pid,
                        price=Money(price, currency),
                        valid_from=t.date() - dt.timedelta(days=1),
                        source_document="PG-2026-007",
                    ),
                )
            )
        customers_: dict[str, Customer] = {}
        for cid in ("C-1", "C-2"):
            profile = CreditProfile(
                grade="A",
                limit=Money(draw(amounts(currency, max_value=2_000_000)), currency),
                term_days=30,
                reviewed_on=t.date(),
                proposed_by="u-prop",
                approved_by=("u-appr",),
                collection_letter_ref="HKHL-1",
            )
            before = Customer(id=cid, name=f"客户 {cid}")
            out.append(
                tx.SetCreditProfile(
                    customer=before,
                    profile=profile,
                    application_id=f"CA-{cid}",
                    actor=maintainer,
                    at=tick(),
                )
            )
            customers_[cid] = Customer(id=cid, name=f"客户 {cid}", credit_profile=profile)
        seq = 0
        for _k in range(draw(st.integers(1, max_orders))):
            seq += 1
            cust = customers_[draw(st.sampled_from(sorted(customers_)))]
            order_id = f"SO-2026-{seq:04d}"
            lines = tuple(
                OrderLine(
                    line_no=i + 1,
                    product=Product(id=pid),
                    quantity=Decimal(draw(st.integers(1, 20))),
                    unit_price=Money(masters[pid], currency),
                )
                for i, pid in enumerate(
                    draw(
                        st.lists(st.sampled_from(_PRODUCT_IDS), min_size=1, max_size=3, unique=True)
                    )
                )
            )
            order = SalesOrder(
                id=order_id,
                series="SO-2026",
                seq=seq,
                customer=cust,
                lines=lines,
                payment=PaymentTerms(
                    draw(st.sampled_from([PaymentMethod.CREDIT, PaymentMethod.CASH])), 30
                ),
                created_by=rep.id,
                order_date=t.date(),
                collection_letter_ref="HKHL-1",
            )
            for role in ("sales_manager", "credit_manager"):
                out.append(
                    ev.GrantApproval(
                        at=tick(),
                        approval=Approval(
                            id=f"A-{order_id}-{role}",
                            document_id=order_id,
                            role=role,
                            approver=manager,
                            granted_at=t,
                        ),
                        customer_id=cust.id,
                    )
                )
            out.append(tx.PlaceOrder(order=order, actor=rep, at=tick()))
            if not draw(st.integers(0, 3)):
                continue
            delivered = tuple(
                m.DeliveryLine(
                    order_line=ln.line_no,
                    product_id=ln.product.id,
                    quantity=Decimal(draw(st.integers(1, int(ln.quantity)))),
                )
                for ln in lines
            )
            notice = m.DeliveryNotice(
                id=f"DN-{seq}",
                order_id=order_id,
                lines=delivered,
                issued_by=rep.id,
                issued_on=t.date(),
                valid_until=t.date() + dt.timedelta(days=30),
            )
            out.append(
                ev.GrantApproval(
                    at=tick(),
                    approval=Approval(
                        id=f"A-{notice.id}",
                        document_id=notice.id,
                        role="sales_manager",
                        approver=manager,
                        granted_at=t,
                    ),
                    customer_id=cust.id,
                )
            )
            out.append(tx.IssueDeliveryNotice(notice=notice, order=order, actor=rep, at=tick()))
            issue = m.GoodsIssue(
                id=f"GI-{seq}",
                order_id=order_id,
                customer_id=cust.id,
                notice_id=notice.id,
                lines=delivered,
                issued_on=t.date(),
                posted=True,
                gate_pass=f"GP-{seq}",
            )
            out.append(tx.PostGoodsIssue(goods_issue=issue, order=order, actor=rep, at=tick()))
            if not draw(st.integers(0, 3)):
                continue
            prices_by_line = {ln.line_no: ln.unit_price for ln in lines}
            invoice = m.Invoice(
                id=f"INV-{seq}",
                order_id=order_id,
                customer_id=cust.id,
                lines=tuple(
                    m.InvoiceLine(
                        order_line=d.order_line,
                        product_id=d.product_id,
                        quantity=d.quantity,
                        unit_price=prices_by_line[d.order_line],
                    )
                    for d in delivered
                ),
                issued_by="u-fin",
                issued_on=tick().date(),
            )
            out.append(tx.IssueInvoice(invoice=invoice, actor=maintainer, at=t))
            paid = (
                draw(
                    amounts(
                        currency,
                        min_value=Decimal(1).scaleb(-CURRENCIES[currency]),
                        max_value=invoice.total.amount,
                    )
                )
                if invoice.total.amount
                else None
            )
            if paid:
                out.append(
                    tx.RecordReceipt(
                        receipt=m.Receipt(
                            id=f"RC-{seq}",
                            customer_id=cust.id,
                            amount=Money(paid, currency),
                            received_on=tick().date(),
                            to_receivables=Money(paid, currency),
                        ),
                        actor=maintainer,
                        at=t,
                    )
                )
        return out

    return build()
