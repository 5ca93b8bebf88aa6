"""The same two decisions in plain Python, GoRules ZEN and Cedar.

Each contender is compiled once from the policy in force (as the gate is) and then answers
``"ALLOW"``, ``"HOLD"`` or ``"BLOCK"`` for a ``(transaction, context)`` pair, **including**
building its input from those objects: ZEN gets a JSON document with the amounts written as
exact decimals, Cedar a request whose context carries amounts in minor units (Cedar has no
decimal arithmetic) and times in epoch seconds. ZEN is called by key (``ZenEngine.evaluate``
with a static loader, so the decision graph is parsed once); Cedar with a parsed ``PolicySet``
and a parsed (empty) ``Entities`` handle.

The models cover the policy shapes the benchmark uses (default credit family; a price-float
tree of fractions without holders, organisation units or product lists) and refuse others.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any

import salesctl as sc
from salesctl.controls.credit import CreditPolicy
from salesctl.controls.pricing import DOCUMENT_PRICED, PricingPolicy
from salesctl.money import CURRENCIES

_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_SECOND = dt.timedelta(seconds=1)


def _secs(t: dt.datetime) -> int:
    return (t - _EPOCH) // _SECOND


def _minor(m: sc.Money) -> int:
    return int(m.amount.scaleb(CURRENCIES[m.currency]))


# -- credit limit with one-time release (O2C-CR-04) ---------------------------------------------


class CreditRule:
    """The credit family's parameters the credit decision needs."""

    def __init__(self, policy: sc.Policy) -> None:
        credit: CreditPolicy = policy.family("credit")
        if set(credit.exposure_categories) != {
            "open_orders",
            "delivered_not_invoiced",
            "open_receivables",
        }:
            raise ValueError("the anchors model a limit over all three exposure categories")
        self.methods = frozenset(credit.credit_methods)
        self.method_values = sorted(m.value for m in credit.credit_methods)
        self.release_role = credit.release_role
        self.approval_role = credit.limit_approval_role
        self.approval_level = credit.limit_approval_level

    def decide(self, txn: Any, ctx: sc.Context) -> str:
        """:func:`plain_credit` as a bound method (called as the gate's ``check`` is)."""
        raise NotImplementedError  # replaced below by plain_credit itself

    def decide_approved(self, txn: Any, ctx: sc.Context) -> str:
        """:func:`plain_credit_approved` as a bound method."""
        raise NotImplementedError  # replaced below


def _approved(txn: Any, ctx: sc.Context, role: str, level: int, amount: Decimal | None) -> bool:
    """An approval on hand for the order, in ``role``, by a holder of it at ``level`` or
    above, neither the keyer nor the order's creator, granted by the transaction's time, not
    expired, covering ``amount`` (the rule of salesctl.approvals, for one sign-off)."""
    order = txn.order
    at = txn.at
    for a in ctx.approvals:
        who = a.approver
        if (
            (a.control_id is None or a.control_id == "O2C-CR-04" or a.control_id == "O2C-PR-03")
            and a.document_id == order.id
            and a.role == role
            and role in who.roles
            and who.authority_level >= level
            and who.id.casefold() != txn.actor.id.casefold()
            and who.id.casefold() != order.created_by.casefold()
            and a.granted_at <= at
            and (a.expires_at is None or at < a.expires_at)
            and (amount is None or a.max_amount is None or amount <= a.max_amount.amount)
        ):
            return True
    return False


def plain_credit(rule: CreditRule, txn: Any, ctx: sc.Context) -> str:
    """O2C-CR-04 as a plain-Python function written for this policy."""
    order = txn.order
    profile = order.customer.credit_profile
    if profile is None or order.payment.method not in rule.methods:
        return "ALLOW"
    exp = ctx.exposure
    if exp is None:
        return "BLOCK"
    total = order.total.amount
    if (
        exp.open_orders.amount
        + exp.delivered_not_invoiced.amount
        + exp.open_receivables.amount
        + total
        <= profile.limit.amount
    ):
        return "ALLOW"
    for r in ctx.releases:
        if r.order_id == order.id:
            if (
                r.id not in ctx.consumed_releases
                and r.granted_at <= txn.at < r.expires_at
                and rule.release_role in r.granted_by.roles
                and r.granted_by.id != order.created_by
                and total <= r.max_amount.amount
            ):
                return "ALLOW"
            break
    return "HOLD"


