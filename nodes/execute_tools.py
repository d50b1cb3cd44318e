"""execute_tools: run one approved tool call (the graph sends one task per call).

A call runs only with approval's record of it for this thread (nodes/approval_record.py);
any other call is answered "Not run: not approved" before anything of it starts."""

from __future__ import annotations

import asyncio
import contextlib
import re
from collections import deque
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from langchain_core.messages import ToolMessage
from langgraph.config import get_stream_writer

from models.call_arguments import raw_arguments_error
from nodes.approval_record import Site, approval_key, holds, refusal
from nodes.call_order import after, finished, waits_for
from nodes.deps import AgentDeps
from nodes.history import stamped
from nodes.run_options import run_context
from nodes.thread_rules import known_rules
from tools.call_context import CallContext, calling
from tools.families import closest_tools
from tools.secrets import masked_tool_message
from tools.secrets.sources import refresh as refresh_known_secrets

if TYPE_CHECKING:
    from langchain_core.runnables import RunnableConfig
    from langgraph.runtime import Runtime


async def execute_tools(
    task: Mapping[str, Any], config: RunnableConfig, runtime: Runtime, *, deps: AgentDeps
) -> dict[str, Any]:
    site = Site.before(config)  # LangGraph's own thread and step, not the run's context
    if not holds(await approval_key(), task, site):
        call = task.get("call")
        if isinstance(call, Mapping):
            finished(str(call.get("id")))  # a call waiting for this one is not held up
        return {"messages": [stamped(refusal(task, site))]}
    call = task["call"]
    try:  # a call on a file runs after the earlier calls of its reply that change it
        await after(waits_for(call, task.get("sent_before") or [], deps.catalog.changes))
        return await _execute(task, config, runtime, deps)
    finally:
        finished(str(call["id"]))


async def _execute(
    task: Mapping[str, Any], config: RunnableConfig, runtime: Runtime, deps: AgentDeps
) -> dict[str, Any]:
    call = dict(task["call"])
    run = run_context(runtime, config, deps)
    writer = get_stream_writer()
    writer(
        {
            "type": "tool_state_change",
            "tool_call_id": call["id"],
            "tool": call["name"],
            "state": "running",
        }
    )
    shown = OutputTail()

    def watched(event: Any) -> None:  # progress goes out, and is kept in case the call is stopped
        if isinstance(event, dict) and event.get("type") == "tool_log":
            shown.add(call["id"], event.get("line"))
        writer(event)

    context = CallContext(
        run,
        call["name"],
        call["id"],
        watched,
        model=task.get("model"),
        job_spent_usd=task.get("job_spent_usd", 0.0),
        editor=deps.editor,
        earlier_calls=tuple(task.get("earlier_calls") or ()),
        **adaptations(task, deps),
    )
    message, artifact = await recorded_call(call, context, deps, shown)
    message = await asyncio.to_thread(
        kept_output,
        message,
        run.workspace or deps.workspace,
        deps.settings.tool_output_max_chars,
        deps.spill_dir / safe_file_name(run.thread_id or "default"),
    )
    writer(
        {
            "type": "tool_state_change",
            "tool_call_id": call["id"],
            "tool": call["name"],
            "state": "error" if message.status == "error" else "done",
        }
    )
    update: dict[str, Any] = {"messages": [stamped(message)]}
    for key in ("usage", "rules_fired"):  # a sub-agent's tokens, cost and rules that fired
        if isinstance(artifact, dict) and isinstance(artifact.get(key), dict):
            update[key] = artifact[key]  # join the thread's
    if isinstance(artifact, dict) and "plan" in artifact:
        update["plan"] = artifact["plan"]
        writer({"type": "plan_update", "plan": artifact["plan"]})
    return update


def adaptations(task: Mapping[str, Any], deps: AgentDeps) -> dict[str, Any]:
    """What a tool call knows of its model's adaptations for this role (the main agent's, or
    a sub-agent's own): its `read` share and its active rules, resolved once per thread and
    role (nodes/thread_rules.py)."""
    model = task.get("model") or deps.settings.model_name
    rules = known_rules(task, model, deps.settings, deps.role).active
    return {"read_tokens": rules.shape.read_tokens, "rules": rules.rules}


async def recorded_call(
    call: dict[str, Any], context: CallContext, deps: AgentDeps, shown: OutputTail
) -> tuple[ToolMessage, Any]:
    """`run_call`, with what it changes in the workspace kept for undo."""
    recording = await start_recording(call, context, deps)
    try:
        return await run_call(call, context, deps, shown)
    finally:
        if recording is not None:  # cancelled or failed too: what it changed is kept
            await finish_recording(recording, deps)


async def start_recording(call: dict[str, Any], context: CallContext, deps: AgentDeps) -> Any:
    """The workspace record of this call begins (undo puts back what it changes)."""
    spec = deps.catalog.get(call["name"])
    if deps.workspace_recorder is None or spec is None or spec.workspace_effect == "none":
        return None
    args = call.get("args") or {}
    try:
        paths = spec.changed_paths(args) if spec.changed_paths else []
    except Exception:  # malformed arguments: the call itself will say so
        paths = []
    recorder, wanted = deps.workspace_recorder, [p for p in paths if isinstance(p, str)]

    def start() -> Any:
        return recorder.start(
            spec.workspace_effect,
            wanted,
            thread_id=context.thread_id,
            call_id=call["id"],
            workspace=context.workspace,
        )

    try:
        return await asyncio.to_thread(start)
    except Exception:  # never in the way of the call: undo will say it was not recorded
        return None


