"""Jobs, scheduled jobs and dataset-viewer endpoints of the fake Hub.

A job "runs" for len(job_logs) * job_line_delay seconds (values taken when it is created), then
ends in job_final_stage; its log stream (SSE) sends each line when its time comes and closes
when the job ends or is cancelled. With `job_hold = (gate, n)` it sends n lines and stays
running until the gate is set, then runs on from there.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from collections.abc import Callable
from typing import Any

from tests.fakes import hub_seed as seed
from tests.fakes.hub_http import Request, Response, error, now, reply


class JobRoutes:
    """Mixed into FakeHub, which provides the state and `_authed`."""

    jobs: dict[str, dict[str, Any]]
    scheduled: dict[str, dict[str, Any]]
    viewer: dict[str, dict[str, Any]]
    job_logs: list[str]
    job_line_delay: float
    job_final_stage: str
    job_hold: tuple[threading.Event, int] | None
    url: str
    _ids: itertools.count[int]

    # --- jobs -------------------------------------------------------------------------------

    def _stage(self, job: dict[str, Any]) -> str:
        if job["_forced"]:
            return job["_forced"]
        if self._held(job):
            return "RUNNING"
        running = time.monotonic() - job["_t0"] < len(job["_logs"]) * job["_delay"]
        return "RUNNING" if running else job["_final"]

    def _held(self, job: dict[str, Any]) -> bool:
        """True while the job waits on its gate; the gate's release restarts its clock there."""
        if job["_hold"] is None:
            return False
        gate, lines = job["_hold"]
        if not gate.is_set():
            return True
        job["_hold"] = None
        job["_t0"] = time.monotonic() - lines * job["_delay"]
        return False

    def _job_json(self, job: dict[str, Any]) -> dict[str, Any]:
        shown = {k: v for k, v in job.items() if not k.startswith("_")}
        return {**shown, "status": {"stage": self._stage(job), "message": None}}

    def hardware(self, req: Request) -> Response:
        return reply(seed.HARDWARE)

    def jobs_collection(self, req: Request, ns: str) -> Response:
        if not self._authed(req):
            return error(401, "Invalid credentials in Authorization header")
        if req.method == "GET":
            return reply(
                [self._job_json(j) for j in self.jobs.values() if j["owner"]["name"] == ns]
            )
        spec = req.json()
        job_id = f"job{next(self._ids):05d}"
        self.jobs[job_id] = {
            "id": job_id,
            "createdAt": now(),
            "dockerImage": spec.get("dockerImage"),
            "spaceId": spec.get("spaceId"),
            "command": spec["command"],
            "arguments": spec.get("arguments", []),
            "environment": spec.get("environment", {}),
            "secrets": dict.fromkeys(spec.get("secrets") or {}),
            "flavor": spec["flavor"],
            "labels": spec.get("labels"),
            "owner": {"id": "u1", "name": ns, "type": "user"},
            "_spec": spec,
            "_t0": time.monotonic(),
            "_logs": list(self.job_logs),
            "_final": self.job_final_stage,
            "_forced": None,
            "_delay": self.job_line_delay,
            "_hold": self.job_hold,
        }
        return reply(self._job_json(self.jobs[job_id]))

    def job(
        self, req: Request, ns: str, job_id: str, action: str | None = None
    ) -> Response | Callable[[Any], None]:
        job = self.jobs.get(job_id)
        if job is None or job["owner"]["name"] != ns:
            return error(404, "Job not found")
        if action == "cancel":
            job["_forced"] = "CANCELED"
            return reply({})
        if action == "logs":
            return lambda handler: self._stream_logs(handler, job, req.arg("tail"))
        return reply(self._job_json(job))

    def _stream_logs(self, handler: Any, job: dict[str, Any], tail: str | None) -> None:
        handler.send_response(200)
        handler.send_header("Content-Type", "text/event-stream")
        handler.send_header("Connection", "close")
        handler.end_headers()

        def send(text: str) -> None:
            handler.wfile.write(
                f"data: {json.dumps({'data': text, 'timestamp': now()})}\n\n".encode()
            )
            handler.wfile.flush()

        send(f"===== Job started at {now()} =====")
        lines, sent = job["_logs"], 0
        first = max(0, len(lines) - int(tail)) if tail else 0
        while sent < len(lines) and self._stage(job) == "RUNNING":
            due = int((time.monotonic() - job["_t0"]) / job["_delay"]) + 1
            if (hold := job["_hold"]) is not None:
                due = min(due, hold[1])
            for line in lines[sent : min(due, len(lines))]:
                if sent >= first:
                    send(line)
                sent += 1
            time.sleep(job["_delay"] / 5)
        # As the Hub's, the stream closes when the job ends (its last line comes a line's
        # time before): a follower that asks for the status then finds it ended, and does
        # not wait out a poll interval (2 s in a server) for it.
        while sent >= len(lines) and self._stage(job) == "RUNNING":
            time.sleep(job["_delay"] / 5)
        if job["_forced"] is None:
            for line in lines[max(sent, first) :]:
                send(line)

    def scheduled_collection(self, req: Request, ns: str) -> Response:
        if not self._authed(req):
            return error(401, "Invalid credentials in Authorization header")
        if req.method == "GET":
            return reply([s for s in self.scheduled.values() if s["owner"]["name"] == ns])
        data = req.json()
        sid = f"sched{next(self._ids):05d}"
        self.scheduled[sid] = {
            "id": sid,
            "createdAt": now(),
            "jobSpec": data["jobSpec"],
            "schedule": data["schedule"],
            "suspend": bool(data.get("suspend")),
            "concurrency": False,
            "status": {"lastJob": None, "nextJobRunAt": "2030-01-01T00:00:00.000Z"},
            "owner": {"id": "u1", "name": ns, "type": "user"},
        }
        return reply(self.scheduled[sid])

    def scheduled_job(self, req: Request, ns: str, sid: str, action: str | None = None) -> Response:
        if sid not in self.scheduled:
            return error(404, "Scheduled job not found")
        if req.method == "DELETE":
            del self.scheduled[sid]
        elif action:
            self.scheduled[sid]["suspend"] = action == "suspend"
        return reply({})

    # --- dataset viewer ---------------------------------------------------------------------

    def viewer_api(self, req: Request, endpoint: str) -> Response:
        name = req.arg("dataset") or ""
        if name not in self.viewer:
            return error(
                404,
                "The dataset does not exist, or is not accessible without authentication "
                "(private or gated). Please check the spelling of the dataset name or retry with authentication.",
                "DatasetNotFoundError",
            )
        return reply(
            viewer_answer(
                self.url, name, self.viewer[name], endpoint, req.arg("config"), req.arg("split")
            )
        )


