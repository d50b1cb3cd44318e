"""The approval policy: one pure decision for every tool call, wherever it runs.

Each tool's own rule (in its ToolSpec) says what it needs; shared rule pieces live here.

`judge` is the only place that turns a tool call into auto / ask / deny, with the reason;
the graph's approval node, the research sub-agent and MCP tools all go through it
(`decide` is its verdict alone; `judge_reply` judges a reply's calls together, in order,
with the calls a rule for weaker models denies: adaptations/rule.py `policy`).

Code (a shell command, Python, a notebook's cells) has one rule, `CodeRule`, for every
tool that runs programs on this machine. It reads the words of the code only as a
tripwire: a credential place named in them needs a human every time. It never reads them
as proof of safety, except for a shell command on bash's read-only allowlist. Code whose
meaning it cannot see runs unasked only inside the sandbox's walls ("walled"), or because
the user chose yolo or headless ("user_chose"), which protects nothing from code that
builds a credential path at run time (docs/safety-yolo.md).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from configs.run_context import Mode
from tools.places import Access, Walls, need

__all__ = [
    *("Code", "CodeRule", "Decision", "FileRule", "Need", "PolicyContext", "Verdict"),
    *("decide", "file_rule", "judge", "judge_reply", "runs_unseen_code_unasked"),
]
Verdict = Literal["auto", "ask", "deny"]
# What a tool asks for by itself, before mode, yolo and the user's overrides apply:
#   "auto": known safe (reads inside the workspace, a read-only command, runs no code);
#   "ask": a human should decide (a path outside the workspace, a paid operation);
#   "never_auto": a human must approve it every time, even in yolo mode (a credential place);
#   "code": it runs code whose meaning the rule cannot see, outside any walls;
#   "walled": it runs code inside the sandbox's walls.
Need = Literal["auto", "ask", "never_auto", "code", "walled"]
ApprovalRule = Callable[[Mapping[str, Any], Path], Need]
# Why a call got its verdict, so "auto" never hides what nobody checked.
Reason = Literal[
    "known_safe",  # auto: the tool's rule knows the call is safe
    "walled",  # auto: code inside the sandbox's walls
    "user_chose",  # auto: yolo or headless runs what would ask; nothing checked it
    "config",  # the user's override for this tool
    "unseen_code",  # ask: code whose meaning the rule cannot see, outside any walls
    "tool_asks",  # ask: the tool's rule wants a human (a path outside the workspace...)
    "every_time",  # ask: a human approves it every time (a credential place, a scheduled Job)
    "no_human",  # deny: it needs a human every time, and headless has none
    "rule",  # deny: a rule for weaker models denies it (its `policy` hook answers it)
]


@dataclass(frozen=True)
class Decision:
    verdict: Verdict
    reason: Reason


@dataclass(frozen=True)
class PolicyContext:
    mode: Mode = "interactive"
    yolo: bool = False
    workspace: Path = field(default_factory=Path.cwd)
    overrides: Mapping[str, Verdict] = field(default_factory=dict)


def judge(
    name: str, args: Mapping[str, Any], rule: ApprovalRule | None, ctx: PolicyContext
) -> Decision:
    """auto (run now), ask (a human decides) or deny (never runs in this mode), and why."""
    need: Need = rule(args, ctx.workspace) if rule is not None else "ask"
    override = ctx.overrides.get(name)
    interactive = ctx.mode == "interactive"
    if override == "deny":
        return Decision("deny", "config")
    if need == "never_auto":
        return Decision("ask", "every_time") if interactive else Decision("deny", "no_human")
    if override == "auto":
        return Decision("auto", "config")
    if override == "ask":  # a human every time: headless has none (a run's mode is a
        # request's word on a server, the operator's "ask" is not)
        return Decision("ask", "config") if interactive else Decision("deny", "no_human")
    if need == "auto":
        return Decision("auto", "known_safe")
    if need == "walled":
        return Decision("auto", "walled")
    if ctx.yolo or not interactive:
        return Decision("auto", "user_chose")
    return Decision("ask", "unseen_code" if need == "code" else "tool_asks")


def decide(
    name: str, args: Mapping[str, Any], rule: ApprovalRule | None, ctx: PolicyContext
) -> Verdict:
    """The verdict of `judge` alone."""
    return judge(name, args, rule, ctx).verdict


def judge_reply(
    calls: Sequence[Mapping[str, Any]],
    rules: Mapping[str, ApprovalRule],
    ctx: PolicyContext,
    denied: Collection[str] = (),
) -> list[Decision]:
    """The decision on each of one reply's calls (`name`, `args`, `id`), in order: `judge`'s,
    but a call whose id is in `denied` (a rule for weaker models denies it) is denied for the
    rule, whatever its tool's rule or the user's overrides say. `rules`: each tool's rule, by
    name; a call to a tool it does not hold is auto, for it never runs (execute_tools answers
    it with the known tools).

    >>> rules = {"read": file_rule("read", None, shows_text=True)}
    >>> calls = [{"name": "read", "args": {"path": "a.py"}, "id": i} for i in ("1", "2")]
    >>> [d.reason for d in judge_reply(calls, rules, PolicyContext(), denied={"2"})]
    ['known_safe', 'rule']
    """
    return [
        Decision("deny", "rule") if call.get("id") in denied else _judged(call, rules, ctx)
        for call in calls
    ]


def _judged(
    call: Mapping[str, Any], rules: Mapping[str, ApprovalRule], ctx: PolicyContext
) -> Decision:
    rule = rules.get(call["name"])
    if rule is None:
        return Decision("auto", "known_safe")
    return judge(call["name"], call.get("args") or {}, rule, ctx)


@dataclass(frozen=True)
class Code:
    """What one call of a code-running tool runs, as far as its words show.

    `names_credential`: the tripwire; a word of the code names a credential place.
    `reads_only`: a shell command on bash's read-only allowlist, on workspace paths.
    """

    names_credential: bool = False
    reads_only: bool = False


# What a call runs: its Code, or None when it runs none (a kernel restart, reading a notebook).
CodeOf = Callable[[Mapping[str, Any], Path], Code | None]


@dataclass(frozen=True)
class CodeRule:
    """The one approval rule of every tool that runs programs on this machine (a ToolSpec
    whose `approval` is one says `runs_code`). `walled`: its programs run in the sandbox.
    `paths`: the file rule of the place a call names (a notebook's path), if any.

    >>> rule = CodeRule(lambda args, ws: Code(), walled=False)
    >>> judge("python", {}, rule, PolicyContext(yolo=True)).reason
    'user_chose'
    """

    code_of: CodeOf
    walled: bool
    paths: ApprovalRule | None = None

    def __call__(self, args: Mapping[str, Any], workspace: Path) -> Need:
        code = self.code_of(args, workspace)
        place = self.paths(args, workspace) if self.paths is not None else "auto"
        if code is None:
            return place
        if code.names_credential or place == "never_auto":
            return "never_auto"
        if place != "auto":
            return place
        if code.reads_only:
            return "auto"
        return "walled" if self.walled else "code"


def runs_unseen_code_unasked(mode: Mode, yolo: bool, walled: bool) -> bool:
    """True when code whose meaning the rule cannot see runs without a human and outside
    walls: what a front end must tell the user once, at the start of such a run."""
    rule = CodeRule(lambda _args, _workspace: Code(), walled)
    ctx = PolicyContext(mode=mode, yolo=yolo, workspace=Path())
    return judge("code", {}, rule, ctx).reason == "user_chose"


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


@dataclass(frozen=True)
class FileRule:
    """The approval rule of a file tool: what tools/places.py says of its `path` (the
    workspace when absent), given the text it would write (the `content` argument).

    `shows_text`: a call returns the file's text (`read`), so a change after it has seen it
    (a rule's `policy` hook may ask, adaptations/rule.py).
    """

    access: Access
    walls: Walls | None
    content: str | None = None
    shows_text: bool = False

    def __call__(self, args: Mapping[str, Any], workspace: Path) -> Need:
        path = args.get("path") or "."
        if not isinstance(path, str):
            return "auto"  # invalid arguments never run; the tool reports the error
        text = args.get(self.content) if self.content else None
        return need(
            path, workspace, self.access, self.walls, text if isinstance(text, str) else None
        )


def file_rule(
    access: Access, walls: Walls | None, content: str | None = None, *, shows_text: bool = False
) -> FileRule:
    """The approval rule of a file tool (see `FileRule`)."""
    return FileRule(access, walls, content, shows_text)
