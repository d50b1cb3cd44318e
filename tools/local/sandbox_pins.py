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

A place the walls cover can vanish between the scan that listed it and bubblewrap's mounts
(a host service's socket, removed as the service stops): bubblewrap then cannot make the
mount point in the read-only root and ends before the command starts (`bwrap: Can't create
file at ...`). `Wrapped.run` (and every starter, through `vanished_mount` and `again`) builds
the command line once more, from a fresh scan that no longer lists it, and starts again once.

A source that cannot be opened so (a link or a missing name at that moment: swapped, planted
or removed) stays a path bind: bubblewrap then fails, or mounts what the name leads to, and
the gate refuses a mount the walls did not ask for.

Example::

    done = sandbox.wrap(["/bin/true"], workspace).run(10, capture_output=True)
"""

from __future__ import annotations

import os
import re
import stat
import subprocess
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tools.local.sandbox_gate import DEV_NODES, Allowed, Gate
from tools.local.sandbox_git import under
from tools.safe_paths import anchor_fd, open_at

PINNED = {"--bind": "--bind-fd", "--ro-bind": "--ro-bind-fd"}  # path form -> descriptor form
SOURCED = (*PINNED, "--dev-bind")  # the mounts our command lines make that take a source
# bubblewrap's own failure to mount onto a place that vanished after the sandbox listed it (a
# host service's socket, removed as it stopped): the command never started, so it may start again.
_VANISHED = re.compile(r"\Abwrap: Can't (?:mkdir parents for|create file at) (/\S+): ")


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
    again: Callable[[], Wrapped] | None = None  # the same command from a fresh scan

    def close(self) -> None:
        """Close the descriptors the started process inherited (it holds its own copies)."""
        fds, self.pass_fds = self.pass_fds, ()
        for fd in fds:
            os.close(fd)

    def admit(self) -> bool:
        """Let the started command run once its mounts are the ones asked for; `SandboxBreach`
        when one is not (end the process). Blocks until bubblewrap set up the walls; False
        when bubblewrap ended before (its message is the process's output)."""
        self.close()
        return self.gate.admit() if self.gate is not None else True

    def retry(self, output: str | bytes | None) -> Wrapped | None:
        """The command built anew when this start failed on a place that vanished after the
        scan (`output`: what the process printed), else None."""
        text = os.fsdecode(output) if isinstance(output, bytes) else output or ""
        if self.again is None or not vanished_mount(text, self.argv):
            return None
        return self.again()

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
        done, admitted = self._run_once(timeout, popen)
        again = None if admitted else self.retry(done.stderr or done.stdout)
        return again._run_once(timeout, popen)[0] if again is not None else done

    def _run_once(
        self, timeout: float, popen: dict[str, Any]
    ) -> tuple[subprocess.CompletedProcess[Any], bool]:
        try:
            proc = subprocess.Popen(self.argv, pass_fds=self.pass_fds, **popen)
        except BaseException:
            self.abandon()
            raise
        with proc:
            try:
                admitted = self.admit()
                out, err = proc.communicate(timeout=timeout)
            except BaseException:
                proc.kill()
                raise
        return subprocess.CompletedProcess(self.argv, proc.returncode, out, err), admitted


@dataclass
class Pins:
    """Turns the mounts of one bubblewrap command line into descriptor mounts where their
    source lies beneath one of `roots` (resolved paths); holds the descriptors opened."""

    roots: list[str]
    fds: list[int] = field(default_factory=list)
    outside: set[str] = field(default_factory=set)  # sources bound by path from outside

    def mount(self, args: list[str]) -> list[str]:
        """`args` (one mount: `--bind SRC DEST`, `--tmpfs DEST`, ...), its source pinned when
        it lies beneath a root and can be opened without following a link."""
        anchor = self._anchor(args[1]) if args[0] in SOURCED else None
        if anchor is None:
            self.outside.update(args[1:2] if args[0] in SOURCED else [])
            return args
        fd = _pin(anchor, os.path.relpath(args[1], anchor)) if args[0] in PINNED else None
        if fd is None:
            return args
        self.fds.append(fd)
        return [PINNED[args[0]], str(fd), args[2]]

    def wrapped(self, bwrap: list[str], argv: list[str], channels: str | None) -> Wrapped:
        """The finished command line (`bwrap` options, then `argv` behind the gate), owning
        the descriptors from now on."""
        beneath = (*self.roots, *([channels] if channels else []))
        gate = Gate.make(Allowed(beneath, frozenset({*self.outside, *DEV_NODES})))
        return Wrapped([*bwrap, "--", *gate.argv(argv)], (*self.fds, *gate.child), gate)

    def _anchor(self, source: str) -> str | None:
        """The outermost writable root holding `source`, or None when none does."""
        holders = [root for root in self.roots if under(source, root)]
        return min(holders, key=len) if holders else None


def _pin(anchor: str, rel: str) -> int | None:
    """An `O_PATH` descriptor of `rel` beneath `anchor`, no link followed on the way or at
    the end; None when that cannot be had now."""
    try:
        with anchor_fd(anchor) as base:
            fd = open_at(base, rel, os.O_PATH)
    except OSError:  # UnsafePath: a link on the way; or gone
        return None
    if stat.S_ISLNK(os.fstat(fd).st_mode):
        os.close(fd)
        return None
    return fd


def vanished_mount(output: str, argv: list[str]) -> bool:
    """bubblewrap failed to start `argv` because a place it mounts onto was removed after it
    was listed (its message names a mount point of `argv` that is no longer there)."""
    match = _VANISHED.match(output)
    return bool(match) and match.group(1) in argv and not os.path.lexists(match.group(1))
