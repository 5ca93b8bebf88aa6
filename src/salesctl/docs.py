"""Control documentation for auditors, generated from the catalogue and the policy in force.

Every controls system we compared leaves the risk-and-control matrix (RCM) to a hand-kept
spreadsheet that drifts from what the system does. salesctl generates it from the code: the
control registry (:data:`salesctl.controls.CONTROLS`, :data:`salesctl.controls.FAMILIES`),
the :class:`~salesctl.control.Control` metadata, and a :class:`~salesctl.policy.Policy` whose
parameters appear *as configured*. A control added to any family shows up here with no change
to this module.

:func:`render` returns every output as ``relative path -> text``; :func:`write` writes them
under a folder (``salesctl docs --policy FILE --out DIR``); the mkdocs hook
``docs/hooks/controls.py`` adds them to the site at build time. The outputs:

* ``controls/<ID>.md`` (English) and ``zh/controls/<ID>.md`` (Chinese): one page per control
  with every RCM column, the activity with the parameters as configured, a test of design, a
  test of operating effectiveness and a suggested sample size;
* ``controls/rcm.md`` and ``controls/rcm.csv``: the RCM as one table;
* ``controls/by-stage.md``, ``by-g9.md``, ``by-assertion.md``, ``by-coso.md``: index pages;
* ``controls/gaps.md``: Guideline 9 articles and seed control points with no control, and
  every control switched off or re-parameterised by the policy;
* ``controls/controls.json`` (machine-readable), ``controls/oscal-catalog.json`` and
  ``controls/oscal-component-definition.json`` (NIST OSCAL; UUIDs derived from control ids).

Where the RCM needs something a control does not state, it is derived from the metadata:
COSO principles (P10 for every control activity, P11 for automated and IT-dependent ones, P12
for policy-deployed ones, P8 for fraud-prone revenue risk R2.1, plus any ``COSO Pn`` in
``refs``), the tests of design and operating effectiveness (from kind, automation, frequency,
the transactions it runs on and its findings), and the sample size (PCAOB-style by frequency;
automated controls one per configured variant).

>>> from salesctl.docs import render
>>> pages = render()
>>> "controls/rcm.md" in pages and "zh/controls/O2C-CR-04.md" in pages
True
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import enum
import functools
import io
import json
import os
import re
import string
import typing
import uuid
from collections.abc import Iterable, Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs

from salesctl.control import RISKS, Assertion, Automation, Control, Family, Frequency, Kind
from salesctl.errors import InvalidInput, SalesctlError
from salesctl.money import Money
from salesctl.policy import Policy

__all__ = [
    "BASIC_NORM",
    "COSO_PRINCIPLES",
    "G9_ARTICLES",
    "OSCAL_VERSION",
    "REQUIRED_METADATA",
    "SEED_POINTS",
    "check_catalogue",
    "controls_json",
    "coso_principles",
    "design_test",
    "missing_metadata",
    "operating_effectiveness_test",
    "oscal_catalog",
    "oscal_component_definition",
    "parameters",
    "policy_reference",
    "rcm_rows",
    "register",
    "render",
    "sample_size",
    "seed_points_covered",
    "undocumented_policy_keys",
    "write",
]

#: The OSCAL version the generated JSON is written against (validated in the tests).
OSCAL_VERSION = "1.2.1"

#: Guideline 9 (企业内部控制应用指引第9号——销售业务), articles 3–12, paraphrased: ``n -> (zh, en)``.
#: Check the numbering against the published text before quoting it as fact.
G9_ARTICLES: dict[int, tuple[str, str]] = {
    3: (
        "销售业务应关注的主要风险:销售政策和策略不当、客户信用管理不到位、销售过程舞弊",
        "risks to address: unsuitable sales policy, weak customer-credit management, fraud in selling",
    ),
    4: (
        "梳理销售流程,明确销售、发货、收款各环节职责和审批权限,按权限和程序办理",
        "map the process; set duties and approval authority for selling, shipping and collecting; act within them",
    ),
    5: (
        "合理确定定价机制和信用方式,健全客户信用档案,对新客户和境外客户建立严格的信用保证制度",
        "pricing mechanism and credit terms; customer credit files; strict credit assurance for new and overseas customers",
    ),
    6: (
        "合同订立前洽谈磋商,重大销售谈判吸收财会、法律人员参加,审核合同草案",
        "negotiate before contracting; finance and legal staff in major negotiations; review of contract drafts",
    ),
    7: (
        "按经批准的销售合同开具销售通知,发货审核,加强销售退回管理",
        "sales notices only from approved contracts; shipping checks; management of sales returns",
    ),
    8: (
        "做好销售各环节记录,设置销售台账,实行全过程销售登记",
        "records and vouchers for every step; sales ledger; registration through the whole process",
    ),
    9: ("完善客户服务制度,加强客户服务和跟踪", "customer service and follow-up"),
    10: (
        "完善应收款项管理制度,销售部门负责催收,财会部门监督款项回收,严格考核奖惩",
        "receivables management: sales collects, finance settles and monitors, with assessment and incentives",
    ),
    11: (
        "加强商业票据管理,防止票据欺诈",
        "commercial bills: acceptance, authenticity, discounting and endorsement",
    ),
    12: (
        "加强销售、发货、收款的会计系统控制,会计记录与销售、仓储记录核对一致,定期函证,坏账审批",
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
        "月度销售计划审核报批,年度计划经理审批",
        "monthly sales plan reviewed; annual plan approved by the manager",
    ),
    (
        "S-IC 2.1",
        "维护客户主数据,系统默认高风险或零信用",
        "customer master data; defaults to high risk or zero credit",
    ),
    (
        "S-IC 2.2",
        "客户信用档案每年更新,不相容岗位提出信用等级,审批后维护",
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
        "其他产品价格由价格领导小组制定,调整报批",
        "other prices set by the price group; changes approved",
    ),
    (
        "S-IC 3.3",
        "价格浮动权逐级递减,不得突破",
        "price-float authority delegated downward, never exceeded",
    ),
    ("S-IC 3.4", "财务部门维护价格主数据", "finance maintains the price master data"),
    (
        "S-IC 4.1",
        "按示范文本拟订合同,法律审核,修改分级审核",
        "contracts from the legal template; legal review; changes reviewed by level",
    ),
    (
        "S-IC 5.1",
        "发货通知注明有效期;超额重新审批或一次性释放;每月关闭订单",
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
        "装货数量与有效发货通知一致,开具出门证,发货过账",
        "loaded quantity matches a valid delivery notice; gate pass; goods issue posted",
    ),
    (
        "S-IC 7.1",
        "每日核对发票量与发货量,月末核对系统与实际发货量",
        "daily invoiced vs delivered quantity; month-end system vs actual shipments",
    ),
    (
        "S-IC 8.1",
        "每日复核发票与凭证,月末核对发票、系统发票与总账收入",
        "daily review of invoices; month-end invoices = system invoices = GL revenue",
    ),
    ("S-IC 9.1", "应收账款核对、分析、催收", "receivables reconciled, analysed and collected"),
    ("S-IC 10.1", "月末盘点核对", "month-end stock count"),
    (
        "S-IC 11.1",
        "每月经营活动分析,至少每季考核",
        "monthly analysis; assessment at least quarterly",
    ),
    ("S-CP 3.1.1", "订单连续编号", "orders consecutively numbered"),
    ("S-CP 3.1.2", "所有订单由被授权人员核准 ★", "every order approved by an authorised person ★"),
    ("S-CP 3.1.3", "销售计划经部门领导审核", "sales plan reviewed by the department head"),
    (
        "S-CP 3.1.4",
        "销售计划分管领导审定,特别重大的报办公会 ★",
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
        "赊销经分管领导和总会计师审批,特别重大的报办公会 ★",
        "credit sales approved by the business VP and chief accountant; major ones by the office meeting ★",
    ),
    (
        "S-K1 1",
        "销售政策由经营联席会确定,总经理签发",
        "sales policy set by the management meeting, signed by the GM",
    ),
    (
        "S-K1 2",
        "合同申报单销售经理审签、总经理签批",
        "contract application signed by the sales manager, approved by the GM",
    ),
    ("S-K1 3", "签订文本合同,财务会签", "written contract, co-signed by finance"),
    ("S-K1 4", "建立合同台帐,分析履约和信用", "contract ledger; performance and credit analysis"),
    (
        "S-K1 5",
        "每月货款回收分析,逾期计息、抵扣提成直至诉讼",
        "monthly collection analysis; overdue interest, commission offset, litigation",
    ),
    (
        "S-K1 6",
        "生产通知单依合同编制,副总经理签发",
        "production notice from the contract, signed by the sales VP",
    ),
    ("S-K1 7", "入库单和产品合格证", "stock entry with a QC certificate"),
    (
        "S-K1 8",
        "发货单审批,出门证登记,客户签收后入帐",
        "delivery note approved; gate pass; booked after the customer signs",
    ),
    ("S-K1 9", "回款后提成,无合同不提成", "commission after collection; none without a contract"),
    ("S-K1 10", "首期款未到不安排接续", "no follow-up work before the first payment"),
    (
        "S-K1 11",
        "回款60%以上方可开票,财务副总签批",
        "invoice only at ≥ 60 % collected, approved by the finance VP",
    ),
    ("S-K1 12", "每月合同台帐对账", "monthly contract-ledger reconciliation"),
    (
        "S-PM A",
        "开票依据:销售合同或要货计划",
        "billing from a contract or a registered requirement",
    ),
    (
        "S-PM B",
        "开票时检查信誉额度和信誉天数;出库记账后不得作废销售单",
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
        "确认收入冲销预收;铺货月底盘点结算",
        "revenue offsets advance receipts; consignment settled monthly",
    ),
    ("S-FT 报价", "报价要素齐全", "quotation carries every required element"),
    ("S-FT 业务审批", "业务审核表", "business approval form"),
    ("S-FT 下生产订单", "订单确认后下生产订单", "production order only after order confirmation"),
    (
        "S-FT 付款方式",
        "落实付款方式(汇付、托收、信用证)",
        "payment method settled (T/T, collection, L/C)",
    ),
    ("S-FD 二", "按种类和保质期存放,关注保质期", "stored by category and shelf life"),
    ("S-MK 5", "销售促进:折扣、赠品、会员优惠", "sales promotion: discounts, gifts, member offers"),
    (
        "S-PS 1",
        "潜在客户须同时具备购买意愿和支付能力",
        "a prospect must be both willing and able to pay",
    ),
)

#: The metadata every control must carry for the RCM (a missing one fails generation).
REQUIRED_METADATA: tuple[str, ...] = (
    "id",
    "title_zh",
    "title_en",
    "objective_zh",
    "objective_en",
    "activity_zh",
    "activity_en",
    "risks",
    "kind",
    "frequency",
    "automation",
    "assertions",
    "seeds",
    "g9",
    "stage",
    "owner",
    "evidence",
)

_ID = re.compile(r"^O2C-[A-Z]{2}-\d{2}$")
_SEED = re.compile(r"^S-(IC|CP|K1|PM|YF|FT|PS|MK|FD)\b")
_NS = uuid.uuid5(uuid.NAMESPACE_URL, "urn:salesctl")
_PROP_NS = "https://salesctl.invalid/ns/oscal"

# -- labels -------------------------------------------------------------------------------

_L: dict[str, tuple[str, str]] = {
    "id": ("编号", "Id"),
    "version": ("版本", "Version"),
    "family": ("控制族", "Family"),
    "stage": ("流程环节", "Process stage"),
    "key": ("关键控制", "Key control"),
    "kind": ("控制类型", "Preventive / detective"),
    "automation": ("控制方式", "Automation"),
    "frequency": ("频率", "Frequency"),
    "owner": ("责任人", "Owner"),
    "applies": ("适用交易", "Runs on"),
    "check": ("检查函数", "Check"),
    "status": ("本策略下状态", "Status in this policy"),
    "assertions": ("认定", "Assertions"),
    "g9": ("应用指引第9号", "Guideline 9"),
    "bn": ("基本规范", "Basic Norm"),
    "coso": ("COSO 2013", "COSO 2013"),
    "other_refs": ("其他依据", "Other references"),
    "seeds": ("来源段落", "Seed passage"),
    "risks": ("风险", "Risks"),
    "objective": ("控制目标", "Objective"),
    "activity": ("控制活动(按当前策略参数)", "Control activity (parameters as configured)"),
    "parameters": ("参数(当前配置)", "Parameters as configured"),
    "conflicts": ("不相容职务", "Segregation conflicts"),
    "evidence": ("控制证据", "Evidence produced"),
    "messages": ("可能产生的结论", "Findings it can raise"),
    "tod": ("设计有效性测试", "Test of design"),
    "toe": ("运行有效性测试", "Test of operating effectiveness"),
    "sample": ("建议样本量", "Suggested sample size"),
    "yes": ("是 ★", "yes ★"),
    "no": ("否", "no"),
    "enabled": ("启用", "enabled"),
    "disabled": ("已在策略中关闭", "switched off by the policy"),
    "none": ("无", "none"),
    "key_col": ("参数", "key"),
    "configured": ("当前值", "configured"),
    "default": ("默认值", "default"),
    "deviation": ("偏离默认", "differs from default"),
    "title": ("控制", "Control"),
    "rcm": ("风险控制矩阵(RCM)", "Risk and control matrix (RCM)"),
    "by_stage": ("按流程环节", "By process stage"),
    "by_g9": ("按应用指引第9号条款", "By Guideline 9 article"),
    "by_assertion": ("按认定", "By assertion"),
    "by_coso": ("按 COSO 原则", "By COSO principle"),
    "gaps": ("覆盖缺口与策略偏离", "Coverage gaps and policy deviations"),
    "catalogue": ("控制目录", "Control catalogue"),
    "no_control": ("(无控制)", "(no control)"),
    "other_lang": ("English", "中文"),
}

_KIND: dict[Kind, tuple[str, str]] = {
    Kind.PREVENTIVE: ("预防性", "preventive"),
    Kind.DETECTIVE: ("检查性", "detective"),
}


def _kind_text(c: Control, lang: str) -> str:
    """Preventive, detective, or both (a control with a preventive check and a detective side,
    such as O2C-SO-01), with the periods the detective side runs at."""
    kind = _pick(_KIND[c.kind], lang)
    if c.detect is None:
        return kind
    periods = ", ".join(
        _pick(_FREQUENCY[f], lang) for f in sorted(c.detect_at, key=lambda f: list(Frequency).index(f))
    )
    if c.kind is Kind.PREVENTIVE and c.check is not None:
        both = _pick(("预防性 + 检查性", "preventive + detective"), lang)
        return f"{both} ({periods})"
    return f"{kind} ({periods})"


_AUTOMATION: dict[Automation, tuple[str, str]] = {
    Automation.AUTOMATED: ("自动控制", "automated"),
    Automation.IT_DEPENDENT: ("依赖信息系统的人工控制", "IT-dependent manual"),
    Automation.MANUAL: ("人工控制", "manual"),
}
_FREQUENCY: dict[Frequency, tuple[str, str]] = {
    Frequency.PER_TRANSACTION: ("每笔交易", "per transaction"),
    Frequency.DAILY: ("每日", "daily"),
    Frequency.WEEKLY: ("每周", "weekly"),
    Frequency.MONTHLY: ("每月", "monthly"),
    Frequency.QUARTERLY: ("每季", "quarterly"),
    Frequency.YEARLY: ("每年", "yearly"),
    Frequency.ON_POLICY_LOAD: ("策略加载时", "when the policy loads"),
}
_INSTANCES: dict[Frequency, tuple[str, str]] = {
    Frequency.PER_TRANSACTION: ("笔交易", "transactions"),
    Frequency.DAILY: ("天", "days"),
    Frequency.WEEKLY: ("周", "weeks"),
    Frequency.MONTHLY: ("个月", "months"),
    Frequency.QUARTERLY: ("个季度", "quarters"),
    Frequency.YEARLY: ("年", "years"),
    Frequency.ON_POLICY_LOAD: ("次策略变更", "policy changes"),
}
#: Suggested sample sizes for manual and IT-dependent controls, by frequency.
_SAMPLE: dict[Frequency, str] = {
    Frequency.YEARLY: "1",
    Frequency.QUARTERLY: "2",
    Frequency.MONTHLY: "2–4",
    Frequency.WEEKLY: "5–15",
    Frequency.DAILY: "20–40",
    Frequency.PER_TRANSACTION: "25–60",
    Frequency.ON_POLICY_LOAD: "1",
}
_ASSERTION: dict[Assertion, tuple[str, str]] = {
    Assertion.OCCURRENCE: ("发生", "occurrence"),
    Assertion.COMPLETENESS: ("完整性", "completeness"),
    Assertion.ACCURACY: ("准确性", "accuracy"),
    Assertion.CUTOFF: ("截止", "cut-off"),
    Assertion.VALUATION: ("计价和分摊", "valuation"),
    Assertion.RIGHTS_AND_OBLIGATIONS: ("权利和义务", "rights and obligations"),
    Assertion.PRESENTATION: ("列报", "presentation"),
}
#: Known process stages in order-to-cash order; unknown stages follow, alphabetically.
_STAGES: dict[str, tuple[str, str]] = {
    "plan": ("销售计划", "sales plan"),
    "pipeline": ("销售机会", "pipeline"),
    "quotation": ("报价", "quotation"),
    "pricing": ("定价", "pricing"),
    "order": ("订单", "order"),
    "credit": ("信用", "credit"),
    "duties": ("职责分离", "segregation of duties"),
    "contract": ("合同", "contract"),
    "production": ("生产", "production"),
    "delivery": ("发货", "delivery"),
    "billing": ("开票", "billing"),
    "revenue": ("收入确认", "revenue"),
    "receivables": ("应收账款", "receivables"),
    "collection": ("收款", "collection"),
    "commission": ("提成", "commission"),
    "service": ("售后服务", "service"),
    "inventory": ("存货盘点", "inventory"),
    "management": ("分析与考核", "analysis and assessment"),
}


@functools.cache
def _default() -> Policy:
    """The default policy (immutable, so built once)."""
    return Policy.default()


def _t(key: str, lang: str) -> str:
    pair = _L[key]
    return pair[0] if lang == "zh" else pair[1]


def _pick(pair: tuple[str, str], lang: str) -> str:
    return pair[0] if lang == "zh" else pair[1]


def _stage(stage: str, lang: str) -> str:
    pair = _STAGES.get(stage)
    return _pick(pair, lang) if pair else stage


def _stage_order(stage: str) -> tuple[int, str]:
    known = list(_STAGES)
    return (known.index(stage), "") if stage in known else (len(known), stage)


def _md(text: str) -> str:
    """Escape free text (titles, activities, parameter values) for Markdown."""
    for a, b in (
        ("\\", "\\\\"),
        ("`", "\\`"),
        ("*", "\\*"),
        ("[", "\\["),
        ("]", "\\]"),
        ("<", "&lt;"),
    ):
        text = text.replace(a, b)
    return text


def _cell(text: str) -> str:
    """Make text safe inside a Markdown table cell (Markdown in it is kept)."""
    return " ".join(text.replace("|", "\\|").split())


# -- metadata checks ------------------------------------------------------------------------


def missing_metadata(control: Any) -> tuple[str, ...]:
    """The required RCM metadata that ``control`` lacks or has malformed.

    Checks every name in :data:`REQUIRED_METADATA` (non-empty, of the right kind: a known risk,
    a ``Kind``/``Frequency``/``Automation``, assertions, seed tags such as ``"S-IC 2.3"``), and
    that the activity placeholders name fields of the family policy.

    Args:
        control: a :class:`~salesctl.control.Control` (or anything shaped like one).

    Returns:
        The names of the missing or malformed fields, empty when complete.
    """
    out: list[str] = []
    for name in REQUIRED_METADATA:
        value = getattr(control, name, None)
        if value is None or (isinstance(value, str | tuple | frozenset) and not value):
            out.append(name)
    cid = getattr(control, "id", None)
    if "id" not in out and not (isinstance(cid, str) and _ID.match(cid)):
        out.append("id")
    risks = getattr(control, "risks", None) or ()
    if "risks" not in out and any(r not in RISKS for r in risks):
        out.append("risks")
    for name, tp in (("kind", Kind), ("frequency", Frequency), ("automation", Automation)):
        if name not in out and not isinstance(getattr(control, name, None), tp):
            out.append(name)
    assertions = getattr(control, "assertions", None) or ()
    if "assertions" not in out and not all(isinstance(a, Assertion) for a in assertions):
        out.append("assertions")
    seeds = getattr(control, "seeds", None) or ()
    if "seeds" not in out and not all(isinstance(s, str) and _SEED.match(s) for s in seeds):
        out.append("seeds")
    family = _family_of(control)
    if family is not None:
        known = {a.name for a in attrs.fields(family.policy_type) if a.init}
        for lang in ("zh", "en"):
            template = getattr(control, f"activity_{lang}", "") or ""
            if any(p not in known for p in _placeholders(template)):
                out.append(f"activity_{lang}")
    return tuple(dict.fromkeys(out))


def check_catalogue(controls: Iterable[Any]) -> None:
    """Refuse to document a catalogue in which any control lacks required metadata.

    Raises:
        InvalidInput: naming the control id and the missing fields.
    """
    for c in controls:
        missing = missing_metadata(c)
        if missing:
            raise InvalidInput(
                f"control lacks required metadata: {', '.join(missing)}",
                path=str(getattr(c, "id", "?")),
            )


def _families() -> Mapping[str, Family]:
    from salesctl.controls import FAMILIES

    return FAMILIES


def _family_of(control: Any) -> Family | None:
    return _families().get(getattr(control, "family", "") or "")


# -- parameters ---------------------------------------------------------------------------


def _placeholders(template: str) -> tuple[str, ...]:
    out: list[str] = []
    try:
        parsed = list(string.Formatter().parse(template))
    except ValueError:
        return ()
    for _lit, name, _spec, _conv in parsed:
        if name:
            root = re.split(r"[.\[]", name, maxsplit=1)[0]
            if root and root not in out:
                out.append(root)
    return tuple(out)


def parameters(control: Control) -> tuple[str, ...]:
    """The family-policy keys a control's activity text names (``{key}`` placeholders)."""
    seen = _placeholders(control.activity_en) + _placeholders(control.activity_zh)
    return tuple(dict.fromkeys(seen))


