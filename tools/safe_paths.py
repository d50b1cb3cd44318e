"""The one way host code touches a path the agent can write: by descriptor, beneath an anchor.

Anything under the workspace (or a kernel's runtime folder, a figures folder...) may have been
planted by sandboxed code: a symlink to `~/.ssh`, a FIFO that blocks a reader forever, a folder
swapped for a symlink between a check and an open. Host code therefore never opens such a path by
name. It opens the anchor (a folder it trusts) once, then:

- opens the rest relative to that descriptor with `openat2(RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS |
  RESOLVE_NO_MAGICLINKS)` (Linux 5.6+), or, where the kernel lacks it, one `O_NOFOLLOW` open per
  component; a symlink anywhere in the path, `..`, an absolute part or a NUL is refused;
- opens non-blocking, then checks on **that descriptor** (`fstat`) that it is a regular file of
  bounded size before reading it; it never re-resolves the name after a check;
- writes a temporary file in the parent folder's descriptor and renames it into place, so a
  symlink or FIFO at the name is replaced, never followed.

A refusal is `UnsafePath` (an `OSError`), whose message says what was found and what to do.

Example::

    data = read_bytes(workspace, "data/train.csv", limit=64 << 20)
    write_bytes(workspace, "out/result.json", b"{}")
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import hashlib
import os
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

# struct open_how's resolve flags (linux/openat2.h) and the syscall's number (the same on every
# architecture: it was added after the syscall tables were unified).
RESOLVE_NO_MAGICLINKS = 0x02
RESOLVE_NO_SYMLINKS = 0x04
RESOLVE_BENEATH = 0x08
_SYS_OPENAT2 = 437
_RESOLVE = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS
_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
_READ_FLAGS = os.O_RDONLY | os.O_NONBLOCK | os.O_NOFOLLOW | os.O_CLOEXEC
WRITE_TEMP = ".ml-intern-write.tmp"  # undo's scans skip files with this suffix
_PATH_MAX = 4096  # the longest path one openat2 takes, NUL included
DEFAULT_LIMIT = 256 << 20  # bytes a host-side read takes at most unless told otherwise


class UnsafePath(OSError):
    """A path the host refuses to follow: a symlink or `..` in it, not a regular file, too
    large, or outside its anchor. The message names the path and says what was found."""


class _OpenHow(ctypes.Structure):
    _fields_ = [("flags", ctypes.c_uint64), ("mode", ctypes.c_uint64), ("resolve", ctypes.c_uint64)]


_libc = ctypes.CDLL(None, use_errno=True)
_has_openat2: bool | None = None  # None: not tried yet


def openat2_available() -> bool:
    """True when this kernel has `openat2` (otherwise one `O_NOFOLLOW` open per component)."""
    global _has_openat2
    if _has_openat2 is None:
        fd = -1
        try:
            fd = _openat2(os.open("/", _DIR_FLAGS), ".", _DIR_FLAGS, 0, close_dir=True)
            _has_openat2 = True
        except OSError as error:
            _has_openat2 = error.errno != errno.ENOSYS
        finally:
            if fd >= 0:
                os.close(fd)
    return _has_openat2


def use_openat2(enabled: bool) -> None:
    """Force the per-component fallback (False) or openat2 (True), as on a kernel without it."""
    global _has_openat2
    _has_openat2 = enabled


def _openat2(dir_fd: int, rel: str, flags: int, mode: int, *, close_dir: bool = False) -> int:
    how = _OpenHow(flags, mode if flags & os.O_CREAT else 0, _RESOLVE)
    try:
        for _ in range(64):  # EAGAIN: a rename raced the lookup; the kernel asks us to retry
            fd = _libc.syscall(_SYS_OPENAT2, dir_fd, os.fsencode(rel), ctypes.byref(how), 24)
            if fd >= 0:
                return fd
            code = ctypes.get_errno()
            if code not in (errno.EAGAIN, errno.EINTR):
                raise OSError(code, os.strerror(code), rel)
        raise OSError(errno.EAGAIN, os.strerror(errno.EAGAIN), rel)
    finally:
        if close_dir:
            os.close(dir_fd)


def parts_of(rel: str | os.PathLike[str]) -> list[str]:
    """The components of a relative path; `UnsafePath` for an absolute path, `..` or a NUL."""
    text = os.fspath(rel)
    plain = text.split("/")  # the common case without PurePosixPath's cost (walks open many)
    if text and "\0" not in text and all(part not in ("", ".", "..") for part in plain):
        return plain
    if "\0" in text:
        raise UnsafePath(errno.EINVAL, "the path holds a NUL character", text)
    path = PurePosixPath(text)
    if path.is_absolute():
        raise UnsafePath(errno.EXDEV, "an absolute path where a relative one was expected", text)
    parts = [part for part in path.parts if part != "."]
    if ".." in parts:
        raise UnsafePath(errno.EXDEV, "the path climbs out with '..'", text)
    return parts


def _explain(error: OSError, rel: str) -> OSError:
    """A resolution error in words a person and a model can act on."""
    if error.errno in (errno.ELOOP, errno.EXDEV, errno.ENOTDIR):
        return UnsafePath(
            error.errno,
            "a part of this path is a symlink (or not a folder); the host does not follow "
            "links the agent could have planted. Use the real path of the file",
            rel,
        )
    if error.errno == errno.ENXIO:
        return UnsafePath(error.errno, "this is a FIFO or socket, not a regular file", rel)
    return error


def open_at(dir_fd: int, rel: str | os.PathLike[str], flags: int, mode: int = 0o600) -> int:
    """`rel` opened beneath the folder `dir_fd` with `flags` (O_NOFOLLOW and O_CLOEXEC added),
    no symlink followed in any component; `rel` empty or "." opens the folder itself."""
    parts = parts_of(rel)
    flags |= os.O_NOFOLLOW | os.O_CLOEXEC
    name = "/".join(parts) or "."
    try:
        if len(parts) == 1:  # one name, no `..`: O_NOFOLLOW is all the resolve flags add
            return os.open(name, flags, mode, dir_fd=dir_fd)  # and no ctypes call (walks)
        if openat2_available() and len(os.fsencode(name)) < _PATH_MAX:
            return _openat2(dir_fd, name, flags, mode)
        return _walk_open(dir_fd, parts, flags, mode)  # past PATH_MAX: a part at a time
    except UnsafePath:
        raise
    except OSError as error:
        raise _explain(error, name) from None


def _walk_open(dir_fd: int, parts: list[str], flags: int, mode: int) -> int:
    if not parts:
        return os.open(".", flags, dir_fd=dir_fd)
    fd = os.dup(dir_fd)
    try:
        for part in parts[:-1]:
            child = os.open(part, _DIR_FLAGS, dir_fd=fd)
            os.close(fd)
            fd = child
        return os.open(parts[-1], flags, mode, dir_fd=fd)
    finally:
        os.close(fd)


@contextlib.contextmanager
def anchor_fd(anchor: Path | str) -> Iterator[int]:
    """The trusted folder `anchor` opened as a directory descriptor (its own path is trusted:
    the workspace the user chose, a folder the host made)."""
    fd = os.open(os.fspath(anchor), os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        yield fd
    finally:
        os.close(fd)


@contextlib.contextmanager
def opened(
    anchor: Path | str, rel: str | os.PathLike[str], flags: int = _READ_FLAGS
) -> Iterator[int]:
    """A descriptor for `rel` beneath `anchor`, closed on exit."""
    with anchor_fd(anchor) as base:
        fd = open_at(base, rel, flags)
    try:
        yield fd
    finally:
        os.close(fd)


def lstat_at(anchor: Path | str, rel: str | os.PathLike[str]) -> os.stat_result | None:
    """What is at `rel` now, the last component not followed (a symlink is a symlink), None if
    nothing; `UnsafePath` when a folder on the way is a symlink."""
    parts = parts_of(rel)
    if not parts:
        return os.stat(anchor)
    try:
        with opened(anchor, "/".join(parts[:-1]), _DIR_FLAGS) as parent:
            return os.stat(parts[-1], dir_fd=parent, follow_symlinks=False)
    except FileNotFoundError:
        return None


@dataclass(frozen=True)
class RegularFile:
    """A regular file opened for reading, with the `fstat` of the same descriptor."""

    fd: int
    st: os.stat_result

    def read(self, limit: int | None = None) -> bytes:
        """The file's bytes from its start, at most `limit` (default: its size)."""
        want = self.st.st_size if limit is None else min(limit, self.st.st_size)
        chunks: list[bytes] = []
        offset = 0
        while offset < want:
            chunk = os.pread(self.fd, min(want - offset, 1 << 20), offset)
            if not chunk:
                break
            chunks.append(chunk)
            offset += len(chunk)
        return b"".join(chunks)

    def chunks(self, size: int = 1 << 20) -> Iterator[bytes]:
        """The file's bytes in chunks, up to the size `fstat` saw (a file that grows is cut)."""
        offset = 0
        while offset < self.st.st_size:
            chunk = os.pread(self.fd, min(size, self.st.st_size - offset), offset)
            if not chunk:
                return
            yield chunk
            offset += len(chunk)


