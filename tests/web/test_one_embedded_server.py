"""An embedded server is one process: a second one on the same database is refused at once,
with the fix (the team server), on SQLite and on PostgreSQL; a worker without Redis says
what it needs. (Many processes on one database are the team server: tests/serve/aegra/.)
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from store.database import URL_ENV
from store.server_lock import one_embedded_server
from tests.fakes.cli_zygote import run as zygote_run
from tests.fakes.llm_server import ScriptedLLMServer
from tests.web.web_harness import free_port, start_web, stop_web, wait_for_ready

pytestmark = pytest.mark.timeout(300)


def cli(cwd: Path, home: Path, *args: str, **env: str) -> tuple[int, str]:
    """`ml-intern *args` in a process of its own: its exit code and what it said."""
    environ = {**os.environ, "ML_INTERN_HOME": str(home), **env}
    done = zygote_run([sys.executable, "-m", "cli", *args], cwd=cwd, env=environ,
                      text=True, timeout=120)  # fmt: skip
    return done.returncode, done.stderr + done.stdout


def refused_with_the_fix(said: str) -> None:
    assert "another embedded server (pid " in said, said
    assert "an embedded server is one process" in said, said
    assert "ml-intern web --db postgresql://... --redis redis://..." in said, said
    assert "Traceback" not in said, said


def test_a_second_embedded_server_on_one_sqlite_file_is_refused(
    llm: ScriptedLLMServer, isolated_home: Path, workspace: Path, tmp_path: Path
) -> None:
    proc, out = start_web(workspace, isolated_home, llm.url, tmp_path, "--port", str(free_port()))
    try:
        wait_for_ready(proc, out)
        for command in ("web", "studio"):
            code, said = cli(workspace, isolated_home, command, "--port", str(free_port()))
            assert code == 1, said
            refused_with_the_fix(said)
            assert f"SQLite {isolated_home / 'threads.sqlite'}" in said, said
        # Another home is another database: served side by side.
        assert one_embedded_server(tmp_path / "other-home").held
    finally:
        assert stop_web(proc) == 0, out.read_text()
    one_embedded_server(isolated_home).release()  # the first one let go when it stopped


def test_a_second_embedded_server_on_one_postgres_database_is_refused(
    pg_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(URL_ENV, pg_url)
    first = one_embedded_server(tmp_path / "first-machine")  # this process serves it
    try:
        code, said = cli(tmp_path, tmp_path / "second-machine", "web", "--db", pg_url,
                         "--port", str(free_port()))  # fmt: skip
        assert code == 1, said
        refused_with_the_fix(said)
        assert f"pid {os.getpid()}" in said and "PostgreSQL" in said, said
    finally:
        first.release()


def test_a_worker_without_redis_says_what_it_needs(tmp_path: Path) -> None:
    unset = {URL_ENV: "", "ML_INTERN_REDIS_URL": ""}
    for args in (["--db", "postgresql://team@127.0.0.1:9/team"], []):
        code, said = cli(tmp_path, tmp_path / "home", "worker", *args, **unset)
        assert code == 2, said
        assert "needs the team server's queue" in said and "--redis redis://" in said, said
        assert "Traceback" not in said, said
