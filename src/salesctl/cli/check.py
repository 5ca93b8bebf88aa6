"""``salesctl check``, ``salesctl controls`` and ``salesctl policy validate``.

* ``salesctl check --policy FILE TXN.json [...]`` — decide transactions given as check files
  (``-``: one from standard input); exits with the strictest outcome (0 ALLOW, 1 HOLD,
  2 BLOCK; 0 whatever the decisions with ``--exit-zero``), 3 on bad input;
* ``salesctl controls [--lang zh|en] [--json]`` — list the control catalogue;
* ``salesctl policy validate FILE [--json]`` — load a policy file and report the first error.

A check file is a JSON object ``{"transaction": {...}, "context": {...}}``: the transaction
with its ``"type"``, and the context the host would pass (see ``examples/``).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any, TextIO

from salesctl._convert import MAX_DEPTH, json_loads, line_of, refuse_marked, too_deep
from salesctl.cli._codes import EXIT_ALLOW, EXIT_BAD_INPUT, EXIT_BLOCK, EXIT_HOLD, Parser
from salesctl.context import Context
from salesctl.controls import CONTROLS
from salesctl.decision import Decision, Outcome
from salesctl.errors import InvalidInput, SalesctlError
from salesctl.gate import Gate
from salesctl.policy import Policy, load_policy
from salesctl.transactions import Transaction, parse_transaction

__all__ = ["read_check_file", "register_check", "register_controls", "register_policy"]


def register_check(subparsers: Any) -> None:
    """Add the ``check`` command to the ``salesctl`` parser (see :mod:`salesctl.cli`)."""
    p = subparsers.add_parser("check", help="decide transactions given as check files")
    p.add_argument("--policy", help="policy file (TOML); default policy when omitted")
    p.add_argument("--lang", choices=("en", "zh"), default="en", help="language of the explanation")
    p.add_argument("--json", action="store_true", help="print one JSON decision per file")
    p.add_argument(
        "--exit-zero",
        action="store_true",
        help="exit 0 whatever the decisions (ALLOW, HOLD or BLOCK); bad input still exits 3",
    )
    p.add_argument(
        "files", nargs="+", metavar="TXN.json", help="check files ('-': standard input)"
    )
    p.set_defaults(func=_cmd_check)


def register_controls(subparsers: Any) -> None:
    """Add the ``controls`` command to the ``salesctl`` parser (see :mod:`salesctl.cli`)."""
    p = subparsers.add_parser("controls", help="list the control catalogue")
    p.add_argument("--lang", choices=("en", "zh"), default="en")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=_cmd_controls)


def register_policy(subparsers: Any) -> None:
    """Add ``policy validate`` to the ``salesctl`` parser (see :mod:`salesctl.cli`)."""
    p = subparsers.add_parser("policy", help="policy file tools")
    psub = p.add_subparsers(dest="policy_command", required=True, parser_class=Parser)
    v = psub.add_parser("validate", help="load a policy file and report the first error")
    v.add_argument("file", help="the policy file (TOML)")
    v.add_argument(
        "--json",
        action="store_true",
        help="print the result as one JSON object (the error, or the deviations)",
    )
    v.set_defaults(func=_cmd_policy_validate)


def read_check_file(path: str | Path) -> tuple[Transaction, Context]:
    """Read a check file: ``{"transaction": {...}, "context": {...}}`` (``"-"``: standard input).

    Every error names the field path and the line of the file: malformed JSON, nesting deeper
    than :data:`~salesctl._convert.MAX_DEPTH`, a key given twice, a float, a number longer than
    :data:`~salesctl.money.MAX_NUMBER_LENGTH` characters, text that is not valid Unicode.

    Returns:
        ``(transaction, context)``.

    Raises:
        InvalidInput: naming the line and the field path.
    """
    return _read_check_text(path)[:2]


def _read_check_text(path: str | Path) -> tuple[Transaction, Context, str]:
    """:func:`read_check_file`, with the file's text (to give later errors their line)."""
    p = Path(path)
    try:
        raw = _read_stdin_bytes() if str(path) == "-" else p.read_bytes()
    except OSError as e:
        raise InvalidInput(f"cannot read file: {e.strerror}") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise InvalidInput(
            f"file is not UTF-8 text (byte {e.start})", line=raw.count(b"\n", 0, e.start) + 1
        ) from None
    text = text.replace("\r\n", "\n").replace("\r", "\n")  # as read_text did
    deep = too_deep(text)
    if deep is not None:
        raise InvalidInput(
            f"nested deeper than {MAX_DEPTH} levels", line=text.count("\n", 0, deep) + 1
        )
    try:
        data = json_loads(text)
    except json.JSONDecodeError as e:
        raise InvalidInput(f"not valid JSON: {e.msg}", line=e.lineno) from None
    try:
        return (*_check_data(data), text)
    except SalesctlError as e:
        if e.line is None and e.path:
            raise e.at(line=line_of(text, e.path)) from None
        raise


#: How the gate names the two halves of a check file in its errors (``ctx.as_of``).
_GATE_PATHS = (("ctx.", "context."), ("txn.", "transaction."))


