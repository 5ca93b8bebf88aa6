"""Receivables monitoring: overdue escalation, consignment.

Source: the group manual S-IC 9.1 (应收账款核对、分析、催收); the contract flow S-K1 5 (销售、
财务部门每月进行货款回收分析,建立客户信用管理;加强应收货款的清欠,逾期货款采取计息、抵扣提成直至
经济诉讼); the distributor
flow S-YF 11 (铺货3万元(结算价),月底盘点,……期初金额-盘点金额=结算金额,双方财务核对无误后,
在次月5日前将货款打到……指定账户). Guideline 9 art. 5, 10 and 12.

Controls (detective, run by :func:`salesctl.reconcile.run`): O2C-AR-01 (overdue receivables
escalate: interest, commission offset, litigation), O2C-AR-02 (consignment settled monthly and
paid under the ``consignment_terms``, by default day 5 of the next month), O2C-AR-03 (every day, cash and bank receipt
records agree with the accounting vouchers: S-IC 8.1 每日复核……收款记录,并与系统生成的会计凭证
核对); and, preventive on :class:`~salesctl.transactions.RecordReceipt`, O2C-AR-04 (money is
received only into the group's approved settlement accounts: S-IC 5.3 通过中国石化财务有限责任
公司……结算货款). The credit-file reviews (O2C-CR-03) are in :mod:`salesctl.controls.credit`.

"Before the 5th of next month" (次月5日前) is read as *on or before* the 5th; set
``consignment_terms = "day 4 next month"`` (or the old ``pay_by_day = 4``) for the strict
reading. Due dates come from payment terms (:mod:`salesctl.model.terms`): an item is overdue
from the day after its due date.

>>> from salesctl.controls.receivables import ReceivablesPolicy
>>> p = ReceivablesPolicy()
>>> p.interest_after_days, p.commission_offset_after_days, p.litigation_after_days
(30, 90, 180)
>>> str(p.consignment_limit)
'30000.00 CNY'
"""

from __future__ import annotations

import datetime as dt
import itertools
import unicodedata
from collections.abc import Mapping
from typing import Any, ClassVar

from attrs import field, frozen

from salesctl._validators import each, non_negative, person_key, text, tuple_conv, typed
from salesctl.context import Context
from salesctl.control import Assertion, Automation, Control, Examination, Family, Frequency, Kind
from salesctl.decision import Finding, Outcome, finding, make_finding
from salesctl.errors import InvalidInput
from salesctl.model import CreditTerms, day_of_next_month
from salesctl.money import Money
from salesctl.records import (
    ConsignmentCount,
    Period,
    ReceiptRecord,
    ReceiptVoucher,
    ReceivableItem,
    Records,
)
from salesctl.transactions import RecordReceipt, Transaction

__all__ = [
    "FAMILY",
    "ReceivablesPolicy",
    "account_key",
    "check_settlement_account",
    "detect_consignment",
    "detect_overdue_receivables",
    "detect_receipt_vouchers",
    "payment_deadline",
]

_HOLD, _BLOCK = Outcome.HOLD, Outcome.BLOCK


def _days(inst: Any, a: Any, value: Any) -> None:
    typed(int)(inst, a, value)
    non_negative(inst, a, value)


def _opt_days(inst: Any, a: Any, value: Any) -> None:
    if value is not None:
        _days(inst, a, value)


def _day_of_month(inst: Any, a: Any, value: Any) -> None:
    if value is None:
        return
    typed(int)(inst, a, value)
    if not 1 <= value <= 31:
        raise InvalidInput(
            "must be a day of the month between 1 and 31 (clamped to the month's last day)",
            path=f"ReceivablesPolicy.{a.name}",
            value=value,
        )


def _money(inst: Any, a: Any, value: Any) -> None:
    typed(Money)(inst, a, value)
    non_negative(inst, a, value)


def account_key(account: str) -> str:
    """The form in which account ids are compared (O2C-AR-03, O2C-AR-04): Unicode NFKC
    (full-width digits and letters become ASCII), without spaces and hyphens, case-folded as
    person ids are. Any other character stays, so a look-alike id does not match.

    Remembered per account text (every receipt's check compares its account with each
    settlement account: the same few texts again and again); :func:`_account_key` works it out.

    >>> account_key(" fc-0001 2345 ") == account_key("FC00012345")
    True
    >>> account_key("FC0001\u200b2345") == account_key("FC00012345")
    False
    """
    key = _ACCOUNT_KEYS.get(account) if type(account) is str else None
    if key is None:
        key = _account_key(account)
        if type(account) is str:
            if len(_ACCOUNT_KEYS) >= _ACCOUNT_KEYS_MAX:
                _ACCOUNT_KEYS.clear()
            _ACCOUNT_KEYS[account] = key
    return key


