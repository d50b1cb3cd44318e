"""Thread locks against a database that does not answer: runs are told at once, not in turn."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from store import database
from store.database import DatabaseError
from store.postgres_lock import lock_session
from store.thread_lock import ThreadLock

NOWHERE = Path("/nonexistent")
TIMEOUT_S = 1


@pytest.fixture
def silent_database(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A loopback port that completes TCP handshakes and then says nothing, like a database
    host behind a dead link; connections wait out the connect timeout."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    port = listener.getsockname()[1]
    url = f"postgresql://ml:pw@127.0.0.1:{port}/threads"
    monkeypatch.setattr(database, "CONNECT_TIMEOUT_S", TIMEOUT_S)
    monkeypatch.setenv("ML_INTERN_DATABASE_URL", url)
    yield url
    listener.close()


def test_runs_starting_against_a_silent_database_fail_together_not_one_timeout_each(
    silent_database: str,
) -> None:
    errors: list[BaseException] = []

    def start_a_run(n: int) -> None:
        try:
            ThreadLock(NOWHERE, f"thread-{n}").acquire()
        except BaseException as error:  # what each run was told
            errors.append(error)

    began = time.monotonic()
    with pytest.raises(DatabaseError, match="no answer within"):
        ThreadLock(NOWHERE, "thread-alone").acquire()
    one_wait = time.monotonic() - began
    lock_session.cache_clear()  # a process that has not met the silence yet

    began = time.monotonic()
    runs = [threading.Thread(target=start_a_run, args=(n,)) for n in range(6)]
    for run in runs:
        run.start()
    for run in runs:
        run.join(timeout=60)
    waited = time.monotonic() - began
    assert len(errors) == 6 and all(isinstance(e, DatabaseError) for e in errors), errors
    assert "no answer within" in str(errors[0])
    assert waited < 2 * one_wait, f"six runs waited {waited:.1f} s, one {one_wait:.1f} s"
