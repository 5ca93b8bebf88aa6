"""The gate a host calls before each transaction.

``Gate(policy)`` selects, once, the enabled preventive controls that apply to each
transaction type. ``gate.check(txn, ctx)`` runs them and returns a
:class:`~salesctl.decision.Decision`: the maximum of the findings.

Approvals in the context clear HOLD findings by the one rule of :mod:`salesctl.approvals`
(:func:`~salesctl.approvals.clear_finding`): a cleared finding becomes ALLOW and lists the
approvals that cleared it; a finding's requirements form one chain (ordered steps, a person
counted once, a higher role of the policy's lines of authority signing for a lower one when the
policy allows it), and every approval on hand that concerns a finding but did not count is
reported on it with its reason. What the chains read from the policy's
:class:`~salesctl.approvals.Authority` (each control's higher-may-sign flag and the table of the
roles above each role it selects) is prepared once, when the gate is built.

**The business date comes from the transaction.** ``ctx.as_of`` must be the business date of
``txn.at``: its date in the policy's time zone (:meth:`Policy.business_date
<salesctl.policy.Policy.business_date>`). A context dated otherwise is refused before any
control runs (:class:`~salesctl.errors.InvalidInput`, path ``ctx.as_of``, naming both dates), as
a context that is not a :class:`~salesctl.context.Context` is: the controls age, window and price
on ``ctx.as_of``, and a host may not choose that day. See ``docs/decisions.md``.

The gate names no control: it reads the catalogue through :func:`salesctl.policy.catalogue`
and what it needs to know about a control from the control's metadata (``gate_check``,
``scratch``). A control that raises while evaluating fails **closed**: its finding is a BLOCK
naming the error. A gate is immutable (no attribute can be reassigned) and safe to share
between threads.
"""

from __future__ import annotations

import datetime as dt
import dis
from collections.abc import Callable, Iterable
from typing import Any, NoReturn

from salesctl.approvals import _Plan, approval_clears, clear_finding
from salesctl.context import Context
from salesctl.control import Control, Kind, Scratch
from salesctl.decision import Decision, Finding, Outcome, _assembly, finding
from salesctl.decision._lazy import _Later
from salesctl.errors import InvalidInput, PolicyError, SalesctlError, UnknownTransaction
from salesctl.policy import Policy, catalogue
from salesctl.transactions import TRANSACTION_TYPES, Transaction

__all__ = ["Gate", "approval_clears"]

_EMPTY: tuple[Finding, ...] = ()
_ALLOW = Outcome.ALLOW
_FIXED = dt.timezone
_HOLD = Outcome.HOLD

#: One step of a plan: control id, the check the gate runs, the family policy it receives, and
#: whether it takes the call's scratch.
_Step = tuple[str, Any, Any, bool]
#: The constant part of a decision: type name, control ids, policy and catalogue fingerprints,
#: the ids of the controls the policy weakens.
_Head = tuple[str, tuple[str, ...], str, str, tuple[str, ...]]
#: A transaction type's steps compiled into one function (:func:`_compile`): the findings of
#: every step in order (a list, or the one step's own tuple), or ``None`` when none found
#: anything.
_Pack = Callable[
    [Transaction, Context, "Scratch | None"], "list[Finding] | tuple[Finding, ...] | None"
]


