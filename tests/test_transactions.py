"""Reading transactions and contexts from JSON: strict, with field paths."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

import salesctl as sc
from tests import builders as b

SAMPLE = sc.transaction_to_dict(b.place())


def _mutate(path: list[Any], value: Any) -> dict[str, Any]:
    data = copy.deepcopy(SAMPLE)
    cur = data
    for p in path[:-1]:
        cur = cur[p]
    if value is KeyError:
        del cur[path[-1]]
    else:
        cur[path[-1]] = value
    return data


def test_round_trip() -> None:
    """transaction_to_dict → JSON → parse_transaction gives the same transaction."""
    assert sc.parse_transaction(json.loads(json.dumps(SAMPLE))) == b.place()


@pytest.mark.parametrize(
    ("path", "value", "err_path", "exc"),
    [
        (["order", "lines", 0, "quantity"], 1.5, "order.lines[0].quantity", sc.InvalidInput),
        (["order", "lines", 0, "quantity"], "-1", "order.lines[0].quantity", sc.InvalidInput),
        (["order", "lines", 0, "unit_price"], "10.00 XYZ", "order.lines[0].unit_price", sc.InvalidInput),
        (["order", "lines", 0, "unit_price"], {"amount": 10.5, "currency": "CNY"}, "order.lines[0].unit_price.amount", sc.InvalidInput),
        (["order", "customer", "id"], KeyError, "order.customer.id", sc.InvalidInput),
        (["order", "payment", "method"], "barter", "order.payment.method", sc.InvalidInput),
        (["at"], "2026-03-02T10:15:00", "at", sc.InvalidInput),
        (["order", "order_date"], "02/03/2026", "order.order_date", sc.InvalidInput),
        (["order", "surprise"], 1, "order.surprise", sc.InvalidInput),
        (["type"], "Teleport", "type", sc.UnknownTransaction),
        (["type"], KeyError, "type", sc.InvalidInput),
        (["actor", "roles"], "sales_rep", "actor.roles", sc.InvalidInput),
    ],
)
def test_bad_fields_raise_with_path(path: list[Any], value: Any, err_path: str, exc: type[Exception]) -> None:
    """Each malformed field raises the documented error naming its path."""
    with pytest.raises(exc) as e:
        sc.parse_transaction(_mutate(path, value))
    assert isinstance(e.value, sc.SalesctlError)
    assert e.value.path == err_path


def test_context_from_dict_paths() -> None:
    """Context.from_dict names the path of a bad field."""
    data = b.context().to_dict()
    assert sc.Context.from_dict(data) == b.context()
    data["exposure"]["open_orders"] = "-5.00 CNY"
    with pytest.raises(sc.InvalidInput) as e:
        sc.Context.from_dict(data)
    assert e.value.path == "context.exposure.open_orders"


def test_examples_parse(tmp_path: Path) -> None:
    """Every example file's context and transaction parse."""
    from salesctl.cli import read_check_file

    for f in (Path(__file__).parent.parent / "examples" / "transactions").glob("*.json"):
        txn, ctx = read_check_file(f)
        assert isinstance(txn, sc.Transaction) and isinstance(ctx, sc.Context)
