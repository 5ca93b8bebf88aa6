"""What a control is: its metadata (what an auditor reads) and one pure check.

Every control family module (:mod:`salesctl.controls.credit`, …) has the same shape: its
policy object(s), then its controls, each a :class:`Control` built from metadata and a check
function ``check(txn, ctx, policy) -> tuple[Finding, ...]`` (typed by :class:`Check`). The
check never reads a clock, a file, an environment variable or a database; it returns the empty
tuple when the transaction passes.

The metadata carries the columns of a risk-and-control matrix (RCM): id, version, titles,
objective, risks, kind, frequency, key ★, automation, assertions, owner, process stage, the seed
passage and the Guideline 9 (企业内部控制应用指引第9号——销售业务) articles it implements.
"""

from __future__ import annotations

import enum
import inspect
import re
from collections.abc import Mapping
from typing import Any, Protocol

import attrs
from attrs import field, frozen

from salesctl._convert import OMIT_DEFAULT, unstructure
from salesctl._validators import (
    each,
    frozenmap_conv,
    frozenset_conv,
    mapping,
    text,
    tuple_conv,
    typed,
)
from salesctl.context import Context
from salesctl.decision import Finding
from salesctl.errors import InvalidInput
from salesctl.records import Frequency, Period
from salesctl.wording import value_text

__all__ = [
    "CONSUMABLES",
    "FROM_FAMILY",
    "RISKS",
    "Assertion",
    "Automation",
    "Check",
    "Control",
    "Detect",
    "Examination",
    "Family",
    "Frequency",
    "Kind",
    "Scratch",
    "SeedQuote",
    "SeedReading",
]

#: The risks of the seed's manual (S-IC 二), ``id -> (zh, en)``.
RISKS: dict[str, tuple[str, str]] = {
    "R1.1": ("随意降价导致收入减少", "arbitrary price cuts reduce revenue"),
    "R1.2": ("擅自提价导致市场丢失", "unauthorised price rises lose the market"),
    "R1.3": (
        "赊销不当导致坏账或货款不能及时回笼",
        "improper credit sales cause bad debts or slow collection",
    ),
    "R1.4": (
        "未经审核变更合同示范文本中涉及权利、义务的条款",
        "unreviewed changes to rights-and-obligations terms of the contract template",
    ),
    "R2.1": (
        "虚增或截留收入，多记或少记应收账款，导致财务数据失真",
        "inflated or withheld revenue, over- or under-stated receivables",
    ),
    "R2.2": (
        "核算不正确，造成财务数据不准确",
        "incorrect accounting makes financial data inaccurate",
    ),
    "R3.1": (
        "产品销售不符合国家法律法规和内部规章制度，受到处罚",
        "non-compliant sales attract penalties",
    ),
    "R3.2": (
        "销售合同不符合合同法等法律法规和内部制度，造成损失",
        "non-compliant contracts cause losses",
    ),
}


#: The field metadata key by which a family policy asks for another family's policy: a field
#: ``field(init=False, default=None, eq=False, metadata={FROM_FAMILY: "credit"})`` is filled by
#: :class:`salesctl.policy.Policy`, when it is built, with the policy of that family in force
#: (the delivery family re-checks credit with ``[credit]``).
FROM_FAMILY = "salesctl.from_family"


class Kind(enum.Enum):
    """Preventive controls run in :meth:`salesctl.Gate.check`; detective ones over records."""

    PREVENTIVE = "preventive"
    DETECTIVE = "detective"



class Automation(enum.Enum):
    """Automated (the system decides), IT-dependent manual, or manual."""

    AUTOMATED = "automated"
    IT_DEPENDENT = "it_dependent"
    MANUAL = "manual"


class Assertion(enum.Enum):
    """Financial-statement assertions a control supports."""

    OCCURRENCE = "occurrence"
    COMPLETENESS = "completeness"
    ACCURACY = "accuracy"
    CUTOFF = "cutoff"
    VALUATION = "valuation"
    RIGHTS_AND_OBLIGATIONS = "rights_and_obligations"
    PRESENTATION = "presentation"


_ID = re.compile(r"^O2C-[A-Z]{2}-\d{2}$")
_OTHER_GUIDELINE = re.compile(r"^G\d+\b")
_SEED = re.compile(r"^S-(IC|CP|K1|PM|YF|FT|PS|MK|FD)\b")


