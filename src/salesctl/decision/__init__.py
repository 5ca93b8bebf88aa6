"""Outcomes, findings and decisions: what :meth:`salesctl.Gate.check` answers.

A :class:`Decision` is the **maximum** of its findings' outcomes (ALLOW < HOLD < BLOCK). A
finding names the control that produced it, a message key with parameters (rendered in Chinese
or English by :meth:`Decision.explain`), the facts the control used, and — for a HOLD — the
approvals that would clear it. A HOLD cleared by approvals on hand becomes an ALLOW finding
that records who approved: the evidence an auditor samples.

>>> from salesctl.decision import Finding, Outcome
>>> Outcome.HOLD > Outcome.ALLOW
True
>>> max(Outcome.ALLOW, Outcome.BLOCK, Outcome.HOLD).name
'BLOCK'
"""

from __future__ import annotations

import datetime as dt
import enum
import string
from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal
from typing import Any

import attrs
from attrs import field, frozen

from salesctl._assembly import assembly
from salesctl._convert import structure, unstructure
from salesctl._validators import aware, each, each_ident, ident, opt_text, text, tuple_conv, typed
from salesctl.decision._lazy import _BuiltOnRead, _Later, _OnRead
from salesctl.errors import InvalidInput
from salesctl.money import Money
from salesctl.wording import param_text, term, tidy_zh

__all__ = [
    "MESSAGES",
    "ApprovalRequirement",
    "Decision",
    "Finding",
    "Outcome",
    "RejectedApproval",
    "finding",
    "make_finding",
    "register_messages",
    "render",
]


class Outcome(enum.IntEnum):
    """The answer to a host: ordered ``ALLOW < HOLD < BLOCK``."""

    #: Go ahead.
    ALLOW = 0
    #: Wait for the named approvals (or a one-time release); then ask again.
    HOLD = 1
    #: Do not go ahead; no approval can clear it.
    BLOCK = 2

    def __str__(self) -> str:
        """The name (``"BLOCK"``), not the number: ``str()`` and f-strings print it."""
        return self.name

    def __format__(self, spec: str) -> str:
        """The name with an empty format spec (f-strings); a numeric spec formats the number."""
        return self.name if not spec else int.__format__(self, spec)


#: Message templates by key: ``key -> (zh, en)``; ``str.format`` fields name parameters.
MESSAGES: dict[str, tuple[str, str]] = {
    "gate.evaluation_error": (
        "控制 {control} 无法评估，按失败关闭处理：{error}",
        "control {control} could not be evaluated and fails closed: {error}",
    ),
    "gate.approved": (
        "已由 {approvers} 审批（{approvals}）",
        "approved by {approvers} ({approvals})",
    ),
    "gate.disabled": ("控制已在策略中关闭", "control switched off in the policy"),
    # Why an approval on hand did not count (RejectedApproval; salesctl.approvals).
    "approval.rejected.wrong_role": (
        "审批 {approval}：{approver} 以 {role} 签批，不是所需角色（{required}），也不在同一权限线上的更高角色",
        "approval {approval}: {approver} signed as {role}, not the role required ({required}) "
        "nor a higher role in its line of authority",
    ),
    "approval.rejected.role_not_held": (
        "审批 {approval}：{approver} 并不担任 {role}",
        "approval {approval}: {approver} does not hold the role {role}",
    ),
    "approval.rejected.level_too_low": (
        "审批 {approval}：{approver} 的权限级别 {level} 低于所需的 {min_level}",
        "approval {approval}: {approver} has authority level {level}, below the {min_level} required",
    ),
    "approval.rejected.proposer": (
        "审批 {approval}：{approver} 是提议人，不得审批自己的提议",
        "approval {approval}: {approver} proposed the document and may not approve it",
    ),
    "approval.rejected.keyer": (
        "审批 {approval}：{approver} 是本笔业务的经办人，不得自行审批",
        "approval {approval}: {approver} keys this transaction and may not approve it",
    ),
    "approval.rejected.same_person": (
        "审批 {approval}：{approver} 已在本审批链中签批过，同一人只计一次",
        "approval {approval}: {approver} already signed another step of this chain; "
        "a person counts once",
    ),
    "approval.rejected.out_of_order": (
        "审批 {approval}：{role} 的签批（{granted_at}）早于前一步骤的审批或前一步骤尚未完成",
        "approval {approval}: the {role} signature ({granted_at}) came before the steps below "
        "it were signed",
    ),
    "approval.rejected.other_document": (
        "审批 {approval}：针对单据 {document}，不是 {required_document}",
        "approval {approval}: given for document {document}, not {required_document}",
    ),
    "approval.rejected.granted_after_transaction": (
        "审批 {approval}：签批时间 {granted_at} 晚于业务时间 {at}",
        "approval {approval}: granted at {granted_at}, after the transaction at {at}",
    ),
    "approval.rejected.expired": (
        "审批 {approval}：已于 {expires_at} 失效（业务时间 {at}）",
        "approval {approval}: expired at {expires_at} (transaction at {at})",
    ),
    "approval.rejected.amount_too_small": (
        "审批 {approval}：审批额度 {max_amount} 不足以覆盖 {amount}",
        "approval {approval}: covers up to {max_amount}, not {amount}",
    ),
    "approval.rejected.already_met": (
        "审批 {approval}：该步骤已由其他审批满足，本审批未被使用",
        "approval {approval}: that step is already met by another approval; not used",
    ),
}

