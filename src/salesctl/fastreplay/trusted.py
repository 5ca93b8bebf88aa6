"""The trusted construction path: a decoded Struct becomes its salesctl document without running
again the type checks msgspec has already made.

For every attrs class the decoder reads, :func:`compile_builder` generates (once, with ``exec``,
as attrs generates ``__init__``) a function that takes the decoded Struct and returns the
document. It does what the class's own ``__init__`` does, in the same order — each field
converted and set, then the validators in field order, then ``__attrs_post_init__`` — except for
the validators that only re-check a type the Struct decoder has checked already:

* ``typed(T)`` on a field declared as a subclass of ``T`` (optional only where the declaration
  allows ``None``): msgspec has decoded exactly the declared type (strings are valid Unicode:
  lines with escaped surrogates never reach the Structs);
* ``each(T)`` on a ``tuple``/``frozenset`` of a declared non-string subclass of ``T``;
* ``aware`` / ``opt_aware`` on a declared ``datetime`` (the converter refuses a time without
  an offset), ``a_date`` / ``opt_date`` on a declared ``date``, ``mapping`` on a declared
  ``FrozenMap``.

Every other validator — non-blank text, identities, signs, ratios, cross-field checks — and
every ``__attrs_post_init__`` runs as in the constructor. A class whose construction does more
than that (``__attrs_pre_init__``, a cached hash, a ``__init__`` of its own) keeps its
constructor. ``tests/test_fastreplay.py`` checks that both paths give an equal document or the
same error for every line of a demo year and for mutated lines.
"""

from __future__ import annotations

import datetime as dt
import inspect
import types
import typing
from collections.abc import Callable
from decimal import Decimal
from typing import Any, Union

import attrs

from salesctl import _validators as v
from salesctl._convert import fields_of
from salesctl._validators import FrozenMap
from salesctl.money import Money

__all__ = ["compile_builder", "skipped_validators"]

_Conv = Callable[[Any, list[int]], Any]
_ZERO = Decimal(0)
#: Sign validators whose passing case the builders test inline, with the comparison.
_SIGNS: dict[Any, str] = {v.non_negative: ">=", v.positive: ">"}


def _base(tp: Any) -> tuple[Any, bool]:
    """The declared type without ``None``, and whether ``None`` is allowed."""
    if typing.get_origin(tp) in (Union, types.UnionType):
        args = typing.get_args(tp)
        rest = [a for a in args if a is not type(None)]
        if len(rest) == 1:
            return rest[0], type(None) in args
        return tp, type(None) in args
    return tp, False


def _closure(fn: Any) -> dict[str, Any]:
    try:
        return dict(inspect.getclosurevars(fn).nonlocals)
    except (TypeError, ValueError):
        return {}


def _sub(tp: Any, of: Any) -> bool:
    return isinstance(tp, type) and isinstance(of, type | tuple) and issubclass(tp, of)


def _redundant(check: Any, declared: Any) -> bool:
    """True when ``check`` only re-checks the type msgspec decoded for a field declared
    ``declared``."""
    base, optional = _base(declared)
    if check in (v.aware, v.opt_aware):
        return base is dt.datetime and (optional is False or check is v.opt_aware)
    if check in (v.a_date, v.opt_date):
        return base is dt.date and (optional is False or check is v.opt_date)
    if check is v.mapping:
        return not optional and (base is FrozenMap or typing.get_origin(base) in (FrozenMap,))
    qual = getattr(check, "__qualname__", "")
    if qual == "typed.<locals>.check":
        cells = _closure(check)
        tp = cells.get("tp")
        if optional and not cells.get("optional", False):
            return False
        if tp is int and base is bool:
            return False
        return _sub(base, tp)
    if qual == "each.<locals>.check":
        tp = _closure(check).get("tp")
        if optional or typing.get_origin(base) not in (tuple, frozenset):
            return False
        args = typing.get_args(base)
        item = args[0] if args else None
        return item is not str and _sub(item, tp) and (item is not int or tp is not int)
    return False


def _validators(a: attrs.Attribute[Any]) -> tuple[Any, ...]:
    val = a.validator
    if val is None:
        return ()
    inner = getattr(val, "_validators", None)
    return tuple(inner) if inner is not None else (val,)


def _trustable(cls: type) -> bool:
    if hasattr(cls, "__attrs_pre_init__"):
        return False
    if "_attrs_cached_hash" in getattr(cls, "__slots__", ()):
        return False
    init = cls.__dict__.get("__init__")
    code = getattr(init, "__code__", None)
    return code is not None and code.co_filename.startswith("<attrs generated")


