"""Credit: who may buy on credit, how much, and who decides (赊销与信用管理).

Source: the group manual's control points S-IC 2.1–2.3 and 5.1 (客户主数据维护和信用审核;
超出规定信用额度的须重新履行审批程序,或经批准后由财务部门信用主数据维护员在系统中一次性
释放冻结的订单), the product-sales flow S-CP 3.2.2–3.2.4 (赊销审核, ★ key controls), the
billing system's credit check S-PM B (系统在销售开票时检查客户的信誉额度、信誉天数), and the
payment methods of foreign trade S-FT (汇付、托收、信用证). Guideline 9 art. 5 and 10.

Controls: O2C-CR-01 (new customers are high risk, zero credit), O2C-CR-02 (credit profiles
proposed and approved by different people), O2C-CR-04 (credit limit), O2C-CR-05 (credit days),
O2C-CR-06 (one-time release), O2C-CR-07 (collection-responsibility letter), O2C-CR-08 (major
credit sales), O2C-CR-09 (payment-method risk); and, detective, O2C-CR-03 (credit files
reviewed at least every ``max_review_interval_days``, S-IC 2.2: 营销和财务等部门共同建立客户信用
动态档案,并至少每年更新一次), run by :func:`salesctl.reconcile.run`.

The package: :mod:`~salesctl.controls.credit.policy` (the policy),
:mod:`~salesctl.controls.credit.checks` (the preventive checks and their helpers),
:mod:`~salesctl.controls.credit.detect` (the detective check); this module holds the controls.

Exposure is the sum of the categories the policy names (open orders, delivered not invoiced,
open receivables) plus the order being checked, in the currency of the customer's limit; the
order being checked is *not* part of the context's exposure. Beyond the customer's total,
:mod:`~salesctl.controls.credit.segments` checks the selling company's credit segment, the
customer group and the per-category limits (issue 15).

>>> from salesctl.controls.credit import CreditPolicy
>>> CreditPolicy().limit_approval_role
'credit_manager'
"""

from __future__ import annotations

from salesctl.control import Assertion, Automation, Control, Family, Frequency, Kind, _clearing
from salesctl.controls.credit.checks import (
    check_collection_letter,
    check_credit_days,
    check_credit_limit,
    check_major_credit_sale,
    check_new_customer,
    check_payment_method,
    check_profile_duties,
    check_release,
    consumes_credit,
    exposure_total,
    overdue_since,
    release_for,
    release_problem,
    segment_limit_findings,
    segment_overdue_findings,
)
from salesctl.controls.credit.detect import detect_credit_reviews
from salesctl.controls.credit.policy import ApprovalStep, CreditPolicy, MajorSaleTier
from salesctl.controls.credit.segments import Breach, CreditSegment, segments_for
from salesctl.transactions import PlaceOrder, ReleaseOrder, SetCreditProfile

__all__ = [
    "FAMILY",
    "ApprovalStep",
    "Breach",
    "CreditPolicy",
    "CreditSegment",
    "MajorSaleTier",
    "check_collection_letter",
    "check_credit_days",
    "check_credit_limit",
    "check_major_credit_sale",
    "check_new_customer",
    "check_payment_method",
    "check_profile_duties",
    "check_release",
    "consumes_credit",
    "detect_credit_reviews",
    "exposure_total",
    "overdue_since",
    "release_for",
    "release_problem",
    "segment_limit_findings",
    "segment_overdue_findings",
    "segments_for",
]


# -- the family -------------------------------------------------------------------------------

_ORDER_TXNS = (PlaceOrder.__name__, ReleaseOrder.__name__)
_CREDIT = "credit"
_OWNER = "credit management (finance) / 信用管理部门（财务）"
_A = Assertion

