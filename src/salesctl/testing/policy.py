"""Valid policies: the credit and pricing parameters explicitly (price-authority trees,
discount matrices), every other family's parameters from their types."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from hypothesis import reject
from hypothesis import strategies as st
from hypothesis.strategies import SearchStrategy

from salesctl._convert import fields_of
from salesctl.control import Family
from salesctl.controls import CONTROLS, FAMILIES
from salesctl.controls.credit import ApprovalStep, CreditPolicy, MajorSaleTier
from salesctl.controls.duties import DUTIES, DutyConflict
from salesctl.controls.pricing import ConcessionStep, PriceAuthority, PricingPolicy
from salesctl.errors import SalesctlError
from salesctl.model import ConcessionKind, FrozenMap, PaymentMethod
from salesctl.money import Money
from salesctl.policy import Policy, weakenings_of
from salesctl.testing.values import (
    ROLES,
    Factory,
    amounts,
    draw_fields,
    from_type,
    memo,
    money,
    register_strategy,
    texts,
)

__all__ = [
    "PERCENTS",
    "concession_steps",
    "credit_policies",
    "policies",
    "price_authority_trees",
    "pricing_policies",
]


@memo
def credit_policies(currency: str = "CNY") -> SearchStrategy[Any]:
    """Valid :class:`~salesctl.controls.credit.CreditPolicy` s: grades with their allowed
    methods, a high-risk grade among them, major-sale bands rising in ``currency``.

    Args:
        currency: the currency of the major-sale bands.
    """
    grade_pool = ["AAA", "AA", "A", "B", "C", "D", "HIGH_RISK", "新客户"]
    step = st.builds(ApprovalStep, st.sampled_from(ROLES), st.integers(0, 6))

    @st.composite
    def build(draw: st.DrawFn) -> CreditPolicy:
        grades = draw(st.lists(st.sampled_from(grade_pool), min_size=1, max_size=6, unique=True))
        methods = st.frozensets(st.sampled_from(list(PaymentMethod)))
        bands = sorted(
            draw(
                st.lists(
                    amounts(currency, min_value=1, max_value=10_000_000), max_size=3, unique=True
                )
            )
        )
        tiers = tuple(
            MajorSaleTier(Money(b, currency), tuple(draw(st.lists(step, min_size=1, max_size=3))))
            for b in bands
        )
        return CreditPolicy(
            credit_methods=draw(methods),
            exposure_categories=draw(
                st.frozensets(
                    st.sampled_from(["open_orders", "delivered_not_invoiced", "open_receivables"])
                )
            ),
            grades=tuple(grades),
            high_risk_grade=draw(st.sampled_from(grades)),
            allowed_methods=FrozenMap({g: draw(methods) for g in grades}),
            limit_approval_role=draw(st.sampled_from(ROLES)),
            limit_approval_level=draw(st.integers(0, 6)),
            release_role=draw(st.sampled_from(["credit_master_maintainer", "finance_head"])),
            overdue_grace_days=draw(st.integers(0, 60)),
            overdue_approval_role=draw(st.sampled_from(ROLES)),
            overdue_approval_level=draw(st.integers(0, 6)),
            major_sale_tiers=tiers,
            profile_maintainer_role=draw(
                st.sampled_from(["credit_master_maintainer", "finance_head"])
            ),
            profile_approvals=tuple(draw(st.lists(step, max_size=3))),
        )

    return build()


#: The fractions price limits and discount bands are drawn from (0 to 100 %).
PERCENTS: tuple[Decimal, ...] = tuple(
    Decimal(x)
    for x in (
        "0",
        "0.01",
        "0.02",
        "0.03",
        "0.05",
        "0.08",
        "0.10",
        "0.15",
        "0.20",
        "0.25",
        "0.5",
        "1",
    )
)
_PERCENT = st.sampled_from(PERCENTS)


@memo
def price_authority_trees(
    currency: str = "CNY",
    *,
    max_nodes: int = 6,
    products: Sequence[str] = ("P-1", "P-2", "P-3"),
    holders: Sequence[str] = ("u-rep", "u-mgr", "u-mkt", "u-x"),
) -> SearchStrategy[tuple[Any, ...]]:
    """Valid price-float delegation trees (O2C-PR-03, -04): one root, every child's ranges
    and products within its parent's, holders named at most once, nodes in any order.

    Args:
        currency: the currency of amount limits.
        max_nodes: the most nodes.
        products: the product ids nodes may be restricted to.
        holders: actor ids nodes may name as executors.
    """
    roles = ("price_committee", "marketing_head", "sales_manager", "sales_rep")

    def side(
        draw: st.DrawFn, p_pct: Decimal | None, p_amt: Money | None, root: bool
    ) -> tuple[Decimal | None, Money | None]:
        if root:
            pct = draw(st.one_of(st.none(), _PERCENT))
            amt = draw(st.one_of(st.none(), money(currency, max_value=5_000)))
            return pct, amt
        if p_pct is None and p_amt is None:
            return None, None  # the parent allows nothing: so does the child
        pct = amt = None
        if p_pct is not None:
            pct = draw(st.sampled_from([x for x in PERCENTS if x <= p_pct]))
        elif draw(st.booleans()):
            pct = draw(_PERCENT)  # a fraction under an amount bound is fine if the amount is kept
        if p_amt is not None:
            amt = draw(money(currency, max_value=p_amt.amount))
        elif p_pct is not None and draw(st.booleans()):
            amt = draw(money(currency, max_value=5_000))
        if p_amt is not None and amt is None:
            amt = p_amt
        return pct, amt

    @st.composite
    def build(draw: st.DrawFn) -> tuple[PriceAuthority, ...]:
        n = draw(st.integers(1, max_nodes))
        nodes: list[PriceAuthority] = []
        cover: list[frozenset[str] | None] = []
        free_holders = list(holders)
        for i in range(n):
            parent = None if i == 0 else nodes[draw(st.integers(0, i - 1))]
            pi = nodes.index(parent) if parent is not None else -1
            cut = side(
                draw,
                parent.max_cut_pct if parent else None,
                parent.max_cut if parent else None,
                parent is None,
            )
            rise = side(
                draw,
                parent.max_rise_pct if parent else None,
                parent.max_rise if parent else None,
                parent is None,
            )
            inherited = cover[pi] if parent is not None else None
            pool = sorted(inherited) if inherited is not None else list(products)
            mine: frozenset[str] = frozenset()
            restrict: bool = bool(pool) and draw(st.booleans())
            if restrict:
                mine = frozenset(draw(st.lists(st.sampled_from(pool), unique=True)))
            cover.append(mine or inherited)
            held: frozenset[str] = frozenset()
            if free_holders and draw(st.integers(0, 3)) == 0:
                h = draw(st.sampled_from(free_holders))
                free_holders.remove(h)
                held = frozenset({h})
            nodes.append(
                PriceAuthority(
                    id=f"n{i}",
                    role=draw(st.sampled_from(roles)),
                    level=draw(st.integers(0, 6)),
                    parent=None if parent is None else parent.id,
                    title=draw(st.one_of(st.just(""), texts())),
                    org_unit=draw(st.sampled_from(["", "", "east-1"])),
                    holders=held,
                    products=mine,
                    max_cut_pct=cut[0],
                    max_cut=cut[1],
                    max_rise_pct=rise[0],
                    max_rise=rise[1],
                )
            )
        return tuple(draw(st.permutations(nodes)))

    return build()


@memo
def concession_steps(
    currency: str = "CNY", *, max_bands: int = 4
) -> SearchStrategy[tuple[Any, ...]]:
    """Valid discount-matrix bands (O2C-PR-05): rising bounds in one currency; a bound left
    open stays open in later bands.

    Args:
        currency: the currency of amount bounds.
        max_bands: the most bands.
    """
    step = st.builds(ApprovalStep, st.sampled_from(ROLES), st.integers(0, 6))

    @st.composite
    def build(draw: st.DrawFn) -> tuple[ConcessionStep, ...]:
        n = draw(st.integers(0, max_bands))
        pcts = sorted(draw(st.lists(_PERCENT, min_size=n, max_size=n)))
        amts = sorted(
            draw(st.lists(amounts(currency, max_value=2_000_000), min_size=n, max_size=n))
        )
        open_pct = draw(st.integers(0, n))
        open_amt = draw(st.integers(0, n))
        return tuple(
            ConcessionStep(
                max_pct=pcts[i] if i < open_pct else None,
                max_amount=Money(amts[i], currency) if i < open_amt else None,
                approvals=tuple(draw(st.lists(step, max_size=3))),
                in_order=draw(st.booleans()),
            )
            for i in range(n)
        )

    return build()


@memo
def pricing_policies(currency: str = "CNY") -> SearchStrategy[Any]:
    """Valid :class:`~salesctl.controls.pricing.PricingPolicy` s (tree and matrices).

    Args:
        currency: the currency of amount limits and bounds.
    """

    @st.composite
    def build(draw: st.DrawFn) -> PricingPolicy:
        tree = draw(price_authority_trees(currency))
        return PricingPolicy(
            authority=tree,
            default_node=draw(st.one_of(st.none(), st.sampled_from([n.id for n in tree]))),
            line_discount_steps=draw(concession_steps(currency)),
            order_concession_steps=draw(concession_steps(currency)),
            rolling_steps=draw(concession_steps(currency)),
            rolling_days=draw(st.integers(0, 365)),
            concession_kinds=draw(st.frozensets(st.sampled_from(list(ConcessionKind)))),
        )

    return build()


def _family_policy(fam: Family, currency: str) -> SearchStrategy[Any]:
    """A family's policy: its explicit strategy, else the defaults with a few fields drawn
    from their types (falling back to the defaults where the draw is invalid)."""
    explicit = {"credit": credit_policies, "pricing": pricing_policies}.get(fam.name)
    if explicit is not None:
        return st.one_of(st.just(fam.policy_type()), explicit(currency))

    @st.composite
    def build(draw: st.DrawFn) -> Any:
        spec = fields_of(fam.policy_type)
        chosen = draw(st.lists(st.sampled_from([n for n, _, _ in spec]), max_size=3, unique=True))
        picked = [(n, t) for n, t, _ in spec if n in chosen]
        kwargs = draw_fields(draw, fam.policy_type, picked, currency)
        try:
            return fam.policy_type(**kwargs)
        except SalesctlError:
            return fam.policy_type()

    return build()


def policies(
    *,
    families: Iterable[str] | None = None,
    disable: bool = True,
    currency: str = "CNY",
) -> SearchStrategy[Policy]:
    """Valid :class:`~salesctl.policy.Policy` objects.

    Args:
        families: draw non-default parameters for these families only (default: all); the
            others keep their defaults.
        disable: also switch a few controls off.
        currency: the base currency and the currency of the policy's amounts.
    """
    wanted = set(families) if families is not None else set(FAMILIES)

    @st.composite
    def build(draw: st.DrawFn) -> Policy:
        fams = {
            name: draw(from_type(fam.policy_type, currency=currency))
            for name, fam in FAMILIES.items()
            if name in wanted
        }
        disabled = (
            frozenset(draw(st.lists(st.sampled_from(sorted(CONTROLS)), max_size=2)))
            if disable and draw(st.integers(0, 3)) == 0
            else frozenset()
        )
        try:
            return Policy(
                name=draw(st.one_of(st.just("fuzz"), texts())),
                base_currency=currency,
                disabled=disabled,
                families=fams,
                # a drawn policy owns up to what it weakens (the refusal is tested elsewhere)
                acknowledged={w.control_id: "drawn" for w in weakenings_of(fams, disabled)},
            )
        except SalesctlError:
            reject()
            raise  # pragma: no cover

    return build()


def _register() -> None:
    """Every family's policy class, the policy itself, and duty pairs from the known duties
    (a field-by-field draw rarely names two different known duties)."""

    def family_factory(fam: Family) -> Factory:
        return lambda c: _family_policy(fam, c)

    for fam in FAMILIES.values():
        register_strategy(fam.policy_type, family_factory(fam))
    register_strategy(Policy, lambda c: policies())
    register_strategy(
        DutyConflict,
        lambda c: st.builds(
            lambda pair, src: DutyConflict(first=pair[0], second=pair[1], source=src),
            st.permutations(DUTIES).map(lambda d: (d[0], d[1])),
            st.sampled_from(["", "S-IC 2.2", "S-IC 5.1"]),
        ),
    )


_register()
