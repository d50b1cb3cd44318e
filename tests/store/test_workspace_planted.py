"""The undo journal against what the agent can plant (issue 51): a file flipping with a
symlink to a host file, a FIFO or /dev/zero swapped in while the journal reads, and a thread
database whose recorded paths climb out of the workspace. Each goes through the journal API
`execute_tools` uses, then undo as `threads undo` runs it."""

from __future__ import annotations

import contextlib
import hashlib
import os
import socket
import stat
import subprocess
import threading
import traceback
from collections.abc import Iterator
from pathlib import Path

import pytest

from configs.undo_settings import UndoSettings
from store.workspace_entry import Entry
from store.workspace_journal import WorkspaceJournal, open_journal
from store.workspace_undo import undo_calls
from tests.fakes.path_flipper import PathFlipper
from tools import safe_paths
from tools.safe_paths import write_bytes

SECRET = b"host secret: the key to the castle\n"
FLIPS = 2000
MIN_CALLS = 600
DEADLINE_S = 60.0
RACE_ROUNDS = 500  # undo rounds at most until one restored a file while the folder flipped


@pytest.fixture(autouse=True, params=["openat2", "per-component"])
def open_route(request: pytest.FixtureRequest) -> Iterator[str]:
    """Every attack on both of the safe module's routes: openat2, and the one `O_NOFOLLOW`
    open per component a kernel (or file system) without openat2 takes."""
    had = safe_paths.openat2_available()
    safe_paths.use_openat2(had and request.param == "openat2")
    yield request.param
    safe_paths.use_openat2(had)


@pytest.fixture
def home(isolated_home: Path) -> Path:
    """The thread store's home (the per-test ML_INTERN_HOME)."""
    isolated_home.mkdir(parents=True, exist_ok=True)
    return isolated_home


@pytest.fixture
def journal(home: Path) -> Iterator[WorkspaceJournal]:
    found = open_journal(UndoSettings(), home, home / "threads.sqlite")
    assert found is not None
    yield found
    found.close()


@pytest.fixture
def ws(workspace: Path) -> Path:
    return workspace


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    """A host folder with a secret in it, next to the workspace."""
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "secret").write_bytes(SECRET)
    return tmp_path / "outside"


def record_call(journal: WorkspaceJournal, ws: Path, call_id: str, effect: str) -> None:
    """One tool call that names `data.txt` (a `write`) or runs a program (`bash`)."""
    paths = ["data.txt"] if effect == "paths" else []
    recording = journal.start(effect, paths, thread_id="t", call_id=call_id, workspace=ws)
    if recording is not None:
        journal.finish(recording)


class Calls(threading.Thread):
    """Tool calls alternating `write` and `bash` until the flipper has swapped FLIPS times
    (and at least MIN_CALLS were made), in a worker thread, where a hang stays; `made` holds
    the call ids, `error` what a call raised (a tool call must never fail for the journal)."""

    def __init__(self, journal: WorkspaceJournal, ws: Path, flipper: PathFlipper) -> None:
        super().__init__(daemon=True)
        self.journal, self.ws, self.flipper = journal, ws, flipper
        self.made: list[str] = []
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            while not self.flipper.at_least(FLIPS) or len(self.made) < MIN_CALLS:
                call_id = f"c{len(self.made)}"
                self.made.append(call_id)
                effect = ("paths", "programs")[len(self.made) % 2]
                record_call(self.journal, self.ws, call_id, effect)
        except BaseException as error:
            self.error = error

    def finished_in_time(self) -> bool:
        self.join(DEADLINE_S)
        return not self.is_alive()


def release(*fifos: Path) -> None:
    """A reader blocked on a FIFO gets end-of-file (a hung journal is let go for cleanup)."""
    for path in fifos:
        with contextlib.suppress(OSError):
            os.close(os.open(path, os.O_WRONLY | os.O_NONBLOCK))


