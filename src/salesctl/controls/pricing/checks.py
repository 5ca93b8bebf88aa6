"""The pricing family's checks (O2C-PR-01, -02, -03, -05), run by the gate, and their
helpers (the duties family uses the line prices too).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from salesctl.approvals import _cleared_facts, _sole_hit
from salesctl.context import Context, price_book
from salesctl.control import Scratch
from salesctl.controls.pricing.policy import (
    _ZERO,
    DOCUMENT_PRICED,
    ConcessionStep,
    PriceAuthority,
    PricingPolicy,
    _show,
)
from salesctl.decision import (
    ApprovalRequirement,
    Finding,
    Outcome,
    _Deferred,
    _trusted_finding,
    _trusted_requirement,
)
from salesctl.model import OrderLine, PriceClass, PriceEntry, Product, SalesOrder
from salesctl.money import Money
from salesctl.transactions import Transaction

__all__ = [
    "check_concessions",
    "check_document_price",
    "check_float_authority",
    "check_price_master",
    "master_price",
    "price_date",
]

_NONE: tuple[Finding, ...] = ()
_ALLOW = Outcome.ALLOW


# -- helpers (pure) ---------------------------------------------------------------------------


def master_price(
    ctx: Context, product: Product, on: dt.date, currency: str
) -> tuple[PriceEntry | None, str | None]:
    """The price-master entry for ``product`` on ``on`` in ``currency``.

    Only entries of the product's own price class count (a document price for a state-allocated
    product, a price-group price for a market product).

    Returns:
        ``(entry, None)``, or ``(None, problem)`` with problem ``"missing"`` (no entry valid on
        that day), ``"currency"`` (valid entries, none in that currency) or ``"ambiguous"``
        (valid entries with different prices).
    """
    return _master_price(ctx.prices_for(product.id), product, on, currency)


def _master_price(
    entries: tuple[PriceEntry, ...], product: Product, on: dt.date, currency: str
) -> tuple[PriceEntry | None, str | None]:
    """:func:`master_price` among ``entries``, the product's price-master entries."""
    cls = product.price_class
    found: PriceEntry | None = None
    other_currency = False
    for e in entries:
        # PriceEntry.valid_on, inlined: this runs for every line of every order.
        if (
            e.price_class is not cls
            or e.valid_from > on
            or (e.valid_to is not None and e.valid_to < on)
        ):
            continue
        if e.price.currency != currency:
            other_currency = True
            continue
        if found is None:
            found = e
        elif found.price != e.price:
            return None, "ambiguous"
    if found is not None:
        return found, None
    return None, "currency" if other_currency else "missing"


def price_date(order: SalesOrder, ctx: Context, policy: PricingPolicy) -> dt.date:
    """The day the price master is read on for ``order``: the business date ``ctx.as_of``
    (the gate guarantees it is the transaction's), or the order date when that precedes the
    business date by at most ``policy.order_date_days`` (an order keyed after the customer
    placed it keeps that day's price). A later or earlier order date never chooses the price.
    """
    on, today = order.order_date, ctx.as_of
    if on == today or (on < today and (today - on).days <= policy.order_date_days):
        return on
    return today


