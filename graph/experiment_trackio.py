"""Trackio as a metrics source: the series a job logged to Trackio, merged into its ledger row.

tools/hub/jobs_ledger.py records the Trackio project, dashboard Space and run a job names
(flags, environment, script) in the run's outputs. When the job ends, its rows are read from
that Space (tools/hub/trackio_space.py), else from this machine's Trackio data
(tools/hub/trackio_local.py), and each scalar key becomes a series beside those parsed from
the log; a Trackio series replaces a log series of the same name (it has the exact steps).
Which run: the one named, else the first that started after the job did. A Space that is
down, a project or run not there: the run keeps its log metrics, and `trackio.state` says
what happened.
"""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import nullcontext
from datetime import datetime
from typing import Any

from graph.experiment_metrics import Series, lower_is_better, main_metric
from tools.hub.trackio_data import RunInfo, metrics_of, pick_run
from tools.hub.trackio_local import LocalTrackio
from tools.hub.trackio_space import SpaceTrackio

# A Space's clock and this machine's may disagree a little; local data shares our clock.
SPACE_CLOCK_SLACK_S = 30.0


def target_of(outputs: Mapping[str, Any]) -> dict[str, str] | None:
    """The run's Trackio project / Space / run, or None when it logs to no Trackio."""
    if not outputs.get("trackio_project"):
        return None
    keys = ("trackio_project", "trackio_space", "trackio_run")
    return {k.removeprefix("trackio_"): str(outputs[k]) for k in keys if outputs.get(k)}


def started_after(runs: list[RunInfo], since: float, slack_s: float = 0.0) -> RunInfo:
    """The first Trackio run that started after the job did (a run not named)."""
    for run in runs:
        try:
            started = datetime.fromisoformat(run.started or "").timestamp()
        except ValueError:
            continue
        if started >= since - slack_s:
            return run
    raise LookupError(
        "no Trackio run of this project started after the job did (name it with --run-name)"
    )


async def read_trackio(target: Mapping[str, str], started_at: float) -> dict[str, Any]:
    """What Trackio holds for the run: {project, space, run, state, rows, series}."""
    found: dict[str, Any] = {"project": target["project"], "space": target.get("space")}
    opened = SpaceTrackio(target["space"]) if target.get("space") else nullcontext(LocalTrackio())
    try:
        async with opened as source:
            runs = await source.runs(target["project"])
            if target.get("run"):
                run = pick_run(runs, target["run"], target["project"])
            else:
                slack = SPACE_CLOCK_SLACK_S if target.get("space") else 0.0
                run = started_after(runs, started_at, slack)
            rows = await source.logs(target["project"], run)
    except Exception as problem:  # down, asleep, missing: a state to show, never a crash
        return found | {"state": f"not read: {problem}".strip(), "series": {}}
    series: dict[str, Any] = {}
    for metric in metrics_of(rows):
        line = Series(lower=lower_is_better(metric.key))
        for step, value in metric.points:
            line.add(float(step), value)
        series[metric.key] = line.to_json()
    return found | {"run": run.name, "state": "read", "rows": len(rows), "series": series}


def merged(metrics: Mapping[str, Any], trackio: Mapping[str, Any] | None) -> dict[str, Any]:
    """A run's log metrics with its Trackio series added, and what Trackio said."""
    if not trackio:
        return dict(metrics)
    series = {**(metrics.get("series") or {}), **(trackio.get("series") or {})}
    about = {k: v for k, v in trackio.items() if k != "series" and v is not None}
    main = metrics.get("main") or main_metric(list(series))
    return {**metrics, "series": series, "main": main, "trackio": about}
