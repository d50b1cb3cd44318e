"""`ml-intern acp` end to end: an editor (the ACP SDK's client) drives the real command
against the scripted model; sessions are threads of the same store as the CLI's."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest
from acp import (
    PROTOCOL_VERSION,
    RequestError,
    embedded_text_resource,
    image_block,
    resource_block,
    text_block,
)
from acp.schema import DeniedOutcome, RequestPermissionResponse

from tests.cli.acp_client import RecordingClient, acp_agent
from tests.cli.conftest import Cli
from tests.fakes.llm_server import ScriptedLLMServer, Turn
from tests.fakes.transcript_checks import tool_results, user_texts

pytestmark = pytest.mark.cli_e2e

MODEL = ("--model", "openai/scripted-model")


def texts(client: RecordingClient, kind: str) -> str:
    return "".join(u.content.text for u in client.of_kind(kind))


async def test_a_turn_streams_text_and_thinking_and_the_session_is_a_thread(
    cli: Cli, llm: ScriptedLLMServer
) -> None:
    cli.use_server(llm)
    llm.add(Turn(content="Hello from the agent.", thinking="The user greets me."))
    config = cli.cwd.parent / "config.json"
    config.write_text(json.dumps({"context_window": {"openai/scripted-model": 200_000}}))
    async with acp_agent(cli, *MODEL, "--config", str(config)) as agent:
        init = await agent.conn.initialize(protocol_version=PROTOCOL_VERSION)
        assert init.agent_capabilities.load_session is True
        session = await agent.conn.new_session(cwd=str(cli.cwd))
        assert session.modes.current_mode_id == "ask"
        attached = resource_block(embedded_text_resource("file:///notes.md", "NOTES-TEXT"))
        done = await agent.conn.prompt(
            session_id=session.session_id, prompt=[text_block("hi"), attached]
        )
        assert done.stop_reason == "end_turn"
        assert texts(agent.client, "agent_message_chunk") == "Hello from the agent."
        assert texts(agent.client, "agent_thought_chunk") == "The user greets me."
        commands = agent.client.of_kind("available_commands_update")[0].available_commands
        assert {"undo", "compact", "model", "status"} <= {c.name for c in commands}
        usage = agent.client.of_kind("usage_update")[-1]
        assert usage.size == 200_000 and usage.used > 100 and usage.cost.currency == "USD"
    [sent] = user_texts(llm.requests[0])
    assert sent.startswith("hi") and "<file uri='file:///notes.md'>\nNOTES-TEXT" in sent
    listed = cli.run("threads", "list", "--all", "--json")
    assert listed.returncode == 0, listed.stderr
    rows = json.loads(listed.stdout)
    assert [r["thread_id"] for r in rows] == [session.session_id]
    assert rows[0]["title"].startswith("hi")


def bash(command: str, call_id: str) -> dict:
    return {"id": call_id, "name": "bash", "arguments": {"command": command}}


async def started(agent, cwd) -> str:  # type: ignore[no-untyped-def]
    await agent.conn.initialize(protocol_version=PROTOCOL_VERSION)
    return (await agent.conn.new_session(cwd=str(cwd))).session_id


async def test_permission_allowed_once_then_rejected(cli: Cli, llm: ScriptedLLMServer) -> None:
    cli.use_server(llm)
    llm.add(
        Turn(tool_calls=[bash("echo one > a.txt", "call-a")]),
        Turn(tool_calls=[bash("echo two > b.txt", "call-b")]),
        Turn(content="Wrote a.txt; b.txt was refused."),
    )
    client = RecordingClient(
        choose=lambda call, _o: "allow" if call.tool_call_id == "call-a" else "reject"
    )
    async with acp_agent(cli, *MODEL, client=client) as agent:
        session_id = await started(agent, cli.cwd)
        done = await agent.conn.prompt(session_id=session_id, prompt=[text_block("write files")])
    assert done.stop_reason == "end_turn"
    assert (cli.cwd / "a.txt").read_text() == "one\n"
    assert not (cli.cwd / "b.txt").exists()
    asked = [(call.tool_call_id, call.kind) for call, _options in client.permissions]
    assert asked == [("call-a", "execute"), ("call-b", "execute")]
    kinds = {option.kind for option in client.permissions[0][1]}
    assert kinds == {"allow_once", "allow_always", "reject_once"}
    finals = {
        u.tool_call_id: u.status
        for u in client.of_kind("tool_call_update")
        if u.status in ("completed", "failed")
    }
    assert finals["call-a"] == "completed"
    results = tool_results(llm.requests[-1])
    assert "rejected" in results["call-b"] and "exit code: 0" in results["call-a"]


async def test_allow_always_switches_the_session_to_yolo(cli: Cli, llm: ScriptedLLMServer) -> None:
    cli.use_server(llm)
    llm.add(
        Turn(tool_calls=[bash("echo one > a.txt", "call-a")]),
        Turn(tool_calls=[bash("echo two > b.txt", "call-b")]),
        Turn(content="Both written."),
    )
    client = RecordingClient(choose=lambda _c, _o: "allow_always")
    async with acp_agent(cli, *MODEL, client=client) as agent:
        session_id = await started(agent, cli.cwd)
        await agent.conn.prompt(session_id=session_id, prompt=[text_block("write files")])
    assert [call.tool_call_id for call, _ in client.permissions] == ["call-a"]
    assert (cli.cwd / "b.txt").read_text() == "two\n"
    assert [u.current_mode_id for u in client.of_kind("current_mode_update")] == ["yolo"]


async def test_load_replays_a_cli_thread_and_goes_on_with_it(
    cli: Cli, llm: ScriptedLLMServer
) -> None:
    cli.use_server(llm)
    llm.add(Turn(tool_calls=[bash("echo hi", "call-1")]), Turn(content="It printed hi."))
    made = cli.run(*MODEL, "--output-format", "json", "first question")
    assert made.returncode == 0, made.stderr
    thread_id = json.loads(made.stdout)["thread_id"]
    llm.add(Turn(content="Second answer."))
    async with acp_agent(cli, *MODEL) as agent:
        await agent.conn.initialize(protocol_version=PROTOCOL_VERSION)
        await agent.conn.load_session(cwd=str(cli.cwd), session_id=thread_id)
        replayed = [u.session_update for _sid, u in agent.client.updates]
        assert replayed[:4] == [
            "user_message_chunk",
            "tool_call",
            "tool_call_update",
            "agent_message_chunk",
        ]
        call = agent.client.of_kind("tool_call")[0]
        assert (call.tool_call_id, call.kind, call.title) == ("call-1", "execute", "bash: echo hi")
        output = agent.client.of_kind("tool_call_update")[0]
        assert output.status == "completed" and "hi" in output.content[-1].content.text
        assert texts(agent.client, "user_message_chunk") == "first question"
        done = await agent.conn.prompt(session_id=thread_id, prompt=[text_block("second")])
        assert done.stop_reason == "end_turn"
    assert user_texts(llm.requests[-1]) == ["first question", "second"]


async def test_edits_show_their_diffs_and_locations(cli: Cli, llm: ScriptedLLMServer) -> None:
    cli.use_server(llm)
    notes = cli.cwd / "notes.txt"
    notes.write_text("alpha\nbeta\n")
    llm.add(
        Turn(tool_calls=[{"id": "r", "name": "read", "arguments": {"path": "notes.txt"}}]),
        Turn(tool_calls=[{"id": "e", "name": "edit", "arguments": {"path": "notes.txt", "old_str": "beta", "new_str": "gamma"}}]),
        Turn(tool_calls=[{"id": "w", "name": "write", "arguments": {"path": "new.txt", "content": "fresh\n"}}]),
        Turn(content="Done."),
    )  # fmt: skip
    async with acp_agent(cli, *MODEL) as agent:
        session_id = await started(agent, cli.cwd)
        await agent.conn.prompt(session_id=session_id, prompt=[text_block("edit notes")])
    calls = {u.tool_call_id: u for u in agent.client.of_kind("tool_call")}
    assert [calls[i].kind for i in "rew"] == ["read", "edit", "edit"]
    assert calls["r"].locations[0].path == str(notes)
    diff = calls["e"].content[0]
    assert (diff.type, diff.path, diff.old_text, diff.new_text) == (
        "diff",
        str(notes),
        "beta",
        "gamma",
    )
    created = calls["w"].content[0]
    assert (created.path, created.old_text, created.new_text) == (
        str(cli.cwd / "new.txt"),
        None,
        "fresh\n",
    )
    assert notes.read_text() == "alpha\ngamma\n"
    assert not agent.client.permissions  # edits inside the workspace do not ask


SLEEP = "echo $$ > started; sleep 30"


async def until_started(agent, cwd) -> None:  # type: ignore[no-untyped-def]
    started_file = cwd / "started"
    await agent.client.wait_for(
        lambda: any(u.status == "in_progress" for u in agent.client.of_kind("tool_call_update"))
    )
    async with asyncio.timeout(60):
        while not (started_file.exists() and started_file.read_text().strip()):
            await asyncio.sleep(0.05)


async def test_cancel_mid_tool_stops_it_and_a_second_prompt_is_refused(
    cli: Cli, llm: ScriptedLLMServer
) -> None:
    cli.use_server(llm)
    llm.add(Turn(tool_calls=[bash(SLEEP, "call-s")]), Turn(content="Fine, stopped."))
    async with acp_agent(cli, *MODEL, "--yolo") as agent:
        session_id = await started(agent, cli.cwd)
        turn = asyncio.create_task(
            agent.conn.prompt(session_id=session_id, prompt=[text_block("sleep")])
        )
        await until_started(agent, cli.cwd)
        with pytest.raises(RequestError, match="already running"):
            await agent.conn.prompt(session_id=session_id, prompt=[text_block("again")])
        await agent.conn.cancel(session_id=session_id)
        assert (await turn).stop_reason == "cancelled"
        done = await agent.conn.prompt(session_id=session_id, prompt=[text_block("what happened?")])
        assert done.stop_reason == "end_turn"
    assert tool_results(llm.requests[-1])["call-s"].startswith("[cancelled]")
    assert len(llm.requests) == 2  # the cancelled turn asked the model nothing more


async def test_a_client_that_dies_mid_run_leaves_the_thread_resumable(
    cli: Cli, llm: ScriptedLLMServer
) -> None:
    cli.use_server(llm)
    llm.add(Turn(tool_calls=[bash(SLEEP, "call-s")]))
    async with acp_agent(cli, *MODEL, "--yolo") as agent:
        session_id = await started(agent, cli.cwd)
        turn = asyncio.create_task(
            agent.conn.prompt(session_id=session_id, prompt=[text_block("sleep")])
        )
        await until_started(agent, cli.cwd)
    # leaving the block closed the agent's stdin (and waited for it to exit)
    assert agent.process.returncode == 0
    turn.cancel()
    llm.add(Turn(content="Resumed."))
    resumed = cli.run("--resume", session_id, "--output-format", "json", "go on")
    assert resumed.returncode == 0, resumed.stderr
    assert json.loads(resumed.stdout)["result"] == "Resumed."
    assert tool_results(llm.requests[-1])["call-s"].startswith("[cancelled]")


async def test_bad_input_gets_clear_errors_and_loses_nothing(
    cli: Cli, llm: ScriptedLLMServer
) -> None:
    cli.use_server(llm)
    llm.add(
        Turn(status=401, error_message="Incorrect API key provided"), Turn(content="Still here.")
    )
    async with acp_agent(cli, *MODEL) as agent:
        conn = agent.conn
        with pytest.raises(RequestError, match="initialize"):
            await conn.new_session(cwd=str(cli.cwd))
        agent.write_raw(b'this is not json\n{"jsonrpc": "2.0", "id": \n')
        await conn.initialize(protocol_version=PROTOCOL_VERSION)
        with pytest.raises(RequestError) as unknown:
            await conn.ext_method("no_such_method", {})
        assert unknown.value.code == -32601
        with pytest.raises(RequestError, match="No session 'nope'"):
            await conn.prompt(session_id="nope", prompt=[text_block("hi")])
        with pytest.raises(RequestError, match="No thread 'missing-thread'"):
            await conn.load_session(cwd=str(cli.cwd), session_id="missing-thread")
        with pytest.raises(RequestError, match="absolute directory"):
            await conn.new_session(cwd="relative/dir")
        session_id = (await conn.new_session(cwd=str(cli.cwd))).session_id
        with pytest.raises(RequestError, match="does not take images"):
            await conn.prompt(session_id=session_id, prompt=[image_block("AAAA", "image/png")])
        with pytest.raises(RequestError, match="more than 2,000,000"):
            await conn.prompt(session_id=session_id, prompt=[text_block("x" * 2_000_001)])
        with pytest.raises(RequestError, match=r"stopped with an error: .*OPENAI_API_KEY"):
            await conn.prompt(session_id=session_id, prompt=[text_block("hi")])
        done = await conn.prompt(session_id=session_id, prompt=[text_block("again")])
        assert done.stop_reason == "end_turn"  # the failed turn let go of the thread
    listed = json.loads(cli.run("threads", "list", "--all", "--json").stdout)
    assert [r["thread_id"] for r in listed] == [session_id]
    assert user_texts(llm.requests[-1]) == ["hi", "again"]


class CancellingClient(RecordingClient):
    """Zed's cancel: session/cancel, then the open permission request answers "cancelled"."""

    conn: Any = None

    async def request_permission(
        self, session_id: str, tool_call: Any, options: Any, **kw: Any
    ) -> Any:  # type: ignore[override]
        self.permissions.append((tool_call, options))
        await self.conn.cancel(session_id=session_id)
        return RequestPermissionResponse(outcome=DeniedOutcome(outcome="cancelled"))