class _LinePrices:
    """The master price of every line of one order, worked out once per gate check.

    O2C-PR-01, -02, -03, -05 and O2C-SD-01 all need each line's :func:`master_price`; the
    first of them to ask computes it for every line and leaves it in the gate's scratch for
    the one call (their controls set ``scratch``), the others reuse it. The summary flags let a check that has nothing to
    report return at once; a check that may report walks ``rows`` exactly as before.

    Attributes:
        order: the order the rows are for (compared by identity).
        on: the day the price master was read on (:func:`price_date`).
        policy: the pricing policy ``on`` was worked out under (``None``: the business date).
        rows: ``(line, entry, problem)`` per line, in line order (as :func:`master_price`),
            built on first read: a check with nothing to report reads the flags alone.
        document: some line is document-priced (O2C-PR-01 has something to look at).
        missing: some market-priced line has no usable master price (O2C-PR-02, -03 report).
        moved: some market-priced line's price (before its discount) differs from its master
            price (O2C-PR-03 must judge it).
        discounted: some line's list price is above its unit price (a line discount, O2C-PR-05).
    """

    __slots__ = (
        "_ctx",
        "discounted",
        "document",
        "missing",
        "moved",
        "on",
        "order",
        "policy",
        "rows",
    )

    rows: tuple[tuple[OrderLine, PriceEntry | None, str | None], ...]

    def __init__(self, ctx: Context, order: SalesOrder, on: dt.date) -> None:
        # The flags first, without the rows: on the pass path no check reads the rows
        # (O2C-SD-01 asks the context's price maintainers first). The first line that sets
        # ``document``, ``missing`` or ``moved`` (a check will read the rows) switches to
        # _walk, which builds the rows as it goes; else the rows are built on first read.
        currency = order.currency
        try:  # price_book(ctx), inlined
            book = ctx._price_book
        except AttributeError:
            book = price_book(ctx)
        lookup = book._d.get
        rows: list[tuple[OrderLine, PriceEntry | None, str | None]] | None = None
        document = missing = moved = discounted = False
        lines = iter(order.lines)
        for line in lines:
            product = line.product
            pc = product.price_class
            found = lookup(product.id, ())
            # One entry, of the product's class, valid that day, in the order's currency:
            # master_price's answer without the call; anything else asks master_price.
            if len(found) == 1:
                e: Any = found[0]
                price: Any = e.price  # read once
                if (
                    e.price_class is not pc
                    or e.valid_from > on
                    or (e.valid_to is not None and e.valid_to < on)
                    or price.currency != currency
                ):
                    e = _master_price(found, product, on, currency)[0]
                    price = None if e is None else e.price
            else:
                e = _master_price(found, product, on, currency)[0]
                price = None if e is None else e.price
            unit = line.unit_price
            lp = line.list_price
            if lp is not None and lp.amount > unit.amount:
                discounted = True
                unit = lp  # the price judged: before the line discount
            if pc is _STATE or pc is _GROUP:
                document = True
            elif e is None:
                missing = True
            elif unit.amount != price.amount:
                moved = True
            else:
                continue
            # The rows: the lines before this one, this one's (master_price's problem when
            # there is no entry), then the rest of the lines with _walk.
            rows = []
            for done in order.lines:
                if done is line:
                    break
                rows.append(_row(lookup, done, on, currency))
            rows.append(
                (line, e, None if e is not None else _master_price(found, product, on, currency)[1])
            )
            if len(rows) < len(order.lines):
                d, m, v, c = _walk(lines, lookup, on, currency, rows)
                document, missing, moved, discounted = (
                    document or d,
                    missing or m,
                    moved or v,
                    discounted or c,
                )
            break
        self.order = order
        self.on = on
        self.policy: PricingPolicy | None = None
        self._ctx = ctx
        if rows is not None:  # else built on first read (__getattr__)
            self.rows = tuple(rows)
        self.document = document
        self.missing = missing
        self.moved = moved
        self.discounted = discounted

    def __getattr__(self, name: str) -> Any:
        """:attr:`rows` on first read when the walk did not build them (a slot not set yet:
        the attribute look-up fails and comes here; once set, it is a plain slot read)."""
        if name != "rows":
            raise AttributeError(name)
        lookup = price_book(self._ctx)._d.get
        on, currency = self.on, self.order.currency
        rows = self.rows = tuple(_row(lookup, ln, on, currency) for ln in self.order.lines)
        return rows


_Row = tuple[OrderLine, PriceEntry | None, str | None]


def _row(lookup: Any, line: OrderLine, on: dt.date, currency: str) -> _Row:
    """``(line, entry, problem)``: the :func:`master_price` of ``line``'s product on ``on`` in
    ``currency``, its entries found by ``lookup`` (the price book's)."""
    product = line.product
    found = lookup(product.id, ())
    if len(found) == 1:  # as in _LinePrices: master_price's answer without the call
        e = found[0]
        if (
            e.price_class is product.price_class
            and e.valid_from <= on
            and (e.valid_to is None or e.valid_to >= on)
            and e.price.currency == currency
        ):
            return (line, e, None)
    return (line, *_master_price(found, product, on, currency))