def _control_id(_i: Any, _a: Any, value: Any) -> None:
    if not isinstance(value, str) or not _ID.match(value):
        raise InvalidInput('must look like "O2C-CR-04"', path="Control.id", value=value)


def _risks(_i: Any, _a: Any, value: tuple[str, ...]) -> None:
    if not value:
        raise InvalidInput("every control names at least one risk", path="Control.risks")
    for r in value:
        if r not in RISKS:
            raise InvalidInput(
                f"unknown risk (known: {', '.join(RISKS)})", path="Control.risks", value=r
            )


def _seeds(_i: Any, _a: Any, value: tuple[str, ...]) -> None:
    if not value:
        raise InvalidInput("every control cites its seed passage", path="Control.seeds")
    for s in value:
        if not isinstance(s, str) or not _SEED.match(s):
            raise InvalidInput(
                'must cite a seed tag such as "S-IC 2.3"', path="Control.seeds", value=s
            )


def _nonempty(_i: Any, a: Any, value: Any) -> None:
    if not value:
        raise InvalidInput("must not be empty", path=f"Control.{a.name}")


@frozen
class SeedQuote:
    """A passage of the seed documents a control implements, quoted word for word.

    Attributes:
        seed: the seed tag it is quoted from (one of the control's ``seeds``, or a point
            within one: ``"S-IC 1.1"``).
        zh: the Chinese original, copied exactly from the seed (its own punctuation kept;
            only the line breaks of the source are left out).
        en: an English rendering.
    """

    seed: str = field(validator=text)
    zh: str = field(validator=text)
    en: str = field(validator=text)


@frozen
class SeedReading:
    """How a control reads its seed where the seed is ambiguous, silent, or not followed.

    The auditor's note beside the quotation: where the seeds disagree and which one the control
    follows, where the control is stricter or narrower than the passage it cites, and which
    reading of an unclear word it takes (and which policy key changes it). The control page
    shows it under the quotation; the coverage-gap page lists every one.

    Attributes:
        seed: the seed tag the reading is about (one of the control's ``seeds``, or a point
            within one).
        zh: the note in Chinese.
        en: the note in English.
    """

    seed: str = field(validator=text)
    zh: str = field(validator=text)
    en: str = field(validator=text)


def _readings(_i: Any, _a: Any, value: tuple[Any, ...]) -> None:
    each(SeedReading)(_i, _a, value)


def _readings_conv(value: Any) -> tuple[SeedReading, ...]:
    """``(seed, zh, en)`` triples (as a family module writes them) become
    :class:`SeedReading`."""
    return tuple(
        SeedReading(*r) if isinstance(r, tuple | list) and len(r) == 3 else r
        for r in tuple_conv(value)
    )


def _quotes(_i: Any, _a: Any, value: tuple[Any, ...]) -> None:
    each(SeedQuote)(_i, _a, value)


def _quotes_conv(value: Any) -> tuple[SeedQuote, ...]:
    """``(seed, zh, en)`` triples (as a family module writes them) become :class:`SeedQuote`."""
    out = []
    for q in tuple_conv(value):
        if isinstance(q, tuple | list) and len(q) == 3:
            q = SeedQuote(*q)
        out.append(q)
    return tuple(out)


class Check(Protocol):
    """The preventive check signature: ``(transaction, context, family policy) -> findings``.

    A family's check names the transaction and policy types it takes (``txn`` is typed ``Any``
    here because each check takes its own transaction types, listed in
    :attr:`Control.applies_to`); the context and the findings are checked by mypy.
    """

    def __call__(self, txn: Any, ctx: Context, policy: Any, /) -> tuple[Finding, ...]: ...


#: Per-call scratch space: a dict the gate creates fresh for each :meth:`salesctl.Gate.check`
#: call and passes, as a fourth argument, to the checks of the controls that set
#: :attr:`Control.scratch`. A family keys its entries by a module-private object; nothing in it
#: outlives the call (the shared per-order line prices of the pricing and duties checks).
Scratch = dict[object, Any]


