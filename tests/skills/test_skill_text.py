"""Every skill's code blocks, library keywords and tool arguments hold for the pinned versions."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.skills.conftest import SKILLS, Measure
from tests.skills.snippets import Block, Problem, check_block, code_blocks, skill_files
from tests.skills.tool_mentions import flag_problems, tool_problems, tool_schemas

SKILL_FILES = list(skill_files(SKILLS))
# A worker's first `measure` waits for the zygotes to import the libraries.
TEMPLATE_RUN = pytest.mark.timeout(600)


def report(problems: list[Problem]) -> str:
    return "\n".join(str(p) for p in problems)


def problems_of(rows: list[list[Any]]) -> list[Problem]:
    """Problems as `measure` returns them (JSON rows: path, line, message)."""
    return [Problem(Path(path), line, message) for path, line, message in rows]


@pytest.fixture(scope="module")
def skills_problems(measure: Measure) -> dict[str, list[Problem]]:
    """Every skill's block problems, checked in a template run's process (`measure`): the
    blocks import torch, transformers, TRL and sentence-transformers, which would cost the
    test worker ~14 s of CPU to import itself."""
    found = measure("snippets.skills_problems", str(SKILLS))
    return {path: problems_of(rows) for path, rows in found.items()}


@TEMPLATE_RUN
@pytest.mark.parametrize("path", SKILL_FILES, ids=lambda p: p.parent.name)
def test_code_blocks_parse_define_their_names_and_use_real_keywords(
    path: Path, skills_problems: dict[str, list[Problem]]
) -> None:
    problems = skills_problems[str(path)]
    assert not problems, report(problems)


@pytest.mark.parametrize("path", SKILL_FILES, ids=lambda p: p.parent.name)
def test_tool_arguments_and_template_flags_match_our_tools(path: Path) -> None:
    problems = tool_problems(path, tool_schemas()) + flag_problems(path)
    assert not problems, report(problems)


@TEMPLATE_RUN
def test_a_library_that_renames_an_argument_fails_with_file_and_line(measure: Measure) -> None:
    """Simulate trl renaming SFTConfig's `learning_rate` to `lr`: the snippets that pass it
    must now fail, naming the SKILL.md and the line (in a template run's process, `measure`)."""
    path = SKILLS / "preference-tuning" / "SKILL.md"
    renamed = ("trl.DPOConfig", "learning_rate", "lr")
    problems = problems_of(measure("snippets.problems_with_a_field_renamed", str(path), *renamed))

    lines = path.read_text(encoding="utf-8").splitlines()
    assert problems, "the rename went unnoticed"
    for problem in problems:
        assert problem.path == path and "'learning_rate'" in problem.message
        assert "learning_rate=" in lines[problem.line - 1]
        assert str(problem).startswith(f"{path}:{problem.line}: DPOConfig() has no keyword")


def test_a_tool_argument_the_tool_does_not_take_fails_with_file_and_line(tmp_path: Path) -> None:
    skill = tmp_path / "x" / "SKILL.md"
    skill.parent.mkdir()
    skill.write_text(
        '# x\n\nRun `hf_jobs` with operation `uv` and `hf_token="auto"`.\n\n'
        'Then `hf_jobs(operation="logs", jobid="123")`.\n\n'
        "Or `hf_jobs` operation `launch`.\n",
        encoding="utf-8",
    )
    found = [str(p) for p in tool_problems(skill, tool_schemas())]
    assert any(f"{skill}:3: hf_jobs rejects hf_token='auto'" in p for p in found), found
    assert any(f"{skill}:5: hf_jobs has no argument 'jobid'" in p for p in found), found
    assert any(f"{skill}:7: hf_jobs rejects operation='launch'" in p for p in found), found


def test_blocks_in_an_untagged_language_or_broken_python_say_what_to_do(tmp_path: Path) -> None:
    skill = tmp_path / "SKILL.md"
    skill.write_text(
        "```\nhf jobs ps\n```\n\n```python\nfrom trl import SFTConfig\nSFTConfig(\n```\n\n"
        "```python\ntrainer.train()\n```\n",
        encoding="utf-8",
    )
    found = [str(p) for block in code_blocks(skill) for p in check_block(block)]
    assert f"{skill}:1: code block in language '(none)'" in found[0]
    assert f"{skill}:7: Python block does not parse" in found[1]
    assert f"{skill}:11: uses 'trainer' without defining it" in found[2] and "# partial" in found[2]
    assert len(found) == 3
    assert not check_block(Block(skill, 1, "python", "# partial: continues\ntrainer.train()"))


def test_a_flag_the_template_does_not_declare_fails(tmp_path: Path) -> None:
    (tmp_path / "train.py").write_text(
        "import argparse\np = argparse.ArgumentParser()\np.add_argument('--max-steps')\n"
    )
    skill = tmp_path / "SKILL.md"
    skill.write_text("# t\n\nRun `train.py`, `script_args` `--max-steps 3 --max-step 4`.\n")
    found = [str(p) for p in flag_problems(skill)]
    assert found == [f"{skill}:3: --max-step is not a flag of train.py"]


def test_the_always_on_skill_list_stays_small() -> None:
    """Every turn pays for the names and descriptions in the system prompt (469 gpt-4o
    tokens for 16 skills when this was written): a description says when to load, no more."""
    from tools.skills import scan_skills

    skills = scan_skills(None, env={"XDG_CONFIG_HOME": "/nonexistent"}).skills
    listing = "\n".join(f"- {s.name}: {s.description}" for s in skills)
    assert all(len(s.description) <= 130 for s in skills), [
        s.name for s in skills if len(s.description) > 130
    ]
    assert len(listing) <= 120 * len(skills), len(listing)
