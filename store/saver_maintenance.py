"""Whole-thread operations on the saver's tables: copy, delete by run, prune.

They run inside the saver's lock (`sync_call`), each in one transaction, and know about
DeltaChannels: a copy takes the whole parent chain, and pruning rebuilds the messages of a
surviving checkpoint whose ancestors go and stores them in it as a snapshot, so the thread
reads back exactly as before. Messages nothing refers to any more are deleted.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from typing import Any, Protocol

from compat.langgraph import DeltaChannel, DeltaSnapshot, messages_delta_reducer
from store.message_codec import CHECKPOINT_REFS, OVERWRITE_REFS, REFS, REFS_KEY, split_refs

# The checkpoint `Session.undo` forks from is the parent of the last one that matches this.
USER_INPUT = {"source": "input", "ml_intern_turn": "user"}  # graph/session.py USER_TURN + input
TABLES = ("checkpoints", "writes", "ml_intern_messages")


class Saver(Protocol):
    """What these operations use of `MessageStoreSaver`."""

    conn: sqlite3.Connection
    serde: Any

    def transaction(self) -> AbstractContextManager[sqlite3.Connection]: ...
    def decode_checkpoint(self, thread_id: str, type_: str, blob: bytes) -> Any: ...
    def encode_checkpoint(self, thread_id: str, checkpoint: Any, rows: Any, cached: Any) -> Any: ...
    def missing_rows(self, thread_id: str, cached: Any) -> Iterator[tuple[Any, ...]]: ...
    def get_delta_channel_history(self, *, config: Any, channels: Sequence[str]) -> Any: ...


def copy_thread_rows(saver: Saver, source: str, target: str) -> None:
    """Every checkpoint, write and stored message of `source`, under `target` (replacing it)."""
    with saver.transaction() as db:
        for table in TABLES:
            db.execute(f"DELETE FROM {table} WHERE thread_id = ?", (target,))
            columns = [row[1] for row in db.execute(f"PRAGMA table_info({table})")]
            others = ", ".join(c for c in columns if c != "thread_id")
            db.execute(
                f"INSERT INTO {table} (thread_id, {others}) "
                f"SELECT ?, {others} FROM {table} WHERE thread_id = ?",
                (target, source),
            )


def delete_run_rows(saver: Saver, run_ids: Sequence[str]) -> None:
    """The checkpoints made by these runs and their writes; then unreferenced messages."""
    wanted = {str(r) for r in run_ids}
    if not wanted:
        return
    with saver.transaction() as db:
        doomed = [
            (thread_id, ns, cid)
            for thread_id, ns, cid, meta in db.execute(
                "SELECT thread_id, checkpoint_ns, checkpoint_id, metadata FROM checkpoints"
            )
            if meta and json.loads(meta).get("run_id") in wanted
        ]
        where = "WHERE thread_id = ? AND checkpoint_ns = ? AND checkpoint_id = ?"
        db.executemany(f"DELETE FROM checkpoints {where}", doomed)
        db.executemany(f"DELETE FROM writes {where}", doomed)
        for thread_id in sorted({t for t, _, _ in doomed}):
            drop_unreferenced_messages(saver, thread_id)


def prune_thread_rows(
    saver: Saver, thread_id: str, keep: int, specs: Mapping[str, Any], *, keep_undo: bool = True
) -> tuple[int, int]:
    """Drop all but the newest `keep` checkpoints per namespace (and, with `keep_undo`, the
    checkpoint undo forks from), rebasing survivors whose parent goes; (checkpoints, messages)."""
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
            kept = kept_checkpoints(rows, keep, keep_undo=keep_undo)
            rebased = [
                _rebased(saver, thread_id, ns, cid, specs) for cid in cut_loose(kept, parents)
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
        messages = drop_unreferenced_messages(saver, thread_id)
    return deleted, messages


def kept_checkpoints(
    rows: Sequence[tuple[str, str | None, Any]], keep: int, *, keep_undo: bool = True
) -> set[str]:
    """What pruning keeps of one namespace's (id, parent, metadata) rows, newest first: the
    newest `keep`, and (with `keep_undo`) the checkpoint undo forks from and its parent."""
    parents = {cid: parent for cid, parent, _ in rows}
    kept = {cid for cid, _, _ in rows[:keep]}
    anchor = branch_user_input(rows) if keep_undo else None
    if anchor is not None:
        kept |= {anchor, parents[anchor]} - {None}
    return kept


def cut_loose(kept: set[str], parents: Mapping[str, str | None]) -> list[str]:
    """The kept checkpoints whose parent goes: each must hold its delta channels itself."""
    return [cid for cid in sorted(kept) if parents[cid] is not None and parents[cid] not in kept]


def _rebased(
    saver: Saver, thread_id: str, ns: str, checkpoint_id: str, specs: Mapping[str, Any]
) -> tuple[str, str, bytes]:
    """The checkpoint with every delta channel it lacks stored in it as a snapshot."""
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
            history[k].get("seed", DeltaSnapshot(specs[k].ValueType()))
        )
        channel.replay_writes(history[k]["writes"])
        values[k] = DeltaSnapshot(channel.get())
    rows: list[tuple[Any, ...]] = []
    cached: dict[bytes, Any] = {}
    type_, blob = saver.encode_checkpoint(thread_id, checkpoint, rows, cached)
    saver.conn.executemany(
        "INSERT OR IGNORE INTO ml_intern_messages VALUES (?, ?, ?, ?)",
        [*rows, *saver.missing_rows(thread_id, cached)],
    )
    return checkpoint_id, type_, blob


def drop_unreferenced_messages(saver: Saver, thread_id: str) -> int:
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


def messages_channel() -> DeltaChannel:
    """The channel `AgentState.messages` is declared with: each step's new messages only."""
    return DeltaChannel(messages_delta_reducer)


def delta_channel_specs() -> dict[str, Any]:
    """The DeltaChannels of the agent's state, by name (graph/state.py declares them with these)."""
    return {"messages": messages_channel()}


def branch_user_input(rows: Sequence[tuple[str, str | None, bytes | None]]) -> str | None:
    """The newest user-input checkpoint on the head's own branch, from (id, parent, metadata) rows.

    The head is the newest checkpoint; an undone branch's user inputs are newer than the head's
    ancestors but are not among them, so a second undo must not pick them. Where pruning cut the
    chain (a parent dropped, or rebased to none), the walk goes on from the newest older one kept.
    """
    if not rows:
        return None
    parents = {cid: (parent, meta) for cid, parent, meta in rows}
    cid: str | None = max(parents)
    while cid is not None:
        parent, meta = parents[cid]
        if _matches(meta, USER_INPUT):
            return cid
        cid = parent if parent in parents else max((c for c in parents if c < cid), default=None)
    return None


def _matches(metadata: bytes | str | Mapping[str, Any] | None, wanted: Mapping[str, Any]) -> bool:
    meta = metadata if isinstance(metadata, Mapping) else json.loads(metadata or "{}")
    return all(meta.get(k) == v for k, v in wanted.items())
