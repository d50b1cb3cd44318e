"""CPU of the Anthropic model client: ChatLiteLLM (today's path) against langchain-anthropic's
ChatAnthropic (issues 63 and 64: would the maintained library take the default model's path?).

One run, side by side, each figure in a process of its own:
- import: CPU of a fresh interpreter that imports only the client's module (`import litellm`
  and `langchain_litellm` for today's path, `langchain_anthropic` for the other), the bare
  interpreter beside them; the median of `--imports` rounds;
- per call: `--calls` streamed calls of a short conversation with the catalog's tools bound
  (after 3 calls outside the figures) against the scripted Anthropic server
  (tests/fakes/anthropic_server.py, in this process's threads: its CPU is counted for both
  clients alike);
- per thread: `--steps` steps of one growing conversation, each the model's `read` call and
  a `--bytes` result, as `bench/provider_path.py` sends.

`ours` is the chat model AgentDeps gives a step (models/anthropic_chat.py: our own path for a
plain request); `litellm` is ChatLiteLLM as it gives it with `model_client: "litellm"` (with
ml-intern's patches and its cache markers); `chatanthropic` is `ChatAnthropic(base_url=...)` as shipped, the tools
bound the same way, no cache markers. langchain-anthropic is not a dependency of ml-intern:

    uv run --with langchain-anthropic python bench/anthropic_client.py [--steps 100] [--calls 30]

Figures are CPU (user + system, `time.process_time` or the child's rusage), not wall.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.openai_client import client_figures
from bench.report import ROOT, median, prepare_environment, print_summary, print_table

MODEL = "anthropic/claude-sonnet-4-5-20250929"
KEY = "sk-ant-bench-not-a-real-key"
CLIENTS = ("ours", "litellm", "chatanthropic")
IMPORTS = {
    "bare": "pass",
    "litellm": "import litellm, langchain_litellm",
    "langchain_anthropic": "import langchain_anthropic",
    "anthropic_sdk": "import anthropic",
}
ARGUMENTS = {"path": "data/train.csv", "offset": 0, "limit": 200}


def import_cpu(statement: str) -> float:
    """CPU seconds of a fresh interpreter running `statement` (bytecode cached beforehand)."""
    env = {**os.environ, "LITELLM_LOCAL_MODEL_COST_MAP": "True"}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run([sys.executable, "-c", statement], env=env, check=True, cwd=ROOT)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime


def model_for(client: str, url: str) -> Any:
    """`client`'s chat model with the catalog's tools bound, as a step gets it."""
    from configs.settings import Settings
    from nodes.deps import AgentDeps
    from tools.families import build_catalog

    chosen = "litellm" if client == "litellm" else "auto"
    settings = Settings(model_name=MODEL, api_base=url, model_client=chosen)
    deps = AgentDeps(settings=settings, catalog=build_catalog(settings), home=Path.cwd())
    if client in ("ours", "litellm"):
        return deps.chat_model(MODEL)
    from langchain_anthropic import ChatAnthropic

    model = ChatAnthropic(  # type: ignore[call-arg]
        model=MODEL.removeprefix("anthropic/"),
        base_url=url,
        api_key=KEY,
        streaming=True,
        stream_usage=True,
        max_retries=0,
        max_tokens=4096,
        timeout=600,
    )
    return model.bind_tools(deps.catalog.tools)


async def child(client: str, calls: int, steps: int, size: int) -> dict[str, Any]:
    """The figures of one client, in this process (CPU ms), against the scripted Anthropic
    server; the loop is bench/openai_client's."""
    from tests.fakes.anthropic_server import ScriptedAnthropicServer
    from tests.fakes.llm_server import Turn

    def answer(_request: dict[str, Any]) -> Turn:
        return Turn(tool_calls=[{"name": "read", "arguments": ARGUMENTS}])

    with ScriptedAnthropicServer(responder=answer, api_key=KEY) as server:
        return await client_figures(model_for(client, server.url), calls, steps, size)


def run_child(client: str, home: Path, args: argparse.Namespace) -> dict[str, Any]:
    argv = [sys.executable, __file__, "--child", client, "--calls", str(args.calls)]
    argv += ["--steps", str(args.steps), "--bytes", str(args.bytes)]
    env = {**os.environ, "ML_INTERN_HOME": str(home), "ANTHROPIC_API_KEY": KEY}
    out = subprocess.run(argv, cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True, check=True)
    return json.loads(out.stdout.splitlines()[-1])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=100)
    parser.add_argument("--bytes", type=int, default=20000, help="each tool result's size")
    parser.add_argument("--calls", type=int, default=30, help="short calls per client")
    parser.add_argument("--imports", type=int, default=3, help="rounds of the import figures")
    parser.add_argument("--clients", default=",".join(CLIENTS), help="which, comma-separated")
    parser.add_argument("--child", choices=CLIENTS, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        prepare_environment(Path(os.environ["ML_INTERN_HOME"]))
        found = asyncio.run(child(args.child, args.calls, args.steps, args.bytes))
        print(json.dumps(found))
        return
    load_before = Path("/proc/loadavg").read_text().split()[:3]
    for statement in IMPORTS.values():  # bytecode written before any figure
        import_cpu(statement)
    rounds: dict[str, list[float]] = {name: [] for name in IMPORTS}
    for _ in range(args.imports):
        for name, statement in IMPORTS.items():
            rounds[name].append(import_cpu(statement))
    imports = {name: median(values) for name, values in rounds.items()}
    with tempfile.TemporaryDirectory(prefix="ml-intern-bench-") as home:
        prepare_environment(Path(home))
        clients = [c for c in CLIENTS if c in args.clients.split(",")]
        calls = {client: run_child(client, Path(home), args) for client in clients}
    load_after = Path("/proc/loadavg").read_text().split()[:3]
    print_table(
        f"import CPU, median of {args.imports} fresh interpreters (s)",
        [[name, f"{cpu:.2f}"] for name, cpu in imports.items()],
        ["import", "cpu_s"],
    )
    keys = ("per_call_ms", "step_ms", "early_step_ms", "late_step_ms", "median_step_ms")
    rows = [[client, *(f"{calls[client][k]:.2f}" for k in keys)] for client in calls]
    title = (
        f"CPU of the client process (not wall), {args.steps}-step thread of {args.bytes} B "
        f"results (load {' '.join(load_before)} -> {' '.join(load_after)})"
    )
    print_table(title, rows, ["client", *keys])
    summary = {"bench": "anthropic_client", "steps": args.steps, "bytes": args.bytes}
    imported = {f"import_{name}_s": cpu for name, cpu in imports.items()}
    print_summary({**summary, "load": [load_before, load_after], **imported, **calls})


if __name__ == "__main__":
    main()
