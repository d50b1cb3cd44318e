"""A throwaway PostgreSQL cluster from Debian's `postgresql` binaries, on a free loopback port.

    cluster = PostgresCluster.start()      # initdb'd data copied, pg_ctl start in a temp dir
    url = cluster.new_database()           # postgresql://ml:<pw>@127.0.0.1:<port>/<fresh db>
    cluster.halt(); cluster.resume()       # the database goes away, and comes back
    cluster.stop()                         # pg_ctl stop -m immediate, temp dir removed

The unix socket lives in the temp dir too, so clusters of parallel workers never meet. The
temp dir is in /dev/shm where there is one: with fsync off nothing needs a disk, and removing
a cluster a session wrote to took 10-40 s on this machine's disk (its pages still being written
back). initdb refuses to run as root: as root, the cluster runs as Debian's `postgres` user.
initdb runs once per process: each cluster starts on a copy of the data directory it made.
"""

from __future__ import annotations

import atexit
import os
import pwd
import shutil
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from cli.server_address import free_port

USER = "ml"
PASSWORD = "pw-" + uuid.uuid4().hex[:12]
IN_MEMORY = Path("/dev/shm")
_TEMPLATES: dict[Path, Path] = {}  # by binaries: the data directory each cluster copies


def in_memory_room() -> bool:
    """True when /dev/shm is writable with at least 1 GiB free (a container's 64 MB is not)."""
    if not os.access(IN_MEMORY, os.W_OK):
        return False
    found = os.statvfs(IN_MEMORY)
    return found.f_bavail * found.f_frsize >= 1 << 30


def binaries() -> Path | None:
    """The newest /usr/lib/postgresql/<version>/bin with initdb, else the one on PATH."""
    found = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/initdb"),
        key=lambda p: int(p.parent.parent.name) if p.parent.parent.name.isdigit() else 0,
    )
    if found:
        return found[-1].parent
    on_path = shutil.which("initdb")
    return Path(on_path).parent if on_path else None


@dataclass
class PostgresCluster:
    root: Path
    port: int
    bin: Path
    user: str | None  # the OS user the server runs as (None: ourselves)

    @classmethod
    def start(cls) -> PostgresCluster:
        bin_dir = binaries()
        if bin_dir is None:
            raise FileNotFoundError("PostgreSQL binaries (initdb, pg_ctl) not found")
        memory = IN_MEMORY if in_memory_room() else None
        root = Path(tempfile.mkdtemp(prefix="ml-intern-pg-", dir=memory))
        user = "postgres" if os.geteuid() == 0 else None
        if user:
            entry = pwd.getpwnam(user)
            os.chown(root, entry.pw_uid, entry.pw_gid)
        (root / "pw").write_text(PASSWORD)
        if user:
            os.chown(root / "pw", pwd.getpwnam(user).pw_uid, -1)
        cluster = cls(root, free_port(), bin_dir, user)
        template = cluster.initdb_once(memory)
        subprocess.run(["cp", "-a", str(template), str(root / "data")], check=True)
        cluster.resume()
        return cluster

    def initdb_once(self, memory: Path | None) -> Path:
        """The data directory initdb made in this process for this cluster's binaries, made
        now if none was: each cluster's own is a copy (~0.05 s of CPU, where initdb is ~0.7 s
        and 1-4 s). Removed when the process exits."""
        made = _TEMPLATES.get(self.bin)
        if made is not None:
            return made
        template = Path(tempfile.mkdtemp(prefix="ml-intern-pg-template-", dir=memory))
        atexit.register(shutil.rmtree, template, ignore_errors=True)
        if self.user:
            entry = pwd.getpwnam(self.user)
            os.chown(template, entry.pw_uid, entry.pw_gid)
        self._run("initdb", "-D", str(template / "data"), "-U", USER,
                  f"--pwfile={self.root / 'pw'}", "--auth-host=scram-sha-256",
                  "--auth-local=trust", "-E", "UTF8", "--no-sync")  # fmt: skip
        made = _TEMPLATES[self.bin] = template / "data"
        return made

    def resume(self) -> None:
        """Start the server (again) on its data directory; returns once it accepts connections."""
        options = f"-p {self.port} -h 127.0.0.1 -k {self.root} -c fsync=off -c max_connections=200"
        self._run("pg_ctl", "-D", str(self.root / "data"), "-o", options, "-l",
                  str(self.root / "log"), "-w", "-t", "60", "start")  # fmt: skip

    def halt(self) -> None:
        """Stop the server at once (its data stays): the database 'goes away'."""
        self._run("pg_ctl", "-D", str(self.root / "data"), "-m", "immediate", "stop")

    def _run(self, program: str, *args: str) -> None:
        subprocess.run(
            [str(self.bin / program), *args],
            check=True,
            capture_output=True,
            user=self.user,
            cwd=self.root,
        )

    @property
    def admin_url(self) -> str:
        return f"postgresql://{USER}:{PASSWORD}@127.0.0.1:{self.port}/postgres"

    def url(self, database: str, *, password: str = PASSWORD) -> str:
        return f"postgresql://{USER}:{password}@127.0.0.1:{self.port}/{database}"

    def new_database(self) -> str:
        """A fresh, empty database; its URL."""
        import psycopg

        name = "t_" + uuid.uuid4().hex[:16]
        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {name}")
        return self.url(name)

    def stop(self) -> None:
        try:
            self.halt()
        finally:
            shutil.rmtree(self.root, ignore_errors=True)


@contextmanager
def running_cluster() -> Iterator[PostgresCluster]:
    """A started cluster, stopped on exit; skipped outside CI when PostgreSQL is absent."""
    import pytest

    if binaries() is None:
        if os.environ.get("CI"):
            pytest.fail("PostgreSQL binaries (initdb) are missing in CI: .ci/run installs them")
        pytest.skip("PostgreSQL is not installed (apt-get install postgresql)")
    cluster = PostgresCluster.start()
    try:
        yield cluster
    finally:
        cluster.stop()
