"""salesctl: sales internal controls as code.

A host ERP builds a :class:`Gate` from a :class:`Policy` once, then calls
:meth:`Gate.check` before each order-to-cash transaction and gets a :class:`Decision`:
ALLOW, HOLD (with the approvals needed) or BLOCK, with findings in Chinese and English.

>>> import salesctl as sc
>>> gate = sc.Gate(sc.Policy.default())
>>> "O2C-CR-04" in gate.controls_for("PlaceOrder")
True

The replay (audit, events, ledger, reconcile), journal, docs, demo and testing stacks load on
first use (PEP 562): ``sc.replay`` or ``sc.Journal`` imports its module when first touched, so a
host that only calls the gate does not pay for them at start-up.
"""

import importlib as _importlib
from typing import TYPE_CHECKING as _TYPE_CHECKING

from salesctl._version import __version__ as __version__
from salesctl.approvals import Authority
from salesctl.context import Context
from salesctl.control import (
    RISKS,
    Assertion,
    Automation,
    Control,
    Examination,
    Family,
    Frequency,
    Kind,
)
from salesctl.controls import CATALOGUE_FINGERPRINT, CONTROLS, FAMILIES
from salesctl.decision import ApprovalRequirement, Decision, Finding, Outcome, RejectedApproval
from salesctl.errors import (
    ChainBroken,
    CurrencyMismatch,
    InvalidInput,
    JournalBusy,
    JournalCorrupt,
    JournalError,
    JournalForeign,
    JournalReadOnly,
    JournalTooNew,
    PolicyError,
    ReleaseConsumed,
    SalesctlError,
    UnknownTransaction,
)
from salesctl.gate import Gate, approval_clears
from salesctl.model import (
    Actor,
    Approval,
    BusinessApprovalForm,
    CommissionClaim,
    Concession,
    ConcessionKind,
    ConcessionRecord,
    ConsignmentSettlement,
    Contract,
    ContractAccount,
    ContractForm,
    ContractStatus,
    CreditExposure,
    CreditProfile,
    CreditRelease,
    Customer,
    DeliveryLine,
    DeliveryMode,
    DeliveryNotice,
    DeliveryProof,
    FrozenMap,
    GoodsIssue,
    Invoice,
    InvoiceLine,
    Opportunity,
    OrderLine,
    PaymentMethod,
    PaymentTerms,
    PipelineStage,
    PlanKind,
    PriceClass,
    PriceEntry,
    Product,
    ProductionLine,
    ProductionOrder,
    ProofKind,
    Quotation,
    QuotationLine,
    Receipt,
    RevenueEntry,
    SalesOrder,
    SalesPlan,
    SealKind,
    SealUse,
    Settlement,
    SettlementStatus,
    SigningAuthority,
    StockLot,
    TemplateDeviation,
    WorkOrder,
)
from salesctl.money import Money
from salesctl.parsing import parse_context, parse_transaction
from salesctl.policy import Policy, load_policy, loads_policy
from salesctl.records import (
    BilledLine,
    ConsignmentCount,
    ContractLedgerLine,
    CreditFile,
    DeliveryRecord,
    GLRevenue,
    LedgerBook,
    OrderEntry,
    PerformanceAssessment,
    Period,
    ReceivableItem,
    Records,
    SalesActual,
    SalesAnalysis,
    SalesInvoice,
    SalesTarget,
    ShipmentCount,
    StockCount,
    SystemInvoice,
)
from salesctl.transactions import (
    TRANSACTION_TYPES,
    AdvanceStage,
    BookRevenue,
    IssueDeliveryNotice,
    IssueInvoice,
    IssueProductionOrder,
    PayCommission,
    PlaceOrder,
    PostGoodsIssue,
    RecordReceipt,
    ReleaseOrder,
    ScheduleWorkOrder,
    SendQuotation,
    SetCreditProfile,
    SignContract,
    SubmitSalesPlan,
    Transaction,
    VoidInvoice,
    VoidOrder,
    VoidSettlement,
    transaction_to_dict,
)

if _TYPE_CHECKING:
    from salesctl.audit import (
        AuditException,
        AuditReport,
        ControlTally,
        RejectedLine,
        merge_reports,
        replay,
        replay_file,
        replay_partitioned,
    )
    from salesctl.events import (
        RECORD_TYPES,
        GrantApproval,
        GrantRelease,
        MalformedEvent,
        Record,
        event_schema,
        event_to_dict,
        parse_event,
        read_events,
        register_record,
    )
    from salesctl.journal import (
        Entry,
        Journal,
        ReleaseConsumption,
        SeriesReport,
        Verification,
    )
    from salesctl.ledger import (
        Books,
        Ledger,
    )
    from salesctl.reconcile import (
        Report,
        Tally,
    )

