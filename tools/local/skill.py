"""The `skill` tool: a playbook's body, loaded when the model decides it needs it."""

from __future__ import annotations

import difflib

from pydantic import BaseModel, Field

from tools.call_context import CallContext
from tools.catalog import ToolSpec
from tools.policy import always
from tools.tool_factory import make_tool

# After a wrong name, a small model is shown only the close names.
# Why: shown every name, a 1.5B model loaded asr-fine-tuning for a CSV (docs/lab/2026-11-25.md).
SMALL_UNKNOWN = (
    "No skill is named {name!r}{close}. A skill is an optional playbook; without one, do the "
    "task with the tools you have (`bash` with python3 for work on the workspace's files)."
)


class SkillArgs(BaseModel):
    """Load a skill (a playbook listed under Skills in your instructions) by name and get its
    full text, plus the paths of any templates beside it (open them with `read`). Load the
    matching skill before starting that kind of work."""

    name: str = Field(description="The skill's name as listed, e.g. 'sft-trl'.")


async def _skill(call: CallContext, name: str) -> str:
    from langchain_core.tools import ToolException

    from configs.skills import scan_skills, skill_body

    scan = scan_skills(call.workspace)
    skill = scan.find(name.strip())
    if skill is None:
        names = [s.name for s in scan.skills]
        if call.uses("skill-close-match"):
            close = difflib.get_close_matches(name.strip(), names, n=2, cutoff=0.6)
            near = f" (close: {', '.join(close)})" if close else ""
            raise ToolException(SMALL_UNKNOWN.format(name=name, close=near))
        raise ToolException(f"No skill is named {name!r}. Available: {', '.join(names) or 'none'}.")
    try:
        body = skill_body(skill)
    except (OSError, UnicodeDecodeError) as exc:
        raise ToolException(f"Skill {name!r} cannot be read now ({exc}).") from None
    files = skill.files
    listing = "\n".join(f"- {path}" for path in files)
    beside = f"\n\nFiles beside this skill (open with `read`):\n{listing}" if files else ""
    return f"# Skill: {skill.name} ({skill.source})\n\n{body}{beside}"


def skill_spec() -> ToolSpec:
    return ToolSpec(
        tool=make_tool("skill", SkillArgs, _skill),
        family="local",
        approval=always("auto"),
        read_only=True,
        summary="name",
    )
