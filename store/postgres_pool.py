"""A psycopg connection pool that answers at once when the database is away.

psycopg_pool's `getconn` waits out its whole `timeout` (10 s here) while the database
refuses connections: its workers retry in the background and the client only ever hears
"couldn't get a connection". `ProbingPool.getconn` waits `PROBE_AFTER_S` for a pooled
connection; without one, and when a connection attempt of the pool has failed since it last
handed one out (the database is away, not busy), it opens a connection of its own, whose error
(refused, the login, an unknown host) is raised at once, and otherwise waits the rest of the
timeout as before. A pool whose connections are only busy is waited for as before: probing then
would only add connections to a database under load.
"""

from __future__ import annotations

from typing import Any

import psycopg
from psycopg_pool import ConnectionPool, PoolTimeout

PROBE_AFTER_S = 0.5


class ProbingPool(ConnectionPool):
    """`ConnectionPool` whose `getconn` raises psycopg's `OperationalError` within about
    `PROBE_AFTER_S` (plus one connect) when a new connection to the database fails."""

    _failures_seen = 0  # the pool's failed connection attempts when it last handed one out

    def getconn(self, timeout: float | None = None) -> Any:
        total = self.timeout if timeout is None else timeout
        first = min(PROBE_AFTER_S, total)
        try:
            connection = super().getconn(first)
        except PoolTimeout:
            if first >= total:
                raise
            if self._failures() > self._failures_seen:  # away, not busy: ask it ourselves
                psycopg.connect(self.conninfo, **self.kwargs).close()
            connection = super().getconn(total - first)
        self._failures_seen = self._failures()
        return connection

    def _failures(self) -> int:
        return self.get_stats().get("connections_errors", 0)
