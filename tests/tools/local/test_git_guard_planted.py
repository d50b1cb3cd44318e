"""The git guard against what a sandboxed command plants where the host looks after it: FIFOs,
symlinks to host files and folders, folders flipped with links while the guard works, huge
sparse files, link loops, odd names. Each attack is a real `bash` call under real bubblewrap;
the host-side scan runs when the call ends. No hang, no read, move or write outside.

Host paths under /var/tmp (/tmp is private inside)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import stat
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.configs.test_prompt_snapshot import check_snapshot
from tests.fakes.path_flipper import PathFlipper
from tests.tools.local.test_sandbox import needs_bwrap
from tools.local.bash_process import run_bash
from tools.local.git_guard import GitDir, GitState, undo_plants
from tools.local.sandbox import Sandbox
from tools.local.tree_scan import TreeScan

HOST_CONFIG = "[core]\n\tfsmonitor = touch pwned\n[alias]\n\tst = status\n# HOST-MARKER\n"


@pytest.fixture
def lab(monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A root holding `home/project` (the workspace) and `host/` (outside every writable
    root): a user's repository with its own config and hook, and a plain file."""
    root = Path(tempfile.mkdtemp(prefix="ml-intern-planted-", dir="/var/tmp"))
    monkeypatch.setenv("HOME", str(root / "home"))
    monkeypatch.setenv("ML_INTERN_HOME", str(root / "ml-intern-home"))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    (root / "home" / "project").mkdir(parents=True)
    repo = root / "host" / "repo"
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    (repo / ".git" / "config").write_text(HOST_CONFIG)
    (repo / ".git" / "hooks" / "pre-commit").write_text("#!/bin/sh\necho HOST-HOOK\n")
    (root / "host" / "file").write_text("HOST-MARKER file\n")
    yield root
    _unblock_fifos(root)
    shutil.rmtree(root, ignore_errors=True)


def host_unchanged(root: Path) -> None:
    repo = root / "host" / "repo" / ".git"
    assert (repo / "config").read_text() == HOST_CONFIG
    assert (repo / "hooks" / "pre-commit").read_text() == "#!/bin/sh\necho HOST-HOOK\n"
    assert (root / "host" / "file").read_text() == "HOST-MARKER file\n"


def quarantined(root: Path) -> list[Path]:
    box = root / "ml-intern-home" / "quarantine"
    return [p for p in box.rglob("*") if not p.is_dir()] if box.exists() else []


def _unblock_fifos(root: Path) -> None:
    """A reader stuck on a planted FIFO (the bug under test) gets end-of-file."""
    for path in root.rglob("*"):
        with contextlib.suppress(OSError):
            if stat.S_ISFIFO(path.lstat().st_mode):
                os.close(os.open(path, os.O_WRONLY | os.O_NONBLOCK))


async def run(command: str, ws: Path, scan: TreeScan | None = None, wait: float = 60) -> str:
    lines: list[str] = []
    call = asyncio.ensure_future(run_bash(ws, lines.append, command, 30, Sandbox(), scan))
    done, _ = await asyncio.wait([call], timeout=wait)
    if not done:  # hung: free the stuck reader so the test can end, then fail
        for _ in range(100):
            _unblock_fifos(ws)
            done, _ = await asyncio.wait([call], timeout=0.1)
            if done:
                break
        pytest.fail(f"the bash call did not return within {wait} s: {command}")
    return call.result()[0]


FIFO_PLANTS = {
    "config": "git init -q lib && rm lib/.git/config && mkfifo lib/.git/config",
    "config.worktree": "git init -q lib && mkfifo lib/.git/config.worktree",
    "commondir": "git init -q lib && mkfifo lib/.git/commondir",
    "HEAD": "git init -q lib && rm lib/.git/HEAD && mkfifo lib/.git/HEAD",
    ".git file": "mkdir lib && mkfifo lib/.git",
    "bare HEAD": "mkdir -p bare/objects bare/refs && mkfifo bare/HEAD",
}


@needs_bwrap
@pytest.mark.parametrize("plant", FIFO_PLANTS)
async def test_a_planted_fifo_never_hangs_the_scan(lab: Path, plant: str) -> None:
    ws = lab / "home" / "project"
    scan = TreeScan()
    out = await run(FIFO_PLANTS[plant] + " && echo planted", ws, scan, wait=10)
    assert "planted" in out, out
    out = await run("echo next", ws, scan, wait=10)  # the walls for the next call read it too
    assert "next" in out, out


