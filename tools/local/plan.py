"""The `plan` tool: the model's todo list, kept in the thread's state."""

from __future__ import annotations

from typing import Any, Literal

from langchain_core.tools import BaseTool, StructuredTool
from pydantic import BaseModel, Field


class Todo(BaseModel):
    id: str = Field(description="Short stable id, e.g. '1' or 'load-data'.")
    content: str = Field(description="What to do, one line.")
    status: Literal["pending", "in_progress", "completed"] = Field(
        description="Exactly one item should be in_progress while you work."
    )


class PlanArgs(BaseModel):
    todos: list[Todo] = Field(description="The whole plan; it replaces the previous one.")


def render_plan(todos: list[dict[str, Any]]) -> str:
    marks = {"pending": "[ ]", "in_progress": "[~]", "completed": "[x]"}
    return "\n".join(f"{marks.get(t['status'], '[ ]')} {t['id']}. {t['content']}" for t in todos)


async def _plan(todos: list[Todo]) -> tuple[str, dict[str, Any]]:
    items = [t.model_dump() for t in todos]
    done = sum(t["status"] == "completed" for t in items)
    text = f"Plan updated ({done}/{len(items)} done):\n{render_plan(items)}"
    return text, {"plan": items}


def make_plan_tool() -> BaseTool:
    return StructuredTool.from_function(
        coroutine=_plan,
        name="plan",
        description=(
            "Write or update your todo list for tasks of 3+ steps. Send the whole list each "
            "time; mark an item in_progress before starting it and completed as soon as it is "
            "done. The user sees the plan as a checklist."
        ),
        args_schema=PlanArgs,
        response_format="content_and_artifact",
    )
