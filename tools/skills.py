"""The skills as the host reads them: the bundled and the user's through configs/skills.py, the
project's (``<workspace>/.ml-intern/skills/``) by descriptor beneath the workspace.

The project's folder is the agent's to write: any part of it below the workspace may be a link
to a host folder or file, or a FIFO, planted by sandboxed code, and a SKILL.md may be swapped
after the scan. So each part is opened from its parent's descriptor without following a link
(tools/safe_paths.py): a link at ``.ml-intern``, ``skills``, a skill's folder or its SKILL.md
is skipped with a warning naming it; a SKILL.md is opened non-blocking and checked on the
descriptor it is read from; the body is opened again that way when the model asks for it, and
the files beside it are listed without entering a link. What is read of it is bounded
(configs/skills.py): a tree of any size or depth planted there costs each model call and each
tool call no more than that.

Example::

    scan = scan_skills(workspace)
    skill = scan.find("sft-trl")
    text, templates = skill_body(skill), skill_files(skill)
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Mapping
from pathlib import Path

from configs.skills import (
    MAX_DEPTH_BESIDE,
    MAX_ENTRIES_BESIDE,
    MAX_FILES,
    MAX_PROJECT_ENTRIES,
    MAX_SKILL_BYTES,
    PROJECT_SUBDIR,
    Found,
    Skill,
    SkillScan,
    beside,
    body_of,
    cached_skill,
    found_by_root,
    hidden,
    merged,
    read_own_skill,
    skill_at,
)
from tools.safe_paths import UnsafePath, folder_at, kind_of, lstat_at, open_at, regular_file
from tools.safe_tree import Entry, entries_at, walk_at

PROJECT = PROJECT_SUBDIR.as_posix()
NOT_FOLLOWED = "links are not followed in the project's skills folder"
_LINKED = (errno.ELOOP, errno.EXDEV, errno.ENOTDIR)  # what a refused link is reported as


def scan_skills(workspace: Path | None, env: Mapping[str, str] | None = None) -> SkillScan:
    """Every usable skill, sorted by name (project over user over bundled), and one warning
    per skill that was skipped."""
    found = found_by_root(env)
    if workspace is not None:
        found.append(("project", _scan_project(Path(workspace))))
    return merged(found)


def skill_body(skill: Skill) -> str:
    """The playbook: the SKILL.md text after its front matter. A project's is opened again
    beneath the workspace, no link followed, non-blocking, and checked on its descriptor:
    `UnsafePath` (an OSError) when a link, a FIFO or a folder is there now."""
    if skill.source != "project":
        return body_of(read_own_skill(skill.path))
    workspace, rel = _project_place(skill)
    with regular_file(workspace, f"{rel}/SKILL.md", MAX_SKILL_BYTES) as file:
        return body_of(file.read().decode("utf-8"))


def skill_files(skill: Skill) -> list[Path]:
    """Templates and other files beside SKILL.md (not in hidden or cache folders), at most 50.
    Beside a project's skill, only regular files reached without a link, among the first
    `MAX_ENTRIES_BESIDE` entries at most `MAX_DEPTH_BESIDE` folders deep: a tree of any size or
    depth planted there costs that much."""
    folder = skill.path.parent
    if skill.source != "project":
        return beside(folder, skill.path)
    workspace, rel = _project_place(skill)
    walk = walk_at(
        workspace,
        rel,
        enter=lambda sub: not hidden(sub.split("/")),
        max_depth=MAX_DEPTH_BESIDE,
        max_entries=MAX_ENTRIES_BESIDE,
    )
    try:
        found = sorted(
            folder / entry.rel
            for entry in walk
            if entry.is_file and entry.rel != "SKILL.md" and not hidden(entry.rel.split("/"))
        )
    except OSError:
        return []  # the folder was swapped for a link or removed since the scan
    return found[:MAX_FILES]


def project_skill_folders(workspace: Path) -> list[Path]:
    """The folders of ``<workspace>/.ml-intern/skills/`` the scan looks for a SKILL.md in,
    listed as the scan lists them: by descriptor, no link followed, at most
    `MAX_PROJECT_ENTRIES` names read; [] when that folder is absent or a link is on the way."""
    try:
        with folder_at(workspace, PROJECT) as fd:
            entries, _ = _listing(fd)
    except OSError:
        return []
    root = workspace / PROJECT_SUBDIR
    return [root / entry.rel for entry in entries if entry.is_dir]


def _project_place(skill: Skill) -> tuple[Path, str]:
    """(the workspace, the skill's folder relative to it) for a project's skill, whose path is
    ``<workspace>/.ml-intern/skills/<folder>/SKILL.md``."""
    workspace = skill.path.parents[len(PROJECT_SUBDIR.parts) + 1]
    return workspace, skill.path.parent.relative_to(workspace).as_posix()


def _scan_project(workspace: Path) -> list[Found]:
    root = workspace / PROJECT_SUBDIR
    try:
        with folder_at(workspace, PROJECT) as fd:
            return _scan_folder(fd, root)
    except FileNotFoundError:
        return []
    except UnsafePath:
        return [(root, None, [_not_a_folder(workspace, root)])]
    except OSError as exc:
        return [(root, None, [f"Skills folder {root} cannot be read ({exc.strerror}); skipped."])]


def _not_a_folder(workspace: Path, root: Path) -> str:
    """The warning for a project's skills folder with a link (or a file) on the way, naming
    the part that is not a folder."""
    parts = PROJECT_SUBDIR.parts
    for depth in range(1, len(parts) + 1):
        try:
            info = lstat_at(workspace, "/".join(parts[:depth]))
        except OSError:
            break
        if info is not None and not stat.S_ISDIR(info.st_mode):
            part = workspace.joinpath(*parts[:depth])
            if stat.S_ISLNK(info.st_mode):
                return f"Skills folder {root} skipped: {part} is a symlink, and {NOT_FOLLOWED}."
            kind = kind_of(info.st_mode)
            return f"Skills folder {root} skipped: {part} is {kind}, not a folder."
    return f"Skills folder {root} skipped: a part of it is a symlink, and {NOT_FOLLOWED}."


def _linked(path: Path) -> str:
    return f"Skill {path} skipped: it is a symlink, and {NOT_FOLLOWED}."


def _listing(fd: int) -> tuple[list[Entry], bool]:
    """The entries of the project's skills folder open at `fd` that may be skills (not hidden),
    sorted, of the first `MAX_PROJECT_ENTRIES` names it gives; and whether it has more."""
    entries = entries_at(fd, limit=MAX_PROJECT_ENTRIES + 1)
    more = len(entries) > MAX_PROJECT_ENTRIES
    return [e for e in entries[:MAX_PROJECT_ENTRIES] if not e.rel.startswith(".")], more


def _scan_folder(fd: int, root: Path) -> list[Found]:
    """Each skill folder in the project's skills folder open at `fd`, none entered by a link."""
    entries, more = _listing(fd)
    found: list[Found] = []
    if more:
        cut = f"more than {MAX_PROJECT_ENTRIES:,} entries; only {MAX_PROJECT_ENTRIES:,} were read"
        found.append((root, None, [f"Skills folder {root} holds {cut}."]))
    for entry in entries:
        if stat.S_ISLNK(entry.st.st_mode):
            found.append((root / entry.rel, None, [_linked(root / entry.rel)]))
        elif entry.is_dir:
            found += _scan_skill(fd, entry.rel, root)
    return found


def _scan_skill(parent: int, name: str, root: Path) -> list[Found]:
    """The SKILL.md of the folder `name` in `parent`: [] when it has none."""
    path = root / name / "SKILL.md"
    try:
        folder = open_at(parent, name, os.O_RDONLY | os.O_DIRECTORY)
    except OSError as exc:
        linked = exc.errno in _LINKED  # swapped for a link since the listing
        return [(root / name, None, [_linked(root / name)])] if linked else []
    try:
        try:
            info = os.stat("SKILL.md", dir_fd=folder, follow_symlinks=False)
        except FileNotFoundError:
            return []
        except OSError as exc:
            return [(path, None, [f"Skill {path} skipped: it cannot be read ({exc.strerror})."])]
        if stat.S_ISLNK(info.st_mode):
            return [(path, None, [_linked(path)])]
        key = (info.st_ino, info.st_mtime_ns, info.st_size)
        why: list[str] = []
        skill = cached_skill(path, "project", key, lambda w: _read_at(folder, path, w), why)
        return [(path, skill, why)]
    finally:
        os.close(folder)


def _read_at(folder: int, path: Path, warnings: list[str]) -> Skill | None:
    """The skill in the SKILL.md of the folder open at `folder`, opened without following a
    link and non-blocking, checked on its descriptor."""
    try:
        fd = open_at(folder, "SKILL.md", os.O_RDONLY | os.O_NONBLOCK)
    except OSError as exc:
        if exc.errno in _LINKED:
            warnings.append(_linked(path))
        elif exc.errno == errno.ENXIO:
            warnings.append(f"Skill {path} skipped: it is not a regular file.")
        else:
            warnings.append(f"Skill {path} skipped: it cannot be read ({exc.strerror}).")
        return None
    try:
        return skill_at(fd, path, "project", warnings)
    finally:
        os.close(fd)
