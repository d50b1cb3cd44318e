"""`replay`: this thread's earlier `python` calls run again, in order, in a fresh kernel.

A kernel's variables are not in the checkpoint: after a resume, an undo or a crash they are
gone or stale. On request the earlier calls that ran (from the thread's history, from the
last `restart` on; nodes/history.py `earlier_calls`) run again, stopping at the first one
that raises or does not finish, which the result names.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from tools.kernel.outputs import error_text
from tools.kernel.process import Kernel

FIRST_LINE_CHARS = 80


async def replay(kernel: Kernel, calls: Sequence[dict[str, Any]], timeout: int) -> str:  # noqa: ASYNC109
    """Run each earlier call's code in `kernel` (each with `timeout`); one line saying what
    ran, or where and why it stopped."""
    codes = [(c.get("id", "?"), c["code"]) for c in calls if str(c.get("code") or "").strip()]
    if not codes:
        return "[replay: this thread has no earlier python calls that ran; nothing replayed]"
    for number, (call_id, code) in enumerate(codes, 1):
        done = await kernel.execute(code, timeout, lambda _output: None)
        raised = next((o for o in done.outputs if o.get("output_type") == "error"), None)
        if done.outcome == "ok" and raised is None:
            continue
        why = error_text(raised).splitlines()[-1] if raised else f"it {done.outcome}"
        if done.outcome == "interrupted":
            why = f"it did not finish within {timeout} s and was interrupted"
        return (
            f"[replay stopped at earlier call {number} of {len(codes)} ({call_id}: "
            f"{_first_line(code)}): {why}; the {len(codes) - number} after it were not run. "
            "The kernel holds what the calls before it made]"
        )
    return f"[replayed {len(codes)} earlier python calls of this thread in a fresh kernel]"


def _first_line(code: str) -> str:
    line = code.strip().splitlines()[0]
    return line if len(line) <= FIRST_LINE_CHARS else line[: FIRST_LINE_CHARS - 1] + "…"
