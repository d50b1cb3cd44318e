"""Calling a tool as `execute_tools` does: inside a call context (workspace, thread, call id)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from langchain_core.messages import AIMessage
from langchain_core.tools import BaseTool

from adaptations.resolve import active, adapted
from configs.model_profile import profile_of
from configs.run_context import RunContext
from tools.call_context import CallContext, _nowhere, calling
from tools.tool_rules import ToolRule


def call_context(
    tool: str = "",
    workspace: Path | None = None,
    *,
    thread: str = "t1",
    call_id: str | None = "call-1",
    mode: str = "interactive",
    writer: Callable[[Any], None] = _nowhere,
    read_tokens: int | None = None,
    rules: Iterable[ToolRule] | None = None,
) -> CallContext:
    """A call's context; `read_tokens` makes it a small-window model's call (with a small
    model's rules unless `rules` says which), else a large model's."""
    run = RunContext.model_validate({"workspace": workspace, "thread_id": thread, "mode": mode})
    if rules is None:
        rules = model_rules(SMALL if read_tokens is not None else LARGE)
    return CallContext(
        run=run,
        tool=tool,
        tool_call_id=call_id,
        writer=writer,
        read_tokens=read_tokens,
        rules=tuple(rules),
    )


SMALL, LARGE = "llamacpp/small", "openai/gpt-4o"


def model_rules(model: str) -> tuple[ToolRule, ...]:
    """The rules a model's main agent gets by default."""
    return active(adapted(profile_of(model, env={}))).rules


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
