"""The thread index, the experiment ledger, the schema and the run lock on a real PostgreSQL."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Annotated, TypedDict

import psycopg
import pytest
from langchain_core.messages import HumanMessage
from langgraph.graph import START, StateGraph
from langgraph.graph.message import add_messages

from store.database import DatabaseError, masked
from store.experiments import Experiment, Ledger
from store.postgres_saver import open_postgres_checkpointer
from store.postgres_schema import VERSION, ensure_checkpoint_schema, ensure_schema
from store.thread_index import ThreadIndex
from store.thread_lock import ThreadBusyError, ThreadLock

NOWHERE = Path("/nonexistent/threads.sqlite")  # with a URL set, the path is not used


@pytest.fixture
def on_postgres(pg_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("ML_INTERN_DATABASE_URL", pg_url)
    return pg_url


def rows(url: str, sql: str) -> list[tuple]:
    with psycopg.connect(url) as conn:
        return conn.execute(sql).fetchall()


def test_the_index_lives_in_postgres(on_postgres: str) -> None:
    with ThreadIndex(NOWHERE) as index:
        assert index.list() == []
        index.touch("t-1", title="first prompt", model="m", cwd="/w")
        index.touch("t-1", title="a later prompt")  # the first title sticks
        index.touch("t-2", title="other", cwd="/elsewhere")
        assert index.get("t-1").title == "first prompt"  # type: ignore[union-attr]
        assert [t.thread_id for t in index.list()] == ["t-2", "t-1"]
        assert [t.thread_id for t in index.latest("/w") and [index.latest("/w")]] == ["t-1"]
        assert index.delete("t-1") and not index.delete("t-1")
    assert not NOWHERE.exists()
    assert rows(on_postgres, "SELECT thread_id FROM ml_intern_threads") == [("t-2",)]


def test_the_ledger_lives_in_postgres(on_postgres: str) -> None:
    run = Experiment(id="e1", thread_id="t", call_id="c1", kind="job", status="RUNNING",
                     started_at=time.time(), metrics={"loss": 1.5})  # fmt: skip
    with Ledger(NOWHERE) as ledger:
        ledger.save(run)
        ledger.update("e1", status="COMPLETED", metrics={"loss": 0.5})
        ledger.save(run)  # saving again replaces the whole row
        assert [r.status for r in ledger.visible("t", ["c1"])] == ["RUNNING"]
        assert ledger.copy_thread("t", "fork") == 1
        assert [r.thread_id for r in ledger.of_thread("fork")] == ["fork"]
        assert ledger.delete_thread("t") == 1


def test_a_second_start_changes_nothing(pg_url: str) -> None:
    ensure_checkpoint_schema.__wrapped__(pg_url)  # type: ignore[attr-defined]
    before = rows(pg_url, "SELECT version FROM ml_intern_schema")
    lg_before = rows(pg_url, "SELECT v FROM checkpoint_migrations ORDER BY v")
    ensure_schema.__wrapped__(pg_url)  # type: ignore[attr-defined]
    ensure_checkpoint_schema.__wrapped__(pg_url)  # type: ignore[attr-defined]
    done = [(v,) for v in range(1, VERSION + 1)]
    assert before == rows(pg_url, "SELECT version FROM ml_intern_schema ORDER BY 1") == done
    assert lg_before == rows(pg_url, "SELECT v FROM checkpoint_migrations ORDER BY v")


def test_a_database_of_the_previous_version_is_upgraded_keeping_its_threads(pg_url: str) -> None:
    from store.postgres_schema import MIGRATIONS

    with psycopg.connect(pg_url, autocommit=True) as conn:  # what the previous code made
        conn.execute("CREATE TABLE ml_intern_schema (version INTEGER NOT NULL)")
        conn.execute(MIGRATIONS[0])
        conn.execute("INSERT INTO ml_intern_schema VALUES (1)")
        conn.execute("INSERT INTO ml_intern_threads VALUES ('old', 'old title', 'm', '/w', 1, 2)")
    assert ensure_schema.__wrapped__(pg_url) == VERSION  # type: ignore[attr-defined]
    assert rows(pg_url, "SELECT thread_id, title, owner FROM ml_intern_threads") == [
        ("old", "old title", "")
    ]
    assert rows(pg_url, "SELECT max(version) FROM ml_intern_schema") == [(VERSION,)]


def test_a_version_5_database_loses_the_old_live_run_books(pg_url: str) -> None:
    from store.postgres_schema import MIGRATIONS

    with psycopg.connect(pg_url, autocommit=True) as conn:  # what the code before 6 made
        conn.execute("CREATE TABLE ml_intern_schema (version INTEGER NOT NULL)")
        for version in range(1, 4):
            conn.execute(MIGRATIONS[version - 1])
        conn.execute("CREATE TABLE ml_intern_servers (server_id TEXT PRIMARY KEY)")
        conn.execute("CREATE TABLE ml_intern_live_runs (run_id TEXT PRIMARY KEY)")
        conn.execute("INSERT INTO ml_intern_schema SELECT generate_series(1, 5)")
        conn.execute("INSERT INTO ml_intern_threads VALUES ('old', 'kept', 'm', '/w', 1, 2)")
    assert ensure_schema.__wrapped__(pg_url) == VERSION  # type: ignore[attr-defined]
    books = "SELECT count(*) FROM pg_tables WHERE tablename IN ('ml_intern_servers', "
    assert rows(pg_url, books + "'ml_intern_live_runs')") == [(0,)]
    assert rows(pg_url, "SELECT title FROM ml_intern_threads") == [("kept",)]


def test_owners_and_recent_changes_in_the_index(on_postgres: str) -> None:
    with ThreadIndex(NOWHERE) as index:
        index.touch("t-1", title="alice's", owner="u-alice")
        index.touch("t-1", owner="u-bob")  # the first owner sticks
        assert index.get("t-1").owner == "u-alice"  # type: ignore[union-attr]
        index.record_fork("t-1", "t-2")
        assert index.get("t-2").owner == "u-alice"  # type: ignore[union-attr]
        later = index.get("t-2").updated_at  # type: ignore[union-attr]
        assert [t.thread_id for t in index.list(since=later)] == ["t-2"]


def test_servers_starting_at_once_on_an_empty_database_take_turns(pg_url: str) -> None:
    with ThreadPoolExecutor(6) as pool:
        done = list(pool.map(lambda _: ensure_checkpoint_schema.__wrapped__(pg_url), range(6)))  # type: ignore[attr-defined]
    assert done == [None] * 6
    assert rows(pg_url, "SELECT count(*) FROM ml_intern_schema") == [(VERSION,)]
    assert rows(pg_url, "SELECT count(*), count(DISTINCT v) FROM checkpoint_migrations")[0] in {
        (n, n) for n in range(1, 100)
    }


def test_a_newer_schema_is_refused_not_misread(pg_url: str) -> None:
    ensure_schema.__wrapped__(pg_url)  # type: ignore[attr-defined]
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute("INSERT INTO ml_intern_schema VALUES (%s)", (VERSION + 1,))
    with pytest.raises(DatabaseError, match="newer than this ml-intern understands"):
        ensure_schema.__wrapped__(pg_url)  # type: ignore[attr-defined]


def test_a_busy_thread_is_refused_and_freed_on_release(on_postgres: str, tmp_path: Path) -> None:
    first = ThreadLock(tmp_path, "t-1")
    first.acquire()
    with pytest.raises(ThreadBusyError, match="another session of this process"):
        ThreadLock(tmp_path / "other-home", "t-1").acquire()
    with ThreadLock(tmp_path, "t-2"):  # other threads are free
        pass
    first.release()
    with ThreadLock(tmp_path / "other-home", "t-1"):
        pass
    assert not (tmp_path / "locks").exists()  # no lock files: the database holds the locks


HOLDER = """
import sys, time
from pathlib import Path
from store.thread_lock import ThreadLock
lock = ThreadLock(Path(sys.argv[1]), "t-killed")
lock.acquire()
print("held", flush=True)
time.sleep(600)
"""


def test_a_killed_holder_frees_the_thread(on_postgres: str, tmp_path: Path) -> None:
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(tmp_path)],
        stdout=subprocess.PIPE, text=True, env={**os.environ, "PYTHONPATH": os.getcwd()},
    )  # fmt: skip
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        with pytest.raises(ThreadBusyError, match=f"pid {holder.pid}"):
            ThreadLock(tmp_path, "t-killed").acquire()
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait()
    deadline = time.monotonic() + 30
    while True:  # the server notices the dead session and drops its lock
        try:
            ThreadLock(tmp_path, "t-killed").acquire()
            break
        except ThreadBusyError:
            assert time.monotonic() < deadline, "the killed holder's lock was never released"
            time.sleep(0.05)


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        (
            "postgresql://ml:s3cret-pw@db.example:5432/threads",
            "postgresql://ml:***@db.example:5432/threads",
        ),
        (
            "postgres://ml:p%40ss@host/db?sslmode=require",
            "postgres://ml:***@host/db?sslmode=require",
        ),
        ("postgresql://ml@host/db", "postgresql://ml@host/db"),
        ("host=h user=ml password=s3cret dbname=d", "host=h user=ml password=*** dbname=d"),
    ],
)
def test_urls_are_shown_masked(url: str, shown: str) -> None:
    assert masked(url) == shown


class StepState(TypedDict, total=False):
    messages: Annotated[list, add_messages]
    model: str


async def test_each_step_of_a_thread_on_postgres_keeps_its_index_row(on_postgres: str) -> None:
    """The index row says what `threads list` and the page show: the first message's title,
    the model of the latest step, the time of the latest step (each save touches it, in the
    checkpoint's own pipeline)."""

    def answer(state: StepState) -> dict:
        return {"messages": [("ai", "done")]}

    builder = StateGraph(StepState)
    builder.add_node("answer", answer)
    builder.add_edge(START, "answer")
    config = {"configurable": {"thread_id": "t-steps"}}
    async with open_postgres_checkpointer(on_postgres) as saver:
        graph = builder.compile(checkpointer=saver)
        await graph.ainvoke({"messages": [HumanMessage("first question")], "model": "m-1"}, config)
        first = rows(on_postgres, "SELECT updated_at FROM ml_intern_threads")[0][0]
        await graph.ainvoke({"messages": [HumanMessage("second")], "model": "m-2"}, config)
    found = rows(on_postgres, "SELECT thread_id, title, model, updated_at FROM ml_intern_threads")
    assert [row[:3] for row in found] == [("t-steps", "first question", "m-2")]
    assert found[0][3] > first
