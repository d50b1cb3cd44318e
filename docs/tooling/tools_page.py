"""The tool catalogue: each built-in tool's family, approval rule and argument schema."""

from __future__ import annotations

import dataclasses
import importlib
import inspect
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from configs.settings import Settings
from docs.tooling.markdown import banner, wrap
from graph.experiments import with_ledger
from graph.research_agent import with_research
from tools.catalog import ToolCatalog, ToolSpec
from tools.families import build_catalog, with_more_tools


def approval_text(spec: ToolSpec) -> str:
    """The rule in words: `always(...)`'s decision, else the docstring of the rule (of the
    function that built it, or of its class when the rule is an object)."""
    rule = spec.approval
    qualname = getattr(rule, "__qualname__", None)
    if qualname == "always.<locals>.rule":
        decision = next(c.cell_contents for c in rule.__closure__ or ())  # type: ignore[attr-defined]
        return f"always `{decision}`"
    if qualname is None:
        kind = type(rule)
        settings = ", ".join(
            f"{f.name}={getattr(rule, f.name)!r}"
            for f in dataclasses.fields(rule)  # type: ignore[arg-type]
            if isinstance(getattr(rule, f.name), bool | int | str)
        ) if dataclasses.is_dataclass(rule) else ""  # fmt: skip
        doc = inspect.getdoc(kind)
        where = f"`{kind.__module__}.{kind.__name__}({settings})`"
    else:
        factory = qualname.split(".<locals>")[0]
        doc = inspect.getdoc(rule)
        if not doc and factory != qualname:
            doc = inspect.getdoc(getattr(importlib.import_module(rule.__module__), factory, None))
        where = f"`{rule.__module__}.{factory}`"
    return f"{_first_paragraph(doc)} ({where})" if doc else f"see {where}"


def _first_paragraph(doc: str) -> str:
    return " ".join(doc.split("\n\n")[0].split())


def _parameters(schema: Mapping[str, Any]) -> list[str]:
    props: Mapping[str, Any] = schema.get("properties", {})
    required = set(schema.get("required", []))
    rows = []
    for name, prop in props.items():
        kind = prop.get("type") or " | ".join(
            str(p.get("type", "?")) for p in prop.get("anyOf", [])
        )
        text = prop.get("description", "")
        if "enum" in prop:
            kind = "one of"
            text = " ".join(f"`{v}`" for v in prop["enum"]) + (f". {text}" if text else "")
        need = "required" if name in required else "optional"
        head = f"- `{name}` ({kind}, {need})"
        rows.append(wrap(text, indent="    ", first=f"{head}: ") if text else head)
    return rows


def session_catalog() -> ToolCatalog:
    """The tools a session offers with default settings and no MCP servers: the built-in
    families, `research`, `experiments` and `more_tools` (as `Session.open` adds them)."""
    settings = Settings()
    with tempfile.TemporaryDirectory() as folder:
        home = Path(folder)
        catalog = with_ledger(with_research(build_catalog(settings), settings, home), home)
        return with_more_tools(catalog)


def render() -> str:
    catalog = session_catalog()
    schemas = {s["function"]["name"]: s["function"] for s in catalog.schemas()}
    out = [
        banner("each tool's ToolSpec (tools/, joined by tools/families.py)"),
        "# Tools\n",
        wrap(
            "The tools a session offers with default settings, in the order the model sees them. "
            "MCP servers and Slack add tools of their own when configured; a small-window model "
            "starts with a core set and turns the others on with `more_tools`. The approval rule is what a tool asks for by itself; the mode, "
            "`--yolo` and `approval.overrides` then decide (see [Tools and approvals]"
            "(../tools.md))."
        )
        + "\n",
    ]
    for spec in catalog:
        function = schemas[spec.name]
        out.append(f"## `{spec.name}`\n")
        facts = (
            f"Family `{spec.family}`; kind `{spec.kind or 'other'}`; "
            f"{'read-only' if spec.read_only else 'may change things'}; "
            f"workspace effect `{spec.workspace_effect}`."
        )
        out.append(wrap(facts) + "\n")
        out.append(wrap(f"Approval: {approval_text(spec)}") + "\n")
        out.append(wrap(function.get("description", "")) + "\n")
        params = _parameters(function.get("parameters", {}))
        if params:
            out.append("Arguments:\n\n" + "\n".join(params) + "\n")
    return "\n".join(out)
