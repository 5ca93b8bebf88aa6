"""Building the generator's own documents without re-validating them.

The generator writes tens of thousands of documents whose every value it computed itself (ids
from its counters, amounts it quantised, dates from its calendar); running each field's
validators on them again is most of the cost of the month-end registers. :func:`trusted`
generates (once per class, with ``exec``, as attrs generates ``__init__``) a constructor taking
the same keyword arguments that does what the class's ``__init__`` does — defaults, converters,
``__attrs_post_init__`` (cross-field checks, computed fields) — except the per-field validators.
The document is equal to the one the constructor builds; the audit replay validates every line
of the stream when it reads it (``tests/test_fastreplay.py`` reads a whole demo year).

Only for documents the generator builds from values it owns; anything planted as a violation
(injectors) keeps the constructor.
"""

from __future__ import annotations

import inspect
import types
from collections.abc import Callable
from decimal import Decimal
from typing import Any, TypeVar

import attrs

from salesctl._validators import (
    FrozenMap,
    decimal_conv,
    frozenmap_conv,
    frozenset_conv,
    tuple_conv,
)
from salesctl.decision import _assembly

__all__ = ["checks_only", "trusted"]

T = TypeVar("T")
_BUILDERS: dict[type, Callable[..., Any]] = {}


def trusted(cls: type[T]) -> Callable[..., T]:
    """The trusted constructor of the attrs class ``cls`` (keyword arguments only).

    Raises:
        TypeError: for a class whose construction does more than fields, converters,
            validators and ``__attrs_post_init__`` (it keeps its constructor).
    """
    build = _BUILDERS.get(cls)
    if build is None:
        build = _BUILDERS[cls] = _compile(cls)
    return build


#: Set by a test: every build by a slot-store builder is compared with the same build by
#: ``object.__setattr__`` (the builder's other form), field for field, its type and repr, and
#: with the class's own constructor (every validator run: it must accept the arguments and
#: build an equal document with the same repr); a ``RuntimeError`` when they differ.
_VERIFY = [False]
#: The classes checked so while ``_VERIFY`` was set (read by the test).
_VERIFIED: set[type] = set()


def _same_as_set(built: Any, cls: type, kw: dict[str, Any]) -> None:
    _VERIFIED.add(cls)
    other = _compile(cls, assemble=False)(**kw)
    fields = attrs.fields(cls)
    names = [a.name for a in fields if a.eq]
    # a field outside the value (derived at construction, compared by identity): its type
    derived = [a.name for a in fields if not a.eq]
    if (
        type(built) is not type(other)
        or [getattr(built, n) for n in names] != [getattr(other, n) for n in names]
        or [type(getattr(built, n)) for n in derived] != [type(getattr(other, n)) for n in derived]
        or repr(built) != repr(other)
        or built != other
    ):
        raise RuntimeError(f"{cls.__qualname__}: the slot stores built another document")
    validated = cls(**{k: v for k, v in kw.items() if v is not _UNSET})
    if type(validated) is not type(built) or validated != built or repr(validated) != repr(built):
        raise RuntimeError(f"{cls.__qualname__}: the constructor built another document")


