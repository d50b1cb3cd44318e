"""The compat module of Aegra: everything the team server changes in it or writes into its tables.

Aegra 0.11 (`PIN`, as pyproject.toml pins it) has no public way for any of these (the upstream
changes we would propose are in docs/architecture.md, "What we fill in Aegra"):
- the checkpointer: it builds its own saver and looks it up on every request, so ours
  (store/postgres_saver.py: the thread index, undo, copies) replaces it in its database
  manager (`use_saver`);
- one run per thread: it stores `multitask_strategy` and never reads it, so two runs on one
  thread would both execute. A partial unique index on its `runs` table (`ONE_RUN_SQL`, made
  by serve/aegra/schema.py) lets a thread hold one pending or running run; a second insert
  fails, and serve/aegra/app.py says 409;
- a thread made elsewhere (the CLI on the same database): Aegra lists, opens and resumes only
  threads it has a row for, so serve/aegra/thread_records.py writes the row (`THREAD_UPSERT`);
- its default assistant, made before a replica starts (`ASSISTANT_SQL`, `VERSION_SQL`): two
  replicas starting together would both insert it;
- how soon `/runs/wait` and `/join` see a run's end: Aegra looks at the run's Redis done-key
  every 2 s (`WorkerExecutor.wait_for_completion`), so a run that took 0.1 s answers up to 2 s
  late. `quick_run_waits` wakes a wait the moment its run ends in this process (`RUNS_HERE`,
  told by the worker's `execute_run`); a run that has not started here yet, or runs on
  another replica, is looked for after 50 ms, doubling up to Aegra's 2 s (`WAIT_POLL_S`);
- LangGraph's `debug` events of every run: Aegra asks the graph for them whether the run
  asked or not, for callbacks its runs leave empty, and drops them unread. A run that did
  not ask for them runs without them (`stream_only_what_is_asked`);
- a run no one streams (`/runs/wait`: serve/aegra/run_metadata.py names no stream mode for it,
  `NOT_STREAMED`): Aegra would publish its whole state to Redis after every step (its
  default mode, `values`) for no reader; such a run publishes only the last (its output).
Each hook and each table's columns we write are checked against the installed Aegra
(`problems`); tests/compat/test_aegra.py fails naming what moved.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
from collections.abc import AsyncIterator, Iterator, Sequence
from typing import Any

from compat.pins import Hook, Pin
from compat.pins import problems as hook_problems

PIN = Pin("aegra-api", ">=0.11,<0.12")
HOOKS = (
    Hook("aegra_api.core.database", "db_manager._checkpointer"),
    Hook("aegra_api.core.database", "DatabaseManager.get_checkpointer", ("self",)),
    Hook("aegra_api.core.migrations", "run_migrations_if_needed"),
    Hook("aegra_api.constants", "ASSISTANT_NAMESPACE_UUID"),
    Hook("aegra_api.services.worker_executor", "WorkerExecutor.wait_for_completion",
         ("self", "run_id", "timeout")),
    Hook("aegra_api.services.worker_executor", "_is_run_terminal", ("run_id",)),
    Hook("aegra_api.services.worker_executor", "redis_manager"),
    Hook("aegra_api.services.worker_executor", "execute_run", ("job",)),
    Hook("aegra_api.services.worker_executor", "settings"),
    Hook("aegra_api.services.run_executor", "stream_graph_events",
         ("graph", "input_data", "config", "stream_mode", "context", "subgraphs", "output_keys",
          "durability", "on_checkpoint", "on_task_result")),
    # A run's stream modes as named (`NOT_STREAMED` kept); its output, its last `values` event.
    Hook("aegra_api.services.run_executor", "_resolve_stream_modes", ("stream_mode",)),
    Hook("aegra_api.services.run_executor", "_stream_legacy",
         ("job", "graph", "execution_input", "run_config", "stream_modes", "result")),
)  # fmt: skip
# A run's end is looked for after the first interval, each next one doubled up to the last
# (Aegra's own); the database (when Redis lost the key) every `WAIT_DB_S`, as Aegra does.
WAIT_POLL_S, WAIT_DB_S = (0.05, 2.0), 4.0
# The columns of Aegra's tables that the SQL below reads or writes (and serve/aegra/run_cap.py
# reads: a person's pending and running runs).
COLUMNS = {
    "runs": ("thread_id", "status", "user_id"),
    "thread": ("thread_id", "status", "metadata_json", "user_id", "updated_at"),
    "assistant": ("assistant_id", "name", "description", "graph_id", "config", "user_id", "metadata"),
    "assistant_versions": ("assistant_id", "version", "name", "description", "graph_id", "metadata"),
}  # fmt: skip

ONE_RUN_INDEX = "ml_intern_one_run_per_thread"
ONE_RUN_SQL = (
    f"CREATE UNIQUE INDEX IF NOT EXISTS {ONE_RUN_INDEX} ON runs (thread_id) "
    "WHERE status IN ('pending', 'running')"
)
ANONYMOUS = "anonymous"  # Aegra's identity for every caller when no auth file is set
THREAD_UPSERT = """
INSERT INTO thread (thread_id, status, metadata_json, user_id)
VALUES (?, ?, ?::jsonb, ?)
ON CONFLICT (thread_id) DO UPDATE
SET status = excluded.status,
    metadata_json = thread.metadata_json || jsonb_strip_nulls(excluded.metadata_json),
    updated_at = now()