_FORMATTER = string.Formatter()


def register_messages(messages: Mapping[str, tuple[str, str]]) -> None:
    """Add message templates (done by the control registry; hosts need not call it).

    Raises:
        InvalidInput: if a key is already registered with a different text.
    """
    for key, pair in messages.items():
        old = MESSAGES.get(key)
        if old is not None and old != pair:
            raise InvalidInput("message key registered twice with different texts", path=key)
        MESSAGES[key] = pair


def render(key: str, params: Iterable[tuple[str, str]], lang: str) -> str:
    """Render message ``key`` in ``lang`` (``"zh"`` or ``"en"``) with ``params``.

    An unknown key renders as the key and its parameters, so a decision read by an older
    catalogue still shows everything it holds. Parameter values read through
    :func:`salesctl.wording.param_text` (role ids and term ids in words, an ``"中文 / english"``
    title in its language): the stored parameters do not change, only the sentence.
    """
    if lang not in ("zh", "en"):
        raise InvalidInput('must be "zh" or "en"', path="lang", value=lang)
    pair = MESSAGES.get(key)
    p = dict(params)
    if pair is None:
        return key + ("" if not p else " " + ", ".join(f"{k}={v}" for k, v in p.items()))
    template = pair[0] if lang == "zh" else pair[1]
    worded = {k: param_text(v, lang) if type(v) is str else v for k, v in p.items()}
    try:
        text = template.format(**worded)
    except (KeyError, IndexError, ValueError):
        return template + " " + ", ".join(f"{k}={v}" for k, v in p.items())
    return tidy_zh(text) if lang == "zh" else text


def _pairs(value: Any) -> tuple[tuple[str, str], ...]:
    """Normalise a mapping or pair sequence to a tuple of ``(str, str)`` pairs."""
    if type(value) is dict:  # the common case: a control's keyword dict
        pairs: tuple[tuple[Any, Any], ...] = tuple(value.items())
        for k, v in pairs:
            if type(v) is not str or type(k) is not str:
                break
        else:
            return pairs  # all text already
        return tuple(
            [(k if type(k) is str else str(k), v if type(v) is str else _text(v)) for k, v in pairs]
        )
    if type(value) is tuple and _is_pairs(value):  # already normalised: keep as is
        return value
    items = value.items() if isinstance(value, Mapping) else value
    out = []
    for item in items:
        k, v = item
        out.append((str(k), _text(v)))
    return tuple(out)


