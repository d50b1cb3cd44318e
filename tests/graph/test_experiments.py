"""The experiment ledger end to end: a headless session against the local Hub and the scripted
model launches two Jobs whose logs stream Trainer-style metrics; the ledger's rows, series and
costs are checked, then a resume, an undo before the second job and a fork."""

from __future__ import annotations

import asyncio
import io
import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

from cli.commands import run_command
from graph.experiment_report import compare, table
from graph.experiments import with_ledger
from graph.thread_runs import thread_runs
from store.experiments import Ledger
from tests.fakes.agent import collect, fast_settings, open_session
from tests.fakes.hub_server import FakeHub, hub_env
from tests.fakes.llm_server import ScriptedLLMServer, Turn

SCRIPT = 'from datasets import load_dataset\nds = load_dataset("acme/chat-data")\nprint("train")\n'
T4_PER_HOUR = 0.6  # the fake Hub's t4-small: $0.01 a minute


@dataclass
class StubRepl:
    session: Any
    home: Path
    thread_id: str | None = None
    out: io.StringIO = field(default_factory=io.StringIO)

    def __post_init__(self) -> None:
        self.console = Console(file=self.out, width=120, color_system=None)


def trainer_logs(losses: list[float]) -> list[str]:
    lines = ["Installing dependencies", "garbage ::: {{ not a metric"]
    for step, loss in enumerate(losses, 1):
        lines.append(f"{{'loss': {loss}, 'learning_rate': 2e-05, 'epoch': {step / len(losses)}}}")
    lines.append("{'eval_loss': nan, 'epoch': 1.0}")
    return lines


def job_call(call_id: str, lr: str) -> dict[str, object]:
    args = {"operation": "uv", "script": "train.py", "flavor": "t4-small", "wait": True}
    return {"name": "hf_jobs", "id": call_id, "arguments": {**args, "script_args": ["--lr", lr]}}


@pytest.fixture
def hub(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeHub]:
    with hub_env(monkeypatch) as hub:
        hub.job_line_delay = 0.01
        yield hub


async def test_two_jobs_are_recorded_and_survive_resume_undo_and_fork(
    llm: ScriptedLLMServer, workspace: Path, hub: FakeHub, isolated_home: Path
) -> None:
    (workspace / "train.py").write_text(SCRIPT)
    db = isolated_home / "threads.sqlite"
    llm.add(
        Turn(tool_calls=[job_call("j1", "1e-4")]),
        Turn(content="first run done"),
        Turn(tool_calls=[job_call("j2", "3e-4")]),
        Turn(content="second run done"),
        Turn(content="noted"),
        Turn(content="We launched one job; it trained with lr 1e-4."),  # the compaction summary
        Turn(tool_calls=[{"name": "experiments", "id": "e1", "arguments": {"operation": "list"}}]),
        Turn(content="the first run"),
    )
    settings = fast_settings(llm.url)
    from tools.families import build_catalog

    catalog = with_ledger(build_catalog(settings), isolated_home)
    async with open_session(
        settings, workspace, catalog=catalog, mode="headless", thread_id="t-exp"
    ) as session:
        hub.job_logs = trainer_logs([2.0, 1.5, 1.2])
        await collect(session.send("train with lr 1e-4"))
        hub.job_logs = trainer_logs([1.9, 1.1, 0.8, 0.7])
        await collect(session.send("now try lr 3e-4"))

        runs = await thread_runs(db, "t-exp")
        assert [r.status for r in runs] == ["COMPLETED", "COMPLETED"]
        first, second = runs
        assert first.args["script_args"] == ["--lr", "1e-4"]
        assert first.flavor == "t4-small" and first.price_per_hour == pytest.approx(T4_PER_HOUR)
        assert first.datasets == ["acme/chat-data"] and first.script == SCRIPT
        assert second.parent_id == first.id  # the same script again: derived from the first
        loss = second.metrics["series"]["loss"]
        assert [p[1] for p in loss["points"]] == [1.9, 1.1, 0.8, 0.7]
        assert loss["final"] == 0.7 and loss["best"] == 0.7
        eval_loss = second.metrics["series"]["eval_loss"]
        assert eval_loss["final_state"] == "nan" and eval_loss["nonfinite"] == 1
        assert second.metrics["main"] == "eval_loss" and second.final() == "nan"
        assert second.final("loss") == 0.7
        for run in runs:
            assert run.ended_at is not None and run.ended_at >= run.started_at
            assert run.cost_usd() == pytest.approx(run.duration_s() * T4_PER_HOUR / 3600)
        listed = table(runs)
        assert "completed" in listed and "eval_loss nan" in listed
        diff = compare(first, second)
        assert '"--lr", "1e-4"' in diff and '"--lr", "3e-4"' in diff and "(same script)" in diff
        assert "  loss: 1.2 | 0.7, best 1.2 | 0.7" in diff

        repl = StubRepl(session=session, home=isolated_home)
        await run_command(repl, "/experiments")  # type: ignore[arg-type]
        shown = repl.out.getvalue()
        assert f"1. {first.id}" in shown and f"2. {second.id}" in shown
        assert "eval_loss nan" in shown  # diverged evaluation: a clear state, no sparkline
        await run_command(repl, "/experiments compare 1 2")  # type: ignore[arg-type]
        assert "≠ arguments" in repl.out.getvalue()

        fork_id = await session.fork()
        undo = await session.undo()
        assert undo.type == "undo_complete"
        after_undo = await thread_runs(db, "t-exp")
        assert [r.id for r in after_undo] == [first.id]  # the second job's call is undone

    async with open_session(
        settings, workspace, catalog=catalog, mode="headless", thread_id="t-exp"
    ) as resumed:
        assert [r.id for r in await thread_runs(db, "t-exp")] == [first.id]  # resume
        await collect(resumed.send("a long note about the data. " * 150))
        await collect(resumed.compact())  # the first job's call is summarised away...
        assert "j1" not in [getattr(m, "tool_call_id", "") for m in await resumed.messages()]
        assert [r.id for r in await thread_runs(db, "t-exp")] == [first.id]  # ...not its run
        await collect(resumed.send("which run was best?"))
        answer = [m for m in await resumed.messages() if getattr(m, "tool_call_id", "") == "e1"]
        assert f"1. {first.id}" in answer[0].content and second.id not in answer[0].content
    note = llm.requests[-1]["messages"][-1]["content"]  # ...the runtime note keeps the runs
    assert "Runs this thread launched" in note and f"1. {first.id}" in note
    assert second.id not in note  # undone: not in this thread's history any more
    forked = await thread_runs(db, fork_id)  # the fork: copies of both runs
    assert [(r.call_id, r.status) for r in forked] == [("j1", "COMPLETED"), ("j2", "COMPLETED")]
    assert forked[1].metrics["series"]["loss"] == second.metrics["series"]["loss"]
    with Ledger(db) as ledger:
        assert len(ledger.of_thread("t-exp")) == 2  # nothing is lost, the undone run is hidden
    assert json.dumps(second.to_json())  # JSON-clean (no NaN in the output)


