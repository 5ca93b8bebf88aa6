"""Invalid inputs: each with the error and field path a boundary must refuse it with.

An :class:`Invalid` case carries the bad data, the path the error must name and the error
class; :meth:`Invalid.assert_rejected_by` checks a boundary against one. Every strategy here
starts from a valid value of the kit and breaks exactly one thing.
"""

from __future__ import annotations

import datetime as dt
import enum
import json
import typing
from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal
from typing import Any

import attrs
from hypothesis import strategies as st
from hypothesis.strategies import SearchStrategy

from salesctl import events as ev
from salesctl._convert import fields_of, unstructure
from salesctl.context import Context
from salesctl.controls import FAMILIES
from salesctl.decision import Decision, Outcome
from salesctl.errors import InvalidInput, PolicyError, SalesctlError, UnknownTransaction
from salesctl.model import FrozenMap
from salesctl.money import Money
from salesctl.policy import Policy, toml_text
from salesctl.testing.checks import transactions
from salesctl.testing.context import contexts
from salesctl.testing.core import decisions
from salesctl.testing.fuzz import get_at, replace_at
from salesctl.testing.policy import policies
from salesctl.testing.values import from_type, unwrap_optional
from salesctl.transactions import Transaction, transaction_to_dict

__all__ = [
    "Invalid",
    "invalid_context_data",
    "invalid_data",
    "invalid_decision_data",
    "invalid_event_lines",
    "invalid_kwargs",
    "invalid_policy_toml",
    "invalid_transaction_data",
]


@attrs.frozen
class Invalid:
    """A deliberately invalid input and the error it must raise.

    Attributes:
        data: the input: JSON data, constructor keyword arguments, TOML text or an event line.
        path: the field path the error must name (the error's path equals it or lies under it).
        error: the :class:`~salesctl.errors.SalesctlError` subclass expected.
        defect: what was broken, for the test report (e.g. ``"float"``, ``"unknown key"``).
        owner: for constructor arguments, the class whose ``"Class."`` path prefix may be left out.
    """

    data: Any
    path: str
    error: type[SalesctlError] = InvalidInput
    defect: str = ""
    owner: str = ""

    def matches(self, err: BaseException) -> bool:
        """True when ``err`` is the expected error naming the expected path."""
        if not isinstance(err, self.error):
            return False
        want, got = self.path, err.path
        if self.owner:
            # Constructors name "Class.field"; a few name the field alone, and Policy names
            # the file's table ("policy.base_currency").
            for prefix in (self.owner + ".", self.owner.lower() + "."):
                want = want.removeprefix(prefix)
                got = got.removeprefix(prefix)
        return got == want or got.startswith((want + ".", want + "["))

    def assert_rejected_by(self, fn: Callable[[Any], Any]) -> SalesctlError:
        """Call ``fn(data)`` and check it raises the expected error at the expected path.

        Returns:
            The error raised.

        Raises:
            AssertionError: if ``fn`` accepts the input, raises another error, or names
                another path.
        """
        try:
            fn(self.data)
        except SalesctlError as e:
            if not self.matches(e):
                raise AssertionError(
                    f"{self.defect}: expected {self.error.__name__} at {self.path!r}, got "
                    f"{type(e).__name__} at {e.path!r}: {e}"
                ) from e
            return e
        raise AssertionError(
            f"{self.defect}: accepted, expected {self.error.__name__} at {self.path!r}"
        )


_NOPE = "__not_a_value__"


def _wrong_json(tp: Any, optional: bool) -> list[tuple[str, Any]]:
    """JSON values that are not a valid ``tp`` (``None`` only when ``tp`` is required)."""
    out: list[tuple[str, Any]] = [("float", 1.5)]
    if not optional:
        out.append(("null", None))
    origin = typing.get_origin(tp)
    if tp is str:
        out += [("integer for text", 7), ("list for text", ["x"])]
    elif tp is bool:
        out += [("text for boolean", "true"), ("integer for boolean", 1)]
    elif tp is int:
        out += [("text for integer", "7"), ("boolean for integer", True)]
    elif tp is Decimal:
        out += [
            ("not a number", "twelve"),
            ("NaN", "NaN"),
            ("infinity", "-Infinity"),
            ("boolean for number", True),
        ]
    elif tp is Money:
        out += [
            ("bare number for money", "12.00"),
            ("unknown currency", "12.00 XXX"),
            ("too many decimals", "1.0001 CNY"),
            ("integer for money", 12),
            ("incomplete money", {"amount": "1"}),
        ]
    elif tp is dt.date:
        out += [
            ("impossible date", "2026-02-30"),
            ("not a date", "yesterday"),
            ("integer for date", 20260302),
            ("date-time for date", "2026-03-02T10:00:00+08:00"),
        ]
    elif tp is dt.datetime:
        out += [
            ("naive time", "2026-03-02T10:15:00"),
            ("not a time", "soon"),
            ("integer for time", 5),
        ]
    elif isinstance(tp, type) and issubclass(tp, enum.Enum):
        out += [("unknown enum value", _NOPE), ("boolean for enum", True)]
    elif origin in (tuple, frozenset):
        out += [("text for list", "abc"), ("object for list", {"a": 1})]
    elif origin in (FrozenMap, Mapping) or tp is FrozenMap:
        out += [("list for object", ["a"]), ("text for object", "abc")]
    elif isinstance(tp, type) and attrs.has(tp):
        out += [("list for object", []), ("text for object", "abc")]
    return out


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