def _refuse_pairs(value: Any, path: str) -> InvalidInput:
    return InvalidInput(
        "must be a mapping or a list of (name, value) pairs", path=path, value=value
    )


def _params(value: Any) -> tuple[tuple[str, str], ...]:
    """Converter of ``Finding.params``: :func:`_pairs`, refusing anything else."""
    try:
        return _pairs(value)
    except (TypeError, ValueError):
        raise _refuse_pairs(value, "Finding.params") from None


def _facts(value: Any) -> tuple[tuple[str, str], ...]:
    """Converter of ``Finding.facts``: :func:`_pairs`, refusing anything else."""
    try:
        return _pairs(value)
    except (TypeError, ValueError):
        raise _refuse_pairs(value, "Finding.facts") from None


def _rejected_params(value: Any) -> tuple[tuple[str, str], ...]:
    """Converter of ``RejectedApproval.params``: :func:`_pairs`, refusing anything else."""
    try:
        return _pairs(value)
    except (TypeError, ValueError):
        raise _refuse_pairs(value, "RejectedApproval.params") from None


def _is_pairs(value: tuple[Any, ...]) -> bool:
    """True when ``value`` is already a tuple of ``(str, str)`` pairs."""
    for item in value:
        if type(item) is not tuple or len(item) != 2:
            return False
        if type(item[0]) is not str or type(item[1]) is not str:
            return False
    return True


def _text(v: Any) -> str:
    t = type(v)
    if t is str:
        return v  # type: ignore[no-any-return]
    if t is Money:
        return f"{v.amount} {v.currency}"  # Money.__str__, without the dispatch
    if t is int or t is Decimal:
        return str(v)
    if isinstance(v, enum.Enum):
        return str(v.value)
    if isinstance(v, dt.date | dt.datetime):
        return v.isoformat()
    if isinstance(v, tuple | list | frozenset | set):
        return (
            ", ".join(sorted(_text(x) for x in v))
            if isinstance(v, frozenset | set)
            else ", ".join(_text(x) for x in v)
        )
    return str(v)


def _all_nonblank(values: tuple[Any, ...]) -> bool:
    """True when every value is a canonical id (:func:`salesctl._validators.ident`)."""
    for v in values:  # a loop is cheaper than all() over a generator
        if type(v) is not str or not v or not v.isprintable() or v.strip() != v:
            return False
    return True


@frozen(init=False)
class ApprovalRequirement:
    """An approval a HOLD needs.

    Attributes:
        control_id: the control that asks for it.
        role: the approving role, e.g. ``"credit_manager"``.
        min_level: the lowest authority level that may approve.
        document_id: the document to approve.
        reason: message key saying why (rendered like a finding).
        amount: the document amount the approval must cover, as ``"1000.00 CNY"`` (empty
            when any amount will do).
        excluded: actor ids who may not approve (the proposer: segregation of duties).
        step: position in a multi-level approval (1 = first signature, 2 = next, …); ``0``
            when the approval may come in any order (see :mod:`salesctl.gate`).
    """

    control_id: str = field(validator=text)
    role: str = field(validator=ident)
    min_level: int = field(validator=typed(int))
    document_id: str = field(validator=text)
    reason: str = field(default="", validator=typed(str))
    amount: str = field(default="", validator=typed(str))
    excluded: tuple[str, ...] = field(default=(), converter=tuple_conv, validator=each_ident)
    step: int = field(default=0, validator=typed(int))

    def __init__(
        self,
        control_id: str,
        role: str,
        min_level: int,
        document_id: str,
        reason: str = "",
        amount: str = "",
        excluded: Iterable[str] = (),
        step: int = 0,
    ) -> None:
        # Hot path: controls build requirements from validated values. When every value
        # already has its final type and passes the validators' tests, store it directly;
        # anything else goes through the attrs converters and validators (same errors).
        if (
            type(min_level) is int
            and type(step) is int
            and type(reason) is str
            and type(amount) is str
            and type(excluded) is tuple
            and type(control_id) is str
            and type(role) is str
            and type(document_id) is str
            and control_id
            and role
            and document_id
            and not control_id.isspace()
            and role.isprintable()
            and role.strip() == role
            and not document_id.isspace()
            and (not excluded or _all_nonblank(excluded))
        ):
            _set_control_id(self, control_id)
            _set_role(self, role)
            _set_min_level(self, min_level)
            _set_document_id(self, document_id)
            _set_reason(self, reason)
            _set_amount(self, amount)
            _set_excluded(self, excluded)
            _set_step(self, step)
            return
        self.__attrs_init__(
            control_id=control_id,
            role=role,
            min_level=min_level,
            document_id=document_id,
            reason=reason,
            amount=amount,
            excluded=excluded,
            step=step,
        )

    @property
    def key(self) -> str:
        """A stable key of what this requirement asks: the same document, control, role,
        minimum level, step, amount and excluded approvers give the same key in every decision
        and every process (the reason, a message key, is left out).

        A host keeps it on the approval request it opens, to match its pending requests with
        the next decision (:func:`salesctl.host.plan_requests`), e.g.
        ``"SO-00001|O2C-CR-04|credit_manager|L3|S0|60000.00 CNY|u-rep"``.
        """
        return "|".join(
            (
                self.document_id,
                self.control_id,
                self.role,
                f"L{self.min_level}",
                f"S{self.step}",
                self.amount,
                ",".join(self.excluded),
            )
        )


