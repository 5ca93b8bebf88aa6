"""The package version (a ground module, so that any layer can read it without importing
the :mod:`salesctl` facade)."""

__all__ = ["__version__"]

__version__ = "0.1.0"
