"""The local sandbox, with real bubblewrap: tries to escape must fail, the workspace must work.

CI installs bubblewrap (.ci/run); without it these tests skip, and the start-up check says
how to install it.
"""

from __future__ import annotations

import asyncio
import http.server
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.fakes.tool_calls import call_tool
from tools.local.bash import bash_spec
from tools.local.sandbox import Sandbox, sandbox_problem
from tools.local.sandbox_pins import vanished_mount
from tools.local.tree_scan import Findings
from tools.policy import PolicyContext, decide

needs_bwrap = pytest.mark.skipif(
    shutil.which("bwrap") is None or sandbox_problem(Sandbox()) is not None,
    reason="bubblewrap is not installed or cannot create namespaces here",
)


@pytest.fixture
def home(monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A home directory on the host's file system (/tmp is private inside the sandbox)."""
    root = Path(tempfile.mkdtemp(prefix="ml-intern-sandbox-home-", dir="/var/tmp"))
    home = root / "home"
    (home / ".ssh").mkdir(parents=True)
    (home / ".ssh" / "id_rsa").write_text("-----BEGIN OPENSSH PRIVATE KEY-----\nplanted\n")
    (home / ".netrc").write_text("machine example.com password planted-netrc\n")
    monkeypatch.setenv("HOME", str(home))
    yield home
    shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def ws(home: Path) -> Path:
    workspace = home / "project"
    workspace.mkdir()
    return workspace


async def sandboxed(command: str, ws: Path, sandbox: Sandbox | None = None) -> str:
    tool = bash_spec(sandbox or Sandbox()).tool
    message = await call_tool(tool, {"command": command, "timeout": 20}, ws, as_tool_call=True)
    return str(message.content)


@pytest.fixture
def loopback_server() -> Iterator[str]:
    class Hello(http.server.BaseHTTPRequestHandler):
        disable_nagle_algorithm = True  # the body never waits for the ACK of the headers

        def do_GET(self) -> None:
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b"reached the host")

        def log_message(self, *_args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Hello)
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


@pytest.fixture
def host_dir() -> Iterator[Path]:
    """A directory on the host's own file system (not under /tmp, which is private inside)."""
    path = Path(tempfile.mkdtemp(prefix="ml-intern-sandbox-", dir="/var/tmp"))
    yield path
    shutil.rmtree(path, ignore_errors=True)


@needs_bwrap
async def test_writes_outside_the_workspace_fail(ws: Path, host_dir: Path) -> None:
    out = await sandboxed(f"echo x > {host_dir}/escaped.txt; echo y > /etc/escaped", ws)
    assert out.count("Read-only file system") == 2
    assert not (host_dir / "escaped.txt").exists() and not Path("/etc/escaped").exists()
    # /tmp inside is private: what is written there never reaches the host's /tmp.
    probe = Path(f"/tmp/ml-intern-sandbox-probe-{os.getpid()}")
    await sandboxed(f"echo x > {probe}", ws)
    assert not probe.exists()


@needs_bwrap
async def test_credentials_are_hidden(ws: Path) -> None:
    out = await sandboxed('cat "$HOME/.ss"h/id_rsa; ls -A ~/.ssh | wc -l; cat ~/.netrc', ws)
    assert "planted" not in out and "PRIVATE KEY" not in out
    assert "id_rsa: No such file or directory\n0\n" in out  # ~/.ssh is an empty directory


@needs_bwrap
async def test_symlinks_do_not_lead_out(ws: Path, host_dir: Path) -> None:
    (ws / "data").symlink_to(host_dir)
    out = await sandboxed("echo x > data/written.txt", ws)
    assert "Read-only file system" in out and not (host_dir / "written.txt").exists()


@needs_bwrap
async def test_the_network_is_off_unless_allowed(ws: Path, loopback_server: str) -> None:
    fetch = f"python3 -c \"import urllib.request as u; print(u.urlopen('{loopback_server}', timeout=3).read())\""
    blocked = await sandboxed(fetch, ws)
    assert "reached the host" not in blocked and "[exit code: 1]" in blocked
    allowed = await sandboxed(fetch, ws, Sandbox(network=True))
    assert "reached the host" in allowed


