"""What the system prompt reads from the disk on each model call, in one hop off the loop: the
skills, the project's memory (AGENTS.md), the Hugging Face token, and the secrets of the
workspace's credential files learned, so that the rendered prompt is masked on the loop.

Skills and memory are read again only when a file or folder they come from changed (their
stat marks, tools/file_marks.py): a skill or an AGENTS.md added, edited or removed mid-session
shows on the next call, and a call that changed nothing costs one `stat` a path.
"""

from __future__ import annotations

import os
from pathlib import Path

from configs.environment import user_config_dir
from configs.memory import FILENAME as MEMORY_FILE
from configs.memory import MAX_DEPTH, Memory, load_memory
from configs.skills import SkillScan, skill_roots
from tools.file_marks import MarkedLooks, Marks
from tools.hub.client import hf_token
from tools.secrets.sources import refresh
from tools.skills import project_skill_folders, scan_skills

_read: MarkedLooks[tuple[Marks, SkillScan, Memory]] = MarkedLooks(lambda found: found[0])


def prompt_files(workspace: Path) -> tuple[SkillScan, Memory, str | None]:
    """The skills, the memory files and the Hugging Face token (whose user the prompt names),
    with the workspace's secrets known (tools/secrets/sources.py `refresh`). Blocking."""
    refresh(workspace)
    skills, memory = skills_and_memory(workspace)
    return skills, memory, hf_token()  # the token each time: a signed-in person's own


def skills_and_memory(workspace: Path) -> tuple[SkillScan, Memory]:
    """`scan_skills` and `load_memory` of `workspace`, kept while none of their files and
    folders changed."""
    key = (os.path.realpath(workspace), str(user_config_dir()))
    last = _read.get(key)
    if last is not None and last[0].unchanged():
        return last[1], last[2]
    marks = Marks()
    for path in _inputs(Path(key[0])):
        marks.add(path)  # before they are read: a change while reading moves a mark
    found = (marks, scan_skills(workspace), load_memory(workspace))
    _read.put(key, found)
    return found[1], found[2]


def _inputs(workspace: Path) -> list[str]:
    """Every path `scan_skills` and `load_memory` look at: each skill root (the bundled ones
    never change), its folders and their SKILL.md; `.git` and AGENTS.md in the workspace and
    each of its parents as far as the memory looks for a repository's root. The project's
    skills folder is the agent's to write: its folders are listed as the scan lists them (by
    descriptor, no link followed, bounded); the user's by name, links followed."""
    paths: list[str] = []
    for source, root in skill_roots(workspace):
        if source == "bundled":
            continue
        paths.append(str(root))
        if source == "project":
            folders = [str(folder) for folder in project_skill_folders(workspace)]
        else:
            try:
                with os.scandir(root) as entries:
                    folders = [entry.path for entry in entries if entry.is_dir()]
            except OSError:
                continue
        paths += [item for folder in folders for item in (folder, f"{folder}/SKILL.md")]
    for folder in [workspace, *workspace.parents][: MAX_DEPTH + 2]:
        paths += [str(folder / ".git"), str(folder / MEMORY_FILE)]
    return paths
