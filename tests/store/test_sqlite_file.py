"""Opening the shared file while another process writes to it: the WAL switch waits its turn."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from store.sqlite_file import connect
from store.thread_index import ThreadIndex


@contextmanager
def writer_mid_transaction(path: Path, hold_s: float = 0.2) -> Iterator[None]:
    """Another connection (as another process would) holds a write on a brand-new file, then commits.

    This is the race two `ml-intern` processes starting together run into: SQLite answers
    the one switching to WAL "database is locked" at once, without waiting.
    """
    other = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=5)
    other.execute("BEGIN IMMEDIATE")
    other.execute("CREATE TABLE other_process (a)")

    def commit_later() -> None:
        time.sleep(hold_s)
        other.execute("COMMIT")

    committer = threading.Thread(target=commit_later)
    committer.start()
    try:
        yield
    finally:
        committer.join()
        other.close()


def test_connect_switches_to_wal_despite_a_concurrent_writer(tmp_path: Path) -> None:
    path = tmp_path / "threads.sqlite"
    with writer_mid_transaction(path):
        conn = connect(path)
    try:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("SELECT count(*) FROM other_process").fetchone()[0] == 0
    finally:
        conn.close()


def test_the_thread_index_records_while_another_process_starts_up(tmp_path: Path) -> None:
    path = tmp_path / "threads.sqlite"
    with writer_mid_transaction(path), ThreadIndex(path) as index:
        index.touch("a", title="first words")
    with ThreadIndex(path) as index:
        info = index.get("a")
    assert info is not None and info.title == "first words"