@needs_bwrap
async def test_host_processes_cannot_be_signalled(ws: Path) -> None:
    victim = subprocess.Popen(["sleep", "60"])
    try:
        out = await sandboxed(f"kill -9 {victim.pid}; echo rc=$?", ws)
        assert "rc=1" in out and victim.poll() is None  # still running
    finally:
        victim.kill()
        victim.wait()


@needs_bwrap
async def test_the_workspace_stays_usable(ws: Path) -> None:
    (ws / "train.py").write_text("print(sum(range(10)))\n")
    # The base interpreter, not this venv's: a checkout under /tmp (CI's clone) is hidden
    # behind the sandbox's private /tmp.
    python = Path(sys.base_prefix) / "bin" / "python3"
    out = await sandboxed(
        f"{python} train.py && {python} -m venv --without-pip .venv && "
        ".venv/bin/python -c 'print(\"venv ok\")' && echo done > result.txt",
        ws,
    )
    assert "45" in out and "venv ok" in out and "[exit code: 0]" in out
    assert (ws / "result.txt").read_text() == "done\n" and (ws / ".venv").is_dir()


@needs_bwrap
async def test_a_timeout_kills_everything_inside(ws: Path) -> None:
    tool = bash_spec(Sandbox()).tool
    args = {"command": "sleep 30 & sleep 30", "timeout": 1}
    result = await call_tool(tool, args, ws, as_tool_call=True)
    assert "timed out after 1 s" in str(result.content)


def test_inside_the_sandbox_commands_run_without_asking(ws: Path) -> None:
    rule = bash_spec(Sandbox()).approval
    interactive = PolicyContext(mode="interactive", workspace=ws)
    assert decide("bash", {"command": "pip install -e . && pytest"}, rule, interactive) == "auto"
    assert decide("bash", {"command": "cat ~/.ssh/id_rsa"}, rule, interactive) == "ask"
    headless = PolicyContext(mode="headless", workspace=ws)
    assert decide("bash", {"command": "cat ~/.ssh/id_rsa"}, rule, headless) == "deny"


