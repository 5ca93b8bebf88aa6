"""Orders: numbering and approval of sales orders (接受订单).

Source: the product-sales flow S-CP 3.1.1 (订单应连续编号) and 3.1.2★ (所有订单均由被授权人员
核准), and the group manual S-IC 1.1 (所有订单须由相关责任人核准). Guideline 9 art. 4 and 8.

Controls: O2C-SO-01 (preventive side: the order's number is the next in its series) and
O2C-SO-02 (every order approved by an authorised person, by amount band). The detective side
of O2C-SO-01 (gaps and duplicates in the order register over a period) and O2C-SO-03
(completed or expired orders closed at least monthly, S-IC 5.1) run in
:func:`salesctl.reconcile.run`.

The package: :mod:`~salesctl.controls.orders.policy` (the policy),
:mod:`~salesctl.controls.orders.checks` (the preventive checks),
:mod:`~salesctl.controls.orders.detect` (the detective checks); this module holds the controls.

The rest of the order's life: O2C-SO-04 (an order may be voided only while its goods issue is
unposted and its settlement temporary, S-PM B: 销售单作废时需要确认库房未将销售单对应的出库单
出库记账,销售单对应的销售结算单是临时状态), O2C-SO-05 (a quotation states quality grade,
spec/model, packaging, quantity, delivery date, transport and material, S-FT 报价) and
O2C-SO-06 (a production order only from an approved contract, after the business approval form,
signed by the sales VP; S-FT 业务审批, S-K1 6: 生产通知单由计划科依据合同编制,分管销售的副总经理
签发).

>>> from salesctl.controls.orders import OrdersPolicy
>>> [t.role for t in OrdersPolicy().approval_tiers]
['sales_manager', 'sales_director', 'general_manager']
"""

from __future__ import annotations

from salesctl.control import Assertion, Automation, Control, Family, Frequency, Kind
from salesctl.controls.orders.checks import (
    _check_order_approval_in_gate as _check_order_approval_in_gate,
)
from salesctl.controls.orders.checks import (
    check_order_approval,
    check_order_number,
    check_order_void,
    check_production_order,
    check_quotation,
)
from salesctl.controls.orders.detect import detect_order_closing, detect_order_numbers
from salesctl.controls.orders.policy import QUOTATION_FIELDS, OrderApprovalTier, OrdersPolicy
from salesctl.transactions import IssueProductionOrder, PlaceOrder, SendQuotation, VoidOrder

__all__ = [
    "FAMILY",
    "QUOTATION_FIELDS",
    "OrderApprovalTier",
    "OrdersPolicy",
    "check_order_approval",
    "check_order_number",
    "check_order_void",
    "check_production_order",
    "check_quotation",
    "detect_order_closing",
    "detect_order_numbers",
]

_A = Assertion

