"""salesctl's gate in front of Tryton's sales, invoices, shipments and credit profiles.

Tryton loads this package as the module ``salesctl`` (entry point ``trytond.modules``).
"""

from trytond.pool import Pool

from . import contracts, documents, salesctl

__all__ = ["register"]


def register() -> None:
    """Register the module's models with Tryton's pool."""
    Pool.register(
        salesctl.Configuration,
        salesctl.User,
        salesctl.Party,
        salesctl.CreditApplication,
        salesctl.CreditRelease,
        salesctl.ApprovalRequest,
        salesctl.Approval,
        contracts.Contract,
        documents.Sale,
        documents.Invoice,
        documents.Lot,
        documents.ShipmentOut,
        module="salesctl",
        type_="model",
    )
