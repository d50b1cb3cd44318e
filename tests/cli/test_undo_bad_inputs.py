"""Undo's files under the bad inputs: binary, symlinks (never followed out), non-UTF-8
names, a folder replaced by a file, a file deleted and made again, a file over the size
limit, a full disk during the restore and a restore cut off by a kill."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from configs.undo_settings import UndoSettings
from store.workspace_entry import Entry
from store.workspace_journal import open_journal
from store.workspace_records import WorkspaceRecords
from store.workspace_restore import RestoreMarker, RestoreReport, restore
from store.workspace_tree import TEMP_MARK
from tests.cli.conftest import Cli
from tests.fakes.cli_zygote import run as zygote_run
from tests.fakes.llm_server import ScriptedLLMServer, Turn

pytestmark = pytest.mark.cli_e2e
MODEL = ("--model", "openai/scripted-model")
NON_UTF8 = b"caf\xe9.txt"
BINARY = bytes(range(256)) * 64


def bash(command: str) -> dict:
    return {"name": "bash", "arguments": {"command": command}}


def seed(ws: Path, outside: Path) -> None:
    (ws / "bin.dat").write_bytes(BINARY)
    (ws / "inside.txt").write_text("inside\n")
    os.symlink("inside.txt", ws / "link")
    (ws / os.fsdecode(NON_UTF8)).write_text("accent before\n")
    (ws / "folder").mkdir()
    (ws / "folder" / "x.txt").write_text("x\n")
    (ws / "again.txt").write_text("first life\n")
    with open(ws / "big.bin", "wb") as handle:
        handle.truncate(2 * 1024 * 1024)  # over the 1 MB limit these tests set
    (ws / "sub").mkdir()
    (ws / "sub" / "f.txt").write_text("f before\n")
    outside.mkdir()


CHANGES = (
    "printf 'other' > bin.dat && ln -sfn /etc link && printf 'accent after' > $'caf\\xe9.txt'"
    " && rm -r folder && echo now-a-file > folder && rm again.txt && echo second > again.txt"
    " && truncate -s 3M big.bin && ln -s /etc/passwd escape"
    " && rm -r sub && ln -s {outside} sub"
)


def configure(cli: Cli) -> None:
    config = cli.home.parent / "xdg-config" / "ml-intern" / "cli_agent_config.json"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text(json.dumps({"undo": {"max_file_mb": 1}}))


def test_bad_inputs_are_put_back_without_following_a_symlink_out(
    cli: Cli, llm: ScriptedLLMServer, tmp_path: Path
) -> None:
    outside = tmp_path / "outside"
    seed(cli.cwd, outside)
    configure(cli)
    cli.use_server(llm)
    llm.add(Turn(tool_calls=[bash(CHANGES.format(outside=outside))]), Turn(content="Done."))
    done = cli.run(*MODEL, "--yolo", "--thread-id", "t-bad", "mangle the workspace")
    assert done.returncode == 0, done.stderr
    assert (cli.cwd / "sub").is_symlink() and (cli.cwd / "folder").is_file()

    undone = cli.run("threads", "undo", "t-bad", "--json")
    assert undone.returncode == 0, undone.stdout + undone.stderr
    report = json.loads(undone.stdout)
    ws = cli.cwd
    assert (ws / "bin.dat").read_bytes() == BINARY
    assert os.readlink(ws / "link") == "inside.txt"
    assert (ws / os.fsdecode(NON_UTF8)).read_text() == "accent before\n"
    assert (ws / "folder").is_dir() and (ws / "folder" / "x.txt").read_text() == "x\n"
    assert (ws / "again.txt").read_text() == "first life\n"
    assert not (ws / "escape").exists() and not (ws / "escape").is_symlink()
    assert (ws / "sub").is_dir() and not (ws / "sub").is_symlink()
    assert (ws / "sub" / "f.txt").read_text() == "f before\n"
    assert list(outside.iterdir()) == []  # nothing was written through the symlink
    assert report["not_kept"] == ["big.bin"]  # over the limit: named, not restored
    assert (ws / "big.bin").stat().st_size == 3 * 1024 * 1024
    assert not list(ws.rglob(f"*{TEMP_MARK}"))


def test_a_full_disk_during_the_restore_leaves_every_file_whole(
    cli: Cli, llm: ScriptedLLMServer
) -> None:
    (cli.cwd / "weights.txt").write_text("w" * 5_000_000)
    cli.use_server(llm)
    llm.add(Turn(tool_calls=[bash("echo small > weights.txt")]), Turn(content="Done."))
    assert cli.run(*MODEL, "--yolo", "--thread-id", "t-full", "shrink it").returncode == 0
    # The file-size limit makes every write past 2 MB fail, as a full disk would.
    limited = subprocess.run(
        ["prlimit", "--fsize=2000000", sys.executable, "-m", "cli", "threads", "undo", "t-full",
         "--json"],
        cwd=cli.cwd, env=cli.env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert limited.returncode == 3, limited.stderr
    report = json.loads(limited.stdout)
    assert report["failed"] and report["failed"][0].startswith("weights.txt: ")
    assert (cli.cwd / "weights.txt").read_text() == "small\n"  # the old one, whole
    assert not list(cli.cwd.glob(f"*{TEMP_MARK}"))


def test_an_undo_cut_off_by_a_kill_is_finished_by_the_next(tmp_path: Path) -> None:
    """The state a kill -9 leaves mid-restore (some files back, a temporary file, the marker,
    the record not yet marked), then the next undo."""
    ws, home = tmp_path / "ws", tmp_path / "home"
    ws.mkdir()
    home.mkdir()
    for name in ("a.txt", "b.txt"):
        (ws / name).write_text(f"{name} before\n")
    journal = open_journal(UndoSettings(), home, home / "threads.sqlite")
    assert journal is not None
    recording = journal.start("programs", [], thread_id="t", call_id="c1", workspace=ws)
    for name in ("a.txt", "b.txt"):
        (ws / name).write_text(f"{name} after\n")
    journal.finish(recording)
    rows = journal.records.changes_of("t", ["c1"])
    first_only = [type(rows[0])(rows[0].call_id, rows[0].root, rows[0].changes[:1], 0.0)]
    RestoreMarker(home, "t").begin(["c1"])
    restore(journal.records, journal.tree(ws), first_only, RestoreReport())  # a.txt only
    (ws / f"b.txt{TEMP_MARK}").write_text("half writ")  # the kill struck here

    from store.workspace_undo import undo_calls

    report, _ = undo_calls(journal, home, "t", ["c1"], workspace=ws)
    assert report.finished_interrupted and report.complete
    assert sorted(report.restored) == ["a.txt", "b.txt"]
    assert (ws / "a.txt").read_text() == "a.txt before\n"
    assert (ws / "b.txt").read_text() == "b.txt before\n"
    assert not (ws / f"b.txt{TEMP_MARK}").exists()
    assert not RestoreMarker(home, "t").left_over()
    journal.close()


def test_special_files_a_bash_call_plants_are_listed_and_undo_takes_them_away(
    cli: Cli, llm: ScriptedLLMServer
) -> None:
    """A FIFO (over a file the call replaced), a /dev/zero symlink and a 10 GB sparse file:
    the record names them without reading them, and `threads undo` puts the workspace back."""
    (cli.cwd / "notes.txt").write_text("notes before\n")
    cli.use_server(llm)
    plant = "rm notes.txt && mkfifo notes.txt fifo && ln -s /dev/zero zero && truncate -s 10G huge"
    llm.add(Turn(tool_calls=[bash(plant)]), Turn(content="Done."))
    done = cli.run(*MODEL, "--yolo", "--thread-id", "t-special", "plant things")
    assert done.returncode == 0, done.stderr
    undone = cli.run("threads", "undo", "t-special", "--json")
    assert undone.returncode == 0, undone.stdout + undone.stderr
    report = json.loads(undone.stdout)
    assert sorted(report["removed"]) == ["fifo", "huge", "zero"], report
    assert report["restored"] == ["notes.txt"], report
    assert sorted(p.name for p in cli.cwd.iterdir()) == ["notes.txt"]
    assert (cli.cwd / "notes.txt").read_text() == "notes before\n"


def test_a_change_row_naming_another_folder_is_refused_and_named(
    cli: Cli, llm: ScriptedLLMServer, tmp_path: Path
) -> None:
    """A thread database someone else can write (a shared PostgreSQL, a copied thread) adds a
    row to this thread's call whose root is another folder: undo writes nothing there."""
    other = tmp_path / "victim-home"
    other.mkdir()
    cli.use_server(llm)
    call = {**bash("echo after > notes.txt"), "id": "call_planted"}
    llm.add(Turn(tool_calls=[call]), Turn(content="Done."))
    assert cli.run(*MODEL, "--yolo", "--thread-id", "t-root", "write").returncode == 0
    key = b"ssh-ed25519 AAAA attacker\n"
    digest = hashlib.sha256(key).hexdigest()
    records = WorkspaceRecords(cli.home / "threads.sqlite")
    records.put_blob(digest, key)
    planted = Entry("f", 0o100600, len(key), 1, 1, digest)
    records.add_changes(
        "t-root", "call_planted", str(other), [(".ssh/authorized_keys", planted, None)]
    )
    records.close()

    undone = cli.run("threads", "undo", "t-root", "--json")
    report = json.loads(undone.stdout)
    assert not (other / ".ssh").exists(), "undo wrote into another folder"
    assert list(other.iterdir()) == []
    assert any(str(other) in line for line in report["failed"]), report
    assert not (cli.cwd / "notes.txt").exists()  # this workspace's own row still restores
    assert undone.returncode == 3, undone.stdout + undone.stderr