def _steps_source(steps: tuple[_Step, ...], ns: dict[str, Any]) -> list[str]:
    """The body lines (indented once) that run ``steps`` in order and leave in ``findings``
    what they found: ``None`` when none found anything, the one step's own tuple or its
    findings built on first read (a :class:`~salesctl.decision._lazy._Later` that is not a
    HOLD; any other sequence copied into a list), or a list of every step's findings in order
    (a ``_Later`` iterated, i.e. built, like any sequence). Each check is
    called with the call's ``scratch`` when it takes one; any exception is the failing-closed
    BLOCK of :func:`_evaluation_error`. The checks, their policies and ids go into ``ns``."""
    ns["_error"], ns["Later"], ns["HOLD"] = _evaluation_error, _Later, _HOLD
    if len(steps) == 1:
        # One step (a gate of one control): what it found as it returned it, no copy.
        cid, check, fpolicy, wants = steps[0]
        ns["check0"], ns["policy0"], ns["cid0"] = check, fpolicy, cid
        args = "txn, ctx, policy0, scratch" if wants else "txn, ctx, policy0"
        return [
            "    try:",
            f"        findings = check0({args})",
            "    except Exception as e:  # fail closed on any evaluation problem",
            "        findings = [_error(cid0, e)]",
            "    if not findings:",
            "        findings = None",
            "    elif type(findings) is not tuple:",
            # findings built on first read (decision._Later) stay so, unless a HOLD: the
            # gate's clearing reads it
            "        if type(findings) is not Later or findings.outcome is HOLD:",
            "            findings = list(findings)",
        ]
    src = ["    findings = None"]
    for i, (cid, check, fpolicy, wants) in enumerate(steps):
        ns[f"check{i}"], ns[f"policy{i}"], ns[f"cid{i}"] = check, fpolicy, cid
        args = f"txn, ctx, policy{i}, scratch" if wants else f"txn, ctx, policy{i}"
        src += [
            "    try:",
            f"        got = check{i}({args})",
            "    except Exception as e:  # fail closed on any evaluation problem",
            f"        got = (_error(cid{i}, e),)",
            "    if got:",
            "        if findings is None:",
            "            findings = list(got)",
            "        else:",
            "            findings.extend(got)",
        ]
    return src


def _compile(steps: tuple[_Step, ...]) -> _Pack:
    """The steps of a transaction type as one function ``pack(txn, ctx, scratch)`` returning
    what :func:`_steps_source` leaves in ``findings``: the steps the gate's compiled check
    (:func:`_compile_check`) runs, on their own (``tests/test_performance.py`` compares them
    with the loop over the steps).
    """
    ns: dict[str, Any] = {}
    src = ["def pack(txn, ctx, scratch):", *_steps_source(steps, ns), "    return findings"]
    exec(compile("\n".join(src), f"<salesctl gate pack of {len(steps)} steps>", "exec"), ns)
    pack: _Pack = ns["pack"]
    return pack


#: A transaction type's whole check compiled into one function (:func:`_compile_check`).
_Run = Callable[[Transaction, Context], Decision]


