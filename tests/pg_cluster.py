"""A throwaway PostgreSQL cluster for tests and benches: `initdb` in a temporary folder, served
on a unix socket in that folder only (no TCP port, so it meets no other server), run as the
`postgres` user when the tests run as root (PostgreSQL refuses root), and removed when stopped.
`unavailable()` says why there can be none (the tests then say they are skipped and why)."""

from __future__ import annotations

import contextlib
import glob
import itertools
import os
import pwd
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

import psycopg

#: what `make test` does about it, for the skip message
HOW = "`make test` installs Debian's postgresql where apt-get and root allow"


def bin_dir() -> Path | None:
    """The folder of `initdb` and `pg_ctl`: Debian's newest, else whichever is on PATH."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"),
                   key=lambda p: int(Path(p).parts[-3]) if Path(p).parts[-3].isdigit() else 0)
    if found:
        return Path(found[-1]).parent
    on_path = shutil.which("initdb")
    return Path(on_path).parent if on_path else None


def _server_user() -> pwd.struct_passwd | None:
    """Whom the server runs as: the `postgres` account when we are root, else ourselves."""
    if os.geteuid() != 0:
        return None
    try:
        return pwd.getpwnam("postgres")
    except KeyError:
        return None


def unavailable() -> str | None:
    """Why no cluster can be started here, or None when one can."""
    if bin_dir() is None:
        return f"PostgreSQL is not installed ({HOW})"
    if os.geteuid() == 0 and _server_user() is None:
        return "running as root, and there is no `postgres` account to run PostgreSQL as"
    return None


def _wait_alone(conn: psycopg.Connection[Any], within: float = 30.0) -> None:
    """Until `conn` is the only client connected to its database. A connection a test closed
    ends on the server a moment later, and its advisory locks with it: a store opened before
    then would find the database still in use (the schema's migrations that must run alone
    refuse to run)."""
    deadline = time.monotonic() + within
    while True:
        row = conn.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = "
                           "current_database() AND backend_type = 'client backend' "
                           "AND pid <> pg_backend_pid()").fetchone()
        if row is None or row[0] == 0:
            return
        if time.monotonic() > deadline:
            raise RuntimeError(f"{row[0]} connection(s) to the test database were left open")
        time.sleep(0.01)


class Cluster:
    """One PostgreSQL server in a folder of its own. `durable=False` (tests) turns fsync off;
    a bench that compares stores keeps it on, as a real deployment would; `statements=True`
    loads pg_stat_statements (a bench counting queries per command)."""

    def __init__(self, durable: bool = False, statements: bool = False) -> None:
        self.durable = durable
        self.statements = statements
        self.folder = Path(tempfile.mkdtemp(prefix="ogpbot-pg-"))
        self.data = self.folder / "data"
        self.log = self.folder / "server.log"
        self._names = itertools.count(1)
        self._user = _server_user()
        if self._user is not None:
            os.chown(self.folder, self._user.pw_uid, self._user.pw_gid)

    def _run(self, tool: str, *args: str) -> None:
        folder = bin_dir()
        assert folder is not None, unavailable()
        extra = {} if self._user is None else {"user": self._user.pw_uid,
                                               "group": self._user.pw_gid}
        done = subprocess.run([str(folder / tool), *args], cwd=self.folder,
                              capture_output=True, text=True, check=False, **extra)
        if done.returncode != 0:
            log = self.log.read_text() if self.log.exists() else ""
            raise RuntimeError(f"{tool} failed:\n{done.stdout}{done.stderr}{log}")

    def start(self) -> Cluster:
        self._run("initdb", "-D", str(self.data), "-U", "ogpbot", "--auth=trust",
                  "--encoding=UTF8", "--locale=C", "--no-sync")
        options = [f"-c unix_socket_directories={self.folder}", "-c listen_addresses=''",
                   "-c max_connections=300"]
        if self.statements:
            options += ["-c shared_preload_libraries=pg_stat_statements",
                        "-c pg_stat_statements.track=all"]
        if not self.durable:
            options += ["-c fsync=off", "-c synchronous_commit=off", "-c full_page_writes=off"]
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-w", "-t", "60",
                  "-o", " ".join(options), "start")
        return self

    def postmaster(self) -> int:
        """The server's process id (its backends are its children)."""
        return int((self.data / "postmaster.pid").read_text().split()[0])

    def url(self, dbname: str = "postgres") -> str:
        return f"postgresql://ogpbot@/{dbname}?host={self.folder}"

    def new_database(self) -> str:
        """The address of a database of its own, empty."""
        name = f"ogpbot_{next(self._names)}"
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def emptied(self, dbname: str = "tests") -> str:
        """The address of one database kept for reuse, emptied of everything (quicker than a
        new database each time), once nobody else is connected to it; whoever used it before
        must have closed its connections."""
        url = self.url(dbname)
        try:
            conn = psycopg.connect(url, autocommit=True)
        except psycopg.OperationalError:
            with psycopg.connect(self.url(), autocommit=True) as admin:
                admin.execute(f'CREATE DATABASE "{dbname}"')
            conn = psycopg.connect(url, autocommit=True)
        with conn:
            _wait_alone(conn)
            conn.execute("SET lock_timeout = '10s'")
            conn.execute("DROP SCHEMA public CASCADE")
            conn.execute("CREATE SCHEMA public")
        return url

    def stop(self) -> None:
        with contextlib.suppress(RuntimeError, AssertionError):
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        shutil.rmtree(self.folder, ignore_errors=True)
