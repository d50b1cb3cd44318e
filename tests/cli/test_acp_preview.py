"""The attack on the diff preview (issue 51): a FIFO named by a `write`, which the agent read
on the protocol's event loop to show the call's old text."""

from __future__ import annotations

import asyncio
import contextlib
import os
from pathlib import Path

import pytest
from acp import PROTOCOL_VERSION, text_block

from tests.cli.acp_client import RecordingClient, acp_agent
from tests.cli.conftest import Cli
from tests.cli.test_acp_races import MODEL, write
from tests.fakes.llm_server import ScriptedLLMServer, Turn
from tests.fakes.transcript_checks import tool_results

pytestmark = pytest.mark.cli_e2e


async def test_a_fifo_named_by_a_write_never_freezes_the_agent(
    cli: Cli, llm: ScriptedLLMServer
) -> None:
    """The attack: the model names a FIFO in a `write`; the diff preview read it on the
    protocol's event loop, so nothing (cancel, a new session) was answered again. Now the
    preview refuses it, and another session opens while the turn goes on."""
    cli.use_server(llm)
    fifo = cli.cwd / "pipe"
    os.mkfifo(fifo)
    llm.add(
        Turn(tool_calls=[write("w0", "first.txt", "one\n"), write("w1", "pipe", "two\n")]),
        Turn(content="Done."),
    )
    client = RecordingClient(choose=lambda _c, _o: "reject")
    async with acp_agent(cli, *MODEL, client=client) as agent:
        await agent.conn.initialize(protocol_version=PROTOCOL_VERSION)
        session_id = (await agent.conn.new_session(cwd=str(cli.cwd))).session_id
        turn = asyncio.ensure_future(
            agent.conn.prompt(session_id=session_id, prompt=[text_block("write")])
        )
        try:
            await client.wait_for(lambda: bool(client.of_kind("tool_call")))
            other = await asyncio.wait_for(agent.conn.new_session(cwd=str(cli.cwd)), 60)
            assert other.session_id != session_id
            assert (await asyncio.wait_for(turn, 60)).stop_reason == "end_turn"
        finally:
            release(fifo)  # a frozen agent (the bug) gets its EOF, so it can stop
            turn.cancel()
            with contextlib.suppress(BaseException):
                await turn
    shown = {u.tool_call_id: u for u in client.of_kind("tool_call")}
    assert not shown["w1"].content  # no old text read from a FIFO
    assert "w1" in tool_results(llm.requests[-1])


def release(fifo: Path) -> None:
    """Open and close the FIFO's writing end if someone is reading it (never blocks)."""
    with contextlib.suppress(OSError):
        os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
