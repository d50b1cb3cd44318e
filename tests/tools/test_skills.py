"""The project's skills folder is the agent's to write: a link planted at any part of it, or a
FIFO swapped in after the scan, never gets a host file's text to the model nor hangs a call."""

from __future__ import annotations

import asyncio
import contextlib
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from configs.skills import MAX_ENTRIES_BESIDE, MAX_PROJECT_ENTRIES
from tests.fakes.deep_nest import flatten, nest
from tests.fakes.open_routes import open_route  # noqa: F401 (autouse fixture)
from tests.fakes.path_flipper import PathFlipper
from tests.fakes.tool_calls import call_tool
from tools.local.skill import skill_spec
from tools.skills import scan_skills, skill_body, skill_files

NO_HOME = {"HOME": "/nonexistent"}
SECRET = "HOST-SECRET-hunter2"
HOST_SKILL = f"---\nname: stolen\ndescription: Looks like a playbook.\n---\n{SECRET}\n"
LINKS = "links are not followed in the project's skills folder"


def skill_text(name: str) -> str:
    return f"---\nname: {name}\ndescription: When to use it.\n---\nOur body.\n"


def host_files(tmp_path: Path) -> Path:
    """A host folder outside the workspace shaped like a project's, holding a valid skill."""
    host = tmp_path / "host"
    folder = host / ".ml-intern" / "skills" / "stolen"
    folder.mkdir(parents=True)
    (folder / "SKILL.md").write_text(HOST_SKILL)
    return host


def _link_skill_md(workspace: Path, host: Path) -> Path:
    folder = workspace / ".ml-intern" / "skills" / "stolen"
    folder.mkdir(parents=True)
    (folder / "SKILL.md").symlink_to(host / ".ml-intern" / "skills" / "stolen" / "SKILL.md")
    return folder / "SKILL.md"


def _link_folder(workspace: Path, host: Path) -> Path:
    (workspace / ".ml-intern" / "skills").mkdir(parents=True)
    planted = workspace / ".ml-intern" / "skills" / "stolen"
    planted.symlink_to(host / ".ml-intern" / "skills" / "stolen", target_is_directory=True)
    return planted


def _link_skills(workspace: Path, host: Path) -> Path:
    (workspace / ".ml-intern").mkdir(parents=True)
    planted = workspace / ".ml-intern" / "skills"
    planted.symlink_to(host / ".ml-intern" / "skills", target_is_directory=True)
    return planted


def _link_ml_intern(workspace: Path, host: Path) -> Path:
    workspace.mkdir(parents=True)
    planted = workspace / ".ml-intern"
    planted.symlink_to(host / ".ml-intern", target_is_directory=True)
    return planted


PLANTS: dict[str, Callable[[Path, Path], Path]] = {
    "SKILL.md": _link_skill_md,
    "the skill's folder": _link_folder,
    "skills": _link_skills,
    ".ml-intern": _link_ml_intern,
}


@pytest.mark.parametrize("where", PLANTS)
async def test_a_link_at_any_part_of_the_project_skills_folder_is_not_followed(
    tmp_path: Path, where: str
) -> None:
    host = host_files(tmp_path)
    workspace = tmp_path / "ws"
    planted = PLANTS[where](workspace, host)
    scan = scan_skills(workspace, env=NO_HOME)
    assert scan.find("stolen") is None
    assert any(str(planted) in w and LINKS in w for w in scan.warnings), scan.warnings
    result = await call_tool(skill_spec().tool, {"name": "stolen"}, workspace, as_tool_call=True)
    assert result.status == "error" and SECRET not in result.content


async def test_a_real_project_skill_beside_a_planted_link_still_loads(tmp_path: Path) -> None:
    host = host_files(tmp_path)
    workspace = tmp_path / "ws"
    _link_skill_md(workspace, host)
    ours = workspace / ".ml-intern" / "skills" / "ours"
    ours.mkdir()
    (ours / "SKILL.md").write_text(skill_text("ours"))
    result = await call_tool(skill_spec().tool, {"name": "ours"}, workspace, as_tool_call=True)
    assert result.status != "error" and "Our body." in result.content
    assert result.content.startswith("# Skill: ours (project)")


