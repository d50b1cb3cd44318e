"""CPU per streamed model call: ChatLiteLLM against our own OpenAI-compatible path (issue 35).

The scripted OpenAI-compatible server in its own process answers every request with one tool
call (~80 bytes of arguments, streamed in pieces, then the usage); each client sends the same
short conversation with the catalog's tools bound, through `AgentDeps.chat_model` as a step
does, serially. Batches alternate between the clients; each figure is this process's CPU per
call in one batch (the server excluded), min and median over the batches.

    uv run python bench/model_call.py [--batches 10] [--calls 50] [--steps 0]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.layers import server_process
from bench.report import median, prepare_environment, print_summary, print_table

MODEL = "openai/scripted-model"
CLIENTS = ("litellm", "auto")
ARGUMENTS = {"path": "data/train.csv", "offset": 0, "limit": 200, "why": "look at the columns"}


def conversation(steps: int) -> list[Any]:
    """A short prompt, then `steps` rounds of a `read` call and its 2 kB result."""
    from langchain_core.messages import AIMessage, HumanMessage, SystemMessage, ToolMessage

    prompt: list[Any] = [SystemMessage("You are ml-intern. " * 50), HumanMessage("read it")]
    for i in range(steps):
        call = {"name": "read", "args": ARGUMENTS, "id": f"call_{i}"}
        prompt += [
            AIMessage("", tool_calls=[call]),
            ToolMessage("x" * 2000, tool_call_id=f"call_{i}"),
        ]
    return prompt


def chat_model(client: str, url: str) -> Any:
    from configs.settings import Settings
    from nodes.deps import AgentDeps
    from tools.families import build_catalog

    settings = Settings(model_name=MODEL, api_base=url, model_client=client)
    deps = AgentDeps(settings=settings, catalog=build_catalog(settings), home=Path.cwd())
    return deps.chat_model(MODEL)


async def batch_ms(model: Any, prompt: list[Any], calls: int) -> float:
    """CPU per call over `calls` serial calls."""
    start = time.process_time()
    for _ in range(calls):
        reply = await model.ainvoke(prompt)
        assert reply.tool_calls and reply.usage_metadata, reply
    return (time.process_time() - start) * 1000 / calls


async def measure(url: str, batches: int, calls: int, steps: int) -> dict[str, list[float]]:
    prompt = conversation(steps)
    models = {client: chat_model(client, url) for client in CLIENTS}
    for model in models.values():  # first-use costs (imports, caches) outside the figures
        await batch_ms(model, prompt, 3)
    spent: dict[str, list[float]] = {client: [] for client in CLIENTS}
    for _ in range(batches):
        for client, model in models.items():
            spent[client].append(await batch_ms(model, prompt, calls))
    return spent


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batches", type=int, default=10)
    parser.add_argument("--calls", type=int, default=50)
    parser.add_argument("--steps", type=int, default=0, help="tool rounds already in the thread")
    args = parser.parse_args(argv)
    os.environ["OPENAI_API_KEY"] = "sk-bench"
    load_before = Path("/proc/loadavg").read_text().split()[:3]
    with tempfile.TemporaryDirectory(prefix="ml-intern-bench-") as home:
        prepare_environment(Path(home))
        script = {"default": {"tool_calls": [{"name": "read", "arguments": ARGUMENTS}]}}
        with server_process(Path(home), script) as url:
            spent = asyncio.run(measure(f"{url}/v1", args.batches, args.calls, args.steps))
    load_after = Path("/proc/loadavg").read_text().split()[:3]
    names = {"litellm": "ChatLiteLLM + litellm", "auto": "our path (httpx, orjson)"}
    rows = [[names[c], f"{min(spent[c]):.2f}", f"{median(spent[c]):.2f}"] for c in CLIENTS]
    title = (
        f"CPU ms per streamed call, {args.steps} steps in, {args.batches} batches of {args.calls} "
        f"(load {' '.join(load_before)} -> {' '.join(load_after)})"
    )
    print_table(title, rows, ["client", "min", "median"])
    print_summary(
        {"bench": "model_call", "steps": args.steps, "load": [load_before, load_after], **spent}
    )


if __name__ == "__main__":
    main()
