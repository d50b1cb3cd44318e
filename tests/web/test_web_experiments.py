"""The web page's Experiments pane, end to end: the real server, the scripted LLM launching two
Jobs on the local Hub, a real browser. The table lists both runs as the ledger recorded them,
updates while a job streams, and the chart's canvas holds points for both runs."""

from __future__ import annotations

import re
import threading
import uuid
from collections.abc import Iterator

import httpx
import pytest
from playwright.async_api import Page, expect

from tests.fakes.hub_server import FakeHub, hub_env
from tests.fakes.llm_server import ScriptedLLMServer, Turn
from tests.web.web_harness import module_server, module_workspace, say, script_errors

pytest_plugins = ("tests.web.web_harness",)  # the fixtures: module_web, browser, page

# Counts, per colour, the canvas pixels within a small distance of it (antialiased lines).
COUNT_COLORS = """([canvasSelector, colors]) => {
  const canvas = document.querySelector(canvasSelector);
  const pixels = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
  const counts = colors.map(() => 0);
  for (let i = 0; i < pixels.length; i += 4) {
    if (pixels[i + 3] < 200) continue;
    colors.forEach(([r, g, b], k) => {
      if (Math.abs(pixels[i] - r) + Math.abs(pixels[i + 1] - g) + Math.abs(pixels[i + 2] - b) < 40) counts[k]++;
    });
  }
  return counts;
}"""


@pytest.fixture(scope="module", autouse=True)
def module_hub() -> Iterator[FakeHub]:
    """The local Hub, in the environment before the module's server starts (autouse runs
    first); one server for the module's tests, each in a thread of its own."""
    with pytest.MonkeyPatch.context() as monkeypatch, hub_env(monkeypatch) as hub:
        yield hub


@pytest.fixture
def hub(module_hub: FakeHub) -> FakeHub:
    return module_hub


web, llm = module_server()
workspace = module_workspace()


def trainer_logs(losses: list[float]) -> list[str]:
    lines = ["Installing dependencies", "garbage ::: {{ not a metric"]
    for step, loss in enumerate(losses, 1):
        lines.append(f"{{'loss': {loss}, 'learning_rate': 2e-05, 'epoch': {step / len(losses)}}}")
    return lines


def job(call_id: str, lr: str) -> Turn:
    args = {"operation": "uv", "script": "train.py", "flavor": "t4-small", "wait": True}
    call = {"name": "hf_jobs", "id": call_id, "arguments": {**args, "script_args": ["--lr", lr]}}
    return Turn(tool_calls=[call])


async def rgb_of(page: Page, row: int) -> list[int]:
    color = (
        await page.locator("#experiments tr[data-run] .run-swatch")
        .nth(row)
        .evaluate("node => getComputedStyle(node).backgroundColor")
    )
    return [int(n) for n in re.findall(r"\d+", color)[:3]]


async def fetched(page: Page) -> list[str]:
    """The addresses of what the page has fetched since it was loaded."""
    return await page.evaluate("performance.getEntriesByType('resource').map((e) => e.name)")


