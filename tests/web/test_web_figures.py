"""A python result's figure in the web page: chromium shows it inline in the tool card, and
the figure route it comes from serves that image only (the attacks first: a path out of the
folder, the figure swapped for a symlink to a file outside the workspace or to a credential
file, a page under an image's name, a figure the thread never made, a thread that is not
one)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.async_api import Page, expect

from tests.fakes.llm_server import ScriptedLLMServer, Turn
from tests.web.web_harness import (
    say,
    script_errors,
    web_with,
)

pytest_plugins = ("tests.web.web_harness",)  # browser, page (on the `web` below)

PLOT = "from PIL import Image\nImage.new('RGB', (300, 200), (200, 30, 30))"
PNG = b"\x89PNG\r\n\x1a\n"
# Waits for the image to load and decode (rejects if it cannot): visible is not yet loaded.
LOADED = "img => img.decode().then(() => img.naturalWidth)"


@pytest.fixture
def web(
    llm: ScriptedLLMServer, isolated_home: Path, workspace: Path, tmp_path: Path
) -> Iterator[str]:
    """`ml-intern web` in yolo: the python call runs without an approval."""
    yolo = {"approval": {"yolo": True}}
    with web_with(yolo, llm.url, isolated_home, workspace, tmp_path) as url:
        yield url


def attacks(figures: Path, name: str, outside: Path) -> Iterator[tuple[str, str]]:
    """Each attack's description, after setting the figure folder up for it."""
    real = (figures / name).read_bytes()
    target = figures / name
    target.unlink()
    target.symlink_to(outside)
    yield "the figure swapped for a symlink out of the workspace", name
    target.unlink()
    target.symlink_to(figures.parents[1] / ".env")
    yield "the figure swapped for a symlink to the workspace's .env", name
    target.unlink()
    target.write_bytes(b"<html><script>alert(1)</script></html>")
    yield "a page under the figure's name", name
    target.write_bytes(real)
    (figures / "0123456789-1.png").write_bytes(real)
    yield "a figure the thread never made", "0123456789-1.png"
    yield "a path out of the folder", "..%2F..%2F.env"
    yield "a path out of the folder, dotted", "%2e%2e%2f%2e%2e%2foutside.png"


@pytest.mark.timeout(240)
async def test_the_page_shows_a_python_figure_and_its_route_serves_nothing_else(
    page: Page, web: str, llm: ScriptedLLMServer, workspace: Path, tmp_path: Path
) -> None:
    code = {"name": "python", "id": "p1", "arguments": {"code": PLOT}}
    llm.add(Turn(tool_calls=[code]), Turn(content="Here is the plot."))
    await say(page, "plot something")
    await expect(page.get_by_text("Here is the plot.")).to_be_visible()
    await page.locator("details.tool[data-call=p1] summary").click()
    image = page.locator("details.tool[data-call=p1] img.figure")
    await expect(image).to_be_visible()
    assert await image.evaluate(LOADED) == 300  # the browser decoded the PNG itself
    source = str(await image.get_attribute("src"))
    thread, name = source.split("/")[3], source.rsplit("/", 1)[1]
    assert not script_errors(page)

    secret = "TOPSECRET-figure-7d1c"
    outside = tmp_path / "outside.png"
    outside.write_bytes(PNG + secret.encode())
    (workspace / ".env").write_bytes(PNG + f"HF_TOKEN={secret}".encode())
    figures = workspace / ".ml-intern" / "figures"
    route = f"{web}/web/threads/{thread}/figures/"
    with httpx.Client(trust_env=False) as client:
        for what, asked in attacks(figures, name, outside):
            response = client.get(route + asked)
            assert response.status_code == 404 and secret not in response.text, what
            assert b"<script>" not in response.content, what
        stray = client.get(f"{web}/web/threads/{uuid.uuid4()}/figures/{name}")
        assert stray.status_code == 404
        assert client.get(f"{web}/web/threads/not-a-thread/figures/{name}").status_code == 404
        served = client.get(route + name)
    assert served.status_code == 200 and served.content.startswith(PNG)
    assert served.headers["content-type"] == "image/png"
    assert served.headers["x-content-type-options"] == "nosniff"