def plain_credit_approved(rule: CreditRule, txn: Any, ctx: sc.Context) -> str:
    """O2C-CR-04 with the credit role's approval on hand clearing a HOLD (as the gate does)."""
    out = plain_credit(rule, txn, ctx)
    if out == "HOLD" and _approved(
        txn, ctx, rule.approval_role, rule.approval_level, txn.order.total.amount
    ):
        return "ALLOW"
    return out


CreditRule.decide = plain_credit  # type: ignore[method-assign, assignment]
CreditRule.decide_approved = plain_credit_approved  # type: ignore[method-assign, assignment]


def _release(txn: Any, ctx: sc.Context) -> sc.CreditRelease | None:
    order_id = txn.order.id
    for r in ctx.releases:
        if r.order_id == order_id:
            return r
    return None


class CreditZen:
    """O2C-CR-04 as a ZEN decision table (first hit), evaluated by key."""

    def __init__(self, rule: CreditRule) -> None:
        import zen

        methods = ", ".join(f"'{m}'" for m in rule.method_values)
        release_ok = (
            "release != null and release.consumed == false"
            " and release.granted_at <= at and at < release.expires_at"
            f" and contains(release.granter_roles, '{rule.release_role}')"
            " and release.granter != seller and order_total <= release.max_amount"
        )
        jdm = _graph(
            inputs=[
                ("has_profile", "has_profile"),
                ("method", "method"),
                ("has_exposure", "has_exposure"),
                ("within", "open_orders + delivered + receivables + order_total <= limit"),
                ("release_ok", release_ok),
            ],
            rules=[
                ({"has_profile": "false"}, "ALLOW"),
                ({"method": f"not ($ in [{methods}])"}, "ALLOW"),
                ({"has_exposure": "false"}, "BLOCK"),
                ({"within": "true"}, "ALLOW"),
                ({"release_ok": "true"}, "ALLOW"),
                ({}, "HOLD"),
            ],
        )
        self.engine = zen.ZenEngine({"loader": {"type": "static", "content": {"credit": jdm}}})

    def decide(self, txn: Any, ctx: sc.Context) -> str:
        order = txn.order
        profile = order.customer.credit_profile
        exp = ctx.exposure
        r = _release(txn, ctx)
        rel = "null"
        if r is not None:
            roles = json.dumps(sorted(r.granted_by.roles))
            rel = (
                f'{{"consumed": {"true" if r.id in ctx.consumed_releases else "false"},'
                f' "granted_at": {_secs(r.granted_at)}, "expires_at": {_secs(r.expires_at)},'
                f' "granter_roles": {roles}, "granter": "{r.granted_by.id}",'
                f' "max_amount": {r.max_amount.amount}}}'
            )
        doc = (
            f'{{"has_profile": {"false" if profile is None else "true"},'
            f' "method": "{order.payment.method.value}",'
            f' "has_exposure": {"false" if exp is None else "true"},'
            f' "open_orders": {exp.open_orders.amount if exp else 0},'
            f' "delivered": {exp.delivered_not_invoiced.amount if exp else 0},'
            f' "receivables": {exp.open_receivables.amount if exp else 0},'
            f' "order_total": {order.total.amount},'
            f' "limit": {profile.limit.amount if profile else 0},'
            f' "at": {_secs(txn.at)}, "seller": "{order.created_by}", "release": {rel}}}'
        )
        out: str = self.engine.evaluate("credit", doc)["result"]["outcome"]
        return out


