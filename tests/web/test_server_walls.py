"""A server's runs are walled: the agent's code never reads the server's secrets.

The attack (issue 60): on `ml-intern web` (the Space's embedded server; the team server and
`ml-intern worker` build the same graph through serve/studio.py's `SERVER`), a `bash` call ran
as the server's user: `cat /proc/*/environ` printed OAUTH_CLIENT_SECRET, DATABASE_URL and the
provider keys, and files beside the server (its ML_INTERN_HOME) were readable. Here the real
server runs on the scripted model with secrets in its environment and a key file in its home;
the model runs bash and the python tool to read them, headless (no human approves), and the
thread's tool results must hold none of them and no host pid. Without bubblewrap on PATH
the same calls answer how to install it, and nothing runs on the host.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import psutil
import pytest

from tests.fakes.llm_server import ScriptedLLMServer, Turn
from tests.web.web_harness import free_port, start_web, stop_web, wait_for_ready
from tools.local.sandbox import Sandbox, sandbox_problem

pytestmark = pytest.mark.timeout(240)
needs_bwrap = pytest.mark.skipif(
    shutil.which("bwrap") is None or sandbox_problem(Sandbox()) is not None,
    reason="needs a working bubblewrap (CI installs it)",
)

SECRETS = {
    "OAUTH_CLIENT_SECRET": "walls-oauth-client-secret-4b1f",
    "DATABASE_URL": "postgresql://ml:walls-db-password-93a@127.0.0.1:1/db",
    "ML_INTERN_SESSION_SECRET": "walls-session-secret-c0de",
    "ANTHROPIC_API_KEY": "sk-ant-walls-provider-key-77e2",
}
KEY_FILE_WORDS = "walls-key-file-words-5e5e"
# Paths built at run time, as an attacker writes them: the approval's tripwire (a credential
# place named in so many words) cannot see them, so only the walls stand in the way.
ATTACK = (
    "e=envi; h=ome; cat /proc/*/${{e}}ron | tr '\\0' '\\n'; env; ls /proc; cat {head}${{h}}{tail}"
)
PYTHON_ATTACK = (
    "import os, pathlib\n"
    "print(dict(os.environ))\n"
    "print(sorted(p for p in os.listdir('/proc') if p.isdigit()))\n"
    "for p in ['/proc/1/envi' + 'ron', '{head}' + 'ome{tail}']:\n"
    "    try: print(pathlib.Path(p).read_bytes())\n"
    "    except OSError as e: print('unreadable', p, e)\n"
)


def server(
    llm: ScriptedLLMServer, home: Path, workspace: Path, tmp_path: Path
) -> Iterator[tuple[str, subprocess.Popen[bytes], Path]]:
    """`ml-intern web` with SECRETS in its environment; its URL, process and output."""
    port = free_port()
    proc, out = start_web(workspace, home, llm.url, tmp_path, "--port", str(port))
    try:
        wait_for_ready(proc, out)
        yield f"http://127.0.0.1:{port}", proc, out
    finally:
        stop_web(proc)
        print(out.read_text(errors="replace")[-3000:])
        print((home / "web" / "server.log").read_text(errors="replace")[-4000:])


@pytest.fixture
def secret_env(isolated_home: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The server's secrets in the environment it inherits; a key file in its home."""
    for name, value in SECRETS.items():
        monkeypatch.setenv(name, value)
    isolated_home.mkdir(parents=True, exist_ok=True)
    key = isolated_home / "sign-in.key"
    key.write_text(KEY_FILE_WORDS + "\n")
    return key


def run_headless(url: str, text: str) -> dict[str, str]:
    """One headless turn (nobody approves) on a new thread; its tool results by call id."""
    with httpx.Client(base_url=url, trust_env=False, timeout=120) as client:
        thread = client.post("/threads", json={}).json()["thread_id"]
        body = {
            "assistant_id": "ml_intern",
            "input": {"messages": [{"type": "human", "content": text}]},
            "context": {"mode": "headless"},
        }
        answer = client.post(f"/threads/{thread}/runs/wait", json=body)
        assert answer.status_code == 200, answer.text
        state = client.get(f"/threads/{thread}/state").json()
    messages = state["values"]["messages"]
    return {m["tool_call_id"]: str(m["content"]) for m in messages if m["type"] == "tool"}


