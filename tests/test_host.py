"""salesctl.host: ask (parse, complete from the journal, check, journal, consume) and the plan
that keeps a host's approval requests in line with each decision."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path

import attrs
import hypothesis.strategies as st
import pytest
from hypothesis import given, settings

import salesctl as sc
from salesctl.decision import ApprovalRequirement
from salesctl.host import Asked, RequestPlan, Route, ask, plan_requests

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples" / "transactions"


@pytest.fixture(scope="module")
def gate() -> sc.Gate:
    return sc.Gate(sc.load_policy(ROOT / "examples" / "policy.toml"))


@pytest.fixture
def journal(tmp_path: Path) -> Iterator[sc.Journal]:
    with sc.Journal(tmp_path / "journal.db") as j:
        yield j


def data(name: str) -> tuple[dict[str, object], dict[str, object]]:
    d = json.loads((EXAMPLES / name).read_text(encoding="utf-8"))
    return d["transaction"], d["context"]


def test_ask_from_json_journals_and_routes(gate: sc.Gate, journal: sc.Journal) -> None:
    txn, ctx = data("hold-credit-over-limit.json")
    del ctx["as_of"]  # the helper fills in the business date
    asked = ask(gate, journal, txn, ctx)
    assert isinstance(asked, Asked)
    assert asked.route is Route.WAIT
    assert asked.context.as_of.isoformat() == "2026-03-02"
    (entry,) = journal.decisions()
    assert entry.seq == asked.entry.seq  # type: ignore[union-attr]
    assert entry.record["decision"] == asked.decision.to_dict()
    assert "O2C-CR-04" in asked.explain("en")


@pytest.mark.parametrize(
    ("name", "route"),
    [
        ("allow-credit-within-limit.json", Route.PROCEED),
        ("hold-credit-over-limit.json", Route.WAIT),
        ("block-credit-new-customer-on-credit.json", Route.REFUSE),
    ],
)
def test_route_follows_the_outcome(
    gate: sc.Gate, journal: sc.Journal, name: str, route: Route
) -> None:
    assert ask(gate, journal, *data(name)).route is route
    assert ask(gate, None, *data(name)).route is route  # without a journal: the same decision


def test_the_journal_completes_the_context(gate: sc.Gate, journal: sc.Journal) -> None:
    txn, ctx = data("hold-credit-over-limit.json")
    held = ask(gate, journal, txn, ctx)
    (req,) = held.decision.required_approvals
    journal.add_approval(
        sc.Approval(
            id="APR-CM-1",
            document_id=req.document_id,
            role=req.role,
            approver=sc.Actor(id="u-cm", roles=frozenset({"credit_manager"}), authority_level=3),
            granted_at=held.txn.at.replace(hour=9),
        )
    )
    again = ask(gate, journal, txn, ctx)  # the host's context does not hold the approval
    assert again.route is Route.PROCEED
    assert [a.id for a in again.context.approvals][-1] == "APR-CM-1"
    assert [e.record["decision"]["outcome"] for e in journal.decisions()] == ["HOLD", "ALLOW"]


def test_a_release_is_consumed_once(gate: sc.Gate, journal: sc.Journal) -> None:
    txn, ctx = data("allow-credit-over-limit-with-release.json")
    first = ask(gate, journal, txn, ctx)
    assert first.route is Route.PROCEED
    assert [c.release_id for c in first.consumed] == ["REL-2026-007"]
    assert journal.consumption("REL-2026-007") is not None
    second = ask(gate, journal, txn, ctx)  # the same release again: used, so held
    assert second.route is Route.WAIT
    assert "REL-2026-007" in second.context.consumed_releases
    assert second.consumed == ()


def test_no_consumption_when_asked_not_to(gate: sc.Gate, journal: sc.Journal) -> None:
    txn, ctx = data("allow-credit-over-limit-with-release.json")
    asked = ask(gate, journal, txn, ctx, consume_releases=False)
    assert asked.route is Route.PROCEED
    assert asked.consumed == ()
    assert journal.consumption("REL-2026-007") is None


def test_bad_host_data_fails_closed_with_the_field_path(gate: sc.Gate, journal: sc.Journal) -> None:
    txn, ctx = data("allow-credit-within-limit.json")
    with pytest.raises(sc.InvalidInput) as raised:
        ask(gate, journal, txn, {**ctx, "exposure": {**ctx["exposure"], "open_orders": 1.5}})  # type: ignore[dict-item]
    assert raised.value.path.startswith("context.exposure")
    with pytest.raises(sc.InvalidInput):
        ask(gate, journal, "PlaceOrder", ctx)  # type: ignore[arg-type]
    with pytest.raises(sc.InvalidInput):
        ask("gate", journal, txn, ctx)  # type: ignore[arg-type]
    assert list(journal.decisions()) == []  # nothing decided, nothing journaled


def test_a_wrong_business_date_is_refused(gate: sc.Gate, journal: sc.Journal) -> None:
    txn, ctx = data("allow-credit-within-limit.json")
    with pytest.raises(sc.InvalidInput):
        ask(gate, None, txn, {**ctx, "as_of": "2026-03-01"})


# -- plan_requests -----------------------------------------------------------------------


def req(**kw: object) -> ApprovalRequirement:
    base: dict[str, object] = {
        "control_id": "O2C-CR-04",
        "role": "credit_manager",
        "min_level": 3,
        "document_id": "SO-1",
        "amount": "60000.00 CNY",
        "excluded": ("rep",),
    }
    return ApprovalRequirement(**{**base, **kw})  # type: ignore[arg-type]


def test_key_is_stable_and_names_what_the_request_shows() -> None:
    assert req().key == "SO-1|O2C-CR-04|credit_manager|L3|S0|60000.00 CNY|rep"
    assert req().key == req(reason="other.message").key
    for change in (
        {"amount": "70000.00 CNY"},
        {"min_level": 4},
        {"step": 1},
        {"excluded": ("rep", "mgr")},
        {"role": "sales_manager"},
        {"document_id": "SO-2"},
    ):
        assert req(**change).key != req().key


def test_plan_opens_keeps_and_closes(gate: sc.Gate) -> None:
    txn, ctx = data("hold-credit-over-limit.json")
    held = ask(gate, None, txn, ctx).decision
    (needed,) = held.required_approvals
    plan = plan_requests(held, ["stale"])
    assert plan == RequestPlan(open=(needed,), keep=(), close=("stale",))
    plan = plan_requests(held, [needed.key])
    assert plan == RequestPlan(open=(), keep=(needed.key,), close=())
    allowed = ask(gate, None, *data("allow-credit-within-limit.json")).decision
    assert plan_requests(allowed, [needed.key]) == RequestPlan(close=(needed.key,))
    with pytest.raises(sc.InvalidInput):
        plan_requests(held, [1])  # type: ignore[list-item]
    for blank in ("", " ", "\t"):  # refused naming the host's list, not the plan's fields
        with pytest.raises(sc.InvalidInput) as err:
            plan_requests(held, ["stale", blank])
        assert err.value.path == "pending[1]"


@settings(max_examples=60, deadline=None)
@given(
    amounts=st.lists(st.integers(1, 10**6), min_size=1, max_size=4),
    stale=st.lists(st.text(min_size=1, max_size=8).filter(str.strip), max_size=4),
)
def test_attacker_cannot_keep_a_stale_request(amounts: list[int], stale: list[str]) -> None:
    """Hypothesis: a pending request survives only if the decision asks exactly for it — a
    request opened for a smaller amount (or any other key) is closed, never kept."""
    wanted = tuple(req(amount=f"{a}.00 CNY") for a in amounts)
    decision = sc.Decision(
        transaction="PlaceOrder",
        document_id="SO-1",
        outcome=sc.Outcome.HOLD,
        at=dt.datetime(2026, 3, 2, 10, tzinfo=dt.UTC),
        findings=(
            sc.Finding(
                control_id="O2C-CR-04",
                outcome=sc.Outcome.HOLD,
                message="credit.over_limit",
                required=wanted,
            ),
        ),
    )
    pending = [*stale, req(amount="0.01 CNY").key]
    plan = plan_requests(decision, pending)
    keys = {r.key for r in wanted}
    assert set(plan.keep) <= keys
    assert set(plan.close) == set(pending) - keys
    assert {r.key for r in plan.open} | set(plan.keep) == keys
    assert attrs.evolve(plan) == plan


def test_module_doctest_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    import doctest

    import salesctl.host

    monkeypatch.chdir(ROOT)
    assert doctest.testmod(salesctl.host).failed == 0
