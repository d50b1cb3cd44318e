"""Scripted Anthropic Messages API server for tests (standard library only).

Plays the same `Turn` scripts as `tests.fakes.llm_server`, answering ``POST /v1/messages``
in Anthropic's shapes, streaming (SSE) or not. litellm appends ``/v1/messages`` itself, so
pass ``srv.url`` (no ``/v1``) as ``api_base`` or ``ANTHROPIC_API_BASE``::

    with ScriptedAnthropicServer([Turn(content="hi")], api_key="sk-ant-test") as srv:
        await litellm.acompletion(model="anthropic/claude-sonnet-4-5-20250929",
                                  api_base=srv.url, api_key="sk-ant-test", ...)
        tool_results(srv.requests[-1])   # {tool_use_id: text} the model was sent
        srv.usages[-1]                   # the usage the server reported

A Turn's ``finish_reason`` may be Anthropic's or OpenAI's (stop, tool_calls, length);
``usage="auto"`` comes from the simulated prompt cache (`anthropic_request.PromptCache`), a
dict is sent as is (OpenAI keys translated); ``error_code`` is an Anthropic error type, or
``context_length_exceeded`` for "prompt is too long"; a 429 carries ``retry-after``.
`AnthropicTurn.stream_error` sends an SSE error event mid-stream. A Turn's ``thinking``
goes out first as a signed thinking block (streamed as thinking_delta + signature_delta)
when the request enables thinking. Before any Turn, the
server checks ``x-api-key`` and ``anthropic-version``, refuses what the API refuses
(`anthropic_request.validate`), and with ``context_window`` refuses larger prompts itself.
As a process: ``python -m tests.fakes.anthropic_server --script S --port-file P [--log L]``.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import socket
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from tests.fakes.anthropic_request import (
    PromptCache,
    RequestError,
    request_tokens,
    signature,
    thinking_enabled,
    tool_results,
    validate,
)
from tests.fakes.llm_server import ScriptedLLMServer, Turn

__all__ = ["AnthropicTurn", "ScriptedAnthropicServer", "Turn", "load_script", "tool_results"]

MESSAGES_PATH = "/v1/messages"
DEFAULT_WINDOW = 200_000
_ERROR_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    403: "permission_error",
    404: "not_found_error",
    413: "request_too_large",
    429: "rate_limit_error",
    500: "api_error",
    504: "timeout_error",
    529: "overloaded_error",
}
_DEFAULT_MESSAGES = {
    "authentication_error": "invalid x-api-key",
    "rate_limit_error": "Number of request tokens has exceeded your per-minute rate limit.",
    "overloaded_error": "Overloaded",
    "api_error": "Internal server error",
}
_STOP_REASONS = {"stop": "end_turn", "tool_calls": "tool_use", "length": "max_tokens"}
_TOO_LONG = frozenset({"context_length_exceeded", "prompt_too_long"})


@dataclass
class AnthropicTurn(Turn):
    """A Turn with Anthropic-only behaviour: ``stream_error`` (an error type such as
    ``overloaded_error``) is sent as an SSE ``error`` event right after message_start."""

    stream_error: str | None = None


def _stop_reason(turn: Turn) -> str:
    reason = turn.finish_reason or ("tool_use" if turn.tool_calls else "end_turn")
    return _STOP_REASONS.get(reason, reason)


def _usage(turn: Turn, accounted: dict[str, int]) -> dict[str, int] | None:
    if turn.usage is None:
        return None
    if turn.usage == "auto":
        output = len(turn.content + turn.thinking) // 4 + 10 * len(turn.tool_calls)
        return {**accounted, "output_tokens": output}
    usage = dict(turn.usage)
    if "prompt_tokens" in usage or "completion_tokens" in usage:
        usage = {
            "input_tokens": usage.get("prompt_tokens", 0),
            "output_tokens": usage.get("completion_tokens", 0),
        }
    return usage


def _split(text: str, parts: int = 3) -> list[str]:
    size = max(1, -(-len(text) // parts))
    return [text[i : i + size] for i in range(0, len(text), size)]


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    owner: ScriptedAnthropicServer


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # the body never waits for the ACK of the headers
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        """Silence the default stderr access log."""

    def setup(self) -> None:
        """Count each connection a client opens (`connections_opened`)."""
        super().setup()
        with self.server.owner._lock:
            self.server.owner.connections_opened += 1

    def do_GET(self) -> None:
        self._send_error(404, "not_found_error", f"no route for GET {self.path}")

    def do_POST(self) -> None:
        owner = self.server.owner
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        headers = {k.lower(): v for k, v in self.headers.items()}
        try:
            request = self._parse(raw)
            owner._record(request, headers)
            self._check(request, headers)
        except RequestError as exc:
            self._send_error(exc.status, exc.kind, str(exc))
            return
        turn = owner._next_turn(request)
        if turn.delay > 0 and owner._stopping.wait(turn.delay):
            return  # server is stopping; drop the request
        self._answer(request, turn)

    do_PUT = do_DELETE = do_PATCH = do_GET

    def _parse(self, raw: bytes) -> dict[str, Any]:
        if self.path.split("?", 1)[0].rstrip("/") != MESSAGES_PATH:
            raise RequestError(f"no route for POST {self.path}", 404, "not_found_error")
        try:
            request = json.loads(raw or b"null")
        except ValueError as exc:
            raise RequestError(f"request body is not JSON: {exc}") from None
        if not isinstance(request, dict):
            raise RequestError("request body must be a JSON object")
        return request

    def _check(self, request: dict[str, Any], headers: dict[str, str]) -> None:
        """Refuse what Anthropic refuses before generating: auth, headers, shape, size."""
        owner = self.server.owner
        sent = headers.get("x-api-key") or headers.get("authorization", "").removeprefix("Bearer ")
        if not sent:
            raise RequestError("x-api-key header is required", 401, "authentication_error")
        if owner.api_key is not None and sent != owner.api_key:
            raise RequestError("invalid x-api-key", 401, "authentication_error")
        if not headers.get("anthropic-version"):
            raise RequestError("anthropic-version: header is required")
        validate(request)
        size = request_tokens(request)
        if owner.context_window is not None and size > owner.context_window:
            raise RequestError(
                f"prompt is too long: {size} tokens > {owner.context_window} maximum"
            )

    # --- responses ---------------------------------------------------------------------

    def _answer(self, request: dict[str, Any], turn: Turn) -> None:
        owner = self.server.owner
        streaming = bool(request.get("stream"))
        if turn.raw_body is not None:
            ctype = "text/event-stream" if streaming else "application/json"
            self._send_bytes(turn.status, turn.raw_body.encode(), ctype, turn.headers)
            return
        if turn.status != 200:
            self._scripted_error(request, turn)
            return
        usage = _usage(turn, owner.cache.account(request))
        message = self._message(request, turn, usage)
        if not streaming and any(isinstance(b.get("input"), str) for b in message["content"]):
            self._send_error(500, "api_error", "scripted tool input is not JSON (stream it)")
            return
        owner._note_usage(usage)
        if streaming:
            self._stream(message, turn)
        else:
            self._send_json(200, message, turn.headers)

    def _scripted_error(self, request: dict[str, Any], turn: Turn) -> None:
        code = turn.error_code or ""
        # An Anthropic error type wins; other codes (OpenAI's) fall back to the status's type.
        kind = code if code.endswith("_error") else _ERROR_TYPES.get(turn.status, "api_error")
        text = turn.error_message or _DEFAULT_MESSAGES.get(kind) or f"scripted error {turn.status}"
        if code in _TOO_LONG and not turn.error_message:
            window = self.server.owner.context_window or DEFAULT_WINDOW
            size = max(request_tokens(request), window + 1)
            text = f"prompt is too long: {size} tokens > {window} maximum"
        headers = dict(turn.headers)
        if turn.status == 429 and not any(k.lower() == "retry-after" for k in headers):
            headers["retry-after"] = "1"
        self._send_error(turn.status, kind, text, headers)

    def _message(
        self, request: dict[str, Any], turn: Turn, usage: dict[str, int] | None
    ) -> dict[str, Any]:
        owner = self.server.owner
        content: list[dict[str, Any]] = []
        if turn.thinking and thinking_enabled(request):
            sign = signature(turn.thinking)
            content.append({"type": "thinking", "thinking": turn.thinking, "signature": sign})
        if turn.content:
            content.append({"type": "text", "text": turn.content})
        for call in turn.tool_calls:
            arguments = call.get("arguments", {})
            if isinstance(arguments, str):  # malformed JSON stays a string: streamed verbatim
                with contextlib.suppress(ValueError):
                    arguments = json.loads(arguments)
            block = {"type": "tool_use", "id": call.get("id") or owner._new_call_id()}
            content.append({**block, "name": call["name"], "input": arguments})
        message: dict[str, Any] = {
            "id": f"msg_{uuid.uuid4().hex[:24]}",
            "type": "message",
            "role": "assistant",
            "model": request.get("model"),
            "content": content,
            "stop_reason": _stop_reason(turn),
            "stop_sequence": None,
        }
        if usage is not None:
            message["usage"] = usage
        return message

    def _events(self, message: dict[str, Any], turn: Turn) -> Iterator[dict[str, Any]]:
        """The SSE events of one streamed message, in Anthropic's order."""
        usage = message.get("usage")
        start = {**message, "content": [], "stop_reason": None}
        if usage is not None:
            start["usage"] = {**usage, "output_tokens": min(1, usage.get("output_tokens", 0))}
        yield {"type": "message_start", "message": start}
        if getattr(turn, "stream_error", None):
            kind = str(turn.stream_error)
            error = {"type": kind, "message": _DEFAULT_MESSAGES.get(kind, kind)}
            yield {"type": "error", "error": error}
            return
        for index, block in enumerate(message["content"]):
            if block["type"] == "text":
                head = {**block, "text": ""}
                deltas = [{"type": "text_delta", "text": t} for t in _split(block["text"])]
            elif block["type"] == "thinking":
                head = {**block, "thinking": "", "signature": ""}
                deltas = [
                    {"type": "thinking_delta", "thinking": t} for t in _split(block["thinking"])
                ]
                deltas.append({"type": "signature_delta", "signature": block["signature"]})
            else:
                head, raw = {**block, "input": {}}, block["input"]
                raw = raw if isinstance(raw, str) else json.dumps(raw)
                parts = ["", *_split(raw)]
                deltas = [{"type": "input_json_delta", "partial_json": p} for p in parts]
            yield {"type": "content_block_start", "index": index, "content_block": head}
            if index == 0:
                yield {"type": "ping"}
            for delta in deltas:
                yield {"type": "content_block_delta", "index": index, "delta": delta}
            yield {"type": "content_block_stop", "index": index}
        delta = {
            "type": "message_delta",
            "delta": {"stop_reason": message["stop_reason"], "stop_sequence": None},
        }
        if usage is not None:
            delta["usage"] = {"output_tokens": usage.get("output_tokens", 0)}
        yield delta
        yield {"type": "message_stop"}

    def _stream(self, message: dict[str, Any], turn: Turn) -> None:
        self.send_response(200)
        for key, value in {
            "Content-Type": "text/event-stream",
            "Cache-Control": "no-cache",
            "Transfer-Encoding": "chunked",  # a cut stream is then a detectable error
            **({} if self.server.owner.keep_alive else {"Connection": "close"}),
            "request-id": f"req_{uuid.uuid4().hex[:20]}",
            **turn.headers,
        }.items():
            self.send_header(key, value)
        self.end_headers()
        try:
            for n, event in enumerate(self._events(message, turn)):
                if turn.cut_stream_after is not None and n >= turn.cut_stream_after:
                    self.close_connection = True
                    with contextlib.suppress(OSError):
                        self.wfile.flush()
                        self.connection.shutdown(socket.SHUT_RDWR)
                    return
                data = f"event: {event['type']}\ndata: {json.dumps(event)}\n\n".encode()
                self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
                self.wfile.flush()
            self.wfile.write(b"0\r\n\r\n")
            self.wfile.flush()
        except OSError:
            self.close_connection = True

    def _send_bytes(self, status: int, body: bytes, ctype: str, headers: dict[str, str]) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.send_header("request-id", f"req_{uuid.uuid4().hex[:20]}")
        for key, value in headers.items():
            self.send_header(key, value)
        self.end_headers()
        with contextlib.suppress(OSError):
            self.wfile.write(body)
            self.wfile.flush()

    def _send_json(self, status: int, obj: Any, headers: dict[str, str] | None = None) -> None:
        self._send_bytes(status, json.dumps(obj).encode(), "application/json", headers or {})

    def _send_error(
        self, status: int, kind: str, message: str, headers: dict[str, str] | None = None
    ) -> None:
        body = {"type": "error", "error": {"type": kind, "message": message}}
        self._send_json(status, body, headers)


