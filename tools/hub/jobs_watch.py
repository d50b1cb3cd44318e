"""Following a job to its end, the way a training run needs it.

- No time limit but the job's own: `hf_jobs` keeps its own deadline (ToolSpec.own_deadline),
  so hours of training are followed, with progress (stage, elapsed time, each log line).
- A restart re-attaches: the job a call is following is written down (thread, call id ->
  job) before following starts; when the thread resumes and the unfinished call runs again,
  it follows that job instead of starting a second one.
- Ctrl-C lets go of the job without cancelling it, and the model is told how to reach it.
"""

from __future__ import annotations

import asyncio
import json
import re
from pathlib import Path
from typing import Any

from langchain_core.tools import ToolException

from configs.environment import ml_intern_home
from tools.call_context import CallContext
from tools.hub.client import call_hub, hub_api
from tools.hub.jobs_follow import TERMINAL, follow
from tools.hub.jobs_ledger import announce_ended
from tools.hub.jobs_text import stage_of
from tools.result_texts import hub_jobs as texts
from tools.result_texts import tool_text


def _record(call: CallContext) -> Path | None:
    if not call.tool_call_id:
        return None
    safe = lambda name: re.sub(r"[^A-Za-z0-9_.-]", "_", name)[:120]  # noqa: E731
    return ml_intern_home() / "jobs" / safe(call.thread_id) / f"{safe(call.tool_call_id)}.json"


def followed_before(call: CallContext) -> tuple[str, str] | None:
    """(job id, namespace) this very call was following when the process stopped, if any."""
    path = _record(call)
    try:
        data = json.loads(path.read_text()) if path else None
    except (OSError, ValueError):
        return None
    return (str(data["job_id"]), str(data["namespace"])) if isinstance(data, dict) else None


def _remember(call: CallContext, job_id: str, namespace: str) -> None:
    path = _record(call)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps({"job_id": job_id, "namespace": namespace}))


def _forget(call: CallContext) -> None:
    path = _record(call)
    if path is not None:
        path.unlink(missing_ok=True)


async def inspect(job_id: str, namespace: str) -> Any:
    return await call_hub(
        f"Inspecting job {job_id}", hub_api().inspect_job, job_id=job_id, namespace=namespace
    )


async def watch(
    call: CallContext, job: Any, namespace: str, started: str, *, lead: str = ""
) -> str:
    """Follow `job` until it ends; what the model reads (`lead`, then head and tail of its
    log)."""
    how = tool_text("hf_jobs", texts.HOW, id=job.id)
    if job.status.stage in TERMINAL:
        return await _ended(call, job, namespace, started)
    await asyncio.to_thread(_remember, call, job.id, namespace)  # off the event loop
    call.note_if_interrupted(
        tool_text("hf_jobs", texts.STILL_RUNNING, id=job.id, url=job.url, how=how)
    )
    call.progress(line=f"following job {job.id}; Ctrl-C stops following, the job keeps running")
    try:
        final, log = await follow(call, job, namespace)
    except asyncio.CancelledError:
        await asyncio.to_thread(_forget, call)
        raise
    except ToolException as exc:  # the job runs on; say how to reach it
        await asyncio.to_thread(_forget, call)
        call.note_if_interrupted(None)
        return tool_text("hf_jobs", texts.FOLLOW_FAILED, started=started, error=exc, how=how)
    await asyncio.to_thread(_forget, call)
    call.note_if_interrupted(None)
    stage = final.status.stage
    call.emit({"type": "job_finished", "job_id": job.id, "stage": stage, "url": job.url})
    said, url = stage_of(final.status), job.url
    ended = tool_text("hf_jobs", texts.FINISHED, lead=lead, id=job.id, stage=said, url=url)
    return ended + tool_text("hf_jobs", texts.LOG, count=log.count, log=log.text())


async def _ended(call: CallContext, job: Any, namespace: str, started: str) -> str:
    """A job that was over before we started following: its outcome and last lines."""
    lines = await call_hub(
        "Reading the logs",
        lambda: list(hub_api().fetch_job_logs(job_id=job.id, namespace=namespace)),
    )
    announce_ended(call, job, lines)  # the experiment ledger reads its metrics from them
    tail = "\n".join(lines[-40:])[-4000:] or tool_text("hf_jobs", texts.NO_LOG)
    said = stage_of(job.status)
    return tool_text("hf_jobs", texts.ENDED, started=started, id=job.id, stage=said, tail=tail)
