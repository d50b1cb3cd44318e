"""The `bash` tool: a shell command in the workspace, in its own process group, output streamed."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from tools.adaptation_guard import hooked
from tools.call_context import CallContext
from tools.catalog import ToolSpec
from tools.local.bash_process import run_bash
from tools.local.file_checks import secret_filter
from tools.local.read_only import is_read_only_command
from tools.local.sandbox import Sandbox, walls_unasked
from tools.local.tree_scan import TreeScan
from tools.outcome import Outcome, nonblank_lines
from tools.policy import Code, CodeRule
from tools.secret_paths import leaves_workspace, mentions_secret_path
from tools.tool_factory import make_tool
from tools.tool_rules import each

MAX_TIMEOUT_S = 600


class BashArgs(BaseModel):
    """Run a shell command with /bin/bash in the workspace and return its combined stdout and
    stderr, followed by the exit code. stdin is /dev/null, so pass flags like `-y` instead of
    answering prompts. Every call starts a fresh shell: `cd` and `export` do not persist.
    The timeout defaults to 120 s (max 600 s); on timeout the command and all its child
    processes are killed. For longer jobs start them in the background with output sent to a
    file (`nohup cmd > run.log 2>&1 &`) and check the log later. Use read, glob, grep and edit
    rather than cat, find, grep and sed for files."""

    command: str = Field(description="Shell command, run with `/bin/bash -c` in the workspace.")
    timeout: int = Field(
        120, gt=0, le=MAX_TIMEOUT_S, description="Seconds before the command is killed (max 600)."
    )
    description: str | None = Field(
        None, description="Five to ten words saying what the command does, shown to the user."
    )


def bash_code(args: Mapping[str, Any], workspace: Path) -> Code:
    """What a command shows of itself: whether a word names a credential place (the
    tripwire), and whether it is a read-only command (a conservative allowlist) on
    workspace paths. Anything else is code whose meaning the rule cannot see."""
    command = args.get("command")
    if not isinstance(command, str):
        return Code()  # invalid arguments never run; the tool reports the error
    return Code(
        names_credential=mentions_secret_path(command, workspace),
        reads_only=is_read_only_command(command) and not leaves_workspace(command, workspace),
    )


async def annotated(
    call: CallContext,
    command: str,
    ran: tuple[str, Outcome],
    before: list[Any],
    hidden: Callable[[Path], bool],
) -> tuple[str, Outcome]:
    """The output `ran` as the active rules show it (tools/tool_rules.py `bash_output`), with
    the notes they add after it (`bash_note`; `before`, what each kept before the command
    ran); its outcome counts those notes as the tool's."""
    output, outcome = ran
    rules = call.rules
    for rule in rules:
        output = hooked(rule.name, partial(rule.bash_output, call, command, output), output)

    def notes() -> str:
        code = outcome.exit_code
        return "".join(
            hooked(
                rule.name, partial(rule.bash_note, call, command, output, code, hidden, kept), ""
            )
            for rule, kept in zip(rules, before, strict=True)
        )

    added = await asyncio.to_thread(notes)
    return output + added, replace(outcome, notes=outcome.notes + nonblank_lines(added))


def describe_bash(args: Mapping[str, Any]) -> str:
    why = f"\n({args['description']})" if args.get("description") else ""
    return f"Run a shell command:\n{args.get('command', '')}{why}"


def bash_spec(sandbox: Sandbox | None = None) -> ToolSpec:
    """The bash tool; with `sandbox`, every command runs inside it."""

    scan = TreeScan()  # remembers unchanged folders between this tool's commands

    async def bash(
        call: CallContext,
        command: str,
        timeout: int,  # noqa: ASYNC109
        description: str | None,
    ) -> tuple[str, dict[str, Any]]:
        emit = lambda line: call.progress(line=line)  # noqa: E731
        if not call.rules:
            text, outcome = await run_bash(call.workspace, emit, command, timeout, sandbox, scan)
            return text, outcome.artifact()
        hidden = secret_filter(call, sandbox.walls if sandbox is not None else None)
        remember = lambda r: r.before_bash(call, command, hidden)  # noqa: E731
        kept = partial(each, call.rules, remember, None, acts=False)
        before = await asyncio.to_thread(kept)
        ran = await run_bash(call.workspace, emit, command, timeout, sandbox, scan)
        text, outcome = await annotated(call, command, ran, before, hidden)
        return text, outcome.artifact()

    return ToolSpec(
        tool=make_tool("bash", BashArgs, bash, artifact=True),
        family="local",
        kind="execute",
        approval=CodeRule(bash_code, walled=walls_unasked(sandbox)),
        describe=describe_bash,
        summary="command",
        workspace_effect="programs",
        lean_args=frozenset({"timeout"}),
    )