def _family_policy(policy: Policy, control: Control) -> Any:
    try:
        return policy.family(control.family)
    except SalesctlError:
        return None


def _plain(value: Any) -> Any:
    from salesctl._convert import unstructure

    return unstructure(value)


def _show(data: Any) -> str:
    """A compact, TOML-like rendering of plain data."""
    if isinstance(data, bool):
        return "true" if data else "false"
    if data is None:
        return "—"
    if isinstance(data, str):
        return data
    if isinstance(data, list):
        return "[" + ", ".join(_show(x) for x in data) + "]"
    if isinstance(data, dict):
        return "{" + ", ".join(f"{k} = {_show(v)}" for k, v in data.items()) + "}"
    return str(data)


def _param_rows(control: Control, policy: Policy) -> list[tuple[str, Any, Any]]:
    """``(key, configured, default)`` as plain data for the control's parameters."""
    mine = _family_policy(policy, control)
    base = _family_policy(_default(), control)
    rows = []
    for key in parameters(control):
        configured = _plain(getattr(mine, key)) if hasattr(mine, key) else None
        default = _plain(getattr(base, key)) if hasattr(base, key) else None
        rows.append((key, configured, default))
    return rows


def _activity(control: Control, policy: Policy, lang: str) -> str:
    return control.activity(_family_policy(policy, control), lang)


