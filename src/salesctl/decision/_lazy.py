"""Values of a finding or a decision built the first time they are read: the descriptors that
build them (:class:`_OnRead` for a finding's ``params`` and ``facts``, :class:`_BuiltOnRead`
for a decision's ``findings``) and a decision's findings not built yet (:class:`_Later`).
:mod:`salesctl.decision` installs the descriptors on its classes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

__all__: list[str] = []


class _OnRead:
    """The descriptor of :attr:`Finding.params` and :attr:`Finding.facts`: the slot's value,
    a ``_Deferred`` (the type ``lazy``) rendered (and stored) on first read. Rendering twice
    (two threads reading at once) stores equal tuples."""

    __slots__ = ("_get", "_lazy", "_set", "_slot")

    def __init__(self, slot: Any, lazy: Any) -> None:
        self._slot = slot
        self._get = slot.__get__
        self._set = slot.__set__
        self._lazy = lazy

    def __get__(self, obj: Any, owner: Any = None) -> Any:
        if obj is None:
            return self._slot
        v: Any = self._get(obj, owner)
        if type(v) is self._lazy:
            v = v.render()
            self._set(obj, v)
        return v

    def __set__(self, obj: Any, value: Any) -> None:
        self._set(obj, value)

    def __delete__(self, obj: Any) -> None:
        self._slot.__delete__(obj)


class _Later:
    """A decision's findings not built yet: ``fn(*args)`` returns them (a tuple of findings
    whose maximum outcome is ``outcome``), built the first time :attr:`Decision.findings` is
    read (:class:`_BuiltOnRead`). Nothing can tell the two apart: every read of ``findings``
    (attribute access, ``==``, ``hash``, ``repr``, pickling, JSON, ``explain``) sees the built
    tuple; iterating a ``_Later`` iterates the findings it builds.

    For a control's gate path only (its ``gate_check``): the one step of a one-control gate is
    stored in the decision as it is, with ``outcome`` (``salesctl.gate._compile_check``); a pack
    of several steps iterates it. The rules of ``_Deferred`` hold: ``fn`` pure, its ``args``
    immutable values, ``fn(*args)`` unable to raise for them, and ``outcome`` the maximum of
    what it builds — a control decides the outcome eagerly and defers only the building of its
    evidence. ``tests/test_performance.py`` compares every deferred decision with the eager one.
    """

    __slots__ = ("args", "fn", "outcome")

    fn: Callable[..., Any]
    args: tuple[Any, ...]
    outcome: Any

    # Made empty (``_Later()``: object's own __new__ and __init__, both in C, cheaper than
    # ``object.__new__(_Later)`` through its Python-level wrapper), then its three slots stored.

    def __iter__(self) -> Any:
        """The findings, built (each iteration builds them afresh)."""
        return iter(self.fn(*self.args))


class _BuiltOnRead(_OnRead):
    """The descriptor of :attr:`Decision.findings`: the slot's value, a :class:`_Later` built
    (and stored) on first read. Building twice (two threads reading at once) stores equal
    tuples."""

    __slots__ = ()

    def __get__(self, obj: Any, owner: Any = None) -> Any:
        if obj is None:
            return self._slot
        v = self._get(obj, owner)
        if type(v) is _Later:
            v = v.fn(*v.args)
            self._set(obj, v)
        return v
