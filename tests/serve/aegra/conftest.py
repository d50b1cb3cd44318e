"""Two team-server replicas (`ml-intern web --db URL --redis URL`) on one real PostgreSQL and
one real redis-server, with the scripted model: `replicas` gives a client for each."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.fakes.llm_server import ScriptedLLMServer
from tests.fakes.redis import RedisServer
from tests.web.web_harness import free_port, start_web, stop_web, wait_for_ready


def start_replicas(
    llm: ScriptedLLMServer, workspace: Path, tmp_path: Path, pg_url: str, redis: RedisServer,
    names: tuple[str, ...] = ("a", "b"), settings: dict[str, object] | None = None,
) -> Iterator[httpx.Client]:  # fmt: skip
    """A client per replica, `settings` added to each replica's config."""
    started = []
    for name in names:
        root = tmp_path / name
        root.mkdir()
        port = free_port()
        args = ("--port", str(port), "--db", pg_url, "--redis", redis.url)
        proc, out = start_web(workspace, root / "home", llm.url, root, *args, settings=settings)
        started.append((proc, out, f"http://127.0.0.1:{port}"))
    try:
        for proc, out, _ in started:
            wait_for_ready(proc, out)
        clients = [httpx.Client(base_url=url, timeout=60, trust_env=False) for *_, url in started]
        yield from clients
    finally:
        for proc, out, _ in started:
            stop_web(proc)
            print(out.read_text()[-3000:])
            for log in out.parent.glob("home/*/team-*.log"):  # the replica's own log
                print(log, log.read_text(errors="replace")[-3000:])


@pytest.fixture
def replicas(
    llm: ScriptedLLMServer, workspace: Path, tmp_path: Path, pg_url: str,
    redis_server: RedisServer,
) -> Iterator[list[httpx.Client]]:  # fmt: skip
    clients = start_replicas(llm, workspace, tmp_path, pg_url, redis_server)
    both = [next(clients), next(clients)]
    try:
        yield both
    finally:
        for client in both:
            client.close()
        clients.close()
