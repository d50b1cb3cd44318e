"""The local tools as the model uses them: invoked with arguments, answered with text."""

from __future__ import annotations

import asyncio
import os
import signal
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from langchain_core.messages import ToolMessage
from langchain_core.tools import BaseTool, ToolException

from tests.configs.test_prompt_snapshot import check_snapshot
from tests.fakes.tool_calls import call_tool
from tools.local.family import local_specs
from tools.local.file_edits import apply_edit

Run = Callable[..., Awaitable[Any]]


def make_local_tools() -> list[BaseTool]:
    return [spec.tool for spec in local_specs() if spec.name not in ("plan", "skill")]


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    """A directory of its own, so files other fixtures put in tmp_path never show up."""
    path = tmp_path / "workspace"
    path.mkdir()
    return path


@pytest.fixture
def tools() -> dict[str, BaseTool]:
    return {tool.name: tool for tool in make_local_tools()}


@pytest.fixture
def run(tools: dict[str, BaseTool], workspace: Path) -> Run:
    async def run(name: str, thread: str = "t1", **args: Any) -> Any:
        return await call_tool(tools[name], args, workspace, thread=thread)

    return run


def _alive(pid: int) -> bool:
    """True while `pid` runs; a zombie (killed, not yet reaped) counts as gone."""
    if not Path("/proc").is_dir():  # no procfs: zombies look alive, but it is the best we have
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        return True
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] not in ("Z", "X")


def _pid_in(path: Path) -> int | None:
    text = path.read_text().strip() if path.exists() else ""
    return int(text) if text else None


async def _eventually(check: Callable[[], bool], within: float = 5.0) -> bool:
    """Poll `check` until it holds or `within` seconds pass."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if check():
            return True
        await asyncio.sleep(0.02)
    return check()


# --- the tools as a set ------------------------------------------------------------------


def test_tool_names_and_arguments_the_model_sees() -> None:
    schemas = {
        t.name: set(t.tool_call_schema.model_json_schema()["properties"])
        for t in make_local_tools()
    }
    assert schemas == {
        "bash": {"command", "timeout", "description"},
        "read": {"path", "offset", "limit"},
        "write": {"path", "content"},
        "edit": {"path", "old_str", "new_str", "replace_all"},
        "glob": {"pattern", "path"},
        "grep": {"pattern", "path", "glob"},
    }


async def test_errors_come_back_as_error_tool_messages(
    tools: dict[str, BaseTool], workspace: Path
) -> None:
    args = {"path": "missing.txt"}
    message = await call_tool(tools["read"], args, workspace, as_tool_call=True)
    assert isinstance(message, ToolMessage)
    assert message.status == "error"
    assert "File not found" in message.content and "missing.txt" in message.content


async def test_the_runs_workspace_wins_and_cwd_is_the_fallback(
    workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pinned, cwd = workspace / "pinned", workspace / "cwd"
    pinned.mkdir()
    cwd.mkdir()
    monkeypatch.chdir(cwd)
    bash = {t.name: t for t in make_local_tools()}["bash"]
    assert str(pinned) in await call_tool(bash, {"command": "pwd"}, pinned)
    assert str(cwd) in await bash.ainvoke({"command": "pwd"})  # outside any run


# --- bash --------------------------------------------------------------------------------


async def test_bash_runs_in_the_workspace_and_reports_exit_code(run: Run, workspace: Path) -> None:
    result = await run("bash", command="pwd")
    assert result == f"{workspace}\n[exit code: 0]"


async def test_bash_merges_stderr_and_reports_failure(run: Run) -> None:
    result = await run("bash", command="echo out; echo oops >&2; exit 3")
    assert result == "out\noops\n[exit code: 3]"


async def test_bash_strips_ansi_and_settles_progress_bars(run: Run) -> None:
    result = await run(
        "bash", command=r"printf '\033[1;31mred\033[0m plain\n 10%%\r 50%%\r100%%\n'"
    )
    assert result == "red plain\n100%\n[exit code: 0]"


async def test_bash_timeout_kills_the_whole_process_group(run: Run, workspace: Path) -> None:
    started = time.monotonic()
    result = await run("bash", command="sleep 30 & echo $! > child.pid; wait", timeout=1)
    assert result.endswith("[timed out after 1 s; process group killed]")
    assert time.monotonic() - started < 10
    child = _pid_in(workspace / "child.pid")
    assert child is not None
    assert await _eventually(lambda: not _alive(child))


async def test_cancelling_bash_kills_its_process_group(run: Run, workspace: Path) -> None:
    task = asyncio.create_task(run("bash", command="sleep 30 & echo $! > child.pid; wait"))
    assert await _eventually(lambda: _pid_in(workspace / "child.pid") is not None)
    child = _pid_in(workspace / "child.pid")
    assert child is not None and _alive(child)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert await _eventually(lambda: not _alive(child))


async def test_cancelling_bash_mid_flood_leaves_no_descriptor_open(
    run: Run, workspace: Path
) -> None:
    # A flood fills the pipe, so the reader is paused when the cancel comes: the kill must
    # still read the pipe to its end and close it and the pidfd (tools/local/spawned.py), or
    # they stay open for as long as the process runs.
    before = _open_fds()
    task = asyncio.create_task(run("bash", command="touch started; yes flood"))
    assert await _eventually(lambda: (workspace / "started").exists())
    await asyncio.sleep(0.2)  # let the pipe and the reader's buffer fill
    assert _open_fds() - before  # the run's pipe and pidfd, open meanwhile
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert await _eventually(lambda: not _open_fds() - before, within=30), _open_fds() - before


def _open_fds() -> set[int]:
    """This process's open file descriptors."""
    return {int(fd) for fd in os.listdir("/proc/self/fd")}


