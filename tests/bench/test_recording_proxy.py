"""The benchmark's recording proxy and its wait for a shared model server to be free."""

from __future__ import annotations

import contextlib
import json
import socket
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from bench.ml_tasks.server_idle import wait_until_idle
from bench.ml_tasks.wire import wire_figures
from bench.recording_proxy import RecordingProxy, joined_reply
from tests.fakes.slot_server import SlotServer, chunk


@pytest.fixture
def slot_server() -> Iterator[SlotServer]:
    server = SlotServer()
    yield server
    server.close()


def until(condition: Callable[[], bool], limit_s: float = 10.0) -> bool:
    """Polls `condition` until it holds or `limit_s` passes; whether it held."""
    deadline = time.monotonic() + limit_s
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


# A peer's call: a non-streamed chat completion with no tools (smolagents, mini-text).
PEERS_CALL = {"model": "local", "messages": [{"role": "user", "content": "Count."}]}


def ask(
    url: str, body: dict[str, object] = PEERS_CALL, answers: list[object] | None = None
) -> None:
    data = json.dumps(body).encode()
    request = urllib.request.Request(url + "/v1/chat/completions", data=data, method="POST")
    # The proxy closed under it: what a test is about.
    with contextlib.suppress(OSError), urllib.request.urlopen(request, timeout=30) as reply:
        answer = reply.read()
        if answers is not None:
            answers.append(json.loads(answer))


def test_closing_the_proxy_frees_the_model_servers_slot(
    slot_server: SlotServer, tmp_path: Path
) -> None:
    """A run killed mid-call (its proxy closed) leaves no request generating on the shared
    server, one that generates on for a non-streamed call whose client went away: the next
    run's first call is not queued behind it."""
    proxy = RecordingProxy(slot_server.url, tmp_path)
    caller = threading.Thread(target=ask, args=(proxy.url,), daemon=True)
    caller.start()
    assert until(lambda: slot_server.processing)
    proxy.close()
    assert until(lambda: not slot_server.processing), "the slot still serves a finished run"
    caller.join(timeout=10)
    assert not (tmp_path / "01-response.txt").exists()  # nothing written for a dropped call


def test_a_caller_that_gives_up_frees_the_slot_while_the_run_goes_on(
    slot_server: SlotServer, tmp_path: Path
) -> None:
    """A harness whose HTTP client timed out and will call again (mini's litellm, after 600 s)
    does not find its next call queued behind the reply nobody waits for any more."""
    proxy = RecordingProxy(slot_server.url, tmp_path)
    body = json.dumps(PEERS_CALL).encode()
    caller = socket.create_connection(("127.0.0.1", int(proxy.url.rsplit(":", 1)[1])))
    caller.sendall(
        b"POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        + f"Content-Length: {len(body)}\r\n\r\n".encode()
        + body
    )
    assert until(lambda: slot_server.processing)
    caller.close()
    assert until(lambda: not slot_server.processing), "the slot still serves a caller that left"
    assert not (tmp_path / "01-response.txt").exists()
    proxy.close()


def test_a_call_asked_whole_gets_one_reply_and_is_counted(
    slot_server: SlotServer, tmp_path: Path
) -> None:
    """Fetched as a stream, the reply a peer gets is the one it asked for: one completion with
    the text, finish reason and usage; the wire counts its tokens as before."""
    proxy = RecordingProxy(slot_server.url, tmp_path)
    answers: list[object] = []
    caller = threading.Thread(target=ask, args=(proxy.url, PEERS_CALL, answers), daemon=True)
    caller.start()
    assert until(lambda: slot_server.processing)
    slot_server.release()
    caller.join(timeout=10)
    proxy.close()
    [answer] = answers
    assert answer["object"] == "chat.completion"
    assert answer["choices"] == [
        {"finish_reason": "stop", "index": 0, "message": {"role": "assistant", "content": "done"}}
    ]
    assert answer["usage"]["completion_tokens"] == 1
    assert slot_server.bodies[0]["stream"] is True
    assert json.loads((tmp_path / "01-request.json").read_text()) == PEERS_CALL  # as it was sent
    assert wire_figures(tmp_path) == (1, 7, 1, "done")


