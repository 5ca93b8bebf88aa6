"""The event stream: reading JSON Lines line by line, typed errors per line, the JSON Schema."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from attrs import frozen
from hypothesis import given, settings
from hypothesis import strategies as st

import salesctl as sc
from salesctl.demo import generate
from salesctl.errors import InvalidInput, UnknownTransaction
from salesctl.events import (
    RECORD_TYPES,
    GrantApproval,
    MalformedEvent,
    Record,
    SetExchangeRate,
    event_schema,
    event_to_dict,
    event_types,
    format_reference,
    parse_event,
    read_events,
    register_record,
)
from salesctl.events.reader import _fast_parse
from tests import builders as b

DOCS = Path(__file__).resolve().parent.parent / "docs"


@pytest.fixture(scope="module")
def demo_events() -> list[dict[str, Any]]:
    demo = generate(seed=11, customers=12, orders=80)
    return [e for e in demo.events if isinstance(e, dict)]


def _line(event: Any) -> str:
    return json.dumps(event_to_dict(event))


class TestParseEvent:
    def test_transactions_and_records_round_trip(self, demo_events: list[dict[str, Any]]) -> None:
        """Every event of a generated year reads back to the same JSON."""
        kinds = set()
        for data in demo_events:
            event = parse_event(data)
            kinds.add(type(event).__name__)
            assert event_to_dict(event) == data
        assert {"PlaceOrder", "GrantApproval", "PublishPrice", "IssueInvoice"} <= kinds

    def test_fast_reader_equals_generic_reader(self, demo_events: list[dict[str, Any]]) -> None:
        """The compiled reader builds exactly what the generic reader builds."""
        for data in demo_events:
            assert _fast_parse(data) == parse_event(data)

    def test_unknown_type_names_the_field(self) -> None:
        """An unknown ``type`` is an UnknownTransaction at path ``type``."""
        with pytest.raises(UnknownTransaction) as e:
            parse_event({"type": "PlaceOrdr", "at": "2026-01-01T00:00:00+08:00"})
        assert e.value.path == "type"

    def test_record_validation_names_the_field(self) -> None:
        """A record's own validator reports its field path."""
        with pytest.raises(InvalidInput) as e:
            parse_event({"type": "SetExchangeRate", "at": "2026-01-01T00:00:00+08:00",
                         "pair": "USDCNY", "rate": "7.1"})
        assert e.value.path == "pair"

    def test_event_types_lists_transactions_then_records(self) -> None:
        """Every transaction and record type is an event type, transactions first."""
        names = list(event_types())
        assert set(names) == set(sc.TRANSACTION_TYPES) | set(RECORD_TYPES)
        assert names.index("PlaceOrder") < names.index("GrantApproval")

    def test_record_names_cannot_clash(self) -> None:
        """Registering a record under a taken name is refused."""
        @frozen
        class PlaceOrder(Record):  # the name of a transaction
            pass

        with pytest.raises(InvalidInput):
            register_record(PlaceOrder)
        assert RECORD_TYPES.get("PlaceOrder") is None

    def test_routing_customer(self) -> None:
        """Records name the customer they belong to when they know it."""
        rec = GrantApproval(at=b.AT, approval=b.approval(), customer_id="C-1")
        assert rec.routing_customer == "C-1"
        rate = SetExchangeRate(at=b.AT, pair="USD/CNY", rate="7.10")  # type: ignore[arg-type]
        assert rate.routing_customer is None


