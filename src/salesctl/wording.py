"""How a policy value reads in a sentence, in Chinese and in English.

Every generated text (control activities, the RCM, control pages, OSCAL, ``controls.json``, the
audit report) shows policy values through :func:`value_text`, so that no Python leaks into the
prose: ``None`` reads 不限 / no limit, booleans 是/否 / yes/no, amounts carry digit grouping and
their currency, ratios read as percentages, role ids and term ids go through the bilingual
:data:`TERMS` glossary, and structures (approval steps, tiers, the price-delegation tree) read
as sentences. Chinese text uses full-width punctuation (，：；（）).

>>> value_text(None, "zh"), value_text(None, "en")
('不限', 'no limit')
>>> value_text("credit_manager", "zh", key="limit_approval_role")
'信用经理'
>>> from decimal import Decimal
>>> value_text(Decimal("0.15"), "en", key="max_cut_pct")
'15%'
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

import attrs

from salesctl.money import Money

__all__ = [
    "FACT_LABELS",
    "PLACEHOLDERS",
    "TERMS",
    "amount_text",
    "bilingual",
    "fact_label",
    "fill",
    "join",
    "param_text",
    "percent_text",
    "term",
    "tidy_zh",
    "value_text",
]

#: Role ids and term ids (enum values, field names listed in a policy) -> ``(zh, en)``.
TERMS: dict[str, tuple[str, str]] = {
    # roles
    "sales_rep": ("销售员", "sales representative"),
    "sales_manager": ("销售经理", "sales manager"),
    "sales_director": ("销售总监", "sales director"),
    "sales_vp": ("分管销售副总经理", "sales vice-president"),
    "general_manager": ("总经理", "general manager"),
    "deputy_manager": ("分管副经理", "deputy manager"),
    "marketing_head": ("营销部门负责人", "head of marketing"),
    "price_committee": ("价格领导小组", "price group"),
    "credit_manager": ("信用经理", "credit manager"),
    "credit_master_maintainer": ("信用主数据维护人", "credit master-data maintainer"),
    "price_master_maintainer": ("价格主数据维护人", "price master-data maintainer"),
    "finance_head": ("财务部门负责人", "head of finance"),
    "finance_vp": ("财务副总", "finance vice-president"),
    "business_vp": ("分管领导", "business vice-president"),
    "chief_accountant": ("总会计师", "chief accountant"),
    "office_meeting": ("总经理办公会", "office meeting"),
    "legal_reviewer": ("法律审核人员", "legal reviewer"),
    "hq_legal": ("总部法律部门", "head-office legal"),
    "seal_custodian": ("合同章保管人", "seal custodian"),
    "warehouse_manager": ("仓库主管", "warehouse manager"),
    "warehouse_head": ("仓储负责人", "head of warehousing"),
    "warehouse_clerk": ("仓库保管员", "warehouse clerk"),
    "sales_clerk": ("销售内勤", "sales clerk"),
    "planner": ("计划员", "planner"),
    "performance_office": ("绩效考核部门", "performance assessment office"),
    "proposer": ("提议人", "proposer"),
    "approver": ("审批人", "approver"),
    "seller": ("销售经办人", "seller"),
    "release_granter": ("一次性放行授予人", "release granter"),
    "credit_proposer": ("信用等级提议人", "credit proposer"),
    "credit_approver": ("信用等级审批人", "credit approver"),
    # payment methods, concessions, delivery modes, contract forms, seals
    "cash": ("现金", "cash"),
    "prepayment": ("预付款", "prepayment"),
    "lc": ("信用证", "letter of credit"),
    "tt_open_account": ("电汇赊账", "open-account transfer"),
    "dp": ("付款交单", "documents against payment"),
    "da": ("承兑交单", "documents against acceptance"),
    "credit": ("赊销", "credit"),
    "discount": ("折扣", "discount"),
    "rebate": ("返利", "rebate"),
    "gift": ("赠品", "gift"),
    "member_offer": ("会员优惠", "member offer"),
    "direct": ("直接交付", "direct delivery"),
    "logistics": ("物流", "logistics"),
    "courier": ("快递", "courier"),
    "pickup": ("客户自提", "customer pickup"),
    "written": ("书面", "written"),
    "electronic": ("电子", "electronic"),
    "oral": ("口头", "oral"),
    "contract_seal": ("合同专用章", "contract seal"),
    "company_seal": ("公章", "company seal"),
    # exposure categories, quotation elements, pipeline artefacts and stages, departments
    "open_receivables": ("未收应收账款", "open receivables"),
    "open_orders": ("未发货订单", "open orders"),
    "delivered_not_invoiced": ("已发货未开票", "delivered, not invoiced"),
    "delivery_date": ("交货期", "delivery date"),
    "material": ("材质", "material"),
    "transport": ("运输方式", "transport"),
    "quantity": ("数量", "quantity"),
    "quality_grade": ("质量等级", "quality grade"),
    "packaging": ("包装", "packaging"),
    "spec_model": ("规格型号", "specification and model"),
    "prospect": ("潜在客户", "prospect"),
    "qualified": ("合格潜在客户", "qualified"),
    "needs": ("需求分析", "needs"),
    "needs_analysis": ("需求分析", "needs analysis"),
    "delivery_receipt": ("签收单", "delivery receipt"),
    "proposal": ("方案", "proposal"),
    "quote": ("报价", "quote"),
    "quotation": ("报价单", "quotation"),
    "contract": ("合同", "contract"),
    "fulfilment": ("履约", "fulfilment"),
    "after_sales": ("售后", "after-sales"),
    "review": ("回顾", "review"),
    "service_record": ("服务记录", "service record"),
    "delivery_proof": ("交付证明", "delivery proof"),
    "production": ("生产", "production"),
    "warehouse": ("仓储", "warehouse"),
    "finance": ("财务", "finance"),
    "sales": ("销售", "sales"),
    "marketing": ("营销", "marketing"),
    "HIGH_RISK": ("高风险", "high risk"),
    # price classes, concession kinds, plan kinds (finding parameters)
    "group_priced": ("集团定价", "group-priced"),
    "state_allocated": ("国家调拨", "state-allocated"),
    "line_discount": ("单行折扣", "line discount"),
    "order_discount": ("整单折扣", "order discount"),
    "lead": ("线索", "lead"),
    "fulfil": ("履约", "fulfil"),
    "temporary": ("暂存", "temporary"),
    "confirmed": ("已确认", "confirmed"),
    "voided": ("已作废", "voided"),
    "monthly": ("月度", "monthly"),
    "annual": ("年度", "annual"),
}

#: Message placeholders -> ``(zh, en)`` names shown where a finding's template is documented.
PLACEHOLDERS: dict[str, tuple[str, str]] = {
    "line": ("行号", "line"),
    "product": ("产品", "product"),
    "price": ("价格", "price"),
    "master": ("主数据价格", "master price"),
    "deviation": ("偏离", "deviation"),
    "node": ("授权节点", "authority node"),
    "role": ("角色", "role"),
    "date": ("日期", "date"),
    "currency": ("币种", "currency"),
    "amount": ("金额", "amount"),
    "customer": ("客户", "customer"),
    "order": ("订单", "order"),
    "limit": ("限额", "limit"),
    "level": ("级别", "level"),
}

_CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]")
_HAN = re.compile(r"[\u3400-\u9fff]")
_SNAKE = re.compile(r"^[A-Za-z][A-Za-z0-9]*(_[A-Za-z0-9]+)+$")
_RATIO_NAMES = ("pct", "ratio", "rate", "tolerance", "achievement")

_NO_LIMIT = ("不限", "no limit")
_NONE = ("无", "none")


def _pick(pair: tuple[str, str], lang: str) -> str:
    return pair[0] if lang == "zh" else pair[1]


def join(items: Iterable[str], lang: str, sep: str | None = None) -> str:
    """Items joined with 、 in Chinese and ", " in English (无 / none when empty)."""
    parts = [i for i in items if i]
    if not parts:
        return _pick(_NONE, lang)
    return (sep if sep is not None else ("、" if lang == "zh" else ", ")).join(parts)


def term(value: str, lang: str) -> str:
    """A role id or term id through :data:`TERMS`; an unknown id loses its underscores."""
    if value in TERMS:
        return _pick(TERMS[value], lang)
    return bilingual(value, lang) if " / " in value else value.replace("_", " ")


def bilingual(text: str, lang: str) -> str:
    """The half of an ``"english / 中文"`` (or ``"中文 / english"``) text for ``lang``.

    The split is at the first ``" / "`` with Chinese on one side only; a text with no such
    split is returned as it is.
    """
    start = 0
    while True:
        i = text.find(" / ", start)
        if i < 0:
            return text
        left, right = text[:i].strip(), text[i + 3 :].strip()
        if right and _CJK.match(right) and not _HAN.search(left):
            return right if lang == "zh" else left
        if left and _HAN.search(left) and not _HAN.search(right):
            return left if lang == "zh" else right
        start = i + 3


#: Fact keys of findings (the evidence an exception carries) -> ``(zh, en)`` labels, as the
#: audit report shows them; a key not listed reads through :func:`term`.
FACT_LABELS: dict[str, tuple[str, str]] = {
    "account": ("科目", "account"),
    "accrual": ("预提", "accrual"),
    "accrued": ("已预提", "accrued"),
    "actor": ("经办人", "actor"),
    "actual": ("实际", "actual"),
    "actual_quantity": ("实存数量", "actual quantity"),
    "advance_balance": ("预收款余额", "advance balance"),
    "after": ("变更后", "after"),
    "allowed": ("允许值", "allowed"),
    "amount": ("金额", "amount"),
    "application": ("申报单", "application"),
    "approval_node": ("审批节点", "approval node"),
    "approvals_on_file": ("在案审批", "approvals on file"),
    "approved": ("已审批", "approved"),
    "approver_node": ("审批人节点", "approver's node"),
    "approver_range": ("审批人权限范围", "approver's range"),
    "as_of": ("业务日期", "as of"),
    "assessed_by": ("评定人", "assessed by"),
    "assessed_on": ("评定日期", "assessed on"),
    "authority": ("授权", "authority"),
    "band": ("分级起点", "tier from"),
    "before": ("变更前", "before"),
    "before_the_end": ("期末前", "before the end"),
    "booked_on": ("入账日期", "booked on"),
    "breach": ("超限情况", "breach"),
    "business_approval": ("业务审批单", "business approval form"),
    "carrier_ref": ("承运单号", "carrier reference"),
    "categories": ("类别", "categories"),
    "cited_as": ("引用编号", "cited as"),
    "claim": ("提成申请单", "commission claim"),
    "closed_on": ("关闭日期", "closed on"),
    "collected": ("已收款", "collected"),
    "collected_share": ("回款比例", "collected share"),
    "completed_on": ("完成日期", "completed on"),
    "concession": ("让步", "concession"),
    "consumed": ("已使用", "consumed"),
    "consumes_credit": ("占用信用额度", "consumes credit"),
    "contract": ("合同", "contract"),
    "contract_price": ("合同价格", "contract price"),
    "counted": ("盘点数", "counted"),
    "created_by": ("创建人", "created by"),
    "created_on": ("创建日期", "created on"),
    "currency": ("币种", "currency"),
    "customer": ("客户", "customer"),
    "customers": ("客户", "customers"),
    "days": ("天数", "days"),
    "days_left": ("剩余天数", "days left"),
    "days_overdue": ("逾期天数", "days overdue"),
    "deadline": ("期限", "deadline"),
    "delivered": ("已发货", "delivered"),
    "delivered_value": ("已发货金额", "delivered value"),
    "delivery_added": ("新增发货", "delivery added"),
    "delivery_value": ("发货金额", "delivery value"),
    "deviation": ("范本修改", "template deviation"),
    "difference": ("差异", "difference"),
    "document": ("单据", "document"),
    "document_price": ("单据价格", "document price"),
    "drafted_by": ("起草人", "drafted by"),
    "due": ("到期日", "due"),
    "due_on": ("到期日", "due on"),
    "duties": ("职务", "duties"),
    "earlier_amount": ("前次金额", "earlier amount"),
    "earlier_booked_on": ("前次入账日期", "earlier booked on"),
    "earlier_entry": ("前次分录", "earlier entry"),
    "end": ("截止", "end"),
    "ends_on": ("截止日期", "ends on"),
    "entered_by": ("录入人", "entered by"),
    "entry": ("分录", "entry"),
    "evaluated_on": ("评价日期", "evaluated on"),
    "excess": ("超出额", "excess"),
    "expected": ("应有", "expected"),
    "expires_at": ("失效时间", "expires at"),
    "expires_on": ("失效日期", "expires on"),
    "exposure": ("信用占用", "exposure"),
    "exposure_after": ("本单后信用占用", "exposure after"),
    "finance_collected": ("财务已收款", "collected by finance"),
    "first_payment": ("首期款", "first payment"),
    "form": ("形式", "form"),
    "fraction": ("比例", "fraction"),
    "from": ("起", "from"),
    "gl_revenue": ("总账收入", "revenue in the general ledger"),
    "goods_issue": ("出库单", "goods issue"),
    "goods_issues": ("出库单", "goods issues"),
    "grace_days": ("宽限天数", "grace days"),
    "grade": ("等级", "grade"),
    "grade_in_force": ("有效等级", "grade in force"),
    "granted_by": ("批准人", "granted by"),
    "gross": ("总额", "gross"),
    "humidity": ("湿度", "humidity"),
    "interval_days": ("间隔天数", "interval in days"),
    "invoiced_before": ("此前已开票", "invoiced before"),
    "invoiced_total": ("累计开票", "invoiced in total"),
    "issued_by": ("签发人", "issued by"),
    "kind": ("种类", "kind"),
    "kinds": ("种类", "kinds"),
    "last_review": ("上次复核", "last review"),
    "level": ("权限级别", "level"),
    "limit": ("额度", "limit"),
    "limit_in_force": ("有效额度", "limit in force"),
    "line": ("行", "line"),
    "list_price": ("目录价", "list price"),
    "maintained_by": ("维护人", "maintained by"),
    "major": ("重大事项审批步骤", "major approval steps"),
    "master_price": ("主数据价格", "master price"),
    "max_amount": ("金额上限", "maximum amount"),
    "max_humidity": ("湿度上限", "maximum humidity"),
    "max_temperature": ("温度上限", "maximum temperature"),
    "method": ("结算方式", "method"),
    "min_remaining_days": ("最短剩余天数", "minimum days remaining"),
    "min_temperature": ("温度下限", "minimum temperature"),
    "missing": ("缺少", "missing"),
    "mode": ("方式", "mode"),
    "needed": ("所需", "needed"),
    "next_review": ("下次复核", "next review"),
    "notice": ("发货通知单", "delivery notice"),
    "offset": ("冲抵", "offset"),
    "oldest_due": ("最早到期日", "oldest due date"),
    "open_amount": ("未结金额", "open amount"),
    "opened_on": ("开立日期", "opened on"),
    "opening": ("期初余额", "opening balance"),
    "opportunity": ("商机", "opportunity"),
    "order": ("订单", "order"),
    "order_date": ("订单日期", "order date"),
    "order_line": ("订单行", "order line"),
    "order_total": ("订单总额", "order total"),
    "other": ("另一单据", "other document"),
    "over_limit_in": ("超出额度的信用段", "over the limit in"),
    "overdue": ("逾期", "overdue"),
    "pickup": ("提货单", "pickup order"),
    "posted_goods_issues": ("已过账出库单", "posted goods issues"),
    "posted_on": ("过账日期", "posted on"),
    "prepared_by": ("编制人", "prepared by"),
    "price": ("价格", "price"),
    "price_class": ("价格类别", "price class"),
    "price_date": ("价格日期", "price date"),
    "problem": ("问题", "problem"),
    "product": ("产品", "product"),
    "production_order": ("生产通知单", "production order"),
    "proofs": ("凭据", "proofs"),
    "proposed_by": ("提出人", "proposed by"),
    "prospect": ("潜在客户", "prospect"),
    "quantity": ("数量", "quantity"),
    "quotation": ("报价单", "quotation"),
    "rate": ("比率", "rate"),
    "read_by": ("记录人", "read by"),
    "readings_out_of_range": ("超限读数", "readings out of range"),
    "reason": ("原因", "reason"),
    "receipt": ("收款单", "receipt"),
    "recognised_before": ("此前已确认收入", "recognised before"),
    "reconciled_by": ("核对人", "reconciled by"),
    "reconciled_on": ("核对日期", "reconciled on"),
    "records": ("记录", "records"),
    "records_amount": ("记录金额", "amount on record"),
    "release": ("一次性释放", "release"),
    "release_order": ("释放所属订单", "order of the release"),
    "required": ("要求", "required"),
    "required_offset": ("应冲抵额", "offset required"),
    "required_share": ("要求比例", "share required"),
    "result": ("结果", "result"),
    "revenue": ("收入", "revenue"),
    "roles": ("角色", "roles"),
    "sales_invoices": ("销售发票", "sales invoices"),
    "sales_minus_ledger": ("销售减总账", "sales minus ledger"),
    "sales_policy": ("销售政策", "sales policy"),
    "salespeople": ("销售人员", "salespeople"),
    "salesperson": ("销售人员", "salesperson"),
    "seal_use": ("用印登记", "seal use"),
    "segment": ("信用段", "credit segment"),
    "seller": ("销售经办人", "seller"),
    "seller_node": ("销售人员节点", "seller's node"),
    "seller_range": ("销售人员权限范围", "seller's range"),
    "seq": ("序号", "sequence"),
    "series": ("编号序列", "number series"),
    "settlement": ("结算单", "settlement"),
    "signatory": ("签约人", "signatory"),
    "signed": ("已签", "signed"),
    "skipped": ("跳过", "skipped"),
    "source": ("来源", "source"),
    "source_document": ("源单据", "source document"),
    "start": ("开始", "start"),
    "starts_on": ("开始日期", "starts on"),
    "status": ("状态", "status"),
    "step": ("步骤", "step"),
    "step_deadline": ("步骤期限", "step deadline"),
    "system_invoice": ("系统发票", "system invoice"),
    "system_invoices": ("系统发票", "system invoices"),
    "system_quantity": ("账面数量", "quantity on the books"),
    "taken_on": ("盘点日期", "taken on"),
    "target": ("目标", "target"),
    "temperature": ("温度", "temperature"),
    "template": ("范本", "template"),
    "term_days": ("信用天数", "credit days"),
    "this_invoice": ("本张发票", "this invoice"),
    "threshold": ("阈值", "threshold"),
    "to": ("至", "to"),
    "unit_price": ("单价", "unit price"),
    "used_by": ("使用单据", "used by"),
    "valid_from": ("生效日", "valid from"),
    "valid_to": ("失效日", "valid to"),
    "valid_until": ("有效期至", "valid until"),
    "voucher": ("记账凭证", "voucher"),
    "voucher_amount": ("凭证金额", "voucher amount"),
    "voucher_posted": ("凭证已过账", "voucher posted"),
    "work_order": ("服务工单", "work order"),
}


def fact_label(key: str, lang: str) -> str:
    """The label of a finding's fact key in ``"zh"`` or ``"en"``.

    >>> fact_label("signatory", "zh"), fact_label("seal_use", "en")
    ('签约人', 'seal use')
    """
    pair = FACT_LABELS.get(key)
    return _pick(pair, lang) if pair is not None else term(key, lang)


def amount_text(value: Money | Decimal, lang: str) -> str:
    """``50,000.00 元`` / ``CNY 50,000.00``: digit grouping and the currency."""
    if isinstance(value, Money):
        num = f"{value.amount:,}"
        if lang == "zh":
            return f"{num} 元" if value.currency == "CNY" else f"{num} {value.currency}"
        return f"{value.currency} {num}"
    return f"{value:,}"


def percent_text(value: Decimal) -> str:
    """``Decimal("0.15")`` -> ``"15%"`` (trailing zeros dropped)."""
    pct = (value * 100).normalize()
    text = f"{pct:f}"
    return f"{text}%"


def _is_ratio(key: str) -> bool:
    return any(n in key for n in _RATIO_NAMES)


def _role(role: str, level: Any, lang: str) -> str:
    name = term(role, lang)
    if level is None:
        return name
    return f"{name}（级别 ≥ {level}）" if lang == "zh" else f"{name} (level ≥ {level})"


def _steps(steps: Iterable[Any], lang: str) -> str:
    """Approval steps: those of one step number sign together, the numbers in order."""
    items = list(steps)
    if not items:
        return "无需审批" if lang == "zh" else "no approval"
    by: dict[int, list[str]] = {}
    for s in items:
        by.setdefault(int(getattr(s, "step", 0) or 0), []).append(
            _role(s.role, getattr(s, "level", None), lang)
        )
    if len(by) == 1:
        return join(next(iter(by.values())), lang)
    parts = [join(v, lang) for _k, v in sorted(by.items())]
    return " → ".join(parts)


def _node(n: Any, nodes: Mapping[str, Any], lang: str) -> str:
    zh = lang == "zh"
    title = bilingual(n.title, lang) if n.title else term(n.id, lang)
    cut = _bound(n.max_cut_pct, n.max_cut, lang)
    rise = _bound(n.max_rise_pct, n.max_rise, lang)
    role = term(n.role, lang)
    who = f"{role}，" if role != title else ""
    head = (
        f"{title}（{who}级别 {n.level}）"
        if zh
        else (f"{title} ({role + ', ' if role != title else ''}level {n.level})")
    )
    return f"{head}：降价 {cut}，提价 {rise}" if zh else f"{head}: cut {cut}, rise {rise}"


def _bound(pct: Decimal | None, amount: Money | None, lang: str) -> str:
    parts = []
    if pct is not None:
        parts.append(f"≤ {percent_text(pct)}")
    if amount is not None:
        parts.append(f"≤ {amount_text(amount, lang)}")
    if not parts:
        return _pick(_NO_LIMIT, lang)
    return ("且" if lang == "zh" else " and ").join(parts)


def _tree(nodes: tuple[Any, ...], lang: str) -> str:
    """The price-delegation tree, each node under its parent, top down."""
    by_id = {n.id: n for n in nodes}
    children: dict[Any, list[Any]] = {}
    for n in nodes:
        children.setdefault(n.parent if n.parent in by_id else None, []).append(n)
    out: list[str] = []

    def walk(parent: Any, depth: int) -> None:
        for n in children.get(parent, []):
            text = _node(n, by_id, lang)
            if depth:
                under = bilingual(by_id[n.parent].title, lang) or n.parent
                text += f"（隶属{under}）" if lang == "zh" else f" (under {under})"
            out.append(text)
            walk(n.id, depth + 1)

    walk(None, 0)
    return join(out, lang, "；" if lang == "zh" else "; ")


def _structure(v: Any, lang: str) -> str:
    """One attrs value (a tier, a step, a rule) as a phrase."""
    zh = lang == "zh"
    names = {a.name for a in attrs.fields(type(v))}
    if {"role", "level", "step"} <= names:
        return _role(v.role, v.level, lang)
    if {"role", "level", "max_amount"} <= names:
        cap = _upto(v.max_amount, lang)
        who = _role(v.role, v.level, lang)
        if getattr(v, "standing", False):  # O2C-SO-02's band approved by standing authority
            who += "（本人常设权限，下单即核准）" if zh else " (standing authority: placing it approves it)"
        return f"{cap}：{who}" if zh else f"{cap}: {who}"
    if {"min_amount", "approvals"} <= names:
        at = amount_text(v.min_amount, lang)
        return (
            f"≥ {at}：{_steps(v.approvals, lang)}" if zh else f"≥ {at}: {_steps(v.approvals, lang)}"
        )
    if {"max_pct", "max_amount", "approvals"} <= names:
        bound = _bound(v.max_pct, v.max_amount, lang)
        return (
            f"{bound}：{_steps(v.approvals, lang)}"
            if zh
            else f"{bound}: {_steps(v.approvals, lang)}"
        )
    if {"first", "second"} <= names:
        return f"{term(v.first, lang)} ≠ {term(v.second, lang)}"
    if {"role", "min_level", "max_amount"} <= names:
        who = term(v.person, lang) if getattr(v, "person", None) else term(v.role, lang)
        level = f"（级别 ≥ {v.min_level}）" if zh else f" (level ≥ {v.min_level})"
        return (
            f"{who}{level}：{_upto(v.max_amount, lang)}"
            if zh
            else f"{who}{level}: {_upto(v.max_amount, lang)}"
        )
    parts = []
    for a in attrs.fields(type(v)):
        val = getattr(v, a.name)
        if val is None or val == () or val == frozenset() or val == "":
            continue
        label = term(a.name, lang)
        parts.append(
            f"{label}：{value_text(val, lang, a.name)}"
            if zh
            else f"{label} {value_text(val, lang, a.name)}"
        )
    return join(parts, lang, "，" if zh else ", ")


def _upto(amount: Money | None, lang: str) -> str:
    if amount is None:
        return "金额不限" if lang == "zh" else "any amount"
    return f"≤ {amount_text(amount, lang)}"


def value_text(value: Any, lang: str, key: str = "") -> str:
    """A policy value as it reads in a ``"zh"`` or ``"en"`` sentence.

    Args:
        value: the value from the family policy (not unstructured).
        lang: ``"zh"`` or ``"en"``.
        key: the policy key it comes from (names ending in ``_pct``, ``ratio``, ``rate`` … read
            as percentages).
    """
    zh = lang == "zh"
    if value is None and key.endswith("_node"):  # no node named: the delegation tree's root
        return "根节点（价格领导小组）" if zh else "the root (the price group)"
    if value is None:
        return _pick(_NO_LIMIT, lang)
    if isinstance(value, bool):
        return ("是" if zh else "yes") if value else ("否" if zh else "no")
    if isinstance(value, enum.Enum):
        return term(str(value.value), lang)
    if isinstance(value, Money):
        return amount_text(value, lang)
    if isinstance(value, Decimal):
        return percent_text(value) if _is_ratio(key) else amount_text(value, lang)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return (
            term(value, lang) if (_SNAKE.match(value) or value in TERMS) else bilingual(value, lang)
        )
    if isinstance(value, Mapping):
        sep = "；" if zh else "; "
        colon = "：" if zh else ": "
        return join(
            (f"{value_text(k, lang)}{colon}{value_text(v, lang, key)}" for k, v in value.items()),
            lang,
            sep,
        )
    if isinstance(value, tuple | list | frozenset | set):
        items = list(value)
        if items and all(attrs.has(type(i)) for i in items):
            if all(hasattr(i, "parent") and hasattr(i, "max_cut_pct") for i in items):
                return _tree(tuple(items), lang)
            if all(
                {"role", "level", "step"} <= {a.name for a in attrs.fields(type(i))} for i in items
            ):
                return _steps(items, lang)
            return join((_structure(i, lang) for i in items), lang, "；" if zh else "; ")
        texts = [value_text(i, lang, key) for i in items]
        if isinstance(value, frozenset | set):
            texts.sort()
        return join(texts, lang)
    describe = getattr(value, "describe", None)
    if callable(describe):  # a value that words itself (payment terms…)
        return str(describe(lang))
    if attrs.has(type(value)):
        return _structure(value, lang)
    return str(value)


def fill(template: str, lang: str) -> str:
    """A finding's message template with its ``{placeholders}`` named in words (〔行号〕 / [line])."""

    def repl(m: re.Match[str]) -> str:
        name = m.group(1).split(".")[0].split("[")[0]
        pair = PLACEHOLDERS.get(name) or TERMS.get(name)
        text = _pick(pair, lang) if pair else name.replace("_", " ")
        return f"〔{text}〕" if lang == "zh" else f"[{text}]"

    return re.sub(r"\{([^{}]*)\}", repl, template)


