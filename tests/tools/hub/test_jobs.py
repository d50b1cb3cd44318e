"""hf_jobs against the local Hub: specs sent, logs followed and streamed, cancel, schedules."""

from __future__ import annotations

import asyncio
import base64
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.fakes.hub_server import FakeHub, hub_env, invoke
from tools.hub.jobs import BOOTSTRAP, UV_IMAGE, jobs_spec
from tools.hub.jobs_follow import follow

JOBS = jobs_spec().tool
SCRIPT = "import trl\nprint('training')\n"


@pytest.fixture
def hub(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeHub]:
    with hub_env(monkeypatch) as hub:
        yield hub


@pytest.fixture
def events() -> list[dict[str, Any]]:
    """What the tool writes to the run's stream (its call's writer)."""
    return []


def last_spec(hub: FakeHub) -> dict[str, Any]:
    return hub.sent_to(r"^/api/jobs/alice$")[-1].json()


async def test_hardware_lists_flavors_with_hourly_prices_cheapest_first(hub: FakeHub) -> None:
    result = await invoke(JOBS, operation="hardware")
    assert (
        "| t4-small | Nvidia T4 - small | 4 vCPU | 15 GB | 1x T4 16 GB | 0.60 |" in result.content
    )
    prices = [float(row.rsplit("|", 2)[1]) for row in result.content.splitlines()[2:]]
    assert len(prices) > 2 and prices == sorted(prices)
    assert "bytes per parameter" not in result.content


async def test_a_small_model_gets_the_table_as_any_model_does(hub: FakeHub) -> None:
    """No pick's arithmetic handed over under the table (it was a task's solution)."""
    from tests.fakes.tool_calls import call_tool

    small = await call_tool(JOBS, {"operation": "hardware"}, read_tokens=1000)
    large = await invoke(JOBS, operation="hardware")
    assert small == large.content and "bytes per parameter" not in small


async def test_uv_sends_the_script_inline_and_returns_at_once(hub: FakeHub) -> None:
    result = await invoke(
        JOBS,
        operation="uv",
        script=SCRIPT,
        dependencies=["trl", "peft>=0.10"],
        script_args=["--lr", "1e-4"],
    )
    assert result.content.startswith("Started job job00001 on cpu-basic (RUNNING).")
    assert f"URL: {hub.url}/jobs/alice/job00001" in result.content
    spec = last_spec(hub)
    assert spec["dockerImage"] == UV_IMAGE and spec["flavor"] == "cpu-basic"
    assert spec["command"] == [
        "bash", "-c", BOOTSTRAP, "ml-intern-job", "--with", "trl", "--with", "peft>=0.10",
        "/tmp/ml_intern_job.py", "--lr", "1e-4",
    ]  # fmt: skip
    assert base64.b64decode(spec["environment"]["ML_INTERN_SCRIPT_B64"]).decode() == SCRIPT
    assert spec["secrets"] == {"HF_TOKEN": hub.token} and "timeoutSeconds" not in spec


async def test_uv_reads_a_local_script_or_passes_a_url(hub: FakeHub, workspace: Path) -> None:
    (workspace / "train.py").write_text("print('from disk')\n")
    await invoke(JOBS, workspace, operation="uv", script="train.py")
    encoded = last_spec(hub)["environment"]["ML_INTERN_SCRIPT_B64"]
    assert base64.b64decode(encoded) == b"print('from disk')\n"
    url = "https://huggingface.co/datasets/acme/scripts/resolve/main/sft.py"
    await invoke(JOBS, operation="uv", script=url, dependencies=["trl"])
    assert last_spec(hub)["command"] == ["uv", "run", "--with", "trl", url]
    missing = await invoke(JOBS, workspace, operation="uv", script="nope.py")
    assert (
        missing.status == "error"
        and "Script file" in missing.content
        and "not found" in missing.content
    )


