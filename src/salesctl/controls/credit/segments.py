"""Credit segments and customer groups (issue 15): the limits an order is checked against
beyond the customer's whole exposure, and the breaches of each (O2C-CR-04, -05, O2C-DL-04).

An order is checked, besides the customer's own profile against its whole exposure (as
always), against

- the customer's profile for the credit segment of the selling company (``SalesOrder.company``
  and the policy's ``[credit] segments``), against its exposure in that segment;
- its group's profile (the parent customer's) against the exposure of every member together;
- the group's profile for the segment, against the members' exposure in the segment.

Each limit is a total (the categories the policy counts, plus what the transaction adds) and
any per-category limits of the profile (``CreditProfile.category_limits``). Every breach is
reported, naming its segment; the strictest outcome wins (as findings always combine). A
segment the context lacks the exposure of fails closed.
"""

from __future__ import annotations

from attrs import field, frozen

from salesctl._validators import ident, opt_text, text, typed
from salesctl.context import Context
from salesctl.controls.credit.policy import CreditPolicy
from salesctl.model import CreditExposure, CreditProfile, SalesOrder
from salesctl.money import Money

__all__ = [
    "CATEGORY_LABELS",
    "Breach",
    "CreditSegment",
    "breaches",
    "exposure_in",
    "exposure_segments",
    "kind_label",
    "segment_label",
    "segments_for",
]

#: Segment kinds: the customer's whole exposure, its company segment, its group, the group's
#: company segment.
CUSTOMER, SEGMENT, GROUP, GROUP_SEGMENT = "customer", "segment", "group", "group_segment"

_LABELS = {
    CUSTOMER: ("客户", "customer"),
    SEGMENT: ("信用段", "credit segment"),
    GROUP: ("客户集团", "customer group"),
    GROUP_SEGMENT: ("客户集团信用段", "customer group's credit segment"),
}


@frozen
class CreditSegment:
    """One limit an order is checked against.

    Attributes:
        kind: ``"customer"``, ``"segment"``, ``"group"`` or ``"group_segment"``.
        id: the segment id, the group id, or ``"<group>/<segment>"`` (the customer's id for
            the customer's own).
        profile: the profile whose limit applies.
        exposure: the exposure counted against it (``None``: the context lacks it).
    """

    kind: str = field(validator=text)
    id: str = field(validator=ident)
    profile: CreditProfile = field(validator=typed(CreditProfile))
    exposure: CreditExposure | None = field(validator=typed(CreditExposure, optional=True))


@frozen
class Breach:
    """A limit exceeded.

    Attributes:
        segment: where.
        category: the exposure category whose own limit is exceeded (``None``: the total).
        limit: the limit.
        exposure: the exposure before the transaction (of the category, or the total).
        total: exposure plus what the transaction adds.
        excess: ``total - limit``.
    """

    segment: CreditSegment = field(validator=typed(CreditSegment))
    category: str | None = field(validator=opt_text)
    limit: Money = field(validator=typed(Money))
    exposure: Money = field(validator=typed(Money))
    total: Money = field(validator=typed(Money))
    excess: Money = field(validator=typed(Money))


#: The exposure categories as the messages name them (zh, en).
CATEGORY_LABELS = {
    "open_orders": ("在途订单", "open orders"),
    "delivered_not_invoiced": ("已发未开票", "delivered not invoiced"),
    "open_receivables": ("应收账款", "open receivables"),
    "overdue_receivables": ("逾期应收", "overdue receivables"),
    "draft_invoices": ("草稿发票", "draft invoices"),
    "other_receivables": ("其他应收", "other receivables"),
}


def segment_label(seg: CreditSegment, lang: str = "") -> str:
    """The segment as the findings name it: ``"credit segment east"`` (``lang="en"``),
    ``"信用段 east"`` (``"zh"``), or both, ``"credit segment east / 信用段 east"`` (the
    default, for the evidence)."""
    return kind_label(seg.kind, seg.id, lang)


def kind_label(kind: str, ident: str, lang: str = "") -> str:
    """:func:`segment_label` of a segment given by its kind and id."""
    zh, en = _LABELS[kind]
    if lang == "en":
        return f"{en} {ident}"
    if lang == "zh":
        return f"{zh} {ident}"
    return f"{en} {ident} / {zh} {ident}"


