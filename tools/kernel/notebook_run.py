"""Running a notebook's cells in place: nbclient drives a fresh kernel (started like the
`python` tool's, inside the same walls) and writes each cell's outputs into the notebook.

nbclient is given our kernel's client instead of starting its own kernel, so the sandbox,
the interpreter choice and the Unix-socket transport are the same as for `python`.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, field
from typing import Any

from tools.kernel.process import INTERRUPT_GRACE_S, Kernel

DEATH_POLL_S = 0.2


class _OurKernel:
    """The part of a KernelManager that nbclient calls while running cells."""

    has_kernel = True
    ipykernel = True

    def __init__(self, kernel: Kernel) -> None:
        self.kernel = kernel

    async def interrupt_kernel(self) -> None:
        self.kernel.interrupt()

    async def is_alive(self) -> bool:
        return self.kernel.alive


@dataclass
class NotebookRun:
    ran: list[int] = field(default_factory=list)
    # How the run stopped early: None (it did not), "error", "timeout" (interrupted),
    # "killed" (did not stop when interrupted), "died".
    stopped: str | None = None
    stopped_at: int | None = None
    detail: str = ""


async def run_cells(
    notebook: Any,
    kernel: Kernel,
    indices: list[int],
    cell_timeout: int,
) -> NotebookRun:
    """Run the code cells at `indices` in order, stopping at the first error; each cell's
    outputs are in `notebook` as soon as it ends."""
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, DeadKernelError

    client = NotebookClient(
        notebook,
        km=_OurKernel(kernel),  # type: ignore[arg-type]
        timeout=None,  # ours: interrupt, then kill if it will not stop (_watched)
        allow_errors=False,
        record_timing=False,
    )
    client.kc = kernel.client
    client.reset_execution_trackers()
    run = NotebookRun()
    for index in indices:
        cell = notebook.cells[index]
        if cell.cell_type != "code":
            continue
        timed_out: list[bool] = []
        try:
            await _watched(kernel, client.async_execute_cell(cell, index), cell_timeout, timed_out)
        except CellExecutionError as error:
            run.stopped, run.stopped_at = "timeout" if timed_out else "error", index
            run.detail = f"{error.ename}: {error.evalue}"
        except DeadKernelError:
            run.stopped, run.stopped_at = "killed" if timed_out else "died", index
        run.ran.append(index)
        if run.stopped:
            break
    return run


async def _watched(kernel: Kernel, work: Any, seconds: int, timed_out: list[bool]) -> None:
    """`work` (one cell), interrupted after `seconds` and killed if it will not stop; a dead
    kernel ends it at once (nbclient alone would wait for a reply forever)."""
    from nbclient.exceptions import DeadKernelError

    task = asyncio.ensure_future(work)
    deadline = asyncio.get_running_loop().time() + seconds
    try:
        while not task.done():
            await asyncio.wait({task}, timeout=DEATH_POLL_S)
            if task.done():
                break
            if asyncio.get_running_loop().time() > deadline:
                if timed_out:
                    await kernel.kill()
                else:
                    kernel.interrupt()
                    timed_out.append(True)
                    deadline += INTERRUPT_GRACE_S
            if not kernel.alive:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task
                raise DeadKernelError("the kernel died")
        task.result()
    except asyncio.CancelledError:
        task.cancel()
        raise