def _compile(cls: type, *, assemble: bool = True) -> Callable[..., Any]:
    init = cls.__dict__.get("__init__")
    code = getattr(init, "__code__", None)
    if (
        not attrs.has(cls)
        or hasattr(cls, "__attrs_pre_init__")
        or "_attrs_cached_hash" in getattr(cls, "__slots__", ())
        or code is None
        or not code.co_filename.startswith("<attrs generated")
    ):
        raise TypeError(f"{cls.__qualname__} keeps its constructor")
    ns: dict[str, Any] = {"_new": object.__new__, "_set": object.__setattr__, "_cls": cls}
    params: list[str] = []
    fields = attrs.fields(cls)
    # A slotted class whose fields are all its own slots is filled by plain slot stores on
    # its assembly (:func:`salesctl.decision._assembly`), then made a ``cls`` (as the gate's
    # and the ledger's builders do); any other class through ``object.__setattr__``.
    asm = _assembly_of(cls, fields) if assemble else None
    slotted = asm is not None
    if asm is not None:
        ns["_asm"] = asm
        body: list[str] = ["    self = _asm()"]
    else:
        body = ["    self = _new(_cls)"]
    for i, a in enumerate(fields):
        name = a.name
        if a.init:
            arg = a.alias if a.alias else name
            d: Any = a.default
            if d is attrs.NOTHING:
                params.append(arg)
                body.append(f"    x = {arg}")
            elif isinstance(d, attrs.Factory):  # type: ignore[arg-type]
                ns["_UNSET"] = _UNSET
                ns[f"_f{i}"] = d.factory
                params.append(f"{arg}=_UNSET")
                made = f"_f{i}(self)" if d.takes_self else f"_f{i}()"
                body.append(f"    x = {made} if {arg} is _UNSET else {arg}")
            else:
                ns[f"_d{i}"] = d
                params.append(f"{arg}=_d{i}")
                body.append(f"    x = {arg}")
        else:
            d = a.default
            if d is attrs.NOTHING:
                continue  # computed by __attrs_post_init__
            if isinstance(d, attrs.Factory):  # type: ignore[arg-type]
                ns[f"_f{i}"] = d.factory
                body.append(f"    x = _f{i}(self)" if d.takes_self else f"    x = _f{i}()")
            else:
                ns[f"_d{i}"] = d
                body.append(f"    x = _d{i}")
        if a.converter is not None:
            ns[f"_k{i}"] = a.converter
            kept = _KEEPS.get(a.converter)
            if kept is not None:  # a value of exactly this type the converter returns as is
                ns[f"_t{i}"] = kept
                body.append(f"    if type(x) is not _t{i}:")
                body.append(f"        x = _k{i}(x)")
            else:
                body.append(f"    x = _k{i}(x)")
        body.append(f"    self.{name} = x" if slotted else f"    _set(self, {name!r}, x)")
    if slotted:
        body.append("    self.__class__ = _cls")
    if hasattr(cls, "__attrs_post_init__") and not (slotted and checks_only(cls)):
        body.append("    self.__attrs_post_init__()")
    if slotted:
        ns["_VERIFY"] = _VERIFY
        ns["_same"] = _same_as_set
        given = ", ".join(f"{p.split('=')[0]!r}: {p.split('=')[0]}" for p in params)
        body.append(f"    if _VERIFY[0]:\n        _same(self, _cls, {{{given}}})")
    body.append("    return self")
    src = "\n".join([f"def build(*, {', '.join(params)}):" if params else "def build():", *body])
    exec(compile(src, f"<salesctl demo trusted {cls.__qualname__}>", "exec"), ns)
    build: Callable[..., Any] = ns["build"]
    return build


def _assembly_of(cls: type, fields: tuple[attrs.Attribute[Any], ...]) -> type | None:
    """The assembly of a slotted ``cls`` (:func:`salesctl.decision._assembly`), for a class
    whose fields are all slots: its own (any descriptor ``_assembly`` knows), or a base's
    plain slots (an event's ``at``); ``None`` for any other class."""
    if "__slots__" not in cls.__dict__:
        return None
    for a in fields:
        if a.name not in cls.__dict__ and (
            type(inspect.getattr_static(cls, a.name, None)) is not types.MemberDescriptorType
        ):
            return None
    return _assembly(cls)


#: Converters that return a value of exactly one type as it is (``tuple_conv`` a tuple,
#: ``frozenset_conv`` a frozenset, ``decimal_conv`` a Decimal, ``frozenmap_conv`` a
#: ``FrozenMap``): the builders call them only
#: for a value of another type (58,000 calls a default year, most of them on tuples).
_KEEPS: dict[Callable[[Any], Any], type] = {
    tuple_conv: tuple,
    frozenset_conv: frozenset,
    decimal_conv: Decimal,
    frozenmap_conv: FrozenMap,
}


#: Classes whose ``__attrs_post_init__`` only checks across fields (a receipt's amounts, a
#: revenue entry's goods issues and offset, a proof's signer, a notice's or goods issue's
#: order): it derives nothing (:func:`checks_only`), so the slot-store builder leaves it out
#: for values the host made (about 16,700 a default year); the other builder and ``_VERIFY``'s
#: constructor still run it (``tests/test_demo_nineteenth.py``).
_CHECKS_ONLY = frozenset(
    {"Receipt", "RevenueEntry", "DeliveryProof", "IssueDeliveryNotice", "PostGoodsIssue"}
)


def checks_only(cls: type) -> bool:
    """Whether the trusted builder of ``cls`` leaves its ``__attrs_post_init__`` out: the
    class is listed in ``_CHECKS_ONLY`` and has no field its construction derives (every
    field is an init field, and a slotted class holds nothing else: its ``__attrs_post_init__``
    can only check)."""
    return (
        cls.__name__ in _CHECKS_ONLY
        and attrs.has(cls)
        and all(a.init for a in attrs.fields(cls))
        and "__dict__" not in dir(cls)
    )


class _Unset:
    __slots__ = ()


_UNSET = _Unset()
