"""A run's `metadata` reaches its checkpoints on the team server, as on LangGraph's server.

LangGraph's server merges a run's metadata into the run's config, so it lands in the
metadata of every checkpoint the run writes; the page marks a person's message with
`{"ml_intern_turn": "user"}` there, and undo goes back to the last checkpoint so marked.
Aegra keeps a run's metadata for tracing only. This ASGI middleware copies it into the
request's `config.metadata` (what the request sets there itself wins) before Aegra reads it.

It also names what a `/runs/wait` that names no stream mode streams: nothing
(`NOT_STREAMED`, compat/aegra.py), so Aegra publishes the run's last whole state, its output,
and not one a step (its default mode, `values`) that no one reads.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from compat.aegra import NOT_STREAMED
from serve.run_guard import RUN_PATH, buffered

WAIT_PATH = re.compile(r"^/threads/[^/]+/runs/wait/?$")


def with_metadata_in_config(payload: Any) -> Any:
    """The run request with its metadata also in `config.metadata` (unchanged if none)."""
    if not isinstance(payload, dict) or not isinstance(payload.get("metadata"), Mapping):
        return payload
    config = payload.get("config") if isinstance(payload.get("config"), dict) else {}
    own = config.get("metadata") if isinstance(config.get("metadata"), Mapping) else {}
    return {**payload, "config": {**config, "metadata": {**payload["metadata"], **own}}}


def streamed_as_asked(payload: Any, path: str) -> Any:
    """The run request with `stream_mode` `NOT_STREAMED` if it is a `/runs/wait` (`path`)
    that names none; otherwise unchanged (a stream's default stays Aegra's, `values`)."""
    if (
        not WAIT_PATH.match(path)
        or not isinstance(payload, dict)
        or payload.get("stream_mode") is not None
    ):
        return payload
    return {**payload, "stream_mode": NOT_STREAMED}


class RunMetadata:
    """Pure ASGI middleware on the run-creating routes; other requests pass untouched."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["method"] != "POST"
            or not RUN_PATH.match(scope["path"])
        ):
            await self.app(scope, receive, send)
            return
        body, replayed = await buffered(receive)
        try:
            given = with_metadata_in_config(json.loads(body or b"{}"))
            changed = streamed_as_asked(given, scope["path"])
        except ValueError:  # not JSON: Aegra says so
            await self.app(scope, replayed, send)
            return
        new_body = json.dumps(changed).encode()
        given = False

        async def replay() -> Message:
            """The new body once; then what the client sends (its disconnect)."""
            nonlocal given
            if not given:
                given = True
                return {"type": "http.request", "body": new_body, "more_body": False}
            return await receive()

        headers = [(k, v) for k, v in scope["headers"] if k.lower() != b"content-length"]
        headers.append((b"content-length", str(len(new_body)).encode()))
        await self.app({**scope, "headers": headers}, replay, send)