async def test_bash_returns_while_a_background_job_keeps_running(run: Run, workspace: Path) -> None:
    started = time.monotonic()
    result = await run("bash", command="sleep 30 & echo $! > job.pid; echo started")
    assert result == "started\n[exit code: 0]"
    assert time.monotonic() - started < 5
    job = _pid_in(workspace / "job.pid")
    assert job is not None and _alive(job)
    os.kill(job, signal.SIGKILL)
    await asyncio.sleep(0.3)  # let the pipe reader see EOF so its transport closes in this loop


@pytest.mark.parametrize("seconds", [0, 601])
async def test_bash_rejects_timeouts_outside_1_to_600(run: Run, seconds: int) -> None:
    result = await run("bash", command="true", timeout=seconds)
    assert result.startswith("Invalid arguments for `bash`: timeout")


async def test_bash_streams_lines_as_tool_log_events(workspace: Path) -> None:
    bash = {t.name: t for t in make_local_tools()}["bash"]
    events: list[dict[str, Any]] = []
    args = {"command": "echo one; echo two"}
    await call_tool(bash, args, workspace, call_id="call-7", writer=events.append)
    assert events == [
        {"type": "tool_log", "tool": "bash", "tool_call_id": "call-7", "line": "one"},
        {"type": "tool_log", "tool": "bash", "tool_call_id": "call-7", "line": "two"},
    ]


# --- read --------------------------------------------------------------------------------


async def test_read_numbers_lines_and_pages_with_offset_and_limit(
    run: Run, workspace: Path
) -> None:
    (workspace / "notes.txt").write_text("".join(f"line {n}\n" for n in range(1, 6)))
    assert await run("read", path="notes.txt") == "\n".join(
        f"{n:>6}\tline {n}" for n in range(1, 6)
    )
    page = await run("read", path="notes.txt", offset=2, limit=2)
    assert page.splitlines() == [
        "     2\tline 2",
        "     3\tline 3",
        "[Showing lines 2-3 of 5. Call read with offset=4 to continue.]",
    ]


async def test_read_binary_gives_size_not_content(run: Run, workspace: Path) -> None:
    (workspace / "model.bin").write_bytes(b"\x00\x01weights" * 10)
    result = await run("read", path="model.bin")
    assert result == "model.bin is a binary file (90 bytes); content not shown."