def viewer_answer(
    base: str, name: str, data: dict[str, Any], endpoint: str, config: str | None, split: str | None
) -> Any:
    pairs = [(c, s, rows) for c, v in data.items() for s, rows in v["splits"].items()]
    if endpoint == "is-valid":
        return {"preview": True, "viewer": True, "search": True, "filter": True, "statistics": True}
    if endpoint == "splits":
        return {
            "splits": [{"dataset": name, "config": c, "split": s} for c, s, _ in pairs],
            "pending": [],
            "failed": [],
        }
    if endpoint == "parquet":
        files = [
            {
                "dataset": name,
                "config": c,
                "split": s,
                "filename": "0000.parquet",
                "size": 1000 + len(json.dumps(r)),
                "url": f"{base}/datasets/{name}/resolve/refs%2Fconvert%2Fparquet/{c}/{s}/0000.parquet",
            }
            for c, s, r in pairs
        ]
        return {"parquet_files": files, "pending": [], "failed": [], "partial": False}
    if endpoint == "size":
        splits = [
            {
                "dataset": name,
                "config": c,
                "split": s,
                "num_rows": len(r),
                "num_bytes_parquet_files": 1000 + len(json.dumps(r)),
                "num_bytes_memory": 2 * len(json.dumps(r)),
                "num_columns": len(data[c]["features"]),
            }
            for c, s, r in pairs
        ]
        return {
            "size": {
                "dataset": {"dataset": name, "num_rows": sum(len(r) for *_, r in pairs)},
                "configs": [],
                "splits": splits,
            },
            "pending": [],
            "failed": [],
            "partial": False,
        }
    chosen = data[config or next(iter(data))]
    if endpoint == "info":
        info = {
            "config_name": config,
            "features": chosen["features"],
            "splits": {s: {"name": s, "num_examples": len(r)} for s, r in chosen["splits"].items()},
        }
        return {"dataset_info": info, "partial": False}
    rows = chosen["splits"][split or "train"]
    if endpoint == "first-rows":
        features = [
            {"feature_idx": i, "name": k, "type": v}
            for i, (k, v) in enumerate(chosen["features"].items())
        ]
        return {
            "dataset": name,
            "config": config,
            "split": split,
            "features": features,
            "truncated": False,
            "rows": [
                {"row_idx": i, "row": r, "truncated_cells": []} for i, r in enumerate(rows[:100])
            ],
        }
    stats = [
        {
            "column_name": k,
            "column_type": "string_text",
            "column_statistics": {"nan_count": 0, "min": 1, "max": 9},
        }
        for k in chosen["features"]
    ]
    return {"num_examples": len(rows), "statistics": stats, "partial": False}
