"""A `python` figure reaches a model that takes images as an image block, scaled to the
budget, and a model that does not as its path only: through the OpenAI-shaped API (a user
message after the results) and the Anthropic one (inside the tool result)."""

from __future__ import annotations

import base64
import io
import json
from pathlib import Path
from typing import Any

from PIL import Image

from nodes.tool_images import MAX_SIDE
from tests.fakes.agent import collect, fast_settings, open_session
from tests.fakes.anthropic_server import ScriptedAnthropicServer
from tests.fakes.anthropic_server import tool_results as claude_results
from tests.fakes.llm_server import ScriptedLLMServer, Turn
from tests.fakes.transcript_checks import tool_results
from tests.graph.test_anthropic_provider import MODEL as CLAUDE
from tests.graph.test_anthropic_provider import claude  # noqa: F401 - the Anthropic fake

PLOT = "from PIL import Image\nImage.new('RGB', (2000, 1000), 'red')"


def python(call_id: str, code: str) -> dict[str, object]:
    return {"name": "python", "id": call_id, "arguments": {"code": code}}


def image_of(url: str) -> Image.Image:
    head, data = url.split(",", 1)
    assert head in ("data:image/png;base64", "data:image/jpeg;base64")
    return Image.open(io.BytesIO(base64.b64decode(data)))


def figure_path(result: str) -> str:
    return result.split("[image saved to ")[1].split("]")[0]


async def test_a_figure_goes_to_a_vision_model_as_an_image_and_to_a_text_model_as_a_path(
    llm: ScriptedLLMServer, workspace: Path
) -> None:
    llm.add(Turn(tool_calls=[python("p1", PLOT)]), Turn(content="a red box"), Turn(content="ok"))
    vision = fast_settings(llm.url, takes_images={"openai/scripted-model": True})
    async with open_session(vision, workspace, mode="headless", thread_id="t-img") as session:
        await collect(session.send("plot it"))
    sent = llm.requests[1]["messages"]
    at = next(i for i, m in enumerate(sent) if m["role"] == "tool")
    assert (workspace / figure_path(sent[at]["content"])).is_file()
    after = sent[at + 1]  # the tool message stays text; the image follows it
    assert after["role"] == "user" and "Images from tool call p1" in after["content"][0]["text"]
    image = image_of(after["content"][1]["image_url"]["url"])
    assert image.size == (MAX_SIDE, MAX_SIDE // 2)  # 2000 x 1000, scaled to fit

    async with open_session(fast_settings(llm.url), workspace, thread_id="t-img") as session:
        await collect(session.send("and now?"))
    again = llm.requests[2]
    assert "image_url" not in json.dumps(again)
    assert figure_path(tool_results(again)["p1"]).startswith(".ml-intern/figures/")


async def test_an_anthropic_model_gets_the_figure_inside_the_tool_result(
    claude: ScriptedAnthropicServer,  # noqa: F811 - the fixture imported above
    workspace: Path,
) -> None:
    claude.add(Turn(tool_calls=[python("toolu_p1", PLOT)]), Turn(content="a red box"))
    settings = fast_settings(claude.url, model_name=CLAUDE)
    async with open_session(settings, workspace, mode="headless") as session:
        await collect(session.send("plot it"))
    second = claude.requests[1]
    result = next(
        block
        for message in second["messages"]
        for block in (message["content"] if isinstance(message["content"], list) else [])
        if block.get("type") == "tool_result"
    )
    kinds: list[Any] = [block["type"] for block in result["content"]]
    assert kinds == ["text", "image"]
    source = result["content"][1]["source"]
    url = f"data:{source['media_type']};base64,{source['data']}"
    assert image_of(url).size == (MAX_SIDE, MAX_SIDE // 2)
    assert "image saved to .ml-intern/figures/" in claude_results(second)["toolu_p1"]
