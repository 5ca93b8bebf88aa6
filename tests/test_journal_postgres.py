"""The journal on PostgreSQL: URLs, schemas and migrations, the host's transaction, retries,
copies between backends, and tampering (the rest of tests/test_journal.py runs on both).

Runs against a throw-away cluster (:mod:`tests.journal_backends`); skipped, with the reason,
only when no PostgreSQL server can be started.
"""

from __future__ import annotations

import builtins
import io
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import salesctl as sc
from salesctl.journal import APPLICATION_ID, GENESIS_HASH, Journal, verify_export
from salesctl.journal import postgres as jpg
from tests import builders as b
from tests.journal_backends import pg_cluster, tamperer
from tests.test_journal import Clock, fill, run

psycopg = pytest.importorskip("psycopg", reason="psycopg 3 is not installed")


@pytest.fixture
def url() -> str:
    return pg_cluster().schema_url()


@pytest.fixture
def journal(url: str) -> Iterator[Journal]:
    with Journal(url, clock=Clock()) as j:
        yield j


def _schema(url: str) -> str:
    return url.rpartition("schema=")[2]


# -- the URL --------------------------------------------------------------------------------


class TestUrl:
    def test_sqlite_urls_and_paths_name_the_same_file(self, tmp_path: Path) -> None:
        """sqlite:///ABS, sqlite:REL and a plain path open one file."""
        p = tmp_path / "j.sqlite"
        with Journal(f"sqlite://{p}") as j:
            j.next_number("A")
            assert j.path == p and j.where == str(p)
        with Journal(p) as j:
            assert j.next_number("A") == 2

    @pytest.mark.parametrize(
        "bad", ["mysql://h/db", "sqlite://host/x.sqlite", "sqlite:///x?mode=ro", "http://x"]
    )
    def test_unknown_or_malformed_urls_are_refused(self, bad: str) -> None:
        """Another scheme, or a sqlite URL with a host or a query, is InvalidInput."""
        with pytest.raises(sc.InvalidInput, match="path"):
            Journal(bad)

    def test_schema_is_for_postgresql_only(self, tmp_path: Path) -> None:
        """schema= with a file is refused; a malformed schema name is refused."""
        with pytest.raises(sc.InvalidInput, match="PostgreSQL"):
            Journal(tmp_path / "j.sqlite", schema="x")
        for bad in ("Bad", "a-b", 'x"; DROP TABLE t; --', "", "x" * 64):
            with pytest.raises(sc.InvalidInput, match="identifier"):
                Journal(pg_cluster().url, schema=bad)

    def test_the_password_never_shows(self) -> None:
        """where (and so every message) leaves out the password."""
        conninfo, schema, where = jpg.split_url(
            "postgresql://u:secret@db.example/erp?schema=j", None
        )
        assert schema == "j" and "secret" not in where and "schema" not in conninfo
        assert where == "postgresql://u@db.example/erp#j"
        assert jpg.split_url("postgresql://h/d?schema=j", "k")[1] == "k"

    def test_an_unreachable_server_is_a_journal_error(self, tmp_path: Path) -> None:
        """No server at the URL: JournalError after the timeout, no psycopg traceback."""
        with pytest.raises(sc.JournalError, match="cannot connect") as err:
            Journal(f"postgresql://x@/postgres?host={tmp_path}", timeout=0.2)
        assert not isinstance(err.value.__cause__, psycopg.Error)

    def test_without_psycopg_the_message_says_what_to_install(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """psycopg missing: JournalError naming the extra."""
        real = builtins.__import__

        def no_pg(name: str, *args: Any, **kwargs: Any) -> Any:
            if name == "salesctl.journal.postgres":
                raise ImportError("No module named 'psycopg'")
            return real(name, *args, **kwargs)

        monkeypatch.setattr(builtins, "__import__", no_pg)
        with pytest.raises(sc.JournalError, match=r"salesctl\[postgres\]"):
            Journal("postgresql://h/db")


# -- schemas and migrations -----------------------------------------------------------------


class TestSchema:
    def test_new_journal_is_marked(self, journal: Journal, url: str) -> None:
        """meta holds the application id and the schema version."""
        rows = tamperer(url)("SELECT application_id, schema_version FROM meta")
        assert rows == [(APPLICATION_ID, jpg.SCHEMA_VERSION)]

    def test_two_schemas_are_two_journals(self) -> None:
        """Journals in two schemas of one database share nothing."""
        with Journal(pg_cluster().schema_url()) as a, Journal(pg_cluster().schema_url()) as b_:
            a.next_number("S")
            a.next_number("S")
            assert b_.next_number("S") == 1
            assert a.head()[0] == 2 and b_.head()[0] == 1

    def test_migration_path(self, url: str, monkeypatch: pytest.MonkeyPatch) -> None:
        """An older schema is migrated on open; read-only refuses; a newer one is JournalTooNew."""
        with Journal(url) as j:
            fill(j)
            head = j.head()

        def v1_to_v2(conn: Any, schema: str) -> None:
            conn.execute(f'ALTER TABLE "{schema}".entries ADD COLUMN note text'.encode())

        now = jpg.SCHEMA_VERSION
        monkeypatch.setattr(jpg, "SCHEMA_VERSION", now + 1)
        monkeypatch.setattr(jpg, "READABLE_FROM", now + 1)
        monkeypatch.setattr(jpg, "_MIGRATIONS", (*jpg._MIGRATIONS, v1_to_v2))
        with pytest.raises(sc.JournalError, match="migrate"):
            Journal(url, read_only=True)
        with Journal(url) as j:
            assert j.verify(anchor=head).ok
            j.next_number("X")
        tamper = tamperer(url)
        assert tamper("SELECT schema_version FROM meta") == [(now + 1,)]
        assert tamper("SELECT count(note) FROM entries") == [(0,)]
        monkeypatch.setattr(jpg, "SCHEMA_VERSION", now)
        with pytest.raises(sc.JournalTooNew, match=f"version {now + 1}"):
            Journal(url)

    def test_failed_migration_changes_nothing(
        self, url: str, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """A migration that fails rolls back (DDL is transactional): the schema stays."""
        with Journal(url) as j:
            j.next_number("X")

        def broken(conn: Any, schema: str) -> None:
            conn.execute(f'ALTER TABLE "{schema}".entries ADD COLUMN note text'.encode())
            raise RuntimeError("boom")

        now = jpg.SCHEMA_VERSION
        monkeypatch.setattr(jpg, "SCHEMA_VERSION", now + 1)
        monkeypatch.setattr(jpg, "_MIGRATIONS", (*jpg._MIGRATIONS, broken))
        with pytest.raises(RuntimeError):
            Journal(url)
        tamper = tamperer(url)
        assert tamper("SELECT schema_version FROM meta") == [(now,)]
        cols = tamper(
            "SELECT column_name FROM information_schema.columns "
            f"WHERE table_schema = '{_schema(url)}' AND table_name = 'entries'"
        )
        assert ("note",) not in cols

    def test_foreign_missing_and_damaged_schemas(self, url: str) -> None:
        """A schema of other tables is JournalForeign; none at all, read-only, a JournalError;
        a journal missing a table, JournalCorrupt."""
        s = _schema(url)
        with pytest.raises(sc.JournalError, match="no journal"):
            Journal(url, read_only=True)
        with pg_cluster().connect() as con:
            con.execute(f'CREATE SCHEMA "{s}"'.encode())
            con.execute(f'CREATE TABLE "{s}".orders (id int)'.encode())
        with pytest.raises(sc.JournalForeign, match="orders"):
            Journal(url)
        other = pg_cluster().schema_url()
        Journal(other).close()
        tamperer(other)("UPDATE meta SET application_id = 7")
        with pytest.raises(sc.JournalForeign):
            Journal(other)
        tamperer(other)(f"UPDATE meta SET application_id = {APPLICATION_ID}")
        tamperer(other)("DROP TABLE numbers")
        with pytest.raises(sc.JournalCorrupt, match="numbers"):
            Journal(other)

    def test_read_only(self, journal: Journal, url: str) -> None:
        """A read-only journal reads and refuses every write."""
        journal.next_number("S")
        with Journal(url, read_only=True) as ro:
            assert ro.last_numbers() == {"S": 1} and ro.verify().ok
            with pytest.raises(sc.JournalReadOnly):
                ro.next_number("S")

    def test_a_role_without_write_rights_is_journal_read_only(self, url: str) -> None:
        """A database role that may only read gets JournalReadOnly on a write."""
        s = _schema(url)
        Journal(url).close()
        with pg_cluster().connect() as con:
            con.execute("DROP ROLE IF EXISTS reader")
            con.execute("CREATE ROLE reader LOGIN")
            con.execute(f'GRANT USAGE ON SCHEMA "{s}" TO reader'.encode())
            con.execute(f'GRANT SELECT ON ALL TABLES IN SCHEMA "{s}" TO reader'.encode())
        reader = url.replace("salesctl@", "reader@")
        with Journal(reader) as j:
            assert j.verify().ok
            with pytest.raises(sc.JournalReadOnly):
                j.next_number("S")


# -- the host's transaction ---------------------------------------------------------------------


class TestHostTransaction:
    @pytest.fixture
    def host(self, url: str) -> Iterator[Any]:
        s = _schema(url)
        with psycopg.connect(pg_cluster().url) as conn:
            conn.execute(f'CREATE SCHEMA IF NOT EXISTS "{s}_erp"'.encode())
            conn.execute(f'CREATE TABLE "{s}_erp".orders (id text PRIMARY KEY)'.encode())
            conn.commit()
            yield conn

    def _orders(self, url: str) -> list[Any]:
        return tamperer(url)(f'SELECT id FROM "{_schema(url)}_erp".orders ORDER BY id')

    def test_order_and_decision_commit_together(
        self, journal: Journal, url: str, host: Any
    ) -> None:
        """The order row and the decision record commit in the host's one transaction."""
        txn = b.place()
        with host.transaction():
            host.execute(
                f'INSERT INTO "{_schema(url)}_erp".orders VALUES (%s)'.encode(), (txn.document_id,)
            )
            inside = journal.joined(host)
            number = inside.next_number("SO-2026", document_id=txn.document_id)
            inside.record(sc.Gate(sc.Policy.default()).check(txn, b.context()), txn=txn)
            # Not committed yet: another connection sees neither.
            assert journal.head()[0] == 0 and self._orders(url) == []
        assert self._orders(url) == [(txn.document_id,)]
        assert number == 1 and journal.head()[0] == 2 and journal.verify().ok

    def test_order_and_decision_roll_back_together(
        self, journal: Journal, url: str, host: Any
    ) -> None:
        """An error after the journal's write rolls back the order and the record, and the
        number drawn inside is drawn again: no gap."""

        def post() -> None:
            with host.transaction():
                host.execute(f"INSERT INTO \"{_schema(url)}_erp\".orders VALUES ('SO-1')".encode())
                assert journal.joined(host).next_number("SO") == 1
                journal.joined(host).consume_release("R1", "SO-1", b.cny("5"))
                raise RuntimeError("the host's posting failed")

        with pytest.raises(RuntimeError):
            post()
        assert self._orders(url) == [] and journal.head() == (0, GENESIS_HASH)
        assert journal.consumption("R1") is None
        assert journal.next_number("SO") == 1

    def test_a_refusal_leaves_the_host_transaction_usable(
        self, journal: Journal, url: str, host: Any
    ) -> None:
        """ReleaseConsumed inside the host's transaction rolls back the journal's part only."""
        journal.consume_release("R1", "SO-1", b.cny("5"))
        with host.transaction():
            host.execute(f"INSERT INTO \"{_schema(url)}_erp\".orders VALUES ('SO-2')".encode())
            with pytest.raises(sc.ReleaseConsumed) as err:
                journal.joined(host).consume_release("R1", "SO-2", b.cny("5"))
            assert err.value.first.order_id == "SO-1"
            journal.joined(host).next_number("SO")
        assert self._orders(url) == [("SO-2",)] and journal.verify().ok

    def test_joining_needs_an_open_transaction_and_postgresql(
        self, journal: Journal, host: Any, tmp_path: Path
    ) -> None:
        """Outside a transaction, with a foreign object or on SQLite: InvalidInput."""
        host.autocommit = True
        with pytest.raises(sc.InvalidInput, match="transaction"):
            journal.joined(host).next_number("S")
        with pytest.raises(sc.InvalidInput, match="psycopg"):
            journal.joined(object())
        with Journal(tmp_path / "j.sqlite") as lite, pytest.raises(sc.InvalidInput):
            lite.joined(host)
        joined = journal.joined(host)
        joined.close()  # closes nothing of the host's
        assert not host.closed

    def test_a_waiting_writer_resumes_after_the_host_commits(
        self, journal: Journal, url: str, host: Any
    ) -> None:
        """While the host's transaction holds the head, other writers wait, then go on."""
        got: list[int] = []
        with host.transaction():
            journal.joined(host).next_number("S")
            t = threading.Thread(target=lambda: got.append(journal.next_number("S")))
            t.start()
            t.join(0.3)
            assert t.is_alive() and got == []
        t.join(10)
        assert got == [2]


# -- conflicts and retries ------------------------------------------------------------------


def _fail_next_inserts(url: str, count: int, code: str = "serialization_failure") -> None:
    """A trigger on entries raising ``code`` for the next ``count`` inserts (a real server
    error on the real code path)."""
    s = _schema(url)
    tamperer(url)(
        f'CREATE SEQUENCE "{s}".failures; '
        f'CREATE FUNCTION "{s}".fail() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN '
        f"IF nextval('\"{s}\".failures') <= {count} THEN "
        f"RAISE EXCEPTION 'injected' USING ERRCODE = '{code}'; END IF; RETURN NEW; END $$; "
        f'CREATE TRIGGER fail BEFORE INSERT ON "{s}".entries '
        f'FOR EACH ROW EXECUTE FUNCTION "{s}".fail()'
    )


class TestRetries:
    @pytest.mark.parametrize("code", ["serialization_failure", "deadlock_detected"])
    def test_conflicts_are_retried(self, journal: Journal, url: str, code: str) -> None:
        """A write failing twice with 40001/40P01 succeeds on the third try, once."""
        journal.next_number("S")
        _fail_next_inserts(url, 2, code)
        assert journal.next_number("S") == 2
        assert [e.record["number"] for e in journal.entries(kind="number")] == [1, 2]
        assert journal.verify().ok

    def test_retries_are_bounded_and_typed(self, url: str) -> None:
        """Past ``retries`` conflicts: JournalBusy, nothing written."""
        with Journal(url, retries=2) as j:
            _fail_next_inserts(url, 3)
            with pytest.raises(sc.JournalBusy, match="conflicting") as err:
                j.next_number("S")
            assert not isinstance(err.value.__cause__, psycopg.Error)
            assert j.head()[0] == 0
            assert j.next_number("S") == 1
        with pytest.raises(sc.InvalidInput):
            Journal(url, retries=-1)

    def test_lock_timeout_is_journal_busy(self, url: str) -> None:
        """Another connection holding the head past the timeout: JournalBusy."""
        with Journal(url, timeout=0.1) as j, pg_cluster().connect() as holder:
            j.next_number("X")
            holder.execute("BEGIN")
            holder.execute(f'SELECT * FROM "{_schema(url)}".head FOR UPDATE'.encode())
            with pytest.raises(sc.JournalBusy, match="timeout"):
                j.next_number("X")
            holder.execute("ROLLBACK")
            assert j.next_number("X") == 2

    def test_a_dropped_connection_is_replaced(self, journal: Journal, url: str) -> None:
        """A connection the server terminated is replaced before the next write or read."""
        journal.next_number("S")
        tamperer(url)(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE application_name = 'salesctl-journal' AND pid <> pg_backend_pid()"
        )
        assert journal.next_number("S") == 2
        tamperer(url)(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE application_name = 'salesctl-journal' AND pid <> pg_backend_pid()"
        )
        assert journal.last_numbers() == {"S": 2}


# -- one chain, two backends -------------------------------------------------------------------


class TestAcrossBackends:
    def test_the_same_writes_give_the_same_chain(self, url: str, tmp_path: Path) -> None:
        """Written the same way, both backends hold byte-identical exports and heads."""
        exports = []
        for target in (str(tmp_path / "j.sqlite"), url):
            with Journal(target, clock=Clock()) as j:
                fill(j)
                out = io.StringIO()
                j.export(out)
                exports.append((out.getvalue(), j.head()))
        assert exports[0] == exports[1]
        assert verify_export(exports[0][0].splitlines()).ok

    def test_copy_sqlite_to_postgresql_and_back(self, url: str, tmp_path: Path) -> None:
        """copy_to keeps every record and hash; backup of a PostgreSQL journal is a SQLite file
        that verifies with the same head; a target with records is refused."""
        src = tmp_path / "src.sqlite"
        with Journal(src, clock=Clock()) as j:
            fill(j)
            head = j.head()
            assert j.copy_to(url) == head[0]
            with pytest.raises(sc.JournalError, match="holds records"):
                j.copy_to(url)
        with Journal(url) as pg:
            assert pg.head() == head and pg.verify(anchor=head).ok
            pg.next_number("SO-2026")  # the copy goes on from where the file stopped
            assert pg.verify(anchor=head).ok
            back = pg.backup(tmp_path / "back.sqlite")
            with Journal(back, read_only=True) as lite:
                assert lite.head() == pg.head() and lite.verify().ok

    def test_cli_migrate_copy_and_verify_by_url(self, url: str, tmp_path: Path) -> None:
        """The journal commands take a URL."""
        src = tmp_path / "src.sqlite"
        with Journal(src, clock=Clock()) as j:
            fill(j)
            seq, h = j.head()
        code, out, _ = run("journal", "migrate", url)
        assert code == 0 and "0 records" in out
        code, out, _ = run("journal", "copy", str(src), url)
        assert code == 0 and f"head {seq}:{h}" in out
        code, out, _ = run("journal", "anchor", url)
        assert code == 0 and f'"seq": {seq}' in out
        code, out, _ = run("journal", "verify", "--anchor", f"{seq}:{h}", url)
        assert code == 0 and "salesctl@" in out and "schema" not in out
        assert run("journal", "copy", str(src), url)[0] == 3


# -- tampering, as on SQLite ---------------------------------------------------------------------

_COLUMNS = ("kind", "key", "body", "prev_hash", "hash")


@pytest.fixture(scope="module")
def filled() -> tuple[str, list[tuple[int, str]]]:
    url = pg_cluster().schema_url()
    with Journal(url, clock=Clock()) as j:
        fill(j)
        return url, [(e.seq, e.body) for e in j.entries()]


def _fresh_copy(url: str) -> str:
    """A copy of a journal in a new schema (the tampered one)."""
    copy = pg_cluster().schema_url()
    with Journal(url, read_only=True) as j:
        j.copy_to(copy)
    return copy


@pytest.mark.parametrize("column", _COLUMNS)
def test_a_changed_character_of_any_record_breaks_the_chain_there(
    filled: tuple[str, list[tuple[int, str]]], column: str
) -> None:
    """Changing one character of a column of each record in turn fails verify at that record."""
    url, bodies = filled
    copy = _fresh_copy(url)
    tamper = tamperer(copy)
    for seq, _ in bodies:
        (value,) = tamper(f"SELECT {column} FROM entries WHERE seq = {seq}")[0]
        pos = (seq * 7) % len(value)
        changed = value[:pos] + ("x" if value[pos] != "x" else "y") + value[pos + 1 :]
        tamper(
            f"UPDATE entries SET {column} = '{changed.replace(chr(39), chr(39) * 2)}' "
            f"WHERE seq = {seq}"
        )
        with Journal(copy, read_only=True) as j:
            v = j.verify()
        assert not v.ok and v.broken_seq == seq, (column, seq, v.reason)
        tamper(
            f"UPDATE entries SET {column} = '{value.replace(chr(39), chr(39) * 2)}' "
            f"WHERE seq = {seq}"
        )


def test_deleted_records_and_a_cut_tail(filled: tuple[str, list[tuple[int, str]]]) -> None:
    """Deleting any record fails at it; cutting the tail (head moved back) passes the chain
    alone but not the anchor, as on SQLite."""
    url, bodies = filled
    with Journal(url, read_only=True) as j:
        anchor = j.anchor()
    for seq, _ in bodies:
        copy = _fresh_copy(url)
        tamperer(copy)(f"DELETE FROM entries WHERE seq = {seq}")
        with Journal(copy, read_only=True) as j:
            v = j.verify()
        assert not v.ok and v.broken_seq == seq, v.reason
    copy = _fresh_copy(url)
    tamper = tamperer(copy)
    last = anchor[0]
    tamper(f"DELETE FROM entries WHERE seq >= {last - 1}")
    tamper(f"DELETE FROM numbers WHERE seq >= {last - 1}")
    tamper(
        f"UPDATE head SET seq = {last - 2}, "
        f"hash = (SELECT hash FROM entries WHERE seq = {last - 2})"
    )
    with Journal(copy, read_only=True) as j:
        assert j.verify().ok
        v = j.verify(anchor=anchor)
    assert not v.ok and v.broken_seq == last and "cut" in v.reason


# -- the documented example: examples/host_integration/journal_in_host_transaction.py -----------


def test_the_host_transaction_example(url: str) -> None:
    """The example's order row and decision commit together, and roll back together."""
    import importlib.util

    path = Path(__file__).parent.parent / "examples" / "host_integration"
    spec = importlib.util.spec_from_file_location(
        "journal_in_host_transaction", path / "journal_in_host_transaction.py"
    )
    assert spec is not None and spec.loader is not None
    example = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(example)
    gate = sc.Gate(sc.Policy.default(), only=("O2C-CR-04", "O2C-SO-01"))

    def make(number: int) -> tuple[str, sc.PlaceOrder]:
        order = b.order(id=f"SO-2026-{number:04d}", seq=number)
        return order.id, b.place(order)

    schema = _schema(url)
    with (
        Journal(url) as journal,
        psycopg.connect(f"{pg_cluster().url}&options=-csearch_path%3D{schema}") as conn,
    ):
        example.create_tables(conn)
        d = example.confirm_order(conn, journal, gate, make, b.exposure())
        assert d.outcome is sc.Outcome.ALLOW, d.findings
        with pytest.raises(RuntimeError):
            example.confirm_order(conn, journal, gate, make, b.exposure(), fail_after_journal=True)
        d = example.confirm_order(conn, journal, gate, make, b.exposure())
        rows = conn.execute("SELECT id, number, outcome FROM erp_orders ORDER BY number").fetchall()
        assert rows == [("SO-2026-0001", 1, "ALLOW"), ("SO-2026-0002", 2, "ALLOW")]
        decided = [e.record["decision"]["document_id"] for e in journal.decisions()]
        assert decided == ["SO-2026-0001", "SO-2026-0002"]  # none for the rolled-back order
        assert journal.number_report()[0].ok and journal.verify().ok