(
    _set_control_id,
    _set_role,
    _set_min_level,
    _set_document_id,
    _set_reason,
    _set_amount,
    _set_excluded,
    _set_step,
) = (ApprovalRequirement.__dict__[a.name].__set__ for a in attrs.fields(ApprovalRequirement))


@frozen
class RejectedApproval:
    """An approval on hand that concerns a finding but did not count, and why.

    Attributes:
        approval_id: the approval's id.
        reason: why it did not count, one of :data:`salesctl.approvals.REASONS`
            (``"wrong_role"``, ``"level_too_low"``, ``"same_person"``, …); rendered through the
            message ``approval.rejected.<reason>``.
        params: the values the message names (approver, role, levels, times, amounts), as
            ``(name, text)`` pairs.
    """

    approval_id: str = field(validator=text)
    reason: str = field(validator=text)
    params: tuple[tuple[str, str], ...] = field(default=(), converter=_rejected_params)

    def text(self, lang: str = "en") -> str:
        """Why the approval did not count, in ``"zh"`` or ``"en"``."""
        return render(
            "approval.rejected." + self.reason, (("approval", self.approval_id), *self.params), lang
        )


@frozen(init=False)
class Finding:
    """What one control found about one transaction.

    Attributes:
        control_id: the control, e.g. ``"O2C-CR-04"``.
        outcome: ALLOW (passed, with evidence), HOLD or BLOCK.
        message: message key; rendered with ``params`` by :meth:`text`.
        params: message parameters as ``(name, text)`` pairs.
        facts: the facts the control used, as ``(name, text)`` pairs (evidence).
        required: approvals that would clear a HOLD.
        cleared_by: ids of the approvals (or release) that cleared it.
        rejected: approvals on hand that concern the finding but did not count, each with its
            reason (:mod:`salesctl.approvals`); empty when every approval examined counted.
    """

    control_id: str = field(validator=text)
    outcome: Outcome = field(validator=typed(Outcome))
    message: str = field(validator=text)
    params: tuple[tuple[str, str], ...] = field(default=(), converter=_params)
    facts: tuple[tuple[str, str], ...] = field(default=(), converter=_facts)
    required: tuple[ApprovalRequirement, ...] = field(
        default=(), converter=tuple_conv, validator=each(ApprovalRequirement)
    )
    cleared_by: tuple[str, ...] = field(default=(), converter=tuple_conv, validator=each(str))
    rejected: tuple[RejectedApproval, ...] = field(
        default=(), converter=tuple_conv, validator=each(RejectedApproval)
    )

    def __init__(
        self,
        control_id: str,
        outcome: Outcome,
        message: str,
        params: Mapping[str, Any] | Iterable[tuple[str, Any]] = (),
        facts: Mapping[str, Any] | Iterable[tuple[str, Any]] = (),
        required: Iterable[ApprovalRequirement] = (),
        cleared_by: Iterable[str] = (),
        rejected: Iterable[RejectedApproval] = (),
    ) -> None:
        # Hot path (see ApprovalRequirement.__init__): parameters and facts are still
        # converted to text here; only the validators' work is done inline.
        if (
            type(outcome) is Outcome
            and type(required) is tuple
            and type(cleared_by) is tuple
            and type(control_id) is str
            and type(message) is str
            and control_id
            and message
            and not control_id.isspace()
            and not message.isspace()
            and (type(params) is dict or type(params) is tuple)
            and (type(facts) is dict or type(facts) is tuple)
            and (not required or _all_requirements(required))
            and (not cleared_by or _all_nonblank(cleared_by))
            and rejected == ()
        ):
            try:
                p = _pairs(params)
                f = _pairs(facts)
            except Exception:  # malformed pairs: let the attrs path raise as it always did
                pass
            else:
                _set_f_control_id(self, control_id)
                _set_f_outcome(self, outcome)
                _set_f_message(self, message)
                _set_f_params(self, p)
                _set_f_facts(self, f)
                _set_f_required(self, required)
                _set_f_cleared_by(self, cleared_by)
                _set_f_rejected(self, ())
                return
        self.__attrs_init__(
            control_id=control_id,
            outcome=outcome,
            message=message,
            params=params,
            facts=facts,
            required=required,
            cleared_by=cleared_by,
            rejected=rejected,
        )

    def text(self, lang: str = "en") -> str:
        """The finding's message in ``"zh"`` or ``"en"``."""
        return render(self.message, self.params, lang)


