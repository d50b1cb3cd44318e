"""Skills: playbooks the model loads on demand (progressive disclosure).

A skill is a folder with a ``SKILL.md``: YAML front matter with ``name`` and a one-line
``description``, then the body; templates may sit beside it. Three places hold them, later
ones winning on a name clash: bundled (``skills/`` in this package), the user's
(``~/.config/ml-intern/skills/``) and the project's (``.ml-intern/skills/`` in the workspace).
The system prompt lists names and descriptions; the ``skill`` tool returns a body.

A skill that cannot be used (unreadable, too big, bad front matter) is skipped with a
warning naming its path; scanning never raises.
"""

from __future__ import annotations

import functools
import os
import re
import stat
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from configs.environment import user_config_dir

BUNDLED_DIR = Path(__file__).resolve().parents[1] / "skills"
PROJECT_SUBDIR = Path(".ml-intern") / "skills"
MAX_SKILL_BYTES = 64_000  # a playbook is read into the context whole: keep it a playbook
MAX_DESCRIPTION = 300
NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")

Source = Literal["bundled", "user", "project"]


@dataclass(frozen=True)
class Skill:
    name: str
    description: str
    path: Path  # the SKILL.md
    source: Source

    @property
    def files(self) -> list[Path]:
        """Templates and other files beside SKILL.md (not in hidden or cache folders)."""
        folder = self.path.parent
        found = [
            p
            for p in sorted(folder.rglob("*"))
            if p.is_file()
            and p != self.path
            and not any(part.startswith((".", "__")) for part in p.relative_to(folder).parts)
        ]
        return found[:50]


@dataclass(frozen=True)
class SkillScan:
    skills: tuple[Skill, ...]
    warnings: tuple[str, ...]

    def find(self, name: str) -> Skill | None:
        return next((s for s in self.skills if s.name == name), None)


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


def scan_skills(workspace: Path | None, env: Mapping[str, str] | None = None) -> SkillScan:
    """Every usable skill, sorted by name, and one warning per skill that was skipped."""
    by_name: dict[str, Skill] = {}
    warnings: list[str] = []
    for source, root in skill_roots(workspace, env):
        found = _bundled() if source == "bundled" else _scan_root(root, source)
        for path, skill, why in found:
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


def _scan_root(root: Path, source: Source) -> list[tuple[Path, Skill | None, list[str]]]:
    """Each SKILL.md under `root`: (path, the skill or None, what was wrong); first, when the
    folder itself could not be listed, (root, None, why)."""
    warnings: list[str] = []
    found = []
    for path in _skill_files(root, warnings):
        why: list[str] = []
        found.append((path, _read_skill_cached(path, source, why), why))
    return [(root, None, warnings), *found] if warnings else found


@functools.cache
def _bundled() -> list[tuple[Path, Skill | None, list[str]]]:
    """The package's own skills, read once: they do not change under a running process, and
    listing their folders on every model call was ~3% of a loaded server's CPU."""
    return _scan_root(BUNDLED_DIR, "bundled")


def skill_body(skill: Skill) -> str:
    """The playbook: the SKILL.md text after its front matter."""
    text = skill.path.read_text(encoding="utf-8")
    _, body = _split_front_matter(text)
    return body.strip()


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
_parsed: dict[tuple[Path, Source], tuple[tuple[int, int], Skill | None, list[str]]] = {}


def _read_skill_cached(path: Path, source: Source, warnings: list[str]) -> Skill | None:
    try:
        stat = path.stat()
        key = (stat.st_mtime_ns, stat.st_size)
    except OSError:
        key = (-1, -1)
    cached = _parsed.get((path, source))
    if cached is None or cached[0] != key or key == (-1, -1):
        found: list[str] = []
        cached = (key, _read_skill(path, source, found), found)
        _parsed[(path, source)] = cached
    warnings.extend(cached[2])
    return cached[1]


def _read_skill(path: Path, source: Source, warnings: list[str]) -> Skill | None:
    def skip(why: str) -> None:
        warnings.append(f"Skill {path} skipped: {why}.")

    try:
        # Opened once, non-blocking, and checked on that descriptor: a FIFO planted as a
        # project's SKILL.md is skipped, never waited on (a link is followed: a user's own).
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
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
        finally:
            os.close(fd)
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
