"""Session: drives one thread of the agent graph and yields Events. The CLI, the tests and
the benchmarks all talk to the agent through this class; none runs the graph loop itself."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import shutil
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import aclosing, asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from langchain_core.messages import AnyMessage, ToolMessage
from langgraph.types import Command

from configs.environment import ml_intern_home
from configs.run_context import Mode, RunContext
from configs.settings import Settings
from graph.builder import build_graph
from graph.call_settlement import SpendLedger, unanswered_calls
from graph.events import Event, EventTranslator, turn_complete
from graph.experiments import with_ledger
from graph.session_history import ThreadHistory
from models.provider_errors import ProviderError
from nodes.deps import AgentDeps, ChatModelFactory
from nodes.execute_tools import OutputTail, safe_file_name
from nodes.history import user_message
from store.checkpointer import DB_NAME, open_checkpointer
from store.database import DatabaseError
from store.thread_index import ThreadIndex, ThreadInfo
from store.thread_lock import ThreadBusyError, ThreadLock
from store.workspace_journal import closing_journal, open_journal

if TYPE_CHECKING:
    from langgraph.checkpoint.base import BaseCheckpointSaver
    from langgraph.types import StateSnapshot

    from tools.catalog import ToolCatalog, ToolSpec
    from tools.editor_files import EditorFiles

log = logging.getLogger(__name__)
STREAM_MODES = ["updates", "custom"]
# Token streaming: LangGraph then inspects every node's input, so only when asked for.
TOKEN_STREAM_MODES = ["updates", "messages", "custom"]
# Metadata on a user turn's checkpoints: undo (here) and prune (store/checkpointer.py) look for it.
USER_TURN = {"ml_intern_turn": "user"}
SUPERSEDED = (
    "[not run] The user sent a new message instead of answering the approval request for this call."
)
CANCELLED = (
    "[cancelled] The user interrupted the run while this tool call was in progress; it was stopped."
)


class Session(ThreadHistory):
    """One thread: send messages, answer approvals, undo, fork, compact, cancel."""

    def __init__(
        self,
        *,
        settings: Settings,
        deps: AgentDeps,
        checkpointer: BaseCheckpointSaver,
        index: ThreadIndex,
        thread_id: str,
        mode: Mode = "interactive",
        workspace: Path | None = None,
        max_iterations: int | None = None,
        max_cost_usd: float | None = None,
        notifier: Any | None = None,
    ) -> None:
        self.settings = settings
        self.notifier = notifier  # tools.external.notify.SlackNotifier: posts auto events to Slack
        # Awaited on each event before the graph goes on (an editor's diff reads the disk before
        # the call runs); what it raises is logged and the run goes on.
        self.observer: Callable[[Event], Awaitable[None]] | None = None
        # `assistant_chunk` events (with settings.stream); off where only whole messages show.
        self.token_events = True
        self.deps = deps
        self.graph = build_graph(deps, checkpointer)
        self.index = index
        self.thread_id = thread_id
        self.mode: Mode = mode
        self.workspace = (workspace or Path.cwd()).resolve()
        self.max_iterations = max_iterations or settings.max_iterations
        self.max_cost_usd = max_cost_usd if max_cost_usd is not None else settings.max_cost_usd
        self._task: asyncio.Task[None] | None = None
        # Settings changed while an approval was pending, applied with the next run.
        self._carried: dict[str, Any] = {}
        self._cancelled = False
        self._spend = SpendLedger()  # a sub-agent's tokens, counted even if cancelled
        self._shown = OutputTail()  # running calls' output, kept if they are cancelled

    @classmethod
    @asynccontextmanager
    async def open(
        cls,
        settings: Settings,
        *,
        thread_id: str | None = None,
        mode: Mode = "interactive",
        home: Path | None = None,
        workspace: Path | None = None,
        catalog: ToolCatalog | None = None,
        chat_model_factory: ChatModelFactory | None = None,
        max_iterations: int | None = None,
        max_cost_usd: float | None = None,
        extra_specs: Sequence[ToolSpec] = (),
        notifier: Any | None = None,
        editor: EditorFiles | None = None,
    ) -> AsyncIterator[Session]:
        """Open (or start) a thread in `$ML_INTERN_HOME/threads.sqlite`."""
        from tools.families import build_catalog, with_more_tools

        home = home or ml_intern_home()
        workspace = (workspace or Path.cwd()).resolve()
        if catalog is None:
            from graph.research_agent import with_research

            base = build_catalog(settings).extended(extra_specs)  # MCP tools
            catalog = with_research(base, settings, home, chat_model_factory)
            catalog = with_ledger(catalog, home)  # hf_jobs runs recorded, `experiments` tool
            catalog = with_more_tools(catalog)
        db = home / DB_NAME
        journal = open_journal(settings.undo, home, db)
        deps = AgentDeps(
            settings, catalog, home, chat_model_factory, workspace_recorder=journal, editor=editor
        )
        # aclosing(catalog): the kernels its tools keep between calls end with the session.
        async with open_checkpointer(db) as checkpointer, aclosing(catalog):
            with ThreadIndex(db) as index, closing_journal(journal):
                yield cls(
                    settings=settings,
                    deps=deps,
                    checkpointer=checkpointer,
                    index=index,
                    thread_id=thread_id or new_thread_id(),
                    mode=mode,
                    workspace=workspace,
                    max_iterations=max_iterations,
                    max_cost_usd=max_cost_usd,
                    notifier=notifier,
                )

    # -- reading the thread -------------------------------------------------

    @property
    def config(self) -> dict[str, Any]:
        return {
            "configurable": {"thread_id": self.thread_id},
            # The iteration cap is ours (a state counter); this only guards against runaway graphs.
            "recursion_limit": 10 * self.max_iterations + 100,
        }

    @property
    def context(self) -> RunContext:
        """What every run of this session needs (LangGraph's run context)."""
        return RunContext(
            workspace=self.workspace,
            mode=self.mode,
            thread_id=self.thread_id,
            max_iterations=self.max_iterations,
            max_cost_usd=self.max_cost_usd,
        )

    async def snapshot(self) -> StateSnapshot:
        return await self.graph.aget_state(self.config)

    async def values(self) -> dict[str, Any]:
        return dict((await self.snapshot()).values or {})

    async def messages(self) -> list[AnyMessage]:
        return list((await self.values()).get("messages") or [])

    async def pending_approval(self) -> dict[str, Any] | None:
        """The approval request the thread is waiting on, if any."""
        snapshot = await self.snapshot()
        for interrupt in snapshot.interrupts:
            value = (
                interrupt.value if isinstance(interrupt.value, dict) else {"value": interrupt.value}
            )
            return {"interrupt_id": interrupt.id, "kind": value.get("kind", "tools"), **value}
        return None

    async def has_unfinished_run(self) -> bool:
        """True when a run was cut off (crash, kill) and can be finished with `continue_pending`."""
        snapshot = await self.snapshot()
        return bool(snapshot.next) and not snapshot.interrupts

    async def exists(self) -> bool:
        return bool((await self.snapshot()).values)

    def info(self) -> ThreadInfo | None:
        return self.index.get(self.thread_id)

    def list_threads(self, *, cwd: str | None = None, limit: int = 50) -> list[ThreadInfo]:
        """Threads in this database, most recent first (all, or those started in `cwd`)."""
        return self.index.list(cwd=cwd, limit=limit)

    async def delete(self) -> None:
        """Remove this thread's checkpoints, index row and spill files (not while it runs)."""
        with ThreadLock(self.deps.home, self.thread_id):
            await self.graph.checkpointer.adelete_thread(self.thread_id)
            self.index.delete(self.thread_id)
            if self.deps.workspace_recorder is not None:
                self.deps.workspace_recorder.forget_thread(self.thread_id)
            shutil.rmtree(self.deps.spill_dir / safe_file_name(self.thread_id), ignore_errors=True)

    # -- driving the thread -------------------------------------------------

    async def send(self, text: str, images: Sequence[str] = ()) -> AsyncIterator[Event]:
        """Add a user message (`images`: data URLs) and run the turn to its end or an approval."""
        leftovers, spent = unanswered_calls(await self.snapshot(), SUPERSEDED)
        model = (await self.values()).get("model") or self.settings.model_name
        self.index.touch(self.thread_id, title=text, model=model, cwd=str(self.workspace))
        carried, self._carried = self._carried, {}
        payload = {
            **carried,
            "messages": [*leftovers, user_message(text, images)],
            "stop_reason": None,
            "compact_request": None,
        }
        if spent.get("calls"):
            payload["usage"] = spent
        async with aclosing(self._run(payload, metadata=USER_TURN)) as events:
            async for event in events:
                yield event

    async def resume(
        self, decisions: Sequence[dict[str, Any]], *, yolo: bool = False
    ) -> AsyncIterator[Event]:
        """Answer the pending approval: one decision per action request, in order."""
        answer: dict[str, Any] = {"decisions": list(decisions), **({"yolo": True} if yolo else {})}
        carried, self._carried = self._carried, {}
        async with aclosing(self._run(Command(resume=answer, update=carried or None))) as events:
            async for event in events:
                yield event

    async def continue_pending(self) -> AsyncIterator[Event]:
        """Finish a run that was cut off: re-run only the steps that did not complete."""
        async with aclosing(self._run(None)) as events:
            async for event in events:
                yield event

    async def compact(self) -> AsyncIterator[Event]:
        """Summarise the history now, whatever its size."""
        async with aclosing(self._run({"compact_request": "force"})) as events:
            async for event in events:
                yield event

    async def set_model(self, model_id: str) -> None:
        """Use `model_id` from the next model call on."""
        await self._update({"model": model_id})
        self.index.touch(self.thread_id, model=model_id)

    async def set_effort(self, effort: str | None) -> None:
        """Use this reasoning effort from the next model call on (None: the config's)."""
        await self._update({"effort": effort})

    async def set_yolo(self, on: bool = True) -> None:
        """Auto-approve (or stop auto-approving) this thread's tool calls, never-auto ones excepted."""
        await self._update({"yolo": on})

    async def _update(self, values: dict[str, Any]) -> None:
        # Writing state now would drop a pending approval: carry it with the answer instead.
        if (await self.snapshot()).interrupts:
            self._carried.update(values)
            return
        with ThreadLock(self.deps.home, self.thread_id):
            await self.graph.aupdate_state(self.config, values, as_node="call_model")

    def cancel(self) -> None:
        """Stop the running turn: running tools are killed, the thread stays consistent."""
        self._cancelled = True
        if self._task is not None and not self._task.done():
            self._task.cancel()

    # -- internals ----------------------------------------------------------

    async def _run(
        self, payload: Any, *, metadata: dict[str, Any] | None = None
    ) -> AsyncIterator[Event]:
        """One run of the graph, holding the thread's lock so no other process interleaves."""
        lock = ThreadLock(self.deps.home, self.thread_id)
        try:
            lock.acquire()
        except ThreadBusyError as busy:
            yield self._event("error", message=str(busy), kind="busy", fatal=True)
            yield await self._turn_complete("error")
            return
        try:
            async with aclosing(self._run_events(payload, metadata=metadata)) as events:
                async for event in events:
                    if self.notifier is not None:
                        self.notifier.feed(event)  # never blocks, never raises
                    yield event
        finally:
            lock.release()

    async def _observed(self, event: Event) -> None:
        try:
            if self.observer is not None:
                await self.observer(event)
        except Exception:  # a front end's look never stops the run
            log.exception("the session's observer failed on a %s event", event.type)

    async def _run_events(
        self, payload: Any, *, metadata: dict[str, Any] | None = None
    ) -> AsyncIterator[Event]:
        self._cancelled = False
        self._shown.clear()
        translator = EventTranslator(self.thread_id, self.deps.catalog)
        queue: asyncio.Queue[Event | None] = asyncio.Queue()
        config = {**self.config, "metadata": metadata or {}}
        tokens = self.settings.stream and self.token_events

        async def pump() -> None:
            try:
                async for mode, chunk in self.graph.astream(
                    payload,
                    config,
                    context=self.context,
                    stream_mode=TOKEN_STREAM_MODES if tokens else STREAM_MODES,
                    durability="sync",
                ):
                    for event in translator.translate(mode, chunk):
                        await self._observed(event)
                        queue.put_nowait(event)
            except asyncio.CancelledError:
                pass
            except Exception as error:  # the run ends; the thread stays at its last checkpoint
                message, kind = f"{type(error).__name__}: {error}", "internal"
                if isinstance(error, ProviderError):
                    message, kind = str(error), error.kind
                queue.put_nowait(self._event("error", message=message, kind=kind, fatal=True))
                if isinstance(error, DatabaseError):
                    raise  # from `await self._task`: the thread cannot be read for the turn's end
            finally:
                queue.put_nowait(None)

        yield self._event("processing")
        self._task = asyncio.create_task(pump())
        failed = False
        try:
            while (event := await queue.get()) is not None:
                failed = failed or (event.type == "error" and bool(event.data.get("fatal")))
                self._note(event)
                yield event
        finally:
            if not self._task.done():
                self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        if self._cancelled:
            await self._settle_cancelled()
            yield self._event("interrupted")
            yield await self._turn_complete("interrupted")
        elif failed:
            yield await self._turn_complete("error")
        elif not (await self.snapshot()).interrupts:
            yield await self._turn_complete(None)
        self.index.touch(self.thread_id)

    async def _settle_cancelled(self) -> None:
        """After a cancel, answer every unfinished call so the thread is valid and idle; the
        spend of finished calls and of cut-off sub-agents joins the thread's usage."""
        results, spent = unanswered_calls(await self.snapshot(), CANCELLED)
        spent = self._spend.settle(results, CANCELLED, spent)
        results = [self._with_output(m) for m in results]
        update: dict[str, Any] = {"messages": results, "stop_reason": "interrupted"}
        if spent.get("calls"):
            update["usage"] = spent
        await self.graph.aupdate_state(self.config, update, as_node="call_model")

    def _note(self, event: Event) -> None:
        """What a cut-off run still owes the thread: sub-agent spend, the output shown."""
        self._spend.note(event)
        if event.type == "tool_log":
            self._shown.add(event.data.get("tool_call_id"), event.data.get("line"))

    def _with_output(self, result: ToolMessage) -> ToolMessage:
        if not str(result.content).startswith(CANCELLED):
            return result  # finished before the cancel: its own result stands
        shown = self._shown.note(result.tool_call_id)
        return result.model_copy(update={"content": f"{result.content}{shown}"})

    async def _turn_complete(self, forced_reason: str | None) -> Event:
        return turn_complete(self.thread_id, await self.values(), forced_reason)

    def _event(self, type_: Any, **data: Any) -> Event:
        return Event(type=type_, thread_id=self.thread_id, data=data)


def new_thread_id() -> str:
    """A UUID: the LangGraph API server (Studio) only accepts UUID thread IDs."""
    return str(uuid.uuid4())
