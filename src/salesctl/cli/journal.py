"""``salesctl journal``: verify a journal's chain, export its log, report its number series.

* ``salesctl journal verify FILE [--anchor ANCHOR] [--json]`` — FILE is a journal or a
  JSON Lines export of one; exits 0 when the chain verifies, 2 when it is broken (naming the
  first broken record), 3 when the file cannot be read as either. ANCHOR is ``SEQ:HASH``, the
  JSON ``journal anchor`` prints, or a file holding either;
* ``salesctl journal anchor FILE`` — verifies the chain and prints its anchor as JSON
  (``{"file", "seq", "hash"}``), to keep outside the journal; exits 0, 2 or 3 as above;
* ``salesctl journal export FILE [-o OUT] [--kind KIND ...]`` — the log as JSON Lines (to
  standard output unless ``-o``); exits 0, or 2/3 as above;
* ``salesctl journal numbers FILE [--series S] [--json]`` — gaps and duplicates per number
  series; exits 0 when there are none, 2 otherwise.

The journal is opened read-only: these commands never change it.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any, TextIO

from salesctl.errors import ChainBroken, InvalidInput, SalesctlError
from salesctl.journal import KINDS, Journal, verify_export
from salesctl.journal.verify import check_anchor

__all__ = ["register"]

_OK, _BROKEN, _BAD = 0, 2, 3
_SQLITE_MAGIC = b"SQLite format 3\x00"


def register(subparsers: Any) -> None:
    """Add the ``journal`` command to the ``salesctl`` parser (see :mod:`salesctl.cli`)."""
    p = subparsers.add_parser("journal", help="verify, export and report on a salesctl journal")
    jsub = p.add_subparsers(dest="journal_command", required=True, parser_class=type(p))

    v = jsub.add_parser("verify", help="check the hash chain; name the first broken record")
    v.add_argument("file", help="a journal file, or a JSON Lines export of one")
    v.add_argument(
        "--anchor",
        metavar="ANCHOR",
        help="an anchor kept earlier: SEQ:HASH, the JSON `journal anchor` printed, or a file "
        "holding either; fails if that record or any before it is missing or differs",
    )
    v.add_argument("--json", action="store_true", help="print the result as JSON")
    v.set_defaults(func=_cmd_verify)

    a = jsub.add_parser(
        "anchor", help="verify the chain and print its anchor (last seq and hash) as JSON"
    )
    a.add_argument("file", help="a journal file")
    a.set_defaults(func=_cmd_anchor)

    e = jsub.add_parser("export", help="write the log as JSON Lines")
    e.add_argument("file", help="a journal file")
    e.add_argument("-o", "--output", help="output file (standard output when omitted)")
    e.add_argument("--kind", action="append", choices=KINDS, help="only records of this kind")
    e.set_defaults(func=_cmd_export)

    n = jsub.add_parser("numbers", help="gaps and duplicates per number series")
    n.add_argument("file", help="a journal file")
    n.add_argument("--series", help="one series only")
    n.add_argument("--json", action="store_true", help="print the reports as JSON")
    n.set_defaults(func=_cmd_numbers)


def _anchor(text: str | None) -> tuple[int, str] | None:
    """The anchor ``--anchor`` names: ``SEQ:HASH``, JSON ``{"seq", "hash"}``, or a file of
    either."""
    if text is None:
        return None
    given = text.strip()
    if not given.startswith("{") and not _is_seq_hash(given):
        try:
            given = Path(text).read_text(encoding="utf-8").strip()
        except (OSError, UnicodeError, ValueError) as e:
            raise InvalidInput(
                f"is neither SEQ:HASH, JSON, nor a readable file ({e})", path="--anchor"
            ) from None
    if given.startswith("{"):
        try:
            obj = json.loads(given, parse_float=_no_float, parse_constant=_no_float)
            seq, h = obj["seq"], obj["hash"]
        except (ValueError, KeyError, TypeError, RecursionError):
            raise InvalidInput(
                'must be JSON {"seq": N, "hash": "…"} as `journal anchor` prints',
                path="--anchor",
            ) from None
        if isinstance(seq, bool) or not isinstance(seq, int) or not isinstance(h, str):
            raise InvalidInput("must hold an integer seq and a hash", path="--anchor.seq")
        anchor = (seq, h.lower())
    elif _is_seq_hash(given):
        seq_text, _, h = given.partition(":")
        anchor = (int(seq_text), h.lower())
    else:
        raise InvalidInput("must be SEQ:HASH (64 hex digits) or JSON", path="--anchor")
    check_anchor(anchor)
    return anchor


def _is_seq_hash(text: str) -> bool:
    seq, colon, h = text.partition(":")
    hexdigits = "0123456789abcdefABCDEF"
    return (
        bool(colon)
        and seq.isascii()
        and seq.isdigit()
        and len(h) == 64
        and all(c in hexdigits for c in h)
    )


def _no_float(text: str) -> Any:
    raise ValueError(f"not an integer: {text}")


def _cmd_anchor(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    try:
        with Journal(args.file, read_only=True) as journal:
            seq, h = journal.anchor()
    except ChainBroken as e:
        print(f"salesctl: {e}", file=err)
        return _BROKEN
    except SalesctlError as e:
        print(f"salesctl: {e}", file=err)
        return _BAD
    print(json.dumps({"file": str(Path(args.file).absolute()), "seq": seq, "hash": h}), file=out)
    return _OK


def _cmd_verify(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    path = Path(args.file)
    try:
        anchor = _anchor(args.anchor)
        try:
            with path.open("rb") as f:
                magic = f.read(len(_SQLITE_MAGIC))
        except OSError as e:
            print(f"salesctl: {path}: cannot read file: {e.strerror}", file=err)
            return _BAD
        if magic.startswith(b"{"):
            with path.open("rb") as f:
                result = verify_export(f, anchor=anchor)
        else:
            with Journal(path, read_only=True) as journal:
                result = journal.verify(anchor=anchor)
    except SalesctlError as e:
        print(f"salesctl: {e}", file=err)
        return _BAD
    if args.json:
        print(json.dumps({"file": str(path), **result.to_dict()}), file=out)
    elif result.ok:
        print(
            f"ok: {path}: {result.records} records, head {result.head_seq}:{result.head_hash}",
            file=out,
        )
    else:
        where = f"record {result.broken_seq}" if result.broken_seq is not None else "the file"
        print(f"BROKEN: {path}: {where}: {result.reason}", file=out)
        print(
            f"  {result.records} records verify before it (head {result.head_seq}:{result.head_hash})",
            file=out,
        )
    return _OK if result.ok else _BROKEN


def _cmd_export(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    try:
        with Journal(args.file, read_only=True) as journal:
            if args.output:
                with open(args.output, "w", encoding="utf-8") as f:
                    n = journal.export(f, kinds=args.kind)
                print(f"wrote {n} records to {args.output}", file=err)
            else:
                journal.export(out, kinds=args.kind)
    except ChainBroken as e:
        print(f"salesctl: {e}", file=err)
        return _BROKEN
    except SalesctlError as e:
        print(f"salesctl: {e}", file=err)
        return _BAD
    except OSError as e:
        print(f"salesctl: {args.output}: cannot write: {e.strerror}", file=err)
        return _BAD
    return _OK


def _cmd_numbers(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    try:
        with Journal(args.file, read_only=True) as journal:
            reports = journal.number_report(args.series)
    except SalesctlError as e:
        print(f"salesctl: {e}", file=err)
        return _BAD
    for r in reports:
        if args.json:
            row = {
                "series": r.series,
                "first": r.first,
                "last": r.last,
                "count": r.count,
                "gaps": [list(g) for g in r.gaps],
                "duplicates": list(r.duplicates),
            }
            print(json.dumps(row, ensure_ascii=False), file=out)
            continue
        status = "ok" if r.ok else "EXCEPTIONS"
        print(f"{r.series}: {status}: {r.count} drawn, {r.first}..{r.last}", file=out)
        for lo, hi in r.gaps:
            print(f"  gap: {lo}" + (f"..{hi}" if hi != lo else ""), file=out)
        for d in r.duplicates:
            print(f"  duplicate: {d}", file=out)
    return _OK if all(r.ok for r in reports) else _BROKEN
