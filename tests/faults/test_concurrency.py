"""Concurrency at the Session level: two processes, one database.

Different threads run side by side without "database is locked". The same thread is
refused to a second runner by `store.thread_lock`, held by the child around its Session run
until graph/session.py takes it itself (tests/faults/session_child.py works either way);
the lock dies with its process.
"""

from __future__ import annotations

import json
import os
import sqlite3
from pathlib import Path

import pytest

from store.thread_lock import ThreadBusyError, ThreadLock, lock_path
from tests.fakes.llm_server import ScriptedLLMServer
from tests.faults.conftest import Reference, integrity, run_spec, transcript_of
from tests.faults.forkserver import ForkServer
from tests.faults.long_run import FINAL, PROMPT, LongRun, make_case


def checkpoints(db: Path, thread: str) -> int:
    conn = sqlite3.connect(db)
    try:
        return conn.execute(
            "SELECT count(*) FROM checkpoints WHERE thread_id = ?", (thread,)
        ).fetchone()[0]
    finally:
        conn.close()


def test_two_processes_on_one_database_with_different_threads_both_finish(
    forkserver: ForkServer,
    long_llm: tuple[ScriptedLLMServer, LongRun],
    reference: Reference,
    tmp_path: Path,
) -> None:
    llm, _ = long_llm
    home = tmp_path / "home"
    cases = {name: make_case(tmp_path / name)[0] for name in ("a", "b")}
    children = {
        name: forkserver.spawn(
            run_spec(case, llm.url, thread=f"thread-{name}", home=home, prompt=PROMPT, dump=True),
            label=f"process {name}",
        )
        for name, case in cases.items()
    }
    for child in children.values():
        child.finish(timeout=120)
    for name, child in children.items():
        assert child.exit_code() == 0, child.tail()
        text = json.dumps(child.events)
        assert "database is locked" not in text, child.tail()
        assert not [e for e in child.events if e["type"] == "error"], child.tail()
        done = next(e["data"] for e in child.events if e["type"] == "turn_complete")
        assert (done["stop_reason"], done["final_text"], done["iterations"]) == ("done", FINAL, 30)
        assert transcript_of(child)["messages"] == reference.messages, name
        log = (cases[name] / f"child-thread-{name}.log").read_text()
        assert "locked" not in log and "Traceback" not in log, log[-2000:]
    assert integrity(home / "threads.sqlite") == "ok"


def test_a_thread_running_in_another_process_is_refused_and_freed_when_that_process_dies(
    forkserver: ForkServer,
    long_llm: tuple[ScriptedLLMServer, LongRun],
    reference: Reference,
    tmp_path: Path,
) -> None:
    llm, script = long_llm
    case, _ = make_case(tmp_path / "case")
    home, db = case / "home", case / "home" / "threads.sqlite"
    reached = script.hold_model_at(3)  # the run stays busy inside a model call
    first = forkserver.spawn(
        run_spec(case, llm.url, thread="shared", prompt=PROMPT, lock=True), label="first runner"
    )
    while not reached.wait(0.02):
        assert first.drain(), first.tail()
    before = checkpoints(db, "shared")

    second = forkserver.spawn(
        run_spec(case, llm.url, thread="shared", prompt="interleave this", lock=True),
        label="second runner",
    )
    second.finish()
    refused = second.wait_for(lambda e: e["type"] == "refused")
    assert second.exit_code() == 3
    message = refused["message"]
    assert "Thread shared is already running" in message and f"pid {first.pid}" in message
    assert "wait" in message.lower() and "resume" in message
    assert checkpoints(db, "shared") == before, "the refused process wrote to the thread"

    # In this process too: the same thread is refused, another thread is free.
    with pytest.raises(ThreadBusyError):
        ThreadLock(home, "shared").acquire()
    with ThreadLock(home, "another-thread"):
        pass

    first.kill()  # the OS drops its lock: nothing stale is left behind
    third = forkserver.spawn(
        run_spec(case, llm.url, thread="shared", lock=True, dump=True), label="resumer"
    )
    third.finish()
    assert third.exit_code() == 0, third.tail()
    assert transcript_of(third)["messages"] == reference.messages
    assert "interleave this" not in json.dumps(third.events)
    assert integrity(db) == "ok"


# --- the lock itself ------------------------------------------------------------------------


def test_the_lock_is_exclusive_per_thread_reentrant_per_holder_and_released_on_exit(
    tmp_path: Path,
) -> None:
    lock = ThreadLock(tmp_path, "t1")
    with lock:
        assert lock.held and lock_path(tmp_path, "t1").parent == tmp_path / "locks"
        lock.acquire()  # the holder taking it again is a no-op
        with pytest.raises(ThreadBusyError) as busy:
            ThreadLock(tmp_path, "t1").acquire()  # a second open file: refused, even here
        assert busy.value.pid == os.getpid() and busy.value.thread_id == "t1"
        with ThreadLock(tmp_path, "t2"):
            pass
    assert not lock.held
    with ThreadLock(tmp_path, "t1"):
        pass


@pytest.mark.parametrize(
    "thread_id", ["../../etc/passwd", "a/b", "", ".", "..", "ünïcode thread", "x" * 300]
)
def test_lock_files_stay_in_the_locks_directory_whatever_the_thread_id(
    tmp_path: Path, thread_id: str
) -> None:
    path = lock_path(tmp_path, thread_id)
    assert path.parent == tmp_path / "locks" and len(path.name) < 120
    with ThreadLock(tmp_path, thread_id):
        assert path.exists()
    assert lock_path(tmp_path, "a/b") != lock_path(tmp_path, "a_b")  # no two threads share one
