"""Delivery: delivery notices and goods issues (发货通知与出库).

Source: the group manual S-IC 5.1 (营销部门根据已经签订的购销合同或客户到款情况在ERP系统维护
销售订单和销量容差,开具发货通知单,必须注明有效期限;超出规定信用额度的须重新履行审批程序,
或经批准后由财务部门信用主数据维护员在系统中一次性释放冻结的订单) and 6.1 (验货人员清点装货
数量与有效发货通知单一致后,由发货人员核准发货、开具出门证,并依据发货通知单在ERP系统中发货
过账); the contract flow S-K1 7 (产成品由质检科出具产品合格证办理入库) and 8 (发货单由销售业务科
填写,销售部经理签批;仓库依据发货单办理出库、保卫依据出门证登记出厂); the food-trading flow
S-FD 二 (按种类、保质期分类存放;快到期的先卖). Guideline 9 art. 7 (and art. 5 for credit).

Controls: O2C-DL-01 (delivery notice from an approved order or contract, approved by the
sales manager, with a validity period, within the order's quantities and tolerance),
O2C-DL-02 (goods issue against a valid, unexpired, approved notice, within the tolerance),
O2C-DL-03 (gate pass; lots entered stock with a QC certificate), O2C-DL-04 (credit re-checked
at notice and goods issue, with the credit family's own helpers and parameters), O2C-DL-05
(expired lots never shipped; near-expiry lots first, FEFO); and, detective, O2C-DL-06 (each
month, system shipments agree with actual shipments per product, S-IC 7.1: 月末核对系统发货量和
实际发货量是否一致), run by :func:`salesctl.reconcile.run`; O2C-DL-07 (centrally sold products
leave only against a valid pickup order, used once and within its quantity, or an IC card with
enough prepaid balance, S-IC 1.1, 2.3, 5.1: 提货单 / IC 卡).

The package: :mod:`~salesctl.controls.delivery.policy` (the policy),
:mod:`~salesctl.controls.delivery.checks` (the preventive checks),
:mod:`~salesctl.controls.delivery.detect` (the detective check),
:mod:`~salesctl.controls.delivery.pickup` (pickup orders and IC cards); this module holds the
controls.

Dates are the context's business date ``ctx.as_of``. Quantities are compared per sales-order
line; the tolerance is a fraction (``0.03`` allows 3 % over the ordered or notified quantity).

>>> from salesctl.controls.delivery import DeliveryPolicy
>>> DeliveryPolicy().approval_role, DeliveryPolicy().max_validity_days
('sales_manager', 30)
"""

from __future__ import annotations

from salesctl.control import Assertion, Automation, Control, Family, Frequency, Kind
from salesctl.controls.delivery.checks import (
    check_delivery_credit,
    check_expiry,
    check_gate_pass_and_qc,
    check_goods_issue_notice,
    check_notice,
    delivery_value,
)
from salesctl.controls.delivery.detect import detect_shipments
from salesctl.controls.delivery.pickup import check_pickup, cited_pickup_order, pickup_order_used
from salesctl.controls.delivery.policy import DeliveryPolicy
from salesctl.transactions import IssueDeliveryNotice, PostGoodsIssue

__all__ = [
    "FAMILY",
    "DeliveryPolicy",
    "check_delivery_credit",
    "check_expiry",
    "check_gate_pass_and_qc",
    "check_goods_issue_notice",
    "check_notice",
    "check_pickup",
    "cited_pickup_order",
    "delivery_value",
    "detect_shipments",
    "pickup_order_used",
]

# -- the family -------------------------------------------------------------------------------

_A = Assertion
_STAGE = "delivery"
_WAREHOUSE = "warehouse / 仓储部门"

