"""Experiments benchmark: parse a 10^6-line training log; list a thread with 500 runs.

Parsing: Trainer dicts, `key=value` lines, JSON lines, garbage and NaN/inf, mixed, fed line by
line to `RunMetrics` as a streamed job's log is; reports time per line and the peak memory
the parser itself allocates (tracemalloc, on a tenth of the lines: it slows the loop).

Listing: a thread whose history holds 500 `hf_jobs` calls (one `aupdate_state`), 500 ledger
rows each with three 1,000-point series; times `thread_runs` (read the history, query the
ledger) and rendering the table, as `ml-intern experiments` does after its imports; and the
web pane's answer (the runs' summaries and one metric's points, as JSON).

    uv run python bench/experiments.py [--lines 1000000] [--runs 500]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.report import print_summary
from graph.experiment_metrics import RunMetrics

TARGET_LIST_MS = 200


def log_lines(count: int) -> Iterator[str]:
    """A long training log: mostly progress noise, metrics every few lines, some bad values."""
    for i in range(count):
        kind = i % 10
        if kind == 0:
            yield f"{{'loss': {2.0 / (1 + i / 1000):.4f}, 'learning_rate': 2e-05, 'epoch': {i / count:.4f}}}"
        elif kind == 1:
            yield f'{{"eval_accuracy": {i / count:.4f}, "step": {i}}}'
        elif kind == 2:
            yield f"step {i} loss={'nan' if i % 1000 == 2 else 1.5} grad_norm=inf"
        elif kind == 3:
            yield "\x00\xff garbage {{{ ::: ===" * 3
        else:
            yield f"{i}/{count} [00:01<00:02, 3.1it/s] tokenizing shard {i % 17}"


def bench_parse(lines: int) -> dict[str, float]:
    metrics = RunMetrics()
    start = time.perf_counter()
    for line in log_lines(lines):
        metrics.add(line)
    seconds = time.perf_counter() - start
    stored = len(json.dumps(metrics.to_json()))
    sample = RunMetrics()
    tracemalloc.start()
    for line in log_lines(lines // 10):
        sample.add(line)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {
        "lines": lines,
        "parse_s": round(seconds, 4),  # a short test log parses in under 5 ms
        "us_per_line": round(seconds / lines * 1e6, 2),
        "peak_kib_per_tenth": round(peak / 1024, 1),
        "stored_json_kib": round(stored / 1024, 1),
        "points_loss": len(metrics.series["loss"].points),
    }


async def make_thread(db: Path, runs: int) -> str:
    from langchain_core.messages import AIMessage, HumanMessage, ToolMessage
    from langgraph.graph import END, START, StateGraph

    from graph.state import AgentState
    from store.checkpointer import open_checkpointer
    from store.experiments import Experiment, Ledger, experiment_id

    thread = "bench-thread"
    messages: list = [HumanMessage("sweep", id="h0")]
    for i in range(runs):
        call = {"name": "hf_jobs", "id": f"call-{i}", "args": {"operation": "uv"}}
        messages += [
            AIMessage("", tool_calls=[call], id=f"a{i}"),
            ToolMessage("done", tool_call_id=f"call-{i}", id=f"t{i}"),
        ]
    builder = StateGraph(AgentState)
    builder.add_node("read", lambda _state: {})
    builder.add_edge(START, "read")
    builder.add_edge("read", END)
    async with open_checkpointer(db) as saver:
        graph = builder.compile(checkpointer=saver)
        config = {"configurable": {"thread_id": thread}}
        await graph.aupdate_state(config, {"messages": messages}, as_node="read")
    series = RunMetrics()
    for step in range(3000):
        series.add(f"{{'loss': {1 / (step + 1)}, 'eval_loss': {2 / (step + 1)}, 'step': {step}}}")
        series.add(f"accuracy={step / 3000}")
    metrics = series.to_json()
    with Ledger(db) as ledger:
        for i in range(runs):
            ledger.save(
                Experiment(
                    id=experiment_id(thread, f"call-{i}"),
                    thread_id=thread,
                    call_id=f"call-{i}",
                    kind="hf_job",
                    name=f"train.py on t4-small #{i}",
                    job_id=f"job{i}",
                    flavor="t4-small",
                    price_per_hour=0.6,
                    status="COMPLETED",
                    started_at=1000.0 + i,
                    ended_at=1600.0 + i,
                    args={"script_args": ["--lr", str(i)]},
                    metrics=metrics,
                )
            )
    return thread


async def bench_list(runs: int, repeats: int = 5) -> dict[str, float]:
    from graph.experiment_report import table
    from graph.thread_runs import thread_runs

    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "threads.sqlite"
        thread = await make_thread(db, runs)
        timings = []
        for _ in range(repeats):
            start = time.perf_counter()
            found = await thread_runs(db, thread, series=False)
            text = table(found, spark=True)
            timings.append((time.perf_counter() - start) * 1000)
        assert len(found) == runs and text.count("\n") == runs - 1
        pane = pane_timings(db, thread, [f"call-{i}" for i in range(runs)], repeats)
    timings.sort()
    return {"runs": runs, "list_ms_median": round(timings[len(timings) // 2], 1), **pane}


def pane_timings(db: Path, thread: str, calls: list[str], repeats: int) -> dict[str, float]:
    """The web pane's answer (serve/web_experiments.py, after the server's own state read):
    every run's summary, the latest runs' points of one metric, and its JSON, median of
    `repeats`."""
    from serve.web_experiments import runs_with_points

    timings, size = [], 0
    for _ in range(repeats):
        start = time.perf_counter()
        size = len(json.dumps(runs_with_points(db, thread, calls, "loss", None)))
        timings.append((time.perf_counter() - start) * 1000)
    timings.sort()
    return {"pane_ms_median": round(timings[len(timings) // 2], 1), "pane_json_kib": size // 1024}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=500)
    args = parser.parse_args(argv)
    parsed = bench_parse(args.lines)
    listed = asyncio.run(bench_list(args.runs))
    print(
        f"parse {parsed['lines']:,} lines: {parsed['parse_s']} s ({parsed['us_per_line']} µs/line)"
    )
    print(f"  parser peak memory on {args.lines // 10:,} lines: {parsed['peak_kib_per_tenth']} KiB")
    print(
        f"  stored metrics JSON: {parsed['stored_json_kib']} KiB, loss points {parsed['points_loss']}"
    )
    print(f"list {listed['runs']} runs (history + ledger + table): {listed['list_ms_median']} ms "
          f"(target {TARGET_LIST_MS} ms)")  # fmt: skip
    print(f"web pane answer for {listed['runs']} runs (summaries; loss points of the latest 20): "
          f"{listed['pane_ms_median']} ms, {listed['pane_json_kib']} KiB")  # fmt: skip
    print_summary({"bench": "experiments", **parsed, **listed, "target_list_ms": TARGET_LIST_MS})


if __name__ == "__main__":
    main()