async def test_cancel_during_a_permission_request_rejects_and_ends_the_turn(
    cli: Cli, llm: ScriptedLLMServer
) -> None:
    cli.use_server(llm)
    llm.add(Turn(tool_calls=[bash("echo one > a.txt", "call-a")]), Turn(content="Next turn."))
    client = CancellingClient()
    async with acp_agent(cli, *MODEL, client=client) as agent:
        client.conn = agent.conn
        session_id = await started(agent, cli.cwd)
        done = await agent.conn.prompt(session_id=session_id, prompt=[text_block("write")])
        assert done.stop_reason == "cancelled"
        assert len(llm.requests) == 1  # the model was not asked again after the cancel
        await agent.conn.prompt(session_id=session_id, prompt=[text_block("go on")])
    assert not (cli.cwd / "a.txt").exists()
    assert "not run" in tool_results(llm.requests[-1])["call-a"]


async def test_plan_modes_and_slash_commands(cli: Cli, llm: ScriptedLLMServer) -> None:
    cli.use_server(llm)
    todos = [
        {"id": "1", "content": "Load data", "status": "completed"},
        {"id": "2", "content": "Train", "status": "in_progress"},
    ]
    llm.add(
        Turn(tool_calls=[{"id": "p", "name": "plan", "arguments": {"todos": todos}}]),
        Turn(tool_calls=[bash("echo one > a.txt", "call-a")]),
        Turn(content="Planned and written."),
        Turn(content="After the undo."),
    )
    async with acp_agent(cli, *MODEL) as agent:
        session_id = await started(agent, cli.cwd)
        await agent.conn.set_session_mode(session_id=session_id, mode_id="yolo")
        await agent.conn.prompt(session_id=session_id, prompt=[text_block("plan and write")])
        assert not agent.client.permissions  # yolo: nothing asked
        plan = agent.client.of_kind("plan")[-1].entries
        assert [(e.content, e.status) for e in plan] == [
            ("Load data", "completed"),
            ("Train", "in_progress"),
        ]
        assert agent.client.of_kind("tool_call")[0].kind == "think"

        async def command(text: str) -> str:
            before = len(agent.client.of_kind("agent_message_chunk"))
            await agent.conn.prompt(session_id=session_id, prompt=[text_block(text)])
            return "".join(
                u.content.text for u in agent.client.of_kind("agent_message_chunk")[before:]
            )

        status = await command("/status")
        assert session_id in status and "Model: openai/scripted-model" in status
        assert "Not switched" in await command("/model no-such-provider/x")
        assert "Undone: 'plan and write'" in await command("/undo")
        await agent.conn.prompt(session_id=session_id, prompt=[text_block("fresh start")])
    assert user_texts(llm.requests[-1]) == ["fresh start"]
    assert len(llm.requests) == 4  # the commands never reached the model


