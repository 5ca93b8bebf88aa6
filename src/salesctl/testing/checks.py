"""Transactions: any registered one from its fields, and coherent ``(transaction, context)``
pairs that reach the credit and pricing controls' boundaries (:func:`order_checks`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from decimal import Decimal

import attrs
from hypothesis import strategies as st
from hypothesis.strategies import SearchStrategy

from salesctl.context import Context
from salesctl.model import (
    Actor,
    CreditExposure,
    CreditProfile,
    Customer,
    FrozenMap,
    OrderLine,
    PriceClass,
    PriceEntry,
    Product,
)
from salesctl.money import CURRENCIES, Money
from salesctl.policy import Policy
from salesctl.testing.context import contexts
from salesctl.testing.core import actors, approvals, credit_releases, sales_orders
from salesctl.testing.policy import PERCENTS
from salesctl.testing.values import amounts, currencies, datetimes, from_type, memo
from salesctl.transactions import (
    TRANSACTION_TYPES,
    PlaceOrder,
    ReleaseOrder,
    SetCreditProfile,
    Transaction,
)

__all__ = ["dated_checks", "order_checks", "policy_roles", "transactions"]


@memo
def transactions(
    *, types: Iterable[type[Transaction] | str] | None = None
) -> SearchStrategy[Transaction]:
    """Any registered transaction (those registered later included), built from its fields.

    Args:
        types: only these transaction classes (or their names).
    """
    if types is None:
        chosen = list(TRANSACTION_TYPES.values())
    else:
        chosen = [TRANSACTION_TYPES[t] if isinstance(t, str) else t for t in types]
    return st.one_of([from_type(c) for c in chosen])


@memo
def dated_checks(
    *,
    types: Iterable[type[Transaction] | str] | None = None,
    flow: bool = True,
    policy: Policy | None = None,
) -> SearchStrategy[tuple[Transaction, Context]]:
    """Any registered transaction (as :func:`transactions`) with any valid context (as
    :func:`~salesctl.testing.context.contexts`) dated on the transaction's business date:
    ``as_of`` is ``txn.at`` in ``policy``'s time zone (the default policy's when ``None``), as
    the gate requires.
    """
    pol = policy if policy is not None else Policy.default()
    pairs = st.tuples(transactions(types=types), contexts(flow=flow))
    return pairs.map(lambda p: (p[0], attrs.evolve(p[1], as_of=pol.business_date(p[0].at))))


# -- coherent checks: a transaction with the context it is checked in ------------------------------


def policy_roles(policy: Policy) -> list[str]:
    """Every role the credit and pricing parameters of ``policy`` name."""
    roles: set[str] = {"sales_rep"}
    credit = policy.families.get("credit")
    if credit is not None:
        roles |= {
            credit.limit_approval_role,
            credit.overdue_approval_role,
            credit.release_role,
            credit.profile_maintainer_role,
        }
        roles |= {s.role for t in credit.major_sale_tiers for s in t.approvals}
        roles |= {s.role for s in credit.profile_approvals}
    pricing = policy.families.get("pricing")
    if pricing is not None:
        roles |= {n.role for n in pricing.authority}
        for steps in (
            pricing.line_discount_steps,
            pricing.order_concession_steps,
            pricing.rolling_steps,
        ):
            roles |= {a.role for s in steps for a in s.approvals}
    return sorted(roles)


_PRODUCT_IDS = ("P-1", "P-2", "P-3")
_PEOPLE = ("u-rep", "u-mgr", "u-mkt", "u-x", "u-fin", "u-prop")
_PERCENT = st.sampled_from(PERCENTS)


def order_checks(
    policy: Policy | None = None,
    *,
    currencies_: Sequence[str] = ("CNY", "CNY", "CNY", "USD"),
    kinds: Sequence[str] = ("PlaceOrder", "PlaceOrder", "ReleaseOrder", "SetCreditProfile"),
) -> SearchStrategy[tuple[Transaction, Context]]:
    """``(transaction, context)`` pairs that exercise the credit and pricing controls.

    The transaction is a ``PlaceOrder``, ``ReleaseOrder`` or ``SetCreditProfile``; the context
    is the one a host would pass with it: exposure near the customer's limit, approvals by
    people in the roles ``policy`` names (some for this document, some not, some expired, some
    by the proposer), one-time releases with each kind of problem, price-master entries near,
    at and off the line prices, exchange rates present or missing. Amounts sit on and next to
    the boundaries the controls compare exactly.

    Args:
        policy: the policy whose roles and grades to use (default policy when ``None``).
        currencies_: draw the order currency from these.
        kinds: draw the transaction type from these names.
    """
    pol = policy if policy is not None else Policy.default()
    roles = policy_roles(pol)
    credit = pol.families.get("credit")
    grades = list(credit.grades) if credit is not None else ["A"]

    @st.composite
    def build(draw: st.DrawFn) -> tuple[Transaction, Context]:
        cur = draw(st.sampled_from(list(currencies_)))
        lim_cur = cur if draw(st.integers(0, 5)) else draw(currencies(codes=("CNY", "USD")))
        at = draw(datetimes(min_value=dt.datetime(2026, 1, 1), max_value=dt.datetime(2026, 12, 31)))
        day = pol.business_date(at)  # the context's as_of: txn.at in the policy's zone
        person = st.sampled_from(_PEOPLE)
        actor = draw(actors(ids=_PEOPLE, roles=roles, org_units=("", "east-1")))
        order_id = draw(st.sampled_from(["SO-2026-0042", "SO-2026-0043"]))
        kind = draw(st.sampled_from(list(kinds)))

        # Products with master prices; lines near (and exactly at) the master and its bounds.
        masters = {p: draw(amounts(cur, min_value=1, max_value=5_000)) for p in _PRODUCT_IDS}
        classes = {
            p: draw(
                st.sampled_from(
                    [
                        PriceClass.MARKET,
                        PriceClass.MARKET,
                        PriceClass.STATE_ALLOCATED,
                        PriceClass.GROUP_PRICED,
                    ]
                )
            )
            for p in _PRODUCT_IDS
        }

        def near(master: Decimal) -> Decimal:
            unit = Decimal(1).scaleb(-CURRENCIES[cur])
            how = draw(st.integers(0, 4))
            if how == 0:
                return master
            if how == 1:
                return master + unit * draw(st.integers(-3, 3))
            pct = draw(_PERCENT) * draw(st.sampled_from([-1, 1]))
            edge = (master * (1 + pct)).quantize(unit)
            return max(Decimal(0), edge + unit * draw(st.integers(-1, 1)))

        def line(n: int) -> SearchStrategy[OrderLine]:
            @st.composite
            def one(d: st.DrawFn) -> OrderLine:
                pid = d(st.sampled_from(_PRODUCT_IDS))
                unit_price = near(masters[pid])
                list_price = None
                if d(st.integers(0, 3)) == 0:
                    list_price = Money(max(unit_price, near(masters[pid])), cur)
                return OrderLine(
                    line_no=n,
                    product=Product(id=pid, price_class=classes[pid]),
                    quantity=d(
                        st.sampled_from(
                            [Decimal(1), Decimal(2), Decimal("0.5"), Decimal(10), Decimal("3.333")]
                        )
                    ),
                    unit_price=Money(unit_price, cur),
                    list_price=list_price,
                )

            return one()

        grade = draw(st.sampled_from([*grades * 3, "UNKNOWN-GRADE"])) if grades else "A"
        total_guess = sum(masters.values()) * 4
        limit_amount = draw(amounts(lim_cur, max_value=max(total_guess * 3, Decimal(1))))
        profile = CreditProfile(
            grade=grade,
            limit=Money(limit_amount, lim_cur),
            term_days=draw(st.integers(0, 90)),
            reviewed_on=day - dt.timedelta(days=draw(st.integers(0, 500))),
            proposed_by=draw(person),
            approved_by=tuple(draw(st.lists(person, max_size=3, unique=True))),
            collection_letter_ref=draw(st.one_of(st.none(), st.just("HKHL-1"))),
            maintained_by=draw(st.one_of(st.none(), person)),
        )
        customer = Customer(
            id="C-100", name="华东化工", credit_profile=profile if draw(st.integers(0, 5)) else None
        )
        order = draw(
            sales_orders(
                cur,
                customer=st.just(customer),
                line=line,
                created_by=st.sampled_from([actor.id, actor.id, *_PEOPLE]),
                ids=st.just(order_id),
            )
        )
        # Mostly dated on the business date; sometimes back-dated (O2C-PR-02's bound).
        back = draw(st.sampled_from([0, 0, 0, 0, 0, 0, 1, 3]))
        order = attrs.evolve(order, order_date=day - dt.timedelta(days=back))

        # Exposure around the limit: sometimes exactly at it with this order.
        exp_cur = lim_cur if draw(st.integers(0, 7)) else cur
        exposure = None
        if draw(st.integers(0, 9)):
            head = max(Decimal(0), limit_amount - (order.total.amount if exp_cur == cur else 0))
            base = draw(
                st.one_of(st.just(head), amounts(exp_cur, max_value=max(head * 2, Decimal(1))))
            )
            base = base.quantize(Decimal(1).scaleb(-CURRENCIES[exp_cur]))
            split = draw(st.integers(0, 2))
            parts = [Decimal(0), Decimal(0), Decimal(0)]
            parts[split] = base
            overdue = draw(st.one_of(st.just(Decimal(0)), amounts(exp_cur, max_value=parts[2])))
            grace = credit.overdue_grace_days if credit is not None else 0
            oldest = day - dt.timedelta(days=grace + draw(st.integers(-2, 2)))
            exposure = CreditExposure(
                open_orders=Money(parts[0], exp_cur),
                delivered_not_invoiced=Money(parts[1], exp_cur),
                open_receivables=Money(parts[2], exp_cur),
                overdue_receivables=Money(overdue, exp_cur),
                oldest_overdue_due=oldest if overdue or draw(st.booleans()) else None,
            )

        # Price master: entries valid (or not) on the business date (the day prices are read on
        # unless the order date is within the policy's bound), in (or not in) the currency.
        prices: list[PriceEntry] = []
        for pid in _PRODUCT_IDS:
            for _ in range(draw(st.sampled_from([1, 1, 1, 1, 1, 0, 2]))):
                valid_from = day - dt.timedelta(days=draw(st.integers(-2, 60)))
                prices.append(
                    PriceEntry(
                        product_id=pid,
                        price=Money(
                            masters[pid] if draw(st.integers(0, 5)) else near(masters[pid]),
                            cur if draw(st.integers(0, 19)) else ("USD" if cur != "USD" else "CNY"),
                        ),
                        valid_from=valid_from,
                        source_document=draw(st.sampled_from(["PG-2026-007", "财价[2026]12号"])),
                        valid_to=draw(
                            st.one_of(
                                st.none(),
                                st.none(),
                                st.just(valid_from + dt.timedelta(days=draw(st.integers(0, 120)))),
                            )
                        ),
                        price_class=classes[pid] if draw(st.integers(0, 7)) else PriceClass.MARKET,
                    )
                )

        doc_ids = [order_id, "SO-OTHER"]
        application_id = "CA-7"
        if kind == "SetCreditProfile":
            doc_ids = [application_id, "CA-OTHER"]
        # Approvals mostly in the roles that clear this policy's HOLDs (the limit and the price
        # tree), by approvers mostly senior enough: the interesting question is who, not whether.
        focus: list[str] = []
        if credit is not None:
            focus.append(credit.limit_approval_role)
        pricing = pol.families.get("pricing")
        if pricing is not None:
            focus += [n.role for n in pricing.authority]
        approval_roles = list(roles) + focus * max(1, len(roles) // max(1, len(focus)))
        approver = st.builds(
            lambda i, r, lv: Actor(id=i, roles=r, authority_level=lv),
            st.sampled_from(_PEOPLE),
            st.frozensets(st.sampled_from(roles), max_size=3),
            st.sampled_from([0, 1, 2, 3, 4, 5, 5, 6, 6]),
        )
        appr = draw(
            st.lists(
                approvals(
                    document_ids=doc_ids[:1] * 4 + doc_ids[1:],
                    roles=approval_roles,
                    approvers=approver,
                    at=at,
                    currency=draw(st.sampled_from([cur, lim_cur])),
                ),
                max_size=6,
            )
        )
        release_role = credit.release_role if credit is not None else "credit_master_maintainer"
        granter = st.builds(
            lambda i, r, own: Actor(id=i, roles=r | ({release_role} if own else set())),
            st.sampled_from(_PEOPLE),
            st.frozensets(st.sampled_from(roles), max_size=2),
            st.sampled_from([True, True, False]),
        )
        releases = draw(
            st.lists(
                credit_releases(
                    order_ids=[order_id, order_id, order_id, "SO-OTHER"],
                    granters=granter,
                    at=at,
                    currency=draw(st.sampled_from([cur, lim_cur])),
                    max_amount=max(order.total.amount * 2, Decimal(2)),
                    min_amount=max(order.total.amount / 2, Decimal(1)),
                ),
                min_size=draw(st.sampled_from([0, 1, 1, 2])),
                max_size=2,
                unique_by=lambda r: r.id,
            )
        )
        rel_ids = [r.id for r in releases]
        ctx = Context(
            as_of=day,
            exposure=exposure,
            approvals=tuple(appr),
            releases=tuple(releases),
            consumed_releases=frozenset(
                draw(st.sampled_from([[], [], rel_ids[:1]])) if rel_ids else []
            ),
            fx_rates=FrozenMap({"USD/CNY": Decimal("7.10")} if draw(st.booleans()) else {}),
            prices=tuple(prices),
            last_numbers=FrozenMap({"SO-2026": max(0, order.seq - draw(st.integers(0, 2)))}),
        )
        txn: Transaction
        if kind == "ReleaseOrder":
            rid = draw(st.sampled_from([None, None, *rel_ids, "REL-MISSING"]))
            txn = ReleaseOrder(order=order, release_id=rid, actor=actor, at=at)
        elif kind == "SetCreditProfile":
            txn = SetCreditProfile(
                customer=customer,
                profile=profile,
                application_id=application_id,
                actor=actor,
                at=at,
            )
        else:
            txn = PlaceOrder(order=order, actor=actor, at=at)
        return txn, ctx

    return build()
