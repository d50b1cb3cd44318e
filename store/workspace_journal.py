"""The workspace record: what each tool call changed, kept so undo can put the files back.

`execute_tools` asks `recording(...)` around every call. A tool that names its paths
(`write`, `edit`) has just those paths read before and after; a tool that runs programs
(`bash`, a kernel) has the workspace scanned before and after, compared by stat, and only
what changed is hashed and stored. The scan before a call also catches what changed since
the last one (the user typing, another program), so the content a call replaced is always
the content that was really there. Blocking: call it off the event loop.
"""

from __future__ import annotations

import hashlib
import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from store.workspace_entry import Entry, Manifest, changed, same_entry
from store.workspace_records import WorkspaceRecords
from store.workspace_tree import TooManyFiles, Tree, TreeRules
from store.workspace_watch import FolderWatch

if TYPE_CHECKING:
    from configs.undo_settings import UndoSettings

SAVE_EVERY_S = 5.0  # the last scan is written to the database at most this often (and at close)


@dataclass(frozen=True)
class Recording:
    """A call being recorded: for a tool that names its paths, their entries before it."""

    thread_id: str
    call_id: str
    tree: Tree
    before: dict[str, Entry | None] | None  # None: the whole tree was scanned


class WorkspaceJournal:
    """Records calls' changes for every workspace one process works in."""

    def __init__(self, records: WorkspaceRecords, rules: TreeRules) -> None:
        self.records = records
        self.rules = rules
        self._lock = threading.Lock()  # one scan-and-compare at a time per process
        self._trees: dict[str, Tree] = {}
        self._scans: dict[str, Manifest] = {}
        self._saved_at: dict[str, float] = {}
        self._dirty: set[str] = set()
        self._watches: dict[str, FolderWatch] = {}
        self._too_big: set[str] = set()

    def tree(self, root: Path) -> Tree:
        key = str(root)
        if key not in self._trees:
            self._trees[key] = Tree(root, self.rules)
        return self._trees[key]

    def start(
        self, effect: str, paths: list[str], *, thread_id: str, call_id: str, workspace: Path
    ) -> Recording | None:
        """Before one call: `effect` is the tool's `workspace_effect`, `paths` what it names."""
        if effect == "none":
            return None
        root = workspace.resolve()
        tree = self.tree(root)
        if effect == "paths":
            rels = [rel for path in paths if (rel := inside(root, path)) is not None]
            before = {rel: self._kept_entry(tree, rel) for rel in rels}
            return Recording(thread_id, call_id, tree, before)
        if str(root) in self._too_big:
            return None
        try:
            with self._lock:
                self._rescan(tree)
        except TooManyFiles:
            self._too_big.add(str(root))  # said once per process: undo names such calls
            return None
        return Recording(thread_id, call_id, tree, None)

    def finish(self, recording: Recording) -> None:
        """After the call (finished, failed or cancelled): its changes go into the record."""
        tree, root = recording.tree, str(recording.tree.root)
        if recording.before is not None:
            before = recording.before
            after = {rel: self._kept_entry(tree, rel) for rel in before}
            with self._lock:
                scan = self._scan_of(tree.root)
                for rel, entry in after.items():
                    if entry is None:
                        scan.pop(rel, None)
                    else:
                        scan[rel] = entry
                self._dirty.add(root)
            found = [(r, before[r], a) for r, a in after.items() if not same_entry(before[r], a)]
        else:
            with self._lock:
                previous = self._scans[root]
                now = self._rescan(tree)
                found = [] if now is previous else changed(previous, now)
        self.records.add_changes(recording.thread_id, recording.call_id, root, found)
        self._maybe_save(root)

    def forget_thread(self, thread_id: str) -> None:
        """A deleted thread's rows go (contents other threads share stay)."""
        self.records.delete_thread(thread_id)

    def copy_thread(self, source: str, target: str, root: Path | None = None) -> None:
        self.records.copy_thread(source, target, root=str(root.resolve()) if root else None)

    def forget_scan(self, root: Path) -> None:
        """After a restore wrote files: the next call scans them afresh."""
        with self._lock:
            self._scans.pop(str(root.resolve()), None)

    def close(self) -> None:
        """The last scans are written (the next process hashes only what changed since)."""
        for root in list(self._dirty):
            self._save(root)
        for watch in self._watches.values():
            watch.close()
        self.records.close()

    # -- internals -----------------------------------------------------------

    def _scan_of(self, root: Path) -> Manifest:
        key = str(root)
        if key not in self._scans:
            self._scans[key] = self.records.scan_of(key)
        return self._scans[key]

    def _rescan(self, tree: Tree) -> Manifest:
        """Scan now; every kept file's content is in the store when this returns."""
        known = self._scan_of(tree.root)
        scan = self._look(tree, known)
        if scan is known:
            return known  # nothing happened in the workspace
        fresh = {rel: e for rel, e in scan.items() if known.get(rel) is not e}
        if fresh or len(scan) != len(known):
            self._dirty.add(str(tree.root))
        if fresh:
            old = {e.digest for e in known.values() if e.digest}
            new = {rel: e for rel, e in fresh.items() if e.digest and e.digest not in old}
            stored = self.records.has_blobs(e.digest for e in new.values() if e.digest)
            for rel, entry in new.items():
                if entry.digest not in stored:
                    scan[rel] = self._store(tree, rel, entry)
        self._scans[str(tree.root)] = scan
        return scan

    def _look(self, tree: Tree, known: Manifest) -> Manifest:
        """The tree now: only the folders inotify saw change are listed again; the first look,
        or one after lost events, scans everything (twice the first time, so nothing changed
        between the scan and the watches is missed)."""
        key = str(tree.root)
        watch = self._watches.get(key)
        if watch is None:
            watch = self._watches[key] = FolderWatch(key)
            watch.watch([""])
            first = tree.scan(known)
            watch.watch([rel for rel, e in first.items() if e.kind == "d"])
            watch.changed()  # what the second scan sees anyway
            watch.scanned_all()
            return tree.scan(first)
        seen = watch.changed()
        if seen is None:
            scan = tree.scan(known)
            watch.watch([rel for rel, e in scan.items() if e.kind == "d"])
            watch.scanned_all()
            return scan
        dirty, born = seen
        if not dirty:
            return known
        scan, walked = tree.rescan(known, dirty, born)
        watch.watch(walked)
        return scan

    def _kept_entry(self, tree: Tree, rel: str) -> Entry | None:
        entry = tree.entry(rel, self._scans.get(str(tree.root)))
        if entry is not None and entry.digest:
            entry = self._store(tree, rel, entry)
        return entry

    def _store(self, tree: Tree, rel: str, entry: Entry) -> Entry:
        """Put a file's content in the store, read through the descriptor whose `fstat` is
        checked (never by name: the agent may have swapped the file for a symlink since it
        was hashed). If it changed since, the entry takes the hash of what was stored; if it is
        no longer a regular file within the limit, the entry says "not kept"."""
        found = tree.content(rel)
        if found is None:
            return Entry(entry.kind, entry.mode, entry.size, 0, entry.ino, None, None, False)
        content, info = found
        digest = hashlib.sha256(content).hexdigest()
        self.records.put_blob(digest, content)
        if digest == entry.digest:
            return entry
        return Entry("f", info.st_mode, len(content), 0, info.st_ino, digest, None, True)

    def _maybe_save(self, root: str) -> None:
        if root in self._dirty and time.monotonic() - self._saved_at.get(root, 0) > SAVE_EVERY_S:
            self._save(root)

    def _save(self, root: str) -> None:
        with self._lock:
            scan = dict(self._scans.get(root) or {})
            self._dirty.discard(root)
            self._saved_at[root] = time.monotonic()
        if scan:
            self.records.save_scan(root, scan)