def check_regular(st: os.stat_result, rel: str, limit: int | None) -> None:
    """`UnsafePath` unless `st` is a regular file of at most `limit` bytes."""
    if not stat.S_ISREG(st.st_mode):
        code = errno.EISDIR if stat.S_ISDIR(st.st_mode) else errno.EINVAL
        raise UnsafePath(code, f"this is {kind_of(st.st_mode)}, not a regular file", rel)
    if limit is not None and st.st_size > limit:
        raise UnsafePath(
            errno.EFBIG, f"the file is {st.st_size:,} bytes, over the {limit:,} the host reads", rel
        )


def kind_of(mode: int) -> str:
    """What a file mode is, in words."""
    for test, words in (
        (stat.S_ISDIR, "a folder"),
        (stat.S_ISLNK, "a symlink"),
        (stat.S_ISFIFO, "a FIFO"),
        (stat.S_ISSOCK, "a socket"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
    ):
        if test(mode):
            return words
    return "a regular file" if stat.S_ISREG(mode) else "a special file"


@contextlib.contextmanager
def regular_file(
    anchor: Path | str, rel: str | os.PathLike[str], limit: int | None = DEFAULT_LIMIT
) -> Iterator[RegularFile]:
    """`rel` beneath `anchor`, opened non-blocking without following links, checked on its own
    descriptor to be a regular file of at most `limit` bytes (None: any size)."""
    with opened(anchor, rel) as fd:
        st = os.fstat(fd)
        check_regular(st, os.fspath(rel), limit)
        yield RegularFile(fd, st)


def read_bytes(
    anchor: Path | str, rel: str | os.PathLike[str], limit: int | None = DEFAULT_LIMIT
) -> bytes:
    """The bytes of the regular file `rel` beneath `anchor` (see `regular_file`)."""
    with regular_file(anchor, rel, limit) as file:
        return file.read()


@contextlib.contextmanager
def folder_at(
    anchor: Path | str, rel: str | os.PathLike[str], *, make: bool = False
) -> Iterator[int]:
    """The folder `rel` beneath `anchor` as a descriptor (made, part by part, when `make`),
    never through a symlink."""
    parts = parts_of(rel)
    with anchor_fd(anchor) as base:
        fd = os.dup(base)
    try:
        for part in parts:
            if make:
                with contextlib.suppress(FileExistsError):
                    os.mkdir(part, 0o755, dir_fd=fd)
            child = open_at(fd, part, os.O_RDONLY | os.O_DIRECTORY)
            os.close(fd)
            fd = child
        yield fd
    finally:
        os.close(fd)


def write_bytes(
    anchor: Path | str,
    rel: str | os.PathLike[str],
    data: bytes,
    mode: int | None = None,
    *,
    make_parents: bool = True,
) -> bool:
    """Write `data` to `rel` beneath `anchor` atomically: a temporary file in the parent
    folder's descriptor, renamed over the name. Keeps an existing file's mode (`mode` for a new
    file: 0o644 by default). Refuses (`UnsafePath`) when something other than a regular file is
    at the name. True if a file was there."""
    parts = parts_of(rel)
    if not parts:
        raise UnsafePath(errno.EISDIR, "a folder, not a file", os.fspath(rel))
    with folder_at(anchor, "/".join(parts[:-1]), make=make_parents) as parent:
        return write_in(parent, parts[-1], data, mode)


def write_in(parent: int, name: str, data: bytes, mode: int | None = None) -> bool:
    """`write_bytes` into the already opened folder `parent`."""
    try:
        now = os.stat(name, dir_fd=parent, follow_symlinks=False)
    except FileNotFoundError:
        now = None
    if now is not None and not stat.S_ISREG(now.st_mode):
        raise UnsafePath(
            errno.EINVAL, f"{kind_of(now.st_mode)} is there, not a regular file; not replaced", name
        )
    keep = stat.S_IMODE(now.st_mode) if now is not None else (0o644 if mode is None else mode)
    temp = f".{name[:180]}.{os.urandom(4).hex()}{WRITE_TEMP}"
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC,
                 0o600, dir_fd=parent)  # fmt: skip
    try:
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
            os.fchmod(fd, keep)
            os.fsync(fd)
        finally:
            os.close(fd)
        os.rename(temp, name, src_dir_fd=parent, dst_dir_fd=parent)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp, dir_fd=parent)
        raise
    return now is not None


