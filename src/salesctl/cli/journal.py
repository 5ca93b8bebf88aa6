"""``salesctl journal``: verify a journal's chain, export its log, report its number series.

* ``salesctl journal verify FILE [--anchor SEQ:HASH] [--json]`` — FILE is a journal or a
  JSON Lines export of one; exits 0 when the chain verifies, 2 when it is broken (naming the
  first broken record), 3 when the file cannot be read as either;
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

__all__ = ["register"]

_OK, _BROKEN, _BAD = 0, 2, 3
_SQLITE_MAGIC = b"SQLite format 3\x00"


def register(subparsers: Any) -> None:
    """Add the ``journal`` command to the ``salesctl`` parser (see :mod:`salesctl.cli`)."""
    p = subparsers.add_parser("journal", help="verify, export and report on a salesctl journal")
    jsub = p.add_subparsers(dest="journal_command", required=True, parser_class=type(p))

    v = jsub.add_parser("verify", help="check the hash chain; name the first broken record")
    v.add_argument("file", help="a journal file, or a JSON Lines export of one")
    v.add_argument("--anchor", metavar="SEQ:HASH", help="a head published earlier (journal.head())")
    v.add_argument("--json", action="store_true", help="print the result as JSON")
    v.set_defaults(func=_cmd_verify)

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
    if text is None:
        return None
    seq, _, h = text.partition(":")
    if not seq.isdigit() or len(h) != 64:
        raise InvalidInput("must be SEQ:HASH (64 hex digits)", path="--anchor", value=text)
    return int(seq), h.lower()


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
