"""Issue 16, eleventh pass: the generator's remaining documents built trusted.

The pins:

* The quotations, opportunities, production and work orders, commission claims, the host's
  customers and stock lots, the storage readings and the month-end counts are built by
  :func:`salesctl.demo.trusted.trusted` (as the orders already were): over a year with every
  injector each such build is the build through ``object.__setattr__`` and the class's own
  constructor's (every validator run, an equal document with the same repr:
  ``trusted._VERIFY``), for every class the generator builds so, these among them; and the
  year is the one written without the check.
* The check refuses what the constructor refuses: a trusted build whose arguments a
  validator rejects raises the validator's error.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import attrs
import pytest

import salesctl.demo.host as host_module
import salesctl.demo.trusted as trusted_module
from salesctl.demo import generate
from salesctl.errors import SalesctlError
from salesctl.events import (
    CountShipments,
    CountStock,
    ReadStorage,
    ReceiveStock,
    RecordBusinessApproval,
)
from salesctl.model import (
    BusinessApprovalForm,
    CommissionClaim,
    Customer,
    Opportunity,
    ProductionLine,
    ProductionOrder,
    Quotation,
    QuotationLine,
    StockLot,
    WorkOrder,
)
from salesctl.records import ShipmentCount, StockCount
from salesctl.records_extra import StorageReading
from salesctl.transactions import (
    AdvanceStage,
    IssueProductionOrder,
    PayCommission,
    ScheduleWorkOrder,
    SendQuotation,
)

#: The classes this pass moved to the trusted builders.
_MOVED = (
    Opportunity,
    AdvanceStage,
    Quotation,
    QuotationLine,
    SendQuotation,
    BusinessApprovalForm,
    RecordBusinessApproval,
    ProductionOrder,
    ProductionLine,
    IssueProductionOrder,
    WorkOrder,
    ScheduleWorkOrder,
    CommissionClaim,
    PayCommission,
    Customer,
    StockLot,
    ReceiveStock,
    StorageReading,
    ReadStorage,
    StockCount,
    CountStock,
    ShipmentCount,
    CountShipments,
)


class TestTrustedBuilds:
    def test_every_trusted_build_of_a_year_is_the_constructors(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """A year with every injector, each trusted build compared with the setattr build and
        with the class's constructor: the moved classes are among those checked, every class
        built so is filled by slot stores, and the year is the one written without the check.
        (The records written from their data alone are built too when ``_VERIFY_DATA`` is
        set, as here: the nineteenth pass.)"""
        trusted_module._VERIFIED.clear()
        trusted_module._VERIFY[0] = True
        monkeypatch.setattr(host_module, "_VERIFY_DATA", True)
        try:
            verified = generate(seed=5, customers=12, orders=80)
        finally:
            trusted_module._VERIFY[0] = False
            monkeypatch.setattr(host_module, "_VERIFY_DATA", False)
        seen = set(trusted_module._VERIFIED)
        missing = [cls.__name__ for cls in _MOVED if cls not in seen]
        assert not missing
        assert len(seen) > 40
        for cls in trusted_module._BUILDERS:  # every class built so is filled by slot stores
            assert trusted_module._assembly_of(cls, attrs.fields(cls)) is not None, cls
        assert verified.events == generate(seed=5, customers=12, orders=80).events

    def test_what_the_constructor_refuses_is_refused(self) -> None:
        """The trusted build itself runs no validator; the check runs the constructor, whose
        error surfaces."""
        kw = {
            "area_id": "AREA-1",
            "read_on": "2026-03-02",  # not a date: refused by the constructor
            "temperature": Decimal("2.0"),
            "humidity": None,
            "read_by": "u-warehouse",
        }
        built = trusted_module.trusted(StorageReading)(**kw)
        with pytest.raises(SalesctlError):
            trusted_module._same_as_set(built, StorageReading, kw)
        good = dict(kw, read_on=dt.date(2026, 3, 2))
        built = trusted_module.trusted(StorageReading)(**good)
        trusted_module._same_as_set(built, StorageReading, good)
        assert built == StorageReading(**good)  # type: ignore[arg-type]