def _clearing(check: Any) -> Any:
    """``check`` as the gate runs it when it clears its own HOLD: the same function (the same
    code, globals and positional defaults) whose keyword-only ``_clear`` defaults to ``True``.

    For a check on a path that an approval on hand usually clears (O2C-CR-04, O2C-PR-03): one
    body, no wrapper frame on the pass path. Its :attr:`Control.gate_check`.
    """
    fn = type(check)(
        check.__code__, check.__globals__, check.__name__, check.__defaults__, check.__closure__
    )
    fn.__kwdefaults__ = {**(check.__kwdefaults__ or {}), "_clear": True}
    fn.__qualname__ = check.__qualname__ + "[in the gate]"
    fn.__module__ = check.__module__
    fn.__doc__ = check.__doc__
    return fn


class Detect(Protocol):
    """The detective check signature: ``(records, period, family policy) -> Examination`` (see
    :mod:`salesctl.reconcile`)."""

    def __call__(self, records: Any, period: Period, policy: Any, /) -> Examination: ...


#: The frequencies a detective check can run at (the kinds of :class:`salesctl.reconcile.Period`).
PERIODIC: frozenset[Frequency] = frozenset(
    {Frequency.DAILY, Frequency.WEEKLY, Frequency.MONTHLY, Frequency.QUARTERLY, Frequency.YEARLY}
)


def _detect_at(inst: Any, _a: Any, value: Any) -> None:
    each(Frequency)(inst, _a, value)
    if not value <= PERIODIC:
        raise InvalidInput(
            "a detective check runs daily, weekly, monthly, quarterly or yearly",
            path="Control.detect_at",
            value=sorted(f.value for f in value - PERIODIC),
        )


#: The one-time documents a control can guard (:attr:`Control.consumes`), each good for one
#: use: a one-time credit release (一次性放行, S-IC 5.1) and a pickup order (提货单, S-IC 5.1).
CONSUMABLES: tuple[str, ...] = ("release", "pickup_order")


def _consumables(inst: Any, _a: Any, value: Any) -> None:
    each(str)(inst, _a, value)
    unknown = sorted(value - set(CONSUMABLES))
    if unknown:
        raise InvalidInput(
            f"must be among {', '.join(CONSUMABLES)}", path="Control.consumes", value=unknown
        )


