"""What the model is sent: the thread-stable system prompt, the history, the runtime note.

The system prompt's inputs (mode, skills, the project's AGENTS.md, the Hugging Face user)
are read on each call, so a skill added mid-session shows up; their problems (a malformed
skill, a huge AGENTS.md) are warnings, each reported once per process, never failures.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from langchain_core.messages import BaseMessage, HumanMessage, SystemMessage
from langgraph.config import get_stream_writer

from configs.memory import load_memory
from configs.prompt import render_system_prompt, runtime_note
from configs.skills import scan_skills
from nodes.deps import AgentDeps
from nodes.history import MARKER, repair_orphans
from tools.hub.whoami import hub_user
from tools.local.sandbox import Sandbox

if TYPE_CHECKING:
    from configs.run_context import RunContext

_reported: set[str] = set()


async def build_prompt(
    state: Mapping[str, Any], run: RunContext, model_id: str, deps: AgentDeps
) -> list[BaseMessage]:
    workspace = run.workspace or deps.workspace
    # File reads off the event loop (the LangGraph server refuses blocking calls on it).
    skills, memory = await asyncio.gather(
        asyncio.to_thread(scan_skills, workspace), asyncio.to_thread(load_memory, workspace)
    )
    report_once([*skills.warnings, *memory.warnings])
    system = render_system_prompt(
        mode=run.mode,
        cwd=workspace,
        model=model_id,
        tools=deps.catalog.names,
        skills=skills.skills,
        memory=memory.files,
        hf_user=await hub_user(),
        role=deps.role,
        sandbox=sandbox_line(deps),
    )
    # Not stored: it changes from call to call, and after the history it costs no cache.
    now = HumanMessage(
        content=runtime_note(state.get("plan") or ()), additional_kwargs={MARKER: "runtime"}
    )
    return [SystemMessage(content=system), *repair_orphans(state.get("messages") or []), now]


def sandbox_line(deps: AgentDeps) -> str | None:
    sandbox = Sandbox.from_settings(deps.settings.sandbox)
    return sandbox.describe() if sandbox is not None else None


def report_once(warnings: Sequence[str]) -> None:
    writer = get_stream_writer()
    for warning in warnings:
        if warning not in _reported:
            _reported.add(warning)
            writer({"type": "error", "warning": True, "message": warning})