#: :func:`account_key` of the account texts seen last (at most ``_ACCOUNT_KEYS_MAX``, then it
#: starts again).
_ACCOUNT_KEYS: dict[str, str] = {}
_ACCOUNT_KEYS_MAX = 4096


def _account_key(account: str) -> str:
    """:func:`account_key` worked out."""
    flat = unicodedata.normalize("NFKC", account)
    flat = "".join(ch for ch in flat if not ch.isspace() and ch != "-")
    return person_key(flat)


def _accounts(inst: Any, a: Any, value: Any) -> None:
    each(str)(inst, a, value)
    for i, acct in enumerate(value):
        if not account_key(acct):
            raise InvalidInput(
                "must name an account",
                path=f"ReceivablesPolicy.settlement_accounts[{i}]",
                value=acct,
            )


@frozen
class ReceivablesPolicy:
    """Parameters of the receivables family (``[receivables]`` in the policy file).

    Attributes:
        interest_after_days: days past due after which overdue interest is charged
            (O2C-AR-01; ``None``: step not used).
        commission_offset_after_days: days past due after which the item is set against the
            salesperson's commission (``None``: step not used).
        litigation_after_days: days past due after which legal action starts (``None``: step
            not used).
        litigation_min_amount: the open amount from which legal action is required.
        collection_role: who follows up interest and commission offsets (O2C-AR-01).
        litigation_role: who decides on legal action (O2C-AR-01).
        consignment_limit: the most consignment stock placed with a distributor, at settlement
            price (O2C-AR-02; the seed's 铺货3万元).
        consignment_terms: the payment terms of a consignment settlement, from the month end
            counted (O2C-AR-02; the seed's 次月5日前: ``day_of_next_month(5)``).
        pay_by_day: the old form of ``consignment_terms``: the day of the next month by which
            the settlement is paid, read as ``day_of_next_month(pay_by_day)`` (``None``: not
            given; once read it is folded into ``consignment_terms`` and reads ``None``).
        settlement_role: who follows up consignment settlements (O2C-AR-02).
        follow_up_level: the authority level of the follow-up roles above.
        voucher_within_days: days after a receipt's value date by which its accounting voucher
            is posted (O2C-AR-03; 0: the same day, S-IC 8.1 每日复核).
        receipt_role: who resolves a receipt record that does not agree with its voucher
            (O2C-AR-03).
        settlement_accounts: the group's approved settlement accounts (the finance company,
            the settlement centre: S-IC 5.3); a receipt into any other account is blocked, and
            once any are listed so is a receipt naming none (O2C-AR-04). Compared in one
            canonical form (:func:`account_key`). Empty by default (the accounts are the
            group's own): then no account is approved, and only a receipt that names none (a
            host that does not report accounts) passes.
    """

    interest_after_days: int | None = field(default=30, validator=_opt_days)
    commission_offset_after_days: int | None = field(default=90, validator=_opt_days)
    litigation_after_days: int | None = field(default=180, validator=_opt_days)
    litigation_min_amount: Money = field(default=Money("50000", "CNY"), validator=_money)
    collection_role: str = field(default="finance_head", validator=text)
    litigation_role: str = field(default="general_manager", validator=text)
    consignment_limit: Money = field(default=Money("30000", "CNY"), validator=_money)
    consignment_terms: CreditTerms = field(
        default=day_of_next_month(5), validator=typed(CreditTerms)
    )
    pay_by_day: int | None = field(default=None, validator=_day_of_month)
    settlement_role: str = field(default="finance_head", validator=text)
    follow_up_level: int = field(default=3, validator=_days)
    # issue 14: receipts
    voucher_within_days: int = field(default=0, validator=_days)
    receipt_role: str = field(default="finance_head", validator=text)
    settlement_accounts: tuple[str, ...] = field(
        default=(), converter=tuple_conv, validator=_accounts
    )

    def __attrs_post_init__(self) -> None:
        if self.pay_by_day is not None:
            legacy = day_of_next_month(self.pay_by_day)
            if self.consignment_terms not in (legacy, day_of_next_month(5)):
                raise InvalidInput(
                    f"contradicts consignment_terms ({self.consignment_terms}): set one of them",
                    path="pay_by_day",
                    value=self.pay_by_day,
                )
            object.__setattr__(self, "consignment_terms", legacy)
            object.__setattr__(self, "pay_by_day", None)
        steps = [
            ("interest_after_days", self.interest_after_days),
            ("commission_offset_after_days", self.commission_offset_after_days),
            ("litigation_after_days", self.litigation_after_days),
        ]
        used = [(n, d) for n, d in steps if d is not None]
        for (_, a), (name, b) in itertools.pairwise(used):
            if b < a:
                raise InvalidInput(
                    "escalation steps must not come before the earlier ones "
                    "(interest ≤ commission offset ≤ litigation)",
                    path=name,
                    value=b,
                )

    #: The controls each field sets (see :mod:`salesctl.controls.weakening`).
    AFFECTS: ClassVar[Mapping[str, tuple[str, ...]]] = {
        "interest_after_days": ("O2C-AR-01",),
        "commission_offset_after_days": ("O2C-AR-01",),
        "litigation_after_days": ("O2C-AR-01",),
        "litigation_min_amount": ("O2C-AR-01",),
        "collection_role": ("O2C-AR-01",),
        "litigation_role": ("O2C-AR-01",),
        "consignment_limit": ("O2C-AR-02",),
        "consignment_terms": ("O2C-AR-02",),
        "pay_by_day": ("O2C-AR-02",),
        "settlement_role": ("O2C-AR-02",),
        "follow_up_level": ("O2C-AR-01", "O2C-AR-02", "O2C-AR-03"),
        "voucher_within_days": ("O2C-AR-03",),
        "receipt_role": ("O2C-AR-03",),
        "settlement_accounts": ("O2C-AR-04",),
    }


