"""O2C-DL-01's rule for credit sales: nothing leaves on credit without a signed contract or the
customer's money (S-IC 2.3 签订赊销合同; S-K1 3 销售产品必须签订文本合同; S-IC 5.1 根据已经签订的
购销合同或客户到款情况…开具发货通知单).

The order may be placed before its contract is signed (a documented behaviour: O2C-CT-01 looks
at the contract when it is signed); but when a delivery notice is issued, or goods are issued,
for an order whose payment method consumes credit, either a contract of the customer linked to
the order is signed (status ``signed``, signed on or before the business date, in the context's
``contracts``), or the customer's unapplied advance receipts (``advance_receipts``) cover the
value of what is delivered (at the order's prices). Otherwise the delivery is blocked.
"""

from __future__ import annotations

import datetime as dt

from salesctl.context import Context
from salesctl.controls.credit import CreditPolicy, consumes_credit
from salesctl.controls.delivery.policy import DeliveryPolicy
from salesctl.decision import Finding, Outcome
from salesctl.model import Contract, ContractStatus, DeliveryLine, SalesOrder
from salesctl.money import Money
from salesctl.transactions import IssueDeliveryNotice, PostGoodsIssue

__all__ = ["check_credit_delivery_secured", "signed_contract"]


def _linked(order: SalesOrder, extra: str | None, ctx: Context) -> tuple[str, ...]:
    ids = {c for c in (order.contract_id, extra) if c is not None}
    ids.update(c.id for c in ctx.contracts if c.order_id == order.id)
    return tuple(sorted(ids))


def signed_contract(
    order: SalesOrder, ctx: Context, *, contract_id: str | None = None
) -> Contract | None:
    """A contract of the order's customer, linked to the order (its ``contract_id``,
    ``contract_id`` given here, or a contract naming the order), signed on or before the
    context's business date; ``None`` when there is none in ``ctx.contracts``."""
    for cid in _linked(order, contract_id, ctx):
        c = ctx.contract(cid)
        if (
            c is not None
            and c.status is ContractStatus.SIGNED
            and c.customer_id == order.customer.id
            and (c.signed_on is None or c.signed_on <= ctx.as_of)
        ):
            return c
    return None


def _signed_on_hand(order: SalesOrder, ctx: Context, contract_id: str | None) -> bool:
    """``signed_contract(order, ctx, contract_id=contract_id) is not None``: whether any linked
    contract qualifies (the same ids, each looked up as ``ctx.contract`` does), asked in
    context order without sorting the ids, which only chooses *which* one is returned."""
    oid, customer, today = order.id, order.customer.id, ctx.as_of
    for cid in (order.contract_id, contract_id):
        if cid is not None and _qualifies(ctx.contract(cid), customer, today):
            return True
    contracts = ctx.contracts
    for i, c in enumerate(contracts):
        if c.order_id == oid:
            first = c  # ctx.contract(c.id): the first contract of that id, this one or earlier
            cid = c.id
            for d in contracts[:i]:
                if d.id == cid:
                    first = d
                    break
            if _qualifies(first, customer, today):
                return True
    return False


def _qualifies(c: Contract | None, customer: str, today: dt.date) -> bool:
    """:func:`signed_contract`'s test of one contract."""
    return (
        c is not None
        and c.status is ContractStatus.SIGNED
        and c.customer_id == customer
        and (c.signed_on is None or c.signed_on <= today)
    )


def _value(lines: tuple[DeliveryLine, ...], order: SalesOrder) -> Money:
    prices = {ln.line_no: ln.unit_price for ln in order.lines}
    total = Money.zero(order.currency)
    for line in lines:
        # A line the order does not have is valued at the dearest price of the order: an
        # unknown line never makes the delivery look cheaper than it is.
        price = prices.get(line.order_line) or max(prices.values())
        total = total + price.times(line.quantity)
    return total


def check_credit_delivery_secured(
    txn: IssueDeliveryNotice | PostGoodsIssue, ctx: Context, policy: DeliveryPolicy
) -> tuple[Finding, ...]:
    """O2C-DL-01 (credit sales): a delivery on credit rests on a signed contract or on money
    received.

    Returns:
        Nothing when the order does not consume credit, a signed contract of the customer is
        linked to it, or the customer's advance receipts cover the delivery's value; otherwise
        one BLOCK finding naming what is missing.
    """
    order = txn.order
    credit = policy.credit if policy.credit is not None else CreditPolicy()
    if not consumes_credit(order, credit):  # credit_methods, read as CR-04 reads them
        return ()
    if isinstance(txn, IssueDeliveryNotice):
        lines, named = txn.notice.lines, txn.notice.contract_id
    else:
        lines, named = txn.goods_issue.lines, None
    if _signed_on_hand(order, ctx, named):  # signed_contract(...) is not None
        return ()
    value = _value(lines, order)
    advance = ctx.advance_receipts.get(order.customer.id)
    paid = ctx.convert(advance, value.currency) if advance is not None else None
    if paid is not None and paid >= value:
        return ()
    linked = _linked(order, named, ctx)
    return (
        Finding(
            control_id="O2C-DL-01",
            outcome=Outcome.BLOCK,
            message="delivery.credit_unsecured",
            params={
                "document": txn.document_id,
                "order": order.id,
                "value": value,
                "paid": paid if paid is not None else "-",
            },
            facts={
                "order": order.id,
                "method": order.payment.method,
                "contracts": [_describe(c, ctx) for c in linked] or "-",
                "delivery_value": value,
                "advance_receipts": paid if paid is not None else "-",
                "business_date": ctx.as_of,
            },
        ),
    )


def _describe(contract_id: str, ctx: Context) -> str:
    c = ctx.contract(contract_id)
    if c is None:
        return f"{contract_id} (not on hand)"
    on = c.signed_on.isoformat() if isinstance(c.signed_on, dt.date) else "-"
    return f"{contract_id} ({c.status.value}, customer {c.customer_id}, signed {on})"
