"""Detective controls: reconciliations, closings, reviews and analyses over records.

Half of the seed's controls are detective (S-IC 5.1, 7.1, 8.1, 9.1, 10.1, 11.1; S-K1 4, 5, 12;
S-YF 11). They look at *populations of records* over a *period* rather than at one
transaction: the order register, credit files, the two contract ledgers, shipment and stock
counts, invoices and the general ledger, receivables, consignment counts, targets and plans.
They report with the same :class:`~salesctl.decision.Finding` type as the gate, and their
metadata is in the same catalogue (:data:`salesctl.controls.CONTROLS`): a control with a
``detect`` check is detective (O2C-SO-01 has both a preventive ``check`` and a ``detect``).

The call (a replay at each day, month and quarter end, or a host on its own)::

    report = reconcile.run(records, Period.month(2026, 3), policy)

:func:`run` runs every enabled control whose ``detect_at`` contains the period's kind
(``due_only=False``: every detective control, whatever its cadence), and returns a
:class:`Report`: the findings, the population each control tested, and the fingerprints.

Outcomes of detective findings:

* **HOLD** — an exception the named role must investigate and resolve (a reconciling
  difference, a late closing or review, an escalation step not taken); the finding's
  ``required`` names that role with ``document_id`` = the document concerned.
* **BLOCK** — the control did not operate or the records cannot be reconciled: a duplicate
  number, an invoice outside the system, a count or analysis never made, or data the check
  needs is missing (fails closed).
* **ALLOW** — evidence: a difference that was found *and explained* (查明原因), reported so the
  auditor sees it.

Every detective finding's first fact is ``("document", <id>)``: the document, count or
period the exception is about (:meth:`Report.documents`).

**Which records a check needs.** Every check selects the items whose *test date* falls in the
period (the day an invoice was issued, the month-end of a count, the *deadline* of an
obligation such as closing an order or reviewing a credit file) and looks up what those items
refer to in the other records. Passing a superset (the whole year) is always correct; a replay
may pass only the period's items plus what they refer to. An obligation is checked in the
period its deadline falls in, so it is reported once, and a run at a period end sees
obligations due on or before that end.

>>> import datetime as dt
>>> from salesctl.reconcile import OrderEntry, Period, Records, run
>>> orders = tuple(
...     OrderEntry(order_id=f"SO-{n}", series="SO", seq=n, customer_id="C-1",
...                created_on=dt.date(2026, 3, n))
...     for n in (1, 2, 4)
... )
>>> report = run(Records(orders=orders), Period.month(2026, 3), only=["O2C-SO-01"])
>>> [(f.control_id, f.outcome.name, f.text()) for f in report.findings]
[('O2C-SO-01', 'HOLD', 'number SO/3 is missing from the order register (gap between 2 and 4)')]
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from attrs import evolve, field, frozen

from salesctl._convert import structure, unstructure
from salesctl._validators import FrozenMap, each, frozenmap_conv, mapping, tuple_conv, typed
from salesctl.control import Examination
from salesctl.controls import CATALOGUE_FINGERPRINT, CONTROLS
from salesctl.decision import Finding, Outcome, make_finding, render
from salesctl.errors import InvalidInput, SalesctlError
from salesctl.policy import Policy
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

__all__ = [
    "CUSTOMER_PARTITIONABLE",
    "BilledLine",
    "ConsignmentCount",
    "ContractLedgerLine",
    "CreditFile",
    "DeliveryRecord",
    "Examination",
    "GLRevenue",
    "LedgerBook",
    "OrderEntry",
    "PerformanceAssessment",
    "Period",
    "ReceivableItem",
    "Records",
    "Report",
    "SalesActual",
    "SalesAnalysis",
    "SalesInvoice",
    "SalesTarget",
    "ShipmentCount",
    "StockCount",
    "SystemInvoice",
    "Tally",
    "make_finding",
    "run",
]

# -- results ---------------------------------------------------------------------------------


def _document(f: Finding) -> str:
    return f.facts[0][1] if f.facts and f.facts[0][0] == "document" else ""


def _key(f: Finding) -> tuple[Any, ...]:
    return (f.control_id, _document(f), f.message, int(f.outcome), f.params, f.facts)


@frozen
class Tally:
    """One control's line in the auditor's table.

    Attributes:
        tested: items tested.
        passed: items with no HOLD or BLOCK finding.
        held: HOLD findings.
        blocked: BLOCK findings.
        explained: ALLOW findings (differences found and explained).
    """

    tested: int = 0
    passed: int = 0
    held: int = 0
    blocked: int = 0
    explained: int = 0

    def __add__(self, other: Tally) -> Tally:
        return Tally(
            self.tested + other.tested,
            self.passed + other.passed,
            self.held + other.held,
            self.blocked + other.blocked,
            self.explained + other.explained,
        )


@frozen
class Report:
    """The result of a detective run over one period.

    Attributes:
        period: the period examined.
        findings: every finding, in a canonical order (control, document, message).
        tested: population size per control id that ran.
        controls: ids of the controls that ran.
        policy_fingerprint: SHA-256 of the policy in force.
        catalogue_fingerprint: SHA-256 of the control catalogue.
    """

    period: Period = field(validator=typed(Period))
    findings: tuple[Finding, ...] = field(converter=tuple_conv, validator=each(Finding))
    tested: FrozenMap[str, int] = field(
        default=FrozenMap(), converter=frozenmap_conv, validator=mapping
    )
    controls: tuple[str, ...] = field(default=(), converter=tuple_conv, validator=each(str))
    policy_fingerprint: str = field(default="", validator=typed(str))
    catalogue_fingerprint: str = field(default="", validator=typed(str))

    @property
    def outcome(self) -> Outcome:
        """The worst outcome of the findings (ALLOW when there are none)."""
        return max((f.outcome for f in self.findings), default=Outcome.ALLOW)

    @property
    def exceptions(self) -> tuple[Finding, ...]:
        """The HOLD and BLOCK findings."""
        return tuple(f for f in self.findings if f.outcome is not Outcome.ALLOW)

    def findings_for(self, control_id: str) -> tuple[Finding, ...]:
        """The findings of one control."""
        return tuple(f for f in self.findings if f.control_id == control_id)

    def documents(self, control_id: str) -> tuple[str, ...]:
        """The documents with a HOLD or BLOCK finding of ``control_id`` (sorted, unique)."""
        return tuple(
            sorted(
                {
                    _document(f)
                    for f in self.findings_for(control_id)
                    if f.outcome is not Outcome.ALLOW
                }
            )
        )

    def tally(self) -> dict[str, Tally]:
        """Per control that ran: tested, passed, held, blocked, explained."""
        out: dict[str, Tally] = {}
        for cid in self.controls:
            mine = self.findings_for(cid)
            failed = {_document(f) for f in mine if f.outcome is not Outcome.ALLOW}
            tested = self.tested.get(cid, 0)
            out[cid] = Tally(
                tested=tested,
                passed=max(tested - len(failed), 0),
                held=sum(f.outcome is Outcome.HOLD for f in mine),
                blocked=sum(f.outcome is Outcome.BLOCK for f in mine),
                explained=sum(f.outcome is Outcome.ALLOW for f in mine),
            )
        return out

    def merge(self, other: Report) -> Report:
        """Combine two reports of the same period (e.g. two customer partitions).

        Populations add up, findings are merged in canonical order.

        Raises:
            InvalidInput: if periods or fingerprints differ.
        """
        if other.period != self.period:
            raise InvalidInput(
                "reports of different periods", path="other.period", value=other.period.label
            )
        if (other.policy_fingerprint, other.catalogue_fingerprint) != (
            self.policy_fingerprint,
            self.catalogue_fingerprint,
        ):
            raise InvalidInput("reports under different policies or catalogues", path="other")
        tested = dict(self.tested)
        for k, v in other.tested.items():
            tested[k] = tested.get(k, 0) + v
        return evolve(
            self,
            findings=tuple(sorted(self.findings + other.findings, key=_key)),
            tested=FrozenMap(sorted(tested.items())),
            controls=tuple(sorted(set(self.controls) | set(other.controls))),
        )

    def explain(self, lang: str = "en") -> str:
        """The report as text in ``"zh"`` or ``"en"``: one line per control, then findings."""
        zh = lang == "zh"
        render("gate.disabled", (), lang)  # validates lang
        lines = [
            f"期间 {self.period.label}:例外 {len(self.exceptions)} 项"
            if zh
            else f"period {self.period.label}: {len(self.exceptions)} exceptions"
        ]
        for cid, t in self.tally().items():
            lines.append(
                f"  {cid}: 测试 {t.tested},通过 {t.passed},挂起 {t.held},阻止 {t.blocked},已说明 {t.explained}"
                if zh
                else f"  {cid}: tested {t.tested}, passed {t.passed}, held {t.held}, "
                f"blocked {t.blocked}, explained {t.explained}"
            )
        for f in self.findings:
            lines.append(f"  [{f.control_id}] {f.outcome.name} {_document(f)}: {f.text(lang)}")
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        """The report as JSON-ready data."""
        out: dict[str, Any] = unstructure(self)
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Report:
        """Rebuild a report from :meth:`to_dict` output.

        Raises:
            InvalidInput: naming the field path of anything malformed.
        """
        result: Report = structure(data, cls, "report")
        return result


#: Detective controls whose findings over records split by customer and merged
#: (:meth:`Report.merge`) equal those over all records at once: every item they test belongs
#: to one customer (for O2C-CT-04: both books name the contract's customer). The others
#: (number series, product counts, invoice-to-delivery links, general-ledger totals, plans,
#: targets) need the whole population in one run.
CUSTOMER_PARTITIONABLE: frozenset[str] = frozenset(
    c.id for c in CONTROLS.values() if c.customer_partitionable
)


# -- running ---------------------------------------------------------------------------------


def run(
    records: Records,
    period: Period,
    policy: Any = None,
    *,
    only: Iterable[str] | None = None,
    due_only: bool = True,
) -> Report:
    """Run the detective controls over ``records`` for ``period``.

    Args:
        records: the populations (see :class:`Records` and the module docs for what each
            check needs).
        period: the period examined.
        policy: the :class:`~salesctl.policy.Policy` in force (the default policy when
            omitted); disabled controls do not run.
        only: run only these control ids.
        due_only: run only the controls whose ``detect_at`` includes ``period.kind`` (what a
            replay does at each boundary); ``False`` runs every selected detective control
            over the period, whatever its cadence.

    Returns:
        The report. A check that raises fails closed: a BLOCK finding naming the error.

    Raises:
        InvalidInput: for records or period of the wrong type, or an unknown id in ``only``.
    """
    if not isinstance(records, Records):
        raise InvalidInput(
            "must be salesctl.reconcile.Records", path="records", value=type(records).__name__
        )
    if not isinstance(period, Period):
        raise InvalidInput(
            "must be salesctl.reconcile.Period", path="period", value=type(period).__name__
        )
    pol = policy if policy is not None else Policy.default()
    if not isinstance(pol, Policy):
        raise InvalidInput("must be a salesctl.Policy", path="policy", value=type(pol).__name__)
    wanted = None if only is None else frozenset(only)
    if wanted is not None:
        unknown = sorted(wanted - {c.id for c in CONTROLS.values() if c.detect is not None})
        if unknown:
            raise InvalidInput("not a detective control id", path="only", value=unknown)
    findings: list[Finding] = []
    tested: dict[str, int] = {}
    ran: list[str] = []
    for control in CONTROLS.values():
        if control.detect is None or not pol.is_enabled(control.id):
            continue
        if wanted is not None and control.id not in wanted:
            continue
        if due_only and period.kind not in control.detect_at:
            continue
        ran.append(control.id)
        try:
            result = control.detect(records, period, pol.family(control.family))
            if not isinstance(result, Examination):
                raise TypeError(f"check returned {type(result).__name__}, not Examination")
            tested[control.id] = result.tested
            findings.extend(result.findings)
        except Exception as e:  # fail closed on any evaluation problem
            error = str(e) if isinstance(e, SalesctlError) else f"{type(e).__name__}: {e}"
            tested[control.id] = tested.get(control.id, 0)
            findings.append(
                make_finding(
                    control.id,
                    Outcome.BLOCK,
                    "gate.evaluation_error",
                    period.label,
                    params={"control": control.id, "error": error},
                    facts={"error_type": type(e).__name__},
                )
            )
    return Report(
        period=period,
        findings=tuple(sorted(findings, key=_key)),
        tested=FrozenMap(sorted(tested.items())),
        controls=tuple(ran),
        policy_fingerprint=pol.fingerprint,
        catalogue_fingerprint=CATALOGUE_FINGERPRINT,
    )
