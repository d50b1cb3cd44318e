"""compat/langgraph_checkpoint_postgres.py against the installed library: the cursor the
PostgreSQL saver overrides is where it was written for, and a saver on a changed library
refuses to open, saying what moved."""

from __future__ import annotations

from importlib.metadata import version
from typing import Any

import pytest
from langgraph.checkpoint.postgres.aio import AsyncPostgresSaver

from compat import langgraph_checkpoint_postgres as fence
from store.postgres_saver import open_postgres_checkpointer

NOWHERE = "postgresql://ml:pw@127.0.0.1:9/none"  # never reached: the refusal comes first


def test_the_installed_library_has_the_cursor_the_saver_overrides() -> None:
    found = fence.problems()
    assert found == [], "compat/langgraph_checkpoint_postgres.py: " + "\n".join(found)


async def test_a_saver_on_a_library_whose_cursor_changed_refuses_saying_what_moved(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def cursor(self: Any, *, pipeline: bool = False, binary: bool = True) -> Any: ...

    monkeypatch.setattr(AsyncPostgresSaver, "_cursor", cursor)
    with pytest.raises(fence.SaverChanged) as refused:
        async with open_postgres_checkpointer(NOWHERE):
            pass
    said = str(refused.value)
    installed = version("langgraph-checkpoint-postgres")
    assert (
        f"langgraph-checkpoint-postgres {installed}: langgraph.checkpoint.postgres.aio."
        "AsyncPostgresSaver._cursor now takes (self, pipeline, binary), written for "
        "(self, pipeline)"
    ) in said
    assert said.endswith("Install the locked release: uv sync --locked.")


async def test_a_saver_on_a_library_without_the_cursor_refuses(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delattr(AsyncPostgresSaver, "_cursor")
    with pytest.raises(fence.SaverChanged, match=r"AsyncPostgresSaver\._cursor is gone"):
        async with open_postgres_checkpointer(NOWHERE):
            pass
