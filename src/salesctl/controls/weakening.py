"""Weakenings: policy values that leave a control unable to fire, as the families declare them.

Every family policy class declares, next to its fields:

* ``AFFECTS``: for each of its fields, the ids of the controls whose behaviour the field sets
  (or :data:`GENERAL` for a field no single control reads). The policy documentation and the
  coverage-gap page read this map; ``tests/test_weakening.py`` checks that every field is in it
  and that it names at least the controls whose checks read the field.
* ``weakened(self)``: the :class:`Weakening` s its values make: a parameter set so that a control
  cannot fire (an empty list of methods, a zero ratio, an approval at the proposer's level…).

:class:`salesctl.policy.Policy` collects them, adds the ★ key controls the policy switches
off, and refuses a policy whose weakenings are not acknowledged in its ``[acknowledged]``
table (control id = reason).

>>> Weakening("O2C-BL-03", "min_collected_ratio", "0 lets every invoice through").control_id
'O2C-BL-03'
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from attrs import field, frozen

from salesctl._validators import text

__all__ = [
    "GENERAL",
    "PROPOSER_ROLES",
    "Weakening",
    "at_proposer_level",
    "order_lost",
    "weakenings",
]

#: ``AFFECTS`` value of a field that no single control reads (a general parameter).
GENERAL: tuple[str, ...] = ("general",)

#: The roles that propose (key) the documents the controls ask others to approve: an approval
#: asked of one of them, or at authority level 0, is one the proposer's peers can give.
PROPOSER_ROLES: frozenset[str] = frozenset({"sales_rep"})


@frozen
class Weakening:
    """A policy value that leaves a control unable to fire.

    Attributes:
        control_id: the control weakened.
        key: the policy key that weakens it, within its table (``"credit_methods"``); the
            policy prefixes the table (``"credit.credit_methods"``, ``"policy.disabled"``).
        why: what the value does to the control, in English.
    """

    control_id: str = field(validator=text)
    key: str = field(validator=text)
    why: str = field(validator=text)


def weakenings(controls: Iterable[str], key: str, why: str) -> tuple[Weakening, ...]:
    """One :class:`Weakening` per control of ``controls``, all for ``key`` and ``why``."""
    return tuple(Weakening(cid, key, why) for cid in controls)


def at_proposer_level(role: str, level: int) -> bool:
    """True when an approval by ``role`` at ``level`` is one a proposer could give."""
    return role in PROPOSER_ROLES or level <= 0


def order_lost(steps: Iterable[Any], seeded: Iterable[Any] | None) -> bool:
    """True when a chain of two or more sign-offs has lost the order the seed gives it.

    ``steps`` and ``seeded`` are approval steps (anything with an int ``step``: ``1``, ``2``, …
    in order, equal numbers in parallel, ``0`` any order; ``seeded`` ``None``: no seed chain).
    The seed's chain is ordered when its steps use two or more numbers; the configured chain
    keeps that order only when its steps use two or more numbers too. A single-step chain has
    no order to lose.

    >>> from types import SimpleNamespace as S
    >>> seed = (S(step=1), S(step=1), S(step=2))
    >>> order_lost((S(step=0), S(step=0), S(step=0)), seed)
    True
    >>> order_lost((S(step=1), S(step=2)), seed), order_lost((S(step=0),), seed)
    (False, False)
    """
    mine = tuple(steps)
    if seeded is None or len(mine) < 2 or len({s.step for s in seeded if s.step}) < 2:
        return False
    return len({s.step for s in mine if s.step}) < 2
