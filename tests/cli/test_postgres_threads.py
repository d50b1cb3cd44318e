"""Threads in PostgreSQL through the real CLI: `--db URL` / ML_INTERN_DATABASE_URL."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from tests.cli.conftest import Cli, cli_env
from tests.fakes.llm_server import ScriptedLLMServer, Turn
from tests.fakes.postgres import PASSWORD, PostgresCluster, free_port
from tests.fakes.transcript_checks import user_texts

pytestmark = [pytest.mark.cli_e2e, pytest.mark.timeout(300)]  # 3-4 CLI processes each
MODEL = ("--model", "openai/scripted-model")


def other_machine(cli: Cli, tmp_path: Path, name: str) -> Cli:
    """Another process with its own ML_INTERN_HOME and workspace: nothing shared but the URL."""
    root = tmp_path / name
    (root / "workspace").mkdir(parents=True)
    env = cli_env(root, {"OPENAI_API_BASE": cli.env.get("OPENAI_API_BASE", "")})
    return Cli(env=env, cwd=root / "workspace", home=root / "home")


def test_a_thread_started_with_db_resumes_by_id_from_another_home(
    cli: Cli, llm: ScriptedLLMServer, pg_url: str, tmp_path: Path
) -> None:
    cli.use_server(llm)
    llm.add(Turn(content="Picked Qwen."), Turn(content="Fine-tuning it."))
    first = cli.run("--db", pg_url, *MODEL, "--thread-id", "team-1", "pick a base model")
    assert first.returncode == 0, first.stderr
    assert not (cli.home / "threads.sqlite").exists()  # nothing went to the local SQLite file

    elsewhere = other_machine(cli, tmp_path, "laptop")
    resumed = elsewhere.run("--db", pg_url, *MODEL, "--resume", "team-1", "now fine-tune it")
    assert resumed.returncode == 0, resumed.stderr
    assert user_texts(llm.requests[-1])[-2:] == ["pick a base model", "now fine-tune it"]

    elsewhere.env["ML_INTERN_DATABASE_URL"] = pg_url
    rows = json.loads(elsewhere.run("threads", "list", "--all", "--json").stdout)
    assert [(r["thread_id"], r["title"]) for r in rows] == [("team-1", "pick a base model")]
    shown = elsewhere.run("threads", "show", "team-1").stdout
    assert "Picked Qwen." in shown and "Fine-tuning it." in shown
    assert cli.run("threads", "list", "--all", "--json").stdout.strip() == "[]"  # SQLite: untouched


def test_fork_and_delete_against_postgres(cli: Cli, llm: ScriptedLLMServer, pg_url: str) -> None:
    cli.use_server(llm)
    cli.env["ML_INTERN_DATABASE_URL"] = pg_url
    llm.add(Turn(content="Base chosen."), Turn(content="Answer in the fork."))
    assert cli.run(*MODEL, "--thread-id", "t-1", "pick a base").returncode == 0
    forked = cli.run("threads", "fork", "t-1")
    assert forked.returncode == 0, forked.stderr
    new_id = forked.stdout.split("into ")[1].split(";")[0]
    assert cli.run(*MODEL, "--resume", new_id, "go on in the fork").returncode == 0
    assert "go on in the fork" not in cli.run("threads", "show", "t-1").stdout
    assert "Answer in the fork." in cli.run("threads", "show", new_id).stdout

    deleted = cli.run("threads", "delete", "t-1")
    assert deleted.returncode == 0, deleted.stderr
    ids = [r["thread_id"] for r in json.loads(cli.run("threads", "list", "--json").stdout)]
    assert ids == [new_id]
    assert cli.run("threads", "show", "t-1").returncode == 2
    pruned = cli.run("threads", "prune", "--keep", "1")
    assert pruned.returncode == 0, pruned.stderr
    assert "Pruned 1 thread(s)" in pruned.stdout and "PostgreSQL reuses" in pruned.stdout
    assert "Answer in the fork." in cli.run("threads", "show", new_id).stdout


def test_a_thread_running_on_one_machine_is_refused_on_another(
    cli: Cli, llm: ScriptedLLMServer, pg_url: str, tmp_path: Path
) -> None:
    cli.use_server(llm)

    def respond(request: dict) -> Turn:
        if any(m["role"] == "tool" for m in request["messages"]):
            return Turn(content="done")
        hold = "touch started; while [ ! -f release ]; do sleep 0.05; done"
        return Turn(tool_calls=[{"name": "bash", "arguments": {"command": hold}}])

    llm.responder = respond
    first = cli.popen("--db", pg_url, *MODEL, "--thread-id", "busy", "hold on")
    try:
        deadline = time.monotonic() + 60
        while not (cli.cwd / "started").exists():
            assert time.monotonic() < deadline and first.poll() is None, first.stderr
            time.sleep(0.05)
        elsewhere = other_machine(cli, tmp_path, "second")
        second = elsewhere.run("--db", pg_url, *MODEL, "--resume", "busy", "are you there?")
        assert second.returncode == 1
        assert f"already running in another ml-intern process (pid {first.pid})" in second.stderr
        assert "Traceback" not in second.stderr
    finally:
        (cli.cwd / "release").touch()
        out, err = first.communicate(timeout=90)
    assert first.returncode == 0, err
    assert out.strip() == "done"


def test_a_database_that_is_down_is_named_at_once(cli: Cli) -> None:
    port = free_port()
    url = f"postgresql://ml:{PASSWORD}@127.0.0.1:{port}/threads"
    started = time.monotonic()
    done = cli.run("--db", url, *MODEL, "hello")
    assert time.monotonic() - started < 30
    assert done.returncode == 1
    assert f"Cannot use the thread database at 127.0.0.1:{port}" in done.stderr
    assert "Traceback" not in done.stderr and PASSWORD not in done.stderr + done.stdout


def test_a_wrong_password_is_refused_without_printing_it(
    cli: Cli, postgres_cluster: PostgresCluster
) -> None:
    url = postgres_cluster.url("postgres", password="hunter2-wrong-password")
    done = cli.run(*MODEL, "--output-format", "json", "hello", "--db", url)
    assert done.returncode == 1
    assert "refused the login" in done.stderr
    assert f"127.0.0.1:{postgres_cluster.port}" in done.stderr
    assert "hunter2" not in done.stderr + done.stdout
    assert json.loads(done.stdout.splitlines()[-1])["type"] == "error"


@pytest.mark.parametrize("command", ["web", "studio"])
def test_a_server_on_a_database_that_is_down_stops_at_start(cli: Cli, command: str) -> None:
    port = free_port()
    done = cli.run(command, "--port", "0", "--db", f"postgresql://ml:{PASSWORD}@127.0.0.1:{port}/x")
    assert done.returncode == 1
    assert f"thread database at 127.0.0.1:{port}" in done.stderr
    assert PASSWORD not in done.stderr + done.stdout and "Traceback" not in done.stderr


def test_a_role_that_may_not_create_tables_is_told_so(
    cli: Cli, postgres_cluster: PostgresCluster, pg_url: str
) -> None:
    import psycopg

    role = "reader_" + pg_url.rsplit("/", 1)[1]
    with psycopg.connect(postgres_cluster.admin_url, autocommit=True) as conn:
        conn.execute(f"CREATE ROLE {role} LOGIN PASSWORD 'reader-pw-123'")
    database = pg_url.rsplit("/", 1)[1]
    url = f"postgresql://{role}:reader-pw-123@127.0.0.1:{postgres_cluster.port}/{database}"
    done = cli.run("--db", url, *MODEL, "hello")
    assert done.returncode == 1
    assert "may not create or write its tables" in done.stderr
    assert f"127.0.0.1:{postgres_cluster.port}" in done.stderr
    assert "reader-pw-123" not in done.stderr + done.stdout and "Traceback" not in done.stderr


def test_a_url_without_its_password_takes_it_from_pgpassword_or_pgpass(
    cli: Cli, llm: ScriptedLLMServer, pg_url: str, tmp_path: Path
) -> None:
    cli.use_server(llm)
    llm.add(Turn(content="First."), Turn(content="Second."), Turn(content="Third."))
    bare = pg_url.replace(f":{PASSWORD}@", "@")
    assert PASSWORD not in bare
    cli.env.pop("PGPASSFILE", None)
    cli.env["PGPASSWORD"] = PASSWORD  # libpq's variable: no password on the command line
    first = cli.run("--db", bare, *MODEL, "--thread-id", "no-pw", "hello")
    assert first.returncode == 0, first.stderr
    assert "visible to other users" not in first.stderr

    del cli.env["PGPASSWORD"]
    pgpass = tmp_path / "pgpass"  # ~/.pgpass, named by libpq's PGPASSFILE
    pgpass.write_text(f"127.0.0.1:*:*:ml:{PASSWORD}\n")
    pgpass.chmod(0o600)
    cli.env["PGPASSFILE"] = str(pgpass)
    second = cli.run("--db", bare, *MODEL, "--resume", "no-pw", "again")
    assert second.returncode == 0, second.stderr
    assert user_texts(llm.requests[-1])[-2:] == ["hello", "again"]

    # With the password in --db it still works, and says once that `ps` shows it.
    third = cli.run("--db", pg_url, *MODEL, "--resume", "no-pw", "and again")
    assert third.returncode == 0, third.stderr
    assert third.stderr.count("visible to other users of this machine") == 1
    assert "PGPASSWORD or ~/.pgpass" in third.stderr and PASSWORD not in third.stderr