_TOKEN = re.compile(r"\b[A-Za-z][A-Za-z0-9]*(?:_[A-Za-z0-9]+)+\b")
_LIST_SEPS = (" → ", " + ", ", ")
_CJK_GAP = re.compile(
    r"(?<=[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]) (?=[\u3400-\u9fff\uff00-\uffef])"
)


_LINE = re.compile(r"(?:^|[;,] )line \d+: ")
_ID = re.compile(r"^[^\s\[\](){}]+$")


def _per_line(value: str, lang: str) -> str | None:
    """``"a; line 1: b, c; line 2: d"`` (what is missing on the document, then per order line)
    in words; ``None`` when the parts are not all term ids."""
    bits = re.split(r"(?:^|[;,] )line (\d+): ", value)
    groups = [("", bits[0]), *zip(bits[1::2], bits[2::2], strict=True)]
    out = []
    for n, rest in groups:
        items = [x for x in re.split(r", |; ", rest.strip(" ;,")) if x]
        if not all(_is_term(x) for x in items):
            return None
        if not items:
            continue
        words = join((term(x, lang) for x in items), lang)
        if not n:
            out.append(words)
        else:
            out.append(f"第 {n} 行：{words}" if lang == "zh" else f"line {n}: {words}")
    return ("；" if lang == "zh" else "; ").join(out)


