"""Differential testing: ``Gate.check`` against a reference model of the credit and
price-authority rules.

The reference model below is a deliberately plain re-statement of the rules, written from the
control descriptions (docs/controls, shared/CONTROLS.md and the seed: S-IC 2.1–2.3, 3.1–3.4,
5.1, S-CP 3.2.3–3.2.4, S-PM B) rather than from the implementation: no precomputed indexes, no
fast paths, no memo on the context, trees walked by searching the node list every time. Cedar
tests its authorizer against a Lean model in the same spirit. The property: on generated
policies, transactions and contexts, the gate and the model give the same findings per control
(outcome, message, and the approval roles still needed) and so the same outcome.

Budget: ``ci`` profile 100 cases; ``HYPOTHESIS_PROFILE=thorough`` 12 000 cases (run it before a
release and after any change to the gate, credit.py or pricing.py)::

    HYPOTHESIS_PROFILE=thorough .venv/bin/python -m pytest tests/test_reference_model.py -s

The model covers O2C-CR-01, -02, -04, -05, -06, -07, -08, -09 and O2C-PR-01, -02, -03, and the
gate's part: switched-off controls, fail-closed evaluation errors (a missing exchange rate, an
amount limit in another currency), and approvals clearing HOLDs.
"""

from __future__ import annotations

import datetime as dt
import itertools
import os
from collections import Counter
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

import salesctl as sc
from salesctl import testing as sct
from salesctl.money import CURRENCIES

THOROUGH = os.environ.get("HYPOTHESIS_PROFILE") == "thorough"
CASES = int(os.environ.get("SALESCTL_DIFF_CASES", 0)) or (12_000 if THOROUGH else 100)

CREDIT_IDS = (
    "O2C-CR-01",
    "O2C-CR-02",
    "O2C-CR-04",
    "O2C-CR-05",
    "O2C-CR-06",
    "O2C-CR-07",
    "O2C-CR-08",
    "O2C-CR-09",
)
PRICE_IDS = ("O2C-PR-01", "O2C-PR-02", "O2C-PR-03")
MODELLED = CREDIT_IDS + PRICE_IDS

#: Which transactions each modelled control decides (S-IC 5.1: a release is re-checked for
#: limit, days, release and new-customer status; the order-entry checks run at entry only).
APPLIES = {
    "O2C-CR-01": {"PlaceOrder", "ReleaseOrder"},
    "O2C-CR-02": {"SetCreditProfile"},
    "O2C-CR-04": {"PlaceOrder", "ReleaseOrder"},
    "O2C-CR-05": {"PlaceOrder", "ReleaseOrder"},
    "O2C-CR-06": {"PlaceOrder", "ReleaseOrder"},
    "O2C-CR-07": {"PlaceOrder"},
    "O2C-CR-08": {"PlaceOrder"},
    "O2C-CR-09": {"PlaceOrder"},
    "O2C-PR-01": {"PlaceOrder"},
    "O2C-PR-02": {"PlaceOrder"},
    "O2C-PR-03": {"PlaceOrder"},
}

DOCUMENT_PRICED = {sc.PriceClass.STATE_ALLOCATED, sc.PriceClass.GROUP_PRICED}

#: What the differential saw, for the report printed by the last test.
SEEN: Counter[str] = Counter()


class CannotEvaluate(Exception):
    """The model's way of saying what the gate calls an evaluation error (fail closed)."""


# -- the model's small helpers ----------------------------------------------------------------


def convert(amount: Decimal, frm: str, to: str, ctx: sc.Context) -> Decimal:
    """An amount in another currency at the context's rate, rounded half-up to the minor unit."""
    if frm == to:
        return amount
    if f"{frm}/{to}" in ctx.fx_rates:
        raw = amount * ctx.fx_rates[f"{frm}/{to}"]
    elif f"{to}/{frm}" in ctx.fx_rates:
        raw = amount * (Decimal(1) / ctx.fx_rates[f"{to}/{frm}"])
    else:
        raise CannotEvaluate(f"no rate {frm}/{to}")
    return raw.quantize(Decimal(1).scaleb(-CURRENCIES[to]), rounding=ROUND_HALF_UP)