WHERE thread.user_id = excluded.user_id
  AND thread.status IN ('idle', 'interrupted')
  AND NOT EXISTS (
    SELECT 1 FROM runs WHERE runs.thread_id = thread.thread_id
    AND runs.status IN ('pending', 'running'))
"""
ASSISTANT_SQL = (
    "INSERT INTO assistant (assistant_id, name, description, graph_id, config, user_id, metadata) "
    "VALUES (%s, %s, %s, %s, '{}'::jsonb, 'system', %s::jsonb) ON CONFLICT DO NOTHING"
)
VERSION_SQL = (
    "INSERT INTO assistant_versions (assistant_id, version, name, description, graph_id, metadata) "
    "VALUES (%s, 1, %s, %s, %s, %s::jsonb) ON CONFLICT DO NOTHING"
)


class EngineChanged(RuntimeError):
    """The installed Aegra no longer has what the team server relies on."""


def problems() -> list[str]:
    """Every way the installed Aegra differs from what this module was written for."""
    found = hook_problems(PIN, HOOKS)
    try:
        from aegra_api.core.orm import Base
    except ImportError:
        return [*found, f"{PIN.library} {PIN.installed()}: aegra_api.core.orm is gone"]
    for table, columns in COLUMNS.items():
        known = Base.metadata.tables.get(table)
        have = set() if known is None else {column.name for column in known.columns}
        missing = [column for column in columns if column not in have]
        if missing:
            found.append(
                f"{PIN.library} {PIN.installed()}: its `{table}` table has no {', '.join(missing)}"
            )
    return found


def use_saver(saver: Any) -> None:
    """Aegra's database manager hands `saver` to every graph it runs from now on; refuses
    (EngineChanged, saying what moved) when the installed Aegra is not the one pinned."""
    _refuse_a_changed_aegra()
    from aegra_api.core.database import db_manager

    db_manager._checkpointer = saver


def _refuse_a_changed_aegra() -> None:
    found = problems()
    if found:
        raise EngineChanged(
            "ml-intern's team server was built on another Aegra release (pyproject.toml pins "
            f"it): {'; '.join(found)}. Install the pinned release: uv sync --locked."
        )


class RunsHere:
    """The runs this process's workers execute now, and the waits to wake when one ends."""

    def __init__(self) -> None:
        self.running: set[str] = set()
        self.waits: dict[str, set[asyncio.Event]] = {}

    def started(self, run_id: str) -> None:
        self.running.add(run_id)

    def ended(self, run_id: str) -> None:
        """The run's execution here is over (done, failed, or handed back to the queue)."""
        self.running.discard(run_id)
        for ended in self.waits.get(run_id, ()):
            ended.set()

    @contextlib.contextmanager
    def waiting(self, run_id: str) -> Iterator[asyncio.Event]:
        """An event set when the run's execution here ends, for as long as the wait lasts."""
        ended = asyncio.Event()
        self.waits.setdefault(run_id, set()).add(ended)
        try:
            yield ended
        finally:
            waits = self.waits.get(run_id, set())
            waits.discard(ended)
            if not waits:
                self.waits.pop(run_id, None)


RUNS_HERE = RunsHere()


