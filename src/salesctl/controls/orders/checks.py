"""The orders family's preventive checks (O2C-SO-01, -02, -04, -05, -06), run by the gate."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from salesctl._validators import person_key, same_person
from salesctl.approvals import _above_of, _cleared_facts, clear_finding
from salesctl.context import Context
from salesctl.controls.orders.policy import _HEADER_FIELDS, QUOTATION_FIELDS, OrdersPolicy
from salesctl.decision import (
    ApprovalRequirement,
    Finding,
    Outcome,
    _Deferred,
    _FindingAssembly,
    _trusted_finding,
    _trusted_requirement,
    finding,
)
from salesctl.model import ContractStatus, ProductionOrder, Quotation, SalesOrder, SettlementStatus
from salesctl.transactions import Transaction

__all__ = [
    "check_order_approval",
    "check_order_number",
    "check_order_void",
    "check_production_order",
    "check_quotation",
]

_NONE: tuple[Finding, ...] = ()
_NO_REQ: tuple[ApprovalRequirement, ...] = ()
_NO_REJ: tuple[Any, ...] = ()
_ALLOW = Outcome.ALLOW
_new_object = object.__new__


def check_order_number(txn: Transaction, ctx: Context, policy: OrdersPolicy) -> tuple[Finding, ...]:
    """O2C-SO-01 (preventive): the order's number must be the next in its series.

    A number at or below the last issued is a duplicate (BLOCK); a number that skips ahead
    leaves a gap (HOLD for the configured role). The first order of a series the context
    does not know must be number 1; any other number cannot be verified and fails closed.
    """
    order: SalesOrder = txn.order  # type: ignore[attr-defined]
    last = ctx.last_numbers._d.get(order.series)  # FrozenMap.get, without the call
    expected = 1 if last is None else last + 1
    if order.seq == expected:
        return _NONE
    facts: dict[str, Any] = {"series": order.series, "seq": order.seq, "expected": expected}
    if last is None:
        return (
            Finding(
                control_id="O2C-SO-01",
                outcome=Outcome.BLOCK,
                message="orders.series_unknown",
                params={"series": order.series, "seq": order.seq},
                facts=facts,
            ),
        )
    if order.seq < expected:
        return (
            Finding(
                control_id="O2C-SO-01",
                outcome=Outcome.BLOCK,
                message="orders.duplicate_number",
                params={"series": order.series, "seq": order.seq, "last": last},
                facts=facts,
            ),
        )
    return (
        Finding(
            control_id="O2C-SO-01",
            outcome=Outcome.HOLD,
            message="orders.number_gap",
            params={"series": order.series, "seq": order.seq, "expected": expected},
            facts={**facts, "skipped": order.seq - expected},
            required=(
                ApprovalRequirement(
                    control_id="O2C-SO-01",
                    role=policy.gap_approval_role,
                    min_level=policy.gap_approval_level,
                    document_id=order.id,
                    reason="orders.number_gap",
                    excluded=(order.created_by,),
                ),
            ),
        ),
    )


def check_order_approval(
    txn: Transaction, ctx: Context, policy: OrdersPolicy
) -> tuple[Finding, ...]:
    """O2C-SO-02: every order is approved by a person authorised for its amount.

    The finding is a HOLD naming the band's role and level; an approval on hand from an
    authorised approver other than the order's creator (and the acting user) clears it, and
    the cleared finding is the evidence of approval.
    """
    return _check_order_approval_in_gate(txn, ctx, policy, False)


def _check_order_approval_in_gate(
    txn: Transaction, ctx: Context, policy: OrdersPolicy, clear: bool = True
) -> tuple[Finding, ...]:
    """:func:`check_order_approval` as the gate runs it: the HOLD already cleared.

    The control's ``gate_check``. The gate clears a HOLD with one requirement and no step by
    the approval on hand that clears it (:func:`salesctl.approvals.clear_finding`); this
    asks the same rule (:func:`salesctl.approvals.clears`, with the policy's lines of
    authority) here, from the same values, and returns the finding the gate would have
    produced — the ALLOW with the same evidence, formatted by the same helper — without
    building the HOLD first. Nothing clears it: the HOLD, as before. An approval on the order
    that does not count (or a second one) hands the HOLD to the engine, which reports why. ``tests/test_performance.py`` compares it with
    ``clear_finding(check_order_approval(...))``. With ``clear`` false: the plain check
    (:func:`check_order_approval`), the HOLD as built.
    """
    order: SalesOrder = txn.order  # type: ignore[attr-defined]
    tiers = policy.approval_tiers
    # The bands are in one currency and only the last may be unbounded (OrdersPolicy
    # validates both): the first band's bound names the currency, unless it is the only one.
    first = tiers[0].max_amount
    currency = first.currency if first is not None else order.currency
    total = order.total
    amount = total if total.currency == currency else ctx.convert(total, currency)
    tier = band = None
    value = amount.amount
    for t, shown_band in policy._bands:
        top = t.max_amount
        # Money.__le__ in Decimals when the currencies match (it raises otherwise)
        if top is None or (
            (value <= top.amount) if top.currency == amount.currency else (amount <= top)
        ):
            tier, band = t, shown_band
            break
    if tier is None or band is None:
        return (
            Finding(
                control_id="O2C-SO-02",
                outcome=Outcome.BLOCK,
                message="orders.above_all_tiers",
                params={"order": order.id, "amount": amount},
                facts={"order_total": amount},
            ),
        )
    if tier.standing and _has_standing(txn, tier, policy):
        return (
            Finding(
                control_id="O2C-SO-02",
                outcome=Outcome.ALLOW,
                message="orders.standing_authority",
                params={
                    "order": order.id,
                    "amount": amount,
                    "actor": txn.actor.id,
                    "role": tier.role,
                },
                facts={
                    "order_total": amount,
                    "band": band,
                    "created_by": order.created_by,
                    "standing_authority": f"{txn.actor.id} "
                    f"(level {txn.actor.authority_level}, roles {', '.join(sorted(txn.actor.roles))})",
                },
            ),
        )
    # Every order passes here (the HOLD an approval then clears), so the finding is built
    # the trusted way: every value is text from the validated order and policy, rendered as
    # Finding would render it (tests/test_performance.py checks it equals Finding(...)).
    excluded = (order.created_by,)
    if clear:
        role, level, oid, authority = tier.role, tier.level, order.id, policy.authority
        hit = None
        at = txn.at
        for a in ctx.approvals:
            named = a.control_id
            if named is None:
                if a.document_id != oid:
                    continue  # another document's: concerns neither the rule nor the report
            elif named != "O2C-SO-02":
                continue  # another control's
            if hit is None and _clears(a, role, level, oid, order, txn, at, authority):
                hit = a
                continue
            if (
                named is None
                and a.role != role
                and (authority is None or not authority.may_sign(a.role, role, "O2C-SO-02"))
            ):
                continue  # a wrong role is reported only on a HOLD (by the gate's engine)
            # An approval on this order that did not count (or a second one): the engine
            # decides and reports (the answer the gate gives, with the reasons).
            return (
                clear_finding(
                    _hold(tier, band, order, amount, excluded), ctx.approvals, txn, authority
                ),
            )
        if hit is not None:
            # The cleared finding (_trusted_finding, inlined), its parameters and facts
            # rendered when first read from one tuple of values (_Deferred without its
            # __init__): the same pairs as the HOLD's (_params_of, _facts_of) and the evidence.
            values = (oid, role, amount, band, order.created_by, hit)
            params = _new_object(_Deferred)
            params.fn = _cleared_params
            params.args = values
            facts = _new_object(_Deferred)
            facts.fn = _cleared_facts_all
            facts.args = values
            f: Any = _FindingAssembly()
            f.control_id = "O2C-SO-02"
            f.outcome = _ALLOW
            f.message = "orders.needs_approval"
            f.params = params
            f.facts = facts
            f.required = _NO_REQ
            f.cleared_by = (hit.id,)
            f.rejected = _NO_REJ
            f.__class__ = Finding
            return (f,)
    return (_hold(tier, band, order, amount, excluded),)


def _clears(
    a: Any,
    role: str,
    level: int,
    oid: str,
    order: SalesOrder,
    txn: Transaction,
    at: Any,
    authority: Any,
) -> bool:
    """Whether the approval ``a`` (naming O2C-SO-02 or no control, and on the order when it
    names none) clears O2C-SO-02's HOLD: :func:`salesctl.approvals._rule` on the HOLD's
    requirement (the band's role and level, the order, its total, its creator excluded) and
    the transaction's actor and time, written out for the one path every order takes — in the
    rule's order, each test the rule's own: the order, the role signed (or a higher one the
    lines of authority let sign), the role held, the level, the approver neither the acting
    user nor the order's creator (by person key, any case), granted no later than the
    transaction and not expired by then, a maximum covering the total in its currency (the
    requirement's amount is ``str(order.total)``, parsed back to the same Money).
    ``tests/test_performance.py`` compares it with ``_rule`` on generated approvals."""
    if a.document_id != oid:
        return False
    signed = a.role
    if signed != role:
        higher = _above_of(authority, "O2C-SO-02").get(role)
        if higher is None or signed not in higher:
            return False
    who = a.approver
    if signed not in who.roles or who.authority_level < level:
        return False
    # person_key, inlined (an ASCII id's key is its casefold)
    wid = who.id
    wid = wid.casefold() if wid.isascii() else person_key(wid)
    me = txn.actor.id
    if wid == (me.casefold() if me.isascii() else person_key(me)):
        return False  # the keyer
    creator = order.created_by
    if wid == (creator.casefold() if creator.isascii() else person_key(creator)):
        return False  # the proposer
    if a.granted_at > at:
        return False
    expires = a.expires_at
    if expires is not None and expires <= at:
        return False
    cap = a.max_amount
    if cap is None:
        return True
    total = order.total
    return cap.currency == total.currency and not cap.amount < total.amount


def _cleared_params(
    order_id: str, role: str, amount: Any, band: str, created_by: str, hit: Any
) -> tuple[tuple[str, str], ...]:
    """The cleared finding's parameters (:func:`_params_of`), from the cleared path's values."""
    return _params_of(order_id, role, amount)


def _cleared_facts_all(
    order_id: str, role: str, amount: Any, band: str, created_by: str, hit: Any
) -> tuple[tuple[str, str], ...]:
    """The cleared finding's facts (:func:`_cleared_facts_of`), from the cleared path's values."""
    return _cleared_facts_of(amount, band, created_by, hit)


def _params_of(order_id: str, role: str, amount: Any) -> tuple[tuple[str, str], ...]:
    """O2C-SO-02's parameters: the order, the band's role, the amount (as text)."""
    return (("order", order_id), ("role", role), ("amount", str(amount)))


def _facts_of(amount: Any, band: str, created_by: str) -> tuple[tuple[str, str], ...]:
    """O2C-SO-02's facts: the amount (as text), the band, the order's creator."""
    return (("order_total", str(amount)), ("band", band), ("created_by", created_by))


def _cleared_facts_of(
    amount: Any, band: str, created_by: str, hit: Any
) -> tuple[tuple[str, str], ...]:
    """The cleared finding's facts: :func:`_facts_of` and the approval's evidence, as the
    gate's ``_cleared_facts`` renders them."""
    return _cleared_facts(_facts_of(amount, band, created_by), hit, 0)


def _hold(
    tier: Any, band: str, order: SalesOrder, amount: Any, excluded: tuple[str, ...]
) -> Finding:
    """O2C-SO-02's HOLD, its pairs rendered now (see :func:`_order_approval`)."""
    shown = str(amount)
    need = shown if amount is order.total else str(order.total)
    return _held(
        tier,
        order.id,
        need,
        excluded,
        _params_of(order.id, tier.role, shown),
        _facts_of(shown, band, order.created_by),
    )


def _has_standing(txn: Transaction, tier: Any, policy: OrdersPolicy) -> bool:
    """Whether the acting user holds the band's standing authority: its role (or a higher
    role of its line, when the policy lets a higher role sign) at its level or above."""
    actor = txn.actor
    if actor.authority_level < tier.level:
        return False
    authority = policy.authority
    return any(
        r == tier.role
        or (authority is not None and authority.may_sign(r, tier.role, "O2C-SO-02"))
        for r in actor.roles
    )


def _held(
    tier: Any,
    order_id: str,
    need: str,
    excluded: tuple[str, ...],
    params: tuple[tuple[str, str], ...],
    facts: tuple[tuple[str, str], ...],
) -> Finding:
    """O2C-SO-02's HOLD, built the trusted way (see :func:`_order_approval`)."""
    req = _trusted_requirement(
        "O2C-SO-02", tier.role, tier.level, order_id, "orders.needs_approval", need, excluded
    )
    return _trusted_finding(
        "O2C-SO-02", Outcome.HOLD, "orders.needs_approval", params, facts, (req,)
    )


def check_order_void(txn: Transaction, ctx: Context, policy: OrdersPolicy) -> tuple[Finding, ...]:
    """O2C-SO-04: an order may be voided only while its goods issue is unposted.

    The host passes every goods issue and sales settlement of the order in
    ``ctx.goods_issues`` and ``ctx.settlements``. A posted goods issue blocks the void (the
    stock has left the books: reverse the issue first); so does, by default, a settlement that
    is no longer temporary (confirmed: roll it back first).
    """
    order: SalesOrder = txn.order  # type: ignore[attr-defined]
    out: list[Finding] = []
    posted = sorted(g.id for g in ctx.goods_issues if g.order_id == order.id and g.posted)
    if posted:
        out.append(
            Finding(
                control_id="O2C-SO-04",
                outcome=Outcome.BLOCK,
                message="orders.void_goods_issue_posted",
                params={"order": order.id, "goods_issues": posted},
                facts={"order": order.id, "posted_goods_issues": posted},
            )
        )
    if policy.void_needs_temporary_settlement:
        confirmed = sorted(
            s.id
            for s in ctx.settlements
            if s.order_id == order.id and s.status is SettlementStatus.CONFIRMED
        )
        if confirmed:
            out.append(
                Finding(
                    control_id="O2C-SO-04",
                    outcome=Outcome.BLOCK,
                    message="orders.void_settlement_confirmed",
                    params={"order": order.id, "settlements": confirmed},
                    facts={"order": order.id, "confirmed_settlements": confirmed},
                )
            )
    return tuple(out)


def _missing_fields(q: Quotation, required: frozenset[str]) -> list[str]:
    """``"field"`` for header gaps and ``"line N: field"`` for line gaps, in catalogue order."""
    missing: list[str] = []
    for name in QUOTATION_FIELDS:
        if name in required and name in _HEADER_FIELDS and getattr(q, name) is None:
            missing.append(name)
    for line in q.lines:
        gaps = [
            n
            for n in QUOTATION_FIELDS
            if n in required and n not in _HEADER_FIELDS and getattr(line, n) is None
        ]
        if gaps:
            missing.append(f"line {line.line_no}: {', '.join(gaps)}")
    return missing


def check_quotation(txn: Transaction, ctx: Context, policy: OrdersPolicy) -> tuple[Finding, ...]:
    """O2C-SO-05: a quotation states every element the policy requires before it goes out.

    By default all seven elements of S-FT 报价: quality grade, spec/model, packaging,
    quantity and material on every line; delivery date and transport on the quotation.
    """
    q: Quotation = txn.quotation  # type: ignore[attr-defined]
    missing = _missing_fields(q, policy.quotation_required_fields)
    if not missing:
        return _NONE
    return (
        Finding(
            control_id="O2C-SO-05",
            outcome=Outcome.BLOCK,
            message="orders.quotation_incomplete",
            params={"quotation": q.id, "missing": "; ".join(missing)},
            facts={
                "quotation": q.id,
                "missing": missing,
                "required": sorted(policy.quotation_required_fields),
            },
        ),
    )


def _production_facts(po: ProductionOrder) -> dict[str, Any]:
    return {"production_order": po.id, "contract": po.contract_id or "-"}


def _production_blocks(po: ProductionOrder, ctx: Context, policy: OrdersPolicy) -> list[Finding]:
    out: list[Finding] = []
    cid = po.contract_id
    if cid is None:
        out.append(
            finding(
                "O2C-SO-06",
                Outcome.BLOCK,
                "orders.production_no_contract",
                params={"production_order": po.id},
                facts=_production_facts(po),
            )
        )
    elif cid not in ctx.approved_documents:
        out.append(
            finding(
                "O2C-SO-06",
                Outcome.BLOCK,
                "orders.production_contract_not_approved",
                params={"production_order": po.id, "contract": cid},
                facts={**_production_facts(po), "contract": cid},
            )
        )
    else:
        contract = ctx.contract(cid)
        if contract is not None and contract.status is not ContractStatus.SIGNED:
            out.append(
                finding(
                    "O2C-SO-06",
                    Outcome.BLOCK,
                    "orders.production_contract_not_in_force",
                    params={
                        "production_order": po.id,
                        "contract": cid,
                        "status": contract.status.value,
                    },
                    facts={
                        **_production_facts(po),
                        "contract": cid,
                        "status": contract.status.value,
                    },
                )
            )
        elif contract is not None and contract.lines:
            allowed: dict[str, Decimal] = {}
            for cl in contract.lines:
                allowed[cl.product.id] = allowed.get(cl.product.id, Decimal(0)) + cl.quantity
            wanted: dict[str, Decimal] = {}
            for pl in po.lines:
                wanted[pl.product.id] = wanted.get(pl.product.id, Decimal(0)) + pl.quantity
            for product, qty in wanted.items():
                if qty > allowed.get(product, Decimal(0)):
                    out.append(
                        finding(
                            "O2C-SO-06",
                            Outcome.BLOCK,
                            "orders.production_exceeds_contract",
                            params={
                                "production_order": po.id,
                                "contract": cid,
                                "product": product,
                                "quantity": qty,
                                "contracted": allowed.get(product, Decimal(0)),
                            },
                            facts={
                                **_production_facts(po),
                                "contract": cid,
                                "product": product,
                                "quantity": qty,
                                "contracted": allowed.get(product, Decimal(0)),
                            },
                        )
                    )
    if policy.production_needs_business_approval:
        out.extend(_business_approval_blocks(po, ctx))
    return out


def _business_approval_blocks(po: ProductionOrder, ctx: Context) -> list[Finding]:
    fid = po.business_approval_id
    if fid is None:
        return [
            finding(
                "O2C-SO-06",
                Outcome.BLOCK,
                "orders.production_no_business_approval",
                params={"production_order": po.id},
                facts=_production_facts(po),
            )
        ]
    form = ctx.business_approval_form(fid)
    if form is None:
        return [
            finding(
                "O2C-SO-06",
                Outcome.BLOCK,
                "orders.business_approval_missing",
                params={"production_order": po.id, "form": fid},
                facts={**_production_facts(po), "form": fid},
            )
        ]
    if form.contract_id is not None and form.contract_id != po.contract_id:
        return [
            finding(
                "O2C-SO-06",
                Outcome.BLOCK,
                "orders.business_approval_other_contract",
                params={"production_order": po.id, "form": fid, "form_contract": form.contract_id},
                facts={**_production_facts(po), "form": fid, "form_contract": form.contract_id},
            )
        ]
    approvers = [a for a in form.approved_by if not same_person(a, form.prepared_by)]
    if form.approved_on is None or not approvers:
        return [
            finding(
                "O2C-SO-06",
                Outcome.BLOCK,
                "orders.business_approval_not_approved",
                params={"production_order": po.id, "form": fid},
                facts={**_production_facts(po), "form": fid},
            )
        ]
    if form.approved_on > po.issued_on:
        return [
            finding(
                "O2C-SO-06",
                Outcome.BLOCK,
                "orders.business_approval_after_production",
                params={
                    "production_order": po.id,
                    "form": fid,
                    "approved_on": form.approved_on,
                    "issued_on": po.issued_on,
                },
                facts={
                    **_production_facts(po),
                    "form": fid,
                    "approved_on": form.approved_on,
                    "issued_on": po.issued_on,
                },
            )
        ]
    return []


def check_production_order(
    txn: Transaction, ctx: Context, policy: OrdersPolicy
) -> tuple[Finding, ...]:
    """O2C-SO-06: a production order only from an approved contract, after the business
    approval form, signed by the sales VP.

    Blocks when the production order names no contract, the contract is not among
    ``ctx.approved_documents`` (or its document in ``ctx.contracts`` is no longer signed),
    the quantities exceed the contract's lines, or the business approval form is missing,
    for another contract, unapproved (its preparer's own approval does not count) or approved
    after the production order's date. Otherwise it holds for the sales VP's signature; the
    compiler of the production order cannot sign it.
    """
    po: ProductionOrder = txn.production_order  # type: ignore[attr-defined]
    out = _production_blocks(po, ctx, policy)
    out.append(
        Finding(
            control_id="O2C-SO-06",
            outcome=Outcome.HOLD,
            message="orders.production_needs_signature",
            params={"production_order": po.id, "role": policy.production_signer_role},
            facts={
                "production_order": po.id,
                "contract": po.contract_id or "-",
                "business_approval": po.business_approval_id or "-",
                "issued_by": po.issued_by,
            },
            required=(
                ApprovalRequirement(
                    control_id="O2C-SO-06",
                    role=policy.production_signer_role,
                    min_level=policy.production_signer_level,
                    document_id=po.id,
                    reason="orders.production_needs_signature",
                    excluded=(po.issued_by,),
                ),
            ),
        )
    )
    return tuple(out)