(
    _set_f_control_id,
    _set_f_outcome,
    _set_f_message,
    _set_f_params,
    _set_f_facts,
    _set_f_required,
    _set_f_cleared_by,
    _set_f_rejected,
) = (Finding.__dict__[a.name].__set__ for a in attrs.fields(Finding))


class _Deferred:
    """A finding's parameters or facts not rendered yet: ``fn(*args)`` returns them as
    :class:`Finding` accepts them (a mapping or ``(name, value)`` pairs), and they are
    rendered — by :func:`_pairs`, as ``Finding(...)`` renders them — the first time the field
    is read (:class:`_OnRead`). Nothing can tell the two apart: every read of ``params`` or
    ``facts`` (attribute access, ``==``, ``hash``, ``repr``, JSON) sees the rendered tuple.

    For the gate's hot paths only (a HOLD or a cleared finding whose text the host may never
    read): ``fn`` must be pure, its ``args`` immutable values, and ``fn(*args)`` must not raise
    for them — a control computes and checks eagerly everything that decides the outcome.
    ``tests/test_performance.py`` compares every deferred finding with the eager one.
    """

    __slots__ = ("args", "fn")

    def __init__(self, fn: Callable[..., Any], args: tuple[Any, ...]) -> None:
        self.fn = fn
        self.args = args

    def render(self) -> tuple[tuple[str, str], ...]:
        """The pairs, rendered."""
        return _pairs(self.fn(*self.args))


#: The slots' own readers: the value as stored (a tuple of pairs or a _Deferred).
_raw_params = Finding.__dict__["params"].__get__
_raw_facts = Finding.__dict__["facts"].__get__
type.__setattr__(Finding, "params", _OnRead(Finding.__dict__["params"], _Deferred))
type.__setattr__(Finding, "facts", _OnRead(Finding.__dict__["facts"], _Deferred))