def _plus(day: dt.date, days: int) -> dt.date:
    return day + dt.timedelta(days=days)


# -- O2C-AR-01 --------------------------------------------------------------------------------


def _open_at(item: ReceivableItem, day: dt.date) -> bool:
    return item.settled_on is None or item.settled_on > day


def detect_overdue_receivables(
    records: Records, period: Period, policy: ReceivablesPolicy
) -> Examination:
    """O2C-AR-01: overdue receivables escalate — interest, commission offset, litigation.

    Ages every receivable item open at the period end (the population reviewed, counted in
    ``tested``: the aged list, current items included). For each escalation step in use, an
    item whose step deadline (due date + the step's days) falls in the period and whose step
    was not taken by the period end is a HOLD (interest and offset for the collection role,
    litigation — only from ``litigation_min_amount`` — for the litigation role).
    """
    steps: list[tuple[str, int, str]] = []
    if policy.interest_after_days is not None:
        steps.append(("interest", policy.interest_after_days, policy.collection_role))
    if policy.commission_offset_after_days is not None:
        steps.append(
            ("commission_offset", policy.commission_offset_after_days, policy.collection_role)
        )
    if policy.litigation_after_days is not None:
        steps.append(("litigation", policy.litigation_after_days, policy.litigation_role))
    tested: set[str] = set()
    out: list[Finding] = []
    for item in sorted(records.receivables, key=lambda r: r.item_id):
        if not _open_at(item, period.end):
            continue
        if item.issued_on is None or item.issued_on <= period.end:
            tested.add(item.item_id)
        for name, days, role in steps:
            deadline = _plus(item.due, days)
            if deadline not in period:
                continue
            taken: dt.date | None = {
                "interest": item.interest_charged_on,
                "commission_offset": item.commission_offset_on,
                "litigation": item.litigation_on,
            }[name]
            open_amount = item.outstanding
            if name == "litigation":
                floor = policy.litigation_min_amount
                if floor.currency != open_amount.currency:
                    tested.add(item.item_id)
                    out.append(
                        make_finding(
                            "O2C-AR-01",
                            _BLOCK,
                            "receivables.currency",
                            item.item_id,
                            params={"item": item.item_id, "currency": open_amount.currency},
                            facts={"open_amount": open_amount, "threshold": floor},
                        )
                    )
                    continue
                if open_amount < floor:
                    continue
            tested.add(item.item_id)
            if taken is not None and taken <= period.end:
                continue
            out.append(
                make_finding(
                    "O2C-AR-01",
                    _HOLD,
                    f"receivables.{name}_not_taken",
                    item.item_id,
                    params={
                        "item": item.item_id,
                        "customer": item.customer_id,
                        "days": (period.end - item.due).days,
                        "amount": open_amount,
                    },
                    facts={
                        "step": name,
                        "due_on": item.due,
                        "step_deadline": deadline,
                        "days_overdue": (period.end - item.due).days,
                        "open_amount": open_amount,
                        "salesperson": item.salesperson or "-",
                        "taken_on": taken or "not taken",
                    },
                    role=role,
                    level=policy.follow_up_level,
                )
            )
    return Examination(len(tested), tuple(out))