def _check_one(gate: Gate, name: str) -> Decision:
    """Read check file ``name`` and decide it; a refusal by the gate (a context not dated on
    the transaction's business date…) names the field's line in the file, as a parse error does."""
    txn, ctx, text = _read_check_text(name)
    try:
        return gate.check(txn, ctx)
    except SalesctlError as e:
        if e.line is None and e.path:
            path = e.path
            for ours, theirs in _GATE_PATHS:
                if path.startswith(ours):
                    path = theirs + path[len(ours) :]
            raise e.at(line=line_of(text, path)) from None
        raise


def _check_data(data: Any) -> tuple[Transaction, Context]:
    if not isinstance(data, dict):
        raise InvalidInput("must be a JSON object with transaction and context")
    refuse_marked(data)
    for key in data:
        if key not in ("transaction", "context"):
            raise InvalidInput("unknown key (known: transaction, context)", path=key)
    if "transaction" not in data:
        raise InvalidInput("is required", path="transaction")
    if "context" not in data:
        raise InvalidInput("is required", path="context")
    refuse_marked(data["transaction"], "transaction")  # parse_transaction reads "type" first
    txn = parse_transaction(data["transaction"], path="transaction")
    ctx = Context.from_dict(data["context"])
    return txn, ctx


def _load_policy(path: str | None) -> Policy:
    return load_policy(path) if path else Policy.default()


def _cmd_check(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    try:
        gate = Gate(_load_policy(args.policy))
    except SalesctlError as e:
        print(f"salesctl: policy: {e}", file=err)
        return EXIT_BAD_INPUT
    worst = Outcome.ALLOW
    bad = False
    stdin_read = False
    for name in args.files:
        try:
            if name == "-":
                if stdin_read:
                    raise InvalidInput("standard input can be read only once", path="-")
                stdin_read = True
            decision = _check_one(gate, name)
        except SalesctlError as e:
            bad = True
            if args.json:
                print(json.dumps({"file": name, **e.to_dict()}, ensure_ascii=False), file=out)
            else:
                print(f"salesctl: {name}: {e}", file=err)
            continue
        worst = max(worst, decision.outcome)
        if args.json:
            row = {"file": name, "decision": decision.to_dict()}
            print(json.dumps(row, ensure_ascii=False), file=out)
        else:
            if len(args.files) > 1:
                print(f"== {name}", file=out)
            print(decision.explain(args.lang), file=out)
    if bad:
        return EXIT_BAD_INPUT
    if args.exit_zero:
        return EXIT_ALLOW
    return {Outcome.ALLOW: EXIT_ALLOW, Outcome.HOLD: EXIT_HOLD, Outcome.BLOCK: EXIT_BLOCK}[worst]


def _cmd_controls(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
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


def _read_stdin_bytes() -> bytes:
    """Standard input as bytes, decoded later as UTF-8 like a file (whatever the locale); a
    test's ``StringIO`` is encoded back to UTF-8 (lone surrogates kept, so they are refused
    with the file's message)."""
    buffer = getattr(sys.stdin, "buffer", None)
    if buffer is not None:
        return bytes(buffer.read())
    text: str = sys.stdin.read()
    return text.encode("utf-8", "surrogatepass")


def _cmd_policy_validate(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    try:
        policy = _load_policy(args.file)
    except SalesctlError as e:
        if args.json:
            row = {"file": args.file, "ok": False, "error": e.to_dict()}
            print(json.dumps(row, ensure_ascii=False), file=out)
        else:
            print(f"salesctl: {e}", file=err)
        return EXIT_BAD_INPUT
    if args.json:
        row = {
            "file": args.file,
            "ok": True,
            "name": policy.name,
            "fingerprint": policy.fingerprint,
            "deviations": [
                {"family": fam, "key": key, "default": default, "configured": configured}
                for fam, keys in policy.deviations().items()
                for key, (default, configured) in keys.items()
            ],
            "disabled": sorted(policy.disabled),
        }
        print(json.dumps(row, ensure_ascii=False, default=_json_value), file=out)
        return EXIT_ALLOW
    fingerprint = policy.fingerprint[:16]
    print(f"ok: {args.file}: policy {policy.name!r}, fingerprint {fingerprint}", file=out)
    for fam, keys in policy.deviations().items():
        for key, (default, configured) in keys.items():
            print(f"  {fam}.{key}: {default!r} -> {configured!r}", file=out)
    for cid in sorted(policy.disabled):
        print(f"  disabled: {cid}", file=out)
    # Acknowledged weakenings are warnings, apart from the ordinary deviations above.
    for w in policy.weakenings():
        reason = policy.acknowledged[w.control_id]
        print(
            f"warning: {w.control_id} weakened by {w.key} ({w.why}); acknowledged: {reason}",
            file=out,
        )
    return EXIT_ALLOW


def _json_value(value: Any) -> Any:
    """JSON for the values a policy holds beyond JSON's own (Decimals, Money, sets, dates)."""
    if isinstance(value, (set, frozenset)):
        return sorted(value, key=str)
    return str(value)
