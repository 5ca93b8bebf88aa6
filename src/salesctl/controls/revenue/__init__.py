"""Revenue: recognising revenue and recording receipts (收入确认与收款).

Source: the contract flow S-K1 8 (发货单客户联须经客户方签收方可财务入帐); the direct and
consignment sales flow S-YF 9–11 (客户签收;通过物流公司送货的司机在出库单上注明"物流送货"
字样并附上物流公司回单交财务部,公司直接送货的需客户在回执联签收;核算会计根据会计联确认收入,
冲销预收账款,快递单或托运单与回执联匹配成套;铺货月底盘点,期初金额-盘点金额=结算金额,双方
财务核对无误). Guideline 9 art. 7 and 12.

Controls: O2C-RR-02 (revenue only for posted deliveries the customer signed for, or whose
logistics receipt matches the waybill noted on the goods issue; consignment stock only on a
confirmed month-end settlement), O2C-RR-03 (revenue offsets the customer's advance receipts
first; a receipt is applied to receivables only up to what is open, the rest is an advance);
and, detective, O2C-RR-01 (daily and at month end, sales invoices = system invoices = revenue in
the general ledger, S-IC 8.1), run by :func:`salesctl.reconcile.run`; O2C-RR-04, both
preventive and detective (revenue recognised once per goods issue, for at most its delivered
value; a document posted twice is an exception; S-IC 二 2.1, S-YF 11), in
:mod:`~salesctl.controls.revenue.once`.

>>> from salesctl.controls.revenue import RevenuePolicy
>>> sorted(m.value for m in RevenuePolicy().logistics_modes)
['courier', 'logistics']
"""

from __future__ import annotations

from salesctl.control import Assertion, Automation, Control, Family, Frequency, Kind
from salesctl.controls.revenue.checks import (
    check_advance_receipts,
    check_delivery_proof,
    proof_problem,
)
from salesctl.controls.revenue.detect import detect_revenue_agreement
from salesctl.controls.revenue.once import (
    check_revenue_once,
    delivered_value,
    detect_revenue_once,
)
from salesctl.controls.revenue.policy import RevenuePolicy
from salesctl.transactions import BookRevenue, RecordReceipt

__all__ = [
    "FAMILY",
    "RevenuePolicy",
    "check_advance_receipts",
    "check_delivery_proof",
    "check_revenue_once",
    "delivered_value",
    "detect_revenue_agreement",
    "detect_revenue_once",
    "proof_problem",
]

# -- the family -------------------------------------------------------------------------------

_A = Assertion