def _walk(
    lines: Iterable[OrderLine], lookup: Any, on: dt.date, currency: str, rows: list[_Row]
) -> tuple[bool, bool, bool, bool]:
    """The rest of :class:`_LinePrices`' walk once a check will read the rows: each line's
    row appended to ``rows``; the flags (document, missing, moved, discounted) of these lines.
    """
    add = rows.append
    document = missing = moved = discounted = False
    for line in lines:
        product = line.product
        pc = product.price_class
        found = lookup(product.id, ())
        problem: str | None = None
        if len(found) == 1:
            e: Any = found[0]
            price: Any = e.price  # read once
            if (
                e.price_class is not pc
                or e.valid_from > on
                or (e.valid_to is not None and e.valid_to < on)
                or price.currency != currency
            ):
                e, problem = _master_price(found, product, on, currency)
                price = None if e is None else e.price
        else:
            e, problem = _master_price(found, product, on, currency)
            price = None if e is None else e.price
        add((line, e, problem))
        unit = line.unit_price
        lp = line.list_price
        if lp is not None and lp.amount > unit.amount:
            discounted = True
            unit = lp  # the price judged: before the line discount
        if pc is _STATE or pc is _GROUP:
            document = True
        elif e is None:
            missing = True
        elif unit.amount != price.amount:
            moved = True
    return document, missing, moved, discounted


_STATE = PriceClass.STATE_ALLOCATED
_GROUP = PriceClass.GROUP_PRICED
assert frozenset({_STATE, _GROUP}) == DOCUMENT_PRICED


#: The key of the line prices in a gate call's scratch.
_LINE_PRICES = object()


def _line_prices(
    ctx: Context,
    order: SalesOrder,
    scratch: Scratch | None = None,
    policy: PricingPolicy | None = None,
) -> _LinePrices:
    """The :class:`_LinePrices` of ``order`` under ``ctx``, read on :func:`price_date` under
    ``policy``: computed once per gate call and order (kept in the call's ``scratch``);
    computed afresh without one.

    The pricing checks pass their ``policy``; a caller of another family passes none and gets
    the rows the pricing checks used (they run first), else those of the business date.
    """
    if scratch is not None:
        memo: _LinePrices | None = scratch.get(_LINE_PRICES)
        if memo is not None and memo.order is order and (policy is None or memo.policy is policy):
            return memo
    on = ctx.as_of
    if policy is not None:  # price_date(order, ctx, policy), inlined
        od = order.order_date
        if od == on or (od < on and (on - od).days <= policy.order_date_days):
            on = od
    memo = _LinePrices(ctx, order, on)
    memo.policy = policy
    if scratch is None:
        return memo
    scratch[_LINE_PRICES] = memo
    return memo


def _price(line: OrderLine) -> Money:
    """The price a line is judged at: before its line discount.

    That is the list price when the line carries a discount, and the unit price otherwise,
    including when the unit price is *above* the list price: a surcharge on top of the list
    price is a price rise (R1.2), not something the discount matrix sees.
    """
    lp = line.list_price
    return lp if lp is not None and lp > line.unit_price else line.unit_price


def _no_master(
    cid: str, order: SalesOrder, line: OrderLine, problem: str, on: dt.date
) -> Finding:
    return Finding(
        control_id=cid,
        outcome=Outcome.BLOCK,
        message=f"pricing.master_{problem}",
        params={
            "line": line.line_no,
            "product": line.product.id,
            "date": on,
            "currency": order.currency,
        },
        facts={
            "product": line.product.id,
            "price_class": line.product.price_class,
            "order_date": order.order_date,
            "price_date": on,
            "currency": order.currency,
        },
    )


def _requirement(
    cid: str, order: SalesOrder, role: str, level: int, reason: str, step: int = 0
) -> ApprovalRequirement:
    return ApprovalRequirement(
        control_id=cid,
        role=role,
        min_level=level,
        document_id=order.id,
        reason=reason,
        amount=str(order.total),
        excluded=(order.created_by,),
        step=step,
    )


# -- checks -----------------------------------------------------------------------------------


