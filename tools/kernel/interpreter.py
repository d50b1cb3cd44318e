"""Which Python a kernel runs in: the workspace's own when it has ipykernel, else ml-intern's.

The candidates, in order: the configured interpreter (`kernel_python`), the workspace's
`.venv/bin/python`, `python3` on PATH. Each is asked (inside the sandbox's walls when the
sandbox is on: the workspace's interpreter is the workspace's code) whether it can import
ipykernel; the first that can wins. None can: ml-intern's own environment, and the note says
why and how to use the workspace's instead. Without the sandbox, a workspace interpreter made
during the session is never asked or run (`choose`).
"""

from __future__ import annotations

import asyncio
import os
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

from tools.local.sandbox import Sandbox, SandboxUnavailable
from tools.local.sandbox_gate import SandboxBreach
from tools.local.sandbox_pins import Wrapped
from tools.local.tree_scan import Findings
from tools.result_texts import tool_text
from tools.result_texts.kernel import WRITTEN_SINCE

PROBE = "import ipykernel, sys; print(sys.version.split()[0])"
PROBE_TIMEOUT_S = 30
WORKSPACE_VENV = "the workspace's .venv"


@dataclass(frozen=True)
class Interpreter:
    path: str
    # Where it comes from, for the model and the user: "the workspace's .venv", ...
    origin: str
    version: str
    # Why a workspace interpreter was passed over ("" when none was).
    note: str = ""

    def describe(self) -> str:
        return f"Python {self.version} from {self.origin} ({self.path})"


def candidates(workspace: Path, configured: str | None) -> list[tuple[str, str]]:
    """(path, origin) of the interpreters to try, best first, each once."""
    found: list[tuple[str, str]] = []
    if configured:
        path = shutil.which(os.path.expanduser(configured), path=os.environ.get("PATH"))
        found.append((path or configured, "the configured kernel_python"))
    venv = workspace / ".venv" / "bin" / "python"
    if venv.exists():
        found.append((str(venv), WORKSPACE_VENV))
    if on_path := shutil.which("python3"):
        found.append((on_path, "python3 on PATH"))
    unique: dict[str, tuple[str, str]] = {}
    for path, origin in found:
        unique.setdefault(os.path.abspath(path), (path, origin))
    return list(unique.values())


async def probe(path: str, workspace: Path, sandbox: Sandbox | None) -> str | None:
    """The interpreter's version when it can import ipykernel, else None."""
    wrapped, env = Wrapped([path, "-c", PROBE]), dict(os.environ)
    if sandbox is not None:
        try:
            # Off the loop: finding bwrap and the private places are file checks.
            wrapped = await asyncio.to_thread(sandbox.wrap, wrapped.argv, workspace, Findings())
        except SandboxUnavailable:
            return None
        env = sandbox.environment(env)
    try:
        proc = await asyncio.create_subprocess_exec(
            *wrapped.argv,
            cwd=workspace,
            env=env,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.DEVNULL,
            start_new_session=True,
            pass_fds=wrapped.pass_fds,
        )
    except OSError:
        wrapped.abandon()
        return None
    try:
        await asyncio.to_thread(wrapped.admit)  # closes the descriptors; checks the mounts
    except SandboxBreach:
        proc.kill()
        await proc.wait()
        return None
    try:
        out, _ = await asyncio.wait_for(proc.communicate(), PROBE_TIMEOUT_S)
    except TimeoutError:
        proc.kill()
        await proc.wait()
        return None
    version = out.decode(errors="replace").strip()
    return version if proc.returncode == 0 and version else None


def own_version(path: str) -> str | None:
    """Our own version when `path` is ml-intern's interpreter in its own environment (the
    same binary in the same folder: no need to ask it), else None."""
    here = os.path.abspath(sys.executable)
    there = os.path.abspath(path)
    same_folder = os.path.dirname(here) == os.path.dirname(there)
    if same_folder and os.path.realpath(here) == os.path.realpath(there):
        return sys.version.split()[0]
    return None


def made_since(path: str, since_ns: int) -> bool:
    """True when `path`, or the file it leads to, was made or changed at or after `since_ns`
    (their ctime, which no program can set back), or when either cannot be looked at."""
    try:
        link, target = os.lstat(path), os.stat(path)
    except OSError:
        return True
    return max(link.st_ctime_ns, target.st_ctime_ns) >= since_ns


async def _written_unwalled(
    path: str, origin: str, sandbox: Sandbox | None, trusted_before_ns: int | None
) -> bool:
    """A workspace interpreter, made since `trusted_before_ns`, that would run without walls."""
    if sandbox is not None or origin != WORKSPACE_VENV or trusted_before_ns is None:
        return False
    return await asyncio.to_thread(made_since, path, trusted_before_ns)


async def choose(
    workspace: Path,
    configured: str | None,
    sandbox: Sandbox | None,
    trusted_before_ns: int | None = None,
) -> Interpreter:
    """The first candidate with ipykernel, or ml-intern's own interpreter with a note.

    Without the sandbox nothing walls the kernel in, and the approval a human gives shows the
    code, not the interpreter: a workspace interpreter made or changed at or after
    `trusted_before_ns` (the session's start: the model could have written it) is neither
    asked nor run, and the note says so. Inside the sandbox it runs within the walls."""
    passed: list[str] = []
    notes: list[str] = []
    # File checks off the event loop (the LangGraph server refuses blocking calls on it).
    found = await asyncio.to_thread(
        lambda: [(p, o, own_version(p)) for p, o in candidates(workspace, configured)]
    )
    for path, origin, own in found:
        if await _written_unwalled(path, origin, sandbox, trusted_before_ns):
            notes.append(tool_text("kernel", WRITTEN_SINCE, path=path))
            continue
        version = own or await probe(path, workspace, sandbox)
        if version is not None:
            return Interpreter(path, origin, version, "; ".join(notes))
        passed.append(f"{origin} ({path})")
    if passed:
        notes.append(
            f"{' and '.join(passed)} cannot import ipykernel, so the kernel runs in ml-intern's "
            "own environment (its packages, not yours); to use yours, install ipykernel in it "
            "(e.g. `uv pip install ipykernel` or `pip install ipykernel`) and restart the kernel"
        )
    return Interpreter(
        sys.executable, "ml-intern's own environment", sys.version.split()[0], "; ".join(notes)
    )