async def test_a_job_started_without_waiting_gets_its_metrics_when_followed_later(
    llm: ScriptedLLMServer, workspace: Path, hub: FakeHub, isolated_home: Path
) -> None:
    (workspace / "train.py").write_text(SCRIPT)
    start = job_call("j1", "1e-4")
    start["arguments"] = {**start["arguments"], "wait": False}  # type: ignore[dict-item]
    follow = {"name": "hf_jobs", "id": "f1", "arguments": {"operation": "follow", "job_id": ""}}
    hub.job_logs = trainer_logs([2.0, 1.0])
    settings = fast_settings(llm.url)
    from tools.families import build_catalog

    catalog = with_ledger(build_catalog(settings), isolated_home)
    db = isolated_home / "threads.sqlite"
    async with open_session(
        settings, workspace, catalog=catalog, mode="headless", thread_id="t-later"
    ) as session:
        llm.add(Turn(tool_calls=[start]), Turn(content="started"))
        await collect(session.send("start it, do not wait"))
        (running,) = await thread_runs(db, "t-later")
        assert running.status == "RUNNING" and running.metrics == {}  # a clear state, no crash
        follow["arguments"]["job_id"] = running.job_id  # type: ignore[index]
        llm.add(Turn(tool_calls=[follow]), Turn(content="finished"))
        await collect(session.send("follow it now"))
    (done,) = await thread_runs(db, "t-later")  # the follow fed the run the first call made
    assert done.id == running.id and done.status == "COMPLETED"
    assert [p[1] for p in done.metrics["series"]["loss"]["points"]] == [2.0, 1.0]


async def test_a_job_that_goes_quiet_has_its_metrics_written_all_the_same(
    llm: ScriptedLLMServer, workspace: Path, hub: FakeHub, isolated_home: Path
) -> None:
    """Two losses logged, then nothing for a while (the job holds): the ledger has them within
    FLUSH_S, while the job runs; it used to write them only when a later line came."""
    (workspace / "train.py").write_text(SCRIPT)
    db, gate = isolated_home / "threads.sqlite", threading.Event()
    hub.job_logs, hub.job_hold = trainer_logs([2.0, 1.6, 1.3]), (gate, 4)
    llm.add(Turn(tool_calls=[job_call("j1", "1e-4")]), Turn(content="done"))
    settings = fast_settings(llm.url)
    from tools.families import build_catalog

    catalog = with_ledger(build_catalog(settings), isolated_home)
    async with open_session(
        settings, workspace, catalog=catalog, mode="headless", thread_id="t-quiet"
    ) as session:
        following = asyncio.create_task(collect(session.send("train")))
        deadline = time.monotonic() + 90
        while True:
            runs = await thread_runs(db, "t-quiet")
            series = runs[0].metrics.get("series", {}) if runs else {}
            if [p[1] for p in series.get("loss", {}).get("points", [])] == [2.0, 1.6]:
                break  # the last line's metric too, with no line after it
            assert time.monotonic() < deadline and not following.done(), runs
            await asyncio.sleep(0.05)
        assert runs[0].status == "RUNNING"
        gate.set()
        await following
        (run,) = await thread_runs(db, "t-quiet")
        assert run.status == "COMPLETED" and run.final("loss") == 1.3