EVIL = "evil\n\x1b[31mred\u202e.txt"  # a newline, a terminal colour and a right-to-left mark


def test_names_in_every_undo_report_are_escaped(cli: Cli, llm: ScriptedLLMServer) -> None:
    """A call makes a file whose name holds a newline, a terminal escape and a bidi mark:
    `threads undo` (text and --json) and the web's undo answer show it escaped, on one line."""
    cli.use_server(llm)
    for thread in ("t-text", "t-json", "t-web"):
        make = bash("printf x > $'evil\\n\\x1b[31mred\\u202e.txt'")
        llm.add(Turn(tool_calls=[make]), Turn(content="Done."))
        assert cli.run(*MODEL, "--yolo", "--thread-id", thread, "make it").returncode == 0
        assert (cli.cwd / EVIL).exists()
        if thread == "t-text":
            out = cli.run("threads", "undo", thread).stdout
        elif thread == "t-json":
            out = cli.run("threads", "undo", thread, "--json").stdout
            assert json.loads(out)["removed"] == ["evil\\n\\x1b[31mred\\u202e.txt"]
        else:
            action = json.dumps({"action": "undo", "thread_id": thread})
            web = zygote_run(  # forked from the CLI runs' zygote, as `python -m` would run it
                [sys.executable, "-m", "serve.web_session", action], cwd=cli.cwd,
                env={**cli.env, "ML_INTERN_WORKSPACE": str(cli.cwd)},
                capture_output=True, text=True, timeout=60,
            )  # fmt: skip
            out = web.stdout
            assert json.loads(out)["body"]["files"]["removed"] == ["evil\\n\\x1b[31mred\\u202e.txt"]
        assert not (cli.cwd / EVIL).exists()
        assert "\x1b" not in out and "\u202e" not in out and "evil\nred" not in out, out
        assert "evil\\n\\x1b[31mred" in out.replace("\\\\", "\\"), out
