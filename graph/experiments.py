"""The experiment ledger at work: `hf_jobs` calls recorded as runs, and which runs a thread sees.

`with_ledger(catalog, home)` wraps `hf_jobs` so that each call's stream passes through a
`RunRecorder` first: the `experiment_started` event a started job announces
(tools/hub/jobs_ledger.py) becomes a row, the job's log lines become metric series
(graph/experiment_metrics.py, bounded), and `job_finished` closes the row with its status.
The row is written as the job starts and its metrics within `FLUSH_S` of each line that
adds one (a job that then logs nothing for a while shows them all the same), so a crash or
a Ctrl-C loses at most those seconds. The ledger's SQLite work and the parsing happen on one
worker thread per call, in the stream's order: the event loop (the LangGraph server's too,
which refuses blocking calls on it) only hands events over. It adds the read-only
`experiments` tool as well.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from graph.experiment_commands import LONG_RUN_S, watched
from graph.experiment_metrics import RunMetrics
from graph.experiment_trackio import merged, read_trackio, target_of
from graph.experiments_tool import experiments_spec
from store.checkpointer import DB_NAME
from store.experiments import Experiment, Ledger, experiment_id
from tools.call_context import CallContext, calling, current_call
from tools.catalog import ToolCatalog

FLUSH_S = 2.0  # metrics reach the database at least this often while a job streams
EVENT_FIELDS = ("kind", "name", "job_id", "url", "flavor", "price_per_hour", "script")
EVENT_FIELDS += ("script_sha256", "args", "datasets", "models", "outputs")
HEARD = frozenset({"experiment_started", "experiment_ended", "tool_log", "job_finished"})
OWN = frozenset({"experiment_started", "experiment_ended"})  # the ledger's own messages
WATCHED = ("bash", "hf_sandbox")  # their long training commands become runs
log = logging.getLogger(__name__)


class RunRecorder:
    """Listens to one tool call's stream, writes runs into the ledger, forwards the rest."""

    hears_experiments = True  # tools/hub/jobs_ledger.py announces a started job only to it

    def __init__(self, ledger: Ledger, call: CallContext) -> None:
        self.ledger, self.call, self.forward = ledger, call, call.writer
        self.runs: dict[str, tuple[str, RunMetrics]] = {}  # job id -> (experiment id, metrics)
        self.trackio: dict[str, dict[str, Any] | None] = {}  # experiment id -> what Trackio held
        self.flushed = time.monotonic()
        self.due: threading.Timer | None = None  # the flush of metrics added since the last
        self.worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ledger")

    def __call__(self, event: Any) -> None:
        kind = event.get("type") if isinstance(event, dict) else None
        if kind in HEARD:
            self.worker.submit(self.record, event)
        if kind not in OWN:  # a started job's message holds the script: not for the UI
            self.forward(event)

    def record(self, event: dict[str, Any]) -> None:
        """On the worker thread: one event into the ledger."""
        kind = event["type"]
        try:
            if kind == "experiment_started":
                self.started(event)
            elif kind == "experiment_ended":  # a job found already over: its whole log at once
                for line in event.get("lines") or []:
                    self.line(str(event["job_id"]), str(line))
                self.finished(str(event["job_id"]), str(event.get("stage") or "COMPLETED"))
            elif kind == "tool_log" and event.get("job_id") and isinstance(event.get("line"), str):
                self.line(str(event["job_id"]), event["line"])
            elif kind == "job_finished" and event.get("job_id"):
                self.finished(str(event["job_id"]), str(event.get("stage") or "COMPLETED"))
        except Exception:  # the run goes on; the ledger misses this event, and says so
            log.exception("experiment ledger: %s event not recorded", kind)

    def close(self) -> None:
        """Blocking: the events still queued, the last metrics, then the worker stops."""
        self.worker.submit(self.flush).result()
        self.worker.shutdown(wait=True)
        if self.due is not None:
            self.due.cancel()

    def started(self, event: dict[str, Any]) -> None:
        thread, call_id = self.call.thread_id, self.call.tool_call_id or ""
        fields = {k: event[k] for k in EVENT_FIELDS if event.get(k) is not None}
        run = Experiment(id=experiment_id(thread, call_id), thread_id=thread, call_id=call_id,
                         **fields)  # fmt: skip
        run.parent_id = self.parent_of(run)
        self.ledger.save(run)
        self.runs[run.job_id or ""] = (run.id, RunMetrics())

    def parent_of(self, run: Experiment) -> str | None:
        """The thread's latest earlier run of the same script name: this one derives from it."""
        same = [e for e in self.ledger.of_thread(run.thread_id) if e.name == run.name]
        return next((e.id for e in reversed(same) if e.id != run.id), None)

    def line(self, job_id: str, line: str) -> None:
        found = self.runs.get(job_id)
        if found is None:  # a job started by an earlier call, followed now: parsed afresh
            earlier = self.ledger.by_job(self.call.thread_id, job_id)
            if earlier is None:
                return
            found = self.runs[job_id] = (earlier.id, RunMetrics())
        if not found[1].add(line):
            return
        if time.monotonic() - self.flushed > FLUSH_S:
            self.flush()
        elif self.due is None:  # no later line may come soon: written within FLUSH_S anyway
            self.due = threading.Timer(FLUSH_S, self.flush_when_due)
            self.due.daemon = True
            self.due.start()

    def flush_when_due(self) -> None:
        """On the timer's thread: the flush, queued behind the events on the worker thread."""
        with contextlib.suppress(RuntimeError):  # closed meanwhile: its last flush wrote them
            self.worker.submit(self.flush)

    def finished(self, job_id: str, stage: str) -> None:
        if job_id not in self.runs and (earlier := self.ledger.by_job(self.call.thread_id, job_id)):
            self.runs[job_id] = (earlier.id, RunMetrics())
        if job_id in self.runs:
            run_id = self.runs[job_id][0]
            self.ledger.update(run_id, status=stage, ended_at=time.time())
            self.trackio[run_id] = self.from_trackio(run_id)
            self.flush()

    def from_trackio(self, run_id: str) -> dict[str, Any] | None:
        """What Trackio holds for a run whose job logged to it (None: it names no Trackio)."""
        run = self.ledger.get(run_id)
        target = target_of(run.outputs) if run else None
        if run is None or target is None:
            return None
        return asyncio.run(read_trackio(target, run.started_at))  # this worker has no loop

    def flush(self) -> None:
        """Write every run's metrics so far."""
        self.flushed = time.monotonic()
        if self.due is not None:
            self.due.cancel()
            self.due = None
        for run_id, metrics in self.runs.values():
            trackio = self.trackio.get(run_id)
            if metrics.lines or trackio:
                self.ledger.update(run_id, metrics=merged(metrics.to_json(), trackio))


