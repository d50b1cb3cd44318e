"""trackio_metrics: read back what a training run logged with Trackio, to decide the next run.

Runs, per-metric summaries (last value and its step, min, max, count, a 12-point series) and
alerts, from this machine's Trackio directory (tools/hub/trackio_local.py, stdlib sqlite3) or
from the dashboard Space a run logged to (tools/hub/trackio_space.py, httpx). The `trackio`
package is never imported: the reader works where it is not installed.

It runs without approval and the research sub-agent has it, so `space` may come from any page
the model read: a Space is found through the Hub, and the Hugging Face token goes only to a
private one, in the header its proxy consumes (never to the app behind it).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager, nullcontext
from typing import Any, Literal

from langchain_core.tools import ToolException
from pydantic import BaseModel, Field, field_validator

from tools.call_context import CallContext
from tools.catalog import ToolSpec
from tools.hub.trackio_data import (
    SERIES_POINTS,
    Metric,
    RunInfo,
    TrackioSource,
    matching,
    metrics_of,
    no_runs,
    pick_run,
)
from tools.hub.trackio_local import LocalTrackio
from tools.hub.trackio_space import SPACE_ROWS_CAP, SpaceTrackio, space_id
from tools.policy import always
from tools.text import cut, one_line
from tools.tool_factory import make_tool

MAX_CHARS = 12_000
MAX_RUNS = 30
MAX_METRICS = 30
MAX_ALERTS = 30
Operation = Literal["projects", "runs", "metrics", "alerts"]


class TrackioArgs(BaseModel):
    """Training metrics logged with Trackio (training scripts call
    `trackio.init(project=..., space_id=...)`, then `trackio.log({...})` each step). projects:
    names. runs: runs of `project`, newest first. metrics: last, min, max and a 12-point series
    per key of `run` (default newest). alerts: `trackio.alert` messages, newest first. Local
    data, or with `space` the dashboard Space the run logged to."""

    operation: Operation
    project: str | None = Field(None, description="Trackio project name.")
    run: str | None = Field(None, description="Run name or id; default the newest run.")
    keys: list[str] | None = Field(
        None, description="metrics: only keys containing one of these, e.g. ['loss']."
    )
    space: str | None = Field(
        None, description="The space_id it logged to, 'user/space-name'; omit for local data."
    )

    @field_validator("keys", mode="before")
    @classmethod
    def _split(cls, value: Any) -> Any:
        return value.split(",") if isinstance(value, str) else value

    @field_validator("space")
    @classmethod
    def _space(cls, value: str | None) -> str | None:
        return space_id(value) if value and value.strip() else None


async def _trackio(call: CallContext, **args: Any) -> str:
    request = TrackioArgs.model_construct(**args)  # validated by the tool already
    opened: AbstractAsyncContextManager[TrackioSource]
    opened = SpaceTrackio(request.space) if request.space else nullcontext(LocalTrackio())
    async with opened as source:
        text = await _OPERATIONS[request.operation](source, request)
    return cut(text, MAX_CHARS)


def _project(r: TrackioArgs) -> str:
    if not (r.project or "").strip():
        raise ToolException(
            f"{r.operation} needs `project`; operation='projects' lists the project names."
        )
    return (r.project or "").strip()


async def _projects(source: TrackioSource, r: TrackioArgs) -> str:
    names = await source.projects()
    if not names:
        return (
            f"No Trackio projects in {source.where} yet. A training script creates one with "
            "trackio.init(project=...); pass `space` if it logged to a Space."
        )
    lines = [f"{_count(names, 'Trackio project')} ({source.where}):", *(f"- {n}" for n in names)]
    return "\n".join([*lines, "Next: operation='runs' with project='<name>'."])


async def _runs(source: TrackioSource, r: TrackioArgs) -> str:
    project = _project(r)
    runs = await source.runs(project, details=True)
    if not runs:
        raise no_runs(project)
    shown = list(reversed(runs))[:MAX_RUNS]
    rows = [
        f"{run.name} | {run.id[:8]} | {_time(run.started)} | {_time(run.last_logged)} | "
        f"{_int(run.last_step)} | {_int(run.logs)}"
        for run in shown
    ]
    older = f"… and {len(runs) - len(shown)} older runs." if len(runs) > len(shown) else ""
    return "\n".join(
        [
            f"{_count(runs, 'run')} of project {project!r} ({source.where}), newest first:",
            "run | id | started (UTC) | last log (UTC) | last step | logs",
            *rows,
            older,
        ]
    ).strip()


async def _metrics(source: TrackioSource, r: TrackioArgs) -> str:
    project = _project(r)
    run = pick_run(await source.runs(project), r.run, project)
    rows = await source.logs(project, run)
    found = metrics_of(rows)
    chosen = matching(found, r.keys)
    if not chosen:
        raise ToolException(_no_metrics(run, found, r.keys))
    steps = [row.step for row in rows]
    head = (
        f"Run {run.name!r} (id {run.id[:8]}) of project {project!r} ({source.where}): "
        f"{len(rows)} logged rows, steps {min(steps)}-{max(steps)}, last log "
        f"{_time(rows[-1].time)} UTC{' (newest run)' if not r.run else ''}."
    )
    if len(rows) >= SPACE_ROWS_CAP and isinstance(source, SpaceTrackio):
        head += f" The Space sends at most {SPACE_ROWS_CAP:,} sampled rows: counts are of those."
    shown = chosen[:MAX_METRICS]
    rest = [m.key for m in chosen[len(shown) :]]
    lines = [head, "metric | last (step) | min (step) | max (step) | count", *map(_row, shown)]
    if rest:
        lines.append(f"… {len(rest)} more: {one_line(', '.join(rest), 400)}; pick with `keys`.")
    lines.append(f"Series (step:value, up to {SERIES_POINTS} points, first to last):")
    lines += [f"{m.key}: {' '.join(f'{s}:{_num(v)}' for s, v in m.series())}" for m in shown]
    return "\n".join(lines)


def _no_metrics(run: RunInfo, found: list[Metric], keys: list[str] | None) -> str:
    if found:
        names = one_line(", ".join(m.key for m in found), 400)
        return f"No metric of run {run.name!r} matches {keys}; its metrics: {names}."
    return (
        f"Run {run.name!r} logged no numeric metrics (only media, tables or text); "
        "log numbers with trackio.log({'loss': ...})."
    )


def _row(m: Metric) -> str:
    step, last = m.last
    bad = f" ({m.nonfinite} nan/inf)" if m.nonfinite else ""
    return (
        f"{m.key} | {_num(last)} ({step}) | {_at(m.lowest())} | {_at(m.highest())} | "
        f"{len(m.points)}{bad}"
    )


async def _alerts(source: TrackioSource, r: TrackioArgs) -> str:
    project = _project(r)
    run = pick_run(await source.runs(project), r.run, project) if r.run else None
    alerts = await source.alerts(project, run)
    scope = f"project {project!r}" + (f", run {run.name!r}" if run else "")
    if not alerts:
        return (
            f"No alerts in {scope} ({source.where}). Training scripts raise them with "
            "trackio.alert(title, text=..., level=trackio.AlertLevel.WARN)."
        )
    shown = alerts[:MAX_ALERTS]
    rows = [
        f"{_time(a.time)} | {a.level} | {a.run} | {_int(a.step)} | "
        f"{one_line(a.title + (f': {a.text}' if a.text else ''), 300)}"
        for a in shown
    ]
    more = f"… and {len(alerts) - len(shown)} older alerts." if len(alerts) > len(shown) else ""
    return "\n".join(
        [
            f"{_count(alerts, 'alert')} in {scope} ({source.where}), newest first:",
            "time (UTC) | level | run | step | alert",
            *rows,
            more,
        ]
    ).strip()


def _count(items: list[Any], noun: str) -> str:
    return f"{len(items)} {noun}{'' if len(items) == 1 else 's'}"


def _num(value: float) -> str:
    return f"{value:.4g}"


def _at(point: tuple[int, float] | None) -> str:
    return f"{_num(point[1])} ({point[0]})" if point else "-"


def _int(value: int | None) -> str:
    return "?" if value is None else str(value)


def _time(stamp: str | None) -> str:
    return stamp[:19].replace("T", " ") if stamp else "?"


_OPERATIONS: dict[str, Callable[[TrackioSource, TrackioArgs], Awaitable[str]]] = {
    "projects": _projects,
    "runs": _runs,
    "metrics": _metrics,
    "alerts": _alerts,
}


def trackio_spec() -> ToolSpec:
    return ToolSpec(
        tool=make_tool("trackio_metrics", TrackioArgs, _trackio),
        family="hub",
        approval=always("auto"),
        read_only=True,
        summary=lambda args: " ".join(
            str(args[k]) for k in ("operation", "project", "run", "space") if args.get(k)
        ),
    )
