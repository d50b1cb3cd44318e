"""Which thread a CLI run works on (shared by the launcher, headless runs and the REPL)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Target:
    """Which thread to run, and whether it already exists."""

    thread_id: str | None
    resuming: bool


def thread_model(target: Target) -> str | None:
    """The model a resumed thread last used (it keeps using it unless --model is given)."""
    if not target.resuming or target.thread_id is None:
        return None
    from configs.environment import ml_intern_home
    from store.thread_index import ThreadIndex

    with ThreadIndex(ml_intern_home() / "threads.sqlite") as index:
        info = index.get(target.thread_id)
    return info.model if info and info.model else None