def _rendered(value: Any) -> tuple[tuple[str, str], ...]:
    """A slot's value (from :data:`_raw_params` / :data:`_raw_facts`) as rendered pairs."""
    return value.render() if type(value) is _Deferred else value


def _all_requirements(values: tuple[Any, ...]) -> bool:
    for v in values:  # noqa: SIM110 - a loop is cheaper than all() over a generator
        if type(v) is not ApprovalRequirement:
            return False
    return True


def finding(
    control_id: str,
    outcome: Outcome,
    message: str,
    *,
    params: Mapping[str, Any] | Iterable[tuple[str, Any]] | None = None,
    facts: Mapping[str, Any] | Iterable[tuple[str, Any]] | None = None,
    required: Iterable[ApprovalRequirement] = (),
    document: str | None = None,
    role: str | None = None,
    level: int = 0,
) -> Finding:
    """A finding: the one way a control, the gate or a detective check builds one.

    Values are converted and validated as :class:`Finding` does (parameters and facts rendered
    as text, the same errors for anything malformed).

    Args:
        control_id: the control, e.g. ``"O2C-CR-04"``.
        outcome: ALLOW (evidence), HOLD or BLOCK.
        message: message key (registered by the control's ``messages``).
        params: message parameters, a mapping or ``(name, value)`` pairs.
        facts: the facts the control used (evidence), a mapping or pairs; when left out, the
            message parameters are the facts (pass ``()`` for a finding without facts).
        required: the approvals that would clear a HOLD.
        document: what the finding is about; when given it is the first fact
            (``"document"``), as detective findings record it.
        role: for a HOLD about ``document``, the role that must investigate and sign off (an
            approval requirement with the message as its reason, added to ``required``).
        level: that role's minimum authority level.

    Returns:
        The finding.

    Raises:
        InvalidInput: for malformed values, or a follow-up ``role`` without a ``document``.

    >>> finding("O2C-XX-01", Outcome.BLOCK, "x.y", params={"n": 2}).params
    (('n', '2'),)
    """
    p: Any = () if params is None else params
    f: Any = p if facts is None else facts
    if document is not None:
        f = {"document": document, **dict(f)}
    if role is not None:
        if document is None:
            raise InvalidInput("a follow-up role needs the document", path="finding.role")
        if outcome is Outcome.HOLD:
            required = (
                *required,
                ApprovalRequirement(
                    control_id=control_id,
                    role=role,
                    min_level=level,
                    document_id=document,
                    reason=message,
                ),
            )
    return Finding(
        control_id=control_id,
        outcome=outcome,
        message=message,
        params=dict(p) if isinstance(p, Mapping) and type(p) is not dict else p,
        facts=f,
        required=tuple(required) if type(required) is not tuple else required,
    )


def _trusted_finding(
    control_id: str,
    outcome: Outcome,
    message: str,
    params: tuple[tuple[str, str], ...] | _Deferred,
    facts: tuple[tuple[str, str], ...] | _Deferred,
    required: tuple[ApprovalRequirement, ...] = (),
    cleared_by: tuple[str, ...] = (),
    rejected: tuple[RejectedApproval, ...] = (),
) -> Finding:
    """A finding from values that already have their final, validated form.

    Nothing is converted or validated: the caller guarantees what ``Finding(...)`` would
    check — non-blank ``control_id`` and ``message``, an :class:`Outcome`, ``params`` and
    ``facts`` as tuples of ``(str, str)`` pairs (values rendered as :func:`_text` renders
    them) or :func:`deferred` pairs, requirements built by :func:`_trusted_requirement` or
    ``ApprovalRequirement``, and non-blank ids in ``cleared_by``. The result equals ``Finding(...)`` with the same values
    (``tests/test_performance.py`` checks this for every caller).

    For the gate (clearing a finding with approvals: every value comes from a validated
    finding or approval) and for a control's finding on the path every transaction takes
    (O2C-SO-02: every order is held for an approval that then clears it), where the values
    come from validated documents and policies.
    """
    f: Any = _FindingAssembly()
    f.control_id = control_id
    f.outcome = outcome
    f.message = message
    f.params = params
    f.facts = facts
    f.required = required
    f.cleared_by = cleared_by
    f.rejected = rejected
    f.__class__ = Finding
    return f  # type: ignore[no-any-return]


