"""The web app of one worker of `ml-intern web --workers N`: serve/app.py's, on the shared port too.

`ml-intern web --workers N` starts N `langgraph dev` servers with this module as their
`http.app` (langgraph.json), each told its own loopback port (`--port`) and the port they
all serve (ML_INTERN_SHARED_PORT). Imported while uvicorn loads the app, before it binds,
this makes uvicorn listen on both: the shared one with SO_REUSEPORT, so the kernel deals the
connections out among the workers (no proxy in between, no byte copied twice), and the
worker's own, where the other workers relay a request about a run this one holds
(serve/run_forwarding.py). If uvicorn's `Server.startup` ever stops taking `sockets`, the
worker fails to start and `ml-intern web` shows its log, rather than serve elsewhere.
"""

from __future__ import annotations

import os
import socket
from typing import Any

from serve.app import app

SHARED_PORT_ENV = "ML_INTERN_SHARED_PORT"
BACKLOG = 2048

__all__ = ["app", "install"]


def listeners(host: str, shared_port: int, own_port: int) -> list[socket.socket]:
    """The shared port on `host`, beside the other workers' (SO_REUSEPORT), and this
    worker's own on the loopback."""
    shared = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
    shared.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    shared.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    shared.bind((host, shared_port))
    shared.listen(BACKLOG)
    return [shared, socket.create_server(("127.0.0.1", own_port), backlog=BACKLOG)]


def install() -> bool:
    """Make uvicorn serve `listeners(...)` in a worker (False: not a worker, nothing done)."""
    shared_port = os.environ.get(SHARED_PORT_ENV)
    if not shared_port:
        return False
    import uvicorn

    original = uvicorn.Server.startup
    if getattr(original, "ml_intern_worker", False):
        return True

    async def startup(self: Any, sockets: list[socket.socket] | None = None) -> None:
        if sockets is None:
            sockets = listeners(self.config.host, int(shared_port), self.config.port)
        await original(self, sockets=sockets)

    startup.ml_intern_worker = True  # type: ignore[attr-defined]
    uvicorn.Server.startup = startup  # type: ignore[method-assign]
    return True


install()
