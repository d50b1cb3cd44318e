"""Skills: playbooks the model loads on demand (progressive disclosure).

A skill is a folder with a ``SKILL.md``: YAML front matter with ``name`` and a one-line
``description``, then the body; templates may sit beside it. Three places hold them, later
ones winning on a name clash: bundled (``skills/`` in this package), the user's
(``~/.config/ml-intern/skills/``) and the project's (``.ml-intern/skills/`` in the workspace).
The system prompt lists names and descriptions; the ``skill`` tool returns a body.

A skill that cannot be used (unreadable, too big, bad front matter) is skipped with a
warning naming its path; scanning never raises.

This module reads the bundled and the user's skills (by name, links followed: their own
folders) and parses a SKILL.md from a descriptor. The project's folder is the agent's to write,
so tools/skills.py, which may use tools/safe_paths.py, walks it by descriptor and is where
`scan_skills`, `skill_body` and `skill_files` live.
"""

from __future__ import annotations

import errno
import functools
import os
import re
import stat
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from configs.environment import user_config_dir

BUNDLED_DIR = Path(__file__).resolve().parents[1] / "skills"
PROJECT_SUBDIR = Path(".ml-intern") / "skills"
MAX_SKILL_BYTES = 64_000  # a playbook is read into the context whole: keep it a playbook
MAX_DESCRIPTION = 300
MAX_FILES = 50  # files beside a skill the tool lists
# What the host reads of the project's skills folder, which the agent can fill: a planted tree
# of any size costs the scan (on every model call) and the tool this much and no more.
MAX_PROJECT_ENTRIES = 200  # names read in the project's skills folder
MAX_ENTRIES_BESIDE = 1_000  # entries looked at beside a project's SKILL.md
MAX_DEPTH_BESIDE = 8  # folders deep below it
NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")

Source = Literal["bundled", "user", "project"]


@dataclass(frozen=True)
class Skill:
    name: str
    description: str
    path: Path  # the SKILL.md
    source: Source


@dataclass(frozen=True)
class SkillScan:
    skills: tuple[Skill, ...]
    warnings: tuple[str, ...]

    def find(self, name: str) -> Skill | None:
        return next((s for s in self.skills if s.name == name), None)


Found = tuple[Path, Skill | None, list[str]]  # a SKILL.md, its skill or None, what was wrong


def skill_roots(
    workspace: Path | None, env: Mapping[str, str] | None = None
) -> list[tuple[Source, Path]]:
    """Where skills are looked for, lowest precedence first."""
    env = os.environ if env is None else env
    roots: list[tuple[Source, Path]] = [
        ("bundled", BUNDLED_DIR),
        ("user", user_config_dir(env) / "skills"),
    ]
    if workspace is not None:
        roots.append(("project", Path(workspace) / PROJECT_SUBDIR))
    return roots


def found_by_root(env: Mapping[str, str] | None = None) -> list[tuple[Source, list[Found]]]:
    """What the bundled and the user's roots hold, each `_scan_root`'s answer. These folders are
    ml-intern's and the user's own: read by name, links followed. The project's root is the
    agent's to write and is read by descriptor instead (tools/skills.py)."""
    found: list[tuple[Source, list[Found]]] = []
    for source, root in skill_roots(None, env):
        found.append((source, _bundled() if source == "bundled" else _scan_root(root, source)))
    return found


def merged(found: list[tuple[Source, list[Found]]]) -> SkillScan:
    """Every usable skill, sorted by name, later roots winning on a name clash, and one warning
    per skill that was skipped."""
    by_name: dict[str, Skill] = {}
    warnings: list[str] = []
    for source, skills in found:
        for path, skill, why in skills:
            warnings.extend(why)
            if skill is None:
                continue
            earlier = by_name.get(skill.name)
            if earlier is not None:
                warnings.append(
                    f"{source} skill {skill.name!r} ({path}) replaces the {earlier.source} "
                    "one of the same name."
                )
            by_name[skill.name] = skill
    return SkillScan(tuple(sorted(by_name.values(), key=lambda s: s.name)), tuple(warnings))


def _scan_root(root: Path, source: Source) -> list[Found]:
    """Each SKILL.md under `root`: (path, the skill or None, what was wrong); first, when the
    folder itself could not be listed, (root, None, why)."""
    warnings: list[str] = []
    found = []
    for path in _skill_files(root, warnings):
        why: list[str] = []
        found.append((path, _read_skill_cached(path, source, why), why))
    return [(root, None, warnings), *found] if warnings else found


@functools.cache
def _bundled() -> list[Found]:
    """The package's own skills, read once: they do not change under a running process, and
    listing their folders on every model call was ~3% of a loaded server's CPU."""
    return _scan_root(BUNDLED_DIR, "bundled")


def body_of(text: str) -> str:
    """The playbook: a SKILL.md's text after its front matter."""
    _, body = _split_front_matter(text)
    return body.strip()


