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

import asyncio
import hashlib
import json
import random
import sqlite3
import threading
import time
import weakref
from collections.abc import AsyncIterator, Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from langchain_core.messages import BaseMessage
from langchain_core.runnables import RunnableConfig
from langgraph.checkpoint.base import (
    WRITES_IDX_MAP,
    BaseCheckpointSaver,
    ChannelVersions,
    Checkpoint,
    CheckpointMetadata,
    CheckpointTuple,
    DeltaChannelHistory,
    PendingWrite,
    get_checkpoint_id,
    get_checkpoint_metadata,
    writes_sort_key,
)
from langgraph.checkpoint.serde.types import _DeltaSnapshot
from langgraph.checkpoint.sqlite.utils import search_where
from langgraph.types import Overwrite

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
# Ancestors of a checkpoint, nearest first, one primary-key lookup per step.
ANCESTORS = """
WITH RECURSIVE chain(checkpoint_id, parent_checkpoint_id, type, checkpoint) AS (
    SELECT checkpoint_id, parent_checkpoint_id, type, checkpoint FROM checkpoints
    WHERE thread_id = ? AND checkpoint_ns = ? AND checkpoint_id = ?
    UNION ALL
    SELECT c.checkpoint_id, c.parent_checkpoint_id, c.type, c.checkpoint
    FROM chain a CROSS JOIN checkpoints c ON c.checkpoint_id = a.parent_checkpoint_id
    WHERE c.thread_id = ? AND c.checkpoint_ns = ?
) SELECT checkpoint_id, type, checkpoint FROM chain
"""
INSERT_MESSAGE = "INSERT OR IGNORE INTO ml_intern_messages VALUES (?, ?, ?, ?)"
WRITE_COLUMNS = "task_id, channel, type, value, task_path, idx"
REFS = "ml_intern/refs"  # a write: list of messages
OVERWRITE_REFS = "ml_intern/refs+overwrite"  # a write: Overwrite(list of messages)
CHECKPOINT_REFS = "ml_intern/msgpack+refs"  # a checkpoint whose message snapshots are references
REFS_KEY = "__ml_intern_message_refs__"
HASH_SIZE = 16
CHUNK = 500  # bound parameters per IN (...)
RETRY_S = 0.01
INLINE_BUSY_MS = 0  # inline, a busy file is retried with asyncio.sleep: the loop never waits

T = TypeVar("T")


