"""The published description of the event format, generated from the event classes.

:func:`event_schema` is the JSON Schema (draft 2020-12) of one line of an event stream
(published as ``docs/events.schema.json``); :func:`format_reference` is
``docs/event-format.md``. Regenerate both with ``python -m salesctl.events --write docs``.
"""

from __future__ import annotations

import datetime as dt
import enum
import inspect
import json
import re
import types
import typing
from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any, Union

import attrs

from salesctl._convert import fields_of
from salesctl._validators import FrozenMap
from salesctl.errors import InvalidInput
from salesctl.events.reader import event_types
from salesctl.events.records import RECORD_TYPES
from salesctl.money import Money
from salesctl.transactions import TRANSACTION_TYPES

__all__ = ["event_schema", "format_reference", "write_docs"]

_SCHEMA_ID = "https://salesctl.dev/schema/events.schema.json"
_DECIMAL = r"^-?[0-9]+(\.[0-9]+)?$"
_MONEY = r"^-?[0-9]+(\.[0-9]+)? [A-Z]{3}$"


def _attribute_docs(cls: type) -> dict[str, str]:
    """Field descriptions from the ``Attributes:`` sections of a class and its bases."""
    out: dict[str, str] = {}
    for klass in reversed(cls.__mro__):
        doc = inspect.getdoc(klass) if klass.__dict__.get("__doc__") else None
        if not doc:
            continue
        lines = doc.splitlines()
        try:
            start = lines.index("Attributes:") + 1
        except ValueError:
            continue
        name: str | None = None
        for raw in lines[start:]:
            if raw and not raw.startswith(" "):
                break
            m = re.match(r"^ {4}(\w+): (.*)$", raw)
            if m:
                name = m.group(1)
                out[name] = m.group(2).strip()
            elif name and raw.strip():
                out[name] += " " + raw.strip()
    return out


def _summary(cls: type) -> str:
    doc = inspect.getdoc(cls) or ""
    para = doc.split("\n\n", 1)[0]
    return " ".join(para.split())


class _SchemaBuilder:
    def __init__(self) -> None:
        self.defs: dict[str, Any] = {}

    def type_schema(self, tp: Any) -> dict[str, Any]:
        origin = typing.get_origin(tp)
        if origin in (Union, types.UnionType):
            args = typing.get_args(tp)
            non_none = [a for a in args if a is not type(None)]
            parts = [self.type_schema(a) for a in non_none]
            if type(None) in args:
                parts.append({"type": "null"})
            return parts[0] if len(parts) == 1 else {"anyOf": parts}
        if tp is Any:
            return {}
        if tp is str:
            return {"type": "string"}
        if tp is bool:
            return {"type": "boolean"}
        if tp is int:
            return {"type": "integer"}
        if tp is Decimal:
            return {"anyOf": [{"type": "string", "pattern": _DECIMAL}, {"type": "integer"}]}
        if tp is Money:
            return {"$ref": "#/$defs/Money"}
        if tp is dt.datetime:
            return {"type": "string", "format": "date-time"}
        if tp is dt.date:
            return {"type": "string", "format": "date"}
        if isinstance(tp, type) and issubclass(tp, enum.IntEnum):
            return {"enum": [m.name for m in tp]}
        if isinstance(tp, type) and issubclass(tp, enum.Enum):
            return {"enum": [m.value for m in tp]}
        if origin is tuple:
            args = typing.get_args(tp)
            if len(args) == 2 and args[1] is Ellipsis:
                return {"type": "array", "items": self.type_schema(args[0])}
            return {
                "type": "array",
                "prefixItems": [self.type_schema(a) for a in args],
                "minItems": len(args),
                "maxItems": len(args),
            }
        if origin is frozenset:
            (arg,) = typing.get_args(tp)
            return {"type": "array", "items": self.type_schema(arg)}
        if origin in (FrozenMap, Mapping) or tp is FrozenMap:
            _kt, vt = typing.get_args(tp) or (str, Any)
            return {"type": "object", "additionalProperties": self.type_schema(vt)}
        if isinstance(tp, type) and attrs.has(tp):
            name = tp.__name__
            if name not in self.defs:
                self.defs[name] = {}  # placeholder against recursion
                own = getattr(tp, "json_schema", None)
                self.defs[name] = own() if own else self.object_schema(tp, fields_of(tp))
            return {"$ref": f"#/$defs/{name}"}
        raise InvalidInput(f"no JSON Schema for type {tp!r}")  # pragma: no cover

    def object_schema(
        self, cls: type, spec: tuple[tuple[str, Any, bool], ...], *, type_name: str | None = None
    ) -> dict[str, Any]:
        docs = _attribute_docs(cls)
        props: dict[str, Any] = {}
        required: list[str] = []
        if type_name is not None:
            props["type"] = {"const": type_name}
            required.append("type")
        for name, ftype, req in spec:
            schema = dict(self.type_schema(ftype))
            if name in docs:
                schema = {"description": docs[name], **schema}
            props[name] = schema
            if req:
                required.append(name)
        out: dict[str, Any] = {"type": "object", "description": _summary(cls)}
        out["properties"] = props
        out["required"] = required
        out["additionalProperties"] = False
        return out


