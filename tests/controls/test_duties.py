"""Segregation of duties (O2C-SD-01): each incompatible pair fires, and passes when people differ.

From the seed: S-IC 2.2 由不相容岗位人员提出划分、调整客户信用等级的方案 … 财务部门按照审批结果在ERP
系统中维护客户信用主数据; S-IC 3.4 财务部门…在ERP系统中维护价格主数据; S-IC 5.1 经批准后由财务部门
信用主数据维护员在系统中一次性释放冻结的订单; Basic Norm art. 29 不相容职务分离控制.
"""

from __future__ import annotations

from typing import Any

import attrs
import pytest
from attrs import field, frozen

import salesctl as sc
from salesctl.controls import duties
from salesctl.controls.duties import DutiesPolicy
from salesctl.transactions import Transaction
from tests import builders as b


def only(*cids: str, policy: sc.Policy | None = None) -> sc.Gate:
    return sc.Gate(policy, only=cids or ("O2C-SD-01",))


def ctx(o: sc.SalesOrder | None = None, **kw: Any) -> sc.Context:
    kw.setdefault("prices", b.prices_for(o or b.order()))
    return b.context(**kw)


def conflicts(d: sc.Decision) -> set[tuple[str, str, str]]:
    return {
        (dict(f.params)["actor"], dict(f.params)["first"], dict(f.params)["second"])
        for f in d.findings_for("O2C-SD-01")
        if f.message == "duties.conflict"
    }


