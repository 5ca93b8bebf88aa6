"""The ``salesctl`` command line.

Commands:

* ``salesctl check --policy FILE TXN.json [...]`` — decide transactions (see below);
* ``salesctl controls [--lang zh|en] [--json]`` — list the control catalogue;
* ``salesctl policy validate FILE`` — load a policy file and report the first error;
* ``salesctl journal verify|export|numbers FILE`` — see :mod:`salesctl.cli.journal`;
* ``salesctl docs --out DIR`` — generate the control documentation (:mod:`salesctl.docs`);
* ``salesctl audit EVENTS.jsonl`` and ``salesctl demo [DIR]`` — see :mod:`salesctl.cli.audit`.

One module per group of commands: :mod:`salesctl.cli.check` (check, controls, policy
validate), :mod:`salesctl.cli.journal`, :mod:`salesctl.cli.audit` (audit, demo); the ``docs``
command is registered by :mod:`salesctl.docs`.

A check file is a JSON object ``{"transaction": {...}, "context": {...}}``: the transaction
with its ``"type"``, and the context the host would pass (see ``examples/``).

Exit codes (distinct, for scripts and hosts that shell out):

====  ===========================================================
code  meaning
====  ===========================================================
0     ALLOW (every file)
1     HOLD (the strictest outcome over the files)
2     BLOCK (the strictest outcome over the files)
3     bad input: a malformed file, transaction, context or policy
64    usage error (unknown option, missing argument)
====  ===========================================================
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from typing import TextIO

from salesctl.cli._codes import (
    EXIT_ALLOW,
    EXIT_BAD_INPUT,
    EXIT_BLOCK,
    EXIT_HOLD,
    EXIT_USAGE,
    Parser,
)
from salesctl.cli.audit import register_audit, register_demo
from salesctl.cli.check import (
    read_check_file,
    register_check,
    register_controls,
    register_policy,
)
from salesctl.cli.journal import register as register_journal
from salesctl.docs import register as register_docs

__all__ = [
    "EXIT_ALLOW",
    "EXIT_BAD_INPUT",
    "EXIT_BLOCK",
    "EXIT_HOLD",
    "EXIT_USAGE",
    "build_parser",
    "main",
    "read_check_file",
]

#: The commands in the order ``salesctl --help`` lists them. ``register(subparsers)`` adds a
#: command and sets ``func`` on its parser to ``(args, out, err) -> exit code``.
_COMMANDS: tuple[Callable[[argparse._SubParsersAction[Parser]], None], ...] = (
    register_check,
    register_controls,
    register_policy,
    register_journal,
    register_docs,
    register_audit,
    register_demo,
)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (exposed for documentation and tests)."""
    parser = Parser(prog="salesctl", description="Sales internal controls as code.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=Parser)
    for register in _COMMANDS:
        register(sub)
    return parser


def main(
    argv: Sequence[str] | None = None, *, out: TextIO | None = None, err: TextIO | None = None
) -> int:
    """Run the CLI.

    Args:
        argv: arguments (``sys.argv[1:]`` when omitted).
        out: standard output stream.
        err: standard error stream.

    Returns:
        The exit code (see the module docs).
    """
    out = out or sys.stdout
    err = err or sys.stderr
    args = build_parser().parse_args(argv)
    func: Callable[[argparse.Namespace, TextIO, TextIO], int] = args.func
    return func(args, out, err)
