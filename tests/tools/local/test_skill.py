"""The `skill` tool returns a playbook and the files beside it; a wrong name lists the rest."""

from __future__ import annotations

from pathlib import Path

from adaptations.registry import BY_NAME
from tests.configs.test_prompt_snapshot import check_snapshot
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


async def test_a_small_model_is_shown_only_the_close_names(workspace: Path) -> None:
    """Shown every name after a wrong one, Qwen2.5-Coder-1.5B loaded the first listed
    (asr-fine-tuning, for a CSV task) and launched a speech training job."""
    # `skill-close-match`, off by default (never fired on dev pass 1): switched on.
    small = {"as_tool_call": True, "read_tokens": 1000, "rules": (BY_NAME["skill-close-match"],)}
    wrong = await call_tool(skill_spec().tool, {"name": "train-classifier"}, workspace, **small)
    check_snapshot("skill_unknown_small.md", wrong.content + "\n")
    assert wrong.status == "error" and "asr-fine-tuning" not in wrong.content
    near = await call_tool(skill_spec().tool, {"name": "classification"}, workspace, **small)
    assert "(close: text-classification)" in near.content and "sft-trl" not in near.content


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
