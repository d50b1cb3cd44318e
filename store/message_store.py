"""The checkpoint saver: LangGraph's SQLite tables, with every message stored once.

`MessageStoreSaver` keeps the `checkpoints` and `writes` tables of
`langgraph-checkpoint-sqlite` (threads written by `AsyncSqliteSaver` stay readable)
and adds `ml_intern_messages`, where each message of a thread is stored once under
the hash of its serialized form. Writes of messages and `DeltaChannel` snapshots
hold 16-byte references instead of copies, so the file grows with the transcript,
not with the transcript times the number of snapshots. Rows that hold references
carry their own type tags: a saver that does not know them fails loudly instead of
misreading them.

SQLite runs on the caller's thread (`inline`, the CLI: a WAL commit with
synchronous=NORMAL takes tens of microseconds, less than a hop to another thread)
or on one worker thread (for servers that forbid blocking calls on the event loop,
such as `langgraph dev`). Every put is one transaction, committed before it
returns; a busy database is retried without blocking the event loop.
"""

from __future__ import annotations

import json
import random
import sqlite3
import threading
import weakref
from collections.abc import AsyncIterator, Callable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from langchain_core.messages import BaseMessage
from langchain_core.runnables import RunnableConfig
from langgraph.checkpoint.base import (
    WRITES_IDX_MAP,
    BaseCheckpointSaver,
    ChannelVersions,
    Checkpoint,
    CheckpointMetadata,
    CheckpointTuple,
    get_checkpoint_id,
    get_checkpoint_metadata,
)

from compat.langgraph import DeltaChannelHistory, search_where
from models.messages import is_user_message, text_of
from store.delta_history import WRITE_COLUMNS, delta_history
from store.message_codec import (
    MessageCodec,
)
from store.saver_maintenance import (
    branch_user_input,
    copy_thread_rows,
    delete_run_rows,
    delta_channel_specs,
    prune_thread_rows,
)
from store.sqlite_runner import INLINE_BUSY_MS, SqliteRunner
from store.thread_index import ready_index, touch_row

SCHEMA = """
CREATE TABLE IF NOT EXISTS checkpoints (
    thread_id TEXT NOT NULL, checkpoint_ns TEXT NOT NULL DEFAULT '', checkpoint_id TEXT NOT NULL,
    parent_checkpoint_id TEXT, type TEXT, checkpoint BLOB, metadata BLOB,
    PRIMARY KEY (thread_id, checkpoint_ns, checkpoint_id)
);
CREATE TABLE IF NOT EXISTS writes (
    thread_id TEXT NOT NULL, checkpoint_ns TEXT NOT NULL DEFAULT '', checkpoint_id TEXT NOT NULL,
    task_id TEXT NOT NULL, task_path TEXT NOT NULL DEFAULT '', idx INTEGER NOT NULL,
    channel TEXT NOT NULL, type TEXT, value BLOB,
    PRIMARY KEY (thread_id, checkpoint_ns, checkpoint_id, task_id, idx)
);
CREATE TABLE IF NOT EXISTS ml_intern_messages (
    thread_id TEXT NOT NULL, hash BLOB NOT NULL, type TEXT NOT NULL, blob BLOB NOT NULL,
    PRIMARY KEY (thread_id, hash)
);
"""
INSERT_MESSAGE = "INSERT OR IGNORE INTO ml_intern_messages VALUES (?, ?, ?, ?)"


