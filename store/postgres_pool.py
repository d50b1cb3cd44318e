"""Psycopg connection pools, sync and async, that answer at once when the database is away.

psycopg_pool's `getconn` waits out its whole `timeout` (10 s here) while the database
refuses connections: its workers retry in the background and the client only ever hears
"couldn't get a connection". A probing pool's `getconn` waits `PROBE_AFTER_S` for a pooled
connection; without one, and when a connection attempt of the pool has failed since it last
handed one out (the database is away, not busy), it opens a connection of its own, whose error
(refused, the login, an unknown host) is raised at once, and otherwise waits the rest of the
timeout as before. A pool whose connections are only busy is waited for as before: probing then
would only add connections to a database under load.
"""

from __future__ import annotations

from typing import Any

import psycopg
from psycopg_pool import AsyncConnectionPool, ConnectionPool, PoolTimeout

PROBE_AFTER_S = 0.5


class Probing:
    """What both pools keep: the failed connection attempts when one was last handed out.
    Mixed in before the pool class, whose `timeout` and `get_stats` it reads."""

    _failures_seen = 0

    def budget(self, timeout: float | None) -> tuple[float, float]:
        """How long to wait for a pooled connection before probing, and how long in all."""
        total = self.timeout if timeout is None else timeout  # type: ignore[attr-defined]
        return min(PROBE_AFTER_S, total), total

    def away(self) -> bool:
        """A connection attempt failed since the last hand-out: away, not busy."""
        return self._failures() > self._failures_seen

    def handed_out(self) -> None:
        self._failures_seen = self._failures()

    def _failures(self) -> int:
        return self.get_stats().get("connections_errors", 0)  # type: ignore[attr-defined]


class ProbingPool(Probing, ConnectionPool):
    """`ConnectionPool` whose `getconn` raises psycopg's `OperationalError` within about
    `PROBE_AFTER_S` (plus one connect) when a new connection to the database fails."""

    def getconn(self, timeout: float | None = None) -> Any:
        first, total = self.budget(timeout)
        try:
            connection = super().getconn(first)
        except PoolTimeout:
            if first >= total:
                raise
            if self.away():  # ask it ourselves
                psycopg.connect(self.conninfo, **self.kwargs).close()
            connection = super().getconn(total - first)
        self.handed_out()
        return connection


class AsyncProbingPool(Probing, AsyncConnectionPool):
    """`ProbingPool` for asyncio (the checkpointer's): once a run found the database gone,
    reading the thread says so at once, not after the pool's whole timeout."""

    async def getconn(self, timeout: float | None = None) -> Any:  # noqa: ASYNC109 (the library's)
        first, total = self.budget(timeout)
        try:
            connection = await super().getconn(first)
        except PoolTimeout:
            if first >= total:
                raise
            if self.away():
                async with await psycopg.AsyncConnection.connect(self.conninfo, **self.kwargs):
                    pass
            connection = await super().getconn(total - first)
        self.handed_out()
        return connection