def segments_for(
    order: SalesOrder, ctx: Context, policy: CreditPolicy
) -> tuple[CreditSegment, ...]:
    """The segments beyond the customer's own profile that ``order`` is checked in.

    Empty for an order naming no company, for a customer with no segment profile for it and
    no group: such data decides exactly as before issue 15. A group the context does not give
    (or gives for another group id) is a group segment with no exposure: the caller fails
    closed.
    """
    cust = order.customer
    company = order.company
    gid = cust.group_id
    if gid is None and (company is None or not cust.segment_profiles):
        return ()
    seg = policy.segment_of(company) if company is not None else None
    out: list[CreditSegment] = []
    if seg is not None:
        p = cust.segment_profiles.get(seg)
        if p is not None:
            out.append(CreditSegment(SEGMENT, seg, p, ctx.segment_exposure.get(seg)))
    if gid is not None:
        g = ctx.credit_group
        if g is None or g.id != gid:
            missing = cust.credit_profile
            if missing is not None:
                out.append(CreditSegment(GROUP, gid, missing, None))
        else:
            if g.profile is not None:
                out.append(CreditSegment(GROUP, gid, g.profile, g.exposure))
            if seg is not None:
                gp = g.segment_profiles.get(seg)
                if gp is not None:
                    out.append(
                        CreditSegment(
                            GROUP_SEGMENT, f"{gid}/{seg}", gp, g.segment_exposure.get(seg)
                        )
                    )
    return tuple(out)


def _in(ctx: Context, m: Money, currency: str) -> Money:
    return m if m.currency == currency else ctx.convert(m, currency)


def breaches(
    seg: CreditSegment,
    added: Money,
    added_to: str | None,
    ctx: Context,
    policy: CreditPolicy,
    *,
    total: bool = True,
    added_total: Money | None = None,
) -> tuple[Breach, ...]:
    """The limits of ``seg`` that the transaction exceeds.

    Args:
        seg: the segment (its exposure must be given).
        added: what the transaction adds to category ``added_to``, in the order's currency.
        added_to: the exposure category the transaction adds to, for its per-category limit
            (``None``: none).
        ctx: the context (exchange rates for amounts in another currency).
        policy: the credit policy (the categories counted in the total).
        total: check the total limit too (``False``: the per-category limits alone).
        added_total: what the transaction adds to the total, when not ``added``.
    """
    exp = seg.exposure
    assert exp is not None
    limit = seg.profile.limit
    cur = limit.currency
    add = _in(ctx, added, cur)
    out: list[Breach] = []
    if total:
        before = Money.zero(cur)
        for name in policy._cats:
            before = before + _in(ctx, exp.category(name), cur)
        after = before + (add if added_total is None else _in(ctx, added_total, cur))
        if after > limit:
            out.append(Breach(seg, None, limit, before, after, after - limit))
    for name, lim in seg.profile.category_limits.items():
        amount = _in(ctx, exp.category(name), cur)
        after_c = amount + add if name == added_to else amount
        if after_c > lim:
            out.append(Breach(seg, name, lim, amount, after_c, after_c - lim))
    return tuple(out)


def exposure_segments(
    order: SalesOrder, ctx: Context, policy: CreditPolicy
) -> tuple[tuple[str, str, CreditExposure | None], ...]:
    """The segments whose exposure a major credit sale is measured in (O2C-CR-08), as
    ``(kind, id, exposure)``: the company's credit segment when the customer has a profile
    for it, the customer group (whether or not its parent has a profile: the members'
    exposure is what a split sale hides in), and the group's segment when the group has a
    profile for it. ``exposure`` is ``None`` when the context lacks it (the caller fails
    closed). Empty for an order naming no company of a customer in no group.
    """
    cust = order.customer
    company = order.company
    gid = cust.group_id
    if gid is None and (company is None or not cust.segment_profiles):
        return ()
    seg = policy.segment_of(company) if company is not None else None
    out: list[tuple[str, str, CreditExposure | None]] = []
    if seg is not None and seg in cust.segment_profiles:
        out.append((SEGMENT, seg, ctx.segment_exposure.get(seg)))
    if gid is not None:
        g = ctx.credit_group
        if g is None or g.id != gid:
            out.append((GROUP, gid, None))
        else:
            out.append((GROUP, gid, g.exposure))
            if seg is not None and seg in g.segment_profiles:
                out.append((GROUP_SEGMENT, f"{gid}/{seg}", g.segment_exposure.get(seg)))
    return tuple(out)


def exposure_in(
    exp: CreditExposure, currency: str, ctx: Context, policy: CreditPolicy
) -> Money:
    """The categories ``policy`` counts of ``exp``, each converted to ``currency`` (rounded
    to its minor unit) and added up."""
    total = Money.zero(currency)
    for name in policy._cats:
        total = total + _in(ctx, exp.category(name), currency)
    return total
