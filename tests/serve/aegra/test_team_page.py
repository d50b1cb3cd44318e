"""The web page on the team server: the page of one replica asks an approval, shows the
answer, undoes the turn with its files, and a thread made on the other replica is listed;
the experiments ledger answers for the thread. Debian's chromium, driven by Playwright.
"""

from __future__ import annotations

import pytest
from playwright.async_api import expect

from tests.fakes.llm_server import Turn
from tests.serve.aegra.conftest import Team
from tests.web.web_harness import Chromium, bash, open_page, say, script_errors

pytestmark = pytest.mark.timeout(300)
pytest_plugins = ("tests.web.web_harness",)  # the fixture: chromium


async def test_the_page_runs_approves_and_undoes_on_the_team_server(
    chromium: Chromium, team: Team
) -> None:
    (a, b), llm, workspace = team.replicas, team.llm, team.workspace
    (workspace / "config.txt").write_text("lr=1e-4\n")
    llm.add(
        Turn(tool_calls=[bash("w1", "echo lr=1 > config.txt && echo x > made.txt")]),
        Turn(content="Changed the config."),
    )
    async with chromium() as browser:
        page = await open_page(browser, f"{a.base_url}/")
        await say(page, "change the config")
        await page.get_by_role("button", name="Approve").click()
        await expect(page.get_by_text("Changed the config.")).to_be_visible()
        assert (workspace / "config.txt").read_text() == "lr=1\n"

        await page.get_by_role("button", name="Undo").click()
        status = page.get_by_role("status")
        await expect(status).to_contain_text("Files put back: 1 restored, 1 removed.")
        assert (workspace / "config.txt").read_text() == "lr=1e-4\n"
        assert not (workspace / "made.txt").exists()

        made = b.post("/threads", json={"metadata": {"title": "made on the other replica"}})
        assert made.status_code == 200, made.text
        await page.reload()
        await expect(page.get_by_text("made on the other replica")).to_be_visible()
        ledger = b.get(f"/web/threads/{made.json()['thread_id']}/experiments")
        assert ledger.status_code == 200, ledger.text
        assert script_errors(page) == []