def check_document_price(
    txn: Transaction, ctx: Context, policy: PricingPolicy, scratch: Scratch | None = None
) -> tuple[Finding, ...]:
    """O2C-PR-01: state-allocated and group-priced products sell at the document price.

    The subsidiary executes the group's pricing document (按文件规定执行): a different price, a
    line discount, or a missing or ambiguous document price blocks; no approval can clear it.
    """
    order: SalesOrder = txn.order  # type: ignore[attr-defined]
    prices = _line_prices(ctx, order, scratch, policy)
    if not prices.document:
        return _NONE
    out: list[Finding] = []
    for line, entry, problem in prices.rows:
        pc = line.product.price_class
        if pc is not _STATE and pc is not _GROUP:
            continue
        if entry is None:
            out.append(_no_master("O2C-PR-01", order, line, problem or "missing", prices.on))
            continue
        if line.unit_price == entry.price and (
            line.list_price is None or line.list_price == entry.price
        ):
            continue
        out.append(
            Finding(
                control_id="O2C-PR-01",
                outcome=Outcome.BLOCK,
                message="pricing.not_document_price",
                params={
                    "line": line.line_no,
                    "product": line.product.id,
                    "price": line.unit_price,
                    "document_price": entry.price,
                    "document": entry.source_document,
                },
                facts={
                    "product": line.product.id,
                    "price_class": line.product.price_class,
                    "unit_price": line.unit_price,
                    "list_price": line.list_price or "-",
                    "document_price": entry.price,
                    "source_document": entry.source_document,
                    "entry": entry.id or "-",
                },
            )
        )
    return tuple(out)


def check_price_master(
    txn: Transaction, ctx: Context, policy: PricingPolicy, scratch: Scratch | None = None
) -> tuple[Finding, ...]:
    """O2C-PR-02: every market-priced line has a price in the approved price master.

    The entry must be valid on the price date (:func:`price_date`: the business date, or an
    order date at most ``order_date_days`` before it), in the order's currency, and unique;
    otherwise the price cannot be verified and the line is blocked (fails closed). An order
    date earlier than that is blocked too: a back-dated document does not choose its price.
    """
    order: SalesOrder = txn.order  # type: ignore[attr-defined]
    # _line_prices' memo read inline (the rows the first pricing check left in the scratch)
    prices = None if scratch is None else scratch.get(_LINE_PRICES)
    if prices is None or prices.order is not order or prices.policy is not policy:
        prices = _line_prices(ctx, order, scratch, policy)
    back = None if order.order_date == ctx.as_of else _backdated(order, ctx, policy)
    if not prices.missing and back is None:
        return _NONE
    out: list[Finding] = [] if back is None else [back]
    for line, entry, problem in prices.rows:
        pc = line.product.price_class
        if pc is _STATE or pc is _GROUP:
            continue
        if entry is None:
            out.append(_no_master("O2C-PR-02", order, line, problem or "missing", prices.on))
    return tuple(out)


def _backdated(order: SalesOrder, ctx: Context, policy: PricingPolicy) -> Finding | None:
    """O2C-PR-02's BLOCK for an order date that precedes the business date by more than
    ``policy.order_date_days`` (the order is priced on the business date regardless)."""
    on, today = order.order_date, ctx.as_of
    if on >= today:
        return None
    days = (today - on).days
    if days <= policy.order_date_days:
        return None
    return Finding(
        control_id="O2C-PR-02",
        outcome=Outcome.BLOCK,
        message="pricing.order_backdated",
        params={
            "order": order.id,
            "order_date": on,
            "business_date": today,
            "days": days,
            "allowed": policy.order_date_days,
        },
        facts={
            "order_date": on,
            "business_date": today,
            "days_before": days,
            "order_date_days": policy.order_date_days,
            "price_date": today,
        },
    )


