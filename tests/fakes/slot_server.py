"""A llama.cpp-shaped model server with one slot, for the benchmark's shared-server tests.

A chat request holds the slot until `release()` or until its client goes away (llama.cpp stops
work whose client closed the connection); `GET /slots` says whether the slot is processing and
counts how often it was asked.
"""

from __future__ import annotations

import json
import select
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class SlotServer:
    """One slot on 127.0.0.1; `url` is its root, `processing` whether a request holds it."""

    def __init__(self) -> None:
        self.processing = False
        self.slot_asks = 0
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
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                server.processing = True
                try:
                    while not server._release.is_set():
                        if gone(self.connection):
                            return
                    body = b'{"choices": [{"message": {"content": "done"}}]}'
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                finally:
                    server.processing = False

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


def gone(connection: socket.socket) -> bool:
    """Whether the client closed `connection` (readable with nothing left to read); waits at
    most 0.05 s for a sign."""
    readable, _, _ = select.select([connection], [], [], 0.05)
    return bool(readable) and connection.recv(1, socket.MSG_PEEK) == b""