def _compile_check(
    steps: tuple[_Step, ...],
    head: _Head,
    zone: dt.tzinfo,
    zone_name: str,
    authority: _Plan,
    txn_type: type | None = None,
) -> _Run:
    """What :meth:`Gate.check` does for one transaction type, generated once when the gate is
    built: refuse a context that is not a :class:`~salesctl.context.Context` or is not dated on
    the transaction's business date, run the steps (:func:`_steps_source`), clear the HOLDs
    the approvals on hand clear (:func:`_clear_all`), and return the decision, its constant
    part (type name, control ids, fingerprints, weakened ids) written into the function, the
    document id read through the getter of ``txn_type``'s ``document_id`` property called
    directly (the same function, without the property's dispatch).

    It does what the loop over the steps and the decision built from the plan's parts did,
    in the same order, without unpacking the plan, indexing its constant part, or calling a
    separate step function on every call (``tests/test_performance.py`` compares it with that
    code).
    """
    ns: dict[str, Any] = {
        "Context": Context,
        "_bad_context": _bad_context,
        "_check_date": _check_date,
        "_clear_all": _clear_all,
        "_FIXED": _FIXED,
        "zone": zone,
        "zone_name": zone_name,
        "authority": authority,
        "new": _new_object,
        "Assembly": _DecisionAssembly,
        "Decision": Decision,
        "ALLOW": _ALLOW,
        "HOLD": _HOLD,
        "EMPTY": _EMPTY,
        "NAME": head[0],
        "IDS": head[1],
        "POLICY_FP": head[2],
        "CATALOGUE_FP": head[3],
        "WEAKENED": head[4],
    }
    # the class attribute document_id, as the attribute lookup finds it (no instance)
    mro = txn_type.__mro__ if txn_type is not None else ()
    doc = next((k.__dict__["document_id"] for k in mro if "document_id" in k.__dict__), None)
    if type(doc) is property and doc.fget is not None:
        path = _attribute_path(doc.fget)
        if path is not None:  # the getter's own body, written in place (no call)
            document_id = "txn." + ".".join(path)
        else:
            ns["DOCUMENT_ID"] = doc.fget
            document_id = "DOCUMENT_ID(txn)"
    else:
        document_id = "txn.document_id"
    src = [
        "def run(txn, ctx):",
        "    if type(ctx) is not Context:",
        "        raise _bad_context(ctx)",
        # The business date, once per check: txn.at's own date when it is given in the
        # policy's zone (a fixed offset equal to it, or the zone itself), else one conversion.
        "    at = txn.at",
        "    tz = at.tzinfo",
        "    if (tz is not zone and (type(tz) is not _FIXED or tz != zone))"
        " or ctx.as_of != at.date():",
        "        _check_date(txn, ctx, zone, zone_name)",
    ]
    if any(s[3] for s in steps):  # the scratch the checks of this one call share
        src.append("    scratch = {}")
    if len(steps) == 1:
        # One step: what _steps_source does for it and the decision's three cases below in
        # one test each — nothing found (any empty sequence), findings built on first read
        # that are not a HOLD (stored as they are, with their outcome), anything else (a
        # sequence that is not a tuple copied into a list) to the general case.
        cid, check, fpolicy, wants = steps[0]
        ns["_error"], ns["Later"] = _evaluation_error, _Later
        ns["check0"], ns["policy0"], ns["cid0"] = check, fpolicy, cid
        args = "txn, ctx, policy0, scratch" if wants else "txn, ctx, policy0"
        src += [
            "    try:",
            f"        findings = check0({args})",
            "    except Exception as e:  # fail closed on any evaluation problem",
            "        findings = [_error(cid0, e)]",
            "    d = Assembly()",  # _decision, inlined
            "    if not findings:",  # the pass path: nothing found
            "        d.outcome = ALLOW",
            "        d.findings = EMPTY",
            "    elif type(findings) is Later and findings.outcome is not HOLD:",
            "        d.outcome = findings.outcome",
            "        d.findings = findings",
            "    else:",
            "        if type(findings) is not tuple:",
            "            findings = list(findings)",
        ]
    else:
        src += _steps_source(steps, ns)
        src += [
            "    d = Assembly()",  # _decision, inlined
            "    if findings is None:",  # the pass path: nothing found
            "        d.outcome = ALLOW",
            "        d.findings = EMPTY",
            "    else:",
        ]
    src += [
        "        outcome = ALLOW",
        "        for f in findings:",
        "            o = f.outcome",
        "            if o is HOLD and ctx.approvals:",
        "                outcome, findings = _clear_all(findings, ctx.approvals, txn, authority)",
        "                break",
        "            if o > outcome:",
        "                outcome = o",
        "        d.outcome = outcome",
        "        d.findings = findings if type(findings) is tuple else tuple(findings)",
        "    d.transaction = NAME",
        f"    d.document_id = {document_id}",
        "    d.at = at",
        "    d.controls = IDS",
        "    d.policy_fingerprint = POLICY_FP",
        "    d.catalogue_fingerprint = CATALOGUE_FP",
        "    d.note = None",
        "    d.weakened = WEAKENED",
        "    d.__class__ = Decision",
        "    return d",
    ]
    exec(compile("\n".join(src), f"<salesctl gate check of {head[0]}>", "exec"), ns)
    run: _Run = ns["run"]
    return run


def _attribute_path(fn: Callable[..., Any]) -> tuple[str, ...] | None:
    """The attribute names of a getter whose whole body is ``return self.a.b…`` (its bytecode
    exactly: load the argument, read attributes, return), for the compiled check to read them
    in place; ``None`` for any other getter (called then)."""
    code = getattr(fn, "__code__", None)
    if code is None or code.co_argcount != 1 or fn.__closure__ or fn.__defaults__:
        return None
    names: list[str] = []
    ops = [i for i in dis.get_instructions(fn) if i.opname not in ("RESUME", "NOP", "CACHE")]
    if len(ops) < 3 or ops[0].opname != "LOAD_FAST" or ops[0].argval != code.co_varnames[0]:
        return None
    if ops[-1].opname != "RETURN_VALUE":
        return None
    for i in ops[1:-1]:
        if i.opname != "LOAD_ATTR" or not isinstance(i.argval, str) or not i.argval.isidentifier():
            return None
        names.append(i.argval)
    return tuple(names)


