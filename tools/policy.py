"""The approval policy: one pure decision for every tool call, wherever it runs.

Each tool's own rule (in its ToolSpec) says what it needs; shared rule pieces live here.

`decide` is the only place that turns a tool call into auto / ask / deny; the
graph's approval node, the research sub-agent and MCP tools all go through it.
"""

from __future__ import annotations

import os
import re
import shlex
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from configs.run_context import Mode
from tools.secret_paths import is_secret_path

Verdict = Literal["auto", "ask", "deny"]
# What a tool asks for by itself, before mode, yolo and user overrides apply.
# "never_auto": a human must approve it every time, even in yolo mode.
Need = Literal["auto", "ask", "never_auto"]
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


def path_rule(args: Mapping[str, Any], workspace: Path) -> Need:
    """File access is free inside the workspace, needs a human outside it, and a human every
    time (any mode) at a credential location (tools/secret_paths.py)."""
    paths = [args.get(key) for key in ("path", "pattern")]
    if any(isinstance(p, str) and p and is_secret_path(p, workspace) for p in paths):
        return "never_auto"
    path = args.get("path")
    if not isinstance(path, str) or not path:
        return "auto"  # invalid arguments never run; the tool reports the error
    return "auto" if inside_workspace(path, workspace) else "ask"


READ_ONLY_COMMANDS = frozenset(
    {
        "ls", "cat", "head", "tail", "wc", "pwd", "echo", "which", "whoami", "date",
        "nvidia-smi", "df", "du", "free", "uname", "file", "stat",
        "grep", "find", "diff", "nproc", "hostname", "sort", "rg",
    }
)  # fmt: skip
READ_ONLY_GIT = frozenset(
    {"status", "log", "diff", "show", "branch", "remote", "rev-parse", "blame"}
)
_VERSION_FLAGS = frozenset({"--version", "-V", "version"})
# Anything that can write, chain or substitute makes a command need a human.
_UNSAFE = re.compile(r"[;&`<>]|\$\(|\|\||\n")
# Arguments that make an otherwise read-only program write files or run programs.
_WRITING_ARGS: dict[str, tuple[str, ...]] = {
    "find": ("-delete", "-exec", "-execdir", "-ok", "-okdir", "-fprint", "-fls"),
    "sort": ("-o", "--output"),
    "rg": ("--pre",),
    "git": ("--output", "-o"),
    "date": ("-s", "--set"),
}
# git subcommands that only read when given no arguments beyond listing flags.
_GIT_LISTING_ONLY = {"branch": {"-a", "-r", "-v", "-vv", "--list", "--all"}, "remote": {"-v"}}


def is_read_only_command(command: str) -> bool:
    """A conservative allowlist: simple pipelines of commands that only read."""
    if not command.strip() or _UNSAFE.search(command):
        return False
    return all(_read_only_segment(segment) for segment in command.split("|"))


def _read_only_segment(segment: str) -> bool:
    try:
        words = shlex.split(segment)
    except ValueError:
        return False
    if not words:
        return False
    program, rest = os.path.basename(words[0]), words[1:]
    if any(arg.startswith(_WRITING_ARGS.get(program, ("\0",))) for arg in rest):
        return False
    if program == "git":
        if not rest or rest[0] not in READ_ONLY_GIT:
            return False
        listing = _GIT_LISTING_ONLY.get(rest[0])
        return listing is None or set(rest[1:]) <= listing
    if program in {"python", "python3", "pip", "uv", "node", "nvcc"}:
        return len(rest) == 1 and rest[0] in _VERSION_FLAGS
    if program == "hostname":
        return all(arg.startswith("-") for arg in rest)
    return program in READ_ONLY_COMMANDS
