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
every ``__attrs_post_init__`` runs as in the constructor, with one shortcut: for the common
validators (:data:`PASSES`) the builder first tests, inline, a condition under which the
validator certainly passes (a non-blank ASCII string for ``text``, a finite Decimal not below
zero for ``non_negative``...), and calls the validator — for its exact error — only when the
condition does not hold. Likewise a converter that returns a value of its target type
unchanged (``tuple_conv`` on a tuple...) is called only on other values, and an
``__attrs_post_init__`` that only checks (:data:`POST_PASSES`: a contract-ledger line's four
amounts in one currency) only when its condition does not hold. A converter the decoder
writes inline (``inline``: a table lookup before the call, an intern) is written in place of
its call. A slotted class is filled by plain slot stores on its assembly
(:mod:`salesctl._assembly`: about half the cost of a bound ``object.__setattr__`` call per
field), made the class itself before its validators run. Each condition is
pinned to its validator by ``tests/test_fastreplay_cpu.py`` (whenever the condition holds, the
validator passes). A class whose construction does more
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
from salesctl import records, records_extra
from salesctl._convert import fields_of
from salesctl._validators import FrozenMap
from salesctl.decision import _assembly
from salesctl.money import Money

__all__ = [
    "CONVERTED",
    "IDENTS",
    "IDENTS_MAX",
    "PASSES",
    "POST_PASSES",
    "SEEN_PASSES",
    "compile_builder",
    "skipped_validators",
]

_Conv = Callable[[Any, list[int]], Any]
_ZERO = Decimal(0)


_TEXT = "type({x}) is str and {x} and {x}.isascii() and not {x}.isspace()"
_IDENT = "type({x}) is str and {x} and {x}.isprintable() and {x}.strip() == {x}"
_DEC_NN = "type({x}) is _Dec and {x}.is_finite() and {x} >= _ZERO"
_DEC_POS = "type({x}) is _Dec and {x}.is_finite() and {x} > _ZERO"
_MONEY_NN = (
    "type({x}) is _Money and type({x}.amount) is _Dec and {x}.amount.is_finite()"
    " and {x}.amount >= _ZERO"
)
_MONEY_POS = (
    "type({x}) is _Money and type({x}.amount) is _Dec and {x}.amount.is_finite()"
    " and {x}.amount > _ZERO"
)

#: Validators with a condition under which they certainly pass (a Python expression in
#: ``{x}``, the value; ``_Dec``, ``_Money`` and ``_ZERO`` are Decimal, Money and Decimal 0):
#: the builders test it inline and call the validator only when it does not hold.
PASSES: dict[Any, str] = {
    v.text: _TEXT,
    v.opt_text: "{x} is None or (" + _TEXT + ")",
    v.ident: _IDENT,
    v.opt_ident: "{x} is None or (" + _IDENT + ")",
    records._money_nn: _MONEY_NN,
    records._money_pos: _MONEY_POS,
    records._opt_money: "{x} is None or (" + _MONEY_NN + ")",
    records._qty_nn: _DEC_NN,
    records._qty_pos: _DEC_POS,
    records._opt_decimal: "{x} is None or (" + _DEC_NN + ")",
    records_extra._money_nn: _MONEY_NN,
    records_extra._money_pos: _MONEY_POS,
    records_extra._opt_money: "{x} is None or (" + _MONEY_NN + ")",
}
#: Ids already found to meet ``ident``'s condition: an id the decoder interns recurs on many
#: lines (a customer, an order, a role, a control), and a hit here (a set lookup by the text's
#: cached hash) spares the condition's ``isprintable`` and ``strip`` calls. Only texts that
#: met the condition are added (:func:`_ident_seen`); emptied when it holds
#: :data:`IDENTS_MAX` (``tests/test_fastreplay_cpu.py``).
IDENTS: set[str] = set()
IDENTS_MAX = 1 << 14


def _ident_seen(x: str) -> bool:
    """Add ``x`` (which met ``ident``'s condition) to :data:`IDENTS`; true."""
    if len(IDENTS) >= IDENTS_MAX:
        IDENTS.clear()
    IDENTS.add(x)
    return True


