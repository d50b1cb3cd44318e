"""tests/fakes/loopback.py: a fake's handler that fails shows its traceback; a client that hangs
up mid-answer shows none (it landed in whichever test was capturing output then)."""

from __future__ import annotations

import socket
import struct
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.fakes.loopback import serve, stop


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        if self.path == "/bug":
            raise ValueError("a bug in the fake")
        self.send_response(200)
        self.end_headers()
        for _ in range(2000):  # more than the socket buffers hold: the hang-up breaks a write
            self.wfile.write(b"x" * 65536)

    def log_message(self, *args: object) -> None:
        pass


def _get(port: int, path: str, *, reset: bool) -> None:
    with socket.create_connection(("127.0.0.1", port)) as client:
        client.sendall(f"GET {path} HTTP/1.0\r\n\r\n".encode())
        client.recv(10)
        if reset:  # hang up at once, unread bytes and all
            client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))


def test_a_hang_up_prints_nothing_and_a_bug_its_traceback(
    capfd: pytest.CaptureFixture[str],
) -> None:
    server = serve(ThreadingHTTPServer(("127.0.0.1", 0), _Handler))
    try:
        port = server.server_address[1]
        _get(port, "/", reset=True)
        _get(port, "/bug", reset=False)
        printed = ""
        deadline = time.monotonic() + 10
        while "a bug in the fake" not in printed and time.monotonic() < deadline:
            printed += capfd.readouterr().err
            time.sleep(0.02)
    finally:
        stop(server)
    printed += capfd.readouterr().err
    assert "ValueError: a bug in the fake" in printed
    assert "BrokenPipeError" not in printed and "ConnectionResetError" not in printed
