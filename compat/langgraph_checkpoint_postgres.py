"""The compat module of langgraph-checkpoint-postgres: the one private method ml-intern's
PostgreSQL saver overrides.

`AsyncPostgresSaver._cursor(self, *, pipeline=False)` is where each of the saver's queries
gets its cursor (a connection from the pool, the saver's lock, a pipeline when asked; rows as
dicts). `ThreadPostgresSaver` (store/postgres_saver.py) overrides it so that a database that
went away, refused or timed out mid-run is one sentence naming the database
(store/database.py `explain`), and runs its own queries (the thread index, undo, copies, run
deletion) on the same cursors, through `library_cursor`. No public way: the saver takes no
error hook, and its public methods open their cursors inside. `problems` says what moved, and
`open_postgres_checkpointer` refuses (`SaverChanged`) a library that is not the one pinned;
tests/compat/test_langgraph_checkpoint_postgres.py fails naming it.
"""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from typing import Any

from compat.pins import Hook, Pin
from compat.pins import problems as hook_problems

PIN = Pin("langgraph-checkpoint-postgres", ">=3.2,<4")  # as pyproject.toml pins it
HOOKS = (
    Hook("langgraph.checkpoint.postgres.aio", "AsyncPostgresSaver._cursor", ("self", "pipeline")),
)


class SaverChanged(RuntimeError):
    """The installed langgraph-checkpoint-postgres no longer has what ml-intern's saver needs."""


def problems() -> list[str]:
    """Every way the installed library differs from what the saver was written for."""
    return hook_problems(PIN, HOOKS)


def refuse_a_changed_saver() -> None:
    """Raise SaverChanged, saying what moved and how to fix it, unless the installed library
    has the cursor the saver overrides, with the parameters it had."""
    found = problems()
    if found:
        raise SaverChanged(
            "ml-intern's PostgreSQL saver was written for another langgraph-checkpoint-postgres "
            f"(pyproject.toml pins it): {'; '.join(found)}. Install the locked release: "
            "uv sync --locked."
        )


def library_cursor(saver: Any, *, pipeline: bool) -> AbstractAsyncContextManager[Any]:
    """The library's own cursor of `saver` (an AsyncPostgresSaver), as its `_cursor` gives it:
    a dict-row cursor, in a pipeline when `pipeline`."""
    from langgraph.checkpoint.postgres.aio import AsyncPostgresSaver

    return AsyncPostgresSaver._cursor(saver, pipeline=pipeline)
