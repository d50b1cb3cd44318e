"""The agent's events and a thread's history as ACP session updates.

`EventUpdates` follows one session's live events (graph/events.py); `history_updates` replays
a stored thread (any front end's) the same way, so a loaded session reads like a live one.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from acp import (
    plan_entry,
    update_agent_message_text,
    update_agent_thought_text,
    update_plan,
    update_user_message_text,
)
from acp.schema import Cost, ToolCallUpdate, UsageUpdate

from cli.acp.tool_calls import CallView, Content, finished, running
from graph.events import Event
from models.messages import is_user_message, text_of
from tools.catalog import ToolCatalog

PLAN_STATUSES = {"pending", "in_progress", "completed"}


class EventUpdates:
    """Translates one session's events into session updates; remembers each call's view."""

    def __init__(
        self,
        catalog: ToolCatalog,
        workspace: Path,
        window: Callable[[str], int | None] = lambda _model: None,
    ) -> None:
        self.catalog = catalog
        self.workspace = workspace
        self.window = window  # a model's context window, in tokens
        self.context: tuple[str, int] | None = None  # the last model call: model, tokens
        self.views: dict[str, CallView] = {}
        self.diffs: dict[str, list[Content]] = {}
        self.chunked = False  # this reply's text came as chunks already
        self.started: dict[str, Any] = {}  # calls' start updates, made before the calls ran

    async def look(self, event: Event) -> None:
        """The session's observer (graph/session.py): a call's start, and the diff that reads
        the file it changes, made while the graph waits, so before the call can change it."""
        if event.type == "tool_call":
            self.started[str(event.data["id"])] = await self._start(event)

    async def translated(self, event: Event) -> list[Any]:
        """`updates(event)`; a call's start as `look` made it, or in a worker thread (its
        diff reads the disk): nothing the agent wrote can stop the protocol's event loop."""
        if event.type == "tool_call":
            made = self.started.pop(str(event.data["id"]), None)
            return [made if made is not None else await self._start(event)]
        return list(self.updates(event))

    async def _start(self, event: Event) -> Any:
        return await asyncio.to_thread(lambda: next(iter(self.updates(event))))

    def updates(self, event: Event) -> Iterator[Any]:
        data = event.data
        if event.type == "assistant_chunk":
            self.chunked = True
            yield update_agent_message_text(str(data.get("text", "")))
        elif event.type == "assistant_thinking":
            yield update_agent_thought_text(str(data.get("text", "")))
        elif event.type == "assistant_message":
            if not self.chunked:
                yield update_agent_message_text(str(data.get("text", "")))
            self.chunked = False
        elif event.type == "tool_call":
            yield self.call_started(str(data["id"]), str(data["name"]), data.get("args") or {})
        elif event.type == "tool_state_change" and data.get("state") == "running":
            yield running(str(data.get("tool_call_id")))
        elif event.type == "tool_output":
            yield self.call_finished(data)
        elif event.type == "plan_update":
            yield plan_update(data.get("plan") or [])
        elif event.type == "usage" and not data.get("purpose"):
            used = int(data.get("input_tokens") or 0) + int(data.get("output_tokens") or 0)
            self.context = (str(data.get("model") or ""), used)
        elif event.type == "turn_complete" and (usage := self.usage_update(data)) is not None:
            yield usage
        elif event.type == "compacted":
            yield update_agent_thought_text("(The conversation was compacted to free context.)")
        elif event.type == "error" and not data.get("fatal"):
            yield update_agent_thought_text(f"({data.get('message', 'error')})")

    def usage_update(self, data: Mapping[str, Any]) -> UsageUpdate | None:
        """Context used by the last model call out of its window, and the thread's cost."""
        if self.context is None or not (size := self.window(self.context[0])):
            return None
        cost = float((data.get("usage") or {}).get("cost_usd") or 0.0)
        return UsageUpdate(
            session_update="usage_update",
            used=self.context[1],
            size=size,
            cost=Cost(amount=cost, currency="USD"),
        )

    def call_started(
        self, call_id: str, name: str, args: Mapping[str, Any], *, before_run: bool = True
    ) -> Any:
        view = CallView(self.catalog, self.workspace, name, args)
        self.views[call_id] = view
        self.diffs[call_id] = view.diff(before_run=before_run)
        return view.start(call_id, self.diffs[call_id])

    def call_finished(self, data: Mapping[str, Any]) -> Any:
        call_id = str(data.get("tool_call_id"))
        return finished(
            call_id,
            str(data.get("output", "")),
            self.diffs.pop(call_id, []),
            failed=bool(data.get("is_error")),
        )

    def permission_call(self, request: Mapping[str, Any], fallback_id: str) -> ToolCallUpdate:
        """The tool call a permission request is about, as the editor shows it."""
        call_id = str(request.get("id") or fallback_id)
        view = self.views.get(call_id) or CallView(
            self.catalog, self.workspace, str(request.get("name")), request.get("args") or {}
        )
        return ToolCallUpdate(
            tool_call_id=call_id,
            title=str(request.get("description") or view.title),
            kind=view.kind,
            status="pending",
            content=self.diffs.get(call_id) or None,
            locations=view.locations(),
            raw_input=view.args,
        )


def plan_update(plan: Sequence[Mapping[str, Any]]) -> Any:
    return update_plan(
        plan_entry(
            str(item.get("content", "")),
            status=item["status"] if item.get("status") in PLAN_STATUSES else "pending",
        )
        for item in plan
    )


def history_updates(
    values: Mapping[str, Any], catalog: ToolCatalog, workspace: Path
) -> Iterator[Any]:
    """A stored thread as the updates a client replays: user and agent messages, thinking,
    tool calls with their results, and the plan. Runtime notes to the model are left out."""
    events = EventUpdates(catalog, workspace)
    for message in values.get("messages") or []:
        if message.type == "human":
            if is_user_message(message):
                yield update_user_message_text(text_of(message.content))
        elif message.type == "ai":
            thinking = (message.additional_kwargs or {}).get("reasoning_content")
            if isinstance(thinking, str) and thinking:
                yield update_agent_thought_text(thinking)
            if text := text_of(message.content):
                yield update_agent_message_text(text)
            for call in message.tool_calls:
                yield events.call_started(
                    call["id"], call["name"], call.get("args") or {}, before_run=False
                )
        elif message.type == "tool" and message.tool_call_id in events.views:
            yield events.call_finished(
                {
                    "tool_call_id": message.tool_call_id,
                    "output": text_of(message.content),
                    "is_error": message.status == "error",
                }
            )
    if plan := values.get("plan"):
        yield plan_update(plan)
