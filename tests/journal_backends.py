"""The journal's backends under test: SQLite files, and a throw-away PostgreSQL cluster.

:func:`pg_cluster` starts a cluster of its own (``initdb`` + ``pg_ctl``, listening only on a Unix
socket in a fresh directory under the temporary directory) once per test session, and stops
and removes it at the end. The binaries are looked up on ``PATH``, then under
``/usr/lib/postgresql/<version>/bin`` (Debian) and ``/usr/local/pgsql/bin``. ``initdb``
refuses to run as root: as root, the cluster runs as the ``postgres`` user (or ``nobody``).
When no server can be started, the PostgreSQL half of the tests is skipped with the reason.

Each test gets its own schema (``?schema=t_…``) in the one database, so tests stay independent
at no cost.
"""

from __future__ import annotations

import atexit
import contextlib
import glob
import os
import pwd
import shutil
import sqlite3
import subprocess
import tempfile
import uuid
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

#: The backends every parametrized journal test runs on.
BACKENDS = ("sqlite", "postgresql")


def _find(tool: str) -> str | None:
    found = shutil.which(tool)
    if found:
        return found
    candidates = sorted(
        glob.glob(f"/usr/lib/postgresql/*/bin/{tool}"),
        key=lambda p: int(Path(p).parts[-3]) if Path(p).parts[-3].isdigit() else 0,
    )
    candidates += glob.glob(f"/usr/local/pgsql/bin/{tool}")
    return candidates[-1] if candidates else None


class PgCluster:
    """A running throw-away cluster; :attr:`url` reaches its ``postgres`` database."""

    def __init__(self, *, durable: bool = False) -> None:
        try:
            import psycopg  # noqa: F401
        except ImportError:
            raise RuntimeError(
                "psycopg 3 is not installed (pip install 'salesctl[postgres]')"
            ) from None
        initdb, self.pg_ctl = _find("initdb"), _find("pg_ctl")
        if initdb is None or self.pg_ctl is None:
            raise RuntimeError(
                "no PostgreSQL server binaries (initdb, pg_ctl) on PATH or under "
                "/usr/lib/postgresql/*/bin; install the postgresql package"
            )
        self.dir = Path(tempfile.mkdtemp(prefix="salesctl-pg-", dir="/tmp"))
        self.data = self.dir / "data"
        self._user: dict[str, Any] = {}
        if os.geteuid() == 0:
            for name in ("postgres", "nobody"):
                try:
                    pw = pwd.getpwnam(name)
                except KeyError:
                    continue
                self._user = {"user": pw.pw_uid, "group": pw.pw_gid, "extra_groups": []}
                os.chown(self.dir, pw.pw_uid, pw.pw_gid)
                break
            else:
                raise RuntimeError("running as root, and no postgres or nobody user for initdb")
        self.dir.chmod(0o755)
        env = {**os.environ, "LC_ALL": "C", "LANG": "C"}
        self._run(
            [
                initdb,
                "-D",
                str(self.data),
                "-A",
                "trust",
                "-U",
                "salesctl",
                "-E",
                "UTF8",
                "--no-sync",
                "--locale=C",
            ],
            env=env,
        )
        # Tests need no durability against a power cut (a crash of the server keeps what the
        # kernel holds); a benchmark does: durable=True keeps fsync on.
        options = f"-k {self.dir} -c listen_addresses='' -c max_connections=200"
        if not durable:
            options += " -c fsync=off -c full_page_writes=off -c shared_buffers=32MB"
        self._options = options
        self._run(
            [*self._ctl(), "-w", "-t", "60", "start"],
            env=env,
        )
        self.url = f"postgresql://salesctl@/postgres?host={self.dir}"

    def _ctl(self) -> list[str]:
        assert self.pg_ctl is not None
        log = str(self.dir / "log")
        return [self.pg_ctl, "-D", str(self.data), "-o", self._options, "-l", log]

    def _run(self, argv: list[str], env: dict[str, str] | None = None) -> None:
        done = subprocess.run(
            argv, capture_output=True, text=True, env=env, cwd=self.dir, timeout=120, **self._user
        )
        if done.returncode != 0:
            log = self.dir / "log"
            tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
            raise RuntimeError(
                f"{Path(argv[0]).name} failed ({done.returncode}): {done.stderr.strip()} {tail}"
            )

    def restart(self) -> None:
        """``pg_ctl restart -m immediate``: the server stops without a checkpoint (as a crash
        would) and recovers from its WAL."""
        assert self.pg_ctl is not None
        self._run([*self._ctl(), "-m", "immediate", "-w", "-t", "60", "restart"])

    def stop(self) -> None:
        """Stop the server and remove its directory."""
        with contextlib.suppress(Exception):
            assert self.pg_ctl is not None
            self._run([self.pg_ctl, "-D", str(self.data), "-m", "immediate", "-w", "stop"])
        shutil.rmtree(self.dir, ignore_errors=True)

    def schema_url(self, schema: str | None = None) -> str:
        """The URL of a new, empty schema of this cluster."""
        return f"{self.url}&schema={schema or 't_' + uuid.uuid4().hex[:12]}"

    def connect(self) -> Any:
        """A plain psycopg connection (autocommit), the tamperer's tool."""
        import psycopg

        return psycopg.connect(self.url, autocommit=True)


_CLUSTER: PgCluster | None = None
_FAILURE: str | None = None


def pg_cluster() -> PgCluster:
    """The session's cluster, started on first use; skips the test if none can be started."""
    global _CLUSTER, _FAILURE
    if _CLUSTER is None and _FAILURE is None:
        try:
            _CLUSTER = PgCluster()
            atexit.register(stop_cluster)
        except (RuntimeError, OSError, subprocess.SubprocessError) as e:
            _FAILURE = str(e)
            # Shown in pytest's warnings summary: the reason the PostgreSQL half was skipped.
            warnings.warn(f"PostgreSQL journal tests skipped: {e}", stacklevel=2)
    if _CLUSTER is None:
        pytest.skip(f"no PostgreSQL server could be started: {_FAILURE}")
    return _CLUSTER


def stop_cluster() -> None:
    """Stop the session's cluster (called at the end of the session)."""
    global _CLUSTER
    if _CLUSTER is not None:
        _CLUSTER.stop()
        _CLUSTER = None


def target_for(backend: str, tmp_path: Path) -> str:
    """A new, empty journal's location on ``backend``."""
    if backend == "sqlite":
        return str(tmp_path / "journal.sqlite")
    return pg_cluster().schema_url()


def tamperer(target: str) -> Callable[[str], Any]:
    """A function running one raw SQL statement on the journal's tables (the attacker's
    tool): a sqlite3 connection on the file, or psycopg with the journal's schema first."""
    if not target.startswith("postgresql://"):

        def on_sqlite(sql: str) -> Any:
            con = sqlite3.connect(target, isolation_level=None)
            try:
                return con.execute(sql).fetchall()
            finally:
                con.close()

        return on_sqlite
    schema = target.rpartition("schema=")[2]

    def on_postgres(sql: str) -> Any:
        with pg_cluster().connect() as con:
            con.execute(f'SET search_path TO "{schema}"'.encode())
            cur = con.execute(sql.encode())
            return cur.fetchall() if cur.description else None

    return on_postgres
