"""Trackio's local data, read straight from its SQLite files (trackio itself is not needed).

trackio (0.43, `trackio/utils.py` and `trackio/sqlite_storage.py`) keeps one SQLite file per
project, `$TRACKIO_DIR/<project>.db` (default `$HF_HOME/trackio`; the project name reduced to
`[A-Za-z0-9_-]`). The tables read here:

    metrics(id, run_id, timestamp, run_name, step, metrics)   metrics: a JSON object per log call
    alerts(id, run_id, timestamp, run_name, title, text, level, step)

Files written before trackio 0.24 have no `run_id`: the run name is the id there. Files are
opened read-only (`mode=ro`), off the event loop; trackio may be writing them meanwhile (WAL).
On a network filesystem trackio first writes JSONL fragments to `$TRACKIO_DIR/inbox/`; they
are read here once a dashboard (`trackio show`) has imported them into the project file.
"""

from __future__ import annotations

import asyncio
import json
import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from langchain_core.tools import ToolException

from tools.hub.trackio_data import Alert, LogRow, RunInfo, project_key
from tools.result_texts import tool_text
from tools.result_texts import trackio as texts

DB_SUFFIX = ".db"
REGISTRY_PREFIX = "registry-"  # trackio's model registries, not training projects


def trackio_dir() -> Path:
    """Where trackio keeps local projects: $TRACKIO_DIR, else $HF_HOME/trackio."""
    configured = os.environ.get("TRACKIO_DIR")
    if configured:
        return Path(configured).expanduser()
    from huggingface_hub import constants

    return Path(constants.HF_HOME) / "trackio"


def read_projects() -> list[str]:
    folder = trackio_dir()
    if not folder.is_dir():
        return []
    return sorted(
        p.stem
        for p in folder.glob(f"*{DB_SUFFIX}")
        if p.is_file() and not p.stem.startswith(REGISTRY_PREFIX)
    )


def _database(project: str) -> Path:
    path = trackio_dir() / f"{project_key(project)}{DB_SUFFIX}"
    if path.is_file():
        return path
    known = read_projects()
    listed = (
        tool_text("trackio_metrics", texts.LOCAL_PROJECTS, names=", ".join(known[:20]))
        if known
        else tool_text("trackio_metrics", texts.NONE_YET)
    )
    folder = trackio_dir()
    raise ToolException(
        tool_text(
            "trackio_metrics", texts.NO_LOCAL_PROJECT, project=project, folder=folder, listed=listed
        )
    )


@contextmanager
def _reading(project: str) -> Iterator[sqlite3.Connection]:
    path = _database(project)
    try:
        conn = sqlite3.connect(f"{path.absolute().as_uri()}?mode=ro", uri=True, timeout=10)
    except sqlite3.Error as exc:
        raise ToolException(
            tool_text("trackio_metrics", texts.CANNOT_OPEN, path=path, error=exc)
        ) from exc
    conn.row_factory = sqlite3.Row
    try:
        yield conn
    except sqlite3.Error as exc:
        raise ToolException(
            tool_text("trackio_metrics", texts.READ_FAILED, project=project, path=path, error=exc)
        ) from exc
    finally:
        conn.close()


def _run_column(conn: sqlite3.Connection, table: str) -> str | None:
    """`run_id` (trackio >= 0.24), `run_name` (older files), None when the table is missing."""
    columns = {row[1] for row in conn.execute(f"PRAGMA table_info({table})")}
    if not columns:
        return None
    return "run_id" if "run_id" in columns else "run_name"


def read_runs(project: str) -> list[RunInfo]:
    with _reading(project) as conn:
        run_col = _run_column(conn, "metrics")
        if run_col is None:
            return []
        rows = conn.execute(
            f"""SELECT {run_col} AS id, run_name, MIN(timestamp) AS started,
                       MAX(timestamp) AS last_logged, MAX(step) AS last_step, COUNT(*) AS logs
                FROM metrics GROUP BY {run_col}, run_name ORDER BY started"""
        ).fetchall()
    return [
        RunInfo(
            str(r["id"]), r["run_name"], r["started"], r["last_logged"], r["last_step"], r["logs"]
        )
        for r in rows
    ]


def read_logs(project: str, run: RunInfo) -> list[LogRow]:
    with _reading(project) as conn:
        run_col = _run_column(conn, "metrics") or "run_id"
        rows = conn.execute(
            f"SELECT step, timestamp, metrics FROM metrics WHERE {run_col} = ? "
            "ORDER BY timestamp, id",
            (run.id,),
        ).fetchall()
    return [LogRow(r["step"], r["timestamp"], _values(r["metrics"])) for r in rows]


def _values(blob: str | bytes) -> dict[str, object]:
    try:
        values = json.loads(blob)
    except ValueError:
        return {}
    return values if isinstance(values, dict) else {}


def read_alerts(project: str, run: RunInfo | None) -> list[Alert]:
    with _reading(project) as conn:
        run_col = _run_column(conn, "alerts")
        if run_col is None:
            return []
        where, params = (f"WHERE {run_col} = ?", (run.id,)) if run else ("", ())
        rows = conn.execute(
            "SELECT timestamp, run_name, title, text, level, step FROM alerts "
            f"{where} ORDER BY timestamp DESC, id DESC",
            params,
        ).fetchall()
    return [
        Alert(r["timestamp"], r["run_name"], r["level"], r["title"], r["text"], r["step"])
        for r in rows
    ]


class LocalTrackio:
    """The TrackioSource for this machine's Trackio directory."""

    def __init__(self) -> None:
        self.where = tool_text("trackio_metrics", texts.LOCAL, folder=trackio_dir())

    async def projects(self) -> list[str]:
        return await asyncio.to_thread(read_projects)

    async def runs(self, project: str, *, details: bool = False) -> list[RunInfo]:
        return await asyncio.to_thread(read_runs, project)

    async def logs(self, project: str, run: RunInfo) -> list[LogRow]:
        return await asyncio.to_thread(read_logs, project, run)

    async def alerts(self, project: str, run: RunInfo | None) -> list[Alert]:
        return await asyncio.to_thread(read_alerts, project, run)
