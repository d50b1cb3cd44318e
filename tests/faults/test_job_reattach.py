"""A process killed while following a job: the resumed thread follows the same job to its end.

The child (tests/faults/session_child.py) starts a training job with `wait=true` and is
SIGKILLed while the job's log streams; this process then resumes the thread. The unfinished
call runs again and must re-attach to that job, not start a second one.
"""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from tests.fakes.agent import collect, fast_settings, open_session
from tests.fakes.hub_server import FakeHub
from tests.fakes.llm_server import ScriptedLLMServer, Turn
from tests.fakes.transcript_checks import tool_results
from tests.faults.conftest import CHILD_ENV
from tests.faults.forkserver import ForkServer

SCRIPT = "from trl import SFTTrainer\nprint('training')\n"


async def test_a_restart_re_attaches_to_the_job_it_was_following(
    forkserver: ForkServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    call = {
        "name": "hf_jobs",
        "id": "j1",
        "arguments": {"operation": "uv", "script": SCRIPT, "wait": True},
    }
    with FakeHub() as hub, ScriptedLLMServer([Turn(tool_calls=[call])]) as llm:
        # It holds after two lines until the child is killed, then runs on (1 s); it may end
        # before the thread resumes: the same job.
        gate = threading.Event()
        hub.job_line_delay, hub.job_hold = 0.05, (gate, 2)
        hub.job_logs = [f"step {i}/20" for i in range(20)]
        home, ws = tmp_path / "home", tmp_path / "ws"
        ws.mkdir()
        env = {**CHILD_ENV, "HF_ENDPOINT": hub.url, "HF_TOKEN": hub.token}
        spec = {
            "home": str(home),
            "workspace": str(ws),
            "thread": "train",
            "api_base": llm.url,
            "env": env,
            "prompt": "train it",
            "log": str(tmp_path / "child.log"),
        }
        child = forkserver.spawn(spec, label="following a job")
        child.wait_for(lambda e: e["type"] == "tool_log" and e["data"].get("job_id"))
        child.kill()  # mid-stream: the job runs on
        gate.set()

        for name, value in env.items():
            monkeypatch.setenv(name, value)
        monkeypatch.setenv("ML_INTERN_HOME", str(home))
        llm.add(Turn(content="The job finished."))
        settings = fast_settings(llm.url)
        async with open_session(settings, ws, thread_id="train", mode="headless") as session:
            assert await session.has_unfinished_run()
            events = await collect(session.continue_pending())

    assert len(hub.sent_to(r"^/api/jobs/alice$")) == 1  # one job created, in all
    result = tool_results(llm.requests[-1])["j1"]
    assert result.startswith("Re-attached to job job00001 after a restart")
    assert "COMPLETED" in result and "step 19/20" in result
    assert events[-1].data["final_text"] == "The job finished."
