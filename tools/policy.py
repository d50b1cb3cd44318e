"""The approval policy: one pure decision for every tool call, wherever it runs.

Each tool's own rule (in its ToolSpec) says what it needs; shared rule pieces live here.

`decide` is the only place that turns a tool call into auto / ask / deny; the
graph's approval node, the research sub-agent and MCP tools all go through it.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from configs.run_context import Mode
from tools.places import Access, Need, Walls, need

__all__ = ["Need", "Verdict", "decide", "file_rule"]
Verdict = Literal["auto", "ask", "deny"]
# Need (tools/places.py): what a tool asks for by itself, before mode, yolo and user
# overrides apply. "never_auto": a human must approve it every time, even in yolo mode.
ApprovalRule = Callable[[Mapping[str, Any], Path], Need]


@dataclass(frozen=True)
class PolicyContext:
    mode: Mode = "interactive"
    yolo: bool = False
    workspace: Path = field(default_factory=Path.cwd)
    overrides: Mapping[str, Verdict] = field(default_factory=dict)


def decide(
    name: str, args: Mapping[str, Any], rule: ApprovalRule | None, ctx: PolicyContext
) -> Verdict:
    """auto (run now), ask (a human decides) or deny (never runs in this mode)."""
    need: Need = rule(args, ctx.workspace) if rule is not None else "ask"
    override = ctx.overrides.get(name)
    if override == "deny":
        return "deny"
    if need == "never_auto":
        return "ask" if ctx.mode == "interactive" else "deny"
    if override == "auto":
        return "auto"
    if override == "ask":
        return "ask" if ctx.mode == "interactive" else "auto"
    if need == "ask" and (ctx.yolo or ctx.mode == "headless"):
        return "auto"
    return need


def always(need: Need) -> ApprovalRule:
    def rule(_args: Mapping[str, Any], _workspace: Path) -> Need:
        return need

    return rule


def inside_workspace(path: str | os.PathLike[str], workspace: Path) -> bool:
    """True when `path` (resolved, symlinks followed) lies in the workspace."""
    root = Path(workspace).resolve()
    target = Path(path).expanduser()
    if not target.is_absolute():
        target = root / target
    try:
        return target.resolve().is_relative_to(root)
    except (OSError, RuntimeError):
        return False


def file_rule(access: Access, walls: Walls | None, content: str | None = None) -> ApprovalRule:
    """The approval rule of a file tool: what tools/places.py says of its `path` (the
    workspace when absent), given the text it would write (the `content` argument)."""

    def rule(args: Mapping[str, Any], workspace: Path) -> Need:
        path = args.get("path") or "."
        if not isinstance(path, str):
            return "auto"  # invalid arguments never run; the tool reports the error
        text = args.get(content) if content else None
        return need(path, workspace, access, walls, text if isinstance(text, str) else None)

    return rule