class TestReadEvents:
    def test_bad_lines_are_typed_errors_and_reading_goes_on(self) -> None:
        """Each malformed line yields a MalformedEvent with its line and field; the rest is read."""
        good = _line(b.place())
        rate = _line(SetExchangeRate(at=b.AT, pair="USD/CNY", rate="7.10"))  # type: ignore[arg-type]
        float_amount = json.loads(good)
        float_amount["order"]["lines"][0]["unit_price"] = 1000.5
        missing = json.loads(good)
        del missing["order"]["customer"]
        unknown = json.loads(good)
        unknown["order"]["colour"] = "red"
        lines = [
            good,
            "{not json",
            "",
            json.dumps(float_amount),
            "[1, 2]",
            json.dumps(missing),
            rate,
            json.dumps(unknown),
            b"\xff\xfe bad bytes",
            json.dumps({"type": "PlaceOrder", "at": "2026-03-02T10:15:00"}),
        ]
        out = list(read_events(lines))
        by_line = dict(out)
        assert sorted(by_line) == [1, 2, 4, 5, 6, 7, 8, 9, 10]  # the blank line 3 holds nothing
        assert isinstance(by_line[1], sc.PlaceOrder)
        assert isinstance(by_line[7], SetExchangeRate)
        errors = {n: e for n, e in out if isinstance(e, MalformedEvent)}
        assert set(errors) == {2, 4, 5, 6, 8, 9, 10}
        assert all(isinstance(e, InvalidInput) and e.line == n for n, e in errors.items())
        assert errors[4].path == "order.lines[0].unit_price"
        assert errors[6].path == "order.customer"
        assert errors[8].path == "order.colour"
        assert "JSON" in errors[2].reason
        assert "UTF-8" in errors[9].reason
        assert errors[10].path in ("actor", "at")

    def test_first_line_number(self) -> None:
        """Line numbers can start elsewhere (a stream read in pieces)."""
        ((n, e),) = list(read_events(["{"], first_line=41))
        assert n == 41 and isinstance(e, MalformedEvent) and e.line == 41

    @settings(max_examples=60)
    @given(data=st.data())
    def test_fast_reader_never_changes_the_error(self, data: st.DataObject) -> None:
        """A damaged event gets the generic reader's exact error (or reads identically)."""
        base = event_to_dict(b.place())
        path: list[Any] = []
        node: Any = base
        while isinstance(node, dict | list) and node:
            keys = list(node) if isinstance(node, dict) else list(range(len(node)))
            k = data.draw(st.sampled_from(keys))
            path.append(k)
            if not isinstance(node[k], dict | list) or data.draw(st.booleans()):
                break
            node = node[k]
        junk = data.draw(st.one_of(st.none(), st.integers(), st.floats(allow_nan=False),
                                   st.text(max_size=5), st.just([]), st.just({})))
        damaged = json.loads(json.dumps(base))
        target = damaged
        for k in path[:-1]:
            target = target[k]
        if data.draw(st.booleans()) and isinstance(target, dict):
            del target[path[-1]]
        else:
            target[path[-1]] = junk
        ((_, got),) = list(read_events([json.dumps(damaged)]))
        expected: Any
        try:
            expected = parse_event(damaged)
        except InvalidInput as e:
            expected = (e.path, e.reason)
        if isinstance(got, MalformedEvent):
            assert (got.path, got.reason) == expected
        else:
            assert got == expected


class TestSchema:
    def test_committed_schema_is_current(self) -> None:
        """docs/events.schema.json is the schema generated from the classes
        (regenerate: ``python -m salesctl.events --write docs``)."""
        committed = json.loads((DOCS / "events.schema.json").read_text(encoding="utf-8"))
        assert committed == event_schema()

    def test_committed_reference_is_current(self) -> None:
        """docs/event-format.md is the reference generated from the classes."""
        assert (DOCS / "event-format.md").read_text(encoding="utf-8") == format_reference()

    def test_every_event_type_is_in_the_schema(self) -> None:
        """One definition per event type, each fixing its ``type``."""
        schema = event_schema()
        assert len(schema["oneOf"]) == len(event_types())
        for name in event_types():
            d = schema["$defs"][f"event.{name}"]
            assert d["properties"]["type"] == {"const": name}
            assert "type" in d["required"] and "at" in d["required"]
            assert d["additionalProperties"] is False

    def test_generated_events_fit_the_schema(self, demo_events: list[dict[str, Any]]) -> None:
        """Every generated event satisfies its definition's keys, recursively."""
        schema = event_schema()
        defs = schema["$defs"]

        def check(value: Any, s: dict[str, Any], where: str) -> None:
            if "$ref" in s:
                check(value, defs[s["$ref"].split("/")[-1]], where)
                return
            if "anyOf" in s:
                assert any(_fits(value, alt, defs) for alt in s["anyOf"]), where
                return
            if s.get("type") == "object" and "properties" in s:
                assert isinstance(value, dict), where
                assert set(s["required"]) <= set(value), where
                assert set(value) <= set(s["properties"]), where
                for k, v in value.items():
                    check(v, s["properties"][k], f"{where}.{k}")
            elif s.get("type") == "array":
                assert isinstance(value, list), where
                for i, v in enumerate(value):
                    check(v, s["items"], f"{where}[{i}]")
            elif "enum" in s:
                assert value in s["enum"], where

        for e in demo_events:
            check(e, defs[f"event.{e['type']}"], e["type"])


def _fits(value: Any, s: dict[str, Any], defs: dict[str, Any]) -> bool:
    if "$ref" in s:
        return _fits(value, defs[s["$ref"].split("/")[-1]], defs)
    t = s.get("type")
    return (
        (t == "null" and value is None)
        or (t == "string" and isinstance(value, str))
        or (t == "integer" and isinstance(value, int) and not isinstance(value, bool))
        or (t == "boolean" and isinstance(value, bool))
        or (t == "object" and isinstance(value, dict))
        or (t == "array" and isinstance(value, list))
        or ("enum" in s and value in s["enum"])
        or ("anyOf" in s and any(_fits(value, a, defs) for a in s["anyOf"]))
    )
