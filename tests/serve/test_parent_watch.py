"""A server whose `ml-intern web` was killed outright stops too, freeing its port."""

from __future__ import annotations

import os
import signal
import socket
import time
from pathlib import Path

from tests.fakes.llm_server import ScriptedLLMServer
from tests.web.web_harness import free_port, start_web, stop_web, wait_for_ready


def servers_for(home: Path) -> list[int]:
    """Pids of `langgraph dev` processes serving this home's config."""
    config = str(home / "web" / "langgraph.json")
    pids = []
    for entry in Path("/proc").iterdir():
        try:
            argv = (entry / "cmdline").read_bytes().split(b"\0")
        except (OSError, ValueError):
            continue
        if b"dev" in argv and config.encode() in argv:
            pids.append(int(entry.name))
    return pids


def port_is_free(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) != 0


def test_a_server_whose_starter_was_killed_stops(
    llm: ScriptedLLMServer, isolated_home: Path, workspace: Path, tmp_path: Path
) -> None:
    port = free_port()
    proc, out = start_web(workspace, isolated_home, llm.url, tmp_path, "--port", str(port))
    try:
        wait_for_ready(proc, out)
        assert servers_for(isolated_home), "no langgraph dev process found"
        os.kill(proc.pid, signal.SIGKILL)  # no Ctrl-C handler runs: only the server's watch
        proc.wait(10)
        deadline = time.monotonic() + 60
        while servers_for(isolated_home) or not port_is_free(port):
            assert time.monotonic() < deadline, "the orphaned server is still running"
            time.sleep(0.2)
        log = (isolated_home / "web" / "server.log").read_text(errors="replace")
        assert "is gone; stopping" in log
    finally:
        stop_web(proc)
        for pid in servers_for(isolated_home):
            os.kill(pid, signal.SIGKILL)
