"""The policy-file reference: every key of every family table, generated from the policy classes.

:func:`policy_reference` is the Markdown the mkdocs hook puts in place of
``<!-- salesctl:policy-reference -->`` (and ``salesctl docs`` writes as
``policy-reference.md``); :func:`undocumented_policy_keys` lists the keys whose class
docstring does not describe them.
"""

from __future__ import annotations

import datetime as dt
import enum
import inspect
import json
import re
import typing
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import attrs

from salesctl._convert import fields_of, unstructure
from salesctl.control import Control
from salesctl.controls import FAMILIES
from salesctl.docs.derived import controls_of, default_policy, parameters
from salesctl.docs.text import cell, table
from salesctl.money import Money
from salesctl.policy import Policy

__all__ = ["policy_reference", "undocumented_policy_keys"]


def _attribute_docs(cls: type) -> dict[str, str]:
    """``field -> description`` from the ``Attributes:`` section of a Google-style docstring."""
    doc = inspect.getdoc(cls) or ""
    out: dict[str, str] = {}
    inside = False
    indent: int | None = None
    current: str | None = None
    for raw in doc.splitlines():
        if not inside:
            if raw.strip() == "Attributes:":
                inside = True
            continue
        if not raw.strip():
            current = None
            continue
        depth = len(raw) - len(raw.lstrip())
        if depth == 0:
            break
        if indent is None:
            indent = depth
        m = re.match(r"^(\w+)\s*(\([^)]*\))?:\s*(.*)$", raw.strip())
        if depth == indent and m:
            current = m.group(1)
            out[current] = m.group(3).strip()
        elif current is not None and depth > indent:
            out[current] = (out[current] + " " + raw.strip()).strip()
    return out


def _type_text(tp: Any) -> str:
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if tp is str:
        return "string"
    if tp is bool:
        return "boolean"
    if tp is int:
        return "integer"
    if tp is Decimal:
        return "decimal"
    if tp is Money:
        return 'amount ("1000.00 CNY")'
    if tp is dt.datetime:
        return "date-time with offset"
    if tp is dt.date:
        return "date (YYYY-MM-DD)"
    if tp is Any:
        return "any"
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        names = [m.name if isinstance(m, enum.IntEnum) else str(m.value) for m in tp]
        return "one of " + ", ".join(f"`{n}`" for n in names)
    if isinstance(tp, type) and attrs.has(tp):
        return f"table ({tp.__name__})"
    if origin is tuple and len(args) == 2 and args[1] is Ellipsis:
        return f"list of {_type_text(args[0])}"
    if origin is frozenset:
        return f"list (set) of {_type_text(args[0])}"
    if (
        args
        and len(args) == 2
        and (origin is Mapping or getattr(origin, "__name__", "") == "FrozenMap")
    ):
        return f"table: key → {_type_text(args[1])}"
    if args and type(None) in args:
        rest = [a for a in args if a is not type(None)]
        return (
            _type_text(rest[0]) if len(rest) == 1 else " or ".join(_type_text(a) for a in rest)
        ) + ", optional"
    return getattr(tp, "__name__", str(tp))


def _nested(tp: Any) -> list[type]:
    if isinstance(tp, type) and attrs.has(tp) and tp is not Money:
        return [tp]
    out: list[type] = []
    for a in typing.get_args(tp):
        out.extend(_nested(a))
    return out


def _field_default(cls: type, name: str, instance: Any) -> str:
    if instance is not None:
        return f"`{json.dumps(unstructure(getattr(instance, name)), ensure_ascii=False)}`"
    a = attrs.fields_dict(cls)[name]
    if a.default is attrs.NOTHING:
        return "required"
    factory = getattr(a.default, "factory", None)
    default = factory() if callable(factory) else a.default
    return f"`{json.dumps(unstructure(default), ensure_ascii=False)}`"


def _policy_classes() -> list[tuple[str, type, Any]]:
    """``(table, class, default instance or None)`` for every family table and nested class."""
    out: list[tuple[str, type, Any]] = []
    seen: set[type] = set()
    default = default_policy()
    for name, fam in FAMILIES.items():
        out.append((name, fam.policy_type, default.family(name)))
        seen.add(fam.policy_type)
        todo = [fam.policy_type]
        while todo:
            cls = todo.pop(0)
            for fname, ftype, _req in fields_of(cls):
                for sub in _nested(ftype):
                    if sub not in seen:
                        seen.add(sub)
                        out.append((f"{name}.{fname}", sub, None))
                        todo.append(sub)
    return out


def undocumented_policy_keys() -> tuple[str, ...]:
    """Policy keys (``family.key`` or ``Class.key``) without a description in a docstring."""
    missing = []
    for name, cls, instance in _policy_classes():
        docs = _attribute_docs(cls)
        for a in attrs.fields(cls):
            if a.init and not docs.get(a.name):
                missing.append(
                    f"{name}.{a.name}" if instance is not None else f"{cls.__name__}.{a.name}"
                )
    return tuple(missing)


def policy_reference(controls: Mapping[str, Control] | None = None) -> str:
    """Markdown reference of every policy-file key, generated from the policy classes.

    For every family table (``[credit]``, …) and every nested table, one row per key with its
    type, default and the description from the class docstring, and the controls whose
    activity names the key. Links to control pages are relative to the site root.
    """
    cs = controls_of(controls)
    pdocs = _attribute_docs(Policy)
    default = default_policy()
    head = ("key", "type", "default", "description")
    lines = ["## `[policy]`", ""]
    lines += table(
        head,
        [
            (
                f"`{key}`",
                tp,
                f"`{json.dumps(unstructure(getattr(default, key)), ensure_ascii=False)}`",
                cell(pdocs.get(key, "")),
            )
            for key, tp in (
                ("name", "string"),
                ("base_currency", "string (ISO 4217)"),
                ("disabled", "list of control ids"),
            )
        ],
    )
    lines.append("")
    for name, cls, instance in _policy_classes():
        lines += _class_reference(name, cls, instance, cs)
    return "\n".join(lines)


def _summary(cls: type) -> list[str]:
    summary = (cls.__doc__ or "").strip().splitlines()[0] if cls.__doc__ else ""
    return [summary, ""] if summary else []


def _class_reference(name: str, cls: type, instance: Any, cs: Mapping[str, Control]) -> list[str]:
    """The section of a family table (``instance`` its default) or of a nested class."""
    docs = _attribute_docs(cls)
    head: tuple[str, ...] = ("key", "type", "default", "description")
    if instance is not None:
        fam = FAMILIES[name]
        lines = [f"## `[{name}]` — {fam.title_en} / {fam.title_zh}", "", *_summary(cls)]
        ids = [c for c in cs.values() if c.family == name]
        if ids:
            lines += [
                "Controls: " + ", ".join(f"[{c.id}](controls/{c.id}.md)" for c in ids),
                "",
            ]
        head += ("used by",)
    else:
        lines = [f"### `{name}` entries ({cls.__name__})", "", *_summary(cls)]
    hints = {n: t for n, t, _r in fields_of(cls)}
    rows = []
    for a in attrs.fields(cls):
        if not a.init:
            continue
        row = [
            f"`{a.name}`",
            cell(_type_text(hints[a.name])),
            cell(_field_default(cls, a.name, instance)),
            cell(docs.get(a.name) or "**undocumented**"),
        ]
        if instance is not None:
            users = [c for c in cs.values() if c.family == name and a.name in parameters(c)]
            row.append(", ".join(f"[{c.id}](controls/{c.id}.md)" for c in users) or "—")
        rows.append(row)
    return [*lines, *table(head, rows), ""]