def order_total(order: sc.SalesOrder) -> Decimal:
    unit = Decimal(1).scaleb(-CURRENCIES[order.lines[0].unit_price.currency])
    return sum(
        (
            (ln.quantity * ln.unit_price.amount).quantize(unit, rounding=ROUND_HALF_UP)
            for ln in order.lines
        ),
        Decimal(0),
    )


class Req:
    """An approval still needed: role and minimum level for a document."""

    def __init__(
        self,
        cid: str,
        role: str,
        level: int,
        doc: str,
        amount: str,
        excluded: tuple[str, ...],
        step: int = 0,
    ):
        self.cid, self.role, self.level, self.doc = cid, role, level, doc
        self.amount, self.excluded, self.step = amount, excluded, step


def may_sign(signed: str, needed: str, cid: str, policy: sc.Policy) -> bool:
    """按规定权限: the role itself, or (unless the policy says otherwise for this control) a role
    above it in one of the policy's lines of authority."""
    if signed == needed:
        return True
    auth = policy.authority
    if not auth.controls.get(cid, auth.higher_may_sign):
        return False
    return any(
        needed in line and signed in line and line.index(signed) > line.index(needed)
        for line in auth.lines.values()
    )


def clears(a: sc.Approval, r: Req, txn: Any, policy: sc.Policy) -> bool:
    """The approval rule (S-IC 2.2, 5.1; docs/approvals.md): for this document, in this role
    (or a higher one of its line), held by the approver at the level, not the actor nor the
    proposer (ids without regard to case), valid at the time, covering the amount."""
    if a.document_id != r.doc or not may_sign(a.role, r.role, r.cid, policy):
        return False
    if a.control_id is not None and a.control_id != r.cid:
        return False
    if a.role not in a.approver.roles or a.approver.authority_level < r.level:
        return False
    who = a.approver.id.casefold()
    if who == txn.actor.id.casefold() or who in {x.casefold() for x in r.excluded}:
        return False
    if a.granted_at > txn.at or (a.expires_at is not None and a.expires_at <= txn.at):
        return False
    if r.amount and a.max_amount is not None:
        need, cur = r.amount.split()
        if a.max_amount.currency != cur or a.max_amount.amount < Decimal(need):
            return False
    return True


def chain_met(
    reqs: list[Req], approvals: tuple[sc.Approval, ...], txn: Any, policy: sc.Policy
) -> bool:
    """Some choice of one approval per step meets the whole chain: each clears its step (a role
    the chain asks for at a step of its own signs only that step), no person twice, and a
    lower step's approval never granted after a higher step's."""
    own = {r.role for r in reqs}
    cands = [
        [
            a
            for a in approvals
            if clears(a, r, txn, policy) and (a.role == r.role or a.role not in own)
        ]
        for r in reqs
    ]
    for pick in itertools.product(*cands):
        people = [a.approver.id.casefold() for a in pick]
        if len(set(people)) != len(people):
            continue
        pairs = itertools.permutations(zip(reqs, pick, strict=True), 2)
        if all(
            not (r1.step and r2.step and r1.step < r2.step and a1.granted_at > a2.granted_at)
            for (r1, a1), (r2, a2) in pairs
        ):
            return True
    return False


#: The roles of a chain of several steps still HOLD: which steps the engine counts as met is
#: its own choice; the model states only that the chain is not met.
PARTLY = ("<chain not met>",)


def hold(cid: str, message: str, reqs: list[Req]) -> tuple[str, str, list[Req]]:
    return ("HOLD", message, reqs)


def block(message: str) -> tuple[str, str, list[Req]]:
    return ("BLOCK", message, [])


# -- credit (S-IC 2.1–2.3, 5.1; S-CP 3.2.3–3.2.4; S-PM B; S-FT) ------------------------------


def the_release(txn: Any, order: sc.SalesOrder, ctx: sc.Context) -> sc.CreditRelease | None:
    """The release presented: the one named by the release transaction, else the first one on
    hand granted for this order."""
    named = getattr(txn, "release_id", None)
    for r in ctx.releases:
        if named is not None and r.id == named:
            return r
        if named is None and r.order_id == order.id:
            return r
    return None


