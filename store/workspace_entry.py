"""One path's state as undo records it, and how two states of a path compare.

An entry is what a path was (a file, a symlink, a folder, or a FIFO/socket/device), its stat
fingerprint, and for a kept file the sha256 of its content. Entries are stored as JSON lists
in the thread database (store/workspace_records.py).
"""

from __future__ import annotations

import stat
from dataclasses import dataclass
from typing import Literal

Kind = Literal["f", "l", "d", "s"]  # file, symlink, directory, special (FIFO, socket, device)


@dataclass(frozen=True, slots=True)
class Entry:
    """One path's state: what it is, its stat fingerprint, and its content's hash if kept."""

    kind: Kind
    mode: int
    size: int = 0
    mtime_ns: int = 0
    ino: int = 0
    digest: str | None = None  # sha256 of a kept file's content
    link: str | None = None  # a symlink's target, as written
    kept: bool = True  # False: changes are listed, the content is not stored

    def same_stat(self, other: Entry) -> bool:
        """Unchanged by the stat fingerprint (git's rule: size, mtime and inode)."""
        return (self.kind, self.mode, self.size, self.mtime_ns, self.ino, self.link) == (
            other.kind,
            other.mode,
            other.size,
            other.mtime_ns,
            other.ino,
            other.link,
        )

    def same_content(self, other: Entry | None) -> bool:
        """The same thing on disk, whatever its stat says (for files: the same bytes)."""
        if other is None or other.kind != self.kind:
            return False
        if self.kind == "l":
            return self.link == other.link
        if self.kind == "d":
            return True
        if self.digest is None or other.digest is None:
            return self.same_stat(other)
        return self.digest == other.digest and stat.S_IMODE(self.mode) == stat.S_IMODE(other.mode)

    def to_json(self) -> list[object]:
        return [
            self.kind,
            self.mode,
            self.size,
            self.mtime_ns,
            self.ino,
            self.digest,
            self.link,
            self.kept,
        ]

    @classmethod
    def from_json(cls, row: list[object] | None) -> Entry | None:
        return None if row is None else cls(*row)  # type: ignore[arg-type]


Manifest = dict[str, Entry]


def with_digest(entry: Entry, digest: str) -> Entry:
    """`entry` with its content's hash."""
    return Entry(
        entry.kind, entry.mode, entry.size, entry.mtime_ns, entry.ino, digest, None, entry.kept
    )


def changed(before: Manifest, after: Manifest) -> list[tuple[str, Entry | None, Entry | None]]:
    """Paths whose entry differs between two scans: (path, before, after), in path order."""
    paths = {
        p for p, e in after.items() if before.get(p) is not e and not same_entry(before.get(p), e)
    }
    paths.update(p for p in before if p not in after)
    return [(p, before.get(p), after.get(p)) for p in sorted(paths)]


def same_entry(a: Entry | None, b: Entry | None) -> bool:
    """No change between two entries of one path (a folder's own mtime is no change)."""
    if a is None or b is None:
        return a is b
    if a.kind == "d" and b.kind == "d":
        return True  # a folder's own mtime is not a change anyone undoes
    return a.same_stat(b) and a.digest == b.digest
