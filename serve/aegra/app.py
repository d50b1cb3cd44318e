"""The team server's own app on Aegra (`http.app` in the generated aegra.json).

Aegra includes its API routers into this FastAPI app, so the page, `/web/*` and the guards
of serve/app.py wrap Aegra's whole API as they wrap the embedded server's. Left out: what
the engine does itself (which server holds a run, threads made elsewhere shown busy, the
waiting room). Threads the CLI makes on the same database are adopted into Aegra's records
(serve/aegra/thread_adoption.py). The lifespan runs after Aegra has opened its database pool and started its
workers: it puts our saver in place of Aegra's (threads keep the CLI's index, undo and
experiments) and builds the graph. A second run on a busy thread is answered 409 here.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy.exc import IntegrityError
from starlette.middleware import Middleware
from starlette.routing import Route

import serve.app as web
from compat.aegra import ONE_RUN_INDEX, quick_run_waits, stream_only_what_is_asked, use_saver
from serve import studio
from serve.aegra.run_cap import PersonRunCap
from serve.aegra.run_metadata import RunMetadata
from serve.aegra.stream_cap import StreamCap
from serve.aegra.thread_adoption import ThreadAdoption
from serve.body_cap import BodyCap
from serve.disk_full import DiskFull
from serve.oauth import SignInGate
from serve.origin_guard import OriginGate
from serve.parent_watch import watch_parent
from serve.route_allowlist import RouteAllowlist
from serve.run_guard import RunGuard
from serve.thread_books import ThreadBooks
from store.checkpointer import open_checkpointer

log = logging.getLogger("ml_intern.team_server")
BUSY = (
    "This thread already has a run waiting or running. Wait for it to finish (or cancel "
    "it), then send again."
)


@contextlib.asynccontextmanager
async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
    """Our saver in Aegra's place and the graph built; both closed at shutdown."""
    async with open_checkpointer() as saver:
        use_saver(saver)
        quick_run_waits()
        stream_only_what_is_asked()
        studio.context_schema_built_once()
        studio.SERVER.saver = saver
        watch = asyncio.create_task(watch_parent(), name="ml-intern-parent-watch")
        try:
            await studio.build_now()
            yield
        finally:
            watch.cancel()
            studio.SERVER.saver = None
            await studio.SERVER.aclose()


async def thread_busy(_request: Request, error: Exception) -> JSONResponse:
    """A second run on a busy thread (two sent at once, to any replicas): 409, said."""
    if ONE_RUN_INDEX in str(getattr(error, "orig", error)):
        return JSONResponse({"detail": BUSY}, status_code=409)
    log.error("ml-intern: a database constraint failed: %s", error)
    return JSONResponse({"detail": "The request could not be saved."}, status_code=500)


async def ok(_request: Request) -> JSONResponse:
    """Health, open without the token (`/ok`, as on the embedded server)."""
    return JSONResponse({"ok": True})


app = FastAPI(
    lifespan=lifespan,
    routes=[Route("/ok", ok, methods=["GET"]), *web.app.routes],
    middleware=[
        Middleware(BodyCap),  # before anything reads a body: past the cap, 413
        Middleware(DiskFull),
        Middleware(OriginGate),
        Middleware(RouteAllowlist),
        Middleware(web.TokenGate),
        Middleware(SignInGate),
        Middleware(ThreadAdoption),  # threads the CLI made on this database, as they are now
        Middleware(RunGuard),
        Middleware(RunMetadata),  # a run's metadata in its checkpoints (undo finds the turn)
        Middleware(ThreadBooks),
        Middleware(StreamCap),  # streams per replica and per person (Redis connections)
        Middleware(PersonRunCap),  # runs per person, over all replicas, where people sign in
    ],
    exception_handlers={IntegrityError: thread_busy},
    docs_url=None,
    redoc_url=None,
    openapi_url=None,
)
