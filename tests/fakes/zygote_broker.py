"""Under pytest-xdist, one warm process of each kind for all the workers, not one per worker.

The CLI zygote, the templates' zygote and the fault suite's fork server each import their
libraries once (~7 s of CPU apiece); with three workers each started its own. The controller
(which runs no tests) serves a Unix socket instead: a worker sends a kind, and the controller
starts that process on the first ask (or again, if it died) and answers where it listens.
What each run gets is unchanged: every run is still a fork of a process that ran nothing.
The processes are the controller's children and end with it; without xdist, or with `-n 0`,
each test process starts its own, as before.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import socket
import tempfile
import threading
from collections.abc import Callable
from typing import Any

BROKER_ENV = "ML_INTERN_TEST_ZYGOTE_BROKER"
Starter = Callable[[], dict[str, Any]]  # starts the kind, or checks it still runs; where it is


def serve(starters: dict[str, Starter], early: tuple[str, ...] = ()) -> None:
    """In the controller, before the workers start: answer them on a thread. The kinds in
    `early` start at once on another thread (a worker asking meanwhile waits for it), while
    the controller goes on with work of its own."""
    folder = tempfile.mkdtemp(prefix="mlzb-")  # short: Unix socket paths are capped
    path = os.path.join(folder, "broker.sock")
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    listener.listen(16)
    lock = threading.Lock()

    def answer(conn: socket.socket) -> None:
        with conn:
            kind = conn.makefile("r").readline().strip()
            try:
                with lock:  # one start at a time, and never two of a kind
                    found: dict[str, Any] = starters[kind]()
            except Exception as exc:  # the worker raises it
                found = {"error": f"{type(exc).__name__}: {exc}"}
            conn.sendall(json.dumps(found).encode() + b"\n")

    def loop() -> None:
        while True:
            conn, _ = listener.accept()
            threading.Thread(target=answer, args=(conn,), daemon=True).start()

    def start_early() -> None:
        for kind in early:
            with lock, contextlib.suppress(Exception):  # a worker asking is told why
                starters[kind]()

    threading.Thread(target=loop, name="zygote-broker", daemon=True).start()
    os.environ[BROKER_ENV] = path  # before any start: each process of a kind inherits it
    threading.Thread(target=start_early, name="zygote-broker-early", daemon=True).start()
    import atexit

    atexit.register(shutil.rmtree, folder, True)


def ask(kind: str) -> dict[str, Any] | None:
    """In a worker: where the controller's process of `kind` listens (None: no controller)."""
    path = os.environ.get(BROKER_ENV)
    if not path:
        return None
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
        conn.connect(path)
        conn.sendall(kind.encode() + b"\n")
        with contextlib.closing(conn.makefile("r")) as answers:
            found: dict[str, Any] = json.loads(answers.readline())
    if "error" in found:
        raise RuntimeError(f"the controller could not start the {kind} process: {found['error']}")
    return found