def event_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of one line of an event stream, generated from the
    transaction and record classes.

    Returns:
        The schema as JSON-ready data; ``oneOf`` the event types, each told apart by its
        ``"type"`` constant.
    """
    b = _SchemaBuilder()
    b.defs["Money"] = {
        "description": 'An amount and its ISO 4217 currency: "1000.00 CNY" (or an object).',
        "anyOf": [
            {"type": "string", "pattern": _MONEY},
            {
                "type": "object",
                "properties": {
                    "amount": {"type": "string", "pattern": _DECIMAL},
                    "currency": {"type": "string", "pattern": "^[A-Z]{3}$"},
                },
                "required": ["amount", "currency"],
                "additionalProperties": False,
            },
        ],
    }
    events: dict[str, Any] = {}
    for name, cls in event_types().items():
        events[name] = b.object_schema(cls, fields_of(cls), type_name=name)
    kinds = {n: ("transaction" if n in TRANSACTION_TYPES else "record") for n in events}
    defs = {f"event.{n}": {"x-salesctl-kind": kinds[n], **s} for n, s in events.items()}
    defs.update(dict(sorted(b.defs.items())))
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": _SCHEMA_ID,
        "title": "salesctl event (one line of a JSON Lines event stream)",
        "description": (
            "A transaction (decided by the gate) or a record (folded into the ledger). "
            "Amounts are strings, times ISO 8601 with a UTC offset; floats are refused."
        ),
        "oneOf": [{"$ref": f"#/$defs/event.{n}"} for n in events],
        "$defs": defs,
    }


def _type_label(tp: Any) -> str:
    origin = typing.get_origin(tp)
    if origin in (Union, types.UnionType):
        args = typing.get_args(tp)
        inner = " | ".join(_type_label(a) for a in args if a is not type(None))
        return inner + (" or null" if type(None) in args else "")
    if tp is Decimal:
        return 'decimal string ("12.50")'
    if tp is Money:
        return 'amount ("1000.00 CNY")'
    if tp is dt.datetime:
        return "date-time with offset"
    if tp is dt.date:
        return "date (YYYY-MM-DD)"
    if tp in (str, int, bool):
        return {str: "string", int: "integer", bool: "true/false"}[tp]
    if isinstance(tp, type) and issubclass(tp, enum.IntEnum):
        return "one of " + ", ".join(f"`{m.name}`" for m in tp)
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        return "one of " + ", ".join(f"`{m.value}`" for m in tp)
    if origin in (tuple, frozenset):
        return f"list of {_type_label(typing.get_args(tp)[0])}"
    if origin in (FrozenMap, Mapping):
        return f"object of {_type_label(typing.get_args(tp)[1])}"
    if isinstance(tp, type) and attrs.has(tp):
        return f"[{tp.__name__}](#{tp.__name__.lower()})"
    return str(tp)  # pragma: no cover


_INTRO = """\
# Event format (audit replay input)

<!-- Generated by `python -m salesctl.events --write docs` from the transaction and record
classes; do not edit by hand. tests/test_events.py fails when it is out of date. -->

`salesctl audit EVENTS.jsonl` reads an exported order-to-cash stream in **JSON Lines**: one
JSON object per line, in the order the host posted them. Every object has a `"type"` naming
the event and the same field names as the salesctl class of that name.