# -- O2C-AR-02 --------------------------------------------------------------------------------


def payment_deadline(count: ConsignmentCount, policy: ReceivablesPolicy) -> dt.date:
    """The day by which ``count``'s settlement must be paid: the ``consignment_terms``' due
    date from the month end counted (by default day 5 of the next month; paid *on* it is on
    time)."""
    return policy.consignment_terms.due_date(count.period_end)


def detect_consignment(records: Records, period: Period, policy: ReceivablesPolicy) -> Examination:
    """O2C-AR-02: consignment counts settle at opening − counted, confirmed, paid on time.

    Tests the counts made in the period (stock above ``consignment_limit``, a settlement that
    is not opening − counted, a count not confirmed by both finance departments: HOLD) and the
    counts whose payment deadline falls in the period (settlement not paid in full by the
    deadline: HOLD).
    """
    tested: set[str] = set()
    out: list[Finding] = []
    role, level = policy.settlement_role, policy.follow_up_level
    for c in sorted(records.consignment_counts, key=lambda c: (c.period_end, c.count_id)):
        if c.period_end in period:
            tested.add(c.count_id)
            limit = policy.consignment_limit
            if limit.currency != c.opening.currency:
                out.append(
                    make_finding(
                        "O2C-AR-02",
                        _BLOCK,
                        "receivables.currency",
                        c.count_id,
                        params={"item": c.count_id, "currency": c.opening.currency},
                        facts={"opening": c.opening, "threshold": limit},
                    )
                )
            elif c.opening > limit:
                out.append(
                    make_finding(
                        "O2C-AR-02",
                        _HOLD,
                        "receivables.consignment_over_limit",
                        c.count_id,
                        params={"customer": c.customer_id, "opening": c.opening, "limit": limit},
                        facts={"opening": c.opening, "limit": limit},
                        role=role,
                        level=level,
                    )
                )
            expected = c.opening.amount - c.counted.amount
            if c.settlement.amount != expected:
                out.append(
                    make_finding(
                        "O2C-AR-02",
                        _HOLD,
                        "receivables.settlement_mismatch",
                        c.count_id,
                        params={
                            "count": c.count_id,
                            "settlement": c.settlement,
                            "expected": Money(expected, c.opening.currency),
                        },
                        facts={
                            "opening": c.opening,
                            "counted": c.counted,
                            "expected": Money(expected, c.opening.currency),
                            "settlement": c.settlement,
                        },
                        role=role,
                        level=level,
                    )
                )
            if not c.confirmed:
                out.append(
                    make_finding(
                        "O2C-AR-02",
                        _HOLD,
                        "receivables.settlement_unconfirmed",
                        c.count_id,
                        params={"count": c.count_id, "customer": c.customer_id},
                        facts={"period_end": c.period_end, "settlement": c.settlement},
                        role=role,
                        level=level,
                    )
                )
        deadline = payment_deadline(c, policy)
        if deadline in period and c.settlement:
            tested.add(c.count_id)
            on_time = (
                c.paid is not None
                and c.paid_on is not None
                and c.paid_on <= deadline
                and c.paid >= c.settlement
            )
            if not on_time:
                out.append(
                    make_finding(
                        "O2C-AR-02",
                        _HOLD,
                        "receivables.settlement_unpaid",
                        c.count_id,
                        params={
                            "count": c.count_id,
                            "customer": c.customer_id,
                            "settlement": c.settlement,
                            "deadline": deadline,
                        },
                        facts={
                            "settlement": c.settlement,
                            "paid": c.paid or "nothing",
                            "paid_on": c.paid_on or "-",
                            "deadline": deadline,
                        },
                        role=role,
                        level=level,
                    )
                )
    return Examination(len(tested), tuple(out))


# -- the family -------------------------------------------------------------------------------

_A = Assertion
_D = Kind.DETECTIVE
_M = Frequency.MONTHLY