def test_a_call_with_tools_or_a_stream_goes_as_it_came(
    slot_server: SlotServer, tmp_path: Path
) -> None:
    """Native tool calls stream as deltas the proxy does not join: such a call, and one that
    asks for a stream itself, reach the server unchanged."""
    proxy = RecordingProxy(slot_server.url, tmp_path)
    slot_server.release()
    tools = {**PEERS_CALL, "tools": [{"type": "function", "function": {"name": "bash"}}]}
    ask(proxy.url, tools)
    ask(proxy.url, {**PEERS_CALL, "stream": True})
    proxy.close()
    assert slot_server.bodies == [tools, {**PEERS_CALL, "stream": True}]


def test_a_stream_that_cannot_be_joined_is_a_clear_error() -> None:
    """A stream cut short, or one carrying what a reply without tools cannot, is not passed
    on as a reply; one that ended with an error passes the error on."""
    whole = chunk({"delta": {"content": "hi"}, "finish_reason": "stop"}) + b"data: [DONE]\n\n"
    assert json.loads(joined_reply(whole)[2])["choices"][0]["message"]["content"] == "hi"
    call = chunk({"delta": {"tool_calls": [{"index": 0, "function": {"name": "bash"}}]}})
    for raw in (whole.removesuffix(b"data: [DONE]\n\n"), call + b"data: [DONE]\n\n"):
        status, _, body = joined_reply(raw)
        assert status == 502 and b"could not join" in body
    failed = chunk({"delta": {"content": "h"}}) + b'error: {"code": 503, "message": "busy"}\n\n'
    assert joined_reply(failed)[:2] == (503, "application/json")
    assert json.loads(joined_reply(failed)[2]) == {"error": {"code": 503, "message": "busy"}}
    erred = chunk(None, error={"message": "oom"}) + b"data: [DONE]\n\n"
    assert joined_reply(erred)[0] == 500


def test_a_reply_holding_a_unicode_line_break_joins_whole() -> None:
    """llama.cpp writes U+2028 and U+0085 raw inside its JSON; a line of the stream ends only
    at a line feed, and a delta's empty fields (null) are no fields."""
    text = "a\u2028b\u0085c"
    raw = (
        chunk({"delta": {"role": "assistant", "content": None, "refusal": None}})
        + f"data: {json.dumps({'choices': [{'index': 0, 'delta': {'content': text}}]}, ensure_ascii=False)}\r\n\r\n".encode()
        + chunk({"delta": {}, "finish_reason": "length"})
        + b"data: [DONE]\n\n"
    )
    status, _, body = joined_reply(raw)
    assert status == 200
    assert json.loads(body)["choices"][0] == {
        "finish_reason": "length",
        "index": 0,
        "message": {"role": "assistant", "content": text},
    }


def test_a_run_waits_for_the_servers_slot_and_says_how_long(slot_server: SlotServer) -> None:
    """A run starts only once the server's slot is free; the wait is measured."""
    holder = threading.Thread(target=ask, args=(slot_server.url,), daemon=True)
    holder.start()
    assert until(lambda: slot_server.processing)
    releaser = threading.Thread(
        target=lambda: until(lambda: slot_server.slot_asks >= 3) and slot_server.release(),
        daemon=True,
    )
    releaser.start()
    waited = wait_until_idle(slot_server.url + "/v1", every_s=0.01)
    assert not slot_server.processing and slot_server.slot_asks >= 3 and waited > 0
    holder.join(timeout=10)


def test_a_server_without_a_slot_list_is_taken_as_free(llm) -> None:
    """Another OpenAI-compatible server (no `/slots`): no wait at all."""
    assert wait_until_idle(llm.url, limit_s=5, every_s=0.01) < 1
