"""The workspace record in one long-lived process (a server, a REPL): inotify tells which
folders to list again, and what it finds must be what a full scan finds."""

from __future__ import annotations

import os
import shutil
import zlib
from collections.abc import Callable
from pathlib import Path

import pytest

from configs.undo_settings import UndoSettings
from store.workspace_journal import WorkspaceJournal, open_journal
from store.workspace_undo import undo_calls


@pytest.fixture
def journal(tmp_path: Path) -> WorkspaceJournal:
    home = tmp_path / "home"
    home.mkdir()
    found = open_journal(UndoSettings(), home, home / "threads.sqlite")
    assert found is not None
    yield found
    found.close()


def fresh(journal: WorkspaceJournal, ws: Path) -> dict[str, tuple]:
    scan = journal.tree(ws).scan({})
    return {rel: (e.kind, e.digest, e.link) for rel, e in scan.items()}


def seen(journal: WorkspaceJournal, ws: Path) -> dict[str, tuple]:
    return {rel: (e.kind, e.digest, e.link) for rel, e in journal._scans[str(ws)].items()}


def mkfile(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


STEPS: list[tuple[str, Callable[[Path], object]]] = [
    ("modify", lambda ws: (ws / "a" / "one.txt").write_text("changed")),
    ("nested new folders", lambda ws: mkfile(ws / "new" / "deep" / "er" / "f.txt", "deep")),
    (
        "a folder made again",
        lambda ws: (shutil.rmtree(ws / "a" / "b"), mkfile(ws / "a" / "b" / "n", "n")),
    ),
    ("remove a tree", lambda ws: shutil.rmtree(ws / "a" / "b")),
    ("rename a folder", lambda ws: os.rename(ws / "new", ws / "moved")),
    (
        "a folder becomes a file",
        lambda ws: (shutil.rmtree(ws / "moved"), mkfile(ws / "moved", "f")),
    ),
    ("write in the renamed folder's old inode", lambda ws: mkfile(ws / "c" / "x.txt", "x")),
    ("symlink", lambda ws: os.symlink("a/one.txt", ws / "link")),
]


def test_incremental_looks_match_a_full_scan_and_undo_restores_all(
    journal: WorkspaceJournal, tmp_path: Path
) -> None:
    ws = tmp_path / "ws"
    mkfile(ws / "a" / "one.txt", "one")
    mkfile(ws / "a" / "b" / "two.txt", "two")
    mkfile(ws / "c" / "three.txt", "three")
    original = fresh(journal, ws)
    for number, (what, change) in enumerate(STEPS):
        recording = journal.start("programs", [], thread_id="t", call_id=f"c{number}", workspace=ws)
        change(ws)
        journal.finish(recording)
        assert seen(journal, ws) == fresh(journal, ws), what
    report, recorded = undo_calls(
        journal, tmp_path / "home", "t", [f"c{i}" for i in range(len(STEPS))], workspace=ws
    )
    assert report.complete and recorded == {f"c{i}" for i in range(len(STEPS))}
    assert fresh(journal, ws) == original
    assert (ws / "a" / "b" / "two.txt").read_text() == "two"


def test_a_change_between_calls_is_the_before_of_the_next(
    journal: WorkspaceJournal, tmp_path: Path
) -> None:
    """The user edits a file between two calls; undoing the second call gives back the
    user's edit, not the content from before the user."""
    ws = tmp_path / "ws"
    mkfile(ws / "notes.txt", "v1")
    journal.finish(journal.start("programs", [], thread_id="t", call_id="c1", workspace=ws))
    (ws / "notes.txt").write_text("the user's v2")
    recording = journal.start("programs", [], thread_id="t", call_id="c2", workspace=ws)
    (ws / "notes.txt").write_text("the agent's v3")
    journal.finish(recording)
    report, _ = undo_calls(journal, tmp_path / "home", "t", ["c2"], workspace=ws)
    assert report.restored == ["notes.txt"]
    assert (ws / "notes.txt").read_text() == "the user's v2"


def test_a_workspace_over_max_files_is_not_scanned_and_undo_names_the_call(
    tmp_path: Path,
) -> None:
    home, ws = tmp_path / "home", tmp_path / "ws"
    home.mkdir()
    for i in range(5):
        mkfile(ws / f"f{i}.txt", str(i))
    journal = open_journal(UndoSettings(max_files=3), home, home / "threads.sqlite")
    assert journal is not None
    assert journal.start("programs", [], thread_id="t", call_id="c1", workspace=ws) is None
    # A file tool's own path is still recorded.
    recording = journal.start("paths", ["f0.txt"], thread_id="t", call_id="c2", workspace=ws)
    (ws / "f0.txt").write_text("edited")
    journal.finish(recording)
    report, recorded = undo_calls(journal, home, "t", ["c1", "c2"], workspace=ws)
    assert recorded == {"c2"} and report.restored == ["f0.txt"]
    assert (ws / "f0.txt").read_text() == "0"
    journal.close()


def test_prune_collects_the_contents_only_deleted_threads_used(tmp_path: Path) -> None:
    home, ws = tmp_path / "home", tmp_path / "ws"
    home.mkdir()
    mkfile(ws / "kept.txt", "still used")
    journal = open_journal(UndoSettings(), home, home / "threads.sqlite")
    assert journal is not None
    for thread in ("gone", "stays"):
        recording = journal.start(
            "paths", [f"{thread}.txt"], thread_id=thread, call_id=thread, workspace=ws
        )
        (ws / f"{thread}.txt").write_text(f"written by {thread}")
        journal.finish(recording)
    (ws / "gone.txt").unlink()
    journal.forget_scan(ws)
    journal.records.save_scan(
        str(ws), journal.tree(ws).scan({})
    )  # the scan holds kept.txt and stays.txt
    journal.forget_thread("gone")
    assert journal.records.collect_garbage() == (1, len(zlib.compress(b"written by gone", 1)))
    assert journal.records.collect_garbage() == (0, 0)
    journal.close()
