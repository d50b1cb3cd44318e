"""The `skill` tool returns a playbook and the files beside it; a wrong name lists the rest."""

from __future__ import annotations

from pathlib import Path

from tests.fakes.tool_calls import call_tool
from tools.local.skill import skill_spec


async def test_a_bundled_skill_comes_with_its_template(workspace: Path) -> None:
    result = await call_tool(skill_spec().tool, {"name": "sft-trl"}, workspace, as_tool_call=True)
    assert result.status != "error"
    assert result.content.startswith("# Skill: sft-trl (bundled)")
    assert "## Sources" in result.content and "name: sft-trl" not in result.content
    assert "train_sft.py" in result.content  # a path the model can `read`


async def test_an_unknown_skill_says_which_exist(workspace: Path) -> None:
    result = await call_tool(skill_spec().tool, {"name": "sft"}, workspace, as_tool_call=True)
    assert result.status == "error" and "No skill is named 'sft'" in result.content
    assert "sft-trl" in result.content


def test_the_skill_tool_is_read_only_and_auto() -> None:
    spec = skill_spec()
    assert spec.read_only and spec.approval({}, Path(".")) == "auto"


def test_reading_a_bundled_template_needs_no_approval(workspace: Path) -> None:
    from configs.skills import BUNDLED_DIR
    from tools.local.read import read_rule as rule_for

    read_rule = rule_for(None)
    template = str(BUNDLED_DIR / "sft-trl" / "train_sft.py")
    assert read_rule({"path": template}, workspace) == "auto"
    assert read_rule({"path": str(BUNDLED_DIR.parent / "pyproject.toml")}, workspace) == "ask"
    assert read_rule({"path": "/etc/passwd"}, workspace) == "ask"
