"""A llama.cpp-shaped model server with one slot, for the benchmark's shared-server tests.

A chat request holds the slot until `release()`. Like the llama.cpp build the benchmarks use
(docs/lab/2026-11-30.md), a streamed one also ends once its client goes away (a chunk a poll,
until a write fails), a non-streamed one does not: it generates on for nobody. `GET /slots`
says whether the slot is processing and counts how often it was asked; `bodies` are the chat
requests as they arrived.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class SlotServer:
    """One slot on 127.0.0.1; `url` is its root, `processing` whether a request holds it."""

    def __init__(self) -> None:
        self.processing = False
        self.slot_asks = 0
        self.bodies: list[dict[str, object]] = []
        self._release = threading.Event()
        server = self

        class Handler(BaseHTTPRequestHandler):
            disable_nagle_algorithm = True  # the body never waits for the ACK of the headers

            def do_GET(self) -> None:
                server.slot_asks += 1
                body = json.dumps([{"id": 0, "is_processing": server.processing}]).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_POST(self) -> None:
                request = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)))
                server.bodies.append(request)
                server.processing = True
                try:
                    if request.get("stream"):
                        self._stream()
                        return
                    server._release.wait()
                    body = json.dumps(completion()).encode()
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except OSError:
                    pass  # the client went away while the reply was written
                finally:
                    server.processing = False

            def _stream(self) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.end_headers()
                try:  # llama.cpp's first delta: the role, no content yet
                    self.wfile.write(chunk({"delta": {"role": "assistant", "content": None}}))
                    while not server._release.wait(0.01):
                        self.wfile.write(chunk({"delta": {"content": ""}}))
                    self.wfile.write(chunk({"delta": {"content": "done"}}))
                    self.wfile.write(chunk({"delta": {}, "finish_reason": "stop"}))
                    self.wfile.write(chunk(None, usage=completion()["usage"]))
                    self.wfile.write(b"data: [DONE]\n\n")
                except OSError:
                    pass  # the client went away: the work ends with it

            def log_message(self, *_args: object) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        ).start()

    def release(self) -> None:
        """Let every held request finish."""
        self._release.set()

    def close(self) -> None:
        self.release()
        self._server.shutdown()
        self._server.server_close()


def completion() -> dict[str, object]:
    """The reply a released request gets, non-streamed."""
    return {
        "choices": [{"finish_reason": "stop", "index": 0, "message": {"content": "done"}}],
        "usage": {"prompt_tokens": 7, "completion_tokens": 1, "total_tokens": 8},
    }


def chunk(choice: dict[str, object] | None, **extra: object) -> bytes:
    """One server-sent event of a streamed reply."""
    choices = [] if choice is None else [{"index": 0, **choice}]
    return f"data: {json.dumps({'choices': choices, **extra})}\n\n".encode()
