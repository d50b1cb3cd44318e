"""LangGraph's Postgres saver, keeping ml-intern's thread index, and able to copy and delete runs.

`ThreadPostgresSaver` is `AsyncPostgresSaver` (checkpoints, blobs per channel version,
writes) on a `psycopg_pool` pool, plus what the SQLite saver does besides: every put
touches the thread's index row (model; the first user message names it), deleting a
thread drops its row and its experiments, and `copy_thread` / `delete_for_runs` complete
LangGraph's extended API (forks, the server's run deletion).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from contextvars import ContextVar
from typing import Any

from langchain_core.runnables import RunnableConfig
from langgraph.checkpoint.base import (
    ChannelVersions,
    Checkpoint,
    CheckpointMetadata,
    CheckpointTuple,
)
from langgraph.checkpoint.postgres.aio import AsyncPostgresSaver
from psycopg import OperationalError
from psycopg.errors import InsufficientPrivilege
from psycopg.rows import dict_row
from psycopg_pool import AsyncConnectionPool, PoolTimeout

from compat.langgraph_checkpoint_postgres import library_cursor, refuse_a_changed_saver
from store import index_writes
from store.database import CONNECT_TIMEOUT_S, connect_kwargs, explain
from store.message_store import first_user_text
from store.postgres_schema import ensure_checkpoint_schema
from store.saver_maintenance import branch_user_input
from store.thread_index import UPSERT
from tools.text import one_line

TABLES = ("checkpoints", "checkpoint_blobs", "checkpoint_writes")
COLUMNS = {
    "checkpoints": "checkpoint_ns, checkpoint_id, parent_checkpoint_id, type, checkpoint, metadata",
    "checkpoint_blobs": "checkpoint_ns, channel, version, type, blob",
    "checkpoint_writes": "checkpoint_ns, checkpoint_id, task_id, idx, channel, type, blob, task_path",
}
PG_UPSERT = UPSERT.replace("?", "%s")
# The index row the checkpoint being saved in this task touches, until its pipeline has.
INDEX_ROW: ContextVar[tuple[Any, ...] | None] = ContextVar("ml_intern_index_row", default=None)


def index_row(config: RunnableConfig, *, title: str = "", model: str = "") -> tuple[Any, ...]:
    """The thread index's row for a touch of `config`'s thread (PG_UPSERT's parameters)."""
    now, thread_id = time.time(), str(config["configurable"]["thread_id"])
    index_writes.note(thread_id, now)
    return (thread_id, one_line(title, 80), model, "", now, now, "")


class ThreadPostgresSaver(AsyncPostgresSaver):
    """AsyncPostgresSaver that keeps the thread index and supports copy and run deletion."""

    url = ""  # for messages: a database that goes away mid-run is named, never its password

    @asynccontextmanager
    async def _cursor(self, *, pipeline: bool = False) -> AsyncIterator[Any]:
        """The library's cursor (compat/langgraph_checkpoint_postgres.py: a private method, this
        override declared there), its connection errors named as the database's. A pipeline
        opened while a checkpoint is saved also touches its thread's index row (`aput`)."""
        try:
            async with library_cursor(self, pipeline=pipeline) as cur:
                yield cur
                if pipeline and (row := INDEX_ROW.get()) is not None:
                    INDEX_ROW.set(None)
                    await cur.execute(PG_UPSERT, row)
        except (OperationalError, InsufficientPrivilege, PoolTimeout) as error:
            raise explain(self.url, error) from None

    async def aput(
        self,
        config: RunnableConfig,
        checkpoint: Checkpoint,
        metadata: CheckpointMetadata,
        new_versions: ChannelVersions,
    ) -> RunnableConfig:
        """The library's save; a top-level checkpoint also touches its thread's index row (its
        model), in the same pipeline: one round trip a superstep, not two."""
        if config["configurable"].get("checkpoint_ns"):
            return await super().aput(config, checkpoint, metadata, new_versions)
        model = checkpoint["channel_values"].get("model")
        pending = INDEX_ROW.set(index_row(config, model=model if isinstance(model, str) else ""))
        try:
            saved = await super().aput(config, checkpoint, metadata, new_versions)
            if INDEX_ROW.get() is not None:  # the library saved without a pipeline
                await self._touch(config, model=model if isinstance(model, str) else "")
            return saved
        finally:
            INDEX_ROW.reset(pending)

    async def aput_writes(
        self,
        config: RunnableConfig,
        writes: Sequence[tuple[str, Any]],
        task_id: str,
        task_path: str = "",
    ) -> None:
        await super().aput_writes(config, writes, task_id, task_path)
        if not config["configurable"].get("checkpoint_ns") and (title := first_user_text(writes)):
            await self._touch(config, title=title)

    async def _touch(self, config: RunnableConfig, *, title: str = "", model: str = "") -> None:
        async with self._cursor() as cur:
            await cur.execute(PG_UPSERT, index_row(config, title=title, model=model))

    async def alast_user_input(self, config: RunnableConfig) -> CheckpointTuple | None:
        """The checkpoint of the current branch's last user message, what undo goes back
        before; found as on SQLite, so across a chain pruning cut (store/postgres_maintenance.py)."""
        thread_id = str(config["configurable"]["thread_id"])
        ns = config["configurable"].get("checkpoint_ns", "")
        async with self._cursor() as cur:
            await cur.execute(
                "SELECT checkpoint_id, parent_checkpoint_id, metadata FROM checkpoints "
                "WHERE thread_id = %s AND checkpoint_ns = %s",
                (thread_id, ns),
            )
            rows = await cur.fetchall()
        found = branch_user_input(
            [(r["checkpoint_id"], r["parent_checkpoint_id"], r["metadata"]) for r in rows]
        )
        if found is None:
            return None
        wanted = {"thread_id": thread_id, "checkpoint_ns": ns, "checkpoint_id": found}
        return await self.aget_tuple({"configurable": wanted})

    async def adelete_thread(self, thread_id: str) -> None:
        await super().adelete_thread(thread_id)
        async with self._cursor(pipeline=True) as cur:
            for table in ("ml_intern_threads", "ml_intern_experiments"):
                await cur.execute(f"DELETE FROM {table} WHERE thread_id = %s", (str(thread_id),))

    async def acopy_thread(self, source_thread_id: str, target_thread_id: str) -> None:
        """Every checkpoint, blob and write of the source, under the target's id."""
        async with self._cursor(pipeline=True) as cur:
            for table in TABLES:
                await cur.execute(
                    f"INSERT INTO {table} (thread_id, {COLUMNS[table]}) "
                    f"SELECT %s, {COLUMNS[table]} FROM {table} WHERE thread_id = %s "
                    "ON CONFLICT DO NOTHING",
                    (str(target_thread_id), str(source_thread_id)),
                )

    async def adelete_for_runs(self, run_ids: Sequence[str]) -> None:
        """The checkpoints these runs made, and their writes (blobs are shared by version)."""
        wanted = [str(r) for r in run_ids]
        if not wanted:
            return
        async with self._cursor(pipeline=True) as cur:
            await cur.execute(
                "DELETE FROM checkpoint_writes w USING checkpoints c WHERE "
                "w.thread_id = c.thread_id AND w.checkpoint_ns = c.checkpoint_ns AND "
                "w.checkpoint_id = c.checkpoint_id AND c.metadata->>'run_id' = ANY(%s)",
                (wanted,),
            )
            await cur.execute(
                "DELETE FROM checkpoints WHERE metadata->>'run_id' = ANY(%s)", (wanted,)
            )
        index_writes.forget_all()  # their threads' states changed, their index rows did not

    def copy_thread(self, source_thread_id: str, target_thread_id: str) -> None:
        self._run_sync(self.acopy_thread(source_thread_id, target_thread_id))

    def delete_for_runs(self, run_ids: Sequence[str]) -> None:
        self._run_sync(self.adelete_for_runs(run_ids))

    def _run_sync(self, coroutine: Any) -> None:
        asyncio.run_coroutine_threadsafe(coroutine, self.loop).result()


@asynccontextmanager
async def open_postgres_checkpointer(url: str) -> AsyncIterator[ThreadPostgresSaver]:
    """The saver on a connection pool for `url` (schema made ready first); closed on exit.
    Refuses (SaverChanged, saying what moved) a langgraph-checkpoint-postgres whose cursor is
    not the one the saver overrides."""
    refuse_a_changed_saver()
    await asyncio.to_thread(ensure_checkpoint_schema, url)
    kwargs = {**connect_kwargs(), "prepare_threshold": 0, "row_factory": dict_row}
    pool: AsyncConnectionPool[Any] = AsyncConnectionPool(
        url, min_size=1, max_size=8, kwargs=kwargs, timeout=CONNECT_TIMEOUT_S, open=False,
        name="ml-intern-checkpoints",
    )  # fmt: skip
    try:
        await pool.open(wait=True, timeout=CONNECT_TIMEOUT_S)
    except Exception as error:  # psycopg's error or the pool's timeout
        await pool.close()
        raise explain(url, error) from None
    saver = ThreadPostgresSaver(pool)
    saver.url = url
    try:
        yield saver
    finally:
        await pool.close()