class CreditCedar:
    """O2C-CR-04 as Cedar policies: permit = ALLOW, a forbid = BLOCK, neither = HOLD."""

    def __init__(self, rule: CreditRule) -> None:
        import cedarpy

        methods = ", ".join(f'"{m}"' for m in rule.method_values)
        on_credit = f"context.has_profile && [{methods}].contains(context.method)"
        policies = [
            f"permit(principal, action, resource) when {{ !({on_credit}) }};",
            f"forbid(principal, action, resource) when {{ {on_credit} && !context.has_exposure }};",
            "permit(principal, action, resource) when { context.has_exposure &&"
            " context.open_orders + context.delivered + context.receivables + context.order_total"
            " <= context.limit };",
            "permit(principal, action, resource) when { context has release &&"
            " !context.release.consumed &&"
            " context.release.granted_at <= context.at && context.at < context.release.expires_at &&"
            f' context.release.granter_roles.contains("{rule.release_role}") &&'
            " context.release.granter != context.seller &&"
            " context.order_total <= context.release.max_amount };",
        ]
        self.block = "policy1"  # the forbid: its id among the reasons means BLOCK
        self.cedarpy = cedarpy
        self.policies = cedarpy.PolicySet.from_str("\n".join(policies))
        self.entities = cedarpy.Entities.from_json_str("[]")

    def decide(self, txn: Any, ctx: sc.Context) -> str:
        order = txn.order
        profile = order.customer.credit_profile
        exp = ctx.exposure
        context: dict[str, Any] = {
            "has_profile": profile is not None,
            "method": order.payment.method.value,
            "has_exposure": exp is not None,
            "open_orders": _minor(exp.open_orders) if exp else 0,
            "delivered": _minor(exp.delivered_not_invoiced) if exp else 0,
            "receivables": _minor(exp.open_receivables) if exp else 0,
            "order_total": _minor(order.total),
            "limit": _minor(profile.limit) if profile else 0,
            "at": _secs(txn.at),
            "seller": order.created_by,
        }
        r = _release(txn, ctx)
        if r is not None:
            context["release"] = {
                "consumed": r.id in ctx.consumed_releases,
                "granted_at": _secs(r.granted_at),
                "expires_at": _secs(r.expires_at),
                "granter_roles": sorted(r.granted_by.roles),
                "granter": r.granted_by.id,
                "max_amount": _minor(r.max_amount),
            }
        request = {
            "principal": f'Seller::"{txn.actor.id}"',
            "action": 'Action::"PlaceOrder"',
            "resource": f'Order::"{order.id}"',
            "context": context,
        }
        result = self.cedarpy.is_authorized(request, self.policies, self.entities)
        return _cedar_outcome(result, self.block)


# -- price-float authority by seller level (O2C-PR-03) -------------------------------------------


class PriceRule:
    """The price-float tree, flattened: per node (widest first) its role, its range and the
    ranges of the nodes above it; and the root's range."""

    def __init__(self, policy: sc.Policy) -> None:
        pricing: PricingPolicy = policy.family("pricing")
        for n in pricing.authority:
            if (
                n.holders
                or n.org_unit
                or n.products
                or n.max_cut is not None
                or n.max_rise is not None
            ):
                raise ValueError("the anchors model a tree of fractions by role only")
        if pricing.default_node is not None:
            raise ValueError("the anchors model actors without a node escalating to the root")

        def rng(n: Any) -> tuple[Decimal, Decimal]:
            return (n.max_cut_pct or Decimal(0), n.max_rise_pct or Decimal(0))

        root = next(n for n in pricing.authority if n.parent is None)
        self.root = rng(root)
        self.root_role = (root.role, root.level)
        self.nodes: list[tuple[str, tuple[Decimal, Decimal], list[tuple[Decimal, Decimal]]]] = []
        #: per node (same order): the (role, level) of each node above it
        self.above: list[list[tuple[str, int]]] = []
        for n in pricing._by_role:  # node_for's order: widest first
            above = [rng(a) for a in pricing._chains[n.id][1:]]
            self.nodes.append((n.role, rng(n), above))
            self.above.append([(a.role, a.level) for a in pricing._chains[n.id][1:]])

    def decide(self, txn: Any, ctx: sc.Context) -> str:
        """:func:`plain_price` as a bound method (called as the gate's ``check`` is)."""
        raise NotImplementedError  # replaced below by plain_price itself

    def decide_approved(self, txn: Any, ctx: sc.Context) -> str:
        """:func:`plain_price_approved` as a bound method."""
        raise NotImplementedError  # replaced below


def _inside(price: Decimal, master: Decimal, r: tuple[Decimal, Decimal]) -> bool:
    return master - master * r[0] <= price <= master + master * r[1]