class ScriptedAnthropicServer(ScriptedLLMServer):
    """Anthropic-shaped fake with the driving API of `ScriptedLLMServer` (`add`, `requests`,
    `request_headers`, `responder`, `default`, `remaining`, context manager), plus `usages`
    (what each answered request reported) and `cache` (the simulated prompt cache).
    """

    def __init__(
        self,
        turns: list[Turn] | None = None,
        *,
        api_key: str | None = None,
        context_window: int | None = None,
        cache: PromptCache | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(turns, **kwargs)
        self.api_key = api_key
        self.context_window = context_window
        self.cache = cache or PromptCache()
        self.usages: list[dict[str, int] | None] = []

    @property
    def url(self) -> str:
        """Base URL for ``api_base`` / ``ANTHROPIC_API_BASE``: litellm adds ``/v1/messages``."""
        return f"http://{self._host}:{self.port}"

    def start(self) -> ScriptedAnthropicServer:
        """Bind and serve in a daemon thread; returns self."""
        if self._httpd is not None:
            raise RuntimeError("server already started")
        self._stopping.clear()
        httpd = _Server((self._host, self._port), _Handler)
        httpd.owner = self
        self._httpd = httpd  # type: ignore[assignment]  # same serving API as the base's
        self._thread = threading.Thread(
            target=httpd.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"ScriptedAnthropicServer:{self.port}",
            daemon=True,
        )
        self._thread.start()
        return self

    def __enter__(self) -> ScriptedAnthropicServer:
        return self.start()

    def _note_usage(self, usage: dict[str, int] | None) -> None:
        with self._lock:
            self.usages.append(usage)

    def _new_call_id(self) -> str:
        return f"toolu_{uuid.uuid4().hex[:24]}"


def load_script(path: str | os.PathLike[str]) -> tuple[list[Turn], Turn | None]:
    """A script file: a list of turn dicts, or ``{"turns": [...], "default": {...}}``."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    if isinstance(data, list):
        data = {"turns": data}
    unknown = set(data) - {"turns", "default"}
    if unknown:
        raise ValueError(f"unknown script key(s): {sorted(unknown)}")
    default = data.get("default")
    turns = [AnthropicTurn.from_dict(item) for item in data.get("turns") or []]
    return turns, AnthropicTurn.from_dict(default) if default is not None else None


def main(argv: list[str] | None = None) -> int:
    """Serve a script file until SIGTERM/SIGINT."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--script", required=True, help="JSON script file")
    parser.add_argument("--port-file", required=True, help="write the port here once listening")
    parser.add_argument("--log", help="append each request JSON here, one per line")
    parser.add_argument("--api-key", help="the only x-api-key accepted (default: any)")
    args = parser.parse_args(argv)
    turns, default = load_script(args.script)
    done = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: done.set())
    with ScriptedAnthropicServer(
        turns, default=default, api_key=args.api_key, log_path=args.log
    ) as srv:
        port_file = Path(args.port_file)
        tmp = port_file.with_name(port_file.name + ".tmp")
        tmp.write_text(str(srv.port), encoding="utf-8")
        tmp.replace(port_file)  # atomic: readers never see a partial port
        while not done.wait(0.2):
            pass
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
