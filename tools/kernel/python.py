"""The `python` tool: code in the thread's persistent Jupyter kernel, outputs as text and files."""

from __future__ import annotations

import asyncio
import re
import signal
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from langchain_core.tools import ToolException
from pydantic import BaseModel, Field

from tools.call_context import CallContext
from tools.catalog import ToolSpec
from tools.kernel.compiler_reason import compiler_reason
from tools.kernel.execution import Execution
from tools.kernel.figures import FigureFolder
from tools.kernel.outputs import render
from tools.kernel.pool import KernelPool, rewound
from tools.kernel.process import INTERRUPT_GRACE_S, Kernel, KernelStartError
from tools.kernel.replay import replay as replay_calls
from tools.local.bash_process import Throttled
from tools.local.git_guard import git_state, undo_plants
from tools.local.sandbox import walls_unasked
from tools.local.tree_scan import Findings, TreeScan
from tools.outcome import Outcome, nonblank_lines
from tools.policy import Code, CodeRule
from tools.result_texts import tool_text
from tools.result_texts.kernel import (
    CELL_NO_OUTPUT,
    COMPILER_LINE,
    COMPILER_SAYS,
    CWD_MOVED,
    DIED,
    EXITED,
    INTERRUPTED,
    KERNEL_DOWN,
    KILLED_AFTER,
    KILLED_BY,
    MEMORY_CAP,
    NOTHING_RUN,
    OUT_OF_MEMORY,
    RESTARTED,
    WITHHELD_NOTE,
)
from tools.secret_paths import mentions_secret_path
from tools.tool_factory import make_tool

MAX_TIMEOUT_S = 600


class PythonArgs(BaseModel):
    """Run Python code in this conversation's persistent Jupyter (IPython) kernel, in the
    workspace. Variables, imports and loaded data stay between calls, so load a dataset or
    model once and inspect it over several calls. Returns printed output, the value of the
    last expression, tables as text, errors with their traceback; images (plots) are saved
    under .ml-intern/figures/ and their paths named. IPython syntax works (`%timeit`,
    `!pip list`). stdin is not available (`input()` fails). On timeout the code is
    interrupted and the variables are kept. Use it to explore data, check shapes, plot and
    try things; write a script and run it with bash for training runs and anything that
    must be reproducible or run as a Job."""

    code: str = Field("", description="Python code to run; the last expression's value is shown.")
    timeout: int = Field(
        120,
        gt=0,
        le=MAX_TIMEOUT_S,
        description="Seconds before the code is interrupted (max 600); the kernel keeps its state.",
    )
    restart: bool = Field(
        False, description="Restart the kernel first, clearing every variable (then run `code`)."
    )
    replay: bool = Field(
        False,
        description=(
            "Start a fresh kernel and re-run this conversation's earlier python calls in order, "
            "stopping at the first error (then run `code`): to rebuild state after a resume or "
            "undo."
        ),
    )


_PATH_LIKE = re.compile(r"[\w.~/*?\[\]-]+")


def names_secret_path(code: str, workspace: Path) -> bool:
    """True when a path-like word of `code` (in a string or not) is a credential place."""
    words = [w for w in _PATH_LIKE.findall(code) if "/" in w or w.startswith((".", "~"))]
    return mentions_secret_path(" ".join(words), workspace)


def kernel_code(args: Mapping[str, Any], workspace: Path) -> Code | None:
    """What a call runs: its code (and, with `replay`, earlier calls), or nothing for a bare
    restart. Python's words are read only as the credential tripwire."""
    code = args.get("code")
    text = code if isinstance(code, str) else ""
    if not text.strip() and not args.get("replay"):
        return None
    return Code(names_credential=names_secret_path(text, workspace))


def kernel_rule(sandboxed: bool) -> CodeRule:
    """The one rule for code (tools/policy.py), like bash's: code runs without asking only
    inside the sandbox, or because the user chose yolo or headless."""
    return CodeRule(kernel_code, walled=sandboxed)


