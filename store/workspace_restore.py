"""Putting a workspace back as it was before some tool calls, never over the user's work.

For every path the undone calls changed, the target is its state before the first of them
and the expected state is what the last of them left. A path still as the agent left it is
restored; one that changed since (the user typed in it, another program wrote it) is a
conflict and stays as it is. Contents go to a temporary name beside the file and are renamed
over it only when complete, so a full disk or a kill leaves the old file or the new one,
never half of either; a parent that is a symlink is never written through (folders are
opened by descriptor, tools/safe_paths.py). A recorded path is data from a database others may
write (a shared PostgreSQL, a copied thread): one with `..`, an absolute path or a NUL is
refused and named, never followed out of the workspace.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import stat
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

from store.workspace_entry import Entry
from store.workspace_records import CallChanges, WorkspaceRecords
from store.workspace_tree import TEMP_MARK, Tree
from tools.safe_paths import folder_at, parts_of
from tools.shown_names import shown


@dataclass
class RestoreReport:
    """What an undo did to the files (the `--json` shape of `threads undo`). The lists hold
    names as recorded; `as_json`, what every front end gets, escapes each one (`shown`)."""

    restored: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)
    not_kept: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)  # "path: why" (a full disk, a permission)
    not_undoable: list[str] = field(default_factory=list)  # Jobs, pushes, messages, outside
    not_recorded: list[str] = field(default_factory=list)  # calls made before recording
    finished_interrupted: bool = False  # a restore cut off earlier was completed by this one
    kept_files: bool = False  # --keep-files: the words only

    def as_json(self) -> dict[str, object]:
        return {
            key: [shown(item) for item in value] if isinstance(value, list) else value
            for key, value in asdict(self).items()
        }

    @property
    def complete(self) -> bool:
        return not (self.conflicts or self.failed)


@dataclass
class _Step:
    target: Entry | None  # before the first undone call
    expected: Entry | None  # after the last one


def restore(
    records: WorkspaceRecords, tree: Tree, rows: list[CallChanges], report: RestoreReport
) -> None:
    """Undo `rows` (oldest first, all of `tree`'s workspace) on disk, filling `report`."""
    plan: dict[str, _Step] = {}
    for row in rows:
        for path, before, after in row.changes:
            plan.setdefault(path, _Step(before, after)).expected = after
    for path in [p for p in plan if (why := refused(p)) is not None]:
        report.failed.append(f"{ascii(path)[1:-1]}: refused: {why}")
        del plan[path]
    now = {path: tree.entry(path) for path in plan}
    todo = {}
    for path, step in sorted(plan.items()):
        if _matches(now[path], step.target):
            _count(report, path, step.target)  # already back (an earlier, cut-off restore)
        elif _matches(now[path], step.expected):
            todo[path] = step
        else:
            report.conflicts.append(path)
    _apply(records, tree.root, todo, now, report)


def _apply(
    records: WorkspaceRecords,
    root: Path,
    todo: dict[str, _Step],
    now: dict[str, Entry | None],
    report: RestoreReport,
) -> None:
    failed: set[str] = set()

    def attempt(path: str, action: Callable[[], object], why: str | None = None) -> bool:
        try:
            action()
        except OSError as error:
            report.failed.append(f"{path}: {why or error.strerror or error}")
            failed.add(path)
            return False
        return True

    def goes(path: str, kind: str) -> bool:  # what is there now must make way
        here, target = now[path], todo[path].target
        return here is not None and here.kind == kind and (target is None or target.kind != kind)

    for path in [p for p in todo if goes(p, "f") or goes(p, "l") or goes(p, "s")]:
        attempt(path, lambda p=path: _remove(root, p, os.unlink))
    for path in sorted((p for p in todo if goes(p, "d")), key=_depth):  # deepest first
        attempt(path, lambda p=path: _remove(root, p, os.rmdir), NOT_EMPTY)
    for path in sorted(todo, key=lambda p: -_depth(p)):  # shallowest first
        target = todo[path].target
        if path in failed:
            continue
        if target is None:
            report.removed.append(path)
        elif target.kind == "d":
            if attempt(path, lambda p=path, t=target: _make_dir(root, p, t.mode)):
                report.restored.append(path)
        elif target.kind == "s" or (target.kind == "f" and not target.kept):
            report.not_kept.append(path)
        elif attempt(path, lambda p=path, t=target: _write(records, root, p, t)):
            report.restored.append(path)


NOT_EMPTY = "the folder now holds files the agent did not make"


def refused(path: str) -> str | None:
    """Why a recorded path is not restored (`..`, absolute, a NUL, empty), or None."""
    try:
        return None if parts_of(path) else "names the workspace itself"
    except OSError as error:
        return f"{error.strerror}; not followed out of the workspace"


def _write(records: WorkspaceRecords, root: Path, rel: str, target: Entry) -> None:
    name = os.fsencode(os.path.basename(rel))
    temp = name + TEMP_MARK.encode()
    with _parent_fd(root, rel) as parent:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp, dir_fd=parent)  # left by a restore that was killed
        try:
            if target.kind == "l":
                os.symlink(os.fsencode(target.link or ""), temp, dir_fd=parent)
            else:
                _write_content(records, parent, temp, target)
            os.replace(temp, name, src_dir_fd=parent, dst_dir_fd=parent)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temp, dir_fd=parent)
            raise


