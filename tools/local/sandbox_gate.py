"""The gate: a sandboxed command runs only once the host has checked what bubblewrap mounted.

bubblewrap resolves every mount source by name while it sets up the walls (even `--bind-fd`:
it mounts `realpath("/proc/self/fd/FD")`), so a sandboxed process swapping a workspace folder
for a link at that moment can get a host folder mounted (sandbox_pins.py). What was mounted is
plain afterwards in the new namespace's `/proc/self/mountinfo`: each mount's device and the path
of its root on that device. So the command starts behind a small shim (bash, from the host's
read-only root, before any agent code): it sends its mount table to the host and waits. The
host lets it run only when every mount is one the walls asked for:

- a mount the host has too, at the same place, read-only or covered by another (what
  `--ro-bind / /` brings along);
- a fresh file system (a device the host has no mount of: bubblewrap's tmpfs, proc, mqueue);
- a folder at or beneath a writable root or the kernel's channels folder (what the agent can
  move there stays there: everything outside is read-only inside);
- exactly one of the places bound by path from outside (`/`, `/dev/null`, a resolv.conf...).

Anything else (a host folder mounted over `proj/.git`) ends the command before it runs.
"""

from __future__ import annotations

import contextlib
import os
import select
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from tools.result_texts import tool_text
from tools.result_texts.sandbox import SWAPPED

SHIM = (
    'r=$1 g=$2; shift 2; /bin/cat /proc/self/mountinfo >&"$r" && printf "\\0" >&"$r" && '
    'exec {r}>&- && read -r -n 1 -u "$g" _ && exec {g}<&- && exec "$@"; exit 125'
)
DEV_NODES = ("/dev/null", "/dev/zero", "/dev/full", "/dev/random", "/dev/urandom", "/dev/tty")
READY_S = 60  # how long bubblewrap may take to set up the walls


class SandboxBreach(Exception):
    """bubblewrap mounted a place the walls did not ask for; the message names it."""


@dataclass(frozen=True)
class Mount:
    """One line of a mountinfo table."""

    dev: str
    root: str
    point: str
    read_only: bool = False
    ids: tuple[str, str] = ("", "")  # its mount id, its parent's

    @property
    def place(self) -> tuple[str, str, str]:
        return self.dev, self.root, self.point


def parse_mounts(table: str) -> list[Mount]:
    """The mounts of a `/proc/<pid>/mountinfo` text (octal escapes decoded)."""
    mounts = []
    for line in table.splitlines():
        fields = line.split(" ")
        if len(fields) >= 5:
            root, point = _unescape(fields[3]), _unescape(fields[4])
            ro = "ro" in fields[5].split(",")
            mounts.append(Mount(fields[2], root, point, ro, (fields[0], fields[1])))
    return mounts


def _unescape(text: str) -> str:
    if "\\" not in text:
        return text
    raw = text.encode("latin-1", "surrogateescape")
    out, i = bytearray(), 0
    while i < len(raw):
        if raw[i : i + 1] == b"\\" and raw[i + 1 : i + 4].isdigit():
            out.append(int(raw[i + 1 : i + 4], 8))
            i += 4
        else:
            out.append(raw[i])
            i += 1
    return os.fsdecode(bytes(out))


@dataclass(frozen=True)
class Allowed:
    """What the walls asked to mount: `beneath` (writable roots, channels) and `exact` places
    bound by path from outside them."""

    beneath: tuple[str, ...]
    exact: frozenset[str]

    def foreign_mounts(
        self, inside: Iterable[Mount], host: Iterable[Mount]
    ) -> list[tuple[Mount, str]]:
        """Each mount of `inside` the walls did not ask for, with its host place (or device
        root)."""
        on_host: dict[str, list[Mount]] = {}
        for mount in host:
            on_host.setdefault(mount.dev, []).append(mount)
        inside = list(inside)
        covered = {(m.ids[1], m.point) for m in inside}  # (parent id, place) of each mount
        found = []
        for mount in inside:
            mirrors = on_host.get(mount.dev)
            if mirrors is None:
                continue  # a fresh file system (tmpfs, proc...)
            hidden = (mount.ids[0], mount.point) in covered  # another mount stacked on it
            if (mount.read_only or hidden) and mount.place in {h.place for h in mirrors}:
                continue  # a mount the host has at the same place, read-only or unreachable
            places = [p for h in mirrors if (p := _host_path(mount.root, h)) is not None]
            if not any(self._asked(place) for place in places):
                found.append((mount, places[0] if places else f"{mount.dev}:{mount.root}"))
        return found

    def _asked(self, place: str) -> bool:
        path = Path(place.removesuffix(" (deleted)"))
        return place in self.exact or any(path.is_relative_to(p) for p in self.beneath)


def _host_path(root: str, host: Mount) -> str | None:
    """Where `root` (a path on the device `host` mounts) is seen on the host, or None."""
    if host.root == "/":
        rest = root
    elif root == host.root or root.startswith(host.root + "/"):
        rest = root[len(host.root) :] or "/"
    else:
        return None
    return os.path.normpath(os.path.join(host.point, rest.lstrip("/")))


@dataclass
class Gate:
    """The host's ends of the shim's two pipes, and what may be mounted."""

    allowed: Allowed
    table: int  # read: the sandbox's mount table, then a NUL
    go: int  # write: one byte lets the command run
    child: tuple[int, int] = field(default=(-1, -1))  # the shim's ends (table, go)

    @classmethod
    def make(cls, allowed: Allowed) -> Gate:
        table_r, table_w = os.pipe()
        go_r, go_w = os.pipe()
        return cls(allowed, table_r, go_w, (table_w, go_r))

    def argv(self, argv: list[str]) -> list[str]:
        """`argv` behind the shim (bubblewrap's command part)."""
        return ["/bin/bash", "-c", SHIM, "ml-intern-gate", *map(str, self.child), *argv]

    def admit(self) -> bool:
        """Wait for the sandbox's mount table and let the command run when every mount was
        asked for (True); `SandboxBreach` otherwise (the caller ends the process). False when
        bubblewrap ended before the shim ran (its error is the command's output)."""
        try:
            table = self._read_table()
            if table is None:
                return False
            foreign = self.allowed.foreign_mounts(parse_mounts(table), _host_mounts())
            if foreign:  # named by where they sit in the sandbox: no host path in the message
                places = ", ".join(sorted({mount.point for mount, _ in foreign}))
                raise SandboxBreach(tool_text("sandbox", SWAPPED, places=places))
            with contextlib.suppress(BrokenPipeError):  # ended meanwhile (a cancel)
                os.write(self.go, b".")
            return True
        finally:
            self.close()

    def _read_table(self) -> str | None:
        data, deadline = bytearray(), time.monotonic() + READY_S
        while not data.endswith(b"\0"):
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self.table], [], [], left)[0]:
                return None
            chunk = os.read(self.table, 65536)
            if not chunk:
                return None
            data += chunk
        return os.fsdecode(bytes(data[:-1]))

    def close(self) -> None:
        for fd in (self.table, self.go):
            if fd >= 0:
                os.close(fd)
        self.table = self.go = -1


def _host_mounts() -> list[Mount]:
    with open("/proc/self/mountinfo", encoding="utf-8", errors="surrogateescape") as table:
        return parse_mounts(table.read())
