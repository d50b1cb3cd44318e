"""How messages are stored once: references in writes and snapshots, rows in a message table.

The encoding half of `MessageStoreSaver` (store/message_store.py): a write of messages
or a `DeltaChannel` snapshot becomes 16-byte hashes of the serialised messages, which
go to `ml_intern_messages` once per thread; decoding loads them back.
"""

from __future__ import annotations

import hashlib
import sqlite3
import weakref
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from langchain_core.messages import BaseMessage
from langgraph.checkpoint.base import Checkpoint, PendingWrite, writes_sort_key
from langgraph.checkpoint.serde.base import SerializerProtocol
from langgraph.types import Overwrite

from compat.langgraph import DeltaSnapshot

REFS = "ml_intern/refs"  # a write: list of messages
OVERWRITE_REFS = "ml_intern/refs+overwrite"  # a write: Overwrite(list of messages)
CHECKPOINT_REFS = "ml_intern/msgpack+refs"  # a checkpoint whose message snapshots are references
REFS_KEY = "__ml_intern_message_refs__"
HASH_SIZE = 16
CHUNK = 500  # bound parameters per IN (...)


class MessageCodec:
    """Mixed into the saver: it provides `serde`, `conn`, `path` and `_digests`."""

    serde: SerializerProtocol
    conn: sqlite3.Connection
    path: Path
    _digests: dict[int, tuple[weakref.ref[BaseMessage], bytes]]

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
            replaced[k] = DeltaSnapshot({REFS_KEY: b"".join(digests)})
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

    def decode_checkpoint(self, thread_id: str, type_: str, blob: bytes) -> Checkpoint:
        if type_ != CHECKPOINT_REFS:
            return self.serde.loads_typed((type_, blob))
        checkpoint = self.serde.loads_typed(("msgpack", blob))
        values = checkpoint["channel_values"]
        refs = {k: split_refs(v.value[REFS_KEY]) for k, v in values.items() if _is_refs_snapshot(v)}
        messages = self._load(thread_id, [d for digests in refs.values() for d in digests])
        for k, digests in refs.items():
            values[k] = DeltaSnapshot([messages[d] for d in digests])
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


def _is_messages(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(m, BaseMessage) for m in value)


def _is_snapshot_of_messages(value: Any) -> bool:
    return isinstance(value, DeltaSnapshot) and _is_messages(value.value)


def _is_refs_snapshot(value: Any) -> bool:
    return (
        isinstance(value, DeltaSnapshot)
        and isinstance(value.value, dict)
        and REFS_KEY in value.value
    )


def split_refs(blob: bytes) -> list[bytes]:
    return [blob[i : i + HASH_SIZE] for i in range(0, len(blob), HASH_SIZE)]


def _chunks[T](items: Sequence[T]) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]


def _in_order(rows: Sequence[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """Writes of one checkpoint in the order the loop applied them (`writes_sort_key`)."""
    return sorted(rows, key=lambda r: writes_sort_key(r[4], r[0], r[5]))
