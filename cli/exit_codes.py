"""Process exit codes of `ml-intern`, and how a turn's stop reason maps onto them.

Scripts rely on these numbers; `ml-intern --help` documents them.
"""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    DONE = 0
    RUNTIME_ERROR = 1  # provider, auth, infrastructure
    USAGE_ERROR = 2  # bad flags or config, unknown thread
    ITERATION_CAP = 3
    SPEND_CAP = 4
    DOOM_LOOP = 5
    PLAN_UNFINISHED = 6
    INTERRUPTED = 130


_BY_STOP_REASON = {
    "done": ExitCode.DONE,
    "compacted": ExitCode.DONE,
    "max_iterations": ExitCode.ITERATION_CAP,
    "max_cost": ExitCode.SPEND_CAP,
    "doom_loop": ExitCode.DOOM_LOOP,
    "plan_unfinished": ExitCode.PLAN_UNFINISHED,
    "interrupted": ExitCode.INTERRUPTED,
    "compact_failed": ExitCode.RUNTIME_ERROR,
    "error": ExitCode.RUNTIME_ERROR,
}

# What each stop means for a person reading the terminal (None: nothing to say).
STOP_MESSAGES = {
    "max_iterations": "Stopped: the turn reached the iteration cap ({limit}). "
    "Raise it with --max-iterations, or send a message to let the agent go on.",
    "max_cost": "Stopped: the thread's model spend passed the cap (${limit}). "
    "Raise it with --max-cost to go on.",
    "doom_loop": "Stopped: the agent kept repeating the same tool calls after a warning.",
    "plan_unfinished": "Stopped: the agent ended its turn with plan items unfinished, "
    "after two reminders.",
    "compact_failed": "Stopped: the context could not be compacted enough to continue.",
    "interrupted": "Interrupted.",
    "error": "Stopped by an error (see above).",
}

EPILOG = (
    "Exit codes: 0 done, 1 runtime error (provider, auth, infrastructure), 2 usage or config "
    "error, 3 iteration cap reached, 4 spend cap reached, 5 stopped by the doom-loop "
    "escalation, 6 ended with plan items unfinished (headless), 130 interrupted."
)


def exit_code_for(stop_reason: str | None) -> ExitCode:
    """The exit code for a turn that ended with `stop_reason` (unknown reasons are errors)."""
    return _BY_STOP_REASON.get(stop_reason or "done", ExitCode.RUNTIME_ERROR)
