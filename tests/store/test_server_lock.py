"""store/server_lock.py on PostgreSQL: an embedded server held by another machine is waited for
(it may be gone: the database ends a vanished session within ~25 s), then named; when its
session ends meanwhile, this one serves. (Two real servers: tests/web/test_one_embedded_server.py.)
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

import psycopg
import pytest

from store.database import URL_ENV
from store.postgres_lock import lock_key
from store.server_lock import SERVER_NAME, ServerRunning, one_embedded_server


def test_a_holder_the_database_no_longer_names_is_waited_for(
    pg_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A holder whose session is ending (or one that is not ml-intern) has no name in the
    database's listing while its lock still stands: waited for, not refused at once. Seen
    when a holder closed under load: the second server was refused in the moment between."""
    monkeypatch.setenv(URL_ENV, pg_url)
    unnamed = psycopg.connect(pg_url, application_name="", autocommit=True)
    try:
        unnamed.execute("SELECT pg_advisory_lock(%s)", (lock_key(SERVER_NAME),))
        assert_served_once_gone(unnamed, tmp_path / "home")
    finally:
        unnamed.close()


def test_a_holder_on_another_machine_is_waited_for_then_named(
    pg_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(URL_ENV, pg_url)
    far = psycopg.connect(pg_url, application_name="ml-intern:far-machine:4242", autocommit=True)
    try:
        far.execute("SELECT pg_advisory_lock(%s)", (lock_key(SERVER_NAME),))
        asked = time.monotonic()
        with pytest.raises(ServerRunning) as refused:
            one_embedded_server(tmp_path / "home", wait_s=1.0)
        assert time.monotonic() - asked >= 1.0  # waited for it first
        assert refused.value.elsewhere
        assert "another embedded server (pid 4242 on far-machine)" in str(refused.value)

        assert_served_once_gone(far, tmp_path / "home")  # that machine vanishes meanwhile
    finally:
        far.close()


def assert_served_once_gone(holder: psycopg.Connection, home: Path) -> None:
    """The holder's session ends half a second into this server's wait: this one serves."""
    gone = threading.Timer(0.5, holder.close)
    gone.start()
    hold = one_embedded_server(home, wait_s=20)
    gone.join()
    assert hold.held
    hold.release()
