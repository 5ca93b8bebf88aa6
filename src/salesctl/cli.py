"""The ``salesctl`` command line.

Commands:

* ``salesctl check --policy FILE TXN.json [...]`` — decide transactions (see below);
* ``salesctl controls [--lang zh|en] [--json]`` — list the control catalogue;
* ``salesctl policy validate FILE`` — load a policy file and report the first error.

Further commands (audit, demo, docs, journal) register themselves in ``_COMMANDS``.

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
import importlib
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, NoReturn, TextIO

from salesctl.errors import InvalidInput, SalesctlError

__all__ = ["EXIT_ALLOW", "EXIT_BAD_INPUT", "EXIT_BLOCK", "EXIT_HOLD", "EXIT_USAGE", "main", "read_check_file"]

EXIT_ALLOW = 0
EXIT_HOLD = 1
EXIT_BLOCK = 2
EXIT_BAD_INPUT = 3
EXIT_USAGE = 64

#: Extra commands: ``(name, "module:register")``; ``register(subparsers)`` adds the command
#: and sets ``func`` on its parser to ``(args, out, err) -> exit code``.
_COMMANDS: tuple[tuple[str, str], ...] = (
    ("journal", "salesctl._journal_cli:register"),
    ("docs", "salesctl.docs:register"),
    ("audit", "salesctl._audit_cli:register_audit"),
    ("demo", "salesctl._audit_cli:register_demo"),
)


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n")


def read_check_file(path: str | Path) -> tuple[Any, Any]:
    """Read a check file: ``{"transaction": {...}, "context": {...}}``.

    Returns:
        ``(transaction, context)``.

    Raises:
        InvalidInput: naming the line (for JSON syntax errors) and the field path.
    """
    from salesctl.context import Context
    from salesctl.transactions import parse_transaction

    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as e:
        raise InvalidInput(f"cannot read file: {e.strerror}") from None
    except UnicodeDecodeError:
        raise InvalidInput("file is not UTF-8 text", path=str(p)) from None
    try:
        data = json.loads(text, parse_float=_refuse_float)
    except json.JSONDecodeError as e:
        raise InvalidInput(f"not valid JSON: {e.msg}", line=e.lineno) from None
    if not isinstance(data, dict):
        raise InvalidInput("must be a JSON object with transaction and context")
    for key in data:
        if key not in ("transaction", "context"):
            raise InvalidInput("unknown key (known: transaction, context)", path=key)
    if "transaction" not in data:
        raise InvalidInput("is required", path="transaction")
    if "context" not in data:
        raise InvalidInput("is required", path="context")
    txn = parse_transaction(data["transaction"], path="transaction")
    ctx = Context.from_dict(data["context"])
    return txn, ctx


def _refuse_float(text: str) -> Any:
    raise InvalidInput('floats are refused in amounts and numbers; write them as strings such as "12.50"', value=text)


def _load_policy(path: str | None) -> Any:
    from salesctl.policy import Policy, load_policy

    return load_policy(path) if path else Policy.default()


def _cmd_check(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from salesctl.decision import Outcome
    from salesctl.gate import Gate

    try:
        gate = Gate(_load_policy(args.policy))
    except SalesctlError as e:
        print(f"salesctl: policy: {e}", file=err)
        return EXIT_BAD_INPUT
    worst = Outcome.ALLOW
    bad = False
    for name in args.files:
        try:
            txn, ctx = read_check_file(name)
            decision = gate.check(txn, ctx)
        except SalesctlError as e:
            bad = True
            if args.json:
                print(json.dumps({"file": name, **e.to_dict()}, ensure_ascii=False), file=out)
            else:
                print(f"salesctl: {name}: {e}", file=err)
            continue
        worst = max(worst, decision.outcome)
        if args.json:
            print(json.dumps({"file": name, "decision": decision.to_dict()}, ensure_ascii=False), file=out)
        else:
            if len(args.files) > 1:
                print(f"== {name}", file=out)
            print(decision.explain(args.lang), file=out)
    if bad:
        return EXIT_BAD_INPUT
    return {Outcome.ALLOW: EXIT_ALLOW, Outcome.HOLD: EXIT_HOLD, Outcome.BLOCK: EXIT_BLOCK}[worst]


def _cmd_controls(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from salesctl.controls import CONTROLS

    if args.json:
        rows = [
            {
                "id": c.id,
                "title_zh": c.title_zh,
                "title_en": c.title_en,
                "family": c.family,
                "kind": c.kind.value,
                "frequency": c.frequency.value,
                "key": c.key,
                "applies_to": list(c.applies_to),
                "seeds": list(c.seeds),
                "g9": list(c.g9),
            }
            for c in CONTROLS.values()
        ]
        print(json.dumps(rows, ensure_ascii=False, indent=2), file=out)
        return EXIT_ALLOW
    for c in CONTROLS.values():
        star = "★" if c.key else " "
        kind = "P" if c.kind.value == "preventive" else "D"
        print(f"{c.id} {star} {kind} {c.family:<10} {c.title(args.lang)}", file=out)
    return EXIT_ALLOW


def _cmd_policy_validate(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    try:
        policy = _load_policy(args.file)
    except SalesctlError as e:
        print(f"salesctl: {e}", file=err)
        return EXIT_BAD_INPUT
    print(f"ok: {args.file}: policy {policy.name!r}, fingerprint {policy.fingerprint[:16]}", file=out)
    for fam, keys in policy.deviations().items():
        for key, (default, configured) in keys.items():
            print(f"  {fam}.{key}: {default!r} -> {configured!r}", file=out)
    for cid in sorted(policy.disabled):
        print(f"  disabled: {cid}", file=out)
    return EXIT_ALLOW


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (exposed for documentation and tests)."""
    parser = _Parser(prog="salesctl", description="Sales internal controls as code.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    p = sub.add_parser("check", help="decide transactions given as check files")
    p.add_argument("--policy", help="policy file (TOML); default policy when omitted")
    p.add_argument("--lang", choices=("en", "zh"), default="en", help="language of the explanation")
    p.add_argument("--json", action="store_true", help="print one JSON decision per file")
    p.add_argument("files", nargs="+", metavar="TXN.json", help="check files")
    p.set_defaults(func=_cmd_check)

    p = sub.add_parser("controls", help="list the control catalogue")
    p.add_argument("--lang", choices=("en", "zh"), default="en")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=_cmd_controls)

    p = sub.add_parser("policy", help="policy file tools")
    psub = p.add_subparsers(dest="policy_command", required=True, parser_class=_Parser)
    v = psub.add_parser("validate", help="load a policy file and report the first error")
    v.add_argument("file")
    v.set_defaults(func=_cmd_policy_validate)

    for _name, target in _COMMANDS:
        module, _, attr = target.partition(":")
        register: Callable[[Any], None] = getattr(importlib.import_module(module), attr)
        register(sub)
    return parser


def main(argv: Sequence[str] | None = None, *, out: TextIO | None = None, err: TextIO | None = None) -> int:
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


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
