"""What the Trackio reader works on, wherever the data lives: runs, logged rows, alerts.

Local project files (tools/hub/trackio_local.py) and a dashboard Space
(tools/hub/trackio_space.py) both answer the `TrackioSource` protocol with these records.
`metrics_of` turns a run's rows into one `Metric` per key; `pick_run` finds the run a call
means. All of it is pure: no files, no network.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from langchain_core.tools import ToolException

from tools.result_texts import tool_text
from tools.result_texts import trackio as texts

SERIES_POINTS = 12


@dataclass(frozen=True)
class RunInfo:
    id: str
    name: str
    started: str | None = None  # ISO timestamps, as trackio stores them (UTC)
    last_logged: str | None = None
    last_step: int | None = None
    logs: int | None = None


@dataclass(frozen=True)
class LogRow:
    """One `trackio.log(...)` call: its step, when, and the values logged."""

    step: int
    time: str | None
    values: Mapping[str, Any]


@dataclass(frozen=True)
class Alert:
    time: str
    run: str
    level: str
    title: str
    text: str | None
    step: int | None


class TrackioSource(Protocol):
    """Where Trackio data is read from; `where` names it in every answer."""

    where: str

    async def projects(self) -> list[str]: ...

    async def runs(self, project: str, *, details: bool = False) -> list[RunInfo]:
        """The project's runs, oldest first; ToolException when there is no such project."""
        ...

    async def logs(self, project: str, run: RunInfo) -> list[LogRow]: ...

    async def alerts(self, project: str, run: RunInfo | None) -> list[Alert]:
        """Newest first; ToolException when there is no such project."""
        ...


def project_key(project: str) -> str:
    """trackio's on-disk identity of a project name (`canonical_project_name`): `my.model` is
    `mymodel`."""
    safe = "".join(c for c in project if c.isalnum() or c in "-_").rstrip()
    return safe or "default"


def numeric(value: Any) -> float | None:
    """A logged value as a number, or None when it is no scalar metric (media, table, text).

    trackio stores nan and inf as the strings "NaN" / "Infinity" / "-Infinity"; a Space's
    JSON answer turns them into null, so null counts as non-finite too.
    """
    if value is None:
        return math.nan
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if value in ("NaN", "Infinity", "-Infinity"):
        return float(value)
    return None


@dataclass(frozen=True)
class Metric:
    key: str
    points: tuple[tuple[int, float], ...]  # (step, value) in the order they were logged

    @property
    def last(self) -> tuple[int, float]:
        return self.points[-1]

    @property
    def nonfinite(self) -> int:
        return sum(not math.isfinite(v) for _, v in self.points)

    def lowest(self) -> tuple[int, float] | None:
        finite = [p for p in self.points if math.isfinite(p[1])]
        return min(finite, key=lambda p: p[1]) if finite else None

    def highest(self) -> tuple[int, float] | None:
        finite = [p for p in self.points if math.isfinite(p[1])]
        return max(finite, key=lambda p: p[1]) if finite else None

    def series(self, size: int = SERIES_POINTS) -> list[tuple[int, float]]:
        """`size` points spread evenly from the first logged to the last."""
        return downsample(self.points, size)


def downsample(points: Sequence[tuple[int, float]], size: int) -> list[tuple[int, float]]:
    if len(points) <= size:
        return list(points)
    picks = sorted({round(i * (len(points) - 1) / (size - 1)) for i in range(size)})
    return [points[i] for i in picks]


def metrics_of(rows: Sequence[LogRow]) -> list[Metric]:
    """One Metric per scalar key, sorted by name."""
    points: dict[str, list[tuple[int, float]]] = {}
    for row in rows:
        for key, value in row.values.items():
            number = numeric(value)
            if number is not None:
                points.setdefault(key, []).append((row.step, number))
    return [Metric(key, tuple(points[key])) for key in sorted(points)]


def matching(metrics: Sequence[Metric], keys: Sequence[str] | None) -> list[Metric]:
    """The metrics whose key contains one of `keys` (any case); all of them without `keys`."""
    wanted = [k.strip().lower() for k in keys or [] if k.strip()]
    return [m for m in metrics if not wanted or any(w in m.key.lower() for w in wanted)]


def no_runs(project: str) -> ToolException:
    return ToolException(tool_text("trackio_metrics", texts.NO_RUNS, project=project))


def pick_run(runs: Sequence[RunInfo], wanted: str | None, project: str) -> RunInfo:
    """The run a call means: by name (the newest of that name), id or id prefix; default newest."""
    if not runs:
        raise no_runs(project)
    if not wanted:
        return runs[-1]
    named = [run for run in runs if run.name == wanted]
    if named:
        return named[-1]
    by_id = [
        run for run in runs if run.id == wanted or (len(wanted) >= 6 and run.id.startswith(wanted))
    ]
    if len(by_id) == 1:
        return by_id[0]
    newest = ", ".join(run.name for run in reversed(runs[-10:]))
    raise ToolException(
        tool_text("trackio_metrics", texts.NO_RUN, wanted=wanted, project=project, newest=newest)
    )
