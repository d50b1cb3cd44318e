"""What the CLI tells the user, never the model, when the agent's code runs unasked and
unwalled: a headless run or yolo without the sandbox (tools/policy.py decides when)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from configs.settings import Settings

UNWALLED = (
    "{how} without --sandbox: the agent's code (shell, Python, notebooks) runs without "
    "asking, outside any walls, with your access to files, credentials and the network; "
    "only code naming a credential place in so many words is stopped. Add --sandbox to "
    "wall it in (docs/safety-yolo.md)."
)
# Said when the user turns yolo on in the REPL without the sandbox.
YOLO_ON_UNWALLED = (
    "Without --sandbox, code runs outside any walls: it can read credentials through "
    "paths it builds at run time (docs/safety-yolo.md)."
)


def walled(settings: Settings) -> bool:
    from tools.local.sandbox import Sandbox

    return Sandbox.from_settings(settings.sandbox) is not None


def unwalled_warning(settings: Settings, *, headless: bool) -> str | None:
    """The one-line warning for the start of a run, or None when code asks or is walled."""
    from tools.policy import runs_unseen_code_unasked

    mode = "headless" if headless else "interactive"
    if not runs_unseen_code_unasked(mode, settings.approval.yolo, walled(settings)):
        return None
    return UNWALLED.format(how="headless run" if headless else "yolo")
