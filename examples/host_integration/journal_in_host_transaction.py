"""The journal inside the host's own PostgreSQL transaction: the order row and the decision
commit together, or roll back together.

An ERP keeps its orders in its own database. It keeps the salesctl journal in the same database,
in a schema it names (here ``erp_journal``), and writes the order row, the order number and the
gate's decision in **one** transaction: after a crash or an error there is never an order
without its decision, nor a decision (or a drawn number) for an order that does not exist.

Run it against a database you may write to::

    python examples/host_integration/journal_in_host_transaction.py postgresql://user@host/db
"""

from __future__ import annotations

import sys
from typing import Any

import psycopg

import salesctl as sc
from salesctl.journal import Journal

SCHEMA = "erp_journal"


def create_tables(conn: psycopg.Connection[Any]) -> None:
    """The ERP's own table (the journal creates its tables itself)."""
    with conn.transaction():
        conn.execute(
            "CREATE TABLE IF NOT EXISTS erp_orders ("
            " id text PRIMARY KEY, number integer NOT NULL, total text NOT NULL,"
            " outcome text NOT NULL)"
        )


def confirm_order(
    conn: psycopg.Connection[Any],
    journal: Journal,
    gate: sc.Gate,
    make_txn: Any,
    exposure: sc.CreditExposure,
    *,
    fail_after_journal: bool = False,
) -> sc.Decision:
    """Draw the order's number, check it, store the order row and the decision: one commit.

    Args:
        conn: the ERP's connection (not in autocommit mode).
        journal: the journal, opened on the same database.
        gate: the gate.
        make_txn: ``number -> (order id, PlaceOrder)``: the host's own code.
        exposure: the customer's credit exposure (from the host's ledger).
        fail_after_journal: simulate the ERP failing after the journal wrote (the test of the
            rollback).

    Returns:
        The decision (committed with the order row).
    """
    with conn.transaction():  # BEGIN … COMMIT, or ROLLBACK on any exception
        inside = journal.joined(conn)  # the journal's writes join this transaction
        number = inside.next_number("SO-2026")
        order_id, txn = make_txn(number)
        decision = gate.check(txn, inside.context_for(txn, exposure=exposure))
        inside.record(decision, txn=txn)
        conn.execute(
            "INSERT INTO erp_orders (id, number, total, outcome) VALUES (%s, %s, %s, %s)",
            (order_id, number, str(txn.order.total), decision.outcome.name),
        )
        if fail_after_journal:
            raise RuntimeError("the ERP failed after the journal wrote")
    return decision


def main(url: str) -> None:  # pragma: no cover - the tests call confirm_order directly
    from tests import builders as b  # run from the repository root: the tests' sample data

    gate = sc.Gate(sc.Policy.default(), only=("O2C-CR-04", "O2C-SO-02"))
    with Journal(url, schema=SCHEMA) as journal, psycopg.connect(url) as conn:
        create_tables(conn)

        def make(number: int) -> tuple[str, sc.PlaceOrder]:
            order = b.order(id=f"SO-2026-{number:04d}", seq=number)
            return order.id, b.place(order)

        d = confirm_order(conn, journal, gate, make, b.exposure())
        print(d.outcome.name, journal.head(), journal.verify().ok)


if __name__ == "__main__":  # pragma: no cover
    main(sys.argv[1])
