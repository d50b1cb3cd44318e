"""Mount sources the agent can change, opened by descriptor before bubblewrap starts.

bubblewrap resolves a mount's source by name when it sets up the walls, following symlinks. A
long-lived sandboxed process (the python kernel) can swap a folder in the workspace for a link
to a host folder (`renameat2(RENAME_EXCHANGE)`) at that very moment: `--bind proj/.git` would
then mount the host folder writable, and a read-only bind would expose `~/.ssh` past the hiding.

Every `--bind`/`--ro-bind` whose source lies at or beneath a writable root is opened here,
beneath the outermost root holding it, with no symlink followed (tools/safe_paths.py), as an
`O_PATH` descriptor checked on itself not to be a link, and passed as `--bind-fd FD DEST` /
`--ro-bind-fd FD DEST`. Sources elsewhere (system folders, `/dev/null`, the user's home
read-only) stay path binds.

Not enough on its own: bubblewrap (0.8.0 here, and its main branch) turns `--bind-fd FD` into
`realpath("/proc/self/fd/FD")`, the object's current *name*, and mounts that name, so a swap at
that moment can still land a host folder (rarely: the name is read just before the mount). The
gate (sandbox_gate.py) checks what was mounted before the command runs; `Wrapped` carries both.

A name flipping between a folder and a link is opened again after a short pause; one still a
link after `PIN_TRIES` is refused (`UnsafePath`). A source gone since the walk is left
unmounted: there is nothing there to protect, and what a command makes there is the git
guard's (git_guard.py), as for a repository made during the command.

Example::

    done = sandbox.wrap(["/bin/true"], workspace).run(10, capture_output=True)
"""

from __future__ import annotations

import errno
import os
import stat
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tools.local.sandbox_gate import DEV_NODES, Allowed, Gate
from tools.safe_paths import UnsafePath, anchor_fd, open_at

PINNED = {"--bind": "--bind-fd", "--ro-bind": "--ro-bind-fd"}  # path form -> descriptor form
SOURCED = (*PINNED, "--dev-bind")  # the mounts our command lines make that take a source
PIN_TRIES = 50  # opens of a name that is a link at that moment, before it is refused
PIN_PAUSE_S = 1e-4  # times the try's number (at most 5) between tries: ~25 ms in all


@dataclass
class Wrapped:
    """A command line for bubblewrap, the descriptors it must inherit, and the gate that holds
    the command until the host checked its mounts (sandbox_gate.py).

    Start it with `pass_fds=pass_fds`, `close()` once the process started (the descriptors
    must stay open until then, and no longer), then `admit()` it; `abandon()` when it could
    not start."""

    argv: list[str]
    pass_fds: tuple[int, ...] = ()
    gate: Gate | None = None

    def close(self) -> None:
        """Close the descriptors the started process inherited (it holds its own copies)."""
        fds, self.pass_fds = self.pass_fds, ()
        for fd in fds:
            os.close(fd)

    def admit(self) -> None:
        """Let the started command run once its mounts are the ones asked for; `SandboxBreach`
        when one is not (end the process). Blocks until bubblewrap set up the walls."""
        self.close()
        if self.gate is not None:
            self.gate.admit()

    def abandon(self) -> None:
        """Close every descriptor of a command that was not started."""
        self.close()
        if self.gate is not None:
            self.gate.close()

    def run(self, timeout: float, **popen: Any) -> subprocess.CompletedProcess[Any]:
        """Start, admit and wait for it (`subprocess.Popen`'s `popen` arguments, and
        `capture_output`); a breach or the `timeout` ends the process, then raises."""
        if popen.pop("capture_output", False):
            popen.update(stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        try:
            proc = subprocess.Popen(self.argv, pass_fds=self.pass_fds, **popen)
        except BaseException:
            self.abandon()
            raise
        with proc:
            try:
                self.admit()
                out, err = proc.communicate(timeout=timeout)
            except BaseException:
                proc.kill()
                raise
        return subprocess.CompletedProcess(self.argv, proc.returncode, out, err)


@dataclass
class Pins:
    """Turns the mounts of one bubblewrap command line into descriptor mounts where their
    source lies beneath one of `roots` (resolved paths); holds the descriptors opened."""

    roots: list[str]
    fds: list[int] = field(default_factory=list)
    outside: set[str] = field(default_factory=set)  # sources bound by path from outside

    def mount(self, args: list[str]) -> list[str]:
        """`args` (one mount: `--bind SRC DEST`, `--tmpfs DEST`, ...) with its source pinned;
        [] when that source is gone. `UnsafePath` when it stays a link or a mount with a
        source beneath a root has no descriptor form (`--dev-bind`)."""
        anchor = self._anchor(args[1]) if args[0] in SOURCED else None
        if anchor is None:
            self.outside.update(args[1:2] if args[0] in SOURCED else [])
            return args
        if args[0] not in PINNED:
            raise UnsafePath(errno.EINVAL, f"{args[0]} cannot take a descriptor", args[1])
        fd = _pin(anchor, os.path.relpath(args[1], anchor))
        if fd is None:
            return []
        self.fds.append(fd)
        return [PINNED[args[0]], str(fd), args[2]]

    def wrapped(self, bwrap: list[str], argv: list[str], channels: str | None) -> Wrapped:
        """The finished command line (`bwrap` options, then `argv` behind the gate), owning
        the descriptors from now on."""
        beneath = (*self.roots, *([channels] if channels else []))
        gate = Gate.make(Allowed(beneath, frozenset({*self.outside, *DEV_NODES})))
        return Wrapped([*bwrap, "--", *gate.argv(argv)], (*self.fds, *gate.child), gate)

    def close(self) -> None:
        for fd in self.fds:
            os.close(fd)
        self.fds.clear()

    def _anchor(self, source: str) -> str | None:
        """The outermost writable root holding `source`, or None when none does."""
        holders = [root for root in self.roots if Path(source).is_relative_to(root)]
        return min(holders, key=len) if holders else None


def _pin(anchor: str, rel: str) -> int | None:
    """An `O_PATH` descriptor of `rel` beneath `anchor`, no link followed on the way or at
    the end; None when nothing is there."""
    with anchor_fd(anchor) as base:
        for tried in range(PIN_TRIES):
            time.sleep(PIN_PAUSE_S * min(tried, 5))  # out of step with a swapping loop
            try:
                fd = open_at(base, rel, os.O_PATH)
            except FileNotFoundError:
                return None
            except UnsafePath:
                continue  # a folder on the way is a link now: swapped, or planted
            if not stat.S_ISLNK(os.fstat(fd).st_mode):
                return fd
            os.close(fd)
    raise UnsafePath(
        errno.ELOOP,
        "this mount's source is a symlink (something in the workspace keeps swapping it); the "
        "sandbox never mounts through a link. Stop what swaps it and run again",
        os.path.join(anchor, rel),
    )
