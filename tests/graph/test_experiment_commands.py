"""Long local training commands become runs: a headless session's `bash` runs a training
script longer than the threshold (its run has the script, the parsed metrics and the exit
status); a quick one, or a long command that trains nothing, is no run."""

from __future__ import annotations

import asyncio
import sys
import time
from pathlib import Path

import pytest

from graph.experiment_commands import run_status, trains, watched
from graph.experiments import with_ledger
from graph.thread_runs import thread_runs
from store.experiments import Ledger
from tests.fakes.agent import collect, fast_settings, open_session
from tests.fakes.hub_spaces import FakeSpacesHub
from tests.fakes.llm_server import ScriptedLLMServer, Turn
from tests.fakes.sandbox_runtime import FakeSandboxRuntime
from tests.fakes.tool_calls import call_tool
from tests.tools.hub.test_sandbox_space import create, hub, runtime  # noqa: F401 (fixtures)
from tools.hub.sandbox_space import sandbox_space_spec
from tools.local.bash import bash_spec
from tools.outcome import Outcome

TRAIN = """import sys, time
if __name__ == "never":  # named, never imported (~6 s of CPU a run): the ledger reads the name
    from datasets import load_dataset
for step, loss in enumerate([2.0, 1.4, 1.1], 1):
    print({'loss': loss, 'epoch': step / 3}, flush=True)
    time.sleep(0.35)  # 1.05 s in all: past the 0.7 s threshold, a run of at least 1 s
sys.exit(int(sys.argv[1]) if len(sys.argv) > 1 else 0)
"""


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        ("python train.py --lr 1e-4", True),
        ("cd src && uv run scripts/finetune_llama.py", True),
        ("accelerate launch --num_processes 2 sft.py", True),
        ("torchrun --nproc_per_node 8 run.py", True),
        ("trl sft --model_name_or_path x", True),
        ("python eval.py && ls", False),
        ("sleep 100", False),
        ("cat trainer_state.json", False),
    ],
)
def test_which_commands_train(command: str, expected: bool) -> None:
    assert trains(command) is expected


def test_the_exit_code_decides_the_status() -> None:
    def ran(text: str, code: int | None) -> tuple[str, dict]:
        return text, Outcome(exit_code=code, notes=1).artifact()

    assert run_status(ran("loss=1\n[exit code: 0]", 0)) == "COMPLETED"
    assert run_status(ran("Traceback...\n[exit code: 1]", 1)) == "ERROR"
    assert run_status(ran("[exit code: -9 (killed by SIGKILL)]", -9)) == "ERROR"
    assert run_status(ran("[exit code: 0]\n[timed out after 2 s; process group killed]", None)) == (
        "ERROR"
    )
    assert run_status("[exit code: 0]") == "ERROR"  # no outcome: the words say nothing


@pytest.mark.timeout(60)
async def test_a_training_command_that_printed_exit_code_0_then_timed_out_is_an_error(
    workspace: Path, isolated_home: Path
) -> None:
    """Its output holds "[exit code: 0]" (a log line of its own), but bash stopped it: the run
    did not complete, whatever its output says."""
    (workspace / "train_hang.py").write_text(
        "import time\nprint({'loss': 2.0}, flush=True)\nprint('[exit code: 0]', flush=True)\n"
        "time.sleep(30)\n"
    )
    tool = watched(bash_spec(), isolated_home / "threads.sqlite", 0.3).tool
    args = {"command": f"{sys.executable} -u train_hang.py", "timeout": 2}
    done = await call_tool(tool, args, workspace, as_tool_call=True, thread="t1", call_id="h1",
                           writer=lambda _event: None)  # fmt: skip
    assert "[exit code: 0]\n[timed out after 2 s" in done.content
    with Ledger(isolated_home / "threads.sqlite") as ledger:
        (run,) = ledger.visible("t1", ["h1"])
    assert run.status == "ERROR"


def bash(call_id: str, command: str) -> Turn:
    return Turn(tool_calls=[{"name": "bash", "id": call_id, "arguments": {"command": command}}])


