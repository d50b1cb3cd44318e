"""A chat completion asked for whole, fetched as a stream and joined back into one reply.

`streamed_request(body)` is the request to send upstream in place of a non-streamed chat
completion of one choice without tools or log-probabilities (None: send `body` as it is); `joined_completion(raw)` is the
non-streamed reply made of that stream's chunks: the text, the finish reason, `usage` and
llama.cpp's `timings`, the same fields a non-streamed reply carries.
Why: llama.cpp stops a streamed reply within a token once its client goes away (4 of 4
tries), a non-streamed one often not (5 of 7 went on generating, docs/lab/2026-11-30.md).
"""

from __future__ import annotations

import json
from typing import Any

# The delta fields joined into the reply's message; any other delta field is not expected
# from a request without tools and would make the stream not joinable.
_TEXT_FIELDS = ("content", "reasoning_content")


def streamed_request(body: bytes) -> bytes | None:
    """`body` asking for a stream with its usage, when it is a non-streamed chat completion
    offering no tools (their calls stream as deltas this module does not join); else None."""
    try:
        request = json.loads(body)
    except ValueError:
        return None
    if not isinstance(request, dict) or request.get("stream") or request.get("tools"):
        return None
    if request.get("n", 1) != 1 or request.get("logprobs") or request.get("top_logprobs"):
        return None  # several choices, or log-probabilities, which this module does not join
    streamed = {**request, "stream": True, "stream_options": {"include_usage": True}}
    return json.dumps(streamed).encode()


def joined_completion(raw: bytes) -> bytes | None:
    """The non-streamed chat completion that the SSE stream `raw` spells out; None when `raw`
    is not a whole stream of one choice's text (cut short, or carrying calls)."""
    chunks: list[dict[str, Any]] = []
    done = False
    for line in sse_lines(raw):
        if line == "data: [DONE]":
            done = True
        elif line.startswith("data: "):
            try:
                chunk = json.loads(line[6:])
            except ValueError:
                return None
            if not isinstance(chunk, dict):
                return None
            chunks.append(chunk)
    if not done or not chunks:
        return None
    message: dict[str, Any] = {"role": "assistant", "content": ""}
    finish: str | None = None
    extra: dict[str, Any] = {}
    for chunk in chunks:
        for choice in chunk.get("choices") or []:
            if choice.get("index", 0) != 0:
                return None
            delta = {k: v for k, v in (choice.get("delta") or {}).items() if v is not None}
            if set(delta) - {"role", *_TEXT_FIELDS}:
                return None
            for field in _TEXT_FIELDS:
                if isinstance(delta.get(field), str):
                    message[field] = message.get(field, "") + delta[field]
            finish = choice.get("finish_reason") or finish
        for key in ("usage", "timings"):
            if chunk.get(key):
                extra[key] = chunk[key]
    first = chunks[0]
    completion = {
        "choices": [{"finish_reason": finish, "index": 0, "message": message}],
        "created": first.get("created"),
        "id": first.get("id"),
        "model": first.get("model"),
        "object": "chat.completion",
        **(
            {"system_fingerprint": first["system_fingerprint"]}
            if "system_fingerprint" in first
            else {}
        ),
        **extra,
    }
    return json.dumps(completion).encode()


def sse_lines(raw: bytes) -> list[str]:
    """The lines of a server-sent event stream: split at line feeds only, as the JSON in them
    may hold U+2028 or U+0085 raw (llama.cpp writes it unescaped)."""
    return [line.removesuffix("\r") for line in raw.decode(errors="replace").split("\n")]


def stream_error(raw: bytes) -> dict[str, Any] | None:
    """The error a stream ended with (an `error` event or a chunk carrying `error`), if any."""
    for line in sse_lines(raw):
        field, _, value = line.partition(": ")
        if field not in ("data", "error") or not value.startswith("{"):
            continue
        try:
            event = json.loads(value)
        except ValueError:
            continue
        if isinstance(event, dict) and (field == "error" or "error" in event):
            found = event.get("error", event)
            return found if isinstance(found, dict) else {"message": str(found)}
    return None
