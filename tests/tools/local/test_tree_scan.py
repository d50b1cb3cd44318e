"""The walk of the writable roots never lists a host folder: a folder flipped with a link to
one 2,000+ times while it walks is skipped (named unreadable), never entered."""

from __future__ import annotations

from pathlib import Path

from tests.fakes.path_flipper import PathFlipper, planted_flip
from tools.local.tree_scan import TreeScan


def test_a_folder_flipped_with_a_link_to_a_host_folder_is_never_listed(tmp_path: Path) -> None:
    ws, outside = tmp_path / "ws", tmp_path / "host"
    (outside / "host-only" / ".git").mkdir(parents=True)
    (outside / ".netrc").write_text("machine x password HOST\n")
    ws.mkdir()
    real, link = planted_flip(ws, outside)
    (real / "inner").mkdir()
    scan, walks = TreeScan(), 0
    with PathFlipper(real, link) as flipper:
        while not flipper.at_least(2000) or walks < 50:
            found = scan.scan([str(ws)])
            walks += 1
            seen = [*found.gits, *found.secrets, *found.layouts]
            assert not [path for path in seen if "host-only" in path or ".netrc" in path]
    assert walks >= 50


def test_a_walk_finds_what_is_inside(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    (ws / "a" / ".git").mkdir(parents=True)
    (ws / "b").mkdir()
    (ws / "b" / ".env").write_text("K=v\n")
    (ws / "link").symlink_to(ws / "b", target_is_directory=True)
    found = TreeScan().scan([str(ws)])
    assert found.gits == [str(ws / "a" / ".git")]
    assert found.secrets == [str(ws / "b" / ".env")]
    assert found.folders == 3  # ws, a, b; .git is named, the symlink is not entered
