"""Pricing: where prices come from, who may move them, and who may give them away (价格管理).

Source: the group manual's control points S-IC 3.1–3.4 (确定销售价格: 国家统配产品或股份公司内部
配置产品的价格按定价文件执行; 其他产品价格由价格领导小组制定; 价格领导小组可授予营销部门一定
限度的价格浮动权, 营销部门将价格浮动权向下实行逐级递减分配, 同时明确权限执行人; 财务部门在
ERP 系统中维护价格主数据), the risks S-IC 二 1.1 (随意降价导致收入减少) and 1.2 (擅自提价导致
市场丢失), and the promotions of S-MK 5 (折扣、赠品、会员优惠). Guideline 9 art. 4, 5 and 6.

Controls:

* O2C-PR-01 — state-allocated and group-priced products sell at the pricing document's price;
* O2C-PR-02 — every other price comes from the approved price master, valid on the order date;
* O2C-PR-03 — a line's price lies inside the acting seller's delegated float range; outside it
  the nearest node up the delegation tree whose range covers the price must approve (HOLD);
  outside the root's range nobody may (BLOCK);
* O2C-PR-04 — float ranges delegated downward never exceed the delegator's (checked when the
  policy loads; a wider child is refused with the path of the node);
* O2C-PR-05 — discounts, rebates, gifts and member offers within the discount delegation matrix,
  per line, per order, and accumulated per customer over a rolling window (so that one large
  discount split over small orders is caught).

The price master is host data and arrives in :attr:`salesctl.Context.prices`; the delegation
tree and the discount matrix are policy (``[pricing]``). Ranges are compared exactly, in
``Decimal``: with a master price of 1000.00 and a 5 % floor, 950.00 is allowed and 949.99 is
not. No rounding of the floor, no tolerance.

>>> from decimal import Decimal
>>> from salesctl.controls.pricing import PriceAuthority
>>> node = PriceAuthority(id="section", role="sales_manager", max_cut_pct=Decimal("0.05"))
>>> node.bounds(Decimal("1000.00"), "CNY")
(Decimal('950.0000'), Decimal('1000.00'))
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from attrs import field, frozen

from salesctl._validators import (
    decimal_conv,
    each,
    frozenset_conv,
    non_negative,
    opt_text,
    text,
    tuple_conv,
    typed,
)
from salesctl.context import Context
from salesctl.control import Assertion, Automation, Control, Family, Frequency, Kind
from salesctl.controls.credit import ApprovalStep
from salesctl.decision import ApprovalRequirement, Finding, Outcome
from salesctl.errors import CurrencyMismatch, InvalidInput
from salesctl.model import (
    Actor,
    ConcessionKind,
    OrderLine,
    PriceClass,
    PriceEntry,
    Product,
    SalesOrder,
)
from salesctl.money import Money
from salesctl.transactions import PlaceOrder, Transaction

__all__ = [
    "DOCUMENT_PRICED",
    "FAMILY",
    "ConcessionStep",
    "PriceAuthority",
    "PricingPolicy",
    "check_concessions",
    "check_document_price",
    "check_float_authority",
    "check_price_master",
    "master_price",
]

_NONE: tuple[Finding, ...] = ()
_ZERO = Decimal(0)

#: Price classes sold at a pricing document's price (S-IC 3.1): no float, no discount.
DOCUMENT_PRICED: frozenset[PriceClass] = frozenset(
    {PriceClass.STATE_ALLOCATED, PriceClass.GROUP_PRICED}
)


# -- policy: the delegation tree ------------------------------------------------------------


def _opt_ratio(inst: Any, a: Any, value: Any) -> None:
    if value is None:
        return
    if not isinstance(value, Decimal) or not value.is_finite() or not (0 <= value <= 1):
        raise InvalidInput(
            "must be a fraction between 0 and 1 (write 5 % as 0.05)",
            path=f"{type(inst).__name__}.{a.name}",
            value=str(value),
        )


def _opt_rate(inst: Any, a: Any, value: Any) -> None:
    if value is None:
        return
    if not isinstance(value, Decimal) or not value.is_finite() or value < 0:
        raise InvalidInput(
            "must be a non-negative fraction (write 5 % as 0.05)",
            path=f"{type(inst).__name__}.{a.name}",
            value=str(value),
        )


def _opt_money(inst: Any, a: Any, value: Any) -> None:
    if value is None:
        return
    typed(Money)(inst, a, value)
    non_negative(inst, a, value)


def _side(pct: Decimal | None, amount: Money | None, price: Decimal, currency: str) -> Decimal:
    """The allowed move on one side at master price ``price``: the tighter of the limits set,
    zero when none is set (no authority is the default)."""
    if pct is None and amount is None:
        return _ZERO
    move: Decimal | None = None
    if pct is not None:
        move = price * pct
    if amount is not None:
        if amount.currency != currency:
            raise CurrencyMismatch(
                f"a float limit in {amount.currency} cannot apply to a price in {currency}",
                value=str(amount),
            )
        if move is None or amount.amount < move:
            move = amount.amount
    assert move is not None
    return move


@frozen
class PriceAuthority:
    """A node of the price-float delegation tree (价格浮动权逐级递减分配, S-IC 3.3).

    The root is the subsidiary's price group (价格领导小组); below it the marketing department,
    its sections, and the named executors of the authority (权限执行人). Each node may move a
    price down (cut) or up (rise) from the price-master price, by a fraction, by an amount per
    unit, or both (then the tighter applies). A side with no limit set allows no move at all.

    Attributes:
        id: the node's id, unique in the tree, e.g. ``"east-section"``.
        role: the role that exercises (and approves at) this node, e.g. ``"sales_manager"``.
        level: the lowest authority level an approver at this node needs.
        parent: the id of the delegating node; ``None`` for the root.
        title: a display name, e.g. ``"营销部 / marketing department"``.
        org_unit: restrict the node to actors of this organisation unit (empty: any unit).
        holders: actor ids named as the executors of this node's authority. A node with
            holders applies to them only; one without applies to every actor holding ``role``
            (of ``org_unit``, if set).
        products: the products the authority covers (S-IC 3.3 针对某些产品); empty: every
            product the parent covers.
        max_cut_pct: how far below the master price, as a fraction (0.05 = 5 %).
        max_cut: how far below the master price, as an amount per unit.
        max_rise_pct: how far above the master price, as a fraction.
        max_rise: how far above the master price, as an amount per unit.
    """

    id: str = field(validator=text)
    role: str = field(validator=text)
    level: int = field(default=0, validator=[typed(int), non_negative])
    parent: str | None = field(default=None, validator=opt_text)
    title: str = field(default="", validator=typed(str))
    org_unit: str = field(default="", validator=typed(str))
    holders: frozenset[str] = field(
        default=frozenset(), converter=frozenset_conv, validator=each(str)
    )
    products: frozenset[str] = field(
        default=frozenset(), converter=frozenset_conv, validator=each(str)
    )
    max_cut_pct: Decimal | None = field(default=None, converter=decimal_conv, validator=_opt_ratio)
    max_cut: Money | None = field(default=None, validator=_opt_money)
    max_rise_pct: Decimal | None = field(default=None, converter=decimal_conv, validator=_opt_rate)
    max_rise: Money | None = field(default=None, validator=_opt_money)

    def bounds(self, price: Decimal, currency: str) -> tuple[Decimal, Decimal]:
        """The exact floor and ceiling around master price ``price`` (not rounded).

        Raises:
            CurrencyMismatch: if an amount limit is in another currency than the price.
        """
        return (
            price - _side(self.max_cut_pct, self.max_cut, price, currency),
            price + _side(self.max_rise_pct, self.max_rise, price, currency),
        )

    @property
    def label(self) -> str:
        """The title, or the id when there is none."""
        return self.title or self.id


def _default_tree() -> tuple[PriceAuthority, ...]:
    d = Decimal
    return (
        PriceAuthority(
            id="price-group",
            role="price_committee",
            level=5,
            title="价格领导小组 / price group",
            max_cut_pct=d("0.15"),
            max_rise_pct=d("0.20"),
        ),
        PriceAuthority(
            id="marketing",
            role="marketing_head",
            level=3,
            parent="price-group",
            title="营销部门 / marketing department",
            max_cut_pct=d("0.08"),
            max_rise_pct=d("0.10"),
        ),
        PriceAuthority(
            id="section",
            role="sales_manager",
            level=2,
            parent="marketing",
            title="销售科 / sales section",
            max_cut_pct=d("0.05"),
            max_rise_pct=d("0.06"),
        ),
        PriceAuthority(
            id="rep",
            role="sales_rep",
            level=1,
            parent="section",
            title="销售员 / sales representative",
            max_cut_pct=d("0.02"),
            max_rise_pct=d("0.03"),
        ),
    )


# -- policy: the discount matrix --------------------------------------------------------------


@frozen
class ConcessionStep:
    """A band of the discount delegation matrix (折扣促销分级授权, S-MK 5).

    A concession falls in the first band whose bounds it does not exceed; the band's approvals
    are then needed (none: within the seller's own authority). A concession above every band
    is blocked.

    Attributes:
        max_pct: the largest concession as a fraction of the value before concessions
            (``None``: no bound on the fraction).
        max_amount: the largest concession as an amount (``None``: no bound on the amount).
        approvals: the approvals the band needs, all of them.
        in_order: the approvals are signatures in the order listed (sales manager, then
            general manager, S-K1 2); ``False``: in any order.
    """

    max_pct: Decimal | None = field(default=None, converter=decimal_conv, validator=_opt_ratio)
    max_amount: Money | None = field(default=None, validator=_opt_money)
    approvals: tuple[ApprovalStep, ...] = field(
        default=(), converter=tuple_conv, validator=each(ApprovalStep)
    )
    in_order: bool = field(default=True, validator=typed(bool))


def _check_steps(steps: tuple[ConcessionStep, ...], name: str) -> None:
    currency: str | None = None
    for i, s in enumerate(steps):
        if s.max_amount is not None:
            if currency is not None and s.max_amount.currency != currency:
                raise InvalidInput(
                    "all bands must be in one currency",
                    path=f"{name}[{i}].max_amount",
                    value=str(s.max_amount),
                )
            currency = s.max_amount.currency
        if i == 0:
            continue
        prev = steps[i - 1]
        for attr in ("max_pct", "max_amount"):
            before, now = getattr(prev, attr), getattr(s, attr)
            if before is None and now is not None:
                raise InvalidInput(
                    "a band cannot bound what the band before it left unbounded",
                    path=f"{name}[{i}].{attr}",
                    value=str(now),
                )
            if before is not None and now is not None and now < before:
                raise InvalidInput("bands must rise", path=f"{name}[{i}].{attr}", value=str(now))


def _steps(
    *rows: tuple[str | None, str | None, tuple[tuple[str, int], ...]],
) -> tuple[ConcessionStep, ...]:
    return tuple(
        ConcessionStep(
            max_pct=Decimal(p) if p is not None else None,
            max_amount=Money(a, "CNY") if a is not None else None,
            approvals=tuple(ApprovalStep(r, lv) for r, lv in apps),
        )
        for p, a, apps in rows
    )


_SM = ("sales_manager", 2)
_GM = ("general_manager", 4)
_OM = ("office_meeting", 5)


@frozen
class PricingPolicy:
    """Parameters of the pricing family (``[pricing]`` in the policy file).

    The defaults are illustrative (the seed names the structure, not the numbers): set them to
    the price group's decisions.

    Attributes:
        authority: the price-float delegation tree (O2C-PR-03, -04): exactly one root; every
            other node names an existing parent.
        default_node: where an actor who holds no node sits: their own range is zero and a
            deviation goes to this node, then up; ``None``: straight to the root.
        line_discount_steps: the matrix for one line's discount and line concessions, as a
            fraction and amount of the line's value before discount (O2C-PR-05).
        order_concession_steps: the matrix for an order's concessions in total (line
            discounts, order discounts, rebates, gifts, member offers), as a fraction and amount
            of the order's value before concessions; the top band escalates to the office
            meeting (S-CP 3.2.4).
        rolling_steps: the matrix for a customer's concessions accumulated over
            ``rolling_days`` including this order (amount bounds; fraction bounds apply to the
            accumulated value before concessions).
        rolling_days: the length of the rolling window, in days up to the check's date.
        concession_kinds: the kinds of promotion allowed at all (O2C-PR-05).
    """

    authority: tuple[PriceAuthority, ...] = field(
        factory=_default_tree, converter=tuple_conv, validator=each(PriceAuthority)
    )
    default_node: str | None = field(default=None, validator=opt_text)
    line_discount_steps: tuple[ConcessionStep, ...] = field(
        default=_steps(("0.03", None, ()), ("0.10", None, (_SM,)), ("0.20", None, (_SM, _GM))),
        converter=tuple_conv,
        validator=each(ConcessionStep),
    )
    order_concession_steps: tuple[ConcessionStep, ...] = field(
        default=_steps(
            ("0.03", "20000", ()),
            ("0.10", "200000", (_SM,)),
            ("0.20", "1000000", (_SM, _GM)),
            ("0.25", None, (_SM, _GM, _OM)),
        ),
        converter=tuple_conv,
        validator=each(ConcessionStep),
    )
    rolling_steps: tuple[ConcessionStep, ...] = field(
        default=_steps(
            (None, "50000", ()),
            (None, "300000", (_SM,)),
            (None, "1000000", (_SM, _GM)),
            (None, None, (_GM, _OM)),
        ),
        converter=tuple_conv,
        validator=each(ConcessionStep),
    )
    rolling_days: int = field(default=90, validator=[typed(int), non_negative])
    concession_kinds: frozenset[ConcessionKind] = field(
        default=frozenset(ConcessionKind), converter=frozenset_conv, validator=each(ConcessionKind)
    )
    # Precomputed for the hot path (not part of the value).
    _nodes: Any = field(init=False, default=None, eq=False, repr=False)
    _chains: Any = field(init=False, default=None, eq=False, repr=False)
    _cover: Any = field(init=False, default=None, eq=False, repr=False)
    _holders: Any = field(init=False, default=None, eq=False, repr=False)
    _by_role: Any = field(init=False, default=None, eq=False, repr=False)

    def __attrs_post_init__(self) -> None:
        nodes: dict[str, PriceAuthority] = {}
        index: dict[str, int] = {}
        for i, n in enumerate(self.authority):
            if n.id in nodes:
                raise InvalidInput("duplicate node id", path=f"authority[{i}].id", value=n.id)
            nodes[n.id] = n
            index[n.id] = i
        roots = [n for n in self.authority if n.parent is None]
        if len(roots) != 1:
            raise InvalidInput(
                f"the tree needs exactly one root (a node without parent), found {len(roots)}",
                path="authority",
                value=[n.id for n in roots],
            )
        chains: dict[str, tuple[PriceAuthority, ...]] = {}
        for n in self.authority:
            chain = [n]
            seen = {n.id}
            while chain[-1].parent is not None:
                parent = nodes.get(chain[-1].parent)
                if parent is None:
                    raise InvalidInput(
                        "names no node of the tree",
                        path=f"authority[{index[chain[-1].id]}].parent",
                        value=chain[-1].parent,
                    )
                if parent.id in seen:
                    raise InvalidInput(
                        "the delegation forms a cycle",
                        path=f"authority[{index[n.id]}].parent",
                        value=" > ".join([*(c.id for c in chain), parent.id]),
                    )
                seen.add(parent.id)
                chain.append(parent)
            chains[n.id] = tuple(chain)
        holders: dict[str, PriceAuthority] = {}
        for i, n in enumerate(self.authority):
            for h in sorted(n.holders):
                if h in holders:
                    raise InvalidInput(
                        f"actor already holds node {holders[h].id!r}",
                        path=f"authority[{i}].holders",
                        value=h,
                    )
                holders[h] = n
        if self.default_node is not None and self.default_node not in nodes:
            raise InvalidInput(
                "names no node of the tree", path="default_node", value=self.default_node
            )
        # The products each node covers: its own list, else its parent's (None: every product).
        cover: dict[str, frozenset[str] | None] = {}
        for n in self.authority:
            cover[n.id] = next((c.products for c in chains[n.id] if c.products), None)
        # Role-matched nodes, shallowest (widest authority) first.
        by_role = sorted(
            (n for n in self.authority if not n.holders), key=lambda n: len(chains[n.id])
        )
        _check_steps(self.line_discount_steps, "line_discount_steps")
        _check_steps(self.order_concession_steps, "order_concession_steps")
        _check_steps(self.rolling_steps, "rolling_steps")
        object.__setattr__(self, "_nodes", nodes)
        object.__setattr__(self, "_chains", chains)
        object.__setattr__(self, "_cover", cover)
        object.__setattr__(self, "_holders", holders)
        object.__setattr__(self, "_by_role", tuple(by_role))

    # -- the tree ---------------------------------------------------------------------------

    def node(self, node_id: str) -> PriceAuthority:
        """The node with id ``node_id``.

        Raises:
            InvalidInput: for an unknown id.
        """
        try:
            found: PriceAuthority = self._nodes[node_id]
        except KeyError:
            raise InvalidInput("no such node", path="authority", value=node_id) from None
        return found

    def path_of(self, node_id: str) -> str:
        """The node's path from the root, e.g. ``"price-group > marketing > section"``."""
        return " > ".join(n.id for n in reversed(self._chains[node_id]))

    def node_for(self, actor: Actor) -> PriceAuthority | None:
        """The node whose authority ``actor`` executes, or ``None``.

        An actor named in a node's ``holders`` holds that node; otherwise the widest node whose
        role the actor holds (within its ``org_unit``, if the node names one).
        """
        held: PriceAuthority | None = self._holders.get(actor.id)
        if held is not None:
            return held
        for n in self._by_role:
            if n.role in actor.roles and (not n.org_unit or n.org_unit == actor.org_unit):
                return n  # type: ignore[no-any-return]
        return None

    def escalation(self, actor: Actor) -> tuple[PriceAuthority, ...]:
        """The nodes that may approve a price outside ``actor``'s range, nearest first."""
        own = self.node_for(actor)
        if own is not None:
            chain: tuple[PriceAuthority, ...] = self._chains[own.id][1:]
            return chain
        if self.default_node is not None:
            start: tuple[PriceAuthority, ...] = self._chains[self.default_node]
            return start
        root: tuple[PriceAuthority, ...] = self._chains[self._root_id()][:1]
        return root

    def _root_id(self) -> str:
        return next(n.id for n in self.authority if n.parent is None)

    def covers(
        self, node: PriceAuthority, product_id: str, master: Decimal, price: Decimal, currency: str
    ) -> bool:
        """True when ``price`` lies inside ``node``'s range around ``master`` for the product."""
        if price == master:
            return True
        products = self._cover[node.id]
        if products is not None and product_id not in products:
            return False
        floor, ceiling = node.bounds(master, currency)
        return floor <= price <= ceiling

    # -- O2C-PR-04 ------------------------------------------------------------------------

    def check_policy(self, policy: Any) -> None:
        """O2C-PR-04: no node's range or product list is wider than its parent's.

        Called by :class:`~salesctl.policy.Policy` when it is built (unless the policy switches
        O2C-PR-04 off).

        Raises:
            InvalidInput: naming the offending node's path in the tree and the key.
        """
        if not policy.is_enabled("O2C-PR-04"):
            return
        for i, n in enumerate(self.authority):
            if n.parent is None:
                continue
            p = self._nodes[n.parent]
            where = f"node {n.id!r} ({self.path_of(n.id)})"
            for side in ("cut", "rise"):
                problem = _wider(n, p, side)
                if problem is not None:
                    key, detail = problem
                    raise InvalidInput(
                        f"{where} may {side} the price further than its parent {p.id!r}: "
                        f"{detail} (O2C-PR-04: a delegated range never exceeds the delegator's)",
                        path=f"authority[{i}].{key}",
                        value=_show(getattr(n, key)),
                    )
            parent_cover = self._cover[p.id]
            if n.products and parent_cover is not None and not n.products <= parent_cover:
                raise InvalidInput(
                    f"{where}: covers products its parent {p.id!r} does not (O2C-PR-04)",
                    path=f"authority[{i}].products",
                    value=sorted(n.products - parent_cover),
                )


