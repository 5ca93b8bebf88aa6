"""The exit codes of the ``salesctl`` command line, and its argument parser class.

They sit in their own module so that the command modules (:mod:`salesctl.cli.check`,
:mod:`salesctl.cli.audit`, :mod:`salesctl.cli.journal`) and :mod:`salesctl.cli` itself import
them without importing each other in a circle.
"""

from __future__ import annotations

import argparse
import sys
from typing import NoReturn

__all__ = ["EXIT_ALLOW", "EXIT_BAD_INPUT", "EXIT_BLOCK", "EXIT_HOLD", "EXIT_USAGE", "Parser"]

EXIT_ALLOW = 0
EXIT_HOLD = 1
EXIT_BLOCK = 2
EXIT_BAD_INPUT = 3
EXIT_USAGE = 64


class Parser(argparse.ArgumentParser):
    """An argument parser that exits with :data:`EXIT_USAGE` on a usage error."""

    def error(self, message: str) -> NoReturn:
        """Print the usage and the message to standard error; exit with ``EXIT_USAGE``."""
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n")