@frozen
class Control:
    """A control: RCM metadata plus one pure check.

    Attributes:
        id: stable id, e.g. ``"O2C-CR-04"``; never changes once released.
        title_zh: Chinese title.
        title_en: English title.
        objective_zh: what the control achieves, in Chinese.
        objective_en: the same in English.
        activity_zh: who does what, when, and the threshold, in Chinese. ``{name}`` fields are
            filled from the family policy as configured (see :meth:`activity`).
        activity_en: the same in English.
        risks: ids of the risks addressed (keys of :data:`RISKS`).
        kind: preventive or detective.
        frequency: how often it operates.
        key: a key control (★ in the seed).
        automation: automated, IT-dependent or manual.
        assertions: financial-statement assertions supported.
        seeds: seed passages, e.g. ``("S-IC 2.3", "S-PM B")``.
        g9: articles of Guideline 9 implemented; empty only for a control that implements
            another guideline, named in ``refs`` (``"G8"``: O2C-DL-05, stock expiry).
        refs: other references (``"BN 29"``, ``"COSO P10"``, …).
        stage: the process stage, e.g. ``"credit"``.
        owner: the role that owns the control.
        evidence: what the control leaves as evidence.
        applies_to: transaction type names the check runs on (preventive controls).
        messages: message templates ``key -> (zh, en)`` used by its findings.
        check: the pure preventive check (``None`` for a control checked elsewhere, e.g. at
            policy load, or a purely detective control).
        gate_check: what the gate runs instead of ``check`` (``None``: ``check`` itself): a
            variant that returns exactly what the gate's clearing
            (:func:`salesctl.approvals.clear_finding`) makes of ``check``'s findings, for a
            check on the path every transaction takes (O2C-SO-02 clears its own HOLD without
            building it first). ``tests/test_performance.py`` pins the equality.
        scratch: the gate passes ``check`` (and ``gate_check``) a fourth argument, a fresh
            :data:`Scratch` for the one ``Gate.check`` call, that the checks of one call share
            (the pricing and duties checks' line prices); called directly, the check takes
            ``None`` there or nothing.
        detect: the pure detective check ``(records, period, family policy) -> Examination``
            run by :func:`salesctl.reconcile.run` (``None`` for a purely preventive control). A
            control may carry both (O2C-SO-01: the next number at entry, gaps and duplicates
            over a period).
        detect_at: the period kinds at which ``detect`` runs (e.g. ``{DAILY, MONTHLY}``).
        version: metadata/logic version; bump it when behaviour changes.
        family: the family module's name (set by the family).
        conflicts: segregation-of-duties conflicts, e.g. ``("proposer ≠ approver",)``; the
            generated documentation states the gate's generic rule when empty.
        consumes: the one-time documents (:data:`CONSUMABLES`) this control guards, each good
            for one use; the ledger and the journal remember their use. ``"release"``: the
            approvals that clear this control's HOLD are one-time releases (一次性放行), used
            up by the posted transaction (O2C-CR-04, O2C-CR-06, O2C-DL-04; the journal's
            :meth:`~salesctl.journal.Journal.consume_release`). ``"pickup_order"``: the
            pickup order (提货单) an allowed goods issue cites is used up with the decision
            (O2C-DL-07; the journal records the use in the decision's transaction).
        seed_quotes: the seed passages it implements, quoted word for word with an English
            rendering (:class:`SeedQuote`); the control page shows them. Every control
            carries at least one (``tests/test_docs_prose.py`` finds each in the seeds).
        seed_readings: where the control reads its seed in a particular way: seeds that
            disagree, a passage it applies more strictly or more narrowly than written, an
            unclear word and the reading taken (:class:`SeedReading`); the control page shows
            them beside the quotations and the coverage-gap page lists them all.
        customer_partitionable: the detective check's findings over records split by
            customer and merged equal those over all records at once (every item it tests
            belongs to one customer), so a replay may run it per customer partition.
    """

    id: str = field(validator=_control_id)
    title_zh: str = field(validator=text)
    title_en: str = field(validator=text)
    objective_zh: str = field(validator=text)
    objective_en: str = field(validator=text)
    activity_zh: str = field(validator=text)
    activity_en: str = field(validator=text)
    risks: tuple[str, ...] = field(converter=tuple_conv, validator=_risks)
    kind: Kind = field(validator=typed(Kind))
    frequency: Frequency = field(validator=typed(Frequency))
    key: bool = field(validator=typed(bool))
    automation: Automation = field(validator=typed(Automation))
    assertions: frozenset[Assertion] = field(
        converter=frozenset_conv, validator=[each(Assertion), _nonempty]
    )
    seeds: tuple[str, ...] = field(converter=tuple_conv, validator=_seeds)
    g9: tuple[int, ...] = field(converter=tuple_conv, validator=each(int))
    stage: str = field(validator=text)
    owner: str = field(validator=text)
    evidence: str = field(validator=text)
    applies_to: tuple[str, ...] = field(default=(), converter=tuple_conv, validator=each(str))
    messages: Mapping[str, tuple[str, str]] = field(
        default={}, converter=frozenmap_conv, validator=mapping
    )
    check: Check | None = field(default=None, eq=False, repr=False)
    gate_check: Check | None = field(default=None, eq=False, repr=False)
    scratch: bool = field(default=False, validator=typed(bool), eq=False, repr=False)
    refs: tuple[str, ...] = field(default=(), converter=tuple_conv, validator=each(str))
    version: int = field(default=1, validator=typed(int))
    family: str = field(default="", validator=typed(str))
    conflicts: tuple[str, ...] = field(default=(), converter=tuple_conv, validator=each(str))
    detect: Detect | None = field(default=None, eq=False, repr=False)
    detect_at: frozenset[Frequency] = field(
        default=frozenset(), converter=frozenset_conv, validator=_detect_at
    )
    consumes: frozenset[str] = field(
        default=frozenset(), converter=frozenset_conv, validator=_consumables
    )
    customer_partitionable: bool = field(default=False, validator=typed(bool))
    seed_quotes: tuple[SeedQuote, ...] = field(
        default=(), converter=_quotes_conv, validator=_quotes, metadata={OMIT_DEFAULT: True}
    )
    seed_readings: tuple[SeedReading, ...] = field(
        default=(),
        converter=_readings_conv,
        validator=_readings,
        metadata={OMIT_DEFAULT: True},
    )

    def __attrs_post_init__(self) -> None:
        if not self.g9 and not any(_OTHER_GUIDELINE.match(r) for r in self.refs):
            raise InvalidInput(
                "must not be empty (or refs names the guideline it implements, e.g. \"G8\")",
                path="Control.g9",
            )
        for q in self.seed_quotes:
            if not any(q.seed == s or q.seed.startswith((s + " ", s + ".")) for s in self.seeds):
                raise InvalidInput(
                    "a quoted passage must come from a seed the control cites",
                    path=f"{self.id}.seed_quotes",
                    value=q.seed,
                )
        for r in self.seed_readings:
            if not any(r.seed == s or r.seed.startswith((s + " ", s + ".")) for s in self.seeds):
                raise InvalidInput(
                    "a reading must be about a seed the control cites",
                    path=f"{self.id}.seed_readings",
                    value=r.seed,
                )
        if self.kind is Kind.PREVENTIVE and self.check is not None and not self.applies_to:
            raise InvalidInput(
                "a preventive check must name the transaction types it applies to",
                path=f"{self.id}.applies_to",
            )
        if self.detect is not None and not self.detect_at:
            raise InvalidInput(
                "a detective check must name the periods it runs at",
                path=f"{self.id}.detect_at",
            )
        if self.gate_check is not None and self.check is None:
            raise InvalidInput("a gate variant needs the check it stands for", path=self.id)
        if self.scratch:
            for name in ("check", "gate_check"):
                fn = getattr(self, name)
                if fn is None:
                    continue
                try:
                    inspect.signature(fn).bind(None, None, None, None)
                except TypeError:
                    raise InvalidInput(
                        "a check that takes the gate's scratch accepts a fourth argument",
                        path=f"{self.id}.{name}",
                    ) from None

    @property
    def consumes_release(self) -> bool:
        """Whether the approvals that clear this control's HOLD are one-time releases
        (``"release"`` in :attr:`consumes`)."""
        return "release" in self.consumes

    @property
    def kinds(self) -> frozenset[Kind]:
        """Every side the control operates on: preventive (a ``check`` the gate runs, or a
        control checked when the policy loads), detective (a ``detect`` over records), or both
        (O2C-SO-01: the next number at entry, gaps and duplicates over a period)."""
        out = {self.kind}
        if self.check is not None:
            out.add(Kind.PREVENTIVE)
        if self.detect is not None:
            out.add(Kind.DETECTIVE)
        return frozenset(out)

    def title(self, lang: str = "en") -> str:
        """The title in ``"zh"`` or ``"en"``."""
        return self.title_zh if lang == "zh" else self.title_en

    def activity(self, policy: Any, lang: str = "en") -> str:
        """The control activity with the parameters *as configured* in ``policy``.

        Args:
            policy: the family policy object in force.
            lang: ``"zh"`` or ``"en"``.
        """
        template = self.activity_zh if lang == "zh" else self.activity_en
        params = _params(policy, lang) if policy is not None else {}
        try:
            return template.format(**params)
        except (KeyError, IndexError, ValueError):
            return template