async def test_read_decodes_invalid_utf8_with_replacement(run: Run, workspace: Path) -> None:
    (workspace / "latin.txt").write_bytes(b"caf\xe9\n")
    assert await run("read", path="latin.txt") == "     1\tcaf\ufffd"


async def test_read_missing_file_and_directory_explain_what_to_do(
    run: Run, workspace: Path
) -> None:
    assert "File not found" in await run("read", path="nope.py")
    assert str(workspace / "nope.py") in await run("read", path="nope.py")
    (workspace / "src").mkdir()
    assert "is a directory" in await run("read", path="src") and "glob" in await run(
        "read", path="src"
    )


# --- write -------------------------------------------------------------------------------


async def test_write_creates_new_files_and_parents_atomically(run: Run, workspace: Path) -> None:
    result = await run("write", path="pkg/sub/mod.py", content="a = 1\nb = 2\n")
    assert result == "Wrote 2 lines to pkg/sub/mod.py (new file)"
    assert (workspace / "pkg/sub/mod.py").read_text() == "a = 1\nb = 2\n"
    assert os.listdir(workspace / "pkg/sub") == ["mod.py"]  # no temp file left behind


async def test_write_refuses_an_existing_file_until_it_is_read(run: Run, workspace: Path) -> None:
    target = workspace / "train.py"
    target.write_text("original\n")
    refused = await run("write", path="train.py", content="clobbered\n")
    assert "have not read it" in refused and "`read`" in refused
    assert target.read_text() == "original\n"
    await run("read", path="train.py")
    assert await run("write", path="train.py", content="new\n") == "Wrote 1 line to train.py"
    assert target.read_text() == "new\n"


async def test_rewriting_identical_content_is_allowed_and_then_counts_as_read(
    run: Run, workspace: Path
) -> None:
    # A write re-run after a crash finds its own content already there: nothing to clobber.
    target = workspace / "train.py"
    target.write_text("same\n")
    assert await run("write", path="train.py", content="same\n") == "Wrote 1 line to train.py"
    assert await run("write", path="train.py", content="next\n") == "Wrote 1 line to train.py"
    assert target.read_text() == "next\n"


async def test_write_refuses_after_the_file_changed_on_disk(run: Run, workspace: Path) -> None:
    target = workspace / "config.yaml"
    target.write_text("lr: 1e-3\n")
    await run("read", path="config.yaml")
    target.write_text("lr: 3e-4  # changed by the user\n")
    refused = await run("write", path="config.yaml", content="lr: 1\n")
    assert "changed on disk" in refused
    assert "changed by the user" in target.read_text()


async def test_reading_in_one_thread_does_not_allow_writing_in_another(
    run: Run, workspace: Path
) -> None:
    (workspace / "shared.txt").write_text("x\n")
    await run("read", thread="t1", path="shared.txt")
    assert "have not read it" in await run("write", thread="t2", path="shared.txt", content="y\n")


# --- edit --------------------------------------------------------------------------------


async def _read_file(run: Run, workspace: Path, name: str, text: str) -> Path:
    path = workspace / name
    path.write_text(text)
    await run("read", path=name)
    return path


async def test_edit_replaces_a_unique_match_and_shows_the_region(run: Run, workspace: Path) -> None:
    path = await _read_file(run, workspace, "t.py", "a = 1\nb = 2\nc = 3\n")
    result = await run("edit", path="t.py", old_str="b = 2", new_str="b = 20")
    assert path.read_text() == "a = 1\nb = 20\nc = 3\n"
    assert result.splitlines() == [
        "Edited t.py: 1 replacement.",
        "     1\ta = 1",
        "     2\tb = 20",
        "     3\tc = 3",
    ]


async def test_edit_refuses_an_ambiguous_match_unless_replace_all(
    run: Run, workspace: Path
) -> None:
    path = await _read_file(run, workspace, "t.py", "x = 0\nx = 0\n")
    refused = await run("edit", path="t.py", old_str="x = 0", new_str="x = 1")
    assert "occurs 2 times" in refused and "replace_all" in refused
    assert path.read_text() == "x = 0\nx = 0\n"
    result = await run("edit", path="t.py", old_str="x = 0", new_str="x = 1", replace_all=True)
    assert result.startswith("Edited t.py: 2 replacements.")
    assert path.read_text() == "x = 1\nx = 1\n"