def check_float_authority(
    txn: Transaction,
    ctx: Context,
    policy: PricingPolicy,
    scratch: Scratch | None = None,
    *,
    _clear: bool = False,
) -> tuple[Finding, ...]:
    """O2C-PR-03: a line's price within the acting seller's delegated float range.

    The price judged is the line's price before its line discount (``list_price`` when it is
    above the unit price; the discount itself is O2C-PR-05's), else the unit price. Inside the seller's range: passes. Outside it: HOLD
    for the nearest node up the tree whose range covers the price. Outside the root's range:
    BLOCK. A line without a master price cannot be judged and is blocked.

    The gate runs it with ``_clear=True`` (:func:`salesctl.control._clearing`): a HOLD that
    the one approval on hand concerning it clears, signed in the node's role itself, is
    returned cleared — what the gate's :func:`~salesctl.approvals.clear_finding` makes of the
    HOLD (``tests/test_performance.py``); anything else is left to the gate's clearing.
    """
    order: SalesOrder = txn.order  # type: ignore[attr-defined]
    prices = None if scratch is None else scratch.get(_LINE_PRICES)  # _line_prices' memo
    if prices is None or prices.order is not order or prices.policy is not policy:
        prices = _line_prices(ctx, order, scratch, policy)
    if not prices.missing and not prices.moved:
        return _NONE
    actor = txn.actor
    own: PriceAuthority | bool | None = False  # resolved on first need
    out: list[Finding] = []
    currency = order.currency
    for line, entry, problem in prices.rows:
        pc = line.product.price_class
        if pc is _STATE or pc is _GROUP:
            continue
        if entry is None:
            out.append(_no_master("O2C-PR-03", order, line, problem or "missing", prices.on))
            continue
        master = entry.price.amount
        lp = line.list_price  # _price(line), inlined: the price before the line discount
        price = (lp if lp is not None and lp > line.unit_price else line.unit_price).amount
        if price == master:
            continue
        if own is False:
            own = policy.node_for(actor)
        pid = line.product.id
        if isinstance(own, PriceAuthority) and policy.covers(own, pid, master, price, currency):
            continue
        approver = None
        for n in policy._escalation_from(own if isinstance(own, PriceAuthority) else None):
            if policy.covers(n, pid, master, price, currency):
                approver = n
                break
        if approver is None:
            deviation = (price - master) / master if master else Decimal(1)
            out.append(
                Finding(
                    control_id="O2C-PR-03",
                    outcome=Outcome.BLOCK,
                    message="pricing.outside_root",
                    params={
                        "line": line.line_no,
                        "product": pid,
                        "price": _price(line),
                        "master": entry.price,
                        "deviation": f"{deviation:+.2%}",
                    },
                    facts=_float_facts(policy, actor, own, None, line, entry, currency),
                )
            )
            continue
        # A HOLD: its text is rendered when the finding is first read (the approver, which
        # decides who may clear it, is worked out here).
        params = _Deferred(_float_params, (line, entry, approver))
        facts = _Deferred(_float_facts, (policy, actor, own, approver, line, entry, currency))
        trusted = approver.id in policy._role_ok
        hit = (
            _sole_hit(
                ctx.approvals,
                "O2C-PR-03",
                approver.role,
                approver.level,
                order.id,
                order.total,
                (order.created_by,),
                txn,
            )
            if _clear and trusted and ctx.approvals
            else None
        )
        if hit is not None:
            # what clear_finding makes of the HOLD (its text and the evidence rendered when
            # first read)
            out.append(
                _trusted_finding(
                    "O2C-PR-03",
                    _ALLOW,
                    "pricing.outside_range",
                    params,
                    _Deferred(_cleared_facts, (facts, hit, 0)),
                    (),
                    (hit.id,),
                )
            )
            continue
        out.append(
            _trusted_finding(
                "O2C-PR-03",
                Outcome.HOLD,
                "pricing.outside_range",
                params,
                facts,
                (
                    _trusted_requirement(
                        "O2C-PR-03",
                        approver.role,
                        approver.level,
                        order.id,
                        "pricing.outside_range",
                        str(order.total),
                        (order.created_by,),
                    )
                    if trusted
                    else _requirement(
                        "O2C-PR-03", order, approver.role, approver.level, "pricing.outside_range"
                    ),
                ),
            )
        )
    return tuple(out)


def _float_params(line: OrderLine, entry: Any, approver: PriceAuthority) -> dict[str, Any]:
    """O2C-PR-03's message parameters for a price held for ``approver``."""
    master = entry.price.amount
    price = _price(line).amount
    deviation = (price - master) / master if master else Decimal(1)
    return {
        "line": line.line_no,
        "product": line.product.id,
        "price": _price(line),
        "master": entry.price,
        "deviation": f"{deviation:+.2%}",
        "node": approver.label,
        "role": approver.role,
    }


