"""A thread's model, effort and yolo switches (the CLI's /model, /effort, /yolo), done in the
server's own process: the model check is the REPL's (`model_problem`, then a one-token probe
through the server's own `AgentDeps`), and the change is written through the server's own
checkpointer, holding the thread's lock as `Session` does.

The server rejects blocking I/O on its event loop, so every file and SQLite step (the key
check, the lock, the thread index) runs in a worker thread. A signed-in person's token is
theirs for this request only (`user_tokens.acting_for`, a context variable), never stored
in the process: one server serves several people on a Space.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

from configs.advice import Advice
from configs.model_profile import model_problem, profile_of
from configs.settings import Settings
from models.probe import probe_model
from nodes.reasoning import EFFORTS
from serve.run_request import endpoint_problem
from serve.studio import SERVER
from serve.web_session import Refused
from store.checkpointer import default_db_path
from store.thread_index import ThreadIndex
from store.thread_lock import ThreadBusyError, ThreadLock
from tools.hub import user_tokens

Result = tuple[int, dict[str, Any]]
IN_THE_PAGE = Advice("web")  # a fix is said in the page's words: the model picker


async def change_settings(thread_id: str, request: Mapping[str, Any], token: str | None) -> Result:
    """Apply `request` ({"model"?, "effort"?, "yolo"?}) to the thread. While an approval is
    pending the change cannot be written (that would drop the approval): as in the CLI it is
    kept for the next run, so the answer says `carried`: the state update the page sends
    along with its answer to the approval."""
    with user_tokens.acting_for(token):
        try:
            return 200, await apply(ThreadSettings(thread_id), request)
        except Refused as refused:
            return refused.status, {"detail": refused.detail}
        except ThreadBusyError as busy:
            return 409, {"detail": str(busy)}


async def apply(thread: ThreadSettings, request: Mapping[str, Any]) -> dict[str, Any]:
    await thread.open()
    changed: dict[str, Any] = {}
    if "model" in request:
        changed["model"] = await thread.checked_model(str(request["model"] or "").strip())
    if "effort" in request:
        effort = request["effort"] or None
        if effort is not None and effort not in EFFORTS:
            raise Refused(422, f"Effort must be one of {', '.join(EFFORTS)}, or empty.")
        changed["effort"] = effort
    if "yolo" in request:
        if not isinstance(request["yolo"], bool):  # bool("false") would switch it on
            raise Refused(422, '"yolo" must be true or false.')
        changed["yolo"] = request["yolo"]
    if await thread.pending_approval():
        answer = await thread.current()
        answer.update({k: ("" if v is None else v) for k, v in changed.items()}, carried=changed)
        return answer
    if changed:
        await thread.write(changed)
    return await thread.current()


class ThreadSettings:
    """One thread's settings, read and written through the server's graph and checkpointer."""

    def __init__(self, thread_id: str) -> None:
        self.thread_id = thread_id
        self.config = {"configurable": {"thread_id": thread_id}}

    async def open(self) -> None:
        self.graph = await SERVER.with_checkpointer()
        self.deps = SERVER.deps
        self.settings: Settings = self.deps.settings

    async def checked_model(self, model_id: str) -> str:
        """`model_id` once it passes the key check and answers a one-token probe."""
        if not model_id:
            raise Refused(422, "Name a model, for example anthropic/claude-sonnet-4-5.")
        problem = await asyncio.to_thread(key_problem, model_id, self.settings)
        problem = problem or endpoint_problem(model_id, self.settings)  # before the probe
        problem = problem or await probe_model(self.deps, model_id, IN_THE_PAGE)
        if problem is not None:
            raise Refused(422, f"Not switched to {model_id}: {problem}")
        return model_id

    async def pending_approval(self) -> bool:
        return bool((await self.graph.aget_state(self.config)).interrupts)

    async def current(self) -> dict[str, Any]:
        values = (await self.graph.aget_state(self.config)).values or {}
        return {
            "model": values.get("model") or self.settings.model_name,
            "effort": values.get("effort") or "",
            "yolo": bool(values.get("yolo")),
        }

    async def write(self, changed: dict[str, Any]) -> None:
        """Holding the thread's lock (a CLI turn on it refuses the change), as `Session` does."""
        lock = ThreadLock(self.deps.home, self.thread_id)
        await asyncio.to_thread(lock.acquire)
        try:
            await self.graph.aupdate_state(self.config, changed, as_node="call_model")
        finally:
            await asyncio.to_thread(lock.release)
        if "model" in changed:
            await asyncio.to_thread(remember_model, self.thread_id, changed["model"])


def key_problem(model_id: str, settings: Settings) -> str | None:
    """Blocking (it may read a saved Hub login): what stops `model_id` before any request."""
    token = None
    if profile_of(model_id, settings).needs_hf_token:
        from tools.hub.client import hf_token

        token = hf_token()
    found = model_problem(model_id, settings, token, IN_THE_PAGE)
    return found[0] if found else None


def remember_model(thread_id: str, model_id: str) -> None:
    """Blocking: the thread index's row shows the model (the recent-models list reads it)."""
    with ThreadIndex(default_db_path()) as index:
        index.touch(thread_id, model=model_id)
