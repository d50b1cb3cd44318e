"""`python -m serve.aegra.schema`: Aegra's tables and ours, made once, before a replica starts.

Replicas that start together would each run Aegra's migrations and collide creating its
version table (seen: two at once, one exits with a UniqueViolation). So each `ml-intern web
--redis` and `ml-intern worker` runs this first, under one advisory lock of the database:
the migrations (nothing to do when at head), the one-run-per-thread index
(serve/aegra/engine_hooks.py) and LangGraph's checkpoint and store tables. The replica itself is started with its migrations off.
Reads Aegra's DATABASE_URL (as the replica will) and ML_INTERN_DATABASE_URL.
"""

from __future__ import annotations

import time
from typing import Any

from store.database import connect, database_url

SCHEMA_LOCK = 0x6D6C5F6165677261  # "ml_aegra": one key for every replica's schema step
RETRY_S = 0.2


def main() -> None:
    from aegra_api.core.migrations import run_migrations_if_needed

    from serve.aegra.engine_hooks import ONE_RUN_SQL

    url = database_url()
    if not url:
        raise SystemExit("ml-intern: the team server needs ML_INTERN_DATABASE_URL")
    with connect(url) as conn:
        take_lock(conn)
        run_migrations_if_needed()
        conn.execute(ONE_RUN_SQL)
        setup_langgraph_tables(url)


def setup_langgraph_tables(url: str) -> None:
    """LangGraph's checkpoint and store tables, which Aegra's start makes too: made here,
    under the lock, each replica then finds them made (two replicas making them at once
    collide on `checkpoint_migrations`: seen, one exits with a UniqueViolation)."""
    import psycopg
    from langgraph.checkpoint.postgres import PostgresSaver
    from langgraph.store.postgres import PostgresStore
    from psycopg.rows import dict_row

    with psycopg.connect(url, autocommit=True, row_factory=dict_row, prepare_threshold=0) as conn:
        PostgresSaver(conn).setup()
        PostgresStore(conn).setup()


def take_lock(conn: Any) -> None:
    """The schema lock, asked for again and again rather than waited on: a session waiting
    for a lock is in a transaction, and the migrations' CREATE INDEX CONCURRENTLY in the
    holder's process waits for every such transaction to end (both would wait for ever)."""
    while not conn.execute("SELECT pg_try_advisory_lock(%s)", (SCHEMA_LOCK,)).fetchone()[0]:
        time.sleep(RETRY_S)


if __name__ == "__main__":
    main()
