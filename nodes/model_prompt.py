"""What the model is sent: the thread-stable system prompt, the history, the runtime note.

Where the runtime note goes depends on the model's profile: after the history for a large
window (it changes every call, and there it costs no cache); for a small-window model just
before the user's newest message, so that the question is the last thing it reads (small
models otherwise answer the note: "The current date is ...").

The system prompt's inputs (mode, skills, the project's AGENTS.md, the Hugging Face user)
are read on each call, so a skill added mid-session shows up; their problems (a malformed
skill, a huge AGENTS.md) are warnings, each reported once per process, never failures.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Mapping, Sequence
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from langchain_core.messages import BaseMessage, HumanMessage, SystemMessage
from langgraph.config import get_stream_writer

from adaptations.hooks import RuntimeNote
from adaptations.loops import note_lines
from configs.prompt import render_system_prompt, runtime_note
from models.messages import last_user_index, marked, note_kind, text_of
from nodes.deps import AgentDeps
from nodes.history import current_turn_id, repair_orphans
from nodes.prompt_files import prompt_files
from nodes.tool_images import with_images
from tools.hub.whoami import hub_user
from tools.local.sandbox import Sandbox
from tools.local.workspace_listing import workspace_listing
from tools.secrets import mask_seen
from tools.secrets.sources import masked_in

if TYPE_CHECKING:
    from adaptations.resolve import Active
    from configs.model_profile import ModelProfile
    from configs.run_context import RunContext

_reported: set[str] = set()


async def build_prompt(
    state: Mapping[str, Any], run: RunContext, profile: ModelProfile, rules: Active, deps: AgentDeps
) -> list[BaseMessage]:
    """The request's messages, laid out as the thread's rules switch it for this model and
    role (`rules.shape`), the runtime note with the lines they add (adaptations/resolve.py
    `active`)."""
    workspace = run.workspace or deps.workspace
    # File reads off the event loop (the LangGraph server refuses blocking calls on it), the
    # workspace's secrets learned in the same hop.
    skills, memory, token = await asyncio.to_thread(prompt_files, workspace)
    report_once([*skills.warnings, *memory.warnings])
    system = render_system_prompt(
        mode=run.mode,
        model=profile.model_id,
        tools=deps.catalog.names,
        skills=skills.skills,
        memory=memory.files,
        hf_user=await hub_user(token),
        role=deps.role,
        sandbox=sandbox_line(deps),
        small=rules.shape.compact_prompt,
        lean=rules.shape.lean_request,
    )
    # Not stored: it changes from call to call.
    messages = state.get("messages") or []
    turn = current_turn_id(messages)
    asked = RuntimeNote(
        profile, _request(messages), workspace, partial(turn_listing, workspace, turn)
    )
    now = HumanMessage(
        content=runtime_note(
            state.get("plan") or (),
            workspace=workspace,
            runs=await runtime_lines(state, run, deps),
            lines=await note_lines(rules.rules, asked),
        ),
        additional_kwargs=marked("runtime"),
    )
    # AGENTS.md and skills are the project's files: a token written there is masked too
    # (the secrets known as `prompt_files` left them).
    system = mask_seen(system)
    history = repair_orphans(messages)
    history = await with_images(history, profile, workspace)  # figures, if it takes images
    return [
        SystemMessage(content=system),
        *with_note(history, now, rules.shape.note_before_question),
    ]


def _request(history: Sequence[BaseMessage]) -> str:
    """The turn's user message, as text."""
    i = last_user_index(history)
    return text_of(history[i].content) if i >= 0 else ""


_listings: dict[tuple[str, str], str] = {}


async def turn_listing(workspace: Path | str | None, turn: str) -> str:
    """The workspace's files as this turn began: listed at its first call and kept for the
    rest of it, so the note before the question stays byte-stable and a local server's
    prompt cache keeps the history after it."""
    if workspace is None:
        return ""
    key = (str(workspace), turn)
    if key not in _listings:
        if len(_listings) >= 64:  # a long-lived server: keep the newest turns only
            _listings.pop(next(iter(_listings)))
        listing = await asyncio.to_thread(workspace_listing, Path(workspace))
        _listings[key] = await asyncio.to_thread(masked_in, workspace, listing)
    return _listings[key]


def with_note(
    history: list[BaseMessage], now: BaseMessage, before_question: bool
) -> list[BaseMessage]:
    """`history` with the runtime note after it, or just before the newest user message."""
    at = last_user_index(history) if before_question else -1
    if at < 0:
        return [*history, now]
    return [*history[:at], now, *history[at:]]


async def runtime_lines(state: Mapping[str, Any], run: RunContext, deps: AgentDeps) -> list[str]:
    """Once a compaction has summarised the history, what tools add to the runtime note (the
    runs the thread launched, as measured). Best effort: a failure never stops a model call."""
    messages = state.get("messages") or []
    if not any(note_kind(m) == "summary" for m in messages):
        return []
    found: list[str] = []
    for spec in deps.catalog:
        if spec.runtime_lines is not None:
            with contextlib.suppress(Exception):
                found += await spec.runtime_lines(run.thread_id or "default", messages)
    return found


def sandbox_line(deps: AgentDeps) -> str | None:
    sandbox = Sandbox.from_settings(deps.settings.sandbox)
    return sandbox.describe() if sandbox is not None else None


def report_once(warnings: Sequence[str]) -> None:
    writer = get_stream_writer()
    for warning in warnings:
        if warning not in _reported:
            _reported.add(warning)
            writer({"type": "error", "warning": True, "message": warning})