# -- derived RCM columns ----------------------------------------------------------------------


def coso_principles(control: Control) -> tuple[str, ...]:
    """COSO 2013 principles the control supports (``"P10"``, …), explicit and derived.

    Every control activity supports P10; automated and IT-dependent ones P11 (they rely on
    the system); every salesctl control is deployed through the policy file, P12; a control
    over inflated or withheld revenue (R2.1) addresses fraud risk, P8. ``COSO Pn`` entries of
    ``refs`` are added.
    """
    found = {"P10", "P12"}
    if control.automation is not Automation.MANUAL:
        found.add("P11")
    if "R2.1" in control.risks:
        found.add("P8")
    for ref in control.refs:
        m = re.match(r"^COSO\s+(P\d+)$", ref.strip())
        if m and m.group(1) in COSO_PRINCIPLES:
            found.add(m.group(1))
    return tuple(sorted(found, key=lambda p: int(p[1:])))


def _basic_norm(control: Control) -> tuple[str, ...]:
    return tuple(r for r in control.refs if r.startswith("BN"))


def _other_refs(control: Control) -> tuple[str, ...]:
    return tuple(r for r in control.refs if not r.startswith(("BN", "COSO")))


def _variants(control: Control, policy: Policy) -> int:
    """Configured variants of an automated control: its distinct findings plus tier entries."""
    n = max(1, len(control.messages))
    for _key, configured, _default in _param_rows(control, policy):
        if isinstance(configured, list) and configured and isinstance(configured[0], dict):
            n += len(configured)
    return n


def sample_size(control: Control, policy: Policy | None = None, lang: str = "en") -> str:
    """Suggested sample size for a test of operating effectiveness.

    Manual and IT-dependent controls by frequency: annual 1, quarterly 2, monthly 2–4, weekly
    5–15, daily 20–40, per transaction 25–60. Automated controls: one per configured variant
    (each distinct finding the control can raise, plus each band of a tiered parameter).
    """
    policy = policy if policy is not None else _default()
    if control.automation is Automation.AUTOMATED:
        n = _variants(control, policy)
        return (
            f"每个配置变体 1 个(共 {n} 个)" if lang == "zh" else f"1 per configured variant ({n})"
        )
    return _SAMPLE[control.frequency]


def _check_name(control: Control) -> str | None:
    if control.check is None:
        return None
    mod = getattr(control.check, "__module__", "") or ""
    name = getattr(control.check, "__qualname__", None) or getattr(control.check, "__name__", "")
    return f"{mod}.{name}" if mod else str(name)


def _conflicts(control: Control, lang: str) -> str:
    if control.conflicts:
        return "; ".join(control.conflicts)
    if control.kind is Kind.PREVENTIVE and control.check is not None:
        return (
            "通用规则:清除挂起的审批人不得是经办人或提议人,须具备所需角色和级别(salesctl.gate.approval_clears)"
            if lang == "zh"
            else "Generic rule: an approval clearing a HOLD must come from someone other than the "
            "acting user and the proposer, in the required role and level (salesctl.gate.approval_clears)"
        )
    return (
        "执行人不得同时编制被复核的记录"
        if lang == "zh"
        else "The performer does not also prepare the records reviewed"
    )


def _message_keys(control: Control) -> str:
    return ", ".join(f"`{k}`" for k in control.messages) or "—"


