"""A throwaway PostgreSQL server for tests and benchmarks (`make test-postgres`).

Uses the server binaries of the machine (Debian's `postgresql` package:
/usr/lib/postgresql/<version>/bin, or `initdb` on the PATH). The cluster
lives in a new directory under the system temp dir, listens on 127.0.0.1
only (and a Unix socket in that directory), on a free port, with durability
switched off (it is thrown away). `initdb` and `postgres` refuse to run as
root: as root they run as the `postgres` system user. The database is
created with the C collation, which orders text by bytes as DuckDB does, so
tie-breaks on text are the same on both engines. `stop()` stops the server
and deletes the directory; use it as a context manager.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from tenant_kpis.errors import UserError

DATABASE = "tenant_kpis"
USER = "tenant_kpis"
PASSWORD = "tenant_kpis_local"
SYSTEM_USER = "postgres"


def server_binaries() -> Path:
    """The directory holding initdb and pg_ctl (newest installed version first)."""
    candidates = sorted(
        glob.glob("/usr/lib/postgresql/*/bin"),
        key=lambda path: int(Path(path).parent.name) if Path(path).parent.name.isdigit() else 0,
        reverse=True,
    )
    for candidate in candidates:
        if (Path(candidate) / "initdb").exists():
            return Path(candidate)
    initdb = shutil.which("initdb")
    if initdb:
        return Path(initdb).resolve().parent
    raise UserError(
        "PostgreSQL server binaries not found (initdb): install Debian's `postgresql` "
        "package (apt-get install -y postgresql) or put initdb on the PATH"
    )


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class LocalPostgres:
    """A running throwaway server: its directory, port and connection settings."""

    directory: Path
    port: int
    binaries: Path
    run_as: str | None

    @property
    def environment(self) -> dict[str, str]:
        """The variables profiles.yml's `postgres` target reads."""
        return {
            "TENANT_KPIS_PG_HOST": "127.0.0.1",
            "TENANT_KPIS_PG_PORT": str(self.port),
            "TENANT_KPIS_PG_DATABASE": DATABASE,
            "TENANT_KPIS_PG_USER": USER,
            "TENANT_KPIS_PG_PASSWORD": PASSWORD,
            "TENANT_KPIS_PG_SSLMODE": "disable",
        }

    def _command(self, arguments: list[str]) -> list[str]:
        if self.run_as:
            return ["runuser", "-u", self.run_as, "--", *arguments]
        return arguments

    def _run(self, arguments: list[str], what: str) -> None:
        completed = subprocess.run(
            self._command(arguments), capture_output=True, text=True, check=False
        )
        if completed.returncode != 0:
            detail = (completed.stderr or completed.stdout).strip().splitlines()
            raise UserError(f"{what} failed: {detail[-1] if detail else completed.returncode}")

    @property
    def data_dir(self) -> Path:
        return self.directory / "data"

    def start(self) -> None:
        self._run(
            [
                str(self.binaries / "initdb"),
                "-D",
                str(self.data_dir),
                "-U",
                SYSTEM_USER,
                "--auth-local=trust",
                "--auth-host=scram-sha-256",
                "-E",
                "UTF8",
                "--locale=C",
                "--no-sync",
            ],
            "initdb",
        )
        options = " ".join(
            [
                "-c listen_addresses=127.0.0.1",
                f"-p {self.port}",
                f"-k {self.directory}",
                "-c fsync=off",
                "-c synchronous_commit=off",
                "-c full_page_writes=off",
                "-c max_connections=20",
                "-c shared_buffers=256MB",
                "-c work_mem=64MB",
                "-c maintenance_work_mem=256MB",
                "-c TimeZone=UTC",
                # JIT compiles every expensive analytical query, which costs
                # more than it saves on these one-off builds (README)
                "-c jit=off",
            ]
        )
        self._run(
            [
                str(self.binaries / "pg_ctl"),
                "-D",
                str(self.data_dir),
                "-o",
                options,
                "-l",
                str(self.directory / "server.log"),
                "-w",
                "-t",
                "60",
                "start",
            ],
            "starting PostgreSQL",
        )
        sql = (
            # createrole: the publication creates its read-only role
            f"create role {USER} login createrole password '{PASSWORD}'; "
            f"create database {DATABASE} owner {USER} template template0 encoding 'UTF8' "
            "lc_collate 'C' lc_ctype 'C';"
        )
        for statement in sql.split("; "):
            self._run(
                [
                    str(self.binaries / "psql"),
                    "-h",
                    str(self.directory),
                    "-p",
                    str(self.port),
                    "-U",
                    SYSTEM_USER,
                    "-d",
                    "postgres",
                    "-v",
                    "ON_ERROR_STOP=1",
                    "-c",
                    statement.rstrip(";"),
                ],
                "creating the database",
            )

    def stop(self) -> None:
        if (self.data_dir / "postmaster.pid").exists():
            subprocess.run(
                self._command(
                    [
                        str(self.binaries / "pg_ctl"),
                        "-D",
                        str(self.data_dir),
                        "-m",
                        "fast",
                        "-w",
                        "stop",
                    ]
                ),
                capture_output=True,
                check=False,
            )
        shutil.rmtree(self.directory, ignore_errors=True)


def _system_user() -> str | None:
    """Who runs the server: the `postgres` user when we are root, else ourselves."""
    if os.geteuid() != 0:
        return None
    try:
        pwd.getpwnam(SYSTEM_USER)
    except KeyError as error:
        raise UserError(
            "running as root and there is no `postgres` system user to run the server "
            "(install Debian's postgresql package, or run as another user)"
        ) from error
    return SYSTEM_USER


@contextlib.contextmanager
def local_postgres() -> Iterator[LocalPostgres]:
    """Start a throwaway server; stop it and delete its files on exit."""
    run_as = _system_user()
    directory = Path(tempfile.mkdtemp(prefix="tenant_kpis_pg_"))
    if run_as:
        record = pwd.getpwnam(run_as)
        os.chown(directory, record.pw_uid, record.pw_gid)
    server = LocalPostgres(
        directory=directory, port=free_port(), binaries=server_binaries(), run_as=run_as
    )
    started = time.monotonic()
    try:
        server.start()
        print(
            f"PostgreSQL ({server.binaries.parent.name}) on 127.0.0.1:{server.port}, "
            f"started in {time.monotonic() - started:.1f} s",
            flush=True,
        )
        yield server
    finally:
        server.stop()