CONTROLS: tuple[Control, ...] = (
    Control(
        id="O2C-AR-01",
        version=2,
        customer_partitionable=True,
        title_zh="逾期货款计息、抵扣提成直至诉讼",
        title_en="Receivables aged monthly; overdue items escalate: interest, commission offset, litigation",
        objective_zh="逾期应收账款按规定逐级清欠，减少坏账。",
        objective_en="Overdue receivables are pursued step by step, limiting bad debts.",
        activity_zh="销售、财务每月分析货款回收：逾期 {interest_after_days} 天计息，{commission_offset_after_days} 天抵扣业务员提成，{litigation_after_days} 天且未收金额 ≥ {litigation_min_amount} 提起诉讼；未按期采取措施的由 {collection_role} / {litigation_role} 跟进。",
        activity_en="Monthly, sales and finance age receivables: {interest_after_days} days overdue → interest charged, {commission_offset_after_days} days → set against the salesperson's commission, {litigation_after_days} days and open ≥ {litigation_min_amount} → legal action; steps not taken are followed up by {collection_role} / {litigation_role}.",
        risks=("R1.3", "R2.1"),
        kind=_D,
        frequency=_M,
        key=False,
        automation=Automation.IT_DEPENDENT,
        assertions=(_A.VALUATION, _A.RIGHTS_AND_OBLIGATIONS),
        seeds=("S-K1 5", "S-IC 9.1"),
        seed_quotes=(
            (
                "S-K1 5",
                "销售、财务部门每月进行货款回收分析,建立客户信用管理;加强应收货款的清欠,逾期货款采取计息、抵扣提成直至经济诉讼。",
                "Sales and finance analyse collections every month and build customer credit management; they press the recovery of receivables, and overdue amounts are pursued by charging interest, by setting them against commission, up to legal action.",
            ),
            (
                "S-IC 9.1",
                "应收账款核对、分析、催收,参见《7.1应收款项管理业务流程》控制点3.2、3.3、4.1、5.1。",
                "Receivables are reconciled, analysed and collected: see control points 3.2, 3.3, 4.1 and 5.1 of process 7.1, receivables management.",
            ),
        ),
        g9=(10,),
        stage="collection",
        owner="sales department and finance / 销售、财务部门",
        evidence="monthly ageing with the escalation step taken per overdue item / 每月账龄分析，注明每笔逾期款项已采取的清欠措施",
        detect=detect_overdue_receivables,
        detect_at={_M},
        messages={
            "receivables.interest_not_taken": (
                "应收 {item}（客户 {customer}）逾期 {days} 天，未计收逾期利息（{amount}）",
                "receivable {item} of {customer} is {days} days overdue ({amount}) and no interest was charged",
            ),
            "receivables.commission_offset_not_taken": (
                "应收 {item}（客户 {customer}）逾期 {days} 天，未抵扣业务提成（{amount}）",
                "receivable {item} of {customer} is {days} days overdue ({amount}) and was not set against commission",
            ),
            "receivables.litigation_not_taken": (
                "应收 {item}（客户 {customer}）逾期 {days} 天、金额 {amount}，未提起诉讼",
                "receivable {item} of {customer} is {days} days overdue ({amount}) and no legal action was started",
            ),
            "receivables.currency": (
                "{item} 的币种 {currency} 与策略阈值不同，无法比较（失败关闭）",
                "{item} is in {currency}, not the policy threshold's currency: cannot compare (fails closed)",
            ),
        },
    ),
    Control(
        id="O2C-AR-02",
        version=2,
        customer_partitionable=True,
        title_zh="铺货月底盘点结算",
        title_en="Consignment stock settled monthly: the settlement is the opening stock less the count, paid by the 5th of next month",
        objective_zh="铺货商品的销售及时、准确结算收款。",
        objective_en="Consignment sales are settled and paid accurately and on time.",
        activity_zh="铺货不超过 {consignment_limit}（结算价）；月底盘点，以期初金额减盘点金额为结算金额，双方财务核对确认，按结算账期（{consignment_terms}，默认次月 5 日）前付款；不符的由 {settlement_role} 跟进。",
        activity_en="Consignment stock up to {consignment_limit} (settlement price); counted at month end, the settlement being the opening amount less the counted amount, confirmed by both finance departments, paid by the due date of the settlement terms ({consignment_terms}; by default day 5 of the next month); exceptions followed up by {settlement_role}.",
        risks=("R1.3", "R2.1"),
        kind=_D,
        frequency=_M,
        key=False,
        automation=Automation.IT_DEPENDENT,
        assertions=(_A.OCCURRENCE, _A.ACCURACY, _A.VALUATION, _A.CUTOFF),
        seeds=("S-YF 11",),
        seed_quotes=(
            (
                "S-YF 11",
                "铺货3万元(结算价),月底盘点,并将盘点表传至颐福财务,期初金额一盘点金额二结算金额,双方财务核对无误后,在次月5日前将货款打到颐福公司指定账户。",
                "Consignment stock of 30,000 yuan (at settlement price) is counted at the month end and the count sheet sent to Yifu's finance; the opening amount less the counted amount is the settlement amount (the seed's 一 and 二 stand for minus and equals); once both finance departments have checked it, the money is paid into Yifu's designated account before the 5th of the next month.",
            ),
        ),
        seed_readings=(
            (
                "S-YF 11",
                '“次月5日前”读作“次月5日当日或之前”：5日当天付款视为按期。要读作“5日之前”（最迟4日），将策略的 `receivables.consignment_terms` 设为 `"day 4 next month"`。',
                '“Before the 5th of next month” (次月5日前) is read as on or before the 5th: a payment on the 5th is on time. For the strict reading (the 4th at the latest), set the policy\'s `receivables.consignment_terms = "day 4 next month"`.',
            ),
        ),
        g9=(5, 12),
        stage="collection",
        owner="finance of both companies / 分销财务、颐福财务",
        evidence="monthly count sheet, settlement statement with both confirmations, payment record / 每月盘点表、双方确认的结算单、付款记录",
        detect=detect_consignment,
        detect_at={_M},
        messages={
            "receivables.consignment_over_limit": (
                "经销商 {customer} 铺货期初金额 {opening} 超过限额 {limit}",
                "consignment stock with {customer} of {opening} exceeds the limit of {limit}",
            ),
            "receivables.settlement_mismatch": (
                "盘点 {count} 结算金额 {settlement} ≠ 期初−盘点 {expected}",
                "count {count}: settlement {settlement} is not opening − counted ({expected})",
            ),
            "receivables.settlement_unconfirmed": (
                "盘点 {count}（经销商 {customer}）未经双方财务核对确认",
                "count {count} ({customer}) was not confirmed by both finance departments",
            ),
            "receivables.settlement_unpaid": (
                "盘点 {count}（经销商 {customer}）结算金额 {settlement} 未在 {deadline} 前付清",
                "count {count} ({customer}): settlement {settlement} was not paid in full by {deadline}",
            ),
        },
    ),
)