def _master(txn: Any, ctx: sc.Context) -> tuple[Any, Decimal | None, Decimal]:
    """The line, its master price (``None``: none usable) and the price judged."""
    order = txn.order
    line = order.lines[0]
    product = line.product
    found = None
    for e in ctx.prices:
        if (
            e.product_id == product.id
            and e.price_class is product.price_class
            and e.valid_on(order.order_date)
            and e.price.currency == order.currency
        ):
            if found is not None and found.price != e.price:
                found = None
                break
            found = e
    lp = line.list_price
    judged = lp if lp is not None and lp.amount > line.unit_price.amount else line.unit_price
    return line, (found.price.amount if found is not None else None), judged.amount


def plain_price(rule: PriceRule, txn: Any, ctx: sc.Context) -> str:
    """O2C-PR-03 on a one-line order as a plain-Python function written for this tree."""
    line, master, price = _master(txn, ctx)
    if line.product.price_class in DOCUMENT_PRICED:
        return "ALLOW"
    if master is None:
        return "BLOCK"
    if price == master:
        return "ALLOW"
    roles = txn.actor.roles
    for role, own, above in rule.nodes:
        if role in roles:
            if _inside(price, master, own):
                return "ALLOW"
            return "HOLD" if any(_inside(price, master, r) for r in above) else "BLOCK"
    return "HOLD" if _inside(price, master, rule.root) else "BLOCK"


def plain_price_approved(rule: PriceRule, txn: Any, ctx: sc.Context) -> str:
    """O2C-PR-03 on a one-line order with the approving node's approval on hand clearing the
    HOLD (as the gate does)."""
    line, master, price = _master(txn, ctx)
    if line.product.price_class in DOCUMENT_PRICED:
        return "ALLOW"
    if master is None:
        return "BLOCK"
    if price == master:
        return "ALLOW"
    roles = txn.actor.roles
    for k, (role, own, above) in enumerate(rule.nodes):
        if role in roles:
            if _inside(price, master, own):
                return "ALLOW"
            for r, (arole, alevel) in zip(above, rule.above[k], strict=True):
                if _inside(price, master, r):
                    total = txn.order.total.amount
                    return "ALLOW" if _approved(txn, ctx, arole, alevel, total) else "HOLD"
            return "BLOCK"
    if not _inside(price, master, rule.root):
        return "BLOCK"
    role, level = rule.root_role
    return "ALLOW" if _approved(txn, ctx, role, level, txn.order.total.amount) else "HOLD"


PriceRule.decide = plain_price  # type: ignore[method-assign, assignment]
PriceRule.decide_approved = plain_price_approved  # type: ignore[method-assign, assignment]


def _zen_range(r: tuple[Decimal, Decimal]) -> str:
    return f"$ >= master - master * {r[0]} and $ <= master + master * {r[1]}"


class PriceZen:
    """O2C-PR-03 as a ZEN decision table (first hit) generated from the tree."""

    def __init__(self, rule: PriceRule) -> None:
        import zen

        rules: list[tuple[dict[str, str], str]] = [
            ({"has_master": "false"}, "BLOCK"),
            ({"price": "$ == master"}, "ALLOW"),
        ]
        for role, own, above in rule.nodes:
            holds = f"contains($, '{role}')"
            rules.append(({"roles": holds, "price": _zen_range(own)}, "ALLOW"))
            rules.extend(({"roles": holds, "price": _zen_range(r)}, "HOLD") for r in above)
            rules.append(({"roles": holds}, "BLOCK"))
        rules.append(({"price": _zen_range(rule.root)}, "HOLD"))
        rules.append(({}, "BLOCK"))
        jdm = _graph(
            inputs=[("has_master", "has_master"), ("roles", "roles"), ("price", "price")],
            rules=rules,
        )
        self.engine = zen.ZenEngine({"loader": {"type": "static", "content": {"price": jdm}}})

    def decide(self, txn: Any, ctx: sc.Context) -> str:
        line, master, price = _master(txn, ctx)
        if line.product.price_class in DOCUMENT_PRICED:
            return "ALLOW"
        doc = (
            f'{{"has_master": {"false" if master is None else "true"},'
            f' "master": {master if master is not None else 0}, "price": {price},'
            f' "roles": {json.dumps(sorted(txn.actor.roles))}}}'
        )
        out: str = self.engine.evaluate("price", doc)["result"]["outcome"]
        return out


def _bp(x: Decimal) -> int:
    bp = x * 10000
    if bp != bp.to_integral_value():
        raise ValueError(f"the Cedar model needs ranges in whole basis points, not {x}")
    return int(bp)


