"""A tool in OpenAI's function format, as a model is sent it; a built-in tool's worked out once
a process.

LangChain derives the format from a tool's argument class through a new pydantic model and
its JSON schema, remembered on the tool object only: every session's catalog (new tool
objects over the same classes) paid it again, ~30 ms of CPU for the 27 built-in tools. The
format is a function of the tool's name, description, argument class and function (whose
signature names the arguments a model never fills), so tools alike in those four share one;
each caller gets its own copy to change.
"""

from __future__ import annotations

import copy
from collections.abc import Hashable
from typing import Any

# Bounded: a server's MCP tools may bring argument classes of their own per connection.
LIMIT = 256
_made: dict[tuple[Hashable, ...], dict[str, Any]] = {}


def openai_schema(tool: Any) -> dict[str, Any]:
    """`convert_to_openai_tool(tool)`, a fresh copy; remembered for a tool with an argument class
    (a dict schema, or a format already made, is converted each time)."""
    from langchain_core.utils.function_calling import convert_to_openai_tool

    key = _key(tool)
    if key is None:
        return convert_to_openai_tool(tool)
    made = _made.get(key)
    if made is None:
        made = convert_to_openai_tool(tool)
        if len(_made) >= LIMIT:
            _made.clear()
        _made[key] = made
    return copy.deepcopy(made)


def _key(tool: Any) -> tuple[Hashable, ...] | None:
    from langchain_core.tools import StructuredTool

    if not isinstance(tool, StructuredTool) or not isinstance(tool.args_schema, type):
        return None
    code = getattr(tool.coroutine or tool.func, "__code__", None)
    return None if code is None else (tool.name, tool.description, tool.args_schema, code)
