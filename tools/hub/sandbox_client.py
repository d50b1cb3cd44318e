"""Talking to one sandbox's runtime (tools/hub/sandbox_app.py) over HTTP.

The runtime answers on the Space's own host, which the Hub gives (tools/hub/space_host.py),
never one built from the name: `a-b/c` and `a/b-c` would share https://a-b-c.hf.space, and the
key and commands meant for one sandbox would reach the other's app. `ML_INTERN_SANDBOX_URL`
replaces it, with no Hub lookup (tests point it at a local runtime). Each request carries the
sandbox's key, to that origin only, and the Hugging Face token only when the Hub says the Space
is private (and so ours: the Hub shows nobody else's private Space): a public Space's proxy
passes every header to whoever runs its app. The token goes as `X-HF-Authorization`, the header the Spaces
proxy checks for a private Space and removes: the runtime, and any process in the sandbox
that takes its port, never receives it (an `Authorization` header would pass through to
them). Redirects are never followed, so neither reaches another host. Failures become one
sentence saying what happened and what to do next.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections import deque
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from langchain_core.tools import ToolException

from tools.host_token import origin
from tools.hub.client import hf_token
from tools.hub.sandbox_records import SandboxRecord
from tools.hub.space_host import find_space
from tools.result_texts import hub_sandbox as texts
from tools.result_texts import tool_text
from tools.tls import verifying_context

if TYPE_CHECKING:
    import httpx

KEY_HEADER = "X-Sandbox-Key"
PROXY_TOKEN_HEADER = "X-HF-Authorization"  # consumed by the Spaces proxy, never passed on
HTTP_TIMEOUT_S = 30.0
IDLE_READ_S = 60.0  # the runtime sends a ping every 10 s while a command is quiet
EXEC_GRACE_S = 60.0  # past the command's own timeout, the runtime has this long to report
HEAD_LINES, TAIL_LINES = 200, 800


class Output:
    """A command's lines: the first and the last ones kept, and how many there were."""

    def __init__(self) -> None:
        self.head: list[str] = []
        self.tail: deque[str] = deque(maxlen=TAIL_LINES)
        self.count = 0

    def add(self, line: str) -> None:
        self.count += 1
        (self.head if len(self.head) < HEAD_LINES else self.tail).append(line)

    def text(self) -> str:
        gap = self.count - len(self.head) - len(self.tail)
        middle = [tool_text("hf_sandbox", texts.LINES_NOT_SHOWN, count=gap)] if gap else []
        return "\n".join([*self.head, *middle, *self.tail])


@dataclass(frozen=True)
class ExecResult:
    exit_code: int
    timed_out: bool
    output: Output


