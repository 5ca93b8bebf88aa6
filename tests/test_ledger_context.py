"""The ledger's trusted Context builder yields exactly what the validated constructor yields.

:meth:`Ledger.context_for` sets the fields of each context directly, without running the
validators and converters again (:func:`salesctl.ledger.context.trusted_context`). Over the
replay of a generated year, every context it builds must equal its validated copy
(``attrs.evolve`` runs the constructor) field by field, with the same type in every field: a
mapping left a ``dict`` would still compare equal to its ``FrozenMap``, so types are compared
too.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any

import attrs
import pytest

import salesctl as sc
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
from salesctl.model import ICCard, PickupOrder
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