def _clear_all(
    findings: list[Finding] | tuple[Finding, ...],
    approvals: tuple[Any, ...],
    txn: Transaction,
    authority: _Plan,
) -> tuple[Outcome, list[Finding]]:
    """Every HOLD among ``findings`` cleared as far as ``approvals`` clear it
    (:func:`~salesctl.approvals.clear_finding`), in a list (the steps' list updated in place,
    the one step's own tuple copied), and the maximum outcome after clearing."""
    out = findings if type(findings) is list else list(findings)
    outcome = _ALLOW
    for i, f in enumerate(out):
        o = f.outcome
        if o is _HOLD:
            f = clear_finding(f, approvals, txn, authority)
            out[i] = f
            o = f.outcome
        if o > outcome:
            outcome = o
    return outcome, out


def _bad_context(ctx: Any) -> InvalidInput:
    return InvalidInput("must be a salesctl.Context", path="ctx", value=type(ctx).__name__)


# Decisions the gate builds are valid by construction (the outcome is the maximum of the
# findings, every value comes from the gate or a validated finding): they are stored straight
# into the slots, without the attrs validators, through an assembly of the class
# (:func:`salesctl.decision._assembly`: plain slot stores, then ``__class__ = Decision``).
_DecisionAssembly = _assembly(Decision)
_new_object = object.__new__