async def test_without_bubblewrap_it_refuses_to_run_instead_of_running_unsandboxed(
    ws: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    problem = sandbox_problem(Sandbox())
    assert problem is not None and "bubblewrap is not installed" in problem
    assert "apt install bubblewrap" in problem
    tool = bash_spec(Sandbox()).tool
    result = await call_tool(tool, {"command": "touch ran.txt"}, ws, as_tool_call=True)
    assert result.status == "error" and "The sandbox is on but cannot run" in result.content
    assert not (ws / "ran.txt").exists()


def test_the_cli_fails_at_start_when_the_sandbox_cannot_run(
    ws: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from cli.launch import Flags, launch

    empty = tmp_path / "empty-bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    monkeypatch.setenv("ML_INTERN_HOME", str(tmp_path / "mlhome"))
    monkeypatch.chdir(ws)
    code = launch(Flags(prompt="train it", sandbox=True))
    assert code == 1
    assert "bubblewrap is not installed" in capsys.readouterr().err


@needs_bwrap
async def test_the_model_is_told_and_its_commands_run_inside(ws: Path, llm: Any) -> None:
    from tests.fakes.agent import collect, fast_settings, open_session
    from tests.fakes.llm_server import Turn
    from tests.fakes.transcript_checks import tool_results

    command = "touch made.txt; cat ~/.netrc; echo done"
    llm.add(
        Turn(tool_calls=[{"name": "bash", "id": "b1", "arguments": {"command": command}}]),
        Turn(content="ok"),
    )
    settings = fast_settings(llm.url, sandbox={"mode": "local"})
    async with open_session(settings, ws) as session:  # interactive: no approval asked
        events = await collect(session.send("make a file"))
    assert not [e for e in events if e.type == "approval_required"]
    system = llm.requests[0]["messages"][0]["content"]
    assert (
        "- Sandbox: bash and the python kernel run in a bubblewrap sandbox" in system
        and "no network" in system
    )
    result = tool_results(llm.requests[1])["b1"]
    assert "done" in result and "planted" not in result and (ws / "made.txt").exists()


@needs_bwrap
def test_a_hidden_place_removed_before_bubblewrap_starts_is_known(ws: Path, home: Path) -> None:
    """A host socket (or any hidden place) can vanish between the sandbox's listing and
    bubblewrap's mounts: bubblewrap then fails before the command starts, and that failure
    is recognised from its real message, so the command is started again rather than lost."""
    gone = home.parent / "svc" / "svc.sock"
    gone.parent.mkdir()
    gone.write_text("")
    wrapped = Sandbox(hidden=(str(gone),)).wrap(["/bin/bash", "-c", "echo ran"], ws, None)
    shutil.rmtree(gone.parent)
    rebuild, wrapped.again = wrapped.again, None  # a bare start: bubblewrap's own message
    failed = wrapped.run(20, cwd=ws, capture_output=True, text=True)
    assert failed.returncode != 0 and "ran" not in failed.stdout
    assert vanished_mount(failed.stderr, wrapped.argv)
    assert not vanished_mount("bwrap: Can't mkdir parents for /etc/x: no\n", wrapped.argv)
    assert (
        rebuild is not None
        and "ran" in rebuild().run(20, cwd=ws, capture_output=True).stdout.decode()
    )
    # Through the tool, whose listing is fresh on each start, the same place gone runs.
    out = asyncio.run(sandboxed("echo ran", ws, Sandbox(hidden=(str(gone),))))
    assert out == "ran\n[exit code: 0]"


@needs_bwrap
def test_a_host_socket_removed_between_the_scan_and_the_start_is_skipped(
    ws: Path, host_dir: Path
) -> None:
    """Another user's PostgreSQL stops between the sandbox's scan of the host's sockets and
    bubblewrap's mounts (`bwrap: Can't create file at .../.s.PGSQL.5432: Read-only file
    system`): the start is not lost, and what was hidden is hidden still."""
    path = host_dir / ".s.PGSQL.5432"
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(str(path))
    server.listen()
    kept = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    kept.bind(str(host_dir / "kept.sock"))
    kept.listen()
    try:
        probe = f"test -S {path} && echo visible; test -S {host_dir}/kept.sock && echo kept-visible; echo ran"
        wrapped = Sandbox().wrap(["/bin/bash", "-c", probe], ws, Findings())  # the scan
        assert str(path) in wrapped.argv  # meant to be hidden
        server.close()
        path.unlink()  # the service stopped before bubblewrap started
        done = wrapped.run(30, cwd=ws, capture_output=True, text=True)
    finally:
        kept.close()
    assert done.returncode == 0, done.stderr
    assert done.stdout == "ran\n"  # the socket still there is hidden on the second start


@needs_bwrap
async def test_what_appears_after_a_command_is_hidden_from_the_next(
    ws: Path, home: Path, host_dir: Path
) -> None:
    """Each command's walls are built from the host as it is when it starts: a credential
    folder, a workspace `.env` and a host socket made after one command are hidden from the
    next one of the same tool (nothing the first one looked up is taken as still true)."""
    tool = bash_spec(Sandbox()).tool

    async def run(command: str) -> str:
        message = await call_tool(tool, {"command": command, "timeout": 20}, ws, as_tool_call=True)
        return str(message.content)

    sock = host_dir / "later.sock"
    probe = f"ls -A ~/.aws | wc -l; (wc -c < .env) 2>/dev/null || echo 0; test -S {sock} && echo s"
    assert "No such file" in await run(probe)  # none of them there yet
    (home / ".aws").mkdir()
    (home / ".aws" / "credentials").write_text("[default]\naws_secret_access_key = later\n")
    (ws / ".env").write_text("LATER_TOKEN=made-after-the-first-command\n")
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(str(sock))
    server.listen()
    try:
        out = await run(probe)
    finally:
        server.close()
    assert out.startswith("0\n0\n[exit code: 1]"), out  # empty or unreadable, no socket


def test_the_mount_tables_path_parts_are_pathlibs() -> None:
    """`under` and `depth` order and place the mounts; they split paths without pathlib's
    objects and must answer as `PurePosixPath` does, odd spellings included."""
    from pathlib import PurePosixPath

    from tools.local.sandbox_git import depth, under

    odd = ["", ".", "/", "//", "///", "//a", "///a/b", "/a", "/a/", "/a//b", "/a/./b", "a/."]
    odd += ["a", "a/b", "./a", "/a/..", "/a/../b", "..", "/ab", "/a/b", "/tmp", "/tmpx/y"]
    for place in odd:
        assert depth(place) == len(PurePosixPath(place).parts), place
        for parent in odd:
            assert under(place, parent) == PurePosixPath(place).is_relative_to(parent)