```json
{{"type": "GrantApproval", "at": "2026-03-02T09:00:00+08:00", "approval": {{"id": "APR-1", "document_id": "SO-2026-000042", "role": "sales_manager", "approver": {{"id": "u-mgr", "roles": ["sales_manager"], "authority_level": 2}}, "granted_at": "2026-03-02T09:00:00+08:00"}}}}
{{"type": "PlaceOrder", "at": "2026-03-02T10:15:00+08:00", "actor": {{"id": "u-rep", "roles": ["sales_rep"]}}, "order": {{"id": "SO-2026-000042", "series": "SO-2026", "seq": 42, "...": "..."}}}}
```

Rules (the same reader as `salesctl check`):

* **amounts** are strings: `"1000.00 CNY"` (or `{{"amount": "1000.00", "currency": "CNY"}}`);
  quantities and rates are decimal strings (`"12.5"`) or integers; a JSON **float is refused**;
* **times** are ISO 8601 with a UTC offset (`2026-03-02T10:15:00+08:00`), dates `YYYY-MM-DD`;
* unknown fields and missing required fields are errors; `null` only where a field is optional;
* a malformed line is reported with its **line number and field path** and counted; the replay
  continues with the next line (the report lists every rejected line, nothing is dropped
  silently). Blank lines are skipped.

There are two kinds of event:

* **transactions** ({n_txn} types) — what the host did; the replay decides each one with the
  gate exactly as a live host would have, from the ledger's view of the history so far;
* **records** ({n_rec} types) — facts later decisions rely on (approvals given, one-time
  releases granted, prices published, stock received, exchange rates). They are folded into
  the ledger and never decided. A record type is an ordinary attrs class registered with
  `salesctl.events.register_record`; its schema is generated like any other.

The machine-readable schema (JSON Schema draft 2020-12) is
[`events.schema.json`](events.schema.json).

"""


def format_reference() -> str:
    """``docs/event-format.md``: the format rules and one table per event type."""
    n_txn = len(TRANSACTION_TYPES)
    out = [_INTRO.format(n_txn=n_txn, n_rec=len(RECORD_TYPES))]
    nested: dict[str, type] = {}

    def table(cls: type, type_name: str | None) -> list[str]:
        docs = _attribute_docs(cls)
        rows = ["| field | type | required | meaning |", "|---|---|---|---|"]
        if type_name:
            rows.append(f'| `type` | `"{type_name}"` | yes | the event type |')
        for name, ftype, req in fields_of(cls):
            _collect(ftype, nested)
            meaning = docs.get(name, "").replace("|", "\\|")
            label = _type_label(ftype).replace("|", "\\|")
            rows.append(f"| `{name}` | {label} | {'yes' if req else 'no'} | {meaning} |")
        return rows

    for heading, names in (
        ("Transactions", sorted(TRANSACTION_TYPES)),
        ("Records", sorted(RECORD_TYPES)),
    ):
        out.append(f"## {heading}\n")
        for name in names:
            cls = TRANSACTION_TYPES.get(name) or RECORD_TYPES[name]
            out.append(f"### {name}\n\n{_summary(cls)}\n")
            out.extend(table(cls, name))
            out.append("")
    out.append("## Documents\n")
    done: set[str] = set()
    while True:
        todo = sorted(n for n in nested if n not in done)
        if not todo:
            break
        for name in todo:
            done.add(name)
            cls = nested[name]
            out.append(f"### {name}\n\n{_summary(cls)}\n")
            out.extend(table(cls, None))
            out.append("")
    return "\n".join(out).rstrip() + "\n"


def _collect(tp: Any, into: dict[str, type]) -> None:
    origin = typing.get_origin(tp)
    if origin is not None:
        for a in typing.get_args(tp):
            if a is not Ellipsis:
                _collect(a, into)
        return
    if isinstance(tp, type) and attrs.has(tp) and tp is not Money:
        into.setdefault(tp.__name__, tp)


def write_docs(directory: Path) -> None:
    """Write ``events.schema.json`` and ``event-format.md`` into ``directory`` (what
    ``python -m salesctl.events --write docs`` does)."""
    directory.mkdir(parents=True, exist_ok=True)
    schema = json.dumps(event_schema(), indent=2, ensure_ascii=False) + "\n"
    (directory / "events.schema.json").write_text(schema, encoding="utf-8")
    (directory / "event-format.md").write_text(format_reference(), encoding="utf-8")