def describe_python(args: Mapping[str, Any]) -> str:
    restart = " (after restarting the kernel)" if args.get("restart") else ""
    if args.get("replay"):
        restart = " (after re-running this conversation's earlier python calls in a fresh kernel)"
    return f"Run Python in the kernel{restart}:\n{args.get('code', '')}"


def ending(done: Execution, timeout: int) -> str:
    """A line for a cell that did not end by itself, or ""."""
    if done.outcome == "interrupted":
        return tool_text("kernel", INTERRUPTED, timeout=timeout)
    if done.outcome == "killed":
        return tool_text("kernel", KILLED_AFTER, timeout=timeout, grace=INTERRUPT_GRACE_S)
    if done.outcome == "died":
        code = done.exit_code
        if code and code < 0:
            how = tool_text("kernel", KILLED_BY, signal=signal.Signals(-code).name)
        else:
            how = tool_text("kernel", EXITED, code=code)
        hint = tool_text("kernel", OUT_OF_MEMORY) if code == -signal.SIGKILL else ""
        return tool_text("kernel", DIED, how=how, hint=hint)
    return ""


async def compiler_note(done: Execution, code: str, version: str) -> list[str]:
    """Python's compiler's line and reason for a cell IPython called "incomplete input"."""
    if not (reason := await asyncio.to_thread(compiler_reason, done.outputs, code, version)):
        return []
    line, why = reason
    where = tool_text("kernel", COMPILER_LINE, line=line) if line else ""
    return [tool_text("kernel", COMPILER_SAYS, where=where, reason=why)]


def cell_outcome(done: Execution, notes: list[str]) -> Outcome:
    """How a cell that ran ended, as a command's outcome (tools/outcome.py): exit 0 when it
    ran to its end, 1 when it raised, none when it was interrupted, killed or its kernel died;
    `notes` are the tool's own lines after the cell's output."""
    codes = {"ok": 0, "error": 1}
    return Outcome(exit_code=codes.get(done.outcome), notes=nonblank_lines("\n".join(notes)))


async def run_cell(
    pool: KernelPool,
    call: CallContext,
    code: str,
    timeout: int,  # noqa: ASYNC109 - the model's limit, enforced by interrupting the kernel
    restart: bool,
    replay: bool = False,
) -> tuple[str, list[str], Outcome | None]:
    """The cell's result as text, the names of the figures it saved, and how the cell ended
    (None when no cell ran: a bare restart, a replay alone)."""
    thread = call.thread_id
    notes: list[str] = []
    if (restart or replay) and await pool.stop(thread):
        notes.append(tool_text("kernel", RESTARTED))
    # A bare restart inside the walls starts the new kernel, so it says which interpreter it
    # runs; outside them it runs nothing (it is not asked about: no code, no interpreter).
    bare = not code.strip() and not replay
    if bare and not (restart and pool.sandbox is not None):
        return "\n".join(notes) or tool_text("kernel", NOTHING_RUN), [], None
    # Where people sign in, this makes the person's folder on their first call.
    workspace = await asyncio.to_thread(call.resolve, ".")
    guard = _GitGuard(pool, call.workspace)
    await guard.before()
    try:
        kernel, started = await pool.kernel(thread, workspace, guard.found)
    except KernelStartError as error:
        raise ToolException(tool_text("kernel", KERNEL_DOWN, error=error)) from None
    if bare:
        return "\n".join([*notes, *started]), [], None
    if replay:
        started.append(await replay_calls(kernel, call.earlier_calls, timeout))
        if not kernel.alive:
            await pool.stop(thread)
        if not code.strip() or not kernel.alive:
            return "\n".join([*notes, *started]), [], None
    emit = Throttled(lambda line: call.progress(line=line))
    figures = FigureFolder(call, pool.sandbox)

    def shown(output: dict[str, Any]) -> None:
        if output["output_type"] == "stream" and call.streaming:
            for line in output["text"].splitlines():
                emit(line)

    try:
        done = await kernel.execute(code, timeout, shown)
    finally:
        plants = await asyncio.shield(guard.after())
    if late := await asyncio.to_thread(pool.unhidden, kernel, guard.found):
        await pool.stop(thread)
        withheld = tool_text("kernel", WITHHELD_NOTE, places=", ".join(late))
        return "\n".join([*notes, *started, withheld]), [], cell_outcome(done, [withheld])
    if done.outcome in ("died", "killed"):
        await pool.stop(thread)
    text = await asyncio.to_thread(render, done.outputs, figures.save) or tool_text(
        "kernel", CELL_NO_OUTPUT
    )
    after = [*await ended_notes(pool, kernel, done, (code, text), timeout), *plants]
    shown_text = "\n".join([*notes, *started, text, *after])
    return shown_text, figures.names, cell_outcome(done, after)


