"""What the runtime note's place costs in prompt-cache reuse, on the scripted server.

    uv run python bench/note_placement.py

One headless turn of six tool calls (bash, then five reads) against the scripted
OpenAI-compatible server, once with the note after the history (the large-window placement)
and once just before the user's message (the small-window placement). For each request after
the first it prints how many characters of the request (its messages as JSON) are *not* a
common prefix with the previous request: what a prefix cache such as llama.cpp's must process
again. (The two runs also differ in system prompt and tools, which are the same from request to
request within a run and so never re-processed; hence absolute numbers, not shares.)
"""

from __future__ import annotations

import asyncio
import itertools
import json
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.report import print_summary

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

MODEL = "llamacpp/bench"
STEPS = 6


def common_prefix(a: str, b: str) -> int:
    n = min(len(a), len(b))
    i = 0
    while i < n and a[i] == b[i]:
        i += 1
    return i


async def turn(small: bool) -> list[int]:
    from graph.session import Session
    from tests.fakes.agent import collect, fast_settings
    from tests.fakes.llm_server import ScriptedLLMServer, Turn

    with tempfile.TemporaryDirectory() as tmp, ScriptedLLMServer() as llm:
        workspace = Path(tmp) / "ws"
        workspace.mkdir()
        for i in range(STEPS):
            (workspace / f"f{i}.txt").write_text(f"file {i}\n" * 50)
        os.environ["LLAMACPP_BASE_URL"] = llm.url
        os.environ["ML_INTERN_HOME"] = str(Path(tmp) / "home")
        calls = [Turn(tool_calls=[{"name": "bash", "arguments": {"command": "ls"}}])]
        calls += [
            Turn(tool_calls=[{"name": "read", "arguments": {"path": f"f{i}.txt"}}])
            for i in range(STEPS - 1)
        ]
        llm.add(*calls, Turn(content="done"))
        settings = fast_settings(None, model_name=MODEL, small_window={MODEL: small})
        async with Session.open(settings, workspace=workspace, mode="headless") as session:
            await collect(session.send("Look at every file and tell me what they hold."))
        texts = [json.dumps(r["messages"]) for r in llm.requests]
    return [len(b) - common_prefix(a, b) for a, b in itertools.pairwise(texts)]


def main() -> None:
    summary: dict[str, object] = {"bench": "note_placement"}
    places = (
        ("after_history", "note after the history"),
        ("before_question", "note before the question"),
    )
    for (key, label), small in zip(places, (False, True), strict=True):
        fresh = asyncio.run(turn(small))
        listed = " ".join(str(n) for n in fresh)
        print(f"{label:<25} characters processed again per request: {listed} (sum {sum(fresh)})")
        summary[f"{key}_chars_again"] = sum(fresh)
    print_summary(summary)


if __name__ == "__main__":
    main()
