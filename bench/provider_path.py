"""The provider path over HTTP: the real CLI, litellm and a local server, against a minimal loop.

For each provider (the scripted OpenAI-compatible server, the Anthropic-shaped server) the CLI
runs headless as a user runs it: N steps, each a `read` of a file of K bytes, then an answer,
with compaction off so that it sends the same growing conversation as the floor.
The server notes when each request arrives, and how much CPU the CLI had used by then. In the
same run, the floor: a stdlib HTTP loop that sends the same growing conversation to the same
server, with no framework at all.

    uv run python bench/provider_path.py [--steps 300] [--bytes 20000]
    uv run python bench/provider_path.py --against /tmp/old/.venv/bin/ml-intern --repeats 3
    uv run python bench/provider_path.py --modes streamed  # the default config only

Two modes: `not-streamed` (`--no-stream`: litellm's path, the floor's shape; its figures keep
the plain provider keys, as before the modes) and `streamed` (the default config: our own
streamed clients; keys `<provider>@streamed`).

Figures: launch to the first model request (wall and CPU); the gap between two model requests
early (steps 1-10) and late (the last 10), ours and the floor's, in wall time and in CPU; the
CLI's peak RSS at the first request (start-up's) and at the last (with the whole history); for Anthropic, the share of input tokens the simulated prompt cache served.
On a loaded machine the CPU figures are the ones to compare. `--against` runs another
checkout's CLI (the previous release, say) interleaved with this one, `--repeats` times.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.report import ROOT, median, print_summary, print_table
from tests.fakes.anthropic_server import ScriptedAnthropicServer
from tests.fakes.llm_server import ScriptedLLMServer, Turn

KEY = "sk-ant-bench-not-a-real-key"
MODELS = {"openai": "openai/scripted-model", "anthropic": "anthropic/claude-sonnet-4-5-20250929"}
TICK = os.sysconf("SC_CLK_TCK")
# How the CLI starts (the test suite's smoke run forks all but its first from its CLI zygote).
LAUNCH: Callable[..., subprocess.Popen[bytes]] = subprocess.Popen


def process_cpu_s(pid: int) -> float:
    """User + system CPU of a live process, its ended threads included (10 ms resolution)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def peak_rss_mb(pid: int) -> float:
    """The process's own peak RSS so far. Not `wait4`'s `ru_maxrss`: that starts from the
    forking parent's peak (Linux carries it over `exec`), and this process holds every request."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def threads_cpu_s(pid: int) -> float:
    """CPU of a live process's threads to the nanosecond (the scheduler's own count)."""
    total = 0
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            total += int((task / "schedstat").read_text().split()[0])
        except (OSError, ValueError):
            continue  # the thread ended meanwhile
    return total / 1e9


class Script:
    """Answers step i with a `read` call, then a final answer; notes arrival times and, when
    the client is a process (`pid`), its CPU so far."""

    def __init__(self, steps: int, pid: int | None = None) -> None:
        self.steps = steps
        self.pid = pid
        self.arrivals: list[float] = []
        self.cpu: list[float] = []
        self.launch_cpu_s = 0.0
        self.peak_rss_mb = 0.0  # at the last request (the answer after it adds little)
        self.first_rss_mb = 0.0  # at the first request: start-up's, before any history
        self.lock = threading.Lock()

    def __call__(self, _request: dict[str, Any]) -> Turn:
        with self.lock:
            self.arrivals.append(time.perf_counter())
            if self.pid is not None:
                self.cpu.append(threads_cpu_s(self.pid))
                self.peak_rss_mb = peak_rss_mb(self.pid)
                if len(self.arrivals) == 1:
                    self.launch_cpu_s = process_cpu_s(self.pid)
                    self.first_rss_mb = self.peak_rss_mb
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


def cpu_gaps(cpu: list[float]) -> tuple[float, float]:
    """Mean CPU ms per step: steps 1-10 and the last 10 (means: the counts are cumulative)."""
    if len(cpu) < 2:
        return float("nan"), float("nan")
    early = cpu[: min(11, len(cpu))]
    late = cpu[-min(11, len(cpu)) :]
    return (
        (early[-1] - early[0]) * 1000 / (len(early) - 1),
        (late[-1] - late[0]) * 1000 / (len(late) - 1),
    )


MODES = ("not-streamed", "streamed")


def run_cli(
    cli: Path, provider: str, steps: int, size: int, tmp: Path, mode: str = "not-streamed"
) -> dict[str, Any]:
    script = Script(steps)
    server_class = ScriptedAnthropicServer if provider == "anthropic" else ScriptedLLMServer
    extra = {"api_key": KEY} if provider == "anthropic" else {}
    run_dir = Path(tempfile.mkdtemp(prefix=f"{provider}-", dir=tmp))
    workspace = run_dir / "ws"
    workspace.mkdir()
    (workspace / "data.txt").write_text(("x" * 99 + "\n") * (size // 100))
    with server_class(responder=script, **extra) as server:
        # Bytecode cached, as after a user's first run (a shell with PYTHONDONTWRITEBYTECODE=1
        # would otherwise compile every module at every launch: 9 s of CPU instead of 4).
        inherited = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        env = {
            **inherited,
            "ML_INTERN_HOME": str(run_dir / "home"),
            "ML_INTERN_NO_HF_PROMPT": "1",
            "OPENAI_API_KEY": "sk-bench-not-a-real-key",
            "ANTHROPIC_API_KEY": KEY,
            "LITELLM_LOCAL_MODEL_COST_MAP": "True",
            "HF_HUB_OFFLINE": "1",
        }
        config = run_dir / "config.json"
        # No compaction: the CLI sends the same growing conversation as the floor.
        never = {"compact_at_tokens": 10**9, "context_window": {MODELS[provider]: 10**9}}
        config.write_text(
            json.dumps({"api_base": server.url, "tool_output_max_chars": size + 1000, **never})
        )
        argv = [str(cli), "--model", MODELS[provider], "--max-iterations", str(steps + 5)]
        argv += ["--no-stream"] if mode == "not-streamed" else []
        argv += ["--output-format", "json", "--config", str(config)]
        argv += ["read data.txt again and again"]
        figures = _measure(argv, workspace, env, script)
        if provider == "anthropic":
            figures["cache_hit_share"] = _cache_share(server.usages)
        figures["floor"] = run_floor(provider, server, steps, size)
    return figures


def _measure(argv: list[str], cwd: Path, env: dict[str, str], script: Script) -> dict[str, Any]:
    """Run the CLI and wait for it: its figures, its total CPU included."""
    with tempfile.TemporaryFile() as out:
        started = time.perf_counter()
        process = LAUNCH(argv, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT)
        script.pid = process.pid
        total_cpu_s = ended_cpu_s(process)
        if process.returncode != 0:
            out.seek(0)
            raise RuntimeError(f"the CLI failed ({process.returncode}): {out.read()[-3000:]!r}")
    early, late = gaps(script.arrivals)
    cpu_early, cpu_late = cpu_gaps(script.cpu)
    return {
        "launch_to_first_request_s": script.arrivals[0] - started,
        "launch_cpu_s": script.launch_cpu_s,
        "gap_early_ms": early,
        "gap_late_ms": late,
        "cpu_early_ms": cpu_early,
        "cpu_late_ms": cpu_late,
        "total_cpu_s": total_cpu_s,
        "peak_rss_mb": script.peak_rss_mb,
        "first_request_rss_mb": script.first_rss_mb,
    }


def ended_cpu_s(process: subprocess.Popen[bytes], timeout: float | None = None) -> float:
    """Waits for `process` to end (TimeoutExpired after `timeout` s): its CPU seconds and its
    children's, as reaping it adds them to this process's children's rusage (a run forked
    elsewhere, which this process does not reap, says its own `cpu_s`)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    process.wait(timeout)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    reaped = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    forked: float | None = getattr(process, "cpu_s", None)
    return reaped if forked is None else forked


