"""GET /web/threads/{id}/experiments: the runs a thread sees, with their metric series.

The page's Experiments pane (web/experiments.js) polls it while a job streams. The thread's
state is read through this server's own API with the caller's credentials, so a person who
may not read the thread (serve/auth.py) gets the same 404 as for a thread that is not there,
and the runs shown are those its current history launched (graph/thread_runs.py): undo and
fork show them as `ml-intern experiments` does.
"""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

from langchain_core.messages import convert_to_messages
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from configs.environment import ml_intern_home
from graph.thread_runs import launching_calls, visible_runs
from serve.run_guard import own_api
from store.checkpointer import DB_NAME

NO_THREAD = "No such thread: it may have been deleted, or it is not yours."


def calls_of(values: dict[str, Any]) -> list[str]:
    """The tool call ids of a thread's messages as the API returns them (JSON)."""
    messages = values.get("messages") or []
    return launching_calls(convert_to_messages(messages)) if messages else []


async def experiments(request: Request) -> JSONResponse:
    thread_id = request.path_params["thread_id"]
    try:
        uuid.UUID(thread_id)
    except ValueError:
        return JSONResponse({"detail": NO_THREAD}, status_code=404)
    async with own_api(request.scope) as client:
        state = await client.get(f"/threads/{thread_id}/state")
    if state.status_code != 200:
        return JSONResponse({"detail": NO_THREAD}, status_code=404)
    calls = calls_of(state.json().get("values") or {})
    db = ml_intern_home() / DB_NAME
    runs = await asyncio.to_thread(visible_runs, db, thread_id, calls, True)
    body = {"thread_id": thread_id, "experiments": [run.to_json() for run in runs]}
    return JSONResponse(body, headers={"Cache-Control": "no-store"})


ROUTES = [Route("/web/threads/{thread_id}/experiments", experiments, methods=["GET"])]