def release_problem(
    r: sc.CreditRelease, order: sc.SalesOrder, txn: Any, ctx: sc.Context, credit: Any
) -> str | None:
    """Why a one-time release cannot be used (S-IC 5.1), checked in this order."""
    if r.order_id != order.id:
        return "wrong_order"
    if r.id in ctx.consumed_releases:
        return "consumed"
    if r.expires_at <= txn.at:
        return "expired"
    if r.granted_at > txn.at:
        return "not_yet_valid"
    if credit.release_role not in r.granted_by.roles:
        return "granter_role"
    if r.granted_by.id == order.created_by:
        return "granter_is_seller"
    total = convert(order_total(order), order.currency, r.max_amount.currency, ctx)
    if total > r.max_amount.amount:
        return "amount"
    return None


def credit_rules(
    cid: str, txn: Any, ctx: sc.Context, credit: Any
) -> list[tuple[str, str, list[Req]]]:
    if cid == "O2C-CR-02":
        p = txn.profile
        out = []
        if p.grade not in credit.grades:
            out.append(block("credit.profile_unknown_grade"))
        if credit.profile_maintainer_role not in txn.actor.roles:
            out.append(block("credit.profile_maintainer"))
        if p.proposed_by == txn.actor.id:
            out.append(block("credit.profile_self_entered"))
        if p.proposed_by in p.approved_by:
            out.append(block("credit.profile_self_approved"))
        if credit.profile_approvals:
            out.append(
                hold(
                    cid,
                    "credit.profile_approval",
                    [
                        Req(cid, s.role, s.level, txn.application_id, "", (p.proposed_by,), s.step)
                        for s in credit.profile_approvals
                    ],
                )
            )
        return out

    order: sc.SalesOrder = txn.order
    profile = order.customer.credit_profile
    on_credit = order.payment.method in credit.credit_methods
    total = order_total(order)
    money_total = f"{total} {order.currency}"
    seller = (order.created_by,)

    if cid == "O2C-CR-01":
        return [block("credit.no_profile")] if profile is None and on_credit else []

    if cid == "O2C-CR-09":
        grade = profile.grade if profile is not None else credit.high_risk_grade
        if grade not in credit.allowed_methods:
            return [block("credit.unknown_grade")]
        if order.payment.method not in credit.allowed_methods[grade]:
            return [block("credit.method_not_allowed")]
        return []

    if cid == "O2C-CR-07":
        has_letter = bool(order.collection_letter_ref) or (
            profile is not None and bool(profile.collection_letter_ref)
        )
        return [block("credit.no_collection_letter")] if on_credit and not has_letter else []

    if cid == "O2C-CR-08":
        tiers = credit.major_sale_tiers
        if not on_credit or not tiers:
            return []
        amount = convert(total, order.currency, tiers[0].min_amount.currency, ctx)
        reached = [t for t in tiers if amount >= t.min_amount.amount]
        if not reached:
            return []
        band = reached[-1]
        return [
            hold(
                cid,
                "credit.major_sale",
                [
                    Req(cid, s.role, s.level, order.id, money_total, seller, s.step)
                    for s in band.approvals
                ],
            )
        ]

    if cid == "O2C-CR-06":
        r = the_release(txn, order, ctx)
        if r is None:
            named = getattr(txn, "release_id", None)
            return [block("credit.release_missing")] if named is not None else []
        problem = release_problem(r, order, txn, ctx, credit)
        if problem is None:
            return []
        return [
            hold(
                cid,
                f"credit.release_{problem}",
                [
                    Req(
                        cid,
                        credit.limit_approval_role,
                        credit.limit_approval_level,
                        order.id,
                        money_total,
                        seller,
                    )
                ],
            )
        ]

    # O2C-CR-04 and -05 look at the customer's exposure.
    if profile is None or not on_credit:
        return []
    exp = ctx.exposure
    if exp is None:
        return [block("credit.no_exposure")]

    if cid == "O2C-CR-05":
        if exp.oldest_overdue_due is None or exp.overdue_receivables.amount == 0:
            return []
        if (ctx.as_of - exp.oldest_overdue_due).days <= credit.overdue_grace_days:
            return []
        return [
            hold(
                cid,
                "credit.overdue",
                [
                    Req(
                        cid,
                        credit.overdue_approval_role,
                        credit.overdue_approval_level,
                        order.id,
                        "",
                        seller,
                    )
                ],
            )
        ]

    assert cid == "O2C-CR-04"
    limit = profile.limit
    if exp.open_orders.currency != limit.currency:
        raise CannotEvaluate("exposure and limit in different currencies")
    used = sum((getattr(exp, c).amount for c in credit.exposure_categories), Decimal(0))
    after = used + convert(total, order.currency, limit.currency, ctx)
    if after <= limit.amount:
        return []
    r = the_release(txn, order, ctx)
    if r is not None and release_problem(r, order, txn, ctx, credit) is None:
        return [("ALLOW", "credit.released", [])]
    return [
        hold(
            cid,
            "credit.over_limit",
            [
                Req(
                    cid,
                    credit.limit_approval_role,
                    credit.limit_approval_level,
                    order.id,
                    money_total,
                    seller,
                )
            ],
        )
    ]


