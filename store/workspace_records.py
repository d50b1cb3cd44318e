"""The workspace record's tables: file contents by hash, what each tool call changed, and the
last scan of each workspace. Plain SQL both databases speak, like the thread index.

Contents are stored once per distinct content (sha256, zlib), whichever step or thread
wrote them, so an unchanged file is never stored twice. A call's row holds only the paths
it changed, each with its entry before and after (store/workspace_tree.py).
"""

from __future__ import annotations

import json
import time
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from store.sqlite_file import SharedConnection
from store.workspace_entry import Entry, Manifest

SCHEMA = """
CREATE TABLE IF NOT EXISTS ml_intern_blobs (
    digest TEXT PRIMARY KEY,
    size INTEGER NOT NULL,
    data BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS ml_intern_workspace_changes (
    thread_id TEXT NOT NULL,
    call_id TEXT NOT NULL,
    seq REAL NOT NULL,
    root TEXT NOT NULL,
    changes BLOB NOT NULL,
    reverted INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS ml_intern_workspace_changes_thread
    ON ml_intern_workspace_changes (thread_id, call_id);
CREATE TABLE IF NOT EXISTS ml_intern_workspace_scans (
    root TEXT PRIMARY KEY,
    manifest BLOB NOT NULL,
    updated_at REAL NOT NULL
);
"""
# On PostgreSQL the same tables come from store/postgres_schema.py's migration 3.

Change = tuple[str, Entry | None, Entry | None]


@dataclass(frozen=True)
class CallChanges:
    """One tool call's changes to one workspace."""

    call_id: str
    root: str
    changes: list[Change]
    seq: float


def pack(value: object) -> bytes:
    return zlib.compress(json.dumps(value, separators=(",", ":")).encode(), 1)


def unpack(data: bytes | memoryview) -> object:
    return json.loads(zlib.decompress(bytes(data)))