#: The conditions of ``ident`` and ``opt_ident`` for a field whose converter interns its text
#: (``compile_builder``'s ``interned``): :data:`IDENTS` first, then the condition of
#: :data:`PASSES`, a text that meets it added to :data:`IDENTS`.
SEEN_PASSES: dict[Any, str] = {
    v.ident: "type({x}) is str and ({x} in _ids or (" + _IDENT + " and _seen({x})))",
    v.opt_ident: (
        "{x} is None or (type({x}) is str and ({x} in _ids or (" + _IDENT + " and _seen({x}))))"
    ),
}
#: ``non_negative`` and ``positive`` by the declared type of the field.
_SIGN_PASSES: dict[tuple[Any, Any], str] = {
    (v.non_negative, Decimal): _DEC_NN,
    (v.positive, Decimal): _DEC_POS,
    (v.non_negative, Money): _MONEY_NN,
    (v.positive, Money): _MONEY_POS,
    (v.non_negative, int): "type({x}) is int and {x} >= 0",
    (v.positive, int): "type({x}) is int and {x} > 0",
}
#: ``__attrs_post_init__`` methods that only check the fields (they set nothing), with a
#: condition under which the check certainly passes (a Python expression in ``{name}``, the
#: value of field ``name``, tested after the field validators have passed): the builders
#: test it inline and call ``__attrs_post_init__`` — for its exact error — only when it does
#: not hold. A contract-ledger line (a third of a demo year's lines) checks that its four
#: amounts share one currency.
POST_PASSES: dict[type, str] = {
    records.ContractLedgerLine: (
        "{value}.currency == {delivered}.currency == {invoiced}.currency == {collected}.currency"
    ),
}
#: Converters that return a value of this type unchanged: called only on other values.
CONVERTED: dict[Any, type] = {
    v.tuple_conv: tuple,
    v.frozenset_conv: frozenset,
    v.frozenmap_conv: FrozenMap,
    v.decimal_conv: Decimal,
}


