"""Pricing: where prices come from, who may move them, and who may give them away (价格管理).

Source: the group manual's control points S-IC 3.1–3.4 (确定销售价格: 国家统配产品或股份公司内部
配置产品的价格按定价文件执行; 其他产品价格由价格领导小组制定; 价格领导小组可授予营销部门一定
限度的价格浮动权, 营销部门将价格浮动权向下实行逐级递减分配, 同时明确权限执行人; 财务部门在
ERP 系统中维护价格主数据), the risks S-IC 二 1.1 (随意降价导致收入减少) and 1.2 (擅自提价导致
市场丢失), and the promotions of S-MK 5 (折扣、赠品、会员优惠). Guideline 9 art. 4, 5 and 6.

Controls:

* O2C-PR-01 — state-allocated and group-priced products sell at the pricing document's price;
* O2C-PR-02 — every other price comes from the approved price master, valid on the business date
  (the transaction's date; an order date at most ``order_date_days`` before it); an order dated
  earlier than that is blocked;
* O2C-PR-03 — a line's price lies inside the acting seller's delegated float range; outside it
  the nearest node up the delegation tree whose range covers the price must approve (HOLD);
  outside the root's range nobody may (BLOCK);
* O2C-PR-04 — float ranges delegated downward never exceed the delegator's (checked when the
  policy loads; a wider child is refused with the path of the node);
* O2C-PR-05 — discounts, rebates, gifts and member offers within the discount delegation matrix,
  per line, per order, and accumulated per customer over a rolling window (so that one large
  discount split over small orders is caught);
* O2C-PR-06 — a price published or changed in the price master (:class:`~salesctl.ChangeMasterPrice`)
  is entered by finance's maintainer from its source document, proposed and approved by
  different people, at the authority of the tree's price-master node (the price group).

The price master is host data and arrives in :attr:`salesctl.Context.prices`; the delegation
tree and the discount matrix are policy (``[pricing]``). Ranges are compared exactly, in
``Decimal``: with a master price of 1000.00 and a 5 % floor, 950.00 is allowed and 949.99 is
not. No rounding of the floor, no tolerance.

The package: :mod:`~salesctl.controls.pricing.policy` (the delegation tree and the discount
matrix), :mod:`~salesctl.controls.pricing.checks` (the checks and their helpers),
:mod:`~salesctl.controls.pricing.master` (price-master changes); this module holds the controls.

>>> from decimal import Decimal
>>> from salesctl.controls.pricing import PriceAuthority
>>> node = PriceAuthority(id="section", role="sales_manager", max_cut_pct=Decimal("0.05"))
>>> node.bounds(Decimal("1000.00"), "CNY")
(Decimal('950.0000'), Decimal('1000.00'))
"""

from __future__ import annotations

from salesctl.control import Assertion, Automation, Control, Family, Frequency, Kind, _clearing
from salesctl.controls.pricing.checks import _LINE_PRICES as _LINE_PRICES
from salesctl.controls.pricing.checks import _line_prices as _line_prices
from salesctl.controls.pricing.checks import (
    check_concessions,
    check_document_price,
    check_float_authority,
    check_price_master,
    master_price,
)
from salesctl.controls.pricing.master import check_master_change
from salesctl.controls.pricing.policy import (
    DOCUMENT_PRICED,
    ConcessionStep,
    PriceAuthority,
    PricingPolicy,
)
from salesctl.transactions import ChangeMasterPrice, PlaceOrder

__all__ = [
    "DOCUMENT_PRICED",
    "FAMILY",
    "ConcessionStep",
    "PriceAuthority",
    "PricingPolicy",
    "check_concessions",
    "check_document_price",
    "check_float_authority",
    "check_master_change",
    "check_price_master",
    "master_price",
]


# -- the family -------------------------------------------------------------------------------

_PRICING = "pricing"
_A = Assertion
_PLACE = (PlaceOrder.__name__,)

_MASTER_MESSAGES = {
    "master_missing": (
        "第 {line} 行产品 {product} 在 {date} 无有效价格（价格主数据缺失，失败关闭）",
        "line {line}: product {product} has no price valid on {date} in the price master (fails closed)",
    ),
    "master_currency": (
        "第 {line} 行产品 {product} 在 {date} 无 {currency} 价格",
        "line {line}: product {product} has no {currency} price valid on {date}",
    ),
    "master_ambiguous": (
        "第 {line} 行产品 {product} 在 {date} 有多个不同的有效价格（价格主数据重叠，失败关闭）",
        "line {line}: product {product} has several different prices valid on {date} (overlapping price master, fails closed)",
    ),
}