async def test_edit_tolerates_whitespace_differences_and_says_so(run: Run, workspace: Path) -> None:
    path = await _read_file(run, workspace, "t.py", "def f():\n    x  = 1\n    return x\n")
    result = await run(
        "edit", path="t.py", old_str="  x = 1\n  return x", new_str="  x = 2\n  return x"
    )
    assert "matched ignoring whitespace differences" in result
    assert path.read_text() == "def f():\n    x = 2\n    return x\n"


async def test_edit_without_a_match_points_to_the_closest_line(run: Run, workspace: Path) -> None:
    path = await _read_file(run, workspace, "t.py", "import os\nlearning_rate = 0.001\n")
    result = await run(
        "edit", path="t.py", old_str="learning_rat = 0.001", new_str="learning_rate = 1"
    )
    assert "not found" in result and "line 2" in result and "learning_rate = 0.001" in result
    assert path.read_text() == "import os\nlearning_rate = 0.001\n"


async def test_edit_of_a_fragment_in_another_order_points_to_the_line_holding_it(
    run: Run, workspace: Path
) -> None:
    """fix-bug (docs/lab): shown `(hi + lo)`, the model sent old_str `lo + hi`."""
    text = "def min_max(xs):\n    lo, hi = min(xs), max(xs)\n    return [(x - lo) / (hi + lo) for x in xs]\n"
    path = await _read_file(run, workspace, "stats.py", text)
    result = await run("edit", path="stats.py", old_str="lo + hi", new_str="hi - lo")
    assert result.endswith(
        "Line 3 holds the same words and signs, in another order or with more around them: "
        "'    return [(x - lo) / (hi + lo) for x in xs]'"
    )
    check_snapshot("edit_same_words.md", result.partition("\n")[2] + "\n")
    nowhere = await run("edit", path="stats.py", old_str="lo * hi", new_str="hi - lo")
    assert nowhere.endswith("copy the exact text (without the line-number prefix).")  # no `*`
    assert path.read_text() == text


async def test_edit_requires_a_read_and_keeps_crlf_line_endings(run: Run, workspace: Path) -> None:
    path = workspace / "win.txt"
    path.write_bytes(b"one\r\ntwo\r\n")
    assert "have not read it" in await run("edit", path="win.txt", old_str="one", new_str="1")
    await run("read", path="win.txt")
    await run("edit", path="win.txt", old_str="one\ntwo", new_str="1\n2")
    assert path.read_bytes() == b"1\r\n2\r\n"


# --- glob and grep -----------------------------------------------------------------------


def _tree(root: Path, files: dict[str, str]) -> None:
    for age, (name, text) in enumerate(files.items()):
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        os.utime(path, (1_000_000 - age * 10, 1_000_000 - age * 10))  # earlier entries newer


async def test_glob_lists_newest_first_and_skips_tool_dirs(run: Run, workspace: Path) -> None:
    _tree(
        workspace,
        {
            "src/new.py": "",
            "old.py": "",
            ".venv/lib/x.py": "",
            "node_modules/y.py": "",
            "a.txt": "",
        },
    )
    assert await run("glob", pattern="**/*.py") == "src/new.py\nold.py"
    top_only = await run("glob", pattern="*.py")
    assert top_only == "old.py"
    assert "Try '**/*.md'" in await run("glob", pattern="*.md")


async def test_glob_orders_a_small_models_hits_as_any_models(
    tools: dict[str, BaseTool], workspace: Path
) -> None:
    """No order chosen for a task's answer: a small model's hits come newest first, as a
    larger model's do (largest first handed it the answer to "which file is largest")."""
    _tree(workspace, {"data/val.jsonl": "v" * 6_900, "data/train.jsonl": "t" * 46_700})
    (workspace / "data" / "sub").mkdir()
    small = await call_tool(tools["glob"], {"pattern": "data/*"}, workspace, read_tokens=1000)
    large = await call_tool(tools["glob"], {"pattern": "data/*"}, workspace)
    assert small == large and "Largest" not in small and "kB" not in small
    assert sorted(small.splitlines()) == ["data/sub/", "data/train.jsonl", "data/val.jsonl"]


