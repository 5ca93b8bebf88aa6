"""The public API is exactly what __all__ says, and every public name is documented."""

from __future__ import annotations

import inspect
import types

import salesctl


def test_all_is_complete() -> None:
    """__all__ lists every public non-module name of the package, and nothing else."""
    public = {
        n for n in dir(salesctl)
        if not n.startswith("_") and not isinstance(getattr(salesctl, n), types.ModuleType)
    }
    assert set(salesctl.__all__) == public


def test_public_names_have_docstrings() -> None:
    """Every exported class and function has a docstring."""
    missing = [
        n for n in salesctl.__all__
        if (inspect.isclass(getattr(salesctl, n)) or inspect.isfunction(getattr(salesctl, n)))
        and not inspect.getdoc(getattr(salesctl, n))
    ]
    assert missing == []
