"""A small host integration: the order-confirmation hook of an imaginary ERP.

The ERP keeps its own rows (plain dicts, amounts as strings); before it confirms a sales order it
turns the row into a :class:`salesctl.PlaceOrder`, asks the gate, and then posts, routes the
order for approval, or refuses it. This is the code a host writes — and the code
``test_erp_hook.py`` property-tests with :mod:`salesctl.testing`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import salesctl as sc


class ERPError(Exception):
    """The ERP's own error for a row it cannot post; keeps salesctl's field path."""

    def __init__(self, message: str, path: str) -> None:
        super().__init__(f"{path}: {message}" if path else message)
        self.path = path


@dataclass
class Outcome:
    """What the hook did with one order."""

    posted: bool
    routed: list[sc.ApprovalRequirement] = field(default_factory=list)
    refused: str = ""
    decision: sc.Decision | None = None


@dataclass
class ERP:
    """The ERP side: a ledger of posted orders and a work queue of approvals to collect."""

    gate: sc.Gate
    posted: list[str] = field(default_factory=list)
    queue: list[sc.ApprovalRequirement] = field(default_factory=list)

    def confirm(
        self, row: dict[str, Any], user: dict[str, Any], context: dict[str, Any], now: dt.datetime
    ) -> Outcome:
        """Confirm the order in ``row`` as ``user``: post it, route it, or refuse it.

        Raises:
            ERPError: if the row, the user or the context is malformed (salesctl's path kept).
        """
        try:
            txn = sc.parse_transaction(
                {"type": "PlaceOrder", "order": row, "actor": user, "at": now.isoformat()}
            )
            ctx = sc.Context.from_dict(context)
        except sc.SalesctlError as e:  # a malformed row is the ERP's bug report, with the path
            raise ERPError(e.reason, e.path) from e
        try:
            decision = self.gate.check(txn, ctx)
        except sc.SalesctlError as e:  # e.g. a context not dated on the business date of `now`
            raise ERPError(e.reason, e.path) from e
        if decision.outcome is sc.Outcome.ALLOW:
            self.posted.append(row["id"])
            return Outcome(posted=True, decision=decision)
        if decision.outcome is sc.Outcome.HOLD:
            self.queue.extend(decision.required_approvals)
            return Outcome(
                posted=False, routed=list(decision.required_approvals), decision=decision
            )
        return Outcome(posted=False, refused=decision.explain("zh"), decision=decision)
