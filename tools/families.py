"""The built-in toolset: each family lists its own tools; this joins them in the model's order.

Adding a tool is one module (its `ToolSpec`) plus one line in its family's list.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from pydantic import Field, create_model

from configs.prompt import first_sentence
from tools.call_context import CallContext
from tools.catalog import ToolCatalog, ToolSpec
from tools.external.family import external_specs
from tools.hub.family import hub_specs
from tools.kernel.family import kernel_specs
from tools.lean_schema import lean_schema
from tools.local.family import local_specs
from tools.local.sandbox import Sandbox
from tools.openai_schema import openai_schema
from tools.policy import always
from tools.secret_paths import allow_secret_paths
from tools.tool_factory import make_tool

if TYPE_CHECKING:
    from configs.settings import Settings


def build_catalog(settings: Settings) -> ToolCatalog:
    """Local files, shell and plan; the Hugging Face tools; GitHub and Slack."""
    allow_secret_paths(settings.approval.allow_secret_paths)
    sandbox = Sandbox.from_settings(settings.sandbox)
    return ToolCatalog(
        [
            *local_specs(sandbox),
            *kernel_specs(sandbox, settings.kernel_python, settings.kernel_memory_mb),
            *hub_specs(settings),
            *external_specs(settings),
        ]
    )


# --- what a small-window model is offered ---------------------------------------------------

# The toolset a small-window model starts with; the others are one `more_tools` call away.
CORE_TOOLS = frozenset(
    {"bash", "read", "write", "edit", "grep", "glob", "plan", "skill", "hf_jobs", "research"}
)
# The toolset of a lean request (adaptations/shaping.py `LeanRequest`): the files, the shell,
# the skills and Jobs; `plan` and `research` join the others behind `more_tools`.
LEAN_CORE_TOOLS = CORE_TOOLS - {"plan", "research"}
# The kernel's tool, a core tool where a rule asks (adaptations/shaping.py `PythonFirst`).
KERNEL_TOOL = "python"
MORE_TOOLS = "more_tools"


def with_more_tools(catalog: ToolCatalog) -> ToolCatalog:
    """`catalog` plus `more_tools`, which turns on tools outside the core set by name (those
    outside the lean core set too)."""
    others = [name for name in catalog.names if name not in LEAN_CORE_TOOLS]
    listed = [name for name in others if name not in CORE_TOOLS]
    if not listed:
        return catalog
    return catalog.extended([_more_tools_spec(catalog, others, listed)])


def offered_tools(
    catalog: ToolCatalog,
    *,
    small: bool,
    history: Sequence[Any],
    lean: bool = False,
    python: bool = False,
) -> list[Any]:
    """The tools bound to a model call: all of them (as they are) for a large window; for a
    small one the core set, those `more_tools` turned on in `history`, and `more_tools`,
    each with one-line descriptions; for a lean request the lean core set, in lean schemas
    (tools/lean_schema.py), and `more_tools` naming the tools not offered. `python`: the
    kernel's tool joins the core set."""
    core = {KERNEL_TOOL} if python else set()
    if lean:
        return lean_tools(catalog, history, core)
    if not small:
        return [spec.tool for spec in catalog if spec.name != MORE_TOOLS]
    wanted = CORE_TOOLS | core | {MORE_TOOLS} | turned_on(history)
    return [
        _more_tools_offered(spec, catalog, CORE_TOOLS | core)
        if spec.name == MORE_TOOLS
        else one_line_schema(spec.tool)
        for spec in catalog
        if spec.name in wanted
    ]


def _more_tools_offered(
    spec: ToolSpec, catalog: ToolCatalog, core: set[str] | frozenset[str]
) -> Any:
    """`more_tools` as offered beside `core`: as built, or (the core set grown by a rule)
    naming only the tools still to turn on."""
    if core == CORE_TOOLS:
        return spec.tool
    schema = openai_schema(spec.tool)
    rest = [name for name in catalog.names if name not in core | {MORE_TOOLS}]
    schema["function"]["description"] = more_tools_doc(rest)
    return schema


def lean_tools(
    catalog: ToolCatalog, history: Sequence[Any], core: set[str] | None = None
) -> list[Any]:
    """The lean core set (and `core`) and the tools `more_tools` turned on in `history`, in
    lean schemas, then `more_tools` naming the rest (none when nothing is left to turn on)."""
    wanted = LEAN_CORE_TOOLS | (core or set()) | turned_on(history)
    offered = [
        lean_schema(one_line_schema(spec.tool), spec.lean_args)
        for spec in catalog
        if spec.name in wanted
    ]
    rest = [name for name in catalog.names if name not in wanted | {MORE_TOOLS}]
    more = catalog.get(MORE_TOOLS)
    if more is None or not rest:
        return offered
    schema = lean_schema(one_line_schema(more.tool), None)
    schema["function"]["description"] = more_tools_doc(rest)
    return [*offered, schema]


def turned_on(history: Sequence[Any]) -> set[str]:
    """The tool names the model asked `more_tools` for, read from its calls in `history`."""
    names: set[str] = set()
    for message in history:
        for call in getattr(message, "tool_calls", None) or ():
            if call.get("name") == MORE_TOOLS and isinstance(call.get("args"), dict):
                asked = call["args"].get("names") or []
                names |= {n for n in asked if isinstance(n, str)}
    return names


def one_line_schema(tool: Any) -> dict[str, Any]:
    """The tool's OpenAI schema with the first sentence of each description only."""
    schema = openai_schema(tool)
    function = schema["function"]
    function["description"] = first_sentence(function.get("description") or "")
    for prop in (function.get("parameters") or {}).get("properties", {}).values():
        if isinstance(prop, dict) and "description" in prop:
            prop["description"] = first_sentence(prop["description"])
    return schema


def closest_tools(name: str, names: Sequence[str], limit: int = 3) -> list[str]:
    """The real tool names nearest to a name the model made up, then the core tools."""
    found = difflib.get_close_matches(name, names, n=limit, cutoff=0.4)
    return list(dict.fromkeys([*found, *(n for n in names if n in CORE_TOOLS)]))[: limit + 5]


def more_tools_doc(names: Sequence[str]) -> str:
    """`more_tools`'s description, naming the tools it can turn on."""
    listed = ", ".join(names)
    return f"Turn on more tools by name; they are yours from your next step. Available: {listed}."


def _more_tools_spec(catalog: ToolCatalog, others: list[str], listed: list[str]) -> ToolSpec:
    """`more_tools`: it turns on any of `others`, and its description names `listed` (those
    outside the core set; a lean request names its own, `lean_tools`)."""
    doc = more_tools_doc(listed)
    schema = create_model(
        "MoreToolsArgs",
        __doc__=doc,
        names=(list[str], Field(description="Tool names to turn on, e.g. ['hf_search'].")),
    )

    async def _more_tools(_call: CallContext, names: list[str]) -> str:
        known = [n for n in names if n in others]
        lines = [
            f"- {n}: {first_sentence(catalog.get(n).tool.description)}"  # type: ignore[union-attr]
            for n in known
        ]
        unknown = [n for n in names if n not in others]
        if unknown:
            lines.append(f"Not available: {', '.join(unknown)}. Available: {', '.join(listed)}.")
        head = "Turned on (call them from your next step):" if known else "Nothing turned on."
        return "\n".join([head, *lines])

    return ToolSpec(
        tool=make_tool(MORE_TOOLS, schema, _more_tools),
        family="local",
        approval=always("auto"),
        read_only=True,
        summary=lambda args: ", ".join(args.get("names") or []),
    )
