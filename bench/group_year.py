"""Turn a demo year into a group-credit stress year (issue 15's benchmark).

Run: ``python bench/group_year.py SRC_DIR DST_DIR [--size 8]``.

The demo year plants one customer group and one order of a subsidiary. This copy puts every
customer in a customer group (``C-n`` in the group of ``C-(n // size * size)``, whether or not
that customer exists: a group without a parent profile still sums its members), gives each
customer with a credit profile the same profile for the credit segment ``east``, and has every
order name a selling company (``CO-SH``, ``CO-NJ`` — the segment east — or ``CO-BJ``, by its
sequence number). Every credit check then builds the group's exposure, and two orders in three
the segment's too: the most the group-credit code can cost per line. The decisions differ from
the demo's (limits are now shared); only the engines that know groups can read it.
"""

from __future__ import annotations

import argparse
import json
import shutil
from pathlib import Path
from typing import Any

_COMPANIES = ("CO-SH", "CO-NJ", "CO-BJ")


def _customer(c: dict[str, Any], size: int) -> None:
    cid = c.get("id")
    if not isinstance(cid, str) or not cid.startswith("C-") or not cid[2:].isdigit():
        return
    n = int(cid[2:])
    c["group_id"] = f"C-{n // size * size:0{len(cid) - 2}d}"
    prof = c.get("credit_profile")
    if isinstance(prof, dict):
        c["segment_profiles"] = {"east": prof}


def _walk(obj: Any, size: int) -> None:
    if isinstance(obj, dict):
        for k, v in obj.items():
            if k == "customer" and isinstance(v, dict):
                _customer(v, size)
            if k == "order" and isinstance(v, dict) and isinstance(v.get("seq"), int):
                v["company"] = _COMPANIES[v["seq"] % 3]
            _walk(v, size)
    elif isinstance(obj, list):
        for v in obj:
            _walk(v, size)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("src")
    ap.add_argument("dst")
    ap.add_argument("--size", type=int, default=8, help="customers per group")
    args = ap.parse_args()
    src, dst = Path(args.src), Path(args.dst)
    dst.mkdir(parents=True, exist_ok=True)
    shutil.copy(src / "policy.toml", dst / "policy.toml")
    with open(src / "events.jsonl", "rb") as fin, open(dst / "events.jsonl", "w") as fout:
        for raw in fin:
            try:
                ev = json.loads(raw)
            except ValueError:
                fout.write(raw.decode("utf-8", "replace"))
                continue
            _walk(ev, args.size)
            fout.write(json.dumps(ev, ensure_ascii=False, separators=(",", ":")) + "\n")


if __name__ == "__main__":
    main()