def test_a_file_flipping_with_a_host_symlink_never_records_or_restores_host_bytes(
    journal: WorkspaceJournal, home: Path, ws: Path, outside: Path
) -> None:
    (ws / "data.txt").write_text("workspace data\n")
    (ws / ".swap").symlink_to(outside / "secret")
    with PathFlipper(ws / "data.txt", ws / ".swap") as flipper:
        calls = Calls(journal, ws, flipper)
        calls.start()
        assert calls.finished_in_time(), "the journal hung"
    assert calls.error is None, "".join(traceback.format_exception(calls.error))
    assert flipper.at_least(FLIPS)
    assert journal.records.blob(hashlib.sha256(SECRET).hexdigest()) is None
    undo_calls(journal, home, "t", calls.made, workspace=ws)
    for path in ws.rglob("*"):
        assert path.is_symlink() or path.read_bytes() != SECRET, path


@pytest.mark.parametrize("planted", ["fifo", "fifo_link", "dev_zero"])
def test_a_fifo_or_dev_zero_swapped_in_never_hangs_the_journal(
    journal: WorkspaceJournal, ws: Path, planted: str
) -> None:
    (ws / "data.txt").write_text("workspace data\n")
    os.mkfifo(ws.parent / "pipe")  # a FIFO outside, for the symlink to it
    if planted == "fifo":
        os.mkfifo(ws / ".swap")
    else:
        (ws / ".swap").symlink_to("/dev/zero" if planted == "dev_zero" else ws.parent / "pipe")
    with PathFlipper(ws / "data.txt", ws / ".swap") as flipper:
        calls = Calls(journal, ws, flipper)
        calls.start()
        hung = not calls.finished_in_time()
        if hung:
            flipper._stop.set()
            release(ws / "data.txt", ws / ".swap", ws.parent / "pipe")
    assert not hung, "the journal hung on a planted special file"
    assert calls.error is None, "".join(traceback.format_exception(calls.error))
    # The lock is free: another call completes.
    second = threading.Thread(target=record_call, args=(journal, ws, "after", "programs"))
    second.start()
    second.join(DEADLINE_S)
    assert not second.is_alive()


