"""Where a kernel's runtime files live, and which of them the host ever looks at.

A folder only the host can write (`mkdtemp`, 0700) holds:

- `conf/connection.json`: written by the host, shown read-only inside the sandbox (the kernel
  reads it with `-f`). The host never reads it back: it keeps the connection info in memory.
- `rw/`: the one folder bound read-write into the sandbox. The kernel binds its sockets there
  (`rw/k-<port>`) and keeps its IPython and matplotlib settings there. The host reads no file
  in it; it only connects to the sockets, and removes the folder at the end (`rmtree`, which
  does not follow symlinks).

What the kernel process prints outside cells (start-up errors) reaches the host through a pipe
it made before the start (tools/kernel/kernel_log.py), never through a file.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass
from typing import Any

SOCKET_PATH_MAX = 100  # sun_path is 104-108 bytes; leave room for "-<port>"


@dataclass(frozen=True)
class KernelRuntime:
    """One kernel's runtime folder: `conf` (host-written) and `rw` (the kernel's)."""

    folder: str
    info: dict[str, Any]  # the connection info the host uses (never re-read from the file)

    @property
    def conf(self) -> str:
        return os.path.join(self.folder, "conf")

    @property
    def connection_file(self) -> str:
        return os.path.join(self.conf, "connection.json")

    @property
    def writable(self) -> str:
        """The folder the kernel may write (its sockets and settings)."""
        return os.path.join(self.folder, "rw")

    def remove(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)


def make_runtime() -> KernelRuntime:
    """Blocking: a new runtime folder with a connection file for Unix sockets in `rw/`."""
    from jupyter_client.connect import write_connection_file

    folder = _private_folder()
    try:
        os.mkdir(os.path.join(folder, "conf"), 0o700)
        os.mkdir(os.path.join(folder, "rw"), 0o700)
        _, info = write_connection_file(
            os.path.join(folder, "conf", "connection.json"),
            ip=os.path.join(folder, "rw", "k"),
            transport="ipc",
        )
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
