"""``salesctl journal``: verify a journal's chain, export its log, report its number series.

JOURNAL is a journal file, a ``sqlite:///PATH`` URL or a ``postgresql://…[?schema=NAME]`` URL.

* ``salesctl journal verify JOURNAL [--anchor ANCHOR] [--json]`` — JOURNAL may also be a
  JSON Lines export of one; exits 0 when the chain verifies, 2 when it is broken (naming the
  first broken record), 3 when it cannot be read as either. ANCHOR is ``SEQ:HASH``, the
  JSON ``journal anchor`` prints, or a file holding either;
* ``salesctl journal anchor JOURNAL`` — verifies the chain and prints its anchor as JSON
  (``{"file", "seq", "hash"}``), to keep outside the journal; exits 0, 2 or 3 as above;
* ``salesctl journal export JOURNAL [-o OUT] [--kind KIND ...]`` — the log as JSON Lines (to
  standard output unless ``-o``); exits 0, or 2/3 as above;
* ``salesctl journal numbers JOURNAL [--series S] [--json]`` — gaps and duplicates per number
  series; exits 0 when there are none, 2 otherwise;
* ``salesctl journal migrate JOURNAL`` — creates the journal, or brings its schema to this
  salesctl's version; exits 0, or 3;
* ``salesctl journal copy SOURCE TARGET`` — copies every record, as it is, into an empty
  journal (e.g. from SQLite to PostgreSQL) and verifies the copy; exits 0, 2 or 3.

Only ``migrate`` and ``copy`` (its target) write; the other commands open the journal
read-only.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any, TextIO

from salesctl.errors import ChainBroken, InvalidInput, SalesctlError
from salesctl.journal import KINDS, Journal, is_url, verify_export
from salesctl.journal.verify import check_anchor

__all__ = ["register"]

_OK, _BROKEN, _BAD = 0, 2, 3
_SQLITE_MAGIC = b"SQLite format 3\x00"


def register(subparsers: Any) -> None:
    """Add the ``journal`` command to the ``salesctl`` parser (see :mod:`salesctl.cli`)."""
    p = subparsers.add_parser("journal", help="verify, export and report on a salesctl journal")
    jsub = p.add_subparsers(dest="journal_command", required=True, parser_class=type(p))

    v = jsub.add_parser("verify", help="check the hash chain; name the first broken record")
    v.add_argument("file", help="a journal file or URL, or a JSON Lines export of a journal")
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
    a.add_argument("file", help="a journal file or URL")
    a.set_defaults(func=_cmd_anchor)

    e = jsub.add_parser("export", help="write the log as JSON Lines")
    e.add_argument("file", help="a journal file or URL")
    e.add_argument("-o", "--output", help="output file (standard output when omitted)")
    e.add_argument("--kind", action="append", choices=KINDS, help="only records of this kind")
    e.set_defaults(func=_cmd_export)

    n = jsub.add_parser("numbers", help="gaps and duplicates per number series")
    n.add_argument("file", help="a journal file or URL")
    n.add_argument("--series", help="one series only")
    n.add_argument("--json", action="store_true", help="print the reports as JSON")
    n.set_defaults(func=_cmd_numbers)

    m = jsub.add_parser("migrate", help="create the journal, or migrate it to this version")
    m.add_argument("file", help="a journal file or URL")
    m.set_defaults(func=_cmd_migrate)

    c = jsub.add_parser("copy", help="copy every record into an empty journal, then verify")
    c.add_argument("file", help="the journal to copy (file or URL)")
    c.add_argument("target", help="an empty (or new) journal: file or URL")
    c.set_defaults(func=_cmd_copy)


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
    where = args.file if is_url(args.file) else str(Path(args.file).absolute())
    print(json.dumps({"file": where, "seq": seq, "hash": h}), file=out)
    return _OK


def _cmd_verify(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    path = Path(args.file)
    url = is_url(args.file)
    shown = str(path)
    try:
        anchor = _anchor(args.anchor)
        magic = b""
        try:
            if not url:
                with path.open("rb") as f:
                    magic = f.read(len(_SQLITE_MAGIC))
        except OSError as e:
            print(f"salesctl: {path}: cannot read file: {e.strerror}", file=err)
            return _BAD
        if magic.startswith(b"{"):
            with path.open("rb") as f:
                result = verify_export(f, anchor=anchor)
        else:
            with Journal(args.file, read_only=True) as journal:
                result = journal.verify(anchor=anchor)
                shown = journal.where if url else shown
    except SalesctlError as e:
        print(f"salesctl: {e}", file=err)
        return _BAD
    if args.json:
        print(json.dumps({"file": shown, **result.to_dict()}), file=out)
    elif result.ok:
        print(
            f"ok: {shown}: {result.records} records, head {result.head_seq}:{result.head_hash}",
            file=out,
        )
    else:
        where = f"record {result.broken_seq}" if result.broken_seq is not None else "the file"
        print(f"BROKEN: {shown}: {where}: {result.reason}", file=out)
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


def _cmd_migrate(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    try:
        with Journal(args.file) as journal:
            head = journal.head()
            where = journal.where
    except SalesctlError as e:
        print(f"salesctl: {e}", file=err)
        return _BAD
    print(f"ok: {where}: schema up to date, {head[0]} records", file=out)
    return _OK


def _cmd_copy(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    try:
        with Journal(args.file, read_only=True) as source:
            n = source.copy_to(args.target)
        with Journal(args.target, read_only=True) as copy:
            result = copy.verify()
            where = copy.where
    except SalesctlError as e:
        print(f"salesctl: {e}", file=err)
        return _BAD
    if not result.ok:
        print(f"BROKEN: {where}: record {result.broken_seq}: {result.reason}", file=out)
        return _BROKEN
    print(f"ok: copied {n} records to {where}, head {result.head_seq}:{result.head_hash}", file=out)
    return _OK
