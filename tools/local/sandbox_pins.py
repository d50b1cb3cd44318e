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
that moment still lands the host folder (test_git_guard_planted.py's xfail test). Closing the
race needs a check of the mounts after bubblewrap set them up (`--block-fd`), see issue 51.

A name flipping between a folder and a link is opened again after a short pause; one still a
link after `PIN_TRIES` is refused (`UnsafePath`). A source gone since the walk is left
unmounted: there is nothing there to protect, and what a command makes there is the git
guard's (git_guard.py), as for a repository made during the command.

Example::

    with sandbox.wrap(["/bin/true"], workspace) as wrapped:
        subprocess.run(wrapped.argv, pass_fds=wrapped.pass_fds)
"""

from __future__ import annotations

import errno
import os
import stat
import time
from dataclasses import dataclass, field
from pathlib import Path

from tools.safe_paths import UnsafePath, anchor_fd, open_at

PINNED = {"--bind": "--bind-fd", "--ro-bind": "--ro-bind-fd"}  # path form -> descriptor form
SOURCED = (*PINNED, "--dev-bind")  # the mounts our command lines make that take a source
PIN_TRIES = 50  # opens of a name that is a link at that moment, before it is refused
PIN_PAUSE_S = 1e-4  # times the try's number (at most 5) between tries: ~25 ms in all


@dataclass
class Wrapped:
    """A command line for bubblewrap and the descriptors its mounts name (`--bind-fd`).

    Start it with `pass_fds=pass_fds`, then `close()` (or leave the `with` block) once the
    process has started: the descriptors must stay open until then, and no longer."""

    argv: list[str]
    pass_fds: tuple[int, ...] = ()

    def close(self) -> None:
        """Close the descriptors (the started process holds its own copies)."""
        fds, self.pass_fds = self.pass_fds, ()
        for fd in fds:
            os.close(fd)

    def __enter__(self) -> Wrapped:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


@dataclass
class Pins:
    """Turns the mounts of one bubblewrap command line into descriptor mounts where their
    source lies beneath one of `roots` (resolved paths); holds the descriptors opened."""

    roots: list[str]
    fds: list[int] = field(default_factory=list)

    def mount(self, args: list[str]) -> list[str]:
        """`args` (one mount: `--bind SRC DEST`, `--tmpfs DEST`, ...) with its source pinned;
        [] when that source is gone. `UnsafePath` when it stays a link or a mount with a
        source beneath a root has no descriptor form (`--dev-bind`)."""
        anchor = self._anchor(args[1]) if args[0] in SOURCED else None
        if anchor is None:
            return args
        if args[0] not in PINNED:
            raise UnsafePath(errno.EINVAL, f"{args[0]} cannot take a descriptor", args[1])
        fd = _pin(anchor, os.path.relpath(args[1], anchor))
        if fd is None:
            return []
        self.fds.append(fd)
        return [PINNED[args[0]], str(fd), args[2]]

    def wrapped(self, argv: list[str]) -> Wrapped:
        """The finished command line, owning the descriptors from now on."""
        return Wrapped(argv, tuple(self.fds))

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
