"""O2C-PR-06: price-master changes maintained by finance, proposed and approved by different
people at the price group's authority, with their source document.

The seed: S-IC 3.2 (当价格需要调整时,营销部门根据实际,提出调整意见,报分(子)公司价格领导小组
审批) and 3.4 (财务部门根据股份公司相关价格文件或批准后的价格在ERP系统中维护价格主数据). The
example: the marketing head u-mh proposes raising P-PE-01 from 1,000.00 to 1,050.00 a tonne from
3 March (change PC-2026-011, price-group decision PG-2026-011); the price group's member u-pg
approves; finance's price maintainer u-price enters it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import salesctl as sc
from salesctl.audit import replay
from salesctl.events import event_to_dict
from salesctl.ledger import Ledger
from salesctl.model import PriceChange
from salesctl.transactions import ChangeMasterPrice, parse_transaction, transaction_to_dict
from tests import builders as b

CID = "O2C-PR-06"
GATE = sc.Gate(None, only=[CID])
CHANGE_ID = "PC-2026-011"
MARKETING_HEAD = b.actor("u-mh", "marketing_head", level=3, org_unit="marketing")
PRICE_GROUP = b.actor("u-pg", "price_committee", level=5, org_unit="hq")


def change(**kw: Any) -> PriceChange:
    entry_kw = kw.pop("entry_kw", {})
    e = b.price_entry(
        "P-PE-01",
        "1050.00",
        valid_from=dt.date(2026, 3, 3),
        source_document="PG-2026-011",
        id="PE-P-PE-01-2",
        **entry_kw,
    )
    base: dict[str, Any] = dict(id=CHANGE_ID, entry=e, proposed_by="u-mh", reason="market up 5 %")
    base.update(kw)
    return PriceChange(**base)


def txn(who: sc.Actor = b.PRICE_MAINTAINER, **kw: Any) -> ChangeMasterPrice:
    return ChangeMasterPrice(change=change(**kw), actor=who, at=b.AT)


def approval(by: sc.Actor = PRICE_GROUP, role: str = "price_committee", **kw: Any) -> sc.Approval:
    return b.approval(CHANGE_ID, role, by, id=kw.pop("id", "A-PG-1"), **kw)


def check(t: ChangeMasterPrice, *approvals: sc.Approval, gate: sc.Gate = GATE) -> sc.Decision:
    return gate.check(t, b.context(approvals=approvals))


def keys(d: sc.Decision) -> set[str]:
    return {f.message for f in d.findings if f.outcome is not sc.Outcome.ALLOW}


class TestSeedExample:
    def test_passes_with_the_price_groups_approval(self) -> None:
        """Finance enters the price group's approved 1,050.00: allowed, the approval recorded."""
        d = check(txn(), approval())
        assert d.outcome is sc.Outcome.ALLOW
        (f,) = d.findings
        assert f.cleared_by == ("A-PG-1",)
        assert dict(f.facts)["source_document"] == "PG-2026-011"

    def test_fires_without_approval(self) -> None:
        """Without the price group's approval the change is held for it."""
        d = check(txn())
        assert d.outcome is sc.Outcome.HOLD
        (req,) = d.required_approvals
        assert (req.role, req.min_level, req.document_id) == ("price_committee", 5, CHANGE_ID)

    def test_the_proposer_cannot_approve(self) -> None:
        """The proposer's approval does not count, even in the price group's role and level."""
        proposer = b.actor("u-mh", "price_committee", level=5)
        d = check(txn(), approval(proposer))
        assert d.outcome is sc.Outcome.HOLD
        assert [r.reason for f in d.findings for r in f.rejected] == ["proposer"]

    def test_the_keyer_cannot_approve(self) -> None:
        """Finance's maintainer cannot approve what they enter."""
        keyer = b.actor("u-price", "price_committee", "price_master_maintainer", level=5)
        d = check(txn(keyer), approval(keyer))
        assert d.outcome is sc.Outcome.HOLD


class TestWhoMaintains:
    def test_only_finance_maintains(self) -> None:
        """A sales rep entering a price is blocked, approval or not."""
        d = check(txn(b.REP), approval())
        assert "pricing.master_not_maintainer" in keys(d) and d.outcome is sc.Outcome.BLOCK

    def test_the_proposer_does_not_enter_the_price(self) -> None:
        """The maintainer who proposed the price may not enter it (case does not hide them)."""
        d = check(txn(proposed_by="U-PRICE"), approval())
        assert keys(d) == {"pricing.master_self_proposed"}

    def test_the_entry_records_its_keyer(self) -> None:
        """An entry naming another maintainer than the keyer is blocked."""
        d = check(txn(entry_kw={"maintained_by": "u-other"}), approval())
        assert keys(d) == {"pricing.master_other_maintainer"}

    def test_source_document_is_required(self) -> None:
        """A price without its source document is refused where it enters, naming the path."""
        data = transaction_to_dict(txn())
        data["change"]["entry"]["source_document"] = " "
        with pytest.raises(sc.InvalidInput) as e:
            parse_transaction(data)
        assert "source_document" in (e.value.path or "")

    def test_json_round_trip(self) -> None:
        """The transaction reads back from its JSON form."""
        assert parse_transaction(transaction_to_dict(txn())) == txn()


