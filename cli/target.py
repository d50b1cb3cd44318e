"""Which thread a CLI run works on (shared by the launcher, headless runs and the REPL)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Target:
    """Which thread to run, and whether it already exists."""

    thread_id: str | None
    resuming: bool
