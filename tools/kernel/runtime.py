"""Where a kernel's runtime files live, and which of them the host ever looks at.

A folder only the host can write (`mkdtemp`, 0700) holds:

- `conf/connection.json`: written by the host, shown read-only inside the sandbox (the kernel
  reads it with `-f`). The host never reads it back: it keeps the connection info in memory.
- `conf/ipykernel_launcher.py`: what the kernel's interpreter runs (a copy of
  tools/kernel/ipykernel_launcher.py, which a workspace's interpreter could not import).
- `rw/`: the one folder bound read-write into the sandbox. The kernel binds its sockets there
  (`rw/k-<port>`) and keeps its IPython and matplotlib settings there. The host reads no file
  in it, and removes it at the end (`rmtree`, which does not follow symlinks).
- `host/`: seen by the host only. Once the kernel has bound its sockets, each is opened once
  (`O_PATH`, no symlink followed: tools/safe_paths.py) and checked to be a socket, and
  `host/k-<port>` links to `/proc/self/fd/<that descriptor>`: the client connects (and
  reconnects) to the very socket checked, whatever the kernel's code puts at the name later.

What the kernel process prints outside cells (start-up errors) reaches the host through a pipe
it made before the start (tools/kernel/kernel_log.py), never through a file.
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import stat
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tools.safe_paths import UnsafePath, folder_at, kind_of, open_at

LAUNCHER = Path(__file__).with_name("ipykernel_launcher.py")
SOCKET_PATH_MAX = 100  # sun_path is 104-108 bytes; leave room for "-<port>"
CHANNELS = ("shell_port", "iopub_port", "stdin_port", "control_port")  # hb: not used


@dataclass(frozen=True)
class KernelRuntime:
    """One kernel's runtime folder: `conf` (host-written), `rw` (the kernel's) and `host`
    (the links to the sockets the host checked)."""

    folder: str
    info: dict[str, Any]  # the connection info the kernel got (never re-read from the file)
    _pinned: list[int] = field(default_factory=list)  # O_PATH descriptors of its sockets

    @property
    def conf(self) -> str:
        return os.path.join(self.folder, "conf")

    @property
    def connection_file(self) -> str:
        return os.path.join(self.conf, "connection.json")

    @property
    def launcher(self) -> str:
        """The script the kernel's interpreter runs (tools/kernel/ipykernel_launcher.py)."""
        return os.path.join(self.conf, LAUNCHER.name)

    @property
    def writable(self) -> str:
        """The folder the kernel may write (its sockets and settings)."""
        return os.path.join(self.folder, "rw")

    def pin_sockets(self) -> dict[str, Any] | None:
        """Blocking: the connection info for the host's client, once the kernel has bound a
        socket for every channel (None before): each opened without following a link,
        checked to be a socket, and reached from `host/` through its descriptor. Raises
        `UnsafePath` when something else is at a socket's name."""
        names = [f"k-{self.info[channel]}" for channel in CHANNELS]
        with folder_at(self.folder, "rw") as sockets:
            present = set(os.listdir(sockets))
            if not set(names) <= present:
                return None
            for name in names:
                self._pinned.append(_socket_at(sockets, name))
        host = os.path.join(self.folder, "host")
        for name, fd in zip(names, self._pinned, strict=True):
            os.symlink(f"/proc/self/fd/{fd}", os.path.join(host, name))
        return {**self.info, "ip": os.path.join(host, "k")}

    def remove(self) -> None:
        for fd in self._pinned:
            with contextlib.suppress(OSError):
                os.close(fd)
        self._pinned.clear()
        shutil.rmtree(self.folder, ignore_errors=True)


def _socket_at(folder: int, name: str) -> int:
    """`name` in `folder` opened as an O_PATH descriptor, when it is a socket."""
    try:
        fd = open_at(folder, name, os.O_PATH)
    except UnsafePath:  # a symlink at the name (openat2 refuses it outright)
        raise UnsafePath(errno.ELOOP, "a symlink, not a socket", name) from None
    kind = os.fstat(fd).st_mode
    if not stat.S_ISSOCK(kind):
        os.close(fd)
        raise UnsafePath(errno.EINVAL, f"{kind_of(kind)}, not a socket", name)
    return fd


def make_runtime() -> KernelRuntime:
    """Blocking: a new runtime folder with a connection file for Unix sockets in `rw/` and the
    kernel's launcher."""
    from jupyter_client.connect import write_connection_file

    folder = _private_folder()
    try:
        for part in ("conf", "rw", "host"):
            os.mkdir(os.path.join(folder, part), 0o700)
        _, info = write_connection_file(
            os.path.join(folder, "conf", "connection.json"),
            ip=os.path.join(folder, "rw", "k"),
            transport="ipc",
        )
        shutil.copyfile(LAUNCHER, os.path.join(folder, "conf", LAUNCHER.name))
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return KernelRuntime(folder, dict(info))


def _private_folder() -> str:
    """A folder only we can use, with a path short enough for Unix socket names."""
    folder = tempfile.mkdtemp(prefix="mlik-")
    if len(folder) > SOCKET_PATH_MAX - 12:
        shutil.rmtree(folder, ignore_errors=True)
        folder = tempfile.mkdtemp(prefix="mlik-", dir="/tmp")
    return folder
