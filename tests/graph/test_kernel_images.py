"""A `python` figure reaches a model that takes images as an image block, scaled to the
budget, and a model that does not as its path only: through the OpenAI-shaped API (a user
message after the results) and the Anthropic one (inside the tool result)."""

from __future__ import annotations

import base64
import io
import json
from pathlib import Path
from typing import Any

import nbformat
import pytest
from PIL import Image

from nodes.tool_images import MAX_SIDE
from tests.fakes.agent import collect, fast_settings, open_session
from tests.fakes.anthropic_server import ScriptedAnthropicServer
from tests.fakes.anthropic_server import tool_results as claude_results
from tests.fakes.llm_server import ScriptedLLMServer, Turn
from tests.fakes.tool_calls import call_tool
from tests.fakes.transcript_checks import tool_results
from tests.graph.test_anthropic_provider import MODEL as CLAUDE
from tests.graph.test_anthropic_provider import claude  # noqa: F401 - the Anthropic fake
from tools.kernel.notebook import notebook_spec
from tools.kernel.pool import KernelPool

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


# A cell that shows a PNG carrying the token in tEXt, zTXt and iTXt chunks (and in the
# display's metadata), and a JPEG carrying it in EXIF and a comment.
LEAKY = """
import base64, io, os
from IPython.display import display
from PIL import Image, PngImagePlugin
token = os.environ["HF_TOKEN"]
info = PngImagePlugin.PngInfo()
info.add_text("Comment", token)
info.add_text("Zipped", token, zip=True)
info.add_itxt("International", token, zip=True)
png, jpg = io.BytesIO(), io.BytesIO()
Image.new("RGB", (40, 30), "red").save(png, "PNG", pnginfo=info)
exif = Image.Exif()
exif[0x010E] = token  # ImageDescription
Image.new("RGB", (40, 30), "blue").save(jpg, "JPEG", exif=exif, comment=token)
show = lambda kind, data: display({kind: base64.b64encode(data).decode()}, raw=True,
                                  metadata={kind: {"alt": token}})
show("image/png", png.getvalue())
show("image/jpeg", jpg.getvalue())
"""
TOKEN = "hf_" + "Lk9" * 12


def carries(data: bytes, token: str) -> bool:
    """Whether an image holds `token` anywhere: its bytes, its text chunks (zTXt and iTXt
    decompressed), its EXIF or its comment."""
    if token.encode() in data:
        return True
    with Image.open(io.BytesIO(data)) as image:
        return token in repr(image.info) + repr(dict(image.getexif()))


async def test_text_chunks_exif_and_display_metadata_never_reach_the_model_or_the_files(
    llm: ScriptedLLMServer, workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HF_TOKEN", TOKEN)
    llm.add(Turn(tool_calls=[python("p1", LEAKY)]), Turn(content="two boxes"))
    vision = fast_settings(llm.url, takes_images={"openai/scripted-model": True})
    async with open_session(vision, workspace, mode="headless", thread_id="t-leak") as session:
        await collect(session.send("show them"))
    sent = llm.requests[1]["messages"]
    urls = [
        block["image_url"]["url"]
        for message in sent
        if isinstance(message["content"], list)
        for block in message["content"]
        if block.get("type") == "image_url"
    ]
    assert len(urls) == 2
    for url in urls:
        assert not carries(base64.b64decode(url.split(",", 1)[1]), TOKEN)
    figures = [p for p in (workspace / ".ml-intern" / "figures").iterdir() if p.suffix != ""]
    assert sorted(p.suffix for p in figures) == [".jpg", ".png"]
    for figure in figures:
        assert not carries(figure.read_bytes(), TOKEN), figure.name
    assert TOKEN not in json.dumps(llm.requests[1])

    # The notebook tool writes the same outputs into the .ipynb: pictures and metadata too.
    spec = notebook_spec(KernelPool())
    try:
        for args in ({"action": "insert", "source": LEAKY}, {"action": "run"}):
            await call_tool(spec.tool, {"path": "leak.ipynb", **args}, workspace)
    finally:
        assert spec.close is not None
        await spec.close()
    on_disk = (workspace / "leak.ipynb").read_text()
    assert TOKEN not in on_disk
    outputs = nbformat.read(str(workspace / "leak.ipynb"), as_version=4).cells[0].outputs
    pictures = [o["data"][k] for o in outputs for k in o["data"] if k.startswith("image/")]
    assert len(pictures) == 2
    for picture in pictures:
        assert not carries(base64.b64decode(picture), TOKEN)
