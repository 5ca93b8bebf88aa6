"""Segregation of duties: incompatible duties never meet in one person (不相容职务分离).

Source: the group manual S-IC 2.2 (由不相容岗位人员提出划分、调整客户信用等级的方案; 财务部门
按照审批结果维护客户信用主数据), S-IC 3.4 (财务部门维护价格主数据) and 5.1 (财务部门信用主数据
维护员一次性释放), and the Basic Norm art. 29 (不相容职务分离控制). Guideline 9 art. 4.

Control O2C-SD-01, checked on every transaction: the policy declares pairs of incompatible
duties (``[duties]``); the check works out who performs each duty on this transaction and
blocks when one person performs both duties of a pair. The default pairs:

* proposer vs approver: nobody approves what they proposed (an approval on hand for the document
  given by its proposer or by the acting user);
* seller vs credit master-data maintainer: whoever maintains the customer's credit master data
  does not sell to that customer;
* seller vs price master-data maintainer: whoever entered a price used on the order does not sell
  at it;
* seller vs release granter: nobody releases their own credit-blocked order.

The gate already ignores an approval by the proposer or the acting user (it never clears a HOLD,
see :mod:`salesctl.gate`); this control goes further and reports the attempt as a violation.

Who performs which duty (an actor id may perform several):

==========================  ===============================================================
duty                        taken from
==========================  ===============================================================
``proposer``                the order's ``created_by`` and the user placing it; a credit
                            profile's ``proposed_by``; otherwise the acting user and any
                            ``created_by``/``proposed_by`` of the transaction's documents
``approver``                approvals on hand for the transaction's document; a credit
                            profile's ``approved_by``
``seller``                  the order's ``created_by`` and the user placing it
``credit_proposer``         the customer's credit profile ``proposed_by``
``credit_approver``         the customer's credit profile ``approved_by``
``credit_master_maintainer`` the credit profile's ``maintained_by``; the user saving a profile
``price_master_maintainer`` ``maintained_by`` of the price entries the order's lines use
``release_granter``         the granter of a one-time release for the order; the user releasing
==========================  ===============================================================

>>> from salesctl.controls.duties import DutiesPolicy
>>> [(c.first, c.second) for c in DutiesPolicy().conflicts][:2]
[('proposer', 'approver'), ('seller', 'credit_master_maintainer')]
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from typing import Any, ClassVar

import attrs
from attrs import field, frozen

from salesctl._validators import each, person_key, text, tuple_conv, typed
from salesctl.context import Context, price_maintainers
from salesctl.control import Assertion, Automation, Control, Family, Frequency, Kind, Scratch
from salesctl.controls.pricing import _LINE_PRICES, _line_prices
from salesctl.controls.weakening import Weakening, weakenings
from salesctl.decision import Finding, Outcome
from salesctl.errors import InvalidInput
from salesctl.model import CreditProfile, SalesOrder
from salesctl.transactions import (
    TRANSACTION_TYPES,
    PlaceOrder,
    ReleaseOrder,
    SetCreditProfile,
    Transaction,
)

__all__ = ["DUTIES", "FAMILY", "DutiesPolicy", "DutyConflict", "check_duties", "duties_of"]

_NONE: tuple[Finding, ...] = ()

#: The duties the check can attribute to people (see the module docs).
DUTIES: tuple[str, ...] = (
    "proposer",
    "approver",
    "seller",
    "credit_proposer",
    "credit_approver",
    "credit_master_maintainer",
    "price_master_maintainer",
    "release_granter",
)


def _duty(inst: Any, a: Any, value: Any) -> None:
    text(inst, a, value)
    if value not in DUTIES:
        raise InvalidInput(
            f"unknown duty (known: {', '.join(DUTIES)})",
            path=f"{type(inst).__name__}.{a.name}",
            value=value,
        )


@frozen
class DutyConflict:
    """A pair of incompatible duties: one person may not perform both.

    Attributes:
        first: a duty (one of :data:`DUTIES`).
        second: the duty incompatible with it.
        source: where the rule comes from, e.g. ``"S-IC 2.2"`` (for the documentation).
    """

    first: str = field(validator=_duty)
    second: str = field(validator=_duty)
    source: str = field(default="", validator=typed(str))

    def __attrs_post_init__(self) -> None:
        if self.first == self.second:
            raise InvalidInput(
                "a duty cannot conflict with itself", path="DutyConflict.second", value=self.second
            )


@frozen
class DutiesPolicy:
    """Parameters of the segregation-of-duties family (``[duties]`` in the policy file).

    Attributes:
        conflicts: the incompatible duty pairs (O2C-SD-01).
        require_maintainers: when true, an order whose customer's credit profile or whose price
            entries do not record their maintainer is blocked, because the conflicts with the
            seller cannot be verified (fail closed). Off by default: hosts that do not record
            maintainers are checked on what they do record.
    """

    conflicts: tuple[DutyConflict, ...] = field(
        default=(
            DutyConflict("proposer", "approver", "BN 29, S-IC 2.2"),
            DutyConflict("seller", "credit_master_maintainer", "S-IC 2.2"),
            DutyConflict("seller", "price_master_maintainer", "S-IC 3.4"),
            DutyConflict("seller", "release_granter", "S-IC 5.1"),
            DutyConflict("credit_proposer", "credit_approver", "S-IC 2.2"),
        ),
        converter=tuple_conv,
        validator=each(DutyConflict),
    )
    require_maintainers: bool = field(default=False, validator=typed(bool))
    # The pairs as check_duties' fast path reads them (not part of the value: eq, repr, JSON).
    _order_plan: Any = field(init=False, default=None, eq=False, repr=False)

    def __attrs_post_init__(self) -> None:
        object.__setattr__(self, "_order_plan", _OrderPlan(self.conflicts))

    #: The controls each field sets (see :mod:`salesctl.controls.weakening`).
    AFFECTS: ClassVar[Mapping[str, tuple[str, ...]]] = {
        "conflicts": ("O2C-SD-01",),
        "require_maintainers": ("O2C-SD-01",),
    }

    def weakened(self) -> tuple[Weakening, ...]:
        """What these values leave unable to fire (:mod:`salesctl.controls.weakening`)."""
        if not self.conflicts:
            return weakenings(("O2C-SD-01",), "conflicts", "no incompatible duties are declared")
        return ()


# -- who does what --------------------------------------------------------------------------


# Ids are compared case-insensitively: the duty sets hold person_key (casefolded) ids, so
# "U-REP" and "u-rep" are one person (surrounding whitespace and control characters are
# refused where ids enter, see salesctl._validators.ident).


def _add(duties: dict[str, set[str]], duty: str, *ids: str | None) -> None:
    for i in ids:
        if i:
            i = person_key(i)
            got = duties.get(duty)
            if got is None:
                duties[duty] = {i}
            else:
                got.add(i)


def _add1(duties: dict[str, set[str]], duty: str, who: str | None) -> None:
    """``_add`` of one id (no argument packing: the hot path)."""
    if who:
        who = person_key(who)
        got = duties.get(duty)
        if got is None:
            duties[duty] = {who}
        else:
            got.add(who)


def _profile_duties(duties: dict[str, set[str]], profile: CreditProfile | None) -> None:
    if profile is None:
        return
    _add1(duties, "credit_proposer", profile.proposed_by)
    if profile.approved_by:
        _add(duties, "credit_approver", *profile.approved_by)
    _add1(duties, "credit_master_maintainer", profile.maintained_by)


def _order_duties(
    duties: dict[str, set[str]], order: SalesOrder, ctx: Context, scratch: Scratch | None
) -> list[str]:
    """Duties an order carries; returns what could not be attributed (unknown maintainers)."""
    unknown: list[str] = []
    _add1(duties, "proposer", order.created_by)
    _add1(duties, "seller", order.created_by)
    profile = order.customer.credit_profile
    _profile_duties(duties, profile)
    if profile is not None and profile.maintained_by is None:
        unknown.append(f"credit profile of {order.customer.id}")
    # The master price of every line (entry None: the pricing controls report it).
    rows = _line_prices(ctx, order, scratch).rows
    maintainers = {entry.maintained_by for _, entry, _ in rows if entry is not None}
    if None in maintainers:  # unrecorded maintainers, in line order
        maintainers.discard(None)
        for line, entry, _ in rows:
            if entry is not None and entry.maintained_by is None:
                unknown.append(f"price of {line.product.id}")
    if maintainers:
        _add(duties, "price_master_maintainer", *maintainers)
    for r in ctx.releases:
        if r.order_id == order.id:
            _add(duties, "release_granter", r.granted_by.id)
    return unknown


#: The field names of each transaction type, worked out once per type.
_FIELD_NAMES: dict[type, tuple[str, ...]] = {}


def _generic_duties(duties: dict[str, set[str]], txn: Transaction) -> None:
    _add(duties, "proposer", txn.actor.id)
    tp = type(txn)
    names = _FIELD_NAMES.get(tp)
    if names is None:
        names = _FIELD_NAMES[tp] = tuple(a.name for a in attrs.fields(tp))
    for name in names:
        value = getattr(txn, name)
        if attrs.has(type(value)):
            for role in ("created_by", "proposed_by"):
                who = getattr(value, role, None)
                if isinstance(who, str):
                    _add(duties, "proposer", who)


_ROLES = ("created_by", "proposed_by")
#: Per type: ``()`` when it is not an attrs class (``attrs.has``), else the roles an instance
#: may have as attributes — those its class has (slots, properties, class attributes), or
#: both when an instance may hold others (a ``__dict__``, its own attribute look-up). Worked out once
#: per type; an instance's ``getattr(value, role, None)`` is read for these alone.
_IS_ATTRS: dict[type, tuple[str, ...]] = {}


def _roles_of(vt: type) -> tuple[str, ...]:
    if not attrs.has(vt):
        return ()
    if (
        vt.__dictoffset__
        or hasattr(vt, "__getattr__")
        or vt.__getattribute__ is not object.__getattribute__
    ):
        return _ROLES
    return tuple(r for r in _ROLES if hasattr(vt, r))


def _generic_proposers_hit(txn: Transaction, keys: set[str]) -> bool:
    """Whether a proposer :func:`_generic_duties` attributes (a non-blank id) has one of
    ``keys`` as their person key: the same ids, read in the same way, without the sets."""
    me = txn.actor.id
    if me and person_key(me) in keys:
        return True
    tp = type(txn)
    names = _FIELD_NAMES.get(tp)
    if names is None:
        names = _FIELD_NAMES[tp] = tuple(a.name for a in attrs.fields(tp))
    for name in names:
        value = getattr(txn, name)
        vt = type(value)
        roles = _IS_ATTRS.get(vt)
        if roles is None:
            roles = _IS_ATTRS[vt] = _roles_of(vt)
        for role in roles:
            who = getattr(value, role, None)
            if isinstance(who, str) and who and person_key(who) in keys:
                return True
    return False


def duties_of(txn: Transaction, ctx: Context) -> tuple[dict[str, frozenset[str]], tuple[str, ...]]:
    """Who performs which duty on ``txn``.

    Returns:
        ``(duties, unknown)``: actor ids by duty name (casefolded by
        :func:`salesctl._validators.person_key`: ids equal but for case are one person), and
        the master records whose maintainer is not recorded.
    """
    duties, unknown = _duties(txn, ctx, None)
    return {k: frozenset(v) for k, v in duties.items()}, tuple(unknown)


def _duties(
    txn: Transaction, ctx: Context, scratch: Scratch | None
) -> tuple[dict[str, set[str]], list[str]]:
    """:func:`duties_of` as mutable sets and a list (what the check reads)."""
    duties: dict[str, set[str]] = {}
    unknown: list[str] = []
    doc = txn.document_id
    approvers = [a.approver.id for a in ctx.approvals if a.document_id == doc]
    if approvers:
        _add(duties, "approver", *approvers)
    if isinstance(txn, PlaceOrder):
        unknown = _order_duties(duties, txn.order, ctx, scratch)
        _add1(duties, "proposer", txn.actor.id)
        _add1(duties, "seller", txn.actor.id)
    elif isinstance(txn, ReleaseOrder):
        unknown = _order_duties(duties, txn.order, ctx, scratch)
        _add(duties, "release_granter", txn.actor.id)
    elif isinstance(txn, SetCreditProfile):
        _profile_duties(duties, txn.profile)
        _add(duties, "proposer", txn.profile.proposed_by)
        _add(duties, "approver", *txn.profile.approved_by)
        _add(duties, "credit_master_maintainer", txn.actor.id)
    else:
        _generic_duties(duties, txn)
    return duties, unknown


# -- the fast path ------------------------------------------------------------------------------

# Who performs a duty other than proposer/seller on a PlaceOrder: the ids _duties attributes to
# it, possibly with None or "" among them (they match no seller id _duties would count).


def _approvers(txn: PlaceOrder, ctx: Context, _s: Scratch | None) -> Collection[str | None]:
    doc = txn.document_id
    return [a.approver.id for a in ctx.approvals if a.document_id == doc]


def _price_maintainers(
    txn: PlaceOrder, ctx: Context, scratch: Scratch | None
) -> Collection[str | None]:
    return [
        e.maintained_by for _, e, _ in _line_prices(ctx, txn.order, scratch).rows if e is not None
    ]


def _release_granters(txn: PlaceOrder, ctx: Context, _s: Scratch | None) -> Collection[str | None]:
    oid = txn.order.id
    return [r.granted_by.id for r in ctx.releases if r.order_id == oid]


def _credit_proposers(txn: PlaceOrder, ctx: Context, _s: Scratch | None) -> Collection[str | None]:
    p = txn.order.customer.credit_profile
    return () if p is None else (p.proposed_by,)


def _credit_approvers(txn: PlaceOrder, ctx: Context, _s: Scratch | None) -> Collection[str | None]:
    p = txn.order.customer.credit_profile
    return () if p is None else p.approved_by


def _credit_maintainers(
    txn: PlaceOrder, ctx: Context, _s: Scratch | None
) -> Collection[str | None]:
    p = txn.order.customer.credit_profile
    return () if p is None else (p.maintained_by,)


_ORDER_DUTY: dict[str, Callable[[PlaceOrder, Context, Scratch | None], Collection[str | None]]] = {
    "approver": _approvers,
    "price_master_maintainer": _price_maintainers,
    "release_granter": _release_granters,
    "credit_proposer": _credit_proposers,
    "credit_approver": _credit_approvers,
    "credit_master_maintainer": _credit_maintainers,
}
_SELLING = frozenset({"proposer", "seller"})
assert set(_ORDER_DUTY) | _SELLING == set(DUTIES)

# The same performers, asked one question: does any of them (a non-blank id) have one of
# ``keys`` (person keys) as their person key? Each walks what it reads once, without a list
# or a set of the performers (the pass path of every order reads all of them).
_Hit = Callable[[PlaceOrder, Context, Scratch | None, set[str]], bool]


def _approvers_hit(txn: PlaceOrder, ctx: Context, _s: Scratch | None, keys: set[str]) -> bool:
    doc = txn.order.id  # PlaceOrder.document_id
    for a in ctx.approvals:
        if a.document_id == doc:
            i = a.approver.id
            if i and person_key(i) in keys:
                return True
    return False


def _price_maintainers_hit(
    txn: PlaceOrder, ctx: Context, scratch: Scratch | None, keys: set[str]
) -> bool:
    if keys.isdisjoint(price_maintainers(ctx)):  # nobody of keys maintains any price
        return False
    last = None  # the lines' entries usually share a maintainer: each distinct run once
    for _, e, _ in _line_prices(ctx, txn.order, scratch).rows:
        if e is not None:
            m = e.maintained_by
            if m and m != last:
                if person_key(m) in keys:
                    return True
                last = m
    return False


def _release_granters_hit(
    txn: PlaceOrder, ctx: Context, _s: Scratch | None, keys: set[str]
) -> bool:
    oid = txn.order.id
    for r in ctx.releases:
        if r.order_id == oid:
            i = r.granted_by.id
            if i and person_key(i) in keys:
                return True
    return False


def _credit_proposers_hit(
    txn: PlaceOrder, ctx: Context, _s: Scratch | None, keys: set[str]
) -> bool:
    p = txn.order.customer.credit_profile
    i = None if p is None else p.proposed_by
    return bool(i) and person_key(i) in keys  # type: ignore[arg-type]


def _credit_approvers_hit(
    txn: PlaceOrder, ctx: Context, _s: Scratch | None, keys: set[str]
) -> bool:
    p = txn.order.customer.credit_profile
    if p is not None:
        for i in p.approved_by:
            if i and person_key(i) in keys:
                return True
    return False


def _credit_maintainers_hit(
    txn: PlaceOrder, ctx: Context, _s: Scratch | None, keys: set[str]
) -> bool:
    p = txn.order.customer.credit_profile
    i = None if p is None else p.maintained_by
    return bool(i) and person_key(i) in keys  # type: ignore[arg-type]


_ORDER_HIT: dict[str, _Hit] = {
    "approver": _approvers_hit,
    "price_master_maintainer": _price_maintainers_hit,
    "release_granter": _release_granters_hit,
    "credit_proposer": _credit_proposers_hit,
    "credit_approver": _credit_approvers_hit,
    "credit_master_maintainer": _credit_maintainers_hit,
}
assert set(_ORDER_HIT) == set(_ORDER_DUTY)


class _OrderPlan:
    """A :class:`DutiesPolicy`'s pairs as the PlaceOrder fast path reads them, worked out once
    when the policy is built (immutable after that: safe to share between threads).

    Attributes:
        selling_pair: some pair is proposer and seller (the same people on an order: the fast
            path cannot decide, the full check runs).
        against_sellers: for the pairs with proposer or seller on one side, the question
            "does one of these people perform the other side" (:data:`_ORDER_HIT`; each duty
            once, in pair order).
        pairs: the pairs with neither side proposer or seller: who performs the first side
            (:data:`_ORDER_DUTY`) and the question for the second.
        default: the pairs are the default policy's (in any order, any orientation): the
            questions are asked by :func:`_default_clear`, in one function.
        proposer_approver: some pair is proposer and approver (the one pair that can meet on
            a transaction other than PlaceOrder, ReleaseOrder and SetCreditProfile).
    """

    __slots__ = ("against_sellers", "default", "pairs", "proposer_approver", "selling_pair")

    def __init__(self, conflicts: tuple[DutyConflict, ...]) -> None:
        against: list[str] = []
        pairs = []
        selling_pair = False
        self.proposer_approver = any(
            {c.first, c.second} == {"proposer", "approver"} for c in conflicts
        )
        for c in conflicts:
            a, b = c.first, c.second
            if a in _SELLING and b in _SELLING:
                selling_pair = True
            elif a in _SELLING or b in _SELLING:
                other = b if a in _SELLING else a
                if other not in against:
                    against.append(other)
            else:
                pairs.append((_ORDER_DUTY[a], _ORDER_HIT[b]))
        self.selling_pair = selling_pair
        self.against_sellers = tuple(_ORDER_HIT[d] for d in against)
        self.pairs = tuple(pairs)
        others = {
            frozenset({c.first, c.second})
            for c in conflicts
            if c.first not in _SELLING and c.second not in _SELLING
        }
        self.default = set(against) == _DEFAULT_AGAINST and others == _DEFAULT_PAIRS

    def generic_clear(self, txn: Transaction, ctx: Context) -> bool:
        """True when :func:`check_duties` has nothing to report on ``txn``, a transaction
        that carries the proposer duty, and the approver duty when an approval of its document
        is on hand, alone (not PlaceOrder, ReleaseOrder or SetCreditProfile): no pair of the
        two, no approver of its document, or none among its proposers. Sufficient, not necessary (``False``: the full check decides);
        ``tests/test_performance.py`` compares the two."""
        if not self.proposer_approver:
            return True
        doc = txn.document_id
        keys = None  # the approvers of its document (none: nothing can meet)
        for a in ctx.approvals:
            if a.document_id == doc:
                i = a.approver.id
                if i:
                    if keys is None:
                        keys = {person_key(i)}
                    else:
                        keys.add(person_key(i))
        return keys is None or not _generic_proposers_hit(txn, keys)


def _order_clear(
    txn: PlaceOrder, ctx: Context, policy: DutiesPolicy, scratch: Scratch | None = None
) -> bool:
    """True when :func:`check_duties` has nothing to report on the order ``txn`` places.

    On a :class:`PlaceOrder` the proposers and the sellers are the same people: the order's
    creator and the acting user, usually one person. A pair with one side among them is
    decided by looking those (at most two) ids up among the other duty's performers, without
    building every duty's set; another pair by looking the first side's people up among the
    second's. Sufficient, not necessary: ``False`` (a possible conflict, a pair of proposer
    and seller, a blank id) sends the check down the full path, which reports exactly as
    before; ``tests/test_performance.py`` compares the two on generated orders.
    """
    plan: _OrderPlan = policy._order_plan
    if plan.selling_pair:
        return False
    me, creator = txn.actor.id, txn.order.created_by
    if not me or not creator:
        return False
    # person_key, inlined here and in _default_clear (an ASCII id's key is its casefold)
    sellers = {me.casefold() if me.isascii() else person_key(me)}
    if creator != me:
        sellers.add(creator.casefold() if creator.isascii() else person_key(creator))
    if plan.default:
        return _default_clear(txn, ctx, scratch, sellers)
    for hit in plan.against_sellers:
        if hit(txn, ctx, scratch, sellers):
            return False
    for first, second in plan.pairs:
        keys = {person_key(o) for o in first(txn, ctx, scratch) if o}
        if keys and second(txn, ctx, scratch, keys):
            return False
    return True


#: The pairs of the default policy other than proposer-approver's, as _OrderPlan reads them.
_DEFAULT_AGAINST = frozenset(
    {"approver", "credit_master_maintainer", "price_master_maintainer", "release_granter"}
)
_DEFAULT_PAIRS = frozenset({frozenset({"credit_proposer", "credit_approver"})})


def _default_clear(
    txn: PlaceOrder, ctx: Context, scratch: Scratch | None, sellers: set[str]
) -> bool:
    """:func:`_order_clear`'s questions for the default pairs (:data:`_DEFAULT_AGAINST`,
    :data:`_DEFAULT_PAIRS`) asked in one function: the same answers as the ``_ORDER_HIT``
    calls (the order they are asked in does not change the answer), without a call each."""
    order = txn.order
    oid = order.id
    for a in ctx.approvals:  # approver
        if a.document_id == oid:
            i = a.approver.id
            if i and (i.casefold() if i.isascii() else person_key(i)) in sellers:
                return False
    p = order.customer.credit_profile
    if p is not None:
        m = p.maintained_by  # credit_master_maintainer
        if m and (m.casefold() if m.isascii() else person_key(m)) in sellers:
            return False
        m = p.proposed_by  # credit_proposer against credit_approver
        if m:
            key = m.casefold() if m.isascii() else person_key(m)
            for i in p.approved_by:
                if i and (i.casefold() if i.isascii() else person_key(i)) == key:
                    return False
    # price_master_maintainer: the lines' prices are walked only when a seller maintains
    # some price of the context (price_maintainers, a superset of the lines' maintainers)
    try:  # price_maintainers(ctx), inlined
        maintainers = ctx._price_maintainers
    except AttributeError:
        maintainers = price_maintainers(ctx)
    if not sellers.isdisjoint(maintainers) and _sells_own_price(order, ctx, scratch, sellers):
        return False
    for r in ctx.releases:  # release_granter
        if r.order_id == oid:
            i = r.granted_by.id
            if i and (i.casefold() if i.isascii() else person_key(i)) in sellers:
                return False
    return True


def _sells_own_price(
    order: SalesOrder, ctx: Context, scratch: Scratch | None, sellers: set[str]
) -> bool:
    """Whether a seller (``sellers``: person keys) maintains the master price of a line of
    ``order`` (the price_master_maintainer question of :func:`_default_clear`)."""
    last = None  # the lines' entries usually share a maintainer: each distinct run once
    prices = None if scratch is None else scratch.get(_LINE_PRICES)  # _line_prices' memo
    if prices is None or prices.order is not order:
        prices = _line_prices(ctx, order, scratch)
    for _, e, _ in prices.rows:
        if e is not None:
            m = e.maintained_by
            if m and m != last:
                if (m.casefold() if m.isascii() else person_key(m)) in sellers:
                    return True
                last = m
    return False


# -- the check --------------------------------------------------------------------------------


def check_duties(
    txn: Transaction, ctx: Context, policy: DutiesPolicy, scratch: Scratch | None = None
) -> tuple[Finding, ...]:
    """O2C-SD-01: nobody performs two incompatible duties on one transaction.

    Every conflicting pair found is a BLOCK naming the person and both duties; no approval can
    clear it. With ``require_maintainers``, unrecorded maintainers block as well.
    """
    if type(txn) is PlaceOrder:
        if not policy.require_maintainers and _order_clear(txn, ctx, policy, scratch):
            return _NONE
    elif not isinstance(
        txn, PlaceOrder | ReleaseOrder | SetCreditProfile
    ) and policy._order_plan.generic_clear(txn, ctx):
        # Any other transaction carries the proposer duty alone (its actor, its documents'
        # creators and proposers) and records no maintainer: without an approval of its
        # document there is no second duty, and a duty cannot conflict with itself.
        # With approvals of its document on hand it carries the approver duty too: only a
        # pair of proposer and approver can meet (a duty cannot conflict with itself, and no
        # other duty has a performer); nothing to report when no approver is a proposer.
        return _NONE
    return _check_all(txn, ctx, policy, scratch)


def _check_all(
    txn: Transaction, ctx: Context, policy: DutiesPolicy, scratch: Scratch | None = None
) -> tuple[Finding, ...]:
    """:func:`check_duties` without the fast path: every duty's performers, every pair."""
    duties, unknown = _duties(txn, ctx, scratch)
    out: list[Finding] = []
    for c in policy.conflicts:
        first = duties.get(c.first)
        if not first:
            continue
        second = duties.get(c.second)
        if not second or first.isdisjoint(second):
            continue
        for who in sorted(first & second):
            out.append(
                Finding(
                    control_id="O2C-SD-01",
                    outcome=Outcome.BLOCK,
                    message="duties.conflict",
                    params={"actor": who, "first": c.first, "second": c.second},
                    facts={
                        "actor": who,
                        "duties": f"{c.first} + {c.second}",
                        "source": c.source or "-",
                        "document": txn.document_id,
                    },
                )
            )
    if policy.require_maintainers and unknown:
        out.append(
            Finding(
                control_id="O2C-SD-01",
                outcome=Outcome.BLOCK,
                message="duties.maintainer_unknown",
                params={"records": unknown},
                facts={"unrecorded": unknown},
            )
        )
    return tuple(out)


