"""CPU of the OpenAI-compatible model client: ours against langchain-openai's ChatOpenAI (issue 63).

One run, side by side: each client in a process of its own, against the scripted
OpenAI-compatible server (its own process) answering at once or after 1 s. Each client binds
the catalog's tools and streams, as a step does, and is measured two ways:
- per call: `--calls` calls of a short conversation (after 3 calls outside the figures);
- per thread: `--steps` steps of one growing conversation, each the model's `read` call and
  a `--bytes` result, as `bench/provider_path.py` sends; CPU of each step's call, the whole
  thread's, and its first and last 10 steps.

The clients: `ours` (models/openai_chat.py, chosen by AgentDeps as a step does), `chatopenai`
(`ChatOpenAI(base_url=...)` as shipped), `chatopenai+sdk` (the same with ml-intern's openai SDK
fast path installed, compat/openai_sdk.py) and `litellm` (ChatLiteLLM with its patches).
Figures are CPU time (user + system of the client's process, `time.process_time`), not wall:
the machine is shared and its wall clock is noisy.

    uv run python bench/openai_client.py [--steps 300] [--bytes 20000] [--calls 50]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.layers import server_process
from bench.report import ROOT, median, prepare_environment, print_summary, print_table

MODEL = "openai/scripted-model"
CLIENTS = ("ours", "chatopenai", "chatopenai+sdk", "litellm")
LATENCIES = (0.0, 1.0)
ARGUMENTS = {"path": "data/train.csv", "offset": 0, "limit": 200}


def model_for(client: str, url: str) -> Any:
    """`client`'s chat model with the catalog's tools bound, as a step gets it."""
    from configs.settings import Settings
    from nodes.deps import AgentDeps
    from tools.families import build_catalog

    choice = "litellm" if client == "litellm" else "auto"
    settings = Settings(model_name=MODEL, api_base=url, model_client=choice)
    deps = AgentDeps(settings=settings, catalog=build_catalog(settings), home=Path.cwd())
    if client in ("ours", "litellm"):
        return deps.chat_model(MODEL)
    from langchain_openai import ChatOpenAI

    if client == "chatopenai+sdk":
        from compat import openai_sdk

        assert openai_sdk.install(), "the openai SDK fast path did not install"
    model = ChatOpenAI(
        model="scripted-model",
        base_url=url,
        api_key="sk-bench-not-a-real-key",  # type: ignore[arg-type]
        streaming=True,
        stream_usage=True,
        max_retries=0,
        timeout=600,
    )
    return model.bind_tools(deps.catalog.tools)


def opening() -> list[Any]:
    from langchain_core.messages import HumanMessage, SystemMessage

    return [SystemMessage("You are ml-intern. " * 50), HumanMessage("read the data, then answer")]


async def child(client: str, url: str, calls: int, steps: int, size: int) -> dict[str, Any]:
    """The figures of one client, in this process (CPU ms)."""
    return await client_figures(model_for(client, url), calls, steps, size)


async def client_figures(model: Any, calls: int, steps: int, size: int) -> dict[str, Any]:
    """CPU ms of `model` (a chat model whose server answers each call with a `read`): a short
    call, then each step of one growing thread of `size`-byte results. Also bench/anthropic_client."""
    from langchain_core.messages import ToolMessage

    short = opening()
    for _ in range(3):  # imports, connections, caches: outside the figures
        await model.ainvoke(short)
    start = time.process_time()
    for _ in range(calls):
        reply = await model.ainvoke(short)
        assert reply.tool_calls and reply.usage_metadata, reply
    per_call = (time.process_time() - start) * 1000 / calls
    prompt, spent = opening(), []
    for i in range(steps):
        start = time.process_time()
        reply = await model.ainvoke(prompt)
        spent.append((time.process_time() - start) * 1000)
        call = reply.tool_calls[0]
        prompt += [reply, ToolMessage("x" * size, tool_call_id=call["id"] or f"c{i}")]
    return {
        "per_call_ms": per_call,
        "thread_s": sum(spent) / 1000,
        "step_ms": sum(spent) / max(1, len(spent)),
        "early_step_ms": sum(spent[:10]) / max(1, len(spent[:10])),
        "late_step_ms": sum(spent[-10:]) / max(1, len(spent[-10:])),
        "median_step_ms": median(spent),
    }


def run_children(home: Path, urls: dict[float, str], args: argparse.Namespace) -> dict[str, Any]:
    """Every client at every latency, all at once, each in its own process."""
    env = {**os.environ, "ML_INTERN_HOME": str(home)}
    procs = {}
    for latency, url in urls.items():
        for client in CLIENTS:
            argv = [sys.executable, __file__, "--child", client, "--url", url]
            argv += ["--calls", str(args.calls), "--steps", str(args.steps)]
            argv += ["--bytes", str(args.bytes)]
            procs[(client, latency)] = subprocess.Popen(
                argv, cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True
            )
    figures: dict[str, Any] = {}
    for (client, latency), proc in procs.items():
        out, _ = proc.communicate()
        if proc.returncode:
            raise RuntimeError(f"{client} at {latency:g} s failed ({proc.returncode})")
        figures.setdefault(f"{latency:g}s", {})[client] = json.loads(out.splitlines()[-1])
    return figures


def mkdir(path: Path) -> Path:
    path.mkdir()
    return path


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--bytes", type=int, default=20000, help="each tool result's size")
    parser.add_argument("--calls", type=int, default=50, help="short calls per client")
    parser.add_argument("--child", choices=CLIENTS, help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        prepare_environment(Path(os.environ["ML_INTERN_HOME"]))
        found = asyncio.run(child(args.child, args.url, args.calls, args.steps, args.bytes))
        print(json.dumps(found))
        return
    load_before = Path("/proc/loadavg").read_text().split()[:3]
    call = {"name": "read", "arguments": ARGUMENTS}
    with tempfile.TemporaryDirectory(prefix="ml-intern-bench-") as home:
        prepare_environment(Path(home))
        with (
            server_process(mkdir(Path(home) / "0"), {"default": {"tool_calls": [call]}}) as fast,
            server_process(
                mkdir(Path(home) / "1"), {"default": {"tool_calls": [call], "delay": 1.0}}
            ) as slow,
        ):
            figures = run_children(Path(home), {0.0: f"{fast}/v1", 1.0: f"{slow}/v1"}, args)
    load_after = Path("/proc/loadavg").read_text().split()[:3]
    keys = ("per_call_ms", "step_ms", "early_step_ms", "late_step_ms", "thread_s")
    rows = [
        [f"{client} @ {latency}", *(f"{figures[latency][client][k]:.2f}" for k in keys)]
        for latency in figures
        for client in CLIENTS
    ]
    title = (
        f"CPU of the client process (not wall), {args.steps}-step thread of {args.bytes} B "
        f"results (load {' '.join(load_before)} -> {' '.join(load_after)})"
    )
    print_table(title, rows, ["client @ latency", *keys])
    summary = {"bench": "openai_client", "steps": args.steps, "bytes": args.bytes}
    print_summary({**summary, "load": [load_before, load_after], **figures})


if __name__ == "__main__":
    main()
