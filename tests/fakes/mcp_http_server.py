"""A FastMCP server over streamable HTTP that requires an Authorization header (for tests).

    with McpHttpServer(token="s3cret") as server:
        config = {"transport": "http", "url": server.url,
                  "headers": {"Authorization": "Bearer s3cret"}}

Tools: `add` (readOnlyHint) and `shout` (no hints). Requests without the right header get a
401; every Authorization header seen is kept in `.auth_headers`.
"""

from __future__ import annotations

import threading
import time
from typing import Any


class McpHttpServer:
    def __init__(self, token: str) -> None:
        self.token = token
        self.auth_headers: list[str | None] = []
        self._server: Any = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        port = self._server.servers[0].sockets[0].getsockname()[1]
        return f"http://127.0.0.1:{port}/mcp"

    def app(self) -> Any:
        from mcp.server.fastmcp import FastMCP
        from mcp.types import ToolAnnotations

        mcp = FastMCP("fake-http", log_level="ERROR")

        @mcp.tool(annotations=ToolAnnotations(readOnlyHint=True))
        def add(a: int, b: int) -> str:
            """Add two integers."""
            return str(a + b)

        @mcp.tool()
        def shout(text: str) -> str:
            """Upper-case the text."""
            return text.upper()

        inner = mcp.streamable_http_app()

        async def guarded(scope: dict[str, Any], receive: Any, send: Any) -> None:
            if scope["type"] == "http":
                headers = dict(scope.get("headers") or [])
                seen = headers.get(b"authorization")
                self.auth_headers.append(seen.decode() if seen else None)
                if seen != f"Bearer {self.token}".encode():
                    await send({"type": "http.response.start", "status": 401, "headers": []})
                    await send({"type": "http.response.body", "body": b"unauthorized"})
                    return
            await inner(scope, receive, send)

        return guarded

    def __enter__(self) -> McpHttpServer:
        import uvicorn

        config = uvicorn.Config(
            self.app(), host="127.0.0.1", port=0, log_level="error", lifespan="on"
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("the MCP HTTP test server did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *_exc: object) -> None:
        self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=5)
