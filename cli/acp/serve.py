"""Start-up of `ml-intern acp`: the CLI's checks, then the protocol on stdin/stdout until
the client closes it (or SIGTERM/SIGINT), then running turns are cancelled cleanly."""

from __future__ import annotations

import asyncio
import contextlib
import signal
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cli.exit_codes import ExitCode
from cli.launch import (
    PROJECT_DIR,
    Flags,
    StartupFailure,
    checked_settings,
    fail,
    overrides,
    report_failure,
)
from store.database import DatabaseError, database_url

STDIO_LIMIT_BYTES = 50 * 1024 * 1024  # the SDK's default: room for attached files
NOT_PIPES = (
    "ml-intern: `ml-intern acp` speaks the Agent Client Protocol on stdin/stdout pipes; an "
    "editor starts it (e.g. Zed's agent_servers). For a terminal, run `ml-intern` instead."
)


@dataclass(frozen=True)
class AcpFlags:
    model: str | None = None
    yolo: bool = False
    max_cost: float | None = None
    max_iterations: int | None = None
    sandbox: bool = False
    no_stream: bool = False
    config: Path | None = None


def serve(flags: AcpFlags) -> int:
    try:
        settings = settings_for(flags)
    except StartupFailure as failure:
        return report_failure(failure, "text")
    return asyncio.run(_serve(settings, flags.model))


def settings_for(flags: AcpFlags) -> Any:
    import configs  # noqa: F401 - sets LITELLM_LOCAL_MODEL_COST_MAP before litellm is imported
    from configs.effective import effective_settings
    from configs.settings import ConfigError

    as_cli = Flags(
        model=flags.model, yolo=flags.yolo, max_cost=flags.max_cost, sandbox=flags.sandbox,
        max_iterations=flags.max_iterations, no_stream=flags.no_stream, config=flags.config,
    )  # fmt: skip
    try:
        settings = effective_settings(flags.config, overrides(as_cli), project_dir=PROJECT_DIR)
    except ConfigError as error:
        fail(str(error), ExitCode.USAGE_ERROR)
    if url := database_url():  # reach it (and make its schema ready) before the protocol
        from store.postgres_schema import ensure_schema

        try:
            ensure_schema(url)
        except DatabaseError as error:
            fail(str(error), ExitCode.RUNTIME_ERROR)
    return checked_settings(settings, flags.model)


async def _serve(settings: Any, model: str | None) -> int:
    from acp.agent.connection import AgentSideConnection
    from acp.stdio import stdio_streams

    from cli.acp.agent import MlInternAgent

    try:
        reader, writer = await stdio_streams(limit=STDIO_LIMIT_BYTES)
    except (ValueError, OSError):
        print(NOT_PIPES, file=sys.stderr)
        return int(ExitCode.USAGE_ERROR)
    from cli.warmup import Warmup
    from models.chat_model import through_litellm

    # litellm only for a model whose calls go through it, as the REPL warms up (else ~3.5 s of
    # CPU beside `session/new`); a session's later model that needs it imports it when called.
    warmup = Warmup(litellm=lambda: through_litellm(model or settings.model_name, settings))
    agent = MlInternAgent(settings, model=model, warmup=warmup.start().join)
    conn = AgentSideConnection(agent, writer, reader, listening=False)
    listening = asyncio.create_task(conn.listen())
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, listening.cancel)
    try:
        with contextlib.suppress(asyncio.CancelledError):
            await listening
    finally:
        await agent.shutdown()
        await conn.close()
    return 0