def design_test(control: Control, lang: str = "en") -> str:
    """A test of design derived from the control's kind, automation and frequency."""
    zh = lang == "zh"
    check = _check_name(control)
    applies = ", ".join(control.applies_to)
    if control.frequency is Frequency.ON_POLICY_LOAD:
        if zh:
            return (
                "检查策略文件的校验逻辑及其测试;用 `salesctl policy validate` 加载一份违反本控制的"
                "策略,确认被拒绝并指明参数路径和行号;确认生产环境使用的策略文件指纹与批准的一致。"
            )
        return (
            "Inspect the policy validation and its tests; load a policy that breaks the rule with "
            "`salesctl policy validate` and confirm it is refused, naming the key path and line; "
            "confirm the policy fingerprint in production is the approved one."
        )
    if control.kind is Kind.PREVENTIVE and check is not None:
        if zh:
            return (
                f"检查控制逻辑 `{check}` 及其测试和当前策略:确认上表参数为经批准的参数且控制已启用;"
                f"对 {applies} 各走查一笔应通过和一笔应触发的交易(`salesctl check --policy 策略文件 交易.json`),"
                f"确认结论和发现中的控制编号 {control.id};确认宿主系统在过账 {applies} 前调用 `Gate.check`,"
                "且在阻止或未清除的挂起时不过账(见宿主集成指南)。"
            )
        return (
            f"Inspect the control logic `{check}`, its tests and the policy in force: confirm the "
            "parameters above are the approved ones and the control is enabled. For each "
            f"transaction type ({applies}) walk through one transaction that should pass and one "
            "that should fire (`salesctl check --policy FILE TXN.json`) and confirm the outcome "
            f"and a finding naming {control.id}. Confirm the host calls `Gate.check` before "
            f"posting ({applies}) and does not post on BLOCK or on an "
            "uncleared HOLD (host-integration guide)."
        )
    freq = _pick(_FREQUENCY[control.frequency], lang)
    if control.kind is Kind.DETECTIVE:
        if zh:
            return (
                f"检查{freq}检查的定义、输入记录的完整性和执行时间表,确认责任人({control.owner})"
                "及异常跟进流程;用一个预置差异的期间走查一次,确认差异被报告。"
            )
        return (
            f"Inspect the definition of the {freq} check, the completeness of the records it "
            f"reads and its schedule; confirm the owner ({control.owner}) and how exceptions are "
            "followed up. Walk through one period with a seeded exception and confirm it is reported."
        )
    if zh:
        return (
            f"检查书面程序和证据模板({control.evidence}),确认执行人({control.owner})具备胜任能力"
            "且与被复核工作不相容职务分离;走查一例。"
        )
    return (
        f"Inspect the written procedure and the evidence template ({control.evidence}); confirm "
        f"the performer ({control.owner}) is competent and independent of the work reviewed; "
        "walk through one instance."
    )


def operating_effectiveness_test(
    control: Control, policy: Policy | None = None, lang: str = "en"
) -> str:
    """A test of operating effectiveness derived from the control's metadata and the policy."""
    from salesctl.controls import CATALOGUE_FINGERPRINT

    policy = policy if policy is not None else _default()
    zh = lang == "zh"
    size = sample_size(control, policy, lang)
    applies = ", ".join(control.applies_to) or ("相关记录" if zh else "records")
    cat = CATALOGUE_FINGERPRINT[:12]
    pol = policy.fingerprint[:12]
    if control.automation is Automation.AUTOMATED:
        n = _variants(control, policy)
        if zh:
            return (
                f"自动控制,基准测试法:对 {n} 个配置变体(结论键 {_message_keys(control)})各"
                f"用当前策略重新执行一笔交易({applies})并与决策日志比对;再从决策日志确认期间内所有"
                f"决策的目录指纹为 `{cat}…`、策略指纹为 `{pol}…`(或经批准的变更),"
                "从而将结论推及整个期间(PCAOB AS 2201 附录 B 自动控制基准测试)。"
            )
        return (
            f"Automated control, benchmarking: for each of the {n} configured variants (findings "
            f"{_message_keys(control)}) re-perform one transaction ({applies}) with the policy in "
            "force and compare with the decision log; then confirm from the decision log that every decision "
            f"of the period carries catalogue fingerprint `{cat}…` and policy fingerprint "
            f"`{pol}…` (or an approved change), which extends the result to the whole period "
            "(benchmarking of automated controls, PCAOB AS 2201 Appendix B)."
        )
    instances = _pick(_INSTANCES[control.frequency], lang)
    if control.kind is Kind.PREVENTIVE and control.check is not None:
        if zh:
            return (
                f"从决策日志中跨期间抽取 {size} {instances}({applies}):确认 {control.id} 的发现与记录的"
                "事实一致;对每个经审批清除的挂起,检查审批的角色、级别、非提议人、单据和金额、有效期,"
                f"并核对证据({control.evidence})。"
            )
        return (
            f"Select {size} {instances} ({applies}) across the period from the decision log: "
            f"confirm the finding of {control.id} agrees with the facts recorded; for each HOLD "
            "cleared by approvals, inspect the approval (role, level, not the proposer, this "
            f"document and amount, unexpired) against the evidence ({control.evidence})."
        )
    if zh:
        return (
            f"跨期间抽取 {size} {instances}:检查证据({control.evidence}),重新执行,"
            "确认差异均已调查并及时处理。"
        )
    return (
        f"Select {size} {instances} across the period: inspect the evidence "
        f"({control.evidence}), re-perform it, and confirm every exception was investigated and "
        "resolved in time."
    )


# -- seed coverage --------------------------------------------------------------------------


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


# -- the RCM ----------------------------------------------------------------------------------

_RCM_COLUMNS: tuple[str, ...] = (
    "id",
    "version",
    "family",
    "stage",
    "title_zh",
    "title_en",
    "risks",
    "risk_text_zh",
    "risk_text_en",
    "objective_zh",
    "objective_en",
    "activity_zh",
    "activity_en",
    "parameters",
    "key",
    "kind",
    "automation",
    "frequency",
    "owner",
    "conflicts_zh",
    "conflicts_en",
    "assertions",
    "g9",
    "basic_norm",
    "coso",
    "other_refs",
    "seeds",
    "evidence",
    "applies_to",
    "check",
    "enabled",
    "test_of_design_zh",
    "test_of_design_en",
    "test_of_operating_effectiveness_zh",
    "test_of_operating_effectiveness_en",
    "sample_size",
)


def rcm_rows(
    policy: Policy | None = None, controls: Mapping[str, Control] | None = None
) -> list[dict[str, str]]:
    """The RCM as rows of text, one per control (the columns of ``rcm.csv``).

    Args:
        policy: the policy in force (the default policy when omitted).
        controls: the controls (the registry when omitted).
    """
    policy = policy if policy is not None else _default()
    cs = _controls(controls)
    rows = []
    for c in cs.values():
        params = "; ".join(f"{k} = {_show(v)}" for k, v, _d in _param_rows(c, policy))
        rows.append(
            {
                "id": c.id,
                "version": str(c.version),
                "family": c.family,
                "stage": c.stage,
                "title_zh": c.title_zh,
                "title_en": c.title_en,
                "risks": ", ".join(c.risks),
                "risk_text_zh": "; ".join(f"{r} {RISKS[r][0]}" for r in c.risks if r in RISKS),
                "risk_text_en": "; ".join(f"{r} {RISKS[r][1]}" for r in c.risks if r in RISKS),
                "objective_zh": c.objective_zh,
                "objective_en": c.objective_en,
                "activity_zh": _activity(c, policy, "zh"),
                "activity_en": _activity(c, policy, "en"),
                "parameters": params,
                "key": "★" if c.key else "",
                "kind": c.kind.value,
                "automation": c.automation.value,
                "frequency": c.frequency.value,
                "owner": c.owner,
                "conflicts_zh": _conflicts(c, "zh"),
                "conflicts_en": _conflicts(c, "en"),
                "assertions": ", ".join(sorted(a.value for a in c.assertions)),
                "g9": ", ".join(str(n) for n in c.g9),
                "basic_norm": ", ".join(_basic_norm(c)),
                "coso": ", ".join(coso_principles(c)),
                "other_refs": ", ".join(_other_refs(c)),
                "seeds": ", ".join(c.seeds),
                "evidence": c.evidence,
                "applies_to": ", ".join(c.applies_to),
                "check": _check_name(c) or "",
                "enabled": "yes" if policy.is_enabled(c.id) else "no",
                "test_of_design_zh": design_test(c, "zh"),
                "test_of_design_en": design_test(c, "en"),
                "test_of_operating_effectiveness_zh": operating_effectiveness_test(c, policy, "zh"),
                "test_of_operating_effectiveness_en": operating_effectiveness_test(c, policy, "en"),
                "sample_size": sample_size(c, policy, "en"),
            }
        )
    return rows


def _controls(controls: Mapping[str, Control] | None) -> dict[str, Control]:
    if controls is None:
        from salesctl.controls import CONTROLS

        controls = CONTROLS
    return dict(sorted(controls.items()))


def _rcm_csv(rows: list[dict[str, str]]) -> str:
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=list(_RCM_COLUMNS), lineterminator="\r\n")
    w.writeheader()
    for r in rows:
        w.writerow(r)
    return buf.getvalue()


# -- Markdown pages ---------------------------------------------------------------------------


def _other_lang_link(path_en: str, lang: str) -> str:
    """Link from a page to the same page in the other language (pages live in ``controls/``)."""
    name = path_en.rsplit("/", 1)[-1]
    return f"../../controls/{name}" if lang == "zh" else f"../zh/controls/{name}"


def _head(title: str, page: str, lang: str) -> list[str]:
    return [
        f"# {title}",
        "",
        f"[{_t('other_lang', lang)}]({_other_lang_link(page, lang)})",
        "",
    ]


def _policy_line(policy: Policy, lang: str) -> str:
    from salesctl.controls import CATALOGUE_FINGERPRINT

    if lang == "zh":
        return (
            f"策略 **{policy.name}**(指纹 `{policy.fingerprint[:16]}`),"
            f"控制目录指纹 `{CATALOGUE_FINGERPRINT[:16]}`。本页由 salesctl 根据代码和策略生成,请勿手工修改。"
        )
    return (
        f"Policy **{policy.name}** (fingerprint `{policy.fingerprint[:16]}`), catalogue fingerprint "
        f"`{CATALOGUE_FINGERPRINT[:16]}`. Generated by salesctl from the code and the policy: do not "
        "edit by hand."
    )


def _link(c: Control, lang: str) -> str:
    return f"[{c.id}]({c.id}.md)"


