"""Editing a thread's history: undo (fork back before the last user message) and fork.

A mixin of `Session`: it uses the session's graph, config, thread id, index and lock home.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from langgraph.types import Overwrite

from graph.events import Event
from nodes.history import is_user_message, text_of
from store.saver_maintenance import USER_INPUT
from store.thread_index import ThreadIndex, ThreadInfo
from store.thread_lock import ThreadBusyError, ThreadLock

if TYPE_CHECKING:
    from langchain_core.messages import AnyMessage
    from langgraph.graph.state import CompiledStateGraph

    from nodes.deps import AgentDeps


class ThreadHistory:
    graph: CompiledStateGraph[Any]
    deps: AgentDeps
    index: ThreadIndex
    thread_id: str

    @property
    def config(self) -> dict[str, Any]:
        raise NotImplementedError

    async def messages(self) -> list[AnyMessage]:
        raise NotImplementedError

    def info(self) -> ThreadInfo | None:
        raise NotImplementedError

    def _event(self, type_: Any, **data: Any) -> Event:
        raise NotImplementedError

    async def undo(self) -> Event:
        """Go back to just before the last user message; the undone branch stays in history."""
        found = await last_user_input(self.graph.checkpointer, self.config)
        if found is None:
            return self._event(
                "error", message="Nothing to undo: this thread has no user message yet."
            )
        undone = await self._last_user_text()
        try:
            with ThreadLock(self.deps.home, self.thread_id):
                await self._fork_before(found.parent_config)
        except ThreadBusyError as busy:
            return self._event("error", message=str(busy), kind="busy")
        return self._event(
            "undo_complete", undone_message=undone, messages=len(await self.messages())
        )

    async def _fork_before(self, parent_config: Any) -> None:
        if parent_config is None:
            # The first message of the thread: undo back to an empty conversation.
            await self.graph.aupdate_state(
                self.config,
                {"messages": Overwrite([]), "plan": [], "stop_reason": None},
                as_node="call_model",
            )
        else:
            await self.graph.aupdate_state(parent_config, None, as_node="__copy__")

    async def fork(self) -> str:
        """A new thread with this one's whole history (checkpoints, so undo works there too);
        this thread is left as it is. Returns the new thread's id."""
        target = str(uuid.uuid4())
        with ThreadLock(self.deps.home, self.thread_id):  # not while a run writes it
            await self.graph.checkpointer.acopy_thread(self.thread_id, target)
        self.index.record_fork(self.thread_id, target)
        return target

    async def _last_user_text(self) -> str:
        for message in reversed(await self.messages()):
            if is_user_message(message):
                return text_of(message.content)
        return ""


async def last_user_input(saver: Any, config: dict[str, Any]) -> Any | None:
    """The current branch's last user-input checkpoint (a tuple), whatever the saver.

    Ours answers in one query; any other saver is walked up the parent chain from the head, so an
    undone branch's newer user messages (still in history) are never picked.
    """
    if hasattr(saver, "alast_user_input"):
        return await saver.alast_user_input(config)
    inputs = {
        t.config["configurable"]["checkpoint_id"]
        async for t in saver.alist(config, filter=USER_INPUT)
    }
    found = await saver.aget_tuple(config)
    while found is not None and found.config["configurable"]["checkpoint_id"] not in inputs:
        found = await saver.aget_tuple(found.parent_config) if found.parent_config else None
    return found
