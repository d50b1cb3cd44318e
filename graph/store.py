"""The SQLite checkpointer every thread lives in, set up for safety under kill -9.

One file, `$ML_INTERN_HOME/threads.sqlite`: LangGraph's checkpoint tables, the
message table of `MessageStoreSaver` (each message stored once) and the thread
index. WAL with synchronous=NORMAL: a put is committed before the graph moves on,
so a crash loses at most the step in flight.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
import sys
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from configs.environment import ml_intern_home
from graph.message_codec import CHECKPOINT_REFS, OVERWRITE_REFS, REFS, REFS_KEY, split_refs
from graph.message_store import MessageStoreSaver
from graph.thread_index import BUSY_TIMEOUT_MS

DB_NAME = "threads.sqlite"
# The checkpoint `Session.undo` forks from is the parent of the last one that matches this.
USER_INPUT = {"source": "input", "ml_intern_turn": "user"}  # graph/session.py USER_TURN + input
DEFAULT_KEEP = 20


def default_db_path() -> Path:
    return ml_intern_home() / DB_NAME


@asynccontextmanager
async def open_checkpointer(
    path: Path | None = None, *, inline: bool | None = None
) -> AsyncIterator[MessageStoreSaver]:
    """The saver on `path` (WAL, synchronous=NORMAL, busy timeout); closed on exit.

    `inline` runs SQLite on the event loop's thread (fastest; the CLI). By default
    it is on, except inside a LangGraph server (`langgraph dev`), which rejects
    blocking calls on its loop: there SQLite runs on a worker thread.
    """
    path = path or default_db_path()
    if inline is None:
        inline = "langgraph_api" not in sys.modules
    if inline:
        saver = MessageStoreSaver(path, inline=True, busy_timeout_ms=BUSY_TIMEOUT_MS)
    else:
        saver = await asyncio.to_thread(
            MessageStoreSaver, path, inline=False, busy_timeout_ms=BUSY_TIMEOUT_MS
        )
    try:
        yield saver
    finally:
        if inline:
            saver.close()
        else:
            await asyncio.to_thread(saver.close)


@dataclass(frozen=True)
class PruneReport:
    threads: int
    checkpoints_deleted: int
    messages_deleted: int
    bytes_before: int
    bytes_after: int
    vacuumed: bool


def prune(*, keep: int = DEFAULT_KEEP, path: Path | None = None) -> PruneReport:
    """Prune every thread in the database (see `prune_thread`), then VACUUM once."""
    path = path or default_db_path()
    if not path.exists():
        return PruneReport(0, 0, 0, 0, 0, False)
    saver = MessageStoreSaver(path, busy_timeout_ms=BUSY_TIMEOUT_MS)
    try:
        threads = [r[0] for r in saver.conn.execute("SELECT DISTINCT thread_id FROM checkpoints")]
    finally:
        saver.close()
    return prune_thread(*threads, keep=keep, path=path)


def prune_thread(
    *thread_ids: str, keep: int = DEFAULT_KEEP, path: Path | None = None
) -> PruneReport:
    """Drop all but the newest `keep` checkpoints of each thread, then VACUUM.

    Always kept as well: the checkpoint `undo` forks from (the parent of the last
    user message's input checkpoint), so the latest turn can still be undone. A
    kept checkpoint whose parent goes is rebased: its delta channels (the messages)
    are rebuilt from the history about to be dropped and stored in it as a snapshot
    (references to stored messages), so it reads back exactly as before. Messages
    nothing refers to any more are deleted.
    """
    if keep < 1:
        raise ValueError("keep must be at least 1: the latest checkpoint holds the thread's state")
    path = path or default_db_path()
    before = _file_bytes(path)
    saver = MessageStoreSaver(path, busy_timeout_ms=BUSY_TIMEOUT_MS)
    deleted = messages = 0
    try:
        specs = _delta_channel_specs()
        for thread_id in thread_ids:
            d, m = saver.sync_call(_prune_one, saver, str(thread_id), keep, specs)
            deleted, messages = deleted + d, messages + m
        vacuumed = _vacuum(saver.conn)
    finally:
        saver.close()
    return PruneReport(len(thread_ids), deleted, messages, before, _file_bytes(path), vacuumed)


def _prune_one(
    saver: MessageStoreSaver, thread_id: str, keep: int, specs: Mapping[str, Any]
) -> tuple[int, int]:
    db = saver.conn
    deleted = 0
    with saver.transaction():
        namespaces = [r[0] for r in db.execute(
            "SELECT DISTINCT checkpoint_ns FROM checkpoints WHERE thread_id = ?", (thread_id,)
        )]  # fmt: skip
        for ns in namespaces:
            rows = db.execute(
                "SELECT checkpoint_id, parent_checkpoint_id, metadata FROM checkpoints "
                "WHERE thread_id = ? AND checkpoint_ns = ? ORDER BY checkpoint_id DESC",
                (thread_id, ns),
            ).fetchall()
            parents = {cid: parent for cid, parent, _ in rows}
            kept = {cid for cid, _, _ in rows[:keep]}
            anchor = next((cid for cid, _, meta in rows if _matches(meta, USER_INPUT)), None)
            if anchor is not None:
                kept |= {anchor, parents[anchor]} - {None}
            rebased = [
                _rebased(saver, thread_id, ns, cid, specs)
                for cid in sorted(kept)
                if parents[cid] is not None and parents[cid] not in kept
            ]
            for cid, type_, blob in rebased:
                db.execute(
                    "UPDATE checkpoints SET type = ?, checkpoint = ?, parent_checkpoint_id = NULL "
                    "WHERE thread_id = ? AND checkpoint_ns = ? AND checkpoint_id = ?",
                    (type_, blob, thread_id, ns, cid),
                )
            dropped = [(thread_id, ns, cid) for cid in parents if cid not in kept]
            where = "WHERE thread_id = ? AND checkpoint_ns = ? AND checkpoint_id = ?"
            db.executemany(f"DELETE FROM checkpoints {where}", dropped)
            db.executemany(f"DELETE FROM writes {where}", dropped)
            deleted += len(dropped)
        messages = _drop_unreferenced_messages(saver, thread_id)
    return deleted, messages


def _rebased(
    saver: MessageStoreSaver, thread_id: str, ns: str, checkpoint_id: str, specs: Mapping[str, Any]
) -> tuple[str, str, bytes]:
    """The checkpoint with every delta channel it lacks stored in it as a snapshot."""
    from langgraph.checkpoint.serde.types import _DeltaSnapshot

    type_, blob = saver.conn.execute(
        "SELECT type, checkpoint FROM checkpoints WHERE thread_id = ? AND checkpoint_ns = ? "
        "AND checkpoint_id = ?",
        (thread_id, ns, checkpoint_id),
    ).fetchone()
    checkpoint = saver.decode_checkpoint(thread_id, type_, blob)
    values = checkpoint["channel_values"]
    missing = [k for k in specs if k in checkpoint["channel_versions"] and k not in values]
    config = {
        "configurable": {
            "thread_id": thread_id,
            "checkpoint_ns": ns,
            "checkpoint_id": checkpoint_id,
        }
    }
    history = saver.get_delta_channel_history(config=config, channels=missing)
    for k in missing:
        channel = specs[k].from_checkpoint(
            history[k].get("seed", _DeltaSnapshot(specs[k].ValueType()))
        )
        channel.replay_writes(history[k]["writes"])
        values[k] = _DeltaSnapshot(channel.get())
    rows: list[tuple[Any, ...]] = []
    cached: dict[bytes, Any] = {}
    type_, blob = saver.encode_checkpoint(thread_id, checkpoint, rows, cached)
    saver.conn.executemany(
        "INSERT OR IGNORE INTO ml_intern_messages VALUES (?, ?, ?, ?)",
        [*rows, *saver.missing_rows(thread_id, cached)],
    )
    return checkpoint_id, type_, blob


def _drop_unreferenced_messages(saver: MessageStoreSaver, thread_id: str) -> int:
    db = saver.conn
    referenced: set[bytes] = set()
    for (value,) in db.execute(
        "SELECT value FROM writes WHERE thread_id = ? AND type IN (?, ?)",
        (thread_id, REFS, OVERWRITE_REFS),
    ):
        referenced.update(split_refs(value))
    for (blob,) in db.execute(
        "SELECT checkpoint FROM checkpoints WHERE thread_id = ? AND type = ?",
        (thread_id, CHECKPOINT_REFS),
    ):
        for value in saver.serde.loads_typed(("msgpack", blob))["channel_values"].values():
            refs = getattr(value, "value", None)
            if isinstance(refs, dict) and isinstance(refs.get(REFS_KEY), bytes):
                referenced.update(split_refs(refs[REFS_KEY]))
    stored = [
        r[0]
        for r in db.execute("SELECT hash FROM ml_intern_messages WHERE thread_id = ?", (thread_id,))
    ]
    unused = [(thread_id, digest) for digest in stored if digest not in referenced]
    db.executemany("DELETE FROM ml_intern_messages WHERE thread_id = ? AND hash = ?", unused)
    return len(unused)


def _delta_channel_specs() -> dict[str, Any]:
    """The DeltaChannels of the agent's state (the messages), by name."""
    from langgraph.channels.delta import DeltaChannel
    from langgraph.graph import StateGraph

    from graph.state import AgentState

    channels = StateGraph(AgentState).channels
    return {name: ch for name, ch in channels.items() if isinstance(ch, DeltaChannel)}


def _matches(metadata: bytes | None, wanted: Mapping[str, Any]) -> bool:
    meta = json.loads(metadata) if metadata else {}
    return all(meta.get(k) == v for k, v in wanted.items())


def _vacuum(conn: sqlite3.Connection) -> bool:
    """VACUUM and shrink the WAL; False when another connection is busy with the file."""
    try:
        conn.execute("VACUUM")
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    except sqlite3.OperationalError:
        return False
    return True


def _file_bytes(path: Path) -> int:
    return sum(p.stat().st_size for p in (path, path.with_name(path.name + "-wal")) if p.exists())
