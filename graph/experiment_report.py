"""Runs as text: the table, one run in full, two runs side by side, and one line per run.

The CLI, the REPL and the model's `experiments` tool all print these, so a person and the
model read the same facts in the same words.
"""

from __future__ import annotations

import difflib
import json
import math
from collections.abc import Sequence
from typing import Any

from store.experiments import Experiment

SPARKS = "▁▂▃▄▅▆▇█"
SPARK_WIDTH = 16
DIFF_LINES = 60


def duration(seconds: float) -> str:
    seconds = int(seconds)
    return f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


def money(value: float | None) -> str:
    return "-" if value is None else f"${value:.4f}" if value < 1 else f"${value:.2f}"


def value_text(value: float | str | None) -> str:
    if value is None:
        return "-"
    if isinstance(value, str):
        return value
    return f"{value:.4g}"


def sparkline(points: Sequence[Sequence[float | None]], width: int = SPARK_WIDTH) -> str:
    """A run's metric as a few block characters (gaps where it was NaN)."""
    values = [p[1] for p in points]
    if len(values) > width:
        step = len(values) / width
        values = [values[int(i * step)] for i in range(width - 1)] + [values[-1]]
    finite = [v for v in values if v is not None and math.isfinite(v)]
    if not finite:
        return ""
    low, high = min(finite), max(finite)
    span = (high - low) or 1.0
    return "".join(
        " " if v is None else SPARKS[int((v - low) / span * (len(SPARKS) - 1))] for v in values
    )


def metric_cell(run: Experiment) -> str:
    name = run.main_metric
    if not name:
        return "no metrics" if run.metrics.get("lines") else "-"
    return f"{name} {value_text(run.final())}"


def run_line(number: int, run: Experiment, *, spark: bool = False) -> str:
    """One run in one line: number, id, name, status, duration, cost, main metric."""
    cells = [
        f"{number}. {run.id}",
        run.name or run.kind,
        run.status.lower(),
        duration(run.duration_s()),
        money(run.cost_usd()),
        metric_cell(run),
    ]
    if spark and run.main_metric:
        points = run.metrics["series"].get(run.main_metric, {}).get("points")
        cells.append(sparkline(points or run.metrics.get("spark") or []))
    return "  ".join(cells)


def table(runs: Sequence[Experiment], *, spark: bool = False) -> str:
    if not runs:
        return "No experiments in this thread yet (Jobs started with hf_jobs, and training commands that run over a minute, appear here)."
    return "\n".join(run_line(i, run, spark=spark) for i, run in enumerate(runs, 1))


def runtime_lines(runs: Sequence[Experiment]) -> list[str]:
    """One line per run for the note after a compaction (what was measured, not recalled)."""
    return [f"- {run_line(i, run)}" for i, run in enumerate(runs, 1)]


def show(run: Experiment) -> str:
    """One run in full: what it ran, where, what it cost and every metric's final and best."""
    lines = [
        f"{run.id} · {run.name} · {run.status.lower()} · {duration(run.duration_s())}"
        f" · {money(run.cost_usd())}",
        f"job: {run.job_id or '-'} {run.url or ''}".rstrip(),
        f"hardware: {run.flavor or '-'}"
        + (f" (${run.price_per_hour:.2f}/h)" if run.price_per_hour is not None else ""),
        f"script sha256: {run.script_sha256 or '-'}",
        f"arguments: {json.dumps(run.args, ensure_ascii=False)}",
        f"datasets: {', '.join(run.datasets) or '-'} · models: {', '.join(run.models) or '-'}",
        f"outputs: {json.dumps(run.outputs, ensure_ascii=False)}",
    ]
    if run.parent_id:
        lines.append(f"derived from: {run.parent_id}")
    if trackio := run.metrics.get("trackio"):
        lines.append(trackio_line(trackio))
    lines += metric_lines(run)
    return "\n".join(lines)


def trackio_line(trackio: dict[str, Any]) -> str:
    """Where the run's Trackio series came from, or why they could not be read."""
    where = f"project {trackio.get('project')}" + (
        f" on Space {trackio['space']}" if trackio.get("space") else " (local data)"
    )
    if trackio.get("state") != "read":
        return f"trackio: {where}: {trackio.get('state')}"
    return f"trackio: {where}, run {trackio.get('run')}: {trackio.get('rows', 0)} rows read"


def metric_lines(run: Experiment) -> list[str]:
    series: dict[str, Any] = run.metrics.get("series") or {}
    if not series:
        read = run.metrics.get("lines", 0)
        return [f"metrics: none found in {read} log lines" if read else "metrics: none yet"]
    lines = [f"metrics ({run.metrics.get('lines', 0)} log lines read):"]
    for name, data in series.items():
        bad = f", {data['nonfinite']} NaN/inf" if data.get("nonfinite") else ""
        final = data.get("final_state") or data.get("final")
        lines.append(
            f"  {name}: final {value_text(final)}, best {value_text(data.get('best'))}, "
            f"{data.get('seen', 0)} values{bad}"
        )
    return lines


def compare(a: Experiment, b: Experiment) -> str:
    """What differs between two runs (arguments, script, data, hardware) and their metrics."""
    lines = [f"A: {a.id} {a.name}", f"B: {b.id} {b.name}", ""]
    for label, left, right in facts(a, b):
        mark = "  " if left == right else "≠ "
        lines.append(
            f"{mark}{label}: {left}" if left == right else f"{mark}{label}: {left} | {right}"
        )
    lines += [
        "",
        "script:",
        *script_diff(a, b),
        "",
        "metrics (final A | final B, best A | best B):",
    ]
    names = list(dict.fromkeys([*a.metrics.get("series", {}), *b.metrics.get("series", {})]))
    for name in names or ["(none)"]:
        sa = a.metrics.get("series", {}).get(name, {})
        sb = b.metrics.get("series", {}).get(name, {})
        lines.append(
            f"  {name}: {value_text(sa.get('final_state') or sa.get('final'))} | "
            f"{value_text(sb.get('final_state') or sb.get('final'))}, best "
            f"{value_text(sa.get('best'))} | {value_text(sb.get('best'))}"
        )
    return "\n".join(lines)


def facts(a: Experiment, b: Experiment) -> list[tuple[str, str, str]]:
    def args(run: Experiment) -> str:
        return json.dumps(run.args, ensure_ascii=False, sort_keys=True)

    return [
        ("hardware", a.flavor or "-", b.flavor or "-"),
        ("arguments", args(a), args(b)),
        ("datasets", ", ".join(a.datasets) or "-", ", ".join(b.datasets) or "-"),
        ("models", ", ".join(a.models) or "-", ", ".join(b.models) or "-"),
        ("status", a.status.lower(), b.status.lower()),
        ("duration", duration(a.duration_s()), duration(b.duration_s())),
        ("cost", money(a.cost_usd()), money(b.cost_usd())),
    ]


def script_diff(a: Experiment, b: Experiment) -> list[str]:
    if a.script_sha256 == b.script_sha256:
        return ["  (same script)" if a.script_sha256 else "  (no script: image and command)"]
    diff = list(
        difflib.unified_diff(
            (a.script or "").splitlines(), (b.script or "").splitlines(), "A", "B", lineterm=""
        )
    )
    more = [f"  … {len(diff) - DIFF_LINES} more diff lines"] if len(diff) > DIFF_LINES else []
    return [f"  {line}" for line in diff[:DIFF_LINES]] + more
