"""Code-running tools where the walls cannot go up: each keeps its name and schema, runs
nothing, and answers why and how to fix it.

A server runs the agent's code only inside the sandbox (serve/server_walls.py). Where
bubblewrap is missing, or cannot make its namespaces, every tool the catalogue marks as running
programs (`ToolSpec.runs_code`: bash, the python kernel, notebooks, and any later one) is
replaced by its refusal: the model is told in the tool's description that it is unavailable
here, and a call (however it reached the tool) answers the fix and starts no process. The
other tools work as usual.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from langchain_core.tools import ToolException

from tools.call_context import CallContext
from tools.catalog import ToolCatalog, ToolSpec
from tools.policy import always
from tools.result_texts import tool_text
from tools.result_texts.sandbox import SERVER_UNWALLED, UNAVAILABLE_HERE
from tools.tool_factory import make_tool


def refusing_code(catalog: ToolCatalog, problem: str) -> ToolCatalog:
    """`catalog` with each code-running tool replaced by its refusal naming `problem` (why
    the sandbox cannot start here)."""
    return ToolCatalog([refusal(spec, problem) if spec.runs_code else spec for spec in catalog])


def refusal(spec: ToolSpec, problem: str) -> ToolSpec:
    """`spec`'s tool under its own name and schema, answering SERVER_UNWALLED to every call.
    It runs nothing, so it asks nobody and changes nothing (approval, undo)."""
    answer = tool_text("sandbox", SERVER_UNWALLED, name=spec.name, problem=problem)

    async def refuse(_call: CallContext, **_args: Any) -> str:
        raise ToolException(answer)

    tool = make_tool(spec.name, spec.tool.args_schema, refuse)  # type: ignore[arg-type]
    tool.description = f"{tool_text('sandbox', UNAVAILABLE_HERE)} {spec.tool.description}"
    return replace(
        spec,
        tool=tool,
        approval=always("auto"),
        workspace_effect="none",
        changed_paths=None,
        runtime_lines=None,
    )