@attrs.frozen
class _Site:
    where: tuple[Any, ...]  # keys/indices from the root
    path: str
    tp: Any
    optional: bool


def _sites(
    tp: Any, data: Any, path: str, where: tuple[Any, ...], optional: bool = False
) -> list[_Site]:
    base, opt = unwrap_optional(tp)
    optional = optional or opt
    if base is Any:
        return []
    out = [_Site(where, path, base, optional)]
    if data is None:
        return out
    origin = typing.get_origin(base)
    if isinstance(base, type) and attrs.has(base) and base is not Money and isinstance(data, dict):
        for name, ftype, _req in fields_of(base):
            if name in data:
                out += _sites(ftype, data[name], _join(path, name), (*where, name))
    elif origin is tuple and isinstance(data, list):
        args = typing.get_args(base)
        for i, x in enumerate(data):
            t = args[0] if len(args) == 2 and args[1] is Ellipsis else args[i]
            out += _sites(t, x, f"{path}[{i}]", (*where, i))
    elif origin is frozenset and isinstance(data, list):
        (arg,) = typing.get_args(base)
        for i, x in enumerate(data):
            out += _sites(arg, x, f"{path}[{i}]", (*where, i))
    elif (origin in (FrozenMap, Mapping) or base is FrozenMap) and isinstance(data, dict):
        _kt, vt = typing.get_args(base) or (str, Any)
        for k, x in data.items():
            out += _sites(vt, x, _join(path, str(k)), (*where, k))
    return out


def _defects(
    draw: st.DrawFn, tp: Any, data: Any, root: str, toml: bool = False
) -> tuple[Any, str, str]:
    """One defect in ``data`` (a valid ``tp`` as JSON): ``(bad data, path, defect)``."""
    sites = _sites(tp, data, root, ())
    site = draw(st.sampled_from(sites))
    value = get_at(data, site.where)
    choices: list[tuple[str, Any]] = []
    is_obj = isinstance(site.tp, type) and attrs.has(site.tp) and site.tp is not Money
    if is_obj and isinstance(value, dict):
        choices.append(("unknown key", ("add", "zz_unknown_key")))
        spec = fields_of(site.tp)
        required = [n for n, _t, req in spec if req and n in value]
        for n in required:
            choices.append(("missing required key", ("del", n)))
    wrong = _wrong_json(site.tp, site.optional)
    if toml:
        wrong = [(d, v) for d, v in wrong if _toml_wrong_ok(site.tp, v)]
    choices += [(d, ("set", v)) for d, v in wrong]
    defect, (op, arg) = draw(st.sampled_from(choices))
    if op == "add":
        bad = dict(value)
        bad[arg] = 1
        return replace_at(data, site.where, bad), _join(site.path, arg), defect
    if op == "del":
        bad = {k: v for k, v in value.items() if k != arg}
        return replace_at(data, site.where, bad), _join(site.path, arg), defect
    return replace_at(data, site.where, arg), site.path, defect


def _toml_wrong_ok(tp: Any, v: Any) -> bool:
    """Whether ``v`` can be written in TOML and is still wrong for ``tp`` once read back
    (TOML has no null; ``1.5`` reads as a Decimal; an incomplete table is not one defect)."""
    if v is None or isinstance(v, dict):
        return False
    if isinstance(v, float):
        return tp is not Decimal
    return True


def invalid_data(tp: Any, *, root: str = "") -> SearchStrategy[Invalid]:
    """JSON data for ``tp`` with exactly one defect, and the path the error must name.

    The defects: a float anywhere, a null for a required value, a value of the wrong JSON
    type, an impossible date, a naive time, an unknown currency or enum value, too many
    decimals, an unknown key, a missing required key. :func:`salesctl._convert.structure`
    (and every boundary built on it) must raise :class:`~salesctl.errors.InvalidInput` at
    exactly that path.

    Args:
        tp: the type the data is read as.
        root: the path prefix of the data (``"context"`` for :meth:`Context.from_dict`).
    """

    @st.composite
    def build(draw: st.DrawFn) -> Invalid:
        value = draw(from_type(tp))
        data = json.loads(json.dumps(unstructure(value)))
        bad, path, defect = _defects(draw, tp, data, root)
        return Invalid(data=bad, path=path, error=InvalidInput, defect=defect)

    return build()