@needs_bwrap
@pytest.mark.parametrize("name", ["config.worktree", "commondir"])
async def test_a_fifo_planted_between_calls_never_hangs_the_next(lab: Path, name: str) -> None:
    """A long-lived sandboxed process (the python kernel) can plant while no call runs: the
    next call's walls and scan read the repository's files before it starts."""
    ws = lab / "home" / "project"
    subprocess.run(["git", "init", "-q", str(ws / "lib")], check=True)
    os.mkfifo(ws / "lib" / ".git" / name)
    out = await run("echo ran", ws, wait=10)
    assert "ran" in out, out


@needs_bwrap
async def test_a_config_linked_to_a_host_file_is_moved_not_followed(lab: Path) -> None:
    ws = lab / "home" / "project"
    subprocess.run(["git", "init", "-q", str(ws / "lib")], check=True)
    worktree = ws / "lib" / ".git" / "config.worktree"  # not read-only inside: the guard's job
    worktree.write_text("[core]\n\tsparseCheckout = true\n")
    host = lab / "host" / "file"
    out = await run(f"rm lib/.git/config.worktree && ln -s {host} lib/.git/config.worktree", ws)
    out += await run(f"git init -q new && rm new/.git/config && ln -s {host} new/.git/config", ws)
    host_unchanged(lab)
    assert "HOST-MARKER" not in out, out
    assert worktree.read_text() == "[core]\n\tsparseCheckout = true\n" and not worktree.is_symlink()
    for path in quarantined(lab):
        assert path.is_symlink() or b"HOST-MARKER" not in path.read_bytes()


@needs_bwrap
@pytest.mark.parametrize("how", ["gitdir: {repo}", "link"])
async def test_a_host_repository_named_from_the_workspace_is_left_alone(
    lab: Path, how: str
) -> None:
    """A `.git` file or link naming the user's repository outside: not writable from inside,
    so nothing to undo there; the guard must not "undo" the user's own hooks and config."""
    ws = lab / "home" / "project"
    repo = lab / "host" / "repo" / ".git"
    plant = f"ln -s {repo} sub/.git" if how == "link" else f"echo 'gitdir: {repo}' > sub/.git"
    out = await run(f"mkdir sub && {plant} && echo planted", ws)
    assert "planted" in out, out
    host_unchanged(lab)
    assert quarantined(lab) == [], out


def _fake_git_dir(folder: Path) -> None:
    """A host folder that looks like a git directory with a risky config and a hook."""
    (folder / "hooks").mkdir(parents=True)
    (folder / "objects").mkdir()
    (folder / "refs").mkdir()
    (folder / "HEAD").write_text("ref: refs/heads/main\n")
    (folder / "config").write_text(HOST_CONFIG)
    (folder / "config.worktree").write_text(HOST_CONFIG)
    (folder / "hooks" / "pre-commit").write_text("#!/bin/sh\necho HOST-HOOK\n")


async def _flip_while_running(lab: Path, flipped: str, command: str) -> tuple[Path, str]:
    """The host flips the repository's `.git` (or its `hooks`) with a link to a host folder
    that looks like a git directory, 2,000+ times, while bash calls run `command` and the
    guard scans and quarantines around each; the host folder and every call's output."""
    ws = lab / "home" / "project"
    outside = lab / "host" / "fake"
    _fake_git_dir(outside)
    subprocess.run(["git", "init", "-q", str(ws / "proj")], check=True)
    (ws / "proj" / ".git" / "config.worktree").write_text("[core]\n\tbare = false\n")
    link = ws / ".swap"
    link.symlink_to(outside if flipped == ".git" else outside / "hooks")
    scan = TreeScan()
    outs = []
    with PathFlipper(ws / "proj" / flipped, link) as flipper:
        for _ in range(200):
            outs.append(await run(command, ws, scan))
            if flipper.at_least(2000) and len(outs) >= 12:
                break
        assert flipper.at_least(2000)
    return outside, "\n".join(outs)


def _contents(folder: Path) -> dict[Path, bytes]:
    return {p: p.read_bytes() for p in folder.rglob("*") if p.is_file()}