def quick_run_waits() -> None:
    """`/runs/wait` and `/join` answer as soon as a run that ran in this process ends, and
    within about `WAIT_POLL_S[0]` of a short run's end elsewhere (Aegra: up to 2 s); a long
    run elsewhere is looked for every 2 s, as before. Refuses as `use_saver` does."""
    _refuse_a_changed_aegra()
    from aegra_api.services import worker_executor as executor
    from redis import RedisError

    run = executor.execute_run
    if getattr(run, "__wrapped__", None) is None:

        @functools.wraps(run)
        async def execute_run(job: Any) -> None:
            run_id = job.identity.run_id
            RUNS_HERE.started(run_id)
            try:
                await run(job)
            finally:  # after Aegra's own end: its done-key set, the run's row final
                RUNS_HERE.ended(run_id)

        executor.execute_run = execute_run

    async def wait_for_completion(
        self: Any,
        run_id: str,
        *,
        timeout: float = 300.0,  # noqa: ASYNC109 (Aegra's signature)
    ) -> None:
        done_key = f"{executor.settings.redis.REDIS_CHANNEL_PREFIX}done:{run_id}"
        client = executor.redis_manager.get_client()
        loop = asyncio.get_running_loop()
        deadline, pause = loop.time() + timeout, WAIT_POLL_S[0]
        database_at = loop.time() + WAIT_POLL_S[1]  # Aegra's first look there: its second poll
        with RUNS_HERE.waiting(run_id) as ended:
            while loop.time() < deadline:
                woken = ended.is_set()
                ended.clear()  # before looking: an end after the looks wakes the next wait
                try:
                    if await client.exists(done_key):
                        return
                except RedisError:
                    pass
                if woken or loop.time() >= database_at:  # woken: Redis may have lost the key
                    if await executor._is_run_terminal(run_id):
                        return
                    database_at = loop.time() + WAIT_DB_S
                # A run executing here wakes this wait as it ends; Aegra's 2 s look stays.
                here = run_id in RUNS_HERE.running
                with contextlib.suppress(TimeoutError):
                    wait = WAIT_POLL_S[1] if here else pause
                    await asyncio.wait_for(ended.wait(), min(wait, deadline - loop.time()))
                pause = min(pause * 2, WAIT_POLL_S[1])
        raise TimeoutError(f"Run {run_id} did not complete within {timeout}s")

    executor.WorkerExecutor.wait_for_completion = wait_for_completion  # type: ignore[method-assign]


NOT_STREAMED: list[str] = []  # a run's stream modes when no one streams it (`/runs/wait`)


def stream_only_what_is_asked() -> None:
    """A run that did not ask for `debug` events runs its graph without them (Aegra: always
    with them, ~3 more events a superstep, built and dropped unread: run_executor's checkpoint
    and task callbacks do nothing). A run of `NOT_STREAMED` modes hands Aegra only its last
    `values` event (its output, its interrupt as Aegra sees it), not one a step. Refuses as
    `use_saver` does."""
    _refuse_a_changed_aegra()
    from aegra_api.services import run_executor

    stream = run_executor.stream_graph_events
    if getattr(stream, "__wrapped__", None) is not None:  # already ours
        return

    @functools.wraps(stream)
    async def stream_graph_events(
        graph: Any, input_data: Any, config: Any, *, stream_mode: list[str], **kwargs: Any
    ) -> AsyncIterator[tuple[str, Any]]:
        shown = graph if "debug" in stream_mode else WithoutDebug(graph)
        modes = list(stream_mode) or ["values"]
        async with contextlib.aclosing(
            stream(shown, input_data, config, stream_mode=modes, **kwargs)
        ) as events:
            async for event in events if stream_mode else last_values_only(events):
                yield event

    run_executor.stream_graph_events = stream_graph_events


async def last_values_only(
    events: AsyncIterator[tuple[str, Any]],
) -> AsyncIterator[tuple[str, Any]]:
    """`events` with each whole-state `values` event held back until the stream ends, and
    dropped when a later `values` event comes: Aegra stores a run's last `values` event as its
    output, so the output (and an interrupt, which rides on a `values` event that passes at
    once) is as before. Every other event passes in its place."""
    held: tuple[str, Any] | None = None
    async for event in events:
        kind, data = event
        if not kind.startswith("values"):
            yield event
        elif isinstance(data, dict) and "__interrupt__" in data:
            held = None
            yield event
        else:
            held = event
    if held is not None:
        yield held


class WithoutDebug:
    """A compiled graph whose `astream` leaves `debug` out of the modes it is asked for;
    everything else is the graph's own."""

    def __init__(self, graph: Any) -> None:
        self.graph = graph

    def __getattr__(self, name: str) -> Any:
        return getattr(self.graph, name)

    def astream(self, *args: Any, stream_mode: Sequence[str], **kwargs: Any) -> Any:
        modes = [mode for mode in stream_mode if mode != "debug"]
        return self.graph.astream(*args, stream_mode=modes, **kwargs)
