"""Tool calls a model wrote as text, turned into real ones.

Small local models often answer with a call in their chat template's text form instead of a
native tool call. Two common forms are recognised:

- `<tool_call>{"name": "read", "arguments": {...}}</tool_call>` (Qwen, Hermes templates)
- a fenced JSON object with `name` and `arguments` (or `parameters`): ```json {...} ```

A reply that already has native calls is left alone. A `<tool_call>` block whose JSON does
not parse (or names no tool) becomes a call execute_tools answers with an error the model can
act on. A fenced JSON is a call only when it names one of the tools and the fenced calls are
the whole reply, after at most a short lead-in ("I'll read it:"): an answer that shows a
function schema or a config in a fence is an answer.
On by default for local servers (configs/model_routes.py); `text_tool_calls` in the config
turns it on or off per model id.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Collection, Mapping
from itertools import pairwise
from typing import Any

from langchain_core.messages import AIMessage

from configs.model_routes import route
from nodes.call_arguments import RAW_ARGUMENTS

_TAGGED = re.compile(r"<tool_call>\s*(.*?)\s*(?:</tool_call>|$)", re.DOTALL)
_FENCED = re.compile(r"```(?:json|tool_call)?\s*\n(\{.*?\})\s*\n?```", re.DOTALL)
LEAD_IN_CHARS = 200  # the most prose a fenced call may follow, in one paragraph


def wants_text_calls(model_id: str, configured: Mapping[str, bool]) -> bool:
    if model_id in configured:
        return configured[model_id]
    return route(model_id).kind == "local"


def with_text_calls(response: AIMessage, tools: Collection[str]) -> AIMessage:
    """`response` with the tool calls written in its text made real (and cut from the text).
    `tools`: the names of the tools the model was offered (fenced calls must name one)."""
    if response.tool_calls or response.invalid_tool_calls or not isinstance(response.content, str):
        return response
    text = response.content
    found = [(_call(m.group(1), strict=True) or {}, m.span()) for m in _TAGGED.finditer(text)]
    found = found or _fenced_calls(text, tools)
    if not found:
        return response
    calls, spans = [call for call, _ in found], [span for _, span in found]
    kept = "".join(
        text[start:end]
        for start, end in zip(
            [0, *(e for _, e in spans)], [*(s for s, _ in spans), len(text)], strict=True
        )
    ).strip()
    return response.model_copy(update={"content": kept, "tool_calls": calls})


def _fenced_calls(
    text: str, tools: Collection[str]
) -> list[tuple[dict[str, Any], tuple[int, int]]]:
    """The fenced calls in `text`, when every fence is a call to one of `tools` and nothing but
    a short lead-in surrounds them; else none (the reply is an answer that shows JSON)."""
    matches = list(_FENCED.finditer(text))
    calls = [_call(m.group(1), strict=False) for m in matches]
    if not calls or any(call is None or call["name"] not in tools for call in calls):
        return []
    lead_in = text[: matches[0].start()].strip()
    gaps = [text[a.end() : b.start()] for a, b in pairwise(matches)]
    if len(lead_in) > LEAD_IN_CHARS or "\n\n" in lead_in:
        return []
    if any(gap.strip() for gap in [*gaps, text[matches[-1].end() :]]):
        return []
    return [(call, m.span()) for call, m in zip(calls, matches, strict=True) if call is not None]


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
