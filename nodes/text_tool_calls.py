"""Tool calls a model wrote as text, turned into real ones.

Small local models often answer with a call in their chat template's text form instead of a
native tool call. Two common forms are recognised:

- `<tool_call>{"name": "read", "arguments": {...}}</tool_call>` (Qwen, Hermes templates)
- a fenced JSON object with `name` and `arguments` (or `parameters`): ```json {...} ```

A reply that already has native calls is left alone. A `<tool_call>` block whose JSON does
not parse becomes a call carrying the raw text, which execute_tools answers with an error the
model can act on. A fenced JSON that does not parse is just text (it may be any code).
On by default for local servers (configs/model_routes.py); `text_tool_calls` in the config
turns it on or off per model id.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Mapping
from typing import Any

from langchain_core.messages import AIMessage

from configs.model_routes import route
from nodes.call_arguments import RAW_ARGUMENTS

_TAGGED = re.compile(r"<tool_call>\s*(.*?)\s*(?:</tool_call>|$)", re.DOTALL)
_FENCED = re.compile(r"```(?:json|tool_call)?\s*\n(\{.*?\})\s*\n?```", re.DOTALL)


def wants_text_calls(model_id: str, configured: Mapping[str, bool]) -> bool:
    if model_id in configured:
        return configured[model_id]
    return route(model_id).kind == "local"


def with_text_calls(response: AIMessage) -> AIMessage:
    """`response` with the tool calls written in its text made real (and cut from the text)."""
    if response.tool_calls or response.invalid_tool_calls or not isinstance(response.content, str):
        return response
    text = response.content
    calls: list[dict[str, Any]] = []
    spans: list[tuple[int, int]] = []
    for match in _TAGGED.finditer(text):
        calls.append(_call(match.group(1), strict=True) or {})
        spans.append(match.span())
    if not calls:
        for match in _FENCED.finditer(text):
            call = _call(match.group(1), strict=False)
            if call is not None:
                calls.append(call)
                spans.append(match.span())
    if not calls:
        return response
    kept = "".join(
        text[start:end]
        for start, end in zip(
            [0, *(e for _, e in spans)], [*(s for s, _ in spans), len(text)], strict=True
        )
    ).strip()
    return response.model_copy(update={"content": kept, "tool_calls": calls})


def _call(raw: str, *, strict: bool) -> dict[str, Any] | None:
    """One tool call from its JSON text; None when it is not one (and `strict` is off)."""
    try:
        data = json.loads(raw)
    except ValueError:
        data = None
    if isinstance(data, dict) and isinstance(data.get("name"), str):
        args = data.get("arguments", data.get("parameters", {}))
        if isinstance(args, str):  # some templates double-encode the arguments
            try:
                args = json.loads(args)
            except ValueError:
                args = {RAW_ARGUMENTS: args, "_error": "arguments were not a JSON object"}
        if isinstance(args, dict):
            return _made(data["name"], args)
    if not strict:
        return None
    name = match.group(1) if (match := re.search(r'"name"\s*:\s*"([^"]+)"', raw)) else "unknown"
    return _made(
        name, {RAW_ARGUMENTS: raw[:2000], "_error": "not a JSON object with name and arguments"}
    )


def _made(name: str, args: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": name,
        "args": args,
        "id": f"call_text_{uuid.uuid4().hex[:12]}",
        "type": "tool_call",
    }
