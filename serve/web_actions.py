"""JSON endpoints for what the web UI needs beyond the LangGraph API: the CLI's semantics.

    POST /web/threads/{id}/undo       the CLI's /undo
    POST /web/threads/{id}/settings   {"model"?, "effort"?, "yolo"?}: /model, /effort, /yolo
    POST /web/threads/{id}/settle     after a cancelled run: answer its unfinished calls
    GET  /web/models                  the configured model and effort, recent models (on a
                                      Space: the caller's own threads'), efforts

The settings run in this process (serve/web_settings.py: the model check is the REPL's, a
person waits for it). Undo and settle run `serve/web_session.py` in a child process, exactly
as another `ml-intern` process would; the answer is its JSON, with its status.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from serve.oauth import Provider
from serve.run_guard import own_api
from serve.sign_in_sessions import person_from_cookies
from serve.web_settings import change_settings
from tools.hub import user_tokens

PACKAGE_ROOT = Path(__file__).resolve().parents[1]
ACTION_TIMEOUT_S = 120.0


def child_env() -> dict[str, str]:
    path = os.pathsep.join(p for p in (str(PACKAGE_ROOT), os.environ.get("PYTHONPATH")) if p)
    return {**os.environ, "PYTHONPATH": path}


def run_action(request: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    """Blocking: one action in a child process; (status, body)."""
    argv = [sys.executable, "-m", "serve.web_session", json.dumps(request)]
    try:
        done = subprocess.run(
            argv, capture_output=True, text=True, timeout=ACTION_TIMEOUT_S, env=child_env()
        )
    except subprocess.TimeoutExpired:
        return 504, {"detail": f"The action did not finish within {ACTION_TIMEOUT_S:g} s."}
    lines = done.stdout.strip().splitlines()
    if done.returncode != 0 or not lines:
        tail = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["no output"]
        return 500, {"detail": f"The action failed: {tail[0]}"}
    answer = json.loads(lines[-1])
    return int(answer["status"]), dict(answer["body"])


def thread_id_problem(thread_id: str) -> JSONResponse | None:
    try:
        uuid.UUID(thread_id)
    except ValueError:
        return JSONResponse({"detail": f"No such thread: {thread_id}."}, status_code=404)
    return None


def thread_action(action: str) -> Callable[[Request], Awaitable[JSONResponse]]:
    async def endpoint(request: Request) -> JSONResponse:
        thread_id = request.path_params["thread_id"]
        if (refusal := thread_id_problem(thread_id)) is not None:
            return refusal
        payload = {"action": action, "thread_id": thread_id, **await options(request)}
        status, answer = await asyncio.to_thread(run_action, payload)
        return JSONResponse(answer, status_code=status)

    return endpoint


async def options(request: Request) -> dict[str, Any]:
    """An action's options from its JSON body: undo's `keep_files` (nothing else passes)."""
    try:
        body = await request.json()
    except ValueError:
        return {}
    return (
        {"keep_files": body["keep_files"] is True}
        if isinstance(body, dict) and "keep_files" in body
        else {}
    )


async def settings(request: Request) -> JSONResponse:
    thread_id = request.path_params["thread_id"]
    if (refusal := thread_id_problem(thread_id)) is not None:
        return refusal
    try:
        body = await request.json()
    except ValueError:
        body = None
    if not isinstance(body, dict):
        detail = 'Send a JSON object such as {"model": "openai/gpt-5"}.'
        return JSONResponse({"detail": detail}, status_code=422)
    body = {k: v for k, v in body.items() if k in ("model", "effort", "yolo")}
    status, answer = await change_settings(thread_id, body, await callers_token(request))
    return JSONResponse(answer, status_code=status)


async def callers_token(request: Request) -> str | None:
    """With people signing in: the caller's own Hugging Face token (for a router model's key
    check and probe), else None."""
    if Provider.from_env() is None:
        return None
    person = person_from_cookies(request.headers.get("cookie", ""))
    return await asyncio.to_thread(user_tokens.token_of, person.identity) if person else None


def recent_models(thread_ids: list[str] | None = None, limit: int = 8) -> list[str]:
    """Blocking: the models the most recent threads used (only `thread_ids`' when given, in
    that order), newest first, no repeats."""
    from configs.environment import ml_intern_home
    from store.checkpointer import DB_NAME
    from store.thread_index import ThreadIndex

    db = ml_intern_home() / DB_NAME
    if not db.exists():
        return []
    with ThreadIndex(db) as index:
        if thread_ids is None:
            infos = index.list(limit=100)
        else:
            infos = [info for t in thread_ids if (info := index.get(t)) is not None]
    return list(dict.fromkeys(info.model for info in infos if info.model))[:limit]


def model_choices(thread_ids: list[str] | None = None) -> dict[str, Any]:
    """Blocking: what the model and effort pickers offer (recent models: `thread_ids`' only,
    when given)."""
    from nodes.reasoning import EFFORTS
    from serve.server_settings import server_settings

    settings = server_settings()
    models = list(dict.fromkeys([settings.model_name, *recent_models(thread_ids)]))
    return {
        "model": settings.model_name,
        "effort": settings.reasoning_effort or "",
        "models": models,
        "efforts": list(EFFORTS),
    }


async def own_thread_ids(request: Request) -> list[str]:
    """The caller's threads, newest first, as the LangGraph API shows them to the caller
    (serve/auth.py filters them by owner)."""
    query = {"limit": 100, "sort_by": "updated_at", "sort_order": "desc", "select": ["thread_id"]}
    async with own_api(request.scope) as client:
        answer = await client.post("/threads/search", json=query)
    answer.raise_for_status()
    return [str(thread["thread_id"]) for thread in answer.json()]


async def models(request: Request) -> JSONResponse:
    """With people signing in, only the caller's own threads' models are offered."""
    mine = await own_thread_ids(request) if Provider.from_env() is not None else None
    return JSONResponse(await asyncio.to_thread(model_choices, mine))


ROUTES = [
    Route("/web/models", models, methods=["GET"]),
    Route("/web/threads/{thread_id}/settings", settings, methods=["POST"]),
    *(
        Route(f"/web/threads/{{thread_id}}/{action}", thread_action(action), methods=["POST"])
        for action in ("undo", "settle")
    ),
]
