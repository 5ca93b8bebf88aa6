"""Receipts (issue 14): O2C-AR-03 (daily, cash and bank receipt records agree with the
accounting vouchers, S-IC 8.1) and O2C-AR-04 (receipts only into the group's approved
settlement accounts, S-IC 5.3)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

import salesctl as sc
from salesctl.controls.receivables import (
    ReceivablesPolicy,
    account_key,
    check_settlement_account,
    detect_receipt_vouchers,
)
from salesctl.errors import InvalidInput, PolicyError
from salesctl.records import Period, ReceiptChannel, ReceiptRecord, ReceiptVoucher, Records
from tests import builders as b
from tests.controls._records import cny, d, outcomes

POLICY = ReceivablesPolicy()
DAY = Period.day(d(2))
APPROVED = ("FC-0001-2026", "JSZX 8800 1234")
WITH_ACCOUNTS = ReceivablesPolicy(settlement_accounts=APPROVED)


def rec(
    id: str = "BK-1",
    amount: str = "60000",
    voucher: str | None = "RC-1",
    day: int = 2,
    **kw: object,
) -> ReceiptRecord:
    values: dict[str, object] = {
        "record_id": id,
        "channel": ReceiptChannel.BANK,
        "account": "FC-0001-2026",
        "received_on": d(day),
        "amount": cny(amount),
        "customer_id": "C-100",
        "voucher_id": voucher,
    }
    values.update(kw)
    return ReceiptRecord(**values)  # type: ignore[arg-type]


def voucher(id: str = "RC-1", amount: str = "60000", day: int = 2, **kw: object) -> ReceiptVoucher:
    values: dict[str, object] = {
        "voucher_id": id,
        "posted_on": d(day),
        "amount": cny(amount),
        "customer_id": "C-100",
    }
    values.update(kw)
    return ReceiptVoucher(**values)  # type: ignore[arg-type]


def run(records: list[ReceiptRecord], vouchers: list[ReceiptVoucher], **kw: object) -> object:
    policy = ReceivablesPolicy(**kw) if kw else POLICY  # type: ignore[arg-type]
    return detect_receipt_vouchers(
        Records(receipt_records=records, receipt_vouchers=vouchers), DAY, policy
    )


class TestAR03DailyVouchers:
    def test_seed_example_record_and_voucher_agree(self) -> None:
        """S-IC 8.1: the day's bank receipt of 60,000.00 has its voucher for 60,000.00."""
        r = run([rec()], [voucher()])
        assert r.tested == 2 and r.findings == ()  # type: ignore[attr-defined]

    def test_one_cent_difference_is_held(self) -> None:
        """The bank shows 59,999.99 against a voucher of 60,000.00: held at the voucher."""
        r = run([rec(amount="59999.99")], [voucher()])
        assert outcomes(r) == [("O2C-AR-03", "HOLD", "RC-1")]
        assert "59999.99" in r.findings[0].text()  # type: ignore[attr-defined]

    def test_record_without_voucher_is_held(self) -> None:
        """Money in the bank with no voucher (S-IC 8.1: 收款记录……与会计凭证核对)."""
        assert outcomes(run([rec(voucher=None)], [])) == [("O2C-AR-03", "HOLD", "BK-1")]
        assert outcomes(run([rec(voucher="RC-9")], [])) == [("O2C-AR-03", "HOLD", "BK-1")]

    def test_voucher_without_record_is_held(self) -> None:
        """A voucher records money no cash or bank record shows."""
        assert outcomes(run([], [voucher()])) == [("O2C-AR-03", "HOLD", "RC-1")]

    def test_several_records_under_one_voucher_are_summed(self) -> None:
        """Two bank lines booked under one voucher agree with it together."""
        r = run([rec("BK-1", "40000"), rec("BK-2", "20000")], [voucher()])
        assert r.findings == ()  # type: ignore[attr-defined]

    def test_voucher_posted_after_the_deadline(self) -> None:
        """Same day by default; a day late is an exception, within ``voucher_within_days`` not."""
        late = voucher(day=3)
        assert outcomes(run([rec()], [late])) == [("O2C-AR-03", "HOLD", "BK-1")]
        r = detect_receipt_vouchers(
            Records(receipt_records=[rec()], receipt_vouchers=[late]),
            Period.day(d(3)),
            ReceivablesPolicy(voucher_within_days=1),
        )
        assert r.findings == ()

    def test_account_differs(self) -> None:
        """The voucher debits another bank account than the one the money arrived in."""
        r = run([rec()], [voucher(account="ICBC-1")])
        assert outcomes(r) == [("O2C-AR-03", "HOLD", "RC-1")]
        assert run([rec()], [voucher(account="fc 0001 2026")]).findings == ()  # type: ignore[attr-defined]

    def test_currency_fails_closed(self) -> None:
        usd = ReceiptVoucher(voucher_id="RC-1", posted_on=d(2), amount=sc.Money("60000", "USD"))
        r = run([rec(amount="60000")], [usd])
        assert outcomes(r) == [("O2C-AR-03", "BLOCK", "RC-1")]

    def test_other_days_are_not_tested(self) -> None:
        r = run([rec(day=3)], [voucher(day=3)])
        assert r.tested == 0  # type: ignore[attr-defined]

    @given(
        cents=st.lists(st.integers(1, 10_000_000), min_size=1, max_size=4),
        delta=st.integers(-1_000_000, 1_000_000).filter(bool),
    )
    def test_property_no_difference_passes(self, cents: list[int], delta: int) -> None:
        """Attacker: however the bank lines are split, a voucher that differs from their sum
        by any amount (a cent or more) is held."""
        records = [rec(f"BK-{i}", str(Decimal(c) / 100)) for i, c in enumerate(cents, start=1)]
        total = sum(cents) + delta
        if total <= 0:
            return
        r = run(records, [voucher(amount=str(Decimal(total) / 100))])
        assert ("O2C-AR-03", "HOLD", "RC-1") in outcomes(r)

    def test_records_validate(self) -> None:
        with pytest.raises(InvalidInput, match=r"ReceiptRecord\.amount"):
            rec(amount="0")


