"""The `skill` tool: a playbook's body, loaded when the model decides it needs it."""

from __future__ import annotations

import difflib

from pydantic import BaseModel, Field

from tools.call_context import CallContext
from tools.catalog import ToolSpec
from tools.policy import always
from tools.result_texts import tool_text
from tools.result_texts.shell import (
    BESIDE,
    BESIDE_FILE,
    CLOSE,
    NO_SKILLS,
    SKILL,
    SMALL_UNKNOWN,
    UNKNOWN_SKILL,
    UNREADABLE_SKILL,
)
from tools.tool_factory import make_tool
from tools.tool_rules import first


class SkillArgs(BaseModel):
    """Load a skill (a playbook listed under Skills in your instructions) by name and get its
    full text, plus the paths of any templates beside it (open them with `read`). Load the
    matching skill before starting that kind of work."""

    name: str = Field(description="The skill's name as listed, e.g. 'sft-trl'.")


async def _skill(call: CallContext, name: str) -> str:
    from langchain_core.tools import ToolException

    from tools.skills import scan_skills, skill_body, skill_files

    scan = scan_skills(call.workspace)
    skill = scan.find(name.strip())
    if skill is None:
        names = [s.name for s in scan.skills]
        if (answer := first(call.rules, lambda r: r.unknown_skill(name, names))) is not None:
            raise ToolException(answer)
        known = ", ".join(names) or tool_text("skill", NO_SKILLS)
        raise ToolException(tool_text("skill", UNKNOWN_SKILL, name=name, names=known))
    try:
        body = skill_body(skill)
    except (OSError, UnicodeDecodeError) as exc:
        raise ToolException(tool_text("skill", UNREADABLE_SKILL, name=name, error=exc)) from None
    files = skill_files(skill)
    listing = "\n".join(tool_text("skill", BESIDE_FILE, path=path) for path in files)
    beside = tool_text("skill", BESIDE, listing=listing) if files else ""
    return tool_text("skill", SKILL, name=skill.name, source=skill.source, body=body, beside=beside)


def small_unknown(name: str, names: list[str]) -> str:
    """After a wrong name, a small model is shown only the close names."""
    close = difflib.get_close_matches(name.strip(), names, n=2, cutoff=0.6)
    near = tool_text("skill_close_match", CLOSE, names=", ".join(close)) if close else ""
    return tool_text("skill_close_match", SMALL_UNKNOWN, name=name, close=near)


def skill_spec() -> ToolSpec:
    return ToolSpec(
        tool=make_tool("skill", SkillArgs, _skill),
        family="local",
        approval=always("auto"),
        read_only=True,
        summary="name",
    )
