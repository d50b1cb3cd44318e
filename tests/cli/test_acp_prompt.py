"""What an editor's prompt blocks become for the model: images for a model that takes them
(else a clear refusal), attached and linked files capped and masked, checked at the model."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from acp import (
    PROTOCOL_VERSION,
    RequestError,
    embedded_text_resource,
    image_block,
    resource_block,
    resource_link_block,
    text_block,
)

from tests.cli.acp_client import RecordingClient, acp_agent
from tests.cli.conftest import Cli
from tests.cli.test_acp_editor import EDITOR_FS, MODEL
from tests.fakes.llm_server import ScriptedLLMServer, Turn

PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
TOKEN = "hf_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789"


def user_blocks(request: dict) -> list[dict]:
    """The content blocks of the request's user messages (a string counts as one text block)."""
    blocks: list[dict] = []
    for message in request["messages"]:
        if message["role"] == "user":
            content = message["content"]
            blocks += [{"type": "text", "text": content}] if isinstance(content, str) else content
    return blocks


async def test_images_reach_a_model_that_takes_them_and_attachments_are_capped_and_masked(
    cli: Cli, llm: ScriptedLLMServer, tmp_path: Path
) -> None:
    cli.use_server(llm)
    config = tmp_path / "config.json"
    config.write_text(json.dumps({"takes_images": {"openai/scripted-model": True}}))
    notes = cli.cwd / "notes.txt"
    notes.write_text("disk notes\n")
    outside = tmp_path / "outside.txt"
    outside.write_text("outside-private\n")
    client = RecordingClient()
    client.buffers[str(notes)] = "buffer notes, unsaved\n"
    llm.add(Turn(content="Seen."))
    async with acp_agent(cli, *MODEL, "--config", str(config), client=client) as agent:
        init = await agent.conn.initialize(
            protocol_version=PROTOCOL_VERSION, client_capabilities=EDITOR_FS
        )
        offered = init.agent_capabilities.prompt_capabilities
        assert offered.image is True and offered.embedded_context is True
        session_id = (await agent.conn.new_session(cwd=str(cli.cwd))).session_id
        big = f"token {TOKEN}\n" + "x" * 300_000
        prompt = [
            text_block("look at these"),
            image_block(PNG, "image/png"),
            resource_block(embedded_text_resource("file:///big.log", big)),
            resource_link_block("notes.txt", notes.as_uri()),
            resource_link_block("outside.txt", outside.as_uri()),
        ]
        done = await agent.conn.prompt(session_id=session_id, prompt=prompt)
        assert done.stop_reason == "end_turn"
        # a model without vision: the image is refused, and says what to do
        await agent.conn.prompt(session_id=session_id, prompt=[text_block("/model openai/plain")])
        with pytest.raises(RequestError, match=r"openai/plain does not take images.*takes_images"):
            await agent.conn.prompt(session_id=session_id, prompt=[image_block(PNG, "image/png")])
    blocks = user_blocks(llm.requests[0])
    assert {"type": "image_url", "image_url": {"url": f"data:image/png;base64,{PNG}"}} in blocks
    text = "".join(b.get("text", "") for b in blocks)
    assert "buffer notes, unsaved" in text and "disk notes" not in text  # the editor's buffer
    assert TOKEN not in text and "[REDACTED:hf-token]" in text
    assert "100,0" in text.split("more characters not attached")[0][-20:]
    assert "outside-private" not in text and f"[outside.txt]({outside.as_uri()})" in text
    assert len(llm.requests) == 1