def _master_messages() -> dict[str, tuple[str, str]]:
    return {f"pricing.{k}": v for k, v in _MASTER_MESSAGES.items()}


CONTROLS: tuple[Control, ...] = (
    Control(
        id="O2C-PR-01",
        title_zh="统配、内部配置产品按文件定价",
        title_en="State-allocated or group-priced products sold at the document price",
        objective_zh="国家统配产品和股份公司内部配置产品严格按定价文件价格销售，不浮动、不打折。",
        objective_en="State-allocated and group-priced products sell exactly at the pricing document's price: no float, no discount.",
        activity_zh="下单时系统按产品价格类别取业务日期（交易时间所在日；订单日期早于业务日期不超过 {order_date_days} 天时取订单日期）有效的定价文件价格；单价或折扣前单价与文件价格不一致、或无唯一有效文件价格的，一律阻止。",
        activity_en="At order entry the system reads the pricing-document price valid on the business date (the transaction's date; the order date when it precedes that by at most {order_date_days} days); a unit or list price that differs, or a missing or ambiguous document price, is blocked.",
        risks=("R1.1", "R1.2", "R3.1"),
        kind=Kind.PREVENTIVE,
        frequency=Frequency.PER_TRANSACTION,
        key=True,
        automation=Automation.AUTOMATED,
        assertions=(_A.ACCURACY, _A.OCCURRENCE),
        seeds=("S-IC 3.1",),
        seed_quotes=(
            ("S-IC 3.1", "国家统配产品或股份公司内部配置产品的价格,由分(子)公司转发股份公司相关定价文件,营销部门按文件规定执行。", "The prices of state-allocated products and products configured within the group are set by the group's pricing documents, passed on by the subsidiary; marketing applies them as written."),
        ),
        g9=(5,),
        stage=_PRICING,
        owner="marketing department / 营销部门",
        evidence="decision log: product, price class, document price and source document, line price / 决策日志：产品、价格类别、定价文件价格及文件、行价格",
        applies_to=_PLACE,
        check=check_document_price,
        scratch=True,
        version=2,
        messages={
            "pricing.not_document_price": (
                "第 {line} 行产品 {product} 单价 {price} 与定价文件 {document} 的价格 {document_price} 不符",
                "line {line}: product {product} at {price} differs from the price {document_price} of pricing document {document}",
            ),
            **_master_messages(),
        },
    ),
    Control(
        id="O2C-PR-02",
        title_zh="价格主数据由财务按批准价格维护",
        title_en="Other prices come from the price group's approved price master, maintained by finance",
        objective_zh="其他产品按价格领导小组批准、财务部门维护的价格主数据定价；无有效价格不得销售。",
        objective_en="Other products are priced from the price master the price group approved and finance maintains; no sale without a valid price.",
        activity_zh="下单时系统为每一行取业务日期（交易时间所在日；订单日期早于业务日期不超过 {order_date_days} 天时取订单日期）有效、订单币种的唯一价格主数据；缺失、币种不符或有效期重叠的价格一律阻止；订单日期早于业务日期超过 {order_date_days} 天（倒签）的订单阻止。",
        activity_en="At order entry the system finds, for each line, the one price-master entry valid on the business date (the transaction's date; the order date when it precedes that by at most {order_date_days} days) in the order's currency; a missing, foreign-currency or overlapping price blocks the line; an order dated more than {order_date_days} days before its business date (back-dated) is blocked.",
        risks=("R1.1", "R1.2", "R2.1"),
        kind=Kind.PREVENTIVE,
        frequency=Frequency.PER_TRANSACTION,
        key=True,
        automation=Automation.AUTOMATED,
        assertions=(_A.ACCURACY, _A.VALUATION),
        seeds=("S-IC 3.2", "S-IC 3.4"),
        seed_quotes=(
            ("S-IC 3.2", "其他产品价格,由分(子)公司价格领导小组结合产品市场情况具体制定;", "Other products' prices are set by the subsidiary's price group in the light of the market."),
            ("S-IC 3.4", "财务部门根据股份公司相关价格文件或批准后的价格在ERP系统中维护价格主数据。", "Finance maintains the price master data in the ERP system from the group's price documents or the approved prices."),
        ),
        g9=(5,),
        refs=("COSO P11",),
        stage=_PRICING,
        owner="finance department (price master data) / 财务部门（价格主数据）",
        evidence="decision log: product, order date, currency; the price-master entry (id, source document, maintainer) used / 决策日志：产品、订单日期、币种；所用价格主数据记录（编号、来源文件、维护人）",
        applies_to=_PLACE,
        check=check_price_master,
        scratch=True,
        version=2,
        messages={
            **_master_messages(),
            "pricing.order_backdated": (
                "订单 {order} 的订单日期 {order_date} 早于业务日期 {business_date} {days} 天，超过允许的 {allowed} 天（倒签单据不得选择价格）",
                "order {order} is dated {order_date}, {days} days before its business date {business_date}; at most {allowed} allowed (a back-dated document does not choose its price)",
            ),
        },
    ),
    Control(
        id="O2C-PR-03",
        title_zh="价格浮动不得超出授权",
        title_en="A price within the executor's delegated float range; outside it the next level up approves",
        objective_zh="价格浮动权限执行人严格遵守规定的浮动范围，不得擅自突破；超出范围须由覆盖该价格的上级审批。",
        objective_en="Executors of price-float authority stay inside their range; a price outside it needs the approval of the nearest level up whose range covers it.",
        activity_zh="下单时系统以业务日期（同 O2C-PR-02）价格主数据为基准，按授权树 {authority} 判断每行折扣前单价：在下单人范围内放行；超出则挂起，须最近的覆盖该价格的上级节点审批；超出价格领导小组范围则阻止。",
        activity_en="At order entry the system compares each line's price before discount with the price-master price on the business date (as O2C-PR-02) and the delegation tree {authority}: inside the seller's range passes; outside it is held for the nearest node up whose range covers it; outside the price group's range is blocked.",
        risks=("R1.1", "R1.2"),
        kind=Kind.PREVENTIVE,
        frequency=Frequency.PER_TRANSACTION,
        key=True,
        automation=Automation.AUTOMATED,
        assertions=(_A.ACCURACY, _A.VALUATION, _A.OCCURRENCE),
        seeds=("S-IC 3.3",),
        seed_quotes=(
            ("S-IC 3.3", "价格浮动权限执行人,必须严格遵守规定的价格浮动范围,不得擅自突破。", "Those who hold a delegated price range must keep strictly within it and may not exceed it on their own."),
        ),
        g9=(4, 6),
        refs=("BN 29", "BN 30"),
        stage=_PRICING,
        owner="price group and marketing department / 价格领导小组、营销部门",
        evidence="decision log: master price, line price, deviation, seller's node and range, approving node and its approval / 决策日志：主数据价格、行价格、偏离、下单人的授权节点和范围、审批节点及其审批",
        applies_to=_PLACE,
        check=check_float_authority,
        gate_check=_clearing(check_float_authority),
        scratch=True,
        version=2,
        conflicts=("seller ≠ approver of the price / 销售经办人 ≠ 价格审批人",),
        messages={
            "pricing.outside_range": (
                "第 {line} 行产品 {product} 价格 {price} 偏离主数据价格 {master} {deviation}，超出下单人浮动权限，须 {node}（{role}）审批",
                "line {line}: product {product} at {price} deviates {deviation} from the master price {master}, outside the seller's float range: needs {node} ({role})",
            ),
            "pricing.outside_root": (
                "第 {line} 行产品 {product} 价格 {price} 偏离主数据价格 {master} {deviation}，超出价格领导小组授权范围，不得销售",
                "line {line}: product {product} at {price} deviates {deviation} from the master price {master}, outside every delegated range: not allowed",
            ),
            **_master_messages(),
        },
    ),
    Control(
        id="O2C-PR-04",
        title_zh="浮动权逐级递减",
        title_en="Float ranges delegated downward never exceed the delegator's",
        objective_zh="价格浮动权向下逐级递减分配，下级的浮动范围和产品范围不超过上级。",
        objective_en="Price-float authority is delegated downward in diminishing ranges: no node's range or products exceed its parent's.",
        activity_zh="加载策略时系统检查授权树 {authority}：每个节点的下浮、上浮范围（比例与金额）及产品范围均不超过其上级；否则拒绝加载并指出节点路径。",
        activity_en="When the policy loads the system checks the delegation tree {authority}: every node's cut and rise limits (fraction and amount) and products stay within its parent's; otherwise the policy is refused, naming the node's path.",
        risks=("R1.1", "R1.2"),
        kind=Kind.PREVENTIVE,
        frequency=Frequency.ON_POLICY_LOAD,
        key=False,
        automation=Automation.AUTOMATED,
        assertions=(_A.ACCURACY,),
        seeds=("S-IC 3.3",),
        seed_quotes=(
            ("S-IC 3.3", "价格领导小组可根据实际,针对某些产品授予营销部门一定限度的价格浮动权,营销部门可结合自身及产品市场特点,将价格浮动权向下实行逐级递减分配,同时明确权限执行人。", "The price group may, as circumstances require, give marketing a limited authority to float the price of certain products; marketing may, in the light of its own and the products' market, delegate that authority downward, diminishing level by level, naming who holds it."),
        ),
        seed_readings=(
            (
                "S-IC 3.3",
                "“逐级递减”在此读作“不超过”：下级节点的让价、加价幅度和产品范围不得超过上级，与上级相同也予通过。若要求严格递减，须在策略中为各级设定更小的幅度；本控制不会拒绝相等的幅度。",
                "“Diminishing level by level” is read as “never wider”: a delegated node's cut and rise ranges and its products may not exceed its parent's, and a range equal to the parent's passes. A strictly narrower range at every level is the policy author's to set; the control does not refuse an equal one.",
            ),
        ),
        g9=(4,),
        stage=_PRICING,
        owner="price group / 价格领导小组",
        evidence="policy fingerprint in every decision; the load error naming the node path / 每项决策中的策略指纹；指明节点路径的加载错误",
    ),
    Control(
        id="O2C-PR-05",
        title_zh="折扣促销分级授权",
        title_en="Discounts and promotions within the discount delegation matrix",
        objective_zh="折扣、返利、赠品和会员优惠按金额和比例分级授权；化整为零的拆单折扣按客户滚动累计控制。",
        objective_en="Discounts, rebates, gifts and member offers are approved by band of fraction and amount; discounts split over several orders are caught by a rolling total per customer.",
        activity_zh="下单时系统计算每行折扣、订单优惠合计和客户近 {rolling_days} 天累计优惠，分别对照矩阵：行 {line_discount_steps}；订单 {order_concession_steps}；累计 {rolling_steps}；按档挂起待审批（多级依次签批），超出矩阵阻止。允许的促销方式：{concession_kinds}。",
        activity_en="At order entry the system computes each line's discount, the order's total concessions and the customer's concessions over the last {rolling_days} days, and judges each against its matrix: lines {line_discount_steps}; order {order_concession_steps}; rolling {rolling_steps}. A band's approvals are required (signed in order); above the matrix is blocked. Kinds allowed: {concession_kinds}.",
        risks=("R1.1", "R2.1"),
        kind=Kind.PREVENTIVE,
        frequency=Frequency.PER_TRANSACTION,
        key=True,
        automation=Automation.AUTOMATED,
        assertions=(_A.VALUATION, _A.PRESENTATION, _A.OCCURRENCE),
        seeds=("S-MK 5", "S-IC 1.1", "S-K1 2", "S-CP 3.2.4"),
        seed_quotes=(
            ("S-MK 5", "通过各种促销活动,如折扣、赠品、会员优惠等,激励消费者购买。", "Promotions of every kind, such as discounts, gifts and member offers, encourage customers to buy."),
        ),
        g9=(5,),
        refs=("BN 29", "BN 30"),
        stage=_PRICING,
        owner="marketing department / 营销部门",
        evidence="decision log: line and order concessions, rolling total, band, approvals in signing order / 决策日志：行和订单的让利、滚动累计、档次、按签署顺序的审批",
        applies_to=_PLACE,
        check=check_concessions,
        scratch=True,
        conflicts=("proposer ≠ approver / 提议人 ≠ 审批人", "each level signed by a different person / 每一级由不同的人签署"),
        messages={
            "pricing.concession_kind": (
                "订单 {order} 含策略不允许的促销方式 {kind}",
                "order {order} grants a kind of promotion the policy does not allow: {kind}",
            ),
            "pricing.concession_line": (
                "第 {line} 行产品 {product} 优惠 {amount}（{pct}），须依次审批：{roles}",
                "line {line}: product {product} concedes {amount} ({pct}); needs, in order: {roles}",
            ),
            "pricing.concession_line_above_matrix": (
                "第 {line} 行产品 {product} 优惠 {amount}（{pct}）超出折扣授权矩阵",
                "line {line}: product {product} concedes {amount} ({pct}), above the discount matrix",
            ),
            "pricing.concession_order": (
                "订单 {order} 优惠合计 {amount}（{pct}），须依次审批：{roles}",
                "order {order} concedes {amount} in total ({pct}); needs, in order: {roles}",
            ),
            "pricing.concession_order_above_matrix": (
                "订单 {order} 优惠合计 {amount}（{pct}）超出折扣授权矩阵",
                "order {order} concedes {amount} in total ({pct}), above the discount matrix",
            ),
            "pricing.concession_rolling": (
                "客户 {customer} 近 {days} 天 {orders} 笔订单累计优惠 {amount}（{pct}），须依次审批：{roles}",
                "customer {customer} has {amount} of concessions ({pct}) over {orders} orders in {days} days; needs, in order: {roles}",
            ),
            "pricing.concession_rolling_above_matrix": (
                "客户 {customer} 近 {days} 天累计优惠 {amount}（{pct}）超出折扣授权矩阵",
                "customer {customer} has {amount} of concessions ({pct}) in {days} days, above the discount matrix",
            ),
        },
    ),
    Control(
        id="O2C-PR-06",
        title_zh="价格主数据变更审批",
        title_en="Price-master changes maintained by finance, proposed and approved by different people at the price group's authority, with their source document",
        objective_zh="价格主数据只能由财务部门依据定价文件或经价格领导小组批准的价格维护；提出调整意见者不得审批或自行录入。",
        objective_en="The price master changes only through finance, from a pricing document or a price the price group approved; whoever proposes a price neither approves nor enters it.",
        activity_zh="发布或调整价格主数据时系统检查：录入人持有 {master_maintainer_role} 角色且不是提出人；价格注明来源文件；挂起须授权树节点 {master_approval_node} 的角色和级别审批，提出人和录入人的审批无效。",
        activity_en="When a price is published or changed in the price master the system checks that the keyer holds {master_maintainer_role} and is not the proposer, and that the price cites its source document; it holds the change for the approval of the delegation tree's node {master_approval_node}, in its role and level, never by the proposer or the keyer.",
        risks=("R1.1", "R1.2", "R2.1"),
        kind=Kind.PREVENTIVE,
        frequency=Frequency.PER_TRANSACTION,
        key=True,
        automation=Automation.AUTOMATED,
        assertions=(_A.ACCURACY, _A.VALUATION),
        seeds=("S-IC 3.2", "S-IC 3.4"),
        seed_quotes=(
            (
                "S-IC 3.2",
                "当价格需要调整时,营销部门根据实际,提出调整意见,报分(子)公司价格领导小组审批。",
                "When a price needs adjusting, marketing proposes the change, which goes to the "
                "subsidiary's price group for approval.",
            ),
        ),
        g9=(5,),
        refs=("COSO P11", "BN 29"),
        stage=_PRICING,
        owner="finance department (price master data) and price group / 财务部门（价格主数据）、价格领导小组",
        evidence="decision log: product, price, validity, source document, proposer, keyer, and the price group's approval / 决策日志：产品、价格、有效期、来源文件、提议人、录入人及价格领导小组的审批",
        applies_to=(ChangeMasterPrice.__name__,),
        check=check_master_change,
        conflicts=("proposer ≠ approver / 提议人 ≠ 审批人", "proposer ≠ keyer, the finance maintainer / 提议人 ≠ 录入人（财务维护人员）"),
        messages={
            "pricing.master_not_maintainer": (
                "价格变更 {change}：录入人 {actor} 不是 {role}，不得维护价格主数据",
                "price change {change}: {actor} is not {role} and may not maintain the price master",
            ),
            "pricing.master_self_proposed": (
                "价格变更 {change}：{actor} 既是提出人又是录入人",
                "price change {change}: {actor} both proposed and enters the price",
            ),
            "pricing.master_other_maintainer": (
                "价格变更 {change} 记录的维护人 {maintainer} 不是录入人 {actor}",
                "price change {change} records {maintainer} as its maintainer, but {actor} enters it",
            ),
            "pricing.master_approval": (
                "价格变更 {change}（产品 {product}，价格 {price}）须经 {node}（{role}）审批",
                "price change {change} (product {product} at {price}) needs the approval of {node} ({role})",
            ),
        },
    ),
)

FAMILY = Family(
    name="pricing",
    title_zh="价格管理",
    title_en="Pricing",
    policy_type=PricingPolicy,
    controls=CONTROLS,
)
