"""`threads fork`'s workspace copy leaves out what the agent planted as a special file (a FIFO
made shutil fail the whole copy), copies links as links, and goes through the safe-path layer:
a folder the agent flips with a symlink to a host folder never brings a host file into the
fork (by name, 11 of 40 forks held the host's key)."""

from __future__ import annotations

import os
import shutil
import stat
import threading
import time
from pathlib import Path

from cli.thread_fork import copy_workspace
from tests.fakes.path_flipper import PathFlipper, planted_flip

SECRET = b"-----BEGIN OPENSSH PRIVATE KEY----- host\n"
FORKS = 40
MIN_FLIPS = 2000
DEADLINE_S = 60.0


def test_a_planted_fifo_is_left_out_and_the_copy_finishes(tmp_path: Path) -> None:
    source = tmp_path / "ws"
    (source / "data").mkdir(parents=True)
    (source / "data" / "train.csv").write_text("a,b\n1,2\n")
    (source / "link").symlink_to("/etc/hostname")
    os.mkfifo(source / "data" / "pipe.csv")
    done: list[Path] = []
    worker = threading.Thread(
        target=lambda: done.append(copy_workspace(source, tmp_path / "fork", tmp_path / "home")),
        daemon=True,
    )
    worker.start()
    worker.join(timeout=60)
    assert done, "the copy did not finish"
    copy, _skipped = done[0]
    assert (copy / "data" / "train.csv").read_text() == "a,b\n1,2\n"
    assert not (copy / "data" / "pipe.csv").exists()
    assert (copy / "link").is_symlink()  # links are copied as links, never followed


def held_secret(tree: Path) -> list[str]:
    """Every file in `tree` holding the host's key (read without following a link)."""
    found = []
    for folder, _dirs, files in os.walk(tree):
        for name in files:
            path = Path(folder, name)
            if stat.S_ISREG(path.lstat().st_mode) and SECRET in path.read_bytes():
                found.append(str(path.relative_to(tree)))
    return found


def test_a_folder_flipping_with_a_host_symlink_never_lands_a_host_file_in_the_fork(
    workspace: Path, tmp_path: Path
) -> None:
    host = tmp_path / "host-ssh"
    host.mkdir()
    (host / "id_rsa").write_bytes(SECRET)
    real, link = planted_flip(workspace, host)
    for n in range(20):
        (real / f"f{n}.txt").write_text("workspace\n")
    (workspace / "keep.txt").write_text("kept\n")
    home = tmp_path / "home"
    home.mkdir()
    leaked: list[str] = []
    failed: list[str] = []
    forks = 0
    deadline = time.monotonic() + DEADLINE_S
    with PathFlipper(real, link) as flipper:
        while forks < FORKS or (not flipper.at_least(MIN_FLIPS) and time.monotonic() < deadline):
            forks += 1
            copy = tmp_path / "forks" / f"f{forks}"
            try:
                copy_workspace(workspace, copy, home)
            except (OSError, shutil.Error) as error:
                failed.append(str(error)[:200])
            leaked += [f"f{forks}/{rel}" for rel in held_secret(copy)]
    assert flipper.flips > 0
    assert leaked == [], f"{len(leaked)} host files landed in {forks} forks: {leaked[:5]}"
    assert failed == [], f"{len(failed)} of {forks} forks failed: {failed[:2]}"
    assert (copy / "keep.txt").read_text() == "kept\n"


def test_the_copy_keeps_links_as_links_and_leaves_out_special_files_and_the_store(
    workspace: Path, tmp_path: Path
) -> None:
    (workspace / "a" / "b").mkdir(parents=True)
    (workspace / "a" / "b" / "run.sh").write_text("#!/bin/sh\n")
    (workspace / "a" / "b" / "run.sh").chmod(0o755)
    os.symlink("/etc/passwd", workspace / "pw")
    os.mkfifo(workspace / "fifo")
    home = workspace / ".home"
    home.mkdir()
    (home / "threads.sqlite").write_bytes(b"db")
    copy, skipped = copy_workspace(workspace, tmp_path / "fork", home)
    assert skipped == []
    assert (copy / "a" / "b" / "run.sh").read_text() == "#!/bin/sh\n"
    assert stat.S_IMODE((copy / "a" / "b" / "run.sh").stat().st_mode) == 0o755
    assert os.readlink(copy / "pw") == "/etc/passwd"
    assert not (copy / "fifo").exists() and not (copy / ".home").exists()
