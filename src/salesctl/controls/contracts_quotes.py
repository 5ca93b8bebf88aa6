"""The seed passages the contract controls implement, quoted word for word (O2C-CT-01 to
O2C-CT-05's ``seed_quotes``: ``(seed, Chinese original, English rendering)`` triples), and
how O2C-CT-01 and O2C-CT-04 read their seeds (``READINGS``, their ``seed_readings``), kept
beside :mod:`salesctl.controls.contracts` so that the family module stays under the size cap."""

from __future__ import annotations

__all__ = ["CT_01", "CT_02", "CT_03", "CT_04", "CT_05", "READINGS"]

#: O2C-CT-01.
CT_01: tuple[tuple[str, str, str], ...] = (
    (
        "S-IC 4.1",
        "在产品销售过程中,对于即时清结的现款现货部分,分(子)公司可根据实际情况,决定是否签订销售合同。",
        "In selling products, for the cash-and-carry part settled on the spot, the subsidiary may decide, as circumstances require, whether to sign a sales contract.",
    ),
    ("S-K1 3", "销售产品必须签订文本合同,", "Products are sold only under a written contract."),
)

#: O2C-CT-02.
CT_02: tuple[tuple[str, str, str], ...] = (
    (
        "S-IC 4.1",
        "对示范合同文本条款进行文字性修改的,经同级法律事务部门(岗位)审核;进行实质性修改的,报法律事务部审核。",
        "Wording changes to the template contract's terms are reviewed by the legal function at the same level; substantive changes go to the head-office legal department.",
    ),
)

#: O2C-CT-03.
CT_03: tuple[tuple[str, str, str], ...] = (
    (
        "S-K1 2",
        "合同申报单以公司销售政策为依据,由销售业务科根据订单意向填报,销售经理审签,总经理签批。",
        "The contract application, based on the company's sales policy, is filled in by the sales section from the order intention, signed by the sales manager and approved by the general manager.",
    ),
    (
        "S-K1 3",
        "合同以合同申报单为依据,销售部主管,财务部会签;",
        "The contract follows the contract application; the sales department is in charge and finance co-signs.",
    ),
)

#: O2C-CT-04.
CT_04: tuple[tuple[str, str, str], ...] = (
    (
        "S-K1 4",
        "销售部业务科、财务部须建立合同台帐,加强合同管理,定期进行用户履约、信用情况分析。",
        "The sales department's business section and finance must each keep a contract ledger, tighten contract management, and regularly analyse customers' performance and credit.",
    ),
    (
        "S-K1 12",
        "每月盘点销售与财务部对合同台帐进行对帐,",
        "Every month, at the count, sales and finance reconcile their contract ledgers.",
    ),
)

#: O2C-CT-05.
CT_05: tuple[tuple[str, str, str], ...] = (
    (
        "S-IC 4.1",
        "由合同签订人员按规定权限对外签订销售合同。",
        "The contract signatory signs the sales contract externally within the set authority.",
    ),
    ("S-K1 3", "合同章由销售业务科负责管理。", "The contract seal is kept by the sales section."),
)

#: How the contract controls read their seeds (their ``seed_readings``), by control id.
READINGS: dict[str, tuple[tuple[str, str, str], ...]] = {
    "O2C-CT-01": (
        (
            "S-K1 3",
            "两份来源不一致：集团手册（S-IC 4.1）允许对即时清结的现款现货部分由分（子）公司决定是否签订合同；合同到提成流程（S-K1 3）要求销售产品必须签订文本合同。本控制按 S-IC 4.1 执行：以策略所列现款现货方式付款且无信用期的交易可不签书面合同。要按 S-K1 3 执行，将策略的 `contracts.cash_and_carry_methods` 设为空。",
            "The seeds disagree: the group manual (S-IC 4.1) lets the subsidiary decide whether to sign a contract for the cash-and-carry part settled on the spot, while the contract-to-commission flow (S-K1 3) sells products only under a written contract. The control follows S-IC 4.1: a sale paid by one of the policy's cash-and-carry methods, with no credit period, may go without a written contract. To follow S-K1 3, set the policy's `contracts.cash_and_carry_methods` empty.",
        ),
    ),
    "O2C-CT-04": (
        (
            "S-K1 4",
            "来源还要求定期进行用户履约、信用情况分析。本控制只核对销售与财务两本合同台帐是否一致；用户履约分析不在本控制范围内，信用情况由信用控制（O2C-CR-02、O2C-CR-03）和应收账款分析（O2C-AR-01）覆盖。",
            "The seed also asks for a regular analysis of customers' performance and credit. The control reconciles the sales and finance contract ledgers only; the analysis of customers' contract performance is not part of it, and credit is covered by the credit controls (O2C-CR-02, O2C-CR-03) and the receivables analysis (O2C-AR-01).",
        ),
    ),
}
