"""The interactive REPL: prompt_toolkit input, rendered events, approvals, slash commands.

The prompt appears at once: the agent runtime (langgraph, langchain, litellm: seconds to
import) loads in a background thread while the user types, and the first message waits
for it only if it is not done yet.

Ctrl-C during a turn cancels it (running tools are killed, the thread stays consistent);
a second Ctrl-C within a second quits. Ctrl-C at an approval rejects the remaining
requests; at the prompt it clears the line (twice quits). Ctrl-D quits.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import time
from collections.abc import AsyncIterator, Callable
from typing import TYPE_CHECKING, Any

from prompt_toolkit import PromptSession
from prompt_toolkit.history import FileHistory
from prompt_toolkit.key_binding import KeyBindings
from rich.console import Console
from rich.text import Text

from cli.commands import COMMANDS, run_command
from cli.hf_token import maybe_ask_hf_token
from cli.render import Renderer, approval_panel, recap
from cli.walls_warning import YOLO_ON_UNWALLED, walled
from cli.warmup import Warmup as RuntimeWarmup

if TYPE_CHECKING:
    from cli.target import Target
    from configs.settings import Settings
    from graph.events import Event
    from graph.session import Session

DOUBLE_PRESS_S = 1.0
PROMPT = "› "


def sandbox_badge(settings: Settings) -> list[tuple[str, str]]:
    """The banner's note on the sandbox, so the user knows where commands run."""
    if settings.sandbox.mode != "local":
        return []
    net = "network on" if settings.sandbox.network else "no network"
    return [(f"\nsandbox on: commands run under bubblewrap ({net})", "green")]


APPROVAL_PROMPT = "y / n / yolo / or tell it what to do instead › "


def run_repl(settings: Settings, target: Target, *, model: str | None = None) -> int:
    return asyncio.run(Repl(settings, target, model).run())


class Warmup(RuntimeWarmup):
    """The runtime's imports, started with the REPL; the first message waits for them."""

    async def wait(self, console: Console) -> None:
        if self.thread.is_alive():
            with console.status("Loading the agent runtime…"):
                await asyncio.to_thread(self.thread.join)
        if self.error is not None:
            raise self.error


def input_bindings() -> KeyBindings:
    """Alt-Enter (Esc Enter) inserts a newline; pasted text keeps its newlines."""
    bindings = KeyBindings()

    @bindings.add("escape", "enter")
    def _newline(event: Any) -> None:
        event.current_buffer.insert_text("\n")

    return bindings