CONTROLS: tuple[Control, ...] = (
    Control(
        id="O2C-SO-01",
        title_zh="订单连续编号",
        title_en="Orders consecutively numbered; gaps and duplicates flagged",
        objective_zh="订单连续编号，不重号、不跳号，保证销售完整、真实。",
        objective_en="Orders are numbered consecutively with no duplicates or unexplained gaps, so that sales are complete and real.",
        activity_zh="下单时系统检查订单号是否为该号段的下一个号；重号阻止，跳号挂起须 {gap_approval_role}（级别 ≥ {gap_approval_level}）说明并审批。每月检查订单登记簿：重号阻止；缺号挂起，由 {gap_approval_role} 查明并签字。",
        activity_en="At order entry the system checks that the number is the next in its series; a duplicate is blocked, a gap is held for {gap_approval_role} (level ≥ {gap_approval_level}). Monthly, the order register is checked for duplicate numbers (blocked) and missing numbers (held for {gap_approval_role} to explain and sign off).",
        risks=("R2.1",),
        kind=Kind.PREVENTIVE,
        frequency=Frequency.PER_TRANSACTION,
        key=False,
        automation=Automation.AUTOMATED,
        assertions=(_A.COMPLETENESS, _A.OCCURRENCE),
        seeds=("S-CP 3.1.1",),
        seed_quotes=(
            ("S-CP 3.1.1", "销售部门承接客户订单,订单应连续编号。", "The sales department takes the customers' orders; orders are to be numbered consecutively."),
        ),
        g9=(8,),
        stage="order",
        owner="sales department / 销售部门",
        evidence="decision log: series, number, expected number; journal number series / 决策日志：编号序列、编号、应有编号；日志中的编号序列",
        applies_to=(PlaceOrder.__name__,),
        check=check_order_number,
        detect=detect_order_numbers,
        detect_at={Frequency.MONTHLY},
        messages={
            "orders.series_unknown": (
                "号段 {series} 无已发号记录，订单号 {seq} 无法核实（失败关闭）",
                "series {series} has no last number in the context: number {seq} cannot be verified (fails closed)",
            ),
            "orders.duplicate_number": (
                "订单号 {series}/{seq} 重号（已发至 {last}）",
                "order number {series}/{seq} is a duplicate (last issued {last})",
            ),
            "orders.number_gap": (
                "订单号 {series}/{seq} 跳号（应为 {expected}）",
                "order number {series}/{seq} skips numbers (expected {expected})",
            ),
            "period_end.duplicate_number": (
                "订单号 {number} 重号：{order} 与 {other}",
                "order number {number} is used twice: {order} and {other}",
            ),
            "period_end.number_gap": (
                "订单登记簿缺号 {series}/{first}（{before} 与 {after} 之间）",
                "number {series}/{first} is missing from the order register (gap between {before} and {after})",
            ),
            "period_end.number_gaps": (
                "订单登记簿缺号 {series}/{first}–{last}（{before} 与 {after} 之间）",
                "numbers {series}/{first}–{last} are missing from the order register (gap between {before} and {after})",
            ),
        },
    ),
    Control(
        id="O2C-SO-02",
        version=2,
        title_zh="订单须经授权人核准",
        title_en="Every order approved by an authorised person",
        objective_zh="所有订单均由被授权人员按金额权限核准。",
        objective_en="Every order is approved by a person authorised for its amount.",
        activity_zh="下单时系统按金额分级要求审批：{approval_tiers}；下单人及录入人的审批无效。",
        activity_en="At order entry the system requires approval by amount band: {approval_tiers}; the creator's and the entering user's own approvals do not count.",
        risks=("R1.1", "R3.1"),
        kind=Kind.PREVENTIVE,
        frequency=Frequency.PER_TRANSACTION,
        key=True,
        automation=Automation.AUTOMATED,
        assertions=(_A.OCCURRENCE, _A.ACCURACY),
        seeds=("S-CP 3.1.2", "S-IC 1.1"),
        seed_quotes=(
            ("S-CP 3.1.2", "所有订单均由被授权人员核准。", "Every order is approved by an authorised person."),
            ("S-IC 1.1", "所有订单须由相关责任人核准;", "Every order must be approved by the responsible person."),
        ),
        g9=(4,),
        refs=("BN 29", "BN 30"),
        stage="order",
        owner="sales management / 销售管理",
        evidence="decision log: band, approval (who, role, level, when) / 决策日志：金额档次、审批（审批人、角色、级别、时间）",
        applies_to=(PlaceOrder.__name__,),
        check=check_order_approval,
        gate_check=_check_order_approval_in_gate,
        messages={
            "orders.needs_approval": (
                "订单 {order}（金额 {amount}）须经 {role} 核准",
                "order {order} ({amount}) needs approval by {role}",
            ),
            "orders.standing_authority": (
                "订单 {order}（金额 {amount}）在 {actor} 作为 {role} 的常设权限内，下单即核准",
                "order {order} ({amount}) is within {actor}'s standing authority as {role}: placing it approves it",
            ),
            "orders.above_all_tiers": (
                "订单 {order} 金额 {amount} 超出所有审批权限档次",
                "order {order} amount {amount} is above every approval band",
            ),
        },
    ),
    Control(
        id="O2C-SO-03",
        customer_partitionable=True,
        title_zh="完结、过期订单每月关闭",
        title_en="Completed or expired orders closed at least monthly",
        objective_zh="已完结或过期的订单及时关闭，不再占用信用、不被误执行。",
        objective_en="Completed and expired orders are closed promptly so they neither tie up credit nor get executed by mistake.",
        activity_zh="每月检查：订单完结或过期后 {close_within_days} 天内须在系统中关闭；逾期未关闭的由 {order_closing_role} 清理。",
        activity_en="Monthly: an order must be closed in the system within {close_within_days} days of completion or expiry; orders left open are followed up by {order_closing_role}.",
        risks=("R1.3", "R2.1"),
        kind=Kind.DETECTIVE,
        frequency=Frequency.MONTHLY,
        key=False,
        automation=Automation.IT_DEPENDENT,
        assertions=(_A.COMPLETENESS, _A.CUTOFF),
        seeds=("S-IC 5.1",),
        seed_quotes=(
            ("S-IC 5.1", "对已完结的销售订单或过期的销售订单至少每月进行一次关闭清理。", "Completed or expired sales orders are closed and cleared at least once a month."),
        ),
        g9=(8,),
        stage="order",
        owner="sales department / 营销部门",
        evidence="reconciliation report: orders past their closing deadline, with completion/expiry and closing dates / 对账报告：超过关闭期限的订单，注明完成或到期日期和关闭日期",
        detect=detect_order_closing,
        detect_at={Frequency.MONTHLY},
        messages={
            "period_end.order_not_closed": (
                "订单 {order} 已于 {since} {reason}，至 {deadline} 仍未关闭",
                "order {order} {reason} on {since} and was not closed by {deadline}",
            ),
        },
    ),
    Control(
        id="O2C-SO-04",
        title_zh="已出库记账的订单不得作废",
        title_en="An order may be voided only while its goods issue is unposted",
        objective_zh="已出库记账的销售单不得作废，防止账实不符、收入与存货失真。",
        objective_en="No order whose goods issue is posted can be voided, so that stock, revenue and receivables stay true.",
        activity_zh="作废销售单时系统检查该单的出库单均未出库记账；启用结算检查时（{void_needs_temporary_settlement}），销售结算单须为临时状态，否则阻止。",
        activity_en="When an order is voided the system checks that none of its goods issues is posted and, when the settlement check is on ({void_needs_temporary_settlement}), that its sales settlement is still temporary; otherwise the void is blocked.",
        risks=("R2.1", "R2.2"),
        kind=Kind.PREVENTIVE,
        frequency=Frequency.PER_TRANSACTION,
        key=False,
        automation=Automation.AUTOMATED,
        assertions=(_A.OCCURRENCE, _A.COMPLETENESS),
        seeds=("S-PM B",),
        seed_quotes=(
            ("S-PM B", "销售单作废时需要确认库房未将销售单对应的出库单出库记账,销售单对应的销售结算单是临时状态;", "Voiding a sales order requires confirming that the warehouse has not posted the order's goods issue and that the order's sales settlement is still temporary."),
        ),
        g9=(8, 12),
        stage="order",
        owner="sales department / 销售部门",
        evidence="decision log: order, posted goods issues, settlement states / 决策日志：订单、已过账的出库单、结算状态",
        applies_to=(VoidOrder.__name__,),
        check=check_order_void,
        messages={
            "orders.void_goods_issue_posted": (
                "订单 {order} 的出库单 {goods_issues} 已出库记账，不得作废",
                "order {order} cannot be voided: goods issue {goods_issues} is posted",
            ),
            "orders.void_settlement_confirmed": (
                "订单 {order} 的销售结算单 {settlements} 已确定（非临时状态），不得作废",
                "order {order} cannot be voided: settlement {settlements} is confirmed, not temporary",
            ),
        },
    ),
    Control(
        id="O2C-SO-05",
        title_zh="报价要素齐全",
        title_en="Quotation carries quality grade, spec/model, packaging, quantity, delivery date, transport, material",
        objective_zh="报价单写明质量等级、规格型号、包装要求、数量、交货期、运输方式和材质，避免按不完整条件成交。",
        objective_en="A quotation states quality grade, spec/model, packaging, quantity, delivery date, transport and material, so that no sale is agreed on incomplete terms.",
        activity_zh="发出报价前系统检查报价单载明 {quotation_required_fields}；缺项即阻止。",
        activity_en="Before a quotation goes out the system checks that it states {quotation_required_fields}; any gap blocks it.",
        risks=("R3.2", "R3.1"),
        kind=Kind.PREVENTIVE,
        frequency=Frequency.PER_TRANSACTION,
        key=False,
        automation=Automation.AUTOMATED,
        assertions=(_A.ACCURACY, _A.RIGHTS_AND_OBLIGATIONS),
        seeds=("S-FT 报价",),
        seed_quotes=(
            ("S-FT 报价", "对于出口产品的报价主要包括产品的质量等级、产品的规格型号、产品是否有特殊包装要求、所购产品数量的多少、交货期的要求、产品的运输方式、产品的材质等内容。", "A quotation for export products mainly covers the product's quality grade, its specification and model, whether it needs special packaging, the quantity ordered, the delivery date required, the mode of transport, the product's material and the like."),
        ),
        seed_readings=(
            (
                "S-FT 报价",
                "来源（外贸流程）只针对出口产品的报价。本控制默认对所有报价要求七项要素，比来源更宽；只对部分要素或部分报价适用时，在策略的 `orders.quotation_required_fields` 中调整所需要素。",
                "The seed (the foreign-trade steps) speaks of quotations for export products only. By default the control requires all seven elements on every quotation, which is broader than the seed; the policy's `orders.quotation_required_fields` sets which elements are required.",
            ),
        ),
        g9=(6,),
        stage="quotation",
        owner="sales department (foreign trade) / 业务部",
        evidence="decision log: quotation id, missing elements by line / 决策日志：报价单编号、各行缺少的报价要素",
        applies_to=(SendQuotation.__name__,),
        check=check_quotation,
        messages={
            "orders.quotation_incomplete": (
                "报价单 {quotation} 要素不全：{missing}",
                "quotation {quotation} is incomplete: {missing}",
            ),
        },
    ),
    Control(
        id="O2C-SO-06",
        title_zh="业务审批后方可下生产单",
        title_en="Production order only after the business approval form, from an approved contract, signed by the sales VP",
        objective_zh="生产通知单只依据已审批的合同编制，在业务审核表审批之后下达，并经分管销售副总签发。",
        objective_en="Production orders rest on an approved contract, follow an approved business approval form and are signed by the sales VP.",
        activity_zh="下达生产单时系统检查：合同已审批生效、数量不超合同；业务审核表（须审批：{production_needs_business_approval}）已于生产单日前审批；并要求 {production_signer_role}（级别 ≥ {production_signer_level}）签发，编制人不得签发。",
        activity_en="When a production order is issued the system checks that its contract is approved and in force and the quantities are within it; that the business approval form (required: {production_needs_business_approval}) was approved on or before the order's date; and requires the signature of {production_signer_role} (level ≥ {production_signer_level}), not the compiler.",
        risks=("R3.1", "R3.2"),
        kind=Kind.PREVENTIVE,
        frequency=Frequency.PER_TRANSACTION,
        key=True,
        automation=Automation.AUTOMATED,
        assertions=(_A.OCCURRENCE, _A.RIGHTS_AND_OBLIGATIONS),
        seeds=("S-FT 下生产订单", "S-FT 业务审批", "S-K1 6"),
        seed_quotes=(
            ("S-K1 6", "生产通知单由计划科依据合同编制,分管销售的副总经理签发。", "The production notice is drawn up by the planning section from the contract and signed by the deputy general manager in charge of sales."),
            ("S-FT 业务审批", "业务部收到订单后,首先做出业务审核表。", "On receiving an order, the business department first fills in the business approval form."),
        ),
        g9=(7,),
        refs=("BN 29", "BN 30"),
        stage="production",
        owner="sales VP / 分管销售的副总经理",
        evidence="decision log: contract, business approval form, signature (who, role, level, when) / 决策日志：合同、业务审核表、签发（签发人、角色、级别、时间）",
        applies_to=(IssueProductionOrder.__name__,),
        check=check_production_order,
        messages={
            "orders.production_no_contract": (
                "生产单 {production_order} 未依据合同编制",
                "production order {production_order} names no contract",
            ),
            "orders.production_contract_not_approved": (
                "生产单 {production_order} 依据的合同 {contract} 未经审批",
                "production order {production_order} rests on contract {contract}, which is not approved",
            ),
            "orders.production_contract_not_in_force": (
                "生产单 {production_order} 依据的合同 {contract} 状态为 {status}，不再有效",
                "production order {production_order}: contract {contract} is {status}, not in force",
            ),
            "orders.production_exceeds_contract": (
                "生产单 {production_order} 的 {product} 数量 {quantity} 超出合同 {contract} 的 {contracted}",
                "production order {production_order}: {quantity} of {product} exceeds the {contracted} of contract {contract}",
            ),
            "orders.production_no_business_approval": (
                "生产单 {production_order} 未附业务审核表",
                "production order {production_order} follows no business approval form",
            ),
            "orders.business_approval_missing": (
                "生产单 {production_order} 引用的业务审核表 {form} 不存在",
                "business approval form {form} named by production order {production_order} is not on hand",
            ),
            "orders.business_approval_other_contract": (
                "业务审核表 {form} 属于合同 {form_contract}，与生产单 {production_order} 不符",
                "business approval form {form} is for contract {form_contract}, not for production order {production_order}",
            ),
            "orders.business_approval_not_approved": (
                "生产单 {production_order} 的业务审核表 {form} 尚未经（编制人以外的人）审批",
                "business approval form {form} of production order {production_order} is not approved (by anyone but its preparer)",
            ),
            "orders.business_approval_after_production": (
                "业务审核表 {form} 于 {approved_on} 审批，晚于生产单 {production_order} 的日期 {issued_on}",
                "business approval form {form} was approved on {approved_on}, after production order {production_order} of {issued_on}",
            ),
            "orders.production_needs_signature": (
                "生产单 {production_order} 须经 {role} 签发",
                "production order {production_order} needs the signature of {role}",
            ),
        },
    ),
)

FAMILY = Family(
    name="orders",
    title_zh="订单",
    title_en="Orders",
    policy_type=OrdersPolicy,
    controls=CONTROLS,
)