def _control_page(c: Control, policy: Policy, lang: str) -> str:
    zh = lang == "zh"
    star = " ★" if c.key else ""
    lines = _head(f"{c.id} {_md(c.title(lang))}{star}", f"controls/{c.id}.md", lang)
    lines.append(_policy_line(policy, lang))
    lines.append("")
    if not policy.is_enabled(c.id):
        lines += [
            "> **"
            + _t("disabled", lang)
            + "**: "
            + (
                "本控制在当前策略中被关闭,不会运行。"
                if zh
                else "this control does not run under this policy."
            ),
            "",
        ]
    fam = _family_of(c)
    fam_text = f"{c.family} ({fam.title_zh if zh else fam.title_en})" if fam else c.family
    bn = ", ".join(
        f"{r} {_pick(BASIC_NORM[r], lang)}" if r in BASIC_NORM else r for r in _basic_norm(c)
    )
    coso = ", ".join(f"{p} {_pick(COSO_PRINCIPLES[p], lang)}" for p in coso_principles(c))
    g9 = ", ".join((f"第{n}条" if zh else f"art. {n}") for n in c.g9)
    check = _check_name(c)
    rows = [
        ("id", c.id),
        ("version", str(c.version)),
        ("family", fam_text),
        ("stage", _stage(c.stage, lang)),
        ("key", _t("yes" if c.key else "no", lang)),
        ("kind", _kind_text(c, lang)),
        ("automation", _pick(_AUTOMATION[c.automation], lang)),
        ("frequency", _pick(_FREQUENCY[c.frequency], lang)),
        ("owner", _md(c.owner)),
        ("applies", ", ".join(f"`{a}`" for a in c.applies_to) or "—"),
        ("check", f"`{check}`" if check else "—"),
        ("status", _t("enabled" if policy.is_enabled(c.id) else "disabled", lang)),
        (
            "assertions",
            ", ".join(
                _pick(_ASSERTION[a], lang) for a in sorted(c.assertions, key=lambda a: a.value)
            ),
        ),
        ("g9", g9),
        ("bn", bn or "—"),
        ("coso", coso),
        ("other_refs", _md(", ".join(_other_refs(c))) or "—"),
        ("seeds", _md(", ".join(c.seeds))),
        ("sample", sample_size(c, policy, lang)),
    ]
    lines += ["| | |", "|---|---|"]
    lines += [f"| {_t(k, lang)} | {_cell(v)} |" for k, v in rows]
    lines += ["", f"## {_t('risks', lang)}", ""]
    for r in c.risks:
        lines.append(f"- **{r}** {_pick(RISKS[r], lang) if r in RISKS else ''}")
    lines += [
        "",
        f"## {_t('objective', lang)}",
        "",
        _md(c.objective_zh if zh else c.objective_en),
        "",
    ]
    lines += [f"## {_t('activity', lang)}", "", _md(_activity(c, policy, lang)), ""]
    prow = _param_rows(c, policy)
    if prow:
        lines += [f"### {_t('parameters', lang)}", ""]
        lines += [
            f"| {_t('key_col', lang)} | {_t('configured', lang)} | {_t('default', lang)} | {_t('deviation', lang)} |",
            "|---|---|---|---|",
        ]
        for key, configured, default in prow:
            dev = "**" + _t("yes", lang).replace(" ★", "") + "**" if configured != default else ""
            lines.append(
                f"| `{c.family}.{key}` | {_cell(_md(_show(configured)))} | {_cell(_md(_show(default)))} | {dev} |"
            )
        lines.append("")
    lines += [f"## {_t('conflicts', lang)}", "", _md(_conflicts(c, lang)), ""]
    lines += [f"## {_t('evidence', lang)}", "", _md(c.evidence), ""]
    if c.messages:
        lines += [f"## {_t('messages', lang)}", "", "| | |", "|---|---|"]
        for key, pair in c.messages.items():
            lines.append(f"| `{key}` | {_cell(_md(_pick(pair, lang)))} |")
        lines.append("")
    lines += [f"## {_t('tod', lang)}", "", design_test(c, lang), ""]
    lines += [f"## {_t('toe', lang)}", "", operating_effectiveness_test(c, policy, lang), ""]
    lines += [f"## {_t('sample', lang)}", "", sample_size(c, policy, lang), ""]
    return "\n".join(lines)


def _rcm_page(cs: Mapping[str, Control], policy: Policy, lang: str) -> str:
    zh = lang == "zh"
    lines = _head(_t("rcm", lang), "controls/rcm.md", lang)
    lines += [_policy_line(policy, lang), ""]
    d = "../../controls/" if zh else ""  # the downloads sit beside the English pages
    lines += [
        (
            f"下载:[rcm.csv]({d}rcm.csv)(全部列,中英文)· [controls.json]({d}controls.json) · "
            f"[OSCAL 组件定义]({d}oscal-component-definition.json) · [OSCAL 目录]({d}oscal-catalog.json)"
        )
        if zh
        else (
            "Download: [rcm.csv](rcm.csv) (every column, both languages) · "
            "[controls.json](controls.json) · [OSCAL component definition](oscal-component-definition.json)"
            " · [OSCAL catalog](oscal-catalog.json)"
        ),
        "",
    ]
    head = (
        [
            "编号",
            "★",
            "控制",
            "环节",
            "风险",
            "控制活动(按当前策略)",
            "类型",
            "方式",
            "频率",
            "责任人",
            "认定",
            "指引9",
            "COSO",
            "来源",
            "证据",
            "样本量",
            "状态",
        ]
        if zh
        else [
            "Id",
            "★",
            "Control",
            "Stage",
            "Risks",
            "Control activity (as configured)",
            "P/D",
            "Automation",
            "Frequency",
            "Owner",
            "Assertions",
            "G9",
            "COSO",
            "Seed",
            "Evidence",
            "Sample",
            "Status",
        ]
    )
    lines += ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for c in cs.values():
        cells = [
            _link(c, lang),
            "★" if c.key else "",
            c.title(lang),
            _stage(c.stage, lang),
            ", ".join(c.risks),
            _activity(c, policy, lang),
            _kind_text(c, lang),
            _pick(_AUTOMATION[c.automation], lang),
            _pick(_FREQUENCY[c.frequency], lang),
            c.owner,
            ", ".join(
                _pick(_ASSERTION[a], lang) for a in sorted(c.assertions, key=lambda a: a.value)
            ),
            ", ".join(str(n) for n in c.g9),
            ", ".join(coso_principles(c)),
            ", ".join(c.seeds),
            c.evidence,
            sample_size(c, policy, lang),
            _t("enabled" if policy.is_enabled(c.id) else "disabled", lang),
        ]
        lines.append(
            "| " + " | ".join(_cell(x if i == 0 else _md(x)) for i, x in enumerate(cells)) + " |"
        )
    lines.append("")
    return "\n".join(lines)


def _index_table(items: list[Control], lang: str) -> list[str]:
    if not items:
        return [_t("no_control", lang), ""]
    out = [
        f"| {_t('id', lang)} | ★ | {_t('title', lang)} | {_t('kind', lang)} | {_t('frequency', lang)} |",
        "|---|---|---|---|---|",
    ]
    for c in items:
        out.append(
            f"| {_link(c, lang)} | {'★' if c.key else ''} | {_cell(_md(c.title(lang)))} | "
            f"{_kind_text(c, lang)} | {_pick(_FREQUENCY[c.frequency], lang)} |"
        )
    out.append("")
    return out


def _by_stage(cs: Mapping[str, Control], policy: Policy, lang: str) -> str:
    lines = _head(_t("by_stage", lang), "controls/by-stage.md", lang)
    lines += [_policy_line(policy, lang), ""]
    for stage in sorted({c.stage for c in cs.values()}, key=_stage_order):
        lines += [f"## {_stage(stage, lang)} (`{stage}`)", ""]
        lines += _index_table([c for c in cs.values() if c.stage == stage], lang)
    return "\n".join(lines)


def _by_g9(cs: Mapping[str, Control], policy: Policy, lang: str) -> str:
    zh = lang == "zh"
    lines = _head(_t("by_g9", lang), "controls/by-g9.md", lang)
    lines += [
        (
            "《企业内部控制应用指引第9号——销售业务》第3–12条(概述;引用前请核对正式文本)。"
            if zh
            else "Guideline 9 (企业内部控制应用指引第9号——销售业务), articles 3–12, paraphrased; check "
            "against the published text before quoting."
        ),
        "",
    ]
    arts = sorted(set(G9_ARTICLES) | {n for c in cs.values() for n in c.g9})
    for n in arts:
        title = _pick(G9_ARTICLES[n], lang) if n in G9_ARTICLES else ""
        lines += [f"## {'第' + str(n) + '条' if zh else 'Art. ' + str(n)} {title}".rstrip(), ""]
        lines += _index_table([c for c in cs.values() if n in c.g9], lang)
    return "\n".join(lines)


def _by_assertion(cs: Mapping[str, Control], policy: Policy, lang: str) -> str:
    lines = _head(_t("by_assertion", lang), "controls/by-assertion.md", lang)
    for a in Assertion:
        lines += [f"## {_pick(_ASSERTION[a], lang)} (`{a.value}`)", ""]
        lines += _index_table([c for c in cs.values() if a in c.assertions], lang)
    return "\n".join(lines)


def _by_coso(cs: Mapping[str, Control], policy: Policy, lang: str) -> str:
    zh = lang == "zh"
    lines = _head(_t("by_coso", lang), "controls/by-coso.md", lang)
    lines += [
        (
            "派生规则:所有控制活动对应 P10;自动和依赖信息系统的控制对应 P11;通过策略文件部署的控制对应 P12;"
            "针对收入虚增或截留(R2.1)的控制对应 P8;另加控制 `refs` 中的 `COSO Pn`。"
            if zh
            else "Derivation: every control activity supports P10; automated and IT-dependent ones P11; "
            "controls deployed through the policy file P12; controls over inflated or withheld "
            "revenue (R2.1) P8; plus any `COSO Pn` in a control's `refs`."
        ),
        "",
    ]
    for p, pair in COSO_PRINCIPLES.items():
        items = [c for c in cs.values() if p in coso_principles(c)]
        if not items:
            continue
        lines += [f"## {p} {_pick(pair, lang)}", ""]
        lines += _index_table(items, lang)
    return "\n".join(lines)


