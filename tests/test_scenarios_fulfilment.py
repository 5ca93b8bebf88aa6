"""Scenario tests: the seed's fulfilment flows walked document by document, in order.

Each step is decided by the full default gate, as a host would ask it. At every step the
control fires when the step before it was skipped or done out of order, and the step passes
once it was done right; the state a host would report (approvals, documents, collections)
grows as the walk goes on.

* S-K1 items 7, 8 and 11 (销售业务流程 第一篇)::

      7  产成品由分厂生产科填写入库单和质检科出具产品合格证办理入库
      8  发货单由销售业务科填写,销售部经理签批。仓库依据发货单办理出库、保卫依据出门证登记出厂。
         发货单客户联须经客户方签收方可财务入帐。
      11 60%以上货款回收时方可开据发票,发票开据由财务副总签批。

* S-PM C (普通销售先配后结)::

      回退处理时传票取消记账后,销售结算单需要在系统中被回退确定并作废;
      发票作废时需要确认销售结算单已经被作废

* S-YF 9–11 (直销、赊销流程): the customer signs the customer copy or refuses on a difference;
  a logistics delivery is marked "物流送货" and proved by the carrier's receipt; the accountant
  recognises revenue and offsets advance receipts; consignment stock (铺货) is settled at the
  month-end count (期初金额 − 盘点金额 = 结算金额) confirmed by both finance departments.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import attrs

import salesctl as sc
from tests import builders as b

GATE = sc.Gate()
ALLOW, HOLD, BLOCK = sc.Outcome.ALLOW, sc.Outcome.HOLD, sc.Outcome.BLOCK
CONTRACT = "CT-2026-007"


class World:
    """What the host knows, growing step by step (a stand-in for the host's ledger)."""

    def __init__(self, **kw: Any) -> None:
        self.state: dict[str, Any] = {"approvals": (), "exposure": b.exposure(open_orders="100000")}
        self.state.update(kw)

    def ctx(self, **override: Any) -> sc.Context:
        return b.context(**{**self.state, **override})

    def add(self, name: str, *items: Any) -> None:
        self.state[name] = tuple(self.state.get(name, ())) + items

    def approve(self, *approvals: sc.Approval) -> None:
        self.add("approvals", *approvals)

    def replace(self, name: str, old_id: str, new: Any) -> None:
        self.state[name] = tuple(new if x.id == old_id else x for x in self.state[name])


def decide(txn: sc.Transaction, ctx: sc.Context) -> sc.Decision:
    return GATE.check(txn, ctx)


def fired(d: sc.Decision, outcome: sc.Outcome) -> set[str]:
    return {f.message for f in d.findings if f.outcome is outcome}


def test_s_k1_items_7_8_11_in_order() -> None:
    """Contract → delivery notice → QC'd stock → goods issue with gate pass → signed copy →
    revenue → 60 % collected → invoice signed by the finance VP."""
    order = b.order(contract_id=CONTRACT, lines=(b.line(qty="100", price="1000"),))  # 100,000 CNY
    signed = b.sales_contract(
        CONTRACT, status=sc.ContractStatus.SIGNED, signed_on=b.TODAY, order_id=order.id
    )
    w = World(
        contract_accounts={
            CONTRACT: sc.ContractAccount(value=b.cny("100000"), collected=b.cny("0"))
        },
        contracts=(signed,),
        orders=(order,),
    )
    notice = b.notice(contract_id=CONTRACT, lines=(b.dline(qty="100"),))

    # Item 8, skipped step: the contract is not approved yet (合同签批) → no delivery notice.
    d = decide(b.issue_notice(notice, order), w.ctx())
    assert d.outcome is BLOCK and "delivery.source_not_approved" in fired(d, BLOCK)
    # The contract is approved; the notice is written but the sales manager has not signed.
    w.state["approved_documents"] = frozenset({CONTRACT})
    d = decide(b.issue_notice(notice, order), w.ctx())
    assert d.outcome is HOLD and [r.role for r in d.required_approvals] == ["sales_manager"]
    # 销售部经理签批 → ALLOW.
    w.approve(b.approval(notice.id, "sales_manager", b.MANAGER, id="A-DN"))
    assert decide(b.issue_notice(notice, order), w.ctx()).outcome is ALLOW
    w.add("delivery_notices", notice)
    w.state["approved_documents"] |= {notice.id}

    # Item 7, skipped step: the lot entered stock without a QC certificate → cannot ship.
    gi = b.goods_issue(lines=(b.dline(qty="100", lot="LOT-7"),))
    w.add("stock_lots", b.lot("LOT-7", qty="100", qc=None))
    d = decide(b.post_issue(gi, order), w.ctx())
    assert d.outcome is BLOCK and fired(d, BLOCK) == {"delivery.no_qc_certificate"}
    # QC issues the certificate; but the goods try to leave without a gate pass (保卫依据出门证登记出厂).
    w.state["stock_lots"] = (b.lot("LOT-7", qty="100", qc="QC-2026-0301"),)
    d = decide(b.post_issue(attrs.evolve(gi, gate_pass=None), order), w.ctx())
    assert fired(d, BLOCK) == {"delivery.no_gate_pass"}
    # Out of order: a goods issue citing a notice that is not (yet) issued.
    d = decide(b.post_issue(attrs.evolve(gi, notice_id="DN-NOT-YET"), order), w.ctx())
    assert "delivery.notice_unknown" in fired(d, BLOCK)
    # Done right: the warehouse ships per the notice, on a gate pass → ALLOW.
    assert decide(b.post_issue(gi, order), w.ctx()).outcome is ALLOW
    w.add("goods_issues", attrs.evolve(gi, posted=True))

    # Item 8, last sentence: the customer copy is not signed yet → finance may not book revenue.
    entry = b.revenue_entry(amount="100000")
    w.state["advance_receipts"] = {"C-100": b.cny("0")}
    d = decide(sc.BookRevenue(entry=entry, actor=b.ACCOUNTANT, at=b.AT), w.ctx())
    assert fired(d, BLOCK) == {"revenue.proof_unsigned"}
    w.add("delivery_proofs", b.signed())
    assert (
        decide(sc.BookRevenue(entry=entry, actor=b.ACCOUNTANT, at=b.AT), w.ctx()).outcome is ALLOW
    )

    # Item 11: invoicing out of order, at 59.99 % collected → BLOCK.
    inv = b.invoice(contract_id=CONTRACT, lines=(b.iline(qty="100", price="1000"),))
    w.state["contract_accounts"] = {
        CONTRACT: sc.ContractAccount(value=b.cny("100000"), collected=b.cny("59990"))
    }
    d = decide(sc.IssueInvoice(invoice=inv, actor=b.CLERK, at=b.AT), w.ctx())
    assert fired(d, BLOCK) == {"billing.collected_too_little"}
    # The customer pays 10 more (recorded against the open receivable) → 60 % exactly.
    w.state["exposure"] = b.exposure(receivables="100000")
    pay = b.receipt(amount="10.00", to_receivables="10.00")
    assert (
        decide(sc.RecordReceipt(receipt=pay, actor=b.ACCOUNTANT, at=b.AT), w.ctx()).outcome is ALLOW
    )
    w.state["contract_accounts"] = {
        CONTRACT: sc.ContractAccount(value=b.cny("100000"), collected=b.cny("60000"))
    }
    d = decide(sc.IssueInvoice(invoice=inv, actor=b.CLERK, at=b.AT), w.ctx())
    assert d.outcome is HOLD and [r.role for r in d.required_approvals] == ["finance_vp"]
    # 发票开据由财务副总签批 → ALLOW.
    w.approve(b.approval(inv.id, "finance_vp", b.FINANCE_VP, id="A-VP"))
    d = decide(sc.IssueInvoice(invoice=inv, actor=b.CLERK, at=b.AT), w.ctx())
    assert d.outcome is ALLOW
    assert "A-VP" in {a for f in d.findings for a in f.cleared_by}


def test_s_k1_invoice_before_goods_issue_is_out_of_order() -> None:
    """S-IC 5.2 with S-K1 11: fully paid, VP on hand, but nothing posted yet → BLOCK (O2C-BL-01)."""
    inv = b.invoice(contract_id=CONTRACT)
    ctx = b.context(
        contract_accounts={
            CONTRACT: sc.ContractAccount(value=b.cny("10000"), collected=b.cny("10000"))
        },
        approvals=(b.approval(inv.id, "finance_vp", b.FINANCE_VP, id="A-VP"),),
        goods_issues=(b.goods_issue(posted=False),),
    )
    d = decide(sc.IssueInvoice(invoice=inv, actor=b.CLERK, at=b.AT), ctx)
    assert fired(d, BLOCK) == {"billing.over_delivered"}
    posted = attrs.evolve(ctx, goods_issues=(b.goods_issue(posted=True),))
    assert decide(sc.IssueInvoice(invoice=inv, actor=b.CLERK, at=b.AT), posted).outcome is ALLOW


def test_s_pm_void_rules_in_order() -> None:
    """S-PM C: unpost the voucher → void the settlement → void the invoice; any other order is blocked."""
    inv = b.invoice(settlement_id="ST-0042-1")
    settlement = b.settlement(status=sc.SettlementStatus.CONFIRMED, voucher_posted=True)
    # An ordinary sale, not on credit (a credit sale would need its contract: O2C-BL-03).
    cash = b.order(method=sc.PaymentMethod.CASH, days=0)
    w = World(invoices=(inv,), settlements=(settlement,), orders=(cash,))

    def void_invoice() -> sc.Decision:
        return decide(
            sc.VoidInvoice(invoice=inv, reason="wrong price", actor=b.CLERK, at=b.AT), w.ctx()
        )

    def void_settlement(s: sc.Settlement) -> sc.Decision:
        return decide(sc.VoidSettlement(settlement=s, actor=b.CLERK, at=b.AT), w.ctx())

    # Out of order: the invoice first, while its settlement stands → BLOCK.
    assert fired(void_invoice(), BLOCK) == {"billing.settlement_not_voided"}
    # Out of order: the settlement while its voucher is still posted → BLOCK.
    assert fired(void_settlement(settlement), BLOCK) == {"billing.voucher_posted"}
    # 传票取消记账: the voucher is unposted; now the settlement may be rolled back and voided.
    unposted = attrs.evolve(settlement, voucher_posted=False)
    w.replace("settlements", settlement.id, unposted)
    assert void_settlement(unposted).outcome is ALLOW
    voided = attrs.evolve(unposted, status=sc.SettlementStatus.VOIDED)
    w.replace("settlements", settlement.id, voided)
    # Voiding the settlement twice is refused; the invoice may now be voided.
    assert fired(void_settlement(voided), BLOCK) == {"billing.settlement_already_voided"}
    assert void_invoice().outcome is ALLOW
    # Once voided, it is not voided again, and its quantity is free to invoice again (O2C-BL-01).
    w.replace("invoices", inv.id, attrs.evolve(inv, voided=True))
    assert fired(void_invoice(), BLOCK) == {"billing.invoice_already_voided"}
    reissue = b.invoice("INV-0042-2")
    d = decide(
        sc.IssueInvoice(invoice=reissue, actor=b.CLERK, at=b.AT),
        w.ctx(goods_issues=(b.goods_issue(posted=True),)),
    )
    assert d.outcome is ALLOW


def test_s_yf_direct_delivery_sign_off() -> None:
    """S-YF 9: the customer counts the goods against the customer copy; a difference is refused."""
    w = World(
        goods_issues=(b.goods_issue(posted=True),),
        advance_receipts={"C-100": b.cny("0")},
        orders=(b.order(),),
    )
    txn = sc.BookRevenue(entry=b.revenue_entry(), actor=b.ACCOUNTANT, at=b.AT)
    assert fired(decide(txn, w.ctx()), BLOCK) == {"revenue.proof_unsigned"}
    w.add("delivery_proofs", b.signed(discrepancy=True, id="PR-REFUSED"))
    assert fired(decide(txn, w.ctx()), BLOCK) == {"revenue.proof_discrepancy"}
    # Sales and customer service sort it out; the customer signs a clean copy.
    w.add("delivery_proofs", b.signed(id="PR-CLEAN"))
    assert decide(txn, w.ctx()).outcome is ALLOW


def test_s_yf_logistics_receipt() -> None:
    """S-YF 10–11: "物流送货" on the outbound note and the carrier's receipt matched to it."""
    gi = b.goods_issue(posted=True, mode=sc.DeliveryMode.LOGISTICS, carrier_ref="DB-55012")
    w = World(goods_issues=(gi,), advance_receipts={"C-100": b.cny("0")}, orders=(b.order(),))
    txn = sc.BookRevenue(entry=b.revenue_entry(), actor=b.ACCOUNTANT, at=b.AT)
    assert fired(decide(txn, w.ctx()), BLOCK) == {"revenue.proof_unsigned"}
    w.add("delivery_proofs", b.logistics_receipt(carrier_ref="DB-55021", id="LR-WRONG"))
    assert fired(decide(txn, w.ctx()), BLOCK) == {"revenue.proof_unmatched"}
    w.add("delivery_proofs", b.logistics_receipt(carrier_ref="DB-55012", id="LR-RIGHT"))
    assert decide(txn, w.ctx()).outcome is ALLOW


def test_s_yf_consignment_revenue_and_advance_receipts() -> None:
    """S-YF 11: 铺货 30,000; an advance of 5,000 was received; month-end count 18,000 → 12,000
    settled; revenue waits for the confirmed settlement and offsets the advance first; the
    distributor then pays the remaining 7,000 before the 5th."""
    as_of = dt.date(2026, 3, 31)
    w = World(as_of=as_of, exposure=b.exposure(), orders=(b.order(),))
    # The distributor pays 5,000 in advance: nothing is invoiced, so it cannot settle receivables.
    early = b.receipt(
        "RC-ADV", amount="5000", to_receivables="5000", received_on=dt.date(2026, 3, 1)
    )
    # (recorded on 2 March: the context of that check is dated that day)
    assert fired(
        decide(
            sc.RecordReceipt(receipt=early, actor=b.ACCOUNTANT, at=b.AT), w.ctx(as_of=b.TODAY)
        ),
        BLOCK,
    ) == {"revenue.receipt_over_receivables"}
    early = attrs.evolve(early, to_receivables=b.cny("0"))
    assert (
        decide(
            sc.RecordReceipt(receipt=early, actor=b.ACCOUNTANT, at=b.AT), w.ctx(as_of=b.TODAY)
        ).outcome
        is ALLOW
    )
    w.state["advance_receipts"] = {"C-100": b.cny("5000")}

    # The consignment is shipped and signed for.
    gi = b.goods_issue(posted=True, consignment=True, lines=(b.dline(qty="30", lot="LOT-A"),))
    w.add("goods_issues", gi)
    w.add("delivery_proofs", b.signed())
    at = dt.datetime(2026, 3, 31, 17, tzinfo=b.TZ)
    entry = b.revenue_entry(amount="12000", advance_offset="5000", booked_on=as_of)

    # Out of order: revenue on shipment, before the month-end count.
    d = decide(sc.BookRevenue(entry=entry, actor=b.ACCOUNTANT, at=at), w.ctx())
    assert fired(d, BLOCK) == {"revenue.consignment_unsettled"}
    entry = attrs.evolve(entry, consignment_settlement_id="CS-2026-03")
    count = sc.ConsignmentSettlement(
        id="CS-2026-03",
        customer_id="C-100",
        period_end=as_of,
        opening=b.cny("30000"),
        counted=b.cny("18000"),
    )
    w.add("consignment_settlements", count)
    # The count is not yet agreed by both finance departments.
    assert fired(
        decide(sc.BookRevenue(entry=entry, actor=b.ACCOUNTANT, at=at), w.ctx()), BLOCK
    ) == {"revenue.consignment_unconfirmed"}
    w.replace("consignment_settlements", count.id, attrs.evolve(count, confirmed=True))
    # Skipping the advance: booking 12,000 as a fresh receivable while 5,000 sits in advances.
    d = decide(
        sc.BookRevenue(entry=attrs.evolve(entry, advance_offset=None), actor=b.ACCOUNTANT, at=at),
        w.ctx(),
    )
    assert fired(d, BLOCK) == {"revenue.advance_not_offset"}
    # More than the settlement is not revenue either.
    d = decide(
        sc.BookRevenue(entry=attrs.evolve(entry, amount=b.cny("12500")), actor=b.ACCOUNTANT, at=at),
        w.ctx(),
    )
    assert fired(d, BLOCK) == {"revenue.consignment_over_settled"}
    # Done right: 12,000 recognised, 5,000 of it offsetting the advance.
    assert decide(sc.BookRevenue(entry=entry, actor=b.ACCOUNTANT, at=at), w.ctx()).outcome is ALLOW

    # 次月5日前: the remaining 7,000 is now a receivable and is paid.
    w.state["advance_receipts"] = {"C-100": b.cny("0")}
    w.state["exposure"] = b.exposure(receivables="7000")
    balance = b.receipt(
        "RC-0403", amount="7000", to_receivables="7000", received_on=dt.date(2026, 4, 3)
    )
    assert (
        decide(
            sc.RecordReceipt(receipt=balance, actor=b.ACCOUNTANT, at=b.at(3, 10, month=4)),
            w.ctx(as_of=dt.date(2026, 4, 3)),
        ).outcome
        is ALLOW
    )
