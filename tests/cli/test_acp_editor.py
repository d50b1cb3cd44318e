"""`ml-intern acp` with an editor's file system: the file tools read and write the editor's
buffers (unsaved text included) inside the workspace, and nothing else ever goes to it."""

from __future__ import annotations

from pathlib import Path

from acp import PROTOCOL_VERSION, text_block
from acp.schema import ClientCapabilities, FileSystemCapabilities

from tests.cli.acp_client import RecordingClient, acp_agent
from tests.cli.conftest import Cli
from tests.fakes.llm_server import ScriptedLLMServer, Turn
from tests.fakes.transcript_checks import tool_results

MODEL = ("--model", "openai/scripted-model")
EDITOR_FS = ClientCapabilities(fs=FileSystemCapabilities(read_text_file=True, write_text_file=True))


def call(call_id: str, name: str, **arguments: object) -> dict:
    return {"id": call_id, "name": name, "arguments": arguments}


async def opened(agent, cwd: Path) -> str:  # type: ignore[no-untyped-def]
    await agent.conn.initialize(protocol_version=PROTOCOL_VERSION, client_capabilities=EDITOR_FS)
    return (await agent.conn.new_session(cwd=str(cwd))).session_id


async def test_only_workspace_files_go_to_the_editor_and_it_serves_unsaved_buffers(
    cli: Cli, llm: ScriptedLLMServer, tmp_path: Path
) -> None:
    """The attack: with every approval granted, the model reads an SSH key, a file outside
    the workspace (directly and through a link) and writes outside; the editor (which would
    serve any path) is never asked about any of them. Inside, the buffer is what counts; then,
    in the same session, a stale buffer and /undo (a_buffer_changed_by_the_user_then_undo)."""
    cli.use_server(llm)
    notes = cli.cwd / "notes.txt"
    notes.write_text("disk-text\n")
    key = tmp_path / ".ssh" / "id_rsa"
    key.parent.mkdir()
    key.write_text("not-a-real-key\n")
    outside = tmp_path / "outside.txt"
    outside.write_text("outside-disk\n")
    (cli.cwd / "link.txt").symlink_to(outside)
    (cli.cwd / ".env").write_text("API_TOKEN=hunter2-env\n")
    client = RecordingClient(choose=lambda _c, _o: "allow")
    client.buffers = {
        str(notes): "buffer-text\n",
        str(key): "EDITOR-KEY-BUFFER\n",
        str(outside): "EDITOR-OUTSIDE-BUFFER\n",
    }
    llm.add(
        Turn(tool_calls=[call("r1", "read", path="notes.txt")]),
        Turn(tool_calls=[call("r2", "read", path="~/.ssh/id_rsa"), call("r3", "read", path="../outside.txt"), call("r4", "read", path="link.txt"), call("r5", "read", path=".env")]),
        Turn(tool_calls=[call("w1", "write", path="../written-outside.txt", content="out\n"), call("w2", "write", path="link.txt", content="via link\n")]),
        Turn(tool_calls=[call("e1", "edit", path="notes.txt", old_str="buffer-text", new_str="edited-text"), call("w3", "write", path="new.txt", content="fresh\n")]),
        Turn(content="Done."),
    )  # fmt: skip
    async with acp_agent(cli, *MODEL, client=client) as agent:
        session_id = await opened(agent, cli.cwd)
        await agent.conn.prompt(session_id=session_id, prompt=[text_block("go")])
        results = tool_results(llm.requests[-1])
        await a_buffer_changed_by_the_user_then_undo(agent, client, session_id, cli, llm)
    assert "buffer-text" in results["r1"] and "disk-text" not in results["r1"]
    assert "EDITOR" not in repr(llm.requests)  # outside and secret files never came from it
    workspace = {str(notes), str(cli.cwd / "new.txt"), str(cli.cwd / "plan.txt")}
    assert {path for _kind, path in client.files} == workspace
    assert ("write", str(notes)) in client.files
    assert client.buffers[str(notes)] == "edited-text\n"  # the edit landed in the buffer
    assert client.buffers[str(cli.cwd / "new.txt")] == "fresh\n"
    assert notes.read_text() == "disk-text\n"  # unsaved: the disk is as it was
    assert not (cli.cwd / "new.txt").exists()
    # approved, outside places go to the disk as in the terminal
    assert (tmp_path / "written-outside.txt").read_text() == "out\n"
    # a link inside the workspace is never followed by the host: the model is given the real
    # path to ask for instead (which the approval then judges as the outside place it is)
    assert outside.read_text() == "outside-disk\n"
    assert "goes through a symlink" in results["w2"] and str(outside) in results["w2"]


async def a_buffer_changed_by_the_user_then_undo(agent, client, session_id, cli, llm) -> None:  # type: ignore[no-untyped-def]
    """Same session, an editor that saves the agent's writes: a buffer the user changed after
    the read is refused until read again; /undo puts back what the editor saved to disk."""
    plan = cli.cwd / "plan.txt"
    plan.write_text("one\n")
    client.saves = True
    llm.add(
        Turn(tool_calls=[call("r6", "read", path="plan.txt")]),
        Turn(content="Read it."),
        Turn(tool_calls=[call("e2", "edit", path="plan.txt", old_str="one", new_str="two")]),
        Turn(tool_calls=[call("r7", "read", path="plan.txt")]),
        Turn(tool_calls=[call("e3", "edit", path="plan.txt", old_str="one", new_str="two")]),
        Turn(content="Edited."),
    )
    await agent.conn.prompt(session_id=session_id, prompt=[text_block("read it")])
    client.buffers[str(plan)] = "one\nuser typed this\n"  # unsaved, after the agent read
    await agent.conn.prompt(session_id=session_id, prompt=[text_block("edit it")])
    results = tool_results(llm.requests[-1])
    assert "changed in the editor since you last read it" in results["e2"]
    assert "user typed this" in results["r7"]
    assert plan.read_text() == "two\nuser typed this\n"  # saved, the user's text kept
    before = len(client.of_kind("agent_message_chunk"))
    await agent.conn.prompt(session_id=session_id, prompt=[text_block("/undo")])
    said = "".join(u.content.text for u in client.of_kind("agent_message_chunk")[before:])
    assert "Undone: 'edit it'" in said
    assert plan.read_text() == "one\n"  # the workspace record saw the editor's save