def _show(v: Any) -> str:
    return "none" if v is None else str(v)


def _wider(child: PriceAuthority, parent: PriceAuthority, side: str) -> tuple[str, str] | None:
    """Why ``child``'s ``side`` ("cut"/"rise") may exceed ``parent``'s at some master price.

    A side's allowance is the tighter of its fraction and amount limits (zero with neither).
    The child stays inside the parent for every master price exactly when it allows nothing,
    or it sets each kind of limit the parent sets, no larger than the parent's.

    Returns:
        ``(key, detail)``: the child's offending key and why, or ``None`` when it stays inside.
    """
    kp, ka = f"max_{side}_pct", f"max_{side}"
    c_pct, c_amt = getattr(child, kp), getattr(child, ka)
    p_pct, p_amt = getattr(parent, kp), getattr(parent, ka)
    if (c_pct is None and c_amt is None) or c_pct == 0 or (c_amt is not None and not c_amt):
        return None  # the child allows no move on this side
    if p_pct is None and p_amt is None:
        return (kp if c_pct is not None else ka), "the parent allows no move on this side"
    if p_pct is not None:
        if c_pct is None:
            return ka, f"an amount limit alone exceeds the parent's {kp} = {p_pct} at low prices"
        if c_pct > p_pct:
            return kp, f"{c_pct} > the parent's {p_pct}"
    if p_amt is not None:
        if c_amt is None:
            return kp, f"a fraction alone exceeds the parent's {ka} = {p_amt} at high prices"
        if c_amt.currency != p_amt.currency:
            return ka, f"in {c_amt.currency}, the parent's limit is in {p_amt.currency}"
        if c_amt > p_amt:
            return ka, f"{c_amt} > the parent's {p_amt}"
    return None


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
    cls = product.price_class
    found: PriceEntry | None = None
    other_currency = False
    for e in ctx.prices_for(product.id):
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


