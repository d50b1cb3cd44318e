"""The web UI's thread actions that the LangGraph API has no word for, done by `Session`.

Undo, the settling of a stopped run and the rest of a delete (spill files, index row) are
the CLI's own operations (`graph/session.py`). The server rejects blocking I/O on its event
loop (SQLite index, lock files), so `serve/web_actions.py` runs each action here, in a short
child process, exactly as another `ml-intern` process would (the model / effort / yolo
switches, which a person waits for, run in the server: serve/web_settings.py):

    python -m serve.web_session '{"action": "undo", "thread_id": "..."}'

It prints one JSON line, `{"status": 200, "body": {...}}`; a 4xx status carries
`{"detail": "what went wrong and what to do"}`.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import time
from collections.abc import Awaitable, Callable, Mapping
from pathlib import Path
from typing import Any

import configs  # noqa: F401  (offline litellm settings before anything imports it)
from configs.environment import load_dotenv_files
from graph.call_settlement import unanswered_calls
from graph.session import CANCELLED, Session
from serve.server_settings import server_settings
from store.thread_lock import ThreadBusyError, ThreadLock
from tools.catalog import ToolCatalog

Result = tuple[int, dict[str, Any]]
SETTLE_WAIT_S = 10.0
FOR_ANY_THREAD = ("delete",)  # a thread already deleted


class Refused(Exception):
    """An action that cannot be done as asked: a 4xx status and a sentence for the user."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail


async def undo(session: Session, request: Mapping[str, Any]) -> Result:
    """The CLI's /undo: back to just before the last user message, files put back unless
    `keep_files`."""
    event = await session.undo(keep_files=request.get("keep_files") is True)
    if event.type == "error":
        raise Refused(409 if event.data.get("kind") == "busy" else 400, event.data["message"])
    return 200, event.data


async def settle(session: Session, _request: Mapping[str, Any]) -> Result:
    """After the server cancelled a run: answer its unfinished tool calls as the CLI does
    after Ctrl-C, so the thread is idle and valid, and say that it was stopped."""
    lock = ThreadLock(session.deps.home, session.thread_id)
    await once_free(lock.acquire)  # the cancelled run lets go of the thread as it unwinds
    try:
        results, spent = unanswered_calls(await session.snapshot(), CANCELLED)
        update: dict[str, Any] = {"messages": results, "stop_reason": "interrupted"}
        if spent.get("calls"):
            update["usage"] = spent
        await session.graph.aupdate_state(session.config, update, as_node="call_model")
    finally:
        lock.release()
    return 200, {"settled_calls": len(results)}


async def delete(session: Session, _request: Mapping[str, Any]) -> Result:
    """After the server deleted its record of the thread: what `ml-intern threads delete`
    removes besides (checkpoints, the index row, the spilled tool outputs)."""
    await once_free(session.delete)
    return 200, {"deleted": session.thread_id}


async def once_free(step: Callable[[], Any]) -> None:
    """`step` (sync or async), retried while the thread is busy for up to SETTLE_WAIT_S."""
    deadline = time.monotonic() + SETTLE_WAIT_S
    while True:
        try:
            done = step()
            if asyncio.iscoroutine(done):
                await done
            return
        except ThreadBusyError as busy:
            if time.monotonic() > deadline:
                raise Refused(409, str(busy)) from None
            await asyncio.sleep(0.1)


ACTIONS: dict[str, Callable[[Session, Mapping[str, Any]], Awaitable[Result]]] = {
    "undo": undo,
    "settle": settle,
    "delete": delete,
}


async def perform(request: Mapping[str, Any]) -> Result:
    """Open the thread as the CLI would and do one action on it."""
    action = ACTIONS.get(str(request.get("action")))
    if action is None:
        return 404, {"detail": f"Unknown action {request.get('action')!r}."}
    load_dotenv_files()
    workspace = Path(os.environ.get("ML_INTERN_WORKSPACE") or Path.cwd())
    async with Session.open(
        server_settings(),
        thread_id=str(request["thread_id"]),
        workspace=workspace,
        catalog=ToolCatalog([]),  # no tool runs here
    ) as session:
        if not await session.exists() and request.get("action") not in FOR_ANY_THREAD:
            return 404, {"detail": "No such thread: it may have been deleted."}
        try:
            return await action(session, request)
        except Refused as refused:
            return refused.status, {"detail": refused.detail}


def main(argv: list[str]) -> int:
    status, body = asyncio.run(perform(json.loads(argv[0])))
    print(json.dumps({"status": status, "body": body}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