# -- issue 14: receipts (O2C-AR-03, O2C-AR-04) -------------------------------------------------


def _voucher_facts(v: ReceiptVoucher, recs: list[ReceiptRecord]) -> dict[str, Any]:
    return {
        "voucher": v.voucher_id,
        "posted_on": v.posted_on,
        "voucher_amount": v.amount,
        "records": ", ".join(r.record_id for r in recs) or "none",
        "records_amount": ", ".join(str(r.amount) for r in recs) or "none",
    }


def detect_receipt_vouchers(
    records: Records, period: Period, policy: ReceivablesPolicy
) -> Examination:
    """O2C-AR-03: every day, cash and bank receipt records agree with the accounting vouchers.

    A receipt record (cash or bank journal line) names the voucher it was booked under. Tests
    the records whose deadline (value date + ``voucher_within_days``) falls in the period — one
    naming no voucher, or a voucher not posted by the deadline, is a HOLD — and the vouchers
    posted in the period: a voucher no record refers to, one whose amount differs from the
    records booked under it (to the cent), or whose account differs from theirs, is a HOLD; an
    amount in another currency cannot be compared (BLOCK, fails closed).
    """
    lag = dt.timedelta(days=policy.voucher_within_days)
    vouchers: dict[str, ReceiptVoucher] = {}
    for v in sorted(records.receipt_vouchers, key=lambda v: (v.posted_on, v.voucher_id)):
        vouchers.setdefault(v.voucher_id, v)
    booked: dict[str, list[ReceiptRecord]] = {}
    for r in sorted(records.receipt_records, key=lambda r: (r.received_on, r.record_id)):
        if r.voucher_id is not None:
            booked.setdefault(r.voucher_id, []).append(r)
    role, level = policy.receipt_role, policy.follow_up_level
    out: list[Finding] = []
    tested = 0
    for r in sorted(records.receipt_records, key=lambda r: (r.received_on, r.record_id)):
        deadline = r.received_on + lag
        if deadline not in period:
            continue
        tested += 1
        found = vouchers.get(r.voucher_id) if r.voucher_id is not None else None
        if found is not None and found.posted_on <= deadline:
            continue
        out.append(
            make_finding(
                "O2C-AR-03",
                _HOLD,
                "receipts.no_voucher",
                r.record_id,
                params={"record": r.record_id, "amount": r.amount, "deadline": deadline},
                facts={
                    "channel": r.channel.value,
                    "account": r.account,
                    "received_on": r.received_on,
                    "amount": r.amount,
                    "voucher": r.voucher_id or "none",
                    "voucher_posted_on": found.posted_on if found is not None else "not posted",
                    "deadline": deadline,
                },
                role=role,
                level=level,
            )
        )
    for v in vouchers.values():
        if v.posted_on not in period:
            continue
        tested += 1
        recs = booked.get(v.voucher_id, [])
        doc = v.voucher_id
        params = {"voucher": v.voucher_id, "amount": v.amount}
        if not recs:
            out.append(
                make_finding(
                    "O2C-AR-03",
                    _HOLD,
                    "receipts.no_record",
                    doc,
                    params=params,
                    facts=_voucher_facts(v, recs),
                    role=role,
                    level=level,
                )
            )
            continue
        if any(r.amount.currency != v.amount.currency for r in recs):
            out.append(
                make_finding(
                    "O2C-AR-03",
                    _BLOCK,
                    "receipts.currency",
                    doc,
                    params={"voucher": v.voucher_id, "currency": v.amount.currency},
                    facts=_voucher_facts(v, recs),
                )
            )
            continue
        total = sum((r.amount.amount for r in recs), start=v.amount.amount * 0)
        if total != v.amount.amount:
            out.append(
                make_finding(
                    "O2C-AR-03",
                    _HOLD,
                    "receipts.amount_differs",
                    doc,
                    params={**params, "recorded": Money(total, v.amount.currency)},
                    facts=_voucher_facts(v, recs),
                    role=role,
                    level=level,
                )
            )
            continue
        if v.account is not None and any(
            account_key(r.account) != account_key(v.account) for r in recs
        ):
            out.append(
                make_finding(
                    "O2C-AR-03",
                    _HOLD,
                    "receipts.account_differs",
                    doc,
                    params={"voucher": v.voucher_id, "account": v.account},
                    facts={
                        **_voucher_facts(v, recs),
                        "voucher_account": v.account,
                        "record_accounts": ", ".join(r.account for r in recs),
                    },
                    role=role,
                    level=level,
                )
            )
    return Examination(tested, tuple(out))


