"""The ACP agent: sessions are threads of the same store; each request goes to an AcpThread.

An adapter only: it owns no agent logic. Threads are opened with `Session.open` exactly as
the REPL opens them (same store, MCP servers and notifier), so a session made here is in
`ml-intern threads list` and any thread id (a CLI one) loads here.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from contextlib import aclosing, asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from acp import PROTOCOL_VERSION, RequestError, update_agent_message_text
from acp.helpers import update_available_commands
from acp.schema import (
    AgentCapabilities,
    Implementation,
    InitializeResponse,
    LoadSessionResponse,
    McpCapabilities,
    NewSessionResponse,
    PromptCapabilities,
    PromptResponse,
    SessionModeState,
    SetSessionModeResponse,
)

from cli.acp.commands import available_commands, run_command
from cli.acp.modes import (
    ASK,
    SANDBOX,
    YOLO,
    mode_state,
    sandbox_problem_here,
    with_sandbox,
)
from cli.acp.thread import AcpThread
from cli.acp.updates import history_updates

if TYPE_CHECKING:
    from acp.interfaces import Client

    from cli.acp.prompt_content import PromptContent
    from configs.settings import Settings
    from graph.events import Event
    from graph.session import Session

UNINITIALIZED = "Send `initialize` first: this agent has not been initialized yet."


class Held:
    """An async context entered and left in one task of its own (MCP and SQLite want that)."""

    def __init__(self, context: Any) -> None:
        self.context = context
        self.done = asyncio.Event()
        self.task: asyncio.Task[None] | None = None

    async def enter(self) -> Any:
        ready: asyncio.Future[Any] = asyncio.get_running_loop().create_future()

        async def keep() -> None:
            try:
                async with self.context as value:
                    ready.set_result(value)
                    await self.done.wait()
            except BaseException as error:
                if not ready.done():
                    ready.set_exception(error)
                    return
                raise

        self.task = asyncio.create_task(keep())
        return await ready

    async def close(self) -> None:
        self.done.set()
        if self.task is not None:
            with contextlib.suppress(Exception):
                await self.task


class MlInternAgent:
    """Answers the client's requests; `shutdown` cancels running turns when the client goes."""

    def __init__(self, settings: Settings, *, model: str | None, warmup: Callable[[], None]):
        self.settings = settings
        self.model = model
        self.warmup = warmup
        self.client: Client | None = None
        self.takes_images: asyncio.Future[bool] | None = None
        self.initialized = False
        self.client_capabilities: Any = None
        self.sandbox_problem: Any = ...  # why bubblewrap cannot run here; ...: not checked yet
        self.threads: dict[str, AcpThread] = {}
        self.held: dict[str, Held] = {}
        self.integrations: Any = None
        self.integrations_held: Held | None = None
        self._pending: set[asyncio.Task[None]] = set()  # updates sent after a reply

    def on_connect(self, conn: Client) -> None:
        self.client = conn
        # Whether the default model takes images, for `initialize`: read from the model list
        # while the client's first request is on its way.
        self.takes_images = asyncio.ensure_future(asyncio.to_thread(self._takes_images))

    def _takes_images(self) -> bool:
        from configs.model_profile import profile_of

        return profile_of(self.settings.model_name, self.settings).takes_images

    async def initialize(
        self, protocol_version: int, client_capabilities: Any = None, client_info: Any = None,
        **_kwargs: Any,
    ) -> InitializeResponse:  # fmt: skip
        from importlib.metadata import version

        # Images are offered when the default model takes them; each prompt is checked
        # against the thread's model (after /model too).
        assert self.takes_images is not None  # on_connect came first
        takes_images = await self.takes_images
        self.initialized = True
        self.client_capabilities = client_capabilities
        return InitializeResponse(
            protocol_version=min(protocol_version, PROTOCOL_VERSION),
            agent_capabilities=AgentCapabilities(
                load_session=True,
                prompt_capabilities=PromptCapabilities(embedded_context=True, image=takes_images),
                mcp_capabilities=McpCapabilities(http=True, sse=True),
            ),
            agent_info=Implementation(name="ml-intern", version=version("ml-intern")),
        )

    async def new_session(
        self, cwd: str, mcp_servers: Any = None, **_kwargs: Any
    ) -> NewSessionResponse:
        thread = await self._open(None, cwd, mcp_servers)
        self._soon(self._announce(thread))  # after the reply: the client knows the id then
        return NewSessionResponse(session_id=thread.session_id, modes=await self._modes(thread))

    async def load_session(
        self, cwd: str, session_id: str, mcp_servers: Any = None, **_kwargs: Any
    ) -> LoadSessionResponse:
        thread = self.threads.get(session_id) or await self._open(session_id, cwd, mcp_servers)
        thread.loaded = True
        session, values = thread.session, await thread.session.values()
        catalog = thread.events.catalog
        replayed = await asyncio.to_thread(  # each call's path is resolved on the disk
            lambda: list(history_updates(values, catalog, session.workspace))
        )
        for update in replayed:
            await thread.send_update(update)
        self._soon(self._announce(thread))
        return LoadSessionResponse(modes=await self._modes(thread))

    async def prompt(self, prompt: list[Any], session_id: str, **_kwargs: Any) -> PromptResponse:
        thread = self._thread(session_id)
        content = await self._content(thread, prompt)
        thread.refuse_if_running()
        text = content.text
        if text.startswith("/") and (reply := await run_command(thread, text)) is not None:
            if reply:
                await thread.send_update(update_agent_message_text(reply))
            return PromptResponse(stop_reason="end_turn")
        return PromptResponse(stop_reason=await thread.run(lambda: self._turn(thread, content)))

    async def _content(self, thread: AcpThread, prompt: list[Any]) -> PromptContent:
        """The prompt for the thread's model; linked workspace files read (off the loop)."""
        from cli.acp.linked_files import link_reader
        from cli.acp.prompt_content import prompt_content
        from configs.model_profile import profile_of
        from tools.local.sandbox import Sandbox

        model = (await thread.session.values()).get("model") or self.settings.model_name
        sandbox = Sandbox.from_settings(self.settings.sandbox)
        reader = link_reader(thread.session.workspace, thread.editor, sandbox and sandbox.walls)
        takes_images = profile_of(model, self.settings).takes_images
        return await asyncio.to_thread(
            prompt_content, prompt, model=model, takes_images=takes_images, read_link=reader
        )

    async def _turn(self, thread: AcpThread, content: PromptContent) -> AsyncIterator[Event]:
        """A loaded thread's run a crash cut off is finished first (as the REPL does when it
        resumes one), then the message."""
        session, loaded, thread.loaded = thread.session, thread.loaded, False
        if loaded and await session.has_unfinished_run():
            async with aclosing(session.continue_pending()) as events:
                async for event in events:
                    yield event
        async with aclosing(session.send(content.text, content.images)) as events:
            async for event in events:
                yield event

    async def cancel(self, session_id: str, **_kwargs: Any) -> None:
        if (thread := self.threads.get(session_id)) is not None:
            thread.cancel()

    async def set_session_mode(
        self, mode_id: str, session_id: str, **_kwargs: Any
    ) -> SetSessionModeResponse:
        thread = self._thread(session_id)
        if mode_id not in (ASK, YOLO, SANDBOX):
            raise RequestError(-32602, f"Unknown mode {mode_id!r}: choose ask, yolo or sandbox.")
        if mode_id == ASK and self.settings.approval.yolo:
            raise RequestError(-32602, "Yolo is on for this whole agent (--yolo or config).")
        if (mode_id == SANDBOX) != thread.sandboxed:
            await self._switch_sandbox(thread, on=mode_id == SANDBOX)
        from store.thread_lock import ThreadBusyError

        try:
            await thread.session.set_yolo(mode_id == YOLO)
        except ThreadBusyError as busy:
            raise RequestError(-32600, f"Not switched: {busy}") from None
        return SetSessionModeResponse()

    async def _switch_sandbox(self, thread: AcpThread, *, on: bool) -> None:
        """The thread reopened with its commands under bubblewrap, or no longer."""
        if on and (problem := await self._sandbox_problem()) is not None:
            raise RequestError(-32602, f"No sandbox on this machine: {problem}")
        if not on and self.settings.sandbox.mode == "local":
            raise RequestError(
                -32602, "The sandbox is on for this whole agent (--sandbox or config)."
            )
        thread.refuse_if_running()
        session = thread.session
        await self.held.pop(thread.session_id).close()
        settings = with_sandbox(self.settings, on)
        held = Held(
            self._session(
                session.thread_id, session.workspace, thread.mcp_servers, thread.editor, settings
            )
        )
        if thread.editor is not None:
            thread.editor.guarded = on  # under the walls, the disk by descriptor
        thread.use((await held.enter())[0], sandboxed=on)
        self.held[thread.session_id] = held

    async def _sandbox_problem(self) -> str | None:
        if self.sandbox_problem is ...:
            self.sandbox_problem = await asyncio.to_thread(sandbox_problem_here, self.settings)
        return self.sandbox_problem

    # -- sessions -----------------------------------------------------------

    def _require_initialized(self) -> None:
        if not self.initialized:
            raise RequestError(-32600, UNINITIALIZED)

    def _thread(self, session_id: str) -> AcpThread:
        self._require_initialized()
        thread = self.threads.get(session_id)
        if thread is None:
            raise RequestError(
                -32602,
                f"No session {session_id!r} in this agent: create one with session/new, or "
                "open a stored thread with session/load.",
            )
        return thread

    async def _open(self, thread_id: str | None, cwd: str, mcp_servers: Any = None) -> AcpThread:
        self._require_initialized()
        workspace = Path(cwd)
        if not workspace.is_absolute() or not await asyncio.to_thread(workspace.is_dir):
            raise RequestError(-32602, f"cwd must be an existing absolute directory: {cwd!r}")
        await asyncio.to_thread(self.warmup)
        from cli.acp.client_files import client_files

        assert self.client is not None
        sandboxed = self.settings.sandbox.mode == "local"
        editor = client_files(
            self.client, self.client_capabilities, await asyncio.to_thread(workspace.resolve),
            guarded=sandboxed,
        )  # fmt: skip
        held = Held(self._session(thread_id, workspace, mcp_servers or [], editor))
        session, mcp_warnings = await held.enter()
        if editor is not None:
            editor.session_id = session.thread_id
        if thread_id is not None and session.info() is None and not await session.exists():
            await held.close()
            raise RequestError(
                -32602,
                f"No thread {thread_id!r} in this store. List threads with: "
                "ml-intern threads list --all",
            )
        if (
            thread_id is not None
            and self.model
            and self.model != (await session.values()).get("model")
        ):
            await session.set_model(self.model)
        thread = AcpThread(session, self.client, session.thread_id, editor)
        thread.notes, thread.mcp_servers = mcp_warnings, mcp_servers or []
        thread.sandboxed = sandboxed
        self.threads[thread.session_id] = thread
        self.held[thread.session_id] = held
        return thread

    @asynccontextmanager
    async def _session(
        self, thread_id: str | None, workspace: Path, mcp_servers: list[Any], editor: Any,
        settings: Settings | None = None,
    ) -> AsyncIterator[tuple[Session, list[str]]]:  # fmt: skip
        """The thread's Session with the configured MCP tools and the editor's own servers."""
        from cli.acp.session_mcp import session_mcp
        from configs.environment import ml_intern_home
        from graph.session import Session

        integrations = await self._integrations()
        taken = {*self.settings.mcpServers, *(s.name for s in integrations.mcp_status())}
        logs = ml_intern_home() / "logs"
        async with session_mcp(mcp_servers, taken, workspace, logs) as (servers, warnings):
            specs = [*integrations.mcp_specs(), *(servers.specs() if servers else [])]
            async with Session.open(
                settings or self.settings, thread_id=thread_id, workspace=workspace, extra_specs=specs,
                notifier=integrations.notifier, editor=editor,
            ) as session:  # fmt: skip
                yield session, warnings

    async def _integrations(self) -> Any:
        if self.integrations is None:
            from configs.environment import ml_intern_home
            from tools.external.family import open_integrations

            self.integrations_held = Held(open_integrations(self.settings, home=ml_intern_home()))
            self.integrations = await self.integrations_held.enter()
        return self.integrations

    async def _modes(self, thread: AcpThread) -> SessionModeState:
        yolo = self.settings.approval.yolo or bool((await thread.session.values()).get("yolo"))
        current = SANDBOX if thread.sandboxed else YOLO if yolo else ASK
        return mode_state(current, sandbox_here=await self._sandbox_problem() is None)

    async def _announce(self, thread: AcpThread) -> None:
        for note in thread.notes:  # e.g. an MCP server of the editor's that did not start
            await thread.send_update(update_agent_message_text(note + "\n"))
        await thread.send_update(update_available_commands(available_commands()))

    def _soon(self, work: Any) -> None:
        task = asyncio.get_running_loop().create_task(work)
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)

    async def shutdown(self) -> None:
        """The client went away: cancel running turns (as Ctrl-C does), then close threads."""
        for thread in self.threads.values():
            thread.client_gone = True
            thread.cancel()
        for thread in self.threads.values():
            await thread.idle.wait()
        for held in self.held.values():
            await held.close()
        if self.integrations_held is not None:
            await self.integrations_held.close()