async def test_the_token_goes_to_every_job_as_a_secret_and_is_never_shown(
    hub: FakeHub, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A job that only downloads a gated model needs the token as much as one that pushes."""
    from tools.hub.jobs import describe_job

    gated = "from transformers import AutoModel\nAutoModel.from_pretrained('meta/gated')\n"
    started = await invoke(JOBS, operation="uv", script=gated)
    assert last_spec(hub)["secrets"] == {"HF_TOKEN": hub.token}
    shown = await invoke(JOBS, operation="inspect", job_id="job00001")
    assert "secrets: HF_TOKEN (values hidden)" in shown.content
    assert hub.token not in started.content + shown.content
    approval = describe_job({"operation": "uv", "script": gated, "secrets": ["WANDB_API_KEY"]})
    assert "secrets: WANDB_API_KEY, HF_TOKEN (values hidden)" in approval
    assert hub.token not in approval
    await invoke(JOBS, operation="uv", script=gated, hf_token="never")
    assert "secrets" not in last_spec(hub)
    assert "secrets" not in describe_job({"operation": "uv", "hf_token": "never"})
    monkeypatch.setenv("WANDB_API_KEY", "wandb-secret")
    await invoke(JOBS, operation="uv", script=SCRIPT, secrets=["WANDB_API_KEY"])
    assert last_spec(hub)["secrets"] == {"WANDB_API_KEY": "wandb-secret", "HF_TOKEN": hub.token}
    unset = await invoke(JOBS, operation="uv", script=SCRIPT, secrets=["NOT_SET_ANYWHERE"])
    assert unset.status == "error" and "NOT_SET_ANYWHERE is not set" in unset.content


async def test_run_on_a_gpu_gets_a_two_hour_timeout_and_bad_flavors_are_refused(
    hub: FakeHub,
) -> None:
    await invoke(
        JOBS,
        operation="run",
        image="python:3.12",
        command="python -c 'print(1)'",
        flavor="t4-small",
    )
    spec = last_spec(hub)
    assert spec["command"] == ["python", "-c", "print(1)"] and spec["timeoutSeconds"] == 7200
    await invoke(JOBS, operation="run", image="python:3.12", command=["true"], timeout="10m")
    assert last_spec(hub)["timeoutSeconds"] == 600
    bad = await invoke(JOBS, operation="run", image="x", command=["y"], flavor="gpu-9000")
    assert (
        bad.status == "error"
        and "unknown flavor 'gpu-9000'" in bad.content
        and "a10g-large" in bad.content
    )
    no_image = await invoke(JOBS, operation="run", command=["y"])
    assert no_image.status == "error" and "needs `image` and `command`" in no_image.content


async def test_wait_streams_each_log_line_and_returns_the_log(
    hub: FakeHub, events: list[dict[str, Any]]
) -> None:
    result = await invoke(JOBS, writer=events.append, operation="uv", script=SCRIPT, wait=True)
    assert result.content.startswith("Job job00001 finished: COMPLETED.")
    assert result.content.endswith("step 3/3 loss=1.20\nTraining done")
    lines = [e for e in events if "job_id" in e and e["type"] == "tool_log"]
    assert [e["line"] for e in lines] == hub.job_logs
    assert "Ctrl-C stops following, the job keeps running" in events[0].get("line", "")
    logs = [e for e in events if e["type"] == "tool_log"]
    assert {e["tool"] for e in logs} == {"hf_jobs"}
    ended = [e for e in events if e["type"] == "job_finished"]  # Slack's auto event
    assert ended == [
        {"type": "job_finished", "job_id": "job00001", "stage": "COMPLETED", "url": ended[0]["url"]}
    ]
    assert lines[-1]["progress"].startswith("job job00001 RUNNING · 5 lines · 0:00:0")


async def test_a_long_log_reaches_the_model_as_head_and_tail(hub: FakeHub) -> None:
    hub.job_line_delay = 0.001
    hub.job_logs = [f"line {i}" for i in range(500)]
    result = await invoke(JOBS, operation="uv", script=SCRIPT, wait=True)
    text = result.content
    assert "Log (500 lines; first and last shown)" in text
    assert "line 0\n" in text and "line 14\n" in text and "line 15\n" not in text
    assert "[... 425 lines not shown ...]" in text and text.endswith("line 499")


async def test_a_failed_job_reports_its_stage(hub: FakeHub, events: list[dict[str, Any]]) -> None:
    hub.job_final_stage = "ERROR"
    job = {"image": "python:3.12", "command": ["false"], "wait": True}
    result = await invoke(JOBS, writer=events.append, operation="run", **job)
    assert "finished: ERROR" in result.content


async def test_ctrl_c_stops_following_but_the_job_keeps_running(
    hub: FakeHub, events: list[dict[str, Any]]
) -> None:
    from tools.call_context import interrupted_note

    hub.job_line_delay = 0.5
    hub.job_logs = [f"step {i}" for i in range(40)]
    following = invoke(JOBS, writer=events.append, operation="uv", script=SCRIPT, wait=True)
    task = asyncio.create_task(following)
    while not [e for e in events if "job_id" in e]:
        await asyncio.sleep(0.02)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert not hub.sent_to("/cancel$") and not hub.jobs["job00001"].get("_forced")
    note = interrupted_note("call-1")  # what the model reads in place of the result
    assert note is not None and "job job00001" in note and "still running" in note
    assert "operation='follow', job_id='job00001'" in note and "operation='cancel'" in note


async def release_once_followed(hub: FakeHub, gate: threading.Event) -> None:
    """Set `gate` once someone opens a job's log stream."""
    while not hub.sent_to(r"/logs$"):
        await asyncio.sleep(0.01)
    gate.set()


async def test_follow_an_existing_job_until_it_ends(hub: FakeHub) -> None:
    hub.job_logs = ["epoch 1", "epoch 2", "saved"]
    # Still running when the follow starts, however loaded the machine: held until then.
    followed_yet = threading.Event()
    hub.job_line_delay, hub.job_hold = 0.05, (followed_yet, 0)
    await invoke(JOBS, operation="uv", script=SCRIPT)
    release = asyncio.create_task(release_once_followed(hub, followed_yet))
    followed = await invoke(JOBS, operation="follow", job_id="job00001")
    await release
    assert followed.content.startswith("Job job00001 finished: COMPLETED.")
    assert followed.content.endswith("epoch 1\nepoch 2\nsaved")
    again = await invoke(JOBS, operation="follow", job_id="job00001")
    assert "Job job00001 already ended: COMPLETED" in again.content and "saved" in again.content
    missing = await invoke(JOBS, operation="follow", job_id="job99999")
    assert missing.status == "error" and "job99999" in missing.content


async def test_following_can_stop_at_a_budget_without_cancelling(hub: FakeHub) -> None:
    from tests.fakes.tool_calls import call_context
    from tools.hub.client import hub_api

    hub.job_line_delay = 0.2
    hub.job_logs = [f"step {i}" for i in range(40)]
    job = hub_api().run_job(image="python:3.12", command=["train"], namespace="alice")
    final, log = await follow(call_context("hf_jobs"), job, "alice", budget=0.5)
    assert final.status.stage == "RUNNING" and 1 <= log.count < 40
    assert not hub.sent_to("/cancel$")


async def test_a_dropped_connection_to_the_hub_does_not_end_the_follow(
    hub: FakeHub, events: list[dict[str, Any]]
) -> None:
    from tests.fakes.tool_calls import call_context
    from tools.hub.client import hub_api

    hub.job_logs = ["epoch 1", "epoch 2", "saved"]
    job = hub_api().run_job(image="python:3.12", command=["train"], namespace="alice")
    hub.hang_up(r"/logs$")  # the log stream's connection drops
    hub.hang_up(r"^/api/jobs/alice/job\d+$")  # and so does the next status check
    final, log = await follow(call_context("hf_jobs", writer=events.append), job, "alice")
    assert final.status.stage == "COMPLETED"
    assert log.count == 3 and log.text().endswith("saved")
    said = [e.get("line", "") for e in events]
    assert any("lost contact with the Hub" in line for line in said)


async def test_ps_logs_inspect_and_cancel(hub: FakeHub) -> None:
    await invoke(JOBS, operation="uv", script=SCRIPT, wait=True)
    hub.job_line_delay = 5.0
    await invoke(
        JOBS, operation="run", image="python:3.12", command=["sleep", "99"], flavor="a10g-large"
    )
    running = await invoke(JOBS, operation="ps")
    assert running.content.startswith("1 jobs in alice:\n- job00002 · RUNNING · a10g-large")
    everything = await invoke(JOBS, operation="ps", all=True)
    assert "job00001 · COMPLETED" in everything.content
    logs = await invoke(JOBS, operation="logs", job_id="job00001", tail=2)
    assert logs.content == "Last 2 lines of job job00001:\nstep 3/3 loss=1.20\nTraining done"
    inspected = await invoke(JOBS, operation="inspect", job_id="job00001")
    assert inspected.content.startswith(f"job job00001 · COMPLETED · cpu-basic · {UV_IMAGE}")
    assert (
        await invoke(JOBS, operation="cancel", job_id="job00002")
    ).content == "Cancelled job job00002."
    assert (await invoke(JOBS, operation="ps")).content == "No running jobs in alice."
    missing = await invoke(JOBS, operation="inspect", job_id="nope")
    assert missing.status == "error" and "not found (404)" in missing.content


async def test_scheduled_jobs(hub: FakeHub) -> None:
    made = await invoke(
        JOBS, operation="scheduled_run", script=SCRIPT, schedule="@daily", flavor="t4-small"
    )
    assert made.content.startswith("Scheduled job sched00001 (@daily, t4-small).")
    spec = hub.sent_to("/api/scheduled-jobs/alice")[-1].json()
    assert spec["schedule"] == "@daily" and spec["jobSpec"]["dockerImage"] == UV_IMAGE
    listed = await invoke(JOBS, operation="scheduled_ps")
    assert "- sched00001 · @daily · active" in listed.content
    await invoke(JOBS, operation="scheduled_suspend", job_id="sched00001")
    assert hub.scheduled["sched00001"]["suspend"] is True
    await invoke(JOBS, operation="scheduled_resume", job_id="sched00001")
    assert hub.scheduled["sched00001"]["suspend"] is False
    deleted = await invoke(JOBS, operation="scheduled_delete", job_id="sched00001")
    assert deleted.content == "Scheduled job sched00001 deleted." and not hub.scheduled
    no_schedule = await invoke(JOBS, operation="scheduled_run", image="x", command=["y"])
    assert no_schedule.status == "error" and "needs `schedule`" in no_schedule.content


async def test_payment_required_says_credits_are_needed(hub: FakeHub) -> None:
    hub.fail(r"^/api/jobs/alice$", 402, "Payment required", method="POST")
    result = await invoke(
        JOBS, operation="run", image="python:3.12", command=["true"], flavor="a10g-large"
    )
    assert result.status == "error"
    assert result.content.startswith("Starting the job failed: payment is required (402)")
    assert "credits" in result.content and "settings/billing" in result.content


async def test_jobs_in_an_org_and_without_a_token(
    hub: FakeHub, monkeypatch: pytest.MonkeyPatch
) -> None:
    await invoke(JOBS, operation="run", image="python:3.12", command=["true"], namespace="acme")
    assert hub.sent_to(r"^/api/jobs/acme$") and not hub.sent_to("whoami")
    monkeypatch.delenv("HF_TOKEN")
    monkeypatch.setattr("huggingface_hub.get_token", lambda: None)
    result = await invoke(JOBS, operation="ps")
    assert result.status == "error" and "Jobs need a Hugging Face token" in result.content


async def test_a_job_whose_logs_cannot_be_followed_is_still_reported(
    hub: FakeHub, events: list[dict[str, Any]]
) -> None:
    hub.fail(r"/logs$", 503, "logs are down")
    result = await invoke(JOBS, operation="uv", script=SCRIPT, wait=True)
    assert result.status == "success" and result.content.startswith("Started job job00001")
    assert (
        "following it failed: Following the job's logs failed: the server had an error (503)"
        in (result.content)
    )
