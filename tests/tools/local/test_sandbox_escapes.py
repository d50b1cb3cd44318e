"""Ways out of the local sandbox that must stay shut: the environment, host Unix sockets, the
workspace's `.git`, and ml-intern's own and other credential files.

Real bubblewrap, like test_sandbox.py; host paths live under /var/tmp and /run because /tmp
is private inside.
"""

from __future__ import annotations

import base64
import os
import shlex
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.tools.local.test_sandbox import needs_bwrap, sandboxed
from tools.local.bash_process import run_bash
from tools.local.sandbox import Sandbox

PYTHON = Path(sys.base_prefix) / "bin" / "python3"
HF_TOKEN = "hf_" + "A1b2C3d4E5f6G7h8I9j0" * 2


@pytest.fixture
def host_root(monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A host directory the sandbox can see, holding a home and a workspace in it."""
    root = Path(tempfile.mkdtemp(prefix="ml-intern-escape-", dir="/var/tmp"))
    (root / "home" / "project").mkdir(parents=True)
    monkeypatch.setenv("HOME", str(root / "home"))
    yield root
    shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def ws(host_root: Path) -> Path:
    return host_root / "home" / "project"


def _env_inside(out: str) -> dict[str, str]:
    encoded = next(line for line in out.splitlines() if line.startswith("ENV="))[4:]
    text = base64.b64decode(encoded).decode()
    return dict(line.split("=", 1) for line in text.split("\0") if "=" in line)


@needs_bwrap
async def test_only_harmless_environment_variables_get_in(
    ws: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    planted = {
        "HF_TOKEN": HF_TOKEN,
        "MY_SERVICE_API_KEY": "planted-service-key-1234",
        "WANDB_API_KEY": "planted-wandb-key-5678",
        "SSH_AUTH_SOCK": "/var/tmp/nowhere/agent.sock",
        "DBUS_SESSION_BUS_ADDRESS": "unix:path=/run/user/0/bus",
        "PIP_INDEX_URL": "https://alice:planted-pip-password@pypi.example/simple",
        "UNRELATED_SETTING": "planted-unrelated",
        "HF_ENDPOINT": "http://hub.example",
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
    }
    for name, value in planted.items():
        monkeypatch.setenv(name, value)
    # base64 gets past output masking: what is inside is what the model could read.
    command = "echo ENV=$(env -0 | base64 -w0)"
    inside = _env_inside(await sandboxed(command, ws))
    for value in planted.values():
        if value.startswith("planted") or "planted" in value or value == HF_TOKEN:
            assert value not in inside.values()
    assert not {"SSH_AUTH_SOCK", "DBUS_SESSION_BUS_ADDRESS", "UNRELATED_SETTING"} & set(inside)
    assert inside["HF_ENDPOINT"] == "http://hub.example" and inside["LC_ALL"] == "C.UTF-8"
    assert inside["HOME"] == os.environ["HOME"] and "PATH" in inside
    # What the config passes in gets in as it is, and only that.
    allowed = _env_inside(await sandboxed(command, ws, Sandbox(env_allow=("WANDB_API_KEY",))))
    assert allowed["WANDB_API_KEY"] == "planted-wandb-key-5678" and "HF_TOKEN" not in allowed


class _SocketServer:
    """A Unix socket on the host that answers every connection with `reached the host`."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.bind(str(path))
        self.sock.listen()
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with conn:
                conn.sendall(b"reached the host")

    def close(self) -> None:
        self.sock.close()
        self.path.unlink(missing_ok=True)


@pytest.fixture
def host_sockets(host_root: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[list[Path]]:
    """Listening sockets in /run (like D-Bus or docker.sock), in a visible host directory,
    and an ssh-agent's, named by SSH_AUTH_SOCK."""
    run_dir = Path(tempfile.mkdtemp(prefix="ml-intern-escape-", dir="/run"))
    (host_root / "agent").mkdir()
    paths = [run_dir / "bus", host_root / "service.sock", host_root / "agent" / "agent.sock"]
    servers = [_SocketServer(path) for path in paths]
    monkeypatch.setenv("SSH_AUTH_SOCK", str(paths[2]))
    yield paths
    for server in servers:
        server.close()
    shutil.rmtree(run_dir, ignore_errors=True)


def _connect_script(paths: list[Path]) -> str:
    code = (
        "import socket,sys\n"
        "for p in sys.argv[1:]:\n"
        "    s = socket.socket(socket.AF_UNIX)\n"
        "    try:\n"
        "        s.connect(p); print(p, s.recv(100).decode())\n"
        "    except OSError as e:\n"
        "        print(p, 'refused', e.strerror)\n"
    )
    return f"{PYTHON} -c {shlex.quote(code)} " + " ".join(str(p) for p in paths)


@needs_bwrap
@pytest.mark.parametrize("network", [False, True])
async def test_host_unix_sockets_cannot_be_reached(
    ws: Path, host_sockets: list[Path], network: bool
) -> None:
    script = _connect_script(host_sockets)
    outside = subprocess.run(["bash", "-c", script], capture_output=True, text=True, check=True)
    assert outside.stdout.count("reached the host") == 3  # the servers answer
    out = await sandboxed(script, ws, Sandbox(network=network))
    assert "reached the host" not in out and out.count(" refused ") == 3, out


@needs_bwrap
async def test_run_is_private(ws: Path) -> None:
    """/run holds the host's sockets and, in containers, mounted secrets (/run/secrets)."""
    run_dir = Path(tempfile.mkdtemp(prefix="ml-intern-escape-", dir="/run"))
    try:
        (run_dir / "secret").write_text("planted run secret")
        out = await sandboxed(f"cat {run_dir}/secret; ls /run | wc -l", ws)
        assert "planted" not in out and "No such file or directory\n0\n" in out, out
    finally:
        shutil.rmtree(run_dir, ignore_errors=True)


def _git(ws: Path, *args: str) -> str:
    done = subprocess.run(["git", *args], cwd=ws, capture_output=True, text=True, check=True)
    return done.stdout


@needs_bwrap
@pytest.mark.parametrize("hooks_dir", [True, False])
async def test_git_hooks_and_config_cannot_be_planted(ws: Path, hooks_dir: bool) -> None:
    _git(ws, "init", "-q")
    if not hooks_dir:
        shutil.rmtree(ws / ".git" / "hooks")
    config = (ws / ".git" / "config").read_text()
    out = await sandboxed(
        "mkdir -p .git/hooks; echo 'touch /var/tmp/pwned' > .git/hooks/post-checkout; "
        "git config core.fsmonitor 'touch /var/tmp/pwned'; mv .git .git-old; "
        "rm -f .git/config; echo notes > notes.txt && git add notes.txt && "
        "git -c user.name=a -c user.email=a@example.com commit -qm notes && echo committed",
        ws,
    )
    assert "committed" in out, out  # ordinary work, git included, still goes through
    assert (ws / ".git" / "config").read_text() == config
    assert not (ws / ".git" / "hooks" / "post-checkout").exists()
    assert not (ws / ".git-old").exists() and (ws / "notes.txt").read_text() == "notes\n"
    assert _git(ws, "log", "--format=%s").strip() == "notes"


PLANT = (
    "mkdir -p .git/hooks; echo 'touch /var/tmp/pwned' > .git/hooks/post-checkout; "
    "git config core.fsmonitor 'touch /var/tmp/pwned'; "
)


@needs_bwrap
async def test_a_workspace_without_git_cannot_get_one(ws: Path) -> None:
    out = await sandboxed(
        f"git init -q || echo init failed; {PLANT} echo data > data.txt && echo wrote", ws
    )
    assert "init failed" in out and "wrote" in out, out
    assert (ws / "data.txt").read_text() == "data\n"
    # On the host an empty `.git` is left behind: no repository, nothing for git to run.
    assert not (ws / ".git").exists() or list((ws / ".git").iterdir()) == []
    assert subprocess.run(["git", "rev-parse"], cwd=ws, capture_output=True).returncode != 0
    again = await sandboxed(f"git init -q || echo init failed; {PLANT} echo again", ws)
    assert "init failed" in again and list((ws / ".git").iterdir()) == []


@needs_bwrap
async def test_a_git_file_cannot_be_repointed(ws: Path, host_root: Path) -> None:
    """A worktree's `.git` file names its git directory; repointed at one the command made,
    the user's next git command there would run that directory's hooks and config."""
    main = host_root / "main"
    main.mkdir()
    _git(main, "init", "-q")
    _git(main, "-c", "user.name=a", "-c", "user.email=a@b.c", "commit", "-qm", "x", "--allow-empty")
    ws.rmdir()
    _git(main, "worktree", "add", "-q", str(ws))
    pointer = (ws / ".git").read_text()
    out = await sandboxed(
        "git init -q --bare evil; echo 'gitdir: evil' > .git; rm -f .git; mv .git moved; "
        "echo data > data.txt && echo wrote",
        ws,
    )
    assert "wrote" in out and (ws / ".git").read_text() == pointer, out
    assert not (ws / "moved").exists()
    assert _git(ws, "rev-parse", "--git-common-dir").strip() == str(main / ".git")


@needs_bwrap
async def test_nested_repositories_are_guarded_too(ws: Path) -> None:
    deep = ws / "a" / "b" / "deep"
    for repo in (ws / "repo", deep):
        repo.mkdir(parents=True)
        _git(repo, "init", "-q")
    # A checkout whose `.git` is a file naming a git directory elsewhere in the workspace.
    (ws / "gitdirs").mkdir()
    _git(ws, "init", "-q", "--separate-git-dir", str(ws / "gitdirs" / "sub"), str(ws / "sub"))
    configs = {p: p.read_text() for p in ws.glob("**/config") if p.parent.name != "hooks"}
    pointer = (ws / "sub" / ".git").read_text()
    commit = "git -c user.name=a -c user.email=a@example.com commit -qm notes"
    out = await sandboxed(
        f"for r in repo a/b/deep sub; do (cd $r && {PLANT} echo 'gitdir: /var/tmp' > .git; "
        "mv .git .git-old); done; echo 'x' > gitdirs/sub/hooks/post-checkout; "
        f"cd repo && echo notes > notes.txt && git add notes.txt && {commit} && echo committed",
        ws,
    )
    assert "committed" in out, out  # ordinary work in a nested repository still goes through
    assert {p: p.read_text() for p in configs} == configs and len(configs) == 3
    assert (ws / "sub" / ".git").read_text() == pointer
    assert not list(ws.glob("**/post-checkout")) and not list(ws.glob("**/.git-old"))


# Points the workspace's git at a directory whose config runs a script at the next `git status`.
PLANT_COMMONDIR = (
    "git init -q --bare evil && printf '#!/bin/sh\\ntouch %s\\n' > evil.sh && chmod +x evil.sh "
    '&& git config -f evil/config core.fsmonitor "$PWD/evil.sh" && echo "$PWD/evil" > '
    ".git/commondir && echo planted; "
)


@needs_bwrap
@pytest.mark.parametrize("ending", ["exits", "times out"])
async def test_a_planted_commondir_is_removed(ws: Path, host_root: Path, ending: str) -> None:
    """bubblewrap cannot stop `.git/commondir` being created; it is removed once the command
    has ended (or been killed), before the user's git could take its config from there."""
    _git(ws, "init", "-q")
    marker = host_root / "pwned"
    command = PLANT_COMMONDIR % marker + ("sleep 30" if ending == "times out" else "true")
    lines: list[str] = []
    out, _ = await run_bash(
        ws, lines.append, command, 3 if ending == "times out" else 20, Sandbox()
    )
    assert "planted" in out and not os.path.lexists(ws / ".git" / "commondir"), out
    note = f"[ml-intern moved the commondir {ws}/.git/commondir, which this command planted, to "
    assert note in out and any(line.startswith(note) for line in lines), out
    moved = Path(out.split(note, 1)[1].split(":", 1)[0])
    assert moved.read_text() == f"{ws}/evil\n"  # kept for the user to look at, out of git's way
    # The bare repository it pointed at lost its program-running config too.
    assert "fsmonitor" not in (ws / "evil" / "config").read_text()
    _git(ws, "status")
    assert not marker.exists()
    # A git directory that had none is watched again at the next command; a link is moved
    # as a link.
    (host_root / "target").write_text("kept")
    out = await sandboxed(f"ln -s {host_root}/target .git/commondir", ws)
    assert "moved the commondir" in out and (host_root / "target").read_text() == "kept"
    assert not os.path.lexists(ws / ".git" / "commondir")


@needs_bwrap
async def test_ml_intern_files_and_tokens_are_hidden(
    ws: Path, host_root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ml_home = host_root / "ml-intern-home"
    (ml_home / "sandboxes").mkdir(parents=True)
    (ml_home / "threads.sqlite").write_text("planted transcript")
    (ml_home / "sandboxes" / "keys.json").write_text("planted sandbox key")
    config_dir = host_root / "xdg-config" / "ml-intern"
    (config_dir / "skills" / "mine").mkdir(parents=True)
    (config_dir / "cli_agent_config.json").write_text('{"planted": "config"}')
    (config_dir / "skills" / "mine" / "SKILL.md").write_text("my playbook")
    hf_home = host_root / "hf-home"
    hf_home.mkdir()
    (hf_home / "token").write_text(HF_TOKEN)
    cloud_key = host_root / "gcp.json"
    cloud_key.write_text('{"private_key": "planted gcp"}')
    (ws / ".env").write_text(f"HF_TOKEN={HF_TOKEN}\n")
    (ws / ".env.example").write_text("HF_TOKEN=\n")
    monkeypatch.setenv("ML_INTERN_HOME", str(ml_home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(host_root / "xdg-config"))
    monkeypatch.setenv("HF_HOME", str(hf_home))
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(cloud_key))
    files = [
        ml_home / "threads.sqlite",
        ml_home / "sandboxes" / "keys.json",
        config_dir / "cli_agent_config.json",
        hf_home / "token",
        cloud_key,
        ws / ".env",
    ]
    # base64 gets past output masking, so any leak shows as readable text once decoded.
    command = " ".join(f"cat {f} 2>/dev/null | base64 -w0; echo;" for f in files)
    out = await sandboxed(f"{command} cat .env.example {config_dir}/skills/mine/SKILL.md", ws)
    decoded = "".join(base64.b64decode(line).decode() for line in out.splitlines()[: len(files)])
    assert "planted" not in decoded and "hf_" not in decoded, decoded
    assert "HF_TOKEN=\nmy playbook" in out  # templates and skills stay readable
    await sandboxed(f"echo x > {ml_home}/threads.sqlite; echo x > .env", ws)
    assert (ml_home / "threads.sqlite").read_text() == "planted transcript"
    assert (ws / ".env").read_text() == f"HF_TOKEN={HF_TOKEN}\n"


def test_the_model_is_told_what_is_hidden() -> None:
    line = Sandbox(env_allow=("WANDB_API_KEY",)).describe()
    assert "credential files and host sockets hidden" in line
    assert "no tokens or API keys in the environment (passed in: WANDB_API_KEY)" in line
    assert ".git config and hooks read-only" in line and line.endswith("no network")
    assert "git init fails at its top; hooks and risky git config a command plants" in line
