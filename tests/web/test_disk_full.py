"""`ml-intern web` whose disk fills up: the run that cannot write is refused with a sentence
that says so (507, not a bare 500) before the model is asked, the thread keeps what it had
(nothing half-written, its lock not left taken), and with space again the thread goes on.
The home is a small tmpfs (root only: skipped else)."""

from __future__ import annotations

import contextlib
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.fakes.llm_server import ScriptedLLMServer, Turn
from tests.fakes.server_runs import run_body
from tests.web.web_harness import free_port, start_web, stop_web, wait_for_ready

pytestmark = pytest.mark.timeout(300)


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    place = tmp_path / "small-disk"
    place.mkdir()
    if os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs needs root")
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=48m", "tmpfs", str(place)],
                             capture_output=True)  # fmt: skip
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.decode().strip()}")
    yield place
    subprocess.run(["umount", "-l", str(place)], check=False)


def fill(place: Path) -> Path:
    """Write zeros into `place` until its disk is full; the filler file."""
    filler = place / "filler"
    with contextlib.suppress(OSError), filler.open("wb") as sink:
        while True:
            sink.write(b"\0" * (1 << 20))
            sink.flush()
    return filler


def test_a_full_disk_ends_the_run_clearly_and_the_thread_goes_on(
    llm: ScriptedLLMServer, small_disk: Path, workspace: Path, tmp_path: Path
) -> None:
    port = free_port()
    proc, out = start_web(workspace, small_disk / "home", llm.url, tmp_path, "--port", str(port))
    api = httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=120, trust_env=False)
    try:
        wait_for_ready(proc, out)
        thread = api.post("/threads", json={}).json()["thread_id"]
        llm.add(Turn(content="First answer."))
        first = api.post(f"/threads/{thread}/runs/wait", json=run_body("first question"))
        assert "First answer." in first.text, first.text

        filler = fill(small_disk)
        asked = len(llm.requests)
        full = api.post(f"/threads/{thread}/runs/wait", json=run_body("second question " * 500))
        assert full.status_code == 507 and "disk is full" in full.json()["detail"], full.text
        assert len(llm.requests) == asked  # refused before the model was paid for anything
        assert api.get("/ok").status_code == 200

        filler.unlink()
        llm.add(Turn(content="Third answer."))
        third = api.post(f"/threads/{thread}/runs/wait", json=run_body("third question"))
        assert third.status_code == 200 and "Third answer." in third.text, third.text
        messages = api.get(f"/threads/{thread}/state").json()["values"]["messages"]
        humans = [str(m["content"])[:15] for m in messages if m["type"] == "human"]
        assert humans[0] == "first question" and humans[-1] == "third question"
        assert humans.count("second question") <= 1
    finally:
        api.close()
        stop_web(proc)
