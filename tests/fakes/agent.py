"""Helpers to run the real agent graph in tests: fast settings, a session, event collection."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any


def fast_settings(api_base: str | None = None, **overrides: Any) -> Any:
    """Settings for tests: the fake model, no real waiting between retries."""
    from configs.settings import Settings

    values: dict[str, Any] = {
        "model_name": "openai/scripted-model",
        "api_base": api_base,
        "retry_base_delay_s": 0.01,
        "retry_max_delay_s": 0.05,
        "stream": False,
    }
    values.update(overrides)
    return Settings(**values)


@asynccontextmanager
async def open_session(settings: Any, workspace: Path, **kwargs: Any) -> AsyncIterator[Any]:
    from graph.session import Session

    kwargs.setdefault("catalog", None)
    catalog = kwargs.pop("catalog")
    if catalog is None:
        from tools.families import build_catalog

        catalog = build_catalog(settings)
    async with Session.open(settings, workspace=workspace, catalog=catalog, **kwargs) as session:
        yield session


async def collect(events: AsyncIterator[Any]) -> list[Any]:
    return [event async for event in events]
