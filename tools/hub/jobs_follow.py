"""Following a Hugging Face job: its SSE log stream, each line sent to the UI as it comes.

The model gets the head and the tail (`JobLog`). Streams that end while the job still runs are
reopened after a short wait (events already seen are skipped, so no line is shown twice); the
job's status, not the stream, decides when it is over. A follow lasts hours, so losing the
connection to the Hub (not an error answer) is waited out for up to `OUTAGE_S`.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections import deque
from collections.abc import Callable
from contextlib import suppress
from typing import Any

from langchain_core.tools import ToolException

from tools.call_context import CallContext
from tools.hub.client import (
    async_client,
    call_hub,
    hub_api,
    hub_endpoint,
    raise_for_status,
)
from tools.result_texts import tool_text
from tools.result_texts.hub_jobs import LINES_NOT_SHOWN, NO_LOG

TERMINAL = frozenset({"COMPLETED", "CANCELED", "ERROR", "DELETED"})
TAIL_LINES = 60
HEAD_LINES = 15
TAIL_CHARS = 6_000
HEAD_CHARS = 2_000
POLL_S = 2.0
OUTAGE_S = 300.0


class JobLog:
    """The lines a followed job printed: the first few and the last ones, and how many."""

    def __init__(self) -> None:
        self.head: list[str] = []
        self.tail: deque[str] = deque(maxlen=TAIL_LINES)
        self.count = 0

    def add(self, line: str) -> None:
        self.count += 1
        if len(self.head) < HEAD_LINES:
            self.head.append(line)
        else:
            self.tail.append(line)

    def text(self) -> str:
        """What the model sees: head, a gap marker, tail; capped in characters."""
        head = "\n".join(self.head)
        head = head[:HEAD_CHARS]
        tail = tail_text(self.tail)
        gap = self.count - len(self.head) - len(self.tail)
        if gap > 0:
            middle = tool_text("hf_jobs", LINES_NOT_SHOWN, count=gap)
        else:
            middle = "\n" if tail else ""
        return f"{head}{middle}{tail}" if head else tool_text("hf_jobs", NO_LOG)


def _emitter(call: CallContext, job_id: str) -> Callable[[str, str], None]:
    """Each log line (and the job's stage) as progress of this call."""

    def emit(line: str, progress: str) -> None:
        call.progress(job_id=job_id, line=line, progress=progress)

    return emit


async def _stream_once(
    client: Any, url: str, seen: int, on_line: Callable[[str], None]
) -> tuple[int, bool]:
    """Read the SSE log stream once, skipping the `seen` events already shown; the events
    seen now, and whether the stream ended rather than dropped."""
    import httpx
    from httpx_sse import SSEError, aconnect_sse

    index = 0
    try:
        async with aconnect_sse(client, "GET", url) as source:
            if source.response.status_code >= 400:
                await source.response.aread()
                raise_for_status(source.response, "Following the job's logs")
            async for event in source.aiter_sse():
                data = _log_line(event.data)
                if data is None:
                    continue
                index += 1
                if index > seen:
                    seen = index
                    if not data.startswith("===== Job started"):
                        on_line(data)
    except (httpx.TransportError, SSEError):
        return seen, False  # the job's status decides whether to reopen the stream
    return seen, True


def _log_line(data: str) -> str | None:
    """The text of one log event (`{"data": ..., "timestamp": ...}`); None for anything else."""
    try:
        event = json.loads(data)
    except ValueError:
        return None
    return str(event.get("data", "")) if isinstance(event, dict) else None


async def follow(
    call: CallContext, job: Any, namespace: str, budget: float | None = None
) -> tuple[Any, JobLog]:
    """Stream the job's logs until it ends (or `budget` seconds pass); (last JobInfo, log)."""
    import httpx

    api, started = hub_api(), time.monotonic()
    url = f"{hub_endpoint()}/api/jobs/{namespace}/{job.id}/logs"
    log = JobLog()
    emit, stage = _emitter(call, job.id), job.status.stage

    def on_line(line: str) -> None:
        log.add(line)
        elapsed = int(time.monotonic() - started)
        clock = f"{elapsed // 3600}:{elapsed // 60 % 60:02d}:{elapsed % 60:02d}"
        emit(line, f"job {job.id} {stage} · {log.count} lines · {clock}")

    seen = 0
    with suppress(TimeoutError):
        async with (
            asyncio.timeout(budget),
            async_client(timeout=httpx.Timeout(30, read=90)) as client,
        ):
            while True:
                seen, whole = await _stream_once(client, url, seen, on_line)
                job = await job_status(api, job.id, namespace, call)
                stage = job.status.stage
                if stage in TERMINAL:
                    if not whole:  # the lines the dropped stream missed, from the ended job
                        await _stream_once(client, url, seen, on_line)
                    return job, log
                await asyncio.sleep(POLL_S)
    return job, log


async def job_status(api: Any, job_id: str, namespace: str, call: CallContext) -> Any:
    """The job's info; a lost connection to the Hub is retried for up to OUTAGE_S."""
    lost: float | None = None
    while True:
        try:
            return await call_hub(
                "Checking the job", api.inspect_job, job_id=job_id, namespace=namespace
            )
        except ToolException as exc:
            lost = lost if lost is not None else time.monotonic()
            if not unreachable(exc) or time.monotonic() - lost > OUTAGE_S:
                raise
            call.progress(job_id=job_id, line=f"lost contact with the Hub ({exc}); retrying")
        await asyncio.sleep(POLL_S)


def unreachable(exc: BaseException) -> bool:
    """The connection failed (refused, reset, timed out), as opposed to an answer."""
    import httpx

    return isinstance(exc.__cause__ or exc, httpx.TransportError)


def tail_text(tail: deque[str]) -> str:
    text = "\n".join(tail)
    return text[-TAIL_CHARS:] if len(text) > TAIL_CHARS else text
