"""Explicit strategies for the core values whose validity spans several fields.

Money, actors, credit profiles, customers, products, order lines, sales orders, exposures,
approvals, one-time releases, findings and decisions; :func:`documents` draws any document
of :mod:`salesctl.model` through the generic builder. The generic builder uses these
strategies wherever it meets one of these classes (they are registered at import).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any

import attrs
from hypothesis import strategies as st
from hypothesis.strategies import SearchStrategy

from salesctl import model
from salesctl.controls import CONTROLS
from salesctl.decision import Decision, Finding, Outcome
from salesctl.model import (
    Actor,
    Approval,
    Concession,
    ConcessionKind,
    CreditExposure,
    CreditProfile,
    CreditRelease,
    Customer,
    OrderLine,
    PaymentMethod,
    PaymentTerms,
    PriceClass,
    Product,
    SalesOrder,
)
from salesctl.money import Money
from salesctl.testing.values import (
    ROLES,
    Factory,
    amounts,
    currencies,
    datetimes,
    from_type,
    identifiers,
    memo,
    money,
    register_strategy,
    texts,
)
from salesctl.transactions import TRANSACTION_TYPES

__all__ = [
    "actors",
    "approvals",
    "credit_exposures",
    "credit_profiles",
    "credit_releases",
    "customers",
    "decisions",
    "documents",
    "findings",
    "order_lines",
    "products",
    "sales_orders",
]

#: China Standard Time, the zone of the default approval and release moments.
_CST = dt.timezone(dt.timedelta(hours=8))


@memo
def actors(
    *,
    ids: Sequence[str] | None = None,
    roles: Sequence[str] | None = None,
    org_units: Sequence[str] = ("", "east-1", "east-2", "finance"),
    max_level: int = 6,
) -> SearchStrategy[Actor]:
    """Valid :class:`~salesctl.model.Actor` s.

    Args:
        ids: draw the id from these (default: ``"u-1"`` … ``"u-999"``).
        roles: draw up to three roles from these (default: the roles the default policy uses).
        org_units: draw the organisation unit from these.
        max_level: the highest authority level.
    """
    id_s = st.sampled_from(list(ids)) if ids else identifiers("u")
    role_s = st.sampled_from(list(roles) if roles else list(ROLES))
    return st.builds(
        lambda i, r, o, lv, n: Actor(id=i, roles=r, org_unit=o, authority_level=lv, name=n),
        id_s,
        st.frozensets(role_s, max_size=3),
        st.sampled_from(list(org_units)),
        st.integers(0, max_level),
        st.one_of(st.just(""), texts()),
    )


@memo
def credit_profiles(
    currency: str | None = None,
    *,
    grades: Sequence[str] = ("AAA", "AA", "A", "B", "C", "HIGH_RISK"),
    max_limit: Decimal | int = 5_000_000,
    people: Sequence[str] = ("u-prop", "u-appr", "u-fin", "u-rep"),
) -> SearchStrategy[CreditProfile]:
    """Valid :class:`~salesctl.model.CreditProfile` s (limit in ``currency``).

    Args:
        currency: the limit's currency (drawn when ``None``).
        grades: draw the grade from these.
        max_limit: the largest limit.
        people: ids of proposers, approvers and maintainers.
    """
    if currency is None:
        return currencies().flatmap(
            lambda c: credit_profiles(c, grades=grades, max_limit=max_limit, people=people)
        )
    person = st.sampled_from(list(people))
    return st.builds(
        lambda g, lim, term, rev, prop, appr, letter, maint: CreditProfile(
            grade=g,
            limit=lim,
            term_days=term,
            reviewed_on=rev,
            proposed_by=prop,
            approved_by=appr,
            collection_letter_ref=letter,
            maintained_by=maint,
        ),
        st.sampled_from(list(grades)),
        money(currency, max_value=max_limit),
        st.integers(0, 180),
        st.dates(dt.date(2024, 1, 1), dt.date(2026, 12, 31)),
        person,
        st.lists(person, max_size=3, unique=True).map(tuple),
        st.one_of(st.none(), identifiers("HKHL")),
        st.one_of(st.none(), person),
    )


@memo
def customers(
    currency: str | None = None, *, profile: SearchStrategy[CreditProfile | None] | None = None
) -> SearchStrategy[Customer]:
    """Valid :class:`~salesctl.model.Customer` s, with or without a credit profile.

    Args:
        currency: the currency of the credit limit.
        profile: the profile strategy (default: :func:`credit_profiles` or ``None``).
    """
    prof = profile if profile is not None else st.one_of(st.none(), credit_profiles(currency))
    return st.builds(
        lambda i, n, p, c: Customer(id=i, name=n, credit_profile=p, created_on=c),
        identifiers("C"),
        st.one_of(st.just(""), texts()),
        prof,
        st.one_of(st.none(), st.dates(dt.date(2020, 1, 1), dt.date(2026, 12, 31))),
    )


@memo
def products(
    *, ids: Sequence[str] | None = None, price_classes: Sequence[PriceClass] | None = None
) -> SearchStrategy[Product]:
    """Valid :class:`~salesctl.model.Product` s.

    Args:
        ids: draw the material number from these.
        price_classes: draw the price class from these (default: every class).
    """
    return st.builds(
        lambda i, n, pc, u: Product(id=i, name=n, price_class=pc, unit=u),
        st.sampled_from(list(ids)) if ids else identifiers("P"),
        st.one_of(st.just(""), texts()),
        st.sampled_from(list(price_classes) if price_classes else list(PriceClass)),
        st.sampled_from(["pcs", "t", "kg"]),
    )


@memo
def order_lines(
    currency: str,
    *,
    line_no: int = 1,
    product: SearchStrategy[Product] | None = None,
    unit_price: SearchStrategy[Decimal] | None = None,
) -> SearchStrategy[OrderLine]:
    """Valid :class:`~salesctl.model.OrderLine` s in ``currency``.

    Args:
        currency: the line's currency.
        line_no: the line number.
        product: the product strategy.
        unit_price: the unit-price amount strategy (default: up to 100 000).
    """
    price = unit_price if unit_price is not None else amounts(currency, max_value=100_000)

    @st.composite
    def build(draw: st.DrawFn) -> OrderLine:
        up = Money(draw(price), currency)
        list_price = None
        if draw(st.integers(0, 2)) == 0:
            list_price = Money(
                up.amount + draw(amounts(currency, max_value=max(up.amount, Decimal(1)))),
                currency,
            )
        return OrderLine(
            line_no=line_no,
            product=draw(product if product is not None else products()),
            quantity=draw(amounts("KWD", min_value=Decimal("0.001"), max_value=1000)),
            unit_price=up,
            list_price=list_price,
        )

    return build()


@memo
def sales_orders(
    currency: str | None = None,
    *,
    customer: SearchStrategy[Customer] | None = None,
    methods: Sequence[PaymentMethod] | None = None,
    max_lines: int = 3,
    line: Callable[[int], SearchStrategy[OrderLine]] | None = None,
    created_by: SearchStrategy[str] | None = None,
    ids: SearchStrategy[str] | None = None,
) -> SearchStrategy[SalesOrder]:
    """Valid :class:`~salesctl.model.SalesOrder` s: lines numbered 1…n in one currency,
    concessions in that currency naming existing lines.

    Args:
        currency: the order's currency (drawn when ``None``).
        customer: the customer strategy (default: :func:`customers`).
        methods: draw the payment method from these (default: every method).
        max_lines: the most lines.
        line: ``line(line_no)`` -> strategy of lines (default: :func:`order_lines`).
        created_by: the proposer's id strategy.
        ids: the order id strategy.
    """
    if currency is None:
        return currencies().flatmap(
            lambda c: sales_orders(
                c,
                customer=customer,
                methods=methods,
                max_lines=max_lines,
                line=line,
                created_by=created_by,
                ids=ids,
            )
        )
    make_line = line if line is not None else (lambda n: order_lines(currency, line_no=n))

    @st.composite
    def build(draw: st.DrawFn) -> SalesOrder:
        n = draw(st.integers(1, max_lines))
        lines = tuple(draw(make_line(i + 1)) for i in range(n))
        concessions = []
        for _ in range(draw(st.integers(0, 2))):
            concessions.append(
                Concession(
                    kind=draw(st.sampled_from(list(ConcessionKind))),
                    value=draw(money(currency, min_value=1, max_value=50_000)),
                    line_no=draw(st.one_of(st.none(), st.integers(1, n))),
                    reference=draw(st.one_of(st.just(""), identifiers("PROMO"))),
                )
            )
        method = draw(st.sampled_from(list(methods) if methods else list(PaymentMethod)))
        seq = draw(st.integers(1, 9999))
        return SalesOrder(
            id=draw(ids) if ids is not None else f"SO-2026-{seq:04d}",
            series="SO-2026",
            seq=seq,
            customer=draw(customer if customer is not None else customers(currency)),
            lines=lines,
            payment=PaymentTerms(method, draw(st.integers(0, 120))),
            created_by=draw(created_by) if created_by is not None else draw(identifiers("u")),
            order_date=draw(st.dates(dt.date(2025, 6, 1), dt.date(2027, 6, 1))),
            contract_id=draw(st.one_of(st.none(), identifiers("CT"))),
            collection_letter_ref=draw(st.one_of(st.none(), identifiers("HKHL"))),
            concessions=tuple(concessions),
        )

    return build()


@memo
def credit_exposures(
    currency: str | None = None,
    *,
    max_value: Decimal | int = 3_000_000,
    overdue_since: SearchStrategy[dt.date] | None = None,
) -> SearchStrategy[CreditExposure]:
    """Valid :class:`~salesctl.model.CreditExposure` s: one currency, overdue within open
    receivables, an oldest due date whenever something is overdue.

    Args:
        currency: the exposure's currency (drawn when ``None``).
        max_value: the largest amount per category.
        overdue_since: the strategy of the oldest overdue due date.
    """
    if currency is None:
        return currencies().flatmap(
            lambda c: credit_exposures(c, max_value=max_value, overdue_since=overdue_since)
        )
    since = overdue_since or st.dates(dt.date(2025, 6, 1), dt.date(2027, 6, 1))

    @st.composite
    def build(draw: st.DrawFn) -> CreditExposure:
        amt = amounts(currency, max_value=max_value)
        receivables = draw(amt)
        overdue = draw(st.one_of(st.just(Decimal(0)), amounts(currency, max_value=receivables)))
        oldest = draw(since) if overdue else draw(st.one_of(st.none(), since))
        return CreditExposure(
            open_orders=Money(draw(amt), currency),
            delivered_not_invoiced=Money(draw(amt), currency),
            open_receivables=Money(receivables, currency),
            overdue_receivables=Money(overdue, currency),
            oldest_overdue_due=oldest,
        )

    return build()


@memo
def approvals(
    *,
    document_ids: Sequence[str] = ("SO-2026-0042",),
    roles: Sequence[str] | None = None,
    approvers: SearchStrategy[Actor] | None = None,
    at: dt.datetime | None = None,
    currency: str | None = None,
) -> SearchStrategy[Approval]:
    """Valid :class:`~salesctl.model.Approval` s for the given documents.

    The approver usually holds the role it signs in, not always (an approval in a role the
    approver lacks must not clear anything).

    Args:
        document_ids: draw the approved document from these.
        roles: draw the role from these (default: the roles the default policy uses).
        approvers: the approver strategy (default: :func:`actors` with the role).
        at: times are drawn around this moment (default: 2026-03-02 10:15 +08:00).
        currency: the currency of ``max_amount`` (drawn when ``None``).
    """
    role_list = list(roles) if roles else list(ROLES)
    moment = at or dt.datetime(2026, 3, 2, 10, 15, tzinfo=_CST)

    @st.composite
    def build(draw: st.DrawFn) -> Approval:
        role = draw(st.sampled_from(role_list))
        who = draw(approvers if approvers is not None else actors(roles=role_list))
        if draw(st.integers(0, 4)):
            who = attrs.evolve(who, roles=who.roles | {role})
        granted = moment + dt.timedelta(hours=draw(st.integers(-24 * 30, 6)))
        expires = draw(
            st.one_of(
                st.none(),
                st.none(),
                st.integers(-24 * 3, 24 * 60).map(lambda h: moment + dt.timedelta(hours=h)),
            )
        )
        cur = currency or draw(currencies())
        return Approval(
            id=draw(identifiers("APR")),
            document_id=draw(st.sampled_from(list(document_ids))),
            role=role,
            approver=who,
            granted_at=granted,
            expires_at=expires,
            max_amount=draw(st.one_of(st.none(), st.none(), money(cur, max_value=5_000_000))),
            control_id=draw(
                st.one_of(st.none(), st.none(), st.none(), st.sampled_from(_control_ids()))
            ),
        )

    return build()


def _control_ids() -> list[str]:
    return sorted(CONTROLS)  # read when a strategy is built: controls a host adds count


@memo
def credit_releases(
    *,
    order_ids: Sequence[str] = ("SO-2026-0042",),
    granters: SearchStrategy[Actor] | None = None,
    at: dt.datetime | None = None,
    currency: str | None = None,
    max_amount: Decimal | int = 5_000_000,
    min_amount: Decimal | int = 1,
) -> SearchStrategy[CreditRelease]:
    """Valid one-time :class:`~salesctl.model.CreditRelease` s (expiry after grant).

    Args:
        order_ids: draw the released order from these.
        granters: the granter strategy (default: :func:`actors`).
        at: times are drawn around this moment.
        currency: the currency of the maximum amount (drawn when ``None``).
        max_amount: the largest maximum amount.
        min_amount: the smallest maximum amount.
    """
    moment = at or dt.datetime(2026, 3, 2, 10, 15, tzinfo=_CST)

    @st.composite
    def build(draw: st.DrawFn) -> CreditRelease:
        granted = moment + dt.timedelta(hours=draw(st.integers(-24 * 7, 2)))
        expires = granted + dt.timedelta(hours=draw(st.integers(1, 24 * 14)))
        cur = currency or draw(currencies())
        return CreditRelease(
            id=draw(identifiers("REL")),
            order_id=draw(st.sampled_from(list(order_ids))),
            max_amount=draw(money(cur, min_value=min_amount, max_value=max_amount)),
            granted_by=draw(granters if granters is not None else actors()),
            granted_at=granted,
            expires_at=expires,
            reason=draw(st.one_of(st.just(""), texts())),
        )

    return build()


# -- decisions ------------------------------------------------------------------------------


@memo
def findings() -> SearchStrategy[Finding]:
    """Valid :class:`~salesctl.decision.Finding` s with known control ids and message keys."""
    return from_type(Finding)


@memo
def decisions() -> SearchStrategy[Decision]:
    """Valid :class:`~salesctl.decision.Decision` s (the outcome is the max of the findings)."""

    @st.composite
    def build(draw: st.DrawFn) -> Decision:
        fs = tuple(draw(st.lists(findings(), max_size=4)))
        return Decision(
            outcome=max((f.outcome for f in fs), default=Outcome.ALLOW),
            findings=fs,
            transaction=draw(st.sampled_from(sorted(TRANSACTION_TYPES))),
            document_id=draw(identifiers("DOC")),
            at=draw(datetimes()),
            controls=tuple(draw(st.lists(st.sampled_from(_control_ids()), max_size=5))),
            policy_fingerprint=draw(
                st.one_of(st.just(""), st.text("0123456789abcdef", min_size=64, max_size=64))
            ),
            catalogue_fingerprint=draw(st.text("0123456789abcdef", max_size=64)),
            note=draw(st.one_of(st.none(), texts())),
        )

    return build()


# -- documents ------------------------------------------------------------------------------


@memo
def documents() -> SearchStrategy[Any]:
    """Any document of :mod:`salesctl.model` (every attrs class it exports)."""
    classes = [getattr(model, n) for n in model.__all__]
    return st.one_of([from_type(c) for c in classes if isinstance(c, type) and attrs.has(c)])


def _register() -> None:
    factories: dict[type, Factory] = {
        Actor: lambda c: actors(),
        CreditProfile: lambda c: credit_profiles(c),
        Customer: lambda c: customers(c),
        Product: lambda c: products(),
        SalesOrder: lambda c: sales_orders(c),
        CreditExposure: lambda c: credit_exposures(c),
        Approval: lambda c: approvals(currency=c),
        CreditRelease: lambda c: credit_releases(currency=c),
        Decision: lambda c: decisions(),
    }
    for cls, factory in factories.items():
        register_strategy(cls, factory)


_register()