CONTROLS: tuple[Control, ...] = (
    Control(
        id="O2C-CR-01",
        title_zh="新客户默认高风险、零信用",
        title_en="New customer master data defaults to high risk / zero credit",
        objective_zh="未经信用审批的客户不得赊销。",
        objective_en="No credit sale to a customer whose credit was never approved.",
        activity_zh="下单时系统检查客户信用主数据；无信用档案的客户视为 {high_risk_grade} 级、零额度，赊销方式（{credit_methods}）一律阻止。",
        activity_en="At order entry the system reads the customer's credit master data; a customer without a profile is grade {high_risk_grade} with zero limit, and any credit method ({credit_methods}) is blocked.",
        risks=("R1.3",),
        kind=Kind.PREVENTIVE,
        frequency=Frequency.PER_TRANSACTION,
        key=False,
        automation=Automation.AUTOMATED,
        assertions=(_A.VALUATION, _A.OCCURRENCE),
        seeds=("S-IC 2.1",),
        seed_quotes=(
            ("S-IC 2.1", "主数据维护员按审核后的客户信息在ERP系统中维护客户主数据。系统默认信用主数据应为高风险级别或零信用。", "The master-data maintainer keeps the customer master data in the ERP system from the reviewed customer information. By default, the system's credit master data must be the high-risk grade or zero credit."),
        ),
        g9=(5,),
        stage=_CREDIT,
        owner=_OWNER,
        evidence="decision log: BLOCK finding with customer, method and default grade / 决策日志：阻止结论及客户、结算方式和默认等级",
        applies_to=_ORDER_TXNS,
        check=check_new_customer,
        messages={
            "credit.no_profile": (
                "客户 {customer} 无信用档案（默认高风险、零信用），不得以 {method} 方式赊销",
                "customer {customer} has no credit profile (high risk, zero credit by default): no credit sale by {method}",
            ),
        },
    ),
    Control(
        id="O2C-CR-02",
        version=2,
        title_zh="信用等级由不相容岗位提出与审批",
        title_en="Credit grade, limit and term proposed and approved by different people",
        objective_zh="信用等级、额度和期限的提出与审批相互分离，并经规定层级审批后由财务维护。",
        objective_en="Proposing and approving credit grade, limit and term are separate duties; approved at the required levels and entered by finance.",
        activity_zh="维护信用主数据时，系统要求维护人具有 {profile_maintainer_role} 角色、且不是提出人；须取得审批：{profile_approvals}，提出人的审批无效。",
        activity_en="When credit master data is saved the system requires the maintainer to hold {profile_maintainer_role} and not be the proposer, and approvals from {profile_approvals}; the proposer's own approval does not count.",
        risks=("R1.3", "R2.1"),
        kind=Kind.PREVENTIVE,
        frequency=Frequency.PER_TRANSACTION,
        key=True,
        automation=Automation.AUTOMATED,
        assertions=(_A.VALUATION, _A.RIGHTS_AND_OBLIGATIONS),
        seeds=("S-IC 2.2", "S-CP 3.2.3"),
        seed_quotes=(
            ("S-IC 2.2", "由不相容岗位人员提出划分、调整客户信用等级的方案;", "People in incompatible positions propose the grading and regrading of customers' credit."),
            ("S-CP 3.2.3", "信用管理部门依据客户的信用资料以及本部门已建立的客户信用档案和记录,对客户信用情况进行审核或调查,评定信用等级,提出审核意见。", "The credit management department reviews or investigates the customer's credit from its credit data and the department's credit files and records, sets the credit grade and gives its opinion."),
        ),
        g9=(4, 5),
        refs=("BN 29", "BN 30", "COSO P10", "COSO P12"),
        stage=_CREDIT,
        owner="credit management group / 信用管理领导小组",
        evidence="decision log: approvals (who, role, level, when) attached to the credit application / 决策日志：信用申请所附审批（审批人、角色、级别、时间）",
        applies_to=(SetCreditProfile.__name__,),
        check=check_profile_duties,
        messages={
            "credit.profile_unknown_grade": (
                "信用等级 {grade} 不在策略等级表中",
                "credit grade {grade} is not one of the policy's grades",
            ),
            "credit.profile_maintainer": (
                "{actor} 不具备 {role} 角色，不得维护信用主数据",
                "{actor} does not hold {role} and may not maintain credit master data",
            ),
            "credit.profile_self_entered": (
                "提出人 {actor} 不得自行录入信用主数据（不相容职务）",
                "proposer {actor} may not enter the credit master data (incompatible duties)",
            ),
            "credit.profile_self_approved": (
                "提出人 {actor} 不得审批自己的信用方案（不相容职务）",
                "proposer {actor} may not approve their own credit proposal (incompatible duties)",
            ),
            "credit.profile_approval": (
                "客户 {customer} 的信用方案（等级 {grade}，额度 {limit}）须经审批",
                "credit proposal for {customer} (grade {grade}, limit {limit}) needs approval",
            ),
        },
    ),
    Control(
        id="O2C-CR-03",
        customer_partitionable=True,
        title_zh="信用档案至少每年更新",
        title_en="Customer credit file reviewed at least yearly; overdue reviews flagged",
        objective_zh="客户信用等级、额度和期限反映客户当前的信用状况。",
        objective_en="Credit grades, limits and terms reflect the customer's current standing.",
        activity_zh="营销和财务共同维护客户信用动态档案，每 {max_review_interval_days} 天内至少复核更新一次；每月检查到期未复核的档案，由 {review_role} 跟进。",
        activity_en="Marketing and finance keep each customer's credit file and review it at least every {max_review_interval_days} days; monthly, files past their review date are flagged for {review_role}.",
        risks=("R1.3",),
        kind=Kind.DETECTIVE,
        frequency=Frequency.YEARLY,
        key=False,
        automation=Automation.IT_DEPENDENT,
        assertions=(_A.VALUATION,),
        seeds=("S-IC 2.2",),
        seed_quotes=(
            ("S-IC 2.2", "营销和财务等部门共同建立客户信用动态档案,并至少每年更新一次,", "Marketing, finance and the other departments concerned jointly keep a running credit file for each customer and update it at least once a year."),
        ),
        g9=(5,),
        stage="credit",
        owner="marketing and finance / 营销和财务部门",
        evidence="credit file review dates; monthly list of overdue reviews / 信用档案复核日期；每月逾期未复核清单",
        detect=detect_credit_reviews,
        detect_at={Frequency.MONTHLY},
        messages={
            "receivables.review_overdue": (
                "客户 {customer} 的信用档案应于 {due} 复核（上次 {last}），未复核",
                "credit file of customer {customer} was due for review on {due} (last {last}) and was not reviewed",
            ),
        },
    ),
    Control(
        id="O2C-CR-04",
        version=2,
        consumes=("release",),
        title_zh="赊销不得超出信用额度",
        title_en="Credit sale only within the approved limit",
        objective_zh="占用额度（在途订单、已发未开票、应收账款）加本单不超过批准的信用额度。",
        objective_en="Exposure (open orders, delivered not invoiced, open receivables) plus this order stays within the approved limit.",
        activity_zh="下单和释放时系统计算 {exposure_categories} 加本单金额，超出额度即冻结，须 {limit_approval_role}（级别 ≥ {limit_approval_level}）重新审批或使用有效的一次性释放；订单注明销售公司时，同时按该公司所在信用段（{segments}）的额度检查；客户属于客户集团时，集团全部成员的占用同时对照集团额度；各占用类别另设分类额度的，分别检查，取最严格的结果。",
        activity_en="At order entry and release the system adds {exposure_categories} and the order; over the limit the order is held for re-approval by {limit_approval_role} (level ≥ {limit_approval_level}) or a valid one-time release. An order naming its selling company is also checked against the customer's limit for that company's credit segment ({segments}); a member of a customer group also against the group's limit with every member's exposure; per-category limits are checked beside the total; the strictest outcome wins.",
        risks=("R1.3",),
        kind=Kind.PREVENTIVE,
        frequency=Frequency.PER_TRANSACTION,
        key=True,
        automation=Automation.AUTOMATED,
        assertions=(_A.VALUATION, _A.OCCURRENCE),
        seeds=("S-IC 2.3", "S-IC 5.1", "S-PM B"),
        seed_quotes=(
            ("S-IC 2.3", "相应责任人在客户信用限额内,按照规定权限签订赊销合同并签订《货款回笼责任书》(单笔或汇总)。", "Within the customer's credit limit, the responsible person signs credit-sale contracts within the set authority, together with a collection-responsibility letter (single or summary)."),
            ("S-PM B", "系统在销售开票时检查客户的信誉额度、信誉天数,", "At billing the system checks the customer's credit limit and credit days."),
        ),
        g9=(5, 10),
        refs=("BN 30",),
        stage=_CREDIT,
        owner=_OWNER,
        evidence="decision log: limit, exposure by category, order amount, excess; approval or release that cleared it / 决策日志：信用额度、按类别的信用占用、订单金额、超额；清除挂起的审批或一次性释放",
        applies_to=_ORDER_TXNS,
        check=check_credit_limit,
        gate_check=_clearing(check_credit_limit),
        messages={
            "credit.over_limit": (
                "客户 {customer} 超出信用额度 {limit}，超额 {excess}",
                "customer {customer} would exceed the credit limit {limit} by {excess}",
            ),
            "credit.released": (
                "超额已由 {granted_by} 的一次性释放 {release} 放行",
                "over-limit released by one-time release {release} granted by {granted_by}",
            ),
            "credit.no_exposure": (
                "缺少客户 {customer} 的信用占用数据，无法检查额度（失败关闭）",
                "no credit exposure for customer {customer} in the context: cannot check the limit (fails closed)",
            ),
            "credit.segment_over_limit": (
                "客户 {customer} 在 {segment} 超出信用额度 {limit}，超额 {excess}",
                "customer {customer} would exceed the credit limit {limit} of {segment} by {excess}",
            ),
            "credit.category_over_limit": (
                "客户 {customer} 在 {segment} 的占用类别 {category} 超出分类额度 {limit}，超额 {excess}",
                "customer {customer} would exceed the {category} limit {limit} of {segment} by {excess}",
            ),
            "credit.no_segment_exposure": (
                "缺少客户 {customer} 在 {segment} 的信用占用数据，无法检查（失败关闭）",
                "no credit exposure for customer {customer} in {segment} in the context: cannot check (fails closed)",
            ),
        },
    ),
    Control(
        id="O2C-CR-05",
        version=3,
        title_zh="信用天数检查",
        title_en="Credit days: customers with items overdue beyond the term are held",
        objective_zh="存在超期欠款的客户不得继续赊销，除非经批准。",
        objective_en="No further credit sale to a customer with overdue items, unless approved.",
        activity_zh="开单时系统检查最早逾期应收的到期日（主机给出未结发票时按账期逐张计算：N 天、月结 N 天、次月 D 日，合同/订单账期与信用档案账期取先到期者）；逾期超过 {overdue_grace_days} 天即挂起，须 {overdue_approval_role}（级别 ≥ {overdue_approval_level}）审批。",
        activity_en="At order entry the system reads the oldest overdue due date (computed per open invoice from its payment terms — net N, end of month + N, day D of next month — when the host gives its open invoices; of the document's and the credit profile's terms the earlier due date wins); more than {overdue_grace_days} days overdue holds the order for {overdue_approval_role} (level ≥ {overdue_approval_level}).",
        risks=("R1.3",),
        kind=Kind.PREVENTIVE,
        frequency=Frequency.PER_TRANSACTION,
        key=False,
        automation=Automation.AUTOMATED,
        assertions=(_A.VALUATION,),
        seeds=("S-PM B",),
        seed_quotes=(
            ("S-PM B", "系统在销售开票时检查客户的信誉额度、信誉天数,若不符合公司规定,需要填写审批单手工单据由上级领导进行审批;", "At billing the system checks the customer's credit limit and credit days; if they break the company's rules, an approval form is filled in by hand and approved by the superior."),
        ),
        g9=(5, 10),
        refs=("BN 30",),
        stage=_CREDIT,
        owner=_OWNER,
        evidence="decision log: overdue amount, oldest due date, days overdue, approval / 决策日志：逾期金额、最早到期日、逾期天数、审批",
        applies_to=_ORDER_TXNS,
        check=check_credit_days,
        messages={
            "credit.overdue": (
                "客户 {customer} 有逾期 {days} 天的欠款 {amount}",
                "customer {customer} has {amount} overdue by {days} days",
            ),
            "credit.segment_overdue": (
                "客户 {customer} 所在 {segment} 有逾期 {days} 天的欠款 {amount}",
                "{segment} of customer {customer} has {amount} overdue by {days} days",
            ),
            "credit.no_segment_exposure": (
                "缺少客户 {customer} 在 {segment} 的信用占用数据，无法检查（失败关闭）",
                "no credit exposure for customer {customer} in {segment} in the context: cannot check (fails closed)",
            ),
        },
    ),
    Control(
        id="O2C-CR-06",
        consumes=("release",),
        title_zh="超额须重新审批或一次性释放",
        title_en="Over-limit: re-approval, or a one-time release consumed once",
        objective_zh="超额订单只能经重新审批或财务信用主数据维护员的一次性释放放行，释放只能使用一次。",
        objective_en="An over-limit order goes ahead only after re-approval or a one-time release by the credit master-data maintainer, usable once.",
        activity_zh="释放须由 {release_role} 授予、限定订单、金额上限与有效期，且未被使用；否则挂起，须 {limit_approval_role} 重新审批。",
        activity_en="A release must be granted by {release_role} for that one order, within its maximum amount and before expiry, and unused; otherwise the order is held for re-approval by {limit_approval_role}.",
        risks=("R1.3",),
        kind=Kind.PREVENTIVE,
        frequency=Frequency.PER_TRANSACTION,
        key=True,
        automation=Automation.AUTOMATED,
        assertions=(_A.VALUATION, _A.OCCURRENCE),
        seeds=("S-IC 5.1",),
        seed_quotes=(
            ("S-IC 5.1", "超出规定信用额度的须重新履行审批程序,或经批准后由财务部门信用主数据维护员在系统中一次性释放冻结的订单。", "Above the set credit limit the approval procedure is gone through again, or, once approved, finance's credit master-data maintainer releases the blocked order once in the system."),
        ),
        g9=(4, 5),
        stage=_CREDIT,
        owner=_OWNER,
        evidence="decision log: release id, granter, expiry, consumed flag; journal consumption record / 决策日志：一次性释放编号、授予人、有效期、是否已使用；日志中的使用记录",
        applies_to=_ORDER_TXNS,
        check=check_release,
        messages={
            "credit.release_consumed": (
                "一次性释放 {release} 已被使用过，不得再次使用",
                "one-time release {release} was already used and cannot be used again",
            ),
            "credit.release_expired": (
                "一次性释放 {release} 已过期",
                "one-time release {release} has expired",
            ),
            "credit.release_not_yet_valid": (
                "一次性释放 {release} 尚未生效",
                "one-time release {release} is not yet valid",
            ),
            "credit.release_wrong_order": (
                "一次性释放 {release} 不是为本订单授予的",
                "one-time release {release} was granted for another order",
            ),
            "credit.release_granter_role": (
                "一次性释放 {release} 的授予人不是信用主数据维护员",
                "one-time release {release} was not granted by the credit master-data maintainer",
            ),
            "credit.release_granter_is_seller": (
                "一次性释放 {release} 由订单的销售人员本人授予（不相容职务）",
                "one-time release {release} was granted by the order's own seller (incompatible duties)",
            ),
            "credit.release_amount": (
                "一次性释放 {release} 的金额上限不足以覆盖本订单",
                "one-time release {release} does not cover the order's amount",
            ),
            "credit.release_missing": (
                "订单 {order} 引用的释放 {release} 不存在",
                "release {release} named for order {order} is not on hand",
            ),
        },
    ),
    Control(
        id="O2C-CR-07",
        title_zh="赊销签订货款回笼责任书",
        title_en="Credit sale requires a signed collection-responsibility letter",
        objective_zh="每笔赊销都有明确的货款回笼责任人。",
        objective_en="Every credit sale has a named person responsible for collection.",
        activity_zh="以赊销方式（{credit_methods}）下单时，系统要求订单或客户档案载明已签订的《货款回笼责任书》（单笔或汇总）。",
        activity_en="An order on credit terms ({credit_methods}) must cite a signed collection-responsibility letter, for the order or a summary letter on the customer's profile.",
        risks=("R1.3",),
        kind=Kind.PREVENTIVE,
        frequency=Frequency.PER_TRANSACTION,
        key=False,
        automation=Automation.IT_DEPENDENT,
        assertions=(_A.VALUATION, _A.RIGHTS_AND_OBLIGATIONS),
        seeds=("S-IC 2.3",),
        seed_quotes=(
            ("S-IC 2.3", "相应责任人在客户信用限额内,按照规定权限签订赊销合同并签订《货款回笼责任书》(单笔或汇总)。", "Within the customer's credit limit, the responsible person signs credit-sale contracts within the set authority, together with a collection-responsibility letter (single or summary)."),
        ),
        seed_readings=(
            (
                "S-IC 2.3",
                "来源对集中销售的化工产品免签《货款回笼责任书》（改为与化工销售区域分公司协商，按约定时间结算）。本控制不设此项豁免：凡以策略所列赊销方式付款的订单，无论何种产品，均须有单笔或汇总责任书，比来源更严。",
                "The seed exempts centrally sold chemical products from the collection-responsibility letter (settlement is agreed with the regional chemical sales branch instead). The control has no such exemption: every order paid by one of the policy's credit methods needs a single or a summary letter, whatever the product, which is stricter than the seed.",
            ),
        ),
        g9=(10,),
        stage=_CREDIT,
        owner="sales department / 营销部门",
        evidence="letter reference on the order or profile / 订单或信用档案上的《货款回笼责任书》编号",
        applies_to=(PlaceOrder.__name__,),
        check=check_collection_letter,
        messages={
            "credit.no_collection_letter": (
                "赊销订单 {order} 未签订《货款回笼责任书》",
                "credit order {order} has no signed collection-responsibility letter",
            ),
        },
    ),
    Control(
        id="O2C-CR-08",
        version=3,
        title_zh="重大赊销分级审批",
        title_en="Major credit sales approved by the business VP and chief accountant; very large ones by the office meeting",
        objective_zh="重大赊销方案经分管领导和总会计师审批，特别重大的报办公会审定。",
        objective_en="Major credit sales are approved by the business VP and the chief accountant; very large ones by the office meeting.",
        activity_zh="赊销金额达到分级标准时系统挂起订单，须取得相应审批：{major_sale_tiers}；订单注明销售公司（其信用段有额度）或客户属于客户集团时，另按该信用段、客户集团的信用占用加本单金额衡量，取最高的档次，拆分订单不能降低档次。",
        activity_en="A credit order reaching a band is held for that band's approvals: {major_sale_tiers}. An order in a credit segment (its company's, when the customer has a limit there) or of a customer group is also measured as the segment's and the group's exposure plus the order; the highest band wins, so a sale split across companies or members reaches the band the whole would.",
        risks=("R1.3",),
        kind=Kind.PREVENTIVE,
        frequency=Frequency.PER_TRANSACTION,
        key=True,
        automation=Automation.AUTOMATED,
        assertions=(_A.VALUATION, _A.OCCURRENCE),
        seeds=("S-CP 3.2.4",),
        seed_quotes=(
            ("S-CP 3.2.4", "销售部门将销售实施方案/销售订单和赊销审核意见等传/送给分管业务的领导和总会计师②审批,特别重大的赊销方案报企业办公会审定。", "The sales department sends the sales plan or order and the credit-sale opinion to the leader in charge of the business and the chief accountant for approval; a particularly major credit sale goes to the office meeting."),
        ),
        g9=(4, 6),
        refs=("BN 30",),
        stage=_CREDIT,
        owner="business VP and chief accountant / 分管领导和总会计师",
        evidence="decision log: band, amount, approvals / 决策日志：金额档次、金额、审批",
        applies_to=(PlaceOrder.__name__,),
        check=check_major_credit_sale,
        messages={
            "credit.major_sale": (
                "重大赊销 {order}：金额 {amount} 达到 {threshold} 档，须分级审批",
                "major credit sale {order}: {amount} reaches the {threshold} band and needs its approvals",
            ),
            "credit.segment_major_sale": (
                "重大赊销 {order}：{segment} 的信用占用加本单 {amount} 达到 {threshold} 档，须分级审批",
                "major credit sale {order}: the exposure of {segment} with this order, {amount}, reaches the {threshold} band and needs its approvals",
            ),
            "credit.no_segment_exposure": (
                "缺少客户 {customer} 在 {segment} 的信用占用数据，无法检查（失败关闭）",
                "no credit exposure for customer {customer} in {segment} in the context: cannot check (fails closed)",
            ),
        },
    ),
    Control(
        id="O2C-CR-09",
        title_zh="结算方式信用占用",
        title_en="Payment-method risk: only methods allowed for the customer's grade",
        objective_zh="预收款、现款和信用证不占用信用；承兑交单、赊账、托收占用信用，只对相应等级的客户开放。",
        objective_en="Prepayment, cash and L/C consume no credit; D/A, open account and collection do, and are open only to customers of sufficient grade.",
        activity_zh="下单时系统按客户等级检查结算方式：{allowed_methods}；占用信用的方式为 {credit_methods}。",
        activity_en="At order entry the system checks the payment method against the customer's grade: {allowed_methods}; methods consuming credit: {credit_methods}.",
        risks=("R1.3",),
        kind=Kind.PREVENTIVE,
        frequency=Frequency.PER_TRANSACTION,
        key=False,
        automation=Automation.AUTOMATED,
        assertions=(_A.VALUATION,),
        seeds=("S-FT 付款方式", "S-PM B"),
        seed_quotes=(
            ("S-FT 付款方式", "比较常用的国际付款方式有三种,即汇付付款方式、托收付款方式和信用证付款方式。", "The three international payment methods most used are remittance, collection and the letter of credit."),
            ("S-PM B", "系统在销售开票时检查客户的信誉额度、信誉天数,", "At billing the system checks the customer's credit limit and credit days."),
        ),
        g9=(5,),
        stage=_CREDIT,
        owner=_OWNER,
        evidence="decision log: grade, method, allowed methods / 决策日志：信用等级、结算方式、允许的结算方式",
        applies_to=(PlaceOrder.__name__,),
        check=check_payment_method,
        messages={
            "credit.method_not_allowed": (
                "客户 {customer}（等级 {grade}）不得使用结算方式 {method}",
                "customer {customer} (grade {grade}) may not pay by {method}",
            ),
            "credit.unknown_grade": (
                "客户 {customer} 的信用等级 {grade} 未在策略中配置（失败关闭）",
                "credit grade {grade} of customer {customer} is not configured in the policy (fails closed)",
            ),
        },
    ),
)

FAMILY = Family(
    name="credit",
    title_zh="信用管理",
    title_en="Credit",
    policy_type=CreditPolicy,
    controls=CONTROLS,
)