@pytest.mark.timeout(300)
async def test_the_pane_charts_both_jobs_of_a_thread_live(
    page: Page, llm: ScriptedLLMServer, hub: FakeHub, workspace
) -> None:
    (workspace / "train.py").write_text("import trl\nprint('training')\n")
    console: list[str] = []
    page.on("console", lambda message: console.append(message.text))
    # The chart library (a third of the page's script) is fetched once the pane is opened.
    assert not any("uPlot.esm.js" in name for name in await fetched(page))
    asked: list[str] = []
    page.on("request", lambda request: asked.append(request.url))
    await page.get_by_role("button", name="Experiments").click()
    pane = page.get_by_role("complementary", name="Experiments")
    await expect(pane).to_contain_text("Start a thread")

    # The first job holds after two of its losses: the pane shows it running, with points,
    # before it ends; then the test lets it finish.
    gate = threading.Event()
    hub.job_line_delay, hub.job_hold = 0.05, (gate, 4)
    hub.job_logs = trainer_logs([2.0, 1.6, 1.3, 1.1, 1.0, 0.9])
    llm.add(job("j1", "1e-4"), Turn(content="first run done"))
    await say(page, "train with lr 1e-4")
    await page.get_by_role("button", name="Approve").click()
    status = pane.locator("tr[data-run] .run-status")
    await expect(status).to_have_text(["running"])
    await expect(pane.locator("#experiment-chart canvas").first).to_be_attached()
    assert any("uPlot.esm.js" in url for url in asked)
    await expect(pane.locator("tr[data-run] .run-final")).to_contain_text(["loss"])
    await expect(status).to_have_text(["running"])  # still running: its points came live
    gate.set()
    hub.job_hold = None
    await expect(page.get_by_text("first run done")).to_be_visible()
    await expect(status).to_have_text(["completed"])
    await expect(pane.locator("tr[data-run] .run-final")).to_have_text(["loss 0.9"])

    hub.job_logs = trainer_logs([1.8, 1.2, 0.7, 0.5])
    llm.add(job("j2", "3e-4"), Turn(content="second run done"))
    await say(page, "now lr 3e-4")
    await page.get_by_role("button", name="Approve").click()
    await expect(page.get_by_text("second run done")).to_be_visible()
    await expect(status).to_have_text(["completed", "completed"])
    await expect(pane.locator("tr[data-run] .run-final")).to_have_text(["loss 0.9", "loss 0.5"])
    await expect(pane.locator("tr[data-run] td").nth(4)).to_have_text(re.compile(r"^\$0\.0"))
    await expect(pane.locator(".u-legend")).to_contain_text("2. train.py on t4-small")
    await expect(pane.get_by_label("Metric")).to_have_value("loss")

    canvas = "#experiment-chart canvas"
    colors = [await rgb_of(page, 0), await rgb_of(page, 1)]
    assert colors[0] != colors[1]
    counts = await page.evaluate(COUNT_COLORS, [canvas, colors])
    assert all(count > 30 for count in counts), counts  # both runs drawn: lines and points

    # Unticking the first run leaves only the second run's colour on the chart.
    await pane.get_by_label("Chart 1. train.py on t4-small").uncheck()
    await expect(pane.locator(".u-legend")).not_to_contain_text("1. train.py")
    counts = await page.evaluate(COUNT_COLORS, [canvas, colors])
    assert counts[0] == 0 and counts[1] > 30, counts
    assert script_errors(page) == []
    assert not [line for line in console if "Content Security Policy" in line], console


def test_the_route_answers_404_for_an_unknown_or_malformed_thread(web: str) -> None:
    for thread in (str(uuid.uuid4()), "not-a-thread"):
        answer = httpx.get(f"{web}/web/threads/{thread}/experiments", trust_env=False)
        assert answer.status_code == 404 and "No such thread" in answer.json()["detail"]


def test_the_answer_carries_points_only_for_the_runs_charted(tmp_path) -> None:
    """A thread of many runs: every run's summary, one metric's points for the latest
    CHART_RUNS (or those asked for), so polling stays small."""
    from serve.web_experiments import CHART_RUNS, runs_with_points
    from store.experiments import Experiment, Ledger, experiment_id

    db, count = tmp_path / "threads.sqlite", CHART_RUNS + 5
    series = {"loss": {"points": [[0.0, 2.0], [1.0, 1.0]]}, "acc": {"points": [[1.0, 0.5]]}}
    with Ledger(db) as ledger:
        for i in range(count):
            main = "acc" if i == count - CHART_RUNS else "loss"
            ledger.save(Experiment(id=experiment_id("t", f"c{i}"), thread_id="t", call_id=f"c{i}",
                                   kind="hf_job", started_at=float(i),
                                   metrics={"main": main, "series": series}))  # fmt: skip
    calls = [f"c{i}" for i in range(count)]
    answer = runs_with_points(db, "t", calls, None, None)
    charted = ["points" in r["metrics"]["series"]["acc"] for r in answer["experiments"]]
    assert answer["metric"] == "acc"  # the first charted run's main metric
    assert charted == [False] * 5 + [True] * CHART_RUNS
    first = answer["experiments"][0]["id"]
    asked = runs_with_points(db, "t", calls, "loss", [first])
    assert ["points" in r["metrics"]["series"]["loss"] for r in asked["experiments"]] == [True] + [
        False
    ] * (count - 1)