def check_settlement_account(
    txn: Transaction, ctx: Context, policy: ReceivablesPolicy
) -> tuple[Finding, ...]:
    """O2C-AR-04 (preventive): money is received only into an approved settlement account.

    ``RecordReceipt``: a receipt into an account that is not one of ``settlement_accounts``
    (compared by :func:`account_key`) is a BLOCK — no approval makes another account the
    group's; with none listed, no account is approved. Once accounts are listed, a receipt that
    names none is a BLOCK too (fails closed); with none listed it passes (the host reports no
    accounts).
    """
    assert isinstance(txn, RecordReceipt)
    approved = policy.settlement_accounts
    r = txn.receipt
    if r.account is None:
        if not approved:
            return ()
        return (
            finding(
                "O2C-AR-04",
                _BLOCK,
                "receipts.no_account",
                params={"receipt": r.id, "customer": r.customer_id},
                facts={"receipt": r.id, "amount": r.amount, "approved": ", ".join(approved)},
            ),
        )
    key = account_key(r.account)
    if any(account_key(a) == key for a in approved):
        return ()
    return (
        finding(
            "O2C-AR-04",
            _BLOCK,
            "receipts.unapproved_account",
            params={"receipt": r.id, "account": r.account},
            facts={
                "receipt": r.id,
                "customer": r.customer_id,
                "amount": r.amount,
                "account": r.account,
                "approved": ", ".join(approved) or "none listed",
            },
        ),
    )


