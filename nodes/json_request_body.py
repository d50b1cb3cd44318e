"""httpx's `json=` request bodies encoded by orjson whenever that gives httpx's exact bytes.

litellm sends Anthropic's non-streamed requests (and other providers' that bypass the openai
SDK) as `httpx` `json=` bodies, which httpx encodes with the standard library: a str of the
whole body, then its UTF-8 bytes. For a 6 MB history both are held at once (a late step's
peak holds 12 MB for the body) and encoding takes ~19 ms of CPU. orjson writes the bytes
directly. Only bodies made of plain JSON values go that way (`plain_json`: the values for
which orjson's output is known to equal the standard library's); anything else, or anything
orjson refuses, goes through httpx's own encoder, as do its errors.
"""

from __future__ import annotations

from typing import Any

from nodes.openai_request_path import plain_json

_installed = False


def install() -> None:
    """Route httpx's JSON bodies through orjson when the bytes are the same (once a process)."""
    global _installed
    if _installed:
        return
    import orjson
    from httpx import _content

    httpx_encode_json = _content.encode_json
    byte_stream = _content.ByteStream
    strict = orjson.OPT_PASSTHROUGH_SUBCLASS | orjson.OPT_PASSTHROUGH_DATACLASS
    strict |= orjson.OPT_PASSTHROUGH_DATETIME

    def encode_json(json: Any) -> tuple[dict[str, str], Any]:
        if plain_json(json):
            try:
                body = orjson.dumps(json, option=strict)
            except TypeError:  # a non-str key, an int past 64 bits: httpx decides
                return httpx_encode_json(json)
            headers = {"Content-Length": str(len(body)), "Content-Type": "application/json"}
            return headers, byte_stream(body)
        return httpx_encode_json(json)

    _content.encode_json = encode_json  # type: ignore[assignment]
    _installed = True