class _LinePrices:
    """The master price of every line of one order, worked out once per gate check.

    O2C-PR-01, -02, -03, -05 and O2C-SD-01 all need each line's :func:`master_price`; the
    first of them to ask computes it for every line and leaves it on the context (for that
    order only), the others reuse it. The summary flags let a check that has nothing to
    report return at once; a check that may report walks ``rows`` exactly as before.

    Attributes:
        order: the order the rows are for (compared by identity).
        rows: ``(line, entry, problem)`` per line, in line order (as :func:`master_price`).
        document: some line is document-priced (O2C-PR-01 has something to look at).
        missing: some market-priced line has no usable master price (O2C-PR-02, -03 report).
        moved: some market-priced line's price (before its discount) differs from its master
            price (O2C-PR-03 must judge it).
        discounted: some line's list price is above its unit price (a line discount, O2C-PR-05).
    """

    __slots__ = ("discounted", "document", "missing", "moved", "order", "rows")

    def __init__(self, ctx: Context, order: SalesOrder) -> None:
        on, currency = order.order_date, order.currency
        ctx.prices_for("")  # builds the context's product index on first use
        index: dict[str, tuple[PriceEntry, ...]] = ctx._price_index
        rows: list[tuple[OrderLine, PriceEntry | None, str | None]] = []
        document = missing = moved = discounted = False
        for line in order.lines:
            product = line.product
            pc = product.price_class
            entries = index.get(product.id, ())
            e = entries[0] if len(entries) == 1 else None
            # One entry, of the product's class, valid that day, in the order's currency:
            # master_price's answer without the call; anything else asks master_price.
            if (
                e is not None
                and e.price_class is pc
                and e.valid_from <= on
                and (e.valid_to is None or on <= e.valid_to)
                and e.price.currency == currency
            ):
                entry: PriceEntry | None = e
                problem: str | None = None
            else:
                entry, problem = master_price(ctx, product, on, currency)
            rows.append((line, entry, problem))
            lp = line.list_price
            unit = line.unit_price
            judged = unit
            if lp is not None and lp.amount > unit.amount:
                discounted = True
                judged = lp
            if pc is _STATE or pc is _GROUP:
                document = True
            elif entry is None:
                missing = True
            elif judged.amount != entry.price.amount:
                moved = True
        self.order = order
        self.rows = tuple(rows)
        self.document = document
        self.missing = missing
        self.moved = moved
        self.discounted = discounted