class TestSD01:
    def test_passes_when_every_duty_has_its_own_person(self) -> None:
        """Rep sells, manager approves, finance maintains credit and prices: no finding."""
        o = b.order(cust=b.customer(prof=b.profile(maintained_by="u-fin")))
        d = only().check(b.place(o), ctx(o))
        assert d.outcome is sc.Outcome.ALLOW and not d.findings
        assert "O2C-SD-01" in sc.Gate().controls_for("SetCreditProfile")

    def test_nobody_approves_what_they_proposed(self) -> None:
        """The rep's own approval of their order: the gate ignores it for clearing, and SD-01
        reports the attempt (BLOCK)."""
        own = b.approval(
            role="sales_manager",
            approver=b.actor("u-rep", "sales_rep", "sales_manager", level=2),
            id="A-OWN",
        )
        d = only("O2C-SO-02", "O2C-SD-01").check(b.place(), ctx(approvals=(own,)))
        assert d.findings_for("O2C-SO-02")[0].outcome is sc.Outcome.HOLD  # not cleared by it
        assert conflicts(d) == {("u-rep", "proposer", "approver")}
        assert d.outcome is sc.Outcome.BLOCK
        assert "不相容职务" in d.explain("zh")

    def test_the_acting_user_is_a_proposer_too(self) -> None:
        """An assistant entering an order the rep created may not approve it either."""
        assistant = b.actor("u-asst", "sales_rep", "sales_manager", level=2)
        appr = b.approval(role="sales_manager", approver=assistant, id="A-ASST")
        d = only().check(b.place(who=assistant), ctx(approvals=(appr,)))
        assert ("u-asst", "proposer", "approver") in conflicts(d)

    def test_approvals_for_other_documents_do_not_count(self) -> None:
        """The rep approving some other document is no conflict on this order."""
        other = b.approval(
            "SO-OTHER", role="sales_manager", approver=b.actor("u-rep", "sales_manager", level=2)
        )
        assert not only().check(b.place(), ctx(approvals=(other,))).findings

    def test_the_credit_master_maintainer_does_not_sell(self) -> None:
        """S-IC 2.2: the person who maintains the customer's credit master data sells to it → BLOCK."""
        o = b.order(cust=b.customer(prof=b.profile(maintained_by="u-rep")))
        assert conflicts(only().check(b.place(o), ctx(o))) == {
            ("u-rep", "seller", "credit_master_maintainer")
        }

    def test_the_price_master_maintainer_does_not_sell(self) -> None:
        """S-IC 3.4: the person who entered the price used on the order sells at it → BLOCK."""
        o = b.order()
        entry = b.price_entry(maintained_by="u-rep")
        assert conflicts(only().check(b.place(o), ctx(o, prices=(entry,)))) == {
            ("u-rep", "seller", "price_master_maintainer")
        }

    def test_only_the_prices_the_order_uses_count(self) -> None:
        """An expired entry the rep once maintained is not the price of this order."""
        old = b.price_entry(price="900", maintained_by="u-rep", valid_to=b.TODAY.replace(day=1))
        assert not only().check(b.place(), ctx(prices=(old, b.price_entry()))).findings

    def test_nobody_releases_their_own_order(self) -> None:
        """S-IC 5.1: a one-time release granted by the seller, or a release performed by the seller."""
        rel = sc.CreditRelease(
            id="R-1",
            order_id="SO-2026-0042",
            max_amount=b.cny("50000"),
            granted_by=b.actor("u-rep", "credit_master_maintainer"),
            granted_at=b.at(2, 9),
            expires_at=b.at(3, 9),
        )
        assert ("u-rep", "seller", "release_granter") in conflicts(
            only().check(b.place(), ctx(releases=(rel,)))
        )
        release = sc.ReleaseOrder(order=b.order(), actor=b.REP, at=b.AT)
        assert conflicts(only().check(release, ctx())) == {("u-rep", "seller", "release_granter")}
        by_finance = sc.ReleaseOrder(order=b.order(), actor=b.MAINTAINER, at=b.AT)
        assert not only().check(by_finance, ctx()).findings

    def test_a_self_approved_credit_profile_taints_the_order(self) -> None:
        """A customer whose credit grade was approved by its own proposer: the credit basis is void."""
        o = b.order(cust=b.customer(prof=b.profile(proposed_by="u-x", approved_by=("u-x", "u-y"))))
        assert conflicts(only().check(b.place(o), ctx(o))) == {
            ("u-x", "credit_proposer", "credit_approver")
        }

    def test_credit_profile_maintenance(self) -> None:
        """SetCreditProfile: the proposer neither approves nor enters the profile (CR-02's side)."""
        prof = b.profile(proposed_by="u-prop", approved_by=("u-appr",))
        ok = sc.SetCreditProfile(
            customer=b.customer(), profile=prof, application_id="CA-1", actor=b.MAINTAINER, at=b.AT
        )
        assert not only().check(ok, ctx()).findings
        selfish = attrs.evolve(ok, profile=attrs.evolve(prof, approved_by=("u-prop",)))
        assert ("u-prop", "proposer", "approver") in conflicts(only().check(selfish, ctx()))
        appr = b.approval("CA-1", "finance_head", b.actor("u-prop", "finance_head", level=3))
        d = only().check(ok, ctx(approvals=(appr,)))
        assert ("u-prop", "proposer", "approver") in conflicts(d)

    def test_unrecorded_maintainers_fail_closed_when_required(self) -> None:
        """With require_maintainers, a profile or price without a recorded maintainer blocks."""
        p = sc.Policy(families={"duties": DutiesPolicy(require_maintainers=True)})
        o = b.order()
        d = only(policy=p).check(b.place(o), ctx(o, prices=(b.price_entry(maintained_by=None),)))
        (f,) = d.findings
        assert f.message == "duties.maintainer_unknown"
        assert "credit profile of C-100" in f.text("en") and "price of P-PE-01" in f.text("en")
        recorded = b.order(cust=b.customer(prof=b.profile(maintained_by="u-fin")))
        assert not only(policy=p).check(b.place(recorded), ctx(recorded)).findings
        assert (
            not only()
            .check(b.place(o), ctx(o, prices=(b.price_entry(maintained_by=None),)))
            .findings
        )

    def test_pairs_come_from_the_policy(self) -> None:
        """A policy may declare other pairs, e.g. that approvers of credit do not sell."""
        p = sc.loads_policy(
            '[[duties.conflicts]]\nfirst = "seller"\nsecond = "credit_approver"\nsource = "house rule"\n'
        )
        o = b.order(cust=b.customer(prof=b.profile(approved_by=("u-rep",))))
        d = only(policy=p).check(b.place(o), ctx(o))
        assert conflicts(d) == {("u-rep", "seller", "credit_approver")}
        assert dict(d.findings[0].facts)["source"] == "house rule"

    @pytest.mark.parametrize(
        ("toml", "path"),
        [
            (
                '[[duties.conflicts]]\nfirst = "seller"\nsecond = "janitor"\n',
                "duties.conflicts[0].second",
            ),
            (
                '[[duties.conflicts]]\nfirst = "seller"\nsecond = "seller"\n',
                "duties.conflicts[0].second",
            ),
            ("[duties]\nrequire_maintainers = 1\n", "duties.require_maintainers"),
        ],
    )
    def test_bad_policy_is_refused(self, toml: str, path: str) -> None:
        """Unknown duties, a duty paired with itself, wrong types: PolicyError with the path."""
        with pytest.raises(sc.PolicyError) as e:
            sc.loads_policy(toml)
        assert e.value.path == path

    def test_other_transactions_get_the_generic_duties(self) -> None:
        """Any transaction: its acting user and its documents' proposers never approve it."""

        @frozen
        class Doc:
            id: str
            created_by: str

        @frozen
        class SignSomething(Transaction):
            doc: Doc = field(kw_only=True)

            @property
            def document_id(self) -> str:
                return self.doc.id

        txn = SignSomething(doc=Doc("CT-1", "u-rep"), actor=b.MANAGER, at=b.AT)
        found, unknown = duties.duties_of(
            txn, b.context(approvals=(b.approval("CT-1", approver=b.REP),))
        )
        assert found["proposer"] == frozenset({"u-mgr", "u-rep"}) and unknown == ()
        got = duties.check_duties(
            txn, b.context(approvals=(b.approval("CT-1", approver=b.REP),)), DutiesPolicy()
        )
        assert [dict(f.params)["actor"] for f in got] == ["u-rep"]
        assert not duties.check_duties(
            txn, b.context(approvals=(b.approval("CT-1", approver=b.DIRECTOR),)), DutiesPolicy()
        )

    def test_sd01_runs_on_every_transaction_type(self) -> None:
        """The control applies to every registered transaction type."""
        gate = sc.Gate()
        assert all("O2C-SD-01" in gate.controls_for(t) for t in sc.TRANSACTION_TYPES)