@pytest.fixture(params=["sqlite", "postgres"])
def any_journal(
    request: pytest.FixtureRequest, home: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[WorkspaceJournal]:
    """The journal on SQLite and on PostgreSQL (a shared database others can write)."""
    if request.param == "postgres":
        monkeypatch.setenv("ML_INTERN_DATABASE_URL", request.getfixturevalue("pg_url"))
    found = open_journal(UndoSettings(), home, home / "threads.sqlite")
    assert found is not None
    yield found
    found.close()


def test_a_recorded_path_out_of_the_workspace_is_refused_at_restore_and_named(
    any_journal: WorkspaceJournal, home: Path, ws: Path, tmp_path: Path
) -> None:
    """A thread database someone else wrote holds `../x`, an absolute path and a NUL, and
    asks for a setuid file."""
    payload = b"#!/bin/sh\necho planted\n"
    digest = hashlib.sha256(payload).hexdigest()
    any_journal.records.put_blob(digest, payload)
    planted = Entry("f", 0o106755, len(payload), 1, 1, digest)  # setuid, setgid
    absolute = str(tmp_path / "abs.sh")
    bad = ["../x", "sub/../../y", absolute, "a\0b", "..", "ok.txt"]
    any_journal.records.add_changes("t", "c1", str(ws), [(p, planted, None) for p in bad])
    report, _ = undo_calls(any_journal, home, "t", ["c1"], workspace=ws)
    assert not (tmp_path / "x").exists() and not (tmp_path / "y").exists()
    assert not Path(absolute).exists()
    assert (ws / "ok.txt").read_bytes() == payload  # the rest of the record still restores
    assert stat.S_IMODE((ws / "ok.txt").stat().st_mode) == 0o755  # never setuid or setgid
    refused = "\n".join(report.failed)
    for path in ("../x", "sub/../../y", absolute, "a\\x00b", ".."):
        assert path in refused
    assert all("refused" in line for line in report.failed)


def test_a_row_whose_root_is_another_folder_is_refused_and_named(
    any_journal: WorkspaceJournal, home: Path, ws: Path, outside: Path
) -> None:
    """A database others may write holds a row for this thread whose root is a host folder
    (`.ssh/authorized_keys` under it): undo writes nothing there and names the folder."""
    key = b"ssh-ed25519 AAAA attacker\n"
    digest = hashlib.sha256(key).hexdigest()
    any_journal.records.put_blob(digest, key)
    planted = Entry("f", 0o100600, len(key), 1, 1, digest)
    any_journal.records.add_changes(
        "t", "c1", str(outside), [(".ssh/authorized_keys", planted, None)]
    )
    any_journal.records.add_changes("t", "c1", str(ws), [("ok.txt", planted, None)])
    report, _ = undo_calls(any_journal, home, "t", ["c1"], workspace=ws)
    assert sorted(p.name for p in outside.iterdir()) == ["secret"]
    assert (ws / "ok.txt").read_bytes() == key  # the thread's own workspace still restores
    assert len(report.failed) == 1 and report.failed[0].startswith(f"{outside}: refused: ")


def test_stored_content_that_does_not_match_its_hash_is_not_written(
    any_journal: WorkspaceJournal, home: Path, ws: Path
) -> None:
    """The database's content for a hash was swapped: undo names the file, writes nothing."""
    digest = hashlib.sha256(b"what the agent's call found\n").hexdigest()
    any_journal.records.put_blob(digest, b"#!/bin/sh\necho swapped in\n")
    recorded = Entry("f", 0o100644, 28, 1, 1, digest)
    any_journal.records.add_changes("t", "c1", str(ws), [("run.sh", recorded, None)])
    report, _ = undo_calls(any_journal, home, "t", ["c1"], workspace=ws)
    assert report.failed == ["run.sh: its stored content does not match its hash"]
    assert not (ws / "run.sh").exists()


def test_special_files_and_odd_names_get_not_kept_entries_and_undo_takes_them_away(
    journal: WorkspaceJournal, home: Path, ws: Path, tmp_path: Path
) -> None:
    """A FIFO, a socket, a /dev/zero symlink, a 10 GB sparse file, a symlink loop, a name with
    a newline, non-UTF-8 bytes and a 4,096-byte path, made by one `bash` call."""
    (ws / "keep.txt").write_text("before\n")
    record_call(journal, ws, "c0", "programs")
    recording = journal.start("programs", [], thread_id="t", call_id="c1", workspace=ws)
    assert recording is not None
    os.mkfifo(ws / "fifo")
    server = _socket_at(ws / "sock")
    (ws / "zero").symlink_to("/dev/zero")
    with open(ws / "sparse", "wb") as handle:
        handle.truncate(10 << 30)
    (ws / "loop").symlink_to("loop")
    (ws / "new\nline.txt").write_text("newline\n")
    (ws / os.fsdecode(b"caf\xe9.txt")).write_text("accent\n")
    _deep_file(ws, 16)  # 16 * 256 bytes: past PATH_MAX (4,096) from the workspace
    (ws / "keep.txt").write_text("after\n")
    done = threading.Thread(target=journal.finish, args=(recording,))
    done.start()
    done.join(DEADLINE_S)
    assert not done.is_alive(), "the journal hung"
    named = ["fifo", "sock", "zero", "loop", "sparse", "new\nline.txt", "../ws/fifo"]
    written = journal.start("paths", named, thread_id="t", call_id="c2", workspace=ws)
    assert written is not None  # /dev/zero is outside; ../ws/fifo is fifo
    assert set(written.before) == {"fifo", "sock", "loop", "sparse", "new\nline.txt"}
    done = threading.Thread(target=journal.finish, args=(written,))
    done.start()
    done.join(DEADLINE_S)
    server.close()
    assert not done.is_alive(), "the journal hung on a path a tool named"
    (row,) = journal.records.changes_of("t", ["c1"])
    after = {path: entry for path, _, entry in row.changes}
    for name in ("fifo", "sock", "sparse"):
        assert after[name] is not None and not after[name].kept, name
    assert after["zero"].kind == "l" and after["loop"].kind == "l"
    leaf = next(p for p in after if p.endswith("leaf.txt"))
    assert len(os.fsencode(leaf)) > 4096
    report, _ = undo_calls(journal, home, "t", ["c1", "c2"], workspace=ws)
    assert report.complete, report
    assert sorted(p.name for p in ws.iterdir()) == ["keep.txt"]
    assert (ws / "keep.txt").read_text() == "before\n"


def _deep_file(ws: Path, levels: int) -> None:
    """`leaf.txt` under `levels` folders of 255-byte names, made by descriptor (no path that
    long can be named from the root)."""
    fd = os.open(ws, os.O_RDONLY | os.O_DIRECTORY)
    try:
        for _ in range(levels):
            os.mkdir("d" * 255, dir_fd=fd)
            child = os.open("d" * 255, os.O_RDONLY | os.O_DIRECTORY, dir_fd=fd)
            os.close(fd)
            fd = child
        leaf = os.open("leaf.txt", os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=fd)
        os.write(leaf, b"deep\n")
        os.close(leaf)
    finally:
        os.close(fd)


def _socket_at(path: Path) -> socket.socket:
    """A listening Unix socket at `path`, bound through its folder's descriptor (a socket's
    address is short)."""
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    folder = os.open(path.parent, os.O_RDONLY | os.O_DIRECTORY)
    try:
        server.bind(f"/proc/self/fd/{folder}/{path.name}")
    finally:
        os.close(folder)
    return server


def test_a_planted_git_config_runs_nothing_when_undo_reads_gitignore(
    journal: WorkspaceJournal, home: Path, ws: Path, tmp_path: Path
) -> None:
    """The agent makes the workspace a repository whose config names a program; undo asks
    git which folders `.gitignore` marks, and that git runs nothing."""
    marker = tmp_path / "ran"
    recording = journal.start("programs", [], thread_id="t", call_id="c1", workspace=ws)
    assert recording is not None
    subprocess.run(["git", "init", "-q"], cwd=ws, check=True, capture_output=True)
    subprocess.run(
        ["git", "config", "core.fsmonitor", f"touch {marker};"],
        cwd=ws, check=True, capture_output=True,
    )  # fmt: skip
    (ws / "a.txt").write_text("a\n")
    journal.finish(recording)
    undo_calls(journal, home, "t", ["c1"], workspace=ws)
    assert not marker.exists()


def test_a_folder_flipping_with_a_symlink_during_undo_never_lets_a_write_out(
    journal: WorkspaceJournal, home: Path, ws: Path, outside: Path
) -> None:
    """Undo puts back 50 files in `sub` while `sub` flips with a symlink to a host folder
    holding files of the same names; rounds until 2,000 flips and until a round restored
    something while the folder flipped (RACE_ROUNDS at most): no host file is touched.
    (A guard for the restore's descriptor walk: the restore before issue 51 held here too.)"""
    names = [f"f{n}.txt" for n in range(50)]
    (ws / "sub").mkdir()
    for name in names:
        (ws / "sub" / name).write_text("before\n")
        (outside / name).write_text("host\n")
    (ws / ".swap").symlink_to(outside, target_is_directory=True)
    rounds = raced = 0
    with PathFlipper(ws / "sub", ws / ".swap") as flipper:
        while not flipper.at_least(FLIPS) or rounds < 5 or (not raced and rounds < RACE_ROUNDS):
            rounds += 1
            recording = journal.start(
                "programs", [], thread_id="t", call_id=f"r{rounds}", workspace=ws
            )
            for name in names:  # the agent's writes: inside only, as its walls allow
                with contextlib.suppress(OSError):
                    write_bytes(ws, f"sub/{name}", b"agent\n", make_parents=False)
            if recording is not None:
                journal.finish(recording)
            flips = flipper.flips
            report, _ = undo_calls(journal, home, "t", [f"r{rounds}"], workspace=ws)
            raced += bool(report.restored) and flipper.flips > flips
    assert raced > 0, f"no restore in {rounds} rounds ran while the folder flipped"
    for path in outside.iterdir():
        assert path.name == "secret" or path.read_text() == "host\n", path
    assert sorted(p.name for p in outside.iterdir()) == sorted([*names, "secret"])