class SandboxClient:
    """HTTP to one sandbox's runtime; use it as `async with SandboxClient(record) as c`."""

    def __init__(self, record: SandboxRecord) -> None:
        self.record = record
        self.url = ""  # the Space's host, as the Hub gives it when the client opens
        self._client: httpx.AsyncClient | None = None

    async def __aenter__(self) -> SandboxClient:
        import httpx

        repo_id = self.record.repo_id
        found = await find_space(
            repo_id,
            override_env="ML_INTERN_SANDBOX_URL",
            no_host=tool_text("hf_sandbox", texts.NO_HOST, id=repo_id),
        )
        self.url = found.url
        own, key, private = origin(self.url), self.record.key, found.private

        def credentials(request: httpx.Request) -> httpx.Request:
            if origin(str(request.url)) == own:
                request.headers[KEY_HEADER] = key
                if private and (token := hf_token()):
                    request.headers[PROXY_TOKEN_HEADER] = f"Bearer {token}"
            return request

        self._client = httpx.AsyncClient(
            auth=credentials,
            timeout=HTTP_TIMEOUT_S,
            follow_redirects=False,
            verify=verifying_context(),
        )
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._client is not None:
            await self._client.aclose()

    @property
    def client(self) -> httpx.AsyncClient:
        assert self._client is not None, "use SandboxClient as an async context manager"
        return self._client

    # --- requests ---------------------------------------------------------------------------

    async def health(self) -> dict[str, Any]:
        response = await self._send("Checking the sandbox", "GET", "/health")
        return response.json()

    async def read(self, path: str, limit: int) -> tuple[bytes, int]:
        """The file's first `limit` bytes and its whole size."""
        data = bytearray()
        async with self._open(f"Reading {path}", "GET", "/files", params={"path": path}) as got:
            async for chunk in got.aiter_bytes():
                data += chunk
                if len(data) >= limit:
                    break
            size = int(got.headers.get("content-length") or len(data))
        return bytes(data[:limit]), size

    async def write(self, path: str, data: bytes) -> dict[str, Any]:
        response = await self._send(
            f"Writing {path}", "PUT", "/files", params={"path": path}, content=data
        )
        return response.json()

    async def run(
        self,
        command: str,
        timeout: float,  # noqa: ASYNC109 - the runtime enforces it; we wait a grace longer
        on_line: Callable[[str], None],
    ) -> ExecResult:
        """Run `command`, each output line to `on_line` as it comes; its exit code and output."""
        import httpx
        from httpx_sse import SSEError, aconnect_sse

        output, ended = Output(), None
        body = {"command": command, "timeout": timeout}
        try:
            async with (
                asyncio.timeout(timeout + EXEC_GRACE_S),
                aconnect_sse(
                    self.client,
                    "POST",
                    f"{self.url}/exec",
                    json=body,
                    timeout=httpx.Timeout(HTTP_TIMEOUT_S, read=IDLE_READ_S),
                ) as source,
            ):
                if source.response.status_code != 200:
                    await source.response.aread()
                    raise ToolException(self.refusal(source.response, "Running the command"))
                async for event in source.aiter_sse():
                    data = _event(event.data)
                    if "out" in data:
                        output.add(str(data["out"]))
                        on_line(str(data["out"]))
                    elif "exit" in data:
                        ended = data
        except httpx.ConnectError as exc:
            raise ToolException(self.unreachable(exc)) from None
        except (TimeoutError, httpx.TransportError, SSEError) as exc:
            raise ToolException(self.dropped(command, output, exc)) from None
        if ended is None:
            raise ToolException(self.dropped(command, output, None))
        return ExecResult(int(ended["exit"]), bool(ended.get("timed_out")), output)

    async def _send(self, action: str, method: str, path: str, **kwargs: Any) -> httpx.Response:
        async with self._open(action, method, path, **kwargs) as response:
            await response.aread()
        return response

    @contextlib.asynccontextmanager
    async def _open(
        self, action: str, method: str, path: str, **kwargs: Any
    ) -> AsyncIterator[httpx.Response]:
        """A streamed answer of the runtime; failures (also mid-body) as sentences."""
        import httpx

        try:
            async with self.client.stream(method, f"{self.url}{path}", **kwargs) as response:
                if response.status_code != 200:
                    await response.aread()
                    raise ToolException(self.refusal(response, action))
                yield response
        except httpx.TimeoutException:
            raise ToolException(
                tool_text(
                    "hf_sandbox",
                    texts.SLOW,
                    action=action,
                    id=self.record.repo_id,
                    url=self.url,
                    seconds=HTTP_TIMEOUT_S,
                )
            ) from None
        except httpx.HTTPError as exc:
            raise ToolException(self.unreachable(exc, action)) from None

    # --- failures as sentences --------------------------------------------------------------

    def unreachable(self, exc: Exception, action: str = "Running the command") -> str:
        return tool_text(
            "hf_sandbox",
            texts.UNREACHABLE,
            action=action,
            id=self.record.repo_id,
            url=self.url,
            error=type(exc).__name__,
        )

    def dropped(self, command: str, output: Output, exc: Exception | None) -> str:
        why = (
            tool_text("hf_sandbox", texts.TOOK_TOO_LONG)
            if isinstance(exc, TimeoutError)
            else tool_text("hf_sandbox", texts.CONNECTION_BROKE)
        )
        shown = output.text() or tool_text("hf_sandbox", texts.NO_OUTPUT)
        return tool_text(
            "hf_sandbox",
            texts.DROPPED,
            id=self.record.repo_id,
            command=command,
            why=why,
            count=output.count,
            output=shown,
        )

    def refusal(self, response: httpx.Response, action: str) -> str:
        status, rid, url = response.status_code, self.record.repo_id, self.url
        if response.is_redirect:
            where = response.headers.get("location", "elsewhere")
            return tool_text(
                "hf_sandbox", texts.REDIRECTED, action=action, id=rid, url=url, where=where
            )
        said = _said(response)
        if status == 403 and KEY_HEADER in said:
            return tool_text("hf_sandbox", texts.WRONG_KEY, action=action, id=rid)
        if status in (401, 403):
            return tool_text(
                "hf_sandbox", texts.TOKEN_REFUSED, action=action, id=rid, status=status
            )
        if said and status < 500:
            return tool_text("hf_sandbox", texts.FAILED_IN, action=action, id=rid, said=said)
        if status >= 500:
            return tool_text("hf_sandbox", texts.SERVER_ERROR, action=action, id=rid, status=status)
        return tool_text(
            "hf_sandbox", texts.ANSWERED, action=action, id=rid, status=status, url=url
        )


def _event(data: str) -> dict[str, Any]:
    try:
        parsed = json.loads(data)
    except ValueError:
        return {}
    return parsed if isinstance(parsed, dict) else {}


def _said(response: httpx.Response) -> str:
    """The runtime's own `{"error": ...}`; "" for anything else (a proxy's page)."""
    try:
        body = response.json()
    except ValueError:
        return ""
    return str(body.get("error") or "") if isinstance(body, dict) else ""
