"""Small immutable building blocks and validators shared by every value class.

Validators raise :class:`~salesctl.errors.InvalidInput` with the path ``Class.field``; the
parsers in :mod:`salesctl._convert` replace the class name with the real path of the value
in the input document.
"""

from __future__ import annotations

import datetime as _dt
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Mapping
from decimal import Decimal
from typing import Any, Generic, TypeVar

import attrs

from salesctl.errors import InvalidInput
from salesctl.money import to_decimal

K = TypeVar("K")
V = TypeVar("V")

__all__ = ["FrozenMap"]


class FrozenMap(Mapping[K, V], Generic[K, V]):
    """An immutable, hashable mapping (the ``dict`` of frozen values).

    >>> m = FrozenMap({"SO": 41})
    >>> m["SO"], len(m), m == {"SO": 41}
    (41, 1, True)
    """

    __slots__ = ("_d", "_h")

    def __init__(self, data: Mapping[K, V] | Iterable[tuple[K, V]] = ()) -> None:
        self._d: dict[K, V] = dict(data)
        self._h: int | None = None

    def __getitem__(self, key: K) -> V:
        return self._d[key]

    def get(self, key: K, default: Any = None) -> Any:
        return self._d.get(key, default)

    def __iter__(self) -> Iterator[K]:
        return iter(self._d)

    def __len__(self) -> int:
        return len(self._d)

    def __contains__(self, key: object) -> bool:
        return key in self._d

    def __hash__(self) -> int:
        if self._h is None:
            self._h = hash(frozenset(self._d.items()))
        return self._h

    def __eq__(self, other: object) -> bool:
        if isinstance(other, FrozenMap):
            return self._d == other._d
        if isinstance(other, Mapping):
            return self._d == dict(other)
        return NotImplemented

    def __repr__(self) -> str:
        return f"FrozenMap({self._d!r})"


def _path(inst: Any, a: attrs.Attribute[Any]) -> str:
    return f"{type(inst).__name__}.{a.name}"


# -- converters ------------------------------------------------------------------------------
# Converters only normalise well-formed input (a list becomes a tuple, an int a Decimal); they
# leave anything else unchanged so that the field's validator, which knows the field's path,
# reports it.


def decimal_conv(value: Any) -> Any:
    """Converter: ints and numeric strings become ``Decimal``; anything else is left as is."""
    if type(value) is Decimal:  # the commonest value, left as is (no isinstance chain)
        return value
    if isinstance(value, bool):
        return value
    if isinstance(value, int | str):
        try:
            return to_decimal(value)
        except InvalidInput:
            return value
    return value


def tuple_conv(value: Any) -> Any:
    """Converter: a list or other non-text iterable becomes a ``tuple``."""
    if type(value) is tuple:  # the commonest value, left as is (no ABC check)
        return value
    if isinstance(value, tuple | str | bytes | Mapping) or not isinstance(value, Iterable):
        return value
    return tuple(value)


def frozenset_conv(value: Any) -> Any:
    """Converter: a list, set or other non-text iterable becomes a ``frozenset``."""
    if type(value) is frozenset:  # the commonest value, left as is (no ABC check)
        return value
    if isinstance(value, frozenset | str | bytes | Mapping) or not isinstance(value, Iterable):
        return value
    return frozenset(value)


def frozenmap_conv(value: Any) -> Any:
    """Converter: a mapping becomes a :class:`FrozenMap`."""
    if type(value) is FrozenMap:  # left as is (no ABC check)
        return value
    if isinstance(value, Mapping) and not isinstance(value, FrozenMap):
        return FrozenMap(value)
    return value


# -- validators -------------------------------------------------------------------------

Validator = Callable[[Any, "attrs.Attribute[Any]", Any], None]


def typed(tp: type | tuple[type, ...], *, optional: bool = False) -> Validator:
    """Validator: ``isinstance(value, tp)`` (``None`` allowed when ``optional``)."""

    names = tp.__name__ if isinstance(tp, type) else " or ".join(t.__name__ for t in tp)

    def check(inst: Any, a: attrs.Attribute[Any], value: Any) -> None:
        if value is None and optional:
            return
        if isinstance(value, bool) and tp is int:
            raise InvalidInput(
                "must be an integer, not a boolean", path=_path(inst, a), value=value
            )
        if not isinstance(value, tp):
            raise InvalidInput(
                f"must be {names}, not {type(value).__name__}", path=_path(inst, a), value=value
            )
        if type(value) is str and not value.isascii() and not is_unicode(value):
            raise unicode_error(value, _path(inst, a))

    return check


