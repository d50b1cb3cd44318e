"""Trackio as a metrics source for the ledger: a Job that names its Trackio project gets the
series Trackio holds (this machine's Trackio data, written by the real trackio package, or a
dashboard Space on loopback) merged with those parsed from its log; a Space that is down or a
run that is not there is a clear state on the run, never a crash."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from cli.server_address import free_port
from graph.experiment_report import show
from graph.experiments import with_ledger
from graph.thread_runs import thread_runs
from tests.fakes.agent import collect, fast_settings, open_session
from tests.fakes.hub_server import FakeHub, hub_env
from tests.fakes.llm_server import ScriptedLLMServer, Turn
from tests.fakes.trackio_space import FakeTrackioSpace
from tests.tools.hub.test_trackio_metrics import LOG_RUNS, offline_env
from tools.hub.jobs_ledger import trackio_target

SCRIPT = "import trackio\nprint('training')\n"
SKILL_SCRIPT = Path(__file__).resolve().parents[2] / "skills" / "sft-trl" / "train_sft.py"


@pytest.mark.parametrize(
    ("args", "source", "expected"),
    [
        ({"script_args": ["--project", "p", "--run-name=r"]}, SCRIPT, {"project": "p", "run": "r"}),
        ({"script_args": ["--trackio-space-id", "me/tr", "--project", "p"]}, "", {}),  # no trackio
        (
            {"script_args": ["--project", "p", "--report-to", "trackio", "--trackio_space_id", "a/b"]},
            "",
            {"project": "p", "space": "a/b"},
        ),
        ({"script_args": ["--report-to", "none"]}, SKILL_SCRIPT.read_text(), {}),
        ({"script_args": ["--lr", "1e-4"]}, SKILL_SCRIPT.read_text(), {"project": "sft"}),
        ({"env": {"TRACKIO_PROJECT": "e", "TRACKIO_SPACE_ID": "u/s"}}, "", {"project": "e", "space": "u/s"}),
        ({}, 'trackio.init(project="x", space_id="a/b", name="n")', {"project": "x", "space": "a/b", "run": "n"}),
        ({}, "print('no tracking')", {}),
    ],
)  # fmt: skip
def test_a_job_names_its_trackio_project_by_flag_env_or_script(
    args: dict, source: str, expected: dict
) -> None:
    assert trackio_target(args, source) == {f"trackio_{k}": v for k, v in expected.items()}


@pytest.fixture
def hub(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeHub]:
    with hub_env(monkeypatch) as hub:
        hub.job_line_delay = 0.01
        hub.job_logs = ["{'loss': 2.0, 'epoch': 0.5}", "{'loss': 1.5, 'epoch': 1.0}"]
        yield hub


def job(call_id: str, *script_args: str) -> Turn:
    args = {"operation": "uv", "script": "train.py", "flavor": "t4-small", "wait": True}
    call = {"name": "hf_jobs", "id": call_id, "arguments": {**args, "script_args": script_args}}
    return Turn(tool_calls=[call])


def dead_url() -> str:
    return f"http://127.0.0.1:{free_port()}"  # closed: nothing listens there


@pytest.mark.timeout(300)
async def test_trackio_series_join_the_log_metrics_from_local_data_or_a_space(
    llm: ScriptedLLMServer,
    workspace: Path,
    hub: FakeHub,
    isolated_home: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    folder = tmp_path / "trackio"
    subprocess.run([sys.executable, "-c", LOG_RUNS], env=offline_env(folder), check=True,
                   capture_output=True, timeout=120)  # fmt: skip
    monkeypatch.setenv("TRACKIO_DIR", str(folder))
    (workspace / "train.py").write_text(SCRIPT)
    llm.add(
        job("local", "--project", "demo", "--run-name", "run-a"),
        Turn(content="one"),
        job("space", "--project", "demo", "--run-name", "run-s", "--trackio-space-id", "acme/tr"),
        Turn(content="two"),
        job("down", "--project", "demo", "--trackio-space-id", "acme/gone"),
        Turn(content="three"),
        job("unnamed", "--project", "demo"),  # local run-a/run-b started before this job
        Turn(content="four"),
    )
    settings = fast_settings(llm.url)
    from tools.families import build_catalog

    catalog = with_ledger(build_catalog(settings), isolated_home)
    with FakeTrackioSpace() as space:
        space.add_run(
            "demo", "run-s", [{"train/loss": 3.0}, {"train/loss": None}, {"train/loss": 1.0}]
        )
        hub.add_repo("spaces", "acme/tr", sdk="gradio", host=space.url)
        hub.add_repo("spaces", "acme/gone", sdk="gradio", host=dead_url())
        async with open_session(
            settings, workspace, catalog=catalog, mode="headless", thread_id="t-tr"
        ) as session:
            for text in ("local", "on a space", "space down", "unnamed"):
                await collect(session.send(text))
    local, on_space, down, unnamed = await thread_runs(isolated_home / "threads.sqlite", "t-tr")

    assert all(run.status == "COMPLETED" for run in (local, on_space, down, unnamed))
    series = local.metrics["series"]
    assert len(series["train/loss"]["points"]) == 50 and series["train/loss"]["final"] == 0.53
    assert series["eval/acc"]["best"] == pytest.approx(0.941)
    assert series["loss"]["final"] == 1.5  # the log's own metric stays beside Trackio's
    assert local.metrics["trackio"] == {
        "project": "demo",
        "run": "run-a",
        "state": "read",
        "rows": 50,
    }
    assert "trackio: project demo (local data), run run-a: 50 rows read" in show(local)

    loss = on_space.metrics["series"]["train/loss"]
    assert loss["points"] == [[0.0, 3.0], [1.0, None], [2.0, 1.0]] and loss["nonfinite"] == 1
    assert on_space.metrics["trackio"]["space"] == "acme/tr"
    assert space.sent("get_logs")[0].json()["kwargs"]["run"] == "run-s"

    for run in (down, unnamed):  # a clear state; the log's metrics are still there
        assert run.metrics["series"]["loss"]["final"] == 1.5
        assert run.metrics["trackio"]["state"].startswith("not read: ")
        assert "train/loss" not in run.metrics["series"]
    assert "trackio: project demo on Space acme/gone: not read: " in show(down)
    assert "started after the job did" in unnamed.metrics["trackio"]["state"]
