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

from collections.abc import Callable
from typing import Any, TypeVar

import attrs

__all__ = ["trusted"]

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


def _compile(cls: type) -> Callable[..., Any]:
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
    body: list[str] = ["    self = _new(_cls)"]
    for i, a in enumerate(attrs.fields(cls)):
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
            body.append(f"    x = _k{i}(x)")
        body.append(f"    _set(self, {name!r}, x)")
    if hasattr(cls, "__attrs_post_init__"):
        body.append("    self.__attrs_post_init__()")
    body.append("    return self")
    src = "\n".join([f"def build(*, {', '.join(params)}):" if params else "def build():", *body])
    exec(compile(src, f"<salesctl demo trusted {cls.__qualname__}>", "exec"), ns)
    build: Callable[..., Any] = ns["build"]
    return build


class _Unset:
    __slots__ = ()


_UNSET = _Unset()