def is_unicode(value: str) -> bool:
    """True when ``value`` is valid Unicode text (UTF-8 can encode it): no lone surrogate such
    as ``"\\ud800"``, which JSON's ``\\u`` escapes can produce and no file can hold."""
    if value.isascii():  # the common case, and the fast one
        return True
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def unicode_error(value: str, path: str) -> InvalidInput:
    """The error for a string :func:`is_unicode` refuses, at ``path``."""
    return InvalidInput(
        "is not valid Unicode text (it holds a lone surrogate)", path=path, value=value
    )


def text(inst: Any, a: attrs.Attribute[Any], value: Any) -> None:
    """Validator: a non-blank string of valid Unicode text."""
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput("must be a non-empty string", path=_path(inst, a), value=value)
    if not value.isascii() and not is_unicode(value):
        raise unicode_error(value, _path(inst, a))


def opt_text(inst: Any, a: attrs.Attribute[Any], value: Any) -> None:
    """Validator: ``None`` or a non-blank string."""
    if value is not None:
        text(inst, a, value)


def each(tp: type | tuple[type, ...]) -> Validator:
    """Validator: every member of a tuple/frozenset is an instance of ``tp``."""

    names = tp.__name__ if isinstance(tp, type) else " or ".join(t.__name__ for t in tp)

    def check(inst: Any, a: attrs.Attribute[Any], value: Any) -> None:
        if not isinstance(value, tuple | frozenset):
            raise InvalidInput("must be a list", path=_path(inst, a), value=value)
        for i, v in enumerate(value):
            if not isinstance(v, tp) or (isinstance(v, str) and not v.strip()):
                raise InvalidInput(
                    f"must hold {names} only", path=f"{_path(inst, a)}[{i}]", value=v
                )
            if type(v) is str and not v.isascii() and not is_unicode(v):
                raise unicode_error(v, f"{_path(inst, a)}[{i}]")

    return check


def _number(inst: Any, a: attrs.Attribute[Any], value: Any) -> int | Decimal:
    v = getattr(value, "amount", value)
    if isinstance(v, float):
        raise InvalidInput(
            'floats are refused; write the number as a string such as "12.50"',
            path=_path(inst, a),
            value=value,
        )
    if (
        isinstance(v, bool)
        or not isinstance(v, int | Decimal)
        or (isinstance(v, Decimal) and not v.is_finite())
    ):
        raise InvalidInput("must be a finite decimal number", path=_path(inst, a), value=value)
    return v


def mapping(inst: Any, a: attrs.Attribute[Any], value: Any) -> None:
    """Validator: a :class:`FrozenMap`."""
    if not isinstance(value, FrozenMap):
        raise InvalidInput("must be a mapping", path=_path(inst, a), value=value)


def non_negative(inst: Any, a: attrs.Attribute[Any], value: Any) -> None:
    """Validator: a number (or Money) that is not below zero."""
    v = _number(inst, a, value)
    if v < 0:
        raise InvalidInput("must not be negative", path=_path(inst, a), value=str(value))


def positive(inst: Any, a: attrs.Attribute[Any], value: Any) -> None:
    """Validator: a number (or Money) above zero."""
    v = _number(inst, a, value)
    if v <= 0:
        raise InvalidInput("must be greater than zero", path=_path(inst, a), value=str(value))


def ratio(inst: Any, a: attrs.Attribute[Any], value: Any) -> None:
    """Validator: a Decimal between 0 and 1 inclusive (a percentage written as a fraction)."""
    if not isinstance(value, Decimal) or not value.is_finite() or not (0 <= value <= 1):
        raise InvalidInput(
            "must be a fraction between 0 and 1 (write 60 % as 0.60)",
            path=_path(inst, a),
            value=str(value),
        )


def aware(inst: Any, a: attrs.Attribute[Any], value: Any) -> None:
    """Validator: a timezone-aware ``datetime`` (naive times are ambiguous evidence)."""
    if not isinstance(value, _dt.datetime):
        raise InvalidInput("must be a datetime", path=_path(inst, a), value=value)
    if value.tzinfo is None or value.utcoffset() is None:
        raise InvalidInput(
            "must carry a UTC offset, e.g. 2026-03-02T10:15:00+08:00",
            path=_path(inst, a),
            value=value.isoformat(),
        )


