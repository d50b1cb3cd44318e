"""Session modes beyond ask/yolo: sandbox (bubblewrap) switched on and off per session."""

from __future__ import annotations

import shutil

import pytest
from acp import PROTOCOL_VERSION, text_block

from tests.cli.acp_client import RecordingClient, acp_agent
from tests.cli.conftest import Cli
from tests.cli.test_acp import MODEL, bash
from tests.fakes.llm_server import ScriptedLLMServer, Turn
from tools.local.sandbox import Sandbox, sandbox_problem

needs_bwrap = pytest.mark.skipif(
    shutil.which("bwrap") is None or sandbox_problem(Sandbox()) is not None,
    reason="bubblewrap cannot run here",
)


@needs_bwrap
async def test_sandbox_mode_walls_commands_in_and_leaving_it_asks_again(
    cli: Cli, llm: ScriptedLLMServer
) -> None:
    cli.use_server(llm)
    escape = "echo in > inside.txt; echo out > ../outside.txt"
    llm.add(
        Turn(tool_calls=[bash(escape, "s1")]),
        Turn(content="Tried."),
        Turn(tool_calls=[bash("echo out > ../outside.txt", "a1")]),
        Turn(content="Wrote."),
    )
    client = RecordingClient(choose=lambda _c, _o: "allow")
    outside = cli.cwd.parent / "outside.txt"
    async with acp_agent(cli, *MODEL, client=client) as agent:
        await agent.conn.initialize(protocol_version=PROTOCOL_VERSION)
        session = await agent.conn.new_session(cwd=str(cli.cwd))
        assert [m.id for m in session.modes.available_modes] == ["ask", "yolo", "sandbox"]
        sid = session.session_id
        await agent.conn.set_session_mode(session_id=sid, mode_id="sandbox")
        await agent.conn.prompt(session_id=sid, prompt=[text_block("write both")])
        assert not client.permissions  # inside the walls nothing asks
        assert (cli.cwd / "inside.txt").read_text() == "in\n" and not outside.exists()
        await agent.conn.set_session_mode(session_id=sid, mode_id="ask")
        await agent.conn.prompt(session_id=sid, prompt=[text_block("write outside")])
    assert [call.tool_call_id for call, _options in client.permissions] == ["a1"]
    assert outside.read_text() == "out\n"
