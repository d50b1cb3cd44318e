"""The provider path over HTTP: the real CLI, litellm and a local server, against a minimal loop.

For each provider (the scripted OpenAI-compatible server, the Anthropic-shaped server) the CLI
runs headless as a user runs it: N steps, each a `read` of a file of K bytes, then an answer.
The server notes when each request arrives. In the same run, the floor: a stdlib HTTP loop
that sends the same growing conversation to the same server, with no framework at all.

    uv run python bench/provider_path.py [--steps 300] [--bytes 20000]

Figures: launch to the first model request; the gap between two model requests early
(steps 1-10) and late (the last 10), ours and the floor's; the CLI's peak RSS; for Anthropic,
the share of input tokens the simulated prompt cache served.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.report import ROOT, median, print_summary, print_table
from tests.fakes.anthropic_server import ScriptedAnthropicServer
from tests.fakes.llm_server import ScriptedLLMServer, Turn

KEY = "sk-ant-bench-not-a-real-key"
MODELS = {"openai": "openai/scripted-model", "anthropic": "anthropic/claude-sonnet-4-5-20250929"}
RSS_WRAPPER = (
    "import resource, subprocess, sys; code = subprocess.run(sys.argv[1:]).returncode; "
    "print('MAXRSS', resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=sys.stderr); "
    "sys.exit(code)"
)


class Script:
    """Answers step i with a `read` call, then a final answer; notes arrival times."""

    def __init__(self, steps: int) -> None:
        self.steps = steps
        self.arrivals: list[float] = []
        self.lock = threading.Lock()

    def __call__(self, _request: dict[str, Any]) -> Turn:
        with self.lock:
            self.arrivals.append(time.perf_counter())
            i = len(self.arrivals)
        if i > self.steps:
            return Turn(content="done")
        args = {"path": "data.txt", "limit": 5000 + i}  # distinct calls: no doom-loop stop
        call = {"name": "read", "id": f"toolu_{i:04d}", "arguments": args}
        return Turn(tool_calls=[call])


def gaps(arrivals: list[float]) -> tuple[float, float]:
    """Median ms between consecutive requests: steps 1-10 and the last 10."""
    between = [(b - a) * 1000 for a, b in itertools.pairwise(arrivals)]
    return median(between[:10]), median(between[-10:])


def run_cli(provider: str, steps: int, size: int, tmp: Path) -> dict[str, Any]:
    script = Script(steps)
    server_class = ScriptedAnthropicServer if provider == "anthropic" else ScriptedLLMServer
    extra = {"api_key": KEY} if provider == "anthropic" else {}
    workspace = tmp / f"ws-{provider}"
    workspace.mkdir()
    (workspace / "data.txt").write_text(("x" * 99 + "\n") * (size // 100))
    with server_class(responder=script, **extra) as server:
        env = {
            **os.environ,
            "ML_INTERN_HOME": str(tmp / f"home-{provider}"),
            "ML_INTERN_NO_HF_PROMPT": "1",
            "OPENAI_API_KEY": "sk-bench-not-a-real-key",
            "ANTHROPIC_API_KEY": KEY,
            "LITELLM_LOCAL_MODEL_COST_MAP": "True",
            "HF_HUB_OFFLINE": "1",
        }
        base = server.url
        cli = [str(ROOT / ".venv" / "bin" / "ml-intern"), "--model", MODELS[provider]]
        cli += ["--max-iterations", str(steps + 5), "--no-stream", "--output-format", "json"]
        config = tmp / f"config-{provider}.json"
        config.write_text(json.dumps({"api_base": base, "tool_output_max_chars": size + 1000}))
        cli += ["--config", str(config), "read data.txt again and again"]
        started = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-c", RSS_WRAPPER, *cli],
            cwd=workspace,
            env=env,
            capture_output=True,
            text=True,
            timeout=1800,
        )
        if done.returncode != 0:
            raise RuntimeError(
                f"{provider}: the CLI failed ({done.returncode}): {done.stdout[-1500:]} "
                f"{done.stderr[-1500:]}"
            )
        rss_kb = int(done.stderr.rsplit("MAXRSS", 1)[1].split()[0])
        early, late = gaps(script.arrivals)
        figures = {
            "launch_to_first_request_s": script.arrivals[0] - started,
            "gap_early_ms": early,
            "gap_late_ms": late,
            "peak_rss_mb": rss_kb / 1024,
        }
        if provider == "anthropic":
            usages = [u for u in server.usages if u]
            read = sum(u.get("cache_read_input_tokens", 0) for u in usages)
            total = sum(
                u.get("input_tokens", 0)
                + u.get("cache_read_input_tokens", 0)
                + u.get("cache_creation_input_tokens", 0)
                for u in usages
            )
            figures["cache_hit_share"] = read / total if total else 0.0
        figures["floor"] = run_floor(provider, server, steps, size)
    return figures


def run_floor(provider: str, server: Any, steps: int, size: int) -> dict[str, float]:
    """The same conversation sent by a stdlib loop to the same server: what HTTP alone costs."""
    script = Script(steps)
    server.responder = script
    text = ("x" * 99 + "\n") * (size // 100)
    messages: list[dict[str, Any]] = [{"role": "user", "content": "read data.txt"}]
    for i in range(1, steps + 2):
        if provider == "anthropic":
            url = f"{server.url}/v1/messages"
            body = {"model": "claude-sonnet-4-5-20250929", "max_tokens": 1024, "messages": messages}
            headers = {"x-api-key": KEY, "anthropic-version": "2023-06-01"}
        else:
            url = f"{server.url}/chat/completions"
            body = {"model": "scripted-model", "messages": messages}
            headers = {"Authorization": "Bearer sk-bench"}
        request = urllib.request.Request(
            url, json.dumps(body).encode(), {**headers, "Content-Type": "application/json"}
        )
        with urllib.request.urlopen(request, timeout=60) as response:
            json.load(response)
        call_id = f"toolu_{i:04d}"
        if provider == "anthropic":
            use = {"type": "tool_use", "id": call_id, "name": "read", "input": {"path": "data.txt"}}
            result = {"type": "tool_result", "tool_use_id": call_id, "content": text}
            messages += [
                {"role": "assistant", "content": [use]},
                {"role": "user", "content": [result]},
            ]
        else:
            fn = {"name": "read", "arguments": json.dumps({"path": "data.txt"})}
            messages += [
                {
                    "role": "assistant",
                    "tool_calls": [{"id": call_id, "type": "function", "function": fn}],
                },
                {"role": "tool", "tool_call_id": call_id, "content": text},
            ]
    early, late = gaps(script.arrivals)
    return {"gap_early_ms": early, "gap_late_ms": late}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--bytes", type=int, default=20_000)
    args = parser.parse_args(argv)
    rows: list[list[str]] = []
    summary: dict[str, Any] = {"bench": "provider_path"}
    with tempfile.TemporaryDirectory(prefix="ml-intern-bench-") as tmp:
        for provider in MODELS:
            f = run_cli(provider, args.steps, args.bytes, Path(tmp))
            summary[provider] = f
            rows.append(
                [
                    provider,
                    f"{f['launch_to_first_request_s']:.2f} s",
                    f"{f['gap_early_ms']:.1f} / {f['floor']['gap_early_ms']:.1f} ms",
                    f"{f['gap_late_ms']:.1f} / {f['floor']['gap_late_ms']:.1f} ms",
                    f"{f['peak_rss_mb']:.0f} MB",
                    f"{f['cache_hit_share']:.0%}" if "cache_hit_share" in f else "-",
                ]
            )
    header = [
        "provider",
        "launch→1st request",
        "gap 1-10 (ours/floor)",
        "gap last 10",
        "peak RSS",
        "cache",
    ]
    print_table(f"provider path, {args.steps} steps of {args.bytes:,} bytes", rows, header)
    print_summary(summary)


if __name__ == "__main__":
    main()