class Gate:
    """Runs the preventive controls a policy enables.

    Args:
        policy: the policy in force (``Policy.default()`` when omitted).
        only: restrict the gate to these control ids (benchmarks, focused checks). A ★ key
            control that the policy would run for a transaction type but ``only`` leaves out
            is listed in :attr:`Decision.weakened` of every decision of that type.

    Raises:
        InvalidInput: if ``policy`` is not a :class:`~salesctl.policy.Policy`.
        PolicyError: if ``only`` names an unknown control.
    """

    __slots__ = ("_authority", "_catalogue_fp", "_ids", "_plan", "_policy_fp", "_zone", "policy")

    policy: Policy
    _authority: _Plan
    _policy_fp: str
    _catalogue_fp: str
    _plan: dict[type, _Run]
    _ids: dict[type, tuple[str, ...]]
    _zone: dt.tzinfo

    def __init__(self, policy: Policy | None = None, *, only: Iterable[str] | None = None) -> None:
        policy = policy if policy is not None else Policy.default()
        if not isinstance(policy, Policy):
            raise InvalidInput(
                "must be a salesctl.Policy", path="policy", value=type(policy).__name__
            )
        controls, catalogue_fp = catalogue()
        wanted: set[str] | None = None
        if only is not None:
            wanted = set(only)
            unknown = wanted - set(controls)
            if unknown:
                raise PolicyError("unknown control id", path="only", value=sorted(unknown))
        # Everything a check needs that depends only on the transaction type is worked out
        # here, once: the steps (control id, check, family policy, takes the scratch), the
        # constant part of the decision (type name, control ids, fingerprints), and whether a
        # call needs a scratch at all.
        plan: dict[type, _Run] = {}
        ids: dict[type, tuple[str, ...]] = {}
        weakened = policy.weakened()
        # The approval plan: what the chains of every control read from the lines of authority
        # (the higher-may-sign flag of each control and the role -> higher-roles table it
        # selects), prepared once here rather than on every HOLD an approval clears.
        authority = _Plan(policy.authority, controls)
        for name, cls in TRANSACTION_TYPES.items():
            steps: list[_Step] = []
            # A key control the policy runs for this type but ``only`` leaves out is reported
            # as weakened in every decision of the type: a subset gate never looks complete.
            left_out: set[str] = set()
            for control in controls.values():
                if not _selected(policy, control, name, wanted):
                    if control.key and _selected(policy, control, name, None):
                        left_out.add(control.id)
                    continue
                check = control.gate_check if control.gate_check is not None else control.check
                steps.append((control.id, check, policy.family(control.family), control.scratch))
            ids[cls] = tuple(s[0] for s in steps)
            plan[cls] = _compile_check(
                tuple(steps),
                (
                    cls.__name__,
                    ids[cls],
                    policy.fingerprint,
                    catalogue_fp,
                    tuple(sorted(left_out.union(weakened))) if left_out else weakened,
                ),
                policy.zone,
                policy.timezone,
                authority,
                cls,
            )
        _init = object.__setattr__
        _init(self, "policy", policy)
        _init(self, "_policy_fp", policy.fingerprint)
        _init(self, "_authority", authority)
        _init(self, "_catalogue_fp", catalogue_fp)
        _init(self, "_plan", plan)
        _init(self, "_ids", ids)
        _init(self, "_zone", policy.zone)

    def __setattr__(self, name: str, value: Any) -> NoReturn:
        raise AttributeError(f"a Gate is immutable: cannot set {name}")

    def __delattr__(self, name: str) -> NoReturn:
        raise AttributeError(f"a Gate is immutable: cannot delete {name}")

    def controls_for(self, txn_type: type[Transaction] | str) -> tuple[str, ...]:
        """Ids of the controls the gate runs for a transaction type, in order."""
        cls = TRANSACTION_TYPES.get(txn_type) if isinstance(txn_type, str) else txn_type
        if cls is None or cls not in self._ids:
            raise UnknownTransaction("unknown transaction type", path="txn_type", value=txn_type)
        return self._ids[cls]

    def check(self, txn: Transaction, ctx: Context) -> Decision:
        """Decide whether ``txn`` may go ahead.

        Args:
            txn: the transaction the host is about to post.
            ctx: what the host knows now.

        Returns:
            The decision: ALLOW, HOLD (with the approvals needed) or BLOCK, with findings.

        Raises:
            UnknownTransaction: if ``txn`` is not a registered transaction type.
            InvalidInput: if ``ctx`` is not a :class:`~salesctl.context.Context`, or its
                ``as_of`` is not the business date of ``txn.at`` (path ``ctx.as_of``).
        """
        # Everything else is the transaction type's compiled check (_compile_check): the
        # context's type and business date, the steps in order, the approvals' clearing, the
        # decision.
        try:
            run = self._plan[type(txn)]
        except KeyError:
            raise UnknownTransaction(
                "not a salesctl transaction", path="txn", value=type(txn).__name__
            ) from None
        return run(txn, ctx)


def _selected(policy: Policy, control: Control, txn_type: str, wanted: set[str] | None) -> bool:
    return (
        control.kind is Kind.PREVENTIVE
        and control.check is not None
        and txn_type in control.applies_to
        and policy.is_enabled(control.id)
        and (wanted is None or control.id in wanted)
    )


def _check_date(txn: Transaction, ctx: Context, zone: dt.tzinfo, name: str) -> None:
    """Refuse ``ctx`` unless its ``as_of`` is the business date of ``txn.at`` in ``zone``."""
    business = txn.at.astimezone(zone).date()
    if ctx.as_of == business:
        return
    raise InvalidInput(
        f"is {ctx.as_of.isoformat()}, not the business date {business.isoformat()} of the "
        f"transaction (txn.at {txn.at.isoformat()} in the policy's time zone {name}); "
        "a context must be dated on its transaction's business date",
        path="ctx.as_of",
        value={"as_of": ctx.as_of.isoformat(), "business_date": business.isoformat()},
    )


def _evaluation_error(cid: str, e: BaseException) -> Finding:
    error = str(e) if isinstance(e, SalesctlError) else f"{type(e).__name__}: {e}"
    return finding(
        cid,
        Outcome.BLOCK,
        "gate.evaluation_error",
        params=(("control", cid), ("error", error)),
        facts=(("error_type", type(e).__name__),),
    )
