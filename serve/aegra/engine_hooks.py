"""What the team server changes in Aegra, each in one place, each checked at start.

Aegra 0.11 (pinned to the minor release in pyproject.toml) has no hook for either:
- the checkpointer: it builds its own saver and looks it up on every request, so ours
  (store/postgres_saver.py: the thread index, undo, copies) replaces it in its database
  manager;
- one run per thread: it stores `multitask_strategy` and never reads it, so two runs on one
  thread would both execute. A partial unique index on its `runs` table (made by
  serve/aegra/schema.py) lets a thread hold one pending or running run; a second insert
  fails, and serve/aegra/app.py says 409.
"""

from __future__ import annotations

from typing import Any

ONE_RUN_INDEX = "ml_intern_one_run_per_thread"
ONE_RUN_SQL = (
    f"CREATE UNIQUE INDEX IF NOT EXISTS {ONE_RUN_INDEX} ON runs (thread_id) "
    "WHERE status IN ('pending', 'running')"
)


class EngineChanged(RuntimeError):
    """The installed Aegra no longer has what the team server relies on."""


def use_saver(saver: Any) -> None:
    """Aegra's database manager hands `saver` to every graph it runs from now on."""
    from aegra_api.core.database import db_manager

    if not hasattr(db_manager, "_checkpointer"):
        raise EngineChanged(
            "aegra_api's database manager has no _checkpointer: this Aegra release is not "
            "the one ml-intern's team server was built on (pyproject.toml pins it)."
        )
    db_manager._checkpointer = saver
