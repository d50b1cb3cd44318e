"""The host's one way into agent-writable paths refuses every planted trick, on both the
openat2 route and the per-component fallback a kernel without openat2 takes."""

from __future__ import annotations

import contextlib
import os
import stat
from pathlib import Path

import pytest

from tests.fakes.path_flipper import PathFlipper, planted_flip
from tools import safe_paths
from tools.safe_paths import UnsafePath, lstat_at, read_bytes, write_bytes


@pytest.fixture(params=[True, False], ids=["openat2", "fallback"])
def route(request: pytest.FixtureRequest):
    before = safe_paths.openat2_available()
    safe_paths.use_openat2(request.param and before)
    yield request.param
    safe_paths.use_openat2(before)


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    place = tmp_path / "outside"
    place.mkdir()
    (place / "secret").write_text("host secret\n")
    return place


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    place = tmp_path / "ws"
    place.mkdir()
    return place


def test_a_regular_file_reads_and_writes(route: bool, ws: Path) -> None:
    write_bytes(ws, "a/b/c.txt", b"hello")
    assert read_bytes(ws, "a/b/c.txt") == b"hello"
    assert write_bytes(ws, "a/b/c.txt", b"again") is True
    assert (ws / "a/b/c.txt").read_bytes() == b"again"


def test_a_symlink_anywhere_in_the_path_is_refused(route: bool, ws: Path, outside: Path) -> None:
    (ws / "link").symlink_to(outside, target_is_directory=True)
    (ws / "file").symlink_to(outside / "secret")
    for rel in ("link/secret", "file"):
        with pytest.raises(UnsafePath, match="symlink"):
            read_bytes(ws, rel)
    with pytest.raises(UnsafePath):
        write_bytes(ws, "link/new", b"x")
    assert not (outside / "new").exists()


def test_a_write_never_goes_through_a_symlink_at_its_name(
    route: bool, ws: Path, outside: Path
) -> None:
    (ws / "out.txt").symlink_to(outside / "secret")
    with pytest.raises(UnsafePath, match="a symlink is there"):
        write_bytes(ws, "out.txt", b"payload")
    assert (outside / "secret").read_text() == "host secret\n"


def test_climbing_out_absolute_and_nul_are_refused(route: bool, ws: Path) -> None:
    for rel in ("../outside/secret", "/etc/passwd", "a\0b"):
        with pytest.raises(UnsafePath):
            read_bytes(ws, rel)


def test_a_fifo_socket_or_device_is_refused_without_blocking(route: bool, ws: Path) -> None:
    os.mkfifo(ws / "fifo")
    with pytest.raises(UnsafePath, match="a FIFO, not a regular file"):
        read_bytes(ws, "fifo")  # a blocking open would hang here forever: no writer
    with pytest.raises(UnsafePath, match="FIFO"):
        write_bytes(ws, "fifo", b"x")
    (ws / "zero").symlink_to("/dev/zero")
    with pytest.raises(UnsafePath):
        read_bytes(ws, "zero")


def test_a_huge_sparse_file_is_refused_by_size(route: bool, ws: Path) -> None:
    with open(ws / "sparse", "wb") as f:
        f.truncate(10 << 30)
    with pytest.raises(UnsafePath, match="over the"):
        read_bytes(ws, "sparse", limit=1 << 20)


def test_lstat_does_not_follow(route: bool, ws: Path, outside: Path) -> None:
    (ws / "link").symlink_to(outside / "secret")
    st = lstat_at(ws, "link")
    assert st is not None and stat.S_ISLNK(st.st_mode)
    assert lstat_at(ws, "missing") is None


def test_a_folder_flipping_with_a_symlink_never_lets_a_write_out(
    route: bool, ws: Path, outside: Path
) -> None:
    real, link = planted_flip(ws, outside)
    landed = refused = 0
    with PathFlipper(real, link) as flipper:
        n = 0
        while n < 2000 or not flipper.at_least(2000):
            try:
                write_bytes(ws, f"sub/f{n}", b"x", make_parents=False)
                landed += 1
            except OSError:
                refused += 1
            n += 1
    assert not [p for p in outside.iterdir() if p.name != "secret"]
    assert landed > 0 and refused > 0  # both sides of the flip were met


def test_a_file_flipping_with_a_symlink_never_reads_the_host(
    route: bool, ws: Path, outside: Path
) -> None:
    (ws / "data.txt").write_text("workspace data\n")
    (ws / ".swap").symlink_to(outside / "secret")
    seen = set()
    with PathFlipper(ws / "data.txt", ws / ".swap") as flipper:
        reads = 0
        while reads < 2000 or not flipper.at_least(2000):
            with contextlib.suppress(OSError):
                seen.add(read_bytes(ws, "data.txt"))
            reads += 1
    assert b"host secret\n" not in seen


def test_open_at_reaches_past_path_max_and_refuses_a_symlink(
    route: bool, ws: Path, outside: Path
) -> None:
    deep = "/".join(["d" * 255] * 17)  # 4,352 bytes
    with safe_paths.folder_at(ws, deep, make=True) as made:
        os.close(os.open("leaf", os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=made))
    with safe_paths.anchor_fd(ws) as base:
        fd = safe_paths.open_at(base, deep, os.O_RDONLY | os.O_DIRECTORY)
        try:
            assert os.listdir(fd) == ["leaf"]
        finally:
            os.close(fd)
        (ws / "link").symlink_to(outside, target_is_directory=True)
        for rel in ("link", deep.replace("d" * 255, "link", 1)):
            with pytest.raises(UnsafePath):
                safe_paths.open_at(base, rel, os.O_RDONLY | os.O_DIRECTORY)
