"""A prompt's content blocks as the one user message the agent takes (text only)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from acp import RequestError

MAX_PROMPT_CHARS = 2_000_000  # ~500k tokens: beyond any model's window, refused up front


def prompt_text(blocks: Sequence[Any]) -> str:
    """Text blocks as they are; an embedded text resource (a file the user attached) and a
    resource link become labelled parts; images and audio are refused with the reason."""
    parts: list[str] = []
    for block in blocks:
        kind = getattr(block, "type", None)
        if kind == "text":
            parts.append(block.text)
        elif kind == "resource" and isinstance(getattr(block.resource, "text", None), str):
            parts.append(f"\n<file uri={block.resource.uri!r}>\n{block.resource.text}\n</file>")
        elif kind == "resource_link":
            parts.append(f"[{block.name}]({block.uri})")
        else:
            raise RequestError(
                -32602,
                f"This agent takes text only: a {kind or 'binary'} block cannot be sent to the "
                "model. Attach text files or describe the content instead.",
            )
    text = "".join(parts).strip()
    if not text:
        raise RequestError(-32602, "The prompt is empty: send some text.")
    if len(text) > MAX_PROMPT_CHARS:
        raise RequestError(
            -32602,
            f"The prompt is {len(text):,} characters, more than {MAX_PROMPT_CHARS:,}: no model "
            "takes that much. Attach less, or point the agent at the files instead.",
        )
    return text
