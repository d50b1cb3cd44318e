"""One ACP session = one thread: drives its Session's turns, asks the client for approvals.

The same Session API the REPL uses (send, resume with decisions, cancel); a cancel is the
REPL's Ctrl-C. When the client goes away mid-turn the turn is cancelled the same way, so the
thread on disk is consistent and resumable anywhere.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import aclosing
from typing import TYPE_CHECKING, Any

from acp import RequestError, update_agent_message_text
from acp.helpers import update_current_mode
from acp.schema import AllowedOutcome, PermissionOption

from cli.acp.updates import EventUpdates
from cli.exit_codes import STOP_MESSAGES

if TYPE_CHECKING:
    from acp.interfaces import Client

    from cli.acp.client_files import ClientFiles
    from graph.events import Event
    from graph.session import Session

ALLOW, ALLOW_ALWAYS, REJECT = "allow", "allow_always", "reject"
OPTIONS = [
    PermissionOption(option_id=ALLOW, name="Allow once", kind="allow_once"),
    PermissionOption(
        option_id=ALLOW_ALWAYS, name="Allow all for this thread (yolo)", kind="allow_always"
    ),
    PermissionOption(option_id=REJECT, name="Reject", kind="reject_once"),
]
# A doom-loop escalation is a yes/no question, never a blanket yes.
LOOP_OPTIONS = [OPTIONS[0], OPTIONS[2]]
STOP_REASONS = {
    "done": "end_turn",
    "interrupted": "cancelled",
    "max_iterations": "max_turn_requests",
}


class AcpThread:
    """A client's session on one thread; at most one turn runs at a time."""

    def __init__(
        self, session: Session, client: Client, session_id: str, editor: ClientFiles | None = None
    ) -> None:
        self.session = session
        self.editor = editor  # the client's files, when it offered them
        self.notes: list[str] = []  # told the editor once the session is announced
        self.mcp_servers: list[Any] = []  # the editor's own, for a reopening
        self.sandboxed = False  # commands run under bubblewrap
        self.client = client
        self.session_id = session_id
        self.events = self._updates(session)
        self.idle = asyncio.Event()  # no turn is running
        self.idle.set()
        self.cancelled = False
        self.client_gone = False
        self.loaded = False  # opened by session/load: a cut-off run is finished first

    def use(self, session: Session, *, sandboxed: bool) -> None:
        """The same thread reopened (the sandbox switched): its tools may have changed."""
        self.session, self.sandboxed = session, sandboxed
        self.events = self._updates(session)

    def _updates(self, session: Session) -> EventUpdates:
        events = EventUpdates(session.deps.catalog, session.workspace, self._window)
        session.observer = events.look  # a write's diff is read before the write runs
        return events

    @property
    def running(self) -> bool:
        return not self.idle.is_set()

    def _window(self, model: str) -> int | None:
        from configs.model_profile import profile_of

        return profile_of(
            model or self.session.settings.model_name, self.session.settings
        ).context_window

    def refuse_if_running(self) -> None:
        if self.running:
            raise RequestError(
                -32600,
                "A prompt is already running in this session: wait for it, or cancel it "
                "(session/cancel) first.",
            )

    async def send_update(self, update: Any) -> None:
        """Send one update; a client that went away stops receiving, the turn goes on."""
        if self.client_gone:
            return
        try:
            await self.client.session_update(session_id=self.session_id, update=update)
        except ConnectionError:
            self.client_gone = True

    async def run(self, start: Callable[[], AsyncIterator[Event]]) -> str:
        """Run a turn to its end (answering approvals); returns the ACP stop reason."""
        self.refuse_if_running()
        self.cancelled = False
        self.idle.clear()
        try:
            return await self._drive(start)
        finally:
            self.idle.set()

    async def _drive(self, start: Callable[[], AsyncIterator[Event]]) -> str:
        stop, pending = await self._forward(start())
        while pending is not None and not self.client_gone:
            decisions, yolo = await self._ask(pending)
            if decisions is None:
                return "cancelled"  # the client went away while asked: the approval stays
            if yolo:
                await self.send_update(update_current_mode("yolo"))
            stop, pending = await self._forward(self.session.resume(decisions, yolo=yolo))
        return stop

    async def _forward(self, events: AsyncIterator[Event]) -> tuple[str, dict[str, Any] | None]:
        """Send a run's updates; the run is always read to its end (it releases the thread)."""
        ended: Mapping[str, Any] | None = None
        pending, error = None, None
        async with aclosing(events):  # type: ignore[type-var]
            async for event in events:
                if self.cancelled and event.type != "processing":
                    self.session.cancel()  # a cancel that came while the client was asked
                for update in await self.events.translated(event):
                    await self.send_update(update)
                if event.type == "approval_required":
                    pending = dict(event.data)
                elif event.type == "error" and event.data.get("fatal"):
                    error = str(event.data.get("message", "error"))
                elif event.type == "turn_complete":
                    ended = event.data
        stop = "end_turn" if ended is None else await self._stopped(ended, error)
        return stop, pending

    async def _stopped(self, data: Mapping[str, Any], error: str | None) -> str:
        reason = str(data.get("stop_reason") or "done")
        if reason == "error":
            raise RequestError(-32603, f"The turn stopped with an error: {error or 'unknown'}")
        if reason not in ("done", "interrupted") and (message := STOP_MESSAGES.get(reason)):
            limit = {
                "max_iterations": self.session.max_iterations,
                "max_cost": self.session.max_cost_usd,
            }.get(reason)
            text = message.format(limit=limit)
            await self.send_update(update_agent_message_text(f"\n\n{text}"))
        return STOP_REASONS.get(reason, "end_turn")

    async def _ask(self, pending: Mapping[str, Any]) -> tuple[list[dict[str, Any]] | None, bool]:
        """One permission request per action, in order; None when the client is gone."""
        requests = list(pending.get("action_requests") or [])
        options = LOOP_OPTIONS if pending.get("kind") == "doom_loop" else OPTIONS
        decisions: list[dict[str, Any]] = []
        for number, request in enumerate(requests):
            if self.cancelled:
                break
            call = self.events.permission_call(request, f"{pending.get('interrupt_id')}-{number}")
            try:
                answer = await self.client.request_permission(
                    session_id=self.session_id, tool_call=call, options=options
                )
            except ConnectionError:
                self.client_gone = True
                return None, False
            chosen = (
                answer.outcome.option_id if isinstance(answer.outcome, AllowedOutcome) else None
            )
            if chosen == ALLOW_ALWAYS:
                return [*decisions, *[{"type": "approve"}] * (len(requests) - len(decisions))], True
            decisions.append({"type": "approve" if chosen == ALLOW else "reject"})
        rejected = [{"type": "reject"}] * (len(requests) - len(decisions))  # a cancel rejects
        return [*decisions, *rejected], False

    def cancel(self) -> None:
        """session/cancel: the REPL's Ctrl-C (running tools are killed, the thread stays valid)."""
        if self.running:
            self.cancelled = True
            self.session.cancel()
