"""Scripted OpenAI-compatible chat-completions server for tests (standard library only).

Use in-process::

    with ScriptedLLMServer([Turn(content="hi")]) as srv:
        await litellm.acompletion(model="openai/fake", api_base=srv.url, api_key="sk-test", ...)

or as a separate process (for CLI end-to-end tests)::

    python -m tests.fakes.llm_server --script turns.json --port-file port.txt [--log requests.jsonl]

The script file is either a JSON list of Turn dicts or ``{"turns": [...], "default": {...}}``.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import itertools
import json
import os
import signal
import socket
import sys
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import FrameType, TracebackType
from typing import Any, Literal

__all__ = ["ScriptedLLMServer", "Turn", "load_script", "main"]

CHAT_PATHS = frozenset({"/v1/chat/completions", "/chat/completions"})
MODELS_PATHS = frozenset({"/v1/models", "/models"})
MODEL_ID = "scripted-model"

_ERROR_TYPES: dict[int, str] = {
    400: "invalid_request_error",
    401: "authentication_error",
    403: "permission_error",
    404: "not_found_error",
    408: "timeout_error",
    422: "invalid_request_error",
    429: "rate_limit_error",
}
# OpenAI's real wording; litellm maps exceptions by message text, not by error code.
_DEFAULT_ERROR_MESSAGES: dict[str, str] = {
    "context_length_exceeded": (
        "This model's maximum context length is 128000 tokens. However, your messages "
        "resulted in 200000 tokens. Please reduce the length of the messages."
    ),
    "rate_limit_exceeded": "Rate limit reached for requests. Please try again in 1s.",
}


@dataclass
class Turn:
    """One scripted reply (or error) for one chat-completions request."""

    content: str = ""
    tool_calls: list[dict[str, Any]] = field(default_factory=list)
    # The model's reasoning: OpenAI-compatible servers send it as `reasoning_content`; the
    # Anthropic fake as a signed thinking block, when the request enables thinking.
    thinking: str = ""
    finish_reason: str | None = None
    usage: dict[str, Any] | Literal["auto"] | None = "auto"
    status: int = 200
    error_message: str = ""
    error_code: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    gate: threading.Event | None = None  # answered (after `delay`) once the test sets it
    cut_stream_after: int | None = None
    raw_body: str | None = None

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Turn:
        """Build a Turn from a JSON dict, rejecting unknown keys."""
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = set(data) - known
        if unknown:
            raise ValueError(f"unknown Turn field(s): {sorted(unknown)}")
        return cls(**data)

    def resolved_finish_reason(self) -> str:
        """The finish_reason to send."""
        if self.finish_reason is not None:
            return self.finish_reason
        return "tool_calls" if self.tool_calls else "stop"

    def resolved_usage(self, request: dict[str, Any]) -> dict[str, int] | None:
        """The usage object to send, or None to omit it."""
        if self.usage is None:
            return None
        if self.usage != "auto":
            return dict(self.usage)
        messages = request.get("messages", [])
        prompt = len(json.dumps(messages, default=str)) // 4
        completion = len(self.content) // 4 + 10 * len(self.tool_calls)
        return {
            "prompt_tokens": prompt,
            "completion_tokens": completion,
            "total_tokens": prompt + completion,
        }


def _split(text: str, parts: int = 3) -> list[str]:
    """Split text into up to ``parts`` non-empty, roughly equal pieces."""
    if not text:
        return []
    size = max(1, -(-len(text) // parts))
    return [text[i : i + size] for i in range(0, len(text), size)]


def _arguments_json(arguments: dict[str, Any] | str) -> str:
    return arguments if isinstance(arguments, str) else json.dumps(arguments)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False  # never hang stop() on a slow or stuck handler
    # socketserver listens with a backlog of 5: a burst of new connections (a load test's
    # runs) overflowed it and each dropped one waited the kernel's 1 s SYN retry.
    request_queue_size = 1024
    owner: ScriptedLLMServer

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that drops a kept connection (`keep_alive`) is its own business; anything
        else is printed, as socketserver does."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


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

    # --- routing -----------------------------------------------------------------------

    def do_GET(self) -> None:
        path = self.path.split("?", 1)[0].rstrip("/")
        stated = self.server.owner.stated  # what a local server says about itself
        if path in MODELS_PATHS:
            model = {"id": MODEL_ID, "object": "model", "created": 0, "owned_by": "tests"}
            model.update(stated.get("models_entry") or {})
            self._send_json(200, {"object": "list", "data": [model]})
        elif path == "/props" and "props" in stated:  # llama.cpp
            self._send_json(200, stated["props"])
        else:
            self._send_error_json(404, f"no route for GET {self.path}", "not_found")

    def do_POST(self) -> None:
        path = self.path.split("?", 1)[0].rstrip("/")
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        if path == "/api/show" and "show" in self.server.owner.stated:  # Ollama
            self._send_json(200, self.server.owner.stated["show"])
            return
        if path not in CHAT_PATHS:
            self._send_error_json(404, f"no route for POST {self.path}", "not_found")
            return
        try:
            request = json.loads(raw or b"null")
        except ValueError as exc:
            self._send_error_json(400, f"request body is not JSON: {exc}", "invalid_json")
            return
        if not isinstance(request, dict):
            self._send_error_json(400, "request body must be a JSON object", "invalid_json")
            return
        owner = self.server.owner
        owner._record(request, {k.lower(): v for k, v in self.headers.items()})
        turn = owner._turn_when_due(request)
        if turn is not None:  # None: the server is stopping; drop the request
            self._answer(request, turn)

    def do_PUT(self) -> None:
        self._send_error_json(404, f"no route for PUT {self.path}", "not_found")

    do_DELETE = do_PATCH = do_PUT

    # --- responses ---------------------------------------------------------------------

    def _answer(self, request: dict[str, Any], turn: Turn) -> None:
        streaming = bool(request.get("stream"))
        if turn.raw_body is not None:
            ctype = "text/event-stream" if streaming else "application/json"
            self._send_bytes(turn.status, turn.raw_body.encode(), ctype, turn.headers)
        elif turn.status != 200:
            message = (
                turn.error_message
                or _DEFAULT_ERROR_MESSAGES.get(turn.error_code or "")
                or f"scripted error {turn.status}"
            )
            self._send_error_json(turn.status, message, turn.error_code, turn.headers)
        elif streaming:
            self._stream(request, turn)
        else:
            self._send_json(200, self._completion(request, turn), turn.headers)

    def _send_bytes(
        self, status: int, body: bytes, ctype: str, headers: dict[str, str] | None = None
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self._send_connection_header()
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        with contextlib.suppress(OSError):
            self.wfile.write(body)
            self.wfile.flush()

    def _send_json(self, status: int, obj: Any, headers: dict[str, str] | None = None) -> None:
        self._send_bytes(status, json.dumps(obj).encode(), "application/json", headers)

    def _send_error_json(
        self,
        status: int,
        message: str,
        code: str | None,
        headers: dict[str, str] | None = None,
    ) -> None:
        err_type = _ERROR_TYPES.get(status, "server_error" if status >= 500 else "api_error")
        body = {"error": {"message": message, "type": err_type, "param": None, "code": code}}
        self._send_json(status, body, headers)

    def _completion(self, request: dict[str, Any], turn: Turn) -> dict[str, Any]:
        owner = self.server.owner
        message: dict[str, Any] = {
            "role": "assistant",
            "content": None if (not turn.content and turn.tool_calls) else turn.content,
        }
        if turn.thinking:
            message["reasoning_content"] = turn.thinking
        if turn.tool_calls:
            message["tool_calls"] = [
                {
                    "id": tc.get("id") or owner._new_call_id(),
                    "type": "function",
                    "function": {
                        "name": tc["name"],
                        "arguments": _arguments_json(tc.get("arguments", {})),
                    },
                }
                for tc in turn.tool_calls
            ]
        body: dict[str, Any] = {
            "id": owner._new_completion_id(),
            "object": "chat.completion",
            "created": int(time.time()),
            "model": request.get("model", MODEL_ID),
            "system_fingerprint": None,
            "choices": [
                {
                    "index": 0,
                    "message": message,
                    "logprobs": None,
                    "finish_reason": turn.resolved_finish_reason(),
                }
            ],
        }
        usage = turn.resolved_usage(request)
        if usage is not None:
            body["usage"] = usage
        return body

    def _stream_events(self, request: dict[str, Any], turn: Turn) -> Iterator[str]:
        """Yield SSE ``data:`` payloads (already JSON-encoded) for a streaming turn."""
        owner = self.server.owner
        base = {
            "id": owner._new_completion_id(),
            "object": "chat.completion.chunk",
            "created": int(time.time()),
            "model": request.get("model", MODEL_ID),
            "system_fingerprint": None,
        }

        def chunk(delta: dict[str, Any], finish: str | None = None) -> str:
            choice = {"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}
            return json.dumps({**base, "choices": [choice]})

        yield chunk({"role": "assistant", "content": ""})
        for piece in _split(turn.thinking):
            yield chunk({"reasoning_content": piece})
        for piece in _split(turn.content):
            yield chunk({"content": piece})
        for index, tc in enumerate(turn.tool_calls):
            head = {
                "index": index,
                "id": tc.get("id") or owner._new_call_id(),
                "type": "function",
                "function": {"name": tc["name"], "arguments": ""},
            }
            yield chunk({"tool_calls": [head]})
            for piece in _split(_arguments_json(tc.get("arguments", {}))):
                yield chunk({"tool_calls": [{"index": index, "function": {"arguments": piece}}]})
        yield chunk({}, turn.resolved_finish_reason())
        options = request.get("stream_options") or {}
        usage = turn.resolved_usage(request)
        if options.get("include_usage") and usage is not None:
            yield json.dumps({**base, "choices": [], "usage": usage})
        yield "[DONE]"

    def _stream(self, request: dict[str, Any], turn: Turn) -> None:
        # Chunked transfer encoding, so a cut stream is a detectable protocol error for
        # the client (incomplete chunked read) rather than a silently short body.
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Transfer-Encoding", "chunked")
        self._send_connection_header()
        for key, value in turn.headers.items():
            self.send_header(key, value)
        self.end_headers()
        try:
            for n, payload in enumerate(self._stream_events(request, turn)):
                if turn.cut_stream_after is not None and n >= turn.cut_stream_after:
                    self._abort()
                    return
                data = f"data: {payload}\n\n".encode()
                # The body's end goes in the same write as `[DONE]`: written after it, the
                # GIL of a test process serving 128 calls held it back past the client's wait.
                end = b"0\r\n\r\n" if payload == "[DONE]" else b""
                self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n" + end)
                self.wfile.flush()
                if end:
                    return
            self.wfile.write(b"0\r\n\r\n")
            self.wfile.flush()
        except OSError:
            self.close_connection = True

    def _send_connection_header(self) -> None:
        """Each answer closes its connection unless the server keeps them (`keep_alive`)."""
        if not self.server.owner.keep_alive:
            self.send_header("Connection", "close")

    def _abort(self) -> None:
        """Drop the connection mid-body."""
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.wfile.flush()
            self.connection.shutdown(socket.SHUT_RDWR)


class ScriptedLLMServer:
    """OpenAI-compatible fake: answers each chat request with the next scripted Turn.

    When the script is exhausted it asks ``responder(request_json)``, else uses ``default``,
    else answers 500 "script exhausted".
    """

    def __init__(
        self,
        turns: list[Turn] | None = None,
        *,
        responder: Callable[[dict[str, Any]], Turn] | None = None,
        default: Turn | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        log_path: str | os.PathLike[str] | None = None,
        keep_alive: bool = False,
    ) -> None:
        self._turns: deque[Turn] = deque(turns or [])
        self.responder = responder
        self.default = default
        self.requests: list[dict[str, Any]] = []
        # Local servers' self-description: "props" (llama.cpp /props), "show" (Ollama
        # /api/show), "models_entry" (extra fields of the /v1/models entry, e.g. vLLM's).
        self.stated: dict[str, Any] = {}
        self.request_headers: list[dict[str, str]] = []  # lower-cased header names
        # Chat requests waiting for their answer now, and the most ever waiting at once.
        self.in_flight = 0
        self.peak_in_flight = 0
        # Connections kept open between answers, as a provider's are (benches); tests close
        # each one so no client holds a socket past its test.
        self.keep_alive = keep_alive
        self.connections_opened = 0  # TCP connections accepted, ever
        self._host = host
        self._port = port
        self._log_path = Path(log_path) if log_path is not None else None
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self._stopping = threading.Event()
        self._httpd: _Server | None = None
        self._thread: threading.Thread | None = None

    # --- public API --------------------------------------------------------------------

    @property
    def port(self) -> int:
        """The bound TCP port (only valid once started)."""
        if self._httpd is None:
            raise RuntimeError("server not started")
        return int(self._httpd.server_address[1])

    @property
    def url(self) -> str:
        """Base URL to pass as ``api_base``, e.g. ``http://127.0.0.1:PORT/v1``."""
        return f"http://{self._host}:{self.port}/v1"

    @property
    def remaining(self) -> int:
        """Number of scripted turns not yet consumed."""
        with self._lock:
            return len(self._turns)

    def add(self, *turns: Turn) -> None:
        """Append turns to the script."""
        with self._lock:
            self._turns.extend(turns)

    def reset(self) -> None:
        """Empty the script and forget what was asked: as a new server, on the same port."""
        with self._lock:
            self._turns.clear()
            self.responder = self.default = None
            self.requests.clear()
            self.request_headers.clear()
            self.stated.clear()
            self.peak_in_flight = self.in_flight

    def reset_counts(self) -> None:
        """Forget what was asked and the peak in flight, keeping the script: a load test's
        rounds (the requests, ~44 KB each, are otherwise more for its collector to walk)."""
        with self._lock:
            self.requests.clear()
            self.request_headers.clear()
            self.peak_in_flight = self.in_flight

    def start(self) -> ScriptedLLMServer:
        """Bind and serve in a daemon thread; returns self."""
        if self._httpd is not None:
            raise RuntimeError("server already started")
        self._stopping.clear()
        httpd = _Server((self._host, self._port), _Handler)
        httpd.owner = self
        self._httpd = httpd
        self._thread = threading.Thread(
            target=httpd.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"ScriptedLLMServer:{self.port}",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Shut down, close the socket and join the serving thread (idempotent)."""
        httpd, thread = self._httpd, self._thread
        if httpd is None:
            return
        self._stopping.set()
        httpd.shutdown()
        httpd.server_close()
        if thread is not None:
            thread.join(timeout=5)
        self._httpd = self._thread = None

    def __enter__(self) -> ScriptedLLMServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # --- used by the handler -----------------------------------------------------------

    def _record(self, request: dict[str, Any], headers: dict[str, str]) -> None:
        with self._lock:
            self.requests.append(request)
            self.request_headers.append(headers)
            if self._log_path is not None:
                with self._log_path.open("a", encoding="utf-8") as fh:
                    fh.write(json.dumps(request) + "\n")

    def _turn_when_due(self, request: dict[str, Any]) -> Turn | None:
        """The turn answering `request` once its delay has passed and its gate is open (None
        when the server stops first), the request counted in flight until then. Its answer is
        sent after: a client has it only then, so the request it sends next is never counted
        beside this one, however late this thread runs after the answer's last byte (on a
        loaded machine two runs read as three in flight, issue 63)."""
        with self._in_flight():
            turn = self._next_turn(request)
            if turn.delay > 0 and self._stopping.wait(turn.delay):
                return None
            while turn.gate is not None and not turn.gate.wait(0.05):
                if self._stopping.is_set():
                    return None
            return turn

    @contextlib.contextmanager
    def _in_flight(self) -> Iterator[None]:
        """Count one chat request as in flight (waiting for its answer) within the block."""
        with self._lock:
            self.in_flight += 1
            self.peak_in_flight = max(self.peak_in_flight, self.in_flight)
        try:
            yield
        finally:
            with self._lock:
                self.in_flight -= 1

    def _next_turn(self, request: dict[str, Any]) -> Turn:
        with self._lock:
            if self._turns:
                return self._turns.popleft()
            number = len(self.requests)
        if self.responder is not None:
            return self.responder(request)
        if self.default is not None:
            return self.default
        return Turn(
            status=500,
            error_message=f"script exhausted: no scripted turn for request #{number}",
            error_code="script_exhausted",
        )

    def _new_call_id(self) -> str:
        return f"call_{next(self._ids)}_{uuid.uuid4().hex[:8]}"

    def _new_completion_id(self) -> str:
        return f"chatcmpl-{next(self._ids)}{uuid.uuid4().hex[:12]}"


# --- command line ----------------------------------------------------------------------


def load_script(path: str | os.PathLike[str]) -> tuple[list[Turn], Turn | None]:
    """Read a script file: a list of Turn dicts, or ``{"turns": [...], "default": {...}}``."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    default: Turn | None = None
    if isinstance(data, dict):
        unknown = set(data) - {"turns", "default"}
        if unknown:
            raise ValueError(f"unknown script key(s): {sorted(unknown)}")
        if data.get("default") is not None:
            default = Turn.from_dict(data["default"])
        data = data.get("turns", [])
    if not isinstance(data, list):
        raise ValueError("script must be a list of turns or an object with 'turns'")
    return [Turn.from_dict(item) for item in data], default


def main(argv: list[str] | None = None) -> int:
    """Serve a script file until SIGTERM/SIGINT."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--script", required=True, help="JSON script file")
    parser.add_argument("--port-file", required=True, help="write the port here once listening")
    parser.add_argument("--log", help="append each request JSON here, one per line")
    parser.add_argument("--port", type=int, default=0, help="port to bind (default: random)")
    args = parser.parse_args(argv)

    turns, default = load_script(args.script)
    done = threading.Event()

    def _on_signal(signum: int, frame: FrameType | None) -> None:
        done.set()

    signal.signal(signal.SIGTERM, _on_signal)
    signal.signal(signal.SIGINT, _on_signal)

    with ScriptedLLMServer(turns, default=default, port=args.port, log_path=args.log) as srv:
        port_file = Path(args.port_file)
        tmp = port_file.with_name(port_file.name + ".tmp")
        tmp.write_text(str(srv.port), encoding="utf-8")
        tmp.replace(port_file)  # atomic: readers never see a partial port
        while not done.wait(0.2):
            pass
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
