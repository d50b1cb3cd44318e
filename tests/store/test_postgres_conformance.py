"""LangGraph's checkpointer conformance suite against the Postgres saver, on a real PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncGenerator

from langgraph.checkpoint.conformance import checkpointer_test, validate
from langgraph.checkpoint.conformance.capabilities import ALL_CAPABILITIES

from store.postgres_saver import ThreadPostgresSaver, open_postgres_checkpointer
from tests.fakes.postgres import PostgresCluster


async def test_every_capability_passes_including_the_extended_ones(
    postgres_cluster: PostgresCluster,
) -> None:
    @checkpointer_test(name="ThreadPostgresSaver")
    async def factory() -> AsyncGenerator[ThreadPostgresSaver, None]:
        async with open_postgres_checkpointer(postgres_cluster.new_database()) as saver:
            yield saver

    report = await validate(factory)  # type: ignore[arg-type]
    outcome = {
        name: (result.detected, result.passed, result.tests_failed)
        for name, result in report.results.items()
    }
    assert outcome == {cap.value: (True, True, 0) for cap in ALL_CAPABILITIES}
    assert report.conformance_level() == "FULL"
    assert all(result.tests_passed > 0 for result in report.results.values())
