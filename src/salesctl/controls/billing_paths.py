"""The pass paths of O2C-BL-01 and O2C-BL-03 (:mod:`salesctl.controls.billing`), the path
every invoice takes at the gate: an invoice billing its order's one posted goods issue line for
line, and the finance VP's approval HOLD cleared by the one approval on hand that clears it.
Each gives what the full check gives (``tests/test_performance.py`` pins both to it).
"""

from __future__ import annotations

from decimal import Decimal, getcontext

from salesctl._validators import person_key
from salesctl.approvals import _cleared_facts, _rule
from salesctl.context import Context
from salesctl.decision import Finding, Outcome, _Deferred, _trusted_finding
from salesctl.model import Approval, DeliveryLine, GoodsIssue, Invoice, InvoiceLine
from salesctl.money import _rounds_quietly
from salesctl.transactions import IssueInvoice

__all__: list[str] = []

_ZERO = Decimal(0)
_BL03 = "O2C-BL-03"


def _invoiced_as_issued(inv: Invoice, gi: GoodsIssue, ctx: Context) -> bool:
    """O2C-BL-01's quantities pass outright (pinned to the full check by
    tests/test_performance.py): the order's one posted goods issue ``gi``, no earlier
    invoice of the order that is not voided, and the invoice's lines those of ``gi`` — the
    same order lines, strictly increasing (so each once on either side), the same products,
    each quantity within the delivered one (:func:`_within_as_summed`; any error leaves the
    answer to the full check, which raises it)."""
    oid = inv.order_id
    iid = inv.id
    for i in ctx.invoices:
        if i.order_id == oid and i.id != iid and not i.voided:
            return False
    lines = inv.lines
    delivered = gi.lines
    if len(lines) != len(delivered):
        return False
    # Whether the full check's sums from zero could raise or round: only with a trap on one
    # of these signals (or an overflow, below); otherwise rounding is monotone, so
    # q <= d gives round(q) <= round(d) and the full check passes the line too.
    c = getcontext()
    if not _rounds_quietly(c):
        return _as_issued_summed(lines, delivered)
    emax = c.Emax
    last = None
    try:
        for line, ln in zip(lines, delivered, strict=True):
            no = line.order_line
            q = line.quantity
            d = ln.quantity
            if (
                no != ln.order_line
                or (last is not None and not last < no)
                or line.product_id != ln.product_id
                or not q <= d
                # rounded to the context's precision neither may overflow (the adjusted
                # exponent grows by one at most)
                or d.adjusted() >= emax
                or q.adjusted() >= emax
            ):
                return False
            last = no
    except Exception:  # the full check raises it
        return False
    return True


def _as_issued_summed(lines: tuple[InvoiceLine, ...], delivered: tuple[DeliveryLine, ...]) -> bool:
    """The line test of :func:`_invoiced_as_issued` with each quantity summed from zero as the
    full check sums it (under a decimal context that traps a rounding signal)."""
    zero = _ZERO
    last = None
    try:
        for line, ln in zip(lines, delivered, strict=True):
            no = line.order_line
            if (
                no != ln.order_line
                or (last is not None and not last < no)
                or line.product_id != ln.product_id
                or zero + (zero + line.quantity) > zero + ln.quantity
            ):
                return False
            last = no
    except Exception:  # the full check raises it
        return False
    return True


def _clearing_approval(
    txn: IssueInvoice, approvals: tuple[Approval, ...], role: str, level: int
) -> Approval | None:
    """The approval that clears O2C-BL-03's approval HOLD the way the gate's
    :func:`salesctl.approvals.clear_finding` clears it (the policy's ``role`` and
    ``level``), when that is certain without the
    lines of authority: the one approval on hand that meets the rule (:func:`approvals._rule`,
    asked with the HOLD's requirement) in the requirement's own role, every other approval
    another control's, or another document's without naming this control. Otherwise
    ``None`` (no approval meets it, a second does, one on the invoice fails the rule, or one
    is signed in another role: the gate clears the HOLD and reports, as before)."""
    inv = txn.invoice
    doc = inv.id
    hit: Approval | None = None
    me: str | None = None  # the acting user's person key: made when the rule is first asked
    for a in approvals:
        named = a.control_id
        if named is not None and named != _BL03:
            continue  # another control's: neither counts nor is reported
        if a.document_id != doc:
            if named is None:
                continue  # another document's, naming no control: not reported
            return None  # names this control: the gate reports it
        if a.role != role or hit is not None:
            return None  # the lines of authority decide, or a second approval: the gate's
        if me is None:  # person_key, inlined (an ASCII id's key is its casefold)
            me = txn.actor.id
            me = me.casefold() if me.isascii() else person_key(me)
        # the requirement's amount is read only for an approval with a maximum
        cover = "" if a.max_amount is None else str(inv.total)
        if _rule(
            a,
            me,
            txn.at,
            _BL03,
            role,
            level,
            doc,
            cover,
            (inv.issued_by,),
            None,  # not read: the approval is in the requirement's role
        ):
            return None  # on the invoice and failing the rule: the gate reports why
        hit = a
    return hit


def _cleared(invoice_id: str, role: str, facts: _Deferred, hit: Approval) -> Finding:
    """O2C-BL-03's approval HOLD cleared by ``hit``: what :func:`~salesctl.approvals.clear_finding`
    makes of it (its parameters, its facts followed by the approval's evidence, rendered when
    first read; ``hit`` in ``cleared_by``)."""
    return _trusted_finding(
        _BL03,
        Outcome.ALLOW,
        "billing.invoice_approval",
        (("invoice", invoice_id), ("role", role)),
        _Deferred(_cleared_facts, (facts, hit, 0)),
        (),
        (hit.id,),
    )
