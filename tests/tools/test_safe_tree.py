"""Walking an agent-writable folder never enters a link, even one swapped in mid-walk."""

from __future__ import annotations

import os
from pathlib import Path

from tests.fakes.deep_nest import flatten, nest
from tests.fakes.path_flipper import PathFlipper, planted_flip
from tools.safe_tree import MAX_WALK_DEPTH, walk_at


def test_a_walk_lists_links_and_special_files_without_entering_or_opening_them(
    tmp_path: Path,
) -> None:
    outside = tmp_path / "outside"
    (outside / "deep").mkdir(parents=True)
    (outside / "deep" / "host.txt").write_text("x")
    ws = tmp_path / "ws"
    (ws / "a").mkdir(parents=True)
    (ws / "a" / "one.txt").write_text("1")
    (ws / "link").symlink_to(outside, target_is_directory=True)
    os.mkfifo(ws / "pipe")
    found = [entry.rel for entry in walk_at(ws, "")]
    assert found == ["a", "link", "pipe", "a/one.txt"]
    assert [e.rel for e in walk_at(ws, "", max_depth=0)] == ["a", "link", "pipe"]


def test_a_folder_flipping_with_a_link_is_never_walked_into(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "host-only.txt").write_text("x")
    ws = tmp_path / "ws"
    ws.mkdir()
    real, link = planted_flip(ws, outside)
    (real / "mine.txt").write_text("y")
    walks = 0
    with PathFlipper(real, link) as flipper:
        while walks < 500 or not flipper.at_least(2000):
            names = {entry.rel for entry in walk_at(ws, "")}
            assert "sub/host-only.txt" not in names and ".swap/host-only.txt" not in names
            walks += 1


def test_a_nest_thousands_deep_is_walked_only_so_deep(tmp_path: Path) -> None:
    """Each level of a walk holds a descriptor and a frame: a nest 3,000 deep the agent
    planted ended `glob` and the skill tool in a RecursionError."""
    nest(tmp_path, 3_000)
    try:
        deepest = max(entry.rel.count("/") for entry in walk_at(tmp_path, ""))
    finally:
        flatten(tmp_path)
    assert deepest == MAX_WALK_DEPTH