# -- price authority (S-IC 3.1–3.4) ------------------------------------------------------------


def price_day(ctx: sc.Context, order: sc.SalesOrder, bound: int) -> dt.date:
    """The day prices are read on: the order date when it is the business date or at most
    ``bound`` days before it; the business date (``ctx.as_of``) otherwise."""
    back = (ctx.as_of - order.order_date).days
    return order.order_date if 0 <= back <= bound else ctx.as_of


def master_entry(
    ctx: sc.Context, line: sc.OrderLine, order: sc.SalesOrder, bound: int = 0
) -> tuple[Any, str | None]:
    """The price-master price of a line's product on the price day, in the order's currency."""
    day = price_day(ctx, order, bound)
    valid = [
        e
        for e in ctx.prices
        if e.product_id == line.product.id
        and e.price_class == line.product.price_class
        and e.valid_from <= day
        and (e.valid_to is None or day <= e.valid_to)
    ]
    mine = [e for e in valid if e.price.currency == order.currency]
    if not mine:
        return None, ("currency" if valid else "missing")
    if len({e.price.amount for e in mine}) > 1:
        return None, "ambiguous"
    return mine[0], None


def node(tree: tuple[Any, ...], node_id: str) -> Any:
    return next(n for n in tree if n.id == node_id)


def ancestors(tree: tuple[Any, ...], n: Any) -> list[Any]:
    out = []
    while n.parent is not None:
        n = node(tree, n.parent)
        out.append(n)
    return out


def products_of(tree: tuple[Any, ...], n: Any) -> frozenset[str] | None:
    """A node covers its own product list, else its nearest ancestor's; none: every product."""
    for m in [n, *ancestors(tree, n)]:
        if m.products:
            return frozenset(m.products)
    return None


def allowed_move(
    pct: Decimal | None, amt: sc.Money | None, master: Decimal, currency: str
) -> Decimal:
    """How far a node may move the price on one side: the tighter of its limits; none set
    means no move at all."""
    moves = []
    if pct is not None:
        moves.append(master * pct)
    if amt is not None:
        if amt.currency != currency:
            raise CannotEvaluate("amount limit in another currency")
        moves.append(amt.amount)
    return min(moves) if moves else Decimal(0)


def covers(
    tree: tuple[Any, ...], n: Any, pid: str, master: Decimal, price: Decimal, currency: str
) -> bool:
    if price == master:
        return True
    cover = products_of(tree, n)
    if cover is not None and pid not in cover:
        return False
    low = master - allowed_move(n.max_cut_pct, n.max_cut, master, currency)
    high = master + allowed_move(n.max_rise_pct, n.max_rise, master, currency)
    return low <= price <= high


def own_node(pricing: Any, actor: sc.Actor) -> Any:
    """The node an actor executes: the one naming them, else the shallowest node of a role
    they hold (in their unit), the first listed among equals."""
    tree = pricing.authority
    for n in tree:
        if actor.id in n.holders:
            return n
    fitting = [
        n
        for n in tree
        if not n.holders
        and n.role in actor.roles
        and (not n.org_unit or n.org_unit == actor.org_unit)
    ]
    if not fitting:
        return None
    return min(fitting, key=lambda n: (len(ancestors(tree, n)), tree.index(n)))


