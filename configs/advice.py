"""The words for a fix, in the front end the person is using.

An error says what happened the same way everywhere; what to do next depends on where the
person is: at the terminal they type `--model` or `/model`, in the web page they use the
model picker, in Studio they edit the run's input. Errors name the fix through an
`Advice`, which each front end's runs carry in their context (configs/run_context.py):

    >>> Advice("web").other_model()
    'pick another model in the model picker'
    >>> Advice("cli", "headless").other_model()
    'pick another model with --model'
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

FrontEnd = Literal["cli", "web", "studio"]
FRONT_ENDS: tuple[FrontEnd, ...] = ("cli", "web", "studio")


@dataclass(frozen=True)
class Advice:
    """`front_end`: where the person is; `mode`: at the terminal, the REPL (interactive) or
    a command line (headless, and the launcher's own checks)."""

    front_end: FrontEnd = "cli"
    mode: Literal["interactive", "headless"] = "headless"

    def other_model(self) -> str:
        """How to run on another model."""
        if self.front_end == "web":
            return "pick another model in the model picker"
        if self.front_end == "studio":
            return 'set another "model" in the run\'s input'
        if self.mode == "interactive":
            return "pick another model with /model"
        return "pick another model with --model"

    def larger_model(self) -> str:
        """How to go on with a model whose context window is larger."""
        if self.front_end == "web":
            return "pick a model with a larger context window in the model picker"
        if self.front_end == "studio":
            return 'set a "model" with a larger context window in the run\'s input'
        if self.mode == "interactive":
            return "switch to a model with a larger context window (/model)"
        return "run with a model that has a larger context window (--model)"

    def fresh_start(self) -> str | None:
        """How a person goes on without the history that no longer fits (None: no one is
        there to do it: a headless run)."""
        if self.front_end == "web":
            return "Start a new thread (New thread) or Undo the last turn."
        if self.front_end == "studio":
            return "Start a new thread, or fork the thread from an earlier checkpoint."
        if self.mode == "interactive":
            return "Start a new thread (/new) or /undo the last turn."
        return None


COMMAND_LINE = Advice()  # the launcher's checks and headless runs: flags such as --model
