"""The pool tells a request that the database is away at once, not after its timeout."""

from __future__ import annotations

import psycopg
import pytest

from store.database import CONNECT_TIMEOUT_S, connect_kwargs
from store.postgres_pool import ProbingPool
from tests.fakes.postgres import free_port


def test_a_refused_database_is_named_at_once_not_after_the_pool_timeout() -> None:
    url = f"postgresql://nobody:secret@127.0.0.1:{free_port()}/nothing"  # nothing listens there
    pool = ProbingPool(url, min_size=1, kwargs=connect_kwargs(), timeout=CONNECT_TIMEOUT_S,
                       open=False, name="probe-test", reconnect_timeout=60)  # fmt: skip
    pool.open(wait=False)
    try:
        with pytest.raises(psycopg.OperationalError, match="Connection refused"):
            pool.getconn()  # psycopg_pool alone: PoolTimeout "couldn't get a connection after 10 s"
    finally:
        pool.close()