def price_rules(
    cid: str, txn: Any, ctx: sc.Context, pricing: Any
) -> list[tuple[str, str, list[Req]]]:
    order: sc.SalesOrder = txn.order
    tree = pricing.authority
    out: list[tuple[str, str, list[Req]]] = []
    # A back-dated order (more than order_date_days before the business date): O2C-PR-02 blocks.
    if cid == "O2C-PR-02" and (ctx.as_of - order.order_date).days > pricing.order_date_days:
        out.append(block("pricing.order_backdated"))
    for line in order.lines:
        documented = line.product.price_class in DOCUMENT_PRICED
        if (cid == "O2C-PR-01") != documented:
            continue
        entry, problem = master_entry(ctx, line, order, pricing.order_date_days)
        if entry is None:
            out.append(block(f"pricing.master_{problem}"))
            continue
        if cid == "O2C-PR-01":
            if line.unit_price != entry.price or (
                line.list_price is not None and line.list_price != entry.price
            ):
                out.append(block("pricing.not_document_price"))
            continue
        if cid == "O2C-PR-02":
            continue
        master = entry.price.amount
        lp = line.list_price
        price = (
            lp.amount
            if lp is not None and lp.amount > line.unit_price.amount
            else line.unit_price.amount
        )
        if price == master:
            continue
        pid, cur = line.product.id, order.currency
        own = own_node(pricing, txn.actor)
        if own is not None and covers(tree, own, pid, master, price, cur):
            continue
        if own is not None:
            up = ancestors(tree, own)
        elif pricing.default_node is not None:
            start = node(tree, pricing.default_node)
            up = [start, *ancestors(tree, start)]
        else:
            up = [n for n in tree if n.parent is None]
        approver = None
        for n in up:
            if covers(tree, n, pid, master, price, cur):
                approver = n
                break
        if approver is None:
            out.append(block("pricing.outside_root"))
        else:
            out.append(
                hold(
                    cid,
                    "pricing.outside_range",
                    [
                        Req(
                            cid,
                            approver.role,
                            approver.level,
                            order.id,
                            f"{order_total(order)} {order.currency}",
                            (order.created_by,),
                        )
                    ],
                )
            )
    return out


# -- the model ---------------------------------------------------------------------------------


def model(
    policy: sc.Policy, txn: Any, ctx: sc.Context
) -> dict[str, list[tuple[str, str, tuple[str, ...]]]]:
    """Per control: sorted (outcome, message, roles still needed) of its findings."""
    kind = type(txn).__name__
    out: dict[str, list[tuple[str, str, tuple[str, ...]]]] = {}
    for cid in MODELLED:
        if kind not in APPLIES[cid] or cid in policy.disabled:
            continue
        try:
            if cid in CREDIT_IDS:
                found = credit_rules(cid, txn, ctx, policy.family("credit"))
            else:
                found = price_rules(cid, txn, ctx, policy.family("pricing"))
        except (CannotEvaluate, sc.CurrencyMismatch):
            found = [block("gate.evaluation_error")]
        rows = []
        for outcome, message, reqs in found:
            roles = tuple(sorted(r.role for r in reqs))
            if outcome == "HOLD" and len(reqs) == 1:
                if any(clears(a, reqs[0], txn, policy) for a in ctx.approvals):
                    outcome, roles = "ALLOW", ()
            elif outcome == "HOLD" and reqs:
                if chain_met(reqs, ctx.approvals, txn, policy):
                    outcome, roles = "ALLOW", ()
                else:
                    roles = PARTLY
            rows.append((outcome, message, roles))
        if rows:
            out[cid] = sorted(rows)
    return out


def observed(decision: sc.Decision) -> dict[str, list[tuple[str, str, tuple[str, ...]]]]:
    out: dict[str, list[tuple[str, str, tuple[str, ...]]]] = {}
    for f in decision.findings:
        roles = tuple(sorted(r.role for r in f.required)) if f.outcome is sc.Outcome.HOLD else ()
        if f.outcome is sc.Outcome.HOLD and len(f.required) + len(f.cleared_by) > 1:
            roles = PARTLY
        out.setdefault(f.control_id, []).append((f.outcome.name, f.message, roles))
    return {k: sorted(v) for k, v in out.items()}


_GATES: dict[str, sc.Gate] = {}


def gate_for(policy: sc.Policy) -> sc.Gate:
    key = policy.fingerprint
    if key not in _GATES:
        if len(_GATES) > 500:
            _GATES.clear()
        _GATES[key] = sc.Gate(policy, only=MODELLED)
    return _GATES[key]


