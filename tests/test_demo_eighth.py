"""The demo generator's eighth-pass shortcuts give what the slow paths give (issue 16).

* A HOLD's re-check clears the first check's HOLDs with the approvals just granted
  (``clear_finding``, as the gate's clearing does) instead of running the gate again, when no
  approval on hand before named their requirements' controls (:func:`salesctl.demo.host.
  unclaimed`); the other controls' findings are the first check's: over a year with every
  injector each such decision equals the whole gate's (the host raises ``DemoError``
  otherwise), and the other re-checks go to the whole gate.
* The host's grants of approvals are written from data it makes (every field, in order):
  the bytes ``event_data`` gives (checked as encoded lines).
* A contract's account in a context is set directly when its values pass the constructors'
  checks (:func:`salesctl.ledger.context._trusted_account`): equal to the validated one, and
  ``None`` (the constructor decides, or raises) otherwise.
* The ledger's fold of a goods issue sets the lot's quantity left and the issue's ``posted``
  directly (:func:`salesctl.ledger.folds._lot_with`, :func:`~salesctl.ledger.folds._posted`):
  what ``attrs.evolve`` gives.
* Clearing a chain when every approval on hand names another control returns the finding as
  it is (:func:`salesctl.approvals._concerns_none`): the full walk's answer.
* The ledger's weekly sweep looks at the order/contract index only when its oldest entry kept
  may have aged out, and at a document's approvals only when one of them has: what is kept is
  what the full sweep keeps.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import salesctl.approvals as approvals_module
import salesctl.demo.host as host_module
from salesctl import testing as sct
from salesctl.approvals import Authority, clear_finding
from salesctl.decision import ApprovalRequirement, Decision, Finding, Outcome
from salesctl.demo import World, generate
from salesctl.demo.encode import event_data
from salesctl.demo.host import Host, unclaimed
from salesctl.errors import SalesctlError
from salesctl.events import GrantApproval, parse_event
from salesctl.ledger import Ledger
from salesctl.ledger.context import _trusted_account
from salesctl.ledger.folds import _lot_with, _posted
from salesctl.model import (
    Actor,
    Approval,
    ContractAccount,
    DeliveryLine,
    DeliveryMode,
    GoodsIssue,
    StockLot,
)
from salesctl.money import Money
from tests import builders as b

_UTC = dt.UTC
_TXN = b.place()  # keyed by u-rep at 2026-03-02 10:15



def written_as_data(monkeypatch: pytest.MonkeyPatch, kind: type) -> tuple[list[Any], Any]:
    """The records of ``kind`` the host writes from its own data in a year with every
    injector, generated with that data checked against ``event_data`` (``_VERIFY_DATA``),
    and the year."""
    records: list[Any] = []
    original = Host.record_data

    def counted(self: Host, rec: Any, data: dict[str, Any]) -> None:
        if type(rec) is kind:
            records.append(rec)
        original(self, rec, data)

    monkeypatch.setattr(host_module, "_VERIFY_DATA", True)
    monkeypatch.setattr(Host, "record_data", counted)
    verified = generate(seed=5, customers=12, orders=80)
    monkeypatch.setattr(host_module, "_VERIFY_DATA", False)
    monkeypatch.setattr(Host, "record_data", original)
    return records, verified

class TestRecheck:
    def test_every_recheck_of_a_year_is_the_gates(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """A year with every injector: each re-check's decision equals the whole gate's on
        the same context; the HOLDs were cleared directly, and the whole gate decided when an
        approval on hand before named one of their controls."""
        cleared: list[int] = []
        whole: list[frozenset[str]] = []

        def counted(first: Decision, again: frozenset[str], before: Any) -> bool:
            fast = unclaimed(first, again, before)
            if fast:
                cleared.append(sum(f.control_id not in again for f in first.findings))
            else:
                whole.append(again)
            return fast

        monkeypatch.setattr(host_module, "_VERIFY_RECHECKS", True)
        monkeypatch.setattr(host_module, "unclaimed", counted)
        verified = generate(seed=5, customers=12, orders=80)
        monkeypatch.setattr(host_module, "_VERIFY_RECHECKS", False)
        assert len(cleared) > 50
        assert any(cleared)  # some re-checks keep other controls' findings
        assert whole  # some went to the whole gate
        monkeypatch.setattr(host_module, "unclaimed", unclaimed)
        assert verified.events == generate(seed=5, customers=12, orders=80).events

    def test_a_wrong_recheck_is_refused(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """With the check on, a re-check that leaves a HOLD uncleared (or differs from the gate
        in any other way) stops the generator."""
        monkeypatch.setattr(host_module, "_VERIFY_RECHECKS", True)
        monkeypatch.setattr(host_module, "clear_finding", lambda f, *_a: f)
        with pytest.raises(host_module.DemoError, match="re-check"):
            generate(seed=5, customers=12, orders=80)


class TestGrantData:
    def test_every_grant_of_a_year_is_written_as_its_own_data(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """A year with every injector: each grant of an approval the host writes from the
        data it made has, key for key and in order, the data ``event_data`` gives (the host
        raises ``DemoError`` otherwise), and the year is the one written without the check."""
        grants, verified = written_as_data(monkeypatch, GrantApproval)
        assert len(grants) > 300
        assert verified.events == generate(seed=5, customers=12, orders=80).events

    def test_data_in_another_order_is_refused(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """Equal data with its keys in another order would write other bytes: refused."""
        line = next(
            e
            for e in generate(seed=5, customers=12, orders=40).events
            if isinstance(e, dict) and e["type"] == "GrantApproval"
        )
        rec = parse_event(line)
        world = World(seed=1, year=2026, customers=4, orders=1)
        monkeypatch.setattr(host_module, "_VERIFY_DATA", True)
        shuffled = {"customer_id": line["customer_id"], **line}
        assert shuffled == line
        with pytest.raises(host_module.DemoError):
            world.record_data(rec, shuffled)
        world.record_data(rec, event_data(rec))


def _fields(d: Decision) -> dict[str, Any]:
    return {
        "outcome": d.outcome,
        "findings": d.findings,
        "transaction": d.transaction,
        "document_id": d.document_id,
        "at": d.at,
        "controls": d.controls,
        "policy_fingerprint": d.policy_fingerprint,
        "catalogue_fingerprint": d.catalogue_fingerprint,
        "note": d.note,
        "weakened": d.weakened,
    }


_DECIMALS = st.one_of(
    st.decimals(allow_nan=True, allow_infinity=True, places=None),
    st.decimals(min_value=-(10**6), max_value=10**9, places=2),
    st.decimals(min_value=0, max_value=10**6, places=3),
    st.sampled_from([Decimal("-0"), Decimal("0E+5"), Decimal("1E+30"), Decimal("5E-30")]),
)


class TestContractAccount:
    @settings(max_examples=300, deadline=None)
    @given(
        value=st.decimals(min_value=Decimal("0.01"), max_value=10**9, places=2),
        currency=st.sampled_from(["CNY", "USD", "JPY", "EUR"]),
        collected=_DECIMALS,
    )
    def test_the_trusted_account_is_the_constructed_one(
        self, value: Decimal, currency: str, collected: Decimal
    ) -> None:
        """For any amount collected: the trusted account equals (and prints as) the validated
        one when the constructors accept it, and is not built when they refuse it."""
        try:
            money = Money(value, currency)
        except SalesctlError:
            return  # a value this currency cannot hold (JPY decimals)
        try:
            expected: ContractAccount | None = ContractAccount(
                value=money, collected=Money(collected, currency)
            )
        except SalesctlError:
            expected = None
        got = _trusted_account(money, collected)
        if got is None:
            return  # the caller builds it the validated way (and gets its error)
        assert expected is not None
        assert got == expected
        assert type(got) is ContractAccount
        assert str(got.collected) == str(expected.collected)
        assert got.collected.amount.as_tuple() == expected.collected.amount.as_tuple()

    def test_a_plain_amount_is_trusted(self) -> None:
        assert _trusted_account(Money("100.00", "CNY"), Decimal("12.5")) == ContractAccount(
            value=Money("100.00", "CNY"), collected=Money("12.50", "CNY")
        )


_APPROVER = Actor(id="u-head", roles=frozenset({"sales_manager"}), authority_level=3)


class TestSweep:
    @settings(max_examples=80, deadline=None)
    @given(
        steps=st.lists(
            st.tuples(st.integers(0, 12), st.lists(st.integers(0, 30), max_size=4)),
            min_size=1,
            max_size=60,
        ),
        retention=st.integers(1, 40),
    )
    def test_the_index_keeps_what_the_full_sweep_keeps(
        self, steps: list[tuple[int, list[int]]], retention: int
    ) -> None:
        """Any days and documents indexed: after each sweep the index holds exactly the
        entries the full sweep keeps (dated within the retention)."""
        led = Ledger(index_retention_days=retention)
        mirror: dict[str, tuple[str, dt.date]] = {}
        day = dt.date(2026, 1, 1)
        for gap, docs in steps:
            day += dt.timedelta(days=gap)
            if led.today is None or day > led.today:
                if led.today is not None:
                    led._evict(day)
                    if led._evicted_on == day:  # the week's sweep ran
                        mirror = {
                            k: v
                            for k, v in mirror.items()
                            if not day - v[1] > dt.timedelta(days=retention)
                        }
                led.today = day
            for n in docs:
                led.index(f"SO-{n}", f"C-{n % 3}")
                mirror[f"SO-{n}"] = (f"C-{n % 3}", day)
            assert led._owner == mirror

    @settings(max_examples=60, deadline=None)
    @given(
        granted=st.lists(
            st.tuples(st.sampled_from(["SO-1", "SO-2", "DN-1"]), st.integers(0, 300)),
            max_size=12,
        ),
        sweep=st.integers(100, 400),
    )
    def test_the_approvals_kept_are_the_full_sweeps(
        self, granted: list[tuple[str, int]], sweep: int
    ) -> None:
        """Approvals granted on any days: a month's sweep keeps, for each document, those
        granted within the retention, in their order, and drops a document left with none."""
        led = Ledger()
        start = dt.datetime(2026, 1, 1, 9, tzinfo=_UTC)
        for i, (doc, days) in enumerate(granted):
            led.add_approval(
                Approval(
                    id=f"APR-{i:03d}",
                    document_id=doc,
                    role="sales_manager",
                    approver=_APPROVER,
                    granted_at=start + dt.timedelta(days=days),
                    control_id="O2C-CR-01",
                )
            )
        held = dict(led._approvals)
        before = {doc: led.approvals_of(doc) for doc in held}
        today = dt.date(2026, 1, 1) + dt.timedelta(days=sweep)
        led._evict(today)
        cutoff = dt.datetime.combine(today, dt.time(), tzinfo=_UTC) - led.approval_retention
        expected = {
            doc: tuple(a for a in on_hand if a.granted_at >= cutoff)
            for doc, on_hand in before.items()
        }
        # what the ledger hands out (a document's approvals may be held frozen: ledger.cold)
        assert {d: led.approvals_of(d) for d in led._approvals} == {
            d: v for d, v in expected.items() if v
        }
        for doc, on_hand in led._approvals.items():
            if not isinstance(on_hand, str) and on_hand == held[doc]:
                assert on_hand is held[doc]  # kept as it was


_QUANTITIES = st.one_of(
    st.decimals(allow_nan=True, allow_infinity=True, places=None),
    st.decimals(min_value=Decimal("0.001"), max_value=10**6, places=3),
    st.integers(1, 10**6),
)


class TestGoodsIssueFold:
    @settings(max_examples=200, deadline=None)
    @given(
        left=_QUANTITIES,
        expires=st.none() | st.dates(),
        qc=st.none() | st.sampled_from(["QC-1", "合格证-7"]),
    )
    def test_a_lot_with_what_is_left_is_evolves(
        self, left: Any, expires: dt.date | None, qc: str | None
    ) -> None:
        """Any quantity left (finite, not, an int): the lot ``attrs.evolve`` gives, or its
        error."""
        lot = StockLot(
            id="LOT-1",
            product_id="P-001",
            quantity=Decimal("12.5"),
            expires_on=expires,
            qc_certificate=qc,
            received_on=dt.date(2026, 1, 2),
        )
        try:
            expected: Any = attrs.evolve(lot, quantity=left)
        except SalesctlError as e:
            expected = type(e)
        try:
            got: Any = _lot_with(lot, left)
        except SalesctlError as e:
            got = type(e)
        assert got == expected
        assert type(got) is type(expected)
        if isinstance(got, StockLot):
            assert repr(got) == repr(expected)

    @settings(max_examples=100, deadline=None)
    @given(
        gate_pass=st.none() | st.just("GP-1"),
        consignment=st.booleans(),
        mode=st.sampled_from(list(DeliveryMode)),
        carrier=st.none() | st.just("WB-9"),
    )
    def test_a_posted_goods_issue_is_evolves(
        self, gate_pass: str | None, consignment: bool, mode: DeliveryMode, carrier: str | None
    ) -> None:
        """Any goods issue not yet posted: posted, it equals (and prints as) ``attrs.evolve``'s."""
        gi = GoodsIssue(
            id="GI-1",
            order_id="SO-1",
            customer_id="C-1",
            notice_id="DN-1",
            lines=(
                DeliveryLine(order_line=1, product_id="P-001", quantity=Decimal(2), lot_id="L-1"),
            ),
            issued_on=dt.date(2026, 3, 2),
            gate_pass=gate_pass,
            mode=mode,
            carrier_ref=carrier,
            consignment=consignment,
        )
        got = _posted(gi)
        expected = attrs.evolve(gi, posted=True)
        assert got == expected
        assert type(got) is GoodsIssue
        assert repr(got) == repr(expected)
        assert gi.posted is False  # the original is unchanged


