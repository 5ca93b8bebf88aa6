"""The ``salesctl docs`` command: :func:`register` adds it to the CLI's subparsers."""

from __future__ import annotations

import argparse
import datetime as dt
from typing import Any, TextIO

from salesctl.docs.derived import default_policy
from salesctl.docs.site import write
from salesctl.errors import InvalidInput, SalesctlError
from salesctl.policy import load_policy

__all__ = ["register"]

#: Exit statuses, the values of ``salesctl.cli.EXIT_ALLOW`` and ``EXIT_BAD_INPUT`` (the CLI
#: imports this module, so it cannot import them from there; a test checks they agree).
_OK, _BAD = 0, 3


def _cmd_docs(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    try:
        policy = load_policy(args.policy) if args.policy else default_policy()
        stamp = None
        if args.timestamp:
            try:
                stamp = dt.datetime.fromisoformat(args.timestamp)
            except ValueError:
                raise InvalidInput(
                    "is not an ISO 8601 date-time", path="--timestamp", value=args.timestamp
                ) from None
        files = write(args.out, policy, timestamp=stamp)
    except SalesctlError as e:
        print(f"salesctl: {e}", file=err)
        return _BAD
    print(f"wrote {len(files)} files to {args.out} (policy {policy.name!r})", file=out)
    return _OK


def register(subparsers: Any) -> None:
    """Add ``salesctl docs --policy FILE --out DIR`` to the CLI."""
    p = subparsers.add_parser(
        "docs", help="generate the control documentation (pages, RCM, controls.json, OSCAL)"
    )
    p.add_argument("--policy", help="policy file (TOML); default policy when omitted")
    p.add_argument("--out", required=True, metavar="DIR", help="output folder")
    p.add_argument(
        "--timestamp",
        help="last-modified of the OSCAL files, ISO 8601 with offset (default: SOURCE_DATE_EPOCH or now)",
    )
    p.set_defaults(func=_cmd_docs)