cases = sct.policies(families=("credit", "pricing")).flatmap(
    lambda p: st.tuples(st.just(p), sct.order_checks(p))
)


@settings(
    max_examples=CASES,
    deadline=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.filter_too_much,
    ],
)
@given(cases)
def test_gate_agrees_with_the_reference_model(
    case: tuple[sc.Policy, tuple[Any, sc.Context]],
) -> None:
    """Gate.check and the reference model give the same findings per control, hence the same
    outcome, on generated policies, transactions and contexts."""
    policy, (txn, ctx) = case
    decision = gate_for(policy).check(txn, ctx)
    want = model(policy, txn, ctx)
    got = observed(decision)
    assert got == want
    SEEN["cases"] += 1
    SEEN[f"outcome {decision.outcome.name}"] += 1
    for cid, rows in got.items():
        for outcome, message, _roles in rows:
            event(f"{cid} {outcome} {message}")
            SEEN[f"{cid} {outcome} {message}"] += 1


def test_the_differential_reaches_every_branch() -> None:
    """The generated cases reach ALLOW, HOLD and BLOCK of every modelled control, the approval
    path, the fail-closed path and the price-authority HOLD and BLOCK (or the budget is too
    small to say anything)."""
    if SEEN["cases"] < 100:  # run alone with -k, or the property above was deselected
        return
    print(
        f"\nreference model: {SEEN['cases']} cases; "
        + ", ".join(f"{k}: {v}" for k, v in sorted(SEEN.items()) if k.startswith("outcome"))
    )
    # Tiers by how often each branch comes up (measured over 2 000 cases), so that missing one
    # by chance is below one in a million at that budget.
    must = ["outcome BLOCK"]
    if SEEN["cases"] >= 1000:
        must += [
            # HOLD comes up in 8–22 % of cases since the checks added in issues 14 and 15 block
            # more generated contexts, and hypothesis's cases are not independent: at the
            # default budget (100) one seed in six saw none (--hypothesis-seed=4).
            "outcome HOLD",
            "O2C-CR-04 HOLD credit.over_limit",
            "O2C-CR-09 BLOCK credit.method_not_allowed",
            "O2C-CR-01 BLOCK credit.no_profile",
            "O2C-PR-03 HOLD pricing.outside_range",
            "O2C-PR-03 BLOCK pricing.outside_root",
            "O2C-PR-02 BLOCK pricing.master_missing",
            "O2C-CR-08 HOLD credit.major_sale",
            "O2C-CR-04 ALLOW credit.released",
            "O2C-CR-06 HOLD credit.release_expired",
            "O2C-CR-04 ALLOW credit.over_limit",
            "O2C-PR-01 BLOCK pricing.not_document_price",
            "O2C-CR-04 BLOCK gate.evaluation_error",
            "O2C-CR-02 BLOCK credit.profile_self_entered",
        ]
    if SEEN["cases"] >= 10000:
        must += ["O2C-CR-05 HOLD credit.overdue", "O2C-PR-03 ALLOW pricing.outside_range"]
    missing = [m for m in must if not SEEN[m]]
    assert not missing, missing


def test_the_model_is_not_the_gate() -> None:
    """The model disagrees with a gate that runs fewer controls (the comparison can fail)."""
    policy = sc.Policy.default()
    b = _example()
    txn, ctx = b
    lenient = sc.Gate(policy, only=["O2C-CR-09"])
    assert observed(lenient.check(txn, ctx)) != model(policy, txn, ctx)


def _example() -> tuple[Any, sc.Context]:
    from tests import builders as b

    order = b.order(cust=b.customer(prof=b.profile(limit=b.cny("100"))))
    return b.place(order), b.context(approvals=(), prices=(b.price_entry(),))


def test_the_model_on_the_seed_example() -> None:
    """Over the limit with no approval: both say HOLD for O2C-CR-04 (S-IC 5.1)."""
    policy = sc.Policy.default()
    txn, ctx = _example()
    got = observed(gate_for(policy).check(txn, ctx))
    assert got == model(policy, txn, ctx)
    assert got["O2C-CR-04"] == [("HOLD", "credit.over_limit", ("credit_manager",))]
    assert dt.date(2026, 3, 2) == ctx.as_of