def _trusted_requirement(
    control_id: str,
    role: str,
    min_level: int,
    document_id: str,
    reason: str,
    amount: str,
    excluded: tuple[str, ...],
    step: int = 0,
) -> ApprovalRequirement:
    """An approval requirement from values that already have their final, validated form
    (non-blank ``str`` ids and role, ``int`` level and step, ``str`` reason and amount, a tuple
    of non-blank ids); equal to ``ApprovalRequirement(...)`` with the same values. See
    :func:`_trusted_finding` for who may use it."""
    r: Any = _RequirementAssembly()
    r.control_id = control_id
    r.role = role
    r.min_level = min_level
    r.document_id = document_id
    r.reason = reason
    r.amount = amount
    r.excluded = excluded
    r.step = step
    r.__class__ = ApprovalRequirement
    return r  # type: ignore[no-any-return]


_new_object = object.__new__


def _assembly(cls: type) -> type:
    """A subclass of the frozen slotted attrs class ``cls`` in which an instance is filled by
    plain attribute stores, for the trusted builders (:func:`_trusted_finding`,
    :func:`_trusted_requirement`, the gate's decisions).

    See :mod:`salesctl._assembly`; a field read through another descriptor
    (:class:`_OnRead`) is stored through its slot.
    """
    stores: dict[str, Any] = {}
    for a in attrs.fields(cls):
        d = cls.__dict__.get(a.name)  # None: a base's plain slot (an event's ``at``)
        if isinstance(d, _OnRead):
            stores[a.name] = d._slot
    return assembly(cls, stores)


_FindingAssembly = _assembly(Finding)
_RequirementAssembly = _assembly(ApprovalRequirement)


def _fingerprint_ok(_i: Any, _a: Any, v: Any) -> None:
    if not isinstance(v, str):
        raise InvalidInput("must be a string", path=f"Decision.{_a.name}", value=v)