def read_own_skill(path: Path) -> str:
    """A bundled or user SKILL.md's text (a link followed: the user's own), opened
    non-blocking and checked on its descriptor to be a regular file within the limit."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_SKILL_BYTES:
            raise OSError(errno.EINVAL, "not a regular file within the size limit", str(path))
        return os.pread(fd, MAX_SKILL_BYTES + 1, 0).decode("utf-8")
    finally:
        os.close(fd)


def beside(folder: Path, skill_md: Path) -> list[Path]:
    """Templates and other files beside a bundled or user SKILL.md (not in hidden or cache
    folders), at most 50; links followed: the user's own folders."""
    found = [
        p
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p != skill_md and not hidden(p.relative_to(folder).parts)
    ]
    return found[:MAX_FILES]


def hidden(parts: tuple[str, ...] | list[str]) -> bool:
    """True when a path beside a skill is in (or is) a hidden or cache entry."""
    return any(part.startswith((".", "__")) for part in parts)


def _skill_files(root: Path, warnings: list[str]) -> list[Path]:
    try:
        folders = sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))
    except FileNotFoundError:
        return []
    except OSError as exc:
        warnings.append(f"Skills folder {root} cannot be read ({exc.strerror}); skipped.")
        return []
    return [folder / "SKILL.md" for folder in folders if (folder / "SKILL.md").exists()]


# Parsed skills by file, valid while the file's stat is unchanged: the prompt is built on
# every model call, and parsing nine YAML headers each time costs more than the step itself.
_parsed: dict[tuple[Path, Source], tuple[object, Skill | None, list[str]]] = {}


def cached_skill(
    path: Path,
    source: Source,
    key: object,
    read: Callable[[list[str]], Skill | None],
    warnings: list[str],
) -> Skill | None:
    """`read(warnings)`'s skill, parsed again only when `key` (the file's stat) changed; a
    None key (no stat) always reads."""
    cached = _parsed.get((path, source))
    if cached is None or cached[0] != key or key is None:
        found: list[str] = []
        cached = (key, read(found), found)
        _parsed[(path, source)] = cached
    warnings.extend(cached[2])
    return cached[1]


def _read_skill_cached(path: Path, source: Source, warnings: list[str]) -> Skill | None:
    try:
        info = path.stat()
        key: object = (info.st_ino, info.st_mtime_ns, info.st_size)
    except OSError:
        key = None
    return cached_skill(path, source, key, lambda found: _read_skill(path, source, found), warnings)


def _read_skill(path: Path, source: Source, warnings: list[str]) -> Skill | None:
    try:
        # Non-blocking, checked on the descriptor: a FIFO is skipped, never waited on (a link
        # is followed: these folders are the user's own).
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as exc:
        warnings.append(f"Skill {path} skipped: it cannot be read ({exc.strerror}).")
        return None
    try:
        return skill_at(fd, path, source, warnings)
    finally:
        os.close(fd)


def skill_at(fd: int, path: Path, source: Source, warnings: list[str]) -> Skill | None:
    """The skill in the SKILL.md open at `fd` (named `path` in warnings), checked on that
    descriptor to be a regular file within the limit; None with the reason in `warnings`."""

    def skip(why: str) -> None:
        warnings.append(f"Skill {path} skipped: {why}.")

    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            skip("it cannot be read (Is a directory)")
            return None
        if not stat.S_ISREG(info.st_mode):
            skip("it is not a regular file")
            return None
        if info.st_size > MAX_SKILL_BYTES:
            size = info.st_size
            skip(f"it is {size:,} bytes; the limit is {MAX_SKILL_BYTES:,}. Split it up")
            return None
        text = os.pread(fd, MAX_SKILL_BYTES + 1, 0).decode("utf-8")
    except UnicodeDecodeError:
        skip("it is not UTF-8 text")
        return None
    except OSError as exc:
        skip(f"it cannot be read ({exc.strerror})")
        return None
    meta, _ = _split_front_matter(text)
    if meta is None:
        skip("it does not start with front matter (--- name: ..., description: ... ---)")
        return None
    name, description = meta.get("name"), meta.get("description")
    if not isinstance(name, str) or not NAME.match(name):
        skip("its front matter needs `name:` in lower case letters, digits, - or _")
        return None
    if not isinstance(description, str) or not description.strip():
        skip("its front matter needs a one-line `description:` saying when to use it")
        return None
    description = " ".join(description.split())
    if len(description) > MAX_DESCRIPTION:
        description = description[: MAX_DESCRIPTION - 1] + "…"
    return Skill(name, description, path, source)


def _split_front_matter(text: str) -> tuple[dict[str, object] | None, str]:
    """(the front matter's keys, the body); (None, text) when there is no front matter.

    YAML first; a front matter that is not valid YAML (a description with `: ` in it is
    the usual cause) is read as plain `key: value` lines, as people mean it.
    """
    match = re.match(r"^---[ \t]*\r?\n(.*?)\r?\n---[ \t]*(?:\r?\n|$)", text, re.S)
    if match is None:
        return None, text
    import yaml  # only when skills are read; yaml is not needed on start-up

    try:
        meta = yaml.safe_load(match.group(1))
    except yaml.YAMLError:
        meta = None
    if not isinstance(meta, dict):
        lines = (re.match(r"^([A-Za-z_][\w-]*):\s*(.*)$", ln) for ln in match.group(1).splitlines())
        meta = {m.group(1): m.group(2).strip() for m in lines if m}
    return meta, text[match.end() :]