_DOC = "SO-2026-0042"
_ROLES = ("sales_manager", "marketing_head", "general_manager", "finance_head", "finance_vp")
_CONTROLS = ("O2C-PR-05", "O2C-CT-03", "O2C-SO-02", None)


@st.composite
def _chain(draw: st.DrawFn) -> Finding:
    required = tuple(
        ApprovalRequirement(
            control_id=draw(st.sampled_from(_CONTROLS[:2])),
            role=draw(st.sampled_from(_ROLES)),
            min_level=draw(st.integers(0, 4)),
            document_id=_DOC,
            amount=draw(st.sampled_from(["", "1000.00 CNY"])),
            excluded=("u-prop",),
            step=draw(st.integers(0, 2)),
        )
        for _ in range(draw(st.integers(1, 4)))
    )
    return Finding(control_id="O2C-PR-05", outcome=Outcome.HOLD, message="x", required=required)


_ON_HAND = st.lists(
    st.tuples(
        sct.approvals(
            document_ids=(_DOC, "SO-OTHER"),
            roles=_ROLES,
            approvers=sct.actors(ids=("u-a", "u-b", "u-rep", "U-A"), roles=_ROLES, max_level=5),
            currency="CNY",
        ),
        st.sampled_from(_CONTROLS),
    ),
    max_size=6,
    unique_by=lambda p: p[0].id,
).map(lambda pairs: tuple(attrs.evolve(a, control_id=c) for a, c in pairs))


class TestChainOfOtherControls:
    @settings(max_examples=400, deadline=None)
    @given(f=_chain(), on_hand=_ON_HAND, authority=st.sampled_from([Authority(), None]))
    def test_the_shortcut_clears_as_the_full_walk(
        self,
        f: Finding,
        on_hand: tuple[Approval, ...],
        authority: Authority | None,
    ) -> None:
        """Any chain and approvals on hand (of its controls, of others, of none): the finding
        the engine gives is the full walk's; when every approval is another control's, it is
        the finding itself."""
        with pytest.MonkeyPatch.context() as m:
            m.setattr(approvals_module, "_concerns_none", lambda _r, _a: False)
            slow = clear_finding(f, on_hand, _TXN, authority)
        fast = clear_finding(f, on_hand, _TXN, authority)
        assert fast == slow
        assert repr(fast) == repr(slow)
        if approvals_module._concerns_none(f.required, on_hand):
            assert fast is f
