"""A small model's reply that hit its output limit by repeating itself is asked for again once,
with llama.cpp's repetition sampler on.

llama.cpp's DRY sampler lowers only the token that would extend a sequence already seen in the
last 64 tokens, so the retried reply can still name the files and columns of the request, which
lie further back.

Why: a 1.5B model looped to the 1,024-token limit, then refused (docs/lab/2026-11-25.md).
"""

from __future__ import annotations

import json
import zlib

from langchain_core.messages import AIMessage

from models.messages import text_of

# Sent to llama.cpp's OpenAI-compatible server in the request body (its own sampling keys).
ANTI_REPEAT_BODY = {
    "dry_multiplier": 0.8,
    "dry_base": 1.75,
    "dry_allowed_length": 2,
    "dry_penalty_last_n": 64,
}
# A cut reply this compressible is a loop: the three above compress (zlib) to 5%, 11% and 15%
# of their size; the skills' training scripts and this README, cut to 4 kB, to 41-51%.
REPEATING_RATIO = 0.2
MIN_CHARS = 800


def anti_repeat_kwargs() -> dict[str, object]:
    return {"extra_body": dict(ANTI_REPEAT_BODY)}


def ran_away(response: AIMessage) -> bool:
    """The reply stopped at its output limit and its text (calls included) repeats itself."""
    if (response.response_metadata or {}).get("finish_reason") != "length":
        return False
    text = reply_text(response)
    if len(text) < MIN_CHARS:
        return False
    raw = text.encode("utf-8", "replace")
    return len(zlib.compress(raw, 9)) / len(raw) < REPEATING_RATIO


def reply_text(response: AIMessage) -> str:
    """Everything the model wrote: its text, and its calls' arguments, whole or cut."""
    parts = [text_of(response.content)]
    parts += [json.dumps(c.get("args") or {}) for c in response.tool_calls]
    parts += [str(c.get("args") or "") for c in response.invalid_tool_calls]
    raw = (response.additional_kwargs or {}).get("tool_calls") or []
    parts += [str((c.get("function") or {}).get("arguments") or "") for c in raw]
    return "\n".join(p for p in parts if p)
