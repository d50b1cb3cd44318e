"""Skills are found in three places, bad ones are skipped with one clear warning each."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from configs.skills import BUNDLED_DIR, MAX_SKILL_BYTES
from tools.skills import scan_skills, skill_body

NO_HOME = {"HOME": "/nonexistent"}


def write_skill(root: Path, folder: str, text: str) -> Path:
    path = root / folder / "SKILL.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def skill_text(name: str, description: str = "When to use it.", body: str = "Body.") -> str:
    return f"---\nname: {name}\ndescription: {description}\n---\n{body}\n"


def test_the_bundled_playbooks_load_cleanly_and_cite_their_sources() -> None:
    scan = scan_skills(None, env=NO_HOME)
    assert scan.warnings == ()
    names = {s.name for s in scan.skills}
    wanted = {"sft-trl", "preference-tuning", "grpo-rl", "peft-lora", "evaluation"}
    assert wanted | {"dataset-audit", "hf-jobs", "inference-serving", "publishing"} <= names
    for skill in scan.skills:
        assert skill.source == "bundled" and skill.path.parent.name == skill.name
        assert len(skill.description) <= 160, skill.name
        body = skill_body(skill)
        assert not body.startswith("---") and len(body) < 10_000, skill.name
        sources = body.split("## Sources", 1)
        assert len(sources) == 2 and re.search(r"https://\S+", sources[1]), skill.name


def test_project_beats_user_beats_bundled_with_a_warning(tmp_path: Path) -> None:
    user_root = tmp_path / "xdg" / "ml-intern" / "skills"
    workspace = tmp_path / "ws"
    write_skill(user_root, "mine", skill_text("mine", "User playbook."))
    write_skill(user_root, "sft", skill_text("sft-trl", "User SFT."))
    project = write_skill(
        workspace / ".ml-intern" / "skills", "sft", skill_text("sft-trl", "Ours.")
    )
    scan = scan_skills(workspace, env={"XDG_CONFIG_HOME": str(tmp_path / "xdg"), **NO_HOME})
    chosen = scan.find("sft-trl")
    assert chosen is not None and chosen.source == "project" and chosen.path == project
    assert scan.find("mine") is not None and scan.find("mine").source == "user"
    assert len(scan.warnings) == 2  # user replaces bundled, project replaces user
    assert all("replaces the" in w for w in scan.warnings)


@pytest.mark.parametrize(
    ("content", "why"),
    [
        ("no front matter here", "does not start with front matter"),
        ("---\nname: Bad Name\ndescription: x\n---\n", "needs `name:`"),
        ("---\nname: ok\n---\nbody", "needs a one-line `description:`"),
        (b"---\nname: bin\ndescription: \xff\xfe\n---\n", "not UTF-8"),
        ("x" * (MAX_SKILL_BYTES + 1), "the limit is"),
    ],
)
def test_a_bad_skill_is_skipped_with_its_path_and_the_fix(
    tmp_path: Path, content: str | bytes, why: str
) -> None:
    path = tmp_path / ".ml-intern" / "skills" / "bad" / "SKILL.md"
    path.parent.mkdir(parents=True)
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    scan = scan_skills(tmp_path, env=NO_HOME)
    assert scan.find("bad") is None and scan.find("sft-trl") is not None  # the rest still load
    assert len(scan.warnings) == 1 and str(path) in scan.warnings[0] and why in scan.warnings[0]


def test_an_unreadable_skill_and_yaml_mistakes_people_make(tmp_path: Path) -> None:
    root = tmp_path / ".ml-intern" / "skills"
    (root / "dir-not-file" / "SKILL.md").mkdir(parents=True)  # reading it fails
    write_skill(root, "colon", skill_text("colon", "Use it: when the data is odd."))
    scan = scan_skills(tmp_path, env=NO_HOME)
    colon = scan.find("colon")
    assert colon is not None and colon.description == "Use it: when the data is odd."
    assert len(scan.warnings) == 1 and "cannot be read" in scan.warnings[0]


def test_bundled_dir_is_inside_the_package() -> None:
    assert (BUNDLED_DIR / "sft-trl" / "SKILL.md").is_file()