class WorkspaceRecords(SharedConnection):
    """The three tables on the thread database (SQLite file or ML_INTERN_DATABASE_URL)."""

    SCHEMA = SCHEMA

    # -- contents ------------------------------------------------------------

    def put_blob(self, digest: str, content: bytes) -> None:
        with self._db() as db:
            db.execute(
                "INSERT INTO ml_intern_blobs (digest, size, data) VALUES (?, ?, ?) "
                "ON CONFLICT(digest) DO NOTHING",
                (digest, len(content), zlib.compress(content, 1)),
            )

    def has_blobs(self, digests: Iterable[str]) -> set[str]:
        wanted = sorted(set(digests))
        found: set[str] = set()
        with self._db() as db:
            for start in range(0, len(wanted), 500):
                part = wanted[start : start + 500]
                marks = ",".join("?" * len(part))
                rows = db.execute(
                    f"SELECT digest FROM ml_intern_blobs WHERE digest IN ({marks})", part
                ).fetchall()
                found.update(row[0] for row in rows)
        return found

    def blob(self, digest: str) -> bytes | None:
        with self._db() as db:
            row = db.execute(
                "SELECT data FROM ml_intern_blobs WHERE digest = ?", (digest,)
            ).fetchone()
        return None if row is None else zlib.decompress(bytes(row[0]))

    # -- what calls changed --------------------------------------------------

    def add_changes(self, thread_id: str, call_id: str, root: str, changes: list[Change]) -> None:
        rows = [[path, _json(b), _json(a)] for path, b, a in changes]
        with self._db() as db:
            db.execute(
                "INSERT INTO ml_intern_workspace_changes (thread_id, call_id, seq, root, changes)"
                " VALUES (?, ?, ?, ?, ?)",
                (thread_id, call_id, time.time(), root, pack(rows)),
            )

    def changes_of(self, thread_id: str, call_ids: Sequence[str]) -> list[CallChanges]:
        """The rows not yet reverted for these calls, oldest first."""
        found: list[CallChanges] = []
        with self._db() as db:
            for start in range(0, len(call_ids), 500):
                part = list(call_ids[start : start + 500])
                marks = ",".join("?" * len(part))
                rows = db.execute(
                    "SELECT call_id, root, changes, seq FROM ml_intern_workspace_changes"
                    f" WHERE thread_id = ? AND reverted = 0 AND call_id IN ({marks})",
                    (thread_id, *part),
                ).fetchall()
                found += [CallChanges(r[0], r[1], _changes(unpack(r[2])), r[3]) for r in rows]
        return sorted(found, key=lambda row: row.seq)

    def recorded(self, thread_id: str, call_ids: Sequence[str]) -> set[str]:
        """Which of these calls have a record (reverted or not)."""
        found: set[str] = set()
        with self._db() as db:
            for start in range(0, len(call_ids), 500):
                part = list(call_ids[start : start + 500])
                marks = ",".join("?" * len(part))
                rows = db.execute(
                    "SELECT DISTINCT call_id FROM ml_intern_workspace_changes"
                    f" WHERE thread_id = ? AND call_id IN ({marks})",
                    (thread_id, *part),
                ).fetchall()
                found.update(row[0] for row in rows)
        return found

    def mark_reverted(self, thread_id: str, call_ids: Sequence[str]) -> None:
        with self._db() as db:
            for call_id in call_ids:
                db.execute(
                    "UPDATE ml_intern_workspace_changes SET reverted = 1"
                    " WHERE thread_id = ? AND call_id = ?",
                    (thread_id, call_id),
                )

    def copy_thread(self, source: str, target: str, *, root: str | None = None) -> None:
        """A fork's copy of its source's rows (contents are shared, not copied); `root`: the
        fork works in another folder."""
        with self._db() as db:
            db.execute(
                "INSERT INTO ml_intern_workspace_changes"
                " (thread_id, call_id, seq, root, changes, reverted)"
                " SELECT ?, call_id, seq, COALESCE(?, root), changes, reverted"
                " FROM ml_intern_workspace_changes WHERE thread_id = ?",
                (target, root, source),
            )

    def delete_thread(self, thread_id: str) -> None:
        with self._db() as db:
            db.execute("DELETE FROM ml_intern_workspace_changes WHERE thread_id = ?", (thread_id,))

    def collect_garbage(self) -> tuple[int, int]:
        """Delete contents no call's record and no last scan refers to (those of deleted
        threads); returns (contents deleted, their compressed bytes)."""
        used: set[str] = set()
        with self._db() as db:
            for (changes,) in db.execute("SELECT changes FROM ml_intern_workspace_changes"):
                for _path, before, after in unpack(changes):  # type: ignore[misc]
                    used.update(e[5] for e in (before, after) if e and e[5])
            for (manifest,) in db.execute("SELECT manifest FROM ml_intern_workspace_scans"):
                used.update(e[5] for e in unpack(manifest).values() if e[5])  # type: ignore[attr-defined]
            stored = db.execute("SELECT digest, length(data) FROM ml_intern_blobs").fetchall()
            unused = [(digest, size) for digest, size in stored if digest not in used]
            for digest, _size in unused:
                db.execute("DELETE FROM ml_intern_blobs WHERE digest = ?", (digest,))
        return len(unused), sum(size for _, size in unused)

    # -- the last scan of each workspace ---------------------------------------

    def scan_of(self, root: str) -> Manifest:
        with self._db() as db:
            row = db.execute(
                "SELECT manifest FROM ml_intern_workspace_scans WHERE root = ?", (root,)
            ).fetchone()
        if row is None:
            return {}
        loaded = unpack(row[0])
        assert isinstance(loaded, dict)
        return {path: Entry(*value) for path, value in loaded.items()}

    def save_scan(self, root: str, manifest: Manifest) -> None:
        data = pack({path: entry.to_json() for path, entry in manifest.items()})
        with self._db() as db:
            db.execute(
                "INSERT INTO ml_intern_workspace_scans (root, manifest, updated_at)"
                " VALUES (?, ?, ?) ON CONFLICT(root) DO UPDATE SET"
                " manifest = excluded.manifest, updated_at = excluded.updated_at",
                (root, data, time.time()),
            )


def _json(entry: Entry | None) -> list[object] | None:
    return None if entry is None else entry.to_json()


def _changes(rows: object) -> list[Change]:
    assert isinstance(rows, list)
    return [(path, Entry.from_json(b), Entry.from_json(a)) for path, b, a in rows]
