"""What one tool call knows about its run: the run context, its call id, and where progress goes.

`execute_tools` opens a call with `calling(...)`; the tool reads it with `current_call()`.
Outside a graph run (a script, a test calling a tool directly) the call runs in the current
directory, interactively, and its progress goes nowhere::

    with calling(CallContext(run=RunContext(workspace=ws), tool="bash", tool_call_id="c1")):
        await tool.ainvoke({"command": "ls"})
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from configs.run_context import RunContext
from tools.secrets import mask_data

Writer = Callable[[Any], None]


def _nowhere(_event: Any) -> None:
    """Progress outside a run: dropped."""


@dataclass(frozen=True)
class CallContext:
    run: RunContext = field(default_factory=RunContext)
    tool: str = ""
    tool_call_id: str | None = None
    # The run's custom stream (LangGraph's stream writer); progress and warnings go here.
    writer: Writer = _nowhere
    # The model the thread is using (a sub-agent works with the same one); None outside a run.
    model: str | None = None

    @property
    def workspace(self) -> Path:
        return Path(self.run.workspace or Path.cwd()).expanduser().resolve()

    @property
    def thread_id(self) -> str:
        return self.run.thread_id or "default"

    def resolve(self, path: str) -> Path:
        """`path` (relative to the workspace, `~` expanded) as an absolute, resolved path."""
        return (self.workspace / Path(path).expanduser()).resolve()

    def show(self, path: Path) -> str:
        """`path` relative to the workspace when inside it, else absolute."""
        try:
            return path.relative_to(self.workspace).as_posix() or "."
        except ValueError:
            return str(path)

    def progress(self, **data: Any) -> None:
        """A `tool_log` event labelled with this call; best effort, never fails the tool."""
        self.emit(
            {"type": "tool_log", "tool": self.tool, "tool_call_id": self.tool_call_id, **data}
        )

    def emit(self, event: dict[str, Any]) -> None:
        """Any event on the run's stream (e.g. a non-fatal `error` warning), secrets masked:
        progress (a job's log, a command's output) reaches the UI, stream-json and Slack."""
        if not self.streaming:
            return
        with contextlib.suppress(Exception):
            self.writer(mask_data(event))

    def note_if_interrupted(self, text: str | None) -> None:
        """What the model should read if the user cancels this call midway (None: nothing
        special), e.g. that a followed job keeps running and how to reach it."""
        if self.tool_call_id is None:
            return
        if text is None:
            _INTERRUPT_NOTES.pop(self.tool_call_id, None)
        else:
            _INTERRUPT_NOTES[self.tool_call_id] = text

    @property
    def streaming(self) -> bool:
        """False outside a run: callers can skip work whose only use is progress."""
        return self.writer is not _nowhere


# Per process: tool_call_id -> what to tell the model if that call is cancelled.
_INTERRUPT_NOTES: dict[str, str] = {}


def interrupted_note(tool_call_id: str) -> str | None:
    """The note a cancelled call left (and forget it)."""
    return _INTERRUPT_NOTES.pop(tool_call_id, None)


_CURRENT: ContextVar[CallContext | None] = ContextVar("ml_intern_tool_call", default=None)


def current_call() -> CallContext:
    """The call being run in this task, or a default one outside a run."""
    return _CURRENT.get() or CallContext()


@contextlib.contextmanager
def calling(call: CallContext) -> Iterator[CallContext]:
    """Make `call` the current call for the code run inside (including awaited tools)."""
    token = _CURRENT.set(call)
    try:
        yield call
    finally:
        _CURRENT.reset(token)
