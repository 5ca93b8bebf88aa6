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

Exit codes (distinct, for scripts and hosts that shell out; ``salesctl --help`` lists them):

====  ===========================================================
code  meaning
====  ===========================================================
0     ALLOW (every file); success for the other commands
1     HOLD (the strictest outcome over the files)
2     BLOCK (the strictest outcome over the files)
3     bad input: a malformed file, transaction, context or policy
64    usage error (unknown option, missing argument)
70    internal error: one line on standard error names it and the
      file the traceback was written to (never read it as HOLD)
130   interrupted (Ctrl-C)
141   standard output closed early (broken pipe), quietly
====  ===========================================================

``salesctl audit`` has its own reading of 1, 2 and 3 (see :mod:`salesctl.cli.audit`);
``docs/cli.md`` is the reference for every command.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import sys
from collections.abc import Callable, Sequence
from typing import TextIO

from salesctl._version import __version__
from salesctl.cli._codes import (
    EXIT_ALLOW,
    EXIT_BAD_INPUT,
    EXIT_BLOCK,
    EXIT_BROKEN_PIPE,
    EXIT_CODES_TEXT,
    EXIT_HOLD,
    EXIT_INTERNAL,
    EXIT_INTERRUPTED,
    EXIT_USAGE,
    Parser,
)
from salesctl.cli._help import describe
from salesctl.cli.audit import register_audit, register_demo
from salesctl.cli.check import (
    read_check_file,
    register_check,
    register_controls,
    register_policy,
)
from salesctl.cli.journal import register as register_journal
from salesctl.docs import register as register_docs
from salesctl.errors import InvalidInput, PolicyError

__all__ = [
    "EXIT_ALLOW",
    "EXIT_BAD_INPUT",
    "EXIT_BLOCK",
    "EXIT_BROKEN_PIPE",
    "EXIT_HOLD",
    "EXIT_INTERNAL",
    "EXIT_INTERRUPTED",
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
    parser = Parser(
        prog="salesctl",
        description="Sales internal controls as code: decide order-to-cash transactions "
        "(ALLOW / HOLD / BLOCK), replay event streams, verify journals.",
        epilog=EXIT_CODES_TEXT + "\n'salesctl COMMAND --help' describes a command, with examples.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"salesctl {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=Parser)
    for register in _COMMANDS:
        register(sub)
    describe(parser)
    return parser


def main(
    argv: Sequence[str] | None = None, *, out: TextIO | None = None, err: TextIO | None = None
) -> int:
    """Run the CLI.

    Nothing escapes as a traceback: bad input exits 3 with its message, an internal error
    exits 70 with one line naming it and the file its traceback was written to, Ctrl-C exits
    130 and a closed standard output (``| head``) exits 141 quietly.

    Args:
        argv: arguments (``sys.argv[1:]`` when omitted).
        out: standard output stream.
        err: standard error stream.

    Returns:
        The exit code (see the module docs).
    """
    out = out or sys.stdout
    err = err or sys.stderr
    for stream in (out, err):
        _tolerate_unencodable(stream)
    command = "salesctl"
    try:
        args = build_parser().parse_args(argv)
        command = " ".join(("salesctl", *_command_path(args)))
        func: Callable[[argparse.Namespace, TextIO, TextIO], int] = args.func
        code = func(args, out, err)
        out.flush()
        return code
    except BrokenPipeError:
        _quiet_stdout(out)
        return EXIT_BROKEN_PIPE
    except KeyboardInterrupt:
        _say(err, f"{command}: interrupted")
        return EXIT_INTERRUPTED
    except (InvalidInput, PolicyError) as e:
        _say(err, f"{command}: {e}")
        return EXIT_BAD_INPUT
    except Exception as e:  # the catch-all: an internal error must not read as HOLD (exit 1)
        _say(err, f"{command}: internal error: {_one_line(e)}{_write_traceback(e)}")
        return EXIT_INTERNAL


def _command_path(args: argparse.Namespace) -> list[str]:
    """The command words of parsed ``args`` (``["journal", "verify"]``)."""
    words = [args.command]
    for key in ("policy_command", "journal_command"):
        word = getattr(args, key, None)
        if isinstance(word, str):
            words.append(word)
    return words


def _tolerate_unencodable(stream: TextIO) -> None:
    """Make a real console stream write what it cannot encode (a lone surrogate) as a
    backslash escape instead of raising ``UnicodeEncodeError``."""
    if isinstance(stream, io.TextIOWrapper) and stream.errors in ("strict", "surrogateescape"):
        with contextlib.suppress(ValueError, OSError):  # a closed or detached stream
            stream.reconfigure(errors="backslashreplace")


def _quiet_stdout(out: TextIO) -> None:
    """After a broken pipe: point standard output at the null device, so that the flush at
    interpreter exit does not raise (and print) a second ``BrokenPipeError``."""
    if out is not sys.stdout:
        return
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):  # pragma: no cover - no file descriptor to replace
        pass


def _say(err: TextIO, line: str) -> None:
    """Print one line on standard error; never raise (standard error may be closed too)."""
    try:
        print(line, file=err)
        err.flush()
    except (OSError, ValueError):  # pragma: no cover - nowhere left to report to
        pass


def _one_line(e: BaseException) -> str:
    """``Type: message`` on one line, at most 200 characters of message, and where it was
    raised (the innermost frame: file and line)."""
    try:
        text = " ".join(str(e).split())
    except Exception:  # pragma: no cover - a message that cannot even be rendered
        text = ""
    if len(text) > 200:
        text = text[:197] + "..."
    # Lazy: only the error path needs it (start-up time of every command).
    import traceback

    where = ""
    frames = traceback.extract_tb(e.__traceback__)
    if frames:
        last = frames[-1]
        where = f" at {os.path.basename(last.filename)}:{last.lineno} in {last.name}"
    return f"{type(e).__name__}: {text}{where}" if text else f"{type(e).__name__}{where}"


def _write_traceback(e: BaseException) -> str:
    """Write the full traceback to a new file in the temporary directory; ``"; traceback
    in PATH"`` (or why it could not be written)."""
    # Lazy: only the error path needs them (start-up time of every command).
    import tempfile
    import traceback

    try:
        fd, path = tempfile.mkstemp(prefix="salesctl-error-", suffix=".txt")
        with os.fdopen(fd, "w", encoding="utf-8", errors="backslashreplace") as f:
            f.write(f"salesctl {__version__}: {' '.join(sys.argv)}\n")
            f.writelines(traceback.format_exception(e))
    except OSError as why:
        return f"; traceback not written: {why.strerror}"
    return f"; traceback in {path}"
