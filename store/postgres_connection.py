"""The index's and ledger's SQL on PostgreSQL: one pooled connection, `?` marks as `%s`.

Their statements are written once in the SQL both databases speak (`ON CONFLICT ... DO
UPDATE`, `excluded`); only the parameter marks differ, and none of the statements holds
a `?` inside a string literal.
"""

from __future__ import annotations

import atexit
import functools
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from store.database import CONNECT_TIMEOUT_S, connect_kwargs, explain
from store.postgres_schema import ensure_schema

if TYPE_CHECKING:
    from psycopg_pool import ConnectionPool


class PostgresStatements:
    """`execute` like sqlite3's, on a connection borrowed from the process's pool."""

    def __init__(self, conn: Any) -> None:
        self._conn = conn

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Any:
        return self._conn.execute(sql.replace("?", "%s"), tuple(params))


@functools.cache
def pool(url: str) -> ConnectionPool:
    """The process's pool for `url` (index and ledger); the schema is made ready first."""
    from store.postgres_pool import ProbingPool

    ensure_schema(url)
    # Each connection is checked as it is handed out (one empty round trip): after the
    # database restarts, the pool's connections are dead, and a request would fail on one.
    # While the database is away, a request hears so at once, not after the pool's timeout.
    opened: ConnectionPool = ProbingPool(
        url, min_size=1, max_size=8, kwargs=connect_kwargs(), timeout=CONNECT_TIMEOUT_S,
        name="ml-intern", open=True, check=ProbingPool.check_connection,
    )  # fmt: skip
    atexit.register(opened.close)  # closed before the interpreter tears its modules down
    return opened


@contextmanager
def borrowed(url: str) -> Iterator[PostgresStatements]:
    """A pooled connection for one use; a clear `DatabaseError` when the database is away."""
    from psycopg import OperationalError
    from psycopg_pool import PoolTimeout

    try:
        with pool(url).connection() as conn:
            yield PostgresStatements(conn)
    except (PoolTimeout, OperationalError) as error:
        raise explain(url, error) from None


def has_checkpoints(url: str, thread_id: str) -> bool:
    """Blocking: True if the database at `url` holds checkpoints of the thread (LangGraph's
    table; absent before any graph ran there)."""
    with borrowed(url) as db:
        if db.execute("SELECT to_regclass('checkpoints')").fetchone()[0] is None:
            return False
        found = db.execute("SELECT 1 FROM checkpoints WHERE thread_id = ? LIMIT 1", (thread_id,))
        return found.fetchone() is not None
