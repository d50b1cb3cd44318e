"""AGENTS.md: the workspace's and its parents' up to the git root, outermost first."""

from __future__ import annotations

import os
from pathlib import Path

from configs.memory import MAX_CHARS, load_memory


def test_files_up_to_the_git_root_load_outermost_first(tmp_path: Path) -> None:
    (tmp_path / "AGENTS.md").write_text("above the repo: never loaded")
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    (repo / "AGENTS.md").write_text("repo rules")
    workspace = repo / "sub" / "ws"
    workspace.mkdir(parents=True)
    (workspace / "AGENTS.md").write_text("workspace rules")
    memory = load_memory(workspace)
    assert [m.text for m in memory.files] == ["repo rules", "workspace rules"]
    assert memory.warnings == ()


def test_outside_a_repository_only_the_workspace_counts(tmp_path: Path) -> None:
    (tmp_path / "AGENTS.md").write_text("parent")
    workspace = tmp_path / "ws"
    workspace.mkdir()
    assert load_memory(workspace).files == ()
    (workspace / "AGENTS.md").write_text("mine")
    assert [m.text for m in load_memory(workspace).files] == ["mine"]


def test_binary_and_huge_files_warn_and_never_fail(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "AGENTS.md").write_bytes(b"\x00\x01binary")
    workspace = tmp_path / "ws"
    workspace.mkdir()
    (workspace / "AGENTS.md").write_text("y" * (MAX_CHARS + 5))
    memory = load_memory(workspace)
    assert len(memory.files) == 1 and memory.files[0].truncated
    assert len(memory.files[0].text) == MAX_CHARS
    assert any("not a text file" in w for w in memory.warnings)
    assert any(f"only the first {MAX_CHARS:,}" in w for w in memory.warnings)


def test_a_planted_fifo_or_link_as_agents_md_is_skipped_without_blocking(tmp_path: Path) -> None:
    outside = tmp_path / "outside.md"
    outside.write_text("HOST FILE\n")
    ws = tmp_path / "ws"
    (ws / ".git").mkdir(parents=True)
    (ws / "AGENTS.md").symlink_to(outside)
    assert load_memory(ws).files == ()
    (ws / "AGENTS.md").unlink()
    os.mkfifo(ws / "AGENTS.md")  # a blocking open would wait here for a writer forever
    assert load_memory(ws).files == ()
