"""A write's diff preview (cli/acp/tool_calls.py): old text only from a regular file reached
by descriptor beneath the workspace; a FIFO, a link on the way, a huge file or a credential
place shows none, and nothing blocks."""

from __future__ import annotations

import os
from pathlib import Path

from cli.acp.tool_calls import MAX_OLD_TEXT_BYTES, CallView
from configs.settings import Settings
from tests.fakes.path_flipper import PathFlipper, planted_flip
from tools.families import build_catalog


def old_texts(workspace: Path, paths: list[str]) -> list[object]:
    catalog = build_catalog(Settings())
    views = [CallView(catalog, workspace, "write", {"path": p, "content": "new\n"}) for p in paths]
    return [[d.old_text for d in view.diff(before_run=True)] for view in views]


def test_a_write_shows_old_text_only_of_a_plain_file_reached_without_a_link(
    tmp_path: Path,
) -> None:
    ws = tmp_path / "ws"
    (ws / "sub").mkdir(parents=True)
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "notes.txt").write_text("HOST\n")
    (ws / "notes.txt").write_text("old\n")
    (ws / "sub" / "deep.txt").write_text("deep\n")
    (ws / "big.txt").write_bytes(b"x" * (MAX_OLD_TEXT_BYTES + 1))
    (ws / ".env").write_text("TOKEN=secret\n")
    os.mkfifo(ws / "pipe")
    paths = ["notes.txt", "sub/deep.txt", "fresh.txt", "pipe", "big.txt", ".env", "sub"]
    assert old_texts(ws, paths) == [["old\n"], ["deep\n"], [None], [], [], [], []]
    (ws / "sub" / "deep.txt").unlink()
    (ws / "sub").rmdir()
    (ws / "sub").symlink_to(tmp_path / "outside", target_is_directory=True)
    assert old_texts(ws, ["sub/notes.txt"]) == [[]]  # resolved outside: not shown


def test_a_flipping_folder_never_shows_a_host_file_as_old_text(tmp_path: Path) -> None:
    """`sub` flips with a symlink to a folder whose `notes.txt` is a host file while the
    preview reads `sub/notes.txt`: resolved inside, read by descriptor, never the host's."""
    ws = tmp_path / "ws"
    ws.mkdir()
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "notes.txt").write_text("HOST\n")
    real, link = planted_flip(ws, tmp_path / "outside")
    (real / "notes.txt").write_text("old\n")
    shown: list[object] = []
    with PathFlipper(real, link) as flipper:
        while not flipper.at_least(2_000) or len(shown) < 200:
            shown += old_texts(ws, ["sub/notes.txt"])[0]
    assert "HOST\n" not in shown and "old\n" in shown
