"""Several servers on one PostgreSQL: this server's heartbeat, and the runs it takes over.

Every `ml-intern web` on a shared database writes, every third of `server.takeover_after_s`,
a heartbeat and the runs it holds (store/live_runs.py). When a server stays silent longer
(killed, its machine gone, or hung), the first other server to notice claims each of its
runs (one claim wins), in the order they came. A running one: it ends the silent server's
database session that still holds the thread's lock (a hung process or a vanished machine
keeps it otherwise), and starts a run of the thread with no new input on itself: LangGraph
continues from the last checkpoint, so a tool call cut off before its result is run again
and answered once. A run still waiting its turn is started there as it was asked: its
input (and command, stream and interrupt settings) is booked with it when it is held, read
from the runtime's own record of the run, the one its worker would have started it from.
(Only those fields: never its config, which may carry request headers.) Either way the old
run id leads to the new run. A server that comes back to find a run of its own taken over
cancels its copy at its next beat; a step it finishes before that is still written
(checkpoint writes carry no fencing token).

Where people sign in, each beat also counts every person's runs on the other servers, so
`server.runs_per_person` holds across them (to within a beat: two servers admitting at the
same instant may let one person have a run or two over). Such runs carry the person's own
Hub token, which only the server they signed in on holds: they are not taken over.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
import os
import uuid
from dataclasses import dataclass, field
from typing import Any

import httpx

from serve.run_admission import admission
from store import live_runs
from store.database import DatabaseError, connect_kwargs, database_url
from store.postgres_lock import end_holder
from tools.hub import user_tokens

ADDRESS_ENV = "ML_INTERN_SERVER_URL"  # where the other servers reach this one
WORKER_URL_ENV = "ML_INTERN_WORKER_URL"  # a worker's own address (`ml-intern web --workers`)
CONTEXT_KEYS = ("workspace", "mode", "max_iterations", "max_cost_usd", "front_end")
START_KEYS = ("input", "command", "stream_mode", "interrupt_before", "interrupt_after")
log = logging.getLogger(__name__)


@dataclass
class ThisServer:
    """This process among the servers of one database: its id, address and own runs."""

    url: str
    stale_s: float
    server_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    # Where this server reaches itself: a worker's own address (its shared one may land on
    # another worker), else the address a request reached it at.
    local: str | None = field(default_factory=lambda: os.environ.get(WORKER_URL_ENV) or None)
    session_name: str = field(default_factory=lambda: connect_kwargs()["application_name"])
    runs: dict[str, str] = field(default_factory=dict)  # run id -> thread id, held here
    beating: asyncio.Task[None] | None = None

    @property
    def address(self) -> str | None:
        """Where the other servers reach this one: ML_INTERN_SERVER_URL, else where a
        request reached it (right when the servers share a machine or a network)."""
        return os.environ.get(ADDRESS_ENV) or self.local

    def learn_address(self, scope: Any) -> None:
        if self.local is None and scope.get("server"):
            host, port = scope["server"]
            self.local = f"http://{f'[{host}]' if ':' in host else host}:{port}"

    async def start(self) -> None:
        """Beat once now (a run is never held by a server the database does not know), then
        keep beating in the background."""
        if self.beating is None:
            await asyncio.to_thread(self.beat)
            self.beating = asyncio.create_task(self.keep_beating(), context=contextvars.Context())

    def beat(self) -> None:
        live_runs.beat(self.url, self.server_id, self.address, self.session_name)

    async def keep_beating(self) -> None:
        while True:
            await asyncio.sleep(self.stale_s / 3)
            try:
                await asyncio.to_thread(self.beat)
                await self.give_up_taken_runs()
                if user_tokens.people_sign_in():  # one person's cap counts every server
                    share = await asyncio.to_thread(admission)
                    share.running_elsewhere(await asyncio.to_thread(
                        live_runs.running_elsewhere, self.url, self.server_id, self.stale_s
                    ))  # fmt: skip
                else:
                    for orphan in await asyncio.to_thread(live_runs.orphans, self.url,
                                                          self.stale_s):  # fmt: skip
                        await self.take_over(orphan)
            except DatabaseError as error:  # the database is away: try again next beat
                log.warning("ml-intern: heartbeat not written: %s", error)
            except Exception:
                log.exception("ml-intern: the heartbeat failed; it goes on")

    async def hold(self, run_id: str, thread_id: str, configurable: dict[str, Any]) -> None:
        await self.start()
        self.runs[run_id] = thread_id
        person = user_tokens.identity_in(configurable)
        context = {k: configurable[k] for k in CONTEXT_KEYS if configurable.get(k) is not None}
        start = await run_start(run_id, thread_id)
        await asyncio.to_thread(
            live_runs.hold, self.url, run_id, thread_id, self.server_id,
            person if isinstance(person, str) else None, context, start,
        )  # fmt: skip

    async def running(self, run_id: str) -> None:
        await asyncio.to_thread(live_runs.running, self.url, run_id)

    async def let_go(self, run_id: str) -> None:
        self.runs.pop(run_id, None)
        try:
            await asyncio.to_thread(live_runs.drop, self.url, run_id)
        except DatabaseError as error:  # its row goes when this server's heartbeat does
            log.warning("ml-intern: run %s not struck off: %s", run_id, error)

    async def take_over(self, orphan: live_runs.Orphan) -> None:
        """Claim a silent server's run; a running one: free its thread's lock and continue it
        here; a waiting one: start it here as it was asked, after its thread's earlier runs."""
        if not await asyncio.to_thread(live_runs.claim, self.url, orphan, self.server_id):
            return  # another server was first
        body: dict[str, Any] = {"assistant_id": "ml_intern", "input": None,
                                "context": orphan.context}  # fmt: skip
        if orphan.start is not None:
            body |= {k: v for k, v in orphan.start.items() if k in START_KEYS and v is not None}
            body["multitask_strategy"] = "enqueue"
        elif orphan.session_name:
            await asyncio.to_thread(end_holder, self.url, orphan.thread_id, orphan.session_name)
        new_run = None
        try:
            async with self.own_api() as api:
                answer = await api.post(f"/threads/{orphan.thread_id}/runs", json=body)
            if answer.status_code == 200:
                new_run = str(answer.json()["run_id"])
            else:
                log.warning("ml-intern: run %s not resumed: %s", orphan.run_id, answer.text)
        finally:
            await asyncio.to_thread(live_runs.resumed, self.url, orphan.run_id, new_run)
        log.warning("ml-intern: took over run %s of thread %s (silent server) as run %s",
                    orphan.run_id, orphan.thread_id, new_run)  # fmt: skip

    async def give_up_taken_runs(self) -> None:
        """Cancel this server's copy of any run another server took over (this one was
        silent too long: hung, or cut off from the database)."""
        held = list(self.runs)
        for run_id in await asyncio.to_thread(live_runs.taken_from, self.url, self.server_id,
                                              held):  # fmt: skip
            thread_id = self.runs.pop(run_id, None)
            log.warning("ml-intern: run %s was taken over by another server; stopping it here",
                        run_id)  # fmt: skip
            async with self.own_api() as api:
                await api.post(f"/threads/{thread_id}/runs/{run_id}/cancel")

    def own_api(self) -> httpx.AsyncClient:
        token = os.environ.get("ML_INTERN_WEB_TOKEN")
        return httpx.AsyncClient(
            base_url=self.local or self.address or "", timeout=30, trust_env=False,
            headers={"Authorization": f"Bearer {token}"} if token else None,
        )  # fmt: skip


async def run_start(run_id: str, thread_id: str) -> dict[str, Any] | None:
    """What the runtime will start `run_id` with (its input, command...), read from the run's
    own record, the one its worker reads: None if the runtime has no such run."""
    from langgraph_runtime.database import connect
    from langgraph_runtime.ops import Runs

    async def read() -> dict[str, Any] | None:
        async with connect() as conn:
            async for run in await Runs.get(
                conn, uuid.UUID(run_id), thread_id=uuid.UUID(thread_id)
            ):
                return {k: run["kwargs"].get(k) for k in START_KEYS}
        return None

    try:  # in an empty context: no request's person filters the runtime's answer
        return await asyncio.create_task(read(), context=contextvars.Context())
    except ValueError:  # not a run id the runtime makes
        return None


_SERVER: list[ThisServer] = []  # this process's one identity, made at first use


def this_server() -> ThisServer | None:
    """This process among the database's servers; None on SQLite (one server per home)."""
    url = database_url()
    if url is None:
        return None
    if not _SERVER or _SERVER[0].url != url:
        from serve.server_settings import server_settings

        _SERVER[:] = [ThisServer(url, server_settings().server.takeover_after_s)]
    return _SERVER[0]
