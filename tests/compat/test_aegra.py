"""compat/aegra.py against the installed Aegra: its hooks, and the columns our SQL writes."""

from __future__ import annotations

import asyncio
import operator
import time
from typing import Annotated, Any, TypedDict

import pytest

from compat import aegra as fence
from tests.fakes.redis import RedisServer


def test_the_installed_aegra_has_every_hook_and_column_compat_aegra_relies_on() -> None:
    found = fence.problems()
    assert found == [], "compat/aegra.py: " + "\n".join(found)


def test_a_team_server_on_another_aegra_refuses_to_start_saying_what_moved(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from aegra_api.core.orm import Base

    thread = Base.metadata.tables["thread"]
    monkeypatch.setattr(Base.metadata, "tables", {**Base.metadata.tables, "thread": None})
    with pytest.raises(fence.EngineChanged) as refused:
        fence.use_saver(object())
    assert "aegra-api 0.11" in str(refused.value) and "`thread` table has no thread_id" in str(
        refused.value
    )
    assert "uv sync --locked" in str(refused.value)
    assert thread is not None


async def test_a_run_wait_hears_a_short_runs_end_well_before_aegras_two_second_poll(
    redis_server: RedisServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Aegra's `/runs/wait` looks at the run's done-key every 2 s: a key set 0.3 s in was seen
    at 2.0 s. With `quick_run_waits` it is seen at the next look (0.35 s; 1.55 s at worst)."""
    from aegra_api.core.redis_manager import redis_manager
    from aegra_api.services.worker_executor import WorkerExecutor
    from aegra_api.settings import settings

    monkeypatch.setattr(settings.redis, "REDIS_URL", redis_server.url)
    from aegra_api.services import worker_executor

    monkeypatch.setattr(WorkerExecutor, "wait_for_completion", WorkerExecutor.wait_for_completion)
    monkeypatch.setattr(worker_executor, "execute_run", worker_executor.execute_run)
    fence.quick_run_waits()
    await redis_manager.initialize()
    try:
        waiting = asyncio.create_task(WorkerExecutor.wait_for_completion(None, "r1", timeout=60))
        await asyncio.sleep(0.3)  # the run "ends" 0.3 s in
        key = f"{settings.redis.REDIS_CHANNEL_PREFIX}done:r1"
        await redis_manager.get_client().set(key, "1", ex=60)
        ended = time.monotonic()
        await waiting
        assert time.monotonic() - ended < 1.5  # Aegra's own: 1.7 s
    finally:
        await redis_manager.close()


async def test_a_wait_on_a_run_this_process_executes_answers_at_its_end_with_few_looks(
    redis_server: RedisServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A run this process's worker executes wakes its `/runs/wait` as it ends: no poll's lateness
    (the doubling looks alone answered a 1 s run at 1.55 s) and no look every 50 ms while it
    runs, nor at the database (Aegra's `_is_run_terminal`, a stand-in here that counts)."""
    from types import SimpleNamespace

    from aegra_api.core.redis_manager import redis_manager
    from aegra_api.services import worker_executor
    from aegra_api.settings import settings

    looked_in_database: list[str] = []

    async def terminal(run_id: str) -> bool:
        looked_in_database.append(run_id)
        return False

    async def execute_run(job: Any) -> None:  # Aegra's run, at its end: its done-key set
        await asyncio.sleep(1.0)
        key = f"{settings.redis.REDIS_CHANNEL_PREFIX}done:{job.identity.run_id}"
        await redis_manager.get_client().set(key, "1", ex=60)

    monkeypatch.setattr(settings.redis, "REDIS_URL", redis_server.url)
    monkeypatch.setattr(worker_executor, "execute_run", execute_run)
    monkeypatch.setattr(worker_executor, "_is_run_terminal", terminal)
    monkeypatch.setattr(
        worker_executor.WorkerExecutor,
        "wait_for_completion",
        worker_executor.WorkerExecutor.wait_for_completion,
    )
    fence.quick_run_waits()
    await redis_manager.initialize()
    client = redis_manager.get_client()
    try:
        await client.config_resetstat()
        wait = worker_executor.WorkerExecutor.wait_for_completion
        waiting = asyncio.create_task(wait(None, "r2", timeout=60))
        job = SimpleNamespace(identity=SimpleNamespace(run_id="r2"))
        await worker_executor.execute_run(job)  # the worker's call: through the fence's wrap
        ended = time.monotonic()
        await waiting
        assert time.monotonic() - ended < 0.3
        looks = (await client.info("commandstats")).get("cmdstat_exists", {}).get("calls", 0)
        assert looks <= 3, looks  # at the start, maybe a first 50 ms look, and at the end
        assert looked_in_database == []
        assert fence.RUNS_HERE.waits == {} and fence.RUNS_HERE.running == set()
    finally:
        await redis_manager.close()


async def test_a_run_that_did_not_ask_for_debug_events_runs_without_them_and_loses_nothing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Aegra asks LangGraph for `debug` events on every run and drops them unread; with
    `stream_only_what_is_asked` the graph runs without them, and what a run hands on (its values,
    an approval's interrupt) is as it was. A run that asks for them still gets them."""
    from typing import TypedDict

    from aegra_api.services import run_executor
    from langgraph.checkpoint.memory import InMemorySaver
    from langgraph.graph import START, StateGraph
    from langgraph.types import interrupt

    class State(TypedDict, total=False):
        asked: str

    def ask(state: State) -> dict:
        return {"asked": interrupt("approve?")}

    builder = StateGraph(State)
    builder.add_node("ask", ask)
    builder.add_edge(START, "ask")
    graph = builder.compile(checkpointer=InMemorySaver())
    streamed: list[list[str]] = []
    astream = graph.astream

    def watched(*args: object, stream_mode: list[str], **kwargs: object) -> object:
        streamed.append(sorted(stream_mode))
        return astream(*args, stream_mode=stream_mode, **kwargs)

    monkeypatch.setattr(graph, "astream", watched)
    monkeypatch.setattr(run_executor, "stream_graph_events", run_executor.stream_graph_events)
    fence.stream_only_what_is_asked()

    async def events(thread: str, modes: list[str]) -> list[tuple[str, object]]:
        config = {"configurable": {"thread_id": thread}}
        stream = run_executor.stream_graph_events(graph, {"asked": ""}, config, stream_mode=modes)
        return [(mode, data) async for mode, data in stream if mode != "metadata"]

    plain = await events("t1", ["values"])
    assert streamed[-1] == ["updates", "values"]
    assert {mode for mode, _ in plain} == {"values"}
    assert "__interrupt__" in plain[-1][1]  # type: ignore[operator]
    asked = await events("t2", ["values", "debug"])
    assert streamed[-1] == ["debug", "updates", "values"]
    assert "debug" in [mode for mode, _ in asked]


def three_steps() -> Any:
    """A graph of three steps, each adding a line to `log`, on an in-memory saver."""
    from langgraph.checkpoint.memory import InMemorySaver
    from langgraph.graph import START, StateGraph

    class State(TypedDict, total=False):
        log: Annotated[list[str], operator.add]

    builder = StateGraph(State)
    for step in ("one", "two", "three"):
        builder.add_node(step, lambda _state, step=step: {"log": [step]})
    builder.add_edge(START, "one")
    builder.add_edge("one", "two")
    builder.add_edge("two", "three")
    return builder.compile(checkpointer=InMemorySaver())


async def test_a_run_no_one_streams_hands_on_only_its_last_values_and_one_that_asks_gets_all(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Aegra publishes a run's whole state to Redis after every step when the run names no
    mode; a run of `NOT_STREAMED` modes hands Aegra only the last (what Aegra stores as the
    run's output: the same state). A run that streams `values` gets one a step, as before, and
    one that streams `updates` gets its updates and no values."""
    from aegra_api.services import run_executor

    assert run_executor._resolve_stream_modes(fence.NOT_STREAMED) == []  # kept as named
    monkeypatch.setattr(run_executor, "stream_graph_events", run_executor.stream_graph_events)
    fence.stream_only_what_is_asked()
    graph = three_steps()

    async def events(thread: str, modes: list[str]) -> list[tuple[str, Any]]:
        config = {"configurable": {"thread_id": thread}}
        stream = run_executor.stream_graph_events(graph, {"log": []}, config, stream_mode=modes)
        return [(mode, data) async for mode, data in stream if mode != "metadata"]

    every = await events("t1", ["values"])
    assert every == [("values", {"log": ["one", "two", "three"][:n]}) for n in range(4)]
    assert await events("t2", fence.NOT_STREAMED) == [every[-1]]
    updates = await events("t3", ["updates"])
    assert [mode for mode, _ in updates] == ["updates"] * 3
    assert updates[-1] == ("updates", {"three": {"log": ["three"]}})


async def test_an_approval_asked_in_a_run_no_one_streams_is_still_its_output(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Aegra marks a run interrupted when an event carries `__interrupt__`, and stores the
    last `values` event as its output: a run of `NOT_STREAMED` modes that stops for approval
    hands on that event last, as a run streaming `values` does."""
    from aegra_api.services import run_executor
    from langgraph.checkpoint.memory import InMemorySaver
    from langgraph.graph import START, StateGraph
    from langgraph.types import interrupt

    class State(TypedDict, total=False):
        asked: str

    builder = StateGraph(State)
    builder.add_node("ask", lambda _state: {"asked": interrupt("approve?")})
    builder.add_edge(START, "ask")
    graph = builder.compile(checkpointer=InMemorySaver())
    monkeypatch.setattr(run_executor, "stream_graph_events", run_executor.stream_graph_events)
    fence.stream_only_what_is_asked()

    async def last(thread: str, modes: list[str]) -> tuple[str, Any]:
        config = {"configurable": {"thread_id": thread}}
        stream = run_executor.stream_graph_events(graph, {"asked": ""}, config, stream_mode=modes)
        return [event async for event in stream][-1]

    streamed, unstreamed = await last("t1", ["values"]), await last("t2", fence.NOT_STREAMED)
    assert streamed[0] == unstreamed[0] == "values"
    assert "__interrupt__" in unstreamed[1]
    asked = [[ask.value for ask in found[1]["__interrupt__"]] for found in (streamed, unstreamed)]
    assert asked == [["approve?"], ["approve?"]]
