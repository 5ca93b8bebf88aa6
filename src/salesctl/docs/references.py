"""The frameworks the documentation maps controls to, and which seed points the catalogue covers.

Guideline 9 articles, the COSO 2013 principles, the Basic Norm's control-activity articles and
the seed's control points, each with Chinese and English wording; :func:`seed_points_covered`
says which controls cite each seed point.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable

from salesctl.control import Control

__all__ = [
    "BASIC_NORM",
    "COSO_PRINCIPLES",
    "G9_ARTICLES",
    "G9_CLAUSES",
    "OTHER_GUIDELINES",
    "SEED_POINTS",
    "clauses_covered",
    "covers",
    "dangling_citations",
    "seed_points_covered",
]

#: Guideline 9 (企业内部控制应用指引第9号——销售业务), articles 3–12, paraphrased: ``n -> (zh, en)``.
#: Check the numbering against the published text before quoting it as fact.
G9_ARTICLES: dict[int, tuple[str, str]] = {
    3: (
        "销售业务应关注的主要风险：销售政策和策略不当、客户信用管理不到位、销售过程舞弊",
        "risks to address: unsuitable sales policy, weak customer-credit management, fraud in selling",
    ),
    4: (
        "梳理销售流程，明确销售、发货、收款各环节职责和审批权限，按权限和程序办理",
        "map the process; set duties and approval authority for selling, shipping and collecting; act within them",
    ),
    5: (
        "合理确定定价机制和信用方式，健全客户信用档案，对新客户和境外客户建立严格的信用保证制度",
        "pricing mechanism and credit terms; customer credit files; strict credit assurance for new and overseas customers",
    ),
    6: (
        "合同订立前洽谈磋商，重大销售谈判吸收财会、法律人员参加，审核合同草案",
        "negotiate before contracting; finance and legal staff in major negotiations; review of contract drafts",
    ),
    7: (
        "按经批准的销售合同开具销售通知，发货审核，加强销售退回管理；严格按照发票管理规定开具销售发票，严禁开具虚假发票",
        "sales notices only from approved contracts; shipping checks; management of sales returns; "
        "sales invoices issued under the invoice rules, never a false invoice",
    ),
    8: (
        "做好销售各环节记录，设置销售台账，实行全过程销售登记",
        "records and vouchers for every step; sales ledger; registration through the whole process",
    ),
    9: ("完善客户服务制度，加强客户服务和跟踪", "customer service and follow-up"),
    10: (
        "完善应收款项管理制度，销售部门负责催收，财会部门监督款项回收，严格考核奖惩",
        "receivables management: sales collects, finance settles and monitors, with assessment and incentives",
    ),
    11: (
        "加强商业票据管理，防止票据欺诈",
        "commercial bills: acceptance, authenticity, discounting and endorsement",
    ),
    12: (
        "加强销售、发货、收款的会计系统控制，会计记录与销售、仓储记录核对一致，定期函证，坏账审批",
        "accounting-system control: books agree with sales and stock records; balance confirmations; bad-debt approval",
    ),
}

#: COSO 2013 Internal Control — Integrated Framework, the 17 principles: ``"Pn" -> (zh, en)``.
COSO_PRINCIPLES: dict[str, tuple[str, str]] = {
    "P1": ("对诚信和道德价值观作出承诺", "demonstrates commitment to integrity and ethical values"),
    "P2": ("董事会履行监督职责", "board exercises oversight responsibility"),
    "P3": ("建立结构、权限和职责", "establishes structure, authority and responsibility"),
    "P4": ("对胜任能力作出承诺", "demonstrates commitment to competence"),
    "P5": ("推行问责制", "enforces accountability"),
    "P6": ("明确适当的目标", "specifies suitable objectives"),
    "P7": ("识别和分析风险", "identifies and analyzes risk"),
    "P8": ("评估舞弊风险", "assesses fraud risk"),
    "P9": ("识别和分析重大变化", "identifies and analyzes significant change"),
    "P10": ("选择和建立控制活动", "selects and develops control activities"),
    "P11": ("选择和建立信息技术一般控制", "selects and develops general controls over technology"),
    "P12": ("通过政策和程序部署控制活动", "deploys through policies and procedures"),
    "P13": ("使用相关信息", "uses relevant information"),
    "P14": ("内部沟通", "communicates internally"),
    "P15": ("外部沟通", "communicates externally"),
    "P16": ("开展持续和/或单独评价", "conducts ongoing and/or separate evaluations"),
    "P17": ("评价和沟通缺陷", "evaluates and communicates deficiencies"),
}

#: 企业内部控制基本规范 (Basic Norm), the control-activity articles: ``"BN n" -> (zh, en)``.
BASIC_NORM: dict[str, tuple[str, str]] = {
    "BN 29": ("不相容职务分离控制", "segregation of incompatible duties"),
    "BN 30": ("授权审批控制", "authorisation and approval"),
    "BN 31": ("会计系统控制", "accounting-system control"),
    "BN 32": ("财产保护控制", "safeguarding of assets"),
    "BN 33": ("预算控制", "budget control"),
    "BN 34": ("运营分析控制", "operating analysis"),
    "BN 35": ("绩效考评控制", "performance assessment"),
}

#: The seed's control points (``shared/seeds``): ``(tag, zh, en)``. A control covers a point
#: when one of its ``seeds`` cites it (or a section containing it, or the whole source).
SEED_POINTS: tuple[tuple[str, str, str], ...] = (
    ("S-IC 1.1", "订单须经相关责任人核准", "orders approved by the responsible person"),
    (
        "S-IC 1.2",
        "月度销售计划审核报批，年度计划经理审批",
        "monthly sales plan reviewed; annual plan approved by the manager",
    ),
    (
        "S-IC 2.1",
        "维护客户主数据，系统默认高风险或零信用",
        "customer master data; defaults to high risk or zero credit",
    ),
    (
        "S-IC 2.2",
        "客户信用档案每年更新，不相容岗位提出信用等级，审批后维护",
        "credit file updated yearly; grade proposed by an incompatible role and approved",
    ),
    (
        "S-IC 2.3",
        "信用限额内按权限赊销并签订《货款回笼责任书》",
        "credit sales within limit and authority, with a collection-responsibility letter",
    ),
    (
        "S-IC 3.1",
        "统配、内部配置产品按定价文件执行",
        "state-allocated and group-priced products at the document price",
    ),
    (
        "S-IC 3.2",
        "其他产品价格由价格领导小组制定，调整报批",
        "other prices set by the price group; changes approved",
    ),
    (
        "S-IC 3.3",
        "价格浮动权逐级递减，不得突破",
        "price-float authority delegated downward, never exceeded",
    ),
    ("S-IC 3.4", "财务部门维护价格主数据", "finance maintains the price master data"),
    (
        "S-IC 4.1",
        "按示范文本拟订合同，法律审核，修改分级审核",
        "contracts from the legal template; legal review; changes reviewed by level",
    ),
    (
        "S-IC 5.1",
        "发货通知注明有效期；超额重新审批或一次性释放；每月关闭订单",
        "delivery notice with validity; over-limit re-approval or one-time release; monthly order closing",
    ),
    ("S-IC 5.2", "依系统发货凭证生成发票", "invoices generated from the system delivery"),
    (
        "S-IC 5.3",
        "按合同、发票等凭据结算收款",
        "settlement and collection against contract and invoice",
    ),
    (
        "S-IC 6.1",
        "装货数量与有效发货通知一致，开具出门证，发货过账",
        "loaded quantity matches a valid delivery notice; gate pass; goods issue posted",
    ),
    (
        "S-IC 7.1",
        "每日核对发票量与发货量，月末核对系统与实际发货量",
        "daily invoiced vs delivered quantity; month-end system vs actual shipments",
    ),
    (
        "S-IC 8.1",
        "每日复核发票与凭证，月末核对发票、系统发票与总账收入",
        "daily review of invoices; month-end invoices agree with system invoices and GL revenue",
    ),
    ("S-IC 9.1", "应收账款核对、分析、催收", "receivables reconciled, analysed and collected"),
    ("S-IC 10.1", "月末盘点核对", "month-end stock count"),
    (
        "S-IC 11.1",
        "每月经营活动分析，至少每季考核",
        "monthly analysis; assessment at least quarterly",
    ),
    ("S-CP 3.1.1", "订单连续编号", "orders consecutively numbered"),
    ("S-CP 3.1.2", "所有订单由被授权人员核准 ★", "every order approved by an authorised person ★"),
    ("S-CP 3.1.3", "销售计划经部门领导审核", "sales plan reviewed by the department head"),
    (
        "S-CP 3.1.4",
        "销售计划分管领导审定，特别重大的报办公会 ★",
        "sales plan approved by the business VP; major ones by the office meeting ★",
    ),
    (
        "S-CP 3.2.1",
        "销售实施方案经部门领导审核",
        "sales implementation plan reviewed by the department head",
    ),
    ("S-CP 3.2.2", "赊销须审核客户信用", "credit sales need a credit review"),
    ("S-CP 3.2.3", "信用管理部门评定信用等级 ★", "credit management grades the customer ★"),
    (
        "S-CP 3.2.4",
        "赊销经分管领导和总会计师审批，特别重大的报办公会 ★",
        "credit sales approved by the business VP and chief accountant; major ones by the office meeting ★",
    ),
    (
        "S-K1 1",
        "销售政策由经营联席会确定，总经理签发",
        "sales policy set by the management meeting, signed by the GM",
    ),
    (
        "S-K1 2",
        "合同申报单销售经理审签、总经理签批",
        "contract application signed by the sales manager, approved by the GM",
    ),
    ("S-K1 3", "签订文本合同，财务会签", "written contract, co-signed by finance"),
    ("S-K1 4", "建立合同台帐，分析履约和信用", "contract ledger; performance and credit analysis"),
    (
        "S-K1 5",
        "每月货款回收分析，逾期计息、抵扣提成直至诉讼",
        "monthly collection analysis; overdue interest, commission offset, litigation",
    ),
    (
        "S-K1 6",
        "生产通知单依合同编制，副总经理签发",
        "production notice from the contract, signed by the sales VP",
    ),
    ("S-K1 7", "入库单和产品合格证", "stock entry with a QC certificate"),
    (
        "S-K1 8",
        "发货单审批，出门证登记，客户签收后入帐",
        "delivery note approved; gate pass; booked after the customer signs",
    ),
    ("S-K1 9", "回款后提成，无合同不提成", "commission after collection; none without a contract"),
    ("S-K1 10", "首期款未到不安排接续", "no follow-up work before the first payment"),
    (
        "S-K1 11",
        "回款60%以上方可开票，财务副总签批",
        "invoice only at ≥ 60 % collected, approved by the finance VP",
    ),
    ("S-K1 12", "每月合同台帐对账", "monthly contract-ledger reconciliation"),
    (
        "S-PM A",
        "开票依据：销售合同或要货计划",
        "billing from a contract or a registered requirement",
    ),
    (
        "S-PM B",
        "开票时检查信誉额度和信誉天数；出库记账后不得作废销售单",
        "credit limit and credit days checked at billing; no void after goods issue",
    ),
    ("S-PM C", "先作废结算单再作废发票", "void the settlement before the invoice"),
    ("S-YF 9", "客户清点签收", "customer counts and signs for the goods"),
    (
        "S-YF 10",
        "回执联或物流回单交财务",
        "signed receipt or logistics receipt returned to finance",
    ),
    (
        "S-YF 11",
        "确认收入冲销预收；铺货月底盘点结算",
        "revenue offsets advance receipts; consignment settled monthly",
    ),
    ("S-FT 报价", "报价要素齐全", "quotation carries every required element"),
    ("S-FT 业务审批", "业务审核表", "business approval form"),
    ("S-FT 下生产订单", "订单确认后下生产订单", "production order only after order confirmation"),
    (
        "S-FT 付款方式",
        "落实付款方式（汇付、托收、信用证）",
        "payment method settled (T/T, collection, L/C)",
    ),
    ("S-FD 二", "按种类和保质期存放，关注保质期", "stored by category and shelf life"),
    (
        "S-MK 5",
        "销售促进：折扣、赠品、会员优惠",
        "sales promotion: discounts, gifts, member offers",
    ),
    (
        "S-PS 产品销售标准流程 1",
        "潜在客户须同时具备购买意愿和支付能力",
        "a prospect must be both willing and able to pay",
    ),
)


def _expand(item: str) -> list[str]:
    item = item.strip().rstrip("★").strip()
    m = re.match(r"^([\d.]+)\s*[–\-~]\s*([\d.]+)$", item)
    if m:
        a, b = m.group(1).split("."), m.group(2).split(".")
        if len(a) == len(b) and a[:-1] == b[:-1] and a[-1].isdigit() and b[-1].isdigit():
            head = ".".join(a[:-1])
            return [f"{head}.{n}" if head else str(n) for n in range(int(a[-1]), int(b[-1]) + 1)]
    return [item] if item else []


@functools.cache
def _citations(seed: str) -> tuple[str, tuple[str, ...]]:
    """``"S-CP 3.1.3–3.1.4★"`` -> ``("S-CP", ("3.1.3", "3.1.4"))``; ``()`` cites all of it."""
    m = re.match(r"^(S-[A-Z0-9]+)\s*(.*)$", seed.strip())
    if not m:
        return seed, ()
    items: list[str] = []
    for part in re.split(r"[,,、;;/]", m.group(2)):
        items.extend(_expand(part))
    return m.group(1), tuple(items)


def covers(seed: str, point: str) -> bool:
    """Whether the seed citation ``seed`` (``"S-CP 3.1.3–3.1.4★"``) covers the point ``point``."""
    return _covers(seed, point)


def _covers(seed: str, point: str) -> bool:
    tag, items = _citations(seed)
    ptag, pitems = _citations(point)
    if tag != ptag:
        return False
    if not items:
        return True
    p = pitems[0] if pitems else ""
    return any(p == i or p.startswith(i + ".") for i in items)


def seed_points_covered(controls: Iterable[Control]) -> dict[str, tuple[str, ...]]:
    """Each of :data:`SEED_POINTS` with the ids of the controls citing it."""
    cs = list(controls)
    return {
        tag: tuple(c.id for c in cs if any(_covers(s, tag) for s in c.seeds))
        for tag, _zh, _en in SEED_POINTS
    }


#: Guidelines other than Guideline 9 a control may implement instead (``refs`` entry -> text).
OTHER_GUIDELINES: dict[str, tuple[str, str]] = {
    "G8": (
        "企业内部控制应用指引第8号——资产管理（存货）",
        "Guideline 8, asset management (inventory)",
    ),
}

#: The requirements of each Guideline 9 article, one per clause: ``(clause, zh, en, seed points)``.
#: A clause is covered when a control cites one of its seed points (:data:`SEED_POINTS` tags),
#: or names the clause in ``refs`` (``"G9 7.2"``); a clause the seed does not address lists no
#: seed point and stays a gap until a control names it.
G9_CLAUSES: tuple[tuple[str, str, str, tuple[str, ...]], ...] = (
    (
        "3.1",
        "销售政策和策略不当的风险",
        "risk of unsuitable sales policy and strategy",
        ("S-IC 1.2", "S-CP 3.1.3", "S-CP 3.1.4", "S-K1 1"),
    ),
    (
        "3.2",
        "客户信用管理不到位的风险",
        "risk of weak customer-credit management",
        ("S-IC 2.2", "S-IC 2.3"),
    ),
    ("3.3", "销售过程舞弊的风险", "risk of fraud in selling", ("S-IC 3.3", "S-IC 8.1")),
    (
        "4.1",
        "明确各环节职责和审批权限，按权限和程序办理",
        "duties and approval authority for each step",
        ("S-IC 1.1", "S-CP 3.1.2", "S-IC 3.3", "S-CP 3.2.4"),
    ),
    (
        "4.2",
        "销售计划按规定审批",
        "sales plans approved as required",
        ("S-IC 1.2", "S-CP 3.1.3", "S-CP 3.1.4"),
    ),
    (
        "5.1",
        "合理确定定价机制",
        "a sound pricing mechanism",
        ("S-IC 3.1", "S-IC 3.2", "S-IC 3.4", "S-MK 5"),
    ),
    (
        "5.2",
        "确定信用方式，健全客户信用档案",
        "credit terms and customer credit files",
        ("S-IC 2.1", "S-IC 2.2", "S-CP 3.2.3", "S-FT 付款方式"),
    ),
    (
        "5.3",
        "对新客户和境外客户建立严格的信用保证制度",
        "strict credit assurance for new and overseas customers",
        ("S-IC 2.1", "S-CP 3.2.2", "S-PS 产品销售标准流程 1"),
    ),
    (
        "6.1",
        "合同订立前充分洽谈磋商",
        "negotiation before contracting",
        ("S-K1 1", "S-K1 2", "S-FT 报价"),
    ),
    (
        "6.2",
        "重大销售谈判吸收财会、法律等专业人员参加",
        "finance and legal staff in major negotiations",
        (),
    ),
    (
        "6.3",
        "审核合同草案，按权限签订合同",
        "review of contract drafts; signing within authority",
        ("S-IC 4.1", "S-K1 3"),
    ),
    (
        "7.1",
        "按经批准的销售合同开具销售通知，发货审核",
        "sales notices from approved contracts; shipping checks",
        ("S-IC 5.1", "S-IC 6.1", "S-K1 6", "S-K1 8", "S-FT 下生产订单"),
    ),
    ("7.2", "加强销售退回管理，分析退回原因", "management of sales returns and their causes", ()),
    (
        "7.3",
        "按发票管理规定开具销售发票，严禁开具虚假发票",
        "invoices under the invoice rules; no false invoice",
        ("S-IC 5.2", "S-K1 11", "S-PM C"),
    ),
    (
        "8.1",
        "做好销售各环节记录，设置销售台账",
        "records of every step; sales ledger",
        ("S-CP 3.1.1", "S-K1 4", "S-K1 12", "S-PM B"),
    ),
    ("9.1", "完善客户服务制度，加强客户服务和跟踪", "customer service and follow-up", ()),
    (
        "10.1",
        "销售部门负责应收款项催收，财会部门监督款项回收",
        "sales collects, finance monitors collection",
        ("S-IC 9.1", "S-K1 5", "S-K1 10", "S-IC 2.3"),
    ),
    (
        "10.2",
        "应收款项回收纳入考核奖惩",
        "collection in assessment and incentives",
        ("S-K1 9", "S-IC 11.1"),
    ),
    (
        "11.1",
        "加强商业票据管理，防止票据欺诈",
        "commercial bills: acceptance, authenticity, discounting",
        (),
    ),
    (
        "12.1",
        "会计记录与销售、仓储记录核对一致",
        "books agree with sales and stock records",
        ("S-IC 5.3", "S-IC 7.1", "S-IC 8.1", "S-IC 10.1", "S-YF 9", "S-YF 10", "S-YF 11"),
    ),
    (
        "12.2",
        "定期与客户核对应收账款余额（函证）",
        "periodic balance confirmations with customers",
        (),
    ),
    ("12.3", "坏账核销按规定审批", "bad-debt write-offs approved as required", ()),
)


def clauses_covered(controls: Iterable[Control]) -> dict[str, tuple[str, ...]]:
    """Each of :data:`G9_CLAUSES` with the ids of the controls that cover it (through a seed
    point of the clause, or a ``"G9 n.k"`` entry of ``refs``)."""
    cs = list(controls)
    out = {}
    for clause, _zh, _en, points in G9_CLAUSES:
        out[clause] = tuple(
            c.id
            for c in cs
            if f"G9 {clause}" in c.refs or any(_covers(s, p) for s in c.seeds for p in points)
        )
    return out


def dangling_citations(controls: Iterable[Control]) -> dict[str, tuple[str, ...]]:
    """The other direction: each control's seed citations that name no point of
    :data:`SEED_POINTS`, and Guideline 9 articles outside 3–12 (``id -> citations``)."""
    out = {}
    for c in controls:
        bad = [s for s in c.seeds if not any(_covers(s, tag) for tag, _z, _e in SEED_POINTS)]
        bad += [f"G9 {n}" for n in c.g9 if n not in G9_ARTICLES]
        if bad:
            out[c.id] = tuple(bad)
    return out
