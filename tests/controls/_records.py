"""Records builders shared by the detective-control tests of several families (March 2026)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import salesctl as sc
from salesctl.reconcile import BilledLine, DeliveryRecord, Period, SystemInvoice

MARCH = Period.month(2026, 3)


def d(day: int, month: int = 3) -> dt.date:
    return dt.date(2026, month, day)


def cny(x: str | int) -> sc.Money:
    return sc.Money(str(x), "CNY")


def outcomes(result: object) -> list[tuple[str, str, str]]:
    return [
        (f.control_id, f.outcome.name, f.facts[0][1])
        for f in result.findings  # type: ignore[attr-defined]
    ]


def delivery_record(
    gi: str = "GI-1", qty: str = "10", product: str = "P-1", day: int = 5
) -> DeliveryRecord:
    return DeliveryRecord(
        goods_issue_id=gi,
        order_id="SO-1",
        customer_id="C-1",
        product_id=product,
        quantity=Decimal(qty),
        posted_on=d(day),
    )


def sys_invoice(
    id: str = "SI-1",
    amount: str = "10000",
    day: int = 5,
    lines: tuple[BilledLine, ...] | None = None,
) -> SystemInvoice:
    return SystemInvoice(
        invoice_id=id,
        customer_id="C-1",
        issued_on=d(day),
        amount=cny(amount),
        lines=lines
        if lines is not None
        else (BilledLine(product_id="P-1", quantity=Decimal("10"), goods_issue_id="GI-1"),),
    )


DAY5 = Period.day(d(5))
