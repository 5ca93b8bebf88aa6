"""The host ledger's approvals and contracts, held as objects (:class:`WarmApprovals`,
:class:`WarmContracts`), and the host's zone.

Kept apart from :mod:`salesctl.demo.host`, which uses both.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from salesctl.ledger.cold import ColdApprovals
from salesctl.ledger.cold_contracts import ColdContracts
from salesctl.ledger.state import ContractState

__all__ = ["TZ", "WarmApprovals", "WarmContracts"]

#: The host's time zone (+08:00): every time it makes is given in it.
TZ = dt.timezone(dt.timedelta(hours=8))


class WarmApprovals(ColdApprovals):
    """The host ledger's approvals, never frozen: the week's sweep only forgets which
    documents were touched (:meth:`ColdApprovals.freeze_warm` would write the approvals of
    those granted none for a week as one text, and every later context naming the document
    would build them again, equal). The audit's ledger freezes them to bound its memory on
    long streams; the generator holds its approvals on hand as granted (under 1 MB more peak
    memory for a default year, 6 MB for 20,000 orders) and reads them as they are.
    ``tests/test_demo_twelfth.py`` pins that a year is written the same either way, from equal
    contexts.
    """

    __slots__ = ()

    def freeze_warm(self, held: dict[str, Any], warm: dict[str, None], before: dt.datetime) -> None:
        """Forget the documents touched since the last sweep (nothing is frozen)."""
        warm.clear()

    def sweep(self, held: dict[str, Any], cutoff: dt.datetime) -> None:
        """:meth:`ColdApprovals.sweep` with ``cutoff`` read in the host's zone (:data:`TZ`):
        the same instant, so every comparison gives what it gives against the UTC cutoff,
        but an approval granted in the host's zone (nearly all are) is compared with it field
        by field (one ``tzinfo``) instead of through both offsets. The month's sweep compares
        every approval the host holds (a default year: 12 sweeps of up to 30,000 documents).
        ``tests/test_demo_thirteenth.py`` compares it with the sweep against the UTC cutoff.
        """
        try:
            local = cutoff.astimezone(TZ)
        except OverflowError:  # within hours of the calendar's end: compared as it is
            local = cutoff
        super().sweep(held, local)


class WarmContracts(ColdContracts):
    """The host ledger's contracts, never frozen: the week's sweep only lets go of their
    cached accounts, as the ledger's sweep did before contracts were frozen
    (:meth:`ColdContracts.sweep` would write a contract not read for a week as one text,
    and the next context naming it would build it again, equal). The generator names its
    contracts again and again (deliveries, invoices, receipts, commissions), so it keeps
    them as objects and reads them as they are: the demo's instructions +1.7 % with them
    frozen. ``tests/test_demo_thirteenth.py`` pins that a year is written the same either
    way.
    """

    __slots__ = ()

    def state_of(
        self, contracts: dict[str, ContractState | str], contract_id: str
    ) -> ContractState | None:
        """The state held under ``contract_id`` (never frozen here), or ``None``."""
        got = contracts.get(contract_id)
        if type(got) is str:  # held frozen by another store: built again as the default does
            return super().state_of(contracts, contract_id)
        return got  # type: ignore[return-value]

    def hold(self, contracts: dict[str, ContractState | str], state: ContractState) -> None:
        """Hold a new contract's state in ``contracts``, under its id."""
        contracts[state.contract.id] = state

    def sweep(self, contracts: dict[str, ContractState | str]) -> None:
        """The week's sweep: every contract's cached account let go, nothing frozen."""
        for k in contracts.values():
            if not isinstance(k, str):
                k.account = None