CONTROLS: tuple[Control, ...] = (
    Control(
        id="O2C-RR-01",
        title_zh="发票、系统发票、总账收入一致",
        title_en="Daily and month-end: sales invoices agree with system invoices and with revenue in the general ledger",
        objective_zh="收入不虚增、不截留：开出的发票、系统发票与总账收入一致。",
        objective_en="Revenue is neither inflated nor withheld: invoices issued, system invoices and general-ledger revenue agree.",
        activity_zh="财务每日逐张复核已开销售发票与系统发票及系统生成的会计凭证（销售发票须在系统发票后 {sales_invoice_within_days} 天内开具，收入在 {posting_within_days} 天内入账）；月末核对三者合计，差异由 {revenue_role} 查明。",
        activity_en="Daily, finance matches each sales invoice issued to its system invoice and system-generated voucher (sales invoice within {sales_invoice_within_days} days of the system invoice, revenue posted within {posting_within_days} days); at month end the three totals are compared; differences are resolved by {revenue_role}.",
        risks=("R2.1", "R2.2"),
        kind=Kind.DETECTIVE,
        frequency=Frequency.DAILY,
        key=True,
        automation=Automation.IT_DEPENDENT,
        assertions=(_A.OCCURRENCE, _A.COMPLETENESS, _A.ACCURACY, _A.CUTOFF),
        seeds=("S-IC 8.1",),
        seed_quotes=(
            ("S-IC 8.1", "月末,核对销售发票、系统发票、财务总帐收入科目金额是否一致。", "At the month end, check that the sales invoices, the system invoices and the revenue accounts of the general ledger agree."),
        ),
        g9=(12,),
        stage="revenue",
        owner="finance / 财务部门",
        evidence="daily invoice-to-voucher matching; month-end three-way totals / 每日发票与凭证核对；月末三方合计核对",
        detect=detect_revenue_agreement,
        detect_at={Frequency.DAILY, Frequency.MONTHLY},
        messages={
            "period_end.sales_invoice_outside_system": (
                "销售发票 {invoice} 没有对应的系统发票（系统外开票）",
                "sales invoice {invoice} has no system invoice (issued outside the system)",
            ),
            "period_end.sales_invoice_differs": (
                "销售发票 {invoice} 与系统发票 {system_invoice} 的客户或金额不一致",
                "sales invoice {invoice} differs from system invoice {system_invoice} in customer or amount",
            ),
            "period_end.system_invoice_not_issued": (
                "系统发票 {invoice} 至 {deadline} 未开具销售发票",
                "system invoice {invoice} had no sales invoice by {deadline}",
            ),
            "period_end.invoice_not_posted": (
                "系统发票 {invoice} 金额 {amount}，总账收入入账 {posted}",
                "system invoice {invoice} of {amount} has {posted} posted to revenue in the general ledger",
            ),
            "period_end.manual_revenue": (
                "总账收入凭证 {voucher} 无发票依据（手工收入）",
                "revenue voucher {voucher} books no invoice (manual revenue entry)",
            ),
            "period_end.revenue_unknown_invoice": (
                "总账收入凭证 {voucher} 引用的发票 {invoice} 在系统中不存在",
                "revenue voucher {voucher} books invoice {invoice} that the system does not have",
            ),
            "period_end.revenue_totals": (
                "{period} 销售发票 {sales}、系统发票 {system}、总账收入 {ledger} 不一致",
                "{period}: sales invoices {sales}, system invoices {system} and GL revenue {ledger} do not agree",
            ),
        },
    ),
    Control(
        id="O2C-RR-02",
        title_zh="客户签收后方可入帐",
        title_en="Revenue booked only after the customer signed the delivery copy (or a logistics receipt is matched)",
        objective_zh="收入只确认已过账并经客户签收（或物流回单与出库单匹配）的发货；铺货按月末双方确认的盘点结算确认。",
        objective_en="Revenue is recognised only for posted deliveries that the customer signed for, or whose logistics receipt matches the outbound note; consignment stock only on the confirmed month-end settlement.",
        activity_zh="确认收入时系统检查每张出库单已过账、属本客户，且有无异议的客户签收联；运输方式为 {logistics_modes} 时，物流回单号与出库单所注一致亦可。铺货（需结算：{consignment_needs_settlement}）须有已经双方确认的月末结算，收入不超过结算金额（期初 − 盘点）。",
        activity_en="When revenue is booked the system checks that each goods issue is posted, of this customer, and proved delivered by a clean customer-signed copy — or, for {logistics_modes} deliveries, a logistics receipt whose number matches the one noted on the goods issue. Consignment stock (settlement required: {consignment_needs_settlement}) needs a month-end settlement confirmed by both finance departments, and revenue no larger than it (opening − counted).",
        risks=("R2.1",),
        kind=Kind.PREVENTIVE,
        frequency=Frequency.PER_TRANSACTION,
        key=True,
        automation=Automation.IT_DEPENDENT,
        assertions=(_A.OCCURRENCE, _A.CUTOFF),
        seeds=("S-K1 8", "S-YF 9", "S-YF 10", "S-YF 11"),
        seed_quotes=(
            ("S-K1 8", "发货单客户联须经客户方签收方可财务入帐。", "The customer copy of the delivery note must be signed by the customer before finance may book it."),
        ),
        g9=(7, 12),
        stage="revenue",
        owner="accounting / 核算会计",
        evidence="decision log: goods issues, proofs (signed copy or matched logistics receipt), consignment settlement / 决策日志：出库单、签收证明（客户签收联或相符的物流回单）、铺货结算",
        applies_to=(BookRevenue.__name__,),
        check=check_delivery_proof,
        messages={
            "revenue.goods_issue_unknown": (
                "出库单 {goods_issue} 不存在（失败关闭）",
                "goods issue {goods_issue} is not on hand (fails closed)",
            ),
            "revenue.not_posted": (
                "出库单 {goods_issue} 尚未过账，不得确认收入",
                "goods issue {goods_issue} is not posted: no revenue yet",
            ),
            "revenue.other_customer": (
                "出库单 {goods_issue} 属于客户 {customer}，不是 {entry_customer}",
                "goods issue {goods_issue} is for customer {customer}, not {entry_customer}",
            ),
            "revenue.proof_unsigned": (
                "出库单 {goods_issue}（{mode}）无客户签收联或物流回单，不得确认收入",
                "goods issue {goods_issue} ({mode}) has no customer-signed copy or logistics receipt: no revenue yet",
            ),
            "revenue.proof_unmatched": (
                "出库单 {goods_issue}（{mode}）的物流回单与出库单不匹配，且无客户签收",
                "goods issue {goods_issue} ({mode}): the logistics receipt does not match the goods issue, and the customer has not signed",
            ),
            "revenue.proof_discrepancy": (
                "出库单 {goods_issue} 客户签收有异议（品种或数量不符），须先处理",
                "goods issue {goods_issue}: the customer noted a discrepancy; resolve it before booking revenue",
            ),
            "revenue.consignment_unsettled": (
                "铺货收入 {entry} 未依据月末盘点结算",
                "consignment revenue {entry} rests on no month-end settlement",
            ),
            "revenue.consignment_settlement_unknown": (
                "铺货结算 {settlement} 不存在（失败关闭）",
                "consignment settlement {settlement} is not on hand (fails closed)",
            ),
            "revenue.consignment_other_customer": (
                "铺货结算 {settlement} 属于客户 {customer}",
                "consignment settlement {settlement} belongs to customer {customer}",
            ),
            "revenue.consignment_unconfirmed": (
                "铺货结算 {settlement} 尚未经双方财务核对确认",
                "consignment settlement {settlement} is not yet confirmed by both finance departments",
            ),
            "revenue.consignment_over_settled": (
                "铺货收入 {entry} 金额 {amount} 超过结算金额 {settled}",
                "consignment revenue {entry} of {amount} exceeds the settled {settled}",
            ),
        },
    ),
    Control(
        id="O2C-RR-03",
        title_zh="确认收入冲销预收账款",
        title_en="Revenue recognition offsets advance receipts first",
        objective_zh="确认收入时先冲销客户预收账款，收款超出应收部分记为预收，应收、预收不虚列。",
        objective_en="Revenue first offsets the customer's advance receipts, and money received beyond what is owed is an advance, so receivables and advances are never both overstated.",
        activity_zh="确认收入时系统要求冲销预收金额为客户预收余额与收入金额中的较小者；录入收款时系统检查冲应收部分不超过客户未结应收，其余记预收。",
        activity_en="When revenue is booked the system requires the advance offset to equal min(customer's advance balance, revenue); when a receipt is recorded it checks that the part applied to receivables does not exceed the customer's open receivables, the rest being an advance.",
        risks=("R2.1", "R2.2"),
        kind=Kind.PREVENTIVE,
        frequency=Frequency.PER_TRANSACTION,
        key=False,
        automation=Automation.AUTOMATED,
        assertions=(_A.ACCURACY, _A.PRESENTATION, _A.VALUATION),
        seeds=("S-YF 11",),
        seed_quotes=(
            ("S-YF 11", "核算会计根据库管传至会计联确认收入,冲销预收账款,", "The accountant recognises revenue from the accounting copy passed on by the storekeeper and offsets the advance receipts."),
        ),
        g9=(12,),
        stage="revenue",
        owner="accounting / 核算会计",
        evidence="decision log: advance balance, revenue, offset; receipt application and open receivables / 决策日志：预收余额、收入、冲销；收款核销和未收应收账款",
        applies_to=(BookRevenue.__name__, RecordReceipt.__name__),
        check=check_advance_receipts,
        messages={
            "revenue.receivables_unknown": (
                "缺少客户 {customer} 的应收数据，无法核对收款（失败关闭）",
                "no receivables for customer {customer} in the context: cannot check the receipt (fails closed)",
            ),
            "revenue.receipt_over_receivables": (
                "收款 {receipt} 冲应收 {applied}，超过未结应收 {open}；超出部分 {advance} 应记预收",
                "receipt {receipt} applies {applied} to receivables but only {open} is open; the excess {advance} is an advance receipt",
            ),
            "revenue.advance_unknown": (
                "缺少客户 {customer} 的预收账款余额（为零亦须列明），无法核对（失败关闭）",
                "no advance-receipt balance for customer {customer} in the context (state zero explicitly): fails closed",
            ),
            "revenue.offset_exceeds_advance": (
                "收入 {entry} 冲销预收 {offset}，超过预收余额 {balance}",
                "revenue {entry} offsets {offset} of advances, more than the balance {balance}",
            ),
            "revenue.advance_not_offset": (
                "收入 {entry} 仅冲销预收 {offset}，应先冲销 {required}",
                "revenue {entry} offsets only {offset} of advance receipts; {required} must be offset first",
            ),
        },
    ),
    Control(
        id="O2C-RR-04",
        title_zh="收入不重复、不超发货确认",
        title_en="Revenue recognised once per goods issue / signed delivery, for at most its delivered value; duplicate documents flagged",
        objective_zh="收入不虚增：每张出库单（签收的发货）只确认一次收入，金额不超过其发货价值；同一单据不得重复入账。",
        objective_en="Revenue is not inflated: each goods issue (signed delivery) is recognised once, for no more than the value delivered, and no document is posted twice.",
        activity_zh="确认收入时系统检查：凭证号未曾入账；每张出库单未曾确认收入（铺货按结算逐次确认，同一结算只确认一次）；收入金额不超过出库数量按订单单价计算的发货价值；出库单或其订单不明的阻止（失败关闭）。每月末检查收入登记与发货登记：同一出库单重复确认、收入超过发货价值、任何单据（订单、发货通知、出库单、发票、收入凭证、收款、合同等）同一编号重复过账，均列为例外。",
        activity_en="When revenue is booked the system checks that the entry was not booked before; that none of its goods issues was recognised before (consignment stock settlement by settlement, each settlement once); and that the amount is no more than the delivered value (goods-issue quantities at the order's prices); a goods issue or order it cannot see blocks (fails closed). At each month end the revenue and delivery registers are checked: a goods issue recognised twice, revenue above the delivered value, and any document (order, delivery notice, goods issue, invoice, revenue entry, receipt, contract …) posted twice under the same id are exceptions.",
        risks=("R2.1", "R2.2"),
        kind=Kind.PREVENTIVE,
        frequency=Frequency.PER_TRANSACTION,
        key=True,
        automation=Automation.AUTOMATED,
        assertions=(_A.OCCURRENCE, _A.ACCURACY, _A.VALUATION),
        seeds=("S-IC 二 2.1", "S-YF 11"),
        seed_quotes=(
            ("S-YF 11", "核算会计根据库管传至会计联确认收入,冲销预收账款,", "The accountant recognises revenue from the accounting copy passed on by the storekeeper and offsets the advance receipts."),
            ("S-IC 二 2.1", "虚增或截留收入,多记或少记应收账款,导致财务数据失真。", "Inflated or withheld revenue, over- or under-stated receivables, distort the financial data."),
        ),
        g9=(8, 12),
        stage="revenue",
        owner="accounting / 核算会计",
        evidence="decision log: goods issues, revenue already recognised on them, delivered value; month-end revenue, delivery and document registers / 决策日志：出库单、已确认的收入、发货价值；月末收入、发货及单据登记",
        applies_to=(BookRevenue.__name__,),
        check=check_revenue_once,
        detect=detect_revenue_once,
        detect_at={Frequency.MONTHLY},
        messages={
            "revenue.entry_duplicate": (
                "收入凭证 {entry} 已入账，不得重复确认",
                "revenue entry {entry} was booked before: it cannot be booked again",
            ),
            "revenue.goods_issue_listed_twice": (
                "收入凭证 {entry} 重复列示出库单 {goods_issue}",
                "revenue entry {entry} lists goods issue {goods_issue} twice",
            ),
            "revenue.already_recognised": (
                "出库单 {goods_issue} 已由收入凭证 {earlier} 确认收入，不得重复确认",
                "goods issue {goods_issue} was already recognised by revenue entry {earlier}: no second recognition",
            ),
            "revenue.settlement_already_recognised": (
                "铺货结算 {settlement} 已由收入凭证 {earlier} 确认收入",
                "consignment settlement {settlement} was already recognised by revenue entry {earlier}",
            ),
            "revenue.delivery_unknown": (
                "出库单 {goods_issue} 不明，无法核实发货价值（失败关闭）",
                "goods issue {goods_issue} is not on hand: its delivered value cannot be verified (fails closed)",
            ),
            "revenue.order_unknown": (
                "出库单 {goods_issue} 的订单 {order} 不明，无法计算发货价值（失败关闭）",
                "the order {order} of goods issue {goods_issue} is not on hand: the delivered value cannot be computed (fails closed)",
            ),
            "revenue.above_delivered": (
                "收入凭证 {entry} 金额 {amount} 超过发货价值 {delivered}",
                "revenue entry {entry} of {amount} exceeds the delivered value {delivered}",
            ),
            "revenue.recognised_twice": (
                "收入凭证 {entry} 重复确认出库单 {goods_issue}（已由 {earlier} 确认）",
                "revenue entry {entry} recognises goods issue {goods_issue} again (already recognised by {earlier})",
            ),
            "revenue.recognised_above_delivered": (
                "收入凭证 {entry} 金额 {amount} 超过发货登记的价值 {delivered}",
                "revenue entry {entry} of {amount} exceeds the {delivered} on the delivery register",
            ),
            "revenue.delivery_value_unknown": (
                "收入凭证 {entry} 的出库单 {goods_issue} 在发货登记中无价值，无法核对",
                "revenue entry {entry}: goods issue {goods_issue} has no value on the delivery register; it cannot be checked",
            ),
            "revenue.document_duplicate": (
                "{kind} 单据 {document} 重复过账（第 {times} 次）",
                "{kind} document {document} posted again (time {times})",
            ),
        },
    ),
)

FAMILY = Family(
    name="revenue",
    title_zh="收入确认",
    title_en="Revenue",
    policy_type=RevenuePolicy,
    controls=CONTROLS,
)