CONTROLS: tuple[Control, ...] = (
    Control(
        id="O2C-DL-01",
        title_zh="发货通知须审批并注明有效期",
        title_en="Delivery notice from an approved order/contract, approved by the sales manager, with a validity period",
        objective_zh="发货只能依据已批准的订单或合同，发货通知单经销售部经理签批并注明有效期限，数量不超出订单及容差。",
        objective_en="Deliveries rest only on an approved order or contract; the notice is signed by the sales manager, states a validity period, and stays within the order's quantities and tolerance.",
        activity_zh="开具发货通知单时系统检查：订单或合同已批准；注明有效期且不超过 {max_validity_days} 天（自开具日起算，开具日晚于业务日期的自业务日期起算）；各行数量（含已发货及其他有效通知未发数量）不超过订单数量 ×（1 + {quantity_tolerance}）；须 {approval_role}（级别 ≥ {approval_level}）签批，填单人本人签批无效。赊销订单开具发货通知或发货过账时，须有与订单关联、已签订的客户合同，或客户预收款足以覆盖发货价值，否则阻止（订单可先于合同）。",
        activity_en="When a delivery notice is issued the system checks that the order or contract is approved; that the notice states a validity period of at most {max_validity_days} days (counted from its issue date, or from the business date when the notice is dated later); that per order line, delivered plus open on other valid notices plus this notice stays within ordered × (1 + {quantity_tolerance}); and holds it for signature by {approval_role} (level ≥ {approval_level}), never the writer's own. On a credit sale, the notice and each goods issue need a signed contract of the customer linked to the order, or advance receipts covering the delivery's value; otherwise they are blocked (the order itself may precede the contract).",
        risks=("R2.1", "R1.3", "R3.1"),
        kind=Kind.PREVENTIVE,
        frequency=Frequency.PER_TRANSACTION,
        key=True,
        automation=Automation.AUTOMATED,
        assertions=(_A.OCCURRENCE, _A.ACCURACY),
        seeds=("S-IC 5.1", "S-K1 8", "S-IC 2.3", "S-K1 3"),
        seed_quotes=(
            ("S-IC 5.1", "开具发货通知单,必须注明有效期限。", "A delivery notice is issued and must state its period of validity."),
            ("S-K1 8", "发货单由销售业务科填写,销售部经理签批。", "The delivery note is filled in by the sales section and signed by the sales department manager."),
        ),
        g9=(7,),
        refs=("BN 29", "BN 30"),
        stage=_STAGE,
        owner="sales department / 销售部（销售业务科填写，销售部经理签批）",
        evidence="decision log: source document and its approval, validity dates, quantities per order line, the manager's approval / 决策日志：来源单据及其审批、有效期、各订单行数量、部门经理的签批",
        applies_to=(IssueDeliveryNotice.__name__, PostGoodsIssue.__name__),
        check=check_notice,
        version=3,
        messages={
            "delivery.credit_unsecured": (
                "{document}：赊销订单 {order} 既无已签订的合同，客户到款 {paid} 也不足发货价值 {value}，不得发货",
                "{document}: credit sale {order} has neither a signed contract nor money received covering the delivery ({paid} against {value}): nothing may leave",
            ),
            "delivery.source_not_approved": (
                "发货通知 {notice} 的订单 {order} 及其合同均未批准，不得开具",
                "delivery notice {notice}: neither order {order} nor its contract is approved",
            ),
            "delivery.no_validity": (
                "发货通知 {notice} 未注明有效期限",
                "delivery notice {notice} states no validity period",
            ),
            "delivery.validity_too_long": (
                "发货通知 {notice} 有效期 {days} 天，超过上限 {max_days} 天",
                "delivery notice {notice} is valid for {days} days, more than the {max_days} allowed",
            ),
            "delivery.line_not_on_order": (
                "订单 {order} 无第 {line} 行",
                "order {order} has no line {line}",
            ),
            "delivery.line_product": (
                "第 {line} 行产品 {product} 与应为的 {expected} 不符",
                "line {line}: product {product} is not the expected {expected}",
            ),
            "delivery.over_order": (
                "发货通知 {notice} 第 {line} 行数量 {quantity} 超出订单可发数量 {remaining}（含容差）",
                "delivery notice {notice} line {line}: {quantity} exceeds what the order has left to deliver ({remaining}, tolerance included)",
            ),
            "delivery.notice_approval": (
                "发货通知 {notice} 须经 {role} 签批",
                "delivery notice {notice} needs the signature of {role}",
            ),
        },
    ),
    Control(
        id="O2C-DL-02",
        title_zh="出库与有效发货通知一致",
        title_en="Goods issue matches a valid (unexpired) delivery notice, within tolerance",
        objective_zh="仓库只凭已批准且在有效期内的发货通知出库，出库数量与通知一致（容差内），同一出库单只过账一次。",
        objective_en="The warehouse ships only against an approved delivery notice that has not expired, in the notified quantities within tolerance, and posts each goods issue once.",
        activity_zh="发货过账时系统检查：出库单引用同一订单的发货通知；通知已批准且业务日期不晚于有效期；各行累计出库不超过通知数量 ×（1 + {quantity_tolerance}）；出库单未曾过账。",
        activity_en="At goods-issue posting the system checks that the issue cites a delivery notice of the same order, approved and not expired on the business date; that per order line, shipped against the notice so far plus this issue stays within notified × (1 + {quantity_tolerance}); and that the issue was not posted before.",
        risks=("R2.1", "R3.1"),
        kind=Kind.PREVENTIVE,
        frequency=Frequency.PER_TRANSACTION,
        key=True,
        automation=Automation.AUTOMATED,
        assertions=(_A.OCCURRENCE, _A.ACCURACY, _A.CUTOFF),
        seeds=("S-IC 6.1", "S-IC 5.1"),
        seed_quotes=(
            ("S-IC 6.1", "仓储部门验货人员清点装货数量与有效发货通知单(提货单)一致后,由发货人员核准发货、开具出门证,并依据发货通知单(实际发货量)在ERP系统中发货过账。", "Once the warehouse's inspector has counted the goods loaded and found them agree with a valid delivery notice (pick-up note), the shipper approves the shipment, issues the gate pass and posts the goods issue in the ERP system from the delivery notice (the quantity actually shipped)."),
        ),
        g9=(7,),
        stage=_STAGE,
        owner=_WAREHOUSE,
        evidence="decision log: notice id, validity, approval, notified and shipped quantities per line / 决策日志：发货通知编号、有效期、审批、各行通知数量和已发数量",
        applies_to=(PostGoodsIssue.__name__,),
        check=check_goods_issue_notice,
        messages={
            "delivery.already_posted": (
                "出库单 {goods_issue} 已过账，不得重复过账",
                "goods issue {goods_issue} is already posted",
            ),
            "delivery.no_notice": (
                "出库单 {goods_issue} 无发货通知，不得出库",
                "goods issue {goods_issue} cites no delivery notice",
            ),
            "delivery.notice_unknown": (
                "出库单 {goods_issue} 引用的发货通知 {notice} 不存在（失败关闭）",
                "goods issue {goods_issue} cites delivery notice {notice}, which is not on hand (fails closed)",
            ),
            "delivery.notice_other_order": (
                "发货通知 {notice} 属于订单 {notice_order}，不是 {order}",
                "delivery notice {notice} belongs to order {notice_order}, not {order}",
            ),
            "delivery.notice_not_approved": (
                "发货通知 {notice} 未经批准",
                "delivery notice {notice} is not approved",
            ),
            "delivery.notice_expired": (
                "发货通知 {notice} 已过有效期（{valid_until}）",
                "delivery notice {notice} is no longer valid (valid until {valid_until})",
            ),
            "delivery.line_not_on_notice": (
                "发货通知 {notice} 无订单第 {line} 行",
                "delivery notice {notice} has no order line {line}",
            ),
            "delivery.line_product": (
                "第 {line} 行产品 {product} 与应为的 {expected} 不符",
                "line {line}: product {product} is not the expected {expected}",
            ),
            "delivery.over_notice": (
                "发货通知 {notice} 第 {line} 行本次出库 {quantity} 超出剩余可发 {remaining}（含容差）",
                "delivery notice {notice} line {line}: {quantity} exceeds what the notice has left ({remaining}, tolerance included)",
            ),
        },
    ),
    Control(
        id="O2C-DL-03",
        title_zh="出门证、入库合格证",
        title_en="Gate pass for goods leaving; finished goods entered stock with a QC certificate",
        objective_zh="货物凭出门证出厂；只发运经质检出具合格证入库的批次。",
        objective_en="Goods leave on a gate pass, and only from lots that entered stock with a QC certificate.",
        activity_zh="发货过账时系统检查出门证；要求合格证时（{require_qc_certificate}），各行须注明批次，批次在库、属于该产品、有质检合格证，且出库数量不超过库存。",
        activity_en="At goods-issue posting the system requires a gate pass; with QC certificates required ({require_qc_certificate}) every line names a lot on hand, of the line's product, carrying a QC certificate, and no lot ships more than it holds.",
        risks=("R2.1", "R3.1"),
        kind=Kind.PREVENTIVE,
        frequency=Frequency.PER_TRANSACTION,
        key=False,
        automation=Automation.IT_DEPENDENT,
        assertions=(_A.OCCURRENCE, _A.VALUATION),
        seeds=("S-IC 6.1", "S-K1 7", "S-K1 8"),
        seed_quotes=(
            ("S-IC 6.1", "由发货人员核准发货、开具出门证,", "The dispatcher approves the shipment and issues the gate pass."),
            ("S-K1 7", "产成品由分厂生产科填写入库单和质检科出具产品合格证办理入库;", "Finished goods enter stock on a stock-entry slip filled in by the branch plant's production section and a product certificate issued by the quality-inspection section."),
            ("S-K1 8", "仓库依据发货单办理出库、保卫依据出门证登记出厂。", "The warehouse issues goods against the delivery note, and security records them leaving the plant against the gate pass."),
        ),
        g9=(7,),
        stage=_STAGE,
        owner="warehouse and security / 仓库、保卫、质检科",
        evidence="gate-pass number and lot QC certificates in the decision log / 决策日志中的出门证编号和批次产品合格证",
        applies_to=(PostGoodsIssue.__name__,),
        check=check_gate_pass_and_qc,
        scratch=True,
        messages={
            "delivery.no_gate_pass": (
                "出库单 {goods_issue} 无出门证",
                "goods issue {goods_issue} has no gate pass",
            ),
            "delivery.no_lot": (
                "出库单 {goods_issue} 第 {line} 行未注明批次，无法核实合格证",
                "goods issue {goods_issue} line {line} names no lot: its QC certificate cannot be verified",
            ),
            "delivery.lot_unknown": (
                "批次 {lot} 不在库存中（失败关闭）",
                "lot {lot} is not on hand (fails closed)",
            ),
            "delivery.lot_product": (
                "批次 {lot} 属于产品 {lot_product}，不是 {product}",
                "lot {lot} is of product {lot_product}, not {product}",
            ),
            "delivery.no_qc_certificate": (
                "批次 {lot} 入库时无质检合格证",
                "lot {lot} entered stock without a QC certificate",
            ),
            "delivery.lot_short": (
                "批次 {lot} 出库 {quantity} 超过库存 {on_hand}",
                "lot {lot}: {quantity} picked but only {on_hand} on hand",
            ),
        },
    ),
    Control(
        id="O2C-DL-04",
        version=2,
        consumes=("release",),
        title_zh="发货环节信用复核",
        title_en="Credit re-checked at delivery notice and goods issue",
        objective_zh="订单批准后客户信用变化的，发货前重新检查额度与信用天数，超额须重新审批或一次性释放。",
        objective_en="Credit that changed after the order was approved is caught before goods leave: limit and credit days are checked again, and an over-limit delivery needs re-approval or a one-time release.",
        activity_zh="开具发货通知和发货过账时，系统按信用策略（[credit]）复核：占用信用的结算方式下，占用额度超过信用额度即挂起，须信用审批角色重新审批本单或使用有效的一次性释放；超期欠款超出宽限天数亦挂起；销售公司的信用段、客户集团和分类额度一并复核。",
        activity_en="At delivery notice and goods issue the system re-runs the credit check with the credit policy ([credit]): for payment methods that consume credit, exposure over the limit holds the document for re-approval by the credit role or a valid one-time release; items overdue beyond the grace days hold it too; the selling company's credit segment, the customer group and per-category limits are re-checked as well.",
        risks=("R1.3",),
        kind=Kind.PREVENTIVE,
        frequency=Frequency.PER_TRANSACTION,
        key=True,
        automation=Automation.AUTOMATED,
        assertions=(_A.VALUATION,),
        seeds=("S-IC 5.1", "S-PM B"),
        seed_quotes=(
            ("S-PM B", "系统在销售开票时检查客户的信誉额度、信誉天数,若不符合公司规定,需要填写审批单手工单据由上级领导进行审批;", "At billing the system checks the customer's credit limit and credit days; if they break the company's rules, an approval form is filled in by hand and approved by the superior."),
        ),
        g9=(5, 10),
        stage=_STAGE,
        owner="credit management (finance) / 信用管理部门（财务）",
        evidence="decision log: limit, exposure, delivery value, release or re-approval / 决策日志：信用额度、信用占用、发货金额、一次性释放或重新审批",
        applies_to=(IssueDeliveryNotice.__name__, PostGoodsIssue.__name__),
        check=check_delivery_credit,
        messages={
            "delivery.credit_no_profile": (
                "客户 {customer} 无信用档案，不得以 {method} 方式赊销发货",
                "customer {customer} has no credit profile: no delivery on credit terms ({method})",
            ),
            "delivery.credit_no_exposure": (
                "缺少客户 {customer} 的信用占用数据，无法复核（失败关闭）",
                "no credit exposure for customer {customer} in the context: cannot re-check credit (fails closed)",
            ),
            "delivery.credit_over_limit": (
                "{document}：客户 {customer} 超出信用额度 {excess}，须重新审批或一次性释放",
                "{document}: customer {customer} is over the credit limit by {excess}; re-approval or a one-time release is needed",
            ),
            "delivery.credit_released": (
                "超额已由 {granted_by} 的一次性释放 {release} 放行",
                "over-limit released by one-time release {release} granted by {granted_by}",
            ),
            "delivery.credit_segment_over_limit": (
                "客户 {customer} 在 {segment} 超出信用额度 {limit}，超额 {excess}，须重新审批或一次性释放",
                "customer {customer} is over the credit limit {limit} of {segment} by {excess}; re-approval or a one-time release is needed",
            ),
            "delivery.credit_category_over_limit": (
                "客户 {customer} 在 {segment} 的占用类别 {category} 超出分类额度 {limit}，超额 {excess}，须重新审批或一次性释放",
                "customer {customer} is over the {category} limit {limit} of {segment} by {excess}; re-approval or a one-time release is needed",
            ),
            "delivery.credit_no_segment_exposure": (
                "缺少客户 {customer} 在 {segment} 的信用占用数据，无法复核（失败关闭）",
                "no credit exposure for customer {customer} in {segment} in the context: cannot re-check credit (fails closed)",
            ),
        },
    ),
    Control(
        id="O2C-DL-05",
        title_zh="过期不得出库、近效期先出",
        title_en="Expired stock never shipped; near-expiry stock shipped first (FEFO)",
        objective_zh="过期或剩余保质期不足的批次不得出库；临近到期的批次优先发出，减少过期损失。",
        objective_en="Expired lots, or lots with too little shelf life left, never ship; lots near expiry ship first, so stock does not expire on the shelf.",
        activity_zh="发货过账时系统检查各批次剩余保质期（至少 {min_remaining_days} 天）；同一产品尚有更早到期且在 {near_expiry_days} 天内到期的可发批次时（严格先到期先出：{strict_fefo}），挂起须 {fefo_override_role}（级别 ≥ {fefo_override_level}）批准。",
        activity_en="At goods-issue posting the system checks each lot's remaining shelf life (at least {min_remaining_days} days); picking a lot while an earlier-expiring, shippable lot of the product within {near_expiry_days} days of expiry stays on hand (every earlier lot with strict FEFO: {strict_fefo}) is held for {fefo_override_role} (level ≥ {fefo_override_level}).",
        risks=("R3.1", "R2.2"),
        kind=Kind.PREVENTIVE,
        frequency=Frequency.PER_TRANSACTION,
        key=False,
        automation=Automation.AUTOMATED,
        assertions=(_A.VALUATION, _A.OCCURRENCE),
        seeds=("S-FD 二",),
        seed_quotes=(
            ("S-FD 二", "他们得把食品按照种类、保质期啥的分好类。", "They must sort the food by category, shelf life and the like."),
            ("S-FD 二", "还得时刻关注着这些食品的保质期。要是快到期了,就得赶紧跟销售那边说,咱得先把这些快到期的卖出去呀,不然可就浪费了。", "They must also keep a constant eye on the food's shelf life. When something is close to expiry, they must tell sales at once: what is close to expiry has to be sold first, or it goes to waste."),
        ),
        g9=(),
        refs=("G8",),
        stage=_STAGE,
        owner=_WAREHOUSE,
        evidence="decision log: lots picked with expiry dates, earlier lots left on hand, override approval / 决策日志：所发批次及其到期日、仍在库的更早到期批次、例外审批",
        applies_to=(PostGoodsIssue.__name__,),
        check=check_expiry,
        scratch=True,
        messages={
            "delivery.lot_not_named": (
                "第 {line} 行产品 {product} 有保质期管理的批次，但未注明批次",
                "line {line}: product {product} has dated lots, but no lot is named",
            ),
            "delivery.expiry_unknown": (
                "批次 {lot} 不在库存中，无法核实有效期（失败关闭）",
                "lot {lot} is not on hand: its expiry cannot be verified (fails closed)",
            ),
            "delivery.lot_expired": (
                "批次 {lot} 已于 {expires_on} 过期，不得出库",
                "lot {lot} expired on {expires_on} and may not ship",
            ),
            "delivery.lot_shelf_life": (
                "批次 {lot} 仅剩 {days} 天保质期（{expires_on}），低于出库下限",
                "lot {lot} has only {days} days of shelf life left ({expires_on}), below the minimum",
            ),
            "delivery.fefo": (
                "批次 {lot} 出库，但更早到期的批次 {earlier}（{expires_on}）仍在库，须先出",
                "lot {lot} picked while the earlier-expiring lot {earlier} ({expires_on}) stays on hand",
            ),
        },
    ),
    Control(
        id="O2C-DL-06",
        title_zh="月末系统发货量与实际发货量核对",
        title_en="Monthly: system shipments agree with actual shipments",
        objective_zh="系统发货记录完整、准确，与实际出库一致。",
        objective_en="System shipments are complete and accurate: they agree with what actually left.",
        activity_zh="月末营销部门按产品核对系统发货量与实际发货量；差异超过 {max_shipment_difference} 的须查明原因并处理，由 {shipment_role} 跟进；已发货未核对的产品视为未执行。",
        activity_en="At month end the marketing department compares system and actual shipped quantities per product; differences above {max_shipment_difference} are investigated and resolved, followed up by {shipment_role}; a product shipped but not compared counts as not performed.",
        risks=("R2.1",),
        kind=Kind.DETECTIVE,
        frequency=Frequency.MONTHLY,
        key=False,
        automation=Automation.IT_DEPENDENT,
        assertions=(_A.OCCURRENCE, _A.COMPLETENESS),
        seeds=("S-IC 7.1",),
        seed_quotes=(
            ("S-IC 7.1", "月末,营销部门核对系统发货量和实际发货量是否一致。如有差异,查明原因,并及时处理。", "At the month end, marketing checks that the quantity shipped in the system agrees with the quantity actually shipped. Any difference is investigated and dealt with promptly."),
        ),
        g9=(12,),
        stage="delivery",
        owner="marketing department / 营销部门",
        evidence="monthly shipment comparison per product, with the cause of each difference / 每月按产品的发货量核对表，注明每项差异的原因",
        detect=detect_shipments,
        detect_at={Frequency.MONTHLY},
        messages={
            "period_end.shipment_difference": (
                "产品 {product} 系统发货量 {system} 与实际发货量 {actual} 不一致，未查明原因",
                "product {product}: system shipments {system} differ from actual shipments {actual}, unexplained",
            ),
            "period_end.shipment_explained": (
                "产品 {product} 系统发货量 {system} 与实际 {actual} 的差异已查明",
                "product {product}: the difference between system {system} and actual {actual} was explained",
            ),
            "period_end.shipment_not_counted": (
                "产品 {product} 在 {period} 有系统发货，但未与实际发货量核对",
                "product {product} was shipped in {period} but system and actual shipments were not compared",
            ),
        },
    ),
    Control(
        id="O2C-DL-07",
        consumes=("pickup_order",),
        title_zh="集中销售产品凭提货单、IC卡发货",
        title_en="Centrally sold products leave only against a valid pickup order (used once, within its quantity) or an IC card with enough prepaid balance",
        objective_zh="集中销售的化工产品只凭化工销售区域分公司提供的有效提货单或余额充足的IC卡发货；每张提货单只能使用一次，发货数量不超过提货单数量。",
        objective_en="Centrally sold chemicals leave only against a valid pickup order provided by the regional chemical sales branch, or an IC card whose prepaid balance covers them; each pickup order is used once, for at most its quantity.",
        activity_zh="发货过账时，对集中销售产品（{centrally_sold}）系统检查：出库单注明提货单或IC卡（二者择一）；提货单在手、属于该客户和该产品、业务日期在开具日至有效期内（含有效期当日）、未曾使用，且本次出库数量不超过提货单数量；或IC卡属于该客户、余额不少于本次出库按订单价格计算的金额。无法核实的一律阻止。",
        activity_en="At goods-issue posting, for centrally sold products ({centrally_sold}) the system checks that the issue names a pickup order or an IC card (one of them); that the pickup order is on hand, of the customer and the product, issued and unexpired on the business date (its last valid day included), never used before, and covers the quantity shipped; or that the IC card is the customer's and its prepaid balance covers the value shipped at the order's prices. Whatever cannot be verified is blocked.",
        risks=("R2.1", "R1.3", "R3.1"),
        kind=Kind.PREVENTIVE,
        frequency=Frequency.PER_TRANSACTION,
        key=False,
        automation=Automation.AUTOMATED,
        assertions=(_A.OCCURRENCE, _A.ACCURACY, _A.VALUATION),
        seeds=("S-IC 1.1", "S-IC 2.3", "S-IC 5.1", "S-IC 6.1"),
        seed_quotes=(
            (
                "S-IC 5.1",
                "对于集中销售的化工产品,分公司营销部门应及时确认相关化工销售区域分公司提供的提货单"
                "(或IC卡),交化工销售区域分公司驻厂人员;",
                "For centrally sold chemical products, the branch's marketing department promptly "
                "confirms the pick-up notes (or IC cards) from the regional chemical sales branch "
                "and hands them to that branch's staff at the plant.",
            ),
        ),
        g9=(7,),
        stage=_STAGE,
        owner="marketing department and warehouse / 营销部门（确认提货单）、仓储部门（凭提货单发货）",
        evidence="decision log: pickup order (customer, product, quantity, validity, earlier use) or IC card and balance against the value shipped / 决策日志：提货单（客户、产品、数量、有效期、是否已用）或 IC 卡及其余额与发货价值的比较",
        applies_to=(PostGoodsIssue.__name__,),
        check=check_pickup,
        messages={
            "delivery.pickup_missing": (
                "出库单 {goods_issue} 含集中销售产品 {products}，但未注明提货单或IC卡",
                "goods issue {goods_issue} ships centrally sold products ({products}) against neither a pickup order nor an IC card",
            ),
            "delivery.pickup_and_card": (
                "出库单 {goods_issue} 同时注明提货单 {pickup} 和IC卡 {card}，只能凭其一发货",
                "goods issue {goods_issue} names both pickup order {pickup} and IC card {card}: it leaves against one of them",
            ),
            "delivery.pickup_unknown": (
                "出库单 {goods_issue} 引用的提货单 {pickup} 不存在（失败关闭）",
                "goods issue {goods_issue} cites pickup order {pickup}, which is not on hand (fails closed)",
            ),
            "delivery.pickup_used": (
                "提货单 {pickup} 已被出库单 {used_by} 使用，不得重复提货",
                "pickup order {pickup} was already used (by goods issue {used_by})",
            ),
            "delivery.pickup_consumed": (
                "提货单 {pickup} 已使用，不得重复提货",
                "pickup order {pickup} was already used",
            ),
            "delivery.pickup_other_customer": (
                "提货单 {pickup} 属于客户 {holder}，不是 {customer}",
                "pickup order {pickup} belongs to customer {holder}, not {customer}",
            ),
            "delivery.pickup_expired": (
                "提货单 {pickup}（{issued_on} 至 {valid_until}）在业务日期 {business_date} 无效",
                "pickup order {pickup} (valid {issued_on} to {valid_until}) is not valid on the business date {business_date}",
            ),
            "delivery.pickup_product": (
                "提货单 {pickup} 为产品 {expected}，第 {line} 行产品 {product} 不在其中",
                "pickup order {pickup} is for product {expected}; line {line} ships {product}",
            ),
            "delivery.pickup_over": (
                "本次出库 {quantity} 超过提货单 {pickup} 的数量 {allowed}",
                "{quantity} shipped exceeds the {allowed} of pickup order {pickup}",
            ),
            "delivery.card_unknown": (
                "出库单 {goods_issue} 引用的IC卡 {card} 不存在（失败关闭）",
                "goods issue {goods_issue} cites IC card {card}, which is not on hand (fails closed)",
            ),
            "delivery.card_other_customer": (
                "IC卡 {card} 属于客户 {holder}，不是 {customer}",
                "IC card {card} belongs to customer {holder}, not {customer}",
            ),
            "delivery.card_no_price": (
                "IC卡 {card}：第 {line} 行不在订单 {order} 上，无法计价（失败关闭）",
                "IC card {card}: line {line} is not on order {order}, so its value is unknown (fails closed)",
            ),
            "delivery.card_currency": (
                "IC卡 {card} 以 {currency} 计，无汇率换算出库金额 {value}（失败关闭）",
                "IC card {card} is in {currency}, and no rate converts the value shipped {value} (fails closed)",
            ),
            "delivery.card_short": (
                "IC卡 {card} 余额 {balance} 不足本次出库金额 {value}，差 {short}",
                "IC card {card} holds {balance}, less than the {value} shipped (short by {short})",
            ),
        },
    ),
)

FAMILY = Family(
    name="delivery",
    title_zh="发货",
    title_en="Delivery",
    policy_type=DeliveryPolicy,
    controls=CONTROLS,
)
