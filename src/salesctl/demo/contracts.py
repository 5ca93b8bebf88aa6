"""The simulated host's contract side: quotations, the sales pipeline, signed contracts with
their 60 % first payment, production orders, follow-up service and commissions.

The rep records each signing; the general manager signs externally and the sales office's seal
custodian registers the contract seal's use first (O2C-CT-05).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

import attrs

from salesctl.decision import Decision
from salesctl.demo.host import CENT, ZERO, HostCustomer, cny
from salesctl.demo.orders import Deal, OrderFlow
from salesctl.demo.trusted import trusted
from salesctl.events import RecordBusinessApproval
from salesctl.model import (
    Actor,
    BusinessApprovalForm,
    CommissionClaim,
    Contract,
    ContractStatus,
    Opportunity,
    PaymentMethod,
    PipelineStage,
    ProductionLine,
    ProductionOrder,
    Quotation,
    QuotationLine,
    SalesOrder,
    SealUse,
    WorkOrder,
)
from salesctl.transactions import (
    AdvanceStage,
    IssueProductionOrder,
    PayCommission,
    ScheduleWorkOrder,
    SendQuotation,
    SignContract,
)

__all__ = ["ContractFlow"]

#: The contracts the host draws up, their seal entries and signings: built without re-running
#: their field validators (:mod:`salesctl.demo.trusted`; a contract drawn up while an injector
#: runs, with the injector's fields, keeps the validating constructor).
_contract = trusted(Contract)
_seal_use = trusted(SealUse)
_sign_contract = trusted(SignContract)
_opportunity = trusted(Opportunity)
_advance_stage = trusted(AdvanceStage)
_quotation = trusted(Quotation)
_quotation_line = trusted(QuotationLine)
_send_quotation = trusted(SendQuotation)
_approval_form = trusted(BusinessApprovalForm)
_record_approval_form = trusted(RecordBusinessApproval)
_production_order = trusted(ProductionOrder)
_production_line = trusted(ProductionLine)
_issue_production = trusted(IssueProductionOrder)
_work_order = trusted(WorkOrder)
_schedule_work_order = trusted(ScheduleWorkOrder)
_commission_claim = trusted(CommissionClaim)
_pay_commission = trusted(PayCommission)


class ContractFlow(OrderFlow):
    """The host with its contract side (see the module)."""

    # -- contracts -----------------------------------------------------------------------

    def contract_of(
        self, cust: HostCustomer, order: SalesOrder, when: dt.datetime, **fields: Any
    ) -> Contract:
        """A signed contract on the approved template for ``order``'s lines and terms (``fields``
        set or override the others; the host's own contracts are built trusted, with their
        fields, and an injector's with the constructor)."""
        k: dict[str, Any] = dict(
            id=self.next_id("CT", 5),
            customer_id=cust.id,
            amount=order.total,
            payment=order.payment,
            created_by=cust.rep.id,
            status=ContractStatus.SIGNED,
            template_id="TPL-SALES-2026",
            application_id=self.next_id("CTA", 5),
            sales_policy_ref=f"XSZC-{self.year}-01",
            signed_on=when.date(),
            lines=order.lines,
        )
        k.update(fields)
        return (Contract if self._injector else _contract)(**k)

    def sign_contract(
        self,
        cust: HostCustomer,
        contract: Contract,
        when: dt.datetime,
        *,
        expect: Iterable[str] = (),
        signatory: Actor | None = None,
        sealed: bool = True,
    ) -> Decision:
        """The rep records the signing of ``contract``; ``signatory`` (the general manager by
        default) signs it externally, and the seal custodian's entry of the contract seal's use
        comes with it unless ``sealed`` is false (O2C-CT-05)."""
        seal = (
            _seal_use(
                id=self.next_id("YY", 5),
                contract_id=contract.id,
                seal_id="SEAL-CT-01",
                custodian=self.person("seal_custodian", 1),
                used_at=when - dt.timedelta(minutes=20),
            )
            if sealed
            else None
        )
        return self.post(
            _sign_contract(
                contract=contract,
                actor=cust.rep,
                at=when,
                signatory=signatory or self.person("general_manager", 4),
                seal_use=seal,
            ),
            expect=expect,
        )

    def contract_deal(self, cust: HostCustomer, when: dt.datetime) -> str:
        """A larger sale on a written contract: contract, order, 60 % prepayment, delivery,
        invoice, balance, commission.

        Returns:
            The contract id.
        """
        order = self.new_order(
            cust,
            when,
            lines=2,
            scale=3,
            method=PaymentMethod.CREDIT if cust.credit else PaymentMethod.PREPAYMENT,
        )
        # The quotation and the opportunity's stages come earlier the same day, not days
        # before: the stream is written in time order, and a step dated before the day the
        # simulation has reached would arrive after that day's periods had closed (issue 16).
        quoted = when - dt.timedelta(minutes=100)
        quote = self.quotation(cust, order, quoted)
        self.pipeline(cust, quoted, quote_id=quote, step=dt.timedelta(minutes=15))
        contract = self.contract_of(
            cust,
            order,
            when,
            order_id=order.id,
            first_payment=cny((order.total.amount * Decimal("0.6")).quantize(CENT)),
        )
        cid = contract.id
        self.sign_contract(cust, contract, when)
        self.contracts[cid] = {
            "contract": contract,
            "collected": ZERO,
            "customer": cust,
            "deal": None,
        }
        order = attrs.evolve(order, contract_id=cid)
        t = when + dt.timedelta(hours=1)
        deal = self.place(order, cust, t, flow=False)
        self.contracts[cid]["deal"] = deal
        first = contract.first_payment.amount if contract.first_payment else ZERO
        self._pending_first[cid] = first
        self.production(deal, contract, t + dt.timedelta(hours=2))
        self.schedule(
            self.later(t, 1, 5),
            lambda tt: self._contract_prepay(deal, self._first_payment(cid), tt),
        )
        return cid

    def secure_credit(self, deal: Deal, when: dt.datetime) -> dt.datetime:
        """A credit sale placed without a contract gets its written contract before anything
        is delivered (S-IC 2.3, S-K1 3; O2C-DL-01), and the customer pays 60 % of it on signing
        so that it can be invoiced (S-K1 11; O2C-BL-03). Returns the time the notice follows.
        """
        o = deal.order
        if deal.contract_id is not None or o.payment.method not in self.credit_methods:
            return when
        first = (o.total.amount * Decimal("0.6")).quantize(CENT)
        contract = self.contract_of(deal.cust, o, when, order_id=o.id, first_payment=cny(first))
        self.sign_contract(deal.cust, contract, when)
        cid = contract.id
        self.contracts[cid] = {
            "contract": contract,
            "collected": ZERO,
            "customer": deal.cust,
            "deal": deal,
            "plain": True,
        }
        deal.contract_id = cid
        self.receive(
            deal.cust, first, when + dt.timedelta(minutes=5), to_receivables=ZERO, contract_id=cid
        )
        return when + dt.timedelta(minutes=15)

    def _first_payment(self, cid: str) -> Decimal:
        info = self.contracts[cid]
        ratio = info.get("first_ratio")
        if ratio is None:
            return self._pending_first[cid]
        assert isinstance(ratio, Decimal)
        amount: Decimal = info["contract"].amount.amount
        return (amount * ratio).quantize(CENT)

    def _contract_prepay(self, deal: Deal, amount: Decimal, when: dt.datetime) -> None:
        self.receive(deal.cust, amount, when, to_receivables=ZERO, contract_id=deal.contract_id)
        contract = self.contracts[deal.contract_id or ""]["contract"]
        first = contract.first_payment.amount if contract.first_payment else ZERO
        if self.rng.random() < 0.5 and amount >= first:
            self.schedule(self.later(when, 1, 3), lambda t: self.work_order(deal, t))
        self.schedule(self.later(when, 0, 2), lambda t: self.notice(deal, t))

    def quotation(
        self,
        cust: HostCustomer,
        order: SalesOrder,
        when: dt.datetime,
        *,
        expect: Iterable[str] = (),
        complete: bool = True,
    ) -> str:
        """Send a quotation with every element the policy requires (O2C-SO-05)."""

        q = _quotation(
            id=self.next_id("QT", 5),
            customer_id=cust.id,
            lines=tuple(
                _quotation_line(
                    line_no=ln.line_no,
                    product=ln.product,
                    unit_price=ln.unit_price,
                    quantity=ln.quantity,
                    quality_grade="GB/T 4456 grade A",
                    spec_model=f"{ln.product.id}-STD",
                    packaging="25 kg bags" if complete else None,
                    material="virgin resin",
                )
                for ln in order.lines
            ),
            created_by=cust.rep.id,
            quoted_on=when.date(),
            delivery_date=when.date() + dt.timedelta(days=30),
            transport="truck, delivered",
            valid_until=when.date() + dt.timedelta(days=30),
        )
        self.post(_send_quotation(quotation=q, actor=cust.rep, at=when), expect=expect)
        return q.id

    def pipeline(
        self,
        cust: HostCustomer,
        when: dt.datetime,
        *,
        quote_id: str,
        skip: bool = False,
        step: dt.timedelta = dt.timedelta(hours=1),
    ) -> str:
        """Move an opportunity through the stages up to the contract, with its artefacts
        (O2C-PS-01), one stage every ``step`` after ``when``; ``skip`` jumps from lead straight
        to proposal."""

        oid = self.next_id("OPP", 5)
        stages = (
            PipelineStage.LEAD,
            PipelineStage.QUALIFIED,
            PipelineStage.NEEDS,
            PipelineStage.PROPOSAL,
            PipelineStage.QUOTE,
            PipelineStage.CONTRACT,
        )
        artefacts = {
            "needs_analysis": f"NA-{oid}",
            "proposal": f"PP-{oid}",
            "quotation": quote_id,
            "contract": f"draft-{oid}",
        }
        if skip:
            opp = _opportunity(
                id=oid,
                prospect=cust.id,
                owner=cust.rep.id,
                stage=stages[0],
                willing_to_buy=True,
                able_to_pay=True,
                artefacts=artefacts,
            )
            self.post(
                _advance_stage(opportunity=opp, to_stage=stages[3], actor=cust.rep, at=when),
                expect={"O2C-PS-01"},
            )
            return oid
        for i in range(1, len(stages)):
            opp = _opportunity(
                id=oid,
                prospect=cust.id,
                owner=cust.rep.id,
                stage=stages[i - 1],
                willing_to_buy=True,
                able_to_pay=True,
                artefacts=artefacts,
            )
            self.post(
                _advance_stage(
                    opportunity=opp,
                    to_stage=stages[i],
                    actor=cust.rep,
                    at=when + step * i,
                )
            )
        return oid

    def production(
        self,
        deal: Deal,
        contract: Any,
        when: dt.datetime,
        *,
        expect: Iterable[str] = (),
        form: bool = True,
    ) -> str:
        """Business approval form, then the production order from the signed contract
        (O2C-SO-06)."""

        form_id = self.next_id("BA", 5)
        if form:
            self.record(
                _record_approval_form(
                    at=when - dt.timedelta(minutes=30),
                    form=_approval_form(
                        id=form_id,
                        prepared_by=self.clerk.id,
                        prepared_on=when.date(),
                        contract_id=contract.id,
                        order_id=deal.order.id,
                        approved_by=("u-sales-vp",),
                        approved_on=when.date(),
                    ),
                    customer_id=deal.cust.id,
                )
            )
        po = _production_order(
            id=self.next_id("PO", 5),
            lines=tuple(
                _production_line(line_no=ln.line_no, product=ln.product, quantity=ln.quantity)
                for ln in deal.order.lines
            ),
            issued_by=self.clerk.id,
            issued_on=when.date(),
            contract_id=contract.id,
            order_id=deal.order.id,
            business_approval_id=form_id if form else None,
        )
        self.post(_issue_production(production_order=po, actor=self.clerk, at=when), expect=expect)
        return po.id

    def work_order(self, deal: Deal, when: dt.datetime, *, expect: Iterable[str] = ()) -> str:
        """A follow-up service work order on the contract (O2C-SV-01)."""

        wo = _work_order(
            id=self.next_id("WO", 5),
            customer_id=deal.cust.id,
            issued_by=self.clerk.id,
            scheduled_on=when.date() + dt.timedelta(days=3),
            contract_id=deal.contract_id,
            description="installation and commissioning",
        )
        self.post(_schedule_work_order(work_order=wo, actor=self.clerk, at=when), expect=expect)
        return wo.id

    def paid(self, deal: Deal, when: dt.datetime) -> None:
        """A contract's collection is followed by the commission on it."""
        if deal.contract_id is not None and not self.contracts[deal.contract_id].get("plain"):
            self.schedule(self.later(when, 1, 10), lambda t: self.pay_commission(deal, t))

    def pay_commission(self, deal: Deal, when: dt.datetime) -> None:
        """Pay the salesperson's commission on what the contract collected (O2C-CM-01)."""

        info = self.contracts[deal.contract_id or ""]
        rate = Decimal("0.02")
        amount = (info["collected"] * rate).quantize(CENT)
        claim = _commission_claim(
            id=self.next_id("CM", 5),
            salesperson_id=deal.cust.rep.id,
            amount=cny(amount),
            rate=rate,
            prepared_by=self.biller.id,
            prepared_on=when.date(),
            contract_id=deal.contract_id,
        )
        self.post(_pay_commission(claim=claim, actor=self.biller, at=when))
        self.contracts[deal.contract_id or ""]["done"] = True
