"""The sandbox runtime started as a Space starts it (`python3 server.py`, the key in its
environment): a command run through it finds the key in no environment it can read."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

import tools.hub.sandbox_app
from tools.hub.sandbox_app import KEY_ENV, KEY_HEADER

APP = Path(tools.hub.sandbox_app.__file__)
KEY = "sandbox-key-0123456789abcdef0123456789"

pytestmark = pytest.mark.skipif(not Path("/proc/self/environ").exists(), reason="needs /proc")


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    with socket.create_server(("127.0.0.1", 0)) as probe:
        port = probe.getsockname()[1]
    env = {
        "PATH": os.environ["PATH"],
        "HOME": str(tmp_path / "home"),
        "ML_INTERN_SANDBOX_WORKDIR": str(tmp_path / "work"),
        "PORT": str(port),
        KEY_ENV: KEY,
    }
    proc = subprocess.Popen(
        [sys.executable, str(APP)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 20
        while True:  # the server binds its own port: wait until it accepts
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
                assert time.monotonic() < deadline, "the sandbox runtime did not start"
                time.sleep(0.05)
        yield url, proc
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def run(url: str, command: str) -> str:
    body = {"command": command, "timeout": 30}
    with httpx.stream("POST", f"{url}/exec", json=body, headers={KEY_HEADER: KEY}) as response:
        assert response.status_code == 200
        events = [
            json.loads(line[6:]) for line in response.iter_lines() if line.startswith("data:")
        ]
    assert events[-1]["exit"] == 0, events
    return "\n".join(e["out"] for e in events if "out" in e)


def test_no_command_can_read_the_key_from_any_environment(
    server: tuple[str, subprocess.Popen[bytes]],
) -> None:
    url, proc = server
    seen = run(url, "env; tr '\\0' '\\n' < /proc/$PPID/environ; echo parent=$PPID")
    assert f"parent={proc.pid}" in seen  # the command's parent is the server, same process
    assert "ML_INTERN_SANDBOX_WORKDIR=" in seen  # it did read the server's environment
    assert KEY not in seen and KEY_ENV not in seen
    assert KEY.encode() not in Path(f"/proc/{proc.pid}/environ").read_bytes()
    refused = httpx.get(f"{url}/health", headers={KEY_HEADER: "wrong"})
    assert refused.status_code == 403  # and the server still checks the key it was given
    assert httpx.get(f"{url}/health", headers={KEY_HEADER: KEY}).json()["ok"] is True