class MessageStoreSaver(SqliteRunner, MessageCodec, BaseCheckpointSaver[str]):
    """A SQLite checkpoint saver that stores each message of a thread once."""

    def __init__(self, path: Path, *, inline: bool = True, busy_timeout_ms: int = 10_000) -> None:
        super().__init__()
        self.path = Path(path)
        self.inline = inline
        self.busy_timeout_s = busy_timeout_ms / 1000
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.RLock()
        self._executor = None if inline else ThreadPoolExecutor(1, "ml-intern-sqlite")
        self._digests: dict[int, tuple[weakref.ref[BaseMessage], bytes]] = {}
        self.conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        self.conn.execute(f"PRAGMA busy_timeout={INLINE_BUSY_MS if inline else busy_timeout_ms}")
        self.sync_call(self._setup)

    def _setup(self) -> None:
        self.conn.execute("PRAGMA journal_mode=WAL")
        self.conn.execute("PRAGMA synchronous=NORMAL")
        self.conn.executescript(SCHEMA)
        ready_index(self.conn)
        columns = {row[1] for row in self.conn.execute("PRAGMA table_info(writes)")}
        if "task_path" not in columns:  # a database from before langgraph added the column
            self.conn.execute("ALTER TABLE writes ADD COLUMN task_path TEXT NOT NULL DEFAULT ''")

    def close(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=True)
        self.conn.close()

    async def alast_user_input(self, config: RunnableConfig) -> CheckpointTuple | None:
        """The checkpoint of the current branch's last user message: what undo goes back before."""
        return await self.async_call(self._last_user_input, config)

    def _last_user_input(self, config: RunnableConfig) -> CheckpointTuple | None:
        thread_id, ns = (
            config["configurable"]["thread_id"],
            config["configurable"].get("checkpoint_ns", ""),
        )
        rows = self.conn.execute(
            "SELECT checkpoint_id, parent_checkpoint_id, metadata FROM checkpoints "
            "WHERE thread_id = ? AND checkpoint_ns = ?",
            (thread_id, ns),
        ).fetchall()
        found = branch_user_input(rows)
        return None if found is None else self._get_tuple(_config(thread_id, ns, found))

    # -- the BaseCheckpointSaver API ----------------------------------------

    def get_tuple(self, config: RunnableConfig) -> CheckpointTuple | None:
        return self.sync_call(self._get_tuple, config)

    async def aget_tuple(self, config: RunnableConfig) -> CheckpointTuple | None:
        return await self.async_call(self._get_tuple, config)

    def list(
        self,
        config: RunnableConfig | None,
        *,
        filter: dict[str, Any] | None = None,
        before: RunnableConfig | None = None,
        limit: int | None = None,
    ) -> Iterator[CheckpointTuple]:
        for key in self.sync_call(self._list_keys, config, filter, before, limit):
            if (found := self.sync_call(self._get_tuple, _config(*key))) is not None:
                yield found

    async def alist(
        self,
        config: RunnableConfig | None,
        *,
        filter: dict[str, Any] | None = None,
        before: RunnableConfig | None = None,
        limit: int | None = None,
    ) -> AsyncIterator[CheckpointTuple]:
        for key in await self.async_call(self._list_keys, config, filter, before, limit):
            if (found := await self.async_call(self._get_tuple, _config(*key))) is not None:
                yield found

    def put(
        self,
        config: RunnableConfig,
        checkpoint: Checkpoint,
        metadata: CheckpointMetadata,
        new_versions: ChannelVersions,
    ) -> RunnableConfig:
        return self.sync_call(self._prepare_put(config, checkpoint, metadata))

    async def aput(
        self,
        config: RunnableConfig,
        checkpoint: Checkpoint,
        metadata: CheckpointMetadata,
        new_versions: ChannelVersions,
    ) -> RunnableConfig:
        return await self.async_call(self._prepare_put(config, checkpoint, metadata))

    def put_writes(
        self,
        config: RunnableConfig,
        writes: Sequence[tuple[str, Any]],
        task_id: str,
        task_path: str = "",
    ) -> None:
        self.sync_call(self._prepare_writes(config, writes, task_id, task_path))

    async def aput_writes(
        self,
        config: RunnableConfig,
        writes: Sequence[tuple[str, Any]],
        task_id: str,
        task_path: str = "",
    ) -> None:
        await self.async_call(self._prepare_writes(config, writes, task_id, task_path))

    def delete_thread(self, thread_id: str) -> None:
        self.sync_call(self._delete_thread, str(thread_id))

    async def adelete_thread(self, thread_id: str) -> None:
        await self.async_call(self._delete_thread, str(thread_id))

    # -- the extended API: copy, delete by run, prune --------------------------

    def copy_thread(self, source_thread_id: str, target_thread_id: str) -> None:
        """The whole thread (all checkpoints, writes and messages) under a new id."""
        self.sync_call(copy_thread_rows, self, str(source_thread_id), str(target_thread_id))

    async def acopy_thread(self, source_thread_id: str, target_thread_id: str) -> None:
        await self.async_call(copy_thread_rows, self, str(source_thread_id), str(target_thread_id))

    def delete_for_runs(self, run_ids: Sequence[str]) -> None:
        self.sync_call(delete_run_rows, self, list(run_ids))

    async def adelete_for_runs(self, run_ids: Sequence[str]) -> None:
        await self.async_call(delete_run_rows, self, list(run_ids))

    def prune(self, thread_ids: Sequence[str], *, strategy: str = "keep_latest") -> None:
        """`keep_latest`: only the newest checkpoint per namespace (rebased); `delete`: all."""
        for thread_id in thread_ids:
            self.sync_call(self._prune, str(thread_id), strategy)

    async def aprune(self, thread_ids: Sequence[str], *, strategy: str = "keep_latest") -> None:
        for thread_id in thread_ids:
            await self.async_call(self._prune, str(thread_id), strategy)

    def _prune(self, thread_id: str, strategy: str) -> None:
        if strategy == "delete":
            self._delete_thread(thread_id)
        elif strategy == "keep_latest":
            prune_thread_rows(self, thread_id, 1, delta_channel_specs(), keep_undo=False)
        else:
            raise ValueError(f"unknown prune strategy {strategy!r}: use 'keep_latest' or 'delete'")

    def get_delta_channel_history(
        self, *, config: RunnableConfig, channels: Sequence[str]
    ) -> Mapping[str, DeltaChannelHistory]:
        return self.sync_call(delta_history, self, config, list(channels))

    async def aget_delta_channel_history(
        self, *, config: RunnableConfig, channels: Sequence[str]
    ) -> Mapping[str, DeltaChannelHistory]:
        return await self.async_call(delta_history, self, config, list(channels))

    def get_next_version(self, current: str | int | None, channel: None) -> str:
        """Same format as `SqliteSaver`, so threads move between the two savers."""
        number = 0 if current is None else int(str(current).split(".")[0])
        return f"{number + 1:032}.{random.random():016}"

    # -- writing ------------------------------------------------------------

    def _prepare_put(
        self, config: RunnableConfig, checkpoint: Checkpoint, metadata: CheckpointMetadata
    ) -> Callable[[], RunnableConfig]:
        """Serialise now (the caller's objects may change later); the returned step writes."""
        conf = config["configurable"]
        thread_id, ns = str(conf["thread_id"]), conf.get("checkpoint_ns", "")
        rows: list[tuple[Any, ...]] = []
        cached: dict[bytes, BaseMessage] = {}
        type_, blob = self.encode_checkpoint(thread_id, checkpoint, rows, cached)
        meta = json.dumps(get_checkpoint_metadata(config, metadata), ensure_ascii=False)
        row = (thread_id, ns, checkpoint["id"], conf.get("checkpoint_id"), type_, blob,
               meta.encode("utf-8", "ignore"))  # fmt: skip

        model = checkpoint["channel_values"].get("model")
        model = model if isinstance(model, str) else ""

        def write() -> RunnableConfig:
            with self.transaction() as db:
                db.executemany(INSERT_MESSAGE, [*rows, *self.missing_rows(thread_id, cached)])
                db.execute("INSERT OR REPLACE INTO checkpoints VALUES (?, ?, ?, ?, ?, ?, ?)", row)
                if not ns:  # every writer (CLI, Studio, the SDK) keeps the thread index
                    touch_row(db, thread_id, model=model)
            return _config(thread_id, ns, checkpoint["id"])

        return write

    def _prepare_writes(
        self,
        config: RunnableConfig,
        writes: Sequence[tuple[str, Any]],
        task_id: str,
        task_path: str,
    ) -> Callable[[], None]:
        conf = config["configurable"]
        thread_id = str(conf["thread_id"])
        key = (thread_id, str(conf.get("checkpoint_ns", "")), str(conf["checkpoint_id"]))
        messages: list[tuple[Any, ...]] = []
        rows = [
            (*key, task_id, task_path, WRITES_IDX_MAP.get(channel, idx), channel,
             *self.encode_value(thread_id, value, messages))
            for idx, (channel, value) in enumerate(writes)
        ]  # fmt: skip
        verb = "REPLACE" if all(w[0] in WRITES_IDX_MAP for w in writes) else "IGNORE"
        title = first_user_text(writes) if not conf.get("checkpoint_ns") else ""

        def write() -> None:
            with self.transaction() as db:
                if title:  # a thread's first user message names it, whoever sent it
                    touch_row(db, thread_id, title=title)
                db.executemany(INSERT_MESSAGE, messages)
                db.executemany(
                    f"INSERT OR {verb} INTO writes (thread_id, checkpoint_ns, checkpoint_id, "
                    "task_id, task_path, idx, channel, type, value) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    rows,
                )

        return write

    def _delete_thread(self, thread_id: str) -> None:
        with self.transaction() as db:
            for table in ("checkpoints", "writes", "ml_intern_messages", "ml_intern_threads"):
                db.execute(f"DELETE FROM {table} WHERE thread_id = ?", (thread_id,))

    # -- reading ------------------------------------------------------------

    def _get_tuple(self, config: RunnableConfig) -> CheckpointTuple | None:
        conf = config["configurable"]
        thread_id, ns = str(conf["thread_id"]), conf.get("checkpoint_ns", "")
        columns = "checkpoint_id, parent_checkpoint_id, type, checkpoint, metadata"
        if checkpoint_id := get_checkpoint_id(config):
            row = self.conn.execute(
                f"SELECT {columns} FROM checkpoints WHERE thread_id = ? AND checkpoint_ns = ? "
                "AND checkpoint_id = ?",
                (thread_id, ns, checkpoint_id),
            ).fetchone()
        else:
            row = self.conn.execute(
                f"SELECT {columns} FROM checkpoints WHERE thread_id = ? AND checkpoint_ns = ? "
                "ORDER BY checkpoint_id DESC LIMIT 1",
                (thread_id, ns),
            ).fetchone()
            config = _config(thread_id, ns, row[0]) if row else config
        if row is None:
            return None
        checkpoint_id, parent_id, type_, blob, metadata = row
        writes = self.conn.execute(
            f"SELECT {WRITE_COLUMNS} FROM writes WHERE thread_id = ? AND checkpoint_ns = ? "
            "AND checkpoint_id = ?",
            (thread_id, ns, checkpoint_id),
        ).fetchall()
        return CheckpointTuple(
            config,
            self.decode_checkpoint(thread_id, type_, blob),
            json.loads(metadata) if metadata is not None else {},
            _config(thread_id, ns, parent_id) if parent_id else None,
            self._decode_writes(thread_id, writes),
        )

    def _list_keys(
        self,
        config: RunnableConfig | None,
        filter: dict[str, Any] | None,
        before: RunnableConfig | None,
        limit: int | None,
    ) -> list[tuple[str, str, str]]:
        where, params = search_where(config, filter, before)
        query = f"SELECT thread_id, checkpoint_ns, checkpoint_id FROM checkpoints {where} ORDER BY checkpoint_id DESC"
        if limit is not None:
            query, params = query + " LIMIT ?", [*params, limit]
        return self.conn.execute(query, params).fetchall()


def first_user_text(writes: Sequence[tuple[str, Any]]) -> str:
    """The text of the first user message among `writes` to the messages channel, or ''."""
    for channel, value in writes:
        if channel != "messages":
            continue
        for message in value if isinstance(value, list) else [value]:
            if isinstance(message, BaseMessage) and is_user_message(message):  # type: ignore[arg-type]
                return text_of(message.content)
    return ""


def _config(thread_id: str, ns: str, checkpoint_id: str) -> RunnableConfig:
    return {
        "configurable": {
            "thread_id": thread_id,
            "checkpoint_ns": ns,
            "checkpoint_id": checkpoint_id,
        }
    }
