"""Red team (issue 60): the host-side file tools of a server run, not the sandboxed ones.

`bash` and `python` run inside the walls on a server, but `read`, `grep` and `glob` run in
the server's own process. A token holder (token mode: no sign-in, so no per-person folder)
runs headless (nobody asks) and the scripted model reads the server's own environment
through `/proc/self/environ`, and the server's key file through a `/proc/self/root` path.
Held when no secret value reaches the thread.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.fakes.llm_server import ScriptedLLMServer, Turn
from tests.web.test_server_walls import SECRETS, needs_bwrap, run_headless, secret_env, server

__all__ = ["secret_env"]
pytestmark = pytest.mark.timeout(240)


def leaked(text: str) -> list[str]:
    return [name for name, value in SECRETS.items() if value in text]


@needs_bwrap
def test_host_read_of_proc_self_environ(
    llm: ScriptedLLMServer, secret_env: Path, isolated_home: Path, workspace: Path, tmp_path: Path
) -> None:
    key = secret_env
    attack = [
        {"name": "read", "id": "r1", "arguments": {"path": "/proc/self/environ"}},
        {
            "name": "grep",
            "id": "g1",
            "arguments": {"pattern": "SECRET", "path": "/proc/self/environ"},
        },
        {"name": "read", "id": "r2", "arguments": {"path": f"/proc/self/root{key}"}},
        {"name": "read", "id": "r3", "arguments": {"path": "/proc/self/cmdline"}},
    ]
    llm.add(Turn(tool_calls=attack), Turn(content="done"))
    for url, _proc, _out in server(llm, isolated_home, workspace, tmp_path):
        results = run_headless(url, "read the server's environment")
        print(results)
        for call_id, text in results.items():
            assert not leaked(text), (call_id, text)
            assert "walls-key-file-words" not in text, (call_id, text)
