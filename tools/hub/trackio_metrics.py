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
from tools.result_texts import tool_text
from tools.result_texts import trackio as texts
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
            tool_text("trackio_metrics", texts.NEEDS_PROJECT, operation=r.operation)
        )
    return (r.project or "").strip()


async def _projects(source: TrackioSource, r: TrackioArgs) -> str:
    names = await source.projects()
    if not names:
        return tool_text("trackio_metrics", texts.NO_PROJECTS, where=source.where)
    n = len(names)
    count = _plural(
        n,
        tool_text("trackio_metrics", texts.ONE_PROJECT, count=n),
        tool_text("trackio_metrics", texts.PROJECTS, count=n),
    )
    lines = [
        tool_text("trackio_metrics", texts.PROJECTS_HEAD, count=count, where=source.where),
        *(tool_text("trackio_metrics", texts.PROJECT_LINE, name=n) for n in names),
    ]
    return "\n".join([*lines, tool_text("trackio_metrics", texts.NEXT_RUNS)])


async def _runs(source: TrackioSource, r: TrackioArgs) -> str:
    project = _project(r)
    runs = await source.runs(project, details=True)
    if not runs:
        raise no_runs(project)
    shown = list(reversed(runs))[:MAX_RUNS]
    rows = [
        tool_text(
            "trackio_metrics",
            texts.RUN_ROW,
            name=run.name,
            id=run.id[:8],
            started=_time(run.started),
            last_logged=_time(run.last_logged),
            last_step=_int(run.last_step),
            logs=_int(run.logs),
        )
        for run in shown
    ]
    n, hidden = len(runs), len(runs) - len(shown)
    one, many = (
        tool_text("trackio_metrics", texts.ONE_RUN, count=n),
        tool_text("trackio_metrics", texts.RUNS, count=n),
    )
    where = source.where
    head = tool_text(
        "trackio_metrics",
        texts.RUNS_HEAD,
        count=_plural(n, one, many),
        project=project,
        where=where,
    )
    older = tool_text("trackio_metrics", texts.OLDER_RUNS, count=hidden) if hidden > 0 else ""
    return _table(head, tool_text("trackio_metrics", texts.RUNS_COLUMNS), rows, older)


async def _metrics(source: TrackioSource, r: TrackioArgs) -> str:
    project = _project(r)
    run = pick_run(await source.runs(project), r.run, project)
    rows = await source.logs(project, run)
    found = metrics_of(rows)
    chosen = matching(found, r.keys)
    if not chosen:
        raise ToolException(_no_metrics(run, found, r.keys))
    lines = [_metrics_head(source, project, run, rows, newest=not r.run)]
    lines[0] += _sampled(source, rows)
    shown = chosen[:MAX_METRICS]
    rest = [m.key for m in chosen[len(shown) :]]
    lines += [tool_text("trackio_metrics", texts.METRICS_COLUMNS), *map(_row, shown)]
    if rest:
        keys = one_line(", ".join(rest), 400)
        lines.append(tool_text("trackio_metrics", texts.MORE_METRICS, count=len(rest), keys=keys))
    lines.append(tool_text("trackio_metrics", texts.SERIES_HEAD, points=SERIES_POINTS))
    lines += [
        tool_text(
            "trackio_metrics",
            texts.SERIES,
            key=m.key,
            points=" ".join(f"{s}:{_num(v)}" for s, v in m.series()),
        )
        for m in shown
    ]
    return "\n".join(lines)


def _metrics_head(
    source: TrackioSource, project: str, run: RunInfo, rows: list[Any], *, newest: bool
) -> str:
    steps = [row.step for row in rows]
    return tool_text(
        "trackio_metrics",
        texts.METRICS_HEAD,
        run=run.name,
        id=run.id[:8],
        project=project,
        where=source.where,
        rows=len(rows),
        first=min(steps),
        last=max(steps),
        time=_time(rows[-1].time),
        newest=tool_text("trackio_metrics", texts.NEWEST_RUN) if newest else "",
    )


def _sampled(source: TrackioSource, rows: list[Any]) -> str:
    if len(rows) >= SPACE_ROWS_CAP and isinstance(source, SpaceTrackio):
        return tool_text("trackio_metrics", texts.SAMPLED, cap=SPACE_ROWS_CAP)
    return ""


def _no_metrics(run: RunInfo, found: list[Metric], keys: list[str] | None) -> str:
    if found:
        names = one_line(", ".join(m.key for m in found), 400)
        return tool_text(
            "trackio_metrics", texts.NO_MATCHING_METRIC, run=run.name, keys=keys, names=names
        )
    return tool_text("trackio_metrics", texts.NO_NUMBERS, run=run.name)


def _row(m: Metric) -> str:
    step, last = m.last
    bad = tool_text("trackio_metrics", texts.NONFINITE, count=m.nonfinite) if m.nonfinite else ""
    return tool_text(
        "trackio_metrics",
        texts.METRIC_ROW,
        key=m.key,
        last=_num(last),
        step=step,
        lowest=_at(m.lowest()),
        highest=_at(m.highest()),
        count=len(m.points),
        nonfinite=bad,
    )


async def _alerts(source: TrackioSource, r: TrackioArgs) -> str:
    project = _project(r)
    run = pick_run(await source.runs(project), r.run, project) if r.run else None
    alerts = await source.alerts(project, run)
    scope = tool_text("trackio_metrics", texts.IN_PROJECT, project=project)
    if run:
        scope += tool_text("trackio_metrics", texts.AND_RUN, run=run.name)
    if not alerts:
        return tool_text("trackio_metrics", texts.NO_ALERTS, scope=scope, where=source.where)
    shown = alerts[:MAX_ALERTS]
    rows = [_alert_row(a) for a in shown]
    if len(alerts) > len(shown):
        rows.append(
            tool_text("trackio_metrics", texts.OLDER_ALERTS, count=len(alerts) - len(shown))
        )
    count = _plural(
        len(alerts),
        tool_text("trackio_metrics", texts.ONE_ALERT, count=len(alerts)),
        tool_text("trackio_metrics", texts.ALERTS, count=len(alerts)),
    )
    head = tool_text(
        "trackio_metrics", texts.ALERTS_HEAD, count=count, scope=scope, where=source.where
    )
    return _table(head, tool_text("trackio_metrics", texts.ALERTS_COLUMNS), rows, "")


def _alert_row(a: Any) -> str:
    alert = (
        tool_text("trackio_metrics", texts.ALERT_TEXT, title=a.title, text=a.text)
        if a.text
        else a.title
    )
    return tool_text(
        "trackio_metrics",
        texts.ALERT_ROW,
        time=_time(a.time),
        level=a.level,
        run=a.run,
        step=_int(a.step),
        alert=one_line(alert, 300),
    )


def _table(head: str, columns: str, rows: list[str], more: str) -> str:
    return "\n".join([head, columns, *rows, more]).strip()


def _plural(count: int, one: str, many: str) -> str:
    return one if count == 1 else many


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
