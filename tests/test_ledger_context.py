"""The ledger's trusted Context builder yields exactly what the validated constructor yields.

:meth:`Ledger.context_for` sets the fields of each context directly, without running the
validators and converters again (:func:`salesctl.ledger.context.trusted_context`). Over the
replay of a generated year, every context it builds must equal its validated copy
(``attrs.evolve`` runs the constructor) field by field, with the same type in every field: a
mapping left a ``dict`` would still compare equal to its ``FrozenMap``, so types are compared
too.

Issue 16 (fifteenth pass): :meth:`Ledger.context_for` gathers each part only when the scope
names something for it and shares the contract fields of one contract; its previous body is
kept below (``_reference_context_for``) and every context must equal the one it builds, over
the year and for any scope drawn from the ids the ledger holds (hypothesis).
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import salesctl as sc
from salesctl._validators import FrozenMap, person_key
from salesctl.audit import replay
from salesctl.context import Context
from salesctl.demo import DEMO_POLICY, generate
from salesctl.events import (
    GrantRelease,
    IssuePickupOrder,
    LoadICCard,
    SettleConsignment,
    event_to_dict,
)
from salesctl.ledger import Ledger
from salesctl.ledger.context import advance_view, business_date, contract_account, trusted_context
from salesctl.ledger.scope import Scope, scope_of
from salesctl.ledger.state import ZERO, by_id
from salesctl.model import (
    Approval,
    CreditRelease,
    ICCard,
    PickupOrder,
    PriceEntry,
    SalesOrder,
    StockLot,
)
from salesctl.money import Money
from salesctl.policy import loads_policy
from tests import builders as b

_FIELDS = [a for a in attrs.fields(Context) if a.init]


def _default(a: attrs.Attribute[Any]) -> Any:
    d = a.default
    return d.factory() if isinstance(d, attrs.Factory) else d  # type: ignore[arg-type]


def _tail(start: dt.datetime) -> list[str]:
    """A few events after the year for the context fields the demo year never fills
    (commissions paid on a contract, consignment settlements, a release consumed)."""
    k = b.sales_contract(id="CT-TAIL", customer_id="C-TAIL", status=sc.ContractStatus.SIGNED)
    claim = b.commission_claim(id="TC-TAIL", contract_id="CT-TAIL")
    cons = sc.ConsignmentSettlement(
        id="CS-TAIL",
        customer_id="C-TAIL",
        period_end=start.date(),
        opening=b.cny("5000"),
        counted=b.cny("3000"),
        confirmed=True,
    )
    o = b.order(id="SO-TAIL-1", seq=1, series="SO-TAIL", cust=b.customer("C-TAIL"))
    o = attrs.evolve(o, contract_id="CT-TAIL")
    rel = sc.CreditRelease(
        id="REL-TAIL",
        order_id=o.id,
        max_amount=b.cny("50000"),
        granted_by=b.MAINTAINER,
        granted_at=start,
        expires_at=start + dt.timedelta(days=30),
    )
    at = [start + dt.timedelta(hours=h) for h in range(8)]
    events: list[Any] = [
        sc.SignContract(contract=k, actor=b.REP, at=at[0]),
        sc.PayCommission(claim=claim, actor=b.actor("u-fin"), at=at[1]),
        SettleConsignment(settlement=cons, at=at[2]),
        GrantRelease(release=rel, customer_id="C-TAIL", at=at[3]),
        sc.PlaceOrder(order=o, actor=b.REP, at=at[4]),
        sc.ReleaseOrder(order=o, release_id="REL-TAIL", actor=b.MAINTAINER, at=at[5]),
        sc.ReleaseOrder(order=o, release_id="REL-TAIL", actor=b.MAINTAINER, at=at[6]),
    ]
    # Issue 14: a pickup order used twice (the second context holds it, consumed) and an IC
    # card (O2C-DL-07).
    po = PickupOrder(
        id="TH-TAIL",
        customer_id="C-TAIL",
        product_id="P-PE-01",
        quantity=Decimal("10"),
        valid_until=start.date() + dt.timedelta(days=5),
        issued_on=start.date(),
    )
    card = ICCard(id="IC-TAIL", customer_id="C-TAIL", balance=b.cny("50000"))
    then = [start + dt.timedelta(hours=h) for h in range(8, 12)]
    gis = [
        b.goods_issue(id=f"GI-TAIL-{i}", order_id=o.id, customer_id="C-TAIL", **kw)
        for i, kw in enumerate(
            ({"pickup_order_id": "TH-TAIL"}, {"pickup_order_id": "th-tail"}, {"ic_card_id": "IC-TAIL"})
        )
    ]
    events += [
        IssuePickupOrder(pickup_order=po, at=then[0]),
        LoadICCard(card=card, at=then[0]),
        *(sc.PostGoodsIssue(goods_issue=g, order=o, actor=b.WAREHOUSE, at=t) for g, t in zip(gis, then[1:], strict=True)),
    ]
    return [json.dumps(event_to_dict(e), ensure_ascii=False) for e in events]


def _at(line: str) -> dt.datetime:
    """The time of an event line (a planted malformed line counts as the earliest)."""
    try:
        return dt.datetime.fromisoformat(json.loads(line)["at"])
    except (ValueError, KeyError, TypeError):
        return dt.datetime.min.replace(tzinfo=dt.UTC)


@pytest.fixture(scope="module")
def contexts() -> list[Context]:
    """Every context the ledger built while the gate decided a generated year (and a short
    tail after it)."""
    year = generate(seed=7, customers=12, orders=80)
    lines = list(year.lines())
    last = max(_at(x) for x in lines)
    built: list[Context] = []
    original = Ledger.context_for

    def recording(self: Ledger, txn: Any, scope: Any = None) -> Context:
        ctx = original(self, txn, scope)
        built.append(ctx)
        return ctx

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(Ledger, "context_for", recording)
        replay(lines + _tail(last + dt.timedelta(days=1)), loads_policy(DEMO_POLICY))
    return built


def test_the_year_exercises_every_field_the_ledger_gives(contexts: list[Context]) -> None:
    """The replay built many contexts, and between them every field took a value other than
    its default (so every conversion the builder makes is exercised)."""
    assert len(contexts) > 500
    given = {a.name for ctx in contexts for a in _FIELDS if getattr(ctx, a.name) != _default(a)}
    assert given == {a.name for a in _FIELDS}


def test_every_context_equals_its_validated_copy(contexts: list[Context]) -> None:
    """``attrs.evolve(ctx) == ctx``, the same type in every field, and the same hash."""
    for n, ctx in enumerate(contexts):
        checked = attrs.evolve(ctx)
        assert checked == ctx, n
        for a in _FIELDS:
            mine, theirs = getattr(ctx, a.name), getattr(checked, a.name)
            assert type(mine) is type(theirs), (n, a.name, type(mine), type(theirs))
        assert hash(checked) == hash(ctx), n


# -- Ledger.context_for against the body it had before issue 16's pass ------------------------


def _reference_centrally_sold(led: Any, gi: Any, kw: dict[str, Any]) -> None:
    """``Ledger._centrally_sold`` as it was before issue 16's pass."""
    pid = gi.pickup_order_id
    if pid is not None:
        key = person_key(pid)
        po = led.pickup_orders.get(key)
        if po is not None:
            kw["pickup_orders"] = (po,)
        if key in led._used_pickups:
            kw["consumed_pickup_orders"] = frozenset({po.id if po is not None else pid})
    cid = gi.ic_card_id
    if cid is not None:
        card = led.ic_cards.get(person_key(cid))
        if card is not None:
            kw["ic_cards"] = (card,)