def _float_facts(
    policy: PricingPolicy,
    actor: Any,
    own: PriceAuthority | bool | None,
    approver: PriceAuthority | None,
    line: OrderLine,
    entry: Any,
    currency: str,
) -> dict[str, Any]:
    """O2C-PR-03's facts for a price outside the seller's range (``approver``: the node that
    may approve it, ``None`` outside the root's range)."""
    master = entry.price.amount
    price = _price(line).amount
    pid = line.product.id
    deviation = (price - master) / master if master else Decimal(1)
    facts: dict[str, Any] = {
        "product": pid,
        "price": _price(line),
        "master_price": entry.price,
        "source_document": entry.source_document,
        "deviation": f"{deviation:+.4%}",
        "seller": actor.id,
        "seller_node": policy.path_of(own.id) if isinstance(own, PriceAuthority) else "-",
    }
    if isinstance(own, PriceAuthority):
        facts["seller_range"] = _range(policy, own, pid, master, currency)
    if approver is not None:
        facts["approver_node"] = policy.path_of(approver.id)
        facts["approver_range"] = _range(policy, approver, pid, master, currency)
    return facts


def _range(
    policy: PricingPolicy, node: PriceAuthority, product_id: str, master: Decimal, currency: str
) -> str:
    products = policy._cover[node.id]
    if products is not None and product_id not in products:
        return f"[{master}, {master}] (product not delegated)"
    floor, ceiling = node.bounds(master, currency)
    return f"[{floor}, {ceiling}]"


def _band(
    steps: tuple[ConcessionStep, ...],
    amount: Decimal,
    base: Decimal | None,
    currency: str,
    ctx: Context,
) -> ConcessionStep | None:
    """The first band that a concession of ``amount`` on a value of ``base`` does not exceed.

    The fraction is compared as ``amount > max_pct × base`` (exact; no division), so a
    concession on a zero base exceeds every fraction bound. ``base`` ``None``: unknown, the
    fraction bounds are not applied.
    """
    for s in steps:
        if s.max_pct is not None and base is not None and amount > s.max_pct * base:
            continue
        if s.max_amount is not None:
            bound = s.max_amount
            if bound.currency == currency:
                if amount > bound.amount:
                    continue
            elif ctx.convert(Money.rounded(amount, currency), bound.currency) > bound:
                continue
        return s
    return None


def _concession_finding(
    cid: str,
    order: SalesOrder,
    steps: tuple[ConcessionStep, ...],
    scope: str,
    amount: Decimal,
    base: Decimal | None,
    ctx: Context,
    params: dict[str, Any],
    facts: dict[str, Any],
) -> Finding | None:
    band = _band(steps, amount, base, order.currency, ctx)
    if base is None:
        shown_pct = "-"
    elif base:
        shown_pct = f"{amount / base:.2%}"
    else:
        shown_pct = "∞"
    shown_amt = Money.rounded(amount, order.currency)
    params = {**params, "pct": shown_pct, "amount": shown_amt}
    facts = {**facts, "concession": shown_amt, "fraction": shown_pct}
    if band is None:
        return Finding(
            control_id=cid,
            outcome=Outcome.BLOCK,
            message=f"pricing.concession_{scope}_above_matrix",
            params=params,
            facts=facts,
        )
    if not band.approvals:
        return None
    ordered = band.in_order and len(band.approvals) > 1
    reason = f"pricing.concession_{scope}"
    facts["band"] = f"≤ {_show(band.max_pct)} / ≤ {_show(band.max_amount)}"
    return Finding(
        control_id=cid,
        outcome=Outcome.HOLD,
        message=reason,
        params={**params, "roles": " → ".join(a.role for a in band.approvals)},
        facts=facts,
        required=tuple(
            _requirement(cid, order, a.role, a.level, reason, k + 1 if ordered else 0)
            for k, a in enumerate(band.approvals)
        ),
    )


