"""What LangGraph's beta `get_delta_channel_history` returns, read from the saver's tables.

For each DeltaChannel: the nearest stored value (the seed) on the way back from a
checkpoint through its ancestors, and the channel's writes after it, oldest first.
"""

from __future__ import annotations

from typing import Any

from langchain_core.runnables import RunnableConfig
from langgraph.checkpoint.base import get_checkpoint_id

from compat.langgraph import DeltaChannelHistory
from store.message_codec import _chunks, _in_order

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
WRITE_COLUMNS = "task_id, channel, type, value, task_path, idx"


def delta_history(
    saver: Any, config: RunnableConfig, channels: list[str]
) -> dict[str, DeltaChannelHistory]:
    """The writes of `channels` from their nearest stored value (seed) up to `config`."""
    if not channels:
        return {}
    conf = config["configurable"]
    thread_id, ns = str(conf["thread_id"]), conf.get("checkpoint_ns", "")
    target = (
        get_checkpoint_id(config)
        or saver.conn.execute(
            "SELECT max(checkpoint_id) FROM checkpoints WHERE thread_id = ? AND checkpoint_ns = ?",
            (thread_id, ns),
        ).fetchone()[0]
    )
    chains: dict[str, list[str]] = {ch: [] for ch in channels}
    seeds: dict[str, Any] = {}
    active, walked = set(channels), set()
    cursor = saver.conn.execute(ANCESTORS, (thread_id, ns, target, thread_id, ns))
    for checkpoint_id, type_, blob in cursor:
        if checkpoint_id == target and not walked:
            walked.add(checkpoint_id)  # the target's own writes are pending, not history
            continue
        if not active or checkpoint_id in walked:
            break
        walked.add(checkpoint_id)
        for ch in active:
            chains[ch].append(checkpoint_id)
        values = saver.decode_checkpoint(thread_id, type_, blob)["channel_values"]
        for ch in [ch for ch in active if ch in values]:
            seeds[ch] = values[ch]
            active.discard(ch)
    cursor.close()
    rows_by_checkpoint: dict[tuple[str, str], list[tuple[Any, ...]]] = {}
    for ch, chain in chains.items():
        for chunk in _chunks(chain):
            for checkpoint_id, *row in saver.conn.execute(
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
        entry: DeltaChannelHistory = {"writes": saver._decode_writes(thread_id, rows, ordered=True)}
        if ch in seeds:
            entry["seed"] = seeds[ch]
        history[ch] = entry
    return history
