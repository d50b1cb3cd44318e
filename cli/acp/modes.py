"""Session modes: ask, yolo, and, where bubblewrap runs, sandbox (commands under bubblewrap;
what stays inside its walls runs without asking, the rest asks as in ask mode)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from acp.schema import SessionMode, SessionModeState

if TYPE_CHECKING:
    from configs.settings import Settings

ASK, YOLO, SANDBOX = "ask", "yolo", "sandbox"
MODES = [
    SessionMode(id=ASK, name="Ask", description="Risky tool calls ask for permission first."),
    SessionMode(
        id=YOLO, name="Yolo", description="Tool calls run without asking (never-auto still ask)."
    ),
]
SANDBOX_MODE = SessionMode(
    id=SANDBOX,
    name="Sandbox",
    description="Commands run under bubblewrap: no writes outside the workspace, no "
    "credentials, no network; what stays inside runs without asking. The agent reads and "
    "writes files on disk, not your unsaved buffers.",
)


def mode_state(current: str, *, sandbox_here: bool) -> SessionModeState:
    return SessionModeState(
        current_mode_id=current, available_modes=[*MODES, *([SANDBOX_MODE] if sandbox_here else [])]
    )


def with_sandbox(settings: Settings, on: bool) -> Settings:
    """The agent's settings with the sandbox switched on or off for one session."""
    sandbox = settings.sandbox.model_copy(update={"mode": "local" if on else "off"})
    return settings.model_copy(update={"sandbox": sandbox})


def sandbox_problem_here(settings: Settings) -> str | None:
    """Why bubblewrap cannot run here (a real trial run), or None. Blocking."""
    from tools.local.sandbox import Sandbox, sandbox_problem

    sandbox = Sandbox.from_settings(with_sandbox(settings, True).sandbox)
    assert sandbox is not None
    return sandbox_problem(sandbox)
