"""What a forked child runs: one Session turn (headless), its events sent to the test.

The spec (a JSON dict from the test):
    home, workspace, thread, api_base   where and what to run
    prompt                              send it; without one, `continue_pending()`
    settings                            overrides for `fast_settings`
    lock                                run under `store.thread_lock.ThreadLock`: held here
                                        around the run, until graph/session.py takes it
                                        itself (then the Session's `error` of kind "busy" is
                                        the refusal). Either way a refusal is reported as a
                                        `refused` event and exit code 3.
    pause                               {"at": ..., "n": k}: stop dead at the k-th checkpoint
                                        operation of this process, so the test can kill it:
        after_put     the k-th checkpoint is committed (between two steps)
        in_put        inside the SQL transaction of the k-th checkpoint
        after_writes  the k-th task's writes are committed (before the step's checkpoint)
        in_writes     inside the SQL transaction of the k-th task's writes
                      (`"sql"`: stop at the statement containing this text; default COMMIT)
    dump                                end with a `transcript` event (normalised messages)

Besides the session's events it emits `hook` events (one per checkpoint operation, with
the tool calls whose results were saved) and `paused` when it stopped at `pause`.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sqlite3
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

Emit = Callable[[dict[str, Any]], None]
PAUSE_S = 600.0  # "forever": the test kills the process long before


def main(spec: dict[str, Any], emit: Emit) -> int:
    os.environ.update(spec.get("env") or {})
    os.environ["ML_INTERN_HOME"] = spec["home"]
    return asyncio.run(_run(spec, emit))


async def _run(spec: dict[str, Any], emit: Emit) -> int:
    from store.thread_lock import ThreadBusyError, ThreadLock
    from tests.fakes.agent import fast_settings, open_session

    settings = fast_settings(spec["api_base"], **(spec.get("settings") or {}))
    lock = None
    if spec.get("lock") and not session_takes_the_lock():
        lock = ThreadLock(Path(spec["home"]), spec["thread"])
        try:
            lock.acquire()
        except ThreadBusyError as error:
            emit({"type": "refused", "message": str(error)})
            return 3
    refused = False
    try:
        async with open_session(
            settings, Path(spec["workspace"]), thread_id=spec["thread"], mode="headless"
        ) as session:
            Hooks(session.graph.checkpointer, spec.get("pause"), emit).install()
            prompt = spec.get("prompt")
            events = session.send(prompt) if prompt else session.continue_pending()
            async for event in events:
                emit({"type": event.type, "data": event.data})
                if event.type == "error" and event.data.get("kind") == "busy":
                    refused = True
                    emit({"type": "refused", "message": event.data.get("message", "")})
            if spec.get("dump"):
                values = await session.values()
                emit(
                    {
                        "type": "transcript",
                        "messages": normalise(values.get("messages") or []),
                        "iterations": (values.get("turn") or {}).get("iterations"),
                        "unfinished": await session.has_unfinished_run(),
                    }
                )
    finally:
        if lock is not None:
            lock.release()
    return 3 if refused else 0


def session_takes_the_lock() -> bool:
    """True once graph/session.py holds the thread lock during a run itself."""
    import graph.session

    return hasattr(graph.session, "ThreadLock")


def normalise(messages: list[Any]) -> list[dict[str, Any]]:
    """What a transcript says, without ids and timestamps that differ from run to run."""
    from langchain_core.messages import AIMessage, ToolMessage

    from models.messages import note_kind, text_of

    out = []
    for message in messages:
        item: dict[str, Any] = {"type": message.type, "content": text_of(message.content)}
        if isinstance(message, AIMessage):
            item["tool_calls"] = [
                {"id": c["id"], "name": c["name"], "args": c["args"]} for c in message.tool_calls
            ]
        elif isinstance(message, ToolMessage):
            item |= {"tool_call_id": message.tool_call_id, "status": message.status}
        else:
            item["note"] = note_kind(message)
        out.append(item)
    return out


class Hooks:
    """Wraps the saver's `aput` / `aput_writes` on this instance to report and to pause."""

    def __init__(self, saver: Any, pause: dict[str, Any] | None, emit: Emit) -> None:
        self.saver = saver
        self.pause = pause or {}
        self.emit = emit
        self.counts = {"put": 0, "writes": 0}

    def install(self) -> None:
        put, put_writes = self.saver.aput, self.saver.aput_writes

        async def aput(config: Any, checkpoint: Any, metadata: Any, versions: Any) -> Any:
            n = self._next("put")
            info = {"step": (metadata or {}).get("step"), "source": (metadata or {}).get("source")}
            info["updated"] = sorted(checkpoint.get("updated_channels") or [])
            with self._inside("in_put", n, info):
                result = await put(config, checkpoint, metadata, versions)
            self._after("after_put", n, info)
            return result

        async def aput_writes(config: Any, writes: Any, task_id: str, task_path: str = "") -> Any:
            n = self._next("writes")
            info = {"channels": [c for c, _ in writes], "tool_call_ids": _tool_call_ids(writes)}
            with self._inside("in_writes", n, info):
                result = await put_writes(config, writes, task_id, task_path)
            self._after("after_writes", n, info)
            return result

        self.saver.aput = aput
        self.saver.aput_writes = aput_writes

    def _next(self, kind: str) -> int:
        self.counts[kind] += 1
        return self.counts[kind]

    def _matches(self, at: str, n: int) -> bool:
        return self.pause.get("at") == at and self.pause.get("n") == n

    def _after(self, at: str, n: int, info: dict[str, Any]) -> None:
        self.emit({"type": "hook", "at": at, "n": n, **info})
        if self._matches(at, n):
            self._stop(at, n, info)

    def _stop(self, at: str, n: int, info: dict[str, Any]) -> None:
        self.emit({"type": "paused", "at": at, "n": n, **info})
        time.sleep(PAUSE_S)  # blocks the event loop: nothing else happens until the kill

    @contextlib.contextmanager
    def _inside(self, at: str, n: int, info: dict[str, Any]) -> Iterator[None]:
        """While armed, stop inside the SQL transaction of this operation.

        The stop comes from SQLite's statement trace, at the start of the statement whose
        text contains `pause["sql"]` (default COMMIT): the transaction is open, its rows are
        written but not committed, and the RESERVED lock is held.
        """
        if not self._matches(at, n):
            yield
            return
        marker = str(self.pause.get("sql") or "COMMIT").upper()
        conn: sqlite3.Connection = self.saver.conn  # MessageStoreSaver's connection

        def trace(sql: str) -> None:
            if marker in sql.upper():
                self._stop(at, n, {**info, "sql": sql})

        conn.set_trace_callback(trace)
        try:
            yield
        finally:
            conn.set_trace_callback(None)


def _tool_call_ids(writes: Any) -> list[str]:
    ids = []
    for _channel, value in writes:
        for message in value if isinstance(value, list) else [value]:
            call_id = getattr(message, "tool_call_id", None)
            if call_id:
                ids.append(call_id)
    return ids