def _reference_context_for(led: Any, txn: Any, scope: Any = None) -> Context:
    """``Ledger.context_for`` as it was before issue 16's pass (every part gathered whether or
    not the scope names anything for it): the reference the faster body must equal."""
    s = scope if scope is not None else scope_of(txn)
    today = business_date(txn.at, led.zone)  # the business date, as the gate has it
    cust_id = led.customer_of(txn, s)
    cust = led._customers.get(cust_id) if cust_id is not None else None
    kw: dict[str, Any] = {"as_of": today}
    # Exposure is in the currency of the customer's limit.
    currency = None
    order = getattr(txn, "order", None)
    prof = None
    if isinstance(order, SalesOrder):
        prof = order.customer.credit_profile
        currency = order.currency
    if prof is None and cust is not None:
        prof = cust.profile
    if prof is not None:
        currency = prof.limit.currency
    if currency is None:
        currency = s.currency
    if cust_id is not None and currency is not None:
        kw["exposure"] = led.exposure(cust_id, currency)
        if isinstance(order, SalesOrder) and (
            order.company is not None or order.customer.group_id is not None
        ):
            led._group_credit(kw, cust_id, order, currency)
    approvals: list[Approval] = []
    for d in s.document_ids:  # as approvals_of, without a call per document
        got = led._approvals.get(d)
        if got:
            approvals.extend(led._cold.thaw(got, d) if isinstance(got, str) else got)
    if approvals:
        kw["approvals"] = tuple(approvals)
    releases: list[CreditRelease] = []
    for oid in s.order_ids:
        releases.extend(led._releases.get(oid, ()))
    if releases:
        kw["releases"] = tuple(releases)
        used = frozenset(r.id for r in releases if r.id in led._consumed)
        if used:
            kw["consumed_releases"] = used
    if isinstance(order, SalesOrder) and order.series in led.last_numbers:
        kw["last_numbers"] = {order.series: led.last_numbers[order.series]}
    if led.fx_rates:
        if led._fx_view is None:
            led._fx_view = FrozenMap(led.fx_rates)
        kw["fx_rates"] = led._fx_view
    prices: list[PriceEntry] = []
    lots: list[StockLot] = []
    for p in s.product_ids:
        prices.extend(led.prices.get(p, ()))
        lots.extend(led.stock.get(p, {}).values())
    if prices:
        kw["prices"] = tuple(prices)
    if lots:
        kw["stock_lots"] = tuple(lots)
    gi = getattr(txn, "goods_issue", None)
    if gi is not None:
        _reference_centrally_sold(led, gi, kw)
    if led.sales_policies:
        if led._sales_policies_view is None:
            led._sales_policies_view = frozenset(led.sales_policies)
        kw["sales_policies"] = led._sales_policies_view
    held_forms = led._forms
    forms: dict[str, Any] = {}
    for d in s.document_ids:
        form = held_forms.get(d)
        if form is not None:
            forms[form.id] = form
    if forms:
        kw["business_approval_forms"] = tuple(forms.values())
    if cust is not None:
        if cust.concessions:
            kw["concession_history"] = tuple(cust.concessions)
        if cust.consignment_settlements:
            kw["consignment_settlements"] = tuple(cust.consignment_settlements)
        # The advance balance is always stated (zero included) in the currency of the
        # transaction's amounts.
        cur = s.currency or currency
        if cur is not None:
            kw["advance_receipts"] = advance_view(cust.id, cust.advance.get(cur, ZERO), cur)
    held = led._approved
    approved = [d for d in s.document_ids if d in held]
    notices: list[Any] = []
    gis: list[Any] = []
    invoices: list[Any] = []
    settlements: list[Any] = []
    proofs: list[Any] = []
    orders: dict[str, Any] = {}
    for oid in s.order_ids:
        st = led._orders.get(oid)
        if st is None:
            continue
        orders[oid] = st.order
        notices.extend(st.delivery_notices)
        gis.extend(st.goods_issues)
        invoices.extend(st.invoices)
        settlements.extend(st.settlements)
        proofs.extend(st.delivery_proofs)
        for n in st.delivery_notices:
            if n.id in held:
                approved.append(n.id)
    entries: dict[str, Any] = {}
    if s.goods_issue_ids:
        have = {g.id for g in gis}
        for gid in s.goods_issue_ids:
            gid_order = led._gi_order.get(gid)
            gst = led._orders.get(gid_order) if gid_order else None
            if gst is None:
                continue
            g = by_id(gst.goods_issues, gid)
            if g is not None and gid not in have:
                gis.append(g)
                have.add(gid)
                proofs.extend(x for x in gst.delivery_proofs if x.goods_issue_id == gid)
            orders.setdefault(gst.order.id, gst.order)
            for e in gst.revenue_entries:
                if gid in e.goods_issue_ids:
                    entries.setdefault(e.id, e)
    if approved:
        kw["approved_documents"] = frozenset(approved)
    if orders:
        kw["orders"] = tuple(orders.values())
    if entries:
        kw["revenue_entries"] = tuple(entries.values())
    if notices:
        kw["delivery_notices"] = tuple(notices)
    if gis:
        kw["goods_issues"] = tuple(gis)
    if invoices:
        kw["invoices"] = tuple(invoices)
    if settlements:
        kw["settlements"] = tuple(settlements)
    if proofs:
        kw["delivery_proofs"] = tuple(proofs)
    # The contracts the event names, and those of its orders (an invoice that leaves out
    # its contract id is still on its order's contract: O2C-BL-03).
    cids = dict.fromkeys(s.contract_ids)
    for o in orders.values():
        for c in (o.contract_id, led.order_contracts.get(o.id)):
            if c is not None:
                cids.setdefault(c, None)
    contracts = [k for c in cids if (k := led.contract_state(c)) is not None]
    if contracts:
        kw["contracts"] = tuple(c.contract for c in contracts)
        kw["contract_accounts"] = {c.contract.id: contract_account(c) for c in contracts}
        paid = {
            c.contract.id: Money(c.commissions_paid, c.contract.amount.currency)
            for c in contracts
            if c.commissions_paid
        }
        if paid:
            kw["commissions_paid"] = paid
    return trusted_context(kw)


