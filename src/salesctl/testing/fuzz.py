"""Fuzz material: arbitrary JSON, and valid JSON with a few random mutations."""

from __future__ import annotations

import functools
from typing import Any

from hypothesis import strategies as st
from hypothesis.strategies import SearchStrategy

__all__ = ["get_at", "junk_json", "mutate", "mutated_json", "replace_at"]


@functools.cache
def _integers(lo: int, hi: int) -> SearchStrategy[int]:
    return st.integers(lo, hi)  # one object per range: hypothesis validates each new one


def get_at(data: Any, where: tuple[Any, ...]) -> Any:
    """The value at ``where`` (keys and indices from the root) in JSON ``data``."""
    for k in where:
        data = data[k]
    return data


def replace_at(data: Any, where: tuple[Any, ...], value: Any) -> Any:
    """A copy of JSON ``data`` with the value at ``where`` replaced (``data`` is not changed)."""
    if not where:
        return value
    head, rest = where[0], where[1:]
    if isinstance(data, dict):
        return {k: (replace_at(v, rest, value) if k == head else v) for k, v in data.items()}
    return [(replace_at(v, rest, value) if i == head else v) for i, v in enumerate(data)]


def junk_json(*, max_leaves: int = 12) -> SearchStrategy[Any]:
    """Arbitrary JSON values (floats, huge and odd numbers, unicode, nesting) for fuzzing."""
    scalars = st.one_of(
        st.none(),
        st.booleans(),
        st.integers(),
        st.floats(allow_nan=True, allow_infinity=True),
        st.text(max_size=12),
        st.sampled_from(
            [
                "1000.00 CNY",
                "2026-03-02",
                "2026-03-02T10:15:00+08:00",
                "PlaceOrder",
                "NaN",
                "1e999",
                "-0",
                "CNY",
                "",
                " ",
            ]
        ),
    )
    return st.recursive(
        scalars,
        lambda inner: st.one_of(
            st.lists(inner, max_size=4),
            st.dictionaries(st.text(max_size=8), inner, max_size=4),
        ),
        max_leaves=max_leaves,
    )


def mutated_json(data: Any, *, max_mutations: int = 3) -> SearchStrategy[Any]:
    """``data`` (JSON) with a few random mutations anywhere: a node replaced by junk, a key
    dropped or added, a list emptied or duplicated, a text changed by a character. For fuzzing
    a boundary with inputs close to valid ones.

    Args:
        data: the valid JSON value to start from.
        max_mutations: the most mutations applied.
    """

    @st.composite
    def build(draw: st.DrawFn) -> Any:
        return mutate(draw, data, max_mutations=max_mutations)

    return build()


def _json_paths(x: Any, where: tuple[Any, ...]) -> list[tuple[Any, ...]]:
    out = [where]
    if isinstance(x, dict):
        for k, v in x.items():
            out += _json_paths(v, (*where, k))
    elif isinstance(x, list):
        for i, v in enumerate(x):
            out += _json_paths(v, (*where, i))
    return out


def mutate(draw: st.DrawFn, data: Any, *, max_mutations: int = 3) -> Any:
    """Apply :func:`mutated_json`'s mutations to ``data`` inside a composite strategy.

    Args:
        draw: the ``draw`` of an ``@st.composite`` function.
        data: the valid JSON value to start from.
        max_mutations: the most mutations applied.

    Returns:
        The mutated copy (``data`` itself is not changed).
    """
    x = data
    for _ in range(draw(_integers(1, max_mutations))):
        paths = _json_paths(x, ())
        where = paths[draw(_integers(0, len(paths) - 1))]
        node = get_at(x, where)
        op = draw(_integers(0, 5))
        if op <= 1:
            x = replace_at(x, where, draw(_junk(4)))
        elif op == 2 and isinstance(node, dict) and node:
            keys = sorted(node, key=str)
            k = keys[draw(_integers(0, len(keys) - 1))]
            x = replace_at(x, where, {a: b for a, b in node.items() if a != k})
        elif op == 3 and isinstance(node, dict):
            x = replace_at(x, where, {**node, draw(_SHORT_TEXT): draw(_junk(2))})
        elif op == 4 and isinstance(node, list):
            x = replace_at(x, where, node + node if node else [])
        elif op == 5 and isinstance(node, str):
            changed = (node + "x", node[:-1], node.upper(), " " + node)
            x = replace_at(x, where, changed[draw(_integers(0, 3))])
    return x


_SHORT_TEXT = st.text(max_size=6)


@functools.cache
def _junk(max_leaves: int) -> SearchStrategy[Any]:
    return junk_json(max_leaves=max_leaves)