def inside(root: Path, path: str) -> str | None:
    """`path` (as a tool names it) relative to `root`, or None when it is outside (a symlink
    leading out counts as outside). A name that cannot be resolved (a symlink loop, a link
    swapped while it is read) is taken as written: the record reads it by descriptor anyway."""
    named = root / Path(path).expanduser()
    try:
        target = named.resolve()
    except (OSError, RuntimeError):
        target = Path(os.path.normpath(named))
    try:
        rel = target.relative_to(root)
    except ValueError:
        return None
    return None if str(rel) == "." else os.fsdecode(rel)


def rules_from(settings: UndoSettings, home: Path) -> TreeRules:
    """Tree rules from the `undo` settings; the thread store's own folder is never walked."""
    return TreeRules(
        skip=frozenset(settings.skip),
        not_kept=tuple(settings.not_kept),
        max_file_bytes=int(settings.max_file_mb * 1024 * 1024),
        max_files=settings.max_files,
        skip_paths=(str(home.resolve()),),
    )


def open_journal(settings: UndoSettings, home: Path, db: Path) -> WorkspaceJournal | None:
    """The record on the thread database at `db` (or ML_INTERN_DATABASE_URL); None when
    `undo.enabled` is off."""
    if not settings.enabled:
        return None
    return WorkspaceJournal(WorkspaceRecords(db), rules_from(settings, home))


@contextmanager
def closing_journal(journal: WorkspaceJournal | None) -> Iterator[None]:
    try:
        yield
    finally:
        if journal is not None:
            journal.close()
