"""Assemblies: how the trusted builders fill a frozen slotted class by plain slot stores.

An assembly of a frozen slotted class ``cls`` is a subclass that adds no slot (the same memory
layout as ``cls``) and lets plain attribute stores go straight into ``cls``'s slots. A builder
makes an empty instance by calling the assembly, stores every field, then assigns
``__class__ = cls``: the object *is* a ``cls`` from then on, exactly as if its slots had been
set one by one through ``object.__setattr__`` (at about twice the cost: a slot store by
``STORE_ATTR`` is far cheaper than calling the descriptor's ``__set__``). An assembly instance
never leaves its builder. Used by :meth:`salesctl.money.Money._trusted`, the gate's findings
and requirements (:mod:`salesctl.decision`) and the demo's trusted builders.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["assembly"]


def assembly(cls: type, stores: Mapping[str, Any] | None = None) -> type:
    """The assembly of the frozen slotted class ``cls``.

    Args:
        cls: the class (its fields are slots of its own or of a base).
        stores: per field read through another descriptor, the slot descriptor its store
            goes through (e.g. ``{"facts": <member '_facts'>}``).
    """
    ns: dict[str, Any] = {
        "__slots__": (),
        "__setattr__": object.__setattr__,
        "__delattr__": object.__delattr__,
        # made empty by calling the class (object's __new__ and __init__, both in C): cheaper
        # than object.__new__(assembly), which goes through the Python-level wrapper
        "__init__": object.__init__,
        "__module__": cls.__module__,
    }
    if stores:
        ns.update(stores)
    return type(f"_{cls.__name__}Assembly", (cls,), ns)
