"""The thread index behind `threads list` and `--continue`: titles, models, order, filters."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

import store.thread_index as thread_index_module
from store.thread_index import ThreadIndex


class Clock:
    """A deterministic stand-in for the `time` module: every call is one second later."""

    def __init__(self) -> None:
        self._ticks = itertools.count(1_700_000_000)

    def time(self) -> float:
        return float(next(self._ticks))


@pytest.fixture
def index(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> ThreadIndex:
    monkeypatch.setattr(thread_index_module, "time", Clock())
    return ThreadIndex(tmp_path / "state" / "threads.sqlite")


def test_touch_creates_a_row(index: ThreadIndex) -> None:
    index.touch("t1", title="Fine-tune llama", model="openai/gpt-4o", cwd="/proj")
    info = index.get("t1")
    assert info is not None
    assert (info.thread_id, info.title, info.model, info.cwd) == (
        "t1",
        "Fine-tune llama",
        "openai/gpt-4o",
        "/proj",
    )
    assert info.created_at == info.updated_at


def test_get_unknown_thread_is_none(index: ThreadIndex) -> None:
    index.touch("t1")
    assert index.get("nope") is None


@pytest.mark.parametrize(
    ("titles", "expected"),
    [
        (["first", "second"], "first"),
        (["", "later"], "later"),
        (["first", ""], "first"),
        (["", ""], ""),
        (["   ", "real title"], "real title"),
    ],
)
def test_the_first_title_sticks(index: ThreadIndex, titles: list[str], expected: str) -> None:
    for title in titles:
        index.touch("t1", title=title)
    info = index.get("t1")
    assert info is not None
    assert info.title == expected


def test_long_multiline_title_is_shortened_to_one_line(index: ThreadIndex) -> None:
    prompt = "Train a classifier\non the imdb dataset\n\n" + "with lots of details " * 20
    index.touch("t1", title=prompt)
    info = index.get("t1")
    assert info is not None
    assert "\n" not in info.title
    assert info.title.startswith("Train a classifier on the imdb dataset with lots")
    assert len(info.title) <= 80
    assert info.title.endswith("…")


def test_short_title_is_kept_whole(index: ThreadIndex) -> None:
    index.touch("t1", title="  fix   the\tdataloader  ")
    info = index.get("t1")
    assert info is not None
    assert info.title == "fix the dataloader"


@pytest.mark.parametrize(
    ("models", "expected"),
    [
        (["openai/gpt-4o", "anthropic/claude"], "anthropic/claude"),
        (["openai/gpt-4o", ""], "openai/gpt-4o"),
        (["", "openai/gpt-4o"], "openai/gpt-4o"),
    ],
)
def test_model_follows_the_latest_non_empty_value(
    index: ThreadIndex, models: list[str], expected: str
) -> None:
    for model in models:
        index.touch("t1", model=model)
    info = index.get("t1")
    assert info is not None
    assert info.model == expected


def test_cwd_is_where_the_thread_started(index: ThreadIndex) -> None:
    index.touch("t1", cwd="/a")
    index.touch("t1", cwd="/b")
    info = index.get("t1")
    assert info is not None
    assert info.cwd == "/a"


def test_touch_moves_updated_at_but_not_created_at(index: ThreadIndex) -> None:
    index.touch("t1")
    before = index.get("t1")
    index.touch("t1")
    after = index.get("t1")
    assert before is not None and after is not None
    assert after.created_at == before.created_at
    assert after.updated_at > before.updated_at


def test_list_is_most_recently_updated_first(index: ThreadIndex) -> None:
    for thread in ["a", "b", "c"]:
        index.touch(thread)
    assert [t.thread_id for t in index.list()] == ["c", "b", "a"]
    index.touch("a")
    assert [t.thread_id for t in index.list()] == ["a", "c", "b"]


def test_list_filters_by_cwd(index: ThreadIndex) -> None:
    index.touch("a", cwd="/proj")
    index.touch("b", cwd="/other")
    index.touch("c", cwd="/proj")
    index.touch("d")
    assert [t.thread_id for t in index.list(cwd="/proj")] == ["c", "a"]
    assert [t.thread_id for t in index.list(cwd="/other")] == ["b"]
    assert index.list(cwd="/nowhere") == []
    assert len(index.list()) == 4


def test_latest_is_the_most_recent_thread_in_that_directory(index: ThreadIndex) -> None:
    index.touch("a", cwd="/proj")
    index.touch("b", cwd="/proj")
    index.touch("c", cwd="/other")
    latest = index.latest("/proj")
    assert latest is not None
    assert latest.thread_id == "b"
    index.touch("a")
    latest = index.latest("/proj")
    assert latest is not None
    assert latest.thread_id == "a"
    assert index.latest("/nowhere") is None


def test_delete(index: ThreadIndex) -> None:
    index.touch("a")
    index.touch("b")
    assert index.delete("a") is True
    assert index.get("a") is None
    assert [t.thread_id for t in index.list()] == ["b"]
    assert index.delete("a") is False
    assert index.delete("never-existed") is False


def test_missing_file_lists_nothing_and_is_not_created(tmp_path: Path) -> None:
    path = tmp_path / "absent" / "threads.sqlite"
    index = ThreadIndex(path)
    assert index.list() == []
    assert index.list(cwd="/proj") == []
    assert index.latest("/proj") is None
    assert not path.exists()


def test_a_second_index_on_the_same_file_sees_the_rows(index: ThreadIndex) -> None:
    index.touch("a", title="shared")
    other = ThreadIndex(index.path)
    info = other.get("a")
    assert info is not None
    assert info.title == "shared"


def test_many_threads_list_respects_limit(index: ThreadIndex) -> None:
    # The index keeps its connection: a thousand touches do not reopen the file.
    for i in range(1_000):
        index.touch(f"t{i:04d}", title=f"thread {i}", cwd="/proj" if i % 2 else "/other")
    assert len(index.list()) == 50  # the default limit
    newest = index.list(limit=10)
    assert [t.thread_id for t in newest] == [f"t{i:04d}" for i in range(999, 989, -1)]
    assert len(index.list(limit=1_000)) == 1_000
    assert len(index.list(limit=5_000)) == 1_000
    in_proj = index.list(cwd="/proj", limit=3)
    assert [t.thread_id for t in in_proj] == ["t0999", "t0997", "t0995"]
    assert len(index.list(cwd="/proj", limit=1_000)) == 500


def test_an_index_from_before_owners_is_upgraded_once(tmp_path: Path) -> None:
    import sqlite3

    path = tmp_path / "threads.sqlite"
    with sqlite3.connect(path) as db:  # the previous code's table, with a thread in it
        db.executescript(thread_index_module.SCHEMA)
        db.execute("INSERT INTO ml_intern_threads VALUES ('old', 'old title', 'm', '/w', 1, 2)")
    with ThreadIndex(path) as index:
        assert index.get("old") == thread_index_module.ThreadInfo(
            "old", "old title", "m", "/w", 1, 2, ""
        )
        index.touch("new", title="mine", owner="u-alice")
        assert index.get("new").owner == "u-alice"  # type: ignore[union-attr]
    with ThreadIndex(path) as index:  # a second open changes nothing
        assert [t.thread_id for t in index.list()] == ["new", "old"]
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == len(thread_index_module.UPGRADES)


def test_rows_changed_since_a_time(index: ThreadIndex) -> None:
    index.touch("t1", title="one")
    index.touch("t2", title="two")
    since = index.get("t2").updated_at  # type: ignore[union-attr]
    index.touch("t1")
    assert [t.thread_id for t in index.list(since=since)] == ["t1", "t2"]
    assert [t.thread_id for t in index.list(since=since + 1)] == ["t1"]
