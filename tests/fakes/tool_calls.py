"""Calling a tool as `execute_tools` does: inside a call context (workspace, thread, call id)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from langchain_core.messages import AIMessage
from langchain_core.tools import BaseTool

from adaptations.resolve import adapted
from configs.model_profile import profile_of
from configs.run_context import RunContext
from tools.call_context import EVERY_MODEL_RULES, CallContext, _nowhere, calling


def call_context(
    tool: str = "",
    workspace: Path | None = None,
    *,
    thread: str = "t1",
    call_id: str | None = "call-1",
    mode: str = "interactive",
    writer: Callable[[Any], None] = _nowhere,
    read_tokens: int | None = None,
    rules: frozenset[str] | None = None,
) -> CallContext:
    """A call's context; `read_tokens` makes it a small-window model's call (with a small
    model's adaptations unless `rules` says which)."""
    run = RunContext.model_validate({"workspace": workspace, "thread_id": thread, "mode": mode})
    if rules is None:
        rules = small_model_rules() if read_tokens is not None else EVERY_MODEL_RULES
    return CallContext(
        run=run,
        tool=tool,
        tool_call_id=call_id,
        writer=writer,
        read_tokens=read_tokens,
        rules=rules,
    )


def small_model_rules() -> frozenset[str]:
    """The adaptations a small-window local model gets by default."""
    return adapted(profile_of("llamacpp/small", env={})).rules


async def call_tool(
    tool: BaseTool,
    args: dict[str, Any],
    workspace: Path | None = None,
    *,
    as_tool_call: bool = False,
    **context: Any,
) -> Any:
    """The tool's result; with `as_tool_call` a ToolMessage (errors have status=error)."""
    ctx = call_context(tool.name, workspace, **context)
    payload: Any = args
    if as_tool_call:
        payload = {"name": tool.name, "args": args, "id": ctx.tool_call_id, "type": "tool_call"}
    with calling(ctx):
        return await tool.ainvoke(payload)


def calls(*pairs: tuple[str, dict[str, Any]]) -> AIMessage:
    """A model's reply making these (tool name, arguments) calls, with ids "0", "1", ..."""
    return AIMessage(
        content="",
        tool_calls=[{"id": str(i), "name": n, "args": a} for i, (n, a) in enumerate(pairs)],
    )