class TestAuthorityBoundaries:
    @pytest.mark.parametrize(("level", "ok"), [(5, True), (4, False)])
    def test_level_exactly_the_price_groups_and_one_below(self, level: int, ok: bool) -> None:
        """Level 5 (the price group's) clears; level 4 does not."""
        who = b.actor("u-pg", "price_committee", level=level, org_unit="hq")
        assert (check(txn(), approval(who)).outcome is sc.Outcome.ALLOW) is ok

    def test_marketing_head_is_not_the_price_group(self) -> None:
        """The marketing head's approval does not reach the price group's authority."""
        d = check(txn(), approval(MARKETING_HEAD, "marketing_head", id="A-MH"))
        assert d.outcome is sc.Outcome.HOLD

    def test_policy_names_another_node(self) -> None:
        """With ``master_approval_node = "marketing"`` the marketing head approves."""
        pol = sc.loads_policy('[pricing]\nmaster_approval_node = "marketing"\n')
        other = b.actor("u-mh2", "marketing_head", level=3, org_unit="marketing")
        gate = sc.Gate(pol, only=[CID])
        d = check(txn(), approval(other, "marketing_head", id="A-MH2"), gate=gate)
        assert d.outcome is sc.Outcome.ALLOW

    def test_unknown_node_refused(self) -> None:
        """A node the tree does not hold is refused with its path."""
        with pytest.raises(sc.PolicyError) as e:
            sc.loads_policy('[pricing]\nmaster_approval_node = "nobody"\n')
        assert "master_approval_node" in str(e.value)

    def test_hollowing_out_needs_acknowledgement(self) -> None:
        """Approval at the proposer's level is a weakening of the key control."""
        with pytest.raises(sc.PolicyError):
            sc.loads_policy('[pricing]\nmaster_approval_node = "rep"\n')
        sc.loads_policy(
            '[pricing]\nmaster_approval_node = "rep"\n'
            '[acknowledged]\n"O2C-PR-06" = "prices set by the group only"\n'
        )


class TestLedger:
    def test_the_change_enters_the_price_master(self) -> None:
        """The replay folds the change into the price master, replacing the entry of its id."""
        led = Ledger()
        led.apply(txn())
        (e,) = led.prices["P-PE-01"]
        assert e.price == b.cny("1050.00")

    def test_replay_reports_the_unapproved_change(self) -> None:
        """An unapproved change in the stream is an exception of O2C-PR-06."""
        import json

        report = replay([json.dumps(event_to_dict(txn()))])
        found = {(x.control_id, x.document_id, x.outcome) for x in report.exceptions}
        assert (CID, CHANGE_ID, sc.Outcome.HOLD) in found


_VARIANTS = st.sampled_from([str.upper, str.lower, str.swapcase, str.title, lambda s: s])


class TestAttacker:
    @settings(max_examples=60, deadline=None)
    @given(
        variant=_VARIANTS,
        level=st.integers(min_value=0, max_value=9),
        role=st.sampled_from(["price_committee", "marketing_head", "general_manager"]),
    )
    def test_the_proposer_never_approves_their_own_price(
        self, variant: Any, level: int, role: str
    ) -> None:
        """Whatever case their id is written in, role or level they sign with, the proposer's
        approval never clears the change."""
        who = b.actor(variant("u-mh"), role, level=level)
        d = check(txn(), approval(who, role))
        assert d.outcome is not sc.Outcome.ALLOW

    @settings(max_examples=60, deadline=None)
    @given(variant=_VARIANTS)
    def test_the_proposer_never_keys_their_own_price(self, variant: Any) -> None:
        """Nor does a case variant of the keyer's id hide that they proposed it."""
        d = check(txn(proposed_by=variant("u-price")), approval())
        assert d.outcome is sc.Outcome.BLOCK

    @settings(max_examples=60, deadline=None)
    @given(
        variant=_VARIANTS,
        level=st.integers(min_value=0, max_value=9),
        other_doc=st.booleans(),
    )
    def test_the_keyer_holding_every_role_never_clears_their_own_entry(
        self, variant: Any, level: int, other_doc: bool
    ) -> None:
        """One person holding the maintainer's and the price group's roles, signing under any
        spelling of their id at any level, never clears the price they key; and the price
        group's own approval of another change never clears this one."""
        keyer = b.actor("u-price", "price_committee", "price_master_maintainer", level=5)
        signer = b.actor(variant("u-price"), "price_committee", "price_master_maintainer",
                         level=level)
        d = check(txn(keyer), approval(signer))
        assert d.outcome is not sc.Outcome.ALLOW
        if other_doc:
            elsewhere = b.approval("PC-2026-012", "price_committee", PRICE_GROUP, id="A-PG-9")
            assert check(txn(), elsewhere).outcome is not sc.Outcome.ALLOW
