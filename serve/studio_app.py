"""The HTTP app `ml-intern studio` mounts (langgraph.json's `"http": {"app": ...}`): no routes.

Every request passes the Origin/Host check (serve/origin_guard.py).
"""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.middleware import Middleware

from serve.origin_guard import OriginGate

app = Starlette(middleware=[Middleware(OriginGate)])
