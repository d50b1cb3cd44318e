"""Undo puts the workspace back: `threads undo`, the REPL's /undo and `threads fork --at`."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.cli.conftest import Cli
from tests.cli.test_repl import PROMPT, spawn_repl
from tests.fakes.llm_server import ScriptedLLMServer, Turn
from tests.tools.local.test_sandbox import needs_bwrap

pytestmark = pytest.mark.cli_e2e
MODEL = ("--model", "openai/scripted-model")


def call(name: str, **arguments: object) -> dict:
    return {"name": name, "arguments": arguments}


def seed(workspace: Path) -> None:
    (workspace / "c.txt").write_text("c before\n")
    (workspace / "d.txt").write_text("d before\n")
    (workspace / "e.txt").write_text("e before\n")


def five_changes(llm: ScriptedLLMServer) -> None:
    """The agent writes a.txt, edits e.txt and, through bash, creates b.txt, overwrites c.txt
    and deletes d.txt."""
    llm.add(
        Turn(tool_calls=[call("read", path="e.txt")]),
        Turn(
            tool_calls=[
                call("write", path="a.txt", content="new a\n"),
                call("edit", path="e.txt", old_str="e before", new_str="e after"),
                call("bash", command="echo b > b.txt && echo c after > c.txt && rm d.txt"),
            ]
        ),
        Turn(content="Done."),
    )


def test_threads_undo_puts_back_every_change_by_file_tools_and_bash(
    cli: Cli, llm: ScriptedLLMServer
) -> None:
    cli.use_server(llm)
    seed(cli.cwd)
    five_changes(llm)
    done = cli.run(*MODEL, "--yolo", "--thread-id", "t-undo", "change the files")
    assert done.returncode == 0, done.stderr
    assert (cli.cwd / "a.txt").exists() and not (cli.cwd / "d.txt").exists()

    undone = cli.run("threads", "undo", "t-undo", "--json")
    assert undone.returncode == 0, undone.stderr
    report = json.loads(undone.stdout)
    assert sorted(report["restored"]) == ["c.txt", "d.txt", "e.txt"]
    assert sorted(report["removed"]) == ["a.txt", "b.txt"]
    assert report["conflicts"] == [] and report["not_kept"] == []
    assert sorted(p.name for p in cli.cwd.iterdir()) == ["c.txt", "d.txt", "e.txt"]
    assert (cli.cwd / "c.txt").read_text() == "c before\n"
    assert (cli.cwd / "d.txt").read_text() == "d before\n"
    assert (cli.cwd / "e.txt").read_text() == "e before\n"
    # The words went back too: the reply is gone from the thread.
    assert "Done." not in cli.run("threads", "show", "t-undo").stdout


def test_a_file_the_user_changed_since_is_a_conflict_and_kept(
    cli: Cli, llm: ScriptedLLMServer
) -> None:
    cli.use_server(llm)
    seed(cli.cwd)
    five_changes(llm)
    assert cli.run(*MODEL, "--yolo", "--thread-id", "t-c", "change the files").returncode == 0
    (cli.cwd / "c.txt").write_text("the user's own edit\n")

    undone = cli.run("threads", "undo", "t-c", "--json")
    assert undone.returncode == 3, undone.stderr
    report = json.loads(undone.stdout)
    assert report["conflicts"] == ["c.txt"]
    assert (cli.cwd / "c.txt").read_text() == "the user's own edit\n"
    assert (cli.cwd / "d.txt").read_text() == "d before\n"  # the rest went back
    text = cli.run("threads", "undo", "t-c")  # nothing left to undo: a clear error
    assert text.returncode == 2 and "Nothing to undo" in text.stderr


def test_keep_files_rewinds_the_words_only(cli: Cli, llm: ScriptedLLMServer) -> None:
    cli.use_server(llm)
    seed(cli.cwd)
    five_changes(llm)
    assert cli.run(*MODEL, "--yolo", "--thread-id", "t-k", "change the files").returncode == 0
    undone = cli.run("threads", "undo", "t-k", "--keep-files")
    assert undone.returncode == 0, undone.stderr
    assert "Files left as they are (--keep-files)" in undone.stdout
    assert (cli.cwd / "a.txt").read_text() == "new a\n"
    assert not (cli.cwd / "d.txt").exists()


def test_repl_undo_says_what_it_put_back(cli: Cli, llm: ScriptedLLMServer) -> None:
    cli.use_server(llm)
    llm.add(Turn(tool_calls=[call("bash", command="echo x > made.txt")]), Turn(content="Made."))
    child = spawn_repl(cli, *MODEL, "--yolo")
    try:
        child.expect_exact(PROMPT, timeout=30)
        child.sendline("make a file")
        child.expect_exact("Made.", timeout=30)
        child.expect_exact(PROMPT, timeout=30)
        assert (cli.cwd / "made.txt").exists()
        child.sendline("/undo")
        child.expect_exact("Files put back: 0 restored, 1 removed.", timeout=30)
        child.expect_exact("removed made.txt", timeout=30)
        child.expect_exact(PROMPT, timeout=30)
        assert not (cli.cwd / "made.txt").exists()
        child.sendline("/quit")
        child.expect(r"--resume", timeout=30)
    finally:
        if child.isalive():
            child.terminate(force=True)


def test_fork_at_a_point_gets_its_own_workspace_as_it_was_then(
    cli: Cli, llm: ScriptedLLMServer, tmp_path: Path
) -> None:
    cli.use_server(llm)
    llm.add(
        Turn(tool_calls=[call("bash", command="echo one > notes.txt")]),
        Turn(content="First."),
        Turn(tool_calls=[call("bash", command="echo two >> notes.txt && echo t > two.txt")]),
        Turn(content="Second."),
    )
    assert cli.run(*MODEL, "--yolo", "--thread-id", "t-f", "first").returncode == 0
    assert cli.run(*MODEL, "--yolo", "--resume", "t-f", "second").returncode == 0
    copy = tmp_path / "fork-files"
    forked = cli.run("threads", "fork", "t-f", "--at", "1", "--workspace", str(copy))
    assert forked.returncode == 0, forked.stderr
    assert (copy / "notes.txt").read_text() == "one\n" and not (copy / "two.txt").exists()
    # The original thread and its files are untouched.
    assert (cli.cwd / "notes.txt").read_text() == "one\ntwo\n" and (cli.cwd / "two.txt").exists()
    new_id = re.search(r"into (\S+);", forked.stdout).group(1)  # type: ignore[union-attr]
    shown = cli.run("threads", "show", new_id).stdout
    assert "First." in shown and "Second." not in shown
    rows = {
        r["thread_id"]: r for r in json.loads(cli.run("threads", "list", "--all", "--json").stdout)
    }
    assert rows[new_id]["cwd"] == str(copy)


@needs_bwrap
def test_sandboxed_bash_changes_are_put_back(cli: Cli, llm: ScriptedLLMServer) -> None:
    cli.use_server(llm)
    (cli.cwd / "train.py").write_text("lr = 1e-4\n")
    llm.add(
        Turn(
            tool_calls=[
                call("bash", command="echo 'lr = 1' > train.py && mkdir out && touch out/x")
            ]
        ),
        Turn(content="Edited in the sandbox."),
    )
    done = cli.run(*MODEL, "--sandbox", "--thread-id", "t-sb", "edit train.py")
    assert done.returncode == 0, done.stderr
    assert (cli.cwd / "train.py").read_text() == "lr = 1\n"
    undone = cli.run("threads", "undo", "t-sb", "--json")
    assert undone.returncode == 0, undone.stderr
    assert sorted(json.loads(undone.stdout)["removed"]) == ["out", "out/x"]
    assert (cli.cwd / "train.py").read_text() == "lr = 1e-4\n" and not (cli.cwd / "out").exists()


def test_a_thread_from_before_the_record_rewinds_its_words_and_says_so(
    cli: Cli, llm: ScriptedLLMServer
) -> None:
    config = cli.home.parent / "xdg-config" / "ml-intern" / "cli_agent_config.json"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text(json.dumps({"undo": {"enabled": False}}))  # as older ml-intern did
    cli.use_server(llm)
    llm.add(Turn(tool_calls=[call("bash", command="echo x > old.txt")]), Turn(content="Old."))
    assert cli.run(*MODEL, "--yolo", "--thread-id", "t-old", "make old.txt").returncode == 0
    config.write_text("{}")
    undone = cli.run("threads", "undo", "t-old")
    assert undone.returncode == 0, undone.stderr
    assert "were not recorded (recording off" in undone.stdout
    assert "bash: echo x > old.txt" in undone.stdout
    assert (cli.cwd / "old.txt").exists()
    assert "Old." not in cli.run("threads", "show", "t-old").stdout


def test_undo_puts_back_what_a_python_kernel_cell_wrote_and_deleted(
    cli: Cli, llm: ScriptedLLMServer
) -> None:
    """The kernel is a process that outlives the call: its writes are recorded all the same."""
    cli.use_server(llm)
    seed(cli.cwd)
    code = (
        "from pathlib import Path\n"
        "Path('model.bin').write_bytes(b'weights')\n"
        "Path('c.txt').write_text('c from the kernel\\n')\n"
        "Path('d.txt').unlink()\n"
    )
    llm.add(Turn(tool_calls=[call("python", code=code)]), Turn(content="Done."))
    done = cli.run(*MODEL, "--yolo", "--thread-id", "t-kernel", "use the kernel")
    assert done.returncode == 0, done.stderr
    assert (cli.cwd / "model.bin").exists() and not (cli.cwd / "d.txt").exists()

    undone = cli.run("threads", "undo", "t-kernel", "--json")
    assert undone.returncode == 0, undone.stderr
    report = json.loads(undone.stdout)
    assert sorted(report["restored"]) == ["c.txt", "d.txt"]
    assert report["removed"] == ["model.bin"]
    assert (cli.cwd / "c.txt").read_text() == "c before\n"
    assert (cli.cwd / "d.txt").read_text() == "d before\n"
