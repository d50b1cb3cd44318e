"""A psycopg connection pool that answers at once when the database is away.

psycopg_pool's `getconn` waits out its whole `timeout` (10 s here) while the database
refuses connections: its workers retry in the background and the client only ever hears
"couldn't get a connection". `ProbingPool.getconn` waits `PROBE_AFTER_S` for a pooled
connection; without one, and when the pool is below its size (so it is trying to connect, not
waiting for a busy connection to come back), it opens a connection of its own, whose error
(refused, the login, an unknown host) is raised at once, and otherwise waits the rest of the
timeout as before. A pool at its size whose connections are all busy is waited for as before:
probing then would only add connections to a database under load.
"""

from __future__ import annotations

from typing import Any

import psycopg
from psycopg_pool import ConnectionPool, PoolTimeout

PROBE_AFTER_S = 0.5


class ProbingPool(ConnectionPool):
    """`ConnectionPool` whose `getconn` raises psycopg's `OperationalError` within about
    `PROBE_AFTER_S` (plus one connect) when a new connection to the database fails."""

    def getconn(self, timeout: float | None = None) -> Any:
        total = self.timeout if timeout is None else timeout
        first = min(PROBE_AFTER_S, total)
        try:
            return super().getconn(first)
        except PoolTimeout:
            if first >= total:
                raise
            stats = self.get_stats()
            if stats.get("pool_size", 0) >= stats.get("pool_max", 1):  # all busy: wait for one
                return super().getconn(total - first)
        psycopg.connect(self.conninfo, **self.kwargs).close()  # the database's own answer
        return super().getconn(total - first)
