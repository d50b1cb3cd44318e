"""Stat marks notice every change a reader cares about, and never vouch for a fresh one."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.fakes.settled_files import settle
from tools.file_marks import MarkedLooks, Marks


def _rewrite_same_size(root: Path) -> None:
    (root / "notes.txt").write_text("b" * 8)


def _add_entry(root: Path) -> None:
    (root / "folder" / "new.txt").write_text("x")


def _create_missing(root: Path) -> None:
    (root / "missing").write_text("now here")


def _replace_by_rename(root: Path) -> None:
    (root / "other.txt").write_text("a" * 8)
    os.replace(root / "other.txt", root / "notes.txt")


def _chmod(root: Path) -> None:
    (root / "notes.txt").chmod(0o600)


def _remove(root: Path) -> None:
    (root / "notes.txt").unlink()


CHANGES: dict[str, Callable[[Path], None]] = {
    "a file rewritten to the same size": _rewrite_same_size,
    "an entry added to a folder": _add_entry,
    "something where nothing was": _create_missing,
    "a file replaced by a rename": _replace_by_rename,
    "a file's mode": _chmod,
    "a file removed": _remove,
}


@pytest.mark.parametrize("change", CHANGES)
def test_every_change_after_the_marks_shows(tmp_path: Path, change: str) -> None:
    (tmp_path / "notes.txt").write_text("a" * 8)
    (tmp_path / "notes.txt").chmod(0o644)
    (tmp_path / "folder").mkdir()
    settle(tmp_path / "notes.txt", tmp_path / "folder", tmp_path)
    marks = Marks()
    for name in ("notes.txt", "folder", "missing"):
        marks.add(str(tmp_path / name))
    assert marks.unchanged()
    CHANGES[change](tmp_path)
    assert not marks.unchanged()


def test_a_mark_taken_within_the_clock_slack_of_a_change_is_not_trusted(tmp_path: Path) -> None:
    """A second write in the same clock tick could keep every time: the reader looks again."""
    (tmp_path / "fresh.txt").write_text("just written")
    marks = Marks()
    marks.add(str(tmp_path / "fresh.txt"))
    assert not marks.unchanged()


def test_a_mark_from_the_descriptor_a_reader_checked_is_the_path_mark(tmp_path: Path) -> None:
    (tmp_path / "a.env").write_text("TOKEN=x")
    settle(tmp_path / "a.env")
    fd = os.open(tmp_path / "a.env", os.O_RDONLY)
    try:
        marks = Marks()
        marks.add(str(tmp_path / "a.env"), os.fstat(fd))
    finally:
        os.close(fd)
    assert marks.unchanged()


def _marks_of(tmp_path: Path, count: int) -> Marks:
    marks = Marks()
    for n in range(count):
        marks.add(str(tmp_path / f"missing-{n}"))
    return marks


def test_kept_looks_drop_the_least_recently_used_past_their_marks_budget(tmp_path: Path) -> None:
    looks: MarkedLooks[Marks] = MarkedLooks(lambda marks: marks, max_marks=12)
    for key in ("a", "b", "c"):
        looks.put(key, _marks_of(tmp_path, 3))  # 4 each with its key: 12 in all
    assert looks.get("a") is not None  # now the most recently used
    looks.put("d", _marks_of(tmp_path, 3))
    assert looks.get("b") is None
    assert all(looks.get(key) is not None for key in ("a", "c", "d"))


def test_a_look_larger_than_the_whole_budget_is_not_kept_nor_its_older_one(
    tmp_path: Path,
) -> None:
    looks: MarkedLooks[Marks] = MarkedLooks(lambda marks: marks, max_marks=12)
    looks.put("small", _marks_of(tmp_path, 2))
    looks.put("huge", _marks_of(tmp_path, 2))
    looks.put("huge", _marks_of(tmp_path, 40))  # a workspace that grew: looked at each time
    assert looks.get("huge") is None
    assert looks.get("small") is not None