async def test_a_write_diff_never_shows_a_secret_or_outside_file(
    cli: Cli, llm: ScriptedLLMServer, tmp_path: Path
) -> None:
    """The attack: the model asks to overwrite credential and outside files; the call's diff
    (sent to the editor before anyone approves) must not carry their current content."""
    cli.use_server(llm)
    (cli.cwd / ".env").write_text("API_TOKEN=hunter2-secret-env\n")
    outside = tmp_path / "outside.txt"
    outside.write_text("outside-private-text\n")
    (cli.cwd / "link.txt").symlink_to(outside)
    targets = [".env", str(outside), "link.txt"]
    llm.add(
        Turn(tool_calls=[{"id": f"w{i}", "name": "write", "arguments": {"path": p, "content": "x"}} for i, p in enumerate(targets)]),
        Turn(content="Done."),
    )  # fmt: skip
    client = RecordingClient(choose=lambda _c, _o: "reject")
    async with acp_agent(cli, *MODEL, client=client) as agent:
        session_id = await started(agent, cli.cwd)
        await agent.conn.prompt(session_id=session_id, prompt=[text_block("overwrite")])
    shown = repr(client.updates) + repr(client.permissions)
    assert "hunter2-secret-env" not in shown and "outside-private-text" not in shown
    assert len(client.of_kind("tool_call")) == 3  # the calls were shown, without old text
    assert (cli.cwd / ".env").read_text() == "API_TOKEN=hunter2-secret-env\n"