def _same(mine: Context, ref: Context) -> bool:
    """Equal, and of the same type in every field (a ``dict`` left where the reference has a
    ``FrozenMap`` would still compare equal)."""
    return mine == ref and all(
        type(getattr(mine, a.name)) is type(getattr(ref, a.name)) for a in _FIELDS
    )


@pytest.fixture(scope="module")
def replayed() -> tuple[Ledger, list[tuple[Any, Any]], list[tuple[Context, Context]]]:
    """The year (and tail) replayed with both bodies: the ledger at the end, every transaction
    decided with its scope, and each context the reference built beside the one built now."""
    year = generate(seed=7, customers=12, orders=80)
    lines = list(year.lines())
    last = max(_at(x) for x in lines)
    original = Ledger.context_for
    seen: list[tuple[Any, Any]] = []
    pairs: list[tuple[Context, Context]] = []
    ledgers: list[Ledger] = []

    def both(self: Ledger, txn: Any, scope: Any = None) -> Context:
        ref = _reference_context_for(self, txn, scope)
        ctx = original(self, txn, scope)
        seen.append((txn, scope))
        pairs.append((ctx, ref))
        if not ledgers:
            ledgers.append(self)
        return ctx

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(Ledger, "context_for", both)
        replay(lines + _tail(last + dt.timedelta(days=1)), loads_policy(DEMO_POLICY))
    return ledgers[0], seen, pairs


