"""What each layer under the agent costs per model request: the floor the architecture has.

The scripted OpenAI-compatible server in its own process, the same conversation (N steps of a
`read` returning K bytes) sent by each layer in turn, this process's CPU per request (its
helper threads included, the server's excluded): a stdlib `urllib` loop; `litellm.acompletion` with the catalog's tools;
LangChain's `ChatLiteLLM` (bound to those tools, through our `AgentDeps.chat_model`, the
OpenAI fast path installed). `bench/provider_path.py` measures the whole CLI on top (LangGraph,
our nodes, the checkpoint writes, the masking).

    uv run python bench/layers.py [--steps 300] [--bytes 20000] [--repeats 5]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.report import ROOT, median, prepare_environment, print_summary, print_table

MODEL = "openai/scripted-model"


def history(steps: int, size: int) -> list[dict[str, Any]]:
    """The OpenAI-format conversation after `steps` read calls."""
    text = ("x" * 99 + "\n") * (size // 100)
    messages: list[dict[str, Any]] = [
        {"role": "system", "content": "You are a helpful assistant. " * 300},
        {"role": "user", "content": "read data.txt again and again"},
    ]
    for i in range(1, steps + 1):
        call = {"id": f"call_{i}", "type": "function"}
        call["function"] = {"name": "read", "arguments": json.dumps({"path": "data.txt"})}
        messages += [
            {"role": "assistant", "content": "", "tool_calls": [call]},
            {"role": "tool", "tool_call_id": f"call_{i}", "content": text},
        ]
    return messages


def as_langchain(messages: list[dict[str, Any]]) -> list[Any]:
    from langchain_core.messages import convert_to_messages

    return convert_to_messages(messages)


def post(url: str, body: str | bytes) -> None:
    """The floor: one blocking stdlib request, its reply parsed."""
    data = body.encode() if isinstance(body, str) else body
    headers = {"Content-Type": "application/json", "Authorization": "Bearer sk-bench"}
    request = urllib.request.Request(f"{url}/chat/completions", data, headers)
    with urllib.request.urlopen(request, timeout=60) as response:
        json.load(response)


async def cpu_ms(send: Callable[[], Awaitable[Any]], repeats: int) -> float:
    """Median process CPU of one request (after one unmeasured, for first-use caches)."""
    await send()
    spent = []
    for _ in range(repeats):
        start = time.process_time()
        await send()
        spent.append((time.process_time() - start) * 1000)
    return median(spent)


@contextmanager
def server_process(tmp: Path, turns: dict[str, Any] | None = None) -> Iterator[str]:
    """The scripted server in a child process, answering every request with `turns`'s
    default (by default a `read` call)."""
    call = {"name": "read", "id": "c", "arguments": {"path": "data.txt"}}
    script, port_file = tmp / "script.json", tmp / "port"
    script.write_text(json.dumps(turns or {"default": {"tool_calls": [call]}}))
    argv = [sys.executable, "-m", "tests.fakes.llm_server", "--script", str(script)]
    server = subprocess.Popen([*argv, "--port-file", str(port_file)], cwd=ROOT)
    try:
        while not port_file.exists():
            if server.poll() is not None:
                raise RuntimeError("the scripted server did not start")
            time.sleep(0.05)
        yield f"http://127.0.0.1:{port_file.read_text()}"
    finally:
        server.terminate()
        server.wait()


async def measure(url: str, steps: int, size: int, repeats: int) -> dict[str, float]:
    import litellm

    from configs.settings import Settings
    from nodes.deps import AgentDeps
    from tools.families import build_catalog

    settings = Settings(model_name=MODEL, api_base=url, stream=False)
    deps = AgentDeps(settings=settings, catalog=build_catalog(settings), home=Path.cwd())
    model = deps.chat_model(MODEL)  # installs the fast path and litellm's settings
    tools = [t for t in model.kwargs.get("tools", [])]
    messages = history(steps, size)
    lc_messages = as_langchain(messages)
    body = json.dumps({"model": "scripted-model", "messages": messages, "tools": tools}).encode()

    async def stdlib() -> None:
        post(url, body)

    async def stdlib_encoding() -> None:
        post(url, json.dumps({"model": "scripted-model", "messages": messages, "tools": tools}))

    async def bare_litellm() -> None:
        await litellm.acompletion(
            model=MODEL, api_base=url, api_key="sk-bench", messages=messages, tools=tools
        )

    async def chat_model() -> None:
        await model.ainvoke(lc_messages)

    return {
        "stdlib_ms": await cpu_ms(stdlib_encoding, repeats),
        "stdlib_pre_encoded_ms": await cpu_ms(stdlib, repeats),
        "litellm_ms": await cpu_ms(bare_litellm, repeats),
        "chat_litellm_ms": await cpu_ms(chat_model, repeats),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--bytes", type=int, default=20_000)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="ml-intern-bench-") as home:
        prepare_environment(Path(home))
        with server_process(Path(home)) as url:
            figures = {
                label: asyncio.run(measure(url, n, args.bytes, args.repeats))
                for label, n in (("early", 5), ("late", args.steps))
            }
    rows = [
        [layer, f"{figures['early'][key]:.1f}", f"{figures['late'][key]:.1f}"]
        for layer, key in (
            ("stdlib urllib, body encoded per request", "stdlib_ms"),
            ("stdlib urllib, body encoded once", "stdlib_pre_encoded_ms"),
            ("litellm.acompletion", "litellm_ms"),
            ("ChatLiteLLM (LangChain), our fast path", "chat_litellm_ms"),
        )
    ]
    title = f"CPU ms per request (process CPU, server excluded, median of {args.repeats})"
    print_table(title, rows, ["layer", "5 steps", f"{args.steps} steps"])
    print_summary({"bench": "layers", "steps": args.steps, **figures})


if __name__ == "__main__":
    main()
