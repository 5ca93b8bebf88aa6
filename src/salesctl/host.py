"""What every host does around a check: ask, journal, route; and keep its approval requests.

A host (an ERP module, a service in front of one) does the same few things before each posting,
whatever its documents look like: read the transaction and context it built from its own
records, complete the context with what the journal holds (approvals, releases, numbers, the
business date), check, write the decision to the journal, use a one-time release the decision
relied on, and act on the outcome. :func:`ask` does all of it in one call; the host keeps only
the mapping of its records and what its own workflow does with the route:

>>> import salesctl as sc
>>> from salesctl.host import Route, ask
>>> from salesctl.cli import read_check_file
>>> import tempfile, os
>>> gate = sc.Gate(sc.load_policy("examples/policy.toml"))
>>> txn, ctx = read_check_file("examples/transactions/hold-credit-over-limit.json")
>>> with tempfile.TemporaryDirectory() as tmp, sc.Journal(os.path.join(tmp, "j.db")) as journal:
...     asked = ask(gate, journal, txn, ctx)
...     asked.route is Route.WAIT, len(list(journal.decisions()))
(True, 1)

A HOLD asks for approvals (:attr:`Decision.required_approvals
<salesctl.decision.Decision.required_approvals>`); a host keeps them as requests in its own
workflow and, after each new decision on the document, opens the ones newly needed and closes
the ones no longer needed. :func:`plan_requests` says which, by the requirement's stable
:attr:`~salesctl.decision.ApprovalRequirement.key`.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from typing import Any

from attrs import field, frozen

from salesctl._validators import each, is_unicode, tuple_conv, typed, unicode_error
from salesctl.context import Context
from salesctl.controls import CONTROLS
from salesctl.decision import ApprovalRequirement, Decision, Outcome
from salesctl.errors import InvalidInput
from salesctl.gate import Gate
from salesctl.journal import Entry, Journal, ReleaseConsumption
from salesctl.model import SalesOrder
from salesctl.parsing import parse_context, parse_transaction
from salesctl.transactions import Transaction

__all__ = ["Asked", "RequestPlan", "Route", "ask", "plan_requests"]


class Route(enum.Enum):
    """What the host does with the document after a decision.

    Attributes:
        PROCEED: ALLOW: the posting goes ahead.
        WAIT: HOLD: the document stays where it is; its approval requests say what it waits
            for (:func:`plan_requests`); the host asks again when approvals arrive.
        REFUSE: BLOCK: the posting is refused; show :meth:`Decision.explain
            <salesctl.decision.Decision.explain>` to the user.
    """

    PROCEED = "proceed"
    WAIT = "wait"
    REFUSE = "refuse"


_ROUTES = {Outcome.ALLOW: Route.PROCEED, Outcome.HOLD: Route.WAIT, Outcome.BLOCK: Route.REFUSE}

#: Controls whose cleared HOLD a one-time release may clear (``Control.consumes_release``).
_RELEASE_CONTROLS = frozenset(c.id for c in CONTROLS.values() if c.consumes_release)


@frozen
class Asked:
    """One question to the gate and what came of it.

    Attributes:
        txn: the transaction checked (parsed from the host's data if it gave JSON).
        context: the context the gate saw (the host's, completed from the journal).
        decision: the gate's decision.
        entry: the journal record holding the decision (``None`` without a journal).
        consumed: the one-time releases the decision relied on and that were consumed
            (the journal's evidence of each use).
    """

    txn: Transaction = field(validator=typed(Transaction))
    context: Context = field(validator=typed(Context))
    decision: Decision = field(validator=typed(Decision))
    entry: Entry | None = field(default=None)
    consumed: tuple[ReleaseConsumption, ...] = field(
        default=(), converter=tuple_conv, validator=each(ReleaseConsumption)
    )

    @property
    def route(self) -> Route:
        """PROCEED (ALLOW), WAIT (HOLD) or REFUSE (BLOCK)."""
        return _ROUTES[self.decision.outcome]

    def explain(self, lang: str = "en") -> str:
        """The decision's explanation in ``"zh"`` or ``"en"``."""
        return self.decision.explain(lang)


def ask(
    gate: Gate,
    journal: Journal | None,
    txn: Transaction | Mapping[str, Any],
    ctx: Context | Mapping[str, Any] | None = None,
    *,
    consume_releases: bool = True,
) -> Asked:
    """Ask the gate about one posting, the way every host must.

    1. Reads ``txn`` and ``ctx`` when they are JSON-shaped data
       (:func:`salesctl.parse_transaction`, :func:`salesctl.parse_context`); a context without
       ``as_of`` gets the business date of ``txn.at`` in the policy's time zone.
    2. Completes the context from the journal (:meth:`Journal.context_for
       <salesctl.journal.Journal.context_for>`: approvals and releases recorded for the
       document, releases consumed, the last numbers drawn, the business date).
    3. Checks (:meth:`Gate.check <salesctl.gate.Gate.check>`).
    4. Writes the decision, whatever it is, with its transaction, to the journal.
    5. On ALLOW, consumes once every one-time release of the context that cleared a finding
       of a release-consuming control (O2C-CR-04, O2C-CR-06, O2C-DL-04), so that the next
       check sees it used.

    Pass a journal joined to the host's transaction (:meth:`Journal.joined
    <salesctl.journal.Journal.joined>`) to have the decision and the use of a release commit
    or roll back with the host's posting. Without a journal (``None``) the context is the
    host's alone (its ``as_of`` completed) and nothing is recorded.

    Args:
        gate: the gate of the policy in force.
        journal: the journal, or ``None``.
        txn: the transaction, or its JSON-shaped data (with ``"type"``).
        ctx: the host's context, or its JSON-shaped data; ``None`` for an empty one.
        consume_releases: set ``False`` to consume releases yourself (e.g. only once the
            posting succeeded, outside a joined journal).

    Returns:
        The transaction, context, decision and journal evidence; :attr:`Asked.route` says what
        to do.

    Raises:
        InvalidInput: naming the field path of what the host's data gets wrong (fail closed:
            never post on an error).
        UnknownTransaction: a ``"type"`` salesctl does not know.
        ReleaseConsumed: a release the decision relied on was used meanwhile by another
            posting (the decision is in the journal; do not post).
        JournalError: the journal cannot be read or written.
    """
    if not isinstance(gate, Gate):
        raise InvalidInput("must be a salesctl.Gate", path="gate", value=type(gate).__name__)
    if journal is not None and not isinstance(journal, Journal):
        raise InvalidInput(
            "must be a salesctl.Journal or None", path="journal", value=type(journal).__name__
        )
    policy = gate.policy
    if isinstance(txn, Transaction):
        transaction = txn
    elif isinstance(txn, Mapping):
        transaction = parse_transaction(dict(txn), path="transaction")
    else:
        raise InvalidInput(
            "must be a salesctl transaction or its JSON object",
            path="transaction",
            value=type(txn).__name__,
        )
    business = policy.business_date(transaction.at)
    if ctx is None:
        context = Context(as_of=business)
    elif isinstance(ctx, Context):
        context = ctx
    elif isinstance(ctx, Mapping):
        data = dict(ctx)
        data.setdefault("as_of", business.isoformat())
        context = parse_context(data)
    else:
        raise InvalidInput(
            "must be a salesctl.Context, its JSON object or None",
            path="context",
            value=type(ctx).__name__,
        )
    if journal is not None:
        context = journal.context_for(transaction, base=context, timezone=policy.zone)
    decision = gate.check(transaction, context)
    if journal is None:
        return Asked(transaction, context, decision)
    entry = journal.record(decision, txn=transaction)
    consumed: list[ReleaseConsumption] = []
    order = getattr(transaction, "order", None)
    if consume_releases and decision.outcome is Outcome.ALLOW and isinstance(order, SalesOrder):
        releases = {r.id: r for r in context.releases}
        used = {
            rid
            for f in decision.findings
            if f.control_id in _RELEASE_CONTROLS and f.outcome is Outcome.ALLOW
            for rid in f.cleared_by
            if rid in releases
        }
        for rid in sorted(used):
            currency = releases[rid].max_amount.currency
            amount = context.convert(order.total, currency)
            consumed.append(journal.consume_release(rid, order, amount))
    return Asked(transaction, context, decision, entry, tuple(consumed))


@frozen
class RequestPlan:
    """How a host's pending approval requests follow a new decision on their document.

    Attributes:
        open: the requirements to open a request for (needed now, none pending for them).
        keep: the keys of pending requests still needed (leave them pending).
        close: the keys of pending requests no longer needed (close or cancel them: the
            decision allowed the document, an approval cleared them, or the document changed
            so that another requirement replaced them).
    """

    open: tuple[ApprovalRequirement, ...] = field(
        default=(), converter=tuple_conv, validator=each(ApprovalRequirement)
    )
    keep: tuple[str, ...] = field(default=(), converter=tuple_conv, validator=each(str))
    close: tuple[str, ...] = field(default=(), converter=tuple_conv, validator=each(str))


def plan_requests(decision: Decision, pending: Iterable[str]) -> RequestPlan:
    """Bring a host's pending approval requests in line with ``decision``.

    The host stores each request with the :attr:`ApprovalRequirement.key
    <salesctl.decision.ApprovalRequirement.key>` of the requirement it was opened for and,
    after every decision on the document, passes the keys of those still pending. Whatever
    the outcome, what the decision still requires (:attr:`Decision.required_approvals
    <salesctl.decision.Decision.required_approvals>`, empty on ALLOW) is the target: a
    requirement whose amount, minimum level, step or excluded approvers changed has a new key,
    so its old request is closed and a new one opened.

    Args:
        decision: the latest decision on the document.
        pending: the keys of the document's pending requests.

    Returns:
        What to open, keep and close, in the decision's order (keys sorted).

    Raises:
        InvalidInput: if ``decision`` is not a Decision or a key is not a non-blank string
            (path ``pending[i]``).
    """
    if not isinstance(decision, Decision):
        raise InvalidInput(
            "must be a salesctl.Decision", path="decision", value=type(decision).__name__
        )
    have = set()
    for i, key in enumerate(pending):
        # The same rule the plan's fields hold keys to, checked here so that the error names
        # the host's own list rather than the plan.
        if not isinstance(key, str) or not key.strip():
            raise InvalidInput("must be a non-blank string", path=f"pending[{i}]", value=key)
        if not key.isascii() and not is_unicode(key):
            raise unicode_error(key, f"pending[{i}]")
        have.add(key)
    wanted: dict[str, ApprovalRequirement] = {}
    for req in decision.required_approvals:
        wanted.setdefault(req.key, req)
    return RequestPlan(
        open=tuple(r for k, r in wanted.items() if k not in have),
        keep=tuple(sorted(have & wanted.keys())),
        close=tuple(sorted(have - wanted.keys())),
    )