def _gaps(cs: Mapping[str, Control], policy: Policy, lang: str) -> str:
    zh = lang == "zh"
    lines = _head(_t("gaps", lang), "controls/gaps.md", lang)
    lines += [_policy_line(policy, lang), ""]
    covered = {n for c in cs.values() for n in c.g9}
    missing_g9 = [n for n in sorted(G9_ARTICLES) if n not in covered]
    lines += [
        "## " + ("没有控制的应用指引第9号条款" if zh else "Guideline 9 articles with no control"),
        "",
    ]
    if missing_g9:
        for n in missing_g9:
            lines.append(
                f"- {'第' + str(n) + '条' if zh else 'Art. ' + str(n)}: {_pick(G9_ARTICLES[n], lang)}"
            )
    else:
        lines.append("无。" if zh else "None.")
    lines.append("")
    points = seed_points_covered(cs.values())
    lines += ["## " + ("没有控制的来源控制点" if zh else "Seed control points with no control"), ""]
    gaps = [(tag, z, e) for tag, z, e in SEED_POINTS if not points[tag]]
    if gaps:
        for tag, z, e in gaps:
            lines.append(f"- **{tag}** {z if zh else e}")
    else:
        lines.append("无。" if zh else "None.")
    lines.append("")
    lines += ["## " + ("策略关闭的控制" if zh else "Controls switched off by the policy"), ""]
    off = [c for c in cs.values() if not policy.is_enabled(c.id)]
    lines += _index_table(off, lang) if off else ["无。" if zh else "None.", ""]
    lines += [
        "## " + ("与默认值不同的参数" if zh else "Parameters that differ from the defaults"),
        "",
    ]
    dev = policy.deviations()
    if dev:
        lines += [
            (
                "| 参数 | 默认值 | 当前值 | 受影响的控制 |"
                if zh
                else "| key | default | configured | controls affected |"
            ),
            "|---|---|---|---|",
        ]
        for fam, keys in sorted(dev.items()):
            for key, (default, configured) in sorted(keys.items()):
                users = [c for c in cs.values() if c.family == fam and key in parameters(c)]
                lines.append(
                    f"| `{fam}.{key}` | {_cell(_md(_show(default)))} | {_cell(_md(_show(configured)))} | "
                    + (", ".join(_link(c, lang) for c in users) or "—")
                    + " |"
                )
    else:
        lines.append(
            "无:所有参数均为默认值。" if zh else "None: every parameter is at its default."
        )
    lines.append("")
    if policy.base_currency != _default().base_currency:
        lines += [
            (
                f"策略基准币种:{policy.base_currency}(默认 {_default().base_currency})。"
                if zh
                else f"Policy base currency: {policy.base_currency} (default {_default().base_currency})."
            ),
            "",
        ]
    lines += [
        "## "
        + (
            "本版本中不由闸门自动执行的控制"
            if zh
            else "Controls the gate does not run in this version"
        ),
        "",
    ]
    lines += [
        (
            "以下控制没有检查函数:在策略加载时、由检查性对账或人工执行。"
            if zh
            else "These controls have no check function: they operate at policy load, in detective "
            "reconciliations, or manually."
        ),
        "",
    ]
    lines += _index_table([c for c in cs.values() if c.check is None], lang)
    return "\n".join(lines)


def _index_page(cs: Mapping[str, Control], policy: Policy, lang: str) -> str:
    zh = lang == "zh"
    lines = _head(_t("catalogue", lang), "controls/index.md", lang)
    lines += [_policy_line(policy, lang), ""]
    n_key = sum(1 for c in cs.values() if c.key)
    n_prev = sum(1 for c in cs.values() if c.kind is Kind.PREVENTIVE)
    lines += [
        (
            f"共 {len(cs)} 项控制(关键控制 {n_key} 项,预防性 {n_prev} 项,检查性 {len(cs) - n_prev} 项)。"
            if zh
            else f"{len(cs)} controls ({n_key} key, {n_prev} preventive, {len(cs) - n_prev} detective)."
        ),
        "",
        f"- [{_t('rcm', lang)}](rcm.md)",
        f"- [{_t('by_stage', lang)}](by-stage.md)",
        f"- [{_t('by_g9', lang)}](by-g9.md)",
        f"- [{_t('by_assertion', lang)}](by-assertion.md)",
        f"- [{_t('by_coso', lang)}](by-coso.md)",
        f"- [{_t('gaps', lang)}](gaps.md)",
        "",
    ]
    for fam in _families().values():
        items = [c for c in cs.values() if c.family == fam.name]
        if not items:
            continue
        lines += [f"## {fam.title_zh if zh else fam.title_en} (`{fam.name}`)", ""]
        lines += _index_table(items, lang)
    rest = [c for c in cs.values() if c.family not in _families()]
    if rest:
        lines += ["## " + ("其他" if zh else "Other"), ""]
        lines += _index_table(rest, lang)
    return "\n".join(lines)


# -- machine-readable outputs -----------------------------------------------------------------


def controls_json(
    policy: Policy | None = None, controls: Mapping[str, Control] | None = None
) -> dict[str, Any]:
    """The catalogue with the policy in force, as JSON-ready data (``controls.json``)."""
    from salesctl import __version__
    from salesctl.controls import CATALOGUE_FINGERPRINT

    policy = policy if policy is not None else _default()
    cs = _controls(controls)
    items = []
    for c in cs.values():
        items.append(
            {
                "id": c.id,
                "version": c.version,
                "family": c.family,
                "stage": c.stage,
                "title": {"zh": c.title_zh, "en": c.title_en},
                "objective": {"zh": c.objective_zh, "en": c.objective_en},
                "activity_template": {"zh": c.activity_zh, "en": c.activity_en},
                "activity": {"zh": _activity(c, policy, "zh"), "en": _activity(c, policy, "en")},
                "parameters": {
                    k: {"configured": v, "default": d, "deviates": v != d}
                    for k, v, d in _param_rows(c, policy)
                },
                "risks": [
                    {"id": r, "zh": RISKS[r][0], "en": RISKS[r][1]} for r in c.risks if r in RISKS
                ],
                "kind": c.kind.value,
                "frequency": c.frequency.value,
                "automation": c.automation.value,
                "key": c.key,
                "assertions": sorted(a.value for a in c.assertions),
                "owner": c.owner,
                "conflicts": {"zh": _conflicts(c, "zh"), "en": _conflicts(c, "en")},
                "evidence": c.evidence,
                "applies_to": list(c.applies_to),
                "check": _check_name(c),
                "enabled": policy.is_enabled(c.id),
                "seeds": list(c.seeds),
                "g9": list(c.g9),
                "basic_norm": list(_basic_norm(c)),
                "coso": list(coso_principles(c)),
                "refs": list(c.refs),
                "messages": {k: {"zh": v[0], "en": v[1]} for k, v in c.messages.items()},
                "test_of_design": {"zh": design_test(c, "zh"), "en": design_test(c, "en")},
                "test_of_operating_effectiveness": {
                    "zh": operating_effectiveness_test(c, policy, "zh"),
                    "en": operating_effectiveness_test(c, policy, "en"),
                },
                "sample_size": {
                    "zh": sample_size(c, policy, "zh"),
                    "en": sample_size(c, policy, "en"),
                },
            }
        )
    covered = {n for c in cs.values() for n in c.g9}
    points = seed_points_covered(cs.values())
    return {
        "format": "salesctl.controls/1",
        "salesctl_version": __version__,
        "catalogue_fingerprint": CATALOGUE_FINGERPRINT,
        "policy": {
            "name": policy.name,
            "fingerprint": policy.fingerprint,
            "base_currency": policy.base_currency,
            "disabled": sorted(policy.disabled),
            "deviations": {
                fam: {k: {"default": d, "configured": v} for k, (d, v) in sorted(keys.items())}
                for fam, keys in sorted(policy.deviations().items())
            },
        },
        "controls": items,
        "gaps": {
            "g9_articles": [n for n in sorted(G9_ARTICLES) if n not in covered],
            "seed_points": [tag for tag, ids in points.items() if not ids],
        },
    }


def _uuid(name: str) -> str:
    return str(uuid.uuid5(_NS, name))


def _values(data: Any) -> list[str]:
    """OSCAL parameter values: non-empty strings without surrounding whitespace."""
    if isinstance(data, list):
        items = [
            json.dumps(x, ensure_ascii=False, sort_keys=True)
            if isinstance(x, dict | list)
            else _show(x)
            for x in data
        ]
    elif isinstance(data, dict):
        items = [f"{k}: {_show(v)}" for k, v in data.items()]
    else:
        items = [_show(data)]
    items = [" ".join(s.split()) for s in items]
    items = [s for s in items if s]
    return items or ["none"]


def _param_id(family: str, key: str) -> str:
    return f"{family}.{key}"


def _insert_param(family: str) -> Any:
    def sub(m: re.Match[str]) -> str:
        return "{{ insert: param, " + _param_id(family, m.group(1)) + " }}"

    return sub