def _cedar_inside(r: tuple[Decimal, Decimal]) -> str:
    lo, hi = 10000 - _bp(r[0]), 10000 + _bp(r[1])
    return (
        f"context.price * 10000 >= context.master * {lo} &&"
        f" context.price * 10000 <= context.master * {hi}"
    )


class PriceCedar:
    """O2C-PR-03 as Cedar policies (amounts in minor units, ranges in basis points): a permit
    for the master price and one per node for its own range (the widest node the seller
    holds); forbids for no master price and for a price outside the root's range."""

    def __init__(self, rule: PriceRule) -> None:
        import cedarpy

        policies = [
            "forbid(principal, action, resource) when { !context.has_master };",
            "forbid(principal, action, resource) when { context.has_master &&"
            f" !({_cedar_inside(rule.root)}) }};",
            "permit(principal, action, resource) when"
            " { context.has_master && context.price == context.master };",
        ]
        wider: list[str] = []
        for role, own, _ in rule.nodes:
            listed = ", ".join(f'"{w}"' for w in wider)
            not_wider = f" && !context.roles.containsAny([{listed}])" if wider else ""
            policies.append(
                "permit(principal, action, resource) when { context.has_master &&"
                f' context.roles.contains("{role}"){not_wider} && {_cedar_inside(own)} }};'
            )
            wider.append(role)
        self.block = {"policy0", "policy1"}
        self.cedarpy = cedarpy
        self.policies = cedarpy.PolicySet.from_str("\n".join(policies))
        self.entities = cedarpy.Entities.from_json_str("[]")

    def decide(self, txn: Any, ctx: sc.Context) -> str:
        line, master, price = _master(txn, ctx)
        if line.product.price_class in DOCUMENT_PRICED:
            return "ALLOW"
        scale = CURRENCIES[txn.order.currency]
        request = {
            "principal": f'Seller::"{txn.actor.id}"',
            "action": 'Action::"PlaceOrder"',
            "resource": f'Order::"{txn.order.id}"',
            "context": {
                "has_master": master is not None,
                "master": int(master.scaleb(scale)) if master is not None else 0,
                "price": int(price.scaleb(scale)),
                "roles": sorted(txn.actor.roles),
            },
        }
        result = self.cedarpy.is_authorized(request, self.policies, self.entities)
        return _cedar_outcome(result, self.block)


# -- shared ------------------------------------------------------------------------------------


def _cedar_outcome(result: Any, block: str | set[str]) -> str:
    if result.allowed:
        return "ALLOW"
    reasons = set(result.diagnostics.reasons)
    if result.diagnostics.errors:
        raise RuntimeError(f"cedar: {result.diagnostics.errors}")
    hit = reasons & ({block} if isinstance(block, str) else block)
    return "BLOCK" if hit else "HOLD"


def _graph(
    inputs: list[tuple[str, str]], rules: list[tuple[dict[str, str], str]]
) -> dict[str, Any]:
    """A ZEN decision graph: input → one first-hit decision table → output."""
    cols = [{"id": f"c{i}", "name": name, "field": field} for i, (name, field) in enumerate(inputs)]
    by_name = {name: f"c{i}" for i, (name, _) in enumerate(inputs)}
    rows = []
    for k, (cells, outcome) in enumerate(rules):
        row = {"_id": f"r{k}", "o": f"'{outcome}'"}
        for name, col in by_name.items():
            row[col] = cells.get(name, "")
        rows.append(row)
    pos = {"x": 0, "y": 0}
    return {
        "nodes": [
            {"id": "in", "type": "inputNode", "name": "request", "position": pos},
            {
                "id": "table",
                "type": "decisionTableNode",
                "name": "rule",
                "position": pos,
                "content": {
                    "hitPolicy": "first",
                    "inputs": cols,
                    "outputs": [{"id": "o", "name": "outcome", "field": "outcome"}],
                    "rules": rows,
                },
            },
            {"id": "out", "type": "outputNode", "name": "response", "position": pos},
        ],
        "edges": [
            {"id": "e1", "sourceId": "in", "targetId": "table", "type": "edge"},
            {"id": "e2", "sourceId": "table", "targetId": "out", "type": "edge"},
        ],
    }