def invalid_transaction_data(
    *, types: Iterable[type[Transaction] | str] | None = None
) -> SearchStrategy[Invalid]:
    """JSON transactions (with ``"type"``) with one defect, for
    :func:`salesctl.transactions.parse_transaction` and the CLI's check files.

    Besides the defects of :func:`invalid_data`: a missing, unknown or non-text ``"type"``.

    Args:
        types: only these transaction classes (or names).
    """

    @st.composite
    def build(draw: st.DrawFn) -> Invalid:
        txn = draw(transactions(types=types))
        data = json.loads(json.dumps(transaction_to_dict(txn)))
        how = draw(st.integers(0, 9))
        if how == 0:
            del data["type"]
            return Invalid(data=data, path="type", defect="missing type")
        if how == 1:
            data["type"] = draw(st.sampled_from(["placeOrder", "Nope", "", "PlaceOrder "]))
            return Invalid(data=data, path="type", error=UnknownTransaction, defect="unknown type")
        if how == 2:
            data["type"] = draw(st.sampled_from([1, 1.5, ["PlaceOrder"], True]))
            return Invalid(data=data, path="type", defect="type not text")
        body = {k: v for k, v in data.items() if k != "type"}
        bad, path, defect = _defects(draw, type(txn), body, "")
        if not isinstance(bad, dict):
            return Invalid(data=bad, path="", defect="not an object")
        return Invalid(data={"type": data["type"], **bad}, path=path, defect=defect)

    return build()


def invalid_context_data() -> SearchStrategy[Invalid]:
    """JSON contexts with one defect, for :meth:`salesctl.Context.from_dict` (paths start
    with ``"context"``)."""

    @st.composite
    def build(draw: st.DrawFn) -> Invalid:
        ctx = draw(contexts())
        bad, path, defect = _defects(
            draw, Context, json.loads(json.dumps(ctx.to_dict())), "context"
        )
        return Invalid(data=bad, path=path, defect=defect)

    return build()


def invalid_decision_data() -> SearchStrategy[Invalid]:
    """JSON decisions with one defect, for :meth:`salesctl.Decision.from_dict` (paths start
    with ``"decision"``); also an outcome that is not the max of the findings."""

    @st.composite
    def build(draw: st.DrawFn) -> Invalid:
        d = draw(decisions())
        data = json.loads(json.dumps(d.to_dict()))
        if draw(st.integers(0, 5)) == 0:
            wrong = [o for o in Outcome if o is not d.outcome]
            data["outcome"] = draw(st.sampled_from(wrong)).name
            return Invalid(data=data, path="decision.outcome", defect="outcome not the max")
        bad, path, defect = _defects(draw, Decision, data, "decision")
        return Invalid(data=bad, path=path, defect=defect)

    return build()


def _wrong_py(tp: Any, optional: bool) -> list[tuple[str, Any]]:
    """Python values that are not a valid ``tp`` for a constructor."""
    out: list[tuple[str, Any]] = [("float", 1.5), ("object", object())]
    if not optional:
        out.append(("None", None))
    origin = typing.get_origin(tp)
    if tp is str:
        out += [("integer for text", 7), ("bytes for text", b"x"), ("list for text", ["x"])]
    elif tp is int:
        out += [
            ("text for integer", "7"),
            ("boolean for integer", True),
            ("decimal for integer", Decimal(2)),
        ]
    elif tp is bool:
        out += [("integer for boolean", 1), ("text for boolean", "yes")]
    elif tp is Decimal:
        out += [("NaN", Decimal("NaN")), ("text", "twelve"), ("boolean", True)]
    elif tp is Money:
        out += [("text for money", "12.00 CNY"), ("decimal for money", Decimal("12"))]
    elif tp is dt.date:
        out += [
            ("date-time for date", dt.datetime(2026, 3, 2, tzinfo=dt.UTC)),
            ("text for date", "2026-03-02"),
        ]
    elif tp is dt.datetime:
        out += [
            ("naive time", dt.datetime(2026, 3, 2, 10, 15)),
            ("date for time", dt.date(2026, 3, 2)),
        ]
    elif isinstance(tp, type) and issubclass(tp, enum.Enum):
        first = next(iter(tp))
        out += [
            ("enum value instead of member", first.value if not isinstance(first, int) else "x")
        ]
    elif origin in (tuple, frozenset):
        out += [("integer for collection", 5)]
    elif origin in (FrozenMap, Mapping) or tp is FrozenMap:
        out += [("integer for mapping", 5), ("list for mapping", [1])]
    elif isinstance(tp, type) and attrs.has(tp):
        out += [("dict for object", {"x": 1})]
    return out


