"""`ml-intern acp` end to end: an editor (the ACP SDK's client) drives the real command
against the scripted model; sessions are threads of the same store as the CLI's."""

from __future__ import annotations

import json

import pytest
from acp import PROTOCOL_VERSION, text_block

from tests.cli.acp_client import RecordingClient, acp_agent
from tests.cli.conftest import Cli
from tests.fakes.llm_server import ScriptedLLMServer, Turn
from tests.fakes.transcript_checks import user_texts

pytestmark = pytest.mark.cli_e2e

MODEL = ("--model", "openai/scripted-model")


def texts(client: RecordingClient, kind: str) -> str:
    return "".join(u.content.text for u in client.of_kind(kind))


async def test_a_turn_streams_text_and_thinking_and_the_session_is_a_thread(
    cli: Cli, llm: ScriptedLLMServer
) -> None:
    cli.use_server(llm)
    llm.add(Turn(content="Hello from the agent.", thinking="The user greets me."))
    async with acp_agent(cli, *MODEL) as agent:
        init = await agent.conn.initialize(protocol_version=PROTOCOL_VERSION)
        assert init.agent_capabilities.load_session is True
        session = await agent.conn.new_session(cwd=str(cli.cwd))
        assert session.modes.current_mode_id == "ask"
        done = await agent.conn.prompt(session_id=session.session_id, prompt=[text_block("hi")])
        assert done.stop_reason == "end_turn"
        assert texts(agent.client, "agent_message_chunk") == "Hello from the agent."
        assert texts(agent.client, "agent_thought_chunk") == "The user greets me."
        commands = agent.client.of_kind("available_commands_update")[0].available_commands
        assert {"undo", "compact", "model", "status"} <= {c.name for c in commands}
    assert user_texts(llm.requests[0]) == ["hi"]
    listed = cli.run("threads", "list", "--all", "--json")
    assert listed.returncode == 0, listed.stderr
    rows = json.loads(listed.stdout)
    assert [r["thread_id"] for r in rows] == [session.session_id]
    assert rows[0]["title"] == "hi"
