"""Griffe extension: render ``>>>`` examples in docstrings as ``pycon`` code blocks.

salesctl's module docstrings carry runnable doctests (STYLE.md §6). Left as plain Markdown,
their output lines (``['sales_manager', 'general_manager']``) read as reference links and
mkdocs-autorefs warns; fenced, they render as console sessions. Doctest runs that are already
inside a fence or an indented block are left alone.
"""

from __future__ import annotations

from typing import Any

import griffe


def fence_doctests(text: str) -> str:
    """Wrap each top-level run of ``>>>`` lines and their output in a ``pycon`` fence."""
    out: list[str] = []
    in_fence = False
    in_doctest = False
    for line in text.splitlines():
        if line.lstrip().startswith("```"):
            in_fence = not in_fence
        if in_doctest and not line.strip():
            out.append("```")
            in_doctest = False
        if not in_fence and not in_doctest and line.startswith(">>>"):
            out.append("```pycon")
            in_doctest = True
        out.append(line)
    if in_doctest:
        out.append("```")
    return "\n".join(out)


class DoctestFences(griffe.Extension):
    """Fence the doctests of every object's docstring."""

    def on_instance(self, *, node: Any, obj: griffe.Object, agent: Any, **kwargs: Any) -> None:
        if obj.docstring is not None and ">>>" in obj.docstring.value:
            obj.docstring.value = fence_doctests(obj.docstring.value)
