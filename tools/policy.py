"""The approval policy: one pure decision for every tool call, wherever it runs.

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

Verdict = Literal["auto", "ask", "deny"]
# What a tool asks for by itself, before mode, yolo and user overrides apply.
# "never_auto": a human must approve it every time, even in yolo mode.
Need = Literal["auto", "ask", "never_auto"]
ApprovalRule = Callable[[Mapping[str, Any], Path], Need]
Mode = Literal["interactive", "headless"]


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
    """File edits are free inside the workspace and need a human outside it."""
    path = args.get("path")
    if not isinstance(path, str) or not path:
        return "auto"  # invalid arguments never run; the tool reports the error
    return "auto" if inside_workspace(path, workspace) else "ask"


READ_ONLY_COMMANDS = frozenset(
    {
        "ls", "cat", "head", "tail", "wc", "pwd", "echo", "which", "whoami", "date",
        "nvidia-smi", "df", "du", "free", "uname", "env", "printenv", "file", "stat",
        "tree", "grep", "rg", "find", "sort", "uniq", "diff", "nproc", "hostname",
    }
)  # fmt: skip
READ_ONLY_GIT = frozenset(
    {"status", "log", "diff", "show", "branch", "remote", "rev-parse", "blame"}
)
_VERSION_FLAGS = frozenset({"--version", "-V", "version"})
# Anything that can write, chain or substitute makes a command need a human.
_UNSAFE = re.compile(r"[;&`<>]|\$\(|\|\||\n")
_FIND_WRITES = frozenset({"-delete", "-exec", "-execdir", "-ok", "-fprint", "-fprintf", "-fls"})


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
    if program == "git":
        return bool(rest) and rest[0] in READ_ONLY_GIT
    if program in {"python", "python3", "pip", "uv", "node", "nvcc"}:
        return len(rest) == 1 and rest[0] in _VERSION_FLAGS
    if program == "find":
        return not _FIND_WRITES.intersection(rest)
    return program in READ_ONLY_COMMANDS


def bash_rule(args: Mapping[str, Any], _workspace: Path) -> Need:
    command = args.get("command")
    if isinstance(command, str) and is_read_only_command(command):
        return "auto"
    return "ask"


BUILTIN_RULES: dict[str, ApprovalRule] = {
    "bash": bash_rule,
    "read": always("auto"),
    "glob": always("auto"),
    "grep": always("auto"),
    "plan": always("auto"),
    "write": path_rule,
    "edit": path_rule,
}