_STATE = PriceClass.STATE_ALLOCATED
_GROUP = PriceClass.GROUP_PRICED
assert frozenset({_STATE, _GROUP}) == DOCUMENT_PRICED


def _line_prices(ctx: Context, order: SalesOrder) -> _LinePrices:
    """The :class:`_LinePrices` of ``order`` under ``ctx`` (computed once per context and order)."""
    memo: _LinePrices | None = ctx._line_prices
    if memo is not None and memo.order is order:
        return memo
    memo = _LinePrices(ctx, order)
    object.__setattr__(ctx, "_line_prices", memo)
    return memo


def _order_of(txn: Transaction) -> SalesOrder:
    return txn.order  # type: ignore[attr-defined, no-any-return]


def _price(line: OrderLine) -> Money:
    """The price a line is judged at: before its line discount.

    That is the list price when the line carries a discount, and the unit price otherwise,
    including when the unit price is *above* the list price: a surcharge on top of the list
    price is a price rise (R1.2), not something the discount matrix sees.
    """
    lp = line.list_price
    return lp if lp is not None and lp > line.unit_price else line.unit_price


def _no_master(cid: str, order: SalesOrder, line: OrderLine, problem: str) -> Finding:
    return Finding(
        control_id=cid,
        outcome=Outcome.BLOCK,
        message=f"pricing.master_{problem}",
        params={
            "line": line.line_no,
            "product": line.product.id,
            "date": order.order_date,
            "currency": order.currency,
        },
        facts={
            "product": line.product.id,
            "price_class": line.product.price_class,
            "order_date": order.order_date,
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
    txn: Transaction, ctx: Context, policy: PricingPolicy
) -> tuple[Finding, ...]:
    """O2C-PR-01: state-allocated and group-priced products sell at the document price.

    The subsidiary executes the group's pricing document (按文件规定执行): a different price, a
    line discount, or a missing or ambiguous document price blocks; no approval can clear it.
    """
    order = _order_of(txn)
    prices = _line_prices(ctx, order)
    if not prices.document:
        return _NONE
    out: list[Finding] = []
    for line, entry, problem in prices.rows:
        pc = line.product.price_class
        if pc is not _STATE and pc is not _GROUP:
            continue
        if entry is None:
            out.append(_no_master("O2C-PR-01", order, line, problem or "missing"))
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
    txn: Transaction, ctx: Context, policy: PricingPolicy
) -> tuple[Finding, ...]:
    """O2C-PR-02: every market-priced line has a price in the approved price master.

    The entry must be valid on the order date, in the order's currency, and unique; otherwise
    the price cannot be verified and the line is blocked (fails closed).
    """
    order = _order_of(txn)
    prices = _line_prices(ctx, order)
    if not prices.missing:
        return _NONE
    out: list[Finding] = []
    for line, entry, problem in prices.rows:
        pc = line.product.price_class
        if pc is _STATE or pc is _GROUP:
            continue
        if entry is None:
            out.append(_no_master("O2C-PR-02", order, line, problem or "missing"))
    return tuple(out)


