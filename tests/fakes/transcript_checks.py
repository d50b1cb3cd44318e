"""Checks on what the provider received: the history must always be valid for it."""

from __future__ import annotations

from typing import Any


def assert_valid_tool_pairing(messages: list[dict[str, Any]]) -> None:
    """Every assistant tool call is answered right after it, and no result is orphaned."""
    i = 0
    while i < len(messages):
        message = messages[i]
        if message["role"] == "tool":
            raise AssertionError(f"tool result without a preceding call at {i}: {message}")
        i += 1
        calls = message.get("tool_calls") or [] if message["role"] == "assistant" else []
        wanted = [c["id"] for c in calls]
        got = []
        while i < len(messages) and messages[i]["role"] == "tool":
            got.append(messages[i]["tool_call_id"])
            i += 1
        assert sorted(got) == sorted(wanted), f"calls {wanted} answered by {got}"


def tool_results(request: dict[str, Any]) -> dict[str, str]:
    """tool_call_id -> result text, from one recorded chat-completions request."""
    return {
        m["tool_call_id"]: m["content"] if isinstance(m["content"], str) else str(m["content"])
        for m in request["messages"]
        if m["role"] == "tool"
    }


RUNTIME_NOTE = "[runtime] "


def user_texts(request: dict[str, Any]) -> list[str]:
    """The user-role texts of a request, without the runtime note sent after the history
    (litellm may merge the note into the user message before it)."""
    texts = [str(m["content"]) for m in request["messages"] if m["role"] == "user"]
    kept = [text.split(RUNTIME_NOTE, 1)[0].rstrip() for text in texts]
    return [text for text in kept if text]


def runtime_note_of(request: dict[str, Any]) -> str:
    """The runtime note (date, plan): always the request's last message."""
    last = request["messages"][-1]
    assert last["role"] == "user" and RUNTIME_NOTE in str(last["content"]), last
    return RUNTIME_NOTE + str(last["content"]).split(RUNTIME_NOTE, 1)[1]
