"""Records the host's ledger has no fold for, written from their JSON data alone.

About half of a default year's lines are records the host's
:class:`~salesctl.ledger.Ledger` folds into nothing (it counts them in
:attr:`~salesctl.ledger.Ledger.unfolded`): the month end's contract-ledger lines (a third of
the stream), the bank's receipt lines, finance's sales invoices and revenue postings. Folding
one only moves the ledger to its business date when that date is new. So when the ledger
already stands on (or after) the record's date, keeps no books and has no fold for its type,
:func:`write_unfolded` writes the data the caller made and counts the record as
:meth:`Ledger.apply <salesctl.ledger.Ledger.apply>` would, without building the record;
otherwise, and whenever a test sets ``salesctl.demo.host._VERIFY_DATA``, it builds the record
and goes through :meth:`Host.record_data <salesctl.demo.host.Host.record_data>` (which checks
the data against the record's own when that flag is set). ``tests/test_demo_nineteenth.py``
pins it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from salesctl.demo import host as _host
from salesctl.demo.host import CENT, Host
from salesctl.ledger.ledger import FOLDS

__all__ = ["cny_text", "direct_ok", "write_unfolded"]


def cny_text(x: Decimal | int | str) -> str:
    """``str(cny(x))``: ``x`` yuan to the cent as the stream writes an amount
    (``"1250.00 CNY"``), without building the :class:`~salesctl.money.Money`."""
    d = x if type(x) is Decimal else Decimal(x)
    return f"{d.quantize(CENT)} CNY"


def direct_ok(host: Host, type_name: str, at: dt.datetime) -> bool:
    """Whether a record of ``type_name`` at ``at`` may be written from its data alone: the
    host's ledger has no fold for the type and keeps no books, already stands on or after
    the record's date (folding it would change nothing but the count of unfolded records),
    and no test asks for the data to be checked."""
    ledger = host.ledger
    today = ledger.today
    return (
        not _host._VERIFY_DATA
        and today is not None
        and ledger.books is None
        and type_name not in FOLDS
        and at.date() <= today
    )


def write_unfolded(
    host: Host, at: dt.datetime, data: dict[str, Any], make: Callable[[], Any]
) -> None:
    """Write a record of a type the host's ledger has no fold for, from ``data`` (what
    :func:`~salesctl.demo.encode.event_data` gives for ``make()``, its keys in the same
    order), counted as unfolded; built by ``make`` and written through
    :meth:`~salesctl.demo.host.Host.record_data` when :func:`direct_ok` says no."""
    name = data["type"]
    if not direct_ok(host, name, at):
        host.record_data(make(), data)
        return
    unfolded = host.ledger.unfolded
    unfolded[name] = unfolded.get(name, 0) + 1
    host.sink(data)
    host.written += 1
