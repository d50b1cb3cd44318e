"""Red team (issue 60): a run past the request parser by a path, method or body the guard
reads differently from the engine. Each request is sent raw (no client normalises its path)
to the real `ml-intern web` (token mode, API open), carrying `command.goto` to
`execute_tools` with a bash call that writes a marker. Held when no marker appears and no
answer is a 2xx.
"""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from tests.fakes.llm_server import ScriptedLLMServer
from tests.web.web_harness import fresh_llm

pytest_plugins = ("tests.web.web_harness",)
pytestmark = pytest.mark.timeout(300)


@pytest.fixture
def llm(session_web: tuple[str, ScriptedLLMServer]) -> ScriptedLLMServer:
    return fresh_llm(session_web)


def raw(url: str, method: str, path: str, body: bytes, headers: dict[str, str]) -> int:
    """The status of one HTTP/1.1 request written byte for byte."""
    where = urlsplit(url)
    head = [f"{method} {path} HTTP/1.1", f"Host: {where.netloc}", "Connection: close"]
    head += [f"{k}: {v}" for k, v in headers.items()]
    with socket.create_connection((where.hostname, where.port), timeout=60) as s:
        s.sendall(("\r\n".join(head) + "\r\n\r\n").encode() + body)
        answer = b""
        while chunk := s.recv(65536):
            answer += chunk
    return int(answer.split(b" ", 2)[1])


def chunked(body: bytes) -> bytes:
    return f"{len(body):x}\r\n".encode() + body + b"\r\n0\r\n\r\n"


def variants(thread: str) -> Iterator[tuple[str, str, str]]:
    for suffix in ("runs/wait", "runs/stream", "runs"):
        yield "POST", f"/threads/{thread}/{suffix}/", "trailing slash"
        yield "POST", f"/threads/{thread}//{suffix}", "double slash"
        yield "POST", f"//threads/{thread}/{suffix}", "leading double slash"
        yield "POST", f"/threads/{thread}/{suffix}?stream_mode=values", "query"
        yield "POST", f"/web/../threads/{thread}/{suffix}", "dot segment under /web/"
        yield "POST", f"/oauth/%2e%2e/threads/{thread}/{suffix}", "encoded dots under /oauth/"
        yield "POST", f"/threads/{thread}/{suffix.replace('/', '%2F')}", "encoded slash"
        yield "post", f"/threads/{thread}/{suffix}", "lower-case method"
        yield "PUT", f"/threads/{thread}/{suffix}", "PUT"
        yield "PATCH", f"/threads/{thread}/{suffix}", "PATCH"
        yield "POST", f"/THREADS/{thread}/{suffix.upper()}", "upper case"


def test_no_path_or_body_variant_reaches_execute_tools(
    session_web: tuple[str, ScriptedLLMServer], llm: ScriptedLLMServer
) -> None:
    url = session_web[0]
    workspace = Path(httpx.get(f"{url}/web/info", trust_env=False).json()["workspace"])
    thread = httpx.post(f"{url}/threads", json={}, trust_env=False).json()["thread_id"]
    marker = workspace / "pwned-by-a-path"
    call = {"name": "bash", "args": {"command": f"echo pwned > {marker}"}, "id": "x"}
    goto = {"node": "execute_tools", "input": {"call": {**call, "type": "tool_call"}}}
    attack = {"assistant_id": "ml_intern", "command": {"goto": goto}}
    body = json.dumps(attack).encode()
    # The same in bodies the guard might read otherwise: a duplicate key hiding the goto from
    # a first-wins reader, a BOM, form and charset content types, chunked.
    dup = (
        b'{"assistant_id": "ml_intern", "command": {"goto": ' + json.dumps(goto).encode()
        + b', "resume": null}, "command": {"goto": ' + json.dumps(goto).encode() + b"}}"
    )  # fmt: skip
    bodies = {
        "json": (body, {"Content-Type": "application/json"}),
        "charset": (body, {"Content-Type": "application/json; charset=utf-16"}),
        "form": (body, {"Content-Type": "application/x-www-form-urlencoded"}),
        "bom": (b"\xef\xbb\xbf" + body, {"Content-Type": "application/json"}),
        "duplicate": (dup, {"Content-Type": "application/json"}),
    }
    seen: list[tuple[str, str, int]] = []
    for method, path, named in variants(thread):
        for kind, (data, headers) in bodies.items():
            status = raw(url, method, path, data, {**headers, "Content-Length": str(len(data))})
            seen.append((named, kind, status))
        status = raw(
            url, method, path, chunked(body),
            {"Content-Type": "application/json", "Transfer-Encoding": "chunked"},
        )  # fmt: skip
        seen.append((named, "chunked", status))
    print(seen)
    assert not marker.exists()
    assert not [s for s in seen if 200 <= s[2] < 300], seen
    assert not llm.requests  # no run reached the model either