def _timestamp(value: dt.datetime | None) -> str:
    if value is None:
        epoch = os.environ.get("SOURCE_DATE_EPOCH")
        if epoch and epoch.isdigit():
            value = dt.datetime.fromtimestamp(int(epoch), tz=dt.UTC)
        else:
            value = dt.datetime.now(dt.UTC).replace(microsecond=0)
    if value.tzinfo is None:
        raise InvalidInput("must carry a UTC offset", path="timestamp", value=str(value))
    return value.isoformat()


def _prop(name: str, value: str) -> dict[str, str]:
    return {"name": name, "ns": _PROP_NS, "value": " ".join(value.split()) or "none"}


def oscal_catalog(
    controls: Mapping[str, Control] | None = None, *, timestamp: dt.datetime | None = None
) -> dict[str, Any]:
    """The control catalogue as an OSCAL catalog (JSON-ready data).

    One group per family with the family's policy keys as parameters (defaults as values);
    each control's statement is its activity text with ``{{ insert: param, … }}`` for the
    parameters, so :func:`oscal_component_definition` can set them.
    """
    from salesctl import __version__
    from salesctl.controls import CATALOGUE_FINGERPRINT

    cs = _controls(controls)
    default = _default()
    groups = []
    for fam in _families().values():
        items = [c for c in cs.values() if c.family == fam.name]
        if not items:
            continue
        base = default.family(fam.name)
        params = [
            {
                "id": _param_id(fam.name, a.name),
                "label": a.name,
                "values": _values(_plain(getattr(base, a.name))),
            }
            for a in attrs.fields(fam.policy_type)
            if a.init
        ]
        controls_out = []
        for c in items:
            prose = re.sub(r"\{(\w+)\}", _insert_param(fam.name), c.activity_en)
            controls_out.append(
                {
                    "id": c.id,
                    "title": c.title_en,
                    "props": [
                        _prop("label-zh", c.title_zh),
                        _prop("kind", c.kind.value),
                        _prop("frequency", c.frequency.value),
                        _prop("automation", c.automation.value),
                        _prop("key-control", "true" if c.key else "false"),
                        _prop("stage", c.stage),
                        _prop("version", str(c.version)),
                    ]
                    + [_prop("risk", r) for r in c.risks]
                    + [
                        _prop("assertion", a.value)
                        for a in sorted(c.assertions, key=lambda a: a.value)
                    ]
                    + [_prop("g9-article", str(n)) for n in c.g9]
                    + [_prop("seed", s) for s in c.seeds],
                    "parts": [
                        {"id": f"{c.id}_smt", "name": "statement", "prose": prose},
                        {"id": f"{c.id}_obj", "name": "objective", "prose": c.objective_en},
                    ],
                }
            )
        groups.append(
            {
                "id": fam.name,
                "title": fam.title_en,
                "params": params,
                "controls": controls_out,
            }
        )
    return {
        "catalog": {
            "uuid": _uuid(f"catalog:{CATALOGUE_FINGERPRINT}"),
            "metadata": {
                "title": "salesctl order-to-cash control catalogue",
                "last-modified": _timestamp(timestamp),
                "version": __version__,
                "oscal-version": OSCAL_VERSION,
                "props": [_prop("catalogue-fingerprint", CATALOGUE_FINGERPRINT)],
            },
            "groups": groups,
        }
    }


def oscal_component_definition(
    policy: Policy | None = None,
    controls: Mapping[str, Control] | None = None,
    *,
    timestamp: dt.datetime | None = None,
    catalog_href: str = "oscal-catalog.json",
) -> dict[str, Any]:
    """salesctl as an OSCAL software component implementing the catalogue (JSON-ready data).

    The policy's parameters are ``set-parameters``; UUIDs are ``uuid5`` of the control ids
    (and, for the document, of the catalogue and policy fingerprints), so a diff between two
    generations shows only what changed.

    Args:
        policy: the policy in force (the default policy when omitted).
        controls: the controls (the registry when omitted).
        timestamp: ``metadata.last-modified`` (``SOURCE_DATE_EPOCH`` or now when omitted).
        catalog_href: the ``source`` of the control implementation (the OSCAL catalog).
    """
    from salesctl import __version__
    from salesctl.controls import CATALOGUE_FINGERPRINT

    policy = policy if policy is not None else _default()
    cs = _controls(controls)
    set_params = []
    documented = {c.family for c in cs.values()}
    for name, fam in _families().items():
        if name not in documented:
            continue
        fp = policy.family(name)
        for a in attrs.fields(fam.policy_type):
            if a.init:
                set_params.append(
                    {
                        "param-id": _param_id(name, a.name),
                        "values": _values(_plain(getattr(fp, a.name))),
                    }
                )
    reqs = []
    for c in cs.values():
        props = [
            _prop("enabled", "true" if policy.is_enabled(c.id) else "false"),
            _prop("kind", c.kind.value),
            _prop("automation", c.automation.value),
            _prop("frequency", c.frequency.value),
            _prop("owner", c.owner),
            _prop("evidence", c.evidence),
            _prop("sample-size", sample_size(c, policy, "en")),
        ] + [_prop("coso-principle", p) for p in coso_principles(c)]
        check = _check_name(c)
        if check:
            props.append(_prop("check", check))
        for t in c.applies_to:
            props.append(_prop("applies-to", t))
        reqs.append(
            {
                "uuid": _uuid(f"implemented-requirement:{c.id}"),
                "control-id": c.id,
                "description": _activity(c, policy, "en"),
                "props": props,
                "remarks": (
                    "Test of design: " + design_test(c, "en") + "\n\n"
                    "Test of operating effectiveness: "
                    + operating_effectiveness_test(c, policy, "en")
                ),
            }
        )
    return {
        "component-definition": {
            "uuid": _uuid(f"component-definition:{CATALOGUE_FINGERPRINT}:{policy.fingerprint}"),
            "metadata": {
                "title": f"salesctl — sales internal controls as code (policy: {policy.name})",
                "last-modified": _timestamp(timestamp),
                "version": __version__,
                "oscal-version": OSCAL_VERSION,
                "props": [
                    _prop("catalogue-fingerprint", CATALOGUE_FINGERPRINT),
                    _prop("policy-fingerprint", policy.fingerprint),
                    _prop("policy-name", policy.name),
                ],
            },
            "components": [
                {
                    "uuid": _uuid("component:salesctl"),
                    "type": "software",
                    "title": "salesctl",
                    "description": (
                        "An embeddable library a host ERP calls before each order-to-cash "
                        "transaction; it answers ALLOW, HOLD (with the approvals needed) or "
                        "BLOCK, with findings in Chinese and English."
                    ),
                    "control-implementations": [
                        {
                            "uuid": _uuid("control-implementation:salesctl-o2c"),
                            "source": catalog_href,
                            "description": (
                                "The preventive controls run in Gate.check with the policy's "
                                "parameters; detective ones over records."
                            ),
                            "set-parameters": set_params,
                            "implemented-requirements": reqs,
                        }
                    ],
                }
            ],
        }
    }


# -- the policy file reference --------------------------------------------------------------


def _attribute_docs(cls: type) -> dict[str, str]:
    """``field -> description`` from the ``Attributes:`` section of a Google-style docstring."""
    import inspect

    doc = inspect.getdoc(cls) or ""
    out: dict[str, str] = {}
    inside = False
    indent: int | None = None
    current: str | None = None
    for raw in doc.splitlines():
        if not inside:
            if raw.strip() == "Attributes:":
                inside = True
            continue
        if not raw.strip():
            current = None
            continue
        depth = len(raw) - len(raw.lstrip())
        if depth == 0:
            break
        if indent is None:
            indent = depth
        m = re.match(r"^(\w+)\s*(\([^)]*\))?:\s*(.*)$", raw.strip())
        if depth == indent and m:
            current = m.group(1)
            out[current] = m.group(3).strip()
        elif current is not None and depth > indent:
            out[current] = (out[current] + " " + raw.strip()).strip()
    return out


def _type_text(tp: Any) -> str:
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if tp is str:
        return "string"
    if tp is bool:
        return "boolean"
    if tp is int:
        return "integer"
    if tp is Decimal:
        return "decimal"
    if tp is Money:
        return 'amount ("1000.00 CNY")'
    if tp is dt.datetime:
        return "date-time with offset"
    if tp is dt.date:
        return "date (YYYY-MM-DD)"
    if tp is Any:
        return "any"
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        names = [m.name if isinstance(m, enum.IntEnum) else str(m.value) for m in tp]
        return "one of " + ", ".join(f"`{n}`" for n in names)
    if isinstance(tp, type) and attrs.has(tp):
        return f"table ({tp.__name__})"
    if origin is tuple and len(args) == 2 and args[1] is Ellipsis:
        return f"list of {_type_text(args[0])}"
    if origin is frozenset:
        return f"list (set) of {_type_text(args[0])}"
    if (
        args
        and len(args) == 2
        and (origin is Mapping or getattr(origin, "__name__", "") == "FrozenMap")
    ):
        return f"table: key → {_type_text(args[1])}"
    if args and type(None) in args:
        rest = [a for a in args if a is not type(None)]
        return (
            _type_text(rest[0]) if len(rest) == 1 else " or ".join(_type_text(a) for a in rest)
        ) + ", optional"
    return getattr(tp, "__name__", str(tp))


def _nested(tp: Any) -> list[type]:
    if isinstance(tp, type) and attrs.has(tp) and tp is not Money:
        return [tp]
    out: list[type] = []
    for a in typing.get_args(tp):
        out.extend(_nested(a))
    return out