def receipt_txn(account: str | None) -> sc.RecordReceipt:
    return sc.RecordReceipt(receipt=b.receipt(account=account), actor=b.ACCOUNTANT, at=b.AT)


class TestAR04SettlementAccounts:
    def test_seed_example_receipt_into_the_finance_company_passes(self) -> None:
        """S-IC 5.3: paid through the group finance company's settlement account."""
        assert (
            check_settlement_account(receipt_txn("FC-0001-2026"), b.context(), WITH_ACCOUNTS) == ()
        )

    def test_other_account_is_blocked(self) -> None:
        (f,) = check_settlement_account(receipt_txn("ICBC-6222-1"), b.context(), WITH_ACCOUNTS)
        assert (f.control_id, f.outcome, f.message) == (
            "O2C-AR-04",
            sc.Outcome.BLOCK,
            "receipts.unapproved_account",
        )

    def test_no_account_fails_closed(self) -> None:
        (f,) = check_settlement_account(receipt_txn(None), b.context(), WITH_ACCOUNTS)
        assert (f.outcome, f.message) == (sc.Outcome.BLOCK, "receipts.no_account")

    @pytest.mark.parametrize(
        "written", ["fc-0001-2026", " FC 0001 2026 ", "ＦＣ－０００１－２０２６", "jszx88001234"]
    )
    def test_one_canonical_form(self, written: str) -> None:
        """Case, spaces, hyphens and full-width forms name the same account."""
        assert check_settlement_account(receipt_txn(written), b.context(), WITH_ACCOUNTS) == ()

    @pytest.mark.parametrize("written", ["FC-0001-20260", "FC\u200b0001-2026", "FC-0001_2026"])
    def test_look_alikes_are_blocked(self, written: str) -> None:
        (f,) = check_settlement_account(receipt_txn(written), b.context(), WITH_ACCOUNTS)
        assert f.outcome is sc.Outcome.BLOCK

    def test_none_listed_approves_no_account(self) -> None:
        """The accounts are the group's own: with none listed no account is approved, and only
        a receipt that names none (a host not reporting accounts) passes."""
        (f,) = check_settlement_account(receipt_txn("FC-0001-2026"), b.context(), POLICY)
        assert (f.outcome, f.message) == (sc.Outcome.BLOCK, "receipts.unapproved_account")
        assert check_settlement_account(receipt_txn(None), b.context(), POLICY) == ()

    def test_through_the_gate_and_the_policy_file(self) -> None:
        policy = sc.loads_policy('[receivables]\nsettlement_accounts = ["FC-0001-2026"]\n')
        gate = sc.Gate(policy, only=["O2C-AR-04"])
        assert gate.check(receipt_txn("FC-0001-2026"), b.context()).outcome is sc.Outcome.ALLOW
        blocked = gate.check(receipt_txn("CCB-9"), b.context())
        assert blocked.outcome is sc.Outcome.BLOCK and "CCB-9" in blocked.explain()
        assert "不是批准的集团结算账户" in blocked.explain("zh")

    def test_blank_account_in_policy_refused(self) -> None:
        with pytest.raises((InvalidInput, PolicyError)):
            sc.loads_policy('[receivables]\nsettlement_accounts = [" - "]\n')

    @given(st.text(min_size=1, max_size=20))
    def test_property_only_an_approved_account_passes(self, written: str) -> None:
        """Attacker: any account id passes only if its canonical form is an approved one."""
        if not written.strip():
            return
        out = check_settlement_account(receipt_txn(written), b.context(), WITH_ACCOUNTS)
        ok = account_key(written) in {account_key(a) for a in APPROVED}
        assert (out == ()) == ok

    @given(st.sampled_from(APPROVED), st.integers(0, 30), st.characters(categories=["L", "N"]))
    def test_property_an_extra_character_blocks(self, acct: str, pos: int, ch: str) -> None:
        """Attacker: one more letter or digit anywhere makes another account."""
        i = min(pos, len(acct))
        written = acct[:i] + ch + acct[i:]
        if account_key(written) in {account_key(a) for a in APPROVED}:
            return  # the character folds away (a full-width space, say)
        (f,) = check_settlement_account(receipt_txn(written), b.context(), WITH_ACCOUNTS)
        assert f.outcome is sc.Outcome.BLOCK


def test_receipt_account_round_trips_through_the_event_stream() -> None:
    from salesctl.events import event_to_dict, parse_event

    txn = receipt_txn("FC-0001-2026")
    assert parse_event(event_to_dict(txn)) == txn
