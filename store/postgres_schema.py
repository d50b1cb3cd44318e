"""The PostgreSQL schema, created and upgraded explicitly, one version at a time.

LangGraph's checkpoint tables come from its own migration list (`checkpoint_migrations`
records how far a database is); ml-intern's tables (thread index, experiment ledger,
workspace record, sign-in) from `MIGRATIONS` here, recorded in
`ml_intern_schema`, each applied in one transaction.
Every start runs `ensure_schema` under one session-level advisory lock, so two servers
starting on an empty database take turns, and the second finds nothing to do. A database
whose ml-intern schema is newer than this code is refused rather than misread.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from psycopg import Connection

from store.database import DatabaseError, connect, explain, masked

# pg_advisory_lock key for schema changes: "mlintern" as a big-endian integer.
SCHEMA_LOCK = int.from_bytes(b"mlintern", "big") & 0x7FFF_FFFF_FFFF_FFFF

MIGRATIONS: list[str] = [
    """
    CREATE TABLE ml_intern_threads (
        thread_id TEXT PRIMARY KEY,
        title TEXT NOT NULL DEFAULT '',
        model TEXT NOT NULL DEFAULT '',
        cwd TEXT NOT NULL DEFAULT '',
        created_at DOUBLE PRECISION NOT NULL,
        updated_at DOUBLE PRECISION NOT NULL
    );
    CREATE INDEX ml_intern_threads_updated ON ml_intern_threads (updated_at DESC);
    CREATE INDEX ml_intern_threads_cwd ON ml_intern_threads (cwd, updated_at DESC);
    CREATE TABLE ml_intern_experiments (
        id TEXT PRIMARY KEY, thread_id TEXT NOT NULL, call_id TEXT NOT NULL,
        kind TEXT NOT NULL, name TEXT NOT NULL DEFAULT '', parent_id TEXT, job_id TEXT,
        url TEXT, script_sha256 TEXT, script TEXT, args TEXT NOT NULL DEFAULT '{}',
        flavor TEXT, price_per_hour DOUBLE PRECISION, datasets TEXT NOT NULL DEFAULT '[]',
        models TEXT NOT NULL DEFAULT '[]', outputs TEXT NOT NULL DEFAULT '{}',
        status TEXT NOT NULL, started_at DOUBLE PRECISION NOT NULL,
        ended_at DOUBLE PRECISION, metrics TEXT NOT NULL DEFAULT '{}',
        series TEXT NOT NULL DEFAULT '{}'
    );
    CREATE INDEX ml_intern_experiments_thread ON ml_intern_experiments (thread_id, started_at);
    CREATE INDEX ml_intern_experiments_call ON ml_intern_experiments (call_id);
    """,
    # 2: who owns a thread where people sign in, so every server gives it to that person.
    "ALTER TABLE ml_intern_threads ADD COLUMN owner TEXT NOT NULL DEFAULT ''",
    # 3: the workspace record undo restores files from (store/workspace_records.py).
    """
    CREATE TABLE ml_intern_blobs (
        digest TEXT PRIMARY KEY, size BIGINT NOT NULL, data BYTEA NOT NULL
    );
    CREATE TABLE ml_intern_workspace_changes (
        thread_id TEXT NOT NULL, call_id TEXT NOT NULL, seq DOUBLE PRECISION NOT NULL,
        root TEXT NOT NULL, changes BYTEA NOT NULL, reverted INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX ml_intern_workspace_changes_thread
        ON ml_intern_workspace_changes (thread_id, call_id);
    CREATE TABLE ml_intern_workspace_scans (
        root TEXT PRIMARY KEY, manifest BYTEA NOT NULL, updated_at DOUBLE PRECISION NOT NULL
    );
    """,
    # 4 and 5 made the servers' live-run books (ml_intern_servers, ml_intern_live_runs) for
    # several embedded servers coordinating on one database; the team server on Aegra does that
    # now (serve/aegra/). No-ops here, so a database's recorded version counts the same steps.
    "SELECT 1",
    "SELECT 1",
    # 6: and the books go from the databases that had them.
    "DROP TABLE IF EXISTS ml_intern_live_runs, ml_intern_servers",
    # 7: who is signed in, for every replica and worker (store/sign_in_store.py): session ids
    # and login states only as keyed hashes, tokens and PKCE verifiers only sealed.
    """
    CREATE TABLE ml_intern_sign_in_sessions (
        sid_hash TEXT PRIMARY KEY, identity TEXT NOT NULL, name TEXT NOT NULL,
        created DOUBLE PRECISION NOT NULL, expires BIGINT NOT NULL, token BYTEA NOT NULL
    );
    CREATE INDEX ml_intern_sign_in_sessions_identity
        ON ml_intern_sign_in_sessions (identity, created DESC);
    CREATE INDEX ml_intern_sign_in_sessions_expires ON ml_intern_sign_in_sessions (expires);
    CREATE TABLE ml_intern_sign_in_logins (
        state_hash TEXT PRIMARY KEY, verifier BYTEA NOT NULL, started DOUBLE PRECISION NOT NULL
    );
    CREATE INDEX ml_intern_sign_in_logins_started ON ml_intern_sign_in_logins (started);
    """,
]
VERSION = len(MIGRATIONS)
LOCK_WAIT_S = 120
RETRY_S = 0.05


@functools.cache
def ensure_schema(url: str) -> int:
    """ml-intern's tables at `url` brought to this code's version (once per process)."""
    with schema_lock(url) as conn:
        return _ml_intern_tables(conn, url)


@functools.cache
def ensure_checkpoint_schema(url: str) -> None:
    """LangGraph's checkpoint tables too (its `setup()`), for the processes that run graphs:
    it needs langgraph's Postgres package, which `threads list` should not have to import."""
    ensure_schema(url)
    with schema_lock(url) as conn:
        _langgraph_tables(conn)


@contextmanager
def schema_lock(url: str) -> Iterator[Connection[Any]]:
    """A connection holding the schema's advisory lock: concurrent starts take turns."""
    import psycopg

    conn = connect(url)
    try:
        # Try, rather than wait inside pg_advisory_lock: a session waiting there holds a
        # transaction open, and CREATE INDEX CONCURRENTLY in the holder waits for it (deadlock).
        deadline = time.monotonic() + LOCK_WAIT_S
        while not conn.execute("SELECT pg_try_advisory_lock(%s)", (SCHEMA_LOCK,)).fetchone()[0]:
            if time.monotonic() > deadline:
                raise DatabaseError(
                    f"Another process has been changing the schema of {masked(url)} for over "
                    f"{LOCK_WAIT_S} s; wait for it to finish, then start again."
                )
            time.sleep(RETRY_S)
        yield conn
    except psycopg.Error as error:  # a read-only role, a dropped connection...
        raise explain(url, error) from None
    finally:
        conn.close()  # ends the session, and with it the lock


def _langgraph_tables(conn: Connection[Any]) -> None:
    """LangGraph's `setup()`, statement by statement (some may not run inside a transaction)."""
    from langgraph.checkpoint.postgres.base import MIGRATIONS as LANGGRAPH_MIGRATIONS

    conn.execute(LANGGRAPH_MIGRATIONS[0])
    row = conn.execute("SELECT max(v) FROM checkpoint_migrations").fetchone()
    done = -1 if row is None or row[0] is None else row[0]
    for version in range(done + 1, len(LANGGRAPH_MIGRATIONS)):
        conn.execute(LANGGRAPH_MIGRATIONS[version])
        conn.execute("INSERT INTO checkpoint_migrations (v) VALUES (%s)", (version,))


def _ml_intern_tables(db: Connection[Any], url: str) -> int:
    db.execute("CREATE TABLE IF NOT EXISTS ml_intern_schema (version INTEGER NOT NULL)")
    row = db.execute("SELECT max(version) FROM ml_intern_schema").fetchone()
    current = (row[0] if row else None) or 0
    if current > VERSION:
        raise DatabaseError(
            f"The database {masked(url)} has ml-intern schema version {current}, newer than "
            f"this ml-intern understands ({VERSION}). Upgrade ml-intern to use it."
        )
    for version in range(current + 1, VERSION + 1):
        with db.transaction():
            db.execute(MIGRATIONS[version - 1])
            db.execute("INSERT INTO ml_intern_schema (version) VALUES (%s)", (version,))
    return VERSION
