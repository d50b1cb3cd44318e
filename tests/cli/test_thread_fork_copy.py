"""`threads fork`'s workspace copy leaves out what the agent planted as a special file (a FIFO
made shutil fail the whole copy) and copies links as links."""

from __future__ import annotations

import os
import threading
from pathlib import Path

from cli.thread_fork import copy_workspace


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
    copy = done[0]
    assert (copy / "data" / "train.csv").read_text() == "a,b\n1,2\n"
    assert not (copy / "data" / "pipe.csv").exists()
    assert (copy / "link").is_symlink()  # links are copied as links, never followed
