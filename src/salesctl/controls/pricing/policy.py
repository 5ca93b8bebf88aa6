"""The pricing family's policy: the price-authority delegation tree and the discount matrix
(``[pricing]`` in the policy file; O2C-PR-04 is checked here, when the policy loads).
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any, ClassVar

from attrs import field, frozen

from salesctl._validators import (
    decimal_conv,
    each,
    each_ident,
    frozenset_conv,
    ident,
    ident_problem,
    non_negative,
    opt_ident,
    opt_text,
    person_key,
    text,
    tuple_conv,
    typed,
)
from salesctl.controls.credit import ApprovalStep
from salesctl.controls.weakening import (
    PROPOSER_ROLES,
    Weakening,
    at_proposer_level,
    weakenings,
)
from salesctl.errors import CurrencyMismatch, InvalidInput
from salesctl.model import Actor, ConcessionKind, PriceClass
from salesctl.money import Money

__all__ = ["DOCUMENT_PRICED", "ConcessionStep", "PriceAuthority", "PricingPolicy"]

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

    id: str = field(validator=ident)
    role: str = field(validator=ident)
    level: int = field(default=0, validator=[typed(int), non_negative])
    parent: str | None = field(default=None, validator=opt_ident)
    title: str = field(default="", validator=typed(str))
    org_unit: str = field(default="", validator=typed(str))
    holders: frozenset[str] = field(
        default=frozenset(), converter=frozenset_conv, validator=each_ident
    )
    products: frozenset[str] = field(
        default=frozenset(), converter=frozenset_conv, validator=each_ident
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
        order_date_days: how many days an order's ``order_date`` may precede the business
            date of its transaction (O2C-PR-01..03 read the price master on the order date
            then; 0: the price in force on the transaction's date applies). An earlier order
            date is blocked by O2C-PR-02 and priced on the business date.
        master_maintainer_role: the role that enters prices in the price master (S-IC 3.4:
            财务部门…维护价格主数据; O2C-PR-06): finance's price master-data maintainer.
        master_approval_node: the node of the delegation tree whose role and level approve a
            price published or changed in the price master (O2C-PR-06); ``None``: the root,
            the price group (S-IC 3.2: 报价格领导小组审批).
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
    order_date_days: int = field(default=0, validator=[typed(int), non_negative])
    master_maintainer_role: str = field(default="price_master_maintainer", validator=text)
    master_approval_node: str | None = field(default=None, validator=opt_text)
    # Precomputed for the hot path (not part of the value).
    _nodes: Any = field(init=False, default=None, eq=False, repr=False)
    _chains: Any = field(init=False, default=None, eq=False, repr=False)
    _cover: Any = field(init=False, default=None, eq=False, repr=False)
    _holders: Any = field(init=False, default=None, eq=False, repr=False)
    _by_role: Any = field(init=False, default=None, eq=False, repr=False)
    _role_ok: Any = field(init=False, default=frozenset(), eq=False, repr=False)
    _first_by_role: Any = field(init=False, default=None, eq=False, repr=False)

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
                # Held under the compared form of the id, as segregation compares persons.
                hk = person_key(h)
                if hk in holders:
                    raise InvalidInput(
                        f"actor already holds node {holders[hk].id!r}",
                        path=f"authority[{i}].holders",
                        value=h,
                    )
                holders[hk] = n
        if self.default_node is not None and self.default_node not in nodes:
            raise InvalidInput(
                "names no node of the tree", path="default_node", value=self.default_node
            )
        if self.master_approval_node is not None and self.master_approval_node not in nodes:
            raise InvalidInput(
                "names no node of the tree",
                path="master_approval_node",
                value=self.master_approval_node,
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
        # When no role-matched node names an organisation unit, the node an actor holds by
        # role is the first of _by_role whose role the actor holds: each role's first node
        # and its place, prepared here (node_for then reads it per role the actor holds).
        first: dict[str, tuple[int, PriceAuthority]] = {}
        for i, n in enumerate(by_role):
            first.setdefault(n.role, (i, n))
        object.__setattr__(
            self, "_first_by_role", None if any(n.org_unit for n in by_role) else first
        )
        # The nodes whose role is a canonical role id, as an approval requirement needs: their
        # O2C-PR-03 requirement is built the trusted way (any other, validated: it may refuse).
        # A node validates its role as a canonical id, so this holds every node; the set stays
        # as the guard the trusted build reads.
        object.__setattr__(
            self,
            "_role_ok",
            frozenset(n.id for n in self.authority if ident_problem(n.role) is None),
        )

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
        held: PriceAuthority | None = self._holders.get(person_key(actor.id))
        if held is not None:
            return held
        first = self._first_by_role
        if first is not None:  # no node names a unit: the earliest node of a role held
            found: tuple[int, PriceAuthority] | None = None
            for r in actor.roles:
                got = first.get(r)
                if got is not None and (found is None or got[0] < found[0]):
                    found = got
            return None if found is None else found[1]
        for n in self._by_role:
            if n.role in actor.roles and (not n.org_unit or n.org_unit == actor.org_unit):
                return n  # type: ignore[no-any-return]
        return None

    def escalation(self, actor: Actor) -> tuple[PriceAuthority, ...]:
        """The nodes that may approve a price outside ``actor``'s range, nearest first."""
        return self._escalation_from(self.node_for(actor))

    def _escalation_from(self, own: PriceAuthority | None) -> tuple[PriceAuthority, ...]:
        """:meth:`escalation` of an actor whose node (:meth:`node_for`) is ``own``."""
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

    def master_node(self) -> PriceAuthority:
        """The node that approves price-master changes (O2C-PR-06): ``master_approval_node``,
        or the root (the price group)."""
        node: PriceAuthority = self._nodes[self.master_approval_node or self._root_id()]
        return node

    def covers(
        self, node: PriceAuthority, product_id: str, master: Decimal, price: Decimal, currency: str
    ) -> bool:
        """True when ``price`` lies inside ``node``'s range around ``master`` for the product."""
        if price == master:
            return True
        products = self._cover[node.id]
        if products is not None and product_id not in products:
            return False
        # Only the side the price moved to can exclude it (each side's move is not negative,
        # so the floor is at most the master and the ceiling at least): that side alone, when
        # the other could not raise either (no amount limit in another currency).
        if price < master:
            other = node.max_rise
            if other is None or other.currency == currency:
                return master - _side(node.max_cut_pct, node.max_cut, master, currency) <= price
        else:
            other = node.max_cut
            if other is None or other.currency == currency:
                return price <= master + _side(node.max_rise_pct, node.max_rise, master, currency)
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

    #: The controls each field sets (see :mod:`salesctl.controls.weakening`).
    AFFECTS: ClassVar[Mapping[str, tuple[str, ...]]] = {
        "order_date_days": ("O2C-PR-01", "O2C-PR-02", "O2C-PR-03", "O2C-PR-05", "O2C-SD-01"),
        "authority": ("O2C-PR-03", "O2C-PR-04", "O2C-PR-06"),
        "default_node": ("O2C-PR-03",),
        "line_discount_steps": ("O2C-PR-05",),
        "order_concession_steps": ("O2C-PR-05",),
        "rolling_steps": ("O2C-PR-05",),
        "rolling_days": ("O2C-PR-05",),
        "concession_kinds": ("O2C-PR-05",),
        "master_maintainer_role": ("O2C-PR-06",),
        "master_approval_node": ("O2C-PR-06",),
    }

    def weakened(self) -> tuple[Weakening, ...]:
        """What these values leave unable to fire (:mod:`salesctl.controls.weakening`)."""
        out: list[Weakening] = []
        for i, n in enumerate(self.authority):
            if n.parent is None and n.max_cut_pct is not None and n.max_cut_pct >= 1:
                out += weakenings(
                    ("O2C-PR-03",),
                    f"authority[{i}].max_cut_pct",
                    "the root may cut a price by 100 %: no price is out of range",
                )
        # O2C-PR-06: a node the policy names for price-master changes at the proposer's level
        # (a proposer's role, or level 0), or a root in a proposer's role. A root at level 0
        # is left alone: the tree's own authority (O2C-PR-03) sets its level, and its role
        # still has to be held.
        node = self.master_node()
        named = self.master_approval_node is not None
        if (named and at_proposer_level(node.role, node.level)) or node.role in PROPOSER_ROLES:
            key = (
                "master_approval_node" if named else f"authority[{self.authority.index(node)}].role"
            )
            out += weakenings(
                ("O2C-PR-06",), key, "price-master changes are approved at the proposer's level"
            )
        if self.master_maintainer_role in PROPOSER_ROLES:
            out += weakenings(
                ("O2C-PR-06",),
                "master_maintainer_role",
                "the sellers who propose prices also enter them in the price master",
            )
        if self.rolling_days <= 0:
            out += weakenings(
                ("O2C-PR-05",), "rolling_days", "a zero-day window never adds up split discounts"
            )
        return tuple(out)


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
