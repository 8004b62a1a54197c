"""A throwaway PostgreSQL cluster for the tests: initdb and pg_ctl from Debian's ``postgresql`` package.

The cluster lives in a temporary folder, listens on a unix socket there and nowhere else, and is stopped and
removed at the end of the session. As root (CI) the server runs as the unprivileged ``postgres`` user the
package creates (PostgreSQL refuses to run as root); otherwise as the current user.
"""

from __future__ import annotations

import os
import pwd
import re
import shutil
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy import Engine

MIN_VERSION = 15
INSTALL_HINT = ("PostgreSQL ≥ 15 未安装，跳过 PostgreSQL 测试；安装：sudo apt-get install -y postgresql"
                "（以 root 运行 make test 时 scripts/system-deps.sh 会自动安装）")
PORT = 54329
_FAST = ("-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c listen_addresses='' "
         f"-c max_connections=20 -c shared_buffers=16MB -p {PORT}")


def server_binaries() -> Path | None:
    """The bin folder of the newest installed PostgreSQL ≥ :data:`MIN_VERSION`, if any."""
    found = []
    for initdb in Path("/usr/lib/postgresql").glob("*/bin/initdb"):
        match = re.fullmatch(r"\d+", initdb.parent.parent.name)
        if match and int(match.group()) >= MIN_VERSION and (initdb.parent / "pg_ctl").exists():
            found.append((int(match.group()), initdb.parent))
    return max(found)[1] if found else None


@dataclass
class PostgresServer:
    binaries: Path
    folder: Path
    user: str | None  # run the server as this user (when we are root)

    @property
    def socket_dir(self) -> Path:
        return self.folder / "socket"

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@/{database}?host={self.socket_dir}&port={PORT}"

    @contextmanager
    def new_database(self) -> Iterator[tuple[str, Engine]]:
        """A new, empty database on this server (its name, and an engine without a pool), dropped afterwards."""
        from sqlalchemy import create_engine
        from sqlalchemy.pool import NullPool

        name = f"t_{uuid.uuid4().hex[:12]}"
        admin = create_engine(self.url(), isolation_level="AUTOCOMMIT", poolclass=NullPool)
        with admin.connect() as connection:
            connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
        database = create_engine(self.url(name), poolclass=NullPool)
        try:
            yield name, database
        finally:
            database.dispose()
            with admin.connect() as connection:
                connection.exec_driver_sql(f'DROP DATABASE "{name}" WITH (FORCE)')
            admin.dispose()

    def _run(self, *args: str) -> None:
        command = [str(self.binaries / args[0]), *args[1:]]
        if self.user:
            command = ["runuser", "-u", self.user, "--", *command]
        result = subprocess.run(command, capture_output=True, text=True, timeout=120, cwd=self.folder)
        if result.returncode != 0:
            raise RuntimeError(f"{args[0]} failed:\n{result.stdout}\n{result.stderr}")

    def start(self) -> None:
        data = self.folder / "data"
        self.socket_dir.mkdir()
        if self.user:
            record = pwd.getpwnam(self.user)
            for path in (self.folder, self.socket_dir):
                os.chown(path, record.pw_uid, record.pw_gid)
        self._run("initdb", "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C",
                  "--no-sync", "--no-instructions")
        self._run("pg_ctl", "-D", str(data), "-l", str(self.folder / "server.log"), "-w", "-t", "60",
                  "-o", f"-k {self.socket_dir} {_FAST}", "start")

    def stop(self) -> None:
        try:
            self._run("pg_ctl", "-D", str(self.folder / "data"), "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)


def start_server() -> PostgresServer | None:
    """A running throwaway server, or None when PostgreSQL ≥ 15 is not installed."""
    binaries = server_binaries()
    if binaries is None:
        return None
    user = None
    if os.geteuid() == 0:
        user = "postgres"
        pwd.getpwnam(user)  # KeyError: the package creates this user; without it the install is broken
    server = PostgresServer(binaries, Path(tempfile.mkdtemp(prefix="reviewdesk-pg-")), user)
    try:
        server.start()
    except BaseException:
        shutil.rmtree(server.folder, ignore_errors=True)
        raise
    return server