def test_context_for_equals_its_reference_over_a_year(
    replayed: tuple[Ledger, list[tuple[Any, Any]], list[tuple[Context, Context]]],
) -> None:
    """Every context of the year equals the one the reference body builds (issue 16: parts
    gathered only when the scope names something for them, one pass over the documents)."""
    pairs = replayed[2]
    assert len(pairs) > 500
    for n, (mine, ref) in enumerate(pairs):
        assert _same(mine, ref), n


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_context_for_equals_its_reference_for_any_scope(
    replayed: tuple[Ledger, list[tuple[Any, Any]], list[tuple[Context, Context]]],
    data: st.DataObject,
) -> None:
    """For a transaction of the year and any scope drawn from the ids the ledger holds at the
    end (with unknown ones), the context equals the reference body's."""
    led, seen, _ = replayed
    txn, _scope = data.draw(st.sampled_from(seen))

    def some(ids: Any) -> Any:
        pool = sorted({*ids, "X-UNKNOWN"})
        return st.lists(st.sampled_from(pool), max_size=4, unique=True)

    scope = Scope(
        customer_id=data.draw(st.sampled_from([None, *sorted(c.id for c in led.customers())][:8])),
        order_ids=data.draw(some(led._orders)),
        contract_ids=data.draw(some(led.contracts)),
        document_ids=data.draw(some([*led._approvals, *led._forms, *led._approved, *led._orders])),
        product_ids=data.draw(some([*led.prices, *led.stock])),
        goods_issue_ids=data.draw(some(led._gi_order)),
        currency=data.draw(st.sampled_from([None, "CNY", "USD"])),
    )
    ref = _reference_context_for(led, txn, scope)
    assert _same(led.context_for(txn, scope), ref)
