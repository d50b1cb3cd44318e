"""GET /web/threads/{id}/experiments[?metric=NAME]: a thread's runs, and one metric's points.

The page's Experiments pane (web/experiments.js) polls it while a job streams. Each run
comes with its metrics' summaries (final, best, a sparkline); the points of one metric,
`metric` (default: the first charted run's main metric), come only for the runs charted,
`runs=ID,ID...` (at most CHART_RUNS; default: the latest CHART_RUNS), so a thread of 500
runs with thousands of points each answers fast. The thread's
state is read through this server's own API with the caller's credentials, so a person who
may not read the thread (serve/auth.py) gets the same 404 as for a thread that is not there,
and the runs shown are those its current history launched (graph/thread_runs.py): undo and
fork show them as `ml-intern experiments` does.
"""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path
from typing import Any

from langchain_core.messages import convert_to_messages
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from configs.environment import ml_intern_home
from graph.thread_runs import launching_calls, visible_runs
from serve.run_guard import own_api
from store.checkpointer import DB_NAME
from store.experiments import Ledger

CHART_RUNS = 20
NO_THREAD = "No such thread: it may have been deleted, or it is not yours."


def calls_of(values: dict[str, Any]) -> list[str]:
    """The tool call ids of a thread's messages as the API returns them (JSON)."""
    messages = values.get("messages") or []
    return launching_calls(convert_to_messages(messages)) if messages else []


async def experiments(request: Request) -> JSONResponse:
    thread_id = request.path_params["thread_id"]
    try:
        uuid.UUID(thread_id)
    except ValueError:
        return JSONResponse({"detail": NO_THREAD}, status_code=404)
    async with own_api(request.scope) as client:
        state = await client.get(f"/threads/{thread_id}/state")
    if state.status_code != 200:
        return JSONResponse({"detail": NO_THREAD}, status_code=404)
    calls = calls_of(state.json().get("values") or {})
    metric = request.query_params.get("metric") or None
    charted = request.query_params.get("runs")
    chart = [r for r in charted.split(",") if r][:CHART_RUNS] if charted is not None else None
    db = ml_intern_home() / DB_NAME
    body = await asyncio.to_thread(runs_with_points, db, thread_id, calls, metric, chart)
    return JSONResponse(body, headers={"Cache-Control": "no-store"})


def runs_with_points(
    db: Path, thread_id: str, calls: list[str], metric: str | None, chart: list[str] | None
) -> dict[str, Any]:
    """Blocking (SQLite): the runs `calls` launched, summarised, with `metric`'s points for
    the runs in `chart` (None: the latest CHART_RUNS)."""
    runs = visible_runs(db, thread_id, calls)
    if chart is None:
        chart = [run.id for run in runs[-CHART_RUNS:]]
    mains = (run.main_metric for run in runs if run.id in chart and run.main_metric)
    metric = metric or next(mains, None)  # as the page picks: the first charted run's
    points = {}
    if runs and metric:
        with Ledger(db) as ledger:
            points = ledger.points_of(thread_id, metric, chart)
    shown = []
    for run in runs:
        data = run.to_json()
        if run.id in points and metric in data["metrics"].get("series", {}):
            data["metrics"]["series"][metric]["points"] = points[run.id]
        shown.append(data)
    return {"thread_id": thread_id, "metric": metric, "experiments": shown}


ROUTES = [Route("/web/threads/{thread_id}/experiments", experiments, methods=["GET"])]
