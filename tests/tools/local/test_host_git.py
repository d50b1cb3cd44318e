"""Git that the agent runs on the host (no sandbox): whatever a repository's config says, no
program it names runs, and ordinary git still works."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tools.local.bash_process import run_bash


def git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True)


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A repository whose config and hooks try every way to run a program."""
    monkeypatch.setenv("HOME", str(tmp_path))
    ws = tmp_path / "ws"
    ws.mkdir()
    git(ws, "init", "-q")
    git(ws, "config", "user.name", "u")
    git(ws, "config", "user.email", "u@example.com")
    (ws / "a.txt").write_text("one\n")
    git(ws, "add", "a.txt")
    git(ws, "commit", "-qm", "first")
    (ws / "a.txt").write_text("two\n")
    marker = tmp_path / "ran"
    for key in ("core.fsmonitor", "diff.external", "core.pager", "core.editor", "core.sshCommand"):
        git(ws, "config", key, f"touch {marker}-{key};")
    hook = ws / ".git" / "hooks" / "pre-commit"
    hook.write_text(f"#!/bin/sh\ntouch {marker}-hook\n")
    hook.chmod(0o755)
    return ws


async def test_config_named_programs_never_run(repo: Path) -> None:
    out, _ = await run_bash(
        repo,
        lambda _line: None,
        "git status --short; git diff; git log --oneline; git commit -qam second && echo ok",
        30,
    )
    assert list(repo.parent.glob("ran-*")) == [], out
    assert " M a.txt" in out and "first" in out and "ok" in out, out
    assert "diff --git a/a.txt b/a.txt\n--- a/a.txt\n+++ b/a.txt\n@@ -1 +1 @@\n-one\n+two" in out


async def test_a_bare_layout_is_not_taken_for_a_repository(tmp_path: Path) -> None:
    """HEAD, objects/ and refs/ planted in a plain folder: the agent's git refuses it."""
    ws = tmp_path / "plain"
    (ws / "objects").mkdir(parents=True)
    (ws / "refs").mkdir()
    (ws / "HEAD").write_text("ref: refs/heads/main\n")
    (ws / "config").write_text(f"[core]\n\tpager = touch {tmp_path}/ran-pager\n")
    out, _ = await run_bash(ws, lambda _line: None, "git log", 30)
    assert "cannot use bare repository" in out and not (tmp_path / "ran-pager").exists(), out
