"""A deterministic 30-iteration headless run, for crash and concurrency tests.

The scripted model answers from the conversation itself (iteration i = the number of
assistant messages so far), never from a request counter: a process that resumes after a
kill and asks again for step i gets the same answer, so interrupted and uninterrupted runs
can be compared message by message.

Iteration i (0..28) calls tools; iteration 29 answers "All 30 steps done.":
    i % 5 == 0   bash (one call)
    i % 5 == 1   write notes/f{i}.txt (a new file)
    i % 5 == 2   read notes/f{i-1}.txt
    i % 5 == 3   plan (two items)
    i % 5 == 4   bash, three calls at once

Every bash call first appends "{i}-{j}" to `../runs.log` (how often each call ran), then
prints "step-{i}-{j}", then waits while `../holds/{i}-{j}` exists: a test creates that file
to hold a call inside the tool, kills the process, and removes it. The workspace is
`<case>/ws`, so the relative paths, and with them the transcripts, are the same for every
case.
"""

from __future__ import annotations

import threading
from collections import Counter
from pathlib import Path
from typing import Any

from tests.fakes.llm_server import Turn

ITERATIONS = 30
FINAL = "All 30 steps done."
PROMPT = "Run the 30-step maintenance script."
HOLD_S = 600.0  # a held model call: the test kills the caller long before


def call_id(i: int, j: int = 0) -> str:
    return f"c{i}_{j}"


def bash_command(i: int, j: int) -> str:
    return (
        f"echo {i}-{j} >> ../runs.log; echo step-{i}-{j}; "
        f"while [ -e ../holds/{i}-{j} ]; do sleep 0.02; done"
    )


def tool_calls(i: int) -> list[dict[str, Any]]:
    kind = i % 5
    if kind == 0:
        return [_call("bash", i, 0, command=bash_command(i, 0))]
    if kind == 1:
        return [_call("write", i, 0, path=f"notes/f{i}.txt", content=f"note {i}\n")]
    if kind == 2:
        return [_call("read", i, 0, path=f"notes/f{i - 1}.txt")]
    if kind == 3:
        plan = [
            {"id": str(i - 1), "content": f"step {i - 1}", "status": "completed"},
            {"id": str(i), "content": f"step {i}", "status": "completed"},
        ]
        return [_call("plan", i, 0, todos=plan)]
    return [_call("bash", i, j, command=bash_command(i, j)) for j in range(3)]


def _call(name: str, i: int, j: int, **args: Any) -> dict[str, Any]:
    return {"name": name, "id": call_id(i, j), "arguments": args}


class LongRun:
    """The scripted model's responder. `hold_model_at(i)` makes the next request for step i
    hang (the server holds it), and `reached(i)` is set once that request has arrived."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._holds: dict[int, threading.Event] = {}

    def hold_model_at(self, i: int) -> threading.Event:
        with self._lock:
            self._holds[i] = threading.Event()
            return self._holds[i]

    def __call__(self, request: dict[str, Any]) -> Turn:
        i = sum(1 for m in request.get("messages", []) if m.get("role") == "assistant")
        turn = Turn(content=FINAL) if i >= ITERATIONS - 1 else Turn(tool_calls=tool_calls(i))
        with self._lock:
            reached = self._holds.pop(i, None)
        if reached is not None:
            reached.set()
            turn.delay = HOLD_S
        return turn


def make_case(root: Path) -> tuple[Path, Path]:
    """(case dir, workspace) with the layout the script expects."""
    (root / "ws").mkdir(parents=True)
    (root / "holds").mkdir()
    return root, root / "ws"


def runs(case: Path) -> Counter[str]:
    """How many times each bash call ran ("i-j" -> count)."""
    log = case / "runs.log"
    return Counter(log.read_text().split()) if log.exists() else Counter()


def bash_calls() -> list[str]:
    """Every bash call of an uninterrupted run, as "i-j"."""
    return [
        f"{i}-{j}"
        for i in range(ITERATIONS - 1)
        for j in range(len(tool_calls(i)))
        if tool_calls(i)[0]["name"] == "bash"
    ]
