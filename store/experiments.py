"""The experiment ledger: one row per run the agent launched, in the thread's own database.

A row is keyed by the thread and the tool call that launched the run. A thread shows the
rows whose launching call is still in its current history (`visible`): an undo that drops
the call hides its run, a fork gets copies of its source's rows (the thread index calls
`copy_thread` when it records a fork), and a resume shows the same rows as before. Deleting
a thread deletes its runs. Plain sqlite3, like the thread index.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from store.sqlite_file import SharedConnection

SCHEMA = """
CREATE TABLE IF NOT EXISTS ml_intern_experiments (
    id TEXT PRIMARY KEY,
    thread_id TEXT NOT NULL,
    call_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    name TEXT NOT NULL DEFAULT '',
    parent_id TEXT,
    job_id TEXT,
    url TEXT,
    script_sha256 TEXT,
    script TEXT,
    args TEXT NOT NULL DEFAULT '{}',
    flavor TEXT,
    price_per_hour REAL,
    datasets TEXT NOT NULL DEFAULT '[]',
    models TEXT NOT NULL DEFAULT '[]',
    outputs TEXT NOT NULL DEFAULT '{}',
    status TEXT NOT NULL,
    started_at REAL NOT NULL,
    ended_at REAL,
    metrics TEXT NOT NULL DEFAULT '{}',
    series TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX IF NOT EXISTS ml_intern_experiments_thread
    ON ml_intern_experiments (thread_id, started_at);
CREATE INDEX IF NOT EXISTS ml_intern_experiments_call ON ml_intern_experiments (call_id);
"""
JSON_FIELDS = ("args", "datasets", "models", "outputs", "metrics")
SPARK_POINTS = 16
ENDED = frozenset({"COMPLETED", "CANCELED", "ERROR", "DELETED"})


def experiment_id(thread_id: str, call_id: str) -> str:
    """Stable per launching call: a re-attach after a restart updates the same row."""
    return "exp-" + hashlib.sha256(f"{thread_id}\0{call_id}".encode()).hexdigest()[:8]


@dataclass
class Experiment:
    id: str
    thread_id: str
    call_id: str
    kind: str  # "hf_job"
    name: str = ""
    parent_id: str | None = None
    job_id: str | None = None
    url: str | None = None
    script_sha256: str | None = None
    script: str | None = field(default=None, repr=False)
    args: dict[str, Any] = field(default_factory=dict)
    flavor: str | None = None
    price_per_hour: float | None = None
    datasets: list[str] = field(default_factory=list)
    models: list[str] = field(default_factory=list)
    outputs: dict[str, Any] = field(default_factory=dict)
    status: str = "RUNNING"
    started_at: float = field(default_factory=time.time)
    ended_at: float | None = None
    metrics: dict[str, Any] = field(default_factory=dict)

    @property
    def ended(self) -> bool:
        return self.status in ENDED

    def duration_s(self, now: float | None = None) -> float:
        """Seconds it ran (so far, while it runs)."""
        end = self.ended_at if self.ended_at is not None else (now or time.time())
        return max(0.0, end - self.started_at)

    def cost_usd(self, now: float | None = None) -> float | None:
        """The flavor's price times the duration (so far); None when the price is unknown."""
        if self.price_per_hour is None:
            return None
        return self.price_per_hour * self.duration_s(now) / 3600

    @property
    def main_metric(self) -> str | None:
        return self.metrics.get("main")

    def final(self, name: str | None = None) -> float | str | None:
        """The last value of `name` (default: the main metric); 'nan' when it ended non-finite."""
        series = self.metrics.get("series", {}).get(name or self.main_metric or "")
        if not series:
            return None
        return series.get("final_state") or series.get("final")

    def to_json(self, *, series: bool = True) -> dict[str, Any]:
        data = {k: v for k, v in self.__dict__.items() if k != "script"}
        data |= {"duration_s": round(self.duration_s(), 3), "cost_usd": self.cost_usd()}
        data |= {"main_metric": self.main_metric, "final": self.final()}
        if not series:
            data["metrics"] = {k: v for k, v in self.metrics.items() if k != "series"}
        return data


COLUMNS = tuple(Experiment.__dataclass_fields__)
SELECT = f"SELECT {', '.join(COLUMNS)}, series FROM ml_intern_experiments"
SELECT_SUMMARY = f"SELECT {', '.join(COLUMNS)}, '{{}}' FROM ml_intern_experiments"


def split_metrics(metrics: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """(summary, points): a table reads the small summary (with a short sparkline of the
    main metric), never the series' points, so 500 runs list fast."""
    if not metrics:
        return {}, {}
    series = metrics.get("series") or {}
    summary = {k: v for k, v in metrics.items() if k != "series"}
    summary["series"] = {
        n: {k: v for k, v in d.items() if k != "points"} for n, d in series.items()
    }
    main = series.get(metrics.get("main") or "", {}).get("points") or []
    step = max(1, len(main) // SPARK_POINTS)
    summary["spark"] = main[::step][: SPARK_POINTS - 1] + main[-1:] if main else []
    return summary, {n: d.get("points", []) for n, d in series.items()}


def _row(values: Iterable[Any]) -> Experiment:
    *fields, points = values
    data = dict(zip(COLUMNS, fields, strict=True))
    for name in JSON_FIELDS:
        data[name] = json.loads(data[name] or ("[]" if name in {"datasets", "models"} else "{}"))
    for name, found in json.loads(points or "{}").items():
        data["metrics"].setdefault("series", {}).setdefault(name, {})["points"] = found
    return Experiment(**data)


def _stored(values: dict[str, Any]) -> dict[str, Any]:
    """Column values as stored: JSON text, the metrics split into summary and points."""
    out = {k: json.dumps(v) if k in JSON_FIELDS else v for k, v in values.items()}
    if "metrics" in values:
        summary, points = split_metrics(values["metrics"])
        out |= {"metrics": json.dumps(summary), "series": json.dumps(points)}
    return out


class Ledger(SharedConnection):
    """The ledger in one database file; opens its connection on first use."""

    SCHEMA = SCHEMA

    def save(self, experiment: Experiment) -> None:
        """Insert or replace the whole row."""
        values = _stored({c: getattr(experiment, c) for c in COLUMNS})
        marks = ", ".join("?" for _ in values)
        updates = ", ".join(f"{name} = excluded.{name}" for name in values if name != "id")
        with self._db() as db:
            db.execute(
                f"INSERT INTO ml_intern_experiments ({', '.join(values)}) VALUES ({marks}) "
                f"ON CONFLICT (id) DO UPDATE SET {updates}",
                list(values.values()),
            )

    def update(self, experiment_id: str, **values: Any) -> None:
        """Change some fields of one row (metrics, status, ended_at...)."""
        unknown = set(values) - set(COLUMNS)
        if unknown:
            raise ValueError(f"unknown experiment fields: {sorted(unknown)}")
        stored = _stored(values)
        sets = ", ".join(f"{name} = ?" for name in stored)
        with self._db() as db:
            db.execute(
                f"UPDATE ml_intern_experiments SET {sets} WHERE id = ?",
                [*stored.values(), experiment_id],
            )

    def get(self, experiment_id: str) -> Experiment | None:
        with self._db() as db:
            row = db.execute(f"{SELECT} WHERE id = ?", (experiment_id,)).fetchone()
        return _row(row) if row else None

    def by_job(self, thread_id: str, job_id: str) -> Experiment | None:
        """The thread's latest run of the Hub job `job_id` (a later `follow` feeds it)."""
        with self._db() as db:
            row = db.execute(
                f"{SELECT_SUMMARY} WHERE thread_id = ? AND job_id = ? "
                "ORDER BY started_at DESC LIMIT 1",
                (thread_id, job_id),
            ).fetchone()
        return _row(row) if row else None

    def of_thread(self, thread_id: str) -> list[Experiment]:
        """Every row the thread itself recorded, oldest first (hidden ones included)."""
        if self.absent():
            return []
        with self._db() as db:
            rows = db.execute(
                f"{SELECT_SUMMARY} WHERE thread_id = ? ORDER BY started_at",
                (thread_id,),
            ).fetchall()
        return [_row(r) for r in rows]

    def visible(
        self, thread_id: str, call_ids: list[str], *, series: bool = False
    ) -> list[Experiment]:
        """The thread's runs launched by `call_ids` (its current history), oldest first. Only
        the thread's own rows: a fork has copies (`copy_thread`), and a call id that happens
        to match another thread's (a provider numbering its calls) never shows that run.
        Without `series`, the metrics' summaries only (finals, bests, a sparkline)."""
        if not call_ids or self.absent():
            return []
        wanted = set(call_ids)
        with self._db() as db:
            rows = db.execute(
                f"{SELECT if series else SELECT_SUMMARY} WHERE thread_id = ? ORDER BY started_at",
                (thread_id,),
            ).fetchall()
        return [run for run in map(_row, rows) if run.call_id in wanted]

    def points_of(self, thread_id: str, metric: str, ids: list[str]) -> dict[str, list[Any]]:
        """One metric's points for the runs `ids` of the thread that have it (run id ->
        points), picked out by SQLite's JSON functions: a chart never parses the rest."""
        if not ids or (self._conn is None and not self.path.exists()):
            return {}
        among = f"thread_id = ? AND id IN ({', '.join('?' for _ in ids)})"
        if '"' in metric or "\\" in metric:  # a JSON path cannot quote these: read rows whole
            with self._db() as db:
                rows = db.execute(
                    f"SELECT id, series FROM ml_intern_experiments WHERE {among}",
                    (thread_id, *ids),
                ).fetchall()
            found = {run_id: json.loads(series or "{}").get(metric) for run_id, series in rows}
            return {run_id: points for run_id, points in found.items() if points}
        key = f'$."{metric}"'  # a quoted JSON path key: dots and slashes are literal
        with self._db() as db:
            rows = db.execute(
                f"SELECT id, json_extract(series, ?) FROM ml_intern_experiments WHERE {among}",
                (key, thread_id, *ids),
            ).fetchall()
        return {run_id: json.loads(points) for run_id, points in rows if points}

    def copy_thread(self, source: str, target: str) -> int:
        """Give the fork `target` a copy of every run of `source` (hidden ones too: the fork's
        own undo may bring their calls back). Returns how many."""
        with self._db() as db:
            rows = db.execute(f"{SELECT} WHERE thread_id = ?", (source,)).fetchall()
        runs = [_row(row) for row in rows]
        for run in runs:
            run.id, run.thread_id = experiment_id(target, run.call_id), target
            self.save(run)
        return len(runs)

    def delete_thread(self, thread_id: str) -> int:
        """Forget a deleted thread's runs (their scripts and arguments go with it)."""
        with self._db() as db:
            return db.execute(
                "DELETE FROM ml_intern_experiments WHERE thread_id = ?", (thread_id,)
            ).rowcount


def find_run(ref: str, among: list[Experiment]) -> Experiment:
    """`ref` (an id, an id prefix, a name, a Hub job id or a 1-based number) among `among`."""
    ref = ref.strip()
    if ref.isdigit() and 0 < int(ref) <= len(among):
        return among[int(ref) - 1]
    hits = [e for e in among if ref in {e.id, e.name, e.job_id} or e.id.startswith(ref)]
    if len(hits) == 1:
        return hits[0]
    known = ", ".join(f"{i} ({e.id} {e.name})" for i, e in enumerate(among, 1)) or "none"
    problem = "matches several runs" if hits else "matches no run"
    raise LookupError(f"{ref!r} {problem} of this thread. Runs: {known}.")
