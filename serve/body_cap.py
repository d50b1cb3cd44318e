"""Request bodies capped before they are read: 413 past `ML_INTERN_MAX_BODY_BYTES`.

The engines read a whole body before they look at it (a 200 MB run body took a replica
from 554 MiB to 2.5 GB), and so does the run guard. This middleware, first on both
engines' apps, refuses a body whose Content-Length says it is too big before reading a
byte of it, and counts the bytes of one that does not say (chunked): past the cap the
request is answered 413 and the app sees the client gone. The default, 8 MiB, is far above
any run the page sends (a message, an approval answer).
"""

from __future__ import annotations

import os

from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

ENV = "ML_INTERN_MAX_BODY_BYTES"
DEFAULT = 8 * 1024 * 1024


def max_body_bytes(env: dict[str, str] | None = None) -> int:
    """The cap from the environment (a whole number of bytes), else the default."""
    value = (os.environ if env is None else env).get(ENV, "").strip()
    if not value:
        return DEFAULT
    if not value.isdigit() or int(value) < 1:
        raise ValueError(f"{ENV} must be a whole number of bytes above 0; it is {value!r}.")
    return int(value)


def too_big(cap: int) -> JSONResponse:
    detail = (
        f"The request body is over this server's limit of {cap} bytes: send less (the "
        f"operator sets the limit with {ENV})."
    )
    return JSONResponse({"detail": detail}, status_code=413, headers={"Connection": "close"})


class BodyCap:
    """Pure ASGI middleware: bodies over the cap answered 413, before or while they arrive."""

    def __init__(self, app: ASGIApp, cap: int | None = None) -> None:
        self.app = app
        self.cap = max_body_bytes() if cap is None else cap

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = [v for k, v in scope["headers"] if k.lower() == b"content-length"]
        if declared and (not declared[0].strip().isdigit() or int(declared[0]) > self.cap):
            await too_big(self.cap)(scope, receive, send)
            return
        received, started, refused = 0, False, False

        async def counted() -> Message:
            nonlocal received, refused
            if refused:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.cap:
                    refused = True
                    if not started:
                        await too_big(self.cap)(scope, receive, send)
                    return {"type": "http.disconnect"}
            return message

        async def answered(message: Message) -> None:
            nonlocal started
            if refused:
                return  # the 413 is the answer; the app's own goes nowhere
            started = started or message["type"] == "http.response.start"
            await send(message)

        await self.app(scope, counted, answered)