async def test_a_small_models_read_of_a_folder_names_its_files_snapshot(
    tools: dict[str, BaseTool], workspace: Path
) -> None:
    """Seen on summarise-files: told to `glob` the folder it read, it globbed, then read the
    folder again."""
    _tree(workspace, {f"notes/{name}.txt": name for name in ("apples", "boats", "clouds")})
    (workspace / "notes" / "deeper").mkdir()
    (workspace / "empty").mkdir()
    args = {"path": "notes"}
    note = await call_tool(tools["read"], args, workspace, as_tool_call=True, read_tokens=1000)
    assert note.status == "error"
    check_snapshot("read_folder.md", note.content + "\n")
    empty = await call_tool(
        tools["read"], {"path": "empty"}, workspace, read_tokens=1000, as_tool_call=True
    )
    assert "has no files of its own" in empty.content


async def test_glob_caps_results_and_says_how_many_more(run: Run, workspace: Path) -> None:
    for n in range(205):
        (workspace / f"f{n}.log").touch()
    result = await run("glob", pattern="*.log")
    assert len(result.splitlines()) == 201
    assert result.endswith("[5 more not shown; narrow the pattern]")


async def test_grep_reports_file_line_text_and_filters_by_glob(run: Run, workspace: Path) -> None:
    _tree(
        workspace,
        {
            "train.py": "import torch\nlr = 3e-4\n",
            "docs/notes.md": "lr is the learning rate\n",
            "node_modules/lib.js": "lr = 1\n",
        },
    )
    (workspace / "weights.bin").write_bytes(b"\x00lr = 9\n")
    assert await run("grep", pattern=r"^lr =") == "train.py:2:lr = 3e-4"
    assert await run("grep", pattern="lr", glob="*.md") == "docs/notes.md:1:lr is the learning rate"
    assert "No matches" in await run("grep", pattern="adamw")


async def test_grep_invalid_regex_is_explained(run: Run) -> None:
    result = await run("grep", pattern="model(")
    assert result.startswith("Invalid regular expression 'model('") and "backslash" in result


# --- the replacement rules of edit, as a table -------------------------------------------


@pytest.mark.parametrize(
    ("text", "old", "new", "replace_all", "expected"),
    [
        ("a\nb\n", "b", "c", False, "a\nc\n"),
        ("x x\n", "x", "y", True, "y y\n"),
        ("if a:\n\tpass\n", "if a:\n    pass", "if b:\n    pass", False, "if b:\n    pass\n"),
        ("    one\n    two\nend\n", "one\ntwo", "uno", False, "    uno\nend\n"),
        ("keep\n  drop  me \nkeep\n", "drop me", "", False, "keep\nkeep\n"),
        ("a\r\nb\r\n", "a\nb", "c", False, "c\r\n"),
    ],
    ids=["exact", "replace-all", "tabs-vs-spaces", "reindent", "fuzzy-delete", "crlf"],
)
def test_apply_edit_rules(text: str, old: str, new: str, replace_all: bool, expected: str) -> None:
    assert apply_edit(text, old, new, replace_all=replace_all).text == expected


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [("", "x", "use `write`"), ("same", "same", "identical"), ("  \n ", "x", "only whitespace")],
)
def test_apply_edit_refuses_meaningless_edits(old: str, new: str, message: str) -> None:
    with pytest.raises(ToolException, match=message):
        apply_edit("same\n", old, new)


def test_an_unchanged_edit_of_absent_text_says_the_text_is_absent() -> None:
    """Seen on fix-bug: a line of check.py sent as both strings of an edit of stats.py."""
    with pytest.raises(ToolException, match="not found in the file") as absent:
        apply_edit(
            "lo, hi = min(xs), max(xs)\n",
            "assert min_max([2]) == [0.0]",
            "assert min_max([2]) == [0.0]",
        )
    assert "identical" not in str(absent.value)
