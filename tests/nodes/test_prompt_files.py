"""The system prompt's skills and memory are kept between model calls only while nothing they
come from changed: each change below is made after a call that found a settled workspace
unchanged, and the next call must show it."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from nodes.prompt_files import prompt_files
from tests.fakes.by_name import by_name
from tests.fakes.settled_files import settle_tree

SKILL = "---\nname: {name}\ndescription: {description}\n---\nDo the thing.\n"


def _skill_added(workspace: Path) -> None:
    folder = workspace / ".ml-intern" / "skills" / "fresh-skill"
    folder.mkdir(parents=True)
    (folder / "SKILL.md").write_text(SKILL.format(name="fresh-skill", description="Added late."))


def _skill_edited(workspace: Path) -> None:
    path = workspace / ".ml-intern" / "skills" / "old-skill" / "SKILL.md"
    path.write_text(SKILL.format(name="old-skill", description="Added late."))


def _skill_removed(workspace: Path) -> None:
    (workspace / ".ml-intern" / "skills" / "old-skill" / "SKILL.md").unlink()


def _memory_edited(workspace: Path) -> None:
    (workspace / "AGENTS.md").write_text("Added late.\n")


def _memory_in_a_parent_once_a_repository(workspace: Path) -> None:
    (workspace.parent / "AGENTS.md").write_text("Added late.\n")
    (workspace.parent / ".git").mkdir()


def shown(workspace: Path) -> str:
    skills, memory, _ = prompt_files(workspace)
    found = [f"{s.name}: {s.description}" for s in skills.skills if s.source == "project"]
    return "\n".join([*found, *(f.text for f in memory.files)])


CHANGES: dict[str, tuple[Callable[[Path], None], Callable[[str], bool]]] = {
    "a skill added": (_skill_added, lambda text: "fresh-skill: Added late." in text),
    "a skill edited": (_skill_edited, lambda text: "old-skill: Added late." in text),
    "a skill removed": (_skill_removed, lambda text: "old-skill" not in text),
    "AGENTS.md edited": (_memory_edited, lambda text: "Added late." in text),
    "a parent's AGENTS.md, once it holds the repository": (
        _memory_in_a_parent_once_a_repository,
        lambda text: "Added late." in text,
    ),
}


@pytest.mark.parametrize("change", CHANGES)
def test_a_change_after_an_unchanged_call_shows_on_the_next(tmp_path: Path, change: str) -> None:
    workspace = tmp_path / "project" / "code"
    old = workspace / ".ml-intern" / "skills" / "old-skill"
    old.mkdir(parents=True)
    (old / "SKILL.md").write_text(SKILL.format(name="old-skill", description="From the start."))
    (workspace / "AGENTS.md").write_text("From the start.\n")
    settle_tree(tmp_path)
    before = shown(workspace)
    assert shown(workspace) == before  # nothing changed: this call ends at the marks
    assert "old-skill: From the start." in before and "Added late." not in before
    make, seen = CHANGES[change]
    make(workspace)
    assert seen(shown(workspace))


def test_a_fifo_planted_as_a_skill_or_memory_is_skipped_not_waited_on(tmp_path: Path) -> None:
    """The agent can write the project's skills folder: a FIFO there must not hang every
    model call of the thread."""
    folder = tmp_path / ".ml-intern" / "skills" / "trap"
    folder.mkdir(parents=True)
    os.mkfifo(folder / "SKILL.md")
    os.mkfifo(tmp_path / "AGENTS.md")
    skills, memory, _ = prompt_files(tmp_path)
    assert not skills.find("trap") and not memory.files
    assert any("SKILL.md skipped: it is not a regular file" in w for w in skills.warnings)


def test_a_link_planted_at_the_project_skills_folder_is_not_listed_by_the_marks(
    tmp_path: Path,
) -> None:
    """The marks listed `.ml-intern/skills` by name, links followed: a link the agent planted
    there had the host list a host folder of its choosing (and stat what it holds) on each
    model call. They list it as the scan does: by descriptor, no link followed."""
    host = tmp_path / "host"
    (host / "stolen").mkdir(parents=True)
    (host / "stolen" / "SKILL.md").write_text(SKILL.format(name="stolen", description="Host."))
    workspace = tmp_path / "ws"
    (workspace / ".ml-intern").mkdir(parents=True)
    (workspace / ".ml-intern" / "skills").symlink_to(host, target_is_directory=True)
    with by_name() as seen:
        skills, _, _ = prompt_files(workspace)
    assert skills.find("stolen") is None
    places = (str(host), str(workspace / ".ml-intern" / "skills"))
    assert [line for line in seen if any(place in line for place in places)] == []


def test_a_server_with_a_hundred_folders_at_once_reads_none_again(tmp_path: Path) -> None:
    """Where people sign in, each works in their own folder: with more folders in use at once
    than a small store of looks holds, every model call read every file again (the system
    prompt's and the secrets' looks). A second call in each folder, nothing changed, opens
    and lists nothing: it ends at the stat marks."""
    folders = [tmp_path / f"person-{n}" for n in range(100)]
    for folder in folders:
        (folder / ".ml-intern" / "skills" / "own").mkdir(parents=True)
        skill = SKILL.format(name="own", description=f"{folder.name}'s.")
        (folder / ".ml-intern" / "skills" / "own" / "SKILL.md").write_text(skill)
        (folder / "AGENTS.md").write_text(f"{folder.name}'s notes.\n")
        (folder / ".env").write_text("PLAIN=1\n")
    settle_tree(tmp_path)
    for folder in folders:
        prompt_files(folder)
    with by_name() as seen:
        for folder in folders:
            assert f"{folder.name}'s notes." in shown(folder)
    assert [line for line in seen if str(tmp_path) in line] == []