@frozen
class Decision:
    """The answer to one transaction.

    Attributes:
        outcome: the maximum of the findings' outcomes (ALLOW when there are none).
        findings: every finding, in the order the controls ran.
        transaction: the transaction type, e.g. ``"PlaceOrder"``.
        document_id: the id of the document the transaction is about.
        at: the transaction's time.
        controls: ids of every control that ran (those that passed silently included).
        policy_fingerprint: SHA-256 of the policy in force.
        catalogue_fingerprint: SHA-256 of the control catalogue (ids, versions, metadata).
        note: a free remark.
        weakened: ids of the controls the policy in force weakens, with an acknowledgement
            (:meth:`salesctl.policy.Policy.weakenings`), and the key controls a gate built
            with ``only=`` leaves out for this transaction type; left out of the JSON when empty.
    """

    outcome: Outcome = field(validator=typed(Outcome))
    findings: tuple[Finding, ...] = field(converter=tuple_conv, validator=each(Finding))
    transaction: str = field(validator=text)
    document_id: str = field(validator=text)
    at: dt.datetime = field(validator=aware)
    controls: tuple[str, ...] = field(default=(), converter=tuple_conv, validator=each(str))
    policy_fingerprint: str = field(default="", validator=_fingerprint_ok)
    catalogue_fingerprint: str = field(default="", validator=_fingerprint_ok)
    note: str | None = field(default=None, validator=opt_text)
    weakened: tuple[str, ...] = field(default=(), converter=tuple_conv, validator=each(str))

    def __attrs_post_init__(self) -> None:
        expected = max((f.outcome for f in self.findings), default=Outcome.ALLOW)
        if expected != self.outcome:
            raise InvalidInput(
                f"must be the maximum of the findings' outcomes ({expected.name})",
                path="Decision.outcome",
                value=self.outcome.name,
            )

    @property
    def allowed(self) -> bool:
        """True when the outcome is ALLOW."""
        return self.outcome is Outcome.ALLOW

    @property
    def required_approvals(self) -> tuple[ApprovalRequirement, ...]:
        """Every approval still needed to clear the HOLD findings."""
        return tuple(r for f in self.findings if f.outcome is Outcome.HOLD for r in f.required)

    def findings_for(self, control_id: str) -> tuple[Finding, ...]:
        """The findings of one control."""
        return tuple(f for f in self.findings if f.control_id == control_id)

    def explain(self, lang: str = "en") -> str:
        """A human-readable account of the decision in ``"zh"`` or ``"en"``.

        One line for the outcome, then one line per finding with the control id, its outcome
        and its message, and the approvals still needed.
        """
        zh = lang == "zh"
        label = {
            Outcome.ALLOW: ("允许", "ALLOW"),
            Outcome.HOLD: ("挂起待批", "HOLD"),
            Outcome.BLOCK: ("阻止", "BLOCK"),
        }
        head = label[self.outcome][0 if zh else 1]
        if zh:
            lines = [
                f"{head}：{self.transaction} {self.document_id}（运行控制 {len(self.controls)} 项）"
            ]
        else:
            lines = [
                f"{head}: {self.transaction} {self.document_id} ({len(self.controls)} controls ran)"
            ]
        sep = "：" if zh else ": "
        for f in self.findings:
            line = f"  [{f.control_id}] {label[f.outcome][0 if zh else 1]}{sep}{f.text(lang)}"
            if f.cleared_by:
                who = ("、" if zh else ", ").join(f.cleared_by)
                line += f"（凭证：{who}）" if zh else f" (evidence: {who})"
            lines.append(line)
            if f.outcome is Outcome.HOLD:
                for r in f.required:
                    if zh:
                        amt = f"，金额 {r.amount}" if r.amount else ""
                        lines.append(f"      需审批：{term(r.role, lang)}（权限级别 ≥ {r.min_level}{amt}）")
                    else:
                        amt = f", for {r.amount}" if r.amount else ""
                        lines.append(
                            f"      needs approval: {term(r.role, lang)}"
                            f" (authority level ≥ {r.min_level}{amt})"
                        )
            for x in f.rejected:
                lines.append(
                    f"      未计入的审批：{x.text(lang)}" if zh else f"      did not count: {x.text(lang)}"
                )
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        """The decision as JSON-ready data (amounts and times as strings)."""
        out: dict[str, Any] = unstructure(self)
        if not self.weakened:
            del out["weakened"]
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Decision:
        """Rebuild a decision from :meth:`to_dict` output.

        Raises:
            InvalidInput: naming the field path of anything malformed.
        """
        result: Decision = structure(data, cls, "decision")
        return result


type.__setattr__(Decision, "findings", _BuiltOnRead(Decision.__dict__["findings"], _Later))


def make_finding(
    control_id: str,
    outcome: Outcome,
    message: str,
    document: str,
    *,
    params: Mapping[str, Any] | None = None,
    facts: Mapping[str, Any] | None = None,
    role: str | None = None,
    level: int = 0,
) -> Finding:
    """A detective finding about ``document``: :func:`finding` with the document positional
    and only the facts given (the parameters are not repeated among the facts).

    Args:
        control_id: the control.
        outcome: HOLD (follow up), BLOCK (did not operate / irreconcilable) or ALLOW (evidence).
        message: message key.
        document: what the finding is about (document id, count id, ``series/number``, unit
            and period …).
        params: message parameters.
        facts: the facts used (evidence).
        role: for a HOLD, the role that must investigate and sign off.
        level: that role's minimum authority level.
    """
    return finding(
        control_id,
        outcome,
        message,
        params=params,
        facts=facts if facts is not None else {},
        document=document,
        role=role,
        level=level,
    )