def _is_term(part: str) -> bool:
    return part in TERMS or bool(_SNAKE.match(part))


def param_text(value: str, lang: str) -> str:
    """A finding parameter (stored as text) as it reads in a ``"zh"`` or ``"en"`` message.

    The stored parameter is not changed; only the rendered sentence is. A role id or term id
    reads through :data:`TERMS` (``marketing_head`` -> 营销部门负责人 / head of marketing), also
    inside a list (``"a, b"``, ``"a → b"``, ``"a + b"``), an ``"中文 / english"`` title reads
    in its language, ``True``/``False`` read 是/否 / yes/no, and a snake_case term id inside a
    longer text reads through :data:`TERMS` too. Ids, amounts and dates stay as they are.

    >>> param_text("sales_manager → general_manager", "zh")
    '销售经理 → 总经理'
    >>> param_text("营销部门 / marketing department", "en")
    'marketing department'
    >>> param_text("C-0303", "zh")
    'C-0303'
    """
    if value in TERMS:
        return term(value, lang)
    if value in ("True", "False"):
        return value_text(value == "True", lang)
    if " / " in value and _HAN.search(value):
        picked = bilingual(value, lang)
        if picked != value:
            return param_text(picked, lang)
    per_line = _per_line(value, lang) if _LINE.search(value) else None
    if per_line is not None:
        return per_line
    for sep in _LIST_SEPS:
        if sep in value:
            parts = value.split(sep)
            if all(_is_term(p) for p in parts):
                joiner = "、" if (lang == "zh" and sep == ", ") else sep
                return joiner.join(term(p, lang) for p in parts)
            if lang == "zh" and sep == ", " and all(_ID.match(p) for p in parts):
                return "、".join(param_text(p, lang) for p in parts)
    return _TOKEN.sub(
        lambda m: term(m.group(0), lang) if m.group(0) in TERMS else m.group(0), value
    )


def tidy_zh(text: str) -> str:
    """Chinese text without the blank a template leaves between two Chinese words
    (``须经 销售经理 签批`` -> ``须经销售经理签批``); blanks next to ids and numbers stay."""
    return _CJK_GAP.sub("", text)