async def ended_notes(
    pool: KernelPool,
    kernel: Kernel,
    done: Execution,
    ran: tuple[str, str],
    timeout: int,  # noqa: ASYNC109
) -> list[str]:
    """The tool's lines after a cell's output (`ran`: its code and output as shown): how it
    ended when not by itself, the compiler's reason, the memory cap, a moved directory."""
    code, text = ran
    ended = [line for line in (ending(done, timeout),) if line]
    ended += await compiler_note(done, code, kernel.interpreter.version)
    if pool.memory_mb and "MemoryError" in text:
        ended.append(tool_text("kernel", MEMORY_CAP, mb=pool.memory_mb))
    if done.cwd is not None and Path(done.cwd) != kernel.cwd:
        ended.append(tool_text("kernel", CWD_MOVED, cwd=done.cwd))
    return ended


class _GitGuard:
    """Under the sandbox, what a cell planted for the user's git is undone (git_guard.py);
    `found` is the latest walk of the roots (for credential places that appeared)."""

    def __init__(self, pool: KernelPool, workspace: Path) -> None:
        self.sandbox, self.workspace = pool.sandbox, workspace
        self.scan = TreeScan()
        self.state: Any = None
        self.found: Findings | None = None

    def _walk(self) -> Findings:
        assert self.sandbox is not None
        self.found = self.scan.scan(self.sandbox.roots(self.workspace))
        return self.found

    async def before(self) -> None:
        if self.sandbox is not None:
            self.state = await asyncio.to_thread(lambda: git_state(self._walk()))

    async def after(self) -> list[str]:
        if self.state is None or self.sandbox is None:
            return []
        return await asyncio.to_thread(lambda: undo_plants(self.state, git_state(self._walk())))


def python_spec(pool: KernelPool) -> ToolSpec:
    async def python(
        call: CallContext,
        code: str,
        timeout: int,  # noqa: ASYNC109
        restart: bool,
        replay: bool,
    ) -> tuple[str, dict[str, Any]]:
        async with pool.lock(call.thread_id):
            try:
                text, figures, ended = await run_cell(pool, call, code, timeout, restart, replay)
            finally:
                await asyncio.shield(pool.rest(call.thread_id))  # nothing runs until the next
        # The figures' names travel beside the text: the prompt (for a model that takes
        # images) and the web page show them; the model reads only the text. How the cell
        # ended travels too, for the checks that judge a call by it (a cell that raised failed).
        others = {"figures": figures} if figures else {}
        return text, ended.artifact(**others) if ended is not None else others

    return ToolSpec(
        tool=make_tool("python", PythonArgs, python, artifact=True),
        lean_args=frozenset({"code", "timeout", "restart"}),
        family="local",
        kind="execute",
        approval=kernel_rule(walls_unasked(pool.sandbox)),
        describe=describe_python,
        summary="code",
        own_deadline=True,
        workspace_effect="programs",
        close=pool.close,
        status=pool.status,
        rewound=rewound,
    )
