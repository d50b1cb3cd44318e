"""`threads prune` on PostgreSQL: what it does on SQLite (store/saver_maintenance.py).

LangGraph's own `aprune(strategy="keep_latest")` refuses threads with a DeltaChannel, as
the agent's messages are. This keeps the newest `keep` checkpoints of each namespace and
the one undo forks from (with its parent); a survivor whose parent goes gets its messages
stored in it as a snapshot, in LangGraph's own form (an inline `true` and a blob), so the
thread reads back exactly as before; then the other checkpoints go, with their writes and
the blobs no checkpoint names any more. Each thread in one transaction, under its run lock:
a thread running somewhere is left alone and named.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from compat.langgraph import DeltaSnapshot
from store.saver_maintenance import cut_loose, kept_checkpoints
from store.thread_lock import ThreadBusyError, ThreadLock

TABLES = ("checkpoints", "checkpoint_blobs", "checkpoint_writes")
SIZE = "SELECT " + " + ".join(f"pg_total_relation_size('{t}')" for t in TABLES) + " AS bytes"
UNNAMED_BLOBS = """
DELETE FROM checkpoint_blobs b WHERE b.thread_id = %s AND NOT EXISTS (
    SELECT 1 FROM checkpoints c WHERE c.thread_id = b.thread_id
    AND c.checkpoint_ns = b.checkpoint_ns
    AND c.checkpoint -> 'channel_versions' ->> b.channel = b.version)
"""
SNAPSHOT_BLOB = """
INSERT INTO checkpoint_blobs (thread_id, checkpoint_ns, channel, version, type, blob)
VALUES (%s, %s, %s, %s, %s, %s)
ON CONFLICT (thread_id, checkpoint_ns, channel, version)
DO UPDATE SET type = EXCLUDED.type, blob = EXCLUDED.blob
"""
REBASE = """
UPDATE checkpoints SET parent_checkpoint_id = NULL,
    checkpoint = jsonb_set(checkpoint, ARRAY['channel_values', %s], 'true'::jsonb)
WHERE thread_id = %s AND checkpoint_ns = %s AND checkpoint_id = %s
"""
WHERE = "WHERE thread_id = %s AND checkpoint_ns = %s AND checkpoint_id = ANY(%s)"


async def thread_ids(saver: Any) -> list[str]:
    async with saver.conn.connection() as conn:
        rows = await (await conn.execute("SELECT DISTINCT thread_id FROM checkpoints")).fetchall()
    return sorted(row["thread_id"] for row in rows)


async def database_bytes(saver: Any) -> int:
    async with saver.conn.connection() as conn:
        return int((await (await conn.execute(SIZE)).fetchone())["bytes"])


async def vacuum(saver: Any) -> bool:
    """VACUUM the tables (space for reuse; only VACUUM FULL gives it back to the disk);
    False when this role may not."""
    import psycopg

    try:
        async with saver.conn.connection() as conn:
            await conn.execute(f"VACUUM {', '.join(TABLES)}")
    except psycopg.Error:
        return False
    return True


async def prune_locked(
    saver: Any, home: Path, thread_id: str, keep: int, specs: Mapping[str, Any]
) -> int | None:
    """Checkpoints dropped from the thread; None when something runs it (it is left alone)."""
    lock = ThreadLock(home, thread_id)
    try:
        lock.acquire()
    except ThreadBusyError:
        return None
    try:
        return await prune_thread(saver, thread_id, keep, specs)
    finally:
        lock.release()


async def prune_thread(saver: Any, thread_id: str, keep: int, specs: Mapping[str, Any]) -> int:
    """Drop all but what `kept_checkpoints` keeps in each namespace; how many went."""
    async with saver.conn.connection() as conn:
        rows = await (
            await conn.execute(
                "SELECT checkpoint_ns, checkpoint_id, parent_checkpoint_id, metadata "
                "FROM checkpoints WHERE thread_id = %s ORDER BY checkpoint_id DESC",
                (thread_id,),
            )
        ).fetchall()
    namespaces: dict[str, list[tuple[str, str | None, Any]]] = {}
    for row in rows:
        namespaces.setdefault(row["checkpoint_ns"], []).append(
            (row["checkpoint_id"], row["parent_checkpoint_id"], row["metadata"])
        )
    plans = []
    for ns, chain in namespaces.items():
        kept = kept_checkpoints(chain, keep)
        parents = {cid: parent for cid, parent, _ in chain}
        snapshots = [
            snapshot
            for cid in cut_loose(kept, parents)
            for snapshot in await snapshots_of(saver, thread_id, ns, cid, specs)
        ]
        plans.append((ns, [cid for cid in parents if cid not in kept], snapshots))
    async with saver.conn.connection() as conn, conn.transaction(), conn.cursor() as cur:
        for ns, dropped, snapshots in plans:
            for cid, channel, version, (type_, blob) in snapshots:
                await cur.execute(SNAPSHOT_BLOB, (thread_id, ns, channel, version, type_, blob))
                await cur.execute(REBASE, (channel, thread_id, ns, cid))
            await cur.execute(f"DELETE FROM checkpoint_writes {WHERE}", (thread_id, ns, dropped))
            await cur.execute(f"DELETE FROM checkpoints {WHERE}", (thread_id, ns, dropped))
        await cur.execute(UNNAMED_BLOBS, (thread_id,))
    return sum(len(dropped) for _, dropped, _ in plans)


async def snapshots_of(
    saver: Any, thread_id: str, ns: str, checkpoint_id: str, specs: Mapping[str, Any]
) -> Sequence[tuple[str, str, str, tuple[str, bytes]]]:
    """(checkpoint, channel, version, serialized snapshot) of each delta channel of the
    checkpoint, its value rebuilt from the history about to be dropped."""
    config = {"configurable": {"thread_id": thread_id, "checkpoint_ns": ns,
                               "checkpoint_id": checkpoint_id}}  # fmt: skip
    found = await saver.aget_tuple(config)
    if found is None:
        return []
    versions = found.checkpoint["channel_versions"]
    missing = [k for k in specs if k in versions]
    history = await saver.aget_delta_channel_history(config=config, channels=missing)
    snapshots = []
    for k in missing:
        channel = specs[k].from_checkpoint(
            history[k].get("seed", DeltaSnapshot(specs[k].ValueType()))
        )
        channel.replay_writes(history[k]["writes"])
        serialized = saver.serde.dumps_typed(DeltaSnapshot(channel.get()))
        snapshots.append((checkpoint_id, k, str(versions[k]), serialized))
    return snapshots


async def prune_all(
    saver: Any, home: Path, wanted: Sequence[str] | None, keep: int, specs: Mapping[str, Any]
) -> tuple[int, int, list[str], int, int, bool]:
    """(threads, checkpoints dropped, threads left alone as running, bytes before, after,
    vacuumed) for the `wanted` threads (None: every thread)."""
    threads = list(wanted) if wanted is not None else await thread_ids(saver)
    before = await database_bytes(saver)
    deleted, busy = 0, []
    for thread_id in threads:
        dropped = await prune_locked(saver, home, thread_id, keep, specs)
        if dropped is None:
            busy.append(thread_id)
        deleted += dropped or 0
    vacuumed = await vacuum(saver)
    return len(threads) - len(busy), deleted, busy, before, await database_bytes(saver), vacuumed
