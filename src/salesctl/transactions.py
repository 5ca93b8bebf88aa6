"""The things a host is about to do: one frozen class per transaction type.

Every transaction carries the document it is about, the acting :class:`~salesctl.model.Actor`
and the time (timezone-aware). The host builds one and passes it to
:meth:`salesctl.Gate.check` *before* posting.

In JSON (the CLI, the event stream) a transaction is an object with a ``"type"`` key naming
the class and the same field names as the class::

    {"type": "PlaceOrder", "at": "2026-03-02T10:15:00+08:00",
     "actor": {"id": "u-7", "roles": ["sales_rep"]}, "order": {...}}

Use :func:`parse_transaction` to read one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import field, frozen

from salesctl._validators import aware, ident, opt_ident, typed
from salesctl.errors import InvalidInput, UnknownTransaction
from salesctl.model import (
    Actor,
    CommissionClaim,
    Contract,
    CreditProfile,
    Customer,
    DeliveryNotice,
    GoodsIssue,
    Invoice,
    Opportunity,
    PipelineStage,
    PriceChange,
    ProductionOrder,
    Quotation,
    Receipt,
    RevenueEntry,
    SalesOrder,
    SalesPlan,
    SealUse,
    Settlement,
    WorkOrder,
)

__all__ = [
    "TRANSACTION_TYPES",
    "AdvanceStage",
    "BookRevenue",
    "ChangeMasterPrice",
    "IssueDeliveryNotice",
    "IssueInvoice",
    "IssueProductionOrder",
    "PayCommission",
    "PlaceOrder",
    "PostGoodsIssue",
    "RecordReceipt",
    "ReleaseOrder",
    "ScheduleWorkOrder",
    "SendQuotation",
    "SetCreditProfile",
    "SignContract",
    "SubmitSalesPlan",
    "Transaction",
    "VoidInvoice",
    "VoidOrder",
    "VoidSettlement",
    "parse_transaction",
    "transaction_to_dict",
]

#: Every transaction class by its ``type`` name.
TRANSACTION_TYPES: dict[str, type[Transaction]] = {}

T = TypeVar("T", bound="type[Transaction]")


def register_transaction(cls: T) -> T:
    """Class decorator: make a transaction class known to :func:`parse_transaction`."""
    TRANSACTION_TYPES[cls.__name__] = cls
    return cls


@frozen
class Transaction:
    """Base of every transaction: who acts, and when.

    Attributes:
        actor: the acting user.
        at: when the host is about to act (timezone-aware).
    """

    actor: Actor = field(validator=typed(Actor), kw_only=True)
    at: dt.datetime = field(validator=aware, kw_only=True)

    @property
    def document_id(self) -> str:
        """The id of the document the transaction is about."""
        raise NotImplementedError  # pragma: no cover


@register_transaction
@frozen
class PlaceOrder(Transaction):
    """Confirm (save) a sales order.

    Attributes:
        order: the order as it would be confirmed.
    """

    order: SalesOrder = field(validator=typed(SalesOrder), kw_only=True)

    @property
    def document_id(self) -> str:
        """The order id."""
        return self.order.id


@register_transaction
@frozen
class ReleaseOrder(Transaction):
    """Release an order that credit management had held (S-IC 5.1: re-approval or a one-time
    release by the credit master-data maintainer).

    Attributes:
        order: the held order, as it stands.
        release_id: the one-time release being used, if the release is by a release rather
            than by re-approval.
    """

    order: SalesOrder = field(validator=typed(SalesOrder), kw_only=True)
    release_id: str | None = field(default=None, kw_only=True, validator=opt_ident)

    @property
    def document_id(self) -> str:
        """The order id."""
        return self.order.id


@register_transaction
@frozen
class SetCreditProfile(Transaction):
    """Maintain a customer's credit grade, limit and term in the master data (S-IC 2.2).

    Attributes:
        customer: the customer as it stands (its current profile, if any).
        profile: the new profile to be saved.
        application_id: the id of the credit application (the document approvals refer to).
    """

    customer: Customer = field(validator=typed(Customer), kw_only=True)
    profile: CreditProfile = field(validator=typed(CreditProfile), kw_only=True)
    application_id: str = field(validator=ident, kw_only=True)

    @property
    def document_id(self) -> str:
        """The credit application id."""
        return self.application_id


# -- fulfilment (salesctl.controls.delivery, .billing, .revenue) ---------------------------


def _same_order(cls: str, doc: str, doc_order: str, order: SalesOrder) -> None:
    if doc_order != order.id:
        raise InvalidInput(
            f"must be the id of the order given ({order.id})",
            path=f"{cls}.{doc}.order_id",
            value=doc_order,
        )


@register_transaction
@frozen
class IssueDeliveryNotice(Transaction):
    """Issue a delivery notice (开具发货通知单, S-IC 5.1, S-K1 8).

    Attributes:
        notice: the notice as it would be issued.
        order: the sales order it delivers, as it stands (customer, payment terms, lines).
        release_id: a one-time credit release presented for the order, if any (O2C-DL-04).
    """

    notice: DeliveryNotice = field(validator=typed(DeliveryNotice), kw_only=True)
    order: SalesOrder = field(validator=typed(SalesOrder), kw_only=True)
    release_id: str | None = field(default=None, kw_only=True, validator=opt_ident)

    def __attrs_post_init__(self) -> None:
        _same_order("IssueDeliveryNotice", "notice", self.notice.order_id, self.order)

    @property
    def document_id(self) -> str:
        """The delivery notice id."""
        return self.notice.id


@register_transaction
@frozen
class PostGoodsIssue(Transaction):
    """Post a goods issue: the goods leave the warehouse (发货过账, S-IC 6.1, S-K1 8).

    Attributes:
        goods_issue: the goods issue as it would be posted.
        order: the sales order delivered, as it stands.
        release_id: a one-time credit release presented for the order, if any (O2C-DL-04).
    """

    goods_issue: GoodsIssue = field(validator=typed(GoodsIssue), kw_only=True)
    order: SalesOrder = field(validator=typed(SalesOrder), kw_only=True)
    release_id: str | None = field(default=None, kw_only=True, validator=opt_ident)

    def __attrs_post_init__(self) -> None:
        _same_order("PostGoodsIssue", "goods_issue", self.goods_issue.order_id, self.order)

    @property
    def document_id(self) -> str:
        """The goods issue id."""
        return self.goods_issue.id


@register_transaction
@frozen
class IssueInvoice(Transaction):
    """Issue a sales invoice (开具发票, S-IC 5.2, S-K1 11).

    Attributes:
        invoice: the invoice as it would be issued.
    """

    invoice: Invoice = field(validator=typed(Invoice), kw_only=True)

    @property
    def document_id(self) -> str:
        """The invoice id."""
        return self.invoice.id


@register_transaction
@frozen
class VoidInvoice(Transaction):
    """Void an issued invoice (发票作废, S-PM C).

    Attributes:
        invoice: the invoice as it stands.
        reason: why it is voided.
    """

    invoice: Invoice = field(validator=typed(Invoice), kw_only=True)
    reason: str = field(default="", kw_only=True, validator=typed(str))

    @property
    def document_id(self) -> str:
        """The invoice id."""
        return self.invoice.id


@register_transaction
@frozen
class VoidSettlement(Transaction):
    """Roll back and void a sales settlement (销售结算单回退确定并作废, S-PM C).

    Attributes:
        settlement: the settlement as it stands.
        reason: why it is voided.
    """

    settlement: Settlement = field(validator=typed(Settlement), kw_only=True)
    reason: str = field(default="", kw_only=True, validator=typed(str))

    @property
    def document_id(self) -> str:
        """The settlement id."""
        return self.settlement.id


@register_transaction
@frozen
class BookRevenue(Transaction):
    """Recognise revenue for delivered goods (确认收入, S-K1 8, S-YF 11).

    Attributes:
        entry: the revenue entry as it would be posted.
    """

    entry: RevenueEntry = field(validator=typed(RevenueEntry), kw_only=True)

    @property
    def document_id(self) -> str:
        """The revenue entry id."""
        return self.entry.id


@register_transaction
@frozen
class RecordReceipt(Transaction):
    """Record a customer payment (录入收款凭证, S-IC 5.1).

    Attributes:
        receipt: the receipt as it would be recorded.
    """

    receipt: Receipt = field(validator=typed(Receipt), kw_only=True)

    @property
    def document_id(self) -> str:
        """The receipt id."""
        return self.receipt.id


# -- the sales flow (salesctl.controls.orders, .contracts, .commission, .service, .pipeline) --


@register_transaction
@frozen
class SendQuotation(Transaction):
    """Send a quotation to a customer in answer to an inquiry (报价, S-FT).

    Attributes:
        quotation: the quotation as it would be sent.
    """

    quotation: Quotation = field(validator=typed(Quotation), kw_only=True)

    @property
    def document_id(self) -> str:
        """The quotation id."""
        return self.quotation.id


@register_transaction
@frozen
class SignContract(Transaction):
    """Sign a sales contract (签订合同, S-IC 4.1, S-K1 2–3).

    Attributes:
        contract: the contract as it would be signed (its application, template and form).
        signatory: who signs the contract externally (合同签订人员, S-IC 4.1), when not the
            acting user who records the signing (``None``: the actor signs; O2C-CT-05).
        seal_use: the seal-use register entry (用印登记) of the contract seal put on this
            contract by its custodian (S-K1 3; ``None``: none on hand; O2C-CT-05).
    """

    contract: Contract = field(validator=typed(Contract), kw_only=True)
    signatory: Actor | None = field(
        default=None, validator=typed(Actor, optional=True), kw_only=True
    )
    seal_use: SealUse | None = field(
        default=None, validator=typed(SealUse, optional=True), kw_only=True
    )

    @property
    def signer(self) -> Actor:
        """The person who signs externally: :attr:`signatory`, or else the actor."""
        return self.signatory if self.signatory is not None else self.actor

    @property
    def document_id(self) -> str:
        """The contract id."""
        return self.contract.id


@register_transaction
@frozen
class IssueProductionOrder(Transaction):
    """Issue a production order / production notice (下生产订单, 生产通知单; S-FT, S-K1 6).

    Attributes:
        production_order: the production order as it would be issued.
    """

    production_order: ProductionOrder = field(validator=typed(ProductionOrder), kw_only=True)

    @property
    def document_id(self) -> str:
        """The production order id."""
        return self.production_order.id


@register_transaction
@frozen
class VoidOrder(Transaction):
    """Void a sales order (销售单作废, S-PM B).

    Attributes:
        order: the order to void, as it stands.
        reason: why it is voided.
    """

    order: SalesOrder = field(validator=typed(SalesOrder), kw_only=True)
    reason: str = field(default="", validator=typed(str), kw_only=True)

    @property
    def document_id(self) -> str:
        """The order id."""
        return self.order.id


@register_transaction
@frozen
class PayCommission(Transaction):
    """Pay a salesperson's commission (提成兑现, S-K1 9).

    Attributes:
        claim: the commission slip to be paid.
    """

    claim: CommissionClaim = field(validator=typed(CommissionClaim), kw_only=True)

    @property
    def document_id(self) -> str:
        """The commission slip id."""
        return self.claim.id


@register_transaction
@frozen
class ScheduleWorkOrder(Transaction):
    """Schedule follow-on service for a customer (下达接续派工单, S-K1 10).

    Attributes:
        work_order: the work order as it would be issued.
    """

    work_order: WorkOrder = field(validator=typed(WorkOrder), kw_only=True)

    @property
    def document_id(self) -> str:
        """The work order id."""
        return self.work_order.id


@register_transaction
@frozen
class AdvanceStage(Transaction):
    """Move a sales opportunity to another pipeline stage (S-PS).

    Attributes:
        opportunity: the opportunity as it stands (its current stage and artefacts).
        to_stage: the stage it would move to.
    """

    opportunity: Opportunity = field(validator=typed(Opportunity), kw_only=True)
    to_stage: PipelineStage = field(validator=typed(PipelineStage), kw_only=True)

    @property
    def document_id(self) -> str:
        """The opportunity id."""
        return self.opportunity.id


@register_transaction
@frozen
class SubmitSalesPlan(Transaction):
    """Put a sales plan into force, once approved (S-IC 1.2, S-CP 3.1.3–3.1.4★; O2C-PL-01).

    Attributes:
        plan: the plan as it would take effect.
    """

    plan: SalesPlan = field(validator=typed(SalesPlan), kw_only=True)

    @property
    def document_id(self) -> str:
        """The plan id."""
        return self.plan.id


# -- master data (salesctl.controls.pricing) ------------------------------------------------


@register_transaction
@frozen
class ChangeMasterPrice(Transaction):
    """Publish or change a price in the price master (维护价格主数据, S-IC 3.2, 3.4; O2C-PR-06).

    The acting user is the finance maintainer who enters the price; the change names who
    proposed it and the source document it comes from.

    Attributes:
        change: the price change as it would be saved.
    """

    change: PriceChange = field(validator=typed(PriceChange), kw_only=True)

    @property
    def document_id(self) -> str:
        """The price change's id."""
        return self.change.id