@pytest.mark.timeout(200)
async def test_a_long_training_command_is_a_run_and_a_short_one_is_not(
    llm: ScriptedLLMServer, workspace: Path, isolated_home: Path
) -> None:
    (workspace / "train_local.py").write_text(TRAIN)
    python = f"{sys.executable} -u"
    llm.add(
        bash("long", f"{python} train_local.py"),
        bash("failed", f"{python} train_local.py 3"),
        bash("quick", f"{python} -c 'print(1)' # train_quick.py is not run"),
        bash("idle", "sleep 1 && echo loss=1.0"),  # long, trains nothing
        Turn(content="done"),
    )
    settings = fast_settings(llm.url)
    from tools.families import build_catalog

    catalog = with_ledger(build_catalog(settings), isolated_home, long_run_s=0.7)
    async with open_session(
        settings, workspace, catalog=catalog, mode="headless", thread_id="t-local"
    ) as session:
        await collect(session.send("train locally"))
    runs = await thread_runs(isolated_home / "threads.sqlite", "t-local")
    assert [(r.call_id, r.kind, r.status) for r in runs] == [
        ("long", "local", "COMPLETED"),
        ("failed", "local", "ERROR"),
    ]
    long = runs[0]
    assert long.name == "train_local.py (local)" and long.script == TRAIN
    assert long.datasets == [] and long.args == {"command": f"{python} train_local.py"}
    assert [p[1] for p in long.metrics["series"]["loss"]["points"]] == [2.0, 1.4, 1.1]
    assert long.ended_at is not None and long.duration_s() >= 1.0
    assert long.cost_usd() is None  # a local run has no price


@pytest.mark.timeout(120)
async def test_a_long_training_exec_on_a_hub_sandbox_is_a_run(
    hub: FakeSpacesHub,  # noqa: F811
    runtime: FakeSandboxRuntime,  # noqa: F811
    isolated_home: Path,
) -> None:
    await create(hub)
    (runtime.workdir / "train_remote.py").write_text(TRAIN)
    tool = watched(sandbox_space_spec(), isolated_home / "threads.sqlite", 0.7).tool
    events: list[dict] = []
    command = f"{sys.executable} -u train_remote.py 2"
    args = {"operation": "exec", "command": command}
    done = await call_tool(tool, args, None, as_tool_call=True, thread="t1", call_id="x1",
                           writer=events.append)  # fmt: skip
    assert done.content.endswith("[exit code: 2]")
    with Ledger(isolated_home / "threads.sqlite") as ledger:
        (run,) = ledger.visible("t1", ["x1"], series=True)
    assert (run.kind, run.status, run.args) == ("hf_sandbox", "ERROR", {"command": command})
    assert run.name == "train_remote.py (sandbox)" and run.script is None  # not a local file
    assert [p[1] for p in run.metrics["series"]["loss"]["points"]] == [2.0, 1.4, 1.1]
    assert [e["line"] for e in events if e["type"] == "tool_log"][-1].startswith("{'loss': 1.1")


@pytest.mark.timeout(120)
async def test_a_cancelled_training_command_is_a_cancelled_run_and_its_process_is_gone(
    llm: ScriptedLLMServer, workspace: Path, isolated_home: Path
) -> None:
    (workspace / "train_slow.py").write_text(
        "import os, time\nopen('pid', 'w').write(str(os.getpid()))\n"
        "print({'loss': 2.0}, flush=True)\ntime.sleep(60)\n"
    )
    llm.add(bash("slow", f"{sys.executable} -u train_slow.py"), Turn(content="stopped"))
    settings = fast_settings(llm.url)
    from tools.families import build_catalog

    catalog = with_ledger(build_catalog(settings), isolated_home, long_run_s=0.5)
    db = isolated_home / "threads.sqlite"
    async with open_session(
        settings, workspace, catalog=catalog, mode="headless", thread_id="t-cancel"
    ) as session:
        async for event in session.send("train slowly"):
            if event.type == "tool_state_change" and event.data["state"] == "running":
                deadline = time.monotonic() + 30
                while not await asyncio.to_thread(recorded, db, "t-cancel"):
                    assert time.monotonic() < deadline, "the long command never became a run"
                    await asyncio.sleep(0.05)
                session.cancel()
    (run,) = await asyncio.to_thread(recorded, db, "t-cancel")
    assert run.status == "CANCELED" and run.ended_at is not None
    pid = int((workspace / "pid").read_text())
    deadline = time.monotonic() + 5
    while alive(pid):
        assert time.monotonic() < deadline, "the cancelled command's process survived"
        await asyncio.sleep(0.05)


def recorded(db: Path, thread: str) -> list:
    if not db.exists():
        return []
    with Ledger(db) as ledger:
        return ledger.of_thread(thread)


def alive(pid: int) -> bool:
    """A process that exists and is not a zombie."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
    except (FileNotFoundError, ProcessLookupError):
        return False