class MessageStoreSaver(BaseCheckpointSaver[str]):
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
        columns = {row[1] for row in self.conn.execute("PRAGMA table_info(writes)")}
        if "task_path" not in columns:  # a database from before langgraph added the column
            self.conn.execute("ALTER TABLE writes ADD COLUMN task_path TEXT NOT NULL DEFAULT ''")

    def close(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=True)
        self.conn.close()

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

    def get_delta_channel_history(
        self, *, config: RunnableConfig, channels: Sequence[str]
    ) -> Mapping[str, DeltaChannelHistory]:
        return self.sync_call(self._delta_history, config, list(channels))

    async def aget_delta_channel_history(
        self, *, config: RunnableConfig, channels: Sequence[str]
    ) -> Mapping[str, DeltaChannelHistory]:
        return await self.async_call(self._delta_history, config, list(channels))

    def get_next_version(self, current: str | int | None, channel: None) -> str:
        """Same format as `SqliteSaver`, so threads move between the two savers."""
        number = 0 if current is None else int(str(current).split(".")[0])
        return f"{number + 1:032}.{random.random():016}"

    # -- running SQL --------------------------------------------------------

    def sync_call(self, fn: Callable[..., T], *args: Any) -> T:
        """`fn(*args)` under the saver's lock, retried while another process holds the file."""
        deadline = time.monotonic() + self.busy_timeout_s
        while True:
            try:
                with self._lock:
                    return fn(*args)
            except sqlite3.OperationalError as error:
                if not _busy(error) or time.monotonic() > deadline:
                    raise
            time.sleep(RETRY_S)

    async def async_call(self, fn: Callable[..., T], *args: Any) -> T:
        """`sync_call` for the event loop: inline, or on the worker thread."""
        if self._executor is not None:
            return await asyncio.get_running_loop().run_in_executor(
                self._executor, self.sync_call, fn, *args
            )
        deadline = time.monotonic() + self.busy_timeout_s
        while True:
            try:
                with self._lock:
                    return fn(*args)
            except sqlite3.OperationalError as error:
                if not _busy(error) or time.monotonic() > deadline:
                    raise
            await asyncio.sleep(RETRY_S)

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction: committed on success, rolled back on any error."""
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield self.conn
            self.conn.execute("COMMIT")
        except BaseException:
            if self.conn.in_transaction:
                self.conn.execute("ROLLBACK")
            raise

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

        def write() -> RunnableConfig:
            with self.transaction() as db:
                db.executemany(INSERT_MESSAGE, [*rows, *self.missing_rows(thread_id, cached)])
                db.execute("INSERT OR REPLACE INTO checkpoints VALUES (?, ?, ?, ?, ?, ?, ?)", row)
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

        def write() -> None:
            with self.transaction() as db:
                db.executemany(INSERT_MESSAGE, messages)
                db.executemany(
                    f"INSERT OR {verb} INTO writes (thread_id, checkpoint_ns, checkpoint_id, "
                    "task_id, task_path, idx, channel, type, value) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    rows,
                )

        return write

    def _delete_thread(self, thread_id: str) -> None:
        with self.transaction() as db:
            for table in ("checkpoints", "writes", "ml_intern_messages"):
                db.execute(f"DELETE FROM {table} WHERE thread_id = ?", (thread_id,))

    def encode_value(
        self, thread_id: str, value: Any, rows: list[tuple[Any, ...]]
    ) -> tuple[str, bytes]:
        """A write's (type, blob); its messages are added to `rows` for the message table."""
        if _is_messages(value):
            return REFS, b"".join(self._store(thread_id, m, rows) for m in value)
        if isinstance(value, Overwrite) and _is_messages(value.value):
            return OVERWRITE_REFS, b"".join(self._store(thread_id, m, rows) for m in value.value)
        return self.serde.dumps_typed(value)

    def encode_checkpoint(
        self,
        thread_id: str,
        checkpoint: Checkpoint,
        rows: list[tuple[Any, ...]],
        cached: dict[bytes, BaseMessage],
    ) -> tuple[str, bytes]:
        """A checkpoint's (type, blob), message snapshots as references.

        Messages already stored by this saver are not serialised again: their digest
        is remembered, and `cached` collects them so the write can check they are
        still in the table (another process may have pruned the thread).
        """
        values = checkpoint["channel_values"]
        snapshots = [k for k, v in values.items() if _is_snapshot_of_messages(v)]
        if not snapshots:
            return self.serde.dumps_typed(checkpoint)
        replaced = dict(values)
        for k in snapshots:
            digests = []
            for message in values[k].value:
                digest = self._known_digest(message)
                if digest is None:
                    digest = self._store(thread_id, message, rows)
                else:
                    cached[digest] = message
                digests.append(digest)
            replaced[k] = _DeltaSnapshot({REFS_KEY: b"".join(digests)})
        _, blob = self.serde.dumps_typed({**checkpoint, "channel_values": replaced})
        return CHECKPOINT_REFS, blob

    def _store(self, thread_id: str, message: BaseMessage, rows: list[tuple[Any, ...]]) -> bytes:
        type_, blob = self.serde.dumps_typed(message)
        digest = hashlib.blake2b(blob, digest_size=HASH_SIZE).digest()
        self._remember(message, digest)
        rows.append((thread_id, digest, type_, blob))
        return digest

    def missing_rows(
        self, thread_id: str, cached: Mapping[bytes, BaseMessage]
    ) -> list[tuple[Any, ...]]:
        present = self._present(thread_id, cached)
        rows: list[tuple[Any, ...]] = []
        for digest, message in cached.items():
            if digest not in present:
                self._store(thread_id, message, rows)
        return rows

    def _present(self, thread_id: str, digests: Iterable[bytes]) -> set[bytes]:
        found: set[bytes] = set()
        for chunk in _chunks(list(digests)):
            found.update(
                row[0]
                for row in self.conn.execute(
                    "SELECT hash FROM ml_intern_messages WHERE thread_id = ? AND hash IN "
                    f"({','.join('?' * len(chunk))})",
                    (thread_id, *chunk),
                )
            )
        return found

    def _remember(self, message: BaseMessage, digest: bytes) -> None:
        key = id(message)

        def forget(ref: weakref.ref[BaseMessage]) -> None:
            entry = self._digests.get(key)
            if entry is not None and entry[0] is ref:
                del self._digests[key]

        self._digests[key] = (weakref.ref(message, forget), digest)

    def _known_digest(self, message: BaseMessage) -> bytes | None:
        entry = self._digests.get(id(message))
        return entry[1] if entry is not None and entry[0]() is message else None

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

    def _delta_history(
        self, config: RunnableConfig, channels: list[str]
    ) -> dict[str, DeltaChannelHistory]:
        """The writes of `channels` from their nearest stored value (seed) up to `config`."""
        if not channels:
            return {}
        conf = config["configurable"]
        thread_id, ns = str(conf["thread_id"]), conf.get("checkpoint_ns", "")
        target = (
            get_checkpoint_id(config)
            or self.conn.execute(
                "SELECT max(checkpoint_id) FROM checkpoints WHERE thread_id = ? AND checkpoint_ns = ?",
                (thread_id, ns),
            ).fetchone()[0]
        )
        chains: dict[str, list[str]] = {ch: [] for ch in channels}
        seeds: dict[str, Any] = {}
        active, walked = set(channels), set()
        cursor = self.conn.execute(ANCESTORS, (thread_id, ns, target, thread_id, ns))
        for checkpoint_id, type_, blob in cursor:
            if checkpoint_id == target and not walked:
                walked.add(checkpoint_id)  # the target's own writes are pending, not history
                continue
            if not active or checkpoint_id in walked:
                break
            walked.add(checkpoint_id)
            for ch in active:
                chains[ch].append(checkpoint_id)
            values = self.decode_checkpoint(thread_id, type_, blob)["channel_values"]
            for ch in [ch for ch in active if ch in values]:
                seeds[ch] = values[ch]
                active.discard(ch)
        cursor.close()
        rows_by_checkpoint: dict[tuple[str, str], list[tuple[Any, ...]]] = {}
        for ch, chain in chains.items():
            for chunk in _chunks(chain):
                for checkpoint_id, *row in self.conn.execute(
                    f"SELECT checkpoint_id, {WRITE_COLUMNS} FROM writes WHERE thread_id = ? AND "
                    f"checkpoint_ns = ? AND channel = ? AND checkpoint_id IN ({','.join('?' * len(chunk))})",
                    (thread_id, ns, ch, *chunk),
                ):
                    rows_by_checkpoint.setdefault((ch, checkpoint_id), []).append(tuple(row))
        history: dict[str, DeltaChannelHistory] = {}
        for ch, chain in chains.items():
            rows = [
                row
                for cid in reversed(chain)
                for row in _in_order(rows_by_checkpoint.get((ch, cid), []))
            ]
            entry: DeltaChannelHistory = {
                "writes": self._decode_writes(thread_id, rows, ordered=True)
            }
            if ch in seeds:
                entry["seed"] = seeds[ch]
            history[ch] = entry
        return history

    def decode_checkpoint(self, thread_id: str, type_: str, blob: bytes) -> Checkpoint:
        if type_ != CHECKPOINT_REFS:
            return self.serde.loads_typed((type_, blob))
        checkpoint = self.serde.loads_typed(("msgpack", blob))
        values = checkpoint["channel_values"]
        refs = {k: split_refs(v.value[REFS_KEY]) for k, v in values.items() if _is_refs_snapshot(v)}
        messages = self._load(thread_id, [d for digests in refs.values() for d in digests])
        for k, digests in refs.items():
            values[k] = _DeltaSnapshot([messages[d] for d in digests])
        return checkpoint

    def _decode_writes(
        self, thread_id: str, rows: Sequence[tuple[Any, ...]], *, ordered: bool = False
    ) -> list[PendingWrite]:
        """Rows of (task_id, channel, type, value, task_path, idx) as pending writes, in order."""
        rows = rows if ordered else _in_order(rows)
        digests = [
            d for row in rows if row[2] in (REFS, OVERWRITE_REFS) for d in split_refs(row[3])
        ]
        messages = self._load(thread_id, digests)
        writes: list[PendingWrite] = []
        for task_id, channel, type_, blob, *_ in rows:
            if type_ in (REFS, OVERWRITE_REFS):
                value: Any = [messages[d] for d in split_refs(blob)]
                writes.append(
                    (task_id, channel, Overwrite(value) if type_ == OVERWRITE_REFS else value)
                )
            else:
                writes.append((task_id, channel, self.serde.loads_typed((type_, blob))))
        return writes

    def _load(self, thread_id: str, digests: Sequence[bytes]) -> dict[bytes, BaseMessage]:
        wanted = list(dict.fromkeys(digests))
        found: dict[bytes, BaseMessage] = {}
        for chunk in _chunks(wanted):
            for digest, type_, blob in self.conn.execute(
                "SELECT hash, type, blob FROM ml_intern_messages WHERE thread_id = ? AND hash IN "
                f"({','.join('?' * len(chunk))})",
                (thread_id, *chunk),
            ):
                found[digest] = message = self.serde.loads_typed((type_, blob))
                self._remember(message, digest)
        if missing := [d.hex() for d in wanted if d not in found]:
            raise LookupError(
                f"Thread {thread_id} refers to {len(missing)} message(s) missing from "
                f"{self.path} (first: {missing[0]}); the database was damaged or edited."
            )
        return found


def _config(thread_id: str, ns: str, checkpoint_id: str) -> RunnableConfig:
    return {
        "configurable": {
            "thread_id": thread_id,
            "checkpoint_ns": ns,
            "checkpoint_id": checkpoint_id,
        }
    }


def _is_messages(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(m, BaseMessage) for m in value)


def _is_snapshot_of_messages(value: Any) -> bool:
    return isinstance(value, _DeltaSnapshot) and _is_messages(value.value)


def _is_refs_snapshot(value: Any) -> bool:
    return (
        isinstance(value, _DeltaSnapshot)
        and isinstance(value.value, dict)
        and REFS_KEY in value.value
    )


def split_refs(blob: bytes) -> list[bytes]:
    return [blob[i : i + HASH_SIZE] for i in range(0, len(blob), HASH_SIZE)]


def _chunks(items: Sequence[T]) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]


def _in_order(rows: Sequence[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """Writes of one checkpoint in the order the loop applied them (`writes_sort_key`)."""
    return sorted(rows, key=lambda r: writes_sort_key(r[4], r[0], r[5]))


def _busy(error: sqlite3.OperationalError) -> bool:
    text = str(error)
    return "locked" in text or "busy" in text