class Repl:
    def __init__(self, settings: Settings, target: Target, model: str | None) -> None:
        from configs.environment import ml_intern_home

        self.settings = settings
        self.home = ml_intern_home()
        self.home.mkdir(parents=True, exist_ok=True)
        self.console = Console()
        self.thread_id = target.thread_id
        self.resuming = target.resuming
        self.model_override = model
        from models.chat_model import through_litellm

        self.warmup = Warmup(litellm=through_litellm(model or settings.model_name, settings))
        self.stack = contextlib.AsyncExitStack()
        # MCP sessions and the Slack notifier live as long as the REPL, across /new and /resume.
        self.process_stack = contextlib.AsyncExitStack()
        self.integrations: Any = None
        self.session: Session | None = None
        self.quitting = False
        self.turn_running = False
        self.last_interrupt = 0.0
        self.input = PromptSession(
            history=FileHistory(str(self.home / "repl_history")),
            key_bindings=input_bindings(),
            enable_history_search=True,
        )
        self.approvals: PromptSession[str] = PromptSession()

    # -- the loop -----------------------------------------------------------

    async def run(self) -> int:
        self.warmup.start()
        self.console.print(
            Text.assemble(
                ("ml-intern", "bold"),
                f"  {self.header_model()}  ·  /help for commands, Ctrl-D to quit",
                *sandbox_badge(self.settings),
            )
        )
        await maybe_ask_hf_token(self.console)
        loop = asyncio.get_running_loop()
        loop.add_signal_handler(signal.SIGINT, self.on_sigint)
        try:
            if self.resuming:
                await self.switch_to(self.thread_id)
            while not self.quitting:
                text = await self.read_line()
                if text is None:
                    break
                await self.handle(text)
        finally:
            loop.remove_signal_handler(signal.SIGINT)
            await self.close_session()
            await self.process_stack.aclose()
        return 0

    def header_model(self) -> str:
        """The model the first message will use: --model, else a resumed thread's own."""
        from cli.target import Target, thread_model

        resumed = Target(self.thread_id, resuming=self.resuming)
        return self.model_override or thread_model(resumed) or self.settings.model_name

    async def handle(self, text: str) -> None:
        """One input: a slash command or a message. A failure is shown, never fatal."""
        try:
            if text.startswith("/"):
                await run_command(self, text)
            elif text:
                await self.send(text)
        except Exception as error:
            if os.environ.get("ML_INTERN_DEBUG"):
                raise
            self.console.print(Text(f"Error: {type(error).__name__}: {error}", style="bold red"))

    async def read_line(self) -> str | None:
        """The next input, stripped; None when the user quits (Ctrl-D, or Ctrl-C twice)."""
        while True:
            try:
                return (await self.input.prompt_async(PROMPT, handle_sigint=False)).strip()
            except EOFError:
                return None
            except KeyboardInterrupt:
                if self.pressed_twice():
                    return None
                self.console.print(Text("(Ctrl-C again or Ctrl-D to quit)", style="dim"))

    def pressed_twice(self) -> bool:
        now = time.monotonic()
        twice = now - self.last_interrupt < DOUBLE_PRESS_S
        self.last_interrupt = now
        return twice

    # -- the thread ---------------------------------------------------------

    async def ensure_session(self) -> Session:
        if self.session is None:
            await self.warmup.wait(self.console)
            from graph.session import Session

            integrations = await self.ensure_integrations()
            self.session = await self.stack.enter_async_context(
                Session.open(
                    self.settings,
                    thread_id=self.thread_id,
                    extra_specs=integrations.mcp_specs(),
                    notifier=integrations.notifier,
                )
            )
            self.thread_id = self.session.thread_id
        return self.session

    async def ensure_integrations(self) -> Any:
        """Start MCP servers and the notifier once; show start-up warnings (a dead server...)."""
        if self.integrations is None:
            from tools.external.family import open_integrations

            self.integrations = await self.process_stack.enter_async_context(
                open_integrations(self.settings, home=self.home)
            )
            for warning in self.integrations.take_warnings():
                self.console.print(Text(f"Warning: {warning}", style="yellow"))
        return self.integrations

    async def offer_to_delete_sandboxes(self, thread_id: str) -> None:
        """A thread's Hub sandboxes bill while they run: say so and offer to delete them."""
        from langchain_core.tools import ToolException

        from tools.hub.sandbox_lifecycle import delete_sandbox
        from tools.hub.sandbox_records import sandbox_line, thread_sandboxes

        boxes = thread_sandboxes(self.home, thread_id)
        if not boxes:
            return
        listed = "\n".join(map(sandbox_line, boxes))
        self.console.print(Text(f"Hub sandboxes of this thread:\n{listed}", style="yellow"))
        try:
            answer = await self.approvals.prompt_async("Delete them? [y/N] ")
        except (KeyboardInterrupt, EOFError):  # Ctrl-C / Ctrl-D: no, and the thread still closes
            answer = ""
        if answer.strip().lower() not in {"y", "yes"}:
            self.console.print(Text("Kept them (delete later with hf_sandbox).", style="dim"))
            return
        for box in boxes:
            try:
                self.console.print(await delete_sandbox(self.home, thread_id, box.repo_id))
            except ToolException as error:
                self.console.print(Text(str(error), style="red"))

    async def close_session(self) -> None:
        """Close the thread; tell the user how to come back to it."""
        session, self.session = self.session, None
        try:
            if session is not None:
                await self.offer_to_delete_sandboxes(session.thread_id)
        finally:  # whatever happens there, the thread's lock and saver are released
            await self.finish_closing(session)

    async def finish_closing(self, session: Session | None) -> None:
        if session is not None and session.info() is not None:
            self.console.print(
                Text.assemble(
                    ("Thread ", "dim"),
                    (session.thread_id, "bold"),
                    ("  ·  resume it with: ", "dim"),
                    (f"ml-intern --resume {session.thread_id}", "bold"),
                ),
                soft_wrap=True,  # one line, so the command can be copied whole
            )
        await self.stack.aclose()
        self.stack = contextlib.AsyncExitStack()

    async def switch_to(self, thread_id: str | None) -> None:
        """Open another thread (None: a new one); show where a resumed thread stands."""
        await self.close_session()
        self.thread_id = thread_id
        self.resuming = thread_id is not None
        if thread_id is None:
            return
        session = await self.ensure_session()
        info = session.info()
        values = await session.values()
        messages = list(values.get("messages") or [])
        title = f" — {info.title}" if info and info.title else ""
        model = self.model_override or values.get("model") or self.settings.model_name
        self.console.print(
            Text(
                f"Resumed thread {thread_id}{title} ({len(messages)} messages, model {model})",
                style="green",
            )
        )
        for shown in recap(messages):
            self.console.print(shown)
        if await session.has_unfinished_run():
            self.console.print(Text("Finishing the run that was cut off…", style="yellow"))
            await self.drive(session.continue_pending)
        elif pending := await session.pending_approval():
            await self.answer(pending)

    # -- turns --------------------------------------------------------------

    async def send(self, text: str) -> None:
        session = await self.ensure_session()
        # --model on a resumed thread: switch at the first message, after any pending work.
        model, self.model_override = self.model_override, None
        if model and self.resuming and model != (await session.values()).get("model"):
            await session.set_model(model)
        await self.drive(lambda: session.send(text))
        if self.settings.upload.enabled:
            from cli.sharing import upload_thread

            self.console.print(Text(await upload_thread(session), style="dim"))

    async def drive(self, start: Callable[[], AsyncIterator[Event]]) -> None:
        """Run events to the end of the turn, answering approvals on the way."""
        pending = await self.render(start())
        if pending is not None:
            await self.answer(pending)

    async def render(self, events: AsyncIterator[Event]) -> dict[str, Any] | None:
        """Render one run; returns the approval request it stopped at, if any."""
        limits = {
            "max_iterations": self.settings.max_iterations,
            "max_cost": self.settings.max_cost_usd,
        }
        renderer = Renderer(self.console, limits=limits)
        pending = None
        self.turn_running = True
        try:
            async for event in events:
                renderer.event(event)
                if event.type == "approval_required":
                    pending = dict(event.data)
        finally:
            self.turn_running = False
            renderer.close()
        return pending

    async def answer(self, pending: dict[str, Any] | None) -> None:
        """Ask the human about each request, resume, and keep going until the turn ends."""
        session = await self.ensure_session()
        while pending is not None and not self.quitting:
            decisions, yolo = await self.ask(pending)
            pending = await self.render(session.resume(decisions, yolo=yolo))

    async def ask(self, pending: dict[str, Any]) -> tuple[list[dict[str, Any]], bool]:
        requests = list(pending.get("action_requests") or [])
        decisions: list[dict[str, Any]] = []
        yolo = False
        for number, request in enumerate(requests, start=1):
            self.console.print(approval_panel(request, number, len(requests)))
            try:
                reply = await self.ask_one()
            except (KeyboardInterrupt, EOFError):
                left = len(requests) - len(decisions)
                decisions += [{"type": "reject"}] * left
                self.console.print(Text(f"Rejected {left} request(s).", style="yellow"))
                break
            if reply.lower() == "yolo" and pending.get("kind") != "doom_loop":
                decisions += [{"type": "approve"}] * (len(requests) - len(decisions))
                yolo = True
                self.console.print(
                    Text("Yolo: everything is auto-approved from now on in this thread.", "yellow")
                )
                if not walled(self.settings):
                    self.console.print(Text(YOLO_ON_UNWALLED, "yellow"))
                break
            decisions.append(decision_for(reply))
        return decisions, yolo

    async def ask_one(self) -> str:
        while True:
            reply = (
                await self.approvals.prompt_async(APPROVAL_PROMPT, handle_sigint=False)
            ).strip()
            if reply:
                return reply

    def on_sigint(self) -> None:
        """Ctrl-C outside a prompt: cancel the running turn; a second one within 1 s quits.

        (At a prompt the terminal is raw, so Ctrl-C arrives as a key, not as this signal.)
        """
        if self.session is None or not self.turn_running:
            return
        if self.pressed_twice():
            self.quitting = True
        self.console.print(Text("Interrupting…", style="yellow"))
        self.session.cancel()


def decision_for(reply: str) -> dict[str, Any]:
    """y / n, or any other text: a rejection carrying that text as feedback for the model."""
    word = reply.strip().lower()
    if word in {"y", "yes"}:
        return {"type": "approve"}
    if word in {"n", "no"}:
        return {"type": "reject"}
    return {"type": "reject", "message": reply.strip()}


__all__ = ["COMMANDS", "Repl", "decision_for", "run_repl"]