def _body_in_a_thread(skill: object) -> tuple[threading.Thread, list[object]]:
    """`skill_body` run where a hang fails the test instead of the run."""
    outcome: list[object] = []

    def run() -> None:
        try:
            outcome.append(skill_body(skill))  # type: ignore[arg-type]
        except Exception as exc:
            outcome.append(exc)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(timeout=10)
    return thread, outcome


def test_a_skill_md_swapped_for_a_fifo_or_a_link_after_the_scan_is_refused(
    tmp_path: Path,
) -> None:
    host = host_files(tmp_path)
    folder = tmp_path / "ws" / ".ml-intern" / "skills" / "mine"
    folder.mkdir(parents=True)
    path = folder / "SKILL.md"
    path.write_text(skill_text("mine"))
    skill = scan_skills(tmp_path / "ws", env=NO_HOME).find("mine")
    assert skill is not None and skill_body(skill) == "Our body."

    path.unlink()
    os.mkfifo(path)
    thread, outcome = _body_in_a_thread(skill)
    if thread.is_alive():  # the old code blocks in open(): a writer lets it go
        os.close(os.open(path, os.O_WRONLY | os.O_NONBLOCK))
        thread.join(timeout=10)
        pytest.fail("skill_body waited on a FIFO")
    assert len(outcome) == 1 and isinstance(outcome[0], OSError), outcome

    path.unlink()
    path.symlink_to(host / ".ml-intern" / "skills" / "stolen" / "SKILL.md")
    thread, outcome = _body_in_a_thread(skill)
    assert not thread.is_alive()
    assert len(outcome) == 1 and isinstance(outcome[0], OSError), outcome


async def test_files_beside_a_project_skill_are_listed_without_following_links(
    tmp_path: Path,
) -> None:
    host = host_files(tmp_path)
    (host / "secret-notes.txt").write_text(SECRET)
    workspace = tmp_path / "ws"
    folder = workspace / ".ml-intern" / "skills" / "mine"
    (folder / "templates").mkdir(parents=True)
    (folder / "SKILL.md").write_text(skill_text("mine"))
    (folder / "templates" / "train.py").write_text("print('hi')\n")
    (folder / "templates" / ".hidden.py").write_text("")
    (folder / "host").symlink_to(host, target_is_directory=True)
    (folder / "notes.txt").symlink_to(host / "secret-notes.txt")
    skill = scan_skills(workspace, env=NO_HOME).find("mine")
    assert skill is not None
    assert skill_files(skill) == [folder / "templates" / "train.py"]
    result = await call_tool(skill_spec().tool, {"name": "mine"}, workspace, as_tool_call=True)
    assert str(folder / "templates" / "train.py") in result.content
    assert "secret-notes" not in result.content and "notes.txt" not in result.content


CALLS = 300


def _tool_calls_in_a_thread(workspace: Path, flipper: PathFlipper) -> list[str]:
    """The tool called while `flipper` swaps names, in a thread a hang fails instead of the run;
    each call's text."""
    texts: list[str] = []

    async def calls() -> None:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and not (len(texts) >= CALLS and flipper.at_least(CALLS)):
            tool = skill_spec().tool
            result = await call_tool(tool, {"name": "mine"}, workspace, as_tool_call=True)
            texts.append(result.content)

    thread = threading.Thread(target=lambda: asyncio.run(calls()), daemon=True)
    thread.start()
    thread.join(timeout=30)
    if thread.is_alive():  # the old code blocks in open(): a writer lets it go
        for name in (flipper.a, flipper.b):
            with contextlib.suppress(OSError):
                os.close(os.open(name, os.O_WRONLY | os.O_NONBLOCK))
        thread.join(timeout=10)
        pytest.fail(f"the skill tool hung after {len(texts)} calls")
    return texts


def test_a_skill_folder_flipping_with_a_link_never_shows_the_host_file(tmp_path: Path) -> None:
    host = tmp_path / "host"
    host.mkdir()
    (host / "SKILL.md").write_text(HOST_SKILL.replace("name: stolen", "name: mine"))
    skills = tmp_path / "ws" / ".ml-intern" / "skills"
    (skills / "mine").mkdir(parents=True)
    (skills / "mine" / "SKILL.md").write_text(skill_text("mine"))
    (skills / ".swap").symlink_to(host, target_is_directory=True)
    with PathFlipper(skills / "mine", skills / ".swap") as flipper:
        texts = _tool_calls_in_a_thread(tmp_path / "ws", flipper)
    assert len(texts) >= CALLS and not [t for t in texts if SECRET in t]


