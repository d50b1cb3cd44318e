"""httpx's JSON bodies, once orjson encodes the plain ones, are the bytes httpx would send."""

from __future__ import annotations

import dataclasses
import datetime
import enum
import json

import httpx

from compat import httpx as httpx_compat

URL = "http://127.0.0.1:9/v1/messages"


class Colour(enum.Enum):
    RED = 1


@dataclasses.dataclass
class Point:
    x: int


TRICKY_TEXT = 'tab\t, line\n, \x1f, \x7f, \u2028, é, 😀, quote " and \\'
HISTORY = [{"role": "user", "content": [{"type": "tool_result", "content": "x" * 5000}]}] * 50
BODIES: list[object] = [
    {"model": "claude", "max_tokens": 1024, "messages": HISTORY, "text": TRICKY_TEXT},
    {"floats": [0.2, 1e16, 1e-05, 5e-324, 1.5e300, -0.0, 123456789.123, 2 / 3], "t": (1, "a")},
    {"flags": [True, False, None], "nested": {"a": {"b": [[], {}]}}},
    {"not a str key": {1: 2}},
    {"big": 2**70},
    {"when": datetime.datetime(2026, 1, 2, 3, 4, 5, 678, tzinfo=datetime.UTC)},
    {"point": Point(1)},
    {"nan": float("nan")},
    {"enum": Colour.RED},
    {"bad": "\ud800"},  # a lone surrogate
    [1, "list at the top"],
    "a bare string",
]


def sent(body: object) -> object:
    """The request's headers and bytes, or the error type httpx raised."""
    try:
        request = httpx.Request("POST", URL, json=body)
    except Exception as error:
        return type(error)
    return dict(request.headers), request.content


def test_every_body_is_sent_as_httpx_sends_it_and_refused_as_httpx_refuses_it() -> None:
    before = [sent(body) for body in BODIES]
    assert httpx_compat.install()
    written = httpx_compat.orjson_bodies
    after = [sent(body) for body in BODIES]
    # The path is live (httpx still asks `_content.encode_json` by name): the history, the
    # flags, the list and the bare string were orjson's; the floats (a tuple), the non-str
    # key, the big int, the lone surrogate and the non-JSON values were httpx's.
    assert httpx_compat.orjson_bodies - written == 4
    for body, expected, found in zip(BODIES, before, after, strict=True):
        assert found == expected, body
    headers, content = after[0]  # type: ignore[misc]
    assert json.loads(content)["text"] == TRICKY_TEXT
    assert headers["content-length"] == str(len(content))


def test_an_httpx_without_the_encoder_where_expected_is_left_alone() -> None:
    """If httpx moves its encoder, nothing is patched and every model still builds."""
    import subprocess
    import sys

    probe = (
        "import httpx._content as c; del c.encode_json;"
        "from compat import httpx as j; print(j.install());"
        "print(__import__('httpx').Request('GET', 'http://127.0.0.1:9').method)"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "GET"], out.stderr
