"""Editing a thread's history: undo (fork back before the last user message) and fork.

A mixin of `Session`: it uses the session's graph, config, thread id, index and lock home.
"""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Any

from langchain_core.messages import AIMessage
from langgraph.types import Overwrite

from graph.events import Event
from models.messages import is_user_message, text_of
from nodes.history import calls_in
from store.saver_maintenance import USER_INPUT
from store.thread_index import ThreadIndex, ThreadInfo
from store.thread_lock import ThreadBusyError, ThreadLock
from store.workspace_journal import WorkspaceJournal, inside
from store.workspace_restore import RestoreReport
from store.workspace_undo import undo_calls

if TYPE_CHECKING:
    from langchain_core.messages import AnyMessage
    from langgraph.graph.state import CompiledStateGraph

    from nodes.deps import AgentDeps
    from tools.catalog import ToolSpec


class ThreadHistory:
    graph: CompiledStateGraph[Any]
    deps: AgentDeps
    index: ThreadIndex
    thread_id: str
    workspace: Path

    @property
    def config(self) -> dict[str, Any]:
        raise NotImplementedError

    async def messages(self) -> list[AnyMessage]:
        raise NotImplementedError

    def info(self) -> ThreadInfo | None:
        raise NotImplementedError

    def _event(self, type_: Any, **data: Any) -> Event:
        raise NotImplementedError

    async def undo(self, *, keep_files: bool = False) -> Event:
        """Go back to just before the last user message, and put the workspace back as it was
        then (`keep_files`: the conversation only); the undone branch stays in history."""
        found = await last_user_input(self.graph.checkpointer, self.config)
        if found is None or not any(is_user_message(m) for m in await self.messages()):
            return self._event(
                "error", message="Nothing to undo: this thread has no user message yet."
            )
        undone = await self._last_user_text()
        calls = await self._calls_after(found.parent_config)
        try:
            with ThreadLock(self.deps.home, self.thread_id):
                files = await self._rewind_files(calls, keep_files)
                await self._fork_before(found.parent_config)
            undone_tools = {call["name"] for call in calls}  # a kernel's state may be stale
            await asyncio.to_thread(self.deps.catalog.rewound, self.thread_id, undone_tools)
        except ThreadBusyError as busy:
            return self._event("error", message=str(busy), kind="busy")
        return self._event(
            "undo_complete",
            undone_message=undone,
            messages=len(await self.messages()),
            files=files.as_json(),
        )

    async def _calls_after(self, parent_config: Any) -> list[dict[str, Any]]:
        """The tool calls of the current history that going back to `parent_config` drops
        (those a compaction summarised too: their ids only)."""
        kept: list[AnyMessage] = []
        if parent_config is not None:
            kept = (await self.graph.aget_state(parent_config)).values.get("messages") or []
        before = set(calls_in(kept))
        current = await self.messages()
        known = {
            call["id"]: call
            for message in current
            if isinstance(message, AIMessage)
            for call in message.tool_calls
        }
        dropped = [i for i in dict.fromkeys(calls_in(current)) if i not in before]
        return [known.get(i) or {"id": i, "name": "", "args": {}} for i in dropped]

    async def _rewind_files(self, calls: list[dict[str, Any]], keep_files: bool) -> RestoreReport:
        report = RestoreReport(kept_files=keep_files)
        recorder = self.deps.workspace_recorder
        if not keep_files and isinstance(recorder, WorkspaceJournal):
            ids = [call["id"] for call in calls]
            report, recorded = await asyncio.to_thread(
                undo_calls, recorder, self.deps.home, self.thread_id, ids, workspace=self.workspace
            )
        else:
            recorded = set()
        for call in calls:
            spec = self.deps.catalog.get(call["name"])
            if spec is None or spec.read_only:
                continue
            line = f"{call['name']}: {spec.summarize(call.get('args') or {})}"
            if spec.workspace_effect == "none":
                report.not_undoable.append(line)
            elif not keep_files and call["id"] not in recorded:
                report.not_recorded.append(line)
            report.not_undoable += self._outside(spec, call)
        return report

    def _outside(self, spec: ToolSpec, call: dict[str, Any]) -> list[str]:
        """A file tool's paths outside the workspace: undo never writes there."""
        if spec.changed_paths is None:
            return []
        paths = spec.changed_paths(call.get("args") or {})
        return [
            f"{call['name']}: {path} (outside the workspace)"
            for path in paths
            if inside(self.workspace, path) is None
        ]

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

    async def fork(self, *, workspace: Path | None = None) -> str:
        """A new thread with this one's whole history (checkpoints, so undo works there too);
        this thread is left as it is. `workspace`: the fork works in that copy of the files.
        Returns the new thread's id."""
        target = str(uuid.uuid4())
        with ThreadLock(self.deps.home, self.thread_id):  # not while a run writes it
            await self.graph.checkpointer.acopy_thread(self.thread_id, target)
            if self.deps.workspace_recorder is not None:  # undo in the fork puts files back
                await asyncio.to_thread(
                    self.deps.workspace_recorder.copy_thread, self.thread_id, target, workspace
                )
        self.index.record_fork(self.thread_id, target, cwd=str(workspace) if workspace else "")
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