def invalid_kwargs(cls: type) -> SearchStrategy[Invalid]:
    """Constructor keyword arguments for ``cls`` with one field of a wrong Python type.

    ``cls(**data)`` must raise :class:`~salesctl.errors.InvalidInput` (or
    :class:`~salesctl.errors.PolicyError` for :class:`~salesctl.policy.Policy`) whose path names
    the field: ``"Class.field"`` (the class prefix may be left out) or a path below it.

    Args:
        cls: an attrs class of salesctl (document, transaction, record, policy, …).
    """
    error: type[SalesctlError] = SalesctlError if cls is Policy else InvalidInput

    @st.composite
    def build(draw: st.DrawFn) -> Invalid:
        value = draw(from_type(cls))
        spec = fields_of(cls)
        kwargs = {a.alias: getattr(value, a.name) for a in attrs.fields(cls) if a.init}
        name, ftype, _req = draw(st.sampled_from(spec))
        base, optional = unwrap_optional(ftype)
        defect, wrong = draw(st.sampled_from(_wrong_py(base, optional)))
        kwargs[name] = wrong
        return Invalid(
            data=kwargs,
            path=f"{cls.__name__}.{name}",
            error=error,
            defect=f"{name}: {defect}",
            owner=cls.__name__,
        )

    return build()


def invalid_policy_toml() -> SearchStrategy[Invalid]:
    """Policy files (TOML text) with one defect, for :func:`salesctl.loads_policy`: an
    unknown table or key, a value of the wrong type, an unknown currency or control id, a
    syntax error. The error is a :class:`~salesctl.errors.PolicyError` at the path (key
    defects also name the line)."""

    @st.composite
    def build(draw: st.DrawFn) -> Invalid:
        policy = draw(policies(families=draw(_FAMILY_SUBSETS)))
        data = json.loads(json.dumps(policy.to_dict()))
        how = draw(st.integers(0, 9))
        if how == 0:
            data["zz_unknown_table"] = {"a": 1}
            return Invalid(toml_text(data), "zz_unknown_table", PolicyError, "unknown table")
        if how == 1:
            data["policy"]["base_currency"] = "XXX"
            return Invalid(toml_text(data), "policy.base_currency", PolicyError, "unknown currency")
        if how == 2:
            data["policy"]["disabled"] = [*data["policy"]["disabled"], "O2C-ZZ-99"]
            return Invalid(toml_text(data), "policy.disabled", PolicyError, "unknown control id")
        if how == 3:
            data["policy"]["zz_key"] = "x"
            return Invalid(toml_text(data), "policy.zz_key", PolicyError, "unknown policy key")
        if how == 4:
            text = toml_text(data)
            lines = text.splitlines()
            k = draw(st.integers(0, len(lines)))
            lines.insert(k, draw(st.sampled_from(["[credit", "a = ", "= 1", 'x = "open', "[[]]"])))
            return Invalid("\n".join(lines) + "\n", "", PolicyError, "syntax error")
        name = draw(st.sampled_from(sorted(FAMILIES)))
        table = data[name]
        bad, path, defect = _defects(draw, FAMILIES[name].policy_type, table, name, toml=True)
        if not isinstance(bad, dict):
            bad, path, defect = (
                {**table, "zz_unknown_key": 1},
                f"{name}.zz_unknown_key",
                "unknown key",
            )
        data[name] = bad
        return Invalid(toml_text(data), path, PolicyError, defect)

    return build()


def _family_subsets() -> SearchStrategy[tuple[str, ...]]:
    return st.lists(st.sampled_from(sorted(FAMILIES)), max_size=3, unique=True).map(
        lambda xs: tuple(sorted(xs))
    )


_FAMILY_SUBSETS = _family_subsets()


def invalid_event_lines() -> SearchStrategy[Invalid]:
    """JSON Lines event lines with one defect, for :func:`salesctl.events.read_events`:
    the line's error is a :class:`~salesctl.events.MalformedEvent` with the path (line 1)."""
    event_classes = sorted(ev.event_types().items())

    @st.composite
    def build(draw: st.DrawFn) -> Invalid:
        _name, cls = draw(st.sampled_from(event_classes))
        event = draw(from_type(cls))
        data = json.loads(json.dumps(ev.event_to_dict(event)))
        if draw(st.integers(0, 7)) == 0:
            data["type"] = "NoSuchEvent"
            return Invalid(json.dumps(data), "type", ev.MalformedEvent, "unknown event type")
        body = {k: v for k, v in data.items() if k != "type"}
        bad, path, defect = _defects(draw, cls, body, "")
        if not isinstance(bad, dict):
            return Invalid(json.dumps(bad), "", ev.MalformedEvent, "not an object")
        return Invalid(
            json.dumps({"type": data["type"], **bad}, ensure_ascii=False),
            path,
            ev.MalformedEvent,
            defect,
        )

    return build()