def _write_content(records: WorkspaceRecords, parent: int, temp: bytes, target: Entry) -> None:
    content = records.blob(target.digest or "")
    if content is None:
        raise OSError(0, "its recorded content is missing from the store")
    if hashlib.sha256(content).hexdigest() != target.digest:  # a database others may write
        raise OSError(0, "its stored content does not match its hash")
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW
    fd = os.open(temp, flags, 0o600, dir_fd=parent)
    try:
        view = memoryview(content)
        while view:
            view = view[os.write(fd, view) :]
        os.fchmod(fd, _permissions(target.mode))
        os.fsync(fd)
    finally:
        os.close(fd)


def _make_dir(root: Path, rel: str, mode: int) -> None:
    name = os.fsencode(os.path.basename(rel))
    with _parent_fd(root, rel) as parent, contextlib.suppress(FileExistsError):
        os.mkdir(name, _permissions(mode) or 0o755, dir_fd=parent)


def _remove(root: Path, rel: str, how: Callable[..., None]) -> None:
    with _parent_fd(root, rel, make=False) as parent:
        how(os.fsencode(os.path.basename(rel)), dir_fd=parent)


def _parent_fd(
    root: Path, rel: str, *, make: bool = True
) -> contextlib.AbstractContextManager[int]:
    """The parent folder of `rel` by descriptor (made where missing), one part at a time
    without following a symlink: a folder swapped for one, even while we work, is refused."""
    return folder_at(root, os.path.dirname(rel), make=make)


def _permissions(mode: int) -> int:
    """The permission bits a restore sets: never setuid, setgid or sticky (the recorded
    mode comes from a database others may write)."""
    return stat.S_IMODE(mode) & 0o777


def _depth(path: str) -> int:
    return -len(Path(path).parts)


def _matches(now: Entry | None, wanted: Entry | None) -> bool:
    if now is None or wanted is None:
        return now is wanted
    if now.kind != wanted.kind:
        return False
    if now.kind == "f" and not (now.digest and wanted.digest):
        return now.size == wanted.size and now.mtime_ns == wanted.mtime_ns
    return now.same_content(wanted) or (now.kind == "f" and now.digest == wanted.digest)


def _count(report: RestoreReport, path: str, target: Entry | None) -> None:
    (report.removed if target is None else report.restored).append(path)


class RestoreMarker:
    """A file under the home saying a thread's restore is under way: a kill leaves it, and the
    next undo of that thread says it finished the cut-off one."""

    def __init__(self, home: Path, thread_id: str) -> None:
        safe = "".join(c if c.isalnum() or c in "-_" else "_" for c in thread_id)[:120]
        self.path = home / "undo-in-progress" / f"{safe}.json"

    def left_over(self) -> bool:
        return self.path.exists()

    def begin(self, call_ids: list[str]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.path.write_text(json.dumps({"calls": call_ids}))

    def end(self) -> None:
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()
