"""The help text of every ``salesctl`` command: a description and examples.

They live in one table, applied by :func:`describe` once the commands are registered, so that
``salesctl CMD --help`` and ``docs/cli.md`` say the same things and a command registered
elsewhere (``docs`` by :mod:`salesctl.docs`) gets its help too. A command missing from the
table falls back to its one-line ``help``.
"""

from __future__ import annotations

import argparse

__all__ = ["HELP", "describe"]

#: ``command path -> (description, examples)``; the examples become the epilog.
HELP: dict[tuple[str, ...], tuple[str, str]] = {
    ("check",): (
        "Decide transactions given as check files: JSON objects "
        '{"transaction": {...}, "context": {...}}.\n'
        "Prints each decision (or one JSON object per file with --json) and exits with the\n"
        "strictest outcome over the files: 0 ALLOW, 1 HOLD, 2 BLOCK; 3 when any file is bad\n"
        "input. '-' reads one check file from standard input.",
        "examples:\n"
        "  salesctl check --policy examples/policy.toml examples/transactions/*.json\n"
        "  salesctl check --json order.json | jq .decision.outcome\n"
        "  cat order.json | salesctl check --policy policy.toml -\n"
        "  salesctl check --exit-zero order.json    # 0 on any decision; bad input still 3",
    ),
    ("controls",): (
        "List the control catalogue: id, key control (★), preventive (P) or detective (D),\n"
        "family and title.",
        "examples:\n  salesctl controls --lang zh\n  salesctl controls --json | jq '.[].id'",
    ),
    ("policy",): (
        "Policy file tools.",
        "examples:\n  salesctl policy validate examples/policy.toml",
    ),
    ("policy", "validate"): (
        "Load a policy file (TOML); report the first error with its key path and line, or the\n"
        "policy's name, fingerprint and deviations from the defaults. Exits 0 when the file is\n"
        "valid, 3 when it is not.",
        "examples:\n"
        "  salesctl policy validate policy.toml\n"
        "  salesctl policy validate --json policy.toml | jq .deviations",
    ),
    ("journal",): (
        "Verify, export and report on a salesctl journal. The journal is opened read-only:\n"
        "these commands never change it.",
        "examples:\n"
        "  salesctl journal verify journal.sqlite\n"
        "  salesctl journal export journal.sqlite -o journal.jsonl\n"
        "  salesctl journal numbers journal.sqlite --json",
    ),
    ("journal", "verify"): (
        "Check the journal's hash chain (FILE is a journal or a JSON Lines export of one).\n"
        "Exits 0 when it verifies, 2 when it is broken (naming the first broken record), 3 when\n"
        "the file cannot be read as either.",
        "examples:\n"
        "  salesctl journal verify journal.sqlite\n"
        "  salesctl journal verify journal.jsonl --anchor 1234:<64 hex digits> --json",
    ),
    ("journal", "export"): (
        "Write the journal's log as JSON Lines (to standard output unless -o). Exits 0, 2 when\n"
        "the chain is broken, 3 when the file cannot be read.",
        "examples:\n"
        "  salesctl journal export journal.sqlite -o journal.jsonl\n"
        "  salesctl journal export journal.sqlite --kind decision | head",
    ),
    ("journal", "numbers"): (
        "Report gaps and duplicates per number series. Exits 0 when there are none, 2 otherwise.",
        "examples:\n"
        "  salesctl journal numbers journal.sqlite\n"
        "  salesctl journal numbers journal.sqlite --series SI --json",
    ),
    ("journal", "anchor"): (
        "Print an anchor of the journal: its last sequence number and hash, to keep elsewhere\n"
        "and pass to 'journal verify --anchor' later.",
        "examples:\n  salesctl journal anchor journal.sqlite > anchor.txt",
    ),
    ("docs",): (
        "Generate the control documentation for a policy: per-control pages in English and\n"
        "Chinese, the risk and control matrix, controls.json and OSCAL.",
        "examples:\n  salesctl docs --policy policy.toml --out site-src/controls",
    ),
    ("audit",): (
        "Replay an event stream (JSON Lines) through ledger, gate and detective controls and\n"
        "write the exceptions report (.md, .html or .json by suffix; default EVENTS.audit.md).\n"
        "\n"
        "Every report path is checked before the replay starts: a missing directory or an\n"
        "unwritable path exits 3 at once (directories are never created). Reports are written\n"
        "atomically: a failed write leaves an earlier report at that path as it was.\n"
        "\n"
        "Exit code: 0 no exception, 1 exceptions (HOLD only), 2 exceptions including a BLOCK;\n"
        "3 when the stream or policy cannot be read, or when lines were rejected or no event\n"
        "was read (the audit did not test the whole stream) unless --allow-rejected;\n"
        "--exit-zero turns 1 and 2 into 0 (exceptions only, never 3). Ctrl-C writes the\n"
        "report of the lines read so far, marked 'incomplete: interrupted', and exits 130.",
        "examples:\n"
        "  salesctl audit events.jsonl --policy policy.toml --report report.html\n"
        "  salesctl audit events.jsonl --report out.json --json | jq .exit_code\n"
        "  salesctl audit demo/events.jsonl --policy demo/policy.toml --allow-rejected --exit-zero",
    ),
    ("demo",): (
        "Generate a year of order-to-cash events with planted violations: DIR/events.jsonl,\n"
        "DIR/policy.toml and DIR/manifest.json (the planted violations and the two planted\n"
        "malformed lines). Same seed, same bytes. --customers must be 4 or more (a planted\n"
        "violation needs a distributor).",
        "examples:\n  salesctl demo demo\n  salesctl demo big --orders 20000 --seed 7",
    ),
}


def describe(parser: argparse.ArgumentParser, path: tuple[str, ...] = ()) -> None:
    """Give ``parser``'s subcommands (recursively) their description and examples.

    Args:
        parser: the top-level parser, its commands registered.
        path: the command path of ``parser`` (empty for the top level).
    """
    for action in parser._actions:
        if not isinstance(action, argparse._SubParsersAction):
            continue
        helps = {a.dest: a.help for a in action._choices_actions}
        for name, sub in action.choices.items():
            key = (*path, name)
            description, epilog = HELP.get(key, (helps.get(name) or "", ""))
            sub.description = sub.description or description
            sub.epilog = sub.epilog or (epilog or None)
            sub.formatter_class = argparse.RawDescriptionHelpFormatter
            describe(sub, key)