def _params(policy: Any, lang: str) -> dict[str, str]:
    """The family policy's fields as they read in a sentence (:func:`salesctl.wording.value_text`)."""
    if attrs.has(type(policy)):
        return {
            a.name: value_text(getattr(policy, a.name), lang, a.name)
            for a in attrs.fields(type(policy))
        }
    data = unstructure(policy)
    return {k: value_text(v, lang, k) for k, v in data.items()} if isinstance(data, dict) else {}


@frozen
class Family:
    """A control family: one module's policy type and controls.

    Attributes:
        name: the family name, also its table name in the policy file (``[credit]``).
        title_zh: Chinese title.
        title_en: English title.
        policy_type: the attrs class of the family's policy; ``policy_type()`` is the default.
        controls: the family's controls.
    """

    name: str = field(validator=text)
    title_zh: str = field(validator=text)
    title_en: str = field(validator=text)
    policy_type: type = field(validator=typed(type))
    controls: tuple[Control, ...] = field(converter=tuple_conv, validator=each(Control))


@frozen
class Examination:
    """What one detective check did: how many items it tested and what it found.

    Attributes:
        tested: the population size: every item the run examined, not only those due for
            action (O2C-AR-01 counts each receivable item aged, O2C-CR-03 each credit file
            reviewed); the audit report's tallies add these up over the periodic runs.
        findings: exceptions (HOLD, BLOCK) and explained differences (ALLOW).
    """

    tested: int = field(validator=typed(int))
    findings: tuple[Finding, ...] = field(default=(), converter=tuple_conv, validator=each(Finding))