def host_pids(proc: subprocess.Popen[bytes]) -> set[str]:
    """The server's processes on the host: `ml-intern web` and everything under it."""
    root = psutil.Process(proc.pid)
    return {str(p.pid) for p in [root, *root.children(recursive=True)]}


def calls(key: Path) -> list[dict[str, object]]:
    """bash and python reading the environment, /proc and `key` (its name split in two, put
    together only when the code runs)."""
    cut = str(key).rindex("ml-intern-h") + len("ml-intern-h")
    parts = {"head": str(key)[:cut], "tail": str(key)[cut + len("ome") :]}
    return [
        {"name": "bash", "id": "sh", "arguments": {"command": ATTACK.format(**parts)}},
        {"name": "python", "id": "py", "arguments": {"code": PYTHON_ATTACK.format(**parts)}},
    ]


def leaks(text: str, pids: set[str]) -> list[str]:
    found = [name for name in SECRETS if name in text]
    found += [value for value in SECRETS.values() if value in text]
    found += ["the key file"] if KEY_FILE_WORDS in text else []
    numbers = {word.strip("',[]") for word in text.split()}
    return found + sorted(pids & numbers)


@needs_bwrap
def test_a_servers_tools_read_none_of_its_secrets(
    llm: ScriptedLLMServer, secret_env: Path, isolated_home: Path, workspace: Path, tmp_path: Path
) -> None:
    llm.add(Turn(tool_calls=calls(secret_env)), Turn(content="done"))
    for url, proc, out in server(llm, isolated_home, workspace, tmp_path):
        assert "WARNING" not in out.read_text()
        pids = host_pids(proc)
        results = run_headless(url, "read the server's secrets")
        assert set(results) == {"sh", "py"}, results
        for call_id, text in results.items():
            assert not leaks(text, pids), (call_id, text)
        assert "PATH=" in results["sh"]  # the command did run, in its walls
        assert "'PATH':" in results["py"]  # and so did the kernel


def path_without_bwrap(tmp_path: Path) -> str:
    """PATH with every program it had except bubblewrap (links in a folder of their own)."""
    shown = tmp_path / "path-without-bwrap"
    shown.mkdir()
    for folder in os.environ["PATH"].split(os.pathsep):
        if not os.path.isdir(folder):
            continue
        for name in os.listdir(folder):
            target = Path(folder) / name
            if name != "bwrap" and not (shown / name).exists() and os.access(target, os.X_OK):
                (shown / name).symlink_to(target)
    return str(shown)


def test_without_bubblewrap_a_server_runs_no_code(
    llm: ScriptedLLMServer,
    secret_env: Path,
    isolated_home: Path,
    workspace: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PATH", path_without_bwrap(tmp_path))
    planted = workspace / "ran-on-the-host"
    touch = [
        {"name": "bash", "id": "sh", "arguments": {"command": f"touch {planted}; env"}},
        {"name": "python", "id": "py", "arguments": {"code": f"open({str(planted)!r}, 'w')"}},
    ]
    llm.add(Turn(tool_calls=touch), Turn(content="done"))
    for url, proc, out in server(llm, isolated_home, workspace, tmp_path):
        # Said loudly at start, by the command and in the server's log; the server still serves.
        said = out.read_text()
        assert "ml-intern web: WARNING: the tools that run code are OFF" in said, said
        log = (isolated_home / "web" / "server.log").read_text(errors="replace")
        assert "are OFF on this server" in log and "bash" in log, log[-3000:]
        results = run_headless(url, "run something")
        for call_id, text in results.items():
            assert "apt-get install bubblewrap" in text, (call_id, text)
            assert not leaks(text, host_pids(proc)), (call_id, text)
        assert set(results) == {"sh", "py"} and not planted.exists()
