"""GET /web/threads/{id}/figures/{name}: a figure a `python` call of the thread saved.

The page shows a python result's figures inline (web/cards.js). A figure is served only
when the caller may read the thread (its state is read through this server's own API with
the caller's credentials, as serve/web_experiments.py does), a result of that thread names
it, and `tools/kernel/figures.py` allows it in the caller's workspace (a name it gives, a
regular file in the figures folder, opened by descriptor with no symlink followed on the way
(tools/safe_paths.py: no check to race), bytes of its image type). Everything else is the
same 404.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from pathlib import Path
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from serve.oauth import Provider
from serve.run_guard import own_api
from serve.sign_in_sessions import person_from_scope
from tools.call_context import person_workspace
from tools.kernel.figures import media_type, read_figure

NOT_A_FIGURE = "No such figure: it may have been undone or deleted, or the thread is not yours."
IMAGE_HEADERS = {
    "Cache-Control": "private, max-age=3600",
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; sandbox",
}


def named_figures(values: dict[str, Any]) -> set[str]:
    """The figure names the thread's tool results carry (the API's JSON messages)."""
    found: set[str] = set()
    for message in values.get("messages") or []:
        artifact = message.get("artifact") if isinstance(message, dict) else None
        names = artifact.get("figures") if isinstance(artifact, dict) else None
        found.update(n for n in names or [] if isinstance(n, str))
    return found


async def callers_workspace(request: Request) -> Path | None:
    """Where the caller's runs work: their own folder where people sign in, else the served one."""
    if Provider.from_env() is None:
        return Path(os.environ.get("ML_INTERN_WORKSPACE") or Path.cwd())
    person = person_from_scope(request.scope)
    if person is None:
        return None
    return await asyncio.to_thread(person_workspace, person.identity)


async def figure(request: Request) -> Response:
    thread_id, name = request.path_params["thread_id"], request.path_params["name"]
    missing = JSONResponse({"detail": NOT_A_FIGURE}, status_code=404)
    try:
        uuid.UUID(thread_id)
    except ValueError:
        return missing
    async with own_api(request.scope) as client:
        state = await client.get(f"/threads/{thread_id}/state")
    if state.status_code != 200 or name not in named_figures(state.json().get("values") or {}):
        return missing
    workspace = await callers_workspace(request)
    data = await asyncio.to_thread(read_figure, workspace, name) if workspace else None
    if data is None:
        return missing
    return Response(data, media_type=media_type(name), headers=IMAGE_HEADERS)


ROUTES = [Route("/web/threads/{thread_id}/figures/{name}", figure, methods=["GET"])]
