"""compat/aegra.py against the installed Aegra: its hooks, and the columns our SQL writes."""

from __future__ import annotations

import asyncio
import time

import pytest

from compat import aegra as fence
from tests.fakes.redis import RedisServer


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


async def test_a_run_wait_hears_a_short_runs_end_well_before_aegras_two_second_poll(
    redis_server: RedisServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Aegra's `/runs/wait` looks at the run's done-key every 2 s: a key set 0.3 s in was seen
    at 2.0 s. With `quick_run_waits` it is seen at the next look (0.35 s; 1.55 s at worst)."""
    from aegra_api.core.redis_manager import redis_manager
    from aegra_api.services.worker_executor import WorkerExecutor
    from aegra_api.settings import settings

    monkeypatch.setattr(settings.redis, "REDIS_URL", redis_server.url)
    monkeypatch.setattr(WorkerExecutor, "wait_for_completion", WorkerExecutor.wait_for_completion)
    fence.quick_run_waits()
    await redis_manager.initialize()
    try:
        waiting = asyncio.create_task(WorkerExecutor.wait_for_completion(None, "r1", timeout=60))
        await asyncio.sleep(0.3)  # the run "ends" 0.3 s in
        key = f"{settings.redis.REDIS_CHANNEL_PREFIX}done:r1"
        await redis_manager.get_client().set(key, "1", ex=60)
        ended = time.monotonic()
        await waiting
        assert time.monotonic() - ended < 1.5  # Aegra's own: 1.7 s
    finally:
        await redis_manager.close()