def opt_aware(inst: Any, a: attrs.Attribute[Any], value: Any) -> None:
    """Validator: ``None`` or a timezone-aware datetime."""
    if value is not None:
        aware(inst, a, value)


def a_date(inst: Any, a: attrs.Attribute[Any], value: Any) -> None:
    """Validator: a ``date`` that is not a ``datetime``."""
    if not isinstance(value, _dt.date) or isinstance(value, _dt.datetime):
        raise InvalidInput("must be a date (YYYY-MM-DD)", path=_path(inst, a), value=value)


def opt_date(inst: Any, a: attrs.Attribute[Any], value: Any) -> None:
    """Validator: ``None`` or a date."""
    if value is not None:
        a_date(inst, a, value)


# -- identities -----------------------------------------------------------------------------
# Ids are compared by the controls: person and role ids (segregation of duties, "the proposer
# never approves") and document ids (an invoice booked twice, the goods issue a booking names):
# an id that differs from another only by surrounding whitespace or an invisible character would
# name the same person or document to a reader and a different one to the code. Such ids are
# refused where they enter (every ``id``/``*_id`` field of the input: tests/
# test_identity_properties.py); case differences are folded where person ids are compared
# (same_person), while document ids keep their case.

#: Unicode categories an identifier may not contain anywhere: controls, format characters
#: (zero-width joiners, bidi marks), line and paragraph separators.
_BAD_IDENT_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp"})


def ident_problem(value: Any) -> str | None:
    """Why ``value`` is not a canonical id (a person, role or document id), or ``None`` when it
    is one.

    >>> ident_problem("u-rep"), ident_problem("u-rep ") is not None, ident_problem("a\\u200bb")
    (None, True, 'must not contain control or format characters (U+200B)')
    """
    if type(value) is not str or not value:
        return "must be a non-empty string"
    # Fast path: printable (no Cc/Cf/Zl/Zp, nor any space but U+0020) and nothing to strip.
    if value.isprintable() and value.strip() == value:
        return None
    if not value.strip():
        return "must be a non-empty string"
    if value.strip() != value:
        return "must not begin or end with whitespace"
    if not is_unicode(value):
        return "is not valid Unicode text (it holds a lone surrogate)"
    for ch in value:
        if unicodedata.category(ch) in _BAD_IDENT_CATEGORIES:
            return f"must not contain control or format characters (U+{ord(ch):04X})"
    return None


def ident(inst: Any, a: attrs.Attribute[Any], value: Any) -> None:
    """Validator: a canonical person, role or document id (see :func:`ident_problem`)."""
    if type(value) is str and value and value.isprintable() and value.strip() == value:
        return
    problem = ident_problem(value)
    if problem is not None:
        raise InvalidInput(problem, path=_path(inst, a), value=value)


def opt_ident(inst: Any, a: attrs.Attribute[Any], value: Any) -> None:
    """Validator: ``None`` or a canonical person, role or document id."""
    if value is not None:
        ident(inst, a, value)


def each_ident(inst: Any, a: attrs.Attribute[Any], value: Any) -> None:
    """Validator: a tuple or frozenset of canonical person, role or document ids."""
    if not isinstance(value, tuple | frozenset):
        raise InvalidInput("must be a list", path=_path(inst, a), value=value)
    for i, v in enumerate(value):
        if type(v) is str and v and v.isprintable() and v.strip() == v:
            continue
        problem = ident_problem(v)
        if problem is not None:
            raise InvalidInput(problem, path=f"{_path(inst, a)}[{i}]", value=v)


def person_key(value: str) -> str:
    """The form in which person ids are compared: ``casefold`` (after ``upper`` for non-ASCII
    ids, so that every case change of an id, ``"ı"`` to ``"I"`` included, keeps its key).
    The gate's hot paths write the ASCII branch in place (``tests/test_identity_properties.py``
    pins it).

    >>> person_key("U-Rep"), person_key("u-ıd") == person_key("U-ID")
    ('u-rep', True)
    """
    return value.casefold() if value.isascii() else value.upper().casefold()


def same_person(a: str | None, b: str | None) -> bool:
    """True when ids ``a`` and ``b`` name the same person: equal but for case.

    Segregation-of-duties comparisons use this, so ``"U-REP"`` is ``"u-rep"``.

    >>> same_person("U-Rep", "u-rep"), same_person("u-rep", None)
    (True, False)
    """
    return a is not None and b is not None and (a == b or person_key(a) == person_key(b))