def check_float_authority(
    txn: Transaction, ctx: Context, policy: PricingPolicy
) -> tuple[Finding, ...]:
    """O2C-PR-03: a line's price within the acting seller's delegated float range.

    The price judged is the line's price before its line discount (``list_price`` when it is
    above the unit price; the discount itself is O2C-PR-05's), else the unit price. Inside the seller's range: passes. Outside it: HOLD
    for the nearest node up the tree whose range covers the price. Outside the root's range:
    BLOCK. A line without a master price cannot be judged and is blocked.
    """
    order = _order_of(txn)
    prices = _line_prices(ctx, order)
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
            out.append(_no_master("O2C-PR-03", order, line, problem or "missing"))
            continue
        master = entry.price.amount
        price = _price(line).amount
        if price == master:
            continue
        if own is False:
            own = policy.node_for(actor)
        pid = line.product.id
        if isinstance(own, PriceAuthority) and policy.covers(own, pid, master, price, currency):
            continue
        approver = next(
            (n for n in policy.escalation(actor) if policy.covers(n, pid, master, price, currency)),
            None,
        )
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
        if approver is None:
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
                    facts=facts,
                )
            )
            continue
        facts["approver_node"] = policy.path_of(approver.id)
        facts["approver_range"] = _range(policy, approver, pid, master, currency)
        out.append(
            Finding(
                control_id="O2C-PR-03",
                outcome=Outcome.HOLD,
                message="pricing.outside_range",
                params={
                    "line": line.line_no,
                    "product": pid,
                    "price": _price(line),
                    "master": entry.price,
                    "deviation": f"{deviation:+.2%}",
                    "node": approver.label,
                    "role": approver.role,
                },
                facts=facts,
                required=(
                    _requirement(
                        "O2C-PR-03", order, approver.role, approver.level, "pricing.outside_range"
                    ),
                ),
            )
        )
    return tuple(out)


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