def _cache_share(usages: list[dict[str, Any] | None]) -> float:
    found = [u for u in usages if u]
    read = sum(u.get("cache_read_input_tokens", 0) for u in found)
    total = sum(
        u.get("input_tokens", 0)
        + u.get("cache_read_input_tokens", 0)
        + u.get("cache_creation_input_tokens", 0)
        for u in found
    )
    return read / total if total else 0.0


def run_floor(provider: str, server: Any, steps: int, size: int) -> dict[str, float]:
    """The same conversation sent by a stdlib loop to the same server: what HTTP alone costs."""
    script = Script(steps)
    server.responder = script
    text = ("x" * 99 + "\n") * (size // 100)
    messages: list[dict[str, Any]] = [{"role": "user", "content": "read data.txt"}]
    cpu: list[float] = []  # the loop's own thread: its server runs in other threads
    for i in range(1, steps + 2):
        cpu.append(time.thread_time())
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
    cpu_early, cpu_late = cpu_gaps(cpu)
    return {
        "gap_early_ms": early,
        "gap_late_ms": late,
        "cpu_early_ms": cpu_early,
        "cpu_late_ms": cpu_late,
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--bytes", type=int, default=20_000)
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--against", type=Path, help="another checkout's ml-intern, interleaved")
    parser.add_argument("--modes", default=",".join(MODES), help="not-streamed, streamed")
    args = parser.parse_args(argv)
    modes = args.modes.split(",")
    if unknown := set(modes) - set(MODES):
        parser.error(f"unknown mode(s) {', '.join(sorted(unknown))}; known: {', '.join(MODES)}")
    clis = {"this": ROOT / ".venv" / "bin" / "ml-intern"}
    if args.against:
        clis["against"] = args.against
    runs: dict[str, list[dict[str, Any]]] = {}
    with tempfile.TemporaryDirectory(prefix="ml-intern-bench-") as tmp:
        rounds = itertools.product(range(args.repeats), MODELS, modes, clis)
        for _, provider, mode, label in rounds:
            figures = run_cli(clis[label], provider, args.steps, args.bytes, Path(tmp), mode)
            key = provider + ("@streamed" if mode == "streamed" else "")
            runs.setdefault(key + ("" if label == "this" else "@against"), []).append(figures)
    summary: dict[str, Any] = {"bench": "provider_path", "repeats": args.repeats}
    rows = []
    for key, found in runs.items():
        summary[key] = f = medians(found)
        rows.append(row(key.replace("@", " "), f))
    header = ["provider", "launch wall/CPU", "gap 1-10 ours/floor", "gap last 10"]
    header += ["CPU/step 1-10 ours/floor", "CPU/step last 10", "peak RSS first/last", "cache"]
    title = f"provider path, {args.steps} steps of {args.bytes:,} bytes, medians of {args.repeats}"
    print_table(title, rows, header)
    print_summary(summary)


def medians(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Per figure, the median over the repeats (the floor's figures too)."""
    out: dict[str, Any] = {}
    for key, value in runs[0].items():
        if isinstance(value, dict):
            out[key] = medians([r[key] for r in runs])
        else:
            out[key] = median([r[key] for r in runs])
    return out


def row(label: str, f: dict[str, Any]) -> list[str]:
    floor = f["floor"]
    return [
        label,
        f"{f['launch_to_first_request_s']:.2f} / {f['launch_cpu_s']:.2f} s",
        f"{f['gap_early_ms']:.1f} / {floor['gap_early_ms']:.1f} ms",
        f"{f['gap_late_ms']:.1f} / {floor['gap_late_ms']:.1f} ms",
        f"{f['cpu_early_ms']:.1f} / {floor['cpu_early_ms']:.1f} ms",
        f"{f['cpu_late_ms']:.1f} / {floor['cpu_late_ms']:.1f} ms",
        f"{f['first_request_rss_mb']:.0f} / {f['peak_rss_mb']:.0f} MB",
        f"{f['cache_hit_share']:.0%}" if "cache_hit_share" in f else "-",
    ]


if __name__ == "__main__":
    main()