__all__ = [
    "CATALOGUE_FINGERPRINT",
    "CONTROLS",
    "FAMILIES",
    "RECORD_TYPES",
    "RISKS",
    "TRANSACTION_TYPES",
    "Actor",
    "AdvanceStage",
    "Approval",
    "ApprovalRequirement",
    "Assertion",
    "AuditException",
    "AuditReport",
    "Authority",
    "Automation",
    "BilledLine",
    "BookRevenue",
    "Books",
    "BusinessApprovalForm",
    "ChainBroken",
    "CommissionClaim",
    "Concession",
    "ConcessionKind",
    "ConcessionRecord",
    "ConsignmentCount",
    "ConsignmentSettlement",
    "Context",
    "Contract",
    "ContractAccount",
    "ContractForm",
    "ContractLedgerLine",
    "ContractStatus",
    "Control",
    "ControlTally",
    "CreditExposure",
    "CreditFile",
    "CreditProfile",
    "CreditRelease",
    "CurrencyMismatch",
    "Customer",
    "Decision",
    "DeliveryLine",
    "DeliveryMode",
    "DeliveryNotice",
    "DeliveryProof",
    "DeliveryRecord",
    "Entry",
    "Examination",
    "Family",
    "Finding",
    "Frequency",
    "FrozenMap",
    "GLRevenue",
    "Gate",
    "GoodsIssue",
    "GrantApproval",
    "GrantRelease",
    "InvalidInput",
    "Invoice",
    "InvoiceLine",
    "IssueDeliveryNotice",
    "IssueInvoice",
    "IssueProductionOrder",
    "Journal",
    "JournalBusy",
    "JournalCorrupt",
    "JournalError",
    "JournalForeign",
    "JournalReadOnly",
    "JournalTooNew",
    "Kind",
    "Ledger",
    "LedgerBook",
    "MalformedEvent",
    "Money",
    "Opportunity",
    "OrderEntry",
    "OrderLine",
    "Outcome",
    "PayCommission",
    "PaymentMethod",
    "PaymentTerms",
    "PerformanceAssessment",
    "Period",
    "PipelineStage",
    "PlaceOrder",
    "PlanKind",
    "Policy",
    "PolicyError",
    "PostGoodsIssue",
    "PriceClass",
    "PriceEntry",
    "Product",
    "ProductionLine",
    "ProductionOrder",
    "ProofKind",
    "Quotation",
    "QuotationLine",
    "Receipt",
    "ReceivableItem",
    "Record",
    "RecordReceipt",
    "Records",
    "RejectedApproval",
    "RejectedLine",
    "ReleaseConsumed",
    "ReleaseConsumption",
    "ReleaseOrder",
    "Report",
    "RevenueEntry",
    "SalesActual",
    "SalesAnalysis",
    "SalesInvoice",
    "SalesOrder",
    "SalesPlan",
    "SalesTarget",
    "SalesctlError",
    "ScheduleWorkOrder",
    "SealKind",
    "SealUse",
    "SendQuotation",
    "SeriesReport",
    "SetCreditProfile",
    "Settlement",
    "SettlementStatus",
    "ShipmentCount",
    "SignContract",
    "SigningAuthority",
    "StockCount",
    "StockLot",
    "SubmitSalesPlan",
    "SystemInvoice",
    "Tally",
    "TemplateDeviation",
    "Transaction",
    "UnknownTransaction",
    "Verification",
    "VoidInvoice",
    "VoidOrder",
    "VoidSettlement",
    "WorkOrder",
    "approval_clears",
    "event_schema",
    "event_to_dict",
    "load_policy",
    "loads_policy",
    "merge_reports",
    "parse_context",
    "parse_event",
    "parse_transaction",
    "read_events",
    "register_record",
    "replay",
    "replay_file",
    "replay_partitioned",
    "transaction_to_dict",
]

#: The names loaded on first use (PEP 562), by the module that defines them: the replay,
#: journal and ledger stacks cost start-up time a host that only calls the gate never needs.
_LAZY: dict[str, tuple[str, ...]] = {
    "salesctl.audit": (
        "AuditException",
        "AuditReport",
        "ControlTally",
        "RejectedLine",
        "merge_reports",
        "replay",
        "replay_file",
        "replay_partitioned",
    ),
    "salesctl.events": (
        "RECORD_TYPES",
        "GrantApproval",
        "GrantRelease",
        "MalformedEvent",
        "Record",
        "event_schema",
        "event_to_dict",
        "parse_event",
        "read_events",
        "register_record",
    ),
    "salesctl.journal": (
        "Entry",
        "Journal",
        "ReleaseConsumption",
        "SeriesReport",
        "Verification",
    ),
    "salesctl.ledger": (
        "Books",
        "Ledger",
    ),
    "salesctl.reconcile": (
        "Report",
        "Tally",
    ),
}
_LAZY_NAMES: dict[str, str] = {n: m for m, names in _LAZY.items() for n in names}
#: Submodules reachable as attributes (``salesctl.audit.replay``) without importing them first.
_LAZY_MODULES = frozenset(
    {"audit", "cli", "demo", "docs", "events", "journal", "ledger", "reconcile", "testing"}
)


# Hidden from type checkers, which read the names from the TYPE_CHECKING imports above: a
# module __getattr__ would otherwise make every misspelt attribute of salesctl type-check.
if not _TYPE_CHECKING:

    def __getattr__(name: str) -> object:
        """Import a lazy name's module on first use (PEP 562) and cache the name here."""
        module = _LAZY_NAMES.get(name)
        if module is not None:
            value = getattr(_importlib.import_module(module), name)
            globals()[name] = value
            return value
        if name in _LAZY_MODULES:
            return _importlib.import_module(f"{__name__}.{name}")
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    """The loaded names and every public name, loaded or not."""
    return sorted(set(globals()) | set(__all__))
