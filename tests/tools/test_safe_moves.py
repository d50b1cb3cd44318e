"""Moving a planted file out by descriptor: on one file system and across two (/var/tmp and
/dev/shm), a regular file, a symlink (moved as a link, never followed) and a FIFO."""

from __future__ import annotations

import errno
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tools.safe_moves import move_out
from tools.safe_paths import anchor_fd, folder_at


@pytest.fixture(params=["same", "across"])
def places(request: pytest.FixtureRequest) -> Iterator[tuple[Path, Path]]:
    """(a workspace, a quarantine folder): on one file system, or on two."""
    src = Path(tempfile.mkdtemp(prefix="ml-intern-moves-", dir="/var/tmp"))
    other = "/dev/shm" if request.param == "across" and os.path.isdir("/dev/shm") else "/var/tmp"
    dest = Path(tempfile.mkdtemp(prefix="ml-intern-moves-", dir=other))
    if request.param == "across" and os.stat(src).st_dev == os.stat(dest).st_dev:
        pytest.skip("no second file system here")
    yield src, dest
    shutil.rmtree(src, ignore_errors=True)
    shutil.rmtree(dest, ignore_errors=True)


def test_a_file_and_a_link_are_moved_never_followed(places: tuple[Path, Path]) -> None:
    src, dest = places
    host = src.parent / f"{src.name}-host"
    host.write_text("HOST")
    (src / "hooks").mkdir()
    (src / "hooks" / "pre-commit").write_text("#!/bin/sh\n")
    (src / "hooks" / "post-merge").symlink_to(host)
    with folder_at(src, "hooks") as hooks, anchor_fd(dest) as box:
        move_out(hooks, "pre-commit", box, "0-hook")
        move_out(hooks, "post-merge", box, "1-hook")
    assert list((src / "hooks").iterdir()) == []
    assert (dest / "0-hook").read_text() == "#!/bin/sh\n"
    assert os.readlink(dest / "1-hook") == str(host) and host.read_text() == "HOST"
    host.unlink()


def test_a_fifo_is_moved_or_left_where_it_is(places: tuple[Path, Path]) -> None:
    src, dest = places
    os.mkfifo(src / "config")
    same = os.stat(src).st_dev == os.stat(dest).st_dev
    with anchor_fd(src) as folder, anchor_fd(dest) as box:
        if same:
            move_out(folder, "config", box, "0-config")
        else:
            with pytest.raises(OSError) as raised:
                move_out(folder, "config", box, "0-config")
            assert raised.value.errno == errno.EXDEV
    assert (src / "config").exists() is not same
