"""The web page's Undo puts the files back (or, with "keep files", only the words)."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.async_api import Page, expect

from tests.fakes.llm_server import ScriptedLLMServer, Turn
from tests.web.web_harness import bash, say

pytest_plugins = ("tests.web.web_harness",)  # the fixtures: web, browser, page


@pytest.mark.timeout(240)
async def test_undo_in_the_page_restores_files_and_keep_files_does_not(
    page: Page, llm: ScriptedLLMServer, workspace: Path
) -> None:
    (workspace / "config.txt").write_text("lr=1e-4\n")
    llm.add(
        Turn(tool_calls=[bash("w1", "echo lr=1 > config.txt && echo x > made.txt")]),
        Turn(content="Changed the config."),
    )
    await say(page, "change the config")
    await page.get_by_role("button", name="Approve").click()
    await expect(page.get_by_text("Changed the config.")).to_be_visible()
    assert (workspace / "config.txt").read_text() == "lr=1\n"

    await page.get_by_role("button", name="Undo").click()
    status = page.get_by_role("status")
    await expect(status).to_contain_text("Files put back: 1 restored, 1 removed.")
    assert (workspace / "config.txt").read_text() == "lr=1e-4\n"
    assert not (workspace / "made.txt").exists()

    # With "keep files" ticked, the words go back and the files stay.
    llm.add(Turn(tool_calls=[bash("w2", "echo kept > kept.txt")]), Turn(content="Made it."))
    await say(page, "make kept.txt")
    await page.get_by_role("button", name="Approve").click()
    await expect(page.get_by_text("Made it.")).to_be_visible()
    await page.get_by_label("keep files").check()
    await page.get_by_role("button", name="Undo").click()
    await expect(status).to_contain_text("Files were left as they are.")
    await expect(page.get_by_text("Made it.")).to_have_count(0)
    assert (workspace / "kept.txt").read_text() == "kept\n"