def check_concessions(txn: Transaction, ctx: Context, policy: PricingPolicy) -> tuple[Finding, ...]:
    """O2C-PR-05: discounts and promotions within the discount delegation matrix.

    Three measures, each judged against its own matrix: every line's discount (list price to
    unit price) plus the concessions attached to the line; the order's concessions in total;
    and the customer's concessions accumulated over the rolling window including this order.
    A kind of promotion the policy does not allow is blocked.
    """
    order = _order_of(txn)
    if not order.concessions and not _line_prices(ctx, order).discounted:
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


# -- the family -------------------------------------------------------------------------------

_PRICING = "pricing"
_A = Assertion
_PLACE = (PlaceOrder.__name__,)

_MASTER_MESSAGES = {
    "master_missing": (
        "第 {line} 行产品 {product} 在 {date} 无有效价格(价格主数据缺失,失败关闭)",
        "line {line}: product {product} has no price valid on {date} in the price master (fails closed)",
    ),
    "master_currency": (
        "第 {line} 行产品 {product} 在 {date} 无 {currency} 价格",
        "line {line}: product {product} has no {currency} price valid on {date}",
    ),
    "master_ambiguous": (
        "第 {line} 行产品 {product} 在 {date} 有多个不同的有效价格(价格主数据重叠,失败关闭)",
        "line {line}: product {product} has several different prices valid on {date} (overlapping price master, fails closed)",
    ),
}


