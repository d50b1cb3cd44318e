"""httpx's `json=` request bodies encoded by orjson whenever that gives httpx's exact bytes.

litellm sends Anthropic's non-streamed requests (and other providers' that bypass the openai
SDK) as `httpx` `json=` bodies, which httpx encodes with the standard library: a str of the
whole body, then its UTF-8 bytes. For a 6 MB history both are held at once (a late step's
peak holds 12 MB for the body) and encoding takes ~19 ms of CPU. orjson writes the bytes
directly. Only bodies made of plain JSON values go that way (`plain_json`: the values for
which orjson's output is known to equal the standard library's); anything else, or anything
orjson refuses, goes through httpx's own encoder, as do its errors.

The compat module of `httpx`: the encoder is private; `PIN` and `HOOKS` say what it was
written for, and nothing is patched when the installed httpx differs (tests/compat/).
"""

from __future__ import annotations

import functools
from typing import Any

from compat.openai_sdk import plain_json
from compat.pins import Hook, Pin, allowed

PIN = Pin("httpx", ">=0.28,<0.29")
HOOKS = (Hook("httpx._content", "encode_json", ("json",)), Hook("httpx._content", "ByteStream"))
_installed = False
orjson_bodies = 0  # bodies orjson wrote: a test sees the path is live, not only harmless


def install() -> bool:
    """Route httpx's JSON bodies through orjson when the bytes are the same (once a process);
    False, changing nothing, when httpx's encoder is not where this expects it."""
    global _installed
    if _installed:
        return True
    if not allowed(PIN, HOOKS):  # request bodies are encoded by httpx itself
        return False
    import orjson
    from httpx import _content

    httpx_encode_json = _content.encode_json
    byte_stream = _content.ByteStream
    strict = orjson.OPT_PASSTHROUGH_SUBCLASS | orjson.OPT_PASSTHROUGH_DATACLASS
    strict |= orjson.OPT_PASSTHROUGH_DATETIME

    @functools.wraps(httpx_encode_json)
    def encode_json(json: Any) -> tuple[dict[str, str], Any]:
        global orjson_bodies
        if plain_json(json):
            try:
                body = orjson.dumps(json, option=strict)
            except TypeError:  # a non-str key, an int past 64 bits: httpx decides
                return httpx_encode_json(json)
            orjson_bodies += 1
            headers = {"Content-Length": str(len(body)), "Content-Type": "application/json"}
            return headers, byte_stream(body)
        return httpx_encode_json(json)

    _content.encode_json = encode_json  # type: ignore[assignment]
    _installed = True
    return True
