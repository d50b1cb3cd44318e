"""MCP servers an editor passes with session/new: their tools are the session's, a bad one
is a sentence in the editor and the session works without it."""

from __future__ import annotations

from acp import PROTOCOL_VERSION, text_block
from acp.schema import McpServerStdio

from tests.cli.acp_client import acp_agent
from tests.cli.conftest import Cli
from tests.cli.test_acp import texts
from tests.fakes.llm_server import ScriptedLLMServer, Turn
from tests.fakes.mcp_servers import real_servers_bin
from tests.fakes.transcript_checks import tool_results

MODEL = ("--model", "openai/scripted-model")


async def test_the_editor_s_mcp_servers_join_the_session_and_a_bad_one_is_reported(
    cli: Cli, llm: ScriptedLLMServer
) -> None:
    cli.use_server(llm)
    time_server = str(real_servers_bin() / "mcp-server-time")
    servers = [
        McpServerStdio(name="clock", command=time_server, args=["--local-timezone", "UTC"], env=[]),
        McpServerStdio(name="broken", command=str(cli.cwd / "no-such-server"), args=[], env=[]),
    ]
    now = {"id": "t1", "name": "clock__get_current_time", "arguments": {"timezone": "UTC"}}
    llm.add(Turn(tool_calls=[now]), Turn(content="It is now."))
    async with acp_agent(cli, *MODEL) as agent:
        init = await agent.conn.initialize(protocol_version=PROTOCOL_VERSION)
        assert init.agent_capabilities.mcp_capabilities.http is True
        session = await agent.conn.new_session(cwd=str(cli.cwd), mcp_servers=servers)
        await agent.client.wait_for(lambda: "broken" in texts(agent.client, "agent_message_chunk"))
        done = await agent.conn.prompt(session_id=session.session_id, prompt=[text_block("time?")])
        assert done.stop_reason == "end_turn"
    warning = texts(agent.client, "agent_message_chunk")
    assert "MCP server 'broken' is unavailable" in warning and "tools are off" in warning
    offered = {tool["function"]["name"] for tool in llm.requests[0]["tools"]}
    assert "clock__get_current_time" in offered
    assert not any(name.startswith("broken__") for name in offered)
    assert '"timezone": "UTC"' in tool_results(llm.requests[-1])["t1"]
    assert not agent.client.permissions  # a read-only tool runs without asking, as configured
