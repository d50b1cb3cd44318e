"""Events: what the CLI, Slack and stream-json consume, translated from LangGraph stream parts."""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from langchain_core.messages import AIMessage, AIMessageChunk, ToolMessage

from models.messages import last_user_index, text_of
from tools.catalog import ToolCatalog

EventType = Literal[
    "processing", "assistant_chunk", "assistant_thinking", "assistant_message",
    "assistant_stream_end",
    "tool_call", "tool_output", "tool_log", "tool_state_change", "approval_required",
    "turn_complete", "error", "interrupted", "compacted", "undo_complete",
    "plan_update", "usage", "job_finished",
]  # fmt: skip


@dataclass(frozen=True)
class Event:
    type: EventType
    thread_id: str
    data: dict[str, Any] = field(default_factory=dict)
    ts: float = field(default_factory=time.time)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class EventTranslator:
    """Turns (mode, chunk) pairs from `astream(stream_mode=[...])` into Events."""

    def __init__(self, thread_id: str, catalog: ToolCatalog | None = None) -> None:
        self.thread_id = thread_id
        self.streaming = False
        self.catalog = catalog or ToolCatalog([])  # each tool says how its call reads in one line

    def event(self, type_: EventType, **data: Any) -> Event:
        return Event(type=type_, thread_id=self.thread_id, data=data)

    def translate(self, mode: str, chunk: Any) -> Iterator[Event]:
        if mode == "messages":
            yield from self._token(chunk)
        elif mode == "custom" and isinstance(chunk, dict) and chunk.get("type"):
            if chunk["type"] == "error" and self.streaming:
                # A stream cut mid-way and retried: close the partial answer first.
                self.streaming = False
                yield self.event("assistant_stream_end", partial=True)
            payload = {k: v for k, v in chunk.items() if k != "type"}
            yield self.event(chunk["type"], **payload)
        elif mode == "updates" and isinstance(chunk, dict):
            for node, update in chunk.items():
                yield from self._update(node, update)

    def _token(self, chunk: Any) -> Iterator[Event]:
        message, meta = chunk
        if meta.get("langgraph_node") != "call_model" or not isinstance(message, AIMessageChunk):
            return
        thinking = (message.additional_kwargs or {}).get("reasoning_content")
        if isinstance(thinking, str) and thinking:
            yield self.event("assistant_thinking", text=thinking)
        text = text_of(message.content)
        if text:
            self.streaming = True
            yield self.event("assistant_chunk", text=text)

    def _update(self, node: str, update: Any) -> Iterator[Event]:
        if node == "__interrupt__":
            for item in update:
                value = item.value if isinstance(item.value, dict) else {"value": item.value}
                yield self.event(
                    "approval_required",
                    interrupt_id=item.id,
                    kind=value.get("kind", "tools"),
                    action_requests=value.get("action_requests", []),
                )
            return
        if not isinstance(update, dict):
            return
        messages = update.get("messages")
        if messages is None or not isinstance(messages, list):
            return
        for message in messages:
            if isinstance(message, AIMessage) and node == "call_model":
                if self.streaming:
                    self.streaming = False
                    yield self.event("assistant_stream_end")
                text = text_of(message.content)
                if text:
                    yield self.event("assistant_message", text=text, id=message.id)
                for call in message.tool_calls:
                    args = call.get("args") or {}
                    summary = self.catalog.summarize(call["name"], args)
                    yield self.event(
                        "tool_call", id=call["id"], name=call["name"], args=args, summary=summary
                    )
            elif isinstance(message, ToolMessage):
                yield self.event(
                    "tool_output",
                    tool_call_id=message.tool_call_id,
                    name=message.name,
                    output=text_of(message.content),
                    is_error=message.status == "error",
                )


def turn_complete(thread_id: str, values: Mapping[str, Any], forced_reason: str | None) -> Event:
    """The end of a turn: why it stopped, this turn's answer, the thread's usage so far and
    the rules for weaker models that fired in it so far (`{rule: steps}`)."""
    usage = values.get("usage") or {}
    messages = values.get("messages") or []
    # This turn's answer only: a turn that stopped without text has none.
    this_turn = messages[last_user_index(messages) + 1 :]
    final = next(
        (text_of(m.content) for m in reversed(this_turn) if m.type == "ai" and text_of(m.content)),
        "",
    )
    return Event(
        type="turn_complete",
        thread_id=thread_id,
        data={
            "stop_reason": forced_reason or values.get("stop_reason") or "done",
            "iterations": (values.get("turn") or {}).get("iterations", 0),
            "final_text": final,
            "usage": {
                "input_tokens": usage.get("input_tokens", 0),
                "output_tokens": usage.get("output_tokens", 0),
                "cache_read_tokens": usage.get("cache_read_tokens", 0),
                "cache_write_tokens": usage.get("cache_write_tokens", 0),
                "cost_usd": usage.get("cost_usd", 0.0),
                "job_cost_usd": usage.get("job_cost_usd", 0.0),
            },
            "rules_fired": dict(sorted((values.get("rules_fired") or {}).items())),
        },
    )