def test_a_skill_md_flipping_with_a_fifo_never_hangs_the_tool(tmp_path: Path) -> None:
    folder = tmp_path / "ws" / ".ml-intern" / "skills" / "mine"
    folder.mkdir(parents=True)
    (folder / "SKILL.md").write_text(skill_text("mine"))
    os.mkfifo(folder / ".fifo")
    with PathFlipper(folder / "SKILL.md", folder / ".fifo") as flipper:
        texts = _tool_calls_in_a_thread(tmp_path / "ws", flipper)
    answers = ("Our body.", "cannot be read now", "No skill is named 'mine'")
    assert len(texts) >= CALLS and all(any(a in t for a in answers) for t in texts)


def test_a_skill_md_flipping_with_a_link_to_a_host_skill_never_shows_it(tmp_path: Path) -> None:
    host = host_files(tmp_path)
    folder = tmp_path / "ws" / ".ml-intern" / "skills" / "mine"
    folder.mkdir(parents=True)
    (folder / "SKILL.md").write_text(skill_text("mine"))
    host_skill = host / ".ml-intern" / "skills" / "stolen" / "SKILL.md"
    host_skill.write_text(HOST_SKILL.replace("name: stolen", "name: mine"))
    (folder / ".swap").symlink_to(host_skill)
    with PathFlipper(folder / "SKILL.md", folder / ".swap") as flipper:
        texts = _tool_calls_in_a_thread(tmp_path / "ws", flipper)
    assert len(texts) >= CALLS and not [t for t in texts if SECRET in t]


def test_a_nest_thousands_deep_beside_a_project_skill_is_not_walked_to_its_bottom(
    tmp_path: Path,
) -> None:
    """Each level of the walk held a descriptor and a frame: a nest the agent planted 3,000
    deep ended the tool in a RecursionError (or ran the host out of descriptors)."""
    folder = tmp_path / "ws" / ".ml-intern" / "skills" / "mine"
    folder.mkdir(parents=True)
    (folder / "SKILL.md").write_text(skill_text("mine"))
    (folder / "train.py").write_text("")
    nest(folder, 3_000)
    try:
        skill = scan_skills(tmp_path / "ws", env=NO_HOME).find("mine")
        assert skill is not None and skill_files(skill) == [folder / "train.py"]
    finally:
        flatten(folder)


def test_a_wide_tree_beside_a_project_skill_is_looked_at_only_up_to_a_bound(
    tmp_path: Path,
) -> None:
    """The walk listed everything beside the skill before keeping 50 files: 100,000 files
    planted there took 2.5 s a call, the tool's work growing with whatever the agent wrote.
    Here the entries looked at run out among the folders, before any is entered."""
    folder = tmp_path / "ws" / ".ml-intern" / "skills" / "mine"
    (folder / "bulk").mkdir(parents=True)
    (folder / "SKILL.md").write_text(skill_text("mine"))
    fd = os.open(folder / "bulk", os.O_RDONLY | os.O_DIRECTORY)
    for n in range(MAX_ENTRIES_BESIDE + 500):
        os.mkdir(f"f{n}", dir_fd=fd)
        os.close(os.open(f"f{n}/x.py", os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=fd))
    os.close(fd)
    skill = scan_skills(tmp_path / "ws", env=NO_HOME).find("mine")
    assert skill is not None and skill_files(skill) == []


def test_a_project_skills_folder_planted_full_costs_each_model_call_a_bounded_scan(
    tmp_path: Path,
) -> None:
    """Each model call scans the project's skills: 100,000 folders planted there cost each
    call 3.5 s. Only `MAX_PROJECT_ENTRIES` names of it are read, with a warning."""
    skills = tmp_path / "ws" / ".ml-intern" / "skills"
    for n in range(MAX_PROJECT_ENTRIES + 50):
        (skills / f"s{n}").mkdir(parents=True)
        (skills / f"s{n}" / "SKILL.md").write_text(skill_text(f"s{n}"))
    scan = scan_skills(tmp_path / "ws", env=NO_HOME)
    assert len([s for s in scan.skills if s.source == "project"]) == MAX_PROJECT_ENTRIES
    cut = f"holds more than {MAX_PROJECT_ENTRIES} entries; only {MAX_PROJECT_ENTRIES} were read"
    assert [w for w in scan.warnings if str(skills) in w and cut in w], scan.warnings