def with_ledger(catalog: ToolCatalog, home: Path, long_run_s: float = LONG_RUN_S) -> ToolCatalog:
    """`catalog` with `hf_jobs` recording its runs, training commands (`bash`, `hf_sandbox`
    exec) that run past `long_run_s` recorded too, and the read-only `experiments` tool."""
    db = home / DB_NAME
    specs = [
        recorded(spec, db)
        if spec.name == "hf_jobs"
        else watched(spec, db, long_run_s)
        if spec.name in WATCHED
        else spec
        for spec in catalog
    ]
    return ToolCatalog(specs).extended([experiments_spec(db)])


def recorded(spec: Any, db: Path) -> Any:
    """The same tool spec, its calls heard by a RunRecorder on the ledger in `db`."""
    original = spec.tool.coroutine

    async def coroutine(**args: Any) -> Any:
        call = current_call()
        if not call.tool_call_id or not call.streaming:
            return await original(**args)
        ledger = Ledger(db)
        recorder = RunRecorder(ledger, call)
        try:
            with calling(dataclasses.replace(call, writer=recorder)):
                return await original(**args)
        finally:
            await asyncio.to_thread(recorder.close)
            await asyncio.to_thread(ledger.close)

    return dataclasses.replace(spec, tool=spec.tool.model_copy(update={"coroutine": coroutine}))
