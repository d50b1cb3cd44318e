"""The `plan` tool: the model's todo list, kept in the thread's state."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from tools.call_context import CallContext
from tools.catalog import ToolSpec
from tools.policy import always
from tools.result_texts import tool_text
from tools.result_texts.search import COMPLETED, IN_PROGRESS, PENDING, PLAN_LINE, PLAN_UPDATED
from tools.tool_factory import make_tool


class Todo(BaseModel):
    id: str = Field(description="Short stable id, e.g. '1' or 'load-data'.")
    content: str = Field(description="What to do, one line.")
    status: Literal["pending", "in_progress", "completed"] = Field(
        description="Exactly one item should be in_progress while you work."
    )


class PlanArgs(BaseModel):
    """Write or update your todo list for tasks of 3+ steps. Send the whole list each time;
    mark an item in_progress before starting it and completed as soon as it is done. The
    user sees the plan as a checklist."""

    todos: list[Todo] = Field(description="The whole plan; it replaces the previous one.")


def render_plan(todos: list[dict[str, Any]]) -> str:
    """The plan as a checklist, one `[mark] id. content` line per item."""
    return "\n".join(
        tool_text("plan", PLAN_LINE, mark=_mark(t["status"]), id=t["id"], content=t["content"])
        for t in todos
    )


def _mark(status: str) -> str:
    """The checkbox of an item with `status` (an unknown status shows as pending)."""
    if status == "in_progress":
        return tool_text("plan", IN_PROGRESS)
    if status == "completed":
        return tool_text("plan", COMPLETED)
    return tool_text("plan", PENDING)


async def _plan(_call: CallContext, todos: list[Todo]) -> tuple[str, dict[str, Any]]:
    items = [t.model_dump() for t in todos]
    done = sum(t["status"] == "completed" for t in items)
    text = tool_text("plan", PLAN_UPDATED, done=done, total=len(items), plan=render_plan(items))
    return text, {"plan": items}


def plan_spec() -> ToolSpec:
    return ToolSpec(
        tool=make_tool("plan", PlanArgs, _plan, artifact=True),
        family="local",
        kind="think",
        approval=always("auto"),
        summary=lambda args: f"{len(args.get('todos') or [])} items",
    )
