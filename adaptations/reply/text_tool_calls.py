"""Tool calls a model wrote as text, turned into real ones.

Small local models often answer with a call in their chat template's text form instead of a
native tool call. These forms are recognised:

- `<tool_call>{"name": "read", "arguments": {...}}</tool_call>` (Qwen, Hermes templates)
- a fenced JSON object with `name` and `arguments` (or `parameters`): ```json {...} ```
- the same object bare, as the whole reply, also doubled in braces (`{{...}}`, as llama.cpp's
  stock Qwen template makes some models write)

A reply that already has native calls is left alone. A `<tool_call>` block whose JSON does
not parse becomes a call execute_tools answers with an error the model can act on. A fenced
or bare object is a call when it is shaped like one (a name and arguments, nothing else; a
function *schema* is not) and the calls are the whole reply, after at most a short lead-in
("I'll read it:"): an answer that shows a schema or a config in a fence is an answer. A call
to a tool that does not exist is made all the same, so execute_tools answers it with the
closest real tools instead of the run ending with the JSON as its answer.
On by default for local servers; `text_tool_calls` in the config turns it on or off per model
id (both read from the model's profile, configs/model_profile.py).
"""

from __future__ import annotations

import json
import re
import uuid
from itertools import pairwise
from typing import Any

from langchain_core.messages import AIMessage

from models.call_arguments import RAW_ARGUMENTS

_TAGGED = re.compile(r"<tool_call>\s*(.*?)\s*(?:</tool_call>|$)", re.DOTALL)
_FENCED = re.compile(r"```(?:json|tool_call)?\s*\n(\{.*?\})\s*\n?```", re.DOTALL)
_CALL_KEYS = frozenset({"name", "arguments", "parameters"})
LEAD_IN_CHARS = 200  # the most prose a fenced call may follow, in one paragraph


def with_text_calls(response: AIMessage) -> AIMessage:
    """`response` with the tool calls written in its text made real (and cut from the text)."""
    if response.tool_calls or response.invalid_tool_calls or not isinstance(response.content, str):
        return response
    text = response.content
    found = [(_call(m.group(1), strict=True) or {}, m.span()) for m in _TAGGED.finditer(text)]
    found = found or _fenced_calls(text) or _bare_call(text)
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


def _fenced_calls(text: str) -> list[tuple[dict[str, Any], tuple[int, int]]]:
    """The fenced calls in `text`, when every fence is shaped like a call and nothing but a
    short lead-in surrounds them; else none (the reply is an answer that shows JSON)."""
    matches = list(_FENCED.finditer(text))
    calls = [_call(m.group(1), strict=False) for m in matches]
    if not calls or any(call is None for call in calls):
        return []
    lead_in = text[: matches[0].start()].strip()
    gaps = [text[a.end() : b.start()] for a, b in pairwise(matches)]
    if len(lead_in) > LEAD_IN_CHARS or "\n\n" in lead_in:
        return []
    if any(gap.strip() for gap in [*gaps, text[matches[-1].end() :]]):
        return []
    return [(call, m.span()) for call, m in zip(calls, matches, strict=True) if call is not None]


def _bare_call(text: str) -> list[tuple[dict[str, Any], tuple[int, int]]]:
    """The whole reply as one call, when it is a JSON object shaped like one."""
    stripped = text.strip()
    call = _call(stripped, strict=False) if stripped.startswith("{") else None
    return [(call, (0, len(text)))] if call is not None else []


def _parsed(raw: str) -> Any:
    """JSON from `raw`; `{{...}}` (a template's doubled braces) is read as `{...}`."""
    for candidate in (raw, raw[1:-1] if raw.startswith("{{") and raw.endswith("}}") else None):
        if candidate is None:
            continue
        try:
            return json.loads(candidate)
        except ValueError:
            continue
    return None


def _call_shaped(data: Any) -> bool:
    """A name and arguments and nothing else; a function schema (`parameters` holding a
    JSON schema) is not a call."""
    if not isinstance(data, dict) or not isinstance(data.get("name"), str):
        return False
    if not set(data) <= _CALL_KEYS or not set(data) & {"arguments", "parameters"}:
        return False
    params = data.get("parameters")
    return not (isinstance(params, dict) and "properties" in params and "type" in params)


def _call(raw: str, *, strict: bool) -> dict[str, Any] | None:
    """One tool call from its JSON text; None when it is not one (and `strict` is off)."""
    data = _parsed(raw)
    if _call_shaped(data) or (strict and isinstance(data, dict) and "name" in data):
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
