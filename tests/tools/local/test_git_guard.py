"""The git guard after sandboxed commands, on the bad inputs: ordinary clones left alone, new
repositories with program-running config cut back, a workspace that is itself a bare repository,
a symlinked workspace, folder names with newlines and non-UTF-8 bytes, repositories at any depth.

Real bubblewrap; host paths under /var/tmp (/tmp is private inside)."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.tools.local.test_sandbox import needs_bwrap
from tools.local.bash_process import run_bash
from tools.local.sandbox import Sandbox


@pytest.fixture
def ws(monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    root = Path(tempfile.mkdtemp(prefix="ml-intern-guard-", dir="/var/tmp"))
    monkeypatch.setenv("HOME", str(root / "home"))
    monkeypatch.setenv("ML_INTERN_HOME", str(root / "ml-intern-home"))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    (root / "home" / "project").mkdir(parents=True)
    yield root / "home" / "project"
    shutil.rmtree(root, ignore_errors=True)


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True).stdout


async def run(command: str, ws: Path) -> str:
    lines: list[str] = []
    out, _ = await run_bash(ws, lines.append, command, 30, Sandbox())
    assert [line for line in lines if line.startswith("[ml-intern")] == [
        line for line in out.splitlines() if line.startswith("[ml-intern")
    ]  # the user sees what the model is told
    return out


@needs_bwrap
async def test_an_ordinary_new_repository_is_left_alone(ws: Path) -> None:
    out = await run(
        "git init -q lib && git -C lib remote add origin https://example.com/lib.git && "
        "git -C lib config user.name me && echo made",
        ws,
    )
    assert "made" in out and "[ml-intern" not in out, out
    assert git(ws / "lib", "remote", "get-url", "origin").strip() == "https://example.com/lib.git"


@needs_bwrap
async def test_a_new_repository_keeps_only_its_safe_config(ws: Path) -> None:
    out = await run(
        "git init -q lib && git -C lib remote add origin https://example.com/lib.git && "
        "git -C lib config core.fsmonitor 'touch pwned' && git -C lib config alias.st '!sh' && "
        "printf '#!/bin/sh\\ntouch pwned\\n' > lib/.git/hooks/pre-commit && "
        "chmod +x lib/.git/hooks/pre-commit",
        ws,
    )
    assert f"moved the config {ws}/lib/.git/config" in out, out
    assert f"moved the hook {ws}/lib/.git/hooks/pre-commit" in out, out
    config = (ws / "lib" / ".git" / "config").read_text()
    assert "fsmonitor" not in config and "alias" not in config and "example.com" in config
    assert not (ws / "lib" / ".git" / "hooks" / "pre-commit").exists()
    git(ws / "lib", "status")
    assert not (ws / "lib" / "pwned").exists()
    quarantine = next((ws.parent.parent / "ml-intern-home" / "quarantine").iterdir())
    assert sorted(p.name for p in quarantine.iterdir()) == ["0-config", "1-hook"]


@needs_bwrap
async def test_a_workspace_that_is_a_bare_repository(ws: Path) -> None:
    git(ws, "init", "-q", "--bare")
    out = await run(
        "git config core.fsmonitor 'touch pwned'; echo x > hooks/post-update; echo done", ws
    )
    assert "done" in out and out.count("Read-only file system") == 1, out
    assert git(ws, "config", "core.fsmonitor") == "" and not (ws / "hooks" / "post-update").exists()
    # A repository inside it is still found (only `objects` is not walked).
    out = await run("git init -q work/inner && git -C work/inner config core.pager 'sh'", ws)
    assert f"moved the config {ws}/work/inner/.git/config" in out, out


@needs_bwrap
async def test_a_symlinked_workspace_and_odd_folder_names(ws: Path) -> None:
    link = ws.parent / "link"
    link.symlink_to(ws)
    odd = os.path.join(ws, "new\nline-\udcff")  # a newline and a byte that is not UTF-8
    old = os.path.join(odd, *"abcdefghij", "old")  # deeper than any bounded walk went
    os.makedirs(old)
    git(Path(old), "init", "-q")
    out = await run(
        'for d in */a/b/c/d/e/f/g/h/i/j/old; do printf x > "$d/.git/hooks/pre-commit" '
        '|| echo refused; done; for d in */a; do git init -q "$d/new" && '
        'git -C "$d/new" config core.fsmonitor "touch pwned"; done; echo ran',
        link,
    )
    assert "refused" in out and "ran" in out, out
    assert not os.path.exists(os.path.join(old, ".git", "hooks", "pre-commit"))
    new = os.path.join(odd, "a", "new")
    assert "fsmonitor" not in Path(new, ".git", "config").read_text()
    assert "moved the config" in out, out
