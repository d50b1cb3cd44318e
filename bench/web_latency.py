"""Dead seconds in the web page: what a person waits for, measured inside the page.

Starts the real `ml-intern web` on the scripted LLM (loopback), opens it in Debian's chromium
through Playwright and reports: launch to ready (the graph is built at start), Send to the
sent message on screen, Send to a visible "Starting…"/"Working…" state, Send to the first
answer of the server's first run, a click on a thread in the list to its history, and a
model picked in the picker to "Model: ..." (the server's key check and one-token probe).

    uv run python bench/web_latency.py [--rounds 3]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.report import median, print_summary, print_table
from tests.fakes.llm_server import ScriptedLLMServer, Turn
from tests.web.web_harness import free_port, start_web, stop_web, wait_for_ready
from tests.web.web_timings import (
    open_until_shown,
    send_until_shown,
    send_until_status,
    switch_until_done,
)


async def one_round(url: str, llm: ScriptedLLMServer) -> dict[str, float]:
    from playwright.async_api import async_playwright, expect

    llm.add(Turn(content="first answer"), Turn(content="second answer"))
    async with async_playwright() as p:
        browser = await p.chromium.launch(
            executable_path=shutil.which("chromium"), args=["--no-sandbox"]
        )
        page = await browser.new_page()
        await page.goto(f"{url}/")
        await expect(page.get_by_text("What should we work on?")).to_be_visible()
        started = time.monotonic()
        shown = await send_until_shown(page, f"question {started}")
        await expect(page.get_by_text("first answer").last).to_be_visible(timeout=120_000)
        answered = (time.monotonic() - started) * 1000
        await page.get_by_role("button", name="New thread").click()
        status = await send_until_status(page, "another question")
        await expect(page.get_by_text("second answer").last).to_be_visible(timeout=120_000)
        opened = await open_until_shown(page, f"question {started}", "first answer")
        llm.add(Turn(content="OK"))  # the picked model answers its one-token probe
        switched = await switch_until_done(page, f"openai/other-model-{started}")
        await browser.close()
    return {
        "shown": shown,
        "status": status,
        "first_answer": answered,
        "open": opened,
        "model_switch": switched,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    os.environ.setdefault("OPENAI_API_KEY", "sk-bench-not-a-real-key")  # the scripted server's
    rows, ready = [], []
    for n in range(args.rounds):
        with tempfile.TemporaryDirectory() as tmp, ScriptedLLMServer() as llm:
            root = Path(tmp)
            (root / "ws").mkdir()
            launched = time.monotonic()
            proc, out = start_web(
                root / "ws", root / "home", llm.url, root, "--port", str(free_port())
            )
            try:
                wait_for_ready(proc, out)
                ready.append(time.monotonic() - launched)
                url = next(
                    line.split("Open: ")[1].rstrip("/")
                    for line in out.read_text().splitlines()
                    if line.startswith("Open: ")
                )
                rows.append(asyncio.run(one_round(url, llm)))
            finally:
                stop_web(proc)
        print(f"round {n + 1}: ready {ready[-1]:.1f} s, {rows[-1]}", file=sys.stderr)
    keys = ("shown", "status", "first_answer", "open", "model_switch")
    table = [
        [k, round(median([r[k] for r in rows]), 1), round(max(r[k] for r in rows), 1)] for k in keys
    ]
    table.append(["launch to ready (s)", round(median(ready), 2), round(max(ready), 2)])
    print_table(
        "ml-intern web: waits in the page (ms, median and worst)", table, ["wait", "median", "max"]
    )
    print_summary(
        {
            "bench": "web_latency",
            "rounds": args.rounds,
            **{k: median([r[k] for r in rows]) for k in keys},
            "ready_s": median(ready),
        }
    )


if __name__ == "__main__":
    main()
