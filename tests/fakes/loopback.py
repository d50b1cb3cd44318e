"""Serving a fake on a free 127.0.0.1 port from a daemon thread, and stopping it.

self._httpd = serve(ThreadingHTTPServer(("127.0.0.1", 0), Handler), hub=self)
url_of(self._httpd, "FakeHub")  # http://127.0.0.1:<port>
stop(self._httpd)
"""

from __future__ import annotations

import socketserver
import sys
import threading
from typing import Any

# A client that hangs up mid-answer (its test ended, it timed out) is no error of the fake's.
HUNG_UP = (BrokenPipeError, ConnectionResetError)


def serve[S: socketserver.BaseServer](server: S, **attributes: Any) -> S:
    """Start `server` in a daemon thread; `attributes` are set on it for its handlers. It
    prints a handler's traceback as socketserver does, except for a client that hung up: such
    a traceback landed in whichever test of the process was capturing its output then."""
    server.daemon_threads = True  # type: ignore[attr-defined]
    for name, value in attributes.items():
        setattr(server, name, value)
    printing = server.handle_error

    def handle_error(request: Any, client_address: Any) -> None:
        if not isinstance(sys.exception(), HUNG_UP):
            printing(request, client_address)

    server.handle_error = handle_error  # type: ignore[method-assign]
    threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    ).start()
    return server


def url_of(server: socketserver.BaseServer | None, fake: str) -> str:
    assert server is not None, f"{fake} not started"
    return f"http://127.0.0.1:{server.server_address[1]}"  # type: ignore[index]


def stop(server: socketserver.BaseServer | None) -> None:
    if server is not None:
        server.shutdown()
        server.server_close()
