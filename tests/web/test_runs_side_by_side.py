"""One `ml-intern web` runs many threads' runs at once, and one thread's runs one at a time.

Sixteen threads each get a run over the HTTP API, all at once, against the scripted model,
which holds the first step of every run until all sixteen are in flight at the same moment
(`AllInFlight`): served one after another they never would be (not inferred from timing). A
run asked of an idle server reaches the model at once, not on the dev queue's next
half-second look.
"""

from __future__ import annotations

import asyncio
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.fakes.llm_server import ScriptedLLMServer, Turn
from tests.fakes.transcript_checks import user_texts
from tests.web.web_harness import free_port, start_web, stop_web, wait_for_ready

pytestmark = pytest.mark.timeout(300)
RUNS = 16
SLOW_STEP_S = 0.2  # the two runs of one thread: each first step (one after the other)
HELD_S = 120  # how long the first steps wait for all RUNS to be in flight
PLAN = {"todos": [{"id": "1", "content": "look around", "status": "completed"}]}
NEVER_ALL = "Never all in flight."


def step(request: dict[str, Any]) -> Turn:
    """Each run: a slow step that calls a tool, then the answer."""
    if any(m.get("role") == "tool" for m in request.get("messages", [])):
        return Turn(content="Done side by side.")
    return Turn(tool_calls=[{"name": "plan", "arguments": PLAN}], delay=SLOW_STEP_S)


class AllInFlight:
    """`step`, with each run's first step held until all RUNS first steps are in flight at
    once (a server running them one at a time never gets there: the runs end saying so)."""

    def __init__(self) -> None:
        self.barrier = threading.Barrier(RUNS)

    def __call__(self, request: dict[str, Any]) -> Turn:
        if any(m.get("role") == "tool" for m in request.get("messages", [])):
            return Turn(content="Done side by side.")
        try:
            self.barrier.wait(timeout=HELD_S)
        except threading.BrokenBarrierError:
            return Turn(content=NEVER_ALL)
        return Turn(tool_calls=[{"name": "plan", "arguments": PLAN}])


def run_body(text: str) -> dict[str, object]:
    human = {"messages": [{"type": "human", "content": text}]}
    return {"assistant_id": "ml_intern", "input": human, "context": {"mode": "headless"}}


async def one_run(api: httpx.AsyncClient, n: int) -> dict[str, Any]:
    thread = (await api.post("/threads", json={})).json()["thread_id"]
    answer = await api.post(f"/threads/{thread}/runs/wait", json=run_body(f"task {n}"))
    assert answer.status_code == 200, answer.text
    return answer.json()


async def all_runs(url: str) -> list[dict[str, Any]]:
    async with httpx.AsyncClient(base_url=url, trust_env=False, timeout=240) as api:
        return await asyncio.gather(*(one_run(api, n) for n in range(RUNS)))


async def start_delays(url: str, arrivals: dict[str, float], runs: int = 3) -> list[float]:
    """Runs one after another on an idle server: from each POST to its model request, s."""
    delays = []
    async with httpx.AsyncClient(base_url=url, trust_env=False, timeout=240) as api:
        for n in range(runs):
            thread = (await api.post("/threads", json={})).json()["thread_id"]
            asked = time.monotonic()
            answer = await api.post(f"/threads/{thread}/runs/wait", json=run_body(f"alone {n}"))
            assert answer.status_code == 200, answer.text
            delays.append(arrivals[f"alone {n}"] - asked)
    return delays


async def two_runs_on_one_thread(url: str) -> list[dict[str, Any]]:
    """Two runs asked of one thread at the same moment (queued, not refused): its messages."""
    queued = {"multitask_strategy": "enqueue"}
    async with httpx.AsyncClient(base_url=url, trust_env=False, timeout=240) as api:
        thread = (await api.post("/threads", json={})).json()["thread_id"]
        runs = await asyncio.gather(
            *(api.post(f"/threads/{thread}/runs", json={**run_body(t), **queued}) for t in "AB")
        )
        for run in runs:
            assert run.status_code == 200, run.text
            joined = await api.get(f"/threads/{thread}/runs/{run.json()['run_id']}/join")
            assert joined.status_code == 200, joined.text
        state = (await api.get(f"/threads/{thread}/state")).json()
        return state["values"]["messages"]


def test_sixteen_threads_run_side_by_side(
    llm: ScriptedLLMServer, isolated_home: Path, workspace: Path, tmp_path: Path
) -> None:
    llm.responder = AllInFlight()
    port = free_port()
    proc, out = start_web(workspace, isolated_home, llm.url, tmp_path, "--port", str(port))
    try:
        wait_for_ready(proc, out)
        started = time.monotonic()
        answers = asyncio.run(all_runs(f"http://127.0.0.1:{port}"))
        wall = time.monotonic() - started
        finals = [a["messages"][-1]["content"] for a in answers]
        assert finals == ["Done side by side."] * RUNS
        print(f"{RUNS} runs: {wall:.1f} s, peak {llm.peak_in_flight}")
        assert llm.peak_in_flight == RUNS, "the model never saw every run's request at once"

        # A run asked of an idle server starts at once (the dev queue alone looks every
        # 0.5 s, for runs made before its wait began: 0.5-1 s).
        arrivals: dict[str, float] = {}

        def answer_at_once(request: dict[str, Any]) -> Turn:
            arrivals.setdefault(user_texts(request)[0], time.monotonic())
            return Turn(content="Done side by side.")

        llm.responder = answer_at_once
        delays = asyncio.run(start_delays(f"http://127.0.0.1:{port}", arrivals))
        assert sorted(delays)[1] < 0.3, f"POST to the model's first request: {delays} s"
        llm.responder = step

        # One thread still runs one run at a time: the second starts from the first's end
        # (its model request holds the first's tool result, so the script answers at once).
        messages = asyncio.run(two_runs_on_one_thread(f"http://127.0.0.1:{port}"))
        kinds = [(m["type"], m["content"] if m["type"] != "tool" else "") for m in messages]
        done = ("ai", "Done side by side.")
        assert kinds in (
            [("human", first), ("ai", ""), ("tool", ""), done, ("human", second), done]
            for first, second in ("AB", "BA")
        ), kinds
    finally:
        assert stop_web(proc) == 0, out.read_text()
        log = isolated_home / "web" / "server.log"
        print(log.read_text(errors="replace")[-4000:] if log.exists() else "")
