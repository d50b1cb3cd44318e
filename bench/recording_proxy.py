"""A loopback HTTP proxy that keeps every request and response, to read what a real model wrote.

The CLI turns text tool calls into real ones before anything is stored, so the raw reply of a
local model is only seen on the wire. `RecordingProxy(upstream, folder)` forwards each request
to `upstream` and writes `NN-request.json`, `NN-response.txt` and, for a chat completion,
`NN-reply.txt`: the model's text and native calls joined from the stream, as the model wrote them.
`close()` also drops every request still waiting upstream, for a server that stops work whose
client went away. The llama.cpp build the benchmarks use does so for a stream only: a
non-streamed reply was seen generating on after its client closed, shut down or reset the
connection (5 of 7 tries, in the lab journal). So a non-streamed chat completion without tools
goes upstream as a stream and its client gets the joined reply (bench/joined_stream.py): the
same sampling, one reply, and a drop that frees the server. A request is dropped at `close()`
and also as soon as its caller goes away (a harness's HTTP timeout, before it calls again).
The next run still waits for an idle slot (bench/ml_tasks/server_idle.py), for requests with
tools.
Why: a killed peer's request went on generating for 19 minutes and the next runs got no call.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import select
import socket
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from bench.joined_stream import joined_completion, sse_lines, stream_error, streamed_request


class RecordingProxy:
    """Forwards 127.0.0.1:<port> to `upstream`, recording each exchange into `folder`."""

    def __init__(self, upstream: str, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        counter = iter(range(1, 10_000))
        self._lock = threading.Lock()
        self._closed = threading.Event()
        self._waiting: set[socket.socket] = set()  # each request's upstream socket
        self._target = urllib.parse.urlsplit(upstream)
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            disable_nagle_algorithm = True  # the body never waits for the ACK of the headers

            def _forward(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with proxy._lock:
                    n = next(counter)
                (folder / f"{n:02d}-request.json").write_bytes(body)
                kind = self.headers.get("Content-Type", "application/json")
                chat = self.path.endswith("/chat/completions")
                streamed = streamed_request(body) if chat and self.command == "POST" else None
                exchanged = proxy._exchange(
                    self.command, self.path, streamed or body, kind, self.connection
                )
                if exchanged is None:  # dropped: the run is over, or its caller gave up
                    return
                status, kind, answer = exchanged
                if streamed is not None and status == 200 and kind == "text/event-stream":
                    status, kind, answer = joined_reply(answer)
                (folder / f"{n:02d}-response.txt").write_bytes(answer)
                if chat:
                    (folder / f"{n:02d}-reply.txt").write_text(reply_text(answer))
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            do_GET = do_POST = _forward

            def log_message(self, *_args: object) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        threading.Thread(  # `close` waits for the loop's next look (by default every 0.5 s)
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        ).start()

    def _exchange(
        self,
        method: str,
        path: str,
        body: bytes,
        content_type: str,
        client: socket.socket | None = None,
    ) -> tuple[int, str, bytes] | None:
        """Upstream's (status, content type, body) for one request; None once `close()`
        dropped it (or ran before it began), or its `client` went away meanwhile (then the
        upstream request is dropped too)."""
        target = self._target
        kind = (
            http.client.HTTPSConnection if target.scheme == "https" else http.client.HTTPConnection
        )
        connection = kind(target.netloc, timeout=3600)
        done, gone = threading.Event(), threading.Event()
        try:
            connection.connect()
        except OSError:
            return None
        upstream = connection.sock  # the reply owns it once the server says it closes
        with self._lock:  # listed, or not at all after `close()`
            closed = self._closed.is_set()
            if not closed:
                self._waiting.add(upstream)
        if closed:
            connection.close()
            return None
        if client is not None:
            threading.Thread(
                target=_drop_when_gone, args=(client, upstream, done, gone), daemon=True
            ).start()
        try:
            connection.request(
                method,
                target.path + path,
                body=body or None,
                headers={"Content-Type": content_type},
            )
            reply = connection.getresponse()
            answer = reply.read()
        except (OSError, http.client.HTTPException):
            return None
        finally:
            done.set()
            with self._lock:
                self._waiting.discard(upstream)
            connection.close()
        if self._closed.is_set() or gone.is_set():  # cut short: what came is not the reply
            return None
        return reply.status, reply.headers.get_content_type(), answer

    def close(self) -> None:
        """Stop serving and drop the requests still waiting upstream (their server sees the
        client go away)."""
        self._server.shutdown()
        self._server.server_close()
        with self._lock:
            self._closed.set()
            waiting = list(self._waiting)
        for upstream in waiting:
            with contextlib.suppress(OSError):
                upstream.shutdown(socket.SHUT_RDWR)


def _drop_when_gone(
    client: socket.socket, upstream: socket.socket, done: threading.Event, gone: threading.Event
) -> None:
    """Until `done`, watch `client`; once it has closed (a caller that gave up waiting, e.g.
    its HTTP timeout), set `gone` and shut `upstream`, so the server stops a streamed reply."""
    while not done.is_set():
        try:
            readable, _, _ = select.select([client], [], [], 0.1)
        except (OSError, ValueError):  # the handler closed it: the exchange is over
            return
        if not readable:
            continue
        try:
            closed = client.recv(1, socket.MSG_PEEK) == b""
        except OSError:
            closed = True
        if closed:
            gone.set()
            with contextlib.suppress(OSError):
                upstream.shutdown(socket.SHUT_RDWR)
            return
        done.wait(0.1)  # it sent more (nothing an HTTP/1.1 caller does while it waits)


def joined_reply(raw: bytes) -> tuple[int, str, bytes]:
    """The (status, content type, body) to answer a non-streamed request fetched as the
    stream `raw`: the error the stream carries (its own code, else 500); its joined
    completion; else a 502 saying the stream could not be joined."""
    if (error := stream_error(raw)) is not None:
        code = error.get("code")
        status = code if isinstance(code, int) and 400 <= code < 600 else 500
        return status, "application/json", json.dumps({"error": error}).encode()
    joined = joined_completion(raw)
    if joined is not None:
        return 200, "application/json", joined
    why = "the recording proxy could not join the model server's stream into one reply"
    return 502, "application/json", json.dumps({"error": {"message": why}}).encode()


def reply_text(raw: bytes) -> str:
    """The assistant's text and native calls in a chat completion, streamed (SSE) or not."""
    text = raw.decode(errors="replace")
    chunks = [line[6:] for line in sse_lines(raw) if line.startswith("data: {")]
    parts: list[str] = []
    for chunk in chunks or [text]:
        try:
            choice = (json.loads(chunk).get("choices") or [{}])[0]
        except (ValueError, AttributeError):
            return text
        part = choice.get("delta") or choice.get("message") or {}
        parts.append(part.get("content") or "")
        for call in part.get("tool_calls") or []:
            function = call.get("function") or {}
            name = function.get("name")
            parts.append(f"\n[native call {name}] " if name else "")
            parts.append(function.get("arguments") or "")
    return "".join(parts)