async def finish_recording(recording: Any, deps: AgentDeps) -> None:
    with contextlib.suppress(Exception):  # the call's result stands; undo names it unrecorded
        await asyncio.to_thread(deps.workspace_recorder.finish, recording)  # type: ignore[union-attr]


async def run_call(
    call: dict[str, Any], context: CallContext, deps: AgentDeps, shown: OutputTail | None = None
) -> tuple[ToolMessage, Any]:
    """The call's ToolMessage; every failure becomes an error the model can act on."""
    name, call_id = call["name"], call["id"]

    def error(text: str) -> tuple[ToolMessage, Any]:
        return ToolMessage(content=text, tool_call_id=call_id, name=name, status="error"), None

    if (bad_args := raw_arguments_error(call.get("args") or {})) is not None:
        return error(bad_args)
    spec = deps.catalog.get(name)
    if spec is None:
        closest = ", ".join(closest_tools(name, deps.catalog.names))
        return error(
            f"Error: there is no tool named {name!r}. The closest tools you have: {closest}. "
            "Call one of your tools by its exact name."
        )
    timeout = None if spec.own_deadline else deps.settings.tool_timeout_s
    try:
        with calling(context):  # the tool reads its workspace, id and progress stream here
            result = await asyncio.wait_for(
                spec.tool.ainvoke({**call, "type": "tool_call"}), timeout=timeout
            )
    except TimeoutError:
        output = shown.note(call_id) if shown is not None else ""
        return error(f"Error: {name} did not finish within {timeout:g} s and was stopped.{output}")
    except asyncio.CancelledError:
        raise
    except Exception as exc:  # a tool bug must not end the run: the model sees it
        return error(f"Error: {name} failed: {type(exc).__name__}: {exc}")
    if not isinstance(result, ToolMessage):
        result = ToolMessage(content=str(result), tool_call_id=call_id, name=name)
    if result.status != "error" and _looks_like_validation_error(result.content):
        result.status = "error"
    return result, result.artifact


def kept_output(message: ToolMessage, workspace: Path, limit: int, spill_dir: Path) -> ToolMessage:
    """The call's result as the thread keeps it: masked, then `cap_output`. Secrets never reach
    the model, the database or a spill file: the workspace's `.env*` and credential files
    (perhaps just written by this call) are known values first. Blocking (it reads those
    files, writes the spill file): run off the loop, in one hop."""
    refresh_known_secrets(workspace)
    return cap_output(masked_tool_message(message), limit, spill_dir)


def cap_output(message: ToolMessage, limit: int, spill_dir: Path) -> ToolMessage:
    """Keep the head and tail of a long result; the whole text goes to a spill file."""
    text = message.content if isinstance(message.content, str) else str(message.content)
    if len(text) <= limit:
        return message
    spill_dir.mkdir(parents=True, exist_ok=True)
    spill = spill_dir / f"{safe_file_name(message.tool_call_id)}.txt"
    spill.write_text(text, encoding="utf-8", errors="replace")
    head, tail = text[: limit * 2 // 3], text[-(limit // 3) :]
    omitted = len(text) - len(head) - len(tail)
    # A tool may have cut its own output before us (bash keeps head and tail): say so.
    earlier = TOOL_CUT.findall(text[len(head) : len(text) - len(tail)])
    also = f" The tool had already left out part of it: {' '.join(earlier)}." if earlier else ""
    capped = (
        f"{head}\n\n[... {omitted:,} characters omitted here; all {len(text):,} characters the tool "
        f"returned are in {spill} — read it with `read` (offset/limit) or grep it.{also} ...]\n\n{tail}"
    )
    return message.model_copy(update={"content": capped})


TOOL_CUT = re.compile(r"\[\.\.\. [\d,]+ lines omitted \.\.\.\]")


def safe_file_name(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]", "_", name)[:120] or "_"


def _looks_like_validation_error(content: Any) -> bool:
    return isinstance(content, str) and content.startswith(
        ("Error invoking tool", "1 validation error", "validation error")
    )


class OutputTail:
    """The last lines each running call showed (its `tool_log` progress). A call that is
    cancelled or stopped keeps them in its result, so the model reads what the user watched
    instead of a bare "cancelled"."""

    def __init__(self, lines: int = 40, chars: int = 4_000) -> None:
        self.lines, self.chars = lines, chars
        self._seen: dict[str, deque[str]] = {}

    def add(self, call_id: Any, line: Any) -> None:
        if isinstance(call_id, str) and line is not None:
            self._seen.setdefault(call_id, deque(maxlen=self.lines)).append(str(line))

    def note(self, call_id: str) -> str:
        """`\n` + the call's last output lines, labelled; "" when it showed none."""
        lines = self._seen.get(call_id)
        if not lines:
            return ""
        text = "\n".join(lines)[-self.chars :]
        return f"\nIts output until then (last {len(lines)} lines shown to the user):\n{text}"

    def clear(self) -> None:
        self._seen.clear()