# -- the family -------------------------------------------------------------------------------

CONTROLS: tuple[Control, ...] = (
    Control(
        id="O2C-SD-01",
        title_zh="不相容职务分离",
        title_en="Segregation of duties: incompatible duties never meet in one person",
        objective_zh="提出与审批、信用主数据维护与销售、价格主数据维护与销售、信用释放与销售等不相容职务相互分离。",
        objective_en="Proposing and approving, maintaining credit or price master data and selling, releasing credit and selling are performed by different people.",
        activity_zh="每笔业务系统确定各职务的执行人，对策略中的不相容职务对 {conflicts} 逐一检查；同一人兼任即阻止。记录维护人缺失时是否阻止：{require_maintainers}。",
        activity_en="On every transaction the system works out who performs each duty and checks the policy's incompatible pairs {conflicts}; one person in both duties of a pair is blocked. Unrecorded maintainers block: {require_maintainers}.",
        risks=("R1.1", "R1.3", "R2.1"),
        kind=Kind.PREVENTIVE,
        frequency=Frequency.PER_TRANSACTION,
        key=True,
        automation=Automation.AUTOMATED,
        assertions=(Assertion.OCCURRENCE, Assertion.VALUATION, Assertion.RIGHTS_AND_OBLIGATIONS),
        seeds=("S-IC 2.2", "S-IC 3.4", "S-IC 5.1"),
        seed_quotes=(
            ("S-IC 2.2", "由不相容岗位人员提出划分、调整客户信用等级的方案;", "People in incompatible positions propose the grading and regrading of customers' credit."),
        ),
        g9=(4,),
        refs=("BN 29", "COSO P10", "COSO P12"),
        stage="all",
        owner="internal control / 内控管理部门",
        evidence="decision log: the person, both duties and the document / 决策日志：当事人、两项不相容职务和单据",
        applies_to=tuple(TRANSACTION_TYPES),
        check=check_duties,
        scratch=True,
        conflicts=(
            "proposer ≠ approver / 提议人 ≠ 审批人",
            "seller ≠ credit master-data maintainer / 销售经办人 ≠ 信用主数据维护人",
            "seller ≠ price master-data maintainer / 销售经办人 ≠ 价格主数据维护人",
            "seller ≠ release granter / 销售经办人 ≠ 一次性放行授予人",
            "credit proposer ≠ credit approver / 信用等级提议人 ≠ 信用等级审批人",
        ),
        messages={
            "duties.conflict": (
                "{actor} 同时担任不相容职务：{first} 与 {second}",
                "{actor} performs incompatible duties: {first} and {second}",
            ),
            "duties.maintainer_unknown": (
                "未记录主数据维护人，无法核实职务分离（失败关闭）：{records}",
                "master data without a recorded maintainer, segregation of duties cannot be verified (fails closed): {records}",
            ),
        },
    ),
)

FAMILY = Family(
    name="duties",
    title_zh="职务分离",
    title_en="Segregation of duties",
    policy_type=DutiesPolicy,
    controls=CONTROLS,
)
