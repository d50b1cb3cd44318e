"""The servers' books on a real PostgreSQL: who holds a run, who may take it over, and how a
silent server's hold on a thread's lock is ended."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from store import live_runs
from store.database import connect_kwargs
from store.postgres_lock import end_holder, held, lock_session
from store.thread_lock import ThreadBusyError, ThreadLock

NOWHERE = Path("/nonexistent")
FRESH = 3600.0  # a heartbeat counts as alive for an hour
SILENT = 0.0  # ... or not at all: every server is silent


@pytest.fixture
def url(pg_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("ML_INTERN_DATABASE_URL", pg_url)
    return pg_url


def test_a_run_is_found_with_its_server_and_taken_over_once(url: str) -> None:
    live_runs.beat(url, "a", "http://a:1", "ml-intern:a:1")
    live_runs.beat(url, "b", "http://b:1", "ml-intern:b:1")
    live_runs.hold(url, "run-1", "thread-1", "a", None, {})
    live_runs.hold(url, "run-1", "thread-1", "a", "alice", {"mode": "interactive"})  # starts
    start = {"input": {"messages": [{"type": "human", "content": "hi"}]}, "command": None}
    live_runs.hold(url, "run-2", "thread-2", "a", None, {}, start)  # still waiting its turn
    live_runs.hold(url, "run-3", "thread-3", "a", None, {})  # its start unknown
    live_runs.running(url, "run-1")

    owner = live_runs.owner_of_run(url, "run-1", FRESH)
    assert owner is not None and (owner.server_id, owner.address, owner.alive) == (
        "a", "http://a:1", True,
    )  # fmt: skip
    assert live_runs.owner_of_thread(url, "thread-1", FRESH) == owner
    assert live_runs.orphans(url, FRESH) == []
    assert live_runs.running_elsewhere(url, "b", FRESH) == {"alice": 1}
    assert live_runs.running_elsewhere(url, "a", FRESH) == {}  # its own are not elsewhere

    # Every server silent: both runs are orphans, in the order they came; a waiting run whose
    # start is unknown is dropped (there is nothing to start it with).
    orphan, waiting = live_runs.orphans(url, SILENT)
    assert (orphan.run_id, orphan.session_name, orphan.context, orphan.start) == (
        "run-1", "ml-intern:a:1", {"mode": "interactive"}, None,
    )  # fmt: skip
    assert (waiting.run_id, waiting.start) == ("run-2", start)
    assert live_runs.owner_of_run(url, "run-3", FRESH) is None
    assert [live_runs.claim(url, waiting, s) for s in ("b", "c")] == [True, False]
    live_runs.resumed(url, "run-2", "run-8")
    assert live_runs.claim(url, orphan, "b") is True
    assert live_runs.claim(url, orphan, "c") is False  # one claim wins
    assert live_runs.taken_from(url, "a", ["run-1"]) == ["run-1"]

    live_runs.resumed(url, "run-1", "run-9")
    live_runs.hold(url, "run-9", "thread-1", "b", "alice", {})
    moved = live_runs.owner_of_run(url, "run-1", FRESH)
    assert moved is not None and (moved.server_id, moved.resumed_as) == ("b", "run-9")
    assert live_runs.orphans(url, SILENT) == []  # a resumed run is not resumed again
    live_runs.drop(url, "run-9")
    assert live_runs.owner_of_thread(url, "thread-1", FRESH) is None
    assert live_runs.owner_of_run(url, "run-1", FRESH) is not None  # the old id still leads on


HOLDER = """
import sys
from pathlib import Path
from store.thread_lock import ThreadLock
first, second = ThreadLock(Path("/nonexistent"), "thread-x"), ThreadLock(Path("/nonexistent"), "thread-y")
first.acquire(); second.acquire()
print("held", flush=True)
sys.stdin.read()
"""


def test_a_silent_servers_locks_are_ended_by_name_and_probed_for_a_dead_peer(url: str) -> None:
    """Another server's runs hold two threads; ending its session by name frees both."""
    with ThreadLock(NOWHERE, "thread-mine"):
        session = lock_session(url).conn  # this process's lock session, probed for dead peers
        assert session.execute("SHOW tcp_keepalives_idle").fetchone()[0] in {"10", "10s"}
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        text=True, env={**os.environ, "PYTHONPATH": os.getcwd()},
    )  # fmt: skip
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        with pytest.raises(ThreadBusyError, match=f"pid {holder.pid}"):
            ThreadLock(NOWHERE, "thread-x").acquire()
        assert end_holder(url, "thread-x", "ml-intern:elsewhere:1") is False  # not its name
        name = f"ml-intern:{socket.gethostname()[:40]}:{holder.pid}"
        assert end_holder(url, "thread-x", name) is True
        for thread in ("thread-x", "thread-y"):  # both of the silent server's threads are free
            taken_soon(ThreadLock(NOWHERE, thread))  # once its backend has gone
    finally:
        holder.kill()
        holder.wait()


def test_a_lock_session_ended_under_a_run_is_opened_again_and_frees_nothing_it_lost(
    url: str,
) -> None:
    """This server judged silent by another: its session ends; its next lock works, and the
    run that held a lock on the ended session does not free the thread for its new holder."""
    old = ThreadLock(NOWHERE, "thread-z")
    old.acquire()
    assert end_holder(url, "thread-z", connect_kwargs()["application_name"]) is True
    deadline = time.monotonic() + 10
    while held(url, ["thread-z"]):  # the ended session's backend exits
        assert time.monotonic() < deadline, "the ended session's lock was never freed"
        time.sleep(0.02)
    with pytest.raises(ThreadBusyError, match="another session of this process"):
        ThreadLock(NOWHERE, "thread-z").acquire()  # its run still runs here
    with ThreadLock(NOWHERE, "thread-other"):  # a new session, opened at once
        pass
    old.release()
    new = ThreadLock(NOWHERE, "thread-z")
    new.acquire()
    try:
        old.release()  # released twice: nothing more happens
        with pytest.raises(ThreadBusyError):
            other_process_takes(url, "thread-z")
    finally:
        new.release()
    other_process_takes(url, "thread-z")


def taken_soon(lock: ThreadLock) -> None:
    """Take and free `lock` within 10 s: an ended session lets its locks go as it exits."""
    deadline = time.monotonic() + 10
    while True:
        try:
            with lock:
                return
        except ThreadBusyError:
            assert time.monotonic() < deadline, "the ended session's lock was never freed"
            time.sleep(0.02)


TAKER = """
import sys
from pathlib import Path
from store.thread_lock import ThreadLock, ThreadBusyError
try:
    with ThreadLock(Path("/nonexistent"), sys.argv[1]):
        print("taken")
except ThreadBusyError:
    print("busy")
"""


def other_process_takes(url: str, thread_id: str) -> None:
    """Another process tries the thread's lock; ThreadBusyError here if it is held."""
    out = subprocess.run(
        [sys.executable, "-c", TAKER, thread_id], capture_output=True, text=True, check=True,
        env={**os.environ, "PYTHONPATH": os.getcwd(), "ML_INTERN_DATABASE_URL": url},
    ).stdout.strip()  # fmt: skip
    if out == "busy":
        raise ThreadBusyError(thread_id, None)
    assert out == "taken"
