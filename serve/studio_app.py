"""The HTTP app `ml-intern studio` mounts (langgraph.json's `"http": {"app": ...}`): no routes.

Every request passes the Origin/Host check (serve/origin_guard.py), and the server's thread
list is kept current as `ml-intern web`'s is (serve/app.py): threads other processes made on
the same database appear (serve/thread_sync.py), and those they run show busy
(serve/busy_threads.py).
"""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.middleware import Middleware

from serve.busy_threads import BusyThreads
from serve.origin_guard import OriginGate
from serve.thread_sync import ThreadSync

app = Starlette(
    middleware=[Middleware(OriginGate), Middleware(ThreadSync), Middleware(BusyThreads)]
)