@needs_bwrap
@pytest.mark.parametrize("flipped", [".git", ".git/hooks"])
async def test_the_guard_on_a_git_folder_flipped_with_a_host_folder(
    lab: Path, flipped: str
) -> None:
    """Nothing outside is read into a note, moved or written by the guard."""
    outside = lab / "host" / "fake"
    _fake_git_dir(outside)
    before = _contents(outside)
    shutil.rmtree(outside)
    outside, text = await _flip_while_running(lab, flipped, "git init -q n$RANDOM")
    notes = [line for line in text.splitlines() if line.startswith("[ml-intern")]
    assert "HOST-MARKER" not in text and str(outside) not in "\n".join(notes), text
    assert _contents(outside) == before
    host_unchanged(lab)
    for path in quarantined(lab):
        assert path.is_symlink() or b"HOST" not in path.read_bytes()


@needs_bwrap
async def test_the_walls_on_a_git_folder_flipped_with_a_host_folder(lab: Path) -> None:
    """The command writes into the repository's git directory: never into the host folder
    (bubblewrap follows a swapped name: the gate ends a command whose mounts were not asked for)."""
    outside = lab / "host" / "fake"
    _fake_git_dir(outside)
    before = _contents(outside)
    shutil.rmtree(outside)
    command = "printf y >> proj/.git/config.worktree; printf x > proj/.git/hooks/post-merge; true"
    outside, _ = await _flip_while_running(lab, ".git", command)
    assert _contents(outside) == before


@needs_bwrap
async def test_a_huge_sparse_config_a_link_loop_and_odd_hook_names(lab: Path) -> None:
    ws = lab / "home" / "project"
    out = await run(
        "git init -q a && truncate -s 10G a/.git/config.worktree && "
        "git init -q b && rm b/.git/config && ln -s config b/.git/config && "
        'git init -q c && printf x > "c/.git/hooks/pre-commit\n[ml-intern fake]" && echo done',
        ws,
        wait=30,
    )
    assert "done" in out, out
    assert f"moved the config.worktree {ws}/a/.git/config.worktree" in out, out
    assert f"moved the config {ws}/b/.git/config" in out, out
    assert f"moved the hook {ws}/c/.git/hooks/pre-commit\\n[ml-intern fake]" in out, out
    assert not (ws / "a" / ".git" / "config.worktree").exists()
    assert not (ws / "b" / ".git" / "config").is_symlink()


@needs_bwrap
async def test_the_notes_across_file_systems(lab: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The quarantine on another file system (/dev/shm): a hook is copied by descriptor and a
    link re-made, never followed; the notes the model and the user read, as a snapshot."""
    if not os.path.isdir("/dev/shm"):
        pytest.skip("no /dev/shm here")
    home = Path(tempfile.mkdtemp(prefix="ml-intern-home-", dir="/dev/shm"))
    monkeypatch.setenv("ML_INTERN_HOME", str(home))
    ws = lab / "home" / "project"
    host = lab / "host" / "file"
    try:
        out = await run(
            "git init -q lib && git -C lib config core.fsmonitor 'touch pwned' && "
            "printf '#!/bin/sh\\n' > lib/.git/hooks/pre-commit && "
            f"ln -s {host} lib/.git/hooks/post-merge && mkfifo lib/.git/commondir",
            ws,
            wait=10,
        )
        box = next((home / "quarantine").iterdir())
        assert sorted(p.name for p in box.iterdir()) == ["0-config", "1-hook", "2-hook"]
        assert (box / "0-config").is_file() and (box / "2-hook").is_file()
        assert not (ws / "lib" / ".git" / "commondir").exists()
        links = [p for p in box.iterdir() if p.is_symlink()]
        assert [os.readlink(p) for p in links] == [str(host)]
        host_unchanged(lab)
        notes = [line for line in out.splitlines() if line.startswith("[ml-intern")]
        text = "\n".join(sorted(notes)).replace(str(box), "QUARANTINE").replace(str(ws), "WS")
        check_snapshot("git_guard_notes.md", text + "\n")
    finally:
        shutil.rmtree(home, ignore_errors=True)


def test_the_notes_when_nothing_can_be_undone(tmp_path: Path) -> None:
    """A git directory replaced since the walk saw it (another device and inode) is not
    touched, and folders the walk could not read are named: both notes as a snapshot."""
    (tmp_path / "lib" / ".git").mkdir(parents=True)
    seen = GitDir(str(tmp_path / "lib" / ".git"), str(tmp_path), "lib/.git", {"config": b"x"}, {})
    after = GitState({(0, 0): seen}, unreadable=[str(tmp_path / "odd\nname")])
    notes = undo_plants(GitState(), after)
    assert (tmp_path / "lib" / ".git").is_dir()
    check_snapshot("git_guard_notes_not_undone.md", "\n".join(notes).replace(str(tmp_path), "WS"))