def _pass_condition(check: Any, declared: Any) -> str | None:
    """The inline condition under which ``check`` passes, or ``None`` (always call it)."""
    hit = PASSES.get(check)
    if hit is not None:
        return hit
    base, optional = _base(declared)
    if optional:
        return None
    return _SIGN_PASSES.get((check, base))


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
    inline: dict[Any, tuple[str, dict[str, Any]]] | None = None,
    interned: frozenset[Any] = frozenset(),
) -> _Conv | None:
    """The trusted builder of ``cls`` from its Struct: ``build(struct, count) -> document``.

    Args:
        cls: the attrs class.
        spec: ``(field name, converter of the decoded value, required)`` per Struct field.
        same: the identity converter (values used as decoded).
        unset: msgspec's ``UNSET`` (an optional field left out).
        inline: converters the builder writes inline instead of calling: converter →
            (an expression of ``{x}``, the decoded value, and ``{call}``, the converter's own
            call, a :meth:`str.format` template; the names it uses and their values). It
            must give what the call gives.
        interned: converters that intern the text they read: an ``ident`` or
            ``opt_ident`` field read by one of them is tested with :data:`SEEN_PASSES`.

    Returns:
        The builder, or ``None`` when ``cls`` keeps its constructor.
    """
    if not _trustable(cls):
        return None
    declared = {name: tp for name, tp, _req in fields_of(cls)}
    convs = {name: (conv, req) for name, conv, req in spec}
    ns: dict[str, Any] = {
        "_new": object.__new__,
        "_sg": object.__setattr__.__get__,
        "_cls": cls,
        "_UNSET": unset,
        "_Factory": attrs.Factory,
        "_ids": IDENTS,
        "_seen": _ident_seen,
    }
    asm = _assembly_of(cls)
    if asm is not None:
        # filled by plain slot stores on the class's assembly (salesctl._assembly), then made
        # a ``cls`` before the validators run (they see the class, as in ``__init__``)
        ns["_asm"] = asm
        body = ["def build(s, n):", "    self = _asm()"]
    else:
        # the instance's own bound object.__setattr__ (as attrs' __init__ does): one call
        # fewer and one argument tuple less per field than object.__setattr__(self, ...)
        body = ["def build(s, n):", "    self = _new(_cls)", "    _set = _sg(self)"]
    ns["_Dec"], ns["_Money"], ns["_ZERO"] = Decimal, Money, _ZERO
    required = 0
    optional = False
    checks: list[str] = []
    for i, a in enumerate(attrs.fields(cls)):
        name = a.name
        ns[f"_a{i}"] = a
        x = f"x{i}"  # the field's value, a local of the builder
        if a.init and name in convs:
            conv, req = convs[name]
            ns[f"_c{i}"] = conv
            expr = inline.get(conv) if inline else None
            if expr is not None:
                template, names = expr
                ns.update(names)
                val = template.format(x=x, call=f"_c{i}({x}, n)")
            else:
                val = x if conv is same else f"_c{i}({x}, n)"
            body.append(f"    {x} = s.{name}")
            if req:
                if conv is not same:
                    body.append(f"    {x} = {val}")
                required += 1
            else:
                optional = True
                body.append(f"    if {x} is _UNSET:")
                body.extend(_default_lines(ns, i, a, "        ", x))
                body.append("    else:")
                if conv is not same:
                    body.append(f"        {x} = {val}")
                body.append("        k += 1")
        elif a.init:
            return None  # a field the Struct does not carry: keep the constructor
        else:
            if a.default is attrs.NOTHING:
                continue  # computed by __attrs_post_init__
            body.extend(_default_lines(ns, i, a, "    ", x))
        if a.converter is not None:
            ns[f"_k{i}"] = a.converter
            kept = CONVERTED.get(a.converter)
            if kept is not None:
                ns[f"_t{i}"] = kept
                body.append(f"    if type({x}) is not _t{i}:")
                body.append(f"        {x} = _k{i}({x})")
            else:
                body.append(f"    {x} = _k{i}({x})")
        body.append(f"    self.{name} = {x}" if asm is not None else f"    _set({name!r}, {x})")
        for j, check in enumerate(_validators(a)):
            if name in declared and _redundant(check, declared[name]):
                continue
            ns[f"_v{i}_{j}"] = check
            call = f"_v{i}_{j}(self, _a{i}, {x})"
            cond = _pass_condition(check, declared.get(name)) if name in declared else None
            if (
                cond is not None
                and check in SEEN_PASSES
                and convs.get(name, (None,))[0] in interned
            ):
                cond = SEEN_PASSES[check]
            if cond is not None:
                # The passing case inline; anything else calls the validator (its error).
                checks.append(f"    if not ({cond.format(x=x)}): {call}")
            else:
                checks.append(f"    {call}")
    if optional:
        body.insert(2, "    k = 0")
    if asm is not None:
        body.append("    self.__class__ = _cls")
    body.extend(checks)
    if hasattr(cls, "__attrs_post_init__"):
        post = POST_PASSES.get(cls)
        if post is not None:
            names = {a.name: f"x{i}" for i, a in enumerate(attrs.fields(cls))}
            body.append(f"    if not ({post.format(**names)}): self.__attrs_post_init__()")
        else:
            body.append("    self.__attrs_post_init__()")
    if optional:
        body.append(f"    n[0] += k + {required}")
    elif required:
        body.append(f"    n[0] += {required}")
    body.append("    return self")
    code = "\n".join(body)
    exec(compile(code, f"<salesctl trusted builder {cls.__qualname__}>", "exec"), ns)
    build: _Conv = ns["build"]
    return build


def _assembly_of(cls: type) -> type | None:
    """The assembly of a slotted ``cls`` (:func:`salesctl.decision._assembly`) when every
    field is a slot: its own (any descriptor ``_assembly`` knows), or a base's plain slot (an
    event's ``at``); ``None`` for any other class (built by ``object.__setattr__``)."""
    if "__slots__" not in cls.__dict__:
        return None
    for a in attrs.fields(cls):
        if a.name not in cls.__dict__ and (
            type(inspect.getattr_static(cls, a.name, None)) is not types.MemberDescriptorType
        ):
            return None
    return _assembly(cls)


def _default_lines(
    ns: dict[str, Any], i: int, a: attrs.Attribute[Any], pad: str, x: str
) -> list[str]:
    d: Any = a.default
    if isinstance(d, attrs.Factory):  # type: ignore[arg-type]
        ns[f"_f{i}"] = d.factory
        return [f"{pad}{x} = _f{i}(self)" if d.takes_self else f"{pad}{x} = _f{i}()"]
    ns[f"_d{i}"] = d
    return [f"{pad}{x} = _d{i}"]