def parse_transaction(data: Mapping[str, Any], *, path: str = "") -> Transaction:
    """Read a transaction from JSON data with a ``"type"`` key.

    Args:
        data: the JSON object.
        path: where the object sits in a larger input, for errors.

    Returns:
        The transaction.

    Raises:
        UnknownTransaction: if ``type`` names no registered transaction.
        InvalidInput: naming the path of any malformed field.
    """
    from salesctl._convert import structure

    if not isinstance(data, Mapping):
        raise InvalidInput("must be an object", path=path, value=data)
    kind = data.get("type")
    tp_path = f"{path}.type" if path else "type"
    if kind is None:
        raise InvalidInput("is required", path=tp_path)
    cls = TRANSACTION_TYPES.get(kind) if isinstance(kind, str) else None
    if cls is None:
        raise UnknownTransaction(
            f"unknown transaction type (known: {', '.join(sorted(TRANSACTION_TYPES))})",
            path=tp_path,
            value=kind,
        )
    body = {k: v for k, v in data.items() if k != "type"}
    result: Transaction = structure(body, cls, path)
    return result


def transaction_to_dict(txn: Transaction) -> dict[str, Any]:
    """The JSON form of a transaction, with its ``"type"`` first."""
    from salesctl._convert import unstructure

    return {"type": type(txn).__name__, **unstructure(txn)}