def relative_anchor(target: Path, workspace: Path) -> tuple[Path, str]:
    """Where a host-side touch of the resolved `target` is anchored: the workspace when it is
    inside it, the filesystem root otherwise (an approved path outside: still no symlink
    followed after the approval resolved it)."""
    if target == workspace or target.is_relative_to(workspace):
        return workspace, target.relative_to(workspace).as_posix()
    return Path("/"), target.relative_to("/").as_posix()


def is_regular_at(anchor: Path | str, rel: str | os.PathLike[str]) -> bool:
    """True when a regular file (not a link to one) is at `rel` beneath `anchor` now."""
    try:
        st = lstat_at(anchor, rel)
    except OSError:
        return False
    return st is not None and stat.S_ISREG(st.st_mode)


def head_at(anchor: Path | str, rel: str | os.PathLike[str], size: int) -> bytes:
    """The first `size` bytes of the regular file `rel` (b"" for anything else)."""
    try:
        with regular_file(anchor, rel, None) as file:
            return file.read(size)
    except OSError:
        return b""


def sha256_at(anchor: Path | str, rel: str | os.PathLike[str], limit: int) -> str | None:
    """The SHA-256 of the regular file `rel`, read through the descriptor checked; None for
    anything else, a file over `limit` bytes, or a path that cannot be opened safely."""
    try:
        with regular_file(anchor, rel, limit) as file:
            digest = hashlib.sha256()
            for chunk in file.chunks():
                digest.update(chunk)
            return digest.hexdigest()
    except OSError:
        return None


def rel_beneath(anchor: Path, name: str | os.PathLike[str]) -> str | None:
    """`name` (relative to `anchor`, or absolute) as a path beneath `anchor` taken as named
    (`..` collapsed lexically), or None when it names a place outside."""
    path = Path(os.path.normpath(anchor / Path(name)))
    return path.relative_to(anchor).as_posix() if path.is_relative_to(anchor) else None
