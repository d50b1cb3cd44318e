"""compat/aegra.py against the installed Aegra: its hooks, and the columns our SQL writes."""

from __future__ import annotations

import pytest

from compat import aegra as fence


def test_the_installed_aegra_has_every_hook_and_column_compat_aegra_relies_on() -> None:
    found = fence.problems()
    assert found == [], "compat/aegra.py: " + "\n".join(found)


def test_a_team_server_on_another_aegra_refuses_to_start_saying_what_moved(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from aegra_api.core.orm import Base

    thread = Base.metadata.tables["thread"]
    monkeypatch.setattr(Base.metadata, "tables", {**Base.metadata.tables, "thread": None})
    with pytest.raises(fence.EngineChanged) as refused:
        fence.use_saver(object())
    assert "aegra-api 0.11" in str(refused.value) and "`thread` table has no thread_id" in str(
        refused.value
    )
    assert "uv sync --locked" in str(refused.value)
    assert thread is not None