def _field_default(cls: type, name: str, instance: Any) -> str:
    if instance is not None:
        return f"`{json.dumps(_plain(getattr(instance, name)), ensure_ascii=False)}`"
    a = attrs.fields_dict(cls)[name]
    if a.default is attrs.NOTHING:
        return "required"
    factory = getattr(a.default, "factory", None)
    default = factory() if callable(factory) else a.default
    return f"`{json.dumps(_plain(default), ensure_ascii=False)}`"


def _policy_classes() -> list[tuple[str, type, Any]]:
    """``(table, class, default instance or None)`` for every family table and nested class."""
    from salesctl._convert import fields_of

    out: list[tuple[str, type, Any]] = []
    seen: set[type] = set()
    default = _default()
    for name, fam in _families().items():
        out.append((name, fam.policy_type, default.family(name)))
        seen.add(fam.policy_type)
        todo = [fam.policy_type]
        while todo:
            cls = todo.pop(0)
            for fname, ftype, _req in fields_of(cls):
                for sub in _nested(ftype):
                    if sub not in seen:
                        seen.add(sub)
                        out.append((f"{name}.{fname}", sub, None))
                        todo.append(sub)
    return out


def undocumented_policy_keys() -> tuple[str, ...]:
    """Policy keys (``family.key`` or ``Class.key``) without a description in a docstring."""
    missing = []
    for table, cls, instance in _policy_classes():
        docs = _attribute_docs(cls)
        for a in attrs.fields(cls):
            if a.init and not docs.get(a.name):
                missing.append(
                    f"{table}.{a.name}" if instance is not None else f"{cls.__name__}.{a.name}"
                )
    return tuple(missing)


def policy_reference(controls: Mapping[str, Control] | None = None) -> str:
    """Markdown reference of every policy-file key, generated from the policy classes.

    For every family table (``[credit]``, …) and every nested table, one row per key with its
    type, default and the description from the class docstring, and the controls whose
    activity names the key. Links to control pages are relative to the site root.
    """
    from salesctl._convert import fields_of

    cs = _controls(controls)
    pdocs = _attribute_docs(Policy)
    default = _default()
    lines = [
        "## `[policy]`",
        "",
        "| key | type | default | description |",
        "|---|---|---|---|",
    ]
    for key, tp in (
        ("name", "string"),
        ("base_currency", "string (ISO 4217)"),
        ("disabled", "list of control ids"),
    ):
        value = _plain(getattr(default, key))
        lines.append(
            f"| `{key}` | {tp} | `{json.dumps(value, ensure_ascii=False)}` | {_cell(pdocs.get(key, ''))} |"
        )
    lines.append("")
    for table, cls, instance in _policy_classes():
        docs = _attribute_docs(cls)
        if instance is not None:
            fam = _families()[table]
            lines += [f"## `[{table}]` — {fam.title_en} / {fam.title_zh}", ""]
            summary = (cls.__doc__ or "").strip().splitlines()[0] if cls.__doc__ else ""
            if summary:
                lines += [summary, ""]
            ids = [c for c in cs.values() if c.family == table]
            if ids:
                lines += [
                    "Controls: " + ", ".join(f"[{c.id}](controls/{c.id}.md)" for c in ids),
                    "",
                ]
            lines += ["| key | type | default | description | used by |", "|---|---|---|---|---|"]
        else:
            lines += [f"### `{table}` entries ({cls.__name__})", ""]
            summary = (cls.__doc__ or "").strip().splitlines()[0] if cls.__doc__ else ""
            if summary:
                lines += [summary, ""]
            lines += ["| key | type | default | description |", "|---|---|---|---|"]
        hints = {n: t for n, t, _r in fields_of(cls)}
        for a in attrs.fields(cls):
            if not a.init:
                continue
            desc = docs.get(a.name) or "**undocumented**"
            row = (
                f"| `{a.name}` | {_cell(_type_text(hints[a.name]))} | "
                f"{_cell(_field_default(cls, a.name, instance))} | {_cell(desc)} |"
            )
            if instance is not None:
                users = [c for c in cs.values() if c.family == table and a.name in parameters(c)]
                row += (
                    " " + (", ".join(f"[{c.id}](controls/{c.id}.md)" for c in users) or "—") + " |"
                )
            lines.append(row)
        lines.append("")
    return "\n".join(lines)


# -- all outputs ------------------------------------------------------------------------------


def render(
    policy: Policy | None = None,
    *,
    controls: Mapping[str, Control] | None = None,
    timestamp: dt.datetime | None = None,
) -> dict[str, str]:
    """Every generated output as ``relative path -> text``.

    Args:
        policy: the policy in force (the default policy when omitted).
        controls: the controls to document (the registry when omitted).
        timestamp: ``last-modified`` of the OSCAL files (``SOURCE_DATE_EPOCH`` or now).

    Returns:
        Paths such as ``controls/O2C-CR-04.md``, ``zh/controls/O2C-CR-04.md``,
        ``controls/rcm.md``, ``controls/rcm.csv``, ``controls/controls.json``.

    Raises:
        InvalidInput: if a control lacks required metadata (see :func:`missing_metadata`).
    """
    policy = policy if policy is not None else _default()
    cs = _controls(controls)
    check_catalogue(cs.values())
    out: dict[str, str] = {}
    for lang, prefix in (("en", "controls/"), ("zh", "zh/controls/")):
        out[prefix + "index.md"] = _index_page(cs, policy, lang)
        out[prefix + "rcm.md"] = _rcm_page(cs, policy, lang)
        out[prefix + "by-stage.md"] = _by_stage(cs, policy, lang)
        out[prefix + "by-g9.md"] = _by_g9(cs, policy, lang)
        out[prefix + "by-assertion.md"] = _by_assertion(cs, policy, lang)
        out[prefix + "by-coso.md"] = _by_coso(cs, policy, lang)
        out[prefix + "gaps.md"] = _gaps(cs, policy, lang)
        for c in cs.values():
            out[f"{prefix}{c.id}.md"] = _control_page(c, policy, lang)
    out["controls/rcm.csv"] = _rcm_csv(rcm_rows(policy, cs))
    dump = {"ensure_ascii": False, "indent": 2}
    out["controls/controls.json"] = json.dumps(controls_json(policy, cs), **dump) + "\n"  # type: ignore[arg-type]
    out["controls/oscal-catalog.json"] = (
        json.dumps(oscal_catalog(cs, timestamp=timestamp), **dump) + "\n"  # type: ignore[arg-type]
    )
    out["controls/oscal-component-definition.json"] = (
        json.dumps(oscal_component_definition(policy, cs, timestamp=timestamp), **dump) + "\n"  # type: ignore[arg-type]
    )
    return out


def write(
    out_dir: str | Path,
    policy: Policy | None = None,
    *,
    controls: Mapping[str, Control] | None = None,
    timestamp: dt.datetime | None = None,
) -> tuple[Path, ...]:
    """Write :func:`render`'s outputs, plus ``policy-reference.md``, under ``out_dir``.

    ``rcm.csv`` is written with a UTF-8 byte-order mark so spreadsheet programs show the
    Chinese text. Control pages left over from an earlier run for a control that no longer
    exists are removed.

    Returns:
        The files written.

    Raises:
        InvalidInput: if a control lacks required metadata, or ``out_dir`` cannot be written.
    """
    root = Path(out_dir)
    pages = render(policy, controls=controls, timestamp=timestamp)
    pages["policy-reference.md"] = "# Policy file reference\n\n" + policy_reference(controls) + "\n"
    written = []
    try:
        for rel, content in sorted(pages.items()):
            path = root / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            encoding = "utf-8-sig" if rel.endswith(".csv") else "utf-8"
            path.write_text(content, encoding=encoding, newline="")
            written.append(path)
        for sub in ("controls", "zh/controls"):
            for old in (root / sub).glob("O2C-*.md"):
                if f"{sub}/{old.name}" not in pages:
                    old.unlink()
    except OSError as e:
        raise InvalidInput(
            f"cannot write the documentation: {e.strerror}", path=str(root)
        ) from None
    return tuple(written)


# -- CLI ----------------------------------------------------------------------------------------


def _cmd_docs(args: argparse.Namespace, out: Any, err: Any) -> int:
    from salesctl.cli import EXIT_ALLOW, EXIT_BAD_INPUT
    from salesctl.policy import load_policy

    try:
        policy = load_policy(args.policy) if args.policy else _default()
        stamp = None
        if args.timestamp:
            try:
                stamp = dt.datetime.fromisoformat(args.timestamp)
            except ValueError:
                raise InvalidInput(
                    "is not an ISO 8601 date-time", path="--timestamp", value=args.timestamp
                ) from None
        files = write(args.out, policy, timestamp=stamp)
    except SalesctlError as e:
        print(f"salesctl: {e}", file=err)
        return EXIT_BAD_INPUT
    print(f"wrote {len(files)} files to {args.out} (policy {policy.name!r})", file=out)
    return EXIT_ALLOW


def register(subparsers: Any) -> None:
    """Add ``salesctl docs --policy FILE --out DIR`` to the CLI."""
    p = subparsers.add_parser(
        "docs", help="generate the control documentation (pages, RCM, controls.json, OSCAL)"
    )
    p.add_argument("--policy", help="policy file (TOML); default policy when omitted")
    p.add_argument("--out", required=True, metavar="DIR", help="output folder")
    p.add_argument(
        "--timestamp",
        help="last-modified of the OSCAL files, ISO 8601 with offset (default: SOURCE_DATE_EPOCH or now)",
    )
    p.set_defaults(func=_cmd_docs)