CONTROLS += (
    Control(
        id="O2C-AR-03",
        title_zh="收款记录与会计凭证每日核对",
        title_en="Daily: cash and bank receipt records agree with the accounting vouchers",
        objective_zh="每笔收款均已入账且金额、账户相符，不截留、不虚记货款。",
        objective_en="Every receipt is booked, for its amount and account, and no voucher records money that was not received.",
        activity_zh="财务会计每日复核现金、银行收款记录，与系统生成的会计凭证逐笔核对：收款在 {voucher_within_days} 天内须有凭证，凭证须有收款记录，金额（精确到分）与账户一致；不符的由 {receipt_role} 查明处理。",
        activity_en="Every day the accountant compares the cash and bank receipt records with the system's accounting vouchers one by one: each receipt has a voucher within {voucher_within_days} days, each voucher a receipt record, with the same amount (to the cent) and account; differences are resolved by {receipt_role}.",
        risks=("R2.1", "R2.2"),
        kind=_D,
        frequency=Frequency.DAILY,
        key=False,
        automation=Automation.IT_DEPENDENT,
        assertions=(_A.OCCURRENCE, _A.COMPLETENESS, _A.ACCURACY),
        seeds=("S-IC 8.1",),
        seed_quotes=(
            (
                "S-IC 8.1",
                "财务部门相关会计人员每日复核已开具的销售发票等有关凭据和收款记录,并与系统生成的会计凭证核对。",
                "Finance's accountants review daily the sales invoices issued, the related documents and the receipt records, and check them against the accounting vouchers the system generated.",
            ),
        ),
        g9=(10, 12),
        stage="collection",
        owner="finance: accountant and cashier / 财务部门会计、出纳",
        evidence="daily list of receipt records matched to vouchers, with the differences resolved / 每日收款记录与会计凭证核对清单及差异处理",
        detect=detect_receipt_vouchers,
        detect_at={Frequency.DAILY},
        messages={
            "receipts.no_voucher": (
                "收款记录 {record}（{amount}）至 {deadline} 未有相符的会计凭证",
                "receipt record {record} ({amount}) has no accounting voucher by {deadline}",
            ),
            "receipts.no_record": (
                "会计凭证 {voucher}（{amount}）无对应的现金或银行收款记录",
                "voucher {voucher} ({amount}) has no cash or bank receipt record",
            ),
            "receipts.amount_differs": (
                "会计凭证 {voucher} 金额 {amount} 与收款记录 {recorded} 不符",
                "voucher {voucher} is for {amount} but the receipt records show {recorded}",
            ),
            "receipts.account_differs": (
                "会计凭证 {voucher} 的账户 {account} 与收款记录的账户不符",
                "voucher {voucher} names account {account}, not the account of its receipt records",
            ),
            "receipts.currency": (
                "会计凭证 {voucher}（{currency}）与收款记录币种不同，无法核对（失败关闭）",
                "voucher {voucher} ({currency}) and its receipt records are in different currencies: cannot compare (fails closed)",
            ),
        },
    ),
    Control(
        id="O2C-AR-04",
        title_zh="货款进入集团结算账户",
        title_en="Receipts only into the group's approved settlement accounts (finance company, settlement centre)",
        objective_zh="货款只进入集团批准的结算账户，防止截留、挪用。",
        objective_en="Customer money goes only into the group's approved settlement accounts, so it cannot be diverted or withheld.",
        activity_zh="录入收款时系统核对收款账户属于批准的结算账户（{settlement_accounts}）；进入其他账户的收款一律阻止，已列明结算账户时未注明账户的收款亦阻止。",
        activity_en="When a receipt is recorded the system checks that the account credited is an approved settlement account ({settlement_accounts}); a receipt into any other account is blocked, and once accounts are listed so is one naming none.",
        risks=("R1.3", "R2.1"),
        kind=Kind.PREVENTIVE,
        frequency=Frequency.PER_TRANSACTION,
        key=False,
        automation=Automation.AUTOMATED,
        assertions=(_A.RIGHTS_AND_OBLIGATIONS, _A.OCCURRENCE),
        seeds=("S-IC 5.3",),
        seed_quotes=(
            (
                "S-IC 5.3",
                "纳入中国石化财务有限责任公司统一结算并销售中国石化系统内部单位的产品,由财务部门审核发票等相关凭据后,通过中国石化财务有限责任公司在结算期内结算货款;",
                "For products settled through Sinopec Finance Co. and sold to units within the Sinopec system, finance reviews the invoices and documents and settles the price through Sinopec Finance Co. within the settlement period.",
            ),
        ),
        g9=(10,),
        stage="collection",
        owner="finance / 财务部门",
        evidence="decision log: receipt, account credited, the approved accounts / 决策日志：收款、入账账户、批准的结算账户",
        applies_to=(RecordReceipt.__name__,),
        check=check_settlement_account,
        messages={
            "receipts.no_account": (
                "收款 {receipt}（客户 {customer}）未列明收款账户，无法核对结算账户（失败关闭）",
                "receipt {receipt} ({customer}) names no account: cannot check it is a settlement account (fails closed)",
            ),
            "receipts.unapproved_account": (
                "收款 {receipt} 进入账户 {account}，不是批准的集团结算账户",
                "receipt {receipt} was received into {account}, which is not an approved settlement account",
            ),
        },
    ),
)

FAMILY = Family(
    name="receivables",
    title_zh="应收与信用监控",
    title_en="Receivables and credit monitoring",
    policy_type=ReceivablesPolicy,
    controls=CONTROLS,
)
