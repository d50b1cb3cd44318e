"""LangGraph's own checkpointer conformance suite against MessageStoreSaver, in both modes."""

from __future__ import annotations

import tempfile
from collections.abc import AsyncGenerator
from pathlib import Path

import pytest
from langgraph.checkpoint.conformance import checkpointer_test, validate
from langgraph.checkpoint.conformance.capabilities import ALL_CAPABILITIES

from store.message_store import MessageStoreSaver


def registered(inline: bool) -> object:
    @checkpointer_test(name=f"MessageStoreSaver(inline={inline})")
    async def factory() -> AsyncGenerator[MessageStoreSaver, None]:
        with tempfile.TemporaryDirectory() as tmp:
            saver = MessageStoreSaver(Path(tmp) / "threads.sqlite", inline=inline)
            try:
                yield saver
            finally:
                saver.close()

    return factory


@pytest.mark.parametrize("inline", [True, False], ids=["inline", "worker-thread"])
async def test_every_capability_passes_including_the_extended_ones(inline: bool) -> None:
    report = await validate(registered(inline))  # type: ignore[arg-type]
    outcome = {
        name: (result.detected, result.passed, result.tests_failed)
        for name, result in report.results.items()
    }
    assert outcome == {cap.value: (True, True, 0) for cap in ALL_CAPABILITIES}
    assert report.conformance_level() == "FULL"
    assert all(result.tests_passed > 0 for result in report.results.values())
