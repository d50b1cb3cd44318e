"""Figures read off the wire (a RecordingProxy's folder): calls, tokens, the last reply.

The same count for every harness, whatever it reports itself: one chat completion is one
model call; tokens are the server's `usage` (or llama.cpp's `timings` when a stream carries
no usage).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def wire_figures(folder: Path) -> tuple[int, int, int, str]:
    """(model calls, prompt tokens, completion tokens, the last reply's text) in `folder`."""
    replies = sorted(folder.glob("*-reply.txt"))
    tokens_in = tokens_out = 0
    for reply in replies:
        response = reply.with_name(reply.name.replace("-reply.txt", "-response.txt"))
        used_in, used_out = usage_of(response.read_text(errors="replace"))
        tokens_in, tokens_out = tokens_in + used_in, tokens_out + used_out
    last = replies[-1].read_text(errors="replace") if replies else ""
    return len(replies), tokens_in, tokens_out, last


def usage_of(raw: str) -> tuple[int, int]:
    """A chat completion's (prompt, completion) tokens, streamed (SSE) or not."""
    bodies = [line[6:] for line in raw.splitlines() if line.startswith("data: {")] or [raw]
    usage: dict[str, Any] = {}
    timings: dict[str, Any] = {}
    for body in bodies:
        try:
            chunk = json.loads(body)
        except ValueError:
            continue
        if isinstance(chunk, dict):
            usage = chunk.get("usage") or usage
            timings = chunk.get("timings") or timings
    if usage:
        return int(usage.get("prompt_tokens") or 0), int(usage.get("completion_tokens") or 0)
    prompt = int(timings.get("prompt_n") or 0) + int(timings.get("cache_n") or 0)
    return prompt, int(timings.get("predicted_n") or 0)
