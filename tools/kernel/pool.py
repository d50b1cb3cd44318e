"""The kernels of one catalog: one per thread, started on first use, ended with the session.

Under the sandbox a kernel is frozen between calls (`rest`, freeze.py) and continued only
after the next call's walk found no credential place its walls miss: a credential file that
appears while it waits is never read by it, nor copied under another name.

A kernel's state is not in the checkpoint. A thread whose kernel ran in an earlier process
(a resume) is recorded in `$ML_INTERN_HOME/kernels/`, so its next kernel start tells the model,
in one line, that what it defined there is gone. An undo over python calls leaves a mark
there too (`rewound`), so the next call says the live kernel's state may be stale.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import time
from pathlib import Path

from configs.environment import ml_intern_home
from tools.kernel.interpreter import choose
from tools.kernel.process import Kernel, KernelStartError
from tools.local.sandbox import Sandbox
from tools.local.tree_scan import Findings, TreeScan
from tools.result_texts import tool_text
from tools.result_texts.kernel import (
    GONE_NOTE,
    INSIDE_SANDBOX,
    KERNEL_STARTED,
    LATE_CREDENTIAL_NOTE,
    STALE_NOTE,
    STARTED_IN,
)

REWOUND = ".rewound"


class KernelPool:
    def __init__(
        self,
        sandbox: Sandbox | None = None,
        python: str | None = None,
        memory_mb: int | None = None,
    ) -> None:
        self.sandbox, self.python, self.memory_mb = sandbox, python, memory_mb
        # A workspace interpreter made after this moment is not run outside the sandbox.
        self.created_ns = time.time_ns()
        self._kernels: dict[str, Kernel] = {}
        self._locks: dict[str, asyncio.Lock] = {}
        self._started_here: set[str] = set()

    def lock(self, thread: str) -> asyncio.Lock:
        """Held around each use of a thread's kernel: one cell at a time."""
        return self._locks.setdefault(thread, asyncio.Lock())

    def running(self, thread: str) -> Kernel | None:
        kernel = self._kernels.get(thread)
        return kernel if kernel is not None and kernel.alive else None

    async def kernel(
        self, thread: str, workspace: Path, found: Findings | None = None
    ) -> tuple[Kernel, list[str]]:
        """The thread's live kernel, started if needed, and lines saying what was started.
        `found`: a walk of the sandbox's roots just now; a live kernel that started before a
        credential place it shows appeared (its walls do not hide it) is replaced first."""
        stale = await asyncio.to_thread(_take_mark, thread, REWOUND)
        notes: list[str] = []
        if (kernel := self.running(thread)) is not None:  # frozen since its last call
            if not (late := await asyncio.to_thread(self.unhidden, kernel, found)):
                await kernel.thaw()
                return kernel, [tool_text("kernel", STALE_NOTE)] if stale else []
            notes.append(tool_text("kernel", LATE_CREDENTIAL_NOTE, places=", ".join(late)))
        await self.stop(thread)  # a dead one (or one that could read a credential) goes
        # Marked before the start: the mark's folder is one the sandbox hides, and it must not
        # appear after the kernel's walls were built.
        if thread not in self._started_here and await asyncio.to_thread(_mark_started, thread):
            notes.insert(0, tool_text("kernel", GONE_NOTE))
        self._started_here.add(thread)
        kernel, started = await self.start_kernel(workspace)
        notes += started
        self._kernels[thread] = kernel
        return kernel, notes

    def unhidden(self, kernel: Kernel, found: Findings | None) -> list[str]:
        """Blocking: the credential places `found` shows that `kernel`'s walls do not hide (they
        appeared after it started), as the model sees them; none without the sandbox."""
        if self.sandbox is None or found is None:
            return []
        now = self.sandbox.hidden_places(kernel.workspace, found)
        return [_shown(place, kernel.workspace) for place in now if place not in kernel.hidden]

    async def unhidden_now(self, kernel: Kernel) -> list[str]:
        """`unhidden` after a walk of the sandbox's roots made now."""
        sandbox = self.sandbox
        if sandbox is None:
            return []
        walk = TreeScan().scan
        return await asyncio.to_thread(
            lambda: self.unhidden(kernel, walk(sandbox.roots(kernel.workspace)))
        )

    async def start_kernel(
        self, cwd: Path, workspace: Path | None = None
    ) -> tuple[Kernel, list[str]]:
        """A new kernel in `cwd`, walled for `workspace` (default `cwd`) under the sandbox
        (the pool does not keep it), and the lines describing it."""
        interpreter = await choose(workspace or cwd, self.python, self.sandbox, self.created_ns)
        kernel = Kernel(interpreter, cwd, self.sandbox, self.memory_mb, workspace)
        try:
            await kernel.start()
        except KernelStartError as error:
            started_in = tool_text("kernel", STARTED_IN, interpreter=interpreter.describe())
            raise KernelStartError(f"{error}\n[{started_in}]") from None
        walls = tool_text("kernel", INSIDE_SANDBOX) if self.sandbox is not None else ""
        shown = interpreter.describe()
        notes = [tool_text("kernel", KERNEL_STARTED, interpreter=shown, walls=walls)]
        if interpreter.note:
            notes.append(f"[{interpreter.note}]")
        return kernel, notes

    async def rest(self, thread: str) -> None:
        """After a call, under the sandbox: nothing of the thread's kernel runs until its next
        call has checked its walls (freeze.py); a kernel that cannot be stopped wholly is
        ended. Outside the sandbox a kernel reads what it likes anyway, and runs on."""
        kernel = self.running(thread)
        if self.sandbox is not None and kernel is not None and not await kernel.freeze():
            await self.stop(thread)

    async def stop(self, thread: str) -> bool:
        """End the thread's kernel; True when there was one."""
        kernel = self._kernels.pop(thread, None)
        if kernel is None:
            return False
        await kernel.shutdown()
        return True

    def memory_bytes(self, thread: str) -> int | None:
        kernel = self.running(thread)
        return kernel.memory_bytes() if kernel is not None else None

    def status(self, thread: str) -> tuple[str, str]:
        """The `/status` row: whether the thread's kernel runs, its memory and interpreter."""
        kernel = self.running(thread)
        if kernel is None:
            return "Python kernel", "not running (starts with the first python call)"
        memory = kernel.memory_bytes()
        used = f"{memory / 2**20:,.0f} MiB, " if memory is not None else ""
        return "Python kernel", f"running ({used}{kernel.interpreter.describe()})"

    async def close(self) -> None:
        """End every kernel (the session is closing)."""
        for thread in list(self._kernels):
            with contextlib.suppress(Exception):
                await self.stop(thread)


def rewound(thread: str) -> None:
    """The thread's conversation went back (undo, perhaps in another process): its kernel's
    next call says the state may be stale. Nothing to say if it never had a kernel."""
    if _marker(thread).exists():
        with contextlib.suppress(OSError):
            _marker(thread, REWOUND).touch()


def _take_mark(thread: str, suffix: str) -> bool:
    """True (and the mark gone) when `thread` has the mark."""
    try:
        _marker(thread, suffix).unlink()
    except OSError:
        return False
    return True


def _shown(place: str, workspace: Path) -> str:
    path = Path(place)
    return path.relative_to(workspace).as_posix() if path.is_relative_to(workspace) else place


def _marker(thread: str, suffix: str = "") -> Path:
    name = hashlib.sha256(thread.encode()).hexdigest()[:32]
    return ml_intern_home() / "kernels" / f"{name}{suffix}"


def _mark_started(thread: str) -> bool:
    """Record that `thread` has had a kernel; True when an earlier process recorded it."""
    marker = _marker(thread)
    try:
        existed = marker.exists()
        marker.parent.mkdir(parents=True, exist_ok=True)
        marker.touch()
    except OSError:
        return False
    return existed
