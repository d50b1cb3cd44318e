"""Figures read off the wire (a RecordingProxy's folder): calls, tokens, the last reply.

The same count for every harness, whatever it reports itself: one chat completion is one
model call; tokens are the server's `usage` (or llama.cpp's `timings` when a stream carries
no usage). The model server's own speed (llama.cpp `timings`) is read too, so a row taken
while something else loaded the machine can be told by its generation rate, not guessed, and
so is the sampling each harness asked for: a harness that sends no temperature samples at the
server's default (llama.cpp: 0.8), one that sends 0 decodes greedily.
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


def sent_temperature(folder: Path) -> float | str | list[float | str] | None:
    """The `temperature` the chat completions in `folder` carried: one value, `"server default"`
    when they sent none, a sorted list when calls differed; None without a chat completion."""
    seen: set[float | str] = set()
    for reply in folder.glob("*-reply.txt"):
        request = reply.with_name(reply.name.replace("-reply.txt", "-request.json"))
        try:
            body = json.loads(request.read_bytes())
        except ValueError:
            continue
        value = body.get("temperature") if isinstance(body, dict) else None
        seen.add(float(value) if isinstance(value, int | float) else "server default")
    if len(seen) > 1:
        return sorted(seen, key=str)
    return next(iter(seen), None)


def usage_of(raw: str) -> tuple[int, int]:
    """A chat completion's (prompt, completion) tokens, streamed (SSE) or not."""
    bodies = [line[6:] for line in raw.split("\n") if line.startswith("data: {")] or [raw]
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


def server_speed(folder: Path) -> dict[str, float | None]:
    """llama.cpp's own timings over the calls in `folder`: seconds it spent on them
    (`model_s`) and tokens it generated a second (`gen_tok_s`); None where it sent none."""
    spent_ms = generated = generating_ms = 0.0
    for response in sorted(folder.glob("*-response.txt")):
        timings = timings_of(response.read_text(errors="replace"))
        spent_ms += float(timings.get("prompt_ms") or 0) + float(timings.get("predicted_ms") or 0)
        generated += float(timings.get("predicted_n") or 0)
        generating_ms += float(timings.get("predicted_ms") or 0)
    return {
        "model_s": round(spent_ms / 1000, 1) if spent_ms else None,
        "gen_tok_s": round(generated / generating_ms * 1000, 2) if generating_ms else None,
    }


def timings_of(raw: str) -> dict[str, Any]:
    """The last `timings` object in a response, streamed (SSE) or not ({} when none)."""
    timings: dict[str, Any] = {}
    for body in [line[6:] for line in raw.split("\n") if line.startswith("data: {")] or [raw]:
        try:
            chunk = json.loads(body)
        except ValueError:
            continue
        if isinstance(chunk, dict) and isinstance(chunk.get("timings"), dict):
            timings = chunk["timings"]
    return timings