def _master_messages() -> dict[str, tuple[str, str]]:
    return {f"pricing.{k}": v for k, v in _MASTER_MESSAGES.items()}


CONTROLS: tuple[Control, ...] = (
    Control(
        id="O2C-PR-01",
        title_zh="统配、内部配置产品按文件定价",
        title_en="State-allocated or group-priced products sold at the document price",
        objective_zh="国家统配产品和股份公司内部配置产品严格按定价文件价格销售,不浮动、不打折。",
        objective_en="State-allocated and group-priced products sell exactly at the pricing document's price: no float, no discount.",
        activity_zh="下单时系统按产品价格类别取订单日有效的定价文件价格;单价或折扣前单价与文件价格不一致、或无唯一有效文件价格的,一律阻止。",
        activity_en="At order entry the system reads the pricing-document price valid on the order date; a unit or list price that differs, or a missing or ambiguous document price, is blocked.",
        risks=("R1.1", "R1.2", "R3.1"),
        kind=Kind.PREVENTIVE,
        frequency=Frequency.PER_TRANSACTION,
        key=True,
        automation=Automation.AUTOMATED,
        assertions=(_A.ACCURACY, _A.OCCURRENCE),
        seeds=("S-IC 3.1",),
        g9=(5,),
        stage=_PRICING,
        owner="marketing department / 营销部门",
        evidence="decision log: product, price class, document price and source document, line price",
        applies_to=_PLACE,
        check=check_document_price,
        messages={
            "pricing.not_document_price": (
                "第 {line} 行产品 {product} 单价 {price} 与定价文件 {document} 的价格 {document_price} 不符",
                "line {line}: product {product} at {price} differs from the price {document_price} of pricing document {document}",
            ),
            **_master_messages(),
        },
    ),
    Control(
        id="O2C-PR-02",
        title_zh="价格主数据由财务按批准价格维护",
        title_en="Other prices come from the price group's approved price master, maintained by finance",
        objective_zh="其他产品按价格领导小组批准、财务部门维护的价格主数据定价;无有效价格不得销售。",
        objective_en="Other products are priced from the price master the price group approved and finance maintains; no sale without a valid price.",
        activity_zh="下单时系统为每一行取订单日有效、订单币种的唯一价格主数据;缺失、币种不符或有效期重叠的价格一律阻止。",
        activity_en="At order entry the system finds, for each line, the one price-master entry valid on the order date in the order's currency; a missing, foreign-currency or overlapping price blocks the line.",
        risks=("R1.1", "R1.2", "R2.1"),
        kind=Kind.PREVENTIVE,
        frequency=Frequency.PER_TRANSACTION,
        key=True,
        automation=Automation.AUTOMATED,
        assertions=(_A.ACCURACY, _A.VALUATION),
        seeds=("S-IC 3.2", "S-IC 3.4"),
        g9=(5,),
        refs=("COSO P11",),
        stage=_PRICING,
        owner="finance department (price master data) / 财务部门(价格主数据)",
        evidence="decision log: product, order date, currency; the price-master entry (id, source document, maintainer) used",
        applies_to=_PLACE,
        check=check_price_master,
        messages=_master_messages(),
    ),
    Control(
        id="O2C-PR-03",
        title_zh="价格浮动不得超出授权",
        title_en="A price within the executor's delegated float range; outside it the next level up approves",
        objective_zh="价格浮动权限执行人严格遵守规定的浮动范围,不得擅自突破;超出范围须由覆盖该价格的上级审批。",
        objective_en="Executors of price-float authority stay inside their range; a price outside it needs the approval of the nearest level up whose range covers it.",
        activity_zh="下单时系统以订单日价格主数据为基准,按授权树 {authority} 判断每行折扣前单价:在下单人范围内放行;超出则挂起,须最近的覆盖该价格的上级节点审批;超出价格领导小组范围则阻止。",
        activity_en="At order entry the system compares each line's price before discount with the price-master price and the delegation tree {authority}: inside the seller's range passes; outside it is held for the nearest node up whose range covers it; outside the price group's range is blocked.",
        risks=("R1.1", "R1.2"),
        kind=Kind.PREVENTIVE,
        frequency=Frequency.PER_TRANSACTION,
        key=True,
        automation=Automation.AUTOMATED,
        assertions=(_A.ACCURACY, _A.VALUATION, _A.OCCURRENCE),
        seeds=("S-IC 3.3",),
        g9=(4, 6),
        refs=("BN 29",),
        stage=_PRICING,
        owner="price group and marketing department / 价格领导小组、营销部门",
        evidence="decision log: master price, line price, deviation, seller's node and range, approving node and its approval",
        applies_to=_PLACE,
        check=check_float_authority,
        conflicts=("seller ≠ approver of the price",),
        messages={
            "pricing.outside_range": (
                "第 {line} 行产品 {product} 价格 {price} 偏离主数据价格 {master} {deviation},超出下单人浮动权限,须 {node}({role})审批",
                "line {line}: product {product} at {price} deviates {deviation} from the master price {master}, outside the seller's float range: needs {node} ({role})",
            ),
            "pricing.outside_root": (
                "第 {line} 行产品 {product} 价格 {price} 偏离主数据价格 {master} {deviation},超出价格领导小组授权范围,不得销售",
                "line {line}: product {product} at {price} deviates {deviation} from the master price {master}, outside every delegated range: not allowed",
            ),
            **_master_messages(),
        },
    ),
    Control(
        id="O2C-PR-04",
        title_zh="浮动权逐级递减",
        title_en="Float ranges delegated downward never exceed the delegator's",
        objective_zh="价格浮动权向下逐级递减分配,下级的浮动范围和产品范围不超过上级。",
        objective_en="Price-float authority is delegated downward in diminishing ranges: no node's range or products exceed its parent's.",
        activity_zh="加载策略时系统检查授权树 {authority}:每个节点的下浮、上浮范围(比例与金额)及产品范围均不超过其上级;否则拒绝加载并指出节点路径。",
        activity_en="When the policy loads the system checks the delegation tree {authority}: every node's cut and rise limits (fraction and amount) and products stay within its parent's; otherwise the policy is refused, naming the node's path.",
        risks=("R1.1", "R1.2"),
        kind=Kind.PREVENTIVE,
        frequency=Frequency.ON_POLICY_LOAD,
        key=False,
        automation=Automation.AUTOMATED,
        assertions=(_A.ACCURACY,),
        seeds=("S-IC 3.3",),
        g9=(4,),
        stage=_PRICING,
        owner="price group / 价格领导小组",
        evidence="policy fingerprint in every decision; the load error naming the node path",
    ),
    Control(
        id="O2C-PR-05",
        title_zh="折扣促销分级授权",
        title_en="Discounts and promotions within the discount delegation matrix",
        objective_zh="折扣、返利、赠品和会员优惠按金额和比例分级授权;化整为零的拆单折扣按客户滚动累计控制。",
        objective_en="Discounts, rebates, gifts and member offers are approved by band of fraction and amount; discounts split over several orders are caught by a rolling total per customer.",
        activity_zh="下单时系统计算每行折扣、订单优惠合计和客户近 {rolling_days} 天累计优惠,分别对照矩阵:行 {line_discount_steps};订单 {order_concession_steps};累计 {rolling_steps};按档挂起待审批(多级依次签批),超出矩阵阻止。允许的促销方式:{concession_kinds}。",
        activity_en="At order entry the system computes each line's discount, the order's total concessions and the customer's concessions over the last {rolling_days} days, and judges each against its matrix: lines {line_discount_steps}; order {order_concession_steps}; rolling {rolling_steps}. A band's approvals are required (signed in order); above the matrix is blocked. Kinds allowed: {concession_kinds}.",
        risks=("R1.1", "R2.1"),
        kind=Kind.PREVENTIVE,
        frequency=Frequency.PER_TRANSACTION,
        key=True,
        automation=Automation.AUTOMATED,
        assertions=(_A.VALUATION, _A.PRESENTATION, _A.OCCURRENCE),
        seeds=("S-MK 5", "S-IC 1.1", "S-K1 2", "S-CP 3.2.4"),
        g9=(5,),
        refs=("BN 29",),
        stage=_PRICING,
        owner="marketing department / 营销部门",
        evidence="decision log: line and order concessions, rolling total, band, approvals in signing order",
        applies_to=_PLACE,
        check=check_concessions,
        conflicts=("proposer ≠ approver", "each level signed by a different person"),
        messages={
            "pricing.concession_kind": (
                "订单 {order} 含策略不允许的促销方式 {kind}",
                "order {order} grants a kind of promotion the policy does not allow: {kind}",
            ),
            "pricing.concession_line": (
                "第 {line} 行产品 {product} 优惠 {amount}({pct}),须依次审批:{roles}",
                "line {line}: product {product} concedes {amount} ({pct}); needs, in order: {roles}",
            ),
            "pricing.concession_line_above_matrix": (
                "第 {line} 行产品 {product} 优惠 {amount}({pct})超出折扣授权矩阵",
                "line {line}: product {product} concedes {amount} ({pct}), above the discount matrix",
            ),
            "pricing.concession_order": (
                "订单 {order} 优惠合计 {amount}({pct}),须依次审批:{roles}",
                "order {order} concedes {amount} in total ({pct}); needs, in order: {roles}",
            ),
            "pricing.concession_order_above_matrix": (
                "订单 {order} 优惠合计 {amount}({pct})超出折扣授权矩阵",
                "order {order} concedes {amount} in total ({pct}), above the discount matrix",
            ),
            "pricing.concession_rolling": (
                "客户 {customer} 近 {days} 天 {orders} 笔订单累计优惠 {amount}({pct}),须依次审批:{roles}",
                "customer {customer} has {amount} of concessions ({pct}) over {orders} orders in {days} days; needs, in order: {roles}",
            ),
            "pricing.concession_rolling_above_matrix": (
                "客户 {customer} 近 {days} 天累计优惠 {amount}({pct})超出折扣授权矩阵",
                "customer {customer} has {amount} of concessions ({pct}) in {days} days, above the discount matrix",
            ),
        },
    ),
)

FAMILY = Family(
    name="pricing",
    title_zh="价格管理",
    title_en="Pricing",
    policy_type=PricingPolicy,
    controls=CONTROLS,
)