def check_concessions(
    txn: Transaction, ctx: Context, policy: PricingPolicy, scratch: Scratch | None = None
) -> tuple[Finding, ...]:
    """O2C-PR-05: discounts and promotions within the discount delegation matrix.

    Three measures, each judged against its own matrix: every line's discount (list price to
    unit price) plus the concessions attached to the line; the order's concessions in total;
    and the customer's concessions accumulated over the rolling window including this order.
    A kind of promotion the policy does not allow is blocked.
    """
    order: SalesOrder = txn.order  # type: ignore[attr-defined]
    if not order.concessions:
        prices = None if scratch is None else scratch.get(_LINE_PRICES)  # _line_prices' memo
        if prices is None or prices.order is not order or prices.policy is not policy:
            prices = _line_prices(ctx, order, scratch, policy)
        if not prices.discounted:
            return _NONE  # nothing given: no line discount, no promotion
    out: list[Finding] = []
    cid = "O2C-PR-05"
    for c in order.concessions:
        if c.kind not in policy.concession_kinds:
            out.append(
                Finding(
                    control_id=cid,
                    outcome=Outcome.BLOCK,
                    message="pricing.concession_kind",
                    params={"kind": c.kind, "order": order.id},
                    facts={"kind": c.kind, "value": c.value, "reference": c.reference or "-"},
                )
            )
    per_line: dict[int, Decimal] = {}
    order_extra = _ZERO
    for c in order.concessions:
        if c.line_no is None:
            order_extra += c.value.amount
        else:
            per_line[c.line_no] = per_line.get(c.line_no, _ZERO) + c.value.amount
    gross = _ZERO
    total = order_extra
    for line in order.lines:
        base = _price(line).amount
        line_gross = base * line.quantity
        given = per_line.get(line.line_no, _ZERO)
        if line.list_price is not None and base > line.unit_price.amount:
            given += (base - line.unit_price.amount) * line.quantity
        gross += line_gross
        total += given
        if not given:
            continue
        f = _concession_finding(
            cid,
            order,
            policy.line_discount_steps,
            "line",
            given,
            line_gross,
            ctx,
            {"line": line.line_no, "product": line.product.id},
            {"line": line.line_no, "list_price": _price(line), "unit_price": line.unit_price},
        )
        if f is not None:
            out.append(f)
    if not total:
        return tuple(out)
    kinds = {c.kind.value for c in order.concessions}
    if any(ln.list_price is not None and ln.list_price > ln.unit_price for ln in order.lines):
        kinds.add("line_discount")
    f = _concession_finding(
        cid,
        order,
        policy.order_concession_steps,
        "order",
        total,
        gross,
        ctx,
        {"order": order.id},
        {"gross": Money.rounded(gross, order.currency), "kinds": sorted(kinds)},
    )
    if f is not None:
        out.append(f)
    f = _rolling(order, ctx, policy, total, gross)
    if f is not None:
        out.append(f)
    return tuple(out)


def _rolling(
    order: SalesOrder, ctx: Context, policy: PricingPolicy, total: Decimal, gross: Decimal
) -> Finding | None:
    """The accumulated limit per customer over the rolling window (iDempiere's idea)."""
    if not policy.rolling_steps:
        return None
    start = ctx.as_of - dt.timedelta(days=policy.rolling_days)
    cur = order.currency
    acc, base, n = total, gross, 1
    known: bool = True
    for r in _history(ctx, order, start):
        acc += (r.value if r.value.currency == cur else ctx.convert(r.value, cur)).amount
        n += 1
        if r.gross is None:
            known = False
        else:
            base += (r.gross if r.gross.currency == cur else ctx.convert(r.gross, cur)).amount
    return _concession_finding(
        "O2C-PR-05",
        order,
        policy.rolling_steps,
        "rolling",
        acc,
        base if known else None,
        ctx,
        {"customer": order.customer.id, "days": policy.rolling_days, "orders": n},
        {"window_start": start, "orders_in_window": n},
    )


def _history(ctx: Context, order: SalesOrder, start: dt.date) -> Iterable[Any]:
    for r in ctx.concession_history:
        if (
            r.customer_id == order.customer.id
            and r.order_id != order.id
            and start < r.on <= ctx.as_of
        ):
            yield r
