"""Which runs of this server go now, and why the others wait.

`langgraph dev` takes on every run it is given (up to its job count); `serve/web_graph.py`
then asks `admission()` before the run does anything. At most `server.runs_at_once` runs go
at once: the rest wait in the order they came, each knowing why. (Where people sign in, one
person has at most `server.runs_per_person` runs waiting or running: one more is refused
before it is made, serve/person_run_cap.py, so one person's runs never fill the queue.) A
waiting run is a suspended coroutine (no model call, no thread lock).
`GET /web/threads/{id}/waiting` tells the page.

    async with admission().slot(thread_id, person):
        ...run...
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from serve.sign_in_sessions import person_from_scope
from tools.hub import user_tokens

# How many runs `langgraph dev` may hand over beyond those that go: they wait here, in order
# and with a reason, instead of in the server's own queue where nobody can say why.
WAITING_ROOM = 1024


@dataclass(eq=False)
class Ticket:
    """One run asking to go: its thread, its person (None: nobody signs in), its turn."""

    thread_id: str
    person: str | None
    admitted: asyncio.Future[None] = field(repr=False)


class Admission:
    """Runs in flight: at most `at_once`; the rest wait, first come first served."""

    def __init__(self, at_once: int) -> None:
        self.at_once = at_once
        self.running: list[Ticket] = []
        self.waiting: list[Ticket] = []

    @asynccontextmanager
    async def slot(self, thread_id: str, person: str | None) -> AsyncIterator[None]:
        """Wait for this run's turn, hold it inside, give it back however the run ends."""
        ticket = Ticket(thread_id, person, asyncio.get_running_loop().create_future())
        self.waiting.append(ticket)
        self.admit()
        try:
            await ticket.admitted
        except BaseException:
            self.drop(ticket)  # cancelled while waiting, or admitted the instant it was
            raise
        try:
            yield
        finally:
            self.drop(ticket)

    def drop(self, ticket: Ticket) -> None:
        for queue in (self.waiting, self.running):
            if ticket in queue:
                queue.remove(ticket)
        self.admit()

    def admit(self) -> None:
        """Let go, in order, every waiting run that fits under the cap."""
        for ticket in list(self.waiting):
            if len(self.running) >= self.at_once:
                return
            if ticket.admitted.done():
                continue
            self.waiting.remove(ticket)
            self.running.append(ticket)
            ticket.admitted.set_result(None)

    def why_waiting(self, thread_id: str, person: str | None) -> str | None:
        """Why `person`'s run on `thread_id` waits, in a sentence; None if it does not."""
        ticket = next((t for t in self.waiting if t.thread_id == thread_id), None)
        if ticket is None or ticket.person != person:
            return None  # another person's thread says nothing
        ahead = self.waiting.index(ticket)
        queue = f"; {ahead} waiting run(s) are ahead of this one" if ahead else ""
        return (
            f"Waiting: the server is running all {self.at_once} runs it runs at once{queue}. "
            "This one starts when a run ends."
        )


_SERVER: list[Admission] = []  # this server process's one admission, made at first use


def admission() -> Admission:
    """The server's admission, sized by the config's `server` block."""
    if not _SERVER:
        from serve.server_settings import server_settings

        limits = server_settings().server
        _SERVER.append(Admission(limits.runs_at_once))
    return _SERVER[0]


async def waiting(request: Request) -> JSONResponse:
    """`{"waiting": reason or null}` for the caller's run on this thread (another person's
    thread answers null, as a thread with no waiting run does)."""
    person = None
    if user_tokens.people_sign_in():
        signed_in = person_from_scope(request.scope)
        person = signed_in.identity if signed_in else None
    share = await asyncio.to_thread(admission)
    return JSONResponse({"waiting": share.why_waiting(request.path_params["thread_id"], person)})


ROUTES = [Route("/web/threads/{thread_id}/waiting", waiting, methods=["GET"])]
