"""The exit codes of the ``salesctl`` command line, and its argument parser class.

They sit in their own module so that the command modules (:mod:`salesctl.cli.check`,
:mod:`salesctl.cli.audit`, :mod:`salesctl.cli.journal`) and :mod:`salesctl.cli` itself import
them without importing each other in a circle.
"""

from __future__ import annotations

import argparse
import sys
from typing import NoReturn

__all__ = [
    "EXIT_ALLOW",
    "EXIT_BAD_INPUT",
    "EXIT_BLOCK",
    "EXIT_BROKEN_PIPE",
    "EXIT_CODES_TEXT",
    "EXIT_HOLD",
    "EXIT_INTERNAL",
    "EXIT_INTERRUPTED",
    "EXIT_USAGE",
    "Parser",
]

EXIT_ALLOW = 0
EXIT_HOLD = 1
EXIT_BLOCK = 2
EXIT_BAD_INPUT = 3
EXIT_USAGE = 64
#: An internal error (a bug in salesctl): one line on standard error names it and the file
#: the traceback was written to. Never a decision code: a host must not read it as HOLD.
EXIT_INTERNAL = 70
#: Interrupted (Ctrl-C, SIGINT): 128 + 2, as a shell reports it.
EXIT_INTERRUPTED = 130
#: Standard output was closed early (``salesctl controls --json | head -1``): 128 + 13
#: (SIGPIPE), as a shell reports it; nothing is printed.
EXIT_BROKEN_PIPE = 141

#: The exit-code table of ``salesctl --help`` (and of ``docs/cli.md``).
EXIT_CODES_TEXT = """\
exit codes:
  0    ALLOW (check: every file); success (other commands)
  1    HOLD (check: the strictest outcome); audit: exceptions, HOLD only
  2    BLOCK (check: the strictest outcome); audit: exceptions incl. a BLOCK;
       journal: the chain is broken or a number series has gaps or duplicates
  3    bad input: a malformed file, transaction, context, policy or event stream;
       audit: rejected lines or no events (unless --allow-rejected)
  64   usage error (unknown option, missing argument)
  70   internal error (a bug): one line on stderr names it and the traceback file
  130  interrupted (Ctrl-C); audit writes a partial report marked incomplete
  141  standard output closed early (broken pipe); nothing more is printed
"""


class Parser(argparse.ArgumentParser):
    """An argument parser that exits with :data:`EXIT_USAGE` on a usage error."""

    def error(self, message: str) -> NoReturn:
        """Print the usage and the message to standard error; exit with ``EXIT_USAGE``."""
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n")
