"""salesctl: sales internal controls as code.

A host ERP builds a :class:`Gate` from a :class:`Policy` once, then calls
:meth:`Gate.check` before each order-to-cash transaction and gets a :class:`Decision`:
ALLOW, HOLD (with the approvals needed) or BLOCK, with findings in Chinese and English.

>>> import salesctl as sc
>>> gate = sc.Gate(sc.Policy.default())
>>> "O2C-CR-04" in gate.controls_for("PlaceOrder")
True
"""

from salesctl.context import Context
from salesctl.control import RISKS, Assertion, Automation, Control, Family, Frequency, Kind
from salesctl.controls import CATALOGUE_FINGERPRINT, CONTROLS, FAMILIES
from salesctl.decision import ApprovalRequirement, Decision, Finding, Outcome
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
from salesctl.journal import Entry, Journal, ReleaseConsumption, SeriesReport, Verification
from salesctl.model import (
    Actor,
    Approval,
    Concession,
    ConcessionKind,
    ConcessionRecord,
    CreditExposure,
    CreditProfile,
    CreditRelease,
    Customer,
    FrozenMap,
    OrderLine,
    PaymentMethod,
    PaymentTerms,
    PriceClass,
    PriceEntry,
    Product,
    SalesOrder,
)
from salesctl.money import Money
from salesctl.policy import Policy, load_policy, loads_policy
from salesctl.transactions import (
    TRANSACTION_TYPES,
    PlaceOrder,
    ReleaseOrder,
    SetCreditProfile,
    Transaction,
    parse_transaction,
    transaction_to_dict,
)

__version__ = "0.1.0"

__all__ = [
    "CATALOGUE_FINGERPRINT",
    "CONTROLS",
    "FAMILIES",
    "RISKS",
    "TRANSACTION_TYPES",
    "Actor",
    "Approval",
    "ApprovalRequirement",
    "Assertion",
    "Automation",
    "ChainBroken",
    "Concession",
    "ConcessionKind",
    "ConcessionRecord",
    "Context",
    "Control",
    "CreditExposure",
    "CreditProfile",
    "CreditRelease",
    "CurrencyMismatch",
    "Customer",
    "Decision",
    "Entry",
    "Family",
    "Finding",
    "Frequency",
    "FrozenMap",
    "Gate",
    "InvalidInput",
    "Journal",
    "JournalBusy",
    "JournalCorrupt",
    "JournalError",
    "JournalForeign",
    "JournalReadOnly",
    "JournalTooNew",
    "Kind",
    "Money",
    "OrderLine",
    "Outcome",
    "PaymentMethod",
    "PaymentTerms",
    "PlaceOrder",
    "Policy",
    "PolicyError",
    "PriceClass",
    "PriceEntry",
    "Product",
    "ReleaseConsumed",
    "ReleaseConsumption",
    "ReleaseOrder",
    "SalesOrder",
    "SalesctlError",
    "SeriesReport",
    "SetCreditProfile",
    "Transaction",
    "UnknownTransaction",
    "Verification",
    "approval_clears",
    "load_policy",
    "loads_policy",
    "parse_transaction",
    "transaction_to_dict",
]
