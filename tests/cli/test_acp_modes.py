"""Session modes beyond ask/yolo: sandbox (bubblewrap) switched on and off per session; and
the agent on a PostgreSQL store (`--db`)."""

from __future__ import annotations

import shutil

import pytest
from acp import PROTOCOL_VERSION, text_block

from tests.cli.acp_client import RecordingClient, acp_agent
from tests.cli.conftest import Cli
from tests.cli.test_acp import MODEL, bash
from tests.fakes.llm_server import ScriptedLLMServer, Turn
from tests.fakes.transcript_checks import user_texts
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


@pytest.mark.timeout(300)
async def test_acp_with_db_works_on_postgres_threads(
    cli: Cli, llm: ScriptedLLMServer, pg_url: str
) -> None:
    """`ml-intern acp --db URL`: a CLI thread in PostgreSQL loads and goes on; nothing local."""
    cli.use_server(llm)
    llm.add(Turn(content="First answer."), Turn(content="Second answer."))
    made = cli.run("--db", pg_url, *MODEL, "--thread-id", "team-1", "first question")
    assert made.returncode == 0, made.stderr
    async with acp_agent(cli, *MODEL, "--db", pg_url) as agent:
        await agent.conn.initialize(protocol_version=PROTOCOL_VERSION)
        await agent.conn.load_session(cwd=str(cli.cwd), session_id="team-1")
        done = await agent.conn.prompt(session_id="team-1", prompt=[text_block("second")])
        assert done.stop_reason == "end_turn"
    assert user_texts(llm.requests[-1]) == ["first question", "second"]
    assert not (cli.home / "threads.sqlite").exists()
    cli.env["ML_INTERN_DATABASE_URL"] = pg_url
    shown = cli.run("threads", "show", "team-1").stdout
    assert "Second answer." in shown
