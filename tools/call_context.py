"""What one tool call knows about its run: the run context, its call id, and where progress goes.

`execute_tools` opens a call with `calling(...)`; the tool reads it with `current_call()`.
Outside a graph run (a script, a test calling a tool directly) the call runs in the current
directory, interactively, and its progress goes nowhere::

    with calling(CallContext(run=RunContext(workspace=ws), tool="bash", tool_call_id="c1")):
        await tool.ainvoke({"command": "ls"})

On a server where people sign in (tools/hub/user_tokens.py), the tools run inside the server,
whose files hold everyone's threads and its own secrets: there a call works in its person's
own folder of the served workspace (`person_workspace`), whatever the run's context says, and
`resolve` refuses any path outside it.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import re
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from langchain_core.tools import ToolException

from configs.environment import ml_intern_home
from configs.run_context import RunContext
from tools.editor_files import EditorFiles
from tools.hub import user_tokens
from tools.secret_paths import is_secret_path
from tools.secrets import StreamMasker
from tools.tool_rules import ToolRule

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
    # Worst-case cost of the paid Jobs this thread started so far (tools/hub/job_budget.py).
    job_spent_usd: float = 0.0
    # The editor serving the file tools' text (tools/editor_files.py); None: the disk.
    editor: EditorFiles | None = field(default=None, compare=False, repr=False)
    # For a call asking to `replay`: its tool's earlier calls that ran, in order (arguments
    # with their `id`), from the thread's history.
    earlier_calls: tuple[dict[str, Any], ...] = ()
    # A small-window model's share of its window for one `read` (rough tokens,
    # tools/local/read_fit.py; the `read-fit` rule's `read_page` cuts by it); None: a page.
    read_tokens: int | None = None
    # The rules active for the calling model and role (adaptations/registry.py), resolved once
    # for the thread; a tool runs one loop over them at its hook (tools/tool_rules.py).
    # Outside a run: none.
    rules: tuple[ToolRule, ...] = ()
    # Masks this call's events in order (a key's lines arrive one event at a time).
    masker: StreamMasker = field(default_factory=StreamMasker, compare=False, repr=False)

    @functools.cached_property
    def workspace(self) -> Path:
        """Where the call works; with people signing in, its person's own folder. Resolved
        once per call: every check of the call judges its paths against the same folder."""
        if user_tokens.people_sign_in():
            return person_workspace(user_tokens.run_identity())
        return Path(self.run.workspace or Path.cwd()).expanduser().resolve()

    @property
    def thread_id(self) -> str:
        return self.run.thread_id or "default"

    def resolve(self, path: str) -> Path:
        """`path` (relative to the workspace, `~` expanded) as an absolute, resolved path.
        With people signing in, a path outside the person's folder (symlinks followed) is a
        ToolException: the server's own files and the other people's are not theirs.
        Blocking (it may make the person's folder): in a server run, call it off the loop."""
        workspace = self.workspace
        target = (workspace / Path(path).expanduser()).resolve()
        if not user_tokens.people_sign_in():
            return target
        workspace.mkdir(parents=True, exist_ok=True)
        if not may_touch(target, workspace):
            raise ToolException(
                f"{path} is outside your workspace: on this server tools reach only the files "
                "in your own workspace. Use a path inside it (relative paths are)."
            )
        return target

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
            self.writer(self.masker(event))

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


def person_workspace(identity: str | None) -> Path:
    """The folder of the served workspace (`ML_INTERN_WORKSPACE`, else the current directory)
    that is `identity`'s own on a server where people sign in (`resolve` makes it)."""
    if not identity:
        raise ToolException("This run belongs to nobody signed in: sign in and run it again.")
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}", identity):
        identity = "p-" + hashlib.sha256(identity.encode()).hexdigest()[:24]
    root = Path(os.environ.get("ML_INTERN_WORKSPACE") or Path.cwd()).expanduser().resolve()
    return root / identity


def may_touch(target: Path, workspace: Path) -> bool:
    """True when a signed-in person's tool may use `target`: inside their folder, and not in
    the server's own state (`$ML_INTERN_HOME`), /proc or a credential location."""
    home = ml_intern_home().expanduser().resolve()
    return (
        target.is_relative_to(workspace)
        and not target.is_relative_to(home)
        and not target.is_relative_to("/proc")
        and not is_secret_path(str(target), workspace)
    )


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