def skipped_validators(cls: type) -> dict[str, tuple[Any, ...]]:
    """The validators the trusted path of ``cls`` does not run, by field (for tests and docs)."""
    declared = {name: tp for name, tp, _req in fields_of(cls)}
    out: dict[str, tuple[Any, ...]] = {}
    for a in attrs.fields(cls):
        if a.name in declared:
            skip = tuple(c for c in _validators(a) if _redundant(c, declared[a.name]))
            if skip:
                out[a.name] = skip
    return out


def compile_builder(
    cls: type,
    spec: tuple[tuple[str, _Conv, bool], ...],
    same: _Conv,
    unset: Any,
    *,
    inline: dict[Any, tuple[str, Any]] | None = None,
) -> _Conv | None:
    """The trusted builder of ``cls`` from its Struct: ``build(struct, count) -> document``.

    Args:
        cls: the attrs class.
        spec: ``(field name, converter of the decoded value, required)`` per Struct field.
        same: the identity converter (values used as decoded).
        unset: msgspec's ``UNSET`` (an optional field left out).
        inline: converters the builder writes inline instead of calling: converter →
            (expression of ``x`` calling ``_si``, the function bound to ``_si``).

    Returns:
        The builder, or ``None`` when ``cls`` keeps its constructor.
    """
    if not _trustable(cls):
        return None
    declared = {name: tp for name, tp, _req in fields_of(cls)}
    convs = {name: (conv, req) for name, conv, req in spec}
    ns: dict[str, Any] = {
        "_new": object.__new__,
        "_set": object.__setattr__,
        "_cls": cls,
        "_UNSET": unset,
        "_Factory": attrs.Factory,
    }
    body = ["def build(s, n):", "    self = _new(_cls)", "    k = 0"]
    checks: list[str] = []
    for i, a in enumerate(attrs.fields(cls)):
        name = a.name
        ns[f"_a{i}"] = a
        if a.init and name in convs:
            conv, req = convs[name]
            ns[f"_c{i}"] = conv
            expr = inline.get(conv) if inline else None
            if expr is not None:
                val, ns["_si"] = expr
            else:
                val = "x" if conv is same else f"_c{i}(x, n)"
            body.append(f"    x = s.{name}")
            if req:
                body.append(f"    x = {val}")
                body.append("    k += 1")
            else:
                body.append("    if x is _UNSET:")
                body.extend(_default_lines(ns, i, a, "        "))
                body.append("    else:")
                body.append(f"        x = {val}")
                body.append("        k += 1")
        elif a.init:
            return None  # a field the Struct does not carry: keep the constructor
        else:
            if a.default is attrs.NOTHING:
                continue  # computed by __attrs_post_init__
            body.extend(_default_lines(ns, i, a, "    "))
        if a.converter is not None:
            ns[f"_k{i}"] = a.converter
            body.append(f"    x = _k{i}(x)")
        body.append(f"    _set(self, {name!r}, x)")
        for j, check in enumerate(_validators(a)):
            if name in declared and _redundant(check, declared[name]):
                continue
            ns[f"_v{i}_{j}"] = check
            call = f"_v{i}_{j}(self, _a{i}, self.{name})"
            sign = _SIGNS.get(check)
            base = _base(declared.get(name))[0]
            if sign is not None and base in (Decimal, Money):
                # The passing case inline: a decoded Decimal is finite (to_decimal refuses
                # the others); anything else calls the validator for its exact error.
                ns["_Dec"], ns["_Money"], ns["_ZERO"] = Decimal, Money, _ZERO
                x = f"self.{name}" if base is Decimal else f"self.{name}.amount"
                cls_ = "_Dec" if base is Decimal else "_Money"
                checks.append(
                    f"    if type(self.{name}) is not {cls_} or not ({x} {sign} _ZERO): {call}"
                )
            else:
                checks.append(f"    {call}")
    body.extend(checks)
    if hasattr(cls, "__attrs_post_init__"):
        body.append("    self.__attrs_post_init__()")
    body.append("    n[0] += k")
    body.append("    return self")
    code = "\n".join(body)
    exec(compile(code, f"<salesctl trusted builder {cls.__qualname__}>", "exec"), ns)
    build: _Conv = ns["build"]
    return build


def _default_lines(ns: dict[str, Any], i: int, a: attrs.Attribute[Any], pad: str) -> list[str]:
    d: Any = a.default
    if isinstance(d, attrs.Factory):  # type: ignore[arg-type]
        ns[f"_f{i}"] = d.factory
        return [f"{pad}x = _f{i}(self)" if d.takes_self else f"{pad}x = _f{i}()"]
    ns[f"_d{i}"] = d
    return [f"{pad}x = _d{i}"]
