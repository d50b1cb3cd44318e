"""The sandbox's walk of the writable roots never lists a folder through a symlink, even one
swapped in between the check and the listing (issue 51)."""

from __future__ import annotations

from pathlib import Path

from tests.fakes.path_flipper import PathFlipper, planted_flip
from tools.local.tree_scan import TreeScan


def test_a_folder_flipping_with_a_symlink_is_never_listed_through_it(tmp_path: Path) -> None:
    ws, outside = tmp_path / "ws", tmp_path / "outside"
    ws.mkdir()
    (outside / ".git").mkdir(parents=True)
    (outside / ".env").write_text("HOST=secret\n")
    (outside / "deeper").mkdir()
    real, link = planted_flip(ws, outside)
    (real / "inside.txt").write_text("x\n")
    walks = listed_outside = 0
    with PathFlipper(real, link) as flipper:
        while not flipper.at_least(2000) or walks < 300:
            found = TreeScan().scan([str(ws)])  # a fresh walk: nothing remembered
            walks += 1
            seen = found.secrets + found.gits
            listed_outside += any(p.endswith(("/.env", "/.git")) for p in seen)
    assert listed_outside == 0


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
