"""The local sandbox: the agent's shell commands run under bubblewrap (Linux).

Inside, the file system is the host's read-only, except the workspace (and configured extra
paths), which stays writable; `/tmp` is private and empty; credential locations in the home
directory (tools/secret_paths.py, plus configured ones) are hidden behind empty stand-ins;
the process tree has its own PID namespace (host processes are invisible, so cannot be
signalled) and, unless the network is allowed, its own network namespace with no route out.
NVIDIA and DRI device nodes are passed through so local training still sees the GPU.

It never falls back to running unsandboxed: `sandbox_problem` is checked at start-up, and a
command that cannot be sandboxed fails with the reason.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from tools.secret_paths import SECRET_HOME_PATHS

if TYPE_CHECKING:
    from configs.sandbox_settings import SandboxSettings

INSTALL_HINT = (
    "install bubblewrap (Debian/Ubuntu: `sudo apt install bubblewrap`; Fedora: `sudo dnf "
    "install bubblewrap`; Arch: `sudo pacman -S bubblewrap`), or run without --sandbox"
)
GPU_DEVICES = ("/dev/nvidia*", "/dev/dri")


@dataclass(frozen=True)
class Sandbox:
    network: bool = False
    writable: tuple[str, ...] = ()
    hidden: tuple[str, ...] = ()

    @classmethod
    def from_settings(cls, settings: SandboxSettings) -> Sandbox | None:
        """The sandbox the config asks for, or None when it is off."""
        if settings.mode != "local":
            return None
        return cls(settings.network, tuple(settings.writable), tuple(settings.hidden))

    def describe(self) -> str:
        """One line for the model and the user: what a command can and cannot do."""
        net = "network allowed" if self.network else "no network"
        return (
            "bash runs in a bubblewrap sandbox: the workspace is writable, the rest of the "
            f"file system read-only, /tmp private, credentials hidden, {net}"
        )

    def wrap(self, argv: list[str], workspace: Path) -> list[str]:
        """`argv` as a bubblewrap command line, run in `workspace`."""
        bwrap = shutil.which("bwrap")
        if bwrap is None:
            raise SandboxUnavailable(f"bubblewrap is not installed: {INSTALL_HINT}.")
        args = [bwrap, "--die-with-parent", "--unshare-pid", "--unshare-ipc"]
        if not self.network:
            args.append("--unshare-net")
        args += ["--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", "--tmpfs", "/tmp"]
        for pattern in GPU_DEVICES:
            for device in sorted(glob.glob(pattern)):
                args += ["--dev-bind", device, device]
        for path in (str(workspace), *self.writable):
            place = _existing(path)
            if place is not None:
                args += ["--bind", place, place]
        for place in self._hidden_places():
            args += (
                ["--tmpfs", place] if os.path.isdir(place) else ["--ro-bind", "/dev/null", place]
            )
        return [*args, "--chdir", str(workspace), "--", *argv]

    def _hidden_places(self) -> list[str]:
        home = Path(os.environ.get("HOME") or Path.home())
        wanted = [str(home / place) for place in SECRET_HOME_PATHS] + list(self.hidden)
        return [place for path in wanted if (place := _existing(path)) is not None]


class SandboxUnavailable(Exception):
    """The sandbox was asked for but cannot run here; the message says how to fix it."""


def _existing(path: str) -> str | None:
    """`path` expanded and resolved, if it exists (bubblewrap cannot mount onto nothing)."""
    place = Path(os.path.expanduser(os.path.expandvars(path)))
    try:
        resolved = place.resolve(strict=True)
    except (OSError, RuntimeError):
        return None
    return str(resolved)


def sandbox_problem(sandbox: Sandbox) -> str | None:
    """Why the sandbox cannot run on this machine, or None when it can (a real trial run)."""
    if not sys.platform.startswith("linux"):
        return (
            f"--sandbox needs Linux (bubblewrap); this is {sys.platform}, where ml-intern has no "
            "sandbox. Run without --sandbox (commands then ask for approval as usual)."
        )
    try:
        argv = sandbox.wrap(["/bin/true"], Path.cwd())
    except SandboxUnavailable as error:
        return str(error)
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=10, check=False)
    except (OSError, subprocess.TimeoutExpired) as error:
        return f"bubblewrap could not start ({error}); {INSTALL_HINT}."
    if done.returncode != 0:
        said = " ".join(done.stderr.split())[:300] or f"exit code {done.returncode}"
        return (
            f"bubblewrap cannot create its namespaces here ({said}). In a container, allow "
            "user namespaces (e.g. `sysctl kernel.unprivileged_userns_clone=1`, or run the "
            "container with --privileged), or run without --sandbox."
        )
    return None
