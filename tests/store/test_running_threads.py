"""Which threads are running right now, read without taking their locks (both databases)."""

from __future__ import annotations

from pathlib import Path

import pytest

from store.thread_lock import ThreadLock, running


def held_and_read(home: Path) -> None:
    with ThreadLock(home, "t-run"):
        assert running(home, ["t-run", "t-idle", "never-run"]) == {"t-run"}
        # Reading took no lock: the holder's lock is intact and the idle thread still starts.
        with ThreadLock(home, "t-idle"):
            pass
    assert running(home, ["t-run", "t-idle"]) == set()


def test_running_threads_on_sqlite(isolated_home: Path) -> None:
    held_and_read(isolated_home)


def test_running_threads_on_postgres(
    pg_url: str, isolated_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ML_INTERN_DATABASE_URL", pg_url)
    held_and_read(isolated_home)
